"""The first schema: site, events, artifacts, patient_identity, and their append-only triggers.

Revision ID: 0001
Revises:
Create Date: 2026-05-01

Frozen: later changes go into new revisions; this file is never edited once released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_APPEND_ONLY_TABLES = ("site", "events", "artifacts", "patient_identity")


def upgrade() -> None:
    """Create the four tables and the triggers that refuse UPDATE and DELETE on each."""
    op.create_table(
        "site",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "events",
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
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_site_seq", "events", ["site_id", "seq"])
    op.create_index("ix_events_case_seq", "events", ["case_code", "seq"])
    op.create_table(
        "artifacts",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("added_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "patient_identity",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_code", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("patient_id", sa.Text(), nullable=True),
        sa.Column("birth_date", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_patient_identity_case", "patient_identity", ["case_code", "id"])
    for table in _APPEND_ONLY_TABLES:
        for action in ("UPDATE", "DELETE"):
            name = f"{table}_no_{action.lower()}"
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
            )


def downgrade() -> None:
    """The store is append-only evidence: revisions are never downgraded."""
    raise NotImplementedError("DVW store migrations are forward-only")
