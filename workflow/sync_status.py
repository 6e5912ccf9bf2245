"""The local store's replication state, as the window's case bar shows it (no Qt here).

:func:`read_sync_status` reads the enrolment, the last sync and the events not yet pushed; the window runs it in the
worker process on case changes and at intervals.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from base.progress import CancelToken, ProgressCallback


@dataclass(frozen=True)
class SyncStatus:
    """The local store's replication state, as the case bar shows it.

    Attributes
    ----------
    server
        The sync server in the settings ("" when not configured).
    joined_server
        The server this site joined (``dvw site join``), or "" when it has not joined.
    site_name, site_id
        The site's enrolled name and its store's site id ("" when unknown).
    last_sync
        When the last successful sync finished (ISO 8601), or "" when this site never synced.
    pending
        This site's events written after the last successful sync (all of them before the first sync): what the
        next sync will push.
    own_events
        Every event this site wrote.
    seconds
        How long reading the status took.
    """

    server: str
    joined_server: str
    site_name: str
    site_id: str
    last_sync: str
    pending: int
    own_events: int
    seconds: float

    @property
    def configured(self) -> bool:
        """Whether a sync server is set in the settings or joined."""
        return bool(self.server or self.joined_server)


def read_sync_status(home: Path, server: str, progress: ProgressCallback, cancel: CancelToken) -> SyncStatus:
    """Read the replication state of the store in ``home`` (``server``: the sync server of the settings).

    The enrolment is the site key and server file ``dvw site join`` writes (:func:`records.sync.client.
    load_credentials`); the last sync is the ``last_sync.json`` record ``dvw sync`` writes when a sync finishes.
    The events not yet pushed are exactly this site's events after the last one the server acknowledged holding,
    which that record names (``pushed_through``: :func:`records.sync.client.events_not_pushed`). A record written
    by an older DVW does not name it: then the events this site wrote after that sync finished are counted (an
    event written while a sync was running counts as pushed, though the sync may have missed it).

    Raises
    ------
    StoreError
        When the store cannot be opened.
    """
    from base.progress import checkpoint  # noqa: PLC0415
    from records.errors import NotJoinedError  # noqa: PLC0415
    from records.events import aware_time  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from records.sync.client import LAST_SYNC_FILE, SYNC_DIR, events_not_pushed, load_credentials  # noqa: PLC0415

    del progress  # one quick read: nothing to report
    started = time.perf_counter()
    try:
        credentials = load_credentials(home)
        joined, name = credentials.server, credentials.name
    except NotJoinedError:
        joined, name = "", ""
    last_sync = ""
    record: dict[str, object] = {}
    try:
        read = json.loads((home / SYNC_DIR / LAST_SYNC_FILE).read_text(encoding="utf-8"))
        if isinstance(read, dict) and aware_time(read.get("finished_at")) is not None:
            last_sync = str(read["finished_at"])
            record = read
    except (OSError, ValueError):
        last_sync = ""
    checkpoint(cancel)
    with Store.open(home) as store:
        site_id = store.site_id
        events = store.events()
    own = [event.created_at for event in events if event.site_id == site_id]
    exact = events_not_pushed(events, site_id, record) if record else None
    since = aware_time(last_sync)
    if exact is not None:
        pending = exact
    elif since is None:
        pending = len(own)
    else:
        pending = sum(1 for created in own if (at := aware_time(created)) is not None and at > since)
    return SyncStatus(server, joined, name, site_id, last_sync, pending, len(own), time.perf_counter() - started)
