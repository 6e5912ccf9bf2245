"""The final inspection as the window runs it: the inspector's password, the scan measured, the record (no Qt).

The same record as ``dvw inspect`` (:func:`workflow.inspection.record_measured`), in three parts so that the window
keeps answering and the inspector's unlocked key never leaves the GUI process:

1. :func:`inspect_with_password` (a thread job of the window) checks the inspector's password
   (:func:`records.users.sign_in`, at a lower priority) and every gate of an inspection
   (:func:`traceability.inspection.inspected_device`: the quality role, the current revision's UDI, not already
   nonconforming) before any work;
2. :func:`measure_for_view` (the worker process: it holds the GIL for seconds) registers and measures the scan
   (:func:`workflow.inspection.measure_scan`) and prepares what the window draws: the design's display surface
   carrying each vertex's deviation (:data:`DEVIATION_SCALARS`) and the worst point;
3. back in the thread, the inspection is recorded with the inspector's session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.progress import CancelToken, ProgressCallback, checkpoint, report, subrange
from workflow.priority import at_low_priority

if TYPE_CHECKING:
    from geometry.mesh import FloatArray, Mesh
    from records.cases import CaseState
    from records.store import Store
    from workflow.display import DisplaySurface
    from workflow.inspection import MeasuredScan

#: The per-vertex deviation (mm, outward positive, NaN where the scan did not reach) on the design's display surface.
DEVIATION_SCALARS = "deviation_mm"

Task = Callable[[ProgressCallback, CancelToken], object]
#: Runs a task elsewhere (the window: in its worker process) and returns its result.
Runner = Callable[[Task, ProgressCallback, CancelToken], object]


@dataclass(frozen=True)
class InspectionRequest:
    """An inspection as entered in the window's dialog."""

    home: Path
    code: str
    scan: Path
    user_id: str
    password: str = field(repr=False)
    tolerance_mm: float | None = None


@dataclass(frozen=True, eq=False)
class InspectionView:
    """A measured scan and what the window draws of it (plain values: it crosses from the worker process).

    Attributes
    ----------
    measured
        The figures, registration and result.
    design
        The design the scan was measured against (patient LPS mm).
    surface
        The design's display surface with :data:`DEVIATION_SCALARS` per point.
    worst_point_mm
        The registered scan point of the largest filtered deviation (design frame, mm).
    worst_mm
        Its filtered deviation (mm, signed).
    anatomy, anatomy_surface
        The case's anatomy and its display surface (the view looks at the design from outside it), or None.
    """

    measured: MeasuredScan
    design: Mesh
    surface: DisplaySurface
    worst_point_mm: tuple[float, float, float]
    worst_mm: float
    anatomy: Mesh | None = None
    anatomy_surface: DisplaySurface | None = None


@dataclass(frozen=True, eq=False)
class InspectionShown:
    """A recorded inspection as the window shows it."""

    view: InspectionView
    event_id: str
    seq: int
    serial: str
    inspector: str
    inspected_at: str
    report_sha256: str

    @property
    def passed(self) -> bool:
        """Whether the inspection passed."""
        return self.view.measured.passed


def measure_for_view(
    home: Path, code: str, scan: Path, progress: ProgressCallback, cancel: CancelToken, *, tolerance_mm: float | None
) -> InspectionView:
    """Register and measure ``scan`` against case ``code``'s design and prepare the colour map (nothing recorded).

    Raises
    ------
    MeshFileError, InspectionInputError, GeometryError
        As :func:`workflow.inspection.measure_scan`.
    """
    from geometry.inspection import deviation_on_design, worst_point  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from workflow.display import DISPLAY_MAX_TRIANGLES, display_surface  # noqa: PLC0415
    from workflow.inspection import measure_scan, stored_mesh  # noqa: PLC0415

    with Store.open(home) as store:
        case = store.case(code)
        measured, deviation, design = measure_scan(
            store,
            case,
            scan,
            home=home,
            tolerance_mm=tolerance_mm,
            progress=subrange(progress, 0.0, 0.9),
            cancel=cancel,
        )
        anatomy = stored_mesh(store, case, "anatomy")
    checkpoint(cancel)
    report(progress, 0.92, "colouring the design")
    values = deviation_on_design(design.vertices, deviation.points, deviation.filtered)
    surface = display_surface(design, {DEVIATION_SCALARS: values}, max_triangles=DISPLAY_MAX_TRIANGLES)
    where, worst = worst_point(deviation)
    anatomy_mesh = None if anatomy is None else anatomy[0]
    anatomy_surface = None
    if anatomy_mesh is not None:
        anatomy_surface = display_surface(anatomy_mesh, max_triangles=DISPLAY_MAX_TRIANGLES)
    report(progress, 1.0, "measured")
    return InspectionView(measured, design, surface, where, worst, anatomy_mesh, anatomy_surface)


