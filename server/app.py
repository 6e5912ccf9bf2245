"""The sync server's HTTP API (FastAPI): the routes of :mod:`records.sync.protocol`, health, metrics, JSON logs.

``create_app(url)`` builds the app over a :class:`server.store.ServerStore`; ``create_app_from_environment``
is the import-string factory uvicorn calls in each worker (``dvw serve --workers N``), reading the database URL
from ``DVW_SERVER_DB`` and the metrics token file from ``DVW_METRICS_TOKEN_FILE``. Workers share nothing but the
database.

Requests are authenticated from their headers before any of the body is read (the signature covers the body's
declared SHA-256, see the protocol), and each route reads its body as a stream under its own limit
(:data:`records.sync.protocol.MAX_EVENTS_BODY_BYTES`, ``MAX_CHUNK_BYTES``, ...): an oversized, unsigned or replayed
request is refused without buffering it, and a refused request whose unread body is large or of unknown size gets
``Connection: close`` so that the rest of it is never read.

Logs: one JSON object per line on stderr (``time``, ``level``, ``site``, ``route``, ``method``, ``status``,
``duration_ms``, ``message``); never a payload, a token or a key. Metrics: ``/metrics`` in Prometheus text, with
request counts and durations (aggregated over workers when ``PROMETHEUS_MULTIPROC_DIR`` is set) and the database's
own totals (sites, events, artifacts, syncs); it answers only with ``Authorization: Bearer TOKEN``, the token read
from the file ``dvw serve --metrics-token-file`` names (without one, ``/metrics`` is off).

TLS: terminate it in front of the server (nginx or Caddy as a reverse proxy to ``http://127.0.0.1:PORT``), or let
uvicorn do it (``dvw serve --ssl-keyfile KEY --ssl-certfile CERT``). The app must be mounted at the root path:
request signatures cover the path as the client sent it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TextIO

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from base.errors import DvwError
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
from records.events import is_event_id, is_sha256
from records.sync.protocol import (
    HEADER_CONTENT_SHA256,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_SITE,
    HEADER_TIME,
    MAX_CHUNK_BYTES,
    MAX_CLOCK_SKEW_S,
    MAX_EVENT_BATCH,
    MAX_EVENTS_BODY_BYTES,
    MAX_JOIN_BODY_BYTES,
    MAX_JSON_DEPTH,
    MAX_LIST_BODY_BYTES,
    MAX_PULL_PAGE,
    MAX_SMALL_BODY_BYTES,
    PROTOCOL,
    STATUS_BATCH,
    is_nonce,
    parse_timestamp,
    verify_request_signature,
)
from server.store import (
    MAX_ARTIFACT_BYTES,
    ChainGapAtHeadError,
    OffsetMismatchError,
    ReplayedRequestError,
    ServerStore,
    SignatureInvalidError,
    database_error_line,
)

ENV_DB = "DVW_SERVER_DB"
"""Environment variable holding the database URL for :func:`create_app_from_environment`."""
ENV_METRICS_TOKEN_FILE = "DVW_METRICS_TOKEN_FILE"  # noqa: S105 - the name of a variable, not a secret
"""Environment variable naming the file holding the ``/metrics`` bearer token (``dvw serve --metrics-token-file``)."""
MIN_METRICS_TOKEN_LENGTH = 16
_TOKEN = re.compile(r"[\x21-\x7e]{16,4096}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_SIGNATURE_HEADER = 128
_BODY_METHODS = ("POST", "PUT", "PATCH")
_DRAIN_BYTES = 64 * 1024
"""A refused request's unread body up to this size is read and dropped; a larger one ends the connection."""

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
    "formatters": {"json": {"()": "server.app.JsonFormatter"}},
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


class _TooLargeError(InvalidEventError):
    """A request body over its route's limit (413)."""

    code = "too_large"


class _LengthRequiredError(InvalidEventError):
    """A POST or PUT with neither ``Content-Length`` nor chunked encoding (411)."""

    code = "length_required"


class _InvalidRequestError(InvalidEventError):
    """A query or path parameter of the wrong type or out of range (422)."""

    code = "invalid_request"


class _MetricsAuthError(SyncAuthError):
    """``/metrics`` without the right bearer token (401)."""

    code = "metrics_auth"


class _MetricsDisabledError(SyncRefusedError):
    """``/metrics`` on a server started without a metrics token (403)."""

    code = "metrics_disabled"


