"""Synthetic CT series written as real DICOM files, for tests, the demo and benchmarks.

Everything here is deterministic: UIDs are derived from a seed string with :func:`synthetic_uid`, dates and times
are fixed, and the same arguments always produce byte-identical files. The files are what a scanner writes (File
Meta with preamble, CT Image or Enhanced CT Image Storage, full image plane and pixel description, rescale to HU),
so that the real scan and import code can be exercised on geometry that real data rarely offers in one place:
gantry tilt of either sign, missing slices, blocks of different spacings, shuffled files, duplicate positions,
multi-frame objects and compressed transfer syntaxes.

Frames: positions and directions are DICOM patient coordinates (LPS, mm). Voxel arrays are indexed
``[slice, row, column]`` (``[z, y, x]``): ``voxels[k]`` is the slice at ``placement.positions[k]``, its row index
runs along the ImageOrientationPatient column direction and its column index along the row direction.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels.encoders.base import get_encoder
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import (
    UID,
    CTImageStorage,
    DeflatedExplicitVRLittleEndian,
    EnhancedCTImageStorage,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
    generate_uid,
)
from pydicom.valuerep import format_number_as_ds

Vec3 = tuple[float, float, float]
Orientation = tuple[float, float, float, float, float, float]
WorldFunction = Callable[[npt.NDArray[np.float64]], npt.NDArray[Any]]
"""A function of LPS positions ``(..., 3)`` in mm returning one value per position (shape ``(...)``)."""

#: Axial slices of a head-first supine patient: rows run to patient left (+x), columns to posterior (+y).
AXIAL: Orientation = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
#: Fixed study, series and content date and time: files must not depend on when they were written.
SYNTHETIC_DATE = "20260105"
SYNTHETIC_TIME = "093000"
MANUFACTURER = "DVW synthetic"
#: UID seed used when the caller gives none.
DEFAULT_UID_SEED = "dvw-synthetic"
_IMPLEMENTATION_VERSION = "DVW_SYNTH_1"
#: Transfer syntaxes written without pixel encoding (deflate compresses the whole dataset, losslessly).
UNENCAPSULATED_SYNTAXES = (ExplicitVRLittleEndian, ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian)
#: Lossless encapsulated syntaxes, written when pydicom has an encoder plugin for them installed. Lossy syntaxes
#: are refused: synthetic data must reach the importer exactly as generated.
LOSSLESS_ENCAPSULATED_SYNTAXES = (RLELossless, JPEGLSLossless, JPEG2000Lossless)
_ORTHONORMAL_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SyntheticPatient:
    """A fictitious patient written into synthetic files (never a real person).

    Attributes
    ----------
    name
        PatientName in DICOM person-name form (``FAMILY^GIVEN``).
    patient_id
        PatientID.
    birth_date
        PatientBirthDate, ``YYYYMMDD``.
    sex
        PatientSex: ``M``, ``F`` or ``O``.
    """

    name: str = "DVW^SYNTHETIC"
    patient_id: str = "DVW-SYN-0001"
    birth_date: str = "19700101"
    sex: str = "O"


DEFAULT_PATIENT = SyntheticPatient()


@dataclass(frozen=True)
class SlicePlacement:
    """Where the slices of a synthetic stack lie.

    Attributes
    ----------
    positions
        ImagePositionPatient of each slice (LPS mm): the centre of the slice's first transmitted pixel.
    orientation
        ImageOrientationPatient shared by all slices: row direction cosines, then column direction cosines.
    gantry_tilt_deg
        Value written to GantryDetectorTilt, or None to omit the tag. Informative only: vendors disagree on its
        sign and DVW derives tilt from positions and orientation.
    """

    positions: tuple[Vec3, ...]
    orientation: Orientation
    gantry_tilt_deg: float | None = None

    @property
    def normal(self) -> Vec3:
        """Unit slice normal (row direction x column direction), LPS."""
        return slice_normal(self.orientation)

    def __len__(self) -> int:
        return len(self.positions)


def slice_normal(orientation: Orientation) -> Vec3:
    """Unit normal (row x column) of an ImageOrientationPatient, LPS.

    Raises
    ------
    ValueError
        If the row and column directions are not orthonormal.
    """
    row = np.asarray(orientation[:3], dtype=np.float64)
    col = np.asarray(orientation[3:], dtype=np.float64)
    if (
        abs(float(np.linalg.norm(row)) - 1.0) > _ORTHONORMAL_TOLERANCE
        or abs(float(np.linalg.norm(col)) - 1.0) > _ORTHONORMAL_TOLERANCE
        or abs(float(np.dot(row, col))) > _ORTHONORMAL_TOLERANCE
    ):
        raise ValueError(f"ImageOrientationPatient {orientation} is not two orthonormal directions")
    normal = np.cross(row, col)
    return (float(normal[0]), float(normal[1]), float(normal[2]))


def regular_stack(
    count: int, step_mm: float, *, origin: Vec3 = (0.0, 0.0, 0.0), orientation: Orientation = AXIAL
) -> SlicePlacement:
    """Slices ``step_mm`` apart along the slice normal, the first at ``origin``.

    Parameters
    ----------
    count
        Number of slices.
    step_mm
        Distance between consecutive slices along the normal (row x column), mm; negative steps go against it.
    origin
        ImagePositionPatient of the first slice, LPS mm.
    orientation
        ImageOrientationPatient of every slice.

    Returns
    -------
    SlicePlacement
        The positions and orientation.
    """
    normal = np.asarray(slice_normal(orientation))
    start = np.asarray(origin, dtype=np.float64)
    positions = tuple(_vec3(start + k * step_mm * normal) for k in range(count))
    return SlicePlacement(positions=positions, orientation=orientation)


def gantry_tilt_orientation(tilt_deg: float) -> Orientation:
    """ImageOrientationPatient of axial slices reconstructed with the gantry tilted by ``tilt_deg`` degrees.

    The row direction stays patient left (+x); the column direction turns about it to ``(0, cos t, sin t)``. With
    slices stepping towards +z this is the sign convention of DVW's measured signed tilt
    (:attr:`imaging.stack.StackGeometry.tilt_signed_deg`) and of the GantryDetectorTilt that Philips writes: the
    real tilted skull phantom in the shared test data (tag -18.5) has the column direction (0, 0.948, -0.317).
    """
    t = math.radians(tilt_deg)
    return (1.0, 0.0, 0.0, 0.0, _clean(math.cos(t)), _clean(math.sin(t)))


def tilted_stack(
    count: int, table_step_mm: float, tilt_deg: float, *, origin: Vec3 = (0.0, 0.0, 0.0)
) -> SlicePlacement:
    """A gantry-tilted stack exactly as a scanner writes it.

    Each slice lies in a plane tilted about the patient's left-right axis (see :func:`gantry_tilt_orientation`),
    while consecutive slice origins move with the table along +z by ``table_step_mm``. The stack is therefore
    sheared: the spacing along the slice normal is ``table_step_mm * cos(tilt)`` and each slice origin drifts by
    ``table_step_mm * sin(tilt)`` along the column direction.

    Parameters
    ----------
    count
        Number of slices.
    table_step_mm
        Table movement between slices along +z (LPS, towards the head), mm.
    tilt_deg
        Gantry tilt in degrees, signed as in :func:`gantry_tilt_orientation`.
    origin
        ImagePositionPatient of the first slice, LPS mm.

    Returns
    -------
    SlicePlacement
        Positions, the tilted orientation and ``gantry_tilt_deg`` set to ``tilt_deg``.
    """
    x, y, z = origin
    positions = tuple((float(x), float(y), float(z) + k * table_step_mm) for k in range(count))
    return SlicePlacement(positions=positions, orientation=gantry_tilt_orientation(tilt_deg), gantry_tilt_deg=tilt_deg)


def pixel_centres(
    position: Vec3, orientation: Orientation, pixel_spacing_xy: tuple[float, float], rows: int, columns: int
) -> npt.NDArray[np.float64]:
    """LPS positions (mm) of every pixel centre of one slice.

    Parameters
    ----------
    position, orientation
        The slice's ImagePositionPatient and ImageOrientationPatient.
    pixel_spacing_xy
        Spacing along a row (x, between columns) and down a column (y, between rows), mm.
    rows, columns
        Slice size in pixels.

    Returns
    -------
    numpy.ndarray
        Array ``(rows, columns, 3)``: element ``[r, c]`` is ``position + c * sx * row_dir + r * sy * col_dir``.
    """
    row_dir = np.asarray(orientation[:3], dtype=np.float64)
    col_dir = np.asarray(orientation[3:], dtype=np.float64)
    sx, sy = pixel_spacing_xy
    c = np.arange(columns, dtype=np.float64)[np.newaxis, :, np.newaxis] * sx * row_dir
    r = np.arange(rows, dtype=np.float64)[:, np.newaxis, np.newaxis] * sy * col_dir
    return np.asarray(position, dtype=np.float64) + r + c


def evaluate_on_slices(
    function: WorldFunction,
    placement: SlicePlacement,
    rows: int,
    columns: int,
    pixel_spacing_xy: tuple[float, float],
) -> npt.NDArray[np.float64]:
    """Sample a function of patient position at every pixel centre of a stack.

    Parameters
    ----------
    function
        Maps LPS positions ``(..., 3)`` in mm to values ``(...)`` (e.g. HU).
    placement
        The slices.
    rows, columns
        Slice size in pixels.
    pixel_spacing_xy
        In-plane spacing (x, y) in mm.

    Returns
    -------
    numpy.ndarray
        float64 values indexed ``[slice, row, column]``, ready for :func:`write_ct_series` (which rounds).
    """
    out = np.empty((len(placement), rows, columns), dtype=np.float64)
    for k, position in enumerate(placement.positions):
        out[k] = function(pixel_centres(position, placement.orientation, pixel_spacing_xy, rows, columns))
    return out


def ellipsoid(centre: Vec3, semi_axes_mm: Vec3, inside: float, outside: float) -> WorldFunction:
    """A world function: ``inside`` within an axis-aligned ellipsoid (LPS mm), ``outside`` elsewhere.

    Parameters
    ----------
    centre
        Centre of the ellipsoid, LPS mm.
    semi_axes_mm
        Semi-axes along x, y and z, mm.
    inside, outside
        Values inside (boundary included) and outside.

    Returns
    -------
    WorldFunction
        For :func:`evaluate_on_slices`.
    """
    c = np.asarray(centre, dtype=np.float64)
    axes = np.asarray(semi_axes_mm, dtype=np.float64)

    def value(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        rho2 = np.sum(((points - c) / axes) ** 2, axis=-1)
        return np.where(rho2 <= 1.0, inside, outside).astype(np.float64)

    return value


def synthetic_uid(*parts: str) -> str:
    """A valid, deterministic DICOM UID derived from ``parts`` (same parts, same UID).

    Parameters
    ----------
    *parts
        Strings that name the object, e.g. a seed, ``"series"`` and a series number.

    Returns
    -------
    str
        A UID under pydicom's root, at most 64 characters.
    """
    return str(generate_uid(entropy_srcs=["dvw-synthetic-uid", *parts]))


def default_file_name(index: int) -> str:
    """File name of the ``index``-th file written (``IM0000``, ``IM0001``, ...): no extension, like scanners."""
    return f"IM{index:04d}"


@dataclass(frozen=True)
class _Identity:
    """Study, series and patient attributes shared by every file of one synthetic series."""

    study_uid: str
    series_uid: str
    frame_of_reference_uid: str
    series_number: int
    description: str
    patient: SyntheticPatient


def _identity(
    *,
    uid_seed: str,
    series_number: int,
    description: str,
    patient: SyntheticPatient,
    study_uid: str | None,
    series_uid: str | None,
    frame_of_reference_uid: str | None,
) -> _Identity:
    return _Identity(
        study_uid=study_uid or synthetic_uid(uid_seed, "study"),
        series_uid=series_uid or synthetic_uid(uid_seed, "series", str(series_number)),
        frame_of_reference_uid=frame_of_reference_uid or synthetic_uid(uid_seed, "frame-of-reference"),
        series_number=series_number,
        description=description,
        patient=patient,
    )


@dataclass(frozen=True)
class _PixelLayout:
    """How HU are stored: integer dtype, BitsStored and PixelRepresentation."""

    dtype: np.dtype[Any]
    bits_stored: int
    pixel_representation: int


def _stored_values(voxels_hu: npt.ArrayLike, intercept: float, slope: float) -> tuple[npt.NDArray[Any], _PixelLayout]:
    """Stored values ``rint((HU - intercept) / slope)`` in the narrowest CT layout that holds them.

    Raises
    ------
    ValueError
        If the array is not 3D, the slope is not positive, or the values do not fit 16 bits.
    """
    hu = np.asarray(voxels_hu)
    if hu.ndim != 3 or min(hu.shape) < 1:
        raise ValueError(f"voxels must be a non-empty 3D array [slice, row, column], got shape {hu.shape}")
    if not (slope > 0 and math.isfinite(slope) and math.isfinite(intercept)):
        raise ValueError(f"need a positive finite RescaleSlope and a finite RescaleIntercept, got {slope}, {intercept}")
    stored = np.rint((hu.astype(np.float64) - intercept) / slope)
    if not np.isfinite(stored).all():
        raise ValueError("voxels must be finite")
    low, high = float(stored.min()), float(stored.max())
    if low >= 0 and high <= 4095:
        layout = _PixelLayout(np.dtype("<u2"), 12, 0)
    elif low >= 0 and high <= 65535:
        layout = _PixelLayout(np.dtype("<u2"), 16, 0)
    elif low >= -32768 and high <= 32767:
        layout = _PixelLayout(np.dtype("<i2"), 16, 1)
    else:
        raise ValueError(
            f"stored values {low:g}..{high:g} do not fit 16 bits (intercept {intercept:g}, slope {slope:g})"
        )
    return stored.astype(layout.dtype), layout


def _check_transfer_syntax(transfer_syntax: str) -> UID:
    """The syntax as a UID, if it is one DVW writes synthetic files in (see the module constants).

    Raises
    ------
    ValueError
        If the syntax is lossy, big endian or unknown, or its encoder plugin is not installed.
    """
    syntax = UID(transfer_syntax)
    if syntax in UNENCAPSULATED_SYNTAXES:
        return syntax
    if syntax not in LOSSLESS_ENCAPSULATED_SYNTAXES:
        raise ValueError(f"transfer syntax {syntax.name} is not supported for synthetic files (lossless only)")
    if not get_encoder(syntax).is_available:
        raise ValueError(f"no pydicom encoder plugin installed for {syntax.name}")
    return syntax


def _clean(value: float) -> float:
    """Round off floating-point dust (sin(0) = 1e-17) so that headers carry the exact intended value."""
    rounded = round(value, 12)
    return 0.0 if rounded == 0 else rounded


def _vec3(values: npt.ArrayLike) -> Vec3:
    v = np.asarray(values, dtype=np.float64)
    return (_clean(float(v[0])), _clean(float(v[1])), _clean(float(v[2])))


def _ds(value: float) -> str:
    """A DS string of at most 16 characters (valid DICOM, no pydicom warning)."""
    return format_number_as_ds(_clean(float(value)))


def _common_dataset(identity: _Identity, sop_class: str, sop_instance: str) -> Dataset:
    """Patient, study, series, frame of reference, equipment and SOP common attributes."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance
    ds.InstanceCreationDate = SYNTHETIC_DATE
    ds.InstanceCreationTime = SYNTHETIC_TIME
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = SYNTHETIC_DATE
    ds.StudyTime = ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = SYNTHETIC_TIME
    ds.AccessionNumber = ""
    ds.Modality = "CT"
    ds.Manufacturer = MANUFACTURER
    ds.ManufacturerModelName = "DVW phantom writer"
    ds.InstitutionName = "DVW synthetic data"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "DVW synthetic study"
    ds.SeriesDescription = identity.description
    ds.PatientName = identity.patient.name
    ds.PatientID = identity.patient.patient_id
    ds.PatientBirthDate = identity.patient.birth_date
    ds.PatientSex = identity.patient.sex
    ds.BodyPartExamined = "HEAD"
    ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = identity.study_uid
    ds.SeriesInstanceUID = identity.series_uid
    ds.StudyID = "1"
    ds.SeriesNumber = identity.series_number
    ds.FrameOfReferenceUID = identity.frame_of_reference_uid
    ds.PositionReferenceIndicator = ""
    ds.KVP = "120"
    ds.ConvolutionKernel = "STANDARD"
    ds.XRayTubeCurrent = 200
    ds.ExposureTime = 1000
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BurnedInAnnotation = "NO"
    return ds


