"""SPARQL results: the media types offered per query form, serialisation, and the sandboxed
query task (negotiation itself is :mod:`pcfgraph.conneg`).

:func:`execute` is the worker-side task for ad-hoc client queries (``pool.run(
sandbox.tasks.SPARQL_QUERY, ...)``): it runs the query to completion, enforces the row
cap and serialises the whole answer inside the worker, so the server only ever forwards a
complete result (or an error), never a truncated one. The serialisers are shared with the
trusted named-query route, which runs in-process.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any, cast
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from pcfgraph.conneg import by_media_type, content_type, media_types
from pcfgraph.errors import NotAcceptable, ParseError, QueryRejected, ResultTooLarge, quoted
from pcfgraph.iris import PREFIXES

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Result media types by query form; the first one is the default.
RESULT_TYPES: tuple[str, ...] = media_types("sparql-json", "sparql-xml", "csv", "tsv")
SPARQL_JSON, SPARQL_XML, CSV, TSV = RESULT_TYPES
GRAPH_TYPES: tuple[str, ...] = media_types("turtle", "ntriples", "jsonld", "rdfxml")
N_TRIPLES = GRAPH_TYPES[1]


def offers_for(form: str) -> tuple[str, ...]:
    return GRAPH_TYPES if form in ("CONSTRUCT", "DESCRIBE") else RESULT_TYPES


# --- serialisers ------------------------------------------------------------------------------


def json_term(term: Any) -> dict[str, Any]:
    """``term`` as a SPARQL 1.1 Query Results JSON term (``type``, ``value``, a literal's
    ``datatype`` or ``xml:lang``)."""
    return _json_term(term)


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
    if media_type == SPARQL_JSON:
        bindings = [
            {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
            for row in rows
        ]
        doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if media_type == SPARQL_XML:
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
    if media_type == CSV:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_value(t) for t in row] for row in rows)
        return buf.getvalue().encode("utf-8")
    if media_type == TSV:
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise NotAcceptable(f"cannot write SELECT results as {media_type}")


def serialize_boolean(value: bool, media_type: str) -> bytes:
    word = "true" if value else "false"
    if media_type == SPARQL_JSON:
        return b'{"head": {}, "boolean": %s}' % word.encode()  # json.dumps' bytes, made directly
    if media_type == SPARQL_XML:
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns='
            f'"http://www.w3.org/2005/sparql-results#"><head/><boolean>{word}</boolean></sparql>\n'
        ).encode()
    if media_type in (CSV, TSV):
        return f"{word}\n".encode()
    raise NotAcceptable(f"cannot write an ASK result as {media_type}")


def serialize_triples(triples: Iterable[ox.Triple], media_type: str) -> bytes:
    known = by_media_type(media_type) if media_type in GRAPH_TYPES else None
    fmt = known.rdf_format if known is not None else None
    if fmt is None:
        raise NotAcceptable(f"cannot write RDF as {media_type}")
    return _written(triples, fmt)


def serialize_quads(quads: Iterable[ox.Quad], media_type: str) -> bytes:
    """``quads`` as TriG or N-Quads (a dataset: each statement keeps its graph's name)."""
    known = by_media_type(media_type)
    fmt = known.rdf_format if known is not None and known.rdf is not None else None
    if fmt not in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        raise NotAcceptable(f"cannot write a dataset as {media_type}")
    return _written(quads, fmt)


def _written(items: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: ox.RdfFormat) -> bytes:
    """``items`` in ``fmt``, with the prefixes where the format has them (not line formats)."""
    if fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        data = ox.serialize(items, format=fmt)
    else:
        data = ox.serialize(items, format=fmt, prefixes=dict(PREFIXES))
    return data if isinstance(data, bytes) else b""


# --- the sandboxed task -----------------------------------------------------------------------

_OX_POS = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
#: rdflib's message for text after a complete query.
_AFTER_THE_END = "SPARQL syntax error: Expected end of text"
#: rdflib's message when it can only name the query form's rule it could not finish.
_NAMES_NO_REASON = re.compile(
    r"SPARQL syntax error: Expected (?:Select|Construct|Ask|Describe)Query"
)


def syntax_error(text: str, exc: BaseException) -> ParseError:
    """A ParseError with line and column: rdflib's parser first, the engine's as fallback.

    Only called after the engine refused the query, so rdflib parses (never evaluates)
    at most once per malformed query, inside the worker process.
    """
    from pcfgraph.queries import check_syntax
    from pcfgraph.sparql_guard import undeclared_prefix

    message = str(exc)
    m = _OX_POS.search(message)
    engine_at = (int(m.group(1)), int(m.group(2))) if m else None
    said = engine_sentences(m.group(3)) if m else None
    found: ParseError | None = None
    if said is None:  # the engine says what it expected, not why: rdflib's parser says where
        try:
            check_syntax(text)
        except ParseError as rdflib_error:
            if rdflib_error.line is not None:
                rdflib_error.code = "syntax-error"
                found = rdflib_error
    undeclared = undeclared_prefix(text)
    if undeclared is not None:
        # reported unless the parsers found an error before it (which may be its cause)
        prefix, line, column = undeclared
        before = [engine_at] if engine_at is not None else []
        if found is not None and found.line is not None:
            before.append((found.line, found.column or 0))
        if all((line, column) <= at for at in before):
            known = PREFIXES.get(prefix)
            return ParseError(
                f"SPARQL syntax error: the prefix '{prefix}:' is not declared; add "
                f"PREFIX {prefix}: <{known or '...'}> before the query",
                line=line,
                column=column,
                source="query",
                code="syntax-error",
            )
    if found is not None and (
        found.detail == _AFTER_THE_END or _NAMES_NO_REASON.fullmatch(found.detail)
    ):
        found = _with_a_reason(text, found)
    if found is not None:
        return found
    if m:
        return ParseError(
            f"SPARQL syntax error: {said or m.group(3)}",
            line=int(m.group(1)),
            column=int(m.group(2)),
            source="query",
            code="syntax-error",
        )
    return ParseError(f"SPARQL syntax error: {message}", source="query", code="syntax-error")


#: One alternative of pyoxigraph's "expected one of ...": a quoted token, a character class
#: (its quoted characters may hold commas and brackets), or anything else up to a comma.
_OX_ALTERNATIVE = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|\[(?:'(?:[^'\\]|\\.)*'|[^\]'])*\]|[^,]+)""")


def _with_a_reason(text: str, found: ParseError) -> ParseError:
    """rdflib's error where it names no reason ("Expected SelectQuery": the query form's rule
    it could not finish; "Expected end of text"), said in words: the bracket or string left
    open or closing nothing, else what stands where it stopped reading."""
    from pcfgraph.sparql_guard import unbalanced

    open_at = unbalanced(text)
    line: int | None
    column: int | None
    if open_at is not None:
        message, line, column = open_at
        message = f"SPARQL syntax error: {message}"
    else:
        line, column = found.line, found.column
        lines = text.splitlines()
        at = lines[line - 1][(column or 1) - 1 :].strip() if line and line <= len(lines) else ""
        if not at:
            return found
        message = (
            f"SPARQL syntax error: the query should end before {quoted(at, 40)} (a misspelt "
            "keyword, or a clause in the wrong place?)"
            if found.detail == _AFTER_THE_END
            else f"SPARQL syntax error: cannot read the query from here: {quoted(at, 40)}"
        )
    return ParseError(message, line=line, column=column, source="query", code="syntax-error")


def engine_sentences(text: str) -> str | None:
    """The explanations pyoxigraph gives among what it expected, None when it gives none: it
    lists its own sentences ("The SELECT contains a variable that is unbound", "IRI parsing
    failed", "Duplicated variable name in SELECT") as alternatives of "expected one of" (or
    of "expected"), beside pages of character classes. Where it gives one it points at the
    problem (rdflib's parser, asked otherwise, said "Expected SelectQuery" at the start of
    the group for an IRI with a space)."""
    head = next((h for h in ("expected one of ", "expected ") if text.startswith(h)), None)
    if head is None:
        return None
    found = (a.strip() for a in _OX_ALTERNATIVE.findall(text, len(head)))
    said = [a for a in found if " " in a and not a.startswith(('"', "["))]
    return "; ".join(said) if said else None


def _too_many(max_rows: int, what: str) -> ResultTooLarge:
    return ResultTooLarge(
        f"the result has more than {max_rows} {what}, the max_result_rows cap of this "
        f"endpoint; add LIMIT or narrow the query (results are never truncated)"
    )


#: Native result formats of pyoxigraph, and the fewest bytes one row takes in each (an empty
#: solution: ``{},`` / ``<result></result>`` / ``\r\n`` / ``\n``). A serialised answer no longer
#: than ``max_rows`` times that cannot hold more than ``max_rows`` rows.
NATIVE_RESULT_FORMATS: dict[str, tuple[ox.QueryResultsFormat, int]] = {
    SPARQL_JSON: (ox.QueryResultsFormat.JSON, 3),
    SPARQL_XML: (ox.QueryResultsFormat.XML, 17),
    CSV: (ox.QueryResultsFormat.CSV, 2),
    TSV: (ox.QueryResultsFormat.TSV, 1),
}


class _OverBudget(Exception):
    pass


class _BudgetWriter:
    """A binary sink for pyoxigraph's serialisers that stops past ``budget`` bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.chunks: list[bytes] = []
        self.over = False

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.budget:
            self.over = True
            raise _OverBudget
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


