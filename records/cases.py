"""Case state, derived from the event log (the log is the only source of truth; nothing here is stored).

The state machine, applied to a case's events in log order::

    case_created ──> open ──check_run(within)──────────────────> checked ──signature──> signed
                      │                                                                  ^
                      └──check_run(out_of_envelope | indeterminate)──> needs_reverification
                                                                          │
                              reverification_recorded(result "pass") ──> reverified ──signature──┘
                              reverification_recorded(result "fail") ──> reverification_failed

    from any state:  check_run            -> checked | needs_reverification (by its verdict; a new check
                                             supersedes the signatures made before it)
                     inputs_added         -> open when a check had been run (the check is stale and the
                                             signatures are superseded); no change before the first check
                     design_changed       -> revision + 1, open, every earlier signature superseded
                     signature            -> signed
                     note (and any other kind) -> no change

The medical-engineering interaction (:mod:`records.team`) follows the log too, without changing the state:
``team_member_added``/``team_member_removed`` give :attr:`CaseState.team`, the latest ``design_input_recorded``
is :attr:`CaseState.design_input`, the ``design_changed`` event that made the current revision is
:attr:`CaseState.change`, and the ``change_acknowledged`` events for it give :attr:`CaseState.acknowledged`.

A check "needs re-verification" when its payload says ``requires_reverification`` or, failing that, when its
verdict is not ``within``. A ``reverification_recorded`` event only counts while the case needs it. Whether a
signature was *allowed* is decided by whoever records it (``dvw sign``); this module only follows the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from records.errors import CaseNotFoundError
from records.events import (
    CASE_CREATED,
    CHANGE_ACKNOWLEDGED,
    CHECK_RUN,
    DESIGN_CHANGED,
    DESIGN_INPUT_RECORDED,
    INPUTS_ADDED,
    PROPOSAL_ISSUED,
    REVERIFICATION_RECORDED,
    SIGNATURE,
    TEAM_MEMBER_ADDED,
    TEAM_MEMBER_REMOVED,
    Event,
)
from records.payloads import (
    ChangeAcknowledged,
    CheckRun,
    DesignChanged,
    DesignInputRecorded,
    InputsAdded,
    ProposalIssued,
    ReverificationRecorded,
    TeamMemberAdded,
    TeamMemberRemoved,
    read_or_none,
)

OPEN = "open"
CHECKED = "checked"
NEEDS_REVERIFICATION = "needs_reverification"
REVERIFIED = "reverified"
REVERIFICATION_FAILED = "reverification_failed"
SIGNED = "signed"
STATES = (OPEN, CHECKED, NEEDS_REVERIFICATION, REVERIFIED, REVERIFICATION_FAILED, SIGNED)


@dataclass(frozen=True)
class CaseState:
    """The current state of one case, derived from its events.

    Attributes
    ----------
    code
        The case code.
    revision
        1 for the first design; each ``design_changed`` event adds 1.
    state
        One of :data:`STATES` (see the module docstring).
    verdict
        The ``verdict`` of the latest ``check_run`` event (``within``, ``out_of_envelope``, ``indeterminate``),
        None before the first check. It may belong to an earlier revision or inputs: see :attr:`check`.
    check
        The latest ``check_run`` event still valid for the current revision and inputs, or None.
    reverification
        The ``reverification_recorded`` event that answers :attr:`check`, or None.
    inputs
        Input name -> SHA-256, from ``inputs_added`` events (and ``inputs`` of ``design_changed`` events).
    events
        Every event of the case, in log order.
    signatures
        Every ``signature`` event of the case, in log order.
    superseded
        Event ids of the signatures superseded by a later check, input change or design change.
    owner_site
        The site that created the case (a case code belongs to it; another site's ``case_created`` for the same
        code changes nothing here and shows as a conflict).
    creator
        The user who created the case (the ``case_created`` event's actor).
    team
        User id -> role on the case (``prescribing_clinician``, ``design_engineer``, ``reviewer``, ``quality``),
        in the order they joined; empty while the case has no team (see :mod:`records.team`).
    team_events
        Whether any team event was recorded (a case with a team is acted on by its members only).
    design_input
        The latest ``design_input_recorded`` event, or None.
    change
        The ``design_changed`` event that made the current revision, or None on revision 1.
    acknowledged
        The users who acknowledged :attr:`change` (``change_acknowledged`` events naming it).
    proposal
        The latest ``proposal_issued`` event made for :attr:`check` (None when none, or after a new check or change).
    """

    code: str
    revision: int
    state: str
    verdict: str | None
    check: Event | None
    reverification: Event | None
    inputs: Mapping[str, str]
    events: tuple[Event, ...]
    signatures: tuple[Event, ...]
    superseded: frozenset[str] = field(default_factory=frozenset)
    owner_site: str = ""
    creator: str | None = None
    team: Mapping[str, str] = field(default_factory=dict)
    team_events: bool = False
    design_input: Event | None = None
    change: Event | None = None
    acknowledged: frozenset[str] = field(default_factory=frozenset)
    proposal: Event | None = None

    @property
    def current_signatures(self) -> tuple[Event, ...]:
        """The signatures not superseded."""
        return tuple(s for s in self.signatures if s.event_id not in self.superseded)

    def summary_json(self) -> dict[str, Any]:
        """``{"code", "revision", "state", "verdict"}`` (an item of ``dvw case list --json``)."""
        return {"code": self.code, "revision": self.revision, "state": self.state, "verdict": self.verdict}

    def to_json(self) -> dict[str, Any]:
        """The ``dvw case show --json`` object: the summary plus ``inputs``, ``events`` and ``signatures``."""
        return {
            **self.summary_json(),
            "inputs": dict(self.inputs),
            "events": [event.to_json() for event in self.events],
            "signatures": [
                {**event.to_json(), "superseded": event.event_id in self.superseded} for event in self.signatures
            ],
        }


def needs_reverification(check: Event) -> bool:
    """Whether a ``check_run`` event's result needs re-verification before sign-off.

    Its payload's ``requires_reverification`` decides when it is a boolean; otherwise any verdict but ``within``.
    """
    return _needs_reverification(check)


def _needs_reverification(check: Event) -> bool:
    typed = read_or_none(check, CheckRun)
    return True if typed is None else typed.needs_reverification


def case_state(events: Iterable[Event]) -> CaseState:
    """Derive one case's state from its events (in log order).

    Parameters
    ----------
    events
        The case's events, oldest first; the first must be its ``case_created`` event.

    Returns
    -------
    CaseState
        The state after applying every event (see the module docstring for the rules).

    Raises
    ------
    CaseNotFoundError
        When there are no events or no ``case_created`` event comes first.
    """
    ordered = tuple(events)
    if not ordered or ordered[0].kind != CASE_CREATED:
        code = ordered[0].case_code if ordered else None
        raise CaseNotFoundError(f"no case {code!r}: its log has no case_created event first")
    code = ordered[0].case_code
    assert code is not None  # a case_created event always names its case
    walk = _Walk()
    for event in ordered[1:]:
        apply = _APPLY.get(event.kind)
        if apply is not None:
            apply(walk, event)
    return CaseState(
        code=code,
        revision=walk.revision,
        state=walk.state,
        verdict=walk.verdict,
        check=walk.check,
        reverification=walk.reverification,
        inputs=walk.inputs,
        events=ordered,
        signatures=tuple(walk.signatures),
        superseded=frozenset(walk.superseded),
        owner_site=ordered[0].site_id,
        creator=ordered[0].actor,
        team=dict(walk.team),
        team_events=walk.team_events,
        design_input=walk.design_input,
        change=walk.change,
        acknowledged=frozenset(walk.acknowledged),
        proposal=walk.proposal if walk.check is not None else None,
    )


@dataclass
class _Walk:
    """The state being derived while :func:`case_state` walks a case's events."""

    revision: int = 1
    state: str = OPEN
    verdict: str | None = None
    check: Event | None = None
    reverification: Event | None = None
    inputs: dict[str, str] = field(default_factory=dict)
    signatures: list[Event] = field(default_factory=list)
    superseded: set[str] = field(default_factory=set)
    team: dict[str, str] = field(default_factory=dict)
    team_events: bool = False
    design_input: Event | None = None
    change: Event | None = None
    acknowledged: set[str] = field(default_factory=set)
    proposal: Event | None = None

    def reopen(self) -> None:
        """No current check any more; every signature so far is superseded."""
        self.check, self.reverification, self.state, self.proposal = None, None, OPEN, None
        self.superseded.update(s.event_id for s in self.signatures)


# A payload that does not fit its kind (a hand edit: the audit reports it) changes nothing here.


def _on_inputs(walk: _Walk, event: Event) -> None:
    added = read_or_none(event, InputsAdded)
    if added is None:
        return
    walk.inputs.update(added.inputs)
    if walk.check is not None or walk.signatures:
        walk.reopen()


def _on_check(walk: _Walk, event: Event) -> None:
    checked = read_or_none(event, CheckRun)
    if checked is None:
        return
    walk.superseded.update(s.event_id for s in walk.signatures)
    walk.verdict = checked.verdict
    walk.check, walk.reverification, walk.proposal = event, None, None
    walk.state = NEEDS_REVERIFICATION if checked.needs_reverification else CHECKED


def _on_reverification(walk: _Walk, event: Event) -> None:
    answered = read_or_none(event, ReverificationRecorded)
    if answered is None:
        return
    if walk.state in (NEEDS_REVERIFICATION, REVERIFIED, REVERIFICATION_FAILED) and walk.check is not None:
        walk.reverification = event
        walk.state = REVERIFIED if answered.result == "pass" else REVERIFICATION_FAILED


def _on_design_changed(walk: _Walk, event: Event) -> None:
    changed = read_or_none(event, DesignChanged)
    if changed is None:
        return
    walk.revision += 1
    walk.inputs.update(changed.inputs)
    walk.change = event
    walk.acknowledged = set() if event.actor is None else {event.actor}  # who made the change knows of it
    walk.reopen()


def _on_team_added(walk: _Walk, event: Event) -> None:
    added = read_or_none(event, TeamMemberAdded)
    if added is not None:
        walk.team_events = True
        walk.team.pop(added.user_id, None)
        walk.team[added.user_id] = added.role


def _on_team_removed(walk: _Walk, event: Event) -> None:
    removed = read_or_none(event, TeamMemberRemoved)
    if removed is not None:
        walk.team_events = True
        walk.team.pop(removed.user_id, None)


def _on_design_input(walk: _Walk, event: Event) -> None:
    if read_or_none(event, DesignInputRecorded) is not None:
        walk.design_input = event


def _on_proposal(walk: _Walk, event: Event) -> None:
    issued = read_or_none(event, ProposalIssued)
    if issued is not None and walk.check is not None and issued.check_hash == walk.check.hash:
        walk.proposal = event


def _on_acknowledged(walk: _Walk, event: Event) -> None:
    acked = read_or_none(event, ChangeAcknowledged)
    if acked is not None and walk.change is not None and acked.change_hash == walk.change.hash and event.actor:
        walk.acknowledged.add(event.actor)


def _on_signature(walk: _Walk, event: Event) -> None:
    walk.signatures.append(event)
    walk.state = SIGNED


_APPLY: Mapping[str, Callable[[_Walk, Event], None]] = {
    INPUTS_ADDED: _on_inputs,
    CHECK_RUN: _on_check,
    REVERIFICATION_RECORDED: _on_reverification,
    DESIGN_CHANGED: _on_design_changed,
    SIGNATURE: _on_signature,
    TEAM_MEMBER_ADDED: _on_team_added,
    TEAM_MEMBER_REMOVED: _on_team_removed,
    DESIGN_INPUT_RECORDED: _on_design_input,
    CHANGE_ACKNOWLEDGED: _on_acknowledged,
    PROPOSAL_ISSUED: _on_proposal,
}
"""How each kind changes a case (see the module docstring); other kinds change nothing."""


def case_states(events: Iterable[Event]) -> list[CaseState]:
    """Every case's state from a log holding many cases (site-level events are skipped), ordered by creation."""
    by_case: dict[str, list[Event]] = {}
    for event in events:
        if event.case_code is not None:
            by_case.setdefault(event.case_code, []).append(event)
    return [case_state(group) for group in by_case.values() if group[0].kind == CASE_CREATED]
