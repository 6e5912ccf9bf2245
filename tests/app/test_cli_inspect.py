"""``dvw inspect`` (CLI.md "Production and inspection") end to end on a real store: a signed cranial-plate case with
its design and an analytic skull (a bone ring around the defect) as its anatomy, a UDI, the device's trace up to
``manufactured``; synthetic scans of the printed plate in a random pose written as files. A quality user's passing
inspection opens the ``inspected`` and ``released`` steps; a failing one makes the device nonconforming: it is
never released. Every refusal is one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from people import People, password_of
from test_cli_sign import _record_check, _run

from base.files import sha256_file
from geometry.io import write_mesh
from geometry.plate import PlateDesign, plate_mesh
from geometry.registration import RigidTransform
from geometry.sample_design import sample_plate, sample_plate_design
from geometry.synthetic_scan import Bump, random_rotation, synthetic_scan
from imaging.sample_case import SAMPLE_CASE
from records.store import Store

CODE = "CP-2026-301"
TRACE = ("--where", "ACME plant 2", "--why", "work order WO-9")


@pytest.fixture
def cli(people_home: tuple[Path, People], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """``cli(*argv, user=None)``: ``dvw --home <set-up home> *argv`` (with ``user``: ``--user USER --password-stdin``
    and the password on stdin) -> (exit code, JSON, stderr)."""
    home = people_home[0]
    monkeypatch.delenv("DVW_USER", raising=False)

    def run(*argv: str, user: str | None = None) -> tuple[int, dict[str, Any], str]:
        stdin = ""
        if user is not None:
            argv, stdin = (*argv, "--user", user, "--password-stdin"), password_of(user) + "\n"
        return _run(capsys, monkeypatch, "--home", str(home), *argv, stdin=stdin)

    run.home = home  # type: ignore[attr-defined]
    run.people = people_home[1]  # type: ignore[attr-defined]
    return run


def _skull_ring() -> Any:
    """Bone around the sample defect: the sample skull's outer surface, 6 mm thick, with the 25 mm defect open."""
    case = SAMPLE_CASE
    ring = PlateDesign(
        case.head_centre, case.skull_semi_axes_mm, case.defect_axis, 60.0, -6.0, 6.0, hole_radius_mm=25.0
    )
    return plate_mesh(ring)


@pytest.fixture
def manufactured(cli: Any, tmp_path: Path) -> Any:
    """Case CODE: design and anatomy, checked, signed by the clinician, its UDI, design_approved and manufactured."""
    assert cli("case", "new", CODE, user="eng1")[0] == 0
    design = write_mesh(sample_plate("fitted"), tmp_path / "plate.stl")
    anatomy = write_mesh(_skull_ring(), tmp_path / "skull.stl")
    with Store.open(cli.home) as store:
        inputs = {
            name: store.put_artifact(file.path, "mesh") for name, file in (("design", design), ("anatomy", anatomy))
        }
        store.append("inputs_added", case_code=CODE, payload=inputs, by=cli.people.engineer)
    _record_check(cli.home, 4.0, cli.people.engineer, CODE)
    assert cli("sign", CODE, "--meaning", "clinical design confirmation", user="clin1")[0] == 0
    assert cli("udi", "assign", CODE, user="qa1")[0] == 0
    assert cli("trace", "add", CODE, "--step", "design_approved", *TRACE, user="eng1")[0] == 0
    assert cli("trace", "add", CODE, "--step", "manufactured", *TRACE, user="eng1")[0] == 0
    return cli


def _scan_file(path: Path, *, bump: bool, seed: int) -> Path:
    """A 100 k-point scan of the printed plate (noise 0.02 mm) in a flipped random pose, as XYZ text."""
    plate = sample_plate("fitted")
    design = sample_plate_design("fitted")
    axis = np.asarray(design.axis) / np.linalg.norm(design.axis)
    top = plate.vertices[np.argmax((plate.vertices - np.asarray(design.centre)) @ axis)]
    rng = np.random.default_rng(seed)
    motion = RigidTransform(random_rotation(rng, flip=True), rng.uniform(-150, 150, size=3))
    raised = Bump(tuple(top), tuple(axis), height_mm=0.8, radius_mm=5.0) if bump else None
    scan = synthetic_scan(plate, points=100_000, bump=raised, motion=motion, seed=seed)
    np.savetxt(path, scan.points, fmt="%.5f")
    return path


def _refused(result: tuple[int, dict[str, Any], str], code: str) -> str:
    status, out, err = result
    assert status == 2, err
    assert out["error"]["code"] == code
    assert err.strip().count("\n") == 0
    return err


