"""Trace events on a real signed case with a UDI: the step order, the five key data elements, privacy, the EPCIS 2.0
export validated against GS1's EPCIS 2.0 JSON schema, and the case report's UDI and trace sections."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from case_support import manifest_id, run_check, sign_in_session
from inspection_support import record_passing_inspection
from jsonschema import Draft7Validator, FormatChecker
from people import People, password_of
from PIL import Image
from test_udi import CODE, record_signed_case

from records.errors import IdentityInPayloadError, InvalidEventError, UserDisabledError
from records.identity import verify_attestation
from records.reverification import record_reverification
from records.signatures import Signed, signature_checker
from records.store import Store
from records.users import Session, add_user, disable_user, load_users, sign_in
from traceability.assignment import assign_udi
from traceability.errors import InvalidGtinError, NotSignedError, NoUdiError, TraceOrderError
from traceability.label import decode_symbol
from traceability.report import build_report
from traceability.signing import sign_and_record_as
from traceability.trace import EPCIS_CONTEXT, STEP_NAMES, STEPS, add_trace_event, epcis_document, trace_events

SCHEMA = json.loads((Path(__file__).parent / "data" / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
HKT = timezone(timedelta(hours=8))
START = datetime(2026, 11, 2, 9, 0, tzinfo=HKT)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    # RFC 3339: a full date and time with a zone (Z or an offset).
    if not isinstance(value, str) or not re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value
    ):
        return False
    return datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or _URI.fullmatch(value) is not None


def validate(document: dict[str, Any]) -> list[str]:
    validator = Draft7Validator(SCHEMA, format_checker=FORMATS)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


@pytest.fixture
def home(people_home: tuple[Path, People]) -> Path:
    """A copy of a set-up workstation's home (the ``store`` fixture opens it)."""
    return people_home[0]


@pytest.fixture
def people(people_home: tuple[Path, People]) -> People:
    """The signed-in users of ``home``."""
    return people_home[1]


@pytest.fixture
def signed(store: Store, people: People) -> Store:
    record_signed_case(store, people)
    return store


@pytest.fixture
def verified(store: Store, people: People) -> Store:
    """Case CODE checked within its envelope and signed by the engineer's "design verification" only: it may get its
    UDI before the clinician confirms the design."""
    record_signed_case(store, people, sign_it=False)
    sign_in_session(store, people.engineer, "design verification", CODE)
    return store


def _confirm(store: Store, people: People, *, at: datetime = START) -> Signed:
    """The clinician's "clinical design confirmation" of CODE, signed at ``at``."""
    return sign_and_record_as(
        store, CODE, people.clinician, "clinical design confirmation", manifest_id=manifest_id(), at=at
    )


def _add(store: Store, step: str, hours: float, by: Session, **extra: Any) -> Any:
    return add_trace_event(
        store,
        CODE,
        step,
        where=f"place of {step}",
        why=f"reason for {step}",
        when=START + timedelta(hours=hours),
        by=by,
        **extra,
    )


def test_steps_before_the_udi_and_out_of_order_are_refused_with_the_next_step(signed: Store, people: People) -> None:
    eng = people.engineer
    with pytest.raises(NoUdiError, match=f"dvw udi assign {CODE}"):
        _add(signed, "design_approved", 0, eng)
    record, _ = assign_udi(signed, CODE, now=START, by=eng)
    with pytest.raises(TraceOrderError, match="step 'shipped' is out of order; the next step is 'design_approved'"):
        _add(signed, "shipped", 1, eng)
    _add(signed, "design_approved", 1, eng)
    with pytest.raises(TraceOrderError, match=r"the next step is 'manufactured' \(recorded: design_approved\)"):
        _add(signed, "design_approved", 2, eng)
    with pytest.raises(TraceOrderError, match="earlier than the previous step design_approved"):
        _add(signed, "manufactured", 0.5, eng)
    with pytest.raises(InvalidEventError, match="unknown trace step 'sterilised'"):
        _add(signed, "sterilised", 2, eng)
    with pytest.raises(InvalidEventError, match="no time zone"):
        add_trace_event(signed, CODE, "manufactured", where="x", why="y", when="2026-11-02T12:00:00", by=eng)
    future = datetime.now(HKT) + timedelta(days=1)
    with pytest.raises(InvalidEventError, match="in the future"):
        add_trace_event(signed, CODE, "manufactured", where="x", why="y", when=future, by=eng)
    with pytest.raises(InvalidEventError, match="needs why"):
        add_trace_event(signed, CODE, "manufactured", where="x", why="  ", when=START + timedelta(hours=2), by=eng)
    with pytest.raises(InvalidGtinError, match="GLN 0614141000006 has a wrong check digit"):
        _add(signed, "manufactured", 2, eng, gln="0614141000006")
    record_passing_inspection(signed, CODE, people.quality)  # what "inspected" and "released" need
    disable_user(signed, "qa1", by=people.admin)
    with pytest.raises(UserDisabledError, match="qa1 was disabled"):
        _add(signed, "manufactured", 2, people.quality)  # a session kept after the user was disabled
    for hours, step in enumerate(STEP_NAMES[1:], start=2):
        _add(signed, step, hours, eng)
    with pytest.raises(TraceOrderError, match=f"device {record.udi.serial}: the trace is complete"):
        _add(signed, "implanted", 20, eng)
    assert [e.payload["step"] for e in trace_events(signed.case(CODE))] == list(STEP_NAMES)
    assert signed.verify(signature_checker(signed)).ok


