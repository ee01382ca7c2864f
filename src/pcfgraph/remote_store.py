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
each graph of the store (listed once and cached). That is standard SPARQL 1.1 Protocol and
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
variable must stay a variable (a projection, ``GROUP BY``/``ORDER BY`` keys) it becomes
``(TERM AS ?var)`` or ``(TERM)``, so the parameter is still returned as a column, as with
SEP-0007. No caller text ever reaches the query except as a serialised RDF term; the golden
query tests run every named query against both stores and compare results.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.errors import InputError, QueryRejected, QueryTimeout, ReleaseError, StoreError
from pcfgraph.http_client import HttpClient, HttpError, HttpResponse, HttpTimeout
from pcfgraph.queries import NamedQuery
from pcfgraph.release import Release
from pcfgraph.sparql_guard import tokens
from pcfgraph.store import SelectResult, ask_result, select_result

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


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
    # A parameter a sub-select projects (as ``(TERM AS ?v)``) is in scope in the outer query:
    # the outermost projection keeps it as a plain variable (``AS ?v`` there would be illegal).
    nested = _projected_in_subselects(toks, bindings)
    out: list[str] = []
    last = 0
    region = ""  # "select" (projection), "modifier" (GROUP/ORDER BY, HAVING), or ""
    paren = 0
    selects = 0
    for i, tok in enumerate(toks):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "SELECT":
            region, paren = "select", 0
            selects += 1
        elif word in ("WHERE", "FROM") or (tok.kind == "open" and tok.text == "{"):
            region = ""
        elif word in ("GROUP", "ORDER", "HAVING"):
            region, paren = "modifier", 0
        elif word in ("LIMIT", "OFFSET", "VALUES"):
            region = ""
        if tok.kind == "open" and tok.text == "(":
            paren += 1
        elif tok.kind == "close" and tok.text == ")":
            paren = max(0, paren - 1)
        if tok.kind != "var" or tok.text[1:] not in bindings:
            continue
        name = tok.text[1:]
        term = term_text(bindings[name])
        prev = toks[i - 1].text.upper() if i > 0 else ""
        if prev == "AS" or (i > 0 and toks[i - 1].text.upper() == "VALUES"):
            raise InputError(
                f"parameter ?{name} is assigned in the query (AS/VALUES); it cannot be bound"
            )
        if region == "select" and paren == 0 and selects == 1 and name in nested:
            continue
        if region == "select" and paren == 0:
            replacement = f"({term} AS ?{name})"
        elif region == "modifier" and paren == 0:
            replacement = f"({term})"
        else:
            replacement = term
        out.append(text[last : tok.pos])
        out.append(replacement)
        last = tok.pos + len(tok.text)
    out.append(text[last:])
    return "".join(out)


def _projected_in_subselects(toks: list[Any], bindings: Mapping[str, Any]) -> set[str]:
    """Parameters that a SELECT other than the outermost one projects."""
    found: set[str] = set()
    selects = 0
    projecting = False
    paren = 0
    for tok in toks:
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "SELECT":
            selects += 1
            projecting, paren = selects > 1, 0
        elif word in ("WHERE", "FROM") or (tok.kind == "open" and tok.text == "{"):
            projecting = False
        if tok.kind == "open" and tok.text == "(":
            paren += 1
        elif tok.kind == "close" and tok.text == ")":
            paren = max(0, paren - 1)
        if projecting and paren == 0 and tok.kind == "var" and tok.text[1:] in bindings:
            found.add(tok.text[1:])
    return found


