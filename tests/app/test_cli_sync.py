"""``dvw serve``, ``dvw server enroll-site``, ``dvw site join`` and ``dvw sync`` run as CLI.md writes them.

The server runs as ``dvw serve --workers 2`` in a subprocess against PostgreSQL (``DVW_TEST_POSTGRES_URL``; skipped
locally when unset, failed under CI) or, in the SQLite variant, as ``dvw serve`` on its default SQLite file.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.cli import main

PG_ENV = "DVW_TEST_POSTGRES_URL"
REPO = Path(__file__).resolve().parents[2]


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, Any, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """None for the default SQLite database of ``dvw serve``, or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_ENV} is not set: CI must run the PostgreSQL sync tests (.ci/postgres.sh)")
        pytest.skip(f"{PG_ENV} is not set (start PostgreSQL with .ci/postgres.sh)")
    base = sa.make_url(url)
    name = f"dvw_cli_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def serve(database: str | None, tmp_path: Path) -> Iterator[tuple[str, list[str], Path]]:
    """``dvw serve`` in a subprocess (2 workers on PostgreSQL); yields its URL, the ``--db`` arguments and home."""
    home = tmp_path / "server-home"
    db_args = [] if database is None else ["--db", database]
    port = _free_port()
    command = [sys.executable, "-m", "app.cli", "--home", str(home), "serve", *db_args, "--port", str(port)]
    if database is not None:
        command += ["--workers", "2"]  # production: several workers share one PostgreSQL
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=REPO, stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url, db_args, home
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("message") == "request"]
    assert requests, "the server wrote no JSON request log lines"
    assert {"time", "level", "site", "route", "status", "duration_ms"} <= set(requests[0])


def test_enroll_join_and_sync_two_sites(
    serve: tuple[str, list[str], Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, db_args, server_home = serve
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    admin = ["--home", str(server_home), "server"]

    code, enrolled, _ = _run(capsys, monkeypatch, *admin, "enroll-site", "Hospital A", *db_args, "--json")
    assert code == 0
    assert enrolled["name"] == "Hospital A"
    code, error, _ = _run(capsys, monkeypatch, *admin, "enroll-site", "Hospital A", *db_args, "--json")
    assert code == 2
    assert error["error"]["code"] == "enrolment"
    code, second, _ = _run(capsys, monkeypatch, *admin, "enroll-site", "Hospital B", *db_args, "--json")
    assert code == 0

    # Not joined yet: a clear refusal.
    code, error, err = _run(capsys, monkeypatch, "--home", a, "sync", "--server", url, "--json")
    assert code == 2
    assert error["error"]["code"] == "not_joined"
    assert "dvw site join" in err

    code, _, err = _run(capsys, monkeypatch, "--home", a, "site", "join", "--server", url, "--token", enrolled["token"])
    assert code == 0, err
    code, error, _ = _run(
        capsys, monkeypatch, "--home", b, "site", "join", "--server", url, "--token", enrolled["token"], "--json"
    )
    assert code == 2
    assert error["error"]["code"] == "enrolment"
    code, _, err = _run(capsys, monkeypatch, "--home", b, "site", "join", "--server", url, "--token", second["token"])
    assert code == 0, err

    assert _run(capsys, monkeypatch, "--home", a, "case", "new", "CP-1", "--patient-name", "Doe^Jane")[0] == 0
    code, pushed, _ = _run(capsys, monkeypatch, "--home", a, "sync", "--server", url, "--json")
    assert code == 0
    assert (pushed["pushed"], pushed["pulled"], pushed["conflicts"]) == (1, 0, [])
    code, pulled, _ = _run(capsys, monkeypatch, "--home", b, "sync", "--server", url, "--json")
    assert code == 0
    assert pulled["pulled"] == 1
    assert pulled["pushed"] == 1  # B's record of what it received
    code, listed, _ = _run(capsys, monkeypatch, "--home", b, "case", "list", "--json")
    assert [case["code"] for case in listed["cases"]] == ["CP-1"]
    code, human, err = _run(capsys, monkeypatch, "--home", a, "sync", "--server", url)
    assert code == 0
    assert human == {}
    assert "pulled 1 events" in err

    code, conflicts, _ = _run(capsys, monkeypatch, "--home", a, "site", "conflicts", "--json")
    assert (code, conflicts) == (0, {"conflicts": []})
    code, audit, _ = _run(capsys, monkeypatch, *admin, "verify", *db_args, "--json")
    assert code == 0
    assert (audit["ok"], audit["sites"], audit["events"]) == (True, 2, 2)

    metrics = httpx.get(f"{url}/metrics").text
    assert "dvw_sync_events 2.0" in metrics
    assert "dvw_sync_requests_total" in metrics  # with PostgreSQL: aggregated over the two workers
