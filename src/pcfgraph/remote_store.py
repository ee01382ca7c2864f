"""A remote store: any SPARQL 1.1 Protocol + Graph Store Protocol server as the query engine.

:class:`RemoteStore` implements the :class:`~pcfgraph.store.GraphStore` interface the services
use (``select``/``ask``/``construct``/``graph_names``/``__len__``) over HTTP (the standard
library's ``http.client``, :mod:`pcfgraph.http_client`), so any
number of stateless pcfgraph replicas can sit in front of Oxigraph server, Fuseki, GraphDB or
Neptune (``docs/remote-store.md``). :func:`push_release` loads a release with the Graph Store
Protocol: one ``PUT`` per named graph, which the server applies atomically per graph.

**Union default graph.** Named queries assume the default graph is the union of all named
graphs (as in the embedded store). Servers disagree on their default graph, so every query
names its dataset with the protocol itself: ``default-graph-uri`` and ``named-graph-uri`` for
each graph of the release (as its pushed manifest lists them; cached). That is standard SPARQL 1.1 Protocol and
needs no server configuration.

**Parameters are bound as RDF terms, never formatted into text.** The protocol has no
pre-binding, so the bound terms must travel in the query text; we considered:

- a trailing ``VALUES`` block: SPARQL joins it *after* grouping, aggregation and HAVING, and
  after FILTERs ran with the parameter unbound, so it changes the meaning of most queries;
- a ``VALUES`` block at the start of the WHERE group: FILTERs and BINDs in nested groups,
  UNION branches and sub-selects still see the parameter unbound, and each UNION branch is
  evaluated unconstrained (full scans);
- rdflib's algebra with ``translateAlgebra`` back to text: lossy for property paths and
  modifiers in rdflib 7.

What we do is what pyoxigraph's ``substitutions=`` (SEP-0007) does, at the token level: the
query is split by the same SPARQL lexer the untrusted-query guard uses
(:func:`pcfgraph.sparql_guard.tokens`: IRIs, strings, comments are single tokens), and each
*variable token* of a parameter is replaced by the parameter's term written by pyoxigraph's own
N-Triples term writer (one token, escaped; an IRI is validated by ``NamedNode``). Where a
variable must stay a variable (a projection, ``GROUP BY``/``ORDER BY`` keys) it is left as
the variable, which the substitution leaves unbound everywhere (a constant key groups and
orders nothing), and :meth:`RemoteStore.select` fills a projected parameter's column with the
bound term, as SEP-0007 returns it. (Projecting ``(TERM AS ?var)`` instead is standard too,
but Virtuoso 7 refuses a constant ``GROUP BY`` key with ``ORDER BY`` (SQ200), fails sorting a
projected decimal constant (SR128) and returns a projected ``true`` as the integer 1.) No
caller text ever reaches the query except as a serialised RDF term; the golden query tests
run every named query against both stores and compare results.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.conneg import by_name
from pcfgraph.errors import InputError, QueryRejected, QueryTimeout, ReleaseError, StoreError
from pcfgraph.http_client import HttpClient, HttpError, HttpResponse, HttpTimeout, shown
from pcfgraph.queries import NamedQuery
from pcfgraph.release import Release
from pcfgraph.sparql_guard import tokens
from pcfgraph.store import SelectResult, ask_result, select_result

SPARQL_JSON = by_name("sparql-json").media_type
N_TRIPLES = by_name("ntriples").media_type
FORM = "application/x-www-form-urlencoded"
#: Virtuoso Open Source 7 answers an ASK as a one-column SELECT of this variable (1 or none).
VIRTUOSO_ASK_COLUMN = "__ASK_RETVAL"


def _release_query(name: str) -> NamedQuery:
    from pcfgraph.release import named_release_query

    return named_release_query(name)


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def parse_json_results(data: bytes) -> Any:
    """SPARQL JSON results as pyoxigraph results, with what Virtuoso writes differently made
    standard first: blank node ids such as ``nodeID://b10006`` (not valid N-Triples labels;
    renamed consistently within the answer) and booleans written ``"0"``/``"1"`` (the
    canonical ``false``/``true``, so they compare and read as the embedded store's do)."""
    if b"nodeID://" in data or XSD_BOOLEAN.encode() in data:
        doc = json.loads(data)
        for row in (doc.get("results") or {}).get("bindings") or []:
            for term in row.values():
                if not isinstance(term, dict):
                    continue
                value = term.get("value")
                if term.get("type") == "bnode" and isinstance(value, str):
                    term["value"] = "b" + hashlib.sha256(value.encode()).hexdigest()[:24]
                elif term.get("datatype") == XSD_BOOLEAN and value in ("0", "1"):
                    term["value"] = "true" if value == "1" else "false"
        data = json.dumps(doc).encode("utf-8")
    return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)


