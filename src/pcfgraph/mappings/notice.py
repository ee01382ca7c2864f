"""APQC's notice on the mapping sets that name PCF elements.

data/README.md: everything derived from the APQC PCF, the mapping sets that quote PCF names
among it, keeps APQC's notice (``dcterms:rights <apqc-pcf/notice>`` in the graph, the
``comment`` of each SSSOM set). The graph states the rights of such a set itself
(:func:`pcfgraph.mappings.sssom_rdf.mapping_set_graph`), but the notice in words was only
what the curator had written in the comment: a set without it was exported as SSSOM that
quotes PCF names with no notice at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pcfgraph import iris
from pcfgraph.importers.apqc.emit import APQC_NOTICE
from pcfgraph.mappings.sssom_types import MappingSet

#: The notice a set's SSSOM ``comment`` carries (the curated sets' own words begin so).
SET_NOTICE = "APQC PCF element names and identifiers: " + APQC_NOTICE


def names_pcf(sources: Iterable[object]) -> bool:
    """Whether a set whose rows come from or go to the frameworks ``sources`` (their IRIs)
    names APQC PCF elements: it is derived from the PCF."""
    return any(iris.is_apqc_framework(str(fw)) for fw in sources)


def carries_notice(comment: str | None) -> bool:
    """Whether a set's comment states APQC's notice (its copyright line)."""
    text = (comment or "").upper()
    return "APQC" in text and "ALL RIGHTS RESERVED" in text


def with_notice(comment: str | None) -> str:
    """``comment`` with APQC's notice before it, unless it carries one already."""
    if carries_notice(comment):
        return comment or ""
    return f"{SET_NOTICE} {comment}" if comment else SET_NOTICE


def missing_notice(ms: MappingSet, source: str) -> str | None:
    """The build's warning for a set of PCF elements whose comment lacks APQC's notice
    (``source``: its file as the build names it), else None."""
    if not names_pcf((*ms.subject_sources, *ms.object_sources)) or carries_notice(ms.comment):
        return None
    return (
        f"{source}: mapping set {ms.stem!r} names APQC PCF elements but its comment does not "
        "carry APQC's notice; data/README.md asks every set that quotes PCF names to keep it "
        f"(add it to the comment: {SET_NOTICE!r}). Its graph states the rights and its SSSOM "
        "exports add the notice to the comment"
    )


def quoted_notices(notices: Mapping[str, str], ends: Iterable[str]) -> str | None:
    """The comment of a file whose rows quote the names of the frameworks ``ends`` (their
    ids; ``mappings suggest``'s subject and object labels): each one's notice
    (``notices``, by id: :attr:`pcfgraph.services.Framework.attribution`, an IBM edition's
    own "©2025 APQC and IBM ..."), APQC's when an APQC edition's is not given; None when no
    end has one."""
    parts = []
    for fid in dict.fromkeys(ends):
        notice = notices.get(fid) or (APQC_NOTICE if iris.is_apqc_framework_id(fid) else None)
        if notice:
            parts.append(f"{fid} names and identifiers: {notice}")
    return " ".join(parts) or None


#: The copyright line APQC's notice (and the Cross-Industry 7.4 workbook's) begins with.
COPYRIGHT_LINE = APQC_NOTICE[: APQC_NOTICE.index("RESERVED.") + len("RESERVED.")]


def with_edition_notices(comment: str, editions: Iterable[tuple[str, str | None]]) -> str:
    """``comment`` (a set's, APQC's notice in it) with the notice each APQC edition of the
    set states itself (``editions``: id and its workbook's notice) when that is not APQC's
    line: an industry edition developed with IBM ("©2025 APQC and IBM ...") or an older one
    (©2022) asks for its own, which APQC's ©2024 line does not say."""
    parts = [comment] if comment else []
    for fid, own in editions:
        if own and not own.startswith(COPYRIGHT_LINE) and own not in comment:
            parts.append(f"{fid} names and identifiers: {own}")
    return " ".join(parts)
