"""Compact pieces of MCP answers: an element reference with its page URL, and the sources
an answer cites (each framework's rights statement; APQC's notice on PCF content)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pcfgraph import iris, services
from pcfgraph.importers.apqc.emit import APQC_NOTICE
from pcfgraph.services.search.present import rights_of


def element_ref(e: services.Element, base_url: str) -> dict[str, Any]:
    """An element as answers refer to it: its IRI, its element id (``prm-it/A24``: GraphQL's
    ``id``, and what search hits give; the parents, children and mappings of get_element
    gave the IRI only), framework, code, name, PCF ID and page URL."""
    out: dict[str, Any] = {
        "iri": e.iri,
        "id": e.id,
        "framework": e.framework_id,
        "code": e.code,
        "name": e.name,
    }
    if e.pcf_id is not None:
        out["pcfId"] = e.pcf_id
    out["url"] = page_url(e.iri, base_url)
    return out


def maturity_fields(
    reader: services.Reader, e: services.Element, base_url: str, most: int
) -> dict[str, Any]:
    """An IT-CMF element's place in the maturity structure, as GraphQL ``Element`` gives it
    (``maturityLevel``, ``buildingBlock``, ``outcomes``, ``metrics``, ``practices``), only
    the fields that hold something (none outside IT-CMF); lists at most ``most`` long, with
    ``...Truncated`` the full count when cut. ``practices``: of a building block or maturity
    level, those in it; of an outcome or metric, those it belongs to (``get_element`` gave
    none of this: a practice's outcomes and metrics, and the practice an outcome belongs to,
    were in GraphQL and SPARQL only, and an outcome read as an element of level 5 with no
    parent)."""
    (st,) = services.itcmf_structure_of(reader, [e])
    out: dict[str, Any] = {}
    if st.maturity_level is not None:
        level = st.maturity_level
        out["maturityLevel"] = {**element_ref(level.element, base_url), "level": level.level_number}
    if st.building_block is not None:
        out["buildingBlock"] = element_ref(st.building_block.element, base_url)
    practices = st.practices or services.practices_linking(reader, e)
    for name, full in (
        ("outcomes", [element_ref(o, base_url) for o in st.outcomes]),
        ("metrics", [element_ref(m, base_url) for m in st.metrics]),
        (
            "practices",
            [{**element_ref(p, base_url), "maturityLevel": n} for p, n in practices],
        ),
    ):
        if full:
            out[name] = full[:most]
            if len(full) > most:
                out[f"{name}Truncated"] = len(full)
    return out


def page_url(iri: str, base_url: str) -> str | None:
    """The element's workbench page on the server at ``base_url`` (``/id/...``); None with
    no base (``pcfgraph mcp`` without ``public_url``: no server of pages is known to run)."""
    if not base_url:
        return None
    path = iris.id_path(iri) or iri
    return base_url.rstrip("/") + path if path.startswith("/") else path


def sources(reader: services.Reader, framework_ids: set[str]) -> dict[str, str]:
    """What an answer quoting ``framework_ids`` cites: each one's attribution (the notice its
    source file states itself, else its rights), APQC's notice for an APQC edition that
    states none. It was added after every APQC edition's own notice, which begins with the
    same copyright line (Cross-Industry 7.4: "©2024 APQC. ALL RIGHTS RESERVED." twice; the
    IBM editions' "©2025 APQC and IBM" followed by a ©2024 line not theirs), where every
    other edge cites that notice alone (``Framework.attribution``)."""
    found = rights_of(reader, framework_ids)
    for fid in framework_ids:
        if fid.startswith("apqc-pcf") and not found.get(fid):
            found[fid] = APQC_NOTICE
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
