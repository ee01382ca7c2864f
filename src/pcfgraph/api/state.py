"""What every request handler can reach: settings, the served release, the query catalog."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    """The state as of the request's first call: the release stays the same for the request.

    A reload replaces ``AppState.release`` on the app's state; a request that already asked
    keeps the snapshot it got (same settings, catalog and extras), so it finishes on the
    release it started with.
    """
    pinned: AppState | None = getattr(request.state, "pcf_snapshot", None)
    if pinned is None:
        live: AppState = request.app.state.pcf
        pinned = replace(live)
        request.state.pcf_snapshot = pinned
    return pinned
