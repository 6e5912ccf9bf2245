"""Reading DICOM headers leniently: every file under a folder, whatever its name or encoding.

A header read never raises for bad input. It returns either an :class:`InstanceHeader` (a DICOM instance, image or
not) or a :class:`SkippedFile` with a one-line reason (not DICOM, truncated, unreadable). Only the attributes DVW
needs are kept, converted to plain Python types, so that the result is small, immutable and safe to pass between
threads or processes.

Geometry is taken from ImagePositionPatient, ImageOrientationPatient and PixelSpacing only (or their functional
group equivalents in enhanced multi-frame objects). SliceThickness, SpacingBetweenSlices and GantryDetectorTilt are
kept for reporting disagreements, never for geometry.

Two kinds of bad header are told apart:

- an attribute DVW needs whose bytes cannot be decoded (a VR that does not fit the attribute, e.g. a two-byte VR
  flip; a length that is not a whole number of values; an unknown transfer syntax) makes the file unreadable: it
  is a :class:`SkippedFile` with the attribute in its reason, like any other unreadable file;
- a decodable value that cannot be right (RescaleSlope ``NaN`` or text, PixelSpacing ``1e-300``, an orientation
  that is not two orthogonal unit vectors, pixel data that Rows x Columns does not describe, ...) is a *defect*
  of the instance (:attr:`InstanceHeader.defects`), and the series that holds it is refused with the reason.
  An absent attribute is not a defect: what its absence means is decided when the series is described.
"""

from __future__ import annotations

import math
import struct
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

import pydicom
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.filereader import read_partial
from pydicom.multival import MultiValue
from pydicom.uid import UID, AllTransferSyntaxes, PrivateTransferSyntaxes

from imaging.header_walk import RawHeader, walk_header
from imaging.volume import MAX_POSITION_MM, SPACING_RANGE_MM

# Media Storage Directory Storage: a DICOMDIR (or a vendor's DIRFILE); never an image.
MEDIA_DIRECTORY_SOP_CLASS = "1.2.840.10008.1.3.10"
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
_NO_PIXEL_SOP_PREFIXES = (
    "1.2.840.10008.5.1.4.1.1.88",  # structured reports
    "1.2.840.10008.5.1.4.1.1.481",  # RT objects (RT dose is an exception handled by Rows/Columns)
    "1.2.840.10008.5.1.4.1.1.11",  # presentation states
    "1.2.840.10008.5.1.4.1.1.66",  # raw data, registration, segmentation-free spatial objects
    "1.2.840.10008.5.1.4.1.1.104",  # encapsulated documents (PDF, CDA)
)
_SEQUENCE_DELIMITER_LE = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
_TRAILING_PADDING_TAG_LE = b"\xfc\xff\xfc\xff"
_TAIL_READ = 1 << 16
_WAVEFORM_PREFIX = "1.2.840.10008.5.1.4.1.1.9."
# Enhanced and legacy-converted enhanced CT, MR and PET: geometry lives in functional groups after group 0x0028.
_ENHANCED_SOP_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.2.1",
        "1.2.840.10008.5.1.4.1.1.2.2",
        "1.2.840.10008.5.1.4.1.1.4.1",
        "1.2.840.10008.5.1.4.1.1.4.3",
        "1.2.840.10008.5.1.4.1.1.4.4",
        "1.2.840.10008.5.1.4.1.1.130",
        "1.2.840.10008.5.1.4.1.1.128.1",
    }
)
#: Plausible ranges of the values DVW computes with; a value outside them is a defect, not a measurement.
PIXEL_SPACING_RANGE_MM = SPACING_RANGE_MM  # 0.1 micrometre to one metre per pixel
MAX_RESCALE_SLOPE = 1e6  # |RescaleSlope|: CT uses 1, PET and scaled MR up to about 1e4
MAX_RESCALE_INTERCEPT = 1e9  # |RescaleIntercept|: CT uses about -1024
#: Largest deviation of an ImageOrientationPatient cosine vector from unit length, and of their dot product from 0.
ORIENTATION_TOLERANCE = 1e-3
_BITS_ALLOCATED = (8, 16, 32)
_HEADER_END_TAG = 0x0028FFFF
_FIRST_READ = 1 << 14  # most headers end within 16 KiB
_SECOND_READ = 1 << 18  # single-frame geometry and pixel description all live in groups <= 0x0028
_DIRECTORY_RECORD_SEQUENCE = 0x00041220


