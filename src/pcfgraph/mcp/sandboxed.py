"""The MCP tools that run in the sandbox worker pool: ad-hoc SPARQL (the ``/sparql`` guard,
deadline and row cap) and audits (the ``POST /validate`` task, deadline and size limits).
Nothing here is looser than the HTTP API."""

from __future__ import annotations

import json
import re
from typing import Any

import anyio

from pcfgraph import cursors, iris, services
from pcfgraph.conneg import by_name, formats
from pcfgraph.dates import calendar_date
from pcfgraph.errors import InputError, ParseError, PcfgraphError, StoreError, quoted
from pcfgraph.mcp.paging import ArgumentError, bounded_page, carried_by, check_page, page
from pcfgraph.mcp.results import readable_sources, sources
from pcfgraph.mcp.state import ServedState


async def sparql(
    st: ServedState,
    query: str,
    limit: int | None = None,
    cursor: str | None = None,
    client: str | None = None,
) -> dict[str, Any]:
    """Run ``query`` in the sandbox pool for ``client`` (the caller's key for the pool's
    fairness rules: :func:`pcfgraph.mcp.server.caller_key`)."""
    from pcfgraph.sandbox.tasks import SPARQL_QUERY
    from pcfgraph.sparql_guard import check_query_within

    settings = st.settings
    if not query.strip():
        raise ArgumentError("query", "is empty")
    if len(query.encode("utf-8")) > settings.max_body_bytes:
        raise ArgumentError("query", f"is larger than {settings.max_body_bytes} bytes")
    try:
        # the limits /sparql has (depth, tokens, width): none looser at /mcp
        checked = check_query_within(settings, query, frozenset(st.release.store.graph_names()))
    except PcfgraphError as exc:  # refused (update, SERVICE, too deep) or does not parse
        raise ArgumentError("query", str(exc)) from None
    media = by_name("sparql-json" if checked.form in ("SELECT", "ASK") else "ntriples").media_type
    payload = {
        "query": query,
        "media_type": media,
        "max_rows": settings.max_result_rows,
        "has_dataset_clause": checked.has_dataset_clause,
        "base_iri": iris.ID_BASE,
    }
    # a limit or cursor it would refuse once the query has run (a sandbox slot, up to the
    # deadline) is refused first
    release = st.release.release_id  # the cursors' (pinned before the query runs)
    check_page(limit, cursor, kind="sparql", scope={"query": query}, release=release)
    pool = st.services.pool
    if pool is None:
        raise StoreError("the query sandbox is not running")
    try:
        result = await pool.run(
            SPARQL_QUERY, payload, timeout=settings.query_timeout, client=client
        )
    except ParseError as exc:  # the store's parser: it was "query, line 1, column 18: ..."
        raise ArgumentError("query", _position(exc)) from None
    body = bytes(result["body"]).decode("utf-8")
    graphs = [*checked.from_graphs, *checked.from_named_graphs]
    if media == by_name("ntriples").media_type:
        lines = [line for line in body.splitlines() if line.strip()]
        out = bounded_page(
            lines, limit, cursor, kind="sparql", scope={"query": query}, release=release
        )
        out["form"] = checked.form
        out["sources"] = await _readable_sources(st, graphs, bool(out["items"]))
        return out
    doc = json.loads(body)
    if "boolean" in doc:
        return {"form": "ASK", "boolean": doc["boolean"]}
    bindings = doc["results"]["bindings"]
    rows = [{k: v.get("value") for k, v in binding.items()} for binding in bindings]
    # What a value is, beside it (a row holds values only: an IRI and a literal "https://..."
    # read the same): per row, each variable's SPARQL JSON term without its value, "type"
    # (uri, literal, bnode, triple) and a literal's "datatype" or "xml:lang".
    terms = [
        {k: {kk: vv for kk, vv in v.items() if kk != "value"} for k, v in binding.items()}
        for binding in bindings
    ]
    out = bounded_page(
        rows, limit, cursor, kind="sparql", scope={"query": query}, release=release, terms=terms
    )
    out["form"] = "SELECT"
    out["variables"] = doc["head"].get("vars", [])
    out["sources"] = await _readable_sources(st, graphs, bool(out["items"]))
    return out


async def _readable_sources(st: ServedState, graphs: list[str], quoted: bool) -> dict[str, str]:
    """Rows quote the frameworks the query could read (none quoted: nothing to cite)."""
    if not quoted:
        return {}
    reader = services.Reader(st.release.store, st.catalog)
    return await anyio.to_thread.run_sync(readable_sources, reader, graphs)


