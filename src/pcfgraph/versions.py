"""Links between the versions of one APQC edition, made when the release is assembled.

Identity is the PCF ID (never the hierarchy code): every edition statement of an element is
``dct:isVersionOf`` the edition-independent ``apqc-pcf/element/{PCF ID}`` (which lists them with
``dct:hasVersion``). For each pair of consecutive versions of one edition that are both loaded,
the difference by PCF ID is stated as data in its own graph (:func:`iris.apqc_versions_graph`):

- kept: the newer statement ``prov:wasRevisionOf`` the older; when it was moved (other code),
  renamed or redefined, a ``skos:changeNote`` says so with the old and new values;
- added: ``skos:changeNote`` "New in <edition> <version>";
- removed: the older statement is ``owl:deprecated true`` with a ``skos:changeNote``
  (no ``dct:isReplacedBy``: APQC's workbooks never name a successor).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import OWL

from pcfgraph import iris
from pcfgraph.importers.apqc.statement import version_key
from pcfgraph.iris import PROV, SKOS
from pcfgraph.sources import ImportedWorkbook

_XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")


def version_link_quads(workbooks: Iterable[ImportedWorkbook]) -> list[ox.Quad]:
    """Change notes and revision links between consecutive loaded versions of each edition."""
    by_edition: dict[str, list[ImportedWorkbook]] = defaultdict(list)
    for w in workbooks:
        by_edition[iris.slug(w.edition)].append(w)
    graph = ox.NamedNode(str(iris.apqc_versions_graph()))
    out: list[ox.Quad] = []
    for versions in by_edition.values():
        versions.sort(key=lambda w: version_key(w.version))
        for old, new in itertools.pairwise(versions):
            out.extend(ox.Quad(s, p, o, graph) for s, p, o in _pair(old, new))
    return out


def _pair(
    old: ImportedWorkbook, new: ImportedWorkbook
) -> Iterable[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]]:
    note = ox.NamedNode(str(SKOS.changeNote))
    a = {r[0]: r for r in old.element_rows}
    b = {r[0]: r for r in new.element_rows}
    edition = new.edition

    def el(w: ImportedWorkbook, pcf_id: int) -> ox.NamedNode:
        return ox.NamedNode(str(iris.apqc_element(w.edition, w.version, pcf_id)))

    for pcf_id in sorted(b.keys() - a.keys()):
        yield el(new, pcf_id), note, _en(f"New in {edition} {new.version} (not in {old.version})")
    for pcf_id in sorted(a.keys() - b.keys()):
        yield (
            el(old, pcf_id),
            ox.NamedNode(str(OWL.deprecated)),
            ox.Literal("true", datatype=_XSD_BOOLEAN),
        )
        yield el(old, pcf_id), note, _en(f"Removed in {edition} {new.version}")
    for pcf_id in sorted(a.keys() & b.keys()):
        (_, code_a, name_a, def_a), (_, code_b, name_b, def_b) = a[pcf_id], b[pcf_id]
        yield el(new, pcf_id), ox.NamedNode(str(PROV.wasRevisionOf)), el(old, pcf_id)
        changes = []
        if code_a != code_b:
            changes.append(f"moved from {code_a} to {code_b}")
        if name_a != name_b:
            changes.append(f"renamed (was {name_a!r})")
        if (def_a or "") != (def_b or ""):
            changes.append("redefined")
        if changes:
            text = f"Changed from {edition} {old.version} to {new.version}: " + "; ".join(changes)
            yield el(new, pcf_id), note, _en(text)


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")
