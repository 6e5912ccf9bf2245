"""Bad input never crashes a scan or an import, and never imports wrong values.

Truncated files (cut at any byte), random bytes, odd names and file types, ACR-NEMA files without File Meta,
codestreams cut short inside an intact file, and media directories: a header read returns a ``SkippedFile`` with a
reason or an ``InstanceHeader``; a scan lists what it skipped; an import either gives exactly the right values or
raises :class:`~imaging.errors.PixelDataError`. Property tests run with warnings as errors (the project's pytest
setting), so a warning leaking out of the header reader counts as a crash.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pydicom
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames
from pydicom.filereader import read_partial
from pydicom.uid import (
    UID,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
)

from imaging.assemble import ImportResult, assemble, select_series
from imaging.dicom_headers import InstanceHeader, SkippedFile, read_header
from imaging.errors import NotADicomFolderError, PixelDataError
from imaging.series import ScanResult, SeriesInfo, scan_folder

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PIXEL_DATA_TAG = b"\xe0\x7f\x10\x00"

PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)
# Scans and imports write a folder per example: fewer examples keep the file well under a minute.
FOLDER_PROPERTY = settings(PROPERTY, max_examples=40, suppress_health_check=[HealthCheck.too_slow])

# --- series made of a real slice, and the layout of one of its files ---------------------------------------------


@dataclass(frozen=True, repr=False)
class Template:
    """Four copies of a bundled slice (files as bytes) and where the pixel data of the last one starts and ends."""

    name: str
    source: Dataset
    files: tuple[bytes, ...]
    pixel_start: int  # offset of the (7FE0,0010) tag
    pixel_end: int  # offset just past the pixel data value (its sequence delimiter when encapsulated)
    element_edges: tuple[int, ...]  # offsets around every header element's tag, length and value

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example: keep it short
        return f"Template({self.name}, pixel data at {self.pixel_start}..{self.pixel_end} of {len(self.last)})"

    @property
    def last(self) -> bytes:
        return self.files[-1]

    def expected(self, slices: int) -> npt.NDArray[np.float64]:
        """Modality values of ``slices`` copies, as an import must give them (padding replaced by the fill)."""
        stored = self.source.pixel_array
        values = stored.astype(np.float64) * float(self.source.get("RescaleSlope", 1.0))
        values += float(self.source.get("RescaleIntercept", 0.0))
        padding = self.source.get("PixelPaddingValue")
        if padding is not None:
            values[stored == padding] = -1024.0 if self.source.Modality == "CT" else 0.0
        return np.stack([values] * slices)


def _element_edges(data: bytes, end: int) -> tuple[int, ...]:
    """Offsets around each explicit VR little endian element before ``end``: where parsers tend to break."""
    edges = {0, 1, 127, 128, 131, 132, 133}
    pos = 132
    while pos + 8 <= end:
        vr = data[pos + 4 : pos + 6]
        long_form = vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV", b"SV", b"UV")
        header = 12 if long_form else 8
        (length,) = struct.unpack_from("<I" if long_form else "<H", data, pos + 8 if long_form else pos + 6)
        edges.update({pos, pos + 1, pos + 4, pos + 6, pos + header - 1, pos + header, pos + header + 1})
        if length == 0xFFFFFFFF:
            break  # an undefined-length sequence: the edges so far are enough
        edges.update({pos + header + length - 1, pos + header + length})
        pos += header + length
    return tuple(sorted(e for e in edges if e < end))


def _pixel_layout(data: bytes) -> tuple[int, int]:
    fp = io.BytesIO(data)
    read_partial(fp, stop_when=lambda tag, vr, length: int(tag) == 0x7FE00010)  # rewinds to the element's tag
    start = fp.tell()
    assert data[start : start + 4] == PIXEL_DATA_TAG
    ds = pydicom.dcmread(io.BytesIO(data))
    encapsulated = UID(ds.file_meta.TransferSyntaxUID).is_compressed
    return start, start + 12 + len(ds.PixelData) + (8 if encapsulated else 0)


def _to_bytes(ds: Dataset) -> bytes:
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue()


SOURCES = ("CT_small.dcm", "MR_small.dcm", "MR_small_RLE.dcm")


class Templates(dict[str, Template]):
    def __repr__(self) -> str:
        return f"Templates({', '.join(self)})"


@pytest.fixture(scope="module")
def templates(pydicom_file: Callable[[str], Path], stack_copies: Callable[..., list[Dataset]]) -> dict[str, Template]:
    made = {}
    for name in SOURCES:
        source = pydicom.dcmread(pydicom_file(name))  # all three end with DataSetTrailingPadding
        files = tuple(_to_bytes(ds) for ds in stack_copies(source, 4))
        start, end = _pixel_layout(files[-1])
        made[name] = Template(name, source, files, start, end, _element_edges(files[-1], start))
    return Templates(made)


# A cut is drawn as (at an edge?, index) and mapped onto the region once its bounds are known: half the time at an
# element edge or a bound of the region (where parsers tend to break), otherwise anywhere in it.
CUTS = st.tuples(st.booleans(), st.integers(0, 2**31 - 1))


def _cut(choice: tuple[bool, int], low: int, high: int, edges: tuple[int, ...] = ()) -> int:
    """An offset in [low, high) for a drawn ``choice`` (see CUTS)."""
    at_edge, index = choice
    special = sorted({e for e in (*edges, low, low + 1, high - 12, high - 8, high - 2, high - 1) if low <= e < high})
    return special[index % len(special)] if at_edge else low + index % (high - low)


def _write_folder(folder: Path, template: Template, cut: int) -> Path:
    """Slices 0-2 intact and slice 3 (the last in the stack) cut to ``cut`` bytes; returns slice 3's path."""
    for index, data in enumerate(template.files[:-1]):
        (folder / f"slice{index}.dcm").write_bytes(data)
    truncated = folder / "slice3.dcm"
    truncated.write_bytes(template.last[:cut])
    return truncated


