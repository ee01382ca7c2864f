"""A mapping set read from SSSOM/JSON (``*.sssom.json``): the JSON export or sssom-py's JSON
reads back as the published graph, through the SSSOM/TSV reader's checks; bad JSON is refused
naming the file, the line and column, and the record and field."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from gql_support import shared_catalog
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from test_mapping_round_trip import STEMS, exported, imported, published

from pcfgraph import iris
from pcfgraph.assemble import assemble, rdflib_to_quads
from pcfgraph.cli import main
from pcfgraph.errors import InputError, NotAcceptable, ParseError
from pcfgraph.mappings import mapping_set_graph, read_mapping_set
from pcfgraph.mappings.export import export_bytes
from pcfgraph.release import Release
from pcfgraph.resources import resource_dir
from pcfgraph.sources import ExtraSources
from pcfgraph.store import EmbeddedStore

TRIM = "pcf-8.1-and-prm-it-to-trim-cm"


def as_if_from_tsv(graph: Graph, stem: str) -> Graph:
    """``graph`` with its source file (``prov:wasDerivedFrom``, named by the file it was read
    from) named as the shipped ``<stem>.sssom.tsv``: the only triples a format can change."""
    json_source = iris.mapping_set_source(stem, f"{stem}.sssom.json")
    tsv_source = iris.mapping_set_source(stem, f"{stem}.sssom.tsv")
    out = Graph()
    for s, p, o in graph:
        s = tsv_source if s == json_source else s
        o = tsv_source if o == json_source else o
        if o == Literal(f"{stem}.sssom.json"):
            o = Literal(f"{stem}.sssom.tsv")
        out.add((s, p, o))
    return out


def json_export(release: Release, stem: str, directory: Path) -> Path:
    return exported(release, stem, directory, "sssom-json")


@pytest.mark.parametrize("stem", STEMS)
def test_a_json_export_read_back_is_the_published_graph(
    shipped_release: Release, tmp_path: Path, stem: str
) -> None:
    path = json_export(shipped_release, stem, tmp_path)
    again = as_if_from_tsv(imported(path), stem)
    want = published(shipped_release.store, stem)
    assert isomorphic(again, want), sorted(set(again) ^ set(want))[:6]
    # and it is a JSON file that was read: the graph names it as its source
    assert (None, None, Literal(path.name)) in imported(path)


def test_sssom_py_json_of_a_set_reads_as_the_published_graph(
    shipped_release: Release, tmp_path: Path
) -> None:
    # sssom-py writes the prefixes into a JSON-LD @context, next to the schema's terms
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sssom-py and pandas deprecation noise
        from sssom.parsers import parse_sssom_table
        from sssom.writers import write_json

        msdf = parse_sssom_table(str(exported(shipped_release, TRIM, tmp_path)))
        target = tmp_path / f"{TRIM}.sssom.json"
        with target.open("w", encoding="utf-8") as out:
            write_json(msdf, out)
    assert isinstance(json.loads(target.read_text())["@context"]["skos"], str)
    again = as_if_from_tsv(imported(target), TRIM)
    want = published(shipped_release.store, TRIM)
    assert isomorphic(again, want), sorted(set(again) ^ set(want))[:6]


def test_mappings_diff_reads_json_sets(shipped_release: Release, tmp_path: Path) -> None:
    old = json_export(shipped_release, TRIM, tmp_path)
    body = json.loads(old.read_text())
    body["mappings"][0]["confidence"] = 0.11
    new = tmp_path / "edited.sssom.json"
    new.write_text(json.dumps(body))
    out = tmp_path / "diff.json"
    result = CliRunner().invoke(main, ["mappings", "diff", str(old), str(new), "-o", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    changes = doc["changes"]
    assert [(c["change"], [s["slot"] for s in c["slots"]]) for c in changes] == [
        ("changed", ["confidence"])
    ]
    assert changes[0]["slots"][0]["new"] == "0.11"
    assert changes[0]["subject_id"].endswith(body["mappings"][0]["subject_id"].split(":")[1])
    assert doc["unchanged"] == len(body["mappings"]) - 1


def test_a_sources_file_loads_a_json_set(shipped_release: Release, tmp_path: Path) -> None:
    # a set of three TRIM rows under a stem of its own, listed in a sources file as JSON
    body = json.loads(json_export(shipped_release, TRIM, tmp_path).read_text())
    body["mapping_set_id"] = str(iris.mapping_set("trim-three"))
    body["mappings"] = body["mappings"][:3]
    path = tmp_path / "sets" / "trim-three.sssom.json"
    path.parent.mkdir()
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False), encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text("mappings:\n  - sets/*.sssom.json\n")
    built = assemble(extra=ExtraSources(sources_file=sources))
    assert built.sources[str(iris.mapping_set_graph("trim-three"))][-1].endswith(path.name)
    lines = sorted(line for name, line in built.record_lines.values() if name == str(path))
    text = path.read_text().splitlines()
    assert len(lines) == 3 and all(text[n - 1].strip() == "{" for n in lines)
    assert isomorphic(
        published(built.store, "trim-three"),
        imported(path),
    )


def test_one_set_listed_as_tsv_and_as_json_is_refused(
    shipped_release: Release, tmp_path: Path
) -> None:
    """Both files name the graph of one set: read one after the other, the second was merged
    into the first's graph without a word (records of both, the source named the second)."""
    sets = tmp_path / "sets"
    sets.mkdir()
    body = json.loads(json_export(shipped_release, TRIM, tmp_path).read_text())
    body["mapping_set_id"] = str(iris.mapping_set("trim-three"))
    body["mappings"] = body["mappings"][:3]
    (sets / "trim-three.sssom.json").write_text(json.dumps(body), encoding="utf-8")
    shipped = resource_dir("data") / "mappings" / f"{TRIM}.sssom.tsv"
    tsv = shipped.read_text(encoding="utf-8")
    tsv = tsv.replace(str(iris.mapping_set(TRIM)), str(iris.mapping_set("trim-three")))
    (sets / "trim-three.sssom.tsv").write_text(tsv, encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text("mappings:\n  - sets/*.sssom.*\n")
    with pytest.raises(InputError) as caught:
        assemble(extra=ExtraSources(sources_file=sources))
    message = str(caught.value)
    assert "trim-three" in message and "trim-three.sssom.json" in message
    assert "trim-three.sssom.tsv" in message and "keep one" in message


def test_a_file_two_patterns_match_is_one_set(shipped_release: Release, tmp_path: Path) -> None:
    sets = tmp_path / "sets"
    sets.mkdir()
    body = json.loads(json_export(shipped_release, TRIM, tmp_path).read_text())
    body["mapping_set_id"] = str(iris.mapping_set("trim-three"))
    body["mappings"] = body["mappings"][:3]
    path = sets / "trim-three.sssom.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text("mappings:\n  - sets/*.sssom.json\n  - sets/trim-*.sssom.json\n")
    built = assemble(extra=ExtraSources(sources_file=sources))
    assert isomorphic(published(built.store, "trim-three"), imported(path))


def refusal(tmp_path: Path, text: str) -> ParseError:
    path = tmp_path / "broken.sssom.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        read_mapping_set(path, curated=False)
    assert str(path) in str(caught.value)
    return caught.value


def valid_body() -> dict[str, Any]:
    return {
        "@context": {"skos": "http://www.w3.org/2004/02/skos/core#", "ex": "https://ex.org/"},
        "mapping_set_id": "https://ex.org/set",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "subject_source": "ex:a",
        "object_source": "ex:b",
        "mappings": [
            {
                "subject_id": "ex:1",
                "predicate_id": "skos:exactMatch",
                "object_id": "ex:2",
                "mapping_justification": "semapv:ManualMappingCuration",
                "confidence": 0.9,
            },
            {
                "subject_id": "ex:3",
                "predicate_id": "skos:closeMatch",
                "object_id": "ex:4",
                "mapping_justification": "semapv:ManualMappingCuration",
                "confidence": 0.5,
                "author_label": ["A", "B"],
            },
        ],
    }


def test_a_valid_small_json_set_reads(tmp_path: Path) -> None:
    path = tmp_path / "small.sssom.json"
    path.write_text(json.dumps(valid_body(), indent=2))
    ms = read_mapping_set(path, curated=False)
    braces = [n for n, t in enumerate(path.read_text().splitlines(), start=1) if t.strip() == "{"]
    assert [(r.subject.split("/")[-1], r.object.split("/")[-1]) for r in ms.rows] == [
        ("1", "2"),
        ("3", "4"),
    ]
    assert ms.rows[1].author_labels == ("A", "B")
    assert [r.line for r in ms.rows] == braces[1:] and len(braces) == 3  # each record's "{"


def test_a_json_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    text = json.dumps(valid_body(), indent=2).replace('"ex:3",', '"ex:3"', 1)
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if '"ex:3"' in t) + 1
    err = refusal(tmp_path, text)
    assert err.line == line and err.column is not None
    assert "not valid JSON" in str(err) and f"line {line}, column {err.column}" in str(err)


def test_a_record_without_subject_id_is_refused_naming_it(tmp_path: Path) -> None:
    body = valid_body()
    del body["mappings"][1]["subject_id"]
    text = json.dumps(body, indent=2)
    err = refusal(tmp_path, text)
    assert "mappings[1]: the record has no subject_id" in str(err)
    braces = [n for n, t in enumerate(text.splitlines(), start=1) if t.strip().startswith("{")]
    assert err.line == braces[2]  # the record's opening brace


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("confidence", "high", "mappings[0].confidence: confidence 'high' is not a number"),
        ("confidence", True, "mappings[0].confidence: confidence must be a number, not true"),
        ("subject_id", 7, "mappings[0].subject_id: subject_id must be a string, not a number"),
        ("object_id", ["ex:2"], "mappings[0].object_id: object_id takes one value, not a list"),
        ("subject_label", {"a": 1}, "mappings[0].subject_label: subject_label must be a string"),
        ("predicate_id", "ex:nope", "mappings[0].predicate_id: unknown predicate 'ex:nope'"),
        ("object_id", "nope:2", "mappings[0].object_id: object_id 'nope:2' uses unknown prefix"),
        ("colour", "red", "mappings[0].colour: unknown field 'colour'"),
        # a '|' a list item may hold is no IRI's: refused as one, not split into two
        (
            "see_also",
            ["https://ex.org/a|b"],
            "mappings[0].see_also: see_also 'https://ex.org/a|b' has characters not allowed",
        ),
        (
            "author_id",
            ["https://ex.org/a|b", "ex:c"],
            "mappings[0].author_id: author_id 'https://ex.org/a|b' has characters not allowed",
        ),
    ],
)
def test_a_value_of_the_wrong_type_or_meaning_is_refused_naming_record_and_field(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    body = valid_body()
    body["mappings"][0][field] = value
    text = json.dumps(body, indent=2)
    err = refusal(tmp_path, text)
    assert message in str(err)
    # the line and column of the field in the record
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if f'"{field}":' in t)
    assert (err.line, err.column) == (line, text.splitlines()[line - 1].index('"') + 1)


def test_bad_documents_are_refused(tmp_path: Path) -> None:
    assert "is an object, not a list" in str(refusal(tmp_path, "[]"))
    body = valid_body()
    del body["mappings"]
    assert "mappings must be a list of records; there is none" in str(
        refusal(tmp_path, json.dumps(body))
    )
    body = valid_body()
    body["mappings"][0] = "ex:1"
    assert "mappings[0]: a record is an object, not a string" in str(
        refusal(tmp_path, json.dumps(body))
    )
    text = '{"license": "https://x.org/", "license": "https://y.org/", "mappings": []}'
    err = refusal(tmp_path, text)
    assert "key 'license' twice" in str(err) and (err.line, err.column) == (1, 1)
    body = valid_body()
    body["mapping_set_title"] = ["a", "b"]
    assert "mapping_set_title takes one value, not a list" in str(
        refusal(tmp_path, json.dumps(body))
    )


def test_curie_map_and_context_giving_a_prefix_two_iris_is_refused_naming_both(
    tmp_path: Path,
) -> None:
    """A document with a curie_map and an @context (sssom-py's place for the prefixes) that
    give one prefix two IRIs was read with the curie_map's, the other dropped without a word."""
    body = valid_body()
    body["curie_map"] = {"ex": "https://other.example/"}
    text = json.dumps(body, indent=2)
    err = refusal(tmp_path, text)
    assert (
        "prefix 'ex' has two expansions: 'https://other.example/' in curie_map and "
        "'https://ex.org/' in @context" in str(err)
    )
    assert err.line == next(
        n for n, t in enumerate(text.splitlines(), start=1) if '"curie_map":' in t
    )
    body["curie_map"] = {"ex": "https://ex.org/"}  # the same IRI in both: one prefix
    path = tmp_path / "same.sssom.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    assert str(read_mapping_set(path, curated=False).rows[0].subject) == "https://ex.org/1"


def test_a_built_in_prefix_redefined_in_context_is_refused_naming_the_context(
    tmp_path: Path,
) -> None:
    body = valid_body()
    body["@context"]["skos"] = "https://ex.org/skos/"
    assert (
        "@context: built-in prefix 'skos' must expand to http://www.w3.org/2004/02/skos/core#, "
        "not https://ex.org/skos/" in str(refusal(tmp_path, json.dumps(body)))
    )


def store_of(path: Path) -> EmbeddedStore:
    """A store holding the set read from ``path``, as a build loads it."""
    ms = read_mapping_set(path)
    store = EmbeddedStore()
    store.add_quads(rdflib_to_quads(mapping_set_graph(ms), str(iris.mapping_set_graph(ms.stem))))
    return store


def test_a_list_item_holding_a_pipe_reads_round_trips_as_json_and_is_refused_as_tsv(
    tmp_path: Path,
) -> None:
    """SSSOM separates values with '|' in a TSV cell only: in JSON a list item may hold one.
    Such a set was refused on reading; written as TSV its item would come back as two."""
    body = valid_body()
    body["mapping_set_id"] = str(iris.mapping_set("pipes"))
    labels = ["Doe | ITSM review board", "Roe"]
    body["mappings"][1]["author_label"] = labels
    source = tmp_path / "pipes.sssom.json"
    source.write_text(json.dumps(body, indent=2), encoding="utf-8")
    assert read_mapping_set(source).rows[1].author_labels == tuple(labels)
    store = store_of(source)
    again = tmp_path / "again" / "pipes.sssom.json"
    again.parent.mkdir()
    again.write_bytes(export_bytes(store, shared_catalog(), "pipes", "sssom-json"))
    assert isomorphic(imported(again), imported(source))
    with pytest.raises(NotAcceptable) as caught:
        export_bytes(store, shared_catalog(), "pipes", "sssom-tsv")
    message = str(caught.value)
    assert "cannot be written as SSSOM/TSV: the author_label of record" in message
    assert "'Doe | ITSM review board'" in message and ".sssom.json" in message


def test_a_string_in_a_multivalued_slot_is_one_value_pipe_and_all(tmp_path: Path) -> None:
    """'|' separates values in a TSV cell only: a JSON string "Doe | ITSM board" in a
    multivalued slot was read as two authors (sssom-py reads one), on a record and the set."""
    body = valid_body()
    body["creator_label"] = "Mapping team | ITSM"
    body["mappings"][1]["author_label"] = "Doe | ITSM board"
    path = tmp_path / "strings.sssom.json"
    path.write_text(json.dumps(body, indent=2), encoding="utf-8")
    ms = read_mapping_set(path, curated=False)
    assert ms.rows[1].author_labels == ("Doe | ITSM board",)
    assert ms.creator_labels == ("Mapping team | ITSM",)
