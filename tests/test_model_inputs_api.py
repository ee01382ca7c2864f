"""The model inputs over HTTP and the CLI: every format accepted by ``POST /validate`` and
``pcfgraph audit``, refusals as 422 / exit 2, the JSON-LD context and the template served."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_support import framework_store
from fastapi.testclient import TestClient

from pcfgraph.api.app import create_app
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.config import Settings
from pcfgraph.release import Release, load_release, write_release

NO_ORG = (
    b"@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    b"<https://example.org/c> a orgm:Customer .\n"
)


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "rel"
    write_release(framework_store(), out, {})
    return out


@pytest.fixture(scope="module")
def release(release_dir: Path) -> Release:
    return load_release(release_dir)


@pytest.fixture(scope="module")
def client(release: Release) -> Iterator[TestClient]:
    app = create_app(Settings(query_workers=1), release)
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("body", [b"", b"# nothing\n", NO_ORG], ids=["empty", "comment", "no-org"])
def test_model_without_organisation_is_422(client: TestClient, body: bytes) -> None:
    r = client.post("/validate", content=body, headers={"Content-Type": "text/turtle"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "the model describes no organisation" in r.json()["detail"]


def test_model_without_organisation_exits_2(
    release_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.ttl"
    path.write_bytes(NO_ORG)
    code = run_main(main, ["audit", str(path), "--release", str(release_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert "the model describes no organisation" in err


def test_jsonld_context_is_served(client: TestClient) -> None:
    r = client.get("/contexts/orgmodel.jsonld")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    ctx = json.loads(r.text)["@context"]
    assert ctx["orgm"] == "https://w3id.org/pcfgraph/orgmodel#"
    assert ctx["serves"] == {"@id": "orgm:serves", "@type": "@id"}
