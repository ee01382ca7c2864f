"""Jinja2 environment and the page renderers shared by the views and the ``/id/...`` route."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse
from jinja2 import BaseLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from pcfgraph import __version__, iris, services
from pcfgraph.errors import NotFoundError
from pcfgraph.queries import QueryCatalog
from pcfgraph.services.page_model import RELATION_STRENGTH, relation_name
from pcfgraph.services.page_reads import Reads
from pcfgraph.store import GraphStore
from pcfgraph.terminal_text import printable
from pcfgraph.web import identity
from pcfgraph.web.svg import chain_text, derived_sentence, mapping_diagram


def element_href(iri: str) -> str:
    """The page of an element: its dereferenceable IRI's path (``/id/...``)."""
    return iris.id_path(iri) or "/search?" + urlencode({"q": iri})


def query_href(path: str, **params: object) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "", False)}
    return path + ("?" + urlencode(clean) if clean else "")


def export_href(
    framework: str, code: str | None, fmt: str, derived: bool = False, table: str | None = None
) -> str:
    return query_href(
        f"/frameworks/{framework}/export",
        subtree=code,
        format=fmt,
        derived="true" if derived else None,
        table=table,
    )


def confidence_text(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "–"


@cache
def environment() -> Environment:
    """The template environment (templates are package resources; cached per process)."""
    return template_environment(PackageLoader("pcfgraph.web", "templates"))


def template_environment(loader: BaseLoader) -> Environment:
    """An environment with every template of ``loader`` compiled now and never read again.

    A server renders the templates of the code it runs: with Jinja's default (``auto_reload``)
    each render checked the file's time and read it again if changed, so a package upgraded
    under a running server served new templates to old code (or one template of each), and
    each render paid a ``stat``. Warming (:mod:`pcfgraph.web.warmup`) makes it before
    ``/ready``.
    """
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html", "svg", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=-1,  # never evicted: a template dropped could only be read again from disk
    )
    env.globals.update(
        element_href=element_href,
        query_href=query_href,
        export_href=export_href,
        relation_name=relation_name,
        confidence_text=confidence_text,
        chain_text=chain_text,
        derived_sentence=derived_sentence,
        curie=iris.curie,
        version=__version__,
    )
    env.filters["relation"] = relation_name
    # a message or what a page says of the request (an error, the search text in "results
    # for"): HTML escaping leaves a right-to-left override in it be (form values keep it)
    env.filters["visible"] = printable
    for name in env.list_templates():
        env.get_template(name)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


HTML = "text/html; charset=utf-8"


def page(html: str, status: int = 200) -> HTMLResponse:
    """A rendered page as the response (UTF-8 HTML)."""
    return HTMLResponse(html, status_code=status, media_type=HTML)


def render_element_html(
    store: GraphStore, catalog: QueryCatalog, iri: str, *, reads: Reads | None = None
) -> str | None:
    """The element page for a framework element's IRI; None when ``iri`` is not one.

    This is the HTML view of the dereferenceable IRI (``/id/...``): the ``/id`` route calls it
    and falls back to its generic resource view when it returns None. ``reads``: the server's
    reads of the served release (:func:`pcfgraph.services.page_reads.reads_for`), else fresh ones.
    """
    reads = reads if reads is not None else Reads(store, catalog)
    try:
        element = reads.element(iri)
    except NotFoundError:
        return None
    diagram = mapping_diagram(element.ref, element.mappings, element_href)
    here = services.framework_index(reads.reader, element.framework).elements.get(iri)
    curated = [m for m in element.mappings if not m.derived]
    derived = [m for m in element.mappings if m.derived]
    inherited = identity.inherited(reads, here) if here is not None else []
    # what the element states itself wins, as gaps have it: its own NoCounterpart record is its
    # decision, and a framework it has a curated mapping into is no gap to decide
    own = {fw for fw, _ in element.no_counterparts} | {m.other.framework for m in curated}
    decided = [
        d
        for d in (identity.inherited_decisions(reads, here) if here is not None else [])
        if d.other_framework not in own
    ]
    shown = {element.framework, *(m.other.framework for m in element.mappings)}
    shown |= {n.other.framework for n in element.negatives}
    shown |= {d.made_on.framework for d in decided}
    shown |= {i.made_on.framework for i in inherited} | {
        i.mapping.other.framework for i in inherited
    }
    return render(
        "element.html",
        title=f"{element.code} {element.name}",
        element=element,
        diagram=Markup(diagram),
        curated=curated,
        derived=derived,
        timeline=identity.timeline(reads, here) if here is not None else [],
        inherited=inherited,
        inherited_decisions=decided,
        incoming=sum(1 for m in curated if m.direction == "in"),
        cited=reads.sources(shown),
        strength=RELATION_STRENGTH,
        nav="frameworks",
    )
