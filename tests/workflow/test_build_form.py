"""The build record's entry form (:mod:`workflow.build_recording`): written as the build record file and read by the
same reader as ``dvw build record``; each refusal names the field at fault; a file fills the form it would record."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from records.identity import User
from traceability.build import BuildRecord, BuildRecordError, parse_build
from workflow.build_recording import BuildForm, form_from_file, form_toml

SERIAL = "A1B2C3D4E5"
OPERATOR = User("eng1", "Eve Engineer", "engineer", None, "pem", "0" * 64, True, "2026-01-01T00:00:00+00:00")


def _form(parameters: Path) -> BuildForm:
    return BuildForm(
        job_id="BJ-7",
        started="2026-11-02T08:00:00+08:00",
        finished="2026-11-02T17:30:00+08:00",
        operator="eng1",
        witness_sample=SERIAL,
        equipment_id="EOS-P396-02",
        calibration_due="2026-11-02",
        parameter_set="PEKK-standard-v3",
        parameters_file=str(parameters),
        materials=(
            ("PEKK powder", "Acme", "L1", "1", ""),
            ('PEKK "fine" powder', "Acme 株式会社", "L2", "0.3", "09506000134352"),
        ),
        environment=(("chamber oxygen", "0.8", "%"), ("chamber temperature", "215", "°C")),
        position_mm=("120", "85.5", "40"),
        orientation_deg=("0", "90", "0"),
        post_processing=(("depowdering", "glass bead blasting 4 bar"), ("annealing", "")),
    )


def _read(form: BuildForm) -> BuildRecord:
    return parse_build(form_toml(form).encode(), "form", users={"eng1": OPERATOR}, serial=SERIAL)


@pytest.fixture
def parameters(tmp_path: Path) -> Path:
    path = tmp_path / "pekk-v3.json"
    path.write_bytes(b'{"layer_um": 120, "laser_w": 42}\n')
    return path


def test_a_filled_form_reads_as_the_record_with_the_parameter_file_hashed(parameters: Path) -> None:
    record = _read(_form(parameters))
    assert record.job_id == "BJ-7"
    assert record.started.isoformat() == "2026-11-02T08:00:00+08:00"
    assert record.calibration_due.isoformat() == "2026-11-02"
    assert record.parameters_sha256 == hashlib.sha256(parameters.read_bytes()).hexdigest()
    assert [(m.material, m.supplier, m.lot, m.virgin_share, m.gtin) for m in record.materials] == [
        ("PEKK powder", "Acme", "L1", 1.0, None),
        ('PEKK "fine" powder', "Acme 株式会社", "L2", 0.3, "09506000134352"),
    ]
    assert record.environment == (("chamber oxygen", 0.8, "%"), ("chamber temperature", 215.0, "°C"))
    assert record.position_mm == (120.0, 85.5, 40.0)
    assert record.orientation_deg == (0.0, 90.0, 0.0)
    assert record.post_processing == (("depowdering", "glass bead blasting 4 bar"), ("annealing", None))


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"calibration_due": "2026-11-01"}, "printer.0.calibration_due", "an expired calibration is refused"),
        ({"job_id": "  "}, "build.0.job_id", "build.job_id must be text"),
        ({"operator": "nobody"}, "build.0.operator", "'nobody' is not a user of this workstation"),
        ({"witness_sample": "X"}, "build.0.witness_sample", "must carry the device's number"),
        ({"finished": "2026-11-01T17:30:00+08:00"}, "build.0.finished", "earlier than build.started"),
        ({"started": "this morning"}, "build.0.started", "must be a date and time with its zone"),
        ({"parameters_file": ""}, "parameters.0.", "needs either file"),
        ({"materials": (("PEKK", "Acme", "L1", "half", ""),)}, "material.0.virgin_share", "must be a number"),
        ({"materials": (("PEKK", "Acme", "L1", "1.5", ""),)}, "material.0.virgin_share", "between 0 and 1"),
        ({"materials": (("PEKK", "Acme", "L1", "1", ""), ("PEKK", "Acme", "", "1", ""))}, "material.1.lot", "text"),
        ({"materials": ()}, "material.0.", "at least one [[material]]"),
        ({"environment": (("oxygen", "0.8", ""),)}, "environment.0.unit", "environment.unit must be text"),
        ({"environment": (("oxygen", "n/a", "%"),)}, "environment.0.value", "must be a number"),
        ({"position_mm": ("1", "x", "3")}, "placement.0.position_mm", "must be three numbers"),
        ({"post_processing": (("", "by hand"),)}, "post_processing.0.step", "post_processing.step must be text"),
    ],
)
def test_each_refusal_names_its_field(parameters: Path, change: dict[str, object], field: str, reason: str) -> None:
    with pytest.raises(BuildRecordError) as raised:
        _read(replace(_form(parameters), **change))  # type: ignore[arg-type]
    assert raised.value.field == field
    assert reason in raised.value.reason
    assert raised.value.message.startswith("form:")
    assert raised.value.message.endswith(raised.value.reason)


def test_a_file_fills_the_form_it_would_record(parameters: Path, tmp_path: Path) -> None:
    form = _form(parameters)
    file = tmp_path / "BUILD.toml"
    file.write_text(form_toml(form).replace(str(parameters), parameters.name), encoding="utf-8")
    loaded = form_from_file(file)
    assert loaded.parameters_file == str(parameters)  # resolved beside the file, as the command line does
    assert _read(loaded) == _read(form)
    assert loaded.materials[1] == ('PEKK "fine" powder', "Acme 株式会社", "L2", "0.3", "09506000134352")
    assert loaded.post_processing[1] == ("annealing", "")
    broken = tmp_path / "broken.toml"
    broken.write_text("[build\njob_id = 1\n", encoding="utf-8")
    with pytest.raises(BuildRecordError, match=r"broken\.toml"):
        form_from_file(broken)
    with pytest.raises(BuildRecordError, match="no such file"):
        form_from_file(tmp_path / "missing.toml")
