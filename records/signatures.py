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

A clinician's ``clinical design confirmation`` of a case whose check is ``within`` approves the design. What an
approval records besides the signature is given by the caller as an :class:`ApprovalStep`, appended in the same
transaction as the signature (both or neither): the workstation signs through :mod:`traceability.signing`, whose
step is the ``design_approved`` trace step of the case's current device (:mod:`traceability.trace`), or a line
saying why there is none (:class:`Signed`). Without a step (``approval=None``) only the signature is recorded. Other
meanings, and a confirmation of a case that needed re-verification, record nothing besides the signature.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import msgspec

from records.audit import SignatureChecker
from records.cases import CaseState
from records.errors import (
    ArtifactChangedError,
    ArtifactMissingError,
    ChangeNotAcknowledgedError,
    ConflictUnresolvedError,
    InputChangedError,
    ManifestNotValidatedError,
    NoCheckError,
    ProposalIncompleteError,
    ReverificationRequiredError,
    RoleNotPermittedError,
    SignatureRefusedError,
)
from records.events import SIGNATURE, Event, NewEvent, format_time, is_sha256
from records.payloads import (
    CheckRun,
    ReverificationRecorded,
    Signature,
    SignedCheck,
    SignedContent,
    SignedProposal,
    SignedReverification,
    SignerFacts,
    read,
    read_or_none,
)
from records.store import Precondition, Store
from records.team import (
    held_to_interaction,
    missing_proposal_items,
    pending_acknowledgements,
    refuse_missing_input,
    refuse_non_member,
)
from records.trust import (
    ALGORITHM,
    CLINICAL_DESIGN_CONFIRMATION,
    DESIGN_VERIFICATION,
    MEANING_ROLES,
    RELEASE,
    REVERIFICATION_APPROVED,
    SIGNATURE_FORMAT,
    check_signature,
    evidence_hashes,
    named_hashes,
    signed_bytes,
    verify_log,
)
from records.users import Session, User, sign_in

__all__ = [
    "ALGORITHM",
    "CLINICAL_DESIGN_CONFIRMATION",
    "DESIGN_VERIFICATION",
    "MEANING_ROLES",
    "RELEASE",
    "REVERIFICATION_APPROVED",
    "SIGNATURE_FORMAT",
    "Approval",
    "ApprovalStep",
    "ApprovedMeanwhileError",
    "Signed",
    "sign",
    "sign_and_record",
    "sign_and_record_as",
    "signature_checker",
    "signature_status",
    "signed_bytes",
    "verify_signature",
]

VALID = "valid"
WITHIN = "within"
"""The verdict whose clinical design confirmation approves the design (no re-verification was needed)."""
SUPERSEDED = "superseded"

_named_hashes = named_hashes
_evidence_hashes = evidence_hashes


def _check_artifacts(store: Store, case: CaseState, check: Event, reverification: Event | None) -> None:
    """Refuse when an input, result or evidence file held in the store no longer matches its SHA-256."""
    named = [(f"input {name}", sha) for name, sha in case.inputs.items() if is_sha256(sha)]
    named += [(f"check {where}", sha) for where, sha in _named_hashes(check.payload)]
    named += [("re-verification evidence", sha) for sha in _evidence_hashes(reverification)]
    own_files = set(read(check, CheckRun).artifacts.values())
    if reverification is not None:
        own_files.update(_evidence_hashes(reverification))
    for label, sha in named:
        if store.artifact_info(sha) is None:
            if sha in own_files and check.site_id == store.site_id:
                raise InputChangedError(
                    f"{label} ({sha[:12]}...) of case {case.code} was stored by the check but its record is gone "
                    "from this store; run dvw audit verify"
                )
            continue  # named by hash only (e.g. an envelope file kept elsewhere): nothing here to re-read
        try:
            store.artifact_path(sha)
        except (ArtifactChangedError, ArtifactMissingError) as exc:
            raise InputChangedError(
                f"{label} ({sha[:12]}...) of case {case.code} changed since the check: {exc.message}", path=exc.path
            ) from None


