"""Reopening a case in a new window: its volume, mask, meshes, design and last check come back from the work folder
and the records, in the background; a changed file is reported and not loaded; the language switches at once.

The store is a copy of the ``pipeline`` fixture's (the sample case run through the GUI's steps and recorded), with
each case's work folder holding every file the steps write for it (with their sidecars). The sidecars bring back
the import's findings and the anatomy's metrics; a file a step made after the last check is loaded with a note and
without that check's outcome; a file that matches neither its record nor its sidecar is not loaded.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from gui_support import ENGINEER, PipelineResults, open_window
from people import People
from pytestqt.qtbot import QtBot

from app.gui import reopen, steps
from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from base.progress import CancelToken
from geometry.io import read_mesh, write_mesh
from imaging.segment import SegmentParams
from imaging.series import scan_folder
from imaging.synthetic import SyntheticPatient, tilted_stack, write_ct_series
from records.events import CASE_CREATED
from records.store import Store

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def store_copy(pipeline: PipelineResults, tmp_path: Path) -> Path:
    """A copy of the pipeline's store in which each case's work folder holds the volume, mask and anatomy too."""
    home = tmp_path / "home"
    shutil.copytree(pipeline.home, home)
    shared = steps.work_folder(home, "SHOT")
    for code in ("SHOT-FITTED", "SHOT-THIN"):
        for name in (reopen.VOLUME_FILE, reopen.MASK_FILE, reopen.ANATOMY_FILE, *SIDECARS):
            shutil.copyfile(shared / name, steps.work_folder(home, code) / name)
    return home


SIDECARS = (steps.VOLUME_SIDECAR, steps.MASK_SIDECAR, steps.ANATOMY_SIDECAR)
#: A patient whose identity must never reach a sidecar.
PATIENT = SyntheticPatient(name="DOE^JANE", patient_id="PID-4711", birth_date="19700101", sex="F")


def _window(qtbot: QtBot, settings: GuiSettings) -> MainView:
    return open_window(qtbot, settings)  # signed in as the engineer


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
    deviation = pipeline.anatomy.result.metrics.surface_deviation
    assert deviation is not None  # as the mesh step reported it (bone.mesh.json)
    assert (
        f"mean {deviation.mean_mm:.3f} mm, max {deviation.max_mm:.3f} mm" in window.segment_panel.metrics_label.text()
    )
    findings = window.import_panel.findings_list
    assert [findings.item(row).text() for row in range(findings.count())] == [
        "info: reopened: reopened from ct.nrrd; the findings are those recorded when it was imported (ct.import.json)"
    ]
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
        assert chinese.session_model.user is not None  # the same user stays signed in
        assert chinese.session_model.user.user_id == ENGINEER
        assert window.session_model.session is None  # the session lives in one window's model only
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


def test_the_sidecars_bring_back_the_import_and_the_anatomy_as_made(
    store_copy: Path, pipeline: PipelineResults
) -> None:
    reopened = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert reopened.loaded == ("volume", "mask", "anatomy", "design", "check")
    assert reopened.problems == ()
    assert reopened.imported is not None
    imported, made = reopened.imported.result, pipeline.imported.result
    assert imported.series.description == made.series.description == "DVW sample head CT (synthetic, cranial defect)"
    assert (imported.series.kind, imported.series.modality, imported.series.spacing) == (
        "volume",
        "CT",
        (0.9, 0.9, 1.5),
    )
    assert (imported.input_sha256, imported.resampled) == (made.input_sha256, made.resampled)
    assert imported.findings[:-1] == made.findings
    assert imported.findings[-1].code == "reopened"
    assert imported.findings[-1].severity == "info"
    # The anatomy as the mesh step reported it, deviation from the isosurface included; not measured again.
    assert reopened.anatomy is not None
    result = reopened.anatomy.result
    assert result.metrics == pipeline.anatomy.result.metrics
    deviation = result.metrics.surface_deviation
    assert deviation is not None
    assert 0.0 < deviation.mean_mm < deviation.max_mm < 1.0
    assert result.parameters == pipeline.anatomy.result.parameters
    assert result.input_sha256 == pipeline.anatomy.mask_sha256
    assert [name for name, _ in result.stage_seconds] == ["isosurface", "smoothing", "reduction", "repair", "metrics"]


def _tilted_case(home: Path, dicom: Path, people: People) -> steps.ImportedVolume:
    """A small gantry-tilted series of :data:`PATIENT` imported as case ``TILT`` (no check recorded)."""
    voxels = np.full((10, 24, 24), -1000.0)
    voxels[3:7, 8:16, 8:16] = 700.0
    write_ct_series(
        dicom,
        voxels,
        placement=tilted_stack(10, 2.0, 15.0),
        pixel_spacing_xy=(1.0, 1.0),
        description="tilted test head",
        patient=PATIENT,
    )
    with Store.open(home) as store:
        store.append(CASE_CREATED, case_code="TILT", payload={}, by=people.engineer)
    series = scan_folder(dicom).usable_volumes[0]
    return steps.import_series(series, steps.work_folder(home, "TILT"), _quiet, CancelToken())


def test_a_reopened_volume_shows_its_import_findings_and_no_patient_identity(
    tmp_path: Path, people_home: tuple[Path, People]
) -> None:
    home, people = people_home
    imported = _tilted_case(home, tmp_path / "dicom", people)
    codes = [finding.code for finding in imported.result.findings]
    assert {"gantry_tilt", "resampled"} <= set(codes)
    sidecar = steps.work_folder(home, "TILT") / steps.VOLUME_SIDECAR
    text = sidecar.read_text(encoding="utf-8")
    for identity in ("DOE", "JANE", "PID-4711", "19700101"):
        assert identity not in text
    assert json.loads(text)["sha256"] == imported.sha256

    reopened = reopen.reopen_case(home, "TILT", _quiet, CancelToken())
    assert reopened.problems == ()
    assert reopened.imported is not None
    result = reopened.imported.result
    assert [finding.code for finding in result.findings] == [*codes, "reopened"]
    assert result.findings[:-1] == imported.result.findings
    assert result.series.findings == imported.result.series.findings
    assert result.series.description == "tilted test head"
    assert result.resampled

    # A sidecar describing another volume (here: the same import's, with the hash of other bytes) is ignored.
    data = json.loads(text)
    data["sha256"] = "0" * 64
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    reopened = reopen.reopen_case(home, "TILT", _quiet, CancelToken())
    assert reopened.problems == ()
    assert reopened.imported is not None
    assert [finding.code for finding in reopened.imported.result.findings] == ["reopened"]
    assert "not kept" in reopened.imported.result.findings[0].message
    assert reopened.imported.result.series.findings == ()


def test_a_mesh_made_after_the_last_check_is_loaded_without_that_check(
    qtbot: QtBot, store_copy: Path, pipeline: PipelineResults, tmp_path: Path
) -> None:
    before = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert before.imported is not None
    cancel = CancelToken()
    params = dataclasses.replace(SegmentParams.from_preset("bone", keep_largest=1), lower_hu=500.0)
    segmentation = steps.segment_volume(before.imported, params, _quiet, cancel)
    folder = steps.work_folder(store_copy, "SHOT-THIN")
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
    stl = folder / reopen.ANATOMY_FILE
    stl.write_bytes(stl.read_bytes()[:-50] + bytes(50))
    reopened = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert reopened.loaded == ("volume", "mask", "design")
    assert [problem.code for problem in reopened.errors] == ["artifact_changed"]
    assert reopened.errors[0].message.startswith("bone.stl changed since it was recorded")
    assert reopened.problems[0] == reopened.errors[0]
    assert reopened.outcome is None


def test_a_design_loaded_after_the_last_check_is_the_one_reopened(
    store_copy: Path, sample_designs: dict[str, Path], tmp_path: Path
) -> None:
    # Another design, in another format than the checked design.stl, loaded into the case after its check.
    other = write_mesh(read_mesh(sample_designs["fitted"]), tmp_path / "plate-fitted.ply").path
    folder = steps.work_folder(store_copy, "SHOT-THIN")
    loaded = steps.load_design(other, folder, _quiet, CancelToken())
    assert loaded.stored.path == folder / "design.ply"
    assert (folder / "design.stl").is_file()  # the checked design stays beside it

    reopened = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert reopened.loaded == ("volume", "mask", "anatomy", "design")
    assert reopened.design is not None
    assert (reopened.design.stored.path, reopened.design.stored.sha256) == (loaded.stored.path, loaded.stored.sha256)
    assert reopened.design.info.wall == loaded.info.wall
    assert [note.message for note in reopened.notes] == [
        "design.ply was made after the case's last check and has not been checked; it was loaded",
        (
            "the case's last check measured other files than those loaded (design.stl); its outcome is not "
            "shown: run the check again"
        ),
    ]
    assert reopened.errors == ()