@dataclass(frozen=True)
class FrameGeometry:
    """Geometry and value mapping of one 2D frame (a single-frame file, or one frame of a multi-frame file).

    Attributes
    ----------
    frame_index
        0-based frame number inside the file (0 for single-frame files).
    position
        ImagePositionPatient: LPS mm of the centre of the first transmitted pixel; None when absent or malformed.
    orientation
        ImageOrientationPatient: row direction cosines then column direction cosines (6 numbers); None if absent.
    pixel_spacing
        PixelSpacing as (row spacing, column spacing) in mm, i.e. (y, x); None when absent.
    rescale_slope, rescale_intercept
        Modality LUT to HU (CT) or real values; None when the file has none.
    stack_key
        Values that tell apart several stacks sharing the same positions (stack ID, temporal position, echo).
    defects
        One line per geometry or rescale value of this frame that is present but cannot be right (the field then
        holds None); see the module docstring.
    """

    frame_index: int
    position: tuple[float, float, float] | None
    orientation: tuple[float, float, float, float, float, float] | None
    pixel_spacing: tuple[float, float] | None
    rescale_slope: float | None
    rescale_intercept: float | None
    stack_key: tuple[str, ...] = ()
    defects: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstanceHeader:
    """What DVW keeps of one DICOM instance's header (no pixel data).

    Attributes
    ----------
    path
        The file, as found under the scanned folder.
    size_bytes
        The file's size.
    transfer_syntax
        Transfer syntax UID; for files without File Meta, the encoding the reader found (implicit or explicit VR).
    has_preamble
        Whether the file has the 128-byte preamble and ``DICM`` marker (ACR-NEMA style files do not).
    frames
        Geometry per frame; empty for non-image instances.
    defects
        One line per value of the instance that is present but cannot be right (pixel description, pixel data
        size, and its frames' geometry and rescale); an instance with defects is never assembled.
    """

    path: str
    size_bytes: int
    transfer_syntax: str
    has_preamble: bool
    sop_class_uid: str
    sop_instance_uid: str
    study_uid: str
    series_uid: str
    frame_of_reference_uid: str
    modality: str
    series_description: str
    series_number: int | None
    instance_number: int | None
    acquisition_number: int | None
    echo_number: int | None
    temporal_position: int | None
    image_type: tuple[str, ...]
    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    photometric: str
    number_of_frames: int
    pixel_padding_value: int | None
    slice_thickness: float | None
    spacing_between_slices: float | None
    gantry_tilt_tag: float | None
    patient_position: str
    frames: tuple[FrameGeometry, ...]
    defects: tuple[str, ...] = ()

    @property
    def is_image(self) -> bool:
        """Whether the instance has an image pixel description."""
        return self.rows > 0 and self.columns > 0

    @property
    def is_compressed(self) -> bool:
        """Whether the pixel data is encapsulated (JPEG, JPEG-LS, JPEG 2000, RLE, ...)."""
        return UID(self.transfer_syntax).is_compressed

    @property
    def frame_bytes(self) -> int:
        """Size in bytes of one uncompressed frame."""
        return self.rows * self.columns * self.samples_per_pixel * max(1, self.bits_allocated // 8)


@dataclass(frozen=True)
class SkippedFile:
    """A file that is not a usable DICOM instance, with the reason in one line."""

    path: str
    reason: str


def _stop_at_header_end(tag: Any, vr: str | None, length: int) -> bool:
    del vr, length
    return int(tag) > _HEADER_END_TAG or int(tag) == _DIRECTORY_RECORD_SEQUENCE


def _stop_at_pixels(tag: Any, vr: str | None, length: int) -> bool:
    del vr, length
    return int(tag) >= 0x7FE00000 or int(tag) == _DIRECTORY_RECORD_SEQUENCE


def _looks_like_bare_dataset(head: bytes) -> bool:
    """Whether a file without preamble starts with a plausible DICOM element (ACR-NEMA style, implicit VR LE)."""
    if len(head) < 8:
        return False
    group, element = struct.unpack("<HH", head[:4])
    if group in (0x0002, 0x0008) and element < 0x2000:
        return True
    # Big endian explicit VR files without preamble are essentially extinct; accept only the little-endian start.
    return group in (0x0010, 0x0018, 0x0020, 0x0028) and element < 0x1000 and head[4:6].isalpha()


_Header = Dataset | RawHeader
"""A header read by pydicom, or the raw elements kept by the fast walk (see :mod:`imaging.header_walk`)."""

_BINARY_FORMATS = {"US": "H", "SS": "h", "UL": "I", "SL": "i", "FL": "f", "FD": "d"}
_TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "TM", "UI"})
# VRs whose values are interchangeable for reading: a value written with another VR of its family reads the same
# (IS written as DS, US as SS, ...); a VR of another family means the bytes are not what the attribute holds.
_VR_FAMILIES = {
    **dict.fromkeys(("AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM"), "text"),
    **dict.fromkeys(("UC", "UI", "UR", "UT"), "text"),
    **dict.fromkeys(("US", "SS", "UL", "SL"), "integer"),
    **dict.fromkeys(("FL", "FD"), "float"),
    **dict.fromkeys(("OB", "OW"), "bytes"),
    "SQ": "sequence",
}


class _UnreadableValueError(Exception):
    """An attribute DVW needs cannot be decoded from its bytes; the file is skipped with this as its reason."""

    def __init__(self, keyword: str, detail: str) -> None:
        super().__init__(f"{keyword} {detail}")


