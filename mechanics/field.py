"""The stress field of an analysis on the design's own vertices, kept with the case beside the recorded figures.

The analysis solves on Netgen's tetrahedra, whose surface nodes are not the design's vertices. To colour the design
(the GUI's stress map, the report's picture) the field is carried over smoothly:

1. the nodal stresses are the solver's recovered ones: each element's stress tensor at its vertices, averaged over
   the elements sharing the vertex (volume-weighted, :mod:`mechanics.solver`);
2. each design vertex is projected onto the nearest triangle of the default-level mesh's surface (the exact nearest
   point, found among the triangles that can hold it), and the six stress components there are the linear
   interpolation of that triangle's three nodal tensors with the point's barycentric weights;
3. the vertex's value is the von Mises stress of that interpolated tensor.

Von Mises stress is a convex function of the tensor, so an interpolated value never exceeds the largest of its
triangle's three nodal values: the colours never exceed the recorded peak (``mech.max_von_mises``, the largest nodal
value). The file also holds the recorded peak and its place (a node of the analysis mesh), so that a picture marks
exactly the worst point the figures name; the design vertex nearest to it shows up to that value.

The file (``<design>.stress.npz``) is a NumPy ``.npz`` written with fixed member dates, so the same analysis gives
the same bytes: ``vertex_von_mises_mpa`` (one value per design vertex, MPa), ``worst_point_mm`` (LPS mm),
``max_von_mises_mpa``, ``yield_strength_mpa``, and the SHA-256 of the design and of the load-case file.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from base.files import write_atomically
from geometry.mesh import Mesh
from mechanics.analysis import FeaResult
from mechanics.errors import MechanicsError
from mechanics.solver import FloatArray, IndexArray, boundary_triangles, von_mises

#: The name under which a design's values travel on its display surface (``workflow.display``).
VON_MISES_ARRAY = "von_mises_mpa"


@dataclass(frozen=True, eq=False)
class StressField:
    """The von Mises stress at each vertex of a design, from the analysis that produced the recorded figures.

    Attributes
    ----------
    vertex_von_mises_mpa
        (n,) stress at each design vertex, MPa (von Mises of the nodal stress tensors of the default-level mesh,
        interpolated on its nearest surface triangle).
    worst_point_mm
        Where the recorded peak von Mises stress is (a node of the analysis mesh), LPS mm.
    max_von_mises_mpa
        The recorded peak (``mech.max_von_mises``), MPa.
    yield_strength_mpa
        The load cases' material yield strength, MPa.
    design_sha256, load_cases_sha256
        The design file and the load-case file analysed.
    """

    vertex_von_mises_mpa: FloatArray
    worst_point_mm: tuple[float, float, float]
    max_von_mises_mpa: float
    yield_strength_mpa: float
    design_sha256: str
    load_cases_sha256: str


def stress_field(result: FeaResult, design: Mesh, *, design_sha256: str, yield_strength_mpa: float) -> StressField:
    """The default level's stress carried onto the design's vertices (see the module's text), as von Mises, MPa."""
    mesh, solution = result.fine.mesh, result.fine.solution
    triangles = boundary_triangles(mesh)
    nearest, weights = nearest_surface_points(mesh.points, triangles, design.vertices)
    tensors = np.einsum("nk,nkc->nc", weights, solution.stress_mpa[triangles[nearest]])
    values = np.minimum(von_mises(tensors), solution.max_von_mises_mpa)  # rounding only: convexity bounds it
    return StressField(
        vertex_von_mises_mpa=values,
        worst_point_mm=result.worst_point_mm,
        max_von_mises_mpa=float(solution.max_von_mises_mpa),
        yield_strength_mpa=float(yield_strength_mpa),
        design_sha256=design_sha256,
        load_cases_sha256=result.load_cases_sha256,
    )


def nearest_surface_points(
    points: FloatArray, triangles: IndexArray, queries: FloatArray, *, chunk: int = 4096
) -> tuple[IndexArray, FloatArray]:
    """For each query point, the nearest triangle of a surface and the barycentric weights of the nearest point on it.

    Exact: the candidates of a query are the triangles whose centroid lies within ``d0 + L`` of it, ``d0`` its
    distance to the nearest centroid and ``L`` the longest triangle edge (any point of a triangle lies within ``L``
    of its centroid, so a triangle left out is farther than the one whose centroid is nearest).

    Parameters
    ----------
    points, triangles
        The surface: (n, 3) points and (k, 3) vertex indices.
    queries
        (q, 3) points to project.
    chunk
        Queries handled at once (bounds the memory of the candidate pairs).

    Returns
    -------
    tuple
        (q,) index of the nearest triangle and (q, 3) barycentric weights of the nearest point on it (>= 0, summing
        to 1).
    """
    from scipy.spatial import cKDTree  # noqa: PLC0415 - scipy loads with the solver

    corners = points[triangles]  # (k, 3, 3)
    centroids = corners.mean(axis=1)
    longest = float(np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=2).max())
    tree = cKDTree(centroids)
    nearest = np.empty(len(queries), dtype=np.int64)
    weights = np.empty((len(queries), 3))
    for start in range(0, len(queries), chunk):
        block = np.asarray(queries[start : start + chunk], dtype=np.float64)
        first, _ = tree.query(block)
        reach = np.asarray(first, dtype=np.float64) + longest * (1.0 + 1e-9) + 1e-12
        lists = tree.query_ball_point(block, reach)
        counts = np.fromiter((len(found) for found in lists), dtype=np.int64, count=len(lists))
        candidates = np.fromiter((t for found in lists for t in found), dtype=np.int64, count=int(counts.sum()))
        owner = np.repeat(np.arange(len(block)), counts)
        distance, bary = _closest_on_triangles(corners[candidates], block[owner])
        # The nearest candidate of each query: sort by (query, distance) and take each query's first.
        order = np.lexsort((distance, owner))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        best = order[starts]
        nearest[start : start + len(block)] = candidates[best]
        weights[start : start + len(block)] = bary[best]
    return nearest, weights


