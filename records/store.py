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
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from base.files import sha256_file
from records.audit import (
    AuditProblem,
    AuditReport,
    EventRow,
    SignatureChecker,
    append_only_triggers,
    audit_artifact_folder,
    audit_artifacts,
    audit_events,
    audit_named_artifacts,
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
    ImportRefusedError,
    InvalidEventError,
    RoleNotPermittedError,
    StoreError,
    UnattributedEventError,
    UntrustedSiteError,
    UserDisabledError,
    database_error_line,
)
from records.events import (
    CASE_CREATED,
    SYNC_RECEIVED,
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
from records.identity import DIRECTORY_KINDS, SYSTEM_KINDS, Directory, directory_of, verify_attestation
from records.payloads import REGISTRY, decode
from records.trust import verify_log

DB_NAME = "dvw.sqlite"
ARTIFACTS_DIR = "artifacts"
BUSY_TIMEOUT_S = 60.0
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_EVENT_COLUMNS = "seq, event_id, site_id, case_code, kind, payload, actor, created_at, prev_hash, hash, attestation"
_INSERT_EVENT = f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
_DIRECTORY_QUERY = (
    f"SELECT {_EVENT_COLUMNS} FROM events WHERE case_code IS NULL AND kind IN "  # noqa: S608
    f"({', '.join('?' for _ in DIRECTORY_KINDS | {SYNC_RECEIVED})}) ORDER BY seq"
)
_DIRECTORY_ARGS = tuple(sorted(DIRECTORY_KINDS | {SYNC_RECEIVED}))
# The distinct sites of the log, one index look-up each (a skip scan over ix_events_site_seq): a plain GROUP BY
# would read every event, on every append of a case event.
_SITES_QUERY = (
    "WITH RECURSIVE sites(id) AS (SELECT MIN(site_id) FROM events UNION ALL "
    "SELECT (SELECT MIN(site_id) FROM events WHERE site_id > sites.id) FROM sites WHERE sites.id IS NOT NULL) "
    "SELECT id FROM sites WHERE id IS NOT NULL"
)
SCRATCH_PREFIX = ".scratch-"
"""Temporary folders in the home (bundle imports) start with this; stale ones are removed when a store opens."""
Precondition = Callable[[Sequence[Event]], None]
"""Checked inside an append's write transaction with the events of the kinds it asks for; raises to refuse."""


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


SCHEMA_HEAD = "0002"
"""The latest schema revision (``records/migrations/versions``); a test checks it against Alembic's head. A store at
this revision is opened without loading SQLAlchemy or Alembic, which only a migration needs."""


class _Result:
    """The rows of one statement (the two ways the store reads them)."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def all(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def first(self) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self._cursor.fetchone()
        return row


class Connection:
    """One SQLite connection in one transaction (the store opens one per transaction: threads never share one)."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw

    def exec_driver_sql(self, sql: str, params: Any = ()) -> _Result:
        """Run one statement; a list of parameter tuples runs it once per tuple."""
        if isinstance(params, list):
            return _Result(self.raw.executemany(sql, params))
        return _Result(self.raw.execute(sql, params))


def use_wal(raw: sqlite3.Connection) -> None:
    """Put the database in WAL mode (kept in the file: a no-op once any connection has done it).

    SQLite does not wait on its busy timeout to change the journal mode: while another process converts a new store
    (two processes creating one store at once), the change fails at once with "database is locked". It is tried
    again here, every 20 ms, for at most the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            mode = raw.execute("PRAGMA journal_mode").fetchone()
            if mode is not None and str(mode[0]).lower() == "wal":
                return
            raw.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _connect(path: Path) -> sqlite3.Connection:
    # Autocommit mode: the store begins every transaction itself (BEGIN IMMEDIATE for writers).
    raw = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        use_wal(raw)
    except BaseException:
        raw.close()
        raise
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("PRAGMA foreign_keys=ON")
    # REPLACE conflict resolution deletes rows; with recursive triggers the delete triggers see that too.
    raw.execute("PRAGMA recursive_triggers=ON")
    raw.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    return raw


@contextmanager
def _transaction(path: Path, *, write: bool) -> Iterator[Connection]:
    """One transaction on a new connection: committed when the block ends, rolled back when it raises."""
    raw = _connect(path)
    try:
        raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield Connection(raw)
        except BaseException:
            raw.rollback()
            raise
        raw.commit()
    finally:
        raw.close()


class Store:
    """The local store in one home folder. Open it with :meth:`Store.open`; close it with :meth:`close`.

    A store may be shared by threads (writes are serialised by a lock) and by processes (by SQLite's lock).
    """

    def __init__(self, home: Path, site_id: str, schema_version: str) -> None:
        self._home = home
        self._site_id = site_id
        self._schema_version = schema_version
        self._lock = threading.RLock()
        self._scratch: Path | None = None

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
        try:
            version = _migrate(path)
            site_id = _ensure_site(path)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {path}: {database_error_line(exc)}", path=str(path)) from None
        _remove_stale_scratch(home, path)
        return cls(home, site_id, version)

    def close(self) -> None:
        """Release this store object: remove its scratch folder (connections live one transaction each)."""
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def scratch_folder(self) -> Path:
        """The scratch folder of this store object in the home (``.scratch-<pid>-...``), created on first use.

        It is removed by :meth:`close`; a folder left by a process that died is removed by the next :meth:`open`.
        """
        if self._scratch is None or not self._scratch.is_dir():
            self._scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=self._home))
        return self._scratch

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
        try:
            with self._lock, _transaction(self.path, write=True) as conn:
                yield conn
        except sqlite3.Error as exc:
            # "database is locked" after the busy timeout, a full disk, a damaged file: one line, no SQL.
            raise StoreError(f"the store {self.path}: {database_error_line(exc)}", path=str(self.path)) from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with _transaction(self.path, write=False) as conn:
                yield conn
        except sqlite3.Error as exc:
            raise StoreError(f"the store {self.path}: {database_error_line(exc)}", path=str(self.path)) from None

    # ------------------------------------------------------------------ events

    def append(
        self,
        kind: str,
        *,
        case_code: str | None,
        payload: Mapping[str, Any],
        by: Any = None,
        at: datetime | None = None,
        precondition: Precondition | None = None,
        precondition_kinds: Iterable[str] = (),
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
        by
            The signed-in user who did it (a :class:`records.identity.Attestor`, e.g. a
            :class:`records.users.Session`): the event's actor, who attests it with their key. None only for the
            kinds the software writes by itself (``records.identity.SYSTEM_KINDS``).
        at
            When it happened (timezone-aware); default now in the local zone.
        precondition, precondition_kinds
            See :meth:`append_many`.

        Returns
        -------
        Event
            The stored event with its ``seq``, ``hash`` and attestation.

        Raises
        ------
        InvalidEventError
            A malformed kind, case code, time or payload.
        IdentityInPayloadError
            The payload would carry patient identity.
        CaseExistsError, CaseNotFoundError
            ``case_created`` for an existing code; another event for a case never created.
        UnattributedEventError
            No person is named for an event that needs one.
        UnknownUserError, UserDisabledError, RoleNotPermittedError
            The person is not an enabled user of this site with that key, or may not write this kind.
        """
        return self.append_many(
            [NewEvent(kind, case_code, payload, by, at)],
            precondition=precondition,
            precondition_kinds=precondition_kinds,
        )[-1]

    def append_many(
        self,
        items: Iterable[NewEvent],
        *,
        precondition: Precondition | None = None,
        precondition_kinds: Iterable[str] = (),
    ) -> list[Event]:
        """Append several events to this site's chain in one transaction (all or none).

        Each item is checked as in :meth:`append`; a ``case_created`` earlier in the batch counts for later items.
        When the batch holds a case event and this store holds other sites' events that this site's last
        ``sync_received`` marker does not name, a marker naming them is written first (so every event records what
        its site held: see :class:`records.trust.Knowledge`).

        Parameters
        ----------
        items
            The events to append.
        precondition
            Called inside the write transaction (no other writer can append meanwhile, in any process) with every
            held event whose kind is in ``precondition_kinds``; raising refuses the whole batch. This makes checks
            such as "this serial is not assigned yet" a property of the store.
        precondition_kinds
            The kinds ``precondition`` needs.

        Returns
        -------
        list of Event
            The stored events, in order (with the marker first when one was written).
        """
        prepared = [(item, check_kind(item.kind), check_payload(item.payload)) for item in items]
        if not prepared:
            return []
        for item, kind, _payload_json in prepared:
            cls = REGISTRY.get(kind)
            if cls is not None:  # a payload of a known kind must fit its class (records.payloads), as on read
                decode(item.payload, cls, where=f"the {kind} event to append")
        with self._write() as conn:
            return self._append_in(conn, prepared, precondition, tuple(precondition_kinds))

    def _append_in(
        self,
        conn: Connection,
        prepared: list[tuple[NewEvent, str, str]],
        precondition: Precondition | None,
        precondition_kinds: Sequence[str],
    ) -> list[Event]:
        """Append checked items to this site's chain inside the caller's write transaction."""
        if precondition is not None:
            precondition(self._events_of_kinds(conn, precondition_kinds))
        directory = directory_of(self._directory_events(conn, self._site_id), self._site_id)
        prev_hash = self._site_head(conn, self._site_id)
        seq = self._issued_seq(conn)
        created: set[str] = set()
        known: set[str] = set()
        identities: dict[str, list[str]] = {}
        stored: list[Event] = []
        rows: list[EventRow] = []
        if any(item.case_code is not None for item, _, _ in prepared):
            marker = self._marker_payload(conn)
            if marker is not None:
                prepared.insert(0, (NewEvent(SYNC_RECEIVED, None, marker), SYNC_RECEIVED, check_payload(marker)))
        for item, kind, payload_json in prepared:
            code = None if item.case_code is None else check_case_code(item.case_code)
            if code is not None:
                self._check_case_event(conn, kind, code, created, known)
                if code not in identities:
                    identities[code] = self._identity_values(conn, code)
                check_payload_privacy(item.payload, identities[code])
            else:
                check_payload_privacy(item.payload)
            actor = _actor_of(item, kind, code)
            created_at = _now() if item.at is None else format_time(item.at)
            event_id = uuid.uuid4().hex
            digest = compute_hash(
                event_id=event_id,
                site_id=self._site_id,
                case_code=code,
                kind=kind,
                payload_json=payload_json,
                actor=actor,
                created_at=created_at,
                prev_hash=prev_hash,
            )
            seq += 1
            event = event_from_row(
                (seq, event_id, self._site_id, code, kind, payload_json, actor, created_at, prev_hash, digest, None)
            )
            if item.by is not None:
                event = replace(event, attestation=_attest(directory, event, item.by))
            if code is None and kind in DIRECTORY_KINDS:
                directory.apply(event)
            rows.append(
                (
                    seq,
                    event_id,
                    self._site_id,
                    code,
                    kind,
                    payload_json,
                    actor,
                    created_at,
                    prev_hash,
                    digest,
                    event.attestation,
                )
            )
            stored.append(event)
            prev_hash = digest
        conn.exec_driver_sql(_INSERT_EVENT, rows)
        return stored

    @staticmethod
    def _events_of_kinds(conn: Connection, kinds: Sequence[str]) -> list[Event]:
        if not kinds:
            return []
        marks = ", ".join("?" for _ in kinds)
        rows = conn.exec_driver_sql(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE kind IN ({marks}) ORDER BY seq",  # noqa: S608
            tuple(kinds),
        ).all()
        return [event_from_row(tuple(row)) for row in rows]

    @staticmethod
    def _directory_events(conn: Connection, site_id: str | None = None) -> list[Event]:
        """The site-level events the directory follows (one site's, or every site's), in log order."""
        rows = conn.exec_driver_sql(_DIRECTORY_QUERY, _DIRECTORY_ARGS).all()
        events = [event_from_row(tuple(row)) for row in rows]
        return events if site_id is None else [event for event in events if event.site_id == site_id]

    def _marker_payload(self, conn: Connection) -> dict[str, Any] | None:
        """The ``sync_received`` payload naming other sites' heads, when the last marker does not name them all."""
        heads: dict[str, str] = {}
        for (site,) in conn.exec_driver_sql(_SITES_QUERY).all():
            if site is None or site == self._site_id:
                continue
            found = conn.exec_driver_sql(
                "SELECT hash FROM events WHERE site_id = ? ORDER BY seq DESC LIMIT 1", (site,)
            ).first()
            if found is not None:
                heads[str(site)] = str(found[0])
        if not heads:
            return None
        last = conn.exec_driver_sql(
            "SELECT payload FROM events WHERE site_id = ? AND case_code IS NULL AND kind = ? ORDER BY seq DESC LIMIT 1",
            (self._site_id, SYNC_RECEIVED),
        ).first()
        if last is not None:
            try:
                named = json.loads(str(last[0])).get("heads")
            except (ValueError, AttributeError):
                named = None
            if isinstance(named, dict) and all(named.get(site) == digest for site, digest in heads.items()):
                return None
        return {"heads": dict(sorted(heads.items()))}

    def directory(self) -> Directory:
        """Who may act here: every site's users, this store's trusted sites, lockouts and self-test records."""
        with self._read() as conn:
            return directory_of(self._directory_events(conn), self._site_id)

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

    def import_events(self, events: Iterable[Mapping[str, Any]], *, record: NewEvent | None = None) -> ImportResult:
        """Add many events from other sites in one transaction (all or none); see :meth:`append_foreign`.

        Every new event must hold as the audit judges it (:func:`records.trust.verify_log`): a trusted site, an
        actor who is an enabled user of that site with a valid attestation, user events by that site's
        administrators, signatures that verify and approve exactly what the log holds. Otherwise nothing is
        imported (:class:`~records.errors.UntrustedSiteError`, :class:`~records.errors.ImportRefusedError`).

        Parameters
        ----------
        events
            The events, each site's in its chain order.
        record
            An event of this site appended in the same transaction when something was imported (e.g. who imported
            a bundle), so the import and its record are stored together or not at all.
        """
        results = self._import(events, record=record)
        added = sum(1 for _, new in results if new)
        return ImportResult(added=added, held=len(results) - added)

    def check_import(self, events: Iterable[Mapping[str, Any]]) -> ImportResult:
        """What :meth:`import_events` would do, with every check, writing nothing (the transaction is rolled back).

        Raises
        ------
        Exception
            Whatever :meth:`import_events` would raise.
        """
        try:
            self._import(events, dry_run=True)
        except _DryRunDone as done:
            return done.result
        raise AssertionError("a dry run always ends in _DryRunDone")  # pragma: no cover

    def _import(
        self, events: Iterable[Mapping[str, Any]], *, record: NewEvent | None = None, dry_run: bool = False
    ) -> list[tuple[Event, bool]]:
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
                    fields["attestation"],
                )
                conn.exec_driver_sql(_INSERT_EVENT, row)
                results.append((event_from_row(row), True))
            added = [event for event, new in results if new]
            if added:
                self._verify_imported(conn, added)
            if dry_run:
                count = len(added)
                raise _DryRunDone(ImportResult(added=count, held=len(results) - count))
            if added and record is not None:
                item = (record, check_kind(record.kind), check_payload(record.payload))
                self._append_in(conn, [item], None, ())
        return results

    def _verify_imported(self, conn: Connection, added: Sequence[Event]) -> None:
        """Refuse (roll back) imported events that :func:`records.trust.verify_log` does not accept.

        The walk covers every site-level event and every event of the cases the import touches, with the new events
        in place, so each is judged exactly as the audit will judge it.
        """
        new = {event.event_id for event in added}
        cases = sorted({event.case_code for event in added if event.case_code is not None})
        rows = list(conn.exec_driver_sql(_DIRECTORY_QUERY, _DIRECTORY_ARGS).all())
        for code in cases:
            rows += conn.exec_driver_sql(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE case_code = ?",  # noqa: S608
                (code,),
            ).all()
        rows.sort(key=lambda row: int(row[0]))
        context = [event_from_row(tuple(row)) for row in rows]

        def seq_of(digest: str) -> int | None:
            found = conn.exec_driver_sql("SELECT seq FROM events WHERE hash = ?", (digest,)).first()
            return None if found is None else int(found[0])

        report = verify_log(context, self._site_id, report=lambda event: event.event_id in new, seq_of=seq_of)
        if report.problems:
            first = report.problems[0]
            where = f"event {first.event.event_id} ({first.event.kind}) of site {first.event.site_id}"
            more = f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
            if first.code == "untrusted_site":
                raise UntrustedSiteError(
                    f"{where}: site {first.event.site_id} is not trusted here: it is not enrolled with this company's "
                    f"sync server; an administrator may trust it (dvw site trust {first.event.site_id} --by ADMIN)"
                    f"{more}; nothing was imported"
                )
            raise ImportRefusedError(f"{where}: {first.message}{more}; nothing was imported")

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
        temp: Path | None = None
        try:
            if not (target.is_file() and sha256_file(target) == sha):
                target.parent.mkdir(parents=True, exist_ok=True)
                # Written and checked in this process's scratch folder, outside the write lock.
                fd, name = tempfile.mkstemp(prefix=f"{sha[:16]}.", suffix=".tmp", dir=self.scratch_folder())
                os.close(fd)
                temp = Path(name)
                write(temp)
                with open(temp, "rb+") as fp:
                    os.fsync(fp.fileno())
                if sha256_file(temp) != sha:
                    raise ArtifactChangedError(f"{label} changed while it was being stored", path=label)
                temp.chmod(0o444)
            with self._write() as conn:
                conn.exec_driver_sql(
                    "INSERT OR IGNORE INTO artifacts (sha256, size, kind, added_at) VALUES (?, ?, ?, ?)",
                    (sha, size, kind, _now()),
                )
                if temp is not None:
                    # Renamed into place inside the write transaction: whoever holds the write lock never sees a
                    # file of a live writer without its record; one left by a dead writer (killed between this
                    # rename and the commit) is removed by the next Store.open (_remove_orphan_artifacts).
                    os.replace(temp, target)
                    _fsync_dir(target.parent)
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)
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
        """Audit the whole store: hashes, chains, sequence, triggers, who wrote each event, signatures, artifacts.

        Parameters
        ----------
        signature_checker
            An extra check of each ``signature`` event whose hash holds (one-line problem or None). Signatures are
            always checked against the log (:mod:`records.trust`); this is for callers with more to check.
        artifacts
            Also re-hash every artifact file (reads all of them).

        Returns
        -------
        AuditReport
            ``ok`` with the counts, and every problem found (see :mod:`records.audit` and :mod:`records.trust`).
        """
        with self._read() as conn:
            rows = conn.exec_driver_sql(f"SELECT {_EVENT_COLUMNS} FROM events ORDER BY seq").all()  # noqa: S608
            issued = conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'events'").first()
            trigger_rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
        with self._write() as conn:
            # Under the write lock, which put_artifact renames files under: no live writer's file is seen without
            # its record (the files without one are few; only they are hashed here).
            artifact_rows = conn.exec_driver_sql("SELECT sha256, size FROM artifacts ORDER BY sha256").all()
            recorded = {str(sha) for sha, _size in artifact_rows}
            stray = audit_artifact_folder(self._home / ARTIFACTS_DIR, recorded) if artifacts else []
        parsed: list[Event] = []
        count, signatures, problems = audit_events(
            (tuple(row) for row in rows),
            issued_seq=int(issued[0]) if issued else None,
            signature_checker=signature_checker,
            parsed=parsed,
        )
        trust = verify_log(parsed, self._site_id)
        problems += [
            AuditProblem(problem.code, problem.message, problem.event.seq, problem.event.event_id)
            for problem in trust.problems
        ]
        problems.sort(key=lambda problem: (problem.seq is None, problem.seq or 0))
        problems += audit_named_artifacts(parsed, self._site_id, recorded, ())
        if artifacts:
            problems += audit_artifacts(((str(s), int(n)) for s, n in artifact_rows), self._artifact_file)
            problems += stray
        problems += audit_triggers({str(n): str(q) for n, q in trigger_rows}, append_only_triggers())
        return AuditReport(
            ok=not problems,
            events=count,
            signatures=signatures,
            problems=tuple(problems),
            pending_signatures=len(trust.pending),
        )


