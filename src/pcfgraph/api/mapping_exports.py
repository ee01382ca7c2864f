"""``GET /mappings/{set}.sssom.tsv`` (``.sssom.json``, ``.sssom.ttl``): a mapping set as SSSOM.

Curated rows only, unless ``?derived=true`` (then the derived rows between the set's
frameworks are added, each with its chain); ``/mappings/derived.sssom.tsv`` is the derived
set itself. The body is what ``pcfgraph mappings export`` writes.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from pcfgraph.errors import InputError, NotFoundError
from pcfgraph.mappings.export import FORMATS, export_bytes
from pcfgraph.runtime import app_state

router = APIRouter(tags=["mappings"])
SUFFIXES = {f.suffix: f for f in FORMATS.values()}


@router.get(
    "/mappings/{name}",
    summary="A mapping set as SSSOM (TSV, JSON or RDF Turtle)",
    response_class=Response,
    responses={
        200: {
            "description": "The mapping set as SSSOM",
            "content": {f.media_type.split(";")[0]: {} for f in FORMATS.values()},
        }
    },
)
async def mapping_set_file(name: str, request: Request, derived: str = "false") -> Response:
    fmt = next((f for suffix, f in SUFFIXES.items() if name.endswith(suffix)), None)
    if fmt is None:
        raise NotFoundError(f"no such file {name!r}: ask for <set>{', <set>'.join(SUFFIXES)}")
    if derived not in ("true", "false"):
        raise InputError(f"derived must be true or false, not {derived!r}")
    set_id = name[: -len(fmt.suffix)]
    state = app_state(request)
    body = await asyncio.to_thread(
        export_bytes, state.store, state.catalog, set_id, fmt.name, derived=derived == "true"
    )
    return Response(
        body,
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'inline; filename="{set_id}{fmt.suffix}"'},
    )
