"""Events carry their actor's attestation: the Ed25519 signature over the event's hash.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

Frozen: later changes go into new revisions; this file is never edited once released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the nullable ``attestation`` column (base64 Ed25519 signature; NULL for events the software writes)."""
    op.add_column("events", sa.Column("attestation", sa.Text(), nullable=True))
    op.create_index("ix_events_site_level", "events", ["site_id", "case_code", "kind"])


def downgrade() -> None:
    """The store is append-only evidence: revisions are never downgraded."""
    raise NotImplementedError("DVW store migrations are forward-only")
