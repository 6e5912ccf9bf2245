"""The sync server's store: every site's events (insert-only, keyed by hash) and artifacts (by SHA-256).

One :class:`ServerStore` per process; several processes (uvicorn workers) may share one PostgreSQL database.
Concurrency safety comes from the database, never from process memory: each push locks its site's row
(``SELECT ... FOR UPDATE``) and each chunk upload its artifact's row, and unique keys (event hash and id, a site's
chain position and predecessor, chunk offsets) make a lost race fail instead of storing a gap or a fork. On SQLite
(the default for trying it out) every write transaction is ``BEGIN IMMEDIATE``, which serialises writers.

Every operation is one transaction: all or none. A database failure surfaces as :class:`ServerStoreError` with a
one-line message (never SQLAlchemy's multi-line text).

Every pushed event is judged as a workstation's audit judges it (:func:`records.trust.verify_log`, trusting the
enrolled sites): attested by an enabled user of the pushing site, user events by that site's administrators, and
signatures made by the site's own users (:class:`SignatureNotYoursError` otherwise: users sign where they were
added) that verify and approve exactly what the log holds. Users are (site, user id): two sites may each have a
``clin1``, and neither speaks for the other's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError
from sqlalchemy.pool import ConnectionPoolEntry

from records.errors import (
    ArtifactChangedError,
    ArtifactMissingError,
    ChainGapError,
    EnrolmentError,
    EventConflictError,
    InvalidEventError,
    ServerStoreError,
    SyncRefusedError,
)
from records.events import Event, check_payload_privacy, event_from_json, format_time, is_event_id, is_sha256
from records.migrating import alembic_config
from records.migrating import head_revision as migrating_head
from records.store import use_wal
from records.sync.protocol import MAX_CHUNK_BYTES, MAX_CLOCK_SKEW_S, WITHHELD_KINDS, named_sha256
from records.trust import verify_log
from server.schema import (
    artifact_chunks,
    artifact_refs,
    artifacts,
    enrolments,
    events,
    request_nonces,
    sites,
    sync_log,
)

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_SITE_NAME_MAX = 128
_MIGRATION_LOCK = 0x44565753  # "DVWS": the PostgreSQL advisory lock held while migrating
log = logging.getLogger("dvw.server")
_SYNC_COUNTS = ("pushed", "pulled", "artifacts_pushed", "artifacts_pulled")
MAX_ARTIFACT_BYTES = 64 * 1024**3
"""Largest artifact the server accepts (64 GiB)."""
MAX_SYNC_COUNT = 2**31 - 1
"""Largest count a confirmation may report (the sync log's integer columns)."""
_NONCE_KEEP_S = MAX_CLOCK_SKEW_S + 60
"""How long a nonce is kept (seconds after its request's time): past the window its request is refused by time."""
_PRUNE_EVERY_S = 60.0


def _now() -> str:
    return format_time(datetime.now().astimezone())


@dataclass(frozen=True)
class Enrolment:
    """A site enrolled with :meth:`ServerStore.enroll_site`: its name and one-time token (shown once)."""

    name: str
    token: str

    def to_json(self) -> dict[str, Any]:
        """``{"name", "token"}``."""
        return {"name": self.name, "token": self.token}


@dataclass(frozen=True)
class SiteHead:
    """A site as the server holds it: name, chain head (hash, "" for none) and event count."""

    site_id: str
    name: str
    head: str
    count: int

    def to_json(self) -> dict[str, Any]:
        """``{"name", "head", "count"}``."""
        return {"name": self.name, "head": self.head, "count": self.count}


@dataclass(frozen=True)
class PushResult:
    """What a push stored: events added, events already held, and the site's head and count afterwards."""

    added: int
    held: int
    head: str
    count: int

    def to_json(self) -> dict[str, Any]:
        """``{"added", "held", "head", "count"}``."""
        return {"added": self.added, "held": self.held, "head": self.head, "count": self.count}


@dataclass(frozen=True)
class ArtifactStatus:
    """An artifact on the server: SHA-256, size and kind, bytes received, and whether it is complete (verified)."""

    sha256: str
    size: int
    kind: str
    received: int
    complete: bool

    def to_json(self) -> dict[str, Any]:
        """``{"sha256", "size", "kind", "received", "complete"}``."""
        return {
            "sha256": self.sha256,
            "size": self.size,
            "kind": self.kind,
            "received": self.received,
            "complete": self.complete,
        }


@dataclass(frozen=True)
class ServerAudit:
    """The server's verification of every chain: ``ok``, counts, and one line per problem."""

    ok: bool
    sites: int
    events: int
    artifacts: int
    problems: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"ok", "sites", "events", "artifacts", "problems"}``."""
        return {
            "ok": self.ok,
            "sites": self.sites,
            "events": self.events,
            "artifacts": self.artifacts,
            "problems": list(self.problems),
        }


class OffsetMismatchError(SyncRefusedError):
    """A chunk arrived for another offset than the bytes received so far (the client resumes from ``received``)."""

    code = "offset"

    def __init__(self, message: str, received: int) -> None:
        super().__init__(message)
        self.received = received


class SignatureNotYoursError(SyncRefusedError):
    """A pushed ``signature`` names a signer who is not a user added on the pushing site's own chain."""

    code = "signature_not_yours"


