"""The software manifest: what software produced a result, identified by one hash.

The manifest lists DVW's version, the SHA-256 of each of its own files and of the dependency lock file
(``uv.lock``, which pins every library by hash), and the versions of the libraries that compute results (DICOM
decoding, resampling, meshing, units, file IO). Its ``manifest_id`` is the SHA-256 of the canonical JSON of those
parts, so any change of code, lock file or library version gives a new ID (REQUIREMENTS 4.7.1 b, d).
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

#: DVW's own top-level packages whose files are hashed: the workstation's. The sync server (``server/``, the
#: ``server`` extra) is a deployable of its own: it stores and relays events, computes no result, and is not in the
#: desktop bundle, whose manifest must equal the source tree's.
DVW_PACKAGES = (
    "app",
    "workflow",
    "base",
    "imaging",
    "geometry",
    "mechanics",
    "validation",
    "records",
    "traceability",
    "resources",
)
#: Libraries whose versions change results (the server's, installed with the ``server`` extra only, do not).
KEY_LIBRARIES = (
    "numpy",
    "scipy",
    "pydicom",
    "pylibjpeg",
    "pylibjpeg-libjpeg",
    "pylibjpeg-openjpeg",
    "pylibjpeg-rle",
    "pyjpegls",
    "pynrrd",
    "nibabel",
    "connected-components-3d",
    "vtk",
    "trimesh",
    "fast-simplification",
    "netgen-mesher",
    "pyamg",
    "pymetis",
    "pint",
    "SQLAlchemy",
    "alembic",
    "cryptography",
    "argon2-cffi",
    "reportlab",
    "zxing-cpp",
    "PySide6-Essentials",
    "httpx",
)
#: The dependency lock file, hashed into the manifest when it is installed beside the packages.
LOCK_FILE = "uv.lock"


@dataclass(frozen=True)
class Manifest:
    """DVW's identity on this installation.

    Attributes
    ----------
    manifest_id
        SHA-256 (hex) of the canonical JSON of ``version``, ``files`` and ``libraries``.
    version
        DVW's version (from git tags at build time).
    files
        Relative path of each DVW file (and of ``uv.lock`` when installed) to its SHA-256, sorted by path.
    libraries
        Name to installed version for each key library (``"not installed"`` when absent), plus ``python``.
    """

    manifest_id: str
    version: str
    files: tuple[tuple[str, str], ...]
    libraries: tuple[tuple[str, str], ...]


def _dvw_version() -> str:
    try:
        return metadata.version("dvw")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _library_versions() -> tuple[tuple[str, str], ...]:
    versions = [("python", platform.python_version())]
    for name in KEY_LIBRARIES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return tuple(versions)


def _source_files(root: Path) -> tuple[tuple[str, str], ...]:
    files = []
    for package in DVW_PACKAGES:
        folder = root / package
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files.append((path.relative_to(root).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest()))
    lock = root / LOCK_FILE
    if lock.is_file():
        files.append((LOCK_FILE, hashlib.sha256(lock.read_bytes()).hexdigest()))
    return tuple(sorted(files))


def compute_manifest(root: Path | None = None) -> Manifest:
    """Compute the manifest of the DVW installation whose packages live under ``root``.

    Parameters
    ----------
    root
        The folder holding DVW's top-level packages; defaults to the one this module was loaded from.

    Returns
    -------
    Manifest
        Version, file hashes, library versions and the combined ID.
    """
    base = root if root is not None else Path(__file__).resolve().parent.parent
    version = _dvw_version()
    files = _source_files(base)
    libraries = _library_versions()
    canonical = json.dumps(
        {"version": version, "files": dict(files), "libraries": dict(libraries)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return Manifest(
        manifest_id=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        version=version,
        files=files,
        libraries=libraries,
    )


@cache
def current_manifest() -> Manifest:
    """The manifest of the running installation (computed once per process)."""
    return compute_manifest()
