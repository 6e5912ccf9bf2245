"""Recording: a checked design as a case revision, a re-verification, a signature, the validation suite (no Qt).

Each is one transaction of the store, attested or signed by the person who does it; the ``dvw`` commands and the
window record the same events through these functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.progress import CancelToken, ProgressCallback, checkpoint, report
from workflow.priority import at_low_priority

if TYPE_CHECKING:
    from records.store import Store
    from records.users import Session
    from validation.check import CheckResult


def record_case(
    store: Store,
    session: Session,
    code: str,
    result: CheckResult,
    files: Mapping[str, Path],
    *,
    dicom_sha256: str,
    source: str,
) -> dict[str, Any]:
    """Record a checked design as case ``code`` in ``store``, by ``session`` (:func:`records.checks.record_check`).

    ``files`` names every artifact (volume, mask, anatomy, design, parameters, check, envelope, patient), stored by
    content; ``source`` says what ran the check (``dvw run``, ``gui``). Returns the summary both faces show:
    ``code``, ``revision``, ``state``, ``recorded`` (the event kinds added: none for an identical check already
    recorded), ``store``.
    """
    from records.checks import record_check  # noqa: PLC0415 - the store's modules load only when a case is recorded

    recorded = record_check(store, code, result.to_json(), files, dicom_sha256=dicom_sha256, source=source, by=session)
    return {**recorded.to_json(), "store": str(store.home)}


@dataclass(frozen=True)
class ReverificationRequest:
    """A re-verification as entered in its dialog."""

    home: Path
    code: str
    user_id: str
    password: str = field(repr=False)
    method: str
    result: str
    justification: str
    evidence: tuple[Path, ...] = ()


def record_reverification(request: ReverificationRequest, progress: ProgressCallback, cancel: CancelToken) -> str:
    """Record the re-verification (:func:`records.reverification.record_reverification`); returns the event id."""
    from records.reverification import record_reverification as record  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415

    report(progress, 0.1, "checking the password")
    checkpoint(cancel)
    with Store.open(request.home) as store:
        recording = partial(
            record,
            store,
            request.code,
            request.user_id,
            request.password,
            method=request.method,
            result=request.result,
            justification=request.justification,
            evidence=list(request.evidence),
        )
        event = at_low_priority(recording)  # the password's Argon2 check below the GUI thread's priority
    report(progress, 1.0, "recorded")
    return event.event_id


@dataclass(frozen=True)
class SignRequest:
    """A signature as entered in the sign dialog."""

    home: Path
    code: str
    user_id: str
    password: str = field(repr=False)
    meaning: str


def sign_case(request: SignRequest, progress: ProgressCallback, cancel: CancelToken) -> dict[str, Any]:
    """Sign the case's current check (:func:`traceability.signing.sign`); returns the signed content.

    As with ``dvw sign``, a clinical design confirmation of a ``within`` case whose device has its UDI also records
    the ``design_approved`` trace step in the same transaction.
    """
    from records.store import Store  # noqa: PLC0415
    from traceability.signing import sign  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415

    report(progress, 0.1, "checking the password")
    checkpoint(cancel)
    with Store.open(request.home) as store:
        manifest_id = current_manifest().manifest_id
        signing = partial(
            sign, store, request.code, request.user_id, request.password, request.meaning, manifest_id=manifest_id
        )
        event = at_low_priority(signing)  # the password's Argon2 check below the GUI thread's priority
    report(progress, 1.0, "signed")
    content = event.payload["content"]
    return dict(content) if isinstance(content, Mapping) else {}


def run_selftest(home: Path, session: Session, progress: ProgressCallback, cancel: CancelToken) -> bool:
    """Run the built-in validation suite and record its result, by ``session``, in the store at ``home``.

    The same as ``dvw selftest --user``: True if it passed.
    """
    from records.selftests import record_selftest  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415
    from validation.selftest import run_selftest as run  # noqa: PLC0415

    result = run(current_manifest().manifest_id, progress=progress, cancel=cancel)
    with Store.open(home) as store:
        record_selftest(store, result.to_json(), by=session)
    return result.passed
