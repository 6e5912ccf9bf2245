"""The ``dvw scan`` / ``dvw import`` / ``dvw manifest`` command-line contract (CLI.md), run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from imaging import synthetic as syn
from imaging.volume import read_volume

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _folder(name: str) -> Path:
    folder = DATA / name
    if not folder.is_dir():
        pytest.skip(f"real DICOM fixture {folder} is absent (it lives in ../shared/data beside the repo)")
    return folder


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if captured.out.strip() else {}
    return code, payload, captured.err


def test_scan_json_lists_the_series_and_skipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, payload, _ = _run(capsys, "scan", str(_folder("skull-phantom-tilted")), "--json")
    assert code == 0
    assert payload["files_scanned"] == 56
    (series,) = payload["series"]  # type: ignore[misc]
    assert series["kind"] == "volume"
    assert series["usable"] is True
    assert series["slices"] == 54
    assert series["tilt_deg"] == pytest.approx(18.5, abs=0.05)
    assert "gantry_tilt" in {f["code"] for f in series["findings"]}
    assert {Path(s["path"]).name for s in payload["skipped"]} == {"DIRFILE", "LICENSE"}  # type: ignore[union-attr]


def test_import_json_names_inputs_and_geometry(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "ct.nrrd"
    code, payload, _ = _run(capsys, "import", str(_folder("ct-3slice")), "--out", str(out), "--json")
    assert code == 0
    assert payload["size"] == [512, 512, 3]
    assert payload["origin"] == pytest.approx([-235.199997, -226.800003, -128.690002], abs=1e-4)
    assert payload["direction"] == [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    assert payload["resampled"] is False
    assert len(str(payload["input_sha256"])) == 64
    assert len(str(payload["manifest_id"])) == 64
    assert read_volume(out).size == (512, 512, 3)


def test_import_refuses_to_overwrite_without_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "ct.nrrd"
    out.write_bytes(b"precious")
    code, payload, err = _run(capsys, "import", str(_folder("ct-3slice")), "--out", str(out), "--json")
    assert code == 2
    assert payload["error"]["code"] == "output_exists"  # type: ignore[index]
    assert out.read_bytes() == b"precious"
    assert "Traceback" not in err
    code, _, _ = _run(capsys, "import", str(_folder("ct-3slice")), "--out", str(out), "--force", "--json")
    assert code == 0
    assert out.read_bytes() != b"precious"


def test_strict_import_of_tilted_series_is_refused_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "tilted.nii.gz"
    code, payload, err = _run(
        capsys, "import", str(_folder("skull-phantom-tilted")), "--strict", "--out", str(out), "--json"
    )
    assert code == 2
    assert payload["error"]["code"] == "geometry_refused"  # type: ignore[index]
    assert "gantry_tilt" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "code_name"),
    [
        (["import", "/no/such/folder", "--out", "x.nrrd"], "not_a_folder"),
        (["scan", "/no/such/folder"], "not_a_folder"),
        (["import", ".", "--out", "volume.txt"], "volume_file"),
        (["import", "--out", "x.nrrd"], "usage"),
        (["frobnicate"], "usage"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], code_name: str) -> None:
    code, payload, err = _run(capsys, *argv, "--json")
    assert code == 2
    assert payload["error"]["code"] == code_name  # type: ignore[index]
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_folder_without_dicom_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an image")
    code, payload, _ = _run(capsys, "import", str(tmp_path), "--out", str(tmp_path / "v.nrrd"), "--json")
    assert code == 2
    assert payload["error"]["code"] == "no_series"  # type: ignore[index]


def test_manifest_is_stable_and_lists_libraries(capsys: pytest.CaptureFixture[str]) -> None:
    code, first, _ = _run(capsys, "manifest", "--json")
    assert code == 0
    assert len(str(first["manifest_id"])) == 64
    assert "imaging/assemble.py" in first["files"]  # type: ignore[operator]
    assert "pydicom" in first["libraries"]  # type: ignore[operator]
    _, second, _ = _run(capsys, "manifest", "--json")
    assert second["manifest_id"] == first["manifest_id"]


def test_entry_point_runs_as_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "DVW_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "scan", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "series": [],
        "skipped": [],
        "files_scanned": 0,
        "seconds": pytest.approx(0, abs=5),
    }


def test_deidentify_exports_without_identity_and_keeps_geometry(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = _folder("ct-3slice")
    home, out = tmp_path / "home", tmp_path / "export"
    code, payload, _ = _run(
        capsys, "--home", str(home), "deidentify", str(source), "--out", str(out), "--pseudonym", "CASE-7", "--json"
    )
    assert code == 0
    assert len(payload["files"]) == 3  # type: ignore[arg-type]
    assert (home / "site-uid-secret").stat().st_mode & 0o777 == 0o600
    code, scan, _ = _run(capsys, "scan", str(out), "--json")
    (series,) = scan["series"]  # type: ignore[misc]
    assert series["usable"] is True
    assert series["spacing"] == pytest.approx([0.810547, 0.810547, 1.0], abs=1e-6)
    # The same site secret maps the same study to the same new UIDs on a second export.
    code, again, _ = _run(
        capsys, "--home", str(home), "deidentify", str(source), "--out", str(tmp_path / "e2"), "--json"
    )
    assert {f["series_uid"] for f in again["files"]} == {f["series_uid"] for f in payload["files"]}  # type: ignore[union-attr]


# --- bad headers: one unreadable file is skipped; values that cannot be right refuse their series ---------------------


def _write_series(folder: Path, slices: int = 4) -> list[Path]:
    """A small CT series (16 x 16 pixels of 0.75 mm, 2.5 mm slices, explicit VR little endian)."""
    hu = np.full((slices, 16, 16), -1000, dtype=np.int16)
    hu[:, 4:12, 4:12] = 1000
    return syn.write_ct_series(folder, hu, placement=syn.regular_stack(slices, 2.5), pixel_spacing_xy=(0.75, 0.75))


def test_a_vr_flip_in_one_of_30_files_skips_that_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Issue 11: ImageType with the unknown VR 'XX' made scan and import exit 1 (pydicom's NotImplementedError)."""
    folder = tmp_path / "series"
    paths = _write_series(folder, slices=30)
    syn.spoil_element(paths[-1], "ImageType", vr="XX")
    reason = "unreadable DICOM header: ImageType has VR 'XX' where the standard has CS"

    code, scan, _ = _run(capsys, "scan", str(folder), "--json")

    assert code == 0
    assert scan["skipped"] == [{"path": str(paths[-1]), "reason": reason}]
    (series,) = scan["series"]  # type: ignore[misc]
    assert (series["usable"], series["slices"], series["findings"]) == (True, 29, [])
    code, imported, _ = _run(capsys, "import", str(folder), "--out", str(tmp_path / "v.nrrd"), "--json")
    assert code == 0
    assert imported["size"] == [16, 16, 29]
    # The same flip in a middle slice leaves a gap: refused unless --allow-gaps, which interpolates it.
    syn.spoil_element(paths[10], "ImageType", vr="XX")
    out = tmp_path / "gap.nrrd"
    code, refused, err = _run(capsys, "import", str(folder), "--out", str(out), "--json")
    assert code == 2
    assert refused["error"]["code"] == "missing_slices"  # type: ignore[index]
    assert "1 slice(s) missing" in err
    assert not out.exists()
    code, interpolated, _ = _run(capsys, "import", str(folder), "--allow-gaps", "--out", str(out), "--json")
    assert code == 0
    assert interpolated["size"] == [16, 16, 29]
    assert interpolated["instances"] == 28


