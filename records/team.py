"""The case team and the gates of the medical-engineering interaction (REQUIREMENTS 4.1.6, 4.4.3, 4.5.1.1, 4.5.4).

A case's team is the users named by its ``team_member_added`` / ``team_member_removed`` events, each with a role on
the case (:data:`CASE_ROLES`). From the case's first team event on, only members act on it: record its design
input, run its check, record its re-verification or a design change, sign it (:func:`refuse_non_member`). A case
without any team event (one recorded by ``dvw run --case`` or ``dvw demo`` before a team was named) is open to
every user of the site, as before teams existed. When the first team event is written, the user who created the
case joins the team in the same transaction (with the role their user role gives, :data:`DEFAULT_CASE_ROLE`), so
the creator never loses the case.

A case with a team, or with a design input, is checked and signed only when its design input is recorded and the
patient's informed consent is given (:func:`missing_for_work`). A design change (new revision) must be
acknowledged by every member before the clinician confirms it (:func:`pending_acknowledgements`); who made the
change counts as having acknowledged it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from records.cases import SIGNED, CaseState
from records.errors import ChangeRefusedError, DesignInputMissingError, NotATeamMemberError, TeamRefusedError
from records.events import CHANGE_ACKNOWLEDGED, TEAM_MEMBER_ADDED, TEAM_MEMBER_REMOVED, Event, NewEvent
from records.identity import ADMIN, CLINICIAN, ENGINEER, QUALITY
from records.payloads import (
    ChangeAcknowledged,
    DesignChanged,
    DesignInputRecorded,
    TeamMemberAdded,
    TeamMemberRemoved,
    read_or_none,
    to_payload,
)
from records.store import Store
from records.users import Session, load_users

PRESCRIBING_CLINICIAN = "prescribing_clinician"
DESIGN_ENGINEER = "design_engineer"
REVIEWER = "reviewer"
QUALITY_ROLE = "quality"

CASE_ROLES: Mapping[str, frozenset[str]] = {
    PRESCRIBING_CLINICIAN: frozenset({CLINICIAN}),
    DESIGN_ENGINEER: frozenset({ENGINEER}),
    REVIEWER: frozenset({ENGINEER, CLINICIAN, QUALITY, ADMIN}),
    QUALITY_ROLE: frozenset({QUALITY}),
}
"""Each role a member may have on a case, and the user roles that may hold it."""

DEFAULT_CASE_ROLE: Mapping[str, str] = {
    ENGINEER: DESIGN_ENGINEER,
    CLINICIAN: PRESCRIBING_CLINICIAN,
    QUALITY: QUALITY_ROLE,
    ADMIN: REVIEWER,
}
"""The case role a case's creator gets when the first team event is written, by their user role."""

AT_RISK_DAYS = 3
"""A case not yet signed whose deadline is this many days away or fewer is at risk (``case list``)."""


def is_member(case: CaseState, user_id: str | None) -> bool:
    """Whether ``user_id`` may act on ``case``: a member of its team, or anyone while it has no team event."""
    return not case.team_events or (user_id is not None and user_id in case.team)


def refuse_non_member(case: CaseState, user_id: str | None, doing: str) -> None:
    """Refuse a user who is not on the case's team.

    Parameters
    ----------
    case
        The case acted on.
    user_id
        Who acts.
    doing
        What they try, as a verb phrase (``"sign it"``, ``"run its check"``).

    Raises
    ------
    NotATeamMemberError
        The case has a team and ``user_id`` is not on it.
    """
    if is_member(case, user_id):
        return
    members = ", ".join(f"{user} ({role})" for user, role in case.team.items()) or "nobody"
    raise NotATeamMemberError(
        f"{user_id} is not on the team of case {case.code} (members: {members}); only its members may {doing} "
        f"(dvw case team {case.code} --add USER --as ROLE)"
    )


def design_input(case: CaseState) -> DesignInputRecorded | None:
    """The case's latest design input (typed), or None."""
    return None if case.design_input is None else read_or_none(case.design_input, DesignInputRecorded)


def missing_for_work(case: CaseState) -> list[str]:
    """What a case lacks before it may be checked or signed: its design input, the patient's consent.

    Only a case with a team or a design input is held to it (see the module docstring); for others the list is empty.
    """
    recorded = design_input(case)
    if not case.team_events and recorded is None:
        return []
    if recorded is None:
        return [f"the design input (dvw case input {case.code} --file INPUT.toml)"]
    missing = []
    if not recorded.consent.given:
        missing.append("the patient's informed consent (consent.given is false in the design input)")
    elif not recorded.consent.document_sha256:
        missing.append("the signed consent document (consent.document in the design input)")
    return missing


def refuse_missing_input(case: CaseState, doing: str) -> None:
    """Refuse ``doing`` while :func:`missing_for_work` lists anything.

    Raises
    ------
    DesignInputMissingError
        Naming what is missing.
    """
    missing = missing_for_work(case)
    if missing:
        raise DesignInputMissingError(f"case {case.code} cannot be {doing}: it lacks {' and '.join(missing)}")


