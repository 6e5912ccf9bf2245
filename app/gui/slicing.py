"""What the slice views draw: planes of a volume, window/level, orientation labels and a scale bar (no Qt here).

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

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from imaging.volume import Volume

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
