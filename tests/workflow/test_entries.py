"""The steps' entries: what the segmentation and the check are run with."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from imaging.segment import PRESETS, SegmentParams
from workflow.entries import CheckEntries, Entries, SegmentEntries


def test_segment_entries_give_the_segmentation_parameters() -> None:
    bone = PRESETS["bone"]
    entries = SegmentEntries("bone", bone.lower_hu, 3071.0, open_upper=bone.upper_hu is None, keep_count=1)
    assert entries.params() == SegmentParams(
        lower_hu=bone.lower_hu, upper_hu=None if bone.upper_hu is None else 3071.0, preset="bone", keep_largest=1
    )
    closed = dataclasses.replace(entries, open_upper=False, upper_hu=1500.0, keep_largest=False, fill_holes=True)
    assert closed.thresholds == (bone.lower_hu, 1500.0)
    assert closed.params() == SegmentParams(
        lower_hu=bone.lower_hu, upper_hu=1500.0, preset="bone", keep_largest=None, fill_holes=True
    )
    # The upper threshold and the count are kept as entered while unused (shown again when used again).
    assert dataclasses.replace(closed, open_upper=True).upper_hu == 1500.0


def test_check_entries_give_only_the_patient_facts_given() -> None:
    assert CheckEntries().patient_facts() == {}
    entries = CheckEntries(Path("envelope.toml"), age_years=54.0)
    assert entries.patient_facts() == {"age_years": 54.0}
    assert dataclasses.replace(entries, weight_kg=71.5).patient_facts() == {"age_years": 54.0, "weight_kg": 71.5}


def test_entries_are_frozen() -> None:
    entries = Entries()
    assert entries.segment is None
    assert entries.importing.folder is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        entries.check = CheckEntries()  # type: ignore[misc]