# --- truncation: the header reader ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SOURCES)
@PROPERTY
@given(choice=CUTS)
def test_truncated_file_read_never_raises(templates: dict[str, Template], name: str, choice: tuple[bool, int]) -> None:
    template = templates[name]
    cut = _cut(choice, 0, len(template.last) + 1, (*template.element_edges, template.pixel_end))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.dcm"
        path.write_bytes(template.last[:cut])

        header = read_header(path)

    assert isinstance(header, InstanceHeader | SkippedFile)
    if isinstance(header, SkippedFile):
        assert header.reason.strip()
        assert "\n" not in header.reason
    elif header.is_image:
        assert cut > template.pixel_start, "an image header for a file that ends before its pixel data"


@pytest.mark.parametrize("name", SOURCES)
@PROPERTY
@given(choice=CUTS)
def test_file_cut_before_its_pixel_data_is_skipped(
    templates: dict[str, Template], name: str, choice: tuple[bool, int]
) -> None:
    template = templates[name]
    cut = _cut(choice, 0, template.pixel_start, template.element_edges)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.dcm"
        path.write_bytes(template.last[:cut])

        header = read_header(path)

    assert isinstance(header, SkippedFile), f"cut at byte {cut} of {len(template.last)}: {header}"
    assert header.reason.strip()


@pytest.mark.parametrize("name", SOURCES)
@PROPERTY
@given(choice=CUTS)
def test_file_cut_inside_its_pixel_data_is_skipped(
    templates: dict[str, Template], name: str, choice: tuple[bool, int]
) -> None:
    template = templates[name]
    cut = _cut(choice, template.pixel_start, template.pixel_end)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.dcm"
        path.write_bytes(template.last[:cut])

        header = read_header(path)

    assert isinstance(header, SkippedFile), (
        f"cut at byte {cut}, pixel data at {template.pixel_start}..{template.pixel_end}: {header}"
    )
    assert header.reason.strip()


# --- truncation: scanning and importing a folder ----------------------------------------------------------------


def _import_outcome(series: SeriesInfo) -> ImportResult | PixelDataError:
    """The import, or the PixelDataError it raised; any other exception is a failure of the test."""
    try:
        return assemble(series)
    except PixelDataError as exc:
        return exc


def _only_usable(scan: ScanResult) -> SeriesInfo:
    usable = scan.usable_volumes
    assert len(usable) == 1, [(s.key, s.kind, s.slices) for s in scan.series]
    return usable[0]


