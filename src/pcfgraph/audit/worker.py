"""The audit as a sandbox task: ``await pool.run(sandbox.tasks.AUDIT_UPLOAD, ...)``.

Runs inside a worker process of :mod:`pcfgraph.sandbox` (own memory limit, no network, killed
past the deadline). The framework side (:class:`~pcfgraph.audit.engine.AuditContext`) is built
once per worker from the worker's read-only copy of the release and kept in ``ctx.cache``.

Payload::

    {"files": [{"name": str, "data": bytes, "media_type": str | None}, ...],
     "format": "json" | "turtle" | "html" | "text" | "csv" | "xlsx" | "report",
     "max_bytes": int, "max_triples": int, "fork_shacl": bool,
     "options": {"as_of": "YYYY-MM-DD", "profile": str, "max_findings": int, "fail_on": str},
     "baseline": {"name": str, "data": bytes} | None}

Result: ``{"conforms": bool, "fails": bool, "counts": {...}, "body": str, "media_type": str}``
(``body`` is bytes for ``"csv"`` and ``"xlsx"``);
for ``"format": "report"`` the report itself as plain data (``"report": {...}``) instead of
``body`` and ``media_type``. Bad input is
raised as :class:`~pcfgraph.errors.ParseError` (line, column) and friends; the pool rebuilds
them in the caller.
"""

from __future__ import annotations

from typing import Any

from pcfgraph.conneg import by_name
from pcfgraph.errors import InputError

#: Report format -> its Content-Type (formats of :mod:`pcfgraph.conneg`; JSON is the default).
MEDIA_TYPES = {
    name: by_name(name).content_type for name in ("json", "turtle", "html", "text", "csv", "xlsx")
}
#: The ``format`` that asks for the report itself as plain data (``"report"``:
#: :meth:`~pcfgraph.audit.report.AuditReport.to_dict`) instead of a rendering.
REPORT_OBJECT = "report"
_CACHE_KEY = "pcfgraph.audit.context"


def _context(ctx: Any) -> Any:
    from pcfgraph.audit.engine import AuditContext

    cache = getattr(ctx, "cache", None)
    if cache is not None and _CACHE_KEY in cache:
        return cache[_CACHE_KEY]
    context = AuditContext.from_store(ctx.store)
    if cache is not None:
        cache[_CACHE_KEY] = context
    return context


def render(report: Any, fmt: str) -> str | bytes:
    """The report as ``fmt``: text, or bytes for the findings tables (CSV, XLSX)."""
    from pcfgraph.audit.html import render_html

    if fmt in ("csv", "xlsx"):
        from pcfgraph.audit.render_table import to_csv, to_xlsx

        return to_xlsx(report) if fmt == "xlsx" else to_csv(report)
    if fmt == "turtle":
        return str(report.to_turtle())
    if fmt == "html":
        return render_html(report, served=True)
    if fmt == "text":
        return str(report.to_text())
    return str(report.to_json())


#: Ends the refusal of a workbook sheet over the server's row or column limit: those limits
#: guard a shared server; the command line reads the user's own file on the user's machine.
LOCAL_AUDIT_ADVICE = (
    ": a limit of this server (PCFGRAPH_MAX_SHEET_ROWS and PCFGRAPH_MAX_SHEET_COLUMNS, set where"
    " it runs); `pcfgraph audit model.xlsx` on your own computer reads larger workbooks"
)


def validate_upload(ctx: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """Audit the uploaded model against the worker's framework graph; return the rendering."""
    from pcfgraph.audit.engine import Limits, audit
    from pcfgraph.audit.parse import DEFAULT_MAX_BYTES, DEFAULT_MAX_TRIPLES, Upload

    fmt = str(payload.get("format") or "json")
    if fmt not in MEDIA_TYPES and fmt != REPORT_OBJECT:
        raise InputError(f"unknown report format {fmt!r}; use one of {', '.join(MEDIA_TYPES)}")
    files = payload.get("files") or []
    if not files:
        raise InputError("no model was uploaded")
    from pcfgraph.archive_guard import ArchiveLimits, check_workbook

    archive_limits = ArchiveLimits(**payload.get("archive_limits", {}))
    for f in files:
        if bytes(f["data"][:4]) == b"PK\x03\x04":  # a workbook: checked before it is inflated
            check_workbook(
                str(f.get("name") or "upload"),
                bytes(f["data"]),
                archive_limits,
                sheet_advice=LOCAL_AUDIT_ADVICE,
            )
    uploads = [
        Upload(str(f.get("name") or "upload"), bytes(f["data"]), f.get("media_type")) for f in files
    ]
    limits = Limits(
        max_bytes=int(payload.get("max_bytes") or DEFAULT_MAX_BYTES),
        max_triples=int(payload.get("max_triples") or DEFAULT_MAX_TRIPLES),
    )
    from dataclasses import replace
    from datetime import date

    from pcfgraph.audit.baseline import apply_baseline, fails, read_baseline
    from pcfgraph.audit.engine import AuditOptions
    from pcfgraph.audit.model_date import SOURCES
    from pcfgraph.audit.report import DEFAULT_MAX_FINDINGS

    opts = payload.get("options") or {}
    options = AuditOptions(
        as_of=date.fromisoformat(opts["as_of"]) if opts.get("as_of") else None,
        profile=opts.get("profile"),
        max_findings=int(opts.get("max_findings") or DEFAULT_MAX_FINDINGS),
        fork_shacl=payload.get("fork_shacl") is not False,
        release_id=payload.get("release_id"),
        # a day a cursor carries is said as its first page said it (the model's, today's)
        as_of_source=opts.get("as_of_source") if opts.get("as_of") else None,
    )
    if options.as_of_source not in (None, *SOURCES):
        options = replace(options, as_of_source=None)
    previous = payload.get("baseline")
    if previous and bytes(previous["data"][:4]) == b"PK\x03\x04":  # a findings workbook
        check_workbook(
            str(previous.get("name") or "baseline"), bytes(previous["data"]), archive_limits
        )
    baseline = read_baseline(bytes(previous["data"]), previous["name"]) if previous else None
    report = audit(uploads, _context(ctx), limits=limits, options=options)
    if baseline is not None:
        apply_baseline(report, baseline)
    verdict = {
        "conforms": report.conforms,
        "fails": fails(report, str(opts.get("fail_on") or "violation")),
        "counts": report.counts,
    }
    if fmt == REPORT_OBJECT:
        return verdict | {"report": report.to_dict()}
    return verdict | {"body": render(report, fmt), "media_type": MEDIA_TYPES[fmt]}
