"""Pixel data in every transfer syntax DVW may meet imports to the right values, through scan_folder and assemble.

Three kinds of input:

* small series encoded here from pydicom's MR_small / CT_small by every encoder available: pydicom itself
  (native syntaxes, deflate, RLE), pyjpegls (JPEG-LS), openjpeg (JPEG 2000), GDCM through SimpleITK (JPEG lossless,
  process 14 SV1) and a minimal baseline JPEG writer below (nothing installed writes 8-bit baseline JPEG);
* pydicom's bundled files in syntaxes nothing here can write (JPEG extended 12-bit, their JPEG 2000 and JPEG-LS),
  made into series by copying the header to new positions while keeping the pixel data bytes as they are;
* MR_small in each syntax pydicom ships it in, which must all give MR_small's stored values exactly.

Expected values are pydicom's own decoding (``pixel_array``) of the reference, mapped by RescaleSlope/Intercept
with PixelPaddingValue replaced by the fill value (-1024 for CT, else 0), as :mod:`imaging.assemble` documents.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pydicom
import pytest
import SimpleITK as sitk
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_fragments, generate_frames
from pydicom.uid import (
    JPEG2000,
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from scipy.fft import dctn

from imaging.assemble import ImportResult, assemble, select_series
from imaging.errors import NoSeriesFoundError, PixelDataError
from imaging.series import ScanResult, SeriesInfo, scan_folder

Encode = Callable[[Dataset, npt.NDArray[np.integer]], None]

SLICES = 4
NM_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.20"
MR_SMALL_SYNTAXES = {
    "MR_small.dcm": ExplicitVRLittleEndian,
    "MR_small_implicit.dcm": ImplicitVRLittleEndian,
    "MR_small_bigendian.dcm": ExplicitVRBigEndian,  # dcmodify; no trailing padding
    "MR_small_expb.dcm": ExplicitVRBigEndian,  # dcmconv; with DataSetTrailingPadding
    "MR_small_padded.dcm": ExplicitVRLittleEndian,  # pixel data 128 bytes longer than the frame
    "MR_small_RLE.dcm": RLELossless,
    "MR_small_jpeg_ls_lossless.dcm": JPEGLSLossless,
    "MR_small_jp2klossless.dcm": JPEG2000Lossless,
}
# --- helpers -------------------------------------------------------------------------------------------------


def _read(path: Path) -> Dataset:
    return pydicom.dcmread(path)


def _values(ds: Dataset, stored: npt.NDArray[np.integer]) -> npt.NDArray[np.float64]:
    """Stored values to modality values, with pixel padding replaced by DVW's fill value."""
    slope = float(ds.get("RescaleSlope", 1.0))
    intercept = float(ds.get("RescaleIntercept", 0.0))
    values = stored.astype(np.float64) * slope + intercept
    padding = ds.get("PixelPaddingValue")
    if padding is not None:
        values[stored == padding] = -1024.0 if ds.get("Modality") == "CT" else 0.0
    return values


def _only_series(scan: ScanResult) -> SeriesInfo:
    assert scan.skipped == (), [(Path(s.path).name, s.reason) for s in scan.skipped]
    assert len(scan.series) == 1, [(s.key, s.kind) for s in scan.series]
    return scan.series[0]


def _import(folder: Path) -> ImportResult:
    scan = scan_folder(folder)
    series = _only_series(scan)
    assert series.usable, [(f.code, f.message) for f in series.findings]
    return assemble(select_series(scan))


def _distinct_slices(source: Dataset, count: int) -> list[npt.NDArray[np.integer]]:
    """``count`` different images with the source's stored values (its image rolled sideways by 3 px per slice)."""
    return [np.ascontiguousarray(np.roll(source.pixel_array, 3 * k, axis=1)) for k in range(count)]


