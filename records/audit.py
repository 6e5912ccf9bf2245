"""The audit of a store: every event hash, every site's chain, the sequence, the triggers and the artifact files.

Each problem is reported precisely, naming the event (``seq``, ``event_id``) or artifact and what differs.

What is detected, and how:

- an edited field or payload: the recomputed hash differs from the stored one (``hash_mismatch``);
- an edited hash: the same, and the next event of the site no longer names it (``chain_broken``);
- a deleted row: a hole in ``seq`` (``sequence_gap``) and a broken chain after it; rows deleted from the end
  show as ``truncated`` when SQLite's ``sqlite_sequence`` has issued higher numbers than the last row holds;
- reordered rows (``seq`` swapped by hand): the chain, walked in ``seq`` order, breaks (``chain_broken``, naming
  the event the ``prev_hash`` really points to);
- an inserted (forged) row: a wrong hash, a broken chain, or a ``seq`` outside 1..N;
- a dropped or altered append-only trigger (``trigger_missing``);
- an artifact file changed or removed (``artifact_changed``, ``artifact_missing``).

A hash chain without a key cannot stop someone who rewrites *every* later row and recomputes all hashes, nor show
rows removed from the end once ``sqlite_sequence`` is edited as well; signatures (their own check is plugged in
through ``signature_checker``) and copies held by the company server are the anchors for that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from records.events import SIGNATURE, Event, compute_hash

SignatureChecker = Callable[[Event], str | None]
"""Checks one ``signature`` event; returns a one-line problem text, or None when the signature holds."""

EventRow = tuple[int, str, str, str | None, str, str, str | None, str, str, str]
"""(seq, event_id, site_id, case_code, kind, payload, actor, created_at, prev_hash, hash) as stored."""


@dataclass(frozen=True)
class AuditProblem:
    """One thing that is wrong in the store.

    Attributes
    ----------
    code
        ``hash_mismatch``, ``chain_broken``, ``sequence_gap``, ``truncated``, ``bad_seq``, ``bad_payload``,
        ``trigger_missing``, ``artifact_missing``, ``artifact_changed`` or ``signature``.
    message
        One line: what differs, with the stored and computed values where there are two.
    seq
        The event's local sequence number, when the problem is on an event.
    event_id
        The event's id, when the problem is on an event.
    sha256
        The artifact's SHA-256, when the problem is on an artifact.
    """

    code: str
    message: str
    seq: int | None = None
    event_id: str | None = None
    sha256: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The problem as a JSON object."""
        return {
            "code": self.code,
            "message": self.message,
            "seq": self.seq,
            "event_id": self.event_id,
            "sha256": self.sha256,
        }

    def __str__(self) -> str:
        where = f"event seq {self.seq} ({self.event_id}): " if self.seq is not None else ""
        return where + self.message


