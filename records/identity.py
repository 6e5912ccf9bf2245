"""Who may act, read from the log: users, administrators, trusted sites, lockouts and self-test records.

The directory holds each site's users and administrators, the sites this store trusts, lockouts and the self-test
records that open sign-off.

A user is identified by **(site, user id)**: a ``user_added`` event on site S's chain defines a user of S, and only
S's events can name that user as their actor (users act and sign where their sealed key is: at the site that added
them). Two sites that both added ``clin1`` have two different users; neither can speak for the other's.

Every event with an actor carries an **attestation**: the actor's Ed25519 signature over the event's hash
(:func:`attestation_message`), made with the key their password unlocks. So an event can be written only by someone
holding the actor's password; the hash chain shows edits, the attestations show who wrote what. Only the kinds in
:data:`SYSTEM_KINDS` (site-level events the software writes by itself) have no actor.

The rules this module applies, in each site's chain order (:class:`Directory`):

- ``user_added``: by an enabled administrator of the same site, or, for the site's very first user only, by the new
  administrator themself (the set-up, ``dvw setup``); the user id is new on that site, the role is one of
  :data:`ROLES`.
- ``user_disabled``, ``user_role_changed``, ``user_unlocked``: by an enabled administrator of the same site; the
  last enabled administrator cannot be disabled or demoted.
- ``site_trusted`` (own site's chain only counts): another site whose events this store accepts, recorded by an
  administrator (``via`` ``administrator``) or by the user who ran the sync that met it on the company server
  (``via`` ``server``). This site itself is always trusted.
- ``selftest_recorded``: the built-in validation suite's result for a software manifest on this site, by the user
  who ran it; a manifest with a passed record on a site's chain may sign there.
- ``sign_in_failed`` (system): a wrong password. :data:`MAX_FAILED_SIGN_INS` failures within
  :data:`LOCKOUT_WINDOW` lock the account for :data:`LOCKOUT_WINDOW` after the last one, until it passes or an
  administrator unlocks it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from records.errors import CredentialsError, InvalidEventError
from records.events import SYNC_RECEIVED, Event, aware_time, is_event_id, is_sha256
from records.payloads import (
    REGISTRY,
    SelftestRecorded,
    SignInFailed,
    SiteTrusted,
    UserAdded,
    UserDisabled,
    UserRoleChanged,
    UserUnlocked,
    decode,
    read_or_none,
)

if TYPE_CHECKING:  # cryptography loads when a key is first used: listing cases never needs it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

USER_ADDED = "user_added"
USER_DISABLED = "user_disabled"
USER_ROLE_CHANGED = "user_role_changed"
USER_UNLOCKED = "user_unlocked"
SIGN_IN_FAILED = "sign_in_failed"
SITE_TRUSTED = "site_trusted"
SELFTEST_RECORDED = "selftest_recorded"

ENGINEER = "engineer"
CLINICIAN = "clinician"
QUALITY = "quality"
ADMIN = "admin"
ROLES = (ENGINEER, CLINICIAN, QUALITY, ADMIN)

SYSTEM_KINDS = frozenset({SYNC_RECEIVED, SIGN_IN_FAILED})
"""Site-level kinds the software writes with no actor (no attestation)."""
ADMIN_KINDS = frozenset({USER_ADDED, USER_DISABLED, USER_ROLE_CHANGED, USER_UNLOCKED})
"""Site-level kinds only an administrator of the site may write (``user_added``: also the set-up)."""
DIRECTORY_KINDS = ADMIN_KINDS | {SIGN_IN_FAILED, SITE_TRUSTED, SELFTEST_RECORDED}
"""Site-level kinds :class:`Directory` follows."""

MAX_FAILED_SIGN_INS = 5
LOCKOUT_WINDOW = timedelta(minutes=15)

ATTESTATION_FORMAT = "dvw-event-attestation/1"


class Attestor(Protocol):
    """A signed-in user who can attest events (:class:`records.users.Session`)."""

    @property
    def user_id(self) -> str:
        """The user's id."""
        ...

    @property
    def public_key_sha256(self) -> str:
        """The fingerprint of the key :meth:`attest` signs with."""
        ...

    def attest(self, event_hash: str) -> str:
        """The base64 Ed25519 signature over :func:`attestation_message` of ``event_hash``."""
        ...


