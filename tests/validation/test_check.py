"""The envelope check: exact units, inclusive limits, near-limit bands, constraints, hulls and the verdict."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest

from validation.check import HULL_TOLERANCE, CheckResult, check, hull_distance
from validation.envelope import Envelope, parse_envelope
from validation.errors import ParameterFileError, UnitError
from validation.parameters import Parameters, ParameterValue
from validation.units import convert, decimal_text, dimensionally_compatible, parse_unit, to_decimal

UNITS = {
    "design.min_wall_thickness": "mm",
    "anatomy.defect_span": "mm",
    "anatomy.defect_area": "mm**2",
    "design.extent_max": "mm",
    "imaging.gantry_tilt": "degree",
    "design.watertight": "1",
    "patient.age": "year",
    "patient.weight": "kg",
}

HEAD = """[envelope]
id = "test"
version = "1"
family = "cranial_plate"
title = "test envelope"
validation_report = "VR-1"
approved_by = "QA"
approved_on = 2026-01-01
"""


def _envelope(body: str) -> Envelope:
    return parse_envelope(HEAD + body, "", UNITS)


def _parameters(*values: tuple[str, float | None, str]) -> Parameters:
    return Parameters(tuple(ParameterValue(name, value, unit) for name, value, unit in values), "m" * 64)


WALL = _envelope(
    """
[[parameter]]
name = "design.min_wall_thickness"
unit = "mm"
min = 2.0
max = 8.0
near_limit = 0.2
"""
)
WALL_NO_BAND = _envelope('[[parameter]]\nname = "design.min_wall_thickness"\nunit = "mm"\nmin = 2.0\nmax = 8.0\n')


# -- units ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "target", "expected"),
    [
        (18.0, "mm", "cm", Decimal("1.8")),
        (1.8, "cm", "mm", Decimal("18")),
        (0.1, "m", "mm", Decimal("100")),
        (250.0, "mm**2", "cm**2", Decimal("2.5")),
        (1500.0, "mm**3", "cm**3", Decimal("1.5")),
        (216.0, "month", "year", Decimal("18")),
        (72.5, "kg", "g", Decimal("72500")),
        (1.0, "1", "percent", Decimal("100")),
        (3.7, "mm", "mm", Decimal("3.7")),
    ],
)
def test_exact_decimal_conversion(value: float, unit: str, target: str, expected: Decimal) -> None:
    converted = convert(value, unit, target)
    assert isinstance(converted, Decimal)
    assert converted == expected


def test_units_helpers() -> None:
    assert to_decimal(1.8) == Decimal("1.8")
    assert to_decimal(0.1 + 0.2) == Decimal("0.30000000000000004")
    assert dimensionally_compatible("mm", "inch")
    assert dimensionally_compatible("1", "percent")
    assert not dimensionally_compatible("mm", "mm**2")
    assert not dimensionally_compatible("year", "1")
    assert parse_unit("1").dimensionless
    assert decimal_text(Decimal("1.80")) == "1.8"
    assert decimal_text(Decimal("1E+2")) == "100"
    assert decimal_text(Decimal("-0.0")) == "0"
    assert convert(1.0, "degree", "radian") == pytest.approx(Decimal(math.pi) / 180, rel=Decimal("1e-25"))


@pytest.mark.parametrize(
    ("unit", "message"),
    [("parsecs2", "unknown unit"), ("", "empty unit"), ("mm +", "not a unit expression"), ("3 mm", "number")],
)
def test_bad_units_raise_unit_error(unit: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        parse_unit(unit)


def test_conversion_between_dimensions_is_refused() -> None:
    with pytest.raises(UnitError, match="different quantities"):
        convert(1.0, "mm", "kg")
    with pytest.raises(UnitError, match="finite"):
        convert(math.inf, "mm", "mm")


# -- one parameter: inclusive limits and the near-limit band -----------------------------------------------------------

BELOW_MIN = math.nextafter(2.0, -math.inf)
ABOVE_MAX = math.nextafter(8.0, math.inf)
JUST_PAST_BAND = math.nextafter(2.2, math.inf)

#: Each case: envelope, value in mm, expected status and margin (mm).
LIMIT_CASES = [
    (WALL, 5.0, "within", Decimal("3")),
    (WALL, 2.0, "near_limit", Decimal("0")),
    (WALL, 8.0, "near_limit", Decimal("0")),
    (WALL, BELOW_MIN, "below", Decimal(repr(BELOW_MIN)) - 2),
    (WALL, ABOVE_MAX, "above", 8 - Decimal(repr(ABOVE_MAX))),
    (WALL, 2.2, "near_limit", Decimal("0.2")),  # exactly on the band's edge: 2.2 - 2.0 is exactly 0.2 in decimals
    (WALL, 7.8, "near_limit", Decimal("0.2")),
    (WALL, JUST_PAST_BAND, "within", Decimal(repr(JUST_PAST_BAND)) - 2),
    (WALL, 1.5, "below", Decimal("-0.5")),
    (WALL, 9.25, "above", Decimal("-1.25")),
    (WALL_NO_BAND, 2.0, "within", Decimal("0")),
    (WALL_NO_BAND, 8.0, "within", Decimal("0")),
    (WALL_NO_BAND, BELOW_MIN, "below", Decimal(repr(BELOW_MIN)) - 2),
    (WALL_NO_BAND, ABOVE_MAX, "above", 8 - Decimal(repr(ABOVE_MAX))),
]


@pytest.mark.parametrize(("envelope", "value", "status", "margin"), LIMIT_CASES)
def test_limits_are_inclusive_and_exact(envelope: Envelope, value: float, status: str, margin: Decimal) -> None:
    result = check(envelope, _parameters(("design.min_wall_thickness", value, "mm")))
    (item,) = result.results
    assert item.status == status
    assert item.margin == margin
    assert item.value == Decimal(repr(value))
    expected = "within" if status in ("within", "near_limit") else "out_of_envelope"
    assert result.verdict == expected
    assert result.requires_reverification is (expected != "within")


ONE_SIDED = _envelope(
    """