def _refuse_unsignable(store: Store, case: CaseState, meaning: str, manifest_id: str) -> tuple[Event, Event | None]:
    """The check and re-verification a signature on ``case`` would approve, or the reason it may not be signed."""
    check = case.check
    if check is None:
        if case.verdict is None:
            raise NoCheckError(f"case {case.code}: no envelope check has been run; run the check before signing")
        raise NoCheckError(
            f"case {case.code}: the latest check no longer applies (inputs or design changed; revision "
            f"{case.revision}); run the check again before signing"
        )
    checked = read(check, CheckRun)
    check_manifest = checked.manifest_id
    if not check_manifest:
        raise ManifestNotValidatedError(
            f"case {case.code}: the check (event {check.event_id}) names no software manifest; run the check again"
        )
    if check_manifest != manifest_id:
        raise ManifestNotValidatedError(
            f"case {case.code}: the check was made by software manifest {check_manifest[:12]}..., this installation "
            f"is {manifest_id[:12]}...; run the check again with this software"
        )
    if store.directory().validated(store.site_id, manifest_id) is None:
        raise ManifestNotValidatedError(
            f"software manifest {manifest_id[:12]}... has no passed self-test recorded on this workstation; "
            "run the self-test first (dvw selftest --user USER)"
        )
    reverification = case.reverification
    if checked.needs_reverification:
        verdict = checked.verdict
        if reverification is None:
            raise ReverificationRequiredError(
                f"case {case.code} is {verdict}: record its re-verification (dvw reverify) before signing"
            )
        if read(reverification, ReverificationRecorded).result != "pass":
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
    checked = read(check, CheckRun)
    answer = None if reverification is None else read(reverification, ReverificationRecorded)
    content = SignedContent(
        format=SIGNATURE_FORMAT,
        case_code=case.code,
        revision=case.revision,
        meaning=meaning,
        signed_at=format_time(at),
        signer=SignerFacts(**user.signer_json()),
        public_key_sha256=user.public_key_sha256,
        verdict=checked.verdict,
        envelope_sha256=checked.envelope_ref.sha256,
        manifest_id=manifest_id,
        inputs=dict(sorted(case.inputs.items())),
        check=SignedCheck(
            event_id=check.event_id,
            event_hash=check.hash,
            payload_sha256=hashlib.sha256(check.payload_json.encode("utf-8")).hexdigest(),
            parameters_sha256=checked.parameters_sha256,
            envelope=dict(checked.envelope),
            hashes=dict(_named_hashes(check.payload)),
        ),
        reverification=None
        if reverification is None or answer is None
        else SignedReverification(
            event_id=reverification.event_id,
            event_hash=reverification.hash,
            result=answer.result,
            evidence_sha256=answer.evidence_sha256,
        ),
        case_head_hash=case.events[-1].hash,
        proposal=None
        if case.proposal is None
        else SignedProposal(
            event_id=case.proposal.event_id,
            event_hash=case.proposal.hash,
            proposal_sha256=str(case.proposal.payload.get("proposal_sha256")),
        ),
    )
    signed = dict(msgspec.to_builtins(content))
    if signed.get("proposal") is None:
        signed.pop("proposal", None)  # the content of a case without a proposal is as before proposals existed
    return signed


@dataclass(frozen=True)
class Approval:
    """What approving a design records besides the signature, in the same transaction, or why it records nothing.

    Attributes
    ----------
    item
        The event to append after the signature, or None.
    precondition
        The check to run inside that transaction (raising :class:`ApprovedMeanwhileError` when another writer
        recorded the approval meanwhile), or None.
    existing
        The approval's event recorded before, when it was found already recorded, or None.
    note
        One line saying why nothing is appended (None when ``item`` is given).
    kinds
        The event kinds ``precondition`` reads.
    """

    item: NewEvent | None
    precondition: Precondition | None = None
    existing: Event | None = None
    note: str | None = None
    kinds: tuple[str, ...] = ()


class ApprovalStep(Protocol):
    """Builds the :class:`Approval` of a design approved by ``by`` at ``at`` (e.g. the ``design_approved`` step)."""

    def __call__(self, store: Store, case: CaseState, *, why: str, by: Session, at: datetime) -> Approval:
        """The approval of ``case``'s design, signed for the reason ``why`` by ``by`` at ``at``."""


class ApprovedMeanwhileError(SignatureRefusedError):
    """Another writer recorded the approval between reading the case and appending it; nothing was written."""

    code = "approved_meanwhile"


@dataclass(frozen=True)
class Signed:
    """A recorded signature and the approval recorded with it (see the module docstring).

    Attributes
    ----------
    signature
        The ``signature`` event.
    design_approved
        The approval's event (the ``design_approved`` trace step) appended in the same transaction, or None.
    existing
        The approval's event recorded before, when this confirmation found it already recorded.
    note
        Why no approval was recorded with a confirmation that approves the design (no UDI yet, or already
        recorded); None when it was recorded or when the signature does not approve the design.
    """

    signature: Event
    design_approved: Event | None = None
    existing: Event | None = None
    note: str | None = None

    @property
    def approves_design(self) -> bool:
        """Whether the signature is a clinical design confirmation of a ``within`` check (it approves the design)."""
        return self.design_approved is not None or self.note is not None


def sign(
    store: Store,
    case_code: str,
    user_id: str,
    password: str,
    meaning: str,
    *,
    manifest_id: str,
    home: Path | None = None,
    now: datetime | None = None,
    approval: ApprovalStep | None = None,
) -> Event:
    """Sign a case's current check (see :func:`sign_and_record`); returns the ``signature`` event."""
    return sign_and_record(
        store, case_code, user_id, password, meaning, manifest_id=manifest_id, home=home, now=now, approval=approval
    ).signature


