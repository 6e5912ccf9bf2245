"""Alembic migrations of the sync server's database (run from :func:`records.server.store.migrate`)."""
