"""Load-case files: the sample parses to DVW's units; every refusal names the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mechanics.errors import LoadCaseError
from mechanics.loadcases import load_load_cases, parse_load_cases

SAMPLE = Path("resources/load_cases/cranial-plate-pekk.toml")


def _sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def _line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def test_the_sample_load_cases_read_in_mpa_newton_and_mm() -> None:
    cases = load_load_cases(SAMPLE)
    assert cases.id == "cranial-plate-pekk"
    assert cases.family == "cranial_plate"
    assert cases.material.youngs_modulus_mpa == pytest.approx(3000.0)
    assert cases.material.yield_strength_mpa == pytest.approx(60.0)
    assert cases.material.poisson_ratio == pytest.approx(0.38)
    assert cases.material.source
    assert cases.mesh_size_mm == pytest.approx(2.5)
    assert [s.distance_mm for s in cases.supports] == [pytest.approx(27.0)]
    (load,) = cases.loads
    assert (load.kind, load.magnitude, load.unit, load.radius_mm, load.point) == ("force", 200.0, "N", 10.0, "centre")
    assert len(cases.sha256) == 64


def test_units_are_converted() -> None:
    text = _sample_text().replace('"3.0 GPa"', '"3000000 kPa"').replace('"200 N"', '"0.2 kN"')
    text = text.replace('distance = "27 mm"', 'distance = "2.7 cm"')
    cases = parse_load_cases(text)
    assert cases.material.youngs_modulus_mpa == pytest.approx(3000.0)
    assert cases.loads[0].magnitude == pytest.approx(200.0)
    assert cases.supports[0].distance_mm == pytest.approx(27.0)


@pytest.mark.parametrize(
    ("old", "new", "line_start", "words"),
    [
        ('youngs_modulus = "3.0 GPa"', "youngs_modulus = 3000", "youngs_modulus", "has no unit"),
        ('force = "200 N"', 'force = "200"', "force", "has no unit"),
        ('distance = "27 mm"', 'distance = "27 MPa"', "distance", "not a length unit"),
        ('yield_strength = "60 MPa"\n', "", "[material]", "no yield_strength"),
        ("poisson_ratio = 0.38", "poisson_ratio = 0.5", "poisson_ratio", "0.5"),
        ('kind = "force"', 'kind = "torque"', "kind", "force"),
        ('point = "centre"\nradius', "point = [1.0, 2.0, 3.0]\nradius", "point = [", "no unit"),
        ('region = "beyond"', 'region = "beyond"\ncolour = "red"', "colour", "unknown key 'colour'"),
    ],
)
def test_a_bad_entry_is_refused_with_its_file_and_line(old: str, new: str, line_start: str, words: str) -> None:
    text = _sample_text()
    assert old in text
    bad = text.replace(old, new, 1)
    with pytest.raises(LoadCaseError) as caught:
        parse_load_cases(bad, path="family.toml")
    message = str(caught.value)
    assert message.startswith(f"family.toml:{_line_of(bad, line_start)}: "), message
    assert words in message
    assert "\n" not in message


def test_a_file_without_loads_or_supports_is_refused() -> None:
    text = _sample_text()
    without_loads = text[: text.index("[[load]]")]
    with pytest.raises(LoadCaseError, match=r"at least one \[\[load\]\]"):
        parse_load_cases(without_loads)
    assert parse_load_cases(text).loads


def test_a_point_with_its_unit_is_read_in_mm() -> None:
    text = _sample_text().replace('point = "centre"\nradius', 'point = [1.0, 2.0, 3.0]\npoint_unit = "cm"\nradius')
    assert parse_load_cases(text).loads[0].point == (10.0, 20.0, 30.0)