def test_a_trace_event_records_who_what_when_where_why(signed: Store, people: People) -> None:
    password = "quality-lead-password"
    add_user(
        signed,
        "qa",
        printed_name="Q. Manager",
        role="quality",
        password=password,
        qualification="QA lead",
        by=people.admin,
    )
    qa = sign_in(signed, "qa", password)
    record, _ = assign_udi(signed, CODE, now=START, by=people.engineer)
    event = add_trace_event(
        signed,
        CODE,
        "design_approved",
        where="DVW design lab, Kowloon",
        why="clinical design confirmation signed",
        gln="0614141000005",
        party="ACME Implants Ltd",
        by=qa,
        when="2026-11-02T10:15:00+08:00",
    )
    assert event.actor == "qa"
    assert event.payload["who"] == {
        "site_id": signed.site_id,
        "user_id": "qa",
        "printed_name": "Q. Manager",
        "role": "quality",
        "qualification": "QA lead",
        "party": "ACME Implants Ltd",
    }
    assert event.payload["what"] == {
        "udi_di": "00614141000012",
        "serial": record.udi.serial,
        "hri": record.udi.hri,
        "epc": f"https://id.gs1.org/01/00614141000012/21/{record.udi.serial}",
    }
    assert event.payload["when"] == "2026-11-02T10:15:00+08:00"
    assert event.payload["where"] == {"location": "DVW design lab, Kowloon", "gln": "0614141000005"}
    assert event.payload["why"] == "clinical design confirmation signed"
    assert (event.payload["udi_event_hash"], event.payload["revision"]) == (record.event.hash, 1)
    # Every step names the person who recorded it (there is no step without one: ``by`` is required).
    second = _add(signed, "manufactured", 3, people.engineer)
    assert second.actor == "eng1"
    assert second.payload["who"] == {
        "site_id": signed.site_id,
        "user_id": "eng1",
        "printed_name": "Eve Engineer",
        "role": "engineer",
        "qualification": None,
        "party": None,
    }
    assert signed.verify().ok


def test_a_superseded_signature_stops_the_trace_until_the_case_is_signed_again(signed: Store, people: People) -> None:
    eng = people.engineer
    assign_udi(signed, CODE, now=START, by=eng)
    _add(signed, "design_approved", 0, eng)
    check_event = signed.case(CODE).check
    assert check_event is not None
    signed.append("check_run", case_code=CODE, payload=check_event.payload, by=eng)  # the same check, run again
    with pytest.raises(NotSignedError, match="is checked, not signed"):
        _add(signed, "manufactured", 1, eng)
    with pytest.raises(NotSignedError):
        assign_udi(signed, CODE, by=eng)
    again = _confirm(signed, people, at=START + timedelta(minutes=30))
    # The device's trace already has its first step: the confirmation records no second one, and says so.
    first = trace_events(signed.case(CODE))[0]
    assert (again.design_approved, again.existing, again.approves_design) == (None, first, True)
    serial = first.payload["what"]["serial"]
    assert (
        again.note
        == f"design_approved of device {serial} was already recorded (event seq {first.seq}); not recorded again"
    )
    assert _add(signed, "manufactured", 1, eng).payload["sequence"] == 2
    assert [e.payload["step"] for e in trace_events(signed.case(CODE))] == ["design_approved", "manufactured"]