@pytest.mark.parametrize("name", SOURCES)
@FOLDER_PROPERTY
@given(choice=CUTS)
def test_truncated_slice_never_imports_wrong_values(
    templates: dict[str, Template], name: str, choice: tuple[bool, int]
) -> None:
    """Cut anywhere before the end of its pixel data, slice 3 is left out, or the import stops on it."""
    template = templates[name]
    cut = _cut(choice, 0, template.pixel_end, (*template.element_edges, template.pixel_start))
    with tempfile.TemporaryDirectory() as tmp:
        truncated = _write_folder(Path(tmp), template, cut)

        scan = scan_folder(tmp)
        series = _only_usable(scan)
        outcome = _import_outcome(series)

    assert all(skipped.reason.strip() for skipped in scan.skipped)
    if str(truncated) in series.files:
        assert isinstance(outcome, PixelDataError), f"cut at byte {cut}: a truncated slice was imported"
        assert outcome.path == str(truncated)
        assert truncated.name in outcome.message
    else:
        assert isinstance(outcome, ImportResult), outcome
        np.testing.assert_array_equal(outcome.volume.voxels, template.expected(3))


@pytest.mark.parametrize("name", SOURCES)
@FOLDER_PROPERTY
@given(choice=CUTS)
def test_scan_lists_a_truncated_slice_as_skipped(
    templates: dict[str, Template], name: str, choice: tuple[bool, int]
) -> None:
    template = templates[name]
    cut = _cut(choice, 0, template.pixel_end, (*template.element_edges, template.pixel_start))
    with tempfile.TemporaryDirectory() as tmp:
        truncated = _write_folder(Path(tmp), template, cut)

        scan = scan_folder(tmp)

        reasons = {skipped.path: skipped.reason for skipped in scan.skipped}
        assert reasons.get(str(truncated), "").strip(), f"cut at byte {cut}: {reasons}"
        assert _only_usable(scan).slices == 3


@pytest.mark.parametrize("name", SOURCES)
@FOLDER_PROPERTY
@given(choice=CUTS)
def test_file_cut_after_its_pixel_data_is_never_misread(
    templates: dict[str, Template], name: str, choice: tuple[bool, int]
) -> None:
    """Cut inside its DataSetTrailingPadding, slice 3 is skipped, imported exactly, or refused by name."""
    template = templates[name]
    cut = _cut(choice, template.pixel_end, len(template.last) + 1)
    with tempfile.TemporaryDirectory() as tmp:
        truncated = _write_folder(Path(tmp), template, cut)

        series = _only_usable(scan_folder(tmp))
        outcome = _import_outcome(series)

    if isinstance(outcome, PixelDataError):
        assert outcome.path == str(truncated)
        assert truncated.name in outcome.message
    else:
        np.testing.assert_array_equal(outcome.volume.voxels, template.expected(series.slices))


@pytest.mark.parametrize(
    ("where", "cut"),
    [
        # Cut where Rows starts: the copy keeps its UIDs but loses its image description.
        pytest.param(
            "header",
            lambda data: data.index(b"\x28\x00\x10\x00US", 132),
            id="in_header",
        ),
        pytest.param(
            "pixels",
            lambda data: _pixel_layout(data)[1] - 1,
            id="in_pixel_data",
        ),
    ],
)
def test_partial_copy_of_a_slice_does_not_replace_the_intact_slice(
    tmp_path: Path, templates: dict[str, Template], where: str, cut: Callable[[bytes], int]
) -> None:
    """A half-copied duplicate sorted before the intact file (same SOP Instance UID) must not win over it."""
    del where
    template = templates["MR_small.dcm"]
    for index, data in enumerate(template.files):
        (tmp_path / f"slice{index}.dcm").write_bytes(data)
    (tmp_path / "0 partial copy of slice1.dcm").write_bytes(template.files[1][: cut(template.files[1])])

    result = assemble(select_series(scan_folder(tmp_path)))

    assert str(tmp_path / "slice1.dcm") in result.series.files
    np.testing.assert_array_equal(result.volume.voxels, template.expected(4))


# --- a codestream cut short inside an intact file ---------------------------------------------------------------


