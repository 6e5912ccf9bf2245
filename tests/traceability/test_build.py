"""Build record files (:mod:`traceability.build`): every refusal names the file and the line at fault; a good file
gives the record the event stores (the parameter set by the SHA-256 of its file)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from records.identity import User
from traceability.build import BuildRecordError, parse_build

SERIAL = "A1B2C3D4E5"
OPERATOR = User("eng1", "Eve Engineer", "engineer", None, "pem", "0" * 64, True, "2026-01-01T00:00:00+00:00")
GOOD = f"""\
[build]
job_id = "BJ-7"
started = 2026-11-02T08:00:00+08:00
finished = 2026-11-02T17:30:00+08:00
operator = "eng1"
witness_sample = "{SERIAL}"

[printer]
equipment_id = "EOS-P396-02"
calibration_due = 2026-11-02

[parameters]
name = "PEKK-standard-v3"
sha256 = "{"ab" * 32}"

[[material]]
material = "PEKK powder"
supplier = "Acme"
lot = "L1"
virgin_share = 1

[[material]]
material = "PEKK powder"
supplier = "Acme"
lot = "L2"
virgin_share = 0.3
gtin = "09506000134352"

[placement]
position_mm = [1, 2, 3]
orientation_deg = [0, 0, 90]
"""


def _parse(text: str, folder: Path | None = None) -> object:
    return parse_build(text.encode(), "BUILD.toml", users={"eng1": OPERATOR}, serial=SERIAL, folder=folder)


def test_a_good_file_and_the_calibration_due_on_the_build_day(tmp_path: Path) -> None:
    record = parse_build(GOOD.encode(), "BUILD.toml", users={"eng1": OPERATOR}, serial=SERIAL)
    assert record.job_id == "BJ-7"
    assert [m.lot for m in record.materials] == ["L1", "L2"]
    assert record.materials[1].epc_class == "https://id.gs1.org/01/09506000134352/10/L2"
    assert record.materials[0].epc_class == "urn:dvw:lot:Acme:L1"
    assert record.position_mm == (1.0, 2.0, 3.0)
    params = tmp_path / "p.json"
    params.write_bytes(b'{"layer_mm": 0.12}')
    with_file = GOOD.replace(f'sha256 = "{"ab" * 32}"', 'file = "p.json"')
    read = parse_build(with_file.encode(), "BUILD.toml", users={"eng1": OPERATOR}, serial=SERIAL, folder=tmp_path)
    assert read.parameters_sha256 == hashlib.sha256(b'{"layer_mm": 0.12}').hexdigest()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("calibration_due = 2026-11-02", "calibration_due = 2026-11-01", "BUILD.toml:10: printer EOS-P396-02: its "),
        ("calibration_due = 2026-11-02", 'calibration_due = "soon"', "BUILD.toml:10: printer.calibration_due must"),
        ('operator = "eng1"', 'operator = "nobody"', "BUILD.toml:5: build.operator 'nobody' is not a user"),
        ("started = 2026-11-02T08:00:00+08:00", "started = 2026-11-02T08:00:00", "BUILD.toml:3: build.started must"),
        ("finished = 2026-11-02T17:30:00+08:00", "finished = 2026-11-01T17:30:00+08:00", "BUILD.toml:4: build.fini"),
        ("virgin_share = 0.3", "virgin_share = -0.3", "BUILD.toml:26: material.virgin_share must be between 0 and 1"),
        ('gtin = "09506000134352"', 'gtin = "09506000134353"', "BUILD.toml:27: "),
        ('lot = "L2"', "lot = 2", "BUILD.toml:25: material.lot must be text"),
        ("position_mm = [1, 2, 3]", "position_mm = [1, 2]", "BUILD.toml:30: placement.position_mm must be three"),
        ('job_id = "BJ-7"', 'job_id = "BJ-7"\ncolour = "red"', "BUILD.toml:3: unknown key build.colour"),
        ("[placement]", "[oven]\nx = 1\n[placement]", "BUILD.toml:29: unknown table [oven]"),
        (f'sha256 = "{"ab" * 32}"', 'file = "missing.json"', "BUILD.toml:14: parameters.file 'missing.json': no such"),
        ("[build]", "[build", "BUILD.toml"),
    ],
)
def test_refusals_name_the_line(old: str, new: str, message: str, tmp_path: Path) -> None:
    assert old in GOOD
    with pytest.raises(BuildRecordError) as raised:
        _parse(GOOD.replace(old, new, 1), tmp_path)
    assert raised.value.message.startswith(message), raised.value.message
    assert "\n" not in raised.value.message
