"""Named queries: headers, parameter binding as RDF terms, syntax errors with positions."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from pcfgraph.errors import InputError, NotFoundError, ParseError
from pcfgraph.queries import QueryCatalog, check_syntax, named_query, parse_header, query_file

HEADER = """# summary: Things by code.
# param: code (literal) - the code
# param: limit (integer, optional) - how many
# param: element (iri, optional) - an element
# param: derived (boolean, optional) - include derived
SELECT ?s ?code ?limit ?element ?derived WHERE { ?s <urn:p> ?code }
"""


def test_header_is_parsed_into_summary_and_typed_params() -> None:
    q = parse_header("t", Path("t.rq"), HEADER)
    assert q.summary == "Things by code."
    assert [(p.name, p.type, p.optional) for p in q.params] == [
        ("code", "literal", False),
        ("limit", "integer", True),
        ("element", "iri", True),
        ("derived", "boolean", True),
    ]
    assert q.form == "SELECT"


def test_values_are_bound_as_rdf_terms() -> None:
    q = parse_header("t", Path("t.rq"), HEADER)
    bound = q.bind(
        {"code": 'A24" } SELECT * {', "limit": "5", "element": "urn:x", "derived": "true"}
    )
    assert bound[ox.Variable("code")] == ox.Literal('A24" } SELECT * {')
    assert bound[ox.Variable("limit")] == ox.Literal(
        "5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )
    assert bound[ox.Variable("element")] == ox.NamedNode("urn:x")
    assert bound[ox.Variable("derived")].value == "true"


def test_injection_attempt_stays_a_literal_when_executed() -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("A24")))
    q = parse_header("t", Path("t.rq"), HEADER)
    evil = q.bind({"code": "A24' || true || '"})
    assert list(store.query(q.text, substitutions=evil)) == []
    good = q.bind({"code": "A24"})
    assert [s["s"] for s in store.query(q.text, substitutions=good)] == [ox.NamedNode("urn:a")]


DECIMAL = """# summary: Things at least this confident.
# param: least (decimal) - the lowest confidence
SELECT ?s ?least WHERE { ?s <urn:confidence> ?c FILTER(?c >= ?least) }
"""
XSD_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")


@pytest.mark.parametrize(
    ("given", "lexical"),
    [
        ("0.00001", "0.00001"),
        ("1e-5", "0.00001"),
        (0.00001, "0.00001"),
        ("1E+2", "100"),
        (" .5 ", "0.5"),
    ],
)
def test_a_decimal_is_bound_as_an_xsd_decimal(given: object, lexical: str) -> None:
    """Never Python's ``1e-05`` (``str`` of the float 0.00001), which is no xsd:decimal."""
    bound = parse_header("t", Path("t.rq"), DECIMAL).bind({"least": given})
    assert bound[ox.Variable("least")] == ox.Literal(lexical, datatype=XSD_DECIMAL)


@pytest.mark.parametrize("given", ["0.00001", "1e-5", 0.00001])
def test_a_small_decimal_filters_as_the_number_it_is(given: object) -> None:
    store = ox.Store()
    for s, c in (("urn:low", "0.00002"), ("urn:none", "0.0")):
        store.add(
            ox.Quad(
                ox.NamedNode(s), ox.NamedNode("urn:confidence"), ox.Literal(c, datatype=XSD_DECIMAL)
            )
        )
    q = parse_header("t", Path("t.rq"), DECIMAL)
    found = {r["s"].value for r in store.query(q.text, substitutions=q.bind({"least": given}))}
    assert found == {"urn:low"}


@pytest.mark.parametrize("given", ["NaN", "inf", "-Infinity", "1e999999999", "1e-999999999", "x"])
def test_a_decimal_that_is_no_finite_number_is_refused(given: str) -> None:
    q = parse_header("t", Path("t.rq"), DECIMAL)
    with pytest.raises(InputError, match=f"parameter 'least' expects decimal, got '{given}'"):
        q.bind({"least": given})


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({}, "needs parameter 'code'"),
        ({"code": "x", "nope": "1"}, "has no parameter nope"),
        ({"code": "x", "limit": "many"}, "expects integer"),
        ({"code": "x", "element": "not an iri"}, "expects iri"),
        ({"code": "x", "derived": "perhaps"}, "expects boolean"),
    ],
)
def test_bad_parameter_values_are_input_errors(values: dict[str, str], needle: str) -> None:
    q = parse_header("t", Path("t.rq"), HEADER)
    with pytest.raises(InputError, match=needle):
        q.bind(values)


