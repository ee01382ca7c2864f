"""The process heap: the server's startup heap kept out of the cyclic garbage collector's way,
and free pages given back to the system.

A server holds a large, long-lived heap from startup on (the release's wrappers, the search
index, page data, the GraphQL schema: ~160k tracked objects on the whole PCF 7.4). Python's
full (generation 2) collections walk all of it, and a request that allocates a lot (a GraphQL
tree: thousands of fields) triggers them: measured on a loaded 2-CPU host, 30 requests of the
8.1 tree spent 1.6 s in 3 full collections (one of 0.7 s), which set the tail latency.
:func:`freeze` collects once and moves what is alive then into the permanent generation
(:func:`gc.freeze`), so later collections only walk what requests allocate; those 30 requests
then spent 54 ms in full collections. :func:`thaw` gives the objects back to the collector
(when the app stops, and when a release reload replaces what was frozen, so an old release's
reference cycles can still be collected).

:func:`give_back_free_memory` returns the heap's whole free pages to the system (glibc's
``malloc_trim``): glibc keeps memory freed in the middle of its heap for later allocations, so
a forked audit child that shares its parent's heap copy-on-write holds a copy of every free
page either process reuses, and a dropped in-memory release copy (190 MB) stayed counted
against the server. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import gc
import sys


def pause() -> None:
    """No cyclic collections until :func:`freeze`: while a server starts (``pcfgraph serve``)
    nearly everything it allocates lives as long as it does (modules, the app, the GraphQL
    schema, the release's page data), and the collections those allocations triggered walked
    the growing heap again and again for little garbage. :func:`freeze` collects once."""
    gc.disable()


def freeze() -> None:
    """Collect, then exempt every object alive now from later collections; collections run
    again from then on (after a :func:`pause`)."""
    gc.collect()
    gc.freeze()
    resume()


def resume() -> None:
    """Cyclic collections again, after a :func:`pause` (where no :func:`freeze` follows: the
    supervisor of ``--http-workers``, once its workers are forked)."""
    gc.enable()


def thaw() -> None:
    """Return the frozen objects to the collector (the oldest generation)."""
    gc.unfreeze()


def give_back_free_memory() -> bool:
    """Return the heap's whole free pages to the system; False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return False
    return bool(trim(0))
