"""A latency client that costs the client little: one keep-alive connection on a plain socket.

``http.client`` spends about 0.2 ms of CPU on every request (building the request, parsing the
status line and every header through ``email.parser``). On a cheap lookup that is as much as
the server's own time, so a ratio measured through it is pulled towards 1 for every server
alike: the client, not the server, sets part of the figure. This client writes the request's
bytes made once per query and frames the response by its ``Content-Length`` or its chunks,
reading nothing else of the head but the status and ``Connection: close``; its CPU per request
is measured and printed beside its figures (tens of microseconds).
"""

from __future__ import annotations

import socket
import urllib.parse

RECV = 1 << 18


class ServerClosed(ConnectionError):
    """The server closed the connection before a whole response came."""


class LeanClient:
    """One keep-alive connection to one server's query URL (see the module doc)."""

    def __init__(self, name: str, url: str) -> None:
        u = urllib.parse.urlsplit(url)
        self.name = name
        self.address = (u.hostname or "127.0.0.1", u.port or 80)
        self.path = u.path
        self.sock: socket.socket | None = None
        self.reconnects = 0

    def request(self, text_target: str, accept: str) -> bytes:
        """The bytes of ``GET text_target`` asking for ``accept`` (made once per query)."""
        host = f"{self.address[0]}:{self.address[1]}"
        return f"GET {text_target} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\n\r\n".encode(
            "latin-1"
        )

    def connect(self) -> None:
        self.close()
        sock = socket.create_connection(self.address, timeout=600)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def get(self, request: bytes) -> bytes:
        """The body of a 200 answer to ``request``; an idle connection the server closed is
        made again once (counted in ``reconnects``), any other status raises."""
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self.connect()
                assert self.sock is not None
                self.sock.sendall(request)
                return self._response(self.sock)
            except (ServerClosed, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt:
                    raise RuntimeError(f"{self.name} closed the connection") from None
                self.reconnects += 1
        raise AssertionError("unreachable")

    def _response(self, sock: socket.socket) -> bytes:
        data = b""
        while (end := data.find(b"\r\n\r\n")) < 0:
            data += _recv(sock)
        head, rest = data[:end].lower(), data[end + 4 :]
        status = int(head[9:12])
        at = head.find(b"\r\ncontent-length:")
        if at >= 0:
            stop = head.find(b"\r\n", at + 2)
            size = int(head[at + 17 : stop if stop >= 0 else len(head)])
            while len(rest) < size:
                rest += _recv(sock)
            body = rest[:size]
        elif b"\r\ntransfer-encoding: chunked" in head:
            body = _chunked(sock, rest)
        else:
            raise RuntimeError(f"{self.name}: a response without a length")
        if b"\r\nconnection: close" in head:
            self.close()
        if status != 200:
            raise RuntimeError(f"{self.name}: HTTP {status}: {body[:300]!r}")
        return body


def _recv(sock: socket.socket) -> bytes:
    chunk = sock.recv(RECV)
    if not chunk:
        raise ServerClosed
    return chunk


def _chunked(sock: socket.socket, data: bytes) -> bytes:
    """A chunked body (no trailers), ``data`` being what came after the head so far."""
    parts: list[bytes] = []
    pos = 0
    while True:
        while (line_end := data.find(b"\r\n", pos)) < 0:
            data += _recv(sock)
        size = int(data[pos:line_end].split(b";", 1)[0], 16)
        start = line_end + 2
        while len(data) < start + size + 2:
            data += _recv(sock)
        if size == 0:
            return b"".join(parts)
        parts.append(data[start : start + size])
        pos = start + size + 2
