"""The HTML page of a dereferenced IRI (``GET /id/...`` with ``Accept: text/html``).

One function, :func:`render_resource_html`, server-rendered from the triples of the
``api/describe-resource`` named query: no JavaScript, no external assets (inline CSS only),
links between pages for every minted IRI. A web UI draws the pages of framework elements by
setting ``AppState.pages`` (:class:`pcfgraph.runtime.Pages`, wired by the composition root).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from html import escape
from typing import Any

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.runtime import AppState

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = str(iris.SKOS)
PCFG = str(iris.PCFG)
SSSOM = str(iris.SSSOM)

_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.45}
h1{margin-bottom:.2rem}.iri{color:#555;font-family:monospace;font-size:.9rem;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #ddd}
th{width:14rem;color:#444;font-weight:600}code{background:#f3f3f3;padding:0 .2rem}
.alt{font-size:.9rem}nav a{margin-right:1rem}
"""


def _curie(iri: str) -> str:
    for prefix, ns in sorted(iris.PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _literal_text(term: ox.Literal) -> str:
    text = escape(term.value)
    if term.language:
        return f'{text} <span class="alt">@{escape(term.language)}</span>'
    return text


class _Index:
    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.out: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = (
            defaultdict(lambda: defaultdict(list))
        )
        self.inc: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            s = str(t.subject.value) if isinstance(t.subject, ox.NamedNode | ox.BlankNode) else ""
            obj = t.object
            if isinstance(obj, ox.Triple):
                continue
            if obj not in self.out[s][t.predicate.value]:
                self.out[s][t.predicate.value].append(obj)
            if isinstance(obj, ox.NamedNode):
                self.inc[obj.value][t.predicate.value].append(s)

    def first(self, s: str, p: str) -> str | None:
        values = self.out.get(s, {}).get(p, [])
        english = [v for v in values if isinstance(v, ox.Literal) and v.language == "en"]
        chosen = english or values
        return chosen[0].value if chosen else None

    def label(self, iri: str) -> str:
        return (
            self.first(iri, SKOS + "prefLabel")
            or self.first(iri, RDFS_LABEL)
            or self.first(iri, "http://purl.org/dc/terms/title")
            or _curie(iri)
        )

    def link(self, iri: str, *, code: bool = True) -> str:
        text = escape(self.label(iri))
        notation = self.first(iri, SKOS + "notation") if code else None
        if notation:
            text = f"<code>{escape(notation)}</code> {text}"
        path = iris.page_path(iri)  # pcfgraph's own vocabulary terms: the ontology graph's page
        if path is None:  # not served here (vocabularies, external IRIs): shown, not linked
            return f'<span title="{escape(iri, quote=True)}">{text}</span>'
        return f'<a href="{escape(path, quote=True)}">{text}</a>'

    def value(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
        if isinstance(term, ox.NamedNode):
            return self.link(term.value)
        if isinstance(term, ox.BlankNode):
            return f"<code>_:{escape(term.value)}</code>"
        return _literal_text(term)


def render_resource_html(state: AppState, iri: str, triples: Iterable[ox.Triple]) -> str:
    """A self-contained HTML page describing ``iri`` from its describe-resource triples.

    Framework elements get ``state.pages.element`` (the web workbench's element page:
    breadcrumb, children, measures, mapping diagram) when the app has one; anything else, or
    an app without it, gets ``state.pages.resource`` or else the generic resource view.
    """
    element_page = state.pages.element
    page = element_page(state, iri) if element_page is not None else None
    if page is not None:
        return page
    resource_page = state.pages.resource
    if resource_page is not None:
        return resource_page(state, iri, list(triples))
    return generic_resource_html(iri, triples)


def render_graph_html(state: AppState, iri: str) -> str:
    """The HTML page of a named graph: ``state.pages.graph``, else a plain one."""
    graph_page = state.pages.graph
    if graph_page is not None:
        return graph_page(state, iri)
    return generic_resource_html(iri, [])


def not_found_html(state: AppState, detail: str) -> str:
    """The HTML 404 page of an unknown IRI: ``state.pages.not_found``, else a plain page in
    the generic view's style."""
    registered = state.pages.not_found
    if registered is not None:
        return registered(detail)
    return "\n".join(
        [
            *page_head("Not found"),
            f"<h1>Not found</h1><p>{escape(detail)}</p>",
            "</main></body></html>",
        ]
    )


def mapping_sets_html(sets: list[dict[str, Any]]) -> str:
    """The page of ``GET /mappings``: each mapping set with its SSSOM exports (the route's
    JSON entries: ``name``, ``title``, ``version``, ``iri``, ``exports``, ``derivedExports``)."""
    rows = []
    for s in sets:
        links = " · ".join(
            f'<a href="{escape(href)}">{escape(fmt)}</a>' for fmt, href in s["exports"].items()
        )
        derived = " · ".join(
            f'<a href="{escape(href)}">{escape(fmt)}</a>'
            for fmt, href in s.get("derivedExports", {}).items()
        )
        rows.append(
            f'<tr><td><a href="{escape(s["page"])}">{escape(s["title"])}</a><br>'
            f"<code>{escape(s['name'])}</code>"
            + (f" version {escape(s['version'])}" if s.get("version") else "")
            + f"</td><td>{links}</td>"
            f"<td>{derived or '–'}</td></tr>"
        )
    return "\n".join(
        [
            *page_head(
                "Mapping sets", '<link rel="alternate" type="application/json" href="/mappings">'
            ),
            "<h1>Mapping sets</h1>",
            "<p>Each set as SSSOM (TSV, JSON, RDF Turtle); with derived rows: also the "
            "mappings pcfgraph derives between the set's frameworks.</p>",
            '<table><thead><tr><th scope="col">Set</th><th scope="col">SSSOM</th>'
            '<th scope="col">With derived rows</th></tr></thead><tbody>',
            *rows,
            "</tbody></table></main></body></html>",
        ]
    )


def page_head(title: str, *extra: str) -> list[str]:
    """Document start up to the navigation, shared by the pages of this module."""
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)} - pcfgraph</title><style>{_CSS}</style>",
        *extra,
        "</head><body>",
        '<nav aria-label="Main"><a href="/">pcfgraph</a><a href="/sparql">SPARQL</a>'
        '<a href="/queries">queries</a></nav>',
        '<main id="main">',  # the landmark a screen reader jumps to; PAGE ends close it
    ]