@pytest.mark.parametrize(
    "syntax",
    [
        pytest.param(RLELossless, id="rle"),
        pytest.param(JPEGLSLossless, id="jpeg_ls"),
        pytest.param(JPEG2000Lossless, id="jpeg_2000"),
    ],
)
@FOLDER_PROPERTY
@given(half_words_cut=st.integers(1, 2000))
@example(half_words_cut=4)
def test_codestream_cut_short_never_imports_wrong_values(
    templates: dict[str, Template], stack_copies: Callable[..., list[Dataset]], syntax: UID, half_words_cut: int
) -> None:
    source = templates["MR_small.dcm"].source
    slices = stack_copies(source, 3)
    for ds in slices:
        ds.pop("DataSetTrailingPadding")  # keep the pixel data last, as encoders write it
        ds.compress(syntax, generate_instance_uid=False)
    frame = next(generate_frames(slices[1].PixelData, number_of_frames=1))
    cut = min(2 * half_words_cut, len(frame) - 2)  # even, so no padding byte changes the data
    slices[1].PixelData = encapsulate([frame[:-cut]])
    with tempfile.TemporaryDirectory() as tmp:
        for index, ds in enumerate(slices):
            ds.save_as(Path(tmp) / f"slice{index}.dcm")
        scan = scan_folder(tmp)
        assert _only_usable(scan).slices == 3  # the file structure is intact: only the codestream is short

        outcome = _import_outcome(select_series(scan))

    if isinstance(outcome, PixelDataError):
        assert outcome.path == str(Path(tmp) / "slice1.dcm")
    else:  # a decoder may ignore a cut end marker; then the values must be exactly right
        np.testing.assert_array_equal(outcome.volume.voxels, np.stack([source.pixel_array] * 3))


# --- decoding on worker threads ----------------------------------------------------------------------------


def test_parallel_decoding_leaves_the_warning_filters_alone(
    tmp_path: Path, pydicom_file: Callable[[str], Path], stack_copies: Callable[..., list[Dataset]]
) -> None:
    """Decoding MR_small_padded warns (excess pixel data); the import suppresses that for itself, no one else."""
    for index, ds in enumerate(stack_copies(pydicom.dcmread(pydicom_file("MR_small_padded.dcm")), 32)):
        ds.save_as(tmp_path / f"{index}.dcm")
    series = select_series(scan_folder(tmp_path))
    expected = np.stack([pydicom.dcmread(pydicom_file("MR_small.dcm")).pixel_array] * 32)
    filters = list(warnings.filters)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows within a few imports
    try:
        outcomes = [_import_outcome(series) for _ in range(30)]
    finally:
        sys.setswitchinterval(interval)

    assert warnings.filters == filters
    for outcome in outcomes:
        assert isinstance(outcome, ImportResult), outcome
        np.testing.assert_array_equal(outcome.volume.voxels, expected)


# --- random bytes -------------------------------------------------------------------------------------------

RANDOM_FILES = st.one_of(
    st.binary(max_size=2048),
    st.tuples(st.binary(min_size=128, max_size=128), st.binary(max_size=2048)).map(lambda p: p[0] + b"DICM" + p[1]),
    st.binary(max_size=2048).map(lambda b: b"\x08\x00" + b),  # looks like an ACR-NEMA file's first group
    st.binary(max_size=2048).map(lambda b: b"\x08\x00\x05\x00CS" + b),  # and its first element
)


