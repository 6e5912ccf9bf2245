"""The sync server against a hostile or broken peer: forged users and signatures across sites, replayed requests,
oversized, unsigned and malformed requests, and database failures. Every refusal is a typed 4xx/5xx JSON answer,
never a 500, and stores nothing.

The memory test runs the server as its own process (``ProcessServer``, the app ``dvw serve`` runs) and reads its
peak resident size (``VmHWM``) from ``/proc``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sync_helpers import METRICS_TOKEN, ProcessServer, Site, ThreadServer, add_signed_case, server_hashes

from app.cli import main
from records.errors import ServerStoreError
from records.events import canonical_json, compute_hash
from records.signatures import signed_bytes
from records.sync.client import SyncConnection, load_credentials, sync
from records.sync.protocol import (
    HEADER_CONTENT_SHA256,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_SITE,
    HEADER_TIME,
    MAX_CHUNK_BYTES,
    sign_request,
)
from server.schema import events as events_table
from server.store import ServerStore

DESIGN = b"solid a\nfacet normal 0 0 1\nendsolid a\n" * 20
MiB = 1024 * 1024


# ---------------------------------------------------------------------------------------------------- helpers


def _key(site: Site) -> Ed25519PrivateKey:
    return load_credentials(site.home).key


def _headers(site: Site, method: str, path: str, body: bytes = b"", query: str = "", **options: Any) -> dict[str, str]:
    return sign_request(
        _key(site), site.store.site_id, method=method, path=path, query=query, body=body, now=time.time(), **options
    )


def _send(url: str, site: Site, method: str, path: str, body: bytes = b"", query: str = "") -> httpx.Response:
    target = f"{url}{path}" + (f"?{query}" if query else "")
    return httpx.request(method, target, content=body, headers=_headers(site, method, path, body, query))


def _code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


def _head(store: ServerStore, site_id: str) -> tuple[str, int]:
    head = {site.site_id: site for site in store.sites()}[site_id]
    return head.head, head.count


def _wire_event(
    site_id: str, prev_hash: str, kind: str, payload: dict[str, Any], *, case_code: str | None, actor: str | None
) -> dict[str, Any]:
    """A well-formed event of ``site_id``'s chain after ``prev_hash`` (what a forger can always make)."""
    data: dict[str, Any] = {
        "event_id": uuid.uuid4().hex,
        "site_id": site_id,
        "case_code": case_code,
        "kind": kind,
        "payload": payload,
        "actor": actor,
        "created_at": "2026-05-01T09:30:00.000000+08:00",
        "prev_hash": prev_hash,
    }
    data["hash"] = compute_hash(
        payload_json=canonical_json(payload),
        **{key: data[key] for key in ("event_id", "site_id", "case_code", "kind", "actor", "created_at", "prev_hash")},
    )
    return data


def _chain(site_id: str, head: str, *specs: tuple[str, dict[str, Any], str | None, str | None]) -> list[dict[str, Any]]:
    """Events ``(kind, payload, case_code, actor)`` chained after ``head``."""
    chained: list[dict[str, Any]] = []
    for kind, payload, case_code, actor in specs:
        event = _wire_event(site_id, head, kind, payload, case_code=case_code, actor=actor)
        chained.append(event)
        head = event["hash"]
    return chained