class SignatureInvalidError(SyncRefusedError):
    """A pushed ``signature`` of the site's own user does not verify (its content, key or signature is wrong)."""


class EventRefusedError(SyncRefusedError):
    """A pushed event is not attested by an enabled user of its site, or its actor may not write it."""

    code = "event_refused"


class ReplayedRequestError(SyncRefusedError):
    """A signed request whose nonce the server has already seen from that site: every request is single-use."""

    code = "replayed"


class ChainGapAtHeadError(ChainGapError):
    """A pushed event's predecessor is not held: the client resends from the server's ``head``."""

    def __init__(self, message: str, head: str, count: int) -> None:
        super().__init__(message)
        self.head = head
        self.count = count


def _on_sqlite_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below decides how transactions begin
    use_wal(dbapi_connection)  # retried while another worker converts a new database (SQLite does not wait)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=60000")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("dvw_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_server_engine(url: str) -> Engine:
    """A SQLAlchemy engine for the server database at ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    Raises
    ------
    ServerStoreError
        When the URL is malformed or names a database driver that is not installed.
    """
    try:
        parsed = sa.make_url(url)
    except (ArgumentError, ValueError):  # ValueError: e.g. a port that is not a number
        raise ServerStoreError(f"malformed database URL {url!r}") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(parsed, connect_args={"timeout": 60})
            sa.event.listen(engine, "connect", _on_sqlite_connect)
            sa.event.listen(engine, "begin", _on_sqlite_begin)
            return engine
        if parsed.get_backend_name() != "postgresql":
            raise ServerStoreError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
        return sa.create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except (NoSuchModuleError, ImportError) as exc:
        raise ServerStoreError(f"cannot use the database URL {parsed.render_as_string()}: {exc}") from None


def _alembic_config(connection: Connection | None = None) -> Config:
    return alembic_config(_MIGRATIONS, connection)


def head_revision() -> str:
    """The latest server schema revision this software knows."""
    return migrating_head(_MIGRATIONS)


def _current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn, opts={"version_table": "dvw_server_version"}).get_current_revision()


