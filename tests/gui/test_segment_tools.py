"""The Segment step's mask tools driven with the mouse on the slice views: scissors, crop to box, remove islands.

The data is the generated sample head CT (256 x 256 x 120, 0.9 x 0.9 x 1.5 mm) and its bone mask. Each edit is
compared voxel for voxel with the expected region (worked out from the voxel indices the drawn shape covers) and
with the core function called directly on the same LPS shape; undo must give back the mask exactly, redo the edit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.gui.models import CaseModel, WorkspaceModel
from app.gui.panels.segment import SYNC_EDIT_VOXELS, SegmentPanel
from app.gui.slice_view import SliceView, SliceViewsPanel
from app.gui.slicing import (
    PLANES,
    PackedMask,
    Plane,
    plane_normal,
    screen_to_index,
    screen_to_world,
    world_to_screen,
)
from app.workers import ErrorInfo
from imaging.edit import crop_to_box, scissors
from imaging.sample_case import make_head_ct
from imaging.segment import SegmentParams, segment
from imaging.volume import Volume

Box = tuple[tuple[int, int], tuple[int, int]]  # inclusive pixel ranges (columns, rows) of a view's image


@pytest.fixture(scope="module")
def sample() -> tuple[Volume, Volume]:
    """The sample CT and its bone mask (largest part only)."""
    ct = make_head_ct()
    return ct, segment(ct, SegmentParams.from_preset("bone", keep_largest=1)).mask


@dataclass
class Editor:
    """A Segment panel beside the slice views, on the sample CT with its bone mask."""

    panel: SegmentPanel
    slices: SliceViewsPanel
    workspace: WorkspaceModel
    original: Volume
    errors: list[ErrorInfo] = field(default_factory=list)

    @property
    def mask(self) -> Volume:
        mask = self.workspace.mask
        assert mask is not None
        return mask


@pytest.fixture
def editor(qtbot: QtBot, tmp_path: Path, sample: tuple[Volume, Volume]) -> Iterator[Editor]:
    ct, mask = sample
    workspace = WorkspaceModel()
    slices = SliceViewsPanel()
    errors: list[ErrorInfo] = []
    panel = SegmentPanel(CaseModel(tmp_path / "home"), workspace, slices, errors.append)
    container = QWidget()
    layout = QHBoxLayout(container)
    layout.addWidget(slices, 3)
    layout.addWidget(panel, 1)
    qtbot.addWidget(container)
    container.resize(1700, 1000)
    container.show()
    qtbot.waitExposed(container)
    container.activateWindow()  # shortcuts reach the active window only
    qtbot.waitActive(container)
    slices.set_volume(ct)
    workspace.set_mask(mask)
    yield Editor(panel, slices, workspace, mask, errors)
    assert not errors
    workspace.deleteLater()


def _only(editor: Editor, qtbot: QtBot, plane: Plane) -> SliceView:
    """Show one view, as large as the panel allows (so one screen pixel is well under a voxel)."""
    for name, view in editor.slices.views.items():
        view.setVisible(name == plane)
    view = editor.slices.views[plane]
    qtbot.waitUntil(lambda: view.width() > 900 and view.height() > 800)
    return view


def _at(view: SliceView, point: tuple[float, float]) -> QPoint:
    return view.widget_point(point).toPoint()


def _corners(box: Box) -> list[tuple[float, float]]:
    """The image corners of a pixel box: half a pixel outside the outermost pixel centres."""
    (c0, c1), (r0, r1) = box
    return [(c0 - 0.5, r0 - 0.5), (c1 + 0.5, r0 - 0.5), (c1 + 0.5, r1 + 0.5), (c0 - 0.5, r1 + 0.5)]


def _index_region(volume: Volume, plane: Plane, box: Box) -> tuple[slice, slice, slice]:
    """The ``[z, y, x]`` region of every voxel a pixel box covers, through the whole volume (by hand, per plane)."""
    (c0, c1), (r0, r1) = box
    nz = volume.size[2]
    everything = slice(None)
    if plane == "axial":  # columns are x, rows are y
        return everything, slice(r0, r1 + 1), slice(c0, c1 + 1)
    rows_to_z = slice(nz - 1 - r1, nz - r0)  # superior at the top: row r shows z = nz - 1 - r
    if plane == "coronal":  # columns are x
        return rows_to_z, everything, slice(c0, c1 + 1)
    return rows_to_z, slice(c0, c1 + 1), everything  # sagittal: columns are y


def _centre_box(view: SliceView, half_width: int, half_height: int) -> Box:
    assert view.volume is not None
    column, row = (
        round(v) for v in world_to_screen(view.volume, view.plane, view.volume.index_to_world(view.crosshair))
    )
    return (column - half_width, column + half_width), (row - half_height, row + half_height)


def _lps_polygon(volume: Volume, view: SliceView, points: list[tuple[float, float]]) -> npt.NDArray[np.float64]:
    return np.array([screen_to_world(volume, view.plane, view.index, c, r) for c, r in points])


def _wait_edit(editor: Editor, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not editor.panel.editing, timeout=30_000)


def _undo_redo(editor: Editor, qtbot: QtBot, edited: npt.NDArray[np.uint8]) -> None:
    panel = editor.panel
    assert panel.undo_stack.count() == 1
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert np.array_equal(editor.mask.voxels, editor.original.voxels)
    qtbot.mouseClick(panel.redo_button, Qt.MouseButton.LeftButton)
    assert np.array_equal(editor.mask.voxels, edited)
    assert editor.slices.views["axial"].mask_volume is editor.mask


@pytest.mark.parametrize("plane", PLANES)
def test_scissors_square_clicked_on_each_view_removes_the_prism_through_the_volume(
    qtbot: QtBot, editor: Editor, plane: Plane
) -> None:
    panel = editor.panel
    view = _only(editor, qtbot, plane)
    qtbot.mouseClick(panel.scissors_button, Qt.MouseButton.LeftButton)
    assert editor.slices.tool == "scissors"
    assert view.drawing == "polygon"
    box = _centre_box(view, 60, 30)
    corners = _corners(box)
    with qtbot.waitSignal(editor.slices.polygon_drawn, timeout=5_000) as drawn:
        for corner in corners:
            qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_at(view, corner))
        assert len(view.polygon_points) == 4
        qtbot.keyClick(view, Qt.Key.Key_Return)
    _wait_edit(editor, qtbot)
    volume = editor.original
    drawn_plane, polygon = drawn.args
    assert drawn_plane == plane
    # The clicked corners are in LPS where the intended ones are, within a screen pixel (< 0.3 voxel here).
    intended = _lps_polygon(volume, view, corners)
    assert np.abs(polygon - intended).max() < 0.3 * max(volume.spacing)
    expected = editor.original.voxels.copy()
    expected[_index_region(volume, plane, box)] = 0
    assert int(editor.original.voxels.sum()) - int(expected.sum()) > 1000  # the square cut through bone
    assert np.array_equal(editor.mask.voxels, expected)
    direct = scissors(editor.original, intended, tuple(plane_normal(volume, plane)), mode="erase")
    assert np.array_equal(direct.mask.voxels, expected)
    _undo_redo(editor, qtbot, expected)


def test_scissors_lasso_keeps_the_inside(qtbot: QtBot, editor: Editor) -> None:
    panel = editor.panel
    view = _only(editor, qtbot, "axial")
    qtbot.keyClick(view, Qt.Key.Key_S)  # the tool's shortcut, typed over the view
    qtbot.waitUntil(lambda: editor.slices.tool == "scissors")  # a shortcut animates the button's click
    check = panel.keep_inside_check
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))  # on the box
    assert panel.keep_inside_check.isChecked()
    box = _centre_box(view, 110, 50)  # across the skull's sides
    corners = _corners(box)
    path = []  # along the rectangle's edges, a point every 5 image pixels
    for a, b in zip(corners, [*corners[1:], corners[0]], strict=True):
        for t in np.linspace(0.0, 1.0, 25, endpoint=False):
            path.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
    with qtbot.waitSignal(editor.slices.polygon_drawn, timeout=5_000) as drawn:
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=_at(view, path[0]))
        for point in path[1:]:
            qtbot.mouseMove(view, _at(view, point))
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=_at(view, path[-1]))
    _wait_edit(editor, qtbot)
    _plane, polygon = drawn.args
    assert len(polygon) > 50
    expected = np.zeros_like(editor.original.voxels)
    region = _index_region(editor.original, "axial", box)
    expected[region] = editor.original.voxels[region]
    assert np.array_equal(editor.mask.voxels, expected)
    direct = scissors(editor.original, polygon, (0.0, 0.0, 1.0), mode="keep")
    assert np.array_equal(direct.mask.voxels, expected)
    _undo_redo(editor, qtbot, expected)


def test_scissors_double_click_closes_and_escape_cancels(qtbot: QtBot, editor: Editor) -> None:
    panel = editor.panel
    view = _only(editor, qtbot, "coronal")
    qtbot.mouseClick(panel.scissors_button, Qt.MouseButton.LeftButton)
    corners = _corners(_centre_box(view, 30, 20))
    for corner in corners[:2]:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_at(view, corner))
    assert len(view.polygon_points) == 2
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert view.polygon_points == []
    with qtbot.waitSignal(editor.slices.polygon_drawn, timeout=5_000) as drawn:
        for corner in corners[:3]:
            qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_at(view, corner))
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=_at(view, corners[3]))
    assert len(drawn.args[1]) == 4
    _wait_edit(editor, qtbot)
    assert panel.undo_stack.count() == 1
    assert int(editor.mask.voxels.sum()) < int(editor.original.voxels.sum())
    # Back to crosshair clicks: the tool off, a click moves the crosshair and draws nothing.
    qtbot.mouseClick(panel.scissors_button, Qt.MouseButton.LeftButton)
    assert editor.slices.tool is None
    assert view.drawing is None


def test_crop_to_box_dragged_on_the_axial_view(qtbot: QtBot, editor: Editor) -> None:
    panel = editor.panel
    view = _only(editor, qtbot, "axial")
    qtbot.mouseClick(panel.crop_button, Qt.MouseButton.LeftButton)
    assert view.drawing == "rectangle"
    lower, upper = panel.crop_box()
    centres = _set_centres(editor.original)
    # Prefilled from the mask: every set voxel's centre inside, within a voxel of the box's sides.
    assert np.all(centres.min(axis=0) >= lower)
    assert np.all(centres.max(axis=0) <= upper)
    assert np.all(centres.min(axis=0) - lower < 1.0)
    assert np.all(upper - centres.max(axis=0) < 1.0)
    box = _centre_box(view, 110, 40)  # across the skull's sides
    start, _, end, _ = _corners(box)
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=_at(view, start))
    qtbot.mouseMove(view, _at(view, ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)))
    qtbot.mouseMove(view, _at(view, end))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=_at(view, end))
    new_lower, new_upper = panel.crop_box()
    intended_lower = screen_to_world(editor.original, "axial", view.index, *start)
    intended_upper = screen_to_world(editor.original, "axial", view.index, *end)
    assert np.allclose(new_lower[:2], intended_lower[:2], atol=0.3)
    assert np.allclose(new_upper[:2], intended_upper[:2], atol=0.3)
    assert new_lower[2] == pytest.approx(lower[2])  # the out-of-plane sides are kept
    assert new_upper[2] == pytest.approx(upper[2])
    # The out-of-plane side typed in: 20 mm around the crosshair's slice.
    z_mm = float(editor.original.index_to_world(view.crosshair)[2])
    panel.box_spins[2][0].setValue(z_mm - 20.0)
    panel.box_spins[2][1].setValue(z_mm + 20.0)
    crop_lower, crop_upper = panel.crop_box()
    qtbot.mouseClick(panel.apply_crop_button, Qt.MouseButton.LeftButton)
    _wait_edit(editor, qtbot)
    kept = _set_centres(editor.mask)
    assert kept.shape[0] > 1000
    assert np.all(kept >= crop_lower - 1e-9)  # nothing outside the box
    assert np.all(kept <= crop_upper + 1e-9)
    direct = crop_to_box(editor.original, tuple(crop_lower), tuple(crop_upper))
    assert np.array_equal(editor.mask.voxels, direct.mask.voxels)
    # Everything inside the box stayed.
    inside = np.all((centres >= crop_lower) & (centres <= crop_upper), axis=1)
    assert kept.shape[0] == int(inside.sum())
    _undo_redo(editor, qtbot, direct.mask.voxels)


def test_remove_islands_clears_a_painted_blob(qtbot: QtBot, editor: Editor) -> None:
    panel = editor.panel
    view = _only(editor, qtbot, "axial")
    qtbot.mouseClick(panel.paint_button, Qt.MouseButton.LeftButton)
    assert editor.slices.tool == "paint"
    corner = (20.0, 20.0)  # in the air, far from the skull
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_at(view, corner))
    assert panel.undo_stack.count() == 1
    painted = editor.mask.voxels.copy()
    blob = int(painted.sum()) - int(editor.original.voxels.sum())
    assert blob > 100  # a 4 mm ball: about 270 mm³, some 220 voxels
    x, y, z = screen_to_index(editor.original, "axial", view.index, *corner)
    assert painted[z, y, x] == 1
    assert editor.original.voxels[z, y, x] == 0
    qtbot.mouseClick(panel.paint_button, Qt.MouseButton.LeftButton)  # tool off
    panel.islands_spin.setValue(1000.0)
    qtbot.mouseClick(panel.islands_button, Qt.MouseButton.LeftButton)
    _wait_edit(editor, qtbot)
    assert panel.undo_stack.count() == 2
    assert np.array_equal(editor.mask.voxels, editor.original.voxels)  # the blob gone, the skull untouched
    qtbot.mouseClick(panel.undo_button, Qt.MouseButton.LeftButton)
    assert np.array_equal(editor.mask.voxels, painted)
    qtbot.mouseClick(panel.redo_button, Qt.MouseButton.LeftButton)
    assert np.array_equal(editor.mask.voxels, editor.original.voxels)


def _set_centres(mask: Volume) -> npt.NDArray[np.float64]:
    z, y, x = np.nonzero(mask.voxels)
    return mask.index_to_world(np.stack([x, y, z], axis=1))


@pytest.mark.parametrize("plane", PLANES)
def test_image_points_map_to_lps_and_back_on_an_oblique_flipped_volume(plane: Plane) -> None:
    # Axes permuted and flipped (x along -P, y along L, z along -S): the mapping must follow the direction matrix.
    direction = (0.0, 1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, -1.0)
    volume = Volume(np.zeros((7, 9, 11), dtype=np.uint8), (0.5, 0.8, 2.0), (10.0, -20.0, 30.0), direction)
    rng = np.random.default_rng(1)
    for _ in range(20):
        column, row = rng.uniform(-0.49, 6.49, size=2)
        index = int(rng.integers(0, 7))
        world = screen_to_world(volume, plane, index, float(column), float(row))
        assert world_to_screen(volume, plane, world) == pytest.approx((column, row))
        # The voxel whose centre is nearest is the one the click tool picks.
        voxel = screen_to_index(volume, plane, index, float(column), float(row))
        assert np.linalg.norm(volume.world_to_index(world) - np.array(voxel)) <= np.sqrt(3) * 0.5 + 1e-9
        # Moving along the plane's normal changes the slice and nothing on screen.
        moved = world + 3.0 * plane_normal(volume, plane)
        assert world_to_screen(volume, plane, moved) == pytest.approx((column, row))


def test_scissors_polygon_on_a_moved_slice_cuts_the_same_prism(qtbot: QtBot, editor: Editor) -> None:
    # The polygon's position along the normal does not matter: drawn on another slice, the cut is the same.
    view = _only(editor, qtbot, "sagittal")
    qtbot.mouseClick(editor.panel.scissors_button, Qt.MouseButton.LeftButton)
    editor.slices.set_crosshair((40, 128, 60))
    box = _centre_box(view, 20, 15)
    with qtbot.waitSignal(editor.slices.polygon_drawn, timeout=5_000):
        for corner in _corners(box):
            qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_at(view, corner))
        qtbot.keyClick(view, Qt.Key.Key_Enter)
    _wait_edit(editor, qtbot)
    expected = editor.original.voxels.copy()
    expected[_index_region(editor.original, "sagittal", box)] = 0
    assert np.array_equal(editor.mask.voxels, expected)


def test_crop_rectangle_on_the_sagittal_view_sets_y_and_z(qtbot: QtBot, editor: Editor) -> None:
    panel = editor.panel
    view = _only(editor, qtbot, "sagittal")
    qtbot.mouseClick(panel.crop_button, Qt.MouseButton.LeftButton)
    lower, upper = panel.crop_box()
    start, _, end, _ = _corners(_centre_box(view, 30, 20))
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=_at(view, start))
    qtbot.mouseMove(view, _at(view, end))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=_at(view, end))
    new_lower, new_upper = panel.crop_box()
    a = screen_to_world(editor.original, "sagittal", view.index, *start)
    b = screen_to_world(editor.original, "sagittal", view.index, *end)
    # Columns run along y (A to P), rows down along z (S to I): the box's y and z sides, sorted; x untouched.
    assert np.allclose(new_lower[1:], np.minimum(a, b)[1:], atol=0.3)
    assert np.allclose(new_upper[1:], np.maximum(a, b)[1:], atol=0.3)
    assert new_lower[0] == pytest.approx(lower[0])
    assert new_upper[0] == pytest.approx(upper[0])
    assert panel.undo_stack.count() == 0  # dragging sets the box; only Apply crop edits


def test_packed_mask_round_trip(sample: tuple[Volume, Volume]) -> None:
    _ct, mask = sample
    packed = PackedMask.pack(mask)
    assert packed.bits.nbytes == -(-mask.voxels.size // 8)
    again = packed.unpack()
    assert np.array_equal(again.voxels, mask.voxels)
    assert (again.spacing, again.origin, again.direction) == (mask.spacing, mask.origin, mask.direction)


def test_undo_and_redo_of_a_large_mask_run_in_the_background(qtbot: QtBot, tmp_path: Path) -> None:
    """On a mask above SYNC_EDIT_VOXELS, undo and redo work out the mask in a thread, then install it exactly."""
    shape = (257, 256, 256)  # 16.8 M voxels: just above the limit for edits at once
    assert shape[0] * shape[1] * shape[2] > SYNC_EDIT_VOXELS
    geometry = {"spacing": (0.9, 0.9, 0.6), "origin": (0.0, 0.0, 0.0), "direction": (1, 0, 0, 0, 1, 0, 0, 0, 1)}
    ct = Volume(voxels=np.zeros(shape, np.int16), **geometry)
    voxels = np.zeros(shape, np.uint8)
    voxels[20:240, 30:220, 40:200] = 1
    original = Volume(voxels=voxels, **geometry)
    workspace = WorkspaceModel()
    slices = SliceViewsPanel()
    errors: list[ErrorInfo] = []
    panel = SegmentPanel(CaseModel(tmp_path / "home"), workspace, slices, errors.append)
    container = QWidget()
    QHBoxLayout(container).addWidget(panel)
    qtbot.addWidget(container)
    container.show()
    slices.set_volume(ct)
    workspace.set_mask(original)
    assert str(int(voxels.sum())) in panel.mask_label.text()
    lower, upper = (10.0, 10.0, 10.0), (100.0, 120.0, 90.0)
    assert panel._start_edit("Crop", lambda mask: crop_to_box(mask, lower, upper))
    qtbot.waitUntil(lambda: panel.undo_stack.count() == 1 and not panel.editing, timeout=30_000)
    cropped = crop_to_box(original, lower, upper).mask.voxels
    assert np.array_equal(workspace.mask.voxels, cropped)
    for undo, expected in ((True, voxels), (False, cropped), (True, voxels)):
        button = panel.undo_button if undo else panel.redo_button
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert panel.editing  # worked out in the background: the stack moves when it is done
        assert not panel.undo_button.isEnabled()
        assert not panel.redo_button.isEnabled()
        qtbot.waitUntil(lambda: not panel.editing, timeout=30_000)
        assert panel.undo_stack.index() == (0 if undo else 1)
        mask = workspace.mask
        assert mask is not None
        assert np.array_equal(mask.voxels, expected)
        # The voxel count is carried through the edits, not counted again; it is the mask's.
        assert f"Mask: {int(expected.sum())} voxels" in panel.mask_label.text()
    assert not errors
    workspace.deleteLater()
