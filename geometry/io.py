"""Mesh files: binary STL, PLY, OBJ and 3MF (millimetres, patient LPS), written atomically; read via trimesh.

Exactness ("report what you wrote"): every file holds :func:`geometry.mesh.stored_form` of the mesh given to
:func:`write_mesh`: vertices rounded to float32 (the precision of binary STL and PLY; OBJ and 3MF are written with
enough digits to hold them exactly), coincident vertices merged (STL keeps positions, not vertex numbers), unused
vertices dropped, numbered in the order the triangles first use them. :func:`read_mesh` gives that mesh back
exactly, in every format (an STL file's corners are merged by their exact positions and numbered in the same
order), so the metrics of the mesh written are the metrics ``dvw mesh-info`` finds in the file. A mesh made by
:mod:`geometry.mesh` is already in that form (it is measured at file precision), which ``write_mesh(...,
exact=True)`` checks.

Reading: files from outside are checked against :mod:`geometry.file_limits` before they are parsed (declared
counts against the bytes present, archive expansion, instancing), and every failure becomes a
:class:`~geometry.errors.MeshFileError` naming the file (exit 2 on the command line).
"""

from __future__ import annotations

import io
import logging
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from base.files import write_atomically
from geometry.errors import GeometryError, MeshFileError, MeshOutputExistsError
from geometry.file_limits import check_mesh_file
from geometry.mesh import Mesh, stored_form

MESH_SUFFIXES = (".stl", ".ply", ".obj", ".3mf")
#: Millimetres per unit, for the units a mesh file may declare (3MF: micron, millimeter, centimeter, inch, foot,
#: meter; trimesh's own spellings).
_UNIT_SCALE = {
    "mm": 1.0,
    "millimeter": 1.0,
    "millimeters": 1.0,
    "micron": 0.001,
    "cm": 10.0,
    "centimeter": 10.0,
    "centimeters": 10.0,
    "inch": 25.4,
    "inches": 25.4,
    "foot": 304.8,
    "feet": 304.8,
    "m": 1000.0,
    "meter": 1000.0,
    "meters": 1000.0,
}
#: The farthest a vertex read from a file may be from the origin (mm): a patient frame spans well under a metre;
#: anything beyond 1 km is not a mesh in millimetres (and would overflow the metrics' products of coordinates).
MAX_COORDINATE_MM = 1e6


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
        The mesh as the file holds it (:func:`as_stored`), identical to what :func:`read_mesh` returns.
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
    """``mesh`` as every DVW mesh file holds it (:func:`geometry.mesh.stored_form`); ``mesh`` itself if it is."""
    return stored_form(mesh)


def _obj_bytes(mesh: Mesh) -> bytes:
    out = io.StringIO()
    out.write("# DVW mesh, patient LPS, millimetres\n")
    np.savetxt(out, mesh.vertices, fmt="v %.17g %.17g %.17g")
    np.savetxt(out, mesh.faces + 1, fmt="f %d %d %d")
    return out.getvalue().encode("ascii")


#: A binary STL triangle record: unit normal, three vertices (float32, little-endian), a 16-bit attribute (0).
_STL_RECORD = np.dtype([("normal", "<f4", (3,)), ("vertices", "<f4", (3, 3)), ("attribute", "<u2")])
#: Squared length below which a triangle's normal is written as zeros (a degenerate triangle; trimesh's rule).
_STL_ZERO_NORMAL = 1e-12


def _stl_bytes(mesh: Mesh) -> bytes:
    """Binary STL: an 80-byte header of zeros, the triangle count, one record per triangle (as trimesh writes it).

    Written with numpy alone: importing trimesh only to encode took 0.4-0.6 s of a whole ``dvw mesh`` process.
    Normals are the unit cross products of each triangle's edges (b - a) x (c - b) in float64, as trimesh computes
    them: the bytes are trimesh's own (tests compare them).
    """
    x, y, z = (np.ascontiguousarray(mesh.vertices[:, axis], dtype=np.float64) for axis in range(3))
    i, j, k = (np.ascontiguousarray(mesh.faces[:, corner]) for corner in range(3))
    ux, uy, uz = x[j] - x[i], y[j] - y[i], z[j] - z[i]
    vx, vy, vz = x[k] - x[j], y[k] - y[j], z[k] - z[j]
    normal = np.stack((uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx), axis=1)
    length = np.sqrt(np.einsum("ij,ij->i", normal, normal))
    valid = length > _STL_ZERO_NORMAL
    normal[valid] /= length[valid, None]
    normal[~valid] = 0.0
    records = np.zeros(mesh.n_triangles, dtype=_STL_RECORD)
    records["normal"] = normal
    records["vertices"] = mesh.vertices[mesh.faces]
    count = struct.pack("<I", mesh.n_triangles)
    return bytes(80) + count + records.tobytes()


