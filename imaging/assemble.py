"""Assembling one scanned series into a :class:`~imaging.volume.Volume` in HU with exact patient geometry.

Slices are placed by ImagePositionPatient along the slice normal. A stack that is already a regular orthogonal
grid is copied slice by slice with no interpolation. A gantry-tilted stack is corrected by shifting each slice
in-plane onto a larger orthogonal canvas (its slices keep their planes, so only in-plane linear interpolation is
used); missing or unevenly spaced slices are linearly interpolated along the normal at the regular (smallest) step.
What was corrected is returned as findings; :class:`ImportPolicy` decides what is refused instead.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydicom.encaps import generate_frames
from pydicom.uid import UID

from base.progress import CancelToken, ProgressCallback, checkpoint, report
from imaging.dicom_headers import InstanceHeader, parse_dataset
from imaging.errors import (
    AmbiguousSeriesError,
    GeometryRefusedError,
    MissingSlicesError,
    NoSeriesFoundError,
    PixelDataError,
    SeriesNotFoundError,
    UnusableSeriesError,
    VolumeTooLargeError,
)
from imaging.series import Finding, FrameRef, ScanResult, SeriesInfo
from imaging.stack import GridPlan, plan_grid
from imaging.volume import Volume

#: HU written where a CT has no data (outside the reconstruction circle, or outside a tilted slice): air.
CT_FILL_HU = -1024
_PIXEL_DATA_TAG = b"\xe0\x7f\x10\x00"
_JPEG_END_OF_IMAGE = b"\xff\xd9"  # EOI in JPEG and JPEG-LS, EOC in JPEG 2000 code streams
_RLE_SYNTAXES = frozenset({"1.2.840.10008.1.2.5"})
_PREFETCH = 6


@dataclass(frozen=True)
class ImportPolicy:
    """What an import may correct and what it refuses.

    Attributes
    ----------
    strict
        Refuse gantry tilt and uneven spacing instead of resampling them.
    allow_gaps
        Interpolate missing slices instead of refusing the series.
    """

    strict: bool = False
    allow_gaps: bool = False


@dataclass(frozen=True, eq=False)
class ImportResult:
    """An assembled volume and the record of how it was made.

    Attributes
    ----------
    volume
        Voxels in HU (CT) or the modality's values, on a regular orthogonal grid in LPS mm.
    series
        The series that was assembled.
    findings
        The series' findings plus what the import did (resampling, padding replaced).
    resampled
        Whether any voxel value was interpolated.
    instance_sha256
        SHA-256 of every instance file used, in slice order.
    input_sha256
        SHA-256 over the sorted instance hashes (one line each): names the input independent of file order.
    """

    volume: Volume
    series: SeriesInfo
    findings: tuple[Finding, ...]
    resampled: bool
    instance_sha256: tuple[str, ...]
    input_sha256: str

    @property
    def hu_range(self) -> tuple[float, float]:
        """Smallest and largest voxel value."""
        return (float(self.volume.voxels.min()), float(self.volume.voxels.max()))


def combined_sha256(instance_hashes: list[str] | tuple[str, ...]) -> str:
    """SHA-256 over sorted per-instance hashes, one per line: the identity of a set of input files."""
    return hashlib.sha256("\n".join(sorted(set(instance_hashes))).encode("ascii")).hexdigest()


def select_series(scan: ScanResult, key: str | None = None) -> SeriesInfo:
    """Choose the series to import.

    Parameters
    ----------
    scan
        A folder scan.
    key
        A series key (SeriesInstanceUID, with ``#N`` for a split stack). A plain UID whose series was split
        selects its only usable stack.

    Raises
    ------
    SeriesNotFoundError
        If ``key`` matches no series.
    UnusableSeriesError
        If the chosen series cannot be assembled.
    AmbiguousSeriesError
        If ``key`` is None and several usable volume series exist.
    NoSeriesFoundError
        If no usable series exists.
    """
    if key is not None:
        matches = [s for s in scan.series if s.key == key] or [s for s in scan.series if s.series_uid == key]
        if not matches:
            raise SeriesNotFoundError(f"no series {key} under {scan.root}", path=scan.root)
        usable = [s for s in matches if s.usable]
        if len(usable) > 1:
            raise AmbiguousSeriesError(
                f"series {key} was split into {len(usable)} stacks: choose one with --series",
                candidates=tuple(s.key for s in usable),
                path=scan.root,
            )
        if not usable:
            series = matches[0]
            reasons = "; ".join(f.message for f in series.findings if f.severity == "error") or f"kind {series.kind}"
            raise UnusableSeriesError(f"series {series.key} cannot be assembled: {reasons}", path=scan.root)
        return usable[0]
    usable = list(scan.usable_volumes)
    if not usable:
        raise NoSeriesFoundError(
            f"no usable image series under {scan.root} ({len(scan.series)} series, {len(scan.skipped)} files skipped)"
            + _why_unusable(scan),
            path=scan.root,
        )
    if len(usable) > 1:
        listing = "; ".join(describe_series(s) for s in usable)
        raise AmbiguousSeriesError(
            f"{len(usable)} usable series under {scan.root}, choose one with --series: {listing}",
            candidates=tuple(s.key for s in usable),
            path=scan.root,
        )
    return usable[0]


def _why_unusable(scan: ScanResult) -> str:
    """``": <reason>"``: the first error of a series, else the first image series' kind, else the first skip."""
    for series in scan.series:
        errors = [f.message for f in series.findings if f.severity == "error"]
        if errors:
            return f": series {series.key}: {errors[0]}"
    for series in scan.series:
        if series.kind != "other":
            return f": series {series.key} is a {series.kind.replace('_', ' ')} series, not a volume"
    if scan.skipped:
        first = scan.skipped[0]
        return f": {first.path} skipped: {first.reason}"
    return ""


def describe_series(series: SeriesInfo) -> str:
    """One line naming a series: key, description, slice count and spacing."""
    spacing = "x".join(f"{v:.3g}" if v is not None else "?" for v in series.spacing) if series.spacing else "?"
    description = series.description or "(no description)"
    return f"{series.key} '{description}' {series.slices} slices {spacing} mm"


def _check_policy(series: SeriesInfo, policy: ImportPolicy) -> None:
    codes = {f.code for f in series.findings}
    if policy.strict:
        refused = sorted(codes & {"gantry_tilt", "uneven_spacing"})
        if refused:
            detail = "; ".join(f.message for f in series.findings if f.code in refused)
            raise GeometryRefusedError(f"--strict refuses {', '.join(refused)}: {detail}")
    if "missing_slices" in codes and not policy.allow_gaps:
        detail = next(f.message for f in series.findings if f.code == "missing_slices")
        raise MissingSlicesError(f"missing slices: {detail} (use --allow-gaps to interpolate them)")


def _output_dtype(series: SeriesInfo) -> tuple[npt.DTypeLike, float]:
    """Output dtype and fill value: int16 when every value is an integer, else float32.

    Integer volumes start as int16 (CT fits it) and are widened to int32 during assembly only if a slice's
    actual values do not fit; the declared stored range (e.g. signed 16 bits plus an intercept) is not used,
    since it almost never reflects the data.
    """
    integral = all(
        float(ref.frame.rescale_slope if ref.frame.rescale_slope is not None else 1.0).is_integer()
        and float(ref.frame.rescale_intercept if ref.frame.rescale_intercept is not None else 0.0).is_integer()
        for ref in series.frames
    )
    fill = float(CT_FILL_HU) if series.modality == "CT" else 0.0
    return (np.int16 if integral else np.float32), fill


def _stored_dtype(inst: InstanceHeader, big_endian: bool = False) -> np.dtype[Any]:
    kind = "i" if inst.pixel_representation else "u"
    order = ">" if big_endian else "<"
    return np.dtype(f"{order}{kind}{max(1, inst.bits_allocated // 8)}")


def _fast_frame(inst: InstanceHeader, data: bytes) -> npt.NDArray[Any] | None:
    """The stored values of a single-frame uncompressed little-endian file straight from its bytes, or None.

    The pixel data element is the file's last element in the vast majority of files; its tag and length are
    verified exactly before use, otherwise the caller falls back to full decoding.
    """
    syntax = UID(inst.transfer_syntax)
    if (
        inst.number_of_frames != 1
        or inst.samples_per_pixel != 1
        or syntax.is_compressed
        or syntax.is_deflated
        or not syntax.is_little_endian
        or inst.bits_allocated not in (8, 16, 32)
    ):
        return None
    length = inst.frame_bytes
    start = len(data) - length
    explicit = not syntax.is_implicit_VR
    header = 12 if explicit else 8
    if start - header < 0:
        return None
    element = data[start - header : start]
    if element[:4] != _PIXEL_DATA_TAG:
        return None
    if explicit:
        if element[4:6] not in (b"OW", b"OB") or struct.unpack("<I", element[8:12])[0] != length:
            return None
    elif struct.unpack("<I", element[4:8])[0] != length:
        return None
    stored = np.frombuffer(data, dtype=_stored_dtype(inst), count=inst.rows * inst.columns, offset=start)
    return _mask_stored_bits(inst, stored.reshape(inst.rows, inst.columns))


def _mask_stored_bits(inst: InstanceHeader, stored: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Clear bits above BitsStored (overlays, garbage) and sign-extend signed values, as the standard says."""
    bits, allocated = inst.bits_stored, inst.bits_allocated
    if not 0 < bits < allocated:
        return stored
    if inst.pixel_representation:
        shift = allocated - bits
        return (stored << shift) >> shift
    return stored & ((1 << bits) - 1)


def _decode_all(inst: InstanceHeader, data: bytes) -> npt.NDArray[Any]:
    """Every frame's stored values in native byte order, decoded by pydicom (and its codec plugins)."""
    syntax = UID(inst.transfer_syntax)
    try:
        # No warning filters here: this runs on worker threads (see assemble, which silences pydicom's warnings).
        ds = read_dataset_bytes(data)
        if "TransferSyntaxUID" not in ds.file_meta:
            ds.file_meta.TransferSyntaxUID = syntax  # ACR-NEMA style file: the encoding the header reader found
        if syntax.is_compressed:
            _check_frames_complete(inst, ds)
        pixels = ds.pixel_array
    except PixelDataError:
        raise
    except Exception as exc:  # decoders raise many exception types on corrupt data
        raise PixelDataError(
            f"cannot decode pixel data of {Path(inst.path).name} ({syntax.name}): {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'corrupt or truncated'}",
            path=inst.path,
        ) from exc
    pixels = np.asarray(pixels)
    if not pixels.dtype.isnative:
        pixels = pixels.astype(pixels.dtype.newbyteorder("="))
    if pixels.ndim == 2:
        pixels = pixels[np.newaxis]
    if pixels.ndim != 3 or pixels.shape[1:] != (inst.rows, inst.columns):
        raise PixelDataError(
            f"pixel data of {Path(inst.path).name} has shape {pixels.shape}, expected frames of "
            f"{inst.rows}x{inst.columns} (colour or malformed)",
            path=inst.path,
        )
    return pixels


def _check_frames_complete(inst: InstanceHeader, ds: Any) -> None:
    """Refuse JPEG-family frames that lack their end-of-image marker: some decoders return garbage silently."""
    syntax = UID(inst.transfer_syntax)
    if syntax in _RLE_SYNTAXES:
        return  # RLE segments carry their own lengths; the decoder checks them
    for index, frame in enumerate(generate_frames(ds.PixelData, number_of_frames=inst.number_of_frames)):
        # Fragments are padded to even length with 0x00, and JPEG allows 0xFF fill bytes after the marker.
        if not frame.rstrip(b"\x00\xff").endswith(_JPEG_END_OF_IMAGE):
            raise PixelDataError(
                f"frame {index + 1} of {Path(inst.path).name} is incomplete (no end-of-image marker): "
                "the file was cut short or damaged",
                path=inst.path,
            )


def read_dataset_bytes(data: bytes) -> Any:
    """Parse a whole DICOM file held in memory (lenient)."""
    return parse_dataset(io.BytesIO(data))


@dataclass(frozen=True)
class _LoadedFile:
    path: str
    sha256: str
    frames: npt.NDArray[Any]  # stored values, (frames, rows, cols)


def _load_file(inst: InstanceHeader) -> _LoadedFile:
    try:
        data = Path(inst.path).read_bytes()
    except OSError as exc:
        raise PixelDataError(f"cannot read {inst.path}: {exc.strerror or exc}", path=inst.path) from exc
    digest = hashlib.sha256(data).hexdigest()
    fast = _fast_frame(inst, data)
    frames = fast[np.newaxis] if fast is not None else _decode_all(inst, data)
    if frames.shape[0] < inst.number_of_frames:
        raise PixelDataError(
            f"{Path(inst.path).name} holds {frames.shape[0]} frames, its header says {inst.number_of_frames}",
            path=inst.path,
        )
    return _LoadedFile(inst.path, digest, frames)


def _iter_loaded(series: SeriesInfo, cancel: CancelToken | None) -> Iterator[tuple[int, _LoadedFile]]:
    """Yield (sorted frame index, loaded file) in frame order; files are read ahead on a small thread pool."""
    refs = series.frames
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="dvw-dicom-read") as pool:
        pending: dict[str, Future[_LoadedFile]] = {}
        loaded: dict[str, _LoadedFile] = {}
        last_use = {ref.instance.path: i for i, ref in enumerate(refs)}
        next_submit = 0

        def top_up(current: int) -> None:
            nonlocal next_submit
            while next_submit < len(refs) and next_submit < current + _PREFETCH:
                inst = refs[next_submit].instance
                if inst.path not in pending and inst.path not in loaded:
                    pending[inst.path] = pool.submit(_load_file, inst)
                next_submit += 1

        try:
            for index, ref in enumerate(refs):
                checkpoint(cancel)
                top_up(index)
                path = ref.instance.path
                if path not in loaded:
                    loaded[path] = pending.pop(path).result()
                yield index, loaded[path]
                if last_use[path] == index:
                    del loaded[path]
        finally:
            for future in pending.values():
                future.cancel()


def _to_values(
    ref: FrameRef, stored: npt.NDArray[Any], fill: float, padding: npt.NDArray[np.bool_] | None
) -> npt.NDArray[np.float64] | npt.NDArray[Any]:
    slope = ref.frame.rescale_slope if ref.frame.rescale_slope is not None else 1.0
    intercept = ref.frame.rescale_intercept if ref.frame.rescale_intercept is not None else 0.0
    if slope == 1.0 and float(intercept).is_integer():
        # 64 bits: 32-bit stored values plus an intercept must not wrap; _store checks what fits the volume.
        values: npt.NDArray[Any] = np.add(stored, int(intercept), dtype=np.int64)
    else:
        values = stored.astype(np.float64) * slope + intercept
    if padding is not None:
        values[padding] = fill
    return values


def _padding_mask(ref: FrameRef, stored: npt.NDArray[Any]) -> npt.NDArray[np.bool_] | None:
    """Where ``stored`` holds the PixelPaddingValue, or None when no pixel does (computed once per slice)."""
    padding = ref.instance.pixel_padding_value
    if padding is None:
        return None
    mask = stored == padding
    return mask if mask.any() else None


def _store_exact(
    voxels: npt.NDArray[Any],
    index: int,
    ref: FrameRef,
    stored: npt.NDArray[Any],
    fill: float,
    *,
    padding: npt.NDArray[np.bool_] | None,
) -> bool:
    """Write HU for an unresampled int16 slice without temporaries; False when this fast path does not apply.

    Applies when the modality LUT is a pure integer shift and every stored value is below 32768, so that the
    stored array can be reinterpreted as int16 and shifted in place into the output slice. ``padding`` is
    :func:`_padding_mask`'s mask.
    """
    slope = ref.frame.rescale_slope if ref.frame.rescale_slope is not None else 1.0
    intercept = ref.frame.rescale_intercept if ref.frame.rescale_intercept is not None else 0.0
    if (
        voxels.dtype != np.int16
        or slope != 1.0
        or not float(intercept).is_integer()
        or stored.dtype.itemsize != 2
        or not stored.dtype.isnative
    ):
        return False
    narrow_unsigned = stored.dtype.kind == "u" and ref.instance.bits_stored <= 15
    low, high = (0, (1 << ref.instance.bits_stored) - 1) if narrow_unsigned else (int(stored.min()), int(stored.max()))
    if low < -32768 or high > 32767 or low + intercept < -32768 or high + intercept > 32767:
        return False
    target = voxels[index]
    np.add(stored.view(np.int16), np.int16(intercept), out=target)
    if padding is not None:
        target[padding] = int(fill)
    return True


def assemble(
    series: SeriesInfo,
    policy: ImportPolicy | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ImportResult:
    """Assemble ``series`` into a volume on a regular orthogonal grid.

    Parameters
    ----------
    series
        A usable series from :func:`imaging.series.scan_folder`.
    policy
        What may be corrected (default: resample tilt and uneven spacing, refuse gaps).
    progress, cancel
        Optional progress callback and cancel token.

    Returns
    -------
    ImportResult
        The volume (HU for CT; LPS mm geometry), findings, and the input hashes.

    Raises
    ------
    UnusableSeriesError
        If the series is not an assemblable stack.
    GeometryRefusedError
        If the policy refuses a needed correction.
    PixelDataError
        If a file's pixel data cannot be read or decoded, or its values after the modality LUT do not fit a
        volume (beyond 32-bit integers or not finite).
    VolumeTooLargeError
        If the volume does not fit in memory.
    Cancelled
        When ``cancel`` is set; nothing is returned.
    """
    policy = policy or ImportPolicy()
    if not series.usable or series.geometry is None:
        errors = "; ".join(f.message for f in series.findings if f.severity == "error")
        raise UnusableSeriesError(
            f"series {series.key} ({series.kind}) cannot be assembled into a volume" + (f": {errors}" if errors else "")
        )
    _check_policy(series, policy)
    plan = plan_grid(series.geometry, series.rows, series.columns)
    dtype, fill = _output_dtype(series)
    x_size, y_size, z_size = plan.size
    try:
        voxels = np.empty((z_size, y_size, x_size), dtype=dtype)
    except MemoryError:
        gigabytes = x_size * y_size * z_size * np.dtype(dtype).itemsize / 1e9
        raise VolumeTooLargeError(
            f"not enough memory for a {x_size}x{y_size}x{z_size} volume ({gigabytes:.1f} GB) of series {series.key}"
        ) from None
    report(progress, 0.0, "reading pixel data")
    # pydicom warns about every oddity of real-world files; what matters becomes a finding. The filter is set once
    # here, in the calling thread, for the lifetime of the reader threads (catch_warnings is not thread-safe).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        voxels, hashes, padded = _fill(series, plan, voxels, fill, progress=progress, cancel=cancel)
    checkpoint(cancel)
    findings = list(series.findings)
    if plan.resampled:
        findings.append(_resampling_finding(series, plan))
    if padded:
        findings.append(
            Finding("pixel_padding", "info", f"pixel padding replaced by {fill:g} (outside the scanned field)")
        )
    ordered_hashes = tuple(hashes[path] for path in series.files)
    input_sha256 = combined_sha256(ordered_hashes)
    volume = Volume(
        voxels=voxels,
        spacing=plan.spacing,
        origin=plan.origin,
        direction=plan.direction,
        metadata=import_metadata(series, plan.resampled, input_sha256),
    )
    return ImportResult(
        volume=volume,
        series=series,
        findings=tuple(findings),
        resampled=plan.resampled,
        instance_sha256=ordered_hashes,
        input_sha256=input_sha256,
    )


def import_metadata(series: SeriesInfo, resampled: bool, input_sha256: str) -> tuple[tuple[str, str], ...]:
    """What an imported volume records about its acquisition (kept in NRRD/MHA headers; no patient identity).

    Keys: ``dvw.modality``, ``dvw.input_sha256``, ``dvw.slices`` (instances used), ``dvw.gantry_tilt_deg`` (as
    acquired), ``dvw.tilt_corrected`` (``1`` when a tilt was resampled away, else ``0``), ``dvw.resampled``,
    ``dvw.slice_spacing_mm`` (between acquired slices, along their normal) and ``dvw.slice_thickness_mm`` (the
    median nominal SliceThickness, when the headers give one).
    """
    thicknesses = [ref.instance.slice_thickness for ref in series.frames if ref.instance.slice_thickness is not None]
    tilt = series.tilt_deg
    pairs = {
        "dvw.modality": series.modality,
        "dvw.input_sha256": input_sha256,
        "dvw.slices": str(series.slices),
        "dvw.gantry_tilt_deg": repr(round(tilt, 6)),
        "dvw.tilt_corrected": "1" if resampled and abs(tilt) > 0.0 else "0",
        "dvw.resampled": "1" if resampled else "0",
    }
    if series.spacing is not None and series.spacing[2] is not None:
        pairs["dvw.slice_spacing_mm"] = repr(round(float(series.spacing[2]), 6))
    if thicknesses:
        pairs["dvw.slice_thickness_mm"] = repr(float(np.median(thicknesses)))
    return tuple(sorted(pairs.items()))


def _fill(
    series: SeriesInfo,
    plan: GridPlan,
    voxels: npt.NDArray[Any],
    fill: float,
    *,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> tuple[npt.NDArray[Any], dict[str, str], bool]:
    """Read every slice and write the output slices; returns the (possibly widened) voxels, file hashes, padding."""
    shape = voxels.shape[1:]
    hashes: dict[str, str] = {}
    padded = False
    # Sorted input slices are consumed in order; an output slice may blend the current slice with the previous.
    previous: tuple[int, npt.NDArray[Any]] | None = None
    sources_by_upper: dict[int, list[int]] = {}
    for out_index, source in enumerate(plan.sources):
        sources_by_upper.setdefault(source.upper, []).append(out_index)
    total = len(series.frames)
    for index, loaded in _iter_loaded(series, cancel):
        ref = series.frames[index]
        hashes[loaded.path] = loaded.sha256
        stored = loaded.frames[ref.frame.frame_index]
        padding = _padding_mask(ref, stored)
        padded = padded or padding is not None
        if plan.resampled or not _store_exact(voxels, index, ref, stored, fill, padding=padding):
            values = _to_values(ref, stored, fill, padding)
            corrected = _place_in_plane(values, plan, index, fill, (shape[0], shape[1]))
            for out_index in sources_by_upper.get(index, []):
                source = plan.sources[out_index]
                if source.lower == source.upper or source.weight >= 1.0:
                    blended = corrected
                else:
                    assert previous is not None  # sorted traversal: the lower slice was just seen
                    assert previous[0] == source.lower
                    blended = (1.0 - source.weight) * previous[1] + source.weight * corrected
                voxels = _store(voxels, out_index, blended, ref)
            previous = (index, corrected)
        report(progress, (index + 1) / total, f"assembling slice {index + 1}/{total}")
    return voxels, hashes, padded


def _resampling_finding(series: SeriesInfo, plan: GridPlan) -> Finding:
    geometry = series.geometry
    assert geometry is not None  # assemble checked it
    parts = []
    if geometry.tilted:
        parts.append(f"tilt {geometry.tilt_deg:.2f} deg corrected by in-plane shifts")
    if geometry.layout == "missing":
        parts.append(f"{geometry.missing_slices} missing slice(s) interpolated")
    if geometry.layout == "uneven":
        parts.append(f"uneven slices interpolated to {plan.spacing[2]:.3f} mm")
    return Finding(
        "resampled",
        "info",
        f"resampled onto a regular orthogonal grid {plan.size[0]}x{plan.size[1]}x{plan.size[2]} "
        f"({'; '.join(parts)}; linear interpolation)",
    )


def _place_in_plane(
    values: npt.NDArray[Any], plan: GridPlan, index: int, fill: float, shape: tuple[int, int]
) -> npt.NDArray[Any]:
    shift_rows, shift_cols = plan.shifts_px[index]
    if values.shape == shape and shift_rows == 0.0 and shift_cols == 0.0:
        return values
    # Imported here: scipy.ndimage costs most of a second at start-up and only tilted stacks need it.
    from scipy import ndimage  # noqa: PLC0415

    # output[r, c] = input[r - dr, c - dc]: a pure translation, linear interpolation, fill outside the slice.
    out = ndimage.affine_transform(
        values.astype(np.float32),
        np.eye(2),
        offset=(-shift_rows, -shift_cols),
        output_shape=shape,
        order=1,
        mode="constant",
        cval=fill,
        prefilter=False,
    )
    return np.asarray(out)


def _store(voxels: npt.NDArray[Any], index: int, values: npt.NDArray[Any], ref: FrameRef) -> npt.NDArray[Any]:
    """Write one output slice, widening an int16 volume to int32 if the slice does not fit; returns the volume.

    Raises
    ------
    PixelDataError
        If the slice's values do not fit the volume at all (beyond 32-bit integers, or not finite): the
        modality LUT of ``ref``'s file makes values no volume file can hold, and clipping them would hide it.
    """
    if values.size == 0:
        return voxels
    low, high = values.min(), values.max()
    if not np.isfinite(low) or not np.isfinite(high):
        raise _unfit(ref, float(low), float(high))
    if np.issubdtype(voxels.dtype, np.integer):
        if not np.issubdtype(values.dtype, np.integer):
            values = np.rint(values)
        if low < np.iinfo(voxels.dtype).min or high > np.iinfo(voxels.dtype).max:
            wide = np.iinfo(np.int32)
            if low < wide.min or high > wide.max:
                raise _unfit(ref, float(low), float(high))
            voxels = voxels.astype(np.int32)
    elif max(abs(float(low)), abs(float(high))) > float(np.finfo(voxels.dtype).max):
        raise _unfit(ref, float(low), float(high))
    voxels[index] = values
    return voxels


def _unfit(ref: FrameRef, low: float, high: float) -> PixelDataError:
    frame = ref.frame
    return PixelDataError(
        f"{Path(ref.instance.path).name}: values from {low:g} to {high:g} after RescaleSlope "
        f"{frame.rescale_slope if frame.rescale_slope is not None else 1:g} and RescaleIntercept "
        f"{frame.rescale_intercept if frame.rescale_intercept is not None else 0:g} do not fit a volume",
        path=ref.instance.path,
    )
