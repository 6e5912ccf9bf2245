"""Syncing from the window: Sync now and joining the server this site enrols with, as background tasks (no Qt here).

Sync now is one job in a thread of the GUI process (:func:`sync_now`), because it may record the signed-in user's
trust of the sites the company's server lists, and a session never leaves the GUI process. The sync itself (the
requests, hashing, JSON and the store's checks of what arrives: long stretches holding the GIL) runs in the worker
process without a user (:func:`sync_once`): it pushes this site's events, pulls the sites this store trusts and
lists the others with the server's names for them. When it listed some, the job records their trust in its thread,
attested by the user who pressed Sync now (``site_trusted`` via the server: :func:`trust_server_sites`, what
``dvw sync`` does for the user who runs it), and syncs once more in the worker process, which pulls them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from app.workers.process import run_in_worker_process
from base.progress import CancelToken, ProgressCallback, checkpoint, report

if TYPE_CHECKING:
    from records.store import Store
    from records.users import Session


@dataclass(frozen=True)
class ServerSite:
    """A site the company's server lists as enrolled: its site id and the name it was enrolled with (if known)."""

    site_id: str
    name: str | None


@dataclass(frozen=True)
class SyncOutcome:
    """What Sync now did: events and artifacts each way, the conflicts left to resolve, the sites it trusted.

    Attributes
    ----------
    server
        The server synced with.
    pushed, pulled, artifacts_pushed, artifacts_pulled
        Events and artifacts sent and received (over both syncs when sites were trusted in between).
    conflicts
        Cases with concurrent revisions in the store afterwards.
    trusted
        The sites the server lists that the signed-in user trusted during this Sync now.
    untrusted
        Sites the server lists that this store does not trust after it (their events were not pulled): after
        :func:`sync_once`, the sites to trust; after :func:`sync_now`, normally none.
    """

    server: str
    pushed: int
    pulled: int
    artifacts_pushed: int
    artifacts_pulled: int
    conflicts: int
    trusted: tuple[ServerSite, ...] = ()
    untrusted: tuple[ServerSite, ...] = ()


def _server_names(store: Store, server: str, cancel: CancelToken) -> dict[str, str]:
    """The names the server enrolled its sites with (its ``state``: one signed request)."""
    import httpx  # noqa: PLC0415 - loaded in the worker process only

    from records.sync.client import DEFAULT_RETRIES, SyncConnection, load_credentials  # noqa: PLC0415

    credentials = load_credentials(store.home)
    with httpx.Client(base_url=server, timeout=httpx.Timeout(30.0, connect=10.0), trust_env=True) as http:
        connection = SyncConnection(
            credentials, store.site_id, http=http, retries=DEFAULT_RETRIES, backoff_s=0.5, cancel=cancel
        )
        answer = connection.call("GET", "/v1/state")
    sites = answer.get("sites") if isinstance(answer, dict) else None
    if not isinstance(sites, dict):
        return {}
    return {
        str(site): info["name"]
        for site, info in sites.items()
        if isinstance(info, dict) and isinstance(info.get("name"), str)
    }


def sync_once(home: Path, progress: ProgressCallback, cancel: CancelToken) -> SyncOutcome:
    """Sync the store in ``home`` with the server it joined, without a user (in the worker process).

    Pulls only the sites this store trusts; the others the server lists come back in ``untrusted`` with the
    server's names for them (``dvw sync`` without a user does the same).

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
        names = _server_names(store, result.server, cancel) if result.untrusted else {}
    return SyncOutcome(
        result.server,
        result.pushed,
        result.pulled,
        result.artifacts_pushed,
        result.artifacts_pulled,
        len(result.conflicts),
        untrusted=tuple(ServerSite(site, names.get(site)) for site in result.untrusted),
    )


def trust_server_sites(
    home: Path,
    server: str,
    sites: tuple[ServerSite, ...],
    *,
    by: Session,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[ServerSite, ...]:
    """Record that the store in ``home`` trusts ``sites``, which ``server`` lists, by the signed-in user ``by``.

    Runs in a thread of the GUI process (the session never leaves it): one ``site_trusted`` event per site, via the
    server, with the server's name for it, attested by the user (:func:`records.users.trust_site`).

    Returns
    -------
    tuple of ServerSite
        The sites trusted now (a site already trusted, e.g. by an administrator meanwhile, is not recorded again).

    Raises
    ------
    Cancelled
        When ``cancel`` is set before a site's trust is recorded (those recorded before stay).
    """
    from records.store import Store  # noqa: PLC0415
    from records.users import trust_site  # noqa: PLC0415

    trusted: list[ServerSite] = []
    with Store.open(home) as store:
        for index, site in enumerate(sites):
            checkpoint(cancel)
            report(progress, index / len(sites), f"trusting site {site.site_id}, which the server lists")
            event = trust_site(store, site.site_id, by=by, via="server", name=site.name, server=server)
            if event is not None:
                trusted.append(site)
    report(progress, 1.0, f"{len(trusted)} sites trusted")
    return tuple(trusted)


def _prefixed(progress: ProgressCallback, prefix: str) -> ProgressCallback:
    def relay(fraction: float, message: str) -> None:
        progress(fraction, f"{prefix}{message}")

    return relay


def sync_now(home: Path, session: Session, progress: ProgressCallback, cancel: CancelToken) -> SyncOutcome:
    """Sync now, as the signed-in ``session``: sync, trust the sites the server lists, sync again to pull them.

    Runs in a thread of the GUI process (``TaskWorker(..., waits_for_process=True)``); the syncs run in the worker
    process (:func:`sync_once`), the trust is recorded here (:func:`trust_server_sites`). One progress and one
    cancel cover the three parts; the bar starts again for the second sync.

    Raises
    ------
    JobFailed
        A sync failed in the worker process; its :class:`~app.workers.errors.ErrorInfo` carries the core's code and
        message (``not_joined``: this site has not joined a server; a sync error: the server cannot be reached or
        refused the sync).
    RecordsError
        The trust could not be recorded (e.g. the user was disabled meanwhile).
    Cancelled
        When cancelled (a finished sync or a recorded trust stays: the next Sync now continues from there).
    """
    first = run_in_worker_process(partial(sync_once, home), progress, cancel)
    assert isinstance(first, SyncOutcome)
    if not first.untrusted:
        return first
    checkpoint(cancel)
    trusted = trust_server_sites(home, first.server, first.untrusted, by=session, progress=progress, cancel=cancel)
    second = run_in_worker_process(
        partial(sync_once, home), _prefixed(progress, "receiving the sites now trusted: "), cancel
    )
    assert isinstance(second, SyncOutcome)
    return SyncOutcome(
        second.server,
        first.pushed + second.pushed,
        first.pulled + second.pulled,
        first.artifacts_pushed + second.artifacts_pushed,
        first.artifacts_pulled + second.artifacts_pulled,
        second.conflicts,
        trusted=trusted,
        untrusted=second.untrusted,
    )


@dataclass(frozen=True)
class Joined:
    """The enrolment this workstation made: the server, the site's enrolled name and its key's fingerprint."""

    server: str
    name: str
    fingerprint: str


def join_server(home: Path, server: str, token: str, progress: ProgressCallback, cancel: CancelToken) -> Joined:
    """Join ``server`` with the one-time ``token`` (what ``dvw site join`` does) for the store in ``home``.

    Runs in the worker process and records nothing: the enrolment is the site key and the server file in
    ``home/sync`` (the window lets only a signed-in user start it).

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
