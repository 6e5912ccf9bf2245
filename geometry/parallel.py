"""Meshing on two cores: VTK's own threads, and a second process for the work that holds the GIL.

:mod:`geometry.mesh` decides what runs where; this module holds the pieces that work on two cores at once.

- **VTK's threads** (:func:`use_vtk_threads`): flying edges and windowed-sinc smoothing are ``vtkSMPTools`` filters;
  with VTK's ``STDThread`` backend they use every core themselves (VTK's default backend is ``Sequential``), and
  make the same surface up to the float32 rounding of flying edges' positions (1.5e-5 mm; the tests compare them).
  This replaced DVW's own two-slab isosurface (two threads, stitched at a shared slice) and the smoothing of two
  halves in two processes, which did the same with more code (see below).
- **Two halves in two processes** (:func:`smooth_reduce_in_halves`, :func:`reduce_halves`): ``fast_simplification``
  holds the GIL for its whole run and keeps its state in globals, so a second core can only help in a second
  process. The surface is cut at the median of its triangles' centroids; each half is reduced with its border kept
  in place (and smoothed first when VTK runs on one core), and its vertices' distances from the reference
  isosurface are measured; the halves are joined exactly at the cut.
- **The second process** (:func:`at_once`) is started with ``forkserver``, never by forking this process: a fork
  copies a process whose other threads (VTK's pool, a GUI's workers, the digest thread) may hold locks, which
  Python deprecates from 3.12 on. The fork server is a clean process started once (:func:`warm_up`) that imports
  this module; the child it forks gets the arrays it needs in one shared-memory block (:class:`_SharedArrays`, not
  pickled through a pipe: 80 MB took 0.4 s that way) and sends back only its reduced half. Where ``forkserver``
  does not exist (Windows) the work stays in one process. As with any ``spawn`` or ``forkserver`` child, the child
  imports the main module again: a script that meshes must do so under ``if __name__ == "__main__":``.

Which pieces pay was measured with ``benchmarks/mesh.py --variants`` (see its docstring for the table).
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from vtkmodules.vtkCommonCore import vtkSMPTools

from base.memory import keep_freed_memory
from base.progress import CancelToken, checkpoint
from geometry.mesh import FloatArray, IndexArray, Mesh, _simplify, repair, smooth
from geometry.metrics import SurfaceIndex
from geometry.second_process import context as _context
from geometry.second_process import two_cores

_Own = TypeVar("_Own")
_Other = TypeVar("_Other")

#: Meshes with fewer triangles are worked on in one process (starting a second one costs more than it saves).
PARALLEL_MIN_TRIANGLES = 400_000
#: Whether meshing runs VTK's filters on VTK's threads (see :func:`use_vtk_threads`).
VTK_THREADS = True
#: Margin (mm) beyond a half's own triangles of the reference triangles it measures its vertices against. A vertex
#: whose distance is not below its own distance to the margin's edge is measured again against the whole reference.
DEVIATION_MARGIN_MM = 2.0

# --------------------------------------------------------------------------------------------------------------
# VTK's threads
# --------------------------------------------------------------------------------------------------------------

_BACKEND_LOCK = threading.Lock()


def use_vtk_threads() -> bool:
    """Run VTK's SMP filters on every core (the ``STDThread`` backend); whether VTK now runs them threaded.

    The backend is a process-wide VTK setting. It is left alone when ``VTK_SMP_BACKEND_IN_USE`` names one (the
    user's choice) or when this VTK build has no thread backend.
    """
    with _BACKEND_LOCK:
        if not os.environ.get("VTK_SMP_BACKEND_IN_USE") and vtk_is_sequential():
            vtkSMPTools.SetBackend("STDThread")
        return not vtk_is_sequential()


def vtk_is_sequential() -> bool:
    """Whether VTK runs its SMP filters on the calling thread only (the ``Sequential`` backend)."""
    return str(vtkSMPTools.GetBackend()) == "Sequential"


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def _row_keys(rows: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.void]:
    """Each row of coordinates as one opaque value: equal exactly when all the row's bit patterns are equal."""
    contiguous = np.ascontiguousarray(rows)
    return contiguous.view(np.dtype((np.void, contiguous.itemsize * contiguous.shape[1]))).reshape(-1)


# --------------------------------------------------------------------------------------------------------------
# A second process
# --------------------------------------------------------------------------------------------------------------


def can_split(n_triangles: int) -> bool:
    """Whether a mesh of ``n_triangles`` is worth working on in two processes here (2+ cores, a safe start method)."""
    return n_triangles >= PARALLEL_MIN_TRIANGLES and two_cores() and _context() is not None


def _child_main(connection: Any, work: Callable[[], object]) -> None:  # pragma: no cover - runs in the child
    keep_freed_memory()  # the child ends with its half: reuse what it frees (base.memory)
    try:
        connection.send(("ok", work()))
    except BaseException as exc:  # noqa: BLE001 - any failure goes back to the parent, which works in one process
        connection.send(("error", repr(exc)))
    finally:
        connection.close()


def at_once(
    own: Callable[[], _Own], other: Callable[[], _Other], *, cancel: CancelToken | None = None
) -> tuple[_Own, _Other] | None:
    """Run ``other`` in a second process while this process runs ``own``; both results, or None if the child failed.

    ``other`` must be picklable (a module-level function, or a ``functools.partial`` of one, with picklable
    arguments): the child is started from the fork server, not forked from this process, so it sees
    only what it is given. It sends back only its result. When ``cancel`` is set after ``own`` returns, the child is
    stopped and :class:`~base.progress.Cancelled` raised; an exception in ``own`` stops the child too.
    """
    context = _context()
    if context is None:
        return None
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(sender, other), daemon=True)
    try:
        child.start()
    except (OSError, RuntimeError, ValueError, TypeError, AttributeError, pickle.PicklingError):
        # No process could be started, or ``other`` cannot be pickled (RuntimeError: the main module is still being
        # imported, e.g. a script without ``if __name__ == "__main__"``, which the child would import again).
        receiver.close()
        sender.close()
        return None
    sender.close()
    finished = False
    try:
        mine = own()
        checkpoint(cancel)
        message = receiver.recv()
        finished = True
    except EOFError:  # the child died without an answer (e.g. killed for memory)
        return None
    finally:
        receiver.close()
        if not finished and child.is_alive():
            child.kill()
        child.join()
    if message[0] != "ok":
        return None
    theirs: _Other = message[1]
    return mine, theirs


