"""The SPARQL query page (``GET /sparql`` from a browser) and its answer without JavaScript.

With JavaScript the page's editor sends the query to ``/sparql`` and draws the answer in
place. Without it, the form submits to ``GET /sparql/results``: the same page again with the
query kept in its textarea and the answer as an HTML table (every value escaped), or the error
beside it (a parse error names its line and column). That route evaluates the query exactly
as ``/sparql`` does in its sandbox worker (:mod:`pcfgraph.sparql_guard`'s checks, the
``SPARQL_QUERY`` task, its deadline, row cap and fairness rules), so nothing here is looser
than the endpoint, and ``/sparql`` itself (its request path is what the SPARQL benchmark
measures) is left as it was.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pcfgraph import iris
from pcfgraph.cells import RISKY_PATTERN
from pcfgraph.conneg import by_name
from pcfgraph.errors import InputError, PcfgraphError, StoreError
from pcfgraph.http.client_gone import run_for_client
from pcfgraph.http.public_url import public_url
from pcfgraph.runtime import AppState, app_state
from pcfgraph.sandbox.tasks import SPARQL_QUERY
from pcfgraph.sparql_guard import check_query_within
from pcfgraph.web.render import page, render

router = APIRouter(include_in_schema=False)

#: Where the page's form goes without JavaScript (with it, the editor posts to ``/sparql``).
RESULTS_PATH = "/sparql/results"
#: The example the page opens with (a named query, so no SPARQL text lives in Python).
DEFAULT_EXAMPLE = "api/frameworks"


@dataclass(frozen=True)
class Cell:
    """One value of an answer as the page shows it: its text, its page (an IRI of ours), and
    what it is (a literal's language or datatype, ``blank node``)."""

    text: str
    href: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Answer:
    form: str
    variables: list[str]
    rows: list[list[Cell | None]]
    boolean: bool | None = None


def sparql_page(request: Request) -> HTMLResponse:
    """The query page browsers get for ``GET /sparql`` (``Pages.sparql``): an editor over the
    same endpoint, the named queries as examples. Protocol clients never see it."""
    return page(_render(app_state(request)))


@router.get(RESULTS_PATH, response_class=HTMLResponse)
async def sparql_results(request: Request, query: str | None = None) -> HTMLResponse:
    """The query page with the answer to ``query`` (the form's submission without
    JavaScript), or with the error that stopped it; the query is kept either way. Without
    a ``query`` at all (the address alone), the page as ``/sparql`` gives it."""
    state = app_state(request)
    if query is None:
        return page(_render(state))
    try:
        answer = await _evaluate(request, state, query)
    except PcfgraphError as exc:
        html = _render(state, query=query, error=str(exc), title="Error: SPARQL query")
        return page(html, exc.http_status)
    return page(_render(state, query=query, answer=answer))


async def _evaluate(request: Request, state: AppState, query: str) -> Answer:
    settings = state.settings
    query = query.removeprefix("\ufeff")
    if not query.strip():
        raise InputError("the query is empty: type one, or choose an example", code="missing-query")
    if len(query.encode("utf-8")) > settings.max_body_bytes:
        raise InputError(f"the query is larger than {settings.max_body_bytes:,} bytes")
    remote = state.services.remote_store
    checked = check_query_within(settings, query, state.known_graphs())
    graph = checked.form not in ("SELECT", "ASK")
    payload: dict[str, Any] = {
        "query": query,
        "media_type": by_name("ntriples" if graph else "sparql-json").media_type,
        "max_rows": settings.max_result_rows,
        "has_dataset_clause": checked.has_dataset_clause,
        # relative IRIs resolve as /sparql resolves them (against its URL): the same
        # answer with JavaScript on (the editor posts to /sparql) or off
        "base_iri": public_url(request.scope, settings, "/sparql"),
    }
    if remote is not None:
        result = await asyncio.to_thread(remote.run_protocol_query, payload)
    else:
        pool = state.pool
        if pool is None:
            raise StoreError("the query sandbox is not running")
        # a tab closed on a slow query frees its worker
        result = await run_for_client(request, pool, SPARQL_QUERY, payload, settings.query_timeout)
    body = bytes(result["body"]).decode("utf-8")
    return _graph_answer(checked.form, body) if graph else _results_answer(body)


def _term(term: dict[str, str]) -> Cell:
    kind, value = term.get("type"), term.get("value", "")
    if kind == "uri":
        return Cell(value, iris.id_path(value))
    if kind == "bnode":
        return Cell("_:" + value, note="blank node")
    lang, datatype = term.get("xml:lang"), term.get("datatype")
    if lang:
        return Cell(value, note="@" + lang)
    if datatype and not datatype.endswith("#string"):
        return Cell(value, note=datatype.rsplit("#", 1)[-1].rsplit("/", 1)[-1])
    return Cell(value)


def _results_answer(body: str) -> Answer:
    doc = json.loads(body)
    if "boolean" in doc:
        return Answer("ASK", [], [], bool(doc["boolean"]))
    variables = list(doc["head"].get("vars", []))
    rows = [
        [_term(binding[v]) if v in binding else None for v in variables]
        for binding in doc["results"]["bindings"]
    ]
    return Answer("SELECT", variables, rows)


def _node(node: Any) -> Cell:
    if isinstance(node, ox.NamedNode):
        return _term({"type": "uri", "value": node.value})
    if isinstance(node, ox.BlankNode):
        return _term({"type": "bnode", "value": node.value})
    if isinstance(node, ox.Literal):
        term = {"type": "literal", "value": node.value, "datatype": node.datatype.value}
        if node.language:
            term["xml:lang"] = node.language
        return _term(term)
    return Cell(str(node))


def _graph_answer(form: str, body: str) -> Answer:
    triples = ox.parse(body.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    rows: list[list[Cell | None]] = [
        [_node(t.subject), _node(t.predicate), _node(t.object)] for t in triples
    ]
    return Answer(form, ["subject", "predicate", "object"], rows)


def _render(
    state: AppState,
    *,
    query: str | None = None,
    answer: Answer | None = None,
    error: str | None = None,
    title: str = "SPARQL query",
) -> str:
    groups: dict[str, list[Any]] = {}
    for q in state.catalog:
        groups.setdefault(q.name.split("/", 1)[0], []).append(q)
    default = next((q for q in state.catalog if q.name == DEFAULT_EXAMPLE), None)
    asked = query is not None
    return render(
        "sparql.html",
        title=title,
        nav="sparql",
        examples=sorted(groups.items()),
        # each example's parameters with a value to try: run unchanged, the page binds
        # them at GET /queries/{name} (unbound, a query such as api/descendants ran on
        # every element until the deadline)
        params_json={
            q.name: json.dumps([p.described() for p in q.params]) for q in state.catalog if q.params
        },
        default_name="" if asked or default is None else default.name,
        default_text=query if asked else (default.text if default else ""),
        results_path=RESULTS_PATH,
        answer=answer,
        error=error,
        prefixes_json=json.dumps(iris.PREFIXES),
        id_base=iris.ID_BASE,
        risky_cell=RISKY_PATTERN,
        max_rows=state.settings.max_result_rows,
        timeout=state.settings.query_timeout,
    )
