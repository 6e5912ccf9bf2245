r"""The sync protocol (``dvw-sync/2``) shared by the client (:mod:`records.sync.client`) and the server.

Transport: JSON over HTTP(S), every route under ``/v1``. TLS is terminated in front of the server (a reverse proxy)
or by uvicorn itself (``dvw serve --ssl-keyfile --ssl-certfile``); the client verifies certificates.

Authentication
--------------
A site is enrolled once on the server (``dvw server enroll-site NAME`` prints a one-time token; the server keeps
only its SHA-256). The workstation joins with ``POST /v1/join`` ``{"token", "site_id", "public_key"}``: its
store's ``site_id`` and a new Ed25519 public key (raw 32 bytes, base64); the token is consumed. Every later request
carries five headers::

    X-DVW-Site            the site id (32 hex digits)
    X-DVW-Time            the request time, integer Unix seconds (at most 12 digits)
    X-DVW-Nonce           32 random hex digits, new for every request (a retry is a new request)
    X-DVW-Content-SHA256  SHA-256 (hex) of the body (of b"" for none)
    X-DVW-Signature       base64 Ed25519 signature of request_message(...) by the site's key

:func:`request_message` is ``"dvw-sync/2\n{METHOD}\n{path}\n{query}\n{time}\n{nonce}\n{SHA-256 of the body}"``.
Because the signature covers the body's digest as a header, the server authenticates a request before it reads
any of the body: it refuses an unknown site, a malformed header, a time more than :data:`MAX_CLOCK_SKEW_S` from
its own clock or a bad signature (401), a declared body larger than the route allows (413; a POST or PUT without
``Content-Length`` or chunked encoding: 411), and a nonce it has seen from that site within the clock-skew window
(409 ``replayed``): every signed request is single-use. It then reads the body as a stream, refusing it once it
passes the route's limit (413) or when it does not hash to the signed digest (401).

Changes from ``dvw-sync/1``: the nonce and content digest headers, and the nonce in the signed message (a
``dvw-sync/1`` request is refused with 401).

Routes (``site`` = the authenticated site)
------------------------------------------
``GET /v1/state``
    ``{"protocol", "server_time", "site_id", "sites": {site_id: {"name", "head", "count"}}}``: each site's chain
    head (hash of its last event held, "" for none) and event count.
``POST /v1/events`` ``{"events": [Event.to_json(), ...]}``
    Events of the site's own chain, in chain order, at most :data:`MAX_EVENT_BATCH` and
    :data:`MAX_EVENTS_BODY_BYTES`. Checked in full before anything is stored (all or none): every field and hash
    (:func:`records.events.event_from_json`), the site (another site's event is refused, 403), privacy (patient
    identity keys, 422), the chain link to the site's head held by the server, and the users a site speaks for: a
    site speaks only for its own users, so a ``user_added`` for a user id another site added first is refused (403
    ``user_not_yours``), and so is a ``signature`` whose signer is not a user added on the site's own chain (403
    ``signature_not_yours``; users sign where their sealed key is, at the site that added them); every
    ``signature`` is verified against its signer's key from the site's own ``user_added`` events (422).
    Events already held (same id and hash) are skipped: the same batch twice is stored once. An event whose
    predecessor is not held yet is refused with 409 ``chain_gap`` and the server's head, so the client resends
    from there (a reordered batch stores nothing; a stored chain never has a gap). Answer:
    ``{"added", "held", "head", "count"}``.
``GET /v1/events?site=S&after=H&limit=N``
    Up to N events of site S's chain after the event with hash H ("" = from the start), in chain order.
``POST /v1/artifacts/offer`` ``{"artifacts": [{"sha256", "size", "kind"}, ...]}``
    Artifacts the site will upload: each must be named (by SHA-256, anywhere in a payload) by an event of the site
    held by the server, and not of a withheld kind (:data:`WITHHELD_KINDS`: DICOM instances and patient files
    never leave the site). Answer: ``{"artifacts": [status, ...]}`` with status
    ``{"sha256", "size", "kind", "received", "complete"}``.
``PUT /v1/artifacts/{sha256}?offset=N``
    One chunk (raw bytes, at most :data:`MAX_CHUNK_BYTES`) at byte offset N; N must equal the bytes the server
    has received (else 409 ``offset`` with ``received``: the client resumes from there). On the last chunk the
    server re-hashes the whole content; a mismatch discards it (422). Answer: the status.
``POST /v1/artifacts/status`` ``{"sha256": [...]}``
    The status of the listed artifacts the server holds completely (others are left out).
``GET /v1/artifacts/{sha256}?offset=N&length=M``
    Bytes ``[N, N+M)`` of a complete artifact (``application/octet-stream``).
``POST /v1/confirm`` ``{"head", "pushed", "pulled", "artifacts_pushed", "artifacts_pulled"}``
    Ends a sync: the server checks that ``head`` is the site's head it holds and records the session.

Unauthenticated: ``POST /v1/join`` (at most :data:`MAX_JOIN_BODY_BYTES`), ``GET /healthz`` (the database answers).
``GET /metrics`` (Prometheus text) needs the server's metrics bearer token (``dvw serve --metrics-token-file``).
Errors: ``{"error": {"code", "message", ...}}`` with 400/401/403/404/409/411/413/422/503; a malformed body (not
JSON, nested deeper than :data:`MAX_JSON_DEPTH`, numbers past Python's integer limit) or query is 400 or 422.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from records.bundle import WITHHELD_KINDS
from records.events import is_sha256

PROTOCOL = "dvw-sync/2"
HEADER_SITE = "X-DVW-Site"
HEADER_TIME = "X-DVW-Time"
HEADER_NONCE = "X-DVW-Nonce"
HEADER_CONTENT_SHA256 = "X-DVW-Content-SHA256"
HEADER_SIGNATURE = "X-DVW-Signature"
MAX_CLOCK_SKEW_S = 300
"""Largest difference (seconds) between a request's time and the server's clock; nonces are kept this long."""
EVENT_BATCH = 1000
"""Events per push request (client default)."""
MAX_EVENT_BATCH = 5000
"""Most events the server accepts in one push."""
PULL_PAGE = 2000
"""Events per pull request (client default)."""
MAX_PULL_PAGE = 5000
CHUNK_BYTES = 4 * 1024 * 1024
"""Artifact chunk size (client default), 4 MiB."""
MAX_CHUNK_BYTES = 8 * 1024 * 1024
"""Largest artifact chunk the server accepts or serves, 8 MiB."""
STATUS_BATCH = 1000
"""Artifacts per offer or status request."""
MAX_EVENTS_BODY_BYTES = 32 * 1024 * 1024
"""Largest push body (32 MiB: a batch of :data:`EVENT_BATCH` typical events is 1 to 5 MB)."""
MAX_LIST_BODY_BYTES = 1024 * 1024
"""Largest offer or status body (1 MiB: :data:`STATUS_BATCH` items of about 150 bytes)."""
MAX_SMALL_BODY_BYTES = 64 * 1024
"""Largest confirmation body (64 KiB)."""
MAX_JOIN_BODY_BYTES = 16 * 1024
"""Largest join body (16 KiB: a token, a site id and a key)."""
MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects the server parses in a request body."""

