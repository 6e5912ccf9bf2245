"""Events of the append-only log: the frozen :class:`Event`, its canonical JSON and its hash.

An event is the unit of evidence. Its hash is the SHA-256 of the canonical JSON (keys sorted, no spaces, UTF-8,
no NaN or infinity) of every field except the local ``seq`` and the ``hash`` itself::

    {"actor", "case_code", "created_at", "event_id", "kind", "payload", "prev_hash", "site_id"}

``prev_hash`` is the hash of the previous event *of the same site* ("" for a site's first event), so each site's
events form a chain that any edit, deletion or reordering breaks. ``seq`` is only this store's arrival order.

Privacy (REQUIREMENTS 4.4.2): events leave the site when synced, so a payload never carries patient identity;
:func:`check_payload_privacy` refuses the keys that would hold it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from records.errors import EventHashError, IdentityInPayloadError, InvalidEventError

CASE_CODE_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
KIND_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")

# Keys whose value would be patient identity, compared after lower-casing and dropping "_", "-", " ".
_IDENTITY_KEYS = frozenset(
    {
        "patientname",
        "patientid",
        "birthdate",
        "patientbirthdate",
        "dateofbirth",
        "dob",
        "otherpatientnames",
        "otherpatientids",
    }
)
# Generic keys that are identity only inside an object named "patient" ({"patient": {"name": ...}}); elsewhere
# "name" is a parameter or an input name and "id" an envelope id.
_IDENTITY_KEYS_IN_PATIENT = frozenset({"name", "id", "birthdate", "dateofbirth"})

# The case's kinds that :mod:`records.cases` interprets; other well-formed kinds are stored and listed as they are.
CASE_CREATED = "case_created"
INPUTS_ADDED = "inputs_added"
CHECK_RUN = "check_run"
REVERIFICATION_RECORDED = "reverification_recorded"
SIGNATURE = "signature"
DESIGN_CHANGED = "design_changed"
NOTE = "note"
TEAM_MEMBER_ADDED = "team_member_added"
TEAM_MEMBER_REMOVED = "team_member_removed"
DESIGN_INPUT_RECORDED = "design_input_recorded"
CHANGE_ACKNOWLEDGED = "change_acknowledged"
PROPOSAL_ISSUED = "proposal_issued"
SYNC_RECEIVED = "sync_received"
"""Site-level event: what this site held of every other site's chain (``{"heads": {site_id: hash}}``)."""


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value``: keys sorted, compact separators, non-ASCII kept, no NaN/infinity.

    Raises
    ------
    InvalidEventError
        When ``value`` holds something JSON cannot represent exactly (NaN, infinity, a set, an object).
    """
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidEventError(f"payload is not canonical JSON: {exc}") from None


_PLAIN_TEXT = re.compile(r'[^"\\\x00-\x1f]*')


def _dump(value: str | None) -> str:
    # Same text as json.dumps(value, ensure_ascii=False), without its overhead for the common case (ids, hashes,
    # times): text with no quote, backslash or control character is only quoted.
    if value is None:
        return "null"
    if _PLAIN_TEXT.fullmatch(value):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


def hash_material(
    *,
    event_id: str,
    site_id: str,
    case_code: str | None,
    kind: str,
    payload_json: str,
    actor: str | None,
    created_at: str,
    prev_hash: str,
) -> bytes:
    """The exact bytes an event's hash covers: the canonical JSON of its fields with ``payload_json`` inlined.

    ``payload_json`` must already be canonical (what the store writes); inlining the stored text instead of
    re-encoding a parsed object makes any change to a stored payload's bytes change the hash.
    """
    # Keys in sorted order: actor, case_code, created_at, event_id, kind, payload, prev_hash, site_id.
    text = (
        f'{{"actor":{_dump(actor)},"case_code":{_dump(case_code)},"created_at":{_dump(created_at)},'
        f'"event_id":{_dump(event_id)},"kind":{_dump(kind)},"payload":{payload_json},'
        f'"prev_hash":{_dump(prev_hash)},"site_id":{_dump(site_id)}}}'
    )
    return text.encode("utf-8")


def compute_hash(
    *,
    event_id: str,
    site_id: str,
    case_code: str | None,
    kind: str,
    payload_json: str,
    actor: str | None,
    created_at: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of :func:`hash_material` for these fields."""
    return hashlib.sha256(
        hash_material(
            event_id=event_id,
            site_id=site_id,
            case_code=case_code,
            kind=kind,
            payload_json=payload_json,
            actor=actor,
            created_at=created_at,
            prev_hash=prev_hash,
        )
    ).hexdigest()


