"""Reading volume files (NRRD, NIfTI-1/2, MetaImage) and writing MetaImage, into and from voxels plus LPS geometry.

NRRD files are parsed by pynrrd and NIfTI files by nibabel (both MIT, pure Python: no native image library is in
the reading path); MetaImage is a short text header DVW reads and writes itself. Every reader returns what ITK
(SimpleITK) returns for the same file, which the tests check on every volume file they make and on the real NIfTI
files in ``../shared/data``:

- the voxels indexed ``[z, y, x]``, in native byte order, NIfTI's ``scl_slope``/``scl_inter`` applied;
- the geometry in LPS: NRRD ``space directions`` in a right-anterior-superior or left-anterior-superior space are
  turned to LPS; NIfTI's sform (or, without one, its qform) is RAS and is turned to LPS; a NIfTI file with neither
  has its pixdim spacing, the identity direction and the origin at 0, as ITK reads it;
- DVW's own metadata (keys starting ``dvw.``) from NRRD ``key:=value`` lines and MetaImage header fields.

Errors are :class:`~imaging.errors.VolumeFileError` with one line; nothing of a malformed file reaches the caller.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from imaging.errors import VolumeFileError

META_PREFIX = "dvw."  # prefix of DVW's own metadata keys in file headers
#: LPS = diag(FLIP) @ the named space's coordinates.
_SPACE_FLIPS = {
    "left-posterior-superior": (1.0, 1.0, 1.0),
    "lps": (1.0, 1.0, 1.0),
    "right-anterior-superior": (-1.0, -1.0, 1.0),
    "ras": (-1.0, -1.0, 1.0),
    "left-anterior-superior": (1.0, -1.0, 1.0),
    "las": (1.0, -1.0, 1.0),
}
#: MetaImage element types and numpy's (little-endian; the byte order comes from the header).
_MET_TYPES = {
    "MET_UCHAR": "u1",
    "MET_CHAR": "i1",
    "MET_SHORT": "i2",
    "MET_USHORT": "u2",
    "MET_INT": "i4",
    "MET_UINT": "u4",
    "MET_LONG": "i4",
    "MET_ULONG": "u4",
    "MET_LONG_LONG": "i8",
    "MET_ULONG_LONG": "u8",
    "MET_FLOAT": "f4",
    "MET_DOUBLE": "f8",
}
_MET_NAMES = {"u1": "MET_UCHAR", "i1": "MET_CHAR", "i2": "MET_SHORT", "u2": "MET_USHORT", "i4": "MET_INT"}
_MET_NAMES.update({"u4": "MET_UINT", "i8": "MET_LONG_LONG", "u8": "MET_ULONG_LONG", "f4": "MET_FLOAT"})
_MET_NAMES["f8"] = "MET_DOUBLE"
#: Longest MetaImage header read (bytes): a header is a few hundred bytes.
_MAX_MHA_HEADER = 1 << 20
_NIFTI_XFORM_UNKNOWN = 0
_IDENTITY = "1 0 0 0 1 0 0 0 1"


@dataclass(frozen=True, eq=False)
class VolumeData:
    """What a volume file holds: voxels ``[z, y, x]`` and the LPS geometry (as :class:`imaging.volume.Volume`)."""

    voxels: npt.NDArray[Any]
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]
    direction: tuple[float, ...]
    metadata: tuple[tuple[str, str], ...] = ()


def read_volume_file(source: Path, suffix: str) -> VolumeData:
    """Read ``source`` (an existing file whose volume suffix is ``suffix``).

    Raises
    ------
    VolumeFileError
        If the file is not a readable 3D volume of that type.
    """
    reader = {".nrrd": _read_nrrd, ".nii": _read_nifti, ".nii.gz": _read_nifti, ".mha": _read_mha}[suffix]
    try:
        return reader(source)
    except VolumeFileError as exc:
        message = exc.message if exc.message.startswith("cannot ") else f"cannot read {exc.message}"
        raise VolumeFileError(message, path=str(source)) from None
    except MemoryError:
        message = f"cannot read {source.name}: its header asks for more memory than there is"
        raise VolumeFileError(message, path=str(source)) from None
    except Exception as exc:  # noqa: BLE001 - a malformed file raises anything from the parsers: one line, no trace
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        message = f"cannot read {source.name}: not a readable volume file ({detail})"
        raise VolumeFileError(message, path=str(source)) from None


def _geometry(axes: npt.NDArray[np.float64], origin: npt.NDArray[np.float64]) -> tuple[Any, Any, Any]:
    """Spacing, origin and direction (row-major) from the three axis vectors (``axes[:, i]``, mm) and the origin."""
    spacing = np.sqrt((axes * axes).sum(axis=0))  # x^2 + y^2 + z^2 in that order, as ITK's vector magnitude
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero or NaN axis: imaging.volume.geometry_problem says
        direction = axes / spacing
    return (
        tuple(float(v) for v in spacing),
        tuple(float(v) for v in origin),
        tuple(float(v) for v in direction.reshape(-1)),
    )


def _native(voxels: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``voxels`` C-contiguous in native byte order (a copy only when needed)."""
    return np.ascontiguousarray(voxels, dtype=voxels.dtype.newbyteorder("="))


