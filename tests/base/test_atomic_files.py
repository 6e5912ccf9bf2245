"""Atomic output files: a temporary file left by a killed writer is removed the next time that file is written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from base.files import write_atomically


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "ct.nrrd"
    # A real writer, killed while it writes: its temporary file stays beside the target.
    script = (
        "import sys, time\n"
        "from base.files import write_atomically\n"
        "def slow(path):\n"
        "    path.write_bytes(b'partial')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        "write_atomically(sys.argv[1], slow, suffix='.nrrd')\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2]
    )
    assert writer.stdout is not None
    with writer.stdout:
        assert writer.stdout.readline().strip() == b"writing"
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=10)
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1
    assert left[0].startswith(f".ct.nrrd.{writer.pid}.")
    # A temporary file of this (living) process is never touched.
    own = tmp_path / f".ct.nrrd.{os.getpid()}.x.tmp"
    own.write_bytes(b"mine")
    write_atomically(target, lambda path: path.write_bytes(b"whole"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["ct.nrrd", own.name])
    assert target.read_bytes() == b"whole"
