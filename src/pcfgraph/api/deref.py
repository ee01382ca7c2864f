"""Dereferenceable IRIs: every IRI under ``iris.ID_BASE`` is served at ``/id/...``.

Content negotiation: HTML (browsers, and the default), Turtle, JSON-LD (also for
``application/json``: JSON-LD is JSON), N-Triples, RDF/XML (also for ``application/xml``
and ``text/xml``: RDF/XML is XML);
``?format=ttl|jsonld|nt|rdfxml|html`` overrides the Accept header (for links and curl); a named
graph (``/id/graph/...``) is also offered as TriG and N-Quads (``trig``, ``nq``), its name kept. The
description is the ``api/describe-resource`` named query (trusted, in-process), so the data
and the page show the same statements. An IRI with no statements of its own is 404: an HTML
page for browsers (HTML asked for, and ``text/html`` preferred to ``application/problem+json``
by the Accept header, or ``?format=html``), ``application/problem+json`` for everyone else;
either way with ``Vary: Accept``, as the answers (a 404 may be cached unless told otherwise);
so is a 400 (a wrong ``?format=``): the workbench's error page for a browser.
Answers carry a strong ``ETag``, ``Last-Modified`` (the release's build time) and
``Cache-Control``; ``If-None-Match`` with the ETag is 304, as is ``If-Modified-Since`` with the
release's date when no ``If-None-Match`` is sent (:mod:`pcfgraph.http.conditional`).
A path with a ``%`` starting no escape is a malformed request (400); one naming an IRI that is
not valid once decoded (``A%20B``) is a well-formed request for an IRI nothing is minted as (404).
IRIs are case-sensitive: one that differs from an element's or framework's by case alone
(``/id/prm-it/a24``) is 404 too, its problem naming the IRI meant (``canonical``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from pcfgraph import iris
from pcfgraph.api.element_html import not_found_html, render_graph_html, render_resource_html
from pcfgraph.api.errors import (
    NOT_MODIFIED,
    PROBLEM_JSON,
    domain_problem,
    openapi_content,
    page_or_problem,
    page_or_problem_responses,
    pages_for_browsers,
    problem_responses,
    query_parameter,
)
from pcfgraph.api.sparql_plan import known_graphs, query_store
from pcfgraph.api.void import VOID_PATH
from pcfgraph.conneg import best_offer, by_media_type, by_name, content_type, negotiate
from pcfgraph.errors import InputError, NotAcceptable, NotFoundError, OtherCaseError
from pcfgraph.http.conditional import (
    CACHE_CONTROL,
    RecentlyUsed,
    last_modified,
    matches,
    release_tags,
    strong_etag,
    unmodified,
)
from pcfgraph.http.licence import with_licence
from pcfgraph.http.public_url import route_path
from pcfgraph.queries import NamedQuery
from pcfgraph.runtime import AppState, app_state
from pcfgraph.sparql_results import GRAPH_TYPES, serialize_quads, serialize_triples
from pcfgraph.store import GraphStore

router = APIRouter(tags=["resources"])
Endpoint = Callable[[str, Request], Awaitable[Response]]

DESCRIBE_QUERY = "api/describe-resource"
GRAPH_TRIPLES_QUERY = "api/graph-triples"
OFFERS = ("text/html", *GRAPH_TYPES)
#: A named graph is also offered as a dataset of that one graph (its name kept: what a quad
#: store loads as it is), in the dataset formats :data:`DATASET_TYPES`.
DATASET_TYPES = ("application/trig", "application/n-quads")
GRAPH_OFFERS = (*OFFERS, *DATASET_TYPES)
#: A ``%`` that does not start a percent-encoded octet: the request's URI is malformed (400).
_MALFORMED_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
#: What an IRI keeps as it is when it is named in a message (reserved and unreserved).
_IRI_SAFE = ":/?#[]@!$&'()*+,;=-._~%"
#: What ``?format=`` may name (formats of :mod:`pcfgraph.conneg`).
FORMAT_NAMES = ("html", "ttl", "turtle", "jsonld", "nt", "rdfxml")
#: What ``?format=`` may name for a named graph (``/id/graph/...``): also its datasets.
GRAPH_FORMAT_NAMES = (*FORMAT_NAMES, "trig", "nq")
_NOT_FOUND = {
    "description": "Nothing is known about this IRI (an HTML page for browsers). IRIs are "
    "case-sensitive: one that differs from an element's or framework's IRI by case alone "
    "(/id/prm-it/a24) is not served as it, but its problem names the IRI meant: `canonical` "
    '(e.g. "https://w3id.org/pcfgraph/id/prm-it/A24"), also in `detail`',
    "content": openapi_content(PROBLEM_JSON, "text/html"),
}


def _id_route(
    path: str, summary: str, what: str, offers: tuple[str, ...], names: tuple[str, ...]
) -> Callable[[Endpoint], Endpoint]:
    """The GET route of ``/id`` IRIs under ``path``: ``offers`` negotiated, ``names`` the
    ``?format=`` it takes."""
    return router.get(
        path,
        summary=summary,
        response_class=Response,
        responses={
            200: {
                "description": f"{what}, in the negotiated format",
                "content": openapi_content(*offers),
            },
            304: NOT_MODIFIED,
            **page_or_problem_responses(400),
            **problem_responses(406),
            404: _NOT_FOUND,
        },
        openapi_extra={
            "parameters": [query_parameter("format", "Overrides the Accept header", enum=names)]
        },
    )


@router.get(
    "/id/",
    summary="The URI space itself: 303 to the dataset's VoID description (a browser: home page)",
    response_class=Response,
    status_code=303,
    responses={
        303: {
            "description": "See the VoID description (/.well-known/void), which lists the "
            "graphs and where to get them; for a browser, the home page listing the frameworks"
        }
    },
)
async def uri_space(request: Request) -> Response:
    """``https://w3id.org/pcfgraph/id/``, the VoID ``void:uriSpace`` of every resource: no
    resource of its own (it was a 404), but the dataset those IRIs belong to. 303 See Other
    to its VoID description for an RDF client, and to the home page (the frameworks) for a
    browser (an Accept header preferring ``text/html`` to Turtle), with ``Vary: Accept``."""
    browser = best_offer(request.headers.get("accept"), ("text/turtle", "text/html"))
    target = "/" if browser == "text/html" else VOID_PATH
    headers = {"Location": target, "Cache-Control": CACHE_CONTROL, "Vary": "Accept"}
    return Response(status_code=303, headers=headers)


# Before /id/{path}, which would match these paths too: a named graph's own formats.
@_id_route(
    "/id/graph/{path:path}",
    "A named graph: its HTML page, or its statements (a download; TriG and N-Quads keep its name)",
    "The graph's page or statements",
    GRAPH_OFFERS,
    GRAPH_FORMAT_NAMES,
)
async def dereference_graph(path: str, request: Request) -> Response:
    return await _answered("graph/" + path, request, graph_route=True)


@_id_route(
    "/id/{path:path}",
    "A minted IRI: HTML page or RDF description",
    "The resource's description",
    OFFERS,
    FORMAT_NAMES,
)
async def dereference(path: str, request: Request) -> Response:
    return await _answered(path, request, graph_route=False)


async def _answered(path: str, request: Request, *, graph_route: bool) -> Response:
    try:
        return await _dereference(path, request, graph_route)
    except (NotFoundError, NotAcceptable) as exc:
        # chosen by the Accept header too (a 404 may be cached unless told otherwise)
        response = domain_problem(request, exc)
        response.headers["Vary"] = "Accept"
        return response
    except InputError as exc:  # a wrong ?format= or path: a browser gets the error page
        return page_or_problem(request, exc)


async def _dereference(path: str, request: Request, graph_route: bool) -> Response:
    if _MALFORMED_ESCAPE.search(request.scope.get("raw_path") or b""):
        raise InputError(
            "the path has a '%' not followed by two hexadecimal digits (RFC 3986, 2.1): "
            "write a '%' of the IRI as %25"
        )
    state = app_state(request)
    fmt = _format(request, GRAPH_FORMAT_NAMES if graph_route else FORMAT_NAMES)
    iri = str(iris.iri_from_path(path))
    is_graph = iri in known_graphs(state)
    offers = GRAPH_OFFERS if is_graph else OFFERS
    if fmt is not None:
        media = by_name(fmt).media_type
        if media not in offers:  # a dataset format of a graph this server does not serve
            raise NotFoundError(f"no named graph <{iri}> is served here")
    else:
        media = negotiate(request.headers.get("accept"), offers, what="this resource")
    tags = _sent_tags(state)
    sent = tags.get((iri, media)) if tags is not None else None
    modified = last_modified(state)
    if sent is not None and (
        matches(request.headers.get("if-none-match"), sent) or unmodified(request, modified)
    ):
        return Response(status_code=304, headers=_headers(sent, iri, modified))  # nothing made
    if is_graph:  # a named graph: its page, or its statements as data
        if media == "text/html":
            page = await asyncio.to_thread(render_graph_html, state, iri)
            body = page.encode("utf-8")
        else:
            query = state.catalog.get(GRAPH_TRIPLES_QUERY)
            graph = ox.NamedNode(iri)
            found = await asyncio.to_thread(_graph_triples, query_store(state), query, graph)
            if media in DATASET_TYPES:
                quads = (ox.Quad(t.subject, t.predicate, t.object, graph) for t in found)
                body = serialize_quads(quads, media)
            else:
                body = serialize_triples(found, media)
            # a download: saved under the name the page's links give it (wget, curl -J)
            served = by_media_type(media)
            name = iris.download_stem(iri) + (served.suffix if served is not None else "")
            disposition = f'inline; filename="{name}"'
            return _answer(request, body, media, iri, tags, modified, disposition)
        return _answer(request, body, media, iri, tags, modified)
    try:
        triples = await _describe(state, iri)
    except NotFoundError as exc:
        meant = await _named_as_meant(state, iri, exc)
        shown = not_found_page(request, state, meant, media)
        if shown is not None:
            return shown
        if meant is exc:
            raise
        raise meant from None
    if media == "text/html":
        body = render_resource_html(state, iri, triples).encode("utf-8")
    else:
        body = serialize_triples(triples, media)
    return _answer(request, body, media, iri, tags, modified)


async def _named_as_meant(state: AppState, iri: str, exc: NotFoundError) -> NotFoundError:
    """``exc`` naming the element or framework IRI ``iri`` differs from by case alone, when
    one does (:class:`~pcfgraph.errors.OtherCaseError`, its ``canonical`` in the problem):
    IRIs are case-sensitive, so ``/id/prm-it/a24`` is no second IRI of ``prm-it/A24`` (no
    200, no redirect making it one), but the caller learns the IRI it meant (an MCP tool or
    GraphQL takes either case, and answers the data's)."""
    from pcfgraph.services.page_reads import reads_for
    from pcfgraph.services.search.identifier_case import iri_ignoring_case
    from pcfgraph.services.search.release import served_index

    def meant() -> str | None:
        reader = reads_for(state).reader
        index = served_index(state.caches, state.release, reader)
        return iri_ignoring_case(reader, index, iri)

    canonical = await asyncio.to_thread(meant)
    if canonical is None:
        return exc
    return OtherCaseError(f"{exc}; IRIs are case-sensitive: did you mean <{canonical}>?", canonical)


def _answer(
    request: Request,
    body: bytes,
    media: str,
    iri: str,
    tags: SentTags | None,
    modified: str | None,
    disposition: str | None = None,
) -> Response:
    """200 with ``body``, or 304 when the client's copy (``If-None-Match``) is it. A release
    never changes, so an answer is the same bytes every time: its ETag is strong (the body's
    digest), and kept (``tags``) so that a client's copy asked about again is answered
    without making the answer. ``Cache-Control`` lets caches keep it a while without asking
    (a reload may switch the release), then revalidate with the ETag, or the release's date
    (``modified``, :func:`~pcfgraph.http.conditional.last_modified`)."""
    etag = strong_etag(body)
    if tags is not None:
        tags.put((iri, media), etag)
    headers = _headers(etag, iri, modified)
    if matches(request.headers.get("if-none-match"), etag) or unmodified(request, modified):
        return Response(status_code=304, headers=headers)
    if disposition is not None:
        headers["Content-Disposition"] = disposition
    return Response(content=body, headers={"Content-Type": content_type(media), **headers})


def _headers(etag: str, iri: str, modified: str | None) -> dict[str, str]:
    """What a 200 and a 304 of one answer both carry (RFC 9110 15.4.5)."""
    out = {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept",
        "Link": with_licence(f'<{iri}>; rel="canonical"'),
    }
    if modified is not None:
        out["Last-Modified"] = modified
    return out


#: The ETags of answers made on the served release, by (IRI, media type).
SentTags = RecentlyUsed[tuple[str, str], str]


def _sent_tags(state: AppState) -> SentTags | None:
    """The ETags of answers made on the served release (:func:`release_tags`, 4,096)."""
    return release_tags(state, state.caches.id_etags, 4096)


def _format(request: Request, names: tuple[str, ...] = FORMAT_NAMES) -> str | None:
    """The ``?format=`` asked, one of ``names``, or None; any other is 400."""
    fmt = request.query_params.get("format")
    if fmt is not None and fmt not in names:
        graphs_only = (
            "; trig and nq: a named graph's (/id/graph/...)" if fmt in GRAPH_FORMAT_NAMES else ""
        )
        raise InputError(f"format must be one of {', '.join(names)}, not {fmt!r}{graphs_only}")
    return fmt


@pages_for_browsers
async def _vocabulary_document(request: Request) -> Response:
    """The vocabulary's document (:func:`_vocabulary_redirect`); a wrong ``?format=`` is the
    workbench's error page for a browser, as on every ``/id`` IRI."""
    return _vocabulary_redirect(request)


def _vocabulary_redirect(request: Request) -> Response:
    """303 See Other to the ontology graph, which defines every term of pcfgraph's own
    vocabularies (:func:`pcfgraph.iris.page_path`): their IRIs (``pcfg:Element`` =
    ``https://w3id.org/pcfgraph/ontology#Element``) are not under ``/id/``, and a client
    dereferencing one asks for the document before the ``#``. The target negotiates as every
    ``/id`` IRI does; a ``?format=`` is kept (one the target refuses is refused here, not
    redirected to its 400)."""
    _format(request)
    target = iris.page_path(iris.ONTOLOGY_IRI) or "/"
    if request.url.query:
        target += "?" + request.url.query
    return Response(status_code=303, headers={"Location": target, "Cache-Control": CACHE_CONTROL})


@pages_for_browsers
async def _vocabulary_version(version: str, request: Request) -> Response:
    """A vocabulary's ``owl:versionIRI`` (``/ontology/0.1.0``): the same 303 when it is the
    served version's, 404 otherwise (nothing is known about another version)."""
    # the route's own path: under a proxy's prefix (root_path) the URL's starts with it
    vocabulary = iris.BASE + route_path(request.scope).strip("/").split("/", 1)[0]
    stated = await _describe(app_state(request), vocabulary)
    if not any(
        t.predicate == _VERSION_IRI and str(t.object) == f"<{vocabulary}/{version}>" for t in stated
    ):
        raise NotFoundError(f"<{vocabulary}/{version}> is not the served version of <{vocabulary}>")
    return _vocabulary_redirect(request)


_VERSION_IRI = ox.NamedNode(iris.PREFIXES["owl"] + "versionIRI")
_FORMAT_KEPT = {"parameters": [query_parameter("format", "Kept on the target", enum=FORMAT_NAMES)]}
for _vocabulary in (iris.ONTOLOGY_IRI, iris.ORG_ONTOLOGY_IRI):
    _path = "/" + _vocabulary.removeprefix(iris.BASE)
    router.add_api_route(
        _path,
        _vocabulary_document,
        methods=["GET"],
        summary=f"<{_vocabulary}>: 303 to the ontology graph that defines its terms",
        response_class=Response,
        status_code=303,
        responses={
            303: {"description": "See the ontology graph (/id/graph/ontology)"},
            **page_or_problem_responses(400),
        },
        openapi_extra=_FORMAT_KEPT,
    )
    router.add_api_route(
        _path + "/{version}",
        _vocabulary_version,
        methods=["GET"],
        summary=f"<{_vocabulary}>'s owl:versionIRI: the same 303 for the served version",
        response_class=Response,
        status_code=303,
        responses={
            303: {"description": "See the ontology graph (/id/graph/ontology)"},
            **page_or_problem_responses(400, 404),
        },
        openapi_extra=_FORMAT_KEPT,
    )


def _graph_triples(store: GraphStore, query: NamedQuery, graph: ox.NamedNode) -> list[ox.Triple]:
    """A named graph's triples in one order (their N-Triples text), not the store's: the
    download is the same file from any store. Sorted here: 1.3x the query's time on the
    68,576 triples of Cross-Industry 7.4, where ``ORDER BY ?s ?p ?o`` took 2.5x (load 6.8)."""
    return sorted(store.construct(query, {"graph": graph}), key=str)


#: The most characters of an IRI a "not found" names (its problem and page echo the path).
_IRI_SHOWN = 200


def _nothing_known(iri: str) -> str:
    """The "not found" of ``iri``, naming a long one cut, saying how long it is: a path of
    60,000 characters was echoed whole in the problem and the page."""
    if len(iri) <= _IRI_SHOWN:
        return f"nothing is known about <{iri}>"
    return f"nothing is known about <{iri[:_IRI_SHOWN]}...> ({len(iri)} characters)"


async def _describe(state: AppState, iri: str) -> list[ox.Triple]:
    """The describe-resource triples of ``iri``; NotFoundError when it has no statements."""
    try:
        resource = ox.NamedNode(iri)
    except ValueError:
        # a well-formed request for an IRI nothing is minted as (``A%20B``): named as sent
        raise NotFoundError(_nothing_known(quote(iri, safe=_IRI_SAFE))) from None
    query = state.catalog.get(DESCRIBE_QUERY)
    triples = await asyncio.to_thread(query_store(state).construct, query, {"resource": resource})
    if not any(t.subject == resource for t in triples):
        raise NotFoundError(_nothing_known(iri))
    # Each triple once: the query's branches may build the same one (a rights statement's
    # label is both a label of what the resource points to and a statement of the blank node
    # it points to), and a CONSTRUCT's answer is a graph, a set. In one order (their N-Triples
    # text) whatever order the store built them in: the page lists a property's values and
    # picks a label from them in this order, and the RDF serialisations follow it.
    return sorted(set(triples), key=str)


def not_found_page(
    request: Request, state: AppState, exc: NotFoundError, media: str
) -> HTMLResponse | None:
    """The HTML 404 page of an unknown IRI (``/id``, ``/shapes``) when HTML is what the client
    asked for (``media``, the negotiated type) and prefers to problem+json: ``?format=html``,
    or an Accept header preferring ``text/html`` to ``application/problem+json`` (browsers;
    ``*/*`` and no Accept header mean problem+json, as for every API); None otherwise."""
    if media != "text/html":
        return None
    if request.query_params.get("format") is None and (
        best_offer(request.headers.get("accept"), (PROBLEM_JSON, "text/html")) != "text/html"
    ):
        return None
    request.state.problem_code = exc.code  # counted like the problem+json 404
    return HTMLResponse(
        not_found_html(state, str(exc)), status_code=exc.http_status, headers={"Vary": "Accept"}
    )
