"""Alembic migrations of the local store, run programmatically by :meth:`records.store.Store.open`."""
