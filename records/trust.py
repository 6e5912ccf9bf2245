"""What a log's events may claim: the checks every event passes in the audit, on import and on the sync server.

They make a record hold against someone who can write the store's files but holds no password.

:func:`verify_log` walks a log in order with a :class:`~records.identity.Directory` and reports, per event:

- ``untrusted_site``: an event of a site this store never trusted (its own ``site_trusted`` events decide; a server
  trusts its enrolled sites);
- ``unattributed`` / ``attestation``: a case step without a person, or an event whose actor is not an enabled user of
  the event's own site at that point of its chain, or whose attestation (the actor's Ed25519 signature over the
  event's hash) is missing or does not verify;
- ``bad_payload``: a payload that does not fit its kind's class (:mod:`records.payloads`: a missing field, a wrong
  type);
- ``unauthorized``: a user or trust event its actor may not write (only administrators manage users);
- ``signature``: a sign-off whose Ed25519 signature, signer facts, role or self-test gate do not hold *at that point
  of the signer's site's chain* (a signer added later, or disabled before, in chain order, whatever the timestamps);
- ``signature_log``: a sign-off whose signed content is not what the log holds: the check it names must be the
  case's current check among the events the signing site held (its own chain and what its ``sync_received``
  markers name), with the same payload, verdict, envelope, parameters and hashes; the inputs, revision,
  re-verification and case head must be those of the log; a check that needs re-verification must have a passed one.

A signature whose signing site held events of another site that this store has not received yet is *pending*
(counted, not a problem): the facts are checked once those events arrive.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from records.cases import case_state
from records.errors import CaseNotFoundError, CredentialsError, InvalidEventError
from records.events import CASE_CREATED, SIGNATURE, Event, aware_time, canonical_json, is_sha256
from records.identity import (
    CLINICIAN,
    DIRECTORY_KINDS,
    ENGINEER,
    QUALITY,
    Directory,
    User,
)
from records.payloads import (
    REGISTRY,
    CheckRun,
    ReverificationRecorded,
    Signature,
    SignedContent,
    SignedReverification,
    SyncReceived,
    decode,
    read,
    read_or_none,
)

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


@dataclass(frozen=True)
class TrustProblem:
    """One event that does not hold: ``code`` (see the module docstring), a one-line message, and the event."""

    code: str
    message: str
    event: Event


@dataclass(frozen=True)
class TrustReport:
    """What :func:`verify_log` found: the problems, the signatures checked and those still pending."""

    problems: tuple[TrustProblem, ...]
    signatures: int
    pending: tuple[str, ...] = field(default=())
    directory: Directory | None = field(default=None, compare=False)


def signed_bytes(content: Mapping[str, Any]) -> bytes:
    """The exact bytes a signature covers: the canonical JSON (UTF-8) of the signed content."""
    return canonical_json(content).encode("utf-8")


def named_hashes(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every SHA-256 in a check result, with its JSON path (``envelope.sha256``, ``results[2].inputs_sha256[0]``).

    The manifest id has the same form but names software, not data: it is signed on its own.
    """
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "manifest_id":
                continue
            yield from named_hashes(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from named_hashes(item, f"{path}[{index}]")
    elif is_sha256(value):
        yield path, str(value)


def evidence_hashes(reverification: Event | None) -> list[str]:
    """The SHA-256 of every evidence file a ``reverification_recorded`` event names."""
    answer = None if reverification is None else read_or_none(reverification, ReverificationRecorded)
    return [] if answer is None else answer.evidence_sha256


# ---------------------------------------------------------------------------------------------------- knowledge


class Knowledge:
    """Which events each site held when it wrote each of its events (its chain and its ``sync_received`` markers).

    An event ``later`` of site B *knew* ``earlier`` of site A when A = B and ``earlier`` comes first in the chain,
    or when a marker of B before ``later`` names a head of A at or after ``earlier``. Positions are this store's
    arrival order (``seq``), which follows each site's chain order.

    Parameters
    ----------
    events
        The events to reason about (any subset of a log, each with its ``seq``).
    seq_of
        Looks up the ``seq`` of a hash this store holds but ``events`` lacks (None: not held here).
    """

    def __init__(self, events: Iterable[Event], seq_of: Callable[[str], int | None] | None = None) -> None:
        self._seq_of = seq_of
        self.order: dict[str, tuple[str, int]] = {}
        self.markers: dict[str, tuple[list[int], list[Mapping[str, Any]]]] = {}
        for event in events:
            self.order[event.hash] = (event.site_id, event.seq)
            marker = read_or_none(event, SyncReceived) if event.case_code is None else None
            if marker is not None:
                indexes, heads = self.markers.setdefault(event.site_id, ([], []))
                indexes.append(event.seq)
                heads.append(marker.heads)

    def _seq(self, digest: str) -> int | None:
        found = self.order.get(digest)
        if found is not None:
            return found[1]
        return None if self._seq_of is None else self._seq_of(digest)

    def marker_before(self, event: Event) -> Mapping[str, Any]:
        """The heads named by the last marker of ``event``'s site before it ({} when none)."""
        indexes, heads = self.markers.get(event.site_id, ([], []))
        at = bisect.bisect_left(indexes, event.seq) - 1
        return heads[at] if at >= 0 else {}

    def knew(self, later: Event, earlier: Event) -> bool:
        """Whether ``later``'s site held ``earlier`` when it wrote ``later``."""
        if later.site_id == earlier.site_id:
            return earlier.seq < later.seq
        head = self.marker_before(later).get(earlier.site_id)
        if not isinstance(head, str) or not head:
            return False
        seq = self._seq(head)
        if seq is None:
            return True  # a head not held here yet: every event of that site held here is before it
        return seq >= earlier.seq

    def pending(self, event: Event) -> list[str]:
        """The sites whose events ``event``'s site held but this store has not received up to that point."""
        return sorted(
            site
            for site, head in self.marker_before(event).items()
            if isinstance(head, str) and head and self._seq(head) is None
        )


# ---------------------------------------------------------------------------------------------------- signatures


def check_signature(event: Event, user: User | None, directory: Directory | None = None) -> str | None:
    """Check one ``signature`` event on its own: Ed25519 over the content, the signer's facts, role and key.

    Parameters
    ----------
    event
        A ``signature`` event.
    user
        The signer as the signing site's chain knows them at the signature (None: not a user there).
    directory
        The directory at the signature; when given, the self-test gate is checked too (a passed
        ``selftest_recorded`` for the signed manifest on the signing site's chain before the signature).

    Returns
    -------
    str or None
        A one-line description of the first problem found, or None when the signature holds.
    """
    if event.kind != SIGNATURE:
        return f"event is a {event.kind} event, not a signature"
    raw_content = event.payload.get("content")
    if not isinstance(raw_content, Mapping):
        return "signature payload holds no signed content"
    try:
        signed = read(event, Signature)
    except InvalidEventError as exc:
        return exc.message
    content = signed.content
    problem = _form_problem(event, signed) or _signer_problem(event, signed, user)
    if problem is not None or user is None:
        return problem
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - loaded when a signature is checked

    try:
        raw = base64.b64decode(signed.signature.encode("ascii"), validate=True)
        # The bytes signed are those of the content as stored (every field, known here or not).
        user.public_key().verify(raw, signed_bytes(raw_content))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return "signature is not base64"
    except CredentialsError as exc:
        return exc.message
    except InvalidSignature:
        return (
            f"Ed25519 signature by {user.user_id} does not verify over the signed content "
            "(the content or the signature bytes were altered)"
        )
    if aware_time(content.signed_at) is None:
        return f"signed time {content.signed_at!r} is not a timezone-aware ISO 8601 time"
    if directory is not None and directory.validated(event.site_id, content.manifest_id) is None:
        return (
            f"software manifest {content.manifest_id[:12]}... had no passed self-test recorded on site "
            f"{event.site_id} before this signature (the sign-off gate)"
        )
    return None


def _form_problem(event: Event, signed: Signature) -> str | None:
    content = signed.content
    if content.format != SIGNATURE_FORMAT:
        return f"signed content has format {content.format!r}, expected {SIGNATURE_FORMAT!r}"
    if signed.algorithm != ALGORITHM:
        return f"signature algorithm is {signed.algorithm!r}, expected {ALGORITHM!r}"
    if content.case_code != event.case_code:
        return f"signed content names case {content.case_code!r} but the event belongs to {event.case_code!r}"
    return None


def _signer_problem(event: Event, signed: Signature, user: User | None) -> str | None:
    content = signed.content
    signer = content.signer
    if signer.user_id != event.actor:
        return f"signed content names signer {signer.user_id!r} but the event's actor is {event.actor!r}"
    if user is None:
        return f"signer {signer.user_id!r} is not a user of the signing site {event.site_id} at this point of its chain"
    if not user.enabled:
        return f"signer {user.user_id} was disabled ({user.disabled_at}) before this signature in the log"
    fingerprint = signed.public_key_sha256
    if fingerprint != user.public_key_sha256 or content.public_key_sha256 != user.public_key_sha256:
        return (
            f"signature names key {fingerprint!r} but user {user.user_id} has key {user.public_key_sha256} "
            "(from its user_added event)"
        )
    facts = user.signer_json()
    written = msgspec.structs.asdict(signer)
    if written != facts:
        differing = sorted(key for key in set(written) | set(facts) if written.get(key) != facts.get(key))
        return f"signed signer facts ({', '.join(differing)}) differ from user {user.user_id}'s record"
    if user.role not in MEANING_ROLES.get(content.meaning, frozenset()):
        return f"role {user.role} may not sign meaning {content.meaning!r}"
    return None


def _mismatch(what: str, signed: object, held: object) -> str:
    return f"the signature's {what} ({signed!r}) is not what the log holds ({held!r})"


def check_signed_facts(event: Event, case_events: Sequence[Event], knowledge: Knowledge) -> str | None:
    """Compare what a signature says it approves with what the log held for the signing site at that point.

    Parameters
    ----------
    event
        A ``signature`` event whose own check (:func:`check_signature`) passed.
    case_events
        Every held event of the signature's case, in log order.
    knowledge
        Which events the signing site held.

    Returns
    -------
    str or None
        The first difference, or None when the signed content is exactly the log's.
    """
    content = read(event, Signature).content
    known = [e for e in case_events if e.hash != event.hash and knowledge.knew(event, e)]
    if content.case_head_hash not in {e.hash for e in known}:
        return (
            f"the signed case head {content.case_head_hash[:16]}... is not an event of case {event.case_code} the "
            "signer held"
        )
    try:
        state = case_state(known)
    except CaseNotFoundError:
        return f"case {event.case_code} had no case_created event among the events the signer held"
    if content.revision != state.revision:
        return _mismatch("revision", content.revision, state.revision)
    if state.check is None:
        return "the log held no current check for the case when it was signed"
    if content.inputs != dict(sorted(state.inputs.items())):
        return "the signature's inputs are not the case's inputs in the log at that point"
    return (
        _check_problem(content, state.check)
        or _reverification_problem(content.reverification, state.check, state.reverification)
        or _proposal_problem(content, state.proposal)
    )


def _proposal_problem(content: SignedContent, held: Event | None) -> str | None:
    signed = content.proposal
    if signed is None and held is None:
        return None
    if signed is None or held is None:
        return _mismatch("design proposal", None if signed is None else signed.event_hash, held and held.hash)
    if signed.event_hash != held.hash or signed.proposal_sha256 != held.payload.get("proposal_sha256"):
        return _mismatch("design proposal", signed.proposal_sha256, held.payload.get("proposal_sha256"))
    return None


def _check_problem(content: SignedContent, check: Event) -> str | None:
    signed_check = content.check
    if signed_check.event_hash != check.hash or signed_check.event_id != check.event_id:
        return _mismatch("check event", signed_check.event_hash, check.hash)
    payload_sha = hashlib.sha256(check.payload_json.encode("utf-8")).hexdigest()
    if signed_check.payload_sha256 != payload_sha:
        return _mismatch("check payload SHA-256", signed_check.payload_sha256, payload_sha)
    held = read(check, CheckRun)
    if content.verdict != held.verdict:
        return _mismatch("verdict", content.verdict, held.verdict)
    if signed_check.envelope != held.envelope:
        return _mismatch("envelope", signed_check.envelope, held.envelope)
    if content.envelope_sha256 != held.envelope_ref.sha256:
        return _mismatch("envelope SHA-256", content.envelope_sha256, held.envelope_ref.sha256)
    if signed_check.parameters_sha256 != held.parameters_sha256:
        return _mismatch("parameters SHA-256", signed_check.parameters_sha256, held.parameters_sha256)
    if signed_check.hashes != dict(named_hashes(check.payload)):
        return "the signature's check hashes are not the hashes the check event holds"
    return None


def _reverification_problem(signed: SignedReverification | None, check: Event, held: Event | None) -> str | None:
    answer = None if held is None else read(held, ReverificationRecorded)
    checked = read(check, CheckRun)
    if checked.needs_reverification and (answer is None or answer.result != "pass"):
        return f"the signed check is {checked.verdict} and the log held no passed re-verification"
    if (signed is None) != (held is None):
        return _mismatch("re-verification", signed, None if held is None else held.hash)
    if signed is not None and held is not None and answer is not None:
        if signed.event_hash != held.hash or signed.result != answer.result:
            return _mismatch("re-verification", signed.event_hash, held.hash)
        if signed.evidence_sha256 != answer.evidence_sha256:
            return "the signature's re-verification evidence is not what the log holds"
    return None


# ---------------------------------------------------------------------------------------------------- the walk


def verify_log(
    events: Sequence[Event],
    own_site: str | None,
    *,
    trusted: Iterable[str] = (),
    report: Callable[[Event], bool] | None = None,
    seq_of: Callable[[str], int | None] | None = None,
) -> TrustReport:
    """Check every event of a log (see the module docstring).

    Parameters
    ----------
    events
        The log in order (each site's events in its chain order), each with its ``seq``; a subset is enough when it
        holds every site-level event and every event of the cases whose events are reported.
    own_site
        The store's own site (trusted), or None for the sync server.
    trusted
        Sites trusted besides those the log's ``site_trusted`` events name (the server: its enrolled sites).
    report
        Which events to check and report problems for (default: all); the others are context, already judged
        (held in the store): they feed the directory and the signatures' facts, unchecked.
    seq_of
        Looks up the ``seq`` of a held event missing from ``events`` (for ``sync_received`` heads).

    Returns
    -------
    TrustReport
        The problems in log order, then the signature facts; and the signatures still pending.
    """
    extra = set(trusted)
    directory = Directory(own_site)
    problems: list[TrustProblem] = []
    by_case: dict[str, list[Event]] = {}
    signatures: list[Event] = []
    count = 0

    def add(code: str, message: str, event: Event) -> None:
        if report is None or report(event):
            problems.append(TrustProblem(code, message, event))

    for event in events:
        if event.case_code is not None:
            by_case.setdefault(event.case_code, []).append(event)
        if report is not None and not report(event):
            # Context only (held events, judged when they were stored): it feeds the directory, without the
            # signature checks that make a walk cost (a push or import checks its new events against thousands).
            allowed = event.case_code is None and event.kind in DIRECTORY_KINDS
            if allowed and directory.authorize(event.site_id, event.kind, event.payload, event.actor) is None:
                directory.apply(event)
            continue
        for code, message in _event_problems(event, directory, extra):
            add(code, message, event)
        if event.kind == SIGNATURE and event.case_code is not None:
            count += 1
            problem = check_signature(event, directory.user(event.site_id, event.actor), directory)
            if problem is not None:
                add("signature", problem, event)
            else:
                signatures.append(event)
    knowledge = Knowledge(events, seq_of)
    pending: list[str] = []
    for event in signatures:
        if knowledge.pending(event):
            pending.append(event.event_id)
            continue
        assert event.case_code is not None
        problem = check_signed_facts(event, by_case.get(event.case_code, []), knowledge)
        if problem is not None:
            add("signature_log", problem, event)
    return TrustReport(problems=tuple(problems), signatures=count, pending=tuple(pending), directory=directory)


def _event_problems(event: Event, directory: Directory, extra: set[str]) -> list[tuple[str, str]]:
    """Trust, attestation and directory rules for one event; follows it in the directory when it holds."""
    found: list[tuple[str, str]] = []
    cls = REGISTRY.get(event.kind)
    if cls is not None:
        try:
            decode(event.payload, cls, where=f"{event.kind} event")
        except InvalidEventError as exc:
            found.append(("bad_payload", exc.message))
    if event.site_id not in extra and not directory.is_trusted(event.site_id):
        found.append(("untrusted_site", f"site {event.site_id} is not trusted by this store (not enrolled)"))
    actor_problem = directory.check_actor(event)
    if actor_problem is not None:
        found.append(("unattributed" if event.actor is None else "attestation", actor_problem))
    if event.case_code is None and event.kind in DIRECTORY_KINDS:
        rule = directory.authorize(event.site_id, event.kind, event.payload, event.actor)
        if rule is not None:
            found.append(("unauthorized", rule))
        elif actor_problem is None:
            directory.apply(event)
    return found


def case_owner(events: Iterable[Event]) -> str | None:
    """The site that created a case: the site of the first ``case_created`` event in log order."""
    for event in events:
        if event.kind == CASE_CREATED:
            return event.site_id
    return None
