"""``dvw selftest``, ``dvw manifest`` (validated or not), ``dvw demo`` and ``dvw run``, run for real.

The self-test is run by a user of a set-up workstation (``--user``) and recorded in its log; only that record (never a
file) validates the software for sign-off there."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import socket
import stat
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from people import People, password_of, set_up_people

from app.cli import main
from records.events import canonical_json
from records.selftests import is_validated, record_selftest
from records.store import Store
from records.users import sign_in, trust_site
from validation.manifest import compute_manifest, current_manifest
from validation.selftest import CASES

REPO = Path(__file__).resolve().parents[2]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if captured.out.strip() else {}
    return code, payload, captured.err


@pytest.fixture(scope="module")
def unvalidated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, People]:
    """A workstation set up with its people but no self-test recorded yet (copied by the tests that need one)."""
    home = tmp_path_factory.mktemp("unvalidated") / "home"
    with Store.open(home) as store:
        people = set_up_people(store, validated=False)
    return home, people


@pytest.fixture(scope="module")
def selftest_home(
    unvalidated: tuple[Path, People], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, object], int]:
    """A set-up store in which ``dvw selftest --user qa1 --json`` has run once (about half a minute)."""
    home = tmp_path_factory.mktemp("selftest") / "home"
    shutil.copytree(unvalidated[0], home)
    stdout = io.StringIO()
    argv = ["--home", str(home), "selftest", "--user", "qa1", "--password-stdin", "--json"]
    with contextlib.redirect_stdout(stdout), mock.patch("sys.stdin", io.StringIO(password_of("qa1") + "\n")):
        code = main([*argv, "--report", str(home / "iq-oq.pdf")])
    return home, json.loads(stdout.getvalue()), code


def test_selftest_passes_every_case_and_is_recorded(selftest_home: tuple[Path, dict[str, object], int]) -> None:
    home, payload, code = selftest_home
    assert code == 0
    assert payload["passed"] is True
    assert payload["manifest_id"] == current_manifest().manifest_id
    cases = payload["cases"]
    assert isinstance(cases, list)
    assert [c["id"] for c in cases] == list(CASES)
    assert all(c["passed"] for c in cases), [c for c in cases if not c["passed"]]
    assert all(" ok" in c["detail"] and "FAILED" not in c["detail"] for c in cases)
    assert 0 < float(str(payload["seconds"])) < 120
    # Recorded in the log, by the user who ran it, with the full result stored by SHA-256.
    assert payload["recorded_by"] == "qa1"
    with Store.open(home) as store:
        (event,) = [e for e in store.events() if e.kind == "selftest_recorded"]
        assert str(payload["record"]).startswith(f"event {event.event_id} (seq {event.seq}) in ")
        assert (event.actor, event.case_code) == ("qa1", None)
        assert (event.payload["manifest_id"], event.payload["passed"]) == (current_manifest().manifest_id, True)
        assert [c["id"] for c in event.payload["cases"]] == list(CASES)
        result = {k: v for k, v in payload.items() if k not in ("report", "record", "recorded_by")}
        assert store.read_artifact(event.payload["result_sha256"]) == canonical_json(result).encode("utf-8")
        assert store.read_artifact(event.payload["report_sha256"]) == (home / "iq-oq.pdf").read_bytes()
        assert is_validated(store, current_manifest().manifest_id)
        assert store.verify().ok
    assert not (home / "selftest").exists()  # no file outside the log


def test_selftest_writes_the_qualification_record(selftest_home: tuple[Path, dict[str, object], int]) -> None:
    home, payload, _ = selftest_home
    assert payload["report"] == str(home / "iq-oq.pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", str(home / "iq-oq.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    manifest = current_manifest()
    assert "DVW installation and operational qualification" in text
    assert "PASSED: every case matched its known answer" in text
    assert manifest.manifest_id in text
    assert f"{len(manifest.files)} (every DVW source and resource file" in text
    assert socket.gethostname() in text
    assert "Validated before this run" in text
    assert f"{len(CASES)} of {len(CASES)} cases passed" in text
    for case in CASES:
        assert case in text
    # Every comparison of the run is in the record with its expected and observed values.
    cases = payload["cases"]
    assert isinstance(cases, list)
    comparisons = [c for case in cases for c in case["comparisons"]]
    assert len(comparisons) >= 40
    bone = next(c for c in comparisons if c["what"] == "bone volume (mm3)")
    assert re.search(rf"bone volume \(mm3\)\s+{re.escape(bone['expected'])}\s+{re.escape(bone['observed'])}", text)
    assert "Reviewed by (quality)" in text


def test_selftest_refuses_a_bad_report_path_before_running(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "--home", str(tmp_path / "home"), "selftest", "--report", str(tmp_path / "iq.txt"))
    assert (code, err.strip()) == (2, f"dvw: error: the report must be a .pdf file: {tmp_path / 'iq.txt'}")
    (tmp_path / "iq.pdf").write_bytes(b"kept")
    code, _, err = _run(capsys, "--home", str(tmp_path / "home"), "selftest", "--report", str(tmp_path / "iq.pdf"))
    assert code == 2
    assert "output exists" in err
    assert (tmp_path / "iq.pdf").read_bytes() == b"kept"
    assert not (tmp_path / "home").exists()  # refused before the store was opened, let alone the suite run


def test_selftest_is_recorded_with_who_ran_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, unvalidated: tuple[Path, People]
) -> None:
    monkeypatch.delenv("DVW_USER", raising=False)
    code, out, err = _run(capsys, "--home", str(unvalidated[0]), "selftest", "--json")
    assert (code, out["error"]["code"]) == (2, "usage")  # type: ignore[index]
    assert "give --user USER" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("not the password\n"))
    code, out, _ = _run(
        capsys, "--home", str(unvalidated[0]), "selftest", "--user", "qa1", "--password-stdin", "--json"
    )
    assert (code, out["error"]["code"]) == (2, "wrong_password")  # type: ignore[index]


def test_manifest_is_validated_only_where_the_selftest_passed(
    capsys: pytest.CaptureFixture[str], selftest_home: tuple[Path, dict[str, object], int], tmp_path: Path
) -> None:
    home, _, _ = selftest_home
    code, payload, _ = _run(capsys, "--home", str(home), "manifest", "--json")
    assert code == 0
    assert payload["validated"] is True
    code, payload, _ = _run(capsys, "--home", str(tmp_path / "fresh"), "manifest", "--json")
    assert payload["validated"] is False


def test_a_failed_foreign_or_hand_written_record_does_not_validate(
    unvalidated: tuple[Path, People], people_home: tuple[Path, People], tmp_path: Path
) -> None:
    manifest_id = current_manifest().manifest_id
    home = tmp_path / "home"
    shutil.copytree(unvalidated[0], home)
    people = unvalidated[1]
    with Store.open(home) as store:
        # A file written by hand (what the self-test once wrote) opens nothing: only the attested log counts.
        (home / "selftest").mkdir()
        (home / "selftest" / f"{manifest_id}.json").write_text(json.dumps({"manifest_id": manifest_id, "passed": True}))
        assert not is_validated(store, manifest_id)
        # Another site's passed self-test validates that site, not this one.
        with Store.open(people_home[0]) as other:
            assert is_validated(other, manifest_id)
            trust_site(store, other.site_id, by=people.admin)
            store.import_events(event.to_json() for event in other.events())
        assert not is_validated(store, manifest_id)
        failed = {"manifest_id": manifest_id, "passed": False, "cases": [], "seconds": 1.0}
        record_selftest(store, failed, by=people.quality)
        assert not is_validated(store, manifest_id)
        record_selftest(store, {**failed, "passed": True}, by=people.quality)
        assert is_validated(store, manifest_id)
        assert not is_validated(store, "0" * 64)
        assert store.verify().ok


def test_changing_one_installed_file_changes_the_manifest_id(tmp_path: Path) -> None:
    for package in ("app", "workflow", "imaging", "geometry", "validation", "records", "resources"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "uv.lock", tmp_path / "uv.lock")
    before = compute_manifest(tmp_path)
    assert before.manifest_id == compute_manifest(tmp_path).manifest_id
    assert "uv.lock" in dict(before.files)
    target = tmp_path / "geometry" / "metrics.py"
    target.write_bytes(target.read_bytes() + b"\n")
    after = compute_manifest(tmp_path)
    assert after.manifest_id != before.manifest_id
    changed = {k for k, v in dict(after.files).items() if dict(before.files)[k] != v}
    assert changed == {"geometry/metrics.py"}
    lock = tmp_path / "uv.lock"
    lock.write_bytes(lock.read_bytes() + b"\n")
    assert compute_manifest(tmp_path).manifest_id != after.manifest_id


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object], int, str]:
    """``dvw demo --json`` run once (no --home: it records in its own store, OUT/store): its folder, JSON, exit code
    and stderr."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), mock.patch.dict("os.environ"):
        os.environ.pop("DVW_HOME", None)
        code = main(["demo", "--out", str(out), "--json"])
    return out, json.loads(stdout.getvalue()), code, stderr.getvalue()


