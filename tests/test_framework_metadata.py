"""Framework metadata the issue-19 review flagged: what the sources do not state is said so,
per concept and per measure."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL

from pcfgraph import iris
from pcfgraph.iris import DCTERMS, PCFG, SKOS
from pcfgraph.resources import resource_dir


def turtle(path: str) -> Graph:
    return Graph().parse(resource_dir("data") / path, format="turtle", publicID=iris.ID_BASE)


def test_itcmf_states_no_edition_the_source_does_not_state() -> None:
    g = turtle("it-cmf/it-cmf-relationship-management.ttl")
    fw = iris.framework("it-cmf")
    assert set(g.objects(fw, OWL.versionInfo)) == {Literal("Not stated in the source")}
    assert not any("2016" in str(o) for o in g.objects(fw, OWL.versionInfo))


def test_prm_it_labels_outside_the_seed_say_where_they_come_from() -> None:
    g = turtle("prm-it/prm-it.ttl")
    for code in ("A0", "A1", "A3", "A4", "A5", "A6", "A7", "A8"):
        concept = iris.prm_it(code)
        notes = [str(n) for n in g.objects(concept, SKOS.editorialNote)]
        assert len(notes) == 1 and "Label source:" in notes[0], code
        label = str(g.value(concept, SKOS.prefLabel))
        assert label in notes[0], code
    # the seed's own category and processes need no such note
    for code in ("A2", "A21", "A24"):
        assert not any(
            "Label source" in str(n) for n in g.objects(iris.prm_it(code), SKOS.editorialNote)
        )


def test_measure_106448_keeps_its_text_and_notes_the_contradiction_and_release() -> None:
    g = turtle("apqc/measures-supplement.ttl")
    m = URIRef(iris.ID_BASE + "apqc-pcf/cross-industry/7.4/measure/106448")
    description = str(g.value(m, DCTERMS.description))
    assert "including depreciation/amortization" in description  # verbatim, not "corrected"
    notes = [str(n) for n in g.objects(m, SKOS.editorialNote)]
    assert any("excluding" in n and "including" in n and "contradicts" in n for n in notes)
    scope = str(g.value(m, PCFG.scopeVersion))
    assert any(n.startswith("Earlier release") and scope in n for n in notes)
