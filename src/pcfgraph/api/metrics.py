"""``/metrics``: one app's Prometheus metrics, kept and written by ``prometheus_client``.

Each app has its own :class:`Metrics` with its own ``CollectorRegistry`` (never the library's
global default registry), so several apps in one process never share or clash. Request
counters, the latency histogram and the in-flight gauge are instruments the ops middleware
updates; the release, reloads, the sandbox pool and the process are read at scrape time by a
collector over the app's live state. With ``pcfgraph serve --http-workers N`` a scrape sums
every process's numbers (:mod:`pcfgraph.api.metrics_peers`).

One count is the process's, not an app's: request heads refused before any app ran (414, 431,
a malformed request's 400, refused by the HTTP protocol, which knows no app), counted by
:func:`count_refused` and shown in every app's scrape as ``pcfgraph_http_refused_total``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Final, cast

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.values import MutexValue

from pcfgraph import __version__
from pcfgraph.api import metrics_peers
from pcfgraph.release_reload import ReloadOutcome
from pcfgraph.runtime import AppState

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Problem codes with their own counters (besides pcfgraph_problems_total).
REJECTED_CODES = frozenset({"overloaded"})
TIMEOUT_CODES = frozenset({"query-timeout"})
CRASH_CODES = frozenset({"worker-crashed"})
#: Keys of the pool's ``stats()`` that only grow (rendered as ``pcfgraph_pool_<key>_total``).
POOL_COUNTERS = frozenset({"tasks", "timeouts", "crashes", "rejected", "recycled"})
#: Request heads this process refused before an app saw them, by (status, problem code).
_REFUSED: dict[tuple[int, str], int] = {}
_REFUSED_LOCK = threading.Lock()


def count_refused(status: int, code: str) -> None:
    """A request head refused before any app ran (:func:`pcfgraph.api.ops.log_refused`): its
    answer got an access line but no metric, so a flood of 414s showed nowhere in /metrics."""
    with _REFUSED_LOCK:
        _REFUSED[(status, code)] = _REFUSED.get((status, code), 0) + 1


def _refused_family() -> CounterMetricFamily:
    family = CounterMetricFamily(
        "pcfgraph_http_refused",
        "Request heads the server process refused before any route ran (414, 431, a "
        "malformed request's 400), by status and problem code; not in "
        "pcfgraph_http_requests_total.",
        labels=["status", "code"],
    )
    with _REFUSED_LOCK:
        counts = sorted(_REFUSED.items())
    for (status, code), n in counts:
        family.add_metric([str(status), code], n)
    return family


#: The text exposition format 0.0.4 (what ``generate_latest`` writes, and what scrapers of
#: every Prometheus version read); ``CONTENT_TYPE_LATEST`` names 1.0.0 since 0.22.
PROMETHEUS_TEXT: Final = CONTENT_TYPE_PLAIN_0_0_4


class Metrics:
    """One app's instruments and registry (thread-safe: prometheus_client locks each one)."""

    def __init__(self, live_state: Callable[[], AppState]) -> None:
        self.started = time.time()
        instruments = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "pcfgraph_http_requests_total",
            "HTTP requests by route template, method and status.",
            ("route", "method", "status"),
            registry=instruments,
        )
        self.duration = Histogram(
            "pcfgraph_http_request_duration_seconds",
            "Request latency by route template (until the last body byte).",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=instruments,
        )
        self.in_flight = Gauge(
            "pcfgraph_http_requests_in_flight", "Requests being handled now.", registry=instruments
        )
        self.problems = Counter(
            "pcfgraph_problems_total",
            "Error responses by route template and problem code.",
            ("route", "code"),
            registry=instruments,
        )
        self.rejected = Counter(
            "pcfgraph_rejected_requests_total",
            "Requests refused by admission control (503 overloaded).",
            registry=instruments,
        )
        self.timeouts = Counter(
            "pcfgraph_query_timeouts_total",
            "Sandboxed queries or uploads stopped at their deadline.",
            registry=instruments,
        )
        self.crashes = Counter(
            "pcfgraph_worker_crashes_total",
            "Requests whose sandbox worker died.",
            registry=instruments,
        )
        self.reloads = Counter(
            "pcfgraph_reloads_total",
            "Reloads of the server by outcome, one per reload however many processes it "
            "reached (a failure: the candidate was refused and the old release serves, or "
            "the processes serve different releases).",
            ("outcome",),
            registry=instruments,
        )
        for outcome in ("failure", "success"):
            self.reloads.labels(outcome)
        #: The labelled counter and histogram of each (route, method, status) seen: the
        #: library looks them up under a lock on every ``labels()`` call. As many as the
        #: library keeps itself (route templates, not raw paths).
        self._children: dict[tuple[str, str, int], _Observer] = {}
        #: Held by every update of those children (:class:`_Observer`).
        self._lock = threading.Lock()
        self._in_flight_add = _adder(self.in_flight)
        # Not auto-described: the serving collector's families depend on the pool's stats.
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_WithoutCreated(instruments))
        self.registry.register(_ServingCollector(self, live_state))
        self.live_state = live_state

    def begin(self) -> None:
        self._in_flight_add(1)

    def observe(
        self,
        route: str,
        method: str,
        status: int,
        seconds: float,
        code: str | None,
        in_flight: bool = True,
    ) -> None:
        """A finished request counted (``in_flight``: :meth:`begin` counted it in flight)."""
        if in_flight:
            self._in_flight_add(-1)
        observer = self._children.get((route, method, status)) or self.observer(
            route, method, status
        )
        observer.observe(seconds)
        if code:
            self.problems.labels(route, code).inc()
            for codes, counter in (
                (REJECTED_CODES, self.rejected),
                (TIMEOUT_CODES, self.timeouts),
                (CRASH_CODES, self.crashes),
            ):
                if code in codes:
                    counter.inc()

    def observer(self, route: str, method: str, status: int) -> _Observer:
        """What :meth:`observe` updates for a request of ``route``, ``method`` and ``status``
        (made once; the protocol's fast path keeps it for a request it answers again)."""
        key = (route, method, status)
        observer = self._children.get(key)
        if observer is None:
            observer = _Observer(
                self.requests.labels(route, method, str(status)),
                self.duration.labels(route),
                self._lock,
            )
            self._children[key] = observer
        return observer

    def reload_outcome(self, outcome: ReloadOutcome) -> None:
        self.reloads.labels("success" if outcome.ok else "failure").inc()

    def render(self) -> bytes:
        """The exposition of everything in this app's registry; in one of several server
        processes, summed with the others' (:mod:`pcfgraph.api.metrics_peers`)."""
        processes = self.live_state().services.processes
        if processes is None or processes.number == 0:
            return generate_latest(self.registry)
        own = metrics_peers.families(self.registry)
        others = metrics_peers.ask(processes.metrics_socket(n) for n in processes.others())
        summed = CollectorRegistry(auto_describe=False)
        summed.register(metrics_peers.Summed(own, others))
        return generate_latest(summed)

    def value(self, name: str) -> float:
        return self.registry.get_sample_value(name) or 0.0


