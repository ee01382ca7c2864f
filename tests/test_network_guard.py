"""The suite-wide guard against outbound connections (tests/network_guard.py) is active."""

from __future__ import annotations

import socket

import httpx
import pytest
from network_guard import OutboundConnection, is_local


def test_a_connection_outside_the_machine_fails_in_any_test() -> None:
    # 192.0.2.0/24 is TEST-NET-1: never routed, so nothing is contacted even without the guard.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(OutboundConnection):
        s.connect(("192.0.2.1", 80))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, pytest.raises(OutboundConnection):
        s.connect_ex(("192.0.2.1", 53))
    with pytest.raises(httpx.ConnectError, match="outbound connection"):
        httpx.get("http://192.0.2.1/", timeout=5, trust_env=False)


def test_loopback_stays_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.connect(server.getsockname())
    assert is_local(socket.AF_INET6, ("::1", 80, 0, 0))
    assert is_local(socket.AF_INET, ("localhost", 80))
    assert not is_local(socket.AF_INET, ("example.org", 80))
    assert not is_local(socket.AF_INET6, ("2001:db8::1", 80, 0, 0))
