"""Every main screen in English and Simplified Chinese: screenshots saved, and no untranslated text in Chinese.

The screens include signing in (with a refusal), the set-up of a new store's administrator and the lock screen.

The screens show real data: the sample case run through the GUI's steps (the ``pipeline`` fixture) and put into
the window's models, so tables, banners and labels are filled as a user sees them. Screenshots go to
``tests/gui/screenshots/<language>-<n>-<screen>.png`` (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from gui_support import ENGINEER, open_window
from people import USERS
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sample_pipeline import PipelineResults

from app.gui.access import SignInRefusal
from app.gui.i18n import install_language
from app.gui.main_window import STEPS, MainView
from app.gui.settings import GuiSettings
from app.gui.widgets import ProgressPanel

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CODE = "SHOT-THIN"
#: Words that stay as they are in every language: units, formats, standards, key names and DVW's own name.
ALLOWED_WORDS = {
    "DVW",
    "HU",
    "mm",
    "cm",
    "kg",
    "MPa",
    "LPS",
    "SHA",
    "DICOM",
    "PDF",
    "STL",
    "3MF",
    "PLY",
    "OBJ",
    "FEA",
    "Ctrl",
    "Alt",
    "Shift",
    "Esc",
    "Home",
    "CT",
    "CP",
    "English",
    "UDI",  # the device identifier's name in Chinese too (唯一器械标识, written UDI: the case bar's device state)
}


@pytest.fixture
def filled_window(
    request: pytest.FixtureRequest, qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path
) -> Iterator[MainView]:
    """A window in the requested language showing the checked thin design of the sample case."""
    language = request.param
    install_language(language)
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(pipeline.home))
    window = open_window(qtbot, settings)
    # Opening the case loads what its work folder holds (here the design and the check); the screens then show
    # every step's result, set below.
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(CODE)
    window.import_panel.folder_label.setText(str(Path(pipeline.scan.root)))
    window.import_panel.show_scan(pipeline.scan)
    window.import_panel.show_import(pipeline.imported)
    window.segment_panel.show_segmentation(pipeline.segmentation)
    window.workspace.set_anatomy(pipeline.anatomy)
    window.workspace.set_design(pipeline.designs["thin"])
    window.check_panel._on_check_done(pipeline.outcomes["thin"])
    yield window
    install_language("en")


def _save(widget: QWidget, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


@pytest.mark.parametrize("filled_window", ["en", "zh_CN"], indirect=True)
def test_screenshots_of_every_main_screen(qtbot: QtBot, filled_window: MainView) -> None:
    window = filled_window
    language = "zh_CN" if window.tr("Ready") != "Ready" else "en"
    saved = []
    for index, step in enumerate(STEPS, start=1):
        window.show_step(step)
        qtbot.wait(100)
        saved.append(_save(window, f"{language}-{index}-{step}"))
    window.set_review_mode(True)
    qtbot.wait(100)
    saved.append(_save(window, f"{language}-6-review-mode"))
    window.set_review_mode(False)
    for name, dialog in (
        ("7-sign-dialog", window.review_panel.open_sign_dialog()),
        ("8-reverification-dialog", window.review_panel.open_reverification_dialog()),
        ("9-settings-dialog", window.open_settings()),
        ("10-join-dialog", window.open_join_dialog()),
    ):
        assert dialog is not None
        qtbot.waitExposed(dialog)
        saved.append(_save(dialog, f"{language}-{name}"))
        dialog.reject()
    # Signing in: refused after five wrong passwords (until when, in local time); the set-up of a new store.
    sign_in = window.open_sign_in_dialog()
    until = datetime.now().astimezone() + timedelta(minutes=15)
    sign_in.show_refusal(SignInRefusal("account_locked", "locked", ENGINEER, until))
    qtbot.waitExposed(sign_in)
    qtbot.wait(50)
    saved.append(_save(sign_in, f"{language}-11-sign-in-dialog"))
    sign_in.reject()
    setup = window.open_setup_dialog()
    setup.user_edit.setText("admin1")
    setup.name_edit.setText(USERS["admin1"][1])
    setup.password_edit.setText("a-password")
    setup.repeat_edit.setText("another one")
    setup._on_submit()  # refused: the two passwords differ
    qtbot.waitExposed(setup)
    qtbot.wait(50)
    saved.append(_save(setup, f"{language}-12-setup-dialog"))
    setup.reject()
    # The lock screen covers everything; another user may sign in (the dialog says the case will be closed).
    window.lock()
    qtbot.wait(100)
    saved.append(_save(window, f"{language}-13-lock-screen"))
    another = window.open_sign_in_dialog(another_user=True)
    qtbot.waitExposed(another)
    qtbot.wait(50)
    saved.append(_save(another, f"{language}-14-sign-in-another-user"))
    another.reject()
    assert all(path.stat().st_size > 10_000 for path in saved)
    assert window.check_panel.banner.verdict == "out_of_envelope"
    assert window.review_panel.table.rowCount() > 10


def _data_strings(window: MainView) -> list[str]:
    """Text that is data, not interface: case codes, user names and ids, paths, the store folder."""
    people = {text for user_id, (_role, name, password) in USERS.items() for text in (user_id, name, password)}
    return sorted({CODE, "SHOT", str(window.case_model.home), *people}, key=len, reverse=True)


_NOT_WORDS = re.compile(
    r"(\S*[/\\]\S*)"  # paths
    r"|([\w-]*(?:\.\w+)+)"  # dotted names: parameters, files, versions
    r"|(\b\w*_\w*\b)"  # machine names: snake_case
    r"|(\b[0-9a-f]{12,}\b)"  # hashes
    r"|(\(Ctrl[^)]*\)|\(Alt[^)]*\)|\(F\d+\)|\([A-Z]\))"  # shortcuts in tooltips
)


def _english_words(text: str, data: list[str]) -> list[str]:
    for item in data:
        text = text.replace(item, " ")
    text = _NOT_WORDS.sub(" ", text)
    words = re.findall(r"[A-Za-z0-9]*[A-Za-z]{2,}[A-Za-z0-9]*", text)
    return [w for w in words if w not in ALLOWED_WORDS]


def _visible_texts(window: MainView) -> Iterator[tuple[str, str]]:
    """(where, text) for every interface string of the window and its dialogs (not data cells)."""
    widgets: list[QWidget] = [window, *window.findChildren(QWidget)]
    # A progress panel's stage is the core's stage name, English by design (see ProgressPanel), like the findings.
    stages = {panel.stage for panel in window.findChildren(ProgressPanel)}
    for widget in widgets:
        where = f"{type(widget).__name__} {widget.objectName()}".strip()
        if widget.isWindow() and widget.windowTitle():
            yield where, widget.windowTitle()
        if widget.toolTip():
            yield f"{where} tooltip", widget.toolTip()
        if isinstance(widget, QLabel) and widget not in (window.import_panel.folder_label, *stages):
            yield where, widget.text()
        if isinstance(widget, QAbstractButton):
            yield where, widget.text()
        if isinstance(widget, QGroupBox):
            yield where, widget.title()
        if isinstance(widget, QLineEdit):
            yield f"{where} placeholder", widget.placeholderText()
        if isinstance(widget, QTableWidget):
            for column in range(widget.columnCount()):
                header = widget.horizontalHeaderItem(column)
                if header is not None:
                    yield f"{where} header", header.text()
        if widget is window.step_list:
            assert isinstance(widget, QListWidget)
            for row in range(widget.count()):
                yield "step list", widget.item(row).text()
        if isinstance(widget, QComboBox) and widget is window.segment_panel.preset_combo:
            for row in range(widget.count()):
                yield f"{where} item", widget.itemText(row)
    for action in window.findChildren(QAction):
        yield "action", action.text()
        yield "action tooltip", action.toolTip()
    table = window.check_panel.table
    for row in range(table.rowCount()):
        item = table.item(row, 5)
        if item is not None:
            yield "check status", item.text()


@pytest.mark.parametrize("filled_window", ["zh_CN"], indirect=True)
def test_no_english_left_in_the_chinese_window(qtbot: QtBot, filled_window: MainView) -> None:
    window = filled_window
    # The lock screen's texts (locked, with a refusal), then every dialog opened so that their strings are walked.
    window.lock()
    window.lock_view.show_refusal(SignInRefusal("wrong_password", "wrong password", ENGINEER))
    setup = window.open_setup_dialog()
    setup._on_submit()  # refused: no user id
    for dialog in (
        window.review_panel.open_sign_dialog(),
        window.review_panel.open_reverification_dialog(),
        window.open_settings(),
        window.open_join_dialog(),
        window.open_sign_in_dialog(another_user=True),
        setup,
    ):
        assert dialog is not None
        qtbot.waitExposed(dialog)
    for step in STEPS:
        window.show_step(step)
    data = _data_strings(window)
    untranslated = sorted(
        {f"{where}: {text!r}" for where, text in _visible_texts(window) if text and _english_words(text, data)}
    )
    assert not untranslated, "untranslated text in zh_CN:\n" + "\n".join(untranslated)
    assert "病例" in window.case_label.text()


def test_every_source_string_has_a_finished_chinese_translation() -> None:
    source = Path(__file__).resolve().parents[2] / "resources" / "translations" / "dvw_zh_CN.ts"
    text = source.read_text(encoding="utf-8")
    messages = re.findall(r"<message>.*?</message>", text, flags=re.DOTALL)
    assert len(messages) > 200
    unfinished = [m for m in messages if 'type="unfinished"' in m or "<translation/>" in m or 'type="vanished"' in m]
    assert not unfinished, f"{len(unfinished)} strings without a finished translation, e.g. {unfinished[:3]}"
