"""File > Recent cases, and Help > Manual (F1) in both languages with the window's own keyboard shortcuts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gui_support import open_window
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot
from sample_pipeline import PipelineResults

from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.manual import manual_path
from app.gui.settings import GuiSettings

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def _window(qtbot: QtBot, home: Path, settings_file: Path) -> MainView:
    settings = GuiSettings.from_file(settings_file, home_override=str(home))
    return open_window(qtbot, settings)


def _open(qtbot: QtBot, window: MainView, code: str) -> None:
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(code)


def test_recent_cases_reopen_the_last_cases_of_this_store(
    qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(pipeline.home, home)
    settings_file = tmp_path / "settings.ini"
    window = _window(qtbot, home, settings_file)
    window._fill_recent_menu()
    assert [(a.text(), a.isEnabled()) for a in window.recent_menu.actions()] == [("No recent cases", False)]
    _open(qtbot, window, "SHOT-THIN")
    _open(qtbot, window, "SHOT-FITTED")
    window.recent_menu.aboutToShow.emit()
    actions = window.recent_menu.actions()
    assert [a.text() for a in actions] == ["SHOT-FITTED", "SHOT-THIN"]
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        actions[1].trigger()
    assert window.case_model.code == "SHOT-THIN"
    window.settings.sync()
    window.close()

    # Kept in the settings, per store: a new window on the same store lists them; another store lists none.
    again = _window(qtbot, home, settings_file)
    again.recent_menu.aboutToShow.emit()
    assert [a.text() for a in again.recent_menu.actions()] == ["SHOT-THIN", "SHOT-FITTED"]
    other = tmp_path / "other"
    assert again.settings.recent_cases(other) == []


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_manual_in_both_languages_lists_every_shortcut(
    qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path, language: str
) -> None:
    install_language(language)
    try:
        settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(pipeline.home))
        settings.language = language
        window = open_window(qtbot, settings)
        assert window.manual_action.shortcut() == QKeySequence("F1")
        window.manual_action.trigger()
        dialog = window.manual_dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        text = dialog.browser.toPlainText()
        assert manual_path(language).name == f"manual_{language}.html"
        headings = {
            "en": [
                "The workflow",
                "Signing",
                "What the verdicts mean",
                "Slices and measurements",
                "Keyboard shortcuts",
            ],
            "zh_CN": ["工作流程", "签署", "各结论的含义", "切片与测量", "键盘快捷键"],
        }[language]
        for heading in headings:
            assert heading in text, heading
        # Every shortcut of the window's actions and buttons is in the table, named in the window's language.
        keys = {
            action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            for action in window.findChildren(QAction)
        } | {
            button.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            for button in window.findChildren(QAbstractButton)
        }
        keys.discard("")
        assert {"F1", "F11", "Ctrl+Shift+S", "Ctrl+E", "D", "A", "Ctrl+L"} <= keys
        table = text[text.index(headings[-1]) :]
        missing = [key for key in keys if key not in table]
        assert not missing, missing
        if language == "zh_CN":
            assert "评审模式" in table
            assert "Review mode" not in table
        SCREENSHOTS.mkdir(exist_ok=True)
        assert dialog.grab().save(str(SCREENSHOTS / f"{language}-19-manual.png"))
        dialog.browser.verticalScrollBar().setValue(dialog.browser.verticalScrollBar().maximum())
        qtbot.wait(50)
        assert dialog.grab().save(str(SCREENSHOTS / f"{language}-20-manual-shortcuts.png"))
        dialog.close()
    finally:
        install_language("en")
