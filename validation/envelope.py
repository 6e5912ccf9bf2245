"""Design envelopes: the validated ranges and worst-case combinations of patient and design parameters.

A manufacturer validates its design process on worst-case designs (REQUIREMENTS 4.5.2.1 a); the ranges and
combinations so validated form the **design envelope**. A patient-matched device whose measured parameters lie
inside it is covered by that validation; outside it, or when a required value cannot be measured, the case needs
re-evaluation and re-verification (4.5.2.1 b). The envelope is a versioned TOML file, identified by the SHA-256
of its canonical form, so a check result names exactly which envelope it used.

The file::

    [envelope]
    id = "cranial-plate-pekk"            # required, [a-z0-9._-]+
    version = "1.0"                      # required string
    family = "cranial_plate"             # required: device family
    title = "PEKK cranial plates"        # required
    validation_report = "VR-CP-0012 rev B"   # required: the report the validation rests on
    approved_by = "J. Smith, QA"         # required
    approved_on = 2026-03-02             # required: TOML date or ISO date string
    description = "..."                  # optional
    near_limit_blocks_within = false     # optional (default false): see below
    load_cases = "cranial-plate-pekk"    # optional: id of the family's load-case file (mechanics.loadcases)

    [[parameter]]                        # at least one
    name = "design.min_wall_thickness"   # required: a registered parameter name
    unit = "mm"                          # required: compatible with the registered unit
    min = 2.0                            # min and/or max (at least one), inclusive, in `unit`
    max = 8.0
    near_limit = 0.2                     # optional, >= 0, in `unit`: the band inside a limit reported "near_limit"
    required = true                      # optional (default true): a missing value makes the case indeterminate
    rationale = "..."                    # optional

    [[constraint]]                       # optional, any number
    id = "wall-vs-span"                  # required, unique, [A-Za-z0-9._-]+
    type = "linear"                      # sum(coefficient * value in its envelope unit) OP bound
    terms = { "design.min_wall_thickness" = 1.0, "anatomy.defect_span" = -0.04 }
    op = ">="                            # "<=" or ">="
    bound = 0.0
    rationale = "..."                    # optional

    [[constraint]]
    id = "worst-cases"
    type = "hull"                        # the case must lie in the convex hull of the validated worst cases
    parameters = ["anatomy.defect_span", "design.min_wall_thickness"]
    points = [[20.0, 2.0], [120.0, 2.0], [120.0, 8.0], [20.0, 8.0]]   # in the parameters' envelope units
    rationale = "..."                    # optional

A parameter is ``near_limit`` when it is inside its range but no farther from a limit than its ``near_limit`` band or
than its measured uncertainty (a value measured with an uncertainty, see :mod:`validation.fit`). By default that is
reported and the verdict can still be ``within``; with ``near_limit_blocks_within = true`` any ``near_limit``
parameter makes the verdict ``indeterminate`` (whether the case is inside cannot be decided to the measurements'
accuracy), so it goes to re-verification. The key is hashed only when true: envelopes without it keep their hash.

``load_cases`` names the load-case file (by its ``[load_cases] id``) under which a design checked against this
envelope is analysed, so that ``mech.*`` parameters are measured (``workflow.steps.find_load_cases`` says where the
file is looked for). Hashed only when given.

Numbers are read as exact decimals; like every TOML file DVW reads, the file goes through
:mod:`base.safe_load` first: at most :data:`MAX_ENVELOPE_BYTES`, UTF-8, nesting at most 64 levels, integers
within 64 bits, other numbers finite and within the range of a double. Constraints may only name parameters
declared in ``[[parameter]]``; their units are taken from there. Any unknown table or key is an error, so a typo is
never silently ignored. Every error names the file and the most specific line known (``FILE:LINE: message``).
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, NoReturn

from base.safe_load import DataFileError, parse_toml, read_text
from validation.errors import EnvelopeError, UnitError
from validation.units import decimal_text, parse_unit

#: The largest envelope file read (bytes): the sample envelopes are 3 to 6 kB; a thousand parameter tables with
#: long rationales would still fit.
MAX_ENVELOPE_BYTES = 1024 * 1024
#: Allowed spelling of an envelope id.
ENVELOPE_ID_PATTERN = re.compile(r"[a-z0-9._-]+")
#: Allowed spelling of a constraint id.
CONSTRAINT_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]+")

LinearOp = Literal["<=", ">="]

_ENVELOPE_REQUIRED = ("id", "version", "family", "title", "validation_report", "approved_by", "approved_on")
_ENVELOPE_KEYS = (*_ENVELOPE_REQUIRED, "description", "near_limit_blocks_within", "load_cases")
_PARAMETER_KEYS = ("name", "unit", "min", "max", "near_limit", "required", "rationale")
_LINEAR_KEYS = ("id", "type", "terms", "op", "bound", "rationale")
_HULL_KEYS = ("id", "type", "parameters", "points", "rationale")
_TOP_LEVEL_KEYS = ("envelope", "parameter", "constraint")


# --------------------------------------------------------------------------------------------------------------
# The parsed envelope
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnvelopeParameter:
    """One parameter's validated range.

    Attributes
    ----------
    name
        Registered parameter name, e.g. ``design.min_wall_thickness``.
    unit
        The unit ``min``, ``max`` and ``near_limit`` are given in (as written in the file).
    min, max
        Inclusive limits in ``unit``; None when that side is open (at least one is set).
    near_limit
        Width of the band just inside each limit in which a value is reported ``near_limit``; None for no band.
    required
        Whether a missing value makes the check indeterminate (otherwise it is only reported).
    rationale
        Why this range (free text).
    line
        Line of the ``[[parameter]]`` header in the source file (0 when not from a file).
    """

    name: str
    unit: str
    min: Decimal | None
    max: Decimal | None
    near_limit: Decimal | None = None
    required: bool = True
    rationale: str = ""
    line: int = 0

    def canonical(self) -> dict[str, Any]:
        """The canonical JSON object of this parameter (no line; defaults written out)."""
        return {
            "name": self.name,
            "unit": self.unit,
            "min": _canonical_decimal(self.min),
            "max": _canonical_decimal(self.max),
            "near_limit": _canonical_decimal(self.near_limit),
            "required": self.required,
            "rationale": self.rationale,
        }


@dataclass(frozen=True)
class LinearConstraint:
    """``sum(coefficient * value) OP bound``, each value in its parameter's envelope unit.

    Attributes
    ----------
    id
        Unique id within the envelope.
    terms
        ``(parameter name, coefficient)`` pairs, in file order.
    op
        ``"<="`` or ``">="``; the bound itself satisfies the constraint.
    bound
        Right-hand side.
    rationale
        Why this constraint (free text).
    line
        Line of the ``[[constraint]]`` header in the source file.
    """

    id: str
    terms: tuple[tuple[str, Decimal], ...]
    op: LinearOp
    bound: Decimal
    rationale: str = ""
    line: int = 0

    @property
    def type(self) -> Literal["linear"]:
        """The constraint type, ``"linear"``."""
        return "linear"

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the parameters the constraint reads."""
        return tuple(name for name, _ in self.terms)

    def canonical(self) -> dict[str, Any]:
        """The canonical JSON object of this constraint."""
        return {
            "id": self.id,
            "type": self.type,
            "terms": {name: _canonical_decimal(c) for name, c in self.terms},
            "op": self.op,
            "bound": _canonical_decimal(self.bound),
            "rationale": self.rationale,
        }


