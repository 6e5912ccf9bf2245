"""Single-use requests, the users each site speaks for, and event attestations.

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-07

``request_nonces`` remembers each signed request's nonce per site for the clock-skew window (``dvw-sync/2``), so a
replayed request is refused. ``user_sites`` names the site that first added each user id; it is filled here from
the ``user_added`` events already held, in arrival order (a later site's ``user_added`` for the same id stays in
the log and is reported by ``dvw server verify``). ``events.attestation`` keeps each event's attestation (its
actor's Ed25519 signature over the event's hash, outside the hash) so that the sites that pull it can check it.

Frozen: later changes go into new revisions; this file is never edited once released.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision: str = "s0002"
down_revision: str | None = "s0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create both tables, record the site of every user id already added, add the attestation column."""
    op.add_column("events", sa.Column("attestation", sa.Text(), nullable=True))
    op.create_table(
        "request_nonces",
        sa.Column("site_id", sa.String(32), primary_key=True),
        sa.Column("nonce", sa.String(32), primary_key=True),
        sa.Column("request_time", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_request_nonces_time", "request_nonces", ["request_time"])
    user_sites = op.create_table(
        "user_sites",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("site_id", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(32), nullable=False),
    )
    rows = op.get_bind().execute(
        sa.text(
            "SELECT site_id, event_id, payload FROM events WHERE kind = 'user_added' AND case_code IS NULL ORDER BY seq"
        )
    )
    owners: dict[str, dict[str, str]] = {}
    for site_id, event_id, payload in rows:
        try:
            user_id = json.loads(payload).get("user_id")
        except (ValueError, AttributeError):
            continue
        if isinstance(user_id, str) and 0 < len(user_id) <= 32 and user_id not in owners:
            owners[user_id] = {"user_id": user_id, "site_id": site_id, "event_id": event_id}
    if owners:
        op.bulk_insert(user_sites, list(owners.values()))


def downgrade() -> None:
    """The server's events are evidence: revisions are never downgraded."""
    raise NotImplementedError("DVW server migrations are forward-only")
