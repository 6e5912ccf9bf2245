"""Rigid registration of a 3D scan of a printed part onto its design, from any starting pose, without picking.

A scanner puts the part in its own, arbitrary frame: shifted, turned, often upside down. :func:`register_scan`
finds the rigid motion (rotation and translation, never a mirror or a scale) that brings the scan's points onto
the design's surface, in two stages:

1. **Global alignment.** Both point sets are centred on their centroids and described by their principal axes
   (the design by points sampled evenly over its area, so the weighting matches a scan's). Candidate rotations
   take the scan's axes onto the design's with each of the four proper sign choices (which include the flips),
   each further turned about every principal axis in steps of :data:`GLOBAL_STEP_DEG` (principal axes of a
   nearly round part, such as a cranial plate, are not stable, so the in-plane angle is searched). Each candidate is
   scored by the trimmed mean distance of a subsample of the scan to its nearest design sample
   (:data:`SCORE_KEEP` of the points), and the best :data:`GLOBAL_KEEP` are refined.
2. **Fine alignment.** Point-to-plane ICP (Chen and Medioni): each scan point is paired with its nearest design
   sample and the squared distance to that sample's triangle plane is minimised by a linearised least-squares step,
   applied as an exact rotation. Pairs farther than a robust bound (the larger of 3 x 1.4826 x the median absolute
   residual and :data:`MIN_INLIER_BAND_MM`) are left out, so a local defect (a bump, a support stub) does not pull
   the fit. The candidate with the lowest inlier RMS wins; its result is refined once more on more points, with
   the band's floor narrowed in steps (:data:`FINE_BANDS_MM`) down to :data:`MIN_INLIER_BAND_MM`.

Why the fine stage narrows its band: a curved plate slid along itself (turned about an axis of its curvature) still
fits its own surface everywhere except near its rim, and the rim's points, off the design by a millimetre or more,
are exactly the ones a narrow band leaves out. Such a pose is a fixed point of ICP with a narrow band: a scan that
was an exact copy of the sample plate's design stopped turned 1.2 degrees, its rim 1.6 mm off. With a wide band
first the rim's points are paired and pull the part back; the narrower bands then leave a real defect (a bump, a
support stub) out of the final fit again.

All lengths are in mm. The transform maps scan coordinates into the design's frame: ``design_point = rotation @
scan_point + translation``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from base.progress import CancelToken, ProgressCallback, checkpoint, report
from geometry.distance import face_normals
from geometry.errors import GeometryError
from geometry.mesh import Mesh

FloatArray = npt.NDArray[np.float64]

#: Design samples for the nearest-neighbour pairing (evenly by area, each with its triangle's normal).
DESIGN_SAMPLES = 200_000
#: Design samples of the global search's score.
COARSE_SAMPLES = 5_000
#: Scan points scored per global candidate, and used by the coarse and fine ICP stages.
SCORE_POINTS = 1_500
COARSE_POINTS = 4_000
FINE_POINTS = 30_000
#: Angle step of the global search about each principal axis (degrees).
GLOBAL_STEP_DEG = 30.0
#: Share of the scored points kept (the nearest) when scoring a candidate: a partial scan or stray points must not
#: decide the pose.
SCORE_KEEP = 0.8
#: Candidates refined by a quick ICP after the global search, and of those the best refined further.
GLOBAL_KEEP = 16
REFINE_KEEP = 3
QUICK_POINTS = 1_500
QUICK_ITERATIONS = 12
#: Smallest inlier band of the ICP's robust pairing (mm): below a scanner's noise every pair is kept.
MIN_INLIER_BAND_MM = 0.1
COARSE_ITERATIONS = 30
FINE_ITERATIONS = 40
#: The fine stage's inlier band floors, widest first (mm); each stage runs up to :data:`FINE_ITERATIONS`.
FINE_BANDS_MM = (1.0, 0.5, 0.25, MIN_INLIER_BAND_MM)
#: ICP stops when a step moves the part by less than this (mm at the part's radius) ...
CONVERGED_MM = 1e-5
_SEED = 20260507


@dataclass(frozen=True)
class RigidTransform:
    """A proper rigid motion ``x -> rotation @ x + translation`` (mm)."""

    rotation: FloatArray
    translation: FloatArray

    def apply(self, points: npt.ArrayLike) -> FloatArray:
        """The points ``(N, 3)`` moved by this transform."""
        result: FloatArray = np.asarray(points, dtype=np.float64) @ self.rotation.T + self.translation
        return result

    def matrix(self) -> list[list[float]]:
        """The 4 x 4 homogeneous matrix as nested lists (row-major), for records and JSON."""
        top = np.hstack([self.rotation, self.translation[:, np.newaxis]])
        return [[float(v) for v in row] for row in top] + [[0.0, 0.0, 0.0, 1.0]]

    @property
    def angle_deg(self) -> float:
        """The rotation's angle (degrees, 0..180)."""
        cosine = (float(np.trace(self.rotation)) - 1.0) / 2.0
        return math.degrees(math.acos(min(1.0, max(-1.0, cosine))))


