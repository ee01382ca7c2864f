"""Identity across editions: ``Element.versions`` and ``Element.history`` list every loaded
statement of a PCF ID with the change from the version before; the industry filter; curated
mappings seen from other editions (inherited, or needing review) in GraphQL, on the element
page, in exports and as ``pcfgraph validate`` warnings; the element page's timeline. Workbooks
are built in tmp_path (:mod:`identity_support`)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from gql_support import Client
from identity_support import build_release, element_iri

from pcfgraph.release import load_release

BANKING_722 = '{ element(pcfId: %d, edition: "Banking", version: "7.2.2") { %s } }'


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_release(tmp_path_factory.mktemp("identity"))


@pytest.fixture(scope="module")
def client(release_dir: Path) -> Client:
    return Client(load_release(release_dir))


def test_versions_are_every_statement_of_the_pcf_id(client: Client) -> None:
    got = client.data(BANKING_722 % (17042, "versions { iri code framework { edition version } }"))
    versions = got["element"]["versions"]
    assert [
        (v["framework"]["edition"], v["framework"]["version"], v["code"]) for v in versions
    ] == [
        ("Banking", "7.2.1", "1.3.1"),
        ("Banking", "7.2.2", "1.1.1"),
        ("Cross-Industry", "7.4", "1.3.1"),
    ]
    assert {v["iri"] for v in versions} == {
        element_iri("Banking", "7.2.1", 17042),
        element_iri("Banking", "7.2.2", 17042),
        element_iri("Cross-Industry", "7.4", 17042),
    }
    # the same set from any of its statements; an industry-only element has its own only
    from_cross = client.data(
        '{ element(pcfId: 17042, framework: "apqc-pcf-cross-industry-7.4") { versions { iri } } }'
    )
    assert {v["iri"] for v in from_cross["element"]["versions"]} == {v["iri"] for v in versions}
    only = client.data(BANKING_722 % (17050, "versions { iri }"))["element"]["versions"]
    assert [v["iri"] for v in only] == [element_iri("Banking", "7.2.2", 17050)]


def test_history_states_the_change_from_the_version_before(client: Client) -> None:
    fields = (
        "history { edition version changes deprecated element { iri name } revisionOf { iri } }"
    )
    history = {
        pcf: {
            (h["edition"], h["version"]): h
            for h in client.data(BANKING_722 % (pcf, fields))["element"]["history"]
        }
        for pcf in (17040, 17042, 17050, 10002)
    }
    renamed = history[17040][("Banking", "7.2.2")]
    assert renamed["changes"] == ["Changed from Banking 7.2.1 to 7.2.2: renamed (was 'Concept')"]
    assert renamed["element"]["name"] == "Concept renamed"
    assert renamed["revisionOf"] == {"iri": element_iri("Banking", "7.2.1", 17040)}
    moved = history[17042][("Banking", "7.2.2")]
    assert moved["changes"] == ["Changed from Banking 7.2.1 to 7.2.2: moved from 1.3.1 to 1.1.1"]
    assert history[17050][("Banking", "7.2.2")]["changes"] == [
        "New in Banking 7.2.2 (not in 7.2.1)"
    ]
    unchanged = history[10002]
    assert set(unchanged) == {("Banking", "7.2.1"), ("Banking", "7.2.2"), ("Cross-Industry", "7.4")}
    assert all(h["changes"] == [] and not h["deprecated"] for h in unchanged.values())
    assert unchanged[("Cross-Industry", "7.4")]["revisionOf"] is None  # first loaded version


def test_history_of_a_removed_element(client: Client) -> None:
    q = '{ element(pcfId: 17041, edition: "Banking", version: "7.2.1") { history { edition version deprecated changes } } }'
    history = client.data(q)["element"]["history"]
    assert {(h["edition"], h["version"], h["deprecated"]) for h in history} == {
        ("Banking", "7.2.1", True),
        ("Cross-Industry", "7.4", False),
    }
    removed = next(h for h in history if h["deprecated"])
    assert removed["changes"] == ["Removed in Banking 7.2.2"]


def test_elements_without_a_pcf_id_have_no_versions(client: Client) -> None:
    got = client.data(
        '{ element(code: "A21", framework: "prm-it") { versions { iri } history { version } } }'
    )
    assert got["element"] == {"versions": [], "history": []}


def _pcf_ids(connection: dict[str, object]) -> set[int]:
    return {n["pcfId"] for n in connection["nodes"]}  # type: ignore[index, union-attr]


def test_industry_specific_filter(client: Client) -> None:
    q = """query($f: ID, $s: Boolean) {
      elements(framework: $f, industrySpecific: $s, first: 500) { totalCount nodes { pcfId } }
    }"""
    specific = client.data(q, {"f": "apqc-pcf-banking-7.2.2", "s": True})["elements"]
    assert _pcf_ids(specific) == {17050, 17070}
    shared = client.data(q, {"f": "apqc-pcf-banking-7.2.2", "s": False})["elements"]
    assert _pcf_ids(shared) == {10002, 17040, 17042, 17060}
    assert specific["totalCount"] == 2
    # 7.2.1 had one element of its own; Cross-Industry has none
    older = client.data(q, {"f": "apqc-pcf-banking-7.2.1", "s": True})["elements"]
    assert _pcf_ids(older) == {17070}
    cross = client.data(q, {"f": "apqc-pcf-cross-industry-7.4", "s": True})["elements"]
    assert cross["nodes"] == []
    # over every framework: the two Banking editions' own elements, by element
    everywhere = client.data("{ elements(industrySpecific: true, first: 500) { nodes { iri } } }")[
        "elements"
    ]["nodes"]
    assert {n["iri"] for n in everywhere} == {
        element_iri("Banking", "7.2.1", 17070),
        element_iri("Banking", "7.2.2", 17050),
        element_iri("Banking", "7.2.2", 17070),
    }
    # and the same on a framework's own element list
    on_framework = client.data(
        '{ framework(id: "apqc-pcf-banking-7.2.2") { elements(industrySpecific: true) { nodes { pcfId } } } }'
    )["framework"]["elements"]
    assert _pcf_ids(on_framework) == {17050, 17070}


INHERITED = """query($e: String, $v: String, $p: Int, $r: Boolean) {
  element(pcfId: $p, edition: $e, version: $v) {
    mappings { iri }
    inheritedMappings(needsReview: $r) {
      status needsReview reasons side
      inheritedFrom { id }
      madeOn { iri }
      mapping { relation object { iri } subject { iri } }
    }
  }
}"""


def _inherited(client: Client, version: str, pcf_id: int, review: bool | None = None) -> list:
    variables = {"e": "Banking", "v": version, "p": pcf_id, "r": review}
    element = client.data(INHERITED, variables)["element"]
    assert element["mappings"] == []  # the records are Cross-Industry's, not Banking's own
    return element["inheritedMappings"]


def test_inherited_mappings_are_marked_with_their_edition(client: Client) -> None:
    [got] = _inherited(client, "7.2.2", 10002)
    assert (got["status"], got["needsReview"], got["reasons"]) == ("INHERITED", False, [])
    assert got["inheritedFrom"] == {"id": "apqc-pcf-cross-industry-7.4"}
    made_on = element_iri("Cross-Industry", "7.4", 10002)
    assert got["madeOn"] == {"iri": made_on}
    assert got["side"] == "SUBJECT"
    assert got["mapping"]["relation"] == "CLOSE_MATCH"
    assert got["mapping"]["subject"] == {"iri": made_on}
    assert got["mapping"]["object"]["iri"].endswith("/prm-it/A2")


def test_changed_elements_need_review_instead(client: Client) -> None:
    reasons = {
        (version, pcf): [
            (m["status"], tuple(m["reasons"])) for m in _inherited(client, version, pcf)
        ]
        for version, pcf in (("7.2.2", 17040), ("7.2.2", 17042), ("7.2.1", 17041), ("7.2.1", 17042))
    }
    assert reasons == {
        ("7.2.2", 17040): [("NEEDS_REVIEW", ("renamed",))],
        ("7.2.2", 17042): [("NEEDS_REVIEW", ("moved",))],  # other parent, not just a new code
        ("7.2.1", 17041): [("NEEDS_REVIEW", ("removed",))],  # gone from 7.2.2
        ("7.2.1", 17042): [("INHERITED", ())],
    }
    # the filter
    assert _inherited(client, "7.2.2", 17040, review=False) == []
    assert len(_inherited(client, "7.2.2", 17040, review=True)) == 1
    # renumbered under the same parent (1.3 -> 1.2): codes alone differ, the mapping holds
    assert [m["status"] for m in _inherited(client, "7.2.2", 17060)] == ["INHERITED"]
    # the element the mapping was made on has it as its own, not inherited
    own = client.data(
        '{ element(pcfId: 10002, framework: "apqc-pcf-cross-industry-7.4") '
        "{ mappings { iri } inheritedMappings { status } } }"
    )["element"]
    assert len(own["mappings"]) == 1 and own["inheritedMappings"] == []


class PageParts(HTMLParser):
    """Rows of the inherited-mappings table (class, cell texts) and the timeline's items."""

    def __init__(self) -> None:
        super().__init__()
        self.inherited: list[tuple[str, tuple[str, ...]]] = []
        self.timeline: list[tuple[bool, str]] = []
        self._table = self._timeline = False
        self._row: list[str] | None = None
        self._row_class = ""
        self._item: list[str] | None = None
        self._current = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "table" and "inherited" in classes:
            self._table = True
        elif tag == "ol" and "timeline" in classes:
            self._timeline = True
        elif tag == "tr" and self._table:
            self._row, self._row_class = [], a.get("class") or ""
        elif tag == "td" and self._row is not None:
            self._row.append("")
        elif tag == "div" and self._item is not None:
            self._item.append(" ")  # a change note is a block of its own
        elif tag == "li" and self._timeline:
            self._item, self._current = [], a.get("aria-current") == "true"

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = False
        elif tag == "ol":
            self._timeline = False
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.inherited.append(
                    (self._row_class, tuple(" ".join(c.split()) for c in self._row))
                )
            self._row = None
        elif tag == "li" and self._item is not None:
            self.timeline.append((self._current, " ".join("".join(self._item).split())))
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._row is not None and self._row:
            self._row[-1] += data
        if self._item is not None:
            self._item.append(data)


