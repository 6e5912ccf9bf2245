"""Fixtures for the traceability tests: a store in the test's home and hand edits of its SQLite file."""

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
