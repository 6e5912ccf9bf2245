"""UDI assignment: one UDI per signed case revision, recorded by a ``udi_assigned`` event, serials never reused.

Assignment (:func:`assign_udi`) and uniqueness:

- only a *signed* case gets a UDI (and returns it when asked again): its state is ``signed`` and at least one of
  its signatures is valid for the current revision and verifies (Ed25519) against the signer's key;
- the ``udi_assigned`` event links the case revision, the check event's hash, every valid signature (event id, hash,
  meaning, signer id), the family (id and the SHA-256 of its file), the UDI-DI, the UDI-PI fields, the element
  string, HRI and GS1 Digital Link URI;
- assigning again for the same revision returns the existing UDI (nothing is written) unless a new one is asked for
  (a remake of the device); a new revision, once signed, gets a new serial;
- a generated serial is the first 6 hex digits of this site's id (upper case), ``-`` and 12 random decimal digits
  (``secrets``), e.g. ``3FA9C1-048213377012``: random and multi-digit as the guideline asks, and two sites cannot
  draw the same serial unless their site ids share 6 hex digits *and* the 12 random digits coincide. Every serial
  held in the store (this site's and those synced from other sites) is checked before an assignment; a duplicate,
  generated or given, is refused with :class:`~records.errors.DuplicateSerialError`. Serials are unique across the
  whole store, whatever the GTIN. The check runs inside the write transaction that appends the ``udi_assigned``
  event (:meth:`records.store.Store.append`'s precondition), so two processes assigning the same serial at once
  cannot both succeed: the second sees the first's event and is refused;
- a case with unresolved concurrent revisions from two sites (:mod:`records.sync.conflicts`) gets no UDI, label,
  trace step or release until a person resolves them.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from records.cases import SIGNED, CaseState
from records.errors import ConflictUnresolvedError
from records.events import Event, format_time
from records.payloads import CheckRun, Signature, UdiAssigned, read, read_or_none
from records.store import Store
from traceability.errors import DeviceFamilyError, DuplicateSerialError, NotSignedError
from traceability.families import device_family
from traceability.gs1 import ISSUING_AGENCY, Udi, check_cset82, parse_udi

UDI_ASSIGNED = "udi_assigned"
UDI_FORMAT = "dvw-udi/1"
SERIAL_RANDOM_DIGITS = 12


# ---------------------------------------------------------------------------------------------- UDI records


@dataclass(frozen=True)
class UdiRecord:
    """A UDI as recorded by a ``udi_assigned`` event.

    Attributes
    ----------
    event
        The ``udi_assigned`` event.
    udi
        The UDI it assigned.
    case_code, revision
        The case revision it identifies.
    family_id, device_name, sample
        The device family (id, label name, whether a sample).
    """

    event: Event
    udi: Udi
    case_code: str
    revision: int
    family_id: str
    device_name: str
    sample: bool

    @classmethod
    def from_event(cls, event: Event) -> UdiRecord:
        """The record of a ``udi_assigned`` event.

        Raises
        ------
        InvalidGs1ValueError, InvalidGtinError
            When the event's element string is malformed.
        """
        payload = read(event, UdiAssigned)
        family = payload.family
        reference = datetime.fromisoformat(event.created_at).date()
        return cls(
            event=event,
            udi=parse_udi(payload.element_string, reference=reference),
            case_code=str(event.case_code),
            revision=payload.revision,
            family_id=str(family.get("id", "")),
            device_name=str(family.get("device_name", "")),
            sample=bool(family.get("sample", False)),
        )

    def to_json(self) -> dict[str, Any]:
        """``dvw udi assign --json``'s object: the case, UDI fields and the recording event."""
        return {
            "case_code": self.case_code,
            "revision": self.revision,
            "family": self.family_id,
            "device_name": self.device_name,
            "issuing_agency": ISSUING_AGENCY,
            **self.udi.to_json(),
            "sample": self.sample,
            "event_id": self.event.event_id,
            "event_hash": self.event.hash,
            "assigned_at": self.event.created_at,
        }


def udi_records(case: CaseState) -> list[UdiRecord]:
    """Every UDI assigned to a case (any revision), oldest first."""
    return [UdiRecord.from_event(event) for event in case.events if event.kind == UDI_ASSIGNED]


