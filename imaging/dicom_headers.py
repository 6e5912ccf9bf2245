"""Reading DICOM headers leniently: every file under a folder, whatever its name or encoding.

A header read never raises for bad input. It returns either an :class:`InstanceHeader` (a DICOM instance, image or
not) or a :class:`SkippedFile` with a one-line reason (not DICOM, truncated, unreadable). Only the attributes DVW
needs are kept, converted to plain Python types, so that the result is small, immutable and safe to pass between
threads or processes.

Geometry is taken from ImagePositionPatient, ImageOrientationPatient and PixelSpacing only (or their functional
group equivalents in enhanced multi-frame objects). SliceThickness, SpacingBetweenSlices and GantryDetectorTilt are
kept for reporting disagreements, never for geometry.
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
from pydicom.uid import UID

from imaging.header_walk import RawHeader, walk_header

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
    """

    frame_index: int
    position: tuple[float, float, float] | None
    orientation: tuple[float, float, float, float, float, float] | None
    pixel_spacing: tuple[float, float] | None
    rescale_slope: float | None
    rescale_intercept: float | None
    stack_key: tuple[str, ...] = ()


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


@cache
def _tag(keyword: str) -> int:
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise KeyError(keyword)
    return int(tag)


def _value(ds: _Header, keyword: str) -> Any:
    """An element's value, decoded straight from its raw bytes for the plain VRs DVW reads.

    pydicom's general conversion (with validation hooks) costs more than parsing the file; for ASCII number,
    code and UID values and fixed-size binary numbers the bytes are decoded here. Anything else (text with a
    character set, sequences, ambiguous VRs) goes through pydicom.
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
    vr = element.VR or dictionary_VR(element.tag)
    raw = element.value
    if raw is None or len(raw) == 0:
        return None
    if vr in _TEXT_VRS:
        text = raw.decode("latin-1").strip("\x00 ")
        return [part.strip() for part in text.split("\\")] if "\\" in text else text
    if vr in _BINARY_FORMATS:
        code = _BINARY_FORMATS[vr]
        count = len(raw) // struct.calcsize(code)
        order = "<" if _is_little_endian(ds) else ">"
        values = struct.unpack(order + code * count, raw[: count * struct.calcsize(code)])
        return values[0] if count == 1 else list(values)
    # UN (explicit VR files from some PACS), ambiguous VRs and text with a character set: pydicom converts.
    return _plain(ds.get(keyword))


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


def _floats(ds: _Header, keyword: str, count: int) -> tuple[float, ...] | None:
    try:
        value = _value(ds, keyword)
        if value is None:
            return None
        numbers = tuple(float(v) for v in (value if isinstance(value, list) else [value]))
    except (ValueError, TypeError, KeyError, OverflowError):
        return None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        return None
    return numbers


def _described(ds: _Header) -> str:
    """SeriesDescription decoded with the dataset's character set (it may be Chinese, Japanese, ...)."""
    try:
        value = ds.get("SeriesDescription")
    except (ValueError, TypeError, KeyError, LookupError):
        return ""
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
    try:
        seq = ds.get(keyword)
        if seq is None or len(seq) == 0:
            return None
        item = seq[0]
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return item if isinstance(item, Dataset) else None


def _position(ds: _Header) -> tuple[float, float, float] | None:
    values = _floats(ds, "ImagePositionPatient", 3)
    return (values[0], values[1], values[2]) if values else None


def _orientation(ds: _Header) -> tuple[float, float, float, float, float, float] | None:
    v = _floats(ds, "ImageOrientationPatient", 6)
    if v is None:
        return None
    row, col = v[:3], v[3:]
    row_norm = math.sqrt(sum(c * c for c in row))
    col_norm = math.sqrt(sum(c * c for c in col))
    if row_norm < 0.5 or col_norm < 0.5:
        return None
    return (
        v[0] / row_norm,
        v[1] / row_norm,
        v[2] / row_norm,
        v[3] / col_norm,
        v[4] / col_norm,
        v[5] / col_norm,
    )


def _spacing(ds: _Header) -> tuple[float, float] | None:
    values = _floats(ds, "PixelSpacing", 2)
    if values is None or values[0] <= 0 or values[1] <= 0:
        return None
    return (values[0], values[1])


