"""What the MCP tools read: the served state (the HTTP app's, or ``pcfgraph mcp``'s own)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pcfgraph.config import Settings
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release


class ServedState(Protocol):
    """What the tools need of the serving state (``api.state.AppState`` has it)."""

    settings: Settings
    release: Release
    catalog: QueryCatalog
    extras: dict[str, Any]


@dataclass
class StandaloneState:
    """The state of ``pcfgraph mcp`` (no HTTP app): one release, its pool in ``extras``."""

    settings: Settings
    release: Release
    catalog: QueryCatalog = field(default_factory=QueryCatalog)
    extras: dict[str, Any] = field(default_factory=dict)
