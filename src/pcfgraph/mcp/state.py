"""What the MCP tools read: the served state (the HTTP app's, or ``pcfgraph mcp``'s own)."""

from __future__ import annotations

from typing import Protocol

from pcfgraph.config import Settings
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.runtime import AppState, Caches, Runtime, Services


class ServedState(Protocol):
    """What the tools need of the serving state (:class:`pcfgraph.runtime.AppState` has it)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def catalog(self) -> QueryCatalog: ...

    @property
    def services(self) -> Services: ...

    @property
    def caches(self) -> Caches: ...

    release: Release


def StandaloneState(
    settings: Settings, release: Release, catalog: QueryCatalog | None = None
) -> AppState:
    """The state of ``pcfgraph mcp`` (no HTTP app): one release; its pool goes in
    ``state.services.pool``."""
    runtime = Runtime(settings=settings, catalog=catalog or QueryCatalog())
    return AppState(runtime=runtime, release=release)
