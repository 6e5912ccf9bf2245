"""What every DVW PyInstaller spec (Linux, Windows, macOS) collects; imported by the ``dvw-*.spec`` files.

DVW's own packages are collected as source files (module collection mode ``py``), not byte code in the archive: the
software manifest hashes exactly the files that run, so a bundle's manifest is the manifest of its sources, its
resources and its ``uv.lock`` (see README.md). Library metadata is copied so that the manifest can name each key
library's version and so that plugin entry points (pydicom's pixel decoders) are found.

The desktop bundle leaves out what the desktop never runs: the sync server's stack (``dvw serve`` and
``dvw server`` refuse there in one line) and every VTK module but those DVW loads (:data:`VTK_MODULES`).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "installer" / "dvw_entry.py")
DVW_PACKAGES = ["app", "workflow", "base", "imaging", "geometry", "mechanics", "validation", "records", "traceability"]
#: Key libraries named by the manifest (validation/manifest.py KEY_LIBRARIES) and the DICOM decoders' entry points.
METADATA = [
    "dvw", "numpy", "scipy", "pydicom", "pylibjpeg", "pylibjpeg-libjpeg", "pylibjpeg-openjpeg", "pylibjpeg-rle",
    "pyjpegls", "pynrrd", "nibabel", "connected-components-3d", "vtk", "trimesh", "fast-simplification", "pint",
    "SQLAlchemy", "alembic", "cryptography", "argon2-cffi", "reportlab", "zxing-cpp", "PySide6-Essentials", "httpx",
    "netgen-mesher", "pyamg",
]  # fmt: skip
#: The sync server (DVW's ``server`` package) and its stack, the ``server`` extra: the desktop never imports them
#: (``dvw sync`` and ``dvw site join`` need httpx only).
SERVER_STACK = [
    "server", "fastapi", "starlette", "uvicorn", "psycopg", "psycopg_binary", "psycopg_pool", "prometheus_client",
    "pydantic", "pydantic_core", "pydantic_settings", "email_validator",
]  # fmt: skip
#: The VTK modules DVW loads: those it imports (``from vtkmodules.X import``: checked by :func:`vtk_excludes`), and
#: those that these and vtkmodules.qt import when they load (the OpenGL2 backend imports the HyperTreeGrid and Label
#: renderers; vtkmodules.util.data_model registers VTK's pickling, from vtkParallelCore; ...), as found by importing
#: every DVW module and drawing the 3D view and a report picture. The rest of the vtk wheel is left out: 130 of its
#: 154 modules and, with them, all but 94 of its 368 libraries (Viskores among them).
VTK_MODULES = frozenset(
    {
        # imported by DVW
        "vtkCommonCore", "vtkCommonDataModel", "vtkFiltersCore", "vtkFiltersSources", "vtkIOImage",
        "vtkImagingCore", "vtkInteractionStyle", "vtkRenderingAnnotation",
        "vtkRenderingCore", "vtkRenderingFreeType", "vtkRenderingOpenGL2",
        # imported by those when they load, and by vtkmodules.qt (vtkRenderingUI)
        "vtkCommonExecutionModel", "vtkCommonMath", "vtkCommonMisc", "vtkCommonSystem", "vtkCommonTransforms",
        "vtkFiltersGeneral", "vtkIOCore", "vtkParallelCore", "vtkRenderingContext2D", "vtkRenderingHyperTreeGrid",
        "vtkRenderingLabel", "vtkRenderingUI",
    }
)  # fmt: skip
#: Python packages that DVW never imports: tools, and what only pyvista or the server loaded (matplotlib comes with
#: the vtk wheel for vtkRenderingMatplotlib, which DVW does not use).
EXCLUDES = [
    "tkinter", "pytest", "IPython", "skimage", "hypothesis", "mypy", "ruff", "matplotlib", "SimpleITK",
    "vtk", "vtkmodules.all", "vtkmodules.gtk", "vtkmodules.tk", "vtkmodules.wx", "vtkmodules.test",
    "vtkmodules.web", "vtkmodules.generate_pyi",
    # vtkmodules.qt's QOpenGLWidget base (DVW's view is a QWidget: see app/gui/scene_view.py)
    "PySide6.QtOpenGLWidgets", "PySide6.QtOpenGL",
]  # fmt: skip


def datas() -> list[tuple[str, str]]:
    """Resources, the lock file, the Alembic migration scripts (loaded by path) and the libraries' metadata."""
    found = [(str(ROOT / "resources"), "resources"), (str(ROOT / "uv.lock"), ".")]
    # The GUI's compiled translations (make translations), where app.gui.i18n looks for them beside the packages.
    compiled = sorted((ROOT / "build" / "translations").glob("*.qm"))
    if not compiled:
        raise SystemExit("no compiled translations in build/translations: run make translations first")
    found += [(str(qm), "build/translations") for qm in compiled]
    for migrations in sorted(ROOT.glob("records/**/migrations")):  # the local store's (the server's stay out)
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
    found += ["libjpeg", "openjpeg", "rle", "jpeg_ls"]
    # VTK imports its Python overrides by name when a module loads (vtkmodules.MODULE_MAPPER: without
    # numpy_interface.array_overrides, VTK arrays lose __array__ and implicit arrays fail to convert to numpy).
    found += collect_submodules("vtkmodules.util") + collect_submodules("vtkmodules.numpy_interface")
    found += [f"vtkmodules.{name}" for name in sorted(VTK_MODULES)]
    return found


