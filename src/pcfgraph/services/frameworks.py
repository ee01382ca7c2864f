"""Framework editions (``api/frameworks``): one query for all of them."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from pcfgraph.errors import NotFoundError, quoted
from pcfgraph.services.base import Reader, in_rank_order, integer, text


@dataclass(frozen=True)
class Framework:
    """One framework edition/version (a ``pcfg:Framework`` scheme)."""

    iri: str
    id: str
    title: str | None = None
    version: str | None = None
    edition: str | None = None
    publisher: str | None = None
    license: str | None = None
    source: str | None = None
    #: The attribution text of ``dcterms:rights``: the literal, or the label of the
    #: ``dcterms:RightsStatement`` it names (None when neither is stated).
    rights: str | None = None
    #: The ``dcterms:RightsStatement`` IRI when ``dcterms:rights`` names a resource.
    rights_statement: str | None = None
    #: The notice the source file states itself (an APQC workbook's "Copyright and
    #: attribution" text, which APQC's licence asks every copy to carry); None when unstated.
    source_rights: str | None = None

    @property
    def attribution(self) -> str | None:
        """What to cite next to this framework's content: the notice its source file states
        itself, else ``rights``. An APQC workbook's own notice is the one APQC's licence asks
        every copy to carry, and it says what pcfgraph's generic line says (Cross-Industry
        7.4: both begin "©2024 APQC. ALL RIGHTS RESERVED.", which every citation of the two
        together repeated; the IBM editions' "©2025 APQC and IBM ..." came after a ©2024
        line that is not theirs)."""
        return self.source_rights or self.rights or None


#: ``api/framework-info`` columns in the order they rank its rows (see :func:`frameworks`).
FRAMEWORK_INFO_COLUMNS = (
    "id",
    "framework",
    "title",
    "version",
    "edition",
    "publisher",
    "license",
    "source",
    "rightsLabel",
    "rights",
    "sourceRights",
)


def frameworks(reader: Reader) -> list[Framework]:
    """Every framework edition, ordered by id (one store query per reader)."""

    def load() -> list[Framework]:
        seen: dict[str, Framework] = {}
        # The first row of each id wins: rows in rank order, so that a title or publisher
        # stated twice (two languages) gives the same one from any store.
        rows = in_rank_order(reader.select("api/framework-info"), FRAMEWORK_INFO_COLUMNS)
        for row in rows:
            fid = text(row, "id")
            if fid is None or fid in seen:
                continue
            seen[fid] = Framework(
                iri=text(row, "framework") or "",
                id=fid,
                title=text(row, "title"),
                version=text(row, "version"),
                edition=text(row, "edition"),
                publisher=text(row, "publisher"),
                license=text(row, "license"),
                source=text(row, "source"),
                rights=text(row, "rightsLabel")
                or (text(row, "rights") if isinstance(row.get("rights"), ox.Literal) else None),
                rights_statement=text(row, "rights")
                if isinstance(row.get("rights"), ox.NamedNode)
                else None,
                source_rights=text(row, "sourceRights"),
            )
        return [seen[k] for k in sorted(seen)]

    return reader.memo(("frameworks",), load)


def framework(reader: Reader, framework_id: str, *, required: bool = False) -> Framework | None:
    for f in frameworks(reader):
        if f.id == framework_id:
            return f
    if required:
        known = ", ".join(f.id for f in frameworks(reader)) or "none"
        raise NotFoundError(f"no framework {quoted(framework_id)}; known frameworks: {known}")
    return None


def element_counts(reader: Reader) -> dict[str, int]:
    """Number of elements per framework id (one query per reader; asked for separately
    because counting every element of a large graph is not free)."""

    def load() -> dict[str, int]:
        return {
            text(row, "id") or "": integer(row, "elements") or 0
            for row in reader.select("api/framework-element-counts")
        }

    return reader.memo(("element-counts",), load)