@cache
def _tag(keyword: str) -> int:
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise KeyError(keyword)
    return int(tag)


@cache
def _vr_fits(vr: str, keyword: str) -> bool:
    """Whether a value written with ``vr`` reads as ``keyword`` (UN is always decoded by the dictionary VR)."""
    if vr == "UN":
        return True
    expected = {_VR_FAMILIES.get(v.strip()) for v in dictionary_VR(_tag(keyword)).split(" or ")}
    return _VR_FAMILIES.get(vr) in expected


def _value(ds: _Header, keyword: str) -> Any:
    """An element's value, decoded straight from its raw bytes for the plain VRs DVW reads.

    pydicom's general conversion (with validation hooks) costs more than parsing the file; for ASCII number,
    code and UID values and fixed-size binary numbers the bytes are decoded here. Anything else (text with a
    character set, sequences, ambiguous VRs) goes through pydicom.

    Raises
    ------
    _UnreadableValueError
        If the element is present but its bytes cannot be its value: a VR of another kind than the attribute's
        (e.g. a flipped VR), a length that is not a whole number of binary values, or anything pydicom's
        conversion refuses.
    """
    try:
        # get_item gives the raw element (or None) despite its annotation saying DataElement.
        element: Any = ds.get_item(_tag(keyword))
    except (KeyError, ValueError, TypeError):
        return None
    if element is None:
        return None
    if not isinstance(element, RawDataElement):
        return _plain(element.value)
    if element.VR and not element.is_implicit_VR and not _vr_fits(element.VR, keyword):
        raise _UnreadableValueError(
            keyword, f"has VR {element.VR!r} where the standard has {dictionary_VR(element.tag)}"
        )
    vr = element.VR or dictionary_VR(element.tag)
    raw = element.value
    if raw is None or len(raw) == 0:
        return None
    if vr in _TEXT_VRS:
        text = raw.decode("latin-1").strip("\x00 ")
        return [part.strip() for part in text.split("\\")] if "\\" in text else text
    if vr in _BINARY_FORMATS:
        code = _BINARY_FORMATS[vr]
        size = struct.calcsize(code)
        if len(raw) % size:
            raise _UnreadableValueError(keyword, f"holds {len(raw)} bytes, not a whole number of {vr} values")
        count = len(raw) // size
        order = "<" if _is_little_endian(ds) else ">"
        values = struct.unpack(order + code * count, raw)
        return values[0] if count == 1 else list(values)
    # UN (explicit VR files from some PACS), ambiguous VRs and text with a character set: pydicom converts.
    return _plain(_converted(ds, keyword))


def _converted(ds: _Header, keyword: str) -> Any:
    """One element converted by pydicom; any failure of the conversion is an unreadable value."""
    try:
        return ds.get(keyword)
    except Exception as exc:  # pydicom's converters raise many types on malformed bytes
        detail = str(exc).splitlines()[0][:120] if str(exc) else "malformed"
        raise _UnreadableValueError(keyword, f"cannot be decoded ({type(exc).__name__}: {detail})") from exc


def _plain(value: Any) -> Any:
    """Multi-valued elements as plain lists, so that every converter sees one shape."""
    return list(value) if isinstance(value, MultiValue) else value


def _is_little_endian(ds: _Header) -> bool:
    file_meta = getattr(ds, "file_meta", None)
    syntax = _text(file_meta, "TransferSyntaxUID") if file_meta is not None else ""
    return (syntax or _encoding_syntax(ds)) != "1.2.840.10008.1.2.2"


def _text(ds: _Header, keyword: str) -> str:
    try:
        value = _value(ds, keyword)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return ""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\\".join(str(v) for v in value)
    return str(value).strip()


def _first(ds: _Header, keyword: str) -> Any:
    """The first value of an element, or None when absent, empty or unreadable."""
    try:
        value = _value(ds, keyword)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value == "" else value


def _int(ds: _Header, keyword: str) -> int | None:
    value = _first(ds, keyword)
    try:
        return None if value is None else int(float(value)) if isinstance(value, str) else int(value)
    except (ValueError, TypeError, OverflowError):
        return None


def _float(ds: _Header, keyword: str) -> float | None:
    value = _first(ds, keyword)
    try:
        result = None if value is None else float(value)
    except (ValueError, TypeError, OverflowError):
        return None
    return result if result is not None and math.isfinite(result) else None


def _shown(value: Any) -> str:
    """A value as quoted in a defect: short, one line."""
    text = "\\".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return repr(text)


def _whole(ds: _Header, keyword: str, defects: list[str], low: int, high: int) -> int | None:
    """An integer attribute: None when absent; a defect (and None) when present but not a whole number in range."""
    value = _first(ds, keyword)
    if value is None:
        return None
    try:
        number = float(value)
    except (ValueError, TypeError, OverflowError):
        number = math.nan
    if not number.is_integer() or not low <= number <= high:
        defects.append(f"{keyword} {_shown(value)} is not a whole number from {low} to {high}")
        return None
    return int(number)