def _set_pixel_description(ds: Dataset, rows: int, columns: int, layout: _PixelLayout) -> None:
    ds.Rows = rows
    ds.Columns = columns
    ds.BitsStored = layout.bits_stored
    ds.HighBit = layout.bits_stored - 1
    ds.PixelRepresentation = layout.pixel_representation


def _finish_file_meta(ds: Dataset) -> None:
    """Copy the SOP class and instance into the File Meta (after any caller hook changed them)."""
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.ImplementationClassUID = UID(synthetic_uid("implementation", _IMPLEMENTATION_VERSION))
    ds.file_meta.ImplementationVersionName = _IMPLEMENTATION_VERSION


def _per_slice(value: int | Sequence[int] | None, count: int, name: str) -> list[int | None]:
    if value is None or isinstance(value, int):
        return [value] * count
    values = [int(v) for v in value]
    if len(values) != count:
        raise ValueError(f"{name} has {len(values)} values for {count} slices")
    return list(values)


def _nominal_thickness(placement: SlicePlacement) -> float:
    """SliceThickness as scanners write it: the median distance between consecutive slice origins, in mm."""
    if len(placement) < 2:
        return 1.0
    pos = np.asarray(placement.positions, dtype=np.float64)
    return float(np.median(np.linalg.norm(np.diff(pos, axis=0), axis=1)))


