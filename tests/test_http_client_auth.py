"""A remote store behind HTTP Basic authentication (Fuseki's users, a proxy in front of
Neptune): its URL's user information is sent as ``Authorization: Basic``, and no message
shows the password. Before, ``http://user:password@host/query`` was taken as a host named
``user`` ("Name or service not known"), with the password in the error, the log and
``/ready``'s answer."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from pcfgraph.errors import StoreError
from pcfgraph.http_client import HttpClient, shown
from pcfgraph.remote_store import RemoteStore


@pytest.fixture
def server() -> Iterator[tuple[int, list[dict[str, str]]]]:
    """A loopback server that keeps each request's headers and answers 204."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers.items()))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_user_information_is_sent_as_basic_authorization(
    server: tuple[int, list[dict[str, str]]],
) -> None:
    port, seen = server
    client = HttpClient(timeout=10)
    try:
        answer = client.request("GET", f"http://reader:p%40ss:w@127.0.0.1:{port}/q")
        plain = client.request("GET", f"http://127.0.0.1:{port}/q")
    finally:
        client.close()
    assert answer.status == plain.status == 204
    token = base64.b64encode(b"reader:p@ss:w").decode()
    assert seen[0]["Authorization"] == f"Basic {token}"
    assert seen[0]["Host"] == f"127.0.0.1:{port}"  # no user information in the host
    assert "Authorization" not in seen[1]


def test_no_message_shows_the_password() -> None:
    assert shown("https://reader:s3cret@store.example/query") == (
        "https://reader:***@store.example/query"
    )
    assert shown("https://store.example/query") == "https://store.example/query"
    assert shown("https://reader@store.example/q") == "https://reader@store.example/q"
    store = RemoteStore("http://reader:s3cret@127.0.0.1:1/query", timeout=5)
    try:
        with pytest.raises(StoreError) as caught:
            store.manifest()  # nothing listens on port 1: refused
    finally:
        store.close()
    assert "s3cret" not in str(caught.value)
    assert "http://reader:***@127.0.0.1:1/query" in str(caught.value)
