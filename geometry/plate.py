"""Cranial plates made in code: a shell of even thickness laid over an ellipsoidal skull.

DVW uses these as the bundled sample case's designs and as the known-answer designs of the built-in validation
suite. Each point ``s`` of the skull's outer surface (an axis-aligned ellipsoid about ``centre``) with outward unit
normal ``n`` carries one inner plate point ``s + gap n`` and one outer point ``s + (gap + thickness) n``, so the
wall is ``thickness`` thick along the normal. The outline is the set of directions (rays from the centre) whose
skull point lies ``radius_mm`` from the plate axis (a circle seen along the axis), and a band along the normals
closes the two surfaces there, so the plate is one watertight, outward-oriented shell.

Over a sphere everything is analytic: see :func:`spherical_plate_values`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from geometry.errors import GeometryError
from geometry.mesh import Mesh

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PlateDesign:
    """The shape parameters of a plate.

    Attributes
    ----------
    centre
        Centre of the skull ellipsoid (LPS mm).
    semi_axes_mm
        Semi-axes (x, y, z) of the skull's outer surface; equal for a sphere.
    axis
        Direction from ``centre`` to the middle of the plate (need not be unit length).
    radius_mm
        Distance of the plate's outline from the axis, measured on the skull surface.
    gap_mm
        Distance along the skull's normal from its surface to the plate's inner surface (0 = resting on the bone,
        negative = sunk into it).
    thickness_mm
        Distance along the normal between the plate's inner and outer surfaces.
    rings, sectors
        Resolution: rings of vertices from the axis to the outline, and vertices around each ring.
    hole_radius_mm
        When positive, the plate is a ring: it has a round hole of this radius (measured like ``radius_mm``) around
        its axis. DVW's validation suite uses such rings as analytic skulls with a defect.
    """

    centre: tuple[float, float, float]
    semi_axes_mm: tuple[float, float, float]
    axis: tuple[float, float, float]
    radius_mm: float
    gap_mm: float
    thickness_mm: float
    rings: int = 48
    sectors: int = 144
    hole_radius_mm: float = 0.0


def _basis(axis: FloatArray) -> tuple[FloatArray, FloatArray]:
    helper = np.array([0.0, 0.0, 1.0]) if abs(axis[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    first = np.cross(axis, helper)
    first /= np.linalg.norm(first)
    return first, np.cross(axis, first)


def _directions(axis: FloatArray, theta: FloatArray, phi: FloatArray) -> FloatArray:
    e1, e2 = _basis(axis)
    sin_t = np.sin(theta)[..., np.newaxis]
    return (
        np.cos(theta)[..., np.newaxis] * axis
        + sin_t * np.cos(phi)[..., np.newaxis] * e1
        + sin_t * np.sin(phi)[..., np.newaxis] * e2
    )


def _skull_points(semi_axes: FloatArray, directions: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Where rays along ``directions`` leave the ellipsoid (relative to its centre), and the unit normals there."""
    unit = directions / np.linalg.norm(directions, axis=1, keepdims=True)
    points = unit / np.linalg.norm(unit / semi_axes, axis=1, keepdims=True)
    normals = points / (semi_axes * semi_axes)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    return points, normals


def _radius(semi_axes: FloatArray, directions: FloatArray) -> FloatArray:
    points, _ = _skull_points(semi_axes, directions.reshape(-1, 3))
    result: FloatArray = np.linalg.norm(points, axis=1).reshape(directions.shape[:-1])
    return result


def _outline_angles(axis: FloatArray, phi: FloatArray, radius_mm: float, semi_axes: FloatArray) -> FloatArray:
    """Polar angle of the outline in each azimuth: where ``R(u) sin(theta) = radius_mm`` (fixed-point iteration)."""
    theta = np.full_like(phi, math.asin(min(1.0, radius_mm / float(_radius(semi_axes, axis[np.newaxis])[0]))))
    for _ in range(30):
        r = _radius(semi_axes, _directions(axis, theta, phi))
        ratio = radius_mm / r
        if np.any(ratio >= 1.0):
            raise GeometryError(f"a plate of radius {radius_mm} mm does not fit on this skull")
        theta = np.arcsin(ratio)
    return theta


