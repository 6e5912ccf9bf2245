"""The real scan and import code on synthetic DICOM series written to ``tmp_path``.

Every series here is a real file set written by :mod:`imaging.synthetic` (File Meta, CT headers, pixel data), so
these tests go through header reading, grouping, stack analysis, pixel decoding and assembly exactly as a scanner's
files would. Each asserts computed values (angles, slice contents, geometry), not just that nothing crashed.
"""

from __future__ import annotations

import hashlib
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import (
    JPEG2000,
    DeflatedExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
)
from scipy import ndimage

from imaging import stack
from imaging import synthetic as syn
from imaging.assemble import ImportPolicy, ImportResult, assemble, select_series
from imaging.errors import (
    AmbiguousSeriesError,
    GeometryRefusedError,
    NoSeriesFoundError,
    UnusableSeriesError,
)
from imaging.sample_case import SAMPLE_CASE, SAMPLE_PATIENT, make_head_ct, write_sample_dicom
from imaging.series import ScanResult, SeriesInfo, scan_folder

SPACING_XY = (0.8, 0.7)  # x (along a row), y (down a column); deliberately anisotropic
ROWS, COLUMNS = 40, 48
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

# A smooth pattern: f = A sin(x / Lx) cos(y / Ly) + ramp. Its second derivatives in-plane are bounded by A / Lx^2
# and A / Ly^2 (HU/mm^2), which bounds the error of linear interpolation (see test_gantry_tilt).
A_HU, LX_MM, LY_MM = 400.0, 9.0, 11.0


