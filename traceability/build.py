"""Build records of a device (T/CAMDI 4.7.7, 4.7.10, 4.7.11) and the recall queries they answer.

A build record says what could make a device fail its requirements: the build job, the printer with its
calibration, the process parameter set (name and SHA-256 of its file), the material lots (virgin share), the
operator, the environment readings, the part's placement and orientation, the post-processing steps and the
witness sample (which carries the device's own number, 4.7.11). It is written as a TOML file::

    [build]
    job_id = "BJ-2026-0147"
    started = 2026-11-02T08:00:00+08:00        # with the zone
    finished = 2026-11-02T17:30:00+08:00
    operator = "eng1"                          # a user of this workstation
    witness_sample = "<the device's serial>"

    [printer]
    equipment_id = "EOS-P396-02"
    calibration_due = 2027-01-31               # refused when earlier than the build's start

    [parameters]
    name = "PEKK-standard-v3"
    file = "pekk-v3.json"                      # beside BUILD.toml; recorded by SHA-256 (or give sha256 = "...")

    [[material]]                               # one or more
    material = "PEKK powder"
    supplier = "Acme Polymers"
    lot = "PK-2611-07"
    virgin_share = 0.5                         # 0..1: share of virgin powder (the rest reused)
    gtin = "..."                               # optional: the material's GTIN (its lot is then a GS1 LGTIN)

    [[environment]]                            # zero or more readings
    quantity = "chamber oxygen"
    value = 0.8
    unit = "%"

    [placement]
    position_mm = [120.0, 85.0, 40.0]          # in the build volume
    orientation_deg = [0.0, 90.0, 0.0]

    [[post_processing]]                        # zero or more, in order
    step = "depowdering"
    detail = "glass bead blasting 4 bar"

:func:`parse_build` checks everything and names the file and line of each problem (``BUILD.toml:12: ...``);
:func:`record_build` appends the ``build_recorded`` event for the device of the case's current revision (one per
device). :func:`where_used` (every device built from a lot, with its case and state) and :func:`history`
(everything a device came from) answer recalls from the records log, which holds every synced site's events too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from base.safe_load import DataFileError, decode_text, parse_toml
from records.cases import CaseState
from records.events import Event, NewEvent
from records.identity import User
from records.payloads import BuildRecorded, read_or_none, to_payload
from records.store import Store
from records.users import Session
from traceability.assignment import UdiRecord, current_udi, refuse_conflict, udi_records
from traceability.errors import NoUdiError, TraceabilityError
from traceability.gs1 import check_gtin

BUILD_RECORDED = BuildRecorded.KIND
BUILD_FORMAT = "dvw-build/1"
MAX_BUILD_BYTES = 256 * 1024
MAX_TEXT = 200

_TABLES = {
    "build": {"job_id", "started", "finished", "operator", "witness_sample"},
    "printer": {"equipment_id", "calibration_due"},
    "parameters": {"name", "file", "sha256"},
    "placement": {"position_mm", "orientation_deg"},
}
_ARRAYS = {
    "material": {"material", "supplier", "lot", "virgin_share", "gtin"},
    "environment": {"quantity", "value", "unit"},
    "post_processing": {"step", "detail"},
}
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BuildRecordError(TraceabilityError):
    """A build record file is malformed or refused (an expired calibration, an unknown operator, ...).

    Attributes
    ----------
    field
        Where in the record the problem is, ``TABLE.INDEX.KEY`` (``printer.0.calibration_due``,
        ``material.1.lot``; ``parameters.0.`` for a table as a whole), or None (the file as a whole). A form shows
        the problem at that field.
    reason
        The message without its ``FILE:LINE:`` prefix.
    """

    code = "build_record"

    def __init__(
        self, message: str, *, path: str | None = None, field: str | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message, path=path)
        self.field = field
        self.reason = message if reason is None else reason


class _Lines:
    """Where tables, array elements and keys start in a TOML text (1-based lines), for error messages."""

    def __init__(self, text: str) -> None:
        self.tables: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        table, index, counts = "", 0, dict.fromkeys(_ARRAYS, -1)
        for number, line in enumerate(text.splitlines(), start=1):
            header = _HEADER.match(line)
            if header is not None:
                table = header.group(2)
                if header.group(1) == "[[":
                    counts[table] = counts.get(table, -1) + 1
                    index = counts[table]
                else:
                    index = 0
                self.tables.setdefault((table, index), number)
                continue
            key = _KEY.match(line)
            if key is not None:
                self.keys.setdefault((table, index, key.group(1)), number)

    def of(self, table: str, index: int = 0, key: str | None = None) -> int | None:
        """The line of a key (or of its table when the key is absent), or None."""
        if key is not None and (table, index, key) in self.keys:
            return self.keys[(table, index, key)]
        return self.tables.get((table, index))


@dataclass(frozen=True)
class MaterialLot:
    """A material lot used by a build."""

    material: str
    supplier: str
    lot: str
    virgin_share: float
    gtin: str | None = None

    @property
    def epc_class(self) -> str:
        """The lot as an EPCIS class: the GS1 Digital Link of an LGTIN when the GTIN is known, else DVW's URN."""
        if self.gtin is not None:
            return f"https://id.gs1.org/01/{self.gtin}/10/{quote(self.lot, safe='')}"
        return f"urn:dvw:lot:{quote(self.supplier, safe='')}:{quote(self.lot, safe='')}"


