"""The 3D view's distance tool: two real clicks on the reopened sample case's design, kept with the case.

The points clicked are two vertices of the design's outer face that face the camera (the cap is convex there, so
nothing hides them); the distance recorded is compared with the vertices' own distance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from gui_support import ENGINEER, open_window
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from app.gui.settings import GuiSettings
from records.store import Store
from workflow.measurements import DISTANCE_3D_PLANE, MEASUREMENT_RECORDED, case_measurements

CODE = "SHOT-FITTED"
SETTLE_MS = 400


def _display(renderer: object, point: np.ndarray) -> tuple[float, float]:
    renderer.SetWorldPoint(*point, 1.0)  # type: ignore[attr-defined]
    renderer.WorldToDisplay()  # type: ignore[attr-defined]
    x, y, _ = renderer.GetDisplayPoint()  # type: ignore[attr-defined]
    return float(x), float(y)


def test_two_clicks_on_the_surfaces_measure_their_distance(qtbot: QtBot, store_copy: Path, tmp_path: Path) -> None:
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store_copy))
    window = open_window(qtbot, settings)
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(CODE)
    scene = window.scene
    qtbot.waitUntil(lambda: scene.design is not None and scene.active)
    qtbot.wait(SETTLE_MS)
    design = scene.design
    assert design is not None

    # Vertices whose outward normal faces the camera squarely, inside the view.
    camera = scene.renderer.GetActiveCamera()
    eye = np.asarray(camera.GetPosition())
    a, b, c = (design.vertices[design.faces[:, k]] for k in range(3))
    face_normals = np.cross(b - a, c - a)
    normals = np.zeros_like(design.vertices)
    for k in range(3):
        np.add.at(normals, design.faces[:, k], face_normals)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    towards = eye - design.vertices
    towards /= np.linalg.norm(towards, axis=1, keepdims=True)
    facing = np.flatnonzero(np.einsum("ij,ij->i", normals, towards) > 0.9)
    assert facing.size > 10
    screen = np.array([_display(scene.renderer, design.vertices[i]) for i in facing])
    first, second = facing[int(np.argmin(screen[:, 0]))], facing[int(np.argmax(screen[:, 0]))]
    expected = float(np.linalg.norm(design.vertices[first] - design.vertices[second]))
    assert expected > 10.0

    window.distance3d_action.trigger()  # View > 3D distance (Shift+D)
    assert scene.measuring
    height = scene.interactor.height()
    with qtbot.waitSignal(window.measure_worker.finished, timeout=30_000):
        for vertex in (first, second):
            x, y = _display(scene.renderer, design.vertices[vertex])
            qtbot.mouseClick(scene.interactor, Qt.MouseButton.LeftButton, pos=QPoint(round(x), height - 1 - round(y)))

    state = window.case_model.state
    assert state is not None
    found = case_measurements(state.events)
    assert len(found) == 1
    distance = found[0].measurement
    assert (distance.kind, distance.unit, distance.plane, distance.slice_index) == ("distance", "mm", "3d", -1)
    assert distance.plane == DISTANCE_3D_PLANE
    # Within a millimetre of the vertices' distance: each click lands within a pixel (about 0.3 mm here) of its
    # vertex, on the surface.
    assert abs(distance.value - expected) < 1.0, (distance.value, expected)
    assert found[0].actor == ENGINEER
    assert [label for label, _ in scene.distances] == [f"{distance.value:.1f} mm"]
    with Store.open(store_copy) as store:
        assert [e.actor for e in store.case(CODE).events if e.kind == MEASUREMENT_RECORDED] == [ENGINEER]
        assert store.verify().ok
    # The slices do not draw it (it lies on no slice), and the tool stays on in the review.
    assert all(view.measurements == [] for view in window.slices.views.values())
    window.review_panel.review_button.click()
    qtbot.wait(SETTLE_MS)
    assert window.distance3d_action.isEnabled()
    assert window.distance3d_action.isChecked()
    window.grab().save(str(tmp_path / "distance-3d.png"))
    # Off, clicks turn the view again and place nothing.
    window.distance3d_action.trigger()
    assert not scene.measuring