def plate_mesh(design: PlateDesign) -> Mesh:
    """The plate's closed, outward-oriented triangle mesh (LPS mm).

    Parameters
    ----------
    design
        Shape parameters.

    Returns
    -------
    Mesh
        ``2 * (1 + rings * sectors)`` vertices (``2 * rings * sectors`` for a ring): for each surface its apex, then
        the rings from the axis outwards.

    Raises
    ------
    GeometryError
        For a non-positive thickness or radius, a hole as large as the plate, or too coarse a resolution.
    """
    if design.thickness_mm <= 0 or design.radius_mm <= 0:
        raise GeometryError("a plate needs a positive thickness and radius")
    if not 0.0 <= design.hole_radius_mm < design.radius_mm:
        raise GeometryError("a plate's hole must be smaller than the plate")
    if design.rings < 2 or design.sectors < 3:
        raise GeometryError("a plate needs at least 2 rings and 3 sectors")
    axis = np.asarray(design.axis, dtype=np.float64)
    axis /= np.linalg.norm(axis)
    centre = np.asarray(design.centre, dtype=np.float64)
    n_rings, n_sectors = design.rings, design.sectors
    phi: FloatArray = np.arange(n_sectors, dtype=np.float64) * (2.0 * math.pi / n_sectors)
    semi_axes = np.asarray(design.semi_axes_mm, dtype=np.float64)
    outline = _outline_angles(axis, phi, design.radius_mm, semi_axes)
    holed = design.hole_radius_mm > 0
    if holed:
        hole = _outline_angles(axis, phi, design.hole_radius_mm, semi_axes)
        fraction = np.arange(n_rings) / (n_rings - 1)
        theta = hole[np.newaxis, :] + fraction[:, np.newaxis] * (outline - hole)[np.newaxis, :]
    else:
        fraction = np.arange(1, n_rings + 1) / n_rings
        theta = fraction[:, np.newaxis] * outline[np.newaxis, :]  # (rings, sectors)
    around = _directions(axis, theta, np.broadcast_to(phi, theta.shape)).reshape(-1, 3)
    directions = np.vstack([axis[np.newaxis], around])  # the apex is unused (and unreferenced) in a ring
    skull, normals = _skull_points(semi_axes, directions)
    inner = centre + skull + design.gap_mm * normals
    outer = centre + skull + (design.gap_mm + design.thickness_mm) * normals
    per_layer = len(directions)
    vertices = np.vstack([inner, outer])

    def ring(k: int, j: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:  # index of ring k (0-based), sector j
        return 1 + k * n_sectors + (j % n_sectors)

    j = np.arange(n_sectors, dtype=np.int64)
    # Outer surface seen from outside: counter-clockwise about the outward normal (+axis direction).
    faces = [] if holed else [np.column_stack([np.zeros_like(j), ring(0, j), ring(0, j + 1)])]
    for k in range(n_rings - 1):
        a, b, c, d = ring(k, j), ring(k, j + 1), ring(k + 1, j + 1), ring(k + 1, j)
        faces += [np.column_stack([a, d, c]), np.column_stack([a, c, b])]
    outer_faces = np.vstack(faces) + per_layer
    inner_faces = np.vstack(faces)[:, ::-1]  # the inner surface faces the skull

    def band(k: int) -> npt.NDArray[np.int64]:
        this, nxt = ring(k, j), ring(k, j + 1)
        return np.vstack(
            [np.column_stack([this, nxt, nxt + per_layer]), np.column_stack([this, nxt + per_layer, this + per_layer])]
        )

    rims = [band(n_rings - 1)]
    if holed:
        rims.append(band(0)[:, ::-1])  # the hole's wall faces the axis
    rim = np.vstack(rims)
    mesh = Mesh(vertices, np.vstack([outer_faces, inner_faces, rim]))
    if holed:  # drop the unused apex vertices
        mesh = Mesh(np.delete(mesh.vertices, [0, per_layer], axis=0), _shift(mesh.faces, per_layer))
    p0, p1, p2 = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    if float(np.einsum("ij,ij->i", p0, np.cross(p1, p2)).sum()) < 0:
        mesh = mesh.flipped()
    return mesh


def _shift(faces: npt.NDArray[np.int64], per_layer: int) -> npt.NDArray[np.int64]:
    """Face indices after deleting vertices 0 and ``per_layer`` (neither of which is referenced)."""
    shifted: npt.NDArray[np.int64] = faces - 1 - (faces > per_layer)
    return shifted


@dataclass(frozen=True)
class SphericalPlateValues:
    """Exact values for a plate over a sphere of radius ``R`` (see :func:`spherical_plate_values`).

    Attributes
    ----------
    volume_mm3, area_mm2
        Of the exact solid (the mesh's facets make them slightly smaller).
    wall_thickness_mm
        Everywhere between the two caps (= ``thickness_mm``).
    outline_angle_deg
        Polar angle of the outline from the axis.
    contact_area_mm2
        Area of the inner surface over bone when the sphere carries a circular defect of ``defect_radius_mm``
        (measured from the axis on the sphere): the inner surface between the defect's and the outline's angles.
    """

    volume_mm3: float
    area_mm2: float
    wall_thickness_mm: float
    outline_angle_deg: float
    contact_area_mm2: float


def spherical_plate_values(design: PlateDesign, defect_radius_mm: float = 0.0) -> SphericalPlateValues:
    """The exact volume, area, wall thickness and contact area of ``design`` over a sphere (equal semi-axes).

    Raises
    ------
    GeometryError
        When the semi-axes are not all equal.
    """
    if len(set(design.semi_axes_mm)) != 1:
        raise GeometryError("analytic plate values exist for a spherical skull only")
    sphere_radius_mm = design.semi_axes_mm[0]
    r_in = sphere_radius_mm + design.gap_mm
    r_out = r_in + design.thickness_mm
    theta = math.asin(design.radius_mm / sphere_radius_mm)
    cap = 1.0 - math.cos(theta)
    volume = 2.0 * math.pi / 3.0 * cap * (r_out**3 - r_in**3)
    area = 2.0 * math.pi * cap * (r_in**2 + r_out**2) + math.pi * math.sin(theta) * (r_out**2 - r_in**2)
    theta_defect = math.asin(min(1.0, defect_radius_mm / sphere_radius_mm))
    contact = 2.0 * math.pi * r_in**2 * (math.cos(theta_defect) - math.cos(theta))
    return SphericalPlateValues(volume, area, design.thickness_mm, math.degrees(theta), contact)
