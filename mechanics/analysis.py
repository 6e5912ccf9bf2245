"""Finite-element analysis of a design under its family's load cases, at two mesh levels, with uncertainty.

The watertight design surface is meshed into linear tetrahedra by Netgen (LGPL-2.1, shipped as a shared library:
:func:`volume_mesh`); the solver (:mod:`mechanics.solver`) builds quadratic tetrahedra on them. All loads of the
file act together as one static load case.

Discretization uncertainty (the estimator): the analysis runs at the default element size ``h`` and at ``2 h``.
For a figure ``f`` computed as ``f_h`` and ``f_2h``, the uncertainty is Roache's grid convergence index for two
grids, ``U = Fs |f_h - f_2h| / (r^p - 1)`` with safety factor ``Fs = 3`` (two grids), ``r`` the measured refinement
ratio ``(N_h / N_2h)^(1/3)`` from the element counts, and the order ``p = 2`` for displacements and ``p = 1`` for
stresses and the safety factor (conservative: stress peaks at re-entrant edges converge slower than the elements'
formal order). ``U`` is reported with ``f_h``; a limit inside ``f_h +- U`` makes an envelope's verdict
``indeterminate``.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from base.progress import CancelToken, ProgressCallback, checkpoint, report, subrange
from geometry.mesh import Mesh
from geometry.metrics import topology
from mechanics.errors import DesignNotAnalysableError, LoadCaseError, MechanicsError
from mechanics.loadcases import ON_SURFACE_MM, Load, LoadCases, Point, Support
from mechanics.solver import (
    ElasticMaterial,
    Fixed,
    FloatArray,
    IndexArray,
    Solution,
    TetMesh,
    Traction,
    boundary_triangles,
    solve,
)

#: Default element size as a fraction of the design's bounding-box diagonal, when the load cases name none.
DEFAULT_SIZE_FRACTION = 1.0 / 30.0
#: The grid convergence index's safety factor for a two-grid study (Roache).
SAFETY_FACTOR_TWO_GRIDS = 3.0


@dataclass(frozen=True)
class LevelResult:
    """One mesh level's mesh and solution."""

    size_mm: float
    mesh: TetMesh
    solution: Solution
    seconds: float


@dataclass(frozen=True)
class Figure:
    """A result figure at the default level with its discretization uncertainty (same unit)."""

    name: str
    value: float
    unit: str
    uncertainty: float
    coarse_value: float
    method: str


@dataclass(frozen=True)
class FeaResult:
    """The analysis of one design under one load-case file."""

    figures: tuple[Figure, ...]
    fine: LevelResult
    coarse: LevelResult
    load_cases_sha256: str
    worst_point_mm: tuple[float, float, float]
    loaded_area_mm2: float
    held_area_mm2: float
    seconds: float

    def figure(self, name: str) -> Figure:
        """The figure called ``name``."""
        for figure in self.figures:
            if figure.name == name:
                return figure
        raise KeyError(name)


