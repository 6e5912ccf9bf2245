"""Synthetic 3D scans of a design, made in code: the known answers of the inspection tests and benchmark.

:func:`synthetic_scan` samples points evenly by area over a design, optionally raises a local bump (a printed
part's defect) along the surface normal, adds Gaussian noise along the normal (a scanner's range noise) and moves
everything by a rigid motion into a "scanner frame". It returns the truth beside the points: the motion, and each
point's true signed deviation from the design (the bump height, before the noise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geometry.distance import face_normals
from geometry.mesh import Mesh
from geometry.registration import RigidTransform

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Bump:
    """A raised disc on the surface: ``height_mm`` over a disc of ``radius_mm`` around ``centre`` (mm).

    The height is full within ``radius_mm - edge_mm`` of the centre and falls to zero along a half cosine over the
    last ``edge_mm`` (a printed blob has no vertical wall). Only surface points whose normal faces the same way as
    ``normal`` (within 60 degrees) are raised, so a bump on one face of a thin wall leaves the other face alone.
    """

    centre: tuple[float, float, float]
    normal: tuple[float, float, float]
    height_mm: float = 0.8
    radius_mm: float = 5.0
    edge_mm: float = 1.0

    def heights(self, points: FloatArray, normals: FloatArray) -> FloatArray:
        """The bump's height (mm) at each surface point with its outward normal."""
        centre = np.asarray(self.centre, dtype=np.float64)
        facing = normals @ (np.asarray(self.normal, dtype=np.float64) / np.linalg.norm(self.normal)) > 0.5
        distance = np.linalg.norm(points - centre, axis=1)
        inner = self.radius_mm - self.edge_mm
        ramp = np.clip((distance - inner) / self.edge_mm, 0.0, 1.0)
        height = self.height_mm * 0.5 * (1.0 + np.cos(np.pi * ramp))
        result: FloatArray = np.where(facing & (distance < self.radius_mm), height, 0.0)
        return result


@dataclass(frozen=True)
class SyntheticScan:
    """A synthetic scan and its truth.

    Attributes
    ----------
    points
        ``(N, 3)`` scan points in the scanner frame (mm).
    motion
        Design frame -> scanner frame (the inverse of what registration should find).
    true_deviation
        Each point's signed deviation (mm, outward positive) before noise: the bump's height, else 0.
    design_points
        Each point's noise-free position in the design frame (mm).
    """

    points: FloatArray
    motion: RigidTransform
    true_deviation: FloatArray
    design_points: FloatArray


def random_rotation(rng: np.random.Generator, *, flip: bool = False) -> FloatArray:
    """A rotation uniformly distributed over all rotations; with ``flip``, composed with a half turn."""
    q = rng.normal(size=4)
    w, x, y, z = q / np.linalg.norm(q)
    rotation = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    if flip:
        rotation = rotation @ np.diag([1.0, -1.0, -1.0])
    return rotation


def synthetic_scan(
    design: Mesh,
    *,
    points: int = 200_000,
    noise_mm: float = 0.02,
    bump: Bump | None = None,
    motion: RigidTransform | None = None,
    seed: int = 0,
) -> SyntheticScan:
    """Sample a scan of ``design`` (see the module docstring).

    Parameters
    ----------
    design
        The design mesh (mm).
    points
        How many scan points.
    noise_mm
        Standard deviation of the Gaussian noise along the normal (mm).
    bump
        A local bump to raise, or None.
    motion
        Design frame -> scanner frame; default a random rotation (any, half of the seeds flipped) and a shift of up to
        200 mm.
    seed
        Seeds the sampling, the noise and the default motion.
    """
    rng = np.random.default_rng(seed)
    normals, areas = face_normals(design)
    chosen = rng.choice(len(areas), size=points, p=areas / areas.sum())
    u, v = rng.random(points), rng.random(points)
    outside = u + v > 1.0
    u[outside], v[outside] = 1.0 - u[outside], 1.0 - v[outside]
    a, b, c = (design.vertices[design.faces[chosen, k]] for k in range(3))
    surface = a + u[:, np.newaxis] * (b - a) + v[:, np.newaxis] * (c - a)
    normal = normals[chosen]
    deviation = np.zeros(points) if bump is None else bump.heights(surface, normal)
    placed = surface + (deviation + rng.normal(scale=noise_mm, size=points))[:, np.newaxis] * normal
    if motion is None:
        rotation = random_rotation(rng, flip=bool(rng.integers(2)))
        motion = RigidTransform(rotation, rng.uniform(-200.0, 200.0, size=3))
    assert math.isclose(float(np.linalg.det(motion.rotation)), 1.0, abs_tol=1e-9)
    return SyntheticScan(motion.apply(placed), motion, deviation, surface + deviation[:, np.newaxis] * normal)
