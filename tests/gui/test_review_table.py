"""The review's check table as people read it, and Export report opening the written PDF.

The store is a copy of the ``pipeline`` fixture's (the sample case checked through the GUI's steps); case
``SHOT-THIN`` is out of the sample envelope. Reopening it loads its check with the envelope it was checked against,
whose rationales the table shows on hover. The report is really written; opening it goes through the window's
settable opener, so the test sees the URL asked for and no viewer is started.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gui_support import open_window
from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot
from sample_pipeline import PipelineResults

from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from workflow.check_table import number_text

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


def test_the_review_table_reads_as_people_write(qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path) -> None:
    window = _window(qtbot, pipeline, tmp_path)
    outcome = window.workspace.outcome
    assert outcome is not None
    results = {item.name: item for item in outcome.result.results}
    for table in (window.review_panel.table, window.check_panel.table):
        wall = table.row_of("design.min_wall_thickness")
        assert wall >= 0
        assert [table.item(wall, column).text() for column in (0, 2, 5)] == [
            "Minimum wall thickness",
            "mm",
            "Below minimum",
        ]
        value = results["design.min_wall_thickness"].value
        assert value is not None
        assert table.item(wall, 1).text() == number_text(float(value))
        assert len(table.item(wall, 1).text()) <= 5  # rounded for reading, not 0.8237419...
        limit = outcome.envelope.parameter("design.min_wall_thickness")
        assert limit is not None
        assert limit.rationale
        tip = table.item(wall, 0).toolTip()
        assert tip.startswith("design.min_wall_thickness\n")
        assert f"Why this range (design envelope): {limit.rationale}" in tip
        area = table.row_of("fit.contact_area")
        assert (table.item(area, 0).text(), table.item(area, 2).text()) == ("Contact area", "cm²")
        tilt = table.row_of("imaging.gantry_tilt")
        assert table.item(tilt, 2).text() == "°"
        assert "design.min_wall_thickness" in table.flagged
        assert not any("**" in table.item(row, 2).text() for row in range(table.rowCount()))

    # The table can be widened: the panel beside the views takes what the splitter gives it.
    window.show_step("review")
    qtbot.wait(50)
    table = window.review_panel.table
    before = table.width()
    total = sum(window.splitter.sizes())
    window.splitter.setSizes([total - 400, 400])
    qtbot.waitUntil(lambda: table.width() > before + 200)


def test_export_report_opens_the_written_pdf(qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path) -> None:
    window = _window(qtbot, pipeline, tmp_path)
    review = window.review_panel
    asked: list[QUrl] = []

    def viewer(url: QUrl) -> bool:
        asked.append(url)
        return True

    window.open_url = viewer
    output = tmp_path / "out" / "thin-report.pdf"
    output.parent.mkdir()
    with qtbot.waitSignal(review.records_worker.finished, timeout=60_000):
        window.write_report(output, open_when_written=True)
    assert output.read_bytes().startswith(b"%PDF")
    assert asked == [QUrl.fromLocalFile(str(output))]
    assert "Report opened" in window.statusBar().currentMessage()

    # No PDF viewer: the folder is opened instead.
    asked.clear()

    def folder_only(url: QUrl) -> bool:
        asked.append(url)
        return not url.toLocalFile().endswith(".pdf")

    window.open_url = folder_only
    again = tmp_path / "out" / "again.pdf"
    with qtbot.waitSignal(review.records_worker.finished, timeout=60_000):
        window.write_report(again, open_when_written=True)
    assert again.read_bytes().startswith(b"%PDF")
    assert asked == [QUrl.fromLocalFile(str(again)), QUrl.fromLocalFile(str(again.parent))]
    assert "folder" in window.statusBar().currentMessage()

    # Writing without asking to open (what the workflow's own steps do) opens nothing.
    asked.clear()
    with qtbot.waitSignal(review.records_worker.finished, timeout=60_000):
        window.write_report(tmp_path / "out" / "quiet.pdf")
    assert asked == []


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshots_of_the_check_tables(
    qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path, language: str
) -> None:
    install_language(language)
    try:
        window = _window(qtbot, pipeline, tmp_path)
        SCREENSHOTS.mkdir(exist_ok=True)
        for step in ("check", "review"):
            window.show_step(step)
            qtbot.wait(100)
            assert window.grab().save(str(SCREENSHOTS / f"{language}-16-table-{step}.png"))
        table = window.check_panel.table
        wall = table.row_of("design.min_wall_thickness")
        if language == "zh_CN":
            assert table.item(wall, 0).text() == "最小壁厚"
            assert table.item(table.row_of("patient.age"), 2).text() == "岁"
            assert table.item(table.row_of("imaging.gantry_tilt"), 2).text() == "度"
    finally:
        install_language("en")
