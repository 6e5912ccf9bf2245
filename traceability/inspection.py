"""Final inspection records of a device (T/CAMDI 4.8.1 c, 4.8.4) and what they allow (4.10.1).

An ``inspection_recorded`` event holds one inspection of the device of a case's current revision: the inspector (a
user with the ``quality`` role, who re-entered the password: id, printed name, role as title, qualification), when,
the scan and the report by SHA-256 (both stored as artifacts), the design it was compared with, the registration
(RMS, the 4 x 4 transform), the deviation figures per region, the tolerance and the result, ``pass`` or ``fail``.

What follows from the records (the log is the only source of truth; nothing is stored besides the events):

- a device (a serial) is **conforming** when it has a passing inspection and no failing one;
- a device with a failing inspection is **nonconforming**, for good: no later inspection of it is recorded, and
  neither its ``inspected`` nor its ``released`` trace step (no release by concession, 4.10.1). A remade device (a
  new UDI, ``dvw udi assign CODE --new``) is inspected on its own;
- the ``inspected`` and ``released`` steps need a passing inspection of the device of the current revision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from records.cases import CaseState
from records.errors import InvalidEventError, RoleNotPermittedError
from records.events import Event, NewEvent
from records.identity import QUALITY
from records.payloads import InspectionRecorded, read, read_or_none, to_payload
from records.store import Store
from records.users import Session
from traceability.assignment import UdiRecord, current_udi, refuse_conflict, valid_signatures
from traceability.errors import NoUdiError, TraceabilityError

INSPECTION_RECORDED = InspectionRecorded.KIND
INSPECTION_FORMAT = "dvw-inspection/1"
#: Roles whose users may record an inspection.
INSPECTOR_ROLES = (QUALITY,)
PASS, FAIL = "pass", "fail"
#: The trace steps that need a passing inspection of the device (and no failing one).
GATED_STEPS = ("inspected", "released")


class NonconformingError(TraceabilityError):
    """The device failed its inspection: it is nonconforming and may not be inspected again or released."""

    code = "nonconforming"


class NotInspectedError(TraceabilityError):
    """A step that needs a passing inspection of the device was asked for before one was recorded."""

    code = "not_inspected"


@dataclass(frozen=True)
class InspectionRecord:
    """An ``inspection_recorded`` event and its typed payload."""

    event: Event
    payload: InspectionRecorded

    @property
    def passed(self) -> bool:
        """Whether the inspection passed."""
        return self.payload.result == PASS


def inspections(case: CaseState, serial: str | None = None) -> list[InspectionRecord]:
    """The case's inspections in log order (only those of one device serial when given)."""
    found = []
    for event in case.events:
        payload = read_or_none(event, InspectionRecorded)
        if payload is not None and (serial is None or payload.serial == serial):
            found.append(InspectionRecord(event, payload))
    return found


def conformity(case: CaseState, record: UdiRecord | None) -> str:
    """``conforming``, ``nonconforming`` or ``not_inspected`` for a device (``not_inspected`` without a UDI)."""
    if record is None:
        return "not_inspected"
    done = inspections(case, record.udi.serial)
    if any(not item.passed for item in done):
        return "nonconforming"
    return "conforming" if done else "not_inspected"


def _failed(case: CaseState, record: UdiRecord) -> InspectionRecord | None:
    return next((item for item in inspections(case, record.udi.serial) if not item.passed), None)


def require_conforming(case: CaseState, record: UdiRecord, step: str) -> None:
    """Refuse a trace step of :data:`GATED_STEPS` unless the device passed inspection and never failed one.

    Raises
    ------
    NonconformingError
        The device has a failing inspection (no release by concession).
    NotInspectedError
        The device has no passing inspection.
    """
    if step not in GATED_STEPS:
        return
    serial = record.udi.serial
    failed = _failed(case, record)
    if failed is not None:
        raise NonconformingError(
            f"case {case.code} device {serial} is nonconforming: its inspection of {failed.payload.inspected_at} "
            f"failed; {step} is refused (a nonconforming personalized device is never released by concession); "
            f"make a new device (dvw udi assign {case.code} --new)"
        )
    if not any(item.passed for item in inspections(case, serial)):
        raise NotInspectedError(
            f"case {case.code} device {serial} (revision {case.revision}) has no passing inspection: {step} is "
            f"refused until one is recorded (dvw inspect {case.code} --scan FILE)"
        )