def test_demo_checks_a_fitted_and_a_thin_plate(demo: tuple[Path, dict[str, object], int, str]) -> None:
    out, payload, code, err = demo
    assert code == 0, err
    designs = payload["designs"]
    assert isinstance(designs, list)
    verdicts = {Path(d["design"]).name: d["verdict"] for d in designs}
    assert verdicts == {"sample-plate-fitted.stl": "within", "sample-plate-thin.stl": "out_of_envelope"}
    thin = json.loads(Path(designs[1]["check"]).read_text())
    below = {r["name"] for r in thin["results"] if r["status"] == "below"}
    assert below == {"design.min_wall_thickness"}
    assert thin["requires_reverification"] is True
    wall = next(r for r in thin["results"] if r["name"] == "design.min_wall_thickness")
    assert wall["value"] == pytest.approx(2.5, abs=0.01)
    fitted = json.loads(Path(designs[0]["parameters"]).read_text())
    values = {p["name"]: p["value"] for p in fitted["parameters"]}
    assert values["design.min_wall_thickness"] == pytest.approx(5.0, abs=0.01)
    assert values["patient.age"] == 46
    assert values["imaging.slice_spacing"] == pytest.approx(1.5)
    # The plate rests 0.6 mm above the analytic skull; the segmented surface lies up to half a voxel outside it.
    assert 0.0 < values["fit.mean_gap"] < 0.6
    assert values["fit.max_penetration"] < 0.5
    # The opening is 50 +/- 2 mm across; the plate bridges it.
    assert values["anatomy.defect_span"] == pytest.approx(50.0, abs=4.0)
    assert "re-verification is required" in err
    for name in ("ct.nrrd", "bone-mask.nrrd", "bone.stl", "patient.json", "cranial-plate-pekk.toml"):
        assert (out / name).is_file()


