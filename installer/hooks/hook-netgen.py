"""PyInstaller hook for Netgen (``netgen-mesher``), DVW's volume mesher.

Netgen's Python module needs the Open CASCADE libraries of the ``netgen-occt`` wheel, which live outside
site-packages (in the environment's ``lib`` folder) and which Netgen loads by the paths its metadata records. The
bundle puts them beside its other libraries; the spec leaves ``netgen-occt``'s metadata out (so Netgen does not look
for them at those paths) and :func:`mechanics.analysis.volume_mesh` loads them from the bundle before Netgen.
"""

import importlib.metadata

binaries = [
    (str(record.locate()), ".") for record in importlib.metadata.files("netgen-occt") or [] if record.match("*libTK*")
]