def _functional_frames(ds: Dataset, number_of_frames: int) -> tuple[FrameGeometry, ...] | None:
    """Per-frame geometry from enhanced multi-frame functional groups, or None when the object has none."""
    try:
        per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    except (ValueError, TypeError, KeyError):
        return None
    if per_frame is None or len(per_frame) != number_of_frames:
        return None
    shared = _first_item(ds, "SharedFunctionalGroupsSequence") or Dataset()

    def lookup(frame: Dataset, group: str) -> Dataset | None:
        return _first_item(frame, group) or _first_item(shared, group)

    frames = []
    for index, frame in enumerate(per_frame):
        plane_pos = lookup(frame, "PlanePositionSequence")
        plane_ori = lookup(frame, "PlaneOrientationSequence")
        measures = lookup(frame, "PixelMeasuresSequence")
        transform = lookup(frame, "PixelValueTransformationSequence")
        content = _first_item(frame, "FrameContentSequence")
        echo = lookup(frame, "MREchoSequence")
        stack_key: tuple[str, ...] = ()
        if content is not None:
            stack_key = (_text(content, "StackID"), _text(content, "TemporalPositionIndex"))
        if echo is not None:
            stack_key = (*stack_key, _text(echo, "EffectiveEchoTime"))
        frames.append(
            FrameGeometry(
                frame_index=index,
                position=_position(plane_pos) if plane_pos is not None else None,
                orientation=_orientation(plane_ori) if plane_ori is not None else None,
                pixel_spacing=_spacing(measures) if measures is not None else None,
                rescale_slope=_float(transform, "RescaleSlope") if transform is not None else None,
                rescale_intercept=_float(transform, "RescaleIntercept") if transform is not None else None,
                stack_key=stack_key,
            )
        )
    return tuple(frames)


def _grid_frames(ds: Dataset, number_of_frames: int) -> tuple[FrameGeometry, ...] | None:
    """Per-frame geometry of a legacy multi-frame object with a GridFrameOffsetVector (e.g. RT dose)."""
    try:
        offsets = [float(v) for v in ds.get("GridFrameOffsetVector") or []]
    except (ValueError, TypeError):
        return None
    origin, orientation = _position(ds), _orientation(ds)
    if len(offsets) != number_of_frames or origin is None or orientation is None:
        return None
    row, col = orientation[:3], orientation[3:]
    normal = (
        row[1] * col[2] - row[2] * col[1],
        row[2] * col[0] - row[0] * col[2],
        row[0] * col[1] - row[1] * col[0],
    )
    slope, intercept = _float(ds, "RescaleSlope"), _float(ds, "RescaleIntercept")
    spacing = _spacing(ds)
    return tuple(
        FrameGeometry(
            frame_index=i,
            position=(origin[0] + off * normal[0], origin[1] + off * normal[1], origin[2] + off * normal[2]),
            orientation=orientation,
            pixel_spacing=spacing,
            rescale_slope=slope,
            rescale_intercept=intercept,
        )
        for i, off in enumerate(offsets)
    )


