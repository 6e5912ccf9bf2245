"""The slice views as engineers use them: zoom about the cursor, pan, window/level by dragging, the HU under the
cursor. Real mouse events on the sample CT (the ``pipeline`` fixture's imported volume) in a shown window."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from gui_support import open_window
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sample_pipeline import PipelineResults

from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from app.gui.slice_view import SliceView
from app.gui.slicing import WINDOW_DRAG_FRACTION, index_to_screen

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def _window(qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path) -> MainView:
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(pipeline.home))
    window = open_window(qtbot, settings)
    window.workspace.set_imported(pipeline.imported)
    window.show_step("segment")
    qtbot.wait(50)
    return window


def _mouse(view: SliceView, kind: QMouseEvent.Type, at: QPointF, button: Qt.MouseButton, held: Qt.MouseButton) -> None:
    event = QMouseEvent(kind, at, view.mapToGlobal(at), button, held, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, event)


def _drag(view: SliceView, start: QPointF, end: QPointF, button: Qt.MouseButton) -> None:
    no = Qt.MouseButton.NoButton
    _mouse(view, QMouseEvent.Type.MouseButtonPress, start, button, button)
    middle = (start + end) / 2
    _mouse(view, QMouseEvent.Type.MouseMove, middle, no, button)
    _mouse(view, QMouseEvent.Type.MouseMove, end, no, button)
    _mouse(view, QMouseEvent.Type.MouseButtonRelease, end, button, no)


def _wheel(view: SliceView, at: QPointF, notches: int, modifiers: Qt.KeyboardModifier) -> None:
    event = QWheelEvent(
        at,
        view.mapToGlobal(at),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, event)


def test_zoom_pan_window_level_and_the_value_under_the_cursor(
    qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path
) -> None:
    window = _window(qtbot, pipeline, tmp_path)
    volume = pipeline.imported.result.volume
    view = window.slices.views["axial"]
    other = window.slices.views["coronal"]
    index = view.index

    # Ctrl+wheel zooms about the cursor: the image point under it stays under it; the slice does not change.
    cursor = QPointF(view.width() * 0.3, view.height() * 0.4)
    under = view.image_point(cursor)
    assert under is not None
    _wheel(view, cursor, 2, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom == pytest.approx(1.25**2)
    assert view.index == index
    after = view.image_point(cursor)
    assert after is not None
    assert after == pytest.approx(under, abs=1e-6)
    assert other.zoom == 1.0  # each view zooms on its own
    # The plain wheel still steps the slice.
    _wheel(view, cursor, 1, Qt.KeyboardModifier.NoModifier)
    assert view.index == index + 1

    # A middle-button drag pans by the drag.
    pan = QPointF(view.pan)
    _drag(view, QPointF(100, 100), QPointF(160, 130), Qt.MouseButton.MiddleButton)
    assert (view.pan.x() - pan.x(), view.pan.y() - pan.y()) == pytest.approx((60.0, 30.0))

    # A right-button drag: right widens the window, down lowers the level, in all three views; no preset checked.
    bone = (view.window_hu, view.level_hu)
    assert bone == (1800.0, 400.0)
    _drag(view, QPointF(200, 200), QPointF(240, 220), Qt.MouseButton.RightButton)
    step = 1800.0 * WINDOW_DRAG_FRACTION
    expected = (1800.0 + 40 * step, 400.0 - 20 * step)
    for each in window.slices.views.values():
        assert (each.window_hu, each.level_hu) == pytest.approx(expected)
    assert not any(button.isChecked() for button in window.slices.preset_buttons.values())

    # The value under the cursor: at the widget position of a known voxel, the label shows that voxel's HU.
    voxel = (volume.size[0] // 2 + 7, volume.size[1] // 2 - 5, view.index)
    column, row = index_to_screen(volume, "axial", voxel)
    at = view.widget_point((column, row))
    _mouse(view, QMouseEvent.Type.MouseMove, at, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
    hu = float(volume.voxels[voxel[2], voxel[1], voxel[0]])
    assert window.slices.value_label.text() == f"{hu:.0f} HU at {voxel}"
    # An MR volume's values are not Hounsfield units: the label gives the value alone.
    window.slices.volume = replace(volume, metadata=(("dvw.modality", "MR"),))
    _mouse(view, QMouseEvent.Type.MouseMove, at, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
    assert window.slices.value_label.text() == f"Value {hu:.6g} at {voxel}"
    window.slices.volume = volume

    # Home fits the slice again.
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert (view.zoom, view.pan) == (1.0, QPointF())


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshot_of_a_zoomed_slice(qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path, language: str) -> None:
    install_language(language)
    try:
        window = _window(qtbot, pipeline, tmp_path)
        view = window.slices.views["axial"]
        centre = QPointF(view.width() / 2, view.height() / 2)
        _wheel(view, centre, 3, Qt.KeyboardModifier.ControlModifier)
        _drag(view, QPointF(100, 100), QPointF(130, 110), Qt.MouseButton.RightButton)
        _mouse(view, QMouseEvent.Type.MouseMove, centre, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
        qtbot.wait(100)
        SCREENSHOTS.mkdir(exist_ok=True)
        assert window.grab().save(str(SCREENSHOTS / f"{language}-17-slices-zoomed.png"))
        text = window.slices.value_label.text()
        assert text.endswith(")")
        if language == "zh_CN":
            assert "HU" in text, text
            assert "at" not in text, text
    finally:
        install_language("en")
