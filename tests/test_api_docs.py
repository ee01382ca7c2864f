"""``/docs``: Swagger UI on the OpenAPI description, served from the package with nothing from a
CDN (FastAPI's own page loads it from cdn.jsdelivr.net, which the server's policy refuses and an
offline machine cannot reach); ``/redoc`` leads to it. The page running in a real browser under
the policy is tests/web/test_csp_browser.py."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from gql_support import Client, graphql_release

from pcfgraph.api.api_docs import static_dir


@pytest.fixture(scope="module")
def api() -> Client:
    return Client(graphql_release(1))


def test_docs_page_and_every_asset_it_loads_are_served_here(api: Client) -> None:
    r = api.http.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>" not in r.text  # no inline script: the policy would refuse it
    assert "//" not in re.sub(r"<!doctype html>", "", r.text, flags=re.I)  # no other host
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert {a for a in assets if a.startswith("/")} == {
        "/docs/assets/swagger-ui.css",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/init.js",
    }
    for url in assets:
        if url.startswith("data:"):
            continue
        got = api.http.get(url)
        assert got.status_code == 200 and len(got.content) > 100, url
        kind = "text/css" if url.endswith(".css") else "text/javascript"
        assert got.headers["content-type"].startswith(kind), url
    (described,) = re.findall(r'data-openapi="([^"]+)"', r.text)
    spec = api.http.get(described)
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.")
    assert "/sparql" in spec.json()["paths"]


def test_docs_never_sends_the_description_to_the_online_validator(api: Client) -> None:
    # Swagger UI's default posts the description to validator.swagger.io for a badge
    init = api.http.get("/docs/assets/init.js").text
    assert re.search(r"\bvalidatorUrl:\s*null\b", init)


def test_fastapis_cdn_pages_are_gone_and_redoc_leads_to_docs(api: Client) -> None:
    r = api.http.get("/redoc", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/docs"
    assert "cdn" not in api.http.get("/docs").text.lower()
    paths = api.http.get("/openapi.json").json()["paths"]
    assert not {"/docs", "/redoc"} & set(paths)  # pages, not API operations


def test_unknown_asset_is_a_problem_404(api: Client) -> None:
    r = api.http.get("/docs/assets/nope.js")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_vendored_files_are_the_ones_the_readme_lists() -> None:
    readme = (static_dir() / "README.md").read_text(encoding="utf-8")
    listed = dict(
        (name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)
    )
    assert set(listed) == {"swagger-ui-bundle.js", "swagger-ui.css"}
    for name, digest in listed.items():
        data = Path(static_dir() / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name
    assert (static_dir() / "licenses" / "swagger-ui-LICENSE").is_file()
