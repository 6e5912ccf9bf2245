"""Alembic environment of the local store.

Run only through :func:`records.store.Store.open`, which passes an open connection (already inside a ``BEGIN
IMMEDIATE`` transaction, so two processes never migrate at once) in ``config.attributes["connection"]``. There is
no ``alembic.ini`` and no offline (SQL script) mode.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from records.models import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("the DVW store migrations run only from records.store.Store.open (no connection given)")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
