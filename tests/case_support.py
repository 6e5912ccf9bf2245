"""Helpers shared by the records and traceability tests: a checked case, signing in a session, a hand-edited store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from people import People

from records.events import Event
from records.models import append_only_triggers
from records.store import DB_NAME, Store
from records.users import Session
from traceability.signing import sign_as
from validation.check import check
from validation.envelope import parse_envelope
from validation.manifest import current_manifest
from validation.parameters import Parameters, ParameterValue

CODE = "CP-2026-001"
ENVELOPE = parse_envelope(
    """[envelope]
id = "cranial-test"
version = "1"
family = "cranial_plate"
title = "test envelope"
validation_report = "VR-1"
approved_by = "QA"
approved_on = 2026-01-01

[[parameter]]
name = "design.min_wall_thickness"
unit = "mm"
min = 2.0
max = 8.0
near_limit = 0.2
""",
    "",
    {"design.min_wall_thickness": "mm"},
)


def manifest_id() -> str:
    return current_manifest().manifest_id


def run_check(
    store: Store, wall_mm: float | None, by: Session, *, code: str = CODE, manifest: str | None = None
) -> Event:
    """Check a wall thickness against the envelope for real and record it, by ``by``, as the case's ``check_run``
    event; the measured parameters are stored as an artifact (the check names them by SHA-256)."""
    made_by = manifest_id() if manifest is None else manifest
    parameters = Parameters((ParameterValue("design.min_wall_thickness", wall_mm, "mm"),), made_by)
    assert store.put_artifact(parameters.canonical_bytes(), "parameters") == parameters.sha256
    result = check(ENVELOPE, parameters, made_by)
    return store.append("check_run", case_code=code, payload=result.to_json(), by=by)


def sign_in_session(store: Store, session: Session, meaning: str, code: str = CODE) -> Event:
    """Sign ``code`` as an already signed-in user (:func:`records.signatures.sign_as`: the same gates, without the
    password's Argon2 work, for tests about something other than signing)."""
    return sign_as(store, code, session, meaning, manifest_id=manifest_id())


def open_case(store: Store, people: People, code: str = CODE) -> None:
    """Case ``code`` with a design input, created by the engineer."""
    store.append("case_created", case_code=code, payload={}, by=people.engineer)
    design = store.put_artifact(f"solid design {code}\nendsolid design\n".encode(), "mesh")
    store.append("inputs_added", case_code=code, payload={"design": design}, by=people.engineer)


def tamper_store(home: Path, *statements: str | tuple[str, tuple[object, ...]]) -> None:
    """Edit the store's SQLite file by hand, as someone with file access would: drop the append-only triggers, run
    the statements, and put the triggers back (so the audit sees only the edit itself)."""
    connection = sqlite3.connect(home / DB_NAME, isolation_level=None)
    try:
        connection.execute("BEGIN")
        for name in append_only_triggers():
            connection.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            if isinstance(statement, tuple):
                connection.execute(statement[0], statement[1])
            else:
                connection.execute(statement)
        for sql in append_only_triggers().values():
            connection.execute(sql)
        connection.execute("COMMIT")
    finally:
        connection.close()
