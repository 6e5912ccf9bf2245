"""Render regression of the 3D view: the sample skull and the fitted plate against a committed baseline image.

Set ``DVW_RESET_BASELINES=1`` to write a new baseline (then look at it before committing). A failing render is
kept in ``tests/gui/failed/`` for inspection.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
from gui_support import PipelineResults
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.gui.scene_view import SceneView

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline" / "scene-view-fitted.png"
SIZE = (400, 300)
#: Mean absolute difference (grey levels, 0-255) above which the render fails; and the share of pixels allowed to
#: differ by more than 64 levels (edges move by a pixel between OpenGL implementations).
MEAN_LIMIT = 3.0
PIXEL_SHARE_LIMIT = 0.02


def _pixels(png: bytes) -> npt.NDArray[np.int16]:
    image = QImage.fromData(png).convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(height, image.bytesPerLine())
    return data[:, : width * 3].reshape(height, width, 3).astype(np.int16)


def test_the_3d_view_renders_as_the_baseline(qtbot: QtBot, pipeline: PipelineResults) -> None:
    scene = SceneView()
    qtbot.addWidget(scene)
    scene.resize(*SIZE)
    scene.show()
    scene.activate()
    qtbot.waitExposed(scene)
    design = pipeline.designs["fitted"]
    scene.set_anatomy(pipeline.anatomy.stored.mesh, pipeline.anatomy.display)
    scene.set_design(design.stored.mesh, design.display)
    png = scene.screenshot_png(SIZE)
    scene.close_scene()
    if os.environ.get("DVW_RESET_BASELINES") or not BASELINE.exists():
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_bytes(png)
    rendered, expected = _pixels(png), _pixels(BASELINE.read_bytes())
    assert rendered.shape == expected.shape
    difference = np.abs(rendered - expected).max(axis=2)
    mean = float(difference.mean())
    share = float((difference > 64).mean())
    if mean > MEAN_LIMIT or share > PIXEL_SHARE_LIMIT:
        failed = HERE / "failed"
        failed.mkdir(exist_ok=True)
        (failed / BASELINE.name).write_bytes(png)
    assert mean <= MEAN_LIMIT, f"mean difference {mean:.2f} grey levels (limit {MEAN_LIMIT})"
    assert share <= PIXEL_SHARE_LIMIT, f"{share:.1%} of the pixels differ by more than 64 levels"
    # Pixel probes: the design's blue in the middle, the dark background in a corner.
    r, g, b = rendered[SIZE[1] // 2, SIZE[0] // 2]
    assert b > r + 40
    assert b > g
    assert rendered[2, 2].max() < 60
