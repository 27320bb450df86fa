"""Stopping cleanly when told to.

Ctrl-C (SIGINT), SIGTERM and a lost run lock all become a KeyboardInterrupt in the main thread,
which is what dbt, running in-process, answers by cancelling its queries. The command that was
running then cleans up (the run's manifest and alert, staged outputs, temporary files, tables a
build was replacing) and ends with one line and the documented exit code: 130 for SIGINT, 143
for SIGTERM, 8 for a lost lock.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from reporting.errors import LockedError, McaError

log = logging.getLogger(__name__)

_cause: str | None = None
_LOCK_LOST = "lost lock"
#: whether the handler has raised its KeyboardInterrupt in the current stop_signals block
_raised = False


class Interrupted(McaError):
    """Stopped by SIGINT (exit 130) or SIGTERM (exit 143)."""

    def __init__(self, message: str, signal_name: str) -> None:
        super().__init__(message)
        self.signal_name = signal_name
        self.exit_code = 143 if signal_name == "SIGTERM" else 130


def stop_main_thread(cause: str = _LOCK_LOST) -> None:
    """From another thread: interrupt the main thread (its blocking call too) as SIGINT would."""
    global _cause
    _cause = cause
    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # type: ignore[arg-type]


@contextmanager
def stop_signals() -> Iterator[None]:
    """For the block, SIGTERM stops the command the way Ctrl-C does, and the cause is kept for
    :func:`stopped`. Outside the main thread (signals cannot be handled there) it does nothing."""
    global _cause, _raised
    _cause = None
    _raised = False
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    stopping = False

    def on_signal(signum: int, frame: Any) -> None:
        global _cause, _raised
        nonlocal stopping
        if stopping:  # already stopping: let the clean-up (putting tables back, the manifest) finish
            log.warning("%s received while stopping; finishing the clean-up first", signal.Signals(signum).name)
            return
        stopping = True
        if _cause is None:
            _cause = signal.Signals(signum).name
        _raised = True
        raise KeyboardInterrupt

    # Python ignores an exception raised in a __del__ or a weakref callback and prints it with
    # its traceback ("Exception ignored in ..."): our KeyboardInterrupt landing there is a stop
    # the code outlived (see outlived), not an error to show
    previous_hook = sys.unraisablehook

    def on_unraisable(unraisable: Any) -> None:
        if _raised and isinstance(unraisable.exc_value, KeyboardInterrupt):
            log.debug("the stop landed in %r, which ignored it; the command stops after its current step",
                      unraisable.object)
            return
        previous_hook(unraisable)

    sys.unraisablehook = on_unraisable
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        sys.unraisablehook = previous_hook
        _raised = False  # read only inside the block (outlived); later code starts clean
        if not stopping:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        # after a stop the process is ending with its error: a signal still on its way (the lock
        # watcher's, a second Ctrl-C) must not kill it on the way out, so the handler stays


def requested() -> bool:
    """Whether a stop (a signal, a lost lock) arrived during the current :func:`stop_signals` block.
    A library can take the signal itself (DuckDB turns Ctrl-C during a query into its own "Query
    interrupted" error), so a failure after a stop is reported as the stop, not as the failure."""
    return _cause is not None


def outlived() -> bool:
    """Whether the handler raised its KeyboardInterrupt in the current :func:`stop_signals` block
    and the code it landed in went on: something caught it. The handler raises once (a second
    signal waits for the clean-up), so the caller must stop by itself. A stop requested from
    another thread (:func:`stop_main_thread`) counts only once its signal has been handled, so
    the handler's own KeyboardInterrupt and this check never both stop the same command."""
    return _raised


def stopped(doing: str) -> McaError:
    """The error to end with after a KeyboardInterrupt, saying what was stopped."""
    cause = _cause or "SIGINT"
    if cause == _LOCK_LOST:
        return LockedError(f"{doing} stopped: the run lock was lost (its connection went away) and "
                           "another mca command took it")
    return Interrupted(f"{doing} interrupted by {cause}", cause)
