"""The audit of an uploaded model as one service both HTTP edges call: ``POST /validate`` and
the workbench's ``/audit`` page.

An upload is untrusted, so the audit runs in a sandbox worker (``AppState.pool``: its own
memory limit, no network, killed past ``Settings.validate_timeout``). Without a pool (embedded
use) it runs in a thread with the same deadline; the thread cannot be killed, so the pool is
the production path. Either way the audit runs once per call: :func:`audit_rendered` asks the
worker for one rendering (the API), :func:`audit_report` for the report itself as plain data,
rebuilt here as an :class:`~pcfgraph.audit.report.AuditReport` that the caller renders in every
format it needs (the workbench page).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pcfgraph.audit.report import AuditReport
from pcfgraph.audit.worker import REPORT_OBJECT
from pcfgraph.errors import QueryTimeout
from pcfgraph.sandbox.tasks import AUDIT_UPLOAD

if TYPE_CHECKING:
    from pcfgraph.config import Settings
    from pcfgraph.runtime import AppState


@dataclass(frozen=True)
class AuditOutcome:
    """One audit's report and its verdicts under the options it ran with."""

    report: AuditReport
    #: Whether the audit fails under ``fail_on`` (as the CLI's exit status would).
    fails: bool

    @property
    def conforms(self) -> bool:
        return self.report.conforms


def archive_limits(settings: Settings) -> dict[str, int]:
    """The workbook archive limits as plain data for a sandbox task."""
    from pcfgraph.archive_guard import ArchiveLimits

    return asdict(ArchiveLimits.from_settings(settings))


async def audit_rendered(
    state: AppState,
    files: list[dict[str, Any]],
    *,
    fmt: str,
    options: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    client: str | None = None,
) -> dict[str, Any]:
    """Audit ``files`` (``{"name", "data", "media_type"}``) once and render the report as
    ``fmt`` in the worker: ``{"conforms", "fails", "counts", "body", "media_type"}``."""
    return await _run(state, _payload(state, files, fmt, options, baseline), client)


async def audit_report(
    state: AppState,
    files: list[dict[str, Any]],
    *,
    options: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    client: str | None = None,
) -> AuditOutcome:
    """Audit ``files`` once and return the report object (decoded from the worker's plain
    data, never unpickled)."""
    reply = await _run(state, _payload(state, files, REPORT_OBJECT, options, baseline), client)
    return AuditOutcome(report=AuditReport.from_dict(reply["report"]), fails=bool(reply["fails"]))


def _payload(
    state: AppState,
    files: list[dict[str, Any]],
    fmt: str,
    options: dict[str, Any] | None,
    baseline: dict[str, Any] | None,
) -> dict[str, Any]:
    settings = state.settings
    return {
        "files": files,
        "options": dict(options or {}),
        "baseline": baseline,
        "format": fmt,
        "max_bytes": settings.max_upload_bytes,
        "max_triples": settings.max_upload_triples,
        "fork_shacl": settings.audit_fork,
        "archive_limits": archive_limits(settings),
        "release_id": state.release.release_id,
    }


async def _run(state: AppState, payload: dict[str, Any], client: str | None) -> dict[str, Any]:
    timeout = state.settings.validate_timeout
    pool = state.pool
    if pool is not None:
        reply: dict[str, Any] = await pool.run(
            AUDIT_UPLOAD, payload, timeout=timeout, client=client
        )
        return reply
    return await _in_thread(state, payload, timeout)


class _LocalContext:
    """What a worker context offers the audit task: the store and a cache for the audit
    context (kept per release by the app state)."""

    def __init__(self, state: AppState) -> None:
        self.store = state.store
        self.cache: dict[str, Any] = state.caches.audit


async def _in_thread(state: AppState, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
    from pcfgraph.audit.worker import validate_upload

    try:
        return await asyncio.wait_for(
            asyncio.to_thread(validate_upload, _LocalContext(state), payload), timeout
        )
    except TimeoutError:
        raise QueryTimeout(AUDIT_UPLOAD.past_deadline(timeout), retry_after=5) from None