def _full_trace(store: Store, people: People) -> None:
    """The UDI (after the engineer's design verification), the clinician's confirmation (which records
    design_approved), then every other step by the engineer."""
    assign_udi(store, CODE, now=START, by=people.engineer)
    assert _confirm(store, people).design_approved is not None
    record_passing_inspection(store, CODE, people.quality)
    for hours, step in enumerate(STEP_NAMES[1:], start=1):
        gln = "0614141000005" if step in ("shipped", "received") else None
        _add(store, step, hours, people.engineer, gln=gln)


def test_the_epcis_export_validates_against_the_epcis_2_schema(verified: Store, people: People) -> None:
    signed = verified
    _full_trace(signed, people)
    case = signed.case(CODE)
    created = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
    document = epcis_document(case, created_at=created)
    assert validate(document) == []
    assert document["@context"][0] == EPCIS_CONTEXT
    assert (document["type"], document["schemaVersion"], document["creationDate"]) == (
        "EPCISDocument",
        "2.0",
        "2026-11-03T08:00:00.000000+00:00",
    )
    events = document["epcisBody"]["eventList"]
    stored = trace_events(case)
    assert [(e["action"], e["bizStep"], e["disposition"]) for e in events] == [
        (s.action, s.biz_step, s.disposition) for s in STEPS
    ]
    assert [e["bizStep"] for e in events] == [
        "encoding",
        "commissioning",
        "inspecting",
        "storing",
        "shipping",
        "receiving",
        "dispensing",
    ]
    record = assign_udi(signed, CODE, by=people.engineer)[0]
    for item, event in zip(events, stored, strict=True):
        assert item["type"] == "ObjectEvent"
        assert item["epcList"] == [record.udi.epc_uri]
        assert item["eventTime"] == event.payload["when"]
        assert item["eventTimeZoneOffset"] == "+08:00"
        assert item["recordTime"] == event.created_at
        hex_id = event.event_id
        assert item["eventID"] == f"urn:uuid:{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"
        assert (item["dvw:eventHash"], item["dvw:caseCode"], item["dvw:why"]) == (
            event.hash,
            CODE,
            event.payload["why"],
        )
    assert events[0]["ilmd"] == {
        "cbvmda:lotNumber": CODE,
        "cbvmda:itemExpirationDate": record.udi.expiry_date.isoformat() if record.udi.expiry_date else None,
    }
    assert events[4]["bizLocation"] == {"id": "https://id.gs1.org/414/0614141000005"}
    assert events[0]["readPoint"] == {"id": f"urn:dvw:site:{signed.site_id}"}
    assert "bizLocation" not in events[0]
    assert events[0]["dvw:who"] == {  # recorded by the clinician's confirmation
        "dvw:siteId": signed.site_id,
        "dvw:userId": "clin1",
        "dvw:printedName": "Dr Cleo Clinician",
        "dvw:role": "clinician",
    }
    assert (events[0]["dvw:why"], events[0]["dvw:where"]) == (
        "clinical design confirmation signed",
        f"DVW workstation {signed.site_id}",
    )
    assert events[1]["dvw:who"]["dvw:userId"] == "eng1"

    # The schema is not a formality: documents that break EPCIS rules fail it.
    broken = json.loads(json.dumps(document))
    del broken["epcisBody"]["eventList"][2]["eventTimeZoneOffset"]
    broken["epcisBody"]["eventList"][3]["action"] = "MOVE"
    broken["epcisBody"]["eventList"][5]["eventTime"] = "3 November 2026"
    problems = validate(broken)
    assert any("eventTimeZoneOffset" in p for p in problems)
    assert any("'MOVE' is not one of" in p for p in problems)
    assert any("3 November 2026" in p for p in problems)


