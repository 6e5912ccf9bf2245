"""Ruler and angle measurements: computed in LPS mm, kept with the case as events naming who made them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from case_support import CODE, open_case, run_check, sign_in_session
from people import People

from records.identity import verify_attestation
from records.store import Store
from records.users import load_users
from workflow.measurements import (
    MEASUREMENT_RECORDED,
    MeasurementError,
    MeasurementRequest,
    case_measurements,
    measure,
    record_measurement,
)


def test_distances_and_angles() -> None:
    ruler = measure("distance", [(0.0, 0.0, 10.0), (3.0, 4.0, 10.0)], "axial", 7)
    assert (ruler.value, ruler.unit, ruler.plane, ruler.slice_index) == (5.0, "mm", "axial", 7)
    right = measure("angle", [(10.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, -7.0, 0.0)], "axial", 0)
    assert (right.value, right.unit) == (pytest.approx(90.0), "degree")
    sixty = measure("angle", [(1.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.5, 0.0, math.sqrt(3) / 2)], "coronal", 3)
    assert sixty.value == pytest.approx(60.0)
    straight = measure("angle", [(-2.0, 1.0, 1.0), (0.0, 1.0, 1.0), (5.0, 1.0, 1.0)], "sagittal", 1)
    assert straight.value == pytest.approx(180.0)
    with pytest.raises(MeasurementError, match="takes 2 points"):
        measure("distance", [(0.0, 0.0, 0.0)], "axial", 0)
    with pytest.raises(MeasurementError, match="distinct points"):
        measure("angle", [(1.0, 0.0, 0.0), (1.0, 0.0, 0.0), (2.0, 0.0, 0.0)], "axial", 0)
    with pytest.raises(MeasurementError, match="unknown"):
        measure("area", [(0.0, 0.0, 0.0)], "axial", 0)


def test_a_measurement_is_kept_with_the_case_by_its_maker_and_supersedes_nothing(
    people_home: tuple[Path, People],
) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        run_check(store, 3.0, people.engineer)  # within the test envelope
        sign_in_session(store, people.clinician, "clinical design confirmation")
        assert store.case(CODE).state == "signed"
    ruler = measure("distance", [(-70.0, 0.0, 40.0), (70.0, 0.0, 40.0)], "axial", 59)
    event_id = record_measurement(MeasurementRequest(home, CODE, ruler, "ab" * 32), people.engineer)
    with Store.open(home) as store:
        case = store.case(CODE)
        users = load_users(store)
        audit = store.verify()
    assert audit.ok, audit
    assert case.state == "signed"  # an annotation of the images: the signature stands
    assert len(case.current_signatures) == 1
    event = case.events[-1]
    assert (event.event_id, event.kind, event.actor) == (event_id, MEASUREMENT_RECORDED, "eng1")
    assert verify_attestation(users["eng1"].public_key_pem, "eng1", event)
    assert event.payload["volume_sha256"] == "ab" * 32
    kept = case_measurements(case.events)
    assert len(kept) == 1
    assert kept[0].measurement == ruler
    assert (kept[0].measurement.value, kept[0].measurement.unit, kept[0].actor) == (140.0, "mm", "eng1")
