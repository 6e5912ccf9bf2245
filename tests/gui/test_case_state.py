"""What the window shows belongs to the case shown: a new or another case never shows the previous case's work.

The store is a copy of the ``pipeline`` fixture's (``store_copy``: the sample case imported, segmented, meshed and
both sample plates checked, as cases ``SHOT-FITTED`` and ``SHOT-THIN``, with the sample's patient facts).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
from pathlib import Path
from unittest import mock

from gui_support import ENGINEER, open_window, sign_in
from people import password_of
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.cli import main
from app.commands.pipeline_commands import DEMO_ENGINEER, DEMO_USERS_FILE
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from imaging.sample_case import SAMPLE_PATIENT_FACTS

NO_FOLDER = "No folder chosen; you can also drop a folder on the window."


def _reopen(qtbot: QtBot, window: MainView, code: str) -> None:
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(code)


def test_a_new_or_other_case_shows_only_its_own_import(
    qtbot: QtBot, store_copy: Path, sample_dicom: Path, tmp_path: Path
) -> None:
    window = open_window(qtbot, GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store_copy)))
    panel = window.import_panel
    _reopen(qtbot, window, "SHOT-THIN")
    assert "Imported: 256 x 256 x 120" in panel.summary_label.text()
    assert panel.findings_list.count() == 1  # the note that it was reopened
    with qtbot.waitSignal(panel.scan_worker.finished, timeout=60_000):
        panel.scan(sample_dicom)
    assert panel.folder_label.text() == str(sample_dicom)
    assert panel.series_table.rowCount() == 1
    assert panel.import_button.isEnabled()

    # A new case: nothing of SHOT-THIN's import, nor of the folder scanned for it.
    window.cases_panel.code_edit.setText("NEW-1")
    window.cases_panel.new_button.click()
    assert window.case_model.code == "NEW-1"
    window.show_step("import")
    assert panel.folder_label.text() == NO_FOLDER
    assert panel.series_table.rowCount() == 0
    assert not panel.import_button.isEnabled()
    assert panel.findings_list.count() == 0
    assert panel.summary_label.text() == ""
    assert window.slices.volume is None
    assert window.check_panel.table.rowCount() == 0
    assert window.check_panel.banner.verdict is None
    assert window.scene.anatomy is None
    assert window.scene.design is None
    window.grab().save(str(tmp_path / "new-case.png"))

    # Another case opened: its own import, not the folder scanned before.
    with qtbot.waitSignal(panel.scan_worker.finished, timeout=60_000):
        panel.scan(sample_dicom)
    _reopen(qtbot, window, "SHOT-FITTED")
    assert panel.folder_label.text() == NO_FOLDER  # the records keep no folder path (it may name the patient)
    assert panel.series_table.rowCount() == 0
    assert "Imported: 256 x 256 x 120" in panel.summary_label.text()
    assert window.check_panel.banner.verdict == "within"

    # The new case again: still nothing (it has no saved work).
    _reopen(qtbot, window, "NEW-1")
    assert panel.summary_label.text() == ""
    assert panel.findings_list.count() == 0
    assert window.check_panel.banner.verdict is None
    assert window.last_error is None


def test_a_reopened_case_shows_the_patient_facts_its_check_used(qtbot: QtBot, store_copy: Path, tmp_path: Path) -> None:
    window = open_window(qtbot, GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store_copy)))
    check = window.check_panel
    assert check.age_spin.text() == "not given"
    _reopen(qtbot, window, "SHOT-THIN")
    window.show_step("check")
    expected = {"age_years": 46.0, "weight_kg": 72.5}
    assert {k: SAMPLE_PATIENT_FACTS[k] for k in expected} == expected
    assert (check.age_spin.value(), check.weight_spin.value()) == (46.0, 72.5)
    assert check.age_spin.text() == "46 years"
    assert check.weight_spin.text() == "72.5 kg"
    assert check.patient_facts() == expected  # a check run again uses them
    window.grab().save(str(tmp_path / "reopened-patient.png"))

    # A new case is another patient: no facts until they are given.
    window.cases_panel.code_edit.setText("NEW-2")
    window.cases_panel.new_button.click()
    assert (check.age_spin.text(), check.weight_spin.text()) == ("not given", "not given")
    assert check.patient_facts() == {}


def _pdf_text(path: Path) -> str:
    run = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(run.stdout.split())  # one line: the verdict may wrap


def test_the_verdict_words_follow_re_verification_and_signature(qtbot: QtBot, store_copy: Path, tmp_path: Path) -> None:
    window = open_window(qtbot, GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store_copy)))
    _reopen(qtbot, window, "SHOT-THIN")
    check, review = window.check_panel, window.review_panel
    required = "OUT OF ENVELOPE: re-verification required before sign-off"
    assert check.banner.text() == review.banner.text() == required

    rdialog = review.open_reverification_dialog()
    assert rdialog is not None
    assert required in rdialog.findChildren(QLabel)[0].text()
    rdialog.password_edit.setText(password_of(ENGINEER))
    rdialog.method_edit.setText("impact test on a printed 2.5 mm plate, report IMP-7")
    rdialog.justification_edit.setPlainText("The printed plate passed the impact test.")
    with qtbot.waitSignal(review.records_worker.finished, timeout=30_000):
        rdialog.record_button.click()
    state = window.case_model.state
    assert state is not None
    assert state.state == "reverified"
    reverified = "OUT OF ENVELOPE: re-verified; ready for sign-off"
    assert check.banner.text() == review.banner.text() == reverified
    assert check.banner.verdict == review.banner.verdict == "out_of_envelope"  # the verdict itself stays

    dialog = review.open_sign_dialog()
    assert dialog is not None
    shown = dialog.content_view.toPlainText()
    assert f"Verdict: {reverified}" in shown
    assert "re-verification required" not in shown
    dialog.set_meaning("clinical design confirmation")
    qtbot.waitUntil(dialog.ready, timeout=30_000)  # the sign-off checklist is read and met
    dialog.password_edit.setText(password_of("clin1"))
    with qtbot.waitSignal(review.records_worker.finished, timeout=30_000):
        dialog.sign_button.click()
    state = window.case_model.state
    assert state is not None
    assert state.state == "signed"
    signed = "OUT OF ENVELOPE: re-verified and signed"
    assert check.banner.text() == review.banner.text() == signed
    window.show_step("review")
    window.grab().save(str(tmp_path / "signed.png"))

    report = tmp_path / "report.pdf"
    with qtbot.waitSignal(review.records_worker.finished, timeout=60_000):
        window.write_report(report)
    text = _pdf_text(report)
    assert "Verdict: OUT OF THE VALIDATED DESIGN ENVELOPE: re-verified and signed" in text
    assert "re-verification required" not in text
    assert window.last_error is None


def test_a_case_recorded_by_dvw_demo_says_why_its_3d_view_is_empty(qtbot: QtBot, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    with contextlib.redirect_stdout(io.StringIO()), mock.patch.dict("os.environ"):
        os.environ.pop("DVW_HOME", None)
        assert main(["demo", "--out", str(out)]) == 0
    passwords = json.loads((out / DEMO_USERS_FILE).read_text(encoding="utf-8"))["passwords"]
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(out / "store"))
    window = open_window(qtbot, settings, user_id=None)
    sign_in(qtbot, window, DEMO_ENGINEER, passwords[DEMO_ENGINEER])
    scene = window.scene
    assert scene.notice is None
    _reopen(qtbot, window, "DEMO-THIN")
    assert window.workspace.anatomy is None  # the demo wrote its meshes in its output folder, not the case's
    assert window.workspace.design is None
    window.show_step("review")
    window.review_panel.review_button.click()
    assert window.review_action.isChecked()
    notice = scene.notice
    assert notice is not None
    assert notice.startswith("Nothing to show: case DEMO-THIN has a recorded check, but its meshes are not in")
    assert str(out / "store" / "work" / "DEMO-THIN") in notice
    assert "dvw demo" in notice
    label = scene.findChild(QLabel, "sceneNotice")
    assert label is not None
    assert label.isVisible()
    assert label.text() == notice
    qtbot.wait(300)
    window.grab().save(str(tmp_path / "demo-review.png"))

    # The notice belongs to the case: another case does not show it.
    window.review_panel.review_button.click()
    window.cases_panel.code_edit.setText("NEW-3")
    window.cases_panel.new_button.click()
    assert scene.notice is None
    assert not label.isVisible()
