"""Where a case's device stands (workflow.device_status), from a real store's log: no device, a UDI, built,
inspected, released; and a device that failed its inspection is nonconforming whatever else was recorded."""

from __future__ import annotations

from pathlib import Path

from case_support import CODE, open_case, run_check, sign_in_session
from inspection_support import record_passing_inspection
from people import People

from records.store import Store
from traceability.assignment import assign_udi
from traceability.build import record_build
from traceability.inspection import inspected_device, record_inspection
from traceability.trace import add_trace_event
from validation.manifest import current_manifest
from workflow.device_status import device_states, device_status

BUILD = """[build]
job_id = "BJ-9"
started = 2026-11-02T08:00:00+08:00
finished = 2026-11-02T17:30:00+08:00
operator = "eng1"
witness_sample = "{serial}"

[printer]
equipment_id = "EOS-P396-02"
calibration_due = 2027-01-31

[parameters]
name = "PEKK-standard-v3"
sha256 = "{sha}"

[[material]]
material = "PEKK powder"
supplier = "Acme"
lot = "L1"
virgin_share = 1

[placement]
position_mm = [120.0, 85.0, 40.0]
orientation_deg = [0.0, 90.0, 0.0]
"""


def _signed(store: Store, people: People, code: str) -> None:
    open_case(store, people, code)
    run_check(store, 4.0, people.engineer, code=code)
    sign_in_session(store, people.clinician, "clinical design confirmation", code=code)


def _step(store: Store, people: People, code: str, step: str) -> None:
    add_trace_event(store, code, step, where="plant 2", why=f"{step} as planned", by=people.engineer)


def test_the_device_states_follow_the_log(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    other = "CP-2026-002"
    with Store.open(home) as store:
        _signed(store, people, CODE)
        _signed(store, people, other)
        assert device_states(store.cases()) == {CODE: "none", other: "none"}

        record, _ = assign_udi(store, CODE, by=people.quality)
        assign_udi(store, other, by=people.quality)
        assert device_status(store.case(CODE)) == "assigned"
        data = BUILD.format(serial=record.udi.serial, sha="ab" * 32).encode()
        record_build(store, CODE, data, "BUILD.toml", by=people.engineer)
        assert device_status(store.case(CODE)) == "built"
        _step(store, people, CODE, "design_approved")
        _step(store, people, CODE, "manufactured")
        record_passing_inspection(store, CODE, people.quality)
        assert device_status(store.case(CODE)) == "inspected"
        _step(store, people, CODE, "inspected")
        _step(store, people, CODE, "released")
        assert device_status(store.case(CODE)) == "released"
        _step(store, people, CODE, "shipped")
        assert device_status(store.case(CODE)) == "released"

        # The other device fails its inspection: nonconforming, even with its manufactured step recorded.
        _step(store, people, other, "design_approved")
        _step(store, people, other, "manufactured")
        case = store.case(other)
        device = inspected_device(store, case, people.quality)
        record_inspection(
            store,
            case,
            device,
            result="fail",
            design_sha256=case.inputs["design"],
            scan_sha256=store.put_artifact(b"0 0 0\n", "scan"),
            scan_kind="cloud",
            scan_points=1,
            report_sha256=store.put_artifact(b'{"format": "test"}\n', "inspection_report"),
            tolerance_mm=0.3,
            registration={"rms_mm": 0.01},
            regions=[{"name": "whole", "passed": False}],
            manifest_id=current_manifest().manifest_id,
            by=people.quality,
        )
        assert device_states(store.cases()) == {CODE: "released", other: "nonconforming"}
