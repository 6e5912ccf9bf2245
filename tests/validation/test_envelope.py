"""Design-envelope files: the schema, error lines for every kind of mistake, and the canonical hash."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from validation.envelope import HullConstraint, LinearConstraint, load_envelope, parse_envelope
from validation.errors import EnvelopeError
from validation.registry import registered_units

#: The registered names and units (the registry's contract, spelled out so the parser is tested on its own).
REGISTERED = {
    "imaging.slice_spacing": "mm",
    "imaging.pixel_spacing": "mm",
    "imaging.slice_thickness": "mm",
    "imaging.gantry_tilt": "degree",
    "imaging.tilt_corrected": "1",
    "imaging.field_of_view": "mm",
    "imaging.scan_length": "mm",
    "anatomy.bone_thickness_min": "mm",
    "anatomy.bone_thickness_mean": "mm",
    "anatomy.defect_span": "mm",
    "anatomy.defect_area": "mm**2",
    "anatomy.bone_volume": "mm**3",
    "design.volume": "mm**3",
    "design.area": "mm**2",
    "design.extent_max": "mm",
    "design.extent_mid": "mm",
    "design.extent_min": "mm",
    "design.min_wall_thickness": "mm",
    "design.shells": "1",
    "design.watertight": "1",
    "fit.max_gap": "mm",
    "fit.mean_gap": "mm",
    "fit.max_penetration": "mm",
    "fit.contact_area": "mm**2",
    "patient.age": "year",
    "patient.weight": "kg",
}

# The description holds text that looks like tables and keys, so the line scanner must skip multi-line strings.
ENVELOPE = '''# Cranial plates in PEKK, validated on the worst cases of VR-CP-0012.
[envelope]
id = "cranial-plate-pekk"
version = "1.0"
family = "cranial_plate"
title = "PEKK cranial plates, 2-8 mm walls"
validation_report = "VR-CP-0012 rev B"
approved_by = "A. Chen, Quality"
approved_on = 2026-03-02
description = """
[[parameter]]
unit = "not a key: this is the description"
"""

[[parameter]]
name = "design.min_wall_thickness"
unit = "mm"
min = 2.0
max = 8.0
near_limit = 0.2   # inside 0.2 mm of a limit: flagged
rationale = "FEA worst cases at 2 mm and 8 mm"

[[parameter]]
name = "anatomy.defect_span"
unit = "cm"
min = 2
max = 12.0

[[parameter]]
name = "patient.age"
unit = "year"
min = 18
required = false

[[constraint]]
id = "wall-vs-span"
type = "linear"
terms = { "design.min_wall_thickness" = 1.0, "anatomy.defect_span" = -0.4 }
op = ">="
bound = 0.0
rationale = "longer spans need thicker walls"

[[constraint]]
id = "worst-cases"
type = "hull"
parameters = ["anatomy.defect_span", "design.min_wall_thickness"]
points = [
    [2.0, 2.0],
    [12.0, 4.8],  # the longest span was only tested with a thick wall
    [12.0, 8.0],
    [2.0, 8.0],
]
'''


def _line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(lines) >= occurrence, f"{fragment!r} not in the text"
    return lines[occurrence - 1]


def _header_line(text: str, header: str, occurrence: int) -> int:
    """Line of the n-th real ``header`` (the description's look-alike, ending at line 13, does not count)."""
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if line.strip() == header and i > 13]
    return lines[occurrence - 1]


def test_parses_the_documented_schema_exactly() -> None:
    envelope = parse_envelope(ENVELOPE, "e.toml", REGISTERED)
    assert (envelope.id, envelope.version, envelope.family) == ("cranial-plate-pekk", "1.0", "cranial_plate")
    assert envelope.validation_report == "VR-CP-0012 rev B"
    assert envelope.approved_by == "A. Chen, Quality"
    assert envelope.approved_on == datetime.date(2026, 3, 2)
    assert envelope.description.startswith("[[parameter]]\nunit =")
    assert envelope.path == "e.toml"
    wall, span, age = envelope.parameters
    assert (wall.name, wall.unit, wall.min, wall.max, wall.near_limit) == (
        "design.min_wall_thickness",
        "mm",
        Decimal("2.0"),
        Decimal("8.0"),
        Decimal("0.2"),
    )
    assert isinstance(wall.max, Decimal)
    assert wall.near_limit == Decimal("0.2")  # exact: not the binary 0.2000000000000000111
    assert (wall.required, wall.rationale, wall.line) == (True, "FEA worst cases at 2 mm and 8 mm", 15)
    assert (span.unit, span.min, span.max, span.near_limit, span.line) == ("cm", 2, Decimal("12.0"), None, 23)
    assert (age.min, age.max, age.required) == (18, None, False)
    linear, hull = envelope.constraints
    assert isinstance(linear, LinearConstraint)
    assert linear.terms == (("design.min_wall_thickness", Decimal("1.0")), ("anatomy.defect_span", Decimal("-0.4")))
    assert (linear.op, linear.bound, linear.line) == (">=", 0, 35)
    assert isinstance(hull, HullConstraint)
    assert hull.parameters == ("anatomy.defect_span", "design.min_wall_thickness")
    assert hull.points[1] == (Decimal("12.0"), Decimal("4.8"))
    assert len(hull.points) == 4
    assert envelope.parameter("patient.age") is age
    assert envelope.parameter("patient.weight") is None
    assert len(envelope.sha256) == 64