def smooth_pattern(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    return A_HU * np.sin(x / LX_MM) * np.cos(y / LY_MM) + 3.0 * z + 0.5 * x + 200.0


def random_hu(shape: tuple[int, int, int], seed: int = 7) -> npt.NDArray[np.int16]:
    """Integer HU in the 12-bit CT range, different in every slice (so slice mix-ups show)."""
    return np.random.default_rng(seed).integers(-1000, 2000, size=shape).astype(np.int16)


def codes(series: SeriesInfo) -> dict[str, str]:
    """Finding code -> severity."""
    return {f.code: f.severity for f in series.findings}


def only_series(scan: ScanResult) -> SeriesInfo:
    assert len(scan.series) == 1, [s.key for s in scan.series]
    return scan.series[0]


def import_folder(folder: Path, key: str | None = None, policy: ImportPolicy | None = None) -> ImportResult:
    return assemble(select_series(scan_folder(folder), key), policy or ImportPolicy())


def assert_same_volume(a: ImportResult, b: ImportResult) -> None:
    np.testing.assert_array_equal(a.volume.voxels, b.volume.voxels)
    np.testing.assert_allclose(a.volume.spacing, b.volume.spacing, atol=1e-9)
    np.testing.assert_allclose(a.volume.origin, b.volume.origin, atol=1e-9)
    np.testing.assert_allclose(a.volume.direction, b.volume.direction, atol=1e-9)


# --- gantry tilt ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tilt_deg", [15.0, -20.0])
def test_gantry_tilt(tmp_path: Path, tilt_deg: float) -> None:
    placement = syn.tilted_stack(14, 2.0, tilt_deg, origin=(-20.0, -15.0, 30.0))
    voxels = np.rint(syn.evaluate_on_slices(smooth_pattern, placement, ROWS, COLUMNS, SPACING_XY)).astype(np.int16)
    syn.write_ct_series(tmp_path, voxels, placement=placement, pixel_spacing_xy=SPACING_XY)

    series = only_series(scan_folder(tmp_path))
    assert series.usable
    assert codes(series)["gantry_tilt"] == "warning"
    assert series.tilt_deg == pytest.approx(abs(tilt_deg), abs=0.05)
    assert series.geometry is not None
    assert series.geometry.tilt_signed_deg == pytest.approx(tilt_deg, abs=0.05)
    assert "tilt_tag_disagrees" not in codes(series)  # the tag written equals the geometry

    with pytest.raises(GeometryRefusedError, match="gantry_tilt"):
        assemble(series, ImportPolicy(strict=True))

    result = assemble(series, ImportPolicy())
    assert result.resampled
    assert "resampled" in {f.code for f in result.findings}
    volume = result.volume
    direction = volume.direction_matrix
    np.testing.assert_allclose(direction.T @ direction, np.eye(3), atol=1e-9)
    assert np.linalg.det(direction) == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(direction[:, 2], placement.normal, atol=1e-9)
    step = 2.0 * math.cos(math.radians(tilt_deg))  # spacing along the normal: table step x cos(tilt)
    assert volume.spacing == pytest.approx((SPACING_XY[0], SPACING_XY[1], step), abs=1e-6)
    assert volume.size[2] == 14
    assert volume.size[1] > ROWS  # the canvas grew to hold every shifted slice

    # Sample the output where every original pixel centre lies and compare with the original pixels.
    margin = 2  # pixels whose interpolation neighbourhood touches the fill outside a shifted slice are left out
    centres = np.stack(
        [
            syn.pixel_centres(p, placement.orientation, SPACING_XY, ROWS, COLUMNS)[margin:-margin, margin:-margin]
            for p in placement.positions
        ]
    )
    ijk = volume.world_to_index(centres)
    assert np.abs(ijk[..., 2] - np.rint(ijk[..., 2])).max() < 1e-6  # each input slice is an output slice
    sampled = ndimage.map_coordinates(
        volume.voxels.astype(np.float64), [ijk[..., 2], ijk[..., 1], ijk[..., 0]], order=1, mode="nearest"
    )
    original = voxels[:, margin:-margin, margin:-margin].astype(np.float64)
    # Tolerance: the import interpolates bilinearly in-plane once and this check once more; each bilinear
    # interpolation of f is off by at most (sx^2 max|f_xx| + sy^2 max|f_yy|) / 8. On top: rounding of the input
    # (0.5 HU, it is both in the pixels compared and in what is interpolated) and of the int16 output (0.5 HU).
    curvature = (SPACING_XY[0] ** 2 * A_HU / LX_MM**2 + SPACING_XY[1] ** 2 * A_HU / LY_MM**2) / 8
    tolerance = 2 * curvature + 1.5
    error = np.abs(sampled - original).max()
    assert error <= tolerance, f"max error {error:.3f} HU > {tolerance:.3f} HU"


def test_tilted_stack_matches_a_real_scanner() -> None:
    """The synthetic tilt reproduces the Philips tilted skull phantom's orientation and table steps."""
    folder = SHARED_DATA / "skull-phantom-tilted"
    if not folder.is_dir():
        pytest.skip(f"shared data not found: {folder}")
    first, second = (pydicom.dcmread(folder / name, stop_before_pixels=True) for name in ("I10", "I20"))
    placement = syn.tilted_stack(
        2, 2.5, float(first.GantryDetectorTilt), origin=tuple(map(float, first.ImagePositionPatient))
    )
    np.testing.assert_allclose(placement.orientation, [float(v) for v in first.ImageOrientationPatient], atol=1e-6)
    np.testing.assert_allclose(placement.positions[1], [float(v) for v in second.ImagePositionPatient], atol=1e-6)


def test_gantry_tilt_tag_is_reported_never_used(tmp_path: Path) -> None:
    placement = syn.tilted_stack(8, 2.5, 18.5)
    voxels = random_hu((8, ROWS, COLUMNS))

    def tag(value: str) -> Callable[[Dataset, int], None]:
        def set_tag(ds: Dataset, index: int) -> None:
            ds.GantryDetectorTilt = value

        return set_tag

    # The opposite sign, as another vendor writes it for the same geometry: no disagreement.
    syn.write_ct_series(
        tmp_path / "opposite", voxels, placement=placement, pixel_spacing_xy=SPACING_XY, extra=tag("-18.5")
    )
    opposite = only_series(scan_folder(tmp_path / "opposite"))
    assert "tilt_tag_disagrees" not in codes(opposite)
    # A tag of 0 on a tilted stack: reported, and the geometry still wins.
    syn.write_ct_series(tmp_path / "zero", voxels, placement=placement, pixel_spacing_xy=SPACING_XY, extra=tag("0"))
    zero = only_series(scan_folder(tmp_path / "zero"))
    assert codes(zero)["tilt_tag_disagrees"] == "info"
    assert zero.tilt_deg == pytest.approx(18.5, abs=0.05)
    assert_same_volume(assemble(zero), assemble(opposite))


def test_gantry_tilt_with_a_missing_slice(tmp_path: Path) -> None:
    full = syn.tilted_stack(10, 2.0, -17.0, origin=(-20.0, -15.0, 30.0))
    voxels = np.rint(syn.evaluate_on_slices(smooth_pattern, full, ROWS, COLUMNS, SPACING_XY)).astype(np.int16)
    keep = [k for k in range(10) if k != 4]
    gappy = syn.SlicePlacement(tuple(full.positions[k] for k in keep), full.orientation, full.gantry_tilt_deg)
    syn.write_ct_series(tmp_path / "full", voxels, placement=full, pixel_spacing_xy=SPACING_XY)
    syn.write_ct_series(tmp_path / "gappy", voxels[keep], placement=gappy, pixel_spacing_xy=SPACING_XY)

    series = only_series(scan_folder(tmp_path / "gappy"))
    assert {"gantry_tilt", "missing_slices"} <= set(codes(series))
    with pytest.raises(GeometryRefusedError):
        assemble(series)
    filled = assemble(series, ImportPolicy(allow_gaps=True)).volume
    reference = import_folder(tmp_path / "full").volume
    assert filled.size == reference.size
    np.testing.assert_allclose(filled.origin, reference.origin, atol=1e-9)
    difference = np.abs(filled.voxels.astype(np.float64) - reference.voxels)
    assert difference[np.arange(10) != 4].max() == 0  # every other slice is the same in-plane shift of its input
    # Slice 4 is the mean of slices 3 and 5 along the normal (1.91 mm either side): off by at most the pattern's
    # curvature along the normal, (step^2 / 2) * max|f''| ~ 1.8 * 400 / 121 ~ 6 HU, plus rounding. Rows near the
    # canvas edge, covered by only one of the two neighbours, blend with the fill value and are left out.
    assert difference[4, 6:-6, 2:-2].max() <= 8.0


# --- missing and uneven slices -------------------------------------------------------------------------------------


def test_missing_slice(tmp_path: Path) -> None:
    full = syn.regular_stack(12, 2.0, origin=(-10.0, -12.0, 50.0))
    voxels = random_hu((12, ROWS, COLUMNS))
    keep = [k for k in range(12) if k != 5]
    gappy = syn.SlicePlacement(tuple(full.positions[k] for k in keep), full.orientation)
    syn.write_ct_series(tmp_path, voxels[keep], placement=gappy, pixel_spacing_xy=SPACING_XY)

    series = only_series(scan_folder(tmp_path))
    assert codes(series)["missing_slices"] == "error"
    assert "uneven_spacing" not in codes(series)
    assert series.geometry is not None
    assert series.geometry.missing_slices == 1
    with pytest.raises(GeometryRefusedError, match="missing slices"):
        assemble(series)

    result = assemble(series, ImportPolicy(allow_gaps=True))
    assert result.resampled
    out = result.volume.voxels
    assert out.shape == (12, ROWS, COLUMNS)
    assert result.volume.spacing[2] == pytest.approx(2.0)
    for k in keep:
        np.testing.assert_array_equal(out[k], voxels[k])
    expected = np.rint(0.5 * voxels[4].astype(np.float64) + 0.5 * voxels[6].astype(np.float64))
    np.testing.assert_array_equal(out[5], expected)


def test_blocks_of_two_spacings_are_uneven_not_missing(tmp_path: Path) -> None:
    offsets = [4.0 * k for k in range(10)] + [36.0 + 7.0 * k for k in range(1, 11)]  # 10 at 4 mm, then 7 mm
    placement = syn.SlicePlacement(tuple((5.0, -3.0, 20.0 + d) for d in offsets), syn.AXIAL)
    voxels = random_hu((20, ROWS, COLUMNS), seed=11)
    syn.write_ct_series(tmp_path, voxels, placement=placement, pixel_spacing_xy=SPACING_XY)

    series = only_series(scan_folder(tmp_path))
    assert codes(series)["uneven_spacing"] == "warning"
    assert "missing_slices" not in codes(series)
    with pytest.raises(GeometryRefusedError, match="uneven_spacing"):
        assemble(series, ImportPolicy(strict=True))
    result = assemble(series)
    assert result.resampled
    volume = result.volume
    assert volume.spacing[2] == pytest.approx(4.0, abs=1e-6)
    # Output slice k lies at 4k mm; original slice 9 + m lies at 36 + 7m mm, so 64 mm and 92 mm are slices 13 and 17.
    for out_index, original in ((0, 0), (9, 9), (16, 13), (23, 17)):
        np.testing.assert_array_equal(volume.voxels[out_index], voxels[original])
    # 40 mm lies between the originals at 36 mm (slice 9) and 43 mm (slice 10): weight 4/7 on the upper one.
    expected = (3.0 / 7.0) * voxels[9] + (4.0 / 7.0) * voxels[10]
    assert np.abs(volume.voxels[10] - expected).max() <= 0.5 + 1e-6
    assert 102.0 <= (volume.size[2] - 1) * volume.spacing[2] <= 106.0


# --- order, names, duplicates --------------------------------------------------------------------------------------


def test_shuffled_files_and_names(tmp_path: Path) -> None:
    angle = math.radians(25.0)
    oblique_coronal = (math.cos(angle), math.sin(angle), 0.0, 0.0, 0.0, -1.0)
    # Slices step against the normal, so the first written slice is the highest along it.
    placement = syn.regular_stack(10, -2.5, origin=(3.0, 40.0, -7.0), orientation=oblique_coronal)
    voxels = random_hu((10, ROWS, COLUMNS), seed=3)
    syn.write_ct_series(tmp_path / "ordered", voxels, placement=placement, pixel_spacing_xy=SPACING_XY)
    rng = np.random.default_rng(5)
    syn.write_ct_series(
        tmp_path / "shuffled",
        voxels,
        placement=placement,
        pixel_spacing_xy=SPACING_XY,
        instance_numbers=[10 - k for k in range(10)],  # InstanceNumber against the normal as well
        file_order=[int(k) for k in rng.permutation(10)],
        file_name=lambda i: f"sub{i % 3}/{hashlib.sha1(str(i).encode()).hexdigest()[:10]}",
    )

    ordered = import_folder(tmp_path / "ordered")
    shuffled = import_folder(tmp_path / "shuffled")
    assert not shuffled.resampled
    assert_same_volume(ordered, shuffled)
    np.testing.assert_array_equal(shuffled.volume.voxels, voxels[::-1])
    np.testing.assert_allclose(shuffled.volume.origin, placement.positions[-1], atol=1e-9)  # lowest along the normal
    np.testing.assert_allclose(shuffled.volume.direction_matrix[:, 2], placement.normal, atol=1e-9)
    assert shuffled.volume.spacing[2] == pytest.approx(2.5)


def test_two_acquisitions_at_the_same_positions_are_split(tmp_path: Path) -> None:
    placement = syn.regular_stack(6, 3.0)
    first = random_hu((6, ROWS, COLUMNS), seed=1)
    second = random_hu((6, ROWS, COLUMNS), seed=2)
    uid = syn.synthetic_uid("two-acquisitions")
    syn.write_ct_series(
        tmp_path,
        first,
        placement=placement,
        pixel_spacing_xy=SPACING_XY,
        series_uid=uid,
        acquisition_number=1,
        file_name=lambda i: f"A{i:03d}",
    )
    syn.write_ct_series(
        tmp_path,
        second,
        placement=placement,
        pixel_spacing_xy=SPACING_XY,
        series_uid=uid,
        acquisition_number=2,
        instance_numbers=range(7, 13),
        file_name=lambda i: f"B{i:03d}",
    )

    scan = scan_folder(tmp_path)
    assert sorted(s.key for s in scan.series) == [f"{uid}#1", f"{uid}#2"]
    for series in scan.series:
        assert series.usable
        assert series.slices == 6
        assert codes(series)["duplicate_positions"] == "warning"
    with pytest.raises(AmbiguousSeriesError) as caught:
        select_series(scan)
    assert sorted(caught.value.candidates) == [f"{uid}#1", f"{uid}#2"]
    with pytest.raises(AmbiguousSeriesError):
        select_series(scan, uid)
    np.testing.assert_array_equal(assemble(select_series(scan, f"{uid}#2")).volume.voxels, second)


def test_duplicate_positions_without_a_distinguishing_field(tmp_path: Path) -> None:
    placement = syn.regular_stack(6, 3.0)
    uid = syn.synthetic_uid("indistinguishable")
    syn.write_ct_series(
        tmp_path,
        random_hu((6, ROWS, COLUMNS), seed=1),
        placement=placement,
        pixel_spacing_xy=SPACING_XY,
        series_uid=uid,
    )
    syn.write_ct_series(
        tmp_path,
        random_hu((6, ROWS, COLUMNS), seed=2),
        placement=placement,
        pixel_spacing_xy=SPACING_XY,
        series_uid=uid,
        instance_numbers=range(7, 13),
        file_name=lambda i: f"B{i:03d}",
    )

    scan = scan_folder(tmp_path)
    series = only_series(scan)
    assert codes(series)["duplicate_positions"] == "error"
    assert not series.usable
    assert series.slices == 12
    with pytest.raises(NoSeriesFoundError):
        select_series(scan)
    with pytest.raises(UnusableSeriesError):
        select_series(scan, uid)


def test_copied_file_is_used_once(tmp_path: Path) -> None:
    placement = syn.regular_stack(8, 2.0)
    voxels = random_hu((8, ROWS, COLUMNS))
    paths = syn.write_ct_series(tmp_path, voxels, placement=placement, pixel_spacing_xy=SPACING_XY)
    shutil.copy(paths[3], tmp_path / "copy of slice 3.dcm")

    scan = scan_folder(tmp_path)
    assert scan.files_scanned == 9
    series = only_series(scan)
    assert series.usable
    assert series.slices == 8
    assert codes(series)["duplicate_files"] == "info"
    np.testing.assert_array_equal(assemble(series).volume.voxels, voxels)


def test_two_series_in_one_folder(tmp_path: Path) -> None:
    placement = syn.regular_stack(5, 2.0)
    first, second = random_hu((5, ROWS, COLUMNS), seed=1), random_hu((5, ROWS, COLUMNS), seed=2)
    syn.write_ct_series(
        tmp_path,
        first,
        placement=placement,
        pixel_spacing_xy=SPACING_XY,
        series_number=1,
        file_name=lambda i: f"S1_{i}",
    )
    syn.write_ct_series(
        tmp_path,
        second,
        placement=placement,
        pixel_spacing_xy=SPACING_XY,
        series_number=2,
        file_name=lambda i: f"S2_{i}",
    )

    scan = scan_folder(tmp_path)
    keys = [s.key for s in scan.series]
    assert len(keys) == 2
    assert len({s.study_uid for s in scan.series}) == 1  # one study (same seed), two series
    with pytest.raises(AmbiguousSeriesError) as caught:
        select_series(scan)
    assert sorted(caught.value.candidates) == sorted(keys)
    assert all(key in caught.value.message for key in keys)
    second_key = next(s.key for s in scan.series if s.series_number == 2)
    np.testing.assert_array_equal(assemble(select_series(scan, second_key)).volume.voxels, second)


# --- multi-frame, kinds, rescale, encodings ------------------------------------------------------------------------


def _oblique_descending() -> syn.SlicePlacement:
    angle = math.radians(-12.0)
    oblique = (1.0, 0.0, 0.0, 0.0, math.cos(angle), math.sin(angle))
    return syn.regular_stack(9, -1.25, origin=(-20.0, -25.0, 60.0), orientation=oblique)


@pytest.mark.parametrize(
    "placement",
    [_oblique_descending(), syn.tilted_stack(9, 2.0, -17.0, origin=(-20.0, -15.0, 30.0))],
    ids=["oblique-descending", "tilted"],
)
def test_enhanced_multi_frame_equals_single_frame_series(tmp_path: Path, placement: syn.SlicePlacement) -> None:
    voxels = random_hu((9, ROWS, COLUMNS), seed=9)
    syn.write_ct_series(tmp_path / "single", voxels, placement=placement, pixel_spacing_xy=SPACING_XY)
    syn.write_enhanced_ct(
        tmp_path / "enhanced" / "volume.dcm", voxels, placement=placement, pixel_spacing_xy=SPACING_XY
    )

    series = only_series(scan_folder(tmp_path / "enhanced"))
    assert series.kind == "multi_frame"
    assert series.usable
    assert series.slices == 9
    assert len(series.files) == 1
    assert ("gantry_tilt" in codes(series)) == (placement.gantry_tilt_deg is not None)
    enhanced = assemble(series)
    single = import_folder(tmp_path / "single")
    assert enhanced.resampled == single.resampled == (placement.gantry_tilt_deg is not None)
    assert_same_volume(enhanced, single)
    if placement.gantry_tilt_deg is None:
        np.testing.assert_array_equal(enhanced.volume.voxels, voxels[::-1])


def test_localizer_single_slice_and_missing_rescale(tmp_path: Path) -> None:
    syn.write_ct_series(
        tmp_path / "scout",
        random_hu((3, ROWS, COLUMNS)),
        placement=syn.regular_stack(3, 5.0),
        pixel_spacing_xy=SPACING_XY,
        image_type=("ORIGINAL", "PRIMARY", "LOCALIZER"),
    )
    scout = only_series(scan_folder(tmp_path / "scout"))
    assert scout.kind == "localizer"
    assert not scout.usable

    syn.write_ct_series(
        tmp_path / "one",
        random_hu((1, ROWS, COLUMNS)),
        placement=syn.regular_stack(1, 1.0),
        pixel_spacing_xy=SPACING_XY,
    )
    one = only_series(scan_folder(tmp_path / "one"))
    assert one.kind == "single_frame"
    assert not one.usable
    assert codes(one)["too_few_slices"] == "error"

    def drop_rescale(ds: Dataset, index: int) -> None:
        del ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType

    voxels = random_hu((4, ROWS, COLUMNS))
    syn.write_ct_series(
        tmp_path / "raw", voxels, placement=syn.regular_stack(4, 2.0), pixel_spacing_xy=SPACING_XY, extra=drop_rescale
    )
    raw = only_series(scan_folder(tmp_path / "raw"))
    assert codes(raw)["no_rescale"] == "warning"
    assert raw.usable
    # Without a modality LUT the stored values (HU + 1024 as written) are taken as they are.
    np.testing.assert_array_equal(assemble(raw).volume.voxels, voxels.astype(np.int32) + 1024)


@pytest.mark.parametrize(
    "syntax", [ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, RLELossless, JPEGLSLossless, JPEG2000Lossless]
)
def test_transfer_syntaxes_import_identically(tmp_path: Path, syntax: str) -> None:
    placement = syn.regular_stack(4, 2.0)
    voxels = random_hu((4, ROWS, COLUMNS))
    syn.write_ct_series(tmp_path / "reference", voxels, placement=placement, pixel_spacing_xy=SPACING_XY)
    syn.write_ct_series(
        tmp_path / "encoded", voxels, placement=placement, pixel_spacing_xy=SPACING_XY, transfer_syntax=syntax
    )

    series = only_series(scan_folder(tmp_path / "encoded"))
    assert ("compressed" in codes(series)) == (syntax in syn.LOSSLESS_ENCAPSULATED_SYNTAXES)
    assert pydicom.dcmread(series.files[0]).file_meta.TransferSyntaxUID == syntax
    assert_same_volume(assemble(series), import_folder(tmp_path / "reference"))


@pytest.mark.parametrize(
    ("intercept", "slope", "high_hu", "layout"),
    [
        (-1024.0, 1.0, 3000, (12, 0)),
        (-1024.0, 1.0, 5000, (16, 0)),
        (0.0, 1.0, 3000, (16, 1)),
        (-3000.0, 2.0, 4000, (12, 0)),
    ],
)
def test_stored_value_layouts(
    tmp_path: Path, intercept: float, slope: float, high_hu: int, layout: tuple[int, int]
) -> None:
    voxels = np.random.default_rng(4).integers(-1000, high_hu, size=(3, ROWS, COLUMNS)).astype(np.int16)
    voxels[0, 0, 0] = high_hu
    voxels -= voxels % int(slope)  # representable exactly with this slope
    syn.write_ct_series(
        tmp_path,
        voxels,
        placement=syn.regular_stack(3, 2.0),
        pixel_spacing_xy=SPACING_XY,
        rescale_intercept=intercept,
        rescale_slope=slope,
    )
    ds = pydicom.dcmread(sorted(tmp_path.iterdir())[0])
    assert (ds.BitsStored, ds.PixelRepresentation) == layout
    np.testing.assert_array_equal(import_folder(tmp_path).volume.voxels, voxels)


def test_writer_refuses_inconsistent_input(tmp_path: Path) -> None:
    voxels = random_hu((3, ROWS, COLUMNS))
    with pytest.raises(ValueError, match="positions"):
        syn.write_ct_series(tmp_path, voxels, placement=syn.regular_stack(4, 2.0), pixel_spacing_xy=SPACING_XY)
    skewed = syn.SlicePlacement(syn.regular_stack(3, 2.0).positions, (1.0, 0.0, 0.0, 0.3, 1.0, 0.0))
    with pytest.raises(ValueError, match="orthonormal"):
        syn.write_ct_series(tmp_path, voxels, placement=skewed, pixel_spacing_xy=SPACING_XY)
    with pytest.raises(ValueError, match="16 bits"):
        syn.write_ct_series(
            tmp_path, voxels.astype(np.int32) * 40, placement=syn.regular_stack(3, 2.0), pixel_spacing_xy=SPACING_XY
        )
    placement = syn.regular_stack(3, 2.0)
    with pytest.raises(ValueError, match="lossless only"):
        syn.write_ct_series(
            tmp_path, voxels, placement=placement, pixel_spacing_xy=SPACING_XY, transfer_syntax=JPEG2000
        )
    with pytest.raises(ValueError, match="same name"):
        syn.write_ct_series(tmp_path, voxels, placement=placement, pixel_spacing_xy=SPACING_XY, file_name=lambda i: "x")
    with pytest.raises(ValueError, match="permutation"):
        syn.write_ct_series(tmp_path, voxels, placement=placement, pixel_spacing_xy=SPACING_XY, file_order=[0, 0, 1])
    assert not any(tmp_path.iterdir())


# --- the sample case -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("sample-1"), tmp_path_factory.mktemp("sample-2")
    write_sample_dicom(first)
    write_sample_dicom(second)
    return first, second


def test_sample_case_imports_with_its_constants(sample_folders: tuple[Path, Path]) -> None:
    scan = scan_folder(sample_folders[0])
    assert len(scan.usable_volumes) == 1
    result = assemble(select_series(scan))
    volume = result.volume
    case = SAMPLE_CASE
    assert volume.size == case.size
    assert volume.spacing == pytest.approx(case.spacing)
    assert volume.origin == pytest.approx(case.origin)
    assert not result.resampled
    assert result.findings == ()
    np.testing.assert_array_equal(volume.voxels, make_head_ct().voxels)
    header = pydicom.dcmread(result.series.files[0], stop_before_pixels=True)
    assert (str(header.PatientName), header.PatientID) == (SAMPLE_PATIENT.name, SAMPLE_PATIENT.patient_id)

    hu = volume.voxels
    assert hu.min() == pytest.approx(case.air_hu)
    bone = hu > 300
    assert bone.sum() > 100_000
    assert hu[bone].max() == pytest.approx(case.bone_hu[1], abs=40)

    # World position of every voxel near the defect (a box of +-45 mm around its centre), relative to the head
    # centre, split along and across the defect axis.
    low = np.floor(volume.world_to_index(np.asarray(case.defect_centre) - 45.0)).astype(int).clip(0)
    high = (np.ceil(volume.world_to_index(np.asarray(case.defect_centre) + 45.0)).astype(int) + 1).clip(None, case.size)
    box = (slice(low[2], high[2]), slice(low[1], high[1]), slice(low[0], high[0]))
    z, y, x = np.mgrid[box]
    world = volume.index_to_world(np.stack([x, y, z], axis=-1)) - np.asarray(case.head_centre)
    axis = np.asarray(case.defect_axis) / np.linalg.norm(case.defect_axis)
    along = world @ axis
    across = np.linalg.norm(world - along[..., np.newaxis] * axis, axis=-1)
    bone = bone[box]
    hole = (along > 0) & (across < case.defect_clear_radius_mm)
    assert hole.sum() > 10_000
    assert not bone[hole].any()
    # ... and it is a hole in the skull: bone surrounds it just outside its largest radius.
    rim_start = case.defect_radius_mm + case.defect_irregularity_mm + 2.0
    rim = (along > 0) & (across > rim_start) & (across < rim_start + 5.0) & bone
    assert rim.sum() > 1000
    e1 = np.cross(axis, [0.0, 0.0, 1.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(axis, e1)
    sectors = np.histogram(np.arctan2(world[rim] @ e2, world[rim] @ e1), bins=12, range=(-np.pi, np.pi))[0]
    assert sectors.min() > 0, sectors  # bone all around: a closed opening, not a missing cap
    centre_distance = np.linalg.norm(np.asarray(case.defect_centre) - np.asarray(case.head_centre))
    assert np.median(along[rim]) == pytest.approx(centre_distance - 4.0, abs=8.0)


def test_sample_case_files_are_byte_identical(sample_folders: tuple[Path, Path]) -> None:
    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}

    first, second = (digests(folder) for folder in sample_folders)
    assert len(first) == SAMPLE_CASE.size[2]
    assert first == second


def test_uneven_grid_never_extends_past_the_last_slice() -> None:
    # Steps 4 mm then 7 mm: extent 4*10 + 7*9 + 3 = 106 mm and 107 mm variants; grid step 4 mm.
    for last_step in (3.0, 4.5):
        offsets = [4.0 * i for i in range(11)] + [40.0 + 7.0 * i for i in range(1, 10)]
        offsets.append(offsets[-1] + last_step * 2)
        geometry = stack.analyze_stack([(0.0, 0.0, z) for z in offsets], (1, 0, 0, 0, 1, 0), (1.0, 1.0))
        plan = stack.plan_grid(geometry, 4, 4)
        last_target = (plan.size[2] - 1) * plan.spacing[2]
        assert last_target <= geometry.extent_mm + 1e-9
        assert geometry.extent_mm - last_target < plan.spacing[2]
        assert all(0.0 <= source.weight <= 1.0 for source in plan.sources)