@dataclass(frozen=True)
class Registration:
    """The result of :func:`register_scan`.

    Attributes
    ----------
    transform
        Scan frame -> design frame.
    rms_mm
        RMS point-to-plane distance of the inlier pairs of the last ICP iteration (mm).
    inlier_share
        Share of the fine stage's points within the robust inlier band.
    iterations
        ICP iterations of the chosen candidate (coarse + fine).
    candidates
        Global candidates scored.
    """

    transform: RigidTransform
    rms_mm: float
    inlier_share: float
    iterations: int
    candidates: int


@dataclass(frozen=True)
class DesignSamples:
    """Points spread evenly over a design's area, each with its triangle's outward unit normal, and their trees.

    ``coarse`` holds the first :data:`COARSE_SAMPLES` of the points: scoring a wrong pose against the dense tree
    visits much of it for every far point (140 candidates took a minute), against the coarse one milliseconds.
    """

    points: FloatArray
    normals: FloatArray
    tree: cKDTree
    coarse: cKDTree

    @classmethod
    def of(cls, design: Mesh, count: int = DESIGN_SAMPLES, *, seed: int = _SEED) -> DesignSamples:
        """Sample ``count`` points uniformly by area over ``design`` (reproducible with ``seed``).

        Raises
        ------
        GeometryError
            When the design has no triangle with an area.
        """
        normals, areas = face_normals(design)
        total = float(areas.sum())
        if not design.n_triangles or not math.isfinite(total) or total <= 0.0:
            raise GeometryError("the design has no surface to register a scan to")
        rng = np.random.default_rng(seed)
        chosen = rng.choice(len(areas), size=count, p=areas / total)
        u, v = rng.random(count), rng.random(count)
        outside = u + v > 1.0
        u[outside], v[outside] = 1.0 - u[outside], 1.0 - v[outside]
        a, b, c = (design.vertices[design.faces[chosen, k]] for k in range(3))
        points = a + u[:, np.newaxis] * (b - a) + v[:, np.newaxis] * (c - a)
        return cls(points, normals[chosen], cKDTree(points), cKDTree(points[:COARSE_SAMPLES]))