def test_demo_shows_the_mechanical_figures_of_both_plates(demo: tuple[Path, dict[str, object], int, str]) -> None:
    """Both plates are analysed under the sample family's load cases (a 200 N push on the centre, PEKK)."""
    from geometry.io import read_mesh  # noqa: PLC0415
    from mechanics.field import read_stress_field  # noqa: PLC0415

    out, payload, code, err = demo
    assert code == 0, err
    designs = payload["designs"]
    assert isinstance(designs, list)
    fitted, thin = (d["mechanics"] for d in designs)
    # The 5 mm plate: about 4.4 MPa peak, 13.7 against PEKK's 60 MPa yield; the 2.5 mm plate about three times the
    # stress and four times the deflection (bending stress ~ 1/t^2, deflection ~ 1/t^3, lessened by the rim).
    assert fitted["mech.max_von_mises"]["value"] == pytest.approx(4.38, rel=0.03)
    assert fitted["mech.min_safety_factor"]["value"] == pytest.approx(13.7, rel=0.03)
    assert thin["mech.max_von_mises"]["value"] == pytest.approx(13.8, rel=0.03)
    assert thin["mech.min_safety_factor"]["value"] == pytest.approx(4.36, rel=0.03)
    assert thin["mech.max_displacement"]["value"] > 3 * fitted["mech.max_displacement"]["value"]
    for figures in (fitted, thin):
        stress, factor = figures["mech.max_von_mises"], figures["mech.min_safety_factor"]
        assert stress["unit"] == "MPa"
        assert factor["value"] == pytest.approx(60.0 / stress["value"], rel=1e-4)
        assert 0 < stress["uncertainty"] < 0.5 * stress["value"]
    assert "mechanics under cranial-plate-pekk 1.0: peak von Mises 4.38 +- " in err
    assert "peak von Mises 13.8 +- " in err
    # The sample envelope limits the stress (30 MPa, the fatigue strength) and the safety factor (2): both within.
    for design in designs:
        check = json.loads(Path(design["check"]).read_text())
        status = {r["name"]: r["status"] for r in check["results"]}
        assert status["mech.max_von_mises"] == "within"
        assert status["mech.min_safety_factor"] == "within"
    # The stress field of that analysis is kept on the design's own vertices, its peak the recorded one.
    for design in designs:
        field = read_stress_field(design["stress_field"])
        assert len(field.vertex_von_mises_mpa) == read_mesh(design["design"]).n_vertices
        assert field.design_sha256 == design["design_sha256"]
        assert field.max_von_mises_mpa == pytest.approx(design["mechanics"]["mech.max_von_mises"]["value"], rel=1e-5)
        assert float(field.vertex_von_mises_mpa.max()) <= field.max_von_mises_mpa + 1e-9
        assert float(field.vertex_von_mises_mpa.max()) > 0.9 * field.max_von_mises_mpa
    assert (out / "load-cases.toml").read_bytes() == (
        REPO / "resources" / "load_cases" / "cranial-plate-pekk.toml"
    ).read_bytes()


