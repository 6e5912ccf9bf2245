"""The store's SQLAlchemy 2 models (SQLite) and the triggers that make its tables append-only.

These classes stay inside :mod:`records`; the store converts rows into the frozen domain dataclasses
(:class:`records.events.Event`, ...). The schema itself is created and changed only by the Alembic migrations in
``records/migrations/versions``; the models mirror the latest revision.

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

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the store's models."""


class SiteRow(Base):
    """The identity of this site (exactly one row)."""

    __tablename__ = "site"

    site_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[str] = mapped_column(Text)


class EventRow(Base):
    """One event of the log; see :class:`records.events.Event` for the fields."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_site_seq", "site_id", "seq"),
        Index("ix_events_case_seq", "case_code", "seq"),
        Index("ix_events_site_level", "site_id", "case_code", "kind"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(32), unique=True)
    site_id: Mapped[str] = mapped_column(String(32))
    case_code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    attestation: Mapped[str | None] = mapped_column(Text)


class ArtifactRow(Base):
    """A content-addressed file: its SHA-256, size in bytes, kind (``dicom``, ``volume``, ``mesh``, ...)."""

    __tablename__ = "artifacts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(Text)
    added_at: Mapped[str] = mapped_column(Text)


class PatientIdentityRow(Base):
    """Patient identity of a case; stays on this site and never enters an event."""

    __tablename__ = "patient_identity"
    __table_args__ = (Index("ix_patient_identity_case", "case_code", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    patient_id: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[str] = mapped_column(Text)


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
