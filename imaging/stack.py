"""Geometry of a stack of 2D frames, from ImagePositionPatient and ImageOrientationPatient only.

:func:`analyze_stack` orders frames along the slice normal (never by InstanceNumber), measures the steps between
them, recognises gantry tilt (positions that drift in-plane, i.e. a sheared stack), missing slices (an isolated
step that is an integer multiple of the regular step) and uneven spacing (anything else, including blocks of
different regular spacings). :func:`plan_grid` then describes the regular orthogonal grid the stack is assembled
onto and, for every output slice, which input slices it comes from.

Frames: all positions and directions are DICOM patient coordinates (LPS, mm). The in-plane axes are the DICOM row
direction (x, along a row, increasing column index) and column direction (y, increasing row index); the slice
axis is their cross product, so every output grid is right-handed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Layout = Literal["single", "regular", "missing", "uneven"]

#: Smallest step difference treated as real, in mm; DICOM positions are often rounded to 0.01 mm.
ABSOLUTE_STEP_TOLERANCE_MM = 0.02
#: Relative step difference treated as real (a fraction of the regular step).
RELATIVE_STEP_TOLERANCE = 0.01
#: In-plane drift of slice origins below this fraction of a pixel is noise, not gantry tilt.
TILT_TOLERANCE_PIXELS = 0.1
#: A corrected grid larger than :data:`GRID_VOXELS_ALWAYS_ALLOWED` may hold at most this many times the acquired
#: voxels (tilt canvas times interpolated slices): legitimate tilt and uneven spacing stay below 4, so more means
#: positions or spacings that cannot be right (a small series with a long gap interpolated on request may grow more).
MAX_GRID_GROWTH = 8.0
GRID_VOXELS_ALWAYS_ALLOWED = 1 << 28  # 0.5 GB of int16
#: Largest number of voxels along one axis of an assembled grid.
MAX_GRID_AXIS = 65535


def step_tolerance(step_mm: float) -> float:
    """Largest difference in mm between two slice steps that still counts as the same step."""
    return max(ABSOLUTE_STEP_TOLERANCE_MM, RELATIVE_STEP_TOLERANCE * abs(step_mm))


@dataclass(frozen=True)
class StackGeometry:
    """Measured geometry of one stack, frames sorted along the slice normal.

    Attributes
    ----------
    order
        Indices of the input frames in ascending position along ``normal``.
    row_direction, column_direction, normal
        Unit vectors (LPS) of increasing column index, increasing row index, and increasing slice index.
    pixel_spacing_xy
        In-plane spacing (x along a row, y down a column) in mm.
    offsets_mm
        Position of each sorted frame along ``normal``, relative to the first, in mm.
    inplane_mm
        In-plane position (along row, along column) of each sorted frame's origin relative to the first, in mm.
        All zero for an orthogonal stack; a linear drift is gantry tilt.
    first_position
        ImagePositionPatient of the first sorted frame (LPS mm).
    layout
        ``single``, ``regular``, ``missing`` (isolated steps that are multiples of the regular step), ``uneven``.
    step_mm
        The regular step along the normal (the smallest step for ``uneven``); None for a single frame.
    distinct_steps_mm
        The distinct steps found (clustered), each with its count, ascending.
    missing_slices
        Number of slices missing for ``missing`` layouts.
    tilt_deg
        Unsigned gantry tilt in degrees, from the drift of slice origins (0 when orthogonal).
    tilt_signed_deg
        Signed tilt about the row axis: positive when slice origins move towards +column as the slice index grows.
    tilted
        Whether the in-plane drift is large enough to need correction.
    """

    order: tuple[int, ...]
    row_direction: tuple[float, float, float]
    column_direction: tuple[float, float, float]
    normal: tuple[float, float, float]
    pixel_spacing_xy: tuple[float, float]
    offsets_mm: tuple[float, ...]
    inplane_mm: tuple[tuple[float, float], ...]
    first_position: tuple[float, float, float]
    layout: Layout
    step_mm: float | None
    distinct_steps_mm: tuple[tuple[float, int], ...]
    missing_slices: int
    tilt_deg: float
    tilt_signed_deg: float
    tilted: bool

    @property
    def extent_mm(self) -> float:
        """Distance along the normal from the first to the last frame."""
        return self.offsets_mm[-1] if self.offsets_mm else 0.0

    @property
    def needs_resampling(self) -> bool:
        """Whether the frames cannot be stacked as they are onto a regular orthogonal grid."""
        return self.tilted or self.layout in ("missing", "uneven")


def _vec3(values: npt.NDArray[np.float64]) -> tuple[float, float, float]:
    return (float(values[0]), float(values[1]), float(values[2]))


def _cluster_steps(steps: npt.NDArray[np.float64]) -> list[tuple[float, int]]:
    """Group steps that agree within tolerance; returns (mean step, count) ascending."""
    clusters: list[list[float]] = []
    for step in np.sort(steps):
        if clusters and abs(step - float(np.mean(clusters[-1]))) <= step_tolerance(float(np.mean(clusters[-1]))):
            clusters[-1].append(float(step))
        else:
            clusters.append([float(step)])
    return [(float(np.mean(c)), len(c)) for c in clusters]


def _classify_steps(steps: npt.NDArray[np.float64]) -> tuple[Layout, float, int, list[tuple[float, int]]]:
    clusters = _cluster_steps(steps)
    base = clusters[0][0]
    if len(clusters) == 1:
        return "regular", base, 0, clusters
    tolerance = step_tolerance(base)
    is_base = np.abs(steps - base) <= tolerance
    multiples = np.rint(steps / base)
    is_multiple = (multiples >= 2) & (np.abs(steps - multiples * base) <= tolerance * np.maximum(multiples, 1))
    # A gap is an isolated long step between regular ones; a run of long steps is a block of another spacing.
    isolated = np.ones(len(steps), dtype=bool)
    isolated[1:] &= is_base[:-1]
    isolated[:-1] &= is_base[1:]
    long_steps = ~is_base
    if np.all(is_multiple[long_steps] & isolated[long_steps]):
        return "missing", base, int(np.sum(multiples[long_steps] - 1)), clusters
    return "uneven", base, 0, clusters


def analyze_stack(
    positions: npt.ArrayLike,
    orientation: tuple[float, float, float, float, float, float],
    pixel_spacing: tuple[float, float],
) -> StackGeometry:
    """Measure the geometry of a stack of frames that share one orientation.

    Parameters
    ----------
    positions
        (n, 3) ImagePositionPatient of each frame, LPS mm, in any order. Positions must be distinct along the
        normal (split duplicates into separate stacks first).
    orientation
        ImageOrientationPatient shared by the frames (row cosines, then column cosines).
    pixel_spacing
        DICOM PixelSpacing (row spacing, column spacing) in mm, i.e. (y, x).

    Returns
    -------
    StackGeometry
        Order along the normal, steps, layout and tilt.

    Raises
    ------
    ValueError
        If two frames share a position along the normal, or the orientation is degenerate.
    """
    pos = np.asarray(positions, dtype=np.float64).reshape(-1, 3)
    row = np.asarray(orientation[:3], dtype=np.float64)
    col = np.asarray(orientation[3:], dtype=np.float64)
    # Orthonormalise: real headers carry rounding that makes the cosines slightly non-orthogonal.
    row /= np.linalg.norm(row)
    col -= row * float(np.dot(row, col))
    col /= np.linalg.norm(col)
    normal = np.cross(row, col)
    if not np.isfinite(normal).all() or np.linalg.norm(normal) < 0.5:
        raise ValueError("degenerate ImageOrientationPatient")
    projections = pos @ normal
    order = np.argsort(projections, kind="stable")
    pos = pos[order]
    offsets = projections[order] - projections[order][0]
    rel = pos - pos[0]
    inplane = np.stack([rel @ row, rel @ col], axis=1)
    spacing_xy = (float(pixel_spacing[1]), float(pixel_spacing[0]))
    n = len(pos)
    if n == 1:
        return StackGeometry(
            order=tuple(int(i) for i in order),
            row_direction=_vec3(row),
            column_direction=_vec3(col),
            normal=_vec3(normal),
            pixel_spacing_xy=spacing_xy,
            offsets_mm=(0.0,),
            inplane_mm=((0.0, 0.0),),
            first_position=_vec3(pos[0]),
            layout="single",
            step_mm=None,
            distinct_steps_mm=(),
            missing_slices=0,
            tilt_deg=0.0,
            tilt_signed_deg=0.0,
            tilted=False,
        )
    steps = np.diff(offsets)
    if float(steps.min()) <= ABSOLUTE_STEP_TOLERANCE_MM / 2:
        raise ValueError("two frames share one position along the slice normal")
    layout, base, missing, clusters = _classify_steps(steps)
    step = float(offsets[-1] / (n - 1)) if layout == "regular" else base
    drift = float(np.abs(inplane).max())
    tilted = drift > TILT_TOLERANCE_PIXELS * min(spacing_xy)
    denom = float(np.dot(offsets, offsets))
    shear = (inplane.T @ offsets) / denom  # in-plane drift per mm along the normal (row, column)
    tilt = math.degrees(math.atan(float(np.hypot(shear[0], shear[1])))) if tilted else 0.0
    signed = math.degrees(math.atan(float(shear[1]))) if tilted else 0.0
    return StackGeometry(
        order=tuple(int(i) for i in order),
        row_direction=_vec3(row),
        column_direction=_vec3(col),
        normal=_vec3(normal),
        pixel_spacing_xy=spacing_xy,
        offsets_mm=tuple(float(o) for o in offsets),
        inplane_mm=tuple((float(u), float(v)) for u, v in inplane),
        first_position=_vec3(pos[0]),
        layout=layout,
        step_mm=step,
        distinct_steps_mm=tuple(clusters),
        missing_slices=missing,
        tilt_deg=tilt,
        tilt_signed_deg=signed,
        tilted=tilted,
    )


@dataclass(frozen=True)
class SliceSource:
    """How one output slice is made: ``(1 - weight) * input[lower] + weight * input[upper]`` (sorted inputs)."""

    lower: int
    upper: int
    weight: float


@dataclass(frozen=True)
class GridPlan:
    """The regular orthogonal output grid of a stack and where each output slice comes from.

    Attributes
    ----------
    size
        Output size (x, y, z) in voxels.
    spacing
        Output spacing (x, y, z) in mm.
    origin
        LPS position (mm) of the centre of output voxel (0, 0, 0).
    direction
        Row-major 3x3 direction cosines; columns are the x, y and z axes (DICOM row, column, normal).
    sources
        One :class:`SliceSource` per output slice.
    shifts_px
        Per sorted input slice, its (row, column) offset in output pixels: input pixel (r, c) lands at output
        (r + dr, c + dc). Zero unless the stack is tilted.
    resampled
        Whether any output value is interpolated (tilt correction, gap filling or uneven spacing).
    """

    size: tuple[int, int, int]
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]
    direction: tuple[float, ...]
    sources: tuple[SliceSource, ...]
    shifts_px: tuple[tuple[float, float], ...]
    resampled: bool


def plan_grid(geometry: StackGeometry, rows: int, columns: int) -> GridPlan:
    """Describe the regular orthogonal grid that ``geometry`` is assembled onto.

    The output keeps the DICOM row and column directions and spacing; its third axis is the slice normal. A
    tilted stack's slices are shifted in-plane onto a canvas that holds all of them (no data is cropped). Missing
    or unevenly spaced slices are linearly interpolated along the normal at the regular (smallest) step; output
    slices that coincide with an input slice copy it exactly. Callers check :func:`grid_problem` first: the plan
    holds one entry per output slice, however many that is.

    Parameters
    ----------
    geometry
        The stack's measured geometry.
    rows, columns
        Input frame size in pixels.

    Returns
    -------
    GridPlan
        Output grid and per-slice sources.
    """
    sx, sy = geometry.pixel_spacing_xy
    row = np.asarray(geometry.row_direction)
    col = np.asarray(geometry.column_direction)
    normal = np.asarray(geometry.normal)
    inplane = np.asarray(geometry.inplane_mm, dtype=np.float64).reshape(-1, 2)
    out_columns, out_rows, count = planned_size(geometry, rows, columns)
    if geometry.tilted:
        u_min, v_min = float(inplane[:, 0].min()), float(inplane[:, 1].min())
        shifts = tuple(((float(v) - v_min) / sy, (float(u) - u_min) / sx) for u, v in inplane)
    else:
        u_min = v_min = 0.0
        shifts = tuple((0.0, 0.0) for _ in inplane)
    offsets = np.asarray(geometry.offsets_mm)
    n = len(offsets)
    if geometry.layout in ("single", "regular"):
        step = geometry.step_mm or 1.0
        sources = tuple(SliceSource(i, i, 0.0) for i in range(n))
    else:
        step = float(geometry.step_mm or 1.0)
        targets = np.arange(count) * step
        sources = tuple(_source_at(offsets, float(t), step_tolerance(step)) for t in targets)
    origin = np.asarray(geometry.first_position) + u_min * row + v_min * col
    direction = np.stack([row, col, normal], axis=1)
    resampled = geometry.tilted or any(s.weight not in (0.0, 1.0) for s in sources) or len(sources) != n
    return GridPlan(
        size=(out_columns, out_rows, len(sources)),
        spacing=(sx, sy, float(step)),
        origin=_vec3(origin),
        direction=tuple(float(v) for v in direction.ravel()),
        sources=sources,
        shifts_px=shifts,
        resampled=resampled,
    )


def planned_size(geometry: StackGeometry, rows: int, columns: int) -> tuple[int, int, int]:
    """Size (x, y, z) in voxels of the grid :func:`plan_grid` makes, computed without making it.

    A tilted stack's canvas holds every shifted slice; missing or uneven slices are interpolated at the regular
    (smallest) step, never past the last input slice.
    """
    sx, sy = geometry.pixel_spacing_xy
    out_columns, out_rows = columns, rows
    if geometry.tilted:
        inplane = np.asarray(geometry.inplane_mm, dtype=np.float64).reshape(-1, 2)
        u_span, v_span = np.ptp(inplane, axis=0)
        out_columns += math.ceil(float(u_span) / sx - 1e-6)
        out_rows += math.ceil(float(v_span) / sy - 1e-6)
    count = len(geometry.offsets_mm)
    if geometry.layout not in ("single", "regular"):
        step = float(geometry.step_mm or 1.0)
        count = math.floor(geometry.extent_mm / step + step_tolerance(step) / step) + 1
    return out_columns, out_rows, count


def grid_problem(geometry: StackGeometry, rows: int, columns: int) -> str:
    """Why the grid of :func:`plan_grid` would be out of proportion to the acquired frames, or ``""``.

    Parameters
    ----------
    geometry
        The stack's measured geometry.
    rows, columns
        Input frame size in pixels.

    Returns
    -------
    str
        One line naming the grid size when an axis exceeds :data:`MAX_GRID_AXIS` voxels, or the grid holds more
        than :data:`GRID_VOXELS_ALWAYS_ALLOWED` voxels and more than :data:`MAX_GRID_GROWTH` times the acquired
        voxels; ``""`` otherwise.
    """
    size = planned_size(geometry, rows, columns)
    acquired = rows * columns * len(geometry.offsets_mm)
    voxels = size[0] * size[1] * size[2]
    if max(size) <= MAX_GRID_AXIS and voxels <= max(GRID_VOXELS_ALWAYS_ALLOWED, MAX_GRID_GROWTH * acquired):
        return ""
    return (
        f"a regular grid for these slices would be {size[0]}x{size[1]}x{size[2]} voxels, {voxels / acquired:.3g} "
        f"times the {acquired} acquired: slice positions or spacings cannot be right"
    )


def _source_at(offsets: npt.NDArray[np.float64], target: float, tolerance: float) -> SliceSource:
    upper = int(np.searchsorted(offsets, target))
    if upper < len(offsets) and abs(offsets[upper] - target) <= tolerance:
        return SliceSource(upper, upper, 0.0)
    if upper > 0 and abs(offsets[upper - 1] - target) <= tolerance:
        return SliceSource(upper - 1, upper - 1, 0.0)
    upper = min(max(upper, 1), len(offsets) - 1)
    lower = upper - 1
    weight = (target - offsets[lower]) / (offsets[upper] - offsets[lower])
    return SliceSource(lower, upper, float(min(1.0, max(0.0, weight))))
