"""Recording a design check (``records.checks.record_check``) in a real local store: the events it adds and why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from people import People

from records.checks import record_check
from records.errors import CaseNotFoundError, IdentityInPayloadError
from records.store import Store


def _files(folder: Path, design: bytes = b"solid plate\n") -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    contents = {
        "volume": b"volume voxels",
        "mask": b"mask voxels",
        "anatomy": b"solid bone\n",
        "design": design,
        "parameters": b'{"parameters": []}\n',
        "check": b'{"verdict": "within"}\n',
        "envelope": b'id = "cranial"\n',
    }
    files = {}
    for name, data in contents.items():
        path = folder / f"{name}.bin"
        path.write_bytes(data)
        files[name] = path
    return files


def _check_json(verdict: str = "within", parameters: str = "p1") -> dict[str, object]:
    return {
        "verdict": verdict,
        "parameters_sha256": parameters,
        "envelope": {"id": "cranial-plate-pekk", "version": "1"},
        "manifest_id": "m1",
    }


@pytest.fixture
def people(people_home: tuple[Path, People]) -> People:
    """The signed-in users of the set-up workstation ``store`` opens."""
    return people_home[1]


@pytest.fixture
def store(people_home: tuple[Path, People]) -> Iterator[Store]:
    """A copy of a set-up workstation's store."""
    with Store.open(people_home[0]) as opened:
        yield opened


def test_a_first_check_creates_the_case_and_records_its_inputs(store: Store, people: People, tmp_path: Path) -> None:
    files = _files(tmp_path / "run")
    recorded = record_check(
        store, "CASE-1", _check_json(), files, dicom_sha256="d" * 64, source="test", by=people.engineer
    )
    assert recorded.recorded == ("case_created", "inputs_added", "check_run")
    assert (recorded.revision, recorded.state) == (1, "checked")
    state = store.case("CASE-1")
    assert [(e.kind, e.actor) for e in state.events] == [
        ("case_created", "eng1"),
        ("inputs_added", "eng1"),
        ("check_run", "eng1"),
    ]
    assert store.verify().ok  # each event attested by the engineer
    assert state.inputs["dicom"] == "d" * 64
    assert set(state.inputs) == {"dicom", "volume", "mask", "anatomy", "design", "parameters", "envelope"}
    check = state.check
    assert check is not None
    assert check.payload["file_names"]["design"] == "design.bin"
    assert store.artifact_path(check.payload["artifacts"]["check"]).read_bytes() == b'{"verdict": "within"}\n'


def test_a_check_is_recorded_whole_or_not_at_all(store: Store, people: People, tmp_path: Path) -> None:
    files = _files(tmp_path / "run")
    count = store.event_count()
    broken = {**_check_json(), "patient_name": "Doe^Jane"}  # the check_run event is refused ...
    with pytest.raises(IdentityInPayloadError):
        record_check(store, "CASE-1", broken, files, dicom_sha256="d" * 64, source="test", by=people.engineer)
    with pytest.raises(CaseNotFoundError):  # ... and so are the case_created and inputs_added before it
        store.case("CASE-1")
    assert store.event_count() == count


def test_the_same_check_again_records_nothing(store: Store, people: People, tmp_path: Path) -> None:
    files = _files(tmp_path / "run")
    eng = people.engineer
    record_check(store, "CASE-1", _check_json(), files, dicom_sha256="d" * 64, source="test", by=eng)
    events = len(store.case("CASE-1").events)
    again = record_check(store, "CASE-1", _check_json(), files, dicom_sha256="d" * 64, source="test", by=eng)
    assert again.recorded == ()
    assert len(store.case("CASE-1").events) == events


def test_a_different_design_is_a_new_revision(store: Store, people: People, tmp_path: Path) -> None:
    eng = people.engineer
    record_check(store, "CASE-1", _check_json(), _files(tmp_path / "a"), dicom_sha256="d" * 64, source="test", by=eng)
    thinner = _files(tmp_path / "b", design=b"thin plate\n")
    recorded = record_check(
        store, "CASE-1", _check_json("out_of_envelope", "p2"), thinner, dicom_sha256="d" * 64, source="test", by=eng
    )
    assert recorded.recorded == ("design_changed", "check_run")
    assert (recorded.revision, recorded.state) == (2, "needs_reverification")


def test_other_changed_inputs_are_recorded_before_the_check(store: Store, people: People, tmp_path: Path) -> None:
    eng = people.engineer
    record_check(store, "CASE-1", _check_json(), _files(tmp_path / "a"), dicom_sha256="d" * 64, source="test", by=eng)
    recorded = record_check(
        store, "CASE-1", _check_json(), _files(tmp_path / "a"), dicom_sha256="e" * 64, source="test", by=eng
    )
    assert recorded.recorded == ("inputs_added", "check_run")
    assert recorded.revision == 1
