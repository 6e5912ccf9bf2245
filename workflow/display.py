"""Surfaces prepared for a 3D view: point normals, a reduced copy of a large mesh, a design's wall map (no Qt here).

Made in a worker (the steps that make a mesh make its :class:`DisplaySurface` too), drawn by the GUI; plain arrays,
so that a surface crosses from the worker process by pickling.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the cores are imported where they are used: the window opens before they are loaded
    import numpy as np
    import numpy.typing as npt

    from geometry.mesh import Mesh

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


@dataclass(frozen=True, eq=False)
class StressDisplay:
    """A design's display surface carrying the recorded von Mises field, with its scale and its peak.

    Attributes
    ----------
    surface
        The design's display surface with :data:`mechanics.field.VON_MISES_ARRAY` (MPa per vertex) besides its
        wall thickness (when it had one).
    array
        The point array's name.
    value_range
        The colours' range, MPa: 0 to the recorded peak.
    worst_point_mm
        Where the recorded peak is (LPS mm).
    max_von_mises_mpa
        The recorded peak (``mech.max_von_mises``), MPa.
    """

    surface: DisplaySurface
    array: str
    value_range: tuple[float, float]
    worst_point_mm: tuple[float, float, float]
    max_von_mises_mpa: float


def stress_display(design: Any, field_path: str | Path) -> StressDisplay | None:
    """The design (a ``workflow.steps.LoadedDesign``) prepared for the 3D view coloured by a check's stress field.

    None when the field is of another design than the one given (its SHA-256 differs): a stress map is only shown
    on the design that was analysed.

    Raises
    ------
    MechanicsError
        When the file is not a stress field, or not one value per vertex of the design.
    """
    import numpy as np  # noqa: PLC0415

    from mechanics.errors import MechanicsError  # noqa: PLC0415
    from mechanics.field import VON_MISES_ARRAY, read_stress_field  # noqa: PLC0415

    stress = read_stress_field(field_path)
    mesh = design.stored.mesh
    if stress.design_sha256 != design.stored.sha256:
        return None
    if len(stress.vertex_von_mises_mpa) != mesh.n_vertices:
        raise MechanicsError(f"{field_path}: its field is not one value per vertex of the design", path=str(field_path))
    data: dict[str, Any] = {VON_MISES_ARRAY: stress.vertex_von_mises_mpa}
    if design.wall_map is not None:
        data[WALL_SCALARS] = np.asarray(design.wall_map, dtype=np.float64)
    surface = display_surface(mesh, data, max_triangles=DISPLAY_MAX_TRIANGLES)
    if design.wall_map is not None:
        surface = dataclasses.replace(surface, wall_range_mm=wall_colour_range(design.wall_map))
    return StressDisplay(
        surface, VON_MISES_ARRAY, (0.0, stress.max_von_mises_mpa), stress.worst_point_mm, stress.max_von_mises_mpa
    )
