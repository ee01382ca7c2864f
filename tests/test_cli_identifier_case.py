"""The CLI matches identifiers as MCP and GraphQL do (one rule,
:mod:`pcfgraph.services.search.identifier_case`): a framework id, an element id or a code in
another case names the same thing, and the answer is the one given for the data's spelling.
``pcfgraph gaps --framework PRM-IT`` said "no framework 'PRM-IT'" and ``--under prm-it/a2``
"no element", where MCP's find_gaps answered both. One that names nothing in any case is
refused as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from _webgraph import web_release
from gql_support import Client

from pcfgraph.cli import main
from pcfgraph.cli.common import EXIT_BAD_INPUT, run_main
from pcfgraph.config import Settings
from pcfgraph.mcp.paging import ArgumentError
from pcfgraph.mcp.state import StandaloneState
from pcfgraph.mcp.tools import Tools
from pcfgraph.release import Release, write_release


@pytest.fixture(scope="module")
def web() -> Release:
    return web_release()


@pytest.fixture(scope="module")
def release_dir(web: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rel") / "release"
    write_release(web.store, out, {})
    return out


def run(args: list[str], release_dir: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = run_main(main, [*args, "--release", str(release_dir)])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.mark.parametrize(
    ("written", "as_data"),
    [
        (
            ["gaps", "--framework", "PRM-IT", "--target", "IT-CMF", "--format", "json"],
            ["gaps", "--framework", "prm-it", "--target", "it-cmf", "--format", "json"],
        ),
        (
            ["gaps", "--framework", "Prm-It", "--under", "PRM-IT/a2", "--format", "csv"],
            ["gaps", "--framework", "prm-it", "--under", "prm-it/A2", "--format", "csv"],
        ),
        (
            ["gaps", "--framework", "PRM-IT", "--under", "a2", "--format", "csv"],
            ["gaps", "--framework", "prm-it", "--under", "A2", "--format", "csv"],
        ),
        (
            ["search", "service", "--framework", "PRM-IT", "--format", "json"],
            ["search", "service", "--framework", "prm-it", "--format", "json"],
        ),
        (
            ["export", "--format", "csv", "--framework", "PRM-IT", "--subtree", "a2"],
            ["export", "--format", "csv", "--framework", "prm-it", "--subtree", "A2"],
        ),
        (
            ["mappings", "suggest", "--source", "PRM-IT", "--target", "IT-CMF"],
            ["mappings", "suggest", "--source", "prm-it", "--target", "it-cmf"],
        ),
        (  # a mapping set id is an identifier too: it was "no mapping set"
            ["mappings", "export", "--set", "APQC-PCF-to-PRM-IT"],
            ["mappings", "export", "--set", "apqc-pcf-to-prm-it"],
        ),
        (  # so is a named query's framework id: bound as given, it matched nothing
            ["query", "api/gaps", "--param", "framework=PRM-IT", "--format", "csv"],
            ["query", "api/gaps", "--param", "framework=prm-it", "--format", "csv"],
        ),
    ],
)
def test_an_identifier_in_another_case_is_answered_as_the_datas(
    release_dir: Path, capsys: pytest.CaptureFixture[str], written: list[str], as_data: list[str]
) -> None:
    expected = run(as_data, release_dir, capsys)
    assert expected.count("\n") > 1  # rows, not an empty answer that any case would match
    assert run(written, release_dir, capsys) == expected


def test_the_gaps_under_an_element_are_fewer_than_all(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--under in another case narrows the list (not taken as no filter)."""
    every = run(["gaps", "--framework", "prm-it", "--format", "csv"], release_dir, capsys)
    under = run(
        ["gaps", "--framework", "PRM-IT", "--under", "prm-it/a2", "--format", "csv"],
        release_dir,
        capsys,
    )
    assert 1 < under.count("\n") < every.count("\n")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["gaps", "--framework", "PRM-ITX"], "--framework: no framework 'PRM-ITX'"),
        (["gaps", "--framework", "prm-it", "--target", "IT-CMFX"], "--target: no framework"),
        (["gaps", "--framework", "PRM-IT", "--under", "prm-it/a99"], "prm-it/a99"),
        (["search", "x", "--framework", "PRM-ITX"], "--framework: no framework or family"),
        (["export", "--format", "csv", "--framework", "PRM-ITX"], "no framework 'PRM-ITX'"),
        (["export", "--format", "csv", "--framework", "PRM-IT", "--subtree", "a99"], "'a99'"),
        (["mappings", "suggest", "--source", "PRM-ITX", "--target", "it-cmf"], "--source"),
        (["mappings", "export", "--set", "APQC-PCF-to-PRM-ITX"], "no mapping set"),
        (["query", "api/gaps", "--param", "framework=PRM-ITX"], "known framework id"),
    ],
)
def test_one_that_names_nothing_in_any_case_is_refused_as_before(
    release_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code = run_main(main, [*args, "--release", str(release_dir)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert words in err, err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["gaps", "--kind", "Process"], "kind 'Process' (values are taken as written: 'process')"),
        (["gaps", "--kind", "PROCESS"], "known: activity,"),
        (
            ["query", "api/gaps", "--param", "kind=Process"],
            "(values are taken as written: 'process')",
        ),
        (["query", "api/gaps", "--param", "kind=nope"], "known: activity,"),
    ],
)
def test_an_enumerated_value_in_another_case_is_refused_listing_the_values(
    release_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    """A kind is no identifier but one of a few values (process, activity ...), taken as
    written as MCP's and GraphQL's ``kind`` take it: another case is refused saying which is
    meant, and what the values are (``query api/gaps --param kind=Process`` answered no
    rows, as if no process had a gap)."""
    code = run_main(main, [*args, "--release", str(release_dir)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert words in err, err
    assert (
        run(["gaps", "--kind", "process", "--format", "csv"], release_dir, capsys).count("\n") > 1
    )


#: The hint every edge gives for a kind in another case (pcfgraph.letter_case.taken_as_written).
HINT = "(values are taken as written: 'process')"


def test_every_edge_refuses_a_kind_in_another_case_in_the_same_words(
    web: Release, release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """MCP's find_gaps and search, and GraphQL's kind argument, refused ``Process`` listing
    the kinds only ("no kind 'Process'; known: activity, ..."), where the CLI and a named
    query over HTTP said which value is meant: one wording, from one place."""
    said: dict[str, str] = {}
    for args in (["gaps", "--kind", "Process"], ["search", "x", "--kind", "Process"]):
        assert run_main(main, [*args, "--release", str(release_dir)]) == EXIT_BAD_INPUT
        said[f"cli {args[0]}"] = capsys.readouterr().err
    tools = Tools(lambda: StandaloneState(settings=Settings(), release=web), "http://h")
    for name, call in (
        ("find_gaps", lambda: tools.find_gaps("prm-it", kind="Process")),
        ("search", lambda: tools.search("service", kind="Process")),
    ):
        with pytest.raises(ArgumentError) as refused:
            call()
        assert refused.value.argument == "kind"
        said[f"mcp {name}"] = str(refused.value)
    gql = Client(web)
    for field in (
        'gaps(framework: "prm-it", kind: "Process") { decision }',
        'elements(framework: "prm-it", kind: "Process") { totalCount }',
        'search(text: "service", kind: "Process") { score }',
    ):
        (err,) = gql.errors("{ " + field + " }")
        said[f"graphql {field.split('(')[0]}"] = err["message"]
    http = gql.http.get("/queries/api/gaps", params={"framework": "prm-it", "kind": "Process"})
    assert http.status_code == 400, http.text
    said["http /queries/api/gaps"] = http.json()["detail"]
    assert {edge: HINT in words for edge, words in said.items()} == dict.fromkeys(said, True), said
    known = "; known: activity, "  # and what the values are, listed alike
    assert {edge: known in words for edge, words in said.items()} == dict.fromkeys(said, True)


def test_a_code_of_another_framework_is_refused_naming_the_element_it_is(
    web: Release, release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A code or PCF ID given with another framework's id (PRM-IT's A24 with it-cmf, an APQC
    PCF ID with prm-it: an assistant holding the framework it came from) was "no code 'A24'
    in framework 'it-cmf'", read as "no such element", where an IRI so given said where it
    is. Every edge now names the element it is in the other frameworks."""
    tools = Tools(lambda: StandaloneState(settings=Settings(), release=web), "http://h")
    said: dict[str, str] = {}
    for name, call in (
        ("get_element code", lambda: tools.get_element("A24", "it-cmf")),
        ("get_element pcf id", lambda: tools.get_element("20641", "prm-it")),
        ("get_element case", lambda: tools.get_element("prm-it/a24", "trim")),
        ("find_gaps under", lambda: tools.find_gaps("prm-it", under="8.1.6")),
        ("get_mappings", lambda: tools.get_mappings(source="it-cmf", element="a24")),
    ):
        with pytest.raises(ArgumentError) as refused:
            call()
        said[f"mcp {name}"] = str(refused.value)
    gql = Client(web)
    for field in (
        'element(code: "A24", framework: "it-cmf") { id }',
        'gaps(framework: "prm-it", under: "8.1.6") { decision }',
    ):
        (err,) = gql.errors("{ " + field + " }")
        said[f"graphql {field.split('(')[0]}"] = err["message"]
    code = run_main(
        main, ["gaps", "--framework", "prm-it", "--under", "8.1.6", "--release", str(release_dir)]
    )
    assert code == EXIT_BAD_INPUT
    said["cli gaps --under"] = capsys.readouterr().err
    export = ["export", "--format", "csv", "--framework", "prm-it", "--subtree", "20641"]
    assert run_main(main, [*export, "--release", str(release_dir)]) == EXIT_BAD_INPUT
    # a PCF ID names an element there as it does for ``gaps --under``: said as it says it
    assert "PCF ID 20641 is not in framework 'prm-it': it is in apqc-pcf-cross-industry-7.4" in (
        capsys.readouterr().err
    )
    export[-1] = "8.1.6"
    assert run_main(main, [*export, "--release", str(release_dir)]) == EXIT_BAD_INPUT
    said["cli export --subtree"] = capsys.readouterr().err
    http = gql.http.get("/frameworks/prm-it/export", params={"subtree": "a24", "format": "csv"})
    assert http.status_code == 200  # found in its own framework, in any case
    http = gql.http.get("/frameworks/it-cmf/export", params={"subtree": "a24", "format": "csv"})
    assert http.status_code == 404, http.text
    said["http export ?subtree"] = http.json()["detail"]
    apqc = "apqc-pcf/cross-industry/7.4/20641"  # 8.1.6
    expected = {
        edge: "prm-it/A24" if "A24" in words.split(";")[0].upper() else apqc
        for edge, words in said.items()
    }
    assert {
        edge: f"in other frameworks it names {expected[edge]}" in said[edge] for edge in said
    } == dict.fromkeys(said, True), said
    # one that names nothing anywhere is refused as before, naming nothing else
    with pytest.raises(ArgumentError) as nothing:
        tools.get_element("A99", "prm-it")
    assert "in other frameworks" not in str(nothing.value)
    # and one found where it was asked for is the answer
    assert tools.get_element("a24", "prm-it")["iri"].endswith("/prm-it/A24")
