"""Analytic phantoms for the geometry tests: partial-volume CT of a sphere and an ellipsoidal shell.

Each voxel's HU is -1000 + 2000 * (fraction of the voxel inside the object), the fraction estimated on a 4 x 4 x 4
sub-grid, so the isosurface at 0 HU is the analytic surface to within the interpolation error. Voxels are
anisotropic (0.5 x 0.5 x 1.25 mm) as in a clinical CT.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest

from imaging.volume import Volume

SPACING = (0.5, 0.5, 1.25)
AIR, BONE, MIDPOINT = -1000.0, 1000.0, 0.0
SPHERE_RADIUS = 20.0
OUTER = (40.0, 32.0, 28.0)
WALL = 6.0
INNER = (OUTER[0] - WALL, OUTER[1] - WALL, OUTER[2] - WALL)

Inside = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.bool_]]
Distance = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]


def _rotation(axis: tuple[float, float, float], angle_deg: float) -> npt.NDArray[np.float64]:
    u = np.asarray(axis, dtype=np.float64) / np.linalg.norm(axis)
    t = math.radians(angle_deg)
    k = np.array([[0, -u[2], u[1]], [u[2], 0, -u[0]], [-u[1], u[0], 0]])
    return np.asarray(np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * (k @ k), dtype=np.float64)


def phantom(
    inside: Inside,
    distance: Distance,
    centre: tuple[float, float, float],
    half_extent_mm: tuple[float, float, float],
    *,
    direction: npt.NDArray[np.float64] | None = None,
    factor: int = 4,
) -> Volume:
    """An int16 CT volume around ``centre`` (LPS mm) covering +-``half_extent_mm`` along the volume axes.

    ``distance`` (an estimate of the distance to the surface, mm) picks the voxels near the surface; only those are
    supersampled (``factor`` per axis), the others are fully inside or outside.
    """
    d = np.eye(3) if direction is None else np.asarray(direction, dtype=np.float64)
    spacing = np.asarray(SPACING)
    size = np.ceil(2 * np.asarray(half_extent_mm) / spacing).astype(int) + 1
    nx, ny, nz = (int(v) for v in size)
    origin = np.asarray(centre) - d @ ((size - 1) / 2 * spacing)
    kk, jj, ii = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    index = np.stack([ii, jj, kk], axis=-1).reshape(-1, 3).astype(np.float64)
    world = origin + (index * spacing) @ d.T
    fraction = inside(world).astype(np.float64)
    near = np.flatnonzero(distance(world) < 1.5)
    sub = (np.arange(factor) + 0.5) / factor - 0.5
    offsets = np.stack(np.meshgrid(sub, sub, sub, indexing="ij"), axis=-1).reshape(-1, 3) * spacing
    for start in range(0, len(near), 20000):
        chunk = near[start : start + 20000]
        points = (index[chunk] * spacing)[:, None, :] + offsets[None, :, :]
        samples = origin + points.reshape(-1, 3) @ d.T
        fraction[chunk] = inside(samples).reshape(len(chunk), -1).mean(axis=1)
    voxels = np.rint(AIR + (BONE - AIR) * fraction).astype(np.int16).reshape(nz, ny, nx)
    return Volume(
        voxels=voxels,
        spacing=SPACING,
        origin=(float(origin[0]), float(origin[1]), float(origin[2])),
        direction=tuple(float(v) for v in d.reshape(-1)),
    )


def sphere_inside(centre: tuple[float, float, float], radius: float) -> Inside:
    c = np.asarray(centre)
    return lambda p: np.einsum("ij,ij->i", p - c, p - c) <= radius * radius


def ellipsoid_level(
    p: npt.NDArray[np.float64], axes: tuple[float, ...], centre: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    q = (p - centre) / np.asarray(axes)
    return np.asarray(np.einsum("ij,ij->i", q, q))


def sphere_distance(centre: tuple[float, float, float], radius: float) -> Distance:
    c = np.asarray(centre)
    return lambda p: np.abs(np.linalg.norm(p - c, axis=1) - radius)


def shell_distance(centre: tuple[float, float, float]) -> Distance:
    c = np.asarray(centre)
    return lambda p: np.minimum(ellipsoid_distance(p, OUTER, c), ellipsoid_distance(p, INNER, c))


def shell_inside(centre: tuple[float, float, float]) -> Inside:
    c = np.asarray(centre)
    return lambda p: (ellipsoid_level(p, OUTER, c) <= 1.0) & (ellipsoid_level(p, INNER, c) > 1.0)


def ellipsoid_distance(
    p: npt.NDArray[np.float64], axes: tuple[float, ...], centre: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Distance (mm) of points from an ellipsoid's surface, to second order (F - 1) / |grad F| with F = |q|."""
    a = np.asarray(axes)
    q = (p - centre) / a
    f = np.maximum(np.linalg.norm(q, axis=1), 1e-9)
    grad = (q / a) / f[:, None]
    return np.asarray(np.abs(f - 1.0) / np.maximum(np.linalg.norm(grad, axis=1), 1e-12))


