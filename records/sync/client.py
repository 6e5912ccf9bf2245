"""The sync client (``dvw site join``, ``dvw sync``): staged, resumable and idempotent exchange with the server.

A workstation works alone for days; when it reaches the company's network, :func:`sync` runs these stages (each
reported with its status, counts and time, and through the progress callback):

``state``
    Ask the server for every site's chain head; compare with this store. Nothing is remembered between syncs: the
    server's heads say what it lacks, the local store says what this site lacks, so a sync interrupted at any
    point (connection dropped, server restarted, client killed) simply resumes on the next run.
``push_events``
    This site's events after the server's head, in chain order, in batches. The server stores a batch all or none
    and skips events it holds (the same batch twice is stored once); a 409 ``chain_gap`` answer names the
    server's head and the client continues from there.
``push_artifacts``
    The artifacts named by this site's events that the server lacks, except withheld kinds (DICOM instances and
    patient files never leave the site): offered, then uploaded in chunks from the offset the server has received;
    the server verifies the SHA-256 on completion.
``pull_events``
    Every other site's events after this store's head of that site, page by page, each page checked (hashes,
    chain, privacy, signatures) and imported in one transaction (:meth:`records.store.Store.import_events`).
    When case events arrived, a ``sync_received`` marker records what this site now knows
    (:mod:`records.sync.conflicts`) and is pushed in the same sync.
``pull_artifacts``
    The artifacts named by other sites' events that this store lacks and the server holds, downloaded in chunks
    into ``home/sync/partial/<sha256>.part`` (resumed from its size), verified, then stored.
``confirm``
    The server checks this site's head and records the sync; the client records it in ``home/sync/last_sync.json``:
    the result (``dvw sync --json``'s object) with ``finished_at`` and ``pushed_through``, the last event of this
    site the server acknowledged holding (its ``event_id``, ``hash`` and this store's ``seq``; None when the server
    holds none), so that the events not yet pushed are exactly this site's events after it
    (:func:`events_not_pushed`).

Requests are signed with the site's Ed25519 key (``home/sync/site_key.pem``, mode 0600, made by :func:`join`); see
:mod:`records.sync.protocol`. Every request is single-use on the server, so each attempt is signed anew with a fresh
nonce. Transient failures (connection refused or dropped, 5xx, and a 409 ``replayed`` that only a proxy re-sending
an attempt can cause) are retried, as often as the caller's ``retries`` allow, after waits that double from
``backoff_s`` up to 5 s (no jitter) and that a cancel cuts short; a refusal (tampered data, wrong site, bad
credentials) stops the sync with a typed error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from base.progress import CancelToken, ProgressCallback, checkpoint, report
from records.errors import (
    ArtifactMissingError,
    EnrolmentError,
    NotJoinedError,
    SyncAuthError,
    SyncConnectionError,
    SyncError,
    SyncRefusedError,
)
from records.events import Event, event_from_json, format_time
from records.store import Store
from records.sync.conflicts import Conflict, ensure_marker, find_conflicts
from records.sync.protocol import (
    CHUNK_BYTES,
    EVENT_BATCH,
    MAX_CHUNK_BYTES,
    PROTOCOL,
    PULL_PAGE,
    STAGE_CONFIRM,
    STAGE_PULL_ARTIFACTS,
    STAGE_PULL_EVENTS,
    STAGE_PUSH_ARTIFACTS,
    STAGE_PUSH_EVENTS,
    STAGE_STATE,
    STATUS_BATCH,
    WITHHELD_KINDS,
    named_sha256,
    sign_request,
)
from records.users import trust_site

SYNC_DIR = "sync"
KEY_FILE = "site_key.pem"
SERVER_FILE = "server.json"
LAST_SYNC_FILE = "last_sync.json"
#: The field of ``last_sync.json`` naming the last event of this site the server acknowledged (see ``confirm``).
PUSHED_THROUGH = "pushed_through"
SESSION_FILE = "session.json"
PARTIAL_DIR = "partial"
DEFAULT_RETRIES = 5
_STAGE_WEIGHTS = {
    STAGE_STATE: 0.02,
    STAGE_PUSH_EVENTS: 0.2,
    STAGE_PUSH_ARTIFACTS: 0.35,
    STAGE_PULL_EVENTS: 0.15,
    STAGE_PULL_ARTIFACTS: 0.25,
    STAGE_CONFIRM: 0.03,
}


def _now() -> str:
    return format_time(datetime.now().astimezone())


@dataclass(frozen=True)
class Credentials:
    """A site's enrolment: the server it joined, its site id and name, and its private key."""

    server: str
    site_id: str
    name: str
    key: Ed25519PrivateKey


