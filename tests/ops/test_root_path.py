"""``pcfgraph serve --root-path /pcf`` behind a reverse proxy serving it at ``/pcf/`` (the
prefix stripped, as nginx's ``proxy_pass http://127.0.0.1:8000/;`` does): everything a client
is handed, links, assets, forms, redirects, ``Link`` headers, JSON ``href``s, the SPARQL
service description and the OpenAPI ``servers``, is under the prefix and answers through the
proxy. A real server and a real proxy (tests/proxy_support.py), no stand-ins."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from ops_support import ServeProcess, ops_release
from proxy_support import prefix_proxy

from pcfgraph.config import Settings
from pcfgraph.errors import InputError
from pcfgraph.release import write_release

PREFIX = "/pcf"
PUBLIC = "https://kb.example.org" + PREFIX
#: An attribute of the markup holding a path (text made from data is escaped: no false hits).
ATTRIBUTE = re.compile(r'\s(href|src|action|formaction|data-[a-z0-9-]+)="([^"]*)"')


class Prefixed(ServeProcess):
    serve_args = ("--http-workers", "1", "--root-path", PREFIX + "/")  # the slash is dropped


class Public(ServeProcess):
    serve_args = (*Prefixed.serve_args, "--public-url", PUBLIC + "/")


@pytest.fixture(scope="module")
def release_dir(shipped_release: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("root-path") / "release"
    write_release(shipped_release.store, out, shipped_release.manifest["sources"])
    return out


@pytest.fixture(scope="module")
def backend(release_dir: Path) -> Iterator[ServeProcess]:
    server = Prefixed(release_dir, release_dir.parent / "serve.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def proxied(backend: ServeProcess) -> Iterator[str]:
    with prefix_proxy(backend.port, PREFIX) as url:
        yield url


@pytest.fixture(scope="module")
def public(release_dir: Path) -> Iterator[str]:
    """``--public-url``: behind a proxy at ``PUBLIC`` that ends TLS (``X-Forwarded-Proto:
    https``) and passes the client's ``Host`` on."""
    server = Public(release_dir, release_dir.parent / "public.log").start()
    try:
        with prefix_proxy(server.port, PREFIX, proto="https") as url:
            yield url
    finally:
        server.stop()


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def paths_in(html: str) -> list[tuple[str, str]]:
    """(attribute, value) of every root-relative path in the page's markup."""
    return [
        (name, value.replace("&amp;", "&"))
        for name, value in ATTRIBUTE.findall(html)
        if value.startswith("/") and not value.startswith("//")
    ]


PAGES = [
    "/",
    "/frameworks/prm-it",
    "/id/prm-it/A24",
    "/search?q=service+level",
    "/matrix",
    "/sparql",
    "/audit",
    "/diff",
    "/shapes",
    "/mappings",
    "/graphql",
    "/docs",
    "/id/graph/ontology",
]


def test_every_path_a_page_hands_out_is_under_the_prefix_and_answers(proxied: str) -> None:
    base = origin(proxied)
    linked: set[str] = set()
    with httpx.Client(timeout=120, headers={"Accept": "text/html"}) as client:
        for page in PAGES:
            answer = client.get(proxied + page)
            assert answer.status_code == 200, page
            assert answer.headers["content-type"].startswith("text/html"), page
            found = paths_in(answer.text)
            assert found, page
            outside = [(n, v) for n, v in found if not v.startswith(PREFIX + "/")]
            assert outside == [], page
            linked |= {v.split("#")[0] for n, v in found if n in ("href", "src", "action")}
            # what the pages' scripts read: the prefix, and the endpoints they call
            if page == "/":
                assert 'data-root="/pcf/"' in answer.text
        assert {PREFIX + "/assets/app.css", PREFIX + "/graphql/assets/init.js"} <= linked
        assert PREFIX + "/docs/assets/init.js" in linked
        # the paths handed out answer through the proxy (downloads by HEAD): every asset,
        # and of the pages a few of each kind (by first segment), not the matrix's thousands
        kinds: dict[str, list[str]] = {}
        for path in sorted(linked):
            kinds.setdefault(path[len(PREFIX) :].split("/")[1].split("?")[0], []).append(path)
        assert {"assets", "id", "frameworks", "graphql", "docs"} <= set(kinds)
        checked = [
            p for kind, paths in kinds.items() for p in paths[: 50 if "assets" in kind else 4]
        ]
        for path in checked:
            answer = client.head(base + path) if "export" in path else client.get(base + path)
            assert answer.status_code == 200, path


