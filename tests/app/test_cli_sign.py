"""``dvw user``, ``dvw reverify`` and ``dvw sign`` (CLI.md "Records") on a real store in a temporary home."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from records.signatures import signature_checker
from records.store import Store
from validation.check import check
from validation.envelope import parse_envelope
from validation.manifest import current_manifest
from validation.parameters import Parameters, ParameterValue
from validation.selftest import SelftestResult, record_selftest

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


def _record_out_of_envelope_check(home: Path) -> None:
    manifest_id = current_manifest().manifest_id
    parameters = Parameters((ParameterValue("design.min_wall_thickness", 1.6, "mm"),), manifest_id)
    with Store.open(home) as store:
        store.put_artifact(parameters.canonical_bytes(), "parameters")
        store.append("check_run", case_code=CODE, payload=check(ENVELOPE, parameters, manifest_id).to_json())


def test_the_sign_flow_refuses_then_accepts_after_reverification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    h = ("--home", str(home))
    pw = PASSWORD + "\n"
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
        "--password-stdin",
        "--json",
        stdin=pw,
    )
    assert code == 0
    assert (out["user_id"], out["printed_name"], out["role"], out["enabled"]) == (
        "dr.lee",
        "Dr Ann Lee",
        "clinician",
        True,
    )
    assert (
        _run(
            capsys,
            monkeypatch,
            *h,
            "user",
            "add",
            "eng1",
            "--name",
            "E",
            "--role",
            "engineer",
            "--password-stdin",
            stdin=pw,
        )[0]
        == 0
    )
    assert _run(capsys, monkeypatch, *h, "case", "new", CODE, "--json")[0] == 0
    _record_out_of_envelope_check(home)
    record_selftest(SelftestResult(True, current_manifest().manifest_id, (), 0.0, "2026-01-01T00:00:00+00:00"), home)

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
        stdin=pw,
    )
    assert code == 0
    assert (out["kind"], out["payload"]["result"], out["payload"]["verdict"]) == (
        "reverification_recorded",
        "pass",
        "out_of_envelope",
    )
    assert out["payload"]["evidence"][0]["file"] == "fea.pdf"

    code, out, _ = _run(capsys, monkeypatch, *sign_args, "--json", stdin=pw)
    assert code == 0
    assert out["kind"] == "signature"
    assert {"event_id", "hash", "seq", "payload"} <= out.keys()
    assert out["payload"]["signer"]["printed_name"] == "Dr Ann Lee"
    assert out["payload"]["meaning"] == "clinical design confirmation"
    assert out["payload"]["manifest_id"] == current_manifest().manifest_id

    with Store.open(home) as store:
        report = store.verify(signature_checker(store))
        assert (report.ok, report.signatures) == (True, 1)
        assert store.case(CODE).state == "signed"


def test_user_list_disable_and_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = ("--home", str(tmp_path / "home"))
    pw = PASSWORD + "\n"
    for user_id, role in (("root", "admin"), ("qa1", "quality")):
        args = (*h, "user", "add", user_id, "--name", f"N {user_id}", "--role", role, "--password-stdin")
        assert _run(capsys, monkeypatch, *args, stdin=pw)[0] == 0

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
        "--password-stdin",
        stdin="short\n",
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
        "--password-stdin",
        "--json",
        stdin=pw,
    )
    assert code == 2
    assert out["error"]["code"] == "invalid_user"
    code, out, err = _run(capsys, monkeypatch, *h, "user", "add", "x1", "--name", "N", "--role", "engineer")
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
        capsys, monkeypatch, *h, "user", "disable", "qa1", "--by", "root", "--password-stdin", "--json", stdin=pw
    )
    assert code == 0
    assert out["kind"] == "user_disabled"
    assert out["actor"] == "root"

    code, out, _ = _run(capsys, monkeypatch, *h, "user", "list", "--json")
    assert code == 0
    assert [(u["user_id"], u["role"], u["enabled"]) for u in out["users"]] == [
        ("root", "admin", True),
        ("qa1", "quality", False),
    ]

    assert _run(capsys, monkeypatch, *h, "case", "new", CODE)[0] == 0
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
