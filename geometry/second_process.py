"""Starting the second meshing process early: the fork server, with nothing heavier than the standard library.

:mod:`geometry.parallel` works on two cores by forking children from a fork server that imports it (numpy, VTK,
DVW's geometry: about a second of a core). A command that knows early that it will reduce a large surface starts the
server here, before it imports those modules and reads its input itself, so that the server's start-up overlaps
that single-threaded work instead of competing with VTK's threads later (:func:`warm_up`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from multiprocessing.context import ForkServerContext

#: Volumes with at least this many voxels start the fork server when meshing starts (see :func:`warm_up`).
WARM_UP_MIN_VOXELS = 8_000_000
#: What the fork server imports before it forks any child.
PRELOAD = "geometry.parallel"


def two_cores() -> bool:
    """Whether this machine has two cores or more for this process."""
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity call
        return (os.cpu_count() or 1) >= 2


def context() -> ForkServerContext | None:
    """The context that starts the second process, or None where it cannot be started safely and cheaply.

    ``forkserver``: its server, started once per process (:func:`warm_up`), imports :data:`PRELOAD`, then forks a
    clean child for each call in a few milliseconds. Where it does not exist (Windows) there is no second process:
    ``spawn`` would start a fresh interpreter and import numpy, VTK and DVW's geometry for every call (about 2 s
    here), more than the halves save.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return None
    forkserver_context = multiprocessing.get_context("forkserver")
    forkserver_context.set_forkserver_preload([PRELOAD])
    return forkserver_context


def warm_up() -> None:
    """Start the fork server now (it then imports :data:`PRELOAD` while the caller works), if there is one.

    Starting it takes about a second of a core; a caller that will split a large mesh calls this when it starts, so
    that the server is ready by then.
    """
    if context() is not None:
        from multiprocessing import forkserver  # noqa: PLC0415 - only where the start method exists

        with contextlib.suppress(OSError, RuntimeError):  # then the first call starts it, or works in one process
            forkserver.ensure_running()


def warm_up_for(voxels: int | None) -> bool:
    """:func:`warm_up` when a volume of ``voxels`` voxels (None: not known) is worth it here; whether it was."""
    if voxels is None or voxels < WARM_UP_MIN_VOXELS or not two_cores():
        return False
    warm_up()
    return True