def ellipsoid_area(a: float, b: float, c: float, n: int = 400) -> float:
    """Surface area (mm^2) of an ellipsoid by Gauss-Legendre quadrature over (theta, phi); converges to ~1e-10."""
    x, w = np.polynomial.legendre.leggauss(n)
    theta = (x + 1) * math.pi / 2
    wt = w * math.pi / 2
    phi = (x + 1) * math.pi
    wp = w * math.pi
    t, f = np.meshgrid(theta, phi, indexing="ij")
    st, ct, sf, cf = np.sin(t), np.cos(t), np.sin(f), np.cos(f)
    integrand = st * np.sqrt(b * b * c * c * st**2 * cf**2 + a * a * c * c * st**2 * sf**2 + a * a * b * b * ct**2)
    return float(wt @ integrand @ wp)


def ellipsoid_volume(a: float, b: float, c: float) -> float:
    return 4.0 / 3.0 * math.pi * a * b * c


@dataclass(frozen=True)
class Phantom:
    volume: Volume
    centre: tuple[float, float, float]
    volume_mm3: float
    area_mm2: float


SPHERE_CENTRE = (12.0, -30.0, 45.0)
SHELL_CENTRE = (-5.0, 20.0, -60.0)


@pytest.fixture(scope="session")
def sphere() -> Phantom:
    margin = SPHERE_RADIUS + 3.0
    volume = phantom(
        sphere_inside(SPHERE_CENTRE, SPHERE_RADIUS),
        sphere_distance(SPHERE_CENTRE, SPHERE_RADIUS),
        SPHERE_CENTRE,
        (margin, margin, margin),
    )
    return Phantom(volume, SPHERE_CENTRE, 4 / 3 * math.pi * SPHERE_RADIUS**3, 4 * math.pi * SPHERE_RADIUS**2)


@pytest.fixture(scope="session")
def tilted_sphere() -> Phantom:
    direction = _rotation((1.0, 2.0, 0.5), 25.0)
    margin = SPHERE_RADIUS + 3.0
    volume = phantom(
        sphere_inside(SPHERE_CENTRE, SPHERE_RADIUS),
        sphere_distance(SPHERE_CENTRE, SPHERE_RADIUS),
        SPHERE_CENTRE,
        (margin, margin, margin),
        direction=direction,
    )
    return Phantom(volume, SPHERE_CENTRE, 4 / 3 * math.pi * SPHERE_RADIUS**3, 4 * math.pi * SPHERE_RADIUS**2)


@pytest.fixture(scope="session")
def shell() -> Phantom:
    half = tuple(a + 3.0 for a in OUTER)
    volume = phantom(
        shell_inside(SHELL_CENTRE), shell_distance(SHELL_CENTRE), SHELL_CENTRE, (half[0], half[1], half[2])
    )
    return Phantom(
        volume,
        SHELL_CENTRE,
        ellipsoid_volume(*OUTER) - ellipsoid_volume(*INNER),
        ellipsoid_area(*OUTER) + ellipsoid_area(*INNER),
    )


def mask_of(volume: Volume) -> Volume:
    """The binary mask (uint8 0/1) of a phantom: voxel centres at or above the midpoint HU."""
    voxels = (volume.voxels >= MIDPOINT).astype(np.uint8)
    return Volume(voxels=voxels, spacing=volume.spacing, origin=volume.origin, direction=volume.direction)