def sign_and_record(
    store: Store,
    case_code: str,
    user_id: str,
    password: str,
    meaning: str,
    *,
    manifest_id: str,
    home: Path | None = None,
    now: datetime | None = None,
    approval: ApprovalStep | None = None,
) -> Signed:
    """Sign a case's current check with the user's Ed25519 key, after every gate holds.

    A clinical design confirmation of a ``within`` check also records what ``approval`` builds (the workstation's:
    the ``design_approved`` trace step when the case's current revision has a UDI) in the same transaction.

    Parameters
    ----------
    store
        The local store.
    case_code
        The case to sign.
    user_id, password
        The signer and the password they re-entered (a signature always asks for it again, even in a session).
    meaning
        What the signature means: a key of :data:`MEANING_ROLES`.
    manifest_id
        This installation's software manifest (``validation.manifest.current_manifest().manifest_id``): the check
        must name it and a passed self-test of it must be recorded on this workstation.
    home
        Unused (kept for callers): the self-test gate is read from the store's log.
    now
        The signing time (timezone-aware); default now in the local zone.
    approval
        What a design's approval records besides the signature (:func:`traceability.signing.sign_and_record`
        passes the ``design_approved`` trace step); None records the signature alone.

    Returns
    -------
    Signed
        The ``signature`` event (payload: signed content, base64 signature, algorithm, key fingerprint), and the
        approval's event recorded with it or why none was.

    Raises
    ------
    SignatureRefusedError
        An unknown meaning.
    CaseNotFoundError
        No such case.
    UnknownUserError, UserDisabledError, WrongPasswordError, AccountLockedError, CredentialsError
        The signer cannot be authenticated.
    RoleNotPermittedError
        The signer's role may not sign this meaning.
    NoCheckError
        No check has been run, or the latest no longer applies (inputs or design changed).
    ManifestNotValidatedError
        The check names no manifest or another one than this installation's, or no passed self-test of this
        installation's manifest is recorded on this workstation.
    ReverificationRequiredError
        The verdict needs re-verification and no passed one is recorded (for ``release``: REQUIREMENTS 4.10.1).
    InputChangedError
        An input, result or evidence artifact held in the store changed (or lost its record) since the check.
    ConflictUnresolvedError
        Two sites changed the case concurrently and no one has resolved it (``dvw site resolve``).
    NotATeamMemberError
        The case has a team and the signer is not on it (:mod:`records.team`).
    DesignInputMissingError
        The case has a team or a design input but lacks the design input or the patient's consent.
    ChangeNotAcknowledgedError
        A clinical design confirmation of a changed design before every team member acknowledged the change.
    """
    del home
    if meaning not in MEANING_ROLES:
        raise SignatureRefusedError(f"unknown meaning {meaning!r}: use one of {', '.join(map(repr, MEANING_ROLES))}")
    at = datetime.now().astimezone() if now is None else now
    format_time(at)  # refuses a naive time before anything is unlocked
    case = store.case(case_code)
    session = sign_in(store, user_id, password)
    return sign_and_record_as(store, case.code, session, meaning, manifest_id=manifest_id, at=at, approval=approval)


def sign_as(
    store: Store,
    case_code: str,
    session: Session,
    meaning: str,
    *,
    manifest_id: str,
    at: datetime | None = None,
    approval: ApprovalStep | None = None,
) -> Event:
    """Sign as an already authenticated ``session`` (see :func:`sign_and_record_as`); returns the signature."""
    return sign_and_record_as(
        store, case_code, session, meaning, manifest_id=manifest_id, at=at, approval=approval
    ).signature


def sign_and_record_as(
    store: Store,
    case_code: str,
    session: Session,
    meaning: str,
    *,
    manifest_id: str,
    at: datetime | None = None,
    approval: ApprovalStep | None = None,
) -> Signed:
    """Sign as an already authenticated ``session`` (the caller made the signer re-enter the password).

    See :func:`sign_and_record` for the gates, errors and ``approval``; ``manifest_id`` is this installation's
    software manifest.
    """
    try:
        return _sign_once(store, case_code, session, meaning, manifest_id=manifest_id, at=at, approval=approval)
    except ApprovedMeanwhileError:
        # Another writer recorded the approval (the device's first trace step) between our read and our write:
        # nothing of ours was written; read the case again (the approval is then found recorded).
        return _sign_once(store, case_code, session, meaning, manifest_id=manifest_id, at=at, approval=approval)