@dataclass(frozen=True)
class HullConstraint:
    """The case's point must lie in the convex hull of the validated worst-case points.

    Attributes
    ----------
    id
        Unique id within the envelope.
    parameters
        Names of the hull's axes, in the order of each point's coordinates.
    points
        The validated worst cases (at least 2), each in the parameters' envelope units.
    rationale
        Why this constraint (free text).
    line
        Line of the ``[[constraint]]`` header in the source file.
    """

    id: str
    parameters: tuple[str, ...]
    points: tuple[tuple[Decimal, ...], ...]
    rationale: str = ""
    line: int = 0

    @property
    def type(self) -> Literal["hull"]:
        """The constraint type, ``"hull"``."""
        return "hull"

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the parameters the constraint reads."""
        return self.parameters

    def canonical(self) -> dict[str, Any]:
        """The canonical JSON object of this constraint."""
        return {
            "id": self.id,
            "type": self.type,
            "parameters": list(self.parameters),
            "points": [[_canonical_decimal(v) for v in point] for point in self.points],
            "rationale": self.rationale,
        }


Constraint = LinearConstraint | HullConstraint


@dataclass(frozen=True)
class Envelope:
    """A parsed, checked design envelope.

    Attributes
    ----------
    id, version, family, title
        Identity of the envelope and the device family it covers.
    validation_report
        The validation report the envelope rests on.
    approved_by, approved_on
        Who approved the envelope, and when.
    description
        Free text ("" when absent).
    parameters
        The parameter ranges, in file order.
    constraints
        The constraints, in file order.
    path
        The file it was read from ("" when parsed from text); not part of the hash.
    near_limit_blocks_within
        Whether a ``near_limit`` parameter makes the verdict ``indeterminate`` instead of ``within`` (default
        False); part of the hash only when True.
    load_cases
        The id of the family's load-case file the designs are analysed under ("" when none: no ``mech.*``
        parameters are measured); part of the hash only when given.
    """

    id: str
    version: str
    family: str
    title: str
    validation_report: str
    approved_by: str
    approved_on: datetime.date
    description: str
    parameters: tuple[EnvelopeParameter, ...]
    constraints: tuple[Constraint, ...] = ()
    path: str = field(default="", compare=False)
    near_limit_blocks_within: bool = False
    load_cases: str = ""

    def parameter(self, name: str) -> EnvelopeParameter | None:
        """The parameter named ``name``, or None when the envelope does not declare it."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        return None

    def canonical(self) -> dict[str, Any]:
        """The envelope's content as a JSON object, independent of the file's formatting.

        Comments, whitespace, key order, the order of ``[[parameter]]`` and ``[[constraint]]`` tables (sorted by
        name and id here), number spelling (``2``, ``2.0``, ``2.00``) and defaults written out or left implicit
        do not change it; any value does. ``near_limit_blocks_within`` is written only when true, so envelopes
        written before it existed keep their hash.
        """
        meta: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "family": self.family,
            "title": self.title,
            "validation_report": self.validation_report,
            "approved_by": self.approved_by,
            "approved_on": self.approved_on.isoformat(),
            "description": self.description,
        }
        if self.near_limit_blocks_within:
            meta["near_limit_blocks_within"] = True
        if self.load_cases:
            meta["load_cases"] = self.load_cases
        return {
            "envelope": meta,
            "parameters": [p.canonical() for p in sorted(self.parameters, key=lambda p: p.name)],
            "constraints": [c.canonical() for c in sorted(self.constraints, key=lambda c: c.id)],
        }

    def canonical_bytes(self) -> bytes:
        """Canonical JSON of :meth:`canonical` (sorted keys, compact separators, UTF-8): what ``sha256`` hashes."""
        return json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    @cached_property
    def sha256(self) -> str:
        """SHA-256 (hex) of the canonical form: identifies the envelope's content whatever its formatting."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()


def _canonical_decimal(value: Decimal | None) -> str | None:
    """A decimal as its shortest plain text (``2.0`` -> ``"2"``), None as None."""
    return None if value is None else decimal_text(value)


# --------------------------------------------------------------------------------------------------------------
# Where things are in the source text (tomllib reports no positions for values)
# --------------------------------------------------------------------------------------------------------------

_KEY_SEGMENT = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_RE = re.compile(rf"\s*({_KEY_SEGMENT}(?:\s*\.\s*{_KEY_SEGMENT})*)\s*=")
_HEADER_RE = re.compile(rf"\s*(\[\[?)\s*({_KEY_SEGMENT}(?:\s*\.\s*{_KEY_SEGMENT})*)\s*(\]\]?)")
_SEGMENT_RE = re.compile(_KEY_SEGMENT)


def _key_path(text: str) -> tuple[str, ...]:
    return tuple(seg[1:-1] if seg[:1] in "\"'" else seg for seg in _SEGMENT_RE.findall(text))


Section = tuple[str, int]  # (top-level name, index of the array element or 0); ("", 0) is the root table


@dataclass
class SourceMap:
    """Lines of table headers, keys and array elements in a TOML text, for error messages.

    A light scanner, not a TOML parser: it follows strings (including multi-line ones), comments and brackets so
    that only real headers and ``key =`` lines are recorded. It is only used after ``tomllib`` accepted the text.

    Attributes
    ----------
    headers
        ``(section) -> line`` of the ``[name]`` / ``[[name]]`` header that opens it.
    keys
        ``(section, key path) -> line`` of each key (dotted keys and sub-table headers give longer paths).
    elements
        ``(section, key path) -> lines`` where each element of a multi-line array value starts.
    """

    headers: dict[Section, int] = field(default_factory=dict)
    keys: dict[tuple[Section, tuple[str, ...]], int] = field(default_factory=dict)
    elements: dict[tuple[Section, tuple[str, ...]], list[int]] = field(default_factory=dict)

    @classmethod
    def scan(cls, text: str) -> SourceMap:
        """Scan ``text`` (a TOML document) and record where its headers, keys and array elements are.

        Parameters
        ----------
        text
            The TOML source.

        Returns
        -------
        SourceMap
            The positions found (1-based lines).
        """
        source = cls()
        counts: dict[str, int] = {}
        state = _ScanState()
        prefix: tuple[str, ...] = ()
        for number, line in enumerate(text.splitlines(), start=1):
            start = 0
            state.number = number
            if state.string is None and state.depth == 0:
                state.value_key = None
                header = _HEADER_RE.match(line)
                key = _KEY_RE.match(line)
                if header and not key and header.group(1) == header.group(3)[::-1].replace("]", "["):
                    path = _key_path(header.group(2))
                    is_array = header.group(1) == "[["
                    if len(path) == 1:
                        index = counts.get(path[0], 0)
                        if is_array:
                            counts[path[0]] = index + 1
                        state.section, prefix = (path[0], index), ()
                        source.headers.setdefault(state.section, number)
                    else:  # [a.b] or [[a.b]]: a sub-table of the (last element of) top-level a
                        state.section = (path[0], max(counts.get(path[0], 1) - 1, 0))
                        prefix = path[1:]
                        source.headers.setdefault(state.section, number)
                        source.keys.setdefault((state.section, prefix), number)
                    start = header.end()
                elif key:
                    state.value_key = prefix + _key_path(key.group(1))
                    source.keys.setdefault((state.section, state.value_key), number)
                    start = key.end()
            source._scan_line(line, start, state)
        return source

    def _scan_line(self, line: str, start: int, state: _ScanState) -> None:
        """Follow strings, comments and brackets through ``line[start:]``, recording array elements."""
        i = start
        while i < len(line):
            if state.string is not None:  # inside a multi-line string: look for its end
                if state.string == '"""' and line[i] == "\\":
                    i += 2
                elif line.startswith(state.string, i):
                    state.string = None
                    i += 3
                else:
                    i += 1
                continue
            char = line[i]
            if char == "#":
                break
            if line.startswith('"""', i) or line.startswith("'''", i):
                state.string = line[i : i + 3]
                i += 3
                continue
            if char in "\"'":
                i = _end_of_string(line, i)
                continue
            if char in "[{":
                if state.depth == 1 and state.value_key is not None:
                    self.elements.setdefault((state.section, state.value_key), []).append(state.number)
                state.depth += 1
            elif char in "]}":
                state.depth = max(state.depth - 1, 0)
            i += 1

    def line(self, section: Section, *key: str | int) -> int | None:
        """The most specific known line for ``key`` (a key path, optionally ending in an array index).

        Parameters
        ----------
        section
            ``(top-level name, array index)``; ``("", 0)`` is the root table.
        key
            Key path inside the section; a trailing int selects an element of a multi-line array value.

        Returns
        -------
        int or None
            The line of the element, else of the longest known prefix of the key, else of the section's header.
        """
        names = tuple(k for k in key if isinstance(k, str))
        if key and isinstance(key[-1], int):
            lines = self.elements.get((section, names))
            if lines is not None and 0 <= key[-1] < len(lines):
                return lines[key[-1]]
        for end in range(len(names), 0, -1):
            found = self.keys.get((section, names[:end]))
            if found is not None:
                return found
        if section == ("", 0) and names:  # a top-level name given as a table header: [name] or [[name]]
            found = self.headers.get((names[0], 0))
            if found is not None:
                return found
        return self.headers.get(section)


