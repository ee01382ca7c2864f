"""Upload size limits (issue 14 item 11): one setting, ``max_upload_bytes``, the same over HTTP
and in the CLI, separate from ``max_body_bytes`` (a 3.9 MB model used to be 422 over HTTP
although the CLI audited it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from audit_support import CONFORMING
from fastapi.testclient import TestClient

from pcfgraph.cli import main
from pcfgraph.cli.common import EXIT_BAD_INPUT, run_main
from pcfgraph.config import Settings
from pcfgraph.release import load_release
from pcfgraph.serving import create_app

# the reports are the subject, not the build of the audit's framework side (conftest.py)
pytestmark = pytest.mark.usefixtures("audit_context_per_release")

AS_OF = "2025-07-15"
SIZE = len(CONFORMING.read_bytes())


@pytest.fixture(scope="module")
def release_dir(framework_release_path: Path) -> Path:
    return framework_release_path


@contextmanager
def app_client(release_dir: Path, **settings: object) -> Iterator[TestClient]:
    app = create_app(Settings(query_workers=1, **settings), load_release(release_dir))  # type: ignore[arg-type]
    with TestClient(app) as client:
        yield client


def post_model(client: TestClient, multipart: bool = False) -> object:
    data = CONFORMING.read_bytes()
    if multipart:
        return client.post(
            f"/validate?asOf={AS_OF}", files={"file": (CONFORMING.name, data, "text/turtle")}
        )
    return client.post(
        f"/validate?asOf={AS_OF}", content=data, headers={"Content-Type": "text/turtle"}
    )


def cli_audit(release_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = run_main(
        main, ["audit", str(CONFORMING), "--release", str(release_dir), "--as-of", AS_OF]
    )
    return code, capsys.readouterr().err


def test_the_default_allows_20_mb_models_and_is_not_the_body_limit() -> None:
    defaults = Settings()
    assert defaults.max_upload_bytes >= 20_000_000
    assert defaults.max_upload_bytes > defaults.max_body_bytes


def test_uploads_over_the_body_limit_are_audited_under_the_upload_limit(
    release_dir: Path,
) -> None:
    with app_client(release_dir, max_body_bytes=SIZE // 2) as client:
        for multipart in (False, True):
            r = post_model(client, multipart)
            assert r.status_code == 200, r.text  # type: ignore[attr-defined]
        # Other request bodies keep the body limit.
        big = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * SIZE
        r = client.post(
            "/sparql", content=big, headers={"Content-Type": "application/sparql-query"}
        )
        assert r.status_code == 413
        assert "max_body_bytes" in r.json()["detail"]


def test_http_and_cli_draw_the_line_at_the_same_size_naming_the_setting(
    release_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with app_client(release_dir, max_upload_bytes=SIZE - 1) as client:
        for multipart in (False, True):
            r = post_model(client, multipart)
            assert r.status_code == 413, r.text  # type: ignore[attr-defined]
            assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
            assert "max_upload_bytes" in r.json()["detail"]  # type: ignore[attr-defined]
    monkeypatch.setenv("PCFGRAPH_MAX_UPLOAD_BYTES", str(SIZE - 1))
    code, err = cli_audit(release_dir, capsys)
    assert code == EXIT_BAD_INPUT
    assert "max_upload_bytes" in err

    with app_client(release_dir, max_upload_bytes=SIZE) as client:
        assert post_model(client).status_code == 200  # type: ignore[attr-defined]
    monkeypatch.setenv("PCFGRAPH_MAX_UPLOAD_BYTES", str(SIZE))
    code, err = cli_audit(release_dir, capsys)
    assert code == 0, err
