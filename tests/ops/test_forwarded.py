"""Behind a reverse proxy that passes its upstream's address in ``Host`` and the public one in
``X-Forwarded-Host`` (Apache's ``ProxyPass``, nginx's default ``Host``), without
``public_url``: the absolute URLs ``pcfgraph serve`` writes name the public host, as the
proxy states it, and only a trusted proxy's word is taken (``forwarded_allow_ips``).

The server is what ``pcfgraph serve`` runs (:func:`pcfgraph.serving.served_app` under
:func:`~pcfgraph.serving.uvicorn_options`, its HTTP protocol and fast path), in this process;
that the fast path hands such a request on is ``tests/test_http_fast_path.py``'s
("forwarded-host")."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from proxy_support import prefix_proxy
from sparql_support import fixture_release

from pcfgraph.config import Settings
from pcfgraph.errors import InputError
from pcfgraph.http.forwarded import ForwardedHeaders, forwarded_host

PREFIX = "/pcf"
PUBLIC_HOST = "kb.example.org"
ENDPOINT = "<http://www.w3.org/ns/sparql-service-description#endpoint>"
#: A query whose answer names its base IRI (the request's address: no public_url here).
BASE_QUERY = "SELECT ?x WHERE { BIND(<other/thing> AS ?x) }"


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """``pcfgraph serve``'s app and uvicorn options on a free loopback port; its base URL."""
    from pcfgraph.serving import create_app, served_app, uvicorn_options

    app = create_app(settings, fixture_release())
    options = uvicorn_options(settings)
    for name in ("host", "port"):
        options.pop(name)
    options["log_level"] = "warning"
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(served_app(app, settings), lifespan="on", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


@pytest.fixture(scope="module")
def prefixed() -> Iterator[str]:
    with serving(Settings(root_path=PREFIX, query_workers=1, http_workers=1)) as url:
        yield url


def bound(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text
    value: str = answer.json()["results"]["bindings"][0]["x"]["value"]
    return value


def test_behind_a_proxy_passing_its_upstream_in_host_the_urls_name_the_public_host(
    prefixed: str,
) -> None:
    """The service description, the VoID description and a query's base IRI named the
    proxy's upstream (``http://127.0.0.1:PORT/pcf/...``, over the proxy's scheme)."""
    port = int(prefixed.rsplit(":", 1)[1])
    public = f"https://{PUBLIC_HOST}{PREFIX}"
    with (
        prefix_proxy(port, PREFIX, proto="https", upstream_host=True) as url,
        httpx.Client(timeout=120, headers={"Host": PUBLIC_HOST}) as client,
    ):
        described = client.get(url + "/sparql", headers={"Accept": "application/n-triples"})
        (line,) = [x for x in described.text.splitlines() if ENDPOINT in x]
        assert f"<{public}/sparql>" in line
        void = client.get(url + "/.well-known/void", headers={"Accept": "application/n-triples"})
        assert void.status_code == 200 and f"<{public}/sparql>" in void.text
        assert "127.0.0.1" not in void.text
        assert bound(client.get(url + "/sparql", params={"query": BASE_QUERY})) == (
            public + "/other/thing"
        )


def scope_after(layer_trusts: list[str], client: str, headers: list[tuple[bytes, bytes]]) -> Any:
    """The scope the app gets from :class:`ForwardedHeaders` trusting ``layer_trusts``."""
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    scope = {
        "type": "http",
        "scheme": "http",
        "client": (client, 50000),
        "headers": [(b"host", b"127.0.0.1:8000"), *headers],
    }
    asyncio.run(ForwardedHeaders(app, layer_trusts)(scope, None, None))  # type: ignore[arg-type]
    return seen[0]


def host_of(scope: Any) -> bytes:
    (host,) = [v for k, v in scope["headers"] if k == b"host"]
    return bytes(host)


FORWARDED = [
    (b"x-forwarded-host", b"kb.example.org"),
    (b"x-forwarded-proto", b"https"),
    (b"x-forwarded-for", b"203.0.113.9"),
]


def test_a_peer_that_is_no_trusted_proxy_names_no_host_scheme_or_client() -> None:
    """Anyone could send these headers: from a peer outside ``forwarded_allow_ips`` they
    would name a host of the client's choice in answers a cache keeps for everyone."""
    scope = scope_after(["10.0.0.0/8"], "192.0.2.7", FORWARDED)
    assert host_of(scope) == b"127.0.0.1:8000"
    assert scope["scheme"] == "http" and scope["client"] == ("192.0.2.7", 50000)
    scope = scope_after(["10.0.0.0/8"], "10.1.2.3", FORWARDED)
    assert host_of(scope) == b"kb.example.org"
    assert scope["scheme"] == "https" and scope["client"] == ("203.0.113.9", 0)


@pytest.mark.parametrize(
    ("values", "host"),
    [
        ([b"kb.example.org:8443"], b"kb.example.org:8443"),
        ([b"[2001:db8::1]:8443"], b"[2001:db8::1]:8443"),
        # appended by each proxy: the last is the one the proxy next to pcfgraph set
        ([b"spoofed.example, kb.example.org"], b"kb.example.org"),
        ([b"spoofed.example", b"kb.example.org"], b"kb.example.org"),
        # no host: the request's own Host stays
        ([b"kb.example.org/evil"], b"127.0.0.1:8000"),
        ([b"kb example.org"], b"127.0.0.1:8000"),
        ([b"a@b"], b"127.0.0.1:8000"),
        ([b""], b"127.0.0.1:8000"),
    ],
)
def test_the_forwarded_host_is_the_last_value_when_it_is_a_host(
    values: list[bytes], host: bytes
) -> None:
    headers = [(b"x-forwarded-host", v) for v in values]
    assert host_of(scope_after(["127.0.0.1"], "127.0.0.1", headers)) == host
    assert forwarded_host([]) is None


def test_forwarded_allow_ips_setting() -> None:
    """The addresses and networks, ``*``; uvicorn's own variable still read when pcfgraph's
    is not set (it was what ``pcfgraph serve`` read); anything else refused naming it."""
    assert Settings().forwarded_allow_ips == ("127.0.0.1", "::1")
    env = {"PCFGRAPH_FORWARDED_ALLOW_IPS": "10.0.0.5, 10.1.0.0/16,*"}
    assert Settings.from_env(env).forwarded_allow_ips == ("10.0.0.5", "10.1.0.0/16", "*")
    assert Settings.from_env({"PCFGRAPH_FORWARDED_ALLOW_IPS": ""}).forwarded_allow_ips == ()
    assert Settings.from_env({"FORWARDED_ALLOW_IPS": "10.0.0.7"}).forwarded_allow_ips == (
        "10.0.0.7",
    )
    both = {"FORWARDED_ALLOW_IPS": "10.0.0.7", "PCFGRAPH_FORWARDED_ALLOW_IPS": "10.0.0.8"}
    assert Settings.from_env(both).forwarded_allow_ips == ("10.0.0.8",)
    with pytest.raises(InputError, match=r"FORWARDED_ALLOW_IPS='proxy.local'.*no IP address"):
        Settings.from_env({"FORWARDED_ALLOW_IPS": "proxy.local"})
    with pytest.raises(InputError, match=r"PCFGRAPH_FORWARDED_ALLOW_IPS=.*'10.0.0.300'"):
        Settings.from_env({"PCFGRAPH_FORWARDED_ALLOW_IPS": "10.0.0.300"})


def test_serve_hands_uvicorn_the_app_behind_the_layer() -> None:
    """uvicorn's own layer is off (it would read the headers first, and not the host)."""
    from pcfgraph.serving import create_app, served_app, uvicorn_options

    settings = Settings(forwarded_allow_ips=("10.0.0.0/8",))
    assert uvicorn_options(settings)["proxy_headers"] is False
    served = served_app(create_app(settings, fixture_release()), settings).app
    assert isinstance(served, ForwardedHeaders)  # inside the start-up failure's report
    assert "10.2.3.4" in served.trusted_hosts and "127.0.0.1" not in served.trusted_hosts


def test_a_trusted_proxys_prefix_that_is_not_root_path_is_warned_of_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Traefik's ``StripPrefix`` states the prefix it stripped in ``X-Forwarded-Prefix``,
    which is not read: without ``root_path`` every link left the prefix and nothing said why.
    The warning names the setting; it comes once, only from a trusted proxy, and not when
    the prefix is ``root_path``."""
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    layer = ForwardedHeaders(app, ["10.0.0.0/8"])

    def request(client: str, prefix: bytes, root: str = "") -> None:
        scope = {
            "type": "http",
            "scheme": "http",
            "root_path": root,
            "client": (client, 50000),
            "headers": [(b"host", b"kb.example.org"), (b"x-forwarded-prefix", prefix)],
        }
        asyncio.run(layer(scope, None, None))  # type: ignore[arg-type]

    def warned() -> list[str]:
        return [r.getMessage() for r in caplog.records if "X-Forwarded-Prefix" in r.getMessage()]

    with caplog.at_level("WARNING", logger="pcfgraph.http.forwarded"):
        request("192.0.2.7", b"/elsewhere")  # no trusted proxy: not its word
        request("10.0.0.5", b"/pcf/", root="/pcf")  # the prefix served under
        request("10.0.0.5", b"/", root="")
        assert warned() == []
        request("10.0.0.5", b"/pcf")
        request("10.0.0.5", b"/pcf/")
        (message,) = warned()
        assert "'/pcf'" in message and "no root_path" in message
        assert "set root_path /pcf" in message and "10.0.0.5" in message
        request("10.0.0.5", b"/kb", root="/pcf")
        assert "root_path /pcf:" in warned()[-1] and len(warned()) == 2
    assert len(seen) == 6  # every request passed on
