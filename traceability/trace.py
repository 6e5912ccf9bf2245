"""Trace events of a device (critical tracking events with their key data elements) and their EPCIS 2.0 export.

After a signed case has its UDI (:mod:`traceability.assignment`), each critical step of the device's chain is
recorded as a ``trace_event`` event, in this order (a step may not be repeated, skipped or recorded before the UDI
exists, nor while the case's signatures are superseded)::

    design_approved -> manufactured -> inspected -> released -> shipped -> received -> implanted

Each event answers the guideline's five questions (REQUIREMENTS B, "key data elements"):

- **who**: the recording site's id, the signed-in user (id, printed name, role) who recorded it (the event's
  ``actor``, whose key attests the event), and optionally the party (organisation) as text;
- **what**: the device's UDI (UDI-DI, serial, HRI and its GS1 Digital Link URI) and the step;
- **when**: a timezone-aware ISO 8601 time with its offset (default: now in the local zone); a step may not be
  earlier than the previous step, nor more than :data:`FUTURE_TOLERANCE` in the future;
- **where**: a location as text, optionally with its GS1 GLN (check digit checked);
- **why**: the reason as text (plus the step's CBV business step and disposition below).

Each step maps to a GS1 Core Business Vocabulary (CBV 2.0) business step and disposition in the export:

=================  ======  ===============  =======================  ============================================
DVW step           action  CBV bizStep      CBV disposition          why this mapping
=================  ======  ===============  =======================  ============================================
design_approved    ADD     encoding         encoded                  the UDI is issued for the approved design,
                                                                     before any physical device carries it
manufactured       OBSERVE commissioning    active                   the built device now carries the UDI
inspected          OBSERVE inspecting       conformant               final inspection passed (needs a passing
                                                                     ``dvw inspect`` record of the device)
released           OBSERVE storing          sellable_not_accessible  released by quality, held for shipping
                                                                     (never for a nonconforming device)
shipped            OBSERVE shipping         in_transit               left the manufacturer
received           OBSERVE receiving        in_progress              arrived at the hospital
implanted          OBSERVE dispensing       dispensed                put into use for its patient
=================  ======  ===============  =======================  ============================================

The EPCIS 2.0 JSON-LD document (:func:`epcis_document`) holds one ``ObjectEvent`` per trace event of the case (every
UDI it had) and one ``TransformationEvent`` per build record (:mod:`traceability.build`: the material lots in as
``inputQuantityList`` classes, the device's serial out in ``outputEPCList``, the job as ``transformationID``, when the
build finished, and the printer, parameter set, lots, operator, environment and witness sample in ``dvw:`` fields), in
log order. An ObjectEvent has: ``epcList`` with the device's GS1 Digital Link URI (GTIN + serial), ``eventTime`` and
``eventTimeZoneOffset`` from *when*, ``recordTime`` (when the event was stored), ``eventID`` (``urn:uuid:`` of the
event id), ``readPoint``/``bizLocation`` (the GLN's Digital Link URI ``https://id.gs1.org/414/<GLN>`` when given;
otherwise the read point is the recording site ``urn:dvw:site:<site id>``), and DVW's extension fields in the
namespace ``dvw`` = ``urn:dvw:epcis:`` (``dvw:step``, ``dvw:why``, ``dvw:where``, ``dvw:who`` with ``dvw:siteId``,
``dvw:userId``, ``dvw:printedName``, ``dvw:role``, ``dvw:qualification``, ``dvw:party``; ``dvw:udi`` (the HRI),
``dvw:caseCode``, ``dvw:revision``, and ``dvw:eventHash``, the hash of the stored event, so the export can be checked
against the log).
Recording ``design_approved``: a clinician's ``clinical design confirmation`` signature of a case whose check is
``within`` records the step itself, in the same transaction as the signature and attested by the same clinician
(:func:`design_approved_event`, passed to :mod:`records.signatures` by :mod:`traceability.signing`), when the
case's current revision already has a UDI and that device has no trace step yet. A trace step names its device
(the UDI's GTIN and serial, its EPC, and for this step the UDI's lot and expiry as ILMD), and a UDI is assigned
only to a signed case, so when the confirmation is the case's first signature there is no device to name yet: the
step is then recorded by hand once the UDI is assigned (``dvw trace add CODE --step design_approved``), as before,
and ``dvw sign`` says so.

The ``design_approved`` event also carries the lot and expiry date as instance master data (``ilmd``,
``cbvmda:lotNumber`` and ``cbvmda:itemExpirationDate``). No patient identity is in an event or in the export: the
case code is pseudonymous and the store refuses payloads holding identity.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import msgspec

from records.cases import CaseState
from records.errors import InvalidEventError
from records.events import Event, NewEvent, format_time
from records.payloads import BuildRecorded, TraceEvent, TraceWho, read, read_or_none
from records.signatures import Approval, ApprovedMeanwhileError
from records.store import Store
from records.users import Session
from traceability.assignment import UdiRecord, current_udi, refuse_conflict, udi_records, valid_signatures
from traceability.errors import NoUdiError, TraceOrderError
from traceability.gs1 import check_gln
from traceability.inspection import require_conforming

TRACE_EVENT = "trace_event"
TRACE_FORMAT = "dvw-trace/1"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
DVW_NAMESPACE = "urn:dvw:epcis:"
FUTURE_TOLERANCE = timedelta(minutes=10)
"""How far in the future a step's time may lie (clocks of the sites differ a little)."""
MAX_TEXT = 500


