"""How a design sits on the anatomy: its bearing surface, gaps, penetration, the unsupported span, bone beneath.

Definitions (all distances in mm, areas in mm^2, in the meshes' common patient frame):

- The design's surface is first sampled finely: triangles are split until no edge is longer than
  :data:`SAMPLE_EDGE_MM`, so a CAD file with a few large triangles is measured as densely as a fine mesh.
- A triangle **faces the anatomy** when its outward normal points towards the anatomy's centroid (cosine above
  :data:`FACING_COS`): the plate's inner surface does, its outer surface and rim do not.
- A facing triangle **bears on bone** when the closest anatomy point of its centroid lies within
  :data:`CAPTURE_MM` and straight ahead of it (within :data:`BEARING_ANGLE_DEG` of its normal), or when its centroid
  is inside the anatomy. Facing triangles that do not bear are **unsupported** (over a defect or beyond the bone).
- ``fit.max_gap`` / ``fit.mean_gap``: the largest / mean distance of bearing centroids (outside the bone) from the
  anatomy. ``fit.max_penetration``: the deepest point of the design (any sampled vertex or centroid) inside the
  anatomy, 0 when none is. ``fit.contact_area``: the area of the bearing triangles.
- ``anatomy.defect_span``: the largest distance between two unsupported centroids (the span the design bridges);
  ``anatomy.defect_area``: the area of the unsupported triangles.
- ``anatomy.bone_thickness_min`` / ``_mean``: bone thickness under bearing triangles, along their normal, from the
  bone mask (trilinear, inside at >= 0.5, sampled every :data:`RAY_STEP_MM`), excluding triangles within
  :data:`EDGE_EXCLUSION_MM` of an unsupported one (at a defect's edge a ray leaves the bone through the cut face).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy.ndimage import map_coordinates
from scipy.spatial import ConvexHull, QhullError, cKDTree
from scipy.spatial.distance import cdist

from geometry.distance import closest_points, face_normals, signed_distances
from geometry.mesh import Mesh
from imaging.progress import CancelToken
from imaging.volume import Volume
from validation.errors import MeasurementInputError

FloatArray = npt.NDArray[np.float64]

SAMPLE_EDGE_MM = 2.0
FACING_COS = 0.5
CAPTURE_MM = 3.0
BEARING_ANGLE_DEG = 30.0
RAY_STEP_MM = 0.1
RAY_LENGTH_MM = 40.0
EDGE_EXCLUSION_MM = 3.0


MAX_SAMPLE_TRIANGLES = 5_000_000
"""Most triangles the design's surface is split into for the fit analysis (a cranial plate needs about 100 k)."""


def sample_surface(design: Mesh, max_edge_mm: float = SAMPLE_EDGE_MM) -> Mesh:
    """``design`` with its triangles split until no edge is longer than ``max_edge_mm`` (same surface).

    Raises
    ------
    MeasurementInputError
        When the split would make more than :data:`MAX_SAMPLE_TRIANGLES` triangles (a design metres across, or a
        file whose coordinates are not in millimetres): such a design is not measured rather than exhausting memory.
    """
    from trimesh.remesh import subdivide_to_size  # noqa: PLC0415 - trimesh is imported on first use

    corners = design.vertices[design.faces]
    longest = np.max(np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2), axis=1) if len(corners) else []
    pieces = float(np.sum(np.ceil(np.asarray(longest, dtype=np.float64) / max_edge_mm) ** 2))
    if not math.isfinite(pieces) or pieces > MAX_SAMPLE_TRIANGLES:
        raise MeasurementInputError(
            f"the design's surface would be split into about {pieces:.3g} pieces of {max_edge_mm} mm (at most "
            f"{MAX_SAMPLE_TRIANGLES}): is the design in millimetres?"
        )
    vertices, faces = subdivide_to_size(design.vertices, design.faces, max_edge=max_edge_mm, max_iter=24)
    return Mesh(np.asarray(vertices, dtype=np.float64), np.asarray(faces, dtype=np.int64))


