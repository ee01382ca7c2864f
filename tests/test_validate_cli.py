"""``pcfgraph validate``: exit codes 0/1/2, text and JSON reports, --data and --release,
and the shipped graph conforms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat
from rdflib import Graph
from validation_graphs import BASE_TTL, PREFIXES, describe, graph_for, iri, store_for

from pcfgraph import iris
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.cli.validate import read_data_file
from pcfgraph.release import write_release
from pcfgraph.validation import validate_store

BAD_LABEL = "Understand  IT customer needs"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run_main(main, args)
    out, err = capsys.readouterr()
    return code, out, err


def write_ttl(path: Path, graph: Graph) -> Path:
    graph.serialize(path, format="turtle")
    return path


@pytest.fixture
def good_ttl(tmp_path: Path) -> Path:
    path = tmp_path / "good.ttl"
    path.write_text(PREFIXES + BASE_TTL, encoding="utf-8")
    return path


@pytest.fixture
def bad_ttl(tmp_path: Path) -> Path:
    graph = graph_for(
        remove='<t/811> skos:prefLabel "Understand IT customer needs"@en .',
        add=f'<t/811> skos:prefLabel "{BAD_LABEL}"@en . <t/80> skos:broader <t/8111> .',
    )
    return write_ttl(tmp_path / "bad.ttl", graph)


def test_conforming_data_exits_0(good_ttl: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["validate", "--data", str(good_ttl)], capsys)
    assert code == 0, out + err
    assert out.splitlines()[-1].startswith("conforms: no findings")


def test_violations_exit_1_and_are_listed_by_rule(
    bad_ttl: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["validate", "--data", str(bad_ttl)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert "shapes/ElementPrefLabelWhitespaceShape: 1 violation" in lines
    assert any(line.startswith("checks/hierarchy-cycle-violation: ") for line in lines)
    label_line = next(line for line in lines if "skos:prefLabel" in line and BAD_LABEL in line)
    assert label_line.strip().startswith(f"Violation  8.1.1 ({iri('t/811')})  skos:prefLabel")
    assert label_line.rstrip().endswith("(or a tab or line break).")
    assert lines[-1].startswith("does not conform: ")


def test_json_report(bad_ttl: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", "--data", str(bad_ttl), "--format", "json"], capsys)
    assert code == 1
    doc = json.loads(out)
    assert doc["conforms"] is False
    assert doc["counts"]["Violation"] == len(
        [r for r in doc["results"] if r["severity"] == "Violation"]
    )
    found = {(r["rule"], r["focus"]) for r in doc["results"]}
    assert ("shapes/ElementPrefLabelWhitespaceShape", iri("t/811")) in found
    assert ("checks/hierarchy-cycle-violation", iri("t/80")) in found
    label = next(r for r in doc["results"] if r["rule"] == "shapes/ElementPrefLabelWhitespaceShape")
    assert label["value"] == BAD_LABEL
    assert label["path"] == str(iris.SKOS.prefLabel)
    assert label["source_shape"] == iris.SHAPES_BASE + "ElementPrefLabelWhitespaceShape"
    assert label["focus_label"] == "8.1.1"


def test_limit_caps_lines_per_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = graph_for(
        add=" ".join(
            f'<p/A{n}> skos:inScheme <framework/t-prm> ; skos:prefLabel "X{n}"@en .'
            for n in range(5, 9)
        )
    )
    path = write_ttl(tmp_path / "many.ttl", graph)
    code, out, _ = run(["validate", "--data", str(path), "--limit", "2"], capsys)
    assert code == 1
    lines = out.splitlines()
    assert "shapes/ElementNotationShape: 4 violations" in lines
    start = lines.index("shapes/ElementNotationShape: 4 violations")
    assert lines[start + 3] == "  ... and 2 more (--limit 0 shows all)"
    code, out, _ = run(["validate", "--data", str(path), "--limit", "0"], capsys)
    assert (
        sum(
            "shapes/ElementNotationShape" not in x and "skos:notation" in x
            for x in out.splitlines()
        )
        == 4
    )


def test_warnings_alone_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = graph_for(
        remove='<framework/t-prm> pcfg:frameworkId "t-prm" .',
        add='<framework/t-prm> pcfg:frameworkId "T PRM" .',
    )
    path = write_ttl(tmp_path / "warn.ttl", graph)
    code, out, _ = run(["validate", "--data", str(path)], capsys)
    assert code == 0
    assert "shapes/FrameworkIdSlugShape: 1 warning" in out.splitlines()
    assert out.splitlines()[-1].startswith("conforms: 1 warning")


def test_several_data_files_are_validated_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Elements in one file, their scheme's metadata in another: the union conforms."""
    graph = graph_for()
    scheme = Graph()
    for triple in graph.triples((None, None, None)):
        if str(triple[0]).startswith(iri("framework/")):
            scheme.add(triple)
    graph -= scheme
    a = write_ttl(tmp_path / "elements.ttl", graph)
    b = tmp_path / "schemes.nt"
    scheme.serialize(b, format="nt", encoding="utf-8")
    code, out, _ = run(["validate", "--data", str(a), "--data", str(b)], capsys)
    assert code == 0, out
    code, out, _ = run(["validate", "--data", str(a)], capsys)
    assert code == 1
    assert "shapes/ElementSchemeIsFrameworkShape" in out


