"""Recording a design check (``records.checks.record_check``) in a real local store: the events it adds and why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from records.checks import record_check
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
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "home") as opened:
        yield opened


def test_a_first_check_creates_the_case_and_records_its_inputs(store: Store, tmp_path: Path) -> None:
    files = _files(tmp_path / "run")
    recorded = record_check(store, "CASE-1", _check_json(), files, dicom_sha256="d" * 64, source="test")
    assert recorded.recorded == ("case_created", "inputs_added", "check_run")
    assert (recorded.revision, recorded.state) == (1, "checked")
    state = store.case("CASE-1")
    assert state.inputs["dicom"] == "d" * 64
    assert set(state.inputs) == {"dicom", "volume", "mask", "anatomy", "design", "parameters", "envelope"}
    check = state.check
    assert check is not None
    assert check.payload["file_names"]["design"] == "design.bin"
    assert store.artifact_path(check.payload["artifacts"]["check"]).read_bytes() == b'{"verdict": "within"}\n'


def test_the_same_check_again_records_nothing(store: Store, tmp_path: Path) -> None:
    files = _files(tmp_path / "run")
    record_check(store, "CASE-1", _check_json(), files, dicom_sha256="d" * 64, source="test")
    events = len(store.case("CASE-1").events)
    again = record_check(store, "CASE-1", _check_json(), files, dicom_sha256="d" * 64, source="test")
    assert again.recorded == ()
    assert len(store.case("CASE-1").events) == events


def test_a_different_design_is_a_new_revision(store: Store, tmp_path: Path) -> None:
    record_check(store, "CASE-1", _check_json(), _files(tmp_path / "a"), dicom_sha256="d" * 64, source="test")
    thinner = _files(tmp_path / "b", design=b"thin plate\n")
    recorded = record_check(
        store, "CASE-1", _check_json("out_of_envelope", "p2"), thinner, dicom_sha256="d" * 64, source="test"
    )
    assert recorded.recorded == ("design_changed", "check_run")
    assert (recorded.revision, recorded.state) == (2, "needs_reverification")


def test_other_changed_inputs_are_recorded_before_the_check(store: Store, tmp_path: Path) -> None:
    record_check(store, "CASE-1", _check_json(), _files(tmp_path / "a"), dicom_sha256="d" * 64, source="test")
    recorded = record_check(
        store, "CASE-1", _check_json(), _files(tmp_path / "a"), dicom_sha256="e" * 64, source="test"
    )
    assert recorded.recorded == ("inputs_added", "check_run")
    assert recorded.revision == 1