def test_no_patient_identity_in_trace_events_or_the_export(verified: Store, people: People) -> None:
    signed = verified
    signed.set_patient_identity(CODE, name="Wong^Mei Ling", patient_id="HK-PID-778899", birth_date="1961-03-04")
    assign_udi(signed, CODE, now=START, by=people.engineer)
    with pytest.raises(IdentityInPayloadError):
        _add_text(signed, people.engineer, why="fitted for WONG Mei Ling")
    with pytest.raises(IdentityInPayloadError):
        _add_text(signed, people.engineer, where="HK-PID-778899")
    _full_trace(signed, people)
    text = json.dumps(epcis_document(signed.case(CODE)))
    for secret in ("Wong", "Mei Ling"):
        assert secret not in text
    # Digits are searched outside runs of hex digits: an event hash, id or random serial may hold them by chance.
    for secret in ("778899", "1961"):
        assert re.search(rf"(?<![0-9A-Fa-f]){secret}(?![0-9A-Fa-f])", text) is None, secret


def _add_text(store: Store, by: Session, *, where: str = "ward", why: str = "ok") -> None:
    add_trace_event(store, CODE, "design_approved", where=where, why=why, when=START + timedelta(hours=1), by=by)


def test_the_export_needs_a_udi(signed: Store, people: People) -> None:
    with pytest.raises(NoUdiError, match="nothing to export"):
        epcis_document(signed.case(CODE))
    assign_udi(signed, CODE, now=START, by=people.engineer)
    document = epcis_document(signed.case(CODE))
    assert document["epcisBody"]["eventList"] == []
    assert validate(document) == []


def test_the_report_shows_the_udi_the_datamatrix_and_the_trace(verified: Store, people: People, tmp_path: Path) -> None:
    signed = verified
    _full_trace(signed, people)
    case = signed.case(CODE)
    record = assign_udi(signed, CODE, by=people.engineer)[0]
    pdf = build_report(
        case,
        audit=signed.verify(signature_checker(signed)),
        manifest_id="m" * 64,
        software_version="test",
        validated=True,
        generated_at=START,
    )
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "Device identification (UDI)" in text
    assert record.udi.hri in flat
    assert record.udi.element_string.replace("\x1d", "<GS>") in flat
    assert record.udi.serial in text
    assert "Trace events" in text
    for step in STEP_NAMES:
        assert step in text
    assert "place of received" in text
    # The report's DataMatrix, printed and rasterised, still reads back as the UDI.
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", str(path), str(tmp_path / "page")], check=True)
    found = []
    for page in sorted(tmp_path.glob("page*.png")):
        with Image.open(page) as image:
            found.append(decode_symbol(np.asarray(image)))
    assert [d.element_string for d in found if d is not None and d.gs1] == [record.udi.element_string]


# ------------------------------------------------------------------------- design_approved with the confirmation