@PROPERTY
@given(content=RANDOM_FILES)
@example(content=b"")
@example(content=bytes(128) + b"DICM")
@example(content=b"\x08\x00")
def test_random_bytes_are_skipped_with_a_reason(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.dcm"
        path.write_bytes(content)

        header = read_header(path)
        scan = scan_folder(tmp)

    assert isinstance(header, SkippedFile)
    assert header.reason.strip()
    assert scan.series == ()
    assert scan.skipped == (header,)


# --- odd files and names -------------------------------------------------------------------------------------


def test_names_extensions_and_folders_do_not_matter(tmp_path: Path, templates: dict[str, Template]) -> None:
    template = templates["CT_small.dcm"]
    names = ["slice one.dcm", "Schädel ß 頭骨.dcm", "IM0003", "image.ct"]
    (tmp_path / "nested" / "looks like a file.dcm").mkdir(parents=True)
    paths = [tmp_path / names[0], tmp_path / names[1], tmp_path / "nested" / names[2]]
    paths.append(tmp_path / "nested" / "looks like a file.dcm" / names[3])
    for path, data in zip(paths, template.files, strict=True):
        path.write_bytes(data)

    scan = scan_folder(tmp_path)

    assert scan.skipped == ()
    assert scan.files_scanned == 4
    series = _only_usable(scan)
    assert sorted(series.files) == sorted(str(p) for p in paths)
    np.testing.assert_array_equal(assemble(series).volume.voxels, template.expected(4))


def test_empty_file_is_skipped(tmp_path: Path, templates: dict[str, Template]) -> None:
    for index, data in enumerate(templates["MR_small.dcm"].files):
        (tmp_path / f"{index}.dcm").write_bytes(data)
    (tmp_path / "empty.dcm").touch()

    scan = scan_folder(tmp_path)

    assert [(Path(s.path).name, bool(s.reason.strip())) for s in scan.skipped] == [("empty.dcm", True)]
    assert _only_usable(scan).slices == 4


def test_symlink_loops_and_dangling_links_are_ignored(tmp_path: Path, templates: dict[str, Template]) -> None:
    for index, data in enumerate(templates["MR_small.dcm"].files[:3]):
        (tmp_path / f"{index}.dcm").write_bytes(data)
    (tmp_path / "loop_a").symlink_to(tmp_path / "loop_b")
    (tmp_path / "loop_b").symlink_to(tmp_path / "loop_a")
    (tmp_path / "self").symlink_to(tmp_path / "self")
    (tmp_path / "dangling.dcm").symlink_to(tmp_path / "does-not-exist.dcm")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)  # a cycle if links were followed

    scan = scan_folder(tmp_path)

    assert scan.files_scanned == 3
    assert scan.skipped == ()
    assert _only_usable(scan).slices == 3


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_skipped_with_the_os_reason(tmp_path: Path, templates: dict[str, Template]) -> None:
    for index, data in enumerate(templates["MR_small.dcm"].files):
        (tmp_path / f"{index}.dcm").write_bytes(data)
    locked = tmp_path / "3.dcm"
    locked.chmod(0)
    try:
        scan = scan_folder(tmp_path)
    finally:
        locked.chmod(0o600)

    assert [(s.path, s.reason) for s in scan.skipped] == [(str(locked), "cannot read file: Permission denied")]
    assert _only_usable(scan).slices == 3


def test_scanning_a_file_or_a_missing_folder_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "file.dcm").write_bytes(b"DICM")
    for path in (tmp_path / "file.dcm", tmp_path / "missing"):
        with pytest.raises(NotADicomFolderError) as raised:
            scan_folder(path)
        assert raised.value.path == str(path)


# --- ACR-NEMA files: no preamble, no File Meta ----------------------------------------------------------------


def test_explicit_little_endian_file_without_meta_is_read(pydicom_file: Callable[[str], Path]) -> None:
    header = read_header(pydicom_file("ExplVR_LitEndNoMeta.dcm"))

    assert isinstance(header, InstanceHeader)
    assert not header.has_preamble
    assert header.modality == "RTPLAN"
    assert header.sop_class_uid == "1.2.840.10008.5.1.4.1.1.481.8"  # RT Ion Plan
    assert not header.is_image


def test_implicit_little_endian_file_without_meta_is_read(pydicom_file: Callable[[str], Path]) -> None:
    header = read_header(pydicom_file("rtstruct.dcm"))

    assert isinstance(header, InstanceHeader)
    assert not header.has_preamble
    assert header.transfer_syntax == ImplicitVRLittleEndian
    assert header.modality == "RTSTRUCT"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("ExplVR_BigEndNoMeta.dcm", id="big_endian_without_meta"),
        # pydicom's "CT_small without File Meta" starts with one stray byte: pydicom cannot parse it either.
        pytest.param("no_meta.dcm", id="stray_leading_byte"),
    ],
)
def test_unsupported_file_without_meta_is_skipped(pydicom_file: Callable[[str], Path], name: str) -> None:
    header = read_header(pydicom_file(name))

    assert isinstance(header, SkippedFile)
    assert header.reason.startswith("not DICOM")


