"""House rule: every CLI step on every real series in ../shared/data, not only on synthetic data.

``tests/app/test_cli_segment.py`` runs ``scan``/``import``/``segment`` (every option) on every series; this module runs
the steps after them, in a child process per fixture (so that a crash shows as exit 139 and names the command it was
in, instead of taking pytest down; the four start together), on every series that imports (skull-phantom,
skull-phantom-tilted, ct-3slice and every dicom2nifti-real volume):

- ``dvw mesh MASK --out bone.stl --json`` of its segmentation (on CT the bone preset; on MR, where a whole head of
  these 4-slice volumes is a mesh of half a million triangles, the largest region of at least 50 voxels above 90 %
  of the value range, or 80, 70, 50 %), once with ``--smooth`` and ``--reduce`` (on ct-3slice);
- ``dvw mesh-info bone.stl --json``, which must report what ``dvw mesh`` reported of the file it wrote (watertight,
  manifold, triangles, vertices, shells, volume, area, bounds);
- ``dvw measure --volume V --mask M --anatomy bone.stl --design PLATE --out P.json --json`` with the bundled sample's
  fitted plate (``geometry.sample_design``);
- ``dvw check --envelope resources/envelopes/cranial-plate-pekk.toml --parameters P.json --json``: exit 0, 3 or 4
  with the matching verdict, never 1.

The series that do not import (4D, one slice, RGB) are refused by ``dvw import`` with a reason; each later step given
one of their DICOM files as its input (mask, mesh, volume, parameters) refuses it too: exit 2, one line on stderr,
a JSON error object, nothing written. No command may exit 1 (an internal error) on any of them.

The skull phantoms are meshed at full resolution (about 0.7 and 0.9 million triangles): ``--reduce`` does not help
there, it makes ``dvw mesh`` slower (``--reduce 0.05`` on skull-phantom: 45 s and 598,714 of 679,372 triangles kept),
because every strong reduction of their thin sheets of bone opens the surface and ``geometry.mesh.reduce`` then keeps
about 90 % of the triangles.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_cli_segment import D2N_VOLUMES, DATA, REPO, _real_folders

from app.cli import main
from geometry.io import write_mesh
from geometry.sample_design import sample_plate

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

ENVELOPE = REPO / "resources" / "envelopes" / "cranial-plate-pekk.toml"
FIXTURES = ["ct-3slice", "skull-phantom", "skull-phantom-tilted", "dicom2nifti-real"]
#: The keys of ``dvw mesh`` that ``dvw mesh-info`` of the written file must report alike.
SAME_IN_MESH_INFO = ("watertight", "manifold", "triangles", "vertices", "shells", "volume_mm3", "area_mm2", "bounds")
MESH_KEYS = {"output", "sha256", "vertices", "triangles", "volume_mm3", "area_mm2", "watertight", "manifold", "bounds"}
MESH_KEYS |= {"surface_deviation_mm", "input_sha256", "manifest_id"}
VERDICTS = {0: "within", 3: "out_of_envelope", 4: "indeterminate"}

#: Runs, through ``app.cli.main`` (in this child process), ``dvw import`` of each folder and then the later steps on
#: what imported, or each step on a DICOM file of what did not; prints one JSON line before (``start``) and after
#: (``done``: exit code, printed JSON, stderr) each command.
_DRIVER = r"""
import contextlib, io, json, sys
from pathlib import Path
from app.cli import main

MIN_VOXELS = 50

def dvw(*argv):
    argv = [str(arg) for arg in argv]
    print(json.dumps({"start": argv}), flush=True)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv + ["--json"])
    payload = json.loads(out.getvalue())
    print(json.dumps({"done": argv, "code": code, "payload": payload, "stderr": err.getvalue()}), flush=True)
    return code, payload

