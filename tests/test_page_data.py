"""The page data built with a release (``page-data.json``, issue 13: restart without computing
it): its content is what a server's start computes, a damaged, tampered or mismatching file is
refused with a clear reason and the server computes the page data as without one."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from pcfgraph.config import Settings
from pcfgraph.errors import ReleaseError
from pcfgraph.iris import PCFG
from pcfgraph.mappings.suggest import Item
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release, load_release, write_release
from pcfgraph.runtime import AppState, Runtime
from pcfgraph.services import statements_of
from pcfgraph.services.page_data import (
    PAGE_DATA_FILE,
    encode,
    load_page_data,
    shipped_page_data,
)
from pcfgraph.services.page_reads import Reads


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, shipped_release: Release) -> Release:
    """The default graph written as a release directory (with its artefacts)."""
    default = shipped_release
    out = tmp_path_factory.mktemp("page-data") / "rel"
    write_release(default.store, out, default.manifest["sources"])
    return load_release(out)


@pytest.fixture(scope="module")
def started(release: Release) -> dict[Any, Any]:
    """What a server's start computes without the artefact (the warm-up of ``pcfgraph
    serve``: one element page of every framework rendered, the search index opened)."""
    from pcfgraph.web import views, warmup

    bare = dataclasses.replace(release, path=None)  # carries no artefact
    state = AppState(Runtime(Settings(), QueryCatalog(), views.pages()), bare)
    warmup.warm(state)
    from pcfgraph.services.page_reads import reads_for

    return reads_for(state).reader.memo_items()


def comparable(value: Any) -> Any:
    """Values as compared: an Item's context is a GROUP_CONCAT, whose order SPARQL leaves
    undefined (two stores give its parts in different orders); compared as a set of parts."""
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, Item):
        return (dataclasses.replace(value, context=""), frozenset(value.context.split(" | ")))
    return value


def test_the_artefact_holds_what_the_start_computes(
    release: Release, started: dict[Any, Any]
) -> None:
    found = shipped_page_data(release, QueryCatalog())
    assert found is not None
    shipped = found.memo
    assert set(shipped) == set(started)
    assert any(k[0] == "framework-index" for k in started)  # the start computed something
    for key, value in started.items():
        assert comparable(shipped[key]) == comparable(value), key
    # besides: every PCF ID's timeline (decoded when first used), each equal to an element
    # page's own read of it
    reads = Reads(release.store, QueryCatalog())
    stated = {
        int(q.object.value)
        for q in release.store.store.quads_for_pattern(None, ox.NamedNode(PCFG + "pcfId"), None)
    }
    assert set(found.timelines) == stated and len(stated) > 1000
    for pcf_id in sorted(stated)[:: len(stated) // 25]:
        assert found.timeline(pcf_id) == statements_of(reads.reader, pcf_id), pcf_id
    # shared objects stay shared: one element object in the index and its children lists
    index = shipped[("framework-index", "prm-it")]
    child = next(c for cs in index.children.values() for c in cs)
    assert index.elements[child.iri] is child


def test_a_server_with_the_artefact_reads_no_more_for_a_first_page(release: Release) -> None:
    from pcfgraph.serving import create_app

    reads = Reads(release.store, QueryCatalog())
    paths = [
        "/id/" + reads.framework_tree(f.id)[0].element.iri.split("/id/", 1)[1]
        for f in reads.frameworks()
    ]

    def queries(http: TestClient, path: str) -> int:
        before = release.store.query_count
        r = http.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 200, r.text[:300]
        return release.store.query_count - before

    for warm in (False, True):  # the warm-up renders one page only when the data is shipped
        with TestClient(create_app(Settings(), release, warm=warm)) as http:
            first = [queries(http, p) for p in paths]
            again = [queries(http, p) for p in paths]
        assert first == again, warm  # no whole-framework read left for the first page


def rewritten(release: Release, tmp_path: Path, data: bytes, *, listed: bool = True) -> Release:
    """A copy of ``release`` whose page data is ``data`` (listed in its manifest with its
    sha256 unless ``listed`` is false)."""
    (tmp_path / PAGE_DATA_FILE).write_bytes(data)
    artefacts = dict(release.manifest["artefacts"])
    if listed:
        artefacts[PAGE_DATA_FILE] = {"sha256": hashlib.sha256(data).hexdigest()}
    else:
        artefacts.pop(PAGE_DATA_FILE)
    return dataclasses.replace(
        release, path=tmp_path, manifest={**release.manifest, "artefacts": artefacts}
    )


def document(release: Release) -> dict[str, Any]:
    assert release.path is not None
    doc: dict[str, Any] = json.loads((release.path / PAGE_DATA_FILE).read_bytes())
    return doc


def with_first_element(doc: dict[str, Any], change: Any) -> bytes:
    """The document with the first Element instance's fields changed by ``change``."""
    element = next(i for i, (name, _f) in enumerate(doc["classes"]) if name == "Element")

    def walk(v: Any) -> bool:
        if isinstance(v, dict):
            if v.get("c") == element and "v" in v:
                change(v)
                return True
            return any(walk(x) for x in v.values())
        if isinstance(v, list):
            return any(walk(x) for x in v)
        return False

    assert walk(doc["memo"])
    return json.dumps(doc).encode()


