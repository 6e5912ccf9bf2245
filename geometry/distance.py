"""Distances between meshes: vertex normals and the closest point of a closed surface to each of many points.

All lengths in mm in the meshes' common frame (patient LPS for DVW meshes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkDoubleArray
from vtkmodules.vtkFiltersCore import vtkImplicitPolyDataDistance

from base.progress import CancelToken, checkpoint
from geometry.errors import GeometryError
from geometry.mesh import Mesh, merge_vertices

FloatArray = npt.NDArray[np.float64]


def face_normals(mesh: Mesh) -> tuple[FloatArray, FloatArray]:
    """Unit normals and areas (mm^2) of every triangle (a degenerate triangle gets a zero normal)."""
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    cross = np.cross(b - a, c - a)
    double_area = np.linalg.norm(cross, axis=1)
    normals = np.zeros_like(cross)
    valid = double_area > 0
    normals[valid] = cross[valid] / double_area[valid, None]
    return normals, 0.5 * double_area


def vertex_normals(mesh: Mesh) -> FloatArray:
    """Unit vertex normals: the area-weighted mean of the incident triangles' normals (zero for a lone vertex)."""
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    weighted = np.cross(b - a, c - a)  # length = 2 x area: area weighting
    normals = np.zeros_like(mesh.vertices)
    for k in range(3):
        np.add.at(normals, mesh.faces[:, k], weighted)
    lengths = np.linalg.norm(normals, axis=1)
    valid = lengths > 0
    normals[valid] /= lengths[valid, None]
    return normals


def _distance_function(surface: Mesh) -> Any:
    """A ``vtkImplicitPolyDataDistance`` of the triangles of ``surface`` that have three distinct vertices.

    VTK signs a distance by the pseudo-normal at the closest point, looking up the neighbours across the edge it
    lies on; a triangle that names one vertex twice (an OBJ face ``f 1 1 8``, a 3MF triangle with v1 = v2), or two
    vertices at one position (a PLY listing a position twice), makes that look-up read out of bounds in
    ``vtkPolyData::GetCellEdgeNeighbors``: ``dvw measure`` on such a design crashed with a segmentation fault in
    four runs out of five. Positions are merged and triangles without area are left out (segments and points, with
    no normal); every distance to a surface triangle is unchanged.

    Raises
    ------
    GeometryError
        When ``surface`` has no triangle with three distinct vertices.
    """
    # Vertices at the same position are one vertex for VTK's edge look-up too (a file may list a position twice: a
    # triangle on two such vertices has a zero-length edge, which crashed the look-up the same way), so positions
    # are merged first; then triangles without three distinct corners, or without area, are left out.
    merged = merge_vertices(surface) if surface.n_vertices else surface
    faces = merged.faces
    proper = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    if np.any(proper):
        corners = merged.vertices[faces]
        area2 = np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1)
        proper &= area2 > 0.0
    if not np.any(proper):
        raise GeometryError("the reference surface has no triangles")
    kept = merged if np.all(proper) else Mesh(merged.vertices, faces[proper])
    implicit = vtkImplicitPolyDataDistance()
    implicit.SetInput(kept.to_polydata())
    return implicit


@dataclass(frozen=True, eq=False)
class ClosestPoints:
    """The closest point of a surface to each query point.

    Attributes
    ----------
    signed_distance
        Distance (mm) to the surface, negative inside it (for a closed, outward-oriented surface).
    closest
        The closest surface point of each query point, ``(N, 3)``.
    """

    signed_distance: FloatArray
    closest: FloatArray


def closest_points(surface: Mesh, points: npt.ArrayLike, *, cancel: CancelToken | None = None) -> ClosestPoints:
    """Signed distance and closest point on ``surface`` of every point.

    Uses ``vtkImplicitPolyDataDistance`` (exact point-to-triangle distance over a static cell locator; the sign
    comes from the pseudo-normal at the closest point), one point at a time.

    Parameters
    ----------
    surface
        A closed, outward-oriented triangle mesh.
    points
        Query points ``(N, 3)`` in mm.
    cancel
        Checked every 2,000 points.

    Returns
    -------
    ClosestPoints
        Distances and closest points.

    Raises
    ------
    GeometryError
        When ``surface`` has no triangles.
    """
    query = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    implicit = _distance_function(surface)
    distances = np.empty(len(query), dtype=np.float64)
    closest = np.empty_like(query)
    found = [0.0, 0.0, 0.0]
    for index, point in enumerate(query):
        if index % 2000 == 0:
            checkpoint(cancel)
        distances[index] = implicit.EvaluateFunctionAndGetClosestPoint(point.tolist(), found)
        closest[index] = found
    return ClosestPoints(distances, closest)


def signed_distances(
    surface: Mesh, points: npt.ArrayLike, *, cancel: CancelToken | None = None, chunk: int = 100_000
) -> FloatArray:
    """Signed distance (mm, negative inside) of every point from the closed surface ``surface``.

    The same exact distance as :func:`closest_points`, evaluated on whole arrays in C++ (chunked so ``cancel`` is
    checked between chunks), without the closest points.

    Raises
    ------
    GeometryError
        When ``surface`` has no triangles.
    """
    query = np.ascontiguousarray(np.asarray(points, dtype=np.float64).reshape(-1, 3))
    implicit = _distance_function(surface)
    values = np.empty(len(query), dtype=np.float64)
    for start in range(0, len(query), chunk):
        checkpoint(cancel)
        out = vtkDoubleArray()
        implicit.FunctionValue(numpy_to_vtk(query[start : start + chunk], deep=False), out)
        values[start : start + chunk] = vtk_to_numpy(out)
    return values