work, envelope, design, ct, options_once = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "ct", sys.argv[5]
for number, folder in enumerate(sys.argv[6:]):
    volume = work / f"volume{number}.nrrd"
    code, imported = dvw("import", folder, "--out", volume)
    if code == 2 and imported["error"]["code"] == "ambiguous_series":
        code, imported = dvw("import", folder, "--series", imported["series"][0]["series_uid"], "--out", volume)
    if code != 0:
        dicom = sorted(path for path in Path(folder).iterdir() if path.is_file() and path.suffix == ".dcm")[0]
        dvw("mesh", dicom, "--out", work / f"refused{number}.stl")
        dvw("mesh-info", dicom)
        dvw("measure", "--volume", dicom, "--mask", dicom, "--out", work / f"refused{number}.json")
        dvw("check", "--envelope", envelope, "--parameters", dicom)
        continue
    mask, bone, params = work / f"mask{number}.nrrd", work / f"bone{number}.stl", work / f"params{number}.json"
    if ct:
        methods = [["--preset", "bone"]]
    else:  # the largest bright region: MIN_VOXELS or more, at the highest of these fractions of the value range
        low, high = imported["hu_range"]
        methods = [["--threshold", str(low + fraction * (high - low))] for fraction in (0.9, 0.8, 0.7, 0.5)]
    for method in methods:
        code, segmented = dvw("segment", volume, *method, "--keep-largest", "1", "--out", mask, "--force")
        if code != 0 or segmented["voxels"] >= MIN_VOXELS:
            break
    if code != 0:
        continue
    if dvw("mesh", mask, "--out", bone)[0] != 0:
        continue
    dvw("mesh-info", bone)
    if options_once == "yes" and number == 0:
        options = work / f"bone{number}-options.stl"
        if dvw("mesh", mask, "--out", options, "--smooth", "10", "--reduce", "0.3")[0] == 0:
            dvw("mesh-info", options)
    dvw("measure", "--volume", volume, "--mask", mask, "--anatomy", bone, "--design", design, "--out", params)
    dvw("check", "--envelope", envelope, "--parameters", params)
"""


@pytest.fixture(scope="module")
def design(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample's fitted cranial plate (an STL in the sample CT's frame): the design every series gets."""
    return write_mesh(sample_plate("fitted"), tmp_path_factory.mktemp("design") / "plate.stl").path


@dataclass
class Driver:
    """The child process running ``_DRIVER`` on one fixture's folders; its output goes to files."""

    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def wait(self) -> tuple[int, list[dict[str, Any]], str]:
        """Its exit code, the JSON lines it printed and its stderr, once it ended."""
        code = self.process.wait(timeout=900)
        lines = self.stdout.read_text(encoding="utf-8").splitlines()
        return code, [json.loads(line) for line in lines], self.stderr.read_text(encoding="utf-8", errors="replace")


def _start_driver(work: Path, design: Path, name: str, folders: list[Path]) -> Driver:
    kind = "mr" if name == "dicom2nifti-real" else "ct"
    options_once = "yes" if name == "ct-3slice" else "no"
    env = {**os.environ, "DVW_HOME": str(work / "home")}
    argv = [sys.executable, "-c", _DRIVER, str(work), str(ENVELOPE), str(design), kind, options_once]
    stdout, stderr = work / "driver.stdout", work / "driver.stderr"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen([*argv, *map(str, folders)], cwd=REPO, env=env, stdout=out, stderr=err)
    return Driver(process, stdout, stderr)


@pytest.fixture(scope="module")
def drivers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, design: Path
) -> Iterator[dict[str, Driver]]:
    """The drivers of the fixtures selected in this session (and present), all started at once: the two cores then
    mesh the two skull phantoms side by side. Those not finished when the module ends are killed."""
    selected = {
        item.callspec.params["name"]
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_mesh_measure_and_check_on_every_real_series_in_a_child_process"
        and hasattr(item, "callspec")
    }
    started: dict[str, Driver] = {}
    for name in sorted(selected, key=FIXTURES.index):
        if (DATA / name).is_dir():
            started[name] = _start_driver(tmp_path_factory.mktemp(name), design, name, _real_folders(name))
    yield started
    for driver in started.values():
        if driver.process.poll() is None:
            driver.process.kill()
            driver.process.wait()


