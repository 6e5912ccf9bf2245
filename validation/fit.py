"""How a design sits on the anatomy: its bearing surface, gaps, penetration, the defect it bridges, the bone beneath.

Every definition here was chosen so that the value does not depend on how a mesh edge happens to be cut (issue 19).
Measured on a real skull CT with a cut defect and plates built with a known gap and wall, the earlier definitions
(bearing by the closest bone point within 30 deg, gaps over the whole bearing surface, walls along vertex normals)
read a 0.5 mm seat as 0.77-0.86 mm, a plate sunk 0.3 mm as 0.41 mm deep, a 44 mm defect as 51.5 mm and a 7 mm bone
as 3 mm, because a bone mesh made from a CT rounds a cut edge (up to 1.3 mm below the intact surface within 1 mm of
the cut, at 1 mm voxels) and bulges beside it (up to 0.13 mm above it 1-4 mm away; within 0.015 mm of the intact
surface from 5 mm on, tests/validation/test_fit_real_anatomy.py). All distances in mm, areas in mm^2, in the meshes'
common patient frame (LPS).

- **Sampling.** The design's surface is split until no edge is longer than :data:`SAMPLE_EDGE_MM`, so a CAD file of a
  few large triangles is measured as densely as a fine mesh; coincident corners are merged so that neighbouring
  triangles are known.
- **The anatomy near the design.** Only anatomy triangles within :data:`CROP_MARGIN_MM` of the design's bounding box
  take part (every distance up to that margin is exact; no rule needs a longer one): a 1.5 M-triangle skull is
  measured as the few hundred thousand triangles under the plate.
- **Facing.** A triangle faces the anatomy when its outward normal points towards the anatomy's centre (the mean of
  its vertices; cosine above :data:`FACING_COS`): a plate's inner surface does, its outer surface and closing band
  do not.
- **Supported (bearing).** A facing triangle bears on bone when its centroid is inside the bone, or when the ray from
  its centroid along its normal meets the bone within :data:`CAPTURE_MM`. The ray looks straight down, so where a
  defect is cut through the bone the support ends where the cut is, whatever the gap and however the mesh rounds the
  edge (the earlier closest-point rule kept bearing ``gap x tan 30 deg`` beyond a cut, and as far as the rounding
  went).
- **The defect.** Facing triangles that do not bear form connected regions (triangles sharing an edge); regions
  smaller than :data:`DEFECT_MIN_AREA_MM2` are left out (a single triangle over a small foramen, or one that misses
  a bump, is no defect; the earlier rule let one 1.2 mm^2 triangle 7 mm outside a cut stretch a 44 mm defect to
  51.5 mm). ``anatomy.defect_area`` is the area of the defect regions.
- **The outline.** Between each defect triangle and each bearing triangle beside it, :data:`OUTLINE_SAMPLES` points
  on the segment from :data:`OUTLINE_REACH_MM` beyond the defect triangle's centroid to the bearing one's are tested
  by the support rule, from :data:`OUTLINE_STANDOFF_MM` above the intact bone nearby (the level of the seat around
  it) and along the cut face beside it (the plate's normal with the face's principal normal taken out); the outline
  point is the middle of the step where support ends, walking from the bearing triangle. Cast from the plate, a ray
  crosses the gap at an angle to the cut face and drifts across it (``gap x tan(angle)``; the sample case's
  cylindrical cut is 18-20 deg off the skull's normal at its rim), and cast straight down from the bone's level it
  still drifts past the cut's rounded rim (1-1.5 mm): along the face it does neither, so the outline is the cut's
  whatever the gap (within 0.7 mm of the cut on the sample case and the phantom, 1.5 mm of gap or 0.3 mm sunk).
  ``anatomy.defect_span`` is the largest distance between two outline points.
- **The seat.** Bearing triangles at least :data:`EDGE_MARGIN_MM` from the outline form the seat: there the bone
  mesh is the intact surface (see above), so the seat's values are those of the fit and not of the cut.
  ``fit.max_gap`` / ``fit.mean_gap`` are the largest / area-weighted mean clearance of the seat's centroids from the
  bone, where the clearance is the distance to the bone outside it and 0 inside (a sunk plate's gap is 0, not
  missing). ``fit.contact_area`` is the area of all bearing triangles.
- **Penetration.** ``fit.max_penetration`` is the depth inside the bone of the design's deepest sampled point (corner
  or centroid, any triangle) at least :data:`EDGE_MARGIN_MM` from the outline; 0 when none is inside. Points closer
  to the outline sit on the rounded, bulging cut edge of the bone mesh: their deepest is stated in the method.
- **Bone under the seat.** From each seat triangle a ray runs along its normal into the bone mask (trilinear, inside
  at >= 0.5, sampled every :data:`RAY_STEP_MM` from :data:`CAPTURE_MM` behind the centroid, crossings interpolated);
  the thickness is the length inside the bone. A ray counts only when it leaves the bone through a surface facing it
  back: the mask's gradient there is within :data:`EXIT_ANGLE_DEG` of the ray. A ray that leaves sideways, through a
  cut face (or the side of a foramen), measures no thickness (the earlier rule read 3 mm for a 7 mm bone there).
- **The design's wall** (``design.min_wall_thickness``, :func:`geometry.metrics.face_wall_thickness`): from each
  triangle's centroid along its inward surface normal (its own, averaged with its neighbours' but never across a
  crease) to where the ray leaves the design, counted only where the surface it leaves through faces it back (within
  :data:`geometry.metrics.WALL_OPPOSITE_DEG`). The earlier rays from each vertex along its area-weighted normal were
  dominated at a plate's border by the closing band's tall triangles, pointed 85 deg off the surface, ran along the
  plate and met its rippled inner surface after 0.5 mm: a 3.7 mm wall read 0.47-1.00 mm.
- **Where, and how sure.** Every value names the place it was measured (the point of a maximum or minimum; for a mean
  or an area, the triangle nearest the middle of what was averaged) and its uncertainty, the root sum of squares of:
  the bone surface's resolution, half the voxel's extent along the surface normal there when the mask is given
  (``sqrt(sum((d_i s_i)^2)) / 2`` for a unit direction ``d`` in the voxel axes and spacings ``s``; a segmented
  surface is placed to about half a voxel: 0.35 mm outside the analytic skull of the sample case at 0.9 x 0.9 x
  1.5 mm), for an area its border's length times half the voxel; the sampling (half the largest difference to the
  neighbouring samples of a maximum or minimum, half the area of the triangles along an area's border); and the
  definition's sensitivity (how much the value moves when :data:`EDGE_MARGIN_MM` moves by :data:`SENSITIVITY_MM`
  either way). A value within its uncertainty of an envelope's limit is ``near_limit`` (:mod:`validation.check`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from base.progress import CancelToken, checkpoint
from geometry.distance import face_normals, signed_distances
from geometry.mesh import Mesh, merge_vertices
from geometry.metrics import RayGrid
from imaging.volume import Volume
from validation.errors import MeasurementInputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IndexArray = npt.NDArray[np.int64]
Point = tuple[float, float, float]

SAMPLE_EDGE_MM = 2.0
FACING_COS = 0.5
#: How far below a facing triangle, along its normal, bone must be for the triangle to bear on it (mm).
CAPTURE_MM = 3.0
#: Distance from the defect's outline within which the bone mesh shows the cut, not the intact bone (mm): the
#: seat, the penetration and the bone thickness are measured beyond it.
EDGE_MARGIN_MM = 5.0
#: Smallest unsupported region that counts as a defect (mm^2): a 5.6 mm disc.
DEFECT_MIN_AREA_MM2 = 25.0
#: Points tested on each segment across the defect's outline.
OUTLINE_SAMPLES = 32
#: How far beyond the defect triangle's centroid the outline is looked for (mm; see :func:`_outline`).
OUTLINE_REACH_MM = 2.0
#: How near the outline the bone's cut faces are looked for (mm; see :func:`_along_cut_faces`): a skull's thickness.
CUT_FACE_REACH_MM = 8.0
#: Least area of cut faces that gives a segment the cut's direction (mm^2; see :func:`_along_cut_faces`).
CUT_FACE_MIN_AREA_MM2 = 2.0
#: Height above the bone (mm) from which the outline's rays are cast (see :func:`_outline`).
OUTLINE_STANDOFF_MM = 0.25
#: Anatomy triangles farther than this from the design's bounding box are not used (mm).
CROP_MARGIN_MM = 15.0
RAY_STEP_MM = 0.1
RAY_LENGTH_MM = 40.0
#: Largest angle between a bone-thickness ray and the bone's outward normal where it leaves the bone (degrees).
EXIT_ANGLE_DEG = 60.0
#: How far the edge margin is moved either way to measure a value's sensitivity to it (mm).
SENSITIVITY_MM = 1.0

MAX_SAMPLE_TRIANGLES = 5_000_000
"""Most triangles the design's surface is split into for the fit analysis (a cranial plate needs about 100 k)."""