# --- NRRD ---------------------------------------------------------------------------------------------------------
def header_voxel_count(source: Path, suffix: str) -> int | None:
    """The number of voxels ``source``'s header declares, reading the header alone; None if not known that way.

    NRRD and MetaImage headers are short text read in milliseconds; a NIfTI header needs nibabel (None here), and
    a header that cannot be read gives None (reading the whole file then says what is wrong with it).
    """
    try:
        if suffix == ".nrrd":
            import nrrd  # noqa: PLC0415 - only reading a NRRD file needs it

            sizes = [int(v) for v in nrrd.read_header(str(source))["sizes"]]
        elif suffix == ".mha":
            with open(source, "rb") as fp:
                sizes = []
                for _ in range(64):
                    key, _, value = fp.readline(4096).decode("utf-8", errors="replace").partition("=")
                    if key.strip() == "DimSize":
                        sizes = [int(v) for v in value.split()]
                    if key.strip() in {"DimSize", "ElementDataFile", ""}:
                        break
        else:
            return None
    except Exception:  # noqa: BLE001 - any malformed header: not known from the header
        return None
    if not sizes or min(sizes) < 1:
        return None
    return math.prod(sizes)


def _read_nrrd(source: Path) -> VolumeData:
    import nrrd  # noqa: PLC0415 - only reading a NRRD file needs it

    voxels, header = nrrd.read(str(source), index_order="C")
    if voxels.ndim != 3:
        raise VolumeFileError(f"{source.name} holds {voxels.ndim} axes, not the 3 of a volume")
    space = str(header.get("space", "left-posterior-superior")).lower()
    flip = np.asarray(_SPACE_FLIPS.get(space, (1.0, 1.0, 1.0)))
    directions = header.get("space directions")
    if directions is not None:
        axes = np.asarray(directions, dtype=np.float64)
        if axes.shape != (3, 3):
            raise VolumeFileError(f"{source.name}: 'space directions' are not three 3D vectors")
        axes = flip[:, None] * axes.T  # columns: the x, y and z axes
    else:  # an old-style NRRD: spacings along the axes, no orientation
        spacings = np.asarray(header.get("spacings", (1.0, 1.0, 1.0)), dtype=np.float64)
        axes = np.diag(np.where(np.isfinite(spacings), spacings, 1.0))
    origin = np.asarray(header.get("space origin", (0.0, 0.0, 0.0)), dtype=np.float64) * flip
    spacing, position, direction = _geometry(axes, origin)
    metadata = tuple(
        sorted((str(k), str(v)) for k, v in header.items() if str(k).startswith(META_PREFIX) and isinstance(v, str))
    )
    return VolumeData(_native(voxels), spacing, position, direction, metadata)


