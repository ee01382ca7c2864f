"""Do a remote store and the embedded store give the same answers on a real release?

Usage::

    .venv/bin/python tools/store_parity.py RELEASE_DIR QUERY_URL [--push GSP_URL] [--only NAME]

``RELEASE_DIR`` is a release written by ``pcfgraph build`` (e.g. with every workbook of
``../shared/apqc`` added with ``--add``); ``QUERY_URL`` the remote store's SPARQL endpoint
(Virtuoso: ``http://127.0.0.1:8890/sparql``). With ``--push`` the release is first pushed
there (``pcfgraph push``'s code, Graph Store Protocol). Then every named query of the catalogue
runs with the parameter sets :mod:`pcfgraph.store_parity` draws from the release (every
framework, one element per framework with its code and PCF ID, every graph and mapping set),
on both stores, and the answers are compared as sets.

Prints one line per differing run, then a summary with the load average; exits 1 when any run
differs, 0 when all agree. Not part of the pytest suite: it reads ../shared through the release.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

from pcfgraph.queries import QueryCatalog
from pcfgraph.release import load_release
from pcfgraph.remote_store import RemoteStore, push_release
from pcfgraph.store import EmbeddedStore
from pcfgraph.store_parity import compare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("release", type=Path)
    parser.add_argument("query_url")
    parser.add_argument("--push", metavar="GSP_URL", help="push the release there first")
    parser.add_argument("--only", action="append", help="only this named query (repeatable)")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--limit", type=int, help="at most this many values per parameter (frameworks ...)"
    )
    parser.add_argument(
        "--bounded",
        action="store_true",
        help="skip the run without parameters of queries whose parameters are all optional "
        "(e.g. api/gaps over every pair of frameworks)",
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    release = load_release(args.release)
    # The reference in memory (the release's on-disk store answers the heavy reads slower).
    embedded = EmbeddedStore.from_nquads((args.release / "graph.nq").read_bytes())
    print(f"release {release.release_id}: {len(embedded)} quads", flush=True)
    if args.push:
        t = time.monotonic()
        sent = push_release(
            embedded,
            args.push,
            manifest=release.manifest,
            query_url=args.query_url,
            timeout=args.timeout,
        )
        print(
            f"pushed {sum(sent.values())} triples in {len(sent)} graphs "
            f"in {time.monotonic() - t:.0f} s (load {os.getloadavg()[0]:.1f})",
            flush=True,
        )
    remote = RemoteStore(args.query_url, timeout=args.timeout)
    try:
        if remote.manifest().get("release_id") != release.release_id:
            print("the remote store holds another release; push it first (--push)")
            return 2
        runs, differ, per_query = 0, 0, Counter[str]()
        t = time.monotonic()
        last, since = "", time.monotonic()
        catalog = QueryCatalog()
        for outcome in compare(
            embedded, remote, catalog, names=args.only, limit=args.limit, bounded=args.bounded
        ):
            runs += 1
            per_query[outcome.name] += 1
            if outcome.name != last:
                print(f"  {outcome.name} ({time.monotonic() - since:.0f} s)", flush=True)
                last = outcome.name
            if not outcome.same:
                differ += 1
                params = {k: str(v) for k, v in outcome.params.items()}
                print(f"DIFFERS {outcome.name} {params}: {outcome.detail[:400]}", flush=True)
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"{runs} runs of {len(per_query)} named queries, {differ} differ; compared in "
            f"{time.monotonic() - t:.0f} s, {time.monotonic() - started:.0f} s in all "
            f"(load average {load}, 2 cores, measured under load)"
        )
        return 1 if differ else 0
    finally:
        remote.close()


if __name__ == "__main__":
    sys.exit(main())
