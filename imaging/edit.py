"""Mask editing primitives for the GUI: pure functions with undo-friendly results.

Every edit takes a mask (a ``uint8`` 0/1 :class:`~imaging.volume.Volume`, see :mod:`imaging.segment`) and returns
an :class:`EditResult`: the new mask (a new array; the input is never modified) and a compact :class:`MaskEdit`
recording only the voxels that changed (flat indices into the ``[z, y, x]`` array, their values before and after,
and their bounding box). :func:`undo_edit` and :func:`apply_edit` (redo) replay a record on a mask, so an undo
stack holds records, not copies of the mask.

All positions and lengths are LPS millimetres; a voxel belongs to a region when its *centre* does.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from imaging.errors import ImagingError
from imaging.segment import Connectivity, check_mask, connectivity_structure, voxel_volume_mm3
from imaging.volume import Volume

__all__ = [
    "EditError",
    "EditResult",
    "MaskEdit",
    "apply_edit",
    "crop_to_box",
    "erase_sphere",
    "paint_sphere",
    "remove_islands",
    "scissors",
    "undo_edit",
]

Vec3 = tuple[float, float, float]


class EditError(ImagingError):
    """An edit's arguments are invalid, or a record does not fit the mask it is applied to."""

    code = "bad_edit"


@dataclass(frozen=True, eq=False)
class MaskEdit:
    """The voxels one edit changed, enough to undo and redo it.

    Attributes
    ----------
    operation
        Machine name of the edit (``paint_sphere``, ``erase_sphere``, ``scissors``, ``crop``, ``remove_islands``).
    shape
        Shape ``(z, y, x)`` of the mask edited.
    indices
        Flat (C-order, ``[z, y, x]``) indices of the changed voxels, ascending.
    before
        Their values before the edit (``uint8``).
    after
        Their values after the edit (``uint8``).
    bbox_zyx
        ``((z0, z1), (y0, y1), (x0, x1))``: half-open index bounds of the changed voxels; None when nothing
        changed.
    """

    operation: str
    shape: tuple[int, int, int]
    indices: npt.NDArray[np.intp]
    before: npt.NDArray[np.uint8]
    after: npt.NDArray[np.uint8]
    bbox_zyx: tuple[tuple[int, int], tuple[int, int], tuple[int, int]] | None

    @property
    def changed(self) -> int:
        """Number of voxels changed."""
        return int(self.indices.size)


@dataclass(frozen=True, eq=False)
class EditResult:
    """A new mask and the record of what changed.

    Attributes
    ----------
    mask
        The edited mask (a new array, same geometry).
    edit
        The changes, for undo and redo.
    """

    mask: Volume
    edit: MaskEdit


def _shape(mask: Volume) -> tuple[int, int, int]:
    z, y, x = mask.voxels.shape
    return (int(z), int(y), int(x))


def _record(operation: str, old: Volume, new_voxels: npt.NDArray[np.uint8]) -> EditResult:
    """Diff ``new_voxels`` against ``old`` and wrap both as an :class:`EditResult`."""
    indices = np.flatnonzero(old.voxels.ravel() != new_voxels.ravel())
    bbox = None
    if indices.size:
        zyx = np.unravel_index(indices, old.voxels.shape)
        z, y, x = (int(a.min()) for a in zyx)
        z1, y1, x1 = (int(a.max()) + 1 for a in zyx)
        bbox = ((z, z1), (y, y1), (x, x1))
    edit = MaskEdit(
        operation=operation,
        shape=_shape(old),
        indices=indices,
        before=old.voxels.ravel()[indices].copy(),
        after=new_voxels.ravel()[indices].copy(),
        bbox_zyx=bbox,
    )
    mask = Volume(voxels=new_voxels, spacing=old.spacing, origin=old.origin, direction=old.direction)
    return EditResult(mask=mask, edit=edit)


def _replay(mask: Volume, edit: MaskEdit, values: npt.NDArray[np.uint8]) -> Volume:
    check_mask(mask)
    if _shape(mask) != edit.shape:
        raise EditError(f"the edit was made on a mask of shape {edit.shape}, not {_shape(mask)}")
    voxels = mask.voxels.copy()
    voxels.ravel()[edit.indices] = values
    return Volume(voxels=voxels, spacing=mask.spacing, origin=mask.origin, direction=mask.direction)


def undo_edit(mask: Volume, edit: MaskEdit) -> Volume:
    """The mask with ``edit`` undone (its changed voxels set back to their previous values).

    Raises
    ------
    EditError
        If the mask's shape differs from the edited one.
    """
    return _replay(mask, edit, edit.before)