def inspected_device(store: Store, case: CaseState, by: Session) -> UdiRecord:
    """The device a new inspection of the case concerns, after every gate.

    Raises
    ------
    RoleNotPermittedError
        The user's role may not inspect.
    ConflictUnresolvedError, NotSignedError
        The case has unresolved concurrent revisions, or its signatures no longer hold.
    NoUdiError
        The current revision has no UDI (nothing was made to inspect).
    NonconformingError
        The device already failed an inspection.
    """
    if by.user.role not in INSPECTOR_ROLES:
        raise RoleNotPermittedError(
            f"user {by.user_id!r} has role {by.user.role}; a final inspection is recorded by a user with the role "
            f"{' or '.join(INSPECTOR_ROLES)}"
        )
    refuse_conflict(store, case, "record an inspection")
    record = current_udi(case)
    if record is None:
        raise NoUdiError(
            f"case {case.code} revision {case.revision} has no device identifier: nothing to inspect "
            f"(dvw udi assign {case.code} first)"
        )
    valid_signatures(store, case)
    failed = _failed(case, record)
    if failed is not None:
        raise NonconformingError(
            f"case {case.code} device {record.udi.serial} failed its inspection of {failed.payload.inspected_at} "
            f"and is nonconforming; it is not inspected again (make a new device: dvw udi assign {case.code} --new)"
        )
    return record


def record_inspection(
    store: Store,
    case: CaseState,
    record: UdiRecord,
    *,
    result: str,
    design_sha256: str,
    scan_sha256: str,
    scan_kind: str,
    scan_points: int,
    report_sha256: str,
    tolerance_mm: float,
    registration: Mapping[str, Any],
    regions: Sequence[Mapping[str, Any]],
    manifest_id: str,
    by: Session,
    at: datetime | None = None,
) -> Event:
    """Append the ``inspection_recorded`` event (the caller measured everything; see the module docstring).

    The device must still be the case's current one without a failing inspection when the event is written (checked
    inside the write transaction, so two inspectors cannot both record against a device one of them failed).

    Raises
    ------
    InvalidEventError
        A result other than ``pass``/``fail``.
    NonconformingError
        Another writer recorded a failing inspection of the device meanwhile.
    """
    if result not in (PASS, FAIL):
        raise InvalidEventError(f"an inspection's result is {PASS} or {FAIL}, not {result!r}")
    when = datetime.now().astimezone() if at is None else at
    serial = record.udi.serial
    payload = InspectionRecorded(
        format=INSPECTION_FORMAT,
        revision=record.revision,
        udi_event_id=record.event.event_id,
        serial=serial,
        result=result,
        design_sha256=design_sha256,
        scan_sha256=scan_sha256,
        scan_kind=scan_kind,
        scan_points=scan_points,
        report_sha256=report_sha256,
        tolerance_mm=float(tolerance_mm),
        registration=dict(registration),
        regions=[dict(region) for region in regions],
        inspector={"site_id": store.site_id, **by.user.signer_json()},
        inspected_at=when.isoformat(),
        manifest_id=manifest_id,
    )

    def still_conforming(held: Sequence[Event]) -> None:
        for event in held:
            other = read_or_none(event, InspectionRecorded)
            if other is not None and other.serial == serial and other.result != PASS:
                raise NonconformingError(
                    f"case {case.code} device {serial}: a failing inspection was recorded meanwhile (event seq "
                    f"{event.seq})"
                )

    return store.append_many(
        [NewEvent(INSPECTION_RECORDED, case.code, to_payload(payload), by, when)],
        precondition=still_conforming,
        precondition_kinds=(INSPECTION_RECORDED,),
    )[-1]


def inspection_json(item: InspectionRecord) -> dict[str, Any]:
    """An inspection as shown by ``dvw inspect --json`` and ``dvw trace history``."""
    payload = read(item.event, InspectionRecorded)
    return {
        "event_id": item.event.event_id,
        "event_hash": item.event.hash,
        "case_code": item.event.case_code,
        "revision": payload.revision,
        "serial": payload.serial,
        "result": payload.result,
        "inspector": payload.inspector,
        "inspected_at": payload.inspected_at,
        "design_sha256": payload.design_sha256,
        "scan_sha256": payload.scan_sha256,
        "scan_kind": payload.scan_kind,
        "scan_points": payload.scan_points,
        "report_sha256": payload.report_sha256,
        "tolerance_mm": payload.tolerance_mm,
        "registration": payload.registration,
        "regions": payload.regions,
        "manifest_id": payload.manifest_id,
    }