class _DryRunDone(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Ends :meth:`Store.check_import`'s transaction (rolling it back) with what the import would have done."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("dry run")
        self.result = result


def _actor_of(item: NewEvent, kind: str, code: str | None) -> str | None:
    """The actor an item records: its attestor's user id; refused without one unless the kind is a system kind."""
    if item.by is None:
        if code is None and kind in SYSTEM_KINDS:
            return None
        raise UnattributedEventError(
            f"a {kind} event must name the person who did it: sign in (the window) or give --user (the CLI)"
        )
    user_id = getattr(item.by, "user_id", None)
    if not isinstance(user_id, str):
        raise UnattributedEventError(f"a {kind} event's actor has no user id")
    return user_id


def _attest(directory: Directory, event: Event, by: Any) -> str:
    """Check that ``by`` may write ``event`` here, then return its attestation (signature over the hash)."""
    user = directory.attestor_of(event)
    if user is None:
        raise UnattributedEventError(f"{event.actor!r} is not a user of this site: sign in as a user added here")
    if not user.enabled:
        raise UserDisabledError(f"user {user.user_id} was disabled ({user.disabled_at}) and may not act")
    if getattr(by, "public_key_sha256", None) != user.public_key_sha256:
        raise UnattributedEventError(f"the key of the signed-in {user.user_id} is not the key recorded for them")
    if event.case_code is None and event.kind in DIRECTORY_KINDS:
        rule = directory.authorize(event.site_id, event.kind, event.payload, event.actor)
        if rule is not None:
            raise RoleNotPermittedError(rule)
    attestation = by.attest(event.hash)
    if not isinstance(attestation, str):
        raise UnattributedEventError(f"{user.user_id}'s attestation is not text")
    # Checked before it is stored: an event is never removed, so one the audit must refuse is never written.
    if not verify_attestation(user.public_key_pem, user.user_id, replace(event, attestation=attestation)):
        raise UnattributedEventError(
            f"{user.user_id}'s attestation does not verify with the key recorded for them (the signed-in key is "
            "not theirs)"
        )
    return attestation


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


def _remove_stale_scratch(home: Path, path: Path) -> None:
    """Remove scratch folders of processes that no longer run (a crash, a kill) and older bundle scratch folders.

    A process that died may have died between renaming a file into ``artifacts/`` and committing its record: when a
    dead process's scratch folder is found, such files are removed first (:func:`_remove_orphan_artifacts`).
    """
    dead: list[Path] = []
    for folder in home.glob(".*"):
        if not folder.is_dir():
            continue
        name = folder.name
        if name.startswith(".bundle-"):
            shutil.rmtree(folder, ignore_errors=True)
            continue
        if not name.startswith(SCRATCH_PREFIX):
            continue
        pid_text = name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            dead.append(folder)
    if dead:
        _remove_orphan_artifacts(path, home)
    for folder in dead:
        shutil.rmtree(folder, ignore_errors=True)


def _remove_orphan_artifacts(path: Path, home: Path) -> None:
    """Remove artifact files without a record whose content matches their name.

    They are what a writer killed between renaming a file into place and committing its record leaves. This runs
    under the write lock, which :meth:`Store.put_artifact` renames under, so no live writer is caught in between.
    """
    folder = home / ARTIFACTS_DIR
    with _transaction(path, write=True) as conn:  # the files are looked at under the write lock
        recorded = {str(row[0]) for row in conn.exec_driver_sql("SELECT sha256 FROM artifacts").all()}
        for sub in folder.iterdir() if folder.is_dir() else ():
            if not sub.is_dir() or sub.name.startswith("."):
                continue
            for file in sub.iterdir():
                if file.name not in recorded and is_sha256(file.name) and sha256_file(file) == file.name:
                    file.unlink()


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
        "attestation": event.attestation,
    }