def refuse_check(case: CaseState, user_id: str | None, design_sha256: str | None) -> None:
    """Refuse to record a check of ``case`` by ``user_id`` of the design ``design_sha256`` when it may not be.

    Raises
    ------
    NotATeamMemberError
        The case has a team and ``user_id`` is not on it.
    DesignInputMissingError
        The case lacks its design input or the patient's consent (:func:`missing_for_work`).
    ChangeRefusedError
        A case with a team checked with another design than its current revision's: the change is recorded with
        its reason first (``dvw change``).
    """
    refuse_non_member(case, user_id, "run its check")
    refuse_missing_input(case, "checked")
    held = case.inputs.get("design")
    if case.team_events and held is not None and design_sha256 is not None and held != design_sha256:
        raise ChangeRefusedError(
            f"case {case.code}: the design checked ({design_sha256[:12]}...) is not revision {case.revision}'s "
            f"({held[:12]}...); record the change with its reason first: dvw change {case.code} --design FILE "
            '--reason "..."'
        )


def held_to_interaction(case: CaseState) -> bool:
    """Whether the interaction's rules hold for the case: it has a team or a design input."""
    return case.team_events or case.design_input is not None


def missing_proposal_items(case: CaseState) -> list[str]:
    """The items of the design proposal (REQUIREMENTS 4.5.3.1 b) the case lacks, in the proposal's order.

    Empty when the clinician may confirm the design: a checked design of the current revision, the surgical
    solution, material, packaging, sterilization and supply of the design input, the envelope check with its
    verdict (and a passed re-verification when it needs one), and the design proposal issued for that check with
    renderings from at least four standard views (``dvw proposal``). A plain function of the case's state, for the
    sign gate and for any checklist.
    """
    from records.payloads import CheckRun, ProposalIssued, ReverificationRecorded  # noqa: PLC0415

    missing: list[str] = []
    if case.check is None or "design" not in case.inputs:
        missing.append("the design (a checked design of the current revision)")
    given = design_input(case)
    texts = {} if given is None else given.fields
    for field_name, label in PROPOSAL_TEXTS:
        value = texts.get(field_name)
        if not isinstance(value, str) or not value.strip():
            missing.append(f"the {label} (design input)")
    if case.check is None:
        missing.append("the envelope check with its verdict")
    else:
        checked = read_or_none(case.check, CheckRun)
        answer = None if case.reverification is None else read_or_none(case.reverification, ReverificationRecorded)
        if checked is None or checked.verdict is None:
            missing.append("the envelope check with its verdict")
        elif checked.needs_reverification and (answer is None or answer.result != "pass"):
            missing.append("a passed re-verification of the check")
    issued = None if case.proposal is None else read_or_none(case.proposal, ProposalIssued)
    if issued is None:
        missing.append(f"the design proposal of the current check (dvw proposal {case.code} --out FILE.pdf)")
    elif len(issued.renderings) < MIN_RENDERINGS:
        missing.append(f"renderings of the design from at least {MIN_RENDERINGS} standard views")
    return missing


PROPOSAL_TEXTS = (
    ("surgical_plan", "surgical solution"),
    ("material", "material"),
    ("packaging", "packaging"),
    ("sterilization", "sterilization"),
    ("supply", "supply method"),
)
"""The design input's fields a proposal must state (4.5.3.1 b), with their names in messages."""

MIN_RENDERINGS = 4
"""A proposal shows the design from at least this many standard views (anterior, lateral, superior, facing)."""


def pending_acknowledgements(case: CaseState) -> list[str]:
    """The members who have not acknowledged the design change that made the current revision (in team order)."""
    if case.change is None:
        return []
    return [user for user in case.team if user not in case.acknowledged]


@dataclass(frozen=True)
class Deadline:
    """The delivery deadline of a case (4.7.13) and how it stands on a given day."""

    deadline: str | None
    days_left: int | None
    late: bool
    at_risk: bool

    def to_json(self) -> dict[str, Any]:
        """``{"deadline", "days_left", "late", "at_risk"}``."""
        return {"deadline": self.deadline, "days_left": self.days_left, "late": self.late, "at_risk": self.at_risk}


def deadline_of(case: CaseState, today: date) -> Deadline:
    """The case's deadline from its design input, and how it stands on ``today``.

    Late: past it and not signed; at risk: not signed and at most :data:`AT_RISK_DAYS` days left.
    """
    recorded = design_input(case)
    if recorded is None:
        return Deadline(None, None, late=False, at_risk=False)
    due = date.fromisoformat(recorded.deadline)
    left = (due - today).days
    open_case = case.state != SIGNED
    return Deadline(
        recorded.deadline, left, late=open_case and left < 0, at_risk=open_case and 0 <= left <= AT_RISK_DAYS
    )


