"""SPARQL results: content negotiation, serialisation, and the sandboxed query task.

:func:`execute` is the worker-side task for ad-hoc client queries (``pool.run(
"pcfgraph.sparql_results:execute", ...)``): it runs the query to completion, enforces the row
cap and serialises the whole answer inside the worker, so the server only ever forwards a
complete result (or an error), never a truncated one. The serialisers are shared with the
trusted named-query route, which runs in-process.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from pcfgraph.errors import NotAcceptable, ParseError, QueryRejected, ResultTooLarge
from pcfgraph.iris import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Result media types by query form; the first one is the default.
RESULT_TYPES: tuple[str, ...] = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_TYPES: tuple[str, ...] = (
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
)
#: Common aliases clients send, mapped to what we produce.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json+ld": "application/ld+json",
}
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8"


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    q: float
    specificity: int


def _parse_accept(header: str) -> list[_Range]:
    out: list[_Range] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        mt = fields[0].lower()
        mt = ALIASES.get(mt, mt)
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        t, _, s = mt.partition("/")
        spec = 0 if t == "*" else (1 if s == "*" else 2)
        out.append(_Range(t, s or "*", q, spec))
    return out


def negotiate(accept: str | None, offers: Sequence[str], *, what: str = "this result") -> str:
    """The best of ``offers`` (server preference breaks ties) for an Accept header, or 406."""
    if not accept or not accept.strip():
        return offers[0]
    ranges = _parse_accept(accept)
    best: tuple[float, int] | None = None
    chosen: str | None = None
    for index, offer in enumerate(offers):
        t, _, s = offer.partition("/")
        matches = [
            r
            for r in ranges
            if (r.type == "*" or r.type == t) and (r.subtype == "*" or r.subtype == s)
        ]
        if not matches:
            continue
        q = max(matches, key=lambda r: r.specificity).q
        if q <= 0:
            continue
        key = (q, -index)
        if best is None or key > best:
            best, chosen = key, offer
    if chosen is None:
        raise NotAcceptable(
            f"none of the requested media types ({accept}) is available for {what}; "
            f"available: {', '.join(offers)}"
        )
    return chosen


def offers_for(form: str) -> tuple[str, ...]:
    return GRAPH_TYPES if form in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES


# --- serialisers ------------------------------------------------------------------------------


def _json_term(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv_value(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term.value)
    return str(term)


def serialize_select(
    variables: Sequence[str], rows: Iterable[Sequence[Any]], media_type: str
) -> bytes:
    """A complete SELECT result (rows are term lists aligned with ``variables``; None unbound)."""
    if media_type == "application/sparql-results+json":
        bindings = [
            {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
            for row in rows
        ]
        doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if media_type == "application/sparql-results+xml":
        parts = [
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>',
            *(f"<variable name={quoteattr(v)}/>" for v in variables),
            "</head><results>",
        ]
        for row in rows:
            parts.append("<result>")
            for v, t in zip(variables, row, strict=True):
                if t is not None:
                    parts.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode("utf-8")
    if media_type == "text/csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_value(t) for t in row] for row in rows)
        return buf.getvalue().encode("utf-8")
    if media_type == "text/tab-separated-values":
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise NotAcceptable(f"cannot write SELECT results as {media_type}")


def serialize_boolean(value: bool, media_type: str) -> bytes:
    word = "true" if value else "false"
    if media_type == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if media_type == "application/sparql-results+xml":
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns='
            f'"http://www.w3.org/2005/sparql-results#"><head/><boolean>{word}</boolean></sparql>\n'
        ).encode()
    if media_type in ("text/csv", "text/tab-separated-values"):
        return f"{word}\n".encode()
    raise NotAcceptable(f"cannot write an ASK result as {media_type}")


def serialize_triples(triples: Sequence[ox.Triple], media_type: str) -> bytes:
    fmt = RDF_FORMATS.get(media_type)
    if fmt is None:
        raise NotAcceptable(f"cannot write RDF as {media_type}")
    if fmt == ox.RdfFormat.N_TRIPLES:
        data = ox.serialize(triples, format=fmt)
    else:
        data = ox.serialize(triples, format=fmt, prefixes=dict(PREFIXES))
    return data if isinstance(data, bytes) else b""


# --- the sandboxed task -----------------------------------------------------------------------

_OX_POS = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)


def syntax_error(text: str, exc: BaseException) -> ParseError:
    """A ParseError with line and column: rdflib's parser first, the engine's as fallback.

    Only called after the engine refused the query, so rdflib parses (never evaluates)
    at most once per malformed query, inside the worker process.
    """
    from pcfgraph.queries import check_syntax

    message = str(exc)
    m = _OX_POS.search(message)
    try:
        check_syntax(text)
    except ParseError as rdflib_error:
        if rdflib_error.line is not None:
            rdflib_error.code = "syntax-error"
            return rdflib_error
    if m:
        return ParseError(
            f"SPARQL syntax error: {m.group(3)}",
            line=int(m.group(1)),
            column=int(m.group(2)),
            source="query",
            code="syntax-error",
        )
    return ParseError(f"SPARQL syntax error: {message}", source="query", code="syntax-error")


def _too_many(max_rows: int, what: str) -> ResultTooLarge:
    return ResultTooLarge(
        f"the result has more than {max_rows} {what}, the max_result_rows cap of this "
        f"endpoint; add LIMIT or narrow the query (results are never truncated)"
    )


def evaluate(
    store: ox.Store, payload: dict[str, Any]
) -> tuple[str, Any]:  # ("select", (vars, rows)) | ("ask", bool) | ("graph", triples)
    text: str = payload["query"]
    max_rows: int = int(payload.get("max_rows", 100_000))
    kwargs: dict[str, Any] = {}
    if payload.get("base_iri"):
        kwargs["base_iri"] = payload["base_iri"]
    default_graphs = payload.get("default_graphs")
    named_graphs = payload.get("named_graphs")
    if default_graphs is not None or named_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs or []]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or []]
    elif not payload.get("has_dataset_clause"):
        kwargs["use_default_graph_as_union"] = True
    try:
        result = store.query(text, **kwargs)
    except SyntaxError as exc:
        raise syntax_error(text, exc) from None
    try:
        if isinstance(result, ox.QueryBoolean):
            return "ask", bool(result)
        if isinstance(result, ox.QueryTriples):
            triples: list[ox.Triple] = []
            for t in result:
                triples.append(t)
                if len(triples) > max_rows:
                    raise _too_many(max_rows, "triples")
            return "graph", triples
        variables = [v.value for v in result.variables]
        rows: list[list[Any]] = []
        for sol in result:
            rows.append([sol[v] for v in variables])
            if len(rows) > max_rows:
                raise _too_many(max_rows, "rows")
        return "select", (variables, rows)
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryRejected(f"query evaluation failed: {exc}", code="query-failed") from None


def execute(ctx: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """Worker task: run one client query to completion and serialise it whole."""
    media_type: str = payload["media_type"]
    kind, value = evaluate(ctx.store.store, payload)
    if kind == "select":
        variables, rows = value
        body = serialize_select(variables, rows, media_type)
    elif kind == "ask":
        body = serialize_boolean(value, media_type)
    else:
        body = serialize_triples(value, media_type)
    return {"body": body, "content_type": content_type(media_type)}
