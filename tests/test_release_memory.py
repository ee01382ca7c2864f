"""A release served from its on-disk store answers the serving process's reads from an
in-memory copy (issue 13, scale): the copy gives the same answers as the on-disk store
(quads, named queries, GraphQL, pages), is used only when it holds exactly the manifest's
quads, is in before a server says it is ready, and a reload switches to a release already
in memory, the old one going back to its on-disk store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from gql_support import APQC, Client, graphql_store
from sparql_support import live_server

from pcfgraph.config import Settings
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release, canonical_nquads, load_release, write_release
from pcfgraph.release_memory import MemoryCopy, hold_in_memory, preload, start_copy
from pcfgraph.release_reload import ReleaseManager
from pcfgraph.runtime import AppState, Runtime

TREE = """
query Tree($framework: ID!) {
  element(code: "8.1", framework: $framework) { ...E
    children { ...E children { ...E children { ...E } } } }
}
fragment E on Element {
  id code name definition
  measures { name }
  mappings(includeDerived: true, direction: EITHER) { relation object { id name } }
}
"""
SEARCH = '{ search(text: "supplier", first: 20) { element { id name } } }'
#: Above the test release's size: it gets a copy.
COPY_QUADS = 1_000_000


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("memory") / "release"
    write_release(graphql_store(), out, {})
    return out


def on_disk(release_dir: Path, **kw: Any) -> Release:
    release = load_release(release_dir, memory_quads=0, **kw)
    assert release.store.on_disk and release.store_path is not None
    return release


def rows(release: Release, name: str, params: dict[str, object] | None = None) -> set[Any]:
    """The answer as a set of rows (a blank node as such: its label is the parser's)."""
    result = release.store.select(QueryCatalog().get(name), params)
    return {
        tuple(sorted((k, "_:" if isinstance(v, ox.BlankNode) else str(v)) for k, v in row.items()))
        for row in result
    }


def disk_settings() -> Settings:
    return Settings(worker_memory_store_quads=0, sparql_inprocess_memory_quads=0)


def copy_settings() -> Settings:
    return Settings(worker_memory_store_quads=0, sparql_inprocess_memory_quads=COPY_QUADS)


def test_the_copy_answers_as_the_on_disk_store(release_dir: Path) -> None:
    disk, held = on_disk(release_dir), on_disk(release_dir)
    assert hold_in_memory(held, COPY_QUADS)
    assert held.store.memory_copy and not held.store.on_disk
    assert not disk.store.memory_copy
    # the same graph (blank-node labels are the parser's, as between any two loads)
    assert canonical_nquads(held.store) == canonical_nquads(disk.store)
    element = disk.store.select(
        QueryCatalog().get("api/element-by-code"), {"framework": APQC, "code": "8.1"}
    ).rows[0]["element"]
    for name, params in (
        ("api/frameworks", None),
        ("api/element-by-code", {"framework": APQC, "code": "8.1.1"}),
        ("api/element-by-pcf-id", {"pcfId": 20607}),
        ("api/descendants", {"element": element}),
        ("api/stats", None),
    ):
        assert rows(held, name, params) == rows(disk, name, params), name
    for name, params in (  # ordered answers: in the same order
        ("api/element-by-pcf-id", {"pcfId": 20607}),
        ("api/descendants", {"element": element}),
    ):
        query = QueryCatalog().get(name)
        assert held.store.select(query, params).rows == disk.store.select(query, params).rows
    assert rows(disk, "api/descendants", {"element": element})  # not an empty comparison


def test_graphql_and_pages_read_the_copy_with_the_same_answers(release_dir: Path) -> None:
    disk = on_disk(release_dir)
    held = on_disk(release_dir)
    assert hold_in_memory(held, COPY_QUADS)
    from_disk, from_copy = Client(disk, disk_settings()), Client(held, disk_settings())
    before = held.store.query_count
    tree = from_copy.data(TREE, {"framework": APQC})
    assert held.store.query_count > before  # read through the store that holds the copy
    assert tree == from_disk.data(TREE, {"framework": APQC})
    assert tree["element"]["children"]
    assert from_copy.data(SEARCH) == from_disk.data(SEARCH)
    iri = from_copy.data(f'{{ element(code: "8.1.1", framework: "{APQC}") {{ iri }} }}')
    path = "/id/" + iri["element"]["iri"].split("/id/", 1)[1]
    page = from_copy.http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.text == from_disk.http.get(path, headers={"Accept": "text/html"}).text


def test_no_copy_outside_its_limits(release_dir: Path) -> None:
    quads = int(on_disk(release_dir).manifest["quads"])
    for limit in (0, quads - 1):
        release = on_disk(release_dir)
        assert not hold_in_memory(release, limit)
        assert release.store.on_disk and not release.store.memory_copy
    in_memory = load_release(release_dir, memory_quads=quads)
    assert start_copy(in_memory, COPY_QUADS) is None  # served from memory already
    release = on_disk(release_dir)
    assert hold_in_memory(release, quads)  # the limit is inclusive
    assert start_copy(release, COPY_QUADS) is None  # copied once


def test_a_copy_that_does_not_hold_the_manifests_quads_is_not_used(
    release_dir: Path, tmp_path: Path
) -> None:
    import shutil

    changed = tmp_path / "release"
    shutil.copytree(release_dir, changed)
    release = on_disk(changed, check_graph_file=False)  # as the release cache opens it
    graph = changed / "graph.nq"
    lines = graph.read_bytes().splitlines(keepends=True)
    graph.write_bytes(b"".join(lines[1:]))  # one quad fewer than the manifest says
    assert not hold_in_memory(release, COPY_QUADS)
    assert release.store.on_disk and not release.store.memory_copy
    assert rows(release, "api/frameworks") == rows(on_disk(release_dir), "api/frameworks")


def test_a_copy_of_a_file_republished_after_verification_is_not_used(
    release_dir: Path, tmp_path: Path
) -> None:
    # The copy is parsed from graph.nq by path after the release hashed it: a directory
    # republished in between (graph.nq renamed over) with the same quad counts per graph was
    # taken, and the serving process answered from bytes nobody verified
    import os
    import shutil

    changed = tmp_path / "release"
    shutil.copytree(release_dir, changed)
    release = on_disk(changed)  # hashes graph.nq against the manifest, as `serve --release`
    graph = changed / "graph.nq"
    text = graph.read_text(encoding="utf-8")
    forged = text.replace("Develop and manage IT customer relationships", "Forged name", 1)
    assert forged != text  # the same quads per graph, one literal changed
    staged = changed / "graph.nq.new"
    staged.write_text(forged, encoding="utf-8")
    os.replace(staged, graph)  # a publication: renamed over
    assert not hold_in_memory(release, COPY_QUADS)
    assert release.store.on_disk and not release.store.memory_copy
    assert rows(release, "api/frameworks") == rows(on_disk(release_dir), "api/frameworks")
    # the file it verified, untouched: the copy is used
    release = on_disk(release_dir)
    assert hold_in_memory(release, COPY_QUADS) and release.store.memory_copy


def test_a_preloaded_copy_serves_only_its_own_release(release_dir: Path, tmp_path: Path) -> None:
    quads = int(on_disk(release_dir).manifest["quads"])
    assert preload(release_dir, COPY_QUADS, quads) is None  # served from memory anyway
    assert preload(release_dir, quads - 1, 0) is None  # over the copy's limit
    assert preload(tmp_path, COPY_QUADS, 0) is None  # not a release
    copying = preload(release_dir, COPY_QUADS, 0)
    assert isinstance(copying, MemoryCopy)
    release = on_disk(release_dir)
    assert copying.serve(release)
    assert copying.wait(60) and release.store.memory_copy
    other_dir = tmp_path / "other"
    store = graphql_store(scale=2)
    write_release(store, other_dir, {})
    stranger = preload(other_dir, COPY_QUADS, 0)
    assert stranger is not None
    release = on_disk(release_dir)
    assert not stranger.serve(release)  # another release's graph
    assert not stranger.wait(60) and release.store.on_disk


def test_a_server_is_ready_once_it_reads_the_copy(release_dir: Path) -> None:
    release = on_disk(release_dir)
    with live_server(copy_settings(), release) as (url, app):
        # the lifespan (startup) ended: the first request reads the copy
        assert app.state.pcf.store.memory_copy
        body = {"query": TREE, "variables": {"framework": APQC}}
        answer = httpx.post(url + "/graphql", json=body, timeout=60)
        assert answer.status_code == 200 and answer.json()["data"]["element"]["children"]
        assert httpx.get(url + "/ready", timeout=60).status_code == 200


def reload_with(release_dir: Path, refuse: bool) -> tuple[Release, AppState, list[Any]]:
    """A reload from a release in memory to a new load of ``release_dir``, a subscriber
    recording (candidate in memory, old in memory) when it is moved and refusing if told."""
    old = on_disk(release_dir)
    assert hold_in_memory(old, COPY_QUADS)
    state = AppState(runtime=Runtime(settings=copy_settings(), catalog=QueryCatalog()), release=old)
    seen: list[Any] = []

    class Subscriber:
        def reload(self, release: Release) -> None:
            if release is not old:
                seen.append((release.store.memory_copy, state.release.store.memory_copy))
                if refuse:
                    raise RuntimeError("refused")

    manager = ReleaseManager(state, loader=lambda: on_disk(release_dir))
    manager.subscribers.append(Subscriber())
    outcome = asyncio.run(manager.reload("test"))
    assert outcome.ok is not refuse
    return old, state, seen


def test_a_reload_switches_to_a_release_already_in_memory(release_dir: Path) -> None:
    old, state, seen = reload_with(release_dir, refuse=False)
    assert state.release is not old
    # before the switch the candidate answers from memory; the old release from its on-disk
    # store (one copy at a time), with the same data
    assert seen == [(True, False)]
    assert state.release.store.memory_copy
    assert old.store.on_disk and not old.store.memory_copy
    assert rows(old, "api/frameworks") == rows(state.release, "api/frameworks")


def test_a_failed_reload_gives_the_old_release_its_copy_back(release_dir: Path) -> None:
    old, state, seen = reload_with(release_dir, refuse=True)
    assert seen == [(True, False)]
    assert state.release is old and old.store.memory_copy


def test_a_copy_is_held_only_by_its_store(release_dir: Path) -> None:
    """Once in, the copy is referenced by the release's store alone: a release that stops
    serving frees it (the loader keeps no reference)."""
    import sys

    release = on_disk(release_dir)
    copying = start_copy(release, COPY_QUADS)
    assert copying is not None and copying.wait(60)
    # referenced by the store's attribute and getrefcount's argument, nothing else
    # (pyoxigraph's Store takes no weak references; counted outside the assert, whose
    # rewriting keeps its operands)
    references = sys.getrefcount(release.store.store)
    assert references == 2
