"""The revision comparison (geometry.distance.compare_revisions, REQUIREMENTS 4.5.4) on analytic designs: concentric
spheres, a plate with a bump over a disc, and agreement with trimesh's independent point-to-mesh distance."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh
from revision_meshes import bump_height, plate, sphere

from geometry.distance import compare_revisions, vertex_areas
from geometry.errors import GeometryError
from geometry.sample_design import sample_plate


def test_a_sphere_grown_by_half_a_millimetre_is_half_a_millimetre_out_everywhere() -> None:
    small, large = sphere(20.0), sphere(20.5)
    result = compare_revisions(small, large, tolerance_mm=0.2)
    assert np.all(np.abs(result.signed_distance - 0.5) <= 0.01)
    assert result.min_signed_mm > 0  # grown: every vertex of the new design lies outside the old one
    assert result.max_deviation_mm == pytest.approx(0.5, abs=0.01)
    assert result.mean_deviation_mm == pytest.approx(0.5, abs=0.01)
    assert result.rms_deviation_mm == pytest.approx(0.5, abs=0.01)
    assert result.share_within_tolerance == 0.0
    assert result.area_changed_mm2 == pytest.approx(4 * math.pi * 20.0**2, rel=0.005)
    assert result.area_mm2 == pytest.approx(4 * math.pi * 20.5**2, rel=0.005)
    shrunk = compare_revisions(large, small, tolerance_mm=0.2)
    assert np.all(np.abs(shrunk.signed_distance + 0.5) <= 0.01)  # material removed: negative
    within = compare_revisions(small, large, tolerance_mm=0.6)
    assert (within.share_within_tolerance, within.area_changed_mm2) == (1.0, 0.0)


def test_a_bump_over_a_disc_gives_its_height_and_the_disc_s_area() -> None:
    flat = plate()
    bumped = plate(top=bump_height(radius_mm=5.0, height_mm=0.8))
    result = compare_revisions(flat, bumped, tolerance_mm=0.2)
    disc = math.pi * 5.0**2
    assert result.max_deviation_mm == pytest.approx(0.8, abs=0.02)
    assert result.max_signed_mm == pytest.approx(0.8, abs=0.02)
    assert result.area_changed_mm2 == pytest.approx(disc, rel=0.05)
    assert result.min_signed_mm == pytest.approx(0.0, abs=1e-9)  # nothing was removed
    outside = result.signed_distance[np.hypot(*bumped.vertices[:, :2].T) > 5.3]
    assert np.all(np.abs(outside) < 1e-9)
    assert vertex_areas(bumped).sum() == pytest.approx(result.area_mm2)


def _trimesh_distance(surface: trimesh.Trimesh, points: np.ndarray) -> np.ndarray:
    """trimesh's own point-to-mesh distance (its R-tree of triangles and closest point per triangle)."""
    _closest, distance, _triangle = trimesh.proximity.closest_point(surface, points)
    return np.asarray(distance)


@pytest.mark.parametrize("pair", ["spheres", "bump", "sample plates"])
def test_the_distances_agree_with_an_independent_point_to_mesh_distance(pair: str) -> None:
    if pair == "spheres":
        old, new = sphere(20.0, 4), sphere(20.5, 3)
    elif pair == "bump":
        old, new = plate(step_mm=0.25), plate(step_mm=0.25, top=bump_height())
    else:
        old, new = sample_plate("fitted"), sample_plate("thin")
    result = compare_revisions(old, new)
    independent = _trimesh_distance(old.to_trimesh(), new.vertices)
    assert np.max(np.abs(np.abs(result.signed_distance) - independent)) < 1e-3
    backward = _trimesh_distance(new.to_trimesh(), old.vertices)
    assert result.max_deviation_mm == pytest.approx(max(independent.max(), backward.max()), abs=1e-3)
    weights = vertex_areas(new)
    assert result.rms_deviation_mm == pytest.approx(
        math.sqrt(np.dot(weights, independent**2) / weights.sum()), abs=1e-3
    )


def test_a_bad_tolerance_or_an_empty_design_is_refused() -> None:
    with pytest.raises(GeometryError, match="positive length"):
        compare_revisions(sphere(20.0, 2), sphere(21.0, 2), tolerance_mm=0.0)