class RemoteStore:
    """A GraphStore over the SPARQL 1.1 Protocol (queries) of a remote server."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        client: HttpClient | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self._client = client or HttpClient(timeout=timeout)
        self._graphs: list[str] | None = None
        self._lock = threading.Lock()
        #: Counts how many queries ran (same meaning as EmbeddedStore.query_count).
        self.query_count = 0

    def close(self) -> None:
        self._client.close()

    # --- protocol -------------------------------------------------------------------------

    def _post(
        self, text: str, accept: str, *, params: list[tuple[str, str]] | None = None
    ) -> HttpResponse:
        """POST a query; ``params=None`` names every graph (the union default graph)."""
        if params is None:
            names = self.graph_names()
            params = [("default-graph-uri", g) for g in names]
            params += [("named-graph-uri", g) for g in names]
        self.query_count += 1
        try:
            response = self._client.request(
                "POST",
                self.url,
                params=params,
                content=text.encode("utf-8"),
                headers={
                    "Content-Type": "application/sparql-query; charset=utf-8",
                    "Accept": accept,
                },
            )
        except HttpTimeout:
            raise QueryTimeout(
                f"the remote store did not answer within {self.timeout:g} s", retry_after=2
            ) from None
        except HttpError as exc:
            raise StoreError(f"remote store {self.url}: {exc}") from None
        if response.status == 400:
            raise QueryRejected(
                f"the remote store refused the query: {response.text[:300].strip()}",
                code="query-failed",
            )
        if response.status >= 400:
            detail = response.text[:300].strip()
            raise StoreError(f"remote store {self.url} answered {response.status}: {detail}")
        return response

    def _results(
        self, query: NamedQuery, params: Mapping[str, object] | None, accept: str
    ) -> bytes:
        bound = {v.value: t for v, t in query.bind(params or {}).items()}
        return self._post(bind_text(query.text, bound), accept).content

    @staticmethod
    def _parse(data: bytes) -> Any:
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)

    # --- GraphStore -----------------------------------------------------------------------

    def select(self, query: NamedQuery, params: Mapping[str, object] | None = None) -> SelectResult:
        return select_result(query, self._parse(self._results(query, params, SPARQL_JSON)))

    def ask(self, query: NamedQuery, params: Mapping[str, object] | None = None) -> bool:
        return ask_result(query, self._parse(self._results(query, params, SPARQL_JSON)))

    def construct(
        self, query: NamedQuery, params: Mapping[str, object] | None = None
    ) -> list[ox.Triple]:
        data = self._results(query, params, N_TRIPLES)
        return [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        ]

    def graph_names(self) -> list[str]:
        with self._lock:
            if self._graphs is None:
                res = ox.parse_query_results(
                    self._post(GRAPHS_QUERY, SPARQL_JSON, params=[]).content,
                    format=ox.QueryResultsFormat.JSON,
                )
                assert isinstance(res, ox.QuerySolutions)
                meta = str(iris.release_graph())
                self._graphs = sorted(
                    g.value
                    for sol in res
                    if isinstance(g := sol["g"], ox.NamedNode) and g.value != meta
                )
            return list(self._graphs)

    def refresh(self) -> None:
        """Forget the cached graph list (after a push)."""
        with self._lock:
            self._graphs = None

    def __len__(self) -> int:
        """Quads of the release (every data graph; the release graph is bookkeeping)."""
        res = ox.parse_query_results(
            self._post(COUNT_QUERY, SPARQL_JSON).content,
            format=ox.QueryResultsFormat.JSON,
        )
        assert isinstance(res, ox.QuerySolutions)
        for sol in res:
            n = sol["n"]
            return int(n.value) if isinstance(n, ox.Literal) else 0
        return 0

    def manifest(self) -> dict[str, Any]:
        """The manifest of the release last pushed to this store (ReleaseError if none)."""
        from pcfgraph.release import named_release_query

        graph = ox.NamedNode(str(iris.release_graph()))
        query = named_release_query("manifest")
        text = bind_text(query.text, {"graph": graph})
        # The release graph is not part of the data's dataset: name it alone.
        data = self._post(text, SPARQL_JSON, params=[("named-graph-uri", graph.value)]).content
        rows = select_result(query, self._parse(data)).rows
        texts = [m.value for r in rows if isinstance(m := r.get("manifest"), ox.Literal)]
        if len(texts) != 1:
            raise ReleaseError(
                f"the remote store {self.url} holds no pushed release manifest "
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
        from pcfgraph.sparql_results import (
            content_type,
            serialize_boolean,
            serialize_select,
            serialize_triples,
        )

        max_rows = int(payload["max_rows"])
        media = payload["media_type"]
        text = payload["query"]
        graph_form = media in (
            "text/turtle",
            "application/n-triples",
            "application/ld+json",
            "application/rdf+xml",
        )
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
        boolean, variables, rows = _read_results(data, max_rows)
        if boolean is not None:
            body = serialize_boolean(boolean, media)
        else:
            body = serialize_select(variables, rows, media)
        return {"body": body, "content_type": content_type(media)}


def _read_results(data: bytes, max_rows: int) -> tuple[bool | None, list[str], list[list[Any]]]:
    """Parse SPARQL JSON results fully (pyoxigraph iterators must not outlive this thread)."""
    res = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    if isinstance(res, ox.QueryBoolean):
        return bool(res), [], []
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
        f"cannot derive the Graph Store Protocol URL from {query_url!r}; pass --gsp-url "
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

    Each ``PUT ?graph=<g>`` replaces that graph atomically on the server (GSP semantics);
    graphs are sent one at a time as N-Triples. With ``manifest``, the release graph
    (``iris.release_graph``) is replaced last, so a server reading the store
    (``serve --store``) names the release whose graphs are all in place. With ``query_url``,
    graphs of the store that are not in the release (an earlier release's) are deleted before
    that, so the store holds exactly this release.
    """
    own = client is None
    http = client or HttpClient(timeout=timeout)
    sent: dict[str, int] = {}
    try:
        for name in nquads_store.graph_names():
            data = nquads_store.dump(ox.RdfFormat.N_TRIPLES, graph=ox.NamedNode(name))
            try:
                response = http.request(
                    "PUT",
                    gsp_url,
                    params={"graph": name},
                    content=data,
                    headers={"Content-Type": N_TRIPLES},
                )
            except HttpError as exc:
                raise StoreError(f"pushing graph <{name}> to {gsp_url}: {exc}") from None
            if response.status >= 400:
                raise StoreError(
                    f"pushing graph <{name}> to {gsp_url}: HTTP {response.status} "
                    f"{response.text[:200].strip()}"
                )
            sent[name] = data.count(b"\n")
        if query_url is not None:
            listing = RemoteStore(query_url, timeout=timeout, client=http)
            for name in sorted(set(listing.graph_names()) - set(sent)):
                _send(http, "DELETE", gsp_url, name, None)
        if manifest is not None:
            _send(http, "PUT", gsp_url, str(iris.release_graph()), manifest_ntriples(manifest))
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
        raise StoreError(f"pushing graph <{name}> to {gsp_url}: {exc}") from None
    if response.status >= 400 and not (method == "DELETE" and response.status == 404):
        raise StoreError(
            f"pushing graph <{name}> to {gsp_url}: HTTP {response.status} "
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
