"""``dvw udi assign``, ``dvw label``, ``dvw trace add|show|where-used|history|export``: identification and trace.

Who is recorded: ``dvw udi assign`` and ``dvw trace add`` name the person (``--user`` or ``$DVW_USER``, who
re-enters the password); the event is theirs and attested with their key. A case with unresolved concurrent
revisions from two sites gets no UDI, label or trace step.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.commands.acting import acting_session, acting_user_id, add_acting_user
from app.home import home_folder

if TYPE_CHECKING:
    from records.store import Store
    from traceability.assignment import UdiRecord


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``udi`` (``assign``), ``label`` and ``trace`` (add, show, where-used, history, export)."""
    udi = sub.add_parser("udi", help="assign a signed case's unique device identifier", description=_UDI_HELP)
    udi_actions = udi.add_subparsers(dest="udi_action", metavar="ACTION", parser_class=type(udi), required=True)
    assign = udi_actions.add_parser("assign", help="assign (or show) the UDI", description=_ASSIGN_HELP)
    assign.add_argument("code", metavar="CODE", help="case code")
    assign.add_argument("--serial", metavar="SERIAL", help="use this serial (AI 21) instead of a generated one")
    assign.add_argument("--lot", metavar="LOT", help="lot (AI 10); default by the device family's lot policy")
    assign.add_argument("--production-date", metavar="YYYY-MM-DD", help="production date (AI 11); default today")
    assign.add_argument("--new", action="store_true", help="assign another UDI for this revision (a remake)")
    add_acting_user(assign, "who assigns the UDI")
    add_json_flag(assign)
    assign.set_defaults(handler=run_udi_assign)

    label = sub.add_parser("label", help="write the device label (GS1 DataMatrix + HRI)", description=_LABEL_HELP)
    label.add_argument("code", metavar="CODE", help="case code")
    label.add_argument("--out", required=True, metavar="FILE.pdf|FILE.png", help="the label to write")
    label.add_argument("--force", action="store_true", help="replace an existing file")
    add_json_flag(label)
    label.set_defaults(handler=run_label)

    trace = sub.add_parser("trace", help="record and export a device's trace events", description=_TRACE_HELP)
    actions = trace.add_subparsers(dest="trace_action", metavar="ACTION", parser_class=type(trace), required=True)
    add = actions.add_parser("add", help="record the next trace step", description=_ADD_HELP)
    add.add_argument("code", metavar="CODE", help="case code")
    add.add_argument("--step", required=True, metavar="STEP", help="the next step (see above)")
    add.add_argument("--where", required=True, metavar="TEXT", help="where it happened (site, department)")
    add.add_argument("--why", required=True, metavar="TEXT", help="why: reason or reference (order, report)")
    add.add_argument("--gln", metavar="GLN", help="the location's GS1 GLN (13 digits)")
    add.add_argument("--party", metavar="TEXT", help="the organisation responsible for the step")
    add.add_argument(
        "--at", metavar="TIME", help="when, ISO 8601 with offset (default now), e.g. 2026-05-01T09:30+08:00"
    )
    add_acting_user(add, "who records the step")
    add_json_flag(add)
    add.set_defaults(handler=run_trace_add)

    show = actions.add_parser("show", help="show the UDI and trace of a case", description="Show UDI and trace.")
    show.add_argument("code", metavar="CODE", help="case code")
    add_json_flag(show)
    show.set_defaults(handler=run_trace_show)

    used = actions.add_parser(
        "where-used", help="every device built from a material lot (recall)", description=_WHERE_USED_HELP
    )
    used.add_argument("--lot", required=True, metavar="LOT", help="the material lot")
    add_json_flag(used)
    used.set_defaults(handler=run_where_used)

    history = actions.add_parser(
        "history", help="everything a case's device came from (recall)", description=_HISTORY_HELP
    )
    history.add_argument("code", metavar="CODE", help="case code")
    add_json_flag(history)
    history.set_defaults(handler=run_history)

    export = actions.add_parser("export", help="write the trace as EPCIS 2.0 JSON-LD", description=_EXPORT_HELP)
    export.add_argument("code", metavar="CODE", help="case code")
    export.add_argument("--out", required=True, metavar="FILE.jsonld", help="the EPCIS document to write")
    export.add_argument("--force", action="store_true", help="replace an existing file")
    add_json_flag(export)
    export.set_defaults(handler=run_trace_export)


