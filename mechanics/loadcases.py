"""Load cases as data: a device family's material, supports and loads, in a TOML file beside its envelope.

Engineering staff write the file; DVW validates it before any analysis, and names every error by file and line
(``FILE:LINE: message``). It is identified by the SHA-256 of its bytes, so a result names exactly which load cases
it used. Every quantity carries its unit in the same string (``"4.1 GPa"``, ``"500 N"``, ``"10 mm"``); a number
without one is refused. The file::

    [load_cases]
    id = "cranial-plate-pekk"             # required, [a-z0-9._-]+
    version = "1.0"                       # required
    family = "cranial_plate"              # required: the device family (as in the envelope)
    title = "..."                         # required
    description = "..."                   # optional

    [material]
    name = "PEKK"                         # required
    youngs_modulus = "4.1 GPa"            # required, > 0 (Pa, kPa, MPa, GPa, N/mm2)
    poisson_ratio = 0.38                  # required, 0 <= nu < 0.5 (a plain number)
    yield_strength = "95 MPa"             # required, > 0: the safety factor is yield strength / von Mises
    fatigue_strength = "45 MPa"           # optional, > 0
    source = "..."                        # required: where the values come from

    [mesh]                                # optional
    size = "2.5 mm"                       # element size at the default level; the coarse level doubles it

    [[support]]                           # at least one: where the device is held (all displacements zero)
    name = "rim on the bone"
    region = "beyond"                     # surface farther than `distance` from `point` ("within": nearer)
    point = "centre"                      # a named point, or [x, y, z] with point_unit = "mm"
    distance = "27 mm"

    [[load]]                              # at least one
    name = "palpation"
    kind = "force"                        # "force" (total force over a disc) or "pressure"
    force = "100 N"                       # for kind = "force"; pressure = "0.1 MPa" for kind = "pressure"
    point = "centre"                      # a named point, or [x, y, z] with point_unit = "mm"
    radius = "10 mm"                      # the disc: surface within this distance of the line of action
    direction = "inward"                  # "inward" (from the point toward the design's centroid) or [x, y, z]

Named points: ``centre`` is the design's surface vertex nearest to the centroid of its surface. An explicit point
must lie on the design: within :data:`ON_SURFACE_MM` of its surface.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn

from base.safe_load import DataFileError, parse_toml, read_text
from mechanics.errors import LoadCaseError

#: The largest load-case file read (bytes).
MAX_LOAD_CASE_BYTES = 256 * 1024
#: How far (mm) an explicitly given point may lie from the design's surface and still be "on" it.
ON_SURFACE_MM = 1.0
_ID_RE = re.compile(r"^[a-z0-9._-]+$")
_QUANTITY_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
#: Units DVW reads, per kind of quantity, as factors to its own units (MPa, N, mm).
_UNITS: dict[str, dict[str, float]] = {
    "stress": {"Pa": 1e-6, "kPa": 1e-3, "MPa": 1.0, "GPa": 1e3, "N/mm2": 1.0, "N/mm^2": 1.0, "N/mm²": 1.0},
    "force": {"N": 1.0, "kN": 1e3},
    "length": {"mm": 1.0, "cm": 10.0, "m": 1000.0, "um": 1e-3, "µm": 1e-3},
}

Point = str | tuple[float, float, float]


@dataclass(frozen=True)
class Material:
    """An isotropic linear-elastic material with its strengths (MPa) and where the values come from."""

    name: str
    youngs_modulus_mpa: float
    poisson_ratio: float
    yield_strength_mpa: float
    fatigue_strength_mpa: float | None
    source: str


@dataclass(frozen=True)
class Support:
    """Where the design is held: its surface beyond (or within) ``distance_mm`` of ``point``."""

    name: str
    region: Literal["beyond", "within"]
    point: Point
    distance_mm: float
    line: int


@dataclass(frozen=True)
class Load:
    """A force (N) or pressure (MPa) over the disc of surface within ``radius_mm`` of the line of action."""

    name: str
    kind: Literal["force", "pressure"]
    magnitude: float
    point: Point
    radius_mm: float
    direction: str | tuple[float, float, float]
    line: int

    @property
    def unit(self) -> str:
        """``N`` for a force, ``MPa`` for a pressure."""
        return "N" if self.kind == "force" else "MPa"


@dataclass(frozen=True)
class LoadCases:
    """A parsed, validated load-case file."""

    id: str
    version: str
    family: str
    title: str
    material: Material
    mesh_size_mm: float | None
    supports: tuple[Support, ...]
    loads: tuple[Load, ...]
    sha256: str
    path: str


def _line_map(text: str) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int, str], int]]:
    """Lines of table headers (``(table, index)``) and keys (``(table, index, key)``); a light scan, not a parser."""
    headers: dict[tuple[str, int], int] = {}
    keys: dict[tuple[str, int, str], int] = {}
    counts: dict[str, int] = {}
    table, index = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?", line)
        if header:
            table = header.group(1)
            index = counts.get(table, 0)
            counts[table] = index + 1
            headers[(table, index)] = number
            continue
        key = re.match(r"^([A-Za-z0-9_-]+)\s*=", line)
        if key:
            keys.setdefault((table, index, key.group(1)), number)
    return headers, keys


class _Reader:
    """Reads one load-case file's tables, raising :class:`LoadCaseError` with the file and line of each problem."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.headers, self.keys = _line_map(text)

    def fail(self, message: str, table: str = "", index: int = 0, key: str | None = None) -> NoReturn:
        line = self.keys.get((table, index, key)) if key else None
        if line is None:
            line = self.headers.get((table, index))
        where = f"{self.path}:{line}" if line else self.path
        raise LoadCaseError(f"{where}: {message}", path=self.path)

    def line(self, table: str, index: int) -> int:
        return self.headers.get((table, index), 0)

    def table(self, data: dict[str, Any], name: str, allowed: set[str], index: int = 0) -> dict[str, Any]:
        unknown = sorted(set(data) - allowed)
        if unknown:
            self.fail(f"unknown key {unknown[0]!r} in [{name}]", name, index, unknown[0])
        return data

    def text(self, data: dict[str, Any], table: str, key: str, index: int = 0, *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"[{table}] needs {key!r}", table, index)
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{key} must be a non-empty string", table, index, key)
        return value.strip()

    def quantity(
        self, data: dict[str, Any], table: str, key: str, kind: str, index: int = 0, *, required: bool = True
    ) -> float | None:
        """A positive quantity with its unit, converted to DVW's unit for ``kind`` (MPa, N or mm)."""
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"[{table}] needs {key!r} (a value with its unit)", table, index)
            return None
        units = _UNITS[kind]
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(f'{key} must be a value with its unit, like "10 {next(iter(units))}"', table, index, key)
        if not isinstance(value, str):
            self.fail(
                f'{key} = {value} has no unit: write it with one, e.g. "{value} {self._example(kind)}"',
                table,
                index,
                key,
            )
        match = _QUANTITY_RE.match(value)
        if match is None:
            self.fail(f"{key} = {value!r} is not a number with a unit", table, index, key)
        number, unit = float(match.group(1)), match.group(2)
        if not unit:
            self.fail(
                f'{key} = {value!r} has no unit: write it with one, e.g. "{value} {self._example(kind)}"',
                table,
                index,
                key,
            )
        if unit not in units:
            self.fail(f"{key}: unit {unit!r} is not a {kind} unit ({', '.join(units)})", table, index, key)
        if not number > 0:
            self.fail(f"{key} must be greater than zero", table, index, key)
        return number * units[unit]

    @staticmethod
    def _example(kind: str) -> str:
        return {"stress": "MPa", "force": "N", "length": "mm"}[kind]

    def point(self, data: dict[str, Any], table: str, index: int) -> Point:
        value = data.get("point")
        if value is None:
            self.fail(f"[{table}] needs 'point'", table, index)
        if isinstance(value, str):
            if value != "centre":
                self.fail(f"point {value!r} is not a named point (centre) or [x, y, z]", table, index, "point")
            if "point_unit" in data:
                self.fail("point_unit applies only to a point given as [x, y, z]", table, index, "point_unit")
            return value
        if (
            not isinstance(value, list)
            or len(value) != 3
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            self.fail("point must be a named point (centre) or three numbers [x, y, z]", table, index, "point")
        unit = data.get("point_unit")
        if unit is None:
            self.fail('point [x, y, z] has no unit: add point_unit = "mm"', table, index, "point")
        if unit not in _UNITS["length"]:
            self.fail(f"point_unit {unit!r} is not a length unit", table, index, "point_unit")
        factor = _UNITS["length"][unit]
        return (float(value[0]) * factor, float(value[1]) * factor, float(value[2]) * factor)


def parse_load_cases(text: str, *, path: str = "<load cases>", sha256: str = "") -> LoadCases:
    """Parse and validate load cases from TOML text.

    Parameters
    ----------
    text
        The file's text.
    path
        Name used in error messages.
    sha256
        SHA-256 of the file's bytes (computed from ``text`` when empty).

    Returns
    -------
    LoadCases
        The validated load cases, quantities in MPa, N and mm.

    Raises
    ------
    LoadCaseError
        For any malformed, missing, unknown or out-of-range entry, naming the file and line.
    """
    try:
        data = parse_toml(text, source=path, what="load-case file")
    except DataFileError as error:
        raise LoadCaseError(error.message, path=path) from error
    reader = _Reader(path, text)
    reader.table(data, "top level", {"load_cases", "material", "mesh", "support", "load"})
    head = data.get("load_cases")
    if not isinstance(head, dict):
        reader.fail("the file needs a [load_cases] table")
    reader.table(head, "load_cases", {"id", "version", "family", "title", "description"})
    case_id = reader.text(head, "load_cases", "id")
    if not _ID_RE.match(case_id):
        reader.fail(f"id {case_id!r} may only use a-z, 0-9, '.', '_' and '-'", "load_cases", 0, "id")
    material_table = data.get("material")
    if not isinstance(material_table, dict):
        reader.fail("the file needs a [material] table")
    reader.table(
        material_table,
        "material",
        {"name", "youngs_modulus", "poisson_ratio", "yield_strength", "fatigue_strength", "source"},
    )
    if "yield_strength" not in material_table:
        reader.fail(
            '[material] has no yield_strength: the safety factor needs it (e.g. yield_strength = "95 MPa")',
            "material",
        )
    poisson = material_table.get("poisson_ratio")
    if poisson is None:
        reader.fail("[material] needs 'poisson_ratio'", "material")
    if isinstance(poisson, bool) or not isinstance(poisson, int | float) or not 0.0 <= poisson < 0.5:
        reader.fail("poisson_ratio must be a number from 0 up to (not including) 0.5", "material", 0, "poisson_ratio")
    material = Material(
        name=reader.text(material_table, "material", "name"),
        youngs_modulus_mpa=_required(reader.quantity(material_table, "material", "youngs_modulus", "stress")),
        poisson_ratio=float(poisson),
        yield_strength_mpa=_required(reader.quantity(material_table, "material", "yield_strength", "stress")),
        fatigue_strength_mpa=reader.quantity(material_table, "material", "fatigue_strength", "stress", required=False),
        source=reader.text(material_table, "material", "source"),
    )
    mesh_size = None
    mesh_table = data.get("mesh")
    if mesh_table is not None:
        if not isinstance(mesh_table, dict):
            reader.fail("[mesh] must be a table")
        reader.table(mesh_table, "mesh", {"size"})
        mesh_size = reader.quantity(mesh_table, "mesh", "size", "length", required=False)
    supports = tuple(_supports(reader, data.get("support")))
    loads = tuple(_loads(reader, data.get("load")))
    return LoadCases(
        id=case_id,
        version=reader.text(head, "load_cases", "version"),
        family=reader.text(head, "load_cases", "family"),
        title=reader.text(head, "load_cases", "title"),
        material=material,
        mesh_size_mm=mesh_size,
        supports=supports,
        loads=loads,
        sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        path=path,
    )


def _required(value: float | None) -> float:
    assert value is not None  # the reader raised for a missing required quantity
    return value


def _entries(reader: _Reader, value: object, name: str) -> list[dict[str, Any]]:
    if value is None:
        reader.fail(f"the file needs at least one [[{name}]]")
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        reader.fail(f"{name} must be an array of tables: write [[{name}]]")
    return value


def _supports(reader: _Reader, value: object) -> list[Support]:
    supports = []
    for index, entry in enumerate(_entries(reader, value, "support")):
        reader.table(entry, "support", {"name", "region", "point", "point_unit", "distance"}, index)
        region = entry.get("region")
        if region not in ("beyond", "within"):
            reader.fail('region must be "beyond" or "within"', "support", index, "region" if region else None)
        supports.append(
            Support(
                name=reader.text(entry, "support", "name", index),
                region=region,
                point=reader.point(entry, "support", index),
                distance_mm=_required(reader.quantity(entry, "support", "distance", "length", index)),
                line=reader.line("support", index),
            )
        )
    return supports


def _loads(reader: _Reader, value: object) -> list[Load]:
    loads = []
    allowed = {"name", "kind", "force", "pressure", "point", "point_unit", "radius", "direction"}
    for index, entry in enumerate(_entries(reader, value, "load")):
        reader.table(entry, "load", allowed, index)
        kind = entry.get("kind")
        if kind not in ("force", "pressure"):
            reader.fail('kind must be "force" or "pressure"', "load", index, "kind" if kind else None)
        other = "pressure" if kind == "force" else "force"
        if other in entry:
            reader.fail(f"a {kind} load takes {kind!r}, not {other!r}", "load", index, other)
        magnitude = reader.quantity(entry, "load", kind, "force" if kind == "force" else "stress", index)
        direction = entry.get("direction", "inward")
        if isinstance(direction, list):
            if len(direction) != 3 or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in direction
            ):
                reader.fail('direction must be "inward" or three numbers [x, y, z]', "load", index, "direction")
            norm = sum(float(v) ** 2 for v in direction) ** 0.5
            if norm == 0:
                reader.fail("direction [0, 0, 0] has no direction", "load", index, "direction")
            direction = (float(direction[0]) / norm, float(direction[1]) / norm, float(direction[2]) / norm)
        elif direction != "inward":
            reader.fail('direction must be "inward" or three numbers [x, y, z]', "load", index, "direction")
        loads.append(
            Load(
                name=reader.text(entry, "load", "name", index),
                kind=kind,
                magnitude=_required(magnitude),
                point=reader.point(entry, "load", index),
                radius_mm=_required(reader.quantity(entry, "load", "radius", "length", index)),
                direction=direction,
                line=reader.line("load", index),
            )
        )
    return loads


def load_load_cases(path: str | Path) -> LoadCases:
    """Read and validate a load-case file.

    Raises
    ------
    LoadCaseError
        When the file cannot be read or is not valid (the message names the file and line).
    """
    source = Path(path)
    try:
        text = read_text(source, what="load-case file", max_bytes=MAX_LOAD_CASE_BYTES)
    except DataFileError as error:
        raise LoadCaseError(error.message, path=str(source)) from error
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    return parse_load_cases(text, path=str(source), sha256=digest)
