"""base.memory: a command's process reuses the large blocks it frees instead of faulting in fresh pages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Allocates, fills and frees a 96 MB array, then does it again; prints the page faults of the second round.
_PROBE = """
import json, resource, sys
import numpy as np
from base.memory import keep_freed_memory
kept = keep_freed_memory() and keep_freed_memory() if sys.argv[1] == "keep" else False  # idempotent
def fill():
    block = np.empty(12_000_000, dtype=np.float64)
    block.fill(1.0)
    return float(block[-1])
fill()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
fill()
print(json.dumps({"kept": kept, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before}))
"""


def _second_round(mode: str) -> tuple[bool, int]:
    done = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    return bool(result["kept"]), int(result["faults"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_kept_memory_is_reused_without_page_faults() -> None:
    (_, default_faults), (kept, kept_faults) = _second_round("default"), _second_round("keep")
    assert kept
    # glibc's default maps a fresh block and the kernel faults it in again (954 faults measured here, with
    # transparent huge pages on madvise; 48 at least with 2 MB pages only); kept, the freed block is reused as it is.
    assert default_faults >= 40
    assert kept_faults < 10


# Turns huge pages on (a test process that ran a command in-process has them off, and children inherit that) and
# off again, then prints what the kernel says of this process and of a child it starts, and the page
# faults of a first touch of a 96 MB numpy array (numpy asks for huge pages on it).
_SMALL_PAGES = """
import ctypes, json, resource, subprocess, sys
import numpy as np
from base.memory import use_small_pages
def thp():
    with open("/proc/self/status", encoding="ascii") as status:
        return next((line.split()[1] for line in status if line.startswith("THP_enabled:")), None)
ctypes.CDLL(None).prctl(41, 0, 0, 0, 0)  # PR_SET_THP_DISABLE 0: the default
before = thp()
small = use_small_pages()
child = subprocess.run([sys.executable, "-c", "import sys; sys.stdout.write(open('/proc/self/status').read())"],
                       capture_output=True, text=True, check=True).stdout
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = np.empty(12_000_000, dtype=np.float64)
block.fill(1.0)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
child_thp = next((line.split()[1] for line in child.splitlines() if line.startswith("THP_enabled:")), None)
print(json.dumps({"small": small, "before": before, "after": thp(), "child": child_thp, "faults": faults}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's prctl")
def test_small_pages_hold_for_the_process_and_its_children() -> None:
    done = subprocess.run([sys.executable, "-c", _SMALL_PAGES], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    assert result["small"] is True
    assert (result["before"], result["after"], result["child"]) == ("1", "0", "0")
    # 96 MB in 4 KiB pages: one fault per page (23,438), where 2 MB pages take about 48.
    assert result["faults"] >= 23_000
