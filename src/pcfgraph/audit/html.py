"""The audit report as one self-contained, printable HTML file (Jinja2, autoescaped).

First page: verdict, counts by report section and severity, the five most frequent rules, the
as-of date and the profile. Then a table of contents, the findings by organisational unit and
focus node under their business labels, coverage (direct and via curated mappings), maturity,
and an appendix listing every rule applied with its source passage. Inline CSS only (a print
stylesheet and a phone-width layout): no scripts, no external stylesheets, fonts or images, no
links to remote addresses (IRIs appear as text), so the file can be mailed, archived and
printed as it is.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from html import escape
from typing import Any

from jinja2 import DictLoader, Environment, select_autoescape
from markupsafe import Markup

from pcfgraph import iris
from pcfgraph.audit.model_date import source_text
from pcfgraph.audit.render_text import OWN_RULE
from pcfgraph.audit.report import (
    AuditReport,
    AuditResult,
    is_literal_text,
    literal_of,
)
from pcfgraph.audit.rules import rule_name
from pcfgraph.audit.where import in_file
from pcfgraph.terminal_text import printable

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
.toc ol { margin: .2rem 0; } .cover { min-height: 60vh; }
q { font-style: italic; color: #3b4148; }
.rule { border-top: 1px solid var(--line); padding: .3rem 0; page-break-inside: avoid; }
@media (max-width: 40rem) {
  body { margin: .5rem auto; padding: 0 .6rem; font-size: 15px; }
  table { display: block; overflow-x: auto; }
  .bar { width: 100%; }
}
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  .cover { page-break-after: always; min-height: auto; }
  .toc, .appendix { page-break-before: always; }
  a { color: inherit; text-decoration: none; }
  h2 { page-break-after: avoid; } h3, h4 { page-break-after: avoid; }
}
"""

