"""The check as people read it: plain titles, units as written, rounded values, the envelope's rationale."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from validation.check import check
from validation.envelope import load_envelope
from validation.manifest import current_manifest
from validation.parameters import Parameters, ParameterValue
from workflow.check_table import check_rows, number_text, unit_text

ENVELOPE = Path(__file__).resolve().parents[2] / "resources" / "envelopes" / "cranial-plate-pekk.toml"


def test_units_are_written_as_people_write_them() -> None:
    assert [unit_text(u) for u in ("cm**2", "mm**3", "mm**2", "degree", "1", "mm", "kg", "year")] == [
        "cm²",
        "mm³",
        "mm²",
        "°",
        "",
        "mm",
        "kg",
        "years",
    ]


def test_values_are_rounded_for_reading() -> None:
    assert [number_text(v) for v in (2.0, 1.23456, 0.0041234, 12.3456, 1234.56, -0.5, 0.0, 3, True, None)] == [
        "2",
        "1.23",
        "0.0041",
        "12.3",
        "1235",
        "-0.5",
        "0",
        "3",
        "1",
        "-",
    ]
    assert number_text(Decimal("2.5")) == "2.5"


def test_rows_of_a_real_check_carry_titles_units_limits_and_rationales() -> None:
    envelope = load_envelope(ENVELOPE)
    manifest = current_manifest().manifest_id
    parameters = Parameters(
        (
            ParameterValue("design.min_wall_thickness", 1.73456, "mm"),
            ParameterValue("fit.contact_area", 1234.5678, "mm**2"),  # measured in mm², the envelope is in cm²
            ParameterValue("imaging.gantry_tilt", 0.0, "degree"),
        ),
        manifest,
    )
    result = check(envelope, parameters, manifest).to_json()
    rows = {row.name: row for row in check_rows(result, envelope)}
    wall = rows["design.min_wall_thickness"]
    limit = envelope.parameter("design.min_wall_thickness")
    assert limit is not None
    assert (wall.title, wall.value, wall.unit, wall.status, wall.flagged) == (
        "Minimum wall thickness",
        "1.73",
        "mm",
        "below",
        True,
    )
    assert wall.minimum == number_text(float(limit.min or 0))
    assert wall.rationale == limit.rationale
    assert wall.rationale  # the sample envelope explains every range
    assert "wall" in wall.description.lower()
    area = rows["fit.contact_area"]
    assert (area.title, area.value, area.unit) == ("Contact area", "12.3", "cm²")  # converted to the envelope's cm²
    tilt = rows["imaging.gantry_tilt"]
    assert (tilt.title, tilt.unit) == ("Gantry tilt", "°")
    missing = rows["patient.age"]  # not measured here: missing, flagged when required
    assert (missing.status, missing.value, missing.unit) == ("missing", "-", "years")
    assert missing.detail
    without = check_rows(result)
    assert all(row.rationale == "" for row in without)
    assert [row.name for row in without] == [row.name for row in rows.values()]
