"""Giving freed heap memory back to the system (glibc's ``malloc_trim``).

glibc keeps memory freed in the middle of its heap for later allocations. In an audit that
matters twice: a forked child (:mod:`.shacl_process`) shares the parent's heap copy-on-write,
so a free page either process later reuses is copied and then held by both; and what the
child drops once pySHACL's data graph is built stays counted against it until it is given
back. ``malloc_trim(0)`` returns every whole free page (a few milliseconds at 100k
statements). Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import sys


def give_back_free_memory() -> bool:
    """Return the heap's whole free pages to the system; False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return False
    return bool(trim(0))
