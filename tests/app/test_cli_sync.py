"""``dvw serve``, ``dvw server enroll-site``, ``dvw site join`` and ``dvw sync`` run as CLI.md writes them.

The server runs as ``dvw serve --workers 2`` in a subprocess against PostgreSQL (``DVW_TEST_POSTGRES_URL``; skipped
locally when unset, failed under CI) or, in the SQLite variant, as ``dvw serve`` on its default SQLite file.
"""

from __future__ import annotations

import importlib.util
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
from app.commands.sync_commands import NOT_IN_BUNDLE
from records.store import Store
from records.users import sign_in, trust_site

PG_ENV = "DVW_TEST_POSTGRES_URL"
REPO = Path(__file__).resolve().parents[2]
METRICS_TOKEN = "cli-metrics-token-8d41be07c3"


PASSWORD = "cli-sync-password-1"


def _run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
) -> tuple[int, Any, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
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
    token_file = tmp_path / "metrics-token"
    token_file.write_text(METRICS_TOKEN + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "app.cli", "--home", str(home), "serve", *db_args, "--port", str(port)]
    command += ["--metrics-token-file", str(token_file)]
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

    join_a = ["--home", a, "site", "join", "--server", url, f"--token={enrolled['token']}"]  # older tokens: "-..."
    code, _, err = _run(capsys, monkeypatch, *join_a)
    assert code == 0, err
    code, error, _ = _run(
        capsys, monkeypatch, "--home", b, "site", "join", "--server", url, f"--token={enrolled['token']}", "--json"
    )
    assert code == 2
    assert error["error"]["code"] == "enrolment"
    code, _, err = _run(capsys, monkeypatch, "--home", b, "site", "join", "--server", url, f"--token={second['token']}")
    assert code == 0, err

    # Each workstation is set up by its own administrator (site-specific ids: a site speaks only for its users),
    # and accepts the other site's events.
    for home, suffix in ((a, "a"), (b, "b")):
        setup = ["--home", home, "setup", "--admin", f"admin-{suffix}", "--name", f"Ada {suffix}", "--password-stdin"]
        assert _run(capsys, monkeypatch, *setup, stdin=f"{PASSWORD}\n")[0] == 0
    for home, suffix, other in ((a, "a", b), (b, "b", a)):
        with Store.open(Path(home)) as store, Store.open(Path(other)) as peer:
            trust_site(store, peer.site_id, by=sign_in(store, f"admin-{suffix}", PASSWORD))
    new_case = ["case", "new", "CP-1", "--patient-name", "Doe^Jane", "--user", "admin-a", "--password-stdin"]
    assert _run(capsys, monkeypatch, "--home", a, *new_case, stdin=f"{PASSWORD}\n")[0] == 0
    with Store.open(Path(a)) as store:
        events_a = len(store.events())
    with Store.open(Path(b)) as store:
        events_b = len(store.events())
    code, pushed, _ = _run(capsys, monkeypatch, "--home", a, "sync", "--server", url, "--json")
    assert code == 0
    assert (pushed["pushed"], pushed["pulled"], pushed["conflicts"]) == (events_a, 0, [])
    code, pulled, _ = _run(capsys, monkeypatch, "--home", b, "sync", "--server", url, "--json")
    assert code == 0, pulled
    assert pulled["pulled"] == events_a
    assert pulled["pushed"] == events_b + 1  # B's own events and its record of what it received
    code, listed, _ = _run(capsys, monkeypatch, "--home", b, "case", "list", "--json")
    assert [case["code"] for case in listed["cases"]] == ["CP-1"]
    code, human, err = _run(capsys, monkeypatch, "--home", a, "sync", "--server", url)
    assert code == 0
    assert human == {}
    assert f"pulled {events_b + 1} events" in err

    code, conflicts, _ = _run(capsys, monkeypatch, "--home", a, "site", "conflicts", "--json")
    assert (code, conflicts) == (0, {"conflicts": []})
    code, audit, _ = _run(capsys, monkeypatch, *admin, "verify", *db_args, "--json")
    assert code == 0
    total = events_a + events_b + 1  # B's record of A's case (A received no case events: no record of its own)
    assert (audit["ok"], audit["sites"], audit["events"]) == (True, 2, total)

    assert httpx.get(f"{url}/metrics").status_code == 401
    metrics = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert f"dvw_sync_events {float(total)}" in metrics
    assert "dvw_sync_requests_total" in metrics  # with PostgreSQL: aggregated over the two workers


def test_serve_refuses_a_bad_metrics_token_file_and_database_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = str(tmp_path / "server-home")
    missing = str(tmp_path / "no-such-token")
    code, _, err = _run(capsys, monkeypatch, "--home", home, "serve", "--metrics-token-file", missing)
    assert code == 2
    assert err.startswith("dvw: error: cannot read the metrics token file")
    assert len(err.strip().splitlines()) == 1, err
    short = tmp_path / "short-token"
    short.write_text("abc\n", encoding="utf-8")
    code, _, err = _run(capsys, monkeypatch, "--home", home, "serve", "--metrics-token-file", str(short))
    assert code == 2
    assert "16 to 4096 printable ASCII" in err

    # A database that fails after it opened (a table gone): one line, exit 2, no SQLAlchemy "Background" text.
    db = tmp_path / "server.sqlite"
    db_args = ["--db", f"sqlite:///{db}"]
    code, _, _ = _run(capsys, monkeypatch, "--home", home, "server", "enroll-site", "Hospital A", *db_args, "--json")
    assert code == 0
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE enrolments")
    engine.dispose()
    for args in (["enroll-site", "Hospital B", *db_args], ["enroll-site", "Hospital B", *db_args, "--json"]):
        code, error, err = _run(capsys, monkeypatch, "--home", home, "server", *args)
        assert code == 2, err
        assert "no such table: enrolments" in err
        assert "Background" not in err
        assert "[SQL" not in err
        assert len(err.strip().splitlines()) == 1, err
    assert error["error"]["code"] == "server_store"
    code, error, err = _run(
        capsys,
        monkeypatch,
        "--home",
        home,
        "server",
        "verify",
        "--db",
        "postgresql+psycopg://u@h:notaport/db",
        "--json",
    )
    assert code == 2, err
    assert error["error"]["code"] == "server_store"


@pytest.mark.parametrize("missing", ["server", "fastapi", "uvicorn", "prometheus_client"])
def test_serve_and_server_refuse_in_one_line_without_the_server_extra(
    missing: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # DVW installed without dvw[server] (or the desktop bundle): the server package or one of its libraries is absent.
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name == missing else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    home = str(tmp_path / "home")
    for command in (["serve"], ["server", "verify"], ["server", "enroll-site", "Hospital A"]):
        code, _, err = _run(capsys, monkeypatch, "--home", home, *command)
        assert code == 2, err
        assert err.strip() == f"dvw: error: {NOT_IN_BUNDLE}"
    assert not (tmp_path / "home" / "server").exists()
