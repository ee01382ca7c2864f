"""``GET /licences``: the licence and notice of every framework and mapping set the release
holds, the target of the ``Link: </licences>; rel="license"`` every answer derived from the
graph carries (:mod:`pcfgraph.http.licence`).

JSON (the default), or ``text/plain``: a notice file to keep next to downloaded content
(APQC's licence asks every copy of PCF content to carry APQC's notice). Both are the same on
one release: a strong ``ETag``, and ``If-None-Match`` gets 304 without the list being made.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Request, Response

from pcfgraph import iris, services
from pcfgraph.api.errors import NOT_MODIFIED, openapi_content, problem_responses
from pcfgraph.conneg import content_type, negotiate
from pcfgraph.http.conditional import download, not_modified
from pcfgraph.http.licence import LICENCES_PATH
from pcfgraph.runtime import AppState, app_state

router = APIRouter(tags=["frameworks"])
OFFERS = ("application/json", "text/plain")

#: What the list says about itself (first in both formats).
SCOPE = (
    "Content from a framework stays under that framework's terms: keep its notice with every "
    "copy of it (and of what is derived from it). A mapping set's licence covers the curation "
    "(predicates, confidences, comments), not the framework texts its rows quote."
)


@router.get(
    LICENCES_PATH,
    summary="The licence and notice of every framework and mapping set in the release",
    response_class=Response,
    responses={
        200: {
            "description": "Each framework's licence, attribution and notice; each mapping set's "
            "licence and frameworks",
            "content": openapi_content(*OFFERS),
        },
        304: NOT_MODIFIED,
        **problem_responses(406),
    },
)
async def licences(request: Request) -> Response:
    state = app_state(request)
    media = negotiate(request.headers.get("accept"), OFFERS, what="the licences")
    root = request.scope.get("root_path", "")  # a proxy's path prefix (http/root_path.py)
    key = ("licences", media, root)
    if (unchanged := not_modified(request, state, key, vary="Accept")) is not None:
        return unchanged
    listed = await asyncio.to_thread(_listed, state, root)
    if media == "text/plain":
        body, suffix = _as_text(listed), "txt"
    else:
        body, suffix = json.dumps(listed, ensure_ascii=False, indent=2) + "\n", "json"
    # saved next to the content it is about (curl -OJ, wget --content-disposition)
    disposition = f'inline; filename="pcfgraph-licences.{suffix}"'
    return download(
        request,
        state,
        key,
        body.encode("utf-8"),
        content_type(media),
        {"Content-Disposition": disposition},
        vary="Accept",
        licensed=False,
    )


def _listed(state: AppState, root: str = "") -> dict[str, Any]:
    """The list; its pages under ``root`` (JSON has no markup http.root_path could root)."""
    from pcfgraph.services.page_reads import reads_for

    reads = reads_for(state)
    frameworks = [
        {
            "id": f.id,
            "title": f.title,
            "iri": f.iri,
            "page": _rooted(root, iris.id_path(f.iri)) or "",
            "license": f.license or None,
            "attribution": f.rights_label or None,
            "notice": f.notice or None,
            "noticePage": _rooted(root, iris.id_path(f.notice)) if f.notice else None,
        }
        for f in reads.frameworks()
    ]
    sets = [
        {
            "name": s.id,
            "title": s.title or s.id,
            "iri": s.iri,
            "license": s.license,
            # the notice of the framework texts its rows quote (APQC's for PCF names)
            "attribution": s.rights_label or None,
            "frameworks": sorted({*s.source_frameworks, *s.target_frameworks}),
        }
        for s in services.mapping_sets(reads.reader).values()
    ]
    return {"scope": SCOPE, "frameworks": frameworks, "mappingSets": sets}


def _rooted(root: str, path: str | None) -> str | None:
    return root + path if path else path


def _as_text(listed: dict[str, Any]) -> str:
    """The list as a plain notice file: one paragraph per framework and mapping set."""
    parts = [listed["scope"]]
    for f in listed["frameworks"]:
        lines = [f"{f['title']} ({f['id']})"]
        if f["attribution"]:
            lines.append(f["attribution"])
        if f["license"]:
            lines.append(f"Licence: {f['license']}")
        if f["notice"]:
            lines.append(f"Notice: {f['notice']}")
        parts.append("\n".join(lines))
    for s in listed["mappingSets"]:
        lines = [f"Mapping set {s['title']} ({s['name']})"]
        if s["license"]:
            lines.append(f"Licence: {s['license']}")
        if s["attribution"]:
            lines.append(f"Framework texts quoted under: {s['attribution']}")
        if s["frameworks"]:
            lines.append(f"Frameworks: {', '.join(s['frameworks'])}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
