"""The ``dvw segment`` command-line contract (CLI.md), run for real on a phantom volume file."""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.cli import main
from base.files import sha256_file
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


# --- every segment option on every real series that imports, in a child process -------------------------------------

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REPO = Path(__file__).resolve().parents[2]

#: Runs ``dvw import`` then ``dvw segment`` with every option on each folder given, through ``app.cli.main``, and
#: prints one JSON line before (``start``) and after (``done``) each command: a crash names the command it was in.
_DRIVER = r"""
import contextlib, io, json, sys
from pathlib import Path
from app.cli import main

def dvw(*argv):
    print(json.dumps({"start": argv}), flush=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv) + ["--json"])
    print(json.dumps({"done": argv, "code": code, "payload": json.loads(out.getvalue())}), flush=True)
    return code, json.loads(out.getvalue())

work = Path(sys.argv[1])
for number, folder in enumerate(sys.argv[2:]):
    volume = work / f"volume{number}.nrrd"
    code, imported = dvw("import", folder, "--out", str(volume))
    if code == 2 and imported["error"]["code"] == "ambiguous_series":
        code, imported = dvw("import", folder, "--series", imported["series"][0]["series_uid"], "--out", str(volume))
    if code != 0:
        continue
    size, spacing, origin = imported["size"], imported["spacing"], imported["origin"]
    axes = [imported["direction"][row::3] for row in range(3)]  # the direction matrix's columns
    centre = [origin[r] + sum(axes[c][r] * spacing[c] * (size[c] - 1) / 2 for c in range(3)) for r in range(3)]
    lowest = str(imported["hu_range"][0])
    for name, options in [
        ("bone", ["--preset", "bone"]),
        ("largest", ["--preset", "bone", "--keep-largest", "1"]),
        ("largest2", ["--preset", "bone", "--keep-largest", "2"]),
        ("largest6", ["--preset", "bone", "--keep-largest", "1", "--connectivity", "6"]),
        ("filled", ["--preset", "bone", "--fill-holes"]),
        ("slices", ["--preset", "bone", "--fill-holes-per-slice", "--keep-largest", "1"]),
        ("morphology", ["--preset", "bone", "--open", "0.5", "--close", "0.5", "--keep-largest", "1"]),
        ("seeded", ["--threshold", lowest, "--seed", *map(str, centre)]),
        ("skin", ["--preset", "skin", "--keep-largest", "1", "--fill-holes"]),
    ]:
        dvw("segment", str(volume), *options, "--out", str(work / f"mask{number}-{name}.nrrd"))
"""

#: dicom2nifti-real folders that hold a volume (the others are 4D, a single slice, or RGB, and are refused).
D2N_VOLUMES = (
    "anatomical/001",
    "anatomical/001_implicit",
    "ge/anatomical/001",
    "ge/anatomical/001_implicit",
    "generic/anatomical/001",
    "generic/anatomical/001_implicit",
    "generic/anatomical/002_non_isotropic",
    "generic/compressed/001",
    "generic/compressed_j2k/001",
    "generic/compressed_jpeg/001",
    "generic/compressed_jpegls/001",
    "generic/compressed_rle/001",
    "hitachi/anatomical/001",
    "hitachi/anatomical/001_implicit",
    "hyperfine/anatomical/001",
    "philips_enhanced/anatomical/001",
    "philips_enhanced/anatomical/001_implicit",
    "philips_enhanced/fmri/001",  # four stacks: the first is imported with --series
    "philips_enhanced/fmri/001_implicit",
    "siemens_multiframe/anatomical/001",
)


