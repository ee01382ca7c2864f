"""HTTP edge: FastAPI app factory and routers (thin over the shared core)."""

from pcfgraph.api.app import create_app

__all__ = ["create_app"]