def _encode(mesh: Mesh, suffix: str) -> bytes:
    if suffix == ".obj":
        return _obj_bytes(mesh)
    if suffix == ".stl":
        return _stl_bytes(mesh)
    data = mesh.to_trimesh().export(file_type=suffix[1:])
    return data.encode("ascii") if isinstance(data, str) else bytes(data)


def write_mesh(mesh: Mesh, path: str | Path, *, force: bool = False, exact: bool = False) -> MeshFile:
    """Write ``mesh`` (LPS mm) as binary STL, binary PLY, OBJ or 3MF (unit millimetre), atomically.

    The file holds :func:`as_stored` of ``mesh`` (float32 vertices, coincident ones merged, unused ones dropped),
    which :func:`read_mesh` reads back exactly; :attr:`MeshFile.mesh` is that mesh.

    Parameters
    ----------
    mesh
        The surface, LPS mm.
    path
        The file to write; its suffix (.stl, .ply, .obj, .3mf) picks the format.
    force
        Replace an existing file.
    exact
        Require the file to hold ``mesh`` itself, so that metrics measured on ``mesh`` are the file's (a mesh from
        :mod:`geometry.mesh` is at file precision already); anything else is a bug in the caller.

    Raises
    ------
    MeshOutputExistsError
        If ``path`` exists and ``force`` is false.
    MeshFileError
        For an unsupported suffix, a missing folder, a mesh without triangles, a vertex beyond float32's range, or
        a failed write (nothing is left at ``path`` then).
    ValueError
        With ``exact``, when ``mesh`` is not already as a file stores it.
    """
    target = Path(path)
    suffix = mesh_suffix(target)
    if target.exists() and not force:
        raise MeshOutputExistsError(f"output exists: {target} (use --force to replace it)", path=str(target))
    if not target.parent.is_dir():
        raise MeshFileError(f"output folder does not exist: {target.parent}", path=str(target))
    try:
        stored = as_stored(mesh)
    except GeometryError as exc:
        raise MeshFileError(f"cannot write {target}: {exc.message}", path=str(target)) from None
    if stored.n_triangles == 0:  # read_mesh refuses such a file: nothing is written that DVW cannot read back
        raise MeshFileError(f"cannot write {target}: the mesh has no triangles", path=str(target))
    if exact and stored is not mesh:
        raise ValueError(
            f"the mesh to write as {target.name} is not at file precision: what the file holds would differ from "
            "what was measured"
        )
    data = _encode(stored, suffix)
    try:
        digest = write_atomically(target, lambda temp: temp.write_bytes(data))
    except OSError as exc:
        raise MeshFileError(f"cannot write {target.name}: {exc.strerror or exc}", path=str(target)) from exc
    return MeshFile(target, digest, stored)


def _quiet_trimesh() -> None:
    """Keep trimesh's log records off stderr when the application configured no logging (one line per error)."""
    logger = logging.getLogger("trimesh")
    if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
        logger.addHandler(logging.NullHandler())


def _without_attribute_indices(data: bytes) -> bytes:
    """OBJ text with the texture and normal references of its faces (``f 1/2/3 ...``) removed.

    DVW reads positions only; trimesh splits vertices by the texture and normal indices a face names and sizes its
    tables by the largest of them (``trimesh.load`` of a 100-byte file naming texture coordinate 99,999,999,999
    took 1.1-2.1 GB). Slashes appear in no other statement DVW reads (vertices are numbers).
    """
    return re.sub(rb"/[^\s]*", b"", data) if b"/" in data else data


