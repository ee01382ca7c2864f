"""``/mcp`` bounds a request body by the rule ``pcfgraph mcp`` bounds a message line by
(:func:`pcfgraph.mcp.limits.message_limit`: six times ``max_upload_bytes`` and 64 KiB), against
a live server through the MCP SDK's own Streamable HTTP client. It was ``max_body_bytes``:
an assistant over HTTP could not audit a model ``POST /validate`` and stdio accepted (the
SDK's plain-text 413 "Request body too large", naming no setting). Every other bound stays:
the ``sparql`` tool's ``query`` and the other routes' bodies keep ``max_body_bytes``; a
body past the limit is 413 as a JSON-RPC error naming the setting, read no further, and the
server goes on answering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_support import INITIALIZE, MCP_ACCEPT, tool_call

from pcfgraph.config import Settings
from pcfgraph.mcp.limits import message_limit

from .conftest import own_server

UPLOAD = 256 * 1024
#: The body limit of every route but the uploads' (and now ``/mcp``'s): far below a model.
BODY = 16 * 1024
SETTINGS: dict[str, object] = {
    "query_workers": 1,
    "max_upload_bytes": UPLOAD,
    "max_body_bytes": BODY,
    # not the default 30 s: no test here is about the audit deadline, and at load 6-12 (its
    # sandbox worker at the lowest priority) an audit of a model at the limit ran past 30 s
    # and answered "did not finish within the 30 s deadline" instead of its verdict
    "validate_timeout": 600.0,
}
#: Client-side bound of the plain HTTP requests (httpx's default is 5 s): a hung test, not a
#: bound on the server.
WAIT = 600.0
LIMIT = message_limit(Settings(max_upload_bytes=UPLOAD, max_body_bytes=BODY))
#: A small organisational model to audit.
MODEL = (
    "@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
    "<https://example.org/it> a orgm:Organisation .\n"
)
HEADERS = {"Accept": MCP_ACCEPT, "Content-Type": "application/json"}


def padded(size: int) -> str:
    """:data:`MODEL` and a comment of quotes, ``size`` bytes long: JSON doubles a quote, so
    the model's call is about twice its size."""
    return MODEL + "#" + '"' * (size - len(MODEL) - 2) + "\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with own_server(tmp_path_factory.mktemp("mcp-body"), SETTINGS) as srv:
        yield srv


def sdk_call(url: str, tool: str, arguments: dict[str, Any]) -> Any:
    """``tools/call`` through the MCP SDK's Streamable HTTP client: its result, or the
    :class:`MCPError` it raised (the JSON-RPC error)."""

    async def main() -> Any:
        async with Client(url + "/mcp") as client:
            try:
                return await client.call_tool(tool, arguments)
            except MCPError as error:
                return error

    return anyio.run(main)


def sdk_error(url: str, tool: str, arguments: dict[str, Any]) -> str:
    """The text of the tool execution error (``isError``) of a call with a bad argument."""
    result = sdk_call(url, tool, arguments)
    assert not isinstance(result, MCPError) and result.is_error, result
    [content] = result.content
    text: str = content.text
    return text


def test_an_audit_of_a_model_at_the_upload_limit_runs_over_http(server: Any) -> None:
    model = padded(UPLOAD)
    assert len(model.encode()) == UPLOAD
    assert len(json.dumps(tool_call("audit_model", {"model": model}))) > 2 * UPLOAD
    result = sdk_call(server.url, "audit_model", {"model": model})
    assert not result.is_error, result.content
    assert result.structured_content["verdict"] in {"conforms", "findings"}  # the schema's enum
    # POST /validate takes the same model
    r = httpx.post(
        server.url + "/validate",
        content=model.encode(),
        headers={"Content-Type": "text/turtle"},
        timeout=WAIT,
    )
    assert r.status_code in (200, 422), r.text
    assert r.json().get("code") != "payload-too-large"


def test_a_model_at_the_limit_that_json_escapes_sixfold_runs_over_http(server: Any) -> None:
    """JSON escapes a control character as ``\\u0001``: 6 bytes for 1. A model of
    ``max_upload_bytes`` of them in a Turtle comment was refused as a body over twice
    ``max_upload_bytes`` (413) though the model is within the limit; the limit is now the
    longest escape, and the model itself is what ``max_upload_bytes`` judges."""
    model = MODEL + "#" + "\x01" * (UPLOAD - len(MODEL) - 2) + "\n"
    assert len(model.encode()) == UPLOAD
    body = json.dumps(tool_call("audit_model", {"model": model}))
    assert 5 * UPLOAD < len(body) <= LIMIT
    result = sdk_call(server.url, "audit_model", {"model": model})
    assert not isinstance(result, MCPError) and not result.is_error, result
    assert result.structured_content["verdict"] in {"conforms", "findings"}
    longer = sdk_error(server.url, "audit_model", {"model": model + "\x01"})
    assert "argument 'model'" in longer and "max_upload_bytes" in longer, longer


def test_one_byte_more_of_model_is_refused_naming_max_upload_bytes(server: Any) -> None:
    refused = sdk_error(server.url, "audit_model", {"model": padded(UPLOAD + 1)})
    assert "argument 'model'" in refused and "max_upload_bytes" in refused, refused


def assert_too_large(r: httpx.Response) -> None:
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["id"] is None and body["error"]["code"] == -32600, body
    assert f"more than {LIMIT} bytes" in body["error"]["message"]
    assert f"max_upload_bytes, {UPLOAD}" in body["error"]["message"]
    assert body["error"]["data"]["code"] == "payload-too-large"


def test_a_body_past_the_limit_is_413_naming_the_setting_and_the_server_goes_on(
    server: Any,
) -> None:
    over = json.dumps(tool_call("search", {"text": "x" * LIMIT})).encode()

    def streamed() -> Iterator[bytes]:  # no Content-Length: counted as it comes
        for at in range(0, len(over), 8192):
            yield over[at : at + 8192]

    with httpx.Client(base_url=server.url, timeout=WAIT) as client:
        assert client.post("/mcp", json=INITIALIZE, headers=HEADERS).status_code == 200
        assert_too_large(client.post("/mcp", content=over, headers=HEADERS))
        assert_too_large(client.post("/mcp", content=streamed(), headers=HEADERS))
        again = client.post("/mcp", json=tool_call("search", {"text": "C2"}), headers=HEADERS)
        assert again.status_code == 200, again.text
        assert "result" in again.json(), again.text


def test_the_other_bounds_stay(server: Any) -> None:
    query = "ASK { ?s ?p ?o } #" + "x" * BODY
    refused = sdk_error(server.url, "sparql", {"query": query})
    assert "argument 'query'" in refused and f"larger than {BODY} bytes" in refused, refused
    r = httpx.post(
        server.url + "/sparql",
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=WAIT,
    )
    assert r.status_code == 413 and "max_body_bytes" in r.json()["detail"], r.text
