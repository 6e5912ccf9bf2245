"""Output files that are never half written, and file hashes.

Every file DVW writes (volumes, masks, meshes, de-identified DICOM) goes through :func:`write_atomically`: the
content is written to a temporary name in the target's folder, flushed to disk, hashed, and renamed onto the
target in one step, so a crash, a full disk or a failed encoder leaves either the old file or the new one, never
a fragment. The temporary name carries the writing process's id (``.NAME.PID.XXXX.tmp``): one left by a process that
was killed is removed the next time the same file is written.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _remove_dead_temporaries(final: Path) -> None:
    """Remove temporary files of ``final`` left by writers that no longer run (killed between write and rename)."""
    prefix = f".{final.name}."
    try:
        candidates = [p for p in final.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return
    for path in candidates:
        pid_text = path.name[len(prefix) :].split(".", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def sha256_file(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    with open(path, "rb") as fp:
        return hashlib.file_digest(fp, "sha256").hexdigest()


def write_atomically(target: str | Path, write: Callable[[Path], object], *, suffix: str = "") -> str:
    """Create ``target`` through ``write`` on a temporary file beside it; return the written file's SHA-256.

    Parameters
    ----------
    target
        The final path; its folder must exist. An existing file is replaced (callers check ``--force`` first).
    write
        Writes the complete content to the path it is given.
    suffix
        Suffix of the temporary name, for writers that choose the format by extension (e.g. ``.nii.gz``).

    Returns
    -------
    str
        SHA-256 (hex) of the file now at ``target``.

    Raises
    ------
    Exception
        Whatever ``write`` raises, or OSError from flushing or renaming; the temporary file is removed and
        ``target`` is untouched.
    """
    final = Path(target)
    _remove_dead_temporaries(final)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.{os.getpid()}.", suffix=suffix or ".tmp", dir=final.parent)
    os.close(fd)
    temp = Path(name)
    try:
        write(temp)
        with open(temp, "rb+") as fp:
            os.fsync(fp.fileno())
        digest = sha256_file(temp)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return digest
