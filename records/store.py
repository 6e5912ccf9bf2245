"""The local store: one SQLite file (``dvw.sqlite``) and the content-addressed ``artifacts/`` folder in the home.

- **Event log.** :meth:`Store.append` adds an event to this site's hash chain; :meth:`Store.append_foreign` adds an
  event written by another site (sync, bundles), after checking its hash and its place in that site's chain.
  Nothing is updated in place or deleted: SQLite triggers abort any UPDATE or DELETE.
- **Artifacts.** :meth:`Store.put_artifact` copies bytes to ``artifacts/<2 hex>/<sha256>`` (atomically, read-only);
  :meth:`Store.read_artifact` and :meth:`Store.artifact_path` check the hash on every read.
- **Patient identity** stays in the site-local ``patient_identity`` table and never enters an event.
- **Audit.** :meth:`Store.verify` recomputes every hash and chain and checks every artifact file.

Durability and writers: SQLite in WAL mode with ``synchronous=FULL`` (a committed event survives power loss) and
foreign keys on. Every write is one ``BEGIN IMMEDIATE`` transaction, so writers (threads of this process, guarded
by a lock, and other processes, waiting up to the busy timeout) are serialised and each reads its site's chain
head inside the transaction that extends it. Reads run in deferred transactions on a consistent snapshot.

The schema is brought to the latest Alembic revision on :meth:`Store.open` (no ``alembic.ini``: the migration
scripts ship in ``records/migrations``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry

from imaging.files import sha256_file, write_atomically
from records.audit import (
    AuditReport,
    EventRow,
    SignatureChecker,
    audit_artifacts,
    audit_events,
    audit_triggers,
    event_from_row,
)
from records.cases import CaseState, case_state, case_states
from records.errors import (
    ArtifactChangedError,
    ArtifactMissingError,
    CaseExistsError,
    CaseNotFoundError,
    ChainGapError,
    EventConflictError,
    InvalidEventError,
    StoreError,
)
from records.events import (
    CASE_CREATED,
    Event,
    NewEvent,
    check_case_code,
    check_kind,
    check_payload,
    check_payload_privacy,
    compute_hash,
    event_from_json,
    format_time,
    is_sha256,
)
from records.migrating import alembic_config
from records.migrating import head_revision as migrating_head
from records.models import append_only_triggers

DB_NAME = "dvw.sqlite"
ARTIFACTS_DIR = "artifacts"
BUSY_TIMEOUT_S = 60.0
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_EVENT_COLUMNS = "seq, event_id, site_id, case_code, kind, payload, actor, created_at, prev_hash, hash"
_INSERT_EVENT = f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608


@dataclass(frozen=True)
class ArtifactInfo:
    """An artifact's record: SHA-256 (hex), size in bytes, kind, and when it was added (ISO 8601)."""

    sha256: str
    size: int
    kind: str
    added_at: str


@dataclass(frozen=True)
class PatientIdentity:
    """A case's site-local patient identity (the newest record for the case); fields may be None."""

    case_code: str
    name: str | None
    patient_id: str | None
    birth_date: str | None
    recorded_at: str


@dataclass(frozen=True)
class ImportResult:
    """What :meth:`Store.import_events` did: events added, and events already held (skipped)."""

    added: int
    held: int


def _now() -> str:
    return format_time(datetime.now().astimezone())


