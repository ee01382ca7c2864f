"""Records read from one APQC workbook to RDF: the edition's scheme, its elements with their
tree and change records, and its measures. IRIs come from :mod:`pcfgraph.iris` only."""

from __future__ import annotations

from typing import Final

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef

from pcfgraph import iris
from pcfgraph.importers.apqc.cells import KINDS, parse_changes
from pcfgraph.importers.apqc.rows import Element, Metric
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


class Emitter:
    """Writes one edition's triples into a fresh graph."""

    def __init__(self, identity: Identity, file_name: str) -> None:
        self.identity = identity
        self.edition = identity.edition
        self.version = identity.version
        self.file_name = file_name
        self.framework_id = iris.apqc_framework_id(self.edition, self.version)
        self.scheme = iris.framework(self.framework_id)
        self.notice = iris.apqc_notice()
        self.warnings: list[str] = []
        self.by_hid: dict[str, int] = {}
        self.categories: set[URIRef] = set()
        self.graph = Graph()
        for prefix, ns in iris.PREFIXES.items():
            self.graph.bind(prefix, ns)

    def element_iri(self, pcf_id: int) -> URIRef:
        return iris.apqc_element(self.edition, self.version, pcf_id)

    def scheme_triples(self) -> None:
        g, s = self.graph, self.scheme
        notice = self.notice
        family = iris.apqc_family()
        source = iris.framework_source(self.framework_id, self.file_name)
        g.add((s, RDF.type, SKOS.ConceptScheme))
        g.add((s, RDF.type, PCFG.Framework))
        g.add((s, PCFG.frameworkId, Literal(self.framework_id)))
        title = f"APQC Process Classification Framework (PCF) – {self.edition} {self.version}"
        g.add((s, DCTERMS.title, Literal(title, lang="en")))
        g.add((s, SKOS.prefLabel, Literal(title, lang="en")))
        g.add((s, OWL.versionInfo, Literal(self.version)))
        g.add((s, PCFG.edition, Literal(self.edition)))
        if self.identity.compared_to is not None:
            g.add((s, PCFG.comparedToVersion, Literal(self.identity.compared_to)))
        g.add((s, DCTERMS.publisher, Literal("APQC")))
        g.add((s, DCTERMS.source, Literal(self.file_name)))
        g.add((s, DCTERMS.license, APQC_LICENSE))
        g.add((s, DCTERMS.rights, notice))
        g.add((s, PROV.wasDerivedFrom, source))
        g.add((s, DCTERMS.isVersionOf, family))
        g.add((source, RDF.type, PROV.Entity))
        g.add((source, DCTERMS.title, Literal(self.file_name)))
        g.add((source, DCTERMS.publisher, Literal("APQC")))
        g.add((family, RDF.type, PCFG.FrameworkFamily))
        g.add(
            (
                family,
                SKOS.prefLabel,
                Literal("APQC Process Classification Framework (PCF)", lang="en"),
            )
        )
        g.add((family, DCTERMS.rights, notice))
        g.add((notice, RDF.type, DCTERMS.RightsStatement))
        g.add((notice, RDFS.label, Literal(APQC_NOTICE, lang="en")))
        g.add((notice, DCTERMS.source, APQC_LICENSE))

    def element(self, e: Element) -> None:
        g, s = self.graph, self.element_iri(e.pcf_id)
        add = g.add
        add((s, RDF.type, KINDS[e.level - 1][1]))
        add((s, RDF.type, SKOS.Concept))
        add((s, RDF.type, PCFG.PCFElement))
        add((s, SKOS.notation, Literal(e.hierarchy_id)))
        add((s, PCFG.hierarchyId, Literal(e.hierarchy_id)))
        add((s, PCFG.pcfId, Literal(e.pcf_id, datatype=XSD.integer)))
        add((s, PCFG.level, Literal(e.level, datatype=XSD.integer)))
        add((s, SKOS.prefLabel, Literal(e.name, lang="en")))
        if e.definition is not None:
            add((s, SKOS.definition, Literal(e.definition, lang="en")))
        if e.metrics_available is not None:
            add((s, PCFG.metricsAvailable, Literal(e.metrics_available, datatype=XSD.boolean)))
        if e.difference_index is not None:
            add((s, PCFG.differenceIndex, Literal(e.difference_index, datatype=XSD.integer)))
        if e.change_details is not None:
            self._changes(e, s)
        add((s, SKOS.inScheme, self.scheme))
        if e.parent_id is None:
            add((s, SKOS.topConceptOf, self.scheme))
            add((self.scheme, SKOS.hasTopConcept, s))
        else:
            parent = self.element_iri(self.by_hid[e.parent_id])
            add((s, SKOS.broader, parent))
            add((parent, SKOS.narrower, s))
        add((s, DCTERMS.rights, self.notice))
        stable = iris.apqc_stable_element(e.pcf_id)
        add((s, DCTERMS.isVersionOf, stable))
        add((stable, RDF.type, PCFG.PCFStableElement))
        add((stable, PCFG.pcfId, Literal(e.pcf_id, datatype=XSD.integer)))

    def _changes(self, e: Element, s: URIRef) -> None:
        assert e.change_details is not None
        add = self.graph.add
        add((s, PCFG.changeDetails, Literal(e.change_details)))
        changes, unreadable = parse_changes(e.change_details)
        for index, change in enumerate(changes, start=1):
            c = iris.apqc_change(self.edition, self.version, e.pcf_id, index)
            add((s, PCFG.change, c))
            add((c, RDF.type, change.cls))
            if change.changed_pcf_id is not None:
                add((c, PCFG.changedPcfId, Literal(change.changed_pcf_id, datatype=XSD.integer)))
            if change.previous_name is not None:
                add((c, PCFG.previousName, Literal(change.previous_name)))
        for token in unreadable:
            self.warnings.append(
                f"sheet {e.sheet!r}, row {e.row}, column 'Change details': "
                f"unreadable change token {token!r} kept only in pcfg:changeDetails"
            )

    def measure(self, metric: Metric) -> None:
        g = self.graph
        m = iris.apqc_measure(self.edition, self.version, metric.metric_id)
        g.add((m, RDF.type, PCFG.Measure))
        g.add((m, PCFG.metricId, Literal(metric.metric_id, datatype=XSD.integer)))
        g.add((m, SKOS.prefLabel, Literal(metric.name, lang="en")))
        g.add((m, PCFG.measureOf, self.element_iri(metric.element_id)))
        g.add((m, DCTERMS.rights, self.notice))
        if metric.formula is not None:
            g.add((m, PCFG.formula, Literal(metric.formula)))
        if metric.units is not None:
            g.add((m, PCFG.units, Literal(metric.units)))
        if metric.category is not None:
            cat = iris.apqc_measure_category(metric.category)
            g.add((m, PCFG.measureCategory, cat))
            if cat in self.categories:
                return  # described once, with the first spelling of its name
            self.categories.add(cat)
            g.add((cat, RDF.type, PCFG.MeasureCategory))
            g.add((cat, RDF.type, SKOS.Concept))
            g.add((cat, SKOS.prefLabel, Literal(metric.category, lang="en")))
            g.add((cat, DCTERMS.rights, self.notice))