@dataclass(frozen=True)
class TraceStep:
    """One step of the chain and its EPCIS mapping (see the module docstring's table)."""

    name: str
    title: str
    action: str
    biz_step: str
    disposition: str


STEPS: tuple[TraceStep, ...] = (
    TraceStep("design_approved", "Design approved", "ADD", "encoding", "encoded"),
    TraceStep("manufactured", "Manufactured", "OBSERVE", "commissioning", "active"),
    TraceStep("inspected", "Inspected", "OBSERVE", "inspecting", "conformant"),
    TraceStep("released", "Released", "OBSERVE", "storing", "sellable_not_accessible"),
    TraceStep("shipped", "Shipped", "OBSERVE", "shipping", "in_transit"),
    TraceStep("received", "Received at hospital", "OBSERVE", "receiving", "in_progress"),
    TraceStep("implanted", "Implanted", "OBSERVE", "dispensing", "dispensed"),
)
STEP_NAMES = tuple(step.name for step in STEPS)
_BY_NAME = {step.name: step for step in STEPS}
DESIGN_APPROVED = STEPS[0].name
"""The first step of every device's trace."""


def trace_events(case: CaseState, serial: str | None = None) -> list[Event]:
    """The case's ``trace_event`` events in log order (only those of one serial when given)."""
    return [
        event
        for event in case.events
        if (step := read_or_none(event, TraceEvent)) is not None and (serial is None or step.what.serial == serial)
    ]


def next_step(case: CaseState, record: UdiRecord) -> TraceStep | None:
    """The step a device may record next (None once its trace is complete)."""
    done = len(trace_events(case, record.udi.serial))
    return STEPS[done] if done < len(STEPS) else None


def _text(value: str, what: str, *, required: bool) -> str | None:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        if required:
            raise InvalidEventError(f"a trace event needs {what} (text)")
        return None
    if len(text) > MAX_TEXT:
        raise InvalidEventError(f"{what} is {len(text)} characters; at most {MAX_TEXT}")
    return text


def _parse_when(when: datetime | str | None) -> datetime:
    if when is None:
        return datetime.now().astimezone()
    if isinstance(when, str):
        try:
            parsed = datetime.fromisoformat(when)
        except ValueError:
            raise InvalidEventError(f"time {when!r} is not ISO 8601 (e.g. 2026-05-01T09:30:00+08:00)") from None
    else:
        parsed = when
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidEventError(f"time {when!s} has no time zone offset (e.g. +08:00)")
    return parsed