def test_default_units_come_from_the_registry(tmp_path: Path) -> None:
    for name, unit in REGISTERED.items():
        assert registered_units().get(name) == unit, name
    path = tmp_path / "envelope.toml"
    path.write_text(ENVELOPE, encoding="utf-8")
    assert load_envelope(path).sha256 == parse_envelope(ENVELOPE, str(path), REGISTERED).sha256


def test_approved_on_may_be_an_iso_date_string() -> None:
    text = ENVELOPE.replace("approved_on = 2026-03-02", 'approved_on = "2026-03-02"')
    assert parse_envelope(text, "", REGISTERED).approved_on == datetime.date(2026, 3, 2)


def test_one_sided_and_constraint_free_envelope() -> None:
    text = (
        '[envelope]\nid = "x"\nversion = "2"\nfamily = "guide"\ntitle = "t"\nvalidation_report = "r"\n'
        'approved_by = "b"\napproved_on = 2025-01-31\n\n[[parameter]]\nname = "fit.max_gap"\nunit = "um"\nmax = 500\n'
    )
    envelope = parse_envelope(text, "", REGISTERED)
    assert envelope.constraints == ()
    (gap,) = envelope.parameters
    assert (gap.unit, gap.min, gap.max) == ("um", None, 500)


# -- malformed files: each kind of mistake, reported at the line that holds it ---------------------------------------

Edit = Callable[[str], str]


