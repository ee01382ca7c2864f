"""The closed registry of work a sandbox worker will do.

A task is named, never addressed by module path: the worker looks the name up here and
refuses anything else, so a message cannot make a worker import or call arbitrary code.
Each entry is a typed callable ``(ctx, payload) -> reply``; payloads and replies are plain
data (:mod:`pcfgraph.sandbox.protocol`). Implementations are imported on first use inside
the worker, so importing this module stays cheap and the serving process never loads them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pcfgraph.sandbox.worker import WorkerContext

Payload = dict[str, Any]
Reply = dict[str, Any]
TaskFunction = Callable[["WorkerContext", Payload], Reply]


@dataclass(frozen=True)
class Task:
    """One kind of sandboxed work: its wire name and the function that does it."""

    name: str
    function: TaskFunction
    #: What it does (for logs and docs).
    summary: str
    #: What a client is told ran past its deadline ("the audit"), and the setting holding
    #: that deadline: an audit stopped was reported as "the query did not finish".
    what: str = "the task"
    setting: str = ""

    def past_deadline(self, timeout: float) -> str:
        """The message of this task stopped at its deadline of ``timeout`` seconds."""
        setting = f" (the {self.setting} setting)" if self.setting else ""
        return f"{self.what} did not finish within the {timeout:g} s deadline{setting}"


def _sparql_query(ctx: WorkerContext, payload: Payload) -> Reply:
    from pcfgraph.sparql_results import execute

    return execute(ctx, payload)


def _audit_upload(ctx: WorkerContext, payload: Payload) -> Reply:
    from pcfgraph.audit.worker import validate_upload

    return validate_upload(ctx, payload)


def _diff_workbooks(ctx: WorkerContext, payload: Payload) -> Reply:
    from pcfgraph.diff_worker import read_sides

    return read_sides(ctx, payload)


SPARQL_QUERY = Task(
    "sparql-query",
    _sparql_query,
    "run one ad-hoc SPARQL query, serialise it",
    "the query",
    "query_timeout",
)
AUDIT_UPLOAD = Task(
    "audit-upload",
    _audit_upload,
    "parse and audit an uploaded model",
    "the audit",
    "validate_timeout",
)

DIFF_WORKBOOKS = Task(
    "diff-workbooks",
    _diff_workbooks,
    "check and import uploaded workbooks for a diff",
    "reading the workbooks to compare",
    "validate_timeout",
)

REGISTRY: dict[str, Task] = {t.name: t for t in (SPARQL_QUERY, AUDIT_UPLOAD, DIFF_WORKBOOKS)}


def lookup(name: str) -> Task:
    """The registered task called ``name`` (a worker refuses any other)."""
    from pcfgraph.errors import PcfgraphError

    task = REGISTRY.get(name)
    if task is None:
        raise PcfgraphError(f"no sandbox task is called {name!r}", code="unknown-task")
    return task