def volume_mesh(design: Mesh, size_mm: float, *, cancel: CancelToken | None = None) -> TetMesh:
    """Mesh the inside of a closed surface into tetrahedra of about ``size_mm`` (Netgen).

    Raises
    ------
    DesignNotAnalysableError
        When the surface is not watertight and manifold, or Netgen produces no tetrahedra.
    """
    watertight, manifold, _shells = topology(design.faces, design.n_vertices)
    if not (watertight and manifold):
        raise DesignNotAnalysableError(
            "the design is not a closed (watertight, manifold) surface: it has no inside to analyse; repair it first"
        )
    checkpoint(cancel)
    _load_bundled_occ()
    from netgen.meshing import MeshingParameters  # noqa: PLC0415 - Netgen loads only when an analysis runs
    from netgen.stl import STLGeometry  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="dvw-fea-") as folder:
        stl = Path(folder) / "design.stl"
        _write_binary_stl(design, stl)
        geometry = STLGeometry(str(stl))
        parameters = MeshingParameters(maxh=size_mm, grading=0.5, optsteps3d=3)
        volume = geometry.GenerateMesh(parameters)
    points = np.asarray(volume.Coordinates(), dtype=np.float64)
    elements = volume.Elements3D().NumPy()
    tets = np.asarray(elements["nodes"][:, :4], dtype=np.int64) - 1
    if len(tets) == 0:
        raise DesignNotAnalysableError("the design could not be meshed into tetrahedra (Netgen made none)")
    used = np.unique(tets)
    remap = np.full(len(points), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return TetMesh(points[used], remap[tets])


def _load_bundled_occ() -> None:
    """In the desktop bundle, load the Open CASCADE libraries Netgen links to from the bundle's own folder.

    Outside the bundle Netgen loads them itself from the ``netgen-occt`` wheel; the bundle leaves that wheel's
    metadata out (installer/spec_common.py), so this does it instead. Their dependency order is found by retrying.
    """
    folder = getattr(sys, "_MEIPASS", None)
    if not getattr(sys, "frozen", False) or folder is None:
        return
    import ctypes  # noqa: PLC0415

    pending = sorted(Path(folder).glob("libTK*.so*"))
    for _round in range(len(pending) + 1):
        failed = []
        for library in pending:
            try:
                ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
            except OSError:
                failed.append(library)
        if not failed or len(failed) == len(pending):
            pending = failed
            break
        pending = failed
    if pending:
        raise MechanicsError(f"the bundle's Open CASCADE libraries do not load ({pending[0].name})")


def _write_binary_stl(design: Mesh, path: Path) -> None:
    triangles = design.vertices[design.faces].astype(np.float32)
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    record = np.zeros(len(triangles), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    record["n"] = normals
    record["v"] = triangles
    with path.open("wb") as stream:
        stream.write(b"DVW design for finite-element meshing".ljust(80, b" "))
        stream.write(np.uint32(len(triangles)).tobytes())
        stream.write(record.tobytes())


def named_point(design: Mesh, point: Point) -> FloatArray:
    """A load case's point in the design's frame: ``centre`` or an explicit point, which must be on the surface.

    Raises
    ------
    LoadCaseError
        When an explicit point is farther than :data:`ON_SURFACE_MM` from the design's surface.
    """
    if isinstance(point, str):
        a, b, c = (design.vertices[design.faces[:, i]] for i in range(3))
        area = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)
        centroid = ((a + b + c) / 3.0 * area[:, None]).sum(axis=0) / area.sum()
        nearest = int(np.argmin(np.linalg.norm(design.vertices - centroid, axis=1)))
        return np.asarray(design.vertices[nearest], dtype=np.float64)
    target = np.asarray(point, dtype=np.float64)
    distance = _distance_to_surface(design, target)
    if distance > ON_SURFACE_MM:
        raise LoadCaseError(
            f"point ({target[0]:.1f}, {target[1]:.1f}, {target[2]:.1f}) mm is {distance:.1f} mm from the design's "
            f"surface (at most {ON_SURFACE_MM:g} mm allowed): it is not on the design"
        )
    return target


def _distance_to_surface(design: Mesh, point: FloatArray) -> float:
    """The exact distance from a point to the nearest triangle of a surface, mm."""
    a, b, c = (design.vertices[design.faces[:, i]] for i in range(3))
    # Project onto each triangle's plane, clamp with barycentric coordinates (edges handled by segment distances).
    ab, ac, ap = b - a, c - a, point - a
    d1, d2 = np.einsum("ij,ij->i", ab, ap), np.einsum("ij,ij->i", ac, ap)
    bb, cc, bc = np.einsum("ij,ij->i", ab, ab), np.einsum("ij,ij->i", ac, ac), np.einsum("ij,ij->i", ab, ac)
    denominator = np.maximum(bb * cc - bc * bc, 1e-300)
    v = (cc * d1 - bc * d2) / denominator
    w = (bb * d2 - bc * d1) / denominator
    inside = (v >= 0) & (w >= 0) & (v + w <= 1)
    best = math.inf
    if inside.any():
        foot = a[inside] + v[inside, None] * ab[inside] + w[inside, None] * ac[inside]
        best = float(np.linalg.norm(foot - point, axis=1).min())
    for start, end in ((a, b), (b, c), (c, a)):
        edge = end - start
        t = np.clip(
            np.einsum("ij,ij->i", point - start, edge) / np.maximum(np.einsum("ij,ij->i", edge, edge), 1e-300), 0, 1
        )
        best = min(best, float(np.linalg.norm(start + t[:, None] * edge - point, axis=1).min()))
    return best


def _support_triangles(mesh: TetMesh, triangles: IndexArray, support: Support, centre: FloatArray) -> IndexArray:
    middle = mesh.points[triangles].mean(axis=1)
    distance = np.linalg.norm(middle - centre, axis=1)
    chosen = distance > support.distance_mm if support.region == "beyond" else distance < support.distance_mm
    return np.asarray(triangles[chosen], dtype=np.int64)


def _load_traction(
    mesh: TetMesh, triangles: IndexArray, load: Load, point: FloatArray, centroid: FloatArray
) -> tuple[Traction, float]:
    """The traction (MPa) of a load on the triangles facing it within its disc, and the disc's area (mm²)."""
    if isinstance(load.direction, str):
        direction = centroid - point
        length = float(np.linalg.norm(direction))
        if length == 0:
            raise LoadCaseError(f"load {load.name!r}: its point is the design's centroid, so 'inward' has no direction")
        direction = direction / length
    else:
        direction = np.asarray(load.direction, dtype=np.float64)
    p = mesh.points
    normal = np.cross(p[triangles[:, 1]] - p[triangles[:, 0]], p[triangles[:, 2]] - p[triangles[:, 0]])
    area = 0.5 * np.linalg.norm(normal, axis=1)
    unit_normal = normal / np.maximum(2 * area, 1e-300)[:, None]
    middle = p[triangles].mean(axis=1)
    offset = middle - point
    across = offset - np.outer(offset @ direction, direction)
    chosen = (np.linalg.norm(across, axis=1) <= load.radius_mm) & (unit_normal @ direction < 0)
    loaded_area = float(area[chosen].sum())
    if loaded_area == 0:
        raise LoadCaseError(f"load {load.name!r}: no surface of the design faces it within {load.radius_mm:g} mm")
    if load.kind == "force":
        traction = np.tile(direction * load.magnitude / loaded_area, (int(chosen.sum()), 1))
    else:
        traction = -load.magnitude * unit_normal[chosen]
    return Traction(np.asarray(triangles[chosen], dtype=np.int64), np.asarray(traction, dtype=np.float64)), loaded_area


@dataclass(frozen=True)
class Problem:
    """One mesh level's static problem: the tetrahedra, supports, loads and material, as the solver takes them."""

    mesh: TetMesh
    fixed: tuple[Fixed, ...]
    tractions: tuple[Traction, ...]
    material: ElasticMaterial
    loaded_area_mm2: float
    held_area_mm2: float


def build_problem(design: Mesh, cases: LoadCases, size_mm: float, *, cancel: CancelToken | None = None) -> Problem:
    """Mesh the design at ``size_mm`` and turn the load cases into supports and tractions on that mesh.

    Raises
    ------
    DesignNotAnalysableError
        For a design that is not a closed surface.
    LoadCaseError
        For a point not on the design, or a support or load that selects no surface.
    """
    mesh = volume_mesh(design, size_mm, cancel=cancel)
    checkpoint(cancel)
    triangles = boundary_triangles(mesh)
    a, b, c = (design.vertices[design.faces[:, i]] for i in range(3))
    area = 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)
    centroid = ((a + b + c) / 3.0 * area[:, None]).sum(axis=0) / area.sum()
    p = mesh.points
    fixed = []
    held = 0.0
    for support in cases.supports:
        chosen = _support_triangles(mesh, triangles, support, named_point(design, support.point))
        if len(chosen) == 0:
            raise LoadCaseError(f"support {support.name!r} selects no surface of the design")
        edges = np.cross(p[chosen[:, 1]] - p[chosen[:, 0]], p[chosen[:, 2]] - p[chosen[:, 0]])
        held += float(0.5 * np.linalg.norm(edges, axis=1).sum())
        fixed.append(Fixed(chosen))
    tractions = []
    loaded = 0.0
    for load in cases.loads:
        traction, disc = _load_traction(mesh, triangles, load, named_point(design, load.point), centroid)
        tractions.append(traction)
        loaded += disc
    material = ElasticMaterial(cases.material.youngs_modulus_mpa, cases.material.poisson_ratio)
    return Problem(mesh, tuple(fixed), tuple(tractions), material, loaded, held)