def _here(task: Task, progress: ProgressCallback, cancel: CancelToken) -> object:
    return task(progress, cancel)


def inspect_with_password(
    request: InspectionRequest, progress: ProgressCallback, cancel: CancelToken, *, run: Runner = _here
) -> InspectionShown:
    """Check the inspector, measure the scan (through ``run``) and record the inspection; see the module docstring.

    Raises
    ------
    WrongPasswordError, UnknownUserError, AccountLockedError, UserDisabledError
        The inspector's password is refused.
    RoleNotPermittedError, NoUdiError, NonconformingError, NotSignedError, ConflictUnresolvedError
        Who inspects, or the device, is refused (before any work).
    MeshFileError, InspectionInputError, GeometryError
        The scan or the case cannot be measured.
    Cancelled
        When cancelled; nothing is recorded.
    """
    from records.store import Store  # noqa: PLC0415
    from records.users import sign_in  # noqa: PLC0415
    from traceability.inspection import inspected_device  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415
    from workflow.inspection import record_measured  # noqa: PLC0415

    report(progress, 0.0, "checking the password")
    with Store.open(request.home) as store:
        session = at_low_priority(partial(sign_in, store, request.user_id, request.password))
        inspected_device(store, store.case(request.code), session)  # refused before the scan is measured
    checkpoint(cancel)
    task = partial(measure_for_view, request.home, request.code, request.scan, tolerance_mm=request.tolerance_mm)
    view = run(task, subrange(progress, 0.05, 0.95) or progress, cancel)
    if not isinstance(view, InspectionView):
        raise TypeError(f"the measurement returned {type(view).__name__}")
    checkpoint(cancel)
    report(progress, 0.96, "recording the inspection")
    with Store.open(request.home) as store:
        case = store.case(request.code)
        device = inspected_device(store, case, session)
        event, report_sha = record_measured(
            store,
            case,
            device,
            view.measured,
            request.scan,
            by=session,
            manifest_id=current_manifest().manifest_id,
        )
    report(progress, 1.0, "inspection recorded")
    payload: dict[str, Any] = dict(event.payload)
    return InspectionShown(
        view=view,
        event_id=event.event_id,
        seq=event.seq,
        serial=device.udi.serial,
        inspector=session.user.printed_name,
        inspected_at=str(payload.get("inspected_at", event.created_at)),
        report_sha256=report_sha,
    )


def inspection_list(case: CaseState) -> list[dict[str, Any]]:
    """The case's recorded inspections, newest first.

    Each: ``event_id``, ``seq``, ``inspected_at``, ``inspector`` (printed name), ``result``, ``revision``, ``serial``.
    """
    from traceability.inspection import inspections  # noqa: PLC0415

    found = []
    for item in reversed(inspections(case)):
        payload = item.payload
        found.append(
            {
                "event_id": item.event.event_id,
                "seq": item.event.seq,
                "inspected_at": payload.inspected_at,
                "inspector": str(payload.inspector.get("printed_name") or payload.inspector.get("user_id") or ""),
                "result": payload.result,
                "revision": payload.revision,
                "serial": payload.serial,
            }
        )
    return found


def _stored_scan(store: Store, sha: str, kind: str, folder: Path) -> FloatArray:
    """The recorded scan's points, read from its artifact (checked against its SHA-256)."""
    import shutil  # noqa: PLC0415

    from base.files import sha256_file  # noqa: PLC0415
    from geometry.inspection import read_scan  # noqa: PLC0415
    from records.errors import ArtifactChangedError  # noqa: PLC0415
    from workflow.inspection import _mesh_suffix  # noqa: PLC0415

    stored = store.artifact_path(sha)
    with stored.open("rb") as stream:
        ply = stream.read(3) == b"ply"
    # The artifact has no suffix of its own: a cloud is XYZ text or a PLY; a mesh is told by its bytes.
    suffix = ".ply" if ply else ".xyz" if kind == "cloud" else _mesh_suffix(stored, None)
    copy = folder / f"scan{suffix}"
    shutil.copyfile(stored, copy)
    if sha256_file(copy) != sha:
        raise ArtifactChangedError(f"the recorded scan {sha} changed while it was read", path=str(stored))
    return read_scan(copy).points


