"""The stress field kept with a case: the analysis' von Mises stress on the design's own vertices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from base.files import sha256_file
from geometry.sample_design import sample_plate
from mechanics.analysis import analyse
from mechanics.errors import MechanicsError
from mechanics.field import nearest_surface_points, read_stress_field, stress_field, write_stress_field
from mechanics.loadcases import load_load_cases
from mechanics.solver import boundary_triangles
from mechanics.verification import box_tets

SAMPLE = Path("resources/load_cases/cranial-plate-pekk.toml")


def test_the_field_is_the_analysis_on_the_design_vertices_and_its_file_is_reproducible(tmp_path: Path) -> None:
    cases = load_load_cases(SAMPLE)
    plate = sample_plate("thin")
    result = analyse(plate, cases, size_mm=5.0)
    field = stress_field(result, plate, design_sha256="ab" * 32, yield_strength_mpa=cases.material.yield_strength_mpa)
    values = field.vertex_von_mises_mpa
    assert values.shape == (plate.n_vertices,)
    assert field.max_von_mises_mpa == result.figure("mech.max_von_mises").value
    # Interpolated between the nodes of the nearest surface triangle: none above the recorded peak, the highest
    # close to it, at the design vertex nearest the marked worst point.
    assert float(values.max()) <= field.max_von_mises_mpa
    assert float(values.max()) > 0.8 * field.max_von_mises_mpa
    assert float(values.min()) >= 0.0
    at_worst = int(np.argmin(np.linalg.norm(plate.vertices - np.asarray(result.worst_point_mm), axis=1)))
    assert values[at_worst] > 0.8 * field.max_von_mises_mpa
    # Smooth: along the design's edges the values change far less than when each vertex took its nearest node's.
    mesh, solution = result.fine.mesh, result.fine.solution
    surface = np.unique(boundary_triangles(mesh))
    _, nearest = cKDTree(mesh.points[surface]).query(plate.vertices)
    nearest_node = solution.von_mises_mpa[surface[nearest]]
    edges = np.concatenate([plate.faces[:, [0, 1]], plate.faces[:, [1, 2]], plate.faces[:, [2, 0]]])
    jumps = float(np.abs(np.diff(values[edges], axis=1)).mean())
    nearest_jumps = float(np.abs(np.diff(nearest_node[edges], axis=1)).mean())
    assert jumps < 0.5 * nearest_jumps
    # The stress peaks near the pushed centre and fades towards the held rim.
    centre = np.asarray(result.worst_point_mm)
    distance = np.linalg.norm(plate.vertices - centre, axis=1)
    assert float(np.median(values[distance < 10])) > 3 * float(np.median(values[distance > 30]))
    first = write_stress_field(field, tmp_path / "a.stress.npz")
    second = write_stress_field(field, tmp_path / "b.stress.npz")
    assert first == second == sha256_file(tmp_path / "a.stress.npz")  # same field, same bytes
    back = read_stress_field(tmp_path / "a.stress.npz")
    assert np.array_equal(back.vertex_von_mises_mpa, values)
    assert back.worst_point_mm == result.worst_point_mm
    assert (back.design_sha256, back.load_cases_sha256) == ("ab" * 32, cases.sha256)
    assert back.yield_strength_mpa == 60.0


def test_a_file_that_is_not_a_stress_field_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    np.savez(other, something=np.zeros(3))
    with pytest.raises(MechanicsError, match="not a DVW stress field"):
        read_stress_field(other)
    with pytest.raises(MechanicsError, match="not a DVW stress field"):
        read_stress_field(tmp_path / "missing.npz")


def test_each_point_is_projected_onto_its_nearest_triangle_exactly() -> None:
    # The surface of a 3 x 2 x 1 box of tetrahedra; points on it, inside it and outside it.
    mesh = box_tets(np.linspace(0, 3, 4), np.linspace(0, 2, 3), np.linspace(0, 1, 3))
    triangles = boundary_triangles(mesh)
    rng = np.random.default_rng(7)
    queries = np.vstack(
        [
            rng.uniform([0, 0, 0], [3, 2, 1], (300, 3)),
            rng.uniform([-1, -1, -1], [4, 3, 2], (300, 3)),
            np.array([[1.5, 1.0, 1.0], [3.0, 2.0, 1.0], [0.25, 0.0, 0.5], [4.0, 2.5, 0.5]]),
        ]
    )
    nearest, weights = nearest_surface_points(mesh.points, triangles, queries, chunk=97)
    assert np.all(weights >= -1e-12)
    assert np.allclose(weights.sum(axis=1), 1.0)
    found = np.einsum("nk,nkc->nc", weights, mesh.points[triangles[nearest]])
    # The distance to the box's surface, computed from the box itself.
    lower, upper = np.zeros(3), np.array([3.0, 2.0, 1.0])
    inside = np.all((queries > lower) & (queries < upper), axis=1)
    outside_distance = np.linalg.norm(np.maximum(np.maximum(lower - queries, queries - upper), 0.0), axis=1)
    inside_distance = np.minimum(queries - lower, upper - queries).min(axis=1)
    expected = np.where(inside, inside_distance, outside_distance)
    assert np.linalg.norm(found - queries, axis=1) == pytest.approx(expected, abs=1e-9)
    # A linear field given at the surface's nodes is interpolated exactly at the projected points.
    linear = mesh.points @ np.array([2.0, -1.0, 0.5]) + 3.0
    interpolated = np.einsum("nk,nk->n", weights, linear[triangles[nearest]])
    assert interpolated == pytest.approx(found @ np.array([2.0, -1.0, 0.5]) + 3.0, abs=1e-9)
    assert np.allclose(found[-4:-1], queries[-4:-1])  # points on the surface are their own nearest points