def _page(client: Client, version: str, pcf_id: int) -> tuple[str, PageParts]:
    path = "/id/" + element_iri("Banking", version, pcf_id).split("/id/", 1)[1]
    r = client.http.get(path, headers={"accept": "text/html"})
    assert r.status_code == 200, r.text
    parts = PageParts()
    parts.feed(r.text)
    return r.text, parts


def test_element_page_shows_inherited_mappings_and_the_timeline(client: Client) -> None:
    html, parts = _page(client, "7.2.2", 10002)
    assert "No mappings to other frameworks" not in html
    [(row_class, cells)] = parts.inherited
    assert row_class == "inherited"
    relation, framework, target, made_on, status = cells
    assert (relation, framework, status) == ("closeMatch", "prm-it", "inherited")
    assert target.startswith("A2 ") and "Cross-Industry 7.4" in made_on
    assert parts.timeline == [
        (False, "Banking 7.2.1: 1.0 Vision"),
        (True, "Banking 7.2.2: 1.0 Vision (this page)"),
        (False, "Cross-Industry 7.4: 1.0 Vision"),
    ]


def test_element_page_flags_mappings_needing_review(client: Client) -> None:
    _, renamed = _page(client, "7.2.2", 17040)
    assert [(c, cells[-1]) for c, cells in renamed.inherited] == [
        ("needs-review", "needs review: renamed")
    ]
    assert renamed.timeline[1] == (
        True,
        "Banking 7.2.2: 1.1 Concept renamed (this page) "
        "Changed from Banking 7.2.1 to 7.2.2: renamed (was 'Concept')",
    )
    _, removed = _page(client, "7.2.1", 17041)
    assert [cells[-1] for _, cells in removed.inherited] == ["needs review: removed"]
    assert removed.timeline[0] == (
        True,
        "Banking 7.2.1: 1.2 Gone (this page) Removed in Banking 7.2.2 "
        "deprecated: not in the next loaded version",
    )
    # an element only Banking has: no timeline beyond itself, nothing inherited
    html, own = _page(client, "7.2.2", 17050)
    assert own.inherited == [] and "No mappings to other frameworks" in html
    assert own.timeline == [
        (True, "Banking 7.2.2: 1.3 Fresh (this page) New in Banking 7.2.2 (not in 7.2.1)")
    ]


