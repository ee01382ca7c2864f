"""Records read from one APQC workbook to RDF: the edition's scheme, its elements with their
tree and change records, and its measures. IRIs come from :mod:`pcfgraph.iris` only.

Triples are made as pyoxigraph terms directly: the whole Cross-Industry PCF is 67k triples, and
building them through an rdflib Graph took three quarters of the import time."""

from __future__ import annotations

from typing import Final

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, URIRef

from pcfgraph import iris
from pcfgraph.importers.apqc.cells import KINDS, parse_changes
from pcfgraph.importers.apqc.measures import Metric
from pcfgraph.importers.apqc.rows import Element
from pcfgraph.importers.apqc.statement import Identity
from pcfgraph.iris import DCTERMS, PCFG, PROV, SKOS

#: APQC's required attribution notice; every resource derived from the PCF points to it.
APQC_NOTICE: Final = (
    "©2024 APQC. ALL RIGHTS RESERVED. The APQC Process Classification Framework® (PCF) is used "
    "with permission of APQC. APQC encourages the wide distribution, discussion, and use of the "
    "PCF for classifying and defining processes and grants permission to use the PCF for both "
    "internal and external purposes."
)
APQC_LICENSE: Final = URIRef("https://www.apqc.org/pcf")


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


_INTEGER: Final = _n(XSD.integer)
_BOOLEAN: Final = _n(XSD.boolean)
_TYPE: Final = _n(RDF.type)


def _text(value: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=_INTEGER)


