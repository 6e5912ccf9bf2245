"""The solver's assembly and linear algebra: a symmetric stiffness free of rigid motions, and exact patch answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mechanics.solver import (
    CG_RTOL,
    DIRECT_LIMIT,
    DIRECT_RTOL,
    ElasticMaterial,
    Fixed,
    TetMesh,
    Traction,
    _free_system,
    _quadratic,
    _rigid_body_modes,
    _stiffness,
    _stiffness_blocks,
    boundary_triangles,
    solve,
)
from mechanics.verification import box_tets

ROOT = Path(__file__).resolve().parents[2]
YOUNG, POISSON, PULL = 3_000.0, 0.35, 2.0  # MPa, -, MPa


def _bar(cells: tuple[int, int, int]) -> TetMesh:
    """A 40 x 10 x 8 mm bar on a slightly uneven grid (so no element is a copy of another)."""
    nx, ny, nz = cells
    xs = np.linspace(0.0, 40.0, nx + 1) ** 1.05 / 40.0**0.05
    return box_tets(xs, np.linspace(0.0, 10.0, ny + 1), np.linspace(0.0, 8.0, nz + 1) ** 1.1 / 8.0**0.1)


def _tension(mesh: TetMesh) -> tuple[list[Fixed], list[Traction]]:
    """Symmetry planes x = 0, y = 0, z = 0 (each holding its normal component) and a uniform pull on x = max."""
    triangles = boundary_triangles(mesh)
    centres = mesh.points[triangles].mean(axis=1)
    fixed = [Fixed(triangles[np.abs(centres[:, axis]) < 1e-9], (axis,)) for axis in range(3)]
    end = triangles[centres[:, 0] > mesh.points[:, 0].max() - 1e-9]
    traction = np.zeros((len(end), 3))
    traction[:, 0] = PULL
    return fixed, [Traction(end, traction)]


def _exact(points: np.ndarray) -> np.ndarray:
    """Uniaxial tension: u = (p x / E, -nu p y / E, -nu p z / E)."""
    scale = np.array([1.0, -POISSON, -POISSON]) * PULL / YOUNG
    return np.asarray(points * scale)


def test_the_assembled_stiffness_is_symmetric_and_free_of_rigid_motions() -> None:
    mesh = _bar((6, 2, 2))
    q = _quadratic(mesh)
    lam = YOUNG * POISSON / ((1 + POISSON) * (1 - 2 * POISSON))
    mu = YOUNG / (2 * (1 + POISSON))
    stiffness = _stiffness(q, lam, mu, None)
    size = abs(stiffness).max()
    assert stiffness.shape == (3 * q.n_nodes, 3 * q.n_nodes)
    assert abs(stiffness - stiffness.T).max() <= 1e-12 * size
    assert stiffness.diagonal().min() > 0
    p = mesh.points
    nodes = np.vstack([p, 0.5 * (p[q.edges[:, 0]] + p[q.edges[:, 1]])])
    modes = _rigid_body_modes(np.repeat(nodes, 3, axis=0))
    # Six rigid motions strain nothing: K r = 0 to round-off, against forces of order K's entries times lengths.
    assert np.abs(stiffness @ modes).max() <= 1e-9 * size * np.abs(modes).max()
    # A uniform stretch does strain it: the same test can fail.
    stretch = np.zeros(3 * q.n_nodes)
    stretch[0::3] = nodes[:, 0]
    assert np.abs(stiffness @ stretch).max() > 1e-3 * size


def test_the_direct_solver_reproduces_uniaxial_tension_exactly() -> None:
    mesh = _bar((8, 3, 2))
    fixed, tractions = _tension(mesh)
    solution = solve(mesh, ElasticMaterial(YOUNG, POISSON), fixed, tractions)
    assert solution.solver == "direct"
    assert 0.0 < solution.relative_residual <= DIRECT_RTOL
    # A linear field is in the quadratic elements' space: displacements and stresses are exact to round-off.
    expected = _exact(mesh.points)
    assert np.abs(solution.displacement_mm - expected).max() <= 1e-9 * np.abs(expected).max()
    assert solution.stress_mpa[:, 0] == pytest.approx(np.full(mesh.n_points, PULL), rel=1e-9)
    assert np.abs(solution.stress_mpa[:, 1:]).max() <= 1e-9 * PULL
    assert solution.max_von_mises_mpa == pytest.approx(PULL, rel=1e-9)


@pytest.mark.slow
def test_the_multigrid_solver_reproduces_uniaxial_tension_to_its_tolerance() -> None:
    mesh = _bar((16, 8, 8))  # a bulky bar above the direct limit: conjugate gradients with multigrid
    fixed, tractions = _tension(mesh)
    solution = solve(mesh, ElasticMaterial(YOUNG, POISSON), fixed, tractions)
    assert solution.unknowns > DIRECT_LIMIT
    assert solution.solver == "amg-cg"
    assert 0.0 < solution.relative_residual <= CG_RTOL
    expected = _exact(mesh.points)
    assert np.abs(solution.displacement_mm - expected).max() <= 1e-6 * np.abs(expected).max()


def test_an_unloaded_body_stays_where_it_is() -> None:
    mesh = _bar((4, 2, 2))
    fixed, _ = _tension(mesh)
    solution = solve(mesh, ElasticMaterial(YOUNG, POISSON), fixed, [])
    assert solution.relative_residual == 0.0
    assert solution.max_displacement_mm == 0.0


def test_the_free_system_is_the_stiffness_on_the_free_unknowns_reordered() -> None:
    mesh = _bar((6, 3, 2))
    q = _quadratic(mesh)
    lam = YOUNG * POISSON / ((1 + POISSON) * (1 - 2 * POISSON))
    mu = YOUNG / (2 * (1 + POISSON))
    stiffness = _stiffness(q, lam, mu, None).toarray()
    free = np.ones(3 * q.n_nodes, dtype=bool)
    free[0:30] = False  # ten whole nodes held
    free[np.arange(40, 3 * q.n_nodes, 7)] = False  # and single components of others, as on a symmetry plane
    system = _free_system(_stiffness_blocks(q, lam, mu, None), free)
    assert sorted(system.unknowns.tolist()) == np.flatnonzero(free).tolist()
    assert system.unknowns.tolist() != np.flatnonzero(free).tolist()  # reordered, not the natural order
    reduced = stiffness[np.ix_(system.unknowns, system.unknowns)]
    rebuilt = np.zeros_like(reduced)
    rows = np.repeat(np.arange(system.size), np.diff(system.indptr))
    assert np.array_equal(rows, system.row_of_entry)
    rebuilt[rows, system.indices] = system.data
    assert np.abs(rebuilt - reduced).max() <= 1e-12 * np.abs(reduced).max()
    # Within each row the columns ascend (SuperLU's compressed columns of the symmetric matrix).
    for row in range(system.size):
        columns = system.indices[system.indptr[row] : system.indptr[row + 1]]
        assert np.all(np.diff(columns) > 0)
    x = np.linspace(-1.0, 2.0, system.size)
    assert np.allclose(system.multiply(x), reduced @ x, rtol=0.0, atol=1e-12 * np.abs(reduced).max())


@pytest.mark.parametrize("before", [True, False])
def test_solving_restores_numpys_huge_page_setting(before: bool) -> None:
    switch = np._core.multiarray._set_madvise_hugepage  # type: ignore[attr-defined]
    original = switch(before)
    try:
        mesh = _bar((4, 2, 2))
        fixed, tractions = _tension(mesh)
        solve(mesh, ElasticMaterial(YOUNG, POISSON), fixed, tractions)
        assert switch(before) is before
    finally:
        switch(original)


def test_a_direct_solve_loads_neither_scipy_sparse_nor_pymetis_packages() -> None:
    # Their packages' imports cost more CPU time than the whole factorization: only the two extensions load.
    program = """
import json, sys
import numpy as np
from mechanics.solver import ElasticMaterial, Fixed, TetMesh, Traction, boundary_triangles, solve
from mechanics.verification import box_tets
mesh = box_tets(np.linspace(0, 40, 9), np.linspace(0, 10, 4), np.linspace(0, 8, 3))
triangles = boundary_triangles(mesh)
centres = mesh.points[triangles].mean(axis=1)
end = triangles[centres[:, 0] > 40 - 1e-9]
solution = solve(
    mesh, ElasticMaterial(3000.0, 0.35), [Fixed(triangles[centres[:, 0] < 1e-9])],
    [Traction(end, np.tile([0.0, 0.0, -1.0], (len(end), 1)))],
)
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("scipy", "pymetis"))
print(json.dumps({"solver": solution.solver, "residual": solution.relative_residual, "loaded": loaded}))
"""
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True, timeout=300
    )
    result = json.loads(done.stdout)
    assert result["solver"] == "direct"
    assert 0.0 < result["residual"] <= DIRECT_RTOL
    assert result["loaded"] == ["pymetis._internal", "scipy.sparse.linalg._dsolve._superlu"]
