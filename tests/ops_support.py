"""Releases and a live server for the operations and security tests (tests/ops, tests/security).

``ops_store`` is the ontology plus ``fixtures/ops-framework.ttl``, a small framework that passes
the framework shapes, so it can be served; ``variant`` adds elements to get a different release
id, ``conforming=False`` drops the licence statement to get a release that fails SHACL.
``LiveServer`` runs the real app under uvicorn in a subprocess on a free loopback port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pyoxigraph as ox
from prometheus_client.parser import text_string_to_metric_families

from pcfgraph import iris
from pcfgraph.assemble import load_turtle
from pcfgraph.release import Release, canonical_nquads, make_manifest, write_release
from pcfgraph.resources import resource_dir
from pcfgraph.store import EmbeddedStore

FIXTURE = Path(__file__).parent / "fixtures" / "ops-framework.ttl"
MINI = "https://w3id.org/pcfgraph/id/mini/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def ops_store(variant: int = 0, *, conforming: bool = True, extra: int = 0) -> EmbeddedStore:
    """Ontology + the ops framework; ``variant`` (> 0) and ``extra`` add elements."""
    store = EmbeddedStore()
    for path in sorted(resource_dir("ontology").glob("*.ttl")):
        store.add_quads(_skolem(load_turtle(path, str(iris.ontology_graph()))))
    graph = ox.NamedNode(str(iris.framework_graph("mini")))
    quads = load_turtle(FIXTURE, graph.value)
    if not conforming:
        quads = [q for q in quads if "rights" not in q.predicate.value]
    store.add_quads(quads)
    scheme = ox.NamedNode(iris.ID_BASE + "framework/mini")
    parent = ox.NamedNode(MINI + "C2")
    for i in range(variant + extra):
        node = ox.NamedNode(f"{MINI}V{i}")
        store.add_quads(
            [
                ox.Quad(node, RDF_TYPE, ox.NamedNode(SKOS + "Concept"), graph),
                ox.Quad(
                    node,
                    RDF_TYPE,
                    ox.NamedNode("https://w3id.org/pcfgraph/ontology#PRMITProcess"),
                    graph,
                ),
                ox.Quad(node, ox.NamedNode(SKOS + "inScheme"), scheme, graph),
                ox.Quad(node, ox.NamedNode(SKOS + "broader"), parent, graph),
                ox.Quad(parent, ox.NamedNode(SKOS + "narrower"), node, graph),
                ox.Quad(node, ox.NamedNode(SKOS + "notation"), ox.Literal(f"V{i}"), graph),
                ox.Quad(
                    node,
                    ox.NamedNode(SKOS + "prefLabel"),
                    ox.Literal(f"Variant element {i}", language="en"),
                    graph,
                ),
                ox.Quad(
                    node,
                    ox.NamedNode("https://w3id.org/pcfgraph/ontology#level"),
                    ox.Literal(
                        "3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
                    ),
                    graph,
                ),
            ]
        )
    return store


def _skolem(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Blank nodes as IRIs numbered in parse order, so every process gets the same release id."""
    names: dict[str, ox.NamedNode] = {}

    def term(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
        if isinstance(t, ox.BlankNode):
            return names.setdefault(t.value, ox.NamedNode(f"urn:pcfgraph-test:b{len(names)}"))
        return t

    return [
        ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name)  # type: ignore[arg-type]
        for q in quads
    ]


def ops_release(variant: int = 0, *, conforming: bool = True) -> Release:
    store = ops_store(variant, conforming=conforming)
    data = canonical_nquads(store)
    return Release(store=store, manifest=make_manifest(store, data, {}), path=None)


