"""Who is acting on the command line: ``--user USER`` (or ``$DVW_USER``) and a password, giving a signed-in session.

Every command that changes the records names the person (Part 11, ALCOA+ "attributable"): the user is given by
``--user`` or the ``DVW_USER`` environment variable, and the password is typed at a hidden prompt or read from one
line of stdin with ``--password-stdin``. The session attests each event the command records. Wrong passwords are
recorded and lock the account after repeated failures (:func:`records.users.sign_in`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING

from app.cli import UsageError

if TYPE_CHECKING:
    from records.store import Store
    from records.users import Session

ENV_USER = "DVW_USER"


def add_password_stdin(parser: argparse.ArgumentParser) -> None:
    """Add ``--password-stdin`` to a sub-command."""
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin instead of a prompt"
    )


def add_acting_user(parser: argparse.ArgumentParser, what: str = "the person doing this") -> None:
    """Add ``--user USER`` (default ``$DVW_USER``) and ``--password-stdin`` to a command that changes the records."""
    parser.add_argument(
        "--user",
        metavar="USER",
        default=None,
        help=f"{what}: a user of this workstation, who re-enters the password (default: ${ENV_USER})",
    )
    add_password_stdin(parser)


def acting_user_id(args: argparse.Namespace, what: str) -> str:
    """The acting user's id from ``--user`` or ``$DVW_USER``.

    Raises
    ------
    UsageError
        When neither names anyone.
    """
    user = getattr(args, "user", None) or os.environ.get(ENV_USER, "")
    if not user:
        raise UsageError(f"{what} is recorded with who did it: give --user USER (or set {ENV_USER})")
    return str(user)


def read_password(args: argparse.Namespace, prompt: str, *, confirm: bool = False) -> str:
    """The password: one line of stdin with ``--password-stdin``, else typed at a hidden prompt (twice to confirm).

    Raises
    ------
    UsageError
        When stdin is empty, no terminal can prompt, or the two typed passwords differ.
    """
    if getattr(args, "password_stdin", False):
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


def acting_session(args: argparse.Namespace, store: Store, what: str) -> Session:
    """Sign the acting user in (``--user``/``$DVW_USER``, password from the prompt or stdin).

    Raises
    ------
    UsageError
        No user named, or no password to read.
    UnknownUserError, UserDisabledError, WrongPasswordError, AccountLockedError, CredentialsError
        The user cannot sign in here.
    """
    from records.users import sign_in  # noqa: PLC0415 - argon2 and cryptography load only when needed

    user_id = acting_user_id(args, what)
    password = read_password(args, f"Password for {user_id}: ")
    return sign_in(store, user_id, password)
