"""What the processes of one ``pcfgraph serve --http-workers N`` share, made before the fork.

The supervisor (:mod:`pcfgraph.http.prefork`) builds one :class:`ServerProcesses` before it
forks; each worker process inherits it and learns its own ``number`` (1..N). From it:

- **the sandbox workers are split, not multiplied**: the server runs ``query_workers`` sandbox
  worker processes in all (at least one per HTTP process), each HTTP process owning its share
  (:meth:`sandbox_workers`); a pool is never shared across processes (its workers' sockets,
  deadlines and kills belong to one event loop);
- **one admission budget**: the pools admit through one
  :class:`~pcfgraph.sandbox.admission.SharedCounts`, so ``max_concurrent_expensive`` and
  ``max_concurrent_per_client`` hold for the server as a whole;
- **one ``/metrics``**: each process answers its own numbers on a Unix socket in ``directory``
  (a private temporary directory of this server, :class:`~pcfgraph.private_dirs.PrivateDir`), and the process a scrape reaches sums
  everyone's (:mod:`pcfgraph.api.metrics_peers`);
- **one verdict on the release**: each process writes the release it serves into
  :class:`~pcfgraph.served_releases.ServedReleases` (at start, after every switch), so
  ``/ready`` and ``/metrics`` tell when a reload left the processes serving different ones.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from pathlib import Path

from pcfgraph.private_dirs import PrivateDir
from pcfgraph.sandbox.admission import SharedCounts
from pcfgraph.served_releases import ServedReleases

#: The signal the supervisor passes a reload on with, to the processes that did not begin it
#: (a reload of the server is begun by one process: :mod:`pcfgraph.server_reload`).
PASS_ON_SIGNAL = signal.SIGUSR1
#: The trigger of a reload passed on (in its outcome and log line; it is not passed on again).
PASSED_ON = "passed on"
#: The signals that ask a server process for a reload: the server's, and one passed on.
RELOAD_SIGNALS = frozenset({signal.SIGHUP, PASS_ON_SIGNAL})


def hold_reload_signals() -> None:
    """Keep the reload signals pending (blocked) in this thread and every thread and process
    it starts from here on, until the app's lifespan acts on them
    (:func:`pcfgraph.release_reload.sighup_reloads` unblocks them once its handlers are in).
    A reload asked for while the server starts (an operator publishing a release and sending
    ``SIGHUP`` right after a restart) is then made once the server can make it, instead of
    being ignored (or ending the process: ``SIGHUP``'s default action). Call it in the main
    thread before any other thread starts (a thread started earlier would take the signal)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, RELOAD_SIGNALS)


@dataclass
class ServerProcesses:
    """The shared parts of a server of ``count`` processes; ``number``: this one (0 in the
    supervisor)."""

    count: int
    admission: SharedCounts
    releases: ServedReleases
    held: PrivateDir = field(default_factory=PrivateDir)
    number: int = 0

    @property
    def directory(self) -> Path:
        """The server's private directory."""
        return self.held.path

    @classmethod
    def create(cls, count: int, max_pending: int, sandbox_workers: int) -> ServerProcesses:
        """For ``count`` processes: the admission table holds every client that can have a
        task admitted (at most the pools' ``max_pending``)."""
        return cls(
            count, SharedCounts(max(max_pending, sandbox_workers, count) + 1), ServedReleases(count)
        )

    def sandbox_workers(self, total: int) -> int:
        """This process's share of ``total`` sandbox workers (at least 1; the first
        ``total % count`` processes take one more)."""
        number = max(1, self.number)
        share = total // self.count + (1 if number <= total % self.count else 0)
        return max(1, share)

    def serving(self, release_id: str) -> None:
        """This process serves ``release_id`` now (every process, in the supervisor)."""
        numbers = [self.number] if self.number else range(1, self.count + 1)
        for number in numbers:
            self.releases.publish(number, release_id)

    def release_mismatch(self) -> dict[str, int] | None:
        """Processes per release while they serve more than one, else None."""
        counts = self.releases.processes_per_release()
        return counts if len(counts) > 1 else None

    def metrics_socket(self, number: int) -> Path:
        """Where process ``number`` answers its own metrics."""
        return self.held.socket_path(f"metrics-{number}.sock")

    def others(self) -> list[int]:
        """The numbers of the other processes."""
        return [n for n in range(1, self.count + 1) if n != self.number]

    def close(self) -> None:
        """Remove the private directory (the supervisor, once every process has stopped)."""
        self.held.close()
