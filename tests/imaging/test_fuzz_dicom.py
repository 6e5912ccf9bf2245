"""Fuzzing the DICOM-reading commands: ``dvw scan``, ``dvw import`` and ``dvw segment`` on damaged series.

Each example starts from a small, valid CT series written with pydicom by :mod:`imaging.synthetic` (four slices,
or one enhanced multi-frame file) in one of four encodings (explicit VR, implicit VR, RLE, enhanced multi-frame),
damages one to three of its files at the byte level, and runs the commands in-process through
:func:`app.cli.main`, as a user would. Mutations are what real-world files and broken transfers do: a VR flipped
into another (known, unknown, or two random bytes), a value replaced by random text, numbers such as NaN,
infinity, 1e-300 or 1e308, a wrong number of values or bytes, a length field that lies, an element deleted or
inserted, a file cut short or overwritten with random bytes, pixel data shorter or longer than its description,
and a File Meta transfer syntax that names another encoding or none at all.

The contract checked is CLI.md's: exit 0 or 2 only (never 1, the exit code of a bug), no traceback on stderr,
exactly one JSON object on stdout, and on exit 2 an ``{"error": {"code", "message", "path"}}`` object and one
line on stderr. An import that succeeds has finite values and a sane grid, and what it writes segments with
``--keep-largest 1 --fill-holes``. Examples are derandomized so that CI runs the same 1,000 inputs every time.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.uid import (
    CTImageStorage,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    RLELossless,
)

from app.cli import main
from imaging import synthetic as syn

pytestmark = pytest.mark.slow

# --- the series every example starts from ------------------------------------------------------------------------

ROWS, COLUMNS, SLICES = 16, 16, 4
SPACING_XY = (0.75, 0.8)


def _voxels() -> np.ndarray:
    """HU: air with a 1000 HU bone block and a small separate 700 HU speck (two components for --keep-largest)."""
    hu = np.full((SLICES, ROWS, COLUMNS), -1000, dtype=np.int16)
    hu[:, 4:11, 3:12] = 1000
    hu[1:3, 13:15, 13:15] = 700
    hu[1:3, 6:8, 6:8] = 40  # a soft-tissue cavity inside the bone block, for --fill-holes
    return hu


@dataclass(frozen=True, repr=False)
class Template:
    """The files of one clean series (name -> bytes) and how they are encoded."""

    name: str
    files: tuple[tuple[str, bytes], ...]
    implicit: bool

    def __repr__(self) -> str:  # hypothesis prints failing arguments: keep it short
        return f"Template({self.name})"


def _read_folder(folder: Path, implicit: bool, name: str) -> Template:
    files = tuple((p.name, p.read_bytes()) for p in sorted(folder.iterdir()))
    return Template(name, files, implicit)


def _templates() -> dict[str, Template]:
    made: dict[str, Template] = {}
    placement = syn.regular_stack(SLICES, 2.5, origin=(-6.0, -6.0, 10.0))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, syntax in (("explicit", ExplicitVRLittleEndian), ("implicit", ImplicitVRLittleEndian)):
            syn.write_ct_series(
                root / name, _voxels(), placement=placement, pixel_spacing_xy=SPACING_XY, transfer_syntax=syntax
            )
            made[name] = _read_folder(root / name, syntax == ImplicitVRLittleEndian, name)
        syn.write_ct_series(
            root / "rle", _voxels(), placement=placement, pixel_spacing_xy=SPACING_XY, transfer_syntax=RLELossless
        )
        made["rle"] = _read_folder(root / "rle", False, "rle")
        syn.write_enhanced_ct(
            root / "enhanced" / "volume.dcm", _voxels(), placement=placement, pixel_spacing_xy=SPACING_XY
        )
        made["enhanced"] = _read_folder(root / "enhanced", False, "enhanced")
    return made


TEMPLATES = _templates()

# --- a byte-level view of a file's top-level elements ------------------------------------------------------------

_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_META_START = 132


@dataclass(frozen=True)
class Element:
    """Where one top-level element of a clean file lies: tag, VR bytes (explicit), length field and value."""

    tag: int
    start: int
    vr_at: int | None
    length_at: int
    length_size: int
    value_at: int
    length: int

    @property
    def end(self) -> int:
        """Offset just past the element (its sequence delimiter for an undefined length)."""
        return self.value_at + self.length


def _header(data: bytes, pos: int, explicit: bool) -> tuple[int, int | None, int, int, int, int]:
    group, number = struct.unpack_from("<HH", data, pos)
    tag = (group << 16) | number
    if tag in (_ITEM, _ITEM_END, _SEQUENCE_END) or not explicit:
        (length,) = struct.unpack_from("<I", data, pos + 4)
        return tag, None, pos + 4, 4, pos + 8, length
    vr = data[pos + 4 : pos + 6]
    if vr in _LONG_VRS:
        (length,) = struct.unpack_from("<I", data, pos + 8)
        return tag, pos + 4, pos + 8, 4, pos + 12, length
    (length,) = struct.unpack_from("<H", data, pos + 6)
    return tag, pos + 4, pos + 6, 2, pos + 8, length


def _skip_sequence(data: bytes, pos: int, explicit: bool) -> int:
    """Offset after an undefined-length sequence (or encapsulated pixel data) whose items start at ``pos``."""
    while True:
        tag, _, _, _, value_at, length = _header(data, pos, explicit)
        if tag == _SEQUENCE_END:
            return value_at
        if length != _UNDEFINED:
            pos = value_at + length
            continue
        pos = value_at
        while True:  # an undefined-length item: its elements up to the item delimiter
            inner, _, _, _, inner_value, inner_length = _header(data, pos, explicit)
            if inner == _ITEM_END:
                pos = inner_value
                break
            pos = (
                _skip_sequence(data, inner_value, explicit)
                if inner_length == _UNDEFINED
                else inner_value + inner_length
            )


def _elements(data: bytes, start: int, explicit: bool, *, meta: bool = False) -> list[Element]:
    found: list[Element] = []
    pos = start
    while pos + 8 <= len(data):
        if meta and data[pos : pos + 2] != b"\x02\x00":
            break
        tag, vr_at, length_at, size, value_at, length = _header(data, pos, explicit)
        if length == _UNDEFINED:
            end = _skip_sequence(data, value_at, explicit)
            found.append(Element(tag, pos, vr_at, length_at, size, value_at, end - value_at))
            pos = end
            continue
        found.append(Element(tag, pos, vr_at, length_at, size, value_at, length))
        pos = value_at + length
    return found


def _layout(data: bytes, implicit: bool) -> tuple[list[Element], list[Element]]:
    """The File Meta elements and the data set's top-level elements of a clean file."""
    meta = _elements(data, _META_START, True, meta=True)
    body_start = meta[-1].end
    return meta, _elements(data, body_start, not implicit)


