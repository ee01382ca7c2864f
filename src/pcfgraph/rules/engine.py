"""Running rules: core SHACL by pySHACL on an rdflib data graph, SPARQL checks by pyoxigraph
on a store; every result becomes a :class:`~pcfgraph.rules.model.Finding`.

pySHACL runs in one safe configuration only (:func:`shacl_report_graph`): no inference, no
owl:imports, no SHACL-JS, nothing fetched. Nothing in the data is ever executed: shapes or
SPARQL inside it are just data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.errors import ParseError
from pcfgraph.rules.model import Check, Finding, Rule
from pcfgraph.rules.terms import node_text, path_text, term_type, value_text
from pcfgraph.store import EmbeddedStore

_SH = iris.SH


def load_shacl_engine() -> None:
    """Import pySHACL now (a second or so), so that the first validation does not pay for it."""
    import pyshacl  # noqa: F401


def shacl_report_graph(data: Graph, shapes: Graph) -> Graph:
    """pySHACL with the project's one safe configuration: no inference, no owl:imports, no JS,
    nothing fetched; ``data`` may be changed in place (callers pass a graph of their own)."""
    from pyshacl import validate

    _conforms, results, _text_report = validate(
        data,
        shacl_graph=shapes,
        ont_graph=None,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        allow_infos=True,
        advanced=False,
        meta_shacl=False,
        do_owl_imports=False,
        js=False,
        inplace=True,
    )
    assert isinstance(results, Graph)
    return results


def shape_value_nodes(
    data: Graph, shapes: Graph, shape_iris: Sequence[URIRef]
) -> list[dict[Node, set[Node]]]:
    """For each of ``shape_iris`` (property shapes of ``shapes``), its focus nodes on ``data``
    and each one's value nodes, as pySHACL finds them (its targets, including subclasses, and
    its path evaluation)."""
    from pyshacl.shapes_graph import ShapesGraph

    found: Any = ShapesGraph(shapes).shapes_from_uris(list(shape_iris))  # pySHACL is untyped
    out = []
    for shape in found:
        focus = shape.focus_nodes(data)
        out.append({f: set(v) for f, v in shape.value_nodes(data, focus).items()} if focus else {})
    return out


def shacl_rule_name(shape: Node | None, component: Node | None) -> str:
    """``shapes/<ShapeName>`` for one of the project's shapes; for an unnamed shape, the
    constraint component's local name."""
    text = value_text(shape) or ""
    if text.startswith(iris.SHAPES_BASE):
        return "shapes/" + text[len(iris.SHAPES_BASE) :]
    comp = value_text(component) or "unknown"
    return "shapes/" + comp.rsplit("#", 1)[-1]


#: How a value of a datatype users write by hand is written, for a datatype result's message.
_WRITTEN = {
    "http://www.w3.org/2001/XMLSchema#date": '"YYYY-MM-DD"^^xsd:date',
    "http://www.w3.org/2001/XMLSchema#dateTime": '"YYYY-MM-DDThh:mm:ss"^^xsd:dateTime',
}


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiox" else "a ") + word


def datatype_message(value: Node, datatype: Node | None, path: str | None) -> str | None:
    """What is wrong with a value of the wrong datatype (``sh:datatype``): an ill-typed
    literal of the datatype (``"2024-13-45"^^xsd:date``), a literal of another datatype (a
    plain string where a date is expected) or a node that is no literal; None when the
    shape's datatype is not known."""
    if not isinstance(datatype, URIRef):
        return None
    expected = _a(iris.curie(str(datatype)))
    of = f" of {iris.curie(path)}" if path else ""
    if not isinstance(value, Literal):
        what = "an IRI" if isinstance(value, URIRef) else "a blank node"
        return f"The value{of} is {what}, not {expected} literal."
    shown = f'"{value}"'
    written = _WRITTEN.get(str(datatype))
    how = f" (written {written})" if written else ""
    if value.datatype == datatype:
        return f"The value{of} {shown} is not a valid {expected[expected.index(' ') + 1 :]}{how}."
    given = "a language-tagged string" if value.language else None
    given = given or _a(iris.curie(str(value.datatype or XSD.string)))
    return f"The value{of} {shown} is {given}, not {expected}{how}."


