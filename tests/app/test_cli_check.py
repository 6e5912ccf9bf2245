"""The ``dvw check`` and ``dvw envelope validate`` command-line contract (CLI.md), run on real files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from validation.envelope import load_envelope
from validation.parameters import read_parameters

ENVELOPE = """# Sample envelope for the CLI tests
[envelope]
id = "cranial-plate-pekk"
version = "1.0"
family = "cranial_plate"
title = "PEKK cranial plates"
validation_report = "VR-CP-0012 rev B"
approved_by = "A. Chen, Quality"
approved_on = 2026-03-02

[[parameter]]
name = "design.min_wall_thickness"
unit = "mm"
min = 2.0
max = 8.0
near_limit = 0.2

[[parameter]]
name = "anatomy.defect_span"
unit = "cm"
min = 2
max = 12

[[parameter]]
name = "patient.age"
unit = "year"
min = 18
required = false

[[constraint]]
id = "wall-vs-span"
type = "linear"
terms = { "design.min_wall_thickness" = 1.0, "anatomy.defect_span" = -0.4 }
op = ">="
bound = 0.0
"""

CHECK_KEYS = {
    "verdict",
    "requires_reverification",
    "envelope",
    "parameters_sha256",
    "results",
    "constraints",
    "manifest_id",
}
RESULT_KEYS = {"name", "value", "unit", "min", "max", "status", "margin"}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if captured.out.strip() else {}
    return code, payload, captured.err


def _files(tmp_path: Path, values: list[dict[str, Any]], envelope: str = ENVELOPE) -> tuple[str, str]:
    envelope_path = tmp_path / "envelope.toml"
    envelope_path.write_text(envelope, encoding="utf-8")
    params_path = tmp_path / "params.json"
    params_path.write_text(json.dumps({"parameters": values, "manifest_id": ""}), encoding="utf-8")
    return str(envelope_path), str(params_path)


def _value(name: str, value: float | None, unit: str) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "method": "test", "inputs_sha256": []}


#: Each case: name, measured values, exit code, verdict, statuses of the three envelope parameters.
CASES = [
    (
        "within",
        [_value("design.min_wall_thickness", 4.0, "mm"), _value("anatomy.defect_span", 100.0, "mm")],
        0,
        "within",
        ["within", "within", "missing"],
    ),
    (
        "on the limits: wall 8 mm, span 120 mm = 12 cm",
        [_value("design.min_wall_thickness", 8.0, "mm"), _value("anatomy.defect_span", 120.0, "mm")],
        0,
        "within",
        ["near_limit", "within", "missing"],
    ),
    (
        "out of range",
        [_value("design.min_wall_thickness", 1.9, "mm"), _value("anatomy.defect_span", 40.0, "mm")],
        3,
        "out_of_envelope",
        ["below", "within", "missing"],
    ),
    (
        "constraint violated",
        [_value("design.min_wall_thickness", 2.5, "mm"), _value("anatomy.defect_span", 100.0, "mm")],
        3,
        "out_of_envelope",
        ["within", "within", "missing"],
    ),
    (
        "required value unmeasurable",
        [_value("design.min_wall_thickness", None, "mm"), _value("anatomy.defect_span", 40.0, "mm")],
        4,
        "indeterminate",
        ["missing", "within", "missing"],
    ),
]


@pytest.mark.parametrize(("case", "values", "code", "verdict", "statuses"), CASES, ids=[c[0] for c in CASES])
def test_check_exit_codes_and_json(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    case: str,
    values: list[dict[str, Any]],
    code: int,
    verdict: str,
    statuses: list[str],
) -> None:
    envelope, params = _files(tmp_path, values)
    exit_code, payload, err = _run(capsys, "check", "--envelope", envelope, "--parameters", params, "--json")
    assert exit_code == code, err
    assert set(payload) >= CHECK_KEYS
    assert payload["verdict"] == verdict
    assert payload["requires_reverification"] is (verdict != "within")
    assert payload["envelope"]["id"] == "cranial-plate-pekk"
    assert payload["envelope"]["version"] == "1.0"
    assert payload["envelope"]["sha256"] == load_envelope(envelope).sha256
    assert payload["parameters_sha256"] == read_parameters(params).sha256
    assert len(payload["manifest_id"]) == 64
    assert [r["status"] for r in payload["results"]] == statuses
    for item in payload["results"]:
        assert set(item) >= RESULT_KEYS
    assert [c["id"] for c in payload["constraints"]] == ["wall-vs-span"]
    assert set(payload["constraints"][0]) >= {"id", "status", "detail"}


def test_check_reports_values_in_the_envelope_unit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    envelope, params = _files(
        tmp_path, [_value("design.min_wall_thickness", 5.0, "mm"), _value("anatomy.defect_span", 18.0, "mm")]
    )
    code, payload, _ = _run(capsys, "check", "--envelope", envelope, "--parameters", params, "--json")
    assert code == 3  # 18 mm = 1.8 cm is below the 2 cm minimum
    span = payload["results"][1]
    assert (span["value"], span["unit"], span["min"], span["max"], span["status"]) == (1.8, "cm", 2, 12, "below")
    assert span["margin"] == pytest.approx(-0.2)
    assert span["measured"] == {"value": 18.0, "unit": "mm"}
    (constraint,) = payload["constraints"]
    assert constraint["status"] == "satisfied"  # 5 - 0.4 * 1.8 >= 0
    assert "= 4.28 >= 0" in constraint["detail"]


def test_check_human_output_is_a_table_on_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    envelope, params = _files(
        tmp_path, [_value("design.min_wall_thickness", 1.5, "mm"), _value("anatomy.defect_span", 50.0, "mm")]
    )
    code, payload, err = _run(capsys, "check", "--envelope", envelope, "--parameters", params)
    assert code == 3
    assert payload == {}
    lines = err.splitlines()
    assert any(line.split()[:2] == ["design.min_wall_thickness", "1.5"] and "BELOW" in line for line in lines)
    assert any("patient.age" in line and "missing (optional)" in line for line in lines)
    assert lines[-1].startswith("verdict: OUT OF ENVELOPE")


MALFORMED_ENVELOPES = [
    ("toml syntax", ENVELOPE.replace('op = ">="', "op = >="), "op = >=", "invalid TOML"),
    ("unknown name", ENVELOPE.replace('"patient.age"', '"patient.agee"'), '"patient.agee"', "unknown parameter name"),
    ("unit mismatch", ENVELOPE.replace('unit = "cm"', 'unit = "cm**3"'), "cm**3", "not compatible"),
    (
        "duplicate parameter",
        ENVELOPE.replace('name = "patient.age"', 'name = "anatomy.defect_span"'),
        'name = "anatomy.defect_span"#2',
        "declared twice",
    ),
    # Each of these was exit 1 (a RecursionError, ValueError or decimal.Overflow) before the safe TOML loader.
    ("deep nesting", ENVELOPE.replace("max = 8.0", "max = " + "[" * 5000 + "]" * 5000), "max = [[[", "nested more"),
    ("5000-digit integer", ENVELOPE.replace("max = 12", "max = " + "1" * 5000), "max = 111", "64 bits"),
    ("decimal overflow", ENVELOPE.replace("max = 12", "max = 1e999999999"), "max = 1e999999999", "too large"),
    ("unit out of range", ENVELOPE.replace('unit = "cm"', 'unit = "Ym**30/mm**29"'), "Ym**30", "not a usable unit"),
]


def _line(text: str, fragment: str) -> int:
    occurrence = 1
    if "#" in fragment:
        fragment, number = fragment.rsplit("#", 1)
        occurrence = int(number)
    return [i for i, line in enumerate(text.splitlines(), start=1) if fragment in line][occurrence - 1]


@pytest.mark.parametrize(
    ("case", "text", "at", "message"), MALFORMED_ENVELOPES, ids=[m[0] for m in MALFORMED_ENVELOPES]
)
def test_malformed_envelope_exits_2_with_the_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str, text: str, at: str, message: str
) -> None:
    envelope, params = _files(tmp_path, [_value("design.min_wall_thickness", 4.0, "mm")], envelope=text)
    line = _line(text, at)
    code, payload, err = _run(capsys, "check", "--envelope", envelope, "--parameters", params, "--json")
    assert code == 2
    error = payload["error"]
    assert error["code"] == "bad_envelope"
    assert error["path"] == envelope
    assert error["line"] == line
    assert error["message"].startswith(f"{envelope}:{line}: ")
    assert message in error["message"]
    assert err.count("\n") == 1
    assert "Traceback" not in err

    code, payload, err = _run(capsys, "envelope", "validate", envelope, "--json")
    assert code == 2
    assert payload["valid"] is False
    assert payload["error"]["line"] == line
    assert err.startswith(f"dvw: error: {envelope}:{line}: ")

    code, payload, err = _run(capsys, "envelope", "validate", envelope)
    assert code == 2
    assert payload == {}
    assert err.strip().startswith(f"dvw: error: {envelope}:{line}: ")


@pytest.mark.parametrize(
    ("params_text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"values": []}', "not a parameters file"),
        ('{"parameters": [{"name": "design.min_wall_thickness", "value": 3, "unit": "kg"}]}', "cannot be compared"),
        ('{"parameters": [{"name": "anatomy.defect_span", "value": 3, "unit": "lightyr"}]}', "unknown unit"),
        # Each of these was exit 1, printed Infinity in --json or was silently accepted before the safe JSON loader.
        ('{"parameters": ' + "[" * 100000 + "]" * 100000 + "}", "nested more than 64 levels"),
        ('{"parameters": [{"name": "anatomy.defect_span", "value": %s, "unit": "mm"}]}' % ("9" * 400), "64 bits"),
        ('{"parameters": [{"name": "anatomy.defect_span", "value": 3, "value": 300, "unit": "mm"}]}', "twice"),
        ('{"parameters": [{"name": "anatomy.defect_span", "value": 3, "unit": "km**999999/m**999998"}]}', "usable"),
        ('{"parameters": [{"name": "design.min_wall_thickness", "value": 1.8e307, "unit": "cm"}]}', "beyond the range"),
    ],
    ids=[
        "not json",
        "wrong shape",
        "incompatible unit",
        "unknown unit",
        "deep nesting",
        "400-digit value",
        "repeated key",
        "unit out of range",
        "beyond a double",
    ],
)
def test_malformed_parameters_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, params_text: str, message: str
) -> None:
    envelope, params = _files(tmp_path, [])
    Path(params).write_text(params_text, encoding="utf-8")
    code, payload, err = _run(capsys, "check", "--envelope", envelope, "--parameters", params, "--json")
    assert code == 2, err
    assert payload["error"]["code"] == "bad_parameters"
    assert payload["error"]["path"] == params
    assert message in payload["error"]["message"]
    assert "Traceback" not in err


def test_missing_files_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    envelope, params = _files(tmp_path, [])
    code, payload, _ = _run(capsys, "check", "--envelope", str(tmp_path / "no.toml"), "--parameters", params, "--json")
    assert (code, payload["error"]["code"]) == (2, "bad_envelope")
    code, payload, _ = _run(
        capsys, "check", "--envelope", envelope, "--parameters", str(tmp_path / "no.json"), "--json"
    )
    assert (code, payload["error"]["code"]) == (2, "bad_parameters")
    code, payload, _ = _run(capsys, "check", "--envelope", envelope, "--json")
    assert code == 2
    assert "--parameters" in payload["error"]["message"]


def test_envelope_validate_reports_the_envelope(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    envelope, _ = _files(tmp_path, [])
    code, payload, _ = _run(capsys, "envelope", "validate", envelope, "--json")
    assert code == 0
    assert {k: payload[k] for k in ("valid", "id", "version", "family", "parameters", "constraints")} == {
        "valid": True,
        "id": "cranial-plate-pekk",
        "version": "1.0",
        "family": "cranial_plate",
        "parameters": 3,
        "constraints": 1,
    }
    assert payload["sha256"] == load_envelope(envelope).sha256
    code, payload, err = _run(capsys, "envelope", "validate", envelope)
    assert code == 0
    assert payload == {}
    assert "valid envelope cranial-plate-pekk 1.0" in err
