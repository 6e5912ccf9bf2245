"""The command line's progress bar: drawn on a terminal, and not even imported when stderr is not one."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import sys
from app.progress_bar import progress_bar
with progress_bar("meshing") as progress:
    if progress is not None:
        progress(0.5, "smoothing")
print(progress is None, "tqdm" in sys.modules)
"""


def _run(stderr: int) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=REPO, stdout=subprocess.PIPE, stderr=stderr, text=True, check=True
    )
    return done.stdout.strip()


def test_no_terminal_no_bar_and_no_tqdm() -> None:
    assert _run(subprocess.PIPE) == "True False"


def test_a_terminal_gets_the_bar() -> None:
    leader, follower = os.openpty()
    # A terminal of 24 x 100 characters (a new pseudo-terminal has 0 columns: the bar would have no room).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    drawn = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal's other end is closed
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        printed = _run(follower)
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(leader)
    assert printed == "False True"
    assert b" 50%|" in drawn
    assert b"meshing: smoothing" in drawn
