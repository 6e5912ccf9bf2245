"""Measurements on the slices: a ruler (distance) and an angle, kept with the case as events naming who made them.

A measurement is made from points the user placed on a slice, in patient LPS millimetres (the window converts its
clicks; :func:`measure` computes). Recording (:func:`record_measurement`) appends a ``measurement_recorded`` event
to the case, attested by the signed-in user; it is an annotation of the images, not a change of the design, so it
supersedes no check and no signature. :func:`case_measurements` reads them back from a case's events.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.errors import DvwError
from base.progress import CancelToken, ProgressCallback, checkpoint, report

if TYPE_CHECKING:
    from records.events import Event
    from records.users import Session

#: The event kind of a recorded measurement.
MEASUREMENT_RECORDED = "measurement_recorded"
#: Points each kind of measurement takes (an angle's vertex is the middle point) and the unit of its value.
KINDS: Mapping[str, tuple[int, str]] = {"distance": (2, "mm"), "angle": (3, "degree")}

#: The ``plane`` of a distance measured between two points picked on the surfaces in the 3D view (its
#: ``slice_index`` is -1).
DISTANCE_3D_PLANE = "3d"

Point = tuple[float, float, float]


class MeasurementError(DvwError):
    """A measurement that cannot be made (wrong number of points, coincident points)."""

    code = "bad_measurement"


@dataclass(frozen=True)
class SliceMeasurement:
    """A distance or an angle measured on one slice.

    Attributes
    ----------
    kind
        ``distance`` or ``angle``.
    points_lps_mm
        The points placed, patient LPS mm: two for a distance, three for an angle (its vertex in the middle).
    value
        The distance in mm or the angle in degrees (0 to 180).
    unit
        ``mm`` or ``degree``.
    plane, slice_index
        The view and slice they were placed on (``axial``, ``coronal``, ``sagittal``; a 0-based index), or
        :data:`DISTANCE_3D_PLANE` and -1 for a distance between two points picked on the surfaces in the 3D view.
    """

    kind: str
    points_lps_mm: tuple[Point, ...]
    value: float
    unit: str
    plane: str
    slice_index: int

    def to_json(self) -> dict[str, Any]:
        """The event payload's measurement fields."""
        return {
            "kind": self.kind,
            "value": self.value,
            "unit": self.unit,
            "points_lps_mm": [list(p) for p in self.points_lps_mm],
            "plane": self.plane,
            "slice_index": self.slice_index,
        }


def _vector(a: Point, b: Point) -> tuple[float, float, float]:
    return (b[0] - a[0], b[1] - a[1], b[2] - a[2])


def _norm(v: tuple[float, float, float]) -> float:
    return math.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)


def measure(kind: str, points: Sequence[Sequence[float]], plane: str, slice_index: int) -> SliceMeasurement:
    """Measure a distance (two points) or an angle (three, the vertex in the middle) in patient LPS mm.

    Raises
    ------
    MeasurementError
        For an unknown kind, the wrong number of points, or an angle with a side of zero length.
    """
    if kind not in KINDS:
        raise MeasurementError(f"unknown measurement {kind!r}: use distance or angle")
    needed, unit = KINDS[kind]
    placed = tuple((float(p[0]), float(p[1]), float(p[2])) for p in points)
    if len(placed) != needed or any(len(p) != 3 for p in points):
        raise MeasurementError(f"a {kind} takes {needed} points in LPS mm, got {len(placed)}")
    if not all(math.isfinite(c) for p in placed for c in p):
        raise MeasurementError(f"a {kind}'s points must be finite")
    if kind == "distance":
        value = _norm(_vector(placed[0], placed[1]))
    else:
        first, second = _vector(placed[1], placed[0]), _vector(placed[1], placed[2])
        lengths = _norm(first) * _norm(second)
        if lengths == 0.0:
            raise MeasurementError("an angle's sides must have a length: place three distinct points")
        cosine = sum(a * b for a, b in zip(first, second, strict=True)) / lengths
        value = math.degrees(math.acos(max(-1.0, min(1.0, cosine))))
    return SliceMeasurement(kind, placed, value, unit, plane, int(slice_index))


@dataclass(frozen=True)
class MeasurementRequest:
    """A measurement to record in case ``code`` of the store at ``home``, made on the volume ``volume_sha256``."""

    home: Path
    code: str
    measurement: SliceMeasurement
    volume_sha256: str = ""


def record_measurement(
    request: MeasurementRequest,
    session: Session,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> str:
    """Append the ``measurement_recorded`` event, attested by ``session``'s user; returns its event id."""
    from records.store import Store  # noqa: PLC0415 - the store loads when something is recorded

    report(progress, 0.1, "recording the measurement")
    checkpoint(cancel)
    payload = request.measurement.to_json()
    if request.volume_sha256:
        payload["volume_sha256"] = request.volume_sha256
    with Store.open(request.home) as store:
        event = store.append(MEASUREMENT_RECORDED, case_code=request.code, payload=payload, by=session)
    report(progress, 1.0, "recorded")
    return event.event_id


@dataclass(frozen=True)
class RecordedMeasurement:
    """A measurement as the case's log holds it: the measurement, who made it and when."""

    measurement: SliceMeasurement
    actor: str
    created_at: str
    event_id: str


def case_measurements(events: Iterable[Event]) -> list[RecordedMeasurement]:
    """The measurements recorded in a case's events, oldest first (malformed ones are skipped)."""
    found = []
    for event in events:
        if event.kind != MEASUREMENT_RECORDED:
            continue
        payload = event.payload
        try:
            measured = measure(
                str(payload["kind"]),
                [tuple(point) for point in payload["points_lps_mm"]],
                str(payload["plane"]),
                int(payload["slice_index"]),
            )
        except (KeyError, TypeError, ValueError, MeasurementError):
            continue
        found.append(RecordedMeasurement(measured, event.actor or "", event.created_at, event.event_id))
    return found
