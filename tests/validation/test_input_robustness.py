"""Hostile TOML and JSON input: every reader refuses it as bad input with one line naming the file, never a crash.

Each case below crashed (exit 1), hung on the input's size, printed non-JSON, or was silently accepted before
the readers went through :mod:`base.safe_load`; the units and the check were hardened for extreme but finite
numbers at the same time.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from base.safe_load import DataFileError, decode_text, load_json, parse_json, parse_toml, read_text
from validation.check import DOUBLE_MAX, check, hull_distance
from validation.envelope import load_envelope, parse_envelope
from validation.errors import EnvelopeError, ParameterFileError, UnitError
from validation.parameters import Parameters, ParameterValue, read_parameters
from validation.units import convert, parse_unit

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "envelopes" / "cranial-plate-pekk.toml"
UNITS = {"design.min_wall_thickness": "mm", "anatomy.defect_span": "mm", "design.extent_max": "mm"}
HEAD = """[envelope]
id = "test"
version = "1"
family = "cranial_plate"
title = "test envelope"
validation_report = "VR-1"
approved_by = "QA"
approved_on = 2026-01-01
"""
WALL = '[[parameter]]\nname = "design.min_wall_thickness"\nunit = "mm"\nmin = 2.0\nmax = 8.0\n'


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _refused(code: int, out: str, err: str, path: Path, *, as_json: bool = True) -> dict[str, Any]:
    """Assert exit 2 with one line naming ``path``; return the JSON error object."""
    assert code == 2, err
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("dvw: error: ")
    assert str(path) in lines[0]
    if not as_json:
        return {}
    error: dict[str, Any] = json.loads(out)["error"]
    assert error["path"] == str(path)
    assert str(path) in error["message"]
    return error


# -- the loader -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[" * 5000 + "]" * 5000, 1, "nested more than 64 levels deep"),
        ('{\n "a":\n' + '{"a": ' * 70 + "1" + "}" * 71, 3, "nested more than 64 levels deep"),
        ('{"a": 1,\n "b": ' + "9" * 5000 + "}", 2, "does not fit in 64 bits"),
        ('{"a": 9223372036854775808}', 1, "does not fit in 64 bits"),
        ('{"a": 1,\n\n "b": 1e999}', 3, "too large"),
        ('{"a": "NaN",\n "b": NaN}', 2, "NaN is not allowed"),
        ('{"a": -Infinity}', 1, "-Infinity is not allowed"),
        ('{"a": 1e-400}', 1, "too small"),
        ('{"a": 1,\n "b": x}', 2, "not valid JSON"),
    ],
    ids=["deep arrays", "deep objects", "5000 digits", "2**63", "1e999", "NaN", "Infinity", "underflow", "syntax"],
)
def test_json_refusals_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(DataFileError) as raised:
        parse_json(text, source="p.json", what="parameters file")
    assert raised.value.line == line
    assert raised.value.message.startswith(f"p.json:{line}: ")
    assert message in raised.value.message
    assert raised.value.path == "p.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"value": 1, "value": 2}', 'the key "value" appears twice'),
        ('{"name": "x\\ud800"}', "lone surrogate"),
        ('{"\\udfff": 1}', "lone surrogate"),
    ],
    ids=["repeated key", "lone surrogate", "lone surrogate key"],
)
def test_json_refusals_without_a_line(text: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        parse_json(text, source="p.json")


def test_json_keeps_what_is_valid() -> None:
    numbers = "1, -2.5, 9223372036854775807, -9223372036854775808, 5e-324, 1.7976931348623157e308"
    text = '{"a": [%s], "b": "\\ud83d\\ude00"}' % numbers  # noqa: UP031
    assert parse_json(text) == {
        "a": [1, -2.5, 2**63 - 1, -(2**63), 5e-324, 1.7976931348623157e308],
        "b": "\U0001f600",
    }
    assert parse_json("[" * 64 + "]" * 64) is not None


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a = 1\nx = " + "[" * 5000 + "]" * 5000, 2, "nested more than 64 levels deep"),
        ("x = " + "{a = " * 2000 + "1" + "}" * 2000, 1, "nested more than 64 levels deep"),
        ("a = 1\nb = " + "9" * 5000, 2, "does not fit in 64 bits"),
        ("a = 1\nb = 9223372036854775808", 2, "does not fit in 64 bits"),
        ("a = 1\nb = 0x" + "f" * 17, 2, "does not fit in 64 bits"),
        ("a = 1\nb = 1e999999999", 2, "too large"),
        ("a = 1\nb = [1.0, -inf]", 2, "-inf (infinity) is not allowed"),
        ("a = 1\nb = nan", 2, "nan (not a number) is not allowed"),
        ("a = 1\nb = 1e-999", 2, "too small"),
        ('a = 1\nb = "x', 2, "invalid TOML"),
    ],
    ids=["deep arrays", "deep tables", "5000 digits", "2**63", "hex", "1e999", "inf", "nan", "underflow", "syntax"],
)
def test_toml_refusals_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(DataFileError) as raised:
        parse_toml(text, source="e.toml", what="envelope file", parse_float=Decimal)
    assert raised.value.line == line
    assert raised.value.message.startswith(f"e.toml:{line}: ")
    assert message in raised.value.message


@pytest.mark.parametrize(
    "text",
    [
        "x = 1\n" + ".".join(["a"] * 65) + " = 1\n",
        "x = 1\n" + ".".join(['"a"'] * 20000) + " = 1\n",  # tomllib alone: 8 s and 1.5 GB for these 80 kB
        "x = 1\n[" + " . ".join(["a"] * 100) + "]\n",
        "x = 1\n[[" + ".".join(["a"] * 100) + "]]\n",
        "x = 1\ny = {" + ".".join(["a"] * 100) + " = 1}\n",
    ],
    ids=["dotted key", "long quoted dotted key", "table header", "array of tables", "inline table"],
)
def test_toml_nesting_without_brackets_is_refused_before_parsing(text: str) -> None:
    with pytest.raises(DataFileError, match="nested more than 64 levels deep") as raised:
        parse_toml(text, source="e.toml")
    assert raised.value.line == 2  # found on the text, before tomllib spends time and memory on it


def test_toml_nesting_is_checked_on_the_document_too() -> None:
    # 40 tables by headers, 30 more by the dotted key: each part stays within the limit, the whole does not.
    text = "[" + ".".join(["a"] * 40) + "]\n" + ".".join(["b"] * 30) + " = 1\n"
    with pytest.raises(DataFileError, match="nested more than 64 levels deep") as raised:
        parse_toml(text, source="e.toml")
    assert raised.value.line is None
    assert parse_toml(".".join(["a"] * 63) + " = [1.5, 2.5, 07:32:00.999]\n") is not None


def test_toml_brackets_in_strings_and_comments_do_not_count() -> None:
    text = 'a = "' + "[" * 100 + '"  # ' + "{" * 100 + "\nb = '''\n" + "[" * 100 + "\n'''\nc = [[1], [2]]\n"
    assert parse_toml(text)["c"] == [[1], [2]]


def test_text_decoding(tmp_path: Path) -> None:
    assert decode_text(b"\xef\xbb\xbf{}") == "{}"  # one UTF-8 byte-order mark is dropped
    with pytest.raises(DataFileError, match="UTF-16 or UTF-32") as raised:
        decode_text("{}".encode("utf-16"), source="p.json", what="patient file")
    assert raised.value.line == 1
    with pytest.raises(DataFileError, match="cannot read byte 0xe9") as raised:
        decode_text(b'{\n"a": "Pr\xe9"}', source="p.json")
    assert raised.value.line == 2
    with pytest.raises(DataFileError, match="no such patient file"):
        read_text(tmp_path / "absent.json", what="patient file", max_bytes=10)
    with pytest.raises(DataFileError, match="cannot read patient file"):
        read_text(tmp_path, what="patient file", max_bytes=10)


def test_size_limit_refuses_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as fp:  # a sparse file: 4 GiB that are never read
        fp.truncate(4 * 1024**3)
    with pytest.raises(DataFileError, match=r"too large: 4294967296 bytes \(at most 1000 accepted\)"):
        load_json(big, what="patient file", max_bytes=1000)


def test_size_limit_holds_for_a_device(tmp_path: Path) -> None:
    zero = Path("/dev/zero")
    if not zero.exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(DataFileError, match="too large: more than 1000 bytes"):
        read_text(zero, what="patient file", max_bytes=1000)


# -- envelopes ------------------------------------------------------------------------------------------------------

BAD_ENVELOPES = [
    ("decimal overflow", WALL.replace("max = 8.0", "max = 1e999999999"), "too large"),
    ("5000-digit integer", WALL.replace("max = 8.0", "max = " + "9" * 5000), "does not fit in 64 bits"),
    ("integer beyond 64 bits", WALL.replace("max = 8.0", "max = 9223372036854775808"), "64 bits"),
    ("underflow", WALL.replace("min = 2.0", "min = 1e-999999"), "too small"),
    ("deep array", WALL + "points = " + "[" * 3000 + "]" * 3000 + "\n", "nested more than"),
    ("deep inline table", WALL + "terms = " + "{a = " * 3000 + "1" + "}" * 3000, "nested more than"),
    ("unit overflow", WALL.replace('unit = "mm"', 'unit = "km**999999/m**999998"'), "not a usable unit"),
    ("unit recursion", WALL.replace('unit = "mm"', 'unit = "' + "mm*" * 2000 + 'mm"'), "characters long"),
    ("unit too big", WALL.replace('unit = "mm"', 'unit = "Ym**30/mm**29"'), "not a usable unit"),
]


@pytest.mark.parametrize(("case", "body", "message"), BAD_ENVELOPES, ids=[c[0] for c in BAD_ENVELOPES])
def test_bad_envelopes_are_refused_with_the_file(tmp_path: Path, case: str, body: str, message: str) -> None:
    path = tmp_path / "e.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(EnvelopeError, match=message) as raised:
        load_envelope(path, UNITS)
    assert raised.value.message.startswith(f"{path}:")
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"parameters": [{"name": "design.min_wall_thickness", "value": 3, "unit": "mm"}]}))
    error = _refused(*_run("envelope", "validate", str(path), "--json"), path)
    assert error["code"] == "bad_envelope"
    error = _refused(*_run("check", "--envelope", str(path), "--parameters", str(params), "--json"), path)
    assert error["code"] == "bad_envelope"
    _refused(*_run("check", "--envelope", str(path), "--parameters", str(params)), path, as_json=False)


def test_envelope_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SAMPLE.read_bytes())
    assert load_envelope(path).sha256 == load_envelope(SAMPLE).sha256


def test_oversized_envelope_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_bytes(SAMPLE.read_bytes() + b"#" * (1024 * 1024))
    error = _refused(*_run("envelope", "validate", str(path), "--json"), path)
    assert "too large" in error["message"]


# -- parameters files -----------------------------------------------------------------------------------------------


def _params(value: str, unit: str = "mm", name: str = "design.min_wall_thickness") -> str:
    return '{"parameters": [{"name": "%s", "unit": "%s", "value": %s}]}' % (name, unit, value)  # noqa: UP031


BAD_PARAMETERS = [
    ("deep nesting", '{"parameters": ' + "[" * 100000 + "]" * 100000 + "}", "nested more than"),
    ("5000-digit value", _params("9" * 5000), "does not fit in 64 bits"),
    ("400-digit value", _params("9" * 400), "does not fit in 64 bits"),
    ("repeated key", _params('1, "value": 3'), 'the key "value" appears twice'),
    ("lone surrogate", _params("3", name="design.min_wall_thickness\\ud800"), "lone surrogate"),
    ("unit recursion", _params("3", unit="mm*" * 2000 + "mm"), "characters long"),
    ("unit overflow", _params("3", unit="km**999999/m**999998"), "not a usable unit"),
    ("converted beyond a double", _params("1.797693134862316e+307", unit="cm"), "beyond the range"),
    ("oversized", _params("3") + " " * (1024 * 1024), "too large"),
    ("location of two numbers", _params('3, "location": [1, 2]'), "location must be a list of 3 finite numbers"),
    ("location of text", _params('3, "location": ["1", 2, 3]'), "location must be a list of 3 finite numbers"),
    ("location a boolean", _params('3, "location": [true, 2, 3]'), "location must be a list of 3 finite numbers"),
    ("negative uncertainty", _params('3, "uncertainty": -0.1'), "uncertainty must be a finite number >= 0"),
    ("uncertainty as text", _params('3, "uncertainty": "0.1"'), "uncertainty must be a finite number >= 0"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD_PARAMETERS, ids=[c[0] for c in BAD_PARAMETERS])
def test_bad_parameters_are_refused_with_the_file(tmp_path: Path, case: str, text: str, message: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    error = _refused(*_run("check", "--envelope", str(SAMPLE), "--parameters", str(path), "--json"), path)
    assert error["code"] == "bad_parameters"
    assert message in error["message"]
    _refused(*_run("check", "--envelope", str(SAMPLE), "--parameters", str(path)), path, as_json=False)


def test_parameters_with_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(b"\xef\xbb\xbf" + _params("3").encode())
    assert read_parameters(path).get("design.min_wall_thickness") == ParameterValue(
        "design.min_wall_thickness", 3.0, "mm"
    )


def test_a_place_and_an_uncertainty_read_back(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(_params('3, "location": [1, -2.5, 700], "uncertainty": 0.25'), encoding="utf-8")
    value = read_parameters(path).get("design.min_wall_thickness")
    assert value == ParameterValue(
        "design.min_wall_thickness", 3.0, "mm", location=(1.0, -2.5, 700.0), uncertainty=0.25
    )
    assert value.to_json()["location"] == [1.0, -2.5, 700.0]
    assert value.to_json()["uncertainty"] == 0.25


def test_shape_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"parameters": [{"name": "x", "value": "3"}]}', encoding="utf-8")
    with pytest.raises(ParameterFileError) as raised:
        read_parameters(path)
    assert raised.value.message == f"{path}: parameters[0] (x): value must be a number or null"
    assert raised.value.path == str(path)


# -- patient files --------------------------------------------------------------------------------------------------

BAD_PATIENTS = [
    ("deep nesting", '{"age_years": ' + "[" * 30000 + "]" * 30000 + "}", "nested more than"),
    ("5000-digit age", '{"age_years": ' + "9" * 5000 + "}", "does not fit in 64 bits"),
    ("400-digit age", '{"age_years": ' + "9" * 400 + "}", "does not fit in 64 bits"),
    ("infinite weight", '{"age_years": 40, "weight_kg": 1e999}', "too large"),
    ("repeated key", '{"age_years": 40, "age_years": 12}', "appears twice"),
    ("oversized", '{"age_years": 40}' + " " * 70000, "too large"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD_PATIENTS, ids=[c[0] for c in BAD_PATIENTS])
def test_bad_patient_files_are_refused_with_the_file(tmp_path: Path, case: str, text: str, message: str) -> None:
    path = tmp_path / "patient.json"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "params.json"
    error = _refused(*_run("measure", "--patient", str(path), "--out", str(out), "--json"), path)
    assert error["code"] == "bad_measurement_input"
    assert message in error["message"]
    assert not out.exists()


def test_patient_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "patient.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"age_years": 40}')
    out = tmp_path / "params.json"
    code, _, err = _run("measure", "--patient", str(path), "--out", str(out))
    assert code == 0, err
    assert read_parameters(out).get("patient.age") is not None


# -- units and the check on extreme but finite numbers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        ("mm*" * 2000 + "mm", "characters long"),
        ("km**999999/m**999998", "not a usable unit"),
        ("Ym**30/mm**29", "not a usable unit"),
        ("ym**30/mm**29", "not a usable unit"),
        ("mm**(2**2**2**2**2)", "not a usable unit"),
    ],
)
def test_units_out_of_range_are_refused(unit: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        parse_unit(unit)


def test_usable_extreme_units_still_convert() -> None:
    assert convert(1, "Ym", "mm") == Decimal("1e27")
    assert convert(1, "ym", "mm") == Decimal("1e-21")
    assert convert(Decimal(1), "mm**2/mm", "mm") == 1


def _envelope(body: str) -> Any:
    return parse_envelope(HEAD + body, "", UNITS)


def _check_json(envelope: Any, *values: tuple[str, float, str]) -> dict[str, Any]:
    parameters = Parameters(tuple(ParameterValue(n, v, u) for n, v, u in values))
    payload = check(envelope, parameters).to_json()
    json.loads(json.dumps(payload), parse_constant=lambda name: pytest.fail(f"{name} in the check's JSON"))
    return payload


def test_margins_beyond_a_double_are_saturated_not_infinite() -> None:
    envelope = _envelope('[[parameter]]\nname = "design.min_wall_thickness"\nunit = "mm"\nmin = 1.7e308\n')
    payload = _check_json(envelope, ("design.min_wall_thickness", -1.7e308, "mm"))
    assert payload["verdict"] == "out_of_envelope"
    assert payload["results"][0]["margin"] == -float(DOUBLE_MAX)


def test_linear_excess_beyond_a_double_is_saturated() -> None:
    envelope = _envelope(
        WALL + '[[constraint]]\nid = "c"\ntype = "linear"\nterms = { "design.min_wall_thickness" = 1e308 }\n'
        'op = "<="\nbound = 0\n'
    )
    payload = _check_json(envelope, ("design.min_wall_thickness", 10.0, "mm"))
    assert payload["constraints"][0]["status"] == "violated"
    assert payload["constraints"][0]["distance"] == float(DOUBLE_MAX)
    assert "= 1000000000" in payload["constraints"][0]["detail"]  # the exact left-hand side, spelt out


def test_hull_far_outside_tiny_validated_ranges() -> None:
    # Two worst cases 1e-300 apart: a point 3 mm away is 3e300 ranges out, which a double still holds but the
    # linear program's arithmetic does not; 1e308 mm away it would overflow a double.
    points = [[Decimal(20), Decimal("1e-300")], [Decimal(20), Decimal("2e-300")]]
    assert hull_distance(points, [Decimal(20), Decimal(3)]) == pytest.approx(3e300)
    assert hull_distance(points, [Decimal(20), Decimal("1e308")]) == float(DOUBLE_MAX)
    assert hull_distance(points, [Decimal("1e308"), Decimal("1e-300")]) == pytest.approx(1e308 / 20)
    envelope = _envelope(
        WALL.replace("max = 8.0", "max = 1e300")
        + '[[parameter]]\nname = "anatomy.defect_span"\nunit = "mm"\nmin = 0\n'
        + '[[constraint]]\nid = "h"\ntype = "hull"\nparameters = ["anatomy.defect_span", "design.min_wall_thickness"]\n'
        + "points = [[20.0, 3.0], [20.0, 3.0000000000001]]\n"
    )
    payload = _check_json(envelope, ("design.min_wall_thickness", 1e300, "mm"), ("anatomy.defect_span", -1e308, "mm"))
    assert payload["constraints"][0]["status"] == "violated"
    assert math.isfinite(payload["constraints"][0]["distance"])
