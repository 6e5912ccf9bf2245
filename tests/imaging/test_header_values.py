"""Header values that cannot be right, and headers that cannot be decoded (the "Trust" issue, items 11, 12, 16).

An attribute whose bytes cannot be its value (a flipped VR, a wrong length) makes its file unreadable: the file is
skipped with the attribute named in the reason, and the rest of the folder is read as if it were absent. A value
that decodes but cannot be right (RescaleSlope NaN or text, PixelSpacing 1e-300, an orientation that is not two
orthogonal unit vectors, Rows that do not describe the pixel data, ...) refuses its series with an
``invalid_header`` error naming the file and the attribute: never is it read as "absent" or clamped.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from imaging import synthetic as syn
from imaging.assemble import ImportPolicy, assemble, select_series
from imaging.dicom_headers import InstanceHeader, SkippedFile, read_header
from imaging.errors import (
    GeometryRefusedError,
    NoSeriesFoundError,
    PixelDataError,
    UnusableSeriesError,
    VolumeTooLargeError,
)
from imaging.series import ScanResult, SeriesInfo, scan_folder

ROWS = COLUMNS = 16
DESCRIPTION = "Rows x Columns x SamplesPerPixel x NumberOfFrames x BitsAllocated"
SPACING_XY = (0.75, 0.75)


def _voxels(slices: int) -> np.ndarray:
    hu = np.full((slices, ROWS, COLUMNS), -1000, dtype=np.int16)
    hu[:, 4:12, 4:12] = 1000
    return hu


def write_series(
    folder: Path, slices: int = 4, extra: Callable[[Dataset, int], None] | None = None, **options: object
) -> list[Path]:
    """A small CT series (explicit VR little endian, 2.5 mm slices); ``extra`` changes a slice's dataset."""
    return syn.write_ct_series(
        folder,
        _voxels(slices),
        placement=syn.regular_stack(slices, 2.5),
        pixel_spacing_xy=SPACING_XY,
        extra=extra,
        **options,  # type: ignore[arg-type]
    )


def raw_value(path: Path, keyword: str) -> bytes:
    """The bytes of a short-VR top-level element's value, as written."""
    data = path.read_bytes()
    tag = pydicom.datadict.tag_for_keyword(keyword)
    assert tag is not None
    begin = data.find(struct.pack("<HH", tag >> 16, tag & 0xFFFF) + pydicom.datadict.dictionary_VR(tag)[:2].encode())
    (length,) = struct.unpack_from("<H", data, begin + 6)
    return data[begin + 8 : begin + 8 + length]


def only_series(scan: ScanResult) -> SeriesInfo:
    assert len(scan.series) == 1, [(s.key, s.kind) for s in scan.series]
    return scan.series[0]


def invalid_header(series: SeriesInfo) -> str:
    (finding,) = [f for f in series.findings if f.code == "invalid_header"]
    assert finding.severity == "error"
    return finding.message


# --- item 11: a header that cannot be decoded is one skipped file --------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "vr"),
    [
        ("ImageType", "XX"),  # an unknown VR: pydicom's converter raised NotImplementedError (exit 1)
        ("SpecificCharacterSet", "FD"),  # 10 bytes as doubles: BytesLengthException while decoding any text (exit 1)
        ("ImagePositionPatient", "FD"),  # text read as doubles: the whole series had no geometry
        ("Rows", "CS"),  # two binary bytes read as text: the file silently became a non-image
        ("RescaleSlope", "US"),  # "1 " read as the number 8241
    ],
)
def test_a_flipped_vr_skips_its_file_with_the_attribute_as_reason(tmp_path: Path, keyword: str, vr: str) -> None:
    paths = write_series(tmp_path, slices=30)
    last = paths[-1]  # the last slice along the normal: the other 29 still make a regular stack
    syn.spoil_element(last, keyword, vr=vr)

    scan = scan_folder(tmp_path)

    standard = pydicom.datadict.dictionary_VR(keyword)
    reason = f"unreadable DICOM header: {keyword} has VR '{vr}' where the standard has {standard}"
    assert [(s.path, s.reason) for s in scan.skipped] == [(str(last), reason)]
    series = only_series(scan)
    assert series.usable
    assert series.slices == 29
    assert str(last) not in series.files
    result = assemble(series)
    assert result.volume.size == (COLUMNS, ROWS, 29)
    np.testing.assert_array_equal(result.volume.voxels, _voxels(29))


def test_a_binary_value_of_the_wrong_length_is_unreadable(tmp_path: Path) -> None:
    (path,) = write_series(tmp_path, slices=1)
    syn.spoil_element(path, "Columns", b"\x10\x00\x00")  # 3 bytes of US

    header = read_header(path)

    assert isinstance(header, SkippedFile)
    assert header.reason == "unreadable DICOM header: Columns holds 3 bytes, not a whole number of US values"


