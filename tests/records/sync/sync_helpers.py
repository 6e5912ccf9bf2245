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

from base.progress import CancelToken
from records.events import Event
from records.selftests import record_selftest
from records.signatures import sign, signature_checker
from records.store import Store
from records.sync.client import SyncConnection, SyncResult, load_credentials, sync
from records.users import Session, add_user, setup_admin, sign_in, trust_site
from server.app import create_app
from server.store import ServerStore
from validation.check import check
from validation.envelope import parse_envelope
from validation.manifest import current_manifest
from validation.parameters import Parameters, ParameterValue

PG_ENV = "DVW_TEST_POSTGRES_URL"
REPO = Path(__file__).resolve().parents[3]
METRICS_TOKEN = "test-metrics-token-5f0c2a9e41d7"
"""The ``/metrics`` bearer token of the test servers."""


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

    def __init__(self, db: str, *, metrics_token: str | None = METRICS_TOKEN) -> None:
        self.db = db
        self.store = ServerStore.open(db)
        self.port = free_port()
        app = create_app(self.store, metrics_token=metrics_token)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=False)
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
        """Start uvicorn (its ``/metrics`` token file in the home folder) and wait until it is healthy."""
        command = [sys.executable, "-m", "uvicorn", "--factory", "server.app:create_app_from_environment"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers), "--no-access-log"]
        self.home.mkdir(parents=True, exist_ok=True)
        token_file = self.home / "metrics-token"
        token_file.write_text(METRICS_TOKEN + "\n", encoding="utf-8")
        env = {**os.environ, "DVW_SERVER_DB": self.db, "DVW_METRICS_TOKEN_FILE": str(token_file)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
        wait_healthy(self.url)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

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
    """A workstation: a real store in its own home, joined to a server, with its people once set up."""

    name: str
    store: Store
    clients: list[httpx.Client] = field(default_factory=list)
    people: dict[str, Session] = field(default_factory=dict)

    suffix: str = ""

    def person(self, role: str, suffix: str | None = None) -> Session:
        """The signed-in user of ``role`` (``admin``, ``engineer``, ``clinician``, ``quality``), added on first use.

        Their ids are ``admin-``, ``eng-``, ``doc-`` and ``qa-`` with the site name (or ``suffix``, given before the
        first person is made): a site speaks only for its own users, so sites sharing a server give theirs their own
        ids. The site's administrator is set up first (``dvw setup``) and adds the others; the quality user records
        a passed self-test for this manifest, so sign-off is open.
        """
        if not self.people:
            self.suffix = self.name if suffix is None else suffix
            setup_admin(self.store, f"admin-{self.suffix}", printed_name=f"Ada {self.name}", password=PASSWORD)
            self.people["admin"] = sign_in(self.store, f"admin-{self.suffix}", PASSWORD)
        if role not in self.people:
            user_id = f"{_ID_PREFIX[role]}-{self.suffix}"
            name = f"{_NAME_PREFIX[role]} {self.name}"
            add_user(self.store, user_id, printed_name=name, role=role, password=PASSWORD, by=self.people["admin"])
            self.people[role] = sign_in(self.store, user_id, PASSWORD)
            if role == "quality":
                manifest = current_manifest().manifest_id
                result = {"manifest_id": manifest, "passed": True, "cases": [], "seconds": 0.0}
                record_selftest(self.store, result, by=self.people[role])
        return self.people[role]

    def append(self, kind: str, *, case_code: str | None, payload: dict[str, Any], **options: Any) -> Event:
        """Append an event as the site's engineer (every event names and is attested by who did it)."""
        return self.store.append(kind, case_code=case_code, payload=payload, by=self.person("engineer"), **options)

    def trust(self, *others: Site) -> None:
        """The site's administrator records that it accepts the other sites' events (they met on the server)."""
        for other in others:
            trust_site(self.store, other.store.site_id, by=self.person("admin"), name=other.name)

    @property
    def home(self) -> Path:
        return self.store.home

    def sync(self, url: str, **options: Any) -> SyncResult:
        """One sync run by the site's engineer (who trusts the server's sites this store meets for the first time)."""
        options.setdefault("backoff_s", 0.05)
        options.setdefault("by", self.person("engineer"))
        return sync(self.store, url, **options)

    def connection(
        self, url: str, *, retries: int = 0, backoff_s: float = 0.05, cancel: CancelToken | None = None
    ) -> SyncConnection:
        http = httpx.Client(base_url=url, timeout=30.0)
        self.clients.append(http)
        return SyncConnection(
            load_credentials(self.home),
            self.store.site_id,
            http=http,
            retries=retries,
            backoff_s=backoff_s,
            cancel=cancel,
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


_ID_PREFIX = {"admin": "admin", "engineer": "eng", "clinician": "doc", "quality": "qa"}
_NAME_PREFIX = {"admin": "Ada", "engineer": "Erin", "clinician": "Dr", "quality": "Quinn"}


def trust_each_other(*sites: Site) -> None:
    """Every site accepts every other site's events (recorded by its administrator)."""
    for site in sites:
        site.trust(*(other for other in sites if other is not site))


def add_signed_case(
    site: Site, code: str, *, design: bytes, dicom: bytes | None = None, user_suffix: str | None = None
) -> dict[str, str]:
    """A case at ``site`` (its people set up first, see :meth:`Site.person`), a design (mesh), optionally a DICOM
    instance (withheld), a check and the clinician's signature; returns the artifacts' SHA-256 by name."""
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
    engineer = site.person("engineer", user_suffix)
    doctor = site.person("clinician")
    site.person("quality")  # the self-test record that opens sign-off
    manifest_id = current_manifest().manifest_id
    store.append("case_created", case_code=code, payload={}, by=engineer)
    store.set_patient_identity(code, name="Doe^Jane", patient_id="H-991", birth_date="1970-02-03")
    shas = {"design": store.put_artifact(design, "mesh")}
    if dicom is not None:
        shas["dicom"] = store.put_artifact(dicom, "dicom")
    store.append("inputs_added", case_code=code, payload=dict(shas), by=engineer)
    parameters = Parameters((ParameterValue("design.min_wall_thickness", 4.0, "mm"),), manifest_id)
    shas["parameters"] = store.put_artifact(parameters.canonical_bytes(), "parameters")
    store.append("check_run", case_code=code, payload=check(envelope, parameters, manifest_id).to_json(), by=engineer)
    sign(
        store,
        code,
        doctor.user_id,
        PASSWORD,
        "clinical design confirmation",
        manifest_id=current_manifest().manifest_id,
    )
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
