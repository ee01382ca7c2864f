"""SPARQL benchmark: pcfgraph ``/sparql`` vs ``oxigraph serve`` (in-memory) vs rdflib-endpoint.

One command, one run, same data and queries for all three (loopback only, bounded time)::

    .venv/bin/python bench/sparql_bench.py --data shipped
    .venv/bin/python bench/sparql_bench.py --data synthetic --editions 54   # ~1M triples

- pcfgraph: ``create_app`` on the release under uvicorn in a subprocess (the real stack:
  guard, sandbox pool, serialisation in the worker);
- Oxigraph server: ``oxigraph serve`` without ``--location`` (in-memory, its fastest setup),
  ``--union-default-graph``, loaded with the same N-Quads through its Graph Store endpoint;
- rdflib-endpoint: ``rdflib-endpoint serve`` of the same N-Quads (rdflib Dataset, union).
- with ``--bare-reference``: ``bench/bare_pyoxigraph_app.py``, the same N-Quads in an in-memory
  pyoxigraph Store behind uvicorn and nothing else (the floor of a Python endpoint), with
  pcfgraph/bare ratios per query.

Queries are the twelve of ``bench/queries/*.rq`` with parameters bound as RDF terms
(:func:`pcfgraph.remote_store.bind_text`). The three answers are compared (as multisets of
solutions or sets of triples) before anything is timed. Then, for each query and server:

- latency: median and p95 of sequential requests from the standard library's ``http.client``,
  one keep-alive connection per server, the request line encoded once (``--runs`` rounds within
  ``--budget`` seconds per server; each round asks every server once, in a shuffled order, so
  machine noise falls on all alike). The client's own CPU per request (``time.thread_time``
  around the request: send, receive, header parsing) is measured and printed beside it, so a
  slow client cannot hide in the figures (httpx, used before, added ~0.37 ms per request);
- the same latency from a lean client (:mod:`lean_client`: a second keep-alive connection per
  server on a plain socket, tens of microseconds of client CPU per request), asked in the same
  shuffled rounds: ``http.client``'s ~0.2 ms per request is as much as a cheap lookup's own
  time, and adds alike to every server, which pulls each ratio towards 1. The issue's targets
  are read from the ``http.client`` figures (its method); the lean figures are reported beside
  them (``--no-lean`` leaves them out);
- the same sequential latency again with the client on the first CPU and every server's
  threads on the others (``--placement both``, the default; :class:`Placement`): sharing the
  CPUs, the kernel puts a server now beside its client (a hand-over, no CPU to wake), now on
  an idle CPU it must wake (tens of microseconds on a VM), by how busy it judges each task, so
  the lightest server is also placed best; apart, every request wakes every server alike, as
  a client on another machine does. Both passes are reported, each against oxigraph;
- throughput: ``wrk`` (compiled, epoll; Debian package ``wrk``) with 8 connections for
  ``--tp-seconds``, non-2xx answers and socket errors counted; wrk's CPU per request is printed.

Prints a Markdown table; ``bench/run.py`` runs this for the default graph and with every shared
APQC workbook loaded and writes ``bench/latest.md``.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import math
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from lean_client import LeanClient  # noqa: E402

from pcfgraph.queries import parse_header  # noqa: E402
from pcfgraph.remote_store import bind_text  # noqa: E402
from pcfgraph.store import EmbeddedStore  # noqa: E402

BIN = Path(sys.executable).parent
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(url: str, query: str, accept: str, timeout: float) -> tuple[int, bytes]:
    """One GET with a fresh connection (readiness checks; never timed)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=timeout)
    try:
        conn.request(
            "GET",
            f"{u.path}?{urllib.parse.urlencode({'query': query})}",
            headers={"Accept": accept},
        )
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def started(server: Server, timeout: float) -> Server:
    """``server`` once it answers; stopped (and the error raised) if it does not in time."""
    try:
        wait_ready(server.url, server.proc, timeout)
    except BaseException:
        server.stop()
        raise
    return server


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {proc.returncode}")
        try:
            if http_get(url, "ASK {}", "application/sparql-results+json", timeout=5)[0] < 500:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not start within {timeout:.0f} s")


# --- data -------------------------------------------------------------------------------------


