"""``dvw build record``, ``dvw trace where-used`` and ``dvw trace history`` (CLI.md "Production and inspection") end to
end on a real store: three signed cases with their UDIs, two devices built from one powder lot and one from
another; where-used finds exactly the devices of a lot; one device goes on through its inspection to release; the
EPCIS export holds a TransformationEvent per build and still validates against GS1's EPCIS 2.0 schema. Refusals
(an expired calibration, a malformed file, a witness sample with another number) are one line with file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker
from test_cli_inspect import TRACE, _refused, _scan_file, _skull_ring, cli  # noqa: F401 - cli is a fixture
from test_cli_sign import _record_check

from geometry.io import write_mesh
from geometry.sample_design import sample_plate
from records.store import Store

SCHEMA = Path(__file__).resolve().parents[1] / "traceability" / "data" / "EPCIS-JSON-Schema.json"
CASES = ("CP-2026-401", "CP-2026-402", "CP-2026-403")
LOT_A, LOT_B = "PK-2611-07", "PK-2612-01"

BUILD = """\
[build]
job_id = "{job}"
started = 2026-11-02T08:00:00+08:00
finished = 2026-11-02T17:30:00+08:00
operator = "eng1"
witness_sample = "{serial}"

[printer]
equipment_id = "EOS-P396-02"
calibration_due = {due}

[parameters]
name = "PEKK-standard-v3"
file = "pekk-v3.json"

[[material]]
material = "PEKK powder"
supplier = "Acme Polymers"
lot = "{lot}"
virgin_share = 0.5

[[material]]
material = "PEKK powder (reused)"
supplier = "Acme Polymers"
lot = "PK-REUSE-44"
virgin_share = 0.0

[[environment]]
quantity = "chamber oxygen"
value = 0.8
unit = "%"

[[environment]]
quantity = "chamber temperature"
value = 285.0
unit = "degC"

[placement]
position_mm = [120.0, 85.0, 40.0]
orientation_deg = [0.0, 90.0, 0.0]

