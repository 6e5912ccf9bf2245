"""The :class:`Volume` (voxels plus patient geometry) and its files (``.nrrd``, ``.nii.gz``, ``.mha``).

A volume's geometry follows ITK: the world position (LPS, mm) of voxel index (i, j, k) is
``origin + D @ (spacing * (i, j, k))`` where ``D`` is the 3x3 direction matrix whose columns are the x, y and z
axes. Sizes and spacings are in (x, y, z) order; the voxel array is indexed ``[z, y, x]``.
NRRD and NIfTI files are written here, compressed by all cores (see :func:`write_volume`), with the very header
fields SimpleITK writes for the same volume, so that ITK, 3D Slicer, nibabel and every gzip reader read the same
voxels and geometry back; MetaImage files are written and every file is read by :mod:`imaging.volume_files`
(no native image library: pynrrd, nibabel and DVW's own MetaImage code), which returns what SimpleITK reads.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from base.files import write_atomically
from imaging.errors import OutputExistsError, VolumeFileError
from imaging.volume_files import VolumeData, header_voxel_count, mha_bytes, read_volume_file

VOLUME_SUFFIXES = (".nrrd", ".nii.gz", ".nii", ".mha")
#: Plausible voxel spacing (mm): 0.1 micrometre to one metre. Outside it a spacing is a damaged header.
SPACING_RANGE_MM = (1e-4, 1e3)
#: Largest distance (mm) of a plausible origin or slice position from the patient frame's origin: a kilometre.
MAX_POSITION_MM = 1e6
#: Largest deviation of a direction matrix from orthonormal (per element of ``D.T @ D - I``).
DIRECTION_TOLERANCE = 1e-3
#: zlib level of compressed volumes: the fastest; most of the size gain for a fraction of the time (a 157 MB noisy
#: CT: ratio 0.50 at level 1, 0.49 at level 6 for four times the CPU).
_GZIP_LEVEL = 1
#: Input bytes per deflate job. Every block is compressed on its own thread, primed with the 32 KiB before it (as
#: pigz does), and ends byte-aligned (a sync flush), so the blocks join into one standard deflate stream; the output
#: depends on this size but not on the number of threads.
_DEFLATE_BLOCK = 1 << 20
_DEFLATE_WINDOW = 1 << 15


@dataclass(frozen=True, eq=False)
class Volume:
    """A 3D image with its patient geometry.

    Attributes
    ----------
    voxels
        Array indexed ``[z, y, x]``; HU for CT.
    spacing
        Voxel spacing (x, y, z) in mm.
    origin
        LPS position (mm) of the centre of voxel (0, 0, 0).
    direction
        Row-major 3x3 direction cosines; column c is the LPS direction of axis c (x, y, z).
    metadata
        How the volume was made, as sorted ``(key, value)`` text pairs with keys starting ``dvw.`` (for example
        ``dvw.slice_thickness_mm`` from the DICOM headers). NRRD and MetaImage files keep them in their headers;
        NIfTI has no place for them and drops them. Never holds patient identity.
    """

    voxels: npt.NDArray[Any]
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]
    direction: tuple[float, ...]
    metadata: tuple[tuple[str, str], ...] = ()

    def meta(self, key: str) -> str | None:
        """The metadata value of ``key`` (e.g. ``"dvw.gantry_tilt_deg"``), or None."""
        return dict(self.metadata).get(key)

    @property
    def size(self) -> tuple[int, int, int]:
        """Size (x, y, z) in voxels."""
        z, y, x = self.voxels.shape
        return (int(x), int(y), int(z))

    @property
    def direction_matrix(self) -> npt.NDArray[np.float64]:
        """The 3x3 direction matrix (columns are the axes)."""
        return np.asarray(self.direction, dtype=np.float64).reshape(3, 3)

    def index_to_world(self, ijk: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """LPS positions (mm) of continuous indices ``(..., 3)`` given in (i, j, k) = (x, y, z) order."""
        index = np.asarray(ijk, dtype=np.float64)
        scaled = index * np.asarray(self.spacing, dtype=np.float64)
        world: npt.NDArray[np.float64] = np.asarray(self.origin, dtype=np.float64) + scaled @ self.direction_matrix.T
        return world

    def world_to_index(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Continuous indices (i, j, k) of LPS points ``(..., 3)`` in mm."""
        rel = np.asarray(points, dtype=np.float64) - np.asarray(self.origin, dtype=np.float64)
        index: npt.NDArray[np.float64] = (rel @ self.direction_matrix) / np.asarray(self.spacing, dtype=np.float64)
        return index


