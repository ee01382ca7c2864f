"""How many bytes of request bodies one server process holds at once (``max_body_memory_bytes``).

Each body has its own limit (``max_body_bytes``, ``max_upload_bytes``, the MCP message limit,
six times ``max_upload_bytes``), but nothing bounded how many are held together: ten clients
each sending an MCP message at its limit held ten times 192 MiB at the default settings. The
guard (:class:`pcfgraph.api.http_guard.HttpGuardMiddleware`) counts every body's bytes as the
app reads them and gives them back when the request is answered; a request whose next bytes
would take the bodies held past the budget while others hold some is refused 503
``body-memory-full`` with ``Retry-After``, naming the setting. A request alone is never
refused by the budget (its own limit applies), so any body its limit allows can be sent.
The protocol's fast path answers only ``/sparql`` requests with small bodies, without the
guard's layer: those are not counted.
"""

from __future__ import annotations

from pcfgraph.errors import Overloaded


class BodyMemoryFull(Overloaded):
    """The bodies of the requests in progress already hold ``max_body_memory_bytes``."""

    code = "body-memory-full"


class BodyMemory:
    """The bytes of request bodies held by the requests in progress of one process (the event
    loop's thread only: no lock)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0

    def take(self, size: int, own: int) -> None:
        """Count ``size`` more bytes of a request that already holds ``own``; BodyMemoryFull
        when that takes the total past the limit while other requests hold bytes too."""
        if self.held + size > self.limit and self.held > own:
            raise BodyMemoryFull(
                f"the server holds {self.held} bytes of request bodies in progress; "
                f"{size} more would pass the max_body_memory_bytes limit of {self.limit}: "
                "send the request again shortly (Retry-After)",
                retry_after=2,
            )
        self.held += size

    def give_back(self, size: int) -> None:
        self.held -= size
