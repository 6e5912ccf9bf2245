"""A fast walk over the start of a DICOM file, for scanning thousands of files in about a second.

Scanning reads only headers, yet pydicom's general parser costs about a millisecond a file, most of it in per-element
Python overhead. This module walks the elements of the two encodings nearly every clinical file uses (implicit and
explicit VR little endian, which includes every encapsulated/compressed syntax) with ``struct.unpack_from``, keeps
the raw bytes of the few elements DVW reads, and stops at the first element past group 0x0028. It skips sequences of
defined or undefined length without interpreting them.

It never guesses: for big-endian or deflated files, or any length that does not fit, it returns None and the caller
uses pydicom instead. The result is a pydicom :class:`~pydicom.dataset.Dataset` of raw elements, so the same
converters read it as they read pydicom's own.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag

_LONG_LENGTH_VRS = frozenset(
    {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
)
_VALID_VRS = _LONG_LENGTH_VRS | frozenset(
    {
        b"AE",
        b"AS",
        b"AT",
        b"CS",
        b"DA",
        b"DS",
        b"DT",
        b"FD",
        b"FL",
        b"IS",
        b"LO",
        b"LT",
        b"PN",
        b"SH",
        b"SL",
        b"SS",
        b"ST",
        b"TM",
        b"UI",
        b"UL",
        b"US",
    }
)
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_STOP_AFTER = 0x0028FFFF
_PIXEL_DATA = 0x7FE00010
_MAX_DEPTH = 16
_IMPLICIT_LE = "1.2.840.10008.1.2"
_EXPLICIT_LE = "1.2.840.10008.1.2.1"
_EXPLICIT_BE = "1.2.840.10008.1.2.2"
_DEFLATED = ("1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.8.1")

_KEYWORDS = (
    "SpecificCharacterSet",
    "ImageType",
    "SOPClassUID",
    "SOPInstanceUID",
    "Modality",
    "SeriesDescription",
    "SliceThickness",
    "SpacingBetweenSlices",
    "GantryDetectorTilt",
    "PatientPosition",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SeriesNumber",
    "AcquisitionNumber",
    "InstanceNumber",
    "ImagePositionPatient",
    "ImageOrientationPatient",
    "FrameOfReferenceUID",
    "TemporalPositionIdentifier",
    "EchoNumbers",
    "SamplesPerPixel",
    "PhotometricInterpretation",
    "NumberOfFrames",
    "Rows",
    "Columns",
    "PixelSpacing",
    "BitsAllocated",
    "BitsStored",
    "PixelRepresentation",
    "PixelPaddingValue",
    "RescaleIntercept",
    "RescaleSlope",
    "GridFrameOffsetVector",
)
_WANTED = frozenset(int(t) for t in (tag_for_keyword(k) for k in _KEYWORDS) if t is not None)
_DIRECTORY_RECORD_SEQUENCE = 0x00041220


class _MalformedError(Exception):
    """Something the fast walk does not handle; the caller falls back to pydicom."""


class RawHeader:
    """The raw elements a walk kept, read through the small part of pydicom's Dataset interface DVW uses.

    ``get_item`` returns the raw element by tag (a dictionary lookup, which is what makes scanning fast); ``get``
    converts one element through pydicom (used for text that needs the character set, and ambiguous VRs).
    """

    def __init__(self, elements: dict[int, RawDataElement], file_meta: RawHeader | None = None) -> None:
        self._elements = elements
        self.file_meta = file_meta

    def get_item(self, tag: int) -> RawDataElement | None:
        """The raw element with ``tag``, or None."""
        return self._elements.get(int(tag))

    def __contains__(self, key: object) -> bool:
        if isinstance(key, int):
            return key in self._elements
        if isinstance(key, str):
            tag = tag_for_keyword(key)
            return tag is not None and int(tag) in self._elements
        return False

    def get(self, keyword: str) -> Any:
        """The converted value of ``keyword`` (pydicom's conversion, with the file's character set), or None."""
        tag = tag_for_keyword(keyword)
        if tag is None or int(tag) not in self._elements:
            return None
        subset = {int(tag): self._elements[int(tag)]}
        # The character set decodes text; PixelRepresentation resolves "US or SS" values such as padding.
        for context in (0x00080005, 0x00280103):
            if context in self._elements:
                subset[context] = self._elements[context]
        return Dataset(subset).get(keyword)  # type: ignore[arg-type]  # raw elements, as pydicom's reader makes


@dataclass(frozen=True)
class WalkResult:
    """The raw elements kept, and where the walk stopped (the byte offset of the first element not read)."""

    dataset: RawHeader
    header_end: int


def _raw(tag: int, vr: str, value: bytes) -> RawDataElement:
    return RawDataElement(Tag(tag), vr, len(value), value, 0, False, True, True, False)


def _meta(buffer: bytes, start: int) -> tuple[dict[int, bytes], int]:
    """File Meta elements (always explicit VR little endian) and the offset just after them."""
    found: dict[int, bytes] = {}
    pos = start
    while pos + 8 <= len(buffer):
        group, element = struct.unpack_from("<HH", buffer, pos)
        if group != 0x0002:
            break
        vr = buffer[pos + 4 : pos + 6]
        if vr not in _VALID_VRS:
            raise _MalformedError
        if vr in _LONG_LENGTH_VRS:
            (length,) = struct.unpack_from("<I", buffer, pos + 8)
            pos += 12
        else:
            (length,) = struct.unpack_from("<H", buffer, pos + 6)
            pos += 8
        if length == _UNDEFINED or pos + length > len(buffer):
            raise _MalformedError
        found[(group << 16) | element] = buffer[pos : pos + length]
        pos += length
    return found, pos


def _skip_items(buffer: bytes, pos: int, implicit: bool, depth: int) -> int:
    """Skip the items of an undefined-length sequence starting at ``pos``; returns the offset after its end."""
    if depth > _MAX_DEPTH:
        raise _MalformedError
    while True:
        if pos + 8 > len(buffer):
            raise _MalformedError
        group, element, length = struct.unpack_from("<HHI", buffer, pos)
        tag = (group << 16) | element
        pos += 8
        if tag == _SEQUENCE_END:
            return pos
        if tag != _ITEM:
            raise _MalformedError
        if length != _UNDEFINED:
            pos += length
            continue
        pos = _walk(buffer, pos, implicit, {}, depth + 1, in_item=True)


def _element_header(buffer: bytes, pos: int, implicit: bool) -> tuple[bytes | None, int, int]:
    """The VR (None for implicit VR), value length and value offset of the element at ``pos``."""
    if implicit:
        (length,) = struct.unpack_from("<I", buffer, pos + 4)
        return None, length, pos + 8
    vr = buffer[pos + 4 : pos + 6]
    if vr not in _VALID_VRS:
        raise _MalformedError  # e.g. a file that says explicit VR but is written implicit: pydicom detects it
    if vr in _LONG_LENGTH_VRS:
        (length,) = struct.unpack_from("<I", buffer, pos + 8)
        return vr, length, pos + 12
    (length,) = struct.unpack_from("<H", buffer, pos + 6)
    return vr, length, pos + 8


def _walk(
    buffer: bytes, pos: int, implicit: bool, found: dict[int, RawDataElement], depth: int, *, in_item: bool
) -> int:
    """Walk elements from ``pos``; keep wanted top-level ones in ``found``; return where the walk stopped."""
    end = len(buffer)
    while pos + 8 <= end:
        group, element = struct.unpack_from("<HH", buffer, pos)
        tag = (group << 16) | element
        if in_item and tag == _ITEM_END:
            return pos + 8
        if not in_item and (tag > _STOP_AFTER or tag == _DIRECTORY_RECORD_SEQUENCE):
            return pos
        vr, length, value_at = _element_header(buffer, pos, implicit)
        if length == _UNDEFINED:
            if tag == _PIXEL_DATA:
                return pos
            pos = _skip_items(buffer, value_at, implicit or vr == b"UN", depth + 1)
            continue
        if value_at + length > end:
            raise _MalformedError
        if not in_item and tag in _WANTED:
            vr_name = vr.decode("ascii") if vr is not None else dictionary_VR(tag)
            found[tag] = RawDataElement(
                Tag(tag), vr_name, length, buffer[value_at : value_at + length], value_at, implicit, True, True, False
            )
        pos = value_at + length
    if in_item:
        raise _MalformedError
    return pos


def walk_header(buffer: bytes) -> WalkResult | None:
    """Read the header elements DVW needs from the first bytes of a file.

    Parameters
    ----------
    buffer
        The file's first bytes (enough to reach past group 0x0028; a few kilobytes for most files).

    Returns
    -------
    WalkResult or None
        A dataset of raw elements with ``file_meta`` (transfer syntax, media storage SOP class), or None when the
        walk cannot be sure (big endian, deflated, malformed, or the buffer ends before the header does).
    """
    try:
        has_preamble = buffer[128:132] == b"DICM"
        meta, pos = _meta(buffer, 132 if has_preamble else 0)
        syntax = meta.get(0x00020010, b"").decode("ascii", "replace").strip("\x00 ")
        if not syntax:
            # No File Meta (ACR-NEMA style): the first element shows whether the data set is written explicit VR.
            syntax = _EXPLICIT_LE if buffer[pos + 4 : pos + 6] in _VALID_VRS else _IMPLICIT_LE
        if syntax == _EXPLICIT_BE or syntax in _DEFLATED:
            return None
        found: dict[int, RawDataElement] = {}
        end = _walk(buffer, pos, syntax == _IMPLICIT_LE, found, 0, in_item=False)
        if end >= len(buffer) - 8:
            return None  # the header may go on past what was read
    except (_MalformedError, struct.error, UnicodeDecodeError, KeyError):
        return None
    meta_elements = {0x00020010: _raw(0x00020010, "UI", syntax.encode("ascii"))}
    if 0x00020002 in meta:
        meta_elements[0x00020002] = _raw(0x00020002, "UI", meta[0x00020002])
    file_meta = RawHeader(meta_elements)
    if buffer[end : end + 4] == b"\x04\x00\x20\x12":  # (0004,1220) Directory Record Sequence: a DICOMDIR
        found[_DIRECTORY_RECORD_SEQUENCE] = _raw(_DIRECTORY_RECORD_SEQUENCE, "SQ", b"")
    return WalkResult(RawHeader(found, file_meta), end)
