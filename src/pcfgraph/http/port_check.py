"""A port that another server listens on is refused before ``pcfgraph serve`` loads anything.

The server processes of ``--http-workers`` bind with ``SO_REUSEPORT`` (:mod:`pcfgraph.http.prefork`),
which lets any process of the same user that sets it listen on the same port too: a second
``pcfgraph serve`` on a port the first still served joined it, and the kernel spread the
connections over both, each answering from its own release. A port held by another program
surfaced as an "internal error" after the release had loaded. :func:`refuse_taken_port` tries
the port as a plain listener (``SO_REUSEADDR`` only, as uvicorn binds, so the connections of a
stopped server still in TIME_WAIT do not count) and raises :class:`~pcfgraph.errors.InputError`
naming it: ``serve`` calls it first, and the supervisor again just before it binds the
workers' sockets. A server still starting (its sockets bound, not yet listening) is not seen.
"""

from __future__ import annotations

import errno
import socket


def refuse_taken_port(host: str, port: int) -> None:
    """Raise :class:`~pcfgraph.errors.InputError` when ``host:port`` cannot be listened on
    (port 0, any free port, is never taken)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
            probe.listen(1)
        except OSError as exc:
            raise cannot_listen(host, port, exc) from None


def cannot_listen(host: str, port: int, exc: OSError) -> Exception:
    """The error a failed bind or listen on ``host:port`` is reported as."""
    from pcfgraph.errors import InputError

    if exc.errno == errno.EADDRINUSE:
        return InputError(
            f"cannot listen on {host}:{port}: another server is listening there "
            "(stop it, or choose another --port)"
        )
    reason = exc.strerror or str(exc)
    return InputError(f"cannot listen on {host}:{port}: {reason}")
