"""Helpers of the adversarial tests: a real signed case, and hand edits of a store as an attacker with file access
(and no password) would make them, including consistent rewrites of a whole chain."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from case_support import ENVELOPE
from people import People, password_of

from records.events import Event, canonical_json, compute_hash
from records.models import append_only_triggers
from records.reverification import record_reverification
from records.signatures import sign
from records.store import DB_NAME, Store
from validation.check import check
from validation.manifest import current_manifest
from validation.parameters import Parameters, ParameterValue


def record_check_of(store: Store, code: str, wall_mm: float, people: People, *, design: bytes = b"plate") -> Event:
    """A real envelope check of a wall thickness, recorded for ``code`` by the engineer (case created if new)."""
    manifest = current_manifest().manifest_id
    try:
        store.case(code)
    except Exception:  # noqa: BLE001 - a new case
        store.append("case_created", case_code=code, payload={}, by=people.engineer)
    design_sha = store.put_artifact(b"solid " + design + b"\nendsolid\n", "mesh")
    store.append("inputs_added", case_code=code, payload={"design": design_sha}, by=people.engineer)
    parameters = Parameters((ParameterValue("design.min_wall_thickness", wall_mm, "mm"),), manifest)
    store.put_artifact(parameters.canonical_bytes(), "parameters")
    result = check(ENVELOPE, parameters, manifest)
    return store.append("check_run", case_code=code, payload=result.to_json(), by=people.engineer)


def signed_case(store: Store, code: str, wall_mm: float, people: People, evidence: Path | None = None) -> Event:
    """A case checked, re-verified when out of envelope, and signed by the clinician; returns the signature."""
    checked = record_check_of(store, code, wall_mm, people)
    if checked.payload["verdict"] != "within":
        record_reverification(
            store,
            code,
            "qa1",
            password_of("qa1"),
            method="FEA",
            result="pass",
            justification="holds",
            evidence=[] if evidence is None else [evidence],
        )
    return sign(
        store,
        code,
        "clin1",
        password_of("clin1"),
        "clinical design confirmation",
        manifest_id=current_manifest().manifest_id,
    )


def rows(home: Path) -> list[dict[str, Any]]:
    """Every event row of the store, in seq order, as dicts."""
    connection = sqlite3.connect(home / DB_NAME)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute("SELECT * FROM events ORDER BY seq")]
    finally:
        connection.close()


def execute_as_attacker(home: Path, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Run SQL on the store's file with the append-only triggers dropped, then put the triggers back."""
    connection = sqlite3.connect(home / DB_NAME, isolation_level=None)
    try:
        connection.execute("BEGIN")
        for name in append_only_triggers():
            connection.execute(f"DROP TRIGGER {name}")
        for sql, params in statements:
            connection.execute(sql, params)
        for sql in append_only_triggers().values():
            connection.execute(sql)
        connection.execute("COMMIT")
    finally:
        connection.close()


def rewrite_chain(home: Path, edit: Callable[[dict[str, Any]], dict[str, Any] | None]) -> int:
    """A consistent rewrite of every site's chain: ``edit`` may return a new payload (a dict) for a row; every hash
    and ``prev_hash`` from there on is recomputed, so hashes and chains verify again. Attestations and signatures
    stay as they were: the attacker holds no key. Returns the number of rows whose payload changed."""
    changed = 0
    heads: dict[str, str] = {}
    renamed: dict[str, str] = {}
    statements: list[tuple[str, tuple[Any, ...]]] = []
    for row in rows(home):
        payload_text = row["payload"]
        new_payload = edit(dict(row, payload=json.loads(payload_text)))
        if new_payload is not None:
            payload_text = canonical_json(new_payload)
            changed += 1
        prev = heads.get(row["site_id"], "")
        digest = compute_hash(
            event_id=row["event_id"],
            site_id=row["site_id"],
            case_code=row["case_code"],
            kind=row["kind"],
            payload_json=payload_text,
            actor=row["actor"],
            created_at=row["created_at"],
            prev_hash=prev,
        )
        heads[row["site_id"]] = digest
        renamed[row["hash"]] = digest
        statements.append(
            (
                "UPDATE events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (payload_text, prev, digest, row["seq"]),
            )
        )
    # Two passes so the unique hash column never holds a value twice mid-way.
    temporary = [("UPDATE events SET hash = 'x' || seq WHERE 1", ())]
    execute_as_attacker(home, temporary + statements)
    return changed


def append_as_attacker(
    home: Path, kind: str, case_code: str | None, payload: dict[str, Any], actor: str | None
) -> None:
    """Append a well-formed event to this site's chain by hand (right hash, right link, no attestation)."""
    existing = rows(home)
    site = existing[0]["site_id"]
    prev = [row for row in existing if row["site_id"] == site][-1]["hash"]
    payload_text = canonical_json(payload)
    event_id = "f" * 32
    created_at = existing[-1]["created_at"]
    digest = compute_hash(
        event_id=event_id,
        site_id=site,
        case_code=case_code,
        kind=kind,
        payload_json=payload_text,
        actor=actor,
        created_at=created_at,
        prev_hash=prev,
    )
    seq = existing[-1]["seq"] + 1
    execute_as_attacker(
        home,
        [
            (
                (
                    "INSERT INTO events (seq, event_id, site_id, case_code, kind, payload, actor, created_at, "
                    "prev_hash, hash, attestation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)"
                ),
                (seq, event_id, site, case_code, kind, payload_text, actor, created_at, prev, digest),
            )
        ],
    )
