"""The stress field kept with a case: the analysis' von Mises stress on the design's own vertices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from base.files import sha256_file
from geometry.sample_design import sample_plate
from mechanics.analysis import analyse
from mechanics.errors import MechanicsError
from mechanics.field import read_stress_field, stress_field, write_stress_field
from mechanics.loadcases import load_load_cases

SAMPLE = Path("resources/load_cases/cranial-plate-pekk.toml")


def test_the_field_is_the_analysis_on_the_design_vertices_and_its_file_is_reproducible(tmp_path: Path) -> None:
    cases = load_load_cases(SAMPLE)
    plate = sample_plate("thin")
    result = analyse(plate, cases, size_mm=5.0)
    field = stress_field(result, plate, design_sha256="ab" * 32, yield_strength_mpa=cases.material.yield_strength_mpa)
    values = field.vertex_von_mises_mpa
    assert values.shape == (plate.n_vertices,)
    assert field.max_von_mises_mpa == result.figure("mech.max_von_mises").value
    # Every design vertex takes a surface node's value: none above the recorded peak, the highest close to it.
    assert float(values.max()) <= field.max_von_mises_mpa
    assert float(values.max()) > 0.8 * field.max_von_mises_mpa
    assert float(values.min()) >= 0.0
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