[[post_processing]]
step = "depowdering"
detail = "glass bead blasting 4 bar"
"""


@pytest.fixture
def devices(cli: Any, tmp_path: Path) -> Any:  # noqa: F811 - the fixture imported above
    """Three signed cases with design and anatomy, each with its UDI; returns (cli, {code: serial})."""
    design = write_mesh(sample_plate("fitted"), tmp_path / "plate.stl")
    anatomy = write_mesh(_skull_ring(), tmp_path / "skull.stl")
    serials = {}
    for code in CASES:
        assert cli("case", "new", code, user="eng1")[0] == 0
        with Store.open(cli.home) as store:
            inputs = {
                "design": store.put_artifact(design.path, "mesh"),
                "anatomy": store.put_artifact(anatomy.path, "mesh"),
            }
            store.append("inputs_added", case_code=code, payload=inputs, by=cli.people.engineer)
        _record_check(cli.home, 4.0, cli.people.engineer, code)
        assert cli("sign", code, "--meaning", "clinical design confirmation", user="clin1")[0] == 0
        status, udi, _ = cli("udi", "assign", code, "--json", user="qa1")
        assert status == 0
        serials[code] = udi["udi_pi"]["serial"]
    (tmp_path / "pekk-v3.json").write_text('{"laser_power_w": 40, "layer_mm": 0.12}\n')
    return cli, serials


def _build_file(folder: Path, name: str, **values: str) -> Path:
    fields = {"job": "BJ-1", "due": "2027-01-31", "lot": LOT_A, **values}
    path = folder / name
    path.write_text(BUILD.format(**fields), encoding="utf-8")
    return path


def test_build_records_where_used_history_and_the_epcis_export(devices: Any, tmp_path: Path) -> None:
    dvw, serials = devices
    first, second, third = CASES

    # Refusals: one line, the file and line of the problem, nothing recorded.
    expired = _build_file(tmp_path, "expired.toml", serial=serials[first], due="2026-10-31")
    err = _refused(dvw("build", "record", first, "--file", str(expired), "--json", user="eng1"), "build_record")
    assert f"{expired}:10: printer EOS-P396-02: its calibration was due on 2026-10-31" in err
    assert "an expired calibration is refused" in err
    other = _build_file(tmp_path, "witness.toml", serial=serials[second])
    err = _refused(dvw("build", "record", first, "--file", str(other), "--json", user="eng1"), "build_record")
    assert f"{other}:6: build.witness_sample" in err
    broken = tmp_path / "broken.toml"
    broken.write_text(BUILD.format(job="BJ-1", due="2027-01-31", lot=LOT_A, serial=serials[first]).replace(
        "virgin_share = 0.5", "virgin_share = 1.5"
    ))  # fmt: skip
    err = _refused(dvw("build", "record", first, "--file", str(broken), "--json", user="eng1"), "build_record")
    assert f"{broken}:20: material.virgin_share must be between 0 and 1" in err
    not_toml = tmp_path / "notes.toml"
    not_toml.write_text("[build\njob_id = 1\n")
    _refused(dvw("build", "record", first, "--file", str(not_toml), "--json", user="eng1"), "build_record")

    # Two devices from lot A, one from lot B.
    for code, lot, job in ((first, LOT_A, "BJ-11"), (second, LOT_B, "BJ-12"), (third, LOT_A, "BJ-13")):
        path = _build_file(tmp_path, f"{code}.toml", serial=serials[code], lot=lot, job=job)
        status, out, err = dvw("build", "record", code, "--file", str(path), "--json", user="eng1")
        assert status == 0, err
        assert out["serial"] == serials[code]
        assert out["lots"] == sorted([lot, "PK-REUSE-44"])
        assert out["build"]["operator"] == {"user_id": "eng1", "printed_name": "Eve Engineer"}
        assert len(out["build"]["parameters"]["sha256"]) == 64
    again = _build_file(tmp_path, "again.toml", serial=serials[first], job="BJ-99")
    err = _refused(dvw("build", "record", first, "--file", str(again), "--json", user="eng1"), "build_record")
    assert "already has its build record" in err

    status, used, _ = dvw("trace", "where-used", "--lot", LOT_A, "--json")
    assert status == 0
    assert [(d["case_code"], d["serial"], d["job_id"]) for d in used["devices"]] == [
        (first, serials[first], "BJ-11"),
        (third, serials[third], "BJ-13"),
    ]
    assert {d["conformity"] for d in used["devices"]} == {"not_inspected"}
    assert [d["case_code"] for d in dvw("trace", "where-used", "--lot", LOT_B, "--json")[1]["devices"]] == [second]
    assert len(dvw("trace", "where-used", "--lot", "PK-REUSE-44", "--json")[1]["devices"]) == 3
    assert dvw("trace", "where-used", "--lot", "NO-SUCH-LOT", "--json")[1]["devices"] == []

    # The first device goes on: manufactured, inspected (a passing scan), released.
    for step in ("design_approved", "manufactured"):
        assert dvw("trace", "add", first, "--step", step, *TRACE, user="eng1")[0] == 0
    scan = _scan_file(tmp_path / "scan.xyz", bump=False, seed=31)
    status, inspected, err = dvw("inspect", first, "--scan", str(scan), "--json", user="qa1")
    assert status == 0, err
    for step in ("inspected", "released"):
        assert dvw("trace", "add", first, "--step", step, *TRACE, user="qa1")[0] == 0
    status, used, _ = dvw("trace", "where-used", "--lot", LOT_A, "--json")
    assert [d["conformity"] for d in used["devices"]] == ["conforming", "not_inspected"]

    status, history, _ = dvw("trace", "history", first, "--json")
    assert status == 0
    kinds = [entry["kind"] for entry in history["history"]]
    assert kinds[0] == "case_created"
    for kind in ("inputs_added", "check_run", "signature", "udi_assigned", "build_recorded", "inspection_recorded"):
        assert kind in kinds
    assert [e["summary"]["step"] for e in history["history"] if e["kind"] == "trace_event"] == [
        "design_approved",
        "manufactured",
        "inspected",
        "released",
    ]
    built = next(e for e in history["history"] if e["kind"] == "build_recorded")
    assert [m["lot"] for m in built["summary"]["materials"]] == [LOT_A, "PK-REUSE-44"]
    assert built["summary"]["printer"] == {"equipment_id": "EOS-P396-02", "calibration_due": "2027-01-31"}
    checked = next(e for e in history["history"] if e["kind"] == "inspection_recorded")
    assert checked["summary"]["result"] == "pass"
    assert checked["summary"]["report_sha256"] == inspected["report_sha256"]

    out_file = tmp_path / "trace.jsonld"
    assert dvw("trace", "export", first, "--out", str(out_file))[0] == 0
    document = json.loads(out_file.read_text(encoding="utf-8"))
    validator = Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")), format_checker=FormatChecker())
    assert [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)] == []
    events = document["epcisBody"]["eventList"]
    assert [e["type"] for e in events] == ["TransformationEvent"] + ["ObjectEvent"] * 4
    transformation = events[0]
    assert transformation["outputEPCList"] == [events[1]["epcList"][0]]
    assert transformation["inputQuantityList"] == [
        {"epcClass": f"urn:dvw:lot:Acme%20Polymers:{LOT_A}"},
        {"epcClass": "urn:dvw:lot:Acme%20Polymers:PK-REUSE-44"},
    ]
    assert transformation["eventTime"] == "2026-11-02T17:30:00+08:00"
    assert transformation["dvw:witnessSample"] == serials[first]
    assert dvw("audit", "verify", "--json")[1]["ok"] is True
