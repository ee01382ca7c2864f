"""Comparing an audit with an earlier one (``--baseline PREVIOUS.json``, or the findings
exported as ``.csv``/``.xlsx``) and the exit status (``--fail-on``).

A finding is the same in both runs when its focus node, path, value and rule are (the
deduplication key); each current finding is ``new`` or ``unchanged``, and earlier findings not
found again are ``resolved``. A blank node is matched by its business label (its id is
different in every parse); a blank node as a finding's value matches any blank node.
"""

from __future__ import annotations

import json
from typing import Any, Final

from pcfgraph.audit.report import AuditReport, AuditResult
from pcfgraph.errors import InputError
from pcfgraph.terminal_text import printable

FAIL_ON: Final = ("violation", "warning", "info", "new")
_FAILING: Final = {
    "violation": ("Violation",),
    "warning": ("Violation", "Warning"),
    "info": ("Violation", "Warning", "Info"),
}

Key = tuple[str, str | None, str | None, str]


def read_baseline(data: bytes, name: str) -> dict[str, Any]:
    """An earlier JSON audit report, or the findings exported as CSV or XLSX
    (:func:`pcfgraph.audit.render_table.read_findings_table`: the spreadsheet an auditor
    tracks remediation in); InputError naming the file when it is none of them."""
    try:
        doc = json.loads(data)
    except RecursionError:  # arrays 100,000 deep: a 500 "task failed: RecursionError"
        raise InputError(
            f"baseline {name} nests JSON arrays and objects too deep to be a report: give an "
            "earlier report written by pcfgraph audit -f json, csv or xlsx"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        from pcfgraph.audit.render_table import read_findings_table

        table = read_findings_table(data, name)
        if table is not None:
            return table
        raise InputError(
            f"baseline {name} is not JSON ({exc}) nor the findings as CSV or XLSX: give an "
            "earlier report written by pcfgraph audit -f json, csv or xlsx"
        ) from None
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, list) or not all(
        isinstance(r, dict)
        and isinstance(r.get("focusNode"), str)
        and isinstance(r.get("shape"), str)
        for r in results
    ):
        raise InputError(
            f"baseline {name} is not a JSON audit report (pcfgraph audit -f json): "
            "it needs a 'results' list of findings with 'focusNode' and 'shape'"
        )
    return dict(doc)


def _node(focus: str, label: str | None) -> str:
    """A blank node's id changes from run to run; its business label does not."""
    return f"_:{label}" if focus.startswith("_:") else focus


def _value(value: str | None) -> str | None:
    """A blank node as a finding's value has another id in every parse too, and no label in
    the report: any blank node matches (a purchaser given as ``[ a orgm:Customer ]`` was
    'new' and 'resolved' at once against the report of the same model)."""
    return "_:" if value is not None and value.startswith("_:") else value


def _shown(text: str | None) -> str | None:
    """``text`` as a findings table writes it (:func:`pcfgraph.terminal_text.printable`), so
    a baseline read from one matches a finding whose label or value holds a character the
    table shows escaped (the same function of text already so written)."""
    return text if text is None else printable(text)


def _key(r: dict[str, Any]) -> Key:
    return (
        printable(_node(r["focusNode"], r.get("focusLabel"))),
        _shown(r.get("path")),
        _shown(_value(r.get("value"))),
        r["shape"],
    )


def _result_key(r: AuditResult) -> Key:
    return (
        printable(_node(r.focus_node, r.focus_label)),
        _shown(r.path),
        _shown(_value(r.value)),
        r.shape,
    )


def apply_baseline(report: AuditReport, baseline: dict[str, Any]) -> None:
    """Mark each finding new or unchanged; count them and list the resolved ones."""
    from dataclasses import replace

    before = {_key(r): r for r in baseline["results"]}
    now: set[Key] = set()
    marked = []
    for r in report.results:
        key = _result_key(r)
        now.add(key)
        marked.append(replace(r, status="unchanged" if key in before else "new"))
    report.results = marked
    resolved = [r for key, r in before.items() if key not in now]
    report.baseline = {
        "new": sum(1 for r in marked if r.status == "new"),
        "unchanged": sum(1 for r in marked if r.status == "unchanged"),
        "resolved": len(resolved),
        "resolvedFindings": [
            {k: r.get(k) for k in ("focusNode", "focusLabel", "path", "value", "severity", "shape")}
            for r in resolved
        ],
        # an earlier report that listed only some findings cannot say which were resolved
        "baselineTruncated": bool(baseline.get("truncated")),
        **_made_with(report, baseline),
    }


#: What, besides the model, decides an audit's findings: (key, what the report calls it).
_COMPARED: Final = (("rules", "rules"), ("release", "release"), ("profile", "profile"))


def _made_with(report: AuditReport, baseline: dict[str, Any]) -> dict[str, Any]:
    """How the baseline's audit was run (``made``: as of and where that date came from,
    profile, release, rules, as far as the baseline says: a CSV export older than its last
    columns says none of it) and
    ``differences``: what, besides the model, differs from this audit. A finding 'resolved'
    because a rule changed, or 'new' because the release did, is no remediation of the model,
    and the auditor must know."""
    against = baseline.get("checkedAgainst")
    against = against if isinstance(against, dict) else {}
    profile = baseline.get("profile")
    made = {
        "asOf": baseline.get("asOf"),
        "asOfSource": baseline.get("asOfSource"),
        "profile": profile.get("name") if isinstance(profile, dict) else None,
        "release": against.get("release"),
        "rules": against.get("rules"),
    }
    now = {
        "profile": report.profile,
        "release": report.checked_against.get("release"),
        "rules": report.checked_against.get("rules"),
    }
    differences = [
        {"what": name, "baseline": made[key], "now": now[key]}
        for key, name in _COMPARED
        if made[key] and now[key] and made[key] != now[key]
    ]
    return {"made": {k: v for k, v in made.items() if v}, "differences": differences}


def fails(report: AuditReport, fail_on: str = "violation") -> bool:
    """Whether the audit fails (exit 1) under ``--fail-on``: any finding of that severity or
    worse; ``new``: any finding not in the baseline (every finding without a baseline)."""
    if fail_on not in FAIL_ON:
        raise InputError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    if fail_on == "new":
        return any(r.status != "unchanged" for r in report.results)
    return any(r.severity in _FAILING[fail_on] for r in report.results)