def _number(ds: _Header, keyword: str, defects: list[str]) -> float | None:
    """A number: None when absent; a defect (and None) when present but not a finite number."""
    value = _first(ds, keyword)
    if value is None:
        return None
    try:
        number = float(value)
    except (ValueError, TypeError, OverflowError):
        defects.append(f"{keyword} {_shown(value)} is not a number")
        return None
    if not math.isfinite(number):
        defects.append(f"{keyword} {_shown(value)} is not finite")
        return None
    return number


def _numbers(ds: _Header, keyword: str, count: int, defects: list[str]) -> tuple[float, ...] | None:
    """``count`` finite numbers: None when absent; a defect (and None) when present but not that."""
    value = _value(ds, keyword)
    if value is None or value == "":
        return None
    parts = value if isinstance(value, list) else [value]
    try:
        numbers = tuple(float(v) for v in parts)
    except (ValueError, TypeError, OverflowError):
        defects.append(f"{keyword} {_shown(parts)} is not {count} numbers")
        return None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        defects.append(f"{keyword} {_shown(parts)} is not {count} finite numbers")
        return None
    return numbers


def _described(ds: _Header) -> str:
    """SeriesDescription decoded with the dataset's character set (it may be Chinese, Japanese, ...).

    The one attribute read leniently: it only names the series, so a description that cannot be decoded (a
    character set Python does not know, a damaged value) is left empty rather than losing the slice.
    """
    try:
        value = _value(ds, "SeriesDescription")
    except _UnreadableValueError:
        return ""
    if isinstance(value, list):
        return "\\".join(str(v) for v in value).strip()
    return str(value).strip() if value is not None else ""


def _image_type(ds: _Header) -> tuple[str, ...]:
    try:
        raw = _value(ds, "ImageType")
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return ()
    if raw is None:
        return ()
    parts = [raw] if isinstance(raw, str) else list(raw)
    return tuple(str(part).strip().upper() for part in parts)


def _first_item(ds: Dataset, keyword: str) -> Dataset | None:
    seq = _converted(ds, keyword)
    try:
        if seq is None or len(seq) == 0:
            return None
        item = seq[0]
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return item if isinstance(item, Dataset) else None


def _position(ds: _Header, defects: list[str]) -> tuple[float, float, float] | None:
    values = _numbers(ds, "ImagePositionPatient", 3, defects)
    if values is None:
        return None
    if max(abs(v) for v in values) > MAX_POSITION_MM:
        defects.append(f"ImagePositionPatient {_shown(values)} lies more than {MAX_POSITION_MM:g} mm from the origin")
        return None
    return (values[0], values[1], values[2])


def _orientation(ds: _Header, defects: list[str]) -> tuple[float, float, float, float, float, float] | None:
    """ImageOrientationPatient as two unit vectors; a defect unless they are (nearly) orthogonal unit vectors.

    Real headers round the cosines (to 6 decimals or fewer), so each is normalised here and the small
    non-orthogonality left is removed when the stack is measured (:func:`imaging.stack.analyze_stack`).
    """
    v = _numbers(ds, "ImageOrientationPatient", 6, defects)
    if v is None:
        return None
    row, col = v[:3], v[3:]
    row_norm = math.sqrt(sum(c * c for c in row))
    col_norm = math.sqrt(sum(c * c for c in col))
    dot = sum(a * b for a, b in zip(row, col, strict=True))
    if (
        abs(row_norm - 1.0) > ORIENTATION_TOLERANCE
        or abs(col_norm - 1.0) > ORIENTATION_TOLERANCE
        or abs(dot) > ORIENTATION_TOLERANCE
    ):
        defects.append(f"ImageOrientationPatient {_shown(v)} is not two orthogonal unit vectors")
        return None
    return (
        v[0] / row_norm,
        v[1] / row_norm,
        v[2] / row_norm,
        v[3] / col_norm,
        v[4] / col_norm,
        v[5] / col_norm,
    )


def _spacing(ds: _Header, defects: list[str]) -> tuple[float, float] | None:
    values = _numbers(ds, "PixelSpacing", 2, defects)
    if values is None:
        return None
    low, high = PIXEL_SPACING_RANGE_MM
    if not all(low <= v <= high for v in values):
        defects.append(f"PixelSpacing {_shown(values)} is not between {low:g} and {high:g} mm")
        return None
    return (values[0], values[1])


