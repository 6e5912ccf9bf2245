"""Benchmark: one site pushes events and artifacts to a sync server on localhost, and resumes after a drop.

Setup: a site with N events (default 20,000: ``note`` events with ~250-byte payloads over 200 cases, plus one
``inputs_added`` per artifact) and M MB of artifacts (default 500 MB in 10 MB files of random bytes). The server
is ``dvw serve`` in its own process (one worker) on SQLite, and on PostgreSQL when ``DVW_TEST_POSTGRES_URL`` is set
(a fresh database is created and dropped).

Rows per backend:

- full sync: events/s of the ``push_events`` stage, MB/s of the ``push_artifacts`` stage (chunks of 4 MiB, each
  stored in the database; the server re-hashes every artifact on completion), and the whole sync's time;
- drop at 50 %: a second server (fresh database) and a copy of the site; a TCP proxy cuts the connection after
  half of the bytes the full sync sent; then ``dvw sync`` runs again: the time to resume (the re-run's duration,
  from the start of its ``state`` stage to ``confirm``) and how many bytes it sent (ideally the other half).

Run: ``uv run python benchmarks/sync.py [--events N] [--megabytes M] [--artifact-mb S]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from records.errors import SyncConnectionError  # noqa: E402
from records.events import NewEvent  # noqa: E402
from records.store import Store  # noqa: E402
from records.sync.client import SyncResult, join, sync  # noqa: E402
from records.users import setup_admin, sign_in  # noqa: E402
from server.store import ServerStore  # noqa: E402

REPO = _HERE.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(db: str, home: Path) -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "app.cli", "--home", str(home), "serve", "--db", db, "--port", str(port)]
    with (home.parent / f"serve-{port}.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the server did not start (see {home.parent})")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'server-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    base = sa.make_url(os.environ["DVW_TEST_POSTGRES_URL"])
    name = f"dvw_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class _CuttingProxy:
    """Forwards TCP to the server and closes everything once ``budget`` bytes went upstream."""

    def __init__(self, target_port: int, budget: int) -> None:
        self.target_port = target_port
        self.budget = budget
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, counted: bool) -> None:
        try:
            while data := source.recv(1 << 20):
                if counted:
                    with self._lock:
                        allowed = max(0, min(len(data), self.budget))
                        self.budget -= allowed
                    sink.sendall(data[:allowed])
                    if allowed < len(data):
                        break
                else:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self) -> None:
        self._listener.close()


def _make_site(home: Path, events: int, megabytes: int, artifact_mb: int) -> None:
    with Store.open(home) as store:
        setup_admin(store, "bench-admin", printed_name="Benchmark", password="benchmark-password-1")
        by = sign_in(store, "bench-admin", "benchmark-password-1")
        codes = [f"BENCH-{c:03d}" for c in range(200)]
        store.append_many([NewEvent("case_created", code, {}, by) for code in codes])
        count = megabytes // artifact_mb
        for index in range(count):
            sha = store.put_artifact(os.urandom(artifact_mb * 1024 * 1024), "mesh")
            store.append("inputs_added", case_code=codes[index % len(codes)], payload={f"design{index}": sha}, by=by)
        notes = max(0, events - len(codes) - count)
        for first in range(0, notes, 1000):
            store.append_many(
                [
                    NewEvent("note", codes[i % len(codes)], {"i": i, "text": "design note " + "x" * 200}, by)
                    for i in range(first, min(notes, first + 1000))
                ]
            )


def _join(home: Path, db: str, url: str) -> None:
    with ServerStore.open(db, migrate_schema=False) as server, Store.open(home) as store:
        join(store, url, server.enroll_site(f"bench-{uuid.uuid4().hex[:6]}").token)


def _stage(result: SyncResult, name: str) -> tuple[int, int, float]:
    stage = next(s for s in result.stages if s.name == name)
    return stage.items, stage.bytes, stage.seconds


def bench(kind: str, folder: Path, site: Path) -> dict[str, float]:
    row: dict[str, float] = {}
    with _database(kind, folder) as db:
        ServerStore.open(db).close()
        with _server(db, folder / f"{kind}-full") as url:
            home = folder / f"{kind}-site-full"
            shutil.copytree(site, home)
            _join(home, db, url)
            with Store.open(home) as store:
                start = time.perf_counter()
                result = sync(store, url)
                row["full_s"] = time.perf_counter() - start
            items, _, seconds = _stage(result, "push_events")
            row["events"] = items
            row["events_per_s"] = items / seconds
            _, sent, seconds = _stage(result, "push_artifacts")
            row["mb"] = sent / 1e6
            row["mb_per_s"] = sent / 1e6 / seconds
            total = sent + items * 330  # rough bytes on the wire: artifacts plus events
    with _database(kind, folder) as db:
        ServerStore.open(db).close()
        with _server(db, folder / f"{kind}-drop") as url:
            home = folder / f"{kind}-site-drop"
            shutil.copytree(site, home)
            _join(home, db, url)
            proxy = _CuttingProxy(int(url.rsplit(":", 1)[1]), total // 2)
            with Store.open(home) as store:
                try:
                    sync(store, f"http://127.0.0.1:{proxy.port}", retries=0)
                    raise RuntimeError("the proxy did not cut the sync")
                except SyncConnectionError:
                    pass
                proxy.close()
                start = time.perf_counter()
                resumed = sync(store, url)
                row["resume_s"] = time.perf_counter() - start
                row["resume_mb"] = resumed.bytes_pushed / 1e6
                row["resume_events"] = resumed.pushed
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--megabytes", type=int, default=500, help="total artifact size (MB of 2^20 bytes)")
    parser.add_argument("--artifact-mb", type=int, default=10, help="size of each artifact")
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("DVW_TEST_POSTGRES_URL") else [])
    with tempfile.TemporaryDirectory(prefix="dvw-bench-sync-") as temp:
        folder = Path(temp)
        site = folder / "site"
        _make_site(site, args.events, args.megabytes, args.artifact_mb)
        rows = {kind: bench(kind, folder, site) for kind in kinds}
    print(
        f"sync: one site pushes {args.events:,} events and {args.megabytes} MiB of artifacts "
        f"({args.artifact_mb} MiB each) to dvw serve on localhost (1 worker); 4 MiB chunks"
    )
    print(f"{'server db':<11} {'events/s':>9} {'MB/s':>7} {'full sync s':>12} {'resume s':>9} {'resent MB':>10}")
    for kind, row in rows.items():
        print(
            f"{kind:<11} {row['events_per_s']:>9,.0f} {row['mb_per_s']:>7.1f} {row['full_s']:>12.1f} "
            f"{row['resume_s']:>9.1f} {row['resume_mb']:>10.1f}"
        )
    print("resume: the re-run after the connection was cut at 50 % of the bytes (events already stored are skipped;")
    print("artifacts continue from the server's received offset); resent MB is what that re-run uploaded.")


if __name__ == "__main__":
    main()