def add_trace_event(
    store: Store,
    case_code: str,
    step: str,
    *,
    where: str,
    why: str,
    gln: str | None = None,
    party: str | None = None,
    by: Session,
    when: datetime | str | None = None,
) -> Event:
    """Record the next critical step of the device of a case's current revision.

    Parameters
    ----------
    store
        The local store.
    case_code
        The case (it must have a UDI for its current revision).
    step
        One of :data:`STEP_NAMES`: the next one for this device.
    where
        The location as text (site, department, address).
    why
        The reason (e.g. "final inspection to QP-12 passed", "delivery note DN-4411").
    gln
        The location's GS1 GLN (13 digits), optional.
    party
        The organisation responsible, as text, optional.
    by
        The signed-in user who records the step (the event's actor, who attests it).
    when
        When the step happened: a timezone-aware time or ISO 8601 text with offset; default now.

    Returns
    -------
    Event
        The ``trace_event`` event.

    Raises
    ------
    InvalidEventError
        An unknown step, missing where/why, a time without zone, or a user without password.
    InvalidGtinError
        A GLN with a wrong check digit.
    NoUdiError
        The case's current revision has no UDI.
    NotSignedError
        The case is no longer signed (a later check or input change superseded its signatures): sign it again.
    ConflictUnresolvedError
        Two sites changed the case concurrently and no one has resolved it.
    TraceOrderError
        The step is not the next one, the device's trace is complete, or the time precedes the previous step's.
    NotInspectedError, NonconformingError
        ``inspected`` or ``released`` of a device without a passing inspection, or with a failing one (see
        :mod:`traceability.inspection`).
    """
    if step not in _BY_NAME:
        raise InvalidEventError(f"unknown trace step {step!r}: use one of {', '.join(STEP_NAMES)}")
    where_text = _text(where, "where (the location)", required=True)
    why_text = _text(why, "why (the reason)", required=True)
    party_text = _text(party or "", "party", required=False)
    gln_checked = None if gln is None else check_gln(gln)
    at = _parse_when(when)
    now = datetime.now().astimezone()
    if at > now + FUTURE_TOLERANCE:
        raise InvalidEventError(f"time {format_time(at)} is in the future (now {format_time(now)})")
    case = store.case(case_code)
    refuse_conflict(store, case, "record a trace step")
    record = current_udi(case)
    if record is None:
        raise NoUdiError(
            f"case {case.code} revision {case.revision} has no device identifier: assign one first "
            f"(dvw udi assign {case.code}; the case must be signed)"
        )
    valid_signatures(store, case)
    # The inspection's gate comes first: "released" without a passing inspection says so, not just "out of order".
    require_conforming(case, record, step)
    done = trace_events(case, record.udi.serial)
    expected = STEPS[len(done)].name if len(done) < len(STEPS) else None
    if expected is None:
        raise TraceOrderError(
            f"case {case.code} device {record.udi.serial}: the trace is complete ({STEPS[-1].name} recorded)"
        )
    if step != expected:
        recorded = ", ".join(read(e, TraceEvent).step for e in done) or "none"
        raise TraceOrderError(
            f"case {case.code} device {record.udi.serial}: step {step!r} is out of order; the next step is "
            f"{expected!r} (recorded: {recorded})"
        )
    if done:
        last = read(done[-1], TraceEvent)
        previous = datetime.fromisoformat(last.when)
        if at < previous:
            raise TraceOrderError(
                f"case {case.code} device {record.udi.serial}: {step} at {format_time(at)} is earlier than the "
                f"previous step {last.step} at {last.when}"
            )
    payload = _payload(
        store,
        record,
        step,
        len(done) + 1,
        at=at,
        where=where_text,
        why=why_text,
        gln=gln_checked,
        party=party_text,
        by=by,
    )
    return store.append(TRACE_EVENT, case_code=case.code, payload=payload, by=by)


def _payload(
    store: Store,
    record: UdiRecord,
    step: str,
    sequence: int,
    *,
    at: datetime,
    where: str | None,
    why: str | None,
    gln: str | None,
    party: str | None,
    by: Session,
) -> dict[str, Any]:
    """The payload of a ``trace_event`` (the values are checked by the caller)."""
    who: dict[str, Any] = {"site_id": store.site_id, "user_id": None, "party": party}
    who.update(by.user.signer_json())
    return {
        "format": TRACE_FORMAT,
        "step": step,
        "sequence": sequence,
        "revision": record.revision,
        "udi_event_id": record.event.event_id,
        "udi_event_hash": record.event.hash,
        "what": {
            "udi_di": record.udi.gtin,
            "serial": record.udi.serial,
            "hri": record.udi.hri,
            "epc": record.udi.epc_uri,
        },
        "when": at.isoformat(),
        "where": {"location": where, "gln": gln},
        "why": why,
        "who": who,
    }


class TracedMeanwhileError(TraceOrderError, ApprovedMeanwhileError):
    """The device got a trace step between reading the case and appending its ``design_approved`` (another writer)."""

    code = TraceOrderError.code


