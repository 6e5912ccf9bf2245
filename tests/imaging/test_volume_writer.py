"""DVW's own NRRD and NIfTI writers: the same files SimpleITK writes, compressed on several threads.

The voxels, the geometry and the metadata read back by SimpleITK (and by Python's gzip) must be exactly those
written, and exactly those of a file SimpleITK writes for the same volume: the header fields are compared byte for
byte with SimpleITK's own, for every voxel type and for rotated, flipped and tilted directions.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from imaging import volume as volume_module
from imaging.errors import VolumeFileError
from imaging.volume import Volume, crc32_combine, nifti_header, nrrd_header, read_volume, write_volume

DTYPES = ["u1", "i1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"]
IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
METADATA = (("dvw.input_sha256", "ab" * 32), ("dvw.modality", "CT"), ("dvw.slice_thickness_mm", "1.25"))


def _rotation(rng: np.random.Generator, proper: bool = True) -> tuple[float, ...]:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if (np.linalg.det(q) > 0) != proper:
        q[:, 2] *= -1
    return tuple(float(v) for v in q.ravel())


def _tilted() -> tuple[float, ...]:
    """The direction of a gantry-tilted import: rows along x, columns along (0, cos, -sin), slices along the normal."""
    tilt = np.radians(18.5)
    column = np.array([0.0, np.cos(tilt), -np.sin(tilt)])
    normal = np.cross([1.0, 0.0, 0.0], column)
    return tuple(float(v) for v in np.column_stack([[1.0, 0.0, 0.0], column, normal]).ravel())


def _volume(rng: np.random.Generator, dtype: str, direction: tuple[float, ...], shape: tuple[int, ...] = (3, 4, 5)):
    values = rng.normal(0.0, 60.0, shape)
    spacing = tuple(float(v) for v in rng.uniform(0.1, 3.0, 3))
    origin = tuple(float(v) for v in rng.uniform(-300.0, 300.0, 3))
    return Volume(values.astype(dtype), spacing, origin, direction, METADATA)


def _directions() -> list[tuple[float, ...]]:
    rng = np.random.default_rng(11)
    flips = [IDENTITY, (1.0, 0, 0, 0, 1.0, 0, 0, 0, -1.0), (-1.0, 0, 0, 0, -1.0, 0, 0, 0, 1.0)]
    permuted = [(0.0, 0, 1.0, 1.0, 0, 0, 0, 1.0, 0)]
    return flips + permuted + [_tilted()] + [_rotation(rng, proper=i % 2 == 0) for i in range(40)]


def _to_sitk(volume: Volume) -> sitk.Image:
    """The SimpleITK image of ``volume`` (voxels copied), with its geometry and metadata."""
    image = sitk.GetImageFromArray(np.ascontiguousarray(volume.voxels))
    image.SetSpacing(volume.spacing)
    image.SetOrigin(volume.origin)
    image.SetDirection(volume.direction)
    for key, value in volume.metadata:
        image.SetMetaData(key, value)
    return image


def _sitk_file(volume: Volume, path: Path) -> bytes:
    sitk.WriteImage(_to_sitk(volume), str(path), True, 1)
    return path.read_bytes()


@pytest.mark.parametrize("dtype", DTYPES)
def test_nrrd_header_is_the_one_simpleitk_writes(tmp_path: Path, dtype: str) -> None:
    rng = np.random.default_rng(1)
    for direction in _directions()[:12]:
        volume = _volume(rng, dtype, direction)
        theirs = _sitk_file(volume, tmp_path / "sitk.nrrd")
        assert nrrd_header(volume) == theirs[: theirs.index(b"\n\n") + 2]


def test_nifti_header_is_the_one_simpleitk_writes_field_for_field(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    for index, direction in enumerate(_directions()):
        volume = _volume(rng, DTYPES[index % len(DTYPES)], direction)
        sitk.WriteImage(_to_sitk(volume), str(tmp_path / f"sitk{index}.nii"))
        theirs = (tmp_path / f"sitk{index}.nii").read_bytes()[:352]
        assert nifti_header(volume) == theirs, direction


@pytest.mark.parametrize("suffix", [".nrrd", ".nii.gz", ".nii"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_equals_simpleitk_written_file(tmp_path: Path, suffix: str, dtype: str) -> None:
    rng = np.random.default_rng(3)
    volume = _volume(rng, dtype, _rotation(rng, proper=False))
    # Different base names: ITK's NIfTI reader looks for NAME.nii before NAME.nii.gz.
    ours, theirs = tmp_path / f"ours{suffix}", tmp_path / f"theirs{suffix}"
    write_volume(volume, ours)
    _sitk_file(volume, theirs)
    back, reference = sitk.ReadImage(str(ours)), sitk.ReadImage(str(theirs))
    np.testing.assert_array_equal(sitk.GetArrayFromImage(back), volume.voxels)
    assert back.GetPixelID() == reference.GetPixelID()
    assert back.GetOrigin() == reference.GetOrigin()
    assert back.GetSpacing() == reference.GetSpacing()
    assert back.GetDirection() == reference.GetDirection()
    assert {k: back.GetMetaData(k) for k in back.GetMetaDataKeys()} == {
        k: reference.GetMetaData(k) for k in reference.GetMetaDataKeys()
    }
    again = read_volume(ours)
    np.testing.assert_array_equal(again.voxels, volume.voxels)
    if suffix == ".nrrd":
        assert again.metadata == volume.metadata
        assert again.origin == volume.origin
        np.testing.assert_allclose(again.spacing, volume.spacing, rtol=1e-15)
        np.testing.assert_allclose(again.direction, volume.direction, atol=1e-15)


def _gzip_members(data: bytes) -> int:
    """How many gzip members ``data`` holds (each decompressed with zlib, exactly to its end)."""
    members = 0
    while data:
        assert data[:3] == b"\x1f\x8b\x08"
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        decompressor.decompress(data)
        assert decompressor.eof
        data = decompressor.unused_data
        members += 1
    return members


@pytest.mark.parametrize("threads", [1, 2, 5])
def test_parallel_gzip_is_one_standard_member_whatever_the_threads(tmp_path: Path, threads: int) -> None:
    rng = np.random.default_rng(4)
    shape = (48, 128, 256)  # 1.5 MiB of noise, then 1.5 MiB of ramps: several deflate blocks, two kinds of content
    volume = _volume(rng, "i2", _tilted(), shape)
    voxels = volume.voxels.copy()
    voxels[24:] = np.arange(24 * 128 * 256, dtype=np.int64).reshape(24, 128, 256) % 4096
    volume = Volume(voxels, volume.spacing, volume.origin, volume.direction, METADATA)
    assert voxels.nbytes > 2 * volume_module._DEFLATE_BLOCK
    nrrd, nifti = tmp_path / "v.nrrd", tmp_path / "v.nii.gz"
    volume_module.write_nrrd(volume, nrrd, threads=threads)
    volume_module.write_nifti(volume, nifti, threads=threads)
    data = nrrd.read_bytes()
    body = data[data.index(b"\n\n") + 2 :]
    assert _gzip_members(body) == 1
    assert gzip.decompress(body) == voxels.tobytes()
    assert _gzip_members(nifti.read_bytes()) == 1
    assert gzip.decompress(nifti.read_bytes()) == nifti_header(volume) + voxels.tobytes()
    for path in (nrrd, nifti):
        np.testing.assert_array_equal(sitk.GetArrayFromImage(sitk.ReadImage(str(path))), voxels)
    # The same bytes whatever the number of threads: the file's SHA-256 does not depend on the machine.
    volume_module.write_nrrd(volume, tmp_path / "one.nrrd", threads=1)
    assert (tmp_path / "one.nrrd").read_bytes() == data


def test_simpleitk_reads_multi_member_gzip(tmp_path: Path) -> None:
    """ITK's readers (zlib's gzread) go on past the end of a gzip member, for NRRD and NIfTI alike."""
    rng = np.random.default_rng(5)
    volume = _volume(rng, "i2", IDENTITY, (10, 32, 48))
    raw = volume.voxels.tobytes()
    (tmp_path / "multi.nrrd").write_bytes(
        nrrd_header(volume)
        + gzip.compress(raw[:1000], 1)
        + gzip.compress(raw[1000:5000], 1)
        + gzip.compress(raw[5000:])
    )
    stream = nifti_header(volume) + raw
    (tmp_path / "multi.nii.gz").write_bytes(gzip.compress(stream[:700]) + gzip.compress(stream[700:]))
    for name in ("multi.nrrd", "multi.nii.gz"):
        np.testing.assert_array_equal(sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / name))), volume.voxels)


def test_crc32_combine_matches_zlib() -> None:
    rng = np.random.default_rng(6)
    data = rng.integers(0, 256, 300_000, dtype=np.uint8).tobytes()
    for cut in (0, 1, 7, 4096, 65_537, 299_999, 300_000):
        first, second = data[:cut], data[cut:]
        assert crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == zlib.crc32(data)


def test_uncompressed_nrrd_big_endian_voxels_and_metaimage_still_write(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    volume = _volume(rng, "f4", _tilted())
    write_volume(volume, tmp_path / "raw.nrrd", compress=False)
    assert b"encoding: raw\n" in (tmp_path / "raw.nrrd").read_bytes()[:1000]
    np.testing.assert_array_equal(read_volume(tmp_path / "raw.nrrd").voxels, volume.voxels)
    big_endian = Volume(volume.voxels.astype(">f4"), volume.spacing, volume.origin, volume.direction)
    write_volume(big_endian, tmp_path / "be.nii.gz")
    np.testing.assert_array_equal(read_volume(tmp_path / "be.nii.gz").voxels, volume.voxels)
    write_volume(volume, tmp_path / "v.mha")
    np.testing.assert_array_equal(read_volume(tmp_path / "v.mha").voxels, volume.voxels)


SUFFIXES = [".nrrd", ".nii.gz", ".nii", ".mha"]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_dvw_reads_what_simpleitk_reads(tmp_path: Path, suffix: str) -> None:
    """DVW's readers (pynrrd, nibabel, its own MetaImage code) against ITK's, on files ITK wrote and files DVW
    wrote: every voxel type, flipped, permuted, tilted and random directions, compressed or not. Voxels, voxel type,
    spacing, origin and direction are ITK's exactly; so is DVW's metadata where the format holds it."""
    rng = np.random.default_rng(12)
    for index, direction in enumerate(_directions()[:16]):
        volume = _volume(rng, DTYPES[index % len(DTYPES)], direction)
        compress = index % 3 != 0 or suffix == ".nii.gz"
        theirs, ours = tmp_path / f"theirs{index}{suffix}", tmp_path / f"ours{index}{suffix}"
        sitk.WriteImage(_to_sitk(volume), str(theirs), compress)
        write_volume(volume, ours, compress=compress)
        for path in (theirs, ours):
            reference, read = sitk.ReadImage(str(path)), read_volume(path)
            expected = sitk.GetArrayFromImage(reference)
            assert read.voxels.dtype == expected.dtype, (path.name, direction)
            np.testing.assert_array_equal(read.voxels, expected)
            assert (read.spacing, read.origin) == (reference.GetSpacing(), reference.GetOrigin()), path.name
            # NIfTI holds the direction in single precision (a quaternion): ITK's float arithmetic and DVW's double
            # one differ below that precision. NRRD's vectors are divided by their lengths: the last bit may differ.
            tolerance = {".nii": 5e-7, ".nii.gz": 5e-7, ".nrrd": 1e-15}.get(suffix, 0.0)
            np.testing.assert_allclose(read.direction, reference.GetDirection(), rtol=0, atol=tolerance)
            if suffix in (".nrrd", ".mha"):
                assert read.metadata == volume.metadata


def test_the_real_nifti_files_read_as_simpleitk_reads_them() -> None:
    """Every 3D NIfTI file of the real DICOM fixtures (dicom2nifti's ground truths: qform and sform from several
    scanners, int16, uint16, float32 and float64 voxels), read by DVW and by ITK: the same voxels and geometry."""
    data = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    files = sorted(data.rglob("*.nii.gz"))
    if not files:
        pytest.skip(f"the real fixtures ({data}) are absent")
    compared = 0
    for path in files:
        reference = sitk.ReadImage(str(path))
        if reference.GetDimension() != 3 or reference.GetNumberOfComponentsPerPixel() != 1:
            with pytest.raises(VolumeFileError, match=r"not a 3D volume|one real number per voxel"):
                read_volume(path)
            continue
        read = read_volume(path)
        np.testing.assert_array_equal(read.voxels, sitk.GetArrayFromImage(reference))
        assert (read.spacing, read.origin, read.direction) == (
            reference.GetSpacing(),
            reference.GetOrigin(),
            reference.GetDirection(),
        ), path
        compared += 1
    assert compared >= 20