# --- mutations -----------------------------------------------------------------------------------------------------

KEYWORDS = (
    "Rows",
    "Columns",
    "BitsAllocated",
    "BitsStored",
    "HighBit",
    "PixelRepresentation",
    "SamplesPerPixel",
    "PhotometricInterpretation",
    "PlanarConfiguration",
    "PixelSpacing",
    "ImagePositionPatient",
    "ImageOrientationPatient",
    "RescaleSlope",
    "RescaleIntercept",
    "NumberOfFrames",
    "PixelPaddingValue",
    "SliceThickness",
    "SpacingBetweenSlices",
    "GantryDetectorTilt",
    "SeriesInstanceUID",
    "SOPInstanceUID",
    "SOPClassUID",
    "InstanceNumber",
    "AcquisitionNumber",
    "ImageType",
    "Modality",
    "SpecificCharacterSet",
    "SeriesDescription",
    "PerFrameFunctionalGroupsSequence",
    "SharedFunctionalGroupsSequence",
    "PixelData",
)
#: The attributes that decide a volume's values and geometry: drawn more often than the others.
IMPORTANT = (
    "Rows",
    "Columns",
    "BitsAllocated",
    "BitsStored",
    "PixelRepresentation",
    "SamplesPerPixel",
    "PixelSpacing",
    "ImagePositionPatient",
    "ImageOrientationPatient",
    "RescaleSlope",
    "RescaleIntercept",
    "NumberOfFrames",
)
VRS = (
    "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN",
    "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
)  # fmt: skip
SPECIAL_NUMBERS = (
    "nan", "NaN", "inf", "-inf", "Infinity", "0", "-0", "0.0", "1e-300", "-1e-300", "5e-324", "1e308", "-1e308",
    "1e999", "1", "-1", "2", "0.5", "65535", "65536", "-32769", "4294967296", "1e20", "1e-9", "",
)  # fmt: skip
SYNTAXES = (
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    ExplicitVRBigEndian,
    DeflatedExplicitVRLittleEndian,
    RLELossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    JPEG2000Lossless,
    CTImageStorage,  # a UID that is not a transfer syntax
    "1.2.840.10008.1.2.4.999",
    "1.2.3",
    "",
    "not a uid",
)