def test_redirects_and_link_headers_are_under_the_prefix(proxied: str) -> None:
    base = origin(proxied)
    with httpx.Client(timeout=120) as client:
        moved = client.get(proxied + "/ontology", headers={"Accept": "text/turtle"})
        assert moved.status_code == 303
        assert moved.headers["location"] == PREFIX + "/id/graph/ontology"
        assert client.get(base + moved.headers["location"]).status_code == 200
        slash = client.get(proxied + "/search/", params={"q": "x"}, follow_redirects=False)
        assert slash.status_code == 307 and slash.headers["location"] == PREFIX + "/search?q=x"
        answers = [
            client.get(proxied + "/queries/api/element-by-code?framework=prm-it&code=A24"),
            client.get(proxied + "/sparql", params={"query": "ASK {}"}),
            client.get(proxied + "/id/prm-it/A24", headers={"Accept": "text/turtle"}),
        ]
        for answer in answers:
            assert answer.status_code == 200, answer.url
            targets = re.findall(r"<([^>]*)>", answer.headers["link"])
            assert PREFIX + "/licences" in targets, answer.url
            assert not [t for t in targets if t.startswith("/") and not t.startswith(PREFIX)]
        licences = client.get(base + PREFIX + "/licences", headers={"Accept": "application/json"})
        assert licences.status_code == 200


def test_api_descriptions_name_the_public_paths(proxied: str) -> None:
    base = origin(proxied)
    with httpx.Client(timeout=120) as client:
        listed = client.get(proxied + "/queries", headers={"Accept": "application/json"}).json()
        hrefs = {q["name"]: q["href"] for q in listed["queries"]}
        assert hrefs["api/element-by-code"] == PREFIX + "/queries/api/element-by-code"
        assert client.get(base + hrefs["api/frameworks"]).status_code == 200
        sets = client.get(proxied + "/mappings", headers={"Accept": "application/json"}).json()
        entry = sets["mappingSets"][0]
        assert entry["page"].startswith(PREFIX + "/id/")
        for path in [entry["page"], *entry["exports"].values()]:
            assert path.startswith(PREFIX + "/"), path
            assert client.get(base + path).status_code == 200, path
        servers = client.get(proxied + "/openapi.json").json()["servers"]
        assert servers == [{"url": PREFIX}]
        # /licences (every answer's Link target) and /shapes list pages too: they were the
        # bare /id/... and /shapes/... paths, the proxy's 404
        json_accept = {"Accept": "application/json"}
        listed = client.get(proxied + "/licences", headers=json_accept).json()
        pages = [f["page"] for f in listed["frameworks"]]
        pages += [f["noticePage"] for f in listed["frameworks"] if f["noticePage"]]
        rules = client.get(proxied + "/shapes", headers=json_accept).json()["rules"]
        pages += [r["page"] for r in rules[:3]]
        assert len(pages) > 5
        for path in pages:
            assert path.startswith(PREFIX + "/"), path
        for path in pages[:2] + pages[-2:]:
            assert client.get(base + path, headers={"Accept": "text/turtle"}).status_code == 200
        described = client.get(proxied + "/sparql", headers={"Accept": "application/n-triples"})
        endpoint = "<http://www.w3.org/ns/sparql-service-description#endpoint>"
        (line,) = [x for x in described.text.splitlines() if endpoint in x]
        assert f"<{proxied}/sparql>" in line
        # without public_url: the absolute URLs are the request's own address (its Host)
        void = client.get(
            proxied + "/.well-known/void", headers={"Accept": "application/n-triples"}
        )
        assert f"<{proxied}/sparql>" in void.text and f"<{proxied}/id/graph/" in void.text
        # the GraphQL endpoint itself, as GraphiQL's data-endpoint names it
        query = json.dumps({"query": "{ __typename }"})
        gql = client.post(
            base + PREFIX + "/graphql", content=query, headers={"Content-Type": "application/json"}
        )
        assert gql.status_code == 200 and gql.json()["data"] == {"__typename": "Query"}


def test_a_vocabulary_version_iri_redirects_under_the_prefix(proxied: str) -> None:
    """``/ontology/0.1.0`` (the ontology's ``owl:versionIRI``) took its vocabulary from the
    URL's path, whose first segment under a root path is the prefix: 404 "<.../pcf/0.1.0> is
    not the served version of <.../pcf>"."""
    base = origin(proxied)
    with httpx.Client(timeout=120) as client:
        moved = client.get(proxied + "/ontology/0.1.0", headers={"Accept": "text/turtle"})
        assert moved.status_code == 303, moved.text
        assert moved.headers["location"] == PREFIX + "/id/graph/ontology"
        assert client.get(base + moved.headers["location"]).status_code == 200
        assert client.get(proxied + "/ontology/9.9.9").status_code == 404


