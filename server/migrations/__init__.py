"""Alembic migrations of the sync server's database (run from :func:`server.store.migrate`)."""
