"""What a person entered for the steps, as typed frozen objects: the DICOM folder, the segmentation, the check.

The GUI's workspace holds one :class:`Entries` (the panels render from it and change it as their widgets are
edited), so that a window rebuilt in another language takes over one object, not many widget values. Values are
kept as entered, also where a step does not use them (the upper threshold while there is no upper limit, the count
of parts while all are kept), so that the panels show them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imaging.segment import SegmentParams


@dataclass(frozen=True)
class ImportEntries:
    """The import step's entries: the folder scanned for DICOM series (None: none chosen yet)."""

    folder: Path | None = None


@dataclass(frozen=True)
class SegmentEntries:
    """The segmentation step's entries.

    Attributes
    ----------
    preset
        The threshold preset chosen (:data:`imaging.segment.PRESETS`).
    lower_hu, upper_hu
        The thresholds (HU, inclusive); ``upper_hu`` is kept while ``open_upper`` is set.
    open_upper
        No upper limit: every value from ``lower_hu`` up.
    keep_largest, keep_count
        Keep only the ``keep_count`` largest connected parts (when ``keep_largest``).
    fill_holes
        Fill cavities not connected to the outside.
    preview
        Show the voxels inside the thresholds on the slices while they change.
    """

    preset: str
    lower_hu: float
    upper_hu: float
    open_upper: bool = False
    keep_largest: bool = True
    keep_count: int = 1
    fill_holes: bool = False
    preview: bool = True

    @property
    def thresholds(self) -> tuple[float, float | None]:
        """The lower and upper thresholds (HU) the step uses: no upper one with ``open_upper``."""
        return self.lower_hu, None if self.open_upper else self.upper_hu

    def params(self) -> SegmentParams:
        """The parameters of :func:`imaging.segment.segment` these entries give."""
        from imaging.segment import SegmentParams  # noqa: PLC0415 - the window opens before the cores are loaded

        lower, upper = self.thresholds
        return SegmentParams(
            lower_hu=lower,
            upper_hu=upper,
            preset=self.preset,
            keep_largest=self.keep_count if self.keep_largest else None,
            fill_holes=self.fill_holes,
        )


@dataclass(frozen=True)
class CheckEntries:
    """The check step's entries: the envelope file and the patient facts (0: not given).

    Attributes
    ----------
    envelope
        The envelope file chosen (None: none).
    age_years, weight_kg
        The patient's age (years) and weight (kg); 0 when not given.
    """

    envelope: Path | None = None
    age_years: float = 0.0
    weight_kg: float = 0.0

    def patient_facts(self) -> dict[str, Any]:
        """The patient facts given (``age_years``, ``weight_kg``), as the check's ``patient.json`` holds them."""
        facts: dict[str, Any] = {}
        if self.age_years > 0:
            facts["age_years"] = self.age_years
        if self.weight_kg > 0:
            facts["weight_kg"] = self.weight_kg
        return facts


@dataclass(frozen=True)
class Entries:
    """Everything entered for the steps; a step whose panel has not said yet is None."""

    importing: ImportEntries = field(default_factory=ImportEntries)
    segment: SegmentEntries | None = None
    check: CheckEntries = field(default_factory=CheckEntries)