def test_a_proxy_that_keeps_the_prefix_is_answered_saying_so(backend: ServeProcess) -> None:
    """A proxy passing ``/pcf/x`` on as it came (nginx without the slash after the port):
    uvicorn puts the root path in front once more and every path was a bare 404 "Not
    Found", to an operator with the prefix set right. The 404 says what to change."""
    with (
        prefix_proxy(backend.port, PREFIX, keep=True) as url,
        httpx.Client(timeout=120) as client,
    ):
        for path, accept in (("/sparql", "application/json"), ("/", "text/html")):
            answer = client.get(url + path, headers={"Accept": accept})
            assert answer.status_code == 404, path
            said = f"passed the path on with its prefix {PREFIX}, which pcfgraph (root_path"
            assert said in answer.text, answer.text
            assert "slash after the port" in answer.text
        # a path no route has at all is the plain 404 still
        direct = client.get(backend.url + "/nothing-here", headers={"Accept": "application/json"})
        assert direct.status_code == 404 and "proxy" not in direct.text


def test_with_public_url_every_absolute_url_is_under_it(public: str) -> None:
    """Behind a proxy ending TLS at ``https://kb.example.org/pcf/``: the service description,
    the query base IRI, the VoID description and the OpenAPI ``servers`` named the request's
    ``Host`` (whatever a client sent: here a forged one) over the scheme uvicorn was told;
    with ``--public-url`` they are under it, and the pages' paths still under the prefix."""
    forged = {"Host": "evil.example"}
    base = origin(public)
    with httpx.Client(timeout=120, headers=forged) as client:
        servers = client.get(public + "/openapi.json").json()["servers"]
        assert servers == [{"url": PUBLIC}]
        endpoint = "<http://www.w3.org/ns/sparql-service-description#endpoint>"
        described = client.get(public + "/sparql", headers={"Accept": "application/n-triples"})
        (line,) = [x for x in described.text.splitlines() if endpoint in x]
        assert f"<{PUBLIC}/sparql>" in line
        query = "SELECT ?x WHERE { BIND(<other/thing> AS ?x) }"
        bound = client.get(public + "/sparql", params={"query": query}).json()
        assert bound["results"]["bindings"][0]["x"]["value"] == PUBLIC + "/other/thing"
        void = client.get(public + "/.well-known/void", headers={"Accept": "application/n-triples"})
        assert void.status_code == 200 and f"<{PUBLIC}/sparql>" in void.text
        assert f"<{PUBLIC}/id/graph/" in void.text
        page = client.get(public + "/", headers={"Accept": "text/html"})
        assert 'data-root="/pcf/"' in page.text
        for answer in (described, void, page):
            assert "evil.example" not in answer.text
        moved = client.get(public + "/ontology", headers={"Accept": "text/turtle"})
        assert moved.headers["location"] == PREFIX + "/id/graph/ontology"
        assert client.get(base + moved.headers["location"]).status_code == 200


@pytest.mark.parametrize(
    ("public_url", "root_path", "base"),
    [
        ("https://kb.example.org/pcf/", "/pcf", "https://kb.example.org/pcf"),
        ("https://kb.example.org", "/pcf", "https://kb.example.org/pcf"),
        ("https://kb.example.org/", "", "https://kb.example.org"),
        ("https://kb.example.org/pcf", "", "https://kb.example.org/pcf"),
        (None, "/pcf", None),
    ],
)
def test_public_url_is_the_root_of_the_absolute_urls(
    public_url: str | None, root_path: str, base: str | None
) -> None:
    """A ``public_url`` without a path is followed by the root path (an operator writing the
    proxy's host and the prefix apart); one with a path names the root itself."""
    from pcfgraph.http.public_url import public_base

    settings = Settings(public_url=public_url, root_path=root_path)
    assert settings.public_base_url() == base
    scope = {"headers": [(b"host", b"evil.example")], "scheme": "http", "root_path": root_path}
    assert public_base(scope, settings) == (base or "http://evil.example" + root_path)