#: The whole file: the report's body in a document with its inline stylesheet.
_DOCUMENT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ heading }}</title>
<style>{{ css }}</style>
</head><body>
<main>
{% include "body.html" %}
</main>
</body></html>
"""

#: The report's content. Heading elements are ``h[1]`` to ``h[4]``: ``h1`` to ``h4`` in the
#: file, lower when the report is embedded in a page under that page's own headings.
_BODY = """<section class="cover">
<h{{ h[1] }}>{{ heading }}</h{{ h[1] }}>
<p class="meta">Audited {{ sources }} ({{ r.triples }} statements{% for f in r.files %};
{{ f.name }} sha256 <code>{{ f.sha256 }}</code>{% endfor %}) against the pcfgraph
organisational-model rules on {{ generated }}. As of <strong>{{ r.as_of or "-" }}</strong>{% if as_of_source %}
({{ as_of_source }}){% endif %};
profile <strong>{{ r.profile }}</strong>{% if r.profile_sha256 %} (sha256 <code>{{ r.profile_sha256 }}</code>){% endif %}{% if r.deactivated %} (rules switched off:
{{ r.deactivated | join(", ") }}){% endif %}.{% if r.checked_against_text() %} Checked
against: {{ r.checked_against_text() }}.{% endif %}</p>
<h{{ h[2] }}>Summary</h{{ h[2] }}>
<p><span class="verdict {{ 'ok' if r.conforms else 'fail' }}">{{ 'Conforms' if r.conforms else 'Does not conform' }}</span>
{{ counts.Violation }} violation(s), {{ counts.Warning }} warning(s), {{ counts.Info }} info(s).
Warnings and infos do not fail the audit.{% if r.truncated %} <strong>Listing the
{{ r.max_findings }} most severe of {{ r.results | length }} findings (--max-findings
{{ r.max_findings }}); the counts cover all of them.</strong>{% endif %}</p>
<table><thead><tr><th>Report section</th><th>Violations</th><th>Warnings</th><th>Infos</th></tr></thead><tbody>
{% for g, c in by_group %}<tr><td>{{ g.label }}</td><td class="n">{{ c.Violation }}</td><td class="n">{{ c.Warning }}</td><td class="n">{{ c.Info }}</td></tr>
{% endfor %}</tbody></table>
{% if top %}<h{{ h[3] }}>Most frequent rules</h{{ h[3] }}>
<table><thead><tr><th>Rule</th><th>Severity</th><th>Findings</th></tr></thead><tbody>
{% for name, sev, n in top %}<tr><td>{{ name }}</td><td><span class="sev {{ sev }}">{{ sev }}</span></td><td class="n">{{ n }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if r.baseline %}<p>Against the baseline: {{ r.baseline.new }} new, {{ r.baseline.unchanged }}
unchanged, {{ r.baseline.resolved }} resolved.</p>
{% for d in r.baseline.differences %}<p><strong>The baseline was made with another
{{ d.what }}</strong> ({{ d.baseline }}; this audit: {{ d.now }}): a finding new or resolved may
come from that, not from the model.</p>
{% endfor %}{% endif %}
</section>
<nav class="toc"><h{{ h[2] }}>Contents</h{{ h[2] }}><ol>
<li><a href="#findings">Findings by organisational unit</a><ol>
{% for unit, _nodes in units %}<li><a href="#unit-{{ loop.index }}">{{ unit }}</a></li>{% endfor %}</ol></li>
{% if resolved %}<li><a href="#resolved">Resolved since the baseline</a></li>{% endif %}
<li><a href="#coverage">Framework coverage</a></li><li><a href="#maturity">IT-CMF maturity</a></li>
{% if r.unused is not none %}<li><a href="#unused">Not used by the audit</a></li>{% endif %}
<li><a href="#rules">Appendix: rules applied</a></li>
{% if notices %}<li><a href="#sources">Sources and rights</a></li>{% endif %}</ol></nav>
<span id="findings"></span><h{{ h[2] }}>Findings by organisational unit</h{{ h[2] }}>
{% if not shown %}<p>No findings: every rule is satisfied.</p>{% endif %}
{% for unit, nodes in units %}<section class="unit" id="unit-{{ loop.index }}"><h{{ h[3] }}>{{ unit }}</h{{ h[3] }}>
{% for head, results in nodes %}<h{{ h[4] }}>{{ head }}</h{{ h[4] }}>
{% for f, d in results %}<div class="finding {{ f.severity }}">
<p><span class="sev {{ f.severity }}">{{ f.severity }}</span> <strong>{{ f.rule }}</strong>: {{ f.message }}{% if f.status %} <em>({{ f.status }})</em>{% endif %}</p>
{% if d %}<p class="small">{{ d }}</p>{% endif %}
{% if f.hint %}<p><em>How to fix:</em> {{ f.hint }}</p>{% endif %}
{% if f.source %}<p class="small">Source: {{ f.source_framework or "" }} {{ f.source_code or "" }} {{ f.source_name or "" }} <a href="{{ page(f.source) }}"><code>{{ f.source }}</code></a>{% if f.passage %}<br><q>{{ f.passage }}</q>{% endif %}</p>{% elif f.rule_origin == "audit" %}<p class="small">Source: {{ own_rule }}.</p>{% endif %}
</div>{% endfor %}{% endfor %}</section>
{% endfor %}
{% if resolved %}<span id="resolved"></span><h{{ h[2] }}>Resolved since the baseline</h{{ h[2] }}>
<p>Findings of the baseline not found again.</p>
<table><thead><tr><th>Severity</th><th>Rule</th><th>Focus</th><th>Property</th><th>Value</th></tr></thead><tbody>
{% for f, rule in resolved %}<tr><td><span class="sev {{ f.severity }}">{{ f.severity }}</span></td><td>{{ rule }}</td><td>{{ f.focusLabel or f.focusNode }}</td><td>{{ curie(f.path) }}</td><td>{{ f.value if f.value is not none else "" }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
<span id="coverage"></span><h{{ h[2] }}>Framework coverage</h{{ h[2] }}>
<p>Framework elements the organisation's processes implement (<code>orgm:implements</code>), and
those covered via a curated exact or close mapping from an element a process implements.</p>
{% for c in r.coverage %}<h{{ h[3] }}>{{ c.title }}</h{{ h[3] }}>
<p><span class="bar"><span style="width:{{ '%.1f' % c.percent }}%"></span></span>
<strong>{{ c.covered | length }} of {{ c.total }}</strong> ({{ '%.1f' % c.percent }} %) directly{% if c.covered_via_mapping %}, {{ c.covered_via_mapping | length }} more via mappings{% endif %}.</p>
{% if c.items %}<table><thead><tr><th>Element</th><th>Name</th><th>Implemented by</th></tr></thead><tbody>
{% for i in c.items %}<tr><td>{{ i.notation }}</td><td>{{ i.label }}</td><td>{% if i.implemented_labels %}{{ i.implemented_labels | join(", ") }}{% elif i.mapped_labels %}covered via mapping ({{ i.mapped_via | join(", ") }}): {{ i.mapped_labels | join(", ") }}{% else %}<em>missing</em>{% endif %}</td></tr>
{% endfor %}</tbody></table>{% else %}<p>The framework graph holds no elements for this subtree.</p>{% endif %}
{% endfor %}
<span id="maturity"></span><h{{ h[2] }}>IT-CMF maturity</h{{ h[2] }}>
{% if not r.maturity %}<p>The model makes no maturity claims.</p>{% else %}
<p>Achieved level: the highest level L such that every practice of levels 2..L has evidence.</p>
<table><thead><tr><th>Claim</th><th>Building block</th><th>Claimed</th><th>Achieved</th><th>Practices missing evidence</th></tr></thead><tbody>
{% for m in r.maturity %}<tr><td>{{ m.claim_label }}</td><td>{{ m.building_block_label }}</td><td class="n">{{ m.claimed if m.claimed is not none else "-" }}</td><td class="n">{{ m.achieved }}{% if not m.holds and m.claimed is not none %} <span class="sev Warning">above evidence</span>{% endif %}</td><td>{% for p in m.missing_evidence %}{{ p.notation }} (level {{ p.level }}): {{ p.label }}{% if not loop.last %}<br>{% endif %}{% else %}none{% endfor %}</td></tr>
{% endfor %}</tbody></table>{% endif %}
{% if r.unused is not none %}{% set u = r.unused_json() %}<span id="unused"></span><h{{ h[2] }}>Not used by the audit</h{{ h[2] }}>
<p>{% if u.columns %}{{ u.columns }} {{ "column of the workbook holds values" if u.columns == 1 else "columns of the workbook hold values" }} no template column reads; they are not used by the audit.{% if u.elements or u.relationships %} {% endif %}{% endif %}{% if u.elements or u.relationships or not u.columns %}{{ u.elements }} elements and {{ u.relationships }} relationships of the ArchiMate model are not used by the audit (see docs/archimate.md for the mapping).{% endif %}</p>
{% if u["items"] %}<table><thead><tr><th>kind</th><th>type</th><th>identifier</th><th>name</th></tr></thead><tbody>
{% for item in u["items"] %}<tr><td>{{ item.kind }}</td><td>{{ item.type }}</td><td><code>{{ item.identifier }}</code></td><td>{{ item.name or "" }}</td></tr>
{% endfor %}</tbody></table>{% endif %}{% endif %}
<section class="appendix"><span id="rules"></span><h{{ h[2] }}>Appendix: rules applied</h{{ h[2] }}>
{% for g in r.groups %}<h{{ h[3] }}>{{ g.label }}</h{{ h[3] }}>
{% for rule in r.rules if rule.group == g.iri %}<div class="rule"><p><strong><a href="{{ page(rule.iri) }}">{{ rule.rule }}</a></strong> <span class="sev {{ rule.severity }}">{{ rule.severity }}</span>: {{ rule.message }}</p>
{% if rule.rationale %}<p class="small">{{ rule.rationale }}</p>{% endif %}
{% if rule.source %}<p class="small">Source: {{ rule.source.framework or "" }} {{ rule.source.code or "" }} {{ rule.source.name or "" }} <a href="{{ page(rule.source.iri) }}"><code>{{ rule.source.iri }}</code></a>{% if rule.source.passage %}<br><q>{{ rule.source.passage }}</q>{% endif %}</p>{% elif rule.origin == "audit" %}<p class="small">Source: {{ own_rule }}.</p>{% endif %}</div>
{% endfor %}{% endfor %}</section>
{% if notices %}<section class="sources"><span id="sources"></span><h{{ h[2] }}>Sources and rights</h{{ h[2] }}>
<p>The findings, the coverage and the rules quote framework names, codes and definitions;
each framework's content is quoted under its notice, which a copy of this report keeps.</p>
<dl>{% for f in notices %}<dt>{{ f.title or f.id }}</dt><dd class="rights">{{ f.rights }}</dd>
{% endfor %}</dl></section>{% endif %}
"""


def _visible(value: Any) -> Any:
    """What a ``{{ }}`` of the report shows, made visible as the text report shows it
    (:func:`pcfgraph.terminal_text.printable`): HTML escaping leaves a right-to-left override
    in a model's label be, which turned the rest of its line around in the auditor's browser,
    and a zero-width space or control character no one could see. Markup stays markup."""
    if isinstance(value, Markup):
        return Markup(printable(str(value)))
    return printable(value) if isinstance(value, str) else value


@cache
def _environment() -> Environment:
    env = Environment(
        loader=DictLoader({"report.html": _DOCUMENT, "body.html": _BODY}),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=False,
        finalize=_visible,
    )
    return env


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


def _details(r: AuditResult, several: bool = False) -> str:
    """Where the finding is (after its file when the model is ``several`` files), its
    property and value."""
    parts = []
    if r.where:
        parts.append(f"in {in_file(r.where, r.location, several)}")
    if r.path:
        parts.append(f"property {_curie(r.path)}")
    if r.value is not None:
        parts.append(f"value {_curie(r.value) if r.value_is_iri else r.value}")
    return "; ".join(parts)


def _ident(node: str) -> Markup:
    """What follows a focus node's label: its IRI; nothing for a blank node; for a literal
    (its label is the lexical form) that it is a value, with its datatype or language."""
    if node.startswith("_:"):
        return Markup("")
    if is_literal_text(node):
        literal = literal_of(node)
        kind = (
            f", language {literal.language}"
            if literal.language
            else f", {_curie(str(literal.datatype))}"
            if literal.datatype
            else ""
        )
        return Markup(f' <span class="small">(a literal value{escape(kind)}, not a node)</span>')
    return Markup(f' <code class="small">{escape(node)}</code>')


def _esc(text: str) -> Markup:
    """Escaped as :func:`html.escape` does (quotes as ``&quot;``), marked safe for Jinja."""
    return Markup(escape(text))


def _units(results: Iterable[AuditResult], several: bool = False) -> list[tuple[str, list[Any]]]:
    """Findings by unit, then focus node: (unit, [(heading, [(finding, details)])]), headings
    and details prepared here (one pass in Python instead of three template calls each)."""
    units: dict[str, dict[tuple[str, str], list[AuditResult]]] = {}
    for r in results:
        unit = r.unit_label or ORGANISATION_WIDE
        units.setdefault(unit, {}).setdefault((r.focus_label, r.focus_node), []).append(r)
    out = []
    for unit in sorted(units, key=lambda u: (u == ORGANISATION_WIDE, u.lower())):
        nodes = sorted(units[unit].items(), key=lambda kv: kv[0][0].lower())
        out.append(
            (
                unit,
                [
                    (_esc(label) + _ident(node), [(r, _details(r, several)) for r in group])
                    for (label, node), group in nodes
                ],
            )
        )
    return out


def _canonical_page(iri: str) -> str:
    return iri


def _served_page(iri: str) -> str:
    return iris.page_path(iri) or iri


#: Heading levels: in the file, and in a page that shows the report under its own h1 and h2.
_LEVELS = {1: 1, 2: 2, 3: 3, 4: 4}
_EMBEDDED_LEVELS = {1: 3, 2: 4, 3: 5, 4: 6}


def generated_at() -> datetime:
    """When the HTML report says it was made: now, or ``SOURCE_DATE_EPOCH`` (seconds since
    1970, the reproducible-builds convention) when set, so the same model audited as of the
    same day gives the same file (the one value of the report taken from the clock); a value
    that is not a whole number of seconds is ignored."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (OverflowError, OSError, ValueError):  # past the year 9999
            pass
    return datetime.now(UTC)


def render_html(
    report: AuditReport, *, title: str | None = None, served: bool = False, embedded: bool = False
) -> str:
    """The report as one HTML file. Each cited source links to its element's page: the
    element's persistent IRI (which resolves to its page) in a file written by the CLI; the
    page on the serving pcfgraph (``/id/...``) when ``served``, as the API and workbench
    render it (no request goes to w3id.org from a page the server shows).

    ``embedded``: the report's content only, to show inside a page (the workbench's audit
    page): no document, no stylesheet (the page's own styles it), headings two levels down.
    """
    org = report.organisation or "organisational model"
    shown = report.shown()
    frequent = Counter((r.rule, r.severity) for r in report.results).most_common(5)
    return (
        _environment()
        .get_template("body.html" if embedded else "report.html")
        .render(
            page=_served_page if served else _canonical_page,
            r=report,
            h=_EMBEDDED_LEVELS if embedded else _LEVELS,
            heading=title or f"Audit report: {org}",
            css=_CSS,
            sources=", ".join(report.sources) or "upload",
            generated=generated_at().strftime("%Y-%m-%d %H:%M UTC"),
            as_of_source=source_text(report.as_of_source),
            counts=report.counts,
            by_group=report.counts_by_group(),
            top=[(name, sev, n) for (name, sev), n in frequent],
            shown=shown,
            units=_units(shown, several=len(report.files) > 1),
            own_rule=OWN_RULE,
            resolved=[
                (f, rule_name(str(f.get("shape") or "")))
                for f in (report.baseline or {}).get("resolvedFindings", [])
            ],
            curie=_curie,
            # each framework checked against with the notice its quoted content is under
            notices=[f for f in report.checked_against.get("frameworks", []) if f.get("rights")],
        )
    )
