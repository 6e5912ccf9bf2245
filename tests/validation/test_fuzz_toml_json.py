"""Fuzzing every command that reads a user's TOML or JSON file: bad input is exit 2 with one line, never a bug.

Hypothesis writes TOML envelopes (mutations of the bundled sample envelopes, random documents, deep nesting, huge
numbers, wrong types, bad units, bad bytes) and JSON files (mutations of a parameters file written by
``dvw measure``, of a hand-made one covering the sample envelope, of a check's JSON and of patient files, random
documents, deep nesting, huge numbers, repeated keys, bad bytes), and runs each through every command that reads
that format, in process through :func:`app.cli.main`:

- TOML: ``dvw envelope validate FILE`` and ``dvw check --envelope FILE --parameters <valid>``;
- JSON: ``dvw check --envelope <sample> --parameters FILE`` and ``dvw measure --patient FILE --design <box>``.

Exit 1 (an internal error) and a traceback anywhere are failures; so is an exit-2 message that is not one line
naming the file, or ``--json`` output that is not one JSON object with the documented error object.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.cli import main
from geometry.io import write_mesh
from geometry.mesh import Mesh

pytestmark = pytest.mark.slow

ENVELOPES = Path(__file__).resolve().parents[2] / "resources" / "envelopes"
SAMPLE_ENVELOPE = ENVELOPES / "cranial-plate-pekk.toml"
EXAMPLES = 1000
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
#: Exit codes a file-reading command may give: ok, bad input, out of envelope, indeterminate. Never 1.
ALLOWED_EXITS = {0, 2, 3, 4}

# Every measurement the sample envelope names, with a value inside it, so the check reaches every constraint.
FULL_PARAMETERS = {
    "parameters": [
        {"name": "imaging.slice_spacing", "value": 1.0, "unit": "mm"},
        {"name": "imaging.slice_thickness", "value": 1.0, "unit": "mm"},
        {"name": "imaging.pixel_spacing", "value": 0.5, "unit": "mm"},
        {"name": "imaging.gantry_tilt", "value": 0.0, "unit": "degree"},
        {"name": "anatomy.defect_span", "value": 60.0, "unit": "mm"},
        {"name": "anatomy.bone_thickness_min", "value": 4.0, "unit": "mm"},
        {"name": "design.min_wall_thickness", "value": 5.0, "unit": "mm"},
        {"name": "design.extent_max", "value": 90.0, "unit": "mm"},
        {"name": "design.watertight", "value": 1, "unit": "1"},
        {"name": "design.shells", "value": 1, "unit": "1"},
        {"name": "fit.max_gap", "value": 0.2, "unit": "mm"},
        {"name": "fit.max_penetration", "value": 0.1, "unit": "mm"},
        {"name": "fit.contact_area", "value": 900.0, "unit": "mm**2"},
        {"name": "patient.age", "value": 40, "unit": "year"},
        {"name": "patient.weight", "value": 70.5, "unit": "kg"},
        {"name": "mech.max_von_mises", "value": 4.4, "unit": "MPa", "uncertainty": 0.9},
        {"name": "mech.min_safety_factor", "value": 13.7, "unit": "1", "uncertainty": 2.9},
    ],
    "manifest_id": "",
}
PATIENTS = (
    {"age_years": 40, "weight_kg": 70.5},
    {"birth_date": "1980-05-02", "reference_date": "2026-05-01", "weight_kg": 70.5},
)
BAD_UNITS = (
    "",
    " ",
    "mm**1e9",
    "mm**99999999999",
    "km**999999/m**999998",
    "Ym**30/mm**29",
    "9**9**9",
    "mm/0",
    "(mm",
    "mm +",
    "2 mm",
    "mm*1e999",
    "nan*mm",
    "inf",
    "lightyear",
    "parsec",
    "degC",
    "ym",
    "Ym",
    "ym**3/ym**2",
    "mm**0.5**2",
    "mm**(1/3)",
    "1e400*mm/1e400",
    "percent",
    "kg/kg",
    "year/mm*mm",
    "\x00",
    "mm\n",
    "μm",
    "ångström",
)
#: Units of the right kind with extreme sizes, and spellings pint accepts but nobody should write.
ODD_UNITS = (
    "mm",
    "cm",
    "m",
    "km",
    "nm",
    "Ym",
    "ym",
    "inch",
    "lightyear",
    "parsec",
    "km**999999/m**999998",
    "Ym**30/mm**29",
    "ym**30/mm**29",
    "mm**2/mm",
    "Ym**2",
    "ym**3",
    "degree",
    "arcsecond",
    "radian",
    "year",
    "second",
    "kg",
    "Yg",
    "1",
    "percent",
    "ppm",
)
KEYS = (
    "envelope",
    "parameter",
    "constraint",
    "parameters",
    "name",
    "value",
    "unit",
    "min",
    "max",
    "near_limit",
    "required",
    "terms",
    "points",
    "op",
    "bound",
    "type",
    "id",
    "age_years",
    "weight_kg",
    "birth_date",
    "reference_date",
    "inputs_sha256",
    "method",
    "reason",
)
NAMES = (*(p["name"] for p in FULL_PARAMETERS["parameters"]), "anatomy.bone_volume", "design.volume", "x.y")
NUMERIC_KEYS = ("min", "max", "near_limit", "bound", "points", "terms", "unit")


# ----------------------------------------------------------------------------------------------------------------
# Running the command line in process
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


def _assert_sane(outcome: Outcome, as_json: bool, files: tuple[Path, ...], argv: tuple[str, ...]) -> None:
    context = f"{argv}: exit {outcome.code}\nstdout: {outcome.out[:2000]}\nstderr: {outcome.err[:2000]}"
    assert outcome.code in ALLOWED_EXITS, context
    assert "Traceback" not in outcome.out, context
    assert "Traceback" not in outcome.err, context
    if as_json:
        payload = json.loads(outcome.out, parse_constant=_no_constant)  # exactly one JSON object, no NaN
        assert isinstance(payload, dict), context
    if outcome.code != 2:
        return
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, context
    assert lines[0].startswith("dvw: error: "), context
    assert any(str(f) in lines[0] for f in files), context
    if as_json:
        error = payload["error"]
        assert set(error) >= {"code", "message", "path"}, context
        assert error["path"] in {str(f) for f in files}, context
        assert error["path"] in error["message"], context


def _no_constant(name: str) -> Any:
    raise AssertionError(f"--json printed {name}, which is not JSON")


@dataclass(frozen=True)
class Case:
    """The fixed files every example uses."""

    folder: Path
    design: Path
    parameters: Path
    measured: dict[str, Any]
    check: dict[str, Any]


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """A small valid design, a parameters file measured on it, a full one and a check's JSON."""
    folder = tmp_path_factory.mktemp("fuzz")
    design = folder / "box.stl"
    write_mesh(_box(10.0, 10.0, 4.0), design)
    patient = folder / "patient.json"
    patient.write_text(json.dumps(PATIENTS[0]), encoding="utf-8")
    measured_file = folder / "measured.json"
    outcome = _run("measure", "--design", str(design), "--patient", str(patient), "--out", str(measured_file))
    assert outcome.code == 0, outcome.err
    parameters = folder / "full.json"
    parameters.write_text(json.dumps(FULL_PARAMETERS), encoding="utf-8")
    outcome = _run("check", "--envelope", str(SAMPLE_ENVELOPE), "--parameters", str(parameters), "--json")
    assert outcome.code == 0, outcome.err
    return Case(folder, design, parameters, json.loads(measured_file.read_text()), json.loads(outcome.out))


