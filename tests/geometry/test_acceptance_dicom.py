"""Issue 4 acceptance through the whole chain: DICOM series -> import -> segment -> mesh -> mesh file.

The analytic phantoms are written as real DICOM series (0.5 x 0.5 x 1.25 mm voxels) and imported with the same code
a hospital's series goes through; the real phantoms in ../shared/data are segmented with the bone preset.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
import trimesh
from conftest import INNER, MIDPOINT, OUTER, SPHERE_RADIUS, Phantom, ellipsoid_distance

from geometry.io import write_mesh
from geometry.mesh import isosurface, mesh_from_mask, mesh_from_volume
from geometry.metrics import topology
from imaging.assemble import assemble, select_series
from imaging.segment import SegmentParams, segment
from imaging.series import scan_folder
from imaging.synthetic import regular_stack, write_ct_series
from imaging.volume import Volume

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
HALF_LARGEST_VOXEL = 0.625


def _shared(name: str) -> Path:
    folder = DATA / name
    if not folder.is_dir():
        pytest.skip(f"real DICOM fixture {folder} is absent (it lives in ../shared/data beside the repo)")
    return folder


def _through_dicom(volume: Volume, folder: Path) -> Volume:
    """Write ``volume`` (identity direction) as a CT series, then scan and import it as DVW imports any series."""
    sx, sy, sz = volume.spacing
    write_ct_series(
        folder,
        volume.voxels,
        placement=regular_stack(volume.size[2], sz, origin=volume.origin),
        pixel_spacing_xy=(sx, sy),
        uid_seed=folder.name,
    )
    return assemble(select_series(scan_folder(folder))).volume


def _distance(phantom: Phantom, vertices: np.ndarray, shell: bool) -> np.ndarray:
    c = np.asarray(phantom.centre)
    if shell:
        return np.minimum(ellipsoid_distance(vertices, OUTER, c), ellipsoid_distance(vertices, INNER, c))
    return np.asarray(np.abs(np.linalg.norm(vertices - c, axis=1) - SPHERE_RADIUS))


@pytest.mark.parametrize("name", ["sphere", "shell"])
def test_analytic_phantom_written_as_dicom_meets_the_accuracy_targets(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    phantom: Phantom = request.getfixturevalue(name)
    imported = _through_dicom(phantom.volume, tmp_path / name)
    np.testing.assert_array_equal(imported.voxels, phantom.volume.voxels)  # the DICOM round trip is exact
    np.testing.assert_allclose(imported.origin, phantom.volume.origin, atol=1e-4)

    raw = mesh_from_volume(imported, MIDPOINT, smoothing=0)
    smoothed = mesh_from_volume(imported, MIDPOINT)
    reduced = mesh_from_volume(imported, MIDPOINT, reduction=0.1)

    metrics = smoothed.metrics
    assert metrics.volume_mm3 == pytest.approx(phantom.volume_mm3, rel=0.01)
    assert metrics.area_mm2 == pytest.approx(phantom.area_mm2, rel=0.02)
    assert _distance(phantom, smoothed.mesh.vertices, name == "shell").max() < HALF_LARGEST_VOXEL
    assert abs(metrics.volume_mm3 / raw.metrics.volume_mm3 - 1) < 0.005  # smoothing does not shrink
    assert reduced.metrics.triangles <= 0.11 * raw.metrics.triangles
    assert reduced.metrics.watertight
    assert reduced.metrics.manifold
    assert reduced.metrics.surface_deviation is not None
    assert reduced.metrics.surface_deviation.max_mm < 0.5


@pytest.fixture(scope="module")
def skull_bone() -> tuple[Volume, Volume]:
    volume = assemble(select_series(scan_folder(_shared("skull-phantom")))).volume
    bone = segment(volume, SegmentParams.from_preset("bone", keep_largest=1))
    return volume, bone.mask


def test_skull_phantom_bone_mesh_is_watertight(skull_bone: tuple[Volume, Volume]) -> None:
    _, mask = skull_bone
    result = mesh_from_mask(mask)
    metrics = result.metrics
    assert metrics.watertight
    assert metrics.manifold
    assert metrics.shells >= 1
    mask_mm3 = float(mask.voxels.sum()) * float(np.prod(mask.spacing))
    # 5 mm slices: the smoothed surface departs from the voxel staircase, but the volume stays close to the mask's.
    assert metrics.volume_mm3 == pytest.approx(mask_mm3, rel=0.05)
    assert metrics.triangles > 50_000


def test_skull_phantom_gray_level_surface_is_closed_through_voxels_at_the_level(
    skull_bone: tuple[Volume, Volume],
) -> None:
    """The real head CT has voxels at exactly 300 HU; its 300 HU isosurface is still watertight and manifold."""
    volume, _ = skull_bone
    assert int(np.count_nonzero(volume.voxels == 300)) > 100
    surface = isosurface(volume, 300.0)
    watertight, manifold, shells = topology(surface.faces, surface.n_vertices)
    assert (watertight, manifold) == (True, True)
    assert shells >= 1
    assert surface.n_triangles > 500_000


def test_skull_phantom_reduction_keeps_the_bone_mesh_closed(skull_bone: tuple[Volume, Volume]) -> None:
    """On 5 mm slices thin bone gets pinched by a strong reduction; reduce() then keeps more triangles."""
    _, mask = skull_bone
    full = mesh_from_mask(mask).metrics
    reduced = mesh_from_mask(mask, reduction=0.25).metrics
    assert reduced.watertight
    assert reduced.manifold
    assert reduced.triangles < full.triangles
    assert reduced.volume_mm3 == pytest.approx(full.volume_mm3, rel=0.01)


def test_stl_bounds_match_the_mask_world_bounding_box(skull_bone: tuple[Volume, Volume], tmp_path: Path) -> None:
    _, mask = skull_bone
    result = mesh_from_mask(mask)
    path = tmp_path / "skull.stl"
    write_mesh(result.mesh, path)
    loaded = trimesh.load_mesh(path)
    k, j, i = np.nonzero(mask.voxels)
    corners = np.array([[i.min(), j.min(), k.min()], [i.max(), j.max(), k.max()]], dtype=np.float64)
    world = mask.index_to_world(corners)
    low, high = world.min(axis=0), world.max(axis=0)
    tolerance = np.asarray(mask.spacing)  # one voxel along each axis
    assert np.all(np.abs(loaded.bounds[0] - low) <= tolerance)
    assert np.all(np.abs(loaded.bounds[1] - high) <= tolerance)


def test_ct_3slice_mask_grid_equals_the_reference_segmentation_grid() -> None:
    folder = _shared("ct-3slice")
    volume = assemble(select_series(scan_folder(folder))).volume
    mask = segment(volume, SegmentParams.from_preset("bone")).mask
    reference = sitk.ReadImage(str(folder / "spine_seg.nrrd"))
    assert mask.size == reference.GetSize()
    np.testing.assert_allclose(mask.origin, reference.GetOrigin(), atol=1e-4)
    np.testing.assert_allclose(mask.spacing, reference.GetSpacing(), atol=1e-4)
    np.testing.assert_allclose(mask.direction, reference.GetDirection(), atol=1e-4)
    spine = sitk.GetArrayFromImage(reference) > 0
    assert mask.voxels[spine].mean() > 0.5  # most of the labelled vertebra is bone by the preset
