"""The sign dialog's checklist before the password: each unmet item says why and offers the window's fix.

The store is a copy of the ``pipeline`` fixture's; case ``SHOT-THIN`` is out of the sample envelope, so it needs a
re-verification before anyone signs. The self-test item is shown unmet by reading the same store's facts for other
software (no self-test of it is recorded), and its button runs the real self-test for this software.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gui_support import ENGINEER, open_window
from people import password_of
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot
from sample_pipeline import PipelineResults

from app.gui.dialogs import SignDialog
from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from app.workers import ErrorInfo
from workflow.signoff import RECORD_REVERIFICATION, RUN_SELFTEST, read_signoff_facts

CODE = "SHOT-THIN"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def _window(qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path) -> MainView:
    home = tmp_path / "home"
    shutil.copytree(pipeline.home, home)
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(home))
    window = open_window(qtbot, settings)
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(CODE)
    return window


def _opened(qtbot: QtBot, window: MainView) -> SignDialog:
    dialog = window.review_panel.open_sign_dialog()
    assert dialog is not None
    qtbot.waitUntil(lambda: bool(dialog.checklist.items), timeout=30_000)
    return dialog


def _unmet(dialog: SignDialog) -> dict[str, str]:
    return {item.key: item.reason for item in dialog.checklist.items if not item.met}


def test_the_checklist_comes_before_the_password_and_its_buttons_fix_it(
    qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path
) -> None:
    window = _window(qtbot, pipeline, tmp_path)
    review = window.review_panel
    dialog = _opened(qtbot, window)
    # The engineer's design verification: only the re-verification is missing; no password is asked for yet.
    assert dialog.meaning_combo.currentData() == "design verification"
    assert dialog.user_combo.currentData() == ENGINEER
    assert _unmet(dialog) == {"reverification": "reverification_missing"}
    assert not dialog.sign_button.isEnabled()
    assert not dialog.password_edit.isEnabled()
    assert set(dialog.checklist.buttons) == {RECORD_REVERIFICATION}
    texts = " ".join(label.text() for label in dialog.checklist.findChildren(QLabel))
    assert "out of envelope: record its re-verification" in texts
    assert "dvw" not in texts

    # Release is the quality user's: chosen, the role item is met; the check for other software and without a
    # recorded self-test is unmet twice, and Run self-test runs it for this software, after which the list follows.
    dialog.set_meaning("release")
    assert dialog.user_combo.currentData() == "qa1"
    assert _unmet(dialog) == {"reverification": "reverification_missing"}
    home = window.case_model.home
    dialog.set_facts(read_signoff_facts(home, CODE, "0" * 64))
    assert _unmet(dialog) == {
        "check": "other_software",
        "selftest": "no_selftest",
        "reverification": "reverification_missing",
    }
    with qtbot.waitSignal(review.records_worker.finished, timeout=120_000) as ran:
        qtbot.mouseClick(dialog.checklist.buttons[RUN_SELFTEST], Qt.MouseButton.LeftButton)
    assert ran.args[0] is True
    assert review.outcome_label.text() == "Self-test passed."
    qtbot.waitUntil(lambda: _unmet(dialog) == {"reverification": "reverification_missing"}, timeout=30_000)

    # Record re-verification...: the sign dialog gives way to the re-verification dialog; then all is met.
    qtbot.mouseClick(dialog.checklist.buttons[RECORD_REVERIFICATION], Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    rdialog = review.reverification_dialog
    assert rdialog is not None
    assert rdialog.isVisible()
    rdialog.password_edit.setText(password_of(ENGINEER))
    rdialog.method_edit.setText("FEA of the thin wall, report FEA-0077")
    rdialog.justification_edit.setPlainText("Peak stress below the validated limit.")
    with qtbot.waitSignal(review.records_worker.finished, timeout=30_000):
        qtbot.mouseClick(rdialog.record_button, Qt.MouseButton.LeftButton)
    dialog = _opened(qtbot, window)
    dialog.set_meaning("clinical design confirmation")
    assert dialog.user_combo.currentData() == "clin1"
    assert _unmet(dialog) == {}
    assert dialog.sign_button.isEnabled()
    assert dialog.password_edit.isEnabled()
    dialog.password_edit.setText(password_of("clin1"))
    with qtbot.waitSignal(review.records_worker.finished, timeout=30_000):
        qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    state = window.case_model.state
    assert state is not None
    assert state.state == "signed"


def test_a_refusal_speaks_of_the_window_s_actions(qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path) -> None:
    """The records still refuse on their own (here a signature forced past the checklist): the message box says
    what to press; the core's line for the command line is only in the details."""
    window = _window(qtbot, pipeline, tmp_path)
    review = window.review_panel
    dialog = _opened(qtbot, window)
    dialog.set_meaning("clinical design confirmation")
    dialog.password_edit.setText(password_of("clin1"))
    with qtbot.waitSignal(review.records_worker.failed, timeout=30_000) as refused:
        review._on_sign_accepted(dialog)  # what Sign would do, had the checklist let it
    info = refused.args[0]
    assert isinstance(info, ErrorInfo)
    assert info.code == "reverification_required"
    assert "dvw reverify" in info.message
    box = window.error_box
    assert isinstance(box, QMessageBox)
    assert "Record re-verification..." in box.text()
    assert "dvw" not in box.text() + box.informativeText()
    assert "dvw reverify" in box.detailedText()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshot_of_the_checklist(qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path, language: str) -> None:
    install_language(language)
    try:
        window = _window(qtbot, pipeline, tmp_path)
        dialog = _opened(qtbot, window)
        dialog.set_facts(read_signoff_facts(window.case_model.home, CODE, "0" * 64))
        qtbot.wait(100)
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{language}-15-signoff-checklist.png"
        assert dialog.grab().save(str(path))
        texts = " ".join(label.text() for label in dialog.checklist.findChildren(QLabel))
        if language == "zh_CN":
            assert "自检" in texts, texts
            assert "self-test" not in texts
        else:
            assert "run the self-test" in texts
        dialog.reject()
    finally:
        install_language("en")
