"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pcfgraph.api.state import app_state

router = APIRouter(tags=["operations"])


@router.get("/health", summary="The process is alive")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="A verified release is loaded")
def ready(request: Request) -> dict[str, object]:
    state = app_state(request)
    return {
        "status": "ready",
        "release_id": state.release.release_id,
        "quads": len(state.store),
    }
