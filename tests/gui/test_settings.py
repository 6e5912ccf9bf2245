"""Settings persisted with QSettings (store, language, sync server, geometry, last folder); a folder dropped on
the window is scanned."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainView
from app.gui.settings import GuiSettings


def test_settings_are_saved_and_the_window_geometry_remembered(qtbot: QtBot, tmp_path: Path) -> None:
    ini = tmp_path / "settings.ini"
    settings = GuiSettings.from_file(ini)
    settings.home = tmp_path / "home"
    window = MainView(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    dialog = window.open_settings()
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("zh_CN"))
    dialog.sync_edit.setText("https://dvw.example.com ")
    dialog.home_edit.setText(str(tmp_path / "other-home"))
    dialog.accept()
    assert "https://dvw.example.com" in window.sync_label.text()
    assert window.case_model.home == tmp_path / "other-home"
    window.resize(1234, 876)
    window.close()

    again = GuiSettings.from_file(ini)
    assert (again.language, again.sync_server, again.home) == (
        "zh_CN",
        "https://dvw.example.com",
        tmp_path / "other-home",
    )
    reopened = MainView(again)
    qtbot.addWidget(reopened)
    assert (reopened.width(), reopened.height()) == (1234, 876)


def test_a_dropped_folder_is_scanned(qtbot: QtBot, gui_settings: GuiSettings, sample_dicom: Path) -> None:
    window = MainView(gui_settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(sample_dicom))])
    drop = QDropEvent(
        QPointF(20, 20), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.import_panel.scan_worker.finished, timeout=60_000):
        window.dropEvent(drop)
    assert window.stack.currentWidget() is window.import_panel
    assert window.import_panel.series_table.rowCount() == 1
    assert gui_settings.last_folder == str(sample_dicom)
