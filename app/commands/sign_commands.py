"""``dvw user add|list|disable``, ``dvw reverify`` and ``dvw sign``: users, re-verification and e-signatures."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.home import home_folder

if TYPE_CHECKING:
    from records.events import Event
    from records.store import Store


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``user`` (``add``, ``list``, ``disable``), ``reverify`` and ``sign``."""
    user = sub.add_parser("user", help="add, list and disable users", description=_USER_HELP)
    actions = user.add_subparsers(dest="user_action", metavar="ACTION", parser_class=type(user), required=True)

    add = actions.add_parser("add", help="add a user", description="Add a user with a role, a password and a key.")
    add.add_argument("user", metavar="USER", help="user id: 2 to 32 of a-z 0-9 . _ -")
    add.add_argument("--name", required=True, metavar="TEXT", help="printed name shown with signatures")
    add.add_argument("--role", required=True, metavar="ROLE", help="engineer, clinician, quality or admin")
    add.add_argument("--qualification", metavar="TEXT", help='e.g. "Consultant neurosurgeon, licence 1234"')
    _add_password_stdin(add)
    add_json_flag(add)
    add.set_defaults(handler=run_user_add)

    listing = actions.add_parser("list", help="list the users", description="List every user, enabled or not.")
    add_json_flag(listing)
    listing.set_defaults(handler=run_user_list)

    disable = actions.add_parser("disable", help="disable a user", description="Disable a user (admin only).")
    disable.add_argument("user", metavar="USER", help="the user to disable")
    disable.add_argument("--by", required=True, metavar="ADMIN", help="the administrator (re-enters the password)")
    _add_password_stdin(disable)
    add_json_flag(disable)
    disable.set_defaults(handler=run_user_disable)

    reverify = sub.add_parser("reverify", help="record the re-verification of a case", description=_REVERIFY_HELP)
    reverify.add_argument("code", metavar="CODE", help="case code")
    reverify.add_argument("--user", required=True, metavar="USER", help="engineer or quality user")
    reverify.add_argument("--method", required=True, metavar="TEXT", help="how the design was re-verified")
    reverify.add_argument("--result", required=True, choices=("pass", "fail"), help="the re-verification's result")
    reverify.add_argument("--justification", required=True, metavar="TEXT", help="why the result holds")
    reverify.add_argument("--evidence", nargs="+", default=[], metavar="FILE", help="evidence files (stored by hash)")
    _add_password_stdin(reverify)
    add_json_flag(reverify)
    reverify.set_defaults(handler=run_reverify)

    sign = sub.add_parser("sign", help="sign a case's check", description=_SIGN_HELP)
    sign.add_argument("code", metavar="CODE", help="case code")
    sign.add_argument("--user", required=True, metavar="USER", help="the signer (re-enters the password)")
    sign.add_argument("--meaning", required=True, metavar="TEXT", help="what the signature means (see above)")
    _add_password_stdin(sign)
    add_json_flag(sign)
    sign.set_defaults(handler=run_sign)


_USER_HELP = (
    "Users have a role (engineer, clinician, quality, admin), a printed name, an optional qualification, an "
    "Argon2-hashed password and an Ed25519 signing key encrypted with it. The public facts are recorded in the "
    "event log; the secrets stay in the home folder (users/<id>.json)."
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
    'design confirmation" (clinician), "re-verification approved" (quality), "release" (quality).'
)


def _add_password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin instead of a prompt"
    )


def _open(args: argparse.Namespace) -> Store:
    from records.store import Store  # noqa: PLC0415

    return Store.open(home_folder(args.home))


def read_password(args: argparse.Namespace, prompt: str, *, confirm: bool = False) -> str:
    """The password: one line of stdin with ``--password-stdin``, else typed at a hidden prompt (twice to confirm).

    Raises
    ------
    UsageError
        When stdin is empty, no terminal can prompt, or the two typed passwords differ.
    """
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UsageError("--password-stdin: no password on stdin")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("no terminal to prompt for the password; pipe it with --password-stdin")
    password = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the password: ") != password:
        raise UsageError("the two passwords differ; nothing was changed")
    return password


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


def run_user_add(args: argparse.Namespace) -> int:
    """``dvw user add``."""
    from records.users import add_user, check_password_strength, check_user_id  # noqa: PLC0415

    check_user_id(args.user)  # refuse a bad id before asking for a password
    password = read_password(args, f"Password for {args.user}: ", confirm=True)
    check_password_strength(password)
    with _open(args) as store:
        user = add_user(
            store,
            args.user,
            printed_name=args.name,
            role=args.role,
            password=password,
            qualification=args.qualification,
        )
    if args.json:
        emit_json(user.to_json())
    else:
        say(f"user {user.user_id} added: {user.printed_name}, {user.role} (key {user.public_key_sha256[:16]}...)")
    return EXIT_OK


def run_user_list(args: argparse.Namespace) -> int:
    """``dvw user list``."""
    from records.users import load_users  # noqa: PLC0415

    with _open(args) as store:
        users = list(load_users(store).values())
    if args.json:
        emit_json({"users": [user.to_json() for user in users]})
        return EXIT_OK
    if not users:
        say("no users")
    for user in users:
        state = "enabled" if user.enabled else f"disabled {user.disabled_at}"
        title = f", {user.qualification}" if user.qualification else ""
        say(f"{user.user_id:20} {user.role:10} {state:10} {user.printed_name}{title}")
    return EXIT_OK


def run_user_disable(args: argparse.Namespace) -> int:
    """``dvw user disable``."""
    from records.users import disable_user  # noqa: PLC0415

    password = read_password(args, f"Password for {args.by}: ")
    with _open(args) as store:
        event = disable_user(store, args.user, by=args.by, password=password)
    if args.json:
        emit_json(_event_json(event, dict(event.payload)))
    else:
        say(f"user {args.user} disabled by {args.by} (event seq {event.seq})")
    return EXIT_OK


def run_reverify(args: argparse.Namespace) -> int:
    """``dvw reverify``."""
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
    payload = event.payload
    summary = {
        "result": payload["result"],
        "method": payload["method"],
        "verdict": payload["verdict"],
        "revision": payload["revision"],
        "evidence": payload["evidence"],
        "check_event_id": payload["check_event_id"],
    }
    if args.json:
        emit_json(_event_json(event, summary))
    else:
        say(f"re-verification of case {args.code} recorded: {payload['result']} (event seq {event.seq})")
    return EXIT_OK


def run_sign(args: argparse.Namespace) -> int:
    """``dvw sign``."""
    from records.signatures import sign  # noqa: PLC0415

    password = read_password(args, f"Password for {args.user}: ")
    with _open(args) as store:
        event = sign(store, args.code, args.user, password, args.meaning, home=store.home)
    content = event.payload["content"]
    summary = {
        "meaning": content["meaning"],
        "signer": content["signer"],
        "signed_at": content["signed_at"],
        "revision": content["revision"],
        "verdict": content["verdict"],
        "envelope_sha256": content["envelope_sha256"],
        "manifest_id": content["manifest_id"],
        "public_key_sha256": event.payload["public_key_sha256"],
    }
    if args.json:
        emit_json(_event_json(event, summary))
    else:
        signer = content["signer"]
        say(
            f"case {args.code} revision {content['revision']} signed by {signer['printed_name']} ({signer['role']}) "
            f"as {content['meaning']!r} at {content['signed_at']} (event seq {event.seq})"
        )
    return EXIT_OK
