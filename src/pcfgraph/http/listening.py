"""uvicorn's server, saying so once it listens.

``pcfgraph serve`` printed "serving release ... on http://HOST:PORT" before uvicorn ran the
app's lifespan and bound the port: a start-up that failed, or a port another program took
after the early check (:mod:`pcfgraph.http.port_check`), came after the operator had read
that the server was serving. uvicorn listens once the lifespan has started (its
``startup``); :class:`ListeningServer` calls ``listening`` right after, and only then.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn


class ListeningServer(uvicorn.Server):
    """:class:`uvicorn.Server` that calls ``listening`` once it listens (never when its start
    fails)."""

    def __init__(self, config: uvicorn.Config, listening: Callable[[], None] | None) -> None:
        super().__init__(config)
        self.listening = listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.listening is not None:
            self.listening()
