"""``Store.verify``: hand edits of the SQLite file and of artifact files are each found and named precisely.

The store is a copy of a set-up workstation (``people_home``); its first events are the set-up's (users, a self-test),
so the case's events follow them in the log."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from case_support import run_check, sign_in_session
from people import People

from records.audit import AuditProblem
from records.events import Event
from records.store import DB_NAME, Store
from records.users import trust_site


@pytest.fixture
def home(people_home: tuple[Path, People]) -> Path:
    """A copy of a set-up workstation's home (the ``store`` and ``tamper`` fixtures use it)."""
    return people_home[0]


@pytest.fixture
def people(people_home: tuple[Path, People]) -> People:
    """The signed-in users of ``home``."""
    return people_home[1]


def _fill(store: Store, people: People) -> list[Event]:
    """Six events of this site: a case, inputs, a real envelope check, two notes and the clinician's signature."""
    eng = people.engineer
    design = store.put_artifact(b"solid plate\nendsolid plate\n", "mesh")
    return [
        store.append("case_created", case_code="C1", payload={}, by=eng),
        store.append("inputs_added", case_code="C1", payload={"design": design}, by=eng),
        run_check(store, 4.0, eng, code="C1"),
        store.append("note", case_code="C1", payload={"text": "first"}, by=eng),
        store.append("note", case_code="C1", payload={"text": "second"}, by=eng),
        sign_in_session(store, people.clinician, "clinical design confirmation", code="C1"),
    ]


def _problems(home: Path) -> list[tuple[str, int | None, str | None, str]]:
    with Store.open(home) as store:
        report = store.verify()
    assert report.ok is (not report.problems)
    return [(p.code, p.seq, p.event_id, p.message) for p in report.problems]


@pytest.fixture
def filled(store: Store, people: People) -> list[Event]:
    events = _fill(store, people)
    store.close()
    return events


def test_an_untouched_store_verifies(home: Path, filled: list[Event]) -> None:
    with Store.open(home) as store:
        report = store.verify()
    count = filled[-1].seq
    assert report.ok
    assert (report.events, report.signatures, report.problems) == (count, 1, ())
    assert report.to_json() == {
        "ok": True,
        "events": count,
        "signatures": 1,
        "pending_signatures": 0,
        "problems": [],
    }


