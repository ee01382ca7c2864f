"""The audit page's use of the audit service (:mod:`pcfgraph.audit.service`).

One upload is audited once, in a sandbox worker under the same deadline, memory limit and
per-client fairness as ``POST /validate``; the page's report and its downloads (HTML, JSON,
Turtle) are all rendered from that one report object by the report's own renderers, so the
page and the API cannot drift apart. The findings come as CSV and XLSX too (one row per
finding, for remediation tracking: :mod:`pcfgraph.audit.render_table`). Nothing about the upload is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from pcfgraph.audit.html import render_html
from pcfgraph.audit.render_table import to_csv, to_xlsx
from pcfgraph.audit.report import AuditReport
from pcfgraph.audit.service import AuditOutcome, audit_report
from pcfgraph.audit.upload_format import model_format
from pcfgraph.conneg import formats
from pcfgraph.errors import PcfgraphError
from pcfgraph.http.client_gone import while_connected
from pcfgraph.runtime import app_state
from pcfgraph.sandbox.fairness import client_key

#: format -> (media type, file extension, label)
REPORT_FORMATS: Mapping[str, tuple[str, str, str]] = {
    f.name: (f.media_type, f.suffix[1:], f.label)
    for f in formats("html", "json", "turtle", "csv", "xlsx")
}


@dataclass(frozen=True)
class AuditReports:
    """One audit of an upload and the renderings the page shows and offers for download."""

    filename: str
    outcome: AuditOutcome
    #: format (a key of :data:`REPORT_FORMATS`) -> the file offered for download.
    bodies: Mapping[str, bytes]
    #: The report's content for the page (headings under the page's own).
    html_fragment: str

    @property
    def conforms(self) -> bool:
        return self.outcome.conforms


def render_formats(report: AuditReport) -> tuple[dict[str, bytes], str]:
    """Every download and the page's fragment, from one report object."""
    bodies = {
        "html": render_html(report, served=True).encode("utf-8"),
        "json": report.to_json().encode("utf-8"),
        "turtle": report.to_turtle().encode("utf-8"),
        "csv": to_csv(report),
        "xlsx": to_xlsx(report),
    }
    return bodies, render_html(report, served=True, embedded=True)


async def run_audit(
    request: Request,
    files: list[tuple[str, str, bytes]],
    options: Mapping[str, Any] | None = None,
    baseline: Mapping[str, Any] | None = None,
) -> AuditReports:
    """Audit an uploaded model once (the audit service's sandbox, deadline and limits) and
    render its report in every format the page offers. ``files``: ``(name, declared media
    type, data)`` of each file; several form one model, as ``pcfgraph audit`` and
    ``POST /validate`` read them. ``options`` as :func:`pcfgraph.audit.options.audit_options`
    gives them (as of, profile); ``baseline`` (``{"name", "data"}``): an earlier report or
    findings export, as ``POST /validate`` takes it."""
    uploads = []
    for name, declared, data in files:
        media_type = declared or None  # the name, the type or the content decides: upload_format
        try:
            model_format(name, media_type, data)  # an unknown type: 415 here, not in a worker
        except PcfgraphError as exc:
            raise _named(exc, name) from exc
        uploads.append({"name": name, "data": data, "media_type": media_type})
    shown = ", ".join(name for name, _declared, _data in files)
    try:
        outcome = await while_connected(  # a tab closed on a long audit frees its worker
            request,
            audit_report(
                app_state(request),
                uploads,
                options=dict(options or {"fail_on": "violation"}),
                baseline=dict(baseline) if baseline else None,
                client=client_key(request.client),
            ),
        )
    except PcfgraphError as exc:  # shown in the page under the files' names, same status
        raise _named(exc, shown) from exc
    # Rendering a large report takes a while: off the event loop.
    bodies, fragment = await asyncio.to_thread(render_formats, outcome.report)
    return AuditReports(shown, outcome, bodies, fragment)


def _named(exc: PcfgraphError, name: str) -> PcfgraphError:
    """``exc`` with its message naming the file (most name it already: "bad.ttl, line 2")."""
    message = str(exc)
    if message.startswith((f"{name}:", f"{name},")):
        return exc
    error = PcfgraphError(f"{name}: {message}", code=exc.code)
    error.http_status = exc.http_status
    return error