def test_nquads_data_keeps_graph_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = store_for(graph_for())
    path = tmp_path / "graph.nq"
    path.write_bytes(store.dump(RdfFormat.N_QUADS))
    quads = read_data_file(path)
    assert len(quads) == len(store)
    assert {q.graph_name.value for q in quads} == set(store.graph_names())
    code, out, _ = run(["validate", "--data", str(path)], capsys)
    assert code == 0, out


def test_triples_go_into_a_framework_graph_named_after_the_file(good_ttl: Path) -> None:
    quads = read_data_file(good_ttl)
    assert {q.graph_name.value for q in quads} == {str(iris.framework_graph("good"))}


def test_relative_iris_resolve_against_the_id_base(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "relative.ttl"
    path.write_text((PREFIXES + BASE_TTL).replace("@base <https://w3id.org/pcfgraph/id/> .", ""))
    path.write_text(path.read_text() + '<t/811> skos:prefLabel " x"@en .\n')
    code, out, _ = run(["validate", "--data", str(path), "--format", "json"], capsys)
    assert code == 1
    foci = {r["focus"] for r in json.loads(out)["results"]}
    assert iri("t/811") in foci


def test_parse_error_exits_2_with_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text(PREFIXES + '<t/1> skos:prefLabel "never closed .\n', encoding="utf-8")
    code, out, err = run(["validate", "--data", str(path)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("pcfgraph: error: ")
    line = len(PREFIXES.splitlines()) + 1
    assert f"{path}, line {line}, column " in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_and_unknown_type_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["validate", "--data", str(tmp_path / "nope.ttl")], capsys)
    assert code == 2 and "nope.ttl" in err
    other = tmp_path / "data.csv"
    other.write_text("a,b\n")
    code, _, err = run(["validate", "--data", str(other)], capsys)
    assert code == 2 and "unknown RDF file type '.csv'" in err
    code, _, err = run(["validate", "--format", "yaml"], capsys)
    assert code == 2


def test_release_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good-release"
    write_release(store_for(graph_for()), good, {})
    code, out, _ = run(["validate", "--release", str(good)], capsys)
    assert code == 0, out
    bad = tmp_path / "bad-release"
    write_release(store_for(graph_for(add="<p/A0> skos:exactMatch <p/A1> .")), bad, {})
    code, out, _ = run(["validate", "--release", str(bad), "--format", "json"], capsys)
    assert code == 1
    assert {(r["rule"], r["focus"]) for r in json.loads(out)["results"]} == {
        ("checks/mapping-within-scheme-violation", iri("p/A0"))
    }


def test_data_is_added_to_a_release(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rel = tmp_path / "release"
    write_release(store_for(graph_for()), rel, {})
    extra = tmp_path / "extra.ttl"
    extra.write_text(PREFIXES + "<t/8111> skos:broader <t/81> .\n", encoding="utf-8")
    code, out, _ = run(
        ["validate", "--release", str(rel), "--data", str(extra), "--format", "json"], capsys
    )
    assert code == 1
    assert {(r["rule"], r["focus"]) for r in json.loads(out)["results"]} == {
        ("checks/broader-multiple-violation", iri("t/8111")),
        # "8.1.1.1" under "8.1" as well as under "8.1.1"
        ("checks/hierarchy-id-prefix-violation", iri("t/8111")),
    }


def test_shipped_graph_conforms() -> None:
    """The assembled data (all frameworks and mapping sets) passes every shape and check."""
    from pcfgraph.assemble import assemble

    store = assemble().store
    report = validate_store(store)
    assert report.conforms, describe(report)
    assert report.counts["Violation"] == 0
