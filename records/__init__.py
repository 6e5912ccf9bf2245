"""The local store: append-only event log, artifacts by hash, users, signatures, sync."""
