"""Fixtures for the GUI tests: real windows under Xvfb, a store in a temporary home, the generated sample case.

Run under a real X server (``xvfb-run``): the 3D view is a VTK OpenGL widget, which the ``offscreen`` Qt platform
cannot host.
"""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from gui_support import ENVELOPE, PipelineResults
from people import People
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QApplication

from app.gui import i18n, steps
from app.gui.settings import GuiSettings
from app.workers import active_jobs, wait_for_workers
from app.workers.process import process_runner
from base.progress import CancelToken
from geometry.io import write_mesh
from geometry.sample_design import sample_plate
from imaging.sample_case import SAMPLE_PATIENT_FACTS, write_sample_dicom
from imaging.segment import SegmentParams


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("DISPLAY"):
        raise pytest.UsageError("the GUI tests need an X display: run them under xvfb-run")


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


@pytest.fixture(scope="session")
def sample_dicom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated sample head CT written as a DICOM series (what ``dvw demo`` uses)."""
    folder = tmp_path_factory.mktemp("sample-dicom")
    write_sample_dicom(folder)
    return folder


@pytest.fixture(scope="session")
def sample_designs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample cranial plates as STL files: ``fitted`` (within the sample envelope) and ``thin`` (out of it)."""
    folder = tmp_path_factory.mktemp("designs")
    return {v: write_mesh(sample_plate(v), folder / f"plate-{v}.stl").path for v in ("fitted", "thin")}


def _quiet(_fraction: float, _message: str) -> None:
    return None


@pytest.fixture(scope="session")
def pipeline(
    tmp_path_factory: pytest.TempPathFactory,
    sample_dicom: Path,
    sample_designs: dict[str, Path],
    _people_template: tuple[Path, People],
) -> PipelineResults:
    """Both sample designs checked by the engineer as cases ``SHOT-FITTED`` and ``SHOT-THIN`` in a store of their own
    (a copy of the set-up workstation of ``tests/people.py``)."""
    template, people = _people_template
    home = tmp_path_factory.mktemp("pipeline") / "home"
    shutil.copytree(template, home)
    cancel = CancelToken()
    scan = steps.scan(sample_dicom, _quiet, cancel)
    out = steps.work_folder(home, "SHOT")
    imported = steps.import_series(scan.usable_volumes[0], out, _quiet, cancel)
    segmentation = steps.segment_volume(imported, SegmentParams.from_preset("bone", keep_largest=1), _quiet, cancel)
    anatomy = steps.mesh_anatomy(segmentation.mask, out, _quiet, cancel)
    results = PipelineResults(home, scan, imported, segmentation, anatomy)
    for variant, path in sample_designs.items():
        code = f"SHOT-{variant.upper()}"
        design = steps.load_design(path, steps.work_folder(home, code), _quiet, cancel)
        inputs = steps.CheckInputs(home, code, imported, anatomy, design, ENVELOPE, dict(SAMPLE_PATIENT_FACTS))
        results.designs[variant] = design
        results.outcomes[variant] = steps.check_design(inputs, people.engineer, _quiet, cancel)
    return results
