"""Fixtures for the sync tests: server databases (SQLite and a fresh PostgreSQL database), real servers, sites.

PostgreSQL comes from ``DVW_TEST_POSTGRES_URL`` (``.ci/postgres.sh`` starts one and prints it). When it is unset the
PostgreSQL variants skip, except under CI (``CI=true``), where they fail: CI must run them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sync_helpers import Site, ThreadServer, fresh_postgres_database

from records.store import Store
from records.sync.client import join
from server.store import ServerStore


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A server database URL: SQLite in the test's folder, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server' / 'dvw-server.sqlite'}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[Callable[..., Site]]:
    """``make_site(name, server_store, url, client=None)``: a new store, enrolled and joined."""
    opened: list[Site] = []

    def make(name: str, server_store: ServerStore, url: str, client: httpx.Client | None = None) -> Site:
        store = Store.open(tmp_path / name)
        site = Site(name, store)
        opened.append(site)
        token = server_store.enroll_site(name).token
        join(store, url, token, client=client)
        return site

    yield make
    for site in opened:
        for http in site.clients:
            http.close()
        site.store.close()


@pytest.fixture
def server(db_url: str) -> Iterator[ThreadServer]:
    """A real server on localhost over ``db_url`` (SQLite or PostgreSQL)."""
    running = ThreadServer(db_url)
    yield running
    running.stop()
