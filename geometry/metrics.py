"""Mesh metrics: size, volume, area, bounds, topology (watertight, manifold, shells), surface deviation, wall thickness.

All lengths are in mm in the mesh's frame (patient LPS for DVW meshes); volumes in mm^3, areas in mm^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkDoubleArray, vtkIdList, vtkPoints
from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator
from vtkmodules.vtkFiltersCore import vtkImplicitPolyDataDistance

from imaging.progress import CancelToken, ProgressCallback, checkpoint, report

if TYPE_CHECKING:
    from geometry.mesh import Mesh

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SurfaceDeviation:
    """Distance (mm) of a mesh's vertices from a reference surface.

    Attributes
    ----------
    mean_mm, max_mm
        Mean and maximum unsigned distance (mm) over the vertices.
    """

    mean_mm: float
    max_mm: float


@dataclass(frozen=True)
class MeshMetrics:
    """Size, geometry and topology of a triangle mesh.

    Attributes
    ----------
    vertices, triangles
        Counts.
    volume_mm3
        Enclosed (signed) volume in mm^3; positive for an outward-oriented closed surface.
    area_mm2
        Surface area in mm^2.
    bounds
        (xmin, xmax, ymin, ymax, zmin, zmax) in mm in the mesh frame (LPS).
    watertight
        Every edge is shared by exactly two triangles.
    manifold
        Every edge is shared by at most two triangles, consistently oriented (each directed edge once), and each
        vertex's triangles form one fan.
    shells
        Number of edge-connected components of triangles.
    surface_deviation
        Distance of the vertices from the unsmoothed, unreduced isosurface; None for an imported mesh.
    """

    vertices: int
    triangles: int
    volume_mm3: float
    area_mm2: float
    bounds: tuple[float, float, float, float, float, float]
    watertight: bool
    manifold: bool
    shells: int
    surface_deviation: SurfaceDeviation | None


@dataclass(frozen=True)
class WallThickness:
    """The thinnest wall of a closed mesh, measured along inward normals.

    Attributes
    ----------
    min_mm
        Minimum distance (mm) from a vertex, along its inverted normal, to the first other surface hit.
    location
        LPS position (mm) of the vertex where the minimum was found.
    direction
        Unit vector (LPS) of the inward ray there.
    """

    min_mm: float
    location: tuple[float, float, float]
    direction: tuple[float, float, float]


def _edges(faces: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Directed edges (3m, 2) in face order (edge k of face f is row 3f + k) and their undirected keys (3m,)."""
    directed = np.stack([faces, np.roll(faces, -1, axis=1)], axis=2).reshape(-1, 2)
    low = np.minimum(directed[:, 0], directed[:, 1])
    high = np.maximum(directed[:, 0], directed[:, 1])
    n = int(faces.max()) + 1 if faces.size else 1
    return directed, low * n + high