def _principal_axes(points: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Centroid and principal axes (columns, by decreasing variance, right-handed) of ``points``."""
    centre = points.mean(axis=0)
    _, vectors = np.linalg.eigh(np.cov((points - centre).T))
    axes = vectors[:, ::-1].copy()
    if np.linalg.det(axes) < 0:
        axes[:, 2] *= -1.0
    return centre, axes


def _about(axis: int, angle: float) -> FloatArray:
    c, s = math.cos(angle), math.sin(angle)
    i, j = [k for k in range(3) if k != axis]
    turn = np.eye(3)
    turn[i, i], turn[i, j], turn[j, i], turn[j, j] = c, -s, s, c
    return turn


def _candidate_rotations(design_axes: FloatArray, scan_axes: FloatArray) -> list[FloatArray]:
    """Rotations taking the scan's principal frame onto the design's (see the module docstring)."""
    signs = [np.diag(s) for s in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1))]
    steps = round(360.0 / GLOBAL_STEP_DEG)
    turns = [np.eye(3)] + [_about(axis, 2.0 * math.pi * k / steps) for axis in range(3) for k in range(1, steps)]
    return [design_axes @ turn @ sign @ scan_axes.T for sign in signs for turn in turns]


def _rotation_of(omega: FloatArray) -> FloatArray:
    """The exact rotation of the rotation vector ``omega`` (Rodrigues)."""
    angle = float(np.linalg.norm(omega))
    if angle < 1e-15:
        return np.eye(3)
    k = omega / angle
    cross = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    result: FloatArray = np.eye(3) + math.sin(angle) * cross + (1.0 - math.cos(angle)) * (cross @ cross)
    return result


def _plane_score(samples: DesignSamples, moved: FloatArray) -> float:
    """RMS distance of the nearest :data:`SCORE_KEEP` of ``moved`` to the planes of their nearest design samples."""
    _, nearest = samples.tree.query(moved, k=1)
    residual = np.abs(np.einsum("ij,ij->i", moved - samples.points[nearest], samples.normals[nearest]))
    kept = np.sort(residual)[: max(1, int(len(residual) * SCORE_KEEP))]
    return float(np.sqrt(np.mean(kept * kept)))


def _trimmed_score(samples: DesignSamples, moved: FloatArray, bound: float) -> float:
    """Mean distance of the nearest :data:`SCORE_KEEP` of ``moved`` to the design (each counted at most ``bound``)."""
    distances, _ = samples.coarse.query(moved, k=1, distance_upper_bound=bound)
    distances = np.minimum(distances, bound)
    kept = np.sort(distances)[: max(1, int(len(distances) * SCORE_KEEP))]
    return float(kept.mean())


@dataclass(frozen=True)
class _IcpResult:
    rotation: FloatArray
    translation: FloatArray
    rms: float
    inliers: float
    iterations: int


def _icp(
    samples: DesignSamples,
    points: FloatArray,
    rotation: FloatArray,
    translation: FloatArray,
    *,
    iterations: int,
    radius: float,
    cancel: CancelToken | None,
    band_floor_mm: float = MIN_INLIER_BAND_MM,
) -> _IcpResult:
    """Point-to-plane ICP with robust pair rejection (see the module docstring); pairs within ``band_floor_mm``."""
    rms, inlier_share, done = math.inf, 0.0, 0
    for step in range(1, iterations + 1):
        done = step
        checkpoint(cancel)
        moved = points @ rotation.T + translation
        _, nearest = samples.tree.query(moved, k=1)
        q, n = samples.points[nearest], samples.normals[nearest]
        residual = np.einsum("ij,ij->i", moved - q, n)
        spread = 1.4826 * float(np.median(np.abs(residual - np.median(residual))))
        band = max(3.0 * spread, band_floor_mm)
        euclid = np.linalg.norm(moved - q, axis=1)
        inlier = (np.abs(residual) <= band) & (euclid <= max(3.0 * band, float(np.median(euclid)) * 3.0))
        if inlier.sum() < 6:
            break
        p, qn, r = moved[inlier], n[inlier], residual[inlier]
        rms, inlier_share = float(np.sqrt(np.mean(r * r))), float(inlier.mean())
        # Linearised: residual + (p x n) . omega + n . t = 0 for a small rotation omega and translation t.
        a = np.hstack([np.cross(p, qn), qn])
        solution, *_ = np.linalg.lstsq(a, -r, rcond=None)
        step_rotation = _rotation_of(solution[:3])
        rotation = step_rotation @ rotation
        translation = step_rotation @ translation + solution[3:]
        moved_by = float(np.linalg.norm(solution[:3])) * radius + float(np.linalg.norm(solution[3:]))
        if moved_by < CONVERGED_MM:
            break
    return _IcpResult(rotation, translation, rms, inlier_share, done)


def register_scan(
    design: Mesh,
    scan_points: npt.ArrayLike,
    *,
    samples: DesignSamples | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    seed: int = _SEED,
) -> Registration:
    """Register scan points onto a design surface from any starting pose (see the module docstring).

    Parameters
    ----------
    design
        The design, a triangle mesh (mm, its own frame: the case's patient LPS for DVW designs).
    scan_points
        ``(N, 3)`` points of the scanned part in the scanner's frame (mm); at least 100.
    samples
        The design's samples when the caller already has them (:meth:`DesignSamples.of`).
    progress, cancel
        Progress callback and cancel token (checked every ICP iteration).
    seed
        Seeds the subsampling, so a run is reproducible.

    Returns
    -------
    Registration
        The transform scan -> design and its final RMS.

    Raises
    ------
    GeometryError
        Too few or non-finite scan points, or a design without surface.
    """
    points = np.asarray(scan_points, dtype=np.float64).reshape(-1, 3)
    if len(points) < 100:
        raise GeometryError(f"a scan needs at least 100 points to be registered; this one has {len(points)}")
    if not np.all(np.isfinite(points)):
        raise GeometryError("the scan has points that are not finite numbers")
    report(progress, 0.0, "sampling the design")
    reference = samples if samples is not None else DesignSamples.of(design, seed=seed)
    rng = np.random.default_rng(seed)

    def subsample(count: int) -> FloatArray:
        if len(points) <= count:
            return points
        chosen: FloatArray = points[rng.choice(len(points), size=count, replace=False)]
        return chosen

    design_centre, design_axes = _principal_axes(reference.points)
    scan_centre, scan_axes = _principal_axes(subsample(50_000))
    radius = float(np.max(np.linalg.norm(reference.points - design_centre, axis=1)))
    report(progress, 0.1, "global alignment")
    scored = subsample(SCORE_POINTS)
    candidates = _candidate_rotations(design_axes, scan_axes)
    scores = []
    for rotation in candidates:
        checkpoint(cancel)
        translation = design_centre - rotation @ scan_centre
        scores.append(_trimmed_score(reference, scored @ rotation.T + translation, 0.2 * radius))
    # A nearly round part fits itself turned about its axis almost as well as in its true pose (the sample plate,
    # turned half way, to within 0.08 mm RMS), so the coarse score cannot pick one: many candidates are refined a
    # little, ranked by how close the scan then lies to the surface's planes, and the best few refined further.
    ranked = [int(i) for i in np.argsort(scores)[:GLOBAL_KEEP]]
    quick_points, coarse_points = subsample(QUICK_POINTS), subsample(COARSE_POINTS)
    quick = []
    for index, chosen in enumerate(ranked):
        report(progress, 0.15 + 0.3 * index / len(ranked), "coarse alignment")
        rotation = candidates[chosen]
        item = _icp(
            reference,
            quick_points,
            rotation,
            design_centre - rotation @ scan_centre,
            iterations=QUICK_ITERATIONS,
            radius=radius,
            cancel=cancel,
        )
        quick.append((_plane_score(reference, quick_points @ item.rotation.T + item.translation), item))
    quick.sort(key=lambda pair: pair[0])
    results = []
    for index, (_, start) in enumerate(quick[:REFINE_KEEP]):
        report(progress, 0.45 + 0.15 * index / REFINE_KEEP, "coarse ICP")
        item = _icp(
            reference,
            coarse_points,
            start.rotation,
            start.translation,
            iterations=COARSE_ITERATIONS,
            radius=radius,
            cancel=cancel,
        )
        results.append((_plane_score(reference, coarse_points @ item.rotation.T + item.translation), item))
    winner = min(results, key=lambda pair: pair[0])[1]
    fine_points = subsample(FINE_POINTS)
    fine, fine_iterations = winner, 0
    for index, floor in enumerate(FINE_BANDS_MM):
        report(progress, 0.6 + 0.4 * index / len(FINE_BANDS_MM), "fine ICP")
        fine = _icp(
            reference,
            fine_points,
            fine.rotation,
            fine.translation,
            iterations=FINE_ITERATIONS,
            radius=radius,
            cancel=cancel,
            band_floor_mm=floor,
        )
        fine_iterations += fine.iterations
    report(progress, 1.0, "registered")
    return Registration(
        transform=RigidTransform(fine.rotation, fine.translation),
        rms_mm=fine.rms,
        inlier_share=fine.inliers,
        iterations=winner.iterations + fine_iterations,
        candidates=len(candidates),
    )
