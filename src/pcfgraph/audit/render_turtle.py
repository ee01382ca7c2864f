"""The audit report as a standard SHACL validation report (``sh:ValidationReport``) in Turtle.

Written as text, result by result: building an rdflib graph and serialising it took about
7x the JSON time on large reports (issue 14 item 9). :func:`report_graph` builds the same
statements as an rdflib graph (tests compare the two by isomorphism).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from pcfgraph import iris
from pcfgraph.audit.nodetext import is_literal_text, literal_text, node_of

if TYPE_CHECKING:
    from pcfgraph.audit.report import AuditReport, AuditResult

_SH = iris.SH
_PREFIXES = (
    f"@prefix sh: <{_SH}> .\n"
    f"@prefix orgm: <{iris.ORGM}> .\n"
    f"@prefix dcterms: <{iris.DCTERMS}> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n"
)


def report_turtle(report: AuditReport) -> str:
    out = [_PREFIXES, "[] a sh:ValidationReport ;\n"]
    out.append(f"    sh:conforms {'true' if report.conforms else 'false'} ;\n")
    out.append(f"    orgm:maxFindings {report.max_findings} ;\n")
    out.append(f"    orgm:truncated {'true' if report.truncated else 'false'} ;\n")
    out.append(f"    orgm:profile {literal_text(report.profile)} ;\n")
    if report.as_of:
        out.append(f'    orgm:asOf "{report.as_of}"^^xsd:date ;\n')
    if report.as_of_source:
        out.append(f"    orgm:asOfSource {literal_text(report.as_of_source)} ;\n")
    out.extend(f"    {p} {o} ;\n" for p, o in _provenance(report))
    shown = report.shown()
    if not shown:
        out[-1] = out[-1][:-2] + ".\n"
        return "".join(out)
    out.append("    sh:result\n")
    for i, r in enumerate(shown):
        out.append(_result(r))
        out.append(" ,\n" if i < len(shown) - 1 else " .\n")
    return "".join(out)


def _provenance(report: AuditReport) -> list[tuple[str, str]]:
    """What the report was made from and with, as (predicate, object) Turtle: each model file
    (name, size, sha256) and what the model was checked against (release, rules, pcfgraph)."""
    out = [
        (
            "orgm:modelFile",
            f"[ rdfs:label {literal_text(str(f['name']))} ; orgm:byteSize {int(f['bytes'])} ; "
            f"orgm:sha256 {literal_text(str(f['sha256']))} ]",
        )
        for f in report.files
    ]
    against = report.checked_against
    for key, predicate in _AGAINST:
        if against.get(key):
            out.append((predicate, literal_text(str(against[key]))))
    for fields in _frameworks(report):
        described = " ; ".join(f"{p} {literal_text(v, language=lang)}" for p, v, lang in fields)
        out.append(("dcterms:references", f"[ {described} ]"))
    return out


def _frameworks(report: AuditReport) -> list[list[tuple[str, str, str | None]]]:
    """Each framework edition checked against (JSON ``checkedAgainst.frameworks``) as
    (predicate, text, language): its id, title, version and the notice its content is quoted
    under. The findings quote framework names and cite framework elements (``dcterms:source``),
    and this was the one report format that carried no notice for them."""
    out = []
    for f in report.checked_against.get("frameworks", []):
        fields = [
            (predicate, str(f[key]), lang)
            for key, predicate, lang in _FRAMEWORK_FIELDS
            if f.get(key) not in (None, "")
        ]
        if fields:
            out.append(fields)
    return out


#: checkedAgainst.frameworks keys and the report's predicates (and languages) for them.
_FRAMEWORK_FIELDS: tuple[tuple[str, str, str | None], ...] = (
    ("id", "dcterms:identifier", None),
    ("title", "dcterms:title", None),
    ("version", "owl:versionInfo", None),
    ("rights", "dcterms:rights", "en"),
)


#: checkedAgainst keys and the report's predicates for them.
_AGAINST = (
    ("release", "orgm:release"),
    ("rules", "orgm:rulesSha256"),
    ("pcfgraph", "orgm:pcfgraphVersion"),
)


def _term(text: str) -> str:
    if is_literal_text(text) or text.startswith("_:"):
        return _bnode(text) if text.startswith("_:") else text
    return f"<{text}>"


_BNODE_OK = re.compile(r"[^A-Za-z0-9_]")


def _bnode(text: str) -> str:
    return "_:b" + _BNODE_OK.sub("_", text[2:])


def _path(path: str) -> str:
    steps = _split_path(path)
    if len(steps) > 1:
        return "( " + " ".join(_path(s) for s in steps) + " )"
    if path.startswith("^"):
        return f"[ sh:inversePath {_path(path[1:])} ]"
    return f"<{path}>"


def _value(r: AuditResult) -> str | None:
    if r.value_node is not None:
        return _term(r.value_node)
    if r.value is None:
        return None
    return f"<{r.value}>" if r.value_is_iri else literal_text(r.value)


def _result(r: AuditResult) -> str:
    lines = [
        "a sh:ValidationResult",
        f"sh:focusNode {_term(r.focus_node)}",
        f"sh:resultSeverity sh:{r.severity}",
        f"sh:resultMessage {literal_text(r.message, language='en')}",
        f"sh:sourceShape <{r.shape}>",
        f"sh:sourceConstraintComponent <{r.component or _SH.SPARQLConstraintComponent}>",
    ]
    if r.path:
        lines.append(f"sh:resultPath {_path(r.path)}")
    value = _value(r)
    if value is not None:
        lines.append(f"sh:value {value}")
    if r.source:
        lines.append(f"dcterms:source <{r.source}>")
    if r.hint:
        lines.append(f"orgm:remediationHint {literal_text(r.hint, language='en')}")
    if r.focus_label:
        lines.append(f"orgm:focusLabel {literal_text(r.focus_label)}")
    if r.status:
        lines.append(f"orgm:baselineStatus {literal_text(r.status)}")
    if r.where:
        lines.append(f"orgm:location {literal_text(r.where)}")
    lines.append(f"orgm:ruleOrigin {literal_text(r.rule_origin)}")
    return "        [ " + " ;\n          ".join(lines) + " ]"


def report_graph(report: AuditReport) -> Graph:
    """The same report as an rdflib graph."""
    sh = _SH
    g = Graph()
    node = BNode()
    g.add((node, RDF.type, sh.ValidationReport))
    g.add((node, sh.conforms, Literal(report.conforms)))
    g.add((node, iris.ORGM.maxFindings, Literal(report.max_findings)))
    g.add((node, iris.ORGM.truncated, Literal(report.truncated)))
    g.add((node, iris.ORGM.profile, Literal(report.profile)))
    if report.as_of:
        g.add((node, iris.ORGM.asOf, Literal(report.as_of, datatype=XSD.date)))
    if report.as_of_source:
        g.add((node, iris.ORGM.asOfSource, Literal(report.as_of_source)))
    for f in report.files:
        file = BNode()
        g.add((node, iris.ORGM.modelFile, file))
        g.add((file, RDFS.label, Literal(str(f["name"]))))
        g.add((file, iris.ORGM.byteSize, Literal(int(f["bytes"]))))
        g.add((file, iris.ORGM.sha256, Literal(str(f["sha256"]))))
    for key, predicate in _AGAINST:
        if report.checked_against.get(key):
            term = iris.ORGM[predicate.removeprefix("orgm:")]
            g.add((node, term, Literal(str(report.checked_against[key]))))
    for fields in _frameworks(report):
        framework = BNode()
        g.add((node, iris.DCTERMS.references, framework))
        for predicate, text, lang in fields:
            prefix, name = predicate.split(":")
            term = iris.DCTERMS[name] if prefix == "dcterms" else OWL[name]
            g.add((framework, term, Literal(text, lang=lang)))
    bnodes: dict[str, BNode] = {}
    for r in report.shown():
        res = BNode()
        g.add((node, sh.result, res))
        g.add((res, RDF.type, sh.ValidationResult))
        g.add((res, sh.focusNode, node_of(r.focus_node, bnodes)))
        if r.path:
            g.add((res, sh.resultPath, _path_node(g, r.path)))
        if r.value_node is not None:
            g.add((res, sh.value, node_of(r.value_node, bnodes)))
        elif r.value is not None:
            g.add((res, sh.value, URIRef(r.value) if r.value_is_iri else Literal(r.value)))
        g.add((res, sh.resultSeverity, sh[r.severity]))
        g.add((res, sh.resultMessage, Literal(r.message, lang="en")))
        g.add((res, sh.sourceShape, URIRef(r.shape)))
        g.add(
            (
                res,
                sh.sourceConstraintComponent,
                URIRef(r.component) if r.component else sh.SPARQLConstraintComponent,
            )
        )
        if r.source:
            g.add((res, iris.DCTERMS.source, URIRef(r.source)))
        if r.hint:
            g.add((res, iris.ORGM.remediationHint, Literal(r.hint, lang="en")))
        if r.focus_label:
            g.add((res, iris.ORGM.focusLabel, Literal(r.focus_label)))
        if r.status:
            g.add((res, iris.ORGM.baselineStatus, Literal(r.status)))
        if r.where:
            g.add((res, iris.ORGM.location, Literal(r.where)))
        g.add((res, iris.ORGM.ruleOrigin, Literal(r.rule_origin)))
    return g


def _path_node(g: Graph, path: str) -> URIRef | BNode:
    """A SHACL property path from its text form (``p``, ``^p``, ``p1/p2``)."""
    steps = _split_path(path)
    if len(steps) > 1:
        head = BNode()
        Collection(g, head, [_path_node(g, step) for step in steps])
        return head
    if path.startswith("^"):
        inv = BNode()
        g.add((inv, _SH.inversePath, _path_node(g, path[1:])))
        return inv
    return URIRef(path)


def _split_path(path: str) -> list[str]:
    """Split ``p1/p2`` on the separator between IRIs (IRIs themselves contain slashes)."""
    return re.split(r"/(?=\^?https?://)", path)