@dataclass(frozen=True)
class Event:
    """One immutable event of the log.

    Attributes
    ----------
    seq
        This store's arrival order (1, 2, 3, ... without gaps); not covered by the hash and not shared by sites.
    event_id
        Random UUID (32 hex digits), the same at every site that holds the event.
    site_id
        The site (workstation) that wrote it.
    case_code
        The pseudonymous case code, or None for a site-level event (e.g. a user added).
    kind
        What happened (``case_created``, ``check_run``, ...).
    payload
        The event's data as a JSON object (do not mutate it: the hash covers :attr:`payload_json`).
    actor
        The user id that caused it, or None (the software itself).
    created_at
        Timezone-aware ISO 8601 time at the writing site.
    prev_hash
        Hash of the previous event of the same site; "" for the site's first event.
    hash
        SHA-256 (hex) of the canonical JSON of every field except ``seq`` and ``hash``.
    payload_json
        The payload's canonical JSON text exactly as stored and hashed.
    attestation
        The actor's Ed25519 signature (base64) over the event's hash (:mod:`records.identity`), or None for an
        event without actor. Not covered by the hash: it signs the hash.
    """

    seq: int
    event_id: str
    site_id: str
    case_code: str | None
    kind: str
    payload: dict[str, Any] = field(compare=False)
    actor: str | None
    created_at: str
    prev_hash: str
    hash: str
    payload_json: str = field(repr=False)
    attestation: str | None = field(default=None, repr=False, compare=False)

    def computed_hash(self) -> str:
        """The hash recomputed from the fields (equal to :attr:`hash` for an untouched event)."""
        return compute_hash(
            event_id=self.event_id,
            site_id=self.site_id,
            case_code=self.case_code,
            kind=self.kind,
            payload_json=self.payload_json,
            actor=self.actor,
            created_at=self.created_at,
            prev_hash=self.prev_hash,
        )

    def to_json(self) -> dict[str, Any]:
        """The event as a JSON object: every field, with ``payload`` as an object (input of ``append_foreign``)."""
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "site_id": self.site_id,
            "case_code": self.case_code,
            "kind": self.kind,
            "payload": json.loads(self.payload_json),
            "actor": self.actor,
            "created_at": self.created_at,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "attestation": self.attestation,
        }


@dataclass(frozen=True)
class NewEvent:
    """An event to append (the typed task handed to :meth:`records.store.Store.append_many`).

    Attributes
    ----------
    kind
        What happened: lower-case letters, digits and ``_``, starting with a letter, at most 64 characters.
    case_code
        The case it belongs to (``[A-Za-z0-9._-]{1,64}``), or None for a site-level event.
    payload
        A JSON object without patient identity (see :func:`check_payload_privacy`).
    by
        The signed-in user who did it (:class:`records.identity.Attestor`): the event's actor, who attests it. None
        only for the site-level kinds the software writes by itself (``records.identity.SYSTEM_KINDS``).
    at
        When it happened (timezone-aware); None means now, in the local zone.
    """

    kind: str
    case_code: str | None
    payload: Mapping[str, Any]
    by: Any = None
    at: datetime | None = None


