"""Fault injection: dropped connections, a restarted server and a killed client; afterwards everything converges."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sync_helpers import (
    REPO,
    CuttingProxy,
    ProcessServer,
    Site,
    ThreadServer,
    assert_converged,
    server_hashes,
    trust_each_other,
)

from base.progress import Cancelled, CancelToken
from records.errors import SyncConnectionError
from records.store import Store
from records.sync.client import MAX_BACKOFF_S
from server.schema import artifacts
from server.store import ServerStore

BIG = 3 * 1024 * 1024


def _payload_bytes(size: int, seed: int) -> bytes:
    block = bytes((seed * 31 + i) % 251 for i in range(4096))
    return (block * (size // len(block) + 1))[:size]


def _notes(site: Site, count: int, code: str = "CP-1") -> None:
    site.append("case_created", case_code=code, payload={})
    for index in range(count):
        site.append("note", case_code=code, payload={"text": f"note {index} " + "x" * 200})


def _artifact_case(site: Site, code: str, size: int, seed: int) -> str:
    site.append("case_created", case_code=code, payload={})
    sha = site.store.put_artifact(_payload_bytes(size, seed), "mesh")
    site.append("inputs_added", case_code=code, payload={"design": sha})
    return sha


def _received(store: ServerStore, sha: str) -> int:
    with store._engine.connect() as conn:
        found = conn.execute(sa.select(artifacts.c.received).where(artifacts.c.sha256 == sha)).first()
    return 0 if found is None else int(found[0])


@pytest.fixture
def proxy(server: ThreadServer) -> Iterator[CuttingProxy]:
    running = CuttingProxy(server.port)
    yield running
    running.close()


def test_connection_dropped_mid_events(
    server: ThreadServer, proxy: CuttingProxy, make_site: Callable[..., Site]
) -> None:
    a = make_site("hospital-a", server.store, server.url)
    _notes(a, 299)
    proxy.arm(40_000, "up")  # inside the second batch of 50 events
    with pytest.raises(SyncConnectionError):
        a.sync(proxy.url, batch=50, retries=0)
    assert proxy.cuts == 1
    held = len(server_hashes(server.store))
    assert held in (50, 100)  # whole batches only: never a gap in the chain
    assert server.store.verify().ok

    # With retries the same drop is survived inside one run.
    a.append("note", case_code="CP-1", payload={"text": "more"})
    proxy.arm(20_000, "up")
    result = a.sync(proxy.url, batch=50, retries=3)
    assert result.retries >= 1
    assert result.pushed == len(a.store.events()) - held
    assert_converged(server.store, a)


def test_connection_dropped_mid_artifact_upload_and_download(
    server: ThreadServer, proxy: CuttingProxy, make_site: Callable[..., Site]
) -> None:
    a = make_site("hospital-a", server.store, server.url)
    b = make_site("hospital-b", server.store, server.url)
    trust_each_other(a, b)
    sha = _artifact_case(a, "CP-1", BIG, seed=1)
    chunk = 256 * 1024

    proxy.arm(1_200_000, "up")
    with pytest.raises(SyncConnectionError):
        a.sync(proxy.url, chunk_bytes=chunk, retries=0)
    received = _received(server.store, sha)
    assert 0 < received < BIG
    assert received % chunk == 0
    resumed = a.sync(proxy.url, chunk_bytes=chunk, retries=0)
    assert resumed.bytes_pushed == BIG - received  # resumed from the server's offset, nothing sent twice
    assert resumed.resumed  # the interrupted session was noticed
    assert server.store.artifact_status([sha])[0].complete

    proxy.arm(1_500_000, "down")
    with pytest.raises(SyncConnectionError):
        b.sync(proxy.url, chunk_bytes=chunk, retries=0)
    partial = b.home / "sync" / "partial" / f"{sha}.part"
    assert 0 < partial.stat().st_size < BIG
    done = partial.stat().st_size
    again = b.sync(proxy.url, chunk_bytes=chunk, retries=0)
    assert again.bytes_pulled == BIG - done
    assert b.store.read_artifact(sha) == _payload_bytes(BIG, seed=1)
    assert not partial.exists()
    a.sync(server.url)
    assert_converged(server.store, a, b)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # one backend: the retries are the client's
def test_requests_retried_with_backoff_then_given_up(
    server: ThreadServer, proxy: CuttingProxy, make_site: Callable[..., Site]
) -> None:
    a = make_site("hospital-a", server.store, server.url)

    # Two attempts dropped before reaching the server, the third answered: three attempts, two retries.
    connection = a.connection(proxy.url, retries=2, backoff_s=0.1)
    proxy.arm(0, "up", times=2)
    start = time.monotonic()
    assert connection.call("GET", "/v1/state")["site_id"] == a.store.site_id
    assert time.monotonic() - start >= 0.1 + 0.2  # waits of backoff_s, then doubled
    assert proxy.cuts == 2
    assert connection.retried == 2

    # One drop more than the retries allow: the request is given up with one line naming the attempts.
    connection = a.connection(proxy.url, retries=2, backoff_s=0.01)
    proxy.arm(0, "up", times=4)
    with pytest.raises(SyncConnectionError) as raised:
        connection.call("GET", "/v1/state")
    message = str(raised.value)
    assert message.startswith("the sync server did not answer GET /v1/state after 3 attempts (")
    assert "\n" not in message
    assert proxy.cuts == 2 + 3
    assert connection.retried == 2
    proxy.arm(0, "up", times=0)

    # A cancel during the wait between attempts stops at once, without another attempt.
    cancel = CancelToken()
    connection = a.connection(proxy.url, retries=3, backoff_s=MAX_BACKOFF_S, cancel=cancel)
    proxy.arm(0, "up", times=4)
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    start = time.monotonic()
    try:
        with pytest.raises(Cancelled):
            connection.call("GET", "/v1/state")
    finally:
        timer.cancel()
    assert time.monotonic() - start < MAX_BACKOFF_S / 2
    assert proxy.cuts == 5 + 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # production's database; the drops cover SQLite
def test_server_restarted_during_a_sync(db_url: str, tmp_path: Path, make_site: Callable[..., Site]) -> None:
    store = ServerStore.open(db_url)
    server = ProcessServer(db_url, tmp_path / "server-home").start()
    try:
        a = make_site("hospital-a", store, server.url)
        _notes(a, 40)
        sha = _artifact_case(a, "CP-2", BIG, seed=2)
        killed = threading.Event()

        def on_progress(fraction: float, message: str) -> None:
            if message.startswith("push_artifacts") and "bytes (" in message and not killed.is_set():
                killed.set()
                server.kill()  # mid-upload: the next chunk finds no server
                threading.Timer(0.3, server.start).start()

        result = a.sync(server.url, chunk_bytes=128 * 1024, retries=8, backoff_s=0.2, progress=on_progress)
        assert killed.is_set()
        assert result.retries >= 1
        assert store.artifact_status([sha])[0].complete
        assert_converged(store, a)
    finally:
        store.close()
        server.stop()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # one backend: the client side is the same
def test_client_killed_during_a_sync(server: ThreadServer, make_site: Callable[..., Site]) -> None:
    a = make_site("hospital-a", server.store, server.url)
    size = 12 * 1024 * 1024
    sha = _artifact_case(a, "CP-3", size, seed=3)
    slow = CuttingProxy(server.port, bytes_per_s=6e6)
    a.store.close()  # the workstation's own dvw sync process opens the store
    try:
        command = [sys.executable, "-m", "app.cli", "--home", str(a.home), "sync", "--server", slow.url, "--json"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        client = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while _received(server.store, sha) < 4 * 1024 * 1024 and time.monotonic() < deadline:
            time.sleep(0.02)
        client.send_signal(signal.SIGKILL)
        client.communicate(timeout=10)
        received = _received(server.store, sha)
        assert 0 < received < size

    finally:
        slow.close()
    with Store.open(a.home) as reopened:  # the re-run, in this process
        a.store = reopened
        assert reopened.verify().ok  # the killed client left the store intact
        rerun = a.sync(server.url)
        assert rerun.resumed  # it saw the killed session
        assert rerun.bytes_pushed <= size - received  # and continued from the server's offset
        assert rerun.pushed == 0  # the events went before the artifact, in the killed run
        assert server.store.artifact_status([sha])[0].complete
        assert_converged(server.store, a)