def test_demo_records_both_cases_in_its_own_store(
    capsys: pytest.CaptureFixture[str], demo: tuple[Path, dict[str, object], int, str]
) -> None:
    out = demo[0]
    home = str(out / "store")
    assert demo[1]["store"] == home
    users = out / "demo-users.json"
    assert stat.S_IMODE(users.stat().st_mode) == 0o600  # the demo users' passwords: owner-only
    assert set(json.loads(users.read_text())["passwords"]) == {"demo-admin", "demo-engineer"}
    code, payload, _ = _run(capsys, "--home", home, "case", "list", "--json")
    assert code == 0
    no_deadline = {"deadline": None, "days_left": None, "late": False, "at_risk": False}  # no design input
    assert payload["cases"] == [
        {"code": "DEMO-FITTED", "revision": 1, "state": "checked", "verdict": "within", **no_deadline},
        {
            "code": "DEMO-THIN",
            "revision": 1,
            "state": "needs_reverification",
            "verdict": "out_of_envelope",
            **no_deadline,
        },
    ]
    code, shown, _ = _run(capsys, "--home", home, "case", "show", "DEMO-THIN", "--json")
    check_run = shown["events"][-1]  # type: ignore[index]
    assert check_run["kind"] == "check_run"
    assert check_run["actor"] == "demo-engineer"
    inputs = check_run["payload"]["inputs"]
    assert inputs["design"] == demo[1]["designs"][1]["design_sha256"]  # type: ignore[index]
    assert set(inputs) >= {"dicom", "volume", "mask", "anatomy", "design", "parameters", "envelope", "patient"}
    assert "load_cases" in inputs  # the load cases the design was analysed under are an input of the check
    assert "stress_field" not in inputs  # the analysis' field is an output, kept with the check's artifacts
    assert check_run["payload"]["artifacts"]["stress_field"]
    code, audit, _ = _run(capsys, "--home", home, "audit", "verify", "--json")
    assert code == 0
    assert audit["ok"] is True


def test_demo_refuses_to_overwrite_without_force(
    capsys: pytest.CaptureFixture[str], demo: tuple[Path, dict[str, object], int, str]
) -> None:
    out = demo[0]
    before = (out / "ct.nrrd").stat().st_mtime_ns
    again, _, err = _run(capsys, "demo", "--out", str(out))
    assert again == 2
    assert "--force" in err
    assert (out / "ct.nrrd").stat().st_mtime_ns == before