def test_an_edited_payload_is_a_hash_mismatch(home: Path, filled: list[Event], tamper: Callable[..., None]) -> None:
    edited = filled[3]
    tamper(f"""UPDATE events SET payload = '{{"text":"edited"}}' WHERE seq = {edited.seq}""")
    computed = hashlib.sha256(
        json.dumps(
            {
                **{k: v for k, v in edited.to_json().items() if k not in ("seq", "hash", "attestation")},
                "payload": {"text": "edited"},
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()
    assert _problems(home) == [
        ("hash_mismatch", edited.seq, edited.event_id, f"hash mismatch: stored {edited.hash} computed {computed}")
    ]


def test_an_edited_check_is_a_hash_mismatch_and_breaks_the_signature_over_it(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    check_run, signature = filled[2], filled[5]
    payload = json.loads(check_run.payload_json)
    payload["verdict"] = "out_of_envelope"
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    tamper(("UPDATE events SET payload = ? WHERE seq = ?", (text, check_run.seq)))
    problems = _problems(home)
    assert [(code, seq) for code, seq, _, _ in problems] == [
        ("hash_mismatch", check_run.seq),
        ("signature_log", signature.seq),
    ]
    assert problems[0][3].startswith(f"hash mismatch: stored {check_run.hash} computed ")
    assert "the signature's check payload SHA-256" in problems[1][3]


@pytest.mark.parametrize(
    ("column", "value", "also"),
    [
        ("created_at", "2020-01-01T00:00:00.000000+00:00", []),
        ("actor", "mallory", ["attestation"]),
        ("kind", "note", ["signature_log"]),
        ("case_code", "C2", ["signature_log"]),
    ],
)
def test_any_edited_field_is_a_hash_mismatch(
    home: Path, filled: list[Event], tamper: Callable[..., None], column: str, value: str, also: list[str]
) -> None:
    inputs, signature = filled[1], filled[5]
    tamper((f"UPDATE events SET {column} = ? WHERE seq = ?", (value, inputs.seq)))
    problems = _problems(home)
    # The edited event's hash no longer holds; an edited actor is no user here, and the clinician's signature no
    # longer approves what the log holds when the design input is gone from the case.
    expected = [("hash_mismatch", inputs.seq)]
    expected += [(code, inputs.seq if code == "attestation" else signature.seq) for code in also]
    assert [(code, seq) for code, seq, _, _ in problems] == expected
    assert problems[0][3].startswith(f"hash mismatch: stored {inputs.hash} computed ")


def test_an_edited_hash_breaks_the_hash_the_attestation_and_the_chain(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    forged = "f" * 64
    third, fourth = filled[2], filled[3]
    tamper(("UPDATE events SET hash = ? WHERE seq = ?", (forged, third.seq)))
    problems = _problems(home)
    assert problems[:3] == [
        ("hash_mismatch", third.seq, third.event_id, f"hash mismatch: stored {forged} computed {third.hash}"),
        (
            "attestation",
            third.seq,
            third.event_id,
            "the attestation of check_run event by 'eng1' does not verify with their key",
        ),
        (
            "chain_broken",
            fourth.seq,
            fourth.event_id,
            (
                f"prev_hash does not match event seq {third.seq} (the previous event of site {third.site_id}); "
                f"it names {third.hash}, which no event here has"
            ),
        ),
    ]
    assert [(code, seq) for code, seq, _, _ in problems[3:]] == [("signature_log", filled[5].seq)]


def test_a_consistently_rewritten_event_still_breaks_the_chain(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    note, fourth = filled[4], filled[5]
    rewritten = {k: v for k, v in note.to_json().items() if k not in ("seq", "hash", "attestation")}
    rewritten["payload"] = {"text": "rewritten"}
    new_hash = hashlib.sha256(json.dumps(rewritten, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    tamper(
        (
            "UPDATE events SET payload = ?, hash = ? WHERE seq = ?",
            (json.dumps(rewritten["payload"], separators=(",", ":")), new_hash, note.seq),
        )
    )
    problems = _problems(home)
    # The hash holds again, but the engineer's attestation was over the old hash, the next event names the old hash
    # as its predecessor, and the signature names it as the case's head when it was signed.
    assert [(code, seq) for code, seq, _, _ in problems] == [
        ("attestation", note.seq),
        ("chain_broken", fourth.seq),
        ("signature_log", fourth.seq),
    ]
    assert f"prev_hash does not match event seq {note.seq}" in problems[1][3]
    assert f"the signed case head {note.hash[:16]}... is not an event of case C1" in problems[2][3]


def test_a_deleted_row_is_a_sequence_gap_and_a_broken_chain(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    third, fourth = filled[3], filled[4]
    tamper(f"DELETE FROM events WHERE seq = {third.seq}")
    assert _problems(home) == [
        ("sequence_gap", fourth.seq, fourth.event_id, f"sequence gap: seq {third.seq} missing"),
        (
            "chain_broken",
            fourth.seq,
            fourth.event_id,
            (
                f"prev_hash does not match event seq {filled[2].seq} (the previous event of site {fourth.site_id}); "
                f"it names {third.hash}, which no event here has"
            ),
        ),
    ]


def test_rows_deleted_from_the_end_are_found(home: Path, filled: list[Event], tamper: Callable[..., None]) -> None:
    first, last = filled[4].seq, filled[5].seq
    tamper(f"DELETE FROM events WHERE seq >= {first}")
    assert _problems(home) == [
        (
            "truncated",
            None,
            None,
            f"events removed from the end: seq {first}-{last} missing (SQLite issued seq up to {last})",
        )
    ]


def test_swapped_rows_break_the_chain_where_they_were_swapped(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    a, b = filled[3].seq, filled[4].seq
    tamper(
        f"UPDATE events SET seq = -{a} WHERE seq = {a}",
        f"UPDATE events SET seq = {a} WHERE seq = {b}",
        f"UPDATE events SET seq = {b} WHERE seq = -{a}",
    )
    site = filled[0].site_id
    head = f"(the previous event of site {site})"
    assert _problems(home) == [
        (
            "chain_broken",
            a,
            filled[4].event_id,
            (
                f"prev_hash does not match event seq {a - 1} {head}; it names the event at seq {b} "
                "(rows reordered or forged)"
            ),
        ),
        (
            "chain_broken",
            b,
            filled[3].event_id,
            (
                f"prev_hash does not match event seq {a} {head}; it names the event at seq {a - 1} "
                "(rows reordered or forged)"
            ),
        ),
        (
            "chain_broken",
            b + 1,
            filled[5].event_id,
            f"prev_hash does not match event seq {b} {head}; it names the event at seq {a} (rows reordered or forged)",
        ),
    ]


def _forged_row(template: Event, *, seq: int, prev_hash: str, payload: dict[str, object]) -> tuple[object, ...]:
    """A row someone typed in by hand, with a hash correctly computed for its (forged) content and no attestation
    (the forger holds no user's key)."""
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
        None,
    )


_INSERT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_FORGED = [
    ("bad_payload", "signature event: not a valid signature payload"),
    ("attestation", "actor 'mallory' is not a user of site"),
    ("signature", "signature payload holds no"),
]


def _forged_problems(problems: list[tuple[str, int | None, str | None, str]], seq: int) -> None:
    """The forged signature is also found for what it is: not a signature's payload, no user wrote it, and it signs
    nothing."""
    assert [(code, at) for code, at, _, _ in problems] == [(code, seq) for code, _ in _FORGED]
    for (_, _, _, message), (_, start) in zip(problems, _FORGED, strict=True):
        assert message.startswith(start), message


def test_an_inserted_row_in_the_middle_of_the_chain_is_found(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    seq = filled[5].seq + 1
    row = _forged_row(filled[0], seq=seq, prev_hash=filled[1].hash, payload={"meaning": "forged"})
    tamper((_INSERT, row))
    problems = _problems(home)
    assert problems[0] == (
        "chain_broken",
        seq,
        "0" * 32,
        (
            f"prev_hash does not match event seq {filled[5].seq} (the previous event of site {filled[0].site_id}); "
            f"it names the event at seq {filled[1].seq} (rows reordered or forged)"
        ),
    )
    _forged_problems(problems[1:], seq)


def test_an_inserted_row_with_a_made_up_hash_is_found(
    home: Path, filled: list[Event], tamper: Callable[..., None]
) -> None:
    seq = filled[5].seq + 1
    row = list(_forged_row(filled[0], seq=seq, prev_hash=filled[5].hash, payload={"meaning": "forged"}))
    row[9] = "a" * 64
    tamper((_INSERT, tuple(row)))
    problems = _problems(home)
    assert [(code, at) for code, at, _, _ in problems[:1]] == [("hash_mismatch", seq)]
    assert problems[0][3].startswith(f"hash mismatch: stored {'a' * 64} computed ")
    _forged_problems(problems[1:], seq)


def test_a_row_inserted_before_the_first_is_found(home: Path, filled: list[Event], tamper: Callable[..., None]) -> None:
    row = _forged_row(filled[0], seq=0, prev_hash="", payload={"meaning": "forged"})
    tamper((_INSERT, row))
    problems = _problems(home)
    forged = len(_FORGED)
    assert [(code, seq) for code, seq, _, _ in problems[:1] + problems[1 + forged :]] == [
        ("bad_seq", 0),
        ("chain_broken", 1),
        ("signature_log", filled[5].seq),
    ]
    assert problems[0][3] == "unexpected seq 0: sequence numbers start at 1"
    assert problems[1 + forged][3].endswith("it is empty")
    _forged_problems(problems[1 : 1 + forged], 0)
    # The forged row now heads case C1's log, so the real signature no longer approves the log as it stands.
    assert problems[2 + forged][3] == "case C1 had no case_created event among the events the signer held"


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


def test_the_signature_checker_is_called_for_each_intact_signature(store: Store, people: People) -> None:
    events = _fill(store, people)
    second = sign_in_session(store, people.quality, "design verification", code="C1")
    seen: list[str] = []

    def checker(event: Event) -> str | None:
        seen.append(event.event_id)
        meaning = event.payload["content"]["meaning"]
        return "signature does not verify with the signer's key" if meaning == "design verification" else None

    report = store.verify(signature_checker=checker)
    assert seen == [events[5].event_id, second.event_id]
    assert report.signatures == 2
    assert report.problems == (
        AuditProblem("signature", "signature does not verify with the signer's key", second.seq, second.event_id),
    )
    assert not report.ok
    assert str(report.problems[0]).startswith(f"event seq {second.seq} ({second.event_id}): signature does not")


def test_tampered_foreign_events_are_found(
    home: Path, store: Store, people: People, other_site_home: tuple[Path, People], tamper: Callable[..., None]
) -> None:
    other_home, theirs = other_site_home
    other = Store.open(other_home)
    other.append("case_created", case_code="H1", payload={}, by=theirs.engineer)
    other.append("note", case_code="H1", payload={"n": 1}, by=theirs.engineer)
    other.append("note", case_code="H1", payload={"n": 2}, by=theirs.engineer)
    _fill(store, people)
    trust_site(store, other.site_id, by=people.admin)
    store.import_events(e.to_json() for e in other.events())
    imported = store.events("H1")
    store.close()
    other.close()
    assert _problems(home) == []
    edited, last = imported[1], imported[2]
    assert last.seq == edited.seq + 1
    tamper(
        f"""UPDATE events SET payload = '{{"n":3}}' WHERE seq = {edited.seq}""",
        f"DELETE FROM events WHERE seq = {last.seq}",
    )
    problems = _problems(home)
    assert [(code, seq) for code, seq, _, _ in problems] == [("hash_mismatch", edited.seq), ("truncated", None)]
