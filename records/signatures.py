"""Electronic signatures: a sign-off bound to the exact inputs, results, envelope and software of a case.

A signature (``signature`` event) is made by :func:`sign` after the signer re-enters their password, which
decrypts their Ed25519 key. The bytes signed are the canonical JSON (keys sorted, compact, UTF-8) of the *signed
content*::

    {"format": "dvw-signature/1", "case_code", "revision", "meaning", "signed_at" (timezone-aware ISO 8601),
     "signer": {"user_id", "printed_name", "role", "qualification"}, "public_key_sha256",
     "verdict", "envelope_sha256", "manifest_id",
     "inputs": {input name: SHA-256},                      # the case's inputs (inputs_added / design_changed)
     "check": {"event_id", "event_hash", "payload_sha256",  # the check_run event and its result's hash
               "parameters_sha256", "envelope": {...}, "hashes": {JSON path: SHA-256}},
     "reverification": null | {"event_id", "event_hash", "result", "evidence_sha256": [...]},
     "case_head_hash"}                                      # hash of the case's latest event when signed

The event's payload is ``{"content": <signed content>, "signature": <base64>, "algorithm": "Ed25519",
"public_key_sha256": <fingerprint>}``; :func:`verify_signature` checks it against the signer's public key from the
log's ``user_added`` event.

Who may sign what (:data:`MEANING_ROLES`):

=============================== ===================
meaning                         roles
=============================== ===================
``design verification``         engineer, quality
``clinical design confirmation`` clinician
``re-verification approved``    quality
``release``                     quality
=============================== ===================

A later check, input change or design change (new revision) supersedes every earlier signature of the case
(:func:`signature_status`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from records.audit import SignatureChecker
from records.cases import CaseState
from records.errors import (
    ArtifactChangedError,
    ArtifactMissingError,
    ConflictUnresolvedError,
    InputChangedError,
    ManifestNotValidatedError,
    NoCheckError,
    ReverificationRequiredError,
    RoleNotPermittedError,
    SignatureRefusedError,
)
from records.events import SIGNATURE, Event, aware_time, canonical_json, format_time, is_sha256
from records.reverification import requires_reverification
from records.store import Store
from records.users import CLINICIAN, ENGINEER, QUALITY, User, unlock_signing_key, users_from_events

SIGNATURE_FORMAT = "dvw-signature/1"
ALGORITHM = "Ed25519"

DESIGN_VERIFICATION = "design verification"
CLINICAL_DESIGN_CONFIRMATION = "clinical design confirmation"
REVERIFICATION_APPROVED = "re-verification approved"
RELEASE = "release"

MEANING_ROLES: Mapping[str, frozenset[str]] = {
    DESIGN_VERIFICATION: frozenset({ENGINEER, QUALITY}),
    CLINICAL_DESIGN_CONFIRMATION: frozenset({CLINICIAN}),
    REVERIFICATION_APPROVED: frozenset({QUALITY}),
    RELEASE: frozenset({QUALITY}),
}
"""Each meaning a signature may carry, and the roles that may sign it."""

VALID = "valid"
SUPERSEDED = "superseded"


def signed_bytes(content: Mapping[str, Any]) -> bytes:
    """The exact bytes a signature covers: the canonical JSON (UTF-8) of the signed content."""
    return canonical_json(content).encode("utf-8")


def _named_hashes(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every SHA-256 in a check result, with its JSON path (``envelope.sha256``, ``results[2].inputs_sha256[0]``).

    The manifest id has the same form but names software, not data: it is signed on its own.
    """
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "manifest_id":
                continue
            yield from _named_hashes(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _named_hashes(item, f"{path}[{index}]")
    elif is_sha256(value):
        yield path, str(value)


def _evidence_hashes(reverification: Event | None) -> list[str]:
    if reverification is None:
        return []
    found = reverification.payload.get("evidence")
    items = found if isinstance(found, list) else []
    return [str(item["sha256"]) for item in items if isinstance(item, Mapping) and is_sha256(item.get("sha256"))]


def _check_artifacts(store: Store, case: CaseState, check: Event, reverification: Event | None) -> None:
    """Refuse when an input, result or evidence file held in the store no longer matches its SHA-256."""
    named = [(f"input {name}", sha) for name, sha in case.inputs.items() if is_sha256(sha)]
    named += [(f"check {where}", sha) for where, sha in _named_hashes(check.payload)]
    named += [("re-verification evidence", sha) for sha in _evidence_hashes(reverification)]
    for label, sha in named:
        if store.artifact_info(sha) is None:
            continue  # named by hash only (e.g. an envelope file kept elsewhere): nothing here to re-read
        try:
            store.artifact_path(sha)
        except (ArtifactChangedError, ArtifactMissingError) as exc:
            raise InputChangedError(
                f"{label} ({sha[:12]}...) of case {case.code} changed since the check: {exc.message}", path=exc.path
            ) from None


def _refuse_unsignable(case: CaseState, meaning: str, manifest_id: str, home: Path) -> tuple[Event, Event | None]:
    """The check and re-verification a signature on ``case`` would approve, or the reason it may not be signed."""
    from validation.selftest import is_validated  # noqa: PLC0415 - the self-test module imports the whole pipeline

    check = case.check
    if check is None:
        if case.verdict is None:
            raise NoCheckError(f"case {case.code}: no envelope check has been run; run the check before signing")
        raise NoCheckError(
            f"case {case.code}: the latest check no longer applies (inputs or design changed; revision "
            f"{case.revision}); run the check again before signing"
        )
    check_manifest = check.payload.get("manifest_id")
    if not isinstance(check_manifest, str) or not check_manifest:
        raise ManifestNotValidatedError(
            f"case {case.code}: the check (event {check.event_id}) names no software manifest; run the check again"
        )
    if check_manifest != manifest_id:
        raise ManifestNotValidatedError(
            f"case {case.code}: the check was made by software manifest {check_manifest[:12]}..., this installation "
            f"is {manifest_id[:12]}...; run the check again with this software"
        )
    if not is_validated(manifest_id, home):
        raise ManifestNotValidatedError(
            f"software manifest {manifest_id[:12]}... has not passed the self-test on this installation ({home}); "
            "run dvw selftest first"
        )
    reverification = case.reverification
    if requires_reverification(check):
        verdict = check.payload.get("verdict")
        if reverification is None:
            raise ReverificationRequiredError(
                f"case {case.code} is {verdict}: record its re-verification (dvw reverify) before signing"
            )
        if reverification.payload.get("result") != "pass":
            if meaning == RELEASE:
                raise ReverificationRequiredError(
                    f"case {case.code} is {verdict} and its re-verification failed: a nonconforming device is never "
                    "released by concession (REQUIREMENTS 4.10.1)"
                )
            raise ReverificationRequiredError(
                f"case {case.code} is {verdict} and its re-verification failed; change the design and check again"
            )
    return check, reverification


def _refuse_conflicting(store: Store, case: CaseState) -> None:
    """Refuse to sign a case that two sites changed concurrently until a person has chosen (``dvw site resolve``).

    Which revision is signed must not depend on which site's events arrived last.
    """
    from records.sync.conflicts import find_conflicts  # noqa: PLC0415 - the sync package imports this module's peers

    for conflict in find_conflicts(store.events()):
        if conflict.case_code == case.code:
            sites = ", ".join(branch.site_id[:8] for branch in conflict.branches)
            raise ConflictUnresolvedError(
                f"case {case.code} has concurrent revisions from sites {sites} (changed while offline); resolve them "
                f'first: dvw site resolve {case.code} --keep SITE --reason "..."'
            )


def _signed_content(
    case: CaseState,
    *,
    check: Event,
    reverification: Event | None,
    user: User,
    meaning: str,
    at: datetime,
    manifest_id: str,
) -> dict[str, Any]:
    envelope = check.payload.get("envelope")
    envelope_json = dict(envelope) if isinstance(envelope, Mapping) else {}
    envelope_sha = envelope_json.get("sha256")
    return {
        "format": SIGNATURE_FORMAT,
        "case_code": case.code,
        "revision": case.revision,
        "meaning": meaning,
        "signed_at": format_time(at),
        "signer": user.signer_json(),
        "public_key_sha256": user.public_key_sha256,
        "verdict": check.payload.get("verdict"),
        "envelope_sha256": envelope_sha if isinstance(envelope_sha, str) else None,
        "manifest_id": manifest_id,
        "inputs": dict(sorted(case.inputs.items())),
        "check": {
            "event_id": check.event_id,
            "event_hash": check.hash,
            "payload_sha256": hashlib.sha256(check.payload_json.encode("utf-8")).hexdigest(),
            "parameters_sha256": check.payload.get("parameters_sha256"),
            "envelope": envelope_json,
            "hashes": dict(_named_hashes(check.payload)),
        },
        "reverification": None
        if reverification is None
        else {
            "event_id": reverification.event_id,
            "event_hash": reverification.hash,
            "result": reverification.payload.get("result"),
            "evidence_sha256": _evidence_hashes(reverification),
        },
        "case_head_hash": case.events[-1].hash,
    }


def sign(
    store: Store,
    case_code: str,
    user_id: str,
    password: str,
    meaning: str,
    *,
    home: Path | None = None,
    now: datetime | None = None,
) -> Event:
    """Sign a case's current check with the user's Ed25519 key, after every gate holds.

    Parameters
    ----------
    store
        The local store.
    case_code
        The case to sign.
    user_id, password
        The signer and the password they re-entered.
    meaning
        What the signature means: a key of :data:`MEANING_ROLES`.
    home
        The installation's home folder, where the self-test records are (default: the store's home).
    now
        The signing time (timezone-aware); default now in the local zone.

    Returns
    -------
    Event
        The ``signature`` event (payload: signed content, base64 signature, algorithm, key fingerprint).

    Raises
    ------
    SignatureRefusedError
        An unknown meaning.
    CaseNotFoundError
        No such case.
    UnknownUserError, UserDisabledError, WrongPasswordError, CredentialsError
        The signer cannot be authenticated.
    RoleNotPermittedError
        The signer's role may not sign this meaning.
    NoCheckError
        No check has been run, or the latest no longer applies (inputs or design changed).
    ManifestNotValidatedError
        The check names no manifest or another one than this installation's, or this installation's manifest has
        not passed the self-test here.
    ReverificationRequiredError
        The verdict needs re-verification and no passed one is recorded (for ``release``: REQUIREMENTS 4.10.1).
    InputChangedError
        An input, result or evidence artifact held in the store changed since the check.
    ConflictUnresolvedError
        Two sites changed the case concurrently and no one has resolved it (``dvw site resolve``).
    """
    from validation.manifest import current_manifest  # noqa: PLC0415 - hashing the installation is done on demand

    if meaning not in MEANING_ROLES:
        raise SignatureRefusedError(f"unknown meaning {meaning!r}: use one of {', '.join(map(repr, MEANING_ROLES))}")
    at = datetime.now().astimezone() if now is None else now
    format_time(at)  # refuses a naive time before anything is unlocked
    case = store.case(case_code)
    user, private_key = unlock_signing_key(store, user_id, password)
    if user.role not in MEANING_ROLES[meaning]:
        allowed = ", ".join(sorted(MEANING_ROLES[meaning]))
        raise RoleNotPermittedError(f"user {user_id!r} has role {user.role}; {meaning!r} may be signed by: {allowed}")
    manifest_id = current_manifest().manifest_id
    _refuse_conflicting(store, case)
    check, reverification = _refuse_unsignable(case, meaning, manifest_id, store.home if home is None else home)
    _check_artifacts(store, case, check, reverification)
    content = _signed_content(
        case, check=check, reverification=reverification, user=user, meaning=meaning, at=at, manifest_id=manifest_id
    )
    signature = private_key.sign(signed_bytes(content))
    payload = {
        "content": content,
        "signature": base64.b64encode(signature).decode("ascii"),
        "algorithm": ALGORITHM,
        "public_key_sha256": user.public_key_sha256,
    }
    return store.append(SIGNATURE, case_code=case.code, payload=payload, actor=user.user_id, at=at)


def _signer(event: Event, content: Mapping[str, Any], users: Mapping[str, User]) -> tuple[User | None, str | None]:
    """The signing user, checked against the event and the log's user facts; or None and the problem."""
    payload = event.payload
    signer = content.get("signer")
    if not isinstance(signer, Mapping):
        return None, "signed content names no signer"
    signer_id = signer.get("user_id")
    if signer_id != event.actor:
        return None, f"signed content names signer {signer_id!r} but the event's actor is {event.actor!r}"
    user = users.get(str(signer_id))
    if user is None:
        return None, f"signer {signer_id!r} has no user_added event in this store"
    fingerprint = payload.get("public_key_sha256")
    if fingerprint != user.public_key_sha256 or content.get("public_key_sha256") != user.public_key_sha256:
        return None, (
            f"signature names key {fingerprint!r} but user {user.user_id} has key {user.public_key_sha256} "
            "(from its user_added event)"
        )
    facts = user.signer_json()
    if dict(signer) != facts:
        differing = sorted(key for key in set(signer) | set(facts) if signer.get(key) != facts.get(key))
        return None, f"signed signer facts ({', '.join(differing)}) differ from user {user.user_id}'s user_added event"
    return user, None


def verify_signature(event: Event, users: Mapping[str, User]) -> str | None:
    """Check one ``signature`` event: its Ed25519 signature, its signer and that its content matches the event.

    Parameters
    ----------
    event
        A ``signature`` event.
    users
        The store's users (:func:`records.users.load_users`), whose public keys come from ``user_added`` events.

    Returns
    -------
    str or None
        A one-line description of the first problem found, or None when the signature holds.
    """
    if event.kind != SIGNATURE:
        return f"event is a {event.kind} event, not a signature"
    payload = event.payload
    content = payload.get("content")
    if not isinstance(content, Mapping):
        return "signature payload holds no signed content"
    if content.get("format") != SIGNATURE_FORMAT:
        return f"signed content has format {content.get('format')!r}, expected {SIGNATURE_FORMAT!r}"
    if payload.get("algorithm") != ALGORITHM:
        return f"signature algorithm is {payload.get('algorithm')!r}, expected {ALGORITHM!r}"
    if content.get("case_code") != event.case_code:
        return f"signed content names case {content.get('case_code')!r} but the event belongs to {event.case_code!r}"
    user, problem = _signer(event, content, users)
    if user is None:
        return problem
    meaning = content.get("meaning")
    if not isinstance(meaning, str) or user.role not in MEANING_ROLES.get(meaning, frozenset()):
        return f"role {user.role} may not sign meaning {meaning!r}"
    try:
        raw = base64.b64decode(str(payload.get("signature", "")).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return "signature is not base64"
    try:
        user.public_key().verify(raw, signed_bytes(content))
    except InvalidSignature:
        return (
            f"Ed25519 signature by {user.user_id} does not verify over the signed content "
            "(the content or the signature bytes were altered)"
        )
    signed_at = aware_time(content.get("signed_at"))
    if signed_at is None:
        return f"signed time {content.get('signed_at')!r} is not a timezone-aware ISO 8601 time"
    disabled_at = aware_time(user.disabled_at)
    if disabled_at is not None and signed_at > disabled_at:
        return f"signed at {content.get('signed_at')} after user {user.user_id} was disabled ({user.disabled_at})"
    return None


def signature_checker(store: Store) -> SignatureChecker:
    """A checker for :meth:`records.store.Store.verify` that verifies each signature against the store's users.

    See :func:`events_signature_checker`.
    """
    return events_signature_checker(store.events())


def events_signature_checker(events: Sequence[Event]) -> SignatureChecker:
    """A checker that verifies each signature event against the users that ``events`` (a log, in order) define.

    A signature is checked against the users added by its own site first (a user signs where their sealed key is,
    so at the site that added them), then against every user of the log: two sites that each added a user with the
    same id (one store cannot, but two offline sites can) keep valid signatures everywhere after a sync or bundle.
    """
    everyone = users_from_events(events)
    by_site: dict[str, list[Event]] = {}
    for event in events:
        by_site.setdefault(event.site_id, []).append(event)
    site_users = {site: users_from_events(site_events) for site, site_events in by_site.items()}

    def check(event: Event) -> str | None:
        own = site_users.get(event.site_id, {})
        return verify_signature(event, own if event.actor in own else everyone)

    return check


def signature_status(case: CaseState) -> list[tuple[Event, str]]:
    """Every signature of a case with its status: ``valid``, or ``superseded`` by a later check or change.

    A signature is superseded when the case's log superseded it (a later check, input change or design change) or
    when it was made on an earlier revision than the case's current one.
    """
    statuses: list[tuple[Event, str]] = []
    for event in case.signatures:
        content = event.payload.get("content")
        revision = content.get("revision") if isinstance(content, Mapping) else None
        old = event.event_id in case.superseded or revision != case.revision
        statuses.append((event, SUPERSEDED if old else VALID))
    return statuses
