"""The C allocator's settings for an `mca-report` process (glibc only; elsewhere nothing).

glibc gives each thread that allocates while another holds the main arena an arena of its own,
up to eight per core, and keeps what is freed in each. A run has many such threads (dbt's two
workers, connectorx's reader, DuckDB's, the reports' worker), so memory freed in one arena
cannot serve an allocation in another, and the process stays larger than what it holds. Two
arenas: the 10M benchmark's segment and reports stages peaked at 639-648 MB against 691-716
MB with glibc's default, in the same time (DECISIONLOG, "What the 10M run holds in its
reports stage").
"""

from __future__ import annotations

import ctypes
import os
import sys

#: glibc's mallopt parameter for the most arenas (M_ARENA_MAX in malloc.h).
_M_ARENA_MAX = -8
#: Arenas an `mca-report` process uses: one for the main thread, one shared by the others.
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process, unless ``MALLOC_ARENA_MAX`` is set (the
    user's choice, which glibc has already applied). Call it before threads start: arenas made
    before it stay. True when the cap was set."""
    if not sys.platform.startswith("linux") or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))