def volume_suffix(path: str | Path) -> str:
    """The recognised volume suffix of ``path``.

    Raises
    ------
    VolumeFileError
        If the name does not end in a supported suffix.
    """
    name = str(path).lower()
    for suffix in VOLUME_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    raise VolumeFileError(
        f"unsupported volume file type: {Path(path).name} (use {', '.join(VOLUME_SUFFIXES)})", path=str(path)
    )


def write_volume(volume: Volume, path: str | Path, *, force: bool = False, compress: bool = True) -> str:
    """Write ``volume`` atomically (temporary file, then rename) and return the file's SHA-256.

    ``.nrrd``, ``.nii.gz`` and ``.nii`` files of integer or floating-point voxels are written by :func:`write_nrrd`
    and :func:`write_nifti` (gzip compressed on every core, the header fields SimpleITK writes); ``.mha`` files by
    :func:`imaging.volume_files.mha_bytes` (zlib level 1, one thread). A boolean mask is written as 0/1 bytes.

    Parameters
    ----------
    volume
        The volume to write.
    path
        Destination ending in ``.nrrd``, ``.nii.gz``, ``.nii`` or ``.mha``.
    force
        Replace an existing file.
    compress
        Use the format's lossless compression (gzip for NRRD and MHA; ``.nii.gz`` is always compressed).

    Returns
    -------
    str
        SHA-256 (hex) of the written file.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is false.
    VolumeFileError
        If the suffix is unsupported or writing fails; nothing is left at ``path`` then.
    """
    target = Path(path)
    suffix = volume_suffix(target)
    if target.exists() and not force:
        raise OutputExistsError(f"output exists: {target} (use --force to replace it)", path=str(target))
    if not target.parent.is_dir():
        raise VolumeFileError(f"output folder does not exist: {target.parent}", path=str(target))
    if volume.voxels.dtype == np.bool_:  # a mask: 0/1 bytes
        volume = Volume(volume.voxels.view(np.uint8), volume.spacing, volume.origin, volume.direction, volume.metadata)
    write: Callable[[Path], object]
    if suffix == ".nrrd" and _native_writable(volume):
        write = lambda temp: write_nrrd(volume, temp, compress=compress)  # noqa: E731
    elif suffix in (".nii.gz", ".nii") and _native_writable(volume):
        write = lambda temp: write_nifti(volume, temp, compress=suffix == ".nii.gz")  # noqa: E731
    elif suffix == ".mha":
        data = VolumeData(volume.voxels, volume.spacing, volume.origin, volume.direction, volume.metadata)
        encoded = mha_bytes(data, compress=compress, level=_GZIP_LEVEL)
        write = lambda temp: temp.write_bytes(encoded)  # noqa: E731
    else:
        raise VolumeFileError(f"no {suffix} file holds voxels of type {volume.voxels.dtype}", path=str(target))
    try:
        digest = write_atomically(target, write, suffix=suffix)
    except (RuntimeError, OSError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise VolumeFileError(f"cannot write {target.name}: {detail}", path=str(target)) from exc
    return digest


# --- NRRD and NIfTI writers ---------------------------------------------------------------------------------------
# Voxel types of the two writers: NRRD type name (teem's spelling, as ITK writes it) and NIfTI-1 datatype code.
_VOXEL_TYPES: dict[str, tuple[str, int]] = {
    "u1": ("unsigned char", 2),
    "i1": ("signed char", 256),
    "i2": ("short", 4),
    "u2": ("unsigned short", 512),
    "i4": ("int", 8),
    "u4": ("unsigned int", 768),
    "i8": ("long long int", 1024),
    "u8": ("unsigned long long int", 1280),
    "f4": ("float", 16),
    "f8": ("double", 64),
}
_NRRD_MAGIC_AND_COMMENT = (
    "NRRD0004\n# Complete NRRD file format specification at:\n# http://teem.sourceforge.net/nrrd/format.html\n"
)
_NIFTI_HEADER = struct.Struct("<i10s18sihcc8h3fhhhh8ffffhcc4fii80s24shh6f4f4f4f16s4s")
_NIFTI_VOX_OFFSET = 352  # the 348-byte header and the 4-byte extension flag (no extensions)
_NIFTI_UNITS_MM_SEC = 2 | 8
_NIFTI_XFORM_SCANNER_ANAT = 1


def _voxel_key(voxels: npt.NDArray[Any]) -> str:
    return f"{voxels.dtype.kind}{voxels.dtype.itemsize}"


def _native_writable(volume: Volume) -> bool:
    """Whether :func:`write_nrrd` and :func:`write_nifti` write this volume (3D, a plain numeric voxel type)."""
    return volume.voxels.ndim == 3 and _voxel_key(volume.voxels) in _VOXEL_TYPES and len(volume.direction) == 9


def _little_endian_bytes(voxels: npt.NDArray[Any]) -> memoryview:
    """The voxels as C-ordered little-endian bytes (x fastest): no copy for a contiguous native little-endian array."""
    little = voxels.dtype.newbyteorder("<")
    array = np.ascontiguousarray(voxels, dtype=little)
    return array.data.cast("B")


def _nrrd_number(value: float) -> str:
    """A double as teem (and so ITK) writes it in NRRD headers: C's ``%.17g`` (reads back exactly), -0 as 0."""
    return f"{value + 0.0:.17g}"


def _nrrd_vector(values: Sequence[float]) -> str:
    return "(" + ",".join(_nrrd_number(v) for v in values) + ")"


def nrrd_header(volume: Volume, *, compress: bool = True) -> bytes:
    """The NRRD header (up to and including the blank line) SimpleITK writes for ``volume``.

    Geometry in LPS: ``space directions`` are the direction matrix's columns times the spacing and ``space origin``
    the origin, printed with 17 significant digits (every double reads back to itself). DVW's metadata follows as
    ``key:=value`` lines.

    Raises
    ------
    VolumeFileError
        If the voxel type has no NRRD writer here, or a metadata key or value cannot be written in a header line.
    """
    key = _voxel_key(volume.voxels)
    if key not in _VOXEL_TYPES:
        raise VolumeFileError(f"no NRRD type for voxels of type {volume.voxels.dtype}")
    x_size, y_size, z_size = volume.size
    direction = volume.direction_matrix
    columns = [[float(volume.spacing[axis]) * float(direction[row, axis]) for row in range(3)] for axis in range(3)]
    lines = [
        f"type: {_VOXEL_TYPES[key][0]}",
        "dimension: 3",
        "space: left-posterior-superior",
        f"sizes: {x_size} {y_size} {z_size}",
        "space directions: " + " ".join(_nrrd_vector(column) for column in columns),
        "kinds: domain domain domain",
    ]
    if volume.voxels.dtype.itemsize > 1:
        lines.append("endian: little")
    lines.append(f"encoding: {'gzip' if compress else 'raw'}")
    lines.append(f"space origin: {_nrrd_vector([float(v) for v in volume.origin])}")
    for name, value in volume.metadata:
        if not _header_safe(name) or ":=" in name or not _header_safe(value):
            raise VolumeFileError(f"metadata {name!r} cannot be written in a NRRD header line")
        lines.append(f"{name}:={value}")
    return (_NRRD_MAGIC_AND_COMMENT + "\n".join(lines) + "\n\n").encode("ascii")


def _header_safe(text: str) -> bool:
    return text.isascii() and text.isprintable() and "\\" not in text


def write_nrrd(volume: Volume, path: str | Path, *, compress: bool = True, threads: int | None = None) -> None:
    """Write ``volume`` as a NRRD file with attached data: the header, then the voxels (gzip, or raw).

    The gzip stream is compressed in parallel (see :func:`write_gzip`); ITK, 3D Slicer (teem) and any gzip reader
    read it as one ordinary gzip member.

    Raises
    ------
    VolumeFileError
        See :func:`nrrd_header`.
    OSError
        If the file cannot be written.
    """
    header = nrrd_header(volume, compress=compress)
    data = _little_endian_bytes(volume.voxels)
    with open(path, "wb") as fp:
        fp.write(header)
        if compress:
            write_gzip(fp, [data], threads=threads)
        else:
            fp.write(data)


def write_nifti(volume: Volume, path: str | Path, *, compress: bool = True, threads: int | None = None) -> None:
    """Write ``volume`` as a single-file NIfTI-1 image (``.nii.gz`` when ``compress``, else ``.nii``).

    The header is the one SimpleITK writes for the same volume, field for field (see :func:`nifti_header`); the
    voxels follow it in the same gzip stream. DVW's metadata has no place in NIfTI and is not written.

    Raises
    ------
    VolumeFileError
        If the voxel type has no NIfTI code.
    OSError
        If the file cannot be written.
    """
    header = nifti_header(volume)
    data = _little_endian_bytes(volume.voxels)
    with open(path, "wb") as fp:
        if compress:
            write_gzip(fp, [memoryview(header), data], threads=threads)
        else:
            fp.write(header)
            fp.write(data)


def nifti_header(volume: Volume) -> bytes:
    """The NIfTI-1 header and empty extension flag (352 bytes) that ITK 5.4 writes for ``volume``.

    qform and sform are both ``NIFTI_XFORM_SCANNER_ANAT``, in RAS: the direction is rounded to single precision,
    orthogonalised and turned into a quaternion exactly as ITK's NIfTI library does (:func:`_itk_nifti_rotation`),
    so that the file holds the very same single-precision geometry as one SimpleITK writes.

    Raises
    ------
    VolumeFileError
        If the voxel type has no NIfTI code.
    """
    key = _voxel_key(volume.voxels)
    if key not in _VOXEL_TYPES:
        raise VolumeFileError(f"no NIfTI type for voxels of type {volume.voxels.dtype}")
    datatype = _VOXEL_TYPES[key][1]
    x_size, y_size, z_size = volume.size
    if max(x_size, y_size, z_size) > 32767:
        raise VolumeFileError(f"a NIfTI-1 file holds at most 32767 voxels per axis, not {volume.size}")
    rotation, quaternion, qfac = _itk_nifti_rotation(volume.direction, volume.origin)
    spacing = [np.float32(s) for s in volume.spacing]
    srows = [[spacing[col] * rotation[row][col] for col in range(3)] + [rotation[row][3]] for row in range(3)]
    header = _NIFTI_HEADER.pack(
        348,  # sizeof_hdr
        b"",  # data_type
        b"",  # db_name
        0,  # extents
        0,  # session_error
        b"r",  # regular
        b"\0",  # dim_info
        3,
        x_size,
        y_size,
        z_size,
        1,
        1,
        1,
        1,  # dim
        0.0,
        0.0,
        0.0,  # intent_p1..3
        0,  # intent_code
        datatype,
        volume.voxels.dtype.itemsize * 8,  # bitpix
        0,  # slice_start
        qfac,
        *spacing,
        0.0,
        0.0,
        0.0,
        0.0,  # pixdim
        float(_NIFTI_VOX_OFFSET),
        1.0,  # scl_slope
        0.0,  # scl_inter
        0,  # slice_end
        b"\0",  # slice_code
        bytes([_NIFTI_UNITS_MM_SEC]),  # xyzt_units
        0.0,
        0.0,
        0.0,
        0.0,  # cal_max, cal_min, slice_duration, toffset
        0,
        0,  # glmax, glmin
        b"",  # descrip
        b"",  # aux_file
        _NIFTI_XFORM_SCANNER_ANAT,  # qform_code
        _NIFTI_XFORM_SCANNER_ANAT,  # sform_code
        *quaternion,
        rotation[0][3],
        rotation[1][3],
        rotation[2][3],  # qoffset
        *srows[0],
        *srows[1],
        *srows[2],
        b"",  # intent_name
        b"n+1\0",
    )
    return header + b"\0\0\0\0"


# The NIfTI library's orientation arithmetic (nifti1_io.c, as ITK 5.4 builds it) repeated operation for operation:
# single-precision values where it keeps floats, double where it computes in double, and x87 long double where its
# literals are long double (``1.0l / x``), so that each header field has the very bits ITK writes.
_F32 = np.float32
_Matrix32 = list[list[np.float32]]


def _long_double_ratio(numerator: float, denominator: float) -> float:
    return float(np.longdouble(numerator) / np.longdouble(denominator))


def _determinant(m: Sequence[Sequence[float]]) -> float:
    (r11, r12, r13), (r21, r22, r23), (r31, r32, r33) = m
    return r11 * r22 * r33 - r11 * r32 * r23 - r21 * r12 * r33 + r21 * r32 * r13 + r31 * r12 * r23 - r31 * r22 * r13


def _as_double(m: _Matrix32) -> list[list[float]]:
    return [[float(v) for v in row] for row in m]


def _inverse33(m: _Matrix32) -> _Matrix32:
    (r11, r12, r13), (r21, r22, r23), (r31, r32, r33) = _as_double(m)
    deti = _determinant(_as_double(m))
    if deti != 0.0:
        deti = _long_double_ratio(1.0, deti)
    return [
        [
            _F32(deti * (r22 * r33 - r32 * r23)),
            _F32(deti * (-r12 * r33 + r32 * r13)),
            _F32(deti * (r12 * r23 - r22 * r13)),
        ],
        [
            _F32(deti * (-r21 * r33 + r31 * r23)),
            _F32(deti * (r11 * r33 - r31 * r13)),
            _F32(deti * (-r11 * r23 + r21 * r13)),
        ],
        [
            _F32(deti * (r21 * r32 - r31 * r22)),
            _F32(deti * (-r11 * r32 + r31 * r12)),
            _F32(deti * (r11 * r22 - r21 * r12)),
        ],
    ]


def _row_norm(m: _Matrix32) -> np.float32:
    return max(_F32(abs(float(row[0])) + abs(float(row[1])) + abs(float(row[2]))) for row in m)


def _column_norm(m: _Matrix32) -> np.float32:
    return _row_norm([[m[0][c], m[1][c], m[2][c]] for c in range(3)])


def _polar(a: _Matrix32) -> _Matrix32:
    """nifti_mat33_polar: the orthogonal matrix nearest ``a`` (Higham's iteration, single precision)."""
    x = [list(row) for row in a]
    gam = _F32(_determinant(_as_double(x)))
    while gam == 0.0:
        gam = _F32(0.00001 * (0.001 + float(_row_norm(x))))
        for i in range(3):
            x[i][i] = x[i][i] + gam
        gam = _F32(_determinant(_as_double(x)))
    dif = _F32(1.0)
    iterations = 0
    while True:
        y = _inverse33(x)
        if float(dif) > 0.3:
            alp = _F32(math.sqrt(float(_row_norm(x) * _column_norm(x))))
            bet = _F32(math.sqrt(float(_row_norm(y) * _column_norm(y))))
            gam = _F32(math.sqrt(float(bet / alp)))
            gmi = _F32(1.0 / float(gam))
        else:
            gam = gmi = _F32(1.0)
        z = [[_F32(0.5 * float(gam * x[i][j] + gmi * y[j][i])) for j in range(3)] for i in range(3)]
        dif = _F32(sum(abs(float(z[i][j] - x[i][j])) for i in range(3) for j in range(3)))
        iterations += 1
        if iterations > 100 or float(dif) < 3.0e-6:
            return z
        x = z


def _make_orthog(rows: _Matrix32) -> _Matrix32:
    """nifti_make_orthog_mat44's 3x3 part: rows normalised, then the nearest orthogonal matrix."""
    q = [list(row) for row in rows]
    defaults = ([_F32(1.0), _F32(0.0), _F32(0.0)], [_F32(0.0), _F32(1.0), _F32(0.0)])
    for i in range(3):
        val = float(q[i][0] * q[i][0] + q[i][1] * q[i][1] + q[i][2] * q[i][2])
        if val > 0.0:
            scale = _F32(_long_double_ratio(1.0, math.sqrt(val)))
            q[i] = [v * scale for v in q[i]]
        elif i < 2:
            q[i] = list(defaults[i])
        else:
            q[2] = [
                q[0][1] * q[1][2] - q[0][2] * q[1][1],
                q[0][2] * q[1][0] - q[0][0] * q[1][2],
                q[0][0] * q[1][1] - q[0][1] * q[1][0],
            ]
    return _polar(q)


def _quaternion(rotation: _Matrix32) -> tuple[tuple[np.float32, np.float32, np.float32], np.float32]:
    """nifti_mat44_to_quatern: quaternion (b, c, d) and qfac of a rotation's 3x3 part."""
    r = _as_double(rotation)
    lengths = [math.sqrt(r[0][col] * r[0][col] + r[1][col] * r[1][col] + r[2][col] * r[2][col]) for col in range(3)]
    for col in range(3):
        if lengths[col] == 0.0:
            for row in range(3):
                r[row][col] = 1.0 if row == col else 0.0
            lengths[col] = 1.0
    normal = [[_F32(r[row][col] / lengths[col]) for col in range(3)] for row in range(3)]
    (r11, r12, r13), (r21, r22, r23), (r31, r32, r33) = _as_double(_polar(normal))
    qfac = _F32(1.0)
    if not _determinant([[r11, r12, r13], [r21, r22, r23], [r31, r32, r33]]) > 0:
        qfac = _F32(-1.0)
        r13, r23, r33 = -r13, -r23, -r33
    a = float(np.longdouble(r11 + r22 + r33) + np.longdouble(1.0))

    def quarter(value: float, by: float) -> float:
        return float(np.longdouble(0.25) * np.longdouble(value) / np.longdouble(by))

    if a > 0.5:
        a = 0.5 * math.sqrt(a)
        b, c, d = quarter(r32 - r23, a), quarter(r13 - r31, a), quarter(r21 - r12, a)
    else:
        xd = 1.0 + r11 - (r22 + r33)
        yd = 1.0 + r22 - (r11 + r33)
        zd = 1.0 + r33 - (r11 + r22)
        if xd > 1.0:
            b = 0.5 * math.sqrt(xd)
            c, d, a = quarter(r12 + r21, b), quarter(r13 + r31, b), quarter(r32 - r23, b)
        elif yd > 1.0:
            c = 0.5 * math.sqrt(yd)
            b, d, a = quarter(r12 + r21, c), quarter(r23 + r32, c), quarter(r13 - r31, c)
        else:
            d = 0.5 * math.sqrt(zd)
            b, c, a = quarter(r13 + r31, d), quarter(r23 + r32, d), quarter(r21 - r12, d)
        if a < 0.0:
            b, c, d = -b, -c, -d
    return (_F32(b), _F32(c), _F32(d)), qfac


def _itk_nifti_rotation(
    direction: Sequence[float], origin: Sequence[float]
) -> tuple[list[list[np.float32]], tuple[np.float32, np.float32, np.float32], np.float32]:
    """ITK's RAS qform/sform matrix without spacing (3 rows of 4: rotation and offset), quaternion and qfac.

    As NiftiImageIO::SetNIfTIOrientationFromImageIO: each LPS axis direction is negated in x and y (RAS), rounded
    to single precision and orthogonalised (nifti_make_orthog_mat44 takes them as rows; ITK transposes the result);
    the offset is the origin in RAS, in single precision.
    """
    d = [float(v) for v in direction]
    axes = [[_F32(-d[c]), _F32(-d[3 + c]), _F32(d[6 + c])] for c in range(3)]  # axis c: column c of the LPS matrix
    orthogonal = _make_orthog(axes)
    matrix = [[orthogonal[c][row] for c in range(3)] for row in range(3)]  # transposed: axes become columns
    offset = [_F32(-float(origin[0])), _F32(-float(origin[1])), _F32(float(origin[2]))]
    quaternion, qfac = _quaternion(matrix)
    return [[*matrix[row], offset[row]] for row in range(3)], quaternion, qfac


# --- parallel gzip ---------------------------------------------------------------------------------------------------
_GZIP_MAGIC_DEFLATE = b"\x1f\x8b\x08"
_CRC32_POLYNOMIAL = 0xEDB88320


def _writer_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _deflate_block(part: memoryview, start: int, stop: int, level: int, final: bool) -> tuple[bytes, int, int]:
    """One block of ``part`` as raw deflate data ending on a byte boundary, with its CRC-32 and length.

    The compressor is primed with the 32 KiB of ``part`` before ``start`` (the window a single-threaded deflate
    would see). Runs on worker threads: zlib releases the GIL while it compresses and checksums.
    """
    block = part[start:stop]
    if start > 0:
        primed = part[max(0, start - _DEFLATE_WINDOW) : start]
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, 8, zlib.Z_DEFAULT_STRATEGY, primed)
    else:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, 8, zlib.Z_DEFAULT_STRATEGY)
    deflated = compressor.compress(block) + compressor.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)
    return deflated, zlib.crc32(block), stop - start


