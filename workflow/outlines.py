"""Where a mesh crosses a slice: its outline as line segments in the slice's plane (no Qt).

The window draws the anatomy's and the design's outlines on each slice view, so that the fit of a design can be
judged slice by slice (3D Slicer, InVesalius and Mimics show segmentations and models the same way). A triangle
whose corners lie on both sides of the plane crosses it along one segment, between the points where two of its
edges cross; the segments of all such triangles are the outline. Corners exactly on the plane count as just above
it, so that no triangle yields a point-sized segment and a shared edge is not drawn twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from base.progress import CancelToken, ProgressCallback, checkpoint

Segments = npt.NDArray[np.float64]
"""``(k, 2, 3)`` line segments, patient LPS mm."""


def plane_outline(vertices: Any, faces: Any, origin: Sequence[float], normal: Sequence[float]) -> Segments:
    """The segments along which the triangles ``faces`` of ``vertices`` cross the plane through ``origin``.

    Parameters
    ----------
    vertices
        ``(n, 3)`` positions, LPS mm.
    faces
        ``(m, 3)`` vertex indices.
    origin, normal
        A point of the plane and its normal (LPS mm; the normal need not be a unit vector).

    Returns
    -------
    numpy.ndarray
        ``(k, 2, 3)`` segments in LPS mm, one per crossing triangle (empty ``(0, 2, 3)`` when none crosses).
    """
    points = np.asarray(vertices, dtype=np.float64)
    triangles = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    unit = np.asarray(normal, dtype=np.float64)
    unit = unit / np.linalg.norm(unit)
    distance = (points - np.asarray(origin, dtype=np.float64)) @ unit
    above = distance >= 0.0
    corners = above[triangles]
    crossing = corners.any(axis=1) & ~corners.all(axis=1)
    if not crossing.any():
        return np.empty((0, 2, 3), dtype=np.float64)
    tri = triangles[crossing]
    side = corners[crossing]
    # The lone corner (the one on its own side of the plane) and the two edges from it cross the plane.
    lone = np.where(side.sum(axis=1) == 1, np.argmax(side, axis=1), np.argmin(side, axis=1))
    rows = np.arange(len(tri))
    a = tri[rows, lone]
    b = tri[rows, (lone + 1) % 3]
    c = tri[rows, (lone + 2) % 3]

    def cross(start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        d0, d1 = distance[start], distance[end]
        t = (d0 / (d0 - d1))[:, None]
        return points[start] + t * (points[end] - points[start])

    return np.stack([cross(a, b), cross(a, c)], axis=1)


@dataclass(frozen=True)
class OutlineRequest:
    """Meshes to cut by planes: ``meshes`` as (name, vertices, faces) and ``planes`` as (key, origin, normal)."""

    meshes: tuple[tuple[str, Any, Any], ...]
    planes: tuple[tuple[str, tuple[float, float, float], tuple[float, float, float]], ...]


def outlines(
    request: OutlineRequest, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
) -> dict[str, dict[str, Segments]]:
    """Each plane's outline of each mesh: ``{plane key: {mesh name: segments}}`` (for a worker)."""
    del progress  # a few milliseconds per plane: nothing to report
    found: dict[str, dict[str, Segments]] = {}
    for key, origin, normal in request.planes:
        checkpoint(cancel)
        found[key] = {name: plane_outline(vertices, faces, origin, normal) for name, vertices, faces in request.meshes}
    return found