def attestation_message(event_hash: str) -> bytes:
    """The bytes an event's attestation signs: the format name and the event's hash (which covers every field)."""
    return f"{ATTESTATION_FORMAT}\n{event_hash}".encode("ascii")


@dataclass(frozen=True)
class User:
    """A user as the event log knows them (the public facts; never a secret).

    Attributes
    ----------
    user_id
        ``[a-z0-9._-]{2,32}``, unique on its site.
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
    site_id
        The site that added the user (and the only one whose events may name them).
    added_by
        The administrator who added the user (the user themself for the site's set-up administrator).
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
    site_id: str = ""
    added_by: str | None = None

    def public_key(self) -> Ed25519PublicKey:
        """The user's Ed25519 public key.

        Raises
        ------
        CredentialsError
            When the recorded PEM is not an Ed25519 public key.
        """
        return _public_key(self.public_key_pem, self.user_id)

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
            "site_id": self.site_id,
            "enabled": self.enabled,
            "public_key_sha256": self.public_key_sha256,
            "added_at": self.added_at,
            "added_by": self.added_by,
            "disabled_at": self.disabled_at,
        }


_KEYS: dict[str, Ed25519PublicKey] = {}


def _public_key(pem: str, user_id: str) -> Ed25519PublicKey:
    found = _KEYS.get(pem)
    if found is not None:
        return found
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 - see the TYPE_CHECKING block
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: PLC0415

    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError):
        raise CredentialsError(f"user {user_id}: the recorded public key is not a PEM key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CredentialsError(f"user {user_id}: the recorded public key is not an Ed25519 key")
    if len(_KEYS) < 4096:
        _KEYS[pem] = key
    return key


def public_key_sha256(key: Ed25519PublicKey) -> str:
    """The fingerprint of an Ed25519 public key: SHA-256 (hex) of its raw 32 bytes."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 - see the TYPE_CHECKING block

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def verify_attestation(pem: str, user_id: str, event: Event) -> bool:
    """Whether ``event.attestation`` is the Ed25519 signature of ``event.hash`` by the key ``pem``."""
    if not isinstance(event.attestation, str):
        return False
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - see the TYPE_CHECKING block

    try:
        raw = base64.b64decode(event.attestation.encode("ascii"), validate=True)
        _public_key(pem, user_id).verify(raw, attestation_message(event.hash))
    except (binascii.Error, UnicodeEncodeError, InvalidSignature, CredentialsError, ValueError):
        return False
    return True


def user_from_added(event: Event, added_by: str | None = None) -> User | None:
    """The user a ``user_added`` event defines, or None when its payload is malformed."""
    added = read_or_none(event, UserAdded)
    if added is None or added.role not in ROLES:
        return None
    try:
        key = _public_key(added.public_key_pem, added.user_id)
    except CredentialsError:
        return None
    if public_key_sha256(key) != added.public_key_sha256:
        return None
    return User(
        user_id=added.user_id,
        printed_name=added.printed_name,
        role=added.role,
        qualification=added.qualification,
        public_key_pem=added.public_key_pem,
        public_key_sha256=added.public_key_sha256,
        enabled=True,
        added_at=event.created_at,
        site_id=event.site_id,
        added_by=added_by if added_by is not None else event.actor,
    )


@dataclass
class _Site:
    users: dict[str, User] = field(default_factory=dict)
    failures: dict[str, list[datetime]] = field(default_factory=dict)
    validated: dict[str, str] = field(default_factory=dict)  # manifest id -> selftest event hash
    trusted: dict[str, str] = field(default_factory=dict)  # trusted site id -> how ("administrator" / "server")
    any_user_event: bool = False