#: The analysis' share of its progress at the coarse level (the rest is the default level's). Netgen's meshing of
#: the design's surface takes about as long at both sizes, so the coarse level is not cheap: on the thin sample
#: plate it took 16.0 s of 36.7 s (a loaded 2-core machine).
COARSE_SHARE = 0.4
#: Within a level, the share of meshing (Netgen) before the solver's stages (assembly, solution, stresses): 91 % of
#: the coarse level's time and 75 % of the default level's on the thin sample plate.
MESHING_SHARE = 0.8


def stage_message(level: str, size_mm: float, stage: str) -> str:
    """The progress message of one stage of a level: ``<stage> (finite-element analysis, <level> mesh, <size> mm)``.

    ``level`` is ``coarse`` or ``default``; ``stage`` is ``meshing the design`` or one of the solver's stages
    (``assembling the stiffness matrix``, ``solving``, ``recovering stresses``, ``solved``). The stage comes first:
    a narrow progress line shows it before the rest.
    """
    size = f"{size_mm:.2f}".rstrip("0").rstrip(".")
    return f"{stage} (finite-element analysis, {level} mesh, {size} mm)"


def _solve_level(
    design: Mesh,
    cases: LoadCases,
    size_mm: float,
    level: str,
    *,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> tuple[LevelResult, float, float]:
    """Mesh and solve one level, reporting each stage (meshing, then the solver's) and cancelling between them."""
    started = time.perf_counter()
    checkpoint(cancel)
    report(progress, 0.0, stage_message(level, size_mm, "meshing the design"))
    problem = build_problem(design, cases, size_mm, cancel=cancel)
    checkpoint(cancel)
    solver_progress = subrange(progress, MESHING_SHARE, 1.0)

    def stage(fraction: float, message: str) -> None:
        if solver_progress is not None:
            solver_progress(fraction, stage_message(level, size_mm, message))

    solution = solve(
        problem.mesh,
        problem.material,
        problem.fixed,
        problem.tractions,
        progress=stage if progress is not None else None,
        cancel=cancel,
    )
    level_result = LevelResult(size_mm, problem.mesh, solution, time.perf_counter() - started)
    return level_result, problem.loaded_area_mm2, problem.held_area_mm2


def default_size_mm(design: Mesh, cases: LoadCases) -> float:
    """The element size at the default level: the load cases' ``[mesh] size``, else 1/30 of the box diagonal."""
    if cases.mesh_size_mm is not None:
        return cases.mesh_size_mm
    extent = design.vertices.max(axis=0) - design.vertices.min(axis=0)
    return float(np.linalg.norm(extent)) * DEFAULT_SIZE_FRACTION


def uncertainty(fine: float, coarse: float, ratio: float, order: float) -> float:
    """Roache's two-grid convergence index ``Fs |fine - coarse| / (r^p - 1)`` (same unit as the figures)."""
    if ratio <= 1.0:
        raise MechanicsError("the coarse mesh is not coarser than the default one: no uncertainty can be estimated")
    return float(SAFETY_FACTOR_TWO_GRIDS * abs(fine - coarse) / (float(ratio) ** float(order) - 1.0))


def analyse(
    design: Mesh,
    cases: LoadCases,
    *,
    size_mm: float | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> FeaResult:
    """Analyse a design under a load-case file at the default element size and at twice it.

    Parameters
    ----------
    design
        The device's closed surface, LPS mm.
    cases
        The family's validated load cases.
    size_mm
        Element size at the default level (default: :func:`default_size_mm`).
    progress, cancel
        Progress callback and cancel token. Each level's stages are reported (:func:`stage_message`): meshing the
        design (Netgen), assembling the stiffness matrix, solving, recovering stresses; the coarse level takes the
        first :data:`COARSE_SHARE` of the range. The token is checked between the stages and during assembly (and
        each iteration of the iterative solver); Netgen's meshing and the direct factorization run to their end.

    Returns
    -------
    FeaResult
        ``mech.max_von_mises`` (MPa), ``mech.max_displacement`` (mm) and ``mech.min_safety_factor`` with their
        uncertainties, both levels' meshes and solutions, and the worst point.

    Raises
    ------
    DesignNotAnalysableError
        For a design that is not a closed surface.
    LoadCaseError
        For a point not on the design, or a support or load that selects no surface.
    Cancelled
        When ``cancel`` is set (at the next stage boundary).
    """
    started = time.perf_counter()
    size = size_mm if size_mm is not None else default_size_mm(design, cases)
    coarse, _, _ = _solve_level(
        design, cases, 2 * size, "coarse", progress=subrange(progress, 0.0, COARSE_SHARE), cancel=cancel
    )
    fine, loaded, held = _solve_level(
        design, cases, size, "default", progress=subrange(progress, COARSE_SHARE, 1.0), cancel=cancel
    )
    ratio = (fine.mesh.n_tets / coarse.mesh.n_tets) ** (1.0 / 3.0)
    yield_strength = cases.material.yield_strength_mpa
    values = {
        "mech.max_von_mises": (fine.solution.max_von_mises_mpa, coarse.solution.max_von_mises_mpa, "MPa", 1.0),
        "mech.max_displacement": (fine.solution.max_displacement_mm, coarse.solution.max_displacement_mm, "mm", 2.0),
        "mech.min_safety_factor": (
            yield_strength / fine.solution.max_von_mises_mpa,
            yield_strength / coarse.solution.max_von_mises_mpa,
            "1",
            1.0,
        ),
    }
    methods = {
        "mech.max_von_mises": "peak vertex von Mises stress, quadratic tetrahedra, linear elastic",
        "mech.max_displacement": "peak vertex displacement magnitude, quadratic tetrahedra, linear elastic",
        "mech.min_safety_factor": "yield strength / peak von Mises stress",
    }
    figures = tuple(
        Figure(
            name=name,
            value=float(value),
            unit=unit,
            uncertainty=uncertainty(value, rough, ratio, order),
            coarse_value=float(rough),
            method=f"{methods[name]}; uncertainty: two-grid GCI, Fs = 3, p = {order:g}, r = {ratio:.2f}",
        )
        for name, (value, rough, unit, order) in values.items()
    )
    worst = fine.mesh.points[fine.solution.worst_vertex]
    report(progress, 1.0, "analysis done")
    return FeaResult(
        figures=figures,
        fine=fine,
        coarse=coarse,
        load_cases_sha256=cases.sha256,
        worst_point_mm=(float(worst[0]), float(worst[1]), float(worst[2])),
        loaded_area_mm2=loaded,
        held_area_mm2=held,
        seconds=time.perf_counter() - started,
    )


def write_field_vtu(level: LevelResult, path: str | Path) -> str:
    """Write a level's mesh and fields (``displacement_mm``, ``von_mises_mpa``) as a VTK XML unstructured grid.

    Plain ASCII VTU (readable by ParaView and VTK), written under a temporary name and renamed; returns its SHA-256.

    Raises
    ------
    OSError
        When the file cannot be written (nothing is left at ``path``).
    """
    from base.files import write_atomically  # noqa: PLC0415

    mesh, solution = level.mesh, level.solution

    def rows(values: FloatArray | IndexArray, fmt: str) -> str:
        return "\n".join(" ".join(fmt % v for v in row) for row in np.atleast_2d(values))

    vtk_tetra = 10
    text = "\n".join(
        [
            '<?xml version="1.0"?>',
            '<VTKFile type="UnstructuredGrid" version="1.0" byte_order="LittleEndian">',
            "<UnstructuredGrid>",
            f'<Piece NumberOfPoints="{mesh.n_points}" NumberOfCells="{mesh.n_tets}">',
            '<PointData Scalars="von_mises_mpa" Vectors="displacement_mm">',
            '<DataArray type="Float64" Name="displacement_mm" NumberOfComponents="3" format="ascii">',
            rows(solution.displacement_mm, "%.9g"),
            "</DataArray>",
            '<DataArray type="Float64" Name="von_mises_mpa" format="ascii">',
            rows(solution.von_mises_mpa[:, None], "%.9g"),
            "</DataArray>",
            "</PointData>",
            '<Points><DataArray type="Float64" NumberOfComponents="3" format="ascii">',
            rows(mesh.points, "%.9g"),
            "</DataArray></Points>",
            "<Cells>",
            '<DataArray type="Int64" Name="connectivity" format="ascii">',
            rows(mesh.tets, "%d"),
            "</DataArray>",
            '<DataArray type="Int64" Name="offsets" format="ascii">',
            rows(np.arange(4, 4 * mesh.n_tets + 1, 4)[:, None], "%d"),
            "</DataArray>",
            '<DataArray type="UInt8" Name="types" format="ascii">',
            rows(np.full((mesh.n_tets, 1), vtk_tetra), "%d"),
            "</DataArray>",
            "</Cells>",
            "</Piece>",
            "</UnstructuredGrid>",
            "</VTKFile>",
            "",
        ]
    )
    return write_atomically(path, lambda temporary: temporary.write_text(text, encoding="ascii"), suffix=".vtu")