def query_kwargs(payload: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``Store.query`` for a checked query's ``payload`` (its base
    IRI and dataset); never changed by the evaluation, so they may be used again."""
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
    return kwargs


def _run(store: ox.Store, text: str, kwargs: dict[str, Any]) -> Any:
    try:
        return store.query(text, **kwargs)
    except SyntaxError as exc:
        raise syntax_error(text, exc) from None


#: Past the byte budget a JSON or XML answer is still written whole up to this size and its
#: rows counted by reading it back with pyoxigraph's parser (~10 ms for 2 MB), instead of
#: evaluating the query twice more (search on every shared workbook, 6,132 rows, 2 MB:
#: 131 -> ~75 ms at the default cap). CSV cannot be read back losslessly, TSV's empty rows
#: are empty lines: those two keep counting by evaluating again.
READ_BACK_BYTES = 32 * 1024 * 1024
READ_BACK_FORMATS = frozenset({SPARQL_JSON, SPARQL_XML})


def _select_native(
    store: ox.Store,
    text: str,
    kwargs: dict[str, Any],
    result: ox.QuerySolutions,
    media_type: str,
    max_rows: int,
) -> bytes:
    """A SELECT answer written by pyoxigraph itself (no Python term objects per row).

    The row cap stays exact without counting rows in the output: while the answer is at most
    ``max_rows`` times the smallest possible row it cannot exceed the cap. Past that byte
    budget a JSON or XML answer of at most ``READ_BACK_BYTES`` is read back and its rows
    counted (:func:`_rows_read_back`); otherwise the query is evaluated again and its rows
    counted (stopping at the cap), and only then written out in full. So memory stays
    bounded and large answers cost a read or one more pass.
    """
    fmt, min_row = NATIVE_RESULT_FORMATS[media_type]
    budget = max_rows * min_row
    read_back = media_type in READ_BACK_FORMATS and budget < READ_BACK_BYTES
    sink = _BudgetWriter(READ_BACK_BYTES if read_back else budget)
    try:
        result.serialize(cast("IO[bytes]", sink), format=fmt)
    except (OSError, _OverBudget):
        if not sink.over:
            raise
    else:
        body = sink.getvalue()
        if sink.size <= budget:
            return body
        rows = _rows_read_back(body, fmt, max_rows)
        if rows is not None:
            if rows > max_rows:
                raise _too_many(max_rows, "rows")
            return body
    for rows, _ in enumerate(_run(store, text, kwargs), 1):
        if rows > max_rows:
            raise _too_many(max_rows, "rows")
    data = _run(store, text, kwargs).serialize(format=fmt)
    return data if isinstance(data, bytes) else b""


def _rows_read_back(body: bytes, fmt: ox.QueryResultsFormat, max_rows: int) -> int | None:
    """The rows of a written answer, up to ``max_rows + 1``, read by pyoxigraph's parser
    (None if it cannot read it: the caller counts by evaluating again)."""
    try:
        solutions = ox.parse_query_results(body, format=fmt)
        if not isinstance(solutions, ox.QuerySolutions):
            return None
        return sum(1 for _ in itertools.islice(solutions, max_rows + 1))
    except (SyntaxError, ValueError, OSError):
        return None


def execute(ctx: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """Worker task: run one client query to completion and serialise it whole."""
    store: ox.Store = ctx.store.store
    text: str = payload["query"]
    kwargs = query_kwargs(payload)
    result = _run(store, text, kwargs)
    try:
        return serialize_answer(store, payload, kwargs, result)
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryRejected(f"query evaluation failed: {exc}", code="query-failed") from None


def serialize_answer(
    store: ox.Store, payload: dict[str, Any], kwargs: dict[str, Any], result: Any
) -> dict[str, Any]:
    """One query's ``result`` written whole in the payload's media type, within its row cap:
    the body a worker (:func:`execute`) and in-process evaluation
    (:mod:`pcfgraph.api.sparql_local`) answer alike."""
    media_type: str = payload["media_type"]
    max_rows = int(payload.get("max_rows", 100_000))
    if isinstance(result, ox.QueryBoolean):
        body = serialize_boolean(bool(result), media_type)
    elif isinstance(result, ox.QueryTriples) and media_type == N_TRIPLES:
        body = _ntriples_native(store, payload["query"], kwargs, result, max_rows)
    elif isinstance(result, ox.QueryTriples):
        body = _triples_within(result, max_rows, media_type)
    elif media_type in NATIVE_RESULT_FORMATS:
        body = _select_native(store, payload["query"], kwargs, result, media_type, max_rows)
    else:
        raise NotAcceptable(f"cannot write SELECT results as {media_type}")
    return {"body": body, "content_type": content_type(media_type)}


def _ntriples_native(
    store: ox.Store,
    text: str,
    kwargs: dict[str, Any],
    result: ox.QueryTriples,
    max_rows: int,
) -> bytes:
    """A graph answer in N-Triples written by pyoxigraph itself (no Python term objects per
    triple: ~11 % of a 700-triple CONSTRUCT's time on the server).

    Its row cap stays exact by counting lines: pyoxigraph writes canonical N-Triples, one
    statement per line, with line breaks inside literals escaped. An answer over
    ``READ_BACK_BYTES`` is not kept whole; the query is evaluated again and its triples
    counted as in the other formats (:func:`_triples_within`).
    """
    sink = _BudgetWriter(READ_BACK_BYTES)
    try:
        result.serialize(cast("IO[bytes]", sink), format=ox.RdfFormat.N_TRIPLES)
    except (OSError, _OverBudget):
        if not sink.over:
            raise
        return _triples_within(_run(store, text, kwargs), max_rows, N_TRIPLES)
    body = sink.getvalue()
    if body.count(b"\n") > max_rows:
        raise _too_many(max_rows, "triples")
    return body


def _triples_within(result: ox.QueryTriples, max_rows: int, media_type: str) -> bytes:
    """``result`` written whole, or :class:`ResultTooLarge` past ``max_rows`` triples.

    The writer pulls at most ``max_rows`` triples through ``islice`` (C, no Python frame per
    triple: a generator counting them cost ~0.1 ms a thousand triples, 7 % of
    construct-subtree); one more left in the result means the cap was passed.
    """
    body = serialize_triples(itertools.islice(result, max_rows), media_type)
    if next(result, None) is not None:
        raise _too_many(max_rows, "triples")
    return body
