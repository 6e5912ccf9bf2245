"""What every DVW PyInstaller spec (Linux, Windows, macOS) collects; imported by the ``dvw-*.spec`` files.

DVW's own packages are collected as source files (module collection mode ``py``), not byte code in the archive: the
software manifest hashes exactly the files that run, so a bundle's manifest is the manifest of its sources, its
resources and its ``uv.lock`` (see README.md). Library metadata is copied so that the manifest can name each key
library's version and so that plugin entry points (pydicom's pixel decoders) are found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "installer" / "dvw_entry.py")
DVW_PACKAGES = ["app", "imaging", "geometry", "validation", "records"]
#: Key libraries named by the manifest (validation/manifest.py KEY_LIBRARIES) and the DICOM decoders' entry points.
METADATA = [
    "dvw", "numpy", "scipy", "pydicom", "pylibjpeg", "pylibjpeg-libjpeg", "pylibjpeg-openjpeg", "pylibjpeg-rle",
    "pyjpegls", "SimpleITK", "vtk", "trimesh", "fast-simplification", "pint", "SQLAlchemy", "alembic",
    "cryptography", "argon2-cffi", "reportlab", "zxing-cpp", "PySide6-Essentials", "pyvista",
    "fastapi", "uvicorn", "httpx", "psycopg",
]  # fmt: skip
EXCLUDES = ["tkinter", "pytest", "IPython", "skimage", "hypothesis", "mypy", "ruff"]


def datas() -> list[tuple[str, str]]:
    """Resources, the lock file, the Alembic migration scripts (loaded by path) and the libraries' metadata."""
    found = [(str(ROOT / "resources"), "resources"), (str(ROOT / "uv.lock"), ".")]
    # The GUI's compiled translations (make translations), where app.gui.i18n looks for them beside the packages.
    compiled = sorted((ROOT / "build" / "translations").glob("*.qm"))
    if not compiled:
        raise SystemExit("no compiled translations in build/translations: run make translations first")
    found += [(str(qm), "build/translations") for qm in compiled]
    for migrations in sorted(ROOT.glob("records/**/migrations")):
        found.append((str(migrations), str(migrations.relative_to(ROOT))))
    for name in METADATA:
        found += copy_metadata(name)
    found += collect_data_files("zxingcpp")
    return found


def hidden_imports() -> list[str]:
    """Modules that static analysis misses: every DVW module, the decoder plugins, and VTK's ``util`` helpers."""
    found: list[str] = []
    for package in DVW_PACKAGES:
        found += collect_submodules(package)
    found += ["libjpeg", "openjpeg", "rle", "jpeg_ls", "psycopg_binary", "SimpleITK"]
    # VTK imports its Python overrides by name when a module loads (vtkmodules.MODULE_MAPPER: without
    # numpy_interface.array_overrides, VTK arrays lose __array__ and implicit arrays fail to convert to numpy).
    found += collect_submodules("vtkmodules.util") + collect_submodules("vtkmodules.numpy_interface")
    return found


def analysis_options() -> dict[str, Any]:
    """Keyword arguments of ``Analysis`` shared by every platform."""
    return {
        "pathex": [str(ROOT)],
        "datas": datas(),
        "hiddenimports": hidden_imports(),
        "excludes": EXCLUDES,
        "module_collection_mode": dict.fromkeys(DVW_PACKAGES, "py"),
        "noarchive": False,
    }
