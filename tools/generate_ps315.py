"""Generate ``imaging/ps315_table.py``: the Basic Profile column of DICOM PS3.15 Table E.1-1, from a machine copy.

DICOM's own DocBook source of PS3.15 cannot be fetched where DVW is built (only package registries are reachable),
so the table comes from the copy that the ``dicom-anonymizer`` package (Kitware, BSD-3-Clause; pinned in the
``dev`` dependency group) ships for each edition: one Python list of tags per action code, each tag followed by the
attribute's name as a comment, scraped by its authors from NEMA's HTML rendering of the table
(``scripts/scrap_DICOM_fields.py`` in their repository). Nothing of that package is imported, at build time or at
run time: this script reads the one file as text, parses it (``ast`` for the tags, ``tokenize`` for the names),
checks its structure and the SHA-256 that the package's ``RECORD`` declares, and writes a plain, typed module with
the edition, the source's version and hash in its header. The generated module is checked in, so a change of the
table shows as a reviewed diff.

Usage::

    uv run --locked python tools/generate_ps315.py          # (re)write imaging/ps315_table.py
    uv run --locked python tools/generate_ps315.py --check  # exit 1 if the checked-in module is not what this makes
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "imaging" / "ps315_table.py"

#: The edition to generate, and where its table lies in the source package.
EDITION = "2026c"
SOURCE_DISTRIBUTION = "dicom-anonymizer"
SOURCE_VERSION = "2.1.0"
SOURCE_PATH = f"dicomanonymizer/dicom_anonymization_databases/dicomfields_{EDITION}.py"
SOURCE_LICENSE = "BSD-3-Clause"

#: The source's list names and the action code (as printed in Table E.1-1) each one holds.
LISTS = {
    "D_TAGS": "D",
    "Z_TAGS": "Z",
    "X_TAGS": "X",
    "U_TAGS": "U",
    "Z_D_TAGS": "Z/D",
    "X_Z_TAGS": "X/Z",
    "X_D_TAGS": "X/D",
    "X_Z_D_TAGS": "X/Z/D",
    "X_Z_U_STAR_TAGS": "X/Z/U*",
}
#: Every code Table E.1-1 uses in its Basic Profile column (K and C appear only in the option columns).
CODES = ("D", "Z", "X", "K", "C", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*")
#: Fewer rows than this means the source was not read right (the 2023 edition already had 606).
MIN_ROWS = 600


class SourceError(Exception):
    """The source file is missing, altered or not shaped as expected."""


@dataclass(frozen=True)
class Row:
    """One row of Table E.1-1: a tag (``0xGGGGEEEE``) or a repeating-group pattern with its mask."""

    tag: int
    mask: int  # 0xFFFFFFFF for a single attribute; e.g. 0xFF00FFFF for (60xx,3000)
    name: str
    code: str


def _source_file() -> tuple[Path, bytes, str]:
    """The installed source file, its bytes and the distribution's version; checked against its RECORD hash."""
    try:
        dist = metadata.distribution(SOURCE_DISTRIBUTION)
    except metadata.PackageNotFoundError as exc:
        raise SourceError(f"{SOURCE_DISTRIBUTION} is not installed (uv sync --locked installs the dev group)") from exc
    if dist.version != SOURCE_VERSION:
        raise SourceError(f"{SOURCE_DISTRIBUTION} {dist.version} is installed; this script reads {SOURCE_VERSION}")
    for entry in dist.files or ():
        if str(entry) == SOURCE_PATH:
            path = Path(str(dist.locate_file(entry)))
            data = path.read_bytes()
            if entry.hash is None or entry.hash.mode != "sha256":
                raise SourceError(f"{SOURCE_PATH}: no SHA-256 in the package's RECORD")
            declared = base64.urlsafe_b64decode(entry.hash.value + "=" * (-len(entry.hash.value) % 4))
            if hashlib.sha256(data).digest() != declared:
                raise SourceError(f"{path}: its content is not what the package's RECORD declares")
            return path, data, dist.version
    raise SourceError(f"{SOURCE_DISTRIBUTION} {dist.version} has no {SOURCE_PATH}")


def _clean_name(comment: str) -> str:
    """The attribute name from a source comment: zero-width spaces and "(see Note n)" references removed."""
    name = comment.lstrip("#").replace("\u200b", "").strip()
    name = re.sub(r"\s*\(see Note \d+\)$", "", name)
    return re.sub(r"\s+", " ", name)


def parse_source(text: str) -> list[Row]:
    """The rows of the source text, sorted by tag.

    Raises
    ------
    SourceError
        If a list is unknown or missing, an element is not a tag, a row has no name, or a tag is listed twice.
    """
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string
    rows: list[Row] = []
    seen_lists: set[str] = set()
    for node in ast.parse(text).body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.List)):
            continue
        (target,) = node.targets
        if not isinstance(target, ast.Name) or target.id == "ALL_TAGS":
            continue
        if target.id not in LISTS:
            raise SourceError(f"unknown list {target.id!r} in the source")
        seen_lists.add(target.id)
        for element in node.value.elts:
            rows.append(_row(element, LISTS[target.id], comments))
    if seen_lists != set(LISTS):
        raise SourceError(f"the source lacks the lists {sorted(set(LISTS) - seen_lists)}")
    keys = [(row.tag, row.mask) for row in rows]
    if len(set(keys)) != len(keys):
        raise SourceError("a tag is listed twice in the source")
    if len(rows) < MIN_ROWS:
        raise SourceError(f"only {len(rows)} rows were read from the source")
    return sorted(rows, key=lambda row: (row.tag, row.mask))


