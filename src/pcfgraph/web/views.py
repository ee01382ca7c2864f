"""The web workbench routes: server-rendered HTML that works without JavaScript.

``/`` frameworks, ``/frameworks/{id}`` hierarchy tree (its spreadsheet export,
``/frameworks/{id}/export``, is an API route: ``api/framework_exports.py``), ``/search``,
``/matrix``, ``/audit``, ``/diff`` and ``/assets/...``. Element pages are the HTML view of the
dereferenceable IRIs at ``/id/...`` (:func:`pcfgraph.web.render.render_element_html`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response

from pcfgraph import iris, services
from pcfgraph.conneg import formats
from pcfgraph.errors import InputError, NotFoundError, PcfgraphError
from pcfgraph.http.params import flag
from pcfgraph.runtime import AppState, Pages, app_state
from pcfgraph.services.page_reads import Reads, reads_for
from pcfgraph.web import identity
from pcfgraph.web.derivation import explain
from pcfgraph.web.matrix_scope import ALL, scope_rows
from pcfgraph.web.render import page, render, render_element_html
from pcfgraph.web.resource import graph_view, resource_view
from pcfgraph.web.sparql_form import sparql_page

router = APIRouter(include_in_schema=False)

#: The named query that summarises a named graph for its page.
GRAPH_SUMMARY = "api/graph-summary"
VOCABULARY_TERMS = "api/vocabulary-terms"

_STATIC_TYPES = {f.suffix: f.content_type for f in formats("css", "js")}
#: Our files, and vendored libraries one folder down (``vendor/codemirror/codemirror.js``).
_STATIC_NAME = re.compile(r"(vendor/[a-z0-9-]+/)?[a-z0-9-]+\.(css|js)")


@dataclass(frozen=True)
class MatrixTarget:
    framework: str
    label: str
    kinds: tuple[str, ...]
    root: str | None = None


#: The matrices the workbench offers: PCF processes and activities against each of these.
MATRIX_TARGETS: tuple[MatrixTarget, ...] = (
    MatrixTarget("prm-it", "PRM-IT A2 processes", ("process",), "A2"),
    MatrixTarget("it-cmf", "IT-CMF practices", ("practice",)),
    MatrixTarget("trim", "TRIM roles and documents", ("role", "document")),
)
MATRIX_ROW_KINDS = ("process", "activity")
#: The matrix's strength filter: value of RELATION_STRENGTH and its name.
STRENGTH_CHOICES: tuple[tuple[int, str], ...] = (
    (4, "exact"),
    (3, "close"),
    (2, "broad / narrow"),
    (1, "related"),
)


def strengths(values: list[str] | None) -> set[int]:
    """The matrix's strength filter: every strength when none is given."""
    allowed = {s for s, _ in STRENGTH_CHOICES}
    if not values:
        return allowed
    chosen = set()
    for value in values:
        if not value.strip().isdigit() or int(value) not in allowed:
            raise InputError(
                f"strength must be a whole number from 1 (related) to 4 (exact), not {value[:40]!r}"
            )
        chosen.add(int(value))
    return chosen


def _reads(request: Request) -> Reads:
    return reads_for(app_state(request))


def html_errors(view: Callable[..., HTMLResponse]) -> Callable[..., HTMLResponse]:
    """Expected errors of a page as an HTML page with the same status (APIs keep
    problem+json; a person following a stale link gets a page with a way back)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HTMLResponse:
        try:
            return view(*args, **kwargs)
        except PcfgraphError as exc:
            return page(error_html(exc.http_status, str(exc)), exc.http_status)

    return wrapper


def error_html(status: int, detail: str) -> str:
    """The workbench's error page."""
    title = "Not found" if status == 404 else "Cannot show this page"
    return render("error.html", title=title, detail=detail)


def not_found_html(detail: str) -> str:
    """The workbench's 404 page (also what browsers get for an unknown ``/id/...`` IRI)."""
    return error_html(404, detail)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    reads = _reads(request)
    return page(render("home.html", title="Frameworks", frameworks=reads.frameworks(), nav="home"))