def _frames(ds: _Header, number_of_frames: int) -> tuple[FrameGeometry, ...]:
    if number_of_frames > 1 and isinstance(ds, Dataset):
        found = _functional_frames(ds, number_of_frames) or _grid_frames(ds, number_of_frames)
        if found is not None:
            return found
        # A multi-frame object without per-frame positions: frames have no place in space of their own.
        return tuple(
            FrameGeometry(i, None, _orientation(ds), _spacing(ds), None, None) for i in range(number_of_frames)
        )
    has_groups = isinstance(ds, Dataset) and "PerFrameFunctionalGroupsSequence" in ds
    functional = _functional_frames(ds, 1) if isinstance(ds, Dataset) and has_groups else None
    if functional is not None:
        return functional
    return (
        FrameGeometry(
            frame_index=0,
            position=_position(ds),
            orientation=_orientation(ds),
            pixel_spacing=_spacing(ds),
            rescale_slope=_float(ds, "RescaleSlope"),
            rescale_intercept=_float(ds, "RescaleIntercept"),
        ),
    )


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
        The header of a DICOM instance, or the reason the file is not one (never raises for bad content).
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
            number_of_frames = _int(ds, "NumberOfFrames") or 1
            problem = _integrity(fp, ds, size=size, header_end=header_end, number_of_frames=number_of_frames)
    except OSError as exc:
        return SkippedFile(name, f"cannot read file: {exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - pydicom raises many exception types on malformed input
        return SkippedFile(name, f"unreadable DICOM header ({type(exc).__name__})")
    return _to_header(
        ds,
        name,
        size=size,
        has_preamble=has_preamble,
        problem=problem,
        number_of_frames=number_of_frames,
    )


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
    ds: _Header, name: str, *, size: int, has_preamble: bool, problem: str, number_of_frames: int
) -> InstanceHeader | SkippedFile:
    file_meta = getattr(ds, "file_meta", None)
    media_class = _text(file_meta, "MediaStorageSOPClassUID") if file_meta is not None else ""
    if media_class == MEDIA_DIRECTORY_SOP_CLASS or "DirectoryRecordSequence" in ds or _DIRECTORY_RECORD_SEQUENCE in ds:
        return SkippedFile(name, "DICOMDIR media directory: not an image (its images are found by scanning)")
    transfer_syntax = _text(file_meta, "TransferSyntaxUID") if file_meta is not None else ""
    if not transfer_syntax:
        transfer_syntax = _encoding_syntax(ds)
    sop_class = _text(ds, "SOPClassUID") or media_class
    sop_instance = _text(ds, "SOPInstanceUID")
    rows, columns = _int(ds, "Rows") or 0, _int(ds, "Columns") or 0
    if not sop_instance and not sop_class and not (rows and columns):
        return SkippedFile(name, "not DICOM: no SOP instance, SOP class or image attributes")
    bits_allocated = _int(ds, "BitsAllocated") or 0
    samples = _int(ds, "SamplesPerPixel") or 1
    is_image = rows > 0 and columns > 0 and bits_allocated > 0
    if problem:
        return SkippedFile(name, problem)
    image_type = _image_type(ds)
    return InstanceHeader(
        path=name,
        size_bytes=size,
        transfer_syntax=transfer_syntax,
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
        image_type=image_type,
        rows=rows if is_image else 0,
        columns=columns if is_image else 0,
        samples_per_pixel=samples,
        bits_allocated=bits_allocated,
        bits_stored=_int(ds, "BitsStored") or bits_allocated,
        pixel_representation=_int(ds, "PixelRepresentation") or 0,
        photometric=_text(ds, "PhotometricInterpretation").upper(),
        number_of_frames=number_of_frames,
        pixel_padding_value=_int(ds, "PixelPaddingValue"),
        slice_thickness=_float(ds, "SliceThickness"),
        spacing_between_slices=_float(ds, "SpacingBetweenSlices"),
        gantry_tilt_tag=_float(ds, "GantryDetectorTilt"),
        patient_position=_text(ds, "PatientPosition").upper(),
        frames=_frames(ds, number_of_frames) if is_image else (),
    )


def _syntax_of(ds: _Header) -> UID:
    file_meta = getattr(ds, "file_meta", None)
    syntax = _text(file_meta, "TransferSyntaxUID") if file_meta is not None else ""
    return UID(syntax or _encoding_syntax(ds))


def _integrity(fp: BinaryIO, ds: _Header, *, size: int, header_end: int, number_of_frames: int) -> str:
    """A one-line reason when the file is visibly cut short or malformed around its pixel data, else ``""``.

    Native pixel data must be complete: its element is found (normally it ends the file, checked in one read) and
    its length covers Rows x Columns x frames. Encapsulated pixel data must end with its sequence delimiter
    (optionally followed by data set trailing padding). An image SOP instance whose header runs to the end of the
    file has lost its pixel data.
    """
    rows, columns = _int(ds, "Rows") or 0, _int(ds, "Columns") or 0
    bits = _int(ds, "BitsAllocated") or 0
    if not (rows and columns and bits):
        return _header_integrity(ds, size=size, header_end=header_end)
    syntax = _syntax_of(ds)
    if syntax.is_deflated:
        return ""  # checked when decoding: the deflated stream holds the whole data set
    if syntax.is_compressed:
        return _encapsulated_integrity(fp, size)
    expected = rows * columns * (_int(ds, "SamplesPerPixel") or 1) * number_of_frames * bits // 8
    return _native_integrity(fp, size, expected, syntax)


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


def _native_integrity(fp: BinaryIO, size: int, expected: int, syntax: UID) -> str:
    little = syntax.is_little_endian
    order = "<" if little else ">"
    explicit = not syntax.is_implicit_VR
    header_size = 12 if explicit else 8
    quick_at = size - expected - header_size
    if quick_at >= 0:
        fp.seek(quick_at)
        if _pixel_element_length(fp.read(header_size), order, explicit) == expected:
            return ""  # the pixel data element ends the file with exactly the expected length
    # Odd lengths, trailing padding or elements after the pixel data: find the element by parsing.
    fp.seek(0)
    _parse(fp, _stop_at_pixels)
    at = fp.tell()
    length = _pixel_element_length(fp.read(header_size), order, explicit)
    if length is None:
        return "truncated: no pixel data element"
    if length == 0xFFFFFFFF:
        return ""  # encapsulated data in a native syntax: decoding will say whether it is usable
    if at + header_size + length > size:
        return f"truncated: pixel data needs {length} bytes, {max(0, size - at - header_size)} remain"
    if length < expected:
        return f"pixel data holds {length} bytes, Rows x Columns x frames needs {expected}"
    return ""


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