[[parameter]]
name = "patient.age"
unit = "year"
min = 18
near_limit = 1

[[parameter]]
name = "design.extent_max"
unit = "mm"
max = 0.5
"""
)


@pytest.mark.parametrize(
    ("age", "extent", "statuses", "verdict"),
    [
        (18.0, 0.5, ("near_limit", "within"), "within"),
        (90.0, -3.0, ("within", "within"), "within"),
        (17.99, 0.1, ("below", "within"), "out_of_envelope"),
        (40.0, 0.5000001, ("within", "above"), "out_of_envelope"),
    ],
)
def test_one_sided_limits(age: float, extent: float, statuses: tuple[str, str], verdict: str) -> None:
    result = check(ONE_SIDED, _parameters(("patient.age", age, "year"), ("design.extent_max", extent, "mm")))
    assert tuple(r.status for r in result.results) == statuses
    assert result.verdict == verdict


# -- units between the file and the envelope -------------------------------------------------------------------------

SPAN_CM = _envelope('[[parameter]]\nname = "anatomy.defect_span"\nunit = "cm"\nmin = 2\nmax = 1.8e1\n')
SPAN_CM_MAX_18MM = _envelope('[[parameter]]\nname = "anatomy.defect_span"\nunit = "cm"\nmax = 1.8\n')


@pytest.mark.parametrize(
    ("envelope", "value", "unit", "status", "value_in_envelope_unit"),
    [
        (SPAN_CM_MAX_18MM, 18.0, "mm", "within", Decimal("1.8")),  # 18 mm is exactly 1.8 cm
        (SPAN_CM_MAX_18MM, math.nextafter(18.0, math.inf), "mm", "above", None),
        (SPAN_CM_MAX_18MM, 1.8, "cm", "within", Decimal("1.8")),
        (SPAN_CM_MAX_18MM, 0.018, "m", "within", Decimal("1.8")),
        (SPAN_CM, 20.0, "mm", "within", Decimal("2")),
        (SPAN_CM, 19.9, "mm", "below", Decimal("1.99")),
        (SPAN_CM, 180.0, "mm", "within", Decimal("18")),
        (SPAN_CM, 180.1, "mm", "above", Decimal("18.01")),
    ],
)
def test_values_are_converted_exactly_to_the_envelope_unit(
    envelope: Envelope, value: float, unit: str, status: str, value_in_envelope_unit: Decimal | None
) -> None:
    result = check(envelope, _parameters(("anatomy.defect_span", value, unit)))
    (item,) = result.results
    assert item.status == status
    assert item.unit == "cm"
    if value_in_envelope_unit is not None:
        assert item.value == value_in_envelope_unit
    assert (item.measured_value, item.measured_unit) == (value, unit)


@pytest.mark.parametrize(("unit", "message"), [("kg", "different quantities"), ("mmm", "unknown unit")])
def test_incomparable_measured_unit_is_a_parameter_file_error(unit: str, message: str) -> None:
    with pytest.raises(ParameterFileError, match=message) as raised:
        check(SPAN_CM, _parameters(("anatomy.defect_span", 40.0, unit)))
    assert "anatomy.defect_span" in raised.value.message
    assert raised.value.code == "bad_parameters"


# -- missing values ----------------------------------------------------------------------------------------------------

TWO = _envelope(
    """
