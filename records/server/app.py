"""The sync server's HTTP API (FastAPI): the routes of :mod:`records.sync.protocol`, health, metrics, JSON logs.

``create_app(url)`` builds the app over a :class:`records.server.store.ServerStore`; ``create_app_from_environment``
is the import-string factory uvicorn calls in each worker (``dvw serve --workers N``), reading the database URL
from ``DVW_SERVER_DB``. Workers share nothing but the database.

Logs: one JSON object per line on stderr (``time``, ``level``, ``site``, ``route``, ``method``, ``status``,
``duration_ms``, ``message``); never a payload, a token or a key. Metrics: ``/metrics`` in Prometheus text, with
request counts and durations (aggregated over workers when ``PROMETHEUS_MULTIPROC_DIR`` is set) and the database's
own totals (sites, events, artifacts, syncs).

TLS: terminate it in front of the server (nginx or Caddy as a reverse proxy to ``http://127.0.0.1:PORT``), or let
uvicorn do it (``dvw serve --ssl-keyfile KEY --ssl-certfile CERT``). The app must be mounted at the root path:
request signatures cover the path as the client sent it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from imaging.errors import DvwError
from records.errors import (
    ArtifactChangedError,
    ArtifactMissingError,
    ChainGapError,
    EnrolmentError,
    EventConflictError,
    EventHashError,
    IdentityInPayloadError,
    InvalidEventError,
    ServerStoreError,
    SyncAuthError,
    SyncRefusedError,
)
from records.server.store import ChainGapAtHeadError, OffsetMismatchError, ServerStore
from records.sync.protocol import (
    HEADER_SIGNATURE,
    HEADER_SITE,
    HEADER_TIME,
    MAX_CHUNK_BYTES,
    MAX_CLOCK_SKEW_S,
    MAX_EVENT_BATCH,
    MAX_PULL_PAGE,
    PROTOCOL,
    STATUS_BATCH,
    verify_request_signature,
)

ENV_DB = "DVW_SERVER_DB"
"""Environment variable holding the database URL for :func:`create_app_from_environment`."""
MAX_JSON_BYTES = 256 * 1024 * 1024
"""Largest JSON request body (256 MiB)."""

log = logging.getLogger("dvw.server")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message`` and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update(fields)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, sort_keys=False, default=str)


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "records.server.app.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "dvw.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
"""``logging.config.dictConfig`` for uvicorn and the server: JSON lines on stderr, uvicorn's access log off."""


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when a record is emitted (it may be replaced after start-up)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _ensure_log_handler() -> None:
    if not log.handlers:
        handler = _StderrHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


# (status, extra fields) per error type; the first match in order wins (subclasses before their bases).
_STATUS: tuple[tuple[type[DvwError], int], ...] = (
    (SyncAuthError, 401),
    (EnrolmentError, 403),
    (OffsetMismatchError, 409),
    (ChainGapError, 409),
    (EventConflictError, 409),
    (SyncRefusedError, 403),
    (EventHashError, 422),
    (IdentityInPayloadError, 422),
    (ArtifactChangedError, 422),
    (InvalidEventError, 400),
    (ArtifactMissingError, 404),
    (ServerStoreError, 503),
)


def _error_response(exc: DvwError) -> JSONResponse:
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
    if isinstance(exc, SyncRefusedError) and exc.code == "sync_refused" and "signature" in exc.message:
        status = 422
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, ChainGapAtHeadError):
        error.update(head=exc.head, count=exc.count)
    if isinstance(exc, OffsetMismatchError):
        error["received"] = exc.received
    return JSONResponse({"error": error}, status_code=status)