def test_inspection_gates_the_inspected_and_released_steps(manufactured: Any, tmp_path: Path) -> None:
    cli = manufactured
    good = _scan_file(tmp_path / "scan-good.xyz", bump=False, seed=11)
    bad = _scan_file(tmp_path / "scan-bumped.xyz", bump=True, seed=12)

    # Refusals before any inspection: one line each, exit 2, nothing recorded but the trace so far.
    err = _refused(cli("trace", "add", CODE, "--step", "inspected", *TRACE, "--json", user="eng1"), "not_inspected")
    assert "has no passing inspection" in err
    err = _refused(cli("inspect", CODE, "--scan", str(good), "--json", user="eng1"), "role_not_permitted")
    assert "role quality" in err
    notes = tmp_path / "notes.xyz"
    notes.write_text("delivery note 4411: one plate\n")
    _refused(cli("inspect", CODE, "--scan", str(notes), "--json", user="qa1"), "mesh_file")
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    err = _refused(cli("inspect", CODE, "--scan", str(pdf), "--json", user="qa1"), "mesh_file")
    assert "mesh or point cloud" in err
    _refused(cli("inspect", CODE, "--scan", str(tmp_path / "missing.ply"), "--json", user="qa1"), "usage")

    status, passed, err = cli("inspect", CODE, "--scan", str(good), "--json", user="qa1")
    assert status == 0, err
    assert passed["result"] == "pass"
    assert passed["passed"] is True
    assert passed["scan_sha256"] == sha256_file(good)
    assert passed["scan_points"] == 100_000
    assert passed["scan_kind"] == "cloud"
    assert passed["inspector"]["printed_name"] == "Quinn Quality"
    assert passed["inspector"]["role"] == "quality"
    assert passed["registration"]["rms_mm"] < 0.03
    regions = {region["name"]: region for region in passed["regions"]}
    assert list(regions) == ["whole", "bearing", "rest"]
    assert regions["bearing"]["points"] + regions["rest"]["points"] == 100_000
    # The bearing surface: the plate's inner face over the bone ring (10 mm of overlap all round the defect).
    assert 0.05 < regions["bearing"]["points"] / 100_000 < 0.35
    for region in regions.values():
        assert region["passed"] is True
        assert abs(region["max_mm"]) < 0.05
        assert region["within_share"] == 1.0
        assert region["tolerance_mm"] == 0.3  # the sample family's [inspection]
    with Store.open(cli.home) as store:
        report = json.loads(store.artifact_path(passed["report_sha256"]).read_text(encoding="utf-8"))
        assert store.artifact_path(passed["scan_sha256"]).read_bytes() == good.read_bytes()
    assert report["regions"] == passed["regions"]
    assert report["result"] == "pass"
    assert sum(report["deviation_histogram"]["counts"]) == 100_000

    assert cli("trace", "add", CODE, "--step", "inspected", *TRACE, user="qa1")[0] == 0

    # A re-inspection (after post-processing) that finds a 0.8 mm bump fails: recorded, exit 3, nonconforming.
    status, failed, err = cli("inspect", CODE, "--scan", str(bad), "--json", user="qa1")
    assert status == 3, err
    assert failed["result"] == "fail"
    whole = failed["regions"][0]
    assert abs(whole["max_mm"] - 0.8) < 0.03
    assert whole["passed"] is False
    assert failed["registration"]["rms_mm"] < 0.03
    err = _refused(cli("trace", "add", CODE, "--step", "released", *TRACE, "--json", user="qa1"), "nonconforming")
    assert "never released by concession" in err
    _refused(cli("inspect", CODE, "--scan", str(good), "--json", user="qa1"), "nonconforming")

    status, shown, _ = cli("trace", "show", CODE, "--json")
    assert [e["step"] for e in shown["events"]] == ["design_approved", "manufactured", "inspected"]
    status, audit, _ = cli("audit", "verify", "--json")
    assert audit["ok"] is True, audit["problems"]


def test_a_passing_device_is_released(manufactured: Any, tmp_path: Path) -> None:
    cli = manufactured
    err = _refused(cli("trace", "add", CODE, "--step", "released", *TRACE, "--json", user="qa1"), "not_inspected")
    assert "released is refused until one is recorded" in err
    scan = _scan_file(tmp_path / "scan.xyz", bump=False, seed=21)
    status, out, err = cli("inspect", CODE, "--scan", str(scan), user="qa1")
    assert status == 0
    assert out == {}  # without --json: a human summary on stderr only
    assert "inspection PASS" in err
    assert "bearing" in err
    for step in ("inspected", "released"):
        assert cli("trace", "add", CODE, "--step", step, *TRACE, user="qa1")[0] == 0
