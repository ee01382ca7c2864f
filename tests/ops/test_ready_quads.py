"""``/ready`` (and ``/metrics``) report the served release's quads, counted once per release
(a full scan of an on-disk store at every call before), and the new release's after a reload."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyoxigraph as ox
from fastapi.testclient import TestClient
from ops_support import publish

from pcfgraph.config import Settings
from pcfgraph.release import load_release
from pcfgraph.release_verify import verify_release
from pcfgraph.serving import create_app
from pcfgraph.store import EmbeddedStore

TOKEN = "s3cret-token"


class CountingStore(EmbeddedStore):
    """The release's store, counting how often it is asked for its number of quads."""

    def __init__(self, store: ox.Store, *, on_disk: bool) -> None:
        super().__init__(store, on_disk=on_disk)
        self.counted = 0

    def __len__(self) -> int:
        self.counted += 1
        return super().__len__()


def real_count(rel: Path) -> int:
    """The quads of the release published at ``rel``, scanned (not ``len``)."""
    store = load_release(rel).store.store
    return sum(1 for _ in store.quads_for_pattern(None, None, None, None))


def test_ready_reports_the_real_count_and_the_new_one_after_a_reload(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    first = publish(rel)
    client = TestClient(create_app(Settings(release=rel, admin_token=TOKEN)))
    before = real_count(rel)
    ready = client.get("/ready").json()
    assert ready == {"status": "ready", "release_id": first, "quads": before, "workers": "none"}
    second = publish(rel, variant=2)
    after = real_count(rel)
    assert after != before
    r = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    ready = client.get("/ready").json()
    assert ready == {"status": "ready", "release_id": second, "quads": after, "workers": "none"}
    assert f"pcfgraph_release_quads {float(after)}" in client.get("/metrics").text


def test_a_second_ready_does_not_count_the_store_again(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel)
    loaded = verify_release(load_release(rel))
    store = CountingStore(loaded.store.store, on_disk=loaded.store.on_disk)
    client = TestClient(create_app(Settings(release=rel), dataclasses.replace(loaded, store=store)))
    assert client.get("/ready").json()["quads"] == real_count(rel)
    counted = store.counted
    assert counted >= 1  # the wrapper sees the count (else the next assertion proves nothing)
    assert client.get("/ready").json()["quads"] == real_count(rel)
    assert "pcfgraph_release_quads" in client.get("/metrics").text
    assert store.counted == counted
