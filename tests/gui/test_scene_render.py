"""Render regression of the 3D view: the sample skull and the fitted plate against a committed baseline image.

The baseline shows the default look: the plate coloured by its wall thickness (an even 5 mm: the top colour of
the scale, the design's blue) with its scale in mm on the right.

Set ``DVW_RESET_BASELINES=1`` to write a new baseline (then look at it before committing). A failing render is
kept in ``tests/gui/failed/`` for inspection.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from sample_pipeline import PipelineResults

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


def _shown_scene(qtbot: QtBot) -> SceneView:
    """A 3D view of :data:`SIZE`, shown, with its render window made."""
    scene = SceneView()
    qtbot.addWidget(scene)
    scene.resize(*SIZE)
    scene.show()
    scene.activate()
    qtbot.waitExposed(scene)
    return scene


def test_the_3d_view_renders_as_the_baseline(qtbot: QtBot, pipeline: PipelineResults) -> None:
    scene = _shown_scene(qtbot)
    qtbot.waitUntil(lambda: scene.renders > 0)  # the first paint of the empty view
    qtbot.wait(100)
    design = pipeline.designs["fitted"]
    renders = scene.renders
    scene.set_anatomy(pipeline.anatomy.stored.mesh, pipeline.anatomy.display)
    scene.set_design(design.stored.mesh, design.display)
    scene.set_markers([])
    qtbot.waitUntil(lambda: scene.renders > renders)
    qtbot.wait(50)
    assert scene.renders == renders + 1  # three changes, one render
    assert scene.wall_map_shown  # the design comes coloured by its wall thickness, with its scale
    assert "mm" in scene.scalar_bar_titles
    png = scene.screenshot_png(SIZE)
    scene.set_wall_map(False)
    assert not scene.wall_map_shown
    assert "mm" not in scene.scalar_bar_titles
    plain = _pixels(scene.screenshot_png(SIZE))
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
    # Pixel probes: the design's blue in the middle (its even 5 mm wall is the top of the scale), the dark
    # background in a corner; the scale's red bottom (0 mm) and blue top on the right.
    for image in (rendered, plain):
        r, g, b = image[SIZE[1] // 2, SIZE[0] // 2]
        assert b > r + 40
        assert b > g
        assert image[2, 2].max() < 60
    bar = rendered[:, int(SIZE[0] * 0.86) : int(SIZE[0] * 0.94)].reshape(-1, 3)
    assert np.any((bar[:, 0] > 150) & (bar[:, 1] < 80) & (bar[:, 2] < 80))  # red: thin
    assert not np.any((plain[:, int(SIZE[0] * 0.86) :, 0] > 150) & (plain[:, int(SIZE[0] * 0.86) :, 1] < 80))
    # Plain, the design is the one design colour; in colour, its wall (5 mm, the top of the scale) the same blue.
    assert np.abs(plain[SIZE[1] // 2, SIZE[0] // 2] - rendered[SIZE[1] // 2, SIZE[0] // 2]).max() < 30


def test_a_repaint_that_only_uncovers_the_view_does_not_render(qtbot: QtBot, pipeline: PipelineResults) -> None:
    scene = _shown_scene(qtbot)
    scene.set_anatomy(pipeline.anatomy.stored.mesh, pipeline.anatomy.display)
    scene.set_design(pipeline.designs["thin"].stored.mesh, pipeline.designs["thin"].display)
    qtbot.waitUntil(scene.frame_is_current)
    culled = [
        actor.GetProperty().GetBackfaceCulling() for name in ("anatomy", "design") for actor in scene._actors[name][:1]
    ]
    assert culled == [1, 1]
    shown = scene._read_frame()
    renders = scene.renders
    scene.interactor.repaint()  # as when a dialog closes over it: the last frame is shown again
    qtbot.wait(50)
    assert scene.renders == renders
    assert np.array_equal(scene._read_frame(), shown)
    # The report's picture of a small view is rendered at 800 x 600; the view then renders as shown again.
    picture = scene.picture()
    assert picture.shape == (600, 800, 3)
    qtbot.waitUntil(scene.frame_is_current)
    assert scene.renders == renders + 2
    # A resize renders once, after the size settles.
    renders = scene.renders
    scene.resize(SIZE[0] + 40, SIZE[1] + 30)
    scene.resize(SIZE[0] + 80, SIZE[1] + 60)
    qtbot.waitUntil(scene.frame_is_current)
    qtbot.wait(100)
    assert scene.renders == renders + 1
    assert scene._read_frame().shape == (SIZE[1] + 60, SIZE[0] + 80, 3)
    scene.close_scene()