def _span(points: FloatArray) -> float:
    """Largest distance between two of ``points`` (over their convex hull's vertices when there are many)."""
    if len(points) < 2:
        return 0.0
    candidates = points
    if len(points) > 64:
        try:
            candidates = points[ConvexHull(points).vertices]
        except QhullError:  # flat or degenerate: fall back to a bounded brute force on a subsample
            candidates = points[:: max(1, len(points) // 2000)]
    # Points on a curved surface (a plate's inner side over a defect) are nearly all hull vertices, so the pairs are
    # compared in blocks of rows: memory stays bounded (a few MB) instead of growing with the square of the count.
    largest = 0.0
    for start in range(0, len(candidates), 256):
        squared = cdist(candidates[start : start + 256], candidates, "sqeuclidean")
        largest = max(largest, float(squared.max()))
    return math.sqrt(largest)


@dataclass(frozen=True, eq=False)
class FitAnalysis:
    """The design's triangles classified against the anatomy (see the module docstring).

    Attributes
    ----------
    surface
        The finely sampled design surface.
    normals, areas, centroids
        Per sampled triangle.
    signed_distance
        Of each centroid to the anatomy (negative inside).
    closest
        The closest anatomy point of each facing centroid (NaN for the others).
    facing, bearing
        Per sampled triangle.
    vertex_signed_distance
        Of each sampled vertex to the anatomy.
    """

    surface: Mesh
    normals: FloatArray
    areas: FloatArray
    centroids: FloatArray
    signed_distance: FloatArray
    closest: FloatArray
    facing: npt.NDArray[np.bool_]
    bearing: npt.NDArray[np.bool_]
    vertex_signed_distance: FloatArray

    @property
    def unsupported(self) -> npt.NDArray[np.bool_]:
        """Facing triangles that do not bear on the anatomy."""
        result: npt.NDArray[np.bool_] = self.facing & ~self.bearing
        return result

    @property
    def gap_triangles(self) -> npt.NDArray[np.bool_]:
        """Bearing triangles whose centroid is outside the anatomy."""
        result: npt.NDArray[np.bool_] = self.bearing & (self.signed_distance >= 0)
        return result

    @property
    def max_gap(self) -> float | None:
        """Largest bearing gap (mm); None when nothing bears."""
        gaps = self.signed_distance[self.gap_triangles]
        return float(gaps.max()) if gaps.size else None

    @property
    def mean_gap(self) -> float | None:
        """Area-weighted mean bearing gap (mm); None when nothing bears."""
        mask = self.gap_triangles
        if not mask.any():
            return None
        return float(np.average(self.signed_distance[mask], weights=self.areas[mask]))

    @property
    def max_penetration(self) -> float:
        """Deepest sampled point of the design inside the anatomy (mm), 0 when none is inside."""
        deepest = min(float(self.signed_distance.min()), float(self.vertex_signed_distance.min()))
        return max(0.0, -deepest)

    @property
    def contact_area(self) -> float:
        """Area of the bearing triangles (mm^2)."""
        return float(self.areas[self.bearing].sum())

    @property
    def defect_area(self) -> float:
        """Area of the unsupported facing triangles (mm^2)."""
        return float(self.areas[self.unsupported].sum())

    @cached_property
    def defect_span(self) -> float:
        """Largest distance between two unsupported centroids (mm); 0 when none is unsupported."""
        return _span(self.centroids[self.unsupported])

    def bone_thickness(self, mask: Volume) -> FloatArray:
        """Bone thickness (mm) under each bearing triangle away from unsupported ones (see the module docstring)."""
        chosen = self.bearing.copy()
        unsupported = self.centroids[self.unsupported]
        if len(unsupported):
            near, _ = cKDTree(unsupported).query(self.centroids, distance_upper_bound=EDGE_EXCLUSION_MM)
            chosen &= ~np.isfinite(near)
        starts, directions = self.centroids[chosen], self.normals[chosen]
        if not len(starts):
            return np.zeros(0)
        steps = np.arange(0.0, RAY_LENGTH_MM + RAY_STEP_MM / 2, RAY_STEP_MM)
        thickness = np.empty(len(starts))
        voxels = np.asarray(mask.voxels, dtype=np.float32)
        for begin in range(0, len(starts), 4096):
            chunk = slice(begin, begin + 4096)
            points = starts[chunk, np.newaxis, :] + steps[np.newaxis, :, np.newaxis] * directions[chunk, np.newaxis, :]
            index = mask.world_to_index(points.reshape(-1, 3))  # (i, j, k) = (x, y, z)
            values = map_coordinates(voxels, index[:, ::-1].T, order=1, mode="constant", cval=0.0)
            inside = values.reshape(len(points), len(steps)) >= 0.5
            first = np.argmax(inside, axis=1)
            after = np.where(np.arange(len(steps))[np.newaxis, :] >= first[:, np.newaxis], ~inside, False)
            exit_index = np.where(after.any(axis=1), np.argmax(after, axis=1), len(steps))
            thickness[chunk] = np.where(inside.any(axis=1), (exit_index - first) * RAY_STEP_MM, 0.0)
        return thickness


def analyse_fit(design: Mesh, anatomy: Mesh, *, cancel: CancelToken | None = None) -> FitAnalysis:
    """Classify the design's surface against the anatomy (see the module docstring for every rule).

    Parameters
    ----------
    design
        The device, a closed outward-oriented mesh in the anatomy's frame.
    anatomy
        The bone surface, closed and outward-oriented.
    cancel
        Checked between chunks of distance queries.

    Returns
    -------
    FitAnalysis
        The classified, sampled design surface.
    """
    surface = sample_surface(design)
    normals, areas = face_normals(surface)
    corners = surface.vertices[surface.faces]
    centroids = corners.mean(axis=1)
    _, anatomy_areas = face_normals(anatomy)
    anatomy_centre = (anatomy.vertices[anatomy.faces].mean(axis=1) * anatomy_areas[:, np.newaxis]).sum(axis=0) / max(
        float(anatomy_areas.sum()), 1e-12
    )
    towards_centre = anatomy_centre - centroids
    towards_centre /= np.maximum(np.linalg.norm(towards_centre, axis=1, keepdims=True), 1e-12)
    facing = np.einsum("ij,ij->i", normals, towards_centre) > FACING_COS
    # Closest points (a slow per-point query) only where the bearing rule needs them: facing triangles.
    signed = signed_distances(anatomy, centroids, cancel=cancel)
    closest = np.full_like(centroids, np.nan)
    found = closest_points(anatomy, centroids[facing], cancel=cancel)
    closest[facing] = found.closest
    offset = closest - centroids
    distance = np.abs(signed)
    with np.errstate(invalid="ignore"):
        ahead = np.einsum("ij,ij->i", offset, normals) >= math.cos(math.radians(BEARING_ANGLE_DEG)) * distance
    bearing = facing & ((signed < 0) | ((distance <= CAPTURE_MM) & ahead))
    return FitAnalysis(
        surface=surface,
        normals=normals,
        areas=areas,
        centroids=centroids,
        signed_distance=signed,
        closest=closest,
        facing=facing,
        bearing=bearing,
        vertex_signed_distance=signed_distances(anatomy, surface.vertices, cancel=cancel),
    )
