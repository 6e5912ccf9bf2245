"""Reopening a case in a new window: its volume, mask, meshes, design and last check come back from the work folder
and the records, in the background; a changed file is reported and not loaded; the language switches at once.

The store is a copy of the ``pipeline`` fixture's (the sample case run through the GUI's steps and recorded), with
each case's work folder holding every file the steps write for it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from gui_support import PipelineResults
from pytestqt.qtbot import QtBot

from app.gui import reopen, steps
from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from imaging.progress import CancelToken
from records.store import Store

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def store_copy(pipeline: PipelineResults, tmp_path: Path) -> Path:
    """A copy of the pipeline's store in which each case's work folder holds the volume, mask and anatomy too."""
    home = tmp_path / "home"
    shutil.copytree(pipeline.home, home)
    shared = steps.work_folder(home, "SHOT")
    for code in ("SHOT-FITTED", "SHOT-THIN"):
        for name in (reopen.VOLUME_FILE, reopen.MASK_FILE, reopen.ANATOMY_FILE):
            shutil.copyfile(shared / name, steps.work_folder(home, code) / name)
    return home


def _window(qtbot: QtBot, settings: GuiSettings) -> MainView:
    window = MainView(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: not window.warmup_worker.running, timeout=30_000)
    return window


def _quiet(_fraction: float, _message: str) -> None:
    return None


def test_the_reopened_check_is_the_recorded_one(store_copy: Path, pipeline: PipelineResults) -> None:
    reopened = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert reopened.loaded == ("volume", "mask", "anatomy", "design", "check")
    assert reopened.problems == ()
    assert reopened.outcome is not None
    with Store.open(store_copy) as store:
        state = store.case("SHOT-THIN")
    assert state.check is not None
    recorded = {key: state.check.payload[key] for key in pipeline.outcomes["thin"].result.to_json()}
    assert reopened.outcome.result.to_json() == recorded == pipeline.outcomes["thin"].result.to_json()
    assert reopened.anatomy is not None
    assert reopened.anatomy.stored.sha256 == pipeline.anatomy.stored.sha256
    assert reopened.anatomy.result.metrics.triangles == pipeline.anatomy.result.metrics.triangles
    assert reopened.design is not None
    assert reopened.design.info.wall == pipeline.designs["thin"].info.wall


def test_opening_a_case_in_a_new_window_shows_its_work(
    qtbot: QtBot, store_copy: Path, pipeline: PipelineResults, tmp_path: Path
) -> None:
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store_copy))
    first = _window(qtbot, settings)
    first.cases_panel.open_case("SHOT-FITTED")
    with qtbot.waitSignal(first.cases_panel.load_worker.finished, timeout=60_000):
        pass
    first.close()

    window = _window(qtbot, settings)
    assert window.slices.volume is None
    assert window.scene.anatomy is None
    window.show_step("check")
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case("SHOT-THIN")
    expected = pipeline.imported.result.volume
    volume = window.slices.volume
    assert volume is not None
    assert volume.voxels.shape == expected.voxels.shape
    assert volume.spacing == pytest.approx(expected.spacing)
    assert window.slices.views["axial"].mask_volume is window.workspace.mask
    assert window.scene.anatomy is not None
    assert window.scene.anatomy.n_triangles == pipeline.anatomy.stored.mesh.n_triangles
    assert window.scene.design is not None
    assert window.scene.design.n_triangles == pipeline.designs["thin"].stored.mesh.n_triangles
    assert window.scene.wall_map_shown  # the design measured again as a loaded one is: coloured by its walls
    check = window.check_panel
    outcome = pipeline.outcomes["thin"].result
    assert check.table.rowCount() == len(outcome.results) + len(outcome.constraints)
    assert check.banner.verdict == "out_of_envelope"
    assert "design.min_wall_thickness" in check.table.flagged
    assert check.check_button.isEnabled()
    assert window.scene.markers
    assert "256 x 256 x 120" in window.import_panel.summary_label.text()
    assert str(pipeline.anatomy.result.metrics.triangles) in window.segment_panel.metrics_label.text()
    assert window.stack.currentWidget() is check  # the step shown stays
    assert "volume, mask, anatomy mesh, design, last check loaded" in window.statusBar().currentMessage()
    assert window.last_error is None

    # The language switches at once: a new window in Chinese, the same case, results and step.
    dialog = window.open_settings()
    dialog.set_language("zh_CN")
    try:
        dialog.accept()
        chinese = window.replacement
        assert chinese is not None
        qtbot.addWidget(chinese)
        qtbot.waitExposed(chinese)
        assert not window.isVisible()
        assert chinese.case_model.code == "SHOT-THIN"
        assert "病例" in chinese.case_label.text()
        assert CJK.search(chinese.check_panel.banner.text())
        assert CJK.search(chinese.check_panel.check_button.text())
        assert chinese.check_panel.table.rowCount() == check.table.rowCount()
        assert chinese.scene.design is window.scene.design
        assert chinese.stack.currentWidget() is chinese.check_panel
        assert (chinese.width(), chinese.height()) == (window.width(), window.height())
        dialog = chinese.open_settings()
        dialog.set_language("en")
        dialog.accept()
        english = chinese.replacement
        assert english is not None
        qtbot.addWidget(english)
        assert english.check_panel.check_button.text() == "Run check"
        assert "Case SHOT-THIN" in english.case_label.text()
        assert settings.language == "en"
    finally:
        install_language("en")


def test_a_changed_file_is_reported_and_not_loaded(qtbot: QtBot, store_copy: Path, tmp_path: Path) -> None:
    folder = steps.work_folder(store_copy, "SHOT-FITTED")
    design = folder / "design.stl"
    design.write_bytes(design.read_bytes() + b"\0")
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store_copy))
    window = _window(qtbot, settings)
    window.cases_panel.open_case("SHOT-FITTED")
    # A step (loading the case) is running: the language is not switched, and the user is told why.
    dialog = window.open_settings()
    dialog.set_language("zh_CN")
    dialog.accept()
    assert window.replacement is None
    assert window.notice_box is not None
    assert window.notice_box.isVisible()
    assert settings.language == "en"
    window.notice_box.close()
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        pass
    assert window.last_error is not None
    assert window.last_error.code == "artifact_changed"
    assert "design.stl" in window.last_error.message
    assert window.error_box is not None
    assert window.error_box.isVisible()
    assert window.workspace.design is None
    assert window.workspace.outcome is None  # the check measured the design as recorded, not this one
    assert window.workspace.anatomy is not None
    assert window.scene.design is None
    assert "volume, mask, anatomy mesh loaded" in window.statusBar().currentMessage()
