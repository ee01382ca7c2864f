"""The HTML pages of the rules (``GET /shapes`` and ``GET /shapes/{rule}``): server-rendered,
escaped, no JavaScript, inline CSS (the pages of :mod:`pcfgraph.api.element_html`)."""

from __future__ import annotations

from html import escape

from pcfgraph import iris
from pcfgraph.api.element_html import page_head
from pcfgraph.services.rules import RuleCatalogue, RuleEntry, ShapesResource

_SEVERITY_CSS = (
    "<style>.sev{font-weight:600;padding:0 .3rem;border-radius:.2rem}"
    ".Violation{background:#fde2e1}.Warning{background:#fff1c2}.Info{background:#e3f0ff}"
    "pre{background:#f6f6f6;padding:.6rem;overflow-x:auto;font-size:.85rem}</style>"
)


def _link(iri: str) -> str:
    """``iri`` linked to its page here when it has one, else shown as it is."""
    path = iris.page_path(iri)
    if path is None:
        return f"<code>{escape(iri)}</code>"
    return f'<a href="{escape(path, quote=True)}"><code>{escape(iri)}</code></a>'


def _section(group: str | None, label: str) -> str:
    """A report section's label, linked to its page."""
    path = iris.page_path(group) if group else None
    if path is None:
        return escape(label)
    return f'<a href="{escape(path, quote=True)}">{escape(label)}</a>'


def _severity(severity: str) -> str:
    return f'<span class="sev {escape(severity, quote=True)}">{escape(severity)}</span>'


def rule_html(entry: RuleEntry, turtle: str) -> str:
    """A rule's page: what ``pcfgraph audit --explain`` prints, and the shape as Turtle."""
    rule = entry.rule
    path = iris.page_path(rule.iri) or ""
    rows = [("Requires", escape(rule.message))]
    if rule.comment and rule.comment != rule.message:
        rows.append(("Why", escape(rule.comment)))
    rows.append(("Severity", _severity(rule.severity)))
    if rule.rationale:
        rows.append(("Why this severity", escape(rule.rationale)))
    rows.append(("Checks", escape(entry.checks)))
    if entry.section:
        rows.append(("Report section", _section(rule.group, entry.section)))
    if rule.source:
        rows.append(("Source", _link(rule.source)))
    if rule.passage:
        rows.append(("Passage", f"<q>{escape(rule.passage)}</q>"))
    if rule.hint:
        rows.append(("To fix", escape(rule.hint)))
    for component, hint in rule.component_hints:
        kind = component.rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
        rows.append((f"To fix a {kind} result", escape(hint)))
    parts = [
        *page_head(
            rule.name,
            _SEVERITY_CSS,
            f'<link rel="alternate" type="text/turtle" href="{escape(path, quote=True)}'
            '?format=ttl">',
        ),
        f"<h1>{escape(rule.name)} {_severity(rule.severity)}</h1>",
        f'<p class="iri">{escape(rule.iri)}</p>',
        "<table>",
        *(f'<tr><th scope="row">{escape(k)}</th><td>{v}</td></tr>' for k, v in rows),
        "</table>",
    ]
    if entry.example:
        parts += [
            "<h2>A minimal model that breaks it (Turtle)</h2>",
            f"<pre>{escape(entry.example)}</pre>",
            "<p>Audit it: <code>pcfgraph audit example.ttl</code>, or <code>pcfgraph audit "
            f"--explain {escape(rule.name)}</code> for this page's text.</p>",
        ]
    parts += [
        "<h2>The rule as shipped (SHACL, Turtle)</h2>",
        f"<pre>{escape(turtle)}</pre>",
        '<p class="alt">Also as <a href="?format=jsonld">JSON-LD</a>, '
        '<a href="?format=nt">N-Triples</a>, <a href="?format=rdfxml">RDF/XML</a>; '
        '<a href="/shapes">every rule</a>.</p>',
        "</main></body></html>",
    ]
    return "\n".join(parts)


def rules_html(catalogue: RuleCatalogue) -> str:
    """The index of every rule: by what it checks and report section, each with its severity
    and what it requires."""
    parts = [
        *page_head(
            "Rules",
            _SEVERITY_CSS,
            '<link rel="alternate" type="application/json" href="/shapes?format=json">',
            '<link rel="alternate" type="text/turtle" href="/shapes?format=ttl">',
        ),
        "<h1>Rules</h1>",
        f"<p>The {len(catalogue)} rules pcfgraph checks, each at its IRI: what it requires, why, "
        "the framework passage it comes from and how to fix a finding. Also as "
        '<a href="/shapes?format=json">JSON</a> and SHACL (<a href="/shapes?format=ttl">'
        "Turtle</a>).</p>",
    ]
    heading = None
    for entry in catalogue:
        if entry.checks != heading:
            if heading is not None:
                parts.append("</tbody></table>")
            heading = entry.checks
            parts.append(f"<h2>Rules on {escape(entry.checks)}</h2>")
            parts.append(
                '<table><thead><tr><th scope="col">Rule</th><th scope="col">Severity</th>'
                '<th scope="col">Requires</th><th scope="col">Report section</th></tr>'
                "</thead><tbody>"
            )
        rule = entry.rule
        path = iris.page_path(rule.iri) or ""
        parts.append(
            f'<tr><td><a href="{escape(path, quote=True)}">{escape(rule.name)}</a></td>'
            f"<td>{_severity(rule.severity)}</td><td>{escape(rule.message)}</td>"
            f"<td>{_section(rule.group, entry.section) if entry.section else ''}</td></tr>"
        )
    if heading is not None:
        parts.append("</tbody></table>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


def resource_html(resource: ShapesResource, turtle: str) -> str:
    """The page of a report section (its rules) or another resource the shapes name."""
    path = iris.page_path(resource.iri) or ""
    parts = [
        *page_head(
            resource.label,
            _SEVERITY_CSS,
            f'<link rel="alternate" type="text/turtle" href="{escape(path, quote=True)}'
            '?format=ttl">',
        ),
        f"<h1>{escape(resource.label)}</h1>",
        f'<p class="iri">{escape(resource.iri)}</p>',
    ]
    if resource.rules:
        parts += [
            f"<p>The {len(resource.rules)} rules of this report section.</p>",
            '<table><thead><tr><th scope="col">Rule</th><th scope="col">Severity</th>'
            '<th scope="col">Requires</th></tr></thead><tbody>',
            *(
                f'<tr><td><a href="{escape(iris.page_path(e.rule.iri) or "", quote=True)}">'
                f"{escape(e.rule.name)}</a></td><td>{_severity(e.rule.severity)}</td>"
                f"<td>{escape(e.rule.message)}</td></tr>"
                for e in resource.rules
            ),
            "</tbody></table>",
        ]
    parts += [
        "<h2>As shipped (Turtle)</h2>",
        f"<pre>{escape(turtle)}</pre>",
        '<p class="alt"><a href="/shapes">Every rule</a>.</p>',
        "</main></body></html>",
    ]
    return "\n".join(parts)
