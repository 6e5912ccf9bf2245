"""The ``dvw measure`` and ``dvw parameters`` command-line contract (CLI.md), run for real on a phantom case.

The case: a plate 0.5 mm above an analytic skull (a sphere of radius 70 mm, 6 mm thick, with a round defect 25 mm
from the plate's axis), written as STL files, and a patient file; the parameters file written by ``dvw measure``
then goes through ``dvw check`` with the bundled sample envelope.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from base.files import sha256_file
from geometry.io import write_mesh
from geometry.plate import PlateDesign, plate_mesh, spherical_plate_values
from validation.parameters import read_parameters
from validation.registry import REGISTRY

ENVELOPE = Path(__file__).resolve().parents[2] / "resources" / "envelopes" / "cranial-plate-pekk.toml"
R = 70.0
AXIS = (-0.6, 0.2, 0.75)
PLATE = PlateDesign((0.0, 0.0, 0.0), (R, R, R), AXIS, 35.0, 0.5, 4.0, rings=24, sectors=72)
SKULL = PlateDesign((0.0, 0.0, 0.0), (R, R, R), AXIS, 60.0, -6.0, 6.0, rings=40, sectors=180, hole_radius_mm=25.0)
PATIENT = {"birth_date": "1980-05-02", "reference_date": "2026-05-01", "weight_kg": 70.5}
VALUE_KEYS = {"name", "value", "unit", "method", "inputs_sha256"}
#: What a value measured at a place adds: where (LPS mm) and how far off it may be.
PLACED_KEYS = {"location", "uncertainty"}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if captured.out.strip() else {}
    return code, payload, captured.err


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The case's input files."""
    folder = tmp_path_factory.mktemp("measure")
    files = {"design": folder / "plate.stl", "anatomy": folder / "skull.stl", "patient": folder / "patient.json"}
    write_mesh(plate_mesh(PLATE), files["design"])
    write_mesh(plate_mesh(SKULL), files["anatomy"])
    files["patient"].write_text(json.dumps(PATIENT), encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def measured(case: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], Path]:
    """``dvw measure --json`` run once on the case: exit code, printed JSON, parameters file."""
    out = tmp_path_factory.mktemp("params") / "params.json"
    argv = ["measure", "--design", str(case["design"]), "--anatomy", str(case["anatomy"])]
    argv += ["--patient", str(case["patient"]), "--family", "cranial_plate", "--out", str(out), "--json"]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(argv)
    return code, json.loads(stdout.getvalue()), out


def test_parameters_json_lists_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    code, payload, _ = _run(capsys, "parameters", "--json")
    assert code == 0
    listed = payload["parameters"]
    assert [item["name"] for item in listed] == [m.name for m in REGISTRY]
    for item, measurement in zip(listed, REGISTRY, strict=True):
        assert item["unit"] == measurement.unit
        assert item["title"] == measurement.title
        assert item["description"] == measurement.description
        assert item["inputs"] == list(measurement.inputs)
        assert item["families"] == list(measurement.families)
    by_name = {item["name"]: item for item in listed}
    assert by_name["anatomy.defect_span"]["families"] == ["cranial_plate"]
    assert by_name["anatomy.bone_thickness_min"]["inputs"] == ["mask", "anatomy", "design"]


def test_parameters_without_json_lists_every_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, payload, err = _run(capsys, "parameters")
    assert code == 0
    assert payload == {}  # nothing on stdout
    lines = err.splitlines()
    assert len(lines) == len(REGISTRY)
    for line, measurement in zip(lines, REGISTRY, strict=True):
        assert line.startswith(measurement.name)
        assert measurement.unit in line


