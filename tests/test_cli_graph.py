"""CLI over a release: query, export, stats, build; exit codes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from pcfgraph import iris
from pcfgraph.assemble import load_turtle
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.release import write_release
from pcfgraph.store import EmbeddedStore

FIXTURE = Path(__file__).parent / "fixtures" / "mini-framework.ttl"
MINI = iris.ID_BASE + "mini/"


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = EmbeddedStore()
    store.add_quads(load_turtle(FIXTURE, str(iris.framework_graph("mini"))))
    store.add_quads(load_turtle(Path("ontology/pcfgraph.ttl"), str(iris.ontology_graph())))
    out = tmp_path_factory.mktemp("rel") / "release"
    write_release(store, out, {})
    return out


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run_main(main, args)
    out, err = capsys.readouterr()
    return code, out, err


def test_query_binds_parameters_and_prints_json(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "query",
            "api/element-by-code",
            "--release",
            str(release_dir),
            "-p",
            "framework=mini",
            "-p",
            "code=C1",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    rows = json.loads(out)["results"]["bindings"]
    assert [
        (r["element"]["value"], r["name"]["value"], r["parentCode"]["value"]) for r in rows
    ] == [(MINI + "C1", "Child one", "R")]


def test_descendants_are_the_transitive_children(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        [
            "query",
            "descendants",
            "--release",
            str(release_dir),
            "-p",
            f"element={MINI}R",
            "--format",
            "csv",
        ],
        capsys,
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert {line.split(",")[2] for line in lines[1:]} == {"C1", "C2", "P1"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["query", "nope"], "no named query 'nope'"),
        (["query", "api/element-by-code", "-p", "code=C1"], "needs parameter 'framework'"),
        (["query", "api/element-by-code", "-p", "framework"], "key=value"),
        # the last one was taken (HTTP /queries refuses it the same way)
        (
            [
                "query",
                "api/element-by-code",
                "-p",
                "framework=mini",
                "-p",
                "code=1",
                "-p",
                "code=2",
            ],
            "parameter 'code' given more than once",
        ),
        (["query", "missing.rq"], "does not exist"),
        (["export", "--format", "yaml"], "Invalid value"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    release_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, _, err = run([*args, "--release", str(release_dir)], capsys)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


def test_bad_release_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["stats", "--release", str(tmp_path)], capsys)
    assert code == 2
    assert "cannot read manifest" in err


def test_export_writes_the_union_as_turtle(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "all.ttl"
    code, _, _ = run(["export", "--release", str(release_dir), "-o", str(out)], capsys)
    assert code == 0
    exported = Graph().parse(out, format="turtle")
    expected = Graph().parse(FIXTURE, format="turtle", publicID=iris.ID_BASE)
    expected.parse("ontology/pcfgraph.ttl", format="turtle")
    assert isomorphic(exported, expected)


def test_stats_counts_elements_per_kind(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["stats", "--release", str(release_dir), "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)["results"]["bindings"]
    counts = {(r["id"]["value"], r["kind"]["value"]): int(r["elements"]["value"]) for r in rows}
    assert counts == {("mini", "root"): 1, ("mini", "category"): 2, ("mini", "process"): 1}


def test_help_for_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for name in main.commands:
        code, out, _ = run([name, "--help"], capsys)
        assert code == 0
        assert "Usage:" in out


def test_no_help_text_splits_a_name_at_a_hyphen() -> None:
    """click rewraps a docstring: a file name the source broke after a hyphen came out as
    "k06638-airline-v722-vs-airline- v721-2025.xlsx" in 'import apqc --help', a name that
    does not exist. Every command and subcommand, read at a width that wraps nothing."""
    import re

    import click
    from click.testing import CliRunner

    ctx = click.Context(main)
    todo: list[tuple[list[str], click.Command]] = [([], main)]
    split: list[str] = []
    while todo:
        path, cmd = todo.pop()
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                assert sub is not None
                todo.append(([*path, name], sub))
        out = CliRunner().invoke(main, [*path, "--help"], terminal_width=10_000).output
        split += [f"{' '.join(path)}: {m.group()}" for m in re.finditer(r"\S+\w- \w\S*", out)]
    assert split == []


def test_an_internal_error_exits_3_with_one_line_and_no_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug must never look like findings (1) or bad input (2) to a script."""
    import click

    from pcfgraph.cli.common import DEBUG_ENV, EXIT_INTERNAL, run_main

    @click.group()
    def group() -> None:
        pass

    @group.command()
    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.delenv(DEBUG_ENV, raising=False)
    assert run_main(group, ["broken"]) == EXIT_INTERNAL == 3
    err = capsys.readouterr().err
    assert "internal error (RuntimeError: boom)" in err and "Traceback" not in err
    monkeypatch.setenv(DEBUG_ENV, "1")
    assert run_main(group, ["broken"]) == EXIT_INTERNAL
    assert "Traceback" in capsys.readouterr().err
