"""What the slice views draw: planes of a volume, window/level, orientation labels and a scale bar (no Qt here).

Also the conversions the drawing tools need: an image point of a plane to LPS millimetres and back, the plane's
normal, and the LPS box around a mask; and the mask edits as background tasks (:func:`run_mask_edit` in a thread,
:func:`remove_islands_task` in the worker process, with the mask packed 8 voxels to a byte on the way).

Planes are shown in the radiological convention for the usual axial CT (identity direction): axial with the
patient's right on the screen's left and anterior at the top; coronal and sagittal with superior at the top. The
labels are derived from the volume's direction matrix, so an oblique or flipped acquisition is labelled by the
patient direction each screen edge actually points to.

Window/level presets (HU; window = width, level = centre), the usual CT display settings
(e.g. Radiopaedia "Windowing (CT)"):

============  ======  =====  ===========================================================
preset        window  level  shows
============  ======  =====  ===========================================================
bone          1800    400    cortical and cancellous bone, the seat of a plate
soft_tissue   400     40     scalp, muscle, fat against soft tissue
brain         80      40     grey and white matter (everything else saturates)
============  ======  =====  ===========================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from imaging.volume import Volume

if TYPE_CHECKING:
    from imaging.edit import EditResult, MaskEdit

Plane = Literal["axial", "coronal", "sagittal"]
PLANES: tuple[Plane, ...] = ("axial", "coronal", "sagittal")


@dataclass(frozen=True)
class WindowPreset:
    """A CT display window: ``window`` (width) and ``level`` (centre), both in HU."""

    name: str
    window: float
    level: float


WINDOW_PRESETS: dict[str, WindowPreset] = {
    "bone": WindowPreset("bone", 1800.0, 400.0),
    "soft_tissue": WindowPreset("soft_tissue", 400.0, 40.0),
    "brain": WindowPreset("brain", 80.0, 40.0),
}

#: Window/level dragging: HU per screen pixel of drag, as a fraction of the current window (so that a narrow brain
#: window moves finely and a wide bone window coarsely), and the narrowest window a drag may reach.
WINDOW_DRAG_FRACTION = 0.005
MIN_WINDOW_HU = 1.0
#: Zoom limits of a slice view (1 = the whole slice fits) and the zoom per wheel notch.
MIN_ZOOM, MAX_ZOOM, ZOOM_STEP = 1.0, 32.0, 1.25


def dragged_window(window: float, level: float, dx: float, dy: float) -> tuple[float, float]:
    """Window and level (HU) after a drag of (dx, dy) screen pixels: right widens the window, down lowers the level.

    The step per pixel is :data:`WINDOW_DRAG_FRACTION` of the window at the drag's start, at least 0.1 HU.
    """
    step = max(0.1, window * WINDOW_DRAG_FRACTION)
    return max(MIN_WINDOW_HU, window + dx * step), level - dy * step


def voxel_value(volume: Volume, voxel: tuple[int, int, int]) -> float | None:
    """The voxel's value (HU for CT) at index (x, y, z), or None outside the volume."""
    x, y, z = voxel
    nx, ny, nz = volume.size
    if not (0 <= x < nx and 0 <= y < ny and 0 <= z < nz):
        return None
    return float(volume.voxels[z, y, x])


# The axis index (numpy [z, y, x] order) held fixed by each plane, and which array axes run along the screen.
_FIXED_AXIS = {"axial": 0, "coronal": 1, "sagittal": 2}


def plane_index_axis(plane: Plane) -> int:
    """The volume axis (0 = x, 1 = y, 2 = z; ITK order) a plane's slice number walks along."""
    return {"axial": 2, "coronal": 1, "sagittal": 0}[plane]


def plane_image(voxels: npt.NDArray[np.generic], plane: Plane, index: int) -> npt.NDArray[np.generic]:
    """The 2D image of ``plane`` at slice ``index``, rows top to bottom on screen, columns left to right.

    Parameters
    ----------
    voxels
        The volume's array, indexed ``[z, y, x]``.
    plane
        ``axial`` (fixed z), ``coronal`` (fixed y) or ``sagittal`` (fixed x).
    index
        The slice number along the fixed axis (clamped to the volume).
    """
    axis = _FIXED_AXIS[plane]
    index = int(np.clip(index, 0, voxels.shape[axis] - 1))
    if plane == "axial":
        image = voxels[index]
    elif plane == "coronal":
        image = voxels[::-1, index, :]  # superior (high z) at the top
    else:
        image = voxels[::-1, :, index]
    return np.asarray(image)


def pixel_size_mm(volume: Volume, plane: Plane) -> tuple[float, float]:
    """Width and height (mm) of one pixel of ``plane``'s image."""
    sx, sy, sz = volume.spacing
    return {"axial": (sx, sy), "coronal": (sx, sz), "sagittal": (sy, sz)}[plane]


