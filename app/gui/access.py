"""Who works in the window: signing in, setting up a new store's administrator, who may sign in (no Qt here).

Every event with an actor is attested by the actor's key (Part 11, ALCOA+ "attributable"): the window records
nothing until someone signs in (:func:`records.users.sign_in`), and the resulting
:class:`~records.users.Session` is the one place an unlocked key lives in the window (``SessionModel``).

The jobs here run in a **thread** of the GUI process (:class:`~app.workers.TaskWorker` without ``isolated``): a
session must never be pickled or leave the process, so nothing that makes or uses one runs in the worker process.
Password checks (Argon2id) release the GIL, so a thread keeps the window answering.

A refused sign-in is not an error of the job: :func:`sign_in_user` returns a :class:`SignInRefusal` saying why
(wrong password, locked until when, disabled, unknown user), which the dialog shows in words; a wrong password is
recorded by the core (``sign_in_failed``) and repeated ones lock the account for a while.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from base.progress import CancelToken, ProgressCallback, checkpoint, report

if TYPE_CHECKING:  # the records core loads in the background after the window opens
    from records.store import Store
    from records.users import Session, User

#: Refusal codes :func:`sign_in_user` returns (the records errors' codes).
WRONG_PASSWORD = "wrong_password"  # noqa: S105 - an error code, not a password
ACCOUNT_LOCKED = "account_locked"
USER_DISABLED = "user_disabled"
UNKNOWN_USER = "unknown_user"
CREDENTIALS = "credentials"


@dataclass(frozen=True)
class StorePeople:
    """Who may sign in to a store: its site and this site's users (public facts only).

    Attributes
    ----------
    site_id
        The store's site.
    users
        This site's users, enabled or not, in the order they were added.
    """

    site_id: str
    users: tuple[User, ...]

    @property
    def set_up(self) -> bool:
        """Whether the store has its administrator (``dvw setup``); until then nobody can sign in."""
        return bool(self.users)

    def user(self, user_id: str) -> User | None:
        """The user with this id, or None."""
        return next((user for user in self.users if user.user_id == user_id), None)


def store_people(store: Store) -> StorePeople:
    """The users of the open ``store`` (a read of the directory events: milliseconds)."""
    from records.users import load_users  # noqa: PLC0415

    return StorePeople(store.site_id, tuple(load_users(store).values()))


@dataclass(frozen=True)
class SignInRefusal:
    """Why a sign-in was refused, for the dialog to say in words.

    Attributes
    ----------
    code
        :data:`WRONG_PASSWORD`, :data:`ACCOUNT_LOCKED`, :data:`USER_DISABLED`, :data:`UNKNOWN_USER`,
        :data:`CREDENTIALS`, or another records error's code.
    message
        The core's one-line message (English).
    user_id
        Who tried.
    locked_until
        For :data:`ACCOUNT_LOCKED`: when the lockout ends (timezone-aware), if known.
    """

    code: str
    message: str
    user_id: str
    locked_until: datetime | None = None


@dataclass(frozen=True)
class SignInOutcome:
    """A sign-in: the session when it succeeded, else why it was refused (exactly one of the two is set)."""

    session: Session | None = field(default=None, repr=False)
    refusal: SignInRefusal | None = None


def _refusal(store: Store, user_id: str, exc: Exception) -> SignInRefusal:
    from records.errors import AccountLockedError, InvalidUserError, RecordsError  # noqa: PLC0415

    assert isinstance(exc, RecordsError)
    if isinstance(exc, AccountLockedError):
        now = datetime.now().astimezone()
        until = store.directory().locked_until(store.site_id, user_id, now)
        return SignInRefusal(ACCOUNT_LOCKED, exc.message, user_id, until)
    code = UNKNOWN_USER if isinstance(exc, InvalidUserError) else exc.code
    return SignInRefusal(code, exc.message, user_id)


def sign_in_user(
    home: Path, user_id: str, password: str, progress: ProgressCallback, cancel: CancelToken
) -> SignInOutcome:
    """Sign ``user_id`` in to the store at ``home`` with ``password`` (:func:`records.users.sign_in`).

    Returns
    -------
    SignInOutcome
        The session, or the refusal: wrong password (recorded as ``sign_in_failed``), account locked (with until
        when), user disabled, unknown user, or credentials missing on this workstation.

    Raises
    ------
    StoreError
        When the store cannot be opened.
    """
    from records.errors import (  # noqa: PLC0415
        CredentialsError,
        InvalidUserError,
        UnknownUserError,
        UserDisabledError,
        WrongPasswordError,
    )
    from records.store import Store  # noqa: PLC0415
    from records.users import sign_in  # noqa: PLC0415
    from workflow.priority import at_low_priority  # noqa: PLC0415

    report(progress, 0.1, "checking the password")
    checkpoint(cancel)
    with Store.open(home) as store:
        try:
            # Argon2 fills four threads for a second: below the GUI thread's priority, the window stays smooth.
            session = at_low_priority(partial(sign_in, store, user_id.strip(), password))
        except (WrongPasswordError, UserDisabledError, UnknownUserError, InvalidUserError, CredentialsError) as exc:
            return SignInOutcome(refusal=_refusal(store, user_id.strip(), exc))
    report(progress, 1.0, "signed in")
    return SignInOutcome(session=session)


@dataclass(frozen=True)
class SetupRequest:
    """The first administrator of a new store, as entered in the set-up dialog (what ``dvw setup`` asks)."""

    home: Path
    user_id: str
    printed_name: str
    password: str = field(repr=False)
    qualification: str | None = None


def set_up_store(request: SetupRequest, progress: ProgressCallback, cancel: CancelToken) -> SignInOutcome:
    """Set the store up with its administrator (:func:`records.users.setup_admin`) and sign them in.

    Raises
    ------
    InvalidUserError
        A malformed id, an empty printed name or a too-short password.
    RoleNotPermittedError
        The store already has users (someone set it up meanwhile): then sign in.
    """
    from records.store import Store  # noqa: PLC0415
    from records.users import setup_admin, sign_in  # noqa: PLC0415
    from workflow.priority import at_low_priority  # noqa: PLC0415

    report(progress, 0.05, "making the administrator's key")
    checkpoint(cancel)
    with Store.open(request.home) as store:
        set_up = partial(
            setup_admin,
            store,
            request.user_id.strip(),
            printed_name=request.printed_name,
            password=request.password,
            qualification=request.qualification or None,
        )
        user = at_low_priority(set_up)
        report(progress, 0.5, "signing in")
        session = at_low_priority(partial(sign_in, store, user.user_id, request.password))
    report(progress, 1.0, "set up")
    return SignInOutcome(session=session)