@dataclass
class _ScanState:
    """Where the scanner is: the current table, the key whose value is being read, open strings and brackets."""

    section: Section = ("", 0)
    value_key: tuple[str, ...] | None = None
    depth: int = 0
    string: str | None = None  # the open multi-line string's delimiter
    number: int = 0  # current line


def _end_of_string(line: str, i: int) -> int:
    """Index just past the single-line string starting at ``line[i]``."""
    quote = line[i]
    j = i + 1
    while j < len(line):
        if quote == '"' and line[j] == "\\":
            j += 2
            continue
        if line[j] == quote:
            return j + 1
        j += 1
    return j


# --------------------------------------------------------------------------------------------------------------
# Parsing and checking
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Head:
    """What every constraint table has, handed to the reader of its type."""

    id: str
    what: str  # "[[constraint]] #2 (worst-cases)", for messages
    section: Section
    declared: Mapping[str, EnvelopeParameter]
    rationale: str
    line: int


class _Reader:
    """Checks the decoded TOML against the schema, raising EnvelopeError at the most specific line."""

    def __init__(self, source: SourceMap, path: str, units: Mapping[str, str]) -> None:
        self.source = source
        self.path = path
        self.units = units

    def fail(self, message: str, section: Section = ("", 0), *key: str | int) -> NoReturn:
        line = self.source.line(section, *key) or 1
        where = f"{self.path}:{line}" if self.path else f"{line}"
        raise EnvelopeError(f"{where}: {message}", path=self.path or None, line=line)

    # -- helpers -------------------------------------------------------------------------------------------

    def table(self, data: Mapping[str, Any], name: str, what: str, section: Section) -> Mapping[str, Any]:
        value = data.get(name)
        if not isinstance(value, Mapping):
            self.fail(f"{what} must be a table", section, name)
        return value

    def check_keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], what: str, section: Section) -> None:
        for key in table:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.fail(f"{what}: unknown key {key!r}{suggestion}; allowed keys: {', '.join(allowed)}", section, key)

    def string(self, table: Mapping[str, Any], key: str, what: str, section: Section, *, required: bool = True) -> str:
        if key not in table:
            if required:
                self.fail(f"{what}: missing required key {key!r}", section)
            return ""
        value = table[key]
        if not isinstance(value, str):
            self.fail(f"{what}: {key} must be a string, not {_type_name(value)}", section, key)
        if required and not value.strip():
            self.fail(f"{what}: {key} must not be empty", section, key)
        return value

    def number(self, value: Any, what: str, section: Section, *key: str | int) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.fail(f"{what} must be a number, not {_type_name(value)}", section, *key)
        number = Decimal(value)
        if not number.is_finite():
            self.fail(f"{what} must be a finite number, not {value}", section, *key)
        return number

    def declared_name(self, name: Any, declared: Mapping[str, EnvelopeParameter], what: str, *where: Any) -> str:
        section, *key = where
        if not isinstance(name, str):
            self.fail(f"{what}: parameter names must be strings, not {_type_name(name)}", section, *key)
        if name not in declared:
            known = sorted(declared)
            hint = difflib.get_close_matches(name, known, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            self.fail(
                f"{what}: {name!r} is not declared in a [[parameter]] table{suggestion}; declared: {', '.join(known)}",
                section,
                *key,
            )
        return name

    # -- tables --------------------------------------------------------------------------------------------

    def envelope(self, data: Mapping[str, Any]) -> Envelope:
        root: Section = ("", 0)
        self.check_keys(data, _TOP_LEVEL_KEYS, "top level", root)
        if "envelope" not in data:
            self.fail("missing the [envelope] table (id, version, family, title, ...)", root)
        section: Section = ("envelope", 0)
        meta = self.table(data, "envelope", "[envelope]", root)
        self.check_keys(meta, _ENVELOPE_KEYS, "[envelope]", section)
        envelope_id = self.string(meta, "id", "[envelope]", section)
        if not ENVELOPE_ID_PATTERN.fullmatch(envelope_id):
            self.fail(
                f"[envelope]: id {envelope_id!r} may only hold lower-case letters, digits, '.', '_' and '-'",
                section,
                "id",
            )
        strings = {key: self.string(meta, key, "[envelope]", section) for key in _ENVELOPE_REQUIRED[1:-1]}
        approved_on = self.date(meta, "approved_on", section)
        description = self.string(meta, "description", "[envelope]", section, required=False)
        blocks = meta.get("near_limit_blocks_within", False)
        if not isinstance(blocks, bool):
            self.fail(
                f"[envelope]: near_limit_blocks_within must be true or false, not {_type_name(blocks)}",
                section,
                "near_limit_blocks_within",
            )
        load_cases = self.string(meta, "load_cases", "[envelope]", section, required=False)
        if load_cases and not ENVELOPE_ID_PATTERN.fullmatch(load_cases):
            self.fail(
                f"[envelope]: load_cases {load_cases!r} must be a load-case file's id "
                "(lower-case letters, digits, '.', '_' and '-')",
                section,
                "load_cases",
            )

        raw_parameters = data.get("parameter")
        if raw_parameters is None:
            self.fail("no [[parameter]] table: an envelope needs at least one parameter range", root)
        if not isinstance(raw_parameters, list):
            self.fail("parameters must be [[parameter]] tables (an array of tables)", root, "parameter")
        parameters: dict[str, EnvelopeParameter] = {}
        for index, raw in enumerate(raw_parameters):
            parameter = self.parameter(raw, index, parameters)
            parameters[parameter.name] = parameter

        raw_constraints = data.get("constraint", [])
        if not isinstance(raw_constraints, list):
            self.fail("constraints must be [[constraint]] tables (an array of tables)", root, "constraint")
        constraints: dict[str, Constraint] = {}
        for index, raw in enumerate(raw_constraints):
            constraint = self.constraint(raw, index, parameters)
            if constraint.id in constraints:
                first = constraints[constraint.id].line
                self.fail(
                    f"[[constraint]] #{index + 1}: id {constraint.id!r} is used twice (first at line {first})",
                    ("constraint", index),
                    "id",
                )
            constraints[constraint.id] = constraint

        return Envelope(
            id=envelope_id,
            version=strings["version"],
            family=strings["family"],
            title=strings["title"],
            validation_report=strings["validation_report"],
            approved_by=strings["approved_by"],
            approved_on=approved_on,
            description=description,
            parameters=tuple(parameters.values()),
            constraints=tuple(constraints.values()),
            path=self.path,
            near_limit_blocks_within=blocks,
            load_cases=load_cases,
        )

    def date(self, meta: Mapping[str, Any], key: str, section: Section) -> datetime.date:
        if key not in meta:
            self.fail(f"[envelope]: missing required key {key!r}", section)
        value = meta[key]
        if isinstance(value, datetime.datetime | datetime.time):
            self.fail(f"[envelope]: {key} must be a date (YYYY-MM-DD), not a date-time or time", section, key)
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                self.fail(f"[envelope]: {key} {value!r} is not an ISO date (YYYY-MM-DD)", section, key)
        return self.fail(f"[envelope]: {key} must be a date (YYYY-MM-DD), not {_type_name(value)}", section, key)

    def parameter(self, raw: Any, index: int, earlier: Mapping[str, EnvelopeParameter]) -> EnvelopeParameter:
        section: Section = ("parameter", index)
        what = f"[[parameter]] #{index + 1}"
        if not isinstance(raw, Mapping):
            self.fail(f"{what} must be a table", section)
        self.check_keys(raw, _PARAMETER_KEYS, what, section)
        name = self.string(raw, "name", what, section)
        if name in earlier:
            self.fail(f"{what}: {name!r} is declared twice (first at line {earlier[name].line})", section, "name")
        what = f"{what} ({name})"
        if name not in self.units:
            hint = difflib.get_close_matches(name, list(self.units), n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            self.fail(f"{what}: unknown parameter name {name!r}{suggestion}", section, "name")
        unit = self.string(raw, "unit", what, section)
        registered = self.units[name]
        try:
            parsed = parse_unit(unit)
        except UnitError as exc:
            self.fail(f"{what}: {exc.message}", section, "unit")
        if parsed.dimensionality != parse_unit(registered).dimensionality:
            self.fail(
                f"{what}: unit {unit!r} is not compatible with the registered unit {registered!r} of {name}",
                section,
                "unit",
            )
        limits: dict[str, Decimal | None] = {}
        for key in ("min", "max", "near_limit"):
            limits[key] = self.number(raw[key], f"{what}: {key}", section, key) if key in raw else None
        low, high, near = limits["min"], limits["max"], limits["near_limit"]
        if low is None and high is None:
            self.fail(f"{what}: give min, max or both", section)
        if low is not None and high is not None and low > high:
            self.fail(f"{what}: min {low} is greater than max {high}", section, "max")
        if near is not None and near < 0:
            self.fail(f"{what}: near_limit must not be negative (got {near})", section, "near_limit")
        required = raw.get("required", True)
        if not isinstance(required, bool):
            self.fail(f"{what}: required must be true or false, not {_type_name(required)}", section, "required")
        rationale = self.string(raw, "rationale", what, section, required=False)
        line = self.source.line(section) or 0
        return EnvelopeParameter(name, unit, low, high, near, required, rationale, line)

    def constraint(self, raw: Any, index: int, declared: Mapping[str, EnvelopeParameter]) -> Constraint:
        section: Section = ("constraint", index)
        what = f"[[constraint]] #{index + 1}"
        if not isinstance(raw, Mapping):
            self.fail(f"{what} must be a table", section)
        kind = self.string(raw, "type", what, section)
        readers: dict[str, tuple[tuple[str, ...], Callable[[Mapping[str, Any], _Head], Constraint]]] = {
            "linear": (_LINEAR_KEYS, self.linear),
            "hull": (_HULL_KEYS, self.hull),
        }
        if kind not in readers:
            self.fail(f"{what}: unknown constraint type {kind!r} (use 'linear' or 'hull')", section, "type")
        allowed, reader = readers[kind]
        self.check_keys(raw, allowed, f"{what} ({kind})", section)
        constraint_id = self.string(raw, "id", what, section)
        if not CONSTRAINT_ID_PATTERN.fullmatch(constraint_id):
            self.fail(f"{what}: id {constraint_id!r} may only hold letters, digits, '.', '_' and '-'", section, "id")
        what = f"{what} ({constraint_id})"
        rationale = self.string(raw, "rationale", what, section, required=False)
        head = _Head(constraint_id, what, section, declared, rationale, self.source.line(section) or 0)
        return reader(raw, head)

    def linear(self, raw: Mapping[str, Any], head: _Head) -> LinearConstraint:
        what, section, declared = head.what, head.section, head.declared
        for key in ("terms", "op", "bound"):
            if key not in raw:
                self.fail(f"{what}: missing required key {key!r}", section)
        terms = raw["terms"]
        if not isinstance(terms, Mapping) or not terms:
            self.fail(f"{what}: terms must be a non-empty table of parameter name = coefficient", section, "terms")
        pairs = []
        for name, coefficient in terms.items():
            self.declared_name(name, declared, what, section, "terms", name)
            pairs.append((name, self.number(coefficient, f"{what}: coefficient of {name}", section, "terms", name)))
        op = raw["op"]
        if op not in ("<=", ">="):
            self.fail(f"{what}: op must be '<=' or '>=', not {op!r}", section, "op")
        bound = self.number(raw["bound"], f"{what}: bound", section, "bound")
        return LinearConstraint(head.id, tuple(pairs), op, bound, head.rationale, head.line)

    def hull(self, raw: Mapping[str, Any], head: _Head) -> HullConstraint:
        what, section, declared = head.what, head.section, head.declared
        for key in ("parameters", "points"):
            if key not in raw:
                self.fail(f"{what}: missing required key {key!r}", section)
        names = raw["parameters"]
        if not isinstance(names, list) or not names:
            self.fail(f"{what}: parameters must be a non-empty list of parameter names", section, "parameters")
        for name in names:
            self.declared_name(name, declared, what, section, "parameters")
        if len(set(names)) != len(names):
            self.fail(f"{what}: a parameter is listed twice in parameters", section, "parameters")
        raw_points = raw["points"]
        if not isinstance(raw_points, list):
            self.fail(f"{what}: points must be a list of points", section, "points")
        if len(raw_points) < 2:
            self.fail(f"{what}: a hull needs at least 2 validated points, got {len(raw_points)}", section, "points")
        points = []
        for number, point in enumerate(raw_points):
            where = (section, "points", number)
            if not isinstance(point, list):
                self.fail(f"{what}: point #{number + 1} must be a list of {len(names)} numbers", *where)
            if len(point) != len(names):
                self.fail(
                    f"{what}: point #{number + 1} has {len(point)} coordinates, expected {len(names)} "
                    f"({', '.join(names)})",
                    *where,
                )
            points.append(tuple(self.number(v, f"{what}: point #{number + 1}: coordinate", *where) for v in point))
        return HullConstraint(head.id, tuple(names), tuple(points), head.rationale, head.line)


def _type_name(value: Any) -> str:
    names = {
        bool: "a boolean",
        str: "a string",
        int: "an integer",
        Decimal: "a number",
        list: "an array",
        dict: "a table",
        datetime.date: "a date",
        datetime.datetime: "a date-time",
        datetime.time: "a time",
    }
    return names.get(type(value), type(value).__name__)


def _default_units() -> Mapping[str, str]:
    # Imported at call time: the registry imports every measurement (geometry, imaging), which parsing an envelope
    # with explicit units does not need.
    from validation.registry import registered_units  # noqa: PLC0415

    return registered_units()


def parse_envelope(text: str, path: str = "", units: Mapping[str, str] | None = None) -> Envelope:
    """Parse and check a design-envelope TOML text.

    Parameters
    ----------
    text
        The file's content (see the module docstring for the schema).
    path
        The file it came from, for error messages ("" when none: messages then start with the line only).
    units
        Registered parameter name to registered unit; the default is the measurement registry's
        (:func:`validation.registry.registered_units`).

    Returns
    -------
    Envelope
        The envelope, with exact decimal limits.

    Raises
    ------
    EnvelopeError
        When the text is not valid TOML, holds what :func:`base.safe_load.parse_toml` refuses, or breaks the
        schema; the message starts with ``FILE:LINE:`` (or ``LINE:``) and ``line`` holds the most specific line
        known (only a few refusals, such as nesting made of dotted keys, come without a line).
    """
    registered = _default_units() if units is None else units
    try:
        data = parse_toml(text, source=path, what="envelope file", parse_float=Decimal)
    except DataFileError as exc:
        raise EnvelopeError(exc.message, path=exc.path, line=exc.line) from None
    return _Reader(SourceMap.scan(text), path, registered).envelope(data)


def load_envelope(path: str | Path, units: Mapping[str, str] | None = None) -> Envelope:
    """Read and check a design-envelope file.

    Parameters
    ----------
    path
        The TOML file.
    units
        Registered parameter name to registered unit (default: the measurement registry's).

    Returns
    -------
    Envelope
        The envelope; its ``path`` is ``path``.

    Raises
    ------
    EnvelopeError
        When the file cannot be read, is larger than :data:`MAX_ENVELOPE_BYTES`, is not UTF-8 TOML, holds what
        :func:`base.safe_load.parse_toml` refuses (deep nesting, integers beyond 64 bits, numbers that are not
        finite doubles), or breaks the schema (with file and line).
    """
    source = Path(path)
    try:
        text = read_text(source, what="envelope file", max_bytes=MAX_ENVELOPE_BYTES)
    except DataFileError as exc:
        raise EnvelopeError(exc.message, path=exc.path, line=exc.line) from None
    return parse_envelope(text, str(source), units)