def load_data(args: argparse.Namespace) -> tuple[bytes, str]:
    if args.data == "synthetic":
        from synthetic import synthetic_nquads

        return synthetic_nquads(args.editions), f"synthetic, {args.editions} editions"
    from pcfgraph.release import build_release, canonical_nquads, load_release

    if args.data == "workbooks" and not args.release:
        from pcfgraph.resources import resource_dir

        shipped = (resource_dir("data") / "frameworks.yaml").read_text(encoding="utf-8")
        workbooks = [  # every shared workbook the default graph does not already hold
            p
            for p in sorted(Path(args.shared).glob("*.xlsx"))
            + sorted(Path(args.shared).glob("industries/*.xlsx"))
            if p.name not in shipped
        ]
        out = Path(tempfile.mkdtemp(prefix="pcfgraph-bench-release-")) / "release"
        adds = [arg for w in workbooks for arg in ("--add", str(w))]
        cmd = [str(BIN / "pcfgraph"), "build", "-o", str(out), *adds]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        release = load_release(out)
        return canonical_nquads(release.store), f"default graph + {len(workbooks)} APQC workbooks"
    release = load_release(Path(args.release)) if args.release else build_release()
    return canonical_nquads(release.store), (
        f"release {args.release}" if args.release else "default graph"
    )


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
    deep_q = """
    PREFIX pcfg: <https://w3id.org/pcfgraph/ontology#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?root ?d ?level ?pcf WHERE {
      ?d skos:broader+ ?root ; pcfg:level ?level . OPTIONAL { ?d pcfg:pcfId ?pcf }
    } ORDER BY DESC(?level) STR(?d) LIMIT 1"""
    deep_rows = list(
        store.store.query(  # type: ignore[arg-type]
            deep_q,
            use_default_graph_as_union=True,
            substitutions={ox.Variable("root"): ox.NamedNode(element)},
        )
    )
    deep = deep_rows[0]["d"].value  # type: ignore[index,union-attr]
    pcf = deep_rows[0]["pcf"]  # type: ignore[index]
    pcf_id = pcf.value if pcf is not None else "0"  # type: ignore[union-attr]
    return {
        "ask-empty": {},
        "element-by-code": {"framework": fid, "code": code},
        "element-by-pcf-id": {"pcfId": pcf_id},
        "children": {"element": element},
        "ancestors": {"element": deep},
        "describe-element": {"element": deep},
        "descendants": {"element": element},
        "subtree-mappings": {"element": element},
        "search": {"keyword": keyword},
        "counts-per-level": {},
        "triples-per-graph": {},
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
import sys
from pathlib import Path
try:
    from pcfgraph.serving import create_app
except ImportError:  # an older commit: the app factory lived in the API package
    from pcfgraph.api.app import create_app
from pcfgraph.config import Settings
try:
    from pcfgraph.cli.serve import configure, run_http
except ImportError:  # an older commit measured for a before/after: its serve settings
    import uvicorn
    from pcfgraph.api.http_protocol import GuardedHttpToolsProtocol
    from pcfgraph.api.ops import configure_logging as configure
    def run_http(app, settings):
        uvicorn.run(app, http=GuardedHttpToolsProtocol, host=settings.host, port=settings.port,
                    log_level=settings.log_level, access_log=False, timeout_graceful_shutdown=10)
from pcfgraph.release import load_release
settings = Settings.from_env(port=int(sys.argv[2]))
configure(settings)
try:  # as pcfgraph serve loads it: a release within worker_memory_store_quads is served from memory
    release = load_release(Path(sys.argv[1]), memory_quads=settings.worker_memory_store_quads)
except TypeError:  # an older commit: no in-memory serving
    release = load_release(Path(sys.argv[1]))
run_http(create_app(settings, release), settings)
"""


def start_pcfgraph(
    store: EmbeddedStore,
    work: Path,
    memory_mb: int,
    *,
    cache_mb: int,
    name: str = "pcfgraph",
    http_workers: int = 1,
    source: Path | None = None,
) -> Server:
    """pcfgraph as ``pcfgraph serve`` runs it (:func:`pcfgraph.cli.serve.run_http`: its
    uvicorn settings, protocol class and logging, the access log at its default level going
    to a pipe nobody reads), on a release written from the benchmark's data and loaded
    without the start-up SHACL check (minutes on a busy machine; requests are unaffected).
    ``cache_mb`` is its ``sparql_cache_mb`` (0: every query runs); ``http_workers`` its
    ``--http-workers`` (server processes forked from the loaded app)."""
    from pcfgraph.release import write_release

    release = work / "release"  # one release for every pcfgraph server (opened read-only)
    if not release.exists():
        write_release(store, release, {})
    port = free_port()
    env = dict(os.environ)
    env.update(
        PCFGRAPH_QUERY_WORKERS="2",
        PCFGRAPH_QUERY_TIMEOUT="300",
        PCFGRAPH_MAX_RESULT_ROWS="10000000",
        PCFGRAPH_MAX_CONCURRENT_EXPENSIVE="16",
        # wrk's 8 connections come from one address: one client for the fairness limit (default
        # 4 in flight per client, then 429), which would count as errors, not as the engine's pace
        PCFGRAPH_MAX_CONCURRENT_PER_CLIENT="16",
        PCFGRAPH_WORKER_MEMORY_MB=str(memory_mb),
        PCFGRAPH_SPARQL_CACHE_MB=str(cache_mb),
        PCFGRAPH_HTTP_WORKERS=str(http_workers),
    )
    if source is not None:  # another checkout's code (a before/after side by side)
        env["PYTHONPATH"] = str(source.resolve())
    proc = subprocess.Popen(
        [sys.executable, "-c", PCFGRAPH_LAUNCHER, str(release), str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = started(Server(name, f"http://127.0.0.1:{port}/sparql", proc), 900)
    return server


def start_oxigraph(nquads: bytes) -> Server:
    port = free_port()
    exe = shutil.which("oxigraph") or str(BIN / "oxigraph")
    proc = subprocess.Popen(
        [exe, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = started(Server("oxigraph", f"http://127.0.0.1:{port}/query", proc), 60)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/store", body=nquads, headers={"Content-Type": "application/n-quads"})
    r = conn.getresponse()
    r.read()
    conn.close()
    if r.status >= 300:
        raise RuntimeError(f"oxigraph load failed: {r.status}")
    return server


BARE = "bare pyoxigraph"
#: The servers the lean client also asks (the ratios it reports need no other).
LEAN_SERVERS = frozenset({"pcfgraph", BARE, "oxigraph"})


def start_bare(work: Path) -> Server:
    """The Python floor (``bench/bare_pyoxigraph_app.py``): the same N-Quads in an in-memory
    pyoxigraph Store behind uvicorn, nothing else."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "bare_pyoxigraph_app.py"), str(work / "graph.nq"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = started(Server(BARE, f"http://127.0.0.1:{port}/sparql", proc), 600)
    return server


def start_rdflib(work: Path) -> Server:
    port = free_port()
    exe = shutil.which("rdflib-endpoint") or str(BIN / "rdflib-endpoint")
    proc = subprocess.Popen(
        [exe, "serve", "--host", "127.0.0.1", "--port", str(port), str(work / "graph.nq")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = started(Server("rdflib-endpoint", f"http://127.0.0.1:{port}/", proc), 1800)
    return server


# --- requests, verification and timing --------------------------------------------------------


def accept_for(form: str) -> str:
    return "text/turtle" if form in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"


class Client:
    """One keep-alive ``http.client`` connection to one server, the request line encoded once
    per query; every request checks the status and reads the whole body."""

    def __init__(self, server: Server) -> None:
        u = urllib.parse.urlsplit(server.url)
        self.server = server
        self.path = u.path
        self.conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=600)
        self.closes = 0
        self.reconnects = 0
        self.retried = False

    def target(self, text: str) -> str:
        return f"{self.path}?{urllib.parse.urlencode({'query': text})}"

    def get(self, target: str, accept: str) -> bytes:
        try:
            self.conn.putrequest("GET", target, skip_accept_encoding=True)
            self.conn.putheader("Accept", accept)
            self.conn.endheaders()
            r = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError) as exc:
            # An idle keep-alive connection the server closed (uvicorn: after 5 s, e.g. while
            # a slower server answered): reconnect once, counted and reported.
            if self.retried:
                raise RuntimeError(f"{self.server.name} closed the connection") from exc
            self.retried = True
            self.reconnects += 1
            self.conn.close()
            try:
                return self.get(target, accept)
            finally:
                self.retried = False
        body = r.read()
        if r.will_close:
            self.closes += 1  # the server ends keep-alive: reconnecting is part of its cost
            self.conn.close()
        if r.status != 200:
            raise RuntimeError(f"{self.server.name}: HTTP {r.status}: {body[:300]!r}")
        return body

    def reconnect(self) -> None:
        """A fresh connection (servers close idle keep-alive connections, e.g. uvicorn after
        5 s; never inside a timed section)."""
        self.conn.close()
        self.conn.connect()

    def close(self) -> None:
        self.conn.close()


def normalise(form: str, body: bytes) -> Any:
    if form in ("CONSTRUCT", "DESCRIBE"):
        return frozenset(
            (q.subject, q.predicate, q.object) for q in ox.parse(body, format=ox.RdfFormat.TURTLE)
        )
    import json

    doc = json.loads(body)
    if "boolean" in doc:
        return doc["boolean"]
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


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def sequential(
    clients: dict[str, Client],
    form: str,
    text: str,
    runs: int,
    budget: float,
    *,
    interleaved: bool = True,
    lean: dict[str, LeanClient] | None = None,
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall latency and the client's own CPU time of sequential requests, per server (and per
    ``"lean " + server`` for the lean clients in ``lean``, asked in the same rounds).

    Interleaved (default): each round asks every server once, in a shuffled order (seeded), so
    machine noise falls on all servers alike and each follows each other equally often. Not
    interleaved (``--order blocks``): each server's runs back to back. ``budget`` is seconds
    per server.
    """
    accept = accept_for(form)
    targets = {name: c.target(text) for name, c in clients.items()}
    asks: dict[str, Callable[[], bytes]] = {}
    for name, c in clients.items():
        c.reconnect()  # not idle-closed by the server while the previous query ran elsewhere
        c.get(targets[name], accept)  # warm-up
        asks[name] = functools.partial(c.get, targets[name], accept)
    for name, lc in (lean or {}).items():
        lc.connect()
        request = lc.request(targets[name], accept)
        if normalise(form, lc.get(request)) != normalise(form, asks[name]()):
            raise SystemExit(f"{name}: the lean client read another answer")
        asks[f"lean {name}"] = functools.partial(lc.get, request)
    wall: dict[str, list[float]] = {n: [] for n in asks}
    cpu: dict[str, list[float]] = {n: [] for n in asks}
    order = random.Random(20261204)
    names = list(asks)
    blocks = [names] if interleaved else [[n] for n in names]
    for block in blocks:
        block = list(block)
        started = time.monotonic()
        rounds = 0
        while rounds < runs and (rounds < 3 or time.monotonic() - started < budget * len(block)):
            if interleaved:
                order.shuffle(block)
            for n in block:
                c0 = time.thread_time()
                t0 = time.perf_counter()
                asks[n]()
                wall[n].append(time.perf_counter() - t0)
                cpu[n].append(time.thread_time() - c0)
            rounds += 1
    return wall, cpu


def throughput(
    server: Server, form: str, text: str, seconds: float, clients: int = 8
) -> dict[str, Any]:
    """wrk with ``clients`` connections: requests/s, errors (non-2xx and socket errors) and
    wrk's own CPU per request (from the child's rusage)."""
    exe = shutil.which("wrk")
    if exe is None:
        raise SystemExit("wrk not found: apt-get install wrk (the compiled load generator)")
    url = f"{server.url}?{urllib.parse.urlencode({'query': text})}"
    served_before = tree_cpu(server.proc.pid)
    proc = subprocess.Popen(
        [
            exe,
            "-t",
            "2",
            "-c",
            str(clients),
            "-d",
            f"{seconds:.0f}s",
            "--latency",
            "-H",
            f"Accept: {accept_for(form)}",
            url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    served = tree_cpu(server.proc.pid) - served_before
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {out}")
    rps = float(_grab(out, r"Requests/sec:\s+([\d.]+)"))
    total = float(_grab(out, r"(\d+) requests in"))
    non2xx = float(_grab(out, r"Non-2xx or 3xx responses:\s+(\d+)", "0"))
    sock = sum(float(x) for x in _grab_all(out, r"(?:connect|read|write|timeout) (\d+)"))
    cpu = usage.ru_utime + usage.ru_stime
    kinds = re.search(r"Socket errors:.*", out)
    detail = (f"non-2xx {non2xx:.0f}; " if non2xx else "") + (kinds.group(0) if kinds else "")
    return {
        "rps": rps,
        "errors": non2xx + sock,
        "wrk_cpu_us": cpu / max(total, 1) * 1e6,
        "server_cpu_us": served / max(total, 1) * 1e6,
        "error_detail": detail,
    }


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its living descendants (server
    processes, sandbox workers): what a server spends per request, which a loaded machine's
    wait for a core does not inflate as it does latency and requests per second."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
    return total


def tree_tasks(pid: int) -> list[int]:
    """The thread ids of ``pid`` and its living descendants (every thread of every server
    process: CPU affinity is a thread's, not a process's)."""
    tids: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                tids.append(int(task.name))
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # ended meanwhile
    return tids


class Placement:
    """The client on one CPU and every server on the others, for the separate-CPU pass.

    Sharing the CPUs (the default pass), the kernel wakes a server sometimes on the client's
    own CPU (a hand-over: no idle CPU to wake) and sometimes on the other one (an idle CPU
    woken by an interrupt, tens of microseconds on a VM), by its own estimate of how busy each
    task is: a server that does less per request is more often placed beside its client, and
    its latency halves for reasons that are not its work (a fixed-reply Python server measured
    17 us interleaved and 50 us alone). Pinned apart, every request wakes every server the same
    way, as a client on another machine does; :meth:`shared` gives all CPUs back."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers
        self.all = sorted(os.sched_getaffinity(0))

    @property
    def possible(self) -> bool:
        return len(self.all) >= 2

    def _set(self, client: set[int], server: set[int]) -> None:
        os.sched_setaffinity(0, client)
        for s in self.servers:
            for tid in tree_tasks(s.proc.pid):
                try:
                    os.sched_setaffinity(tid, server)
                except OSError:
                    continue  # ended meanwhile

    def separate(self) -> None:
        self._set({self.all[0]}, set(self.all[1:]))

    def shared(self) -> None:
        self._set(set(self.all), set(self.all))