def check_case_code(code: str) -> str:
    """Return ``code`` if it is a valid case code (``[A-Za-z0-9._-]{1,64}``).

    Raises
    ------
    InvalidEventError
        When it is not.
    """
    if not isinstance(code, str) or CASE_CODE_PATTERN.fullmatch(code) is None:
        raise InvalidEventError(f"invalid case code {code!r}: use 1 to 64 of A-Z a-z 0-9 . _ -")
    return code


def check_kind(kind: str) -> str:
    """Return ``kind`` if it is a well-formed event kind, else raise :class:`InvalidEventError`."""
    if not isinstance(kind, str) or KIND_PATTERN.fullmatch(kind) is None:
        raise InvalidEventError(f"invalid event kind {kind!r}: lower-case letters, digits and _, at most 64")
    return kind


def is_sha256(text: object) -> bool:
    """Whether ``text`` is a lower-case hex SHA-256."""
    return isinstance(text, str) and _HEX64.fullmatch(text) is not None


def is_event_id(text: object) -> bool:
    """Whether ``text`` is 32 lower-case hex digits (a UUID's hex)."""
    return isinstance(text, str) and _HEX32.fullmatch(text) is not None


def format_time(at: datetime) -> str:
    """ISO 8601 text of a timezone-aware time; naive times raise :class:`InvalidEventError`."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidEventError(f"event time {at.isoformat()} has no time zone")
    return at.isoformat(timespec="microseconds")


def aware_time(text: object) -> datetime | None:
    """``text`` as a timezone-aware time when it is ISO 8601 text with a zone; None otherwise (never raises)."""
    if not isinstance(text, str):
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def check_time_text(text: object) -> str:
    """Return ``text`` if it is a timezone-aware ISO 8601 time, else raise :class:`InvalidEventError`."""
    if not isinstance(text, str):
        raise InvalidEventError(f"created_at must be text, not {type(text).__name__}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidEventError(f"created_at {text!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise InvalidEventError(f"created_at {text!r} has no time zone")
    return text


def _norm_key(key: str) -> str:
    return re.sub(r"[_\-\s]", "", key).lower()


def _walk(value: Any, path: str, in_patient: bool) -> Iterator[tuple[str, str, Any]]:
    """Yield (path, normalized key, value) for every key in ``value``, and ("", "", s) for every string."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            norm = _norm_key(str(key))
            where = f"{path}.{key}" if path else str(key)
            yield where, norm + ("@patient" if in_patient else ""), item
            yield from _walk(item, where, norm == "patient")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]", in_patient)
    elif isinstance(value, str):
        yield path, "", value


def _norm_text(text: str) -> str:
    return " ".join(text.replace("^", " ").split()).casefold()


def check_payload_privacy(payload: Mapping[str, Any], identity: Iterable[str] = ()) -> None:
    """Refuse a payload that would carry patient identity out of the site.

    Refused are keys meaning patient name, patient ID or birth date anywhere in the payload (``patient_name``,
    ``PatientID``, ``birth_date``, ``dob``, ...; compared ignoring case, ``_``, ``-`` and spaces), the generic keys
    ``name``, ``id`` and ``birth_date`` inside an object under a ``patient`` key, and - when the case's recorded
    identity is given - any text value equal to one of its values (ignoring case, spaces and DICOM ``^``), or
    containing one that has several parts (a full name).

    Parameters
    ----------
    payload
        The event payload.
    identity
        Every identity value recorded for the case (names, patient IDs, birth dates).

    Raises
    ------
    IdentityInPayloadError
        Naming where in the payload the identity was found (never the identity itself).
    """
    known = {_norm_text(value) for value in identity if value and value.strip()}
    full_names = [value for value in known if " " in value]
    for where, norm, value in _walk(payload, "", False):
        if norm:
            base, _, scope = norm.partition("@")
            if base in _IDENTITY_KEYS or (scope == "patient" and base in _IDENTITY_KEYS_IN_PATIENT):
                raise IdentityInPayloadError(
                    f"payload key {where!r} would carry patient identity; identity stays in the site-local "
                    "patient_identity table (store.set_patient_identity)"
                )
        elif known:
            text = _norm_text(value)
            if text in known or any(name in text for name in full_names):
                raise IdentityInPayloadError(
                    f"payload value at {where or '(payload)'!r} holds this case's patient identity; "
                    "identity stays in the site-local patient_identity table"
                )