async def audit_model(
    st: ServedState,
    model: str,
    format: str = "turtle",
    as_of: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
    client: str | None = None,
) -> dict[str, Any]:
    """Audit ``model`` for ``client`` (the caller's key for the pool's fairness rules); ``as_of`` (YYYY-MM-DD) is the day date-dependent controls are judged
    on (review due, expiry); when not given, the day the model states (``orgm:describedAsOf``),
    else today, as ``POST /validate?asOf=``.

    The model has arrived with the call (one JSON-RPC message), but nothing is made of it
    before the pool admits the audit, as ``POST /validate`` admits before reading its body:
    the arguments are checked on the text as given (a text of more characters than
    ``max_upload_bytes`` cannot fit, a character being at least one byte in UTF-8), then the
    admission is taken (a busy server refuses here), and only then is the model encoded and
    handed to the sandbox (it was encoded, and copied once more, before a refusal)."""
    from pcfgraph.sandbox.tasks import AUDIT_UPLOAD

    settings = st.settings
    if format not in MODEL_FORMATS:
        raise ArgumentError(
            "format", f"use one of {', '.join(MODEL_FORMATS)}, not {quoted(format)}"
        )
    if not model or model.isspace():
        raise ArgumentError("model", "is empty")
    too_large = f"is larger than {settings.max_upload_bytes} bytes (max_upload_bytes)"
    if len(model) > settings.max_upload_bytes:
        raise ArgumentError("model", too_large)
    day = None
    if as_of is not None:
        try:
            day = calendar_date(as_of).isoformat()
        except ValueError:
            raise ArgumentError(
                "as_of", f"must be a date YYYY-MM-DD, not {quoted(as_of)}"
            ) from None
    release = st.release.release_id  # the cursors' (pinned before the audit runs)
    carried = carried_by(cursor, "audit_model", release=release)
    scope = audit_scope(model, format, day, carried)
    # the day the cursors carry is the day judged on, said as the first page said it; none
    # yet: the model's day (orgm:describedAsOf), else today, as POST /validate judges on
    options: dict[str, Any] = {"as_of": scope["asOf"]} if scope.get("asOf") else {}
    if day is None and isinstance(carried.get("asOfSource"), str):  # the worker checks it
        options["as_of_source"] = carried["asOfSource"]
    # before the audit, not after
    check_page(limit, cursor, kind="audit_model", scope=scope, release=release)
    pool = st.services.pool
    if pool is None:
        raise StoreError("the audit sandbox is not running")
    with pool.reserved(client):  # admitted before the model is copied (the run takes this)
        data = model.encode("utf-8")
        if len(data) > settings.max_upload_bytes:
            raise ArgumentError("model", too_large)
        filename, media = MODEL_FORMATS[format]
        payload = {
            "options": options,
            "files": [{"name": filename, "data": data, "media_type": media}],
            "format": "json",
            "max_bytes": settings.max_upload_bytes,
            "max_triples": settings.max_upload_triples,
            "fork_shacl": settings.audit_fork,
            # named in the report's checkedAgainst, as POST /validate names it
            "release_id": st.release.release_id,
        }
        try:
            result = await pool.run(
                AUDIT_UPLOAD, payload, timeout=settings.validate_timeout, client=client
            )
        except InputError as exc:
            raise model_problem(str(exc)) from None
    report = json.loads(result["body"])
    if not scope.get("asOf"):  # the cursors carry the day judged on, and whence it came
        scope = {**scope, "asOf": report.get("asOf"), "asOfSource": report.get("asOfSource")}
    findings = report.get("findings") or report.get("results") or []
    out = page(findings, limit, cursor, kind="audit_model", scope=scope, release=release)
    out["conforms"] = result["conforms"]
    out["verdict"] = "conforms" if result["conforms"] else "findings"
    out["counts"] = result.get("counts")
    out["report"] = report_summary(report)
    cited = sorted({str(f["sourceIri"]) for f in out["items"] if f.get("sourceIri")})
    out["sources"] = await anyio.to_thread.run_sync(_sources_of, st, cited)
    return out


#: ``audit_model``'s arguments by the names its cursors carry them under.
AUDIT_ARGUMENTS = {"model": "model", "format": "format", "asOf": "as_of"}


def audit_scope(
    model: str, format: str, day: str | None, carried: dict[str, Any]
) -> dict[str, Any]:
    """What an audit's pages depend on, its cursors carry: the model, its format and the day
    (``as_of``, else the cursor's; else None, filled in after the audit with the day it judged
    on: the model's own, else today's). The day was carried only when given: a caller that
    left it out paged an audit of today, and a page asked for after midnight was cut from the
    next day's audit; one that gave it on the first call only was refused as "another list". An argument given with a cursor that says
    otherwise is refused naming it: its pages would be of another audit."""
    carried_day = carried.get("asOf")
    if carried_day is not None:  # the day judged on: one no date failed in the sandbox
        try:
            calendar_date(carried_day if isinstance(carried_day, str) else "")
        except ValueError:
            raise ArgumentError(
                "cursor",
                "invalid cursor: not a cursor this server gave out (its day is no date); "
                "leave cursor out to audit anew from the first page",
            ) from None
    scope = {"model": model, "format": format, "asOf": day or carried_day}
    if not day and carried.get("asOfSource") is not None:
        scope["asOfSource"] = carried["asOfSource"]
    for key in cursors.contradicted(carried, scope):
        argument = AUDIT_ARGUMENTS.get(key)
        if argument is None:
            continue  # not an argument: the generic check names the cursor
        what = (
            f"{day} is not the day the cursor pages the audit as of ({carried[key]})"
            if key == "asOf"
            else f"is not the {argument} of the audit the cursor pages"
        )
        raise ArgumentError(
            argument,
            f"{what}: give the same {argument}"
            + (" or leave it out to go on with the cursor's" if key == "asOf" else "")
            + ", or leave cursor out to audit anew from the first page",
        )
    return scope


