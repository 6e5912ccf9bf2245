"""Mesh files that declare more than they hold, or expand or multiply beyond reason, are refused early (exit 2).

Each bomb is read by ``dvw mesh-info`` in a child process limited to 4 GiB of address space and 120 s, which
reports its peak memory. Before these limits: a 2.4 MB 3MF file holding a 1.1 GB model was decompressed whole and
parsed; a 3MF build instancing a 20,000-triangle object 2,000 times (40 M triangles) ran out of memory; a 3MF file
of 25 objects each using the next one twice (2^24 instances of one triangle, 2 kB) was read as 628 triangles
(trimesh follows only some of the paths); an OBJ face naming texture coordinate 99,999,999,999 made trimesh allocate
2.1 GB; binary STL and PLY headers declaring more than the file holds were refused only as "not readable", without
saying why.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import textwrap
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import geometry.file_limits as limits
from geometry.errors import MeshFileError
from geometry.io import read_mesh, write_mesh
from geometry.mesh import Mesh

ROOT = Path(__file__).resolve().parents[2]
CORE = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
#: The peak memory (MB) a refused file may cost, the interpreter and DVW's libraries included (about 250 MB).
PEAK_MB = 700

_CHILD = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    from app.cli import main
    code = main(["mesh-info", sys.argv[1], "--json"])
    # The peak resident memory of this program (VmHWM starts again at exec; ru_maxrss may keep the parent's).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    try:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM:"))
    except OSError:
        pass
    with open(sys.argv[2], "w") as fp:
        fp.write(str(peak))
    sys.exit(code)
    """
)


@dataclass(frozen=True)
class Outcome:
    code: int
    payload: dict[str, object]
    err: str
    peak_mb: int


def _mesh_info_in_a_child(path: Path) -> Outcome:
    peak = path.with_suffix(".peak")
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), str(peak)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"dvw mesh-info {path.name} did not finish in 120 s")
    payload = json.loads(done.stdout) if done.stdout.strip() else {}
    return Outcome(done.returncode, payload, done.stderr, int(peak.read_text()) if peak.is_file() else -1)


def _assert_refused(outcome: Outcome, path: Path, *words: str) -> None:
    assert outcome.code == 2, outcome.err[-2000:]
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, outcome.err[-2000:]
    assert str(path) in lines[0]
    for word in words:
        assert word in lines[0]
    assert outcome.payload["error"] == {
        "code": "mesh_file",
        "message": lines[0][len("dvw: error: ") :],
        "path": str(path),
    }
    assert 0 < outcome.peak_mb < PEAK_MB, f"peak memory {outcome.peak_mb} MB"


def _zip(path: Path, members: dict[str, bytes]) -> None:
    import zipfile  # noqa: PLC0415

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _model(resources: str, build: str) -> bytes:
    text = f'<?xml version="1.0" encoding="UTF-8"?><model unit="millimeter" xmlns="{CORE}">'
    return (text + f"<resources>{resources}</resources><build>{build}</build></model>").encode("utf-8")


def _mesh_object(number: int, triangles: int) -> str:
    """An object with a strip of ``triangles`` triangles."""
    vertices = "".join(f'<vertex x="{k // 2}" y="{k % 2}" z="0"/>' for k in range(triangles + 2))
    faces = "".join(f'<triangle v1="{k}" v2="{k + 1}" v3="{k + 2}"/>' for k in range(triangles))
    mesh = f"<mesh><vertices>{vertices}</vertices><triangles>{faces}</triangles></mesh>"
    return f'<object id="{number}" type="model">{mesh}</object>'


def _zip_bomb(path: Path, gigabytes: float) -> None:
    """A 3MF file whose model XML is ``gigabytes`` GiB of vertices, compressed about 400-fold.

    Written by hand: after a full flush the deflate stream restarts, so one compressed 1 MiB block repeats.
    """
    head = _model("", "").split(b"<resources>")[0] + b'<resources><object id="1" type="model"><mesh><vertices>'
    tail = b'</vertices><triangles><triangle v1="0" v2="1" v3="2"/></triangles></mesh></object></resources><build>'
    tail += b'<item objectid="1"/></build></model>'
    chunk = b'<vertex x="1" y="2" z="3"/>     ' * (1 << 15)  # 32 bytes x 32768 = 1 MiB
    count = int(gigabytes * 1024)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    data = first + block * count + packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + count * len(chunk) + len(tail)
    name = b"3D/3dmodel.model"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(name), 0) + name
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), size, len(name), 0, 0, 0, 0, 0, 0
    )
    central += name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)


@pytest.mark.slow
def test_a_3mf_zip_bomb_is_refused_from_its_declared_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.3mf"
    _zip_bomb(path, 1.1)
    assert path.stat().st_size < 3_000_000
    _assert_refused(_mesh_info_in_a_child(path), path, "expands", "3D/3dmodel.model")


