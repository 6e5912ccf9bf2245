"""Acceptance on real scanner output in ../shared/data (ct-3slice, skull-phantom, skull-phantom-tilted)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk
from scipy import ndimage

from imaging.assemble import ImportPolicy, ImportResult, assemble, select_series
from imaging.errors import GeometryRefusedError
from imaging.series import scan_folder
from imaging.volume import Volume, read_volume, write_volume

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
pytestmark = pytest.mark.shared_data


def _folder(name: str) -> Path:
    folder = DATA / name
    if not folder.is_dir():
        pytest.skip(f"real DICOM fixture {folder} is absent (it lives in ../shared/data beside the repo)")
    return folder


def _dicom_pixels_hu(path: Path) -> tuple[np.ndarray, pydicom.Dataset]:
    ds = pydicom.dcmread(path)
    return ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept), ds


def _pixel_world(ds: pydicom.Dataset, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """World (LPS mm) positions of pixel centres (row r, column c) of one DICOM image."""
    ipp = np.asarray(ds.ImagePositionPatient, dtype=np.float64)
    iop = np.asarray(ds.ImageOrientationPatient, dtype=np.float64)
    dy, dx = (float(v) for v in ds.PixelSpacing)
    return ipp + np.outer(cols * dx, iop[:3]) + np.outer(rows * dy, iop[3:])


def test_ct_3slice_grid_equals_reference_segmentation_grid() -> None:
    folder = _folder("ct-3slice")
    scan = scan_folder(folder)
    series = select_series(scan)
    result = assemble(series)
    reference = sitk.ReadImage(str(folder / "spine_seg.nrrd"))
    volume = result.volume
    assert volume.size == reference.GetSize()
    np.testing.assert_allclose(volume.origin, reference.GetOrigin(), atol=1e-4)
    np.testing.assert_allclose(volume.spacing, reference.GetSpacing(), atol=1e-4)
    np.testing.assert_allclose(volume.direction, reference.GetDirection(), atol=1e-4)
    assert not result.resampled
    assert {s.reason.split(":")[0] for s in scan.skipped} == {"not DICOM"}  # the .nrrd label maps and the licence
    # Feet first and InstanceNumber against z: the lowest slice along the normal is instance 3.
    assert Path(series.frames[0].instance.path).name == "03.dcm"


def test_ct_3slice_padding_becomes_air_and_values_are_hu() -> None:
    result = assemble(select_series(scan_folder(_folder("ct-3slice"))))
    voxels = result.volume.voxels
    assert voxels.dtype == np.int16
    assert voxels.min() == -1024  # padding (-2000 stored, -3024 HU) replaced by air
    assert "pixel_padding" in {f.code for f in result.findings}
    spine = sitk.GetArrayFromImage(sitk.ReadImage(str(_folder("ct-3slice") / "spine_seg.nrrd"))) > 0
    liver = sitk.GetArrayFromImage(sitk.ReadImage(str(_folder("ct-3slice") / "liver_seg.nrrd"))) > 0
    assert 250 < voxels[spine].mean() < 400  # vertebra: bone
    assert 20 < voxels[liver].mean() < 70  # liver parenchyma (unenhanced)


@pytest.mark.parametrize("name", ["ct-3slice", "skull-phantom"])
def test_world_space_agreement_with_dicom_pixels_is_exact(name: str) -> None:
    folder = _folder(name)
    result = assemble(select_series(scan_folder(folder)))
    volume = result.volume
    rows = np.array([0, 0, 511, 511, 200, 37])
    cols = np.array([0, 511, 0, 511, 300, 401])
    for ref in result.series.frames:
        hu, ds = _dicom_pixels_hu(Path(ref.instance.path))
        index = volume.world_to_index(_pixel_world(ds, rows, cols))
        np.testing.assert_allclose(index, np.rint(index), atol=1e-4)  # every pixel centre is a voxel centre
        i, j, k = np.rint(index).astype(int).T
        assert np.array_equal(i, cols)
        assert np.array_equal(j, rows)
        expected = hu.copy()
        if "PixelPaddingValue" in ds:
            expected[ds.pixel_array == ds.PixelPaddingValue] = -1024
        np.testing.assert_array_equal(volume.voxels[k[0]], expected)


def test_skull_phantom_is_28_slices_of_5_mm() -> None:
    scan = scan_folder(_folder("skull-phantom"))
    assert len(scan.usable_volumes) == 1
    series = scan.usable_volumes[0]
    assert series.slices == 28
    assert series.spacing is not None
    assert series.spacing[2] == pytest.approx(5.0, abs=1e-6)
    assert series.findings == ()
    result = assemble(series)
    assert result.volume.size == (512, 512, 28)
    assert {Path(s.path).name for s in scan.skipped} == {"DIRFILE", "LICENSE"}


def test_tilted_phantom_tilt_is_measured_from_geometry() -> None:
    scan = scan_folder(_folder("skull-phantom-tilted"))
    series = select_series(scan)
    assert series.tilt_deg == pytest.approx(18.5, abs=0.05)
    codes = {f.code for f in series.findings}
    assert "gantry_tilt" in codes
    # SpacingBetweenSlices says 2.5 (the table step); the spacing along the normal is 2.5 * cos(18.5 deg).
    assert series.spacing is not None
    assert series.spacing[2] == pytest.approx(2.5 * np.cos(np.radians(18.5)), abs=2e-3)
    with pytest.raises(GeometryRefusedError, match="strict"):
        assemble(series, ImportPolicy(strict=True))


def _sample_at_original_pixels(volume: Volume, series_paths: list[str]) -> np.ndarray:
    rng = np.random.default_rng(7)
    errors = []
    for path in series_paths:
        hu, ds = _dicom_pixels_hu(Path(path))
        rows = rng.integers(0, hu.shape[0], 4000)
        cols = rng.integers(0, hu.shape[1], 4000)
        index = volume.world_to_index(_pixel_world(ds, rows, cols))
        sampled = ndimage.map_coordinates(volume.voxels.astype(np.float64), index[:, ::-1].T, order=1, mode="nearest")
        errors.append(np.abs(sampled - hu[rows, cols]))
    return np.concatenate(errors)


@pytest.fixture(scope="module")
def tilted_import() -> ImportResult:
    return assemble(select_series(scan_folder(_folder("skull-phantom-tilted"))))


def test_tilted_phantom_correction_agrees_with_original_pixels(tilted_import: ImportResult) -> None:
    result = tilted_import
    series = result.series
    volume = result.volume
    assert result.resampled
    direction = volume.direction_matrix
    np.testing.assert_allclose(direction.T @ direction, np.eye(3), atol=1e-9)  # orthogonal grid
    errors = _sample_at_original_pixels(volume, list(series.files))
    # Each output slice lies in its input slice's plane: only in-plane linear interpolation (twice: once when
    # correcting, once here when sampling back) separates the values.
    # Measured: median 0.23 HU, 99.95 % within 50 HU (the rest are single voxels on bone edges).
    assert float(np.median(errors)) < 1.0
    assert float(np.mean(errors <= 50.0)) > 0.995
    # No data is lost off the canvas: every original pixel centre lies inside the corrected volume.
    corners = _pixel_world(pydicom.dcmread(series.files[-1]), np.array([0, 511]), np.array([0, 511]))
    index = volume.world_to_index(corners)
    assert (index >= -1e-6).all()
    assert (index <= np.asarray(volume.size) - 1 + 1e-6).all()


@pytest.mark.parametrize("suffix", [".nrrd", ".nii.gz", ".mha"])
def test_written_file_keeps_the_geometry(tmp_path: Path, suffix: str, tilted_import: ImportResult) -> None:
    result = tilted_import
    out = tmp_path / f"tilted{suffix}"
    write_volume(result.volume, out)
    back = read_volume(out)
    assert back.size == result.volume.size
    np.testing.assert_allclose(back.origin, result.volume.origin, atol=1e-4)
    np.testing.assert_allclose(back.spacing, result.volume.spacing, atol=1e-5)
    np.testing.assert_allclose(back.direction, result.volume.direction, atol=1e-5)
    np.testing.assert_array_equal(back.voxels, result.volume.voxels)
