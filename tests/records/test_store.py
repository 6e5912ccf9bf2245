"""The local store on real SQLite files: schema and migrations, the event log and who wrote each event, foreign events,
artifacts, patient identity, append-only triggers, crash safety and concurrent writers.

Event tests run on a copy of a set-up workstation (``people_home``: an administrator, an engineer, a clinician and a
quality user, and a passed self-test), because every case event names and is attested by a signed-in user."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from people import People, password_of
from sqlalchemy import create_engine

from records.errors import (
    ArtifactChangedError,
    ArtifactMissingError,
    CaseExistsError,
    CaseNotFoundError,
    ChainGapError,
    EventConflictError,
    EventHashError,
    IdentityInPayloadError,
    ImportRefusedError,
    InvalidEventError,
    RecordsError,
    StoreError,
    UnattributedEventError,
    UntrustedSiteError,
    UserDisabledError,
)
from records.events import NewEvent, canonical_json, hash_material
from records.identity import verify_attestation
from records.models import metadata
from records.store import DB_NAME, SCHEMA_HEAD, Store, head_revision
from records.users import Session, disable_user, trust_site

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(people_home: tuple[Path, People]) -> Path:
    """A copy of a set-up workstation's home (the ``store`` and ``tamper`` fixtures use it)."""
    return people_home[0]


@pytest.fixture
def people(people_home: tuple[Path, People]) -> People:
    """The signed-in users of ``home``."""
    return people_home[1]


def _expected_hash(event_json: dict[str, object]) -> str:
    """The hash as the design defines it, computed independently of the store's own code (the attestation signs the
    hash, so it is not part of it)."""
    fields = {k: v for k, v in event_json.items() if k not in ("seq", "hash", "attestation")}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------- schema


def test_open_creates_a_wal_store_at_the_head_revision(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    store = Store.open(home)
    assert (home / DB_NAME).is_file()
    assert (home / "artifacts").is_dir()
    assert store.schema_version == head_revision() == "0002"
    connection = sqlite3.connect(home / DB_NAME)
    try:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]
        columns = [row[1] for row in connection.execute("PRAGMA table_info(events)")]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        connection.close()
    assert {"site", "events", "artifacts", "patient_identity", "alembic_version"} <= tables
    assert columns[-1] == "attestation"
    with store._read() as conn:  # the store's own connections: durable commits, foreign keys on
        assert conn.exec_driver_sql("PRAGMA synchronous").first() == (2,)  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").first() == (1,)
    store.close()


def test_the_tables_match_the_migrated_schema(store: Store) -> None:
    engine = create_engine(f"sqlite:///{store.path}")
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()


def test_site_id_is_created_once_and_reopening_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    first = Store.open(home)
    site = first.site_id
    # A site-level event the software writes by itself (no person): a fresh store has no users yet.
    first.append("sign_in_failed", case_code=None, payload={"user_id": "nobody", "at": "2026-05-01T09:30:00+08:00"})
    first.close()
    before = (home / DB_NAME).read_bytes()
    again = Store.open(home)
    assert again.site_id == site
    assert again.schema_version == "0002"
    assert len(site) == 32
    assert int(site, 16) >= 0
    again.close()
    assert (home / DB_NAME).read_bytes() == before  # reopening at head migrated nothing and wrote nothing