def _write_series(
    folder: Path, slices: list[Dataset], pixels: list[npt.NDArray[np.integer]], encode: Encode
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, (ds, stored) in enumerate(zip(slices, pixels, strict=True)):
        encode(ds, stored)
        path = folder / f"IM{index:04d}"
        pydicom.dcmwrite(path, ds, enforce_file_format=True)  # encodes as file_meta says, big endian included
        paths.append(path)
    return paths


def _native(syntax: UID) -> Encode:
    def encode(ds: Dataset, stored: npt.NDArray[np.integer]) -> None:
        order = ">" if syntax == ExplicitVRBigEndian else "<"
        ds.PixelData = stored.astype(stored.dtype.newbyteorder(order)).tobytes()
        ds["PixelData"].VR = "OW" if stored.dtype.itemsize > 1 else "OB"
        ds.file_meta.TransferSyntaxUID = syntax

    return encode


def _pydicom_codec(syntax: UID, **options: object) -> Encode:
    def encode(ds: Dataset, stored: npt.NDArray[np.integer]) -> None:
        _native(ExplicitVRLittleEndian)(ds, stored)
        ds.compress(syntax, generate_instance_uid=False, **options)

    return encode


def _fragmented(encode: Encode, fragments: int) -> Encode:
    """The same codestream split over several fragments (items) of the encapsulated pixel data, with an offset table."""

    def encode_fragmented(ds: Dataset, stored: npt.NDArray[np.integer]) -> None:
        encode(ds, stored)
        frame = next(generate_frames(ds.PixelData, number_of_frames=1))
        ds.PixelData = encapsulate([frame], fragments_per_frame=fragments, has_bot=True)
        assert sum(1 for _ in generate_fragments(ds.PixelData)) == fragments + 1  # offset table item + fragments

    return encode_fragmented


def _gdcm_jpeg_lossless(ds: Dataset, stored: npt.NDArray[np.integer]) -> None:
    """JPEG lossless process 14 SV1, which only GDCM (inside SimpleITK) encodes here."""
    with tempfile.TemporaryDirectory() as tmp:
        writer = sitk.ImageFileWriter()
        writer.SetImageIO("GDCMImageIO")
        writer.SetFileName(str(Path(tmp) / "slice.dcm"))
        writer.SetUseCompression(True)
        writer.SetCompressor("JPEG")
        writer.Execute(sitk.GetImageFromArray(stored))
        encoded = pydicom.dcmread(Path(tmp) / "slice.dcm")
    assert encoded.file_meta.TransferSyntaxUID == JPEGLosslessSV1
    assert encoded.BitsAllocated == ds.BitsAllocated
    assert encoded.PixelRepresentation == ds.PixelRepresentation
    ds.PixelData = encoded.PixelData
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = JPEGLosslessSV1


def _zigzag() -> list[tuple[int, int]]:
    def key(rc: tuple[int, int]) -> tuple[int, int]:
        diagonal = rc[0] + rc[1]
        return diagonal, rc[1] if diagonal % 2 == 0 else rc[0]

    return sorted(((r, c) for r in range(8) for c in range(8)), key=key)


def _baseline_jpeg(pixels: npt.NDArray[np.uint8], step: int) -> bytes:
    """A baseline (process 1) greyscale JPEG: one quantiser ``step`` for all coefficients, flat Huffman codes.

    Huffman codes may be any prefix code declared in DHT, so every DC category gets a 4-bit code and every AC
    symbol an 8-bit one: a valid stream that any decoder must read, without the standard's Annex K tables.
    """
    rows, cols = pixels.shape
    dc_symbols = list(range(12))
    ac_symbols = [0x00, 0xF0] + [(run << 4) | size for run in range(16) for size in range(1, 11)]
    dc_code = {symbol: (i, 4) for i, symbol in enumerate(dc_symbols)}
    ac_code = {symbol: (i, 8) for i, symbol in enumerate(ac_symbols)}
    bits: list[int] = []

    def put(value: int, length: int) -> None:
        bits.extend((value >> (length - 1 - i)) & 1 for i in range(length))

    def put_amplitude(value: int, size: int) -> None:
        if size:
            put(value if value >= 0 else value + (1 << size) - 1, size)

    shifted = np.pad(pixels.astype(np.float64) - 128.0, ((0, -rows % 8), (0, -cols % 8)), mode="edge")
    zigzag = _zigzag()
    previous_dc = 0
    for r0 in range(0, shifted.shape[0], 8):
        for c0 in range(0, shifted.shape[1], 8):
            # JPEG's FDCT is the orthonormal 2-D DCT-II on 8x8 blocks.
            quantised = np.rint(dctn(shifted[r0 : r0 + 8, c0 : c0 + 8], norm="ortho") / step).astype(int)
            coefficients = [int(quantised[r, c]) for r, c in zigzag]
            diff = coefficients[0] - previous_dc
            previous_dc = coefficients[0]
            put(*dc_code[abs(diff).bit_length()])
            put_amplitude(diff, abs(diff).bit_length())
            run = 0
            for value in coefficients[1:]:
                if value == 0:
                    run += 1
                    continue
                while run > 15:
                    put(*ac_code[0xF0])
                    run -= 16
                put(*ac_code[(run << 4) | abs(value).bit_length()])
                put_amplitude(value, abs(value).bit_length())
                run = 0
            if run:
                put(*ac_code[0x00])
    bits.extend([1] * (-len(bits) % 8))
    scan = bytearray()
    for i in range(0, len(bits), 8):
        byte = int("".join(map(str, bits[i : i + 8])), 2)
        scan += bytes([byte, 0x00]) if byte == 0xFF else bytes([byte])

    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload

    def huffman(table: int, symbols: list[int], length: int) -> bytes:
        counts = [0] * 16
        counts[length - 1] = len(symbols)
        return bytes([table, *counts, *symbols])

    return b"".join(
        [
            b"\xff\xd8",
            segment(0xDB, bytes([0] + [step] * 64)),
            segment(0xC0, bytes([8, *rows.to_bytes(2, "big"), *cols.to_bytes(2, "big"), 1, 1, 0x11, 0])),
            segment(0xC4, huffman(0x00, dc_symbols, 4) + huffman(0x10, ac_symbols, 8)),
            segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0])),
            bytes(scan),
            b"\xff\xd9",
        ]
    )