def _box(x: float, y: float, z: float) -> Mesh:
    corners = np.array([[i * x, j * y, k * z] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=np.float64)
    faces = [(0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1)]
    faces += [(2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3)]
    return Mesh(corners, np.array(faces, dtype=np.int64))


# ----------------------------------------------------------------------------------------------------------------
# Values spelt as raw text (what Python cannot write through json.dumps: NaN, 5,000-digit numbers, lone
# surrogates, repeated keys)
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """A token written into the document as it is."""

    text: str


@dataclass(frozen=True)
class Pairs:
    """An object written with its pairs in order, repeats allowed."""

    items: tuple[tuple[str, Any], ...]


def _json_text(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json_text(v)}" for k, v in value.items) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(value)]
    return json.dumps(value)


def _toml_key(key: str) -> str:
    return key if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key) else json.dumps(key)


def _toml_text(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Pairs):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_text(v)}" for k, v in value.items) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_text(v) for v in value) + "]"
    return json.dumps(str(value))


_digits = st.integers(min_value=15, max_value=6000)
_depth = st.integers(min_value=30, max_value=20000)
_raw_numbers = st.one_of(
    _digits.map(lambda n: Raw("9" * n)),
    _digits.map(lambda n: Raw("-1" + "0" * n)),
    _digits.map(lambda n: Raw("0." + "0" * n + "1")),
    st.sampled_from(["1e999", "-1e999", "1e-999", "1e308", "-1.7976931348623157e308", "5e-324", "4.9e-325"]).map(Raw),
    st.sampled_from(["9223372036854775807", "9223372036854775808", "-9223372036854775809", "1E400"]).map(Raw),
)
#: Finite numbers at the edges of a double and of a 64-bit integer.
_extreme = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([1.7976931348623157e308, -1.7976931348623157e308, 5e-324, 1e-300, 1e300, 0.0, -0.0, 1e-12]),
)
_json_specials = st.one_of(
    _raw_numbers,
    st.sampled_from(["NaN", "Infinity", "-Infinity", '"\\ud800"', '"x\\udfff"', '"\\ud83d\\ude00"']).map(Raw),
    _depth.map(lambda n: Raw("[" * n + "]" * n)),
    _depth.map(lambda n: Raw('{"a": ' * n + "1" + "}" * n)),
    st.integers(0, 3).map(lambda _: Pairs((("value", 1), ("value", 2)))),
)
_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(KEYS + NAMES + BAD_UNITS),
    st.sampled_from(["2026-03-02", "0001-01-01", "9999-12-31", "2026-02-30", "1980-05-02T10:00:00+01:00"]),
)
_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
    _json_specials,
)
_json_value = st.recursive(
    _json_leaf,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), kids, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def _mutated(draw: st.DrawFn, seed: Any, values: st.SearchStrategy[Any]) -> Any:
    """``seed`` with one to three of its values (or the whole) replaced, deleted or given a new sibling."""
    doc = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, 3))):
        path: list[Any] = []
        node = doc
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node, key=str) if isinstance(node, dict) else list(range(len(node)))))
            path.append(key)
            node = node[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            if action == "replace":
                doc = draw(values)
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS) | st.text(max_size=6))] = draw(values)
        else:
            parent.insert(path[-1], draw(values))
    return doc