def test_demo_in_a_chosen_store_needs_its_user(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DVW_USER", raising=False)
    code, _, err = _run(capsys, "--home", str(tmp_path / "home"), "demo", "--out", str(tmp_path / "a"))
    assert code == 2
    assert "give --user USER" in err
    monkeypatch.setenv("DVW_HOME", str(tmp_path / "env-home"))  # $DVW_HOME chooses a store as --home does
    code, _, err = _run(capsys, "demo", "--out", str(tmp_path / "b"))
    assert code == 2
    assert "give --user USER" in err
    assert not (tmp_path / "a" / "store").exists()
    assert not (tmp_path / "b" / "store").exists()


def test_run_gives_the_check_json_and_exit_code(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    demo: tuple[Path, dict[str, object], int, str],
    people_home: tuple[Path, People],
    tmp_path: Path,
) -> None:
    sample = demo[0]
    envelope = str(REPO / "resources" / "envelopes" / "cranial-plate-pekk.toml")
    out = tmp_path / "run"
    argv = ["run", str(sample / "sample-dicom"), "--envelope", envelope, "--design"]
    code, payload, err = _run(capsys, *argv, str(sample / "sample-plate-fitted.stl"), "--out", str(out), "--json")
    # Without patient facts the required patient.age is missing: indeterminate.
    assert code == 4, err
    assert payload["verdict"] == "indeterminate"
    age = next(r for r in payload["results"] if r["name"] == "patient.age")  # type: ignore[union-attr]
    assert age["status"] == "missing"
    outputs = payload["outputs"]
    assert isinstance(outputs, dict)
    assert json.loads(Path(outputs["check"]).read_text())["verdict"] == "indeterminate"
    for name in ("ct.nrrd", "bone-mask.nrrd", "bone.stl", "design.stl", "design.params.json", "design.check.json"):
        assert (out / name).is_file(), name
    patient = str(sample / "patient.json")
    home = str(people_home[0])
    as_eng1 = ("--user", "eng1", "--password-stdin")

    def with_password() -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(password_of("eng1") + "\n"))

    with_password()
    assert _run(capsys, "--home", home, "case", "new", "C1", *as_eng1)[0] == 0  # a case opened before its first run
    fitted, thin = str(sample / "sample-plate-fitted.stl"), str(sample / "sample-plate-thin.stl")

    def run_case(design: str) -> tuple[int, dict[str, object], str]:
        options = ("--patient", patient, "--case", "C1", "--out", str(out), "--force", "--json", *as_eng1)
        with_password()
        return _run(capsys, "--home", home, *argv, design, *options)

    monkeypatch.delenv("DVW_USER", raising=False)
    code, payload, err = _run(capsys, "--home", home, *argv, fitted, "--case", "C1", "--out", str(out), "--force")
    assert code == 2
    assert "give --user USER" in err  # recording a case names who ran the check
    code, payload, err = run_case(fitted)
    assert code == 0, err
    assert payload["verdict"] == "within"
    mechanics = payload["outputs"]["mechanics"]  # type: ignore[index]
    assert mechanics["mech.min_safety_factor"]["value"] == pytest.approx(13.7, rel=0.03)
    assert (out / "load-cases.toml").is_file()
    assert (out / "design.stress.npz").is_file()
    case = payload["case"]
    assert isinstance(case, dict)
    assert case["recorded"] == ["inputs_added", "check_run"]
    assert (case["revision"], case["state"], case["recorded_by"]) == (1, "checked", "eng1")
    # The same check again records nothing, so signatures already given would stay valid.
    code, payload, _ = run_case(fitted)
    assert payload["case"]["recorded"] == []  # type: ignore[index]
    # A different design is a new revision of the case.
    code, payload, _ = run_case(thin)
    assert code == 3
    case = payload["case"]
    assert isinstance(case, dict)
    assert case["recorded"] == ["design_changed", "check_run"]
    assert (case["revision"], case["state"]) == (2, "needs_reverification")


