"""The printed part against its design: scan files, the deviation map and its figures per region.

A scan is a set of points on the printed part's surface in the scanner's frame: the vertices of a mesh (STL, PLY,
OBJ) or a point cloud (PLY without faces, or XYZ text with three numbers per line). :func:`inspect_scan` registers
it onto the design (:mod:`geometry.registration`) and measures each point's **signed deviation**: its exact
distance to the design surface (``vtkImplicitPolyDataDistance``), positive outside the design (material added),
negative inside (material missing).

A scanner's range noise scatters single points by a few hundredths of a millimetre, and a stray point can lie
anywhere: the figures and the tolerance are judged on the **filtered deviation**, each point's median over its
:data:`FILTER_NEIGHBOURS` nearest scan points (about 0.4 mm across at 25 points/mm^2), so a single point neither
passes nor fails a part; the raw per-point values are kept beside them. Figures per region (max, min, mean, RMS,
the share of points within tolerance) come from the points each region names.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from base.progress import CancelToken, ProgressCallback, checkpoint, report, subrange
from geometry.distance import signed_distances
from geometry.errors import MeshFileError
from geometry.io import MAX_COORDINATE_MM, read_mesh
from geometry.mesh import Mesh
from geometry.registration import DesignSamples, Registration, register_scan

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SCAN_SUFFIXES = (".stl", ".ply", ".obj", ".xyz")
#: Neighbours (the point itself included) whose median is a point's filtered deviation.
FILTER_NEIGHBOURS = 16
#: The most points a scan may hold (a 1 M-point scan is common; 20 M is a scan for a building).
MAX_SCAN_POINTS = 20_000_000
WHOLE = "whole"
_PLY_FACES = re.compile(rb"element\s+face\s+[1-9]")


@dataclass(frozen=True)
class Scan:
    """Points of a scanned part (mm, scanner frame), and what they were read from."""

    points: FloatArray
    kind: str
    """``mesh`` (the vertices of a scanned mesh) or ``cloud``."""


def _read_xyz(path: Path) -> FloatArray:
    try:
        text = path.read_bytes()
        values = np.loadtxt(io.BytesIO(text), dtype=np.float64, ndmin=2, comments=("#", "//"), usecols=(0, 1, 2))
    except (ValueError, IndexError, UnicodeDecodeError):
        raise MeshFileError(
            f"{path} is not a point cloud: XYZ needs three numbers (x y z, mm) on every line", path=str(path)
        ) from None
    result: FloatArray = values.reshape(-1, 3)
    return result


def _read_ply_cloud(path: Path) -> FloatArray:
    import trimesh  # noqa: PLC0415 - trimesh is imported only where files are read

    try:
        loaded = trimesh.load(io.BytesIO(path.read_bytes()), file_type="ply", process=False)
        vertices = np.asarray(getattr(loaded, "vertices", np.zeros((0, 3))), dtype=np.float64)
    except Exception as exc:  # noqa: BLE001 - any failure of a parser on a bad file is bad input, not a bug
        raise MeshFileError(f"{path} is not a readable PLY ({type(exc).__name__})", path=str(path)) from None
    return vertices.reshape(-1, 3) if vertices.size else np.zeros((0, 3))


def read_scan(path: str | Path) -> Scan:
    """Read a scan: a mesh's vertices (STL, PLY, OBJ) or a point cloud (PLY without faces, XYZ text).

    Raises
    ------
    MeshFileError
        A missing file, another format, no points (or fewer than 100), points that are not finite numbers or lie
        farther than :data:`~geometry.io.MAX_COORDINATE_MM` from the origin, or more than :data:`MAX_SCAN_POINTS`.
    """
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix not in SCAN_SUFFIXES:
        raise MeshFileError(
            f"{source.name}: a scan must be a mesh or point cloud ({', '.join(SCAN_SUFFIXES)})", path=str(source)
        )
    if not source.is_file():
        raise MeshFileError(f"no such file: {source}", path=str(source))
    if source.stat().st_size > MAX_SCAN_POINTS * 60:
        raise MeshFileError(f"{source} is larger than a scan of {MAX_SCAN_POINTS:,} points", path=str(source))
    kind = "mesh"
    if suffix == ".xyz":
        points, kind = _read_xyz(source), "cloud"
    elif suffix == ".ply" and not _PLY_FACES.search(source.read_bytes()[:4096]):
        points, kind = _read_ply_cloud(source), "cloud"
    else:
        points = read_mesh(source).vertices
    if len(points) < 100:
        raise MeshFileError(f"{source} holds {len(points)} points; a scan needs at least 100", path=str(source))
    if len(points) > MAX_SCAN_POINTS:
        raise MeshFileError(f"{source} holds {len(points):,} points; at most {MAX_SCAN_POINTS:,}", path=str(source))
    if not np.all(np.isfinite(points)):
        raise MeshFileError(f"{source} has points that are not finite numbers", path=str(source))
    if float(np.abs(points).max()) > MAX_COORDINATE_MM:
        raise MeshFileError(f"{source} has points farther than {MAX_COORDINATE_MM:g} mm: not mm", path=str(source))
    return Scan(np.ascontiguousarray(points), kind)


@dataclass(frozen=True)
class RegionFigures:
    """The deviation figures of one region (mm; ``within_share`` 0..1).

    ``max_mm``/``min_mm``/``mean_mm``/``rms_mm`` and ``within_share`` are of the filtered deviation (see the module
    docstring); ``raw_max_mm``/``raw_min_mm`` of the single points. ``passed``: every filtered value is within
    plus/minus the tolerance. A region with no point has ``points`` 0, None figures and ``passed`` None.
    """

    name: str
    points: int
    max_mm: float | None
    min_mm: float | None
    mean_mm: float | None
    rms_mm: float | None
    within_share: float | None
    raw_max_mm: float | None
    raw_min_mm: float | None
    tolerance_mm: float
    passed: bool | None

    def to_json(self) -> dict[str, object]:
        """The figures as JSON values (floats rounded to 0.1 um)."""

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "name": self.name,
            "points": self.points,
            "max_mm": rounded(self.max_mm),
            "min_mm": rounded(self.min_mm),
            "mean_mm": rounded(self.mean_mm),
            "rms_mm": rounded(self.rms_mm),
            "within_share": None if self.within_share is None else round(self.within_share, 6),
            "raw_max_mm": rounded(self.raw_max_mm),
            "raw_min_mm": rounded(self.raw_min_mm),
            "tolerance_mm": self.tolerance_mm,
            "passed": self.passed,
        }


def region_figures(
    name: str, deviation: FloatArray, filtered: FloatArray, selected: BoolArray, tolerance_mm: float
) -> RegionFigures:
    """The figures of the points ``selected`` (see :class:`RegionFigures`)."""
    raw, values = deviation[selected], filtered[selected]
    if not len(values):
        return RegionFigures(name, 0, None, None, None, None, None, None, None, tolerance_mm, None)
    within = np.abs(values) <= tolerance_mm
    return RegionFigures(
        name=name,
        points=len(values),
        max_mm=float(values.max()),
        min_mm=float(values.min()),
        mean_mm=float(values.mean()),
        rms_mm=float(np.sqrt(np.mean(values * values))),
        within_share=float(within.mean()),
        raw_max_mm=float(raw.max()),
        raw_min_mm=float(raw.min()),
        tolerance_mm=tolerance_mm,
        passed=bool(within.all()),
    )


@dataclass(frozen=True, eq=False)
class DeviationMap:
    """The scan registered onto the design and each point's deviation.

    Attributes
    ----------
    registration
        The rigid motion scan -> design and its RMS.
    points
        The scan points moved into the design's frame (mm).
    deviation
        Signed distance of each point to the design (mm, outward positive).
    filtered
        The median deviation of each point's :data:`FILTER_NEIGHBOURS` nearest scan points (mm).
    regions
        The figures of the whole part (:data:`WHOLE`) and of each named region, in that order.
    tolerance_mm
        The tolerance judged (plus/minus, mm).
    """

    registration: Registration
    points: FloatArray
    deviation: FloatArray
    filtered: FloatArray
    regions: tuple[RegionFigures, ...] = field(default=())
    tolerance_mm: float = 0.0

    @property
    def passed(self) -> bool:
        """Whether every region with points is within tolerance."""
        return all(region.passed is not False for region in self.regions)


def local_median(points: FloatArray, values: FloatArray, neighbours: int = FILTER_NEIGHBOURS) -> FloatArray:
    """The median of ``values`` over each point's ``neighbours`` nearest points (itself included)."""
    if len(points) <= neighbours:
        return np.full(len(values), float(np.median(values)))
    _, nearest = cKDTree(points).query(points, k=neighbours)
    result: FloatArray = np.median(values[nearest], axis=1)
    return result


