"""The rules at their IRIs: ``GET /shapes`` (every rule) and ``GET /shapes/{rule}`` (one; also
the report sections and shapes documents named there).

A finding's ``sh:sourceShape`` (``https://w3id.org/pcfgraph/shapes/CustomerTeamServesShape``)
is served at ``/shapes/CustomerTeamServesShape``, as minted IRIs are at ``/id/...``: an HTML
page for browsers (:mod:`pcfgraph.api.rule_html`), the shape as shipped in Turtle, JSON-LD
(also for ``application/json``), N-Triples or RDF/XML; ``?format=`` overrides the Accept
header. ``/shapes`` lists every rule (HTML, JSON, or the shapes as RDF). The rules ship with
pcfgraph and never change while it runs: every answer is made once per server process and
carries a strong ``ETag`` (``If-None-Match`` -> 304) and ``Cache-Control``. Unknown rule:
404 (an HTML page for browsers, problem+json otherwise).
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from fastapi import APIRouter, Request, Response

from pcfgraph import iris
from pcfgraph.api.deref import not_found_page
from pcfgraph.api.errors import (
    PROBLEM_JSON,
    VALIDATORS,
    domain_problem,
    openapi_content,
    page_or_problem_responses,
    pages_for_browsers,
    problem_responses,
    query_parameter,
)
from pcfgraph.api.rule_html import resource_html, rule_html, rules_html
from pcfgraph.conneg import by_name, content_type, negotiate
from pcfgraph.errors import InputError, NotAcceptable, NotFoundError
from pcfgraph.http.conditional import matches, strong_etag
from pcfgraph.runtime import AppState, app_state
from pcfgraph.services.rules import RuleCatalogue, RuleEntry
from pcfgraph.sparql_results import GRAPH_TYPES, serialize_triples

router = APIRouter(tags=["rules"])

RULE_OFFERS = ("text/html", *GRAPH_TYPES)
INDEX_OFFERS = ("text/html", "application/json", *GRAPH_TYPES)
#: What ``?format=`` may name.
FORMAT_NAMES = ("html", "json", "ttl", "turtle", "jsonld", "nt", "rdfxml")
#: The rules change only with pcfgraph itself.
CACHE_CONTROL = "public, max-age=3600"


class RulePages:
    """The catalogue and the answers made from it, by (rule IRI or ``""`` for the index,
    media type): each made once."""

    def __init__(self, catalogue: RuleCatalogue) -> None:
        self.catalogue = catalogue
        self._made: dict[tuple[str, str, str], tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    def answer(self, iri: str, media: str, root: str = "") -> tuple[bytes, str]:
        """The body and ETag of ``iri``'s rule (``""``: the index) as ``media``, its paths
        under ``root`` (a proxy's path prefix: the index's JSON ``page``)."""
        key = (iri, media, root)
        made = self._made.get(key)
        if made is None:
            body = self._body(iri, media, root)
            made = (body, strong_etag(body))
            with self._lock:
                self._made[key] = made
        return made

    def _body(self, iri: str, media: str, root: str) -> bytes:
        catalogue = self.catalogue
        if not iri:
            if media == "text/html":
                return rules_html(catalogue).encode("utf-8")
            if media == "application/json":
                listed = {"rules": [_listed(e, root) for e in catalogue]}
                return (json.dumps(listed, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
            return serialize_triples(catalogue.triples(), media)
        found = catalogue.find(iri)
        if media != "text/html":
            return serialize_triples(found.triples, media)
        turtle = serialize_triples(found.triples, "text/turtle").decode("utf-8")
        if isinstance(found, RuleEntry):
            return rule_html(found, turtle).encode("utf-8")
        return resource_html(found, turtle).encode("utf-8")


def _listed(entry: RuleEntry, root: str) -> dict[str, Any]:
    rule = entry.rule
    page = iris.page_path(rule.iri)
    return {
        "iri": rule.iri,
        "name": rule.name,
        "page": root + page if page else page,
        "severity": rule.severity,
        "message": rule.message,
        "checks": entry.checks,
        "section": entry.section,
        "source": rule.source,
    }


async def _pages(state: AppState) -> RulePages:
    """The app's rule pages, the catalogue read on first use (~0.6 s, off the event loop)."""
    holder = state.caches.rules
    found = holder.peek()
    if found is None:
        found = await asyncio.to_thread(holder.get, lambda: RulePages(RuleCatalogue.load()))
    assert isinstance(found, RulePages)
    return found