def head_revision() -> str:
    """The latest schema revision of the migration scripts (Alembic's head; :data:`SCHEMA_HEAD` must equal it)."""
    from records.migrating import head_revision as migrating_head  # noqa: PLC0415 - Alembic loads only here

    return migrating_head(_MIGRATIONS)


def _current_revision(conn: Connection) -> str | None:
    table = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first()
    if table is None:
        return None
    found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return None if found is None else str(found[0])


def _migrate(path: Path) -> str:
    """Bring the schema to the head revision; a store already at head is only read, never written.

    The common case (a store at :data:`SCHEMA_HEAD`) is one read with sqlite3. Only a new or older store loads
    Alembic (and SQLAlchemy, which it runs on) to upgrade, under the write lock.
    """
    with _transaction(path, write=False) as conn:
        current = _current_revision(conn)
    if current == SCHEMA_HEAD:
        return SCHEMA_HEAD
    from alembic import command  # noqa: PLC0415 - only a migration needs Alembic and SQLAlchemy
    from alembic.script import ScriptDirectory  # noqa: PLC0415
    from sqlalchemy import create_engine, event  # noqa: PLC0415

    from records.migrating import alembic_config  # noqa: PLC0415

    script = ScriptDirectory.from_config(alembic_config(_MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_S, "isolation_level": None})

    def begin_immediately(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "begin", begin_immediately)
    try:
        with engine.connect() as migrating, migrating.begin():
            # Re-read under the write lock: another process may have migrated meanwhile.
            found = migrating.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).first()
            row = migrating.exec_driver_sql("SELECT version_num FROM alembic_version").first() if found else None
            current = None if row is None else str(row[0])
            if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
                raise StoreError(
                    f"the store {path} has schema revision {current}, newer than this DVW knows ({head}); "
                    "use a newer DVW",
                    path=str(path),
                )
            if current != head:
                command.upgrade(alembic_config(_MIGRATIONS, migrating), "head")
    except Exception as exc:
        from sqlalchemy.exc import DBAPIError  # noqa: PLC0415

        if isinstance(exc, DBAPIError):
            raise StoreError(f"cannot open the store {path}: {database_error_line(exc)}", path=str(path)) from None
        raise
    finally:
        engine.dispose()
    return head


def _ensure_site(path: Path) -> str:
    with _transaction(path, write=False) as conn:
        found = conn.exec_driver_sql("SELECT site_id FROM site").first()
    if found is not None:
        return str(found[0])
    with _transaction(path, write=True) as conn:
        found = conn.exec_driver_sql("SELECT site_id FROM site").first()
        if found is not None:
            return str(found[0])
        site_id = uuid.uuid4().hex
        conn.exec_driver_sql("INSERT INTO site (site_id, created_at) VALUES (?, ?)", (site_id, _now()))
        return site_id
