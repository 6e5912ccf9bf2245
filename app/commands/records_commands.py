"""``dvw case new|list|show`` and ``dvw audit verify``: cases in the local store and the audit of its records."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from app.cli import EXIT_BAD_INPUT, EXIT_OK, add_json_flag, emit_json, say
from app.commands.acting import acting_session, acting_user_id, add_acting_user
from app.home import home_folder

if TYPE_CHECKING:
    from records.store import Store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``case`` (``new``, ``list``, ``show``) and ``audit`` (``verify``)."""
    case = sub.add_parser("case", help="create, list and show cases in the local store", description=_CASE_HELP)
    actions = case.add_subparsers(dest="case_action", metavar="ACTION", parser_class=type(case), required=True)

    new = actions.add_parser("new", help="create a case", description="Create a case with a new pseudonymous code.")
    new.add_argument("code", metavar="CODE", help="case code: 1 to 64 of A-Z a-z 0-9 . _ -")
    new.add_argument("--patient-name", metavar="NAME", help="patient name (kept on this site only)")
    new.add_argument("--patient-id", metavar="ID", help="hospital patient ID (kept on this site only)")
    new.add_argument("--birth-date", metavar="YYYY-MM-DD", help="birth date (kept on this site only)")
    add_acting_user(new, "who creates the case")
    add_json_flag(new)
    new.set_defaults(handler=run_case_new)

    listing = actions.add_parser("list", help="list the cases", description="List every case with its state.")
    add_json_flag(listing)
    listing.set_defaults(handler=run_case_list)

    show = actions.add_parser("show", help="show one case", description="Show a case's state, events, signatures.")
    show.add_argument("code", metavar="CODE", help="case code")
    add_json_flag(show)
    show.set_defaults(handler=run_case_show)

    audit = sub.add_parser("audit", help="audit the local store", description=_AUDIT_HELP)
    audit_actions = audit.add_subparsers(dest="audit_action", metavar="ACTION", parser_class=type(audit), required=True)
    verify = audit_actions.add_parser("verify", help="recompute every hash and chain", description=_AUDIT_HELP)
    verify.add_argument(
        "--no-artifacts", action="store_true", help="skip re-hashing the artifact files (events and chain only)"
    )
    add_json_flag(verify)
    verify.set_defaults(handler=run_audit_verify)


_CASE_HELP = (
    "Cases live in the local store (--home). A case's state is derived from its append-only event log: "
    "open, checked, needs_reverification, reverified, reverification_failed, signed."
)
_AUDIT_HELP = (
    "Recompute every event hash and each site's hash chain, check the sequence and the append-only triggers; check "
    "that every event comes from a trusted site and is attested by an enabled user of its site (administrators for "
    "user events), that every signature verifies and approves exactly what the log held (check, verdict, inputs, "
    "re-verification) after a passed self-test; re-hash every artifact file and find files without records. List "
    "each problem with the event it concerns. Exit 0 when the store is intact, 2 when a problem is found."
)


def _open(args: argparse.Namespace) -> Store:
    from records.store import Store  # noqa: PLC0415

    return Store.open(home_folder(args.home))


def run_case_new(args: argparse.Namespace) -> int:
    """``dvw case new``."""
    from records.events import CASE_CREATED, check_case_code  # noqa: PLC0415
    from records.store import parse_birth_date  # noqa: PLC0415

    code = check_case_code(args.code)
    parse_birth_date(args.birth_date)  # refuse a bad date before anything is written
    acting_user_id(args, "creating a case")
    with _open(args) as store:
        session = acting_session(args, store, "creating a case")
        event = store.append(CASE_CREATED, case_code=code, payload={}, by=session)
        if args.patient_name or args.patient_id or args.birth_date:
            store.set_patient_identity(
                code, name=args.patient_name, patient_id=args.patient_id, birth_date=args.birth_date
            )
        state = store.case(code)
        if args.json:
            emit_json({**state.summary_json(), "event_id": event.event_id, "seq": event.seq, "store": str(store.path)})
        else:
            say(f"case {code} created (event seq {event.seq}) in {store.path}")
    return EXIT_OK


def run_case_list(args: argparse.Namespace) -> int:
    """``dvw case list``."""
    with _open(args) as store:
        cases = store.cases()
    if args.json:
        emit_json({"cases": [case.summary_json() for case in cases]})
        return EXIT_OK
    if not cases:
        say("no cases")
    for case in cases:
        say(f"{case.code:24} rev {case.revision:<3} {case.state:22} {case.verdict or '-'}")
    return EXIT_OK


def run_case_show(args: argparse.Namespace) -> int:
    """``dvw case show``."""
    from records.sync.conflicts import find_conflicts  # noqa: PLC0415

    with _open(args) as store:
        case = store.case(args.code)
        conflicts = [c for c in find_conflicts(store.events()) if c.case_code == case.code]
    if args.json:
        emit_json({**case.to_json(), "conflicts": [conflict.to_json() for conflict in conflicts]})
        return EXIT_OK
    say(f"case {case.code}: revision {case.revision}, {case.state}, verdict {case.verdict or '-'}")
    for conflict in conflicts:
        sites = ", ".join(branch.site_id[:8] for branch in conflict.branches)
        say(f"  CONFLICT: concurrent revisions from sites {sites}; resolve with dvw site resolve {case.code}")
    for name, sha in case.inputs.items():
        say(f"  input {name}: {sha}")
    for event in case.events:
        by = f" by {event.actor}" if event.actor else ""
        say(f"  {event.seq:>6} {event.created_at} {event.kind}{by}")
    for signature in case.signatures:
        mark = " (superseded)" if signature.event_id in case.superseded else ""
        say(f"  signature seq {signature.seq}{mark}")
    return EXIT_OK


def run_audit_verify(args: argparse.Namespace) -> int:
    """``dvw audit verify``: exit 0 when intact, 2 (with every problem listed) when not."""
    with _open(args) as store:
        report = store.verify(artifacts=not args.no_artifacts)
        where = str(store.path)
    if report.ok:
        if args.json:
            emit_json(report.to_json())
        else:
            pending = (
                f"; {report.pending_signatures} signature(s) wait for other sites' events (sync)"
                if report.pending_signatures
                else ""
            )
            say(f"audit ok: {report.events} events, {report.signatures} signatures, no problems{pending} ({where})")
        return EXIT_OK
    count = len(report.problems)
    message = f"audit found {count} problem{'s' if count != 1 else ''} in {where}"
    if args.json:
        emit_json({**report.to_json(), "error": {"code": "audit_failed", "message": message, "path": where}})
    else:
        for problem in report.problems:
            say(f"  {problem}")
    say(f"dvw: error: {message}")
    return EXIT_BAD_INPUT