def test_unknown_parameters_are_named_without_echoing_them_all() -> None:
    """5,000 made-up parameter names (``run_named_query``'s params, a query string) were all
    listed: a 34 KB message over MCP; a name of 100,000 characters was echoed whole."""
    q = parse_header("t", Path("t.rq"), HEADER)
    many = {f"k{i:04}": "v" for i in range(5000)}
    with pytest.raises(InputError) as err:
        q.bind({"code": "x", **many})
    message = str(err.value)
    assert "has no parameter k0000, k0001, k0002, k0003, k0004 and 4995 more; it takes: " in (
        message
    )
    assert len(message) < 300, len(message)
    with pytest.raises(InputError) as err:
        q.bind({"code": "x", "n" * 100_000: "v"})
    assert "(100000 characters)" in str(err.value) and len(str(err.value)) < 300


def test_missing_summary_and_bad_param_lines_are_rejected() -> None:
    with pytest.raises(ParseError, match="summary"):
        parse_header("t", Path("t.rq"), "SELECT * {}")
    with pytest.raises(ParseError, match="line 2"):
        parse_header("t", Path("t.rq"), "# summary: x\n# param: x (weird) - y\nSELECT * {}")


def test_syntax_errors_carry_line_and_column() -> None:
    with pytest.raises(ParseError) as info:
        check_syntax("SELECT * WHERE {\n  ?s ?p \n}", source="q.rq")
    assert info.value.line in (2, 3)
    assert info.value.column is not None
    assert "q.rq" in str(info.value)


def test_every_shipped_query_has_a_header_and_parses() -> None:
    catalog = QueryCatalog()
    names = catalog.names()
    assert "api/element-by-code" in names
    for q in catalog:
        assert q.summary, q.name


def test_parameters_outside_the_projection_are_rejected_at_load(tmp_path: Path) -> None:
    (tmp_path / "bad.rq").write_text(
        "# summary: x\n# param: code (literal) - c\nSELECT ?s WHERE { ?s ?p ?code }\n",
        encoding="utf-8",
    )
    with pytest.raises(ParseError, match="projection"):
        QueryCatalog(tmp_path)


def test_lookup_by_short_name_and_unknown_name() -> None:
    catalog = QueryCatalog()
    assert catalog.get("element-by-code").name == "api/element-by-code"
    with pytest.raises(NotFoundError):
        catalog.get("no-such-query")


def test_query_file_without_header_is_accepted(tmp_path: Path) -> None:
    f = tmp_path / "adhoc.rq"
    f.write_text("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", encoding="utf-8")
    assert query_file(f).form == "SELECT"
    with pytest.raises(NotFoundError):
        query_file(tmp_path / "missing.rq")


def test_a_catalogue_refuses_a_file_its_engine_cannot_parse(tmp_path: Path) -> None:
    (tmp_path / "fine.rq").write_text("# summary: x\nSELECT ?s WHERE { ?s ?p ?o }\n")
    (tmp_path / "broken.rq").write_text("# summary: y\nSELECT ?s WHERE { ?s ?p }\n")
    with pytest.raises(ParseError, match="SPARQL syntax error") as info:
        QueryCatalog(tmp_path)
    assert "broken.rq" in str(info.value)
    (tmp_path / "broken.rq").unlink()
    assert QueryCatalog(tmp_path).names() == ["fine"]


@pytest.mark.parametrize("name", ["api/element-by-cod", "element-by-cod"])
def test_an_unknown_name_gets_the_closest_ones_and_where_the_list_is(name: str) -> None:
    # it said "see 'pcfgraph query --list'" to HTTP and MCP clients as well, and no more
    for lookup in (QueryCatalog().get, named_query):
        with pytest.raises(NotFoundError) as caught:
            lookup(name)
        said = str(caught.value)
        assert said.startswith(f"no named query '{name}'; did you mean api/element-by-code")
        assert said.endswith("(every one: GET /queries, 'pcfgraph query --list')")
    with pytest.raises(NotFoundError, match=r"^no named query 'zzz' \(every one"):
        QueryCatalog().get("zzz")