[[parameter]]
name = "design.min_wall_thickness"
unit = "mm"
min = 2.0
max = 8.0

[[parameter]]
name = "patient.weight"
unit = "kg"
max = 150
required = false
"""
)


@pytest.mark.parametrize(
    ("values", "statuses", "verdict"),
    [
        ((("design.min_wall_thickness", 3.0, "mm"), ("patient.weight", 70.0, "kg")), ("within", "within"), "within"),
        ((("design.min_wall_thickness", 3.0, "mm"),), ("within", "missing"), "within"),  # optional missing
        ((("design.min_wall_thickness", 3.0, "mm"), ("patient.weight", None, "kg")), ("within", "missing"), "within"),
        ((("patient.weight", 70.0, "kg"),), ("missing", "within"), "indeterminate"),  # required missing
        ((("design.min_wall_thickness", None, "mm"),), ("missing", "missing"), "indeterminate"),
        ((("patient.weight", 151.0, "kg"),), ("missing", "above"), "out_of_envelope"),  # out beats missing
        ((("design.min_wall_thickness", 1.0, "mm"),), ("below", "missing"), "out_of_envelope"),
        ((), ("missing", "missing"), "indeterminate"),
    ],
)
def test_missing_values(
    values: tuple[tuple[str, float | None, str], ...], statuses: tuple[str, ...], verdict: str
) -> None:
    result = check(TWO, _parameters(*values, ("design.volume", 12000.0, "mm**3")))  # not in the envelope: ignored
    assert tuple(r.status for r in result.results) == statuses
    assert result.verdict == verdict
    assert [r.name for r in result.results] == ["design.min_wall_thickness", "patient.weight"]
    for item in result.results:
        if item.status == "missing":
            assert item.value is None
            assert item.margin is None
            assert item.reason


def test_unmeasurable_value_keeps_its_reason() -> None:
    params = Parameters((ParameterValue("design.min_wall_thickness", None, "mm", reason="no inward ray hit"),))
    (item, _) = check(TWO, params).results
    assert item.reason == "no inward ray hit"
    assert item.measured_unit == "mm"


# -- linear constraints --------------------------------------------------------------------------------------------

LINEAR = _envelope(
    """
[[parameter]]
name = "design.min_wall_thickness"
unit = "mm"
min = 1.0
max = 8.0

[[parameter]]
name = "anatomy.defect_span"
unit = "mm"
min = 10
max = 150

