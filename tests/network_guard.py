"""No outbound connection from the test run (issue 14: the whole suite asserts it).

While the suite runs, every ``connect`` of a socket in the test process must go to loopback or
a local (Unix, netlink) socket; anything else raises :class:`OutboundConnection` at once, so
the test that tried fails naming the address. Server subprocesses are covered by their own
checks (the sandbox workers' network isolation, the loopback canary of tests/security).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

#: Host names that never leave the machine (TestClient's is never resolved at all).
LOCAL_NAMES = frozenset({"localhost", "testserver", ""})


class OutboundConnection(ConnectionRefusedError):
    """A test tried to connect outside the machine."""


def is_local(family: int, address: Any) -> bool:
    if family not in (socket.AF_INET, socket.AF_INET6):
        return True  # Unix sockets, netlink, ...
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False  # a host name other than the local ones: would be resolved remotely


def install() -> Callable[[], None]:
    """Guard ``socket.socket.connect`` and ``connect_ex``; returns the function undoing it."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if not is_local(sock.family, address):
            raise OutboundConnection(f"outbound connection attempted in a test: {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]

    def undo() -> None:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]

    return undo
