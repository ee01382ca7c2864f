"""Serving one verified release; reloads that switch atomically or change nothing."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from ops_support import live_server, publish

from pcfgraph.config import Settings
from pcfgraph.errors import ReleaseError
from pcfgraph.release import Release, load_release
from pcfgraph.release_reload import load_verified_release, sighup_reloads
from pcfgraph.runtime import app_state
from pcfgraph.server_processes import PASS_ON_SIGNAL, ServerProcesses
from pcfgraph.serving import create_app, pass_reloads_on

TOKEN = "s3cret-token"


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def served(tmp_path: Path, **settings: Any) -> tuple[TestClient, Path, str]:
    rel = tmp_path / "rel"
    rid = publish(rel)
    app = create_app(Settings(release=rel, admin_token=TOKEN, **settings))
    return TestClient(app), rel, rid


def test_a_release_failing_shacl_is_never_served(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel, conforming=False)
    load_release(rel)  # checksum and counts are fine ...
    with pytest.raises(ReleaseError, match="SHACL") as info:
        create_app(Settings(release=rel))  # ... but it does not conform
    assert "FrameworkLicenceShape" in str(info.value)


def test_a_tampered_release_is_never_served(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel)
    with open(rel / "graph.nq", "ab") as fh:
        fh.write(b"<urn:a> <urn:b> <urn:c> .\n")
    with pytest.raises(ReleaseError, match="sha256"):
        load_verified_release(Settings(release=rel))


def test_reload_switches_to_the_new_release(tmp_path: Path) -> None:
    client, rel, first = served(tmp_path)
    assert client.get("/ready").json()["release_id"] == first
    second = publish(rel, variant=2)
    assert second != first
    r = client.post("/admin/reload", headers=auth())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["release_id"] == second and body["previous_release_id"] == first
    assert client.get("/ready").json()["release_id"] == second
    metrics = client.get("/metrics").text
    assert f'pcfgraph_release_info{{release_id="{second}"}} 1' in metrics
    assert first not in metrics
    assert 'pcfgraph_reloads_total{outcome="success"} 1' in metrics


@pytest.mark.parametrize("damage", ["shacl", "checksum", "missing"])
def test_a_failed_candidate_leaves_the_old_release_serving(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    client, rel, first = served(tmp_path)
    if damage == "shacl":
        publish(rel, variant=1, conforming=False)
    elif damage == "checksum":
        publish(rel, variant=1)
        (rel / "graph.nq").write_bytes((rel / "graph.nq").read_bytes()[:-40])
    else:
        shutil.rmtree(rel)
    with caplog.at_level(logging.ERROR, logger="pcfgraph.serving"):
        r = client.post("/admin/reload", headers=auth())
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "bad-release"
    assert body["serving_release_id"] == first
    assert body["request_id"] == r.headers["x-request-id"]
    assert client.get("/ready").json()["release_id"] == first
    assert any("still serving release " + first in m for m in caplog.messages)
    assert 'pcfgraph_reloads_total{outcome="failure"} 1' in client.get("/metrics").text


def test_admin_reload_needs_the_bearer_token(tmp_path: Path) -> None:
    client, _, _ = served(tmp_path)
    for headers in ({}, auth("wrong"), {"Authorization": TOKEN}, {"Authorization": "Basic x"}):
        r = client.post("/admin/reload", headers=headers)
        assert r.status_code == 403
        assert r.json()["code"] == "forbidden"
        assert r.json()["request_id"]


def test_admin_reload_does_not_exist_without_a_token(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel)
    client = TestClient(create_app(Settings(release=rel)))
    r = client.post("/admin/reload", headers=auth())
    assert r.status_code == 404
    assert r.json()["code"] == "not-found"
    assert "/admin/reload" not in client.get("/openapi.json").json()["paths"]


class FakePool:
    """A worker pool as serving.ReleaseSubscriber sees it."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on
        self.releases: list[str] = []
        self.ready = True

    async def reload(self, release: Release) -> None:
        await asyncio.sleep(0)
        if release.release_id == self.fail_on:
            raise RuntimeError("worker could not load the release")
        self.releases.append(release.release_id)

    def stats(self) -> dict[str, int]:
        return {"restarts": 3, "busy": 1, "workers": 2}