def test_a_3mf_build_instancing_an_object_too_often_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "instances.3mf"
    items = '<item objectid="1"/>' * 2000
    _zip(path, {"3D/3dmodel.model": _model(_mesh_object(1, 20_000), items)})
    _assert_refused(_mesh_info_in_a_child(path), path, "20000000 triangles")


def test_3mf_components_that_multiply_paths_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "paths.3mf"
    chain = "".join(
        f'<object id="{k}" type="model"><components><component objectid="{k + 1}"/><component objectid="{k + 1}"/>'
        "</components></object>"
        for k in range(1, 25)
    )
    _zip(path, {"3D/3dmodel.model": _model(chain + _mesh_object(25, 2), '<item objectid="1"/>')})
    with pytest.raises(MeshFileError, match="instances its objects more than 10000 times"):
        read_mesh(path)


def test_3mf_components_that_contain_themselves_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "cycle.3mf"
    objects = '<object id="1" type="model"><components><component objectid="2"/></components></object>'
    objects += '<object id="2" type="model"><components><component objectid="1"/></components></object>'
    _zip(path, {"3D/3dmodel.model": _model(objects, '<item objectid="1"/>')})
    with pytest.raises(MeshFileError, match="contains itself"):
        read_mesh(path)


def test_an_obj_face_naming_a_huge_texture_coordinate_is_read_as_a_triangle(tmp_path: Path) -> None:
    path = tmp_path / "texture.obj"
    path.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nf 1/1 2/99999999999 3/1\n", encoding="ascii")
    # DVW reads positions only: the face is a triangle, its texture references are not looked up.
    mesh = read_mesh(path)
    assert mesh.n_triangles == 1
    np.testing.assert_array_equal(mesh.vertices[mesh.faces[0]], [[0, 0, 0], [1, 0, 0], [0, 1, 0]])


@pytest.mark.parametrize("index", ["999999999", "-999999999", "99999999999999999999"])
def test_an_obj_face_naming_a_vertex_it_does_not_have_is_refused(tmp_path: Path, index: str) -> None:
    path = tmp_path / "vertex.obj"
    path.write_text(f"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\nf 1 2 {index}\n", encoding="ascii")
    with pytest.raises(MeshFileError, match=str(path).replace(".", r"\.")):
        read_mesh(path)


def _binary_stl(triangles: int, declared: int) -> bytes:
    rows = b"".join(struct.pack("<12fH", *([0.0, 0.0, 1.0, 0, 0, 0, 1, 0, 0, 0, 1, 0]), 0) for _ in range(triangles))
    return b"\0" * 80 + struct.pack("<I", declared) + rows


def test_an_stl_header_declaring_more_triangles_than_the_file_holds_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.stl"
    path.write_bytes(_binary_stl(1, 2**32 - 1))
    with pytest.raises(MeshFileError, match=r"declares 4294967295 triangles .* holds 134 bytes"):
        read_mesh(path)


def test_more_triangles_than_dvw_reads_are_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.stl"
    path.write_bytes(_binary_stl(12, 12))
    monkeypatch.setattr(limits, "MAX_TRIANGLES", 10)
    with pytest.raises(MeshFileError, match="declares 12 triangles, more than the 10"):
        read_mesh(path)


def _ply(encoding: str, vertices: int, faces: int, body: bytes) -> bytes:
    header = f"ply\nformat {encoding} 1.0\nelement vertex {vertices}\nproperty float x\nproperty float y\n"
    header += f"property float z\nelement face {faces}\nproperty list uchar int vertex_indices\nend_header\n"
    return header.encode("ascii") + body


@pytest.mark.parametrize(
    ("encoding", "vertices", "faces", "words"),
    [
        ("binary_little_endian", 1_000_000, 1, "need at least 12000001 bytes"),
        ("binary_big_endian", 3, 1_000_000, "need at least 1000036 bytes"),
        ("ascii", 3, 1_000_000, "need at least 2000018 bytes"),
        ("binary_little_endian", 4_000_000_000, 1, "4000000000 vertex elements, more than the 20000000"),
    ],
)
def test_ply_counts_beyond_the_file_are_refused(
    tmp_path: Path, encoding: str, vertices: int, faces: int, words: str
) -> None:
    path = tmp_path / "counts.ply"
    if encoding == "ascii":
        body = b"0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n"
    else:
        order = ">" if "big" in encoding else "<"
        body = struct.pack(order + "9f", 0, 0, 0, 1, 0, 0, 0, 1, 0) + struct.pack(order + "B3i", 3, 0, 1, 2)
    path.write_bytes(_ply(encoding, vertices, faces, body))
    with pytest.raises(MeshFileError, match=words):
        read_mesh(path)


def test_files_within_the_limits_are_read(tmp_path: Path) -> None:
    box = Mesh(
        np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float),
        np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]),
    )
    for suffix in (".stl", ".ply", ".obj", ".3mf"):
        written = write_mesh(box, tmp_path / f"tetra{suffix}")
        back = read_mesh(written.path)
        np.testing.assert_array_equal(back.vertices, written.mesh.vertices)
        np.testing.assert_array_equal(back.faces, written.mesh.faces)