_UDI_HELP = (
    "A signed case's device gets a GS1 UDI: the UDI-DI (GTIN-14 of its device family, from "
    "<home>/device-families/*.toml or the bundled samples) and a UDI-PI (serial, production date, lot, expiry)."
)
_ASSIGN_HELP = (
    _UDI_HELP + " Refused (exit 2) unless the case is signed and its signatures verify. Assigning again returns the "
    "revision's existing UDI; --new assigns another; a new revision, once signed, gets a new serial. A serial held "
    "anywhere in the store is refused. Prints the GS1 element string (AIs 01, 11, 17, 10, 21; <GS> marks the "
    "separator) and the HRI."
)
_LABEL_HELP = (
    "Write the label of the case's current UDI: a square GS1 DataMatrix (checked to decode back to the element "
    "string), the HRI, the device name and the case code; never patient identity. PDF (100 x 50 mm) or PNG (300 dpi) "
    "by the file's extension."
)
_STEPS_TEXT = "design_approved, manufactured, inspected, released, shipped, received, implanted"
_TRACE_HELP = f"Critical tracking events of the device of a case, in the order {_STEPS_TEXT}."
_ADD_HELP = (
    f"Record the next step ({_STEPS_TEXT}) with who, what (the UDI), when (ISO 8601 with offset), where (text, "
    "optional GLN) and why. A step out of order, repeated, earlier than the previous step, or before the UDI is "
    "assigned is refused (exit 2) with the expected next step. design_approved is recorded by the clinician's "
    '"clinical design confirmation" signature (dvw sign) when the device already had its UDI; otherwise, or when the '
    "case needed re-verification, record it here."
)
_WHERE_USED_HELP = (
    "Forward recall query: every device whose build record (dvw build record) used the material lot, with its case, "
    "the case's state and the device's conformity (conforming, nonconforming, not_inspected), from the records log "
    "(every synced site's events included)."
)
_HISTORY_HELP = (
    "Backward recall query: everything the case's devices came from, in log order: inputs, checks, signatures, UDIs, "
    "build records (printer, parameters, material lots, operator, environment), inspections and trace steps, each "
    "with who, when and its event hash."
)
_EXPORT_HELP = (
    "Write every trace event of the case as an EPCIS 2.0 JSON-LD EPCISDocument (ObjectEvents with the device's GS1 "
    "Digital Link URI, CBV business steps and dispositions, and DVW's fields in the dvw: namespace), and each build "
    "record as a TransformationEvent (material lots in, the device's serial out)."
)


def _open(args: argparse.Namespace) -> Store:
    from records.store import Store  # noqa: PLC0415

    return Store.open(home_folder(args.home))


def _refuse_existing(output: Path, force: bool, suffixes: tuple[str, ...]) -> None:
    if output.suffix.lower() not in suffixes:
        raise UsageError(f"{output.name}: the file must end in {' or '.join(suffixes)}", path=str(output))
    if output.exists() and not force:
        raise UsageError(f"output exists: {output} (use --force to replace it)", path=str(output))
    if not output.parent.is_dir():
        raise UsageError(f"no folder {output.parent} for {output.name}", path=str(output))


def _shown(element_string: str) -> str:
    return element_string.replace("\x1d", "<GS>")


