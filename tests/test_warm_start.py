"""A server started by ``pcfgraph serve`` (``create_app(warm=True)``) builds the page data and
opens the search index before it answers, so the first element page costs no more store
queries than the next one (issue 13: the first request as fast as the hundredth)."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from pcfgraph.config import Settings
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.release_cache import open_release
from pcfgraph.services.page_reads import Reads


@pytest.fixture(scope="module")
def release() -> Release:
    """The default graph without its artefacts (the page data it ships: test_page_data.py),
    so that what the warm-up builds is seen."""
    return dataclasses.replace(open_release(None), path=None)


def element_paths(release: Release) -> list[str]:
    """The ``/id/`` path of a top element of every framework (read apart from any server)."""
    reads = Reads(release.store, QueryCatalog())
    return [
        "/id/" + reads.framework_tree(f.id)[0].element.iri.split("/id/", 1)[1]
        for f in reads.frameworks()
    ]


def page_queries(http: TestClient, release: Release, path: str) -> int:
    before = release.store.query_count
    r = http.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text[:500]
    return release.store.query_count - before


@pytest.mark.parametrize("warm", [True, False])
def test_first_element_page_reads_no_more_than_the_next(release: Release, warm: bool) -> None:
    from pcfgraph.serving import create_app

    paths = element_paths(release)
    assert len(paths) >= 4  # PCF, PRM-IT, IT-CMF, TRIM
    with TestClient(create_app(Settings(), release, warm=warm)) as http:
        first = [page_queries(http, release, p) for p in paths]
        again = [page_queries(http, release, p) for p in paths]
    if warm:
        assert first == again
    else:  # without the warm-up the first page of a framework reads its whole-framework data
        assert all(f > a for f, a in zip(first, again, strict=True))
