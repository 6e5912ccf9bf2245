"""Finding DICOM series under a folder: grouping, splitting, classifying, and saying what is wrong with each.

:func:`scan_folder` reads every file's header (never pixel data), groups instances by SeriesInstanceUID, splits a
series that holds several stacks (orientations, frame sizes, or repeated positions that a header field tells
apart), classifies each part (``volume``, ``localizer``, ``secondary_capture``, ``single_frame``, ``multi_frame``,
``other``) and attaches findings such as ``gantry_tilt``, ``uneven_spacing`` or ``missing_slices``.

A series refuses itself (``usable`` false, with an ``error`` finding) rather than pass on values that cannot be
right: ``invalid_header`` when an instance has header values that cannot be right (see
:attr:`~imaging.dicom_headers.InstanceHeader.defects`; the finding names the files and attributes),
``bad_geometry`` when its positions cannot form a stack, and ``grid_too_large`` when the regular grid an import
would build is out of all proportion to the acquired slices (see :func:`imaging.stack.grid_problem`).
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydicom.uid import UID

from base.progress import CancelToken, ProgressCallback, checkpoint, report
from imaging.dicom_headers import (
    SECONDARY_CAPTURE_PREFIX,
    FrameGeometry,
    InstanceHeader,
    SkippedFile,
    read_header,
)
from imaging.errors import NotADicomFolderError
from imaging.stack import StackGeometry, analyze_stack, grid_problem, step_tolerance

Severity = Literal["info", "warning", "error"]
Kind = Literal["volume", "localizer", "secondary_capture", "single_frame", "multi_frame", "other"]


@dataclass(frozen=True)
class Finding:
    """Something noticed about a series: a stable ``code``, a ``severity`` and a one-line message."""

    code: str
    severity: Severity
    message: str


@dataclass(frozen=True)
class FrameRef:
    """One 2D frame of a series: the instance it is in and its geometry."""

    instance: InstanceHeader
    frame: FrameGeometry


@dataclass(frozen=True)
class SeriesInfo:
    """One series (or one stack of a split series) as found by a scan.

    Attributes
    ----------
    key
        The identifier to choose this series by: the SeriesInstanceUID, with ``#N`` appended for the N-th stack
        when one SeriesInstanceUID held several stacks.
    series_uid
        The DICOM SeriesInstanceUID.
    frames
        The frames, sorted along the slice normal when the geometry could be measured.
    geometry
        The stack's measured geometry, or None when it cannot be measured (missing positions, one frame, ...).
    spacing
        (x, y, z) in mm from PixelSpacing and slice positions; z is None when there is no measurable step.
    """

    key: str
    series_uid: str
    study_uid: str
    modality: str
    description: str
    series_number: int | None
    kind: Kind
    usable: bool
    rows: int
    columns: int
    frames: tuple[FrameRef, ...]
    geometry: StackGeometry | None
    spacing: tuple[float, float, float | None] | None
    findings: tuple[Finding, ...]

    @property
    def files(self) -> tuple[str, ...]:
        """Distinct files of the series, in frame order."""
        return tuple(dict.fromkeys(ref.instance.path for ref in self.frames))

    @property
    def slices(self) -> int:
        """Number of 2D frames (slices) in the stack."""
        return len(self.frames)

    @property
    def tilt_deg(self) -> float:
        """Gantry tilt measured from positions (0 when orthogonal or unknown)."""
        return self.geometry.tilt_deg if self.geometry is not None else 0.0

    @property
    def has_errors(self) -> bool:
        """Whether any finding has severity ``error``."""
        return any(f.severity == "error" for f in self.findings)


@dataclass(frozen=True)
class ScanResult:
    """Everything found under a folder: series, files skipped with reasons, and how long the scan took."""

    root: str
    series: tuple[SeriesInfo, ...]
    skipped: tuple[SkippedFile, ...]
    files_scanned: int
    seconds: float

    @property
    def usable_volumes(self) -> tuple[SeriesInfo, ...]:
        """Series that can be assembled into a volume."""
        return tuple(s for s in self.series if s.usable)


def list_files(root: str | Path) -> list[str]:
    """Every regular file under ``root`` (recursively, whatever its name), sorted for a deterministic scan.

    Raises
    ------
    NotADicomFolderError
        If ``root`` is not a readable folder.
    """
    root_path = Path(root)
    if not root_path.is_dir():
        raise NotADicomFolderError(f"not a folder: {root}", path=str(root))
    found: list[str] = []
    for directory, subdirs, names in os.walk(root_path, followlinks=False):
        subdirs.sort()
        found.extend(os.path.join(directory, name) for name in sorted(names))
    return [p for p in found if os.path.isfile(p)]


def read_headers(
    paths: Sequence[str],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> list[InstanceHeader | SkippedFile]:
    """Read the header of each path (see :func:`imaging.dicom_headers.read_header`), reporting progress.

    Raises
    ------
    Cancelled
        When ``cancel`` is set during the scan.
    """
    results: list[InstanceHeader | SkippedFile] = []
    total = max(1, len(paths))
    every = max(1, total // 100)
    for i, path in enumerate(paths):
        if i % every == 0:
            checkpoint(cancel)
            report(progress, i / total, f"reading headers ({i}/{total} files)")
        results.append(read_header(path))
    report(progress, 1.0, f"read {len(paths)} headers")
    return results


def scan_folder(
    root: str | Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ScanResult:
    """Find and describe every DICOM series under ``root``.

    Parameters
    ----------
    root
        A folder (searched recursively; file names and extensions do not matter).
    progress, cancel
        Optional progress callback and cancel token.

    Returns
    -------
    ScanResult
        Series sorted by study, series number and description; skipped files with reasons.

    Raises
    ------
    NotADicomFolderError
        If ``root`` is not a folder.
    Cancelled
        When ``cancel`` is set.
    """
    start = time.perf_counter()
    paths = list_files(root)
    headers = read_headers(paths, progress=progress, cancel=cancel)
    instances = [h for h in headers if isinstance(h, InstanceHeader)]
    skipped = tuple(h for h in headers if isinstance(h, SkippedFile))
    series = group_series(instances)
    return ScanResult(
        root=str(root),
        series=series,
        skipped=skipped,
        files_scanned=len(paths),
        seconds=time.perf_counter() - start,
    )


def group_series(instances: Iterable[InstanceHeader]) -> tuple[SeriesInfo, ...]:
    """Group instance headers into series, split mixed stacks, classify and attach findings."""
    by_uid: dict[str, list[InstanceHeader]] = defaultdict(list)
    for header in instances:
        by_uid[header.series_uid].append(header)
    result: list[SeriesInfo] = []
    for uid, members in by_uid.items():
        result.extend(_describe_uid(uid, members))
    result.sort(key=lambda s: (s.study_uid, s.series_number if s.series_number is not None else 1 << 30, s.key))
    return tuple(result)


def _describe_uid(uid: str, members: list[InstanceHeader]) -> list[SeriesInfo]:
    findings: list[Finding] = []
    members = _drop_duplicate_files(members, findings)
    defective = [m for m in members if m.defects]
    if defective:
        return [_refused_series(uid, members, defective, findings)]
    images = [m for m in members if m.is_image]
    if not images:
        return [_non_image_series(uid, members, findings)]
    if _is_localizer(images):
        frames = [FrameRef(m, f) for m in images for f in m.frames]
        return [_build(uid, uid, frames, "localizer", findings)]
    groups = _split_by_layout(images)
    if len(groups) > 1:
        reasons = _layout_differences(list(groups.values()))
        findings.append(
            Finding(
                reasons[0],
                "warning",
                f"one series UID holds {len(groups)} stacks ({', '.join(reasons)}); split into {uid}#1..#{len(groups)}",
            )
        )
    parts: list[tuple[str, list[FrameRef], list[Finding]]] = []
    ordered = sorted(groups.values(), key=lambda frames: -len(frames))
    for index, frames in enumerate(ordered, start=1):
        key = uid if len(ordered) == 1 else f"{uid}#{index}"
        parts.extend(_split_duplicates(key, frames, list(findings)))
    renumbered = _renumber(uid, parts)
    return [_build(key, uid, frames, _kind(frames), part_findings) for key, frames, part_findings in renumbered]


def _renumber(
    uid: str, parts: list[tuple[str, list[FrameRef], list[Finding]]]
) -> list[tuple[str, list[FrameRef], list[Finding]]]:
    if len(parts) == 1:
        return [(uid, parts[0][1], parts[0][2])]
    return [(f"{uid}#{i}", frames, found) for i, (_, frames, found) in enumerate(parts, start=1)]


def _drop_duplicate_files(members: list[InstanceHeader], findings: list[Finding]) -> list[InstanceHeader]:
    seen: dict[str, InstanceHeader] = {}
    unique: list[InstanceHeader] = []
    copies = 0
    for member in sorted(members, key=lambda m: m.path):
        if member.sop_instance_uid and member.sop_instance_uid in seen:
            copies += 1
            continue
        if member.sop_instance_uid:
            seen[member.sop_instance_uid] = member
        unique.append(member)
    if copies:
        findings.append(
            Finding(
                "duplicate_files",
                "info",
                f"{copies} file(s) are copies of the same instance (same SOP Instance UID); used once",
            )
        )
    return unique


def _non_image_series(uid: str, members: list[InstanceHeader], findings: list[Finding]) -> SeriesInfo:
    first = members[0]
    findings.append(Finding("no_pixel_data", "info", "no image pixel data (e.g. a report, structure set or state)"))
    return SeriesInfo(
        key=uid,
        series_uid=uid,
        study_uid=first.study_uid,
        modality=first.modality,
        description=first.series_description,
        series_number=first.series_number,
        kind="other",
        usable=False,
        rows=0,
        columns=0,
        frames=(),
        geometry=None,
        spacing=None,
        findings=tuple(findings),
    )


#: At most this many defects are quoted in an ``invalid_header`` finding (the count of the rest follows).
_DEFECTS_QUOTED = 3


def _refused_series(
    uid: str, members: list[InstanceHeader], defective: list[InstanceHeader], findings: list[Finding]
) -> SeriesInfo:
    """A series refused because some of its instances have values that cannot be right (see ``defects``).

    Nothing about its geometry is measured: a value that cannot be right must not be used, not even to split
    or classify. The finding names the first files and attributes at fault.
    """
    quoted = [f"{Path(m.path).name}: {defect}" for m in defective for defect in m.defects]
    more = len(quoted) - _DEFECTS_QUOTED
    message = "; ".join(quoted[:_DEFECTS_QUOTED]) + (f"; and {more} more" if more > 0 else "")
    files = f"{len(defective)} of {len(members)} file(s)"
    found = [*findings, Finding("invalid_header", "error", f"{files} with invalid header values: {message}")]
    images = [m for m in members if m.frames]
    frames = tuple(FrameRef(m, f) for m in images for f in m.frames)
    first = images[0] if images else members[0]
    spacing = frames[0].frame.pixel_spacing if frames else None
    return SeriesInfo(
        key=uid,
        series_uid=uid,
        study_uid=first.study_uid,
        modality=first.modality,
        description=first.series_description,
        series_number=first.series_number,
        kind=_kind(list(frames)) if frames else "other",
        usable=False,
        rows=first.rows,
        columns=first.columns,
        frames=frames,
        geometry=None,
        spacing=(spacing[1], spacing[0], None) if spacing is not None else None,
        findings=tuple(found),
    )


def _is_localizer(images: list[InstanceHeader]) -> bool:
    return any("LOCALIZER" in m.image_type or "SCOUT" in m.image_type for m in images)


def _layout_key(ref: FrameRef) -> tuple[object, ...]:
    ori = ref.frame.orientation
    spacing = ref.frame.pixel_spacing
    return (
        tuple(round(v, 3) for v in ori) if ori else None,
        ref.instance.rows,
        ref.instance.columns,
        tuple(round(v, 4) for v in spacing) if spacing else None,
        ref.frame.stack_key,
    )


def _split_by_layout(images: list[InstanceHeader]) -> dict[tuple[object, ...], list[FrameRef]]:
    groups: dict[tuple[object, ...], list[FrameRef]] = defaultdict(list)
    for member in images:
        for frame in member.frames:
            ref = FrameRef(member, frame)
            groups[_layout_key(ref)].append(ref)
    return groups


def _layout_differences(groups: list[list[FrameRef]]) -> list[str]:
    keys = [_layout_key(frames[0]) for frames in groups]
    reasons = []
    if len({k[0] for k in keys}) > 1:
        reasons.append("mixed_orientation")
    if len({(k[1], k[2], k[3]) for k in keys}) > 1:
        reasons.append("mixed_size")
    if len({k[4] for k in keys}) > 1:
        reasons.append("multiple_stacks")
    return reasons or ["mixed_orientation"]


def _normal_positions(frames: Sequence[FrameRef]) -> np.ndarray | None:
    ori = frames[0].frame.orientation
    if ori is None or any(ref.frame.position is None for ref in frames):
        return None
    normal = np.cross(np.asarray(ori[:3]), np.asarray(ori[3:]))
    return np.asarray([ref.frame.position for ref in frames], dtype=np.float64) @ normal


def _has_duplicates(frames: Sequence[FrameRef]) -> bool:
    along = _normal_positions(frames)
    if along is None or len(along) < 2:
        return False
    ordered = np.sort(along)
    return bool(np.min(np.diff(ordered)) <= step_tolerance(0.0) / 2)


_SPLIT_FIELDS: tuple[tuple[str, Callable[[FrameRef], object]], ...] = (
    ("AcquisitionNumber", lambda ref: ref.instance.acquisition_number),
    ("EchoNumbers", lambda ref: ref.instance.echo_number),
    ("TemporalPositionIdentifier", lambda ref: ref.instance.temporal_position),
    ("ImageType", lambda ref: ref.instance.image_type),
)


def _split_duplicates(
    key: str, frames: list[FrameRef], findings: list[Finding]
) -> list[tuple[str, list[FrameRef], list[Finding]]]:
    if not _has_duplicates(frames):
        return [(key, frames, findings)]
    for field, value_of in _SPLIT_FIELDS:
        buckets: dict[object, list[FrameRef]] = defaultdict(list)
        for ref in frames:
            buckets[value_of(ref)].append(ref)
        if len(buckets) > 1 and not any(_has_duplicates(b) for b in buckets.values()):
            note = Finding(
                "duplicate_positions",
                "warning",
                f"slices repeat the same positions: {len(buckets)} stacks told apart by {field}; split",
            )
            return [
                (key, bucket, [*findings, note]) for _, bucket in sorted(buckets.items(), key=lambda kv: str(kv[0]))
            ]
    note = Finding(
        "duplicate_positions",
        "error",
        "several different slices share one position and no header field tells their stacks apart",
    )
    return [(key, frames, [*findings, note])]


def _kind(frames: list[FrameRef]) -> Kind:
    first = frames[0].instance
    if first.sop_class_uid.startswith(SECONDARY_CAPTURE_PREFIX) or first.samples_per_pixel != 1:
        return "secondary_capture"
    if "SECONDARY" in first.image_type and first.frames[0].position is None:
        return "secondary_capture"
    if len({ref.instance.path for ref in frames}) == 1 and first.number_of_frames > 1:
        return "multi_frame"
    if len(frames) == 1:
        return "single_frame"
    return "volume"


def _build(key: str, uid: str, frames: list[FrameRef], kind: Kind, findings: list[Finding]) -> SeriesInfo:
    first = frames[0].instance
    found = list(findings)
    is_stack = kind in ("volume", "multi_frame", "single_frame")
    duplicate_error = any(f.code == "duplicate_positions" and f.severity == "error" for f in found)
    geometry: StackGeometry | None = None
    missing_geometry = any(
        ref.frame.position is None or ref.frame.orientation is None or ref.frame.pixel_spacing is None for ref in frames
    )
    if is_stack and missing_geometry:
        found.append(
            Finding(
                "no_geometry",
                "error",
                "ImagePositionPatient, ImageOrientationPatient or PixelSpacing missing or malformed",
            )
        )
    elif is_stack and not duplicate_error:
        orientation, pixel_spacing = frames[0].frame.orientation, frames[0].frame.pixel_spacing
        positions = [ref.frame.position for ref in frames if ref.frame.position is not None]
        if orientation is not None and pixel_spacing is not None:
            try:
                geometry = analyze_stack(positions, orientation, pixel_spacing)
            except ValueError as exc:
                found.append(Finding("bad_geometry", "error", f"slice positions cannot form a stack: {exc}"))
            else:
                frames = [frames[i] for i in geometry.order]
                found.extend(_geometry_findings(geometry, frames))
                found.extend(_grid_findings(geometry, first.rows, first.columns))
    found.extend(_content_findings(frames))
    if is_stack and len(frames) < 3:
        severity: Severity = "error" if len(frames) < 2 else "warning"
        found.append(Finding("too_few_slices", severity, f"only {len(frames)} slice(s)"))
    if kind == "localizer":
        found.append(Finding("localizer", "info", "localizer (scout) images: not a volume"))
    if kind == "secondary_capture":
        found.append(Finding("secondary_capture", "info", "secondary capture or colour images: not a volume"))
    # Missing slices are an error that --allow-gaps may override, so they do not make a series unusable.
    usable = (
        kind in ("volume", "multi_frame")
        and geometry is not None
        and not any(f.severity == "error" and f.code != "missing_slices" for f in found)
    )
    spacing: tuple[float, float, float | None] | None = None
    if frames[0].frame.pixel_spacing is not None:
        sy, sx = frames[0].frame.pixel_spacing
        spacing = (sx, sy, geometry.step_mm if geometry is not None else None)
    return SeriesInfo(
        key=key,
        series_uid=uid,
        study_uid=first.study_uid,
        modality=first.modality,
        description=first.series_description,
        series_number=first.series_number,
        kind=kind,
        usable=usable,
        rows=first.rows,
        columns=first.columns,
        frames=tuple(frames),
        geometry=geometry,
        spacing=spacing,
        findings=tuple(found),
    )


def _geometry_findings(geometry: StackGeometry, frames: Sequence[FrameRef]) -> list[Finding]:
    found: list[Finding] = []
    if geometry.tilted:
        found.append(
            Finding(
                "gantry_tilt",
                "warning",
                f"gantry tilt {geometry.tilt_deg:.2f} deg measured from slice positions "
                f"(signed {geometry.tilt_signed_deg:+.2f} deg about the row axis); "
                "resampled onto an orthogonal grid on import",
            )
        )
        tag = frames[0].instance.gantry_tilt_tag
        if tag is not None and abs(abs(tag) - geometry.tilt_deg) > 0.5:
            found.append(
                Finding(
                    "tilt_tag_disagrees",
                    "info",
                    f"GantryDetectorTilt says {tag:g} deg; geometry says {geometry.tilt_deg:.2f} deg (geometry used)",
                )
            )
    steps = ", ".join(f"{step:.3f} mm x{count}" for step, count in geometry.distinct_steps_mm)
    if geometry.layout == "missing":
        found.append(
            Finding(
                "missing_slices",
                "error",
                f"{geometry.missing_slices} slice(s) missing in a regular {geometry.step_mm:.3f} mm stack "
                f"(steps: {steps}); import refuses unless gaps are allowed",
            )
        )
    elif geometry.layout == "uneven":
        found.append(
            Finding(
                "uneven_spacing",
                "warning",
                f"slice spacing varies (steps: {steps}); resampled to {geometry.step_mm:.3f} mm on import",
            )
        )
    return found


def _grid_findings(geometry: StackGeometry, rows: int, columns: int) -> list[Finding]:
    """An error when the regular grid an import would build is out of proportion to the acquired data."""
    problem = grid_problem(geometry, rows, columns)
    return [Finding("grid_too_large", "error", problem)] if problem else []


def _content_findings(frames: Sequence[FrameRef]) -> list[Finding]:
    found: list[Finding] = []
    instances = list(dict.fromkeys(ref.instance for ref in frames))
    syntaxes = sorted({m.transfer_syntax for m in instances})
    compressed = [s for s in syntaxes if UID(s).is_compressed]
    if compressed:
        names = ", ".join(UID(s).name for s in compressed)
        found.append(Finding("compressed", "info", f"compressed pixel data ({names})"))
    if instances[0].modality == "CT" and any(
        ref.frame.rescale_slope is None or ref.frame.rescale_intercept is None for ref in frames
    ):
        found.append(
            Finding("no_rescale", "warning", "CT without RescaleSlope/RescaleIntercept: stored values taken as HU")
        )
    if not all(m.has_preamble for m in instances):
        found.append(
            Finding("no_preamble", "info", "files without preamble/File Meta (ACR-NEMA style) read as implicit VR")
        )
    if len({m.frame_of_reference_uid for m in instances}) > 1:
        found.append(Finding("mixed_frame_of_reference", "warning", "instances name different frames of reference"))
    return found