@pytest.mark.parametrize(
    ("implicit_vr", "pixel_data_last"),
    [
        pytest.param(True, True, id="implicit_vr_pixel_data_last"),
        pytest.param(True, False, id="implicit_vr_trailing_element"),
        pytest.param(False, True, id="explicit_vr_pixel_data_last"),
    ],
)
def test_acr_nema_series_imports_exactly(
    tmp_path: Path, templates: dict[str, Template], implicit_vr: bool, pixel_data_last: bool
) -> None:
    template = templates["CT_small.dcm"]
    for index, data in enumerate(template.files[:3]):
        ds = pydicom.dcmread(io.BytesIO(data))
        del ds.file_meta
        ds.preamble = None
        if pixel_data_last:
            ds.pop("DataSetTrailingPadding")
        ds.save_as(tmp_path / f"{index}.acr", implicit_vr=implicit_vr, little_endian=True)
        assert (tmp_path / f"{index}.acr").read_bytes()[:2] == b"\x08\x00"  # no preamble, group 0008 first

    scan = scan_folder(tmp_path)

    series = _only_usable(scan)
    assert scan.skipped == ()
    assert "no_preamble" in {f.code for f in series.findings}
    assert not any(ref.instance.has_preamble for ref in series.frames)
    np.testing.assert_array_equal(assemble(series).volume.voxels, template.expected(3))


def _as_un(data: bytes, tag: tuple[int, int]) -> bytes:
    """Rewrite one explicit VR little endian element with VR UN (4-byte length), as some PACS send them."""
    marker = struct.pack("<HH", *tag)
    pos = data.index(marker, 132)
    (length,) = struct.unpack_from("<H", data, pos + 6)
    return data[:pos] + marker + b"UN\x00\x00" + struct.pack("<I", length) + data[pos + 8 :]


def test_geometry_with_vr_un_is_read(tmp_path: Path, templates: dict[str, Template]) -> None:
    template = templates["CT_small.dcm"]
    for index, data in enumerate(template.files):
        for tag in ((0x0020, 0x0032), (0x0020, 0x0037), (0x0028, 0x0030)):
            data = _as_un(data, tag)  # noqa: PLW2901 - each element in turn
        (tmp_path / f"{index}.dcm").write_bytes(data)
        assert pydicom.dcmread(tmp_path / f"{index}.dcm")["ImagePositionPatient"].VR == "DS"  # pydicom maps UN

    result = assemble(_only_usable(scan_folder(tmp_path)))

    np.testing.assert_array_equal(result.volume.voxels, template.expected(4))


# --- media directories ---------------------------------------------------------------------------------------


def test_dicomdir_is_skipped_and_its_images_are_found(tmp_path: Path, pydicom_file: Callable[[str], Path]) -> None:
    media = tmp_path / "media"
    shutil.copytree(pydicom_file("CT_small.dcm").parent / "dicomdirtests", media)
    records = pydicom.dcmread(media / "DICOMDIR").DirectoryRecordSequence
    referenced = {str(media.joinpath(*r.ReferencedFileID)) for r in records if "ReferencedFileID" in r}

    scan = scan_folder(media)

    reasons = {Path(s.path).relative_to(media).as_posix(): s.reason for s in scan.skipped}
    directories = [name for name in reasons if Path(name).name.startswith("DICOMDIR")]
    assert sorted(directories) == [
        "DICOMDIR",
        "DICOMDIR-bigEnd",
        "DICOMDIR-empty.dcm",
        "DICOMDIR-implicit",
        "DICOMDIR-nooffset",
        "DICOMDIR-nopatient",
        "DICOMDIR-reordered",
        "TINY_ALPHA/DICOMDIR",
    ]
    assert all("DICOMDIR" in reasons[name] for name in directories)
    assert reasons["README.txt"].startswith("not DICOM")
    assert reasons["TINY_ALPHA/README"].startswith("not DICOM")
    found = {path for series in scan.series for path in series.files}
    assert len(referenced) == 31
    assert referenced <= found
    volumes = sorted((Path(s.files[0]).parent.relative_to(media).as_posix(), s.slices) for s in scan.usable_volumes)
    assert volumes == [("77654033/CT2", 4), ("98892001/CT5N", 5)]


@pytest.mark.shared_data
def test_skull_phantom_media_directory_and_licence_are_skipped() -> None:
    folder = SHARED_DATA / "skull-phantom"
    if not folder.is_dir():
        pytest.skip(f"real DICOM fixture {folder} is absent (it lives in ../shared/data beside the repo)")

    scan = scan_folder(folder)

    reasons = {Path(s.path).name: s.reason for s in scan.skipped}
    assert set(reasons) == {"DIRFILE", "LICENSE"}
    assert "DICOMDIR" in reasons["DIRFILE"]
    assert reasons["LICENSE"].startswith("not DICOM")
    series = _only_usable(scan)
    assert series.slices == 28
    assert sorted(Path(p).name for p in series.files) == sorted(f"I{10 * k}" for k in range(1, 29))
