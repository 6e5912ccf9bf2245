"""What every DVW PyInstaller spec (Linux, Windows, macOS) collects; imported by the ``dvw-*.spec`` files.

DVW's own packages are collected as source files (module collection mode ``py``), not byte code in the archive: the
software manifest hashes exactly the files that run, so a bundle's manifest is the manifest of its sources, its
resources and its ``uv.lock`` (see README.md). Library metadata is copied so that the manifest can name each key
library's version and so that plugin entry points (pydicom's pixel decoders) are found.

The desktop bundle leaves out what the desktop never runs: the sync server's stack (``dvw serve`` and
``dvw server`` refuse there in one line) and every VTK module but those DVW loads (:data:`VTK_MODULES`).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.machinery
import importlib.util
import os
import re
import shutil
import struct
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
    "netgen-mesher", "pyamg", "pymetis",
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
    # Qt's network module (with its TLS plug-ins and the Kerberos libraries it links): DVW's sync client is httpx
    "PySide6.QtNetwork",
    # Pillow's AVIF and WebP codecs (libavif, libwebp): DVW's pictures are PNG; Pillow loads without them
    "PIL._avif", "PIL._webp",
    # scipy's statistics, interpolation, integration and clustering: DVW uses none; only functions it never calls
    # import them when called (scipy.optimize's differential evolution and SHGO, trimesh's paths and k-means)
    "scipy.stats", "scipy.interpolate", "scipy.integrate", "scipy.cluster",
    # line editing for interactive Python (pdb, code), with libreadline
    "readline",
    # lxml's parts that trimesh's 3MF and SVG readers do not use (they use lxml.etree)
    "lxml.objectify", "lxml.html", "lxml.isoschematron", "lxml.sax", "lxml.cssselect", "lxml.doctestcompare",
    "lxml.usedoctest",
    # httpx's own command line and what only it loads (httpx imports it only when present); setuptools and distutils,
    # which only cffi's run-time C compiler would import (and PyInstaller's setuptools run-time hook with them)
    "httpx._main", "rich", "pygments", "click", "markdown_it", "mdurl",
    "setuptools", "distutils", "_distutils_hack", "pkg_resources",
]  # fmt: skip


def _imported(source: Path) -> set[str]:
    """The modules a Python file imports (``import a.b`` names ``a.b``; ``from a import b`` names ``a`` and ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def check_excludes() -> None:
    """Stop the build when a DVW source file imports a module of :data:`EXCLUDES` (it would be missing)."""
    found = sorted(
        f"{source.relative_to(ROOT)}: {name}"
        for package in DVW_PACKAGES
        for source in sorted((ROOT / package).rglob("*.py"))
        for name in _imported(source)
        if any(name == left_out or name.startswith(f"{left_out}.") for left_out in EXCLUDES)
    )
    if found:
        raise SystemExit(f"DVW imports modules the bundle leaves out (spec_common.EXCLUDES): {found}")


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
    """Modules that static analysis misses: DVW's modules, decoder plugins, FEA extensions, VTK's ``util``."""
    found: list[str] = []
    for package in DVW_PACKAGES:
        found += collect_submodules(package)
    found += ["libjpeg", "openjpeg", "rle", "jpeg_ls"]
    # The FEA solver loads METIS's and SuperLU's extension modules by name (mechanics.solver._extension).
    found += ["pymetis", "pymetis._internal", "scipy.sparse.linalg._dsolve._superlu"]
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


#: Qt files the desktop never loads: the other languages' Qt translations (DVW speaks English and Simplified
#: Chinese: app/gui/i18n.py loads qtbase_zh_CN); the plug-ins for embedded displays (EGLFS, framebuffer, VNC, Vulkan
#: display), input devices without a window system, network information and Qt's network library (DVW's sync client
#: is httpx; PySide6.QtNetwork is excluded); the GTK 3 platform theme (it links
#: GTK 3, which is not bundled, and pulls in cairo, pango, gdk-pixbuf and atk: Qt draws its own widgets and dialogs
#: without it); the Wayland platform and its plug-ins (the 3D view is VTK's X render window in a native child window,
#: which needs X11: on a Wayland desktop that means XWayland); and the image formats DVW never reads or writes
#: (its pictures are PNG, built into QtGui; JPEG, GIF, ICO and SVG stay for icon themes).
QT_UNUSED = (
    "PySide6/Qt/plugins/egldeviceintegrations/", "PySide6/Qt/plugins/generic/",
    "PySide6/Qt/plugins/networkinformation/", "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platforms/libqlinuxfb.so", "PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so", "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so", "PySide6/Qt/lib/libQt6EglFsKmsSupport.so",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/platforms/libqwayland", "PySide6/Qt/plugins/wayland-",
    "PySide6/Qt/lib/libQt6WaylandClient.so", "PySide6/Qt/lib/libQt6WlShellIntegration.so",
    "PySide6/Qt/lib/libQt6Network.so",
    "PySide6/Qt/plugins/imageformats/libqtiff.so", "PySide6/Qt/plugins/imageformats/libqwebp.so",
    "PySide6/Qt/plugins/imageformats/libqicns.so", "PySide6/Qt/plugins/imageformats/libqtga.so",
    "PySide6/Qt/plugins/imageformats/libqwbmp.so",
)  # fmt: skip
_QT_TRANSLATIONS = "PySide6/Qt/translations/"
_QT_TRANSLATIONS_KEPT = ("qtbase_zh_CN.qm",)

Entry = tuple[str, str, str]


def trimmed(entries: list[Entry]) -> list[Entry]:
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


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} (binutils) is needed to build the bundle")
    return path


