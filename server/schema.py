"""The sync server's tables (SQLAlchemy Core), the same on PostgreSQL and SQLite.

The schema is created and changed only by the Alembic migrations in ``server/migrations/versions``; these
table objects mirror the latest revision and are what the server's queries use.

Tables
------
``enrolments``
    One per enrolled site name: the SHA-256 of its one-time token (never the token), when it was consumed and by
    which site id.
``sites``
    Joined sites: id (the workstation store's ``site_id``), name, Ed25519 public key (raw, base64).
``events``
    Every site's events, insert-only (triggers refuse UPDATE and DELETE), keyed by ``hash`` and ``event_id``.
    ``site_seq`` is the position in the site's chain (1, 2, ...); ``(site_id, site_seq)`` and
    ``(site_id, prev_hash)`` are unique, so no two workers can ever store a gap or a fork in a chain. The
    ``attestation`` (the actor's signature over the event's hash; not part of the hash) is kept as the site sent it.
``artifact_refs``
    Which site's events name which SHA-256 (a site may upload only artifacts its own events name).
``artifacts`` / ``artifact_chunks``
    Artifacts by SHA-256: size, kind, bytes received, complete; their bytes as chunks in the database, so that every
    worker and every restart sees the same partial uploads.
``sync_log``
    One row per confirmed sync: site, time, own head, counts (insert-only).
``request_nonces``
    The nonce of every signed request per site with its time (Unix seconds): a request is single-use. Rows older
    than the clock-skew window are pruned (a request that old is refused by its time anyway).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""A 64-bit key on PostgreSQL; SQLite's autoincrementing key must be declared INTEGER."""

enrolments = sa.Table(
    "enrolments",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.Text(), nullable=False),
    sa.Column("consumed_at", sa.Text(), nullable=True),
    sa.Column("site_id", sa.String(32), nullable=True),
)

sites = sa.Table(
    "sites",
    metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False, unique=True),
    sa.Column("public_key", sa.Text(), nullable=False),
    sa.Column("joined_at", sa.Text(), nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("site_id", sa.String(32), nullable=False),
    sa.Column("site_seq", sa.BigInteger(), nullable=False),
    sa.Column("event_id", sa.String(32), nullable=False, unique=True),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("case_code", sa.String(64), nullable=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("actor", sa.Text(), nullable=True),
    sa.Column("created_at", sa.Text(), nullable=False),
    sa.Column("received_at", sa.Text(), nullable=False),
    sa.Column("attestation", sa.Text(), nullable=True),
    sa.UniqueConstraint("site_id", "site_seq", name="uq_events_site_seq"),
    sa.UniqueConstraint("site_id", "prev_hash", name="uq_events_site_prev"),
    sa.Index("ix_events_case", "case_code"),
    sa.Index("ix_events_site_kind", "site_id", "kind"),
)

artifact_refs = sa.Table(
    "artifact_refs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("site_id", sa.String(32), primary_key=True),
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("received", sa.BigInteger(), nullable=False),
    sa.Column("complete", sa.Boolean(), nullable=False),
    sa.Column("site_id", sa.String(32), nullable=False),
    sa.Column("created_at", sa.Text(), nullable=False),
    sa.Column("completed_at", sa.Text(), nullable=True),
)

artifact_chunks = sa.Table(
    "artifact_chunks",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("offset", sa.BigInteger(), primary_key=True),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("data", sa.LargeBinary(), nullable=False),
)

sync_log = sa.Table(
    "sync_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("site_id", sa.String(32), nullable=False),
    sa.Column("confirmed_at", sa.Text(), nullable=False),
    sa.Column("head", sa.String(64), nullable=False),
    sa.Column("pushed", sa.Integer(), nullable=False),
    sa.Column("pulled", sa.Integer(), nullable=False),
    sa.Column("artifacts_pushed", sa.Integer(), nullable=False),
    sa.Column("artifacts_pulled", sa.Integer(), nullable=False),
)

request_nonces = sa.Table(
    "request_nonces",
    metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("nonce", sa.String(32), primary_key=True),
    sa.Column("request_time", sa.BigInteger(), nullable=False),
    sa.Index("ix_request_nonces_time", "request_time"),
)

INSERT_ONLY_TABLES = ("events", "sync_log")
"""Tables whose rows are never updated or deleted (database triggers refuse it)."""