def vtk_excludes() -> list[str]:
    """Every VTK module of the installed wheel that is not in :data:`VTK_MODULES`.

    Raises SystemExit when a DVW source file imports a VTK module that is not listed (it would be missing from the
    bundle), or when a listed module is not in the wheel (a VTK upgrade renamed it).
    """
    spec = importlib.util.find_spec("vtkmodules")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("vtkmodules is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    installed = {path.name.split(".")[0] for path in folder.glob("vtk*") if path.name.endswith(suffixes)}
    imported = {
        match
        for package in DVW_PACKAGES
        for source in sorted((ROOT / package).rglob("*.py"))
        for match in re.findall(r"vtkmodules\.(vtk\w+)", source.read_text(encoding="utf-8"))
    }
    if imported - VTK_MODULES:
        missing = sorted(imported - VTK_MODULES)
        raise SystemExit(f"DVW imports VTK modules the bundle leaves out: add {missing} to VTK_MODULES")
    if VTK_MODULES - installed:
        raise SystemExit(f"VTK_MODULES names modules the vtk wheel does not have: {sorted(VTK_MODULES - installed)}")
    return [f"vtkmodules.{name}" for name in sorted(installed - VTK_MODULES)]


#: Binaries shipped without their symbol tables (see :func:`stripped`): VTK's, cc3d's, the DICOM decoders' and
#: libpython (measured: libpython 23.1 -> 5.7 MB, cc3d 19.3 -> 2.5, libjpeg 9.9 -> 2.4, CharLS 6.7 -> 0.6,
#: openjpeg 6.1 -> 1.1). None of them was repaired by auditwheel (see :func:`stripped`).
STRIPPED = ("vtkmodules/", "cc3d/", "libpython3", "_libjpeg.", "_CharLS.", "_openjpeg.")
#: Qt files the desktop never loads: the other languages' Qt translations (DVW speaks English and Simplified
#: Chinese: app/gui/i18n.py loads qtbase_zh_CN), and the plug-ins for embedded displays (EGLFS, framebuffer, VNC,
#: Vulkan display), input devices without a window system, and network information.
QT_UNUSED = (
    "PySide6/Qt/plugins/egldeviceintegrations/", "PySide6/Qt/plugins/generic/",
    "PySide6/Qt/plugins/networkinformation/", "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platforms/libqlinuxfb.so", "PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so", "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so", "PySide6/Qt/lib/libQt6EglFsKmsSupport.so",
)  # fmt: skip
_QT_TRANSLATIONS = "PySide6/Qt/translations/"
_QT_TRANSLATIONS_KEPT = ("qtbase_zh_CN.qm",)


def trimmed(entries: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """``entries`` (``Analysis.binaries`` or ``.datas``) without the Qt files DVW never loads (:data:`QT_UNUSED`).

    Also without ``netgen-occt``'s metadata: with it, Netgen would load the Open CASCADE libraries from the paths
    it records (outside the bundle); the bundle has them beside its libraries (installer/hooks/hook-netgen.py).
    """
    found = []
    for entry in entries:
        name = entry[0]
        if name.startswith(QT_UNUSED) or name.startswith("netgen_occt-"):
            continue
        if name.startswith(_QT_TRANSLATIONS) and Path(name).name not in _QT_TRANSLATIONS_KEPT:
            continue
        found.append(entry)
    return found


def stripped(binaries: list[tuple[str, str, str]], folder: Path) -> list[tuple[str, str, str]]:
    """``binaries`` (``Analysis.binaries``) with those of :data:`STRIPPED` replaced by copies without symbol tables.

    Those libraries carry their full symbol tables, a quarter (VTK) to nine tenths (CharLS) of their size; loading
    uses only the dynamic symbols, which stay, as do the build IDs (a crash's addresses can still be resolved
    against the wheels' libraries). Only these: PyInstaller's own ``strip`` option strips every binary, and the
    libraries that auditwheel repaired (numpy's OpenBLAS, ...) then fail to load ("ELF load command
    address/offset not page-aligned"). The bundle's smoke test decodes compressed DICOM and renders with them.
    Stripped afresh at every build (a few seconds).
    """
    strip = shutil.which("strip")
    if strip is None:
        raise SystemExit("strip (binutils) is needed to build the bundle")
    found = []
    for name, source, kind in trimmed(binaries):
        if not (name.startswith(STRIPPED) and kind in ("BINARY", "EXTENSION")):
            found.append((name, source, kind))
            continue
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([strip, "--strip-unneeded", "-o", str(target), source], check=True)  # noqa: S603
        found.append((name, str(target), kind))
    return found


def analysis_options() -> dict[str, Any]:
    """Keyword arguments of ``Analysis`` shared by every platform."""
    return {
        "pathex": [str(ROOT)],
        # DVW's own hooks first (installer/hooks: its workflow package shares a name with a contributed hook's).
        "hookspath": [str(ROOT / "installer" / "hooks")],
        "datas": datas(),
        "hiddenimports": hidden_imports(),
        "excludes": EXCLUDES + SERVER_STACK + vtk_excludes(),
        "module_collection_mode": dict.fromkeys(DVW_PACKAGES, "py"),
        "noarchive": False,
    }
