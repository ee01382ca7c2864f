"""Compact pieces of MCP answers: an element reference with its page URL, and the sources
an answer cites (each framework's rights statement; APQC's notice on PCF content)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pcfgraph import iris, services
from pcfgraph.services.search.present import rights_of

APQC_NOTICE = (
    "©2024 APQC. ALL RIGHTS RESERVED. The APQC Process Classification Framework® (PCF) is "
    "used with permission of APQC."
)


def element_ref(e: services.Element, base_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "iri": e.iri,
        "framework": e.framework_id,
        "code": e.code,
        "name": e.name,
    }
    if e.pcf_id is not None:
        out["pcfId"] = e.pcf_id
    out["url"] = page_url(e.iri, base_url)
    return out


def page_url(iri: str, base_url: str) -> str | None:
    """The element's workbench page on the server at ``base_url`` (``/id/...``); None with
    no base (``pcfgraph mcp`` without ``public_url``: no server of pages is known to run)."""
    if not base_url:
        return None
    path = iris.id_path(iri) or iri
    return base_url.rstrip("/") + path if path.startswith("/") else path


def sources(reader: services.Reader, framework_ids: set[str]) -> dict[str, str]:
    found = rights_of(reader, framework_ids)
    for fid in framework_ids:
        if fid.startswith("apqc-pcf") and APQC_NOTICE not in found.get(fid, ""):
            found[fid] = (found.get(fid, "") + " " + APQC_NOTICE).strip()
    return found


def readable_sources(reader: services.Reader, graphs: Collection[str] = ()) -> dict[str, str]:
    """The sources of a query's rows, which can quote any graph they read: the frameworks
    whose graphs a dataset clause names when it names framework graphs only, otherwise every
    loaded framework (the default graph is the union of them all)."""
    ids = set(services.known_framework_ids(reader))
    named = {fid for fid in ids if str(iris.framework_graph(fid)) in graphs}
    if graphs and len(named) == len(set(graphs)):
        ids = named
    return sources(reader, ids)
