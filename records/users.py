"""Users, roles and their credentials: who may record and sign, the sessions they act in, and the keys they use.

A user has an id (``[a-z0-9._-]{2,32}``), a printed name, one role (:data:`ROLES`), an optional qualification
(e.g. "Consultant neurosurgeon, licence 1234") and an Ed25519 key pair. What is public about a user goes into the
event log, so it is hash-chained, synced and audited like any evidence; what is secret stays on the workstation.
Users belong to the site that added them (:mod:`records.identity`): a user is (site, user id).

- **Set-up**: a site's first user is its administrator (:func:`setup_admin`, ``dvw setup``), who records their own
  ``user_added`` event. After that only an administrator, signed in with their password, adds users
  (:func:`add_user`), changes roles (:func:`change_role`), disables (:func:`disable_user`) or unlocks
  (:func:`unlock_user`) them; each is an event the administrator attests.
- **Sessions**: :func:`sign_in` checks the password (Argon2id, constant time) and unlocks the user's key into a
  :class:`Session`, which attests each event the user records (``Store.append(..., by=session)``). A wrong password
  is recorded (``sign_in_failed``); :data:`~records.identity.MAX_FAILED_SIGN_INS` within
  :data:`~records.identity.LOCKOUT_WINDOW` lock the account for that long, or until an administrator unlocks it.
- **Secret** (``home/users/<user_id>.json``, owner-only, written atomically): the password's Argon2id hash
  (argon2-cffi :class:`~argon2.PasswordHasher`) and the Ed25519 private key encrypted with AES-256-GCM under a key
  derived from the password by Argon2id (its own random salt; the user id and public key fingerprint are bound in
  as associated data, so a secrets file cannot be swapped between users).

The secrets live in files rather than a table because the store's schema belongs to its Alembic migrations; a file
per user also keeps the secrets out of the event database that is copied and synced.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from base.files import write_atomically
from records.errors import (
    AccountLockedError,
    CredentialsError,
    InvalidUserError,
    RoleNotPermittedError,
    UnknownUserError,
    UserDisabledError,
    UserExistsError,
    WrongPasswordError,
)
from records.events import Event, format_time, is_event_id
from records.identity import (
    ADMIN,
    CLINICIAN,
    ENGINEER,
    MAX_FAILED_SIGN_INS,
    QUALITY,
    ROLES,
    SIGN_IN_FAILED,
    SITE_TRUSTED,
    USER_ADDED,
    USER_DISABLED,
    USER_ROLE_CHANGED,
    USER_UNLOCKED,
    User,
    attestation_message,
    public_key_sha256,
    user_from_added,
)
from records.payloads import (
    SignInFailed,
    SiteTrusted,
    UserAdded,
    UserDisabled,
    UserRoleChanged,
    UserUnlocked,
    to_payload,
)
from records.store import Store

__all__ = [
    "ADMIN",
    "CLINICIAN",
    "ENGINEER",
    "QUALITY",
    "ROLES",
    "USER_ADDED",
    "USER_DISABLED",
    "Session",
    "User",
    "add_user",
    "authenticate",
    "public_key_sha256",
    "setup_admin",
    "sign_in",
    "trust_site",
]

USER_ID_PATTERN = re.compile(r"[a-z0-9._-]{2,32}")
MIN_PASSWORD_LENGTH = 8
MAX_TEXT_LENGTH = 200
USERS_DIR = "users"

_SECRETS_FORMAT = "dvw-user-secrets/1"
# Argon2id parameters of the key that encrypts the private key (RFC 9106's second recommended option).
_KDF_TIME_COST = 3
_KDF_MEMORY_KIB = 64 * 1024
_KDF_PARALLELISM = 4
_KDF_SALT_BYTES = 16
_NONCE_BYTES = 12


@dataclass(frozen=True)
class Session:
    """A signed-in user: their public facts and their unlocked key, which attests every event they record.

    Keep it only as long as the user is present (the window drops it when it locks); never write it anywhere.
    """

    user: User
    _key: Ed25519PrivateKey = field(repr=False)

    @property
    def user_id(self) -> str:
        """The user's id."""
        return self.user.user_id

    @property
    def public_key_sha256(self) -> str:
        """The fingerprint of the user's key."""
        return self.user.public_key_sha256

    def attest(self, event_hash: str) -> str:
        """The base64 Ed25519 signature over an event's hash (see :func:`records.identity.attestation_message`)."""
        return base64.b64encode(self._key.sign(attestation_message(event_hash))).decode("ascii")

    def sign_bytes(self, data: bytes) -> bytes:
        """The raw Ed25519 signature of ``data`` (e-signatures and bundle signatures)."""
        return self._key.sign(data)

    def __reduce__(self) -> Any:
        # An unlocked key never leaves the process that unlocked it (no pickling to a worker process, no copies).
        raise TypeError("a signed-in session cannot be pickled: it holds an unlocked private key")