# Status per error type; the first match in order wins (subclasses before their bases).
_STATUS: tuple[tuple[type[DvwError], int], ...] = (
    (_TooLargeError, 413),
    (_LengthRequiredError, 411),
    (_InvalidRequestError, 422),
    (SyncAuthError, 401),
    (EnrolmentError, 403),
    (ReplayedRequestError, 409),
    (OffsetMismatchError, 409),
    (ChainGapError, 409),
    (EventConflictError, 409),
    (SignatureInvalidError, 422),
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
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, ChainGapAtHeadError):
        error.update(head=exc.head, count=exc.count)
    if isinstance(exc, OffsetMismatchError):
        error["received"] = exc.received
    headers: dict[str, str] = {}
    if isinstance(exc, SyncAuthError):
        headers["WWW-Authenticate"] = "Bearer" if isinstance(exc, _MetricsAuthError) else PROTOCOL
    return JSONResponse({"error": error}, status_code=status, headers=headers)


@dataclass(frozen=True)
class Authenticated:
    """An authenticated request: the site and the request body (read within its limit and matching its digest)."""

    site_id: str
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (raises :class:`InvalidEventError` when it is not, see :func:`parse_json`)."""
        return parse_json(self.body)


def parse_json(body: bytes) -> Any:
    """A request body parsed as JSON, refusing what the server does not take.

    Raises
    ------
    InvalidEventError
        Not JSON (or not UTF-8), a number past Python's integer-digit limit, nesting deeper than
        :data:`records.sync.protocol.MAX_JSON_DEPTH`, or text holding a lone UTF-16 surrogate (which no event can
        hash).
    """
    try:
        data = json.loads(body)
    except RecursionError:
        raise InvalidEventError(f"the request body nests deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError:  # also UnicodeDecodeError and a number longer than Python converts
        raise InvalidEventError("the request body is not JSON (UTF-8, numbers of at most 4300 digits)") from None
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise InvalidEventError("the request body holds text with a lone UTF-16 surrogate")
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise InvalidEventError(f"the request body nests deeper than {MAX_JSON_DEPTH} levels")
            items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)
    return data


def _declared_length(request: Request) -> int | None:
    """The ``Content-Length`` of a request, None without one, -1 when it is not a byte count."""
    declared = request.headers.get("content-length")
    if declared is None:
        return None
    return int(declared) if declared.isascii() and declared.isdigit() and len(declared) <= 18 else -1


def _large_body_unread(request: Request) -> bool:
    """Whether a request's body was left unread and is large, of unknown size (chunked) or malformed."""
    if getattr(request.state, "body_read", False):
        return False
    declared = _declared_length(request)
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    return chunked or (declared is not None and not 0 <= declared <= _DRAIN_BYTES)


def _plan_body(request: Request, limit: int) -> None:
    """Refuse a body by its headers alone: a declared length over ``limit`` (413), none on a POST or PUT (411)."""
    declared = _declared_length(request)
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    if declared is not None:
        if declared < 0:
            raise InvalidEventError("the Content-Length header is not a byte count")
        if declared > limit:
            raise _TooLargeError(f"request body of {declared} bytes exceeds {limit} bytes for {request.url.path}")
    elif not chunked and request.method in _BODY_METHODS:
        raise _LengthRequiredError(f"a {request.method} needs a Content-Length header (or chunked encoding)")


async def _read_body(request: Request, limit: int) -> tuple[bytes, str]:
    """The body, read as a stream and refused once it passes ``limit`` bytes; and its SHA-256 (hex).

    Raises
    ------
    _TooLargeError
        The body passed ``limit`` (nothing more of it is read).
    InvalidEventError
        The client went away before the body ended.
    """
    parts: list[bytes] = []
    size = 0
    digest = hashlib.sha256()
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _TooLargeError(f"request body exceeds {limit} bytes for {request.url.path}")
            digest.update(chunk)
            parts.append(chunk)
    except ClientDisconnect:
        raise InvalidEventError("the client disconnected before the request body ended") from None
    request.state.body_read = True
    return b"".join(parts), digest.hexdigest()


def read_metrics_token(path: str | Path) -> str:
    """The ``/metrics`` bearer token from its file (surrounding white space ignored).

    Raises
    ------
    ServerStoreError
        The file cannot be read, or does not hold 16 to 4096 printable ASCII characters without spaces.
    """
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ServerStoreError(f"cannot read the metrics token file {path}: {exc}", path=str(path)) from None
    if _TOKEN.fullmatch(token) is None:
        raise ServerStoreError(
            f"the metrics token file {path} must hold one token of {MIN_METRICS_TOKEN_LENGTH} to 4096 printable "
            "ASCII characters (e.g. from: openssl rand -hex 32)",
            path=str(path),
        )
    return token


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {str(error.get('msg', 'invalid'))[:120]}")
    return "; ".join(parts) or "invalid request"


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