def _rescale(ds: _Header, defects: list[str]) -> tuple[float | None, float | None]:
    """RescaleSlope and RescaleIntercept (None when absent); a defect when present but unusable."""
    slope = _number(ds, "RescaleSlope", defects)
    intercept = _number(ds, "RescaleIntercept", defects)
    if slope is not None and not 0.0 < abs(slope) <= MAX_RESCALE_SLOPE:
        defects.append(f"RescaleSlope {slope:g} is not a non-zero number within +-{MAX_RESCALE_SLOPE:g}")
        slope = None
    if intercept is not None and abs(intercept) > MAX_RESCALE_INTERCEPT:
        defects.append(f"RescaleIntercept {intercept:g} is not within +-{MAX_RESCALE_INTERCEPT:g}")
        intercept = None
    return slope, intercept


def _plane_frame(
    index: int,
    *,
    position: _Header | None,
    orientation: _Header | None,
    measures: _Header | None,
    transform: _Header | None,
    stack_key: tuple[str, ...] = (),
) -> FrameGeometry:
    """One frame's geometry from the datasets that hold its attributes (None where a dataset is missing)."""
    defects: list[str] = []
    slope, intercept = _rescale(transform, defects) if transform is not None else (None, None)
    return FrameGeometry(
        frame_index=index,
        position=_position(position, defects) if position is not None else None,
        orientation=_orientation(orientation, defects) if orientation is not None else None,
        pixel_spacing=_spacing(measures, defects) if measures is not None else None,
        rescale_slope=slope,
        rescale_intercept=intercept,
        stack_key=stack_key,
        defects=tuple(defects),
    )


def _functional_frames(ds: Dataset, number_of_frames: int) -> tuple[FrameGeometry, ...] | None:
    """Per-frame geometry from enhanced multi-frame functional groups, or None when the object has none."""
    per_frame = _converted(ds, "PerFrameFunctionalGroupsSequence")
    if per_frame is None or len(per_frame) != number_of_frames:
        return None
    shared = _first_item(ds, "SharedFunctionalGroupsSequence") or Dataset()

    def lookup(frame: Dataset, group: str) -> Dataset | None:
        return _first_item(frame, group) or _first_item(shared, group)

    frames = []
    for index, frame in enumerate(per_frame):
        if not isinstance(frame, Dataset):
            return None
        content = _first_item(frame, "FrameContentSequence")
        echo = lookup(frame, "MREchoSequence")
        stack_key: tuple[str, ...] = ()
        if content is not None:
            stack_key = (_text(content, "StackID"), _text(content, "TemporalPositionIndex"))
        if echo is not None:
            stack_key = (*stack_key, _text(echo, "EffectiveEchoTime"))
        frames.append(
            _plane_frame(
                index,
                position=lookup(frame, "PlanePositionSequence"),
                orientation=lookup(frame, "PlaneOrientationSequence"),
                measures=lookup(frame, "PixelMeasuresSequence"),
                transform=lookup(frame, "PixelValueTransformationSequence"),
                stack_key=stack_key,
            )
        )
    return tuple(frames)


def _grid_frames(ds: Dataset, number_of_frames: int) -> tuple[FrameGeometry, ...] | None:
    """Per-frame geometry of a legacy multi-frame object with a GridFrameOffsetVector (e.g. RT dose)."""
    defects: list[str] = []
    offsets = _numbers(ds, "GridFrameOffsetVector", number_of_frames, [])
    origin, orientation = _position(ds, defects), _orientation(ds, defects)
    if offsets is None or origin is None or orientation is None:
        return None
    row, col = orientation[:3], orientation[3:]
    normal = (
        row[1] * col[2] - row[2] * col[1],
        row[2] * col[0] - row[0] * col[2],
        row[0] * col[1] - row[1] * col[0],
    )
    slope, intercept = _rescale(ds, defects)
    spacing = _spacing(ds, defects)
    return tuple(
        FrameGeometry(
            frame_index=i,
            position=(origin[0] + off * normal[0], origin[1] + off * normal[1], origin[2] + off * normal[2]),
            orientation=orientation,
            pixel_spacing=spacing,
            rescale_slope=slope,
            rescale_intercept=intercept,
            defects=tuple(defects),
        )
        for i, off in enumerate(offsets)
    )


def _frames(ds: _Header, number_of_frames: int) -> tuple[FrameGeometry, ...]:
    if number_of_frames > 1 and isinstance(ds, Dataset):
        found = _functional_frames(ds, number_of_frames) or _grid_frames(ds, number_of_frames)
        if found is not None:
            return found
        # A multi-frame object without per-frame positions: frames have no place in space of their own.
        defects: list[str] = []
        orientation, spacing = _orientation(ds, defects), _spacing(ds, defects)
        return tuple(
            FrameGeometry(i, None, orientation, spacing, None, None, defects=tuple(defects))
            for i in range(number_of_frames)
        )
    has_groups = isinstance(ds, Dataset) and "PerFrameFunctionalGroupsSequence" in ds
    functional = _functional_frames(ds, 1) if isinstance(ds, Dataset) and has_groups else None
    if functional is not None:
        return functional
    return (_plane_frame(0, position=ds, orientation=ds, measures=ds, transform=ds),)


def _parse(fp: Any, stop_when: Any) -> Dataset:
    return read_partial(fp, stop_when=stop_when, force=True)


