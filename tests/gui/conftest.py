"""Fixtures for the GUI tests: real windows under Xvfb, a store in a temporary home, the generated sample case.

Run under a real X server (``xvfb-run``): the 3D view is a VTK OpenGL widget, which the ``offscreen`` Qt platform
cannot host.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from people import People
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from app.gui import i18n, signal_refs
from app.gui.settings import GuiSettings
from app.workers import active_jobs, wait_for_workers
from app.workers.process import process_runner


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("DISPLAY"):
        raise pytest.UsageError("the GUI tests need an X display: run them under xvfb-run")
    # As the window does (app.gui.app.create_application), before the first signal: PySide6 6.12.0's emit returns
    # True without a reference, and the run's emits alone would free True in the interpreter's final teardown.
    signal_refs.install()


@pytest.fixture(scope="session", autouse=True)
def _translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Compile the translations once, into a folder of the test session (the app loads them from there)."""
    folder = tmp_path_factory.mktemp("translations")
    os.environ["DVW_TRANSLATIONS_DIR"] = str(folder)
    i18n.build_translations(folder)
    return folder


@pytest.fixture(scope="session", autouse=True)
def _worker_process() -> Iterator[None]:
    """Stop the worker process at the end of the session."""
    yield
    process_runner().shutdown()


@pytest.fixture(autouse=True)
def _no_leaked_workers(qapp: QApplication) -> Iterator[None]:
    """Fail a test that leaves a background job running or a thread of Qt's global pool busy (STYLE rule 12)."""
    yield
    # Destroy what the test closed now, while the X display and the GL context are still consistent, not at a
    # random later point of another test.
    gc.collect()
    finished = wait_for_workers(20_000)
    assert finished, f"{active_jobs()} background job(s) still running after the test"
    assert active_jobs() == 0
    assert QThreadPool.globalInstance().activeThreadCount() == 0


@pytest.fixture
def gui_settings(tmp_path: Path, people_home: tuple[Path, People]) -> GuiSettings:
    """Settings in an INI file of the test, with the store of a set-up workstation (``people_home``)."""
    return GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(people_home[0]))


@pytest.fixture
def new_store_settings(tmp_path: Path) -> GuiSettings:
    """Settings in an INI file of the test, with a store not set up yet in ``tmp_path/new-home``."""
    return GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(tmp_path / "new-home"))