@dataclass(frozen=True)
class AuditReport:
    """The result of :meth:`records.store.Store.verify`.

    Attributes
    ----------
    ok
        True when no problem was found.
    events
        Number of event rows checked.
    signatures
        Number of ``signature`` events.
    problems
        Every problem found, in ``seq`` order, then artifacts and triggers.
    """

    ok: bool
    events: int
    signatures: int
    problems: tuple[AuditProblem, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``dvw audit verify --json`` object: ``ok``, ``events``, ``signatures``, ``problems``."""
        return {
            "ok": self.ok,
            "events": self.events,
            "signatures": self.signatures,
            "problems": [problem.to_json() for problem in self.problems],
        }


def event_from_row(row: EventRow) -> Event:
    """The domain :class:`Event` of a stored row (the payload text must be JSON)."""
    seq, event_id, site_id, case_code, kind, payload, actor, created_at, prev_hash, hash_ = row
    return Event(
        seq=seq,
        event_id=event_id,
        site_id=site_id,
        case_code=case_code,
        kind=kind,
        payload=json.loads(payload),
        actor=actor,
        created_at=created_at,
        prev_hash=prev_hash,
        hash=hash_,
        payload_json=payload,
    )


def audit_events(
    rows: Iterable[EventRow],
    *,
    issued_seq: int | None = None,
    signature_checker: SignatureChecker | None = None,
) -> tuple[int, int, list[AuditProblem]]:
    """Check event rows given in ``seq`` order.

    Parameters
    ----------
    rows
        Every stored event row, ordered by ``seq``.
    issued_seq
        The highest ``seq`` SQLite has issued (``sqlite_sequence``), to detect rows deleted from the end.
    signature_checker
        Called for each ``signature`` event whose hash holds; returns a problem text or None.

    Returns
    -------
    tuple
        (number of events, number of signature events, problems).
    """
    table = list(rows)
    seq_of_hash = {row[9]: row[0] for row in table}
    problems: list[AuditProblem] = []
    last_of_site: dict[str, tuple[int, str]] = {}
    expected_seq = 1
    signatures = 0
    for row in table:
        seq, event_id, site_id, case_code, kind, payload, actor, created_at, prev_hash, stored = row
        if seq < expected_seq:
            problems.append(
                AuditProblem("bad_seq", f"unexpected seq {seq}: sequence numbers start at 1", seq, event_id)
            )
        elif seq > expected_seq:
            missing = f"seq {expected_seq}" if seq == expected_seq + 1 else f"seq {expected_seq}-{seq - 1}"
            problems.append(AuditProblem("sequence_gap", f"sequence gap: {missing} missing", seq, event_id))
        expected_seq = max(expected_seq, seq + 1)

        computed = compute_hash(
            event_id=event_id,
            site_id=site_id,
            case_code=case_code,
            kind=kind,
            payload_json=payload,
            actor=actor,
            created_at=created_at,
            prev_hash=prev_hash,
        )
        hash_ok = computed == stored
        if not hash_ok:
            problems.append(
                AuditProblem("hash_mismatch", f"hash mismatch: stored {stored} computed {computed}", seq, event_id)
            )

        previous = last_of_site.get(site_id)
        expected_prev = previous[1] if previous else ""
        if prev_hash != expected_prev:
            problems.append(
                AuditProblem("chain_broken", _chain_message(site_id, previous, prev_hash, seq_of_hash), seq, event_id)
            )
        last_of_site[site_id] = (seq, stored)

        if kind == SIGNATURE:
            signatures += 1
            if signature_checker is not None and hash_ok:
                try:
                    event = event_from_row(row)
                except json.JSONDecodeError:
                    problems.append(AuditProblem("bad_payload", "payload is not JSON", seq, event_id))
                    continue
                text = signature_checker(event)
                if text is not None:
                    problems.append(AuditProblem("signature", text, seq, event_id))
    last = table[-1][0] if table else 0
    if issued_seq is not None and issued_seq > last:
        missing = f"seq {last + 1}" if issued_seq == last + 1 else f"seq {last + 1}-{issued_seq}"
        problems.append(
            AuditProblem(
                "truncated",
                f"events removed from the end: {missing} missing (SQLite issued seq up to {issued_seq})",
            )
        )
    return len(table), signatures, problems


def _chain_message(
    site_id: str, previous: tuple[int, str] | None, prev_hash: str, seq_of_hash: Mapping[str, int]
) -> str:
    if previous is None:
        head = f"prev_hash should be empty: first event of site {site_id}"
    else:
        head = f"prev_hash does not match event seq {previous[0]} (the previous event of site {site_id})"
    if prev_hash == "":
        return f"{head}; it is empty"
    named = seq_of_hash.get(prev_hash)
    if named is None:
        return f"{head}; it names {prev_hash}, which no event here has"
    return f"{head}; it names the event at seq {named} (rows reordered or forged)"


def audit_artifacts(rows: Iterable[tuple[str, int]], artifact_file: Callable[[str], Path]) -> list[AuditProblem]:
    """Check that every recorded artifact file exists with its recorded size and SHA-256."""
    problems: list[AuditProblem] = []
    for sha, size in rows:
        path = artifact_file(sha)
        try:
            with open(path, "rb") as fp:
                actual = hashlib.file_digest(fp, "sha256").hexdigest()
            actual_size = path.stat().st_size
        except FileNotFoundError:
            problems.append(AuditProblem("artifact_missing", f"artifact {sha} missing: no file {path}", sha256=sha))
            continue
        except OSError as exc:
            problems.append(AuditProblem("artifact_missing", f"artifact {sha} unreadable: {exc}", sha256=sha))
            continue
        if actual != sha:
            problems.append(
                AuditProblem(
                    "artifact_changed",
                    f"artifact {sha} changed on disk: now sha256 {actual}, {actual_size} bytes (recorded {size} bytes)",
                    sha256=sha,
                )
            )
    return problems


def audit_triggers(present: Mapping[str, str], expected: Mapping[str, str]) -> list[AuditProblem]:
    """Check that each append-only trigger exists with its expected statement."""
    problems: list[AuditProblem] = []
    for name, sql in expected.items():
        found = present.get(name)
        if found is None:
            problems.append(
                AuditProblem("trigger_missing", f"append-only trigger {name} is missing: edits are no longer refused")
            )
        elif " ".join(found.split()) != " ".join(sql.split()):
            problems.append(AuditProblem("trigger_missing", f"append-only trigger {name} was altered"))
    return problems
