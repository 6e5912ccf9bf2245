"""DVW against CalculiX on the same quadratic-tetrahedron mesh, supports and loads (the benchmark's check, small)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from geometry.sample_design import sample_plate
from mechanics.analysis import build_problem
from mechanics.loadcases import load_load_cases
from mechanics.peer import ccx_program, run_calculix
from mechanics.solver import solve

SAMPLE = Path("resources/load_cases/cranial-plate-pekk.toml")


@pytest.fixture
def ccx() -> str:
    program = ccx_program()
    if program is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CalculiX (ccx) must be installed under CI: make installs Debian's calculix-ccx")
        pytest.skip("CalculiX (ccx) is not installed: apt-get install calculix-ccx")
    return program


@pytest.mark.slow
def test_dvw_and_calculix_agree_on_the_thin_sample_plate(ccx: str) -> None:
    assert ccx
    problem = build_problem(sample_plate("thin"), load_load_cases(SAMPLE), 5.0)
    ours = solve(problem.mesh, problem.material, problem.fixed, problem.tractions)
    peer = run_calculix(problem.mesh, problem.material, problem.fixed, problem.tractions)
    peak = float(np.linalg.norm(peer.displacement_mm, axis=1).max())
    # Displacements agree within 0.5 % of the peak displacement, at every vertex.
    difference = float(np.linalg.norm(ours.displacement_mm - peer.displacement_mm, axis=1).max())
    assert difference <= 0.005 * peak, (difference, peak)
    assert ours.max_displacement_mm == pytest.approx(peak, rel=0.005)
    # Peak von Mises stress within 2 %.
    assert ours.max_von_mises_mpa == pytest.approx(float(peer.von_mises_mpa.max()), rel=0.02)
    assert peak > 0.05  # the 200 N push really bends the 2.5 mm plate (tenths of a millimetre)
