"""The same static problem for CalculiX (``ccx``), DVW's peer in the benchmark and the cross-check test.

CalculiX is a separate program (GPL), run as its own process when it is installed (Debian's ``calculix-ccx``); DVW
never links or ships it. :func:`write_deck` writes the exact problem DVW solves: the same vertices, quadratic
tetrahedra (C3D10) with straight edges (mid-edge nodes at the edge midpoints), the same held nodes, and the same
loads as consistent nodal forces (a constant traction on a straight 6-node triangle puts a third of the triangle's
force on each mid-edge node and none on its corners, which is what DVW's quadratic surface integral gives).
:func:`read_frd` reads back the nodal displacements and CalculiX's nodal stresses (extrapolated from the
integration points and averaged over the elements at a node).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mechanics.errors import MechanicsError
from mechanics.solver import ElasticMaterial, Fixed, FloatArray, IndexArray, TetMesh, Traction, von_mises

#: CalculiX's C3D10 mid-edge nodes 5..10 lie on the edges (1,2) (2,3) (3,1) (1,4) (2,4) (3,4).
_C3D10_EDGES = np.array([[0, 1], [1, 2], [2, 0], [0, 3], [1, 3], [2, 3]])


@dataclass(frozen=True)
class PeerResult:
    """CalculiX's nodal results at DVW's vertices, and what running it cost."""

    displacement_mm: FloatArray
    von_mises_mpa: FloatArray
    seconds: float
    peak_memory_mb: float


def _quadratic_nodes(mesh: TetMesh) -> tuple[FloatArray, IndexArray, IndexArray]:
    """All nodes (vertices first, then edge midpoints), the (m, 10) C3D10 connectivity and the edges, 0-based."""
    tets = mesh.tets.copy()
    p = mesh.points
    a, b, c, d = (p[tets[:, i]] for i in range(4))
    negative = np.einsum("ij,ij->i", np.cross(b - a, c - a), d - a) < 0
    tets[negative] = tets[negative][:, [0, 2, 1, 3]]
    edges = np.sort(tets[:, _C3D10_EDGES].reshape(-1, 2), axis=1)
    unique, inverse = np.unique(edges, axis=0, return_inverse=True)
    middle = 0.5 * (p[unique[:, 0]] + p[unique[:, 1]])
    nodes = np.vstack([p, middle])
    connectivity = np.hstack([tets, mesh.n_points + inverse.reshape(-1, 6)])
    return nodes, np.asarray(connectivity, dtype=np.int64), np.asarray(unique, dtype=np.int64)


def write_deck(
    mesh: TetMesh, material: ElasticMaterial, fixed: tuple[Fixed, ...], tractions: tuple[Traction, ...], path: Path
) -> None:
    """Write the CalculiX input deck (``.inp``) of a problem with all-component supports.

    Raises
    ------
    MechanicsError
        When a support holds only some components (the deck writes clamps only).
    """
    nodes, connectivity, edges = _quadratic_nodes(mesh)
    edge_index = {(int(e[0]), int(e[1])): mesh.n_points + i for i, e in enumerate(edges)}
    held: set[int] = set()
    for support in fixed:
        if support.components != (0, 1, 2):
            raise MechanicsError("the CalculiX deck writes clamped supports only")
        for tri in support.triangles:
            held.update(int(v) for v in tri)
            for i, j in ((0, 1), (1, 2), (2, 0)):
                held.add(edge_index[(min(int(tri[i]), int(tri[j])), max(int(tri[i]), int(tri[j])))])
    forces = np.zeros((len(nodes), 3))
    p = mesh.points
    for traction in tractions:
        tri = traction.triangles
        area = 0.5 * np.linalg.norm(np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]]), axis=1)
        force = traction.traction_mpa * area[:, None] / 3.0
        for k, row in enumerate(tri):
            for i, j in ((0, 1), (1, 2), (2, 0)):
                forces[edge_index[(min(int(row[i]), int(row[j])), max(int(row[i]), int(row[j])))]] += force[k]
    lines = ["*HEADING", "DVW finite-element cross-check", "*NODE"]
    lines += [f"{n + 1},{x:.10g},{y:.10g},{z:.10g}" for n, (x, y, z) in enumerate(nodes)]
    lines.append("*ELEMENT, TYPE=C3D10, ELSET=EALL")
    lines += [f"{e + 1}," + ",".join(str(int(v) + 1) for v in row) for e, row in enumerate(connectivity)]
    lines.append("*NSET, NSET=HELD")
    ordered = sorted(held)
    lines += [",".join(str(v + 1) for v in ordered[i : i + 16]) for i in range(0, len(ordered), 16)]
    lines += [
        "*BOUNDARY",
        "HELD, 1, 3",
        "*MATERIAL, NAME=DESIGN",
        "*ELASTIC",
        f"{material.youngs_modulus_mpa:.10g}, {material.poisson_ratio:.10g}",
        "*SOLID SECTION, ELSET=EALL, MATERIAL=DESIGN",
        "*STEP",
        "*STATIC",
        "*CLOAD",
    ]
    for n in np.flatnonzero(np.abs(forces).sum(axis=1) > 0):
        lines += [f"{n + 1},{dof + 1},{forces[n, dof]:.12g}" for dof in range(3) if forces[n, dof] != 0]
    lines += ["*NODE FILE", "U, S", "*END STEP", ""]
    path.write_text("\n".join(lines), encoding="ascii")


def read_frd(path: Path, n_vertices: int) -> tuple[FloatArray, FloatArray]:
    """Nodal displacements (mm) and stresses (MPa; xx, yy, zz, yz, xz, xy) at the first ``n_vertices`` nodes."""
    displacement = np.full((n_vertices, 3), np.nan)
    stress = np.full((n_vertices, 6), np.nan)
    block = ""
    for line in path.read_text(encoding="ascii", errors="replace").splitlines():
        if line.startswith(" -4"):
            block = line.split()[1]
            continue
        if line.startswith(" -3"):
            block = ""
            continue
        if not line.startswith(" -1") or block not in ("DISP", "STRESS"):
            continue
        node = int(line[3:13]) - 1
        if node >= n_vertices:
            continue
        values = [float(line[13 + 12 * k : 25 + 12 * k]) for k in range((len(line) - 13) // 12)]
        if block == "DISP":
            displacement[node] = values[:3]
        else:
            sxx, syy, szz, sxy, syz, szx = values[:6]
            stress[node] = (sxx, syy, szz, syz, szx, sxy)
    if np.isnan(displacement).any() or np.isnan(stress).any():
        raise MechanicsError(f"CalculiX's result {path} lacks some vertices' displacements or stresses")
    return displacement, stress


def ccx_program() -> str | None:
    """The ``ccx`` executable on the PATH, or None when CalculiX is not installed."""
    return shutil.which("ccx")


def run_calculix(
    mesh: TetMesh, material: ElasticMaterial, fixed: tuple[Fixed, ...], tractions: tuple[Traction, ...]
) -> PeerResult:
    """Solve the problem with CalculiX in a temporary folder; time it and measure its peak memory (RSS).

    Raises
    ------
    MechanicsError
        When ``ccx`` is not installed or fails.
    """
    program = ccx_program()
    if program is None:
        raise MechanicsError("CalculiX (ccx) is not installed: apt-get install calculix-ccx")
    with tempfile.TemporaryDirectory(prefix="dvw-ccx-") as folder:
        work = Path(folder)
        write_deck(mesh, material, fixed, tractions, work / "job.inp")
        environment = {**os.environ, "OMP_NUM_THREADS": "2", "CCX_NPROC_EQUATION_SOLVER": "2"}
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - a fixed program and arguments
            [program, "-i", "job"], cwd=work, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0 or not (work / "job.frd").exists():
            raise MechanicsError(f"CalculiX failed (exit {process.returncode})")
        displacement, stress = read_frd(work / "job.frd", mesh.n_points)
    return PeerResult(displacement, von_mises(stress), seconds, usage.ru_maxrss / 1024.0)
