"""The ``dvw segment`` command-line contract (CLI.md), run for real on a phantom volume file."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from imaging.files import sha256_file
from imaging.volume import Volume, read_volume, write_volume

SPACING = (0.5, 0.5, 1.25)
IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
CONTRACT_KEYS = {"output", "sha256", "voxels", "volume_mm3", "components", "threshold", "input_sha256", "manifest_id"}


@pytest.fixture(scope="module")
def phantom_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12 mm radius ball of 1000 HU (hollow: 4 mm cavity) and a 2 mm ball of 1000 HU, in -1000 HU air."""
    shape = (32, 80, 80)
    k, j, i = np.meshgrid(*(np.arange(n) for n in shape), indexing="ij")
    x, y, z = i * SPACING[0] - 20.0, j * SPACING[1] - 20.0, k * SPACING[2] - 20.0
    big = (x * x + y * y + z * z <= 12.0**2) & (x * x + y * y + z * z > 4.0**2)
    small = (x - 15.0) ** 2 + (y - 15.0) ** 2 + (z - 15.0) ** 2 <= 2.0**2
    hu = np.where(big | small, 1000, -1000).astype(np.int16)
    path = tmp_path_factory.mktemp("cli") / "phantom.nrrd"
    write_volume(Volume(hu, SPACING, (-20.0, -20.0, -20.0), IDENTITY), path)
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if captured.out.strip() else {}
    return code, payload, captured.err


def test_segment_json_has_the_contract_keys_and_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, phantom_file: Path
) -> None:
    out = tmp_path / "mask.nrrd"
    code, payload, _ = _run(
        capsys, "segment", str(phantom_file), "--preset", "bone", "--keep-largest", "1", "--out", str(out), "--json"
    )
    assert code == 0
    assert set(payload) >= CONTRACT_KEYS
    assert payload["output"] == str(out)
    assert payload["sha256"] == sha256_file(out)
    assert payload["input_sha256"] == sha256_file(phantom_file)
    assert len(str(payload["manifest_id"])) == 64
    assert payload["threshold"] == [226.0, 3071.0]
    assert payload["preset"] == "bone"
    assert (payload["components"], payload["components_kept"]) == (2, 1)
    mask = read_volume(out)
    source = read_volume(phantom_file)
    assert mask.voxels.dtype == np.uint8
    assert (mask.spacing, mask.origin, mask.direction, mask.size) == (
        source.spacing,
        source.origin,
        source.direction,
        source.size,
    )
    assert payload["voxels"] == int(mask.voxels.sum())
    voxel_mm3 = 0.5 * 0.5 * 1.25
    assert payload["volume_mm3"] == pytest.approx(int(str(payload["voxels"])) * voxel_mm3)
    assert payload["volume_mm3"] == pytest.approx(4 / 3 * math.pi * (12.0**3 - 4.0**3), rel=0.02)


def test_segment_threshold_fill_holes_and_seed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, phantom_file: Path
) -> None:
    code, filled, _ = _run(
        capsys,
        "segment",
        str(phantom_file),
        "--threshold",
        "0",
        "--fill-holes",
        "--out",
        str(tmp_path / "a.nii.gz"),
        "--json",
    )
    assert code == 0
    assert filled["threshold"] == [0.0, None]
    assert filled["components"] == 2
    assert filled["volume_mm3"] == pytest.approx(4 / 3 * math.pi * (12.0**3 + 2.0**3), rel=0.02)
    code, seeded, _ = _run(
        capsys,
        "segment",
        str(phantom_file),
        "--threshold",
        "0",
        "3000",
        "--seed",
        "15",
        "15",
        "15",
        "--out",
        str(tmp_path / "b.nrrd"),
        "--json",
    )
    assert code == 0
    assert seeded["threshold"] == [0.0, 3000.0]
    assert seeded["components_kept"] == 1
    assert seeded["volume_mm3"] == pytest.approx(4 / 3 * math.pi * 2.0**3, rel=0.15)  # 2 mm ball: coarse voxels


def test_segment_human_output_goes_to_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, phantom_file: Path
) -> None:
    code, payload, err = _run(
        capsys, "segment", str(phantom_file), "--preset", "bone", "--out", str(tmp_path / "m.nrrd")
    )
    assert code == 0
    assert payload == {}
    assert "components kept" in err


def test_segment_presets_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    code, payload, _ = _run(capsys, "segment-presets", "--json")
    assert code == 0
    names = {p["name"]: p["threshold"] for p in payload["presets"]}  # type: ignore[attr-defined]
    assert names == {"bone": [226.0, 3071.0], "skin": [-500.0, None], "teeth": [1553.0, 2850.0]}


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["--preset", "bone"], "volume_file", "no such file"),
        (["--preset", "brain"], "unknown_preset", "unknown preset 'brain'"),
        (["--threshold", "500", "200"], "bad_parameters", "above the upper"),
        (["--threshold", "1", "2", "3"], "usage", "LO or LO HI"),
        (["--preset", "bone", "--seed", "900", "0", "0"], "bad_seed", "outside the volume"),
        (["--preset", "bone", "--close", "-1"], "bad_parameters", "close radius"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    phantom_file: Path,
    argv: list[str],
    code: str,
    needle: str,
) -> None:
    source = str(tmp_path / "missing.nrrd") if code == "volume_file" else str(phantom_file)
    out = tmp_path / "mask.nrrd"
    status, payload, err = _run(capsys, "segment", source, *argv, "--out", str(out), "--json")
    assert status == 2
    assert payload["error"]["code"] == code  # type: ignore[index]
    assert needle in payload["error"]["message"]  # type: ignore[index]
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not out.exists()


def test_existing_output_is_not_overwritten_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, phantom_file: Path
) -> None:
    out = tmp_path / "mask.nrrd"
    out.write_bytes(b"keep me")
    status, payload, err = _run(capsys, "segment", str(phantom_file), "--preset", "bone", "--out", str(out), "--json")
    assert status == 2
    assert payload["error"]["code"] == "output_exists"  # type: ignore[index]
    assert len(err.strip().splitlines()) == 1
    assert out.read_bytes() == b"keep me"
    status, payload, _ = _run(
        capsys, "segment", str(phantom_file), "--preset", "bone", "--out", str(out), "--force", "--json"
    )
    assert status == 0
    assert payload["sha256"] == sha256_file(out)


def test_missing_method_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, phantom_file: Path
) -> None:
    status, _, err = _run(capsys, "segment", str(phantom_file), "--out", str(tmp_path / "m.nrrd"))
    assert status == 2
    assert "one of the arguments --preset --threshold is required" in err
    assert len(err.strip().splitlines()) == 1