def change_team(
    store: Store,
    code: str,
    by: Session,
    *,
    add: str | None = None,
    role: str | None = None,
    remove: str | None = None,
) -> list[Event]:
    """Add a member with a role, or remove one, recorded by ``by``.

    Who may: an administrator, or a member (while the case has no team: its creator). The first team event also
    adds the case's creator (see the module docstring).

    Parameters
    ----------
    store
        The local store.
    code
        The case.
    by
        The signed-in user changing the team.
    add, role
        The user to add and their role on the case (a key of :data:`CASE_ROLES`).
    remove
        The user to remove (exclusive with ``add``).

    Returns
    -------
    list of Event
        The events recorded (the creator's first, when added with them).

    Raises
    ------
    TeamRefusedError
        Neither or both of add and remove, an unknown or disabled user, a role the user's role may not hold, the
        user already a member or not one, the last member removed, or ``by`` not allowed to change the team.
    CaseNotFoundError
        No such case.
    """
    if (add is None) == (remove is None):
        raise TeamRefusedError("give either --add USER --as ROLE or --remove USER")
    case = store.case(code)
    allowed = case.team if case.team_events else ({case.creator: ""} if case.creator else {})
    if by.user.role != ADMIN and by.user_id not in allowed:
        raise TeamRefusedError(
            f"{by.user_id} may not change the team of case {case.code}: only its members or an administrator may"
        )
    if remove is not None:
        if remove not in case.team:
            raise TeamRefusedError(f"{remove} is not on the team of case {case.code}")
        if len(case.team) == 1:
            raise TeamRefusedError(f"{remove} is the last member of case {case.code}; add another member first")
        return [
            store.append(
                TEAM_MEMBER_REMOVED, case_code=case.code, payload=to_payload(TeamMemberRemoved(user_id=remove)), by=by
            )
        ]
    assert add is not None
    users = load_users(store)
    batch: list[NewEvent] = []
    if not case.team_events and case.creator is not None and case.creator != add:
        creator = users.get(case.creator)
        if creator is not None and creator.enabled:
            joined = TeamMemberAdded(user_id=creator.user_id, role=DEFAULT_CASE_ROLE[creator.role])
            batch.append(NewEvent(TEAM_MEMBER_ADDED, case.code, to_payload(joined), by))
    batch.append(NewEvent(TEAM_MEMBER_ADDED, case.code, to_payload(_new_member(case, users, add, role)), by))
    return store.append_many(batch)


def _new_member(case: CaseState, users: Mapping[str, Any], user_id: str, role: str | None) -> TeamMemberAdded:
    if role is None or role not in CASE_ROLES:
        raise TeamRefusedError(f"a member needs a role on the case (--as): one of {', '.join(CASE_ROLES)}")
    user = users.get(user_id)
    if user is None:
        raise TeamRefusedError(f"no user {user_id!r} on this workstation (dvw user list)")
    if not user.enabled:
        raise TeamRefusedError(f"user {user_id} is disabled")
    if user.role not in CASE_ROLES[role]:
        holders = ", ".join(sorted(CASE_ROLES[role]))
        raise TeamRefusedError(f"{user_id} is a {user.role}; the role {role} is for: {holders}")
    if user_id in case.team:
        raise TeamRefusedError(f"{user_id} is already on the team of case {case.code} as {case.team[user_id]}")
    return TeamMemberAdded(user_id=user_id, role=role)


def acknowledge_change(store: Store, code: str, by: Session) -> Event:
    """Record that ``by``, a member, acknowledges the design change that made the case's current revision.

    Raises
    ------
    ChangeRefusedError
        The current revision was not made by a design change, or ``by`` acknowledged it already.
    NotATeamMemberError
        The case has a team and ``by`` is not on it.
    """
    case = store.case(code)
    refuse_non_member(case, by.user_id, "acknowledge its design change")
    if case.change is None:
        raise ChangeRefusedError(f"case {case.code} revision {case.revision} has no design change to acknowledge")
    if by.user_id in case.acknowledged:
        raise ChangeRefusedError(
            f"{by.user_id} has already acknowledged the change to revision {case.revision} of case {case.code}"
        )
    payload = ChangeAcknowledged(
        revision=case.revision, change_event_id=case.change.event_id, change_hash=case.change.hash
    )
    return store.append(CHANGE_ACKNOWLEDGED, case_code=case.code, payload=to_payload(payload), by=by)


def revisions(case: CaseState) -> list[dict[str, Any]]:
    """The case's revision history (``dvw case show``).

    Revision 1, then each design change with its reason, figures, who made it and who acknowledged it.
    """
    history: list[dict[str, Any]] = [{"revision": 1, "created_at": case.events[0].created_at, "by": case.creator}]
    acks: dict[str, list[dict[str, str | None]]] = {}
    for event in case.events:
        acked = read_or_none(event, ChangeAcknowledged)
        if acked is not None:
            acks.setdefault(acked.change_hash, []).append({"user": event.actor, "at": event.created_at})
    for event in case.events:
        changed = read_or_none(event, DesignChanged)
        if changed is None:
            continue
        history.append(
            {
                "revision": len(history) + 1,
                "created_at": event.created_at,
                "by": event.actor,
                "reason": changed.reason,
                "design": changed.inputs.get("design"),
                "previous_design": changed.previous_design,
                "comparison": changed.comparison,
                "acknowledged": acks.get(event.hash, []),
            }
        )
    return history
