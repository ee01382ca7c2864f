"""How a derived mapping record follows from curated ones, for the record's own page.

The record's ``rdfs:comment`` is written by the derivation with IRIs and SKOS names; the page
leads with the sentence a person writes ("Derived: A22 is broader than 8.1.6.4 ...") and lists
the curated records it rests on, each named by what it states and linked to its page.
"""

from __future__ import annotations

from dataclasses import dataclass

from pcfgraph import iris, services
from pcfgraph.errors import NotFoundError
from pcfgraph.services.page_reads import Reads
from pcfgraph.web.resource import PCFG, ResourceView, Value
from pcfgraph.web.svg import derived_sentence, phrase


@dataclass(frozen=True)
class CuratedLink:
    """One curated record of the chain: what it states, and its page."""

    text: str
    href: str | None


@dataclass(frozen=True)
class Derivation:
    sentence: str
    links: list[CuratedLink]


def derivation(reads: Reads, record: str, source: str) -> Derivation | None:
    """The derivation of the derived record ``record`` whose subject is ``source``; None when
    ``source`` is not a framework element or the record is not among its mappings."""
    try:
        element = services.element_by(reads.reader, iri=source)
    except NotFoundError:
        return None
    found = reads.record(element, record)  # a derived inverse is not among its mappings
    if found is None or not found.derived:
        return None
    here = reads.ref(element.iri, element.framework_id)
    return Derivation(
        derived_sentence(found, here),
        [
            CuratedLink(
                f"{c.source_code} {phrase(c.relation)} {c.target_code}", iris.id_path(c.record)
            )
            for c in found.chain
        ],
    )


def explain(reads: Reads, view: ResourceView) -> Derivation | None:
    """The derivation of the record ``view`` shows (None unless it is a derived record); its
    chain row then names each curated record by what it states instead of by its IRI."""
    if not view.derived_source:
        return None
    found = derivation(reads, view.iri, view.derived_source)
    if found is None:
        return None
    for row in view.rows:
        if row.predicate == PCFG + "chain":
            row.values = [
                Value(text="", items=[Value(text=c.text, href=c.href) for c in found.links])
            ]
    return found
