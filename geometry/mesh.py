"""Triangle meshes in patient LPS mm, and isosurface meshing of volumes and masks.

A :class:`Mesh` is a closed, outward-oriented triangle surface: ``vertices`` (n, 3) float64 in patient LPS mm and
``faces`` (m, 3) int64 indices, counter-clockwise seen from outside (so the signed volume is positive).

Meshing (:func:`mesh_from_volume`, :func:`mesh_from_mask`) runs VTK's flying edges on a ``vtkImageData`` that
shares the volume's voxel buffer (no copy unless the object touches the volume border and a one-voxel pad is
needed to close it), maps the points from index space to LPS with the volume's spacing, origin and direction, then
optionally smooths (windowed sinc, which does not shrink), reduces (quadric edge collapse with
``fast_simplification``, checked to stay watertight and manifold, with ``vtkQuadricDecimation`` as the fallback)
and repairs small defects. Large surfaces are reduced and measured in two halves at once, one in a second process,
and joined exactly at the cut (:mod:`geometry.parallel`); anything that prevents that falls back to one process.
Every result carries its metrics, including the distance of the final surface from the unsmoothed, unreduced
isosurface (see :mod:`geometry.metrics`).
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import fast_simplification
import numpy as np
import numpy.typing as npt
from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkImageData, vtkPolyData
from vtkmodules.vtkFiltersCore import (
    vtkFlyingEdges3D,
    vtkQuadricDecimation,
    vtkTriangleFilter,
    vtkWindowedSincPolyDataFilter,
)

from base.progress import CancelToken, ProgressCallback, checkpoint, report, subrange
from geometry import second_process
from geometry._vtk import run_filter
from geometry.errors import EmptyMeshError, GeometryError
from geometry.metrics import MeshMetrics, SurfaceDeviation, mesh_metrics, rotate, topology
from imaging.volume import Volume

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.int64]

#: Windowed-sinc pass band (normalized coordinates). DESIGN.md: 0.01 with 20 iterations brings a binary-mask sphere
#: from +14 % area to +0.9 % at -0.16 % volume; measured again in tests/geometry.
PASS_BAND = 0.01
#: Default smoothing iterations, picked by the phantoms in tests/geometry (0.5 x 0.5 x 1.25 mm voxels). Binary mask
#: of a r = 20 mm sphere: 20 iterations give +1.1 % area, 30 give +0.4 % (volume +0.1 %). Gray-level isosurface:
#: unsmoothed +0.85 % area and vertices within 0.20 mm; 20 iterations -0.01 % area, within 0.11 mm, -0.12 % volume.
MASK_SMOOTHING = 30
VOLUME_SMOOTHING = 20
#: A shell whose volume smoothing changes by more than this fraction keeps its isosurface (:func:`keep_small_shells`).
SHELL_VOLUME_TOLERANCE = 0.2
#: Fraction of an anatomy (bone) mesh's triangles kept by ``dvw run`` and the GUI: the full-resolution surface of a
#: head CT is several million triangles.
BONE_MESH_REDUCTION = 0.25
#: ``fast_simplification`` aggressiveness (its default, and trimesh's, is 7). On the 2.2 M-triangle synthetic skull,
#: warm runs: 5: 3.4-3.6 s, 7: 3.3 s, 3: 7 s, all watertight and manifold; deviation max 0.0776 mm with 5 (as
#: ``vtkQuadricDecimation``) against 0.0791 mm with 7, so 5 keeps DVW's deviation equal to or below the VTK chain's.
REDUCTION_AGG = 5.0
#: How many times :func:`reduce` halves the share of triangles removed when a reduction opens the surface.
_REDUCTION_RETRIES = 4


@dataclass(frozen=True, eq=False)
class Mesh:
    """A triangle surface in patient LPS mm.

    Attributes
    ----------
    vertices
        (n, 3) float64 vertex positions, LPS mm.
    faces
        (m, 3) int64 vertex indices per triangle, counter-clockwise seen from outside (outward normals).
    """

    vertices: FloatArray
    faces: IndexArray

    def __post_init__(self) -> None:
        vertices = np.ascontiguousarray(self.vertices, dtype=np.float64)
        faces = np.ascontiguousarray(self.faces, dtype=np.int64)
        if vertices.ndim != 2 or vertices.shape[1] != 3:
            raise GeometryError(f"vertices must be (n, 3), got {vertices.shape}")
        if faces.size == 0:
            faces = faces.reshape(0, 3)
        if faces.ndim != 2 or faces.shape[1] != 3:
            raise GeometryError(f"faces must be (m, 3) triangles, got {faces.shape}")
        if faces.size and (faces.min() < 0 or faces.max() >= len(vertices)):
            raise GeometryError("faces refer to vertices that do not exist")
        object.__setattr__(self, "vertices", vertices)
        object.__setattr__(self, "faces", faces)

    @property
    def n_vertices(self) -> int:
        """Number of vertices."""
        return int(self.vertices.shape[0])

    @property
    def n_triangles(self) -> int:
        """Number of triangles."""
        return int(self.faces.shape[0])

    def to_polydata(self) -> Any:
        """A ``vtkPolyData`` sharing this mesh's vertex buffer (points in LPS mm, triangles as polys)."""
        points = vtkPoints()
        points.SetData(numpy_to_vtk(self.vertices, deep=False))
        offsets = np.arange(0, 3 * self.n_triangles + 1, 3, dtype=np.int64)
        cells = vtkCellArray()
        cells.SetData(
            numpy_to_vtkIdTypeArray(offsets, deep=True), numpy_to_vtkIdTypeArray(self.faces.ravel(), deep=True)
        )
        poly = vtkPolyData()
        poly.SetPoints(points)
        poly.SetPolys(cells)
        return poly

    @classmethod
    def from_polydata(cls, poly: Any) -> Mesh:
        """The triangles of a ``vtkPolyData`` (polygons are triangulated; lines and vertices are dropped)."""
        if poly.GetNumberOfPoints() == 0 or poly.GetNumberOfPolys() == 0:
            return cls(np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64))
        polys = poly.GetPolys()
        offsets = vtk_to_numpy(polys.GetOffsetsArray())
        if not np.all(np.diff(offsets) == 3):
            triangles = vtkTriangleFilter()
            triangles.SetInputData(poly)
            triangles.PassLinesOff()
            triangles.PassVertsOff()
            poly = run_filter(triangles, "triangulating")
            polys = poly.GetPolys()
        connectivity = vtk_to_numpy(polys.GetConnectivityArray()).astype(np.int64)
        vertices = vtk_to_numpy(poly.GetPoints().GetData()).astype(np.float64)
        return cls(vertices, connectivity.reshape(-1, 3))

    def to_trimesh(self) -> Any:
        """A ``trimesh.Trimesh`` with the same vertices and faces (no processing, no merging)."""
        import trimesh  # noqa: PLC0415 - trimesh is only needed for files and a few queries

        return trimesh.Trimesh(vertices=self.vertices, faces=self.faces, process=False, validate=False)

    @classmethod
    def from_trimesh(cls, mesh: Any) -> Mesh:
        """A :class:`Mesh` with the vertices and faces of a ``trimesh.Trimesh``."""
        return cls(np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int64))

    def flipped(self) -> Mesh:
        """The same surface with every triangle's winding (and so its normal) reversed."""
        return Mesh(self.vertices, self.faces[:, ::-1])