def check_payload(payload: object) -> str:
    """Return the canonical JSON of a payload object, refusing non-objects and non-finite numbers."""
    if not isinstance(payload, Mapping):
        raise InvalidEventError(f"payload must be a JSON object, not {type(payload).__name__}")
    _reject_non_finite(payload)
    return canonical_json(payload)


def _reject_non_finite(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidEventError(f"payload holds a non-finite number ({value}); JSON has no NaN or infinity")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEventError(f"payload key {key!r} is not text")
            _reject_non_finite(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_non_finite(item)


#: The keys of an event's JSON (:meth:`Event.to_json`) as another site or a bundle sends it (``attestation`` may be
#: absent: it is None then).
EVENT_KEYS = ("event_id", "site_id", "case_code", "kind", "payload", "actor", "created_at", "prev_hash", "hash")
_ATTESTATION = re.compile(r"[A-Za-z0-9+/]{86}==")


def event_from_json(data: Any) -> Event:
    """An event received from another site (sync, bundle), with every field and its hash checked.

    The result has ``seq`` 0: the receiving store numbers it. Patient-identity screening is the store's (it knows
    the identities recorded for a case).

    Raises
    ------
    InvalidEventError
        When a field is missing or malformed.
    EventHashError
        When the fields do not hash to the event's ``hash`` (the event was edited).
    """
    if not isinstance(data, Mapping):
        raise InvalidEventError(f"an imported event must be a JSON object, not {type(data).__name__}")
    missing = [key for key in EVENT_KEYS if key not in data]
    if missing:
        raise InvalidEventError(f"imported event lacks {', '.join(missing)}")
    event_id, site_id, digest, prev_hash = data["event_id"], data["site_id"], data["hash"], data["prev_hash"]
    if not is_event_id(event_id) or not is_event_id(site_id):
        raise InvalidEventError(f"imported event has a malformed event_id or site_id: {event_id!r}, {site_id!r}")
    if not is_sha256(digest) or not (prev_hash == "" or is_sha256(prev_hash)):
        raise InvalidEventError(f"imported event {event_id} has a malformed hash or prev_hash")
    case_code = data["case_code"]
    if case_code is not None:
        check_case_code(case_code)
    actor = data["actor"]
    if actor is not None and not isinstance(actor, str):
        raise InvalidEventError(f"imported event {event_id} has a malformed actor")
    kind = check_kind(data["kind"])
    attestation = data.get("attestation")
    if attestation is not None and (not isinstance(attestation, str) or _ATTESTATION.fullmatch(attestation) is None):
        raise InvalidEventError(f"imported event {event_id} has a malformed attestation")
    created_at = check_time_text(data["created_at"])
    payload_json = check_payload(data["payload"])
    computed = compute_hash(
        event_id=event_id,
        site_id=site_id,
        case_code=case_code,
        kind=kind,
        payload_json=payload_json,
        actor=actor,
        created_at=created_at,
        prev_hash=prev_hash,
    )
    if computed != digest:
        raise EventHashError(f"imported event {event_id} does not match its hash: stored {digest} computed {computed}")
    return Event(
        seq=0,
        event_id=event_id,
        site_id=site_id,
        case_code=case_code,
        kind=kind,
        payload=json.loads(payload_json),
        actor=actor,
        created_at=created_at,
        prev_hash=prev_hash,
        hash=digest,
        payload_json=payload_json,
        attestation=attestation,
    )
