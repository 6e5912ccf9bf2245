"""The GUI's steps: each calls the core functions of one workflow step and writes its artifacts (no Qt here).

Every step is a plain function with frozen inputs and a frozen result, taking the progress callback and cancel token
of :mod:`imaging.progress`; the GUI runs them in a :class:`~app.workers.TaskWorker`. They do what the matching
``dvw`` commands do (app/commands), with the same core calls, so the command line, the GUI and the tests agree.

A case's working files live in the home's ``work`` folder, one sub-folder per case code (``ct.nrrd``,
``bone-mask.nrrd``, ``bone.stl``, the design, ``patient.json``, ``*.params.json``, ``*.check.json``);
:func:`check_design` records them in the store by content, exactly as ``dvw run --case`` does. Beside the volume,
the mask, the anatomy mesh and the design copy, the step that writes one also writes a small JSON sidecar
(:data:`VOLUME_SIDECAR`, :data:`MASK_SIDECAR`, :data:`ANATOMY_SIDECAR`, :data:`DESIGN_SIDECAR`: see
:func:`write_sidecar`) naming the file's SHA-256 and what the step found or measured, so that a reopened case shows
it again (:mod:`app.gui.reopen`). The sidecars are a convenience for work in progress; the records stay the authority.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.progress import CancelToken, ProgressCallback, checkpoint, report, subrange

if TYPE_CHECKING:  # the cores are imported where they are used: the window opens before they are loaded
    import numpy as np
    import numpy.typing as npt

    from geometry.info import MeshInfo
    from geometry.io import MeshFile
    from geometry.mesh import Mesh, MeshResult
    from geometry.metrics import MeshMetrics
    from imaging.assemble import ImportResult
    from imaging.segment import SegmentationResult, SegmentParams
    from imaging.series import ScanResult, SeriesInfo
    from imaging.volume import Volume
    from records.users import Session
    from validation.check import CheckResult

    #: A picture for the report: PNG bytes, or RGB pixels (rows top to bottom) to be fitted and encoded.
    Picture = bytes | npt.NDArray[np.uint8]
    from validation.envelope import Envelope
    from validation.parameters import Parameters

WORK_DIR = "work"
#: The sidecars written beside the work files (see :func:`write_sidecar`): the import's summary and findings, the
#: mask's hash, the anatomy mesh's metrics and meshing parameters, the design copy's hash.
VOLUME_SIDECAR = "ct.import.json"
MASK_SIDECAR = "bone-mask.json"
ANATOMY_SIDECAR = "bone.mesh.json"
DESIGN_SIDECAR = "design.json"
#: The ``format`` of every sidecar.
SIDECAR_FORMAT = "dvw-work-file/1"


def work_folder(home: Path, code: str) -> Path:
    """The folder of case ``code``'s working files: the case code's sub-folder of the home's ``work`` folder."""
    return home / WORK_DIR / code