@dataclass(frozen=True)
class DesignApproval(Approval):
    """What recording a design's approval does to the trace of the case's current device.

    Attributes
    ----------
    item
        The ``design_approved`` event to append in the same transaction as the approval, or None.
    precondition
        The check to run inside that transaction (the device still has no trace step), or None.
    existing
        The device's ``design_approved`` event when it was already recorded, or None.
    note
        One line saying why no step is appended (None when ``item`` is given).
    kinds
        ``trace_event``, the kind ``precondition`` reads.
    record
        The current revision's UDI (the device the step names), or None when the revision has none.
    """

    kinds: tuple[str, ...] = (TRACE_EVENT,)
    record: UdiRecord | None = None


def design_approved_event(
    store: Store, case: CaseState, *, why: str, by: Session, at: datetime, where: str | None = None
) -> DesignApproval:
    """The ``design_approved`` step to record with a design's approval (see the module docstring).

    Parameters
    ----------
    store
        The local store.
    case
        The case as read before the approval is appended.
    why
        The reason (e.g. "clinical design confirmation signed").
    by
        The person approving (the event's actor, who attests it).
    at
        When the design was approved (the event's *when*).
    where
        The location as text; default this workstation (``DVW workstation <site id>``).

    Returns
    -------
    DesignApproval
        The event to append, or why there is none: the revision has no UDI yet (the step names its device; it is
        recorded by hand once the UDI is assigned), or the device's trace already has its first step.
    """
    record = current_udi(case)
    if record is None:
        return DesignApproval(
            None,
            note=f"{DESIGN_APPROVED} not recorded: case {case.code} revision {case.revision} has no device identifier "
            f"yet (a trace step names its device); record it once the UDI is assigned: dvw udi assign {case.code}, "
            f"then dvw trace add {case.code} --step {DESIGN_APPROVED}",
        )
    serial = record.udi.serial
    done = trace_events(case, serial)
    if done:
        first = done[0]
        return DesignApproval(
            None,
            existing=first,
            note=(
                f"{DESIGN_APPROVED} of device {serial} was already recorded (event seq {first.seq}); not recorded again"
            ),
            record=record,
        )
    location = _text(where or f"DVW workstation {store.site_id}", "where (the location)", required=True)
    reason = _text(why, "why (the reason)", required=True)
    payload = _payload(
        store, record, DESIGN_APPROVED, 1, at=at, where=location, why=reason, gln=None, party=None, by=by
    )

    def untraced(held: Sequence[Event]) -> None:
        for event in held:
            step = read_or_none(event, TraceEvent)
            if step is not None and step.what.serial == serial:
                raise TracedMeanwhileError(
                    f"case {case.code} device {serial}: {step.step} was recorded meanwhile (event seq {event.seq})"
                )

    return DesignApproval(NewEvent(TRACE_EVENT, case.code, payload, by, at), untraced, record=record)


def _offset(when: datetime) -> str:
    offset = when.utcoffset()
    assert offset is not None  # times are checked to carry a zone when recorded
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_WHO_KEYS = {
    "site_id": "dvw:siteId",
    "user_id": "dvw:userId",
    "printed_name": "dvw:printedName",
    "role": "dvw:role",
    "qualification": "dvw:qualification",
    "party": "dvw:party",
}


def _who(who: TraceWho) -> dict[str, Any]:
    # Nested keys of an extension field are namespaced too, so a JSON-LD processor keeps them when expanding.
    fields = msgspec.structs.asdict(who)
    return {_WHO_KEYS[key]: value for key, value in fields.items() if key in _WHO_KEYS and value is not None}