class Directory:
    """The users, trust and self-test records of a log, applied one event at a time in log order.

    Each site's chain arrives in chain order in any store (imports refuse anything else), so the directory seen at
    an event of site S is exactly what S's chain said at that point, whatever other sites' events are interleaved.

    Parameters
    ----------
    own_site
        The site of the store reading the log (always trusted), or None (a server: trusts no one by itself).
    """

    def __init__(self, own_site: str | None) -> None:
        self.own_site = own_site
        self._sites: dict[str, _Site] = {}

    def _site(self, site_id: str) -> _Site:
        found = self._sites.get(site_id)
        if found is None:
            found = self._sites[site_id] = _Site()
        return found

    # ------------------------------------------------------------------ queries

    def users(self, site_id: str) -> Mapping[str, User]:
        """The users of one site so far."""
        found = self._sites.get(site_id)
        return {} if found is None else found.users

    def all_users(self) -> list[User]:
        """Every user of every site so far (site by site)."""
        return [user for site in self._sites.values() for user in site.users.values()]

    def user(self, site_id: str, user_id: str | None) -> User | None:
        """The user ``user_id`` of site ``site_id`` so far, or None."""
        if user_id is None:
            return None
        return self.users(site_id).get(user_id)

    def trusted_sites(self) -> dict[str, str]:
        """Site id -> how it came to be trusted (``own``, ``administrator``, ``server``)."""
        if self.own_site is None:
            return {}
        found = dict(self._site(self.own_site).trusted)
        found[self.own_site] = "own"
        return found

    def is_trusted(self, site_id: str) -> bool:
        """Whether this store accepts events of ``site_id`` (its own, or one a ``site_trusted`` event names)."""
        if self.own_site is None:
            return False
        return site_id == self.own_site or site_id in self._site(self.own_site).trusted

    def validated(self, site_id: str, manifest_id: str) -> str | None:
        """The hash of the passed ``selftest_recorded`` event for this manifest on that site, or None."""
        found = self._sites.get(site_id)
        return None if found is None else found.validated.get(manifest_id)

    def locked_until(self, site_id: str, user_id: str, now: datetime) -> datetime | None:
        """When the account's lockout ends, if ``now`` falls inside one; None when it may sign in."""
        found = self._sites.get(site_id)
        failures = [] if found is None else found.failures.get(user_id, [])
        recent = [at for at in failures if now - LOCKOUT_WINDOW < at <= now]
        if len(recent) >= MAX_FAILED_SIGN_INS:
            return max(recent) + LOCKOUT_WINDOW
        return None

    def failed_sign_ins(self, site_id: str, user_id: str) -> int:
        """Failed sign-ins recorded for the user since the last unlock."""
        found = self._sites.get(site_id)
        return 0 if found is None else len(found.failures.get(user_id, []))

    # ------------------------------------------------------------------ applying events

    def authorize(self, site_id: str, kind: str, payload: Mapping[str, Any], actor: str | None) -> str | None:
        """Why ``actor`` of ``site_id`` may not write a site-level event of ``kind`` now, or None when they may.

        Only the rules of :data:`DIRECTORY_KINDS` are checked here; the actor's attestation is checked apart.
        """
        rule = _RULES.get(kind)
        if rule is None:
            return None
        try:
            typed = decode(payload, REGISTRY[kind], where=f"{kind} event")
        except InvalidEventError as exc:
            return exc.message
        site = self._site(site_id)
        by = site.users.get(actor) if actor is not None else None
        return rule(site, site_id, typed, actor, by)

    def apply(self, event: Event) -> None:
        """Follow one event (events of other kinds and case events are ignored); call :meth:`authorize` first."""
        if event.case_code is not None or event.kind not in DIRECTORY_KINDS:
            return
        _APPLY[event.kind](self._site(event.site_id), event)

    def attestor_of(self, event: Event) -> User | None:
        """The user whose key must attest ``event``: its actor on its site (or the new user, at a site's set-up)."""
        if event.actor is None:
            return None
        found = self.user(event.site_id, event.actor)
        if found is not None:
            return found
        site = self._sites.get(event.site_id)
        first = site is None or (not site.any_user_event and not site.users)
        if (
            first
            and event.kind == USER_ADDED
            and event.case_code is None
            and (added := read_or_none(event, UserAdded)) is not None
            and added.user_id == event.actor
        ):
            return user_from_added(event, added_by=event.actor)
        return None

    def check_actor(self, event: Event) -> str | None:
        """Why ``event`` is not properly attributed and attested at this point of the log, or None.

        An event with no actor must be a site-level :data:`SYSTEM_KINDS` event. Otherwise its actor must be an
        enabled user of the event's own site (as that site's chain says up to here) and the attestation must be
        that user's Ed25519 signature over the event's hash.
        """
        if event.actor is None:
            if event.case_code is None and event.kind in SYSTEM_KINDS:
                return None
            return f"{event.kind} event names no person (every step is recorded with who did it)"
        user = self.attestor_of(event)
        if user is None:
            return f"actor {event.actor!r} is not a user of site {event.site_id} at this point of its chain"
        if not user.enabled:
            return f"actor {event.actor!r} of site {event.site_id} was disabled ({user.disabled_at}) before this event"
        if event.attestation is None:
            return f"{event.kind} event by {event.actor!r} carries no attestation (signature over its hash)"
        if not verify_attestation(user.public_key_pem, user.user_id, event):
            return f"the attestation of {event.kind} event by {event.actor!r} does not verify with their key"
        return None


