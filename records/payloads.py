"""Typed event payloads: one frozen class per event kind, one codec (msgspec), validated on read.

An event's payload is stored and hashed as canonical JSON (:mod:`records.events`); code reads it through the class
of its kind instead of dictionary look-ups, so a wrong type or a missing field is found in one place, on read
(:func:`read`), and a new event kind is one class here. Writers build the class and store :func:`to_payload` of it.

Unknown fields are ignored on read (a newer DVW may add fields; the hash still covers them). Reading never
coerces: a number where text belongs is refused (:class:`~records.errors.InvalidEventError`).

Classes whose payload is a plain mapping (``inputs_added``: input name -> SHA-256; ``note``: free text fields) wrap
it in one field (:data:`_WHOLE`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import msgspec

from records.errors import InvalidEventError
from records.events import Event


class Payload(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every typed payload; ``KIND`` is the event kind it belongs to."""

    KIND: ClassVar[str] = ""


# ---------------------------------------------------------------------------------------------------- cases


class CaseCreated(Payload, frozen=True, kw_only=True, omit_defaults=True):
    """``case_created``: what created the case (``dvw run``, ``gui``; absent for ``dvw case new``)."""

    KIND: ClassVar[str] = "case_created"
    source: str | None = None


class InputsAdded(Payload, frozen=True, kw_only=True):
    """``inputs_added``: the payload is a mapping input name -> SHA-256 (held here in :attr:`inputs`)."""

    KIND: ClassVar[str] = "inputs_added"
    inputs: dict[str, str]


class EnvelopeRef(msgspec.Struct, frozen=True, kw_only=True):
    """The envelope a check used: id, version, SHA-256 of its file, device family (more fields may follow)."""

    id: str | None = None
    version: str | None = None
    sha256: str | None = None
    family: str | None = None


class CheckRun(Payload, frozen=True, kw_only=True):
    """``check_run``: the check's JSON (``validation.check.CheckResult.to_json()``) with its inputs and files."""

    KIND: ClassVar[str] = "check_run"
    verdict: str | None = None
    requires_reverification: bool | None = None
    envelope: dict[str, Any] = msgspec.field(default_factory=dict)
    parameters_sha256: str | None = None
    manifest_id: str | None = None
    results: list[dict[str, Any]] = msgspec.field(default_factory=list)
    constraints: list[dict[str, Any]] = msgspec.field(default_factory=list)
    inputs: dict[str, str] = msgspec.field(default_factory=dict)
    artifacts: dict[str, str] = msgspec.field(default_factory=dict)
    file_names: dict[str, str] = msgspec.field(default_factory=dict)

    @property
    def needs_reverification(self) -> bool:
        """Whether the result needs re-verification: its flag when given, else any verdict but ``within``."""
        if self.requires_reverification is not None:
            return self.requires_reverification
        return self.verdict != "within"

    @property
    def envelope_ref(self) -> EnvelopeRef:
        """The envelope's id, version, SHA-256 and family (fields absent in the payload are None)."""
        known = {key: self.envelope.get(key) for key in ("id", "version", "sha256", "family")}
        return EnvelopeRef(**{key: value if isinstance(value, str) else None for key, value in known.items()})


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    """A re-verification's evidence file: its name and SHA-256."""

    file: str
    sha256: str


class SignerFacts(msgspec.Struct, frozen=True, kw_only=True):
    """Who signs or records, as printed: user id, printed name, role, qualification."""

    user_id: str
    printed_name: str
    role: str
    qualification: str | None = None


class ReverificationRecorded(Payload, frozen=True, kw_only=True):
    """``reverification_recorded``: how an out-of-envelope or indeterminate check was re-verified."""

    KIND: ClassVar[str] = "reverification_recorded"
    result: str
    method: str
    justification: str
    evidence: list[Evidence] = msgspec.field(default_factory=list)
    check_event_id: str
    check_hash: str
    verdict: str | None = None
    revision: int
    recorded_by: SignerFacts

    @property
    def evidence_sha256(self) -> list[str]:
        """The SHA-256 of every evidence file, in order."""
        return [item.sha256 for item in self.evidence]


class DesignChanged(Payload, frozen=True, kw_only=True):
    """``design_changed``: a new revision, with its reason and (when recorded with a check) its inputs.

    ``dvw change`` also records the previous revision's design (``previous_design``, SHA-256) and the comparison of
    the new design with it (``comparison``: ``change.*`` parameter name -> value, units in the names' suffixes).
    """

    KIND: ClassVar[str] = "design_changed"
    reason: str | None = None
    inputs: dict[str, str] = msgspec.field(default_factory=dict)
    previous_design: str | None = None
    comparison: dict[str, Any] | None = None
    design_file: str | None = None


