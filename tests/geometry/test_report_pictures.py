"""``geometry.render.picture_png``: a view's pixels fitted to the report's 4:3 picture and encoded as PNG."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkIOCore import vtkMemoryResourceStream
from vtkmodules.vtkIOImage import vtkPNGReader

from geometry.errors import GeometryError
from geometry.render import picture_png

BACKGROUND = (32, 36, 42)


def _decode(png: bytes) -> npt.NDArray[np.uint8]:
    stream = vtkMemoryResourceStream()
    stream.SetBuffer(png, len(png))
    reader = vtkPNGReader()
    reader.SetStream(stream)
    reader.Update()
    image = reader.GetOutput()
    width, height, _ = image.GetDimensions()
    pixels = vtk_to_numpy(image.GetPointData().GetScalars()).reshape(height, width, -1)
    return np.ascontiguousarray(pixels[::-1, :, :3])  # rows top to bottom


def _view(height: int, width: int) -> npt.NDArray[np.uint8]:
    """A view: the background, a red square in the middle, a green band on the left edge and a blue top row."""
    view = np.empty((height, width, 3), dtype=np.uint8)
    view[:] = BACKGROUND
    view[height // 2 - 50 : height // 2 + 50, width // 2 - 50 : width // 2 + 50] = (220, 20, 20)
    view[:, :20] = (20, 200, 20)
    view[:4] = (20, 20, 220)
    return view


def test_a_wide_view_is_cut_at_the_sides() -> None:
    picture = _decode(picture_png(_view(888, 1515), (800, 600), BACKGROUND))
    assert picture.shape == (600, 800, 3)
    assert tuple(picture[300, 400]) == (220, 20, 20)  # the middle stays in the middle
    # The square keeps its shape: 100 px of 888 rows is 67.6 of 600, in both directions.
    red = np.argwhere((picture[:, :, 0] > 150) & (picture[:, :, 1] < 80))
    height, width = np.ptp(red, axis=0) + 1
    assert abs(int(height) - int(width)) <= 2
    assert 64 <= height <= 71
    # The green band at the left edge was cut off (1515 -> 1184 columns, 165 off each side).
    assert not np.any((picture[:, :, 1] > 150) & (picture[:, :, 0] < 80))


def test_a_narrow_view_is_filled_out_with_the_background() -> None:
    picture = _decode(picture_png(_view(420, 432), (800, 600), BACKGROUND))
    assert picture.shape == (600, 800, 3)
    assert tuple(picture[300, 400]) == (220, 20, 20)
    assert np.abs(picture[300, 5].astype(int) - BACKGROUND).max() <= 2  # the filled-out side
    green = np.argwhere((picture[:, :, 1] > 150) & (picture[:, :, 0] < 80))
    assert 90 < green[:, 1].min() < 110  # the view's left edge: (560 - 432) / 2 * 800 / 560 = 91 px in


def test_a_picture_of_the_report_shape_is_only_resampled() -> None:
    view = _view(600, 800)
    assert np.array_equal(_decode(picture_png(view, (800, 600), BACKGROUND)), view)


def test_what_is_not_an_rgb_picture_is_refused() -> None:
    for bad in (np.zeros((10, 10), np.uint8), np.zeros((10, 10, 4), np.uint8), np.zeros((10, 10, 3), np.float32)):
        with pytest.raises(GeometryError, match="unsigned bytes"):
            picture_png(bad)