def bad_class(doc: dict[str, Any]) -> bytes:
    doc["classes"][0][0] = "Popen"
    return json.dumps(doc).encode()


def bad_reference(doc: dict[str, Any]) -> bytes:
    doc["memo"][0][1] = {"r": 10**6}
    return json.dumps(doc).encode()


TAMPERED = {
    "not JSON": (lambda doc: b"{not json", r"not JSON"),
    "another format": (lambda doc: json.dumps({**doc, "format": "x"}).encode(), r"format"),
    "a class it may not hold": (bad_class, r"'Popen' is not one page data may hold"),
    "a field of the wrong type": (
        lambda doc: with_first_element(doc, lambda v: v["v"].__setitem__(2, 5)),
        r"Element\.name holds 5",
    ),
    "a missing field": (
        lambda doc: with_first_element(doc, lambda v: v["v"].pop()),
        r"Element without its 10 fields",
    ),
    "a dangling reference": (bad_reference, r"reference to no decoded object"),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_a_tampered_artefact_is_refused_clearly(
    release: Release, tmp_path: Path, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    make, message = TAMPERED[case]
    bad = rewritten(release, tmp_path, make(document(release)))
    with pytest.raises(ReleaseError, match=message) as raised:
        shipped_page_data(bad, QueryCatalog())
    assert PAGE_DATA_FILE in str(raised.value)
    # a server on it logs the reason and computes the page data instead
    reads = Reads(bad.store, QueryCatalog())
    with caplog.at_level(logging.ERROR, "pcfgraph.serving"):
        assert load_page_data(reads, bad) is False
    assert any(PAGE_DATA_FILE in r.getMessage() for r in caplog.records)
    assert reads.reader.memo_items() == {}


def test_a_changed_file_or_manifest_is_refused(release: Release, tmp_path: Path) -> None:
    assert release.path is not None
    data = (release.path / PAGE_DATA_FILE).read_bytes()
    changed = rewritten(release, tmp_path, data)
    (tmp_path / PAGE_DATA_FILE).write_bytes(data.replace(b'"', b"'", 1))
    with pytest.raises(ReleaseError, match="sha256 differs from the manifest"):
        shipped_page_data(changed, QueryCatalog())
    unlisted = rewritten(release, tmp_path, data, listed=False)
    with pytest.raises(ReleaseError, match="present but not listed in the manifest"):
        shipped_page_data(unlisted, QueryCatalog())


def test_page_data_of_another_release_is_not_used(
    release: Release, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reads = Reads(release.store, QueryCatalog())
    reads.frameworks()
    other = encode(reads.reader.memo_items(), "0123456789abcdef", QueryCatalog())
    stale = rewritten(release, tmp_path, other)
    with caplog.at_level(logging.WARNING, "pcfgraph.serving"):
        assert shipped_page_data(stale, QueryCatalog()) is None
    assert any("made for release '0123456789abcdef'" in r.getMessage() for r in caplog.records)
    # nor page data made by other queries
    catalog = QueryCatalog()
    catalog._queries = dict(catalog._queries)
    name = next(iter(catalog._queries))
    catalog._queries[name] = dataclasses.replace(catalog._queries[name], text="ASK {}")
    assert shipped_page_data(release, catalog) is None
    # the server still serves the release, computing the page data
    from pcfgraph.serving import create_app

    with TestClient(create_app(Settings(), stale)) as http:
        path = "/id/" + reads.framework_tree("prm-it")[0].element.iri.split("/id/", 1)[1]
        assert http.get(path, headers={"Accept": "text/html"}).status_code == 200


def test_a_tampered_timeline_is_refused_when_used_and_read_instead(
    release: Release, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    doc = document(release)
    entries = doc["timelines"]["entries"]
    pcf_id = sorted(entries, key=int)[-1]  # not a framework's first page (in the memo)
    entries[pcf_id]["l"][0]["v"][3] = ["not", "an", "edition"]
    bad = rewritten(release, tmp_path, json.dumps(doc).encode())
    found = shipped_page_data(bad, QueryCatalog())  # the rest is sound
    assert found is not None
    with pytest.raises(ReleaseError, match=r"VersionStatement\.edition holds"):
        found.timeline(int(pcf_id))
    reads = Reads(bad.store, QueryCatalog())
    assert load_page_data(reads, bad)
    with caplog.at_level(logging.ERROR, "pcfgraph.serving"):
        shown = statements_of(reads.reader, int(pcf_id))
    assert any("VersionStatement.edition" in r.getMessage() for r in caplog.records)
    assert shown == statements_of(Reads(bad.store, QueryCatalog()).reader, int(pcf_id))
    assert shown and shown[0].edition != "not"
