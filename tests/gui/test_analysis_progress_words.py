"""The finite-element analysis' progress stages in the window's language (the check's progress line)."""

from __future__ import annotations

import re

import pytest
from pytestqt.qtbot import QtBot

from app.gui.i18n import install_language
from app.gui.words import progress_text
from mechanics.analysis import stage_message

STAGES = ("meshing the design", "assembling the stiffness matrix", "solving", "recovering stresses", "solved")


@pytest.mark.parametrize("level", ["coarse", "default"])
def test_each_stage_of_the_analysis_is_shown_in_chinese_and_english(qtbot: QtBot, level: str) -> None:
    assert qtbot is not None  # the Qt application the translators need
    messages = [stage_message(level, 2.5, stage) for stage in STAGES]
    install_language("zh_CN")
    try:
        shown = [progress_text(message) for message in messages]
        assert shown[2].startswith("正在求解")  # the stage first, then the analysis and its level
        assert "有限元分析" in shown[2]
        assert ("粗网格" if level == "coarse" else "默认网格") in shown[2]
        assert "2.5 mm" in shown[2]
        for text in [*shown, progress_text("analysis done")]:
            assert not re.search(r"[A-Za-z]", text.replace("mm", "")), text  # every word translated, the unit kept
    finally:
        install_language("en")
    assert [progress_text(message) for message in messages] == messages
