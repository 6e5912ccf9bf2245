"""A brush stroke paints or erases balls along the dragged path as one edit, with no gap after a fast drag; filling
between slices interpolates a shape drawn on a few slices."""

from __future__ import annotations

import numpy as np
import pytest

from imaging.edit import EditError, brush_stroke, fill_between_slices, paint_sphere, undo_edit
from imaging.volume import Volume

IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


def _empty(shape: tuple[int, int, int] = (20, 60, 80)) -> Volume:
    return Volume(np.zeros(shape, dtype=np.uint8), (0.5, 0.5, 1.0), (0.0, 0.0, 0.0), IDENTITY)


def test_a_stroke_covers_its_path_in_one_edit() -> None:
    mask = _empty()
    start, end = (5.0, 10.0, 10.0), (35.0, 20.0, 10.0)  # 31.6 mm apart: a fast drag, two mouse positions
    result = brush_stroke(mask, [start, end], 2.0)
    voxels = result.mask.voxels
    # Every voxel centre within 2 mm of the segment is painted (the half-radius steps leave no gap), none beyond
    # 2 mm of it.
    k, j, i = np.nonzero(np.ones_like(voxels))
    centres = mask.index_to_world(np.stack([i, j, k], axis=1))
    a, b = np.array(start), np.array(end)
    t = np.clip(((centres - a) @ (b - a)) / ((b - a) @ (b - a)), 0.0, 1.0)
    distance = np.linalg.norm(centres - (a + t[:, None] * (b - a)), axis=1).reshape(voxels.shape)
    assert voxels[distance <= 1.7].all()  # inside by a margin: the balls' union is within 0.3 mm of the capsule
    assert not voxels[distance > 2.0 + 1e-9].any()
    assert result.edit.operation == "paint_stroke"
    assert result.edit.changed == int(voxels.sum())
    assert not undo_edit(result.mask, result.edit).voxels.any()


def test_a_click_is_a_ball_and_erasing_clears() -> None:
    mask = _empty()
    one = brush_stroke(mask, [(10.0, 10.0, 10.0)], 3.0)
    ball = paint_sphere(mask, (10.0, 10.0, 10.0), 3.0)
    assert np.array_equal(one.mask.voxels, ball.mask.voxels)
    erased = brush_stroke(one.mask, [(8.0, 10.0, 10.0), (12.0, 10.0, 10.0)], 5.0, erase=True)
    assert not erased.mask.voxels.any()
    assert erased.edit.operation == "erase_stroke"
    with pytest.raises(EditError):
        brush_stroke(mask, np.empty((0, 3)), 2.0)
    with pytest.raises(EditError):
        brush_stroke(mask, [(0.0, 0.0, 0.0)], 0.0)


def test_fill_between_slices_interpolates_the_shapes() -> None:
    mask = _empty((21, 80, 80))  # spacing x, y 0.5 mm, z 1 mm
    voxels = mask.voxels.copy()
    j, i = np.indices((80, 80))
    radius_mm = np.hypot((i - 40) * 0.5, (j - 40) * 0.5)
    voxels[0][radius_mm <= 5.0] = 1  # a circle of 5 mm on the lowest slice
    voxels[20][radius_mm <= 15.0] = 1  # and of 15 mm on the highest
    drawn = Volume(voxels, mask.spacing, mask.origin, mask.direction)
    result = fill_between_slices(drawn, "axial")
    filled = result.mask.voxels
    assert np.array_equal(filled[0], voxels[0])
    assert np.array_equal(filled[20], voxels[20])
    for index in (5, 10, 15):
        expected = 5.0 + 10.0 * index / 20  # the radius grows evenly between them
        area_mm2 = float(filled[index].sum()) * 0.25
        assert area_mm2 == pytest.approx(np.pi * expected**2, rel=0.06), index
    assert result.edit.operation == "fill_between_slices"
    with pytest.raises(EditError, match="at least two"):
        fill_between_slices(_empty(), "axial")
    with pytest.raises(EditError, match="unknown plane"):
        fill_between_slices(drawn, "oblique")
