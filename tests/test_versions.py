"""Identity across versions: one edition-independent resource per PCF ID, and the change from
one loaded version of an edition to the next as data (``skos:changeNote``, ``owl:deprecated``,
``prov:wasRevisionOf``); ``pcfgraph history PCF_ID``. Workbooks are built in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from identity_support import workbook
from openpyxl import Workbook

from pcfgraph import iris
from pcfgraph.assemble import assemble
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.iris import DCTERMS, PROV, SKOS
from pcfgraph.release import write_release
from pcfgraph.sources import ExtraSources

OLD = [
    [10002, "1.0", "Vision", "A"],
    [17040, "1.1", "Concept", "B"],
    [17041, "1.2", "Gone", "C"],
    [17042, "1.3", "Stay", "D"],
]
NEW = [
    [10002, "1.0", "Vision", "A"],  # unchanged
    [17040, "1.1", "Concept renamed", "B"],  # renamed
    [17042, "1.2", "Stay", "D2"],  # moved and redefined
    [17050, "1.3", "Fresh", "E"],  # added; 17041 removed
]


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("versions")
    workbook(tmp / "k01234-banking-v721-vs-banking-v611.xlsx", OLD)
    workbook(tmp / "k01235-banking-v722-vs-banking-v721-2025.xlsx", NEW)
    workbook(tmp / "apqc-pcf-cross-industry-7.4.xlsx", OLD[:2])
    src = tmp / "sources.yaml"
    src.write_text(
        yaml.safe_dump(
            {
                "include_default": False,
                "frameworks": [
                    {"kind": "apqc-workbook", "files": [p.name]} for p in sorted(tmp.glob("*.xlsx"))
                ],
            }
        )
    )
    assembly = assemble(extra=ExtraSources(sources_file=src))
    out = tmp / "release"
    write_release(assembly.store, out, assembly.sources)
    return out


def store_of(release_dir: Path) -> ox.Store:
    store = ox.Store()
    store.load(path=str(release_dir / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def el(version: str, pcf_id: int) -> ox.NamedNode:
    return ox.NamedNode(str(iris.apqc_element("Banking", version, pcf_id)))


def objects(store: ox.Store, s: ox.NamedNode, p: object) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(s, ox.NamedNode(str(p)), None)}


def test_one_resource_per_pcf_id_lists_every_version(release_dir: Path) -> None:
    store = store_of(release_dir)
    stable = ox.NamedNode(str(iris.apqc_stable_element(17040)))
    assert objects(store, stable, DCTERMS.hasVersion) == {
        el("7.2.1", 17040).value,
        el("7.2.2", 17040).value,
        str(iris.apqc_element("Cross-Industry", "7.4", 17040)),
    }
    assert objects(store, el("7.2.2", 17040), DCTERMS.isVersionOf) == {stable.value}


def test_changes_between_consecutive_versions_are_data(release_dir: Path) -> None:
    store = store_of(release_dir)
    notes = lambda s: objects(store, s, SKOS.changeNote)  # noqa: E731
    assert notes(el("7.2.2", 10002)) == set()  # unchanged
    assert notes(el("7.2.2", 17040)) == {
        "Changed from Banking 7.2.1 to 7.2.2: renamed (was 'Concept')"
    }
    assert notes(el("7.2.2", 17042)) == {
        "Changed from Banking 7.2.1 to 7.2.2: moved from 1.3 to 1.2; redefined"
    }
    assert notes(el("7.2.2", 17050)) == {"New in Banking 7.2.2 (not in 7.2.1)"}
    assert notes(el("7.2.1", 17041)) == {"Removed in Banking 7.2.2"}
    owl_deprecated = "http://www.w3.org/2002/07/owl#deprecated"
    assert objects(store, el("7.2.1", 17041), owl_deprecated) == {"true"}
    assert objects(store, el("7.2.1", 17042), owl_deprecated) == set()
    assert objects(store, el("7.2.2", 17042), PROV.wasRevisionOf) == {el("7.2.1", 17042).value}
    # the links live in their own graph, apart from the editions' own statements
    graph = ox.NamedNode(str(iris.apqc_versions_graph()))
    assert {
        q.graph_name
        for q in store.quads_for_pattern(None, ox.NamedNode(str(SKOS.changeNote)), None)
    } == {graph}


def test_history_cli_names_edition_and_version(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_main(main, ["history", "17042", "--release", str(release_dir), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    rows = [{k: v["value"] for k, v in b.items()} for b in json.loads(out)["results"]["bindings"]]
    assert [(r["edition"], r["version"], r["code"]) for r in rows] == [
        ("Banking", "7.2.1", "1.3"),
        ("Banking", "7.2.2", "1.2"),
    ]
    assert (
        rows[1]["changes"]
        == "Changed from Banking 7.2.1 to 7.2.2: moved from 1.3 to 1.2; redefined"
    )
    assert run_main(main, ["history", "99999", "--release", str(release_dir)]) == 2
    assert "PCF ID 99999" in capsys.readouterr().err


def test_industry_specific_elements_are_findable(release_dir: Path) -> None:
    from pcfgraph.queries import QueryCatalog
    from pcfgraph.store import EmbeddedStore

    store = EmbeddedStore(store_of(release_dir))
    q = QueryCatalog().get("api/industry-specific-elements")
    rows = store.select(q, {"framework": "apqc-pcf-banking-7.2.2"}).rows
    # 10002 and 17040 are in Cross-Industry too (linked by their shared PCF-ID resource)
    assert {int(r["pcfId"].value) for r in rows} == {17042, 17050}
    stable = ox.NamedNode(str(iris.apqc_stable_element(10002)))
    cross = ox.NamedNode(str(iris.apqc_element("Cross-Industry", "7.4", 10002)))
    assert cross.value in objects(store_of(release_dir), stable, DCTERMS.hasVersion)


def test_graphql_element_by_pcf_id_edition_and_version(release_dir: Path) -> None:
    from gql_support import Client

    from pcfgraph.release import load_release

    client = Client(load_release(release_dir))
    q = "query($e: String, $v: String) { element(pcfId: 17042, edition: $e, version: $v) { code name iri } }"
    got = client.data(q, {"e": "Banking", "v": "7.2.1"})["element"]
    assert (got["code"], got["iri"]) == ("1.3", el("7.2.1", 17042).value)
    got = client.data(q, {"e": "banking", "v": "7.2.2"})["element"]
    assert (got["code"], got["iri"]) == ("1.2", el("7.2.2", 17042).value)
    # without an edition the PCF ID is ambiguous, and the message names the editions
    errors = client.errors("{ element(pcfId: 17042) { code } }")
    assert "apqc-pcf-banking-7.2.1" in errors[0]["message"]
    assert "apqc-pcf-banking-7.2.2" in errors[0]["message"]
    errors = client.errors('{ element(pcfId: 17042, edition: "Banking") { code } }')
    assert "edition and version go together" in errors[0]["message"]


def test_mappings_seen_from_another_edition(tmp_path: Path) -> None:
    """A curated mapping made on Cross-Industry 7.4 is inherited by another edition's element
    with the same PCF ID when its name and definition are unchanged, else it needs review."""
    from openpyxl import load_workbook

    from pcfgraph.queries import QueryCatalog
    from pcfgraph.resources import resource_dir

    extract = Path(__file__).parent / "fixtures" / "pcf-cross-industry-7.4-group-8.1.xlsx"
    rows = list(load_workbook(extract, read_only=True)["Combined"].iter_rows(values_only=True))
    header = list(rows[0])
    same = [list(r) for r in rows[1:]]
    name_col = header.index("Name")
    for r in same:
        if r[0] == 20609:
            r[name_col] = "Understand IT customer needs, renamed"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    for r in [header, *same]:
        ws.append(r)
    wb.save(tmp_path / "k01234-banking-v731.xlsx")
    mapping = resource_dir("data") / "mappings" / "pcf-8.1-to-prm-it-a2.sssom.tsv"
    (tmp_path / "s.yaml").write_text(
        yaml.safe_dump(
            {
                "include_default": False,
                "frameworks": [
                    {
                        "kind": "apqc-workbook",
                        "files": [str(extract)],
                        "edition": "Cross-Industry",
                        "version": "7.4",
                    },
                    {"kind": "apqc-workbook", "files": ["k01234-banking-v731.xlsx"]},
                    # the mappings' objects: a mapping of an element no framework loads is
                    # refused at assembly
                    {
                        "id": "prm-it",
                        "kind": "turtle",
                        "files": [str(resource_dir("data") / "prm-it" / "prm-it.ttl")],
                    },
                ],
                "mappings": [str(mapping)],
            }
        )
    )
    store = assemble(extra=ExtraSources(sources_file=tmp_path / "s.yaml")).store
    q = QueryCatalog().get("api/inherited-mappings")
    rows_ = store.select(q, {"framework": "apqc-pcf-banking-7.3.1"}).rows
    status = {(int(r["element"].value.rsplit("/", 1)[1]), r["status"].value) for r in rows_}
    assert (20609, "needs-review") in status
    assert (20609, "inherited") not in status
    inherited = {pcf for pcf, s in status if s == "inherited"}
    assert inherited and 20609 not in inherited
    # every row points at the mapping made on 7.4, for the same PCF ID
    for r in rows_:
        assert r["madeOnFramework"].value == "apqc-pcf-cross-industry-7.4"
        assert r["madeOn"].value.rsplit("/", 1)[1] == r["element"].value.rsplit("/", 1)[1]


def test_one_pcf_ids_statements_are_its_rows_of_the_framework_query(release_dir: Path) -> None:
    """``api/element-versions-of`` (an element page's timeline) answers exactly the rows of
    ``api/element-versions`` for that PCF ID, for every PCF ID loaded."""
    from pcfgraph.queries import QueryCatalog
    from pcfgraph.store import EmbeddedStore

    store, catalog = EmbeddedStore(store_of(release_dir)), QueryCatalog()
    ids = {
        int(q.object.value)
        for q in store.store.quads_for_pattern(None, ox.NamedNode(str(iris.PCFG.pcfId)), None)
    }
    assert {10002, 17040} <= ids

    def rows(name: str, pcf_id: int) -> set[tuple[str | None, ...]]:
        result = store.select(catalog.get(name), {"pcfId": pcf_id})
        return {
            tuple(None if r.get(v) is None else str(r.get(v)) for v in result.variables)
            for r in result.rows
        }

    for pcf_id in ids:
        found = rows("api/element-versions-of", pcf_id)
        assert found == rows("api/element-versions", pcf_id)
        assert found or pcf_id not in (10002, 17040)