def write_ct_series(
    folder: str | Path,
    voxels_hu: npt.ArrayLike,
    *,
    placement: SlicePlacement,
    pixel_spacing_xy: tuple[float, float],
    uid_seed: str = DEFAULT_UID_SEED,
    series_number: int = 1,
    description: str = "",
    study_uid: str | None = None,
    series_uid: str | None = None,
    frame_of_reference_uid: str | None = None,
    transfer_syntax: str = ExplicitVRLittleEndian,
    rescale_intercept: float = -1024.0,
    rescale_slope: float = 1.0,
    instance_numbers: Sequence[int] | None = None,
    acquisition_number: int | Sequence[int] | None = 1,
    image_type: Sequence[str] = ("ORIGINAL", "PRIMARY", "AXIAL"),
    slice_thickness_mm: float | None = None,
    patient: SyntheticPatient = DEFAULT_PATIENT,
    file_name: Callable[[int], str] = default_file_name,
    file_order: Sequence[int] | None = None,
    extra: Callable[[Dataset, int], None] | None = None,
) -> list[Path]:
    """Write a single-frame CT Image Storage series, one file per slice.

    Parameters
    ----------
    folder
        Destination folder (created if needed). Existing files with the same names are replaced.
    voxels_hu
        HU indexed ``[slice, row, column]``; ``voxels_hu[k]`` lies at ``placement.positions[k]``. Stored values
        are ``rint((HU - rescale_intercept) / rescale_slope)`` in the narrowest layout that holds them: unsigned
        12 bits, unsigned 16 bits or signed 16 bits.
    placement
        Slice positions and orientation (LPS mm); see :func:`regular_stack` and :func:`tilted_stack`.
    pixel_spacing_xy
        In-plane spacing (x along a row, y down a column), mm; written as PixelSpacing ``(y, x)``.
    uid_seed
        Seed of the default study, series and frame-of-reference UIDs (same seed, same study).
    series_number
        SeriesNumber; also part of the default series UID.
    description
        SeriesDescription.
    study_uid, series_uid, frame_of_reference_uid
        Explicit UIDs instead of those derived from ``uid_seed``. Two calls with the same ``series_uid`` write
        two parts of one series (give them different ``instance_numbers`` or acquisition numbers).
    transfer_syntax
        One of :data:`UNENCAPSULATED_SYNTAXES` (explicit, implicit or deflated explicit VR little endian) or of
        :data:`LOSSLESS_ENCAPSULATED_SYNTAXES` (RLE, JPEG-LS and JPEG 2000 lossless, encoded by pydicom).
    rescale_intercept, rescale_slope
        The modality LUT written to every slice.
    instance_numbers
        InstanceNumber of each slice (default ``1..n`` in slice order); give them reversed or shuffled to check
        that nothing orders slices by InstanceNumber.
    acquisition_number
        One AcquisitionNumber for all slices, one per slice, or None to omit the tag.
    image_type
        ImageType, e.g. ``("ORIGINAL", "PRIMARY", "LOCALIZER")`` for a scout.
    slice_thickness_mm
        SliceThickness; default the median distance between consecutive slice origins (the table step for a
        tilted stack), as scanners write it.
    patient
        The fictitious patient.
    file_name
        Name (relative to ``folder``, may contain subfolders) of the ``i``-th file written.
    file_order
        A permutation of slice indices: the ``i``-th file written holds slice ``file_order[i]``. Default: slice
        order. Shuffle it to make file names unrelated to slice positions.
    extra
        Called as ``extra(dataset, slice_index)`` just before each file is written (after pixel encoding), to
        drop or change attributes; the File Meta follows any change of SOPClassUID or SOPInstanceUID.

    Returns
    -------
    list of Path
        The written files, indexed by slice: element ``k`` holds ``voxels_hu[k]``.

    Raises
    ------
    ValueError
        If the voxels, placement, numbering, orientation or transfer syntax are inconsistent or unsupported.
    """
    stored, layout = _stored_values(voxels_hu, rescale_intercept, rescale_slope)
    count, rows, columns = stored.shape
    if len(placement) != count:
        raise ValueError(f"{len(placement)} positions for {count} slices")
    normal = np.asarray(slice_normal(placement.orientation))
    syntax = _check_transfer_syntax(transfer_syntax)
    numbers = _per_slice(
        instance_numbers if instance_numbers is not None else range(1, count + 1), count, "instance_numbers"
    )
    acquisitions = _per_slice(acquisition_number, count, "acquisition_number")
    order = list(file_order) if file_order is not None else list(range(count))
    if sorted(order) != list(range(count)):
        raise ValueError("file_order must be a permutation of the slice indices")
    root = Path(folder)
    names = [root / file_name(i) for i in range(count)]
    if len(set(names)) != count:
        raise ValueError("file_name gives the same name to two files")
    identity = _identity(
        uid_seed=uid_seed,
        series_number=series_number,
        description=description,
        patient=patient,
        study_uid=study_uid,
        series_uid=series_uid,
        frame_of_reference_uid=frame_of_reference_uid,
    )
    thickness = slice_thickness_mm if slice_thickness_mm is not None else _nominal_thickness(placement)
    paths: dict[int, Path] = {}
    for file_index, k in enumerate(order):
        instance_number = numbers[k]
        sop_instance = synthetic_uid(identity.series_uid, "instance", str(instance_number), str(acquisitions[k]))
        ds = _common_dataset(identity, CTImageStorage, sop_instance)
        ds.ImageType = list(image_type)
        ds.InstanceNumber = instance_number
        if acquisitions[k] is not None:
            ds.AcquisitionNumber = acquisitions[k]
        position = placement.positions[k]
        ds.ImagePositionPatient = [_ds(v) for v in position]
        ds.ImageOrientationPatient = [_ds(v) for v in placement.orientation]
        ds.SliceLocation = _ds(float(np.dot(position, normal)))
        ds.SliceThickness = _ds(thickness)
        ds.PixelSpacing = [_ds(pixel_spacing_xy[1]), _ds(pixel_spacing_xy[0])]
        if placement.gantry_tilt_deg is not None:
            ds.GantryDetectorTilt = _ds(placement.gantry_tilt_deg)
        _set_pixel_description(ds, rows, columns, layout)
        ds.RescaleIntercept = _ds(rescale_intercept)
        ds.RescaleSlope = _ds(rescale_slope)
        ds.RescaleType = "HU"
        ds.WindowCenter = "40"
        ds.WindowWidth = "400"
        _save(ds, names[file_index], syntax=syntax, pixels=stored[k], extra=extra, index=k)
        paths[k] = names[file_index]
    return [paths[k] for k in range(count)]