def screen_to_index(volume: Volume, plane: Plane, index: int, column: float, row: float) -> tuple[int, int, int]:
    """The voxel (x, y, z) shown at image ``column``, ``row`` of ``plane`` at slice ``index`` (clamped)."""
    nx, ny, nz = volume.size
    c, r = round(column), round(row)
    if plane == "axial":
        x, y, z = c, r, index
    elif plane == "coronal":
        x, y, z = c, index, nz - 1 - r
    else:
        x, y, z = index, c, nz - 1 - r
    return (int(np.clip(x, 0, nx - 1)), int(np.clip(y, 0, ny - 1)), int(np.clip(z, 0, nz - 1)))


def index_to_screen(volume: Volume, plane: Plane, voxel: tuple[int, int, int]) -> tuple[float, float]:
    """Image (column, row) of voxel (x, y, z) in ``plane``'s image."""
    x, y, z = voxel
    nz = volume.size[2]
    if plane == "axial":
        return float(x), float(y)
    if plane == "coronal":
        return float(x), float(nz - 1 - z)
    return float(y), float(nz - 1 - z)


def window_to_uint8(image: npt.NDArray[np.generic], window: float, level: float) -> npt.NDArray[np.uint8]:
    """Map values to grey levels: ``level - window/2`` and below black, ``level + window/2`` and above white."""
    width = max(float(window), 1e-6)
    low = float(level) - width / 2.0
    scaled = (np.asarray(image, dtype=np.float32) - np.float32(low)) * np.float32(255.0 / width)
    return np.ascontiguousarray(np.clip(scaled, 0.0, 255.0).astype(np.uint8))


def threshold_preview(image: npt.NDArray[np.generic], lower: float, upper: float | None) -> npt.NDArray[np.bool_]:
    """The voxels of one displayed image inside ``[lower, upper]`` (inclusive; open above when upper is None)."""
    inside = np.asarray(image) >= lower
    if upper is not None:
        inside &= np.asarray(image) <= upper
    return np.ascontiguousarray(inside)


def _direction_letter(vector: npt.NDArray[np.float64]) -> str:
    """The patient direction (L/R/P/A/S/I, LPS) a unit vector points to most; two letters when it is oblique."""
    letters = (("L", "R"), ("P", "A"), ("S", "I"))
    order = np.argsort(-np.abs(vector))
    text = ""
    for axis in order[:2]:
        if abs(vector[axis]) < 0.3:
            break
        text += letters[axis][0 if vector[axis] > 0 else 1]
    return text or "?"


def orientation_labels(volume: Volume, plane: Plane) -> dict[str, str]:
    """Patient-direction letters at the screen edges of ``plane``: keys ``left``, ``right``, ``top``, ``bottom``."""
    d = volume.direction_matrix  # columns: LPS directions of the x, y, z axes
    ax, ay, az = d[:, 0], d[:, 1], d[:, 2]
    # Screen right = direction of increasing column; screen down = direction of increasing row.
    right, down = {"axial": (ax, ay), "coronal": (ax, -az), "sagittal": (ay, -az)}[plane]
    return {
        "right": _direction_letter(right),
        "left": _direction_letter(-right),
        "bottom": _direction_letter(down),
        "top": _direction_letter(-down),
    }


def scale_bar_mm(mm_per_pixel: float, max_pixels: float) -> float:
    """The longest round length (1, 2, 5 x 10^n mm) whose bar fits in ``max_pixels`` screen pixels."""
    if mm_per_pixel <= 0 or max_pixels <= 0:
        return 0.0
    limit = mm_per_pixel * max_pixels
    best = 0.0
    for exponent in range(-1, 4):
        for step in (1.0, 2.0, 5.0):
            length = step * 10.0**exponent
            if length <= limit:
                best = length
    return best


def screen_to_world(volume: Volume, plane: Plane, index: int, column: float, row: float) -> npt.NDArray[np.float64]:
    """The LPS position (mm) of a continuous image point of ``plane`` at slice ``index`` (not clamped).

    Image coordinates are those of :func:`screen_to_index` before rounding: pixel (column, row) covers
    ``[column - 0.5, column + 0.5] x [row - 0.5, row + 0.5]`` and its centre is the voxel centre, so a point drawn
    between two pixels lands between two voxel centres in millimetres too.
    """
    nz = volume.size[2]
    if plane == "axial":
        ijk = (column, row, float(index))
    elif plane == "coronal":
        ijk = (column, float(index), nz - 1 - row)
    else:
        ijk = (float(index), column, nz - 1 - row)
    return volume.index_to_world(np.asarray(ijk, dtype=np.float64))


def world_to_screen(volume: Volume, plane: Plane, point_lps: npt.ArrayLike) -> tuple[float, float]:
    """The continuous image (column, row) of ``plane`` where an LPS point (mm) projects (the inverse in-plane)."""
    i, j, k = (float(v) for v in volume.world_to_index(point_lps))
    nz = volume.size[2]
    if plane == "axial":
        return i, j
    if plane == "coronal":
        return i, nz - 1 - k
    return j, nz - 1 - k


