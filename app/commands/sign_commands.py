"""``dvw user add|list|disable``, ``dvw reverify`` and ``dvw sign``: users, re-verification and e-signatures."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.commands.acting import add_password_stdin, read_password
from app.home import home_folder

if TYPE_CHECKING:
    from records.events import Event
    from records.signatures import Signed
    from records.store import Store
    from records.users import Session

__all__ = ["read_password", "register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``setup``, ``user`` (add, list, disable, role, unlock), ``reverify`` and ``sign``."""
    _register_users(sub)
    reverify = sub.add_parser("reverify", help="record the re-verification of a case", description=_REVERIFY_HELP)
    reverify.add_argument("code", metavar="CODE", help="case code")
    reverify.add_argument("--user", required=True, metavar="USER", help="engineer or quality user")
    reverify.add_argument("--method", required=True, metavar="TEXT", help="how the design was re-verified")
    reverify.add_argument("--result", required=True, choices=("pass", "fail"), help="the re-verification's result")
    reverify.add_argument("--justification", required=True, metavar="TEXT", help="why the result holds")
    reverify.add_argument("--evidence", nargs="+", default=[], metavar="FILE", help="evidence files (stored by hash)")
    add_password_stdin(reverify)
    add_json_flag(reverify)
    reverify.set_defaults(handler=run_reverify)

    sign = sub.add_parser("sign", help="sign a case's check", description=_SIGN_HELP)
    sign.add_argument("code", metavar="CODE", help="case code")
    sign.add_argument("--user", required=True, metavar="USER", help="the signer (re-enters the password)")
    sign.add_argument("--meaning", required=True, metavar="TEXT", help="what the signature means (see above)")
    add_password_stdin(sign)
    add_json_flag(sign)
    sign.set_defaults(handler=run_sign)


