"""The isosurface in two slabs at once (``geometry.mesh._seam_slice`` and ``_stitch``): the same surface as one piece.

The size limit for slabs is lowered so that the phantoms (under a million voxels) use them; each case compares the
stitched surface with the surface made in one piece (the limit raised above the volume's size).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from conftest import AIR, BONE, MIDPOINT, Phantom
from scipy.spatial import cKDTree

import geometry.mesh as mesh_module
from geometry.mesh import Mesh, isosurface, mesh_from_volume, volume_digest
from geometry.metrics import topology, volume_and_area
from imaging.volume import Volume


def _both(volume: Volume, level: float, monkeypatch: pytest.MonkeyPatch) -> tuple[Mesh, Mesh]:
    """(two slabs, one piece) isosurfaces of ``volume`` at ``level``."""
    seam = None
    original = mesh_module._seam_slice

    def recording(voxels: npt.NDArray[Any]) -> int | None:
        nonlocal seam
        seam = original(voxels)
        return seam

    stitched: list[bool] = []
    original_stitch = mesh_module._stitch

    def recording_stitch(*args: Any) -> Any:
        result = original_stitch(*args)
        stitched.append(result is not None)
        return result

    monkeypatch.setattr(mesh_module, "_seam_slice", recording)
    monkeypatch.setattr(mesh_module, "_stitch", recording_stitch)
    monkeypatch.setattr(mesh_module, "_SLAB_MIN_VOXELS", 0)
    slabs = isosurface(volume, level)
    assert seam is not None, "the volume was not cut into slabs"
    assert stitched == [True], "the slabs were not stitched (the volume was meshed again in one piece)"
    monkeypatch.setattr(mesh_module, "_SLAB_MIN_VOXELS", volume.voxels.size + 1)
    whole = isosurface(volume, level)
    return slabs, whole


def _assert_same_surface(slabs: Mesh, whole: Mesh) -> None:
    assert (slabs.n_vertices, slabs.n_triangles) == (whole.n_vertices, whole.n_triangles)
    # The same vertices up to float32 rounding of VTK's positions (each slab counts from its own first slice).
    distance, nearest = cKDTree(whole.vertices).query(slabs.vertices)
    assert float(distance.max()) < 1e-4
    assert len(np.unique(nearest)) == whole.n_vertices
    # The same triangles: each stitched triangle names the same three vertices as one of the whole's.
    stitched = np.sort(nearest[slabs.faces], axis=1)
    assert np.array_equal(np.unique(stitched, axis=0), np.unique(np.sort(whole.faces, axis=1), axis=0))
    assert topology(slabs.faces, slabs.n_vertices) == topology(whole.faces, whole.n_vertices)
    volume_s, area_s = volume_and_area(slabs.vertices, slabs.faces)
    volume_w, area_w = volume_and_area(whole.vertices, whole.faces)
    assert volume_s == pytest.approx(volume_w, rel=1e-7)
    assert area_s == pytest.approx(area_w, rel=1e-7)


def test_the_shell_in_two_slabs_is_the_shell_in_one_piece(shell: Phantom, monkeypatch: pytest.MonkeyPatch) -> None:
    slabs, whole = _both(shell.volume, MIDPOINT, monkeypatch)
    _assert_same_surface(slabs, whole)
    assert topology(slabs.faces, slabs.n_vertices) == (True, True, 2)


def test_voxels_at_the_level_on_the_seam(shell: Phantom, monkeypatch: pytest.MonkeyPatch) -> None:
    # The phantom's partial-volume voxels hit 0 HU exactly in the middle slice, where the slabs meet (flying edges
    # then runs at -0.5 HU, see geometry.mesh._iso_value): the seam's vertices pair up like the others.
    middle = shell.volume.voxels.shape[0] // 2
    assert np.count_nonzero(shell.volume.voxels[middle] == MIDPOINT) > 10
    slabs, whole = _both(shell.volume, MIDPOINT, monkeypatch)
    _assert_same_surface(slabs, whole)


def test_a_face_lying_in_the_shared_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    # A block whose top face is the middle slice, at the level: its triangles lie in the shared slice and are made
    # by cells on both sides (one copy stays, as in one piece).
    voxels = np.full((20, 16, 16), AIR, dtype=np.int16)
    voxels[4:10, 4:12, 4:12] = BONE
    voxels[10, 4:12, 4:12] = MIDPOINT
    volume = Volume(
        voxels=voxels, spacing=(0.5, 0.5, 1.0), origin=(0.0, 0.0, 0.0), direction=(1, 0, 0, 0, 1, 0, 0, 0, 1)
    )
    slabs, whole = _both(volume, MIDPOINT, monkeypatch)
    _assert_same_surface(slabs, whole)


def test_a_tilted_volume_in_two_slabs(tilted_sphere: Phantom, monkeypatch: pytest.MonkeyPatch) -> None:
    slabs, whole = _both(tilted_sphere.volume, MIDPOINT, monkeypatch)
    _assert_same_surface(slabs, whole)


def test_objects_that_do_not_cross_the_seam_and_touch_the_border(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two blocks, one in each slab (nothing crosses the middle slices), the lower one touching the volume's
    # first slice (so the volume is padded), with a level-valued voxel on each block's face.
    voxels = np.full((40, 24, 24), AIR, dtype=np.int16)
    voxels[0:12, 4:12, 4:12] = BONE
    voxels[28:36, 10:20, 6:18] = BONE
    voxels[11, 6, 6] = MIDPOINT
    volume = Volume(
        voxels=voxels, spacing=(0.7, 0.6, 1.1), origin=(3.0, -2.0, 10.0), direction=(1, 0, 0, 0, 1, 0, 0, 0, 1)
    )
    slabs, whole = _both(volume, MIDPOINT, monkeypatch)
    _assert_same_surface(slabs, whole)
    assert topology(slabs.faces, slabs.n_vertices)[2] == 2


def test_a_one_slice_plate_in_the_shared_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    # A plate one slice thick in the shared slice, its rim at the level, between two blocks one slice away: its
    # surface is made by the cells on both sides of the shared slice and joined there.
    voxels = np.full((20, 16, 16), AIR, dtype=np.int16)
    voxels[4:9, 4:12, 4:12] = BONE
    voxels[12:14, 4:12, 4:12] = BONE
    voxels[10, 4:12, 4:12] = MIDPOINT
    voxels[10, 6:10, 6:10] = BONE
    volume = Volume(
        voxels=voxels, spacing=(0.5, 0.5, 1.0), origin=(0.0, 0.0, 0.0), direction=(1, 0, 0, 0, 1, 0, 0, 0, 1)
    )
    slabs, whole = _both(volume, MIDPOINT, monkeypatch)
    _assert_same_surface(slabs, whole)
    assert topology(slabs.faces, slabs.n_vertices) == (True, True, 3)


@pytest.mark.parametrize("slabs", [True, False])
def test_the_mesh_names_its_voxels_digest(shell: Phantom, monkeypatch: pytest.MonkeyPatch, slabs: bool) -> None:
    # Without a file hash the result names the voxels' digest, hashed on a thread early (one-piece isosurface) or
    # late (after the smoothing and reduction): the same digest either way.
    monkeypatch.setattr(mesh_module, "_SLAB_MIN_VOXELS", 0 if slabs else shell.volume.voxels.size + 1)
    result = mesh_from_volume(shell.volume, MIDPOINT, reduction=0.5)
    assert result.input_sha256 == volume_digest(shell.volume)
    assert len(result.input_sha256) == 64


def test_a_binary_mask_in_two_slabs(shell: Phantom, monkeypatch: pytest.MonkeyPatch) -> None:
    # A mask (uint8 0/1, meshed at 0.5) touching the volume's border on one side, so the voxels are padded.
    voxels = (shell.volume.voxels >= MIDPOINT).astype(np.uint8)
    voxels[:, :, :3] = 1
    mask = Volume(
        voxels=voxels, spacing=shell.volume.spacing, origin=shell.volume.origin, direction=shell.volume.direction
    )
    slabs, whole = _both(mask, 0.5, monkeypatch)
    _assert_same_surface(slabs, whole)
    assert topology(slabs.faces, slabs.n_vertices)[:2] == (True, True)