def _sign_once(
    store: Store,
    case_code: str,
    session: Session,
    meaning: str,
    *,
    manifest_id: str,
    at: datetime | None,
    approval: ApprovalStep | None,
) -> Signed:
    if meaning not in MEANING_ROLES:
        raise SignatureRefusedError(f"unknown meaning {meaning!r}: use one of {', '.join(map(repr, MEANING_ROLES))}")
    when = datetime.now().astimezone() if at is None else at
    user = session.user
    if user.role not in MEANING_ROLES[meaning]:
        allowed = ", ".join(sorted(MEANING_ROLES[meaning]))
        raise RoleNotPermittedError(
            f"user {user.user_id!r} has role {user.role}; {meaning!r} may be signed by: {allowed}"
        )
    case = store.case(case_code)
    refuse_non_member(case, user.user_id, "sign it")
    _refuse_conflicting(store, case)
    refuse_missing_input(case, "signed")
    if meaning == CLINICAL_DESIGN_CONFIRMATION:
        pending = pending_acknowledgements(case)
        if pending:
            raise ChangeNotAcknowledgedError(
                f"case {case.code} revision {case.revision}: the design change is not yet acknowledged by "
                f"{', '.join(pending)}; every team member acknowledges it first (dvw change ack {case.code} "
                "--user USER)"
            )
        missing = missing_proposal_items(case) if held_to_interaction(case) else []
        if missing:
            raise ProposalIncompleteError(
                f"case {case.code} revision {case.revision} cannot be confirmed: the design proposal lacks "
                f"{'; '.join(missing)}"
            )
    check, reverification = _refuse_unsignable(store, case, meaning, manifest_id)
    _check_artifacts(store, case, check, reverification)
    # The store writes a sync_received marker first when it holds other sites' events its last marker lacks; the
    # case head is then the case's last event held, which the audit finds among the events the signer held.
    content = _signed_content(
        case, check=check, reverification=reverification, user=user, meaning=meaning, at=when, manifest_id=manifest_id
    )
    payload = {
        "content": content,
        "signature": base64.b64encode(session.sign_bytes(signed_bytes(content))).decode("ascii"),
        "algorithm": ALGORITHM,
        "public_key_sha256": user.public_key_sha256,
    }
    signature = NewEvent(SIGNATURE, case.code, payload, session, when)
    if approval is None or meaning != CLINICAL_DESIGN_CONFIRMATION or read(check, CheckRun).verdict != WITHIN:
        return Signed(store.append_many([signature])[-1])
    approved = approval(store, case, why=f"{meaning} signed", by=session, at=when)
    if approved.item is None:
        return Signed(store.append_many([signature])[-1], existing=approved.existing, note=approved.note)
    *_, signed, recorded = store.append_many(
        [signature, approved.item], precondition=approved.precondition, precondition_kinds=approved.kinds
    )
    return Signed(signed, design_approved=recorded)


def verify_signature(event: Event, users: Mapping[str, User]) -> str | None:
    """Check one ``signature`` event on its own (Ed25519, signer facts, role) against the signing site's users.

    Parameters
    ----------
    event
        A ``signature`` event.
    users
        The users of the site that wrote the event (user id -> :class:`User`), as its chain defines them.

    Returns
    -------
    str or None
        A one-line description of the first problem found, or None when the signature holds. What the signature
        approves is compared with the log by :func:`records.trust.verify_log` (the audit).
    """
    return check_signature(event, users.get(str(event.actor)))


def signature_checker(store: Store) -> SignatureChecker:
    """A checker of one signature event against the whole store's log (see :func:`records.trust.verify_log`)."""
    return events_signature_checker(store.events(), store.site_id)


def events_signature_checker(events: Sequence[Event], own_site: str | None = None) -> SignatureChecker:
    """A checker that judges each signature event as :func:`records.trust.verify_log` does over ``events``.

    Problems other than the signature's own (``signature``, ``signature_log``) are the audit's to report.
    """
    report = verify_log(events, own_site, trusted={event.site_id for event in events} if own_site is None else ())
    found: dict[str, str] = {}
    for problem in report.problems:
        if problem.code in ("signature", "signature_log"):
            found.setdefault(problem.event.event_id, problem.message)

    def check(event: Event) -> str | None:
        return found.get(event.event_id)

    return check


def signature_status(case: CaseState) -> list[tuple[Event, str]]:
    """Every signature of a case with its status: ``valid``, or ``superseded`` by a later check or change.

    A signature is superseded when the case's log superseded it (a later check, input change or design change) or
    when it was made on an earlier revision than the case's current one.
    """
    statuses: list[tuple[Event, str]] = []
    for event in case.signatures:
        signed = read_or_none(event, Signature)
        revision = None if signed is None else signed.content.revision
        old = event.event_id in case.superseded or revision != case.revision
        statuses.append((event, SUPERSEDED if old else VALID))
    return statuses