@dataclass(frozen=True)
class MeshingParameters:
    """What a mesh was made with.

    Attributes
    ----------
    source
        ``"volume"`` (gray-level isosurface at ``threshold``, HU for CT) or ``"mask"`` (0/1 mask at 0.5).
    threshold
        Iso value in the volume's units (HU for CT; 0.5 for a mask).
    smoothing_iterations
        Windowed-sinc iterations (0 = no smoothing).
    pass_band
        Windowed-sinc pass band in normalized coordinates.
    keep_fraction
        Fraction of triangles kept by the reduction (1.0 = no reduction).
    """

    source: Literal["volume", "mask"]
    threshold: float
    smoothing_iterations: int
    pass_band: float
    keep_fraction: float


@dataclass(frozen=True, eq=False)
class MeshResult:
    """A mesh made from a volume or mask, with its metrics.

    Attributes
    ----------
    mesh
        The final surface (LPS mm, outward normals).
    metrics
        Its metrics; ``metrics.surface_deviation`` is the distance (mm) of the final vertices from the unsmoothed,
        unreduced isosurface.
    parameters
        The meshing parameters actually used.
    input_sha256
        SHA-256 of the input: the file's hash when the caller gave it, else a hash of the voxels and geometry.
    stage_seconds
        Wall time (s) per stage, in order: ``isosurface``, ``smoothing``, ``reduction``, ``repair``, ``metrics``.
    unsmoothed_shells
        Closed shells of the isosurface kept as they were because smoothing shrank them (:func:`keep_small_shells`).
    """

    mesh: Mesh
    metrics: MeshMetrics
    parameters: MeshingParameters
    input_sha256: str
    stage_seconds: tuple[tuple[str, float], ...]
    unsmoothed_shells: int = 0


def volume_digest(volume: Volume) -> str:
    """SHA-256 of a volume's voxels (bytes, dtype, shape) and geometry, for results made from in-memory volumes."""
    digest = hashlib.sha256()
    digest.update(repr((str(volume.voxels.dtype), volume.voxels.shape, volume.spacing, volume.origin)).encode())
    digest.update(repr(volume.direction).encode())
    digest.update(np.ascontiguousarray(volume.voxels).data)
    return digest.hexdigest()


def _image_data(voxels: npt.NDArray[Any], spacing: tuple[float, float, float]) -> tuple[Any, Any]:
    """A ``vtkImageData`` whose scalars share ``voxels``' buffer ([z, y, x] C order is VTK's x-fastest order).

    The image's origin is 0 and its spacing the voxel size, so its points are ``index * spacing`` in mm.
    Returns the image and the flat array it refers to (keep it alive while the image is used).
    """
    flat = voxels.reshape(-1)  # a view for a C-contiguous array
    scalars = numpy_to_vtk(flat, deep=False)
    scalars.SetName("values")
    nz, ny, nx = voxels.shape
    image = vtkImageData()
    image.SetDimensions(nx, ny, nz)
    image.SetSpacing(*spacing)
    image.SetOrigin(0.0, 0.0, 0.0)
    image.GetPointData().SetScalars(scalars)
    return image, flat


def _touches_border(voxels: npt.NDArray[Any], level: float) -> bool:
    faces = (voxels[0], voxels[-1], voxels[:, 0], voxels[:, -1], voxels[:, :, 0], voxels[:, :, -1])
    return any(bool(np.any(face >= level)) for face in faces)


def _prepare_voxels(voxels: npt.NDArray[Any], level: float) -> tuple[npt.NDArray[Any], int]:
    """Voxels ready for VTK (C-contiguous, a VTK scalar type), padded by one voxel when the object touches a border.

    Returns the array and the index offset (0, or 1 when padded) of the original voxel (0, 0, 0).
    """
    if voxels.dtype == np.bool_:
        voxels = voxels.view(np.uint8)
    if voxels.dtype.kind not in "iuf":
        raise GeometryError(f"cannot mesh voxels of type {voxels.dtype}")
    if voxels.dtype.byteorder not in "=|":
        voxels = voxels.astype(voxels.dtype.newbyteorder("="))
    if not _touches_border(voxels, level):
        return np.ascontiguousarray(voxels), 0
    low = float(voxels.min())
    if low >= level:
        low = level - 1.0
    if voxels.dtype.kind in "iu" and math.floor(low) >= np.iinfo(voxels.dtype).min:
        return np.pad(voxels, 1, mode="constant", constant_values=math.floor(low)), 1
    padded = np.pad(voxels.astype(np.result_type(voxels.dtype, np.float32), copy=False), 1, mode="constant")
    padded[[0, -1], :, :] = low
    padded[:, [0, -1], :] = low
    padded[:, :, [0, -1]] = low
    return padded, 1


def _signed_volume(vertices: FloatArray, faces: IndexArray) -> float:
    return float(_face_volumes(vertices, faces).sum())


