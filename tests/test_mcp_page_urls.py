"""The page URLs of MCP answers at ``/mcp`` are where the client reached the server. They were
built from the address it is bound to: ``pcfgraph serve --host 0.0.0.0`` (every interface, as
in a container) answered ``http://0.0.0.0:8000/id/...``, a link no client can open, and a
server behind a proxy named its own address, not the proxy's."""

from __future__ import annotations

from typing import Any

import pytest
from mcp_support import MCP_ACCEPT, tool_call
from ops_support import ops_release

from pcfgraph.config import Settings


def urls(value: Any) -> list[str]:
    """Every ``url`` in an answer."""
    if isinstance(value, dict):
        found = [value["url"]] if isinstance(value.get("url"), str) else []
        return found + [u for v in value.values() for u in urls(v)]
    if isinstance(value, list):
        return [u for v in value for u in urls(v)]
    return []


@pytest.mark.timeout(120)
def test_page_urls_name_the_address_the_request_came_to() -> None:
    from fastapi.testclient import TestClient

    from pcfgraph.serving import create_app

    headers = {"Accept": MCP_ACCEPT, "Content-Type": "application/json"}
    for base in ("http://pcf.example.org:8080", "https://frameworks.example.com"):
        app = create_app(Settings(host="0.0.0.0", port=8000), ops_release())
        with TestClient(app, base_url=base) as http:
            framework = http.post(
                "/mcp", json=tool_call("search", {"text": "C2"}), headers=headers
            ).json()
            answers = [framework]
            hits = framework["result"]["structuredContent"]["hits"]
            assert hits, framework
            element = hits[0]["iri"]
            for tool, args in (
                ("get_element", {"element": element}),
                ("element_history", {"element": element}),
                ("get_mappings", {"element": element}),
                ("find_gaps", {"framework": hits[0]["framework"]}),
            ):
                reply = http.post("/mcp", json=tool_call(tool, args), headers=headers).json()
                assert "result" in reply, (tool, reply)
                answers.append(reply)
            found = urls([a["result"]["structuredContent"] for a in answers])
            assert found
            assert all(u.startswith(f"{base}/id/") for u in found), (base, found[:3])


@pytest.mark.timeout(120)
def test_with_public_url_page_urls_are_under_it_and_its_host_is_answered() -> None:
    """Behind a reverse proxy at ``https://kb.example.org/pcf/`` in front of a server bound to
    this machine (the default), ``/mcp`` refused the public name the proxy passes on in
    ``Host`` (421: only loopback names) and the page URLs named whatever ``Host`` came.
    With ``public_url`` its host and origin are answered and every page URL is under it."""
    from fastapi.testclient import TestClient

    from pcfgraph.serving import create_app

    public = "https://kb.example.org/pcf"
    headers = {"Accept": MCP_ACCEPT, "Content-Type": "application/json"}
    app = create_app(Settings(public_url=public), ops_release())
    with TestClient(app, base_url="http://127.0.0.1:8000") as http:
        for extra in (
            {"Host": "kb.example.org"},
            {"Host": "kb.example.org", "Origin": "https://kb.example.org"},
            {"Host": "127.0.0.1:8000", "X-Forwarded-Proto": "http"},
        ):
            reply = http.post(
                "/mcp", json=tool_call("search", {"text": "C2"}), headers={**headers, **extra}
            )
            assert reply.status_code == 200, (extra, reply.text)
            found = urls(reply.json()["result"]["structuredContent"])
            assert found and all(u.startswith(f"{public}/id/") for u in found), found[:3]
        # another site's origin, and a name that is neither, are still refused
        for extra, status in (
            ({"Host": "kb.example.org", "Origin": "https://evil.example"}, 403),
            ({"Host": "evil.example"}, 421),
        ):
            reply = http.post(
                "/mcp", json=tool_call("search", {"text": "C2"}), headers={**headers, **extra}
            )
            assert reply.status_code == status, (extra, reply.text)
