"""The ``pcfgraph.*`` records made before the server's log is configured, held and replayed
into it once it is (:func:`pcfgraph.api.ops.configure_logging`).

``pcfgraph serve`` starts loading the release's in-memory copy before it imports the app
(:mod:`pcfgraph.release_memory`), and configuring the log takes that import; a small
release's copy was in before, and its "in-memory copy loaded" line went to Python's last
resort (warnings and above only): an operator never saw it. :func:`hold` is called first;
the records it holds reach the configured log in the order they were made, each once.
Light on purpose: nothing but :mod:`logging`.
"""

from __future__ import annotations

import logging

LOGGER = "pcfgraph"


class HeldRecords(logging.Handler):
    """Holds records until :meth:`hand_over`; after it, passes each one to the handler it
    was handed to (a thread that saw the logger's handlers before the swap)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.target: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:  # called under self.lock
        if self.target is not None:
            self.target.handle(record)
        else:
            self.records.append(record)

    def hand_over(self, target: logging.Handler) -> None:
        """Replay the held records into ``target``; every later one goes there too."""
        self.acquire()  # as Handler.handle does: no record is held or passed meanwhile
        try:
            for record in self.records:
                if record.levelno >= logging.getLogger(LOGGER).getEffectiveLevel():
                    target.handle(record)
            self.records.clear()
            self.target = target
        finally:
            self.release()


def hold(level: str) -> None:
    """Hold ``pcfgraph.*`` records of ``level`` and above until the log is configured."""
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(h, HeldRecords) for h in logger.handlers):
        logger.addHandler(HeldRecords())
    logger.setLevel(level.upper())
    logger.propagate = False


def install(logger: logging.Logger, handler: logging.Handler) -> None:
    """``handler`` in place of the held records (replayed into it first) and of ``logger``'s
    other handlers marked ``_pcfgraph`` (a previous configuration). The handler list is
    replaced whole, never changed in place: a thread logging meanwhile goes through the old
    list (the held records pass its record on) or the new one, never both."""
    held = [h for h in logger.handlers if isinstance(h, HeldRecords)]
    for old in held:
        old.hand_over(handler)
    kept = [
        h
        for h in logger.handlers
        if not isinstance(h, HeldRecords) and not getattr(h, "_pcfgraph", False)
    ]
    logger.handlers = [*kept, handler]
