"""The sync server's first schema: enrolments, sites, events, artifacts and their chunks, the sync log.

Revision ID: s0001
Revises:
Create Date: 2026-11-24

Frozen: later changes go into new revisions; this file is never edited once released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "s0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_INSERT_ONLY = ("events", "sync_log")


def upgrade() -> None:
    """Create the tables, their keys and the triggers that keep events and the sync log insert-only."""
    op.create_table(
        "enrolments",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("consumed_at", sa.Text(), nullable=True),
        sa.Column("site_id", sa.String(32), nullable=True),
    )
    op.create_table(
        "sites",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("joined_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("seq", _BIG_ID, primary_key=True, autoincrement=True),
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
        sa.UniqueConstraint("site_id", "site_seq", name="uq_events_site_seq"),
        sa.UniqueConstraint("site_id", "prev_hash", name="uq_events_site_prev"),
    )
    op.create_index("ix_events_case", "events", ["case_code"])
    op.create_index("ix_events_site_kind", "events", ["site_id", "kind"])
    op.create_table(
        "artifact_refs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("site_id", sa.String(32), primary_key=True),
    )
    op.create_table(
        "artifacts",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("site_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("completed_at", sa.Text(), nullable=True),
    )
    op.create_table(
        "artifact_chunks",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("offset", sa.BigInteger(), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "sync_log",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(32), nullable=False),
        sa.Column("confirmed_at", sa.Text(), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("pushed", sa.Integer(), nullable=False),
        sa.Column("pulled", sa.Integer(), nullable=False),
        sa.Column("artifacts_pushed", sa.Integer(), nullable=False),
        sa.Column("artifacts_pulled", sa.Integer(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION dvw_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% is insert-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
        )
        for table in _INSERT_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION dvw_refuse_change()"
            )
    else:
        for table in _INSERT_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is insert-only: {action} refused'); END"
                )


def downgrade() -> None:
    """The server's events are evidence: revisions are never downgraded."""
    raise NotImplementedError("DVW server migrations are forward-only")
