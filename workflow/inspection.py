"""The final inspection of a case's device: its 3D scan against its design, recorded (no Qt).

:func:`inspect_case` is the step ``dvw inspect`` runs (the window runs its two parts, :func:`measure_scan` and
:func:`record_measured`, see :mod:`workflow.inspecting`): it checks who inspects and which device
(:func:`traceability.inspection.inspected_device`: a quality user, the current revision's UDI, not already
nonconforming) before any work, reads the scan (:func:`geometry.inspection.read_scan`), loads the case's design
from the store (checked against its SHA-256), names the regions, registers the scan and measures its deviation
(:func:`geometry.inspection.inspect_scan`), stores the scan and a JSON report as artifacts, and records the
``inspection_recorded`` event (:func:`traceability.inspection.record_inspection`).

Regions: ``whole`` (every point, the family's ``tolerance_mm``); when the case holds its anatomy (the bone mesh of
its check), ``bearing`` (points over the design's bone-facing triangles that bear on the bone, as
:func:`validation.fit.analyse_fit` classifies them; the family's ``bearing_tolerance_mm``) and ``rest`` (the other
points, ``tolerance_mm``). The inspection passes when every region does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from base.errors import DvwError
from base.files import sha256_file
from base.progress import CancelToken, ProgressCallback, checkpoint, report, subrange

if TYPE_CHECKING:
    from geometry.inspection import DeviationMap, RegionLookup
    from geometry.mesh import Mesh
    from records.cases import CaseState
    from records.events import Event
    from records.store import Store
    from records.users import Session
    from traceability.assignment import UdiRecord
    from traceability.families import InspectionTolerances

REPORT_FORMAT = "dvw-inspection-report/1"
BEARING, REST = "bearing", "rest"


class InspectionInputError(DvwError):
    """The case lacks what an inspection compares with (its design), or the tolerance is not known."""

    code = "inspection_input"


@dataclass(frozen=True)
class InspectionOutcome:
    """A recorded inspection: the event, the deviation map and the report's SHA-256."""

    event: Event
    deviation: DeviationMap
    report_sha256: str
    scan_path: Path

    def to_json(self) -> dict[str, Any]:
        """``dvw inspect --json``'s object."""
        from records.payloads import InspectionRecorded, read  # noqa: PLC0415
        from traceability.inspection import InspectionRecord, inspection_json  # noqa: PLC0415

        record = InspectionRecord(self.event, read(self.event, InspectionRecorded))
        return {**inspection_json(record), "passed": record.passed, "scan": str(self.scan_path)}


def _mesh_suffix(path: Path, named: str | None) -> str:
    """The format of a stored mesh artifact (no suffix of its own): by its recorded file name, else by its bytes."""
    if named and Path(named).suffix.lower() in (".stl", ".ply", ".obj", ".3mf"):
        return Path(named).suffix.lower()
    with path.open("rb") as stream:
        head = stream.read(512)
    if head.startswith(b"ply"):
        return ".ply"
    if head.startswith(b"PK"):
        return ".3mf"
    if head.lstrip().startswith((b"v ", b"#", b"o ", b"mtllib")):
        return ".obj"
    return ".stl"


def stored_mesh(store: Store, case: CaseState, name: str) -> tuple[Mesh, str] | None:
    """The case's mesh input ``name`` (``design``, ``anatomy``) and its SHA-256, or None when the case has none."""
    from geometry.io import read_mesh  # noqa: PLC0415
    from records.payloads import CheckRun, read  # noqa: PLC0415

    sha = case.inputs.get(name)
    names: Mapping[str, str] = {}
    if case.check is not None:
        check = read(case.check, CheckRun)
        sha = sha or check.artifacts.get(name)
        names = check.file_names
    if not sha:
        return None
    path = store.artifact_path(sha)
    return read_mesh(path, suffix=_mesh_suffix(path, names.get(name))), sha


def _tolerances(home: Path | None, case: CaseState, override_mm: float | None) -> InspectionTolerances:
    from records.payloads import CheckRun, read  # noqa: PLC0415
    from traceability.families import InspectionTolerances, device_family  # noqa: PLC0415

    if override_mm is not None:
        return InspectionTolerances(float(override_mm))
    family_id = None if case.check is None else read(case.check, CheckRun).envelope_ref.family
    if not family_id:
        raise InspectionInputError(
            f"case {case.code}: its check names no device family, so no inspection tolerance: give --tolerance MM"
        )
    family = device_family(home, family_id)
    if family.inspection is None:
        raise InspectionInputError(
            f"device family {family_id!r} ({family.source}) defines no inspection tolerance: add [inspection] "
            "tolerance_mm to it, or give --tolerance MM",
            path=family.source,
        )
    return family.inspection