def test_a_store_from_a_newer_dvw_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    Store.open(home).close()
    connection = sqlite3.connect(home / DB_NAME)
    connection.execute("UPDATE alembic_version SET version_num = '9999'")
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match="9999"):
        Store.open(home)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    home.mkdir()
    (home / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the store"):
        Store.open(home)


# ---------------------------------------------------------------------------------------------- events


def test_append_builds_the_chain_with_the_documented_hash(store: Store, people: People) -> None:
    before = store.events()
    eng = people.engineer
    first = store.append("case_created", case_code="C1", payload={"family": "cranial_plate"}, by=eng)
    second = store.append(
        "note", case_code="C1", payload={"text": "héllo", "n": 1.5, "nested": {"b": 1, "a": [1]}}, by=eng
    )
    third = store.append("note", case_code=None, payload={}, by=eng)
    base = len(before)
    assert [e.seq for e in (first, second, third)] == [base + 1, base + 2, base + 3]
    assert first.prev_hash == before[-1].hash  # this site's chain goes on from its set-up events
    assert before[0].prev_hash == ""
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    for event in (first, second, third):
        assert event.hash == _expected_hash(event.to_json())
        assert event.site_id == store.site_id
        assert len(event.event_id) == 32
        assert datetime.fromisoformat(event.created_at).tzinfo is not None
        # Attested: the actor's Ed25519 signature over the event's hash, stored with the event.
        assert event.actor == "eng1"
        assert verify_attestation(eng.user.public_key_pem, "eng1", event)
    assert store.events()[base:] == [first, second, third]
    assert [e.attestation for e in store.events()[base:]] == [first.attestation, second.attestation, third.attestation]
    assert store.events("C1") == [first, second]
    assert first.payload == {"family": "cranial_plate"}


def test_every_case_event_names_an_enabled_user_of_this_site_who_attests_it(store: Store, people: People) -> None:
    count = store.event_count()
    with pytest.raises(UnattributedEventError, match="must name the person"):
        store.append("case_created", case_code="C1", payload={})
    with pytest.raises(UnattributedEventError, match="must name the person"):
        store.append("note", case_code=None, payload={"text": "site-level, but not a system kind"})
    # Someone who is not a user here, and a user's id with a key that is not theirs, cannot write either.
    stranger = Session(dataclasses.replace(people.engineer.user, user_id="mallory"), Ed25519PrivateKey.generate())
    with pytest.raises(UnattributedEventError, match="'mallory' is not a user of this site"):
        store.append("case_created", case_code="C1", payload={}, by=stranger)
    impostor = Session(people.engineer.user, Ed25519PrivateKey.generate())
    with pytest.raises(UnattributedEventError, match="does not verify with the key recorded for them"):
        store.append("case_created", case_code="C1", payload={}, by=impostor)
    disable_user(store, "qa1", by=people.admin)
    with pytest.raises(UserDisabledError, match="qa1 was disabled"):
        store.append("case_created", case_code="C1", payload={}, by=people.quality)
    assert store.event_count() == count + 1  # only the user_disabled event
    # The kinds the software writes by itself need no person.
    failed = store.append("sign_in_failed", case_code=None, payload={"user_id": "eng1", "at": _now_text()})
    assert (failed.actor, failed.attestation) == (None, None)
    assert store.verify().ok


def _now_text() -> str:
    return datetime.now().astimezone().isoformat()


def test_payload_is_stored_as_canonical_json(home: Path, store: Store, people: People) -> None:
    payload = {"z": 1, "a": {"y": "ü", "x": [1, 2.5]}}
    store.append("case_created", case_code="C1", payload=payload, by=people.engineer)
    connection = sqlite3.connect(home / DB_NAME)
    (text,) = connection.execute("SELECT payload FROM events WHERE case_code = 'C1'").fetchone()
    connection.close()
    assert text == '{"a":{"x":[1,2.5],"y":"ü"},"z":1}'
    assert text == canonical_json({"z": 1, "a": {"y": "ü", "x": [1, 2.5]}})


def test_event_time_is_timezone_aware(store: Store, people: People) -> None:
    at = datetime(2026, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    event = store.append("case_created", case_code="C1", payload={}, by=people.engineer, at=at)
    assert event.created_at == "2026-05-01T09:30:00.000000+08:00"
    with pytest.raises(InvalidEventError, match="no time zone"):
        store.append("note", case_code="C1", payload={}, by=people.engineer, at=datetime(2026, 5, 1, 9, 30))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("kind", "code", "payload", "error", "match"),
    [
        ("Bad Kind", "C1", {}, InvalidEventError, "invalid event kind"),
        ("note", "bad code!", {}, InvalidEventError, "invalid case code"),
        ("note", "x" * 65, {}, InvalidEventError, "invalid case code"),
        ("note", "C1", {"v": float("nan")}, InvalidEventError, "non-finite"),
        ("note", "C1", {"v": float("inf")}, InvalidEventError, "non-finite"),
        ("note", "C1", {"v": {1, 2}}, InvalidEventError, "not canonical JSON"),
        ("note", "C1", [1, 2], InvalidEventError, "JSON object"),
        ("note", "NOPE", {}, CaseNotFoundError, "no case NOPE"),
        ("case_created", "C1", {}, CaseExistsError, "already exists"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(
    store: Store, people: People, kind: str, code: str, payload: object, error: type[Exception], match: str
) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    count = store.event_count()
    with pytest.raises(error, match=match):
        store.append(kind, case_code=code, payload=payload, by=people.engineer)  # type: ignore[arg-type]
    assert store.event_count() == count
    assert store.verify().ok


def test_errors_are_dvw_errors_with_stable_codes(store: Store, people: People) -> None:
    with pytest.raises(RecordsError) as caught:
        store.append("note", case_code="NOPE", payload={}, by=people.engineer)
    assert caught.value.code == "case_not_found"
    with pytest.raises(RecordsError) as unattributed:
        store.append("case_created", case_code="C1", payload={})
    assert unattributed.value.code == "unattributed"


def test_append_many_is_one_transaction(store: Store, people: People) -> None:
    eng = people.engineer
    base = store.event_count()
    events = store.append_many(
        [
            NewEvent("case_created", "C1", {}, eng),
            NewEvent("note", "C1", {"i": 1}, eng),
            NewEvent("case_created", "C2", {}, eng),
        ]
    )
    assert [e.seq for e in events] == [base + 1, base + 2, base + 3]
    assert events[2].prev_hash == events[1].hash
    with pytest.raises(CaseExistsError):
        store.append_many([NewEvent("note", "C1", {"i": 2}, eng), NewEvent("case_created", "C1", {}, eng)])
    with pytest.raises(UnattributedEventError):
        store.append_many([NewEvent("note", "C1", {"i": 2}, eng), NewEvent("note", "C1", {"i": 3})])
    assert store.event_count() == base + 3  # the refused batches left nothing behind
    assert store.append("note", case_code="C1", payload={}, by=eng).seq == base + 4


@pytest.mark.parametrize(
    "payload",
    [
        {"patient_name": "Zhang^Wei"},
        {"inputs": {"ct": "ab"}, "meta": [{"PatientID": "123"}]},
        {"birth_date": "1970-01-01"},
        {"deep": {"Patient-Birth-Date": "1970"}},
        {"patient": {"name": "Zhang Wei"}},
        {"patient": {"id": "H123"}},
        {"dob": "1970-01-01"},
    ],
)
def test_identity_keys_are_refused_anywhere_in_a_payload(
    store: Store, people: People, payload: dict[str, object]
) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    count = store.event_count()
    with pytest.raises(IdentityInPayloadError):
        store.append("note", case_code="C1", payload=payload, by=people.engineer)
    assert store.event_count() == count


def test_a_check_payload_with_parameter_names_is_accepted(store: Store, people: People) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    check = {
        "verdict": "within",
        "results": [{"name": "design.min_wall_thickness", "value": 2.5, "unit": "mm"}],
        "envelope": {"id": "cranial-plate-pekk", "version": "1.0", "sha256": "ab" * 32},
        "patient": {"age_years": 54},
    }
    assert store.append("check_run", case_code="C1", payload=check, by=people.engineer).payload == check


def test_patient_identity_stays_local_and_its_values_are_refused_in_events(
    home: Path, store: Store, people: People
) -> None:
    eng = people.engineer
    store.append("case_created", case_code="C1", payload={}, by=eng)
    with pytest.raises(CaseNotFoundError):
        store.set_patient_identity("C2", name="Someone")
    store.set_patient_identity("C1", name="Zhang^Wei", patient_id="H-0042", birth_date="1970-02-03")
    store.set_patient_identity("C1", name="Zhang^Wei Jr", patient_id="H-0042", birth_date=date(1970, 2, 3))
    identity = store.patient_identity("C1")
    assert identity is not None
    assert (identity.name, identity.patient_id, identity.birth_date) == ("Zhang^Wei Jr", "H-0042", "1970-02-03")
    assert store.patient_identity("C9") is None
    with pytest.raises(InvalidEventError, match="ISO date"):
        store.set_patient_identity("C1", birth_date="03/02/1970")
    for payload in ({"comment": "h-0042"}, {"text": "plate for zhang wei, left side"}, {"x": ["1970-02-03"]}):
        with pytest.raises(IdentityInPayloadError):
            store.append("note", case_code="C1", payload=payload, by=eng)
    store.append("note", case_code="C1", payload={"text": "left side, 5 mm plate"}, by=eng)
    connection = sqlite3.connect(home / DB_NAME)
    payloads = " ".join(row[0] for row in connection.execute("SELECT payload FROM events WHERE case_code = 'C1'"))
    connection.close()
    for secret in ("Zhang", "H-0042", "1970"):
        assert secret not in payloads


@pytest.mark.parametrize("table", ["events", "artifacts", "patient_identity", "site"])
def test_update_and_delete_are_refused_by_triggers(home: Path, store: Store, people: People, table: str) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    store.set_patient_identity("C1", name="A B")
    store.put_artifact(b"data", "test")
    store.close()
    connection = sqlite3.connect(home / DB_NAME)
    try:
        rows = connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        assert rows >= 1
        column = {"events": "kind", "artifacts": "kind", "patient_identity": "name", "site": "created_at"}[table]
        with pytest.raises(sqlite3.DatabaseError, match=f"{table} is append-only: UPDATE refused"):
            connection.execute(f"UPDATE {table} SET {column} = 'x'")
        with pytest.raises(sqlite3.DatabaseError, match=f"{table} is append-only: DELETE refused"):
            connection.execute(f"DELETE FROM {table}")
        assert connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == rows
    finally:
        connection.close()


def test_insert_or_replace_cannot_overwrite_an_event(store: Store, people: People) -> None:
    event = store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    held = store.events()
    with pytest.raises(Exception, match="append-only"), store._write() as conn:
        conn.exec_driver_sql(
            "INSERT OR REPLACE INTO events VALUES (?, ?, ?, 'C1', 'note', '{}', NULL, 'x', '', ?, NULL)",
            (event.seq, event.event_id, store.site_id, "0" * 64),
        )
    assert store.events() == held


# ---------------------------------------------------------------------------------------------- foreign events


def _other_site(other_site_home: tuple[Path, People]) -> tuple[Store, People]:
    """Another set-up site with case H1 (created, inputs, a check), each event by its own engineer."""
    home, people = other_site_home
    other = Store.open(home)
    eng = people.engineer
    other.append("case_created", case_code="H1", payload={"site": "hospital"}, by=eng)
    other.append("inputs_added", case_code="H1", payload={"ct": "ab" * 32}, by=eng)
    other.append("check_run", case_code="H1", payload={"verdict": "within"}, by=eng)
    return other, people


def test_foreign_events_keep_their_site_chain_and_are_idempotent(
    store: Store, people: People, other_site_home: tuple[Path, People]
) -> None:
    other, theirs = _other_site(other_site_home)
    shipped = [event.to_json() for event in other.events()]
    trust_site(store, other.site_id, by=people.admin)
    own = store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    first = [store.append_foreign(data) for data in shipped]
    assert [e.seq for e in first] == list(range(own.seq + 1, own.seq + 1 + len(shipped)))
    assert [e.hash for e in first] == [e["hash"] for e in shipped]
    assert [e.attestation for e in first] == [e["attestation"] for e in shipped]
    assert all(e.site_id == other.site_id for e in first)
    again = store.import_events(shipped)  # the same events twice = once
    assert (again.added, again.held) == (0, len(shipped))
    assert store.append_foreign(shipped[1]).seq == first[1].seq
    count = store.event_count()
    assert count == own.seq + len(shipped)
    mine = store.append("note", case_code="C1", payload={}, by=people.engineer)
    # This site's chain goes on from this site's last event; first comes a marker naming what it now holds of the
    # other site, so the audit knows what the next events of this site could have seen.
    marker, held_mine = store.events()[count:]
    assert held_mine == mine
    assert (marker.kind, marker.case_code, marker.actor) == ("sync_received", None, None)
    assert marker.payload == {"heads": {other.site_id: shipped[-1]["hash"]}}
    assert marker.prev_hash == own.hash
    assert mine.prev_hash == marker.hash
    report = store.verify()
    assert report.ok, report.problems
    assert store.case("H1").verdict == "within"
    newer = other.append("note", case_code="H1", payload={"n": 1}, by=theirs.engineer)
    assert store.import_events([e.to_json() for e in other.events()]).added == 1
    assert store.events()[-1].hash == newer.hash
    other.close()


def test_foreign_events_of_an_untrusted_site_are_refused(
    store: Store, people: People, other_site_home: tuple[Path, People]
) -> None:
    other, _ = _other_site(other_site_home)
    shipped = [event.to_json() for event in other.events()]
    count = store.event_count()
    with pytest.raises(UntrustedSiteError, match=f"site {other.site_id} is not trusted here"):
        store.import_events(shipped)
    with pytest.raises(UntrustedSiteError):
        store.append_foreign(shipped[0])
    assert store.event_count() == count  # nothing was imported
    other.close()


def test_foreign_events_are_checked(store: Store, people: People, other_site_home: tuple[Path, People]) -> None:
    other, theirs = _other_site(other_site_home)
    shipped = [event.to_json() for event in other.events()]
    trust_site(store, other.site_id, by=people.admin)
    forged = {**shipped[0], "payload": {"site": "elsewhere"}}
    with pytest.raises(EventHashError, match="does not match its hash"):
        store.append_foreign(forged)
    with pytest.raises(ChainGapError, match="before its predecessor"):
        store.append_foreign(shipped[1])
    with pytest.raises(InvalidEventError, match="lacks hash"):
        store.append_foreign({k: v for k, v in shipped[0].items() if k != "hash"})
    own = store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    claim = {**own.to_json(), "event_id": "f" * 32}
    claim["hash"] = _expected_hash(claim)
    with pytest.raises(EventConflictError, match="claims this site"):
        store.append_foreign(claim)
    store.import_events(shipped[:-1])
    last = shipped[-1]
    # A different event claiming the same predecessor: rehashed without its writer's key it is refused ...
    unattested = {**last, "event_id": "e" * 32, "payload": {"verdict": "out_of_envelope"}, "attestation": None}
    unattested["hash"] = _expected_hash(unattested)
    count = store.event_count()
    with pytest.raises(ImportRefusedError, match="carries no attestation"):
        store.append_foreign(unattested)
    assert store.event_count() == count
    # ... and, attested by the other site's engineer (that site rewrote its own history), it forks the chain.
    fork = {**unattested, "attestation": theirs.engineer.attest(unattested["hash"])}
    store.append_foreign(fork)
    with pytest.raises(EventConflictError, match="fork"):
        store.append_foreign(last)
    # The same event id with other content is a conflict, not a duplicate.
    changed = {**shipped[0], "created_at": "2020-01-01T00:00:00+00:00"}
    changed["hash"] = _expected_hash(changed)
    with pytest.raises(EventConflictError, match="held here with hash"):
        store.append_foreign(changed)
    assert store.verify().ok
    other.close()


def test_foreign_events_with_identity_are_refused(store: Store, other_site_home: tuple[Path, People]) -> None:
    home, theirs = other_site_home
    other = Store.open(home)
    other.append("case_created", case_code="H1", payload={}, by=theirs.engineer)
    data = other.events()[-1].to_json()
    data["payload"] = {"patient_name": "X Y"}
    data["hash"] = _expected_hash(data)
    with pytest.raises(IdentityInPayloadError):
        store.append_foreign(data)
    other.close()


# ---------------------------------------------------------------------------------------------- artifacts


def test_artifacts_are_content_addressed_read_only_and_idempotent(tmp_path: Path, home: Path, store: Store) -> None:
    content = os.urandom(100_000)
    source = tmp_path / "mesh.stl"
    source.write_bytes(content)
    sha = store.put_artifact(source, "mesh")
    assert sha == hashlib.sha256(content).hexdigest()
    path = home / "artifacts" / sha[:2] / sha
    assert path.read_bytes() == content
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert store.put_artifact(content, "other-kind") == sha  # same content: same artifact, first kind kept
    assert [(a.sha256, a.size, a.kind) for a in store.artifacts() if a.sha256 == sha] == [(sha, len(content), "mesh")]
    assert store.artifact_path(sha) == path
    assert store.read_artifact(sha) == content
    assert list(path.parent.iterdir()) == [path]  # no temporary files left
    small = store.put_artifact(b"", "empty")
    assert store.read_artifact(small) == b""


def test_a_changed_or_missing_artifact_is_refused_on_read(home: Path, store: Store) -> None:
    sha = store.put_artifact(b"original bytes", "test")
    path = home / "artifacts" / sha[:2] / sha
    path.chmod(0o644)
    path.write_bytes(b"original bytez")
    with pytest.raises(ArtifactChangedError, match=f"artifact {sha} changed on disk") as caught:
        store.read_artifact(sha)
    assert caught.value.code == "artifact_changed"
    with pytest.raises(ArtifactChangedError):
        store.artifact_path(sha)
    assert store.put_artifact(b"original bytes", "test") == sha  # storing the content again repairs the file
    assert store.read_artifact(sha) == b"original bytes"
    path.unlink()
    with pytest.raises(ArtifactMissingError, match="missing") as missing:
        store.read_artifact(sha)
    assert missing.value.code == "artifact_missing"
    with pytest.raises(ArtifactMissingError, match="not in the store"):
        store.read_artifact(hashlib.sha256(b"never stored").hexdigest())
    with pytest.raises(ArtifactMissingError, match="not a SHA-256"):
        store.read_artifact("../../etc/passwd")
    with pytest.raises(ArtifactMissingError, match="no such file"):
        store.put_artifact(home / "nothing-here", "test")


# ---------------------------------------------------------------------------------------------- crash, concurrency

_WRITER = """
import os
import sys
from pathlib import Path
from records.store import Store
from records.users import sign_in

store = Store.open(Path(sys.argv[1]))
code = sys.argv[2]
count = int(sys.argv[3])
session = sign_in(store, "eng1", os.environ["DVW_TEST_PASSWORD"])
store.append("case_created", case_code=code, payload={}, by=session)
print("created", flush=True)
i = 0
while count < 0 or i < count:
    if i % 10 == 0:
        store.put_artifact(f"{code} artifact {i}".encode() * 100, "test")
    event = store.append("note", case_code=code, payload={"i": i, "pad": "x" * 300}, by=session)
    print(event.seq, flush=True)  # printed only after the commit returned
    i += 1
"""

_OPENER = """
import sys
from pathlib import Path
from records.store import Store

with Store.open(Path(sys.argv[1])) as store:
    print(store.site_id, store.schema_version, flush=True)
"""


def _python(script: str, *argv: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "DVW_TEST_PASSWORD": password_of("eng1")}
    return subprocess.Popen(
        [sys.executable, "-c", script, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )


def _writer(home: Path, code: str, count: int) -> subprocess.Popen[str]:
    """A process that signs in as the engineer and appends a case and ``count`` notes (forever when negative)."""
    return _python(_WRITER, str(home), code, str(count))


def test_a_writer_killed_mid_run_loses_nothing_acknowledged(home: Path, people: People) -> None:
    process = _writer(home, "K1", -1)
    assert process.stdout is not None
    acknowledged: list[int] = []
    deadline = time.monotonic() + 120
    assert process.stdout.readline().strip() == "created", process.stderr.read() if process.stderr else ""
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, "the writer stopped early"
        acknowledged.append(int(line))
    os.kill(process.pid, signal.SIGKILL)
    rest, _ = process.communicate(timeout=30)
    acknowledged += [int(line) for line in rest.split()]
    assert process.returncode == -signal.SIGKILL
    assert len(acknowledged) >= 150
    with Store.open(home) as store:
        report = store.verify()
        assert report.ok, report.problems
        held = {event.seq for event in store.events()}
        assert set(acknowledged) <= held
        assert len(store.artifacts()) >= 15
        # The store still takes writes after the crash, continuing the chain.
        assert store.append("note", case_code="K1", payload={}, by=people.engineer).prev_hash == store.events()[-2].hash


def test_two_processes_creating_one_store_at_once_agree_on_it(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    openers = [_python(_OPENER, str(fresh)) for _ in range(2)]  # both race to create and migrate the store
    outputs = [opener.communicate(timeout=300) for opener in openers]
    for opener, (_, err) in zip(openers, outputs, strict=True):
        assert opener.returncode == 0, err
    assert outputs[0][0] == outputs[1][0]
    site, version = outputs[0][0].split()
    with Store.open(fresh) as store:
        assert (site, version) == (store.site_id, head_revision())


def test_two_processes_appending_at_once_both_succeed(home: Path) -> None:
    with Store.open(home) as store:
        base = store.event_count()
    writers = [_writer(home, code, 150) for code in ("P1", "P2")]
    outputs = [writer.communicate(timeout=300) for writer in writers]
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert len(out.split()) == 151
    with Store.open(home) as store:
        events = store.events()
        assert len(events) == base + 302
        assert [e.seq for e in events] == list(range(1, base + 303))
        assert len({e.site_id for e in events}) == 1
        report = store.verify()
        assert report.ok, report.problems
        assert {case.code for case in store.cases()} == {"P1", "P2"}


def test_threads_sharing_one_store_keep_one_chain(store: Store, people: People) -> None:
    eng = people.engineer
    store.append("case_created", case_code="T1", payload={}, by=eng)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: store.append("note", case_code="T1", payload={"i": i}, by=eng), range(80)))
    assert len(store.events("T1")) == 81
    assert store.verify().ok


def test_reading_during_writes_sees_whole_events(store: Store, people: People) -> None:
    # A reader in its own process-level connection sees only committed events, each with a valid hash.
    store.append("case_created", case_code="R1", payload={}, by=people.engineer)
    reader = Store.open(store.home)
    for i in range(20):
        store.append("note", case_code="R1", payload={"i": i}, by=people.engineer)
        seen = reader.events("R1")
        assert len(seen) == i + 2
        assert all(e.hash == e.computed_hash() for e in seen)
    reader.close()


def test_naive_utc_helpers_are_not_used(store: Store, people: People) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    event = store.append("case_created", case_code="C1", payload={}, by=people.engineer, at=at)
    assert event.created_at.endswith("+00:00")


@pytest.mark.parametrize(
    "text", ["plain", 'quote"d', "back\\slash", "ctrl\x01\n\t", "héllo 中文", "\u2028", "", "\x7f"]
)
def test_hash_material_is_the_canonical_json_of_the_fields(text: str) -> None:
    fields = {
        "event_id": "a" * 32,
        "site_id": "b" * 32,
        "case_code": None,
        "kind": "note",
        "actor": text,
        "created_at": text,
        "prev_hash": "",
    }
    payload = {"text": text, "n": [1, 2.5, None, True]}
    material = hash_material(**fields, payload_json=canonical_json(payload))  # type: ignore[arg-type]
    assert material == canonical_json({**fields, "payload": payload}).encode("utf-8")


def test_the_schema_head_the_store_knows_is_alembics() -> None:
    """A store at SCHEMA_HEAD opens without Alembic: the constant must be the migration scripts' head."""
    assert head_revision() == SCHEMA_HEAD