def _real_folders(name: str) -> list[Path]:
    folder = DATA / name
    if not folder.is_dir():
        pytest.skip(f"real DICOM fixture {folder} is absent (it lives in ../shared/data beside the repo)")
    if name != "dicom2nifti-real":
        return [folder]
    return sorted({path.parent for path in folder.rglob("*.dcm")})


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize("name", ["ct-3slice", "skull-phantom", "skull-phantom-tilted", "dicom2nifti-real"])
def test_every_segment_option_on_every_real_series_in_a_child_process(tmp_path: Path, name: str) -> None:
    """House rule: every command on every real fixture. In a child process, so that a crash shows as exit 139
    (issue 9: ``--keep-largest 1`` on the imported tilted phantom crashed) instead of taking pytest down."""
    folders = _real_folders(name)
    env = {**os.environ, "DVW_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(tmp_path), *map(str, folders)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    last = lines[-1] if lines else {}
    assert done.returncode == 0, f"exit {done.returncode} (139 = crash) in {last.get('start')}: {done.stderr[-1500:]}"
    results = [line for line in lines if "done" in line]
    imports = [r for r in results if r["done"][0] == "import"]
    assert all(r["code"] in (0, 2) for r in imports), [(r["done"], r["code"]) for r in imports]
    imported = {r["done"][1] for r in imports if r["code"] == 0}
    if name == "dicom2nifti-real":
        assert imported == {str(DATA / name / volume) for volume in D2N_VOLUMES}
        refused = [r for r in imports if r["code"] == 2 and r["done"][1] not in imported]
        assert all(r["payload"]["error"]["message"] for r in refused)
    else:
        assert imported == {str(folders[0])}
    _check_segmentations([r for r in results if r["done"][0] == "segment"], imports)


def _check_segmentations(results: list[dict[str, Any]], imports: list[dict[str, Any]]) -> None:
    """Every segmentation succeeded, and the options relate as they must on the same volume."""
    assert results
    assert all(r["code"] == 0 for r in results), [(r["done"], r["payload"]) for r in results if r["code"]]
    by_volume: dict[str, dict[str, dict[str, Any]]] = {}
    for r in results:
        volume, mask = r["done"][1], Path(r["done"][-1]).stem.split("-", 1)[1]
        by_volume.setdefault(volume, {})[mask] = r["payload"]
    sizes = {r["payload"]["output"]: r["payload"]["size"] for r in imports if r["code"] == 0}
    for volume, masks in by_volume.items():
        assert len(masks) == 9, volume
        bone, largest, largest2 = masks["bone"], masks["largest"], masks["largest2"]
        for payload in masks.values():
            voxel_mm3 = math.prod(payload["spacing"])
            assert payload["volume_mm3"] == pytest.approx(payload["voxels"] * voxel_mm3, rel=1e-6, abs=1e-3)
        assert largest["components_kept"] == min(1, bone["components"])
        assert largest2["components_kept"] == min(2, bone["components"])
        assert largest["voxels"] <= largest2["voxels"] <= bone["voxels"]
        assert masks["filled"]["voxels"] >= bone["voxels"]
        assert masks["largest6"]["voxels"] <= largest["voxels"]  # 6-connected components are parts of 26-connected
        assert masks["seeded"]["voxels"] == math.prod(sizes[volume])  # every voxel is >= the lowest value
        assert masks["seeded"]["components_kept"] == 1


# --- volume files whose header cannot be right -------------------------------------------------------------------


def _nifti_with(tmp_path: Path, phantom_file: Path, edit: dict[int, bytes]) -> Path:
    """The phantom as an uncompressed NIfTI-1 file with header bytes replaced at the given offsets."""
    source = tmp_path / "source.nii"
    write_volume(read_volume(phantom_file), source)
    data = bytearray(source.read_bytes())
    for offset, value in edit.items():
        data[offset : offset + len(value)] = value
    damaged = tmp_path / "damaged.nii"
    damaged.write_bytes(bytes(data))
    return damaged


NIFTI_DAMAGE = [
    # pixdim[1] (offset 80) 1e-30 with qform and sform codes (252, 254) 0: closing made a ball of 1e30 voxels
    ({80: struct.pack("<f", 1e-30), 252: bytes(4)}, "spacing (1.0000000031710769e-30, 0.5, 1.25) mm is not between"),
    ({80: struct.pack("<f", 1e30), 252: bytes(4)}, "spacing (1.0000000150474662e+30, 0.5, 1.25) mm is not between"),
    ({280: struct.pack("<f", math.nan)}, "direction (nan, 0.0, 0.0, nan, 1.0, 0.0, nan, 0.0, 1.0) is not 9 finite"),
    # datatype (70) complex64 with 64 bits per voxel (72): thresholds cannot order complex numbers
    ({70: struct.pack("<hh", 32, 64)}, "voxels of type complex64 with 3 axes (a volume has one real number per voxel)"),
]


@pytest.mark.parametrize(
    ("edit", "message"), NIFTI_DAMAGE, ids=["tiny-spacing", "huge-spacing", "nan-sform", "complex"]
)
def test_a_volume_file_whose_header_cannot_be_right_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, phantom_file: Path, edit: dict[int, bytes], message: str
) -> None:
    damaged = _nifti_with(tmp_path, phantom_file, edit)
    out = tmp_path / "mask.nrrd"

    code, payload, err = _run(
        capsys, "segment", str(damaged), "--preset", "bone", "--close", "1", "--out", str(out), "--json"
    )

    assert code == 2
    assert payload["error"]["code"] == "volume_file"  # type: ignore[index]
    assert payload["error"]["path"] == str(damaged)  # type: ignore[index]
    assert payload["error"]["message"].startswith(f"cannot use damaged.nii: {message}")  # type: ignore[index]
    assert "Traceback" not in err
    assert not out.exists()
