"""The solver against analytic and published answers: within tolerance at the default level, and converging."""

from __future__ import annotations

import numpy as np
import pytest

from mechanics.errors import MechanicsError
from mechanics.solver import ElasticMaterial, Fixed, TetMesh, Traction, boundary_triangles, solve, von_mises
from mechanics.verification import CASES, DEFAULT_LEVEL, cantilever, hexes_to_tets

_DEFAULT: dict[str, tuple[object, ...]] = {}


def _answers(case: str, level: int) -> tuple[object, ...]:
    key = f"{case}@{level}"
    if key not in _DEFAULT:
        _DEFAULT[key] = CASES[case](level)
    return _DEFAULT[key]


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_known_answers_hold_at_the_default_level(case: str) -> None:
    answers = _answers(case, DEFAULT_LEVEL)
    for answer in answers:
        assert answer.passed, (answer.quantity, answer.computed, answer.expected, answer.relative_error)
        assert answer.source
        # The acceptance tolerances: 1 % for displacements, 2 % for stresses.
        assert answer.tolerance == (0.01 if answer.unit == "mm" else 0.02)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_known_answers_converge_as_the_mesh_is_refined(case: str) -> None:
    coarse = _answers(case, 1)
    default = _answers(case, DEFAULT_LEVEL)
    for rough, fine in zip(coarse, default, strict=True):
        assert fine.elements > rough.elements
        assert abs(fine.relative_error) < abs(rough.relative_error), (fine.quantity, rough.relative_error)


def test_cantilever_figures_are_the_beam_theory_values() -> None:
    tip, stress = cantilever(1)
    # 1 kN on a 200 x 10 x 10 mm steel beam: 16.0 mm bending + 0.0306 mm shear; 600 MPa at mid-span.
    assert tip.expected == pytest.approx(16.0306, abs=1e-4)
    assert stress.expected == pytest.approx(600.0)
    assert tip.unknowns == 3 * (tip.unknowns // 3)


def test_the_hexahedron_split_is_conforming_between_differently_ordered_blocks() -> None:
    cube = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], float)
    # The second cube shares the face x = 1 but lists its corners rotated.
    other = cube + np.array([1.0, 0.0, 0.0])
    rotated = other[[3, 0, 1, 2, 7, 4, 5, 6]]
    mesh = hexes_to_tets(np.stack([cube, rotated]))
    boundary = boundary_triangles(mesh)
    # Conforming: no facet of the shared face is on the boundary; 2 cubes x 5 outer faces x 4 triangles remain.
    assert len(boundary) == 40
    assert mesh.n_tets == 48


def test_uniaxial_bar_gives_the_exact_stress_and_stretch() -> None:
    # A unit cube pulled by 10 MPa along x, held by symmetry planes: sigma_xx = 10 everywhere, u = 10/E at x = 1.
    cube = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], float)
    mesh = hexes_to_tets(cube[None])
    triangles = boundary_triangles(mesh)
    centres = mesh.points[triangles].mean(axis=1)
    fixed = [Fixed(triangles[np.abs(centres[:, a]) < 1e-9], (a,)) for a in range(3)]
    end = triangles[centres[:, 0] > 1 - 1e-9]
    load = np.tile([10.0, 0.0, 0.0], (len(end), 1))
    solution = solve(mesh, ElasticMaterial(1000.0, 0.3), fixed, [Traction(end, load)])
    assert solution.stress_mpa[:, 0] == pytest.approx(10.0, rel=1e-9)
    assert solution.von_mises_mpa == pytest.approx(10.0, rel=1e-9)
    far = mesh.points[:, 0] == 1.0
    assert solution.displacement_mm[far, 0] == pytest.approx(0.01, rel=1e-9)
    # Poisson contraction: -nu * strain.
    top = mesh.points[:, 1] == 1.0
    assert solution.displacement_mm[top, 1] == pytest.approx(-0.3 * 0.01, rel=1e-9)
    assert von_mises(np.array([[1.0, 0.0, 0.0, 0.0, 0.0, 1.0]]))[0] == pytest.approx(np.sqrt(1 + 3))


def test_an_unheld_body_is_refused() -> None:
    cube = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], float)
    mesh = hexes_to_tets(cube[None])
    with pytest.raises(MechanicsError, match="nothing holds"):
        solve(mesh, ElasticMaterial(1000.0, 0.3), [Fixed(np.zeros((0, 3), dtype=np.int64))], [])
    assert isinstance(mesh, TetMesh)


def test_nafems_le10_states_its_reference_and_its_coarse_figure() -> None:
    (answer,) = CASES["nafems-le10"](1)
    assert answer.case == "nafems-le10"
    assert answer.quantity == "sigma_yy_at_D"
    assert answer.expected == -5.38
    assert answer.tolerance == 0.02
    assert "NAFEMS LE10" in answer.source
    assert "-5.38 MPa" in answer.source
    # One quarter, 6 x 4 cells in the plane and 2 layers through the 600 mm: compressive at D, 2.4 % short.
    assert answer.elements == 6 * 4 * 2 * 24
    assert answer.computed == pytest.approx(-5.2525, abs=5e-4)
    assert not answer.passed