def read_header(path: str | Path) -> InstanceHeader | SkippedFile:
    """Read one file's DICOM header without its pixel data.

    pydicom's warnings about malformed values are silenced here: what matters is recorded as findings or skip
    reasons, and real-world files trigger them by the thousand.

    Parameters
    ----------
    path
        Any file: DICOM with or without preamble/File Meta, or anything else.

    Returns
    -------
    InstanceHeader or SkippedFile
        The header of a DICOM instance (with its defects, if any), or the reason the file is not one or cannot
        be read (never raises for bad content).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read_header(path)


def _read_header(path: str | Path) -> InstanceHeader | SkippedFile:
    name = str(path)
    try:
        size = Path(path).stat().st_size
        with open(path, "rb") as fp:
            head = fp.read(_FIRST_READ)
            has_preamble = head[128:132] == b"DICM"
            if not has_preamble and not _looks_like_bare_dataset(head):
                return SkippedFile(name, "not DICOM: no 'DICM' marker and no DICOM element at the start")
            walked = walk_header(head)
            if walked is None and size > len(head):
                head += fp.read(_SECOND_READ - len(head))
                walked = walk_header(head)
            ds: _Header
            if walked is not None and not _needs_full_parse(walked.dataset):
                ds, header_end = walked.dataset, walked.header_end
            else:
                # Multi-frame, enhanced, big endian, deflated or unusual files: pydicom's parser, up to the pixels.
                fp.seek(0)
                ds = _parse(fp, _stop_at_header_end)
                if _needs_full_parse(ds):
                    fp.seek(0)
                    ds = _parse(fp, _stop_at_pixels)
                header_end = fp.tell()
            syntax = _syntax_of(ds)
            if syntax not in AllTransferSyntaxes and syntax not in PrivateTransferSyntaxes:
                return SkippedFile(name, f"unknown transfer syntax {_shown(str(syntax))}: the data cannot be decoded")
            defects: list[str] = []
            declared_frames = _whole(ds, "NumberOfFrames", defects, 1, 1 << 31)
            number_of_frames = declared_frames or 1
            problem, defect = _integrity(fp, ds, size=size, header_end=header_end, number_of_frames=number_of_frames)
            if defect:
                defects.append(defect)
            return _to_header(
                ds,
                name,
                size=size,
                has_preamble=has_preamble,
                problem=problem,
                number_of_frames=number_of_frames,
                defects=defects,
            )
    except OSError as exc:
        return SkippedFile(name, f"cannot read file: {exc.strerror or exc}")
    except _UnreadableValueError as exc:
        return SkippedFile(name, f"unreadable DICOM header: {exc}")
    except Exception as exc:  # noqa: BLE001 - pydicom raises many exception types on malformed input
        detail = str(exc).splitlines()[0][:120] if str(exc).strip() else "malformed"
        return SkippedFile(name, f"unreadable DICOM header ({type(exc).__name__}: {detail})")


def _encoding_syntax(ds: _Header) -> str:
    """The transfer syntax a file without File Meta was actually written in, as pydicom's reader found it."""
    encoding = getattr(ds, "original_encoding", (True, True))
    implicit, little = encoding if isinstance(encoding, tuple) and None not in encoding else (True, True)
    if implicit:
        return "1.2.840.10008.1.2"
    return "1.2.840.10008.1.2.1" if little else "1.2.840.10008.1.2.2"


def _needs_full_parse(ds: _Header) -> bool:
    """Whether per-frame geometry lives past group 0x0028 (multi-frame and enhanced objects)."""
    return (_int(ds, "NumberOfFrames") or 1) > 1 or "PerFrameFunctionalGroupsSequence" in ds or _is_enhanced(ds)


def _is_enhanced(ds: _Header) -> bool:
    return _text(ds, "SOPClassUID") in _ENHANCED_SOP_CLASSES


