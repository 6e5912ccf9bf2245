"""PyInstaller hook for Netgen (``netgen-mesher``), DVW's volume mesher.

Netgen's Python module needs the Open CASCADE libraries of the ``netgen-occt`` wheel, which live outside
site-packages (in the environment's ``lib`` folder) and which Netgen loads by the paths its metadata records. The
bundle puts them beside its other libraries; the spec leaves ``netgen-occt``'s metadata out (so Netgen does not look
for them at those paths) and :func:`mechanics.analysis.volume_mesh` loads them from the bundle before Netgen.

Only the libraries ``libnglib`` needs, directly or through another of them (28 of the wheel's 47: read from their
ELF ``NEEDED`` entries with ``readelf``), not the data-exchange and persistence ones Netgen never loads (6.5 MB).
"""

import importlib.metadata
import re
import shutil
import subprocess
from pathlib import Path

_READELF = shutil.which("readelf")
if _READELF is None:
    raise SystemExit("readelf (binutils) is needed to build the bundle")


def _needed(library: Path) -> set[str]:
    """The sonames ``library`` names in its dynamic section."""
    command = [str(_READELF), "-d", str(library)]
    dynamic = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603 - wheel files
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))


_occt = {
    Path(str(record.locate())).name: Path(str(record.locate()))
    for record in importlib.metadata.files("netgen-occt") or []
    if record.match("*libTK*")
}
_nglib = next(
    Path(str(record.locate()))
    for record in importlib.metadata.files("netgen-mesher") or []
    if record.name == "libnglib.so"
)
_wanted: set[str] = set()
_todo = [name for name in _needed(_nglib) if name in _occt]
while _todo:
    name = _todo.pop()
    if name not in _wanted:
        _wanted.add(name)
        _todo.extend(other for other in _needed(_occt[name]) if other in _occt)

binaries = [(str(_occt[name]), ".") for name in sorted(_wanted)]