@st.composite
def _byte_mutated(draw: st.DrawFn, text: str) -> bytes:
    """``text`` as UTF-8 with a byte-level change: truncation, inserted bytes, a BOM, UTF-16, padding."""
    data = text.encode("utf-8", errors="surrogatepass")
    where = draw(st.integers(0, len(data)))
    kind = draw(st.sampled_from(["truncate", "insert", "bom", "utf16", "pad", "nul"]))
    if kind == "truncate":
        return data[:where]
    if kind == "insert":
        return data[:where] + draw(st.binary(min_size=1, max_size=8)) + data[where:]
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    if kind == "utf16":
        return text.encode("utf-16", errors="surrogatepass")
    if kind == "pad":  # over every reader's size limit
        return data + b" " * (1024 * 1024 + draw(st.integers(1, 10)))
    return data[:where] + b"\x00" + data[where:]


# ----------------------------------------------------------------------------------------------------------------
# JSON documents
# ----------------------------------------------------------------------------------------------------------------


@st.composite
def _extreme_values(draw: st.DrawFn, seed: Any) -> Any:
    """A parameters or patient seed, well formed, with extreme numbers and odd units."""
    doc = copy.deepcopy(seed)
    if isinstance(doc.get("parameters"), list) and doc["parameters"]:
        for item in draw(st.lists(st.sampled_from(doc["parameters"]), min_size=1, max_size=6)):
            if isinstance(item, dict):
                item["value"] = draw(_extreme)
                if draw(st.booleans()):
                    item["unit"] = draw(st.sampled_from(ODD_UNITS))
    else:
        for key in draw(st.lists(st.sampled_from(["age_years", "weight_kg", "birth_date", "reference_date"]))):
            doc[key] = draw(_extreme | _text)
    return doc