def migrate(engine: Engine) -> str:
    """Bring the server database to the latest revision (once, even when several processes start together).

    Returns
    -------
    str
        The revision now current.

    Raises
    ------
    ServerStoreError
        When the database cannot be reached or has a revision newer than this software knows.
    """
    script = ScriptDirectory.from_config(_alembic_config())
    head = head_revision()
    known = {rev.revision for rev in script.walk_revisions()}
    try:
        with engine.connect() as conn:
            conn.execution_options(dvw_write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
                current = _current_revision(conn)
                if current is not None and current not in known:
                    raise ServerStoreError(
                        f"the server database has schema revision {current}, newer than this DVW knows ({head})"
                    )
                if current != head:
                    command.upgrade(_alembic_config(conn), "head")
    except DBAPIError as exc:
        raise ServerStoreError(f"cannot open the server database: {database_error_line(exc)}") from None
    return head


def database_error_line(exc: BaseException) -> str:
    """A database error as one line: the driver's own first line, never SQLAlchemy's SQL or "Background" text."""
    orig = getattr(exc, "orig", None)
    cause = orig if isinstance(orig, BaseException) else exc
    for line in str(cause).splitlines():
        text = line.strip()
        if text and not text.startswith(("(Background on this error", "[SQL:", "[parameters:")):
            return text
    return type(cause).__name__


def _insert_ignore(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        return
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(dialect_insert(table).on_conflict_do_nothing(), list(rows))


def _event_json(row: Any) -> dict[str, Any]:
    return {
        "event_id": row.event_id,
        "site_id": row.site_id,
        "case_code": row.case_code,
        "kind": row.kind,
        "payload": json.loads(row.payload),
        "actor": row.actor,
        "created_at": row.created_at,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
        "attestation": row.attestation,
    }


def _event_from_row(row: Any) -> Event:
    return Event(
        seq=int(row.seq),
        event_id=row.event_id,
        site_id=row.site_id,
        case_code=row.case_code,
        kind=row.kind,
        payload=json.loads(row.payload),
        actor=row.actor,
        created_at=row.created_at,
        prev_hash=row.prev_hash,
        hash=row.hash,
        payload_json=row.payload,
        attestation=row.attestation,
    )


class ServerStore:
    """The server's database. Open with :meth:`open`; close with :meth:`close`."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self._url = url
        self._next_prune = 0.0

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> ServerStore:
        """Open the database at ``url``, migrating it to the latest revision unless ``migrate_schema`` is False.

        Raises
        ------
        ServerStoreError
            A bad URL, an unreachable database, or a schema that is not at this software's revision.
        """
        engine = create_server_engine(url)
        try:
            if migrate_schema:
                migrate(engine)
            else:
                with engine.connect() as conn, conn.begin():
                    current = _current_revision(conn)
                if current != head_revision():
                    raise ServerStoreError(
                        f"the server database is at schema revision {current}, this DVW needs {head_revision()}; "
                        "run dvw serve (it migrates) or dvw server enroll-site first"
                    )
        except DBAPIError as exc:
            engine.dispose()
            raise ServerStoreError(f"cannot open the server database: {database_error_line(exc)}") from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, url)

    def close(self) -> None:
        """Close every connection."""
        self._engine.dispose()

    def __enter__(self) -> ServerStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``."""
        return str(self._engine.dialect.name)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                conn.execution_options(dvw_write=True)
                with conn.begin():
                    yield conn
        except IntegrityError:
            raise  # a lost race on a unique key: the caller says what it means
        except DBAPIError as exc:
            raise ServerStoreError(f"the server database failed: {database_error_line(exc)}") from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn, conn.begin():
                yield conn
        except DBAPIError as exc:
            raise ServerStoreError(f"the server database failed: {database_error_line(exc)}") from None

    def ping(self) -> bool:
        """Whether the database answers a query."""
        try:
            with self._read() as conn:
                conn.execute(sa.text("SELECT 1"))
        except ServerStoreError:
            return False
        return True

    # ------------------------------------------------------------------ requests

    def record_nonce(self, site_id: str, nonce: str, request_time: int) -> None:
        """Remember a signed request's nonce (single use); prune nonces past the clock-skew window now and then.

        Parameters
        ----------
        site_id
            The authenticated site.
        nonce
            The request's ``X-DVW-Nonce``.
        request_time
            The request's ``X-DVW-Time`` (Unix seconds), already checked against the clock.

        Raises
        ------
        ReplayedRequestError
            The site sent this nonce before (within the window): the request is a replay.
        """
        now = time.time()
        with self._write() as conn:
            if now >= self._next_prune:
                # Process memory only paces the pruning; which nonces count is the database's.
                self._next_prune = now + _PRUNE_EVERY_S
                conn.execute(request_nonces.delete().where(request_nonces.c.request_time < int(now) - _NONCE_KEEP_S))
            dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            inserted = conn.execute(
                dialect_insert(request_nonces)
                .values(site_id=site_id, nonce=nonce, request_time=request_time)
                .on_conflict_do_nothing()
                .returning(request_nonces.c.nonce)  # a row back only when it was inserted (rowcount may be -1)
            ).first()
            if inserted is None:
                raise ReplayedRequestError(f"request nonce {nonce} of site {site_id} was used before: a replay")

    # ------------------------------------------------------------------ sites

    def enroll_site(self, name: str) -> Enrolment:
        """Register a site name and return its one-time enrolment token (only its SHA-256 is stored).

        Raises
        ------
        EnrolmentError
            A malformed name, or a name already enrolled.
        """
        clean = name.strip() if isinstance(name, str) else ""
        if not clean or len(clean) > _SITE_NAME_MAX or any(ord(ch) < 32 for ch in clean):
            raise EnrolmentError(f"invalid site name {name!r}: 1 to {_SITE_NAME_MAX} printable characters")
        token = secrets.token_urlsafe(32)
        while token.startswith("-"):  # a leading "-" reads as an option on the command line (dvw site join --token)
            token = secrets.token_urlsafe(32)
        try:
            with self._write() as conn:
                taken = conn.execute(sa.select(enrolments.c.name).where(enrolments.c.name == clean)).first()
                if taken is not None:
                    raise EnrolmentError(f"site {clean!r} is already enrolled")
                conn.execute(
                    enrolments.insert().values(
                        name=clean, token_sha256=_token_sha256(token), created_at=_now(), consumed_at=None
                    )
                )
        except IntegrityError:
            raise EnrolmentError(f"site {clean!r} is already enrolled") from None
        return Enrolment(clean, token)

    def join_site(self, token: str, site_id: str, public_key: str) -> str:
        """Consume an enrolment token: bind the site id and its Ed25519 public key (raw, base64) to the name.

        Returns
        -------
        str
            The enrolled site name.

        Raises
        ------
        EnrolmentError
            An unknown or consumed token, a malformed site id or key, or a site id that already joined.
        """
        if not is_event_id(site_id):
            raise EnrolmentError(f"malformed site id {site_id!r}")
        try:
            raw = base64.b64decode(str(public_key).encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise EnrolmentError("the public key is not base64") from None
        if len(raw) != 32:
            raise EnrolmentError("the public key is not a raw Ed25519 key (32 bytes)")
        try:
            with self._write() as conn:
                found = conn.execute(
                    sa.select(enrolments.c.name, enrolments.c.consumed_at)
                    .where(enrolments.c.token_sha256 == _token_sha256(str(token)))
                    .with_for_update()
                ).first()
                if found is None or found.consumed_at is not None:
                    raise EnrolmentError("unknown or already used enrolment token")
                if conn.execute(sa.select(sites.c.site_id).where(sites.c.site_id == site_id)).first() is not None:
                    raise EnrolmentError(f"site {site_id} has already joined this server")
                now = _now()
                conn.execute(
                    sites.insert().values(site_id=site_id, name=found.name, public_key=public_key, joined_at=now)
                )
                conn.execute(
                    enrolments.update().where(enrolments.c.name == found.name).values(consumed_at=now, site_id=site_id)
                )
        except IntegrityError:
            raise EnrolmentError("the enrolment token was used concurrently") from None
        return str(found.name)

    def site_key(self, site_id: str) -> bytes | None:
        """The raw Ed25519 public key of a joined site, or None."""
        with self._read() as conn:
            found = conn.execute(sa.select(sites.c.public_key).where(sites.c.site_id == site_id)).first()
        return None if found is None else base64.b64decode(found.public_key)

    def sites(self) -> list[SiteHead]:
        """Every joined site with its chain head and count, by site id."""
        with self._read() as conn:
            return self._heads(conn)

    @staticmethod
    def _heads(conn: Connection) -> list[SiteHead]:
        counts = (
            sa.select(events.c.site_id, sa.func.max(events.c.site_seq).label("chain_length"))
            .group_by(events.c.site_id)
            .subquery()
        )
        rows = conn.execute(
            sa.select(sites.c.site_id, sites.c.name, counts.c.chain_length, events.c.hash)
            .select_from(
                sites.outerjoin(counts, counts.c.site_id == sites.c.site_id).outerjoin(
                    events, sa.and_(events.c.site_id == sites.c.site_id, events.c.site_seq == counts.c.chain_length)
                )
            )
            .order_by(sites.c.site_id)
        ).all()
        return [SiteHead(row.site_id, row.name, row.hash or "", int(row.chain_length or 0)) for row in rows]

    # ------------------------------------------------------------------ events

    @staticmethod
    def _site_head(conn: Connection, site_id: str) -> tuple[str, int]:
        found = conn.execute(
            sa.select(events.c.hash, events.c.site_seq)
            .where(events.c.site_id == site_id)
            .order_by(events.c.site_seq.desc())
            .limit(1)
        ).first()
        return ("", 0) if found is None else (str(found.hash), int(found.site_seq))

    def push_events(self, site_id: str, batch: Sequence[Any]) -> PushResult:
        """Store events of ``site_id``'s own chain after checking every one (all or none; see the protocol).

        Raises
        ------
        SyncRefusedError
            An event of another site.
        UserNotYoursError
            A ``user_added`` for a user id another site added first.
        SignatureNotYoursError
            A ``signature`` whose signer is not a user added on this site's own chain.
        SignatureInvalidError
            A signature of this site's own user that does not verify.
        InvalidEventError, EventHashError, IdentityInPayloadError
            A malformed or tampered event, or one carrying patient identity keys.
        EventConflictError
            An event id held with another hash, or an event that would fork the chain.
        ChainGapAtHeadError
            An event whose predecessor is not held (carries the server's head).
        """
        checked: list[Event] = []
        for data in batch:
            event = event_from_json(data)
            if event.site_id != site_id:
                raise SyncRefusedError(
                    f"event {event.event_id} belongs to site {event.site_id}; site {site_id} may only push its own"
                )
            if event.actor is not None and "\x00" in event.actor:
                raise InvalidEventError(f"event {event.event_id} has a NUL character in its actor")
            check_payload_privacy(event.payload)
            checked.append(event)
        try:
            with self._write() as conn:
                return self._store_events(conn, site_id, checked)
        except IntegrityError:
            # A concurrent push won the race for a chain position or a user id: nothing of this one is stored.
            raise EventConflictError(f"a concurrent push stored events first; site {site_id} may retry") from None

    def _store_events(self, conn: Connection, site_id: str, checked: Sequence[Event]) -> PushResult:
        conn.execute(sa.select(sites.c.site_id).where(sites.c.site_id == site_id).with_for_update())
        head, count = self._site_head(conn, site_id)
        held: dict[str, str] = {}
        ids = [event.event_id for event in checked]
        for first in range(0, len(ids), 500):
            rows = conn.execute(
                sa.select(events.c.event_id, events.c.hash).where(events.c.event_id.in_(ids[first : first + 500]))
            ).all()
            held.update({row.event_id: row.hash for row in rows})
        fresh: list[Event] = []
        held_count = 0
        for event in checked:
            if event.event_id in held:
                if held[event.event_id] != event.hash:
                    raise EventConflictError(
                        f"event {event.event_id} is held with hash {held[event.event_id]}, the pushed copy has "
                        f"{event.hash}"
                    )
                held_count += 1
                continue
            if event.prev_hash != head:
                if event.prev_hash and self._held_in_site(conn, site_id, event.prev_hash):
                    raise EventConflictError(
                        f"event {event.event_id} would fork the chain of site {site_id}: its predecessor already "
                        "has a successor on the server"
                    )
                raise ChainGapAtHeadError(
                    f"event {event.event_id} of site {site_id} arrived before its predecessor "
                    f"{event.prev_hash or '(none)'}; the server's head is {head or '(none)'}",
                    head,
                    count,
                )
            fresh.append(event)
            head = event.hash
        if fresh:
            self._check_fresh(conn, site_id, fresh)
        if fresh:
            now = _now()
            inserted = [
                {
                    "site_id": site_id,
                    "site_seq": count + index + 1,
                    "event_id": event.event_id,
                    "hash": event.hash,
                    "prev_hash": event.prev_hash,
                    "case_code": event.case_code,
                    "kind": event.kind,
                    "payload": event.payload_json,
                    "actor": event.actor,
                    "created_at": event.created_at,
                    "received_at": now,
                    "attestation": event.attestation,
                }
                for index, event in enumerate(fresh)
            ]
            conn.execute(events.insert(), inserted)  # executemany: pipelined by psycopg
            refs = {sha for event in fresh for sha in named_sha256(event.payload)}
            _insert_ignore(conn, artifact_refs, [{"sha256": sha, "site_id": site_id} for sha in sorted(refs)])
        return PushResult(added=len(fresh), held=held_count, head=head, count=count + len(fresh))

    @staticmethod
    def _held_in_site(conn: Connection, site_id: str, digest: str) -> bool:
        found = conn.execute(
            sa.select(events.c.seq).where(events.c.site_id == site_id, events.c.hash == digest).limit(1)
        ).first()
        return found is not None

    def _check_fresh(self, conn: Connection, site_id: str, fresh: Sequence[Event]) -> None:
        """Refuse the push unless every new event holds as :func:`records.trust.verify_log` judges it.

        The walk covers every site-level event held (users, trust, self-tests, markers), every held event of the
        cases the push touches, and the new events after them, with the enrolled sites trusted.
        """
        cases = sorted({event.case_code for event in fresh if event.case_code is not None})
        query = sa.select(events).where(events.c.case_code.is_(None))
        rows = list(conn.execute(query).all())
        for first in range(0, len(cases), 500):
            rows += conn.execute(sa.select(events).where(events.c.case_code.in_(cases[first : first + 500]))).all()
        rows.sort(key=lambda row: int(row.seq))
        held = [_event_from_row(row) for row in rows]
        last = int(held[-1].seq) if held else 0
        last = max(last, int(conn.execute(sa.select(sa.func.max(events.c.seq))).scalar() or 0))
        incoming = [replace(event, seq=last + index + 1) for index, event in enumerate(fresh)]
        new = {event.event_id for event in incoming}
        enrolled = {str(row.site_id) for row in conn.execute(sa.select(sites.c.site_id)).all()}

        def seq_of(digest: str) -> int | None:
            found = conn.execute(sa.select(events.c.seq).where(events.c.hash == digest)).first()
            return None if found is None else int(found.seq)

        report = verify_log(
            [*held, *incoming], None, trusted=enrolled, report=lambda e: e.event_id in new, seq_of=seq_of
        )
        if not report.problems:
            return
        # The first refused event decides the answer; of its problems, a signer who is not the site's own user
        # comes first, then a signature that does not hold, then anything else.
        refused = report.problems[0].event.event_id
        own = [p for p in report.problems if p.event.event_id == refused]
        not_yours = [p for p in own if p.code == "signature" and "not a user of the signing site" in p.message]
        signatures = [p for p in own if p.code in ("signature", "signature_log")]
        problem = (not_yours or signatures or own)[0]
        where = f"{problem.event.kind} event {problem.event.event_id} of site {site_id}"
        if not_yours:
            raise SignatureNotYoursError(
                f"{where}: {problem.message}: a site speaks only for its own users (users sign where they were added)"
            )
        if signatures:
            raise SignatureInvalidError(f"{where}: {problem.message}")
        raise EventRefusedError(f"{where}: {problem.message}")

    def events_after(self, site_id: str, after: str, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` events of ``site_id``'s chain after the event with hash ``after`` ("" = from the start).

        Raises
        ------
        ChainGapError
            The server holds no event ``after`` in that site's chain (the caller's copy diverges).
        """
        with self._read() as conn:
            position = 0
            if after:
                found = conn.execute(
                    sa.select(events.c.site_seq).where(events.c.site_id == site_id, events.c.hash == after)
                ).first()
                if found is None:
                    raise ChainGapError(f"the server holds no event {after} in the chain of site {site_id}")
                position = int(found.site_seq)
            rows = conn.execute(
                sa.select(events)
                .where(events.c.site_id == site_id, events.c.site_seq > position)
                .order_by(events.c.site_seq)
                .limit(limit)
            ).all()
        return [_event_json(row) for row in rows]

    def all_events(self) -> list[Event]:
        """Every event held, in arrival order (``seq`` is the server's)."""
        with self._read() as conn:
            rows = conn.execute(sa.select(events).order_by(events.c.seq)).all()
        return [_event_from_row(row) for row in rows]

    # ------------------------------------------------------------------ artifacts

    @staticmethod
    def _status(row: Any) -> ArtifactStatus:
        return ArtifactStatus(row.sha256, int(row.size), row.kind, int(row.received), bool(row.complete))

    def offer_artifacts(self, site_id: str, items: Sequence[Any]) -> list[ArtifactStatus]:
        """Register artifacts the site will upload; returns each one's status (see the protocol).

        Raises
        ------
        InvalidEventError
            A malformed item.
        SyncRefusedError
            A withheld kind, or an artifact no event of this site (held by the server) names.
        ArtifactChangedError
            The artifact is known with another size.
        """
        wanted: list[tuple[str, int, str]] = []
        for item in items:
            sha = item.get("sha256") if isinstance(item, Mapping) else None
            size = item.get("size") if isinstance(item, Mapping) else None
            kind = item.get("kind") if isinstance(item, Mapping) else None
            if not is_sha256(sha) or not isinstance(size, int) or isinstance(size, bool) or not isinstance(kind, str):
                raise InvalidEventError("an offered artifact needs sha256, size and kind")
            if size < 0 or size > MAX_ARTIFACT_BYTES or not kind or len(kind) > 64:
                raise InvalidEventError(f"artifact {sha} has a size or kind out of range")
            if kind in WITHHELD_KINDS:
                raise SyncRefusedError(f"artifact {sha} is of kind {kind!r}, which never leaves the site")
            wanted.append((str(sha), size, kind))
        statuses: list[ArtifactStatus] = []
        with self._write() as conn:
            for sha, size, kind in wanted:
                named = conn.execute(
                    sa.select(artifact_refs.c.sha256).where(
                        artifact_refs.c.sha256 == sha, artifact_refs.c.site_id == site_id
                    )
                ).first()
                if named is None:
                    raise SyncRefusedError(f"artifact {sha} is not named by any event of site {site_id} held here")
                found = conn.execute(sa.select(artifacts).where(artifacts.c.sha256 == sha)).first()
                if found is None:
                    _insert_ignore(
                        conn,
                        artifacts,
                        [
                            {
                                "sha256": sha,
                                "size": size,
                                "kind": kind,
                                "received": 0,
                                "complete": size == 0 and sha == hashlib.sha256(b"").hexdigest(),
                                "site_id": site_id,
                                "created_at": _now(),
                                "completed_at": None,
                            }
                        ],
                    )
                    found = conn.execute(sa.select(artifacts).where(artifacts.c.sha256 == sha)).first()
                assert found is not None
                if int(found.size) != size:
                    raise ArtifactChangedError(f"artifact {sha} is known here with {found.size} bytes, not {size}")
                statuses.append(self._status(found))
        return statuses

    def artifact_status(self, shas: Iterable[str]) -> list[ArtifactStatus]:
        """The status of those of ``shas`` the server holds completely."""
        listed = sorted({sha for sha in shas if is_sha256(sha)})
        found: list[ArtifactStatus] = []
        with self._read() as conn:
            for first in range(0, len(listed), 500):
                rows = conn.execute(
                    sa.select(artifacts).where(
                        artifacts.c.sha256.in_(listed[first : first + 500]), artifacts.c.complete.is_(True)
                    )
                ).all()
                found += [self._status(row) for row in rows]
        return found

    def put_chunk(self, site_id: str, sha: str, offset: int, data: bytes) -> ArtifactStatus:
        """Store one chunk of an offered artifact at ``offset``; the last chunk verifies the whole SHA-256.

        Raises
        ------
        ArtifactMissingError
            The artifact was not offered.
        SyncRefusedError
            No event of this site names it.
        OffsetMismatchError
            ``offset`` is not the number of bytes received (carries ``received``).
        InvalidEventError
            A chunk too large or past the artifact's size.
        ArtifactChangedError
            The complete content does not hash to ``sha`` (the upload is discarded and restarts from 0).
        """
        if len(data) > MAX_CHUNK_BYTES:
            raise InvalidEventError(f"a chunk may hold at most {MAX_CHUNK_BYTES} bytes")
        with self._write() as conn:
            found = conn.execute(sa.select(artifacts).where(artifacts.c.sha256 == sha).with_for_update()).first()
            if found is None:
                raise ArtifactMissingError(f"artifact {sha} was not offered")
            named = conn.execute(
                sa.select(artifact_refs.c.sha256).where(
                    artifact_refs.c.sha256 == sha, artifact_refs.c.site_id == site_id
                )
            ).first()
            if named is None:
                raise SyncRefusedError(f"artifact {sha} is not named by any event of site {site_id} held here")
            status = self._status(found)
            if status.complete:
                return status
            if offset != status.received:
                raise OffsetMismatchError(
                    f"artifact {sha}: chunk at offset {offset}, but {status.received} bytes are received",
                    status.received,
                )
            if not data or offset + len(data) > status.size:
                raise InvalidEventError(f"artifact {sha}: chunk of {len(data)} bytes at {offset} exceeds its size")
            conn.execute(artifact_chunks.insert().values(sha256=sha, offset=offset, size=len(data), data=data))
            received = offset + len(data)
            complete = False
            wrong = ""
            if received == status.size:
                digest = hashlib.sha256()
                for chunk in self._chunks(conn, sha, 0, status.size):
                    digest.update(chunk)
                complete = digest.hexdigest() == sha
                if not complete:
                    # Discard the upload (staging bytes, not evidence) so the site uploads it again from 0.
                    wrong = digest.hexdigest()
                    conn.execute(artifact_chunks.delete().where(artifact_chunks.c.sha256 == sha))
                    received = 0
            conn.execute(
                artifacts.update()
                .where(artifacts.c.sha256 == sha)
                .values(received=received, complete=complete, completed_at=_now() if complete else None)
            )
        if wrong:
            raise ArtifactChangedError(f"artifact {sha}: the uploaded bytes hash to {wrong}; discarded, upload again")
        return ArtifactStatus(sha, status.size, status.kind, received, complete)

    @staticmethod
    def _chunks(conn: Connection, sha: str, start: int, end: int) -> Iterator[bytes]:
        """The bytes [start, end) of an artifact, chunk by chunk (one chunk in memory at a time)."""
        position = start
        while position < end:
            row = conn.execute(
                sa.select(artifact_chunks.c.offset, artifact_chunks.c.data)
                .where(artifact_chunks.c.sha256 == sha, artifact_chunks.c.offset <= position)
                .order_by(artifact_chunks.c.offset.desc())
                .limit(1)
            ).first()
            if row is None:
                raise ArtifactMissingError(f"artifact {sha}: no stored bytes at offset {position}")
            data = bytes(row.data)
            skip = position - int(row.offset)
            piece = data[skip : skip + (end - position)]
            if not piece:
                raise ArtifactMissingError(f"artifact {sha}: no stored bytes at offset {position}")
            yield piece
            position += len(piece)

    def read_artifact(self, sha: str, offset: int, length: int) -> bytes:
        """Bytes ``[offset, offset + length)`` of a complete artifact (clipped to its size).

        Raises
        ------
        ArtifactMissingError
            Not held completely.
        InvalidEventError
            A negative offset or a length over :data:`MAX_CHUNK_BYTES`.
        """
        if offset < 0 or length <= 0 or length > MAX_CHUNK_BYTES:
            raise InvalidEventError(f"read offset {offset} length {length}: 0 < length <= {MAX_CHUNK_BYTES}")
        with self._read() as conn:
            found = conn.execute(sa.select(artifacts).where(artifacts.c.sha256 == sha)).first()
            if found is None or not found.complete:
                raise ArtifactMissingError(f"artifact {sha} is not held completely on the server")
            end = min(int(found.size), offset + length)
            return b"".join(self._chunks(conn, sha, offset, end)) if offset < end else b""

    # ------------------------------------------------------------------ confirm and audit

    def confirm(self, site_id: str, head: str, counts: Mapping[str, int]) -> None:
        """Record a finished sync of ``site_id`` whose own chain ends at ``head``.

        Raises
        ------
        InvalidEventError
            A count that is not an integer from 0 to :data:`MAX_SYNC_COUNT`.
        SyncRefusedError
            ``head`` is not the site's head held here (its events are not all pushed).
        """
        for key in _SYNC_COUNTS:
            value = counts.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SYNC_COUNT:
                raise InvalidEventError(f"a confirmation's {key} must be an integer from 0 to {MAX_SYNC_COUNT}")
        with self._write() as conn:
            held, _ = self._site_head(conn, site_id)
            if held != head:
                raise SyncRefusedError(
                    f"site {site_id} confirms head {head or '(none)'} but the server holds {held or '(none)'}"
                )
            conn.execute(
                sync_log.insert().values(
                    site_id=site_id,
                    confirmed_at=_now(),
                    head=head,
                    **{key: counts.get(key, 0) for key in _SYNC_COUNTS},
                )
            )

    def counts(self) -> dict[str, int]:
        """``sites``, ``events``, ``artifacts`` (complete), ``artifact_bytes``, ``syncs`` (for metrics)."""
        with self._read() as conn:
            return {
                "sites": int(conn.execute(sa.select(sa.func.count()).select_from(sites)).scalar_one()),
                "events": int(conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()),
                "artifacts": int(
                    conn.execute(
                        sa.select(sa.func.count()).select_from(artifacts).where(artifacts.c.complete.is_(True))
                    ).scalar_one()
                ),
                "artifact_bytes": int(
                    conn.execute(
                        sa.select(sa.func.coalesce(sa.func.sum(artifacts.c.size), 0)).where(
                            artifacts.c.complete.is_(True)
                        )
                    ).scalar_one()
                ),
                "syncs": int(conn.execute(sa.select(sa.func.count()).select_from(sync_log)).scalar_one()),
            }

    def verify(self, *, artifacts_too: bool = True) -> ServerAudit:
        """Verify every event's hash, every site's chain (no gap, no fork) and every signature; re-hash artifacts."""
        problems: list[str] = []
        with self._read() as conn:
            rows = conn.execute(sa.select(events).order_by(events.c.site_id, events.c.site_seq)).all()
            joined = {row.site_id for row in conn.execute(sa.select(sites.c.site_id)).all()}
        all_events = [_event_from_row(row) for row in rows]
        heads: dict[str, tuple[str, int]] = {}
        for row, event in zip(rows, all_events, strict=True):
            if event.computed_hash() != event.hash:
                problems.append(f"event {event.event_id} of site {event.site_id} does not match its hash")
            prev, position = heads.get(event.site_id, ("", 0))
            if event.prev_hash != prev or int(row.site_seq) != position + 1:
                problems.append(f"the chain of site {event.site_id} breaks at event {event.event_id}")
            if event.site_id not in joined:
                problems.append(f"event {event.event_id} belongs to site {event.site_id}, which never joined")
            heads[event.site_id] = (event.hash, int(row.site_seq))
        arrival = sorted(all_events, key=lambda event: event.seq)
        trust = verify_log(arrival, None, trusted=joined)
        problems += [
            f"{problem.event.kind} event {problem.event.event_id} of site {problem.event.site_id}: {problem.message}"
            for problem in trust.problems
        ]
        complete = 0
        with self._read() as conn:
            stored = conn.execute(sa.select(artifacts).where(artifacts.c.complete.is_(True))).all()
            for row in stored:
                complete += 1
                if artifacts_too:
                    digest = hashlib.sha256()
                    for chunk in self._chunks(conn, row.sha256, 0, int(row.size)):
                        digest.update(chunk)
                    if digest.hexdigest() != row.sha256:
                        problems.append(f"artifact {row.sha256} does not match its SHA-256")
        return ServerAudit(not problems, len(heads), len(all_events), complete, tuple(problems))


def _token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