def _by_command(results: list[dict[str, Any]], command: str) -> list[dict[str, Any]]:
    return [r for r in results if r["done"][0] == command]


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def _check_refusals(results: list[dict[str, Any]], refused: set[str]) -> Iterator[str]:
    """Every later step given a DICOM file of a series that does not import refuses it: exit 2, one line, JSON error,
    nothing written. Yields what each refused (for the failure message and ``-s``)."""
    steps = [r for r in results if _dicom_input(r)]
    for series in sorted(refused):
        mine = [r for r in steps if any(Path(arg).parent == Path(series) for arg in r["done"])]
        assert sorted(r["done"][0] for r in mine) == ["check", "measure", "mesh", "mesh-info"], (series, mine)
        for r in mine:
            command = r["done"][0]
            assert r["code"] == 2, (command, series, r["code"], r["stderr"])
            lines = r["stderr"].strip().splitlines()
            assert len(lines) == 1, (command, series, r["stderr"])
            assert "Traceback" not in r["stderr"]
            error = r["payload"]["error"]
            assert error["code"], (command, series, error)
            assert error["message"], (command, series, error)
            if "--out" in r["done"]:
                assert not Path(_option(r["done"], "--out")).exists(), (command, series, "wrote its output")
            yield f"{command} {Path(series).name}: {error['code']}: {error['message'][:100]}"


def _dicom_input(result: dict[str, Any]) -> bool:
    return result["done"][0] != "import" and any(arg.endswith(".dcm") for arg in result["done"])


@pytest.mark.parametrize("name", FIXTURES)
def test_mesh_measure_and_check_on_every_real_series_in_a_child_process(drivers: dict[str, Driver], name: str) -> None:
    folders = _real_folders(name)
    returncode, lines, stderr = drivers[name].wait()
    last = lines[-1] if lines else {}
    assert returncode == 0, f"exit {returncode} (139 = crash) in {last.get('start')}: {stderr[-1500:]}"
    results = [line for line in lines if "done" in line]
    internal = [(r["done"], r["payload"]) for r in results if r["code"] not in (0, 2, 3, 4)]
    assert not internal, internal  # exit 1 is a bug, whatever the input

    imports = _by_command(results, "import")
    imported = {r["done"][1] for r in imports if r["code"] == 0}
    expected = (
        {str(DATA / name / volume) for volume in D2N_VOLUMES} if name == "dicom2nifti-real" else {str(folders[0])}
    )
    assert imported == expected
    refused = {str(folder) for folder in folders} - imported
    assert all(r["payload"]["error"]["message"] for r in imports if r["code"] != 0 and r["done"][1] in refused)

    inputs = {r["payload"]["output"]: r["done"][1] for r in imports if r["code"] == 0}
    segments = _by_command(results, "segment")
    assert {inputs[r["done"][1]] for r in segments} == imported
    assert all(r["code"] == 0 for r in segments), [(r["done"], r["payload"]) for r in segments if r["code"]]

    meshes = {_option(r["done"], "--out"): r for r in _by_command(results, "mesh") if not _dicom_input(r)}
    infos = {r["done"][1]: r for r in _by_command(results, "mesh-info") if not _dicom_input(r)}
    assert len(meshes) == len(imported) + (1 if name == "ct-3slice" else 0), sorted(meshes)
    for out, mesh in meshes.items():
        assert mesh["code"] == 0, (mesh["done"], mesh["payload"])
        payload = mesh["payload"]
        assert set(payload) >= MESH_KEYS
        # Closedness and volume are not asserted here: see the known defect of the test below.
        assert payload["triangles"] > 0, payload
        info = infos[out]
        assert info["code"] == 0, (info["done"], info["payload"])
        differ = {key: (payload[key], info["payload"][key]) for key in SAME_IN_MESH_INFO}
        differ = {key: pair for key, pair in differ.items() if pair[0] != pair[1]}
        assert not differ, f"dvw mesh-info {out} reports other values than dvw mesh: {differ}"
    if name == "ct-3slice":
        options = next(mesh["payload"] for out, mesh in meshes.items() if out.endswith("-options.stl"))
        plain = next(mesh["payload"] for out, mesh in meshes.items() if not out.endswith("-options.stl"))
        assert (options["watertight"], options["manifold"]) == (plain["watertight"], plain["manifold"])
        assert options["triangles"] <= plain["triangles"]

    measures = [r for r in _by_command(results, "measure") if not _dicom_input(r)]
    assert len(measures) == len(imported)
    for r in measures:
        assert r["code"] == 0, (r["done"], r["payload"])
        written = json.loads(Path(_option(r["done"], "--out")).read_text(encoding="utf-8"))
        assert written["parameters"] == r["payload"]["parameters"]
        names = {p["name"] for p in written["parameters"]}
        assert {"imaging.pixel_spacing", "design.min_wall_thickness", "fit.max_gap"} <= names, names
    checks = [r for r in _by_command(results, "check") if not _dicom_input(r)]
    assert len(checks) == len(imported)
    for r in checks:
        assert r["code"] in VERDICTS, (r["done"], r["payload"])
        assert r["payload"]["verdict"] == VERDICTS[r["code"]]

    found = list(_check_refusals(results, refused))
    assert len(found) == 4 * len(refused)


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