def _object_event(event: Event, records: Mapping[str, UdiRecord]) -> dict[str, Any]:
    payload = read(event, TraceEvent)
    step = _BY_NAME[payload.step]
    when = datetime.fromisoformat(payload.when)
    what, where = payload.what, payload.where
    gln = where.gln
    location = f"https://id.gs1.org/414/{gln}" if gln else None
    item: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:{uuid.UUID(hex=event.event_id)}",
        "eventTime": when.isoformat(),
        "eventTimeZoneOffset": _offset(when),
        "recordTime": event.created_at,
        "epcList": [what.epc],
        "action": step.action,
        "bizStep": step.biz_step,
        "disposition": step.disposition,
        "readPoint": {"id": location or f"urn:dvw:site:{event.site_id}"},
    }
    if location is not None:
        item["bizLocation"] = {"id": location}
    record = records.get(payload.udi_event_id)
    if step.action == "ADD" and record is not None:
        ilmd: dict[str, Any] = {}
        if record.udi.lot is not None:
            ilmd["cbvmda:lotNumber"] = record.udi.lot
        if record.udi.expiry_date is not None:
            ilmd["cbvmda:itemExpirationDate"] = record.udi.expiry_date.isoformat()
        if ilmd:
            item["ilmd"] = ilmd
    item.update(
        {
            "dvw:step": step.name,
            "dvw:why": payload.why,
            "dvw:where": where.location,
            "dvw:who": _who(payload.who),
            "dvw:udi": what.hri,
            "dvw:caseCode": event.case_code,
            "dvw:revision": payload.revision,
            "dvw:eventHash": event.hash,
        }
    )
    return item


def epcis_document(case: CaseState, *, created_at: datetime | None = None) -> dict[str, Any]:
    """The case's trace as an EPCIS 2.0 JSON-LD ``EPCISDocument`` (see the module docstring).

    Parameters
    ----------
    case
        The case; it must have been assigned a UDI.
    created_at
        The document's ``creationDate`` (timezone-aware); default now.

    Returns
    -------
    dict
        The document, ready for ``json.dumps``.

    Raises
    ------
    NoUdiError
        The case never had a UDI (there is nothing to trace).
    """
    records = {record.event.event_id: record for record in udi_records(case)}
    if not records:
        raise NoUdiError(f"case {case.code} has no device identifier: nothing to export (dvw udi assign first)")
    created = datetime.now().astimezone() if created_at is None else created_at
    return {
        "@context": [EPCIS_CONTEXT, {"dvw": DVW_NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": format_time(created),
        "epcisBody": {"eventList": _event_list(case, records)},
    }


def _event_list(case: CaseState, records: Mapping[str, UdiRecord]) -> list[dict[str, Any]]:
    """The case's ObjectEvents and, for each build record, its TransformationEvent, in log order."""
    items = []
    for event in case.events:
        if read_or_none(event, TraceEvent) is not None:
            items.append(_object_event(event, records))
        elif (build := read_or_none(event, BuildRecorded)) is not None and (
            record := records.get(build.udi_event_id)
        ) is not None:
            items.append(_transformation_event(event, build, record))
    return items


def _transformation_event(event: Event, payload: BuildRecorded, record: UdiRecord) -> dict[str, Any]:
    """A build record as an EPCIS ``TransformationEvent``: the material lots in, the device's serial out."""
    build = payload.build
    finished = datetime.fromisoformat(build["finished"])
    return {
        "type": "TransformationEvent",
        "eventID": f"urn:uuid:{uuid.UUID(hex=event.event_id)}",
        "eventTime": finished.isoformat(),
        "eventTimeZoneOffset": _offset(finished),
        "recordTime": event.created_at,
        "inputQuantityList": [{"epcClass": material["epc_class"]} for material in build["materials"]],
        "outputEPCList": [record.udi.epc_uri],
        "transformationID": f"urn:dvw:build:{quote(str(build['job_id']), safe='')}",
        "bizStep": "commissioning",
        "disposition": "active",
        "readPoint": {"id": f"urn:dvw:site:{event.site_id}"},
        "dvw:step": "built",
        "dvw:printer": {
            "dvw:equipmentId": build["printer"]["equipment_id"],
            "dvw:calibrationDue": build["printer"]["calibration_due"],
        },
        "dvw:parameterSet": {"dvw:name": build["parameters"]["name"], "dvw:sha256": build["parameters"]["sha256"]},
        "dvw:materials": [
            {
                "dvw:material": m["material"],
                "dvw:supplier": m["supplier"],
                "dvw:lot": m["lot"],
                "dvw:virginShare": m["virgin_share"],
            }
            for m in build["materials"]
        ],
        "dvw:operator": build["operator"]["user_id"],
        "dvw:environment": [
            {"dvw:quantity": r["quantity"], "dvw:value": r["value"], "dvw:unit": r["unit"]}
            for r in build["environment"]
        ],
        "dvw:witnessSample": build["witness_sample"],
        "dvw:udi": record.udi.hri,
        "dvw:caseCode": event.case_code,
        "dvw:revision": payload.revision,
        "dvw:eventHash": event.hash,
    }