def _sources_of(st: ServedState, element_iris: list[str]) -> dict[str, str]:
    """The rights statements of the frameworks the findings' source elements belong to."""
    reader = services.Reader(st.release.store, st.catalog)
    found = services.elements_by_iris(reader, [(iri, None) for iri in element_iris])
    return sources(reader, {e.framework_id for e in found if e is not None})


def report_summary(report: dict[str, Any]) -> dict[str, Any]:
    """How the audit ran and what it found, without what would crowd an assistant's context:
    coverage as figures (not every implemented element), no rule catalogue (each finding
    names its rule, message and source), but what answered (``checkedAgainst``: the release
    and the framework editions, without their rights, which ``sources`` gives). It left that
    out, so an assistant could not say which release or APQC version judged the model.
    ``POST /validate`` gives the whole report."""
    keys = ("asOf", "asOfSource", "maxFindings", "truncated", "groups")
    out: dict[str, Any] = {k: report[k] for k in keys if k in report}
    profile = report.get("profile")
    out["profile"] = profile.get("name") if isinstance(profile, dict) else profile
    out["coverage"] = {
        key: {k: c.get(k) for k in ("title", "root", "total", "covered", "percent")}
        for key, c in (report.get("coverage") or {}).items()
    }
    out["maturity"] = report.get("maturity") or []
    # what answered: the release and the framework editions the model was checked against
    # (their rights are in the answer's sources), and how much model was read
    checked = report.get("checkedAgainst")
    if isinstance(checked, dict):
        out["checkedAgainst"] = {
            "pcfgraph": checked.get("pcfgraph"),
            "release": checked.get("release"),
            "frameworks": [
                {k: f.get(k) for k in ("id", "title", "version")}
                for f in checked.get("frameworks") or []
            ],
        }
    model = report.get("model")
    if isinstance(model, dict) and "triples" in model:
        out["model"] = {"triples": model["triples"]}
    return out


_ARCHIMATE_XML = ("model.xml", "application/xml")
#: Model formats ``audit_model`` takes: a file name (the parser goes by its extension) and the
#: media type, as an upload to ``POST /validate`` would carry them.
#: (An ArchiMate exchange model is XML, told apart from RDF/XML by its root element.)
MODEL_FORMATS: dict[str, tuple[str, str]] = {
    f.name: (f"model{f.suffix}", f.media_type) if f.name != "archimate" else _ARCHIMATE_XML
    for f in formats("turtle", "trig", "jsonld", "ntriples", "nquads", "rdfxml", "archimate")
}


#: The auditor's word for a file whose content is another format than its name or type says:
#: the extension to name it with ("name it .xml", "send it as Turtle (.ttl, text/turtle)").
_RENAME = re.compile(r"name it (\.\w+)|send it as [^();]*\((\.\w+), [^)]*\)")


def model_problem(message: str) -> ArgumentError:
    """The auditor's ``message`` about the model as ``audit_model``'s argument error. A
    model whose content is another format than ``format`` says was told to "name it .xml" or
    "send it as Turtle (.ttl, text/turtle)": a file's name and media type, which a tool call
    has neither of. That is a problem of ``format``, naming the one to give."""
    found = _RENAME.search(message)
    if found is not None:
        suffix = found.group(1) or found.group(2)
        named = [f for f, (name, _) in MODEL_FORMATS.items() if name.endswith(suffix)]
        if named:
            give = f"give format {named[0]!r}"
            return ArgumentError("format", message[: found.start()] + give + message[found.end() :])
    return ArgumentError("model", message)


def _position(error: ParseError) -> str:
    """A query's parse error as an argument's problem: where (line, column) and what, without
    the "query, " its message starts with (the argument names it)."""
    line, column = getattr(error, "line", None), getattr(error, "column", None)
    detail = str(getattr(error, "detail", None) or error)
    where = [f"{name} {value}" for name, value in (("line", line), ("column", column)) if value]
    return f"{', '.join(where)}: {detail}" if where else detail
