"""A port another server listens on is refused at once, naming it (pcfgraph.http.port_check):
a second ``pcfgraph serve`` on a port the first still served joined it through SO_REUSEPORT
(the kernel then spread the connections over both releases), and one held by another program
was reported as an internal error after the release had loaded."""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator

import pytest

from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.errors import InputError
from pcfgraph.http.port_check import refuse_taken_port
from pcfgraph.http.prefork import listening_sockets


def listener(reuseport: bool) -> socket.socket:
    """A socket listening on a free loopback port (as another pcfgraph: with SO_REUSEPORT)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


@pytest.fixture(params=[False, True], ids=["another program", "another pcfgraph"])
def taken(request: pytest.FixtureRequest) -> Iterator[int]:
    with listener(request.param) as sock:
        yield sock.getsockname()[1]


def test_a_port_another_server_listens_on_is_refused_naming_it(taken: int) -> None:
    with pytest.raises(InputError, match=rf"cannot listen on 127\.0\.0\.1:{taken}: another server"):
        refuse_taken_port("127.0.0.1", taken)


def test_the_workers_sockets_never_join_another_server(taken: int) -> None:
    # the supervisor of --http-workers binds with SO_REUSEPORT: it joined the other listener
    with pytest.raises(InputError, match=rf"127\.0\.0\.1:{taken}: another server"):
        listening_sockets("127.0.0.1", taken, 2)


def test_a_free_port_and_port_0_pass() -> None:
    with listener(False) as sock:
        port = sock.getsockname()[1]
    refuse_taken_port("127.0.0.1", port)  # closed: free again
    refuse_taken_port("127.0.0.1", 0)
    first, second = listening_sockets("127.0.0.1", port, 2)
    with first, second:
        assert first.getsockname()[1] == second.getsockname()[1] == port


def test_an_address_not_of_this_machine_is_named_too() -> None:
    # 192.0.2.1 (TEST-NET-1) is no local address: EADDRNOTAVAIL, not an internal error
    with pytest.raises(InputError, match=r"cannot listen on 192\.0\.2\.1:8\d+: "):
        refuse_taken_port("192.0.2.1", 8123)


def test_serve_on_a_taken_port_exits_2_before_loading(
    taken: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pcfgraph.cli import serve

    def loads(*args: object, **kwargs: object) -> None:
        raise AssertionError("the release was loaded for a port that is taken")

    monkeypatch.setattr(serve, "ReleaseLoading", loads)
    monkeypatch.setattr(serve, "preload", loads)
    assert run_main(main, ["serve", "--port", str(taken)]) == 2
    # refused before it pauses the collector for its start (pcfgraph.heap): a process that
    # goes on (this one) keeps collecting
    assert gc.isenabled()
    err = capsys.readouterr().err
    assert f"pcfgraph: error: cannot listen on 127.0.0.1:{taken}: another server" in err
    assert "internal error" not in err