def _register_users(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    setup = sub.add_parser("setup", help="set up this workstation: its first administrator", description=_SETUP_HELP)
    setup.add_argument("--admin", required=True, metavar="USER", help="the administrator's user id")
    setup.add_argument("--name", required=True, metavar="TEXT", help="the administrator's printed name")
    setup.add_argument("--qualification", metavar="TEXT", help="title or qualification")
    add_password_stdin(setup)
    add_json_flag(setup)
    setup.set_defaults(handler=run_setup)

    user = sub.add_parser("user", help="add, list, disable and manage users", description=_USER_HELP)
    actions = user.add_subparsers(dest="user_action", metavar="ACTION", parser_class=type(user), required=True)

    add = actions.add_parser("add", help="add a user (administrator)", description=_ADD_HELP)
    add.add_argument("user", metavar="USER", help="user id: 2 to 32 of a-z 0-9 . _ -")
    add.add_argument("--name", required=True, metavar="TEXT", help="printed name shown with signatures")
    add.add_argument("--role", required=True, metavar="ROLE", help="engineer, clinician, quality or admin")
    add.add_argument("--qualification", metavar="TEXT", help='e.g. "Consultant neurosurgeon, licence 1234"')
    add.add_argument("--by", metavar="ADMIN", help="the administrator adding the user (re-enters the password)")
    add_password_stdin(add)
    add_json_flag(add)
    add.set_defaults(handler=run_user_add)

    listing = actions.add_parser("list", help="list the users", description="List every user, enabled or not.")
    listing.add_argument("--all-sites", action="store_true", help="also list other sites' users (from sync/bundles)")
    add_json_flag(listing)
    listing.set_defaults(handler=run_user_list)

    disable = actions.add_parser("disable", help="disable a user (administrator)", description=_DISABLE_HELP)
    disable.add_argument("user", metavar="USER", help="the user to disable")
    disable.add_argument("--by", required=True, metavar="ADMIN", help="the administrator (re-enters the password)")
    add_password_stdin(disable)
    add_json_flag(disable)
    disable.set_defaults(handler=run_user_disable)

    role = actions.add_parser("role", help="change a user's role (administrator)", description=_ROLE_HELP)
    role.add_argument("user", metavar="USER", help="the user")
    role.add_argument("--role", required=True, metavar="ROLE", help="engineer, clinician, quality or admin")
    role.add_argument("--by", required=True, metavar="ADMIN", help="the administrator (re-enters the password)")
    add_password_stdin(role)
    add_json_flag(role)
    role.set_defaults(handler=run_user_role)

    unlock = actions.add_parser("unlock", help="lift a lockout (administrator)", description=_UNLOCK_HELP)
    unlock.add_argument("user", metavar="USER", help="the locked user")
    unlock.add_argument("--by", required=True, metavar="ADMIN", help="the administrator (re-enters the password)")
    add_password_stdin(unlock)
    add_json_flag(unlock)
    unlock.set_defaults(handler=run_user_unlock)


_SETUP_HELP = (
    "Set up a new workstation's store: make its first user, the administrator, who records their own user_added "
    "event. Only possible while the store has no users; afterwards an administrator adds users (dvw user add "
    "--by ADMIN). The password is typed twice at a prompt, or read from one line of stdin with --password-stdin."
)
_USER_HELP = (
    "Users have a role (engineer, clinician, quality, admin), a printed name, an optional qualification, an "
    "Argon2-hashed password and an Ed25519 key encrypted with it. The public facts are recorded in the event log, "
    "attested by the administrator who made the change; the secrets stay in the home folder (users/<id>.json). "
    "A user belongs to the workstation (site) that added it."
)
_ADD_HELP = (
    "Add a user: only an administrator of this workstation (--by ADMIN), who re-enters their password. With "
    "--password-stdin, stdin holds two lines: the administrator's password, then the new user's password."
)
_DISABLE_HELP = "Disable a user: only an administrator; the last enabled administrator cannot be disabled."
_ROLE_HELP = "Give a user another role: only an administrator; recorded as user_role_changed."
_UNLOCK_HELP = (
    "Lift the lockout of an account locked after 5 wrong passwords within 15 minutes (it also ends by itself 15 "
    "minutes after the last failure): only an administrator; recorded as user_unlocked."
)
_REVERIFY_HELP = (
    "Record how an out-of-envelope or indeterminate case was re-verified (engineer or quality only): method, "
    "result, justification and evidence files, which are stored and named by SHA-256. Without a passed "
    "re-verification such a case cannot be signed."
)
_SIGN_HELP = (
    "Sign the case's current check after re-entering the password. The signature covers the case code, revision, "
    "the hashes of every input and result, the verdict, envelope hash, software manifest id, the meaning and the "
    "signer. Refused (exit 2) without a current check, without a passed re-verification when one is needed, when "
    "this software has not passed `dvw selftest`, when the role may not sign the meaning, or when an input changed. "
    'Meanings (roles; records.signatures.MEANING_ROLES): "design verification" (engineer, quality), "clinical '
    'design confirmation" (clinician), "re-verification approved" (quality), "release" (quality). A clinical design '
    "confirmation of a case checked within its envelope also records the design_approved trace step of the case's "
    "device in the same transaction, when the device has its UDI and no trace step yet; without a UDI it says so "
    "(the step is then recorded with dvw trace add once the UDI is assigned)."
)


def _open(args: argparse.Namespace) -> Store:
    from records.store import Store  # noqa: PLC0415

    return Store.open(home_folder(args.home))


def _event_json(event: Event, summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "seq": event.seq,
        "hash": event.hash,
        "kind": event.kind,
        "case_code": event.case_code,
        "actor": event.actor,
        "created_at": event.created_at,
        "payload": summary,
    }


def run_setup(args: argparse.Namespace) -> int:
    """``dvw setup --admin USER --name "..."``."""
    from records.users import check_password_strength, check_user_id, setup_admin  # noqa: PLC0415

    check_user_id(args.admin)
    password = read_password(args, f"Password for the administrator {args.admin}: ", confirm=True)
    check_password_strength(password)
    with _open(args) as store:
        user = setup_admin(
            store, args.admin, printed_name=args.name, password=password, qualification=args.qualification
        )
        site = store.site_id
    if args.json:
        emit_json({**user.to_json(), "site_id": site})
    else:
        say(f"workstation {site} set up; administrator {user.user_id} ({user.printed_name})")
    return EXIT_OK


def _admin_session(args: argparse.Namespace, store: Store, what: str) -> Session:
    from records.users import sign_in  # noqa: PLC0415

    by = getattr(args, "by", None)
    if not by:
        raise UsageError(
            f"{what} is an administrator's act: give --by ADMIN (the administrator re-enters the password)"
        )
    password = read_password(args, f"Password for the administrator {by}: ")
    return sign_in(store, by, password)


def run_user_add(args: argparse.Namespace) -> int:
    """``dvw user add USER --name ... --role ... --by ADMIN``."""
    from records.users import add_user, check_password_strength, check_user_id, load_users  # noqa: PLC0415

    check_user_id(args.user)  # refuse a bad id before asking for a password
    with _open(args) as store:
        if not load_users(store):
            raise UsageError("this workstation has no administrator yet: set it up first (dvw setup --admin USER)")
        admin = _admin_session(args, store, "adding a user")
        password = read_password(args, f"Password for {args.user}: ", confirm=True)
        check_password_strength(password)
        user = add_user(
            store,
            args.user,
            printed_name=args.name,
            role=args.role,
            password=password,
            qualification=args.qualification,
            by=admin,
        )
    if args.json:
        emit_json(user.to_json())
    else:
        say(
            f"user {user.user_id} added by {admin.user_id}: {user.printed_name}, {user.role} "
            f"(key {user.public_key_sha256[:16]}...)"
        )
    return EXIT_OK


def run_user_list(args: argparse.Namespace) -> int:
    """``dvw user list``."""
    from records.users import all_users, load_users  # noqa: PLC0415

    with _open(args) as store:
        users = all_users(store) if args.all_sites else list(load_users(store).values())
        site = store.site_id
    if args.json:
        emit_json({"site_id": site, "users": [user.to_json() for user in users]})
        return EXIT_OK
    if not users:
        say("no users (set this workstation up: dvw setup --admin USER)")
    for user in users:
        state = "enabled" if user.enabled else f"disabled {user.disabled_at}"
        title = f", {user.qualification}" if user.qualification else ""
        where = "" if user.site_id == site else f"  [site {user.site_id[:8]}]"
        say(f"{user.user_id:20} {user.role:10} {state:10} {user.printed_name}{title}{where}")
    return EXIT_OK


def _admin_event(args: argparse.Namespace, what: str, done: str) -> int:
    from records.users import change_role, disable_user, unlock_user  # noqa: PLC0415

    with _open(args) as store:
        admin = _admin_session(args, store, what)
        if args.user_action == "disable":
            event = disable_user(store, args.user, by=admin)
        elif args.user_action == "role":
            event = change_role(store, args.user, args.role, by=admin)
        else:
            event = unlock_user(store, args.user, by=admin)
    if args.json:
        emit_json(_event_json(event, dict(event.payload)))
    else:
        say(f"user {args.user} {done} by {admin.user_id} (event seq {event.seq})")
    return EXIT_OK


def run_user_disable(args: argparse.Namespace) -> int:
    """``dvw user disable USER --by ADMIN``."""
    return _admin_event(args, "disabling a user", "disabled")


def run_user_role(args: argparse.Namespace) -> int:
    """``dvw user role USER --role ROLE --by ADMIN``."""
    return _admin_event(args, "changing a role", f"now has role {args.role}")


def run_user_unlock(args: argparse.Namespace) -> int:
    """``dvw user unlock USER --by ADMIN``."""
    return _admin_event(args, "unlocking an account", "unlocked")


def run_reverify(args: argparse.Namespace) -> int:
    """``dvw reverify``."""
    from records.payloads import ReverificationRecorded, read  # noqa: PLC0415
    from records.reverification import record_reverification  # noqa: PLC0415

    password = read_password(args, f"Password for {args.user}: ")
    with _open(args) as store:
        event = record_reverification(
            store,
            args.code,
            args.user,
            password,
            method=args.method,
            result=args.result,
            justification=args.justification,
            evidence=[Path(path) for path in args.evidence],
        )
    answer = read(event, ReverificationRecorded)
    summary = {
        "result": answer.result,
        "method": answer.method,
        "verdict": answer.verdict,
        "revision": answer.revision,
        "evidence": event.payload["evidence"],
        "check_event_id": answer.check_event_id,
    }
    if args.json:
        emit_json(_event_json(event, summary))
    else:
        say(f"re-verification of case {args.code} recorded: {answer.result} (event seq {event.seq})")
    return EXIT_OK


def run_sign(args: argparse.Namespace) -> int:
    """``dvw sign``."""
    from records.payloads import Signature, read  # noqa: PLC0415
    from traceability.signing import sign_and_record  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415

    password = read_password(args, f"Password for {args.user}: ")
    with _open(args) as store:
        manifest_id = current_manifest().manifest_id
        result = sign_and_record(
            store, args.code, args.user, password, args.meaning, manifest_id=manifest_id, home=store.home
        )
    event = result.signature
    signed = read(event, Signature)
    content = signed.content
    summary = {
        "meaning": content.meaning,
        "signer": event.payload["content"]["signer"],
        "signed_at": content.signed_at,
        "revision": content.revision,
        "verdict": content.verdict,
        "envelope_sha256": content.envelope_sha256,
        "manifest_id": content.manifest_id,
        "public_key_sha256": signed.public_key_sha256,
    }
    if args.json:
        emit_json({**_event_json(event, summary), "design_approved": _design_approved_json(result)})
        return EXIT_OK
    signer = content.signer
    say(
        f"case {args.code} revision {content.revision} signed by {signer.printed_name} ({signer.role}) "
        f"as {content.meaning!r} at {content.signed_at} (event seq {event.seq})"
    )
    approved = result.design_approved
    if approved is not None:
        serial = approved.payload["what"]["serial"]
        say(f"  design_approved of device {serial} recorded with the signature (event seq {approved.seq})")
    elif result.note is not None:
        say(f"  {result.note}")
    return EXIT_OK


def _design_approved_json(result: Signed) -> dict[str, Any] | None:
    """The ``design_approved`` trace step of a signature that approves the design; None for other signatures."""
    if not result.approves_design:
        return None
    event = result.design_approved or result.existing
    return {
        "recorded": result.design_approved is not None,
        "event_id": None if event is None else event.event_id,
        "seq": None if event is None else event.seq,
        "hash": None if event is None else event.hash,
        "serial": None if event is None else event.payload["what"]["serial"],
        "note": result.note,
    }
