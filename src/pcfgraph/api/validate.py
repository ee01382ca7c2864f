"""``POST /validate``: audit an organisational model and return the report.

Body: the model itself (``Content-Type`` one of text/turtle, application/ld+json,
application/rdf+xml, application/n-triples, the spreadsheet template's
application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/xml for an
ArchiMate exchange model; or ``?name=`` with a ``.xlsx``/``.archimate`` extension; the name,
which the report and its messages give the model, is ``?name=``, else the ``filename`` of a
``Content-Disposition`` header as a multipart part gives it, else ``upload``) or a
``multipart/form-data`` upload (every file part
is read; several files form one model). A body or part whose type says nothing (none,
``application/octet-stream``, ``text/plain``) is read by its name, else by its content
(:func:`pcfgraph.audit.upload_format.upload_format`, the one decision of every edge). Report: JSON by default; Turtle (an
``sh:ValidationReport``), HTML (self-contained), text, or the findings as CSV (``text/csv``)
or XLSX (one row per finding, :mod:`pcfgraph.audit.render_table`) via ``Accept`` or ``?format=``.

The audit runs through :mod:`pcfgraph.audit.service` in the sandbox worker pool
(``AppState.pool``) with the deadline ``Settings.validate_timeout`` (503 past it) and the
workers' memory limit. Its admission (the pool's limits: 429 for a client past
``max_concurrent_per_client``, 503 for a full server) is decided before the body is read and
held until the audit ends, so refused uploads are never read into memory. A model that does not
parse gets 400 with line and column; over ``Settings.max_upload_bytes`` 413; an unknown media
type 415. Nothing is stored: an upload never changes the served graph.

Audit options as query parameters (as the CLI's): ``asOf=YYYY-MM-DD``, ``profile=default|
strict|no-chargeback`` (the shipped profiles only: a server never reads a path it is given),
``maxFindings=N``; with a multipart upload, a file part named ``baseline`` holds an earlier
report (JSON, or the findings as CSV or XLSX) (new/unchanged/resolved). ``X-Audit-Fails`` says whether the audit fails under
``failOn=violation|warning|info|new`` (default violation), as the CLI's exit status would.
"""

from __future__ import annotations

import re
import unicodedata
from email.message import Message
from typing import Any

from fastapi import APIRouter, Request, Response

from pcfgraph.api.errors import header, openapi_content, problem_responses, query_parameter
from pcfgraph.audit.options import audit_options
from pcfgraph.audit.service import audit_rendered
from pcfgraph.audit.upload_format import MEDIA_TYPES as RDF_MEDIA_TYPES
from pcfgraph.audit.upload_format import MODEL_MEDIA_TYPES, model_format
from pcfgraph.audit.worker import MEDIA_TYPES
from pcfgraph.config import Settings
from pcfgraph.conneg import base_media_type, negotiate
from pcfgraph.errors import InputError
from pcfgraph.http.bodies import read_body
from pcfgraph.http.client_gone import while_connected
from pcfgraph.http.multipart import Form, read_multipart
from pcfgraph.runtime import AppState, app_state
from pcfgraph.sandbox.fairness import client_key
from pcfgraph.sandbox.pool import upload_admission

router = APIRouter(tags=["audit"])
#: The report's media type -> its format, the default (JSON) first.
REPORT_OFFERS = {base_media_type(t): name for name, t in MEDIA_TYPES.items()}
#: The findings tables (one row per finding, for remediation tracking): sent as attachments.
DOWNLOADS = ("csv", "xlsx")


#: What a download's file name keeps of a model's name: anything else becomes ``_``.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def findings_file_name(model_names: list[str], fmt: str) -> str:
    """The findings download's name, after the model (``archisurance.archimate`` ->
    ``archisurance-findings.xlsx``; with more files, ``org-and-2-more-findings.csv``): an
    auditor downloading the findings of several models got ``audit-findings.xlsx`` for each.
    Only ASCII letters, digits, ``.``, ``_`` and ``-`` are kept (accents dropped, any other
    run of characters one ``_``, no leading dot, at most 60 of the name), so the header
    needs no quoting rules and no client writes outside its folder; a model with no usable
    name (the bare body's ``upload``) gives ``audit-findings``."""
    stems = []
    for name in model_names:
        base = re.split(r"[/\\]", name)[-1]
        stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
        ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
        safe = _UNSAFE.sub("_", ascii_stem).strip("._-")[:60].rstrip("._-")
        stems.append(safe)
    first = stems[0] if stems and stems[0] not in ("", "upload") else "audit"
    more = f"-and-{len(stems) - 1}-more" if len(stems) > 1 else ""
    return f"{first}{more}-findings.{fmt}"


def _report_format(request: Request) -> str:
    explicit = request.query_params.get("format")
    if explicit:
        if explicit not in MEDIA_TYPES:
            raise InputError(f"format must be one of {', '.join(MEDIA_TYPES)}, not {explicit!r}")
        return explicit
    chosen = negotiate(request.headers.get("accept"), tuple(REPORT_OFFERS), what="the report")
    return REPORT_OFFERS[chosen]


