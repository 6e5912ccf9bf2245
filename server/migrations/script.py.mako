"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Upgrade the schema by one revision."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """The store is append-only evidence: revisions are never downgraded."""
    raise NotImplementedError("DVW store migrations are forward-only")
