"""The fast header walk must read exactly what pydicom's parser reads, or step aside."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pydicom.data
import pytest

import imaging.dicom_headers as dicom_headers
from imaging.header_walk import walk_header
from imaging.sample_case import SAMPLE_CASE, SampleCase, write_sample_dicom

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PYDICOM_FILES = Path(pydicom.data.get_testdata_file("CT_small.dcm", download=False) or "").parent


def _candidates() -> list[Path]:
    files = sorted(p for p in PYDICOM_FILES.rglob("*") if p.is_file())
    if DATA.is_dir():
        files += sorted(p for p in DATA.rglob("*") if p.is_file())
    return files


def test_fast_walk_and_pydicom_give_identical_headers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    small = SampleCase(size=(32, 32, 6), spacing=SAMPLE_CASE.spacing, origin=SAMPLE_CASE.origin)
    files = _candidates() + write_sample_dicom(tmp_path, small)
    fast = [dicom_headers.read_header(p) for p in files]
    monkeypatch.setattr(dicom_headers, "walk_header", lambda _buffer: None)
    slow = [dicom_headers.read_header(p) for p in files]
    walked = 0
    for path, a, b in zip(files, fast, slow, strict=True):
        assert type(a) is type(b), path
        if isinstance(a, dicom_headers.InstanceHeader):
            assert dataclasses.asdict(a) == dataclasses.asdict(b), path
        walked += isinstance(a, dicom_headers.InstanceHeader)
    assert walked > 100  # the comparison covered real headers, not just skips


def test_walk_steps_aside_for_what_it_does_not_handle() -> None:
    big_endian = Path(pydicom.data.get_testdata_file("MR_small_bigendian.dcm", download=False) or "")
    assert walk_header(big_endian.read_bytes()) is None
    explicit = Path(pydicom.data.get_testdata_file("CT_small.dcm", download=False) or "").read_bytes()
    assert walk_header(explicit[:300]) is None  # the header goes on past the buffer: never guess
    walked = walk_header(explicit)
    assert walked is not None
    assert walked.dataset.get("Rows") == 128
