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
from records.payloads import CheckRun, ReverificationRecorded, read_or_none

SignatureChecker = Callable[[Event], str | None]
"""Checks one ``signature`` event; returns a one-line problem text, or None when the signature holds."""

EventRow = tuple[int, str, str, str | None, str, str, str | None, str, str, str, str | None]
"""(seq, event_id, site_id, case_code, kind, payload, actor, created_at, prev_hash, hash, attestation) as stored."""


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
    pending_signatures
        Signatures whose signing site held events of other sites this store has not received yet: their facts are
        checked once those arrive (a sync brings them).
    """

    ok: bool
    events: int
    signatures: int
    problems: tuple[AuditProblem, ...]
    pending_signatures: int = 0

    def to_json(self) -> dict[str, Any]:
        """``dvw audit verify --json``: ``ok``, ``events``, ``signatures``, ``pending_signatures``, ``problems``."""
        return {
            "ok": self.ok,
            "events": self.events,
            "signatures": self.signatures,
            "pending_signatures": self.pending_signatures,
            "problems": [problem.to_json() for problem in self.problems],
        }


def event_from_row(row: EventRow) -> Event:
    """The domain :class:`Event` of a stored row (the payload text must be JSON)."""
    seq, event_id, site_id, case_code, kind, payload, actor, created_at, prev_hash, hash_, attestation = row
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
        attestation=attestation,
    )


def audit_events(
    rows: Iterable[EventRow],
    *,
    issued_seq: int | None = None,
    signature_checker: SignatureChecker | None = None,
    parsed: list[Event] | None = None,
) -> tuple[int, int, list[AuditProblem]]:
    """Check event rows given in ``seq`` order: hashes, chains, the sequence, and that payloads are JSON.

    Parameters
    ----------
    rows
        Every stored event row, ordered by ``seq``.
    issued_seq
        The highest ``seq`` SQLite has issued (``sqlite_sequence``), to detect rows deleted from the end.
    signature_checker
        Called for each ``signature`` event whose hash holds; returns a problem text or None.
    parsed
        When given, every row whose payload is a JSON object is appended to it as an :class:`Event` (for the
        checks of :mod:`records.trust`).

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
        seq, event_id, site_id, case_code, kind, payload, actor, created_at, prev_hash, stored, _attestation = row
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

        event = _parse_row(row)
        if event is None:
            problems.append(AuditProblem("bad_payload", "payload is not a JSON object", seq, event_id))
            continue
        if parsed is not None:
            parsed.append(event)
        if kind == SIGNATURE:
            signatures += 1
            if signature_checker is not None and hash_ok:
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


def _parse_row(row: EventRow) -> Event | None:
    """The row's event, or None when its payload is not a JSON object (a hand edit: the audit reports it)."""
    try:
        event = event_from_row(row)
    except (ValueError, RecursionError, TypeError):
        return None
    return event if isinstance(event.payload, dict) else None


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


def audit_artifact_folder(folder: Path, recorded: set[str]) -> list[AuditProblem]:
    """Files under the artifacts folder that no artifact row records (a row deleted by hand, a stray file).

    A file whose row was deleted escapes the per-row check above; it is reported here, with whether its content
    still has the SHA-256 its name says.
    """
    problems: list[AuditProblem] = []
    if not folder.is_dir():
        return problems
    for sub in sorted(folder.iterdir()):
        if not sub.is_dir() or sub.name.startswith("."):
            continue
        for path in sorted(sub.iterdir()):
            name = path.name
            if name in recorded or name.startswith("."):
                continue
            try:
                with open(path, "rb") as fp:
                    actual = hashlib.file_digest(fp, "sha256").hexdigest()
            except OSError as exc:
                actual = f"unreadable ({exc})"
            state = "its content matches its name" if actual == name else f"its content now hashes to {actual}"
            problems.append(
                AuditProblem(
                    "artifact_unrecorded",
                    f"artifact file {path} has no artifact record (deleted by hand?); {state}",
                    sha256=name if len(name) == 64 else None,
                )
            )
    return problems


def audit_named_artifacts(
    events: Iterable[Event], own_site: str, recorded: set[str], withheld_roles: Iterable[str]
) -> list[AuditProblem]:
    """Every file this site's checks and re-verifications stored must still be recorded (row and file).

    A ``check_run`` event lists the artifacts it stored (``artifacts``: role -> SHA-256) and a re-verification its
    evidence; both are this site's own records, so each must be held here. (Other sites' files arrive by sync and
    may still be on their way; patient files never leave their site.)
    """
    skip = set(withheld_roles)
    problems: list[AuditProblem] = []
    for event in events:
        if event.site_id != own_site or event.case_code is None:
            continue
        named: list[tuple[str, str]] = []
        checked = read_or_none(event, CheckRun)
        if checked is not None:
            named = [(role, sha) for role, sha in checked.artifacts.items() if role not in skip]
        answer = read_or_none(event, ReverificationRecorded)
        if answer is not None:
            named = [("evidence", sha) for sha in answer.evidence_sha256]
        for role, sha in named:
            if sha not in recorded:
                problems.append(
                    AuditProblem(
                        "artifact_unrecorded",
                        f"the {role} file {sha} this site's {event.kind} stored has no artifact record",
                        event.seq,
                        event.event_id,
                        sha,
                    )
                )
    return problems


APPEND_ONLY_TABLES = ("site", "events", "artifacts", "patient_identity")


def append_only_triggers() -> dict[str, str]:
    """Trigger name -> ``CREATE TRIGGER`` statement for every append-only table (used by the migrations)."""
    triggers: dict[str, str] = {}
    for table in APPEND_ONLY_TABLES:
        for action in ("UPDATE", "DELETE"):
            name = f"{table}_no_{action.lower()}"
            triggers[name] = (
                f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
            )
    return triggers


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
