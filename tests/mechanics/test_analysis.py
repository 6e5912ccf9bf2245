"""The analysis of the sample plates: physically ordered figures, the uncertainty estimator, refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from base.progress import Cancelled, CancelToken
from geometry.mesh import Mesh
from geometry.sample_design import sample_plate
from mechanics.analysis import FeaResult, analyse, named_point, stage_message, uncertainty, volume_mesh
from mechanics.errors import DesignNotAnalysableError, LoadCaseError
from mechanics.loadcases import load_load_cases, parse_load_cases

SAMPLE = Path("resources/load_cases/cranial-plate-pekk.toml")
#: Coarser than the sample's 2.5 mm default, to keep the test quick.
SIZE_MM = 4.0


@pytest.fixture(scope="module")
def results() -> dict[str, FeaResult]:
    cases = load_load_cases(SAMPLE)
    return {variant: analyse(sample_plate(variant), cases, size_mm=SIZE_MM) for variant in ("fitted", "thin")}


@pytest.mark.slow
def test_the_thin_plate_bends_more_and_is_stressed_more(results: dict[str, FeaResult]) -> None:
    fitted, thin = results["fitted"], results["thin"]
    stress = thin.figure("mech.max_von_mises").value / fitted.figure("mech.max_von_mises").value
    sag = thin.figure("mech.max_displacement").value / fitted.figure("mech.max_displacement").value
    # Half the wall: between membrane action (x2) and pure bending (x4 stress, x8 deflection) of a shell.
    assert 2.0 < stress < 4.5
    assert 2.0 < sag < 8.5
    for result in (fitted, thin):
        sf = result.figure("mech.min_safety_factor")
        vm = result.figure("mech.max_von_mises")
        assert sf.value == pytest.approx(60.0 / vm.value)
        # 200 N over the loaded disc of about pi * 10^2 mm2 (the disc is measured on the meshed surface).
        assert 250.0 < result.loaded_area_mm2 < 400.0


@pytest.mark.slow
def test_the_uncertainty_is_the_two_grid_convergence_index(results: dict[str, FeaResult]) -> None:
    fitted = results["fitted"]
    ratio = (fitted.fine.mesh.n_tets / fitted.coarse.mesh.n_tets) ** (1 / 3)
    assert ratio > 1.2
    vm = fitted.figure("mech.max_von_mises")
    assert vm.uncertainty == pytest.approx(3 * abs(vm.value - vm.coarse_value) / (ratio - 1))
    disp = fitted.figure("mech.max_displacement")
    assert disp.uncertainty == pytest.approx(3 * abs(disp.value - disp.coarse_value) / (ratio**2 - 1))
    assert uncertainty(10.0, 9.0, 2.0, 2.0) == pytest.approx(1.0)


def test_a_design_with_a_hole_in_its_surface_is_refused() -> None:
    plate = sample_plate("thin")
    opened = Mesh(plate.vertices, plate.faces[:-5])
    with pytest.raises(DesignNotAnalysableError, match="not a closed"):
        volume_mesh(opened, 3.0)


def test_a_point_off_the_design_is_refused_and_one_on_it_accepted() -> None:
    plate = sample_plate("thin")
    on = plate.vertices[plate.faces[100]].mean(axis=0)
    assert np.allclose(named_point(plate, tuple(on)), on)
    with pytest.raises(LoadCaseError, match="not on the design"):
        named_point(plate, (float(on[0]) + 50.0, float(on[1]), float(on[2])))


def test_a_load_case_point_off_the_design_stops_the_analysis() -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace(
        'point = "centre"\nradius', 'point = [0.0, 0.0, 0.0]\npoint_unit = "mm"\nradius'
    )
    with pytest.raises(LoadCaseError, match="not on the design"):
        analyse(sample_plate("thin"), parse_load_cases(text), size_mm=6.0)


def test_the_analysis_reports_its_stages_and_stops_between_them_when_cancelled() -> None:
    cases = load_load_cases(SAMPLE)
    token = CancelToken()
    reported: list[tuple[float, str]] = []

    def progress(fraction: float, message: str) -> None:
        reported.append((fraction, message))
        if message == stage_message("coarse", 12.0, "solving"):
            token.cancel()  # as the window's Cancel button would, while the coarse level is solved

    with pytest.raises(Cancelled):
        analyse(sample_plate("thin"), cases, size_mm=6.0, progress=progress, cancel=token)
    # The coarse level (12 mm) was meshed and assembled; the solver stopped before solving, and the default level
    # (6 mm) never started.
    assert [m for _, m in reported] == [
        "meshing the design (finite-element analysis, coarse mesh, 12 mm)",
        "assembling the stiffness matrix (finite-element analysis, coarse mesh, 12 mm)",
        "solving (finite-element analysis, coarse mesh, 12 mm)",
    ]
    assert [f for f, _ in reported] == [0.0, pytest.approx(0.4 * 0.8), pytest.approx(0.4 * (0.8 + 0.2 * 0.3))]
    assert stage_message("default", 2.5, "solved") == "solved (finite-element analysis, default mesh, 2.5 mm)"
