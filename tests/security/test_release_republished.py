"""The sandbox workers load only the graph the server verified: a release directory published
again between a reload's verification of it and the link the workers load (the workers parse
it leniently, trusting the check) is not linked; the workers get the verified release."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from ops_support import publish

from pcfgraph.config import Settings
from pcfgraph.release import Release
from pcfgraph.sandbox.release_data import ReleaseData
from pcfgraph.serving import create_app

TOKEN = "sec-token"


def quads_of(path: Path) -> set[ox.Quad]:
    return set(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


def test_a_release_republished_during_a_reload_never_reaches_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rel = tmp_path / "rel"
    first = publish(rel)
    link = ReleaseData.write
    republished: list[set[ox.Quad]] = []

    def republish_then_link(
        data: ReleaseData, release: Release, generation: int, current: int
    ) -> None:
        # between the reload's verification of the candidate and the pool's link to its file
        if generation > 0 and not republished:
            publish(rel, variant=3)
            republished.append(quads_of(rel / "graph.nq"))
        link(data, release, generation, current)

    monkeypatch.setattr(ReleaseData, "write", republish_then_link)
    app = create_app(Settings(release=rel, admin_token=TOKEN, query_workers=2))
    with TestClient(app) as client:
        assert client.get("/ready").json()["workers"] == "up"
        second = publish(rel, variant=2)
        r = client.post("/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200, r.text
        assert r.json()["release_id"] == second != first
        ready = client.get("/ready").json()
        assert ready["release_id"] == second and ready["workers"] == "up"
        state, pool = app.state.pcf, app.state.pcf.pool
        assert pool is not None and republished
        loaded = quads_of(pool.data_file)
        assert loaded == set(state.release.store.store)  # the verified, served release
        assert loaded != republished[0]