#: Values per attribute where it has more than one: numbers are drawn in this count as often as in any other.
MULTIPLICITY = {"PixelSpacing": 2, "ImagePositionPatient": 3, "ImageOrientationPatient": 6, "ImageType": 3}


def _number_text(count: int = 1) -> st.SearchStrategy[str]:
    one = st.one_of(
        st.sampled_from(SPECIAL_NUMBERS),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(2**40), 2**40).map(str),
    )
    exact = st.lists(one, min_size=count, max_size=count)
    return st.one_of(exact, st.lists(one, min_size=1, max_size=7)).map("\\".join)


def _text_value(count: int = 1) -> st.SearchStrategy[bytes]:
    words = st.one_of(
        _number_text(count),
        st.sampled_from(["MONOCHROME2", "MONOCHROME1", "RGB", "PALETTE COLOR", "YBR_FULL", "CT", "MR", "OT"]),
        st.sampled_from(["ORIGINAL\\PRIMARY\\AXIAL", "DERIVED\\SECONDARY", "ORIGINAL\\PRIMARY\\LOCALIZER"]),
        st.sampled_from(["ISO_IR 100", "ISO_IR 192", "ISO 2022 IR 87", "GB18030", "\\ISO 2022 IR 149", "bogus"]),
        st.sampled_from([str(s) for s in SYNTAXES if s] + ["1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.1.3.10"]),
        st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255), max_size=24),
    )
    return words.map(lambda text: text.encode("latin-1"))


def _binary_value() -> st.SearchStrategy[bytes]:
    count = st.integers(0, 4)
    return st.one_of(
        st.lists(st.integers(0, 65535), min_size=1, max_size=3).map(lambda v: struct.pack(f"<{len(v)}H", *v)),
        st.sampled_from([0, 1, 2, 7, 8, 12, 15, 16, 17, 32, 64, 255, 32767, 32768, 65535]).map(
            lambda v: struct.pack("<H", v)
        ),
        count.flatmap(lambda n: st.lists(st.integers(-(2**31), 2**31 - 1), min_size=n, max_size=n)).map(
            lambda v: struct.pack(f"<{len(v)}i", *v)
        ),
        st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=3).map(
            lambda v: struct.pack(f"<{len(v)}d", *v)
        ),
        st.binary(max_size=9),
    )


def _value_for(keyword: str) -> st.SearchStrategy[bytes]:
    tag = tag_for_keyword(keyword)
    vr = dictionary_VR(tag) if tag is not None else "UN"
    count = MULTIPLICITY.get(keyword, 1)
    binary = vr[:2] in ("US", "SS", "UL", "SL", "FL", "FD", "OB", "OW")
    native = _binary_value() if binary else _text_value(count)
    return st.one_of(native, native, _text_value(count) | _binary_value())


@dataclass(frozen=True)
class Mutation:
    """One change to one file of a series; ``apply`` gives the new bytes."""

    kind: str
    file: int
    keyword: str = ""
    payload: bytes = b""
    number: int = 0

    def apply(self, data: bytes, implicit: bool) -> bytes:
        """The file's bytes after this mutation (a no-op when its element is absent)."""
        meta, body = _layout(data, implicit)
        if self.kind == "truncate":
            return data[: self.number % (len(data) + 1)]
        if self.kind == "overwrite":
            at = self.number % max(1, len(data))
            return data[:at] + self.payload + data[at + len(self.payload) :]
        if self.kind == "syntax":
            return _replace_meta_syntax(data, meta, self.payload)
        tag = int(tag_for_keyword(self.keyword) or 0)
        element = next((e for e in body if e.tag == tag), None)
        if self.kind == "value" and element is None and tag != 0x7FE00010:
            return _insert(data, body, tag, self.payload, implicit)
        if element is None:
            return data
        if self.kind == "value":
            return _set_value(data, element, self.payload)
        if self.kind == "vr" and element.vr_at is not None:
            return data[: element.vr_at] + self.payload[:2].ljust(2, b" ") + data[element.vr_at + 2 :]
        if self.kind == "length":
            current = struct.unpack_from("<I" if element.length_size == 4 else "<H", data, element.length_at)[0]
            limit = (1 << (8 * element.length_size)) - 1
            new = min(limit, max(0, current + self.number))
            packed = struct.pack("<I" if element.length_size == 4 else "<H", new)
            return data[: element.length_at] + packed + data[element.length_at + element.length_size :]
        if self.kind == "delete":
            return data[: element.start] + data[element.end :]
        if self.kind == "pixels" and tag == 0x7FE00010:
            value = data[element.value_at : element.end]
            changed = value[: max(0, len(value) + self.number)] if self.number < 0 else value + bytes(self.number)
            return _set_value(data, element, changed)
        return data