def _save(
    ds: Dataset,
    path: Path,
    *,
    syntax: UID,
    pixels: npt.NDArray[Any],
    extra: Callable[[Dataset, int], None] | None,
    index: int,
) -> None:
    """Encode the pixels per ``syntax``, run the caller's hook, add File Meta and preamble, and write ``path``."""
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    if syntax.is_compressed:
        # generate_instance_uid=False: a new random SOP Instance UID would break determinism.
        ds.compress(syntax, np.ascontiguousarray(pixels), generate_instance_uid=False)
    else:
        ds.PixelData = np.ascontiguousarray(pixels).tobytes()
        ds["PixelData"].VR = "OW"
    if extra is not None:
        extra(ds, index)
    _finish_file_meta(ds)
    ds.preamble = b"\x00" * 128
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def write_enhanced_ct(
    path: str | Path,
    voxels_hu: npt.ArrayLike,
    *,
    placement: SlicePlacement,
    pixel_spacing_xy: tuple[float, float],
    uid_seed: str = DEFAULT_UID_SEED,
    series_number: int = 1,
    description: str = "",
    study_uid: str | None = None,
    series_uid: str | None = None,
    frame_of_reference_uid: str | None = None,
    transfer_syntax: str = ExplicitVRLittleEndian,
    rescale_intercept: float = -1024.0,
    rescale_slope: float = 1.0,
    slice_thickness_mm: float | None = None,
    patient: SyntheticPatient = DEFAULT_PATIENT,
    extra: Callable[[Dataset], None] | None = None,
) -> Path:
    """Write one Enhanced CT Image Storage file holding the whole stack as frames.

    Geometry lives in functional groups, as in scanner output: the shared group holds PixelMeasuresSequence
    (PixelSpacing, SliceThickness), PlaneOrientationSequence and PixelValueTransformationSequence (the rescale to
    HU); each per-frame group holds PlanePositionSequence and FrameContentSequence (one stack, in-stack position
    by rank along the slice normal). Frame ``k`` is ``voxels_hu[k]`` at ``placement.positions[k]``.

    Parameters
    ----------
    path
        Destination file (its folder is created if needed).
    voxels_hu, placement, pixel_spacing_xy, transfer_syntax, rescale_intercept, rescale_slope
        As for :func:`write_ct_series`.
    uid_seed, series_number, description, study_uid, series_uid, frame_of_reference_uid, patient
        As for :func:`write_ct_series`.
    slice_thickness_mm
        SliceThickness in the shared pixel measures; default as for :func:`write_ct_series`.
    extra
        Called as ``extra(dataset)`` just before the file is written.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ValueError
        If the voxels, placement, orientation or transfer syntax are inconsistent or unsupported.
    """
    stored, layout = _stored_values(voxels_hu, rescale_intercept, rescale_slope)
    count, rows, columns = stored.shape
    if len(placement) != count:
        raise ValueError(f"{len(placement)} positions for {count} slices")
    normal = np.asarray(slice_normal(placement.orientation))
    syntax = _check_transfer_syntax(transfer_syntax)
    identity = _identity(
        uid_seed=uid_seed,
        series_number=series_number,
        description=description,
        patient=patient,
        study_uid=study_uid,
        series_uid=series_uid,
        frame_of_reference_uid=frame_of_reference_uid,
    )
    thickness = slice_thickness_mm if slice_thickness_mm is not None else _nominal_thickness(placement)
    ds = _common_dataset(identity, EnhancedCTImageStorage, synthetic_uid(identity.series_uid, "enhanced", "1"))
    frame_type = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
    ds.ImageType = frame_type
    ds.InstanceNumber = 1
    ds.AcquisitionNumber = 1
    ds.ContentQualification = "RESEARCH"
    ds.AcquisitionDateTime = SYNTHETIC_DATE + SYNTHETIC_TIME
    ds.PresentationLUTShape = "IDENTITY"
    ds.LossyImageCompression = "00"
    ds.NumberOfFrames = count
    _set_pixel_description(ds, rows, columns, layout)
    dimension_uid = synthetic_uid(identity.series_uid, "dimension-organization")
    ds.DimensionOrganizationSequence = DicomSequence([_item(DimensionOrganizationUID=dimension_uid)])
    ds.DimensionIndexSequence = DicomSequence(
        [
            _item(
                DimensionOrganizationUID=dimension_uid,
                DimensionIndexPointer=0x00209056,
                FunctionalGroupPointer=0x00209111,
            ),
            _item(
                DimensionOrganizationUID=dimension_uid,
                DimensionIndexPointer=0x00209057,
                FunctionalGroupPointer=0x00209111,
            ),
        ]
    )
    shared = _item(
        PixelMeasuresSequence=DicomSequence(
            [
                _item(
                    PixelSpacing=[_ds(pixel_spacing_xy[1]), _ds(pixel_spacing_xy[0])],
                    SliceThickness=_ds(thickness),
                )
            ]
        ),
        PlaneOrientationSequence=DicomSequence(
            [_item(ImageOrientationPatient=[_ds(v) for v in placement.orientation])]
        ),
        PixelValueTransformationSequence=DicomSequence(
            [_item(RescaleIntercept=_ds(rescale_intercept), RescaleSlope=_ds(rescale_slope), RescaleType="HU")]
        ),
        FrameVOILUTSequence=DicomSequence([_item(WindowCenter="40", WindowWidth="400")]),
        CTImageFrameTypeSequence=DicomSequence([_item(FrameType=frame_type)]),
    )
    ds.SharedFunctionalGroupsSequence = DicomSequence([shared])
    along = np.asarray(placement.positions, dtype=np.float64) @ normal
    rank = np.empty(count, dtype=np.int64)
    rank[np.argsort(along, kind="stable")] = np.arange(1, count + 1)
    ds.PerFrameFunctionalGroupsSequence = DicomSequence(
        [
            _item(
                FrameContentSequence=DicomSequence(
                    [
                        _item(
                            StackID="1",
                            InStackPositionNumber=int(rank[k]),
                            DimensionIndexValues=[1, int(rank[k])],
                            FrameAcquisitionNumber=1,
                        )
                    ]
                ),
                PlanePositionSequence=DicomSequence(
                    [_item(ImagePositionPatient=[_ds(v) for v in placement.positions[k]])]
                ),
            )
            for k in range(count)
        ]
    )
    target = Path(path)

    def hook(dataset: Dataset, index: int) -> None:
        del index
        if extra is not None:
            extra(dataset)

    _save(ds, target, syntax=syntax, pixels=stored, extra=hook, index=0)
    return target