def _to_header(
    ds: _Header,
    name: str,
    *,
    size: int,
    has_preamble: bool,
    problem: str,
    number_of_frames: int,
    defects: list[str],
) -> InstanceHeader | SkippedFile:
    file_meta = getattr(ds, "file_meta", None)
    media_class = _text(file_meta, "MediaStorageSOPClassUID") if file_meta is not None else ""
    if media_class == MEDIA_DIRECTORY_SOP_CLASS or "DirectoryRecordSequence" in ds or _DIRECTORY_RECORD_SEQUENCE in ds:
        return SkippedFile(name, "DICOMDIR media directory: not an image (its images are found by scanning)")
    # Read first so that an undecodable character set is named as itself, not as the text it cannot decode.
    _value(ds, "SpecificCharacterSet")
    sop_class = _text(ds, "SOPClassUID") or media_class
    sop_instance = _text(ds, "SOPInstanceUID")
    rows = _whole(ds, "Rows", defects, 1, 0xFFFF)
    columns = _whole(ds, "Columns", defects, 1, 0xFFFF)
    if not sop_instance and not sop_class and not (rows and columns):
        return SkippedFile(name, "not DICOM: no SOP instance, SOP class or image attributes")
    if problem:
        return SkippedFile(name, problem)
    bits_allocated = _whole(ds, "BitsAllocated", defects, 1, 64)
    is_image = rows is not None and columns is not None and bits_allocated is not None
    samples, bits_stored, representation = 1, bits_allocated or 0, 0
    frames: tuple[FrameGeometry, ...] = ()
    if is_image:
        if bits_allocated not in _BITS_ALLOCATED:
            defects.append(f"BitsAllocated {bits_allocated} is not one of {', '.join(map(str, _BITS_ALLOCATED))}")
        samples = _whole(ds, "SamplesPerPixel", defects, 1, 4) or 1
        bits_stored = _whole(ds, "BitsStored", defects, 1, bits_allocated or 1) or bits_allocated or 0
        representation = _whole(ds, "PixelRepresentation", defects, 0, 1) or 0
        frames = _frames(ds, number_of_frames)
        for frame in frames:
            where = f"frame {frame.frame_index + 1}: " if number_of_frames > 1 else ""
            defects.extend(f"{where}{defect}" for defect in frame.defects if defect not in _seen(defects))
    return InstanceHeader(
        path=name,
        size_bytes=size,
        transfer_syntax=str(_syntax_of(ds)),
        has_preamble=has_preamble,
        sop_class_uid=sop_class,
        sop_instance_uid=sop_instance,
        study_uid=_text(ds, "StudyInstanceUID"),
        series_uid=_text(ds, "SeriesInstanceUID") or f"no-series-uid:{Path(name).parent}",
        frame_of_reference_uid=_text(ds, "FrameOfReferenceUID"),
        modality=_text(ds, "Modality").upper(),
        series_description=_described(ds),
        series_number=_int(ds, "SeriesNumber"),
        instance_number=_int(ds, "InstanceNumber"),
        acquisition_number=_int(ds, "AcquisitionNumber"),
        echo_number=_int(ds, "EchoNumbers"),
        temporal_position=_int(ds, "TemporalPositionIdentifier"),
        image_type=_image_type(ds),
        rows=rows if is_image and rows else 0,
        columns=columns if is_image and columns else 0,
        samples_per_pixel=samples,
        bits_allocated=bits_allocated or 0,
        bits_stored=bits_stored,
        pixel_representation=representation,
        photometric=_text(ds, "PhotometricInterpretation").upper(),
        number_of_frames=number_of_frames,
        pixel_padding_value=_int(ds, "PixelPaddingValue"),
        slice_thickness=_float(ds, "SliceThickness"),
        spacing_between_slices=_float(ds, "SpacingBetweenSlices"),
        gantry_tilt_tag=_float(ds, "GantryDetectorTilt"),
        patient_position=_text(ds, "PatientPosition").upper(),
        frames=frames,
        defects=tuple(defects),
    )


def _seen(defects: list[str]) -> set[str]:
    """The defect texts already listed, without their frame prefix (shared groups repeat them on every frame)."""
    return {d.split(": ", 1)[1] if d.startswith("frame ") else d for d in defects}


def _syntax_of(ds: _Header) -> UID:
    file_meta = getattr(ds, "file_meta", None)
    syntax = _text(file_meta, "TransferSyntaxUID") if file_meta is not None else ""
    return UID(syntax or _encoding_syntax(ds))