def test_the_worker_pool_moves_with_the_release(tmp_path: Path) -> None:
    client, rel, _ = served(tmp_path)
    pool = FakePool()
    client.app.state.pcf.services.pool = pool  # type: ignore[attr-defined]
    second = publish(rel, variant=1)
    assert client.post("/admin/reload", headers=auth()).status_code == 200
    assert pool.releases == [second]
    text = client.get("/metrics").text
    assert "pcfgraph_worker_restarts_total 3" in text
    assert "pcfgraph_pool_busy 1" in text
    assert client.get("/ready").json()["workers"] == "up"
    pool.ready = False
    r = client.get("/ready")
    assert r.status_code == 503 and r.json()["code"] == "not-ready"
    assert r.headers["retry-after"]


def test_a_pool_that_refuses_the_candidate_rolls_back(tmp_path: Path) -> None:
    client, rel, first = served(tmp_path)
    second = publish(rel, variant=1)
    good, bad = FakePool(), FakePool(fail_on=second)
    manager = client.app.state.pcf.services.releases  # type: ignore[attr-defined]
    manager.subscribers[:] = [good, bad]
    r = client.post("/admin/reload", headers=auth())
    assert r.status_code == 500 and r.json()["code"] == "internal-error"
    assert r.json()["serving_release_id"] == first
    assert good.releases == [second, first]  # moved, then moved back
    assert client.get("/ready").json()["release_id"] == first