@st.composite
def json_documents(draw: st.DrawFn, seeds: tuple[Any, ...]) -> bytes:
    """A JSON file: a mutated seed, a random document, or a byte-level change of one."""
    kind = draw(st.sampled_from(["mutated", "mutated", "extreme", "extreme", "random", "bytes"]))
    if kind == "random":
        return _json_text(draw(_json_value)).encode("utf-8", errors="surrogatepass")
    if kind == "extreme":
        seed = draw(st.sampled_from(seeds))
        return _json_text(draw(_extreme_values(seed if isinstance(seed, dict) else {}))).encode("utf-8")
    doc = draw(_mutated(draw(st.sampled_from(seeds)), _json_value))
    text = _json_text(doc)
    if kind == "bytes":
        return draw(_byte_mutated(text))
    return text.encode("utf-8", errors="surrogatepass")


def _json_seeds(case: Case) -> tuple[Any, ...]:
    return (case.measured, FULL_PARAMETERS, case.check, *PATIENTS)


# ----------------------------------------------------------------------------------------------------------------
# TOML documents
# ----------------------------------------------------------------------------------------------------------------

_toml_specials = st.one_of(
    _raw_numbers,
    st.sampled_from(
        ["inf", "-inf", "+inf", "nan", "-nan", "0x" + "f" * 17, "0b" + "1" * 70, "0o" + "7" * 30, "1_000", "-0.0"]
    ).map(Raw),
    _digits.map(lambda n: Raw("0x" + "f" * n)),
    st.sampled_from(["2026-03-02", "2026-03-02T10:00:00Z", "10:00:00", "1979-05-27T00:32:00.999999-07:00"]).map(Raw),
    _depth.map(lambda n: Raw("[" * n + "]" * n)),
    _depth.map(lambda n: Raw("{a = " * n + "1" + "}" * n)),
    st.sampled_from(BAD_UNITS),
)
_toml_leaf = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    _text,
    _toml_specials,
)
_toml_value = st.recursive(
    _toml_leaf,
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(min_size=1, max_size=6), kids, max_size=4)
    ),
    max_leaves=10,
)


def _sample_texts() -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8") for path in sorted(ENVELOPES.glob("*.toml")))


ACTIONS = ("value", "number", "number", "number", "unit", "delete", "repeat", "insert")


@st.composite
def _line_mutated(draw: st.DrawFn, text: str, actions: tuple[str, ...] = ACTIONS) -> str:
    """``text`` with one to four lines changed: a value replaced, a line deleted, repeated or inserted."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(actions))
        numeric = [i for i, line in enumerate(lines) if line.split("=", 1)[0].strip() in NUMERIC_KEYS]
        if action == "number" and numeric:
            index = draw(st.sampled_from(numeric))
        else:
            index = draw(st.integers(0, max(len(lines) - 1, 0)))
        line = lines[index] if lines else ""
        key = line.split("=", 1)[0].strip()
        if action == "number" and key == "points":
            width = draw(st.integers(1, 3))
            points = draw(st.lists(st.lists(_extreme, min_size=width, max_size=width), min_size=1, max_size=5))
            lines[index] = f"points = {_toml_text(points)}"
        elif action == "number" and key == "terms":
            names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
            lines[index] = "terms = " + _toml_text({name: draw(_extreme) for name in names})
        elif action == "number" and key in ("min", "max", "near_limit", "bound"):
            lines[index] = f"{key} = {_toml_text(draw(_extreme))}"
        elif action == "number" and key == "unit":
            lines[index] = f"unit = {_toml_text(draw(st.sampled_from(ODD_UNITS)))}"
        elif action in ("value", "number") and "=" in line:
            lines[index] = line.split("=", 1)[0] + "= " + _toml_text(draw(_toml_value))
        elif action == "unit":
            lines.insert(index, "unit = " + _toml_text(draw(st.sampled_from(BAD_UNITS))))
        elif action == "delete" and lines:
            del lines[index]
        elif action == "repeat" and lines:
            lines.insert(index, line)
        else:
            key = draw(st.sampled_from(KEYS) | st.text(min_size=1, max_size=6))
            lines.insert(index, f"{_toml_key(key)} = {_toml_text(draw(_toml_value))}")
    return "\n".join(lines) + "\n"


@st.composite
def _random_envelope(draw: st.DrawFn) -> str:
    """A document of the envelope's shape with random keys and values."""
    parts = ["[envelope]"]
    for key in draw(st.lists(st.sampled_from(KEYS[:17]) | st.sampled_from(("title", "family", "version")))):
        parts.append(f"{_toml_key(key)} = {_toml_text(draw(_toml_value))}")
    for header in draw(st.lists(st.sampled_from(["[[parameter]]", "[[constraint]]", "[envelope]", "[x.y]"]))):
        parts.append(header)
        for key in draw(st.lists(st.sampled_from(KEYS), max_size=6)):
            value = draw(st.sampled_from(NAMES) | _toml_value) if key == "name" else draw(_toml_value)
            parts.append(f"{_toml_key(key)} = {_toml_text(value)}")
    return "\n".join(parts) + "\n"


