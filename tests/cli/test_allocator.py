"""`mca-report` caps glibc's malloc arenas (reporting/allocator.py): checked by counting the
arenas glibc reports (malloc_info) after eight threads allocated at once, in fresh processes."""

from __future__ import annotations

import subprocess
import sys

import pytest

ARENAS = """
import ctypes, os, sys, tempfile, threading
from reporting.allocator import limit_malloc_arenas
capped = limit_malloc_arenas() if sys.argv[1] == "cap" else None
libc = ctypes.CDLL(None)
barrier, kept = threading.Barrier(8), []

def allocate():
    barrier.wait()  # all eight alive and allocating at once: each asks glibc for an arena
    kept.append([bytes(2000 + i) for i in range(200)])
    barrier.wait()

threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
libc.fdopen.restype = ctypes.c_void_p
with tempfile.TemporaryFile() as f:
    fp = libc.fdopen(os.dup(f.fileno()), b"w")
    libc.malloc_info(0, ctypes.c_void_p(fp))
    libc.fclose(ctypes.c_void_p(fp))
    f.seek(0)
    print(capped, f.read().decode().count("<heap nr="))
"""


def _arenas(mode: str, env: dict[str, str] | None = None) -> tuple[str, int]:
    import os

    proc = subprocess.run([sys.executable, "-c", ARENAS, mode], capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None})
    assert proc.returncode == 0, proc.stderr[-2000:]
    capped, heaps = proc.stdout.split()
    return capped, int(heaps)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_mca_report_processes_use_two_malloc_arenas(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert _arenas("cap") == ("True", 2)
    capped, heaps = _arenas("default")  # what glibc does without the cap: an arena per thread here
    assert capped == "None" and heaps > 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_a_malloc_arena_max_the_user_set_is_left_alone():
    capped, heaps = _arenas("cap", {"MALLOC_ARENA_MAX": "1"})
    assert (capped, heaps) == ("False", 1)
