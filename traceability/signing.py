"""Signing a case as the workstation does: a clinical design confirmation also records the device's trace step.

These are :mod:`records.signatures`' entry points with the ``design_approved`` trace step
(:func:`traceability.trace.design_approved_event`) as the approval: a clinician's ``clinical design confirmation``
of a ``within`` check appends the step in the same transaction as the signature when the case's current revision
has a UDI, and :class:`~records.signatures.Signed` says why when it does not. The gates, errors and arguments are
those of :func:`records.signatures.sign_and_record`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from records import signatures
from records.events import Event
from records.signatures import Signed
from records.store import Store
from records.users import Session
from traceability.trace import design_approved_event


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
) -> Event:
    """Sign a case's current check (see :func:`sign_and_record`); returns the ``signature`` event."""
    return sign_and_record(
        store, case_code, user_id, password, meaning, manifest_id=manifest_id, home=home, now=now
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
) -> Signed:
    """Sign as ``user_id``, who re-entered ``password``, with the ``design_approved`` step (module docstring).

    Returns
    -------
    Signed
        The ``signature`` event, and the ``design_approved`` event recorded with it or why none was.

    Raises
    ------
    DvwError
        As :func:`records.signatures.sign_and_record`.
    """
    return signatures.sign_and_record(
        store,
        case_code,
        user_id,
        password,
        meaning,
        manifest_id=manifest_id,
        home=home,
        now=now,
        approval=design_approved_event,
    )


def sign_as(
    store: Store, case_code: str, session: Session, meaning: str, *, manifest_id: str, at: datetime | None = None
) -> Event:
    """Sign as an already authenticated ``session`` (see :func:`sign_and_record_as`); returns the signature."""
    return sign_and_record_as(store, case_code, session, meaning, manifest_id=manifest_id, at=at).signature


def sign_and_record_as(
    store: Store, case_code: str, session: Session, meaning: str, *, manifest_id: str, at: datetime | None = None
) -> Signed:
    """Sign as an already authenticated ``session`` with the ``design_approved`` step (see the module docstring).

    Raises
    ------
    DvwError
        As :func:`records.signatures.sign_and_record_as`.
    """
    return signatures.sign_and_record_as(
        store, case_code, session, meaning, manifest_id=manifest_id, at=at, approval=design_approved_event
    )