def test_requests_in_flight_finish_on_their_release(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    first = publish(rel)
    app = create_app(Settings(release=rel, admin_token=TOKEN))
    gate = asyncio.Event()
    entered = asyncio.Event()

    @app.get("/_test/slow")
    async def slow(request: Request) -> dict[str, object]:
        before = app_state(request).store
        entered.set()
        await gate.wait()
        after = app_state(request)
        return {"same": after.store is before, "release_id": after.release.release_id}

    async def scenario() -> tuple[dict[str, Any], str, str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            slow_req = asyncio.create_task(client.get("/_test/slow"))
            await entered.wait()
            second = publish(rel, variant=1)
            r = await client.post("/admin/reload", headers=auth())
            assert r.status_code == 200
            now = (await client.get("/ready")).json()["release_id"]
            gate.set()
            return (await slow_req).json(), now, second

    body, now, second = asyncio.run(scenario())
    assert now == second
    assert body == {"same": True, "release_id": first}


def test_one_reload_at_a_time(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel)
    release_gate = asyncio.Event()
    app = create_app(Settings(release=rel, admin_token=TOKEN))
    manager = app.state.pcf.services.releases

    class Slow:
        async def reload(self, release: Release) -> None:
            await release_gate.wait()

    manager.subscribers.append(Slow())

    async def scenario() -> tuple[int, int, str | None]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            first = asyncio.create_task(client.post("/admin/reload", headers=auth()))
            while not manager.running:
                await asyncio.sleep(0.01)
            second = await client.post("/admin/reload", headers=auth())
            release_gate.set()
            return (await first).status_code, second.status_code, second.headers.get("retry-after")

    assert asyncio.run(scenario()) == (200, 503, "5")


def test_reload_signals_during_a_reload_ask_for_one_more_after_it(tmp_path: Path) -> None:
    """A SIGHUP, or a reload passed on by another server process, arriving while a reload
    runs is not dropped (it was, with a warning: a release published meanwhile was never
    served, and the process answering for the server waited out its bound): one more reload
    of each kind follows it, however many signals came (it reads the disk after the last)."""
    rel = tmp_path / "rel"
    publish(rel)
    app = create_app(Settings(release=rel))
    state = app.state.pcf
    manager = state.services.releases
    gate = asyncio.Event()

    class Slow:
        async def reload(self, release: Release) -> None:
            await gate.wait()

    manager.subscribers.append(Slow())
    # as in one of several server processes (a server of one: nothing to wait for)
    processes = ServerProcesses.create(1, max_pending=2, sandbox_workers=1)
    processes.number = 1
    processes.serving(state.release.release_id)
    state.services.processes = processes
    pass_reloads_on(app, lambda: None)

    async def scenario() -> list[str]:
        async with sighup_reloads(app):
            for signum in (signal.SIGHUP, PASS_ON_SIGNAL):  # else the signal would end pytest
                assert signal.getsignal(signum) not in (signal.SIG_DFL, signal.SIG_IGN)
            os.kill(os.getpid(), signal.SIGHUP)
            while not manager.running:
                await asyncio.sleep(0.01)
            for signum in (signal.SIGHUP, signal.SIGHUP, PASS_ON_SIGNAL, PASS_ON_SIGNAL):
                os.kill(os.getpid(), signum)
            for _ in range(10):  # the loop reads the signals while the reload waits
                await asyncio.sleep(0.01)
            assert len(manager.history) == 0
            gate.set()
            deadline = time.monotonic() + 120
            while len(manager.history) < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            while manager.running or (manager.server is not None and manager.server.running):
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # none piles up after them
            return [outcome.trigger for outcome in manager.history]

    try:
        triggers = asyncio.run(scenario())
    finally:
        processes.close()
    assert triggers[0] == "SIGHUP"
    assert Counter(triggers) == {"SIGHUP": 2, "passed on": 1}, triggers


@pytest.mark.slow
def test_sighup_reloads_a_live_server(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    first = publish(rel)
    with live_server(rel, tmp_path / "server.log", log_format="json") as server:
        assert httpx.get(server.url + "/ready", timeout=60).json()["release_id"] == first
        second = publish(rel, variant=1)
        server.signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        current = first
        while current != second and time.monotonic() < deadline:
            # the server keeps answering while the candidate is verified
            r = httpx.get(server.url + "/ready", timeout=5)
            assert r.status_code == 200
            current = r.json()["release_id"]
            time.sleep(0.05)
        assert current == second
        publish(rel, variant=2, conforming=False)
        server.signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while "failed, still serving" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert httpx.get(server.url + "/ready", timeout=60).json()["release_id"] == second
        lines = [json.loads(x) for x in server.log().splitlines() if x.startswith("{")]
        failure = [x for x in lines if "failed, still serving" in x["message"]]
        assert failure and failure[0]["level"] == "error"


def test_reload_signals_after_the_app_stopped_are_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Once the app's lifespan has ended (the server stopping: its sandbox pool stops, the
    process exits next), SIGHUP and a reload passed on are logged and ignored: their default
    action (the handlers were removed) ended the process."""
    rel = tmp_path / "rel"
    publish(rel)
    app = create_app(Settings(release=rel))
    state = app.state.pcf
    manager = state.services.releases
    processes = ServerProcesses.create(1, max_pending=2, sandbox_workers=1)
    processes.number = 1
    processes.serving(state.release.release_id)
    state.services.processes = processes  # one of several server processes: PASS_ON_SIGNAL
    pass_reloads_on(app, lambda: None)

    async def scenario() -> None:
        async with sighup_reloads(app):
            pass
        for signum in (signal.SIGHUP, PASS_ON_SIGNAL):  # else the signal would end pytest
            assert signal.getsignal(signum) not in (signal.SIG_DFL, signal.SIG_IGN)
            os.kill(os.getpid(), signum)
        deadline = time.monotonic() + 60
        while caplog.text.count("ignored: the server is stopping") < 2:
            assert time.monotonic() < deadline, caplog.text
            await asyncio.sleep(0.01)

    try:
        with caplog.at_level(logging.WARNING, logger="pcfgraph.serving"):
            asyncio.run(scenario())
    finally:
        processes.close()
    assert "SIGHUP (a reload) ignored" in caplog.text
    assert "SIGUSR1 (a reload passed on) ignored" in caplog.text
    assert len(manager.history) == 0  # no reload began
