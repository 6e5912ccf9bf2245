"""The mech.* parameters: measured by finite elements with an uncertainty, limited by an envelope like any other;
a result whose uncertainty straddles a limit is indeterminate."""

from __future__ import annotations

from pathlib import Path

import pytest

from geometry.sample_design import sample_plate
from mechanics.loadcases import load_load_cases
from validation.check import check
from validation.envelope import parse_envelope
from validation.parameters import Parameters, ParameterValue
from validation.registry import MeasureInputs, measure

LOAD_CASES = Path("resources/load_cases/cranial-plate-pekk.toml")

ENVELOPE = """
[envelope]
id = "mech-test"
version = "1"
family = "cranial_plate"
title = "mechanical limits"
validation_report = "VR-TEST"
approved_by = "tests"
approved_on = 2026-03-02

[[parameter]]
name = "mech.max_von_mises"
unit = "MPa"
max = {max_stress}

[[parameter]]
name = "mech.min_safety_factor"
unit = "1"
min = 2.0
"""


def _values(stress: float, uncertainty: float) -> Parameters:
    return Parameters(
        (
            ParameterValue("mech.max_von_mises", stress, "MPa", "fea", (), uncertainty=uncertainty),
            ParameterValue("mech.min_safety_factor", 60.0 / stress, "1", "fea", (), uncertainty=0.1),
        ),
        "",
    )


@pytest.mark.parametrize(
    ("max_stress", "verdict", "status"),
    [
        (40.0, "within", "within"),  # 20 +- 2 MPa, far below 40
        (21.0, "indeterminate", "near_limit"),  # the limit lies inside 20 +- 2: cannot tell
        (19.0, "out_of_envelope", "above"),
    ],
)
def test_an_uncertainty_across_a_limit_is_indeterminate(max_stress: float, verdict: str, status: str) -> None:
    envelope = parse_envelope(ENVELOPE.format(max_stress=max_stress))
    result = check(envelope, _values(20.0, 2.0))
    assert result.verdict == verdict
    assert next(r for r in result.results if r.name == "mech.max_von_mises").status == status


def test_an_envelope_near_limit_band_alone_does_not_block_within() -> None:
    # near_limit by an envelope's band (not the result's uncertainty) keeps the old rule: reported, still within.
    text = ENVELOPE.format(max_stress=23.0).replace("max = 23.0", "max = 23.0\nnear_limit = 5.0")
    result = check(parse_envelope(text), _values(20.0, 0.5))
    assert next(r for r in result.results if r.name == "mech.max_von_mises").status == "near_limit"
    assert result.verdict == "within"


@pytest.mark.slow
def test_measure_computes_the_mechanical_parameters_with_places_and_uncertainties() -> None:
    cases = load_load_cases(LOAD_CASES)
    inputs = MeasureInputs(
        design=sample_plate("thin"), load_cases=cases, sha256={"design": "d" * 64, "load_cases": cases.sha256}
    )
    reported: list[tuple[float, str]] = []
    measured = measure(inputs, family="cranial_plate", progress=lambda f, m: reported.append((f, m)))
    values = {v.name: v for v in measured.values}
    # The analysis runs first, as its stages per mesh level, over the first 70 % of the progress.
    fractions = [f for f, _ in reported]
    assert fractions == sorted(fractions)
    stages = [m for _, m in reported if "(finite-element analysis" in m]
    expected = [
        f"{stage} (finite-element analysis, {level} mesh, {size} mm)"
        for level, size in (("coarse", "5"), ("default", "2.5"))
        for stage in (
            "meshing the design",
            "assembling the stiffness matrix",
            "solving",
            "recovering stresses",
            "solved",
        )
    ]
    assert stages == expected
    assert reported[len(expected)] == (pytest.approx(0.7), "analysis done")
    # Then each measurement by name over the remaining 30 %.
    after = reported[len(expected) + 1 :]
    assert after[0][0] == pytest.approx(0.7)
    assert {m for _, m in after[:-1]} == {v.name for v in measured.values}
    assert after[-1] == (1.0, "measured")
    stress, sag, safety = (
        values["mech.max_von_mises"],
        values["mech.max_displacement"],
        values["mech.min_safety_factor"],
    )
    assert stress.unit == "MPa"
    assert sag.unit == "mm"
    assert safety.unit == "1"
    assert stress.value is not None
    assert safety.value is not None
    assert sag.value is not None
    assert safety.value == pytest.approx(60.0 / stress.value)
    for value in (stress, sag, safety):
        assert value.uncertainty is not None
        assert value.uncertainty >= 0
        assert value.inputs_sha256 == ("d" * 64, cases.sha256)
    assert stress.location is not None
    assert len(stress.location) == 3
    assert "cranial-plate-pekk" in stress.method
    # Without load cases no mech.* value is measured.
    plain = measure(MeasureInputs(design=sample_plate("thin")))
    assert not any(v.name.startswith("mech.") for v in plain.values)


def test_an_analysis_that_cannot_run_is_tried_once_and_gives_its_reason_to_every_figure() -> None:
    from geometry.mesh import Mesh  # noqa: PLC0415
    from mechanics.errors import DesignNotAnalysableError  # noqa: PLC0415
    from validation.registry import MeasureContext  # noqa: PLC0415

    plate = sample_plate("thin")
    opened = Mesh(plate.vertices, plate.faces[:-5])
    inputs = MeasureInputs(design=opened, load_cases=load_load_cases(LOAD_CASES))
    context = MeasureContext(inputs)
    parameters = measure(inputs, family="cranial_plate", context=context)
    values = [
        parameters.get(name) for name in ("mech.max_von_mises", "mech.max_displacement", "mech.min_safety_factor")
    ]
    assert all(value is not None and value.value is None for value in values)
    reasons = {value.reason for value in values if value is not None}
    assert len(reasons) == 1
    assert "not a closed" in reasons.pop()
    assert context.analysis is None
    assert isinstance(context.__dict__["_fea_outcome"], DesignNotAnalysableError)  # kept, not tried three times
