"""The auditor's and architect's tools: ``/audit`` (upload a model, read its report) and
``/diff`` (compare two editions in the graph, or two uploaded APQC workbooks).

Both are plain HTML forms (multipart POST, no JavaScript needed); drag and drop on the audit
page is a progressive enhancement (``static/audit.js``). Downloads of an uploaded report are
``data:`` URLs in the page, so nothing about an upload is kept on the server.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from pcfgraph.audit.options import audit_options
from pcfgraph.audit.upload_format import EXTENSIONS, MODEL_EXTENSIONS
from pcfgraph.conneg import XLSX_MEDIA_TYPE, base_media_type, by_name
from pcfgraph.diff import (
    KINDS,
    XLSX_TYPE,
    DiffResult,
    compare,
    side_from_store,
    to_xlsx,
)
from pcfgraph.diff import to_csv as diff_csv
from pcfgraph.diff import to_json as diff_json
from pcfgraph.errors import InputError, PayloadTooLarge, PcfgraphError, UnsupportedMediaType
from pcfgraph.http.client_gone import run_for_client
from pcfgraph.runtime import app_state
from pcfgraph.sandbox.fairness import client_key
from pcfgraph.sandbox.pool import upload_admission
from pcfgraph.services.page_reads import reads_for
from pcfgraph.terminal_text import replaced
from pcfgraph.web.audit import REPORT_FORMATS, AuditReports, run_audit
from pcfgraph.web.diffview import grouped
from pcfgraph.web.render import page, render

if TYPE_CHECKING:
    from pcfgraph.http.multipart import Part

router = APIRouter(include_in_schema=False)


#: The model file picker's filter: every extension an upload is read by, from the table the
#: reader uses (a hand-kept list hid .owl, .ntriples and .nquads files, audited when dropped).
MODEL_ACCEPT: Final = ",".join(
    [
        *dict.fromkeys([*MODEL_EXTENSIONS, *EXTENSIONS, ".xml"]),
        "text/turtle",
        "application/ld+json",
        XLSX_MEDIA_TYPE,
    ]
)


def data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


async def _compare_uploads(request: Request, typed: dict[str, str]) -> DiffResult:
    """The two uploaded workbooks compared; the text fields as typed go into ``typed`` as
    soon as the form is read (the page shows them again when the comparison fails)."""
    from pcfgraph.archive_guard import ArchiveLimits
    from pcfgraph.diff import side_from_dict
    from pcfgraph.http.multipart import read_multipart
    from pcfgraph.sandbox.tasks import DIFF_WORKBOOKS

    settings = app_state(request).settings
    kept: dict[str, str] = {}
    try:
        form = await read_multipart(
            request,
            max_bytes=settings.max_upload_bytes,
            max_parts=settings.max_upload_parts,
            kept=kept,
        )
    except PayloadTooLarge:
        typed["edition"] = kept.get("edition", "")  # when it arrived within the limit
        raise
    typed["edition"] = form.fields.get("edition") or ""
    parts = {p.field: p for p in form.files}
    workbooks = []
    for field, what in (("old_workbook", "the old workbook"), ("new_workbook", "the new workbook")):
        part = parts.get(field)
        if part is None:
            raise InputError(f"{what} is missing (form field {field!r})")
        if not part.data:
            raise InputError(f"{what} {part.filename!r} is empty")
        workbooks.append({"name": part.filename, "data": part.data})
    limits = ArchiveLimits.from_settings(settings)
    payload = {
        "workbooks": workbooks,
        "edition": form.fields.get("edition") or None,
        "limits": {
            k: getattr(limits, k) for k in ("members", "ratio", "total_bytes", "rows", "columns")
        },
    }
    pool = app_state(request).pool
    if pool is not None:
        reply = await run_for_client(
            request, pool, DIFF_WORKBOOKS, payload, settings.validate_timeout
        )
    else:  # no sandbox (embedded use): a thread, so the event loop keeps serving
        import asyncio

        from pcfgraph.diff_worker import read_sides

        reply = await asyncio.to_thread(read_sides, None, payload)
    old, new = (side_from_dict(d) for d in reply["sides"])
    return compare(old, new)


# --- audit --------------------------------------------------------------------------------


def _examples() -> list[str]:
    from pcfgraph.resources import resource_dir

    try:
        root = resource_dir("data") / "examples"
    except Exception:  # no data directory in this installation
        return []
    return sorted(p.name for p in root.glob("*") if p.suffix in {".ttl", ".jsonld", ".nt"})


#: Characters a file name should not carry to a user's disk: controls, and those Windows,
#: macOS or a shell read as separators or wildcards.
_NOT_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*]+')


def download_stem(filename: str) -> str:
    """The stem of the downloads of an upload's report: the uploaded file's own, without
    characters no file name should hold (a browser's own clean-up varies): neither those
    nor a bidirectional override or invisible character (``org<U+202E>gpj.ttl`` was saved as
    ``org<U+202E>gpj-report.html``, shown by the auditor's file manager as
    ``orglmth.troper-jpg``), at most 100 characters; ``model`` when nothing is left."""
    stem = replaced(Path(filename or "model").stem, "_")
    stem = _NOT_IN_FILE_NAMES.sub("_", stem).strip(" ._")
    return stem[:100] or "model"


def _audit_page(
    request: Request,
    *,
    reports: AuditReports | None = None,
    filename: str = "",
    error: str = "",
    status: int = 200,
    chosen: Mapping[str, str] | None = None,
    names: list[str] | None = None,
    invalid: str = "",
) -> HTMLResponse:
    """The audit page; ``invalid``: the option (``asOf``, ``profile``) the error is about,
    marked invalid and described by the error, so a screen reader on that field hears why."""
    from pcfgraph.audit.profiles import BUILTIN

    downloads = []
    if reports is not None:
        files = names or [filename]
        more = f"-and-{len(files) - 1}-more" if len(files) > 1 else ""
        stem = download_stem(files[0]) + more  # as POST /validate names its downloads
        for fmt, (media_type, ext, label) in REPORT_FORMATS.items():
            if fmt in reports.bodies:
                downloads.append(
                    (label, f"{stem}-report.{ext}", data_url(media_type, reports.bodies[fmt]))
                )
    # the title says what came back, the first thing a screen reader reads of the answer
    title = "Audit an organisational model"
    if error:
        title = f"Error: {title}"
    elif reports is not None:
        title = f"Audit report: {filename}"
    html = render(
        "audit.html",
        title=title,
        nav="audit",
        reports=reports,
        report_html=Markup(reports.html_fragment) if reports is not None else None,
        downloads=downloads,
        filename=filename,
        error=error,
        examples=_examples(),
        profiles=BUILTIN,
        chosen=dict(chosen or {}),
        invalid=invalid,
        upload_limit=megabytes(app_state(request).settings.max_upload_bytes),
        model_accept=MODEL_ACCEPT,
    )
    return page(html, status)


def _baseline_part(parts: list[Part]) -> dict[str, Any] | None:
    """The form's optional ``baseline`` file (last time's report or findings export, to
    compare the re-audit with), as ``POST /validate`` takes it; none chosen is none (a
    browser sends the field empty), a second one or an empty file is bad input."""
    chosen = [
        p
        for p in parts  # a part without a file name is named "upload" by the reader
        if p.field == "baseline" and (p.data or p.filename not in {"", "upload"})
    ]
    if len(chosen) > 1:
        raise InputError("choose one earlier report to compare with, not several")
    if not chosen:
        return None
    part = chosen[0]
    if not part.data:
        raise InputError(f"the earlier report {part.filename!r} is empty")
    return {"name": part.filename or "baseline", "data": part.data}


@router.get("/audit", response_class=HTMLResponse)
def audit_form(request: Request) -> HTMLResponse:
    return _audit_page(request)


@router.post("/audit", response_class=HTMLResponse)
async def audit_upload(request: Request) -> HTMLResponse:
    """The form's ``model`` file, ``asOf`` and ``profile``. The audit's admission (the pool's
    limits, as ``POST /validate``) is taken before the form is read and held until the audit
    ends: a refused upload (429/503 in the page) is never read into memory."""
    from pcfgraph.http.multipart import read_multipart

    settings = app_state(request).settings
    pool = app_state(request).pool
    filename = "model.ttl"
    chosen = {"asOf": "", "profile": ""}
    media = base_media_type(request.headers.get("content-type", ""))
    if media != "multipart/form-data":  # not the form: no file part can be in it
        raise UnsupportedMediaType(
            "POST /audit takes the page's form as multipart/form-data (a file field 'model'), "
            f"not {media or 'a body without a Content-Type'}; "
            "to audit from a script, POST the model itself to /validate"
        )
    kept: dict[str, str] = {}  # the fields of an upload refused for its size, if they came
    try:
        with upload_admission(pool, client_key(request.client)):
            form = await read_multipart(
                request,
                max_bytes=settings.max_upload_bytes,
                max_parts=settings.max_upload_parts,
                kept=kept,
            )
            chosen = {k: form.fields.get(k, "").strip() for k in ("asOf", "profile")}
            # every file chosen (the field takes several: they form one model, as for
            # `pcfgraph audit` and POST /validate; only the first was audited, the others
            # dropped unsaid); a part without a file (a browser's empty field) is none
            models = [
                p
                for p in form.files
                if p.field == "model" and (p.data or p.filename not in {"", "upload"})
            ]
            if not models:
                # the form sent with no file chosen (a browser's empty part, curl -F without
                # one): the page asks for one, as it answers any other bad upload
                raise InputError("choose a model file to audit: the form was sent without one")
            names = [m.filename or "model.ttl" for m in models]
            filename = ", ".join(names)
            options = audit_options(chosen)
            for m, name in zip(models, names, strict=True):
                if not m.data:
                    raise InputError(f"the model {name!r} is empty")
            reports = await run_audit(
                request,
                [(name, m.media_type or "", m.data) for m, name in zip(models, names, strict=True)],
                options,
                baseline=_baseline_part(form.files),
            )
    except PcfgraphError as exc:
        if exc.code == "bad-multipart":
            raise  # a request that is not the form: problem+json, as for any malformed body
        error = str(exc)
        if isinstance(exc, PayloadTooLarge) and error.startswith("upload "):  # read_body's
            chosen = {k: kept.get(k, "").strip() for k in ("asOf", "profile")}
            error = too_large(error, settings.max_upload_bytes, kept=any(chosen.values()))
        return _audit_page(
            request,
            filename=filename,
            error=error,
            status=exc.http_status,
            chosen=chosen,
            invalid=_invalid_option(chosen, error),
        )
    return _audit_page(request, reports=reports, filename=filename, chosen=chosen, names=names)


def _invalid_option(chosen: Mapping[str, str], error: str) -> str:
    """The option of the form ``error`` refuses; none when it is about something else (the
    files, their size), though an option may be wrong too: that one is said when it is read."""
    for name in ("asOf", "profile"):
        try:
            audit_options({name: chosen.get(name, "")})
        except InputError as exc:
            return name if str(exc) == error else ""
    return ""


def too_large(error: str, limit: int, *, kept: bool) -> str:
    """The page's words for an upload refused for its size: the limit in megabytes, that
    nothing was audited, and whether the options chosen are shown again."""
    again = (
        "the date and profile chosen are kept in the form"
        if kept
        else "nothing chosen on the form could be kept"
    )
    return (
        f"{error}: nothing was audited. Uploads may be at most {megabytes(limit)} in all; "
        f"{again}: choose a smaller file (or ask the operator to raise max_upload_bytes)."
    )


def megabytes(size: int) -> str:
    """A size as people read it: megabytes, or bytes under one."""
    if size < 1_000_000:
        return f"{size:,} bytes"
    return f"{size / 1_000_000:.1f} MB".replace(".0 MB", " MB")


# --- diff ---------------------------------------------------------------------------------


def _diff_page(
    request: Request,
    *,
    result: DiffResult | None = None,
    old: str = "",
    new: str = "",
    downloads: list[tuple[str, str, str]] | None = None,
    edition: str = "",
    error: str = "",
    status: int = 200,
) -> HTMLResponse:
    state = app_state(request)
    # the editions diff can compare: APQC's (by PCF ID; side_from_store refuses the others)
    frameworks = [f for f in reads_for(state).frameworks() if f.edition]
    html = render(
        "diff.html",
        title="Error: Compare editions" if error else "Compare editions",
        nav="diff",
        frameworks=frameworks,
        result=result,
        old=old,
        new=new,
        edition=edition,
        downloads=downloads or [],
        error=error,
        groups=grouped(result) if result is not None else [],
        kinds=KINDS,
    )
    return page(html, status)


#: Downloads of a diff of two editions in the graph: media type and writer (CSV and XLSX
#: escaped against formula injection by :mod:`pcfgraph.cells`).
DIFF_FORMATS: dict[str, tuple[str, Callable[[DiffResult], bytes]]] = {
    "csv": (by_name("csv").content_type, diff_csv),
    "json": (by_name("json").content_type, diff_json),
    "xlsx": (XLSX_TYPE, to_xlsx),
}


@router.get("/diff", response_model=None)
def diff_editions(request: Request, old: str = "", new: str = "", format: str = "html") -> Response:
    """Two framework editions in the graph, as a page or as csv/json downloads."""
    if format != "html" and format not in DIFF_FORMATS:  # as `pcfgraph diff --format` refuses
        choices = ", ".join(["html", *DIFF_FORMATS])
        error = f"format must be one of {choices}, not {format!r}"
        return _diff_page(request, old=old, new=new, error=error, status=400)
    if not old or not new:
        return _diff_page(request, old=old, new=new)
    state = app_state(request)
    try:
        result = compare(
            side_from_store(state.store, state.catalog, old),
            side_from_store(state.store, state.catalog, new),
        )
    except PcfgraphError as exc:
        if format != "html":
            raise
        return _diff_page(request, old=old, new=new, error=str(exc), status=exc.http_status)
    if format in DIFF_FORMATS:
        media_type, render_body = DIFF_FORMATS[format]
        return Response(
            render_body(result),
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="diff-{old}-{new}.{format}"'},
        )
    query = urlencode({"old": old, "new": new})
    downloads = [
        (label, f"diff-{old}-{new}.{fmt}", f"/diff?{query}&format={fmt}")
        for label, fmt in (("Excel (.xlsx)", "xlsx"), ("CSV", "csv"), ("JSON", "json"))
    ]
    return _diff_page(request, result=result, old=old, new=new, downloads=downloads)


@router.post("/diff", response_class=HTMLResponse)
async def diff_workbooks(request: Request) -> HTMLResponse:
    """Two uploaded APQC workbooks, compared by PCF ID. Parsing untrusted workbooks runs in a
    sandbox worker (deadline, memory limit, archive checks), never in this process."""
    pool = app_state(request).pool
    typed: dict[str, str] = {}
    try:
        # Admitted before the workbooks are read, holding the admission through the diff.
        with upload_admission(pool, client_key(request.client)):
            result = await _compare_uploads(request, typed)
    except PcfgraphError as exc:  # the page again, with what was typed kept
        edition = typed.get("edition", "")
        return _diff_page(request, edition=edition, error=str(exc), status=exc.http_status)
    downloads = [
        ("Excel (.xlsx)", "diff.xlsx", data_url(XLSX_TYPE, to_xlsx(result))),
        ("CSV", "diff.csv", data_url(by_name("csv").media_type, diff_csv(result))),
        ("JSON", "diff.json", data_url("application/json", diff_json(result))),
    ]
    return _diff_page(request, result=result, edition=typed["edition"], downloads=downloads)
