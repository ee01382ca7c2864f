"""``pcfgraph --help`` imports no command module; each lazy command's listed help is its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from pcfgraph.cli import LAZY_COMMANDS, main
from pcfgraph.cli.lazy import LazyGroup

HEAVY = (
    "pyoxigraph",
    "rdflib",
    "openpyxl",
    "fastapi",
    "pcfgraph.cli.graph_commands",
    "pydantic",
    "pydantic_settings",  # the settings model: its import costs more than all of --help
)


def test_listed_help_is_each_commands_own() -> None:
    assert isinstance(main, LazyGroup)
    for name, _target in LAZY_COMMANDS:
        listed = click.Command(name, help=main.lazy_help(name)).get_short_help_str(10**6)
        command = main.commands[name]
        assert isinstance(command, click.Command)
        assert listed and command.get_short_help_str(10**6) == listed, name


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from pcfgraph.cli.common import run_main\n"
        "from pcfgraph.cli import main\n"
        "code = run_main(main, ['--help'])\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy, code)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY [] 0" in out, out
    for name, _target in LAZY_COMMANDS:
        assert f"  {name} " in out, f"{name} missing from --help"


def test_every_registered_command_still_runs_its_help() -> None:
    from pcfgraph.cli.common import run_main

    for name, _target in LAZY_COMMANDS:
        assert run_main(main, [name, "--help"]) == 0, name


def test_a_named_query_does_not_import_rdflib() -> None:
    """``pcfgraph query`` reads IRIs as text (CURIEs in its tables): the rdflib namespaces of
    :mod:`pcfgraph.iris` are made on first use, so its imports leave rdflib out."""
    code = (
        "import sys\n"
        "import pcfgraph.cli.graph_commands\n"
        "from pcfgraph.cli.table import curie\n"
        "print('CURIE', curie('https://w3id.org/pcfgraph/id/prm-it/A24'))\n"
        "print('RDFLIB', 'rdflib' in sys.modules)\n"
        "from pcfgraph.iris import SKOS, framework\n"  # made when asked for, the same terms
        "print('TERMS', SKOS.broader, type(framework('prm-it')).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "CURIE prmit:A24" in out and "RDFLIB False" in out, out
    assert "TERMS http://www.w3.org/2004/02/skos/core#broader URIRef" in out, out


def test_a_named_query_leaves_the_services_and_the_sources_unimported(tmp_path: Path) -> None:
    """``pcfgraph query NAME --release DIR`` runs one query: the services package (every read
    of the graph, search included) and the source list's loaders (YAML, the import pool) are
    not imported on its way (about 35 and 25 ms of its start), and its table still sorts
    codes in their natural order."""
    from sparql_support import fixture_store

    from pcfgraph.release import write_release

    write_release(fixture_store(), tmp_path / "rel", {})
    argv = ["pcfgraph", "query", "api/frameworks", "--release", str(tmp_path / "rel")]
    _without_services(argv)


def test_a_framework_id_is_checked_without_importing_the_services(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ``framework id`` parameter is checked against the release's frameworks with one query,
    not through the services package (0.28 s of the command's 0.4 s with it)."""
    from sparql_support import fixture_store

    from pcfgraph.release import write_release

    write_release(fixture_store(), tmp_path / "rel", {})
    rel = ["--release", str(tmp_path / "rel")]
    args = ["pcfgraph", "query", "api/element-by-code", *rel, "-p", "code=A1"]
    _without_services([*args, "-p", "framework=alpha"], rows=1)
    from pcfgraph.cli import main
    from pcfgraph.cli.common import run_main

    assert run_main(main, [*args[1:], "-p", "framework=nope"]) == 2
    err = capsys.readouterr().err
    assert "parameter 'framework' must be a known framework id, not 'nope'" in err
    assert "known: alpha" in err


def _without_services(argv: list[str], rows: int = 2) -> None:
    code = (
        "import sys\n"
        f"sys.argv = {argv!r}\n"
        "from pcfgraph.cli import entry\n"
        "try:\n"
        "    entry()\n"
        "finally:\n"
        "    loaded = ('pcfgraph.services', 'pcfgraph.sources', 'yaml')\n"
        "    print('LOADED', [m for m in loaded if m in sys.modules], file=sys.stderr)\n"
        "    from pcfgraph.cli.table import code_key\n"
        "    print('ORDER', sorted(['8.1.10', 'A27', '8.1.9', 'A3'], key=code_key), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"({rows} row{'s' if rows != 1 else ''})" in done.stdout, done.stdout  # it ran
    assert "LOADED []" in done.stderr, done.stderr
    assert "ORDER ['8.1.9', '8.1.10', 'A3', 'A27']" in done.stderr, done.stderr
