"""Concurrent changes to one case by two sites: found from the event log, kept both, listed for a person to resolve.

Events are immutable and each site writes only its own chain, so two sites changing one case while offline can
never overwrite each other: both sets of events are kept and replicated everywhere. What must not happen is that
the second change silently wins; so concurrent changes are *detected* and listed until a person resolves them.

What a site knew. When a sync (or :func:`ensure_marker`) imports other sites' case events, the site appends a
site-level ``sync_received`` event to its own chain: ``{"heads": {site_id: hash of that site's last event held}}``.
So every event a site writes after the marker provably was written knowing those events (the marker is in the
same hash chain, before it). An event ``e2`` of site B *knew* an event ``e1`` of site A when a marker of B earlier in
B's chain names a head of A at or after ``e1`` (or A = B and ``e1`` is earlier in the chain).

Conflict. Two *changes* (kinds :data:`CHANGE_KINDS`: inputs, checks, re-verifications, signatures, design changes,
resolutions) of one case by two different sites, neither of which knew the other, are concurrent: two revisions.
The conflict is resolved by any later change of the case (typically a ``conflict_resolved`` event written by
:func:`resolve_conflict` after a person chose) written by a site that knew both. Every site holding the same events
computes the same conflicts.

Limits: an import that writes no marker (a crash between import and marker, a bundle import) is covered only from
the next :func:`ensure_marker` on; changes written in between look concurrent (a false alarm, never a loss).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from records.errors import CaseNotFoundError, InvalidEventError
from records.events import (
    CASE_CREATED,
    CHECK_RUN,
    DESIGN_CHANGED,
    INPUTS_ADDED,
    REVERIFICATION_RECORDED,
    SIGNATURE,
    SYNC_RECEIVED,
    Event,
    check_case_code,
)
from records.payloads import ConflictResolved, SyncReceived, read_or_none, to_payload
from records.store import Store

CONFLICT_RESOLVED = "conflict_resolved"
"""Case event: a person resolved concurrent revisions (``{"kept_site", "reason", "resolves": [hashes]}``)."""
CHANGE_KINDS = frozenset(
    {CASE_CREATED, INPUTS_ADDED, CHECK_RUN, REVERIFICATION_RECORDED, SIGNATURE, DESIGN_CHANGED, CONFLICT_RESOLVED}
)
"""Case event kinds that change a case's revision, check or sign-off (a ``note`` does not). Two sites creating the
same case code without knowing of each other is a conflict too: the code is owned by the first creator held."""


@dataclass(frozen=True)
class Branch:
    """One site's side of a conflict: its concurrent changes of the case (chain order)."""

    site_id: str
    events: tuple[Event, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"site_id", "events": [{"hash", "event_id", "kind", "created_at", "actor"}]}``."""
        return {
            "site_id": self.site_id,
            "events": [
                {
                    "hash": event.hash,
                    "event_id": event.event_id,
                    "kind": event.kind,
                    "created_at": event.created_at,
                    "actor": event.actor,
                }
                for event in self.events
            ],
        }


@dataclass(frozen=True)
class Conflict:
    """Unresolved concurrent revisions of one case: one branch per site, sorted by site id."""

    case_code: str
    branches: tuple[Branch, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"case", "revisions": [branch, ...]}`` (an item of ``dvw sync --json``'s ``conflicts``)."""
        return {"case": self.case_code, "revisions": [branch.to_json() for branch in self.branches]}


class _Knowledge:
    """Which events each site knew when it wrote each of its events (from chains and ``sync_received`` markers)."""

    def __init__(self, events: Iterable[Event]) -> None:
        by_site: dict[str, list[Event]] = {}
        for event in events:
            by_site.setdefault(event.site_id, []).append(event)
        self.position: dict[str, tuple[str, int]] = {}
        self.markers: dict[str, tuple[list[int], list[Mapping[str, Any]]]] = {}
        for site, listed in by_site.items():
            chain = _chain_order(listed)
            indexes: list[int] = []
            heads: list[Mapping[str, Any]] = []
            for index, event in enumerate(chain):
                self.position[event.hash] = (site, index)
                marker = read_or_none(event, SyncReceived) if event.case_code is None else None
                if marker is not None:
                    indexes.append(index)
                    heads.append(marker.heads)
            self.markers[site] = (indexes, heads)

    def knew(self, later: Event, earlier: Event) -> bool:
        """Whether ``later``'s site held ``earlier`` when it wrote ``later``."""
        site, index = self.position[later.hash]
        other_site, other_index = self.position[earlier.hash]
        if site == other_site:
            return other_index < index
        indexes, heads = self.markers.get(site, ([], []))
        at = bisect.bisect_left(indexes, index) - 1
        if at < 0:
            return False
        head = heads[at].get(other_site)
        if not isinstance(head, str) or not head:
            return False
        found = self.position.get(head)
        if found is None or found[0] != other_site:
            # A head this log does not hold yet: every event of that site held here is before it.
            return True
        return found[1] >= other_index


