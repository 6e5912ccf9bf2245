"""Helpers of the sync tests: server databases, real servers (thread or subprocess), sites, a cutting TCP proxy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from records.server.app import create_app
from records.server.store import ServerStore
from records.signatures import sign, signature_checker
from records.store import Store
from records.sync.client import SyncConnection, SyncResult, load_credentials, sync
from records.users import add_user, load_users
from validation.check import check
from validation.envelope import parse_envelope
from validation.manifest import current_manifest
from validation.parameters import Parameters, ParameterValue
from validation.selftest import SelftestResult, record_selftest

PG_ENV = "DVW_TEST_POSTGRES_URL"
REPO = Path(__file__).resolve().parents[3]


def postgres_base_url() -> str:
    """The PostgreSQL URL from the environment; skips (locally) or fails (CI) when it is unset."""
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} is not set: CI must run the PostgreSQL sync tests (start it with .ci/postgres.sh)")
        pytest.skip(f"{PG_ENV} is not set (start PostgreSQL with .ci/postgres.sh)")
    return url


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards); yields its URL."""
    base = sa.make_url(postgres_base_url())
    name = f"dvw_sync_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the sync server at {url} did not become healthy")


class ThreadServer:
    """A real uvicorn server on localhost in a thread of this process (one worker)."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.store = ServerStore.open(db)
        self.port = free_port()
        config = uvicorn.Config(
            create_app(self.store), host="127.0.0.1", port=self.port, log_config=None, access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        wait_healthy(self.url)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.store.close()


class ProcessServer:
    """The server app under uvicorn in a subprocess (killed and restarted by the fault tests).

    uvicorn is started directly (the app factory ``dvw serve`` uses, with ``DVW_SERVER_DB``) rather than through
    the ``dvw`` command line, whose start-up imports every command's modules; ``tests/app/test_cli_sync.py`` runs
    ``dvw serve`` itself. The database must be migrated first (:meth:`ServerStore.open`).
    """

    def __init__(self, db: str, home: Path, *, port: int | None = None, workers: int = 1) -> None:
        self.db = db
        self.home = home
        self.port = port or free_port()
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.log = home / f"serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ProcessServer:
        command = [sys.executable, "-m", "uvicorn", "--factory", "records.server.app:create_app_from_environment"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers), "--no-access-log"]
        self.home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DVW_SERVER_DB": self.db}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
        wait_healthy(self.url)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@dataclass
class Site:
    """A workstation: a real store in its own home, joined to a server."""

    name: str
    store: Store
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def home(self) -> Path:
        return self.store.home

    def sync(self, url: str, **options: Any) -> SyncResult:
        options.setdefault("backoff_s", 0.05)
        return sync(self.store, url, **options)

    def connection(self, url: str, *, retries: int = 0) -> SyncConnection:
        http = httpx.Client(base_url=url, timeout=30.0)
        self.clients.append(http)
        return SyncConnection(
            load_credentials(self.home), self.store.site_id, http=http, retries=retries, backoff_s=0.05, cancel=None
        )

    def hashes(self) -> set[str]:
        return {event.hash for event in self.store.events()}


def server_hashes(store: ServerStore) -> set[str]:
    return {event.hash for event in store.all_events()}


class CuttingProxy:
    """A TCP proxy in front of a server that can cut the connection after a number of bytes.

    ``arm(after_bytes, direction)`` makes the proxy close the connection carrying the ``after_bytes``-th byte from
    now in that direction (``"up"``: client to server, ``"down"``: server to client); ``times`` cuts in a row.
    """

    def __init__(self, target_port: int, *, bytes_per_s: float | None = None) -> None:
        self.target_port = target_port
        self.bytes_per_s = bytes_per_s
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._budget: dict[str, int] = {}
        self._times: dict[str, int] = {}
        self.cuts = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self, after_bytes: int, direction: str = "up", times: int = 1) -> None:
        with self._lock:
            self._budget[direction] = after_bytes
            self._times[direction] = times

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            for source, sink, direction in ((client, upstream, "up"), (upstream, client, "down")):
                threading.Thread(
                    target=self._pump, args=(source, sink, direction, client, upstream), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, direction: str, *both: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                cut = False
                with self._lock:
                    if self._times.get(direction, 0) > 0:
                        budget = self._budget[direction]
                        if len(data) >= budget:
                            data = data[:budget]
                            cut = True
                            self._times[direction] -= 1
                            self._budget[direction] = self._budget.get(f"{direction}-again", budget)
                            self.cuts += 1
                        else:
                            self._budget[direction] = budget - len(data)
                if data:
                    sink.sendall(data)
                    if self.bytes_per_s:
                        time.sleep(len(data) / self.bytes_per_s)
                if cut:
                    break
        except OSError:
            pass
        finally:
            for sock in both:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


PASSWORD = "correct horse battery"


def add_signed_case(
    site: Site, code: str, *, design: bytes, dicom: bytes | None = None, user_suffix: str | None = None
) -> dict[str, str]:
    """A case at ``site`` with users (``eng-``/``doc-`` and the site name or ``user_suffix``), a design (mesh),
    optionally a DICOM instance (withheld), a check and a clinician's signature; returns the artifacts' SHA-256 by
    name."""
    envelope = parse_envelope(
        """[envelope]