class TeamMemberAdded(Payload, frozen=True, kw_only=True):
    """``team_member_added``: a user joins the case's team with a role on the case (see :mod:`records.team`)."""

    KIND: ClassVar[str] = "team_member_added"
    user_id: str
    role: str


class TeamMemberRemoved(Payload, frozen=True, kw_only=True):
    """``team_member_removed``: a user leaves the case's team."""

    KIND: ClassVar[str] = "team_member_removed"
    user_id: str


class Consent(msgspec.Struct, frozen=True, kw_only=True):
    """Informed consent (REQUIREMENTS 4.4.3): given or not, its date, the SHA-256 of the document (kept on site)."""

    given: bool
    date: str | None = None
    document_sha256: str | None = None


class DesignInputRecorded(Payload, frozen=True, kw_only=True):
    """``design_input_recorded``: the clinician's design input (4.5.1.1) by the SHA-256 of its canonical JSON.

    The fields the workflow needs travel in the event (deadline, consent, the requirements' text); the whole
    document is the stored artifact ``input_sha256``. Patient identity is never among them.
    """

    KIND: ClassVar[str] = "design_input_recorded"
    format: str
    input_sha256: str
    deadline: str
    consent: Consent
    fields: dict[str, Any] = msgspec.field(default_factory=dict)
    attachments: dict[str, str] = msgspec.field(default_factory=dict)


class ChangeAcknowledged(Payload, frozen=True, kw_only=True):
    """``change_acknowledged``: a team member acknowledges the design change that made ``revision``."""

    KIND: ClassVar[str] = "change_acknowledged"
    revision: int
    change_event_id: str
    change_hash: str


class ProposalIssued(Payload, frozen=True, kw_only=True):
    """``proposal_issued``: the design proposal of a revision's current check (REQUIREMENTS 4.5.3.1).

    Named by the SHA-256 of its structured record and of its PDF; ``renderings`` view -> PNG SHA-256; ``items``
    the 4.5.3.1 b items it holds.
    """

    KIND: ClassVar[str] = "proposal_issued"
    format: str
    proposal_sha256: str
    pdf_sha256: str
    revision: int
    check_event_id: str
    check_hash: str
    renderings: dict[str, str] = msgspec.field(default_factory=dict)
    items: list[str] = msgspec.field(default_factory=list)


class ConflictResolved(Payload, frozen=True, kw_only=True):
    """``conflict_resolved``: which site's revision a person kept, why, and the events it resolves."""

    KIND: ClassVar[str] = "conflict_resolved"
    kept_site: str
    reason: str
    resolves: list[str]


class Note(Payload, frozen=True, kw_only=True):
    """``note``: free fields (the payload is kept whole in :attr:`fields`)."""

    KIND: ClassVar[str] = "note"
    fields: dict[str, Any]


# ---------------------------------------------------------------------------------------------------- signatures


class SignedCheck(msgspec.Struct, frozen=True, kw_only=True):
    """The check a signature approves, as the signed content names it."""

    event_id: str
    event_hash: str
    payload_sha256: str
    parameters_sha256: str | None = None
    envelope: dict[str, Any] = msgspec.field(default_factory=dict)
    hashes: dict[str, str] = msgspec.field(default_factory=dict)


class SignedReverification(msgspec.Struct, frozen=True, kw_only=True):
    """The re-verification a signature approves."""

    event_id: str
    event_hash: str
    result: str | None = None
    evidence_sha256: list[str] = msgspec.field(default_factory=list)


class SignedProposal(msgspec.Struct, frozen=True, kw_only=True):
    """The design proposal a signature approves: its event and the SHA-256 of its structured record."""

    event_id: str
    event_hash: str
    proposal_sha256: str


class SignedContent(msgspec.Struct, frozen=True, kw_only=True):
    """The content a signature covers (see :mod:`records.signatures`)."""

    format: str
    case_code: str
    revision: int
    meaning: str
    signed_at: str
    signer: SignerFacts
    public_key_sha256: str
    verdict: str | None = None
    envelope_sha256: str | None = None
    manifest_id: str
    inputs: dict[str, str]
    check: SignedCheck
    reverification: SignedReverification | None = None
    case_head_hash: str
    proposal: SignedProposal | None = None


