"""Single-use requests and event attestations.

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-07

``request_nonces`` remembers each signed request's nonce per site for the clock-skew window (``dvw-sync/2``), so a
replayed request is refused. ``events.attestation`` keeps each event's attestation (its actor's Ed25519 signature
over the event's hash, outside the hash): the server checks it on every push, and the sites that pull it check it
again.

Frozen: later changes go into new revisions; this file is never edited once released.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "s0002"
down_revision: str | None = "s0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the nonce table and add the attestation column."""
    op.add_column("events", sa.Column("attestation", sa.Text(), nullable=True))
    op.create_table(
        "request_nonces",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("nonce", sa.String(32), primary_key=True),
        sa.Column("request_time", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_request_nonces_time", "request_nonces", ["request_time"])


def downgrade() -> None:
    """The server's events are evidence: revisions are never downgraded."""
    raise NotImplementedError("DVW server migrations are forward-only")
