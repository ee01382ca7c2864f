"""SPARQL benchmark: pcfgraph ``/sparql`` vs ``oxigraph serve`` (in-memory) vs rdflib-endpoint.

One command, one run, same data and queries for all three (loopback only, bounded time)::

    .venv/bin/python bench/sparql_bench.py --data shipped
    .venv/bin/python bench/sparql_bench.py --data synthetic --editions 54   # ~1M triples

- pcfgraph: ``create_app`` on the release under uvicorn in a subprocess (the real stack:
  guard, sandbox pool, serialisation in the worker);
- Oxigraph server: ``oxigraph serve`` without ``--location`` (in-memory, its fastest setup),
  ``--union-default-graph``, loaded with the same N-Quads through its Graph Store endpoint;
- rdflib-endpoint: ``rdflib-endpoint serve`` of the same N-Quads (rdflib Dataset, union).

Queries are ``bench/queries/*.rq`` with parameters bound as RDF terms
(:func:`pcfgraph.remote_store.bind_text`). For each query and server: median and p99 latency of
sequential requests (``--runs`` rounds within ``--budget`` seconds per server; each round asks
every server once, in a shuffled order, so machine noise falls on all alike), and throughput with 8
concurrent clients for ``--tp-seconds``. The three answers are compared (as multisets of
solutions or sets of triples) before anything is timed. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from pcfgraph.queries import parse_header  # noqa: E402
from pcfgraph.remote_store import bind_text  # noqa: E402
from pcfgraph.store import EmbeddedStore  # noqa: E402

BIN = Path(sys.executable).parent
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {proc.returncode}")
        try:
            if httpx.get(url, params={"query": "ASK {}"}, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not start within {timeout:.0f} s")


# --- data -------------------------------------------------------------------------------------


def load_data(args: argparse.Namespace) -> tuple[bytes, str]:
    if args.data == "synthetic":
        from synthetic import synthetic_nquads

        return synthetic_nquads(args.editions), f"synthetic, {args.editions} editions"
    from pcfgraph.release import canonical_nquads, open_release

    release = open_release(Path(args.release) if args.release else None)
    return canonical_nquads(release.store), "shipped graph"


def pick_parameters(store: EmbeddedStore, keyword: str) -> dict[str, dict[str, str]]:
    """Parameters from the data: the level-2 element with the largest subtree."""
    q = """
    PREFIX pcfg: <https://w3id.org/pcfgraph/ontology#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?e ?code ?fid (COUNT(?d) AS ?n) WHERE {
      ?e pcfg:level 2 ; skos:notation ?code ; skos:inScheme ?s . ?s pcfg:frameworkId ?fid .
      ?d skos:broader+ ?e
    } GROUP BY ?e ?code ?fid ORDER BY DESC(?n) STR(?e) LIMIT 1"""
    rows = list(store.store.query(q, use_default_graph_as_union=True))  # type: ignore[arg-type]
    if not rows:
        raise SystemExit("no level-2 element with descendants in the data")
    row = rows[0]
    element, code, fid = row["e"].value, row["code"].value, row["fid"].value  # type: ignore[index,union-attr]
    return {
        "element-by-code": {"framework": fid, "code": code},
        "descendants": {"element": element},
        "subtree-mappings": {"element": element},
        "search": {"keyword": keyword},
        "counts-per-level": {},
        "construct-subtree": {"element": element},
    }


def query_texts(params: dict[str, dict[str, str]]) -> dict[str, tuple[str, str]]:
    """name -> (form, query text with the parameters bound as RDF terms)."""
    out: dict[str, tuple[str, str]] = {}
    for name, values in params.items():
        path = HERE / "queries" / f"{name}.rq"
        nq = parse_header(name, path, path.read_text(encoding="utf-8"))
        bound = {v.value: t for v, t in nq.bind(values).items()}
        out[name] = (nq.form, bind_text(nq.text, bound))
    return out


# --- servers ----------------------------------------------------------------------------------


class Server:
    def __init__(self, name: str, url: str, proc: subprocess.Popen[bytes]) -> None:
        self.name, self.url, self.proc = name, url, proc

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


PCFGRAPH_LAUNCHER = """
import sys, uvicorn
from pathlib import Path
from pcfgraph.api.app import create_app
from pcfgraph.config import Settings
from pcfgraph.release import load_release
release = load_release(Path(sys.argv[1]))
settings = Settings(query_workers=2, query_timeout=300.0, max_result_rows=10_000_000,
                    max_concurrent_expensive=16, worker_memory_mb=int(sys.argv[3]))
