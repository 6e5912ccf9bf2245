"""Syncing from the window: one sync with the server this site joined, as a background task (no Qt here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from imaging.progress import CancelToken, ProgressCallback


@dataclass(frozen=True)
class SyncOutcome:
    """What one sync did: events and artifacts each way, and the conflicts left to resolve in the store."""

    server: str
    pushed: int
    pulled: int
    artifacts_pushed: int
    artifacts_pulled: int
    conflicts: int


def sync_now(home: Path, progress: ProgressCallback, cancel: CancelToken) -> SyncOutcome:
    """Sync the store in ``home`` with the server it joined (what ``dvw sync`` does), with progress and cancel.

    Raises
    ------
    NotJoinedError
        This site has not joined a server (``dvw site join``).
    SyncError
        The server cannot be reached or refused the sync (the message says which).
    """
    from records.store import Store  # noqa: PLC0415 - loaded in the worker process only
    from records.sync.client import sync  # noqa: PLC0415

    with Store.open(home) as store:
        result = sync(store, progress=progress, cancel=cancel)
    return SyncOutcome(
        result.server,
        result.pushed,
        result.pulled,
        result.artifacts_pushed,
        result.artifacts_pulled,
        len(result.conflicts),
    )


@dataclass(frozen=True)
class Joined:
    """The enrolment this workstation made: the server, the site's enrolled name and its key's fingerprint."""

    server: str
    name: str
    fingerprint: str


def join_server(home: Path, server: str, token: str, progress: ProgressCallback, cancel: CancelToken) -> Joined:
    """Join ``server`` with the one-time ``token`` (what ``dvw site join`` does) for the store in ``home``.

    Raises
    ------
    EnrolmentError
        This site already joined a server, or the server refused the token.
    SyncConnectionError
        The server cannot be reached.
    """
    from records.store import Store  # noqa: PLC0415 - loaded in the worker process only
    from records.sync.client import join  # noqa: PLC0415

    del progress, cancel  # one request
    with Store.open(home) as store:
        result = join(store, server, token)
    return Joined(result.server, result.name, result.public_key_sha256)