def boolean_answer(res: object) -> bool | None:
    """The answer of an ASK query: a standard boolean result, or Virtuoso's one-column SELECT
    of ``__ASK_RETVAL`` (a row with 1 for true, no row for false); None for anything else."""
    if isinstance(res, ox.QueryBoolean):
        return bool(res)
    if isinstance(res, ox.QuerySolutions) and [v.value for v in res.variables] == [
        VIRTUOSO_ASK_COLUMN
    ]:
        return any(
            isinstance(value := sol[VIRTUOSO_ASK_COLUMN], ox.Literal)
            and value.value not in ("0", "false")
            for sol in res
        )
    return None


def term_text(term: ox.NamedNode | ox.Literal | ox.BlankNode | ox.Triple) -> str:
    """A term in N-Triples syntax (valid SPARQL term syntax), written by pyoxigraph."""
    if isinstance(term, ox.BlankNode):
        raise InputError("blank nodes cannot be bound as query parameters")
    return str(term)


def bind_text(text: str, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """Replace parameter variables by their RDF terms (see the module docstring)."""
    if not bindings:
        return text
    toks = list(tokens(text))
    out: list[str] = []
    last = 0
    keys = False  # in a projection or a GROUP BY / ORDER BY clause
    paren = 0
    for i, tok in enumerate(toks):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word in ("SELECT", "GROUP", "ORDER"):
            keys, paren = True, 0
        elif word in ("WHERE", "FROM", "HAVING", "LIMIT", "OFFSET", "VALUES") or (
            tok.kind in ("open", "close") and tok.text in "{}"
        ):
            keys = False
        if tok.kind == "open" and tok.text == "(":
            paren += 1
        elif tok.kind == "close" and tok.text == ")":
            paren = max(0, paren - 1)
        if tok.kind != "var" or tok.text[1:] not in bindings:
            continue
        name = tok.text[1:]
        prev = toks[i - 1].text.upper() if i > 0 else ""
        if prev in ("AS", "VALUES"):
            raise InputError(
                f"parameter ?{name} is assigned in the query (AS/VALUES); it cannot be bound"
            )
        if keys and paren == 0:
            continue  # a projected or grouping/ordering key: stays the (unbound) variable
        out.append(text[last : tok.pos])
        out.append(term_text(bindings[name]))
        last = tok.pos + len(tok.text)
    out.append(text[last:])
    return "".join(out)


#: Virtuoso's headers on an answer it cut short, with status 200 and the rows found so far:
#: ``X-SQL-State`` (e.g. ``S1TAT``: interrupted by the result timeout of an "anytime query")
#: and ``X-SPARQL-MaxRows`` (the answer stopped at ``ResultSetMaxRows`` or ``maxrows`` rows).
SQL_STATE_HEADER = "X-SQL-State"
MAX_ROWS_HEADER = "X-SPARQL-MaxRows"
#: The SQL state of an answer interrupted by a result timeout.
RESULT_TIMEOUT_STATE = "S1TAT"
_LIMITS = "see docs/remote-store.md, Virtuoso's settings"


def incomplete_answer(url: str, response: HttpResponse) -> None:
    """Raise when the server marks its answer as incomplete: serving part of an answer as the
    answer would be silently wrong. A time limit is a 503 (try again), a row limit a 502."""
    state = response.header(SQL_STATE_HEADER)
    if state:
        detail = " ".join((response.header("X-SQL-Message") or "").split())[:200]
        message = (
            f"the remote store {url} returned an incomplete answer (X-SQL-State {state}: "
            f"{detail}); no partial answer is served ({_LIMITS})"
        )
        if state.strip().upper() == RESULT_TIMEOUT_STATE:
            raise QueryTimeout(message, retry_after=2)
        raise StoreError(message)
    rows = response.header(MAX_ROWS_HEADER)
    if rows:
        raise StoreError(
            f"the remote store {url} cut its answer at {rows.strip()} rows (X-SPARQL-MaxRows, "
            f"its ResultSetMaxRows setting); no partial answer is served ({_LIMITS})"
        )


def with_parameters(
    result: SelectResult, bindings: Mapping[str, ox.NamedNode | ox.Literal]
) -> SelectResult:
    """A projected parameter's column holds the bound term in every row (SEP-0007)."""
    for name in set(bindings) & set(result.variables):
        for row in result.rows:
            row[name] = bindings[name]
    return result


class RemoteStore:
    """A GraphStore over the SPARQL 1.1 Protocol (queries) of a remote server."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        client: HttpClient | None = None,
        query_params: Sequence[tuple[str, str]] = (),
        graphs: Sequence[str] | None = None,
    ) -> None:
        """``query_params``: protocol parameters sent with every query besides the standard
        ones, for a server's own options (Virtuoso: ``timeout`` in ms, ``maxrows``);
        ``graphs``: the graphs queries read (default: those of the release pushed there)."""
        self.url = url
        #: The URL as messages show it (no password: :func:`pcfgraph.http_client.shown`).
        self.shown = shown(url)
        self.timeout = timeout
        self.query_params = list(query_params)
        self._client = client or HttpClient(timeout=timeout)
        self._given = None if graphs is None else sorted(graphs)
        self._graphs: list[str] | None = self._given
        self._lock = threading.Lock()
        #: Counts how many queries ran (same meaning as EmbeddedStore.query_count).
        self.query_count = 0

    def close(self) -> None:
        self._client.close()

    # --- protocol -------------------------------------------------------------------------

    def _post(
        self, text: str, accept: str, *, params: list[tuple[str, str]] | None = None
    ) -> HttpResponse:
        """POST a query (URL-encoded form: every server takes it, Virtuoso 7 answers nothing
        to a direct ``application/sparql-query`` body); ``params=None`` names every graph
        (the union default graph)."""
        if params is None:
            names = self.graph_names()
            params = [("default-graph-uri", g) for g in names]
            params += [("named-graph-uri", g) for g in names]
        self.query_count += 1
        try:
            response = self._client.request(
                "POST",
                self.url,
                content=urlencode([("query", text), *params, *self.query_params]).encode(),
                headers={"Content-Type": FORM, "Accept": accept},
            )
        except HttpTimeout:
            raise QueryTimeout(
                f"the remote store did not answer within {self.timeout:g} s", retry_after=2
            ) from None
        except HttpError as exc:
            raise StoreError(f"remote store {self.shown}: {exc}") from None
        if response.status == 400:
            raise QueryRejected(
                f"the remote store refused the query: {response.text[:300].strip()}",
                code="query-failed",
            )
        if response.status >= 400:
            detail = response.text[:300].strip()
            raise StoreError(f"remote store {self.shown} answered {response.status}: {detail}")
        incomplete_answer(self.shown, response)
        return response

    def _results(
        self, query: NamedQuery, params: Mapping[str, object] | None, accept: str
    ) -> bytes:
        return self._post(bind_text(query.text, self._bound(query, params)), accept).content

    @staticmethod
    def _bound(
        query: NamedQuery, params: Mapping[str, object] | None
    ) -> dict[str, ox.NamedNode | ox.Literal]:
        return {v.value: t for v, t in query.bind(params or {}).items()}

    @staticmethod
    def _parse(data: bytes) -> Any:
        return parse_json_results(data)

    # --- GraphStore -----------------------------------------------------------------------

    def select(self, query: NamedQuery, params: Mapping[str, object] | None = None) -> SelectResult:
        bound = self._bound(query, params)
        data = self._post(bind_text(query.text, bound), SPARQL_JSON).content
        return with_parameters(select_result(query, self._parse(data)), bound)

    def ask(self, query: NamedQuery, params: Mapping[str, object] | None = None) -> bool:
        res = self._parse(self._results(query, params, SPARQL_JSON))
        answer = boolean_answer(res)
        return ask_result(query, res) if answer is None else answer

    def construct(
        self, query: NamedQuery, params: Mapping[str, object] | None = None
    ) -> list[ox.Triple]:
        data = self._results(query, params, N_TRIPLES)
        return [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        ]

    def graph_names(self) -> list[str]:
        """The release's graphs as its pushed manifest lists them; a store without one is
        asked for its graphs (servers with system graphs, as Virtuoso, list those too, and a
        scan for graphs is slow there: the manifest avoids both)."""
        with self._lock:
            if self._graphs is None:
                try:
                    self._graphs = sorted(self.manifest().get("graphs") or {})
                except ReleaseError:
                    self._graphs = self.listed_graphs()
            return list(self._graphs)

    def listed_graphs(self) -> list[str]:
        """Every named graph the server lists, but the release graph (bookkeeping)."""
        query = _release_query("graph-names")
        res = self._parse(self._post(query.text, SPARQL_JSON, params=[]).content)
        meta = str(iris.release_graph())
        return sorted(
            g.value
            for row in select_result(query, res).rows
            if isinstance(g := row.get("g"), ox.NamedNode) and g.value != meta
        )

    def refresh(self) -> None:
        """Forget the cached graph list (after a push); graphs given explicitly stay."""
        with self._lock:
            self._graphs = self._given

    def __len__(self) -> int:
        """Quads of the release (every data graph; the release graph is bookkeeping)."""
        query = _release_query("quad-count")
        for row in select_result(
            query, self._parse(self._post(query.text, SPARQL_JSON).content)
        ).rows:
            n = row.get("n")
            return int(n.value) if isinstance(n, ox.Literal) else 0
        return 0

    def manifest(self) -> dict[str, Any]:
        """The manifest of the release last pushed to this store (ReleaseError if none)."""
        graph = ox.NamedNode(str(iris.release_graph()))
        query = _release_query("manifest")
        text = bind_text(query.text, {"graph": graph})
        # The release graph is not part of the data's dataset: name it alone.
        data = self._post(text, SPARQL_JSON, params=[("named-graph-uri", graph.value)]).content
        rows = select_result(query, self._parse(data)).rows
        texts = [m.value for r in rows if isinstance(m := r.get("manifest"), ox.Literal)]
        if len(texts) != 1:
            raise ReleaseError(
                f"the remote store {self.shown} holds no pushed release manifest "
                f"({len(texts)} found in <{graph.value}>); run 'pcfgraph push' first"
            )
        try:
            manifest: dict[str, Any] = json.loads(texts[0])
        except ValueError as exc:
            raise ReleaseError(f"the remote store's release manifest is not JSON: {exc}") from None
        return manifest

    # --- untrusted queries through the protocol -------------------------------------------

    def run_protocol_query(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Forward a guarded client query; re-serialise locally so the row cap holds."""
        from pcfgraph.conneg import content_type
        from pcfgraph.sparql_results import (
            GRAPH_TYPES,
            serialize_boolean,
            serialize_select,
            serialize_triples,
        )

        max_rows = int(payload["max_rows"])
        media = payload["media_type"]
        text = payload["query"]
        graph_form = media in GRAPH_TYPES
        params: list[tuple[str, str]] | None = None
        if payload.get("default_graphs") is not None or payload.get("named_graphs"):
            params = [("default-graph-uri", g) for g in payload.get("default_graphs") or []]
            params += [("named-graph-uri", g) for g in payload.get("named_graphs") or []]
        elif payload.get("has_dataset_clause"):
            params = []
        data = self._post(text, N_TRIPLES if graph_form else SPARQL_JSON, params=params).content
        if graph_form:
            triples = [
                ox.Triple(q.subject, q.predicate, q.object)
                for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
            ]
            if len(triples) > max_rows:
                raise _too_many(max_rows)
            return {"body": serialize_triples(triples, media), "content_type": content_type(media)}
        boolean, variables, rows = _read_results(data, max_rows, ask=payload.get("form") == "ASK")
        if boolean is not None:
            body = serialize_boolean(boolean, media)
        else:
            body = serialize_select(variables, rows, media)
        return {"body": body, "content_type": content_type(media)}


def _read_results(
    data: bytes, max_rows: int, *, ask: bool = False
) -> tuple[bool | None, list[str], list[list[Any]]]:
    """Parse SPARQL JSON results fully (pyoxigraph iterators must not outlive this thread);
    ``ask``: the query was an ASK (so Virtuoso's select-shaped answer is read as a boolean)."""
    res = parse_json_results(data)
    answer = boolean_answer(res) if ask or isinstance(res, ox.QueryBoolean) else None
    if answer is not None:
        return answer, [], []
    assert isinstance(res, ox.QuerySolutions)
    variables = [v.value for v in res.variables]
    rows: list[list[Any]] = []
    for sol in res:
        rows.append([sol[v] for v in variables])
        if len(rows) > max_rows:
            break
    del res
    if len(rows) > max_rows:
        raise _too_many(max_rows)
    return None, variables, rows


def _too_many(max_rows: int) -> Exception:
    from pcfgraph.errors import ResultTooLarge

    return ResultTooLarge(
        f"the result has more than {max_rows} rows, the max_result_rows cap of this endpoint"
    )


def gsp_url_for(query_url: str) -> str:
    """The Graph Store Protocol endpoint beside a query endpoint, where the layout is known."""
    if query_url.rstrip("/").endswith("/query"):  # Oxigraph server
        return query_url.rstrip("/")[: -len("query")] + "store"
    raise InputError(
        f"cannot derive the Graph Store Protocol URL from {shown(query_url)!r}; pass --gsp-url "
        "(see docs/remote-store.md)"
    )


def manifest_ntriples(manifest: dict[str, Any]) -> bytes:
    """The release graph's content: the release, identified, with its manifest as JSON."""
    subject = ox.NamedNode(str(iris.release_iri(str(manifest["release_id"]))))
    triples = [
        ox.Triple(
            subject,
            ox.NamedNode(str(iris.DCTERMS.identifier)),
            ox.Literal(str(manifest["release_id"])),
        ),
        ox.Triple(
            subject,
            ox.NamedNode(str(iris.DCTERMS.description)),
            ox.Literal(json.dumps(manifest, sort_keys=True)),
        ),
    ]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def push_release(
    nquads_store: Any,
    gsp_url: str,
    *,
    manifest: dict[str, Any] | None = None,
    query_url: str | None = None,
    timeout: float = 120.0,
    client: HttpClient | None = None,
) -> dict[str, int]:
    """PUT every named graph of an EmbeddedStore to a GSP endpoint; return triples per graph.

    The release graph (``iris.release_graph``, the manifest of the release last pushed) is
    deleted first: while graphs change the store describes no release, and a push that dies
    half-way leaves a store ``serve --store`` refuses rather than one it misreads. Each
    ``PUT ?graph=<g>`` replaces that graph atomically on the server (GSP semantics); graphs
    are sent one at a time as N-Triples. With ``query_url``, the graphs of an earlier release
    that this one lacks are deleted: those its manifest lists, or (no manifest) those the
    server lists that pcfgraph minted, never a server's own. With ``manifest``, the release
    graph is written last, naming the release whose graphs are all in place.
    """
    own = client is None
    http = client or HttpClient(timeout=timeout)
    sent: dict[str, int] = {}
    release_graph = str(iris.release_graph())
    try:
        stale: list[str] = []
        if query_url is not None:
            earlier = RemoteStore(query_url, timeout=timeout, client=http)
            try:
                stale = sorted(earlier.manifest().get("graphs") or {})
            except ReleaseError:
                stale = [g for g in earlier.listed_graphs() if iris.is_pcfgraph_graph(g)]
        _send(http, "DELETE", gsp_url, release_graph, None)
        for name in nquads_store.graph_names():
            data = nquads_store.dump(ox.RdfFormat.N_TRIPLES, graph=ox.NamedNode(name))
            _send(http, "PUT", gsp_url, name, data)
            sent[name] = data.count(b"\n")
        for name in sorted(set(stale) - set(sent) - {release_graph}):
            _send(http, "DELETE", gsp_url, name, None)
        if manifest is not None:
            _send(http, "PUT", gsp_url, release_graph, manifest_ntriples(manifest))
    finally:
        if own:
            http.close()
    return sent


def _send(http: HttpClient, method: str, gsp_url: str, name: str, data: bytes | None) -> None:
    """One Graph Store Protocol request on graph ``name`` (PUT with data, or DELETE)."""
    headers = {"Content-Type": N_TRIPLES} if data is not None else {}
    try:
        response = http.request(
            method, gsp_url, params={"graph": name}, content=data, headers=headers
        )
    except HttpError as exc:
        raise StoreError(f"pushing graph <{name}> to {shown(gsp_url)}: {exc}") from None
    if response.status >= 400 and not (method == "DELETE" and response.status == 404):
        raise StoreError(
            f"pushing graph <{name}> to {shown(gsp_url)}: HTTP {response.status} "
            f"{response.text[:200].strip()}"
        )


def remote_release(url: str, *, timeout: float = 10.0) -> Release:
    """The release a server answers from with ``--store``: the remote store itself (GraphQL,
    pages, /sparql, /id all read it) and the manifest pushed with it. Nothing of the graph is
    held locally."""
    store = RemoteStore(url, timeout=timeout)
    try:
        manifest = store.manifest()
    except BaseException:
        store.close()
        raise
    # RemoteStore answers the GraphStore protocol every surface uses (select/ask/construct).
    return Release(store=store, manifest=manifest, path=None)  # type: ignore[arg-type]