_Rule = Callable[[_Site, str, Any, "str | None", "User | None"], "str | None"]


def _rule_user_added(site: _Site, site_id: str, payload: UserAdded, actor: str | None, by: User | None) -> str | None:
    if payload.user_id in site.users:
        return f"user {payload.user_id!r} already exists on site {site_id} (user ids are never reused)"
    if payload.role not in ROLES:
        return f"user_added names an unknown role {payload.role!r}"
    if not site.any_user_event and not site.users:
        if actor != payload.user_id or payload.role != ADMIN:
            return "a site's first user is its administrator, added by themself at set-up (dvw setup)"
        return None
    return _admin_problem(by, actor, site_id, "add a user")


def _rule_user_change(kind: str) -> _Rule:
    def rule(
        site: _Site,
        site_id: str,
        payload: UserDisabled | UserRoleChanged | UserUnlocked,
        actor: str | None,
        by: User | None,
    ) -> str | None:
        problem = _admin_problem(by, actor, site_id, kind.replace("_", " "))
        if problem is not None:
            return problem
        target = site.users.get(payload.user_id)
        if target is None:
            return f"{kind} names {payload.user_id!r}, no user of site {site_id}"
        new_role = payload.role if isinstance(payload, UserRoleChanged) else None
        if isinstance(payload, UserRoleChanged) and new_role not in ROLES:
            return f"user_role_changed names an unknown role {new_role!r}"
        if isinstance(payload, UserDisabled) and not target.enabled:
            return f"user {target.user_id} is already disabled"
        losing_admin = isinstance(payload, UserDisabled) or (isinstance(payload, UserRoleChanged) and new_role != ADMIN)
        if target.role == ADMIN and losing_admin:
            admins = [u for u in site.users.values() if u.role == ADMIN and u.enabled]
            if len(admins) <= 1:
                return f"user {target.user_id} is the last enabled administrator of site {site_id}"
        return None

    return rule


def _rule_site_trusted(
    _site: _Site, site_id: str, payload: SiteTrusted, actor: str | None, by: User | None
) -> str | None:
    if by is None or not by.enabled:
        return f"site_trusted needs an enabled user of site {site_id}, not {actor!r}"
    if payload.via == "administrator" and by.role != ADMIN:
        return f"only an administrator trusts a site by hand; {by.user_id} is {by.role}"
    if payload.via not in ("administrator", "server") or not is_event_id(payload.site_id):
        return "site_trusted needs a site id and how it is trusted (via administrator or server)"
    return None