DESCRIPTION = "Rows x Columns x SamplesPerPixel x NumberOfFrames x BitsAllocated"
INVALID = [
    ("RescaleIntercept", b"inf ", "RescaleIntercept 'inf' is not finite"),
    ("RescaleSlope", b"NaN ", "RescaleSlope 'NaN' is not finite"),
    ("RescaleSlope", b"one ", "RescaleSlope 'one' is not a number"),
    ("RescaleSlope", b"1e308 ", "RescaleSlope 1e+308 is not a non-zero number within +-1e+06"),
    ("Rows", b"\x01\x00", f"PixelData holds 512 bytes where {DESCRIPTION} describe 32"),
    ("PixelSpacing", b"1e-300\\1e-300 ", "PixelSpacing '1e-300\\\\1e-300' is not between 0.0001 and 1000 mm"),
    ("PixelSpacing", b"0\\0 ", "PixelSpacing '0.0\\\\0.0' is not between 0.0001 and 1000 mm"),
    ("ImagePositionPatient", b"0\\0\\nan", "ImagePositionPatient '0\\\\0\\\\nan' is not 3 finite numbers"),
    (
        "ImageOrientationPatient",
        b"1\\0\\0\\1\\0\\0 ",
        "ImageOrientationPatient '1.0\\\\0.0\\\\0.0\\\\1.0\\\\0.0\\\\0.0' is not two orthogonal unit vectors",
    ),
]


@pytest.mark.parametrize(("keyword", "value", "defect"), INVALID, ids=[f"{k}={v!r}" for k, v, _ in INVALID])
def test_a_value_that_cannot_be_right_refuses_the_series_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, keyword: str, value: bytes, defect: str
) -> None:
    """Issues 12 and 16: such values were read as absent (+1024 HU), clamped, reshaped, or crashed (exit 1)."""
    folder = tmp_path / "series"
    paths = _write_series(folder)
    for path in paths:
        syn.spoil_element(path, keyword, value)
    out = tmp_path / "v.nrrd"

    code, scan, _ = _run(capsys, "scan", str(folder), "--json")
    (series,) = scan["series"]  # type: ignore[misc]
    code, payload, err = _run(capsys, "import", str(folder), "--out", str(out), "--json")
    _, chosen, _ = _run(capsys, "import", str(folder), "--series", series["series_uid"], "--out", str(out), "--json")

    assert series["usable"] is False
    (finding,) = [f for f in series["findings"] if f["code"] == "invalid_header"]
    assert finding["severity"] == "error"
    assert finding["message"].startswith(f"4 of 4 file(s) with invalid header values: {paths[0].name}: {defect}")
    assert code == 2
    assert set(payload["error"]) == {"code", "message", "path"}  # type: ignore[arg-type]
    assert payload["error"]["code"] == "no_series"  # type: ignore[index]
    assert payload["error"]["path"] == str(folder)  # type: ignore[index]
    assert f"{paths[0].name}: {defect}" in payload["error"]["message"]  # type: ignore[index]
    assert err.strip().splitlines() == [f"dvw: error: {payload['error']['message']}"]  # type: ignore[index]
    assert chosen["error"]["code"] == "unusable_series"  # type: ignore[index]
    assert f"{paths[0].name}: {defect}" in chosen["error"]["message"]  # type: ignore[index]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["series"]  # nothing written, not even a temporary file