def _adder(gauge: Gauge) -> Callable[[float], None]:
    """``gauge.inc`` without its per-call checks (it has no labels and is not in the most-recent
    mode: they always pass): the ``inc`` of its value, which takes the value's lock as
    ``Gauge.inc`` does. The public method if the library keeps its value otherwise."""
    value = getattr(gauge, "_value", None)
    add = getattr(value, "inc", None)
    if add is None or getattr(gauge, "_is_most_recent", False):
        return gauge.inc  # pragma: no cover - another prometheus_client than the pinned one
    return cast("Callable[[float], None]", add)


class _Observer:
    """One (route, method, status)'s request counter and latency histogram, updated as
    ``counter.inc()`` and ``histogram.observe(seconds)`` update them (the same values)
    without the library's per-call checks, which always pass for these labelled children
    (observable, a positive amount, no exemplar), and under one lock instead of three: the
    app's (:class:`Metrics`), held by every update of these children (only this class
    updates them; a scrape reads each value under its own lock, as before, and sees each
    value's last update whole). The checks, calls and locks were most of the metrics' cost
    of a fast ``/sparql`` answer. The public methods if the library keeps its values
    otherwise (not as its in-process :class:`~prometheus_client.values.MutexValue`)."""

    __slots__ = ("_buckets", "_count", "_kept", "_sum")

    def __init__(self, counter: Counter, histogram: Histogram, lock: threading.Lock) -> None:
        count = getattr(counter, "_value", None)
        total = getattr(histogram, "_sum", None)
        bounds = getattr(histogram, "_upper_bounds", None)
        buckets = getattr(histogram, "_buckets", None)
        self._count: Callable[[float], None] = counter.inc
        self._sum: Callable[[float], None] = histogram.observe
        self._buckets: tuple[tuple[float, Any], ...] = ()
        self._kept: tuple[threading.Lock, Any, Any] | None = None
        values = [count, total, *(buckets or ())]
        if bounds and buckets and all(type(value) is MutexValue for value in values):
            self._buckets = tuple(zip(bounds, buckets, strict=True))
            self._kept = (lock, count, total)

    def observe(self, seconds: float) -> None:
        kept = self._kept
        if kept is None:
            self._count(1)
            self._sum(seconds)
            return
        lock, count, total = kept
        with lock:
            count._value += 1
            total._value += seconds
            for (
                bound,
                bucket,
            ) in self._buckets:  # as Histogram.observe: the first bound it is within
                if seconds <= bound:
                    bucket._value += 1
                    break