def _closest_on_triangles(corners: FloatArray, query: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Distance from each query point to its triangle (m, 3, 3), and the barycentric weights of the nearest point."""
    a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
    ab, ac, ap = b - a, c - a, query - a
    d1, d2 = np.einsum("ij,ij->i", ab, ap), np.einsum("ij,ij->i", ac, ap)
    bb, cc, bc = np.einsum("ij,ij->i", ab, ab), np.einsum("ij,ij->i", ac, ac), np.einsum("ij,ij->i", ab, ac)
    denominator = np.maximum(bb * cc - bc * bc, 1e-300)
    v = (cc * d1 - bc * d2) / denominator
    w = (bb * d2 - bc * d1) / denominator
    inside = (v >= 0) & (w >= 0) & (v + w <= 1)
    bary = np.stack([1.0 - v - w, v, w], axis=1)
    foot = a + v[:, None] * ab + w[:, None] * ac
    distance = np.where(inside, np.linalg.norm(foot - query, axis=1), np.inf)
    # Outside the triangle the nearest point is on an edge (or a corner): the nearest of the three segments.
    for i, j in ((0, 1), (1, 2), (2, 0)):
        start, edge = corners[:, i], corners[:, j] - corners[:, i]
        t = np.clip(
            np.einsum("ij,ij->i", query - start, edge) / np.maximum(np.einsum("ij,ij->i", edge, edge), 1e-300), 0, 1
        )
        along = np.linalg.norm(start + t[:, None] * edge - query, axis=1)
        better = ~inside & (along < distance)
        distance = np.where(better, along, distance)
        on_edge = np.zeros((len(t), 3))
        on_edge[:, i] = 1.0 - t
        on_edge[:, j] = t
        bary = np.where(better[:, None], on_edge, bary)
    return distance, bary


def write_stress_field(field: StressField, path: str | Path) -> str:
    """Write ``field`` as an ``.npz`` (same analysis, same bytes), atomically; return the file's SHA-256.

    Raises
    ------
    OSError
        When the file cannot be written (nothing is left at ``path``).
    """
    arrays = {
        "vertex_von_mises_mpa": np.asarray(field.vertex_von_mises_mpa, dtype="<f8"),
        "worst_point_mm": np.asarray(field.worst_point_mm, dtype="<f8"),
        "max_von_mises_mpa": np.asarray(field.max_von_mises_mpa, dtype="<f8"),
        "yield_strength_mpa": np.asarray(field.yield_strength_mpa, dtype="<f8"),
        "design_sha256": np.asarray(field.design_sha256, dtype="<U64"),
        "load_cases_sha256": np.asarray(field.load_cases_sha256, dtype="<U64"),
    }

    def write(temporary: Path) -> None:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, array, allow_pickle=False)
                member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                member.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(member, buffer.getvalue())

    return write_atomically(path, write, suffix=".npz")


def read_stress_field(path: str | Path) -> StressField:
    """Read a stress field written by :func:`write_stress_field`.

    Raises
    ------
    MechanicsError
        When the file is missing, not an ``.npz`` or lacks one of the arrays.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            worst = np.asarray(data["worst_point_mm"], dtype=np.float64)
            return StressField(
                vertex_von_mises_mpa=np.asarray(data["vertex_von_mises_mpa"], dtype=np.float64),
                worst_point_mm=(float(worst[0]), float(worst[1]), float(worst[2])),
                max_von_mises_mpa=float(data["max_von_mises_mpa"]),
                yield_strength_mpa=float(data["yield_strength_mpa"]),
                design_sha256=str(data["design_sha256"]),
                load_cases_sha256=str(data["load_cases_sha256"]),
            )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise MechanicsError(f"{path}: not a DVW stress field ({exc})", path=str(path)) from None
