"""Re-verification of a case whose check is out of envelope or indeterminate (REQUIREMENTS 4.5.2.1 b).

Such a case may be signed only after an engineer or quality user records how it was re-verified (method, result,
justification) with the evidence files attached by SHA-256 (stored in the store as ``evidence`` artifacts). The
record is a ``reverification_recorded`` event that names the check it answers; the user re-enters the password.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from records.errors import ArtifactMissingError, ReverificationRefusedError, RoleNotPermittedError
from records.events import REVERIFICATION_RECORDED, Event
from records.payloads import (
    CheckRun,
    Evidence,
    ReverificationRecorded,
    SignerFacts,
    read,
    read_or_none,
    to_payload,
)
from records.store import Store
from records.team import refuse_non_member
from records.users import ENGINEER, QUALITY, sign_in

REVERIFY_ROLES = frozenset({ENGINEER, QUALITY})
"""The roles that may record a re-verification."""

RESULTS = ("pass", "fail")


def requires_reverification(check: Event) -> bool:
    """Whether a ``check_run`` event's result needs re-verification before sign-off.

    Its payload's ``requires_reverification`` decides when it is a boolean (``CheckResult.to_json()`` writes it);
    otherwise any verdict but ``within`` does.
    """
    checked = read_or_none(check, CheckRun)
    return True if checked is None else checked.needs_reverification


def record_reverification(
    store: Store,
    case_code: str,
    user_id: str,
    password: str,
    *,
    method: str,
    result: str,
    justification: str,
    evidence: Sequence[Path] = (),
    now: datetime | None = None,
) -> Event:
    """Record the re-verification of a case's current out-of-envelope or indeterminate check.

    Parameters
    ----------
    store
        The local store.
    case_code
        The case.
    user_id, password
        The engineer or quality user recording it, and their password.
    method
        How the design was re-verified (e.g. "FEA of the 2.1 mm wall, report FEA-0042").
    result
        ``pass`` or ``fail``.
    justification
        Why the result holds for this patient.
    evidence
        Files supporting it (reports, images); each is stored as an ``evidence`` artifact and named by SHA-256.
    now
        When (timezone-aware); default now.

    Returns
    -------
    Event
        The ``reverification_recorded`` event.

    Raises
    ------
    CaseNotFoundError
        No such case.
    UnknownUserError, UserDisabledError, WrongPasswordError, CredentialsError
        The user cannot be authenticated.
    RoleNotPermittedError
        The user's role is neither engineer nor quality.
    NotATeamMemberError
        The case has a team and the user is not on it.
    ReverificationRefusedError
        A bad result, an empty method or justification, no current check, or a check that needs no
        re-verification.
    ArtifactMissingError
        An evidence file does not exist (nothing is recorded then).
    """
    if result not in RESULTS:
        raise ReverificationRefusedError(f"re-verification result must be pass or fail, not {result!r}")
    method_text = " ".join(method.split())
    reason = justification.strip()
    if not method_text:
        raise ReverificationRefusedError("a re-verification needs its method")
    if not reason:
        raise ReverificationRefusedError("a re-verification needs its justification")
    files = [Path(path) for path in evidence]
    for path in files:
        if not path.is_file():
            raise ArtifactMissingError(f"no such evidence file: {path}", path=str(path))
    case = store.case(case_code)
    session = sign_in(store, user_id, password)
    refuse_non_member(case, session.user_id, "record its re-verification")
    user = session.user
    if user.role not in REVERIFY_ROLES:
        raise RoleNotPermittedError(
            f"user {user_id!r} has role {user.role}; only engineer or quality may record a re-verification"
        )
    check = case.check
    if check is None:
        raise ReverificationRefusedError(
            f"case {case.code} has no check for revision {case.revision} and its current inputs; run the check first"
        )
    if not requires_reverification(check):
        raise ReverificationRefusedError(
            f"case {case.code} is within its envelope (check event {check.event_id}); there is nothing to re-verify"
        )
    attached: list[dict[str, Any]] = [
        {"file": path.name, "sha256": store.put_artifact(path, "evidence")} for path in files
    ]
    payload = ReverificationRecorded(
        result=result,
        method=method_text,
        justification=reason,
        evidence=[Evidence(**item) for item in attached],
        check_event_id=check.event_id,
        check_hash=check.hash,
        verdict=read(check, CheckRun).verdict,
        revision=case.revision,
        recorded_by=SignerFacts(**user.signer_json()),
    )
    return store.append(REVERIFICATION_RECORDED, case_code=case.code, payload=to_payload(payload), by=session, at=now)