def _baseline_jpeg_encoder(step: int) -> Encode:
    def encode(ds: Dataset, stored: npt.NDArray[np.integer]) -> None:
        ds.PixelData = encapsulate([_baseline_jpeg(stored.astype(np.uint8), step)])
        ds["PixelData"].VR = "OB"
        ds.LossyImageCompression = "01"
        ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit

    return encode


def _eight_bit(source: Dataset) -> Dataset:
    """The source rescaled to unsigned 8 bits (stored values 0..255, no modality LUT), for 8-bit codecs."""
    ds = copy.deepcopy(source)
    stored = source.pixel_array.astype(np.float64)
    scaled = np.rint((stored - stored.min()) * 255.0 / (stored.max() - stored.min())).astype(np.uint8)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    for keyword in ("RescaleSlope", "RescaleIntercept", "PixelPaddingValue", "SmallestImagePixelValue"):
        ds.pop(keyword, None)
    ds.pop("LargestImagePixelValue", None)
    _native(ExplicitVRLittleEndian)(ds, scaled)
    return ds


# --- series encoded here -------------------------------------------------------------------------------------

LOSSLESS: dict[str, Encode] = {
    "explicit_vr_little_endian": _native(ExplicitVRLittleEndian),
    "implicit_vr_little_endian": _native(ImplicitVRLittleEndian),
    "explicit_vr_big_endian": _native(ExplicitVRBigEndian),
    "deflated_explicit_vr_little_endian": _native(DeflatedExplicitVRLittleEndian),
    "rle_lossless": _pydicom_codec(RLELossless),
    "jpeg_ls_lossless": _pydicom_codec(JPEGLSLossless),
    "jpeg_2000_lossless": _pydicom_codec(JPEG2000Lossless),
    "jpeg_lossless_sv1_gdcm": _gdcm_jpeg_lossless,
    "jpeg_ls_lossless_3_fragments": _fragmented(_pydicom_codec(JPEGLSLossless), 3),
    "jpeg_2000_lossless_3_fragments": _fragmented(_pydicom_codec(JPEG2000Lossless), 3),
}


@pytest.mark.parametrize("source_name", ["MR_small.dcm", "CT_small.dcm"])
@pytest.mark.parametrize("syntax", list(LOSSLESS))
def test_lossless_series_imports_exactly(
    tmp_path: Path,
    pydicom_file: Callable[[str], Path],
    stack_copies: Callable[..., list[Dataset]],
    source_name: str,
    syntax: str,
) -> None:
    source = _read(pydicom_file(source_name))
    pixels = _distinct_slices(source, SLICES)
    paths = _write_series(tmp_path / "series", stack_copies(source, SLICES), pixels, LOSSLESS[syntax])
    for path, stored in zip(paths, pixels, strict=True):  # the encoders themselves are right
        np.testing.assert_array_equal(_read(path).pixel_array, stored)

    result = _import(tmp_path / "series")

    written_syntax = UID(_read(paths[0]).file_meta.TransferSyntaxUID)
    codes = {f.code for f in result.series.findings}
    assert ("compressed" in codes) == written_syntax.is_compressed
    assert result.series.kind == "volume"
    assert result.series.slices == SLICES
    assert not result.resampled
    assert np.issubdtype(result.volume.voxels.dtype, np.integer)
    expected = np.stack([_values(source, stored) for stored in pixels])
    np.testing.assert_array_equal(result.volume.voxels, expected)


