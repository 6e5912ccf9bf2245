"""The plate generator (:mod:`geometry.plate`) against closed-form geometry.

A plate over a sphere of radius R is the solid between two concentric spherical caps (radii R + gap and
R + gap + thickness) cut by a cone of half-angle theta = asin(radius / R); a holed plate (a ring) is cut by a second
cone at the hole's angle. Their volumes and areas are exact formulas; the mesh's facets lie inside the curved
surfaces, which makes its volume and area slightly smaller (by about (edge length)^2 / (8 R^2) relative).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from geometry.errors import GeometryError
from geometry.mesh import Mesh
from geometry.metrics import mesh_metrics, min_wall_thickness
from geometry.plate import PlateDesign, plate_mesh, spherical_plate_values

SPHERE_MM = 70.0
CENTRE = (12.0, -8.0, 30.0)
AXIS = (-0.6, 0.2, 0.75)


def _sphere_plate(**changes: float) -> PlateDesign:
    values: dict[str, float] = {"radius_mm": 35.0, "gap_mm": 0.5, "thickness_mm": 4.0, **changes}
    return PlateDesign(
        CENTRE,
        (SPHERE_MM, SPHERE_MM, SPHERE_MM),
        AXIS,
        values["radius_mm"],
        values["gap_mm"],
        values["thickness_mm"],
        hole_radius_mm=values.get("hole_radius_mm", 0.0),
    )


def _radii(mesh: Mesh) -> np.ndarray:
    return np.asarray(np.linalg.norm(mesh.vertices - np.asarray(CENTRE), axis=1))


def test_plate_over_a_sphere_is_one_closed_shell_with_the_exact_volume_and_area() -> None:
    design = _sphere_plate()
    mesh = plate_mesh(design)
    metrics = mesh_metrics(mesh)
    exact = spherical_plate_values(design)
    assert metrics.watertight
    assert metrics.manifold
    assert metrics.shells == 1
    assert mesh.n_vertices == 2 * (1 + design.rings * design.sectors)
    # Every vertex lies on one of the two offset spheres (exactly, up to rounding).
    radii = _radii(mesh)
    on_inner = np.isclose(radii, SPHERE_MM + 0.5, atol=1e-9)
    on_outer = np.isclose(radii, SPHERE_MM + 4.5, atol=1e-9)
    assert (on_inner | on_outer).all()
    assert on_inner.sum() == on_outer.sum() == mesh.n_vertices // 2
    # Facets sag inside the spheres by (edge)^2 / (8 R) with edges < 1.7 mm: well under 0.2 % of volume and area.
    assert metrics.volume_mm3 == pytest.approx(exact.volume_mm3, rel=0.002)
    assert metrics.area_mm2 == pytest.approx(exact.area_mm2, rel=0.002)
    assert metrics.volume_mm3 < exact.volume_mm3  # inscribed facets: never larger than the exact solid
    assert exact.outline_angle_deg == pytest.approx(30.0, abs=1e-12)
    assert exact.wall_thickness_mm == 4.0


def test_spherical_values_are_the_closed_forms() -> None:
    design = _sphere_plate(gap_mm=-0.3)
    r_in, r_out = SPHERE_MM - 0.3, SPHERE_MM - 0.3 + 4.0
    cos_t = math.cos(math.radians(30.0))
    exact = spherical_plate_values(design, defect_radius_mm=25.0)
    assert exact.volume_mm3 == pytest.approx(2 * math.pi / 3 * (1 - cos_t) * (r_out**3 - r_in**3), rel=1e-12)
    caps = 2 * math.pi * (1 - cos_t) * (r_in**2 + r_out**2)
    rim = math.pi * 0.5 * (r_out**2 - r_in**2)  # the cone's lateral band between the two radii, sin(30 deg) = 0.5
    assert exact.area_mm2 == pytest.approx(caps + rim, rel=1e-12)
    cos_defect = math.sqrt(1 - (25.0 / SPHERE_MM) ** 2)
    assert exact.contact_area_mm2 == pytest.approx(2 * math.pi * r_in**2 * (cos_defect - cos_t), rel=1e-12)


def test_wall_over_an_ellipsoid_is_the_design_thickness_because_the_offset_is_along_the_normal() -> None:
    # An offset along the ellipsoid's normal keeps the wall exactly `thickness` thick along that normal; an offset
    # along the ray from the centre would not (it would be thinner where the surface is oblique to the ray).
    design = PlateDesign((5.0, -10.0, 20.0), (82.0, 70.0, 64.0), (0.3, -0.5, 0.8), 40.0, 0.4, 3.0, rings=24, sectors=72)
    mesh = plate_mesh(design)
    metrics = mesh_metrics(mesh)
    assert metrics.watertight
    assert metrics.manifold
    assert metrics.shells == 1
    assert metrics.volume_mm3 > 0  # outward-oriented
    wall = min_wall_thickness(mesh)
    assert wall is not None
    assert wall.min_mm == pytest.approx(3.0, abs=0.01)
    # Inner and outer vertices pair up (same index in each layer) exactly `thickness` apart.
    half = mesh.n_vertices // 2
    steps = np.linalg.norm(mesh.vertices[half:] - mesh.vertices[:half], axis=1)
    assert steps == pytest.approx(np.full(half, 3.0), abs=1e-9)
    # The closed forms exist for a spherical skull only.
    with pytest.raises(GeometryError):
        spherical_plate_values(design)


def test_ring_over_a_sphere_has_the_spherical_ring_volume_and_area() -> None:
    design = _sphere_plate(radius_mm=60.0, gap_mm=-6.0, thickness_mm=6.0, hole_radius_mm=25.0)
    mesh = plate_mesh(design)
    metrics = mesh_metrics(mesh)
    assert metrics.watertight
    assert metrics.manifold
    assert metrics.shells == 1
    assert mesh.n_vertices == 2 * design.rings * design.sectors  # no apex in a ring
    r_in, r_out = SPHERE_MM - 6.0, SPHERE_MM
    cos_hole = math.sqrt(1 - (25.0 / SPHERE_MM) ** 2)
    cos_outline = math.sqrt(1 - (60.0 / SPHERE_MM) ** 2)
    sin_hole, sin_outline = 25.0 / SPHERE_MM, 60.0 / SPHERE_MM
    volume = 2 * math.pi / 3 * (cos_hole - cos_outline) * (r_out**3 - r_in**3)
    area = 2 * math.pi * (cos_hole - cos_outline) * (r_in**2 + r_out**2) + math.pi * (sin_hole + sin_outline) * (
        r_out**2 - r_in**2
    )
    # 48 rings over 38 degrees and 144 sectors: facets up to 2.6 mm long, sag (2.6)^2 / (8 x 70) = 0.012 mm.
    assert metrics.volume_mm3 == pytest.approx(volume, rel=0.002)
    assert metrics.area_mm2 == pytest.approx(area, rel=0.002)
    # The ring really has its hole: no vertex closer to the axis than the hole's edge on the outer sphere.
    axis = np.asarray(AXIS) / np.linalg.norm(AXIS)
    rel = mesh.vertices - np.asarray(CENTRE)
    polar = np.degrees(np.arccos(np.clip(rel @ axis / np.linalg.norm(rel, axis=1), -1.0, 1.0)))
    assert polar.min() == pytest.approx(math.degrees(math.asin(sin_hole)), abs=1e-6)
    assert polar.max() == pytest.approx(math.degrees(math.asin(sin_outline)), abs=1e-6)


@pytest.mark.parametrize(
    "changes",
    [
        {"thickness_mm": 0.0},
        {"thickness_mm": -1.0},
        {"radius_mm": 0.0},
        {"hole_radius_mm": 35.0},
        {"hole_radius_mm": 40.0},
        {"hole_radius_mm": -1.0},
        {"radius_mm": 80.0},  # wider than the 70 mm sphere: no outline on it
    ],
)
def test_invalid_designs_raise_geometry_error(changes: dict[str, float]) -> None:
    with pytest.raises(GeometryError):
        plate_mesh(_sphere_plate(**changes))


@pytest.mark.parametrize(("rings", "sectors"), [(1, 144), (48, 2)])
def test_too_coarse_a_resolution_raises_geometry_error(rings: int, sectors: int) -> None:
    semi = (SPHERE_MM, SPHERE_MM, SPHERE_MM)
    with pytest.raises(GeometryError):
        plate_mesh(PlateDesign(CENTRE, semi, AXIS, 35.0, 0.5, 4.0, rings=rings, sectors=sectors))
