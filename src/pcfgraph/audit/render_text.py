"""The audit report as plain text (the CLI's default): how the audit was run, findings by
report section and rule, coverage, maturity, verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pcfgraph.audit.model_date import source_text
from pcfgraph.audit.rules import AUDIT_ORIGIN, rule_name
from pcfgraph.audit.where import in_file
from pcfgraph.terminal_text import printable


def difference_text(d: dict[str, Any]) -> str:
    """One line saying what differs between the baseline's audit and this one (besides the
    model), and why it matters."""
    return (
        f"the baseline was made with another {d['what']} ({d['baseline']}; this audit: "
        f"{d['now']}): a finding new or resolved may come from that, not from the model"
    )


if TYPE_CHECKING:
    from pcfgraph.audit.report import AuditReport, AuditResult

_SEVERITIES = ("Violation", "Warning", "Info")

#: Said of a rule of the audit's own (model validity): it cites no framework source by design,
#: which an auditor signing the report must not read as a missing citation.
OWN_RULE = (
    "the audit's own check of the model's validity, not derived from a framework: "
    "no framework source to cite"
)


def _as_of_source(report: AuditReport) -> str:
    """Where the date came from, in brackets; nothing for a report that does not say
    (one read back from a file written before reports said it)."""
    said = source_text(report.as_of_source)
    return f" ({said})" if said else ""


def report_text(report: AuditReport) -> str:
    lines: list[str] = []
    if report.sources:
        org = f"; organisation {_line(report.organisation)}" if report.organisation else ""
        lines.append(f"audit of {_line(', '.join(report.sources))} ({report.triples} triples){org}")
    lines.append(
        f"as of {report.as_of or '-'}{_as_of_source(report)}; profile {report.profile}"
        + (f" (sha256 {report.profile_sha256})" if report.profile_sha256 else "")
        + (f" (rules switched off: {', '.join(report.deactivated)})" if report.deactivated else "")
    )
    if against := report.checked_against_text():
        lines.append(f"checked against {_line(against)}")
    # after the third line, which names what the model was checked against
    for f in report.files:  # as sha256sum prints it: `sha256sum -c` checks the file
        lines.append(f"sha256 {f['sha256']}  {_line(str(f['name']))}")
    if report.truncated:
        lines.append(
            f"listing {report.max_findings} of {len(report.results)} findings "
            f"(--max-findings {report.max_findings}); counts cover all of them"
        )
    lines.append("")
    shown = report.shown()
    several = len(report.files) > 1
    for group, _counts in report.counts_by_group():
        in_group = [r for r in shown if _in(r.group, group, report)]
        if not in_group:
            continue
        lines.append(f"== {group['label']}")
        for name, shape, severity, _n in _by_rule(in_group):
            lines.append(f"{severity} {name}")
            if any(r.shape == shape and r.rule_origin == AUDIT_ORIGIN for r in in_group):
                lines.append(f"  ({OWN_RULE})")
            for r in in_group:
                if r.shape != shape:
                    continue
                where = f"  {_line(r.focus_label)}"
                if r.where:
                    where += f" ({_line(in_file(_where(r), r.location, several) or '')})"
                if r.value is not None:
                    where += f"  [{_short(_line(r.value))}]"
                status = f" ({r.status})" if r.status else ""
                lines.append(f"{where}: {_line(r.message)}{status}")
            # the remedy once for the rule's findings (each other one once): the text report,
            # the CLI's default, said what was wrong and nowhere how to fix it
            hints = [r.hint for r in in_group if r.shape == shape and r.hint]
            lines.extend(f"  to fix: {_line(h)}" for h in dict.fromkeys(hints))
            lines.append("")
    for c in report.coverage:
        lines.append(
            f"coverage {c.title}: {len(c.covered)}/{c.total} ({c.percent:.1f} %)"
            + (f", {len(c.covered_via_mapping)} more via mappings" if c.covered_via_mapping else "")
            + (f"; missing {', '.join(i.notation for i in c.missing)}" if c.missing else "")
        )
    for m in report.maturity:
        miss = ", ".join(p.notation for p in m.missing_evidence)
        lines.append(
            f"maturity {_line(m.claim_label)} ({_line(m.building_block_label)}): "
            # a level the model states none of (or none valid) is none, not Python's None
            f"claimed {m.claimed if m.claimed is not None else 'none'}, "
            f"achieved {m.achieved}" + (f"; missing evidence: {miss}" if miss else "")
        )
    if report.unused is not None:
        u = report.unused_json()
        columns = "column" if u["columns"] == 1 else "columns"
        parts = [f"{u['columns']} workbook {columns}"] if u["columns"] else []
        if u["elements"] or u["relationships"] or not parts:
            parts.insert(0, f"{u['elements']} elements, {u['relationships']} relationships")
        lines.append(f"not used by the audit: {', '.join(parts)}")
        for item in report.unused:
            lines.append(
                f"  {item.get('type')} {item.get('identifier')}"
                + (f" {item.get('name')!r}" if item.get("name") else "")
            )
    if report.baseline is not None:
        b = report.baseline
        lines.append(
            f"against the baseline: {b['new']} new, {b['unchanged']} unchanged, "
            f"{b['resolved']} resolved"
        )
        for d in b.get("differences", []):
            lines.append(f"  {_line(difference_text(d))}")
        for f in b.get("resolvedFindings", []):  # what the counts say was remedied
            value = f"  [{_short(_line(str(f['value'])))}]" if f.get("value") is not None else ""
            label = _line(str(f.get("focusLabel") or f.get("focusNode") or ""))
            rule = rule_name(str(f.get("shape") or ""))
            lines.append(f"  resolved: {f.get('severity')} {rule}  {label}{value}")
    totals = ", ".join(f"{n} {s.lower()}" for s, n in report.counts.items())
    lines.append("")
    lines.append(f"{'conforms' if report.conforms else 'does not conform'}: {totals}")
    return printable("\n".join(lines) + "\n")  # labels and messages from the model


def _in(group_iri: str | None, group: dict[str, object], report: AuditReport) -> bool:
    if group["iri"]:
        return group_iri == group["iri"]
    return group_iri not in {g["iri"] for g in report.groups}


def _by_rule(results: list[AuditResult]) -> list[tuple[str, str, str, int]]:
    def _rank(severity: str) -> int:
        return _SEVERITIES.index(severity) if severity in _SEVERITIES else len(_SEVERITIES)

    groups: dict[str, tuple[str, str, str, int]] = {}
    for r in results:
        name, shape, sev, n = groups.get(r.shape, (r.rule, r.shape, r.severity, 0))
        groups[r.shape] = (name, shape, sev, n + 1)
    return sorted(groups.values(), key=lambda g: (_rank(g[2]), g[0]))


def _where(r: AuditResult) -> str:
    """Where a finding is, after its focus node's label: an ArchiMate element whose name is
    that label by its identifier only (every line read 'Claim Form ("Claim Form" (676))')."""
    location = r.location or {}
    element = location.get("element")
    if element and location.get("name") == r.focus_label:
        return str(element)
    return r.where or ""


def _line(text: str) -> str:
    """A value from the model on its one report line: a line break in it (a cell typed with
    Alt+Enter, a multi-line label) written as ``\\n``, so it cannot start a line of its own."""
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")


def _short(text: str, width: int = 60) -> str:
    """``text`` cut to ``width``; an IRI keeps its end, where the code that tells it from its
    neighbours is (``.../cross-industry/7.4/20365``, not ``.../cross-industry/7.4/...``)."""
    if len(text) <= width:
        return text
    if "://" in text[:12] or text.startswith("urn:"):
        head = width // 3
        return text[:head] + "..." + text[len(text) - (width - head - 3) :]
    return text[: width - 3] + "..."