# The stages of one sync, in order (each reported with its status, counts and time).
STAGE_STATE = "state"
STAGE_PUSH_EVENTS = "push_events"
STAGE_PUSH_ARTIFACTS = "push_artifacts"
STAGE_PULL_EVENTS = "pull_events"
STAGE_PULL_ARTIFACTS = "pull_artifacts"
STAGE_CONFIRM = "confirm"
STAGES = (STAGE_STATE, STAGE_PUSH_EVENTS, STAGE_PUSH_ARTIFACTS, STAGE_PULL_EVENTS, STAGE_PULL_ARTIFACTS, STAGE_CONFIRM)

_NONCE = re.compile(r"[0-9a-f]{32}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")

__all__ = ["WITHHELD_KINDS"]


def body_sha256(body: bytes) -> str:
    """SHA-256 (hex) of a request body (of ``b""`` for none)."""
    return hashlib.sha256(body).hexdigest()


def new_nonce() -> str:
    """A fresh request nonce: 32 random hex digits (128 bits)."""
    return secrets.token_hex(16)


def is_nonce(text: object) -> bool:
    """Whether ``text`` is a well-formed request nonce (32 lower-case hex digits)."""
    return isinstance(text, str) and _NONCE.fullmatch(text) is not None


def parse_timestamp(text: str) -> int | None:
    """The Unix seconds of an ``X-DVW-Time`` header (1 to 12 ASCII digits), or None when it is malformed."""
    return int(text) if _TIMESTAMP.fullmatch(text) else None


def request_message(method: str, path: str, query: str, *, timestamp: str, nonce: str, body_digest: str) -> bytes:
    """The bytes a request signature covers (see the module docstring)."""
    return f"{PROTOCOL}\n{method.upper()}\n{path}\n{query}\n{timestamp}\n{nonce}\n{body_digest}".encode()


def sign_request(
    key: Ed25519PrivateKey,
    site_id: str,
    *,
    method: str,
    path: str,
    query: str,
    body: bytes,
    now: float,
    nonce: str | None = None,
) -> dict[str, str]:
    """The authentication headers of one request (a fresh nonce each call: sign every attempt anew).

    Parameters
    ----------
    key
        The site's private key.
    site_id
        The site's id.
    method, path, query
        The HTTP method, the URL path (``/v1/...``) and the raw query string exactly as sent ("" for none).
    body
        The request body bytes.
    now
        The current Unix time in seconds.
    nonce
        The request's nonce; default a new one (:func:`new_nonce`). Tests pass one to replay a request.

    Returns
    -------
    dict
        ``X-DVW-Site``, ``X-DVW-Time``, ``X-DVW-Nonce``, ``X-DVW-Content-SHA256`` and ``X-DVW-Signature``.
    """
    timestamp = str(int(now))
    once = new_nonce() if nonce is None else nonce
    digest = body_sha256(body)
    signature = key.sign(request_message(method, path, query, timestamp=timestamp, nonce=once, body_digest=digest))
    return {
        HEADER_SITE: site_id,
        HEADER_TIME: timestamp,
        HEADER_NONCE: once,
        HEADER_CONTENT_SHA256: digest,
        HEADER_SIGNATURE: base64.b64encode(signature).decode("ascii"),
    }


def verify_request_signature(
    public_key: bytes,
    *,
    method: str,
    path: str,
    query: str,
    timestamp: str,
    nonce: str,
    body_digest: str,
    signature: str,
) -> bool:
    """Whether ``signature`` (base64) is the site's Ed25519 signature of this request.

    The body is not needed: the signature covers its declared digest (``body_digest``), which the server compares
    with the body it then reads.
    """
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            raw, request_message(method, path, query, timestamp=timestamp, nonce=nonce, body_digest=body_digest)
        )
    except (binascii.Error, UnicodeEncodeError, ValueError, InvalidSignature):
        return False
    return True


def named_sha256(value: Any) -> Iterator[str]:
    """Every SHA-256-shaped text in a JSON value (the artifacts an event may name)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from named_sha256(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from named_sha256(item)
    elif is_sha256(value):
        yield str(value)