def reopen_inspection(
    home: Path, code: str, event_id: str, progress: ProgressCallback, cancel: CancelToken
) -> InspectionShown:
    """A recorded inspection read back for the window (read-only: nothing is recorded).

    The figures, registration, tolerance and result are the recorded report's (its SHA-256 checked against the
    event); the colour map is drawn again from the recorded scan moved by the recorded registration onto the recorded
    design (each artifact checked against the SHA-256 the record names), as the inspection drew it.

    Raises
    ------
    InspectionInputError
        No inspection ``event_id`` in case ``code``, or a report that does not match its record.
    ArtifactMissingError, ArtifactChangedError
        A recorded artifact is missing or changed (its hash differs).
    """
    import hashlib  # noqa: PLC0415
    import json  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    from geometry.distance import signed_distances  # noqa: PLC0415
    from geometry.inspection import deviation_on_design, local_median  # noqa: PLC0415
    from geometry.io import read_mesh  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from traceability.inspection import inspections  # noqa: PLC0415
    from workflow.display import DISPLAY_MAX_TRIANGLES, display_surface  # noqa: PLC0415
    from workflow.inspection import InspectionInputError, MeasuredScan, _mesh_suffix  # noqa: PLC0415

    report(progress, 0.0, "reading the inspection record")
    with Store.open(home) as store, tempfile.TemporaryDirectory(prefix="dvw-inspection-") as folder:
        case = store.case(code)
        found = [item for item in inspections(case) if item.event.event_id == event_id]
        if not found:
            raise InspectionInputError(f"case {code} has no inspection {event_id}")
        event, payload = found[0].event, found[0].payload
        data = store.read_artifact(payload.report_sha256)
        document = json.loads(data)
        if hashlib.sha256(data).hexdigest() != payload.report_sha256 or (
            document.get("scan_sha256"),
            document.get("design_sha256"),
            document.get("result"),
        ) != (payload.scan_sha256, payload.design_sha256, payload.result):
            raise InspectionInputError(f"case {code} inspection {event_id}: its report does not match its record")
        design_path = store.artifact_path(payload.design_sha256)
        design = read_mesh(design_path, suffix=_mesh_suffix(design_path, None))
        anatomy = None
        anatomy_sha = document.get("anatomy_sha256")
        if isinstance(anatomy_sha, str):
            anatomy_path = store.artifact_path(anatomy_sha)
            anatomy = read_mesh(anatomy_path, suffix=_mesh_suffix(anatomy_path, None))
        checkpoint(cancel)
        report(progress, 0.2, "reading the recorded scan")
        points = _stored_scan(store, payload.scan_sha256, payload.scan_kind, Path(folder))
    checkpoint(cancel)
    report(progress, 0.4, "placing the scan as it was registered")
    matrix = np.asarray(payload.registration["transform"], dtype=np.float64)
    moved = points @ matrix[:3, :3].T + matrix[:3, 3]
    deviation = signed_distances(design, moved, cancel=cancel)
    checkpoint(cancel)
    report(progress, 0.7, "colouring the design")
    filtered = local_median(moved, deviation)
    values = deviation_on_design(design.vertices, moved, filtered)
    surface = display_surface(design, {DEVIATION_SCALARS: values}, max_triangles=DISPLAY_MAX_TRIANGLES)
    worst = int(np.argmax(np.abs(filtered)))
    anatomy_surface = None if anatomy is None else display_surface(anatomy, max_triangles=DISPLAY_MAX_TRIANGLES)
    measured = MeasuredScan(
        case_code=code,
        design_sha256=payload.design_sha256,
        anatomy_sha256=anatomy_sha if isinstance(anatomy_sha, str) else None,
        scan_sha256=payload.scan_sha256,
        scan_kind=payload.scan_kind,
        scan_points=payload.scan_points,
        tolerance_mm=payload.tolerance_mm,
        tolerances=dict(document.get("tolerances") or {}),
        registration=dict(payload.registration),
        regions=[dict(region) for region in payload.regions],
        histogram=dict(document.get("deviation_histogram") or {}),
        passed=payload.result == "pass",
    )
    x, y, z = (float(v) for v in moved[worst])
    view = InspectionView(measured, design, surface, (x, y, z), float(filtered[worst]), anatomy, anatomy_surface)
    report(progress, 1.0, "read back")
    return InspectionShown(
        view=view,
        event_id=event.event_id,
        seq=event.seq,
        serial=payload.serial,
        inspector=str(payload.inspector.get("printed_name") or payload.inspector.get("user_id") or ""),
        inspected_at=payload.inspected_at,
        report_sha256=payload.report_sha256,
    )