def topology(faces: npt.NDArray[np.int64], n_vertices: int) -> tuple[bool, bool, int]:
    """Watertight, manifold and shell count of a triangle list (see :class:`MeshMetrics`)."""
    m = len(faces)
    if m == 0:
        return False, False, 0
    directed, keys = _edges(faces)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    counts = np.diff(np.r_[starts, len(sorted_keys)])
    watertight = bool(np.all(counts == 2))
    n = max(n_vertices, int(faces.max()) + 1)
    directed_keys = np.sort(directed[:, 0] * n + directed[:, 1])
    consistent = not bool(np.any(directed_keys[1:] == directed_keys[:-1]))
    edge_manifold = bool(np.all(counts <= 2)) and consistent
    per_sorted = np.repeat(counts, counts)

    # Faces joined across manifold edges: shells, and the fan of each vertex.
    pair = np.flatnonzero((sorted_keys[1:] == sorted_keys[:-1]) & (per_sorted[1:] == 2))
    first, second = order[pair], order[pair + 1]
    face_a, face_b = first // 3, second // 3
    graph = coo_matrix((np.ones(len(face_a)), (face_a, face_b)), shape=(m, m))
    shells, _ = connected_components(graph, directed=False)

    vertex_manifold = True
    if edge_manifold:
        # Corner (f, k) = 3f + k holds vertex faces[f, k]. Edge k of face f joins corners k and k+1; its twin edge
        # in face g joins the same two vertices, so the corners of equal vertices are linked across the edge.
        corner_a1 = first  # corner of the edge's start vertex in face a
        corner_a2 = (first // 3) * 3 + (first % 3 + 1) % 3
        corner_b1 = second
        corner_b2 = (second // 3) * 3 + (second % 3 + 1) % 3
        va1 = faces.reshape(-1)[corner_a1]
        vb1 = faces.reshape(-1)[corner_b1]
        # For a consistent pair, edge b runs in the opposite direction: start of a == end of b.
        link_1 = np.where(va1 == vb1, corner_b1, corner_b2)
        link_2 = np.where(va1 == vb1, corner_b2, corner_b1)
        rows = np.concatenate([corner_a1, corner_a2])
        cols = np.concatenate([link_1, link_2])
        corners = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(3 * m, 3 * m))
        fans, _ = connected_components(corners, directed=False)
        vertex_manifold = int(fans) == int(np.count_nonzero(np.bincount(faces.reshape(-1))))
    return watertight, edge_manifold and vertex_manifold, int(shells)


def volume_and_area(vertices: FloatArray, faces: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Signed enclosed volume (mm^3) and area (mm^2); the volume is relative to the centroid for precision."""
    if len(faces) == 0:
        return 0.0, 0.0
    centre = vertices.mean(axis=0)
    a, b, c = (vertices[faces[:, k]] - centre for k in range(3))
    cross = np.cross(b - a, c - a)
    area = float(0.5 * np.linalg.norm(cross, axis=1).sum())
    volume = float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)
    return volume, area


def surface_deviation(
    mesh: Mesh, reference: Mesh, *, cancel: CancelToken | None = None, chunk: int = 200_000
) -> SurfaceDeviation:
    """Mean and maximum distance (mm) of ``mesh``'s vertices from the surface ``reference``.

    Uses ``vtkImplicitPolyDataDistance`` evaluated on whole point arrays (C++ loop over a static cell locator),
    in chunks so cancel is checked between them.
    """
    if mesh.n_vertices == 0 or reference.n_triangles == 0:
        return SurfaceDeviation(0.0, 0.0)
    distance = vtkImplicitPolyDataDistance()
    distance.SetInput(reference.to_polydata())
    values = np.empty(mesh.n_vertices, dtype=np.float64)
    for start in range(0, mesh.n_vertices, chunk):
        checkpoint(cancel)
        points = np.ascontiguousarray(mesh.vertices[start : start + chunk])
        out = vtkDoubleArray()
        distance.FunctionValue(numpy_to_vtk(points, deep=False), out)
        values[start : start + len(points)] = np.abs(vtk_to_numpy(out))
    return SurfaceDeviation(float(values.mean()), float(values.max()))


def mesh_metrics(
    mesh: Mesh,
    reference: Mesh | None = None,
    *,
    known_topology: tuple[bool, bool, int] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> MeshMetrics:
    """All :class:`MeshMetrics` of ``mesh``; ``surface_deviation`` is measured against ``reference`` if given.

    ``known_topology`` is ``topology(mesh.faces, mesh.n_vertices)`` when the caller has just computed it (the
    reduction checks it); it is then not computed again.
    """
    checkpoint(cancel)
    report(progress, 0.0, "metrics")
    volume, area = volume_and_area(mesh.vertices, mesh.faces)
    if known_topology is None:
        known_topology = topology(mesh.faces, mesh.n_vertices)
    watertight, manifold, shells = known_topology
    if mesh.n_vertices:
        low, high = mesh.vertices.min(axis=0), mesh.vertices.max(axis=0)
        bounds = (float(low[0]), float(high[0]), float(low[1]), float(high[1]), float(low[2]), float(high[2]))
    else:
        bounds = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    report(progress, 0.3, "surface deviation")
    deviation = surface_deviation(mesh, reference, cancel=cancel) if reference is not None else None
    report(progress, 1.0, "metrics")
    return MeshMetrics(
        vertices=mesh.n_vertices,
        triangles=mesh.n_triangles,
        volume_mm3=volume,
        area_mm2=area,
        bounds=bounds,
        watertight=watertight,
        manifold=manifold,
        shells=shells,
        surface_deviation=deviation,
    )


def min_wall_thickness(
    mesh: Mesh,
    *,
    epsilon_mm: float = 1e-3,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> WallThickness | None:
    """The thinnest wall: from each vertex, along its inverted (inward) normal, to the first surface hit.

    Vertex normals are area-weighted averages of the incident triangles' normals (robust to slivers). Hits closer
    than ``epsilon_mm`` and hits on triangles that use the vertex are ignored. Rays are cast with a
    ``vtkStaticCellLocator``, one vertex at a time. Returns None when no ray hits anything (e.g. an open sheet).
    """
    if mesh.n_triangles == 0:
        return None
    vertices, faces = mesh.vertices, mesh.faces
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    face_normals = np.cross(b - a, c - a)  # length = 2 x area: area weighting
    normals = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(normals, faces[:, k], face_normals)
    lengths = np.linalg.norm(normals, axis=1)
    valid = lengths > 0
    inward = np.zeros_like(normals)
    inward[valid] = -normals[valid] / lengths[valid, None]
    extent = float(np.linalg.norm(vertices.max(axis=0) - vertices.min(axis=0))) * 1.01 + 1.0

    # Triangles incident to each vertex (CSR), to ignore the ray's own fan.
    corner_vertex = faces.reshape(-1)
    order = np.argsort(corner_vertex, kind="stable")
    fan_faces = order // 3
    fan_start = np.searchsorted(corner_vertex[order], np.arange(len(vertices) + 1))

    locator = vtkStaticCellLocator()
    locator.SetDataSet(mesh.to_polydata())
    locator.BuildLocator()
    points, cells = vtkPoints(), vtkIdList()
    best = math.inf
    best_index = -1
    total = len(vertices)
    for index in np.flatnonzero(valid):
        if index % 2000 == 0:
            checkpoint(cancel)
            report(progress, index / total, "wall thickness")
        start = vertices[index]
        direction = inward[index]
        locator.IntersectWithLine(start, start + extent * direction, 0.0, points, cells)
        count = points.GetNumberOfPoints()
        if count == 0:
            continue
        hits = vtk_to_numpy(points.GetData()).reshape(-1, 3)
        ids = np.fromiter((cells.GetId(k) for k in range(cells.GetNumberOfIds())), dtype=np.int64)
        distances = (hits - start) @ direction
        own = np.isin(ids, fan_faces[fan_start[index] : fan_start[index + 1]])
        keep = ~own & (distances > epsilon_mm)
        if np.any(keep):
            nearest = float(distances[keep].min())
            if nearest < best:
                best, best_index = nearest, int(index)
    report(progress, 1.0, "wall thickness")
    if best_index < 0:
        return None
    loc = vertices[best_index]
    ray = inward[best_index]
    return WallThickness(
        best, (float(loc[0]), float(loc[1]), float(loc[2])), (float(ray[0]), float(ray[1]), float(ray[2]))
    )
