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
    from geometry.mesh import Mesh
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