uvicorn.run(create_app(settings, release), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning")
"""


def start_pcfgraph(store: EmbeddedStore, work: Path, memory_mb: int) -> Server:
    from pcfgraph.release import write_release

    write_release(store, work / "release", {})
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", PCFGRAPH_LAUNCHER, str(work / "release"), str(port), str(memory_mb)],
        cwd=ROOT,
    )
    server = Server("pcfgraph", f"http://127.0.0.1:{port}/sparql", proc)
    wait_ready(server.url, proc, 900)
    return server


def start_oxigraph(nquads: bytes) -> Server:
    port = free_port()
    exe = shutil.which("oxigraph") or str(BIN / "oxigraph")
    proc = subprocess.Popen(
        [exe, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server("oxigraph", f"http://127.0.0.1:{port}/query", proc)
    wait_ready(server.url, proc, 60)
    r = httpx.post(
        f"http://127.0.0.1:{port}/store",
        content=nquads,
        headers={"Content-Type": "application/n-quads"},
        timeout=600,
    )
    r.raise_for_status()
    return server


def start_rdflib(work: Path) -> Server:
    port = free_port()
    exe = shutil.which("rdflib-endpoint") or str(BIN / "rdflib-endpoint")
    proc = subprocess.Popen(
        [exe, "serve", "--host", "127.0.0.1", "--port", str(port), str(work / "graph.nq")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server("rdflib-endpoint", f"http://127.0.0.1:{port}/", proc)
    wait_ready(server.url, proc, 1800)
    return server


# --- requests, verification and timing --------------------------------------------------------


def accept_for(form: str) -> str:
    return "text/turtle" if form in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"


def fetch(client: httpx.Client, server: Server, form: str, text: str) -> httpx.Response:
    r = client.get(server.url, params={"query": text}, headers={"Accept": accept_for(form)})
    r.raise_for_status()
    return r


def normalise(form: str, r: httpx.Response) -> Any:
    if form in ("CONSTRUCT", "DESCRIBE"):
        return frozenset(
            (q.subject, q.predicate, q.object)
            for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)
        )
    doc = r.json()
    rows: Counter[frozenset[tuple[str, str, str, str]]] = Counter()
    for b in doc["results"]["bindings"]:
        row = []
        for var, t in b.items():
            kind = "literal" if t["type"] in ("literal", "typed-literal") else t["type"]
            dt = t.get("datatype", "")
            dt = "" if dt == XSD_STRING else dt
            value = t["value"]
            if dt.endswith(("#integer", "#decimal", "#double")):
                value = str(float(value))
            row.append((var, kind, value, t.get("xml:lang", "") + dt))
        rows[frozenset(row)] += 1
    return rows


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]


def sequential(
    client: httpx.Client,
    servers: list[Server],
    form: str,
    text: str,
    runs: int,
    budget: float,
    *,
    interleaved: bool = True,
) -> dict[str, list[float]]:
    """Latency of sequential requests.

    Interleaved (default): each round asks every server once, in a shuffled order (seeded), so
    machine noise (other jobs, CPU steal) falls on all servers alike instead of on whichever
    happened to be measured during a busy spell, and each server follows each other one
    equally often (a slow server's after-work, e.g. its GC, would otherwise always land on the
    same neighbour, as with a fixed rotation). Not interleaved (``--order blocks``, the method
    of the earlier reports): each server's runs back to back, with warm caches, exposed to
    whatever the machine does meanwhile. ``budget`` is seconds per server.
    """
    for s in servers:
        fetch(client, s, form, text)  # warm-up
    times: dict[str, list[float]] = {s.name: [] for s in servers}
    order = random.Random(20261203)
    blocks = [list(servers)] if interleaved else [[s] for s in servers]
    for block in blocks:
        started = time.monotonic()
        rounds = 0
        while rounds < runs and (rounds < 3 or time.monotonic() - started < budget * len(block)):
            if interleaved:
                order.shuffle(block)
            for s in block:
                t0 = time.perf_counter()
                fetch(client, s, form, text)
                times[s.name].append(time.perf_counter() - t0)
            rounds += 1
    return times


def throughput(server: Server, form: str, text: str, seconds: float, clients: int = 8) -> float:
    done = [0] * clients
    stop_at = time.monotonic() + seconds

    def worker(i: int) -> None:
        with httpx.Client(timeout=600) as c:
            while time.monotonic() < stop_at:
                fetch(c, server, form, text)
                done[i] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - t0)


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", choices=["shipped", "synthetic"], default="shipped")
    ap.add_argument("--release", help="a release directory (shipped data: default assembles data/)")
    ap.add_argument(
        "--editions", type=int, default=54, help="synthetic editions (~18.5k triples each)"
    )
    ap.add_argument("--keyword", default=None, help="search keyword (default per data set)")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--budget", type=float, default=20.0, help="seconds per query and server")
    ap.add_argument("--tp-seconds", type=float, default=5.0)
    ap.add_argument("--worker-memory-mb", type=int, default=4096)
    ap.add_argument("--skip-rdflib", action="store_true")
    ap.add_argument(
        "--order",
        choices=["interleaved", "blocks"],
        default="interleaved",
        help="sequential latency: rounds over all servers in shuffled order (default), or "
        "each server's runs back to back",
    )
    args = ap.parse_args()

    nquads, label = load_data(args)
    store = EmbeddedStore.from_nquads(nquads)
    keyword = args.keyword or ("customer service" if args.data == "synthetic" else "customer")
    queries = query_texts(pick_parameters(store, keyword))
    print(
        f"# SPARQL benchmark: {label}, {len(store)} quads, {os.cpu_count()} CPUs, "
        f"sequential latency {args.order}\n",
        flush=True,
    )

    work = Path(tempfile.mkdtemp(prefix="pcfgraph-sparql-bench-"))
    (work / "graph.nq").write_bytes(nquads)
    servers: list[Server] = []
    try:
        t0 = time.perf_counter()
        servers.append(start_pcfgraph(store, work, args.worker_memory_mb))
        servers.append(start_oxigraph(nquads))
        if not args.skip_rdflib:
            servers.append(start_rdflib(work))
        print(f"servers up in {time.perf_counter() - t0:.1f} s\n", flush=True)
        results: dict[tuple[str, str], dict[str, float]] = {}
        with httpx.Client(timeout=600) as client:
            for name, (form, text) in queries.items():
                answers = {s.name: normalise(form, fetch(client, s, form, text)) for s in servers}
                reference = answers["oxigraph"]
                size = (
                    len(reference)
                    if not isinstance(reference, Counter)
                    else sum(reference.values())
                )
                for s in servers:
                    if answers[s.name] != reference:
                        raise SystemExit(f"{name}: {s.name} answers differently from oxigraph")
                print(f"{name}: {size} results, same from all servers", flush=True)
                all_times = sequential(
                    client,
                    servers,
                    form,
                    text,
                    args.runs,
                    args.budget,
                    interleaved=args.order == "interleaved",
                )
                for s in servers:
                    times = all_times[s.name]
                    tp = throughput(s, form, text, args.tp_seconds)
                    results[(name, s.name)] = {
                        "median": statistics.median(times) * 1000,
                        "p99": p99(times) * 1000,
                        "tp": tp,
                        "n": len(times),
                    }
        print_table(queries, servers, results)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)


def print_table(
    queries: dict[str, tuple[str, str]],
    servers: list[Server],
    results: dict[tuple[str, str], dict[str, float]],
) -> None:
    names = [s.name for s in servers]
    has_rdflib = "rdflib-endpoint" in names
    head = "| query | " + " | ".join(f"{n} median / p99 ms | {n} req/s (8 clients)" for n in names)
    head += " | pcfgraph / oxigraph (median) |" + (
        " rdflib / pcfgraph (median) |" if has_rdflib else ""
    )
    print("\n" + head)
    print("|" + " --- |" * (head.count("|") - 1))
    ratios_ox: list[float] = []
    ratios_rdf: list[float] = []
    tp_ox: list[float] = []
    fmt: Callable[[float], str] = lambda v: f"{v:.2f}" if v < 10 else f"{v:.1f}"  # noqa: E731
    for name in queries:
        cells = []
        for n in names:
            r = results[(name, n)]
            cells.append(f"{fmt(r['median'])} / {fmt(r['p99'])} | {r['tp']:.1f}")
        pcf, ox_ = results[(name, "pcfgraph")], results[(name, "oxigraph")]
        ratio = pcf["median"] / ox_["median"]
        ratios_ox.append(ratio)
        tp_ox.append(pcf["tp"] / ox_["tp"])
        row = f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f}x |"
        if has_rdflib:
            rr = results[(name, "rdflib-endpoint")]["median"] / pcf["median"]
            ratios_rdf.append(rr)
            row += f" {rr:.1f}x |"
        print(row)
    print(
        f"\nGeometric mean pcfgraph/oxigraph median latency: {geomean(ratios_ox):.2f}x; "
        f"throughput pcfgraph/oxigraph: {geomean(tp_ox):.2f}x"
    )
    if ratios_rdf:
        print(f"Geometric mean rdflib-endpoint/pcfgraph median latency: {geomean(ratios_rdf):.1f}x")


if __name__ == "__main__":
    main()