def _replace(old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def _drop_line(fragment: str) -> Edit:
    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        return "".join(line for line in lines if fragment not in line)

    return edit


def _one_point_hull(text: str) -> str:
    start = text.index("points = [")
    return text[:start] + "points = [[2.0, 2.0]]\n"


#: Each case: its name, the edit, a fragment of the line that must be reported, a fragment of the message.
MALFORMED: list[tuple[str, Edit, str, str]] = [
    ("toml syntax", _replace('op = ">="', 'op == ">="'), 'op == ">="', "invalid TOML"),
    ("unterminated string", _replace('unit = "year"', 'unit = "year'), 'unit = "year', "invalid TOML"),
    ("missing envelope key", _drop_line("version ="), "[envelope]", "missing required key 'version'"),
    ("unknown envelope key", _replace('version = "1.0"', 'version = "1.0"\nrevison = "B"'), "revison", "'revison'"),
    ("unknown top-level table", lambda t: t + "\n[extras]\nnote = 1\n", "[extras]", "unknown key 'extras'"),
    ("unknown top-level key", _replace("[envelope]", 'owner = "qa"\n[envelope]'), "owner =", "unknown key 'owner'"),
    ("typo in table name", _replace("[envelope]", "[envelop]"), "[envelop]", "did you mean 'envelope'"),
    ("version not a string", _replace('version = "1.0"', "version = 1.0"), "version = 1.0", "must be a string"),
    ("bad envelope id", _replace('id = "cranial-plate-pekk"', 'id = "Cranial Plate"'), "Cranial Plate", "id"),
    ("empty title", _replace('title = "PEKK cranial plates, 2-8 mm walls"', 'title = ""'), 'title = ""', "empty"),
    ("bad date", _replace("approved_on = 2026-03-02", 'approved_on = "2026-13-02"'), "approved_on", "ISO date"),
    (
        "date-time instead of date",
        _replace("approved_on = 2026-03-02", "approved_on = 2026-03-02T10:00:00"),
        "approved_on",
        "must be a date",
    ),
    (
        "unknown parameter name",
        _replace('name = "design.min_wall_thickness"', 'name = "design.min_wall_thicknes"'),
        "thicknes",
        "did you mean 'design.min_wall_thickness'",
    ),
    ("unit of another dimension", _replace('unit = "cm"', 'unit = "cm**2"'), "cm**2", "not compatible"),
    ("unit for a flag", _replace('unit = "year"', 'unit = "1"'), 'unit = "1"', "not compatible"),
    ("unknown unit", _replace('unit = "cm"', 'unit = "cmm"'), '"cmm"', "unknown unit 'cmm'"),
    ("unit with a number", _replace('unit = "cm"', 'unit = "2 cm"'), "2 cm", "carries a number"),
    ("min greater than max", _replace("min = 2\n", "min = 13\n"), "max = 12.0", "min 13 is greater than max 12.0"),
    ("negative near_limit", _replace("near_limit = 0.2", "near_limit = -0.2"), "near_limit", "must not be negative"),
    ("limit not a number", _replace("max = 8.0", 'max = "8"'), 'max = "8"', "must be a number"),
    ("limit is a boolean", _replace("max = 8.0", "max = true"), "max = true", "must be a number"),
    ("no limit at all", _drop_line("min = 18"), "", "give min, max or both"),
    ("required not boolean", _replace("required = false", 'required = "no"'), "required =", "true or false"),
    ("unknown parameter key", _replace("min = 18", "minimum = 18"), "minimum", "did you mean 'min'"),
    (
        "duplicate parameter",
        _replace('name = "patient.age"', 'name = "anatomy.defect_span"'),
        'name = "anatomy.defect_span"#2',
        "declared twice (first at line 23)",
    ),
    (
        "duplicate constraint id",
        _replace('id = "worst-cases"', 'id = "wall-vs-span"'),
        'id = "wall-vs-span"#2',
        "used twice (first at line 35)",
    ),
    ("unknown constraint type", _replace('type = "hull"', 'type = "box"'), 'type = "box"', "unknown constraint type"),
    ("missing constraint type", _drop_line('type = "linear"'), "", "missing required key 'type'"),
    ("unknown op", _replace('op = ">="', 'op = "=>"'), 'op = "=>"', "op must be '<=' or '>='"),
    ("missing bound", _drop_line("bound = 0.0"), "", "missing required key 'bound'"),
    ("unknown constraint key", _replace("bound = 0.0", "bounds = 0.0"), "bounds =", "did you mean 'bound'"),
    (
        "linear term not declared",
        _replace('"anatomy.defect_span" = -0.4', '"patient.weight" = -0.4'),
        "terms =",
        "'patient.weight' is not declared",
    ),
    (
        "coefficient not a number",
        _replace('"anatomy.defect_span" = -0.4', '"anatomy.defect_span" = "-0.4"'),
        "terms =",
        "must be a number",
    ),
    (
        "empty terms",
        _replace('terms = { "design.min_wall_thickness" = 1.0, "anatomy.defect_span" = -0.4 }', "terms = {}"),
        "terms = {}",
        "non-empty",
    ),
    (
        "hull parameter not declared",
        _replace('parameters = ["anatomy.defect_span",', 'parameters = ["anatomy.defect_area",'),
        "parameters =",
        "'anatomy.defect_area' is not declared",
    ),
    ("hull point too short", _replace("[12.0, 8.0],", "[12.0],"), "[12.0],", "point #3 has 1 coordinates, expected 2"),
    ("hull point too long", _replace("[2.0, 2.0],", "[2.0, 2.0, 1.0],"), "[2.0, 2.0, 1.0]", "point #1 has 3"),
    ("hull point not numbers", _replace("[2.0, 8.0],", '[2.0, "8"],'), '[2.0, "8"]', "must be a number"),
    ("hull with one point", _one_point_hull, "points = [[2.0, 2.0]]", "at least 2 validated points, got 1"),
    (
        "near_limit_blocks_within not a boolean",
        _replace('version = "1.0"', 'version = "1.0"\nnear_limit_blocks_within = "yes"'),
        "near_limit_blocks_within",
        "near_limit_blocks_within must be true or false, not a string",
    ),
    (
        "near_limit_blocks_within misspelt",
        _replace('version = "1.0"', 'version = "1.0"\nnear_limit_blocks = true'),
        "near_limit_blocks =",
        "did you mean 'near_limit_blocks_within'",
    ),
]


def _expected_line(text: str, fragment: str) -> int:
    if "#" in fragment and fragment.rsplit("#", 1)[1].isdigit():
        fragment, occurrence = fragment.rsplit("#", 1)
        return _line_of(text, fragment, int(occurrence))
    return _line_of(text, fragment)


@pytest.mark.parametrize(("case", "edit", "at", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_envelope_reports_file_line_and_what(case: str, edit: Edit, at: str, message: str) -> None:
    text = edit(ENVELOPE)
    with pytest.raises(EnvelopeError) as raised:
        parse_envelope(text, "plates/e.toml", REGISTERED)
    error = raised.value
    if at:
        expected = _expected_line(text, at)
    else:  # the key is absent: the table's header is the most specific line
        expected = {
            "no limit at all": _header_line(text, "[[parameter]]", 3),
            "missing constraint type": _header_line(text, "[[constraint]]", 1),
            "missing bound": _header_line(text, "[[constraint]]", 1),
        }[case]
    assert error.line == expected, error.message
    assert error.message.startswith(f"plates/e.toml:{expected}: "), error.message
    assert message in error.message
    assert error.path == "plates/e.toml"
    assert error.code == "bad_envelope"
    assert "\n" not in error.message


def test_message_starts_with_the_line_alone_without_a_path() -> None:
    with pytest.raises(EnvelopeError) as raised:
        parse_envelope(ENVELOPE.replace('unit = "cm"', 'unit = "kg"'), "", REGISTERED)
    line = _line_of(ENVELOPE, 'unit = "cm"')
    assert raised.value.message.startswith(f"{line}: {'[[parameter]] #2'}")
    assert raised.value.path is None


META = (
    '[envelope]\nid = "x"\nversion = "1"\nfamily = "f"\ntitle = "t"\nvalidation_report = "r"\n'
    'approved_by = "b"\napproved_on = 2026-01-01\n'
)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "missing the [envelope] table"),
        ('[envelope]\nid = "x"\n', 1, "missing required key 'version'"),
        (META, 1, "no [[parameter]] table"),
        (META + '\n[parameter]\nname = "fit.max_gap"\n', 10, "must be [[parameter]] tables"),
        ('envelope = "x"\n', 1, "[envelope] must be a table"),
    ],
    ids=["empty file", "incomplete envelope table", "no parameters", "parameter as a plain table", "not a table"],
)
def test_structural_errors(text: str, line: int, message: str) -> None:
    with pytest.raises(EnvelopeError) as raised:
        parse_envelope(text, "x.toml", REGISTERED)
    assert raised.value.line == line
    assert raised.value.message.startswith(f"x.toml:{line}: ")
    assert message in raised.value.message