def test_an_unknown_transfer_syntax_skips_the_file(tmp_path: Path) -> None:
    paths = write_series(tmp_path)
    assert raw_value(paths[0], "TransferSyntaxUID") == b"1.2.840.10008.1.2.1\x00"
    syn.spoil_element(
        paths[0], "TransferSyntaxUID", b"1.2.840.10008.1.2.9\x00"
    )  # same length: the meta group length holds

    header = read_header(paths[0])

    assert isinstance(header, SkippedFile)
    assert header.reason == "unknown transfer syntax '1.2.840.10008.1.2.9': the data cannot be decoded"


# --- item 12 and 16: values that cannot be right refuse the series -----------------------------------------------

RAW_DEFECTS = [
    ("RescaleIntercept", b"inf ", "RescaleIntercept 'inf' is not finite"),
    ("RescaleSlope", b"NaN ", "RescaleSlope 'NaN' is not finite"),
    ("RescaleSlope", b"one ", "RescaleSlope 'one' is not a number"),
    ("PixelSpacing", b"0.75\\nan", "PixelSpacing '0.75\\\\nan' is not 2 finite numbers"),
    ("ImagePositionPatient", b"0\\0", "ImagePositionPatient '0\\\\0' is not 3 finite numbers"),
]
DATASET_DEFECTS: list[tuple[str, object, str]] = [
    ("RescaleSlope", "1e308", "RescaleSlope 1e+308 is not a non-zero number within +-1e+06"),
    ("RescaleSlope", "0", "RescaleSlope 0 is not a non-zero number within +-1e+06"),
    ("RescaleIntercept", "-1e300", "RescaleIntercept -1e+300 is not within +-1e+09"),
    ("PixelSpacing", ["1e-300", "1e-300"], "PixelSpacing '1e-300\\\\1e-300' is not between 0.0001 and 1000 mm"),
    ("PixelSpacing", ["0", "0.75"], "PixelSpacing '0.0\\\\0.75' is not between 0.0001 and 1000 mm"),
    ("PixelSpacing", ["-0.75", "0.75"], "PixelSpacing '-0.75\\\\0.75' is not between 0.0001 and 1000 mm"),
    (
        "ImageOrientationPatient",
        ["1", "0", "0", "1", "0", "0"],
        "ImageOrientationPatient '1.0\\\\0.0\\\\0.0\\\\1.0\\\\0.0\\\\0.0' is not two orthogonal unit vectors",
    ),
    (
        "ImageOrientationPatient",
        ["2", "0", "0", "0", "2", "0"],
        "ImageOrientationPatient '2.0\\\\0.0\\\\0.0\\\\0.0\\\\2.0\\\\0.0' is not two orthogonal unit vectors",
    ),
    (
        "ImagePositionPatient",
        ["1e300", "0", "0"],
        "ImagePositionPatient '1e+300\\\\0.0\\\\0.0' lies more than 1e+06 mm from the origin",
    ),
    ("BitsAllocated", 12, "BitsAllocated 12 is not one of 8, 16, 32"),
    ("BitsStored", 17, "BitsStored '17' is not a whole number from 1 to 16"),
    ("PixelRepresentation", 2, "PixelRepresentation '2' is not a whole number from 0 to 1"),
    ("NumberOfFrames", "0", "NumberOfFrames '0' is not a whole number from 1 to 2147483648"),
]


def _assert_refused(scan: ScanResult, path: Path, defect: str) -> None:
    series = only_series(scan)
    assert not series.usable
    message = invalid_header(series)
    assert message.startswith(f"1 of 4 file(s) with invalid header values: {path.name}: ")
    assert f"{path.name}: {defect}" in message
    with pytest.raises(NoSeriesFoundError) as refused:
        select_series(scan)
    assert f"{path.name}: {defect}" in refused.value.message
    with pytest.raises(UnusableSeriesError, match="invalid header values"):
        assemble(series)


@pytest.mark.parametrize(("keyword", "value", "defect"), RAW_DEFECTS, ids=[d[2] for d in RAW_DEFECTS])
def test_a_value_that_is_not_a_number_refuses_the_series(
    tmp_path: Path, keyword: str, value: bytes, defect: str
) -> None:
    paths = write_series(tmp_path)
    syn.spoil_element(paths[1], keyword, value)

    _assert_refused(scan_folder(tmp_path), paths[1], defect)


@pytest.mark.parametrize(("keyword", "value", "defect"), DATASET_DEFECTS, ids=[d[2] for d in DATASET_DEFECTS])
def test_a_value_out_of_its_range_refuses_the_series(tmp_path: Path, keyword: str, value: object, defect: str) -> None:
    def spoil(ds: Dataset, index: int) -> None:
        if index == 2:
            setattr(ds, keyword, value)

    paths = write_series(tmp_path, extra=spoil)

    _assert_refused(scan_folder(tmp_path), paths[2], defect)