class Signature(Payload, frozen=True, kw_only=True):
    """``signature``: the signed content, the Ed25519 signature (base64), algorithm and key fingerprint."""

    KIND: ClassVar[str] = "signature"
    content: SignedContent
    signature: str
    algorithm: str
    public_key_sha256: str


# ---------------------------------------------------------------------------------------------------- users and site


class UserAdded(Payload, frozen=True, kw_only=True):
    """``user_added``: a user's public facts and Ed25519 public key."""

    KIND: ClassVar[str] = "user_added"
    user_id: str
    printed_name: str
    role: str
    qualification: str | None = None
    public_key_pem: str
    public_key_sha256: str


class UserDisabled(Payload, frozen=True, kw_only=True):
    """``user_disabled``: the user and the administrator who disabled them."""

    KIND: ClassVar[str] = "user_disabled"
    user_id: str
    by: str | None = None


class UserRoleChanged(Payload, frozen=True, kw_only=True):
    """``user_role_changed``: the user's new role (and the one before)."""

    KIND: ClassVar[str] = "user_role_changed"
    user_id: str
    role: str
    previous_role: str | None = None


class UserUnlocked(Payload, frozen=True, kw_only=True):
    """``user_unlocked``: an administrator lifted the user's lockout."""

    KIND: ClassVar[str] = "user_unlocked"
    user_id: str


class SignInFailed(Payload, frozen=True, kw_only=True):
    """``sign_in_failed``: a wrong password for a user, and when."""

    KIND: ClassVar[str] = "sign_in_failed"
    user_id: str
    at: str | None = None


class SiteTrusted(Payload, frozen=True, kw_only=True):
    """``site_trusted``: another site whose events this store accepts, how, and its name and server if known."""

    KIND: ClassVar[str] = "site_trusted"
    site_id: str
    via: str
    name: str | None = None
    server: str | None = None


class SelftestCase(msgspec.Struct, frozen=True, kw_only=True):
    """One case of a recorded self-test: its id and whether it passed."""

    id: str
    passed: bool


class SelftestRecorded(Payload, frozen=True, kw_only=True):
    """``selftest_recorded``: the validation suite's result for a software manifest, with its files' hashes."""

    KIND: ClassVar[str] = "selftest_recorded"
    manifest_id: str
    passed: bool
    cases: list[SelftestCase] = msgspec.field(default_factory=list)
    seconds: float | None = None
    result_sha256: str | None = None
    report_sha256: str | None = None


class SyncReceived(Payload, frozen=True, kw_only=True, omit_defaults=True):
    """``sync_received``: the head of every other site's chain this site held, and the server they came from."""

    KIND: ClassVar[str] = "sync_received"
    heads: dict[str, str]
    server: str | None = None


class BundleImported(Payload, frozen=True, kw_only=True):
    """``bundle_imported``: who imported which bundle (by SHA-256), from which site, with how many events."""

    KIND: ClassVar[str] = "bundle_imported"
    case_code: str
    bundle_sha256: str
    from_site: str
    exported_by: str
    events: int


# ---------------------------------------------------------------------------------------------------- traceability


class UdiPi(msgspec.Struct, frozen=True, kw_only=True):
    """The production identifier: serial, lot, production and expiry dates (ISO, or None)."""

    serial: str
    lot: str | None = None
    production_date: str | None = None
    expiry_date: str | None = None


class UdiSignatureRef(msgspec.Struct, frozen=True, kw_only=True):
    """A signature a UDI rests on."""

    event_id: str
    event_hash: str
    meaning: str | None = None
    signer: str | None = None


class UdiAssigned(Payload, frozen=True, kw_only=True):
    """``udi_assigned``: the UDI of a case revision and what it rests on (see :mod:`traceability.assignment`)."""

    KIND: ClassVar[str] = "udi_assigned"
    format: str
    revision: int
    issuing_agency: str
    family: dict[str, Any]
    udi_di: str
    packaging: list[dict[str, Any]] = msgspec.field(default_factory=list)
    udi_pi: UdiPi
    element_string: str
    hri: str
    digital_link: str
    epc: str
    check_event_hash: str
    signatures: list[UdiSignatureRef] = msgspec.field(default_factory=list)
    case_head_hash: str
    replaces: str | None = None


class TraceWhat(msgspec.Struct, frozen=True, kw_only=True):
    """What a trace step concerns: the device's UDI."""

    udi_di: str
    serial: str
    hri: str
    epc: str


