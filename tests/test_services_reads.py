"""Domain reads of :mod:`pcfgraph.services` over the web fixture graph (``_webgraph``): the
frameworks' rights statements and curated "no counterpart" records."""

from __future__ import annotations

from _webgraph import APQC_ID, element_iri, web_release

from pcfgraph import iris, services
from pcfgraph.importers.apqc import APQC_NOTICE
from pcfgraph.queries import QueryCatalog


def _reader() -> services.Reader:
    return services.Reader(web_release().store, QueryCatalog())


def test_framework_rights_is_the_literal_or_the_rights_statement_label() -> None:
    found = {f.id: f for f in services.frameworks(_reader())}
    apqc, prm = found[APQC_ID], found["prm-it"]
    # APQC: dcterms:rights names a dcterms:RightsStatement; its label is the attribution text
    assert apqc.rights_statement == str(iris.apqc_notice())
    assert apqc.rights == APQC_NOTICE
    # PRM-IT: dcterms:rights is the text itself
    assert prm.rights_statement is None
    assert prm.rights is not None and prm.rights.startswith("PRM-IT © IBM Corporation")


def test_no_counterparts_per_framework_and_target() -> None:
    reader = _reader()
    (record,) = services.no_counterparts(reader, APQC_ID)
    assert record.element_iri == element_iri(20614)
    assert (record.framework_id, record.target_framework) == (APQC_ID, "prm-it")
    assert record.reason is not None and record.reason.startswith("Understanding the IT landscape")
    assert record.id == "mapping/apqc-pcf-to-prm-it/no-20614"
    assert services.no_counterparts(reader, APQC_ID, target="prm-it") == [record]
    assert services.no_counterparts(reader, APQC_ID, target="it-cmf") == []
    assert services.no_counterparts(reader, "prm-it") == []