def generic_resource_html(iri: str, triples: Iterable[ox.Triple]) -> str:
    """Every statement about ``iri`` as a plain page (mapping records, measures, schemes...)."""
    ix = _Index(triples)
    own = ix.out.get(iri, {})
    title = ix.label(iri)
    rows: list[tuple[str, str]] = []

    def add(label: str, predicate: str) -> None:
        values = own.get(predicate, [])
        if values:
            rows.append((label, "<br>".join(ix.value(v) for v in values)))

    add("Code", SKOS + "notation")
    add("Definition", SKOS + "definition")
    add("Type", RDF_TYPE)
    add("Framework", SKOS + "inScheme")
    add("Parent", SKOS + "broader")
    add("Level", PCFG + "level")

    children = sorted(
        ix.inc.get(iri, {}).get(SKOS + "broader", []),
        key=lambda c: (ix.first(c, SKOS + "notation") or "", ix.label(c)),
    )
    records = sorted(
        {
            r
            for p in (OWL + "annotatedSource", OWL + "annotatedTarget")
            for r in ix.inc.get(iri, {}).get(p, [])
        }
    )
    measures = sorted(ix.inc.get(iri, {}).get(PCFG + "measureOf", []), key=ix.label)

    shown = {
        SKOS + "notation",
        SKOS + "definition",
        SKOS + "prefLabel",
        RDF_TYPE,
        SKOS + "inScheme",
        SKOS + "broader",
        SKOS + "narrower",
        PCFG + "level",
    }
    other_rows = [
        (_curie(p), "<br>".join(ix.value(v) for v in values))
        for p, values in sorted(own.items())
        if p not in shown
    ]

    parts = [
        *page_head(
            title,
            f'<link rel="alternate" type="text/turtle" href="{escape(iris.id_path(iri) or "")}">',
        ),
        f"<h1>{escape(title)}</h1>",
        f'<p class="iri">{escape(iri)}</p>',
    ]
    if rows:
        parts.append("<table>")
        parts += [f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows]
        parts.append("</table>")
    if children:
        parts.append(f"<h2>Children ({len(children)})</h2><ul>")
        parts += [f"<li>{ix.link(c)}</li>" for c in children]
        parts.append("</ul>")
    if records:
        parts.append(f"<h2>Mappings ({len(records)})</h2><table>")
        parts.append(
            "<tr><th>Relation</th><th>Other end</th><th>Justification</th><th>Confidence</th>"
            "<th>Comment</th></tr>"
        )
        for r in records:
            source = ix.first(r, OWL + "annotatedSource")
            target = ix.first(r, OWL + "annotatedTarget")
            other = target if source == iri else source
            relation = ix.first(r, OWL + "annotatedProperty") or ""
            direction = "" if source == iri else " (inverse)"
            justification = ix.first(r, SSSOM + "mapping_justification")
            parts.append(
                "<tr>"
                f"<td>{escape(_curie(relation))}{direction}</td>"
                f"<td>{ix.link(other) if other else ''}</td>"
                f"<td>{escape(_curie(justification)) if justification else ''}</td>"
                f"<td>{escape(ix.first(r, SSSOM + 'confidence') or '')}</td>"
                f"<td>{escape(ix.first(r, RDFS_COMMENT) or '')} "
                f'<a class="alt" href="{escape(iris.id_path(r) or r, quote=True)}">record</a></td>'
                "</tr>"
            )
        parts.append("</table>")
    if measures:
        parts.append(f"<h2>Measures ({len(measures)})</h2><ul>")
        parts += [f"<li>{ix.link(m, code=False)}</li>" for m in measures]
        parts.append("</ul>")
    if other_rows:
        parts.append("<h2>All statements</h2><table>")
        parts += [f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in other_rows]
        parts.append("</table>")
    path = escape(iris.id_path(iri) or "", quote=True)
    parts.append(
        f'<p class="alt">This page as data: <a href="{path}?format=ttl">Turtle</a> · '
        f'<a href="{path}?format=jsonld">JSON-LD</a> · <a href="{path}?format=nt">N-Triples</a>'
        "</p></main></body></html>"
    )
    return "\n".join(parts)
