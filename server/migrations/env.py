"""Alembic environment of the sync server's database.

Run only through :func:`server.store.migrate`, which passes an open connection (inside a transaction that
holds the migration lock) in ``config.attributes["connection"]``. There is no ``alembic.ini`` and no offline mode.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from server.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("the DVW server migrations run only from server.store.migrate (no connection given)")
context.configure(connection=connection, target_metadata=metadata, version_table="dvw_server_version")
with context.begin_transaction():
    context.run_migrations()
