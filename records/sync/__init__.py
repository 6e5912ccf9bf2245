"""Sync between offline-first workstations and the company server: protocol, client and conflict detection."""
