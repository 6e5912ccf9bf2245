"""Running a CPU-heavy call at a lower priority than the GUI thread (no Qt here).

Argon2id, which checks every password (signing in, unlocking, signing, re-verification), fills four threads for
about a second: on a two-core workstation the GUI thread would compete with them for the processor and the window
would stutter, although no Python code holds the GIL. :func:`at_low_priority` runs such a call in a thread of its
own whose scheduling priority is lowered (Linux: a thread's nice value, which the threads it starts inherit); the
caller (a worker thread) waits for it. The thread ends with the call, so no pool thread keeps the lower priority.
Elsewhere the call runs as it is.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: How much lower than the GUI thread (Linux nice steps; 10 gives the GUI thread about ten times the share).
NICE_STEPS = 10


def at_low_priority(call: Callable[[], T]) -> T:
    """Run ``call`` in a thread of lower priority and return its result (or raise its exception).

    Blocks the calling thread until ``call`` ends: call it from a worker thread, never from the GUI thread.
    """
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return call()
    outcome: dict[str, object] = {}

    def run() -> None:
        with contextlib.suppress(OSError):  # a container may refuse; the call still runs
            me = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + NICE_STEPS))
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller, raised there
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="dvw-low-priority", daemon=True)
    thread.start()
    thread.join()
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise error
    return outcome["value"]  # type: ignore[return-value]  # set by run() when it did not raise
