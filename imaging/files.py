"""Output files that are never half written, and file hashes.

Every file DVW writes (volumes, masks, meshes, de-identified DICOM) goes through :func:`write_atomically`: the
content is written to a temporary name in the target's folder, flushed to disk, hashed, and renamed onto the
target in one step, so a crash, a full disk or a failed encoder leaves either the old file or the new one, never
a fragment.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


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
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=suffix or ".tmp", dir=final.parent)
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