LOSSY: dict[str, tuple[Encode, bool, float, float]] = {
    # name: (encoder, 8-bit source, bounds on the max and the mean |error| against the original stored values).
    # Measured on MR_small (stored 127..2145; 8-bit copy 0..255): JPEG-LS NEAR=2 max 2, mean 1.19 (the bound
    # is the standard's guarantee); JPEG 2000 at 10:1 max 145, mean 21.4; baseline JPEG, step 4: max 5, mean 0.89.
    "jpeg_ls_near_lossless_2": (_pydicom_codec(JPEGLSNearLossless, jls_error=2), False, 2.0, 2.0),
    "jpeg_2000_ratio_10": (_pydicom_codec(JPEG2000, j2k_cr=[10]), False, 200.0, 25.0),
    "jpeg_baseline_8bit_step_4": (_baseline_jpeg_encoder(4), True, 6.0, 1.5),
}


@pytest.mark.parametrize("syntax", list(LOSSY))
def test_lossy_series_imports_what_the_codec_decodes(
    tmp_path: Path,
    pydicom_file: Callable[[str], Path],
    stack_copies: Callable[..., list[Dataset]],
    syntax: str,
) -> None:
    encode, eight_bit, max_bound, mean_bound = LOSSY[syntax]
    source = _read(pydicom_file("MR_small.dcm"))
    if eight_bit:
        source = _eight_bit(source)
    pixels = _distinct_slices(source, SLICES)
    paths = _write_series(tmp_path / "series", stack_copies(source, SLICES), pixels, encode)

    result = _import(tmp_path / "series")

    decoded = np.stack([_values(source, _read(path).pixel_array) for path in paths])
    np.testing.assert_array_equal(result.volume.voxels, decoded)  # DVW adds nothing to the codec's own error
    error = np.abs(result.volume.voxels.astype(np.float64) - np.stack(pixels))
    assert 0 < error.max() <= max_bound
    assert error.mean() <= mean_bound
    assert "compressed" in {f.code for f in result.series.findings}


# --- pydicom's MR_small in each bundled syntax ---------------------------------------------------------------


def _mr_small_case(name: str, strip_trailing_padding: bool) -> object:
    label = f"{name}-{'no_trailing_padding' if strip_trailing_padding else 'as_shipped'}"
    return pytest.param(name, strip_trailing_padding, id=label)


@pytest.mark.parametrize("name", list(MR_SMALL_SYNTAXES))
def test_bundled_mr_small_alone_is_one_single_frame_series(
    tmp_path: Path, pydicom_file: Callable[[str], Path], name: str
) -> None:
    (tmp_path / name).write_bytes(pydicom_file(name).read_bytes())

    series = _only_series(scan_folder(tmp_path))

    assert series.kind == "single_frame"
    assert series.slices == 1
    assert not series.usable
    assert any(f.code == "too_few_slices" and f.severity == "error" for f in series.findings)
    assert series.frames[0].instance.transfer_syntax == MR_SMALL_SYNTAXES[name]
    assert ("compressed" in {f.code for f in series.findings}) == MR_SMALL_SYNTAXES[name].is_compressed


@pytest.mark.parametrize(
    ("name", "strip_trailing_padding"),
    [_mr_small_case(name, strip) for name in MR_SMALL_SYNTAXES for strip in (False, True)],
)
def test_bundled_mr_small_stack_has_mr_small_stored_values(
    tmp_path: Path,
    pydicom_file: Callable[[str], Path],
    stack_copies: Callable[..., list[Dataset]],
    name: str,
    strip_trailing_padding: bool,
) -> None:
    reference = _read(pydicom_file("MR_small.dcm")).pixel_array
    source = _read(pydicom_file(name))
    assert source.file_meta.TransferSyntaxUID == MR_SMALL_SYNTAXES[name]
    if strip_trailing_padding:
        source.pop("DataSetTrailingPadding", None)
    for index, ds in enumerate(stack_copies(source, 3)):
        ds.save_as(tmp_path / f"{index}.dcm")  # same transfer syntax, pixel data bytes as shipped

    result = _import(tmp_path)

    assert result.volume.voxels.shape == (3, *reference.shape)
    for index in range(3):
        np.testing.assert_array_equal(result.volume.voxels[index], reference)


# --- bundled codestreams nothing here can write --------------------------------------------------------------

