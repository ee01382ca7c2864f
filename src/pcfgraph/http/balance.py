"""Connections kept evenly over the server's worker processes, whatever the kernel's hash.

With ``--http-workers N`` each worker accepts on its own ``SO_REUSEPORT`` socket
(:mod:`pcfgraph.http.prefork`), and the kernel picks the socket by a hash of the client's
address and port. Over many short-lived clients that is even; over a few long-lived
keep-alive connections (a load balancer's or a proxy's upstream pool, a client library's pool,
``wrk -c8``) it is a coin toss per connection: 7 of 8 on one worker was measured, and then one
core serves while the other idles (8-client throughput of ``ASK {}`` was no higher with two
workers than with one).

So a worker that accepts a connection while it holds more open connections than the least
loaded worker hands it to that worker before reading a byte: the socket's descriptor goes
over a Unix datagram socket made before the fork (``SCM_RIGHTS``), the receiving worker
serves it as if it had accepted it, and the first closes its own descriptor only (the
connection and anything the client already sent stay in the kernel). A connection is handed
at most once. The counts live in memory shared before the fork, under one lock; a worker that
cannot take the lock at once (another holds it, or died holding it) keeps the connection
uncounted, so balancing can only ever be skipped, never block or lose a connection. A
stopping worker is taken out of the count, so nothing is handed to it.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import logging
import multiprocessing
import socket
from collections.abc import Callable
from typing import Any

import uvicorn

from pcfgraph.http.listening import ListeningServer

log = logging.getLogger("pcfgraph.serving")

#: How long a worker waits for the counts' lock before it keeps a connection uncounted.
LOCK_SECONDS = 0.05
#: The count of a stopping worker: never the least loaded.
STOPPING = 1 << 40


class ConnectionBalance:
    """Open connections per worker and the sockets that carry handed connections; made
    before the fork, then :meth:`join` in each worker."""

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("fork")
        self._counts = context.RawArray(ctypes.c_longlong, workers)
        self._lock = context.Lock()
        self._pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM) for _ in range(workers)]
        self.me = -1  # this worker's index, once joined

    def join(self, number: int) -> None:
        """In worker ``number`` (1..N): keep its own receiving end and every sending end."""
        self.me = number - 1
        for index, (send, receive) in enumerate(self._pairs):
            send.setblocking(False)
            if index == self.me:
                receive.setblocking(False)
            else:
                receive.close()

    def close(self) -> None:
        """In the supervisor once the workers are forked (it neither sends nor receives)."""
        for send, receive in self._pairs:
            send.close()
            receive.close()

    @property
    def receiving(self) -> socket.socket:
        return self._pairs[self.me][1]

    def place(self) -> int | None:
        """Where a connection this worker just accepted goes: another worker's index (counted
        for it), or None, kept here (counted here, or -1 when the lock was not to be had:
        not counted)."""
        if not self._lock.acquire(timeout=LOCK_SECONDS):
            return -1
        try:
            counts, me = self._counts, self.me
            least = min(range(len(counts)), key=counts.__getitem__)
            if counts[me] > counts[least]:
                counts[least] += 1
                return least
            counts[me] += 1
            return None
        finally:
            self._lock.release()

    def hand(self, target: int, transport: asyncio.BaseTransport) -> bool:
        """Send the connection of ``transport`` to worker ``target`` (the caller then closes
        its transport); False: not sent (counted here instead), the caller keeps it."""
        sock: Any = transport.get_extra_info("socket")
        try:
            socket.send_fds(self._pairs[target][0], [b"c"], [sock.fileno()])
        except (OSError, AttributeError, ValueError) as exc:
            log.debug("a connection was not handed to worker %d: %s", target + 1, exc)
            self._move(target, self.me)
            return False
        return True

    def received(self) -> list[socket.socket]:
        """The connections handed to this worker so far (already counted for it)."""
        found: list[socket.socket] = []
        while True:
            try:
                _, fds, _, _ = socket.recv_fds(self.receiving, 16, 64)
            except (BlockingIOError, InterruptedError):
                return found
            except OSError as exc:  # pragma: no cover - the socket itself failed
                log.warning("handed connections could not be read: %s", exc)
                return found
            for fd in fds:
                found.append(socket.socket(fileno=fd))
            if not fds:
                return found

    def closed(self) -> None:
        """A connection counted here has closed."""
        self._move(self.me, None)

    def stopping(self) -> None:
        """This worker stops: nothing is handed to it from now on."""
        with self._lock:
            self._counts[self.me] = STOPPING

    def _move(self, source: int, target: int | None) -> None:
        with self._lock:
            if self._counts[source] < STOPPING:
                self._counts[source] -= 1
            if target is not None and self._counts[target] < STOPPING:
                self._counts[target] += 1


def balanced_protocol(protocol_class: type, balance: ConnectionBalance) -> type:
    """``protocol_class`` (uvicorn's HTTP protocol) whose accepted connections are placed by
    ``balance``: handed on before anything is read, or served and counted here."""

    class Balanced(protocol_class):  # type: ignore[misc]
        handed_in = False
        _counted = False
        _handed_away = False

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            if self.handed_in:
                self._counted = True
            else:
                target = balance.place()
                if target is not None and target >= 0 and balance.hand(target, transport):
                    self._handed_away = True
                    transport.close()  # this descriptor only: the other worker has its own
                    return
                self._counted = target is None or target >= 0
            super().connection_made(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            if self._handed_away:
                return
            try:
                super().connection_lost(exc)
            finally:
                if self._counted:
                    self._counted = False
                    balance.closed()

    Balanced.__name__ = Balanced.__qualname__ = f"Balanced{protocol_class.__name__}"
    return Balanced


def adopt_handed(
    balance: ConnectionBalance, make_protocol: Any, loop: asyncio.AbstractEventLoop
) -> set[asyncio.Task[Any]]:
    """Serve the connections other workers hand to this one, each with a protocol from
    ``make_protocol`` marked as handed in (never handed again); returns the set of adoptions
    in progress (kept so they are not collected)."""
    adopting: set[asyncio.Task[Any]] = set()

    def make() -> Any:
        protocol = make_protocol()
        protocol.handed_in = True
        return protocol

    def readable() -> None:
        for sock in balance.received():
            sock.setblocking(False)
            task = loop.create_task(loop.connect_accepted_socket(make, sock))
            adopting.add(task)
            task.add_done_callback(functools.partial(adopted, sock))

    def adopted(sock: socket.socket, task: asyncio.Task[Any]) -> None:
        adopting.discard(task)
        error = None if task.cancelled() else task.exception()
        if task.cancelled() or error is not None:  # never served: not counted here after all
            log.warning("a connection handed to this worker could not be served: %s", error)
            sock.close()
            balance.closed()

    loop.add_reader(balance.receiving.fileno(), readable)
    return adopting


class BalancedServer(ListeningServer):
    """uvicorn's server in one worker of several: its connections placed by ``balance``;
    ``listening`` called once it listens (:mod:`pcfgraph.http.listening`)."""

    def __init__(
        self,
        config: uvicorn.Config,
        balance: ConnectionBalance,
        listening: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(config, listening)
        self.balance = balance
        self._adopting: set[asyncio.Task[Any]] = set()
        if not config.loaded:
            config.load()
        config.http_protocol_class = balanced_protocol(config.http_protocol_class, balance)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        config = self.config

        def make_protocol() -> Any:  # as uvicorn's startup makes one per accepted connection
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state
            )

        self._adopting = adopt_handed(self.balance, make_protocol, asyncio.get_running_loop())

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.balance.stopping()
        asyncio.get_running_loop().remove_reader(self.balance.receiving.fileno())
        for late in self.balance.received():  # handed before the others knew: not served
            late.close()
        await super().shutdown(sockets)
