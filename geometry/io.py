"""Mesh files: binary STL, PLY, OBJ and 3MF (millimetres, patient LPS), written atomically; read via trimesh.

Exactness: STL and trimesh's PLY store vertices as float32, so :func:`write_mesh` rounds every vertex to float32
before writing, in every format, and returns the mesh as stored. Reading the file back gives exactly those
vertices (float32 values are exact in float64; OBJ is written with 17 significant digits, which round-trips any
float64). STL has no shared vertices: on reading, bitwise-equal positions are merged, so the triangles' corner
positions ``vertices[faces]`` are identical to the written mesh's (the vertex numbering may differ).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from geometry.errors import MeshFileError, MeshOutputExistsError
from geometry.mesh import Mesh, merge_vertices
from imaging.files import write_atomically

MESH_SUFFIXES = (".stl", ".ply", ".obj", ".3mf")
_UNIT_SCALE = {"mm": 1.0, "millimeter": 1.0, "millimeters": 1.0, "cm": 10.0, "m": 1000.0, "meters": 1000.0}


@dataclass(frozen=True, eq=False)
class MeshFile:
    """A written mesh file.

    Attributes
    ----------
    path
        The file written.
    sha256
        SHA-256 (hex) of its bytes.
    mesh
        The mesh as stored (vertices rounded to float32), identical to what :func:`read_mesh` returns.
    """

    path: Path
    sha256: str
    mesh: Mesh


def mesh_suffix(path: str | Path) -> str:
    """The lower-case mesh suffix of ``path``; raises :class:`MeshFileError` for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in MESH_SUFFIXES:
        raise MeshFileError(
            f"unsupported mesh file type {suffix or '(none)'}: use one of {', '.join(MESH_SUFFIXES)}", path=str(path)
        )
    return suffix


def as_stored(mesh: Mesh) -> Mesh:
    """``mesh`` with its vertices rounded to float32 (what every DVW mesh file holds)."""
    return Mesh(mesh.vertices.astype(np.float32).astype(np.float64), mesh.faces)


def _obj_bytes(mesh: Mesh) -> bytes:
    out = io.StringIO()
    out.write("# DVW mesh, patient LPS, millimetres\n")
    np.savetxt(out, mesh.vertices, fmt="v %.17g %.17g %.17g")
    np.savetxt(out, mesh.faces + 1, fmt="f %d %d %d")
    return out.getvalue().encode("ascii")


def _encode(mesh: Mesh, suffix: str) -> bytes:
    if suffix == ".obj":
        return _obj_bytes(mesh)
    data = mesh.to_trimesh().export(file_type=suffix[1:])
    return data.encode("ascii") if isinstance(data, str) else bytes(data)


def write_mesh(mesh: Mesh, path: str | Path, *, force: bool = False) -> MeshFile:
    """Write ``mesh`` (LPS mm) as binary STL, binary PLY, OBJ or 3MF (unit millimetre), atomically.

    Raises
    ------
    MeshOutputExistsError
        If ``path`` exists and ``force`` is false.
    MeshFileError
        For an unsupported suffix, a missing folder, or a failed write (nothing is left at ``path`` then).
    """
    target = Path(path)
    suffix = mesh_suffix(target)
    if target.exists() and not force:
        raise MeshOutputExistsError(f"output exists: {target} (use --force to replace it)", path=str(target))
    if not target.parent.is_dir():
        raise MeshFileError(f"output folder does not exist: {target.parent}", path=str(target))
    stored = as_stored(mesh)
    data = _encode(stored, suffix)
    try:
        digest = write_atomically(target, lambda temp: temp.write_bytes(data))
    except OSError as exc:
        raise MeshFileError(f"cannot write {target.name}: {exc.strerror or exc}", path=str(target)) from exc
    return MeshFile(target, digest, stored)


def _load(source: Path, suffix: str) -> Any:
    import trimesh  # noqa: PLC0415 - trimesh is imported only where files are read

    try:
        loaded = trimesh.load(str(source), file_type=suffix[1:], process=False, force="mesh")
    except Exception as exc:
        raise MeshFileError(
            f"{source.name} is not a readable {suffix[1:].upper()} mesh ({type(exc).__name__})", path=str(source)
        ) from exc
    return loaded


def read_mesh(path: str | Path, *, suffix: str | None = None) -> Mesh:
    """Read an STL (binary or ASCII), PLY, OBJ or 3MF mesh; coordinates are returned in millimetres.

    ``suffix`` (e.g. ``".stl"``) gives the format of a file whose name does not (a content-addressed artifact).

    Raises
    ------
    MeshFileError
        If the file is missing, of another type, or holds no triangles (e.g. a text file named ``.stl``).
    """
    source = Path(path)
    suffix = mesh_suffix(Path(f"mesh{suffix}") if suffix is not None else source)
    if not source.is_file():
        raise MeshFileError(f"no such file: {source}", path=str(source))
    loaded = _load(source, suffix)
    vertices = np.asarray(getattr(loaded, "vertices", np.zeros((0, 3))), dtype=np.float64)
    faces = np.asarray(getattr(loaded, "faces", np.zeros((0, 3))), dtype=np.int64)
    if faces.ndim != 2 or faces.shape[0] == 0 or vertices.shape[0] == 0:
        raise MeshFileError(f"{source.name} is not a mesh: no triangles found in it", path=str(source))
    if not np.all(np.isfinite(vertices)):
        raise MeshFileError(f"{source.name} has vertices that are not finite numbers", path=str(source))
    units = getattr(loaded, "units", None)
    if units is not None and str(units).lower() not in _UNIT_SCALE:
        raise MeshFileError(f"{source.name} uses unit {units!r}, which DVW does not convert", path=str(source))
    scale = _UNIT_SCALE.get(str(units).lower(), 1.0) if units is not None else 1.0
    mesh = Mesh(vertices * scale if scale != 1.0 else vertices, faces)
    return merge_vertices(mesh) if suffix == ".stl" else mesh
