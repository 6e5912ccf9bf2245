"""The views' layout: leaving the review mode gives the layout back as it was, the slice labels never overlap, and
the 3D view shows the whole anatomy once it is meshed.

The store is a copy of the ``pipeline`` fixture's (``store_copy``: the sample case imported, segmented, meshed and
checked as ``SHOT-THIN``); the new case is imported, segmented and meshed through the window.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
from gui_support import open_window
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainView
from app.gui.scene_view import BACKGROUND_RGB255
from app.gui.settings import GuiSettings

#: Long enough for a layout change to settle and the 3D view to render at its new size (ms).
SETTLE_MS = 400


def _window(qtbot: QtBot, store: Path, tmp_path: Path) -> MainView:
    return open_window(qtbot, GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store)))


def _layout(window: MainView) -> dict[str, object]:
    views = window.slices.views
    return {
        "splitter": window.splitter.sizes(),
        **{plane: (view.width(), view.height()) for plane, view in views.items()},
        "scene": (window.scene.width(), window.scene.height()),
    }


def test_leaving_the_review_mode_restores_the_layout(qtbot: QtBot, store_copy: Path, tmp_path: Path) -> None:
    window = _window(qtbot, store_copy, tmp_path)
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case("SHOT-THIN")
    window.show_step("check")
    qtbot.wait(SETTLE_MS)
    window.grab().save(str(tmp_path / "before-review.png"))
    before = _layout(window)
    axial, coronal = before["axial"], before["coronal"]
    assert isinstance(axial, tuple)
    assert isinstance(coronal, tuple)
    assert abs(axial[0] - coronal[0]) <= 2  # the four cells share the room
    window.review_panel.review_button.click()
    qtbot.wait(SETTLE_MS)
    assert window.review_action.isChecked()
    assert not window.slices.views["axial"].isVisible()
    assert window.scene.width() >= window.slices.width() - 4  # the 3D view takes the whole grid
    assert window.scene.height() > 0.8 * window.slices.height()
    window.review_panel.review_button.click()
    qtbot.wait(SETTLE_MS)
    assert not window.review_action.isChecked()
    assert window.stack.currentWidget() is window.review_panel
    window.show_step("check")
    qtbot.wait(SETTLE_MS)
    window.grab().save(str(tmp_path / "after-review.png"))
    assert _layout(window) == before


def test_the_slice_labels_never_overlap(qtbot: QtBot, store_copy: Path, tmp_path: Path) -> None:
    window = _window(qtbot, store_copy, tmp_path)
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case("SHOT-THIN")
    for width in (420, 300, 230, 170):  # from a roomy view down to a squeezed one (at least 160 px wide)
        for view in window.slices.views.values():
            view.setFixedWidth(width)
        qtbot.wait(SETTLE_MS)
        for view in window.slices.views.values():
            view.repaint()
            boxes = view.label_boxes
            assert set(boxes) == {"title", "window", "top", "left", "right", "bottom"}
            for (one, a), (other, b) in combinations(boxes.items(), 2):
                assert not a.intersects(b), (view.plane, view.width(), one, other)
            assert all(view.rect().toRectF().contains(box) for box in boxes.values()), view.plane
    window.grab().save(str(tmp_path / "narrow.png"))
    sagittal = window.slices.views["sagittal"].label_boxes
    assert sagittal["top"].top() >= sagittal["title"].bottom()  # "Sagittal 129/256" leaves no room for the letter


def test_the_3d_view_shows_the_whole_anatomy_after_meshing(
    qtbot: QtBot, gui_settings: GuiSettings, sample_dicom: Path, tmp_path: Path
) -> None:
    window = open_window(qtbot, gui_settings)
    window.cases_panel.code_edit.setText("MESHED")
    window.cases_panel.new_button.click()
    panel, segment = window.import_panel, window.segment_panel
    with qtbot.waitSignal(panel.scan_worker.finished, timeout=60_000):
        panel.scan(sample_dicom)
    with qtbot.waitSignal(panel.import_worker.finished, timeout=60_000):
        panel.import_button.click()
    with qtbot.waitSignal(segment.segment_worker.finished, timeout=60_000):
        segment.segment_button.click()
    renders = window.scene.renders
    with qtbot.waitSignal(segment.mesh_worker.finished, timeout=120_000):
        segment.mesh_button.click()
    qtbot.waitUntil(lambda: window.scene.renders > renders)
    assert window.scene.anatomy is not None
    assert window.scene.design is None
    qtbot.wait(SETTLE_MS)
    window.grab().save(str(tmp_path / "meshed.png"))
    for on in (False, True):  # as shown, and in the review's large view
        if on:
            window.review_panel.review_button.click()
            qtbot.wait(SETTLE_MS)
        picture = window.scene.picture()
        height, width, _ = picture.shape
        drawn = np.abs(picture.astype(int) - np.array(BACKGROUND_RGB255)).max(axis=2) > 12
        corner = (slice(int(height * 0.75), height), slice(0, int(width * 0.25)))  # the orientation axes
        drawn[corner] = False
        rows, columns = np.nonzero(drawn)
        assert rows.size > 0
        # Nothing of the skull touches the picture's edges, and it fills a good part of it.
        assert rows.min() > 2
        assert rows.max() < height - 3
        assert columns.min() > 2
        assert columns.max() < width - 3
        assert rows.max() - rows.min() > 0.5 * height or columns.max() - columns.min() > 0.5 * width


def _drawn_box(window: MainView) -> tuple[int, int, int, int, int, int]:
    picture = window.scene.picture()
    height, width, _ = picture.shape
    drawn = np.abs(picture.astype(int) - np.array(BACKGROUND_RGB255)).max(axis=2) > 12
    drawn[int(height * 0.75) :, : int(width * 0.25)] = False  # the orientation axes
    drawn[:, int(width * 0.85) :] = False  # the wall-thickness colour bar
    rows, columns = np.nonzero(drawn)
    assert rows.size > 0
    return int(rows.min()), int(rows.max()), int(columns.min()), int(columns.max()), height, width


def test_the_3d_view_shows_the_whole_design_and_anatomy(
    qtbot: QtBot, gui_settings: GuiSettings, tmp_path: Path
) -> None:
    """A design alone (a case reopened for review without its anatomy) and a design on its anatomy are framed
    whole, from outside, in the normal and the review layout: nothing touches the picture's edges."""
    from geometry.mesh import Mesh  # noqa: PLC0415
    from geometry.sample_design import sample_plate  # noqa: PLC0415

    window = open_window(qtbot, gui_settings)
    plate = sample_plate("fitted")
    centre = plate.vertices.mean(axis=0)
    # An anatomy 80 mm across beside the plate, as a skull is to a cranial plate: a box around the plate's centre.
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64) * 80.0
    faces = np.array(
        [[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1], [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4],
         [1, 5, 7], [1, 7, 3]],
        dtype=np.int64,
    )  # fmt: skip
    anatomy = Mesh(corners + centre + np.array([0.0, 0.0, -60.0]), faces)
    for shown_anatomy in (None, anatomy):
        window.scene.set_anatomy(shown_anatomy)
        window.scene.set_design(plate)
        for review in (False, True):
            if window.review_panel.review_button.isChecked() != review:
                window.review_panel.review_button.click()
            qtbot.wait(SETTLE_MS)
            window.grab().save(str(tmp_path / f"framed-{shown_anatomy is not None}-{review}.png"))
            top, bottom, left, right, height, width = _drawn_box(window)
            assert top > 2
            assert bottom < height - 3
            assert left > 2
            assert right < width - 3
            assert bottom - top > 0.25 * height or right - left > 0.25 * width
