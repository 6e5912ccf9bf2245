"""The final inspection as the window runs it (workflow.inspecting), without Qt: the inspector's password and role
are checked before the scan is measured; a passing scan is recorded as ``dvw inspect`` records it, by the inspector,
with the design's per-vertex deviation and the worst point for the colour map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from case_support import run_check, sign_in_session
from people import People, password_of

from base.progress import CancelToken, ProgressCallback
from geometry.io import write_mesh
from geometry.registration import RigidTransform
from geometry.sample_design import sample_plate
from geometry.synthetic_scan import random_rotation, synthetic_scan
from records.errors import ArtifactChangedError, RoleNotPermittedError, WrongPasswordError
from records.payloads import InspectionRecorded, read
from records.store import Store
from traceability.assignment import assign_udi
from traceability.inspection import inspections
from workflow.inspecting import (
    DEVIATION_SCALARS,
    InspectionRequest,
    InspectionShown,
    inspect_with_password,
    inspection_list,
    reopen_inspection,
)
from workflow.inspection import InspectionInputError

CODE = "CP-2026-501"


@pytest.fixture
def ready(people_home: tuple[Path, People], tmp_path: Path) -> tuple[Path, Path]:
    """A store whose case CODE (the sample plate as its design) is signed and has its UDI; a 20 k-point scan file."""
    home, people = people_home
    plate = sample_plate("fitted")
    design = write_mesh(plate, tmp_path / "plate.stl")
    with Store.open(home) as store:
        store.append("case_created", case_code=CODE, payload={"source": "test"}, by=people.engineer)
        store.append(
            "inputs_added",
            case_code=CODE,
            payload={"design": store.put_artifact(design.path, "mesh")},
            by=people.engineer,
        )
        run_check(store, 4.0, people.engineer, code=CODE)
        sign_in_session(store, people.clinician, "clinical design confirmation", code=CODE)
        assign_udi(store, CODE, by=people.quality)
    rng = np.random.default_rng(31)
    motion = RigidTransform(random_rotation(rng, flip=True), rng.uniform(-100, 100, size=3))
    scan = synthetic_scan(plate, points=20_000, noise_mm=0.02, motion=motion, seed=31)
    path = tmp_path / "scan.xyz"
    np.savetxt(path, scan.points, fmt="%.5f")
    return home, path


def test_the_inspector_is_checked_before_the_scan_is_measured_then_it_is_recorded(ready: tuple[Path, Path]) -> None:
    home, scan = ready
    measured: list[str] = []

    def run(task: object, progress: ProgressCallback, cancel: CancelToken) -> object:
        """Runs the measurement here (the window runs it in its worker process) and notes that it ran."""
        measured.append("measured")
        return task(progress, cancel)  # type: ignore[operator]

    def request(user_id: str, password: str) -> InspectionRequest:
        return InspectionRequest(home, CODE, scan, user_id, password, tolerance_mm=0.3)

    with pytest.raises(WrongPasswordError):
        inspect_with_password(request("qa1", "not-the-password"), lambda *_: None, CancelToken(), run=run)
    with pytest.raises(RoleNotPermittedError, match="role quality"):
        inspect_with_password(request("eng1", password_of("eng1")), lambda *_: None, CancelToken(), run=run)
    assert measured == []
    with Store.open(home) as store:
        assert inspections(store.case(CODE)) == []

    shown = inspect_with_password(request("qa1", password_of("qa1")), lambda *_: None, CancelToken(), run=run)
    assert measured == ["measured"]
    assert isinstance(shown, InspectionShown)
    assert shown.passed
    view = shown.view
    assert view.measured.registration["rms_mm"] < 0.03
    assert [region["name"] for region in view.measured.regions] == ["whole"]
    values = view.surface.point_data[DEVIATION_SCALARS]
    assert len(values) == len(view.surface.points)
    seen = np.isfinite(values)
    assert seen.mean() > 0.95  # the scan covers the whole plate
    assert np.abs(values[seen]).max() < 0.1
    assert abs(view.worst_mm) == pytest.approx(
        max(abs(view.measured.regions[0]["max_mm"]), abs(view.measured.regions[0]["min_mm"])), abs=1e-4
    )
    with Store.open(home) as store:
        (done,) = inspections(store.case(CODE))
    assert done.event.event_id == shown.event_id
    assert done.event.actor == "qa1"
    payload = read(done.event, InspectionRecorded)
    assert payload.result == "pass"
    assert payload.regions == view.measured.regions
    assert payload.tolerance_mm == 0.3


def test_a_recorded_inspection_is_read_back_with_its_figures_and_colour_map_hashes_checked(
    ready: tuple[Path, Path],
) -> None:
    home, scan = ready
    request = InspectionRequest(home, CODE, scan, "qa1", password_of("qa1"), tolerance_mm=0.3)
    live = inspect_with_password(request, lambda *_: None, CancelToken())
    with Store.open(home) as store:
        case = store.case(CODE)
        (listed,) = inspection_list(case)
        (done,) = inspections(case)
    assert listed == {
        "event_id": live.event_id,
        "seq": live.seq,
        "inspected_at": live.inspected_at,
        "inspector": live.inspector,
        "result": "pass",
        "revision": case.revision,
        "serial": live.serial,
    }

    again = reopen_inspection(home, CODE, live.event_id, lambda *_: None, CancelToken())
    assert (again.event_id, again.serial, again.inspector, again.passed) == (
        live.event_id,
        live.serial,
        live.inspector,
        True,
    )
    assert again.view.measured.regions == live.view.measured.regions  # the recorded figures
    assert again.view.measured.registration == live.view.measured.registration
    assert again.view.measured.scan_points == 20_000
    # The colour map drawn again from the recorded scan and registration is the one the inspection drew.
    before = live.view.surface.point_data[DEVIATION_SCALARS]
    after = again.view.surface.point_data[DEVIATION_SCALARS]
    assert np.array_equal(np.isnan(before), np.isnan(after))
    assert np.nanmax(np.abs(before - after)) < 1e-9
    assert again.view.worst_mm == pytest.approx(live.view.worst_mm, abs=1e-9)
    assert np.allclose(again.view.worst_point_mm, live.view.worst_point_mm)

    with pytest.raises(InspectionInputError, match="has no inspection"):
        reopen_inspection(home, CODE, "no-such-event", lambda *_: None, CancelToken())
    # A recorded scan changed on disk: refused by its hash.
    with Store.open(home) as store:
        stored = store.artifact_path(read(done.event, InspectionRecorded).scan_sha256)
    stored.chmod(0o644)
    with stored.open("ab") as stream:
        stream.write(b"0 0 0\n")
    with pytest.raises(ArtifactChangedError):
        reopen_inspection(home, CODE, live.event_id, lambda *_: None, CancelToken())