def isosurface(
    volume: Volume,
    level: float,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Mesh:
    """The closed isosurface of ``volume`` at ``level`` in patient LPS mm, oriented outward (positive volume).

    Flying edges makes one vertex per voxel edge the surface crosses and its triangles from a consistent case
    table, so its surface is closed and consistently oriented by construction (the tests check it), as long as no
    voxel's value equals the iso value: there several edges' vertices would land on that voxel's centre, and
    merging them pinches or tears the surface (a real head CT at 300 HU has hundreds of such voxels, and its
    surface was neither watertight nor manifold). So flying edges runs just below ``level`` when a voxel equals it
    (:func:`_iso_value`): the same voxels are inside, and the vertices that sat on those voxels' centres move off
    them by 0.5 HU's worth of their edge. Coincident vertices that remain (none are expected) are merged and the
    triangles that then repeat a vertex (or another triangle) are removed, looking only at the vertices near a voxel
    centre (0.3 s instead of a full :func:`repair`'s 1.2 s for 2.2 M triangles). The orientation is that of flying
    edges' triangles (see :func:`_flying_edges_outward`), reversed for a left-handed direction matrix. Flying edges
    runs on every core when VTK's ``STDThread`` backend is in use (meshing selects it, see
    :func:`geometry.parallel.use_vtk_threads`).

    Parameters
    ----------
    volume
        The volume; values >= ``level`` are inside.
    level
        Iso value in the volume's units (HU for CT).

    Raises
    ------
    EmptyMeshError
        If nothing in the volume reaches ``level``.
    Cancelled
        When ``cancel`` is set.
    """
    if volume.voxels.ndim != 3:
        raise GeometryError(f"a volume must be 3D, got shape {volume.voxels.shape}")
    if not np.isfinite(level):
        raise GeometryError(f"the iso value must be finite, got {level}")
    level = _iso_value(volume.voxels, level)
    voxels, offset = _prepare_voxels(volume.voxels, level)
    direction = volume.direction_matrix
    surface = _isosurface_of(
        voxels,
        level,
        offset=offset,
        spacing=np.asarray(volume.spacing, dtype=np.float64),
        direction=direction,
        origin=np.asarray(volume.origin, dtype=np.float64),
        progress=progress,
        cancel=cancel,
    )
    del voxels
    if surface is None:
        raise EmptyMeshError(f"nothing in the volume reaches {level:g}: the isosurface is empty")
    vertices, faces = surface
    if _flying_edges_outward() != (np.linalg.det(direction) > 0):
        faces = faces[:, ::-1]
    return Mesh(vertices, np.array(faces, dtype=np.int64, order="C"))  # a copy: not a view of VTK's array


def _iso_value(voxels: npt.NDArray[Any], level: float) -> float:
    """The value flying edges runs at: ``level``, or just below it when a voxel equals ``level`` exactly.

    Just below means the same voxels are inside (values >= ``level``) and none equals the iso value: half-way to the
    next value below ``level`` (``level`` - 0.5 for integer voxels). A vertex on an edge from value a to b then moves
    by 0.5 / (b - a) voxel: 0.0005 voxel across a 1000 HU bone edge. (Much closer to ``level``, the vertices near a
    voxel centre round to the same float32 positions and pinch the surface again.)
    """
    if voxels.dtype.kind == "b":
        return float(level)
    if voxels.dtype.kind in "iu":
        # No integer voxel equals a fractional level (a mask's 0.5) or one outside the type's range; the others are
        # compared with a scalar of the voxels' own type (a float comparison converts every voxel: 7x as long).
        info = np.iinfo(voxels.dtype)
        if not float(level).is_integer() or not info.min <= level <= info.max:
            return float(level)
        return float(level) - 0.5 if np.any(voxels == voxels.dtype.type(int(level))) else float(level)
    if not np.any(voxels == level):
        return float(level)
    below = voxels[voxels < level]
    top = float(below.max()) if below.size else float(level) - 1.0
    return (float(level) + top) / 2.0


def _isosurface_of(
    voxels: npt.NDArray[Any],
    level: float,
    *,
    offset: int,
    spacing: FloatArray,
    direction: FloatArray,
    origin: FloatArray,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> tuple[FloatArray, IndexArray] | None:
    """Flying edges on the prepared ``voxels``, in LPS mm, merged on voxel centres: vertices and triangles.

    ``offset`` is the padding of the prepared volume (see :func:`_prepare_voxels`). None when there is no surface.
    """
    poly = _flying_edges(
        voxels, (float(spacing[0]), float(spacing[1]), float(spacing[2])), level, progress=progress, cancel=cancel
    )
    polys = poly.GetPolys()
    if poly.GetNumberOfPoints() == 0 or polys.GetNumberOfCells() == 0:
        return None
    if polys.GetConnectivityArray().GetNumberOfValues() != 3 * polys.GetNumberOfCells():
        raise GeometryError("flying edges returned polygons that are not triangles")
    points = vtk_to_numpy(poly.GetPoints().GetData())  # float32 index * spacing, from voxel (0, 0, 0) of the voxels
    # Voxel index of each vertex (float32 is enough to tell the vertices within 1e-3 voxel of a voxel centre).
    index = points * (1.0 / spacing).astype(np.float32)
    shift = -float(offset)  # the prepared voxel (0, 0, 0) in voxels of the volume
    index += np.float32(shift)
    local = points.astype(np.float64) + shift * spacing  # mm from the volume's voxel (0, 0, 0), volume axes
    faces = vtk_to_numpy(polys.GetConnectivityArray()).reshape(-1, 3)
    world = rotate(local, direction.T)
    world += origin
    return _merge_on_voxel_centres(world, index, faces)


def _flying_edges(
    voxels: npt.NDArray[Any],
    spacing: tuple[float, float, float],
    level: float,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Any:
    """``vtkFlyingEdges3D``'s surface of ``voxels`` at ``level``, points in mm from voxel (0, 0, 0) of ``voxels``."""
    image, _keep = _image_data(voxels, spacing)
    flying = vtkFlyingEdges3D()
    flying.SetInputData(image)
    flying.SetValue(0, level)
    flying.ComputeNormalsOff()
    flying.ComputeGradientsOff()
    flying.ComputeScalarsOff()
    flying.InterpolateAttributesOff()
    return run_filter(flying, "isosurface", progress=progress, cancel=cancel)


@functools.cache
def _flying_edges_outward() -> bool:
    """Whether flying edges' triangles are counter-clockwise seen from outside (from values below the level).

    Measured once on a single voxel above the level, so that the orientation of every isosurface follows from it
    and the direction matrix's handedness without summing the signed volume of millions of triangles.
    """
    voxels = np.zeros((3, 3, 3), dtype=np.uint8)
    voxels[1, 1, 1] = 1
    poly = _flying_edges(voxels, (1.0, 1.0, 1.0), 0.5)
    probe = Mesh.from_polydata(poly)
    return _signed_volume(probe.vertices, probe.faces) > 0


def _merge_on_voxel_centres(
    vertices: FloatArray, index: npt.NDArray[np.floating[Any]], faces: npt.NDArray[np.integer[Any]]
) -> tuple[FloatArray, IndexArray]:
    """Merge an isosurface's coincident vertices, then drop repeated and degenerate triangles and unused vertices.

    Two vertices of flying edges lie on different voxel edges, so they can only coincide at a voxel centre shared
    by their edges (a voxel whose value equals the level): only vertices within 1e-3 voxel of a voxel centre
    (``index`` is the vertex position in voxel units) are compared, by their exact positions in ``vertices``.
    Returns the vertices and the triangles (``vertices`` itself when nothing was merged).
    """
    triangles: IndexArray = np.asarray(faces, dtype=np.int64)
    near = np.flatnonzero(np.all(np.abs(index - np.rint(index)) < 1e-3, axis=1))
    if near.size < 2:
        return vertices, triangles
    unique, renumbered = _merge(Mesh(vertices[near], np.arange(near.size).reshape(-1, 1).repeat(3, axis=1)))
    if len(unique) == near.size:
        return vertices, triangles
    # The first vertex of each group (in the order of ``near``) stands for the group.
    group = renumbered[:, 0]
    first = np.full(len(unique), near.size, dtype=np.int64)
    np.minimum.at(first, group, np.arange(near.size))
    target = np.arange(len(vertices), dtype=np.int64)
    target[near] = near[first[group]]
    moved = near[target[near] != near]
    touched = np.zeros(len(vertices), dtype=bool)
    touched[near] = True
    affected = np.flatnonzero(touched[triangles].any(axis=1))
    local = target[triangles[affected]]
    ok = (local[:, 0] != local[:, 1]) & (local[:, 1] != local[:, 2]) & (local[:, 0] != local[:, 2])
    key = np.sort(local, axis=1)
    order = np.lexsort((key[:, 2], key[:, 1], key[:, 0]))
    repeated = np.zeros(len(local), dtype=bool)
    repeated[order[1:]] = np.all(key[order[1:]] == key[order[:-1]], axis=1)
    keep = np.ones(len(triangles), dtype=bool)
    keep[affected] = ok & ~repeated
    row = np.cumsum(keep) - 1
    kept = triangles[keep]  # a copy, owned
    kept[row[affected[keep[affected]]]] = local[keep[affected]]
    used = np.zeros(len(vertices), dtype=bool)
    used[kept.reshape(-1)] = True
    used[moved] = False
    renumber = np.cumsum(used) - 1
    np.take(renumber, kept, out=kept, mode="clip")  # element by element: in place is safe
    return vertices[used], kept


def smooth(
    mesh: Mesh,
    iterations: int,
    *,
    pass_band: float = PASS_BAND,
    frame: tuple[FloatArray, float] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Mesh:
    """Windowed-sinc smoothing (Taubin): low pass band, normalized coordinates, no feature-edge or boundary smoothing.

    A windowed-sinc filter removes the staircase of a mask surface without the shrinkage of Laplacian smoothing;
    the volume change is measured in the tests (< 0.5 %). Topology and vertex count are unchanged.

    The filter runs on coordinates normalized to ``frame`` = (centre, half-size in mm): by default the centre and
    half the longest side of the mesh's bounding box, as VTK's own normalization does. The filter's gain at zero
    frequency is not exactly 1, so it scales the surface very slightly (a few 1e-4 mm over 100 mm) about that centre;
    parts of one surface smoothed separately (see :func:`geometry.parallel.smooth_reduce_in_halves`) therefore share
    the whole surface's frame. With VTK's ``STDThread`` backend the filter uses every core.

    A non-manifold vertex (where the merge of coincident vertices pinched the surface, see :func:`isosurface`)
    stays where the isosurface put it, as do the vertices on a border. On a manifold surface the result is the
    same as with VTK's non-manifold smoothing on (measured: 6e-14 mm apart on the 2.2 M-triangle benchmark skull),
    which takes 1.5x as long (1.68 s against 1.09 s).
    """
    if iterations <= 0 or mesh.n_triangles == 0:
        return mesh
    if frame is None:
        frame = _frame(mesh.vertices)
    centre, half_size = frame
    normalized = (mesh.vertices - centre) / half_size
    sinc = vtkWindowedSincPolyDataFilter()
    sinc.SetInputData(Mesh(normalized, mesh.faces).to_polydata())
    sinc.SetNumberOfIterations(int(iterations))
    sinc.SetPassBand(pass_band)
    sinc.NormalizeCoordinatesOff()
    sinc.FeatureEdgeSmoothingOff()
    sinc.BoundarySmoothingOff()
    sinc.NonManifoldSmoothingOff()  # VTK's default; on, the filter takes 1.5x as long on a manifold mesh
    out = run_filter(sinc, "smoothing", progress=progress, cancel=cancel)
    vertices = vtk_to_numpy(out.GetPoints().GetData()).astype(np.float64)
    return Mesh(vertices * half_size + centre, mesh.faces)


def keep_small_shells(
    reference: Mesh, smoothed: Mesh, *, tolerance: float = SHELL_VOLUME_TOLERANCE
) -> tuple[Mesh, int]:
    """``smoothed`` with every shell whose volume smoothing changed by more than ``tolerance`` put back as it was.

    A windowed-sinc filter keeps the shapes that are smooth at the scale of a surface's triangles; a shell only a few
    voxels across (or a lace of one-voxel strands) is all staircase to it, and it shrinks towards a point: measured
    on binary spheres at 30 iterations, r = 2 voxels -55 % (the true sphere is 20 % larger than the isosurface), r = 3
    -10 % (closer to the true sphere than the isosurface), r = 6 -1 %; on real MR masks a one-voxel mask lost all its
    volume and a 398,458-vertex lacy shell 54 %. Such a shell keeps the isosurface's vertices (its staircase and
    volume) instead of being written as a sliver or as nothing. ``smoothed`` must have ``reference``'s triangles (as
    :func:`smooth` returns them); shells are the vertex-connected parts of ``reference``.

    Returns the mesh and the number of shells put back.
    """
    if smoothed.n_triangles == 0 or smoothed.n_vertices != reference.n_vertices:
        return smoothed, 0
    faces = reference.faces
    n = reference.n_vertices
    from scipy.sparse import coo_matrix  # noqa: PLC0415 - scipy loads on first use (start-up)
    from scipy.sparse.csgraph import connected_components  # noqa: PLC0415

    edges = coo_matrix(
        (np.ones(2 * len(faces), dtype=np.int8), (np.r_[faces[:, 0], faces[:, 1]], np.r_[faces[:, 1], faces[:, 2]])),
        shape=(n, n),
    )
    count, labels = connected_components(edges, directed=False)
    face_labels = labels[faces[:, 0]]
    before = np.bincount(face_labels, _face_volumes(reference.vertices, faces), minlength=count)
    after = np.bincount(face_labels, _face_volumes(smoothed.vertices, faces), minlength=count)
    shrunk = np.abs(after - before) > tolerance * np.maximum(np.abs(before), 1e-12)
    if not shrunk.any():
        return smoothed, 0
    back = shrunk[labels]
    vertices = smoothed.vertices.copy()
    vertices[back] = reference.vertices[back]
    return Mesh(vertices, smoothed.faces), int(shrunk.sum())


def _face_volumes(vertices: FloatArray, faces: IndexArray) -> FloatArray:
    """Each triangle's signed volume (mm^3) with the origin: they sum to a closed surface's enclosed volume.

    Computed on coordinate columns (a . (b x c) written out), 65,536 triangles at a time: the temporaries stay in the
    processor's cache and are reused instead of being faulted in afresh. 0.05 s for the 2.2 M triangles of the
    benchmark skull, where the whole-array form took 0.22 s at best and 1.5-2.9 s in a fresh process (its nine
    gathered 18 MB columns and their products are new memory); ``np.cross`` on (n, 3) rows took 3.7 s.
    """
    x, y, z = (np.ascontiguousarray(vertices[:, axis], dtype=np.float64) for axis in range(3))
    volumes = np.empty(len(faces), dtype=np.float64)
    for start in range(0, len(faces), _FACE_CHUNK):
        part = faces[start : start + _FACE_CHUNK]
        i, j, k = part[:, 0], part[:, 1], part[:, 2]
        ax, ay, az = x[i], y[i], z[i]
        bx, by, bz = x[j], y[j], z[j]
        cx, cy, cz = x[k], y[k], z[k]
        volumes[start : start + _FACE_CHUNK] = (
            ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx)
        )
    volumes /= 6.0
    return volumes


#: Triangles per block of :func:`_face_volumes` (a block's temporaries: 0.5 MB each).
_FACE_CHUNK = 1 << 16


def _frame(vertices: FloatArray) -> tuple[FloatArray, float]:
    """The centre (mm) and half the longest side (mm) of the bounding box of ``vertices``."""
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    return (low + high) / 2.0, max(float((high - low).max()) / 2.0, 1e-9)


def reduce(
    mesh: Mesh,
    keep_fraction: float,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Mesh:
    """Reduce to about ``keep_fraction`` of the triangles by quadric edge collapse, keeping a closed surface closed.

    The reduction runs ``fast_simplification`` (Fast-Quadric-Mesh-Simplification, C++), then :func:`repair`. If
    that result is not watertight and manifold although the input was, the mesh is reduced again with
    ``vtkQuadricDecimation`` (volume preservation on, about 6x slower). If that is not closed either (thin
    structures pinched together), fewer triangles are removed, halving the removed share up to four times, and
    when even that fails the mesh is returned unreduced: a closed input always gives a closed output, and the
    triangle count shows what was achieved. Measured after 20 windowed-sinc iterations (deviation = distance from
    the unsmoothed isosurface):

    - synthetic 512 x 512 x 300 skull, 2.2 M -> 300 k triangles: fast 3.3-4.2 s, watertight, manifold, 2 shells,
      volume -0.002 %, deviation max 0.078 mm; VTK quadric 26.9 s, deviation max 0.078 mm;
    - ellipsoidal shell phantom reduced to 10 %: both watertight and manifold, deviation max < 0.5 mm (tests).

    Meshes of ``geometry.parallel.PARALLEL_MIN_TRIANGLES`` or more are reduced in two halves at once, one in a
    second process started from a fork server (:func:`geometry.parallel.reduce_halves`; deviation max 0.07776 mm
    against 0.07760 mm in one run on the skull: the cut keeps a line of unreduced vertices).

    ``fast_simplification`` reports no progress and cannot be aborted: it holds the GIL for its whole run, so
    neither a worker thread nor a watchdog can stop it, and splitting it into several shorter runs one after the
    other gave a worse surface (deviation max 0.0784-0.0794 mm against 0.0776 mm). Progress is reported before and
    after it and ``cancel`` is checked on both sides (the VTK fallback is aborted as usual).

    Raises
    ------
    GeometryError
        If ``keep_fraction`` is not in (0, 1].
    Cancelled
        When ``cancel`` is set.
    """
    return _reduce(mesh, keep_fraction, progress=progress, cancel=cancel)[0]


def _reduce(
    mesh: Mesh, keep_fraction: float, *, progress: ProgressCallback | None, cancel: CancelToken | None
) -> tuple[Mesh, tuple[bool, bool, int] | None]:
    """:func:`reduce`, also returning the result's topology when it was computed (so metrics need not redo it)."""
    if not 0.0 < keep_fraction <= 1.0:
        raise GeometryError(f"the fraction of triangles to keep must be in (0, 1], got {keep_fraction}")
    if keep_fraction >= 1.0 or mesh.n_triangles == 0:
        return mesh, None
    checkpoint(cancel)
    report(progress, 0.0, "reduction")
    reduced, known = _fast_reduce(mesh, keep_fraction)
    checkpoint(cancel)
    # The input's own topology (2-3 s on a 2 M-triangle isosurface) is needed only when the result is not closed:
    # an open or non-manifold input is reduced as it is, without the fallbacks that keep a closed surface closed.
    if (known[0] and known[1]) or not all(topology(mesh.faces, mesh.n_vertices)[:2]):
        report(progress, 1.0, "reduction")
        return reduced, known
    report(progress, 0.3, "reduction: fast result not closed, trying VTK quadric decimation")
    fallback = repair(_vtk_quadric(mesh, keep_fraction, progress=subrange(progress, 0.3, 0.7), cancel=cancel))
    known = topology(fallback.faces, fallback.n_vertices)
    if known[0] and known[1]:
        report(progress, 1.0, "reduction")
        return fallback, known
    # Thin structures (two sheets of a surface within a voxel of each other) can be pinched together by any edge
    # collapse at a strong reduction. Keep more triangles, halving the removed share each time, until the result is
    # closed; the caller sees the triangle count it got. Measured: the 5 mm-slice skull phantom's bone mask mesh
    # stays closed only when 90 % of its triangles are kept.
    keep = keep_fraction
    for _ in range(_REDUCTION_RETRIES):
        keep = 1.0 - (1.0 - keep) / 2.0
        checkpoint(cancel)
        report(progress, 0.7, f"reduction: keeping {keep:.0%} of the triangles to keep the surface closed")
        reduced, known = _fast_reduce(mesh, keep)
        if known[0] and known[1]:
            report(progress, 1.0, "reduction")
            return reduced, known
    report(progress, 1.0, "reduction: not reduced, every reduction opened the surface")
    return mesh, None


def _fast_reduce(mesh: Mesh, keep_fraction: float) -> tuple[Mesh, tuple[bool, bool, int]]:
    """``fast_simplification`` to ``keep_fraction`` of the triangles, repaired, with the result's topology.

    Large meshes are reduced in two halves at once (see :func:`geometry.parallel.reduce_halves`); smaller ones, or
    where that is not possible, in one run.
    """
    from geometry import parallel  # noqa: PLC0415 - geometry.parallel builds on this module

    target = max(4, round(keep_fraction * mesh.n_triangles))
    points_faces = parallel.reduce_halves(mesh, target)
    if points_faces is None:
        points_faces = _simplify(mesh.vertices, mesh.faces, target, preserve_border=False)
    reduced = repair(Mesh(*points_faces))
    return reduced, topology(reduced.faces, reduced.n_vertices)


def _simplify(
    vertices: FloatArray, faces: npt.NDArray[np.integer[Any]], target: int, *, preserve_border: bool
) -> tuple[FloatArray, IndexArray]:
    """One ``fast_simplification`` run to ``target`` triangles (int32 triangles when they fit: half the memory)."""
    small = faces.astype(np.int32, copy=False) if len(vertices) < 2**31 else faces
    points, reduced = fast_simplification.simplify(
        vertices, small, target_count=target, agg=REDUCTION_AGG, preserve_border=preserve_border
    )
    return np.asarray(points, dtype=np.float64), np.asarray(reduced, dtype=np.int64)


def _vtk_quadric(
    mesh: Mesh, keep_fraction: float, *, progress: ProgressCallback | None, cancel: CancelToken | None
) -> Mesh:
    """``vtkQuadricDecimation`` with volume preservation: the fallback of :func:`reduce`."""
    quadric = vtkQuadricDecimation()
    quadric.SetInputData(mesh.to_polydata())
    quadric.SetTargetReduction(1.0 - keep_fraction)
    quadric.VolumePreservationOn()
    quadric.AttributeErrorMetricOff()
    out = run_filter(quadric, "reduction", progress=progress, cancel=cancel)
    return Mesh.from_polydata(out)


#: Odd 64-bit multipliers mixing a vertex's three coordinate bit patterns into one sort key.
_HASH = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


def _merge(mesh: Mesh) -> tuple[FloatArray, IndexArray]:
    """Unique vertex positions and the faces renumbered to them (bitwise-equal positions, -0.0 == 0.0).

    When no two vertices coincide, the mesh's own arrays are returned (same order, no copies).

    Vertices are grouped by a 64-bit hash of their coordinates (one ``argsort`` instead of a three-key
    ``lexsort``: 0.1 s instead of 0.4 s for 1.1 M vertices); a group whose members differ (a hash collision) makes
    it fall back to the exact lexicographic sort, so the result is always exact.
    """
    vertices = mesh.vertices + 0.0  # -0.0 + 0.0 is +0.0: equal values get equal bit patterns
    bits = vertices.view(np.uint64)
    # Rotated by 29 bits before mixing: a float32 position read from a mesh file has 29 zero bits at the bottom of
    # its float64 pattern, which a plain product keeps, leaving a 35-bit key (23 collisions, and so the slow exact
    # sort, on the 4.5 M corners of a 1.5 M-triangle STL); rotated, the whole pattern reaches the 64-bit product.
    rotated = (bits >> np.uint64(29)) | (bits << np.uint64(35))
    key = rotated[:, 0] * _HASH[0] ^ rotated[:, 1] * _HASH[1] ^ rotated[:, 2] * _HASH[2]
    order = np.argsort(key)
    ordered = vertices[order]
    differs = np.any(ordered[1:] != ordered[:-1], axis=1)
    sorted_key = key[order]
    same_key = sorted_key[1:] == sorted_key[:-1]
    if np.any(differs & same_key):  # a collision: two different positions share a key
        order = np.lexsort((vertices[:, 2], vertices[:, 1], vertices[:, 0]))
        ordered = vertices[order]
        differs = np.any(ordered[1:] != ordered[:-1], axis=1)
    if np.all(differs):  # nothing to merge: keep the vertices in their order, no renumbering
        return mesh.vertices, mesh.faces
    new_group = np.r_[True, differs]
    group = np.cumsum(new_group) - 1
    inverse = np.empty(len(vertices), dtype=np.int64)
    inverse[order] = group
    return ordered[new_group], inverse[mesh.faces]


def merge_vertices(mesh: Mesh) -> Mesh:
    """``mesh`` with bitwise-equal vertex positions merged into one vertex (triangles kept as they are)."""
    if mesh.n_vertices == 0:
        return mesh
    unique, faces = _merge(mesh)
    return Mesh(unique, faces)


def repair(mesh: Mesh) -> Mesh:
    """Remove small defects: degenerate and duplicate triangles, coincident vertices and unused vertices.

    Coincident vertices are merged exactly (bitwise-equal positions); triangles that then repeat a vertex, and
    second copies of a triangle (in any vertex order), are dropped; the remaining vertices are renumbered.
    """
    if mesh.n_triangles == 0:
        return mesh
    unique, faces = _merge(mesh)
    ok = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    if not np.all(ok):
        faces = faces[ok]
    key = np.sort(faces, axis=1)
    n = len(unique)
    duplicate = np.zeros(len(faces), dtype=bool)
    if n < 2_000_000:  # n^3 < 2^63: one int64 key per triangle
        packed = (key[:, 0] * n + key[:, 1]) * n + key[:, 2]
        face_order = np.argsort(packed)
        sorted_packed = packed[face_order]
        duplicate[face_order[1:]] = sorted_packed[1:] == sorted_packed[:-1]
    else:
        face_order = np.lexsort((key[:, 2], key[:, 1], key[:, 0]))
        sorted_key = key[face_order]
        duplicate[face_order[1:]] = np.all(sorted_key[1:] == sorted_key[:-1], axis=1)
    if np.any(duplicate):
        faces = faces[~duplicate]
    used = np.zeros(len(unique), dtype=bool)
    used[faces.reshape(-1)] = True
    if np.all(used):  # (the common case) no copies
        return mesh if faces is mesh.faces and unique is mesh.vertices else Mesh(unique, faces)
    renumber = np.cumsum(used) - 1
    return Mesh(unique[used], renumber[faces])


#: The largest magnitude a float32 coordinate holds (mm); a mesh file cannot store a vertex farther out.
FLOAT32_MAX = float(np.finfo(np.float32).max)


def stored_form(mesh: Mesh) -> Mesh:
    """``mesh`` exactly as every DVW mesh file stores it, and as :func:`geometry.io.read_mesh` reads it back.

    The vertices are rounded to float32 (the precision of binary STL and PLY; OBJ and 3MF are written with enough
    digits to hold them exactly) with -0.0 written as 0.0; vertices at bitwise-equal positions are merged (an STL
    file cannot keep them apart, since its triangles hold positions, not vertex numbers); vertices no triangle uses
    are dropped (STL cannot hold them either); the vertices are numbered in the order the triangles first use them
    (the order an STL reader meets them). The triangles are kept as they are: this is what the file holds, so the
    metrics of the result are the metrics of the file.

    Returns ``mesh`` itself when it is already in that form (see :func:`geometry.io.write_mesh`'s ``exact``).

    Raises
    ------
    GeometryError
        If a vertex is not a finite number within float32's range (beyond about 3.4e38 mm).
    """
    if mesh.n_triangles == 0:
        return mesh if mesh.n_vertices == 0 else Mesh(np.zeros((0, 3)), mesh.faces)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = mesh.vertices.astype(np.float32).astype(np.float64)
    if not np.all(np.isfinite(rounded)):
        raise GeometryError(f"a vertex is not a finite number within float32's range (+-{FLOAT32_MAX:.3g} mm)")
    rounded += 0.0  # -0.0 + 0.0 is +0.0
    same = bool(np.array_equal(rounded.view(np.uint64), mesh.vertices.view(np.uint64)))
    vertices, faces = _merge(Mesh(mesh.vertices if same else rounded, mesh.faces))
    flat = faces.reshape(-1)
    seen = np.maximum.accumulate(flat)
    # The vertices are numbered in the order of first use exactly when each triangle corner uses a vertex used
    # before or the next new one (the running maximum grows by at most one), and every vertex is used.
    if seen[0] == 0 and seen[-1] == len(vertices) - 1 and not np.any(np.diff(seen) > 1):
        if same and vertices is mesh.vertices and faces is mesh.faces:
            return mesh
        return Mesh(vertices, faces)
    used, first = np.unique(flat, return_index=True)
    order = used[np.argsort(first)]  # vertex numbers in the order of first use (unused ones left out)
    renumber = np.empty(len(vertices), dtype=np.int64)
    renumber[order] = np.arange(len(order), dtype=np.int64)
    return Mesh(vertices[order], renumber[faces])


def at_file_precision(mesh: Mesh) -> Mesh:
    """:func:`stored_form` of ``mesh`` with the triangles the rounding collapsed or folded removed.

    Rounding to float32 can put two vertices of a surface at one position: windowed-sinc smoothing shrinks a
    component of one or two voxels (a speck of bone, a one-voxel cavity) to within 1e-6 mm of a point, and the
    tilted skull phantom's bone mesh had 56 such vertices, which made its STL file neither watertight nor manifold
    (154 shells) while the mesh in memory was both (22 shells). Merged, such a shell leaves triangles that repeat a
    vertex (dropped) and pairs of triangles on the same three vertices facing opposite ways (a flat fold: both are
    dropped, which keeps every edge's triangle count even); of copies facing the same way one is kept. The result
    is measured as it is: this function does not hide a defect, it only removes what has no area and no volume.

    Returns ``mesh`` itself when nothing changes (it is already at file precision).

    Raises
    ------
    GeometryError
        If a vertex is not a finite number within float32's range.
    """
    stored = stored_form(mesh)
    faces = stored.faces
    if len(faces) == 0:
        return stored
    keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    keep &= _unfolded(faces)
    if np.all(keep):
        return stored
    return stored_form(Mesh(stored.vertices, faces[keep]))


def _unfolded(faces: IndexArray) -> npt.NDArray[np.bool_]:
    """Which triangles to keep among those on the same three vertices: one per orientation left after pairing.

    Triangles on the same vertex set facing opposite ways cancel in pairs; of the ones left (all facing one way)
    the first is kept. A triangle whose vertex set no other triangle has is always kept.
    """
    keep = np.ones(len(faces), dtype=np.bool_)
    key = np.sort(faces, axis=1)
    n = int(key[:, 2].max()) + 1
    if n < 2_000_000:  # n^3 < 2^63: one int64 key per triangle (one argsort instead of a three-key lexsort)
        packed = (key[:, 0] * n + key[:, 1]) * n + key[:, 2]
        order = np.argsort(packed)
        ordered_packed = packed[order]
        same = ordered_packed[1:] == ordered_packed[:-1]
    else:
        order = np.lexsort((key[:, 2], key[:, 1], key[:, 0]))
        ordered = key[order]
        same = np.all(ordered[1:] == ordered[:-1], axis=1)
    if not np.any(same):
        return keep
    starts = np.flatnonzero(np.r_[True, ~same])
    sizes = np.diff(np.r_[starts, len(faces)])
    group = np.repeat(np.arange(len(starts)), sizes)
    # Orientation: rotated to start at its smallest vertex, a triangle faces one way when the other two ascend.
    rows = faces[order]
    lowest = np.argmin(rows, axis=1)
    pick = np.arange(len(rows))
    second, third = rows[pick, (lowest + 1) % 3], rows[pick, (lowest + 2) % 3]
    sign = np.where(second < third, 1, -1)
    net = np.add.reduceat(sign, starts)
    shared = sizes[group] > 1
    keep[order[shared]] = False
    wanted = np.flatnonzero(shared & (sign == np.sign(net)[group]))
    _, first = np.unique(group[wanted], return_index=True)
    keep[order[wanted[first]]] = True
    return keep


def _smooth_and_reduce(
    reference: Mesh,
    volume: Volume,
    smoothing: int,
    keep: float,
    seconds: list[tuple[str, float]],
    *,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> tuple[Mesh, tuple[bool, bool, int] | None, FloatArray | None, int]:
    """Smooth and reduce ``reference`` (reducing in two processes when that helps); appends the stage times.

    Returns the mesh, its topology when known, its vertices' distances from ``reference`` when measured, and the
    number of shells left unsmoothed (:func:`keep_small_shells`).
    """
    from geometry import parallel  # noqa: PLC0415 - geometry.parallel builds on this module

    start = time.perf_counter()
    # The whole surface is smoothed here (with VTK's threads on every core), then shells the smoothing shrank are
    # put back (:func:`keep_small_shells`); the halves, when the surface is split, only reduce and measure it.
    smoothed, restored = reference, 0
    if smoothing:
        smoothed = smooth(reference, smoothing, progress=subrange(progress, 0.3, 0.5), cancel=cancel)
        smoothed, restored = keep_small_shells(reference, smoothed)
    smoothed_at = time.perf_counter()
    seconds.append(("smoothing", smoothed_at - start))
    halves: tuple[Mesh, tuple[bool, bool, int], FloatArray] | None = None
    known_topology: tuple[bool, bool, int] | None
    distances: FloatArray | None = None
    if keep < 1.0 and parallel.can_split(reference.n_triangles):
        target = max(4, round(keep * reference.n_triangles))
        lattice = (
            np.asarray(volume.spacing, dtype=np.float64),
            np.asarray(volume.origin, dtype=np.float64),
            np.asarray(volume.direction_matrix, dtype=np.float64),
        )
        report(progress, 0.5, "reduction in two processes")
        joined = parallel.smooth_reduce_in_halves(smoothed, reference, lattice, 0, target, cancel=cancel)
        if joined is not None:
            known = topology(joined[0].faces, joined[0].n_vertices)
            if known[0] and known[1]:
                halves = (joined[0], known, joined[1])
    if halves is not None:
        # Two processes: the reduction also holds measuring the half's vertices, waiting for the other process and
        # joining the halves.
        mesh, known_topology, distances = halves
    else:
        mesh, known_topology = _reduce(smoothed, keep, progress=subrange(progress, 0.5, 0.75), cancel=cancel)
    seconds.append(("reduction", time.perf_counter() - smoothed_at))
    return mesh, known_topology, distances, restored


def _mesh(
    volume: Volume,
    level: float,
    source: Literal["volume", "mask"],
    *,
    smoothing: int,
    reduction: float | None,
    target_triangles: int | None,
    input_sha256: str | None,
    digest_of: Volume,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> MeshResult:
    from geometry import parallel  # noqa: PLC0415 - geometry.parallel builds on this module

    if parallel.VTK_THREADS:
        parallel.use_vtk_threads()
    reducing = reduction is not None or target_triangles is not None
    if reducing:  # a large volume makes a large surface, reduced in halves: start the second process now
        second_process.warm_up_for(volume.voxels.size)
    # Without the input file's hash the result names a hash of the voxels (0.1 s for 150 MB), on a thread: hashlib
    # releases the GIL. It starts where a core is idle (see _mesh_stages): beside a reduction in one process
    # (fast_simplification holds the GIL on one core), else after the two processes, beside the checks.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dvw-volume-digest") as pool:
        named: str | _Digest = input_sha256 if input_sha256 is not None else _Digest(pool, digest_of)
        return _mesh_stages(
            volume,
            level,
            source,
            smoothing=smoothing,
            reduction=reduction,
            target_triangles=target_triangles,
            input_sha256=named,
            progress=progress,
            cancel=cancel,
        )


class _Digest:
    """:func:`volume_digest` of a volume on a thread, started when :meth:`start` or the result is first asked for."""

    def __init__(self, pool: ThreadPoolExecutor, volume: Volume) -> None:
        self._pool, self._volume = pool, volume
        self._future: Future[str] | None = None

    def start(self) -> Future[str]:
        """Start hashing (once); the digest's future."""
        if self._future is None:
            self._future = self._pool.submit(volume_digest, self._volume)
        return self._future

    def result(self) -> str:
        """The digest (waiting for it)."""
        return self.start().result()


def _mesh_stages(
    volume: Volume,
    level: float,
    source: Literal["volume", "mask"],
    *,
    smoothing: int,
    reduction: float | None,
    target_triangles: int | None,
    input_sha256: str | _Digest,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> MeshResult:
    from geometry import parallel  # noqa: PLC0415 - geometry.parallel builds on this module

    if smoothing < 0:
        raise GeometryError(f"smoothing iterations must be >= 0, got {smoothing}")
    if reduction is not None and target_triangles is not None:
        raise GeometryError("give either a fraction of triangles to keep or a triangle count, not both")
    seconds: list[tuple[str, float]] = []
    start = time.perf_counter()
    reference = isosurface(volume, level, progress=subrange(progress, 0.0, 0.3), cancel=cancel)
    seconds.append(("isosurface", time.perf_counter() - start))

    keep = 1.0 if reduction is None else float(reduction)
    if target_triangles is not None:
        if target_triangles < 4:
            raise GeometryError(f"a closed surface needs at least 4 triangles, got a target of {target_triangles}")
        keep = min(1.0, target_triangles / max(1, reference.n_triangles))
    if not 0.0 < keep <= 1.0:
        raise GeometryError(f"the fraction of triangles to keep must be in (0, 1], got {keep}")
    if isinstance(input_sha256, _Digest) and not (keep < 1.0 and parallel.can_split(reference.n_triangles)):
        input_sha256.start()

    mesh, known_topology, distances, unsmoothed = _smooth_and_reduce(
        reference, volume, smoothing, keep, seconds, progress=progress, cancel=cancel
    )
    if isinstance(input_sha256, _Digest):
        input_sha256.start()

    checkpoint(cancel)
    start = time.perf_counter()
    # isosurface() and reduce() already repaired the mesh and smooth() keeps its topology. What is measured is what a
    # mesh file holds: the vertices at float32 precision, where smoothing may have made some coincide
    # (at_file_precision). Only when that merged or removed something is the topology measured again (a
    # renumbering alone changes nothing measured). The orientation is checked again too (smoothing and reduction do
    # not flip a surface, but a check is cheap).
    stored = at_file_precision(mesh)
    if stored.n_vertices != mesh.n_vertices or stored.n_triangles != mesh.n_triangles:
        known_topology, distances = None, None
    mesh = stored
    if _signed_volume(mesh.vertices, mesh.faces) < 0:
        mesh = mesh.flipped()
    seconds.append(("repair", time.perf_counter() - start))

    start = time.perf_counter()
    known_deviation = None
    if distances is not None and len(distances) and not np.any(np.isnan(distances)):
        known_deviation = SurfaceDeviation(float(distances.mean()), float(distances.max()))
    metrics = mesh_metrics(
        mesh,
        reference,
        lattice=volume,
        known_topology=known_topology,
        known_deviation=known_deviation,
        progress=subrange(progress, 0.8, 1.0),
        cancel=cancel,
    )
    seconds.append(("metrics", time.perf_counter() - start))
    input_digest = input_sha256 if isinstance(input_sha256, str) else input_sha256.result()
    report(progress, 1.0, "meshed")
    parameters = MeshingParameters(
        source=source,
        threshold=float(level),
        smoothing_iterations=int(smoothing),
        pass_band=PASS_BAND,
        keep_fraction=keep,
    )
    return MeshResult(mesh, metrics, parameters, input_digest, tuple(seconds), unsmoothed)


def mesh_from_volume(
    volume: Volume,
    threshold_hu: float,
    *,
    smoothing: int = VOLUME_SMOOTHING,
    reduction: float | None = None,
    target_triangles: int | None = None,
    input_sha256: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> MeshResult:
    """Mesh the gray-level isosurface of ``volume`` at ``threshold_hu`` (values >= threshold are inside).

    The gray levels place each vertex by linear interpolation between voxel centres, which keeps the partial-volume
    information a binary mask loses (DESIGN.md, "Accuracy is measured, not assumed").

    Parameters
    ----------
    volume
        CT volume in HU (any real-valued volume), LPS geometry.
    threshold_hu
        Iso value (HU).
    smoothing
        Windowed-sinc iterations (0 = none; default ``VOLUME_SMOOTHING``).
    reduction
        Fraction of triangles to keep, in (0, 1]; None = no reduction.
    target_triangles
        Or a target triangle count (exclusive with ``reduction``).
    input_sha256
        Hash of the input file to name in the result (default: a hash of the voxels and geometry).
    progress, cancel
        Progress callback and cancel token (VTK filters are aborted when it is set).

    Returns
    -------
    MeshResult
        The mesh in LPS mm with its metrics.

    Raises
    ------
    EmptyMeshError
        If nothing reaches the threshold.
    GeometryError
        For bad parameters or a VTK error.
    Cancelled
        When ``cancel`` is set.
    """
    return _mesh(
        volume,
        float(threshold_hu),
        "volume",
        smoothing=smoothing,
        reduction=reduction,
        target_triangles=target_triangles,
        input_sha256=input_sha256,
        digest_of=volume,
        progress=progress,
        cancel=cancel,
    )


def mesh_from_mask(
    mask_volume: Volume,
    *,
    smoothing: int = MASK_SMOOTHING,
    reduction: float | None = None,
    target_triangles: int | None = None,
    input_sha256: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> MeshResult:
    """Mesh a binary mask (values 0/1, or any values where nonzero is inside) as its isosurface at 0.5.

    A mask's isosurface is a staircase (DESIGN.md: +14 % area on a sphere), so windowed-sinc smoothing is on by
    default (``MASK_SMOOTHING`` iterations at pass band ``PASS_BAND``). Parameters as :func:`mesh_from_volume`.
    """
    voxels = mask_volume.voxels
    if voxels.dtype != np.bool_ and not (voxels.dtype == np.uint8 and int(voxels.max(initial=0)) <= 1):
        voxels = (voxels != 0).view(np.uint8)
    binary = Volume(
        voxels=voxels, spacing=mask_volume.spacing, origin=mask_volume.origin, direction=mask_volume.direction
    )
    return _mesh(
        binary,
        0.5,
        "mask",
        smoothing=smoothing,
        reduction=reduction,
        target_triangles=target_triangles,
        input_sha256=input_sha256,
        digest_of=mask_volume,
        progress=progress,
        cancel=cancel,
    )
