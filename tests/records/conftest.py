"""Fixtures for the store tests: a real store in a temporary home, hand edits of its SQLite file, and a second set-up
site (another site id than ``people_home``'s) for the tests that move events between sites."""

from __future__ import annotations

import functools
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from people import People, set_up_people

from records.models import append_only_triggers
from records.store import DB_NAME, Store


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    opened = Store.open(home)
    yield opened
    opened.close()


def _tamper(home: Path, *statements: str | tuple[str, tuple[object, ...]]) -> None:
    """Edit the store's SQLite file by hand, as someone with file access would: drop the append-only triggers, run
    the statements, and put the triggers back (so the audit sees only the edit itself)."""
    connection = sqlite3.connect(home / DB_NAME, isolation_level=None)
    try:
        connection.execute("BEGIN")
        for name in append_only_triggers():
            connection.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            if isinstance(statement, tuple):
                connection.execute(statement[0], statement[1])
            else:
                connection.execute(statement)
        for sql in append_only_triggers().values():
            connection.execute(sql)
        connection.execute("COMMIT")
    finally:
        connection.close()


@pytest.fixture
def tamper(home: Path) -> Callable[..., None]:
    """``tamper(*statements)``: hand-edit the store in ``home`` (see :func:`_tamper`)."""
    return functools.partial(_tamper, home)


@pytest.fixture(scope="session")
def _other_site_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, People]:
    """A second workstation set up like ``people_home``'s template, with its own site id: copied by tests."""
    home = tmp_path_factory.mktemp("other-site-template") / "home"
    with Store.open(home) as store:
        people = set_up_people(store)
    return home, people


@pytest.fixture
def other_site_home(tmp_path: Path, _other_site_template: tuple[Path, People]) -> tuple[Path, People]:
    """A fresh copy of another set-up site (the same users' ids as ``people_home``'s, but other users: another
    site, other keys) and its signed-in people."""
    template, people = _other_site_template
    home = tmp_path / "other-site"
    shutil.copytree(template, home)
    return home, people
