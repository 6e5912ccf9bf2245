"""The store's tables (SQLAlchemy Core, SQLite) and the triggers that make them append-only.

The tables stay inside :mod:`records`; the store reads rows with SQL on these tables and converts them into the
frozen domain dataclasses (:class:`records.events.Event`, ...). The schema itself is created and changed only by
the Alembic migrations in ``records/migrations/versions``; the tables here mirror the latest revision (as the
sync server's :mod:`server.schema` does for its database: one way to describe a schema, Core tables).

Tables
------
``site``
    One row: this site's random ``site_id`` and when it was created.
``events``
    The append-only event log (the source of truth); ``seq`` is the local arrival order.
``artifacts``
    One row per content-addressed file under ``artifacts/<2 hex>/<sha256>``.
``patient_identity``
    Site-local patient identity per case code; a correction is a newer row, the newest row wins.

Every table has ``BEFORE UPDATE`` and ``BEFORE DELETE`` triggers that abort the statement: nothing is updated in
place or deleted (REQUIREMENTS 4.4.1).
"""

from __future__ import annotations

import sqlalchemy as sa

from records.audit import APPEND_ONLY_TABLES, append_only_triggers

__all__ = ["APPEND_ONLY_TABLES", "append_only_triggers", "artifacts", "events", "metadata", "patient_identity", "site"]

metadata = sa.MetaData()
"""The local store's tables (SQLAlchemy Core, as the sync server's :mod:`server.schema`)."""

site = sa.Table(
    "site",
    metadata,
    sa.Column("site_id", sa.String(32), primary_key=True),
    sa.Column("created_at", sa.Text(), nullable=False),
)
"""The identity of this site (exactly one row)."""

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False, unique=True),
    sa.Column("site_id", sa.String(32), nullable=False),
    sa.Column("case_code", sa.String(64), nullable=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("actor", sa.Text(), nullable=True),
    sa.Column("created_at", sa.Text(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
    sa.Column("attestation", sa.Text(), nullable=True),
    sa.Index("ix_events_site_seq", "site_id", "seq"),
    sa.Index("ix_events_case_seq", "case_code", "seq"),
    sa.Index("ix_events_site_level", "site_id", "case_code", "kind"),
    sqlite_autoincrement=True,
)
"""One event of the log; see :class:`records.events.Event` for the fields."""

artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("kind", sa.Text(), nullable=False),
    sa.Column("added_at", sa.Text(), nullable=False),
)
"""A content-addressed file: its SHA-256, size in bytes, kind (``dicom``, ``volume``, ``mesh``, ...)."""

patient_identity = sa.Table(
    "patient_identity",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("case_code", sa.String(64), nullable=False),
    sa.Column("name", sa.Text(), nullable=True),
    sa.Column("patient_id", sa.Text(), nullable=True),
    sa.Column("birth_date", sa.Text(), nullable=True),
    sa.Column("recorded_at", sa.Text(), nullable=False),
    sa.Index("ix_patient_identity_case", "case_code", "id"),
    sqlite_autoincrement=True,
)
"""Patient identity of a case; stays on this site and never enters an event."""
