"""The anatomy and the design drawn as outlines on the slices, so that fit can be judged slice by slice.

The reopened sample case (``store_copy``: volume, mask, anatomy and the fitted design) in a shown window; the
outlines are cut in a worker whenever the crosshair moves, and drawn in the views (pixel probes on the view's grab).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_support import open_window
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from app.gui.slice_view import OUTLINE_RGB, SliceView

CODE = "SHOT-FITTED"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def _window(qtbot: QtBot, home: Path, tmp_path: Path) -> MainView:
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(home))
    window = open_window(qtbot, settings)
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(CODE)
    assert window.workspace.anatomy is not None
    assert window.workspace.design is not None
    return window


def _to_design_centre(qtbot: QtBot, window: MainView) -> None:
    design = window.workspace.design
    imported = window.workspace.imported
    assert design is not None
    assert imported is not None
    centre = design.stored.mesh.vertices.mean(axis=0)
    voxel = np.rint(imported.result.volume.world_to_index(centre)).astype(int)
    with qtbot.waitSignal(window.slices.outline_worker.finished, timeout=30_000):
        window.slices.set_crosshair((int(voxel[0]), int(voxel[1]), int(voxel[2])))


def _pixels_of(view: SliceView, rgb: tuple[int, int, int]) -> int:
    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * height)
    pixels = data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3).astype(int)
    return int((np.abs(pixels - np.array(rgb)).sum(axis=2) < 60).sum())


def test_the_meshes_are_outlined_on_the_slices_through_the_crosshair(
    qtbot: QtBot, store_copy: Path, tmp_path: Path
) -> None:
    window = _window(qtbot, store_copy, tmp_path)
    slices = window.slices
    _to_design_centre(qtbot, window)
    for view in slices.views.values():
        assert len(view.outlines["anatomy"]) > 20, view.plane
        assert len(view.outlines["design"]) > 20, view.plane
    axial = slices.views["axial"]
    qtbot.wait(50)
    assert _pixels_of(axial, OUTLINE_RGB["design"]) > 50
    # The outline follows the slice: the lowest axial slice is far below the plate (and only crosses the neck).
    with qtbot.waitSignal(slices.outline_worker.finished, timeout=30_000):
        slices.set_crosshair((slices.crosshair[0], slices.crosshair[1], 0))
    assert axial.outlines["design"] == []
    assert _pixels_of(axial, OUTLINE_RGB["design"]) == 0
    # The Outlines button hides them.
    _to_design_centre(qtbot, window)
    slices.outline_button.setChecked(False)
    assert all(view.outlines == {} for view in slices.views.values())
    assert _pixels_of(axial, OUTLINE_RGB["design"]) == 0
    with qtbot.waitSignal(slices.outline_worker.finished, timeout=30_000):
        slices.outline_button.setChecked(True)
    assert len(axial.outlines["design"]) > 20


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshot_of_the_outlines(qtbot: QtBot, store_copy: Path, tmp_path: Path, language: str) -> None:
    install_language(language)
    try:
        window = _window(qtbot, store_copy, tmp_path)
        window.show_step("check")
        _to_design_centre(qtbot, window)
        qtbot.wait(100)
        SCREENSHOTS.mkdir(exist_ok=True)
        assert window.grab().save(str(SCREENSHOTS / f"{language}-21-outlines.png"))
        expected = "轮廓" if language == "zh_CN" else "Outlines"
        assert window.slices.outline_button.text() == expected
    finally:
        install_language("en")