@dataclass(frozen=True)
class BuildRecord:
    """A checked build record (see the module docstring); ``to_json`` is what the event stores."""

    job_id: str
    started: datetime
    finished: datetime
    operator: User
    witness_sample: str
    equipment_id: str
    calibration_due: date
    parameter_set: str
    parameters_sha256: str
    materials: tuple[MaterialLot, ...]
    environment: tuple[tuple[str, float, str], ...]
    position_mm: tuple[float, float, float]
    orientation_deg: tuple[float, float, float]
    post_processing: tuple[tuple[str, str | None], ...]

    def to_json(self) -> dict[str, Any]:
        """The record as JSON."""
        return {
            "job_id": self.job_id,
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat(),
            "operator": {"user_id": self.operator.user_id, "printed_name": self.operator.printed_name},
            "witness_sample": self.witness_sample,
            "printer": {"equipment_id": self.equipment_id, "calibration_due": self.calibration_due.isoformat()},
            "parameters": {"name": self.parameter_set, "sha256": self.parameters_sha256},
            "materials": [
                {
                    "material": m.material,
                    "supplier": m.supplier,
                    "lot": m.lot,
                    "virgin_share": m.virgin_share,
                    "gtin": m.gtin,
                    "epc_class": m.epc_class,
                }
                for m in self.materials
            ],
            "environment": [{"quantity": q, "value": v, "unit": u} for q, v, u in self.environment],
            "placement": {"position_mm": list(self.position_mm), "orientation_deg": list(self.orientation_deg)},
            "post_processing": [{"step": s, "detail": d} for s, d in self.post_processing],
        }


