"""Limits on the mesh files DVW reads, checked from what each file declares before it is parsed.

A mesh file from outside (a design from CAD, a file handed over by a hospital) is parsed by trimesh, whose readers
trust the file: a binary STL or PLY header may declare more triangles than the file holds, and a 3MF file is a zip
archive whose model may expand 1,000-fold (a 1 MB file holding a 1 GiB model took 2.2 GB of memory) or instance one
object thousands of times (2,000 instances of a 20,000-triangle object ran out of memory; 2^24 instances declared
through nested components were read as 628 triangles). (OBJ texture and normal references, which made trimesh
allocate gigabytes, are not parsed at all: see :func:`geometry.io.read_mesh`.)

:func:`check_mesh_file` refuses such a file with :class:`MeshFileError` (bad input: exit 2 on the command line, one
line naming the file) from the numbers it declares (its size, header counts, the archive's directory and compression
ratios, the model's structure), so that what is parsed afterwards needs memory in proportion to the bytes present.

The limits are far above any real device or anatomy mesh (a skull at full CT resolution is 2-5 M triangles) and
far below what would exhaust a workstation's memory.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from geometry.errors import MeshFileError

#: The largest mesh file read (bytes).
MAX_FILE_BYTES = 1 << 30
#: The most text parsed from one file (bytes): an ASCII STL or PLY, an OBJ, a 3MF archive's content uncompressed.
#: The text readers hold several times the text's size while parsing it.
MAX_TEXT_BYTES = 512 << 20
#: The most triangles (after a 3MF file's instances are expanded) and vertices a file may hold.
MAX_TRIANGLES = 20_000_000
MAX_VERTICES = 20_000_000
#: A 3MF archive: at most this many entries, and no entry larger than 1 MiB compressed more than this ratio (a
#: mesh model's XML compresses about 5:1; a zip bomb 1,000:1).
MAX_ARCHIVE_ENTRIES = 1_000
MAX_COMPRESSION_RATIO = 50.0
_RATIO_MIN_BYTES = 1 << 20
#: A 3MF model: at most this many object instances (build items times component paths), and components nested at
#: most this deep.
MAX_INSTANCES = 10_000
MAX_NESTING = 32
#: The most bytes of a PLY header.
MAX_PLY_HEADER_BYTES = 64 * 1024

_STL_HEADER = 84
_STL_TRIANGLE = 50
_PLY_SIZES = {
    "char": 1,
    "int8": 1,
    "uchar": 1,
    "uint8": 1,
    "short": 2,
    "int16": 2,
    "ushort": 2,
    "uint16": 2,
    "int": 4,
    "int32": 4,
    "uint": 4,
    "uint32": 4,
    "float": 4,
    "float32": 4,
    "double": 8,
    "float64": 8,
}


def _refuse(source: Path, message: str) -> MeshFileError:
    return MeshFileError(f"{source}: {message}", path=str(source))


def check_mesh_file(source: Path, suffix: str) -> None:
    """Refuse ``source`` (a ``suffix`` mesh file) when what it declares exceeds the limits or the bytes it holds.

    Raises
    ------
    MeshFileError
        When the file is too large, declares more triangles or vertices than it holds or than the limits allow,
        or (3MF) is not a readable zip archive, expands too far, or instances its objects too often.
    """
    try:
        size = source.stat().st_size
        with open(source, "rb") as fp:
            head = fp.read(MAX_PLY_HEADER_BYTES)
    except OSError as exc:
        raise _refuse(source, f"cannot be read ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise _refuse(source, f"is {size} bytes, more than the {MAX_FILE_BYTES} bytes DVW reads from a mesh file")
    if suffix == ".stl":
        _check_stl(source, size, head)
    elif suffix == ".ply":
        _check_ply(source, size, head)
    elif suffix == ".obj":
        _check_text(source, size, "OBJ")
    elif suffix == ".3mf":
        _check_3mf(source)


def stl_is_binary(size: int, head: bytes) -> bool:
    """Whether an STL file of ``size`` bytes starting with ``head`` is binary: its size is what its count needs."""
    return size >= _STL_HEADER and size == _STL_HEADER + _STL_TRIANGLE * int.from_bytes(head[80:84], "little")


def _check_stl(source: Path, size: int, head: bytes) -> None:
    if stl_is_binary(size, head):
        count = (size - _STL_HEADER) // _STL_TRIANGLE
        if count > MAX_TRIANGLES:
            raise _refuse(source, f"declares {count} triangles, more than the {MAX_TRIANGLES} DVW reads")
        return
    if head.lstrip()[:5].lower() == b"solid":
        _check_text(source, size, "ASCII STL")
        return
    if size < _STL_HEADER:
        raise _refuse(source, f"is not an STL mesh: {size} bytes, shorter than a binary STL header (84 bytes)")
    count = int.from_bytes(head[80:84], "little")
    raise _refuse(
        source,
        f"is not a readable STL mesh: its header declares {count} triangles ({_STL_HEADER + _STL_TRIANGLE * count} "
        f"bytes) but the file holds {size} bytes, and it is not ASCII STL",
    )


def _check_text(source: Path, size: int, kind: str) -> None:
    if size > MAX_TEXT_BYTES:
        raise _refuse(source, f"is {size} bytes of {kind} text, more than the {MAX_TEXT_BYTES} bytes DVW parses")


@dataclass(frozen=True)
class _PlyElement:
    name: str
    count: int
    fixed_bytes: int  # bytes of a row's scalar properties and list counts (a list may be empty)
    properties: int


def _ply_header(source: Path, head: bytes) -> tuple[str, list[_PlyElement], int]:
    """The format, the elements and the header's length (bytes) of a PLY file starting with ``head``."""
    end = head.find(b"end_header")
    if not head.startswith(b"ply") or end < 0:
        raise _refuse(source, f"is not a PLY mesh: no 'ply' ... 'end_header' header in its first {len(head)} bytes")
    newline = head.find(b"\n", end)
    try:
        lines = head[:end].decode("ascii").splitlines()
    except UnicodeDecodeError:
        raise _refuse(source, "is not a PLY mesh: its header is not ASCII text") from None
    encoding = ""
    elements: list[_PlyElement] = []
    for number, raw in enumerate(lines[1:], start=2):
        words = raw.split()
        if not words or words[0] in {"comment", "obj_info"}:
            continue
        scalar = len(words) == 3 and words[1] in _PLY_SIZES
        listed = len(words) == 5 and words[1] == "list" and words[2] in _PLY_SIZES and words[3] in _PLY_SIZES
        if words[0] == "format" and len(words) >= 2:
            encoding = words[1]
        elif words[0] == "element" and len(words) == 3 and words[2].isdigit():
            elements.append(_PlyElement(words[1], int(words[2]), 0, 0))
        elif words[0] == "property" and elements and (scalar or listed):
            last = elements[-1]
            size = _PLY_SIZES[words[1] if scalar else words[2]]
            elements[-1] = _PlyElement(last.name, last.count, last.fixed_bytes + size, last.properties + 1)
        else:
            raise _refuse(source, f"is not a readable PLY mesh: header line {number} is {raw.strip()[:60]!r}")
    if encoding not in {"ascii", "binary_little_endian", "binary_big_endian"}:
        raise _refuse(source, f"is not a readable PLY mesh: unknown format {encoding[:40] or '(none)'!r}")
    return encoding, elements, newline + 1 if newline >= 0 else len(head)