def _chain_order(events: Sequence[Event]) -> list[Event]:
    """One site's events in chain order (following ``prev_hash``); events off the chain keep their given order."""
    after = {event.prev_hash: event for event in events}
    ordered: list[Event] = []
    current = after.get("")
    seen: set[str] = set()
    while current is not None and current.hash not in seen:
        ordered.append(current)
        seen.add(current.hash)
        current = after.get(current.hash)
    ordered += [event for event in events if event.hash not in seen]
    return ordered


def find_conflicts(events: Iterable[Event]) -> list[Conflict]:
    """Every case's unresolved concurrent revisions in a log (see the module docstring), sorted by case code.

    Parameters
    ----------
    events
        Every event of a store or server (any order).

    Returns
    -------
    list of Conflict
        One per case with unresolved concurrent changes.
    """
    listed = list(events)
    changes: dict[str, list[Event]] = {}
    for event in listed:
        if event.case_code is not None and event.kind in CHANGE_KINDS:
            changes.setdefault(event.case_code, []).append(event)
    candidates = {code: found for code, found in changes.items() if len({e.site_id for e in found}) > 1}
    if not candidates:
        return []
    knowledge = _Knowledge(listed)
    conflicts: list[Conflict] = []
    for code in sorted(candidates):
        found = candidates[code]
        involved: dict[str, dict[str, Event]] = {}
        for i, first in enumerate(found):
            for second in found[i + 1 :]:
                if first.site_id == second.site_id:
                    continue
                if knowledge.knew(first, second) or knowledge.knew(second, first):
                    continue
                if any(knowledge.knew(third, first) and knowledge.knew(third, second) for third in found):
                    continue
                for event in (first, second):
                    involved.setdefault(event.site_id, {})[event.hash] = event
        if involved:
            branches = tuple(
                Branch(
                    site,
                    tuple(sorted(involved[site].values(), key=lambda e: knowledge.position[e.hash][1])),
                )
                for site in sorted(involved)
            )
            conflicts.append(Conflict(code, branches))
    return conflicts


def _foreign_heads(events: Iterable[Event], own_site: str) -> dict[str, str]:
    heads: dict[str, str] = {}
    for event in events:  # log order: each site's events arrive in chain order
        if event.site_id != own_site:
            heads[event.site_id] = event.hash
    return heads


def ensure_marker(store: Store, *, server: str | None = None, at: datetime | None = None) -> Event | None:
    """Append a ``sync_received`` event when this store holds other sites' case events its last marker lacks.

    Parameters
    ----------
    store
        The local store.
    server
        The sync server the events came from (recorded in the payload), or None.
    at
        The event time; default now.

    Returns
    -------
    Event or None
        The marker appended, or None when the latest marker already covers every held case event.
    """
    events = store.events()
    own = store.site_id
    last_heads: Mapping[str, Any] = {}
    for event in events:
        marker = read_or_none(event, SyncReceived) if event.site_id == own and event.case_code is None else None
        if marker is not None:
            last_heads = marker.heads
    uncovered = False
    passed: dict[str, bool] = dict.fromkeys(last_heads, False)
    for event in events:
        if event.site_id == own:
            continue
        site = event.site_id
        inside = site in last_heads and not passed.get(site, True)
        if event.case_code is not None and not inside:
            uncovered = True
            break
        if inside and event.hash == last_heads.get(site):
            passed[site] = True
    if not uncovered:
        return None
    payload = SyncReceived(heads=_foreign_heads(events, own), server=server)
    return store.append(SYNC_RECEIVED, case_code=None, payload=to_payload(payload), at=at)


def resolve_conflict(
    store: Store,
    case_code: str,
    *,
    kept_site: str,
    reason: str,
    by: Any,
    at: datetime | None = None,
) -> Event:
    """Record that a person resolved a case's concurrent revisions, keeping one site's revision.

    Parameters
    ----------
    store
        The local store (it must hold both revisions).
    case_code
        The case.
    kept_site
        The site whose revision is kept.
    reason
        Why (free text, no patient identity).
    by
        The signed-in user who decided (:class:`records.users.Session`).
    at
        The event time; default now.

    Returns
    -------
    Event
        The ``conflict_resolved`` event.

    Raises
    ------
    CaseNotFoundError
        The case has no unresolved conflict here.
    InvalidEventError
        ``kept_site`` is not a side of the conflict, or the reason is empty.
    """
    code = check_case_code(case_code)
    if not reason.strip():
        raise InvalidEventError("a conflict resolution needs a reason")
    ensure_marker(store)
    conflict = next((c for c in find_conflicts(store.events()) if c.case_code == code), None)
    if conflict is None:
        raise CaseNotFoundError(f"case {code} has no unresolved concurrent revisions in the store {store.path}")
    sides = {branch.site_id for branch in conflict.branches}
    if kept_site not in sides:
        listed = ", ".join(sorted(sides))
        raise InvalidEventError(f"site {kept_site!r} is not a side of case {code}'s conflict ({listed})")
    resolves = [event.hash for branch in conflict.branches for event in branch.events]
    payload = ConflictResolved(kept_site=kept_site, reason=reason, resolves=resolves)
    return store.append(CONFLICT_RESOLVED, case_code=code, payload=to_payload(payload), by=by, at=at)
