"""What a first request would build, built before the server says it is ready.

The element page of a framework reads whole-framework data once per release (its index,
measures, mappings, inherited mappings, lexical suggestions, the version history) and keeps
it (:func:`pcfgraph.services.page_reads.reads_for`); search opens the release's index. Done
on first use, the first page after a start took seconds (43 s with every APQC workbook under
load) where the next took 40 ms. :func:`warm` renders one element page of every framework
and opens the search index (and runs one search on it), so those reads are memoised before ``/ready`` answers; it runs
in a thread of the app's lifespan (:mod:`pcfgraph.serving`) while the sandbox workers start.
A release built with its page data (:mod:`pcfgraph.services.page_data`) has those reads
already: one page is rendered (its templates compiled) instead of one per framework.
"""

from __future__ import annotations

import logging
import time

from pcfgraph import services
from pcfgraph.runtime import AppState
from pcfgraph.services.page_reads import reads_for

log = logging.getLogger("pcfgraph.serving")


def warm(state: AppState) -> float:
    """Build the served release's page data and open its search index; seconds taken.

    A read that fails here is logged and left to fail (with its proper answer) on the request
    that needs it: warming never stops a server from starting.
    """
    from pcfgraph.web.views import element_page

    started = time.perf_counter()
    try:
        reads = reads_for(state)
        index = reads.search_index() if reads.search_index is not None else None
        frameworks = reads.frameworks()
        if reads.shipped:  # the reads came with the release: one page compiles the templates
            frameworks = frameworks[:1]
        searched = False
        for framework in frameworks:
            # the top elements alone (framework_tree would build a node for every element)
            top = services.framework_index(reads.reader, framework.id).top
            if top:
                element_page(state, top[0].iri)
                if index is not None and not searched:
                    # one search reads the index's pages into SQLite's cache: the first
                    # search after a start took 2-3x the later ones
                    index.query(top[0].name)
                    searched = True
    except Exception:  # a warm-up is an optimisation, never a start failure
        log.warning("warming the page data failed; pages build it on first use", exc_info=True)
    seconds = time.perf_counter() - started
    log.info("page data of release %s built in %.2f s", state.release.release_id, seconds)
    return seconds