def _needed(library: str) -> list[str]:
    """The sonames an ELF file names in its dynamic section (``NEEDED``)."""
    command = [_tool("readelf"), "-d", library]
    dynamic = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603 - wheel files
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)


def _reached(start: list[Entry], by_name: dict[str, list[Entry]]) -> set[str]:
    """The destination names of ``start`` and of every collected library they need, directly or indirectly."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name, source, _kind = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for soname in _needed(source):
            todo.extend(by_name.get(soname, []))
    return seen


def without_orphans(binaries: list[Entry]) -> list[Entry]:
    """:func:`trimmed` ``binaries``, also without the libraries that only the left-out Qt files needed.

    PyInstaller collects a plug-in's libraries with it (the GTK theme brings cairo, pango, gdk-pixbuf, atk, ...; the
    Wayland platform its client libraries). A library goes only if no kept binary needs it, directly or through
    another; one that no collected binary names (libpython, which the bootloader opens; Open CASCADE, which DVW opens
    by path) is never touched.
    """
    libraries = [entry for entry in binaries if entry[2] in ("BINARY", "EXTENSION")]
    kept = trimmed(binaries)
    left_out = [entry for entry in libraries if entry not in kept]
    by_name: dict[str, list[Entry]] = {}
    for entry in libraries:
        by_name.setdefault(Path(entry[0]).name, []).append(entry)
    candidates = _reached(left_out, by_name) - {entry[0] for entry in left_out}
    still_needed = _reached([entry for entry in kept if entry in libraries and entry[0] not in candidates], by_name)
    missing = {entry[0] for entry in left_out} & still_needed
    if missing:
        raise SystemExit(f"QT_UNUSED leaves out libraries that kept binaries need: {sorted(missing)}")
    orphans = candidates - still_needed
    return [entry for entry in kept if entry[0] not in orphans]


def _loaded_image(data: bytes) -> list[tuple[int, ...] | bytes] | None:
    """What the dynamic loader reads of an ELF64 little-endian file: its program headers and the bytes they map.

    The section header fields of the ELF header (``e_shoff``, ``e_shnum``, ``e_shstrndx``), which only tools read,
    are blanked; so are segments' file offsets, which may move (their alignment is checked instead). ``None`` for a
    file that is not ELF64 little-endian.
    """
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    data = data[:0x28] + bytes(8) + data[0x30:0x3C] + bytes(4) + data[0x40:]
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    image: list[tuple[int, ...] | bytes] = []
    for index in range(phnum):
        kind, flags, offset, vaddr, _paddr, filesz, memsz, align = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + index * phentsize
        )
        aligned = kind != 1 or align <= 1 or (offset - vaddr) % align == 0
        image.append((kind, flags, vaddr, filesz, memsz, align, aligned))
        if kind == 1:  # PT_LOAD
            image.append(data[offset : offset + filesz])
    return image


def _deduplicated(binaries: list[Entry]) -> tuple[list[Entry], int]:
    """``binaries`` with each library that is byte for byte another collected one replaced by a link to it.

    numpy's and scipy's wheels each carry the same gfortran and quadmath runtimes (3 MB). Both names stay (each
    library's ``$ORIGIN`` run path finds its own), and the loader maps the file once either way. Returns the entries
    and the bytes saved.
    """
    first: dict[tuple[int, str], str] = {}
    found: list[Entry] = []
    saved = 0
    for name, source, kind in sorted(binaries):
        if kind != "BINARY":
            found.append((name, source, kind))
            continue
        content = Path(source).read_bytes()
        key = (len(content), hashlib.sha256(content).hexdigest())
        if key not in first:
            first[key] = name
            found.append((name, source, kind))
            continue
        found.append((name, os.path.relpath(first[key], Path(name).parent), "SYMLINK"))
        saved += len(content)
    return found, saved


def _linked(entries: list[Entry], shipped: set[str]) -> list[Entry]:
    """``entries`` without the links (PyInstaller's, beside the executable) to files that are not ``shipped``."""
    return [
        (name, source, kind)
        for name, source, kind in entries
        if kind != "SYMLINK" or os.path.normpath(os.path.join(os.path.dirname(name), source)) in shipped
    ]


def shipped(binaries: list[Entry], datas: list[Entry], folder: Path) -> tuple[list[Entry], list[Entry]]:
    """The Linux bundle's libraries and data files: ``Analysis.binaries`` and ``.datas`` as DVW ships them.

    Without the Qt files DVW never loads (:func:`trimmed`), the libraries only they needed (:func:`without_orphans`)
    and PyInstaller's links to them; duplicate libraries linked (:func:`_deduplicated`); and every library without
    its symbol table when that is provably harmless.

    Symbol tables are a quarter (VTK) to nine tenths (CharLS) of a library's size, and loading uses only the dynamic
    symbols, which stay, as do the build IDs (a crash's addresses can still be resolved against the wheels'
    libraries). Each library is stripped (``strip --strip-unneeded``) into ``folder`` and the stripped copy is
    shipped only if what the dynamic loader reads of it, its program headers and the bytes they map, is that of the
    original (:func:`_loaded_image`); otherwise the original is. That keeps the libraries auditwheel repaired with
    patchelf whole (numpy's OpenBLAS, scipy's and Pillow's extensions, ...): strip moves their patched segments and
    they then fail to load ("ELF load command address/offset not page-aligned"), which is also why PyInstaller's
    own ``strip=True`` (every binary, unchecked) is not used. Stripped afresh at every build (about 15 s here).
    Prints what it did.
    """
    strip = _tool("strip")
    kept = without_orphans(binaries)
    unique, linked = _deduplicated(kept)
    found: list[Entry] = []
    saved = kept_whole = count = 0
    for name, source, kind in unique:
        if kind not in ("BINARY", "EXTENSION"):
            found.append((name, source, kind))
            continue
        original = Path(source).read_bytes()
        image = _loaded_image(original)
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if image is not None:
            command = [strip, "--strip-unneeded", "-o", str(target), source]
            done = subprocess.run(command, capture_output=True, check=False)  # noqa: S603 - the wheels' files
            smaller = target.read_bytes() if done.returncode == 0 else original
            if len(smaller) < len(original):
                if _loaded_image(smaller) == image:
                    found.append((name, str(target), kind))
                    saved += len(original) - len(smaller)
                    count += 1
                    continue
                kept_whole += 1
        found.append((name, source, kind))
    datas = trimmed(datas)
    names = {entry[0] for entry in found + datas if entry[2] != "SYMLINK"}
    found, datas = _linked(found, names), _linked(datas, names)
    print(  # noqa: T201 - the build's log
        f"DVW bundle: {len(binaries) - len(kept)} libraries left out with Qt's unused files; "
        f"{linked / 2**20:.1f} MB of duplicates linked; {count} libraries stripped ({saved / 2**20:.1f} MB fewer); "
        f"{kept_whole} kept whole (stripping would change what the loader maps: auditwheel-repaired)"
    )
    return found, datas


def analysis_options() -> dict[str, Any]:
    """Keyword arguments of ``Analysis`` shared by every platform."""
    check_excludes()
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