def _item(**attributes: Any) -> Dataset:
    """A sequence item with the given keyword attributes."""
    item = Dataset()
    for keyword, value in attributes.items():
        setattr(item, keyword, value)
    return item


_LONG_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"})


def spoil_element(path: str | Path, keyword: str, value: bytes | None = None, *, vr: str | None = None) -> None:
    """Rewrite one element of a written explicit VR little endian file byte for byte, as a broken writer would.

    The bytes are written as given, even where pydicom refuses the value (``nan`` in a DS, text in a US), so that
    tests can make exactly the headers that damaged transfers and careless software produce. The element's length
    field follows the new value; a File Meta element must keep its length (the group length is not updated).

    Parameters
    ----------
    path
        A file written by this module (explicit VR little endian), changed in place.
    keyword
        The element (its first occurrence with its standard VR, searched from the start of the file).
    value
        The new value bytes; None keeps the present ones.
    vr
        Two characters written in place of the element's VR (a "VR flip"); must have the same header layout
        (both of the short or both of the long kind).

    Raises
    ------
    ValueError
        If the element is not found or ``vr`` changes the header layout.
    """
    target = Path(path)
    data = target.read_bytes()
    tag = tag_for_keyword(keyword)
    if tag is None:
        raise ValueError(f"unknown keyword {keyword}")
    standard = dictionary_VR(tag)[:2]
    begin = data.find(struct.pack("<HH", tag >> 16, tag & 0xFFFF) + standard.encode("ascii"))
    if begin < 0:
        raise ValueError(f"{keyword} with VR {standard} is not in {target.name}")
    if vr is not None and (vr in _LONG_VRS) != (standard in _LONG_VRS):
        raise ValueError(f"VR {vr} has another header layout than {standard}")
    size = 4 if standard in _LONG_VRS else 2
    value_at = begin + (12 if size == 4 else 8)  # tag, VR, (2 reserved bytes,) length
    (length,) = struct.unpack_from("<I" if size == 4 else "<H", data, value_at - size)
    new_value = data[value_at : value_at + length] if value is None else value
    header = (vr or standard).encode("latin-1") + data[begin + 6 : value_at - size]
    packed = struct.pack("<I" if size == 4 else "<H", len(new_value))
    target.write_bytes(data[: begin + 4] + header + packed + new_value + data[value_at + length :])