async def _files(request: Request, settings: Settings) -> list[dict[str, Any]]:
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        form = await read_multipart(
            request, max_bytes=settings.max_upload_bytes, max_parts=settings.max_upload_parts
        )
        files: list[dict[str, Any]] = []
        unchosen = []
        for part in form.files:
            if not part.data and part.filename in ("", "upload"):
                unchosen.append(part.field)  # a file field sent with no file chosen in it
                continue
            if part.field == "baseline":  # an earlier JSON report, not a model file
                if any(f.get("baseline") for f in files):
                    raise InputError(
                        "the multipart upload holds more than one part named 'baseline': "
                        "send the one earlier JSON report to compare with"
                    )
                files.append({"name": part.filename, "data": part.data, "baseline": True})
                continue
            model_format(part.filename, part.media_type, part.data)  # 415 here, not in a worker
            files.append({"name": part.filename, "data": part.data, "media_type": part.media_type})
        if not [f for f in files if not f.get("baseline")]:
            raise InputError("the multipart upload holds no file part" + _why(unchosen, form))
        return files
    body = await read_body(
        request, settings.max_upload_bytes, what="upload", setting="max_upload_bytes"
    )
    name = request.query_params.get("name") or _disposition_name(request) or "upload"
    media = content_type or None
    model_format(name, media, body)  # sniffs XML's root (a few KiB): 415 here, not in a worker
    return [{"name": name, "data": body, "media_type": media}]


def _disposition_name(request: Request) -> str | None:
    """The file name a bare body's ``Content-Disposition`` gives (``attachment;
    filename="org.ttl"``, or ``filename*=UTF-8''...`` (RFC 8187), which wins: RFC 6266 4.3),
    as a multipart part's names its file (RFC 7578 4.2); only its last path segment (RFC 6266
    4.3: a name, not a place to write). None when there is none."""
    given = request.headers.get("content-disposition")
    if not given:
        return None
    header = Message()
    header["Content-Disposition"] = given
    plain = extended = None
    for key, value in header.get_params(header="content-disposition", failobj=[])[1:]:
        if key.lower() != "filename":
            continue
        if isinstance(value, tuple):  # filename*=charset'lang'percent-encoded
            charset, _lang, raw = value
            try:
                extended = raw.encode("latin-1").decode(charset or "us-ascii")
            except (LookupError, UnicodeError):  # no such charset, or not its bytes
                continue
        else:
            plain = value
    filename = extended or plain
    base = re.split(r"[/\\]", filename)[-1].strip() if filename else ""
    return base or None


def _why(unchosen: list[str], form: Form) -> str:
    """Why a multipart upload holds no model: a file field sent empty (no file chosen), or
    the model sent as a text field (curl's ``-F 'model=<org.ttl'`` rather than ``@``)."""
    if unchosen:
        return f": the file field {unchosen[0]!r} was sent without a file chosen"
    if form.fields:
        name = next(iter(form.fields))
        return (
            f": {', '.join(map(repr, form.fields))} {'is a' if len(form.fields) == 1 else 'are'}"
            f" text field{'' if len(form.fields) == 1 else 's'}, not a file (curl -F "
            f"'{name}=@org.ttl' sends the file org.ttl; -F '{name}=<org.ttl' sends its text)"
        )
    return ""


@router.post(
    "/validate",
    summary="Audit an organisational model against the framework rules",
    response_class=Response,
    responses={
        200: {
            "description": "The audit report (JSON, Turtle sh:ValidationReport, HTML, text, "
            "or the findings as CSV or XLSX)",
            "content": openapi_content(*REPORT_OFFERS),
            "headers": {
                "X-Audit-Conforms": header("true when the model conforms (no violation)"),
                "X-Audit-Fails": header("true when the audit fails under failOn, as the CLI"),
                "Content-Disposition": header("The findings file's name (CSV and XLSX)"),
            },
        },
        **problem_responses(400, 406, 413, 415, 422, 429, 503),
    },
    openapi_extra={
        "parameters": [
            query_parameter("format", "The report's format: " + ", ".join(MEDIA_TYPES)),
            query_parameter("name", "The upload's file name (its extension tells its format)"),
            {
                "name": "Content-Disposition",
                "in": "header",
                "required": False,
                "description": "A bare body's file name, as a multipart part gives it "
                '(attachment; filename="org.ttl"); ?name= wins',
                "schema": {"type": "string"},
            },
            query_parameter(
                "asOf", "The audit date, YYYY-MM-DD (default: the day the model states, else today)"
            ),
            query_parameter("profile", "A shipped profile: default, strict, no-chargeback"),
            query_parameter("maxFindings", "At most this many findings in the report"),
            query_parameter("failOn", "X-Audit-Fails: violation, warning, info or new"),
        ],
        "requestBody": {
            "required": True,
            "content": {
                **openapi_content(*RDF_MEDIA_TYPES, *MODEL_MEDIA_TYPES),
                "multipart/form-data": {"schema": {"type": "object"}},
            },
        },
    },
)
async def validate(request: Request) -> Response:
    state: AppState = app_state(request)
    settings = state.settings
    fmt = _report_format(request)
    options = audit_options(request.query_params)
    client = client_key(request.client)
    # Admitted (429/503) before the body is read, holding the admission through the audit.
    with upload_admission(state.pool, client):
        files = await _files(request, settings)
        baseline = [f for f in files if f.get("baseline")]
        result = await while_connected(  # an audit may run minutes: not for nobody
            request,
            audit_rendered(
                state,
                [f for f in files if not f.get("baseline")],
                fmt=fmt,
                options=options,
                baseline=baseline[0] if baseline else None,
                client=client,
            ),
        )
    body = result["body"]
    names = [str(f["name"]) for f in files if not f.get("baseline")]
    headers = {
        "X-Audit-Conforms": "true" if result["conforms"] else "false",
        "X-Audit-Fails": "true" if result.get("fails") else "false",
    }
    if fmt in DOWNLOADS:  # a spreadsheet is saved, not shown: named after the model
        headers["Content-Disposition"] = f'attachment; filename="{findings_file_name(names, fmt)}"'
    return Response(
        content=body.encode("utf-8") if isinstance(body, str) else bytes(body),
        media_type=result["media_type"],
        headers=headers,
    )