BUNDLED_DECODABLE = {
    "JPGExtended.dcm": "JPEG extended (process 2/4), 12-bit NM; the frame ends FF D9 FF (a 0xFF fill byte)",
    "JPEG2000.dcm": "JPEG 2000, signed 16-bit NM",
    "693_J2KI.dcm": "JPEG 2000 lossy CT, BitsStored 14 below the codestream's depth",
    "J2K_pixelrep_mismatch.dcm": "JPEG 2000 lossless CT, unsigned codestream but PixelRepresentation 1",
    "JPEGLSNearLossless_08.dcm": "JPEG-LS near-lossless, 8-bit",
    "JPEGLSNearLossless_16.dcm": "JPEG-LS near-lossless, 16-bit",
    "image_dfl.dcm": "deflated explicit VR little endian, 8-bit (re-deflated by pydicom on copy)",
}
BUNDLED_UNDECODABLE = {
    "JPEG-lossy.dcm": "JPEG extended with invalid SOS parameters (libjpeg: misplaced marker segment)",
    "JPEG2000-embedded-sequence-delimiter.dcm": "J2K codestream with 4 bytes overwritten by a sequence delimiter",
}


def _as_stack_source(path: Path) -> Dataset:
    """The bundled dataset as a slice DVW can stack: secondary captures get a cross-sectional SOP class."""
    ds = _read(path)
    if str(ds.SOPClassUID).startswith("1.2.840.10008.5.1.4.1.1.7"):
        ds.SOPClassUID = NM_IMAGE_STORAGE
        ds.file_meta.MediaStorageSOPClassUID = NM_IMAGE_STORAGE
    return ds


@pytest.mark.parametrize("name", list(BUNDLED_DECODABLE))
def test_bundled_codestream_stack_imports_as_pydicom_decodes(
    tmp_path: Path,
    pydicom_file: Callable[[str], Path],
    stack_copies: Callable[..., list[Dataset]],
    name: str,
) -> None:
    original = _read(pydicom_file(name))
    expected = _values(original, original.pixel_array)
    source = _as_stack_source(pydicom_file(name))
    for index, ds in enumerate(stack_copies(source, 3)):
        ds.save_as(tmp_path / f"{index}.dcm")

    result = _import(tmp_path)

    assert result.series.frames[0].instance.transfer_syntax == original.file_meta.TransferSyntaxUID
    assert result.volume.voxels.shape == (3, *expected.shape)
    for index in range(3):
        np.testing.assert_array_equal(result.volume.voxels[index], expected)


@pytest.mark.parametrize("name", list(BUNDLED_UNDECODABLE))
def test_undecodable_codestream_raises_pixel_data_error(
    tmp_path: Path,
    pydicom_file: Callable[[str], Path],
    stack_copies: Callable[..., list[Dataset]],
    name: str,
) -> None:
    source = _as_stack_source(pydicom_file(name))
    for index, ds in enumerate(stack_copies(source, 3)):
        ds.save_as(tmp_path / f"{index}.dcm")
    scan = scan_folder(tmp_path)
    series = _only_series(scan)  # the file structure is sound: only the codestream is bad
    assert series.usable

    with pytest.raises(PixelDataError) as raised:
        assemble(select_series(scan))

    assert raised.value.code == "pixel_data"
    assert raised.value.path is not None
    assert Path(raised.value.path).parent == tmp_path
    assert Path(raised.value.path).name in raised.value.message


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("rtdose.dcm", id="implicit_vr_little_endian"),
        pytest.param("rtdose_expb.dcm", id="explicit_vr_big_endian"),
        pytest.param("rtdose_rle.dcm", id="rle_lossless_vr_un_geometry"),
    ],
)
def test_multi_frame_file_imports_every_frame(tmp_path: Path, pydicom_file: Callable[[str], Path], name: str) -> None:
    """RT dose: 15 frames of 32-bit values placed by GridFrameOffsetVector (0, 5, ... 70 mm)."""
    original = _read(pydicom_file(name))
    (tmp_path / name).write_bytes(pydicom_file(name).read_bytes())

    result = _import(tmp_path)

    assert result.series.kind == "multi_frame"
    assert result.series.slices == 15
    assert result.volume.spacing == pytest.approx((10.0, 10.0, 5.0))
    np.testing.assert_array_equal(result.volume.voxels, original.pixel_array)


@pytest.mark.parametrize(
    "name", ["SC_rgb_jpeg.dcm", "SC_rgb_rle_2frame.dcm", "ExplVR_BigEnd.dcm", "examples_ybr_color.dcm"]
)
def test_colour_images_are_never_volumes(tmp_path: Path, pydicom_file: Callable[[str], Path], name: str) -> None:
    (tmp_path / name).write_bytes(pydicom_file(name).read_bytes())

    scan = scan_folder(tmp_path)

    series = _only_series(scan)
    assert series.kind == "secondary_capture"
    assert not series.usable
    assert "secondary_capture" in {f.code for f in series.findings}
    with pytest.raises(NoSeriesFoundError):
        select_series(scan)