# --- NIfTI --------------------------------------------------------------------------------------------------------
def _read_nifti(source: Path) -> VolumeData:
    import nibabel  # noqa: PLC0415 - only reading a NIfTI file needs it

    image = nibabel.load(str(source))
    if not isinstance(image, nibabel.Nifti1Image | nibabel.Nifti2Image):
        raise VolumeFileError(f"{source.name} is not a NIfTI image")
    shape = tuple(int(n) for n in image.shape)
    while len(shape) > 3 and shape[-1] == 1:
        shape = shape[:-1]
    if len(shape) != 3:
        raise VolumeFileError(f"{source.name} holds {len(image.shape)} axes of sizes {shape}, not a 3D volume")
    header: Any = image.header  # nibabel's header methods are untyped
    kind = header.get_data_dtype()
    if kind.kind not in "iuf" or kind.fields is not None:  # checked before the voxels are read
        raise VolumeFileError(
            f"cannot use {source.name}: voxels of type {kind} with {len(shape)} axes (a volume has one real number "
            "per voxel)"
        )
    voxels = np.asanyarray(image.dataobj).reshape(shape, order="F")
    if int(header["sform_code"]) != _NIFTI_XFORM_UNKNOWN:  # the sform first, as ITK and nibabel take it
        affine = header.get_sform()
    elif int(header["qform_code"]) != _NIFTI_XFORM_UNKNOWN:
        affine = header.get_qform()
    else:  # neither: the pixdim spacing at the origin, unrotated
        affine = np.diag([*(abs(float(v)) or 1.0 for v in header["pixdim"][1:4]), 1.0])
        affine[:2] *= -1.0  # so that the LPS axes below are the identity
    lps = np.diag([-1.0, -1.0, 1.0]) @ np.asarray(affine, dtype=np.float64)[:3]
    _, origin, direction = _geometry(lps[:, :3], lps[:, 3])
    # The spacing is the header's pixdim, as ITK reads it (the columns' lengths differ from it by float rounding).
    pixdim = [abs(float(v)) for v in header["pixdim"][1:4]]
    spacing = (pixdim[0], pixdim[1], pixdim[2]) if min(pixdim) > 0.0 else _geometry(lps[:, :3], lps[:, 3])[0]
    return VolumeData(_native(voxels.transpose(2, 1, 0)), spacing, origin, direction)


# --- MetaImage ----------------------------------------------------------------------------------------------------
def _read_mha(source: Path) -> VolumeData:
    with open(source, "rb") as fp:
        fields: dict[str, str] = {}
        order: list[str] = []
        while True:
            line = fp.readline(_MAX_MHA_HEADER)
            if not line or not line.endswith(b"\n") or fp.tell() > _MAX_MHA_HEADER:
                raise VolumeFileError(f"{source.name}: the MetaImage header does not end with ElementDataFile")
            key, sep, value = line.decode("utf-8", errors="strict").partition("=")
            if not sep:
                raise VolumeFileError(f"{source.name}: not a MetaImage header line: {line[:60]!r}")
            key, value = key.strip(), value.strip()
            fields[key] = value
            order.append(key)
            if key == "ElementDataFile":
                break
        data = fp.read()
    if fields.get("ElementDataFile") != "LOCAL":
        raise VolumeFileError(f"{source.name}: the voxels are in another file (ElementDataFile), not read")
    if fields.get("ObjectType", "Image") != "Image" or int(fields.get("NDims", "0")) != 3:
        raise VolumeFileError(f"{source.name} is not a 3D MetaImage (NDims {fields.get('NDims')})")
    if int(fields.get("ElementNumberOfChannels", "1")) != 1:
        raise VolumeFileError(f"{source.name} has several values per voxel, not one")
    size = [int(v) for v in fields["DimSize"].split()]
    kind = _MET_TYPES.get(fields.get("ElementType", ""))
    if len(size) != 3 or min(size) < 1 or kind is None:
        raise VolumeFileError(f"{source.name}: DimSize {size} or ElementType {fields.get('ElementType')} unusable")
    msb = (fields.get("BinaryDataByteOrderMSB") or fields.get("ElementByteOrderMSB") or "False").lower() == "true"
    dtype = np.dtype(kind).newbyteorder(">" if msb else "<")
    count = size[0] * size[1] * size[2]
    if fields.get("CompressedData", "False").lower() == "true":
        inflate = zlib.decompressobj()
        data = inflate.decompress(data, count * dtype.itemsize + 1)
    if len(data) != count * dtype.itemsize:
        raise VolumeFileError(f"{source.name}: {len(data)} bytes of voxels where {size} needs {count * dtype.itemsize}")
    voxels = np.frombuffer(data, dtype=dtype).reshape(size[2], size[1], size[0])
    spacing_text = fields.get("ElementSpacing") or fields.get("ElementSize") or "1 1 1"
    spacing = np.asarray([float(v) for v in spacing_text.split()], dtype=np.float64)
    origin_text = fields.get("Offset") or fields.get("Position") or fields.get("Origin") or "0 0 0"
    origin = np.asarray([float(v) for v in origin_text.split()], dtype=np.float64)
    matrix_text = fields.get("TransformMatrix") or fields.get("Rotation") or fields.get("Orientation") or _IDENTITY
    columns = np.asarray([float(v) for v in matrix_text.split()], dtype=np.float64)
    if spacing.shape != (3,) or origin.shape != (3,) or columns.shape != (9,):
        raise VolumeFileError(f"{source.name}: the spacing, offset or transform matrix is not 3D")
    if not (np.all(np.isfinite(spacing)) and np.all(np.isfinite(origin)) and np.all(np.isfinite(columns))):
        raise VolumeFileError(f"{source.name}: the spacing, offset or transform matrix is not finite")
    # TransformMatrix lists the axes' directions one after the other; ITK takes them as they are written.
    direction = tuple(float(v) for v in columns.reshape(3, 3).T.reshape(-1))
    position = (float(origin[0]), float(origin[1]), float(origin[2]))
    metadata = tuple(sorted((k, fields[k]) for k in order if k.startswith(META_PREFIX)))
    return VolumeData(
        _native(voxels.copy()),
        (float(spacing[0]), float(spacing[1]), float(spacing[2])),
        position,
        direction,
        metadata,
    )