def _rule_selftest(
    _site: _Site, site_id: str, payload: SelftestRecorded, actor: str | None, by: User | None
) -> str | None:
    if by is None or not by.enabled:
        return f"a self-test record needs an enabled user of site {site_id}, not {actor!r}"
    if not is_sha256(payload.manifest_id):
        return "a self-test record names no software manifest"
    return None


def _no_rule(_site: _Site, _site_id: str, _payload: Any, _actor: str | None, _by: User | None) -> str | None:
    return None


_RULES: Mapping[str, _Rule] = {
    USER_ADDED: _rule_user_added,
    USER_DISABLED: _rule_user_change(USER_DISABLED),
    USER_ROLE_CHANGED: _rule_user_change(USER_ROLE_CHANGED),
    USER_UNLOCKED: _rule_user_change(USER_UNLOCKED),
    SITE_TRUSTED: _rule_site_trusted,
    SELFTEST_RECORDED: _rule_selftest,
    SIGN_IN_FAILED: _no_rule,
}
"""Who may write each site-level kind the directory follows (see the module docstring)."""


def _apply_user_added(site: _Site, event: Event) -> None:
    site.any_user_event = True
    user = user_from_added(event)
    if user is not None:
        site.users[user.user_id] = user


def _apply_user_disabled(site: _Site, event: Event) -> None:
    payload = read_or_none(event, UserDisabled)
    target = None if payload is None else site.users.get(payload.user_id)
    if target is not None and target.enabled:
        site.users[target.user_id] = replace(target, enabled=False, disabled_at=event.created_at)


def _apply_role_changed(site: _Site, event: Event) -> None:
    payload = read_or_none(event, UserRoleChanged)
    target = None if payload is None else site.users.get(payload.user_id)
    if payload is not None and target is not None and payload.role in ROLES:
        site.users[target.user_id] = replace(target, role=payload.role)


def _apply_unlocked(site: _Site, event: Event) -> None:
    payload = read_or_none(event, UserUnlocked)
    if payload is not None:
        site.failures.pop(payload.user_id, None)


def _apply_sign_in_failed(site: _Site, event: Event) -> None:
    payload = read_or_none(event, SignInFailed)
    if payload is None:
        return
    at = aware_time(payload.at) or aware_time(event.created_at)
    if at is not None:
        site.failures.setdefault(payload.user_id, []).append(at)


def _apply_site_trusted(site: _Site, event: Event) -> None:
    payload = read_or_none(event, SiteTrusted)
    if payload is not None and payload.site_id != event.site_id:
        site.trusted[payload.site_id] = payload.via


def _apply_selftest(site: _Site, event: Event) -> None:
    payload = read_or_none(event, SelftestRecorded)
    if payload is not None and payload.passed:
        site.validated[payload.manifest_id] = event.hash


_APPLY: Mapping[str, Callable[[_Site, Event], None]] = {
    USER_ADDED: _apply_user_added,
    USER_DISABLED: _apply_user_disabled,
    USER_ROLE_CHANGED: _apply_role_changed,
    USER_UNLOCKED: _apply_unlocked,
    SIGN_IN_FAILED: _apply_sign_in_failed,
    SITE_TRUSTED: _apply_site_trusted,
    SELFTEST_RECORDED: _apply_selftest,
}


def _admin_problem(by: User | None, actor: str | None, site_id: str, what: str) -> str | None:
    if by is None:
        return f"only an administrator of site {site_id} may {what}; {actor!r} is not a user there"
    if not by.enabled:
        return f"administrator {by.user_id} was disabled and may not {what}"
    if by.role != ADMIN:
        return f"only an administrator may {what}; {by.user_id} is {by.role}"
    return None


def directory_of(events: Iterable[Event], own_site: str | None) -> Directory:
    """The directory after a log's events (in log order), applying only authorized, attested events."""
    directory = Directory(own_site)
    for event in events:
        if event.case_code is None and event.kind in DIRECTORY_KINDS:
            allowed = directory.authorize(event.site_id, event.kind, event.payload, event.actor) is None
            if allowed and directory.check_actor(event) is None:
                directory.apply(event)
    return directory
