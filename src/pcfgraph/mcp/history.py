"""``element_history``'s answer: an element in every loaded edition and version, newest
first, each with what changed since the version before it.

The version before a statement of an APQC PCF ID is the one of its own edition that it
revises (``prov:wasRevisionOf``, as GraphQL ``Element.history`` and ``pcfgraph history``
read it), not the entry below it in the list: ``changedSincePrevious`` compared each entry
with the next one whatever its edition, so a Cross-Industry 7.4 element was "renamed" when
Banking 7.2.2 names it otherwise, and the change notes GraphQL gives (moved from 1.3.1 to
1.1.1, new in 7.2.2, removed in the next version) were not there at all.
"""

from __future__ import annotations

from typing import Any

from pcfgraph import services
from pcfgraph.mcp.paging import MAX_LIMIT
from pcfgraph.mcp.results import element_ref, sources
from pcfgraph.services.search.documents import family_of
from pcfgraph.services.search.index import SearchIndex

#: What ``changedSincePrevious`` compares.
COMPARED = ("code", "name", "definition")


def history_answer(
    reader: services.Reader, index: SearchIndex, e: services.Element, base_url: str
) -> dict[str, Any]:
    """The element ``e`` in every loaded edition that states its PCF ID (APQC) or its code."""
    key = str(e.pcf_id) if e.pcf_id is not None else (e.code or "")
    editions = [
        h.element
        for h in index.search(key, framework=family_of(e.framework_id), limit=MAX_LIMIT)
        if h.field == "code"
        and (h.element.pcf_id == e.pcf_id if e.pcf_id is not None else h.element.code == e.code)
    ]
    fw = {f.id: f for f in services.frameworks(reader)}
    statements = (
        {s.iri: s for s in services.statements_of(reader, e.pcf_id)} if e.pcf_id is not None else {}
    )
    stated = services.stated_by_iri(reader, e.pcf_id)  # what each workbook itself says
    by_iri = {x.iri: x for x in editions}
    versions = []
    below: services.Element | None = None
    for x in reversed(editions):  # oldest first
        statement = statements.get(x.iri)
        # APQC: the version of its own edition it revises, if loaded; else the entry before
        previous = by_iri.get(statement.revision_of or "") if statement is not None else below
        info = fw.get(x.framework_id)
        entry: dict[str, Any] = {
            **element_ref(x, base_url),
            "edition": info.edition if info else None,
            "version": info.version if info else None,
            "definition": x.definition,
            "changedSincePrevious": [
                attr
                for attr in COMPARED
                if previous is not None and getattr(previous, attr) != getattr(x, attr)
            ],
        }
        if statement is not None:
            entry["previousVersion"] = previous.iri if previous is not None else None
            entry["changes"] = list(statement.changes)  # as GraphQL's history gives them
            if statement.deprecated:
                entry["removedInNextVersion"] = True
        entry.update(stated.get(x.iri, {}))
        versions.append(entry)
        below = x
    versions.reverse()
    return {
        "element": e.iri,
        "editions": len(versions),
        "note": None if len(versions) > 1 else one_version(e),
        "versions": versions,
        "sources": sources(reader, {v["framework"] for v in versions}),
    }


def one_version(e: services.Element) -> str:
    """Why element_history lists one version. It said "load more with --add" of every
    element, a PRM-IT process too (--add loads APQC workbooks only), as if the assistant
    could run it: the server's operator loads editions."""
    if e.pcf_id is not None:
        return (
            f"only one loaded APQC edition states PCF ID {e.pcf_id}: nothing to compare it "
            "with (a server started with more APQC workbooks, pcfgraph serve --add, has them)"
        )
    return f"{e.framework_id} has one loaded version: nothing to compare it with"