def _gf2_times(matrix: Sequence[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: Sequence[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


@cache
def _crc32_shift(length: int) -> tuple[int, ...]:
    """The GF(2) operator taking the CRC-32 of A to that of A followed by ``length`` zero bytes (zlib's method)."""
    odd = [_CRC32_POLYNOMIAL] + [1 << n for n in range(31)]  # one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    result = [1 << n for n in range(32)]  # identity
    remaining = length
    while remaining:
        even = _gf2_square(odd)  # first pass: one zero byte
        if remaining & 1:
            result = [_gf2_times(even, column) for column in result]
        remaining >>= 1
        if not remaining:
            break
        odd = _gf2_square(even)
        if remaining & 1:
            result = [_gf2_times(odd, column) for column in result]
        remaining >>= 1
    return tuple(result)


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A followed by B, from A's CRC ``crc1``, B's CRC ``crc2`` and B's length (zlib's crc32_combine)."""
    if length2 <= 0:
        return crc1
    return _gf2_times(_crc32_shift(length2), crc1) ^ crc2


def _blocks(parts: Sequence[memoryview]) -> Iterator[tuple[memoryview, int, int, bool]]:
    last_part = max((i for i, part in enumerate(parts) if len(part)), default=-1)
    for index, part in enumerate(parts):
        for start in range(0, len(part), _DEFLATE_BLOCK):
            stop = min(len(part), start + _DEFLATE_BLOCK)
            yield part, start, stop, index == last_part and stop == len(part)


def write_gzip(
    fp: IO[bytes], parts: Sequence[memoryview], *, level: int = _GZIP_LEVEL, threads: int | None = None
) -> None:
    """Write the concatenation of ``parts`` to ``fp`` as one gzip member, compressed on several threads.

    The data is cut into blocks of :data:`_DEFLATE_BLOCK` bytes that are deflated in parallel (each primed with the
    32 KiB before it and ended with a sync flush) and written in order as one deflate stream, as pigz does: the
    result is a standard single-member gzip file (RFC 1952) that every reader (zlib's gzread in ITK and teem,
    Python's gzip and nibabel, gzip itself) reads, whatever the number of threads. At most two blocks per thread are
    in flight, so memory stays a few megabytes above the data. The CRC-32 is combined from the blocks' CRCs.

    Parameters
    ----------
    fp
        A binary file open for writing.
    parts
        Byte buffers written one after the other (a NIfTI header, then the voxels).
    level
        zlib compression level.
    threads
        Worker threads (default: the CPUs this process may run on).
    """
    workers = threads or _writer_threads()
    # Header: deflate, no flags, no time stamp, extra flags 4 (fastest) or 0, OS unknown: as Python's gzip writes.
    fp.write(_GZIP_MAGIC_DEFLATE + b"\0" + b"\0\0\0\0" + (b"\x04" if level == 1 else b"\0") + b"\xff")
    crc, size = 0, 0
    blocks = _blocks(parts)
    if not any(len(part) for part in parts):
        fp.write(zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS).flush(zlib.Z_FINISH))
    elif workers == 1:
        for part, start, stop, final in blocks:
            deflated, block_crc, length = _deflate_block(part, start, stop, level, final)
            fp.write(deflated)
            crc, size = crc32_combine(crc, block_crc, length), size + length
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dvw-deflate") as pool:
            pending: deque[Future[tuple[bytes, int, int]]] = deque()
            try:
                for part, start, stop, final in blocks:
                    pending.append(pool.submit(_deflate_block, part, start, stop, level, final))
                    if len(pending) >= 2 * workers:
                        crc, size = _write_block(fp, pending.popleft(), crc, size)
                while pending:
                    crc, size = _write_block(fp, pending.popleft(), crc, size)
            finally:
                for future in pending:
                    future.cancel()
    fp.write(struct.pack("<II", crc, size & 0xFFFFFFFF))


def _write_block(fp: IO[bytes], future: Future[tuple[bytes, int, int]], crc: int, size: int) -> tuple[int, int]:
    deflated, block_crc, length = future.result()
    fp.write(deflated)
    return crc32_combine(crc, block_crc, length), size + length


def voxel_count(path: str | Path) -> int | None:
    """How many voxels the volume file at ``path`` holds, from its header alone (NRRD, MetaImage); None if unknown.

    For a caller that prepares for a large volume before reading it (e.g. starting a second process).
    """
    source = Path(path)
    try:
        suffix = volume_suffix(source)
    except VolumeFileError:
        return None
    return header_voxel_count(source, suffix) if source.is_file() else None


def read_volume(path: str | Path) -> Volume:
    """Read a volume file written by DVW or another tool (NRRD, NIfTI, MetaImage).

    Raises
    ------
    VolumeFileError
        If the file is missing, not a supported 3D image of real numbers, unreadable, or its geometry cannot be
        right (see :func:`geometry_problem`).
    """
    source = Path(path)
    if not source.is_file():
        raise VolumeFileError(f"no such file: {source}", path=str(source))
    volume_suffix(source)
    data = read_volume_file(source, volume_suffix(source))
    volume = Volume(data.voxels, data.spacing, data.origin, data.direction, data.metadata)
    problem = geometry_problem(volume)
    if problem:
        raise VolumeFileError(f"cannot use {source.name}: {problem}", path=str(source))
    if volume.voxels.ndim != 3 or volume.voxels.dtype.kind not in "iuf":
        raise VolumeFileError(
            f"cannot use {source.name}: voxels of type {volume.voxels.dtype} with {volume.voxels.ndim} axes "
            "(a volume has one real number per voxel)",
            path=str(source),
        )
    return volume


def geometry_problem(volume: Volume) -> str:
    """Why ``volume``'s size or geometry cannot be right, in one line, or ``""``.

    A volume has at least one voxel along each axis, a finite spacing within :data:`SPACING_RANGE_MM` (positive:
    the direction matrix carries every flip), a finite origin within :data:`MAX_POSITION_MM`, and an orthonormal
    direction matrix (within :data:`DIRECTION_TOLERANCE`).
    """
    low, high = SPACING_RANGE_MM
    direction = np.asarray(volume.direction, dtype=np.float64)
    if min(volume.voxels.shape, default=0) < 1:
        return f"size {volume.size} has an empty axis"
    if not all(math.isfinite(s) and low <= s <= high for s in volume.spacing):
        return f"spacing {volume.spacing} mm is not between {low:g} and {high:g} mm"
    if not all(math.isfinite(o) and abs(o) <= MAX_POSITION_MM for o in volume.origin):
        return f"origin {volume.origin} mm is not finite or lies more than {MAX_POSITION_MM:g} mm away"
    if direction.shape != (9,) or not np.all(np.isfinite(direction)):
        return f"direction {volume.direction} is not 9 finite numbers"
    matrix = direction.reshape(3, 3)
    if np.abs(matrix.T @ matrix - np.eye(3)).max() > DIRECTION_TOLERANCE:
        return f"direction {tuple(round(v, 6) for v in volume.direction)} is not orthonormal"
    return ""
