"""Building the page data artefact (:mod:`pcfgraph.services.page_data`) when a release is
written: the reads the first element page of every framework makes and every PCF ID's
version timeline (one query, ``api/pcf-id-statements``), run once on the release's store and
written as JSON."""

from __future__ import annotations

import logging
from pathlib import Path

from pcfgraph import services
from pcfgraph.queries import QueryCatalog
from pcfgraph.services.page_data import encode
from pcfgraph.services.page_reads import Reads
from pcfgraph.services.versions import fold_statements
from pcfgraph.store import EmbeddedStore

log = logging.getLogger("pcfgraph.release")


def read_page_data(reads: Reads) -> None:
    """Make ``reads`` hold what the first element page of each framework reads (as the
    server's warm-up, :mod:`pcfgraph.web.warmup`, does by rendering it)."""
    reader = reads.reader
    for framework in reads.frameworks():
        top = services.framework_index(reader, framework.id).top
        if not top:
            continue
        iri = top[0].iri
        reads.element(iri)
        here = services.framework_index(reader, framework.id).elements.get(iri)
        if here is None:
            continue
        if here.pcf_id is not None:
            services.statements_of(reader, here.pcf_id)
        for m in services.inherited_mappings_of(reader, [here])[0]:
            services.framework(reader, m.made_on_framework)
            reads.mapping_info(m.made_on, m.mapping)
        # the "no counterpart" decisions it inherits, and where they were made (as the page)
        if here.pcf_id is None:
            continue
        for (element, _other), decided in services.inherited_decision(
            reader, [here.framework_id]
        ).items():
            if element == here.iri:
                services.framework(reader, decided.first.made_on_framework)


def write_page_data(store: EmbeddedStore, path: Path, release_id: str) -> None:
    """Release artefact writer (:data:`pcfgraph.release.ArtefactWriter`)."""
    catalog = QueryCatalog()
    reads = Reads(store, catalog)
    try:
        read_page_data(reads)
    except Exception:  # as the server's warm-up: what failed is computed (and fails) on use
        log.warning("page data: a read failed; the server computes it on use", exc_info=True)
    try:
        timelines = fold_statements(reads.reader.select("api/pcf-id-statements"))
    except Exception:
        log.warning("page data: no timelines; pages read their own", exc_info=True)
        timelines = {}
    path.write_bytes(encode(reads.reader.memo_items(), release_id, catalog, timelines))
