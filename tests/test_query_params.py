"""Named-query parameters are checked against what they mean, declared in the query's header
(a range, an enumeration, or the id of a framework the release holds), on every edge that
runs a named query: ``GET /queries/{name}`` (400 problem+json), ``pcfgraph query`` (a usage
error, exit 2) and MCP's ``run_named_query`` (a tool error naming ``params``). A value
outside them was bound as given and the query matched nothing: ``minConfidence=5`` or
``framework=nope`` answered an empty result, as if there were no such mappings."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import anyio
import pytest
from browser_support import shipped_app
from fastapi.testclient import TestClient
from mcp import Client
from mcp_support import refused

from pcfgraph.cli import main
from pcfgraph.cli.common import EXIT_BAD_INPUT, run_main
from pcfgraph.config import Settings
from pcfgraph.errors import InputError, ParseError
from pcfgraph.mcp.server import build_server
from pcfgraph.mcp.state import StandaloneState
from pcfgraph.queries import QueryCatalog, parse_header
from pcfgraph.release import Release

#: The header's word for a parameter whose values are the release's framework ids.
FRAMEWORK_ID = "framework id"
KNOWN = ("apqc-pcf-cross-industry-7.4", "it-cmf", "prm-it", "trim")
APQC = KNOWN[0]
PRMIT = "https://w3id.org/pcfgraph/id/prm-it/"
PCF_8_1 = "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20608"
SKOS = "http://www.w3.org/2004/02/skos/core#"
#: (query, parameters, the parameter refused, words of what it allows)
REFUSED = [
    ("api/mappings", {"minConfidence": "5"}, "minConfidence", "from 0 to 1"),
    ("api/mappings", {"minConfidence": "-0.1"}, "minConfidence", "from 0 to 1"),
    ("api/mapping-records", {"minConfidence": "1.5"}, "minConfidence", "from 0 to 1"),
    ("api/mappings", {"subjectFramework": "nope"}, "subjectFramework", "prm-it"),
    # a mapping relation is one of the five, however it is spelt
    ("api/mappings", {"predicate": "closest"}, "predicate", "give one of exactMatch, closeMatch"),
    ("api/mapping-records", {"predicate": "owl:sameAs"}, "predicate", "no SKOS mapping relation"),
    ("api/element-by-code", {"framework": "nope", "code": "A24"}, "framework", "prm-it"),
    ("api/gaps", {"otherFramework": "apqc-pcf"}, "otherFramework", "apqc-pcf-cross-industry-7.4"),
    # an enumerated value is taken as written: another case is refused saying which is meant
    ("api/gaps", {"kind": "Process"}, "kind", "(values are taken as written: 'process'); known:"),
    ("api/gaps", {"kind": "nope"}, "kind", "known: activity"),
    # an element code names an element of the framework: none is refused, saying why
    ("api/element-by-code", {"framework": "prm-it", "code": "A99"}, "code", "framework 'prm-it'"),
    ("api/element-by-notation", {"framework": APQC, "code": "8"}, "code", "did you mean '8.0'?"),
    (
        "api/element-by-code",
        {"framework": "it-cmf", "code": "a24"},
        "code",
        "in other frameworks it names prm-it/A24",
    ),
    # an element parameter names an element: one naming none was an empty answer
    ("api/descendants", {"element": PRMIT + "A99"}, "element", "no element has it"),
    ("api/mappings", {"subject": "nope"}, "subject", "must be an element's IRI"),
    (
        "api/subtree-elements",
        {"root": "https://w3id.org/pcfgraph/id/framework/prm-it", "framework": "prm-it"},
        "root",
        "(or its element id, page URL or CURIE, or a code or PCF ID of one element)",
    ),
]
#: (query, parameters as the data writes them, the same in another case): an identifier
#: is matched ignoring case, by the rule of every edge, and answered as the data's; an
#: element code names its element as every edge takes one (by PCF ID, element id or IRI)
OTHER_CASE = [
    ("api/element-by-code", {"framework": "prm-it", "code": "A24"}, {"code": "a24"}),
    ("api/element-by-code", {"framework": "prm-it", "code": "A24"}, {"code": "prm-it/a24"}),
    ("api/element-by-notation", {"framework": APQC, "code": "8.1.5"}, {"code": "20632"}),
    # an IRI as the CLI's tables write it (a CURIE), or as SPARQL does (in angle brackets)
    ("api/descendants", {"element": PRMIT + "A2"}, {"element": "prmit:A2"}),
    # an element as every edge takes one: its IRI in another case, a page URL of the server,
    # its element id, a code one element has (bound as given, each matched nothing)
    ("api/descendants", {"element": PRMIT + "A2"}, {"element": PRMIT + "a2"}),
    (
        "api/descendants",
        {"element": PRMIT + "A2"},
        {"element": "http://127.0.0.1:8000/id/prm-it/A2"},
    ),
    ("api/descendants", {"element": PRMIT + "A2"}, {"element": "prm-it/A2"}),
    ("api/subtree-elements", {"root": PCF_8_1, "framework": APQC}, {"root": "8.1"}),
    ("api/mappings", {"object": PRMIT + "A24"}, {"object": "PRM-IT/a24"}),
    ("api/mappings", {"predicate": SKOS + "closeMatch"}, {"predicate": "skos:closeMatch"}),
    ("api/mappings", {"predicate": SKOS + "closeMatch"}, {"predicate": f"<{SKOS}closeMatch>"}),
    # a mapping relation as MCP and the CLI write it, and as GraphQL does: "expects iri"
    ("api/mappings", {"predicate": SKOS + "closeMatch"}, {"predicate": "closeMatch"}),
    ("api/mappings", {"predicate": SKOS + "broadMatch"}, {"predicate": "BROAD_MATCH"}),
    (
        "api/element-by-notation",
        {"framework": APQC, "code": "8.1.5"},
        {"code": "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20632"},
    ),
    ("api/element-by-code", {"framework": "prm-it", "code": "A24"}, {"framework": "PRM-IT"}),
    (
        "api/mappings",
        {"subjectFramework": "apqc-pcf-cross-industry-7.4", "objectFramework": "prm-it"},
        {"subjectFramework": "APQC-PCF-Cross-Industry-7.4", "objectFramework": "Prm-It"},
    ),
]


def header(line: str) -> str:
    return f"# summary: s\n{line}\nSELECT ?x WHERE {{ BIND(1 AS ?y) }}\n"


def test_the_header_declares_a_range_an_enumeration_or_a_framework_id() -> None:
    q = parse_header(
        "t",
        Path("t.rq"),
        "# summary: s\n"
        "# param: c (decimal, optional, 0..1) - a confidence\n"
        "# param: n (integer, 2..) - at least two\n"
        "# param: side (literal, one of subject|object) - an end\n"
        "# param: fw (literal, optional, framework id) - a framework\n"
        "SELECT ?c ?n ?side ?fw WHERE {}\n",
    )
    c, n, side, fw = q.params
    assert (c.optional, c.minimum, c.maximum) == (True, Decimal(0), Decimal(1))
    assert (n.optional, n.minimum, n.maximum) == (False, Decimal(2), None)
    assert side.choices == ("subject", "object")
    assert (fw.optional, fw.domain) == (True, FRAMEWORK_ID)
    assert (c.described()["minimum"], c.described()["maximum"]) == (0, 1)
    assert n.described()["minimum"] == 2 and "maximum" not in n.described()
    assert side.described()["enum"] == ["subject", "object"]
    assert fw.described()["values"] == FRAMEWORK_ID
    for bad in (
        "# param: c (decimal, 1..0) - empty",
        "# param: c (literal, 0..1) - a range of a literal",
        "# param: c (integer, one of 1|2) - an enumeration of a number",
        "# param: c (iri, framework id) - an IRI",
        "# param: c (literal, mapping relation) - a relation is an IRI",
        "# param: c (literal, sometimes) - no such qualifier",
        "# param: c (decimal, a..b) - no numbers",
    ):
        with pytest.raises(ParseError) as err:
            parse_header("t", Path("t.rq"), header(bad))
        assert err.value.line == 2, bad


def test_binding_refuses_a_value_naming_parameter_value_and_what_is_allowed() -> None:
    catalog = QueryCatalog()
    q = catalog.get("api/mappings")
    assert q.bind({"minConfidence": "0.5"})  # in range
    assert q.bind({"minConfidence": "1"}) and q.bind({"minConfidence": "0"})
    with pytest.raises(InputError) as err:
        q.bind({"minConfidence": "5"})
    assert str(err.value) == "parameter 'minConfidence' must be a decimal from 0 to 1, not '5'"
    side = catalog.get("api/subtree-mapping-records")
    with pytest.raises(InputError, match="'side' must be one of subject, object, not 'top'"):
        side.bind({"root": "https://x/y", "framework": "prm-it", "side": "top"})

    def known(domain: str) -> list[str]:
        assert domain == FRAMEWORK_ID
        return list(KNOWN)

    assert q.bind({"subjectFramework": "prm-it"}, known)
    assert q.bind({"subjectFramework": "nope"})  # a caller without the data cannot tell
    # a framework id is an identifier: bound as the data writes it (it matched nothing)
    spelt = q.bind({"subjectFramework": "PRM-IT"}, known)
    assert [t.value for t in spelt.values()] == ["prm-it"]
    given = {"subjectFramework": "Prm-It", "minConfidence": "0.5"}
    assert q.canonical(given, known) == {"subjectFramework": "prm-it", "minConfidence": "0.5"}
    with pytest.raises(InputError, match=r"not 'Subject' \(values are taken as written: 'subject'"):
        side.bind({"root": "https://x/y", "framework": "prm-it", "side": "Subject"})

    with pytest.raises(InputError) as err:
        q.bind({"subjectFramework": "nope"}, known)
    assert str(err.value) == (
        f"parameter 'subjectFramework' must be a known framework id, not 'nope'; "
        f"known: {', '.join(KNOWN)}"
    )


def test_an_element_code_is_resolved_within_the_querys_framework() -> None:
    """A code was bound exactly as given: ``a24`` or a PCF ID matched nothing, without a
    word. An ``element code`` is resolved within the query's ``framework id`` parameter,
    which the header must have (a required one)."""
    q = parse_header(
        "t",
        Path("t.rq"),
        "# summary: s\n# param: code (literal, element code) - a code\n"
        "# param: fw (literal, framework id) - its framework\nSELECT ?code ?fw WHERE {}\n",
    )
    assert q.params[0].domain == "element code" and q.code_scope == "fw"
    for scope in ("", "# param: fw (literal, optional, framework id) - its framework\n"):
        with pytest.raises(ParseError, match="needs one required 'framework id' parameter"):
            parse_header(
                "t", Path("t.rq"), f"# summary: s\n# param: c (literal, element code) - c\n{scope}"
                "SELECT ?c ?fw WHERE {}\n",
            )  # fmt: skip
    # a caller without the data binds it as given; with it, as the data writes the code
    asked: list[tuple[str, str, str]] = []

    class Known:
        def __call__(self, domain: str) -> list[str]:
            return list(KNOWN)

        def element_code(self, value: str, framework: str, param: str) -> str:
            asked.append((value, framework, param))
            return "A24"

    assert [t.value for t in q.bind({"code": "a24", "fw": "PRM-IT"}).values()] == ["a24", "PRM-IT"]
    bound = q.bind({"code": "a24", "fw": "PRM-IT"}, Known())
    assert [t.value for t in bound.values()] == ["A24", "prm-it"]
    assert asked == [("a24", "prm-it", "code")]  # within the framework as the data spells it
    assert q.canonical({"code": "a24", "fw": "prm-it"}, Known()) == {"code": "A24", "fw": "prm-it"}


def test_an_element_parameter_is_resolved_to_the_iri_of_the_element_it_names() -> None:
    """An IRI parameter was bound as given: ``prm-it/a2`` or a page URL matched nothing,
    without a word. An ``element`` is resolved by a caller that has the data."""
    q = parse_header(
        "t", Path("t.rq"), header("# param: root (iri, optional, element) - an element")
    )
    (root,) = q.params
    assert (root.optional, root.domain, root.described()["values"]) == (True, "element", "element")
    with pytest.raises(ParseError, match="'element'"):
        parse_header("t", Path("t.rq"), header("# param: c (literal, element) - an IRI only"))
    asked: list[tuple[str, str]] = []

    class Known:
        def __call__(self, domain: str) -> list[str]:
            raise AssertionError(domain)  # an element has no list of values

        def element(self, value: str, param: str) -> str:
            asked.append((value, param))
            return PRMIT + "A2"

    assert [t.value for t in q.bind({"root": "prmit:a2"}).values()] == [PRMIT + "a2"]
    assert q.canonical({"root": "prm-it/a2"}, Known()) == {"root": PRMIT + "A2"}
    assert asked == [("prm-it/a2", "root")]


def test_an_element_named_by_several_is_refused_naming_them(tmp_path: Path) -> None:
    """A code two frameworks write names neither: the refusal lists both element ids."""
    from pcfgraph.param_domains import DomainValues
    from pcfgraph.store import EmbeddedStore

    base, skos = "https://w3id.org/pcfgraph/id/", SKOS
    quads = []
    for fw in ("fa", "fb"):
        scheme, element = f"<{base}framework/{fw}>", f"<{base}{fw}/X1>"
        quads += [
            f'{scheme} <https://w3id.org/pcfgraph/ontology#frameworkId> "{fw}" <{base}g> .',
            f"{element} <{skos}inScheme> {scheme} <{base}g> .",
            f'{element} <{skos}notation> "X1" <{base}g> .',
            f'{element} <{skos}prefLabel> "x" <{base}g> .',
        ]
    values = DomainValues(EmbeddedStore.from_nquads("\n".join(quads).encode()))
    assert values.element("FB/x1", "root") == base + "fb/X1"
    with pytest.raises(InputError) as err:
        values.element("x1", "root")
    assert "parameter 'root'" in str(err.value)
    assert "it names 2 elements (fa/X1, fb/X1)" in str(err.value)


def test_every_shipped_element_parameter_says_so() -> None:
    """An IRI parameter that must be an element is resolved as one; ``graphql/element-tree``'s
    root may be a framework too, and is bound as given."""
    for q in QueryCatalog():
        for p in q.params:
            if p.type == "iri" and p.name in ("element", "root", "subject", "object"):
                assert (p.domain == "element") == (q.name != "graphql/element-tree"), q.name


def test_every_shipped_framework_id_parameter_says_so() -> None:
    """A literal parameter named for a framework is checked against the loaded ones."""
    for q in QueryCatalog():
        for p in q.params:
            if p.type == "literal" and p.name.lower().endswith("framework"):
                assert p.domain == FRAMEWORK_ID, (q.name, p.name)
            if p.name == "minConfidence":
                assert (p.minimum, p.maximum) == (Decimal(0), Decimal(1)), q.name


@pytest.fixture(scope="module")
def client(shipped_release: Release) -> Iterator[TestClient]:
    with TestClient(shipped_app(shipped_release)) as c:
        yield c


@pytest.mark.parametrize(("name", "params", "param", "allowed"), REFUSED)
def test_http_refuses_a_value_outside_its_meaning(
    client: TestClient, name: str, params: dict[str, str], param: str, allowed: str
) -> None:
    r = client.get(f"/queries/{name}", params=params)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    detail = r.json()["detail"]
    assert f"parameter {param!r}" in detail and repr(params[param]) in detail, detail
    assert allowed in detail, detail


def test_http_answers_values_within_their_meaning(client: TestClient) -> None:
    some = client.get("/queries/api/mappings", params={"minConfidence": "0.5"})
    assert some.status_code == 200 and some.json()["results"]["bindings"]
    prm = client.get("/queries/api/element-by-code", params={"framework": "prm-it", "code": "A24"})
    assert prm.status_code == 200 and len(prm.json()["results"]["bindings"]) == 1


def test_the_query_list_says_what_each_parameter_takes(client: TestClient) -> None:
    listed = {q["name"]: q for q in client.get("/queries").json()["queries"]}
    params = {p["name"]: p for p in listed["api/mappings"]["params"]}
    assert (params["minConfidence"]["minimum"], params["minConfidence"]["maximum"]) == (0, 1)
    assert set(params["subjectFramework"]["enum"]) == set(KNOWN)
    sides = {p["name"]: p for p in listed["api/subtree-mapping-records"]["params"]}["side"]
    assert sides["enum"] == ["subject", "object"]
    relation = params["predicate"]
    assert relation["values"] == "mapping relation"
    assert relation["enum"] == [SKOS + r for r in ("exactMatch", "closeMatch", "broadMatch",
                                                   "narrowMatch", "relatedMatch")]  # fmt: skip
    code = {p["name"]: p for p in listed["api/element-by-code"]["params"]}["code"]
    assert code["values"] == "element code" and "enum" not in code  # too many to list


@pytest.mark.parametrize(("name", "params", "param", "allowed"), REFUSED)
def test_the_cli_refuses_it_as_a_usage_error(
    capsys: pytest.CaptureFixture[str], name: str, params: dict[str, str], param: str, allowed: str
) -> None:
    args = ["query", name]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    assert run_main(main, args) == EXIT_BAD_INPUT
    out, err = capsys.readouterr()
    assert not out and f"parameter {param!r}" in err and allowed in err, err


def test_mcp_refuses_it_as_a_tool_error(shipped_release: Release) -> None:
    async def main_() -> None:
        state = StandaloneState(settings=Settings(), release=shipped_release)
        async with Client(build_server(lambda: state, base_url="http://h")) as mcp:
            for name, params, param, allowed in REFUSED:
                refusal = await refused(mcp, "run_named_query", {"name": name, "params": params})
                message = refusal
                assert "argument 'params'" in message and f"parameter {param!r}" in message
                assert allowed in message, message
            ok = await mcp.call_tool(
                "run_named_query", {"name": "api/mappings", "params": {"minConfidence": "0.5"}}
            )
            assert not ok.is_error

    anyio.run(main_)


def _rows(answer: dict) -> list:
    return sorted(map(repr, answer["results"]["bindings"]))


@pytest.mark.parametrize(("name", "as_data", "written"), OTHER_CASE)
def test_http_answers_a_framework_id_in_another_case_as_the_datas(
    client: TestClient, name: str, as_data: dict[str, str], written: dict[str, str]
) -> None:
    """``framework=PRM-IT`` was bound as given: no rows, as if there were none, where every
    other edge takes it for ``prm-it``."""
    expected = client.get(f"/queries/{name}", params=as_data)
    assert expected.status_code == 200 and expected.json()["results"]["bindings"]
    answer = client.get(f"/queries/{name}", params={**as_data, **written})
    assert answer.status_code == 200, answer.text
    assert _rows(answer.json()) == _rows(expected.json())


@pytest.mark.parametrize(("name", "as_data", "written"), OTHER_CASE)
def test_the_cli_answers_a_framework_id_in_another_case_as_the_datas(
    capsys: pytest.CaptureFixture[str], name: str, as_data: dict[str, str], written: dict[str, str]
) -> None:
    def run(values: dict[str, str]) -> str:
        args = ["query", name, "--format", "csv"]
        for key, value in values.items():
            args += ["--param", f"{key}={value}"]
        assert run_main(main, args) == 0
        return capsys.readouterr().out

    expected = run(as_data)
    assert expected.count("\n") > 1
    assert run({**as_data, **written}) == expected


def test_mcp_answers_a_framework_id_in_another_case_as_the_datas(shipped_release: Release) -> None:
    async def main_() -> None:
        state = StandaloneState(settings=Settings(), release=shipped_release)
        async with Client(build_server(lambda: state, base_url="http://h")) as mcp:
            for name, as_data, written in OTHER_CASE:
                answers = []
                for params in (as_data, {**as_data, **written}):
                    got = await mcp.call_tool("run_named_query", {"name": name, "params": params})
                    assert not got.is_error, got
                    answers.append(got.structured_content)
                assert answers[0]["items"] and answers[1]["items"] == answers[0]["items"]
                # one list, one cursor: a page of either spelling goes on in the other
                assert answers[1].get("nextCursor") == answers[0].get("nextCursor")

    anyio.run(main_)


def test_an_element_code_as_written_is_found_by_index_not_by_reading_every_code(
    shipped_release: Release,
) -> None:
    """Resolving every code by reading the framework's codes cost ``api/element-by-code``
    60 times its own work on APQC's 1,921 elements: a code, PCF ID or IRI as written is
    looked up; only another case (or none) reads them all."""
    from pcfgraph.param_domains import CODE_CANDIDATES_QUERY, DomainValues

    asked: list[str] = []

    class Catalog(QueryCatalog):
        def get(self, name: str):  # type: ignore[no-untyped-def]
            asked.append(name)
            return super().get(name)

    values = DomainValues(shipped_release.store, Catalog())
    for given in ("8.1.5", "20632", "apqc:cross-industry/7.4/20632", "a24"):
        asked.clear()
        framework = "prm-it" if given == "a24" else APQC
        assert values.element_code(given, framework, "code") in ("8.1.5", "A24")
        assert (CODE_CANDIDATES_QUERY in asked) == (given == "a24"), (given, asked)