def create_app(  # noqa: PLR0915 - the routes are closures over one store
    store: ServerStore | str, *, metrics_token: str | None = None
) -> FastAPI:
    """The sync server app over ``store`` (an open :class:`ServerStore`, or a database URL to open).

    Parameters
    ----------
    store
        The server store; a URL is opened without migrating (``dvw serve`` migrates once before starting workers).
    metrics_token
        The bearer token ``/metrics`` requires (:func:`read_metrics_token`); None turns ``/metrics`` off.

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
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _on_invalid_request(_request: Request, exc: RequestValidationError) -> Response:
        return _error_response(_InvalidRequestError(_validation_message(exc)))

    @app.exception_handler(DBAPIError)
    async def _on_database_error(_request: Request, exc: DBAPIError) -> Response:
        # The store turns its own database failures into ServerStoreError; this catches any that slip past it.
        return _error_response(ServerStoreError(f"the server database failed: {database_error_line(exc)}"))

    @app.middleware("http")
    async def _log_request(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            if status >= 400 and _large_body_unread(request):
                # Not worth reading the rest of a refused body: the connection ends with this answer.
                response.headers["Connection"] = "close"
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

    async def authenticate(request: Request, limit: int) -> Authenticated:
        """Headers first (format, clock, declared size, site, signature, nonce), then the body within ``limit``."""
        headers = request.headers
        site, stamp = headers.get(HEADER_SITE, ""), headers.get(HEADER_TIME, "")
        nonce, digest = headers.get(HEADER_NONCE, ""), headers.get(HEADER_CONTENT_SHA256, "")
        signature = headers.get(HEADER_SIGNATURE, "")
        if not (site and stamp and nonce and digest and signature):
            raise SyncAuthError(
                f"the request is not signed with {PROTOCOL} ({HEADER_SITE}, {HEADER_TIME}, {HEADER_NONCE}, "
                f"{HEADER_CONTENT_SHA256}, {HEADER_SIGNATURE}); a workstation with an older DVW must be updated"
            )
        when = parse_timestamp(stamp)
        if when is None:
            raise SyncAuthError(f"{HEADER_TIME} is not a time in Unix seconds (1 to 12 digits)")
        if abs(time.time() - when) > MAX_CLOCK_SKEW_S:
            raise SyncAuthError(f"the request time differs from the server's clock by more than {MAX_CLOCK_SKEW_S} s")
        if not is_event_id(site) or not is_nonce(nonce) or not is_sha256(digest):
            raise SyncAuthError(
                f"malformed {HEADER_SITE} (32 hex digits), {HEADER_NONCE} (32 hex digits) or "
                f"{HEADER_CONTENT_SHA256} (64 hex digits)"
            )
        if len(signature) > _MAX_SIGNATURE_HEADER:
            raise SyncAuthError(f"{HEADER_SIGNATURE} is too long for an Ed25519 signature")
        _plan_body(request, limit)
        key = await run_in_threadpool(server.site_key, site)
        if key is None:
            raise SyncAuthError(f"site {site} has not joined this server (dvw site join)")
        if not verify_request_signature(
            key,
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            timestamp=stamp,
            nonce=nonce,
            body_digest=digest,
            signature=signature,
        ):
            raise SyncAuthError(f"the request signature of site {site} does not verify")
        request.state.site = site
        await run_in_threadpool(server.record_nonce, site, nonce, when)
        body, actual = await _read_body(request, limit)
        if actual != digest:
            raise SyncAuthError(f"the request body does not match its signed {HEADER_CONTENT_SHA256}")
        return Authenticated(site, body)

    def signed(limit: int) -> Callable[[Request], Awaitable[Authenticated]]:
        """The dependency authenticating a route's requests, whose bodies may hold at most ``limit`` bytes."""

        async def dependency(request: Request) -> Authenticated:
            return await authenticate(request, limit)

        return dependency

    no_body = signed(0)
    events_body = signed(MAX_EVENTS_BODY_BYTES)
    list_body = signed(MAX_LIST_BODY_BYTES)
    chunk_body = signed(MAX_CHUNK_BYTES)
    small_body = signed(MAX_SMALL_BODY_BYTES)

    @app.get("/healthz")
    def healthz() -> Response:
        ok = server.ping()
        return JSONResponse({"ok": ok, "database": server.dialect}, status_code=200 if ok else 503)

    @app.get("/metrics")
    def metrics_route(request: Request) -> Response:
        if metrics_token is None:
            raise _MetricsDisabledError("/metrics is off: start the server with dvw serve --metrics-token-file FILE")
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        given = credentials.strip().encode("latin-1")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, metrics_token.encode("ascii")):
            raise _MetricsAuthError("/metrics needs the header Authorization: Bearer <the metrics token>")
        return Response(metrics.scrape(), media_type=CONTENT_TYPE_LATEST)

    @app.post("/v1/join")
    async def join(request: Request) -> dict[str, Any]:
        _plan_body(request, MAX_JOIN_BODY_BYTES)
        body, _ = await _read_body(request, MAX_JOIN_BODY_BYTES)
        data = parse_json(body)
        if not isinstance(data, dict):
            raise EnrolmentError("a join request is a JSON object with token, site_id and public_key")
        name = await run_in_threadpool(
            server.join_site, str(data.get("token", "")), str(data.get("site_id", "")), str(data.get("public_key", ""))
        )
        request.state.site = data.get("site_id")
        return {"protocol": PROTOCOL, "site_id": data.get("site_id"), "name": name}

    @app.get("/v1/state")
    def state(auth: Authenticated = Depends(no_body)) -> dict[str, Any]:  # noqa: B008 - FastAPI's idiom
        return {
            "protocol": PROTOCOL,
            "server_time": datetime.now(UTC).isoformat(),
            "site_id": auth.site_id,
            "sites": {head.site_id: head.to_json() for head in server.sites()},
        }

    @app.post("/v1/events")
    def push_events(auth: Authenticated = Depends(events_body)) -> dict[str, Any]:  # noqa: B008
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
        auth: Authenticated = Depends(no_body),  # noqa: B008, ARG001 - authentication only
    ) -> dict[str, Any]:
        found = server.events_after(site, after, max(1, min(limit, MAX_PULL_PAGE)))
        return {"site": site, "events": found}

    @app.post("/v1/artifacts/offer")
    def offer(auth: Authenticated = Depends(list_body)) -> dict[str, Any]:  # noqa: B008
        data = auth.json()
        items = data.get("artifacts") if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) > STATUS_BATCH:
            raise InvalidEventError(f"an offer is {{'artifacts': [...]}} with at most {STATUS_BATCH} items")
        return {"artifacts": [status.to_json() for status in server.offer_artifacts(auth.site_id, items)]}

    @app.post("/v1/artifacts/status")
    def artifact_status(auth: Authenticated = Depends(list_body)) -> dict[str, Any]:  # noqa: B008
        data = auth.json()
        shas = data.get("sha256") if isinstance(data, dict) else None
        if not isinstance(shas, list) or len(shas) > STATUS_BATCH:
            raise InvalidEventError(f"a status request is {{'sha256': [...]}} with at most {STATUS_BATCH} items")
        return {"artifacts": [status.to_json() for status in server.artifact_status(str(s) for s in shas)]}

    @app.put("/v1/artifacts/{sha256}")
    def put_chunk(
        sha256: str,
        offset: Annotated[int, Query(ge=0, le=MAX_ARTIFACT_BYTES)],
        auth: Authenticated = Depends(chunk_body),  # noqa: B008
    ) -> dict[str, Any]:
        if not is_sha256(sha256):
            raise InvalidEventError(f"{sha256[:80]!r} is not a SHA-256")
        status = server.put_chunk(auth.site_id, sha256, offset, auth.body)
        metrics.bytes_in.inc(len(auth.body))
        return status.to_json()

    @app.get("/v1/artifacts/{sha256}")
    def get_chunk(
        sha256: str,
        offset: Annotated[int, Query(ge=0, le=MAX_ARTIFACT_BYTES)] = 0,
        length: Annotated[int, Query(ge=1, le=MAX_CHUNK_BYTES)] = MAX_CHUNK_BYTES,
        auth: Authenticated = Depends(no_body),  # noqa: B008, ARG001 - authentication only
    ) -> Response:
        if not is_sha256(sha256):
            raise InvalidEventError(f"{sha256[:80]!r} is not a SHA-256")
        data = server.read_artifact(sha256, offset, length)
        metrics.bytes_out.inc(len(data))
        return Response(data, media_type="application/octet-stream")

    @app.post("/v1/confirm")
    def confirm(auth: Authenticated = Depends(small_body)) -> dict[str, Any]:  # noqa: B008
        data = auth.json()
        if not isinstance(data, dict) or not isinstance(data.get("head"), str):
            raise InvalidEventError("a confirmation is a JSON object with the site's head")
        counts = {key: value for key, value in data.items() if key != "head"}
        server.confirm(auth.site_id, data["head"], counts)
        return {"ok": True, "head": data["head"]}

    return app


def create_app_from_environment() -> FastAPI:
    """The app for one uvicorn worker: settings come from the environment ``dvw serve`` sets.

    ``DVW_SERVER_DB`` is the database URL; ``DVW_METRICS_TOKEN_FILE``, when set, names the file holding the
    ``/metrics`` bearer token.

    Raises
    ------
    ServerStoreError
        When the database URL is unset, the database is not at this software's schema revision, or the metrics
        token file is unreadable or malformed.
    """
    url = os.environ.get(ENV_DB)
    if not url:
        raise ServerStoreError(f"{ENV_DB} is not set: start the server with dvw serve")
    token_file = os.environ.get(ENV_METRICS_TOKEN_FILE)
    token = read_metrics_token(token_file) if token_file else None
    return create_app(url, metrics_token=token)
