"""View > Stress map: the design coloured by the von Mises stress of the check's own analysis, its peak marked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from gui_support import open_window
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sample_pipeline import PipelineResults

from app.gui.i18n import install_language
from app.gui.models import WorkspaceModel
from app.gui.scene_view import SceneView
from app.gui.settings import GuiSettings
from app.gui.stress_map import StressMapAction
from base.errors import DvwError
from mechanics.field import VON_MISES_ARRAY, read_stress_field

SIZE = (480, 360)
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def _pixels(png: bytes) -> npt.NDArray[np.int16]:
    image = QImage.fromData(png).convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(height, image.bytesPerLine())
    return data[:, : width * 3].reshape(height, width, 3).astype(np.int16)


def _share(pixels: npt.NDArray[np.int16], colour: str) -> float:
    """The share of pixels clearly red (the peak's colour) or clearly blue-dominated (low stress)."""
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    if colour == "red":
        return float(((red - green > 60) & (red - blue > 60)).mean())
    return float(((blue - red > 60) & (blue - green > 30)).mean())


def test_the_stress_map_shows_the_recorded_field_and_its_peak(qtbot: QtBot, pipeline: PipelineResults) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    scene = SceneView()
    qtbot.addWidget(scene)
    scene.resize(*SIZE)
    scene.show()
    scene.activate()
    qtbot.waitExposed(scene)
    design, outcome = pipeline.designs["thin"], pipeline.outcomes["thin"]
    workspace = WorkspaceModel()
    workspace.set_design(design)
    scene.set_design(design.stored.mesh, design.display)
    wall = ("Minimum wall thickness", (0.0, 0.0, 0.0))
    errors: list[DvwError] = []
    stress = StressMapAction(workspace, scene, lambda: [wall], errors.append, host)
    stress.refresh()
    assert not stress.action.isEnabled()  # no check yet: nothing to show
    workspace.set_outcome(outcome)
    stress.refresh()
    assert stress.action.isEnabled()
    stress.action.setChecked(True)
    assert errors == []
    # The colours are the recorded analysis': 0 to the peak the check recorded, in MPa, the peak marked.
    peak = outcome.parameters.get("mech.max_von_mises")
    assert peak is not None
    assert peak.value is not None
    assert peak.location is not None
    colouring = scene.design_colouring
    assert colouring is not None
    assert colouring.scalars == VON_MISES_ARRAY
    assert colouring.value_range == (0.0, pytest.approx(peak.value, rel=1e-6))
    assert peak.value == pytest.approx(13.8, rel=0.03)  # the 2.5 mm plate under the sample push
    assert scene.scalar_bar_titles == ("MPa",)
    assert scene.markers[0] == wall
    label, place = scene.markers[-1]
    assert label == f"Peak stress {peak.value:.3g} MPa"
    assert np.allclose(place, peak.location, atol=1e-3)
    field = read_stress_field(outcome.files["stress_field"])
    assert field.design_sha256 == design.stored.sha256
    assert np.array_equal(stress.shown.surface.point_data[VON_MISES_ARRAY], field.vertex_von_mises_mpa)  # type: ignore[union-attr]
    png = scene.screenshot_png(SIZE)
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "stress-map-thin.png").write_bytes(png)
    mapped = _pixels(png)
    # The push's centre is red, the held rim blue: both ends of the scale are on the plate.
    assert _share(mapped, "red") > 0.002
    assert _share(mapped, "blue") > 0.02
    # Off: the design's own colours and the flagged markers only.
    stress.action.setChecked(False)
    assert scene.design_colouring is None
    assert scene.markers == [wall]
    assert scene.scalar_bar_titles != ("MPa",)
    # A new check without a field (or none) disables the map and takes it off.
    stress.action.setChecked(True)
    workspace.set_outcome(None)
    stress.refresh()
    assert not stress.action.isEnabled()
    assert not stress.action.isChecked()
    assert scene.design_colouring is None
    scene.close_scene()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshot_of_the_stress_map_of_a_reopened_case(
    qtbot: QtBot, store_copy: Path, tmp_path: Path, language: str
) -> None:
    """A reopened case's check brings its stress field back: View > Stress map shows it, in either language."""
    install_language(language)
    try:
        settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store_copy))
        window = open_window(qtbot, settings)
        with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
            window.cases_panel.open_case("SHOT-THIN")
        qtbot.waitUntil(window.stress_map.action.isEnabled, timeout=30_000)
        action = window.stress_map.action
        assert action.text() == ("应力云图" if language == "zh_CN" else "Stress map")
        view_menu = next(m for m in window.menuBar().actions() if m.menu() is not None and action in m.menu().actions())
        assert view_menu is not None
        action.trigger()
        assert window.scene.design_colouring is not None
        label = window.scene.markers[-1][0]
        assert label.startswith("峰值应力" if language == "zh_CN" else "Peak stress")
        qtbot.wait(200)
        SCREENSHOTS.mkdir(exist_ok=True)
        assert window.grab().save(str(SCREENSHOTS / f"{language}-stress-map.png"))
        # The report written from the window takes the stress map, as shown, into its mechanical analysis.
        report = tmp_path / "report.pdf"
        with qtbot.waitSignal(window.review_panel.records_worker.finished, timeout=60_000):
            window.write_report(report)
        assert window.last_error is None
        text = subprocess.run(
            ["pdftotext", "-layout", str(report), "-"], capture_output=True, text=True, check=True
        ).stdout
        analysis = text[text.index("Mechanical analysis") :]
        assert "force 200 N over a 10 mm disc at the design's centre, directed inward" in analysis
        assert "as the window's stress map (View > Stress map) showed it" in analysis
        listed = subprocess.run(["pdfimages", "-list", str(report)], capture_output=True, text=True, check=True).stdout
        assert len(listed.splitlines()[2:]) == 2  # the 3D view, and the stress map in the mechanical analysis
    finally:
        install_language("en")