def test_subtree_export_marks_inherited_mappings(client: Client) -> None:
    import csv
    import io

    from pcfgraph.queries import QueryCatalog
    from pcfgraph.spreadsheet import export_subtree

    store = client.release.store
    data = export_subtree(store, QueryCatalog(), "apqc-pcf-banking-7.2.2", None, "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    mapped = {
        (r["pcf_id"], r["relation"], r["target_code"], r["inherited_from"], r["needs_review"])
        for r in rows
        if r["relation"]
    }
    cross = "apqc-pcf-cross-industry-7.4"
    assert mapped == {
        ("10002", "closeMatch", "A2", cross, ""),
        ("17040", "relatedMatch", "A21", cross, "renamed"),
        ("17042", "broadMatch", "A21", cross, "moved"),
        ("17060", "exactMatch", "A24", cross, ""),
    }
    # the made-on edition's own export lists them as its own
    own = export_subtree(store, QueryCatalog(), cross, None, "csv").decode("utf-8")
    assert {r["inherited_from"] for r in csv.DictReader(io.StringIO(own))} == {""}


def test_validate_warns_about_mappings_needing_review(
    release_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from pcfgraph.cli import main
    from pcfgraph.cli.common import run_main

    release = str(release_dir)
    assert run_main(main, ["validate", "--release", release, "--format", "json"]) == 0
    findings = json.loads(capsys.readouterr().out)["results"]
    review = [f for f in findings if f["rule"] == "checks/mapping-needs-review-violation"]
    assert {f["severity"] for f in review} == {"Warning"}
    assert {(f["value"], f["message"].rsplit(": ", 1)[1]) for f in review} == {
        (element_iri("Banking", "7.2.2", 17040), "renamed; it is not inherited there."),
        (element_iri("Banking", "7.2.2", 17042), "moved; it is not inherited there."),
        (element_iri("Banking", "7.2.1", 17041), "removed; it is not inherited there."),
    }
    # each names the mapping record it is about
    assert all("/mapping/test-identity/" in f["focus"] for f in review)


def test_pcf_id_page_lists_where_it_appears(client: Client) -> None:
    r = client.http.get("/id/apqc-pcf/element/17042", headers={"accept": "text/html"})
    assert r.status_code == 200
    parts = PageParts()
    parts.feed(r.text)
    assert parts.timeline == [
        (False, "Banking 7.2.1: 1.3.1 Stay"),
        (
            False,
            "Banking 7.2.2: 1.1.1 Stay Changed from Banking 7.2.1 to 7.2.2: moved from 1.3.1 to 1.1.1",
        ),
        (False, "Cross-Industry 7.4: 1.3.1 Stay"),
    ]
    # other resources have no timeline
    other = client.http.get("/id/framework/prm-it", headers={"accept": "text/html"})
    assert other.status_code == 200 and 'class="timeline"' not in other.text


def test_versions_history_and_inherited_mappings_cost_queries_per_framework(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Store queries grow with the frameworks involved, not with the number of elements; a
    small batch (one element asked for by id) reads per PCF ID instead, with the same answers."""
    from pcfgraph.services import versions

    q = """{ elements(framework: "apqc-pcf-banking-7.2.2", first: %d) { nodes {
      versions { code framework { id } }
      history { changes revisionOf { code } }
      inheritedMappings { status madeOn { code } mapping { object { code } } }
    } } }"""
    per_pcf_id = client.data(q % 500)
    monkeypatch.setattr(versions, "SMALL_BATCH", 0)  # every batch reads per framework
    one, small = client.count(q % 1)
    every, big = client.count(q % 500)
    assert len(small["elements"]["nodes"]) == 1 and len(big["elements"]["nodes"]) == 6
    assert sum(len(n["inheritedMappings"]) for n in big["elements"]["nodes"]) == 4
    assert every == one, (one, every)
    assert big == per_pcf_id


def test_inherited_mappings_are_read_once_per_release_not_per_request(client: Client) -> None:
    """GraphQL ``inheritedMappings`` reads every edition's curated mappings at once: through the
    served release's shared reads (as the element pages and MCP), so a later request costs no
    more store queries with them than without them. Each request read them all again (163 ms
    of CPU per request with 4 APQC editions loaded)."""
    q = BANKING_722 % (10002, "name inheritedMappings { status reasons }")
    first = client.data(q)
    with_them, again = client.count(q)
    without, _ = client.count(BANKING_722 % (10002, "name"))
    assert again == first and again["element"]["inheritedMappings"]
    assert with_them == without, (with_them, without)


def _gaps(release_dir: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    from pcfgraph.cli import main
    from pcfgraph.cli.common import run_main

    base = ["gaps", "--release", str(release_dir), "--framework", "apqc-pcf-banking-7.2.2"]
    assert run_main(main, [*base, "--target", "prm-it", *args]) == 0
    return capsys.readouterr().out


def test_gaps_set_apart_elements_covered_by_inherited_mappings(
    release_dir: Path,
    client: Client,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An industry element whose PCF ID has curated mappings on Cross-Industry 7.4 is not told
    to be mapped again: pcfgraph gaps and MCP find_gaps give the inherited mappings' status,
    the same as Element.inheritedMappings."""
    import json

    doc = json.loads(_gaps(release_dir, capsys, "--format", "json"))
    assert {"inheritedStatus", "inheritedMappings", "inheritedFrom"} <= set(doc["head"]["vars"])
    rows = {r["code"]["value"]: r for r in doc["results"]["bindings"]}
    covered = {
        code: (r["inheritedStatus"]["value"], int(r["inheritedMappings"]["value"]))
        for code, r in rows.items()
        if "inheritedStatus" in r
    }
    assert covered == {
        "1.0": ("inherited", 1),  # 10002 unchanged
        "1.2": ("inherited", 1),  # 17060 renumbered only
        "1.1": ("needs-review", 1),  # 17040 renamed
        "1.1.1": ("needs-review", 1),  # 17042 moved
    }
    assert set(rows) - set(covered) == {"1.3", "1.4"}  # only in Banking: plain gaps
    assert {r["inheritedFrom"]["value"] for code, r in rows.items() if code in covered} == {
        "apqc-pcf-cross-industry-7.4"
    }
    # the same statuses GraphQL gives each element
    for code, (status, _) in covered.items():
        pcf = int(rows[code]["element"]["value"].rsplit("/", 1)[1])
        seen = client.data(BANKING_722 % (pcf, "inheritedMappings { status }"))
        got = {m["status"] for m in seen["element"]["inheritedMappings"]}
        assert got == {status.upper().replace("-", "_")}, code

    monkeypatch.setenv("COLUMNS", "160")  # one line per element, whatever the terminal
    table = _gaps(release_dir, capsys)
    plain, _, apart = table.partition("covered in prm-it by inherited mappings only")
    assert "2 elements without a counterpart in prm-it" in plain
    listed = {line.split()[0] for line in plain.splitlines() if line[:1].isdigit()}
    assert listed == {"1.3", "1.4"}  # "Fresh" and "Bank only", under 1.0 Vision
    assert "4 elements" in table
    lines = {line.split()[0]: line for line in apart.splitlines()[1:] if line[:1].isdigit()}
    assert set(lines) == {"1.0", "1.1", "1.1.1", "1.2"}
    assert lines["1.1"].split()[-3:] == ["review", "1", "apqc-pcf-cross-industry-7.4"]
    assert lines["1.0"].split()[-3:] == ["inherited", "1", "apqc-pcf-cross-industry-7.4"]

    undecided = json.loads(_gaps(release_dir, capsys, "--format", "json", "--undecided"))
    left = {r["code"]["value"] for r in undecided["results"]["bindings"]}
    assert left == {"1.3", "1.4", "1.1", "1.1.1"}  # those needing review still need a decision


def test_mcp_find_gaps_marks_inherited_cover(release_dir: Path) -> None:
    import anyio
    from mcp import Client as McpClient

    from pcfgraph.config import Settings
    from pcfgraph.mcp.server import build_server
    from pcfgraph.mcp.state import StandaloneState

    release = load_release(release_dir)
    answers: list = []

    async def main() -> None:
        state = StandaloneState(settings=Settings(), release=release)
        async with McpClient(build_server(lambda: state, base_url="http://h")) as mcp:
            args = {"framework": "apqc-pcf-banking-7.2.2", "target": "prm-it"}
            result = await mcp.call_tool("find_gaps", args)
            answers.append(result.structured_content)

    anyio.run(main)
    (answer,) = answers
    assert answer["coveredByInheritedMappings"] == 4
    got = {i["code"]: i.get("inheritedStatus") for i in answer["items"]}
    assert got == {
        "1.0": "inherited",
        "1.2": "inherited",
        "1.1": "needs-review",
        "1.1.1": "needs-review",
        "1.3": None,
        "1.4": None,
    }


def test_the_matrix_does_not_mark_inherited_rows_as_gaps(client: Client) -> None:
    """1.1.1 (17042, moved) has no PRM-IT mapping of its own but a curated one made on
    Cross-Industry 7.4 (needing review): the matrix says so rather than 'no counterpart'."""
    import re

    r = client.http.get(
        "/matrix",
        params={"target": "prm-it", "source": "apqc-pcf-banking-7.2.2", "category": "all"},
    )
    assert r.status_code == 200
    rows = re.findall(r'<tr( class="gap")?>\s*<th scope="row"[^>]*>(.*?)</th>', r.text, re.S)
    stay = [(gap, cell) for gap, cell in rows if "Stay" in cell]
    assert len(stay) == 1
    gap, cell = stay[0]
    assert gap == "" and "no counterpart" not in cell
    assert "inherited mappings (needs review)" in cell
    assert "0 rows and" in r.text  # no row without a counterpart


@pytest.mark.parametrize("pcf_id", [17070, 10002], ids=["only-in-banking", "also-in-7.4"])
def test_an_industry_elements_page_offers_what_mappings_suggest_does(
    client: Client, pcf_id: int
) -> None:
    """The page proposed suggestions only from the frameworks the curated sets map (here
    Cross-Industry 7.4), so a Banking element had none, and one only Banking has (17070,
    which inherits no decision) never would, while ``mappings suggest --source`` Banking
    ranks it as any other. Its page now offers what that command does, undecided only (10002
    inherits closeMatch A2: A2 is not offered)."""
    from pcfgraph.mappings import suggest as sg
    from pcfgraph.queries import QueryCatalog
    from pcfgraph.services.page_reads import Reads

    store, catalog = client.release.store, QueryCatalog()
    iri = element_iri("Banking", "7.2.2", pcf_id)
    shown = {(fw, ref.iri) for fw, ref, _ in Reads(store, catalog).element(iri).suggestions}
    cli = sg.suggest(store, catalog, "apqc-pcf-banking-7.2.2", "prm-it")
    want = {("prm-it", x.object.iri) for x in cli if x.subject.iri == iri}
    assert shown and shown == want, (shown, want)
    assert ("prm-it", "https://w3id.org/pcfgraph/id/prm-it/A2") not in shown
    html, _ = _page(client, "7.2.2", pcf_id)
    assert "Pending suggestions" in html