class _Reader:
    """Typed look-ups in the parsed document that fail with the file and line."""

    def __init__(self, source: str, lines: _Lines) -> None:
        self.source, self.lines = source, lines

    def fail(self, message: str, table: str, index: int = 0, key: str | None = None) -> BuildRecordError:
        line = self.lines.of(table, index, key)
        where = f"{self.source}:{line}" if line is not None else self.source
        field = f"{table}.{index}.{key or ''}"
        return BuildRecordError(f"{where}: {message}", path=self.source, field=field, reason=message)

    def text(self, table: Mapping[str, Any], name: str, key: str, index: int = 0, *, required: bool = True) -> str:
        value = table.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{name}.{key} must be text", name, index, key)
        text = " ".join(value.split())
        if len(text) > MAX_TEXT:
            raise self.fail(f"{name}.{key} is {len(text)} characters; at most {MAX_TEXT}", name, index, key)
        return text

    def number(self, table: Mapping[str, Any], name: str, key: str, index: int = 0) -> float:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{name}.{key} must be a number", name, index, key)
        return float(value)

    def triple(self, table: Mapping[str, Any], name: str, key: str) -> tuple[float, float, float]:
        value = table.get(key)
        if (
            not isinstance(value, list)
            or len(value) != 3
            or any(isinstance(v, bool) or not isinstance(v, int | float) for v in value)
        ):
            raise self.fail(f"{name}.{key} must be three numbers", name, 0, key)
        return float(value[0]), float(value[1]), float(value[2])

    def table(self, document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        value = document.get(name)
        if not isinstance(value, Mapping):
            raise self.fail(f"missing the [{name}] table", name)
        unknown = sorted(set(value) - _TABLES[name])
        if unknown:
            raise self.fail(f"unknown key {name}.{unknown[0]}", name, 0, unknown[0])
        return value

    def array(self, document: Mapping[str, Any], name: str, *, required: bool) -> list[Mapping[str, Any]]:
        value = document.get(name, [])
        if not isinstance(value, list) or any(not isinstance(item, Mapping) for item in value):
            raise self.fail(f"{name} must be [[{name}]] tables", name)
        if required and not value:
            raise self.fail(f"at least one [[{name}]] is needed", name)
        for index, item in enumerate(value):
            unknown = sorted(set(item) - _ARRAYS[name])
            if unknown:
                raise self.fail(f"unknown key {name}.{unknown[0]}", name, index, unknown[0])
        return list(value)


def parse_build(
    data: bytes,
    source: str,
    *,
    users: Mapping[str, User],
    serial: str,
    folder: Path | None = None,
) -> BuildRecord:
    """Parse and check a build record file (see the module docstring).

    Parameters
    ----------
    data
        The TOML file's bytes.
    source
        Its name for messages.
    users
        The users of this workstation (the operator must be an enabled one).
    serial
        The device's serial (the witness sample must carry it).
    folder
        Where ``parameters.file`` is looked for (the build file's folder).

    Raises
    ------
    BuildRecordError
        Anything malformed, with the file and line; an equipment calibration due before the build started; an
        unknown or disabled operator; a witness sample that does not carry the device's number.
    """
    if len(data) > MAX_BUILD_BYTES:
        raise BuildRecordError(f"{source}: {len(data)} bytes; a build record is at most {MAX_BUILD_BYTES}", path=source)
    try:
        text = decode_text(data, source=source, what="build record")
        document = parse_toml(text, source=source)
    except DataFileError as exc:
        raise BuildRecordError(exc.message, path=source) from None
    reader = _Reader(source, _Lines(text))
    unknown = sorted(set(document) - set(_TABLES) - set(_ARRAYS))
    if unknown:
        raise reader.fail(f"unknown table [{unknown[0]}]", unknown[0])
    build = reader.table(document, "build")
    started, finished = _times(reader, build)
    operator = _operator(reader, build, users)
    witness = reader.text(build, "build", "witness_sample")
    if witness != serial:
        raise reader.fail(
            f"build.witness_sample {witness!r} must carry the device's number {serial!r} (T/CAMDI 4.7.11)",
            "build",
            0,
            "witness_sample",
        )
    equipment, due = _printer(reader, document, started)
    parameters = reader.table(document, "parameters")
    parameters_sha = _parameters_sha(reader, parameters, folder)
    materials = _materials(reader, document)
    environment = tuple(
        (
            reader.text(item, "environment", "quantity", index),
            reader.number(item, "environment", "value", index),
            reader.text(item, "environment", "unit", index),
        )
        for index, item in enumerate(reader.array(document, "environment", required=False))
    )
    placement = reader.table(document, "placement")
    steps = tuple(
        (
            reader.text(item, "post_processing", "step", index),
            reader.text(item, "post_processing", "detail", index, required=False) or None,
        )
        for index, item in enumerate(reader.array(document, "post_processing", required=False))
    )
    return BuildRecord(
        job_id=reader.text(build, "build", "job_id"),
        started=started,
        finished=finished,
        operator=operator,
        witness_sample=witness,
        equipment_id=equipment,
        calibration_due=due,
        parameter_set=reader.text(parameters, "parameters", "name"),
        parameters_sha256=parameters_sha,
        materials=tuple(materials),
        environment=environment,
        position_mm=reader.triple(placement, "placement", "position_mm"),
        orientation_deg=reader.triple(placement, "placement", "orientation_deg"),
        post_processing=steps,
    )


def _times(reader: _Reader, build: Mapping[str, Any]) -> tuple[datetime, datetime]:
    times = []
    for key in ("started", "finished"):
        value = build.get(key)
        if not isinstance(value, datetime) or value.tzinfo is None:
            message = f"build.{key} must be a date and time with its zone (2026-11-02T08:00:00+08:00)"
            raise reader.fail(message, "build", 0, key)
        times.append(value)
    if times[1] < times[0]:
        raise reader.fail("build.finished is earlier than build.started", "build", 0, "finished")
    return times[0], times[1]


def _operator(reader: _Reader, build: Mapping[str, Any], users: Mapping[str, User]) -> User:
    operator_id = reader.text(build, "build", "operator")
    operator = users.get(operator_id)
    if operator is None or not operator.enabled:
        state = "is disabled" if operator is not None else "is not a user of this workstation"
        raise reader.fail(f"build.operator {operator_id!r} {state}", "build", 0, "operator")
    return operator


def _printer(reader: _Reader, document: Mapping[str, Any], started: datetime) -> tuple[str, date]:
    printer = reader.table(document, "printer")
    due = printer.get("calibration_due")
    if not isinstance(due, date) or isinstance(due, datetime):
        raise reader.fail("printer.calibration_due must be a date (2027-01-31)", "printer", 0, "calibration_due")
    equipment = reader.text(printer, "printer", "equipment_id")
    if due < started.date():
        raise reader.fail(
            f"printer {equipment}: its calibration was due on {due.isoformat()}, before the build started "
            f"({started.date().isoformat()}): an expired calibration is refused",
            "printer",
            0,
            "calibration_due",
        )
    return equipment, due


def _materials(reader: _Reader, document: Mapping[str, Any]) -> list[MaterialLot]:
    materials = []
    for index, item in enumerate(reader.array(document, "material", required=True)):
        share = reader.number(item, "material", "virgin_share", index)
        if not 0.0 <= share <= 1.0:
            raise reader.fail("material.virgin_share must be between 0 and 1", "material", index, "virgin_share")
        gtin = None
        if item.get("gtin") is not None:
            try:
                gtin = check_gtin(str(item["gtin"]))
            except TraceabilityError as exc:
                raise reader.fail(exc.message, "material", index, "gtin") from None
        materials.append(
            MaterialLot(
                material=reader.text(item, "material", "material", index),
                supplier=reader.text(item, "material", "supplier", index),
                lot=reader.text(item, "material", "lot", index),
                virgin_share=share,
                gtin=gtin,
            )
        )
    return materials


def _parameters_sha(reader: _Reader, parameters: Mapping[str, Any], folder: Path | None) -> str:
    given = parameters.get("sha256")
    named = parameters.get("file")
    if (given is None) == (named is None):
        raise reader.fail("[parameters] needs either file (the parameter set's file) or sha256", "parameters")
    if given is not None:
        if not isinstance(given, str) or _SHA256.fullmatch(given) is None:
            raise reader.fail("parameters.sha256 must be 64 lower-case hex digits", "parameters", 0, "sha256")
        return given
    if not isinstance(named, str) or not named.strip():
        raise reader.fail("parameters.file must be a file name", "parameters", 0, "file")
    path = Path(named) if folder is None else folder / named
    if not path.is_file():
        raise reader.fail(f"parameters.file {named!r}: no such file ({path})", "parameters", 0, "file")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_records(case: CaseState, serial: str | None = None) -> list[tuple[Event, BuildRecorded]]:
    """The case's build records in log order (only those of one device serial when given)."""
    found = []
    for event in case.events:
        payload = read_or_none(event, BuildRecorded)
        if payload is not None and (serial is None or payload.serial == serial):
            found.append((event, payload))
    return found


def record_build(
    store: Store, code: str, data: bytes, source: str, *, by: Session, folder: Path | None = None
) -> tuple[Event, BuildRecord, UdiRecord]:
    """Check a build record file and append its ``build_recorded`` event for the case's current device.

    Raises
    ------
    NoUdiError
        The case's current revision has no UDI (the record names its device).
    ConflictUnresolvedError
        The case has unresolved concurrent revisions.
    BuildRecordError
        A malformed or refused file (see :func:`parse_build`), or the device already has a build record.
    """
    from records.users import load_users  # noqa: PLC0415

    case = store.case(code)
    refuse_conflict(store, case, "record a build")
    device = current_udi(case)
    if device is None:
        raise NoUdiError(
            f"case {case.code} revision {case.revision} has no device identifier: a build record names its device "
            f"(dvw udi assign {case.code} first)"
        )
    build = parse_build(data, source, users=load_users(store), serial=device.udi.serial, folder=folder)
    serial = device.udi.serial
    payload = BuildRecorded(
        format=BUILD_FORMAT,
        revision=device.revision,
        udi_event_id=device.event.event_id,
        serial=serial,
        build=build.to_json(),
        lots=sorted({material.lot for material in build.materials}),
        file_sha256=hashlib.sha256(data).hexdigest(),
    )

    def first_build(held: Sequence[Event]) -> None:
        for event in held:
            other = read_or_none(event, BuildRecorded)
            if other is not None and other.serial == serial:
                raise BuildRecordError(
                    f"case {case.code} device {serial} already has its build record (event seq {event.seq}, job "
                    f"{other.build.get('job_id')})"
                )

    event = store.append_many(
        [NewEvent(BUILD_RECORDED, case.code, to_payload(payload), by)],
        precondition=first_build,
        precondition_kinds=(BUILD_RECORDED,),
    )[-1]
    return event, build, device


# ---------------------------------------------------------------------------------------------- recall queries


def where_used(store: Store, lot: str) -> list[dict[str, Any]]:
    """Every device built from material lot ``lot``, with its case, state and conformity, in case-code order."""
    from traceability.inspection import conformity  # noqa: PLC0415

    found = []
    for case in sorted(store.cases(), key=lambda item: item.code):
        records = {record.udi.serial: record for record in udi_records(case)}
        for event, payload in build_records(case):
            if lot not in payload.lots:
                continue
            record = records.get(payload.serial)
            found.append(
                {
                    "case_code": case.code,
                    "case_state": case.state,
                    "case_revision": case.revision,
                    "device_revision": payload.revision,
                    "serial": payload.serial,
                    "udi": None if record is None else record.udi.hri,
                    "conformity": conformity(case, record),
                    "job_id": payload.build.get("job_id"),
                    "site_id": event.site_id,
                    "event_id": event.event_id,
                }
            )
    return found


def history(case: CaseState) -> list[dict[str, Any]]:
    """Everything the case's devices came from, in log order (inputs, checks, signatures, UDIs, builds, ...).

    Each entry names who (site, actor), when, the event's hash and the facts a recall needs; the kinds are the case's
    inputs, checks, re-verifications, signatures, design changes, UDIs, build records, inspections and trace steps.
    """
    kinds = {
        "case_created",
        "inputs_added",
        "check_run",
        "reverification_recorded",
        "signature",
        "design_changed",
        "udi_assigned",
        BUILD_RECORDED,
        "inspection_recorded",
        "trace_event",
    }
    entries = []
    for event in case.events:
        if event.kind not in kinds:
            continue
        entries.append(
            {
                "seq": event.seq,
                "kind": event.kind,
                "site_id": event.site_id,
                "actor": event.actor,
                "created_at": event.created_at,
                "hash": event.hash,
                "summary": _summary(event),
            }
        )
    return entries


def _summary(event: Event) -> dict[str, Any]:
    """The facts of an event a recall needs (never patient identity: events hold none)."""
    p = event.payload
    match event.kind:
        case "inputs_added":
            return {"inputs": dict(p)}
        case "check_run":
            return {"verdict": p.get("verdict"), "envelope": p.get("envelope"), "manifest_id": p.get("manifest_id")}
        case "signature":
            content = p.get("content", {})
            signer = content.get("signer", {})
            return {
                "meaning": content.get("meaning"),
                "revision": content.get("revision"),
                "signer": {key: signer.get(key) for key in ("user_id", "printed_name", "role")},
            }
        case "udi_assigned":
            return {"hri": p.get("hri"), "revision": p.get("revision")}
        case "build_recorded":
            build = p.get("build", {})
            return {
                "serial": p.get("serial"),
                "job_id": build.get("job_id"),
                "printer": build.get("printer"),
                "parameters": build.get("parameters"),
                "materials": build.get("materials"),
                "operator": build.get("operator"),
                "environment": build.get("environment"),
                "post_processing": build.get("post_processing"),
            }
        case "inspection_recorded":
            return {
                key: p.get(key) for key in ("serial", "result", "inspector", "scan_sha256", "report_sha256", "regions")
            }
        case "trace_event":
            return {"step": p.get("step"), "serial": p.get("what", {}).get("serial"), "when": p.get("when")}
        case _:
            return {}
