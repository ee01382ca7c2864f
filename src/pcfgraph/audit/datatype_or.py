"""``sh:or`` lists of numeric ``sh:datatype`` alternatives, evaluated directly instead of by
pySHACL: the same results, a fraction of the cost.

Shapes such as ``ServiceTargetValueShape`` say "the value is an xsd:decimal, an xsd:integer or
an xsd:double" as ``sh:or ( [ sh:datatype xsd:decimal ] [ sh:datatype xsd:integer ] ... )``.
pySHACL validates each alternative as a shape of its own for every value and builds (and
renders) a result for every alternative that fails, only to throw it away: about a third of an
audit's pySHACL time at 100k statements. Here such an ``sh:or`` is taken out of the shapes graph
pySHACL gets and evaluated with pySHACL's own targets and value nodes
(:func:`pcfgraph.rules.engine.shape_value_nodes`) and
pySHACL's datatype test (``sh:datatype`` on a literal: the same datatype IRI, not ill-typed,
and for xsd:decimal and xsd:integer a value of that Python type), giving the result pySHACL
gives: the focus node, the path, the value, ``sh:OrConstraintComponent``, the shape's severity
and messages. Only lists whose every member is a blank node saying nothing but one
``sh:datatype`` among xsd:decimal, xsd:integer and xsd:double are taken; everything else stays
with pySHACL. The shipped shapes are unchanged (a standard engine given them reports the same
pairs, tests/test_audit_datatype_or.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import XSD
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.rules.engine import shacl_rule_name, shape_value_nodes
from pcfgraph.rules.model import Finding
from pcfgraph.rules.terms import node_text, term_type, value_text

_SH = iris.SH
_NUMERIC = (XSD.decimal, XSD.integer, XSD.double)


@dataclass(frozen=True)
class DatatypeOr:
    """One shape's ``sh:or`` of datatypes (``node`` the list)."""

    shape: URIRef
    node: Node
    datatypes: tuple[URIRef, ...]


def datatype_ors(shapes: Graph) -> list[DatatypeOr]:
    """The ``sh:or`` lists of ``shapes`` this module evaluates (see the module docstring): on
    property shapes named by an IRI with an IRI path."""
    out = []
    for shape, node in shapes.subject_objects(_SH["or"]):
        if not isinstance(shape, URIRef) or not isinstance(shapes.value(shape, _SH.path), URIRef):
            continue
        datatypes = []
        for member in Collection(shapes, node):
            said = list(shapes.predicate_objects(member))
            if not isinstance(member, BNode) or len(said) != 1 or said[0][0] != _SH.datatype:
                break
            if said[0][1] not in _NUMERIC or sum(1 for _ in shapes.subjects(None, member)) != 1:
                break  # another datatype, or a member shape used elsewhere too
            datatypes.append(URIRef(str(said[0][1])))
        else:
            if datatypes and sum(1 for _ in shapes.subjects(_SH["or"], node)) == 1:
                out.append(DatatypeOr(shape, node, tuple(datatypes)))
    return out


def take_out(shapes: Graph, ors: list[DatatypeOr]) -> None:
    """Remove the ``sh:or`` statements (the lists stay, unreferenced) from a shapes graph of
    this validation's own."""
    for o in ors:
        shapes.remove((o.shape, _SH["or"], o.node))


def matches(value: Node, datatype: URIRef) -> bool:
    """pySHACL's ``sh:datatype`` test for the numeric datatypes."""
    if not isinstance(value, Literal) or value.datatype != datatype:
        return False
    if getattr(value, "ill_typed", None) is True:
        return False
    if datatype == XSD.decimal:
        return isinstance(value.value, Decimal)
    if datatype == XSD.integer:
        return isinstance(value.value, int)
    return True  # pySHACL assumes a pass for the other datatypes


def evaluate(data: Graph, shapes: Graph, ors: list[DatatypeOr]) -> list[Finding]:
    """The results pySHACL would give for ``ors`` on ``data`` (``shapes``: the shapes graph
    pySHACL got, so that switched-off shapes stay off)."""
    active = [o for o in ors if (o.shape, _SH.deactivated, Literal(True)) not in shapes]
    if not active:
        return []
    out = []
    for o, values_of in zip(
        active, shape_value_nodes(data, shapes, [o.shape for o in active]), strict=True
    ):
        if not values_of:
            continue
        severity = shapes.value(o.shape, _SH.severity) or _SH.Violation
        messages = [m for m in shapes.objects(o.shape, _SH.message) if isinstance(m, Literal)]
        english = [m for m in messages if m.language in (None, "en")]
        message = str((english or messages)[0]) if messages else "(no message)"
        path = str(shapes.value(o.shape, _SH.path))
        component = str(_SH.OrConstraintComponent)
        for f, values in values_of.items():
            for v in values:
                if any(matches(v, d) for d in o.datatypes):
                    continue
                out.append(
                    Finding(
                        focus_node=node_text(f) or "",
                        severity=(value_text(severity) or "").rsplit("#", 1)[-1],
                        message=message,
                        rule=shacl_rule_name(o.shape, _SH.OrConstraintComponent),
                        source_shape=str(o.shape),
                        path=path,
                        value=value_text(v),
                        value_type=term_type(v),
                        value_node=node_text(v),
                        kind="shacl",
                        component=component,
                    )
                )
    return out