def inspect_scan(
    design: Mesh,
    scan_points: npt.ArrayLike,
    *,
    tolerance_mm: float,
    regions: Mapping[str, BoolArray] | None = None,
    region_of: RegionLookup | None = None,
    region_tolerances: Mapping[str, float] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> DeviationMap:
    """Register a scan onto its design and measure its deviation (see the module docstring).

    Parameters
    ----------
    design
        The design, a closed outward-oriented triangle mesh (mm).
    scan_points
        ``(N, 3)`` scan points in the scanner's frame (mm).
    tolerance_mm
        The allowed deviation, plus or minus (mm), > 0.
    regions
        Named boolean masks over the scan points (in the scan's order), besides the whole part.
    region_of
        Alternatively, a function that names the regions of the registered points (design frame), e.g. by the
        design triangles beneath them; called once with the registered points.
    region_tolerances
        A region's own tolerance (mm), where it differs from ``tolerance_mm``.
    progress, cancel
        Progress callback and cancel token.

    Returns
    -------
    DeviationMap
        The registration, every point's deviation and the figures per region.

    Raises
    ------
    GeometryError
        A scan that cannot be registered (too few points) or a design without surface.
    ValueError
        A tolerance that is not positive and finite.
    """
    if not (math.isfinite(tolerance_mm) and tolerance_mm > 0):
        raise ValueError(f"a tolerance must be positive, got {tolerance_mm}")
    points = np.asarray(scan_points, dtype=np.float64).reshape(-1, 3)
    samples = DesignSamples.of(design)
    registration = register_scan(design, points, samples=samples, progress=subrange(progress, 0.0, 0.5), cancel=cancel)
    moved = registration.transform.apply(points)
    checkpoint(cancel)
    report(progress, 0.5, "distances to the design")
    deviation = signed_distances(design, moved, cancel=cancel)
    report(progress, 0.85, "filtering the deviation map")
    filtered = local_median(moved, deviation)
    checkpoint(cancel)
    named = dict(regions or {})
    if region_of is not None:
        named.update(region_of(moved))
    figures = [region_figures(WHOLE, deviation, filtered, np.ones(len(points), dtype=bool), tolerance_mm)]
    own = dict(region_tolerances or {})
    figures += [
        region_figures(name, deviation, filtered, mask, own.get(name, tolerance_mm)) for name, mask in named.items()
    ]
    report(progress, 1.0, "inspected")
    return DeviationMap(registration, moved, deviation, filtered, tuple(figures), tolerance_mm)


class RegionLookup:
    """Names regions of registered scan points by the design-surface triangles nearest to them.

    Parameters
    ----------
    centroids
        ``(M, 3)`` centroids of the triangles of a (finely sampled) design surface, design frame (mm).
    labels
        Region name -> boolean mask over those triangles. A point belongs to the region of its nearest centroid.
    """

    def __init__(self, centroids: FloatArray, labels: Mapping[str, BoolArray]) -> None:
        self._tree = cKDTree(np.asarray(centroids, dtype=np.float64))
        self._labels = dict(labels)

    def __call__(self, points: FloatArray) -> dict[str, BoolArray]:
        """Region name -> mask over ``points``."""
        _, nearest = self._tree.query(points, k=1)
        return {name: np.asarray(mask, dtype=bool)[nearest] for name, mask in self._labels.items()}


#: How far (mm) a design vertex may be from the nearest registered scan point and still take its deviation; farther
#: vertices are parts of the design the scan did not see (NaN).
DESIGN_REACH_MM = 1.5


def deviation_on_design(
    vertices: npt.ArrayLike, points: FloatArray, values: FloatArray, *, reach_mm: float = DESIGN_REACH_MM
) -> FloatArray:
    """The deviation at each design vertex: the value of the nearest registered scan point (mm).

    Parameters
    ----------
    vertices
        ``(V, 3)`` design vertices (design frame, mm).
    points
        ``(N, 3)`` scan points registered into the design frame (:attr:`DeviationMap.points`).
    values
        The points' deviation (mm), e.g. :attr:`DeviationMap.filtered`.
    reach_mm
        Vertices farther than this from every scan point get NaN (not scanned).

    Returns
    -------
    numpy.ndarray
        ``(V,)`` deviation per vertex (mm), NaN where the scan did not reach.
    """
    query = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
    distance, nearest = cKDTree(points).query(query, k=1, distance_upper_bound=reach_mm)
    found = np.isfinite(distance)
    result = np.full(len(query), np.nan)
    result[found] = np.asarray(values, dtype=np.float64)[np.asarray(nearest, dtype=np.int64)[found]]
    return result


def worst_point(deviation: DeviationMap) -> tuple[tuple[float, float, float], float]:
    """The registered scan point whose filtered deviation is largest in magnitude (design frame, mm) and its value."""
    index = int(np.argmax(np.abs(deviation.filtered)))
    x, y, z = (float(v) for v in deviation.points[index])
    return (x, y, z), float(deviation.filtered[index])