@dataclass(frozen=True)
class JoinResult:
    """What :func:`join` did: the server, this site's id and enrolled name, and its key's fingerprint."""

    server: str
    site_id: str
    name: str
    public_key_sha256: str

    def to_json(self) -> dict[str, Any]:
        """``{"server", "site_id", "name", "public_key_sha256"}``."""
        return {
            "server": self.server,
            "site_id": self.site_id,
            "name": self.name,
            "public_key_sha256": self.public_key_sha256,
        }


@dataclass
class StageReport:
    """One stage of a sync: name, status (``pending``, ``running``, ``done``, ``skipped``), counts and time."""

    name: str
    status: str = "pending"
    items: int = 0
    bytes: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """``{"name", "status", "items", "bytes", "seconds"}``."""
        return {
            "name": self.name,
            "status": self.status,
            "items": self.items,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class SyncResult:
    """What one :func:`sync` did (``dvw sync --json``)."""

    server: str
    site_id: str
    pushed: int
    pulled: int
    artifacts_pushed: int
    artifacts_pulled: int
    bytes_pushed: int
    bytes_pulled: int
    withheld: int
    conflicts: tuple[Conflict, ...]
    stages: tuple[StageReport, ...]
    resumed: bool
    seconds: float
    retries: int = 0
    trusted: tuple[str, ...] = ()
    untrusted: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """``{"pushed", "pulled", "conflicts": [...], ...}`` with artifact counts, bytes and stages."""
        return {
            "pushed": self.pushed,
            "pulled": self.pulled,
            "conflicts": [conflict.to_json() for conflict in self.conflicts],
            "sites_trusted": list(self.trusted),
            "sites_not_trusted": list(self.untrusted),
            "artifacts_pushed": self.artifacts_pushed,
            "artifacts_pulled": self.artifacts_pulled,
            "bytes_pushed": self.bytes_pushed,
            "bytes_pulled": self.bytes_pulled,
            "withheld": self.withheld,
            "server": self.server,
            "site_id": self.site_id,
            "resumed": self.resumed,
            "retries": self.retries,
            "seconds": round(self.seconds, 3),
            "stages": [stage.to_json() for stage in self.stages],
        }


# ---------------------------------------------------------------------------------------------------- credentials


def _sync_dir(home: Path) -> Path:
    return Path(home) / SYNC_DIR


def _write_private(path: Path, data: bytes, scratch: Path) -> None:
    """Write ``path`` (owner-only) whole or not at all, through a temporary file in ``scratch``.

    ``scratch`` is the store's scratch folder (:meth:`Store.scratch_folder`, in the same home, so the rename is
    atomic): a temporary file that a killed sync leaves there is removed by the next :meth:`Store.open`, whereas
    one beside ``path`` stayed in ``sync/`` until that file was written again.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=scratch)  # mode 0600
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)


def _write_json(path: Path, data: Mapping[str, Any], scratch: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    _write_private(path, text.encode("utf-8"), scratch)


def load_credentials(home: Path) -> Credentials:
    """The site's enrolment, read from the home folder.

    Raises
    ------
    NotJoinedError
        When the site has not joined a server, or its key file is missing or unreadable.
    """
    folder = _sync_dir(home)
    try:
        info = json.loads((folder / SERVER_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise NotJoinedError(
            f"this workstation has not joined a sync server (no {folder / SERVER_FILE}); run dvw site join",
            path=str(folder / SERVER_FILE),
        ) from None
    try:
        key = serialization.load_pem_private_key((folder / KEY_FILE).read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        raise NotJoinedError(f"the site key {folder / KEY_FILE} is missing or unreadable", path=str(folder)) from None
    if not isinstance(key, Ed25519PrivateKey) or not isinstance(info, dict):
        raise NotJoinedError(f"the site key {folder / KEY_FILE} is not an Ed25519 key", path=str(folder))
    return Credentials(str(info.get("server", "")), str(info.get("site_id", "")), str(info.get("name", "")), key)


def _public_raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _http_client(server: str, client: httpx.Client | None) -> httpx.Client:
    if client is not None:
        return client
    return httpx.Client(base_url=server, timeout=httpx.Timeout(120.0, connect=10.0), trust_env=True)


def join(store: Store, server: str, token: str, *, client: httpx.Client | None = None) -> JoinResult:
    """Join the sync server once: make this site's Ed25519 key and enrol it with the one-time ``token``.

    Parameters
    ----------
    store
        The local store (its ``site_id`` is the site's identity on the server).
    server
        The server's base URL (``https://sync.example.com``).
    token
        The token printed by ``dvw server enroll-site`` on the server.
    client
        An HTTP client to use (tests); default a new one for ``server``.

    Returns
    -------
    JoinResult
        The site's id, enrolled name and key fingerprint.

    Raises
    ------
    EnrolmentError
        This site already joined a server, or the server refused the token.
    SyncConnectionError
        The server cannot be reached.
    """
    folder = _sync_dir(store.home)
    if (folder / SERVER_FILE).is_file():
        joined = json.loads((folder / SERVER_FILE).read_text(encoding="utf-8"))
        raise EnrolmentError(f"this site already joined the sync server {joined.get('server')}", path=str(folder))
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _write_private(folder / KEY_FILE, pem, store.scratch_folder())
    raw = _public_raw(key)
    body = {"token": token, "site_id": store.site_id, "public_key": _b64(raw)}
    http = _http_client(server, client)
    try:
        response = http.post("/v1/join", json=body)
    except httpx.TransportError as exc:
        raise SyncConnectionError(f"cannot reach the sync server {server}: {exc}") from None
    finally:
        if client is None:
            http.close()
    if response.status_code != 200:
        raise EnrolmentError(f"the server refused to enrol this site: {_error_message(response)}")
    name = str(response.json().get("name", ""))
    fingerprint = hashlib.sha256(raw).hexdigest()
    info = {
        "server": server,
        "site_id": store.site_id,
        "name": name,
        "joined_at": _now(),
        "public_key_sha256": fingerprint,
        "protocol": PROTOCOL,
    }
    _write_json(folder / SERVER_FILE, info, store.scratch_folder())
    return JoinResult(server, store.site_id, name, fingerprint)


def _b64(data: bytes) -> str:
    import base64  # noqa: PLC0415 - only joins need it

    return base64.b64encode(data).decode("ascii")


def _error_message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        return f"{error.get('code', response.status_code)}: {error.get('message', response.text[:200])}"
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"


# ---------------------------------------------------------------------------------------------------- connection


class _ServerConflictError(SyncError):
    """A 409 answer the client handles itself (chain gap, offset mismatch); carries the server's error object."""

    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(str(error.get("message", "conflict")))
        self.error = dict(error)


class _TransientError(Exception):
    """An attempt that failed in a way worth retrying (connection failure, 5xx, 409 ``replayed``); says how."""


MAX_BACKOFF_S = 5.0
"""The longest wait between two attempts of a request."""


class SyncConnection:
    """Signed requests of one site to the server, retried with backoff on transient failures.

    The retries are :mod:`tenacity`'s: a deterministic exponential backoff (no jitter) whose waits end early when
    the sync is cancelled.

    Parameters
    ----------
    credentials
        The site's enrolment (:func:`load_credentials`).
    site_id
        The site id the requests are signed for.
    http
        The HTTP client (its base URL is the server).
    retries
        Attempts after the first, on connection failures, 5xx answers and 409 ``replayed`` (each attempt is signed
        anew, with a fresh nonce).
    backoff_s
        Wait before the first retry; doubled each time, at most :data:`MAX_BACKOFF_S`.
    cancel
        Checked before every attempt; a cancel during a wait between attempts ends the wait at once.
    """

    def __init__(
        self,
        credentials: Credentials,
        site_id: str,
        *,
        http: httpx.Client,
        retries: int,
        backoff_s: float,
        cancel: CancelToken | None,
    ) -> None:
        import tenacity  # noqa: PLC0415 - only syncs need it; the GUI's sync status reads this module

        self._credentials = credentials
        self._site_id = site_id
        self._http = http
        self._retries = retries
        self._backoff_s = backoff_s
        self._cancel = cancel
        self.retried = 0
        self._retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(retries + 1),
            wait=tenacity.wait_exponential(multiplier=backoff_s, max=MAX_BACKOFF_S),
            retry=tenacity.retry_if_exception_type(_TransientError),
            sleep=self._pause,
            before_sleep=self._count_retry,
            reraise=True,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: bytes = b"",
        json_body: Any = None,
    ) -> httpx.Response:
        """Send a signed request, retrying transient failures; the answer, whatever its status.

        Raises
        ------
        SyncConnectionError
            When every attempt failed transiently; the message names the last failure.
        Cancelled
            When the sync was cancelled before an attempt or during a wait.
        """
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json" if json_body is not None else "application/octet-stream"}
        try:
            return self._retrying(self._attempt, method, path, params, body, headers)
        except _TransientError as exc:
            raise SyncConnectionError(
                f"the sync server did not answer {method} {path} after {self._retries + 1} attempts ({exc})"
            ) from None

    def _attempt(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: bytes, headers: dict[str, str]
    ) -> httpx.Response:
        """One attempt, signed anew: the server refuses a nonce it has seen."""
        checkpoint(self._cancel)
        request = self._http.build_request(method, path, params=params, content=body, headers=headers)
        query = request.url.query.decode("ascii")
        request.headers.update(
            sign_request(
                self._credentials.key,
                self._site_id,
                method=method,
                path=request.url.path,
                query=query,
                body=body,
                now=time.time(),
            )
        )
        try:
            response = self._http.send(request)
        except httpx.TransportError as exc:
            raise _TransientError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code in (500, 502, 503, 504) or _is_replayed(response):
            raise _TransientError(_error_message(response))
        return response

    def _pause(self, seconds: float) -> None:
        """Wait between attempts; stop at once when the sync is cancelled."""
        if self._cancel is None:
            time.sleep(seconds)
        elif self._cancel.wait(seconds):
            checkpoint(self._cancel)

    def _count_retry(self, _state: object) -> None:
        self.retried += 1

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """A request whose answer is JSON; errors become typed exceptions."""
        response = self.request(method, path, **kwargs)
        _raise_for(response)
        return response.json()


def _is_replayed(response: httpx.Response) -> bool:
    """Whether the server refused an attempt as a replay (only a proxy re-sending it can cause that: retry)."""
    if response.status_code != 409:
        return False
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and error.get("code") == "replayed"


def _raise_for(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    message = f"the sync server refused: {_error_message(response)}"
    if status == 401:
        raise SyncAuthError(message)
    if status == 409 and error.get("code") in ("chain_gap", "offset", "event_conflict"):
        raise _ServerConflictError(error)
    raise SyncRefusedError(message)


# ---------------------------------------------------------------------------------------------------- the stages


@dataclass
class _Counters:
    pushed: int = 0
    pulled: int = 0
    artifacts_pushed: int = 0
    artifacts_pulled: int = 0
    bytes_pushed: int = 0
    bytes_pulled: int = 0
    withheld: int = 0


class _Sync:
    """One sync run: the stages in order over one store and one connection."""

    def __init__(
        self,
        store: Store,
        server: str,
        connection: SyncConnection,
        *,
        batch: int,
        chunk_bytes: int,
        page: int,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        by: Any = None,
    ) -> None:
        self.store = store
        self.server = server
        self.conn = connection
        self.by = by
        self.trusted: list[str] = []
        self.untrusted: list[str] = []
        self.batch = batch
        self.chunk_bytes = chunk_bytes
        self.page = page
        self.progress = progress
        self.cancel = cancel
        self.counters = _Counters()
        self.stages = {name: StageReport(name) for name in _STAGE_WEIGHTS}
        self.server_heads: dict[str, dict[str, Any]] = {}
        self.pushed_head = ""
        self.pushed = False

    # -- progress

    def _report(self, stage: str, fraction: float, message: str) -> None:
        done = 0.0
        for name, weight in _STAGE_WEIGHTS.items():
            if name == stage:
                report(self.progress, done + weight * min(1.0, max(0.0, fraction)), f"{stage}: {message}")
                return
            done += weight

    def _bytes_progress(self, stage: str, total: int, sha: str) -> Callable[[int], None]:
        def update(done: int) -> None:
            self._report(stage, done / total, f"{done} of {total} bytes ({sha[:12]}...)")

        return update

    def run_stage(self, name: str, work: Callable[[StageReport], None]) -> None:
        checkpoint(self.cancel)
        stage = self.stages[name]
        stage.status = "running"
        _update_session(self.store, self.server, name)
        start = time.perf_counter()
        self._report(name, 0.0, "started")
        work(stage)
        stage.seconds += time.perf_counter() - start
        stage.status = "done" if stage.items or stage.bytes or name in (STAGE_STATE, STAGE_CONFIRM) else "skipped"
        self._report(name, 1.0, f"{stage.items} items, {stage.bytes} bytes")

    # -- state

    def state(self, stage: StageReport) -> None:
        ensure_marker(self.store, server=self.server)
        answer = self.conn.call("GET", "/v1/state")
        sites = answer.get("sites") if isinstance(answer, dict) else None
        if not isinstance(sites, dict):
            raise SyncRefusedError("the sync server's state answer is malformed")
        self.server_heads = {str(k): v for k, v in sites.items() if isinstance(v, dict)}
        stage.items = len(self.server_heads)

    def _server_head(self, site_id: str) -> str:
        head = self.server_heads.get(site_id, {}).get("head", "")
        return head if isinstance(head, str) else ""

    # -- push events

    def push_events(self, stage: StageReport) -> None:
        own = [event for event in self.store.events() if event.site_id == self.store.site_id]
        index = {event.hash: position for position, event in enumerate(own)}
        # After a first push in this run, continue from where it ended rather than the state snapshot.
        head = self.pushed_head if self.pushed else self._server_head(self.store.site_id)
        attempts = 0
        while True:
            if head and head not in index:
                raise SyncRefusedError(
                    f"the server holds events of this site (up to {head[:16]}...) that this store lacks; was the "
                    "store restored from an old backup?"
                )
            start = index[head] + 1 if head else 0
            pending = own[start:]
            try:
                for first in range(0, len(pending), self.batch):
                    checkpoint(self.cancel)
                    chunk = pending[first : first + self.batch]
                    answer = self.conn.call(
                        "POST", "/v1/events", json_body={"events": [_wire(event) for event in chunk]}
                    )
                    added = int(answer.get("added", 0))
                    head = str(answer.get("head", chunk[-1].hash))
                    stage.items += added
                    self.counters.pushed += added
                    self._report(STAGE_PUSH_EVENTS, (first + len(chunk)) / len(pending), f"{first + len(chunk)} events")
            except _ServerConflictError as exc:
                attempts += 1
                if attempts > 5:
                    raise SyncRefusedError(f"the sync server refused this site's events: {exc.message}") from None
                if exc.error.get("code") == "chain_gap":
                    head = str(exc.error.get("head", ""))  # resend from the server's head
                else:
                    # A concurrent push of this site (an earlier, killed run still finishing) stored first: ask again.
                    self.state(StageReport(STAGE_STATE))
                    head = self._server_head(self.store.site_id)
                continue
            break
        self.pushed_head = head
        self.pushed = True

    # -- push artifacts

    def push_artifacts(self, stage: StageReport) -> None:
        own = [event for event in self.store.events() if event.site_id == self.store.site_id]
        named = sorted({sha for event in own for sha in named_sha256(event.payload)})
        local = {info.sha256: info for info in self.store.artifacts()}
        offer: list[dict[str, Any]] = []
        for sha in named:
            info = local.get(sha)
            if info is None:
                continue
            if info.kind in WITHHELD_KINDS:
                self.counters.withheld += 1
                continue
            offer.append({"sha256": sha, "size": info.size, "kind": info.kind})
        missing: list[tuple[str, int, int]] = []
        for first in range(0, len(offer), STATUS_BATCH):
            answer = self.conn.call(
                "POST", "/v1/artifacts/offer", json_body={"artifacts": offer[first : first + STATUS_BATCH]}
            )
            for status in answer.get("artifacts", []):
                if not status.get("complete"):
                    missing.append((str(status["sha256"]), int(status["size"]), int(status["received"])))
        total = sum(size - received for _, size, received in missing) or 1
        sent = 0
        for sha, size, received in missing:
            sent += self._upload(sha, size, received, self._bytes_progress(STAGE_PUSH_ARTIFACTS, total, sha), sent)
            stage.items += 1
            self.counters.artifacts_pushed += 1
        stage.bytes = sent
        self.counters.bytes_pushed += sent

    def _upload(self, sha: str, size: int, offset: int, progress: Callable[[int], None], base: int) -> int:
        """Upload an artifact from ``offset``; returns the bytes sent (resuming where the server says)."""
        path = self.store.artifact_path(sha)
        sent = 0
        failures = 0
        with path.open("rb") as source:
            while offset < size:
                checkpoint(self.cancel)
                source.seek(offset)
                data = source.read(min(self.chunk_bytes, size - offset))
                try:
                    answer = self.conn.call("PUT", f"/v1/artifacts/{sha}", params={"offset": offset}, body=data)
                except _ServerConflictError as exc:
                    failures += 1
                    if failures > 10 or exc.error.get("code") != "offset":
                        raise SyncRefusedError(f"artifact {sha}: {exc.message}") from None
                    offset = int(exc.error.get("received", 0))  # resume where the server is
                    continue
                sent += len(data)
                offset = int(answer.get("received", offset + len(data)))
                if answer.get("complete"):
                    break
                progress(base + sent)
        return sent

    # -- pull events

    def pull_events(self, stage: StageReport) -> None:
        local = self.store.events()
        local_heads: dict[str, str] = {}
        for event in local:
            local_heads[event.site_id] = event.hash
        known_users = [event for event in local if event.case_code is None]
        others = sorted(site for site in self.server_heads if site != self.store.site_id)
        expected = sum(
            max(0, int(self.server_heads[s].get("count", 0)) - sum(1 for e in local if e.site_id == s)) for s in others
        )
        pulled = 0
        case_events = False
        directory = self.store.directory()
        for site in others:
            after = local_heads.get(site, "")
            if after == self._server_head(site):
                continue
            if not directory.is_trusted(site) and not self._trust(site):
                continue
            while True:
                checkpoint(self.cancel)
                try:
                    answer = self.conn.call(
                        "GET", "/v1/events", params={"site": site, "after": after, "limit": self.page}
                    )
                except _ServerConflictError as exc:
                    raise SyncRefusedError(f"site {site}: {exc.message}") from None
                page = answer.get("events", [])
                if not isinstance(page, list) or not page:
                    break
                events = self._check_page(page, site, known_users)
                result = self.store.import_events(page)
                pulled += result.added
                case_events = case_events or any(e.case_code is not None for e in events)
                known_users += [e for e in events if e.case_code is None]
                after = events[-1].hash
                self._report(STAGE_PULL_EVENTS, pulled / max(expected, 1), f"{pulled} events")
                if len(page) < self.page:
                    break
        stage.items = pulled
        self.counters.pulled += pulled

    def _trust(self, site: str) -> bool:
        """Record that this store trusts a site the company's server lists (enrolled), when a user runs the sync.

        The trust is the user's act, attested with their key (``site_trusted``, ``via`` ``server``): a sync run by
        the software alone (no user) pulls only sites already trusted and lists the others.
        """
        if self.by is None:
            self.untrusted.append(site)
            return False
        name = self.server_heads.get(site, {}).get("name")
        trust_site(
            self.store,
            site,
            by=self.by,
            via="server",
            name=name if isinstance(name, str) else None,
            server=self.server,
        )
        self.trusted.append(site)
        return True

    def _check_page(self, page: Sequence[Any], site: str, known_users: list[Event]) -> list[Event]:
        """Every event of a pulled page with its hash checked, all of the page's site.

        Everything else (attestations, users, signatures against the log) is checked by the store on import.
        """
        del known_users
        events = [event_from_json(data) for data in page]
        wrong = [event.event_id for event in events if event.site_id != site]
        if wrong:
            raise SyncRefusedError(f"the server sent events of another site than {site}: {', '.join(wrong[:3])}")
        return events

    # -- pull artifacts

    def pull_artifacts(self, stage: StageReport) -> None:
        local = {info.sha256 for info in self.store.artifacts()}
        partial = _sync_dir(self.store.home) / PARTIAL_DIR
        for part in partial.glob("*.part") if partial.is_dir() else ():
            if part.name.removesuffix(".part") in local:
                part.unlink(missing_ok=True)  # stored by a sync killed before it removed the part
        wanted = sorted(
            {
                sha
                for event in self.store.events()
                if event.site_id != self.store.site_id
                for sha in named_sha256(event.payload)
                if sha not in local
            }
        )
        available: list[tuple[str, int, str]] = []
        for first in range(0, len(wanted), STATUS_BATCH):
            answer = self.conn.call(
                "POST", "/v1/artifacts/status", json_body={"sha256": wanted[first : first + STATUS_BATCH]}
            )
            for status in answer.get("artifacts", []):
                if status.get("complete") and status.get("sha256") in wanted:
                    available.append((str(status["sha256"]), int(status["size"]), str(status["kind"])))
        total = sum(size for _, size, _ in available) or 1
        received = 0
        for sha, size, kind in available:
            received += self._download(
                sha, size, kind, self._bytes_progress(STAGE_PULL_ARTIFACTS, total, sha), received
            )
            stage.items += 1
            self.counters.artifacts_pulled += 1
        stage.bytes = received
        self.counters.bytes_pulled += received

    def _download(self, sha: str, size: int, kind: str, progress: Callable[[int], None], base: int) -> int:
        folder = _sync_dir(self.store.home) / PARTIAL_DIR
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / f"{sha}.part"
        offset = part.stat().st_size if part.is_file() else 0
        if offset > size:
            part.unlink()
            offset = 0
        fetched = 0
        with part.open("ab") as sink:
            while offset < size:
                checkpoint(self.cancel)
                length = min(self.chunk_bytes, size - offset, MAX_CHUNK_BYTES)
                response = self.conn.request("GET", f"/v1/artifacts/{sha}", params={"offset": offset, "length": length})
                _raise_for(response)
                data = response.content
                if not data or len(data) > length:
                    raise SyncRefusedError(f"artifact {sha}: the server sent {len(data)} bytes for {length}")
                sink.write(data)
                sink.flush()
                offset += len(data)
                fetched += len(data)
                progress(base + fetched)
            os.fsync(sink.fileno())
        digest = hashlib.sha256()
        with part.open("rb") as source:
            while chunk := source.read(1024 * 1024):
                digest.update(chunk)
        if digest.hexdigest() != sha:
            part.unlink()
            raise SyncRefusedError(f"artifact {sha}: the downloaded bytes hash to {digest.hexdigest()}; discarded")
        self.store.put_artifact(part, kind)
        part.unlink()
        return fetched

    # -- confirm

    def confirm(self, stage: StageReport) -> None:
        counts = {
            "pushed": self.counters.pushed,
            "pulled": self.counters.pulled,
            "artifacts_pushed": self.counters.artifacts_pushed,
            "artifacts_pulled": self.counters.artifacts_pulled,
        }
        self.conn.call("POST", "/v1/confirm", json_body={"head": self.pushed_head, **counts})
        stage.items = 1


def _wire(event: Event) -> dict[str, Any]:
    data = event.to_json()
    data.pop("seq", None)  # local arrival order, not part of the event
    return data


def _update_session(store: Store, server: str, stage: str) -> None:
    path = _sync_dir(store.home) / SESSION_FILE
    started = _now()
    if path.is_file():
        with contextlib.suppress(OSError, json.JSONDecodeError):
            started = str(json.loads(path.read_text(encoding="utf-8")).get("started_at", started))
    _write_json(path, {"server": server, "started_at": started, "stage": stage}, store.scratch_folder())


def sync(
    store: Store,
    server: str | None = None,
    *,
    client: httpx.Client | None = None,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = 0.5,
    batch: int = EVENT_BATCH,
    chunk_bytes: int = CHUNK_BYTES,
    page: int = PULL_PAGE,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    by: Any = None,
) -> SyncResult:
    """Run one sync with the server (the stages of the module docstring); safe to interrupt and run again.

    Parameters
    ----------
    store
        The local store of a site that joined (:func:`join`).
    server
        The server's base URL; default the one the site joined.
    client
        An HTTP client to use (tests); default a new one for ``server``.
    retries
        Attempts per request after the first, on connection failures and 5xx answers.
    backoff_s
        Wait before the first retry (seconds); doubled each retry, at most 5 s.
    batch, chunk_bytes, page
        Events per push, artifact bytes per chunk (at most 8 MiB), events per pull.
    progress, cancel
        Progress callback ``(fraction, message)`` and cancel token, checked between requests.
    by
        The signed-in user who runs the sync (:class:`records.users.Session`): the sites the server lists that
        this store does not trust yet are trusted by them (``site_trusted`` via the server) and pulled. Without a
        user, only sites already trusted are pulled; the others are listed in ``untrusted``.

    Returns
    -------
    SyncResult
        Counts per direction, the unresolved conflicts in the store afterwards, and every stage.

    Raises
    ------
    NotJoinedError
        The site has not joined a server.
    SyncConnectionError
        The server stayed unreachable through the retries (run again: the sync resumes).
    SyncAuthError, SyncRefusedError
        The server refused the credentials or the data, or sent data this store refuses.
    """
    credentials = load_credentials(store.home)
    if credentials.site_id != store.site_id:
        raise NotJoinedError(
            f"the sync enrolment in {store.home} is for site {credentials.site_id}, but the store is site "
            f"{store.site_id}",
            path=str(store.home),
        )
    url = server or credentials.server
    resumed = (_sync_dir(store.home) / SESSION_FILE).is_file()
    http = _http_client(url, client)
    start = time.perf_counter()
    try:
        connection = SyncConnection(
            credentials, store.site_id, http=http, retries=retries, backoff_s=backoff_s, cancel=cancel
        )
        run = _Sync(
            store,
            url,
            connection,
            batch=max(1, batch),
            chunk_bytes=max(1, min(chunk_bytes, MAX_CHUNK_BYTES)),
            page=max(1, page),
            progress=progress,
            cancel=cancel,
            by=by,
        )
        run.run_stage(STAGE_STATE, run.state)
        run.run_stage(STAGE_PUSH_EVENTS, run.push_events)
        run.run_stage(STAGE_PUSH_ARTIFACTS, run.push_artifacts)
        run.run_stage(STAGE_PULL_EVENTS, run.pull_events)
        if ensure_marker(store, server=url) is not None:
            run.push_events(run.stages[STAGE_PUSH_EVENTS])  # what this site now knows reaches the server too
        run.run_stage(STAGE_PULL_ARTIFACTS, run.pull_artifacts)
        run.run_stage(STAGE_CONFIRM, run.confirm)
    except ArtifactMissingError as exc:
        raise SyncRefusedError(f"an artifact this site's events name is missing here: {exc.message}") from None
    finally:
        if client is None:
            http.close()
    seconds = time.perf_counter() - start
    conflicts = tuple(find_conflicts(store.events()))
    counters = run.counters
    result = SyncResult(
        server=url,
        site_id=store.site_id,
        pushed=counters.pushed,
        pulled=counters.pulled,
        artifacts_pushed=counters.artifacts_pushed,
        artifacts_pulled=counters.artifacts_pulled,
        bytes_pushed=counters.bytes_pushed,
        bytes_pulled=counters.bytes_pulled,
        withheld=counters.withheld,
        conflicts=conflicts,
        stages=tuple(run.stages.values()),
        resumed=resumed,
        seconds=seconds,
        retries=connection.retried,
        trusted=tuple(run.trusted),
        untrusted=tuple(run.untrusted),
    )
    folder = _sync_dir(store.home)
    through = _acknowledged(store, run.pushed_head)
    record = {"finished_at": _now(), **result.to_json(), PUSHED_THROUGH: through}
    _write_json(folder / LAST_SYNC_FILE, record, store.scratch_folder())
    (folder / SESSION_FILE).unlink(missing_ok=True)
    return result


def _acknowledged(store: Store, head: str) -> dict[str, Any] | None:
    """``pushed_through`` of ``last_sync.json``: this site's event ``head``, with its id and local ``seq``.

    ``head`` is the server's head of this site as it answered the last push and as ``confirm`` checked it; None
    when the server holds no event of this site.
    """
    if not head:
        return None
    for event in store.events():
        if event.hash == head and event.site_id == store.site_id:
            return {"event_id": event.event_id, "hash": event.hash, "seq": event.seq}
    # Not reached (push_events refuses a head this store lacks); a reader finds no such event and estimates.
    return {"event_id": "", "hash": head, "seq": None}


def events_not_pushed(events: Sequence[Event], site_id: str, record: Mapping[str, Any]) -> int | None:
    """How many of site ``site_id``'s ``events`` (the store's, in order) came after the last sync's push.

    ``record`` is ``last_sync.json``'s object; the count is exact: this site's events after its ``pushed_through``
    event (all of them when it is None). None when the record has no ``pushed_through`` (written by an older DVW)
    or names an event the events lack (the store was replaced): the caller then estimates.
    """
    if PUSHED_THROUGH not in record:
        return None
    own = [event for event in events if event.site_id == site_id]
    through = record[PUSHED_THROUGH]
    if through is None:
        return len(own)
    if not isinstance(through, Mapping):
        return None
    for position, event in enumerate(own):
        if event.hash == through.get("hash"):
            return len(own) - position - 1
    return None


def conflicts(store: Store) -> list[Conflict]:
    """The unresolved concurrent revisions in the local store (see :mod:`records.sync.conflicts`)."""
    return find_conflicts(store.events())


__all__ = [
    "Credentials",
    "JoinResult",
    "StageReport",
    "SyncResult",
    "conflicts",
    "events_not_pushed",
    "join",
    "load_credentials",
    "sync",
]