def _bearing_regions(design: Mesh, anatomy: Mesh, cancel: CancelToken | None) -> RegionLookup:
    from geometry.inspection import RegionLookup  # noqa: PLC0415
    from validation.fit import analyse_fit  # noqa: PLC0415

    fit = analyse_fit(design, anatomy, cancel=cancel)
    return RegionLookup(fit.centroids, {BEARING: fit.bearing, REST: ~fit.bearing})


@dataclass(frozen=True, eq=False)
class MeasuredScan:
    """A scan of the case's device registered onto its design and measured, not yet recorded.

    Everything the inspection record and its report hold except who inspected and the software's manifest; plain
    values and arrays, so that it crosses from the worker process by pickling.
    """

    case_code: str
    design_sha256: str
    anatomy_sha256: str | None
    scan_sha256: str
    scan_kind: str
    scan_points: int
    tolerance_mm: float
    tolerances: dict[str, Any]
    registration: dict[str, Any]
    regions: list[dict[str, Any]]
    histogram: dict[str, Any]
    passed: bool

    @property
    def result(self) -> str:
        """``pass`` or ``fail``."""
        return "pass" if self.passed else "fail"


def measure_scan(
    store: Store,
    case: CaseState,
    scan_path: Path,
    *,
    home: Path | None = None,
    tolerance_mm: float | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[MeasuredScan, DeviationMap, Mesh]:
    """Read the scan, register it onto the case's design and measure it (nothing is recorded).

    Returns the measurement, the deviation map and the design it was measured against. Parameters and errors as
    :func:`inspect_case` (without the inspector's gates).
    """
    from geometry.inspection import inspect_scan, read_scan  # noqa: PLC0415

    report(progress, 0.0, "reading the scan")
    scan = read_scan(scan_path)
    scan_sha = sha256_file(scan_path)
    stored = stored_mesh(store, case, "design")
    if stored is None:
        raise InspectionInputError(f"case {case.code} holds no design to compare the scan with")
    design, design_sha = stored
    tolerances = _tolerances(home, case, tolerance_mm)
    anatomy = stored_mesh(store, case, "anatomy")
    checkpoint(cancel)
    lookup = None
    region_tolerances: dict[str, float] = {}
    if anatomy is not None:
        report(progress, 0.05, "finding the bearing surface")
        lookup = _bearing_regions(design, anatomy[0], cancel)
        region_tolerances[BEARING] = tolerances.bearing_tolerance_mm or tolerances.tolerance_mm
    deviation = inspect_scan(
        design,
        scan.points,
        tolerance_mm=tolerances.tolerance_mm,
        region_of=lookup,
        region_tolerances=region_tolerances,
        progress=subrange(progress, 0.1, 1.0),
        cancel=cancel,
    )
    checkpoint(cancel)
    registration = deviation.registration
    measured = MeasuredScan(
        case_code=case.code,
        design_sha256=design_sha,
        anatomy_sha256=None if anatomy is None else anatomy[1],
        scan_sha256=scan_sha,
        scan_kind=scan.kind,
        scan_points=len(scan.points),
        tolerance_mm=tolerances.tolerance_mm,
        tolerances=tolerances.to_json() if tolerance_mm is None else {"tolerance_mm": tolerance_mm},
        registration={
            "rms_mm": round(registration.rms_mm, 5),
            "inlier_share": round(registration.inlier_share, 5),
            "iterations": registration.iterations,
            "candidates": registration.candidates,
            "transform": registration.transform.matrix(),
            "rotation_deg": round(registration.transform.angle_deg, 3),
        },
        regions=[region.to_json() for region in deviation.regions],
        histogram=_histogram(deviation.filtered, deviation.tolerance_mm),
        passed=deviation.passed,
    )
    return measured, deviation, design


def record_measured(
    store: Store,
    case: CaseState,
    device: UdiRecord,
    measured: MeasuredScan,
    scan_path: Path,
    *,
    by: Session,
    manifest_id: str,
) -> tuple[Event, str]:
    """Store the scan and the report as artifacts and record the inspection (``by``: the inspector's session).

    Returns the event and the report's SHA-256.

    Raises
    ------
    InspectionInputError
        The scan file changed since it was measured (its SHA-256 differs).
    NonconformingError
        Another inspector recorded a failing inspection of the device meanwhile.
    """
    from traceability.inspection import record_inspection  # noqa: PLC0415

    if sha256_file(scan_path) != measured.scan_sha256:
        raise InspectionInputError(f"{scan_path} changed while it was measured: inspect it again", path=str(scan_path))
    document = {
        "format": REPORT_FORMAT,
        "case_code": case.code,
        "revision": device.revision,
        "serial": device.udi.serial,
        "result": measured.result,
        "design_sha256": measured.design_sha256,
        "anatomy_sha256": measured.anatomy_sha256,
        "scan_sha256": measured.scan_sha256,
        "scan_kind": measured.scan_kind,
        "scan_points": measured.scan_points,
        "tolerances": measured.tolerances,
        "registration": measured.registration,
        "regions": measured.regions,
        "deviation_histogram": measured.histogram,
        "inspector": by.user.signer_json(),
        "manifest_id": manifest_id,
    }
    report_bytes = (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
    store.put_artifact(scan_path, "scan")
    report_sha = store.put_artifact(report_bytes, "inspection_report")
    event = record_inspection(
        store,
        case,
        device,
        result=measured.result,
        design_sha256=measured.design_sha256,
        scan_sha256=measured.scan_sha256,
        scan_kind=measured.scan_kind,
        scan_points=measured.scan_points,
        report_sha256=report_sha,
        tolerance_mm=measured.tolerance_mm,
        registration=measured.registration,
        regions=measured.regions,
        manifest_id=manifest_id,
        by=by,
    )
    return event, report_sha


def inspect_case(
    store: Store,
    code: str,
    scan_path: Path,
    *,
    by: Session,
    manifest_id: str,
    home: Path | None = None,
    tolerance_mm: float | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> InspectionOutcome:
    """Inspect the device of case ``code`` with a scan and record it (see the module docstring).

    Parameters
    ----------
    store
        The local store.
    code
        The case.
    scan_path
        The scan: a mesh (STL, PLY, OBJ) or point cloud (PLY, XYZ) in mm, any frame.
    by
        The inspector, signed in with their password (role ``quality``).
    manifest_id
        This software's manifest, recorded with the inspection.
    home
        The store's home folder (for the site's own device families).
    tolerance_mm
        A tolerance (mm) instead of the device family's (recorded as given).
    progress, cancel
        Progress callback and cancel token; nothing is recorded when cancelled.

    Returns
    -------
    InspectionOutcome
        The event recorded and the deviation map.

    Raises
    ------
    RoleNotPermittedError, NoUdiError, NonconformingError, NotSignedError, ConflictUnresolvedError
        Who inspects, or the device, is refused (before any work).
    MeshFileError
        The scan is not a mesh or point cloud.
    InspectionInputError
        The case holds no design, or no tolerance is known.
    GeometryError
        The scan cannot be registered.
    """
    from traceability.inspection import inspected_device  # noqa: PLC0415

    case = store.case(code)
    device = inspected_device(store, case, by)
    measured, deviation, _ = measure_scan(
        store,
        case,
        scan_path,
        home=home,
        tolerance_mm=tolerance_mm,
        progress=subrange(progress, 0.0, 0.95),
        cancel=cancel,
    )
    report(progress, 0.97, "recording the inspection")
    event, report_sha = record_measured(store, case, device, measured, scan_path, by=by, manifest_id=manifest_id)
    report(progress, 1.0, "inspection recorded")
    return InspectionOutcome(event, deviation, report_sha, scan_path)


def _histogram(values: Any, tolerance_mm: float) -> dict[str, Any]:
    """Counts of the filtered deviation in bins of a tenth of the tolerance, from -3 to +3 tolerances (mm)."""
    edges = np.linspace(-3.0 * tolerance_mm, 3.0 * tolerance_mm, 61)
    clipped = np.clip(np.asarray(values, dtype=np.float64), edges[0], edges[-1])
    counts, _ = np.histogram(clipped, bins=edges)
    return {"edges_mm": [round(float(e), 5) for e in edges], "counts": [int(c) for c in counts]}