def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # pysqlite's own transaction handling is switched off so that SQLAlchemy's "begin" event below decides how
    # each transaction begins (the recipe in SQLAlchemy's SQLite dialect documentation).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # REPLACE conflict resolution deletes rows; with recursive triggers the delete triggers see that too.
        cursor.execute("PRAGMA recursive_triggers=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    finally:
        cursor.close()


def _on_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("dvw_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Store:
    """The local store in one home folder. Open it with :meth:`Store.open`; close it with :meth:`close`.

    A store may be shared by threads (writes are serialised by a lock) and by processes (by SQLite's lock).
    """

    def __init__(self, home: Path, engine: Engine, site_id: str, schema_version: str) -> None:
        self._home = home
        self._engine = engine
        self._site_id = site_id
        self._schema_version = schema_version
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, home: Path) -> Store:
        """Open (or create) the store in ``home`` and migrate its schema to the latest revision.

        Parameters
        ----------
        home
            The DVW home folder; created if missing. The database is ``home/dvw.sqlite``.

        Returns
        -------
        Store
            The open store, at the latest schema revision, with this site's ``site_id``.

        Raises
        ------
        StoreError
            When the file is not a DVW store, cannot be opened, or was written by a newer DVW.
        """
        home = Path(home)
        try:
            home.mkdir(parents=True, exist_ok=True)
            (home / ARTIFACTS_DIR).mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store folder {home}: {exc}", path=str(home)) from None
        path = home / DB_NAME
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", _on_begin)
        try:
            version = _migrate(engine, path)
            site_id = _ensure_site(engine)
        except (DBAPIError, sqlite3.DatabaseError) as exc:
            engine.dispose()
            raise StoreError(f"cannot open the store {path}: {exc}", path=str(path)) from None
        except BaseException:
            engine.dispose()
            raise
        return cls(home, engine, site_id, version)

    def close(self) -> None:
        """Close every database connection of this store."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def home(self) -> Path:
        """The home folder."""
        return self._home

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self._home / DB_NAME

    @property
    def site_id(self) -> str:
        """The random id of this site (32 hex digits), created with the store."""
        return self._site_id

    @property
    def schema_version(self) -> str:
        """The Alembic revision of the schema (e.g. ``"0001"``)."""
        return self._schema_version

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._lock, self._engine.connect() as conn:
            conn.execution_options(dvw_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    # ------------------------------------------------------------------ events

    def append(
        self,
        kind: str,
        *,
        case_code: str | None,
        payload: Mapping[str, Any],
        actor: str | None = None,
        at: datetime | None = None,
    ) -> Event:
        """Append one event to this site's chain, in its own transaction (durable when this returns).

        Parameters
        ----------
        kind
            What happened (``case_created``, ``inputs_added``, ``check_run``, ``reverification_recorded``,
            ``signature``, ``design_changed``, ``note``, or another well-formed kind).
        case_code
            The case (``[A-Za-z0-9._-]{1,64}``), or None for a site-level event. A ``case_created`` event needs a
            new code; any other case event needs a case that was created.
        payload
            A JSON object (finite numbers only) without patient identity.
        actor
            The user id that caused the event, or None.
        at
            When it happened (timezone-aware); default now in the local zone.

        Returns
        -------
        Event
            The stored event with its ``seq`` and ``hash``.

        Raises
        ------
        InvalidEventError
            A malformed kind, case code, time or payload.
        IdentityInPayloadError
            The payload would carry patient identity.
        CaseExistsError, CaseNotFoundError
            ``case_created`` for an existing code; another event for a case never created.
        """
        return self.append_many([NewEvent(kind, case_code, payload, actor, at)])[0]

    def append_many(self, items: Iterable[NewEvent]) -> list[Event]:
        """Append several events to this site's chain in one transaction (all or none).

        Each item is checked as in :meth:`append`; a ``case_created`` earlier in the batch counts for later items.

        Returns
        -------
        list of Event
            The stored events, in order.
        """
        prepared = [(item, check_kind(item.kind), check_payload(item.payload)) for item in items]
        if not prepared:
            return []
        with self._write() as conn:
            prev_hash = self._site_head(conn, self._site_id)
            seq = self._issued_seq(conn)
            created: set[str] = set()
            known: set[str] = set()
            identities: dict[str, list[str]] = {}
            rows: list[EventRow] = []
            for item, kind, payload_json in prepared:
                code = None if item.case_code is None else check_case_code(item.case_code)
                if code is not None:
                    self._check_case_event(conn, kind, code, created, known)
                    if code not in identities:
                        identities[code] = self._identity_values(conn, code)
                    check_payload_privacy(item.payload, identities[code])
                else:
                    check_payload_privacy(item.payload)
                created_at = _now() if item.at is None else format_time(item.at)
                event_id = uuid.uuid4().hex
                digest = compute_hash(
                    event_id=event_id,
                    site_id=self._site_id,
                    case_code=code,
                    kind=kind,
                    payload_json=payload_json,
                    actor=item.actor,
                    created_at=created_at,
                    prev_hash=prev_hash,
                )
                seq += 1
                rows.append(
                    (seq, event_id, self._site_id, code, kind, payload_json, item.actor, created_at, prev_hash, digest)
                )
                prev_hash = digest
            conn.exec_driver_sql(_INSERT_EVENT, rows)
        return [event_from_row(row) for row in rows]

    def _check_case_event(self, conn: Connection, kind: str, code: str, created: set[str], known: set[str]) -> None:
        if kind == CASE_CREATED:
            if code in created or code in known or self._case_exists(conn, code):
                raise CaseExistsError(f"case {code} already exists")
            created.add(code)
        elif code not in created and code not in known:
            if not self._case_exists(conn, code):
                raise CaseNotFoundError(f"no case {code}: create it first (dvw case new {code})")
            known.add(code)

    @staticmethod
    def _case_exists(conn: Connection, code: str) -> bool:
        found = conn.exec_driver_sql(
            "SELECT 1 FROM events WHERE case_code = ? AND kind = ? LIMIT 1", (code, CASE_CREATED)
        ).first()
        return found is not None

    @staticmethod
    def _site_head(conn: Connection, site_id: str) -> str:
        found = conn.exec_driver_sql(
            "SELECT hash FROM events WHERE site_id = ? ORDER BY seq DESC LIMIT 1", (site_id,)
        ).first()
        return "" if found is None else str(found[0])

    @staticmethod
    def _issued_seq(conn: Connection) -> int:
        # The next seq continues after the highest number SQLite ever issued (AUTOINCREMENT's sqlite_sequence), so
        # a number is never reused even if rows were removed from the end by hand.
        issued = conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'events'").first()
        last = conn.exec_driver_sql("SELECT MAX(seq) FROM events").first()
        return max(int(issued[0]) if issued else 0, int(last[0]) if last and last[0] is not None else 0)

    @staticmethod
    def _identity_values(conn: Connection, code: str) -> list[str]:
        # Every identity ever recorded for the case counts (an earlier, corrected name still identifies).
        rows = conn.exec_driver_sql(
            "SELECT name, patient_id, birth_date FROM patient_identity WHERE case_code = ?", (code,)
        ).all()
        return [str(value) for row in rows for value in row if value]

    def append_foreign(self, event_json: Mapping[str, Any]) -> Event:
        """Add an event written by another site (sync, bundle import); the same event twice is stored once.

        The event must match its own hash, and extend its site's chain: its ``prev_hash`` must be the hash of
        the last event of that site held here ("" for the site's first event). So another site's events are
        imported in their chain order, without holes; a site's chain is never merged into this site's chain.

        Parameters
        ----------
        event_json
            An event as :meth:`Event.to_json` gives it (``seq`` is ignored: it is local).

        Returns
        -------
        Event
            The stored event (the one already held, when it was imported before).

        Raises
        ------
        InvalidEventError
            A missing or malformed field.
        EventHashError
            The fields do not hash to its ``hash``.
        EventConflictError
            Its id is held with different content, it claims this site, or it would fork its site's chain.
        ChainGapError
            Its predecessor in its site's chain is not held yet.
        IdentityInPayloadError
            Its payload carries patient identity keys.
        """
        return self._import([event_json])[0][0]

    def import_events(self, events: Iterable[Mapping[str, Any]]) -> ImportResult:
        """Add many events from other sites in one transaction (all or none); see :meth:`append_foreign`."""
        results = self._import(events)
        added = sum(1 for _, new in results if new)
        return ImportResult(added=added, held=len(results) - added)

    def _import(self, events: Iterable[Mapping[str, Any]]) -> list[tuple[Event, bool]]:
        checked = [_foreign_fields(data) for data in events]
        results: list[tuple[Event, bool]] = []
        with self._write() as conn:
            seq = self._issued_seq(conn)
            for fields in checked:
                event_id, site_id, digest, prev_hash = (
                    fields["event_id"],
                    fields["site_id"],
                    fields["hash"],
                    fields["prev_hash"],
                )
                held = conn.exec_driver_sql(
                    f"SELECT {_EVENT_COLUMNS} FROM events WHERE event_id = ?",  # noqa: S608
                    (event_id,),
                ).first()
                if held is not None:
                    if held[9] != digest:
                        raise EventConflictError(
                            f"event {event_id} is held here with hash {held[9]}, the imported copy has {digest}"
                        )
                    results.append((event_from_row(tuple(held)), False))
                    continue
                if site_id == self._site_id:
                    raise EventConflictError(
                        f"event {event_id} claims this site ({site_id}) but was never written here"
                    )
                head = self._site_head(conn, site_id)
                if prev_hash != head:
                    if prev_hash and self._hash_held(conn, prev_hash):
                        raise EventConflictError(
                            f"event {event_id} would fork the chain of site {site_id}: its predecessor already has "
                            "a successor here"
                        )
                    raise ChainGapError(
                        f"event {event_id} of site {site_id} arrived before its predecessor {prev_hash or '(none)'}; "
                        "import that site's earlier events first"
                    )
                seq += 1
                row: EventRow = (
                    seq,
                    event_id,
                    site_id,
                    fields["case_code"],
                    fields["kind"],
                    fields["payload_json"],
                    fields["actor"],
                    fields["created_at"],
                    prev_hash,
                    digest,
                )
                conn.exec_driver_sql(_INSERT_EVENT, row)
                results.append((event_from_row(row), True))
        return results

    @staticmethod
    def _hash_held(conn: Connection, digest: str) -> bool:
        return conn.exec_driver_sql("SELECT 1 FROM events WHERE hash = ?", (digest,)).first() is not None

    def events(self, case_code: str | None = None) -> list[Event]:
        """Every event (or only those of one case), in log (``seq``) order."""
        with self._read() as conn:
            if case_code is None:
                rows = conn.exec_driver_sql(f"SELECT {_EVENT_COLUMNS} FROM events ORDER BY seq").all()  # noqa: S608
            else:
                rows = conn.exec_driver_sql(
                    f"SELECT {_EVENT_COLUMNS} FROM events WHERE case_code = ? ORDER BY seq",  # noqa: S608
                    (case_code,),
                ).all()
        return [event_from_row(tuple(row)) for row in rows]

    def event_count(self) -> int:
        """Number of events held."""
        with self._read() as conn:
            found = conn.exec_driver_sql("SELECT COUNT(*) FROM events").first()
        return int(found[0]) if found else 0

    # ------------------------------------------------------------------ cases

    def case(self, code: str) -> CaseState:
        """The state of one case, derived from its events.

        Raises
        ------
        CaseNotFoundError
            When no case has this code.
        """
        check_case_code(code)
        events = self.events(code)
        if not events or events[0].kind != CASE_CREATED:
            raise CaseNotFoundError(f"no case {code} in the store {self.path}", path=str(self.path))
        return case_state(events)

    def cases(self) -> list[CaseState]:
        """Every case's state, in order of creation."""
        return case_states(self.events())

    # ------------------------------------------------------------------ patient identity

    def set_patient_identity(
        self,
        case_code: str,
        *,
        name: str | None = None,
        patient_id: str | None = None,
        birth_date: str | date | None = None,
    ) -> PatientIdentity:
        """Record the patient identity of a case in the site-local table (a newer record supersedes older ones).

        Identity never enters an event; once recorded, events of the case whose payload holds these values are
        refused.

        Parameters
        ----------
        case_code
            An existing case.
        name, patient_id
            As on the request or in DICOM (``^`` separators allowed).
        birth_date
            ISO date (``YYYY-MM-DD``).

        Raises
        ------
        CaseNotFoundError
            When the case does not exist.
        InvalidEventError
            When the birth date is not an ISO date.
        """
        code = check_case_code(case_code)
        birth_text = parse_birth_date(birth_date)
        recorded_at = _now()
        with self._write() as conn:
            if not self._case_exists(conn, code):
                raise CaseNotFoundError(f"no case {code}: create it first (dvw case new {code})")
            conn.exec_driver_sql(
                "INSERT INTO patient_identity (case_code, name, patient_id, birth_date, recorded_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (code, name or None, patient_id or None, birth_text, recorded_at),
            )
        return PatientIdentity(code, name or None, patient_id or None, birth_text, recorded_at)

    def patient_identity(self, case_code: str) -> PatientIdentity | None:
        """The newest identity record of a case, or None."""
        with self._read() as conn:
            row = conn.exec_driver_sql(
                "SELECT case_code, name, patient_id, birth_date, recorded_at FROM patient_identity "
                "WHERE case_code = ? ORDER BY id DESC LIMIT 1",
                (case_code,),
            ).first()
        return None if row is None else PatientIdentity(*row)

    # ------------------------------------------------------------------ artifacts

    def _artifact_file(self, sha: str) -> Path:
        return self._home / ARTIFACTS_DIR / sha[:2] / sha

    def put_artifact(self, source: Path | bytes, kind: str) -> str:
        """Store a file or bytes by content; storing the same content again changes nothing.

        Parameters
        ----------
        source
            A file to copy, or the bytes themselves.
        kind
            What it is (``dicom``, ``volume``, ``mask``, ``mesh``, ``parameters``, ``report``, ``evidence``, ...);
            the first kind recorded for a content stays.

        Returns
        -------
        str
            The content's SHA-256 (hex); the file is ``artifacts/<first 2 hex>/<sha256>``, read-only.

        Raises
        ------
        ArtifactMissingError
            When the source file does not exist.
        ArtifactChangedError
            When the source file changed while it was being copied.
        """
        if not kind or not isinstance(kind, str):
            raise InvalidEventError("an artifact needs a kind")
        if isinstance(source, bytes | bytearray | memoryview):
            data = bytes(source)
            sha = hashlib.sha256(data).hexdigest()
            size = len(data)
            label = "the given bytes"

            def write(temp: Path) -> None:
                temp.write_bytes(data)

        else:
            origin = Path(source)
            if not origin.is_file():
                raise ArtifactMissingError(f"no such file: {origin}", path=str(origin))
            sha = sha256_file(origin)
            size = origin.stat().st_size
            label = str(origin)

            def write(temp: Path) -> None:
                shutil.copyfile(origin, temp)

        target = self._artifact_file(sha)
        if not (target.is_file() and sha256_file(target) == sha):
            target.parent.mkdir(parents=True, exist_ok=True)
            written = write_atomically(target, write)
            if written != sha:
                target.unlink(missing_ok=True)
                raise ArtifactChangedError(f"{label} changed while it was being stored", path=label)
            target.chmod(0o444)
            _fsync_dir(target.parent)
        with self._write() as conn:
            conn.exec_driver_sql(
                "INSERT OR IGNORE INTO artifacts (sha256, size, kind, added_at) VALUES (?, ?, ?, ?)",
                (sha, size, kind, _now()),
            )
        return sha

    def artifact_info(self, sha: str) -> ArtifactInfo | None:
        """The artifact's record, or None when this store does not hold it."""
        with self._read() as conn:
            row = conn.exec_driver_sql(
                "SELECT sha256, size, kind, added_at FROM artifacts WHERE sha256 = ?", (sha,)
            ).first()
        return None if row is None else ArtifactInfo(*row)

    def artifacts(self) -> list[ArtifactInfo]:
        """Every artifact record, in order of SHA-256."""
        with self._read() as conn:
            rows = conn.exec_driver_sql("SELECT sha256, size, kind, added_at FROM artifacts ORDER BY sha256").all()
        return [ArtifactInfo(*row) for row in rows]

    def _recorded_file(self, sha: str) -> Path:
        if not is_sha256(sha):
            raise ArtifactMissingError(f"{sha!r} is not a SHA-256 (64 lower-case hex digits)")
        if self.artifact_info(sha) is None:
            raise ArtifactMissingError(f"artifact {sha} is not in the store {self.path}", path=str(self.path))
        path = self._artifact_file(sha)
        if not path.is_file():
            raise ArtifactMissingError(f"artifact {sha} missing: no file {path}", path=str(path))
        return path

    def artifact_path(self, sha: str) -> Path:
        """The file of an artifact, after checking that its content still has this SHA-256.

        Raises
        ------
        ArtifactMissingError
            When the store does not record it or its file is gone.
        ArtifactChangedError
            When the file's content changed.
        """
        path = self._recorded_file(sha)
        actual = sha256_file(path)
        if actual != sha:
            raise ArtifactChangedError(f"artifact {sha} changed on disk (now {actual})", path=str(path))
        return path

    def read_artifact(self, sha: str) -> bytes:
        """The bytes of an artifact, checked against its SHA-256 (errors as :meth:`artifact_path`)."""
        path = self._recorded_file(sha)
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha:
            raise ArtifactChangedError(f"artifact {sha} changed on disk (now {actual})", path=str(path))
        return data

    # ------------------------------------------------------------------ audit

    def verify(self, signature_checker: SignatureChecker | None = None, *, artifacts: bool = True) -> AuditReport:
        """Audit the whole store: every event hash, every site's chain, the sequence, triggers and artifacts.

        Parameters
        ----------
        signature_checker
            Called with each ``signature`` event whose hash holds; returns a one-line problem text or None.
            (The cryptographic check of signatures plugs in here.)
        artifacts
            Also re-hash every artifact file (reads all of them).

        Returns
        -------
        AuditReport
            ``ok`` with the counts, and every problem found (see :mod:`records.audit`).
        """
        with self._read() as conn:
            rows = conn.exec_driver_sql(f"SELECT {_EVENT_COLUMNS} FROM events ORDER BY seq").all()  # noqa: S608
            issued = conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'events'").first()
            trigger_rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
            artifact_rows = conn.exec_driver_sql("SELECT sha256, size FROM artifacts ORDER BY sha256").all()
        count, signatures, problems = audit_events(
            (tuple(row) for row in rows),
            issued_seq=int(issued[0]) if issued else None,
            signature_checker=signature_checker,
        )
        if artifacts:
            problems += audit_artifacts(((str(s), int(n)) for s, n in artifact_rows), self._artifact_file)
        problems += audit_triggers({str(n): str(q) for n, q in trigger_rows}, append_only_triggers())
        return AuditReport(ok=not problems, events=count, signatures=signatures, problems=tuple(problems))


def parse_birth_date(birth_date: str | date | None) -> str | None:
    """The ISO text (``YYYY-MM-DD``) of a birth date, None for none; bad text raises :class:`InvalidEventError`."""
    if isinstance(birth_date, date):
        return birth_date.isoformat()
    if not birth_date:
        return None
    try:
        return date.fromisoformat(birth_date).isoformat()
    except ValueError:
        raise InvalidEventError(f"birth date {birth_date!r} is not an ISO date (YYYY-MM-DD)") from None


def _fsync_dir(folder: Path) -> None:
    # The rename that published the file is durable only once its folder is flushed.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _foreign_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Check an imported event's fields, hash and privacy; returns them with ``payload_json``."""
    event = event_from_json(data)
    check_payload_privacy(data["payload"])
    return {
        "event_id": event.event_id,
        "site_id": event.site_id,
        "case_code": event.case_code,
        "kind": event.kind,
        "payload_json": event.payload_json,
        "actor": event.actor,
        "created_at": event.created_at,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def _alembic_config(connection: Connection | None = None) -> Config:
    return alembic_config(_MIGRATIONS, connection)


def head_revision() -> str:
    """The latest schema revision this software knows."""
    return migrating_head(_MIGRATIONS)


def _current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _migrate(engine: Engine, path: Path) -> str:
    """Bring the schema to the head revision; a store already at head is only read, never written."""
    script = ScriptDirectory.from_config(_alembic_config())
    head = script.get_current_head()
    assert head is not None
    with engine.connect() as conn:
        with conn.begin():
            current = _current_revision(conn)
        if current == head:
            return head
    with engine.connect() as conn:
        conn.execution_options(dvw_write=True)
        with conn.begin():
            # Re-read under the write lock: another process may have migrated meanwhile.
            current = _current_revision(conn)
            if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
                raise StoreError(
                    f"the store {path} has schema revision {current}, newer than this DVW knows ({head}); "
                    "use a newer DVW",
                    path=str(path),
                )
            if current != head:
                command.upgrade(_alembic_config(conn), "head")
    return head


def _ensure_site(engine: Engine) -> str:
    with engine.connect() as conn:
        with conn.begin():
            found = conn.exec_driver_sql("SELECT site_id FROM site").first()
        if found is not None:
            return str(found[0])
        conn.execution_options(dvw_write=True)
        with conn.begin():
            found = conn.exec_driver_sql("SELECT site_id FROM site").first()
            if found is not None:
                return str(found[0])
            site_id = uuid.uuid4().hex
            conn.exec_driver_sql("INSERT INTO site (site_id, created_at) VALUES (?, ?)", (site_id, _now()))
            return site_id
