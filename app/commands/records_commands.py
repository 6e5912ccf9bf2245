"""``dvw case new|list|show`` and ``dvw audit verify``: cases in the local store and the audit of its records."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from app.cli import EXIT_BAD_INPUT, EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.commands.acting import acting_session, acting_user_id, add_acting_user
from app.home import home_folder

if TYPE_CHECKING:
    from records.store import Store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``case`` (``new``, ``list``, ``show``, ``team``, ``input``) and ``audit`` (``verify``)."""
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

    show = actions.add_parser(
        "show",
        help="show one case",
        description="Show a case's state, team, design input, revisions with their changes, events and signatures.",
    )
    show.add_argument("code", metavar="CODE", help="case code")
    add_json_flag(show)
    show.set_defaults(handler=run_case_show)

    team = actions.add_parser("team", help="show or change a case's team", description=_TEAM_HELP)
    team.add_argument("code", metavar="CODE", help="case code")
    change = team.add_mutually_exclusive_group()
    change.add_argument("--add", metavar="USER", help="add this user to the team (with --as ROLE)")
    change.add_argument("--remove", metavar="USER", help="remove this user from the team")
    team.add_argument(
        "--as",
        dest="role",
        metavar="ROLE",
        help="the role on the case: prescribing_clinician, design_engineer, reviewer, quality",
    )
    add_acting_user(team, "who changes the team (a member or an administrator)")
    add_json_flag(team)
    team.set_defaults(handler=run_case_team)

    given = actions.add_parser("input", help="record a case's design input (prescription)", description=_INPUT_HELP)
    given.add_argument("code", metavar="CODE", help="case code")
    given.add_argument("--file", required=True, metavar="INPUT.toml", help="the design input (TOML, or JSON)")
    add_acting_user(given, "who records it (a member of the case's team)")
    add_json_flag(given)
    given.set_defaults(handler=run_case_input)

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
_TEAM_HELP = (
    "A case's team (REQUIREMENTS 4.1.6): its members, each an existing user with a role on the case "
    "(prescribing_clinician: a clinician; design_engineer: an engineer; reviewer: any; quality: a quality user). "
    "Without --add or --remove, show the team. Adding or removing a member is an event, recorded by a member or an "
    "administrator (while the case has no team: its creator, who joins the team with the first member added). From "
    "its first member on, only members act on the case: design input, check, re-verification, change, signature; "
    "others are refused with the reason (exit 2)."
)
_INPUT_HELP = (
    "Record the clinician's design input (REQUIREMENTS 4.5.1.1, 4.4.3, 4.7.13) from a TOML or JSON file: "
    "indication, surgical_plan, instruments (list), material, structure, dimensions, packaging, sterilization, "
    "supply, deadline (YYYY-MM-DD), attachments (files beside it, stored by SHA-256) and a [consent] table (given, "
    "date, document: the consent form, stored by SHA-256 and kept on this site). Each error names the file and "
    "line (exit 2). No patient identity: it stays in the site-local table (dvw case new --patient-name). A case "
    "with a team or a design input is checked and signed only with its design input and the patient's consent."
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
    """``dvw case list``: each case's state and, from its design input, its deadline, days left, late or at risk."""
    from records.team import deadline_of  # noqa: PLC0415

    today = datetime.now().astimezone().date()
    with _open(args) as store:
        cases = store.cases()
    if args.json:
        emit_json({"cases": [{**case.summary_json(), **deadline_of(case, today).to_json()} for case in cases]})
        return EXIT_OK
    if not cases:
        say("no cases")
    for case in cases:
        due = deadline_of(case, today)
        flag = "  LATE" if due.late else "  AT RISK" if due.at_risk else ""
        when = f"due {due.deadline} ({due.days_left} days left){flag}" if due.deadline else ""
        say(f"{case.code:24} rev {case.revision:<3} {case.state:22} {case.verdict or '-':16} {when}".rstrip())
    return EXIT_OK


def run_case_team(args: argparse.Namespace) -> int:
    """``dvw case team CODE [--add USER --as ROLE | --remove USER]``."""
    from records.events import check_case_code  # noqa: PLC0415
    from records.team import change_team  # noqa: PLC0415

    code = check_case_code(args.code)
    recorded: list[dict[str, Any]] = []
    with _open(args) as store:
        if args.add or args.remove:
            if args.add and not args.role:
                raise UsageError("--add USER needs its role on the case: --as ROLE")
            session = acting_session(args, store, "changing a case's team")
            events = change_team(store, code, session, add=args.add, role=args.role, remove=args.remove)
            recorded = [{"kind": e.kind, "seq": e.seq, "event_id": e.event_id, **e.payload} for e in events]
        case = store.case(code)
    members = [{"user": user, "role": role} for user, role in case.team.items()]
    if args.json:
        emit_json({"code": case.code, "team": members, "recorded": recorded})
        return EXIT_OK
    for item in recorded:
        done = "added as " + str(item.get("role")) if item["kind"] == "team_member_added" else "removed"
        say(f"{item['user_id']} {done} (event seq {item['seq']})")
    if not members:
        say(
            f"case {case.code} has no team yet: every user may act on it (dvw case team {case.code} --add USER "
            "--as ROLE)"
        )
    for member in members:
        say(f"  {member['user']:20} {member['role']}")
    return EXIT_OK


def run_case_input(args: argparse.Namespace) -> int:
    """``dvw case input CODE --file INPUT.toml``."""
    from records.events import check_case_code  # noqa: PLC0415
    from workflow.design_input import read_design_input, record_design_input  # noqa: PLC0415

    code = check_case_code(args.code)
    given = read_design_input(args.file)  # refuse a bad file before asking for a password
    acting_user_id(args, "recording a design input")
    with _open(args) as store:
        session = acting_session(args, store, "recording a design input")
        recorded = record_design_input(store, code, given, session)
    payload = recorded.event.payload
    if args.json:
        emit_json(
            {
                "code": code,
                "event_id": recorded.event.event_id,
                "seq": recorded.event.seq,
                "input_sha256": recorded.input_sha256,
                "deadline": payload["deadline"],
                "consent": payload["consent"],
                "attachments": payload["attachments"],
            }
        )
    else:
        consent = "consent given" if given.consent_given else "NO CONSENT"
        say(
            f"design input of case {code} recorded (event seq {recorded.event.seq}): deadline {payload['deadline']}, "
            f"{consent}, sha256 {recorded.input_sha256[:16]}..."
        )
    return EXIT_OK


def run_case_show(args: argparse.Namespace) -> int:
    """``dvw case show``: the state, team, design input, revision history, events and signatures."""
    from records.sync.conflicts import find_conflicts  # noqa: PLC0415
    from records.team import deadline_of, design_input, pending_acknowledgements, revisions  # noqa: PLC0415

    with _open(args) as store:
        case = store.case(args.code)
        conflicts = [c for c in find_conflicts(store.events()) if c.case_code == case.code]
    given = design_input(case)
    due = deadline_of(case, datetime.now().astimezone().date())
    history = revisions(case)
    waiting = pending_acknowledgements(case)
    if args.json:
        emit_json(
            {
                **case.to_json(),
                **due.to_json(),
                "team": [{"user": user, "role": role} for user, role in case.team.items()],
                "design_input": None
                if given is None or case.design_input is None
                else {"event_id": case.design_input.event_id, **msgspec.to_builtins(given)},
                "revisions": history,
                "waiting_acknowledgements": waiting,
                "conflicts": [conflict.to_json() for conflict in conflicts],
            }
        )
        return EXIT_OK
    say(f"case {case.code}: revision {case.revision}, {case.state}, verdict {case.verdict or '-'}")
    for conflict in conflicts:
        sites = ", ".join(branch.site_id[:8] for branch in conflict.branches)
        say(f"  CONFLICT: concurrent revisions from sites {sites}; resolve with dvw site resolve {case.code}")
    if case.team:
        say("  team: " + ", ".join(f"{user} ({role})" for user, role in case.team.items()))
    if given is not None:
        consent = f"consent given {given.consent.date}" if given.consent.given else "NO CONSENT"
        flag = " LATE" if due.late else " AT RISK" if due.at_risk else ""
        say(f"  design input: deadline {given.deadline} ({due.days_left} days left){flag}, {consent}")
    for item in history[1:]:
        figures = item["comparison"] or {}
        acked = ", ".join(str(ack["user"]) for ack in item["acknowledged"]) or "nobody yet"
        shown = [
            f"{label} {_figure(figures.get(name))}"
            for label, name in (
                ("max", "change.max_deviation_mm"),
                ("RMS", "change.rms_deviation_mm"),
                ("changed area", "change.area_changed_mm2"),
            )
        ]
        say(
            f"  revision {item['revision']} by {item['by']} at {item['created_at']}: {item['reason']}; "
            f"{', '.join(shown)} (mm, mm²); acknowledged by {acked}"
        )
    if waiting:
        say(f"  waiting for acknowledgement of revision {case.revision}: {', '.join(waiting)}")
    for name, sha in case.inputs.items():
        say(f"  input {name}: {sha}")
    for event in case.events:
        by = f" by {event.actor}" if event.actor else ""
        say(f"  {event.seq:>6} {event.created_at} {event.kind}{by}")
    for signature in case.signatures:
        mark = " (superseded)" if signature.event_id in case.superseded else ""
        say(f"  signature seq {signature.seq}{mark}")
    return EXIT_OK


def _figure(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else "-"


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