def _set_value(data: bytes, element: Element, value: bytes) -> bytes:
    if element.length_size == 2 and len(value) > 0xFFFF:
        value = value[:0xFFFF]
    packed = struct.pack("<I" if element.length_size == 4 else "<H", len(value))
    return (
        data[: element.length_at]
        + packed
        + data[element.length_at + element.length_size : element.value_at]
        + (value + data[element.end :])
    )


def _insert(data: bytes, body: list[Element], tag: int, value: bytes, implicit: bool) -> bytes:
    at = next((e.start for e in body if e.tag > tag), len(data))
    tag_bytes = struct.pack("<HH", tag >> 16, tag & 0xFFFF)
    if implicit:
        element = tag_bytes + struct.pack("<I", len(value)) + value
    else:
        vr = dictionary_VR(tag)[:2].encode("ascii")
        if vr in _LONG_VRS:
            element = tag_bytes + vr + b"\x00\x00" + struct.pack("<I", len(value)) + value
        else:
            element = tag_bytes + vr + struct.pack("<H", min(len(value), 0xFFFF)) + value[:0xFFFF]
    return data[:at] + element + data[at:]


def _replace_meta_syntax(data: bytes, meta: list[Element], uid: bytes) -> bytes:
    syntax = next((e for e in meta if e.tag == 0x00020010), None)
    group_length = next((e for e in meta if e.tag == 0x00020000), None)
    if syntax is None:
        return data
    value = uid + (b"\x00" if len(uid) % 2 else b"")
    changed = _set_value(data, syntax, value)
    if group_length is not None:
        old = struct.unpack_from("<I", data, group_length.value_at)[0]
        new = struct.pack("<I", old + len(value) - syntax.length)
        changed = changed[: group_length.value_at] + new + changed[group_length.value_at + 4 :]
    return changed


def _mutation(files: int) -> st.SearchStrategy[Mutation]:
    which = st.integers(0, files - 1)
    keyword = st.one_of(st.sampled_from(IMPORTANT), st.sampled_from(KEYWORDS))
    valued = st.tuples(which, keyword).flatmap(
        lambda fk: _value_for(fk[1]).map(lambda v: Mutation("value", fk[0], fk[1], v))
    )
    flipped = st.builds(
        Mutation,
        st.just("vr"),
        which,
        keyword,
        st.one_of(
            st.sampled_from(VRS).map(str.encode),
            st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2).map(str.encode),  # unknown VRs
            st.binary(min_size=2, max_size=2),
        ),
    )
    return st.one_of(
        valued,
        valued,
        valued,
        flipped,
        flipped,
        st.builds(Mutation, st.just("length"), which, keyword, st.just(b""), st.integers(-9, 9)),
        st.builds(Mutation, st.just("delete"), which, keyword),
        st.builds(Mutation, st.just("truncate"), which, number=st.integers(0, 2**31)),
        st.builds(
            Mutation,
            st.just("overwrite"),
            which,
            payload=st.binary(min_size=1, max_size=8),
            number=st.integers(0, 2**31),
        ),
        st.builds(
            Mutation,
            st.just("pixels"),
            which,
            st.just("PixelData"),
            number=st.sampled_from([-1, -2, -32, -ROWS * COLUMNS, ROWS * COLUMNS, 1, 2, 32, 3 * ROWS * COLUMNS * 2]),
        ),
        st.builds(Mutation, st.just("syntax"), which, payload=st.sampled_from(SYNTAXES).map(str.encode)),
    )


# --- running the commands ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one in-process ``dvw`` call did."""

    argv: tuple[str, ...]
    code: int
    payload: dict[str, Any]
    stderr: str


