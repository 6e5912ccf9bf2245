"""imaging.volume.voxel_count: a volume file's size from its header alone, or None."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from imaging.volume import Volume, read_volume, voxel_count, write_volume

IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


@pytest.mark.parametrize("suffix", [".nrrd", ".mha"])
@pytest.mark.parametrize("compress", [True, False])
def test_the_header_gives_the_count_the_file_holds(tmp_path: Path, suffix: str, compress: bool) -> None:
    voxels = np.arange(7 * 5 * 3, dtype=np.int16).reshape(7, 5, 3)
    path = tmp_path / f"v{suffix}"
    write_volume(Volume(voxels, (0.5, 0.6, 1.2), (1.0, 2.0, 3.0), IDENTITY), path, compress=compress)
    assert voxel_count(path) == 105 == read_volume(path).voxels.size


def test_unknown_without_reading_the_voxels(tmp_path: Path) -> None:
    nifti = tmp_path / "v.nii.gz"
    write_volume(Volume(np.zeros((2, 3, 4), dtype=np.uint8), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), IDENTITY), nifti)
    assert voxel_count(nifti) is None  # NIfTI needs nibabel: not worth it for a hint
    assert voxel_count(tmp_path / "missing.nrrd") is None
    assert voxel_count(tmp_path / "notes.txt") is None
    garbage = tmp_path / "garbage.nrrd"
    garbage.write_bytes(b"\x00\xff" * 100)
    assert voxel_count(garbage) is None
    negative = tmp_path / "negative.mha"
    negative.write_text("ObjectType = Image\nNDims = 3\nDimSize = 4 -2 3\nElementDataFile = LOCAL\n")
    assert voxel_count(negative) is None