def datatype_hint(datatype: Node | None, path: str | None) -> str | None:
    """How to fix a value of the wrong datatype (``sh:datatype``): the hint of a datatype
    result, whatever the shape's ``orgm:remediationHint`` says about its other constraints;
    None when the shape's datatype is not known."""
    if not isinstance(datatype, URIRef):
        return None
    curie = iris.curie(str(datatype))
    what = iris.curie(path) if path else "the value"
    written = _WRITTEN.get(str(datatype))
    if written:
        return f"Write {what} as {written} (a valid {curie})."
    return f"Write {what} as {_a(curie)} literal."


def shacl_findings(
    data: Graph, shapes: Graph, rules: Mapping[str, Rule] | None = None
) -> list[Finding]:
    """Validate ``data`` against ``shapes``: the report's own results (nested ``sh:detail``
    results of ``sh:node`` are not findings). ``rules`` supplies the message of a result
    without one."""
    graph = shacl_report_graph(data, shapes)
    rules = rules or {}
    out: list[Finding] = []
    reports = list(graph.subjects(RDF.type, _SH.ValidationReport))
    for result in (r for report in reports for r in graph.objects(report, _SH.result)):
        shape = graph.value(result, _SH.sourceShape)
        shape_iri = value_text(shape) or ""
        rule = rules.get(shape_iri)
        severity = value_text(graph.value(result, _SH.resultSeverity)) or str(_SH.Violation)
        value = graph.value(result, _SH.value)
        component = graph.value(result, _SH.sourceConstraintComponent)
        path = path_text(graph, graph.value(result, _SH.resultPath))
        messages = [m for m in graph.objects(result, _SH.resultMessage) if isinstance(m, Literal)]
        en = [m for m in messages if m.language in (None, "en")]
        message = str((en or messages)[0]) if messages else None
        if component == _SH.DatatypeConstraintComponent and value is not None:
            # the shape's message is about its other constraints too ("at most one end date")
            message = datatype_message(value, shapes.value(shape, _SH.datatype), path) or message
        out.append(
            Finding(
                focus_node=node_text(graph.value(result, _SH.focusNode)) or "",
                severity=severity.rsplit("#", 1)[-1],
                message=message or (rule.message if rule else "(no message)"),
                rule=shacl_rule_name(shape, component),
                source_shape=shape_iri,
                path=path,
                value=value_text(value),
                value_type=term_type(value),
                value_node=node_text(value),
                kind="shacl",
                component=value_text(component),
            )
        )
    return out


def check_findings(
    store: EmbeddedStore,
    check: Check,
    params: Mapping[str, ox.Literal] | None = None,
    *,
    require_message: bool = False,
) -> list[Finding]:
    """The check's rows as findings. A check that evaluates a shape (``# shape:``) reports as
    that shape: its message and path, and the constraint component the query selects.

    ``params``: parameters the run offers (an audit's ``asOf``, profile parameters); each
    check gets those it declares (``# param:``). The focus node is ``?focus`` or, in checks
    written to run as SHACL-SPARQL constraints too, ``?this``."""
    declared = {p.name for p in check.query.params}
    result = store.select(check.query, {k: v for k, v in (params or {}).items() if k in declared})
    if not {"focus", "this"} & set(result.variables) or (
        require_message and "message" not in result.variables
    ):
        needs = "?focus and ?message" if require_message else "?focus (or ?this)"
        raise ParseError(f"a check must select {needs}", source=str(check.query.path))
    rule = check.rule
    shape = check.shape is not None
    out = []
    for row in result.rows:
        value = row.get("value")
        focus = row.get("focus") or row.get("this")
        out.append(
            Finding(
                focus_node=node_text(focus) or "",
                severity=rule.severity,
                message=(None if shape else value_text(row.get("message"))) or rule.message,
                rule=check.query.name,
                source_shape=rule.iri,
                path=check.path or value_text(row.get("path")),
                value=value_text(value),
                value_type=term_type(value),
                value_node=node_text(value),
                kind="shacl" if shape else "check",
                component=value_text(row.get("component")) if shape else None,
                source=None if shape else value_text(row.get("source")),
            )
        )
    return out