def test_rows_that_do_not_describe_the_pixel_data_refuse_the_series(tmp_path: Path) -> None:
    """Rows 1 on a 16 x 16 image: the data holds 15 more rows than described (was a 16 x 1 x 4 volume)."""
    paths = write_series(tmp_path, extra=lambda ds, index: setattr(ds, "Rows", 1))

    scan = scan_folder(tmp_path)

    series = only_series(scan)
    assert not series.usable
    defect = (
        "PixelData holds 512 bytes where Rows x Columns x SamplesPerPixel x NumberOfFrames x BitsAllocated describe 32"
    )
    assert invalid_header(series) == (
        f"4 of 4 file(s) with invalid header values: {paths[0].name}: {defect}; {paths[1].name}: {defect}; "
        f"{paths[2].name}: {defect}; and 1 more"
    )


def test_zero_padding_after_the_pixel_data_is_accepted(tmp_path: Path) -> None:
    """Some writers pad the pixel data with zeros (pydicom's MR_small_padded.dcm): padding, not a defect."""
    paths = write_series(tmp_path)
    for path in paths:
        dataset = pydicom.dcmread(path)
        dataset.PixelData = dataset.PixelData + bytes(2 * COLUMNS)
        dataset.save_as(path)

    series = only_series(scan_folder(tmp_path))

    assert series.usable, series.findings
    np.testing.assert_array_equal(assemble(series).volume.voxels, _voxels(4))


def test_pixel_data_followed_by_values_is_a_defect(tmp_path: Path) -> None:
    paths = write_series(tmp_path)
    dataset = pydicom.dcmread(paths[3])
    dataset.PixelData = dataset.PixelData + b"\x01\x02" * COLUMNS
    dataset.save_as(paths[3])

    header = read_header(paths[3])

    assert isinstance(header, InstanceHeader)
    assert header.defects == (f"PixelData holds 544 bytes where {DESCRIPTION} describe 512",)


def test_missing_rescale_is_still_only_a_warning(tmp_path: Path) -> None:
    """Absent is not invalid: a CT without RescaleSlope/RescaleIntercept keeps its stored values, with a warning."""

    def drop(ds: Dataset, index: int) -> None:
        del ds.RescaleSlope
        del ds.RescaleIntercept

    write_series(tmp_path, extra=drop, rescale_intercept=0.0)

    series = only_series(scan_folder(tmp_path))

    assert series.usable
    assert [(f.code, f.severity) for f in series.findings] == [("no_rescale", "warning")]


def test_rescaled_values_beyond_32_bits_are_refused_not_clipped(tmp_path: Path) -> None:
    """RescaleSlope 1e6 and RescaleIntercept 5e8 are plausible each, but their values for stored 24 .. 2024 are
    not all 32-bit integers: refused (they were clipped silently)."""

    def scale(ds: Dataset, index: int) -> None:
        ds.RescaleSlope, ds.RescaleIntercept = "1e6", "5e8"

    write_series(tmp_path, extra=scale)
    series = only_series(scan_folder(tmp_path))
    assert series.usable

    with pytest.raises(PixelDataError) as refused:
        assemble(series)
    assert refused.value.message == (
        "IM0000: values from 5.24e+08 to 2.524e+09 after RescaleSlope 1e+06 and RescaleIntercept 5e+08 "
        "do not fit a volume"
    )


# --- absurd grids --------------------------------------------------------------------------------------------------


def test_a_gap_that_would_need_a_gigantic_grid_is_refused(tmp_path: Path) -> None:
    """Slices 0.05 mm apart and one 5 m away: interpolating the "missing" slices would make 100,001 of them."""
    placement = syn.SlicePlacement(
        positions=((0.0, 0.0, 0.0), (0.0, 0.0, 0.05), (0.0, 0.0, 0.1), (0.0, 0.0, 5000.0)),
        orientation=syn.AXIAL,
    )
    syn.write_ct_series(tmp_path, _voxels(4), placement=placement, pixel_spacing_xy=SPACING_XY)

    series = only_series(scan_folder(tmp_path))

    assert not series.usable
    (finding,) = [f for f in series.findings if f.code == "grid_too_large"]
    assert finding.message.startswith("a regular grid for these slices would be 16x16x100001 voxels")
    with pytest.raises((UnusableSeriesError, GeometryRefusedError)):
        assemble(series, ImportPolicy(allow_gaps=True))


def test_a_volume_that_does_not_fit_in_memory_is_a_typed_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Running out of memory for the voxels is bad input for this machine (exit 2), not a crash (exit 1)."""
    write_series(tmp_path)
    series = only_series(scan_folder(tmp_path))
    allocate = np.empty

    def no_memory_for_volumes(shape: object, *args: object, **kwargs: object) -> np.ndarray:
        if shape == (4, ROWS, COLUMNS):
            raise MemoryError
        return allocate(shape, *args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(np, "empty", no_memory_for_volumes)

    with pytest.raises(VolumeTooLargeError) as refused:
        assemble(series)
    assert refused.value.message == f"not enough memory for a 16x16x4 volume (0.0 GB) of series {series.key}"
    assert refused.value.code == "too_large"