def _check_ply(source: Path, size: int, head: bytes) -> None:
    encoding, elements, header_bytes = _ply_header(source, head)
    limits = {"vertex": MAX_VERTICES, "face": MAX_TRIANGLES}
    for element in elements:
        limit = limits.get(element.name)
        if limit is not None and element.count > limit:
            raise _refuse(source, f"declares {element.count} {element.name} elements, more than the {limit} DVW reads")
    # Every row needs its scalars and list counts in binary, and at least two characters a value in ASCII.
    if encoding == "ascii":
        _check_text(source, size, "ASCII PLY")
        needed = sum(element.count * 2 * element.properties for element in elements)
    else:
        needed = sum(element.count * element.fixed_bytes for element in elements)
    if needed > size - header_bytes:
        declared = ", ".join(f"{element.count} {element.name[:20]}" for element in elements)
        raise _refuse(
            source,
            f"declares {declared} elements, which need at least {needed} bytes, but it holds {size - header_bytes} "
            "after its header",
        )


# ---------------------------------------------------------------------------------------------------------- 3MF


@dataclass
class _Model:
    """What a 3MF model part declares: per object its triangle count and components, and the build items."""

    triangles: dict[str, int] = field(default_factory=dict)
    vertices: dict[str, int] = field(default_factory=dict)
    components: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    items: list[str] = field(default_factory=list)


_LOCAL = re.compile(r"^(?:\{[^}]*\})?")


def _local(tag: Any) -> str:
    return _LOCAL.sub("", tag) if isinstance(tag, str) else ""


