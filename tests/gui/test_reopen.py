"""Reopening a case in a new window: its volume, mask, meshes, design and last check come back from the work folder
and the records, in the background; a changed file is reported and not loaded; the language switches at once.

The store is a copy of the ``pipeline`` fixture's (``store_copy``: the sample case run through the steps and
recorded, each case's work folder holding every file the steps write for it, with their sidecars). What
:func:`workflow.reopen.reopen_case` loads is tested in ``tests/workflow/test_reopen_case.py``; here the window shows it.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from gui_support import ENGINEER, open_window
from pytestqt.qtbot import QtBot
from sample_pipeline import PipelineResults

from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from base.progress import CancelToken
from imaging.segment import SegmentParams
from records.store import Store
from workflow import folder as work_files
from workflow import reopen, steps

CJK = re.compile(r"[\u4e00-\u9fff]")


def _window(qtbot: QtBot, settings: GuiSettings) -> MainView:
    return open_window(qtbot, settings)  # signed in as the engineer


def _quiet(_fraction: float, _message: str) -> None:
    return None


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
    deviation = pipeline.anatomy.result.metrics.surface_deviation
    assert deviation is not None  # as the mesh step reported it (bone.mesh.json)
    assert (
        f"mean {deviation.mean_mm:.3f} mm, max {deviation.max_mm:.3f} mm" in window.segment_panel.metrics_label.text()
    )
    findings = window.import_panel.findings_list
    assert [findings.item(row).text() for row in range(findings.count())] == [
        "info: Reopened from the case's saved volume; the findings are those recorded at its import"
    ]
    assert "(ct.import.json)" in findings.item(0).toolTip()  # the core's own line, with the file, on hover
    assert window.stack.currentWidget() is check  # the step shown stays
    assert "volume, mask, anatomy mesh, design, last check loaded" in window.statusBar().currentMessage()
    assert window.last_error is None

    # What was entered for the steps is one object of the workspace, which the panels show and change.
    segment = window.segment_panel
    segment.preset_combo.setCurrentIndex(segment.preset_combo.findData("skin"))
    segment.lower_spin.setValue(-250.0)
    segment.keep_spin.setValue(2)
    segment.fill_check.setChecked(True)
    check.age_spin.setValue(46)
    check.weight_spin.setValue(72.5)
    entered = window.workspace.entries
    assert entered.segment is not None
    assert (entered.segment.preset, entered.segment.lower_hu, entered.segment.keep_count) == ("skin", -250.0, 2)
    assert entered.segment.fill_holes
    assert segment.params() == entered.segment.params()
    assert check.patient_facts() == entered.check.patient_facts() == {"age_years": 46.0, "weight_kg": 72.5}

    # The language switches at once: a new window in Chinese, the same case, results, entries and step.
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
        assert chinese.session_model.user is not None  # the same user stays signed in
        assert chinese.session_model.user.user_id == ENGINEER
        assert window.session_model.session is None  # the session lives in one window's model only
        assert "病例" in chinese.case_label.text()
        assert CJK.search(chinese.check_panel.banner.text())
        assert CJK.search(chinese.check_panel.check_button.text())
        assert chinese.check_panel.table.rowCount() == check.table.rowCount()
        assert chinese.scene.design is window.scene.design
        assert chinese.workspace.entries == entered
        assert chinese.segment_panel.preset_combo.currentData() == "skin"
        assert (chinese.segment_panel.lower_spin.value(), chinese.segment_panel.keep_spin.value()) == (-250.0, 2)
        assert chinese.segment_panel.fill_check.isChecked()
        assert (chinese.check_panel.age_spin.value(), chinese.check_panel.weight_spin.value()) == (46.0, 72.5)
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
    folder = work_files.work_folder(store_copy, "SHOT-FITTED")
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


def test_a_mesh_made_after_the_last_check_is_loaded_without_that_check(
    qtbot: QtBot, store_copy: Path, pipeline: PipelineResults, tmp_path: Path
) -> None:
    before = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert before.imported is not None
    cancel = CancelToken()
    params = dataclasses.replace(SegmentParams.from_preset("bone", keep_largest=1), lower_hu=500.0)
    segmentation = steps.segment_volume(before.imported, params, _quiet, cancel)
    folder = work_files.work_folder(store_copy, "SHOT-THIN")
    remeshed = steps.mesh_anatomy(segmentation.mask, folder, _quiet, cancel)
    assert remeshed.stored.sha256 != pipeline.anatomy.stored.sha256
    with Store.open(store_copy) as store:
        events = len(store.events())

    reopened = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert reopened.loaded == ("volume", "mask", "anatomy", "design")
    assert reopened.outcome is None  # the last check measured the earlier mesh
    assert reopened.errors == ()
    messages = [note.message for note in reopened.notes]
    assert messages[:2] == [
        "bone-mask.nrrd was made after the case's last check and has not been checked; it was loaded",
        "bone.stl was made after the case's last check and has not been checked; it was loaded",
    ]
    assert messages[2].startswith("the case's last check measured other files than those loaded")
    assert "bone-mask.nrrd, bone.stl" in messages[2]
    assert reopened.problems == reopened.notes
    assert reopened.anatomy is not None
    assert reopened.anatomy.stored.sha256 == remeshed.stored.sha256
    assert reopened.anatomy.mask_sha256 == remeshed.mask_sha256
    assert reopened.anatomy.result.metrics == remeshed.result.metrics
    assert reopened.anatomy.result.metrics.triangles != pipeline.anatomy.result.metrics.triangles
    with Store.open(store_copy) as store:
        assert len(store.events()) == events  # the records are not touched

    # In a window: the new mesh is shown with the notes, and no check outcome at all.
    window = _window(qtbot, GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store_copy)))
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case("SHOT-THIN")
    assert window.workspace.outcome is None
    assert window.check_panel.table.rowCount() == 0
    assert window.scene.anatomy is not None
    assert window.scene.anatomy.n_triangles == remeshed.stored.mesh.n_triangles
    # The notes are information, not an error: nothing failed.
    assert window.last_error is None
    assert window.notice_box is not None
    assert window.notice_box.isVisible()
    assert "has not been checked" in window.notice_box.text()
    assert "bone.stl was made after the case's last check and has not been checked" in window.notice_box.text()
    assert "volume, mask, anatomy mesh, design loaded" in window.statusBar().currentMessage()
    window.close()

    # The mesh's bytes changed by hand (its sidecar not): changed, not loaded, as without sidecars.
    stl = folder / work_files.ANATOMY_FILE
    stl.write_bytes(stl.read_bytes()[:-50] + bytes(50))
    reopened = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert reopened.loaded == ("volume", "mask", "design")
    assert [problem.code for problem in reopened.errors] == ["artifact_changed"]
    assert reopened.errors[0].message.startswith("bone.stl changed since it was recorded")
    assert reopened.problems[0] == reopened.errors[0]
    assert reopened.outcome is None
