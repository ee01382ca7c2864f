"""CPU per ``GET /sparql`` request in pcfgraph's HTTP protocol, the fast path on and off.

In one process, without sockets: the app of the default graph (its response cache off, as the
headline bench runs it; its lifespan started: the sandbox pool, the in-process statistics)
behind :class:`pcfgraph.api.http_protocol.GuardedHttpToolsProtocol` on uvloop, fed raw request
bytes by a transport that keeps what is written. Each request is fed, then the event loop runs
until its response was written (the ASGI way: its task's turn; the fast path: already). What
is timed is the server's own work per request (parse, app, response bytes, uvicorn's
bookkeeping, the access line to /dev/null), not the socket's system calls or the client's.
Best of ``--rounds`` blocks of ``--requests``, the two ways alternating::

    python bench/sparql_bench_protocol.py [--only ask-empty children] [--rounds 9] [--post]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import uvloop
from uvicorn.config import Config
from uvicorn.server import ServerState

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"


class KeptTransport:
    """What uvicorn's protocol needs of a transport; keeps the bytes written."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_write_buffer_limits(self, *args: Any) -> None:
        pass


def protocol(app: Any, fast: bool) -> tuple[Any, KeptTransport]:
    from pcfgraph.api.http_protocol import GuardedHttpToolsProtocol

    config = Config(app, access_log=False, log_config=None, proxy_headers=True)
    config.load()
    proto = GuardedHttpToolsProtocol(config, ServerState(), {}, asyncio.get_running_loop())
    if not fast:  # as with http_fast_path off
        proto._fast_known, proto._fast = True, None
    transport = KeptTransport()
    proto.connection_made(transport)  # type: ignore[arg-type]
    return proto, transport


async def block(proto: Any, transport: KeptTransport, request: bytes, n: int) -> float:
    """CPU seconds of this process for ``n`` requests, each answered before the next."""
    written = transport.written
    started = time.process_time()
    for _ in range(n):
        proto.data_received(request)
        while not written:
            await asyncio.sleep(0)
        written.clear()
    return time.process_time() - started


async def measure(args: argparse.Namespace) -> None:
    import sparql_bench as sb

    from pcfgraph.api.ops import configure_logging
    from pcfgraph.config import Settings
    from pcfgraph.serving import create_app
    from pcfgraph.store import EmbeddedStore

    nquads, label = sb.load_data(argparse.Namespace(data="default", release=None))
    store = EmbeddedStore.from_nquads(nquads)
    texts = sb.query_texts(sb.pick_parameters(store, "customer"))
    from pcfgraph.release import Release, canonical_nquads, make_manifest

    manifest = make_manifest(store, canonical_nquads(store), {})
    release = Release(store=store, manifest=manifest, path=None)
    settings = Settings(sparql_cache_mb=0, max_result_rows=10_000_000, query_timeout=300)
    with open(os.devnull, "w") as devnull:
        configure_logging(settings, devnull)  # the access line written as `pcfgraph serve` does
        app = create_app(settings, release)
        async with app.router.lifespan_context(app):
            ways = {way: protocol(app, way == "fast path") for way in ("fast path", "ASGI")}
            print(
                f"{label}, {len(store)} quads; CPU us per request, best of {args.rounds} x "
                f"{args.requests}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
            )
            print("| query | fast path us | ASGI us | fast / ASGI |")
            print("| --- | --- | --- | --- |")
            for name, (_, text) in texts.items():
                if args.only and name not in args.only:
                    continue
                if args.post:  # POST application/sparql-query, the query as the body
                    body = text.encode()
                    request = (
                        f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAccept: {ACCEPT}\r\n"
                        f"Content-Type: application/sparql-query\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n"
                    ).encode() + body
                else:
                    target = "/sparql?" + urlencode({"query": text}, quote_via=quote)
                    request = (
                        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAccept: {ACCEPT}\r\n\r\n"
                    ).encode()
                for proto, transport in ways.values():  # first runs: bounds, marks
                    await block(proto, transport, request, 20)
                await asyncio.sleep(2)  # background statistics and closures
                best = {way: float("inf") for way in ways}
                for _ in range(args.rounds):
                    for way, (proto, transport) in ways.items():
                        seconds = await block(proto, transport, request, args.requests)
                        best[way] = min(best[way], seconds / args.requests)
                fast, slow = best["fast path"] * 1e6, best["ASGI"] * 1e6
                print(f"| {name} | {fast:.1f} | {slow:.1f} | {fast / slow:.2f} |", flush=True)
            print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--post", action="store_true", help="POST application/sparql-query")
    args = ap.parse_args()
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    uvloop.run(measure(args))


if __name__ == "__main__":
    main()
