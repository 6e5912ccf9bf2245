"""The sign-off checklist: what must hold before a case may be signed, and what fixes each unmet item (no Qt).

The window shows it before it asks for a password; ``dvw`` may print it. Each item says *what* must hold, whether it
is *met*, *why* (one English line, for the command line and the logs; the window words it by the item's ``reason``)
and the window *action* that fixes it (:data:`ACTIONS`). The records still refuse a signature on their own
(:func:`records.signatures.sign_and_record`): the checklist explains those refusals beforehand, it never replaces
them.

Reading the store (:func:`read_signoff_facts`) is separate from judging (:func:`signoff_checklist`), so the window
reads once in a worker and judges again at once when the meaning or the signer is changed in the dialog. To add an
item: give :class:`SignoffFacts` the fact it needs (read in :func:`read_signoff_facts`) and append a rule to
:data:`RULES`; nothing else changes (the window lists the items it is given, with their English text when it has no
translation of their ``reason``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from base.progress import CancelToken, ProgressCallback, checkpoint, report

#: The window's actions that fix an unmet item.
RUN_CHECK = "run_check"
RUN_SELFTEST = "run_selftest"
RECORD_REVERIFICATION = "record_reverification"
CHOOSE_SIGNER = "choose_signer"
ACTIONS = (RUN_CHECK, RUN_SELFTEST, RECORD_REVERIFICATION, CHOOSE_SIGNER)


@dataclass(frozen=True)
class SignoffFacts:
    """What the store says about signing one case with this software (read by :func:`read_signoff_facts`).

    Attributes
    ----------
    code, revision
        The case and its current revision.
    verdict
        The verdict of the latest check (None before the first check).
    check_applies
        Whether the latest check applies to the current revision (False when none was run or inputs changed).
    check_manifest
        The software manifest that made the applying check ("" when there is none or it names none).
    manifest_id
        This installation's software manifest.
    selftest_passed
        Whether a passed self-test of ``manifest_id`` is recorded on this workstation's site.
    needs_reverification
        Whether the applying check is out of the envelope or indeterminate.
    reverification_result
        ``pass`` or ``fail`` of the latest re-verification of the current check, or None when none is recorded.
    conflict_sites
        The sites (short ids) whose concurrent changes of the case nobody has resolved yet; empty when none.
    held_to_interaction
        Whether the case has a team or a design input (REQUIREMENTS 4.1.6, 4.5.1.1): then the clinician confirms
        only a complete design proposal, after every member acknowledged the last design change.
    proposal_missing
        The design proposal's items (4.5.3.1 b) the case lacks (:func:`records.team.missing_proposal_items`).
    acknowledgements_pending
        The team members who have not acknowledged the last design change yet (4.5.4).
    """

    code: str
    revision: int
    verdict: str | None
    check_applies: bool
    check_manifest: str
    manifest_id: str
    selftest_passed: bool
    needs_reverification: bool
    reverification_result: str | None
    conflict_sites: tuple[str, ...] = ()
    held_to_interaction: bool = False
    proposal_missing: tuple[str, ...] = ()
    acknowledgements_pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignoffItem:
    """One line of the checklist.

    Attributes
    ----------
    key
        The item's machine name (``check``, ``selftest``, ``reverification``, ``role``, ``conflict``, ...).
    what
        What must hold, in English.
    met
        Whether it holds now.
    why
        One English line: why it holds or not.
    reason
        A machine code of ``why`` (e.g. ``no_check``, ``other_software``), by which the window words it.
    action
        The window action that fixes an unmet item (one of :data:`ACTIONS`), or None (met, or nothing in the
        window fixes it).
    detail
        Data named in ``why`` (a verdict, site ids, roles), shown as is.
    """

    key: str
    what: str
    met: bool
    why: str
    reason: str
    action: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class SignoffRequest:
    """Who would sign with which meaning (the signer's role; None when nobody is chosen)."""

    meaning: str
    signer_role: str | None


def _check_item(facts: SignoffFacts, _request: SignoffRequest) -> SignoffItem:
    what = "A current check made by this software"
    if facts.verdict is None:
        return SignoffItem("check", what, False, "no check has been run", "no_check", RUN_CHECK)
    if not facts.check_applies:
        why = f"the inputs or the design changed since the last check (revision {facts.revision})"
        return SignoffItem("check", what, False, why, "stale_check", RUN_CHECK, str(facts.revision))
    if facts.check_manifest != facts.manifest_id:
        why = "the check was made by other software than this installation"
        return SignoffItem("check", what, False, why, "other_software", RUN_CHECK, facts.check_manifest[:12])
    return SignoffItem("check", what, True, f"checked: {facts.verdict}", "checked", None, facts.verdict)


def _selftest_item(facts: SignoffFacts, _request: SignoffRequest) -> SignoffItem:
    what = "Self-test passed on this software"
    if facts.selftest_passed:
        return SignoffItem("selftest", what, True, "a passed self-test is recorded", "selftest_passed")
    why = "no passed self-test of this software is recorded on this workstation"
    return SignoffItem("selftest", what, False, why, "no_selftest", RUN_SELFTEST, facts.manifest_id[:12])


def _reverification_item(facts: SignoffFacts, _request: SignoffRequest) -> SignoffItem:
    what = "Re-verification recorded when needed"
    if not facts.check_applies or not facts.needs_reverification:
        return SignoffItem("reverification", what, True, "not needed: the check is within the envelope", "not_needed")
    if facts.reverification_result is None:
        why = f"the check is {facts.verdict}: its re-verification must be recorded"
        return SignoffItem(
            "reverification", what, False, why, "reverification_missing", RECORD_REVERIFICATION, facts.verdict or ""
        )
    if facts.reverification_result != "pass":
        why = "the re-verification failed: change the design and check again"
        return SignoffItem("reverification", what, False, why, "reverification_failed", RUN_CHECK)
    return SignoffItem("reverification", what, True, "a passed re-verification is recorded", "reverified")


def _role_item(_facts: SignoffFacts, request: SignoffRequest) -> SignoffItem:
    from records.trust import MEANING_ROLES  # noqa: PLC0415 - the records load only when a checklist is made

    what = "The signer's role may sign this meaning"
    allowed = ", ".join(sorted(MEANING_ROLES.get(request.meaning, frozenset())))
    if request.signer_role is None:
        why = f"nobody is chosen who may sign {request.meaning!r} (roles: {allowed})"
        return SignoffItem("role", what, False, why, "no_signer", CHOOSE_SIGNER, allowed)
    if request.signer_role not in MEANING_ROLES.get(request.meaning, frozenset()):
        why = f"{request.signer_role} may not sign {request.meaning!r} (roles: {allowed})"
        return SignoffItem("role", what, False, why, "role_not_allowed", CHOOSE_SIGNER, allowed)
    return SignoffItem("role", what, True, f"{request.signer_role} may sign {request.meaning!r}", "role_allowed")


def _conflict_item(facts: SignoffFacts, _request: SignoffRequest) -> SignoffItem:
    what = "No unresolved conflict between sites"
    if not facts.conflict_sites:
        return SignoffItem("conflict", what, True, "no concurrent changes from other sites", "no_conflict")
    sites = ", ".join(facts.conflict_sites)
    why = f"sites {sites} changed the case concurrently (offline); a person must choose which revision to keep"
    return SignoffItem("conflict", what, False, why, "conflict", None, sites)


def _confirms_design(facts: SignoffFacts, request: SignoffRequest) -> bool:
    from records.trust import CLINICAL_DESIGN_CONFIRMATION  # noqa: PLC0415 - loaded with the checklist

    return facts.held_to_interaction and request.meaning == CLINICAL_DESIGN_CONFIRMATION


def _acknowledged_item(facts: SignoffFacts, request: SignoffRequest) -> SignoffItem:
    what = "Every team member acknowledged the design change"
    if not _confirms_design(facts, request) or not facts.acknowledgements_pending:
        return SignoffItem("acknowledged", what, True, "no acknowledgement is outstanding", "acknowledged")
    pending = ", ".join(facts.acknowledgements_pending)
    why = f"the design change is not yet acknowledged by {pending}"
    return SignoffItem("acknowledged", what, False, why, "acknowledgement_pending", None, pending)


def _proposal_item(facts: SignoffFacts, request: SignoffRequest) -> SignoffItem:
    what = "The design proposal is complete"
    if not _confirms_design(facts, request):
        return SignoffItem("proposal", what, True, "not needed for this signature", "proposal_not_needed")
    if not facts.proposal_missing:
        return SignoffItem("proposal", what, True, "the design proposal is complete", "proposal_complete")
    missing = "; ".join(facts.proposal_missing)
    return SignoffItem(
        "proposal", what, False, f"the design proposal lacks {missing}", "proposal_missing", None, missing
    )


Rule = Callable[[SignoffFacts, SignoffRequest], SignoffItem]
#: The checklist's rules, in the order shown.
RULES: tuple[Rule, ...] = (
    _check_item,
    _selftest_item,
    _reverification_item,
    _acknowledged_item,
    _proposal_item,
    _role_item,
    _conflict_item,
)


def signoff_checklist(facts: SignoffFacts, request: SignoffRequest) -> tuple[SignoffItem, ...]:
    """The checklist for signing the case of ``facts`` as ``request`` says: one item per rule of :data:`RULES`."""
    return tuple(rule(facts, request) for rule in RULES)


def all_met(items: tuple[SignoffItem, ...]) -> bool:
    """Whether every item of a checklist is met (the window then asks for the password)."""
    return all(item.met for item in items)


#: How many hex digits of a site id a checklist names.
SITE_ID_SHOWN = 8


def read_signoff_facts(
    home: Path, code: str, manifest_id: str, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
) -> SignoffFacts:
    """Read what the checklist needs about case ``code`` from the store at ``home``, for software ``manifest_id``.

    Raises
    ------
    CaseNotFoundError
        When the store has no such case.
    """
    from records.payloads import CheckRun, ReverificationRecorded, read  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from records.sync.conflicts import find_conflicts  # noqa: PLC0415
    from records.team import held_to_interaction, missing_proposal_items, pending_acknowledgements  # noqa: PLC0415

    report(progress, 0.1, "reading the records")
    checkpoint(cancel)
    with Store.open(home) as store:
        case = store.case(code)
        selftest = store.directory().validated(store.site_id, manifest_id) is not None
        checkpoint(cancel)
        interaction = bool(held_to_interaction(case))
        missing = tuple(missing_proposal_items(case)) if interaction else ()
        pending = tuple(pending_acknowledgements(case)) if interaction else ()
        sites = sorted(
            {
                branch.site_id[:SITE_ID_SHOWN]
                for conflict in find_conflicts(store.events())
                if conflict.case_code == case.code
                for branch in conflict.branches
            }
        )
    check = case.check
    checked = None if check is None else read(check, CheckRun)
    reverification = case.reverification
    result = None if reverification is None else read(reverification, ReverificationRecorded).result
    report(progress, 1.0, "read")
    return SignoffFacts(
        code=case.code,
        revision=case.revision,
        verdict=case.verdict,
        check_applies=checked is not None,
        check_manifest="" if checked is None else (checked.manifest_id or ""),
        manifest_id=manifest_id,
        selftest_passed=selftest,
        needs_reverification=checked is not None and checked.needs_reverification,
        reverification_result=result,
        conflict_sites=tuple(sites),
        held_to_interaction=interaction,
        proposal_missing=missing,
        acknowledgements_pending=pending,
    )
