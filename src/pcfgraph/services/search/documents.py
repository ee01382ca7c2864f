"""What the search index holds, read from the graph with named queries: one document per
framework element (name, alternative labels, definition and description, measure names,
identifiers) and the
search vocabulary (SKOS terms whose labels mean the same)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from pcfgraph import iris
from pcfgraph.codes import code_key
from pcfgraph.services.base import Reader, integer, text
from pcfgraph.services.elements import Element, all_indexes
from pcfgraph.services.frameworks import frameworks


@dataclass(frozen=True)
class Document:
    """One element as the index stores it."""

    element: Element
    #: Framework family: "apqc-pcf" for every APQC edition, else the framework id.
    family: str
    #: 0 for the newest edition of its family, then 1, 2, ... (identifier hits, ties).
    edition_rank: int
    alt_labels: tuple[str, ...] = ()
    hidden_labels: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    #: A longer description (dcterms:description) than the definition, where one is given.
    description: str | None = None
    #: Folded identifiers that find this element first (code, PCF ID, local id, IRI).
    identifiers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VocabularyTerm:
    """A term of the search vocabulary: every label finds what the others find."""

    iri: str
    pref_labels: tuple[str, ...]
    alt_labels: tuple[str, ...] = ()
    hidden_labels: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return self.pref_labels + self.alt_labels + self.hidden_labels


def family_of(framework_id: str) -> str:
    return "apqc-pcf" if iris.is_apqc_framework_id(framework_id) else framework_id


def _version_key(version: str | None) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version or ""))


def edition_ranks(reader: Reader) -> dict[str, int]:
    """Rank of each framework within its family: newest version first, Cross-Industry before
    industry editions of the same version, then by id."""
    by_family: dict[str, list[tuple[tuple[object, ...], str]]] = defaultdict(list)
    for f in frameworks(reader):
        version = _version_key(f.version)
        key = (tuple(-n for n in version), (f.edition or "") != "Cross-Industry", f.id)
        by_family[family_of(f.id)].append((key, f.id))
    ranks: dict[str, int] = {}
    for members in by_family.values():
        for rank, (_, fid) in enumerate(sorted(members)):
            ranks[fid] = rank
    return ranks


def identifiers_of(e: Element) -> dict[str, str]:
    """Folded identifier -> what it is ("code", "PCF ID", "id", "IRI")."""
    out: dict[str, str] = {e.iri.casefold(): "IRI"}
    local = e.iri.rstrip("/").rsplit("/", 1)[-1]
    out.setdefault(e.id.casefold(), "id")
    if local:
        out.setdefault(local.casefold(), "id")
    if e.pcf_id is not None:
        out[str(e.pcf_id)] = "PCF ID"
    if e.code:
        out[e.code.casefold()] = "code"
    return out


def read_documents(reader: Reader) -> list[Document]:
    """Every element of every framework, in framework and tree order (a few store queries)."""
    labels: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for row in reader.select("search/element-labels"):
        iri, label = text(row, "element"), text(row, "label")
        if iri and label:
            hidden = text(row, "hidden") == "true"
            labels[iri][1 if hidden else 0].append(label)
    measures = _measure_names(reader)
    # Several descriptions of one element joined in their sorted order, not the store's.
    described: dict[str, set[str]] = defaultdict(set)
    for row in reader.select("search/element-descriptions"):
        iri, description = text(row, "element"), text(row, "description")
        if iri and description:
            described[iri].add(description)
    descriptions = {iri: "\n".join(sorted(found)).strip() for iri, found in described.items()}
    ranks = edition_ranks(reader)
    docs: list[Document] = []
    for fid, index in sorted(all_indexes(reader).items()):
        for e in index.ordered():
            alt, hidden_ = labels.get(e.iri, ([], []))
            docs.append(
                Document(
                    element=e,
                    family=family_of(fid),
                    edition_rank=ranks.get(fid, 0),
                    alt_labels=tuple(sorted(set(alt))),
                    hidden_labels=tuple(sorted(set(hidden_))),
                    measures=tuple(measures.get(e.iri, ())),
                    description=descriptions.get(e.iri),
                    identifiers=identifiers_of(e),
                )
            )
    return docs


def read_vocabulary(reader: Reader) -> list[VocabularyTerm]:
    """The terms of every search vocabulary in the graph (none in graphs without one)."""
    acc: dict[str, dict[str, list[str]]] = {}
    for row in reader.select("search/vocabulary"):
        iri, label, kind = text(row, "term"), text(row, "label"), text(row, "labelKind")
        if not iri or not label or kind not in ("pref", "alt", "hidden"):
            continue
        slot = acc.setdefault(iri, {"pref": [], "alt": [], "hidden": []})[kind]
        if label not in slot:
            slot.append(label)
    return [
        VocabularyTerm(iri, tuple(v["pref"]), tuple(v["alt"]), tuple(v["hidden"]))
        for iri, v in sorted(acc.items())
    ]


def _measure_names(reader: Reader) -> dict[str, list[str]]:
    """Each element's measure names in the order its page lists them (metric id, then name):
    the query has no order, and a store's own order differs between an on-disk and an in-memory
    copy of the same release, which changed the measures a search snippet shows."""
    keyed: dict[str, dict[str, tuple[bool, int, tuple[tuple[int, int | str], ...]]]] = defaultdict(
        dict
    )
    for row in reader.select("api/scheme-measures"):
        iri, name = text(row, "element"), text(row, "name")
        if iri and name:
            metric = integer(row, "metricId")
            key = (metric is None, metric or 0, code_key(name))
            known = keyed[iri].get(name)
            if known is None or key < known:
                keyed[iri][name] = key
    return {iri: sorted(names, key=lambda n: names[n]) for iri, names in keyed.items()}
