"""The floor of a Python SPARQL endpoint: pyoxigraph behind uvicorn with nothing else.

A benchmark reference (``bench/sparql_bench.py --bare-reference``), never a product: the same
N-Quads in an in-memory ``pyoxigraph.Store``, ``GET``/``POST /sparql`` answered with
``Store.query`` (the union of the graphs as default graph, as ``oxigraph serve
--union-default-graph``) and the result's own serializer for the asked media type. No guard,
limits, sandbox, request id, access log, metrics or problem+json: what pcfgraph costs above
this is what its safety and contracts cost plus what is ours to cut. Served by uvicorn with
httptools (as ``pcfgraph serve``), access log off::

    python bench/bare_pyoxigraph_app.py graph.nq PORT
"""

from __future__ import annotations

import sys
import urllib.parse
from typing import Any

import pyoxigraph as ox

RESULTS = {  # Accept -> serializer format, first match wins; JSON / Turtle otherwise
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPHS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def make_app(store: ox.Store) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])
        accept = headers.get(b"accept", b"").decode("latin-1")
        query = urllib.parse.parse_qs(scope["query_string"].decode("latin-1")).get("query", [""])[0]
        if scope["method"] == "POST":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            if headers.get(b"content-type", b"").startswith(b"application/sparql-query"):
                query = body.decode("utf-8")
            else:
                query = urllib.parse.parse_qs(body.decode("utf-8")).get("query", [""])[0]
        try:
            result = store.query(query, use_default_graph_as_union=True)
        except SyntaxError as exc:
            status, media, payload = 400, "text/plain", str(exc).encode()
        else:
            if isinstance(result, ox.QueryTriples):
                fmt = next((f for m, f in GRAPHS.items() if m in accept), ox.RdfFormat.TURTLE)
            else:
                fmt = next(
                    (f for m, f in RESULTS.items() if m in accept), ox.QueryResultsFormat.JSON
                )
            status, media, payload = 200, fmt.media_type, result.serialize(format=fmt)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", media.encode()),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    return app


def main() -> None:
    import uvicorn

    store = ox.Store()
    store.load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)
    uvicorn.run(
        make_app(store),
        host="127.0.0.1",
        port=int(sys.argv[2]),
        http="httptools",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