def current_udi(case: CaseState) -> UdiRecord | None:
    """The newest UDI of the case's current revision, or None (a new revision has none until it is assigned)."""
    found = [record for record in udi_records(case) if record.revision == case.revision]
    return found[-1] if found else None


def assigned_serials(store: Store) -> dict[str, tuple[str, str]]:
    """Every serial held in the store (all sites' ``udi_assigned`` events) -> (case code, event id)."""
    serials: dict[str, tuple[str, str]] = {}
    for event in store.events():
        assigned = read_or_none(event, UdiAssigned)
        if assigned is not None:
            serials.setdefault(assigned.udi_pi.serial, (str(event.case_code), event.event_id))
    return serials


def new_serial(site_id: str, taken: Mapping[str, object]) -> str:
    """A random serial for this site, not in ``taken``: 6 hex digits of the site id, ``-``, 12 random digits."""
    tag = site_id[:6].upper()
    while True:
        serial = f"{tag}-{secrets.randbelow(10**SERIAL_RANDOM_DIGITS):0{SERIAL_RANDOM_DIGITS}d}"
        if serial not in taken:
            return serial


def refuse_conflict(store: Store, case: CaseState, what: str) -> None:
    """Refuse to ``what`` for a case that two sites changed concurrently and no one has resolved.

    Raises
    ------
    ConflictUnresolvedError
        The case has an unresolved conflict (or its code was created by two sites).
    """
    from records.sync.conflicts import find_conflicts  # noqa: PLC0415 - the sync package imports this module's peers

    for conflict in find_conflicts(store.events()):
        if conflict.case_code == case.code:
            sites = ", ".join(branch.site_id[:8] for branch in conflict.branches)
            raise ConflictUnresolvedError(
                f"case {case.code} has concurrent revisions from sites {sites}: cannot {what} until a person resolves "
                f'them (dvw site resolve {case.code} --keep SITE --reason "...")'
            )


def valid_signatures(store: Store, case: CaseState) -> list[Event]:
    """The case's signatures valid for its current revision, each verified against its signer's key.

    Raises
    ------
    NotSignedError
        The case is not signed (never, or its signatures were superseded), or a signature does not verify.
    """
    from records.signatures import VALID, signature_checker, signature_status  # noqa: PLC0415 - loads cryptography

    if case.state != SIGNED:
        raise NotSignedError(
            f"case {case.code} revision {case.revision} is {case.state}, not signed: a device identifier is "
            "assigned only to a signed design (dvw sign)"
        )
    valid = [event for event, status in signature_status(case) if status == VALID]
    if not valid:
        raise NotSignedError(f"case {case.code} revision {case.revision} has no valid signature (all superseded)")
    checker = signature_checker(store)
    for event in valid:
        problem = checker(event)
        if problem is not None:
            raise NotSignedError(f"case {case.code}: signature event {event.event_id} does not verify: {problem}")
    return valid


def _family_id(case: CaseState) -> str:
    check = case.check
    family = None if check is None else read(check, CheckRun).envelope_ref.family
    if not family:
        raise DeviceFamilyError(f"case {case.code}: its check names no device family (envelope.family)")
    return family


