"""Every word the window shows along the workflow, in both languages: no English left in Chinese, no machine names
(snake_case codes, pint units) in English.

The workflow is driven through the window on the generated sample case: new case, scan, import, segment, mesh, the
thin design, check, the sign-off checklist, re-verification, signature, report and a ruler. After each step the
texts of the window are gathered: every label, button, tooltip, header, action (test_screens' walk), and besides
them the progress stages the workers reported, the status bar's messages, the import's findings and series kinds,
the check table's titles and units, the audit trail's event names and the slice views' window and measurements.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from gui_support import open_window
from people import password_of
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sample_pipeline import ENVELOPE
from test_screens import _data_strings, _english_words, _visible_texts

from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from app.gui.slicing import index_to_screen
from app.gui.words import progress_text
from validation.envelope import load_envelope

CODE = "ZH-001"
#: Names that stay as they are in Chinese too, beyond test_screens' list.
NAMES = {"VTK", "UDI", "CT"}


class Texts:
    """What the window showed: gathered after each step."""

    def __init__(self, window: MainView, screenshot: Path | None = None) -> None:
        self.window = window
        self.shown: set[tuple[str, str]] = set()
        self.progress: list[str] = []
        self.status: list[str] = []
        self.screenshot = screenshot
        for worker in window.workers():
            worker.progress.connect(lambda _f, message: self._on_progress(message))
        window.statusBar().messageChanged.connect(self.status.append)

    def _on_progress(self, message: str) -> None:
        self.progress.append(message)
        # The check's analysis, as the window shows its stage: a screenshot while the default level is meshed.
        if self.screenshot is not None and message.startswith("meshing the design") and "default mesh" in message:
            path, self.screenshot = self.screenshot, None
            path.parent.mkdir(exist_ok=True)
            # After the progress line took the message (its slot runs after this one).
            QTimer.singleShot(200, lambda: self.window.grab().save(str(path)))

    def gather(self) -> None:
        window = self.window
        self.shown.update(_visible_texts(window))
        panel = window.import_panel
        for row in range(panel.findings_list.count()):
            self.shown.add(("finding", panel.findings_list.item(row).text()))
        for row in range(panel.series_table.rowCount()):
            for column in (1, 4):
                item = panel.series_table.item(row, column)
                if item is not None:
                    self.shown.add(("series table", item.text()))
        for table in (window.check_panel.table, window.review_panel.table):
            for row in range(table.rowCount()):
                for column in (0, 2, 5):
                    item = table.item(row, column)
                    if item is not None:
                        self.shown.add(("check table", item.text()))
        audit = window.review_panel.audit_table
        for row in range(audit.rowCount()):
            self.shown.add(("audit event", audit.item(row, 2).text()))
        for view in window.slices.views.values():
            self.shown.add(("slice window", view.window_text()))
            self.shown.update(("measurement", label) for _, label in view.measurements)

    def all(self) -> list[tuple[str, str]]:
        found = set(self.shown)
        found.update(("progress", progress_text(message)) for message in self.progress)
        found.update(("status bar", message) for message in self.status if message)
        return sorted(found)


def _drive(
    qtbot: QtBot, window: MainView, dicom: Path, design: Path, tmp_path: Path, screenshot: Path | None = None
) -> Texts:
    texts = Texts(window, screenshot)
    window.cases_panel.code_edit.setText(CODE)
    qtbot.mouseClick(window.cases_panel.new_button, Qt.MouseButton.LeftButton)
    texts.gather()
    panel = window.import_panel
    window.show_step("import")
    with qtbot.waitSignal(panel.scan_worker.finished, timeout=60_000):
        panel.scan(dicom)
    texts.gather()
    with qtbot.waitSignal(panel.import_worker.finished, timeout=60_000):
        qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    texts.gather()
    segment = window.segment_panel
    with qtbot.waitSignal(segment.segment_worker.finished, timeout=60_000):
        qtbot.mouseClick(segment.segment_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(segment.mesh_worker.finished, timeout=120_000):
        qtbot.mouseClick(segment.mesh_button, Qt.MouseButton.LeftButton)
    texts.gather()
    check = window.check_panel
    window.show_step("check")
    with qtbot.waitSignal(check.design_worker.finished, timeout=120_000):
        check.load_design(design)
    check.select_envelope(ENVELOPE)
    check.age_spin.setValue(46)
    check.weight_spin.setValue(72.5)
    with qtbot.waitSignal(check.checked, timeout=180_000):
        qtbot.mouseClick(check.check_button, Qt.MouseButton.LeftButton)
    texts.gather()
    review = window.review_panel
    window.show_step("review")
    dialog = review.open_sign_dialog()
    assert dialog is not None
    qtbot.waitUntil(lambda: bool(dialog.checklist.items), timeout=30_000)
    texts.shown.update(("checklist", label.text()) for label in dialog.checklist.findChildren(QLabel))
    texts.gather()
    qtbot.mouseClick(dialog.checklist.buttons["record_reverification"], Qt.MouseButton.LeftButton)
    rdialog = review.reverification_dialog
    assert rdialog is not None
    rdialog.password_edit.setText(password_of("eng1"))
    rdialog.method_edit.setText("FEA-0042")
    rdialog.justification_edit.setPlainText("FEA-0042")
    texts.gather()
    with qtbot.waitSignal(review.records_worker.finished, timeout=30_000):
        qtbot.mouseClick(rdialog.record_button, Qt.MouseButton.LeftButton)
    dialog = review.open_sign_dialog()
    assert dialog is not None
    dialog.set_meaning("clinical design confirmation")
    qtbot.waitUntil(dialog.ready, timeout=30_000)
    texts.shown.update(("checklist", label.text()) for label in dialog.checklist.findChildren(QLabel))
    # What the signature covers, as the signer reads it: the parameters in words, not machine names.
    texts.shown.update(("signed text", line) for line in dialog.content_view.toPlainText().splitlines())
    dialog.password_edit.setText(password_of("clin1"))
    with qtbot.waitSignal(review.records_worker.finished, timeout=30_000):
        qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    texts.gather()
    window.open_url = lambda _url: True  # no viewer started; the PDF is written for real
    with qtbot.waitSignal(review.records_worker.finished, timeout=60_000):
        window.write_report(tmp_path / "report.pdf", open_when_written=True)
    imported = window.workspace.imported
    assert imported is not None
    volume = imported.result.volume
    view = window.slices.views["axial"]
    window.slices.set_measuring("ruler")
    with qtbot.waitSignal(window.measure_worker.finished, timeout=30_000):
        for voxel in ((60, 128, view.index), (190, 128, view.index)):
            at = view.widget_point(index_to_screen(volume, "axial", voxel)).toPoint()
            qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=at)
    texts.gather()
    state = window.case_model.state
    assert state is not None
    assert state.state == "signed"
    return texts


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_word_along_the_workflow_is_in_the_window_s_language(
    qtbot: QtBot,
    gui_settings: GuiSettings,
    sample_dicom: Path,
    sample_designs: dict[str, Path],
    tmp_path: Path,
    language: str,
) -> None:
    install_language(language)
    try:
        window = open_window(qtbot, gui_settings)
        screenshot = Path(__file__).resolve().parent / "screenshots" / f"{language}-check-analysis-progress.png"
        screenshot.unlink(missing_ok=True)
        texts = _drive(qtbot, window, sample_dicom, sample_designs["thin"], tmp_path, screenshot)
        shown = texts.all()
        assert texts.progress  # the workers reported their stages
        # The check's analysis reported its stages per mesh level (the window showed them; a screenshot of one).
        # A report held back by the workers' throttle is sent when its interval ends: the default level's meshing,
        # reported just after the coarse level's last stage, is shown while it runs (it used to be dropped).
        stages = [m for m in texts.progress if "(finite-element analysis" in m]
        assert "meshing the design (finite-element analysis, coarse mesh, 5 mm)" in stages
        assert "meshing the design (finite-element analysis, default mesh, 2.5 mm)" in stages
        assert screenshot.is_file()
        if language == "zh_CN":
            # Data, not interface: the case code, what was typed, the design's file, the envelope's id and constraints.
            envelope = load_envelope(ENVELOPE)
            constraints = [constraint.id for constraint in envelope.constraints]
            data = [*_data_strings(window), CODE, "FEA-0042", sample_designs["thin"].name, envelope.id, *constraints]
            untranslated = sorted(
                {
                    f"{where}: {text!r}"
                    for where, text in shown
                    if text and [w for w in _english_words(text, data) if w not in NAMES]
                }
            )
            assert not untranslated, "untranslated text in zh_CN:\n" + "\n".join(untranslated)
        else:
            # English words, not machine names: no snake_case codes (event kinds, finding codes, states) or pint
            # units outside tooltips; the dotted parameter names (the measuring progress names them) are
            # identifiers by design.
            machine = re.compile(r"\b[a-z]+_[a-z_]+\b|\*\*")
            dotted = re.compile(r"[\w-]*(?:\.\w+)+")
            raw = sorted(
                {
                    f"{where}: {text!r}"
                    for where, text in shown
                    if "tooltip" not in where and machine.search(dotted.sub(" ", text))
                }
            )
            assert not raw, "machine names shown in English:\n" + "\n".join(raw)
    finally:
        install_language("en")
