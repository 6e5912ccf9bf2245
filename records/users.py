"""Users, roles and their credentials: who may record and sign, and the keys their signatures are made with.

A user has an id (``[a-z0-9._-]{2,32}``), a printed name, one role (:data:`ROLES`), an optional qualification
(e.g. "Consultant neurosurgeon, licence 1234") and an Ed25519 key pair. What is public about a user goes into the
event log, so it is hash-chained, synced and audited like any evidence; what is secret stays on the workstation.

- **Public** (site-level events, ``case_code`` None): ``user_added`` with ``user_id``, ``printed_name``, ``role``,
  ``qualification``, ``public_key_pem`` and ``public_key_sha256``; ``user_disabled`` with ``user_id`` and ``by``.
  The users are derived from these events (:func:`load_users`); a user id is never reused.
- **Secret** (``home/users/<user_id>.json``, owner-only, written atomically): the password's Argon2id hash
  (argon2-cffi :class:`~argon2.PasswordHasher`, verified in constant time) and the Ed25519 private key encrypted
  with AES-256-GCM under a key derived from the password by Argon2id (its own random salt; the user id and public
  key fingerprint are bound in as associated data, so a secrets file cannot be swapped between users).

The secrets live in files rather than a table because the store's schema belongs to its Alembic migrations; a file
per user also keeps the secrets out of the event database that is copied and synced.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from imaging.files import write_atomically
from records.errors import (
    CredentialsError,
    InvalidUserError,
    RoleNotPermittedError,
    UnknownUserError,
    UserDisabledError,
    UserExistsError,
    WrongPasswordError,
)
from records.events import Event
from records.store import Store

USER_ADDED = "user_added"
USER_DISABLED = "user_disabled"

ENGINEER = "engineer"
CLINICIAN = "clinician"
QUALITY = "quality"
ADMIN = "admin"
ROLES = (ENGINEER, CLINICIAN, QUALITY, ADMIN)

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
class User:
    """A user as the event log knows them (the public facts; never a secret).

    Attributes
    ----------
    user_id
        ``[a-z0-9._-]{2,32}``.
    printed_name
        The name printed with the user's signatures (e.g. "Dr Jane Smith").
    role
        One of :data:`ROLES`.
    qualification
        Title or qualification printed with signatures, or None.
    public_key_pem
        The Ed25519 public key (SubjectPublicKeyInfo PEM).
    public_key_sha256
        SHA-256 (hex) of the raw 32-byte public key: its fingerprint.
    enabled
        False once a ``user_disabled`` event names the user.
    added_at
        When the user was added (the ``user_added`` event's time, ISO 8601).
    disabled_at
        When the user was disabled, or None.
    """

    user_id: str
    printed_name: str
    role: str
    qualification: str | None
    public_key_pem: str
    public_key_sha256: str
    enabled: bool
    added_at: str
    disabled_at: str | None = None

    def public_key(self) -> Ed25519PublicKey:
        """The user's Ed25519 public key.

        Raises
        ------
        CredentialsError
            When the recorded PEM is not an Ed25519 public key.
        """
        try:
            key = serialization.load_pem_public_key(self.public_key_pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise CredentialsError(f"user {self.user_id}: the recorded public key is not a PEM key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise CredentialsError(f"user {self.user_id}: the recorded public key is not an Ed25519 key")
        return key

    def signer_json(self) -> dict[str, Any]:
        """``{"user_id", "printed_name", "role", "qualification"}``: who signs, as a signature names them."""
        return {
            "user_id": self.user_id,
            "printed_name": self.printed_name,
            "role": self.role,
            "qualification": self.qualification,
        }

    def to_json(self) -> dict[str, Any]:
        """The user's public facts as a JSON object (an item of ``dvw user list --json``)."""
        return {
            **self.signer_json(),
            "enabled": self.enabled,
            "public_key_sha256": self.public_key_sha256,
            "added_at": self.added_at,
            "disabled_at": self.disabled_at,
        }


def public_key_sha256(key: Ed25519PublicKey) -> str:
    """The fingerprint of an Ed25519 public key: SHA-256 (hex) of its raw 32 bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


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


def _user_from_added(event: Event) -> User | None:
    payload = event.payload
    fields = ("user_id", "printed_name", "role", "public_key_pem", "public_key_sha256")
    if not all(isinstance(payload.get(key), str) for key in fields):
        return None
    qualification = payload.get("qualification")
    return User(
        user_id=payload["user_id"],
        printed_name=payload["printed_name"],
        role=payload["role"],
        qualification=qualification if isinstance(qualification, str) else None,
        public_key_pem=payload["public_key_pem"],
        public_key_sha256=payload["public_key_sha256"],
        enabled=True,
        added_at=event.created_at,
    )


def users_from_events(events: Iterable[Event]) -> dict[str, User]:
    """The users defined by a log's ``user_added`` and ``user_disabled`` events (in log order).

    The first ``user_added`` event of an id defines the user; later ones for the same id are ignored (an id is
    never reused). A ``user_disabled`` event disables the user from then on.

    Parameters
    ----------
    events
        Events in log order (other kinds and case events are skipped).

    Returns
    -------
    dict
        User id -> :class:`User`, in the order the users were added.
    """
    users: dict[str, User] = {}
    for event in events:
        if event.case_code is not None:
            continue
        if event.kind == USER_ADDED:
            user = _user_from_added(event)
            if user is not None and user.user_id not in users:
                users[user.user_id] = user
        elif event.kind == USER_DISABLED:
            target = users.get(str(event.payload.get("user_id")))
            if target is not None and target.enabled:
                users[target.user_id] = replace(target, enabled=False, disabled_at=event.created_at)
    return users


def load_users(store: Store) -> dict[str, User]:
    """Every user of the store (enabled or not), derived from its event log; see :func:`users_from_events`."""
    return users_from_events(store.events())


def get_user(store: Store, user_id: str) -> User:
    """The user with this id.

    Raises
    ------
    InvalidUserError
        When the id is malformed.
    UnknownUserError
        When no user with this id was ever added.
    """
    check_user_id(user_id)
    user = load_users(store).get(user_id)
    if user is None:
        raise UnknownUserError(f"unknown user {user_id!r}: add it first (dvw user add {user_id})")
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


def add_user(
    store: Store,
    user_id: str,
    *,
    printed_name: str,
    role: str,
    password: str,
    qualification: str | None = None,
    now: datetime | None = None,
) -> User:
    """Add a user: create their key pair, keep the secrets on this workstation and record the public facts.

    Parameters
    ----------
    store
        The local store; the secrets go to ``store.home/users/<user_id>.json``.
    user_id
        The new user's id, ``[a-z0-9._-]{2,32}``, never used before in this store.
    printed_name
        The name printed with the user's signatures.
    role
        One of :data:`ROLES`.
    password
        At least :data:`MIN_PASSWORD_LENGTH` characters.
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
        When the id was used before (even by a disabled user).
    """
    check_user_id(user_id)
    if role not in ROLES:
        raise InvalidUserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    name = _check_text("printed name", printed_name, required=True)
    title = _check_text("qualification", qualification, required=False)
    check_password_strength(password)
    if user_id in load_users(store):
        raise UserExistsError(f"user {user_id!r} already exists (user ids are never reused)")

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
    payload = {
        "user_id": user_id,
        "printed_name": name,
        "role": role,
        "qualification": title,
        "public_key_pem": pem,
        "public_key_sha256": fingerprint,
    }
    try:
        event = store.append(USER_ADDED, case_code=None, payload=payload, actor=None, at=now)
    except BaseException:
        # No user without its event: the secrets of a user the log never recorded would only mislead.
        secrets_path(store.home, user_id).unlink(missing_ok=True)
        raise
    user = _user_from_added(event)
    assert user is not None  # the payload was built just above
    return user


def authenticate(store: Store, user_id: str, password: str) -> User:
    """Check a user's password (Argon2, constant time) and that the user may act.

    Parameters
    ----------
    store
        The local store (the user's secrets are read from ``store.home``).
    user_id
        Who.
    password
        The password they typed.

    Returns
    -------
    User
        The authenticated, enabled user.

    Raises
    ------
    UnknownUserError
        No such user.
    UserDisabledError
        The user was disabled.
    CredentialsError
        The user has no (or unreadable) credentials on this workstation.
    WrongPasswordError
        The password does not match.
    """
    user = get_user(store, user_id)
    if not user.enabled:
        raise UserDisabledError(f"user {user_id!r} was disabled on {user.disabled_at} and may not act")
    data = _read_secrets(store.home, user)
    stored_hash = data.get("password_hash")
    if not isinstance(stored_hash, str):
        raise CredentialsError(f"the credentials of user {user_id} hold no password hash")
    try:
        PasswordHasher().verify(stored_hash, _password_bytes(password))
    except VerifyMismatchError:
        raise WrongPasswordError(f"wrong password for user {user_id!r}") from None
    except (InvalidHashError, VerificationError) as exc:
        raise CredentialsError(f"the password hash of user {user_id} is unusable: {exc}") from None
    return user


def unlock_signing_key(store: Store, user_id: str, password: str) -> tuple[User, Ed25519PrivateKey]:
    """Authenticate a user (see :func:`authenticate`) and decrypt their Ed25519 private key.

    Returns
    -------
    tuple
        The user and their private key; the key's public half is checked against the one in the log.

    Raises
    ------
    UnknownUserError, UserDisabledError, WrongPasswordError, CredentialsError
        As :func:`authenticate`; CredentialsError also when the key cannot be decrypted or does not match.
    """
    user = authenticate(store, user_id, password)
    data = _read_secrets(store.home, user)
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
        raise CredentialsError(f"cannot decrypt the signing key of user {user_id}: {reason}") from None
    if public_key_sha256(private.public_key()) != user.public_key_sha256:
        raise CredentialsError(f"the signing key of user {user_id} does not match the public key in the log")
    return user, private


def disable_user(store: Store, user_id: str, *, by: str, password: str, now: datetime | None = None) -> Event:
    """Disable a user (an administrator's act); the user's earlier signatures stay valid.

    Parameters
    ----------
    store
        The local store.
    user_id
        The user to disable; must exist and be enabled.
    by
        The administrator's user id.
    password
        The administrator's password.
    now
        When (timezone-aware); default now.

    Returns
    -------
    Event
        The ``user_disabled`` event.

    Raises
    ------
    UnknownUserError, UserDisabledError, WrongPasswordError, CredentialsError
        For the administrator (as :func:`authenticate`) or an unknown target user.
    RoleNotPermittedError
        When ``by`` is not an administrator, or the target is the last enabled administrator.
    UserDisabledError
        When the target is already disabled.
    """
    admin = authenticate(store, by, password)
    if admin.role != ADMIN:
        raise RoleNotPermittedError(f"user {by!r} has role {admin.role}; only an admin may disable users")
    target = get_user(store, user_id)
    if not target.enabled:
        raise UserDisabledError(f"user {user_id!r} is already disabled (since {target.disabled_at})")
    if target.role == ADMIN:
        admins = [u for u in load_users(store).values() if u.role == ADMIN and u.enabled]
        if len(admins) <= 1:
            raise RoleNotPermittedError(f"user {user_id!r} is the last enabled admin and cannot be disabled")
    return store.append(USER_DISABLED, case_code=None, payload={"user_id": user_id, "by": by}, actor=by, at=now)