@dataclass(frozen=True)
class FitValue:
    """A measured value, where it was measured and how far off it may be.

    Attributes
    ----------
    value
        The value (mm, or mm^2 for areas).
    location
        LPS point (mm) where it was measured, or None when it has no place.
    uncertainty
        Root sum of squares of the resolution, sampling and definition terms (see the module docstring), in the
        value's unit.
    detail
        Words for the method sentence: how many samples, what was left out.
    """

    value: float
    location: Point | None
    uncertainty: float
    detail: str = ""


def _point(values: npt.ArrayLike) -> Point:
    array = np.asarray(values, dtype=np.float64)
    return float(array[0]), float(array[1]), float(array[2])


def half_voxel(grid: Volume | None, directions: npt.ArrayLike) -> FloatArray:
    """Half the extent of ``grid``'s voxel along each unit direction (mm): ``sqrt(sum((d_i s_i)^2)) / 2``.

    ``d`` is the direction in the voxel axes (``D^T`` times the LPS direction), ``s`` the spacing. Zero for every
    direction when no grid is given.
    """
    rows = np.asarray(directions, dtype=np.float64).reshape(-1, 3)
    if grid is None:
        return np.zeros(len(rows))
    local = rows @ grid.direction_matrix
    return np.asarray(0.5 * np.linalg.norm(local * np.asarray(grid.spacing, dtype=np.float64), axis=1))


def _rss(*terms: float) -> float:
    return math.sqrt(sum(t * t for t in terms))