def test_measure_writes_the_parameters_file(measured: tuple[int, dict[str, Any], Path], case: dict[str, Path]) -> None:
    code, payload, out = measured
    assert code == 0
    assert payload["output"] == str(out)
    assert payload["sha256"] == sha256_file(out)
    assert len(payload["manifest_id"]) == 64
    written = json.loads(out.read_text(encoding="utf-8"))
    assert set(written) == {"parameters", "manifest_id"}
    assert written["manifest_id"] == payload["manifest_id"]
    assert written["parameters"] == payload["parameters"]
    # Every measurement that a design, an anatomy and a patient allow for a cranial plate; nothing else.
    given = {"design", "anatomy", "patient"}
    expected = sorted(
        m.name for m in REGISTRY if set(m.inputs) <= given and (not m.families or "cranial_plate" in m.families)
    )
    assert [p["name"] for p in written["parameters"]] == expected
    hashes = {name: sha256_file(path) for name, path in case.items()}
    for item in written["parameters"]:
        # All measurable here: no reason key; the fit, wall and anatomy values say where and how sure.
        placed = item["name"].startswith(("fit.", "anatomy.")) or item["name"] == "design.min_wall_thickness"
        assert set(item) == (VALUE_KEYS | PLACED_KEYS if placed else VALUE_KEYS), item["name"]
        if placed:
            assert len(item["location"]) == 3, item["name"]
            # mm: below two voxels of this 1 mm-scale case; mm^2: a few percent of the area
            bound = 2.0 if item["unit"] == "mm" else 0.05 * item["value"]
            assert 0.0 <= item["uncertainty"] < bound, item["name"]
        measurement = next(m for m in REGISTRY if m.name == item["name"])
        assert item["unit"] == measurement.unit
        assert item["method"]
        assert item["inputs_sha256"] == [hashes[name] for name in measurement.inputs], item["name"]
    values = {p["name"]: p["value"] for p in written["parameters"]}
    # A few values against the analytic case (coarse meshes here; test_measure checks the tolerances finely).
    assert values["design.min_wall_thickness"] == pytest.approx(4.0, abs=0.01)
    assert values["design.volume"] == pytest.approx(spherical_plate_values(PLATE).volume_mm3, rel=0.005)
    assert values["fit.max_gap"] == pytest.approx(0.5, abs=0.1)
    assert values["fit.max_penetration"] == 0.0
    assert values["anatomy.defect_span"] == pytest.approx(50.0, abs=2.0)
    assert values["patient.age"] == 45.0  # the day before the 46th birthday
    assert values["patient.weight"] == 70.5
    assert read_parameters(out).sha256  # and it reads back as a parameters file
    assert math.isfinite(values["fit.contact_area"])


def test_check_runs_on_the_measured_file(
    capsys: pytest.CaptureFixture[str], measured: tuple[int, dict[str, Any], Path]
) -> None:
    _, _, out = measured
    code, payload, _ = _run(capsys, "check", "--envelope", str(ENVELOPE), "--parameters", str(out), "--json")
    # No volume and no mask were measured: the required imaging values and bone thickness are missing.
    assert code == 4
    assert payload["verdict"] == "indeterminate"
    assert payload["parameters_sha256"] == read_parameters(out).sha256
    status = {r["name"]: r["status"] for r in payload["results"]}
    for name in ("imaging.slice_spacing", "imaging.slice_thickness", "imaging.pixel_spacing"):
        assert status[name] == "missing"
    assert status["anatomy.bone_thickness_min"] == "missing"
    for name in (
        "design.min_wall_thickness",
        "design.watertight",
        "design.shells",
        "design.extent_max",
        "anatomy.defect_span",
        "fit.max_gap",
        "fit.max_penetration",
        "fit.contact_area",
        "patient.age",
        "patient.weight",
    ):
        assert status[name] == "within", name
    constraints = {c["id"]: c["status"] for c in payload["constraints"]}
    assert constraints == {"wall-for-span": "satisfied", "overlap-for-extent": "satisfied"}


def test_measure_refuses_to_overwrite_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: dict[str, Path]
) -> None:
    out = tmp_path / "params.json"
    out.write_text("keep me\n", encoding="utf-8")
    code, _, err = _run(capsys, "measure", "--patient", str(case["patient"]), "--out", str(out))
    assert code == 2
    assert "--force" in err
    assert out.read_text(encoding="utf-8") == "keep me\n"
    code, payload, _ = _run(
        capsys, "measure", "--patient", str(case["patient"]), "--out", str(out), "--force", "--json"
    )
    assert code == 0
    assert [p["name"] for p in json.loads(out.read_text(encoding="utf-8"))["parameters"]] == [
        "patient.age",
        "patient.weight",
    ]
    assert payload["sha256"] == sha256_file(out)


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "not valid JSON"), ("[1, 2]", "must hold a JSON object"), ("\udcff", "cannot read")],
)
def test_bad_patient_file_is_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: dict[str, Path], text: str, message: str
) -> None:
    patient = tmp_path / "patient.json"
    patient.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    out = tmp_path / "params.json"
    code, _, err = _run(
        capsys, "measure", "--design", str(case["design"]), "--patient", str(patient), "--out", str(out)
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("dvw: error:")
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()
    code, payload, _ = _run(capsys, "measure", "--patient", str(patient), "--out", str(out), "--json")
    assert code == 2
    assert payload["error"]["code"] == "bad_measurement_input"
    assert payload["error"]["path"] == str(patient)
    assert not out.exists()


def test_missing_input_file_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "params.json"
    missing = tmp_path / "nowhere.stl"
    code, payload, _ = _run(capsys, "measure", "--design", str(missing), "--out", str(out), "--json")
    assert code == 2
    assert payload["error"]["code"] == "bad_measurement_input"
    assert "no such design file" in payload["error"]["message"]
    assert not out.exists()


def test_no_inputs_at_all_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "params.json"
    code, _, err = _run(capsys, "measure", "--out", str(out))
    assert code == 2
    assert "nothing to measure" in err
    assert not out.exists()