def _format_names(offers: tuple[str, ...]) -> tuple[str, ...]:
    """The ``?format=`` names a route of these offers takes (``json`` only where it offers
    JSON): what it accepts and what its OpenAPI enum lists, one list."""
    return tuple(n for n in FORMAT_NAMES if n != "json" or "application/json" in offers)


def _media(request: Request, offers: tuple[str, ...], what: str) -> str:
    fmt = request.query_params.get("format")
    if fmt is None:
        return negotiate(request.headers.get("accept"), offers, what=what)
    allowed = _format_names(offers)
    if fmt not in allowed:
        raise InputError(f"format must be one of {', '.join(allowed)}, not {fmt!r}")
    return by_name(fmt).media_type


def _answer(request: Request, pages: RulePages, iri: str, media: str) -> Response:
    # under a proxy's path prefix the JSON's paths too (HTML gets it from http.root_path)
    body, etag = pages.answer(iri, media, request.scope.get("root_path", ""))
    canonical = iri or iris.SHAPES_BASE
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept",
        "Link": f'<{canonical}>; rel="canonical"',
    }
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, headers={"Content-Type": content_type(media), **headers})


def _format(offers: tuple[str, ...]) -> dict[str, Any]:
    return query_parameter("format", "Overrides the Accept header", enum=_format_names(offers))


#: A 304 of a rule's answer (its ETag; the rules ship with the code, not the release: no date).
_NOT_MODIFIED = {
    "description": "The client's copy (If-None-Match) is the answer: no body",
    "headers": VALIDATORS,
}


@router.get(
    "/shapes",
    summary="Every rule pcfgraph checks (audit and validation): HTML, JSON or SHACL",
    response_class=Response,
    responses={
        200: {
            "description": "The rules, in the negotiated format",
            "content": openapi_content(*INDEX_OFFERS),
        },
        304: _NOT_MODIFIED,
        **page_or_problem_responses(400),
        **problem_responses(406),
    },
    openapi_extra={"parameters": [_format(INDEX_OFFERS)]},
)
@pages_for_browsers
async def rules_index(request: Request) -> Response:
    try:
        media = _media(request, INDEX_OFFERS, "the rules")
    except NotAcceptable as exc:
        return _problem(request, exc)
    return _answer(request, await _pages(app_state(request)), "", media)


@router.get(
    "/shapes/{name:path}",
    summary="A rule at its IRI: what it requires, why, its source; the shape as RDF",
    response_class=Response,
    responses={
        200: {
            "description": "The rule, in the negotiated format",
            "content": openapi_content(*RULE_OFFERS),
        },
        304: _NOT_MODIFIED,
        **page_or_problem_responses(400),
        **problem_responses(406),
        404: {
            "description": "No rule has this IRI (an HTML page for browsers)",
            "content": openapi_content(PROBLEM_JSON, "text/html"),
        },
    },
    openapi_extra={"parameters": [_format(RULE_OFFERS)]},
)
@pages_for_browsers
async def rule_page(name: str, request: Request) -> Response:
    state = app_state(request)
    try:
        media = _media(request, RULE_OFFERS, "this rule")
    except NotAcceptable as exc:
        return _problem(request, exc)
    pages = await _pages(state)
    try:
        return _answer(request, pages, iris.SHAPES_BASE + name, media)
    except NotFoundError as exc:
        page = not_found_page(request, state, exc, media)
        return page if page is not None else _problem(request, exc)


def _problem(request: Request, exc: NotFoundError | NotAcceptable) -> Response:
    response = domain_problem(request, exc)
    response.headers["Vary"] = "Accept"
    return response
