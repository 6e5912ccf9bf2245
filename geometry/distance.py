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


def vertex_areas(mesh: Mesh) -> FloatArray:
    """The area (mm^2) each vertex stands for: a third of every incident triangle's area (they sum to the area)."""
    _normals, areas = face_normals(mesh)
    share = np.repeat(areas / 3.0, 3)
    return np.bincount(mesh.faces.reshape(-1), weights=share, minlength=mesh.n_vertices).astype(np.float64)


@dataclass(frozen=True, eq=False)
class RevisionComparison:
    """A new design against the previous revision's design, in the same patient frame (REQUIREMENTS 4.5.4).

    Attributes
    ----------
    signed_distance
        Per vertex of the new design: its signed distance (mm) from the previous design's surface, positive
        outside it (material added), negative inside (material removed). The colour map of the change.
    max_deviation_mm
        The largest distance either way: the largest ``|signed_distance|`` of the new design's vertices, or of the
        previous design's vertices from the new design, whichever is larger.
    mean_deviation_mm, rms_deviation_mm
        Area-weighted mean and root mean square of ``|signed_distance|`` over the new design.
    min_signed_mm, max_signed_mm
        The most negative and most positive ``signed_distance``.
    tolerance_mm
        The tolerance within which a surface counts as unchanged.
    area_mm2
        The new design's surface area.
    share_within_tolerance
        The share (0 to 1) of the new design's area within the tolerance of the previous design.
    area_changed_mm2
        The area of the previous design's surface that moved by more than the tolerance (its vertices' distance
        from the new design, vertex-area weighted): how much of the approved design was changed.
    """

    signed_distance: FloatArray
    max_deviation_mm: float
    mean_deviation_mm: float
    rms_deviation_mm: float
    min_signed_mm: float
    max_signed_mm: float
    tolerance_mm: float
    area_mm2: float
    share_within_tolerance: float
    area_changed_mm2: float

    def parameters(self) -> dict[str, float]:
        """The figures as ``change.*`` parameters (name -> value; the unit is the name's suffix)."""
        return {
            "change.max_deviation_mm": self.max_deviation_mm,
            "change.mean_deviation_mm": self.mean_deviation_mm,
            "change.rms_deviation_mm": self.rms_deviation_mm,
            "change.min_signed_deviation_mm": self.min_signed_mm,
            "change.max_signed_deviation_mm": self.max_signed_mm,
            "change.tolerance_mm": self.tolerance_mm,
            "change.share_within_tolerance": self.share_within_tolerance,
            "change.area_changed_mm2": self.area_changed_mm2,
            "change.area_mm2": self.area_mm2,
        }


def _near(surface: Mesh, points: FloatArray, reach: FloatArray) -> Mesh:
    """The triangles of ``surface`` that may hold the closest point of one of ``points``.

    Those whose bounding box meets the box of the points grown by the largest ``reach`` (an upper bound of each
    point's distance, e.g. to the nearest vertex). Every closer triangle meets it, and so do the triangles around a
    closest point (they hold it), so distances and signs are those of the whole surface. The whole surface when the
    box keeps most of it.
    """
    grow = float(reach.max())
    low, high = points.min(axis=0) - grow, points.max(axis=0) + grow
    corners = surface.vertices[surface.faces]
    keep = np.all((corners.max(axis=1) >= low) & (corners.min(axis=1) <= high), axis=1)
    if keep.mean() > 0.5:
        return surface
    used, faces = np.unique(surface.faces[keep], return_inverse=True)
    return Mesh(surface.vertices[used], faces.reshape(-1, 3))


def compare_revisions(
    previous: Mesh, new: Mesh, *, tolerance_mm: float = 0.2, cancel: CancelToken | None = None
) -> RevisionComparison:
    """Compare a new design with the previous revision's design (both closed, outward-oriented, in mm).

    Distances are exact point-to-triangle distances (:func:`signed_distances`) from the other design's surface:
    of every vertex of the new design (a vertex at the position of a previous vertex lies on that surface: 0), and
    of the previous design's vertices that could change a figure (those whose nearest new vertex is farther than
    the tolerance or the largest forward distance: the others are within both). Areas are vertex areas
    (:func:`vertex_areas`), so the figures do not depend on how evenly the meshes are triangulated.

    Parameters
    ----------
    previous, new
        The previous revision's design and the new one, in the same frame.
    tolerance_mm
        Distances up to this count as unchanged (> 0).
    cancel
        Checked between chunks of points.

    Returns
    -------
    RevisionComparison
        The per-vertex map and the figures.

    Raises
    ------
    GeometryError
        A mesh without triangles, or a tolerance that is not positive.
    """
    if not tolerance_mm > 0 or not np.isfinite(tolerance_mm):
        raise GeometryError(f"the change tolerance must be a positive length in mm, not {tolerance_mm}")
    if new.n_triangles == 0 or previous.n_triangles == 0:
        raise GeometryError("a design to compare has no triangles")
    from scipy.spatial import cKDTree  # noqa: PLC0415 - loaded when designs are compared

    # A vertex at the position of a vertex of the other surface lies on it: its distance is exactly 0. Only the
    # others are measured (most of a design that was edited locally keeps its vertices).
    nearest_old = np.asarray(cKDTree(previous.vertices).query(new.vertices)[0], dtype=np.float64)
    forward = np.zeros(new.n_vertices)
    moved = nearest_old > 0.0
    if np.any(moved):
        near = _near(previous, new.vertices[moved], nearest_old[moved])
        forward[moved] = signed_distances(near, new.vertices[moved], cancel=cancel)
    checkpoint(cancel)
    # Backward only the area beyond the tolerance and the largest distance are needed: the distance to the nearest
    # vertex of the new design bounds the distance to its surface from above, so a vertex whose bound is within
    # both the tolerance and the forward maximum changes neither figure and is not measured.
    bound = np.asarray(cKDTree(new.vertices).query(previous.vertices)[0], dtype=np.float64)
    backward = np.zeros(previous.n_vertices)
    candidates = bound > min(tolerance_mm, float(np.abs(forward).max()))
    if np.any(candidates):
        near = _near(new, previous.vertices[candidates], bound[candidates])
        backward[candidates] = np.abs(signed_distances(near, previous.vertices[candidates], cancel=cancel))
    weights = vertex_areas(new)
    area = float(weights.sum())
    magnitude = np.abs(forward)
    old_weights = vertex_areas(previous)
    return RevisionComparison(
        signed_distance=forward,
        max_deviation_mm=float(max(magnitude.max(), backward.max())),
        mean_deviation_mm=float(np.dot(weights, magnitude) / area),
        rms_deviation_mm=float(np.sqrt(np.dot(weights, forward * forward) / area)),
        min_signed_mm=float(forward.min()),
        max_signed_mm=float(forward.max()),
        tolerance_mm=float(tolerance_mm),
        area_mm2=area,
        share_within_tolerance=float(weights[magnitude <= tolerance_mm].sum() / area),
        area_changed_mm2=float(old_weights[backward > tolerance_mm].sum()),
    )
