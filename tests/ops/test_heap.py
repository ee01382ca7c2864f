"""The startup heap is frozen while the app serves (pcfgraph.heap) and given back to the
collector when the app stops or a reload replaces the release."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient
from ops_support import publish

from pcfgraph import heap
from pcfgraph.config import Settings
from pcfgraph.serving import create_app

TOKEN = "s3cret-token"


def test_startup_heap_frozen_while_serving_and_thawed_after(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel)
    app = create_app(Settings(release=rel))
    gc.unfreeze()
    with TestClient(app) as client:
        assert client.get("/ready").status_code == 200
        assert gc.get_freeze_count() > 1000  # the release, schema, app ... (not collected)
    assert gc.get_freeze_count() == 0


def test_a_reload_thaws_the_frozen_release(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    first = publish(rel)
    app = create_app(Settings(release=rel, admin_token=TOKEN))
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 0
        second = publish(rel, variant=2)
        r = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200 and r.json()["release_id"] == second != first
        assert gc.get_freeze_count() == 0  # the first release can be collected
        assert client.get("/ready").json()["release_id"] == second


def test_collections_paused_for_a_start_run_again_once_it_serves(tmp_path: Path) -> None:
    rel = tmp_path / "rel"
    publish(rel)
    heap.pause()  # as pcfgraph serve does first
    try:
        app = create_app(Settings(release=rel))
        assert not gc.isenabled()
        with TestClient(app) as client:
            assert client.get("/ready").status_code == 200
            assert gc.isenabled()  # the lifespan froze the startup heap and resumed them
    finally:
        gc.enable()