class TraceWhere(msgspec.Struct, frozen=True, kw_only=True):
    """Where a trace step happened: a location as text and its GLN."""

    location: str
    gln: str | None = None


class TraceWho(msgspec.Struct, frozen=True, kw_only=True):
    """Who recorded a trace step: the site, the user's facts, the party."""

    site_id: str
    user_id: str | None = None
    printed_name: str | None = None
    role: str | None = None
    qualification: str | None = None
    party: str | None = None


class TraceEvent(Payload, frozen=True, kw_only=True):
    """``trace_event``: one critical tracking event of a device (see :mod:`traceability.trace`)."""

    KIND: ClassVar[str] = "trace_event"
    format: str
    step: str
    sequence: int
    revision: int
    udi_event_id: str
    udi_event_hash: str
    what: TraceWhat
    when: str
    where: TraceWhere
    why: str
    who: TraceWho


class InspectionRecorded(Payload, frozen=True, kw_only=True):
    """``inspection_recorded``: a device's final inspection (see :mod:`traceability.inspection`)."""

    KIND: ClassVar[str] = "inspection_recorded"
    format: str
    revision: int
    udi_event_id: str
    serial: str
    result: str
    design_sha256: str
    scan_sha256: str
    scan_kind: str
    scan_points: int
    report_sha256: str
    tolerance_mm: float
    registration: dict[str, Any]
    regions: list[dict[str, Any]]
    inspector: dict[str, Any]
    inspected_at: str
    manifest_id: str
    note: str | None = None


class BuildRecorded(Payload, frozen=True, kw_only=True):
    """``build_recorded``: how a device was built (see :mod:`traceability.build`)."""

    KIND: ClassVar[str] = "build_recorded"
    format: str
    revision: int
    udi_event_id: str
    serial: str
    build: dict[str, Any]
    lots: list[str]
    file_sha256: str


# ---------------------------------------------------------------------------------------------------- the codec

P = TypeVar("P", bound=Payload)

_WHOLE: Mapping[type[Payload], str] = {InputsAdded: "inputs", Note: "fields"}
"""Classes whose event payload is a plain mapping, held whole in this field."""

REGISTRY: Mapping[str, type[Payload]] = {
    cls.KIND: cls
    for cls in (
        CaseCreated,
        InputsAdded,
        CheckRun,
        ReverificationRecorded,
        DesignChanged,
        TeamMemberAdded,
        TeamMemberRemoved,
        DesignInputRecorded,
        ChangeAcknowledged,
        ProposalIssued,
        ConflictResolved,
        Note,
        Signature,
        UserAdded,
        UserDisabled,
        UserRoleChanged,
        UserUnlocked,
        SignInFailed,
        SiteTrusted,
        SelftestRecorded,
        SyncReceived,
        BundleImported,
        UdiAssigned,
        TraceEvent,
        InspectionRecorded,
        BuildRecorded,
    )
}
"""Event kind -> its payload class."""


def decode(payload: Mapping[str, Any], cls: type[P], *, where: str = "payload") -> P:
    """The typed view of a payload mapping.

    Raises
    ------
    InvalidEventError
        When a field is missing or of the wrong type (no coercion).
    """
    source: Any = {_WHOLE[cls]: dict(payload)} if cls in _WHOLE else payload
    try:
        return msgspec.convert(source, cls, strict=True)
    except msgspec.ValidationError as exc:
        raise InvalidEventError(f"{where}: not a valid {cls.KIND} payload: {exc}") from None


def read(event: Event, cls: type[P]) -> P:
    """The typed payload of ``event``, which must be of ``cls``'s kind.

    Raises
    ------
    InvalidEventError
        Another kind, or a payload that does not fit the class.
    """
    if event.kind != cls.KIND:
        raise InvalidEventError(f"event {event.event_id} is a {event.kind} event, not {cls.KIND}")
    return decode(event.payload, cls, where=f"event {event.event_id}")


def read_or_none(event: Event, cls: type[P]) -> P | None:
    """:func:`read`, or None for another kind or a payload that does not fit (for code that only follows the log)."""
    if event.kind != cls.KIND:
        return None
    try:
        return decode(event.payload, cls, where=f"event {event.event_id}")
    except InvalidEventError:
        return None


def to_payload(payload: Payload) -> dict[str, Any]:
    """The JSON object an event stores for ``payload`` (what :meth:`records.store.Store.append` takes)."""
    data = msgspec.to_builtins(payload)
    field = _WHOLE.get(type(payload))
    return dict(data[field]) if field is not None else dict(data)