id = "cranial-test"
version = "1"
family = "cranial_plate"
title = "test envelope"
validation_report = "VR-1"
approved_by = "QA"
approved_on = 2026-01-01

[[parameter]]
name = "design.min_wall_thickness"
unit = "mm"
min = 2.0
max = 8.0
""",
        "",
        {"design.min_wall_thickness": "mm"},
    )
    store = site.store
    manifest_id = current_manifest().manifest_id
    record_selftest(SelftestResult(True, manifest_id, (), 0.0, "2026-01-01T00:00:00+00:00"), site.home)
    users = load_users(store)
    suffix = site.name if user_suffix is None else user_suffix
    engineer, doctor = f"eng-{suffix}", f"doc-{suffix}"
    if engineer not in users:
        add_user(store, engineer, printed_name=f"Erin {site.name}", role="engineer", password=PASSWORD)
        add_user(store, doctor, printed_name=f"Dr {site.name}", role="clinician", password=PASSWORD)
    store.append("case_created", case_code=code, payload={})
    store.set_patient_identity(code, name="Doe^Jane", patient_id="H-991", birth_date="1970-02-03")
    shas = {"design": store.put_artifact(design, "mesh")}
    if dicom is not None:
        shas["dicom"] = store.put_artifact(dicom, "dicom")
    store.append("inputs_added", case_code=code, payload=dict(shas), actor=engineer)
    parameters = Parameters((ParameterValue("design.min_wall_thickness", 4.0, "mm"),), manifest_id)
    shas["parameters"] = store.put_artifact(parameters.canonical_bytes(), "parameters")
    store.append("check_run", case_code=code, payload=check(envelope, parameters, manifest_id).to_json())
    sign(store, code, doctor, PASSWORD, "clinical design confirmation", home=site.home)
    return shas


def assert_converged(server_store: ServerStore, *sites: Site) -> None:
    """Every site and the server hold the same events; every chain and signature verifies everywhere."""
    expected = server_hashes(server_store)
    for site in sites:
        assert site.hashes() == expected, f"site {site.name} differs from the server"
        audit = site.store.verify(signature_checker(site.store))
        assert audit.ok, audit.problems
    audit = server_store.verify()
    assert audit.ok, audit.problems
    assert audit.events == len(expected)


def settle(url: str, *sites: Site, rounds: int = 5) -> None:
    """Sync every site in turn until a whole round moves nothing (markers written in one round travel next)."""
    for _ in range(rounds):
        moved = 0
        for site in sites:
            result = site.sync(url)
            moved += result.pushed + result.pulled + result.artifacts_pushed + result.artifacts_pulled
        if not moved:
            return
    raise AssertionError(f"the sites did not settle in {rounds} rounds")