def world_to_screen_many(volume: Volume, plane: Plane, points_lps: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """:func:`world_to_screen` of many LPS points ``(..., 3)`` at once: their image (column, row), ``(..., 2)``."""
    index = volume.world_to_index(points_lps)
    nz = volume.size[2]
    if plane == "axial":
        return index[..., [0, 1]]
    if plane == "coronal":
        return np.stack([index[..., 0], nz - 1 - index[..., 2]], axis=-1)
    return np.stack([index[..., 1], nz - 1 - index[..., 2]], axis=-1)


def plane_normal(volume: Volume, plane: Plane) -> npt.NDArray[np.float64]:
    """The LPS unit vector along which ``plane``'s slice number grows (the direction the view looks through)."""
    normal: npt.NDArray[np.float64] = volume.direction_matrix[:, plane_index_axis(plane)].copy()
    return normal


def in_plane_lps_axes(volume: Volume, plane: Plane) -> tuple[int, int]:
    """The two LPS axes (0 = L, 1 = P, 2 = S) seen in ``plane``: all but the one closest to its normal."""
    out_of_plane = int(np.argmax(np.abs(plane_normal(volume, plane))))
    first, second = (axis for axis in range(3) if axis != out_of_plane)
    return first, second


def mask_bounds_world(mask: Volume) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
    """The LPS-axis-aligned box (lower, upper corners, mm) around the centres of the mask's set voxels, or None.

    With an oblique direction matrix the box is that of the index bounding box's eight corners, so it still
    contains every set voxel's centre.
    """
    # Two contiguous max-reductions (about 12 ms on a 512 x 512 x 300 mask) instead of three any() passes.
    voxels = mask.voxels
    zs = np.flatnonzero(voxels.reshape(voxels.shape[0], -1).max(axis=1))
    if zs.size == 0:
        return None
    footprint = voxels.max(axis=0)
    ys = np.flatnonzero(footprint.max(axis=1))
    xs = np.flatnonzero(footprint.max(axis=0))
    corners = np.array(
        [(x, y, z) for x in (xs[0], xs[-1]) for y in (ys[0], ys[-1]) for z in (zs[0], zs[-1])], dtype=np.float64
    )
    world = mask.index_to_world(corners)
    return world.min(axis=0), world.max(axis=0)


def run_mask_edit(edit: Callable[[Volume], EditResult], mask: Volume, _progress: object, _cancel: object) -> EditResult:
    """A mask edit of :mod:`imaging.edit` as a background task (``task(progress, cancel)``; the edits take neither).

    It lives here, in a module without Qt, so that the worker process can unpickle it without loading the widgets.
    """
    return edit(mask)


def run_mask_replay(mask: Volume, edit: MaskEdit, undo: bool, _progress: object, _cancel: object) -> Volume:
    """The mask with ``edit`` undone (``undo``) or applied again, as a background task (for undo and redo)."""
    from imaging.edit import apply_edit, undo_edit  # noqa: PLC0415

    return undo_edit(mask, edit) if undo else apply_edit(mask, edit)


@dataclass(frozen=True, eq=False)
class PackedMask:
    """A 0/1 mask packed 8 voxels to a byte, to cross to the worker process.

    Pickling a mask holds the GIL for its whole copy (about 115 ms for 512 x 512 x 300 voxels, a stall of the GUI
    thread); packed, the copy is an eighth of that, and packing (``np.packbits``, about 12 ms) releases the GIL.
    """

    bits: npt.NDArray[np.uint8]
    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]
    direction: tuple[float, ...]

    @classmethod
    def pack(cls, mask: Volume) -> PackedMask:
        """Pack a ``uint8`` 0/1 mask (any non-zero voxel packs as 1)."""
        z, y, x = mask.voxels.shape
        return cls(np.packbits(mask.voxels), (int(z), int(y), int(x)), mask.spacing, mask.origin, mask.direction)

    def unpack(self) -> Volume:
        """The mask again (``uint8`` 0/1, same geometry)."""
        count = self.shape[0] * self.shape[1] * self.shape[2]
        voxels = np.unpackbits(self.bits, count=count).reshape(self.shape)
        return Volume(voxels=voxels, spacing=self.spacing, origin=self.origin, direction=self.direction)


def remove_islands_task(packed: PackedMask, min_volume_mm3: float, _progress: object, _cancel: object) -> MaskEdit:
    """:func:`imaging.edit.remove_islands` as a worker-process task: only the record of the change comes back."""
    from imaging.edit import remove_islands  # noqa: PLC0415 - scipy loads in the worker process only

    return remove_islands(packed.unpack(), min_volume_mm3).edit