class Emitter:
    """Collects one edition's triples (each once, in first-made order)."""

    def __init__(
        self, identity: Identity, file_name: str, source_notice: str | None = None
    ) -> None:
        self.identity = identity
        #: The notice the workbook states itself (its "Copyright and attribution" sheet).
        self.source_notice = source_notice
        self.edition = identity.edition
        self.version = identity.version
        self.file_name = file_name
        self.framework_id = iris.apqc_framework_id(self.edition, self.version)
        self.scheme = _n(iris.framework(self.framework_id))
        self.notice = _n(iris.apqc_notice())
        self.warnings: list[str] = []
        self.by_hid: dict[str, int] = {}
        self.categories: set[ox.NamedNode] = set()
        self._triples: dict[ox.Triple, None] = {}
        # vocabulary terms made once
        self.p = {
            name: _n(ns[name.split(":", 1)[1]])
            for name, ns in (
                ("skos:Concept", SKOS),
                ("skos:ConceptScheme", SKOS),
                ("skos:notation", SKOS),
                ("skos:prefLabel", SKOS),
                ("skos:definition", SKOS),
                ("skos:inScheme", SKOS),
                ("skos:topConceptOf", SKOS),
                ("skos:hasTopConcept", SKOS),
                ("skos:broader", SKOS),
                ("skos:narrower", SKOS),
                ("dct:title", DCTERMS),
                ("dct:publisher", DCTERMS),
                ("dct:source", DCTERMS),
                ("dct:license", DCTERMS),
                ("dct:rights", DCTERMS),
                ("dct:isVersionOf", DCTERMS),
                ("dct:hasVersion", DCTERMS),
                ("dct:RightsStatement", DCTERMS),
                ("prov:wasDerivedFrom", PROV),
                ("prov:Entity", PROV),
                ("owl:versionInfo", OWL),
                ("rdfs:label", RDFS),
            )
        }

    @property
    def triples(self) -> list[ox.Triple]:
        return list(self._triples)

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        self._triples[ox.Triple(s, p, o)] = None

    def element_iri(self, pcf_id: int) -> ox.NamedNode:
        return _n(iris.apqc_element(self.edition, self.version, pcf_id))

    def scheme_triples(self) -> None:
        add, p, s = self.add, self.p, self.scheme
        notice = self.notice
        family = _n(iris.apqc_family())
        source = _n(iris.framework_source(self.framework_id, self.file_name))
        add(s, _TYPE, p["skos:ConceptScheme"])
        add(s, _TYPE, _n(PCFG.Framework))
        add(s, _n(PCFG.frameworkId), _text(self.framework_id))
        title = f"APQC Process Classification Framework (PCF) – {self.edition} {self.version}"
        add(s, p["dct:title"], _text(title, "en"))
        add(s, p["skos:prefLabel"], _text(title, "en"))
        add(s, p["owl:versionInfo"], _text(self.version))
        add(s, _n(PCFG.edition), _text(self.edition))
        if self.identity.compared_to is not None:
            add(s, _n(PCFG.comparedToVersion), _text(self.identity.compared_to))
        add(s, p["dct:publisher"], _text("APQC"))
        add(s, p["dct:source"], _text(self.file_name))
        add(s, p["dct:license"], _n(APQC_LICENSE))
        add(s, p["dct:rights"], notice)
        add(s, p["prov:wasDerivedFrom"], source)
        add(s, p["dct:isVersionOf"], family)
        add(source, _TYPE, p["prov:Entity"])
        add(source, p["dct:title"], _text(self.file_name))
        add(source, p["dct:publisher"], _text("APQC"))
        if self.source_notice is not None:
            own = _n(iris.framework_source_notice(self.framework_id))
            add(source, p["dct:rights"], own)
            add(own, _TYPE, p["dct:RightsStatement"])
            add(own, p["rdfs:label"], _text(self.source_notice, "en"))
            add(own, p["dct:source"], _n(APQC_LICENSE))
        add(family, _TYPE, _n(PCFG.FrameworkFamily))
        add(family, p["skos:prefLabel"], _text("APQC Process Classification Framework (PCF)", "en"))
        add(family, p["dct:rights"], notice)
        add(notice, _TYPE, p["dct:RightsStatement"])
        add(notice, p["rdfs:label"], _text(APQC_NOTICE, "en"))
        add(notice, p["dct:source"], _n(APQC_LICENSE))

    def element(self, e: Element) -> None:
        add, p, s = self.add, self.p, self.element_iri(e.pcf_id)
        add(s, _TYPE, _n(KINDS[e.level - 1][1]))
        add(s, _TYPE, p["skos:Concept"])
        add(s, _TYPE, _n(PCFG.PCFElement))
        add(s, p["skos:notation"], _text(e.hierarchy_id))
        add(s, _n(PCFG.hierarchyId), _text(e.hierarchy_id))
        add(s, _n(PCFG.pcfId), _int(e.pcf_id))
        add(s, _n(PCFG.level), _int(e.level))
        add(s, p["skos:prefLabel"], _text(e.name, "en"))
        if e.definition is not None:
            add(s, p["skos:definition"], _text(e.definition, "en"))
        if e.metrics_available is not None:
            value = "true" if e.metrics_available else "false"
            add(s, _n(PCFG.metricsAvailable), ox.Literal(value, datatype=_BOOLEAN))
        if e.difference_index is not None:
            add(s, _n(PCFG.differenceIndex), _int(e.difference_index))
        if e.change_details is not None:
            self._changes(e, s)
        add(s, p["skos:inScheme"], self.scheme)
        if e.parent_id is None:
            add(s, p["skos:topConceptOf"], self.scheme)
            add(self.scheme, p["skos:hasTopConcept"], s)
        else:
            parent = self.element_iri(self.by_hid[e.parent_id])
            add(s, p["skos:broader"], parent)
            add(parent, p["skos:narrower"], s)
        add(s, p["dct:rights"], self.notice)
        stable = _n(iris.apqc_stable_element(e.pcf_id))
        add(s, p["dct:isVersionOf"], stable)
        add(stable, p["dct:hasVersion"], s)
        add(stable, _TYPE, _n(PCFG.PCFStableElement))
        add(stable, _n(PCFG.pcfId), _int(e.pcf_id))
        add(stable, p["dct:rights"], self.notice)  # APQC's PCF ID, across editions

    def _changes(self, e: Element, s: ox.NamedNode) -> None:
        assert e.change_details is not None
        add = self.add
        add(s, _n(PCFG.changeDetails), _text(e.change_details))
        changes, unreadable = parse_changes(e.change_details)
        for index, change in enumerate(changes, start=1):
            c = _n(iris.apqc_change(self.edition, self.version, e.pcf_id, index))
            add(s, _n(PCFG.change), c)
            add(c, _TYPE, _n(change.cls))
            add(c, self.p["dct:rights"], self.notice)  # from APQC's change details
            if change.changed_pcf_id is not None:
                add(c, _n(PCFG.changedPcfId), _int(change.changed_pcf_id))
            if change.previous_name is not None:
                add(c, _n(PCFG.previousName), _text(change.previous_name))
        for token in unreadable:
            self.warnings.append(
                f"sheet {e.sheet!r}, row {e.row}, column 'Change details': "
                f"unreadable change token {token!r} kept only in pcfg:changeDetails"
            )

    def measure(self, metric: Metric) -> None:
        add, p = self.add, self.p
        m = _n(iris.apqc_measure(self.edition, self.version, metric.metric_id))
        add(m, _TYPE, _n(PCFG.Measure))
        add(m, _n(PCFG.metricId), _int(metric.metric_id))
        add(m, p["skos:prefLabel"], _text(metric.name, "en"))
        add(m, _n(PCFG.measureOf), self.element_iri(metric.element_id))
        add(m, p["dct:rights"], self.notice)
        if metric.formula is not None:
            add(m, _n(PCFG.formula), _text(metric.formula))
        if metric.units is not None:
            # pcfg:units is lower case (what the checks compare); APQC's own spelling ("FTEs",
            # "NPS", "products (SKUs)") is kept too wherever lower-casing changed it.
            add(m, _n(PCFG.units), _text(metric.units.lower()))
            if metric.units != metric.units.lower():
                add(m, _n(PCFG.unitsAsStated), _text(metric.units))
        if metric.category is not None:
            cat = _n(iris.apqc_measure_category(metric.category))
            add(m, _n(PCFG.measureCategory), cat)
            if cat in self.categories:
                return  # described once, with the first spelling of its name
            self.categories.add(cat)
            add(cat, _TYPE, _n(PCFG.MeasureCategory))
            add(cat, _TYPE, p["skos:Concept"])
            add(cat, p["skos:prefLabel"], _text(metric.category, "en"))
            add(cat, p["dct:rights"], self.notice)