def check_user_id(user_id: str) -> str:
    """Return ``user_id`` if it is well formed (``[a-z0-9._-]{2,32}``), else raise :class:`InvalidUserError`."""
    if not isinstance(user_id, str) or USER_ID_PATTERN.fullmatch(user_id) is None:
        raise InvalidUserError(f"invalid user id {user_id!r}: use 2 to 32 of a-z 0-9 . _ -")
    return user_id


def _check_text(what: str, text: str | None, *, required: bool) -> str | None:
    if text is None or not text.strip():
        if required:
            raise InvalidUserError(f"the {what} must not be empty")
        return None
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_TEXT_LENGTH:
        raise InvalidUserError(f"the {what} is longer than {MAX_TEXT_LENGTH} characters")
    return cleaned


def _password_bytes(password: str) -> bytes:
    # The same password typed on another keyboard or input method may arrive in another Unicode form.
    return unicodedata.normalize("NFC", password).encode("utf-8")


def check_password_strength(password: str) -> None:
    """Refuse an empty password or one shorter than :data:`MIN_PASSWORD_LENGTH` characters.

    Raises
    ------
    InvalidUserError
        When the password is too short.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


# ---------------------------------------------------------------------------------------------------- public facts


def users_from_events(events: Any, own_site: str | None = None) -> dict[str, User]:
    """The users a log's events define (kept for callers that read a list of events).

    Parameters
    ----------
    events
        Events in log order.
    own_site
        Whose users: this site's (default: the site of the first ``user_added`` event).

    Returns
    -------
    dict
        User id -> :class:`User` of that site.
    """
    from records.identity import directory_of  # noqa: PLC0415 - a thin view over the directory

    listed = list(events)
    if own_site is None:
        first = next((e for e in listed if e.kind == USER_ADDED and e.case_code is None), None)
        own_site = None if first is None else first.site_id
    if own_site is None:
        return {}
    return dict(directory_of(listed, own_site).users(own_site))


def load_users(store: Store) -> dict[str, User]:
    """The users of this site (enabled or not), as its event log defines them."""
    return dict(store.directory().users(store.site_id))


def all_users(store: Store) -> list[User]:
    """Every user of every site this store holds events of (each with its ``site_id``)."""
    return store.directory().all_users()


def get_user(store: Store, user_id: str) -> User:
    """The user of this site with this id.

    Raises
    ------
    InvalidUserError
        When the id is malformed.
    UnknownUserError
        When no user with this id was ever added on this site.
    """
    check_user_id(user_id)
    user = load_users(store).get(user_id)
    if user is None:
        raise UnknownUserError(f"unknown user {user_id!r} on this workstation: an administrator adds users here")
    return user


# ---------------------------------------------------------------------------------------------------- secrets


def secrets_path(home: Path, user_id: str) -> Path:
    """The file holding a user's secrets on this workstation: ``home/users/<user_id>.json``."""
    return Path(home) / USERS_DIR / f"{check_user_id(user_id)}.json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _associated_data(user_id: str, fingerprint: str) -> bytes:
    return f"dvw-user-key/1:{user_id}:{fingerprint}".encode()


def _derive_key(password: str, salt: bytes, time_cost: int, memory_kib: int, parallelism: int) -> bytes:
    return hash_secret_raw(_password_bytes(password), salt, time_cost, memory_kib, parallelism, 32, Type.ID)


def _encrypt_private_key(key: Ed25519PrivateKey, password: str, user_id: str, fingerprint: str) -> dict[str, Any]:
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    salt = secrets.token_bytes(_KDF_SALT_BYTES)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    secret = _derive_key(password, salt, _KDF_TIME_COST, _KDF_MEMORY_KIB, _KDF_PARALLELISM)
    sealed = AESGCM(secret).encrypt(nonce, raw, _associated_data(user_id, fingerprint))
    return {
        "kdf": "argon2id",
        "salt": _b64(salt),
        "time_cost": _KDF_TIME_COST,
        "memory_cost_kib": _KDF_MEMORY_KIB,
        "parallelism": _KDF_PARALLELISM,
        "cipher": "AES-256-GCM",
        "nonce": _b64(nonce),
        "ciphertext": _b64(sealed),
    }


