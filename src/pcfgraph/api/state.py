"""What every request handler can reach: settings, the served release, the query catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from pcfgraph.config import Settings
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release
from pcfgraph.store import EmbeddedStore


@dataclass
class AppState:
    settings: Settings
    release: Release
    catalog: QueryCatalog
    #: Extension slots for edges (worker pool, metrics, ...), keyed by name.
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> EmbeddedStore:
        return self.release.store


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.pcf
    return state