def write_sidecar(path: Path, described: Path, sha256: str, content: Mapping[str, Any]) -> str:
    """Write the sidecar ``path`` of the work file ``described`` (SHA-256 ``sha256``) atomically; return its SHA-256.

    The sidecar is ``{"format", "file", "sha256", ...content}``: the file's name and hash say which bytes it
    describes, so a sidecar left from an earlier file (or a file changed by hand) is recognised and ignored. Write
    it after the file it describes: a step interrupted in between leaves a sidecar naming the earlier file.
    """
    from base.files import write_atomically  # noqa: PLC0415

    data = {**content, "format": SIDECAR_FORMAT, "file": described.name, "sha256": sha256}
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_sidecar(path: Path, described: Path) -> dict[str, Any] | None:
    """The sidecar ``path`` when it is one of :func:`write_sidecar` naming ``described``; else None (not an error)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT or data.get("file") != described.name:
        return None
    return data if isinstance(data.get("sha256"), str) else None


def mesh_metrics_json(metrics: MeshMetrics) -> dict[str, Any]:
    """``metrics`` as a JSON object, every value exactly as measured (see :func:`mesh_metrics_from_json`)."""
    deviation = metrics.surface_deviation
    return {
        "vertices": metrics.vertices,
        "triangles": metrics.triangles,
        "volume_mm3": metrics.volume_mm3,
        "area_mm2": metrics.area_mm2,
        "bounds": list(metrics.bounds),
        "watertight": metrics.watertight,
        "manifold": metrics.manifold,
        "shells": metrics.shells,
        "surface_deviation_mm": None if deviation is None else {"mean": deviation.mean_mm, "max": deviation.max_mm},
    }


def mesh_metrics_from_json(data: Mapping[str, Any]) -> MeshMetrics:
    """The :class:`~geometry.metrics.MeshMetrics` of :func:`mesh_metrics_json`'s object.

    Raises
    ------
    KeyError, TypeError, ValueError
        When the object is not one :func:`mesh_metrics_json` wrote.
    """
    from geometry.metrics import MeshMetrics, SurfaceDeviation  # noqa: PLC0415

    bounds = tuple(float(v) for v in data["bounds"])
    if len(bounds) != 6:
        raise ValueError(f"bounds have {len(bounds)} values, not 6")
    deviation = data.get("surface_deviation_mm")
    return MeshMetrics(
        vertices=int(data["vertices"]),
        triangles=int(data["triangles"]),
        volume_mm3=float(data["volume_mm3"]),
        area_mm2=float(data["area_mm2"]),
        bounds=(bounds[0], bounds[1], bounds[2], bounds[3], bounds[4], bounds[5]),
        watertight=bool(data["watertight"]),
        manifold=bool(data["manifold"]),
        shells=int(data["shells"]),
        surface_deviation=None
        if deviation is None
        else SurfaceDeviation(float(deviation["mean"]), float(deviation["max"])),
    )


#: What the GUI process loads in the background when the window opens (see :func:`warm_up`).
GUI_MODULES = (
    "records.store",
    "records.signatures",
    "records.users",
    "records.checks",
    "vtkmodules.util.numpy_support",  # the display surfaces as VTK data (DisplaySurface.polydata)
    "vtkmodules.qt.QVTKRenderWindowInteractor",
    # What the 3D view builds itself from (scene_view.SceneView.activate).
    "vtkmodules.vtkRenderingOpenGL2",
    "vtkmodules.vtkRenderingFreeType",
    "vtkmodules.vtkInteractionStyle",
    "vtkmodules.vtkInteractionWidgets",
    "vtkmodules.vtkRenderingAnnotation",
    "imaging.series",
    "imaging.assemble",
    "SimpleITK",
    "pydicom.pixels",
    "validation.manifest",
    "validation.envelope",
    "imaging.summary",
)
#: What the worker process loads before its first job (no Qt there).
WORKER_MODULES = (
    "imaging.segment",
    "imaging.volume",
    "SimpleITK",
    "scipy.ndimage",
    "vtkmodules.vtkFiltersCore",  # the display surfaces' normals (display_surface)
    "geometry.info",
    "geometry.mesh",
    "validation.registry",
    "validation.check",
)


def warm_up(progress: ProgressCallback, cancel: CancelToken, *, modules: Sequence[str] = GUI_MODULES) -> None:
    """Import ``modules``: the cores and the libraries they load on first use.

    The window opens before any of them is loaded (start-up time), then runs this once in a worker thread (and
    once in the worker process with :data:`WORKER_MODULES`). A module's first import holds the GIL while its C
    extension initialises (SimpleITK: about 0.4 s), which would otherwise stall the GUI in the middle of the first
    step that needs it.
    """
    import importlib  # noqa: PLC0415

    for index, name in enumerate(modules):
        checkpoint(cancel)
        report(progress, index / len(modules), f"loading {name}")
        importlib.import_module(name)
    if "validation.manifest" in modules:
        # The software manifest hashes every DVW file: here, once, not on the GUI thread at the first check.
        from validation.manifest import current_manifest  # noqa: PLC0415

        report(progress, 0.98, "hashing the software")
        current_manifest()
    if "validation.envelope" in modules:
        # pint reads its unit definitions on first use (about 1.5 s holding the GIL), and reading an envelope
        # loads the parameter registry: here, not when the window first shows an envelope's limits.
        from validation.units import registry  # noqa: PLC0415

        report(progress, 0.99, "loading the units")
        registry()
        from validation.envelope import load_envelope  # noqa: PLC0415

        for path in bundled_envelopes():  # what reading an envelope loads (the parameter registry: scipy)
            load_envelope(path).parameter("design.min_wall_thickness")
    report(progress, 1.0, "ready")


#: Name of the per-vertex wall thickness (mm) on a design's display surface (:attr:`DisplaySurface.point_data`).
WALL_SCALARS = "wall_thickness_mm"
#: Most triangles the 3D view draws of one surface: larger ones get a reduced display-only copy (the measured mesh
#: is untouched). With software OpenGL a render of the 94 k-triangle sample skull takes 62 ms, of a 60 k copy 50 ms.
DISPLAY_MAX_TRIANGLES = 60_000


@dataclass(frozen=True, eq=False)
class DisplaySurface:
    """A surface prepared for the 3D view: its triangles as drawn, with point normals for smooth shading.

    Made in the worker (:func:`display_surface`), drawn on the GUI thread (:meth:`polydata`); plain arrays, so it
    crosses to the GUI process by pickling. Never modified after it is made (the view draws these arrays).

    Attributes
    ----------
    points
        (n, 3) float64 positions, patient LPS mm (the mesh's, or its reduced copy's).
    triangles
        (m, 3) int64 point indices, as VTK's normals filter ordered them (consistently with their neighbours).
    normals
        (n, 3) float32 unit point normals (the triangles' normals averaged at each point; no point is split).
    point_data
        Per-point arrays carried along, by name (e.g. :data:`WALL_SCALARS`, mm, NaN where not measured).
    closed_outward
        Whether the surface is closed with outward normals (:func:`closed_outward`): the view skips its back faces.
    wall_range_mm
        The colour range (mm) of :data:`WALL_SCALARS` (:func:`wall_colour_range`); None without a wall map.
    """

    points: npt.NDArray[np.float64]
    triangles: npt.NDArray[np.int64]
    normals: npt.NDArray[np.float32]
    point_data: Mapping[str, npt.NDArray[Any]] = field(default_factory=dict)
    closed_outward: bool = False
    wall_range_mm: tuple[float, float] | None = None

    @property
    def n_triangles(self) -> int:
        """Number of triangles drawn."""
        return len(self.triangles)

    def polydata(self) -> Any:
        """The surface as a ``vtkPolyData`` sharing these arrays (points, triangles, active normals, point data)."""
        import numpy as np  # noqa: PLC0415
        from vtkmodules.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray  # noqa: PLC0415
        from vtkmodules.vtkCommonCore import vtkPoints  # noqa: PLC0415
        from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData  # noqa: PLC0415

        points = vtkPoints()
        points.SetData(numpy_to_vtk(np.ascontiguousarray(self.points), deep=False))
        cells = vtkCellArray()
        offsets = np.arange(0, 3 * self.n_triangles + 1, 3, dtype=np.int64)
        cells.SetData(
            numpy_to_vtkIdTypeArray(offsets, deep=True),
            numpy_to_vtkIdTypeArray(np.ascontiguousarray(self.triangles).ravel(), deep=True),
        )
        surface = vtkPolyData()
        surface.SetPoints(points)
        surface.SetPolys(cells)
        normals = numpy_to_vtk(np.ascontiguousarray(self.normals), deep=False)
        normals.SetName("Normals")
        surface.GetPointData().SetNormals(normals)
        for name, values in self.point_data.items():
            array = numpy_to_vtk(np.ascontiguousarray(values), deep=False)
            array.SetName(name)
            surface.GetPointData().AddArray(array)
        return surface


def display_surface(
    mesh: Mesh, point_data: Mapping[str, Any] | None = None, *, max_triangles: int | None = None
) -> DisplaySurface:
    """``mesh`` prepared for the 3D view: with point normals for smooth shading (LPS mm, as the mesh).

    ``point_data`` are per-vertex arrays to carry along (e.g. :data:`WALL_SCALARS`). With ``max_triangles``, a mesh
    with more triangles is drawn as a copy reduced to that many (quadric edge collapse, ``fast_simplification``);
    each vertex of the copy takes the point data of the nearest vertex of the mesh. Only the picture is reduced.

    Raises
    ------
    VtkError
        When VTK's normals filter reports an error.
    """
    import numpy as np  # noqa: PLC0415
    from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: PLC0415
    from vtkmodules.vtkFiltersCore import vtkPolyDataNormals  # noqa: PLC0415

    from geometry._vtk import run_filter  # noqa: PLC0415
    from geometry.mesh import Mesh  # noqa: PLC0415

    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    triangles = np.asarray(mesh.faces, dtype=np.int64)
    data = {name: np.asarray(values) for name, values in (point_data or {}).items()}
    if max_triangles is not None and mesh.n_triangles > max_triangles:
        import fast_simplification  # noqa: PLC0415
        from scipy.spatial import cKDTree  # noqa: PLC0415

        points, reduced = fast_simplification.simplify(vertices, triangles.astype(np.int32), target_count=max_triangles)
        if data:
            _, nearest = cKDTree(vertices).query(points)
            data = {name: values[nearest] for name, values in data.items()}
        vertices, triangles = np.asarray(points, dtype=np.float64), np.asarray(reduced, dtype=np.int64)
    # Point normals only, no point split at sharp edges (one vertex, one normal: the colours of the wall map stay
    # per vertex); the triangles are put in a consistent order, and their orientation is kept as it is.
    normals = vtkPolyDataNormals()
    normals.ComputeCellNormalsOff()
    normals.ComputePointNormalsOn()
    normals.SplittingOff()
    normals.FlipNormalsOff()
    normals.ConsistencyOn()
    normals.AutoOrientNormalsOff()
    normals.NonManifoldTraversalOn()
    normals.SetInputData(Mesh(vertices, triangles).to_polydata())
    output = run_filter(normals, "normals for the 3D view")
    computed = output.GetPointData().GetNormals()  # none for a surface without triangles
    return DisplaySurface(
        points=vertices,
        triangles=vtk_to_numpy(output.GetPolys().GetConnectivityArray()).astype(np.int64).reshape(-1, 3),
        normals=np.zeros((len(vertices), 3), np.float32) if computed is None else vtk_to_numpy(computed).copy(),
        point_data=data,
        closed_outward=closed_outward(vertices, triangles),
    )


def closed_outward(vertices: Any, triangles: Any) -> bool:
    """Whether a triangle surface is closed and consistently oriented with its normals outward.

    Every edge is shared by exactly two triangles that run along it in opposite directions, and the enclosed
    volume is positive. Seen from outside, such a surface hides its back faces behind its front ones, so the 3D
    view can skip drawing them (back-face culling: a render of the sample skull takes about half the time with
    software OpenGL); an open or inconsistently oriented surface (a design from CAD can be either) is drawn whole.
    """
    import numpy as np  # noqa: PLC0415

    faces = np.asarray(triangles, dtype=np.int64)
    if not len(faces):
        return False
    points = np.asarray(vertices, dtype=np.float64)
    directed = np.stack([faces, np.roll(faces, -1, axis=1)], axis=2).reshape(-1, 2)
    n = int(faces.max()) + 1
    forward = np.sort(directed[:, 0] * n + directed[:, 1])
    backward = np.sort(directed[:, 1] * n + directed[:, 0])
    # Closed and consistent: each directed edge occurs once, and its reverse is exactly the set of directed edges.
    if bool(np.any(forward[1:] == forward[:-1])) or not np.array_equal(forward, backward):
        return False
    a, b, c = (points[faces[:, k]] for k in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) > 0.0


def wall_colour_range(wall_map: Any) -> tuple[float, float]:
    """The colour range (mm) of a wall-thickness map: 0 to its 95th percentile (at least 0.5 mm).

    From 0, so that an even wall shows as such (one colour) rather than stretched over its rounding noise; to the
    95th percentile, so that the long rays of a rim or a corner (which graze along the wall) do not wash out the
    rest, and an even wall takes the top colour. Values above it take the top colour too. (0, 1) when no vertex has
    a thickness.
    """
    import numpy as np  # noqa: PLC0415

    values = np.asarray(wall_map, dtype=np.float64)
    values = values[np.isfinite(values)]
    if not values.size:
        return 0.0, 1.0
    return 0.0, max(0.5, float(np.percentile(values, 95.0)))


def design_display(mesh: Mesh, wall_map: Any) -> DisplaySurface:
    """A design's display surface (:func:`display_surface`) with its wall thickness and the map's colour range.

    The thickness is the point array :data:`WALL_SCALARS` (mm, NaN where no inward ray meets the surface), its
    colour range (:func:`wall_colour_range`) :attr:`DisplaySurface.wall_range_mm`. A design of more than
    :data:`DISPLAY_MAX_TRIANGLES` triangles is drawn reduced.
    """
    import dataclasses  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    thickness = np.asarray(wall_map, dtype=np.float64)
    surface = display_surface(mesh, {WALL_SCALARS: thickness}, max_triangles=DISPLAY_MAX_TRIANGLES)
    return dataclasses.replace(surface, wall_range_mm=wall_colour_range(wall_map))


# ------------------------------------------------------------------------------------------------ import


def scan(folder: Path, progress: ProgressCallback, cancel: CancelToken) -> ScanResult:
    """Scan ``folder`` for DICOM series (:func:`imaging.series.scan_folder`)."""
    from imaging.series import scan_folder  # noqa: PLC0415

    return scan_folder(folder, progress=progress, cancel=cancel)


@dataclass(frozen=True, eq=False)
class ImportedVolume:
    """An imported series: the core's result and the volume file written (``ct.nrrd``) with its SHA-256."""

    result: ImportResult
    path: Path
    sha256: str

    def summary_json(self) -> dict[str, Any]:
        """The ``dvw import --json`` object for this import."""
        from imaging.summary import import_summary  # noqa: PLC0415
        from validation.manifest import current_manifest  # noqa: PLC0415

        return import_summary(self.result, self.path, self.sha256, current_manifest().manifest_id)


def import_series(series: SeriesInfo, out: Path, progress: ProgressCallback, cancel: CancelToken) -> ImportedVolume:
    """Assemble ``series`` into a volume and write it as ``out/ct.nrrd`` (tilt and uneven spacing resampled).

    Then its sidecar :data:`VOLUME_SIDECAR` (:func:`import_sidecar`): the import's summary and findings and the
    volume file's SHA-256.

    Raises
    ------
    UnusableSeriesError, GeometryRefusedError, PixelDataError
        As :func:`imaging.assemble.assemble`.
    Cancelled
        When ``cancel`` is set; nothing is written.
    """
    from imaging.assemble import assemble  # noqa: PLC0415
    from imaging.volume import write_volume  # noqa: PLC0415

    result = assemble(series, progress=subrange(progress, 0.0, 0.8), cancel=cancel)
    checkpoint(cancel)
    report(progress, 0.85, "writing the volume")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "ct.nrrd"
    sha256 = write_volume(result.volume, path, force=True)
    imported = ImportedVolume(result, path, sha256)
    write_sidecar(out / VOLUME_SIDECAR, path, sha256, import_sidecar(imported))
    report(progress, 1.0, "imported")
    return imported


def import_sidecar(imported: ImportedVolume) -> dict[str, Any]:
    """What :data:`VOLUME_SIDECAR` keeps of an import: the ``dvw import`` and ``dvw scan`` summaries.

    ``import`` and ``series`` are :mod:`imaging.summary`'s objects (size, spacing, modality, description, kind, every
    finding); they hold no patient identity (no name, ID or birth date).
    """
    from imaging.summary import series_summary  # noqa: PLC0415

    return {"import": imported.summary_json(), "series": series_summary(imported.result.series)}


# ------------------------------------------------------------------------------------------------ segment, mesh


def segment_volume(
    imported: ImportedVolume, params: SegmentParams, progress: ProgressCallback, cancel: CancelToken
) -> SegmentationResult:
    """Segment the imported volume with ``params`` (:func:`imaging.segment.segment`); the mask stays in memory.

    The mask is written when it is meshed (:func:`mesh_anatomy`), after any paint or erase edits.
    """
    from imaging.segment import segment  # noqa: PLC0415

    return segment(imported.result.volume, params, input_sha256=imported.sha256, progress=progress, cancel=cancel)


@dataclass(frozen=True, eq=False)
class AnatomyMesh:
    """The anatomy surface: the mask meshed (as edited), both files written, and the meshing result.

    Attributes
    ----------
    mask
        The mask that was meshed (uint8 0/1, the volume's geometry).
    mask_path, mask_sha256
        ``bone-mask.nrrd`` and its SHA-256.
    result
        The core's meshing result (mesh and metrics).
    stored
        ``bone.stl`` as written (its mesh, path and SHA-256).
    display
        The surface prepared for the 3D view (:class:`DisplaySurface`: point normals, reduced to at most
        :data:`DISPLAY_MAX_TRIANGLES` triangles), made in the worker so that the GUI thread only draws it.
    """

    mask: Volume
    mask_path: Path
    mask_sha256: str
    result: MeshResult
    stored: MeshFile
    display: DisplaySurface | None = field(default=None, compare=False, repr=False)


def mesh_anatomy(
    mask: Volume, out: Path, progress: ProgressCallback, cancel: CancelToken, *, reduction: float | None = None
) -> AnatomyMesh:
    """Write the mask as ``out/bone-mask.nrrd``, mesh it (smoothed, reduced as ``dvw run`` does), write ``bone.stl``.

    Each file is followed by its sidecar: :data:`MASK_SIDECAR` (the mask's SHA-256) and :data:`ANATOMY_SIDECAR`
    (:func:`anatomy_sidecar`: the mesh's metrics and parameters, its SHA-256 and the mask's).
    """
    from geometry.io import write_mesh  # noqa: PLC0415
    from geometry.mesh import BONE_MESH_REDUCTION, mesh_from_mask  # noqa: PLC0415
    from imaging.volume import write_volume  # noqa: PLC0415

    keep = BONE_MESH_REDUCTION if reduction is None else reduction
    out.mkdir(parents=True, exist_ok=True)
    report(progress, 0.0, "writing the mask")
    mask_path = out / "bone-mask.nrrd"
    mask_sha256 = write_volume(mask, mask_path, force=True)
    write_sidecar(out / MASK_SIDECAR, mask_path, mask_sha256, {})
    checkpoint(cancel)
    result = mesh_from_mask(
        mask, reduction=keep, input_sha256=mask_sha256, progress=subrange(progress, 0.05, 0.95), cancel=cancel
    )
    checkpoint(cancel)
    report(progress, 0.97, "writing the mesh")
    stored = write_mesh(result.mesh, out / "bone.stl", force=True, exact=True)  # the metrics shown are the file's
    write_sidecar(out / ANATOMY_SIDECAR, stored.path, stored.sha256, anatomy_sidecar(result, mask_path, mask_sha256))
    report(progress, 0.99, "preparing the 3D view")
    display = display_surface(stored.mesh, max_triangles=DISPLAY_MAX_TRIANGLES)
    report(progress, 1.0, "meshed")
    return AnatomyMesh(mask, mask_path, mask_sha256, result, stored, display)


def anatomy_sidecar(result: MeshResult, mask_path: Path, mask_sha256: str) -> dict[str, Any]:
    """What :data:`ANATOMY_SIDECAR` keeps of a meshing: metrics, parameters and the mask it was meshed from.

    The metrics are the core's as measured (with the deviation from the isosurface), exactly (JSON floats).
    """
    from dataclasses import asdict  # noqa: PLC0415

    return {
        "metrics": mesh_metrics_json(result.metrics),
        "parameters": asdict(result.parameters),
        "input_sha256": result.input_sha256,
        "stage_seconds": [[name, seconds] for name, seconds in result.stage_seconds],
        "mask_file": mask_path.name,
        "mask_sha256": mask_sha256,
    }


# ------------------------------------------------------------------------------------------------ design, check


@dataclass(frozen=True, eq=False)
class LoadedDesign:
    """A design read from CAD output: the copy in the case folder (with its mesh) and its metrics.

    Attributes
    ----------
    stored, info, source
        The copy in the case folder (with its mesh), its metrics (and thinnest wall), the file it was read from.
    display
        The surface prepared for the 3D view (:class:`DisplaySurface` with, when ``wall_map`` is given, the wall
        thickness: see :func:`design_display`); made in the worker.
    wall_map
        Wall thickness (mm) at every vertex of ``stored.mesh`` (:func:`geometry.metrics.wall_thickness_map`),
        NaN where no inward ray meets the surface; None when not measured.
    """

    stored: MeshFile
    info: MeshInfo
    source: Path
    display: DisplaySurface | None = field(default=None, compare=False, repr=False)
    wall_map: Any = field(default=None, compare=False, repr=False)


def load_design(source: Path, out: Path, progress: ProgressCallback, cancel: CancelToken) -> LoadedDesign:
    """Read a design (STL, 3MF, PLY, OBJ), copy it into ``out`` as ``design.<suffix>`` and measure it.

    The copy's sidecar :data:`DESIGN_SIDECAR` names it and its SHA-256.

    Raises
    ------
    MeshFileError
        When the file is missing or not a mesh.
    Cancelled
        When ``cancel`` is set.
    """
    from geometry.info import mesh_info  # noqa: PLC0415
    from geometry.io import read_mesh, write_mesh  # noqa: PLC0415
    from geometry.metrics import wall_thickness_map  # noqa: PLC0415

    report(progress, 0.0, "reading the design")
    mesh = read_mesh(source)
    checkpoint(cancel)
    out.mkdir(parents=True, exist_ok=True)
    suffix = source.suffix.lower()
    stored = write_mesh(mesh, out / f"design{suffix}", force=True)
    # Only the copy's name and hash: a CAD file's own name may name the patient.
    write_sidecar(out / DESIGN_SIDECAR, stored.path, stored.sha256, {})
    info = mesh_info(stored.path, progress=subrange(progress, 0.1, 0.85), cancel=cancel)
    wall_map = wall_thickness_map(stored.mesh, progress=subrange(progress, 0.85, 0.97), cancel=cancel)
    report(progress, 0.98, "preparing the 3D view")
    return LoadedDesign(stored, info, source, design_display(stored.mesh, wall_map), wall_map)


def bundled_envelopes() -> list[Path]:
    """The sample envelope files shipped in ``resources/envelopes`` (read when a check uses one)."""
    return sorted(Path(str(resources.files("resources") / "envelopes")).glob("*.toml"))


@dataclass(frozen=True)
class CheckInputs:
    """Everything a check needs, captured on the GUI thread (frozen; crosses to the worker process).

    No session: the person who runs the check records it from the GUI process (:func:`record_measured_check`).
    ``manifest_id`` is the GUI process's software manifest (computed once there, at start-up), which the sign-off
    compares the check's with; empty: the manifest of the process that measures.
    """

    home: Path
    code: str
    imported: ImportedVolume
    anatomy: AnatomyMesh
    design: LoadedDesign
    envelope_path: Path
    patient: Mapping[str, Any] = field(default_factory=dict)
    manifest_id: str = ""


@dataclass(frozen=True, eq=False)
class MeasuredCheck:
    """A design measured and checked, its files written, not yet recorded: what the worker process hands back.

    Attributes
    ----------
    home, code
        The store and the case the check is for.
    parameters, result, envelope, locations
        As :class:`CheckOutcome`.
    files
        Name -> file of every artifact (volume, mask, anatomy, design, parameters, check, envelope, patient).
    dicom_sha256
        The hash of the DICOM instances the volume was imported from (an input of the record).
    """

    home: Path
    code: str
    parameters: Parameters
    result: CheckResult
    envelope: Envelope
    files: Mapping[str, Path]
    dicom_sha256: str
    locations: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class CheckOutcome:
    """A measured and checked design, recorded in the store.

    Attributes
    ----------
    parameters
        The measured parameters.
    result
        The envelope check.
    envelope
        The envelope used.
    recorded
        The ``record_case`` summary: ``code``, ``revision``, ``state``, ``recorded`` (event kinds), ``store``.
    files
        Name -> file of every artifact (volume, mask, anatomy, design, parameters, check, envelope, patient).
    locations
        Parameter name -> the place (LPS mm) its value was measured at, for the flagged parameters (outside the
        envelope or near a limit) that have one (see :func:`flagged_locations`).
    """

    parameters: Parameters
    result: CheckResult
    envelope: Envelope
    recorded: Mapping[str, Any]
    files: Mapping[str, Path]
    locations: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)