def _dvw(*argv: str) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    text = out.getvalue()
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"{argv}: stdout is not one JSON object: {text[:200]!r}") from exc
    assert isinstance(payload, dict), argv
    return Outcome(argv, code, payload, err.getvalue())


def _check_contract(outcome: Outcome) -> None:
    where = f"dvw {' '.join(outcome.argv[:1])} -> exit {outcome.code}: {outcome.stderr.strip()[:300]}"
    assert outcome.code in (0, 2), where
    assert "Traceback" not in outcome.stderr, where
    if outcome.code == 2:
        assert set(outcome.payload["error"]) == {"code", "message", "path"}, where
        assert outcome.payload["error"]["message"], where
        assert len(outcome.stderr.strip().splitlines()) == 1, where


def _check_import(payload: dict[str, Any]) -> None:
    assert all(isinstance(n, int) and n >= 1 for n in payload["size"]), payload["size"]
    assert all(math.isfinite(s) and s > 0 for s in payload["spacing"]), payload["spacing"]
    assert all(math.isfinite(v) for v in (*payload["origin"], *payload["direction"], *payload["hu_range"])), payload
    direction = np.asarray(payload["direction"], dtype=np.float64).reshape(3, 3)
    np.testing.assert_allclose(direction.T @ direction, np.eye(3), atol=1e-5)


def run_commands(template: Template, mutations: list[Mutation], *, allow_gaps: bool) -> list[Outcome]:
    """Write the mutated series, then scan, import and (when the import succeeds) segment it; check each call."""
    files = dict(template.files)
    names = sorted(files)
    for mutation in mutations:
        name = names[mutation.file % len(names)]
        files[name] = (
            mutation.apply(files[name], template.implicit) if _parsable(files[name], template) else files[name]
        )
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "series"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        volume, mask = Path(tmp) / "volume.nrrd", Path(tmp) / "mask.nrrd"
        outcomes.append(_dvw("scan", str(folder), "--json"))
        assert outcomes[-1].code == 0, outcomes[-1].stderr
        extra = ("--allow-gaps",) if allow_gaps else ()
        outcomes.append(_dvw("import", str(folder), "--out", str(volume), *extra, "--json"))
        _check_contract(outcomes[-1])
        if outcomes[-1].code == 0:
            _check_import(outcomes[-1].payload)
            segment = ("segment", str(volume), "--preset", "bone", "--keep-largest", "1", "--fill-holes")
            outcomes.append(_dvw(*segment, "--out", str(mask), "--json"))
            _check_contract(outcomes[-1])
            assert outcomes[-1].code == 0 or not mask.exists()
        else:
            assert not volume.exists(), "a refused import left a file behind"
    return outcomes


def _parsable(data: bytes, template: Template) -> bool:
    """Whether the element layout of ``data`` can still be walked (earlier mutations may have broken it)."""
    try:
        _layout(data, template.implicit)
    except (struct.error, IndexError):
        return False
    return True


# --- the tests -----------------------------------------------------------------------------------------------------

#: Examples per encoding: 1,000 DICOM inputs in all.
EXAMPLES = {"explicit": 400, "implicit": 200, "rle": 150, "enhanced": 250}


def _fuzz(name: str) -> Callable[[], None]:
    template = TEMPLATES[name]
    files = len(template.files)

    @settings(
        max_examples=EXAMPLES[name],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutations=st.lists(_mutation(files), min_size=1, max_size=3), allow_gaps=st.booleans())
    def run(mutations: list[Mutation], allow_gaps: bool) -> None:
        run_commands(template, mutations, allow_gaps=allow_gaps)

    return run


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_mutated_series_never_crash_a_command(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DVW_HOME", str(tmp_path / "home"))
    _fuzz(name)()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_clean_series_imports_and_segments(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The starting point of every example is a good series: the fuzz really reaches import and segment."""
    monkeypatch.setenv("DVW_HOME", str(tmp_path / "home"))
    scan, imported, segmented = run_commands(TEMPLATES[name], [], allow_gaps=False)
    (series,) = scan.payload["series"]
    assert series["usable"] is True
    assert imported.code == 0
    assert imported.payload["size"] == [COLUMNS, ROWS, SLICES]
    assert imported.payload["hu_range"] == [-1000.0, 1000.0]
    assert segmented.code == 0
    assert (segmented.payload["components"], segmented.payload["components_kept"]) == (2, 1)
    assert segmented.payload["voxels"] == 7 * 9 * SLICES  # the bone block with its soft-tissue hole filled