def _row(element: ast.expr, code: str, comments: dict[int, str]) -> Row:
    value = ast.literal_eval(element)
    end = element.end_lineno or element.lineno
    comment = comments.get(end)
    if comment is None:
        raise SourceError(f"line {end}: a tag without its attribute name")
    if not (isinstance(value, tuple) and len(value) in (2, 4) and all(isinstance(v, int) for v in value)):
        raise SourceError(f"line {end}: not a (group, element) tag: {value!r}")
    if not all(0 <= v <= 0xFFFF for v in value):
        raise SourceError(f"line {end}: a tag number out of range: {value!r}")
    group, elem = value[0], value[1]
    mask = 0xFFFFFFFF if len(value) == 2 else (value[2] << 16) | value[3]
    tag = ((group << 16) | elem) & mask
    return Row(tag=tag, mask=mask, name=_clean_name(comment), code=code)


def _tag_text(tag: int, mask: int) -> str:
    digits = f"{tag:08X}"
    shown = "".join(d if (mask >> (4 * (7 - i))) & 0xF else "x" for i, d in enumerate(digits))
    return f"({shown[:4]},{shown[4:]})"


def _quoted(text: str) -> str:
    """``text`` as a double-quoted Python string literal (the quoting ruff's formatter keeps)."""
    return json.dumps(text, ensure_ascii=True)


def render(rows: list[Row], source_sha256: str, source_version: str) -> str:
    """The text of ``imaging/ps315_table.py`` for ``rows``."""
    single = [row for row in rows if row.mask == 0xFFFFFFFF]
    repeating = [row for row in rows if row.mask != 0xFFFFFFFF]
    counts = {code: sum(1 for row in rows if row.code == code) for code in CODES}
    summary = ", ".join(f"{code} {n}" for code, n in counts.items() if n)
    lines = [
        f'"""DICOM PS3.15 Table E.1-1, Basic Profile column, edition {EDITION}: GENERATED by tools/generate_ps315.py.',
        "",
        "Do not edit by hand: regenerate with ``uv run --locked python tools/generate_ps315.py`` (``--check`` verifies",
        "that this file is what the script makes from the pinned source).",
        "",
        f"DICOM edition: {EDITION} (PS3.15 Table E.1-1, Application Level Confidentiality Profile Attributes)",
        f"Source: {SOURCE_DISTRIBUTION} {source_version} ({SOURCE_LICENSE}),",
        f"    file {SOURCE_PATH},",
        "    scraped by that package's authors from NEMA's HTML rendering of PS3.15 chapter E",
        f"Source SHA-256: {source_sha256}",
        f"Rows: {len(single)} attributes and {len(repeating)} repeating-group rows",
        f"    (by action code: {summary}).",
        "    The table's row for private attributes ((gggg,eeee) with gggg odd: X) is not in the source;",
        "    imaging.deidentify removes every private attribute.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Final, Literal",
        "",
        f'EDITION: Final = "{EDITION}"',
        f'SOURCE: Final = "{SOURCE_DISTRIBUTION} {source_version} {SOURCE_PATH}"',
        f'SOURCE_SHA256: Final = "{source_sha256}"',
        "",
        "ActionCode = Literal[" + ", ".join(f'"{code}"' for code in CODES) + "]",
        '"""An action code as printed in the Basic Profile column."""',
        "",
        "ROWS: Final[tuple[tuple[int, str, ActionCode], ...]] = (",
        *(
            f"    (0x{row.tag:08X}, {_quoted(row.name)}, {_quoted(row.code)}),  # {_tag_text(row.tag, row.mask)}"
            for row in single
        ),
        ")",
        '"""(tag as ``0xGGGGEEEE``, attribute name, action code) for each single attribute, sorted by tag."""',
        "",
        "REPEATING_ROWS: Final[tuple[tuple[int, int, str, ActionCode], ...]] = (",
        *(
            f"    (0x{row.tag:08X}, 0x{row.mask:08X}, {_quoted(row.name)}, {_quoted(row.code)}),"
            f"  # {_tag_text(row.tag, row.mask)}"
            for row in repeating
        ),
        ")",
        '"""(pattern, mask, attribute name, action code): a tag belongs to the row when ``tag & mask == pattern``."""',
        "",
    ]
    return "\n".join(lines)


def generate() -> str:
    """The module text made from the installed source."""
    _path, data, version = _source_file()
    rows = parse_source(data.decode("utf-8"))
    return render(rows, hashlib.sha256(data).hexdigest(), version)


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) ``imaging/ps315_table.py``; 0 when it is up to date or written."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    args = parser.parse_args(argv)
    try:
        text = generate()
    except SourceError as exc:
        sys.stderr.write(f"generate_ps315: {exc}\n")
        return 2
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            sys.stderr.write(f"{OUTPUT.relative_to(REPO)} is not what tools/generate_ps315.py makes: regenerate it\n")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {OUTPUT.relative_to(REPO)} (edition {EDITION})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
