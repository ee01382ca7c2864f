"""The workbook's own copyright and licence notice ("Copyright and attribution" sheet) is
carried with the edition it comes from and cited next to its content: the industry editions
developed with IBM state "©2025 APQC and IBM ..." and ask for an attribution sentence, which
pcfgraph's one "©2024 APQC" line does not say."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from apqc_support import EXTRACT_81, shipped_74
from gql_support import Client as GqlClient
from openpyxl import Workbook
from rdflib import RDF, Literal
from rdflib.namespace import PROV, RDFS

from pcfgraph import iris, services
from pcfgraph.importers.apqc import APQC_NOTICE, import_workbook
from pcfgraph.iris import DCTERMS
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import build_release
from pcfgraph.services.search.present import rights_of
from pcfgraph.sources import ExtraSources
from pcfgraph.store import EmbeddedStore

IBM_NOTICE = (
    "This Industry Process Classification Framework was jointly developed by APQC and IBM. "
    "©2025 APQC and IBM reserve all rights in this work except as expressly granted herein. "
    "This work is based in part on an Industry Process Classification Framework (“PCF”)."
)
NAME = "k06638-airline-v722-vs-airline-v721-2025.xlsx"
FID = "apqc-pcf-airline-7.2.2"


def _airline(tmp_path: Path, notice_sheet: list[list[str]] | None) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    ws.append(["PCF ID", "Hierarchy ID", "Name"])
    ws.append([20607, "8.0", "Manage IT"])
    ws.append([20608, "8.1", "Develop and manage IT customer relationships"])
    if notice_sheet is not None:
        sheet = wb.create_sheet("Copyright and Attribution")
        for row in notice_sheet:
            sheet.append(row)
    path = tmp_path / NAME
    wb.save(path)
    return path


# As APQC lays the sheet out in the IBM editions: headed sections, one cell of text each.
SECTIONS = [
    ["ABOUT APQC"],
    ["An internationally recognized resource for process and performance improvement."],
    ["ABOUT IBM Industry framework"],
    ["At IBM, we collaborate with our clients."],
    ["COPYRIGHT AND ATTRIBUTION"],
    [IBM_NOTICE.replace(". ©", ".  ©").replace("IBM reserve", "IBM\nreserve")],
]


def test_the_workbook_notice_is_carried_with_its_edition(tmp_path: Path) -> None:
    r = import_workbook(_airline(tmp_path, SECTIONS), progress=False)
    assert r.source_notice == IBM_NOTICE  # whitespace normalised, otherwise exact
    g = r.graph
    (source,) = g.objects(r.scheme, PROV.wasDerivedFrom)
    own = iris.framework_source_notice(FID)
    assert set(g.objects(source, DCTERMS.rights)) == {own}
    assert (own, RDF.type, DCTERMS.RightsStatement) in g
    assert set(g.objects(own, RDFS.label)) == {Literal(IBM_NOTICE, lang="en")}
    # pcfgraph's attribution of APQC stays on the scheme and every element
    assert set(g.objects(r.scheme, DCTERMS.rights)) == {iris.apqc_notice()}


def test_the_notice_is_cited_with_the_edition_content(tmp_path: Path) -> None:
    r = import_workbook(_airline(tmp_path, SECTIONS), progress=False)
    store = EmbeddedStore()
    store.add_quads(r.quads())
    reader = services.Reader(store, QueryCatalog())
    (f,) = services.frameworks(reader)
    assert (f.id, f.rights, f.source_rights) == (FID, APQC_NOTICE, IBM_NOTICE)
    # the edition's own notice, not after pcfgraph's ©2024 line (not this edition's year)
    assert rights_of(reader, {FID})[FID] == IBM_NOTICE


def test_text_box_notice_of_the_shipped_workbook() -> None:
    notice = shipped_74().source_notice
    assert notice is not None
    assert notice.startswith("©2024 APQC. ALL RIGHTS RESERVED. This Process Classification")
    assert notice.endswith("any derivative works contain a copy of this notice.")
    assert "ABOUT APQC" not in notice and "COPYRIGHT" not in notice


def test_no_notice_without_the_heading(tmp_path: Path) -> None:
    assert import_workbook(EXTRACT_81, progress=False).source_notice is None
    r = import_workbook(_airline(tmp_path, [["Some other text"]]), progress=False)
    assert r.source_notice is None
    assert set(r.graph.subjects(RDF.type, DCTERMS.RightsStatement)) == {iris.apqc_notice()}


def test_graphql_framework_rights_cite_the_workbook_notice(tmp_path: Path) -> None:
    _airline(tmp_path, SECTIONS)
    src = tmp_path / "sources.yaml"
    only = {"include_default": False, "frameworks": [{"kind": "apqc-workbook", "files": [NAME]}]}
    src.write_text(yaml.safe_dump(only), encoding="utf-8")
    gql = GqlClient(build_release(ExtraSources(sources_file=src)))
    found = {f["id"]: f["rights"] for f in gql.data("{ frameworks { id rights } }")["frameworks"]}
    assert found[FID] == IBM_NOTICE


@pytest.fixture(scope="module")
def airline(tmp_path_factory: pytest.TempPathFactory) -> GqlClient:
    """A served release of one IBM-notice workbook (Airline 7.2.2)."""
    tmp_path = tmp_path_factory.mktemp("airline")
    _airline(tmp_path, SECTIONS)
    src = tmp_path / "sources.yaml"
    only = {"include_default": False, "frameworks": [{"kind": "apqc-workbook", "files": [NAME]}]}
    src.write_text(yaml.safe_dump(only), encoding="utf-8")
    return GqlClient(build_release(ExtraSources(sources_file=src)))


def _text(html: str) -> str:
    """The page's text with whitespace collapsed (the notice may wrap in the markup)."""
    import html as html_lib
    import re

    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_every_representation_of_an_element_carries_its_edition_notice(
    airline: GqlClient,
) -> None:
    """The element page, its Turtle and JSON-LD, the CSV export and search results carry (or
    link) the notice of the element's own edition, the IBM edition's, not only APQC's line."""
    from rdflib import Graph, URIRef

    http = airline.http
    element = iris.apqc_element("Airline", "7.2.2", 20608)
    path = iris.id_path(str(element))
    assert path is not None

    page = http.get(path, headers={"accept": "text/html"})
    assert page.status_code == 200
    text = _text(page.text)
    assert IBM_NOTICE in text and "Sources and rights" in text

    notice = iris.framework_source_notice(FID)
    for fmt, parse_as in (("ttl", "turtle"), ("jsonld", "json-ld")):
        r = http.get(f"{path}?format={fmt}")
        assert r.status_code == 200
        g = Graph().parse(data=r.text, format=parse_as)
        (source,) = g.objects(iris.framework(FID), PROV.wasDerivedFrom)
        assert set(g.objects(source, DCTERMS.rights)) == {notice}, fmt
        assert set(g.objects(notice, RDFS.label)) == {Literal(IBM_NOTICE, lang="en")}, fmt
        assert (element, DCTERMS.rights, iris.apqc_notice()) in g  # APQC's line stays
        assert isinstance(source, URIRef)

    import csv
    import io

    export = http.get(f"/frameworks/{FID}/export?format=csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert rows and {r["rights"] for r in rows} == {str(notice)}
    assert all(IBM_NOTICE in r["notice"] for r in rows)  # its text, not only its IRI
    # the notice IRI is served, with the notice
    served = http.get(iris.id_path(str(notice)) or "", headers={"accept": "text/html"})
    assert served.status_code == 200 and IBM_NOTICE in _text(served.text)

    found = http.get("/search", params={"q": "customer relationships"})
    assert found.status_code == 200 and "8.1" in found.text
    assert IBM_NOTICE in _text(found.text)
    partial = http.get("/search", params={"q": "customer relationships", "partial": "true"})
    assert IBM_NOTICE in _text(partial.text)

    gql = airline.data("{ element(pcfId: 20608) { framework { rights } } }")
    assert IBM_NOTICE in gql["element"]["framework"]["rights"]


def test_the_void_description_names_the_editions_own_notice(airline: GqlClient) -> None:
    """``/.well-known/void`` said an IBM edition's graph keeps pcfgraph's ©2024 APQC line
    (``dcterms:rights apqc:notice``), which is not that edition's notice, and never named the
    "©2025 APQC and IBM ..." one a copy of its dump must carry: it now names the notice the
    workbook states (as ``/licences`` does), with its text."""
    from rdflib import Graph, URIRef

    r = airline.http.get("/.well-known/void", headers={"accept": "text/turtle"})
    assert r.status_code == 200
    void = Graph().parse(data=r.text, format="turtle")
    subset = URIRef(str(iris.framework_graph(FID)))
    notice = iris.framework_source_notice(FID)
    assert set(void.objects(subset, DCTERMS.rights)) == {notice}
    assert set(void.objects(notice, RDFS.label)) == {Literal(IBM_NOTICE, lang="en")}


def test_an_audit_cites_the_editions_own_notice(airline: GqlClient) -> None:
    """An audit's ``checkedAgainst`` (JSON; the text and HTML reports; the XLSX ``Notices``
    sheet and the CSV ``notice`` column are made from it) gave an IBM edition pcfgraph's
    ©2024 APQC line as the notice its content is quoted under: it is the workbook's own."""
    from pcfgraph.audit.coverage import checked_frameworks

    cited = {f["id"]: f["rights"] for f in checked_frameworks(airline.release.store)}
    assert cited == {FID: IBM_NOTICE}


def test_the_editions_graph_page_shows_its_own_notice(airline: GqlClient) -> None:
    """The page of an IBM edition's named graph (``/id/graph/framework/{id}``, where its
    dumps are downloaded) gave pcfgraph's ©2024 APQC line as the graph's rights: it is the
    workbook's notice."""
    import re

    path = iris.id_path(str(iris.framework_graph(FID)))
    page = airline.http.get(path or "", headers={"accept": "text/html"})
    assert page.status_code == 200
    shown = re.findall(r'<dd class="rights">(.*?)</dd>', page.text, re.DOTALL)
    assert [_text(d) for d in shown] == [IBM_NOTICE]


#: As the Cross-Industry 7.4 workbook words its notice: the copyright line pcfgraph's own
#: (APQC_NOTICE) begins with too.
NOTICE_74 = (
    "©2024 APQC. ALL RIGHTS RESERVED. This Process Classification Framework® (“PCF”) is the "
    "copyrighted intellectual property of APQC. APQC encourages the wide distribution, "
    "discussion, and use of the PCF for classifying and defining organizational processes. "
    "Accordingly, APQC hereby grants you a perpetual, worldwide, royalty-free license to use, "
    "copy, publish, modify, and create derivative works of the PCF, provided that all copies "
    "of the PCF and any derivative works contain a copy of this notice."
)
COPYRIGHT_LINE = "©2024 APQC. ALL RIGHTS RESERVED."


def test_the_copyright_line_is_cited_once(tmp_path: Path) -> None:
    """A workbook whose notice begins as pcfgraph's does (Cross-Industry 7.4): every citation
    of the edition (the page's Sources and rights, the CSV's notice on every row, the XLSX's
    Sources sheet, search results, GraphQL rights) said "©2024 APQC. ALL RIGHTS RESERVED."
    twice, pcfgraph's line and then the workbook's. The workbook's notice, once; APQC's
    notice stays the rights of every element."""
    from rdflib import Graph

    assert APQC_NOTICE.startswith(COPYRIGHT_LINE)
    _airline(tmp_path, [["COPYRIGHT AND ATTRIBUTION"], [NOTICE_74]])
    src = tmp_path / "sources.yaml"
    only = {"include_default": False, "frameworks": [{"kind": "apqc-workbook", "files": [NAME]}]}
    src.write_text(yaml.safe_dump(only), encoding="utf-8")
    client = GqlClient(build_release(ExtraSources(sources_file=src)))
    http = client.http
    element = iris.apqc_element("Airline", "7.2.2", 20608)
    path = iris.id_path(str(element))
    assert path is not None
    cited = {
        "page": _text(http.get(path, headers={"accept": "text/html"}).text),
        "framework page": _text(http.get(f"/frameworks/{FID}").text),
        "search": _text(http.get("/search", params={"q": "customer relationships"}).text),
        "graphql": client.data("{ frameworks { id rights } }")["frameworks"][0]["rights"],
    }
    from pcfgraph.config import Settings
    from pcfgraph.mcp.state import StandaloneState
    from pcfgraph.mcp.tools import Tools

    tools = Tools(lambda: StandaloneState(settings=Settings(), release=client.release), "")
    cited["mcp search"] = tools.search("customer relationships")["sources"][FID]
    cited["mcp get_element"] = tools.get_element(str(element))["sources"][FID]
    import csv
    import io

    from openpyxl import load_workbook

    rows = list(csv.DictReader(io.StringIO(http.get(f"/frameworks/{FID}/export?format=csv").text)))
    assert rows
    cited |= {f"csv row {i}": r["notice"] for i, r in enumerate(rows)}
    xlsx = http.get(f"/frameworks/{FID}/export?format=xlsx").content
    sources = load_workbook(io.BytesIO(xlsx))["Sources"]
    cited["xlsx"] = " ".join(str(c) for row in sources.iter_rows(values_only=True) for c in row)
    for where, text in cited.items():
        assert NOTICE_74 in text, where
        assert text.count(COPYRIGHT_LINE) == 1, where
    g = Graph().parse(data=http.get(f"{path}?format=ttl").text, format="turtle")
    assert (element, DCTERMS.rights, iris.apqc_notice()) in g  # APQC's line stays


def test_an_exported_set_on_an_ibm_edition_carries_its_notice(tmp_path: Path) -> None:
    """A mapping set on an IBM industry edition was exported as SSSOM whose comment gave
    APQC's ©2024 line alone (the one its graph rights name), never the "©2025 APQC and IBM
    ..." notice of the edition whose names its rows quote: it is now added to the comment."""
    from identity_support import sources_file

    from pcfgraph.mappings.export import export_bytes
    from pcfgraph.mappings.notice import SET_NOTICE
    from pcfgraph.mappings.sssom import read_mapping_set

    _airline(tmp_path, SECTIONS)
    ns = iris.apqc_namespace("Airline", "7.2.2")
    (tmp_path / "test-airline.sssom.tsv").write_text(
        "#curie_map:\n"
        f"#  air: {ns}\n"
        "#  prmit: https://w3id.org/pcfgraph/id/prm-it/\n"
        "#  fw: https://w3id.org/pcfgraph/id/framework/\n"
        "#  skos: http://www.w3.org/2004/02/skos/core#\n"
        "#  semapv: https://w3id.org/semapv/vocab/\n"
        "#mapping_set_id: https://w3id.org/pcfgraph/id/mapping-set/test-airline\n"
        '#mapping_set_version: "1.0"\n'
        "#license: https://creativecommons.org/licenses/by/4.0/\n"
        f"#comment: '{SET_NOTICE}'\n"
        f"#subject_source: fw:{FID}\n"
        "#object_source: fw:prm-it\n"
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\tauthor_label\n"
        "air:20608\tskos:closeMatch\tprmit:A2\tsemapv:ManualMappingCuration\t0.7\ttester\n",
        encoding="utf-8",
    )
    release = build_release(
        ExtraSources(sources_file=sources_file(tmp_path, "test-airline.sssom.tsv"))
    )
    out = tmp_path / "exported" / "test-airline.sssom.tsv"
    out.parent.mkdir()
    out.write_bytes(export_bytes(release.store, QueryCatalog(), "test-airline", "sssom-tsv"))
    comment = read_mapping_set(out).comment
    assert comment == f"{SET_NOTICE} {FID} names and identifiers: {IBM_NOTICE}"
