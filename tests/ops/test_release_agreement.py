"""The processes of one ``pcfgraph serve --http-workers 2`` agree on the release they serve,
or say they don't: each writes its release into a table shared before the fork
(pcfgraph.served_releases), ``/ready`` answers 503 ``release-mismatch`` while they disagree,
``/metrics`` counts the processes per release, a process whose reload passed on failed while
another serves the new release tries once more, then logs an error naming both
(pcfgraph.serving.pass_reloads_on), and ``POST /admin/reload`` answers for the server: 200
only once every process serves the new release, else 503 ``release-mismatch``
(pcfgraph.server_reload)."""

from __future__ import annotations

import contextlib
import http.client
import json
import multiprocessing
import os
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
from fastapi.testclient import TestClient
from ops_support import children_of, publish, scraped_by_label
from prometheus_client import CollectorRegistry, Gauge

from pcfgraph.api.metrics_peers import Summed, families
from pcfgraph.config import Settings
from pcfgraph.served_releases import ServedReleases, mismatch_message
from pcfgraph.server_processes import PASS_ON_SIGNAL, ServerProcesses
from pcfgraph.serving import create_app

from .test_http_workers import ServeProcess, reloaded_to, reloads_counted, wait_for
from .test_server_processes import placed

# --- the shared table, across real forked processes ------------------------------------------


def _switch(table: ServedReleases, number: int, release_id: str) -> None:
    table.publish(number, release_id)


def test_served_releases_are_seen_by_every_process() -> None:
    processes = ServerProcesses.create(3, max_pending=4, sandbox_workers=2)
    try:
        processes.serving("aaaa")  # the supervisor: every process forks serving it
        assert processes.releases.served() == {1: "aaaa", 2: "aaaa", 3: "aaaa"}
        assert processes.release_mismatch() is None
        context = multiprocessing.get_context("fork")
        child = context.Process(target=_switch, args=(processes.releases, 2, "bbbb"))
        child.start()
        child.join(60)
        assert child.exitcode == 0
        # the child's switch is seen here; this process (1) and process 3 still serve aaaa
        assert processes.releases.served() == {1: "aaaa", 2: "bbbb", 3: "aaaa"}
        assert processes.release_mismatch() == {"aaaa": 2, "bbbb": 1}
        processes.number = 1
        assert processes.releases.others_serve(1) == {"aaaa", "bbbb"}
        processes.serving("bbbb")  # a worker writes its own entry only
        assert processes.releases.served() == {1: "bbbb", 2: "bbbb", 3: "aaaa"}
        processes.number = 3
        processes.serving("bbbb")
        assert processes.release_mismatch() is None
    finally:
        processes.close()


def test_the_mismatch_message_names_each_release_and_its_processes() -> None:
    text = mismatch_message({"0123abcd": 3, "feedbeef": 1})
    assert "2 different releases" in text
    assert "0123abcd (3 processes)" in text and "feedbeef (1 process)" in text


def test_processes_per_release_are_the_answering_process_s_not_summed() -> None:
    def process(counts: dict[str, int]) -> CollectorRegistry:
        registry = CollectorRegistry()
        gauge = Gauge("pcfgraph_release_processes", "p", ("release_id",), registry=registry)
        for release_id, count in counts.items():
            gauge.labels(release_id).set(count)
        return registry

    table = {"a": 1, "b": 1}  # every process reads the same shared table
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Summed(families(process(table)), [families(process(table))]))
    samples = {
        s.labels.get("release_id"): s.value
        for m in registry.collect()
        for s in m.samples
        if s.name == "pcfgraph_release_processes"
    }
    assert samples == {"a": 1, "b": 1}


