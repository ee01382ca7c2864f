"""Work done for a request, stopped when its client closes the connection.

A request waiting for a sandbox worker (a SPARQL query, an audit, a workbook comparison)
kept that worker until the task's deadline even when nobody waited for the answer any more:
a browser tab closed on a slow query, an MCP client that gave up, a script killed with
Ctrl-C. With ``query_workers`` workers, as many abandoned queries made every other client
wait (up to ``query_timeout``) or refused them. :func:`while_connected` watches the
connection while the work runs: when the server reports the client gone
(``http.disconnect``), the work is cancelled (:meth:`pcfgraph.sandbox.pool.WorkerPool.run`
kills and replaces a worker whose task is cancelled) and :class:`ClientGone` is raised, so
the request ends as a 499 in the access log and metrics rather than as a server stop.

Only around waits that may be long: the watch costs a task per request. The fast path's
in-process answers (:mod:`pcfgraph.api.fast_path`) never wait and are not watched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.requests import Request

from pcfgraph.errors import ClientGone
from pcfgraph.sandbox.fairness import client_key

if TYPE_CHECKING:
    from pcfgraph.sandbox.pool import WorkerPool
    from pcfgraph.sandbox.tasks import Task

T = TypeVar("T")


async def while_connected(request: Request, work: Awaitable[T]) -> T:
    """``await work``, cancelled when ``request``'s client closes the connection first
    (:class:`ClientGone`). ``request``'s body must have been read: the watch reads what
    else the server has for the request, and the next thing is the disconnect."""
    task = asyncio.current_task()
    assert task is not None
    receive = request.receive
    left = False

    async def watch() -> None:
        nonlocal left
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    break
        except Exception:  # a server that cannot tell (a test double): no watch
            return
        left = True
        task.cancel()

    watcher = asyncio.get_running_loop().create_task(watch())
    try:
        return await work
    except asyncio.CancelledError:
        # Ours (not the server's stop, which cancels too): the request ends as ClientGone.
        if left and task.uncancel() == 0:
            raise ClientGone("the client closed the connection before the answer") from None
        raise
    finally:
        watcher.cancel()


async def run_for_client(
    request: Request, pool: WorkerPool, task: Task, payload: dict[str, Any], timeout: float
) -> Any:
    """``pool.run(task, payload)`` for ``request``'s client (its fairness key), stopped when
    the client leaves first (:func:`while_connected`)."""
    client = client_key(request.client)
    return await while_connected(request, pool.run(task, payload, timeout=timeout, client=client))