class _WithoutCreated(Collector):
    """The instruments without their ``*_created`` series (pcfgraph never published them;
    the library's switch for that is process-global)."""

    def __init__(self, inner: CollectorRegistry) -> None:
        self.inner = inner

    def collect(self) -> Iterator[Metric]:
        for metric in self.inner.collect():
            if metric.name.endswith("_created"):
                continue
            metric.samples = [s for s in metric.samples if not s.name.endswith("_created")]
            yield metric


class _ServingCollector(Collector):
    """What is read at scrape time: worker restarts, the sandbox pool's numbers, the release
    being served, reloads' time, the version and the process."""

    def __init__(self, metrics: Metrics, live_state: Callable[[], AppState]) -> None:
        self.metrics = metrics
        self.live_state = live_state

    def collect(self) -> Iterator[Metric]:
        state = self.live_state()
        pool = _pool_stats(state)
        restarts = pool.pop("restarts", None)
        if restarts is None:
            restarts = self.metrics.value("pcfgraph_query_timeouts_total") + self.metrics.value(
                "pcfgraph_worker_crashes_total"
            )
        yield CounterMetricFamily(
            "pcfgraph_worker_restarts_total",
            "Sandbox workers replaced (after a timeout, a crash or a memory limit).",
            value=restarts,
        )
        yield _refused_family()
        for key, value in sorted(pool.items()):
            if key in POOL_COUNTERS:
                yield CounterMetricFamily(
                    f"pcfgraph_pool_{key}_total", f"Sandbox pool: {key}.", value=value
                )
            else:
                yield GaugeMetricFamily(f"pcfgraph_pool_{key}", f"Sandbox pool: {key}.", value)
        release = state.release
        yield _labelled(
            "pcfgraph_release_info",
            "The release being served (value 1; its id is a label).",
            {"release_id": release.release_id},
        )
        yield GaugeMetricFamily(
            "pcfgraph_release_quads",
            "Quads in the served release.",
            state.caches.release_quads(release),
        )
        processes = state.services.processes
        if processes is not None and processes.count > 1:
            counts = processes.releases.processes_per_release()
            family = GaugeMetricFamily(
                "pcfgraph_release_processes",
                "Server processes serving each release (more than one release: a reload "
                "failed in some of them, and /ready answers release-mismatch).",
                labels=["release_id"],
            )
            for release_id, count in sorted(counts.items()):
                family.add_metric([release_id], count)
            yield family
        manager = state.services.releases
        if manager is not None:
            yield GaugeMetricFamily(
                "pcfgraph_release_loaded_timestamp_seconds",
                "When the served release was switched in (Unix time).",
                manager.loaded_at,
            )
        yield _labelled(
            "pcfgraph_build_info", "pcfgraph version (value 1).", {"version": __version__}
        )
        yield GaugeMetricFamily(
            "pcfgraph_process_start_time_seconds",
            "When the serving process started its app (Unix time).",
            self.metrics.started,
        )
        rss = resident_memory_bytes()
        if rss is not None:
            yield GaugeMetricFamily(
                "pcfgraph_process_resident_memory_bytes",
                "Resident memory of the serving process (workers not included); summed over "
                "several server processes, the pages they share copy-on-write count once per "
                "process (pcfgraph_process_proportional_memory_bytes does not).",
                rss,
            )
        pss = proportional_memory_bytes()
        if pss is not None:
            yield GaugeMetricFamily(
                "pcfgraph_process_proportional_memory_bytes",
                "Proportional memory (PSS) of the serving process (workers not included): its "
                "resident pages, each shared one divided by the processes sharing it; summed "
                "over several server processes, what they hold together.",
                pss,
            )


def _labelled(name: str, help_text: str, labels: dict[str, str]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, help_text, labels=list(labels))
    family.add_metric(list(labels.values()), 1)
    return family


def _pool_stats(state: AppState) -> dict[str, float]:
    """Numbers the sandbox pool reports through ``stats() -> dict`` (when it has one).

    Keys become ``pcfgraph_pool_<key>`` gauges, except ``restarts``, which is
    ``pcfgraph_worker_restarts_total``.
    """
    pool = state.pool
    stats = getattr(pool, "stats", None)
    if not callable(stats):
        return {}
    try:
        raw = stats()
    except Exception:
        logging.getLogger("pcfgraph.api").exception("pool.stats() failed")
        return {}
    if not isinstance(raw, dict):
        return {}
    return {_metric_name(str(k)): float(v) for k, v in raw.items() if isinstance(v, int | float)}


def _metric_name(key: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in key).strip("_").lower() or "value"


def resident_memory_bytes(pid: int | None = None) -> int | None:
    """RSS of a process from ``/proc`` (None where there is no procfs)."""
    try:
        with open(f"/proc/{pid or 'self'}/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def proportional_memory_bytes() -> int | None:
    """PSS of this process from ``/proc/self/smaps_rollup`` (Linux 4.14+; None elsewhere):
    a page shared by N processes counts 1/N, so the processes of a server forked from one
    loaded app add up to what they really hold. About 1-4 ms to read at 300-600 MB."""
    try:
        with open("/proc/self/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        return None
    return None
