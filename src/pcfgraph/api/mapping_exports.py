"""``GET /mappings/{set}.sssom.tsv`` (``.sssom.json``, ``.sssom.ttl``): a mapping set as SSSOM.

Curated rows only, unless ``?derived=true`` (then the derived rows between the set's
frameworks are added, each with its chain); ``/mappings/derived.sssom.tsv`` is the derived
set itself. The body is what ``pcfgraph mappings export`` writes. A wrong parameter or an
unknown set is the workbench's error page for a browser (the pages link the files),
problem+json for everyone else.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from pcfgraph import iris
from pcfgraph.api.element_html import mapping_sets_html
from pcfgraph.api.errors import NOT_MODIFIED, page_or_problem_responses, pages_for_browsers
from pcfgraph.conneg import best_offer
from pcfgraph.errors import NotFoundError
from pcfgraph.http.conditional import download, not_modified
from pcfgraph.http.params import flag, flag_schema
from pcfgraph.mappings.export import (
    DERIVED,
    FORMATS,
    export_bytes,
    export_paths,
    mapping_set_ids,
    mapping_set_titles,
)
from pcfgraph.runtime import app_state
from pcfgraph.services.search.identifier_case import naming_the_one_meant

router = APIRouter(tags=["mappings"])
SUFFIXES = {f.suffix: f for f in FORMATS.values()}


@router.get(
    "/mappings",
    summary="The mapping sets, each with its SSSOM exports (HTML for a browser)",
    responses={200: {"content": {"application/json": {}, "text/html": {}}}, 304: NOT_MODIFIED},
)
async def mapping_sets(request: Request) -> Response:
    """The list: the same on one release, so a strong ETag and 304 for the client's copy
    (:mod:`pcfgraph.http.conditional`), by the format Accept chose."""
    state = app_state(request)
    accept = request.headers.get("accept")
    html = bool(
        accept
        and "text/html" in accept
        and best_offer(accept, ("application/json", "text/html")) == "text/html"
    )
    key = ("mapping-sets", html)
    if (unchanged := not_modified(request, state, key, vary="Accept")) is not None:
        return unchanged
    titles = await asyncio.to_thread(mapping_set_titles, state.store, state.catalog)
    sets: list[dict[str, Any]] = []
    for set_id, title, version in titles:
        entry: dict[str, Any] = {
            "name": set_id,
            "title": title,
            # what changes with every edit of a curated set (docs/mappings.md): a client
            # tells a new release of a set from the list, without fetching it
            "version": version,
            "iri": str(iris.mapping_set(set_id)),
            "page": iris.id_path(str(iris.mapping_set(set_id))) or "",
            "exports": export_paths(set_id),
        }
        if set_id != DERIVED:  # the derived set is all derived rows already
            entry["derivedExports"] = export_paths(set_id, derived=True)
        sets.append(entry)
    if html:
        body, media = mapping_sets_html(sets).encode("utf-8"), "text/html; charset=utf-8"
    else:
        # as JSONResponse writes it
        # under a proxy's path prefix, the JSON's paths too (HTML gets it from RootPath)
        if root := request.scope.get("root_path", ""):
            sets = [_rooted(entry, root) for entry in sets]
        text = json.dumps({"mappingSets": sets}, ensure_ascii=False, separators=(",", ":"))
        body, media = text.encode("utf-8"), "application/json"
    return download(request, state, key, body, media, {}, vary="Accept", licensed=False)


def _rooted(entry: dict[str, Any], root: str) -> dict[str, Any]:
    """A mapping set's entry with its paths under ``root`` (``/pcf/mappings/...``)."""
    out = dict(entry)
    if out["page"]:
        out["page"] = root + out["page"]
    for key in ("exports", "derivedExports"):
        if key in out:
            out[key] = {name: root + path for name, path in out[key].items()}
    return out


@router.get(
    "/mappings/{name}",
    summary="A mapping set as SSSOM (TSV, JSON or RDF Turtle)",
    response_class=Response,
    responses={
        200: {
            "description": "The mapping set as SSSOM",
            "content": {f.media_type.split(";")[0]: {} for f in FORMATS.values()},
        },
        304: NOT_MODIFIED,
        # 406: a set with a value SSSOM/TSV cannot hold (a '|' in a multivalued slot's value)
        **page_or_problem_responses(400, 404, 406),
    },
)
@pages_for_browsers
async def mapping_set_file(
    name: str,
    request: Request,
    derived: Annotated[
        str | None,
        Query(description="true: derived mappings too", json_schema_extra=flag_schema),
    ] = None,
) -> Response:
    fmt = next((f for suffix, f in SUFFIXES.items() if name.endswith(suffix)), None)
    if fmt is None:
        raise NotFoundError(f"no such file {name!r}: ask for <set>{', <set>'.join(SUFFIXES)}")
    # read as /frameworks/{id}/export reads it (it took only 'true' and 'false' here)
    with_derived = flag(derived, "derived")
    set_id = name[: -len(fmt.suffix)]
    state = app_state(request)
    key = ("mappings", name, with_derived)
    if (unchanged := not_modified(request, state, key)) is not None:
        return unchanged  # the client's copy: nothing to make
    try:
        body = await asyncio.to_thread(
            export_bytes, state.store, state.catalog, set_id, fmt.name, derived=with_derived
        )
    except NotFoundError as exc:  # a path: case-sensitive, but the one meant is named
        known = mapping_set_ids(state.store, state.catalog)
        raise naming_the_one_meant(exc, set_id, known) from None
    # with derived mappings it is another file: another name (the page links both)
    stem = set_id + ("-with-derived" if with_derived else "")
    disposition = f'inline; filename="{stem}{fmt.suffix}"'
    return download(request, state, key, body, fmt.media_type, {"Content-Disposition": disposition})
