"""Reloading a server of several processes as one: one answer, one count, for the server.

Each process of ``pcfgraph serve --http-workers N`` holds and reloads its own release
(:mod:`pcfgraph.release_reload`). A reload of the server (``POST /admin/reload`` to any
process, ``SIGHUP`` to the server) is *begun* by one process: it builds and verifies the
candidate; refused, nothing is passed on (every process keeps what it serves: one failure);
switched, the reload is passed on to the others (through the supervisor,
:data:`pcfgraph.server_processes.PASS_ON_SIGNAL`), and the process that began it waits until
every process writes the same release into the shared table
(:mod:`pcfgraph.served_releases`) after an attempt of its own (the same release id,
unchanged on disk, is not taken for a reload done), at most ``reload_wait_seconds``. Only
then does the
reload have an outcome: success when they all serve the new release; ``release-mismatch``
when they don't at the bound, or as soon as another process wrote that it gave the reload up
(its retry failed too, :func:`pcfgraph.serving.pass_reloads_on`). That outcome is what
``POST /admin/reload`` answers and the one ``pcfgraph_reloads_total`` counts (the passed-on
attempts are not counted: a scrape summing every process sees one reload per reload).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from pcfgraph.errors import Overloaded, ServerStopping
from pcfgraph.release_reload import ReleaseManager, ReloadOutcome
from pcfgraph.served_releases import mismatch_message
from pcfgraph.server_processes import ServerProcesses

log = logging.getLogger("pcfgraph.serving")

#: Between two looks at the shared table while waiting for the other processes (seconds).
POLL_SECONDS = 0.05
#: The problem code of a reload that left the processes serving different releases (the
#: code ``/ready`` answers meanwhile).
MISMATCH = "release-mismatch"


class ServerReload:
    """The reload of the whole server, begun in this process (installed as
    ``ReleaseManager.server`` in each worker of a server of several processes)."""

    def __init__(
        self,
        manager: ReleaseManager,
        processes: ServerProcesses,
        pass_on: Callable[[], None],
        wait_seconds: float,
    ) -> None:
        self.manager = manager
        self.processes = processes
        self.pass_on = pass_on
        self.wait_seconds = wait_seconds
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._lock.locked() or self.manager.running

    async def __call__(self, trigger: str) -> ReloadOutcome:
        if self.running:
            raise Overloaded("a release reload is already running", retry_after=5)
        async with self._lock:
            return await self._reload(trigger)

    async def _reload(self, trigger: str) -> ReloadOutcome:
        started = time.perf_counter()
        table = self.processes.releases
        gave_up_before = {n: count for n, (count, _) in table.failures().items()}
        attempts_before = table.attempts()
        own = await self.manager.reload(trigger)
        if not own.ok:
            return own  # refused here: passed on to nobody, every process serves what it did
        self.pass_on()
        target = own.release_id
        deadline = time.monotonic() + self.wait_seconds
        while True:
            served = table.served()
            attempts = table.attempts()
            behind = {
                n: rid
                for n, rid in served.items()
                if rid != target
                or (n != self.processes.number and attempts[n] <= attempts_before[n])
            }
            if not behind and len(served) == self.processes.count:
                outcome = replace(own, seconds=_since(started), processes={target: len(served)})
                log.info(
                    "reload (%s): every process (%d) serves release %s after %.2f s",
                    trigger,
                    len(served),
                    target,
                    outcome.seconds,
                )
                return outcome
            gave_up = {
                n: reason
                for n, (count, reason) in table.failures().items()
                if n in behind and count > gave_up_before.get(n, 0)
            }
            if gave_up or time.monotonic() >= deadline:
                return self._mismatch(own, trigger, started, gave_up, sorted(behind))
            if self.manager.stopping:
                return self._stopped(own, trigger, started, sorted(behind))
            await asyncio.sleep(POLL_SECONDS)

    def _stopped(
        self, own: ReloadOutcome, trigger: str, started: float, behind: list[int]
    ) -> ReloadOutcome:
        """The server began to stop while this reload waited for the other processes, which
        stop now instead of switching: answered at once (``server-stopping``), not once the
        graceful stop's bound cut the request short (a stop during a ``POST /admin/reload``
        took all of ``graceful_stop_seconds``, then answered the same 503)."""
        detail = (
            f"the server is stopping: this process (number {self.processes.number}) serves "
            f"release {own.release_id} now, process {', '.join(map(str, behind)) or '?'} did not "
            "switch before the stop; send the reload again once the server is back (a "
            "restart serves what is on disk)"
        )
        log.warning("reload (%s) not finished: %s", trigger, detail)
        return replace(
            own,
            ok=False,
            seconds=_since(started),
            code=ServerStopping.code,
            detail=detail,
            processes=self.processes.releases.processes_per_release(),
        )

    def _mismatch(
        self,
        own: ReloadOutcome,
        trigger: str,
        started: float,
        gave_up: dict[int, str],
        behind: list[int],
    ) -> ReloadOutcome:
        counts = self.processes.releases.processes_per_release()
        why = (
            "; ".join(f"process {n} failed to load it: {reason}" for n, reason in gave_up.items())
            if gave_up
            else f"not every process switched within {self.wait_seconds:g} s"
        )
        state = (
            mismatch_message(counts)
            if len(counts) > 1
            else f"process {', '.join(str(n) for n in sorted(gave_up) or behind)} did not "
            "finish its reload of it (see its log)"
        )
        detail = (
            f"this process (number {self.processes.number}) serves release {own.release_id} "
            f"now, but {why}; {state}"
        )
        log.error("reload (%s) did not reach every process: %s", trigger, detail)
        return replace(
            own,
            ok=False,
            seconds=_since(started),
            code=MISMATCH,
            detail=detail,
            processes=counts,
        )


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