def mha_bytes(data: VolumeData, *, compress: bool, level: int) -> bytes:
    """A MetaImage file (``.mha``, voxels in the same file) of ``data``, as ITK writes one.

    Raises
    ------
    VolumeFileError
        If the voxel type has no MetaImage element type, or a metadata line cannot be written.
    """
    key = f"{data.voxels.dtype.kind}{data.voxels.dtype.itemsize}"
    if key not in _MET_NAMES or data.voxels.ndim != 3:
        raise VolumeFileError(f"no MetaImage type for voxels of type {data.voxels.dtype} with {data.voxels.ndim} axes")
    raw = np.ascontiguousarray(data.voxels, dtype=data.voxels.dtype.newbyteorder("<")).tobytes()
    payload = zlib.compress(raw, level) if compress else raw
    direction = np.asarray(data.direction, dtype=np.float64).reshape(3, 3)
    z_size, y_size, x_size = data.voxels.shape
    lines = [
        "ObjectType = Image",
        "NDims = 3",
        "BinaryData = True",
        "BinaryDataByteOrderMSB = False",
        f"CompressedData = {compress}",
    ]
    if compress:
        lines.append(f"CompressedDataSize = {len(payload)}")
    lines += [
        "TransformMatrix = " + " ".join(_number(v) for v in direction.T.reshape(-1)),
        "Offset = " + " ".join(_number(v) for v in data.origin),
        "CenterOfRotation = 0 0 0",
        "AnatomicalOrientation = RAI",
        "ElementSpacing = " + " ".join(_number(v) for v in data.spacing),
    ]
    for name, value in data.metadata:
        if not (name.isascii() and name.isprintable() and "=" not in name) or "\n" in value or "\r" in value:
            raise VolumeFileError(f"metadata {name!r} cannot be written in a MetaImage header line")
        lines.append(f"{name} = {value}")
    lines += [f"DimSize = {x_size} {y_size} {z_size}", f"ElementType = {_MET_NAMES[key]}", "ElementDataFile = LOCAL"]
    return ("\n".join(lines) + "\n").encode("utf-8") + payload


def _number(value: float) -> str:
    """A double as ITK's MetaIO writes it: the shortest text that reads back to the same double, -0 as 0."""
    text = repr(float(value) + 0.0)
    return text[:-2] if text.endswith(".0") else text