def _load(source: Path, suffix: str) -> Any:
    import trimesh  # noqa: PLC0415 - trimesh is imported only where files are read

    _quiet_trimesh()
    try:
        if suffix in {".stl", ".3mf"}:  # nothing outside the file is read
            return trimesh.load(str(source), file_type=suffix[1:], process=False, force="mesh")
        # PLY and OBJ are parsed from memory, so that no texture or material file beside them is opened.
        data = source.read_bytes()
        if suffix == ".obj":
            data = _without_attribute_indices(data)
        return trimesh.load(io.BytesIO(data), file_type=suffix[1:], process=False, force="mesh")
    except MemoryError:
        raise MeshFileError(f"{source} is too large to read in the memory available", path=str(source)) from None
    except Exception as exc:  # noqa: BLE001 - any failure of a parser on a bad file is bad input, not a bug
        raise MeshFileError(
            f"{source} is not a readable {suffix[1:].upper()} mesh ({type(exc).__name__})", path=str(source)
        ) from None


def _has_area(mesh: Mesh) -> bool:
    """Whether any triangle of ``mesh`` has an area (its corners are not all on one line)."""
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    return bool(np.any(np.cross(b - a, c - a) != 0.0))


def read_mesh(path: str | Path, *, suffix: str | None = None) -> Mesh:
    """Read an STL (binary or ASCII), PLY, OBJ or 3MF mesh; coordinates are returned in millimetres.

    ``suffix`` (e.g. ``".stl"``) gives the format of a file whose name does not (a content-addressed artifact). A
    file DVW wrote is read back exactly as :attr:`MeshFile.mesh`; an STL file's corners are merged by their exact
    positions into vertices numbered in the order the triangles first use them.

    Raises
    ------
    MeshFileError
        If the file is missing, of another type, beyond the limits of :mod:`geometry.file_limits`, not parseable,
        holds no triangles (e.g. a text file named ``.stl``) or only triangles without area, refers to vertices it
        does not have, or has vertices that are not finite or farther than :data:`MAX_COORDINATE_MM` from the
        origin.
    """
    source = Path(path)
    suffix = mesh_suffix(Path(f"mesh{suffix}") if suffix is not None else source)
    if not source.is_file():
        raise MeshFileError(f"no such file: {source}", path=str(source))
    check_mesh_file(source, suffix)
    loaded = _load(source, suffix)
    try:
        vertices = np.asarray(getattr(loaded, "vertices", np.zeros((0, 3))), dtype=np.float64)
        faces = np.asarray(getattr(loaded, "faces", np.zeros((0, 3))), dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        message = f"{source} is not a mesh: its vertices or triangles are not numbers"
        raise MeshFileError(message, path=str(source)) from None
    if faces.ndim != 2 or faces.shape[0] == 0 or vertices.ndim != 2 or vertices.shape[0] == 0:
        raise MeshFileError(f"{source} is not a mesh: no triangles found in it", path=str(source))
    if not np.all(np.isfinite(vertices)):
        raise MeshFileError(f"{source} has vertices that are not finite numbers", path=str(source))
    units = getattr(loaded, "units", None)
    if units is not None and str(units).lower() not in _UNIT_SCALE:
        raise MeshFileError(f"{source} uses unit {str(units)[:40]!r}, which DVW does not convert", path=str(source))
    scale = _UNIT_SCALE.get(str(units).lower(), 1.0) if units is not None else 1.0
    if scale != 1.0:
        vertices = vertices * scale
    farthest = float(np.abs(vertices).max())
    if farthest > MAX_COORDINATE_MM:
        raise MeshFileError(
            f"{source} has a vertex {farthest:.3g} mm from the origin, farther than {MAX_COORDINATE_MM:g} mm: not a "
            "patient-frame mesh in millimetres",
            path=str(source),
        )
    try:
        mesh = Mesh(vertices, faces)
    except GeometryError as exc:
        raise MeshFileError(f"{source} is not a readable mesh: {exc.message}", path=str(source)) from None
    if not _has_area(mesh):
        raise MeshFileError(
            f"{source} holds no surface: all its {mesh.n_triangles} triangles have zero area", path=str(source)
        )
    return stored_form(mesh) if suffix == ".stl" else mesh
