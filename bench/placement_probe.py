"""Where the kernel puts a server decides a cheap query's latency: a probe of that, measured.

``sparql_bench.py`` measures sequential latency twice (``--placement both``): with the client and
the servers sharing every CPU, and with the client on one CPU and every server on the others.
This probe shows why both are reported. It serves ``ASK {}`` from servers whose work per request
is known and only grows: a fixed-reply Python server (uvloop, the answer written from the
request's ``data_received``) doing nothing, then spinning 15, 30 and 60 us per request, beside
``oxigraph serve`` (in-memory, empty: ``ASK {}`` needs no data). Each is asked from a lean
keep-alive socket client (:mod:`lean_client`):

- alone: one server at a time, CPUs shared (what a single-server measurement sees);
- interleaved, shared: every server once per round in a shuffled order, CPUs shared (the
  method of ``sparql_bench.py``'s first pass);
- interleaved, separate: the same rounds with the client on the first CPU and every server on
  the others (its second pass; what a client on another machine causes: every request wakes
  its server's CPU).

If latency followed the work done, each row's three figures would keep their order and the
spinning servers would be 15, 30, 60 us above the idle one in every column. Shared and
interleaved, they are not: a server the kernel judges lightly loaded is woken on its client's
own CPU (a hand-over, no idle CPU to wake), a busier one on the idle CPU, which costs an
interrupt and a wake-up (tens of microseconds on a VM). Separate, each is woken alike::

    .venv/bin/python bench/placement_probe.py [--rounds 3000] [--out bench/placement_probe.md]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from lean_client import LeanClient  # noqa: E402
from sparql_bench import PCFGRAPH_LAUNCHER, free_port, tree_tasks  # noqa: E402

FIXED_REPLY = r"""
import asyncio, sys, time, uvloop
SPIN = float(sys.argv[2]) / 1e6
BODY = b'{"head":{},"boolean":true}'
REPLY = (b"HTTP/1.1 200 OK\r\ncontent-type: application/sparql-results+json\r\n"
         b"content-length: %d\r\n\r\n" % len(BODY)) + BODY
class Reply(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
    def data_received(self, data):
        if data.endswith(b"\r\n\r\n"):
            until = time.perf_counter() + SPIN
            while time.perf_counter() < until:
                pass
            self.transport.write(REPLY)
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Reply, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()
uvloop.run(main())
"""


def place(procs: list[subprocess.Popen[bytes]], client: set[int], servers: set[int]) -> None:
    os.sched_setaffinity(0, client)
    for proc in procs:
        for tid in tree_tasks(proc.pid):
            try:
                os.sched_setaffinity(tid, servers)
            except OSError:
                continue


def connect(name: str, url: str, timeout: float = 120.0) -> LeanClient:
    deadline = time.monotonic() + timeout
    while True:
        client = LeanClient(name, url)
        try:
            client.connect()
            return client
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def rounds(
    clients: dict[str, tuple[LeanClient, bytes]], n: int, seed: int
) -> dict[str, list[float]]:
    """``n`` shuffled rounds asking every server once (seeded)."""
    order = random.Random(seed)
    names = list(clients)
    wall: dict[str, list[float]] = {k: [] for k in names}
    for _ in range(n):
        order.shuffle(names)
        for k in names:
            client, request = clients[k]
            t0 = time.perf_counter()
            client.get(request)
            wall[k].append(time.perf_counter() - t0)
    return wall


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3000)
    ap.add_argument("--out", type=Path, help="also write the Markdown here")
    ap.add_argument(
        "--release",
        type=Path,
        help="also serve this built release with pcfgraph (response cache off), as "
        "sparql_bench.py starts it",
    )
    args = ap.parse_args(argv)
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("needs two CPUs: the client on one, the servers on the others")
    procs: list[subprocess.Popen[bytes]] = []
    urls: dict[str, str] = {}
    try:
        for spin in (0, 15, 30, 60):
            port = free_port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", FIXED_REPLY, str(port), str(spin)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls[f"fixed reply, {spin} us spin"] = f"http://127.0.0.1:{port}/sparql"
        exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
        port = free_port()
        procs.append(
            subprocess.Popen(
                [exe, "serve", "--bind", f"127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        urls["oxigraph serve"] = f"http://127.0.0.1:{port}/query"
        if args.release:
            port = free_port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", PCFGRAPH_LAUNCHER, str(args.release), str(port)],
                    env=dict(os.environ, PCFGRAPH_SPARQL_CACHE_MB="0"),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls["pcfgraph"] = f"http://127.0.0.1:{port}/sparql"
        clients = {}
        for name, url in urls.items():
            client = connect(name, url)
            clients[name] = (client, client.request(f"{client.path}?query=ASK%20%7B%7D", "*/*"))
        rounds(clients, 200, 0)  # warm
        alone = {k: rounds({k: v}, args.rounds, 1)[k] for k, v in clients.items()}
        shared = rounds(clients, args.rounds, 2)
        place(procs, {cpus[0]}, set(cpus[1:]))
        try:
            separate = rounds(clients, args.rounds, 3)
        finally:
            place(procs, set(cpus), set(cpus))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(20)
    us = lambda v: f"{statistics.median(v) * 1e6:.0f}"  # noqa: E731
    lines = [
        f"Placement probe: `ASK {{}}` median latency (us), lean client, {args.rounds} rounds "
        f"per column, {len(cpus)} CPUs, load average before the end "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "",
        "| server | alone, CPUs shared | interleaved, CPUs shared | interleaved, separate CPUs |",
        "| --- | --- | --- | --- |",
    ]
    for k in clients:
        lines.append(f"| {k} | {us(alone[k])} | {us(shared[k])} | {us(separate[k])} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return text


if __name__ == "__main__":
    main()
