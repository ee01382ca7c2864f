"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pcfgraph.errors import Overloaded, PcfgraphError
from pcfgraph.runtime import app_state
from pcfgraph.served_releases import mismatch_message

router = APIRouter(tags=["operations"])


@router.get("/health", summary="The process is alive")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="A verified release is loaded, the query workers are up (and the remote store, "
    "with --store, answers)",
    responses={
        503: {
            "description": "Not ready (problem code `not-ready`, with Retry-After: also a "
            "remote store that does not answer), or the "
            "server's processes serve different releases (`release-mismatch`)"
        }
    },
)
def ready(request: Request) -> dict[str, object]:
    state = app_state(request)
    workers = _workers_ready(state.pool)
    if workers is False:
        raise Overloaded("the query worker pool is not up", retry_after=2, code="not-ready")
    remote = state.services.remote_store
    if remote is not None:
        # the served release is the store's (docs/remote-store.md): one that does not answer,
        # or holds no release any more, serves nothing but 502s
        try:
            remote.manifest()
        except PcfgraphError as exc:
            raise Overloaded(
                f"the remote store does not answer: {exc}", retry_after=5, code="not-ready"
            ) from None
    processes = state.services.processes
    mismatch = processes.release_mismatch() if processes is not None else None
    if mismatch is not None:
        raise Overloaded(mismatch_message(mismatch), retry_after=5, code="release-mismatch")
    return {
        "status": "ready",
        "release_id": state.release.release_id,
        "quads": state.quads(),
        "workers": "up" if workers else "none",
    }


def _workers_ready(pool: object) -> bool | None:
    """None without a pool; else the pool's ``ready()`` (or ``ready`` attribute) answer."""
    if pool is None:
        return None
    flag = getattr(pool, "ready", True)
    try:
        return bool(flag() if callable(flag) else flag)
    except Exception:
        return False
