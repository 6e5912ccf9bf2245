"""``dvw setup``, ``dvw user``, ``dvw reverify`` and ``dvw sign`` (CLI.md "Records", "Who is acting") on a real store in
a temporary home: a fresh one for the set-up and the administrators' acts, a copy of a set-up workstation
(``people_home``: admin1, eng1, clin1, qa1 and a passed self-test) for the sign-off flow."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from people import People, password_of

from app.cli import main
from records.signatures import signature_checker
from records.store import Store
from records.users import Session
from validation.check import check
from validation.envelope import parse_envelope
from validation.manifest import current_manifest
from validation.parameters import Parameters, ParameterValue

PASSWORD = "correct horse battery"
CODE = "CP-2026-007"
ENVELOPE = parse_envelope(
    """[envelope]
id = "cranial-test"
version = "1"
family = "cranial_plate"
title = "test envelope"
validation_report = "VR-1"
approved_by = "QA"
approved_on = 2026-01-01

[[parameter]]
name = "design.min_wall_thickness"
unit = "mm"
min = 2.0
max = 8.0
""",
    "",
    {"design.min_wall_thickness": "mm"},
)


def _run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
) -> tuple[int, dict[str, Any], str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if captured.out.strip() else {}
    assert "Traceback" not in captured.err
    return code, payload, captured.err


def _record_check(home: Path, wall_mm: float, by: Session, code: str = CODE) -> None:
    """A real envelope check of a wall thickness, recorded for case ``code`` by ``by``."""
    manifest_id = current_manifest().manifest_id
    parameters = Parameters((ParameterValue("design.min_wall_thickness", wall_mm, "mm"),), manifest_id)
    with Store.open(home) as store:
        store.put_artifact(parameters.canonical_bytes(), "parameters")
        result = check(ENVELOPE, parameters, manifest_id).to_json()
        store.append("check_run", case_code=code, payload=result, by=by)


def test_the_sign_flow_refuses_then_accepts_after_reverification(
    people_home: tuple[Path, People],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, people = people_home
    h = ("--home", str(home))
    pw = PASSWORD + "\n"
    admin_then_new = password_of("admin1") + "\n" + pw  # the administrator's password, then the new user's
    code, out, _ = _run(
        capsys,
        monkeypatch,
        *h,
        "user",
        "add",
        "dr.lee",
        "--name",
        "Dr Ann Lee",
        "--role",
        "clinician",
        "--qualification",
        "Consultant neurosurgeon, licence 1234",
        "--by",
        "admin1",
        "--password-stdin",
        "--json",
        stdin=admin_then_new,
    )
    assert code == 0
    assert (out["user_id"], out["printed_name"], out["role"], out["enabled"], out["added_by"]) == (
        "dr.lee",
        "Dr Ann Lee",
        "clinician",
        True,
        "admin1",
    )
    eng_pw = password_of("eng1") + "\n"
    assert (
        _run(capsys, monkeypatch, *h, "case", "new", CODE, "--user", "eng1", "--password-stdin", stdin=eng_pw)[0] == 0
    )
    _record_check(home, 1.6, people.engineer)

    sign_args = (*h, "sign", CODE, "--user", "dr.lee", "--meaning", "clinical design confirmation", "--password-stdin")
    code, out, err = _run(capsys, monkeypatch, *sign_args, "--json", stdin=pw)
    assert code == 2
    assert out["error"]["code"] == "reverification_required"
    assert err.strip().count("\n") == 0
    assert "record its re-verification" in err

    evidence = tmp_path / "fea.pdf"
    evidence.write_bytes(b"%PDF-1.4 FEA report\n")
    code, out, _ = _run(
        capsys,
        monkeypatch,
        *h,
        "reverify",
        CODE,
        "--user",
        "eng1",
        "--method",
        "FEA",
        "--result",
        "pass",
        "--justification",
        "stress below the validated limit",
        "--evidence",
        str(evidence),
        "--password-stdin",
        "--json",
        stdin=eng_pw,
    )
    assert code == 0
    assert (out["kind"], out["actor"], out["payload"]["result"], out["payload"]["verdict"]) == (
        "reverification_recorded",
        "eng1",
        "pass",
        "out_of_envelope",
    )
    assert out["payload"]["evidence"][0]["file"] == "fea.pdf"

    code, out, _ = _run(capsys, monkeypatch, *sign_args, "--json", stdin=pw)
    assert code == 0
    assert (out["kind"], out["actor"]) == ("signature", "dr.lee")
    assert {"event_id", "hash", "seq", "payload"} <= out.keys()
    assert out["payload"]["signer"]["printed_name"] == "Dr Ann Lee"
    assert out["payload"]["meaning"] == "clinical design confirmation"
    assert out["payload"]["manifest_id"] == current_manifest().manifest_id

    with Store.open(home) as store:
        report = store.verify(signature_checker(store))
        assert (report.ok, report.signatures) == (True, 1)
        assert store.case(CODE).state == "signed"


def test_setup_then_only_an_administrator_manages_users(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = ("--home", str(tmp_path / "home"))
    pw = PASSWORD + "\n"
    add = ("user", "add")
    # Before the set-up there is no administrator, so no one may add a user (not even a first "admin").
    code, out, err = _run(
        capsys, monkeypatch, *h, *add, "root", "--name", "N root", "--role", "admin", "--by", "root",
        "--password-stdin", "--json", stdin=pw + pw,
    )  # fmt: skip
    assert code == 2
    assert out["error"]["code"] == "usage"
    assert "no administrator yet: set it up first (dvw setup --admin USER)" in err
    code, out, _ = _run(
        capsys, monkeypatch, *h, "setup", "--admin", "root", "--name", "N root", "--password-stdin", "--json", stdin=pw
    )
    assert code == 0
    assert (out["user_id"], out["role"], out["added_by"]) == ("root", "admin", "root")
    with Store.open(tmp_path / "home") as store:
        assert out["site_id"] == store.site_id
    code, out, _ = _run(
        capsys, monkeypatch, *h, "setup", "--admin", "boss", "--name", "N boss", "--password-stdin", "--json", stdin=pw
    )
    assert code == 2
    assert out["error"]["code"] == "role_not_permitted"
    assert "already set up" in out["error"]["message"]

    qa_args = (*add, "qa1", "--name", "N qa1", "--role", "quality", "--password-stdin")
    code, out, err = _run(capsys, monkeypatch, *h, *qa_args, stdin=pw + pw)
    assert code == 2
    assert "give --by ADMIN" in err
    code, out, err = _run(capsys, monkeypatch, *h, *qa_args, "--by", "root", "--json", stdin="wrong pass\n" + pw)
    assert code == 2
    assert out["error"]["code"] == "wrong_password"
    assert _run(capsys, monkeypatch, *h, *qa_args, "--by", "root", stdin=pw + pw)[0] == 0
    code, out, err = _run(
        capsys, monkeypatch, *h, *add, "x1", "--name", "N", "--role", "engineer", "--by", "qa1", "--password-stdin",
        "--json", stdin=pw + pw,
    )  # fmt: skip
    assert code == 2
    assert out["error"]["code"] == "role_not_permitted"
    assert "only an admin" in err


def test_user_list_disable_and_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = ("--home", str(tmp_path / "home"))
    pw = PASSWORD + "\n"
    assert (
        _run(capsys, monkeypatch, *h, "setup", "--admin", "root", "--name", "N root", "--password-stdin", stdin=pw)[0]
        == 0
    )
    by_root = ("--by", "root", "--password-stdin")
    args = (*h, "user", "add", "qa1", "--name", "N qa1", "--role", "quality", *by_root)
    assert _run(capsys, monkeypatch, *args, stdin=pw + pw)[0] == 0

    code, out, err = _run(
        capsys,
        monkeypatch,
        *h,
        "user",
        "add",
        "x1",
        "--name",
        "N",
        "--role",
        "engineer",
        *by_root,
        stdin=pw + "short\n",
    )
    assert code == 2
    assert "at least 8 characters" in err
    code, out, err = _run(
        capsys,
        monkeypatch,
        *h,
        "user",
        "add",
        "x1",
        "--name",
        "N",
        "--role",
        "boss",
        *by_root,
        "--json",
        stdin=pw + pw,
    )
    assert code == 2
    assert out["error"]["code"] == "invalid_user"
    code, out, err = _run(
        capsys, monkeypatch, *h, "user", "add", "x1", "--name", "N", "--role", "engineer", "--by", "root"
    )
    assert code == 2
    assert "--password-stdin" in err

    code, out, err = _run(
        capsys,
        monkeypatch,
        *h,
        "user",
        "disable",
        "qa1",
        "--by",
        "root",
        "--password-stdin",
        "--json",
        stdin="wrong pass\n",
    )
    assert code == 2
    assert out["error"]["code"] == "wrong_password"
    code, out, err = _run(
        capsys, monkeypatch, *h, "user", "disable", "root", "--by", "qa1", "--password-stdin", stdin=pw
    )
    assert code == 2
    assert "only an admin" in err
    code, out, _ = _run(
        capsys, monkeypatch, *h, "user", "role", "qa1", "--role", "engineer", *by_root, "--json", stdin=pw
    )
    assert code == 0
    assert (out["kind"], out["actor"], out["payload"]["role"]) == ("user_role_changed", "root", "engineer")
    code, out, _ = _run(capsys, monkeypatch, *h, "user", "role", "qa1", "--role", "quality", *by_root, stdin=pw)
    assert code == 0
    code, out, _ = _run(
        capsys, monkeypatch, *h, "user", "disable", "qa1", "--by", "root", "--password-stdin", "--json", stdin=pw
    )
    assert code == 0
    assert out["kind"] == "user_disabled"
    assert out["actor"] == "root"

    code, out, _ = _run(capsys, monkeypatch, *h, "user", "list", "--json")
    assert code == 0
    assert [(u["user_id"], u["role"], u["enabled"], u["added_by"]) for u in out["users"]] == [
        ("root", "admin", True, "root"),
        ("qa1", "quality", False, "root"),
    ]

    assert _run(capsys, monkeypatch, *h, "case", "new", CODE, "--user", "root", "--password-stdin", stdin=pw)[0] == 0
    sign_args = (*h, "sign", CODE, "--meaning", "release", "--password-stdin", "--json")
    code, out, _ = _run(capsys, monkeypatch, *sign_args, "--user", "qa1", stdin=pw)
    assert code == 2
    assert out["error"]["code"] == "user_disabled"
    code, out, _ = _run(capsys, monkeypatch, *sign_args, "--user", "nobody", stdin=pw)
    assert code == 2
    assert out["error"]["code"] == "unknown_user"
    code, out, _ = _run(capsys, monkeypatch, *sign_args, "--user", "root", stdin=pw)
    assert code == 2
    assert out["error"]["code"] == "role_not_permitted"
    with Store.open(tmp_path / "home") as store:
        report = store.verify()
        assert report.ok, report.problems
