"""The ``dvw scan`` / ``dvw import`` / ``dvw manifest`` command-line contract (CLI.md), run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
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