def assign_udi(
    store: Store,
    case_code: str,
    *,
    home: Path | None = None,
    serial: str | None = None,
    lot: str | None = None,
    production_date: date | None = None,
    new: bool = False,
    now: datetime | None = None,
    by: Any,
) -> tuple[UdiRecord, bool]:
    """Assign (or return) the UDI of a signed case's current revision.

    Parameters
    ----------
    store
        The local store.
    case_code
        The case.
    home
        Where ``device-families/`` is looked up (default: the store's home).
    serial
        A serial to use (e.g. from the manufacturing system) instead of a generated one.
    lot
        The lot (AI 10); default by the family's lot policy.
    production_date
        AI 11; default the date of ``now``.
    new
        Assign another UDI even if the revision has one (a remake of the device).
    now
        The assignment time (timezone-aware); default now in the local zone.
    by
        The signed-in user who assigns it (:class:`records.users.Session`; the event's actor).

    Returns
    -------
    tuple of (UdiRecord, bool)
        The UDI, and whether it was assigned now (False: the revision's existing UDI, nothing written).

    Raises
    ------
    CaseNotFoundError
        No such case.
    NotSignedError
        The case is not signed, or no signature of its current revision is valid and verifies.
    DeviceFamilyError
        The check names no family, no family file has its id, or a lot is required and not given.
    DuplicateSerialError
        The serial is already held in the store, or the revision already has another serial (without ``new``).
    ConflictUnresolvedError
        Two sites changed the case concurrently and no one has resolved it.
    InvalidGs1ValueError, InvalidGtinError
        A bad serial or lot (length, character set).
    """
    at = datetime.now().astimezone() if now is None else now
    format_time(at)
    case = store.case(case_code)
    if serial is not None:
        check_cset82(serial, "serial number (AI 21)")
    if lot is not None:
        check_cset82(lot, "lot (AI 10)")
    refuse_conflict(store, case, "assign a device identifier")
    signatures = valid_signatures(store, case)
    existing = current_udi(case)
    if existing is not None and not new:
        if serial is None or serial == existing.udi.serial:
            return existing, False
        raise DuplicateSerialError(
            f"case {case.code} revision {case.revision} already has serial {existing.udi.serial}; "
            "ask for a new UDI (--new) to assign another"
        )
    family = device_family(store.home if home is None else home, _family_id(case))
    taken = assigned_serials(store)
    if serial is not None and serial in taken:
        owner, event_id = taken[serial]
        raise DuplicateSerialError(
            f"serial {serial} is already assigned (case {owner}, event {event_id}); serials are never reused"
        )
    chosen_serial = serial if serial is not None else new_serial(store.site_id, taken)
    if lot is None and family.lot_policy == "case_code":
        lot = check_cset82(case.code, f"lot (AI 10) from case code {case.code}")
    if lot is None and family.lot_policy == "required":
        raise DeviceFamilyError(f"device family {family.family_id} requires a lot (AI 10): give one (--lot)")
    made = at.date() if production_date is None else production_date
    expiry = None if family.shelf_life_days is None else made + timedelta(days=family.shelf_life_days)
    udi = Udi(gtin=family.udi_di, serial=chosen_serial, production_date=made, expiry_date=expiry, lot=lot)
    check = case.check
    assert check is not None  # a signed case has a current check
    payload = {
        "format": UDI_FORMAT,
        "revision": case.revision,
        "issuing_agency": ISSUING_AGENCY,
        "family": {
            "id": family.family_id,
            "device_name": family.device_name,
            "source": family.source,
            "sha256": family.sha256,
            "sample": family.sample,
        },
        "udi_di": udi.gtin,
        "packaging": [level.to_json() for level in family.packaging],
        "udi_pi": udi.pi_json(),
        "element_string": udi.element_string,
        "hri": udi.hri,
        "digital_link": udi.digital_link,
        "epc": udi.epc_uri,
        "check_event_hash": check.hash,
        "signatures": [
            {
                "event_id": event.event_id,
                "event_hash": event.hash,
                "meaning": read(event, Signature).content.meaning,
                "signer": event.actor,
            }
            for event in signatures
        ],
        "case_head_hash": case.events[-1].hash,
        "replaces": None if existing is None else existing.event.event_id,
    }
    chosen = udi.serial

    def still_free(held: Sequence[Event]) -> None:
        # Inside the write transaction: no other process can assign meanwhile.
        for other in held:
            assigned = read_or_none(other, UdiAssigned)
            if assigned is None:
                continue
            if assigned.udi_pi.serial == chosen:
                raise DuplicateSerialError(
                    f"serial {chosen} is already assigned (case {other.case_code}, event {other.event_id}); serials "
                    "are never reused"
                )
            if not new and other.case_code == case.code and assigned.revision == case.revision:
                raise DuplicateSerialError(
                    f"case {case.code} revision {case.revision} was given serial {assigned.udi_pi.serial} "
                    "meanwhile; ask again to see it"
                )

    event = store.append(
        UDI_ASSIGNED,
        case_code=case.code,
        payload=payload,
        by=by,
        at=at,
        precondition=still_free,
        precondition_kinds=(UDI_ASSIGNED,),
    )
    return UdiRecord.from_event(event), True
