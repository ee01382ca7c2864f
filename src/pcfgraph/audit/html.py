"""The audit report as one self-contained, printable HTML file.

Summary first (verdict, counts by severity and by rule), then the findings grouped by
organisational unit and focus node under their business labels, then coverage and maturity.
Inline CSS only: no scripts, no external stylesheets, fonts or images, and no links to remote
addresses (IRIs appear as text), so the file can be mailed, archived and printed as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape

from pcfgraph import iris
from pcfgraph.audit.report import AuditReport, AuditResult, is_literal_text, literal_of

ORGANISATION_WIDE = "Organisation-wide"

_CSS = """
:root { --v: #b3261e; --w: #8a5a00; --i: #1d5fa8; --ok: #1e6b34; --line: #d0d4da; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #1b1f24; margin: 2rem auto; max-width: 62rem; padding: 0 1.2rem; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem;
     margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
h4 { font-size: .98rem; margin: 1rem 0 .3rem; }
.meta { color: #57606a; margin: 0 0 1rem; }
.verdict { display: inline-block; padding: .35rem .8rem; border-radius: .3rem; color: #fff;
           font-weight: 600; }
.verdict.ok { background: var(--ok); } .verdict.fail { background: var(--v); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f3f5f7; }
td.n { text-align: right; font-variant-numeric: tabular-nums; width: 6rem; }
.sev { font-weight: 600; white-space: nowrap; }
.sev.Violation { color: var(--v); } .sev.Warning { color: var(--w); } .sev.Info { color: var(--i); }
.finding { border-left: 4px solid var(--line); padding: .3rem .7rem; margin: .4rem 0;
           page-break-inside: avoid; }
.finding.Violation { border-color: var(--v); } .finding.Warning { border-color: var(--w); }
.finding.Info { border-color: var(--i); }
.finding p { margin: .15rem 0; }
.small, code { font-size: .85em; color: #57606a; word-break: break-all; }
.bar { background: #eceff2; height: .7rem; border-radius: .35rem; overflow: hidden;
       width: 16rem; display: inline-block; vertical-align: middle; }
.bar span { display: block; height: 100%; background: var(--ok); }
.unit { page-break-inside: auto; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { page-break-after: avoid; } h3, h4 { page-break-after: avoid; }
}
"""


def _sev(severity: str) -> str:
    return f'<span class="sev {escape(severity)}">{escape(severity)}</span>'


def _curie(iri: str | None) -> str:
    if not iri:
        return ""
    inverse = iri.startswith("^")
    text = iri[1:] if inverse else iri
    for prefix, ns in iris.PREFIXES.items():
        if text.startswith(ns):
            text = f"{prefix}:{text[len(ns) :]}"
            break
    else:
        if "://" in text:
            text = text.rsplit("#", 1)[-1] if "#" in text else text
    return ("^" if inverse else "") + text


def _value(r: AuditResult) -> str:
    if r.value is None:
        return ""
    return escape(_curie(r.value) if r.value_is_iri else r.value)


def _finding(r: AuditResult) -> str:
    rows = [
        f'<div class="finding {escape(r.severity)}">',
        f"<p>{_sev(r.severity)} <strong>{escape(r.rule)}</strong>: {escape(r.message)}</p>",
    ]
    details = []
    if r.where:
        details.append(f"in <code>{escape(r.where)}</code>")
    if r.path:
        details.append(f"property <code>{escape(_curie(r.path))}</code>")
    if r.value is not None:
        details.append(f"value <code>{_value(r)}</code>")
    if details:
        rows.append(f'<p class="small">{"; ".join(details)}</p>')
    if r.hint:
        rows.append(f"<p><em>How to fix:</em> {escape(r.hint)}</p>")
    if r.source:
        rows.append(f'<p class="small">Source: <code>{escape(r.source)}</code></p>')
    rows.append("</div>")
    return "\n".join(rows)


def _ident(node: str) -> str:
    """What follows a focus node's label: its IRI; nothing for a blank node; for a literal
    (its label is the lexical form) that it is a value, with its datatype or language."""
    if node.startswith("_:"):
        return ""
    if is_literal_text(node):
        literal = literal_of(node)
        kind = (
            f", language {literal.language}"
            if literal.language
            else f", {_curie(str(literal.datatype))}"
            if literal.datatype
            else ""
        )
        return f' <span class="small">(a literal value{escape(kind)}, not a node)</span>'
    return f' <code class="small">{escape(node)}</code>'


def _group(results: Iterable[AuditResult]) -> dict[str, dict[tuple[str, str], list[AuditResult]]]:
    units: dict[str, dict[tuple[str, str], list[AuditResult]]] = {}
    for r in results:
        unit = r.unit_label or ORGANISATION_WIDE
        units.setdefault(unit, {}).setdefault((r.focus_label, r.focus_node), []).append(r)
    return units


def render_html(report: AuditReport, *, title: str | None = None) -> str:
    org = report.organisation or "organisational model"
    heading = title or f"Audit report: {org}"
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(heading)}</title>",
        f"<style>{_CSS}</style>",
        "</head><body>",
        f"<h1>{escape(heading)}</h1>",
        f'<p class="meta">Audited {escape(", ".join(report.sources) or "upload")}'
        f" ({report.triples} statements) against the pcfgraph organisational-model rules"
        f" on {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.</p>",
    ]

    # --- summary ---
    counts = report.counts
    verdict = "Conforms" if report.conforms else "Does not conform"
    out.append("<h2>Summary</h2>")
    out.append(
        f'<p><span class="verdict {"ok" if report.conforms else "fail"}">{verdict}</span> '
        f"{counts.get('Violation', 0)} violation(s), {counts.get('Warning', 0)} warning(s), "
        f"{counts.get('Info', 0)} info(s). Warnings and infos do not fail the audit.</p>"
    )
    out.append("<table><thead><tr><th>Severity</th><th>Findings</th></tr></thead><tbody>")
    for severity, n in counts.items():
        out.append(f'<tr><td>{_sev(severity)}</td><td class="n">{n}</td></tr>')
    out.append("</tbody></table>")
    by_rule = report.counts_by_rule()
    if by_rule:
        out.append("<h3>Findings by rule</h3>")
        out.append(
            "<table><thead><tr><th>Rule</th><th>Severity</th><th>Findings</th><th>Source</th>"
            "</tr></thead><tbody>"
        )
        sources = {r.shape: r.source for r in report.results}
        for name, shape, severity, n in by_rule:
            out.append(
                f"<tr><td>{escape(name)}</td><td>{_sev(severity)}</td>"
                f'<td class="n">{n}</td><td><code>{escape(sources.get(shape) or "")}</code></td>'
                "</tr>"
            )
        out.append("</tbody></table>")

    # --- findings ---
    out.append("<h2>Findings by organisational unit</h2>")
    if not report.results:
        out.append("<p>No findings: every rule is satisfied.</p>")
    groups = _group(report.results)
    for unit in sorted(groups, key=lambda u: (u == ORGANISATION_WIDE, u.lower())):
        out.append(f'<section class="unit"><h3>{escape(unit)}</h3>')
        for (label, node), results in sorted(groups[unit].items(), key=lambda kv: kv[0][0].lower()):
            out.append(f"<h4>{escape(label)}{_ident(node)}</h4>")
            out.extend(_finding(r) for r in results)
        out.append("</section>")

    # --- coverage ---
    out.append("<h2>Framework coverage</h2>")
    out.append(
        "<p>Framework elements the organisation's processes implement "
        "(<code>orgm:implements</code>, direct links only).</p>"
    )
    for c in report.coverage:
        out.append(f"<h3>{escape(c.title)}</h3>")
        out.append(
            f'<p><span class="bar"><span style="width:{c.percent:.1f}%"></span></span> '
            f"<strong>{len(c.covered)} of {c.total}</strong> ({c.percent:.1f} %)</p>"
        )
        if c.items:
            out.append(
                "<table><thead><tr><th>Element</th><th>Name</th><th>Implemented by</th></tr>"
                "</thead><tbody>"
            )
            for item in c.items:
                impl = ", ".join(escape(label) for label in item.implemented_labels)
                out.append(
                    f"<tr><td>{escape(item.notation)}</td><td>{escape(item.label)}</td>"
                    f"<td>{impl or '<em>missing</em>'}</td></tr>"
                )
            out.append("</tbody></table>")
        else:
            out.append("<p>The framework graph holds no elements for this subtree.</p>")

    # --- maturity ---
    out.append("<h2>IT-CMF maturity</h2>")
    if not report.maturity:
        out.append("<p>The model makes no maturity claims.</p>")
    else:
        out.append(
            "<p>Achieved level: the highest level L such that every practice of levels 2..L has "
            "evidence.</p>"
        )
        out.append(
            "<table><thead><tr><th>Claim</th><th>Building block</th><th>Claimed</th>"
            "<th>Achieved</th><th>Practices missing evidence</th></tr></thead><tbody>"
        )
        for m in report.maturity:
            missing = "<br>".join(
                f"{escape(p.notation)} (level {p.level}): {escape(p.label)}"
                for p in m.missing_evidence
            )
            status = "" if m.holds else f" {_sev('Violation')}"
            out.append(
                f"<tr><td>{escape(m.claim_label)}</td><td>{escape(m.building_block_label)}</td>"
                f'<td class="n">{m.claimed if m.claimed is not None else "-"}</td>'
                f'<td class="n">{m.achieved}{status}</td><td>{missing or "none"}</td></tr>'
            )
        out.append("</tbody></table>")
    if report.unused is not None:
        out.extend(_unused_section(report))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _unused_section(report: AuditReport) -> list[str]:
    """ArchiMate elements and relationships the audit does not use, counted and listed."""
    u = report.unused_json()
    out = [
        "<h2>Not used by the audit</h2>",
        f"<p>{u['elements']} elements and {u['relationships']} relationships of the ArchiMate "
        "model are not used by the audit (see docs/archimate.md for the mapping).</p>",
    ]
    if u["items"]:
        out.append(
            "<table><thead><tr><th>kind</th><th>type</th><th>identifier</th><th>name</th></tr></thead><tbody>"
        )
        for item in u["items"]:
            out.append(
                f"<tr><td>{escape(str(item.get('kind')))}</td><td>{escape(str(item.get('type')))}</td>"
                f"<td><code>{escape(str(item.get('identifier')))}</code></td>"
                f"<td>{escape(str(item.get('name') or ''))}</td></tr>"
            )
        out.append("</tbody></table>")
    return out