def _write_secrets(home: Path, user_id: str, data: Mapping[str, Any]) -> Path:
    target = secrets_path(home, user_id)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    # mkstemp inside write_atomically creates the file owner-only (0600), and the rename keeps that mode.
    write_atomically(target, lambda temp: temp.write_text(text, encoding="utf-8"))
    return target


def _read_secrets(home: Path, user: User) -> dict[str, Any]:
    path = secrets_path(home, user.user_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialsError(
            f"user {user.user_id} has no credentials on this workstation ({path}); users sign where they were added",
            path=str(path),
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CredentialsError(f"cannot read the credentials of user {user.user_id}: {exc}", path=str(path)) from None
    if not isinstance(data, dict) or data.get("format") != _SECRETS_FORMAT or data.get("user_id") != user.user_id:
        raise CredentialsError(f"{path} is not the credentials file of user {user.user_id}", path=str(path))
    if data.get("public_key_sha256") != user.public_key_sha256:
        raise CredentialsError(
            f"the credentials in {path} do not belong to the key recorded for user {user.user_id}", path=str(path)
        )
    return data


# ---------------------------------------------------------------------------------------------------- operations


def _new_user_event(
    store: Store,
    user_id: str,
    *,
    printed_name: str,
    role: str,
    password: str,
    qualification: str | None,
    by: Session | None,
    now: datetime | None,
) -> tuple[User, Event]:
    """Make the key pair and secrets of a new user and record ``user_added`` (by ``by``, or by the user at set-up)."""
    check_user_id(user_id)
    if role not in ROLES:
        raise InvalidUserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    name = _check_text("printed name", printed_name, required=True)
    title = _check_text("qualification", qualification, required=False)
    check_password_strength(password)
    if user_id in load_users(store):
        raise UserExistsError(f"user {user_id!r} already exists (user ids are never reused)")
    target = secrets_path(store.home, user_id)
    if target.exists() and user_id not in load_users(store):
        # Secrets of a user the log never recorded (an add that crashed before its event): not a user; replaced.
        target.unlink()

    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    fingerprint = public_key_sha256(public)
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    _write_secrets(
        store.home,
        user_id,
        {
            "format": _SECRETS_FORMAT,
            "user_id": user_id,
            "password_hash": PasswordHasher().hash(_password_bytes(password)),
            "public_key_sha256": fingerprint,
            "private_key": _encrypt_private_key(private, password, user_id, fingerprint),
        },
    )
    payload = to_payload(
        UserAdded(
            user_id=user_id,
            printed_name=str(name),
            role=role,
            qualification=title,
            public_key_pem=pem,
            public_key_sha256=fingerprint,
        )
    )
    attestor: Any = by
    if by is None:
        attestor = Session(
            User(user_id, str(name), role, title, pem, fingerprint, True, "", site_id=store.site_id), private
        )
    try:
        event = store.append(USER_ADDED, case_code=None, payload=payload, by=attestor, at=now)
    except BaseException:
        # No user without its event: the secrets of a user the log never recorded would only mislead.
        secrets_path(store.home, user_id).unlink(missing_ok=True)
        raise
    user = user_from_added(event)
    assert user is not None  # the payload was built just above
    return user, event


def setup_admin(
    store: Store,
    user_id: str,
    *,
    printed_name: str,
    password: str,
    qualification: str | None = None,
    now: datetime | None = None,
) -> User:
    """Set up a new workstation: its first user, the administrator, who records their own ``user_added`` event.

    Raises
    ------
    RoleNotPermittedError
        The site already has users (then an administrator adds users: :func:`add_user`).
    InvalidUserError
        A malformed id, empty printed name or too-short password.
    """
    if store.directory().users(store.site_id):
        raise RoleNotPermittedError(
            "this workstation is already set up; an administrator adds users (dvw user add USER ... --by ADMIN)"
        )
    user, _event = _new_user_event(
        store,
        user_id,
        printed_name=printed_name,
        role=ADMIN,
        password=password,
        qualification=qualification,
        by=None,
        now=now,
    )
    return user


def add_user(
    store: Store,
    user_id: str,
    *,
    printed_name: str,
    role: str,
    password: str,
    by: Session,
    qualification: str | None = None,
    now: datetime | None = None,
) -> User:
    """Add a user (an administrator's act): create their key pair, keep the secrets here, record the public facts.

    Parameters
    ----------
    store
        The local store; the secrets go to ``store.home/users/<user_id>.json``.
    user_id
        The new user's id, ``[a-z0-9._-]{2,32}``, never used before on this site.
    printed_name
        The name printed with the user's signatures.
    role
        One of :data:`ROLES`.
    password
        The new user's password, at least :data:`MIN_PASSWORD_LENGTH` characters.
    by
        The signed-in administrator (:func:`sign_in`), who attests the ``user_added`` event.
    qualification
        Optional title or qualification printed with the user's signatures.
    now
        When (timezone-aware); default now.

    Returns
    -------
    User
        The user as recorded by the ``user_added`` event.

    Raises
    ------
    InvalidUserError
        A malformed id, unknown role, empty printed name or too-short password.
    UserExistsError
        When the id was used before on this site (even by a disabled user).
    RoleNotPermittedError
        ``by`` is not an enabled administrator of this site.
    """
    _require_admin(by, "add users")
    user, _event = _new_user_event(
        store,
        user_id,
        printed_name=printed_name,
        role=role,
        password=password,
        qualification=qualification,
        by=by,
        now=now,
    )
    return user


def _require_admin(by: Session, what: str) -> None:
    if by.user.role != ADMIN:
        raise RoleNotPermittedError(f"user {by.user_id!r} has role {by.user.role}; only an admin may {what}")


def _check_password(store: Store, user: User, password: str) -> dict[str, Any]:
    data = _read_secrets(store.home, user)
    stored_hash = data.get("password_hash")
    if not isinstance(stored_hash, str):
        raise CredentialsError(f"the credentials of user {user.user_id} hold no password hash")
    try:
        PasswordHasher().verify(stored_hash, _password_bytes(password))
    except VerifyMismatchError:
        raise WrongPasswordError(f"wrong password for user {user.user_id!r}") from None
    except (InvalidHashError, VerificationError) as exc:
        raise CredentialsError(f"the password hash of user {user.user_id} is unusable: {exc}") from None
    return data


def _unseal(user: User, data: Mapping[str, Any], password: str) -> Ed25519PrivateKey:
    sealed = data.get("private_key")
    try:
        if not isinstance(sealed, dict) or sealed.get("kdf") != "argon2id" or sealed.get("cipher") != "AES-256-GCM":
            raise ValueError("unknown key protection")
        secret = _derive_key(
            password,
            _unb64(sealed["salt"]),
            int(sealed["time_cost"]),
            int(sealed["memory_cost_kib"]),
            int(sealed["parallelism"]),
        )
        raw = AESGCM(secret).decrypt(
            _unb64(sealed["nonce"]),
            _unb64(sealed["ciphertext"]),
            _associated_data(user.user_id, user.public_key_sha256),
        )
        private = Ed25519PrivateKey.from_private_bytes(raw)
    except (KeyError, ValueError, TypeError, InvalidTag) as exc:
        reason = str(exc) or type(exc).__name__
        raise CredentialsError(f"cannot decrypt the signing key of user {user.user_id}: {reason}") from None
    if public_key_sha256(private.public_key()) != user.public_key_sha256:
        raise CredentialsError(f"the signing key of user {user.user_id} does not match the public key in the log")
    return private


def sign_in(store: Store, user_id: str, password: str, *, now: datetime | None = None) -> Session:
    """Check a user's password and unlock their key: the session they record and sign in.

    A wrong password is recorded (``sign_in_failed``); after :data:`~records.identity.MAX_FAILED_SIGN_INS` within
    the lockout window the account is locked (refused even with the right password) until the window has passed
    since the last failure or an administrator unlocks it.

    Parameters
    ----------
    store
        The local store (the user's secrets are read from ``store.home``).
    user_id
        Who (a user of this site).
    password
        The password they typed.
    now
        The time of the attempt (timezone-aware); default now.

    Returns
    -------
    Session
        The signed-in user, whose key attests the events they record.

    Raises
    ------
    UnknownUserError
        No such user on this site.
    UserDisabledError
        The user was disabled.
    AccountLockedError
        Too many wrong passwords recently.
    CredentialsError
        The user has no (or unreadable) credentials on this workstation.
    WrongPasswordError
        The password does not match (and the failure was recorded).
    """
    at = datetime.now().astimezone() if now is None else now
    format_time(at)
    user = get_user(store, user_id)
    if not user.enabled:
        raise UserDisabledError(f"user {user_id!r} was disabled on {user.disabled_at} and may not act")
    directory = store.directory()
    locked = directory.locked_until(store.site_id, user_id, at)
    if locked is not None:
        raise AccountLockedError(
            f"user {user_id!r} is locked after {MAX_FAILED_SIGN_INS} wrong passwords until "
            f"{format_time(locked.astimezone(at.tzinfo))}; wait, or ask an administrator to unlock it (dvw user unlock)"
        )
    try:
        data = _check_password(store, user, password)
    except WrongPasswordError:
        failed = SignInFailed(user_id=user_id, at=format_time(at))
        store.append(SIGN_IN_FAILED, case_code=None, payload=to_payload(failed))
        if store.directory().locked_until(store.site_id, user_id, at) is not None:
            raise AccountLockedError(
                f"wrong password for user {user_id!r}: {MAX_FAILED_SIGN_INS} wrong passwords, the account is locked "
                "for 15 minutes (or until an administrator unlocks it)"
            ) from None
        raise
    return Session(user, _unseal(user, data, password))


def authenticate(store: Store, user_id: str, password: str) -> User:
    """Check a user's password (see :func:`sign_in`) and return the user."""
    return sign_in(store, user_id, password).user


def unlock_signing_key(store: Store, user_id: str, password: str) -> tuple[User, Ed25519PrivateKey]:
    """Sign a user in (see :func:`sign_in`) and return their facts and private key."""
    session = sign_in(store, user_id, password)
    return session.user, session._key  # the key stays within records


def disable_user(store: Store, user_id: str, *, by: Session, now: datetime | None = None) -> Event:
    """Disable a user (an administrator's act); the user's earlier signatures stay valid.

    Raises
    ------
    UnknownUserError
        No such user on this site.
    RoleNotPermittedError
        ``by`` is not an administrator, or the target is the last enabled admin.
    UserDisabledError
        When the target is already disabled.
    """
    _require_admin(by, "disable users")
    target = get_user(store, user_id)
    if not target.enabled:
        raise UserDisabledError(f"user {user_id!r} is already disabled (since {target.disabled_at})")
    payload = UserDisabled(user_id=user_id, by=by.user_id)
    return store.append(USER_DISABLED, case_code=None, payload=to_payload(payload), by=by, at=now)


def change_role(store: Store, user_id: str, role: str, *, by: Session, now: datetime | None = None) -> Event:
    """Give a user another role (an administrator's act), recorded as ``user_role_changed``.

    Raises
    ------
    InvalidUserError
        An unknown role, or the user already has it.
    UnknownUserError
        No such user on this site.
    RoleNotPermittedError
        ``by`` is not an administrator, or the target is the last enabled admin.
    """
    _require_admin(by, "change roles")
    if role not in ROLES:
        raise InvalidUserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    target = get_user(store, user_id)
    if target.role == role:
        raise InvalidUserError(f"user {user_id!r} already has role {role}")
    payload = UserRoleChanged(user_id=user_id, role=role, previous_role=target.role)
    return store.append(USER_ROLE_CHANGED, case_code=None, payload=to_payload(payload), by=by, at=now)


def unlock_user(store: Store, user_id: str, *, by: Session, now: datetime | None = None) -> Event:
    """Lift a lockout after wrong passwords (an administrator's act), recorded as ``user_unlocked``."""
    _require_admin(by, "unlock accounts")
    get_user(store, user_id)
    return store.append(USER_UNLOCKED, case_code=None, payload=to_payload(UserUnlocked(user_id=user_id)), by=by, at=now)


def trust_site(
    store: Store,
    site_id: str,
    *,
    by: Session,
    via: str = "administrator",
    name: str | None = None,
    server: str | None = None,
    now: datetime | None = None,
) -> Event | None:
    """Record that this store accepts another site's events (``site_trusted``); None when it already does.

    Parameters
    ----------
    store
        The local store.
    site_id
        The other site (32 hex digits).
    by
        The signed-in user: an administrator for ``via="administrator"`` (a site met outside the company server,
        e.g. by bundle); any user for ``via="server"`` (the company's sync server listed the site as enrolled).
    via
        ``administrator`` or ``server``.
    name
        The site's name, when known (the server's enrolment name).
    server
        The sync server's URL (``via="server"``).

    Raises
    ------
    InvalidUserError
        A malformed site id, this site's own id, or an unknown ``via``.
    RoleNotPermittedError
        ``via="administrator"`` by someone who is not an administrator.
    """
    if not is_event_id(site_id) or site_id == store.site_id:
        raise InvalidUserError(f"{site_id!r} is not another site's id (32 lower-case hex digits)")
    if via not in ("administrator", "server"):
        raise InvalidUserError(f"a site is trusted by an administrator or through the sync server, not {via!r}")
    if via == "administrator":
        _require_admin(by, "trust a site by hand")
    if store.directory().is_trusted(site_id):
        return None
    payload = SiteTrusted(site_id=site_id, via=via, name=name, server=server)
    return store.append(SITE_TRUSTED, case_code=None, payload=to_payload(payload), by=by, at=now)