def run_udi_assign(args: argparse.Namespace) -> int:
    """``dvw udi assign CODE``."""
    from records.events import check_case_code  # noqa: PLC0415
    from traceability.assignment import assign_udi  # noqa: PLC0415

    check_case_code(args.code)
    made: date | None = None
    if args.production_date is not None:
        try:
            made = date.fromisoformat(args.production_date)
        except ValueError:
            raise UsageError(f"--production-date {args.production_date!r} is not a date (YYYY-MM-DD)") from None
    acting_user_id(args, "assigning a UDI")
    with _open(args) as store:
        session = acting_session(args, store, "assigning a UDI")
        record, created = assign_udi(
            store, args.code, serial=args.serial, lot=args.lot, production_date=made, new=args.new, by=session
        )
    if args.json:
        emit_json({**record.to_json(), "assigned": created})
        return EXIT_OK
    verb = "assigned" if created else "already assigned (unchanged)"
    say(f"case {record.case_code} revision {record.revision}: UDI {verb}")
    say(f"  element string: {_shown(record.udi.element_string)}")
    say(f"  HRI:            {record.udi.hri}")
    return EXIT_OK


def _current(store: Store, code: str) -> UdiRecord:
    from traceability.assignment import current_udi, refuse_conflict  # noqa: PLC0415
    from traceability.errors import NoUdiError  # noqa: PLC0415

    case = store.case(code)
    refuse_conflict(store, case, "print its label")
    record = current_udi(case)
    if record is None:
        raise NoUdiError(
            f"case {case.code} revision {case.revision} has no device identifier: run dvw udi assign {case.code}"
        )
    return record


def run_label(args: argparse.Namespace) -> int:
    """``dvw label CODE --out FILE.pdf|.png``."""
    from base.files import write_atomically  # noqa: PLC0415
    from records.events import check_case_code  # noqa: PLC0415
    from traceability.label import decode_symbol, label_pdf, label_png, symbol_image  # noqa: PLC0415

    check_case_code(args.code)
    output = Path(args.out)
    _refuse_existing(output, args.force, (".pdf", ".png"))
    with _open(args) as store:
        record = _current(store, args.code)
    decoded = decode_symbol(symbol_image(record.udi, scale=4))
    if decoded is None or not decoded.gs1 or decoded.element_string != record.udi.element_string:
        # The encoder and reader disagree: a bug, never a label to print.
        raise RuntimeError(f"the DataMatrix of {record.udi.hri} does not decode back to its element string")
    data = label_png(record) if output.suffix.lower() == ".png" else label_pdf(record)
    sha256 = write_atomically(output, lambda tmp: tmp.write_bytes(data))
    if args.json:
        emit_json(
            {
                "output": str(output),
                "sha256": sha256,
                "format": output.suffix.lower().lstrip("."),
                "case_code": record.case_code,
                "revision": record.revision,
                "serial": record.udi.serial,
                "element_string": record.udi.element_string,
                "hri": record.udi.hri,
                "verified": True,
            }
        )
        return EXIT_OK
    say(f"label of case {record.case_code} ({record.udi.hri}) -> {output}")
    return EXIT_OK


def run_trace_add(args: argparse.Namespace) -> int:
    """``dvw trace add CODE --step STEP --where ... --why ...``."""
    from records.events import check_case_code  # noqa: PLC0415
    from records.payloads import TraceEvent, read  # noqa: PLC0415
    from traceability.trace import add_trace_event  # noqa: PLC0415

    check_case_code(args.code)
    acting_user_id(args, "a trace step")
    with _open(args) as store:
        session = acting_session(args, store, "a trace step")
        event = add_trace_event(
            store,
            args.code,
            args.step,
            where=args.where,
            why=args.why,
            gln=args.gln,
            party=args.party,
            by=session,
            when=args.at,
        )
    payload = event.payload
    if args.json:
        emit_json(
            {
                "event_id": event.event_id,
                "seq": event.seq,
                "hash": event.hash,
                "kind": event.kind,
                "case_code": event.case_code,
                "actor": event.actor,
                "created_at": event.created_at,
                "payload": payload,
            }
        )
        return EXIT_OK
    step = read(event, TraceEvent)
    say(
        f"case {event.case_code} device {step.what.serial}: {step.step} at {step.when} ({step.where.location}) "
        f"recorded (event seq {event.seq})"
    )
    return EXIT_OK


