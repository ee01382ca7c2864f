"""The store statistics as a release artefact: computed once when a release is built, read
when it is served (issue 20, server start).

The in-process evaluator bounds ad-hoc queries with the degrees of the served store
(:func:`pcfgraph.sparql_bound.load_stats`: four aggregate queries, about a second per 100k
quads) and the longest walks of the predicates queries walk with ``+``/``*``
(:func:`~pcfgraph.sparql_bound.closure_walks`). Computed at every start, they took 0.4-0.7 s
of CPU on the default graph and about 5 s with every shared workbook, before the server
forked its processes. A release now carries them in ``store-stats.json``, listed with its
sha256 in the manifest like the other artefacts. They are used only when the file is the one
the manifest lists, was made for this release (its id is the sha256 of its graph, so the
degrees are those of the served store) and by the same statistics (layout and the text of
``queries/release`` they come from); otherwise they are computed as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pcfgraph.sparql_bound import StoreStats, closure_walks, load_stats, path_predicates
from pcfgraph.store import EmbeddedStore

if TYPE_CHECKING:  # the release module imports this one (its artefact writer)
    from pcfgraph.release import Release

log = logging.getLogger(__name__)

STORE_STATS_FILE = "store-stats.json"
#: The file's layout; another one is not read (computed instead).
LAYOUT = 1
#: The named queries the degrees come from (a change to them makes older files stale).
STATS_QUERIES = (
    "release/predicate-subject-degrees",
    "release/predicate-object-degrees",
    "release/node-degrees",
    "release/graph-counts",
)


@dataclass(frozen=True)
class Shipped:
    """The statistics a release carries; ``stats`` None when it has none to give (quads in
    its default graph, which :func:`load_stats` does not cover either)."""

    stats: StoreStats | None


def stats_digest() -> str:
    """What the statistics are computed with: the layout and the text of their queries."""
    from pcfgraph.queries import named_query

    digest = hashlib.sha256(f"layout {LAYOUT}\0".encode())
    for name in STATS_QUERIES:
        digest.update(name.encode() + b"\0" + named_query(name).text.encode() + b"\0")
    return digest.hexdigest()


def walked_predicates() -> set[str]:
    """The predicates the shipped named queries walk with ``+``/``*`` (their closures are
    computed with the release; others the first time an ad-hoc query walks them)."""
    from pcfgraph.queries import QueryCatalog
    from pcfgraph.sparql_shape import read_query

    catalog = QueryCatalog()
    walked: set[str] = set()
    for name in catalog.names():
        shape = read_query(catalog.get(name).text)
        if shape is not None:
            walked |= path_predicates(shape)
    return walked


def write_store_stats(store: EmbeddedStore, path: Path, release_id: str) -> None:
    """Release artefact writer (:data:`pcfgraph.release.ArtefactWriter`)."""
    stats = load_stats(store)
    if stats is not None:
        for iri in sorted(walked_predicates()):
            walks = closure_walks(store, iri)
            if walks is None:
                stats.unbounded.add(iri)
            else:
                stats.walks[iri] = walks
    doc = {
        "layout": LAYOUT,
        "release_id": release_id,
        "computed_with": stats_digest(),
        "stats": None if stats is None else encode(stats),
    }
    path.write_text(json.dumps(doc, sort_keys=True, indent=1) + "\n", encoding="utf-8")


def shipped_stats(release: Release) -> Shipped | None:
    """The statistics ``release`` carries, or None (none, or not usable: logged with why)."""
    if release.path is None:
        return None
    listed = (release.manifest.get("artefacts") or {}).get(STORE_STATS_FILE)
    if not isinstance(listed, dict):
        return None
    where = f"release {release.path}: {STORE_STATS_FILE}"
    try:
        data = (release.path / STORE_STATS_FILE).read_bytes()
    except OSError as exc:
        log.warning("%s cannot be read (%s); computed instead", where, exc.strerror or exc)
        return None
    if hashlib.sha256(data).hexdigest() != listed.get("sha256"):
        log.warning("%s: sha256 differs from the manifest; computed instead", where)
        return None
    try:
        doc = json.loads(data)
        if doc.get("release_id") != release.release_id:
            log.warning("%s: made for another release; computed instead", where)
            return None
        if doc.get("layout") != LAYOUT or doc.get("computed_with") != stats_digest():
            log.info("%s: made by other statistics; computed instead", where)
            return None
        found = doc["stats"]
        stats = None if found is None else decode(found)
        if stats is not None:
            agrees_with(stats, release.manifest)
        return Shipped(stats)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("%s: not sound (%s); computed instead", where, exc)
        return None


def agrees_with(stats: StoreStats, manifest: dict[str, Any]) -> None:
    """What can be checked without the aggregate queries: the counts the release's load
    checked against its store (every quad has one predicate, in one named graph); ValueError
    otherwise. The degrees themselves are trusted as the rest of a checksummed release is
    (docs/security.md)."""
    graphs = manifest.get("graphs") or {}
    if stats.quads != manifest.get("quads") or stats.per_graph != max(graphs.values(), default=0):
        raise ValueError("its quad counts differ from the release's")
    if sum(total for total, _, _ in stats.predicates.values()) != stats.quads:
        raise ValueError("its per-predicate counts do not add up to its quads")


def encode(stats: StoreStats) -> dict[str, Any]:
    return {
        "quads": stats.quads,
        "predicates": {p: list(v) for p, v in sorted(stats.predicates.items())},
        "per_subject": stats.per_subject,
        "per_object": stats.per_object,
        "per_graph": stats.per_graph,
        "walks": {p: list(v) for p, v in sorted(stats.walks.items())},
        "unbounded": sorted(stats.unbounded),
    }


def decode(doc: dict[str, Any]) -> StoreStats:
    """:func:`encode`'s inverse; TypeError/ValueError when a field is not what it says."""

    def count(value: Any) -> int:
        if type(value) is not int or value < 0:
            raise ValueError(f"not a count: {value!r}")
        return value

    def counts(value: Any, size: int) -> tuple[int, ...]:
        if not isinstance(value, list) or len(value) != size:
            raise ValueError(f"not {size} counts: {value!r}")
        return tuple(count(v) for v in value)

    predicates = {str(p): counts(v, 3) for p, v in doc["predicates"].items()}
    walks = {str(p): counts(v, 2) for p, v in doc["walks"].items()}
    return StoreStats(
        quads=count(doc["quads"]),
        predicates=predicates,  # type: ignore[arg-type]
        per_subject=count(doc["per_subject"]),
        per_object=count(doc["per_object"]),
        per_graph=count(doc["per_graph"]),
        walks=walks,  # type: ignore[arg-type]
        unbounded={str(p) for p in doc["unbounded"]},
    )
