"""The stress field of an analysis on the design's own vertices, kept with the case beside the recorded figures.

The analysis solves on Netgen's tetrahedra, whose surface nodes are not the design's vertices. To colour the design
(the GUI's stress map, the report's picture) each design vertex takes the von Mises stress of the nearest surface
node of the default-level mesh (nearest-node transfer: no value is invented between nodes, so the colours never
exceed the recorded peak). The file also holds the recorded peak and its place, so that a picture marks exactly the
worst point the figures name.

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
from mechanics.solver import FloatArray, boundary_triangles

#: The name under which a design's values travel on its display surface (``workflow.display``).
VON_MISES_ARRAY = "von_mises_mpa"


@dataclass(frozen=True, eq=False)
class StressField:
    """The von Mises stress at each vertex of a design, from the analysis that produced the recorded figures.

    Attributes
    ----------
    vertex_von_mises_mpa
        (n,) stress at each design vertex, MPa (nearest surface node of the default-level mesh).
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
    """The default level's von Mises stress carried onto the design's vertices (nearest surface node)."""
    from scipy.spatial import cKDTree  # noqa: PLC0415 - scipy loads with the solver

    mesh, solution = result.fine.mesh, result.fine.solution
    surface = np.unique(boundary_triangles(mesh))
    _, nearest = cKDTree(mesh.points[surface]).query(design.vertices)
    values = np.asarray(solution.von_mises_mpa[surface[np.asarray(nearest, dtype=np.int64)]], dtype=np.float64)
    return StressField(
        vertex_von_mises_mpa=values,
        worst_point_mm=result.worst_point_mm,
        max_von_mises_mpa=float(solution.max_von_mises_mpa),
        yield_strength_mpa=float(yield_strength_mpa),
        design_sha256=design_sha256,
        load_cases_sha256=result.load_cases_sha256,
    )


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