#: Small masks of real MR series (the largest region above 90 % of the value range): one voxel, and 117 voxels that
#: touch along edges and corners (their unsmoothed surface is many small closed shells).
SMALL_MASKS = {"one-voxel": ("hitachi/anatomical/001", 1), "speckle": ("anatomical/001", 117)}


@pytest.mark.parametrize("case", list(SMALL_MASKS))
def test_dvw_mesh_of_a_small_real_mask_is_closed_and_read_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    """Found by the test above: the default smoothing of a mask mesh (30 windowed-sinc iterations) collapsed small
    shells. On hitachi/anatomical/001 (2.34 x 2.34 x 4 mm voxels) the one-voxel mask's 8 triangles became none:
    ``dvw mesh`` wrote an STL without triangles and exited 0, and ``dvw mesh-info`` refused that file. On
    anatomical/001 the 117-voxel mask's closed surface (932 triangles, 33.4 mm3 unsmoothed) became 222 triangles of
    0.0 mm3, neither watertight nor manifold, while ``surface_deviation_mm`` reported at most 0.5 mm.

    Now a shell that smoothing shrinks keeps its isosurface: what ``dvw mesh`` writes is closed, has the unsmoothed
    surface's volume, names the shells it left unsmoothed, and ``dvw mesh-info`` reads the same metrics back.
    """
    series, voxels = SMALL_MASKS[case]
    folder = DATA / "dicom2nifti-real" / series
    if not folder.is_dir():
        pytest.skip(f"real DICOM fixture {folder} is absent (it lives in ../shared/data beside the repo)")
    volume, mask = tmp_path / "volume.nrrd", tmp_path / "mask.nrrd"
    code, imported, _ = _main(capsys, "import", str(folder), "--out", str(volume))
    assert code == 0
    low, high = imported["hu_range"]
    threshold = str(low + 0.9 * (high - low))
    argv = ["segment", str(volume), "--threshold", threshold, "--keep-largest", "1", "--out", str(mask)]
    code, segmented, _ = _main(capsys, *argv)
    assert (code, segmented["voxels"]) == (0, voxels)
    code, plain, _ = _main(capsys, "mesh", str(mask), "--smooth", "0", "--out", str(tmp_path / "plain.stl"))
    assert code == 0
    assert (plain["watertight"], plain["manifold"], plain["unsmoothed_shells"]) == (True, True, 0)
    assert plain["volume_mm3"] > 0

    bone = tmp_path / "bone.stl"
    code, meshed, _ = _main(capsys, "mesh", str(mask), "--out", str(bone))
    assert code == 0, meshed
    assert (meshed["watertight"], meshed["manifold"]) == (True, True)
    # Every shell of these masks is a few voxels across: all of them keep the isosurface.
    assert meshed["unsmoothed_shells"] == plain["shells"]
    assert (meshed["triangles"], meshed["volume_mm3"]) == (plain["triangles"], plain["volume_mm3"])
    info_code, info, info_err = _main(capsys, "mesh-info", str(bone))
    assert info_code == 0, info_err
    assert {key: info[key] for key in SAME_IN_MESH_INFO} == {key: meshed[key] for key in SAME_IN_MESH_INFO}
