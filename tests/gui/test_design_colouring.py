"""The 3D view colours the design by any per-vertex array its display surface carries (deviation, stress)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from sample_pipeline import PipelineResults

from app.gui.scene_view import DEVIATION_STOPS, STRESS_STOPS, SceneView, SurfaceColouring
from workflow.display import display_surface

SIZE = (400, 300)
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def _pixels(png: bytes) -> npt.NDArray[np.int16]:
    image = QImage.fromData(png).convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(height, image.bytesPerLine())
    return data[:, : width * 3].reshape(height, width, 3).astype(np.int16)


def _reddish(pixels: npt.NDArray[np.int16]) -> float:
    """The share of pixels clearly red (red over both other channels by 60 levels; shading keeps the hue)."""
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return float(((red - green > 60) & (red - blue > 60)).mean())


def _bluish(pixels: npt.NDArray[np.int16]) -> float:
    """The share of pixels clearly blue (blue over red by 40 levels; the background is only 10 over)."""
    red, blue = pixels[..., 0], pixels[..., 2]
    return float((blue - red > 40).mean())


def test_the_design_is_coloured_by_a_signed_array_and_back(qtbot: QtBot, pipeline: PipelineResults) -> None:
    scene = SceneView()
    qtbot.addWidget(scene)
    scene.resize(*SIZE)
    scene.show()
    scene.activate()
    qtbot.waitExposed(scene)
    mesh = pipeline.designs["fitted"].stored.mesh
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    # A signed value per vertex: its left-right offset from the plate's middle, -1 mm to +1 mm across it.
    offset = vertices[:, 0] - float(np.median(vertices[:, 0]))
    values = offset / float(np.abs(offset).max())
    surface = display_surface(mesh, {"deviation_mm": values})
    scene.set_design(mesh, surface)
    colouring = SurfaceColouring("deviation_mm", (-1.0, 1.0), DEVIATION_STOPS, "mm")
    scene.set_design_colouring(colouring)
    assert scene.design_colouring == colouring
    assert scene.scalar_bar_titles == ("mm",)
    coloured = _pixels(scene.screenshot_png(SIZE))
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "design-colouring-deviation.png").write_bytes(scene.screenshot_png(SIZE))
    # Both ends of the scale are on the plate: its blue half and its red half (shaded, hence the tolerance).
    assert _bluish(coloured) > 0.002
    assert _reddish(coloured) > 0.01
    # A colouring by an array the surface does not carry falls back to the wall map; None likewise.
    scene.set_design_colouring(SurfaceColouring("von_mises_mpa", (0.0, 10.0), STRESS_STOPS, "MPa"))
    assert scene.design_colouring is None
    scene.set_design_colouring(None)
    scene.set_wall_map(False)
    plain = _pixels(scene.screenshot_png(SIZE))
    assert scene.scalar_bar_titles == ()
    assert _reddish(plain) < 0.0005
    scene.close_scene()
