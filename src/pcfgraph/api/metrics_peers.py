"""``/metrics`` of a server of several processes (``pcfgraph serve --http-workers N``).

A scrape reaches one process; its counters alone would be a fraction of the server's. So each
process answers its own numbers (every family of its registry, as JSON) on a Unix socket in
the server's private directory (:mod:`pcfgraph.server_processes`), from a thread of its own
(it answers while its event loop is busy), and the process a scrape reaches asks every other
one and writes the sum: counters, histograms and the in-flight and pool gauges are added up
over the processes; what describes the server rather than counts in it (the release served,
the version, the process start time, the release's quads and load time, the processes
serving each release, read from the table every process shares) is the answering process's
own. Metric names, labels and types stay those of one process; one family is added,
``pcfgraph_http_processes`` (the processes whose numbers the scrape holds). Nothing is shared
on the request path: a request updates its own process's instruments only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

log = logging.getLogger("pcfgraph.api")

#: Families that describe the server, not a count in it: the scraped process's own value.
OWN_VALUE = frozenset(
    {
        "pcfgraph_release_info",
        "pcfgraph_release_quads",
        "pcfgraph_release_processes",
        "pcfgraph_release_loaded_timestamp_seconds",
        "pcfgraph_build_info",
        "pcfgraph_process_start_time_seconds",
    }
)
#: How long a scrape waits for the other processes' numbers in all (seconds).
PEER_TIMEOUT = 5.0

Families = list[list[Any]]


def families(registry: CollectorRegistry) -> Families:
    """A registry's metrics as plain data: ``[name, type, help, unit, [[sample, labels,
    value], ...]]`` per family."""
    return [
        [m.name, m.type, m.documentation, m.unit, [[s.name, s.labels, s.value] for s in m.samples]]
        for m in registry.collect()
    ]


def answer(registry: CollectorRegistry, path: Path) -> threading.Thread:
    """Answer ``registry``'s families to whoever connects to ``path`` (a daemon thread of the
    process that calls it; the supervisor removes the directory when the server stops)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(16)

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                try:
                    conn.sendall(json.dumps(families(registry)).encode())
                except Exception:  # a scrape that went away, or a collector error
                    log.exception("answering a metrics scrape of another server process")

    thread = threading.Thread(target=serve, name=f"metrics-peer-{os.getpid()}", daemon=True)
    thread.start()
    return thread


def ask(paths: Iterable[Path], timeout: float = PEER_TIMEOUT) -> list[Families]:
    """The families of the processes answering at ``paths`` (one that does not answer within
    the time left is left out, with a warning: the scrape says how many it holds)."""
    deadline = time.monotonic() + timeout
    found: list[Families] = []
    for path in paths:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(max(0.05, deadline - time.monotonic()))
                conn.connect(str(path))
                chunks = []
                while chunk := conn.recv(1 << 16):
                    chunks.append(chunk)
            found.append(json.loads(b"".join(chunks)))
        except (OSError, ValueError):
            log.warning("no metrics from the server process at %s", path)
    return found


class Summed(Collector):
    """``own`` (this process's families) with every other process's added in."""

    def __init__(self, own: Families, others: list[Families]) -> None:
        self.own = own
        self.others = others

    def collect(self) -> Iterator[Metric]:
        order: list[str] = []
        merged: dict[str, tuple[list[Any], dict[tuple[str, tuple[Any, ...]], float]]] = {}
        for index, process in enumerate([self.own, *self.others]):
            for name, typ, help_text, unit, samples in process:
                if name not in merged:
                    order.append(name)
                    merged[name] = ([name, typ, help_text, unit], {})
                elif index and name in OWN_VALUE:
                    continue
                values = merged[name][1]
                for sample, labels, value in samples:
                    key = (sample, tuple(sorted(labels.items())))
                    values[key] = values.get(key, 0.0) + value
        for name in order:
            (_, typ, help_text, unit), values = merged[name]
            metric = Metric(name, help_text, typ, unit)
            for (sample, labels), value in values.items():
                metric.add_sample(sample, dict(labels), value)
            yield metric
        yield GaugeMetricFamily(
            "pcfgraph_http_processes",
            "Server processes whose numbers this scrape sums (pcfgraph serve --http-workers).",
            1 + len(self.others),
        )