#: Check statuses that are marked on the 3D view where the parameter has a place.
FLAGGED_STATUSES = frozenset({"below", "above", "near_limit"})


def flagged_locations(result: CheckResult, parameters: Parameters) -> dict[str, tuple[float, float, float]]:
    """Where the flagged parameters of ``result`` were measured (LPS mm), for the 3D view's markers.

    Each flagged parameter whose value names a place (``ParameterValue.location``: the thinnest wall, the largest
    gap, the deepest penetration, the thinnest bone, the defect...) is placed there; the others have no marker.
    """
    flagged = sorted(item.name for item in result.results if item.status in FLAGGED_STATUSES)
    places: dict[str, tuple[float, float, float]] = {}
    for name in flagged:
        value = parameters.get(name)
        if value is not None and value.location is not None:
            places[name] = value.location
    return places


def check_design(
    inputs: CheckInputs, session: Session, progress: ProgressCallback, cancel: CancelToken
) -> CheckOutcome:
    """Measure, check and record by ``session`` in the calling process (for scripts and tests).

    :func:`measure_design`, then :func:`record_measured_check`; the window runs the two apart.
    """
    measured = measure_design(inputs, progress, cancel)
    return record_measured_check(measured, session, progress, cancel)


def measure_design(inputs: CheckInputs, progress: ProgressCallback, cancel: CancelToken) -> MeasuredCheck:
    """Measure the design against the anatomy and check it against the envelope; write the check's files.

    The same steps and files as ``dvw run --case``: ``patient.json``, ``<design>.params.json``,
    ``<design>.check.json``, ``envelope.toml``. Nothing is recorded: the window runs this in the worker process
    (the measurements hold the GIL) and records the result from its own process with the signed-in user's session
    (:func:`record_measured_check`), which never leaves that process.

    Raises
    ------
    EnvelopeError
        For a malformed envelope.
    Cancelled
        When ``cancel`` is set.
    """
    from base.files import write_atomically  # noqa: PLC0415
    from validation.check import check  # noqa: PLC0415
    from validation.envelope import load_envelope  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415
    from validation.parameters import write_parameters  # noqa: PLC0415
    from validation.registry import MeasureInputs, measure  # noqa: PLC0415

    out = work_folder(inputs.home, inputs.code)
    out.mkdir(parents=True, exist_ok=True)
    envelope = load_envelope(inputs.envelope_path)
    envelope_copy = out / "envelope.toml"
    shutil.copyfile(inputs.envelope_path, envelope_copy)
    patient_path = out / "patient.json"
    patient = dict(inputs.patient)
    text = json.dumps(patient, indent=2, sort_keys=True) + "\n"
    patient_sha256 = write_atomically(patient_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    hashes = {
        "volume": inputs.imported.sha256,
        "mask": inputs.anatomy.mask_sha256,
        "anatomy": inputs.anatomy.stored.sha256,
        "design": inputs.design.stored.sha256,
        "patient": patient_sha256,
    }
    measure_inputs = MeasureInputs(
        volume=inputs.imported.result.volume,
        mask=inputs.anatomy.mask,
        anatomy=inputs.anatomy.stored.mesh,
        design=inputs.design.stored.mesh,
        patient=patient,
        sha256=hashes,
    )
    manifest_id = inputs.manifest_id or current_manifest().manifest_id
    parameters = measure(
        measure_inputs,
        family=envelope.family,
        manifest_id=manifest_id,
        progress=subrange(progress, 0.0, 0.9),
        cancel=cancel,
    )
    checkpoint(cancel)
    stem = inputs.design.stored.path.name.rsplit(".", 1)[0]
    params_path = out / f"{stem}.params.json"
    write_parameters(parameters, params_path, force=True)
    result = check(envelope, parameters, manifest_id)
    check_path = out / f"{stem}.check.json"
    check_text = json.dumps(result.to_json(), indent=2) + "\n"
    write_atomically(check_path, lambda tmp: tmp.write_text(check_text, encoding="utf-8"))
    checkpoint(cancel)
    report(progress, 0.92, "locating the flagged parameters")
    locations = flagged_locations(result, parameters)
    checkpoint(cancel)
    files = {
        "volume": inputs.imported.path,
        "mask": inputs.anatomy.mask_path,
        "anatomy": inputs.anatomy.stored.path,
        "design": inputs.design.stored.path,
        "parameters": params_path,
        "check": check_path,
    }
    all_files = {**files, "envelope": envelope_copy, "patient": patient_path}
    report(progress, 1.0, "checked")
    dicom_sha256 = inputs.imported.result.input_sha256
    return MeasuredCheck(inputs.home, inputs.code, parameters, result, envelope, all_files, dicom_sha256, locations)


def record_measured_check(
    measured: MeasuredCheck, session: Session, progress: ProgressCallback, cancel: CancelToken
) -> CheckOutcome:
    """Record a measured check for its case (:func:`records.checks.record_check`), by ``session``.

    Runs in a thread of the GUI process: ``session`` is the signed-in user's when the check was started (a check
    still running when the window locks is recorded with it). The files are stored by content, then the events
    (``case_created``, ``inputs_added`` or ``design_changed``, ``check_run``), each attested by the session's key;
    an identical check already recorded adds nothing.

    Raises
    ------
    Cancelled
        When ``cancel`` is set before anything is recorded.
    """
    from records.checks import record_check  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415

    report(progress, 0.0, "recording the check")
    checkpoint(cancel)
    with Store.open(measured.home) as store:
        recorded_check = record_check(
            store,
            measured.code,
            measured.result.to_json(),
            measured.files,
            dicom_sha256=measured.dicom_sha256,
            source="gui",
            by=session,
        )
    recorded = {**recorded_check.to_json(), "store": str(measured.home)}
    report(progress, 1.0, "recorded")
    return CheckOutcome(
        measured.parameters, measured.result, measured.envelope, recorded, measured.files, measured.locations
    )


# ------------------------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class ReverificationRequest:
    """A re-verification as entered in its dialog."""

    home: Path
    code: str
    user_id: str
    password: str = field(repr=False)
    method: str
    result: str
    justification: str
    evidence: tuple[Path, ...] = ()


def record_reverification(request: ReverificationRequest, progress: ProgressCallback, cancel: CancelToken) -> str:
    """Record the re-verification (:func:`records.reverification.record_reverification`); returns the event id."""
    from app.workers.priority import at_low_priority  # noqa: PLC0415
    from records.reverification import record_reverification as record  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415

    report(progress, 0.1, "checking the password")
    checkpoint(cancel)
    with Store.open(request.home) as store:
        recording = partial(
            record,
            store,
            request.code,
            request.user_id,
            request.password,
            method=request.method,
            result=request.result,
            justification=request.justification,
            evidence=list(request.evidence),
        )
        event = at_low_priority(recording)  # the password's Argon2 check below the GUI thread's priority
    report(progress, 1.0, "recorded")
    return event.event_id


@dataclass(frozen=True)
class SignRequest:
    """A signature as entered in the sign dialog."""

    home: Path
    code: str
    user_id: str
    password: str = field(repr=False)
    meaning: str


def sign_case(request: SignRequest, progress: ProgressCallback, cancel: CancelToken) -> dict[str, Any]:
    """Sign the case's current check (:func:`records.signatures.sign`); returns the signed content.

    As with ``dvw sign``, a clinical design confirmation of a ``within`` case whose device has its UDI also records
    the ``design_approved`` trace step in the same transaction.
    """
    from app.workers.priority import at_low_priority  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from traceability.signing import sign  # noqa: PLC0415

    report(progress, 0.1, "checking the password")
    checkpoint(cancel)
    with Store.open(request.home) as store:
        signing = partial(sign, store, request.code, request.user_id, request.password, request.meaning)
        event = at_low_priority(signing)  # the password's Argon2 check below the GUI thread's priority
    report(progress, 1.0, "signed")
    content = event.payload["content"]
    return dict(content) if isinstance(content, Mapping) else {}


def run_selftest(home: Path, session: Session, progress: ProgressCallback, cancel: CancelToken) -> bool:
    """Run the built-in validation suite and record its result, by ``session``, in the store at ``home``.

    The same as ``dvw selftest --user``: True if it passed.
    """
    from records.selftests import record_selftest  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415
    from validation.selftest import run_selftest as run  # noqa: PLC0415

    result = run(current_manifest().manifest_id, progress=progress, cancel=cancel)
    with Store.open(home) as store:
        record_selftest(store, result.to_json(), by=session)
    return result.passed


#: The report's pictures (width, height in pixels): the report prints them 82 x 61.5 mm.
REPORT_PICTURE = (800, 600)


@dataclass(frozen=True)
class ReportRequest:
    """A report to write: the case, the PDF path and pictures taken from the 3D view.

    Each picture is (caption, PNG bytes) or (caption, RGB pixels rows top to bottom): pixels are fitted to the
    report's 800 x 600 (cut or filled out at the sides with ``background``) and encoded here, in the background
    (encoding takes tens of milliseconds).
    """

    home: Path
    code: str
    output: Path
    images: Sequence[tuple[str, Picture]] = ()
    background: tuple[int, int, int] = (255, 255, 255)


def write_case_report(request: ReportRequest, progress: ProgressCallback, cancel: CancelToken) -> Path:
    """Write the case's PDF report (what ``dvw report`` writes; the pictures come from the caller)."""
    from geometry.render import picture_png  # noqa: PLC0415
    from records.report import write_report  # noqa: PLC0415
    from records.selftests import is_validated  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from records.users import load_users  # noqa: PLC0415
    from traceability.report import build_report  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415

    manifest = current_manifest()
    report(progress, 0.05, "preparing the pictures")
    images = [
        (caption, picture if isinstance(picture, bytes) else picture_png(picture, REPORT_PICTURE, request.background))
        for caption, picture in request.images
    ]
    report(progress, 0.1, "auditing the records")
    with Store.open(request.home) as store:
        case = store.case(request.code)
        audit = store.verify()
        checkpoint(cancel)
        users = {
            user.user_id: {
                "printed_name": user.printed_name,
                "role": user.role,
                "qualification": user.qualification or "",
            }
            for user in load_users(store).values()
        }
        report(progress, 0.6, "writing the report")
        pdf = build_report(
            case,
            audit=audit,
            manifest_id=manifest.manifest_id,
            software_version=manifest.version,
            validated=is_validated(store, manifest.manifest_id),
            users=users,
            images=images,
            generated_at=datetime.now().astimezone(),
        )
    write_report(pdf, request.output)
    report(progress, 1.0, "report written")
    return request.output


def file_sha256(path: Path) -> str:
    """SHA-256 of a file (for showing what is signed)."""
    from base.files import sha256_file  # noqa: PLC0415

    return sha256_file(path)
