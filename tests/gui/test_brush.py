"""Paint and erase as brush strokes while dragging, with the brush's outline shown: one undo step per stroke.

The reopened sample case (``store_copy``: its mask loaded) in a shown window, real mouse events on the axial view.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_support import open_window
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from app.gui.slice_view import SliceView
from app.gui.slicing import screen_to_index

CODE = "SHOT-FITTED"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def _window(qtbot: QtBot, home: Path, tmp_path: Path) -> MainView:
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(home))
    window = open_window(qtbot, settings)
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(CODE)
    assert window.workspace.mask is not None
    window.show_step("segment")
    qtbot.wait(50)
    return window


def _send(view: SliceView, kind: QMouseEvent.Type, at: QPointF, button: Qt.MouseButton, held: Qt.MouseButton) -> None:
    event = QMouseEvent(kind, at, view.mapToGlobal(at), button, held, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, event)


def _stroke(view: SliceView, points: list[tuple[float, float]]) -> None:
    """Press at the first image point, drag through the others, release at the last."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    at = [view.widget_point(p) for p in points]
    _send(view, QMouseEvent.Type.MouseButtonPress, at[0], left, left)
    for point in at[1:]:
        _send(view, QMouseEvent.Type.MouseMove, point, none, left)
    _send(view, QMouseEvent.Type.MouseButtonRelease, at[-1], left, none)


def test_a_dragged_stroke_paints_its_path_in_one_undo_step(qtbot: QtBot, store_copy: Path, tmp_path: Path) -> None:
    window = _window(qtbot, store_copy, tmp_path)
    panel = window.segment_panel
    view = window.slices.views["axial"]
    original = window.workspace.mask
    assert original is not None
    qtbot.mouseClick(panel.paint_button, Qt.MouseButton.LeftButton)
    assert view.brush_mm == panel.radius_spin.value() == 4.0
    panel.radius_spin.setValue(3.0)
    assert view.brush_mm == 3.0
    # The brush's outline follows the cursor.
    hover = view.widget_point((40.0, 40.0))
    _send(view, QMouseEvent.Type.MouseMove, hover, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
    assert view._brush_at == hover
    # A fast stroke through the air in front of the head: three mouse positions, 80 pixels apart.
    path = [(40.0, 10.0), (120.0, 10.0), (200.0, 10.0)]
    with qtbot.waitSignal(panel.edit_worker.finished, timeout=30_000):
        _stroke(view, path)
    assert panel.undo_stack.count() == 1
    painted = window.workspace.mask
    assert painted is not None
    volume = window.slices.volume
    assert volume is not None
    for column in range(40, 201, 10):  # every voxel along the path, also between the mouse positions
        x, y, z = screen_to_index(volume, "axial", view.index, float(column), 10.0)
        assert painted.voxels[z, y, x] == 1, column
        assert original.voxels[z, y, x] == 0
    # Erasing with a stroke over part of it, then undoing both strokes gives the original mask back.
    qtbot.mouseClick(panel.erase_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.edit_worker.finished, timeout=30_000):
        _stroke(view, [(100.0, 10.0), (140.0, 10.0)])
    assert panel.undo_stack.count() == 2
    erased = window.workspace.mask
    assert erased is not None
    x, y, z = screen_to_index(volume, "axial", view.index, 120.0, 10.0)
    assert erased.voxels[z, y, x] == 0
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    restored = window.workspace.mask
    assert restored is not None
    assert np.array_equal(restored.voxels, original.voxels)
    # A click is a one-point stroke, painted at once.
    qtbot.mouseClick(panel.paint_button, Qt.MouseButton.LeftButton)
    _stroke(view, [(60.0, 60.0)])
    assert panel.undo_stack.count() == 1


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshot_of_the_brush(qtbot: QtBot, store_copy: Path, tmp_path: Path, language: str) -> None:
    install_language(language)
    try:
        window = _window(qtbot, store_copy, tmp_path)
        panel = window.segment_panel
        view = window.slices.views["axial"]
        qtbot.mouseClick(panel.paint_button, Qt.MouseButton.LeftButton)
        left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
        _send(view, QMouseEvent.Type.MouseButtonPress, view.widget_point((60.0, 40.0)), left, left)
        for column in (90.0, 120.0, 150.0):
            _send(view, QMouseEvent.Type.MouseMove, view.widget_point((column, 45.0)), none, left)
        qtbot.wait(100)
        SCREENSHOTS.mkdir(exist_ok=True)
        assert window.grab().save(str(SCREENSHOTS / f"{language}-22-brush-stroke.png"))
        hint = panel.edit_label.text()
        assert ("拖动" in hint) if language == "zh_CN" else ("drag" in hint)
        with qtbot.waitSignal(panel.edit_worker.finished, timeout=30_000):
            _send(view, QMouseEvent.Type.MouseButtonRelease, view.widget_point((150.0, 45.0)), left, none)
    finally:
        install_language("en")


def test_fill_between_slices_interpolates_a_mask_drawn_on_two_slices(
    qtbot: QtBot, store_copy: Path, tmp_path: Path
) -> None:
    from imaging.volume import Volume  # noqa: PLC0415

    window = _window(qtbot, store_copy, tmp_path)
    panel = window.segment_panel
    current = window.workspace.mask
    assert current is not None
    voxels = np.zeros_like(current.voxels)
    _, ny, nx = voxels.shape
    j, i = np.indices((ny, nx))
    distance = np.hypot((i - nx // 2) * current.spacing[0], (j - ny // 2) * current.spacing[1])
    voxels[40][distance <= 10.0] = 1  # drawn on two axial slices, 20 apart
    voxels[60][distance <= 20.0] = 1
    window.workspace.set_mask(Volume(voxels, current.spacing, current.origin, current.direction))
    with qtbot.waitSignal(panel.edit_worker.finished, timeout=30_000):
        qtbot.mouseClick(panel.fill_button, Qt.MouseButton.LeftButton)
    assert panel.undo_stack.count() == 1
    filled = window.workspace.mask
    assert filled is not None
    area_mm2 = float(filled.voxels[50].sum()) * current.spacing[0] * current.spacing[1]
    assert area_mm2 == pytest.approx(np.pi * 15.0**2, rel=0.06)  # half-way: a 15 mm circle
    assert not filled.voxels[39].any()
    assert not filled.voxels[61].any()
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    undone = window.workspace.mask
    assert undone is not None
    assert np.array_equal(undone.voxels, voxels)