[[constraint]]
id = "wall-vs-span"
type = "linear"
terms = { "design.min_wall_thickness" = 1, "anatomy.defect_span" = -0.04 }
op = ">="
bound = 0
"""
)


@pytest.mark.parametrize(
    ("wall", "span", "status", "verdict", "detail"),
    [
        (2.8, 70.0, "satisfied", "within", "= 0 >= 0: satisfied"),  # in floats 2.8 - 0.04 * 70 < 0
        (4.0, 70.0, "satisfied", "within", "= 1.2 >= 0: satisfied"),
        (2.7, 70.0, "violated", "out_of_envelope", "= -0.1 >= 0: violated by 0.1"),
        (2.0, None, "missing", "indeterminate", "missing value of anatomy.defect_span"),
    ],
)
def test_linear_constraint(wall: float, span: float | None, status: str, verdict: str, detail: str) -> None:
    result = check(LINEAR, _parameters(("design.min_wall_thickness", wall, "mm"), ("anatomy.defect_span", span, "mm")))
    (constraint,) = result.constraints
    assert constraint.status == status
    assert detail in constraint.detail
    assert result.verdict == verdict
    if status == "missing":
        assert constraint.missing == ("anatomy.defect_span",)


def test_linear_constraint_in_envelope_units() -> None:
    # The same constraint with the span in cm: the coefficient applies to the value in cm.
    envelope = _envelope(
        '[[parameter]]\nname = "design.min_wall_thickness"\nunit = "mm"\nmax = 8\n\n'
        '[[parameter]]\nname = "anatomy.defect_span"\nunit = "cm"\nmax = 15\n\n'
        '[[constraint]]\nid = "c"\ntype = "linear"\nterms = { "design.min_wall_thickness" = 1, '
        '"anatomy.defect_span" = -0.4 }\nop = ">="\nbound = 0\n'
    )
    ok = check(envelope, _parameters(("design.min_wall_thickness", 2.8, "mm"), ("anatomy.defect_span", 70.0, "mm")))
    bad = check(envelope, _parameters(("design.min_wall_thickness", 2.8, "mm"), ("anatomy.defect_span", 7.1, "cm")))
    assert (ok.constraints[0].status, bad.constraints[0].status) == ("satisfied", "violated")
    assert "anatomy.defect_span[7 cm]" in ok.constraints[0].detail


# -- hull constraints ------------------------------------------------------------------------------------------------

HULL = _envelope(
    """
[[parameter]]
name = "anatomy.defect_span"
unit = "mm"
min = 20
max = 120

[[parameter]]
name = "design.min_wall_thickness"
unit = "mm"
min = 2
max = 8