def sample_surface(design: Mesh, max_edge_mm: float = SAMPLE_EDGE_MM) -> Mesh:
    """``design`` with its triangles split until no edge is longer than ``max_edge_mm`` (same surface).

    Corners at the same position are merged, so triangles that share an edge share its two corners.

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
    return merge_vertices(Mesh(np.asarray(vertices, dtype=np.float64), np.asarray(faces, dtype=np.int64)))


def _span(points: FloatArray) -> tuple[float, int, int]:
    """Largest distance between two of ``points`` and their indices (over the convex hull's vertices if many)."""
    from scipy.spatial import ConvexHull, QhullError  # noqa: PLC0415
    from scipy.spatial.distance import cdist  # noqa: PLC0415

    if len(points) < 2:
        return 0.0, 0, 0
    candidates: IndexArray = np.arange(len(points), dtype=np.int64)
    if len(points) > 64:
        try:
            candidates = np.asarray(ConvexHull(points).vertices, dtype=np.int64)
        except QhullError:  # flat or degenerate: fall back to a bounded brute force on a subsample
            candidates = candidates[:: max(1, len(points) // 2000)]
    chosen = points[candidates]
    # Points on a curved surface (an outline on a plate) are nearly all hull vertices, so the pairs are compared in
    # blocks of rows: memory stays bounded (a few MB) instead of growing with the square of the count.
    largest, pair = -1.0, (0, 0)
    for start in range(0, len(chosen), 256):
        squared = cdist(chosen[start : start + 256], chosen, "sqeuclidean")
        row, column = np.unravel_index(int(np.argmax(squared)), squared.shape)
        if float(squared[row, column]) > largest:
            largest, pair = float(squared[row, column]), (int(candidates[start + row]), int(candidates[column]))
    return math.sqrt(largest), pair[0], pair[1]


def _crop(anatomy: Mesh, low: FloatArray, high: FloatArray) -> Mesh:
    """The anatomy's triangles whose bounding boxes meet the box ``[low, high]`` (vertices renumbered).

    A triangle misses the box exactly when all three of its corners lie beyond the same face of the box: each vertex
    gets six bits (below or above the box along x, y, z) and a triangle is dropped when its corners share one.
    """
    vertices = anatomy.vertices
    bits = np.zeros(len(vertices), dtype=np.uint8)
    for axis in range(3):
        bits |= (vertices[:, axis] < low[axis]).astype(np.uint8) << np.uint8(2 * axis)
        bits |= (vertices[:, axis] > high[axis]).astype(np.uint8) << np.uint8(2 * axis + 1)
    corners = bits[anatomy.faces]
    keep = (corners[:, 0] & corners[:, 1] & corners[:, 2]) == 0
    faces = anatomy.faces[keep]
    used = np.zeros(len(vertices), dtype=bool)
    used[faces.reshape(-1)] = True
    renumber = np.cumsum(used) - 1
    return Mesh(vertices[used], renumber[faces].astype(np.int64))


def _edge_pairs(faces: IndexArray) -> tuple[IndexArray, IndexArray, IndexArray]:
    """Triangles ``(i, j)`` that share an edge, once per pair, and the two corners ``(n, 2)`` of that edge."""
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
    owner = np.tile(np.arange(len(faces), dtype=np.int64), 3)
    order = np.lexsort((edges[:, 1], edges[:, 0]))
    edges, owner = edges[order], owner[order]
    same = np.all(edges[1:] == edges[:-1], axis=1)
    return owner[:-1][same], owner[1:][same], edges[:-1][same]


@dataclass(frozen=True, eq=False)
class FitAnalysis:
    """The design's sampled surface classified against the anatomy (see the module docstring for every rule).

    Attributes
    ----------
    surface
        The finely sampled design surface.
    normals, areas, centroids
        Per sampled triangle (unit outward normals, mm^2, LPS mm).
    signed_distance
        Of each centroid to the anatomy (mm, negative inside).
    vertex_signed_distance
        Of each sampled vertex to the anatomy (mm, negative inside).
    facing, bearing, defect
        Per sampled triangle: faces the anatomy; bears on it; belongs to a defect region.
    outline
        ``(k, 3)`` points of the defect's outline (LPS mm), ``(0, 3)`` when there is no defect.
    outline_step
        ``(k,)`` length of the step each outline point was located within (mm).
    edge_distance, vertex_edge_distance
        Distance of each centroid / sampled vertex from the nearest outline point (mm; inf without an outline).
    grid
        The voxel grid the anatomy was segmented on (for the uncertainties), or None when unknown.
    anatomy_triangles
        How many anatomy triangles were near enough the design to take part.
    """

    surface: Mesh
    normals: FloatArray
    areas: FloatArray
    centroids: FloatArray
    signed_distance: FloatArray
    vertex_signed_distance: FloatArray
    facing: BoolArray
    bearing: BoolArray
    defect: BoolArray
    outline: FloatArray
    outline_step: FloatArray
    edge_distance: FloatArray
    vertex_edge_distance: FloatArray
    grid: Volume | None = None
    anatomy_triangles: int = 0

    # -- classification ---------------------------------------------------------------------------------------

    @property
    def unsupported(self) -> BoolArray:
        """Facing triangles that do not bear on the anatomy (defect regions and the small ones left out)."""
        result: BoolArray = self.facing & ~self.bearing
        return result

    def seat(self, margin_mm: float = EDGE_MARGIN_MM) -> BoolArray:
        """Bearing triangles at least ``margin_mm`` from the defect's outline."""
        result: BoolArray = self.bearing & (self.edge_distance >= margin_mm)
        return result

    @property
    def gap_triangles(self) -> BoolArray:
        """Seat triangles whose centroid is outside the anatomy."""
        result: BoolArray = self.seat() & (self.signed_distance >= 0)
        return result

    @cached_property
    def _pairs(self) -> tuple[IndexArray, IndexArray, IndexArray]:
        return _edge_pairs(self.surface.faces)

    @cached_property
    def _vertex_normals(self) -> FloatArray:
        weighted = self.normals * self.areas[:, np.newaxis]
        normals = np.zeros_like(self.surface.vertices)
        for k in range(3):
            np.add.at(normals, self.surface.faces[:, k], weighted)
        length = np.linalg.norm(normals, axis=1, keepdims=True)
        result: FloatArray = np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)
        return result

    def _resolution(self, directions: npt.ArrayLike) -> FloatArray:
        return half_voxel(self.grid, directions)

    def _isotropic_resolution(self) -> float:
        if self.grid is None:
            return 0.0
        return float(0.5 * np.sqrt(np.mean(np.square(np.asarray(self.grid.spacing, dtype=np.float64)))))

    def _nearest_to_middle(self, mask: BoolArray) -> Point:
        chosen = np.flatnonzero(mask)
        middle = np.average(self.centroids[chosen], axis=0, weights=self.areas[chosen])
        nearest = chosen[int(np.argmin(np.linalg.norm(self.centroids[chosen] - middle, axis=1)))]
        return _point(self.centroids[nearest])

    # -- fit.* ---------------------------------------------------------------------------------------------------

    def _gaps(self, margin_mm: float) -> tuple[IndexArray, FloatArray]:
        chosen = np.flatnonzero(self.seat(margin_mm))
        return chosen, np.maximum(self.signed_distance[chosen], 0.0)

    def max_gap(self) -> FitValue | None:
        """Largest clearance of the seat from the bone (mm); None when there is no seat."""
        chosen, gaps = self._gaps(EDGE_MARGIN_MM)
        if not chosen.size:
            return None
        best = chosen[int(np.argmax(gaps))]
        value = float(gaps.max())
        corners = self.surface.faces[best]
        sampling = 0.5 * float(np.max(np.abs(np.maximum(self.vertex_signed_distance[corners], 0.0) - value)))
        definition = self._sensitivity(lambda margin: self._gaps(margin)[1], np.max, value)
        resolution = float(self._resolution(self.normals[best])[0])
        return FitValue(
            value,
            _point(self.centroids[best]),
            _rss(resolution, sampling, definition),
            f"over {chosen.size} seat triangles",
        )

    def mean_gap(self) -> FitValue | None:
        """Area-weighted mean clearance of the seat from the bone (mm); None when there is no seat."""
        chosen, gaps = self._gaps(EDGE_MARGIN_MM)
        if not chosen.size:
            return None
        value = float(np.average(gaps, weights=self.areas[chosen]))

        def mean(margin: float) -> FloatArray:
            rows, values = self._gaps(margin)
            return np.array([np.average(values, weights=self.areas[rows])]) if rows.size else np.zeros(0)

        definition = self._sensitivity(mean, np.max, value)
        direction = np.average(self.normals[chosen], axis=0, weights=self.areas[chosen])
        direction /= max(float(np.linalg.norm(direction)), 1e-12)
        resolution = float(self._resolution(direction)[0])
        mask = np.zeros(len(self.areas), dtype=bool)
        mask[chosen] = True
        return FitValue(
            value, self._nearest_to_middle(mask), _rss(resolution, definition), f"over {chosen.size} seat triangles"
        )

    def _depths(self, margin_mm: float) -> tuple[FloatArray, FloatArray, BoolArray]:
        """Signed distances of every sampled centroid and corner, their positions, and which are counted."""
        distances = np.concatenate([self.signed_distance, self.vertex_signed_distance])
        points = np.vstack([self.centroids, self.surface.vertices])
        away = np.concatenate([self.edge_distance, self.vertex_edge_distance]) >= margin_mm
        # Beyond the crop margin the sign of a distance to the cropped anatomy is not known: such a point is not
        # inside (a bone would have to be twice the margin thick).
        counted = away & (distances > -CROP_MARGIN_MM)
        return distances, points, counted

    def max_penetration(self) -> FitValue:
        """Depth of the design's deepest sampled point inside the bone, away from the defect's edge (mm)."""
        distances, points, counted = self._depths(EDGE_MARGIN_MM)
        if not counted.any():
            return FitValue(0.0, None, 0.0, "no sampled point is 5 mm or more from the defect's edge")
        rows = np.flatnonzero(counted & np.isfinite(distances))
        if not rows.size:  # every counted point is farther than CAPTURE_MM outside the bone
            return FitValue(0.0, None, 0.0, "no sampled point is inside or near the bone")
        deepest = rows[int(np.argmin(distances[rows]))]
        value = max(0.0, -float(distances[deepest]))
        n_centroids = len(self.centroids)
        if deepest < n_centroids:
            neighbours = self.surface.faces[deepest] + n_centroids
            normal = self.normals[deepest]
        else:
            vertex = deepest - n_centroids
            neighbours = np.flatnonzero(np.any(self.surface.faces == vertex, axis=1))
            normal = self._vertex_normals[vertex]
        sampling = 0.5 * float(np.max(np.abs(np.maximum(-distances[neighbours], 0.0) - value), initial=0.0))

        def depth(margin: float) -> FloatArray:
            values, _, chosen = self._depths(margin)
            return np.maximum(-values[chosen], 0.0)

        definition = self._sensitivity(depth, np.max, value)
        resolution = float(self._resolution(normal)[0])
        edge = np.concatenate([self.edge_distance, self.vertex_edge_distance]) < EDGE_MARGIN_MM
        edge_depth = max(0.0, -float(distances[edge & (distances > -CROP_MARGIN_MM)].min(initial=0.0)))
        detail = f"over {rows.size} sampled points"
        if edge.any():
            detail += (
                f"; within {EDGE_MARGIN_MM:g} mm of the defect's edge (not counted: the bone mesh shows the cut there) "
                f"the deepest is {edge_depth:.3f} mm"
            )
        return FitValue(value, _point(points[deepest]), _rss(resolution, sampling, definition), detail)

    def _border(self, region: BoolArray) -> tuple[float, float]:
        """Half the area of ``region``'s triangles beside a facing triangle outside it, and that border's length."""
        first, second, corners = self._pairs
        across = self.facing[first] & self.facing[second] & (region[first] != region[second])
        inside = np.where(region[first[across]], first[across], second[across])
        half_area = 0.5 * float(self.areas[np.unique(inside)].sum())
        ends = self.surface.vertices[corners[across]]
        length = float(np.linalg.norm(ends[:, 0] - ends[:, 1], axis=1).sum())
        return half_area, length

    def contact_area(self) -> FitValue | None:
        """Area of the bearing triangles (mm^2); None when nothing bears."""
        if not self.bearing.any():
            return None
        value = float(self.areas[self.bearing].sum())
        half_area, length = self._border(self.bearing)
        return FitValue(
            value,
            self._nearest_to_middle(self.bearing),
            _rss(half_area, length * self._isotropic_resolution()),
            f"{int(self.bearing.sum())} bearing triangles",
        )

    # -- anatomy.defect_* ---------------------------------------------------------------------------------------

    def defect_area(self) -> FitValue | None:
        """Area of the defect regions (mm^2); None when there is no defect."""
        if not self.defect.any():
            return None
        half_area, length = self._border(self.defect)
        return FitValue(
            float(self.areas[self.defect].sum()),
            self._nearest_to_middle(self.defect),
            _rss(half_area, length * self._isotropic_resolution()),
            f"{int(self.defect.sum())} triangles in defect regions of {DEFECT_MIN_AREA_MM2:g} mm^2 or more",
        )

    def defect_span(self) -> FitValue | None:
        """Largest distance between two points of the defect's outline (mm); None when there is no defect."""
        if not self.defect.any():
            return None
        if len(self.outline) >= 2:
            points, steps = self.outline, self.outline_step
            how = f"{len(points)} outline points"
        else:  # a defect with no bearing triangle beside it: its triangles' centroids
            points = self.centroids[self.defect]
            steps = np.sqrt(self.areas[self.defect] * 2.0)
            how = "the defect triangles' centroids (no bearing triangle borders the defect)"
        value, a, b = _span(points)
        direction = points[b] - points[a]
        direction /= max(float(np.linalg.norm(direction)), 1e-12)
        resolution = float(self._resolution(direction)[0])
        uncertainty = _rss(resolution, resolution, 0.5 * float(steps[a]), 0.5 * float(steps[b]))
        ends = f"between ({', '.join(f'{v:.1f}' for v in points[a])}) and ({', '.join(f'{v:.1f}' for v in points[b])})"
        return FitValue(value, self._nearest_to_middle(self.defect), uncertainty, f"{ends}, over {how}")

    # -- the definition's sensitivity -------------------------------------------------------------------------

    def _sensitivity(
        self, values_at: Callable[[float], FloatArray], reduce: Callable[[FloatArray], object], value: float
    ) -> float:
        """How far ``reduce(values_at(margin))`` moves from ``value`` when the edge margin moves by SENSITIVITY_MM."""
        moved = 0.0
        for margin in (EDGE_MARGIN_MM - SENSITIVITY_MM, EDGE_MARGIN_MM + SENSITIVITY_MM):
            values = values_at(margin)
            if len(values):
                moved = max(moved, abs(float(np.asarray(reduce(values))) - value))
        return moved


@dataclass(frozen=True, eq=False)
class BoneThickness:
    """Bone thickness along rays from seat triangles through the mask, one entry per ray cast.

    Attributes
    ----------
    thickness
        ``(n,)`` mm; NaN where the ray does not count (it never crosses the bone, or it leaves it sideways).
    entries
        ``(n, 3)`` where each ray enters the bone (LPS mm; NaN when it never does).
    directions
        ``(n, 3)`` the rays' unit directions.
    triangles
        ``(n,)`` the sampled triangles they start from.
    sideways
        ``(n,)`` whether the ray left the bone through a surface that does not face it back (a cut face).
    """

    thickness: FloatArray
    entries: FloatArray
    directions: FloatArray
    triangles: IndexArray
    sideways: BoolArray


def _crossing(values: FloatArray, index: IndexArray, rows: IndexArray) -> FloatArray:
    """Fractional sample index where each row's samples cross 0.5 between ``index - 1`` and ``index``."""
    before = values[rows, np.maximum(index - 1, 0)]
    after = values[rows, index]
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(after != before, (0.5 - before) / (after - before), 1.0)
    return np.asarray(np.where(index > 0, index - 1 + np.clip(fraction, 0.0, 1.0), 0.0))


def bone_rays(mask: Volume, starts: FloatArray, directions: FloatArray, triangles: IndexArray) -> BoneThickness:
    """Cast the bone-thickness rays (see the module docstring) from ``starts`` along ``directions`` (LPS mm)."""
    from scipy.ndimage import map_coordinates  # noqa: PLC0415

    steps = np.arange(-CAPTURE_MM, RAY_LENGTH_MM + RAY_STEP_MM / 2, RAY_STEP_MM)
    spacing = np.asarray(mask.spacing, dtype=np.float64)
    # Index space is an affine image of LPS: a ray's samples are a start and a step there too.
    index_directions = (directions @ mask.direction_matrix) / spacing
    # Only the block of the mask the rays cross is read (a head CT's mask is 50 M voxels; the rays cross a few M).
    ends = np.vstack([mask.world_to_index(starts) + t * index_directions for t in (steps[0], steps[-1])])
    size = np.asarray(mask.size)
    if len(ends):
        block_low = np.clip(np.floor(ends.min(axis=0)).astype(np.int64) - 2, 0, size)
        block_high = np.clip(np.ceil(ends.max(axis=0)).astype(np.int64) + 3, 0, size)
    else:
        block_low = block_high = np.zeros(3, dtype=np.int64)
    voxels = np.asarray(
        mask.voxels[block_low[2] : block_high[2], block_low[1] : block_high[1], block_low[0] : block_high[0]],
        dtype=np.float32,
    )

    def sample(indices: FloatArray) -> FloatArray:  # (..., 3) in (i, j, k) order of the whole mask
        flat = indices.reshape(-1, 3) - block_low
        return np.asarray(map_coordinates(voxels, flat[:, ::-1].T, order=1, mode="constant", cval=0.0))

    n = len(starts)
    thickness = np.full(n, np.nan)
    entries = np.full((n, 3), np.nan)
    sideways = np.zeros(n, dtype=bool)
    h = 0.5 * float(spacing.min())
    cos_limit = math.cos(math.radians(EXIT_ANGLE_DEG))
    for begin in range(0, n, 2048):
        rows_all = np.arange(begin, min(n, begin + 2048))
        origin = mask.world_to_index(starts[rows_all])
        along = index_directions[rows_all]
        inside = sample(origin[:, np.newaxis, :] + steps[np.newaxis, :, np.newaxis] * along[:, np.newaxis, :])
        inside = inside.reshape(len(rows_all), len(steps))
        solid = inside >= 0.5
        entered = solid.any(axis=1)
        first = np.argmax(solid, axis=1)
        after = np.where(np.arange(len(steps))[np.newaxis, :] >= first[:, np.newaxis], ~solid, False)
        exited = entered & after.any(axis=1)
        last = np.argmax(after, axis=1)
        rows = np.flatnonzero(exited)
        t_in = steps[0] + _crossing(inside, first[rows], rows) * RAY_STEP_MM
        t_out = steps[0] + _crossing(inside, last[rows], rows) * RAY_STEP_MM
        ray = rows_all[rows]
        exit_points = starts[ray] + t_out[:, np.newaxis] * directions[ray]
        # The bone's outward normal where the ray leaves it: minus the gradient of the interpolated mask.
        gradient = np.column_stack(
            [
                sample(mask.world_to_index(exit_points + h * axis))
                - sample(mask.world_to_index(exit_points - h * axis))
                for axis in np.eye(3)
            ]
        )
        length = np.linalg.norm(gradient, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            back = (length > 0) & (-np.einsum("ij,ij->i", gradient, directions[ray]) >= cos_limit * length)
        sideways[ray[~back]] = True
        thickness[ray[back]] = (t_out - t_in)[back]
        entries[ray] = starts[ray] + t_in[:, np.newaxis] * directions[ray]
    return BoneThickness(thickness, entries, directions, triangles, sideways)


@dataclass(frozen=True, eq=False)
class BoneThicknessValues:
    """``anatomy.bone_thickness_min`` and ``_mean`` (None when no ray counts) and the rays they come from."""

    min: FitValue | None
    mean: FitValue | None
    rays: BoneThickness


def bone_thickness_values(fit: FitAnalysis, mask: Volume) -> BoneThicknessValues:
    """The thinnest and the mean bone under the seat, with their places and uncertainties.

    The rays are cast once from the seat widened by :data:`SENSITIVITY_MM`; the seat itself and the one narrowed by
    as much are subsets. Uncertainty: both of the bone's surfaces are placed to half a voxel along the ray
    (``sqrt(2)`` times :func:`half_voxel`), the crossings to a tenth of a step, and the values' sensitivity to the
    edge margin.
    """
    widest = np.flatnonzero(fit.seat(EDGE_MARGIN_MM - SENSITIVITY_MM))
    rays = bone_rays(mask, fit.centroids[widest], fit.normals[widest], widest)
    margin = fit.edge_distance[widest]
    counted = np.isfinite(rays.thickness)

    def chosen(at: float) -> IndexArray:
        return np.flatnonzero(counted & (margin >= at))

    main = chosen(EDGE_MARGIN_MM)
    if not main.size:
        return BoneThicknessValues(None, None, rays)
    values = rays.thickness[main]
    best = main[int(np.argmin(values))]
    low, mean = float(values.min()), float(values.mean())
    moved_low = moved_mean = 0.0
    for at in (EDGE_MARGIN_MM - SENSITIVITY_MM, EDGE_MARGIN_MM + SENSITIVITY_MM):
        other = rays.thickness[chosen(at)]
        if len(other):
            moved_low = max(moved_low, abs(float(other.min()) - low))
            moved_mean = max(moved_mean, abs(float(other.mean()) - mean))
    resolution = half_voxel(mask, rays.directions[main])
    step = 0.1 * RAY_STEP_MM
    cast = int((margin >= EDGE_MARGIN_MM).sum())
    sideways = int((rays.sideways & (margin >= EDGE_MARGIN_MM)).sum())
    detail = f"{main.size} of {cast} rays from the seat; {sideways} left the bone sideways"
    middle = rays.entries[main].mean(axis=0)
    central = main[int(np.argmin(np.linalg.norm(rays.entries[main] - middle, axis=1)))]
    return BoneThicknessValues(
        FitValue(
            low,
            _point(rays.entries[best]),
            _rss(math.sqrt(2.0) * float(resolution[int(np.argmin(values))]), step, moved_low),
            detail,
        ),
        FitValue(
            mean,
            _point(rays.entries[central]),
            _rss(math.sqrt(2.0) * float(resolution.mean()), step, moved_mean),
            detail,
        ),
        rays,
    )


# --------------------------------------------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------------------------------------------


class _Rays:
    """Rays against the anatomy near the design: where each ray first meets it, and whether it enters or leaves.

    A ray from a point inside the (closed) bone first meets its surface from the inside: the triangle it hits faces
    along the ray. So one cast tells both whether a point is inside the bone and how far below it the bone is.
    """

    def __init__(self, anatomy: Mesh) -> None:
        self.anatomy = anatomy
        self.grid = RayGrid(anatomy.vertices, anatomy.faces)
        normals, _ = face_normals(anatomy)
        self.normals = normals

    def cast(self, points: FloatArray, directions: FloatArray) -> tuple[FloatArray, BoolArray]:
        """Distance to the first hit within CROP_MARGIN_MM (NaN for none), and whether that hit leaves the bone."""
        if not len(points):
            return np.zeros(0), np.zeros(0, dtype=bool)
        distance, triangle = self.grid.first_hits_with_triangles(
            points,
            directions,
            np.full(len(points), -1, dtype=np.int64),
            epsilon_mm=0.0,
            max_distance_mm=CROP_MARGIN_MM,
        )
        hit = triangle >= 0
        leaving = np.zeros(len(points), dtype=bool)
        leaving[hit] = np.einsum("ij,ij->i", self.normals[triangle[hit]], directions[hit]) > 0
        return distance, leaving

    def supported(self, points: FloatArray, directions: FloatArray) -> tuple[BoolArray, BoolArray]:
        """Whether each point bears (inside the bone, or bone within CAPTURE_MM along its direction); and inside."""
        distance, inside = self.cast(points, directions)
        below = ~inside & (np.nan_to_num(distance, nan=np.inf) <= CAPTURE_MM)
        result: BoolArray = inside | below
        return result, inside


def _regions(unsupported: BoolArray, areas: FloatArray, pairs: tuple[IndexArray, IndexArray, IndexArray]) -> BoolArray:
    """Unsupported triangles in edge-connected regions of at least DEFECT_MIN_AREA_MM2."""
    from scipy.sparse import coo_matrix  # noqa: PLC0415
    from scipy.sparse.csgraph import connected_components  # noqa: PLC0415

    first, second, _ = pairs
    link = unsupported[first] & unsupported[second]
    n = len(unsupported)
    graph = coo_matrix((np.ones(int(link.sum())), (first[link], second[link])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    region_area = np.bincount(labels, weights=np.where(unsupported, areas, 0.0), minlength=int(labels.max()) + 1)
    result: BoolArray = unsupported & (region_area[labels] >= DEFECT_MIN_AREA_MM2)
    return result


def _along_cut_faces(rays: _Rays, ends: FloatArray, normals: FloatArray, toward_hole: FloatArray) -> FloatArray:
    """Each segment's normal turned parallel to the cut face beside it (its own normal where no face is found).

    The cut face beside a segment is the bone's triangles within :data:`CUT_FACE_REACH_MM` of the segment's end in
    the defect that face into the defect and more sideways than up (their normal within 45 deg of the plate's
    surface). Their principal normal (the eigenvector of the largest eigenvalue of the area-weighted sum of
    ``m m^T``: the rounded rims at the top and bottom of a face tilt its triangles both ways and cancel) is removed
    from the segment's normal. A cut at right angles to the bone leaves the normal as it is; a cylindrical cut
    through a curved skull (the sample case's, 18-20 deg off the normal at its rim) turns it along the cylinder.
    Where the faces cover less than :data:`CUT_FACE_MIN_AREA_MM2` (no cut: a plate reaching beyond the bone's edge)
    the normal is kept.
    """
    from scipy.sparse import csr_matrix  # noqa: PLC0415 - scipy.sparse is imported on first use
    from scipy.spatial import cKDTree  # noqa: PLC0415

    anatomy = rays.anatomy
    corners = anatomy.vertices[anatomy.faces]
    centres = corners.mean(axis=1)
    areas = 0.5 * np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1)
    pairs = cKDTree(ends).sparse_distance_matrix(cKDTree(centres), CUT_FACE_REACH_MM, output_type="coo_matrix")
    segment, triangle = pairs.row.astype(np.int64), pairs.col.astype(np.int64)
    face = rays.normals[triangle]
    sideways = np.abs(np.einsum("ij,ij->i", face, normals[segment])) < math.cos(math.radians(45.0))
    into_defect = np.einsum("ij,ij->i", face, toward_hole[segment]) > 0
    keep = sideways & into_defect
    segment, triangle, face = segment[keep], triangle[keep], face[keep]
    weight = areas[triangle]
    n = len(ends)
    scatter = np.zeros((n, 3, 3))
    for i in range(3):
        for j in range(i, 3):
            summed = csr_matrix((weight * face[:, i] * face[:, j], (segment, np.zeros_like(segment))), shape=(n, 1))
            scatter[:, i, j] = scatter[:, j, i] = summed.toarray()[:, 0]
    covered = np.bincount(segment, weights=weight, minlength=n) >= CUT_FACE_MIN_AREA_MM2
    result = normals.copy()
    if covered.any():
        _, vectors = np.linalg.eigh(scatter[covered])
        principal = vectors[:, :, 2]
        turned = normals[covered] - np.einsum("ij,ij->i", normals[covered], principal)[:, np.newaxis] * principal
        length = np.linalg.norm(turned, axis=1, keepdims=True)
        result[covered] = np.where(length > 0.5, turned / np.maximum(length, 1e-12), normals[covered])
    return result


def _outline(
    rays: _Rays,
    *,
    defect: BoolArray,
    bearing: BoolArray,
    centroids: FloatArray,
    normals: FloatArray,
    signed: FloatArray,
    pairs: tuple[IndexArray, IndexArray, IndexArray],
) -> tuple[FloatArray, FloatArray]:
    """Outline points between defect and bearing triangles that share an edge, and the steps they lie within.

    Each segment runs from :data:`OUTLINE_REACH_MM` beyond the defect triangle's centroid to the bearing triangle's
    centroid. Its samples are lowered along their normal to :data:`OUTLINE_STANDOFF_MM` above the level of the
    intact bone nearby (the median signed distance of the 16 bearing triangles nearest the segment that lie
    :data:`EDGE_MARGIN_MM` or more from every defect triangle) and tested there: inside the bone, or bone within
    :data:`CAPTURE_MM` below. A ray cast from the plate crosses the gap at an angle to the cut face and drifts across
    it (``gap x tan(angle)``: 0.5 mm for a 1.5 mm gap beside a cut 18 deg off the plate's normal); from just above
    the bone it drifts only while it passes the cut's rounded rim. Walking from the bearing triangle, the outline is
    the middle of the step where support ends.
    """
    from scipy.spatial import cKDTree  # noqa: PLC0415

    first, second, _ = pairs
    across = (defect[first] & bearing[second]) | (bearing[first] & defect[second])
    if not across.any():
        return np.zeros((0, 3)), np.zeros(0)
    hole = np.where(defect[first[across]], first[across], second[across])
    seat = np.where(defect[first[across]], second[across], first[across])
    # From OUTLINE_REACH_MM beyond the defect triangle's centroid (into the defect: the triangles beside the cut are
    # classified by rays from the plate, which may drift across the cut face) to the bearing triangle's centroid.
    end = centroids[seat]
    toward_hole = centroids[hole] - end
    length = np.linalg.norm(toward_hole, axis=1)
    toward_hole /= np.maximum(length, 1e-12)[:, np.newaxis]
    reach = length + OUTLINE_REACH_MM
    fractions = (np.arange(OUTLINE_SAMPLES) + 0.5) / OUTLINE_SAMPLES  # 0 at the far end in the defect, 1 at seat
    offsets = (1.0 - fractions)[np.newaxis, :] * reach[:, np.newaxis]
    points = end[:, np.newaxis, :] + offsets[:, :, np.newaxis] * toward_hole[:, np.newaxis, :]
    weight = np.clip(offsets / np.maximum(length, 1e-12)[:, np.newaxis], 0.0, 1.0)[:, :, np.newaxis]
    directions = normals[hole][:, np.newaxis, :] * weight + normals[seat][:, np.newaxis, :] * (1.0 - weight)
    directions /= np.maximum(np.linalg.norm(directions, axis=2, keepdims=True), 1e-12)
    intact = np.flatnonzero(bearing & np.isfinite(signed))
    far = intact
    if defect.any() and intact.size:
        distance_to_defect, _ = cKDTree(centroids[defect]).query(centroids[intact])
        far = intact[np.asarray(distance_to_defect) >= EDGE_MARGIN_MM]
        if not far.size:
            far = intact
    if far.size:
        _, nearest = cKDTree(centroids[far]).query(end, k=min(16, far.size))
        level = np.median(signed[far][np.asarray(nearest).reshape(len(end), -1)], axis=1)
    else:
        level = np.zeros(len(end))
    # Lowered along the cut face: each sample keeps its place across the cut, so the outline found at the bone is
    # also the outline on the plate.
    along = _along_cut_faces(rays, centroids[hole], normals[seat], toward_hole)
    directions = np.broadcast_to(along[:, np.newaxis, :], directions.shape)
    height = np.maximum(np.einsum("ij,ij->i", normals[seat], along), 0.1)
    lowered = points + ((level - OUTLINE_STANDOFF_MM) / height)[:, np.newaxis, np.newaxis] * directions
    distance, inside = rays.cast(lowered.reshape(-1, 3), np.ascontiguousarray(directions).reshape(-1, 3))
    supported = (inside | (np.nan_to_num(distance, nan=np.inf) <= CAPTURE_MM)).reshape(len(hole), OUTLINE_SAMPLES)
    # Walking from the bearing triangle into the defect, support ends after the last unsupported sample: the
    # outline lies in the step after it (at the far end when every sample is supported).
    unsupported = ~supported
    last_unsupported = np.where(
        unsupported.any(axis=1), OUTLINE_SAMPLES - 1 - np.argmax(unsupported[:, ::-1], axis=1), -1
    )
    at = (last_unsupported + 1.0) / OUTLINE_SAMPLES
    outline = end + ((1.0 - at) * reach)[:, np.newaxis] * toward_hole
    steps = reach / OUTLINE_SAMPLES
    return outline, steps


def analyse_fit(
    design: Mesh, anatomy: Mesh, *, grid: Volume | None = None, cancel: CancelToken | None = None
) -> FitAnalysis:
    """Classify the design's surface against the anatomy (see the module docstring for every rule).

    Which points are inside the bone is found by casting rays (see :class:`_Rays`): facing triangles along their
    normal, the other triangles and the corners towards the anatomy's centroid (into a shell such as a skull). Exact
    signed distances (``vtkImplicitPolyDataDistance``) are computed for the bearing triangles and their corners and
    for the points inside the bone: the others are farther than :data:`CAPTURE_MM` from the bone and outside it, and
    get ``+inf``.

    Parameters
    ----------
    design
        The device, a closed outward-oriented mesh in the anatomy's frame (LPS mm).
    anatomy
        The bone surface, closed and outward-oriented (LPS mm).
    grid
        The voxel grid (mask or volume) the anatomy was segmented on, for the uncertainties; None when unknown.
    cancel
        Checked between the steps.

    Returns
    -------
    FitAnalysis
        The classified, sampled design surface.

    Raises
    ------
    MeasurementInputError
        When the design would be split into too many pieces (see :func:`sample_surface`).
    """
    from scipy.spatial import cKDTree  # noqa: PLC0415

    surface = sample_surface(design)
    normals, areas = face_normals(surface)
    centroids = surface.vertices[surface.faces].mean(axis=1)
    n_centroids = len(centroids)
    anatomy_centre = anatomy.vertices.mean(axis=0)

    def towards_centre(points: FloatArray) -> FloatArray:
        direction = anatomy_centre - points
        result: FloatArray = direction / np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-12)
        return result

    facing = np.einsum("ij,ij->i", normals, towards_centre(centroids)) > FACING_COS
    checkpoint(cancel)
    near = _crop(anatomy, surface.vertices.min(axis=0) - CROP_MARGIN_MM, surface.vertices.max(axis=0) + CROP_MARGIN_MM)
    pairs = _edge_pairs(surface.faces)
    bearing = np.zeros(n_centroids, dtype=bool)
    inside = np.zeros(n_centroids + surface.n_vertices, dtype=bool)
    signed = np.full(n_centroids + surface.n_vertices, np.inf)
    outline, steps = np.zeros((0, 3)), np.zeros(0)
    if near.n_triangles:
        rays = _Rays(near)
        points = np.vstack([centroids, surface.vertices])
        directions = np.vstack(
            [np.where(facing[:, np.newaxis], normals, towards_centre(centroids)), towards_centre(surface.vertices)]
        )
        supported, inside = rays.supported(points, directions)
        bearing = facing & supported[:n_centroids]
        checkpoint(cancel)
        # Exact distances where they are used: the bearing triangles and their corners, and the points inside.
        wanted = inside.copy()
        wanted[:n_centroids] |= bearing
        wanted[n_centroids + np.unique(surface.faces[bearing])] = True
        chosen = np.flatnonzero(wanted)
        signed[chosen] = signed_distances(near, points[chosen], cancel=cancel)
        checkpoint(cancel)
        defect = _regions(facing & ~bearing, areas, pairs)
        outline, steps = _outline(
            rays,
            defect=defect,
            bearing=bearing,
            centroids=centroids,
            normals=normals,
            signed=signed[:n_centroids],
            pairs=pairs,
        )
    else:
        defect = _regions(facing.copy(), areas, pairs)
    if len(outline):
        tree = cKDTree(outline)
        edge_distance = np.asarray(tree.query(centroids)[0], dtype=np.float64)
        vertex_edge_distance = np.asarray(tree.query(surface.vertices)[0], dtype=np.float64)
    else:
        edge_distance = np.full(n_centroids, np.inf)
        vertex_edge_distance = np.full(surface.n_vertices, np.inf)
    return FitAnalysis(
        surface=surface,
        normals=normals,
        areas=areas,
        centroids=centroids,
        signed_distance=signed[:n_centroids],
        vertex_signed_distance=signed[n_centroids:],
        facing=facing,
        bearing=bearing,
        defect=defect,
        outline=outline,
        outline_step=steps,
        edge_distance=edge_distance,
        vertex_edge_distance=vertex_edge_distance,
        grid=grid,
        anatomy_triangles=near.n_triangles,
    )