def run_trace_show(args: argparse.Namespace) -> int:
    """``dvw trace show CODE``."""
    from traceability.assignment import current_udi, udi_records  # noqa: PLC0415
    from traceability.trace import next_step, trace_events  # noqa: PLC0415

    with _open(args) as store:
        case = store.case(args.code)
    record = current_udi(case)
    following = None if record is None else next_step(case, record)
    events = trace_events(case)
    if args.json:
        emit_json(
            {
                "case_code": case.code,
                "revision": case.revision,
                "udi": None if record is None else record.to_json(),
                "udis": [item.to_json() for item in udi_records(case)],
                "next_step": None if following is None else following.name,
                "events": [{"event_id": e.event_id, "actor": e.actor, **e.payload} for e in events],
            }
        )
        return EXIT_OK
    say(f"case {case.code} revision {case.revision}: UDI {record.udi.hri if record else 'not assigned'}")
    for event in events:
        p = event.payload
        say(f"  {p['sequence']}. {p['step']:16} {p['when']}  {p['where']['location']}  ({p['why']})")
    if record is not None:
        say(f"  next step: {following.name if following else 'none (trace complete)'}")
    return EXIT_OK


def run_trace_export(args: argparse.Namespace) -> int:
    """``dvw trace export CODE --out FILE.jsonld``."""
    from base.files import write_atomically  # noqa: PLC0415
    from records.events import check_case_code  # noqa: PLC0415
    from traceability.trace import epcis_document  # noqa: PLC0415

    check_case_code(args.code)
    output = Path(args.out)
    _refuse_existing(output, args.force, (".jsonld", ".json"))
    with _open(args) as store:
        document = epcis_document(store.case(args.code))
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    sha256 = write_atomically(output, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    events = len(document["epcisBody"]["eventList"])
    if args.json:
        emit_json({"output": str(output), "sha256": sha256, "case_code": args.code, "events": events})
        return EXIT_OK
    say(f"case {args.code}: {events} EPCIS events -> {output}")
    return EXIT_OK


def run_where_used(args: argparse.Namespace) -> int:
    """``dvw trace where-used --lot LOT``."""
    from traceability.build import where_used  # noqa: PLC0415

    lot = " ".join(str(args.lot).split())
    if not lot:
        raise UsageError("--lot: give the material lot")
    with _open(args) as store:
        devices = where_used(store, lot)
    if args.json:
        emit_json({"lot": lot, "devices": devices})
        return EXIT_OK
    say(f"lot {lot}: {len(devices)} device(s)")
    for item in devices:
        say(
            f"  {item['case_code']:16} {item['serial']:20} job {item['job_id']}  case {item['case_state']}  "
            f"{item['conformity']}"
        )
    return EXIT_OK


def run_history(args: argparse.Namespace) -> int:
    """``dvw trace history CODE``."""
    from records.events import check_case_code  # noqa: PLC0415
    from traceability.build import history  # noqa: PLC0415

    check_case_code(args.code)
    with _open(args) as store:
        case = store.case(args.code)
    entries = history(case)
    if args.json:
        emit_json({"case_code": case.code, "revision": case.revision, "state": case.state, "history": entries})
        return EXIT_OK
    say(f"case {case.code} revision {case.revision} ({case.state}):")
    for entry in entries:
        facts = ", ".join(f"{key}={value}" for key, value in entry["summary"].items() if isinstance(value, str | int))
        say(f"  {entry['seq']:>5}  {entry['created_at']}  {entry['kind']:22} {entry['actor'] or '-':10} {facts}")
    return EXIT_OK
