"""How the Linux bundle ships its libraries (installer/spec_common.py), on real wheel files with the real binutils.

A library goes without its symbol table only when the dynamic loader maps the same bytes from the stripped copy; a
library that only left-out files needed goes with them; identical libraries become links; and the build stops when
DVW imports a module the bundle leaves out. ``make bundle-test`` proves the whole bundle; these prove the rules.
"""

from __future__ import annotations

import ctypes
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
import scipy
import sqlalchemy.engine._row_cy

ROOT = Path(__file__).resolve().parents[2]
NUMPY_LIBS = Path(np.__file__).parent.parent / "numpy.libs"
SCIPY_LIBS = Path(scipy.__file__).parent.parent / "scipy.libs"


@pytest.fixture(scope="module")
def spec_common() -> ModuleType:
    """installer/spec_common.py, the code every PyInstaller spec of DVW imports."""
    if shutil.which("strip") is None or shutil.which("readelf") is None:
        pytest.fail("binutils (strip, readelf) is needed: make test installs it")
    spec = importlib.util.spec_from_file_location("spec_common", ROOT / "installer" / "spec_common.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _strip(source: Path, target: Path) -> bytes:
    subprocess.run(["strip", "--strip-unneeded", "-o", str(target), str(source)], check=True)
    return target.read_bytes()


def test_a_plain_library_is_shipped_stripped_and_still_loads(spec_common: ModuleType, tmp_path: Path) -> None:
    source = Path(str(sqlalchemy.engine._row_cy.__file__))
    original = source.read_bytes()
    stripped = _strip(source, tmp_path / source.name)
    # The symbol table is most of this Cython module (750 kB of which 660 kB go).
    assert len(stripped) < len(original) / 2
    assert spec_common._loaded_image(stripped) == spec_common._loaded_image(original)
    # The stripped copy imports and works in a fresh interpreter, in place of the original.
    code = (
        "import importlib.machinery as m, importlib.util as u, sys\n"
        "name = 'sqlalchemy.engine._row_cy'\n"
        f"loader = m.ExtensionFileLoader(name, {str(tmp_path / source.name)!r})\n"
        "spec = u.spec_from_loader(name, loader)\n"
        "module = u.module_from_spec(spec)\n"
        "loader.exec_module(module)\n"
        "print(module.__file__, module.BaseRow.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(tmp_path / source.name), "BaseRow"]


def test_an_auditwheel_repaired_library_is_kept_whole(spec_common: ModuleType, tmp_path: Path) -> None:
    (openblas,) = NUMPY_LIBS.glob("libscipy_openblas64_*.so")
    original = openblas.read_bytes()
    stripped = _strip(openblas, tmp_path / openblas.name)
    assert len(stripped) < len(original)
    # patchelf moved its dynamic sections into segments of their own; strip rewrites those, and the copy would not
    # load. The check sees it before the loader would.
    assert spec_common._loaded_image(stripped) != spec_common._loaded_image(original)
    with pytest.raises(OSError, match="not page-aligned"):
        ctypes.CDLL(str(tmp_path / openblas.name))
    assert spec_common._loaded_image(b"not an ELF file") is None


def test_the_libraries_only_left_out_files_needed_go_with_them(
    spec_common: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    (openblas,) = NUMPY_LIBS.glob("libscipy_openblas64_*.so")
    (gfortran,) = NUMPY_LIBS.glob("libgfortran-*.so*")
    (quadmath,) = NUMPY_LIBS.glob("libquadmath-*.so*")
    (linalg,) = (Path(np.__file__).parent / "linalg").glob("_umath_linalg.*.so")
    libraries = [
        (f"numpy.libs/{openblas.name}", str(openblas), "BINARY"),
        (f"numpy.libs/{gfortran.name}", str(gfortran), "BINARY"),
        (f"numpy.libs/{quadmath.name}", str(quadmath), "BINARY"),
        ("sqlalchemy/engine/_row_cy.so", str(sqlalchemy.engine._row_cy.__file__), "EXTENSION"),
    ]
    # OpenBLAS left out: gfortran (which it needs) and quadmath (which gfortran needs) go too; what none of them
    # needs stays.
    monkeypatch.setattr(spec_common, "QT_UNUSED", ("numpy.libs/libscipy_openblas64_",))
    assert spec_common.without_orphans(libraries) == [libraries[3]]
    # With numpy's linear algebra kept, which needs OpenBLAS, leaving OpenBLAS out stops the build.
    extension = ("numpy/linalg/" + linalg.name, str(linalg), "EXTENSION")
    with pytest.raises(SystemExit, match="leaves out libraries that kept binaries need"):
        spec_common.without_orphans([*libraries[:3], extension])
    # Nothing left out: nothing goes.
    monkeypatch.setattr(spec_common, "QT_UNUSED", ("nothing/",))
    assert spec_common.without_orphans([*libraries[:3], extension]) == [*libraries[:3], extension]


def test_identical_libraries_become_links(spec_common: ModuleType) -> None:
    (numpy_gfortran,) = NUMPY_LIBS.glob("libgfortran-*.so*")
    scipy_gfortran = SCIPY_LIBS / numpy_gfortran.name
    if not scipy_gfortran.exists():
        pytest.fail(f"scipy's wheel no longer carries numpy's {numpy_gfortran.name}: the README's figure is stale")
    entries = [
        (f"scipy.libs/{scipy_gfortran.name}", str(scipy_gfortran), "BINARY"),
        (f"numpy.libs/{numpy_gfortran.name}", str(numpy_gfortran), "BINARY"),
    ]
    found, saved = spec_common._deduplicated(entries)
    assert found == [
        (f"numpy.libs/{numpy_gfortran.name}", str(numpy_gfortran), "BINARY"),
        (f"scipy.libs/{scipy_gfortran.name}", f"../numpy.libs/{numpy_gfortran.name}", "SYMLINK"),
    ]
    assert saved == numpy_gfortran.stat().st_size
    # PyInstaller's own links pass through (the links it makes beside the executable).
    link = ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK")
    assert spec_common._deduplicated([link]) == ([link], 0)
    assert spec_common._linked([link], {"PySide6/Qt/lib/libQt6Core.so.6"}) == [link]
    assert spec_common._linked([link], set()) == []


def test_the_build_stops_when_dvw_imports_a_left_out_module(
    spec_common: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = tmp_path / "example.py"
    source.write_text(
        "import a.b\nfrom c import d, e as f\nfrom . import relative\nfrom g.h import (\n    i,\n)\n",
        encoding="utf-8",
    )
    assert spec_common._imported(source) == {"a.b", "c", "c.d", "c.e", "g.h", "g.h.i"}
    spec_common.check_excludes()  # DVW's sources as they are
    monkeypatch.setattr(spec_common, "EXCLUDES", [*spec_common.EXCLUDES, "scipy.ndimage"])
    with pytest.raises(SystemExit, match=r"imaging/segment\.py: scipy\.ndimage"):
        spec_common.check_excludes()