[[constraint]]
id = "worst-cases"
type = "hull"
parameters = ["anatomy.defect_span", "design.min_wall_thickness"]
points = [[20, 2], [120, 5], [120, 8], [20, 8]]
"""
)


@pytest.mark.parametrize(
    ("span", "wall", "status"),
    [
        (70.0, 5.0, "satisfied"),  # inside
        (20.0, 2.0, "satisfied"),  # a vertex
        (120.0, 6.5, "satisfied"),  # on an edge
        (70.0, 3.5, "satisfied"),  # on the slanted edge (20, 2)-(120, 5): 2 + 3 * 50 / 100
        (70.0, 3.49, "violated"),  # just below it: inside both ranges, outside the validated combinations
        (120.0, 2.0, "violated"),  # the untested corner
        (121.0, 8.0, "violated"),
    ],
)
def test_hull_constraint(span: float, wall: float, status: str) -> None:
    result = check(HULL, _parameters(("anatomy.defect_span", span, "mm"), ("design.min_wall_thickness", wall, "mm")))
    (constraint,) = result.constraints
    assert constraint.status == status, constraint.detail
    if status == "satisfied":
        assert "inside the convex hull of the 4" in constraint.detail
        assert constraint.distance == 0.0
    else:
        assert "outside the convex hull" in constraint.detail
        assert constraint.distance is not None
        assert constraint.distance > HULL_TOLERANCE
        assert result.verdict == "out_of_envelope"


def test_hull_distance_is_the_scaled_chebyshev_distance() -> None:
    square = [(Decimal(0), Decimal(0)), (Decimal(10), Decimal(0)), (Decimal(10), Decimal(2)), (Decimal(0), Decimal(2))]
    assert hull_distance(square, (Decimal(5), Decimal(1))) == pytest.approx(0.0, abs=1e-12)
    assert hull_distance(square, (Decimal(5), Decimal("2.5"))) == pytest.approx(0.25, abs=1e-9)  # 0.5 of a 2 range
    assert hull_distance(square, (Decimal(12), Decimal(3))) == pytest.approx(0.5, abs=1e-9)  # max(0.2, 0.5)


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        ((5, 5, 5), True),
        ((0, 0, 5), True),
        ((5, 5, "5.000001"), False),  # off the segment's plane by 1e-6 (relative to |5|): outside
        ((5, 6, 5), False),
        ((11, 11, 5), False),
    ],
)
def test_degenerate_hull_in_three_dimensions(point: tuple[object, ...], inside: bool) -> None:
    segment = [(Decimal(0), Decimal(0), Decimal(5)), (Decimal(10), Decimal(10), Decimal(5))]
    distance = hull_distance(segment, tuple(Decimal(str(v)) for v in point))
    assert (distance <= HULL_TOLERANCE) is inside


@pytest.mark.parametrize(
    ("point", "inside"),
    [((1, 1, 1), True), ((0, 0, 0), True), ((2, 2, 2), True), ((0, 2, 1), True), ((3, 1, 1), False)],
)
def test_cube_hull(point: tuple[int, int, int], inside: bool) -> None:
    corners = [(Decimal(x), Decimal(y), Decimal(z)) for x in (0, 2) for y in (0, 2) for z in (0, 2)]
    assert (hull_distance(corners, tuple(Decimal(v) for v in point)) <= HULL_TOLERANCE) is inside


ONE_D = _envelope(
    '[[parameter]]\nname = "imaging.gantry_tilt"\nunit = "degree"\nmin = -30\nmax = 30\n\n'
    '[[constraint]]\nid = "tilt-tested"\ntype = "hull"\nparameters = ["imaging.gantry_tilt"]\n'
    "points = [[0], [15.5], [-10]]\n"
)


@pytest.mark.parametrize(
    ("tilt", "status", "detail"),
    [
        (15.5, "satisfied", "inside the validated worst cases' range -10..15.5 degree"),
        (-10.0, "satisfied", "inside"),
        (16.0, "violated", "by 0.5 degree"),
        (-12.25, "violated", "by 2.25 degree"),
    ],
)
def test_one_parameter_hull_is_an_interval(tilt: float, status: str, detail: str) -> None:
    (constraint,) = check(ONE_D, _parameters(("imaging.gantry_tilt", tilt, "degree"))).constraints
    assert constraint.status == status
    assert detail in constraint.detail


def test_hull_with_a_missing_value_is_indeterminate() -> None:
    optional = _envelope(
        '[[parameter]]\nname = "anatomy.defect_span"\nunit = "mm"\nmax = 120\nrequired = false\n\n'
        '[[parameter]]\nname = "design.min_wall_thickness"\nunit = "mm"\nmax = 8\n\n'
        '[[constraint]]\nid = "h"\ntype = "hull"\nparameters = ["anatomy.defect_span", '
        '"design.min_wall_thickness"]\npoints = [[20, 2], [120, 8]]\n'
    )
    both = check(optional, _parameters(("design.min_wall_thickness", 5.0, "mm"), ("anatomy.defect_span", 70.0, "mm")))
    assert (both.constraints[0].status, both.verdict) == ("satisfied", "within")  # on the segment (20,2)-(120,8)
    result = check(optional, _parameters(("design.min_wall_thickness", 5.0, "mm")))
    assert [r.status for r in result.results] == ["missing", "within"]
    assert result.constraints[0].status == "missing"
    assert result.verdict == "indeterminate"  # an optional value, but a constraint needs it


# -- the result's JSON -----------------------------------------------------------------------------------------------


def test_check_result_json_has_the_cli_shape() -> None:
    params = _parameters(("anatomy.defect_span", 70.0, "mm"), ("design.min_wall_thickness", 3.0, "mm"))
    result = check(HULL, params, manifest_id="a" * 64)
    assert isinstance(result, CheckResult)
    payload = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert set(payload) == {
        "verdict",
        "requires_reverification",
        "envelope",
        "parameters_sha256",
        "results",
        "constraints",
        "manifest_id",
    }
    assert payload["verdict"] == "out_of_envelope"  # (70, 3) is below the slanted edge
    assert payload["requires_reverification"] is True
    assert payload["envelope"] == {"id": "test", "version": "1", "sha256": HULL.sha256, "family": "cranial_plate"}
    assert payload["parameters_sha256"] == params.sha256
    assert payload["manifest_id"] == "a" * 64
    span, wall = payload["results"]
    assert {"name", "value", "unit", "min", "max", "status", "margin"} <= set(span)
    assert span == {
        "name": "anatomy.defect_span",
        "value": 70,
        "unit": "mm",
        "min": 20,
        "max": 120,
        "status": "within",
        "margin": 50,
        "near_limit": None,
        "required": True,
        "measured": {"value": 70.0, "unit": "mm"},
    }
    assert wall["margin"] == 1
    (constraint,) = payload["constraints"]
    assert {"id", "status", "detail"} <= set(constraint)
    assert (constraint["id"], constraint["status"], constraint["type"]) == ("worst-cases", "violated", "hull")
    assert isinstance(constraint["detail"], str)
    assert "\n" not in constraint["detail"]


def test_decimal_results_are_json_numbers() -> None:
    result = check(SPAN_CM_MAX_18MM, _parameters(("anatomy.defect_span", 17.5, "mm")))
    (item,) = result.to_json()["results"]
    assert item["value"] == 1.75
    assert item["max"] == 1.8
    assert item["margin"] == pytest.approx(0.05)
    assert isinstance(item["margin"], float)
    missing = check(SPAN_CM_MAX_18MM, _parameters()).to_json()
    assert missing["results"][0]["value"] is None
    assert missing["results"][0]["margin"] is None
    assert missing["results"][0]["reason"] == "not in the parameters file"
    assert missing["verdict"] == "indeterminate"


# -- uncertainty: near a limit within it, and envelopes where that blocks "within" ----------------------------------


def _uncertain(value: float, uncertainty: float | None, unit: str = "mm") -> Parameters:
    return Parameters((ParameterValue("design.min_wall_thickness", value, unit, uncertainty=uncertainty),), "m" * 64)


@pytest.mark.parametrize(
    ("value", "uncertainty", "status"),
    [
        (2.5, 0.5, "near_limit"),  # the margin 0.5 is the uncertainty: the true value may be on the limit
        (2.5, 0.49, "within"),
        (7.6, 0.4, "near_limit"),  # towards the upper limit just the same
        (5.0, 0.4, "within"),
        (1.9, 0.5, "below"),  # outside is outside, whatever the uncertainty
        (8.1, 0.5, "above"),
        (2.5, None, "within"),  # no uncertainty measured: as before
        (2.5, 0.0, "within"),
    ],
)
def test_a_value_within_its_uncertainty_of_a_limit_is_near_it(
    value: float, uncertainty: float | None, status: str
) -> None:
    result = check(WALL_NO_BAND, _uncertain(value, uncertainty))
    assert result.results[0].status == status
    assert result.verdict == ("out_of_envelope" if status in ("below", "above") else "within")
    data = result.results[0].to_json()
    if uncertainty is None:
        assert "uncertainty" not in data  # old parameter files check as before, with the same JSON
    else:
        assert data["uncertainty"] == pytest.approx(uncertainty)


def test_the_uncertainty_is_converted_to_the_envelope_s_unit() -> None:
    envelope = _envelope('[[parameter]]\nname = "design.min_wall_thickness"\nunit = "cm"\nmin = 0.2\nmax = 0.8\n')
    near = check(envelope, _uncertain(2.3, 0.3))  # 0.23 cm, 0.03 cm above the limit, uncertainty 0.03 cm
    assert near.results[0].status == "near_limit"
    assert near.results[0].uncertainty == Decimal("0.03")
    assert check(envelope, _uncertain(2.31, 0.3)).results[0].status == "within"


def test_the_band_and_the_uncertainty_each_make_a_value_near_its_limit() -> None:
    assert check(WALL, _uncertain(2.3, 0.35)).results[0].status == "near_limit"  # by the uncertainty
    assert check(WALL, _uncertain(2.15, 0.01)).results[0].status == "near_limit"  # by the 0.2 band
    assert check(WALL, _uncertain(2.3, 0.01)).results[0].status == "within"


BLOCKING = _envelope(
    'near_limit_blocks_within = true\n\n[[parameter]]\nname = "design.min_wall_thickness"\nunit = "mm"\n'
    "min = 2.0\nmax = 8.0\nnear_limit = 0.2\n"
)


def test_an_envelope_may_let_near_limit_block_within() -> None:
    assert BLOCKING.near_limit_blocks_within
    assert not WALL.near_limit_blocks_within
    near = check(BLOCKING, _uncertain(2.5, 0.6))
    assert near.results[0].status == "near_limit"
    assert near.verdict == "indeterminate"  # cannot tell, to the measurement's accuracy, that the case is inside
    assert near.requires_reverification
    assert check(BLOCKING, _uncertain(2.1, None)).verdict == "indeterminate"  # by the band alike
    assert check(BLOCKING, _uncertain(5.0, 0.6)).verdict == "within"
    assert check(BLOCKING, _uncertain(1.0, 0.1)).verdict == "out_of_envelope"  # outside still wins
    # Without the option a near-limit value is reported and the case is within, as before.
    assert check(WALL, _uncertain(2.5, 0.6)).verdict == "within"