def test_a_public_url_path_that_is_not_the_root_path_is_warned_of() -> None:
    """The absolute URLs would be under one path and the links under another: said at the
    start, not found by users one broken link at a time."""
    import logging

    from pcfgraph.http.public_url import root_path_mismatch
    from pcfgraph.serving import create_app

    assert root_path_mismatch(Settings(public_url=PUBLIC, root_path=PREFIX)) is None
    assert root_path_mismatch(Settings(public_url="https://kb.example.org")) is None
    said = root_path_mismatch(Settings(public_url=PUBLIC))
    assert said is not None and "names the path /pcf" in said and "no root_path" in said
    said = root_path_mismatch(Settings(public_url=PUBLIC, root_path="/other"))
    assert said is not None and "root_path /other" in said and "set root_path /pcf" in said
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("pcfgraph.serving")
    logger.addHandler(handler)
    try:
        create_app(Settings(public_url=PUBLIC), ops_release())
        create_app(Settings(public_url=PUBLIC, root_path=PREFIX), ops_release())
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records] == [said_of(Settings(public_url=PUBLIC))]


def said_of(settings: Settings) -> str | None:
    from pcfgraph.http.public_url import root_path_mismatch

    return root_path_mismatch(settings)


@pytest.mark.parametrize(
    ("given", "kept"),
    [("/pcf", "/pcf"), ("/pcf/", "/pcf"), ("/", ""), ("", ""), ("/a/b-c", "/a/b-c")],
)
def test_root_path_setting_is_normalised(given: str, kept: str) -> None:
    assert Settings.from_env({"PCFGRAPH_ROOT_PATH": given}).root_path == kept


@pytest.mark.parametrize(
    "bad", ["pcf", "/pcf?x=1", "/pcf#top", "//pcf", "/a//b", "/a/../b", "/p f"]
)
def test_a_root_path_that_is_no_path_prefix_is_refused_naming_it(bad: str) -> None:
    with pytest.raises(InputError, match=r"PCFGRAPH_ROOT_PATH.*no path prefix"):
        Settings.from_env({"PCFGRAPH_ROOT_PATH": bad})


def test_serve_passes_the_root_path_to_uvicorn() -> None:
    from pcfgraph.serving import uvicorn_options

    assert uvicorn_options(Settings(root_path="/pcf"))["root_path"] == "/pcf"
    assert uvicorn_options(Settings())["root_path"] == ""


def test_the_proxy_in_these_tests_strips_the_prefix(tmp_path: Path) -> None:
    """The proxy's own behaviour, so the tests above test the server, not it."""
    import http.server
    import threading

    seen: list[str] = []

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    backend = http.server.HTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=backend.handle_request, daemon=True)
    thread.start()
    with prefix_proxy(backend.server_address[1], PREFIX) as url:
        assert httpx.get(url + "/x?y=1", timeout=30).status_code == 200
        assert httpx.get(origin(url) + "/x", timeout=30).status_code == 404
    thread.join(timeout=10)
    backend.server_close()
    assert seen == ["/x?y=1"]


def test_uvicorn_factory_serves_under_the_root_path_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``uvicorn --factory pcfgraph.serving:app_from_env`` with ``PCFGRAPH_ROOT_PATH=/pcf``
    and no ``--root-path``: uvicorn does not read the variable, and the redirects, links and
    JSON paths left the prefix (``Location: /id/graph/ontology``) while the routes
    answered. A server given its own root path keeps it."""
    from starlette.testclient import TestClient

    from pcfgraph import serving

    monkeypatch.setattr(serving, "configure_logging", lambda settings: None)
    made = serving.create_app
    monkeypatch.setattr(serving, "create_app", lambda s, **kw: made(s, ops_release()))
    for key in [k for k in __import__("os").environ if k.startswith("PCFGRAPH_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PCFGRAPH_ROOT_PATH", PREFIX)
    factory = serving.app_from_env()
    client = TestClient(factory, base_url="http://kb.example.org")
    moved = client.get("/ontology", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == PREFIX + "/id/graph/ontology"
    (framework,) = client.get("/licences").json()["frameworks"]
    assert framework["page"] == PREFIX + "/id/framework/mini"
    kept = TestClient(factory, root_path="/elsewhere").get("/ontology", follow_redirects=False)
    assert kept.headers["location"] == "/elsewhere/id/graph/ontology"
    monkeypatch.delenv("PCFGRAPH_ROOT_PATH")
    plain = TestClient(serving.app_from_env()).get("/ontology", follow_redirects=False)
    assert plain.headers["location"] == "/id/graph/ontology"