@router.get("/frameworks/{framework_id}", response_class=HTMLResponse)
@html_errors
def framework_page(
    request: Request,
    framework_id: str,
    expand: Annotated[str | None, Query(description="'all' opens every branch")] = None,
) -> HTMLResponse:
    reads = _reads(request)
    framework = reads.framework(framework_id)
    tree = reads.framework_tree(framework_id)
    graph = str(iris.framework_graph(framework_id))
    return page(
        render(
            "framework.html",
            title=framework.title,
            framework=framework,
            tree=tree,
            graph_path=iris.id_path(graph),
            graph_file=iris.download_stem(graph),
            expand_all=expand == "all",
            nav="frameworks",
        )
    )


@router.get("/search", response_class=HTMLResponse)
@html_errors
def search_page(
    request: Request,
    q: str = "",
    framework: str | None = None,
    partial: Annotated[str | None, Query(description="true: the result list only")] = None,
) -> HTMLResponse:
    reads = _reads(request)
    frameworks = reads.frameworks()
    fw = framework or None
    as_you_type = False
    try:
        # partial: a wrong value (partial=maybe) is the page's, not the fragment's, 400
        as_you_type = flag(partial, "partial")
        # a framework id or family (apqc-pcf) in any case, as the index spells it; else 404
        fw = reads.search_framework(fw)
    except (InputError, NotFoundError) as exc:
        if as_you_type:
            raise
        # the search page again, with what was typed kept and the wrong value named
        kept = {"q": q, "frameworks": frameworks, "families": reads.search_families()}
        html = render("search.html", title="Error: Search", nav="search", error=str(exc), **kept)
        return page(html, exc.http_status)
    # as you type (partial=true): the last word may be unfinished ("relation" finds
    # "relationship"); a submitted form searches whole words
    typing = as_you_type and not q.endswith(" ")
    found = reads.search(q[:200], fw, prefix=typing) if q.strip() else None
    context = {
        "q": q,
        "framework": fw,
        "hits": found.hits if found else [],
        "found": found,
        "frameworks": frameworks,
        "families": reads.search_families(),
        "result_sources": reads.sources(h.element.framework for h in found.hits) if found else [],
    }
    if as_you_type:
        return page(render("_search_results.html", **context))
    return page(render("search.html", title="Search", nav="search", **context))


@router.get("/matrix", response_class=HTMLResponse)
@html_errors
def matrix_page(
    request: Request,
    target: str = MATRIX_TARGETS[0].framework,
    source: str | None = None,
    derived: Annotated[str | None, Query(description="true: derived mappings too")] = None,
    strength: Annotated[list[str] | None, Query(description="shown strengths, 1-4")] = None,
    category: Annotated[
        str, Query(description='rows of this category code; "all"; default: the mapped ones')
    ] = "",
) -> HTMLResponse:
    """The matrix; a value it cannot use gives the page again with the form, the message next
    to its field and every other value kept (the status of the first problem), no matrix."""
    reads = _reads(request)
    frameworks = reads.frameworks()
    ids = {f.id for f in frameworks}
    errors: dict[str, PcfgraphError] = {}

    def checked(name: str, check: Callable[[], Any], fallback: Any) -> Any:
        try:
            return check()
        except PcfgraphError as exc:
            errors[name] = exc
            return fallback

    with_derived = checked("derived", lambda: flag(derived, "derived"), derived == "true")
    kept = {v.strip() for v in strength or []}  # the valid ones stay ticked
    shown = checked(
        "strength", lambda: strengths(strength), {s for s, _ in STRENGTH_CHOICES if str(s) in kept}
    )
    spec = next((t for t in MATRIX_TARGETS if t.framework == target), None)
    if spec is None:
        errors["target"] = NotFoundError(
            f"no matrix for {target[:80]!r}; choose one of "
            + ", ".join(t.framework for t in MATRIX_TARGETS)
        )
    if source is None:
        source = next((f.id for f in frameworks if f.is_apqc), "")
    elif source not in ids:  # as an unknown target is: an empty matrix would say nothing
        errors["source"] = NotFoundError(f"source: {services.no_framework(source[:80], ids)}")
        source = next((f.id for f in frameworks if f.is_apqc), "")  # the form offers these
    matrix, rows = None, None
    if spec is not None and not errors and source in ids and target in ids:
        matrix = reads.matrix(
            source,
            target,
            row_kinds=MATRIX_ROW_KINDS,
            column_kinds=spec.kinds,
            include_derived=with_derived,
            column_root=spec.root,
        )
        nodes = reads.framework_nodes(source)
        try:
            rows = scope_rows(matrix, nodes, category)
        except KeyError:
            errors["category"] = NotFoundError(
                f"no category {category[:80]!r} with processes or activities in {source}"
            )
            rows = scope_rows(matrix, nodes, "")  # the mapped ones, the choice kept
    status = next(iter(errors.values())).http_status if errors else 200
    return page(
        render(
            "matrix.html",
            title="Error: Mapping matrix" if errors else "Mapping matrix",
            nav="matrix",
            matrix=matrix,
            rows=rows,
            all_rows=ALL,
            spec=spec or MATRIX_TARGETS[0],
            target=target,
            targets=MATRIX_TARGETS,
            source=source,
            sources=[f for f in frameworks if f.is_apqc],
            cited=reads.sources({source, target}) if matrix is not None else [],
            derived=with_derived,
            available=ids,
            strength_choices=STRENGTH_CHOICES,
            strengths=shown,
            errors={name: str(exc) for name, exc in errors.items()},
            category=category,
        ),
        status,
    )


