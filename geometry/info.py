"""``mesh_info``: the metrics of any mesh file (an imported design from CAD) plus its thinnest wall."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from base.files import sha256_file
from base.progress import CancelToken, ProgressCallback, subrange
from geometry.io import read_mesh
from geometry.metrics import MeshMetrics, WallThickness, mesh_metrics, min_wall_thickness


@dataclass(frozen=True)
class MeshInfo:
    """What :func:`mesh_info` reports about a mesh file.

    Attributes
    ----------
    path
        The file read.
    sha256
        SHA-256 (hex) of its bytes.
    metrics
        Its :class:`MeshMetrics` (in the file's frame, mm; no surface deviation: there is no reference surface).
    wall
        The thinnest wall (mm) and where it is (LPS mm), or None when no inward ray hits the surface.
    """

    path: Path
    sha256: str
    metrics: MeshMetrics
    wall: WallThickness | None


def mesh_info(
    path: str | Path, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
) -> MeshInfo:
    """Read a mesh file (STL, PLY, OBJ, 3MF) and measure it, including its minimum wall thickness.

    Raises
    ------
    MeshFileError
        If the file is missing or not a mesh.
    Cancelled
        When ``cancel`` is set.
    """
    source = Path(path)
    mesh = read_mesh(source)
    metrics = mesh_metrics(mesh, progress=subrange(progress, 0.0, 0.2), cancel=cancel)
    wall = min_wall_thickness(mesh, progress=subrange(progress, 0.2, 1.0), cancel=cancel)
    return MeshInfo(source, sha256_file(source), metrics, wall)
