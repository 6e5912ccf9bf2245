"""Every error a DVW core package can raise has words in the window, in both languages.

The cores' messages are English and worded for the command line and the logs; the window explains each error code
in its own language (:data:`app.gui.words.ERROR_TITLES`) and keeps the core's line as details.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from gui_support import open_window
from pytestqt.qtbot import QtBot

from app.gui.i18n import install_language
from app.gui.settings import GuiSettings
from app.gui.words import ERROR_TITLES, error_words
from app.workers import ErrorInfo
from base.errors import DvwError

CORE_PACKAGES = (
    "base",
    "imaging",
    "geometry",
    "validation",
    "mechanics",
    "records",
    "traceability",
    "workflow",
    "server",
)


def _error_codes() -> set[str]:
    """The codes of every DvwError subclass defined in the core packages (every module but migrations imported)."""
    for name in CORE_PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if ".migrations" not in module.name:  # Alembic's scripts run only under Alembic
                importlib.import_module(module.name)
    codes: set[str] = set()
    pending: list[type[DvwError]] = [DvwError]
    while pending:
        cls = pending.pop()
        codes.add(cls.code)
        pending.extend(cls.__subclasses__())
    return codes


def test_every_core_error_code_has_words_in_the_window() -> None:
    codes = _error_codes()
    assert len(codes) > 80  # the walk found the packages' errors, not only the base
    assert sorted(code for code in codes if code not in ERROR_TITLES) == []


@pytest.mark.usefixtures("qapp")
def test_every_error_s_words_are_translated_into_chinese() -> None:
    english = {code: error_words(code) for code in ERROR_TITLES}
    install_language("zh_CN")
    try:
        chinese = {code: error_words(code) for code in ERROR_TITLES}
    finally:
        install_language("en")
    assert english["case_exists"] == "A case with this code exists already: open it, or choose another code."
    same = sorted(code for code in ERROR_TITLES if chinese[code] == english[code])
    assert same == []
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in chinese.values())
    assert error_words("no_such_code") == english["error"]


def test_a_refusal_in_chinese_says_it_in_chinese_and_keeps_the_core_s_line_as_details(
    qtbot: QtBot, gui_settings: GuiSettings, tmp_path: Path
) -> None:
    install_language("zh_CN")
    try:
        window = open_window(qtbot, gui_settings)
        with qtbot.waitSignal(window.import_panel.scan_worker.failed, timeout=30_000) as failed:
            window.import_panel.scan(tmp_path / "no-such-folder")
        info = failed.args[0]
        assert isinstance(info, ErrorInfo)
        assert info.code == "not_a_folder"
        box = window.error_box
        assert box is not None
        assert box.text() == "该路径不是可读取的文件夹。"
        assert box.informativeText() == ""  # nothing English in sight
        assert info.message in box.detailedText()  # the core's line (as in the logs), on request
        assert window.statusBar().currentMessage() == "该路径不是可读取的文件夹。"
        box.close()
    finally:
        install_language("en")