def test_a_single_process_server_answers_as_before(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    first = publish(rel)
    with TestClient(create_app(Settings(release=rel))) as client:
        r = client.get("/ready")
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {"status", "release_id", "quads", "workers"}
        assert body["status"] == "ready" and body["release_id"] == first and body["quads"] > 0
        assert "pcfgraph_release_processes" not in client.get("/metrics").text


# --- a live server of two processes whose reload fails in one ---------------------------------


def _ready(server: ServeProcess) -> httpx.Response:
    return httpx.get(server.url + "/ready", timeout=60)


def _release_processes(server: ServeProcess) -> dict[str, float]:
    return scraped_by_label(server, "pcfgraph_release_processes", "release_id")


def test_a_reload_failing_in_one_process_is_reported_until_both_agree(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    first = publish(rel)
    server = ServeProcess(rel, tmp_path / "server.log").start()
    try:
        ahead, behind = children_of(server.pid)
        assert _ready(server).json()["release_id"] == first
        assert _release_processes(server) == {first: 2}

        # one process reloads the second release (the signal the supervisor passes a reload
        # on with, to it alone) ...
        second = publish(rel, variant=2)
        os.kill(ahead, PASS_ON_SIGNAL)
        wait_for(
            "one process serves the second release",
            lambda: f"reload (passed on): now serving release {second}" in server.log(),
            server,
        )
        # ... then the release's data changes on disk before the other one loads it: its
        # reload (the real one: manifest, sha256) fails, and so does its retry
        with open(rel / "graph.nq", "ab") as fh:
            fh.write(b"<urn:a> <urn:b> <urn:c> .\n")
        os.kill(behind, PASS_ON_SIGNAL)
        wait_for(
            "the other process tried once more and said so",
            lambda: "release mismatch: process" in server.log(),
            server,
        )
        log = server.log()
        assert re.search(rf"reload \(passed on\) failed, still serving release {first}", log)
        assert re.search(rf"trying once more \(still serving release {first}\)", log)
        assert re.search(rf"reload \(passed on, retry\) failed, still serving release {first}", log)
        error = re.search(r"release mismatch: process \d still serves release (\w+) .*", log)
        assert error is not None and error.group(1) == first and second in error.group(0)
        assert "sha256" in error.group(0)
        assert httpx.get(f"{server.url}/health", timeout=60).status_code == 200  # it stays up

        for _ in range(6):  # fresh connections, whichever process takes them
            r = _ready(server)
            assert r.status_code == 503, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            body = r.json()
            assert body["code"] == "release-mismatch"
            assert f"{first} (1 process)" in body["detail"]
            assert f"{second} (1 process)" in body["detail"]
        assert _release_processes(server) == {first: 1, second: 1}

        # a reload that succeeds in both: they agree again
        third = publish(rel, variant=3)
        server.signal(signal.SIGHUP)
        wait_for(
            "both processes serve the third release",
            lambda: server.log().count(f"now serving release {third}") == 2,
            server,
        )
        for _ in range(6):
            r = _ready(server)
            assert r.status_code == 200, r.text
            assert r.json()["release_id"] == third
        assert _release_processes(server) == {third: 2}
        assert children_of(server.pid) == sorted([ahead, behind])  # nobody was replaced
    finally:
        server.stop()


# --- POST /admin/reload answers for the server ------------------------------------------------

TOKEN = "s3cret-token"


def _post_reload(conn: http.client.HTTPConnection) -> tuple[int, dict[str, str], dict]:
    conn.request("POST", "/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    reply = conn.getresponse()
    return reply.status, dict(reply.getheaders()), json.loads(reply.read())


class _TwoProcesses(NamedTuple):
    server: ServeProcess
    rel: Path
    first: str  # the release served at the start
    answering: int  # the worker that accepted ``conn``
    other: int
    conn: http.client.HTTPConnection


@contextlib.contextmanager
def _two_processes(
    tmp_path: Path, reload_wait_seconds: float, **settings: object
) -> Iterator[_TwoProcesses]:
    """A two-process server of a published release with the admin token, its two workers
    and an open connection the first one accepted (the reload is posted on it); stopped,
    connections closed, at the end."""
    rel = tmp_path / "rel"
    first = publish(rel)
    server = ServeProcess(
        rel,
        tmp_path / "server.log",
        admin_token=TOKEN,
        reload_wait_seconds=reload_wait_seconds,
        **settings,
    ).start()
    kept: list[http.client.HTTPConnection] = []
    try:
        workers = children_of(server.pid)
        assert len(workers) == 2, server.log()[-2000:]
        kept += placed(server, workers, ["127.0.0.1"], 1)
        kept[1].close()
        yield _TwoProcesses(server, rel, first, workers[0], workers[1], kept[0])
    finally:
        for each in kept:
            each.close()
        server.stop()


@contextlib.contextmanager
def _reload_posted_while_other_stops(
    served: _TwoProcesses, second: str
) -> Iterator[tuple[list[tuple[int, dict[str, str], dict]], threading.Thread]]:
    """``POST /admin/reload`` from a thread while the other process is stopped (``SIGSTOP``:
    the reload reaches it only once it continues); the body runs once the answering process
    serves ``second``, and the other process continues at its end. Yields the list the
    answer goes into and the thread asking."""
    os.kill(served.other, signal.SIGSTOP)
    answer: list[tuple[int, dict[str, str], dict]] = []
    asking = threading.Thread(target=lambda: answer.append(_post_reload(served.conn)))
    asking.start()
    try:
        wait_for(
            "the answering process serves the second release",
            lambda: (
                "reload (POST /admin/reload): now serving release " + second in served.server.log()
            ),
            served.server,
        )
        yield answer, asking
    finally:
        os.kill(served.other, signal.SIGCONT)


def test_a_reload_another_process_cannot_make_is_not_answered_ok(tmp_path: Path) -> None:
    # the bound only decides how long the answer takes: the stopped process cannot switch
    with _two_processes(tmp_path, reload_wait_seconds=2) as served:
        server, rel, first = served.server, served.rel, served.first
        answering, stopped, conn = served.answering, served.other, served.conn
        second = publish(rel, variant=2)
        os.kill(stopped, signal.SIGSTOP)  # alive, but it cannot switch (hung, swapped out)
        try:
            status, headers, body = _post_reload(conn)
        finally:
            os.kill(stopped, signal.SIGCONT)
        assert status == 503, body
        assert headers["content-type"].startswith("application/problem+json")
        assert headers["retry-after"] == "5"
        assert body["code"] == "release-mismatch"
        assert body["serving_release_id"] == second  # the answering process switched ...
        assert body["processes"] == {first: 1, second: 1}  # ... the other did not
        assert f"{first} (1 process)" in body["detail"]
        assert f"{second} (1 process)" in body["detail"]
        assert "not every process switched within 2 s" in body["detail"]
        assert "Traceback" not in json.dumps(body)

        # continued, the other process makes the reload passed on to it: they agree again
        wait_for(
            "the stopped process serves the second release",
            lambda: reloaded_to(server, second) == ["POST /admin/reload", "passed on"],
            server,
        )
        for _ in range(6):
            r = _ready(server)
            assert r.status_code == 200 and r.json()["release_id"] == second, r.text
        # one reload of the server, a failure: the passed-on attempt is not counted
        assert reloads_counted(server) == {"success": 0, "failure": 1}
        assert children_of(server.pid) == sorted([answering, stopped])


def test_a_process_that_gives_the_reload_up_is_named_in_the_answer(tmp_path: Path) -> None:
    # a bound longer than the test may run: the answer comes from the failure, not the bound
    with _two_processes(tmp_path, reload_wait_seconds=3600) as served:
        server, rel, first = served.server, served.rel, served.first
        second = publish(rel, variant=2)
        # the release's data changes on disk before the other process loads it: its reload
        # (manifest, sha256) fails, and so does its retry
        with (
            _reload_posted_while_other_stops(served, second) as (answer, asking),
            open(rel / "graph.nq", "ab") as fh,
        ):
            fh.write(b"<urn:a> <urn:b> <urn:c> .\n")
        asking.join(240)
        assert answer, server.log()[-3000:]
        status, headers, body = answer[0]
        assert status == 503, body
        assert headers["content-type"].startswith("application/problem+json")
        assert body["code"] == "release-mismatch"
        assert body["processes"] == {first: 1, second: 1}
        assert re.search(r"process \d failed to load it: \S+: .*sha256", body["detail"])
        assert f"{first} (1 process)" in body["detail"]
        assert "release mismatch: process" in server.log()  # its own error line
        r = _ready(server)
        assert r.status_code == 503 and r.json()["code"] == "release-mismatch"
        assert reloads_counted(server) == {"success": 0, "failure": 1}


def test_a_stop_during_a_reload_is_answered_at_once_not_at_the_graceful_bound(
    tmp_path: Path,
) -> None:
    """``SIGTERM`` while ``POST /admin/reload`` waits for the other processes: they stop
    instead of switching, yet the answer waited on until the graceful stop's bound (10 s by
    default) cut it short, and the server's stop took that long. It is answered as soon as
    the stop begins, 503 ``server-stopping`` naming what each process serves, and the server
    stops. Both bounds here are longer than the test may run: only the stop can end the
    wait."""
    with _two_processes(tmp_path, 3600, graceful_stop_seconds=3600) as served:
        server, rel, first = served.server, served.rel, served.first
        second = publish(rel, variant=2)
        # the other process cannot switch: the answer waits for it
        with _reload_posted_while_other_stops(served, second) as (answer, asking):
            server.signal(signal.SIGTERM)
            asking.join(120)
        assert answer, server.log()[-3000:]
        status, headers, body = answer[0]
        assert status == 503, body
        assert headers["retry-after"] == "5"
        assert body["code"] == "server-stopping"
        assert body["serving_release_id"] == second
        assert body["processes"] == {first: 1, second: 1}
        assert body["detail"].startswith("the server is stopping")
        assert server.proc is not None
        assert server.proc.wait(timeout=120) == 0, server.log()[-3000:]
        assert "was cut short by the server's stop" not in server.log()


def test_a_reload_of_the_same_release_waits_for_every_process_to_finish(tmp_path: Path) -> None:
    """The release unchanged on disk: every process already shows its id, so the answer waits
    for the others' own attempts, not for the id alone (the other process stopped: only the
    bound can end the wait, so a short one only decides how long the answer takes)."""
    with _two_processes(tmp_path, reload_wait_seconds=2) as served:
        server, first = served.server, served.first
        stopped, conn = served.other, served.conn
        os.kill(stopped, signal.SIGSTOP)
        try:
            status, _, body = _post_reload(conn)
        finally:
            os.kill(stopped, signal.SIGCONT)
        assert status == 503, body
        assert body["code"] == "release-mismatch"
        assert body["processes"] == {first: 2}
        assert re.search(r"process \d did not finish its reload of it", body["detail"])
        wait_for(
            "the stopped process made the reload passed on to it",
            lambda: reloaded_to(server, first) == ["POST /admin/reload", "passed on"],
            server,
        )


def test_a_reload_of_the_same_release_both_processes_make_is_answered_ok(
    tmp_path: Path,
) -> None:
    """Both processes running: the answer comes once the other one has made its own attempt
    (not at once, because it already showed the id), and it is 200. On a server of its own
    whose bound a running process's reload never reaches: on the 2 s one of the test above
    (which needs a short one) the other process's reload, 0.5-0.7 s here at load 9, came
    after the bound when its sandbox workers took 2.5 s to start (a slow or loaded machine):
    503 release-mismatch instead of 200."""
    with _two_processes(tmp_path, reload_wait_seconds=120) as served:
        server, first, conn = served.server, served.first, served.conn
        status, _, body = _post_reload(conn)  # both running: both reload before the answer
        assert status == 200 and body["processes"] == {first: 2}, body
        assert reloaded_to(server, first) == ["POST /admin/reload", "passed on"]