def publish(out: Path, variant: int = 0, *, conforming: bool = True, extra: int = 0) -> str:
    """Write a release directory; returns its release id."""
    manifest = write_release(ops_store(variant, conforming=conforming, extra=extra), out, {})
    return str(manifest["release_id"])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children_of(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux ``/proc``), sorted.

    A child belongs to the thread that forked it; a thread may end between listing the
    tasks and reading its ``children`` (``pcfgraph serve`` loads its release in a thread
    that ends before the workers are forked, whose children pass to the process's other
    threads), so a task that is gone by then is skipped, not an error.
    """
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "children").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found += [int(c) for c in text.split()]
    return sorted(found)


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of ``/proc/PID/stat`` after the command name (field 3 onwards), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def tree_cpu_ticks(root: int) -> int:
    """CPU clock ticks used so far by ``root`` and its descendants (Linux ``/proc``; 0 elsewhere).

    Counts each process's own user+system time and that of its reaped children, so a worker
    that exited still counts; a hung process tree stops growing this number.
    """
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat_fields(int(entry.name))
        if fields is None or len(fields) < 15:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        ticks[pid] = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    total, todo = 0, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        total += ticks.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


class LiveServer:
    """``uvicorn --factory pcfgraph.serving:app_from_env`` on 127.0.0.1 with PCFGRAPH_* env."""

    def __init__(self, release_dir: Path, log_path: Path, **settings: object) -> None:
        self.release_dir = release_dir
        self.log_path = log_path
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PCFGRAPH_")}
        env["PCFGRAPH_RELEASE"] = str(self.release_dir)
        for key, value in self.settings.items():
            if value is None:
                continue
            text = str(value).lower() if isinstance(value, bool) else str(value)
            env["PCFGRAPH_" + key.upper()] = text
        # Never route loopback test traffic through a proxy.
        env["NO_PROXY"] = env["no_proxy"] = "*"
        return env

    def start(self, timeout: float = 60.0, max_wait: float = 240.0) -> LiveServer:
        """Start and wait for ``/ready``.

        A busy machine (2 cores shared by many test runs) can make a healthy start take
        minutes, so the wait is on *progress*, not on the clock alone: it fails when the
        server exits, when its process tree has used no CPU for ``timeout`` seconds (hung),
        or after ``max_wait`` seconds in all (below pytest's 300 s per test).
        """
        # The child gets its own copy of the descriptor; the parent's is closed right away.
        with open(self.log_path, "ab") as log:
            self.proc = self._spawn(log)
        started = last_progress = time.monotonic()
        cpu = tree_cpu_ticks(self.proc.pid)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {self.log()[-3000:]}")
            try:
                if httpx.get(self.url + "/ready", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            now = time.monotonic()
            used = tree_cpu_ticks(self.proc.pid)
            if used > cpu:
                cpu, last_progress = used, now
            if now - last_progress > timeout or now - started > max_wait:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"server not ready after {now - started:.0f} s (CPU idle for "
            f"{now - last_progress:.0f} s): {self.log()[-3000:]}"
        )

    def _spawn(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "pcfgraph.serving:app_from_env",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                "--no-server-header",  # as `pcfgraph serve` (serving.uvicorn_options)
                "--http",  # as `pcfgraph serve`: request-head limits while parsing
                "pcfgraph.api.http_protocol:GuardedHttpToolsProtocol",
                "--timeout-graceful-shutdown",
                "3",
            ],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


@contextmanager
def live_server(release_dir: Path, log_path: Path, **settings: object) -> Iterator[LiveServer]:
    server = LiveServer(release_dir, log_path, **settings).start()
    try:
        yield server
    finally:
        server.stop()


def scraped_by_label(server: LiveServer, metric: str, label: str) -> dict[str, float]:
    """One scrape of ``server``'s ``/metrics``: the samples of ``metric`` by ``label``."""
    text = httpx.get(server.url + "/metrics", timeout=60).text
    return {
        s.labels[label]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == metric
    }


def wait_until_in_flight(client: httpx.Client, requests: int, timeout: float = 120.0) -> None:
    """Block until the server reports at least ``requests`` other requests being handled
    (``pcfgraph_http_requests_in_flight`` minus this poll itself): tests that fill the server's
    slots start from the server's own account, not from a sleep that a busy machine outlasts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in client.get("/metrics").text.splitlines():
            name, _, value = line.partition(" ")
            if name == "pcfgraph_http_requests_in_flight" and float(value) - 1 >= requests:
                return
        time.sleep(0.05)
    raise RuntimeError(f"the server never had {requests} requests in flight")


#: Runs far longer than a live server's graceful stop (3 s) on any machine.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def cut_short_by_stop(
    rel: Path, log: Path, send: Callable[[str], httpx.Response]
) -> tuple[httpx.Response, str]:
    """``send(url)`` made to a live server over ``rel`` that is told to stop (SIGTERM) once
    the request is in flight, and runs past the graceful stop's bound: its answer and the
    server's log."""
    box: dict[str, httpx.Response] = {}
    with live_server(rel, log, query_timeout=600) as server:
        caller = threading.Thread(target=lambda: box.setdefault("answer", send(server.url)))
        caller.start()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            wait_until_in_flight(client, 1)
        server.signal(signal.SIGTERM)
        caller.join(timeout=300)
        assert server.proc is not None
        server.proc.wait(timeout=120)
        text = server.log()
    return box["answer"], text


class ServeProcess(LiveServer):
    """``pcfgraph serve`` itself (the supervisor and its forked workers), by default with
    ``--http-workers 2``; a subclass sets other ``serve_args``."""

    serve_args: tuple[str, ...] = ("--http-workers", "2")

    def _spawn(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        code = "from pcfgraph.cli import entry; entry()"
        return subprocess.Popen(
            [sys.executable, "-c", code, "serve", "--port", str(self.port), *self.serve_args],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
