"""Worker processes for untrusted work (client SPARQL, uploads), one module per job.

pyoxigraph has no query timeout, a deeply nested query can crash the process parsing it, and
rdflib evaluation cannot be interrupted. So untrusted work never runs in the serving process:

- :mod:`~pcfgraph.sandbox.pool`: the pool in the serving process (admission, per-client
  fairness, dispatch of a task to a worker under its deadline), built on
  :mod:`~pcfgraph.sandbox.fleet` (the workers' lives: start, crash, replacement, recycling,
  reloads, stop), :mod:`~pcfgraph.sandbox.process` (spawning and killing one worker process),
  :mod:`~pcfgraph.sandbox.replies` (reading and decoding its replies),
  :mod:`~pcfgraph.sandbox.release_data` (the data each generation of workers loads) and
  :mod:`~pcfgraph.sandbox.fairness` (which waiting client gets an idle worker);
- :mod:`~pcfgraph.sandbox.worker`: the worker process (read-only copy of the release, memory
  limit, no network);
- :mod:`~pcfgraph.sandbox.protocol`: the messages between them, plain data (JSON plus byte
  strings, length-prefixed), never pickles;
- :mod:`~pcfgraph.sandbox.tasks`: the closed registry of tasks a worker runs.

Errors raised by a task as :class:`~pcfgraph.errors.PcfgraphError` subclasses are rebuilt in
the caller with the same class and plain attributes (code, line, column, ...).

The names below are imported on first use (PEP 562): a worker process (``python -m
pcfgraph.sandbox``) imports this package first and needs neither the pool nor asyncio, which
cost about 0.1 s of its start (the server's ``/ready`` waits for its workers).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pcfgraph.sandbox.pool import WorkerPool
    from pcfgraph.sandbox.tasks import AUDIT_UPLOAD, SPARQL_QUERY, Task
    from pcfgraph.sandbox.worker import WorkerContext

#: Where each public name lives.
_HOMES = {
    "AUDIT_UPLOAD": "pcfgraph.sandbox.tasks",
    "SPARQL_QUERY": "pcfgraph.sandbox.tasks",
    "Task": "pcfgraph.sandbox.tasks",
    "WorkerContext": "pcfgraph.sandbox.worker",
    "WorkerPool": "pcfgraph.sandbox.pool",
}

__all__ = ["AUDIT_UPLOAD", "SPARQL_QUERY", "Task", "WorkerContext", "WorkerPool"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
