"""The rows and sets the SSSOM reader (:mod:`pcfgraph.mappings.sssom`) gives, and the prefixes
every SSSOM file knows."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import URIRef

from pcfgraph import iris
from pcfgraph.iris import SSSOM

NO_TERM_FOUND = SSSOM.NoTermFound
NOT = "Not"
#: SSSOM built-in prefixes (always known; a file must not redefine them differently).
BUILTIN_PREFIXES: Mapping[str, str] = {
    k: iris.PREFIXES[k] for k in ("owl", "rdf", "rdfs", "skos", "semapv", "sssom", "xsd")
}
#: Prefixes every SSSOM export of pcfgraph declares (:mod:`pcfgraph.mappings.export`): the
#: built-ins and the namespace of the records (``record_id``). A file declaring one of them
#: states nothing of its own, so the set's graph does not record it (an export read back
#: gives the graph of the file it was made from).
IMPLIED_PREFIXES: Mapping[str, str] = {
    **BUILTIN_PREFIXES,
    "mapping": iris.mapping_record_namespace(),
}

#: A slot and its values in text form (IRIs expanded), as read.
SlotValues = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class MappingRow:
    """One data row of a mapping set, with CURIEs expanded."""

    line: int
    subject: URIRef
    predicate: URIRef
    object: URIRef
    justification: URIRef
    subject_source: URIRef
    object_source: URIRef
    confidence: Decimal | None = None
    subject_label: str | None = None
    object_label: str | None = None
    author_ids: tuple[URIRef, ...] = ()
    author_labels: tuple[str, ...] = ()
    comment: str | None = None
    predicate_modifier: str | None = None
    #: Every other slot given for the row (own cell or propagated from the header).
    extra: SlotValues = ()

    @property
    def no_term_found(self) -> bool:
        return self.object == NO_TERM_FOUND

    @property
    def negated(self) -> bool:
        """``predicate_modifier: Not``: the row says the mapping does *not* hold."""
        return self.predicate_modifier == NOT

    @property
    def key(self) -> str:
        """Stable record key: a short hash of what the row states (not of its position)."""
        target = self.object_source if self.no_term_found else self.object
        text = f"{self.subject}|{self.predicate}|{self.object}|{target}"
        if self.negated:
            text += "|Not"
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]

    def values(self, slot: str) -> tuple[str, ...]:
        """The values of one of the :attr:`extra` slots (empty when not given)."""
        return dict(self.extra).get(slot, ())


@dataclass(frozen=True)
class MappingSet:
    """A parsed SSSOM/TSV file."""

    path: Path
    stem: str
    iri: URIRef
    license: URIRef
    curie_map: Mapping[str, str]
    rows: tuple[MappingRow, ...]
    title: str | None = None
    description: str | None = None
    version: str | None = None
    comment: str | None = None
    mapping_date: dt.date | None = None
    creator_ids: tuple[URIRef, ...] = ()
    creator_labels: tuple[str, ...] = ()
    subject_sources: tuple[URIRef, ...] = field(default=())
    object_sources: tuple[URIRef, ...] = field(default=())
    #: Every other mapping-set slot of the header.
    extra: SlotValues = ()
    #: The prefixes the file declares itself (``curie_map`` as written).
    declared_prefixes: Mapping[str, str] = field(default_factory=dict)
    #: The prefixes its CURIEs use (header and rows).
    used_prefixes: frozenset[str] = frozenset()

    @property
    def own_prefixes(self) -> dict[str, str]:
        """The declared prefixes the set's graph keeps: used by a CURIE of the file, and not
        one an export declares anyway (:data:`IMPLIED_PREFIXES`). A prefix declared and used
        by nothing (sssom-py leaves it out of what it writes) states nothing about the set."""
        return {
            p: ns
            for p, ns in self.declared_prefixes.items()
            if p in self.used_prefixes and IMPLIED_PREFIXES.get(p) != ns
        }