def apply_edit(mask: Volume, edit: MaskEdit) -> Volume:
    """The mask with ``edit`` applied (again, for redo): its changed voxels set to their edited values.

    Raises
    ------
    EditError
        If the mask's shape differs from the edited one.
    """
    return _replay(mask, edit, edit.after)


def _vec3(values: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    if array.shape != (3,) or not np.all(np.isfinite(array)):
        raise EditError(f"{name} must be three finite numbers (LPS mm)")
    return array


def _check_radius(radius_mm: float) -> None:
    if not math.isfinite(radius_mm) or radius_mm <= 0:
        raise EditError(f"the sphere radius must be a positive number of mm, got {radius_mm}")


def _fill_ball(
    mask: Volume, voxels: npt.NDArray[np.uint8], centre: npt.NDArray[np.float64], radius_mm: float, value: int
) -> None:
    """Set ``voxels`` (the mask's, or a copy) to ``value`` within ``radius_mm`` of ``centre`` (LPS mm)."""
    # The direction matrix is orthonormal, so the sphere is an axis-aligned ellipsoid in index space with
    # semi-axes radius / spacing: its index bounding box is the centre's index plus/minus those.
    centre_ijk = mask.world_to_index(centre)
    reach = radius_mm / np.asarray(mask.spacing, dtype=np.float64)
    size = mask.size
    lo = [max(0, math.ceil(centre_ijk[a] - reach[a] - 1e-9)) for a in range(3)]
    hi = [min(size[a] - 1, math.floor(centre_ijk[a] + reach[a] + 1e-9)) for a in range(3)]
    if all(lo[a] <= hi[a] for a in range(3)):
        sx, sy, sz = mask.spacing
        k, j, i = np.ogrid[lo[2] : hi[2] + 1, lo[1] : hi[1] + 1, lo[0] : hi[0] + 1]
        dist2 = ((i - centre_ijk[0]) * sx) ** 2 + ((j - centre_ijk[1]) * sy) ** 2 + ((k - centre_ijk[2]) * sz) ** 2
        region = voxels[lo[2] : hi[2] + 1, lo[1] : hi[1] + 1, lo[0] : hi[0] + 1]
        region[dist2 <= radius_mm**2] = value


def _sphere(operation: str, mask: Volume, centre_lps_mm: Vec3, radius_mm: float, value: int) -> EditResult:
    check_mask(mask)
    centre = _vec3(centre_lps_mm, "the sphere centre")
    _check_radius(radius_mm)
    voxels = mask.voxels.copy()
    _fill_ball(mask, voxels, centre, radius_mm, value)
    return _record(operation, mask, voxels)


def brush_stroke(mask: Volume, points_lps_mm: npt.ArrayLike, radius_mm: float, *, erase: bool = False) -> EditResult:
    """Paint (or erase) a brush stroke: balls of ``radius_mm`` along the polyline ``points_lps_mm``, as one edit.

    The points are where the brush was while the button was held (``(n, 3)`` LPS mm, at least one); between two of
    them the ball is placed every half radius, so a fast drag leaves no gap. The whole stroke is one
    :class:`EditResult` (one undo step).

    Raises
    ------
    EditError
        If there is no point, a point is not three finite numbers, or the radius is not positive.
    """
    check_mask(mask)
    _check_radius(radius_mm)
    points = np.asarray(points_lps_mm, dtype=np.float64).reshape(-1, 3)
    if points.shape[0] == 0 or not np.all(np.isfinite(points)):
        raise EditError("a brush stroke needs at least one point of three finite numbers (LPS mm)")
    voxels = mask.voxels.copy()
    value = 0 if erase else 1
    step = radius_mm / 2.0
    _fill_ball(mask, voxels, points[0], radius_mm, value)
    for start, end in itertools.pairwise(points):
        length = float(np.linalg.norm(end - start))
        count = max(1, math.ceil(length / step))
        for t in np.linspace(0.0, 1.0, count + 1)[1:]:
            _fill_ball(mask, voxels, start + t * (end - start), radius_mm, value)
    return _record("erase_stroke" if erase else "paint_stroke", mask, voxels)


def paint_sphere(mask: Volume, centre_lps_mm: Vec3, radius_mm: float) -> EditResult:
    """Set every voxel whose centre lies within ``radius_mm`` of ``centre_lps_mm`` (LPS mm).

    Raises
    ------
    EditError
        If the centre is not three finite numbers or the radius is not positive.
    """
    return _sphere("paint_sphere", mask, centre_lps_mm, radius_mm, 1)


def erase_sphere(mask: Volume, centre_lps_mm: Vec3, radius_mm: float) -> EditResult:
    """Clear every voxel whose centre lies within ``radius_mm`` of ``centre_lps_mm`` (LPS mm).

    Raises
    ------
    EditError
        If the centre is not three finite numbers or the radius is not positive.
    """
    return _sphere("erase_sphere", mask, centre_lps_mm, radius_mm, 0)


def _signed_distance(inside: npt.NDArray[np.bool_], sampling: tuple[float, float]) -> npt.NDArray[np.float64]:
    """Distance (mm) to a slice's shape boundary: positive inside, negative outside (pixel centres)."""
    from scipy import ndimage  # noqa: PLC0415 - loaded when a fill is asked for

    inner = np.asarray(ndimage.distance_transform_edt(inside, sampling=sampling), dtype=np.float64)
    outer = np.asarray(ndimage.distance_transform_edt(~inside, sampling=sampling), dtype=np.float64)
    return inner - outer


#: Which array axis ([z, y, x]) each slice orientation steps along, and the spacing indices of its two in-plane axes.
_FILL_AXES = {"axial": (0, (1, 0)), "coronal": (1, (2, 0)), "sagittal": (2, (2, 1))}


def fill_between_slices(mask: Volume, plane: str = "axial") -> EditResult:
    """Fill the empty slices between slices where the mask was drawn (shape-based interpolation), as one edit.

    Between two drawn slices of ``plane`` (``axial``, ``coronal`` or ``sagittal``) with empty ones between them,
    each empty slice gets the shape where the distance to the two drawn shapes' boundaries, interpolated linearly
    by its position, says inside (signed distances in mm, so a growing circle grows evenly). Slices already drawn
    are not changed, nor anything before the first or after the last drawn slice.

    Raises
    ------
    EditError
        For an unknown plane, or a mask drawn on fewer than two slices of it.
    """
    check_mask(mask)
    if plane not in _FILL_AXES:
        raise EditError(f"unknown plane {plane!r}: use axial, coronal or sagittal")
    axis, (first, second) = _FILL_AXES[plane]
    voxels = mask.voxels.copy()
    slices = np.moveaxis(voxels, axis, 0)  # a view: writing to it writes the copy
    drawn = [int(i) for i in np.flatnonzero(slices.reshape(slices.shape[0], -1).any(axis=1))]
    if len(drawn) < 2:
        raise EditError(f"draw the shape on at least two {plane} slices to fill between them")
    sampling = (float(mask.spacing[first]), float(mask.spacing[second]))
    for below, above in itertools.pairwise(drawn):
        if above - below < 2:
            continue
        lower = _signed_distance(slices[below] != 0, sampling)
        upper = _signed_distance(slices[above] != 0, sampling)
        for index in range(below + 1, above):
            t = (index - below) / (above - below)
            slices[index][(1.0 - t) * lower + t * upper > 0.0] = 1
    return _record("fill_between_slices", mask, voxels)


def _set_voxel_centres(mask: Volume) -> tuple[tuple[npt.NDArray[np.intp], ...], npt.NDArray[np.float64]]:
    """``[z, y, x]`` indices of the set voxels and their centres (LPS mm, ``(n, 3)``)."""
    zyx = np.nonzero(mask.voxels)
    ijk = np.stack([zyx[2], zyx[1], zyx[0]], axis=1)
    return zyx, mask.index_to_world(ijk)


def _inside_polygon(points: npt.NDArray[np.float64], polygon: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Even-odd rule: which 2D ``points`` ``(n, 2)`` lie inside the closed ``polygon`` ``(m, 2)``."""
    inside = np.zeros(points.shape[0], dtype=np.bool_)
    px, py = points[:, 0], points[:, 1]
    for a, b in zip(polygon, np.roll(polygon, -1, axis=0), strict=True):
        (ax, ay), (bx, by) = a, b
        if ay == by:
            continue  # a horizontal edge never crosses the horizontal ray
        crosses = (ay > py) != (by > py)
        x_cross = ax + (py - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (px < x_cross)
    return inside


def scissors(
    mask: Volume,
    polygon_lps_mm: npt.ArrayLike,
    view_direction_lps: Vec3,
    *,
    mode: Literal["erase", "keep"] = "erase",
) -> EditResult:
    """Cut the mask with a closed polygon drawn in a view, projected through the whole volume.

    The projection is orthographic (parallel to ``view_direction_lps``): a voxel is *inside* when its centre,
    projected along the view direction onto the polygon's plane, falls inside the polygon (even-odd rule).

    Parameters
    ----------
    mask
        The mask to cut.
    polygon_lps_mm
        ``(m, 3)`` polygon vertices in LPS mm, ``m >= 3``, in drawing order; the last joins the first. Their
        position along the view direction does not matter.
    view_direction_lps
        Direction the viewer looks along (LPS; any non-zero length).
    mode
        ``"erase"`` clears the voxels inside; ``"keep"`` clears the voxels outside.

    Returns
    -------
    EditResult
        The cut mask and its record.

    Raises
    ------
    EditError
        If the polygon has fewer than 3 vertices or is degenerate in the view, or the direction is zero.
    """
    check_mask(mask)
    polygon = np.asarray(polygon_lps_mm, dtype=np.float64)
    if polygon.ndim != 2 or polygon.shape[0] < 3 or polygon.shape[1] != 3 or not np.all(np.isfinite(polygon)):
        raise EditError("the scissors polygon needs at least 3 vertices of 3 finite numbers (LPS mm)")
    direction = _vec3(view_direction_lps, "the view direction")
    length = float(np.linalg.norm(direction))
    if length == 0:
        raise EditError("the view direction must not be zero")
    if mode not in ("erase", "keep"):
        raise EditError(f"scissors mode must be 'erase' or 'keep', got {mode!r}")
    normal = direction / length
    helper = np.array([1.0, 0.0, 0.0]) if abs(normal[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = np.cross(normal, helper)
    u /= np.linalg.norm(u)
    v = np.cross(normal, u)
    basis = np.stack([u, v], axis=1)  # (3, 2): LPS -> view-plane coordinates
    polygon_2d = polygon @ basis
    edges = np.roll(polygon_2d, -1, axis=0) - polygon_2d
    area = 0.5 * float(np.sum(polygon_2d[:, 0] * edges[:, 1] - polygon_2d[:, 1] * edges[:, 0]))
    if abs(area) < 1e-9:
        raise EditError("the scissors polygon has no area in the view (drawn along the view direction?)")
    zyx, centres = _set_voxel_centres(mask)
    inside = _inside_polygon(centres @ basis, polygon_2d)
    clear = inside if mode == "erase" else ~inside
    voxels = mask.voxels.copy()
    voxels[zyx[0][clear], zyx[1][clear], zyx[2][clear]] = 0
    return _record("scissors", mask, voxels)


def crop_to_box(mask: Volume, lower_lps_mm: Vec3, upper_lps_mm: Vec3) -> EditResult:
    """Clear every voxel whose centre lies outside the LPS-axis-aligned box ``[lower, upper]`` (mm, inclusive).

    Raises
    ------
    EditError
        If a bound is not finite or ``lower`` exceeds ``upper`` on some axis.
    """
    check_mask(mask)
    lower = _vec3(lower_lps_mm, "the box's lower corner")
    upper = _vec3(upper_lps_mm, "the box's upper corner")
    if np.any(lower > upper):
        raise EditError("the box's lower corner must not exceed its upper corner on any axis")
    zyx, centres = _set_voxel_centres(mask)
    outside = np.any((centres < lower) | (centres > upper), axis=1)
    voxels = mask.voxels.copy()
    voxels[zyx[0][outside], zyx[1][outside], zyx[2][outside]] = 0
    return _record("crop", mask, voxels)


def remove_islands(mask: Volume, min_volume_mm3: float, *, connectivity: Connectivity = 26) -> EditResult:
    """Clear every connected component smaller than ``min_volume_mm3`` (voxel count times voxel volume).

    Raises
    ------
    EditError
        If ``min_volume_mm3`` is negative or not finite.
    """
    from scipy import ndimage  # noqa: PLC0415 - scipy.ndimage costs most of a second at start-up

    check_mask(mask)
    if not math.isfinite(min_volume_mm3) or min_volume_mm3 < 0:
        raise EditError(f"the minimum island volume must be a number of mm³ >= 0, got {min_volume_mm3}")
    labels, count = ndimage.label(mask.voxels, structure=connectivity_structure(connectivity))
    sizes_mm3 = np.bincount(labels.ravel(), minlength=count + 1) * voxel_volume_mm3(mask)
    keep = sizes_mm3 >= min_volume_mm3
    keep[0] = False
    voxels = keep[labels].astype(np.uint8)
    return _record("remove_islands", mask, voxels)