def test_the_clinical_confirmation_records_design_approved_in_the_same_transaction(
    verified: Store, people: People
) -> None:
    record, _ = assign_udi(verified, CODE, now=START, by=people.engineer)
    before = verified.event_count()
    result = _confirm(verified, people)
    signature, approved = result.signature, result.design_approved
    assert approved is not None
    assert (result.existing, result.note, result.approves_design) == (None, None, True)
    # Both were appended by one append (one transaction): adjacent in the chain, the same time, the same clinician.
    assert verified.event_count() == before + 2
    assert (signature.kind, approved.kind) == ("signature", "trace_event")
    assert approved.seq == signature.seq + 1
    assert approved.prev_hash == signature.hash
    assert approved.created_at == signature.created_at == signature.payload["content"]["signed_at"]
    assert (signature.actor, approved.actor) == ("clin1", "clin1")
    clinician = load_users(verified)["clin1"]
    assert verify_attestation(clinician.public_key_pem, "clin1", approved)
    assert approved.payload == {
        "format": "dvw-trace/1",
        "step": "design_approved",
        "sequence": 1,
        "revision": 1,
        "udi_event_id": record.event.event_id,
        "udi_event_hash": record.event.hash,
        "what": {
            "udi_di": "00614141000012",
            "serial": record.udi.serial,
            "hri": record.udi.hri,
            "epc": record.udi.epc_uri,
        },
        "when": "2026-11-02T09:00:00+08:00",
        "where": {"location": f"DVW workstation {verified.site_id}", "gln": None},
        "why": "clinical design confirmation signed",
        "who": {
            "site_id": verified.site_id,
            "user_id": "clin1",
            "printed_name": "Dr Cleo Clinician",
            "role": "clinician",
            "qualification": None,
            "party": None,
        },
    }
    stored = verified.events(CODE)
    assert [(e.kind, e.event_id) for e in stored[-2:]] == [
        ("signature", signature.event_id),
        ("trace_event", approved.event_id),
    ]

    # Once: a second confirmation finds it recorded; recording it by hand is refused with the next step.
    again = _confirm(verified, people, at=START + timedelta(minutes=5))
    assert (again.design_approved, again.existing) == (None, approved)
    assert again.note is not None
    assert "already recorded" in again.note
    with pytest.raises(TraceOrderError, match=r"the next step is 'manufactured' \(recorded: design_approved\)"):
        _add(verified, "design_approved", 1, people.engineer)
    assert [e.event_id for e in trace_events(verified.case(CODE))] == [approved.event_id]
    assert _add(verified, "manufactured", 1, people.engineer).payload["sequence"] == 2

    # The audit holds every hash, link, attestation and both signatures; the export still validates.
    audit = verified.verify(signature_checker(verified))
    assert (audit.ok, audit.signatures) == (True, 3), audit
    document = epcis_document(verified.case(CODE), created_at=datetime(2026, 11, 3, 8, 0, tzinfo=UTC))
    assert validate(document) == []
    first = document["epcisBody"]["eventList"][0]
    assert (first["action"], first["bizStep"], first["disposition"], first["dvw:eventHash"]) == (
        "ADD",
        "encoding",
        "encoded",
        approved.hash,
    )
    assert first["ilmd"]["cbvmda:lotNumber"] == CODE


def test_a_confirmation_before_the_udi_records_no_step_and_says_why(store: Store, people: People) -> None:
    record_signed_case(store, people, sign_it=False)
    before = store.event_count()
    result = _confirm(store, people)
    assert (result.design_approved, result.existing, result.approves_design) == (None, None, True)
    assert result.note == (
        f"design_approved not recorded: case {CODE} revision 1 has no device identifier yet (a trace step names its "
        f"device); record it once the UDI is assigned: dvw udi assign {CODE}, then dvw trace add {CODE} --step "
        "design_approved"
    )
    assert store.event_count() == before + 1
    assign_udi(store, CODE, now=START, by=people.quality)
    assert trace_events(store.case(CODE)) == []
    assert _add(store, "design_approved", 1, people.quality).actor == "qa1"  # as the note says
    assert store.verify(signature_checker(store)).ok


def test_other_meanings_and_a_reverified_check_record_no_step(store: Store, people: People, tmp_path: Path) -> None:
    record_signed_case(store, people, sign_it=False)
    sign_in_session(store, people.engineer, "design verification", CODE)
    assign_udi(store, CODE, now=START, by=people.engineer)
    for session, meaning in ((people.engineer, "design verification"), (people.quality, "release")):
        result = sign_and_record_as(store, CODE, session, meaning, manifest_id=manifest_id(), at=START)
        assert (result.design_approved, result.existing, result.note, result.approves_design) == (
            None,
            None,
            None,
            False,
        )
    assert trace_events(store.case(CODE)) == []

    # Out of envelope, re-verified: the clinician may confirm it, but the step is not recorded by itself.
    other = "CP-2026-777"
    record_signed_case(store, people, other, sign_it=False)
    run_check(store, 1.5, people.engineer, code=other)
    evidence = tmp_path / "fea.txt"
    evidence.write_text("FEA: the 1.5 mm wall holds\n", encoding="utf-8")
    record_reverification(
        store,
        other,
        "qa1",
        password_of("qa1"),
        method="FEA of the thin wall",
        result="pass",
        justification="stress below limit",
        evidence=[evidence],
    )
    sign_in_session(store, people.engineer, "design verification", other)
    assign_udi(store, other, now=START, by=people.engineer)
    result = sign_and_record_as(
        store, other, people.clinician, "clinical design confirmation", manifest_id=manifest_id(), at=START
    )
    assert result.signature.payload["content"]["verdict"] == "out_of_envelope"
    assert (result.design_approved, result.note, result.approves_design) == (None, None, False)
    assert trace_events(store.case(other)) == []
    assert store.verify(signature_checker(store)).ok
