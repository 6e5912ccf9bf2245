"""``dvw fea``: the result file and JSON of a real analysis, and its one-line refusals (exit 2)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from geometry.io import write_mesh
from geometry.mesh import Mesh
from geometry.sample_design import sample_plate

LOAD_CASES = Path("resources/load_cases/cranial-plate-pekk.toml")


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


@pytest.mark.slow
def test_fea_writes_the_result_and_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    design = tmp_path / "thin.stl"
    write_mesh(sample_plate("thin"), design)
    out, vtu = tmp_path / "result.json", tmp_path / "field.vtu"
    argv = ["fea", str(design), "--load-cases", str(LOAD_CASES), "--out", str(out), "--vtu", str(vtu), "--size", "5"]
    code, payload, _err = _run(argv, capsys)
    assert code == 0
    names = [p["name"] for p in payload["parameters"]]
    assert names == ["mech.max_von_mises", "mech.max_displacement", "mech.min_safety_factor"]
    by_name = {p["name"]: p for p in payload["parameters"]}
    assert by_name["mech.max_von_mises"]["unit"] == "MPa"
    assert by_name["mech.max_von_mises"]["value"] > 0
    assert by_name["mech.min_safety_factor"]["value"] == pytest.approx(
        60.0 / by_name["mech.max_von_mises"]["value"], rel=1e-4
    )
    assert all(p["uncertainty"] >= 0 for p in payload["parameters"])
    assert payload["mesh"]["tetrahedra"] > payload["mesh"]["coarse"]["tetrahedra"]
    assert payload["load_cases"]["id"] == "cranial-plate-pekk"
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["parameters"] == payload["parameters"]
    assert vtu.read_bytes().startswith(b"<?xml") or b"<VTKFile" in vtu.read_bytes()[:200]
    # An existing output is kept unless --force.
    code, payload, _err = _run(argv, capsys)
    assert code == 2
    assert "exists" in payload["error"]["message"]


def test_fea_refuses_an_open_design_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plate = sample_plate("thin")
    design = tmp_path / "open.stl"
    write_mesh(Mesh(plate.vertices, plate.faces[:-40]), design)
    code, payload, err = _run(
        ["fea", str(design), "--load-cases", str(LOAD_CASES), "--out", str(tmp_path / "r.json")], capsys
    )
    assert code == 2
    assert "not a closed" in payload["error"]["message"]
    assert "Traceback" not in err
    assert not (tmp_path / "r.json").exists()


def test_fea_refuses_a_quantity_without_unit_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    design = tmp_path / "thin.stl"
    write_mesh(sample_plate("thin"), design)
    bad = tmp_path / "bad.toml"
    text = LOAD_CASES.read_text(encoding="utf-8").replace('force = "200 N"', "force = 200")
    bad.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if row.startswith("force"))
    code, payload, _err = _run(
        ["fea", str(design), "--load-cases", str(bad), "--out", str(tmp_path / "r.json")], capsys
    )
    assert code == 2
    assert payload["error"]["message"].startswith(f"{bad}:{line}: force = 200 has no unit")
    # Without --json: one line on stderr.
    assert main(["fea", str(design), "--load-cases", str(bad), "--out", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "has no unit" in err


def _press_ctrl_c_once_listening(default: object, timeout_s: float) -> threading.Thread:
    """A started thread that sends SIGINT to this process once its handler is no longer ``default``."""

    def press_ctrl_c() -> None:
        deadline = time.monotonic() + timeout_s
        while signal.getsignal(signal.SIGINT) is default and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    return presser


def test_ctrl_c_cancels_the_analysis_at_its_next_stage_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    design = tmp_path / "thin.stl"
    write_mesh(sample_plate("thin"), design)
    out = tmp_path / "result.json"
    default = signal.getsignal(signal.SIGINT)
    # Once the command listens for Ctrl+C (the analysis starts right after), press it: Netgen is meshing then.
    presser = _press_ctrl_c_once_listening(default, timeout_s=120)
    code, payload, err = _run(
        ["fea", str(design), "--load-cases", str(LOAD_CASES), "--out", str(out), "--size", "5"], capsys
    )
    presser.join()
    assert code == 2
    assert payload["error"]["message"] == "cancelled; nothing was written"
    assert "cancelling at the end of this stage" in err
    assert not out.exists()
    assert signal.getsignal(signal.SIGINT) is default  # Ctrl+C is the interpreter's again


def test_ctrl_c_while_the_demo_measures_cancels_it_and_keeps_the_finished_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo's first design is measured with its analysis (Netgen meshing, where a KeyboardInterrupt is lost):
    # Ctrl+C stops it at the next stage, no parameters or check are written for it, the anatomy stays complete.
    monkeypatch.delenv("DVW_HOME", raising=False)
    out = tmp_path / "demo"
    default = signal.getsignal(signal.SIGINT)
    presser = _press_ctrl_c_once_listening(default, timeout_s=300)
    code, payload, err = _run(["demo", "--out", str(out)], capsys)
    presser.join()
    assert code == 2
    assert payload["error"]["code"] == "cancelled"
    message = payload["error"]["message"]
    assert message.startswith("cancelled while measuring sample-plate-fitted.stl: nothing was written")
    assert "cancelling at the end of this stage" in err
    assert not list(out.rglob("*.params.json"))
    assert not list(out.rglob("*.check.json"))
    assert (out / "bone.stl").is_file()
    assert signal.getsignal(signal.SIGINT) is default