def _forgery(victim: Site, user_id: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """What another site needs to impersonate ``victim``'s ``user_id``: a ``user_added`` payload with the forger's
    own key, a signature payload on the victim's case made with that key, and a copy of the victim's real one."""
    found = [e for e in victim.store.events() if e.kind == "user_added" and e.payload.get("user_id") == user_id]
    genuine = next(e for e in victim.store.events() if e.kind == "signature" and e.actor == user_id)
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    fingerprint = hashlib.sha256(raw).hexdigest()
    user = {**found[0].payload, "public_key_pem": pem.decode("ascii"), "public_key_sha256": fingerprint}
    content = copy.deepcopy(genuine.payload["content"])
    content["public_key_sha256"] = fingerprint
    forged = {
        **copy.deepcopy(genuine.payload),
        "content": content,
        "public_key_sha256": fingerprint,
        "signature": base64.b64encode(key.sign(signed_bytes(content))).decode("ascii"),
    }
    return user, forged, copy.deepcopy(genuine.payload)


def _insert_held(store: ServerStore, site_id: str, wire: list[dict[str, Any]]) -> None:
    """Store events as a server without today's checks did (the data ``dvw server verify`` must still judge)."""
    _, count = _head(store, site_id)
    rows = [
        {
            "site_id": site_id,
            "site_seq": count + index + 1,
            "event_id": data["event_id"],
            "hash": data["hash"],
            "prev_hash": data["prev_hash"],
            "case_code": data["case_code"],
            "kind": data["kind"],
            "payload": canonical_json(data["payload"]),
            "actor": data["actor"],
            "created_at": data["created_at"],
            "received_at": data["created_at"],
        }
        for index, data in enumerate(wire)
    ]
    with store._engine.begin() as conn:
        conn.execute(events_table.insert(), rows)


@pytest.fixture
def signed_case(server: ThreadServer, make_site: Callable[..., Site]) -> tuple[Site, Site]:
    """Site A with a clinician ``doc-a`` who signed case CP-A, synced; site B, joined (it forges by hand)."""
    a = make_site("hospital-a", server.store, server.url)
    b = make_site("hospital-b", server.store, server.url)
    add_signed_case(a, "CP-A", design=DESIGN, user_suffix="a")
    a.sync(server.url)
    return a, b


# ---------------------------------------------------------------------------------------------------- impersonation


def test_a_site_cannot_add_or_sign_as_another_sites_user(server: ThreadServer, signed_case: tuple[Site, Site]) -> None:
    a, b = signed_case
    user, forged, genuine = _forgery(a, "doc-a")
    held = server_hashes(server.store)
    head, _ = _head(server.store, b.store.site_id)
    assert head == ""
    conn_b = b.connection(server.url)

    # Site B slips in a "doc-a" of its own (B's key) that no administrator of B added, and signs A's case with it:
    # refused, nothing of the batch stored. (Users are (site, user id): a doc-a that B's administrator adds is B's
    # user, never A's, and signs only on B's chain.)
    batch = _chain(
        b.store.site_id,
        head,
        ("user_added", user, None, None),
        ("signature", forged, "CP-A", "doc-a"),
    )
    response = conn_b.request("POST", "/v1/events", json_body={"events": batch})
    assert response.status_code == 403, response.text
    assert _code(response) == "event_refused"
    assert "names no person" in response.json()["error"]["message"]
    assert server_hashes(server.store) == held

    # The forged signature alone, or a copy of A's genuine one in B's chain: B does not speak for doc-a.
    for payload in (forged, genuine):
        batch = _chain(b.store.site_id, head, ("signature", payload, "CP-A", "doc-a"))
        response = conn_b.request("POST", "/v1/events", json_body={"events": batch})
        assert response.status_code == 403, response.text
        assert _code(response) == "signature_not_yours"
        assert server_hashes(server.store) == held

    # Site A is untouched: it syncs as before, and its own user and signature hold on the server.
    assert a.sync(server.url).pushed == 0
    audit = server.store.verify()
    assert audit.ok, audit.problems


def test_server_verify_reports_foreign_users_and_signatures_held_from_before(
    server: ThreadServer,
    signed_case: tuple[Site, Site],
    make_site: Callable[..., Site],
    capsys: pytest.CaptureFixture[str],
) -> None:
    a, b = signed_case
    c = make_site("hospital-c", server.store, server.url)
    user, forged, genuine = _forgery(a, "doc-a")
    head_b, _ = _head(server.store, b.store.site_id)
    forged_events = _chain(
        b.store.site_id, head_b, ("user_added", user, None, None), ("signature", forged, "CP-A", "doc-a")
    )
    copied = _chain(c.store.site_id, "", ("signature", genuine, "CP-A", "doc-a"))
    _insert_held(server.store, b.store.site_id, forged_events)
    _insert_held(server.store, c.store.site_id, copied)

    audit = server.store.verify()
    assert not audit.ok
    problems = "\n".join(audit.problems)
    user_event, signature_event = forged_events
    assert f"user_added event {user_event['event_id']} of site {b.store.site_id}: user_added event names no person" in (
        problems
    )
    for event, site in ((signature_event, b.store.site_id), (copied[0], c.store.site_id)):
        assert (
            f"signature event {event['event_id']} of site {site}: signer 'doc-a' is not a user of the signing site"
            in problems
        )
    flagged = {line.split(" of site ")[0] for line in audit.problems}
    assert flagged == {
        f"user_added event {user_event['event_id']}",
        f"signature event {signature_event['event_id']}",
        f"signature event {copied[0]['event_id']}",
    }

    capsys.readouterr()
    assert main(["server", "verify", "--db", server.db, "--json"]) == 2
    shown = json.loads(capsys.readouterr().out)
    assert shown["ok"] is False
    assert len(shown["problems"]) == len(audit.problems)

    # And a site whose user was added elsewhere first cannot push more on top of it.
    more = _chain(b.store.site_id, forged_events[-1]["hash"], ("signature", forged, "CP-A", "doc-a"))
    response = b.connection(server.url).request("POST", "/v1/events", json_body={"events": more})
    assert response.status_code == 403
    assert _code(response) == "signature_not_yours"


# ---------------------------------------------------------------------------------------------------- replays


def test_every_signed_request_is_single_use(server: ThreadServer, make_site: Callable[..., Site]) -> None:
    site = make_site("hospital-a", server.store, server.url)
    body = json.dumps({"head": ""}).encode()
    headers = _headers(site, "POST", "/v1/confirm", body)
    answers = [httpx.post(f"{server.url}/v1/confirm", content=body, headers=headers) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 409, 409]
    assert {_code(answer) for answer in answers[1:]} == {"replayed"}
    with server.store._engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sync_log")).scalar_one() == 1

    state = _headers(site, "GET", "/v1/state")
    assert httpx.get(f"{server.url}/v1/state", headers=state).status_code == 200
    replay = httpx.get(f"{server.url}/v1/state", headers=state)
    assert (replay.status_code, _code(replay)) == (409, "replayed")
    # The same request signed anew (a new nonce) is a new request.
    assert _send(server.url, site, "GET", "/v1/state").status_code == 200
    # A nonce is bound by the signature: changing it breaks the signature.
    tampered = {**_headers(site, "GET", "/v1/state"), HEADER_NONCE: "0" * 32}
    assert httpx.get(f"{server.url}/v1/state", headers=tampered).status_code == 401
    # A dvw-sync/1 request (no nonce, no digest header) is refused with a pointer to the cause.
    old = {key: value for key, value in state.items() if key not in (HEADER_NONCE, HEADER_CONTENT_SHA256)}
    refused = httpx.get(f"{server.url}/v1/state", headers=old)
    assert refused.status_code == 401
    assert "dvw-sync/2" in refused.json()["error"]["message"]


class _LosingTransport(httpx.BaseTransport):
    """Delivers each of the first ``lose`` attempts to the server but loses its answer: once as a dropped answer
    (503 from a proxy), once as a proxy that re-sent the attempt (the server's second answer, 409 ``replayed``)."""

    def __init__(self, lose: int) -> None:
        self.inner = httpx.HTTPTransport()
        self.lose = lose
        self.nonces: list[str] = []
        self.answers: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.nonces.append(request.headers[HEADER_NONCE])
        request.read()
        if self.lose:
            self.lose -= 1
            first = self.inner.handle_request(request)
            first.read()
            self.answers.append(first.status_code)
            if self.lose % 2:
                return httpx.Response(503, json={"error": {"code": "proxy", "message": "upstream answer lost"}})
            again = self.inner.handle_request(request)  # a proxy re-sending the same attempt
            again.read()
            self.answers.append(again.status_code)
            return httpx.Response(again.status_code, headers=again.headers, content=again.content)
        response = self.inner.handle_request(request)
        response.read()
        self.answers.append(response.status_code)
        return response

    def close(self) -> None:
        self.inner.close()


def test_retries_sign_every_attempt_with_a_fresh_nonce(server: ThreadServer, make_site: Callable[..., Site]) -> None:
    site = make_site("hospital-a", server.store, server.url)
    site.store.append("case_created", case_code="CP-1", payload={}, by=site.person("engineer"))
    transport = _LosingTransport(lose=2)
    with httpx.Client(base_url=server.url, transport=transport) as http:
        connection = SyncConnection(
            load_credentials(site.home), site.store.site_id, http=http, retries=3, backoff_s=0.01, cancel=None
        )
        assert connection.call("GET", "/v1/state")["site_id"] == site.store.site_id
        assert connection.retried == 2
    assert transport.answers == [200, 200, 409, 200]  # each lost attempt had reached the server
    assert len(transport.nonces) == len(set(transport.nonces)) == 3

    # A whole sync through a path that loses answers completes, each attempt a new request.
    transport = _LosingTransport(lose=4)
    with httpx.Client(base_url=server.url, transport=transport) as http:
        result = sync(site.store, server.url, client=http, retries=5, backoff_s=0.01)
    assert result.pushed == len(site.store.events())
    assert result.retries == 4
    assert len(transport.nonces) == len(set(transport.nonces))
    assert server.store.verify().ok


# ---------------------------------------------------------------------------------------------------- malformed


def test_malformed_headers_are_refused_never_a_500(server: ThreadServer, make_site: Callable[..., Site]) -> None:
    site = make_site("hospital-a", server.store, server.url)
    url = f"{server.url}/v1/state"
    good = _headers(site, "GET", "/v1/state")
    variants: list[dict[str, Any]] = [
        {HEADER_TIME: "9" * 400},
        {HEADER_TIME: b"\xb2"},  # a Latin-1 superscript two: str.isdigit() says yes, int() says no
        {HEADER_TIME: "-5"},
        {HEADER_TIME: str(int(time.time()) - 3600)},
        {HEADER_SITE: "Z" * 32},
        {HEADER_SITE: "0" * 32},
        {HEADER_NONCE: "x" * 4000},
        {HEADER_CONTENT_SHA256: "not a digest"},
        {HEADER_SIGNATURE: "A" * 5000},
        {HEADER_SIGNATURE: "\u00e9t\u00e9".encode("latin-1")},
    ]
    for change in variants:
        headers = {**good, **change, HEADER_NONCE: change.get(HEADER_NONCE, uuid.uuid4().hex)}
        response = httpx.get(url, headers=headers)
        assert response.status_code == 401, (change, response.status_code, response.text)
        assert _code(response) == "sync_auth"
    # A body that is not the one the signature covers.
    body = json.dumps({"head": ""}).encode()
    headers = _headers(site, "POST", "/v1/confirm", b'{"head": "x"}')
    response = httpx.post(f"{server.url}/v1/confirm", content=body, headers=headers)
    assert (response.status_code, _code(response)) == (401, "sync_auth")
    # A GET has no body.
    response = httpx.request("GET", url, content=b"x", headers=_headers(site, "GET", "/v1/state", b"x"))
    assert (response.status_code, _code(response)) == (413, "too_large")


def test_malformed_bodies_and_queries_are_refused_never_a_500(
    server: ThreadServer, make_site: Callable[..., Site]
) -> None:
    site = make_site("hospital-a", server.store, server.url)
    sid = site.store.site_id
    surrogate = _wire_event(sid, "", "note", {}, case_code="CP-1", actor=None)
    surrogate["payload"] = {"text": "\ud800"}
    nul_actor = _wire_event(sid, "", "case_created", {}, case_code="CP-1", actor="eng\x00")
    bodies = {
        "not JSON": (b"\xff\xfe{", 400),
        "deeply nested": (b"[" * 100_000 + b"]" * 100_000, 400),
        "a 5000-digit number": (b'{"events": [' + b"9" * 5000 + b"]}", 400),
        "a lone surrogate": (json.dumps({"events": [surrogate]}).encode(), 400),
        "a NUL in the actor": (json.dumps({"events": [nul_actor]}).encode(), 400),
        "events not a list": (b'{"events": "all of them"}', 400),
        "an array": (b"[]", 400),
    }
    deep = {"a": 1}
    for _ in range(100):
        deep = {"a": deep}
    bodies["nested past the limit"] = (json.dumps({"events": [deep]}).encode(), 400)
    for name, (body, status) in bodies.items():
        response = _send(server.url, site, "POST", "/v1/events", body)
        assert response.status_code == status, (name, response.status_code, response.text)
        assert "error" in response.json(), name
    for body in (b'{"head": "", "pushed": ' + b"9" * 40 + b"}", b'{"head": "", "pulled": -1}', b'{"head": 5}'):
        response = _send(server.url, site, "POST", "/v1/confirm", body)
        assert response.status_code == 400, (body, response.text)

    sha = "a" * 64
    queries = [
        ("GET", "/v1/events", f"site={sid}&limit=abc", 422),
        ("GET", "/v1/events", f"site={sid}&limit={'9' * 5000}", 422),
        ("GET", "/v1/events", "limit=5", 422),
        ("PUT", f"/v1/artifacts/{sha}", "offset=abc", 422),
        ("PUT", f"/v1/artifacts/{sha}", f"offset={'9' * 40}", 422),
        ("PUT", f"/v1/artifacts/{sha}", "offset=-1", 422),
        ("PUT", "/v1/artifacts/not-a-sha", "offset=0", 400),
        ("GET", f"/v1/artifacts/{sha}", "offset=0&length=0", 422),
        ("GET", f"/v1/artifacts/{sha}", f"offset=0&length={MAX_CHUNK_BYTES + 1}", 422),
        ("GET", f"/v1/artifacts/{sha}", "offset=1.5", 422),
    ]
    for method, path, query, status in queries:
        body = b"x" if method == "PUT" else b""
        response = _send(server.url, site, method, path, body, query)
        assert response.status_code == status, (path, query, response.status_code, response.text)
        assert response.json()["error"]["code"] in ("invalid_event", "invalid_request")
    assert server_hashes(server.store) == set()

    for body in (b"\xff", b"[" * 100_000, b"9" * 5000, b'{"token": "' + b"x" * 20_000 + b'"}'):
        response = httpx.post(f"{server.url}/v1/join", content=body)
        assert response.status_code in (400, 403, 413), (body[:20], response.text)


# ---------------------------------------------------------------------------------------------------- metrics


def test_metrics_need_the_bearer_token(db_url: str) -> None:
    protected = ThreadServer(db_url)
    try:
        assert httpx.get(f"{protected.url}/metrics").status_code == 401
        for value in (
            "Bearer",
            f"Basic {METRICS_TOKEN}",
            f"Bearer {METRICS_TOKEN}x",
            "Bearer \u00e9".encode("latin-1"),
        ):
            assert httpx.get(f"{protected.url}/metrics", headers={"Authorization": value}).status_code == 401
        answer = httpx.get(f"{protected.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert answer.status_code == 200
        assert "dvw_sync_sites 0.0" in answer.text
    finally:
        protected.stop()
    closed = ThreadServer(db_url, metrics_token=None)
    try:
        answer = httpx.get(f"{closed.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert (answer.status_code, _code(answer)) == (403, "metrics_disabled")
        assert httpx.get(f"{closed.url}/healthz").status_code == 200
    finally:
        closed.stop()


# ---------------------------------------------------------------------------------------------------- database


def test_database_failures_are_one_line(tmp_path: Path, make_site: Callable[..., Site]) -> None:
    for url in ("postgresql+psycopg://u@h:notaport/db", "postgresql+psycopg://dvw:wrong@127.0.0.1:1/none"):
        with pytest.raises(ServerStoreError) as caught:
            ServerStore.open(url)
        assert "\n" not in caught.value.message
        assert "Background" not in caught.value.message

    running = ThreadServer(f"sqlite:///{tmp_path / 'broken' / 'server.sqlite'}")
    try:
        site = make_site("hospital-a", running.store, running.url)
        with running.store._engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE sync_log")
        response = _send(running.url, site, "POST", "/v1/confirm", json.dumps({"head": ""}).encode())
        assert response.status_code == 503, response.text
        message = response.json()["error"]["message"]
        assert message == "the server database failed: no such table: sync_log"
        with pytest.raises(ServerStoreError, match=r"^the server database failed: no such table: sync_log$"):
            running.store.confirm(site.store.site_id, "", {})
    finally:
        running.stop()


# ---------------------------------------------------------------------------------------------------- size


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc")


def _stream(port: int, head: bytes, total: int | None, piece: int = MiB) -> tuple[bytes, int, float]:
    """Send ``head`` then ``total`` bytes of chunked body (None: nothing more); returns the answer (b"" when the
    server reset the connection first), the body bytes sent, and the seconds until the server answered or closed."""
    answer = bytearray()
    done = threading.Event()
    sent = 0
    start = time.perf_counter()

    def read(sock: socket.socket) -> None:
        try:
            while data := sock.recv(65536):
                answer.extend(data)
        except OSError:
            pass
        done.set()

    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        reader = threading.Thread(target=read, args=(sock,), daemon=True)
        reader.start()
        chunk = f"{piece:x}\r\n".encode() + b"x" * piece + b"\r\n"
        try:
            sock.sendall(head)
            while total is not None and sent < total and not done.is_set():
                sock.sendall(chunk)
                sent += piece
            if total is not None:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server closed the connection: the refusal
        done.wait(30)
        elapsed = time.perf_counter() - start
        sock.close()
    reader.join(5)
    return bytes(answer), sent, elapsed


def _request_head(method: str, path: str, headers: dict[str, str], *, length: int | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    lines.append("Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@pytest.fixture
def process_server(db_url: str, tmp_path: Path) -> Iterator[ProcessServer]:
    ServerStore.open(db_url).close()  # migrated before the server starts, as dvw serve does
    running = ProcessServer(db_url, tmp_path / "server-home").start()
    yield running
    running.stop()


def test_a_huge_upload_is_refused_early_and_never_buffered(
    process_server: ProcessServer, db_url: str, make_site: Callable[..., Site]
) -> None:
    with ServerStore.open(db_url, migrate_schema=False) as store:
        site = make_site("hospital-a", store, process_server.url)
    assert _send(process_server.url, site, "GET", "/v1/state").status_code == 200
    before = _peak_rss_kib(process_server.pid)

    # 1 GiB, chunked, for a real site with a fake signature: refused from the headers, before any of the body.
    headers = {**_headers(site, "POST", "/v1/events", b"{}"), HEADER_SIGNATURE: base64.b64encode(b"f" * 64).decode()}
    answer, sent, seconds = _stream(process_server.port, _request_head("POST", "/v1/events", headers), 1024 * MiB)
    assert seconds < 5, seconds
    assert sent < 256 * MiB, sent
    assert answer == b"" or answer.startswith(b"HTTP/1.1 401"), answer[:80]

    # A declared 1 GiB is refused from its Content-Length, signed or not.
    for fake in (False, True):
        headers = _headers(site, "POST", "/v1/events", b"{}")
        if fake:
            headers[HEADER_SIGNATURE] = base64.b64encode(b"f" * 64).decode()
        head = _request_head("POST", "/v1/events", headers, length=1024 * MiB)
        answer, sent, seconds = _stream(process_server.port, head, None)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
        assert seconds < 5

    # A signed chunk upload that runs past its limit (8 MiB) is cut off there, not read to its end.
    sha = "b" * 64
    headers = _headers(site, "PUT", f"/v1/artifacts/{sha}", b"", "offset=0")
    head = _request_head("PUT", f"/v1/artifacts/{sha}?offset=0", headers)
    answer, sent, seconds = _stream(process_server.port, head, 512 * MiB)
    assert seconds < 10, seconds
    assert sent < 256 * MiB, sent
    assert answer == b"" or answer.startswith(b"HTTP/1.1 413"), answer[:80]

    # Neither a length nor chunks: 411.
    headers = _headers(site, "POST", "/v1/confirm", b"")
    raw = "\r\n".join(["POST /v1/confirm HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())])
    with socket.create_connection(("127.0.0.1", process_server.port), timeout=10) as sock:
        sock.sendall((raw + "\r\n\r\n").encode())
        assert sock.recv(65536).startswith(b"HTTP/1.1 411")

    grown_mib = (_peak_rss_kib(process_server.pid) - before) / 1024
    assert grown_mib < 48, f"the server's peak memory grew by {grown_mib:.0f} MiB"
    # Still serving.
    assert _send(process_server.url, site, "GET", "/v1/state").status_code == 200
