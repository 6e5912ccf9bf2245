"""The ruler and the angle on the slices, kept with the case: real clicks on the reopened sample case.

Acceptance: the ruler, placed on the outer edges of the sample skull where the image shows them (the half-way
crossing between scalp and cortical bone along one row), measures the skull's analytic width at that row and slice
(:mod:`imaging.sample_case`: an ellipsoid with semi-axes 70, 90, 75 mm) within one pixel spacing.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from gui_support import ENGINEER, open_window
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from app.gui.slice_view import SliceView
from app.gui.slicing import index_to_screen
from imaging.sample_case import SAMPLE_CASE
from records.store import Store
from workflow.measurements import MEASUREMENT_RECORDED, case_measurements

CODE = "SHOT-FITTED"
SLICE, ROW = 59, 127  # z = 40.5 mm, y = -0.45 mm: through the middle of the head, clear of the defect
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def _window(qtbot: QtBot, home: Path, tmp_path: Path) -> MainView:
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(home))
    window = open_window(qtbot, settings)
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(CODE)
    assert window.workspace.imported is not None
    window.slices.set_crosshair((128, ROW, SLICE))
    qtbot.wait(50)
    return window


def _click(view: SliceView, at: QPointF) -> None:
    """A left click at a sub-pixel widget position (as a tablet or a high-resolution mouse gives)."""
    for kind, held in (
        (QMouseEvent.Type.MouseButtonPress, Qt.MouseButton.LeftButton),
        (QMouseEvent.Type.MouseButtonRelease, Qt.MouseButton.NoButton),
    ):
        event = QMouseEvent(
            kind, at, view.mapToGlobal(at), Qt.MouseButton.LeftButton, held, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(view, event)


def _skull_edges(row: np.ndarray) -> tuple[float, float]:
    """The continuous columns where the row crosses half-way from scalp to cortical bone, outside in."""
    half = (SAMPLE_CASE.soft_tissue_hu + SAMPLE_CASE.bone_hu[1]) / 2
    inside = np.nonzero(row > half)[0]
    first, last = int(inside[0]), int(inside[-1])
    left = first - 1 + (half - row[first - 1]) / (row[first] - row[first - 1])
    right = last + (row[last] - half) / (row[last] - row[last + 1])
    return float(left), float(right)


def test_the_ruler_measures_the_sample_skull_within_a_pixel_and_is_kept(
    qtbot: QtBot, store_copy: Path, tmp_path: Path
) -> None:
    window = _window(qtbot, store_copy, tmp_path)
    imported = window.workspace.imported
    assert imported is not None
    volume = imported.result.volume
    slices = window.slices
    view = slices.views["axial"]
    assert view.index == SLICE

    qtbot.mouseClick(slices.measure_buttons["ruler"], Qt.MouseButton.LeftButton)
    assert slices.measuring == "ruler"
    assert view.drawing == "ruler"
    left, right = _skull_edges(volume.voxels[SLICE, ROW, :].astype(np.float64))
    _, row = index_to_screen(volume, "axial", (0, ROW, SLICE))
    with qtbot.waitSignal(window.measure_worker.finished, timeout=30_000):
        _click(view, view.widget_point((left, row)))
        _click(view, view.widget_point((right, row)))

    _, y0, z0 = volume.index_to_world((0, ROW, SLICE))
    centre = SAMPLE_CASE.head_centre
    a, b, c = SAMPLE_CASE.skull_semi_axes_mm
    width = 2 * a * math.sqrt(1 - ((y0 - centre[1]) / b) ** 2 - ((z0 - centre[2]) / c) ** 2)
    state = window.case_model.state
    assert state is not None
    found = case_measurements(state.events)
    assert len(found) == 1
    ruler = found[0].measurement
    assert (ruler.kind, ruler.unit, ruler.plane, ruler.slice_index) == ("distance", "mm", "axial", SLICE)
    assert abs(ruler.value - width) < min(SAMPLE_CASE.spacing[:2]), (ruler.value, width)
    assert found[0].actor == ENGINEER
    assert f"{ruler.value:.1f} mm recorded with the case" in window.statusBar().currentMessage()
    assert [label for _, label in view.measurements] == [f"{ruler.value:.1f} mm"]
    assert window.slices.views["coronal"].measurements == []  # another plane: not drawn there

    # The angle: three voxel centres making a right angle (vertex second).
    qtbot.mouseClick(slices.measure_buttons["angle"], Qt.MouseButton.LeftButton)
    assert slices.measuring == "angle"
    assert not slices.measure_buttons["ruler"].isChecked()
    corners = [(100, ROW - 30, SLICE), (150, ROW - 30, SLICE), (150, ROW + 20, SLICE)]
    with qtbot.waitSignal(window.measure_worker.finished, timeout=30_000):
        for voxel in corners:
            _click(view, view.widget_point(index_to_screen(volume, "axial", voxel)))
    state = window.case_model.state
    assert state is not None
    angle = case_measurements(state.events)[-1].measurement
    assert (angle.kind, angle.unit) == ("angle", "degree")
    assert angle.value == pytest.approx(90.0, abs=1e-6)
    assert "90.0°" in [label for _, label in view.measurements]

    # Kept with the case: in the log, attested by the engineer; the audit trail lists them; stepping away from
    # the slice hides them, coming back shows them.
    with Store.open(store_copy) as store:
        case = store.case(CODE)
        audit = store.verify()
    assert audit.ok, audit
    assert [e.actor for e in case.events if e.kind == MEASUREMENT_RECORDED] == [ENGINEER, ENGINEER]
    kinds = [
        window.review_panel.audit_table.item(r, 2).text() for r in range(window.review_panel.audit_table.rowCount())
    ]
    assert kinds[-2:] == ["measurement recorded", "measurement recorded"]  # the event's name in words
    slices.set_crosshair((128, ROW, SLICE + 1))
    assert view.measurements == []
    slices.set_crosshair((128, ROW, SLICE))
    assert len(view.measurements) == 2
    # An editing tool ends measuring.
    window.show_step("segment")
    qtbot.mouseClick(window.segment_panel.paint_button, Qt.MouseButton.LeftButton)
    assert slices.measuring is None
    assert not any(button.isChecked() for button in slices.measure_buttons.values())


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshot_of_measurements(qtbot: QtBot, store_copy: Path, tmp_path: Path, language: str) -> None:
    install_language(language)
    try:
        window = _window(qtbot, store_copy, tmp_path)
        imported = window.workspace.imported
        assert imported is not None
        volume = imported.result.volume
        view = window.slices.views["axial"]
        window.slices.set_measuring("ruler")
        left, right = _skull_edges(volume.voxels[SLICE, ROW, :].astype(np.float64))
        _, row = index_to_screen(volume, "axial", (0, ROW, SLICE))
        with qtbot.waitSignal(window.measure_worker.finished, timeout=30_000):
            _click(view, view.widget_point((left, row)))
            _click(view, view.widget_point((right, row)))
        window.slices.set_measuring("angle")
        with qtbot.waitSignal(window.measure_worker.finished, timeout=30_000):
            for voxel in [(60, 60, SLICE), (128, 40, SLICE), (196, 60, SLICE)]:
                _click(view, view.widget_point(index_to_screen(volume, "axial", voxel)))
        qtbot.wait(100)
        SCREENSHOTS.mkdir(exist_ok=True)
        assert window.grab().save(str(SCREENSHOTS / f"{language}-18-measurements.png"))
        labels = [label for _, label in view.measurements]
        assert len(labels) == 2
        if language == "zh_CN":
            assert labels[1].endswith("度"), labels
            assert "记录" in window.statusBar().currentMessage()
    finally:
        install_language("en")
