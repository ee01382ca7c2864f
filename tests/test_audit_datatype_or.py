"""Numeric ``sh:or`` lists evaluated directly (pcfgraph.audit.datatype_or): exactly pySHACL's
results on values of every kind, the shipped shapes unchanged, only pure numeric lists taken."""

from __future__ import annotations

from typing import Any

import pytest
from audit_support import AS_OF, CONFORMING, context
from rdflib import Graph, URIRef

from pcfgraph import iris
from pcfgraph.audit import Upload, audit
from pcfgraph.audit.datatype_or import datatype_ors
from pcfgraph.audit.engine import AuditOptions, Limits, parse_uploads
from pcfgraph.audit.findings import _shape_result, data_graph, run_shacl
from pcfgraph.rules.engine import shacl_findings

NW = "https://example.org/northwind/"
SHAPES = ("ServiceTargetValueShape", "ObservationValueShape")

#: Values of every kind for the two numeric shapes: (local name, value as Turtle, conforms).
VALUES = [
    ("decimal", "99.5", True),
    ("integer", "12", True),
    ("double", "1.5e2", True),
    ("typed-decimal", '"7.25"^^xsd:decimal', True),
    ("int", '"12"^^xsd:int', False),
    ("float", '"1.5"^^xsd:float', False),
    ("ill-typed-decimal", '"twelve"^^xsd:decimal', False),
    ("ill-typed-integer", '"1.5"^^xsd:integer', False),
    ("string", '"99"', False),
    ("language", '"99"@en', False),
    ("iri", ":ninety-nine", False),
    ("blank", '[ rdfs:label "99" ]', False),
]


def _model() -> str:
    lines = [CONFORMING.read_text(encoding="utf-8")]
    for name, value, _ in VALUES:
        lines.append(
            f':target-{name} a orgm:ServiceTarget ; orgm:metric "m" ; orgm:unit "percent" ;'
            f" orgm:targetValue {value} ."
        )
        lines.append(
            f":obs-{name} a orgm:MeasureObservation ; orgm:measure apqcm:106448 ;"
            f' orgm:unit "percent" ; orgm:period "2024" ; orgm:value {value} .'
        )
    # two values on one node: each judged (and sh:maxCount fails, by pySHACL)
    lines.append(':target-two a orgm:ServiceTarget ; orgm:metric "m" ; orgm:unit "percent" ;')
    lines.append('    orgm:targetValue 5 , "5"^^xsd:int .')
    return "\n".join(lines) + "\n"


def _parsed() -> Any:
    return parse_uploads([Upload("values.ttl", _model().encode())], Limits())


def _key(r: Any) -> tuple[str, ...]:
    return (r.focus_node, r.shape, r.value or "", r.path or "", r.component or "", r.message)


def test_the_results_are_pyshacls_own() -> None:
    """The same audit results, field for field, as pySHACL evaluating the sh:or itself."""
    ctx = context()
    triples, _ = _parsed()
    data = data_graph(ctx.shacl_triples, triples, ctx.rules.observed_predicates)
    ours = run_shacl(data, ctx.rules.shapes_graph(), ctx.rules.rules)
    pyshacl = [
        _shape_result(f, ctx.rules.rules.get(f.source_shape))
        for f in shacl_findings(data, ctx.rules.shapes_graph())
    ]
    assert sorted(ours, key=_key) == sorted(pyshacl, key=_key)
    or_results = {
        (r.focus_node, r.shape.rsplit("/", 1)[-1], r.value)
        for r in ours
        if r.component == str(iris.SH.OrConstraintComponent)
    }
    expected = {
        (f"{NW}{kind}-{name}", shape, None)
        for name, _, conforms in VALUES
        if not conforms
        for kind, shape in (("target", SHAPES[0]), ("obs", SHAPES[1]))
    }
    assert {(f, s, None) for f, s, _ in or_results} == expected | {
        (f"{NW}target-two", SHAPES[0], None)
    }


def test_the_audit_reports_what_pyshacl_on_the_shipped_shapes_reports() -> None:
    uploads = [Upload("values.ttl", _model().encode())]
    parsed = _parsed()
    report = audit(uploads, context(), parsed=parsed, options=AuditOptions(AS_OF))
    ours = {
        (r.focus_node, r.shape, r.value)
        for r in report.results
        if r.shape.rsplit("/", 1)[-1] in SHAPES
        and r.component == str(iris.SH.OrConstraintComponent)
    }
    shipped = Graph()  # the shipped shapes as they are, sh:or included
    shipped.addN((s, p, o, shipped) for s, p, o in context().rules.all_shape_triples)
    ctx = context()
    data = data_graph(ctx.shacl_triples, parsed.triples, ctx.rules.observed_predicates)
    theirs = {
        (f.focus_node, f.source_shape, f.value)
        for f in shacl_findings(data, shipped)
        if f.source_shape.rsplit("/", 1)[-1] in SHAPES
        and f.component == str(iris.SH.OrConstraintComponent)
    }
    assert ours == theirs
    assert len(ours) == 2 * sum(1 for *_, conforms in VALUES if not conforms) + 1


def test_a_profile_switching_the_shape_off_switches_the_direct_evaluation_off(
    tmp_path: Any,
) -> None:
    profile = tmp_path / "profile.ttl"
    profile.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        f"<{iris.SHAPES_BASE}ServiceTargetValueShape> sh:deactivated true .\n",
        encoding="utf-8",
    )
    uploads = [Upload("values.ttl", _model().encode())]
    report = audit(
        uploads, context(), parsed=_parsed(), options=AuditOptions(AS_OF, profile=str(profile))
    )
    shapes = {r.shape.rsplit("/", 1)[-1] for r in report.results}
    assert "ServiceTargetValueShape" not in shapes
    assert "ObservationValueShape" in shapes


_PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/shapes/> .
"""


@pytest.mark.parametrize(
    ("shape", "taken"),
    [
        ("sh:path ex:p ; sh:or ( [ sh:datatype xsd:decimal ] [ sh:datatype xsd:integer ] )", True),
        ("sh:path ex:p ; sh:or ( [ sh:datatype xsd:string ] [ sh:datatype xsd:integer ] )", False),
        ("sh:path ex:p ; sh:or ( [ sh:datatype xsd:decimal ; sh:minInclusive 0 ] )", False),
        ("sh:path ex:p ; sh:or ( [ sh:datatype xsd:decimal ] [ sh:class ex:C ] )", False),
        ("sh:path ex:p ; sh:or ( ex:Named )", False),
        ("sh:path [ sh:inversePath ex:p ] ; sh:or ( [ sh:datatype xsd:decimal ] )", False),
    ],
)
def test_only_pure_numeric_datatype_lists_are_taken(shape: str, taken: bool) -> None:
    graph = Graph().parse(
        data=_PREFIXES + f"ex:S a sh:PropertyShape ; sh:targetClass ex:C ; {shape} .\n"
        "ex:Named sh:datatype xsd:decimal .\n",
        format="turtle",
    )
    found = datatype_ors(graph)
    assert [o.shape for o in found] == ([URIRef("https://example.org/shapes/S")] if taken else [])
