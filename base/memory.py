"""How a short-lived process that works on large arrays takes its memory from the system.

glibc's ``malloc`` serves each large block (a volume, a mask, a mesh's coordinate columns) from a fresh ``mmap`` and
hands it back with ``munmap`` when it is freed; the next array of that size is then faulted in and zeroed by the
kernel page by page again. Meshing a 512 x 512 x 300 mask allocates and frees such arrays dozens of times: measured
on this 2-core machine, ``dvw mesh`` spent 3.8-4.2 s of system time that way, 1.2-1.6 s after
:func:`keep_freed_memory` (user time unchanged, peak resident memory 992 MB -> 1201 MB).

Only a command-line process that ends when its step is done should call it: freed memory then stays with the
process until it exits, so a long-running window keeps glibc's default.

numpy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every array of 4 MB or more. With
the kernel's ``defrag`` setting at ``madvise`` (Debian's default), each such fault may first compact memory to find
a free 2 MB page; on this shared machine, with the other jobs' memory scattered, a first touch of 940 MB took 5.9-8.8
s of system time that way, against 0.36-0.49 s with 4 KiB pages (0.07-0.13 s when huge pages were free at once).
:func:`use_small_pages` trades the best case for never stalling.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# mallopt(3) parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
# prctl(2) options (linux/prctl.h).
_PR_SET_THP_DISABLE = 41
_PR_GET_THP_DISABLE = 42
#: Free memory at the top of the heap that glibc keeps instead of returning it (bytes; mallopt takes an int): 2 GiB,
#: more than a command's step frees at once.
_TRIM_THRESHOLD = 2**31 - 1

_kept = False


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else ctypes.CDLL(None)
    except OSError:
        return None


def keep_freed_memory() -> bool:
    """Serve large blocks from the heap and keep freed memory for reuse (glibc only); whether that is now in force.

    Sets ``M_MMAP_MAX`` to 0 (no block gets its own ``mmap``; a block the heap cannot hold still falls back to one)
    and ``M_TRIM_THRESHOLD`` to 2 GiB (the heap is not trimmed below that). Elsewhere (no glibc) nothing changes.
    """
    global _kept  # noqa: PLW0603 - a process-wide allocator setting, made once
    if _kept:
        return True
    if not sys.platform.startswith("linux"):
        return False
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None) if libc is not None else None
    if mallopt is None:  # not glibc (e.g. musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    trim = mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    mmap = mallopt(_M_MMAP_MAX, 0)
    _kept = bool(trim) and bool(mmap)
    return _kept


def use_small_pages() -> bool:
    """Back this process's memory, and that of the processes it starts, with 4 KiB pages only (Linux).

    Sets ``PR_SET_THP_DISABLE``: numpy's ``madvise(MADV_HUGEPAGE)`` then no longer makes the kernel compact memory
    while a large array is first touched (see the module doc). The flag is inherited by child processes and kept
    across ``exec``. Returns whether it is now in force; elsewhere (not Linux) nothing changes.
    """
    if not sys.platform.startswith("linux"):
        return False
    libc = _libc()
    if libc is None:
        return False
    prctl = getattr(libc, "prctl", None)
    if prctl is None:
        return False
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    if prctl(_PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0:  # a kernel before 3.15
        return False
    return bool(prctl(_PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1)