@dataclass(frozen=True)
class _SharedHandle:
    """What a child needs to map a :class:`_SharedArrays` block: its name and each array's place in it."""

    name: str
    layout: tuple[tuple[str, int, tuple[int, ...], str], ...]  # (key, byte offset, shape, dtype)


class _SharedArrays:
    """Arrays copied once into one shared-memory block, which a child process maps without copying.

    The creator owns the block: :meth:`close` (or leaving the ``with`` block) removes it once the child is done.
    """

    def __init__(
        self, arrays: Mapping[str, npt.NDArray[Any]], *, dtypes: Mapping[str, type[np.generic]] | None = None
    ) -> None:
        """Copy ``arrays`` into a new block; ``dtypes`` converts some of them on the way (e.g. int64 to int32)."""
        layout: list[tuple[str, int, tuple[int, ...], str]] = []
        offset = 0
        for key, array in arrays.items():
            dtype = np.dtype((dtypes or {}).get(key, array.dtype))
            layout.append((key, offset, tuple(array.shape), dtype.str))
            offset += -(-array.size * dtype.itemsize // 64) * 64  # 64-byte aligned
        self._memory = shared_memory.SharedMemory(create=True, size=max(offset, 1))
        try:
            for (_key, start, shape, code), array in zip(layout, arrays.values(), strict=True):
                view: npt.NDArray[Any] = np.ndarray(shape, dtype=code, buffer=self._memory.buf, offset=start)
                view[...] = array
                del view
        except BaseException:
            self.close()
            raise
        self.handle = _SharedHandle(self._memory.name, tuple(layout))

    def close(self) -> None:
        """Release and remove the block."""
        self._memory.close()
        self._memory.unlink()

    def __enter__(self) -> _SharedArrays:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@contextlib.contextmanager
def _attached(handle: _SharedHandle) -> Iterator[dict[str, npt.NDArray[Any]]]:
    """The arrays of a shared block, as read-only views (in a child process). Results must not keep a view."""
    memory = shared_memory.SharedMemory(name=handle.name)
    arrays: dict[str, npt.NDArray[Any]] = {}
    try:
        for key, start, shape, dtype in handle.layout:
            view: npt.NDArray[Any] = np.ndarray(shape, dtype=dtype, buffer=memory.buf, offset=start)
            view.flags.writeable = False
            arrays[key] = view
        yield arrays
    finally:
        arrays.clear()
        memory.close()


# --------------------------------------------------------------------------------------------------------------
# Two halves
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """Where a surface is cut in two for :func:`smooth_reduce_in_halves`.

    ``first`` marks the triangles whose centroid lies below ``plane`` (mm) along LPS axis ``axis``; the others form
    the second half. ``low`` and ``high`` are each triangle's extent along the axis; ``cut`` lists (ascending) the
    vertices used by both halves; ``reach`` is the largest extent (mm) of a triangle along the axis, so one edge
    moves a path by at most ``reach`` along it. ``frame`` is the whole surface's normalization frame for smoothing
    (see :func:`geometry.mesh.smooth`).
    """

    axis: int
    plane: float
    first: npt.NDArray[np.bool_]
    low: FloatArray
    high: FloatArray
    cut: IndexArray
    reach: float
    frame: tuple[FloatArray, float]


def plan_split(reference: Mesh) -> Split | None:
    """Cut at the median of the triangles' centroids along the longest axis (two halves of equal triangle count)."""
    vertices, faces = reference.vertices, reference.faces
    # Column by column: numpy's reductions along a short last axis are several times slower on millions of rows.
    columns = [np.ascontiguousarray(vertices[:, k]) for k in range(3)]
    lows = np.array([column.min() for column in columns])
    highs = np.array([column.max() for column in columns])
    axis = int(np.argmax(highs - lows))
    a, b, c = (columns[axis][faces[:, k]] for k in range(3))
    low, high = np.minimum(np.minimum(a, b), c), np.maximum(np.maximum(a, b), c)
    centroid = (a + b + c) / 3.0
    plane = float(np.median(centroid))
    first = centroid < plane
    if not 0 < np.count_nonzero(first) < len(faces):
        return None
    in_first = np.zeros(len(vertices), dtype=np.bool_)
    in_second = np.zeros(len(vertices), dtype=np.bool_)
    second = ~first
    for k in range(3):  # column by column: 3x faster than scattering faces[first] (a copy of the rows) at once
        corner = faces[:, k]
        in_first[corner[first]] = True
        in_second[corner[second]] = True
    cut = np.flatnonzero(in_first & in_second)
    frame = ((lows + highs) / 2.0, max(float((highs - lows).max()) / 2.0, 1e-9))  # as geometry.mesh._frame
    return Split(axis, plane, first, low, high, cut, float((high - low).max()), frame)


@dataclass(frozen=True)
class Half:
    """One half, smoothed and reduced.

    Its vertices (LPS mm) and triangles, the smoothed positions of the cut's vertices (in the order of
    ``Split.cut``), each vertex's distance (mm) from the reference isosurface (NaN where the half's part of the
    reference could not make it exact), and the ``time.perf_counter()`` when its smoothing ended.
    """

    points: FloatArray
    faces: IndexArray
    cut: FloatArray
    distances: FloatArray
    smoothed_at: float


@dataclass(frozen=True)
class HalfJob:
    """What one half does, apart from the arrays (see :func:`smooth_reduce_half`).

    ``lattice`` is the spacing (mm, x y z), origin (LPS mm) and direction matrix (3 x 3) of the volume the reference
    is an isosurface of, for its distance index (see :func:`geometry.metrics.surface_index`).
    """

    second: bool
    iterations: int
    target: int
    axis: int
    plane: float
    reach: float
    frame: tuple[FloatArray, float]
    lattice: tuple[FloatArray, FloatArray, FloatArray]


def _half(vertices: FloatArray, faces: IndexArray, chosen: npt.NDArray[np.bool_]) -> tuple[FloatArray, IndexArray]:
    """The ``chosen`` triangles with only the vertices they use, renumbered in order."""
    part = faces[chosen]
    used = np.zeros(len(vertices), dtype=np.bool_)
    used[part.reshape(-1)] = True
    renumber = np.cumsum(used) - 1
    return vertices[used], renumber[part]


def smooth_reduce_half(arrays: Mapping[str, npt.NDArray[Any]], job: HalfJob) -> Half:
    """Smooth, reduce and measure one half of a surface (see :func:`smooth_reduce_in_halves`).

    ``arrays`` holds ``vertices`` (the surface to smooth and reduce, LPS mm), ``reference`` (the unsmoothed
    isosurface's vertices, on the same triangles), ``faces``, and the split's ``first``, ``low``, ``high`` and
    ``cut`` (see :class:`Split`).
    """
    vertices, faces = arrays["vertices"], arrays["faces"]
    first, low, high = arrays["first"], arrays["low"], arrays["high"]
    owned = ~first if job.second else first
    # Windowed sinc with N iterations moves a vertex only by the vertices within N edges of it. The half is smoothed
    # with every triangle within (N + 3) * reach of its own ones along the axis, so the border of that band (which
    # stays still) is more than N edges from any vertex of the half: the half's vertices end where smoothing the
    # whole surface puts them (to rounding: the band's coordinates are normalized differently).
    band = (job.iterations + 3) * job.reach
    if job.iterations == 0:
        extended = owned
    elif job.second:
        extended = high > job.plane - band
    else:
        extended = low < job.plane + band
    chosen = faces[extended]
    used = np.zeros(len(vertices), dtype=np.bool_)
    used[chosen.reshape(-1)] = True
    renumber = np.cumsum(used) - 1
    band_faces = renumber[chosen]
    del chosen
    smoothed = smooth(Mesh(vertices[used], band_faces), job.iterations, frame=job.frame).vertices
    cut = smoothed[renumber[arrays["cut"]]]
    smoothed_at = time.perf_counter()
    own_vertices, own_faces = _half(smoothed, band_faces, owned[extended])
    share = max(4, round(job.target * np.count_nonzero(owned) / len(faces)))
    points, reduced = _simplify(own_vertices, own_faces, share, preserve_border=True)
    # At file precision (see geometry.mesh.at_file_precision), so that the distances measured below are those of the
    # vertices written; the cut's positions are rounded alike, so the halves still meet exactly.
    points, cut = _to_float32(points), _to_float32(cut)

    # Distances from the reference triangles on this side of a plane DEVIATION_MARGIN_MM beyond the half's own
    # triangles: every other triangle lies beyond that plane, so a distance not above the vertex's distance to the
    # plane is the exact distance from the whole reference.
    limit = job.plane + (job.reach + DEVIATION_MARGIN_MM) * (-1.0 if job.second else 1.0)
    region = high > limit if job.second else low < limit
    region_vertices, region_faces = _half(arrays["reference"], faces, region)
    spacing, origin, direction = job.lattice
    index = SurfaceIndex(region_vertices, region_faces, cell=spacing, origin=origin, axes=direction, one_cell=True)
    distances = index.distances(points)
    to_plane = points[:, job.axis] - limit if job.second else limit - points[:, job.axis]
    distances[~(distances <= to_plane)] = np.nan
    return Half(points, reduced, cut, distances, smoothed_at)


def _half_in_child(handle: _SharedHandle, job: HalfJob) -> Half:  # pragma: no cover - runs in the child
    with _attached(handle) as shared:
        arrays = dict(shared)
        arrays.setdefault("reference", arrays["vertices"])
        arrays["low"], arrays["high"] = _extent(arrays["reference"], arrays["faces"], job.axis)
        try:
            return smooth_reduce_half(arrays, job)
        finally:
            arrays.clear()


def _extent(vertices: FloatArray, faces: npt.NDArray[np.integer[Any]], axis: int) -> tuple[FloatArray, FloatArray]:
    """Each triangle's lowest and highest coordinate (mm) along ``axis``, as :func:`plan_split` computes them."""
    column = np.ascontiguousarray(vertices[:, axis])
    a, b, c = (column[faces[:, k]] for k in range(3))
    return np.minimum(np.minimum(a, b), c), np.maximum(np.maximum(a, b), c)


def _to_float32(values: FloatArray) -> FloatArray:
    """``values`` rounded to float32 precision (still float64), -0.0 as 0.0."""
    rounded: FloatArray = values.astype(np.float32).astype(np.float64)
    rounded += 0.0
    return rounded


def join_halves(first: Half, second: Half) -> tuple[Mesh, FloatArray, float] | None:
    """The two halves as one mesh, the second half's copies of the cut's vertices replaced by the first's.

    The reduction kept every cut vertex where its half's smoothing put it; the two halves smoothed them to the same
    place up to rounding, so the second half's copies are found by their exact positions and given the first half's,
    and :func:`geometry.mesh.repair` merges them. None when that does not give exactly one vertex per cut vertex.
    """
    if len(first.cut) != len(second.cut):
        return None
    cut_keys = _row_keys(second.cut)
    order = np.argsort(cut_keys)
    sorted_keys = cut_keys[order]
    if np.any(sorted_keys[1:] == sorted_keys[:-1]):
        return None
    keys = _row_keys(second.points)
    slot = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    hit = sorted_keys[slot] == keys
    if np.count_nonzero(hit) != len(second.cut):
        return None
    points = second.points.copy()
    points[hit] = first.cut[order[slot[hit]]]
    merged = repair(
        Mesh(np.concatenate([first.points, points]), np.concatenate([first.faces, second.faces + len(first.points)]))
    )
    if merged.n_vertices != len(first.points) + len(points) - len(second.cut):
        return None
    return merged, np.concatenate([first.distances, second.distances[~hit]]), first.smoothed_at


def smooth_reduce_in_halves(
    surface: Mesh,
    reference: Mesh,
    lattice: tuple[FloatArray, FloatArray, FloatArray],
    iterations: int,
    target: int,
    *,
    cancel: CancelToken | None,
) -> tuple[Mesh, FloatArray, float] | None:
    """Smooth, reduce and measure the two halves of ``surface`` at once, one in a second process.

    ``surface`` has ``reference``'s triangles: the reference isosurface itself (smoothed here in halves, each with a
    band of neighbouring triangles wide enough that its own vertices end where smoothing the whole surface puts
    them), or that isosurface already smoothed (``iterations`` 0). It is cut at the median of the triangles'
    centroids along the longest axis (:func:`plan_split`); each half is reduced to its share of ``target`` with its
    border (the cut) kept in place, and its vertices' distances from ``reference`` are measured (``lattice``: see
    :class:`HalfJob`); the halves are then joined at the cut (:func:`join_halves`).

    Returns the joined mesh, the distance (mm) of each of its vertices from ``reference`` (NaN where not exact)
    and the ``time.perf_counter()`` when this process's half was smoothed; or None (the caller then works in one
    process) when the surface cannot be cut or joined or the child fails.

    Raises
    ------
    Cancelled
        When ``cancel`` is set (the child is stopped).
    """
    split = plan_split(reference)
    if split is None:
        return None
    arrays = {
        "vertices": surface.vertices,
        "reference": reference.vertices,
        "faces": reference.faces,
        "first": split.first,
        "low": split.low,
        "high": split.high,
        "cut": split.cut,
    }
    # The child gets the surfaces, the triangles (as int32 when they fit: half the bytes to copy) and the split; it
    # computes the triangles' extents itself (exactly as plan_split did), while this process starts its own half.
    to_child: dict[str, npt.NDArray[Any]] = {"vertices": surface.vertices}
    if reference.vertices is not surface.vertices:
        to_child["reference"] = reference.vertices
    to_child["faces"] = reference.faces
    to_child["first"], to_child["cut"] = split.first, split.cut
    narrow = {"faces": np.int32} if len(reference.vertices) < 2**31 else {}

    def job(second: bool) -> HalfJob:
        return HalfJob(second, iterations, target, split.axis, split.plane, split.reach, split.frame, lattice)

    with _SharedArrays(to_child, dtypes=narrow) as shared:
        both = at_once(
            functools.partial(smooth_reduce_half, arrays, job(False)),
            functools.partial(_half_in_child, shared.handle, job(True)),
            cancel=cancel,
        )
    return None if both is None else join_halves(*both)


def _simplify_in_child(handle: _SharedHandle, target: int) -> tuple[FloatArray, IndexArray]:  # pragma: no cover
    with _attached(handle) as arrays:
        return _simplify(arrays["vertices"], arrays["faces"], target, preserve_border=True)


def reduce_halves(mesh: Mesh, target: int) -> tuple[FloatArray, IndexArray] | None:
    """Reduce the two halves of ``mesh`` at once, one in a second process; None when that cannot be done.

    The triangles are split as in :func:`plan_split`; each half is reduced to its share of ``target`` with its open
    border kept (no vertex on the cut moves or goes), so the halves meet again exactly: :func:`geometry.mesh.repair`
    merges the cut's vertices, which are bitwise equal. Returns None (the caller reduces in one run) for meshes
    under ``PARALLEL_MIN_TRIANGLES``, on one core, without a safe start method, or when the child fails.
    """
    if not can_split(mesh.n_triangles):
        return None
    split = plan_split(mesh)
    if split is None:
        return None
    vertices_a, faces_a = _half(mesh.vertices, mesh.faces, split.first)
    vertices_b, faces_b = _half(mesh.vertices, mesh.faces, ~split.first)
    target_a = max(4, round(target * len(faces_a) / mesh.n_triangles))
    target_b = max(4, target - target_a)
    narrow = {"faces": np.int32} if len(vertices_b) < 2**31 else {}
    with _SharedArrays({"vertices": vertices_b, "faces": faces_b}, dtypes=narrow) as shared:
        both = at_once(
            functools.partial(_simplify, vertices_a, faces_a, target_a, preserve_border=True),
            functools.partial(_simplify_in_child, shared.handle, target_b),
        )
    if both is None:
        return None
    (points_a, reduced_a), (points_b, reduced_b) = both
    return np.concatenate([points_a, points_b]), np.concatenate([reduced_a, reduced_b + len(points_a)])