@dataclass(frozen=True)
class Authenticated:
    """An authenticated request: the site and the request body (already read and verified)."""

    site_id: str
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (raises :class:`InvalidEventError` when it is not)."""
        return _parse_json(self.body)


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidEventError("the request body is not JSON") from None


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLargeError(f"request body of {declared} bytes exceeds {limit}")
    body = await request.body()
    if len(body) > limit:
        raise _TooLargeError(f"request body of {len(body)} bytes exceeds {limit}")
    return body


class _TooLargeError(InvalidEventError):
    code = "too_large"


class _Metrics:
    """Request metrics of one app; each scrape builds a registry (a multi-process one when workers share a folder)."""

    def __init__(self, store: ServerStore) -> None:
        self.requests = Counter(
            "dvw_sync_requests", "Sync server requests", ["route", "method", "status"], registry=None
        )
        self.duration = Histogram("dvw_sync_request_seconds", "Sync server request duration", ["route"], registry=None)
        self.events_added = Counter("dvw_sync_events_added", "Events stored from pushes", registry=None)
        self.bytes_in = Counter("dvw_sync_artifact_bytes_in", "Artifact bytes received", registry=None)
        self.bytes_out = Counter("dvw_sync_artifact_bytes_out", "Artifact bytes served", registry=None)
        self._store = store

    def scrape(self) -> bytes:
        registry = CollectorRegistry()
        folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if folder:
            # prometheus-client's multi-process collector is untyped: called through a typed name.
            collect_workers: Callable[..., object] = MultiProcessCollector
            collect_workers(registry, path=folder)
        else:
            for metric in (self.requests, self.duration, self.events_added, self.bytes_in, self.bytes_out):
                registry.register(metric)
        registry.register(_DatabaseCollector(self._store))
        return generate_latest(registry)


class _DatabaseCollector(Collector):
    """Totals read from the database at scrape time (the same whichever worker answers)."""

    def __init__(self, store: ServerStore) -> None:
        self._store = store

    def collect(self) -> Any:
        counts = self._store.counts()
        for name, value in counts.items():
            gauge = GaugeMetricFamily(f"dvw_sync_{name}", f"Sync server database: {name.replace('_', ' ')}")
            gauge.add_metric([], float(value))
            yield gauge


def create_app(store: ServerStore | str) -> FastAPI:  # noqa: PLR0915 - the routes are closures over one store
    """The sync server app over ``store`` (an open :class:`ServerStore`, or a database URL to open).

    Parameters
    ----------
    store
        The server store; a URL is opened without migrating (``dvw serve`` migrates once before starting workers).

    Returns
    -------
    FastAPI
        The app; its store is closed when the app shuts down.
    """
    server = ServerStore.open(store, migrate_schema=False) if isinstance(store, str) else store
    _ensure_log_handler()
    metrics = _Metrics(server)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        server.close()

    app = FastAPI(
        title="DVW sync server", version=PROTOCOL, docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.store = server

    @app.exception_handler(DvwError)
    async def _on_dvw_error(_request: Request, exc: DvwError) -> Response:
        if isinstance(exc, _TooLargeError):
            return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=413)
        return _error_response(exc)

    @app.middleware("http")
    async def _log_request(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            elapsed = time.perf_counter() - start
            route = getattr(request.scope.get("route"), "path", "unmatched")
            metrics.requests.labels(route, request.method, str(status)).inc()
            metrics.duration.labels(route).observe(elapsed)
            fields = {
                "site": getattr(request.state, "site", None),
                "route": route,
                "method": request.method,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
            }
            log.log(logging.WARNING if status >= 500 else logging.INFO, "request", extra={"fields": fields})

    async def authenticate(request: Request) -> Authenticated:
        site = request.headers.get(HEADER_SITE, "")
        stamp = request.headers.get(HEADER_TIME, "")
        signature = request.headers.get(HEADER_SIGNATURE, "")
        if not site or not stamp or not signature:
            raise SyncAuthError("the request is not signed (X-DVW-Site, X-DVW-Time, X-DVW-Signature)")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW_S:
            raise SyncAuthError(f"the request time differs from the server's clock by more than {MAX_CLOCK_SKEW_S} s")
        limit = MAX_CHUNK_BYTES + 1024 if request.method == "PUT" else MAX_JSON_BYTES
        body = await _read_body(request, limit)
        key = await run_in_threadpool(server.site_key, site)
        if key is None:
            raise SyncAuthError(f"site {site} has not joined this server (dvw site join)")
        query = request.url.query
        method, path = request.method, request.url.path
        if not verify_request_signature(
            key, method=method, path=path, query=query, timestamp=stamp, body=body, signature=signature
        ):
            raise SyncAuthError(f"the request signature of site {site} does not verify")
        request.state.site = site
        return Authenticated(site, body)

    @app.get("/healthz")
    def healthz() -> Response:
        ok = server.ping()
        return JSONResponse({"ok": ok, "database": server.dialect}, status_code=200 if ok else 503)

    @app.get("/metrics")
    def metrics_route() -> Response:
        return Response(metrics.scrape(), media_type=CONTENT_TYPE_LATEST)

    @app.post("/v1/join")
    async def join(request: Request) -> dict[str, Any]:
        data = _parse_json(await _read_body(request, 64 * 1024))
        if not isinstance(data, dict):
            raise EnrolmentError("a join request is a JSON object with token, site_id and public_key")
        name = await run_in_threadpool(
            server.join_site, str(data.get("token", "")), str(data.get("site_id", "")), str(data.get("public_key", ""))
        )
        request.state.site = data.get("site_id")
        return {"protocol": PROTOCOL, "site_id": data.get("site_id"), "name": name}

    @app.get("/v1/state")
    def state(auth: Authenticated = Depends(authenticate)) -> dict[str, Any]:  # noqa: B008 - FastAPI's idiom
        return {
            "protocol": PROTOCOL,
            "server_time": datetime.now(UTC).isoformat(),
            "site_id": auth.site_id,
            "sites": {head.site_id: head.to_json() for head in server.sites()},
        }

    @app.post("/v1/events")
    def push_events(auth: Authenticated = Depends(authenticate)) -> dict[str, Any]:  # noqa: B008
        data = auth.json()
        batch = data.get("events") if isinstance(data, dict) else None
        if not isinstance(batch, list) or len(batch) > MAX_EVENT_BATCH:
            raise InvalidEventError(f"a push is {{'events': [...]}} with at most {MAX_EVENT_BATCH} events")
        result = server.push_events(auth.site_id, batch)
        metrics.events_added.inc(result.added)
        return result.to_json()

    @app.get("/v1/events")
    def pull_events(
        site: str,
        after: str = "",
        limit: int = MAX_PULL_PAGE,
        auth: Authenticated = Depends(authenticate),  # noqa: B008, ARG001 - authentication only
    ) -> dict[str, Any]:
        found = server.events_after(site, after, max(1, min(limit, MAX_PULL_PAGE)))
        return {"site": site, "events": found}

    @app.post("/v1/artifacts/offer")
    def offer(auth: Authenticated = Depends(authenticate)) -> dict[str, Any]:  # noqa: B008
        data = auth.json()
        items = data.get("artifacts") if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) > STATUS_BATCH:
            raise InvalidEventError(f"an offer is {{'artifacts': [...]}} with at most {STATUS_BATCH} items")
        return {"artifacts": [status.to_json() for status in server.offer_artifacts(auth.site_id, items)]}

    @app.post("/v1/artifacts/status")
    def artifact_status(auth: Authenticated = Depends(authenticate)) -> dict[str, Any]:  # noqa: B008
        data = auth.json()
        shas = data.get("sha256") if isinstance(data, dict) else None
        if not isinstance(shas, list) or len(shas) > STATUS_BATCH:
            raise InvalidEventError(f"a status request is {{'sha256': [...]}} with at most {STATUS_BATCH} items")
        return {"artifacts": [status.to_json() for status in server.artifact_status(str(s) for s in shas)]}

    @app.put("/v1/artifacts/{sha256}")
    def put_chunk(sha256: str, offset: int, auth: Authenticated = Depends(authenticate)) -> dict[str, Any]:  # noqa: B008
        status = server.put_chunk(auth.site_id, sha256, offset, auth.body)
        metrics.bytes_in.inc(len(auth.body))
        return status.to_json()

    @app.get("/v1/artifacts/{sha256}")
    def get_chunk(
        sha256: str,
        offset: int = 0,
        length: int = MAX_CHUNK_BYTES,
        auth: Authenticated = Depends(authenticate),  # noqa: B008, ARG001 - authentication only
    ) -> Response:
        data = server.read_artifact(sha256, offset, length)
        metrics.bytes_out.inc(len(data))
        return Response(data, media_type="application/octet-stream")

    @app.post("/v1/confirm")
    def confirm(auth: Authenticated = Depends(authenticate)) -> dict[str, Any]:  # noqa: B008
        data = auth.json()
        if not isinstance(data, dict) or not isinstance(data.get("head"), str):
            raise InvalidEventError("a confirmation is a JSON object with the site's head")
        counts = {key: value for key, value in data.items() if isinstance(value, int) and not isinstance(value, bool)}
        server.confirm(auth.site_id, data["head"], counts)
        return {"ok": True, "head": data["head"]}

    return app


def create_app_from_environment() -> FastAPI:
    """The app for one uvicorn worker: the database URL comes from ``DVW_SERVER_DB`` (set by ``dvw serve``).

    Raises
    ------
    ServerStoreError
        When the variable is unset or the database is not at this software's schema revision.
    """
    url = os.environ.get(ENV_DB)
    if not url:
        raise ServerStoreError(f"{ENV_DB} is not set: start the server with dvw serve")
    return create_app(url)
