"""Fixtures for the store tests: a real store in a temporary home and hand edits of its SQLite file (a second set-up
site, ``other_site_home``, is in tests/conftest.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from case_support import tamper_store

from records.store import Store


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    opened = Store.open(home)
    yield opened
    opened.close()


@pytest.fixture
def tamper(home: Path) -> Callable[..., None]:
    """``tamper(*statements)``: hand-edit the store in ``home`` (see :func:`case_support.tamper_store`)."""
    return functools.partial(tamper_store, home)