def test_sub_table_keys_are_located() -> None:
    text = ENVELOPE.replace(
        'terms = { "design.min_wall_thickness" = 1.0, "anatomy.defect_span" = -0.4 }\n', ""
    ).replace(
        'rationale = "longer spans need thicker walls"\n',
        'rationale = "longer spans need thicker walls"\n\n[constraint.terms]\n"design.min_wall_thickness" = 1.0\n'
        '"anatomy.defect_spam" = -0.4\n',
    )
    with pytest.raises(EnvelopeError) as raised:
        parse_envelope(text, "", REGISTERED)
    assert raised.value.line == _line_of(text, '"anatomy.defect_spam"')
    assert "did you mean 'anatomy.defect_span'" in raised.value.message


def test_load_envelope_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(EnvelopeError, match="no such envelope file"):
        load_envelope(tmp_path / "absent.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[envelope]\ntitle = "Pr\xe9"\n')
    with pytest.raises(EnvelopeError) as raised:
        load_envelope(latin)
    assert raised.value.line == 2
    assert raised.value.message.startswith(f"{latin}:2: not UTF-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(ENVELOPE.replace("max = 8.0", "max = 1.0"), encoding="utf-8")
    with pytest.raises(EnvelopeError) as raised:
        load_envelope(bad, REGISTERED)
    assert raised.value.message.startswith(f"{bad}:{_line_of(ENVELOPE, 'max = 8.0')}: ")


# -- canonical hash -------------------------------------------------------------------------------------------------

# The same envelope: other comments, spacing, key and table order, number spellings, explicit defaults, a string
# date, a single-line points array.
REFORMATTED = """
[[parameter]]
required=false
min=18.00
unit="year"
name="patient.age"

[envelope]
approved_on = "2026-03-02"   # as a string
approved_by = "A. Chen, Quality"
validation_report = "VR-CP-0012 rev B"
title = "PEKK cranial plates, 2-8 mm walls"
family = "cranial_plate"
version = "1.0"
id = "cranial-plate-pekk"
description = "[[parameter]]\\nunit = \\"not a key: this is the description\\"\\n"

[[constraint]]
type = "hull"
id = "worst-cases"
points = [[2, 2], [12, 4.80], [12, 8], [2, 8]]
parameters = ["anatomy.defect_span", "design.min_wall_thickness"]
rationale = ""

[[parameter]]
name = "anatomy.defect_span"
unit = "cm"
max = 1.2e1
min = 2.0
required = true

[[parameter]]
name = "design.min_wall_thickness"
rationale = "FEA worst cases at 2 mm and 8 mm"
unit = "mm"
near_limit = 0.20
max = 8
min = 2

[[constraint]]
id = "wall-vs-span"
type = "linear"
bound = -0.0
op = ">="
rationale = "longer spans need thicker walls"

[constraint.terms]
"anatomy.defect_span" = -0.40
"design.min_wall_thickness" = 1
"""


def test_canonical_hash_ignores_formatting_order_and_spelling() -> None:
    original = parse_envelope(ENVELOPE, "a.toml", REGISTERED)
    reformatted = parse_envelope(REFORMATTED, "b.toml", REGISTERED)
    assert reformatted.canonical() == original.canonical()
    assert reformatted.sha256 == original.sha256
    assert original.canonical_bytes().startswith(b'{"constraints":[{"bound":"0",')


CHANGES = [
    ("near_limit_blocks_within", 'version = "1.0"', 'version = "1.0"\nnear_limit_blocks_within = true'),
    ("version", 'version = "1.0"', 'version = "1.1"'),
    ("max", "max = 8.0", "max = 8.01"),
    ("min", "min = 2\n", "min = 3\n"),
    ("near_limit", "near_limit = 0.2", "near_limit = 0.25"),
    ("required", "required = false", "required = true"),
    ("unit", 'unit = "cm"\nmin = 2\nmax = 12.0', 'unit = "mm"\nmin = 2\nmax = 12.0'),
    ("rationale", "FEA worst cases at 2 mm and 8 mm", "FEA worst cases at 2 mm and 8 mm."),
    ("description", "this is the description", "this is the  description"),
    ("coefficient", '"anatomy.defect_span" = -0.4', '"anatomy.defect_span" = -0.41'),
    ("op", 'op = ">="', 'op = "<="'),
    ("bound", "bound = 0.0", "bound = 0.000001"),
    ("hull point", "[12.0, 4.8],", "[12.0, 4.9],"),
    ("approval date", "approved_on = 2026-03-02", "approved_on = 2026-03-03"),
    ("report", "VR-CP-0012 rev B", "VR-CP-0012 rev C"),
]


@pytest.mark.parametrize(("what", "old", "new"), CHANGES, ids=[c[0] for c in CHANGES])
def test_canonical_hash_changes_with_any_value(what: str, old: str, new: str) -> None:
    assert old in ENVELOPE
    original = parse_envelope(ENVELOPE, "", REGISTERED)
    changed = parse_envelope(ENVELOPE.replace(old, new, 1), "", REGISTERED)
    assert changed.sha256 != original.sha256, what


def test_near_limit_blocks_within_is_optional_and_hashed_only_when_true() -> None:
    """Envelopes written before the option existed keep their hash; saying false explicitly changes nothing."""
    original = parse_envelope(ENVELOPE, "", REGISTERED)
    assert original.near_limit_blocks_within is False
    explicit = parse_envelope(
        ENVELOPE.replace('version = "1.0"', 'version = "1.0"\nnear_limit_blocks_within = false'), "", REGISTERED
    )
    assert explicit.near_limit_blocks_within is False
    assert explicit.sha256 == original.sha256
    assert "near_limit_blocks_within" not in original.canonical()["envelope"]
    blocking = parse_envelope(
        ENVELOPE.replace('version = "1.0"', 'version = "1.0"\nnear_limit_blocks_within = true'), "", REGISTERED
    )
    assert blocking.near_limit_blocks_within is True
    assert blocking.canonical()["envelope"]["near_limit_blocks_within"] is True


def test_load_cases_names_a_load_case_file_and_is_hashed_only_when_given() -> None:
    """``[envelope] load_cases`` names the family's load-case file by id; envelopes without it keep their hash."""
    original = parse_envelope(ENVELOPE, "", REGISTERED)
    assert original.load_cases == ""
    assert "load_cases" not in original.canonical()["envelope"]
    named = parse_envelope(
        ENVELOPE.replace('version = "1.0"', 'version = "1.0"\nload_cases = "cranial-plate-pekk"'), "", REGISTERED
    )
    assert named.load_cases == "cranial-plate-pekk"
    assert named.canonical()["envelope"]["load_cases"] == "cranial-plate-pekk"
    assert named.sha256 != original.sha256
    with pytest.raises(EnvelopeError, match=r"^5: \[envelope\]: load_cases 'Plate Loads' must be a load-case file"):
        parse_envelope(
            ENVELOPE.replace('version = "1.0"', 'version = "1.0"\nload_cases = "Plate Loads"'), "", REGISTERED
        )
