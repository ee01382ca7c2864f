"""The store statistics a release carries (pcfgraph.release_stats, issue 20's server start).

A release is written with ``store-stats.json``: the degrees and the walks of the walked
predicates, equal to what the in-process evaluator computes from the store. A server reads
them instead of running the aggregate queries, but only when the file is the one the
manifest lists, made for this release and by these statistics; in every other case it
computes them as before. The tests tell the two apart by giving the release a file whose
(checksummed) content differs from the store's real statistics: a server that reads it has
those numbers, one that computes has the store's.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sparql_support import fixture_store

from pcfgraph.api.sparql_local import LocalEvaluator
from pcfgraph.release import Release, load_release, write_release
from pcfgraph.release_stats import STORE_STATS_FILE, shipped_stats, walked_predicates
from pcfgraph.sparql_bound import StoreStats, closure_walks, load_stats

SKOS_BROADER = "http://www.w3.org/2004/02/skos/core#broader"


def written(tmp_path: Path) -> Release:
    store = fixture_store()
    write_release(store, tmp_path / "rel", {})
    return load_release(tmp_path / "rel", memory_quads=1_000_000)


def computed(release: Release) -> StoreStats:
    """The statistics as the evaluator computes them from the store, walks included."""
    stats = load_stats(release.store)
    assert stats is not None
    for iri in walked_predicates():
        walks = closure_walks(release.store, iri)
        if walks is None:
            stats.unbounded.add(iri)
        else:
            stats.walks[iri] = walks
    return stats


def rewrite(release: Release, edit: Any, *, relist: bool = True) -> Release:
    """The release with its statistics file edited by ``edit(doc)`` and, with ``relist``,
    the manifest's sha256 of it updated (a sound release with other statistics)."""
    assert release.path is not None
    path = release.path / STORE_STATS_FILE
    doc = json.loads(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")
    if relist:
        manifest_path = release.path / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        manifest["artefacts"][STORE_STATS_FILE]["sha256"] = digest
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    return load_release(release.path, memory_quads=1_000_000)


def other_numbers(doc: dict[str, Any]) -> None:
    """Other degrees (what the counts the release checks cannot tell)."""
    doc["stats"]["per_subject"] = 777
    doc["stats"]["per_object"] = 888


def test_a_release_carries_the_statistics_its_store_has(tmp_path: Path) -> None:
    release = written(tmp_path)
    listed = release.manifest["artefacts"][STORE_STATS_FILE]
    assert release.path is not None
    data = (release.path / STORE_STATS_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == listed["sha256"]
    assert SKOS_BROADER in walked_predicates()  # the shipped queries walk the hierarchy
    shipped = shipped_stats(release)
    assert shipped is not None
    assert shipped.stats == computed(release)
    assert shipped.stats is not None and SKOS_BROADER in shipped.stats.walks


@pytest.mark.parametrize("first_use", ["prepare", "first-query"])
def test_the_evaluator_reads_the_statistics_the_release_carries(
    tmp_path: Path, first_use: str
) -> None:
    """Read at once, before ``pcfgraph serve`` forks (prepare) or on a release's first
    query (no background job: the numbers are the file's, which no computation gives)."""
    release = rewrite(written(tmp_path), other_numbers)
    local = LocalEvaluator(max_work=100_000, threads=1)
    try:
        if first_use == "prepare":
            local.prepare_now(release.release_id, release.store, release)
        else:
            local.bound(release.release_id, release.store, "ASK {}", release)
        assert local.stats is not None
        assert (local.stats.per_subject, local.stats.per_object) == (777, 888)
        assert SKOS_BROADER in local.stats.walks  # no closure to compute on a first walk
    finally:
        local.close()


def made_for_another_release(doc: dict[str, Any]) -> None:
    other_numbers(doc)
    doc["release_id"] = "0123456789abcdef"


def other_layout(doc: dict[str, Any]) -> None:
    other_numbers(doc)
    doc["layout"] = 0


def other_statistics(doc: dict[str, Any]) -> None:
    other_numbers(doc)
    doc["computed_with"] = "0" * 64


def unsound(doc: dict[str, Any]) -> None:
    doc["stats"]["predicates"][SKOS_BROADER] = [-1, 2, 3]


def other_quad_count(doc: dict[str, Any]) -> None:
    doc["stats"]["quads"] += 1


def counts_not_adding_up(doc: dict[str, Any]) -> None:
    doc["stats"]["predicates"][SKOS_BROADER][0] += 1


@pytest.mark.parametrize(
    ("edit", "relist", "said"),
    [
        (other_numbers, False, "sha256 differs from the manifest"),
        (made_for_another_release, True, "made for another release"),
        (other_layout, True, "made by other statistics"),
        (other_statistics, True, "made by other statistics"),
        (unsound, True, "not sound"),
        (other_quad_count, True, "quad counts differ from the release's"),
        (counts_not_adding_up, True, "do not add up to its quads"),
    ],
)
def test_statistics_not_made_for_this_release_are_computed(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    edit: Any,
    relist: bool,
    said: str,
) -> None:
    release = rewrite(written(tmp_path), edit, relist=relist)
    caplog.set_level(logging.INFO, logger="pcfgraph.release_stats")
    assert shipped_stats(release) is None
    assert said in caplog.text and STORE_STATS_FILE in caplog.text
    local = LocalEvaluator(max_work=100_000, threads=1)
    try:
        local.prepare_now(release.release_id, release.store, release)
        stats = local.stats
        assert stats is not None
        expected = load_stats(release.store)
        assert expected is not None
        assert (stats.quads, stats.predicates, stats.per_subject, stats.per_object) == (
            expected.quads,
            expected.predicates,
            expected.per_subject,
            expected.per_object,
        )
    finally:
        local.close()


def test_a_release_without_the_file_gets_them_computed(tmp_path: Path) -> None:
    """A release written before the artefact (none listed, none present) is served as before."""
    store = fixture_store()
    write_release(store, tmp_path / "rel", {}, artefacts={})
    release = load_release(tmp_path / "rel", memory_quads=1_000_000)
    assert shipped_stats(release) is None
    local = LocalEvaluator(max_work=100_000, threads=1)
    try:
        local.prepare_now(release.release_id, release.store, release)
        assert local.stats is not None and local.stats.quads == len(store)
    finally:
        local.close()