def _scan_model(stream: IO[bytes]) -> _Model:
    """The objects, components and build items of a 3MF model part (vertices and triangles are counted, not read).

    Raises ``lxml.etree.XMLSyntaxError`` for XML lxml refuses (including nesting deeper than 256 levels and text
    nodes over 10 MB: ``huge_tree`` is off).
    """
    # lxml (trimesh's XML parser) is imported only when a 3MF file is read; it has no type stubs here.
    etree: Any = importlib.import_module("lxml.etree")
    model = _Model()
    current: str | None = None
    tags = ("{*}object", "{*}component", "{*}item", "{*}vertices", "{*}triangles")
    parser = etree.iterparse(
        stream,
        events=("start", "end"),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
    )
    for event, element in parser:
        name = _local(element.tag)
        if event == "start":
            if name == "object":
                current = str(element.get("id"))
                model.triangles.setdefault(current, 0)
                model.vertices.setdefault(current, 0)
            elif name == "component" and current is not None:
                path = next((str(v).strip("/") for k, v in element.attrib.items() if str(k).endswith("path")), None)
                model.components.setdefault(current, []).append((str(element.get("objectid")), path))
            elif name == "item":
                model.items.append(str(element.get("objectid")))
            continue
        if name in {"vertices", "triangles"} and current is not None:
            counts = model.vertices if name == "vertices" else model.triangles
            counts[current] += len(element)
            element.clear()
        elif name == "object":
            current = None
            element.clear()
    return model


def _check_3mf(source: Path) -> None:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _refuse(source, f"is not a readable 3MF file: not a zip archive ({exc})") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ARCHIVE_ENTRIES:
            raise _refuse(
                source, f"holds {len(entries)} archive entries, more than the {MAX_ARCHIVE_ENTRIES} DVW reads"
            )
        total = 0
        for entry in entries:
            total += entry.file_size
            ratio = entry.file_size / max(entry.compress_size, 1)
            if entry.file_size > _RATIO_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
                raise _refuse(
                    source,
                    f"entry {entry.filename[:80]!r} expands {ratio:.0f}-fold ({entry.compress_size} -> "
                    f"{entry.file_size} bytes), more than the {MAX_COMPRESSION_RATIO:.0f}-fold DVW accepts",
                )
        if total > MAX_TEXT_BYTES:
            raise _refuse(source, f"expands to {total} bytes, more than the {MAX_TEXT_BYTES} bytes DVW reads")
        names = [entry.filename for entry in entries]
        root = next((name for name in names if "3d/3dmodel.model" in name.lower()), None)
        if root is None:
            raise _refuse(source, "is not a 3MF mesh: it holds no 3D/3dmodel.model")
        parts: dict[str, _Model] = {}
        try:
            for name in names:
                if name.lower().endswith(".model"):
                    with archive.open(name) as stream:
                        parts[name] = _scan_model(stream)  # zipfile stops at the declared size
        except Exception as exc:  # noqa: BLE001 - zlib, zip and XML errors alike: the archive is not readable
            raise _refuse(source, f"is not a readable 3MF file ({type(exc).__name__}: {str(exc)[:120]})") from None
    _check_instances(source, root, parts)


def _check_instances(source: Path, root: str, parts: dict[str, _Model]) -> None:
    """Refuse a model whose build, with its components expanded, holds too many triangles or instances.

    trimesh expands every path from a build item through components to an object with a mesh into a copy of that
    mesh; a component naming another model part (``path``) is replaced by every mesh of that part.
    """
    model = parts[root]
    memo: dict[str, tuple[int, int, int]] = {}
    part_totals = {
        name.strip("/").lower(): (sum(p.triangles.values()), sum(p.vertices.values())) for name, p in parts.items()
    }

    def expand(object_id: str, depth: int, stack: frozenset[str]) -> tuple[int, int, int]:
        """(triangles, vertices, instances) of one instance of ``object_id``."""
        if object_id in memo:
            return memo[object_id]
        if object_id in stack:
            raise _refuse(source, f"is not a readable 3MF mesh: object {object_id[:40]!r} contains itself")
        if depth > MAX_NESTING:
            raise _refuse(source, f"nests its components more than {MAX_NESTING} deep")
        triangles = model.triangles.get(object_id, 0)
        vertices = model.vertices.get(object_id, 0)
        instances = 1
        for child, path in model.components.get(object_id, []):
            if path is not None:
                child_triangles, child_vertices = part_totals.get(path.lower(), (0, 0))
                child_instances = 1
            else:
                child_triangles, child_vertices, child_instances = expand(child, depth + 1, stack | {object_id})
            triangles += child_triangles
            vertices += child_vertices
            instances += child_instances
            if triangles > MAX_TRIANGLES or vertices > MAX_VERTICES or instances > MAX_INSTANCES:
                break
        memo[object_id] = (triangles, vertices, instances)
        return memo[object_id]

    triangles = vertices = instances = 0
    for item in model.items:
        item_triangles, item_vertices, item_instances = expand(item, 0, frozenset())
        triangles += item_triangles
        vertices += item_vertices
        instances += item_instances
        if instances > MAX_INSTANCES:
            raise _refuse(source, f"instances its objects more than {MAX_INSTANCES} times")
        if triangles > MAX_TRIANGLES or vertices > MAX_VERTICES:
            raise _refuse(
                source,
                f"holds more than {MAX_TRIANGLES} triangles or {MAX_VERTICES} vertices with its instances expanded",
            )