def test_run_refuses_bad_input_before_writing_anything(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    envelope = str(REPO / "resources" / "envelopes" / "cranial-plate-pekk.toml")
    not_a_mesh = tmp_path / "design.stl"
    not_a_mesh.write_text("solid nothing here")
    out = tmp_path / "run"
    code, payload, err = _run(
        capsys, "run", str(tmp_path), "--envelope", envelope, "--design", str(not_a_mesh), "--out", str(out), "--json"
    )
    assert code == 2
    assert "error" in payload
    assert "Traceback" not in err
    assert not out.exists()
    code, _, err = _run(
        capsys, "run", str(tmp_path / "missing"), "--envelope", envelope, "--design", str(not_a_mesh), "--out", str(out)
    )
    assert code == 2
    assert not out.exists()


def test_the_whole_review_flow_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    demo: tuple[Path, dict[str, object], int, str],
    selftest_home: tuple[Path, dict[str, object], int],
    tmp_path: Path,
) -> None:
    """Issue 6's acceptance flow on the demo's out-of-envelope case: refused, re-verified, signed, audited, reported."""
    home = tmp_path / "home"
    shutil.copytree(demo[0] / "store", home)
    admin_password = json.loads((demo[0] / "demo-users.json").read_text())["passwords"]["demo-admin"]
    manifest_id = current_manifest().manifest_id
    # The suite's passed result for this software (run once in this module) is recorded on this workstation by its
    # administrator, as ``dvw selftest --user`` would record it: that opens sign-off here.
    with Store.open(home) as store:
        result = {k: v for k, v in selftest_home[1].items() if k not in ("report", "record", "recorded_by")}
        assert result["passed"] is True
        record_selftest(store, result, by=sign_in(store, "demo-admin", admin_password))

    def run(*argv: str, password: str | None = None) -> tuple[int, dict[str, object], str]:
        if password is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
            argv = (*argv, "--password-stdin")
        return _run(capsys, "--home", str(home), *argv)

    users = (
        ("eng", "Erin Engineer", "engineer", "Design engineer"),
        ("doc", "Dr Dana Surgeon", "clinician", "Consultant neurosurgeon, licence 1234"),
    )
    for user, name, role, qualification in users:
        code, _, err = run(
            "user",
            "add",
            user,
            "--name",
            name,
            "--role",
            role,
            "--qualification",
            qualification,
            "--by",
            "demo-admin",
            password=f"{admin_password}\n{user}-secret-pw",
        )
        assert code == 0, err
    meaning = "clinical design confirmation"
    code, refused, err = run(
        "sign", "DEMO-THIN", "--user", "doc", "--meaning", meaning, "--json", password="doc-secret-pw"
    )
    assert code == 2
    assert "error" in refused
    assert "re-verification" in err
    assert "Traceback" not in err
    code, _, err = run("sign", "DEMO-THIN", "--user", "doc", "--meaning", meaning, password="wrong-password")
    assert code == 2
    evidence = tmp_path / "impact-test.txt"
    evidence.write_text("Impact test of a 2.5 mm PEKK plate: passed at 3 J.\n")
    code, _, err = run(
        "reverify",
        "DEMO-THIN",
        "--user",
        "eng",
        "--method",
        "impact test on a printed 2.5 mm plate",
        "--result",
        "pass",
        "--justification",
        "passed the validated 3 J test",
        "--evidence",
        str(evidence),
        password="eng-secret-pw",
    )
    assert code == 0, err
    code, signed, err = run(
        "sign", "DEMO-THIN", "--user", "doc", "--meaning", meaning, "--json", password="doc-secret-pw"
    )
    assert code == 0, err
    assert signed["kind"] == "signature"
    code, audit, err = run("audit", "verify", "--json")
    assert code == 0, err
    assert audit["ok"] is True
    assert audit["signatures"] == 1
    code, shown, _ = run("case", "show", "DEMO-THIN", "--json")
    assert shown["state"] == "signed"
    report = tmp_path / "DEMO-THIN.pdf"
    code, _, err = run("report", "DEMO-THIN", "--out", str(report))
    assert code == 0, err
    text = subprocess.run(["pdftotext", "-layout", str(report), "-"], capture_output=True, text=True, check=True).stdout
    assert "Dr Dana Surgeon" in text
    assert meaning in text
    assert manifest_id in text
    assert "design.min_wall_thickness" in text
    assert "impact test on a printed 2.5 mm plate" in text
    assert "OUT OF THE VALIDATED DESIGN ENVELOPE" in text
    # The mechanical analysis: the load case as recorded, the figures with their uncertainty, the stress picture.
    analysis = text[text.index("Mechanical analysis") :]
    assert "Cranial plate under a local push on its centre" in analysis
    assert "PEKK, laser-sintered" in analysis
    assert "yield 60 MPa, fatigue 30 MPa" in analysis
    assert "fixed: the surface beyond 27 mm of the design's centre" in analysis
    assert "force 200 N over a 10 mm disc at the design's centre, directed inward" in analysis
    stress = re.search(r"Peak von Mises stress\s+([\d.]+)\s+([\d.]+)\s+MPa\s+max 30\s+within", analysis)
    assert stress is not None, analysis
    assert float(stress.group(1)) == pytest.approx(13.8, rel=0.03)
    assert 0 < float(stress.group(2)) < 0.5 * float(stress.group(1))
    assert re.search(r"Minimum safety factor \(yield\)\s+4\.\d+\s+[\d.]+\s+min 2\s+within", analysis)
    assert "the ball marks the peak, 13.8 MPa at" in analysis
    listed = subprocess.run(["pdfimages", "-list", str(report)], capture_output=True, text=True, check=True).stdout
    sizes = [tuple(line.split()[3:5]) for line in listed.splitlines()[2:]]
    assert sizes.count(("800", "600")) == 3  # the two pictures of the design, and its stress map
