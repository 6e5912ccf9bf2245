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
from jsonschema import Draft7Validator, FormatChecker
from PIL import Image
from test_signatures import PASSWORD
from test_udi import CODE, record_signed_case

from records.errors import (
    IdentityInPayloadError,
    InvalidEventError,
    InvalidGtinError,
    NotSignedError,
    NoUdiError,
    TraceOrderError,
    WrongPasswordError,
)
from records.label import decode_symbol
from records.report import build_report
from records.signatures import sign, signature_checker
from records.store import Store
from records.trace import EPCIS_CONTEXT, STEP_NAMES, STEPS, add_trace_event, epcis_document, trace_events
from records.udi import assign_udi
from records.users import add_user

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
def signed(store: Store, home: Path) -> Store:
    record_signed_case(store, home)
    return store


def _add_qa(store: Store) -> None:
    add_user(store, "qa", printed_name="Q. Manager", role="quality", password=PASSWORD, qualification="QA lead")


def _add(store: Store, step: str, hours: float, **extra: Any) -> Any:
    return add_trace_event(
        store,
        CODE,
        step,
        where=f"place of {step}",
        why=f"reason for {step}",
        when=START + timedelta(hours=hours),
        **extra,
    )


def test_steps_before_the_udi_and_out_of_order_are_refused_with_the_next_step(signed: Store) -> None:
    _add_qa(signed)
    with pytest.raises(NoUdiError, match=f"dvw udi assign {CODE}"):
        _add(signed, "design_approved", 0)
    record, _ = assign_udi(signed, CODE, now=START)
    with pytest.raises(TraceOrderError, match="step 'shipped' is out of order; the next step is 'design_approved'"):
        _add(signed, "shipped", 1)
    _add(signed, "design_approved", 1)
    with pytest.raises(TraceOrderError, match=r"the next step is 'manufactured' \(recorded: design_approved\)"):
        _add(signed, "design_approved", 2)
    with pytest.raises(TraceOrderError, match="earlier than the previous step design_approved"):
        _add(signed, "manufactured", 0.5)
    with pytest.raises(InvalidEventError, match="unknown trace step 'sterilised'"):
        _add(signed, "sterilised", 2)
    with pytest.raises(InvalidEventError, match="no time zone"):
        add_trace_event(signed, CODE, "manufactured", where="x", why="y", when="2026-11-02T12:00:00")
    with pytest.raises(InvalidEventError, match="in the future"):
        add_trace_event(signed, CODE, "manufactured", where="x", why="y", when=datetime.now(HKT) + timedelta(days=1))
    with pytest.raises(InvalidEventError, match="needs why"):
        add_trace_event(signed, CODE, "manufactured", where="x", why="  ", when=START + timedelta(hours=2))
    with pytest.raises(InvalidGtinError, match="GLN 0614141000006 has a wrong check digit"):
        _add(signed, "manufactured", 2, gln="0614141000006")
    with pytest.raises(WrongPasswordError):
        _add(signed, "manufactured", 2, user="qa", password="not the password")
    for hours, step in enumerate(STEP_NAMES[1:], start=2):
        _add(signed, step, hours)
    with pytest.raises(TraceOrderError, match=f"device {record.udi.serial}: the trace is complete"):
        _add(signed, "implanted", 20)
    assert [e.payload["step"] for e in trace_events(signed.case(CODE))] == list(STEP_NAMES)
    assert signed.verify(signature_checker(signed)).ok


def test_a_trace_event_records_who_what_when_where_why(signed: Store) -> None:
    _add_qa(signed)
    record, _ = assign_udi(signed, CODE, now=START)
    event = add_trace_event(
        signed,
        CODE,
        "design_approved",
        where="DVW design lab, Kowloon",
        why="clinical design confirmation signed",
        gln="0614141000005",
        party="ACME Implants Ltd",
        user="qa",
        password=PASSWORD,
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
    # Without a user the actor is None and the site stands for who recorded it.
    second = _add(signed, "manufactured", 3)
    assert second.actor is None
    assert second.payload["who"] == {"site_id": signed.site_id, "user_id": None, "party": None}


def test_a_superseded_signature_stops_the_trace_until_the_case_is_signed_again(signed: Store, home: Path) -> None:
    assign_udi(signed, CODE, now=START)
    _add(signed, "design_approved", 0)
    check_event = signed.case(CODE).check
    assert check_event is not None
    signed.append("check_run", case_code=CODE, payload=check_event.payload)  # the same check, run again
    with pytest.raises(NotSignedError, match="is checked, not signed"):
        _add(signed, "manufactured", 1)
    with pytest.raises(NotSignedError):
        assign_udi(signed, CODE)
    sign(signed, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
    assert _add(signed, "manufactured", 1).payload["sequence"] == 2


def _full_trace(store: Store) -> None:
    assign_udi(store, CODE, now=START)
    for hours, step in enumerate(STEP_NAMES):
        gln = "0614141000005" if step in ("shipped", "received") else None
        _add(store, step, hours, gln=gln)


def test_the_epcis_export_validates_against_the_epcis_2_schema(signed: Store) -> None:
    _full_trace(signed)
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
    record = assign_udi(signed, CODE)[0]
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
    assert events[0]["dvw:who"] == {"dvw:siteId": signed.site_id}

    # The schema is not a formality: documents that break EPCIS rules fail it.
    broken = json.loads(json.dumps(document))
    del broken["epcisBody"]["eventList"][2]["eventTimeZoneOffset"]
    broken["epcisBody"]["eventList"][3]["action"] = "MOVE"
    broken["epcisBody"]["eventList"][5]["eventTime"] = "3 November 2026"
    problems = validate(broken)
    assert any("eventTimeZoneOffset" in p for p in problems)
    assert any("'MOVE' is not one of" in p for p in problems)
    assert any("3 November 2026" in p for p in problems)


def test_no_patient_identity_in_trace_events_or_the_export(signed: Store) -> None:
    signed.set_patient_identity(CODE, name="Wong^Mei Ling", patient_id="HK-PID-778899", birth_date="1961-03-04")
    assign_udi(signed, CODE, now=START)
    with pytest.raises(IdentityInPayloadError):
        _add_text(signed, why="fitted for WONG Mei Ling")
    with pytest.raises(IdentityInPayloadError):
        _add_text(signed, where="HK-PID-778899")
    _full_trace(signed)
    text = json.dumps(epcis_document(signed.case(CODE)))
    for secret in ("Wong", "Mei Ling", "778899", "1961"):
        assert secret not in text


def _add_text(store: Store, *, where: str = "ward", why: str = "ok") -> None:
    add_trace_event(store, CODE, "design_approved", where=where, why=why, when=START + timedelta(hours=1))


def test_the_export_needs_a_udi(signed: Store) -> None:
    with pytest.raises(NoUdiError, match="nothing to export"):
        epcis_document(signed.case(CODE))
    assign_udi(signed, CODE, now=START)
    document = epcis_document(signed.case(CODE))
    assert document["epcisBody"]["eventList"] == []
    assert validate(document) == []


def test_the_report_shows_the_udi_the_datamatrix_and_the_trace(signed: Store, tmp_path: Path) -> None:
    _full_trace(signed)
    case = signed.case(CODE)
    record = assign_udi(signed, CODE)[0]
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