@st.composite
def _deep_toml(draw: st.DrawFn) -> str:
    n = draw(_depth)
    kind = draw(st.sampled_from(["array", "inline", "dotted", "header", "array-of-tables"]))
    if kind == "array":
        return "x = " + "[" * n + "]" * n + "\n"
    if kind == "inline":
        return "x = " + "{a = " * n + "1" + "}" * n + "\n"
    if kind == "dotted":
        return ".".join(["a"] * n) + " = 1\n"
    if kind == "header":
        return "[" + ".".join(["a"] * n) + "]\nx = 1\n"
    return "[[" + ".".join(["a"] * n) + "]]\nx = 1\n"


@st.composite
def toml_documents(draw: st.DrawFn) -> bytes:
    """A TOML file: a mutated sample envelope, a random or deeply nested document, or a byte-level change."""
    kind = draw(st.sampled_from(["mutated", "mutated", "numbers", "numbers", "random", "deep", "bytes"]))
    if kind == "random":
        text = draw(_random_envelope())
    elif kind == "deep":
        text = draw(_deep_toml())
    elif kind == "numbers":  # still an envelope, with extreme numbers and odd units: the check runs on it
        text = draw(_line_mutated(draw(st.sampled_from(_sample_texts())), ("number",)))
    else:
        text = draw(_line_mutated(draw(st.sampled_from(_sample_texts()))))
    if kind == "bytes":
        return draw(_byte_mutated(text))
    return text.encode("utf-8", errors="surrogatepass")


# ----------------------------------------------------------------------------------------------------------------
# The tests
# ----------------------------------------------------------------------------------------------------------------


def _fuzz_with(
    case: Case, runs: Callable[[Path], list[tuple[str, ...]]], data: bytes, as_json: bool, name: str
) -> None:
    target = case.folder / name
    target.write_bytes(data)
    files = (target, case.parameters, SAMPLE_ENVELOPE)
    for argv in runs(target):
        full = (*argv, "--json") if as_json else argv
        outcome = _run(*full)
        event(f"{' '.join(argv[:2] if argv[0] == 'envelope' else argv[:1])}: exit {outcome.code}")
        _assert_sane(outcome, as_json, files, full)


@FUZZ
@given(data=st.data(), as_json=st.booleans())
def test_fuzz_toml_envelopes(case: Case, data: st.DataObject, as_json: bool) -> None:
    document = data.draw(toml_documents(), label="envelope")

    def runs(envelope: Path) -> list[tuple[str, ...]]:
        return [
            ("envelope", "validate", str(envelope)),
            ("check", "--envelope", str(envelope), "--parameters", str(case.parameters)),
        ]

    _fuzz_with(case, runs, document, as_json, "envelope.toml")


@FUZZ
@given(data=st.data(), as_json=st.booleans())
def test_fuzz_json_parameters_and_patients(case: Case, data: st.DataObject, as_json: bool) -> None:
    document = data.draw(json_documents(_json_seeds(case)), label="json")
    out = case.folder / "measured-out.json"

    def runs(file: Path) -> list[tuple[str, ...]]:
        return [
            ("check", "--envelope", str(SAMPLE_ENVELOPE), "--parameters", str(file)),
            ("measure", "--patient", str(file), "--design", str(case.design), "--out", str(out), "--force"),
        ]

    _fuzz_with(case, runs, document, as_json, "input.json")