def _integrity(fp: BinaryIO, ds: _Header, *, size: int, header_end: int, number_of_frames: int) -> tuple[str, str]:
    """What is wrong around the pixel data: ``(skip reason, defect)``, each one line or ``""``.

    The skip reason says the file is visibly cut short or malformed. Native pixel data must be complete: its
    element is found (normally it ends the file, checked in one read) and its length covers Rows x Columns x
    frames. Encapsulated pixel data must end with its sequence delimiter (optionally followed by data set trailing
    padding). An image SOP instance whose header runs to the end of the file has lost its pixel data.

    The defect says the pixel description does not describe the data: native pixel data longer than Rows x
    Columns x frames by a whole frame or more (e.g. Rows 1 on a 512 x 512 image), or followed by anything but
    zeros (the padding some writers add; an odd length's single pad byte is always accepted).
    """
    rows, columns = _int(ds, "Rows") or 0, _int(ds, "Columns") or 0
    bits = _int(ds, "BitsAllocated") or 0
    if rows <= 0 or columns <= 0 or bits <= 0:
        return _header_integrity(ds, size=size, header_end=header_end), ""
    syntax = _syntax_of(ds)
    if syntax.is_deflated:
        return "", ""  # checked when decoding: the deflated stream holds the whole data set
    if syntax.is_compressed:
        return _encapsulated_integrity(fp, size), ""
    frame_bytes = max(1, rows * columns * max(1, _int(ds, "SamplesPerPixel") or 1) * bits // 8)
    return _native_integrity(fp, size, frame_bytes * number_of_frames, frame_bytes, syntax)


def _header_integrity(ds: _Header, *, size: int, header_end: int) -> str:
    """For an instance without an image description: a reason when its header was cut short, else ``""``."""
    if header_end < size:
        return ""  # the data set goes on past the elements DVW reads
    file_meta = getattr(ds, "file_meta", None)
    sop_class = _text(ds, "SOPClassUID") or (_text(file_meta, "MediaStorageSOPClassUID") if file_meta else "")
    if not sop_class or UID(sop_class).name == sop_class:
        return "truncated: the header ends with the file and names no registered SOP class"
    is_image_class = sop_class.startswith("1.2.840.10008.5.1.4.1.1.") and has_pixel_data_sop(sop_class)
    if is_image_class and not sop_class.startswith(_WAVEFORM_PREFIX):
        return "truncated: the file ends inside its header (an image without pixel data)"
    return ""


def _encapsulated_integrity(fp: BinaryIO, size: int) -> str:
    start = max(0, size - _TAIL_READ)
    fp.seek(start)
    tail = fp.read(size - start)
    if tail.endswith(_SEQUENCE_DELIMITER_LE):
        return ""
    at = tail.rfind(_SEQUENCE_DELIMITER_LE)
    padding = tail[at + 8 : at + 12] if at >= 0 else b""
    if padding == _TRAILING_PADDING_TAG_LE:
        return ""
    return "truncated: encapsulated pixel data has no end delimiter"


def _native_integrity(fp: BinaryIO, size: int, expected: int, frame_bytes: int, syntax: UID) -> tuple[str, str]:
    """See :func:`_integrity`. Excess pixel data is padding only when it is zeros, and less than one frame."""
    little = syntax.is_little_endian
    order = "<" if little else ">"
    explicit = not syntax.is_implicit_VR
    header_size = 12 if explicit else 8
    quick_at = size - expected - header_size
    if quick_at >= 0:
        fp.seek(quick_at)
        if _pixel_element_length(fp.read(header_size), order, explicit) == expected:
            return "", ""  # the pixel data element ends the file with exactly the expected length
    # Odd lengths, trailing padding or elements after the pixel data: find the element by parsing.
    fp.seek(0)
    _parse(fp, _stop_at_pixels)
    at = fp.tell()
    length = _pixel_element_length(fp.read(header_size), order, explicit)
    if length is None:
        return "truncated: no pixel data element", ""
    if length == 0xFFFFFFFF:
        return "", ""  # encapsulated data in a native syntax: decoding will say whether it is usable
    if at + header_size + length > size:
        return f"truncated: pixel data needs {length} bytes, {max(0, size - at - header_size)} remain", ""
    if length < expected:
        return f"pixel data holds {length} bytes, Rows x Columns x frames needs {expected}", ""
    excess = length - expected
    if 1 < excess < frame_bytes:
        fp.seek(at + header_size + expected)
        is_padding = not fp.read(excess).strip(b"\x00")
    else:
        is_padding = excess <= 1
    if not is_padding:
        return "", (
            f"PixelData holds {length} bytes where Rows x Columns x SamplesPerPixel x NumberOfFrames x "
            f"BitsAllocated describe {expected}"
        )
    return "", ""


def _pixel_element_length(element: bytes, order: str, explicit: bool) -> int | None:
    """The value length of a Pixel Data element header, or None when ``element`` is not one."""
    if len(element) < (12 if explicit else 8):
        return None
    group, number = struct.unpack(order + "HH", element[:4])
    if (group, number) != (0x7FE0, 0x0010):
        return None
    if explicit:
        if element[4:6] not in (b"OB", b"OW"):
            return None
        return int(struct.unpack(order + "I", element[8:12])[0])
    return int(struct.unpack(order + "I", element[4:8])[0])


def has_pixel_data_sop(sop_class_uid: str) -> bool:
    """Whether a SOP class normally carries image pixel data."""
    return not sop_class_uid.startswith(_NO_PIXEL_SOP_PREFIXES)


def parse_dataset(source: str | BinaryIO) -> Dataset:
    """Read a whole instance with pixel data (lenient), leaving warning filters alone.

    Safe on worker threads: the caller decides how pydicom's warnings are handled, in its own thread, because
    :class:`warnings.catch_warnings` changes process-wide state and is not thread-safe.

    Raises
    ------
    OSError
        When the file cannot be read.
    pydicom.errors.InvalidDicomError
        When the content is not DICOM.
    """
    return pydicom.dcmread(source, force=True)


def read_dataset(path: str | BinaryIO) -> Dataset:
    """Read a whole instance with pixel data (lenient), pydicom's warnings suppressed; for one-thread callers.

    Raises
    ------
    OSError
        When the file cannot be read.
    pydicom.errors.InvalidDicomError
        When the content is not DICOM.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parse_dataset(path)
