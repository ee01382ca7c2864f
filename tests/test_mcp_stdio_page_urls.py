"""The page URLs ``pcfgraph mcp`` (stdio) hands out, and the page base of the settings
(``/mcp``'s, where no request gives one). No request names an address there, so
they were ``http://{host}:{port}`` of the settings as written: with ``PCFGRAPH_HOST=0.0.0.0``
(every interface, as a container's environment sets it) ``http://0.0.0.0:8000/id/...``, a link
no browser opens, and with ``::`` ``http://:::8000/id/...``, no URL at all; and where the pages
are served elsewhere (a shared server, a proxy) there was no way to say so. ``public_url``
says where; unset, a wildcard host is the loopback address and an IPv6 address is bracketed."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from ops_support import publish

from pcfgraph.config import Settings
from pcfgraph.errors import InputError


@pytest.mark.parametrize(
    ("env", "base"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PCFGRAPH_HOST": "0.0.0.0", "PCFGRAPH_PORT": "9000"}, "http://127.0.0.1:9000"),
        ({"PCFGRAPH_HOST": "::"}, "http://[::1]:8000"),
        ({"PCFGRAPH_HOST": "fe80::1"}, "http://[fe80::1]:8000"),
        ({"PCFGRAPH_HOST": "pcf.internal"}, "http://pcf.internal:8000"),
        ({"PCFGRAPH_PUBLIC_URL": "https://fw.example.org/pcf/"}, "https://fw.example.org/pcf"),
        ({"PCFGRAPH_PUBLIC_URL": ""}, "http://127.0.0.1:8000"),
    ],
)
def test_the_page_base_of_the_settings(env: dict[str, str], base: str) -> None:
    assert Settings.from_env(env).page_base_url() == base


@pytest.mark.parametrize(
    "value", ["fw.example.org", "ftp://fw.example.org", "https://fw.example.org/?a=1", "http://"]
)
def test_a_public_url_that_is_no_base_url_is_refused_naming_the_variable(value: str) -> None:
    with pytest.raises(InputError, match="PCFGRAPH_PUBLIC_URL"):
        Settings.from_env({"PCFGRAPH_PUBLIC_URL": value})


def _urls(value: Any) -> list[str | None]:
    """Every ``url`` an answer holds, null ones too."""
    if isinstance(value, dict):
        found = [value["url"]] if "url" in value else []
        return found + [u for v in value.values() for u in _urls(v)]
    if isinstance(value, list):
        return [u for v in value for u in _urls(v)]
    return []


@pytest.mark.timeout(120)
def test_pcfgraph_mcp_hands_out_page_urls_only_where_pages_are_said_to_be(
    tmp_path: Path,
) -> None:
    """Without ``public_url`` no server of pages is known to run: the URLs were those of a
    ``pcfgraph serve`` with the same settings (``http://127.0.0.1:8000/id/...``), which an
    assistant handed its user as links that did not open unless such a server ran. They are
    null there (the ``iri`` is what to cite), and at ``public_url`` when it is set."""
    publish(tmp_path / "release")
    script = Path(sys.executable).parent / "pcfgraph"
    found: dict[str, list[str | None]] = {}
    outside = {k: v for k, v in os.environ.items() if k != "PCFGRAPH_PUBLIC_URL"}

    async def urls_with(env: dict[str, str]) -> list[str | None]:
        params = StdioServerParameters(
            command=str(script),
            args=["mcp", "--release", str(tmp_path / "release")],
            env={**outside, "PCFGRAPH_QUERY_WORKERS": "1", **env},
        )
        async with Client(params) as client:
            hits = await client.call_tool("search", {"text": "C2"})
            assert not hits.is_error, hits.content
            first = hits.structured_content["hits"][0]["iri"]
            element = await client.call_tool("get_element", {"element": first})
            assert not element.is_error, element.content
            return _urls([hits.structured_content, element.structured_content])

    async def main() -> None:
        found["unset"] = await urls_with({"PCFGRAPH_HOST": "::", "PCFGRAPH_PORT": "8123"})
        found["public"] = await urls_with({"PCFGRAPH_PUBLIC_URL": "https://fw.example.org/pcf/"})

    anyio.run(main)
    assert len(found["unset"]) == len(found["public"]) > 2
    assert found["unset"] == [None] * len(found["unset"])
    for url in found["public"]:
        assert url is not None and url.startswith("https://fw.example.org/pcf/id/"), url
        assert urlsplit(url).path.removeprefix("/pcf/id/"), url