def _grab(text: str, pattern: str, default: str | None = None) -> str:

    m = re.search(pattern, text)
    if m is None:
        if default is None:
            raise RuntimeError(f"wrk output without {pattern!r}: {text}")
        return default
    return m.group(1)


def _grab_all(text: str, pattern: str) -> list[str]:

    return re.findall(pattern, text)


def geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", choices=["default", "workbooks", "synthetic"], default="default")
    ap.add_argument("--release", help="a release directory (default: the default graph)")
    ap.add_argument(
        "--shared",
        default=str(ROOT.parent / "shared" / "apqc"),
        help="folder of APQC workbooks for --data workbooks",
    )
    ap.add_argument(
        "--editions", type=int, default=54, help="synthetic editions (~18.5k triples each)"
    )
    ap.add_argument("--keyword", default=None, help="search keyword (default per data set)")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--budget", type=float, default=10.0, help="seconds per query and server")
    ap.add_argument("--tp-seconds", type=float, default=5.0)
    ap.add_argument("--worker-memory-mb", type=int, default=4096)
    ap.add_argument("--skip-rdflib", action="store_true")
    ap.add_argument(
        "--cache",
        choices=["off", "both"],
        default="both",
        help="off: pcfgraph with its response cache off only (the engine comparison); both: "
        "also a second pcfgraph server with the cache on (its own column)",
    )
    ap.add_argument("--cache-mb", type=int, default=64, help="sparql_cache_mb of the cached one")
    ap.add_argument(
        "--http-workers",
        type=int,
        default=0,
        help="pcfgraph serve --http-workers (server processes; 0, the default of serve: one "
        "per CPU this process may use; 1: one process)",
    )
    ap.add_argument(
        "--compare-http-workers",
        type=int,
        default=0,
        help="also run a second pcfgraph (response cache off) with this many --http-workers, "
        "side by side with the first in the same rounds (an A/B of the process count)",
    )
    ap.add_argument(
        "--compare-src",
        help="also run a second pcfgraph (response cache off) from another checkout's src/ "
        "folder (e.g. a worktree of an earlier commit), side by side in the same rounds: a "
        "before/after A/B",
    )
    ap.add_argument(
        "--bare-reference",
        action="store_true",
        help="also run bench/bare_pyoxigraph_app.py (pyoxigraph's Store.query and serializer "
        "behind uvicorn, nothing else) in the same rounds, with pcfgraph/bare ratios per "
        "query: the floor of a Python endpoint",
    )
    ap.add_argument("--only", nargs="*", help="run only these queries")
    ap.add_argument(
        "--settle",
        type=float,
        default=15.0,
        help="seconds to wait after asking every query once, before anything is timed "
        "(first-use preparation done; 0: none)",
    )
    ap.add_argument(
        "--order",
        choices=["interleaved", "blocks"],
        default="interleaved",
        help="sequential latency: rounds over all servers in shuffled order (default), or "
        "each server's runs back to back",
    )
    ap.add_argument(
        "--placement",
        choices=["shared", "separate", "both"],
        default="both",
        help="sequential latency with the client and the servers sharing every CPU (as the "
        "kernel places them), with the client on the first CPU and every server on the others "
        "(each request wakes each server alike, as a remote client's does), or both passes "
        "(default; throughput always shares every CPU)",
    )
    ap.add_argument(
        "--no-lean",
        action="store_true",
        help="leave out the lean client's latency (a second connection on a plain socket to "
        "pcfgraph, the bare app and oxigraph, asked in the same rounds)",
    )
    args = ap.parse_args(argv)

    nquads, label = load_data(args)
    store = EmbeddedStore.from_nquads(nquads)
    keyword = args.keyword or ("customer service" if args.data == "synthetic" else "customer")
    queries = query_texts(pick_parameters(store, keyword))
    if args.only:
        queries = {k: v for k, v in queries.items() if k in args.only}
    out: list[str] = []

    def say(line: str = "") -> None:
        out.append(line)
        print(line, flush=True)

    say(
        f"SPARQL benchmark: {label}, {len(store)} quads, sequential latency {args.order} "
        f"(CPUs: {args.placement}), "
        f"pcfgraph serve --http-workers {args.http_workers}"
        + (f" (one per CPU: {len(os.sched_getaffinity(0))})" if args.http_workers == 0 else "")
        + ", load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    work = Path(tempfile.mkdtemp(prefix="pcfgraph-sparql-bench-"))
    (work / "graph.nq").write_bytes(nquads)
    servers: list[Server] = []
    clients: dict[str, Client] = {}
    lean: dict[str, LeanClient] = {}
    try:
        t0 = time.perf_counter()
        servers.append(
            start_pcfgraph(
                store, work, args.worker_memory_mb, cache_mb=0, http_workers=args.http_workers
            )
        )
        if args.cache == "both":
            servers.append(
                start_pcfgraph(
                    store,
                    work,
                    args.worker_memory_mb,
                    cache_mb=args.cache_mb,
                    name="pcfgraph+cache",
                    http_workers=args.http_workers,
                )
            )
        if args.compare_http_workers:
            servers.append(
                start_pcfgraph(
                    store,
                    work,
                    args.worker_memory_mb,
                    cache_mb=0,
                    name=f"pcfgraph {args.compare_http_workers}w",
                    http_workers=args.compare_http_workers,
                )
            )
        if args.compare_src:
            servers.append(
                start_pcfgraph(
                    store,
                    work,
                    args.worker_memory_mb,
                    cache_mb=0,
                    name="pcfgraph before",
                    http_workers=args.http_workers,
                    source=Path(args.compare_src),
                )
            )
        if args.bare_reference:
            servers.append(start_bare(work))
        servers.append(start_oxigraph(nquads))
        if not args.skip_rdflib and args.data == "default":
            servers.append(start_rdflib(work))
        print(f"servers up in {time.perf_counter() - t0:.1f} s", flush=True)
        placement = Placement(servers)
        if args.placement != "shared" and not placement.possible:
            say("One CPU only: no separate-CPU pass; the CPUs are shared.")
            args.placement = "shared"
        clients = {s.name: Client(s) for s in servers}
        lean = {
            s.name: LeanClient(s.name, s.url)
            for s in servers
            if not args.no_lean and s.name in LEAN_SERVERS
        }
        results: dict[tuple[str, str], dict[str, float]] = {}
        if args.settle > 0:
            # Every query asked a few times on fresh connections (several server processes
            # each see it), then a pause: what a server prepares on a first use in the
            # background (pcfgraph: in-process statistics, an on-disk release's memory copy,
            # a path predicate's closure) is measured ready, as in a running service.
            for form, text in queries.values():
                for c in clients.values():
                    for _ in range(3):
                        c.reconnect()
                        c.get(c.target(text), accept_for(form))
            time.sleep(args.settle)
        for name, (form, text) in queries.items():
            accept = accept_for(form)
            for c in clients.values():
                c.reconnect()
            answers = {
                n: normalise(form, c.get(c.target(text), accept)) for n, c in clients.items()
            }
            reference = answers["oxigraph"]
            for n, a in answers.items():
                if a != reference:
                    raise SystemExit(f"{name}: {n} answers differently from oxigraph")
            size = (
                sum(reference.values())
                if isinstance(reference, Counter)
                else (len(reference) if isinstance(reference, frozenset) else 1)
            )
            print(f"{name}: {size} results, same from all servers", flush=True)
            separate: dict[str, list[float]] = {}
            separate_cpu: dict[str, list[float]] = {}
            if args.placement != "shared":
                placement.separate()
                try:
                    separate, separate_cpu = sequential(
                        clients,
                        form,
                        text,
                        args.runs,
                        args.budget,
                        interleaved=args.order == "interleaved",
                    )
                finally:
                    placement.shared()
            if args.placement == "separate":
                wall, cpu = separate, separate_cpu
                separate = {}
            else:
                wall, cpu = sequential(
                    clients,
                    form,
                    text,
                    args.runs,
                    args.budget,
                    interleaved=args.order == "interleaved",
                    lean=lean,
                )
            for lc in lean.values():
                lc.close()  # not left idle while wrk measures
            for s in servers:
                tp = throughput(s, form, text, args.tp_seconds)
                results[(name, s.name)] = {
                    "median": statistics.median(wall[s.name]) * 1000,
                    "p95": pct(wall[s.name], 0.95) * 1000,
                    "client_us": statistics.median(cpu[s.name]) * 1e6,
                    "n": len(wall[s.name]),
                    **tp,
                }
                if separate:
                    results[(name, s.name)] |= {
                        "sep_median": statistics.median(separate[s.name]) * 1000,
                        "sep_p95": pct(separate[s.name], 0.95) * 1000,
                    }
                if s.name in lean and f"lean {s.name}" in wall:
                    lean_wall = wall[f"lean {s.name}"]
                    results[(name, s.name)] |= {
                        "lean_median": statistics.median(lean_wall) * 1000,
                        "lean_p95": pct(lean_wall, 0.95) * 1000,
                        "lean_client_us": statistics.median(cpu[f"lean {s.name}"]) * 1e6,
                    }
        for line in table(queries, servers, results):
            say(line)
        reconnects = {n: c.reconnects for n, c in clients.items() if c.reconnects}
        say(f"Idle connections the servers closed (reconnected, within timing): {reconnects or 0}.")
        say("Load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + ".")
    finally:
        for c in clients.values():
            c.close()
        for lc in lean.values():
            lc.close()
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    return "\n".join(out)


def table(
    queries: dict[str, tuple[str, str]],
    servers: list[Server],
    results: dict[tuple[str, str], dict[str, float]],
) -> list[str]:
    names = [s.name for s in servers]
    has_rdflib = "rdflib-endpoint" in names
    head = "| query | " + " | ".join(
        f"{n} median / p95 ms | {n} req/s (wrk, 8 conn)" for n in names
    )
    head += " | pcfgraph / oxigraph median | p95 | req/s |"
    head += " rdflib / pcfgraph median |" if has_rdflib else ""
    has_cache = "pcfgraph+cache" in names
    r_cache: list[float] = []
    lines = ["", head, "|" + " --- |" * (head.count("|") - 1)]
    r_med: list[float] = []
    r_p95: list[float] = []
    r_tp: list[float] = []
    r_rdf: list[float] = []
    client_us: list[float] = []
    wrk_us: list[float] = []
    errors: dict[str, float] = {n: 0.0 for n in names}
    fmt: Callable[[float], str] = lambda v: f"{v:.2f}" if v < 10 else f"{v:.1f}"  # noqa: E731
    for name in queries:
        cells = []
        for n in names:
            r = results[(name, n)]
            cells.append(f"{fmt(r['median'])} / {fmt(r['p95'])} | {r['rps']:.0f}")
            client_us.append(r["client_us"])
            wrk_us.append(r["wrk_cpu_us"])
            errors[n] += r["errors"]
        pcf, ox_ = results[(name, "pcfgraph")], results[(name, "oxigraph")]
        med, p95, tp = (
            pcf["median"] / ox_["median"],
            pcf["p95"] / ox_["p95"],
            # wrk finishing no request in its time (a heavy query under load) counts as 1
            max(pcf["rps"], 0.1) / max(ox_["rps"], 0.1),
        )
        r_med.append(med)
        r_p95.append(p95)
        r_tp.append(tp)
        row = f"| {name} | " + " | ".join(cells) + f" | {med:.2f}x | {p95:.2f}x | {tp:.2f}x |"
        if has_cache:
            r_cache.append(results[(name, "pcfgraph+cache")]["median"] / ox_["median"])
        if has_rdflib:
            rr = results[(name, "rdflib-endpoint")]["median"] / pcf["median"]
            r_rdf.append(rr)
            row += f" {rr:.1f}x |"
        lines.append(row)
    lines.append("")
    lines.append(
        f"Geometric mean pcfgraph/oxigraph: median latency {geomean(r_med):.2f}x "
        f"(worst {max(r_med):.2f}x), p95 {geomean(r_p95):.2f}x, "
        f"8-connection throughput {geomean(r_tp):.2f}x; wrk errors (non-2xx, socket errors "
        f"and its 2 s timeouts): " + ", ".join(f"{n} {e:.0f}" for n, e in errors.items()) + "."
    )
    for name in queries:
        for n in names:
            if results[(name, n)]["errors"]:
                lines.append(f"wrk errors, {name} on {n}: {results[(name, n)]['error_detail']}.")
    for other in names:
        if other.startswith("pcfgraph ") and other != "pcfgraph+cache":
            ratios = [
                results[(q, other)]["median"] / results[(q, "oxigraph")]["median"] for q in queries
            ]
            tps = [
                max(results[(q, other)]["rps"], 0.1) / max(results[(q, "oxigraph")]["rps"], 0.1)
                for q in queries
            ]
            lines.append(
                f"Side by side, {other}/oxigraph: median latency {geomean(ratios):.2f}x (worst "
                f"{max(ratios):.2f}x), 8-connection throughput {geomean(tps):.2f}x."
            )
    if r_cache:
        lines.append(
            f"With the response cache (the same query asked again): pcfgraph+cache/oxigraph "
            f"median latency {geomean(r_cache):.2f}x (worst {max(r_cache):.2f}x)."
        )
    if r_rdf:
        lines.append(
            f"Geometric mean rdflib-endpoint/pcfgraph median latency: {geomean(r_rdf):.1f}x."
        )
    lines.append(
        "Server CPU per request under wrk (the server's process tree, user + system, us): "
        + "; ".join(
            f"{q} " + " / ".join(f"{results[(q, n)]['server_cpu_us']:.0f}" for n in names)
            for q in queries
        )
        + f" ({' / '.join(names)})."
    )
    if BARE in names:
        lines += bare_ratios(queries, results)
    lines.append(
        f"Client cost: http.client CPU per sequential request, median {statistics.median(client_us):.0f} us "
        f"(max {max(client_us):.0f} us); wrk CPU per request {statistics.median(wrk_us):.1f} us."
    )
    lines.append(  # the same client parses each server's own response head (its header count)
        "Client cost per server (median over queries of the per-query medians): "
        + ", ".join(
            f"{n} {statistics.median(results[(q, n)]['client_us'] for q in queries):.0f} us"
            for n in names
        )
        + "."
    )
    if all("lean_median" in results[(q, "pcfgraph")] for q in queries):
        lines += lean_ratios(queries, results, names)
    if all("sep_median" in results[(q, "pcfgraph")] for q in queries):
        lines += separate_ratios(queries, results, names)
    return lines


def pass_table(
    queries: dict[str, tuple[str, str]],
    results: dict[tuple[str, str], dict[str, float]],
    names: list[str],
    prefix: str,
) -> tuple[list[str], list[float], list[float], list[float]]:
    """The table of a further latency pass (its figures ``<prefix>median`` / ``<prefix>p95``
    in ``results``) for the servers it asked, and its pcfgraph/oxigraph ratios of medians and
    p95s and bare/oxigraph ratios of medians, per query."""
    shown = [n for n in names if f"{prefix}median" in results[(next(iter(queries)), n)]]
    head = (
        "| query | "
        + " | ".join(f"{n} median / p95 ms" for n in shown)
        + " | pcfgraph / oxigraph median | p95 |"
        + (" bare / oxigraph median |" if BARE in shown else "")
    )
    lines = ["", head, "|" + " --- |" * (head.count("|") - 1)]
    med: list[float] = []
    p95: list[float] = []
    bare: list[float] = []
    for q in queries:
        ox_, pcf = results[(q, "oxigraph")], results[(q, "pcfgraph")]
        cells = [
            f"{results[(q, n)][prefix + 'median']:.3f} / {results[(q, n)][prefix + 'p95']:.3f}"
            for n in shown
        ]
        med.append(pcf[prefix + "median"] / ox_[prefix + "median"])
        p95.append(pcf[prefix + "p95"] / ox_[prefix + "p95"])
        row = f"| {q} | " + " | ".join(cells) + f" | {med[-1]:.2f}x | {p95[-1]:.2f}x |"
        if BARE in shown:
            bare.append(results[(q, BARE)][prefix + "median"] / ox_[prefix + "median"])
            row += f" {bare[-1]:.2f}x |"
        lines.append(row)
    lines.append("")
    return lines, med, p95, bare


def pass_summary(said: str, ours: list[float], bare: list[float], more: str = "") -> str:
    """A latency pass's line of geometric means (``targets.py`` reads it): pcfgraph/oxigraph
    with its worst query, ``more``, and bare/oxigraph when the bare app was asked."""
    line = (
        f"{said}: geometric mean pcfgraph/oxigraph median latency {geomean(ours):.2f}x "
        f"(worst {max(ours):.2f}x){more}"
    )
    if bare:
        line += f"; bare/oxigraph {geomean(bare):.2f}x (worst {max(bare):.2f}x)"
    return line + "."


def separate_ratios(
    queries: dict[str, tuple[str, str]],
    results: dict[tuple[str, str], dict[str, float]],
    names: list[str],
) -> list[str]:
    """The sequential latency of the separate-CPU pass (:class:`Placement`), per query, and
    its geometric means: every server woken alike, as by a client on another machine."""
    lines, med, p95, bare = pass_table(queries, results, names, "sep_")
    said = (
        "With the client on one CPU and every server on the others (http.client, the same "
        "rounds; each request wakes each server alike)"
    )
    return [*lines, pass_summary(said, med, bare, f", p95 {geomean(p95):.2f}x")]


def lean_ratios(
    queries: dict[str, tuple[str, str]],
    results: dict[tuple[str, str], dict[str, float]],
    names: list[str],
) -> list[str]:
    """The latency figures of the lean client (:mod:`lean_client`), per query, and their
    geometric means: the ratios with a client that costs a tenth of ``http.client``."""
    lines, ours, _, bare = pass_table(queries, results, names, "lean_")
    client = [
        results[(q, n)]["lean_client_us"]
        for q in queries
        for n in names
        if "lean_client_us" in results[(q, n)]
    ]
    said = (
        f"With the lean client (a plain socket; client CPU per request, median "
        f"{statistics.median(client):.0f} us)"
    )
    return [*lines, pass_summary(said, ours, bare)]


def bare_ratios(
    queries: dict[str, tuple[str, str]], results: dict[tuple[str, str], dict[str, float]]
) -> list[str]:
    """pcfgraph over the bare pyoxigraph app, per query: what pcfgraph costs above the floor
    of a Python endpoint (its safety features, contracts, and whatever is ours to cut)."""
    head = (
        "| query | pcfgraph / bare median | p95 | req/s (wrk) | server CPU per request "
        "(pcfgraph / bare us) | bare / oxigraph median |"
    )
    lines = ["", head, "|" + " --- |" * (head.count("|") - 1)]
    cols: list[list[float]] = [[], [], [], [], []]
    for q in queries:
        pcf, bare, ox_ = results[(q, "pcfgraph")], results[(q, BARE)], results[(q, "oxigraph")]
        row = [
            pcf["median"] / bare["median"],
            pcf["p95"] / bare["p95"],
            max(pcf["rps"], 0.1) / max(bare["rps"], 0.1),
            pcf["server_cpu_us"] / max(bare["server_cpu_us"], 1e-9),
            bare["median"] / ox_["median"],
        ]
        for c, v in zip(cols, row, strict=True):
            c.append(v)
        lines.append(
            f"| {q} | {row[0]:.2f}x | {row[1]:.2f}x | {row[2]:.2f}x | "
            f"{pcf['server_cpu_us']:.0f} / {bare['server_cpu_us']:.0f} ({row[3]:.2f}x) | "
            f"{row[4]:.2f}x |"
        )
    g = [geomean(c) for c in cols]
    lines.append(
        f"| geometric mean | {g[0]:.2f}x | {g[1]:.2f}x | {g[2]:.2f}x | {g[3]:.2f}x | {g[4]:.2f}x |"
    )
    return lines


if __name__ == "__main__":
    main()
