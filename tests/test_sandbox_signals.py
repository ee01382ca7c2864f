"""Sandbox workers ignore the signals they never act on (``SIGHUP``, ``SIGUSR1``, ``SIGINT``)
from their start (:data:`pcfgraph.sandbox.process.IGNORED_SIGNALS`).

A terminal closing sends ``SIGHUP`` to its whole foreground process group, the workers too.
Workers started while the server held its reload signals had them blocked; one started
after (a replacement, a recycled worker, a reload's) died of it, failing its task. Here the
test process does not block them, as a server that serves does not. And a replacement that
dies while starting (of a signal or anything else) is followed by another.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from ops_support import publish

from pcfgraph.release import load_release
from pcfgraph.sandbox import SPARQL_QUERY, WorkerPool

ASK = {
    "query": "ASK { ?s ?p ?o }",
    "media_type": "application/sparql-results+json",
    "max_rows": 10,
    "has_dataset_clause": False,
    "base_iri": "http://localhost/sparql",
}
SIGNALS = (signal.SIGHUP, signal.SIGUSR1, signal.SIGINT)


def test_workers_survive_group_signals_from_their_start(tmp_path: Path) -> None:
    publish(tmp_path / "rel")
    release = load_release(tmp_path / "rel")
    assert not set(SIGNALS) & signal.pthread_sigmask(signal.SIG_BLOCK, [])  # not held here

    async def answered(pool: WorkerPool) -> bool:
        reply = await pool.run(SPARQL_QUERY, ASK, timeout=120)
        return b"true" in reply["body"]

    async def run() -> None:
        pool = WorkerPool(release, workers=1)
        await pool.start()
        try:
            [first] = pool.pids()
            for signum in SIGNALS:
                os.kill(first, signum)
            assert await answered(pool)
            assert pool.pids() == [first]
            # A replacement, signalled as soon as it exists (its interpreter still starting).
            os.kill(first, signal.SIGKILL)
            while not [p for p in pool.pids() if p != first]:
                await asyncio.sleep(0.005)
            [second] = [p for p in pool.pids() if p != first]
            for signum in SIGNALS:
                os.kill(second, signum)
            assert await answered(pool)
            for signum in SIGNALS:
                os.kill(second, signum)
            assert await answered(pool)
            assert pool.pids() == [second]
            assert pool.counters["restarts"] == 1  # the SIGKILL's, no other
        finally:
            await pool.stop()

    asyncio.run(run())


def test_a_replacement_that_fails_to_start_is_tried_again(tmp_path: Path) -> None:
    """A pool of one whose replacement worker dies while starting gets another: it gave up
    after one failure, leaving no worker, so every later query waited out its timeout.

    The replacement dies of its release data missing (moved away until it has died), so it
    can never have started, however the processes are scheduled: killed with SIGKILL as soon
    as the test saw it, it could have loaded already (this process descheduled for a
    worker's start, 0.1 s, right after spawning it), and the kill was then a crash of a
    ready worker, with the query sent to it."""
    publish(tmp_path / "rel")
    release = load_release(tmp_path / "rel")

    async def run() -> None:
        pool = WorkerPool(release, workers=1)
        await pool.start()
        data = pool.data_file
        away = data.with_name(data.name + ".away")
        try:
            [first] = pool.pids()
            data.rename(away)  # what a replacement loads is gone: it dies while starting
            os.kill(first, signal.SIGKILL)
            while not [p for p in pool.pids() if p != first]:
                await asyncio.sleep(0.005)
            [second] = [p for p in pool.pids() if p != first]
            while second in pool.pids():  # until it has died (then retried, to no avail)
                await asyncio.sleep(0.005)
            away.rename(data)  # the next try starts
            reply = await pool.run(SPARQL_QUERY, ASK, timeout=120)
            assert b"true" in reply["body"]
            [third] = pool.pids()
            assert third not in (first, second)
            assert pool.counters["restarts"] == 1  # one worker died serving; one replaced it
        finally:
            await pool.stop()

    asyncio.run(run())
