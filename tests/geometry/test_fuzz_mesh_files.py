"""Fuzzing every command that reads a mesh file: bad input is exit 2 with one line naming the file, never a bug.

Hypothesis writes mesh files of every format DVW reads, each either generated from its parts (binary and ASCII STL
with any triangle count in the header, ASCII and binary PLY with any element counts, property types and list
lengths, OBJ with any statements and face references, 3MF archives with any model XML: units, objects, components,
build items, transforms, deep nesting, entity declarations, bad zip members) with numbers drawn from valid values,
NaN, infinities, huge and tiny values and non-numeric tokens, and indices drawn from valid ones, zero, negative,
out-of-range and huge ones; or mutated from a valid file DVW wrote (truncated, bytes flipped, inserted, deleted,
chunks repeated, counts and tokens replaced). Each file goes through the commands that read meshes, in process
through :func:`app.cli.main`: ``dvw mesh-info FILE --json`` and ``dvw measure --design FILE --anatomy FILE --out
... --json``.

Exit 1 (an internal error) and a traceback anywhere are failures; so is an exit-2 message that is not one line
naming the file, or ``--json`` output that is not one JSON object (with the documented error object on exit 2).
``DVW_FUZZ_EXAMPLES`` sets the number of examples per format (default 1,000).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np
import pytest
import trimesh
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import app.cli
from app.cli import main
from geometry.io import write_mesh
from geometry.mesh import Mesh

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("DVW_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
#: Exit codes a mesh-reading command may give: ok, bad input, out of envelope, indeterminate. Never 1.
ALLOWED_EXITS = {0, 2, 3, 4}

# ----------------------------------------------------------------------------------------------------------------
# Running the commands in process
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def _run(*argv: str) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return Outcome(code, out.getvalue(), err.getvalue())


def _no_constant(name: str) -> Any:
    raise AssertionError(f"--json printed {name}, which is not JSON")


def _crash_log(outcome: Outcome) -> str:
    """The traceback an internal error logged, if its message names the log file."""
    marker = "(details in "
    if marker not in outcome.err:
        return ""
    logged = Path(outcome.err.split(marker, 1)[1].split(")", 1)[0])
    return logged.read_text(encoding="utf-8")[-3000:] if logged.is_file() else ""


def _assert_sane(outcome: Outcome, path: Path, argv: tuple[str, ...]) -> None:
    context = f"{argv}: exit {outcome.code}\nstdout: {outcome.out[:2000]}\nstderr: {outcome.err[:2000]}"
    context += _crash_log(outcome)
    assert outcome.code in ALLOWED_EXITS, context
    assert "Traceback" not in outcome.out, context
    assert "Traceback" not in outcome.err, context
    payload = json.loads(outcome.out, parse_constant=_no_constant)  # exactly one JSON object, no NaN
    assert isinstance(payload, dict), context
    if outcome.code != 2:
        return
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, context
    assert lines[0].startswith("dvw: error: "), context
    assert str(path) in lines[0], context
    error = payload["error"]
    assert set(error) >= {"code", "message", "path"}, context
    assert error["path"] == str(path), context


class Case:
    """Where the generated files are written, and the valid files the mutations start from."""

    def __init__(self, folder: Path, seeds: dict[str, bytes]) -> None:
        self.folder, self.seeds = folder, seeds

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example: keep it short
        return f"Case({self.folder})"


def _box(x: float, y: float, z: float) -> Mesh:
    corners = np.array([[i * x, j * y, k * z] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=np.float64)
    faces = [(0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1)]
    faces += [(2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3)]
    return Mesh(corners + np.array([-20.0, 10.0, 5.0]), np.array(faces, dtype=np.int64))


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    """Valid seed files of every kind; crash logs (there should be none) go to the test's folder.

    The command-line parser is built once (``dvw`` builds it on every call, which would take most of the time
    here); each call still parses its arguments afresh.
    """
    folder = tmp_path_factory.mktemp("fuzz-mesh")
    box = _box(10.0, 8.0, 4.0)
    seeds = {}
    for suffix in (".stl", ".ply", ".obj", ".3mf"):
        written = write_mesh(box, folder / f"seed{suffix}")
        seeds[suffix] = written.path.read_bytes()
    stored = box.to_trimesh()
    seeds["ascii.stl"] = trimesh.exchange.stl.export_stl_ascii(stored).encode("ascii")
    seeds["ascii.ply"] = trimesh.exchange.ply.export_ply(stored, encoding="ascii")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(folder / "state"))
        patch.setattr(app.cli, "build_parser", functools.cache(app.cli.build_parser))
        yield Case(folder, seeds)


def _check_file(case: Case, suffix: str, data: bytes) -> None:
    path = case.folder / f"fuzzed{suffix}"
    path.write_bytes(data)
    out = case.folder / "params.json"
    commands = (
        ("mesh-info", str(path), "--json"),
        ("measure", "--design", str(path), "--anatomy", str(path), "--out", str(out), "--force", "--json"),
    )
    for argv in commands:
        outcome = _run(*argv)
        event(f"{argv[0]}: exit {outcome.code}")
        _assert_sane(outcome, path, argv)


# ----------------------------------------------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------------------------------------------

JUNK = ("nan", "NaN", "inf", "-inf", "1e999", "-1e999", "1e-999", "abc", "0x1F", "1,5", "--1", "\u0663", "1e", "+", ".")
COORDINATE = st.one_of(
    st.integers(-50, 50).map(float),
    st.floats(-100.0, 100.0, allow_nan=False),
    st.floats(width=32),
    st.sampled_from([0.0, -0.0, 1e-45, 3.4e38, -3.4e38, 1e30, 1e7, float("nan"), float("inf"), float("-inf")]),
)
TOKEN = st.one_of(COORDINATE.map(repr), COORDINATE.map(lambda v: f"{v:g}"), st.sampled_from(JUNK))
INDEX = st.one_of(
    st.integers(0, 12),
    st.integers(-12, -1),
    st.sampled_from([2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**63 - 1, 10**11, -(2**31), -(10**11)]),
)


@st.composite
def _mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few byte-level edits: truncation, flips, insertions, deletions, repeated chunks."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        edit = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "repeat", "replace"]))
        if edit == "truncate":
            del data[at:]
        elif edit == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif edit == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif edit == "repeat":
            chunk = bytes(data[at : at + draw(st.integers(1, 200))])
            data[at:at] = chunk * draw(st.integers(1, 20))
        else:
            data[at : at + 4] = draw(st.binary(min_size=4, max_size=4))
    return bytes(data)


@st.composite
def _token_mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """A text file with some of its words replaced by numbers, indices or junk."""
    words = seed.split(b" ")
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(words) - 1))
        token = draw(st.one_of(TOKEN, INDEX.map(str)))
        tail = b"\n" if words[at].endswith(b"\n") else b""
        words[at] = token.encode("utf-8") + tail
    return b" ".join(words)


# ----------------------------------------------------------------------------------------------------------------
# STL
# ----------------------------------------------------------------------------------------------------------------


@st.composite
def _binary_stl(draw: st.DrawFn) -> bytes:
    count = draw(st.integers(0, 12))
    declared = draw(
        st.one_of(st.just(count), st.integers(0, 2**32 - 1), st.sampled_from([count + 1, max(count - 1, 0), 2**32 - 1]))
    )
    header = draw(st.sampled_from([b"\0" * 80, b"solid dvw".ljust(80, b" "), b"binary".ljust(80, b"\xff")]))
    body = bytearray(header + struct.pack("<I", declared))
    corners = draw(st.lists(COORDINATE, min_size=3, max_size=9))
    for _ in range(count):
        values = [draw(st.sampled_from(corners)) for _ in range(12)]
        body += struct.pack("<12fH", *np.asarray(values, dtype=np.float32).tolist(), draw(st.integers(0, 65535)))
    body += draw(st.binary(max_size=draw(st.sampled_from([0, 0, 3, 49, 50]))))
    return bytes(body)


@st.composite
def _ascii_stl(draw: st.DrawFn) -> bytes:
    lines = [f"solid {draw(st.sampled_from(['', 'dvw', 'endsolid', 'facet']))}"]
    for _ in range(draw(st.integers(0, 10))):
        lines.append(f" facet normal {' '.join(draw(st.lists(TOKEN, min_size=0, max_size=4)))}")
        lines.append("  outer loop")
        for _ in range(draw(st.integers(0, 4))):
            lines.append(f"   vertex {' '.join(draw(st.lists(TOKEN, min_size=0, max_size=4)))}")
        lines += ["  endloop", " endfacet"]
        if draw(st.integers(0, 20)) == 0:
            lines.append(draw(st.sampled_from(["endsolid", "solid again", "vertex", "facet"])))
    if draw(st.booleans()):
        lines.append("endsolid dvw")
    return "\n".join(lines).encode("utf-8")


def _stl_files(case: Case) -> st.SearchStrategy[bytes]:
    return st.one_of(
        _binary_stl(),
        _ascii_stl(),
        _mutated(case.seeds[".stl"]),
        _mutated(case.seeds["ascii.stl"]),
        _token_mutated(case.seeds["ascii.stl"]),
    )


# ----------------------------------------------------------------------------------------------------------------
# PLY
# ----------------------------------------------------------------------------------------------------------------

PLY_TYPES = {
    "char": "b",
    "uchar": "B",
    "short": "h",
    "ushort": "H",
    "int": "i",
    "uint": "I",
    "float": "f",
    "double": "d",
}


def _pack(code: str, value: Any, order: str) -> bytes:
    if code in "fd":
        return struct.pack(order + code, float(value))
    bits = struct.calcsize(code) * 8
    signed = code.islower()
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    number = int(value) if np.isfinite(float(value)) else 0
    return struct.pack(order + code, min(max(number, low), high))


@st.composite
def _ply(draw: st.DrawFn) -> bytes:
    # Half the files are well formed but for their values (so that the measurements run), half are not.
    clean = draw(st.booleans())
    valid_encodings = ["ascii", "binary_little_endian", "binary_big_endian"]
    encoding = draw(st.sampled_from(valid_encodings if clean else [*valid_encodings, "binary", "ascii 2.0"]))
    order = ">" if "big" in encoding else "<"
    coordinate_type = draw(st.sampled_from(["float", "double"] if clean else ["float", "double", "int", "uchar"]))
    count_type = draw(st.sampled_from(["uchar"] if clean else ["uchar", "int", "uint", "char", "ushort"]))
    index_type = draw(st.sampled_from(["int", "uint"] if clean else ["int", "uint", "uchar", "short", "float"]))
    vertices = draw(st.integers(3 if clean else 0, 10))
    faces = draw(st.integers(1 if clean else 0, 10))
    declared_vertices = vertices if clean else draw(st.one_of(st.just(vertices), st.integers(0, 2**40)))
    declared_faces = faces if clean else draw(st.one_of(st.just(faces), st.integers(0, 2**40), st.just(faces + 3)))
    axes = ("x", "y", "z") if clean else draw(st.sampled_from([("x", "y", "z"), ("x", "y")]))
    header = ["ply", f"format {encoding} 1.0", "comment TextureFile texture.png", f"element vertex {declared_vertices}"]
    header += [f"property {coordinate_type} {axis}" for axis in axes]
    header += [f"element face {declared_faces}", f"property list {count_type} {index_type} vertex_indices"]
    if not clean and draw(st.integers(0, 10)) == 0:
        header.append(draw(st.sampled_from(["element", "property float", "property list uchar", "element face -1"])))
    header.append("end_header")
    body = bytearray("\n".join(header).encode("ascii") + b"\n")
    ascii_rows = encoding.startswith("ascii")
    coordinate = st.integers(-20, 20).map(float) if clean else COORDINATE
    index = st.integers(0, vertices - 1) if clean else INDEX
    for _ in range(vertices):
        values = [draw(coordinate) for _ in range(len(axes))]
        if ascii_rows:
            body += (
                " ".join(repr(v) if clean else draw(st.one_of(st.just(repr(v)), TOKEN)) for v in values) + "\n"
            ).encode()
        else:
            body += b"".join(_pack(PLY_TYPES.get(coordinate_type, "f"), v, order) for v in values)
    for _ in range(faces):
        corners = draw(st.lists(index, min_size=3 if clean else 0, max_size=3 if clean else 6))
        length = len(corners) if clean else draw(st.one_of(st.just(len(corners)), st.integers(0, 255)))
        if ascii_rows:
            body += (" ".join([str(length), *map(str, corners)]) + "\n").encode("ascii")
        else:
            body += _pack(PLY_TYPES.get(count_type, "B"), length, order)
            body += b"".join(_pack(PLY_TYPES.get(index_type, "i"), c, order) for c in corners)
    return bytes(body)


def _ply_files(case: Case) -> st.SearchStrategy[bytes]:
    return st.one_of(
        _ply(),
        _mutated(case.seeds[".ply"]),
        _mutated(case.seeds["ascii.ply"]),
        _token_mutated(case.seeds["ascii.ply"]),
    )


# ----------------------------------------------------------------------------------------------------------------
# OBJ
# ----------------------------------------------------------------------------------------------------------------


@st.composite
def _obj_reference(draw: st.DrawFn) -> str:
    vertex = draw(INDEX)
    shape = draw(st.sampled_from(["{v}", "{v}/{t}", "{v}//{n}", "{v}/{t}/{n}", "{v}/", "/{t}", "{v}/{t}/"]))
    return shape.format(v=vertex, t=draw(INDEX), n=draw(INDEX))


@st.composite
def _obj(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(["v", "v", "v", "f", "f", "vt", "vn", "o", "g", "usemtl", "mtllib", "s", "l", "#"]))
        if kind in {"v", "vt", "vn"}:
            lines.append(f"{kind} {' '.join(draw(st.lists(TOKEN, min_size=0, max_size=5)))}")
        elif kind == "f":
            lines.append(f"f {' '.join(draw(st.lists(_obj_reference(), min_size=0, max_size=6)))}")
        elif kind == "l":
            lines.append(f"l {' '.join(map(str, draw(st.lists(INDEX, max_size=4))))}")
        else:
            lines.append(f"{kind} {draw(st.sampled_from(['a', 'b.mtl', '../../etc/passwd', '', 'off', '1']))}")
    return "\n".join(lines).encode("utf-8")


def _obj_files(case: Case) -> st.SearchStrategy[bytes]:
    return st.one_of(_obj(), _mutated(case.seeds[".obj"]), _token_mutated(case.seeds[".obj"]))


# ----------------------------------------------------------------------------------------------------------------
# 3MF
# ----------------------------------------------------------------------------------------------------------------

CORE = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Target="/3D/3dmodel.model" Id="rel0" '
    'Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/></Relationships>'
)
BILLION_LAUGHS = (
    '<!DOCTYPE model [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
)


def _attribute(draw: st.DrawFn, value: st.SearchStrategy[Any], clean: bool = False) -> str:
    text = str(draw(value))
    return quoteattr(text) if clean or draw(st.integers(0, 15)) else f'"{text}'  # now and then a broken attribute


@st.composite
def _model_xml(draw: st.DrawFn) -> str:
    # Half the models are well formed but for their values (so that the measurements run), half are not.
    clean = draw(st.booleans())
    objects = draw(st.integers(1 if clean else 0, 4))
    coordinate = st.integers(-20, 20) if clean else TOKEN
    parts = []
    for number in range(1, objects + 1):
        count = draw(st.integers(3 if clean else 0, 8))
        index = st.integers(0, count - 1) if clean else INDEX
        vertices = "".join(
            f"<vertex x={_attribute(draw, coordinate, clean)} y={_attribute(draw, coordinate, clean)} "
            f"z={_attribute(draw, coordinate, clean)}/>"
            for _ in range(count)
        )
        triangles = "".join(
            f"<triangle v1={_attribute(draw, index, clean)} v2={_attribute(draw, index, clean)} "
            f"v3={_attribute(draw, index, clean)}/>"
            for _ in range(draw(st.integers(1 if clean else 0, 8)))
        )
        components = "".join(
            f"<component objectid={_attribute(draw, st.integers(0, objects + 1))}/>"
            for _ in range(0 if clean else draw(st.sampled_from([0, 0, 0, 1, 2])))
        )
        body = f"<mesh><vertices>{vertices}</vertices><triangles>{triangles}</triangles></mesh>"
        if components:
            body = draw(st.sampled_from([f"<components>{components}</components>", body + components]))
        parts.append(
            f"<object id={_attribute(draw, st.sampled_from([number] if clean else [number, number, 0, 'x']), clean)} "
            f'type="model">{body}</object>'
        )
    transform = st.one_of(st.just("1 0 0 0 1 0 0 0 1 0 0 0"), st.lists(TOKEN, min_size=0, max_size=13).map(" ".join))
    items = "".join(
        f"<item objectid={_attribute(draw, st.integers(1, objects) if clean else st.integers(0, objects + 1), clean)}"
        + (f" transform={_attribute(draw, transform)}" if draw(st.booleans()) else "")
        + "/>"
        for _ in range(draw(st.integers(1 if clean else 0, 4)))
    )
    units = ["millimeter"] if clean else ["millimeter", "millimeter", "inch", "micron", "meter", "parsec", ""]
    unit = draw(st.sampled_from(units))
    depth = 0 if clean else draw(st.sampled_from([0, 0, 0, 3, 300, 5000]))
    nested = "<a>" * depth + "</a>" * depth
    doctype = BILLION_LAUGHS if draw(st.integers(0, 20)) == 0 else ""
    laughs = '<metadata name="x">&d;</metadata>' if doctype else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<model unit="{unit}" xmlns="{CORE}">{laughs}'
        f"<resources>{''.join(parts)}{nested}</resources><build>{items}</build></model>"
    )


@st.composite
def _three_mf(draw: st.DrawFn) -> bytes:
    model = draw(_model_xml()).encode("utf-8")
    if draw(st.integers(0, 8)) == 0:
        model = model[: draw(st.integers(0, len(model)))]
    buffer = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        name = draw(st.sampled_from(["3D/3dmodel.model", "3D/3dmodel.model", "3D/other.model", "3d/3DModel.model"]))
        archive.writestr(name, model)
    return buffer.getvalue()


def _three_mf_files(case: Case) -> st.SearchStrategy[bytes]:
    return st.one_of(_three_mf(), _three_mf(), _mutated(case.seeds[".3mf"]), st.binary(max_size=200))


# ----------------------------------------------------------------------------------------------------------------
# The tests
# ----------------------------------------------------------------------------------------------------------------


def test_the_seeds_are_read(case: Case) -> None:
    for suffix, data in case.seeds.items():
        path = case.folder / f"seed-check{Path(suffix).suffix or suffix}"
        path.write_bytes(data)
        outcome = _run("mesh-info", str(path), "--json")
        assert outcome.code == 0, (suffix, outcome.err)
        assert json.loads(outcome.out)["volume_mm3"] == pytest.approx(320.0)


@FUZZ
@given(data=st.data())
def test_fuzz_stl(case: Case, data: st.DataObject) -> None:
    _check_file(case, ".stl", data.draw(_stl_files(case)))


@FUZZ
@given(data=st.data())
def test_fuzz_ply(case: Case, data: st.DataObject) -> None:
    _check_file(case, ".ply", data.draw(_ply_files(case)))


@FUZZ
@given(data=st.data())
def test_fuzz_obj(case: Case, data: st.DataObject) -> None:
    _check_file(case, ".obj", data.draw(_obj_files(case)))


@FUZZ
@given(data=st.data())
def test_fuzz_3mf(case: Case, data: st.DataObject) -> None:
    _check_file(case, ".3mf", data.draw(_three_mf_files(case)))
