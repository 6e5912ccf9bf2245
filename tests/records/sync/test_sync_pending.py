"""The events not yet pushed, counted exactly from what the server acknowledged (``last_sync.json``'s
``pushed_through``), against a real server; an older record without it falls back to the time-based estimate."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from sync_helpers import Site, ThreadServer, trust_each_other

from base.progress import CancelToken
from records.events import CASE_CREATED, NOTE
from records.sync.client import LAST_SYNC_FILE, PUSHED_THROUGH, SYNC_DIR
from workflow.sync_status import read_sync_status


def _pending(site: Site, url: str) -> int:
    return read_sync_status(site.home, url, lambda _f, _m: None, CancelToken()).pending


def _record(site: Site) -> dict[str, object]:
    data = json.loads((site.home / SYNC_DIR / LAST_SYNC_FILE).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_events_not_pushed_are_counted_exactly(server: ThreadServer, make_site: Callable[..., Site]) -> None:
    a = make_site("ward-a", server.store, server.url)
    b = make_site("ward-b", server.store, server.url)
    trust_each_other(a, b)  # each site's administrator, set up first
    a.person("engineer")
    set_up = len([event for event in a.store.events() if event.site_id == a.store.site_id])
    assert _pending(a, server.url) == set_up  # never synced: every event of this site
    a.append(CASE_CREATED, case_code="P-1", payload={})
    a.append(NOTE, case_code="P-1", payload={"text": "first"})
    b.append(CASE_CREATED, case_code="P-2", payload={})
    b.sync(server.url)
    assert _pending(a, server.url) == set_up + 2

    result = a.sync(server.url)
    own = [event for event in a.store.events() if event.site_id == a.store.site_id]
    assert result.pushed == len(own)
    # Site b's events, its case among them (and a marker of what site a now knows, pushed in the same sync).
    assert result.pulled == len([event for event in b.store.events() if event.site_id == b.store.site_id])
    through = _record(a)[PUSHED_THROUGH]
    assert through == {"event_id": own[-1].event_id, "hash": own[-1].hash, "seq": own[-1].seq}
    assert {site.site_id: site.head for site in server.store.sites()}[a.store.site_id] == own[-1].hash
    assert _pending(a, server.url) == 0

    # N new events, dated before the sync finished (a workstation clock set back): a count by time would miss them.
    earlier = datetime.now().astimezone() - timedelta(hours=1)
    for index in range(3):
        a.append(NOTE, case_code="P-1", payload={"text": f"after {index}"}, at=earlier)
    b.append(NOTE, case_code="P-2", payload={"text": "elsewhere"})
    b.sync(server.url)
    assert a.sync(server.url).pushed >= 3
    assert _pending(a, server.url) == 0
    for index in range(3):
        a.append(NOTE, case_code="P-1", payload={"text": f"later {index}"}, at=earlier)
    assert _pending(a, server.url) == 3

    # An older record without the field: the events written after the sync finished (by their time) are counted.
    older = {key: value for key, value in _record(a).items() if key != PUSHED_THROUGH}
    (a.home / SYNC_DIR / LAST_SYNC_FILE).write_text(json.dumps(older), encoding="utf-8")
    assert _pending(a, server.url) == 0  # the estimate misses the back-dated events
    a.append(NOTE, case_code="P-1", payload={"text": "now"})
    assert _pending(a, server.url) == 1


def test_an_event_written_during_a_sync_after_its_push_is_still_pending(
    server: ThreadServer, make_site: Callable[..., Site]
) -> None:
    a = make_site("ward-c", server.store, server.url)
    a.append(CASE_CREATED, case_code="P-3", payload={})
    a.sync(server.url)
    a.append(NOTE, case_code="P-3", payload={"text": "before"})

    def write_during_pull(_fraction: float, message: str) -> None:
        if message == "pull_artifacts: started":  # after this sync's pushes, before it finishes
            a.append(NOTE, case_code="P-3", payload={"text": "while syncing"})

    a.sync(server.url, progress=write_during_pull)
    own = [event for event in a.store.events() if event.site_id == a.store.site_id]
    assert own[-1].payload == {"text": "while syncing"}
    through = _record(a)[PUSHED_THROUGH]
    assert isinstance(through, dict)
    assert through["hash"] == own[-2].hash
    assert _pending(a, server.url) == 1
    assert a.sync(server.url).pushed == 1
    assert _pending(a, server.url) == 0