@router.get("/assets/{name:path}")
def static_file(name: str) -> Response:
    """The workbench's own CSS and JavaScript (no asset comes from another host)."""
    if not _STATIC_NAME.fullmatch(name):
        raise NotFoundError(f"no static file {name!r}")
    path = resources.files("pcfgraph.web").joinpath("static", *name.split("/"))
    if not path.is_file():
        raise NotFoundError(f"no static file {name!r}")
    return Response(
        path.read_bytes(),
        media_type=_STATIC_TYPES[name[name.rindex(".") :]],
        headers={"Cache-Control": "public, max-age=3600"},
    )


# --- element pages at /id/... -----------------------------------------------------------------


def element_page(state: AppState, iri: str) -> str | None:
    """The element page of ``iri`` on the release ``state`` serves; None when ``iri`` is not a
    framework element (the ``/id/...`` route then shows its generic resource view)."""
    reads = reads_for(state)
    return render_element_html(reads.store, reads.catalog, iri, reads=reads)


def resource_page(state: AppState, iri: str, triples: list[ox.Triple]) -> str:
    """The page of any other IRI under ``/id/`` (``Pages.resource``)."""
    view = resource_view(iri, triples)
    reads = reads_for(state)
    derivation = explain(reads, view)
    timeline = identity.stable_timeline(reads, iri, triples)
    # the rights of every framework edition whose elements the page shows (a measure's
    # element, the two ends of a mapping record, the editions of a stable PCF ID)
    mentioned = {
        term.value
        for t in triples
        for term in (t.subject, t.object)
        if isinstance(term, ox.NamedNode)
    }
    shown = [
        f.id
        for f in reads.frameworks()
        if f.iri in mentioned
        or not mentioned.isdisjoint(services.framework_index(reads.reader, f.id).elements)
    ]
    return render(
        "resource.html",
        title=view.title,
        view=view,
        derivation=derivation,
        timeline=timeline,
        cited=reads.sources(shown),
        nav="",
    )


def graph_page(state: AppState, iri: str) -> str:
    """The page of a named graph at ``/id/graph/...`` (``Pages.graph``)."""
    query = state.catalog.get(GRAPH_SUMMARY)
    rows = state.query_store.select(query, {"graph": ox.NamedNode(iri)})
    triples = int(state.release.manifest.get("graphs", {}).get(iri, 0))
    terms = []
    if iri == str(iris.ontology_graph()):  # every term, at its fragment (/ontology -> 303)
        query = state.catalog.get(VOCABULARY_TERMS)
        terms = state.query_store.select(query, {"graph": ox.NamedNode(iri)}).rows
    view = graph_view(iri, triples, rows.rows, terms)
    return render("graph.html", title=view.title, graph=view, nav="")


def pages() -> Pages:
    """The workbench's HTML for routes the API owns: element, resource, graph and 404 pages
    at ``/id/...`` and the query page of ``GET /sparql`` (wired by :mod:`pcfgraph.serving`)."""
    return Pages(
        element=element_page,
        resource=resource_page,
        graph=graph_page,
        not_found=not_found_html,
        sparql=sparql_page,
        error=error_html,
    )


def include(app: FastAPI) -> None:
    """Add the workbench routes (after the API's: element pages use ``/id/`` when it exists)."""
    from pcfgraph.web import forms, sparql_form

    app.include_router(router)
    app.include_router(forms.router)
    app.include_router(sparql_form.router)
