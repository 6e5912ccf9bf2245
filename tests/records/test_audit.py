"""``Store.verify``: hand edits of the SQLite file and of artifact files are each found and named precisely."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from records.audit import AuditProblem
from records.events import Event
from records.store import DB_NAME, Store


def _fill(store: Store) -> list[Event]:
    """Six events of this site: a case, inputs, a check, two notes and a signature."""
    return [
        store.append("case_created", case_code="C1", payload={}),
        store.append("inputs_added", case_code="C1", payload={"ct": "ab" * 32}),
        store.append("check_run", case_code="C1", payload={"verdict": "within"}),
        store.append("note", case_code="C1", payload={"text": "first"}),
        store.append("note", case_code="C1", payload={"text": "second"}),
        store.append("signature", case_code="C1", payload={"meaning": "clinical design confirmation"}),
    ]


def _problems(home: Path) -> list[tuple[str, int | None, str | None, str]]:
    with Store.open(home) as store:
        report = store.verify()
    assert report.ok is (not report.problems)
    return [(p.code, p.seq, p.event_id, p.message) for p in report.problems]


@pytest.fixture
def filled(store: Store) -> list[Event]:
    events = _fill(store)
    store.close()
    return events


def test_an_untouched_store_verifies(home: Path, filled: list[Event]) -> None:
    with Store.open(home) as store:
        report = store.verify()
    assert report.ok
    assert (report.events, report.signatures, report.problems) == (6, 1, ())
    assert report.to_json() == {"ok": True, "events": 6, "signatures": 1, "problems": []}


def test_an_edited_payload_is_a_hash_mismatch(home: Path, filled: list[Event], tamper: Callable[..., None]) -> None:
    tamper("""UPDATE events SET payload = '{"verdict":"out_of_envelope"}' WHERE seq = 3""")
    edited = filled[2]
    computed = hashlib.sha256(
        json.dumps(
            {
                **{k: v for k, v in edited.to_json().items() if k not in ("seq", "hash")},
                "payload": {"verdict": "out_of_envelope"},
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()
    assert _problems(home) == [
        ("hash_mismatch", 3, edited.event_id, f"hash mismatch: stored {edited.hash} computed {computed}")
    ]


@pytest.mark.parametrize(
    ("column", "value"),
    [("created_at", "2020-01-01T00:00:00.000000+00:00"), ("actor", "mallory"), ("kind", "note"), ("case_code", "C2")],
)
def test_any_edited_field_is_a_hash_mismatch(
    home: Path, filled: list[Event], tamper: Callable[..., None], column: str, value: str
) -> None:
    tamper((f"UPDATE events SET {column} = ? WHERE seq = 2", (value,)))
    problems = _problems(home)
    assert [(code, seq) for code, seq, _, _ in problems] == [("hash_mismatch", 2)]
    assert problems[0][3].startswith(f"hash mismatch: stored {filled[1].hash} computed ")


def test_an_edited_hash_breaks_the_hash_and_the_chain(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    forged = "f" * 64
    tamper(("UPDATE events SET hash = ? WHERE seq = 3", (forged,)))
    third, fourth = filled[2], filled[3]
    assert _problems(home) == [
        ("hash_mismatch", 3, third.event_id, f"hash mismatch: stored {forged} computed {third.hash}"),
        (
            "chain_broken",
            4,
            fourth.event_id,
            (
                f"prev_hash does not match event seq 3 (the previous event of site {third.site_id}); "
                f"it names {third.hash}, which no event here has"
            ),
        ),
    ]


def test_a_consistently_rewritten_event_still_breaks_the_chain(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    third = filled[2]
    rewritten = {k: v for k, v in third.to_json().items() if k not in ("seq", "hash")}
    rewritten["payload"] = {"verdict": "out_of_envelope"}
    new_hash = hashlib.sha256(json.dumps(rewritten, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    tamper(
        (
            "UPDATE events SET payload = ?, hash = ? WHERE seq = 3",
            (json.dumps(rewritten["payload"], separators=(",", ":")), new_hash),
        )
    )
    problems = _problems(home)
    assert [(code, seq) for code, seq, _, _ in problems] == [("chain_broken", 4)]
    assert "prev_hash does not match event seq 3" in problems[0][3]


def test_a_deleted_row_is_a_sequence_gap_and_a_broken_chain(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    tamper("DELETE FROM events WHERE seq = 3")
    fourth = filled[3]
    assert _problems(home) == [
        ("sequence_gap", 4, fourth.event_id, "sequence gap: seq 3 missing"),
        (
            "chain_broken",
            4,
            fourth.event_id,
            (
                f"prev_hash does not match event seq 2 (the previous event of site {fourth.site_id}); "
                f"it names {filled[2].hash}, which no event here has"
            ),
        ),
    ]


def test_rows_deleted_from_the_end_are_found(home: Path, filled: list[Event], tamper: Callable[..., None]) -> None:
    tamper("DELETE FROM events WHERE seq >= 5")
    assert _problems(home) == [
        ("truncated", None, None, "events removed from the end: seq 5-6 missing (SQLite issued seq up to 6)")
    ]


def test_swapped_rows_break_the_chain_where_they_were_swapped(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    tamper(
        "UPDATE events SET seq = -3 WHERE seq = 3",
        "UPDATE events SET seq = 3 WHERE seq = 4",
        "UPDATE events SET seq = 4 WHERE seq = -3",
    )
    site = filled[0].site_id
    head = f"(the previous event of site {site})"
    assert _problems(home) == [
        (
            "chain_broken",
            3,
            filled[3].event_id,
            f"prev_hash does not match event seq 2 {head}; it names the event at seq 4 (rows reordered or forged)",
        ),
        (
            "chain_broken",
            4,
            filled[2].event_id,
            f"prev_hash does not match event seq 3 {head}; it names the event at seq 2 (rows reordered or forged)",
        ),
        (
            "chain_broken",
            5,
            filled[4].event_id,
            f"prev_hash does not match event seq 4 {head}; it names the event at seq 3 (rows reordered or forged)",
        ),
    ]


def _forged_row(template: Event, *, seq: int, prev_hash: str, payload: dict[str, object]) -> tuple[object, ...]:
    """A row someone typed in by hand, with a hash correctly computed for its (forged) content."""
    fields = {
        "event_id": "0" * 32,
        "site_id": template.site_id,
        "case_code": template.case_code,
        "kind": "signature",
        "payload": payload,
        "actor": "mallory",
        "created_at": template.created_at,
        "prev_hash": prev_hash,
    }
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return (
        seq,
        fields["event_id"],
        fields["site_id"],
        fields["case_code"],
        "signature",
        json.dumps(payload, separators=(",", ":")),
        "mallory",
        template.created_at,
        prev_hash,
        digest,
    )


def test_an_inserted_row_in_the_middle_of_the_chain_is_found(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    row = _forged_row(filled[0], seq=7, prev_hash=filled[1].hash, payload={"meaning": "forged"})
    tamper(("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row))
    assert _problems(home) == [
        (
            "chain_broken",
            7,
            "0" * 32,
            (
                f"prev_hash does not match event seq 6 (the previous event of site {filled[0].site_id}); "
                "it names the event at seq 2 (rows reordered or forged)"
            ),
        )
    ]


def test_an_inserted_row_with_a_made_up_hash_is_found(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    row = list(_forged_row(filled[0], seq=7, prev_hash=filled[5].hash, payload={"meaning": "forged"}))
    row[9] = "a" * 64
    tamper(("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", tuple(row)))
    problems = _problems(home)
    assert [(code, seq) for code, seq, _, _ in problems] == [("hash_mismatch", 7)]
    assert problems[0][3].startswith(f"hash mismatch: stored {'a' * 64} computed ")


def test_a_row_inserted_before_the_first_is_found(home: Path, filled: list[Event], tamper: Callable[..., None]) -> None:
    row = _forged_row(filled[0], seq=0, prev_hash="", payload={"meaning": "forged"})
    tamper(("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row))
    problems = _problems(home)
    assert [(code, seq) for code, seq, _, _ in problems] == [("bad_seq", 0), ("chain_broken", 1)]
    assert problems[0][3] == "unexpected seq 0: sequence numbers start at 1"
    assert problems[1][3].endswith("it is empty")


def test_a_dropped_trigger_is_reported(home: Path, filled: list[Event]) -> None:
    connection = sqlite3.connect(home / DB_NAME)
    connection.execute("DROP TRIGGER events_no_update")
    connection.commit()
    connection.close()
    assert _problems(home) == [
        ("trigger_missing", None, None, "append-only trigger events_no_update is missing: edits are no longer refused")
    ]


def test_changed_and_missing_artifacts_are_found(home: Path, store: Store) -> None:
    kept = store.put_artifact(b"kept", "test")
    changed = store.put_artifact(b"will change", "test")
    gone = store.put_artifact(b"will go", "test")
    store.close()
    changed_path = home / "artifacts" / changed[:2] / changed
    changed_path.chmod(0o644)
    changed_path.write_bytes(b"has changed")
    (home / "artifacts" / gone[:2] / gone).unlink()
    with Store.open(home) as reopened:
        report = reopened.verify()
        assert reopened.verify(artifacts=False).ok
    assert {(p.code, p.sha256) for p in report.problems} == {("artifact_changed", changed), ("artifact_missing", gone)}
    messages = {p.sha256: p.message for p in report.problems}
    now = hashlib.sha256(b"has changed").hexdigest()
    assert messages[changed] == f"artifact {changed} changed on disk: now sha256 {now}, 11 bytes (recorded 11 bytes)"
    assert messages[gone].startswith(f"artifact {gone} missing: no file ")
    assert kept not in messages
    assert len(report.problems) == 2


def test_the_signature_checker_is_called_for_each_intact_signature(home: Path, store: Store) -> None:
    events = _fill(store)
    second = store.append("signature", case_code="C1", payload={"meaning": "bad"})
    seen: list[str] = []

    def checker(event: Event) -> str | None:
        seen.append(event.event_id)
        return "signature does not verify with the signer's key" if event.payload["meaning"] == "bad" else None

    report = store.verify(signature_checker=checker)
    assert seen == [events[5].event_id, second.event_id]
    assert report.signatures == 2
    assert report.problems == (
        AuditProblem("signature", "signature does not verify with the signer's key", second.seq, second.event_id),
    )
    assert not report.ok
    assert str(report.problems[0]).startswith(f"event seq {second.seq} ({second.event_id}): signature does not")


def test_tampered_foreign_events_are_found(
    tmp_path: Path, home: Path, store: Store, tamper: Callable[..., None]
) -> None:
    other = Store.open(tmp_path / "other")
    other.append("case_created", case_code="H1", payload={})
    other.append("note", case_code="H1", payload={"n": 1})
    other.append("note", case_code="H1", payload={"n": 2})
    _fill(store)
    store.import_events(e.to_json() for e in other.events())
    store.close()
    assert _problems(home) == []
    tamper("""UPDATE events SET payload = '{"n":3}' WHERE seq = 8""", "DELETE FROM events WHERE seq = 9")
    problems = _problems(home)
    assert [(code, seq) for code, seq, _, _ in problems] == [("hash_mismatch", 8), ("truncated", None)]
    other.close()
