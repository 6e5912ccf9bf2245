"""``dvw udi assign``, ``dvw label``, ``dvw trace add|show|export`` (CLI.md "Traceability") on a real signed case in a
real store (a copy of a set-up workstation): exit codes, one-line refusals without traceback, nothing half written, who
recorded each step, and the report's UDI section."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from jsonschema import Draft7Validator
from people import People, password_of
from PIL import Image
from test_cli_sign import _record_check, _run

from records.store import Store
from traceability.label import decode_symbol

SCHEMA = Path(__file__).resolve().parents[1] / "traceability" / "data" / "EPCIS-JSON-Schema.json"
CODE = "CP-2026-201"
OTHER = "CP-2026-202"


def _events(home: Path) -> int:
    with Store.open(home) as store:
        return store.event_count()


@pytest.fixture
def cli(people_home: tuple[Path, People], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """``cli(*argv, stdin="", user=None)`` runs ``dvw --home <set-up home> *argv`` (with ``user``: also ``--user USER
    --password-stdin``, the user's password on stdin) and returns (exit code, JSON, stderr)."""
    home = people_home[0]
    monkeypatch.delenv("DVW_USER", raising=False)

    def run(*argv: str, stdin: str = "", user: str | None = None) -> tuple[int, dict[str, Any], str]:
        if user is not None:
            argv = (*argv, "--user", user, "--password-stdin")
            stdin = password_of(user) + "\n"
        return _run(capsys, monkeypatch, "--home", str(home), *argv, stdin=stdin)

    run.home = home  # type: ignore[attr-defined]
    run.people = people_home[1]  # type: ignore[attr-defined]
    run.monkeypatch = monkeypatch  # type: ignore[attr-defined]
    return run


@pytest.fixture
def signed(cli: Any) -> Any:
    """A set-up home with case CODE checked and signed by the clinician, case OTHER checked only."""
    for code in (CODE, OTHER):
        assert cli("case", "new", code, user="eng1")[0] == 0
        _record_check(cli.home, 4.0, cli.people.engineer, code)
    meaning = "clinical design confirmation"
    assert cli("sign", CODE, "--meaning", meaning, user="clin1")[0] == 0
    return cli


def _refused(result: tuple[int, dict[str, Any], str], code: str) -> str:
    status, out, err = result
    assert status == 2
    assert out["error"]["code"] == code
    assert err.strip().count("\n") == 0
    assert err.startswith("dvw: error: ")
    return err


def test_udi_assign(signed: Any) -> None:
    events = _events(signed.home)
    _refused(signed("udi", "assign", CODE, "--json"), "usage")  # who assigns it is recorded: --user is needed
    assert _events(signed.home) == events
    status, out, _ = signed("udi", "assign", CODE, "--json", user="qa1")
    assert status == 0
    assert out["assigned"] is True
    assert (out["case_code"], out["revision"], out["family"], out["udi_di"]) == (
        CODE,
        1,
        "cranial_plate",
        "00614141000012",
    )
    serial = out["udi_pi"]["serial"]
    assert out["hri"] == (
        f"(01)00614141000012(11){out['udi_pi']['production_date'][2:].replace('-', '')}"
        f"(17){out['udi_pi']['expiry_date'][2:].replace('-', '')}(10){CODE}(21){serial}"
    )
    assert out["element_string"].endswith(f"10{CODE}\x1d21{serial}")
    events = _events(signed.home)
    with Store.open(signed.home) as store:
        assert store.events(CODE)[-1].actor == "qa1"
    status, again, err = signed("udi", "assign", CODE, user="qa1")
    assert status == 0
    assert again == {}
    assert "already assigned" in err
    assert f"<GS>21{serial}" in err
    assert out["hri"] in err
    assert _events(signed.home) == events

    err = _refused(signed("udi", "assign", OTHER, "--json", user="qa1"), "not_signed")
    assert f"case {OTHER} revision 1 is checked, not signed" in err
    assert _refused(signed("udi", "assign", "NOPE", "--json", user="qa1"), "case_not_found")
    bad_serial = ("udi", "assign", CODE, "--new", "--serial", "bad serial", "--json")
    _refused(signed(*bad_serial, user="qa1"), "invalid_gs1_value")
    _refused(signed("udi", "assign", CODE, "--new", "--serial", serial, "--json", user="qa1"), "duplicate_serial")
    assert signed("udi", "assign", CODE, "--production-date", "2026-13-01", user="qa1")[0] == 2
    assert _events(signed.home) == events


def test_label_pdf_and_png(signed: Any, tmp_path: Path) -> None:
    pdf = tmp_path / "label.pdf"
    _refused(signed("label", CODE, "--out", str(pdf), "--json"), "no_udi")
    assert not pdf.exists()
    _, udi, _ = signed("udi", "assign", CODE, "--json", user="qa1")
    status, out, _ = signed("label", CODE, "--out", str(pdf), "--json")
    assert status == 0
    assert (out["format"], out["serial"], out["element_string"], out["verified"]) == (
        "pdf",
        udi["udi_pi"]["serial"],
        udi["element_string"],
        True,
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    before = pdf.read_bytes()
    _refused(signed("label", CODE, "--out", str(pdf), "--json"), "usage")
    assert pdf.read_bytes() == before
    _refused(signed("label", CODE, "--out", str(tmp_path / "label.txt"), "--json"), "usage")
    png = tmp_path / "label.png"
    assert signed("label", CODE, "--out", str(png))[0] == 0
    with Image.open(png) as image:
        decoded = decode_symbol(np.asarray(image.convert("L")))
    assert decoded is not None
    assert decoded.gs1
    assert decoded.element_string == udi["element_string"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary leftovers


def test_trace_add_show_export_and_report(signed: Any, tmp_path: Path) -> None:
    out_file = tmp_path / "trace.jsonld"
    add = ("trace", "add", CODE, "--where", "ACME plant 2, Shenzhen", "--why", "work order WO-77")
    _refused(signed(*add, "--step", "design_approved", "--json", user="eng1"), "no_udi")
    _refused(signed("trace", "export", CODE, "--out", str(out_file), "--json"), "no_udi")
    assert not out_file.exists()
    _, udi, _ = signed("udi", "assign", CODE, "--json", user="qa1")
    events = _events(signed.home)
    err = _refused(signed(*add, "--step", "shipped", "--json", user="eng1"), "trace_order")
    assert "the next step is 'design_approved'" in err
    gln = ("--gln", "0614141000006")
    _refused(signed(*add, "--step", "design_approved", *gln, "--json", user="eng1"), "invalid_gtin")
    at = ("--at", "2026-11-02T09:00:00")
    _refused(signed(*add, "--step", "design_approved", *at, "--json", user="eng1"), "invalid_event")
    err = _refused(signed(*add, "--step", "design_approved", "--password-stdin", "--json"), "usage")
    assert "give --user USER (or set DVW_USER)" in err
    wrong = ("--user", "qa1", "--password-stdin", "--json")
    _refused(signed(*add, "--step", "design_approved", *wrong, stdin="not the password\n"), "wrong_password")
    assert _events(signed.home) == events + 1  # only the failed sign-in is recorded

    status, out, _ = signed(
        *add, "--step", "design_approved", "--at", "2026-11-02T09:00:00+08:00", "--json", user="qa1"
    )
    assert status == 0
    assert (out["kind"], out["actor"], out["payload"]["when"]) == ("trace_event", "qa1", "2026-11-02T09:00:00+08:00")
    assert out["payload"]["who"]["printed_name"] == "Quinn Quality"
    assert out["payload"]["what"]["serial"] == udi["udi_pi"]["serial"]
    signed.monkeypatch.setenv("DVW_USER", "eng1")  # $DVW_USER names the person when --user is not given
    status, out, _ = signed(
        *add, "--step", "manufactured", "--gln", "0614141000005", "--party", "ACME", "--password-stdin", "--json",
        stdin=password_of("eng1") + "\n",
    )  # fmt: skip
    assert status == 0
    assert out["actor"] == "eng1"
    assert out["payload"]["where"] == {"location": "ACME plant 2, Shenzhen", "gln": "0614141000005"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d", out["payload"]["when"])

    status, shown, _ = signed("trace", "show", CODE, "--json")
    assert status == 0
    assert shown["next_step"] == "inspected"
    assert [e["step"] for e in shown["events"]] == ["design_approved", "manufactured"]

    status, out, _ = signed("trace", "export", CODE, "--out", str(out_file), "--json")
    assert status == 0
    assert out["events"] == 2
    document = json.loads(out_file.read_text(encoding="utf-8"))
    Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(document)
    assert [e["bizStep"] for e in document["epcisBody"]["eventList"]] == ["encoding", "commissioning"]
    assert document["epcisBody"]["eventList"][1]["bizLocation"] == {"id": "https://id.gs1.org/414/0614141000005"}
    before = out_file.read_bytes()
    _refused(signed("trace", "export", CODE, "--out", str(out_file), "--json"), "usage")
    assert out_file.read_bytes() == before
    _refused(signed("trace", "export", CODE, "--out", str(tmp_path / "trace.xml"), "--json"), "usage")
    assert signed("trace", "export", CODE, "--out", str(out_file), "--force")[0] == 0

    report = tmp_path / "report.pdf"
    assert signed("report", CODE, "--out", str(report))[0] == 0
    text = subprocess.run(["pdftotext", str(report), "-"], capture_output=True, text=True, check=True).stdout
    assert udi["hri"] in re.sub(r"\s+", "", text)
    assert "Trace events" in text
    assert "work order WO-77" in text


def test_the_clinical_confirmation_records_design_approved_once_the_udi_exists(cli: Any, tmp_path: Path) -> None:
    for code in (CODE, OTHER):
        assert cli("case", "new", code, user="eng1")[0] == 0
        _record_check(cli.home, 4.0, cli.people.engineer, code)
    # Confirmed before its UDI: the signature alone, and the command says why and what to do.
    status, out, err = cli("sign", OTHER, "--meaning", "clinical design confirmation", user="clin1")
    assert (status, out) == (0, {})
    assert (
        f"design_approved not recorded: case {OTHER} revision 1 has no device identifier yet (a trace step names its "
        f"device); record it once the UDI is assigned: dvw udi assign {OTHER}, then dvw trace add {OTHER} --step "
        "design_approved"
    ) in err
    status, out, _ = cli("sign", OTHER, "--meaning", "clinical design confirmation", "--json", user="clin1")
    assert out["design_approved"] == {
        "recorded": False,
        "event_id": None,
        "seq": None,
        "hash": None,
        "serial": None,
        "note": out["design_approved"]["note"],
    }
    assert "has no device identifier yet" in out["design_approved"]["note"]

    # Verified by the engineer, given its UDI, then confirmed by the clinician: design_approved comes with it.
    status, out, _ = cli("sign", CODE, "--meaning", "design verification", "--json", user="eng1")
    assert (status, out["design_approved"]) == (0, None)
    _, udi, _ = cli("udi", "assign", CODE, "--json", user="qa1")
    events = _events(cli.home)
    status, out, _ = cli("sign", CODE, "--meaning", "clinical design confirmation", "--json", user="clin1")
    assert status == 0
    assert _events(cli.home) == events + 2
    approved = out["design_approved"]
    assert approved["recorded"] is True
    assert (approved["seq"], approved["serial"], approved["note"]) == (out["seq"] + 1, udi["udi_pi"]["serial"], None)
    status, shown, _ = cli("trace", "show", CODE, "--json")
    assert status == 0
    assert shown["next_step"] == "manufactured"
    (first,) = shown["events"]
    assert (first["event_id"], first["actor"], first["step"]) == (approved["event_id"], "clin1", "design_approved")
    assert first["who"]["role"] == "clinician"
    assert first["when"] == out["payload"]["signed_at"]

    add = ("trace", "add", CODE, "--where", "ACME plant 2", "--why", "WO-78")
    err = _refused(cli(*add, "--step", "design_approved", "--json", user="eng1"), "trace_order")
    assert "the next step is 'manufactured' (recorded: design_approved)" in err
    assert cli(*add, "--step", "manufactured", "--json", user="eng1")[0] == 0
    status, _, err = cli("sign", CODE, "--meaning", "clinical design confirmation", user="clin1")
    assert status == 0
    assert f"design_approved of device {udi['udi_pi']['serial']} was already recorded" in err

    out_file = tmp_path / "trace.jsonld"
    status, exported, _ = cli("trace", "export", CODE, "--out", str(out_file), "--json")
    assert (status, exported["events"]) == (0, 2)
    document = json.loads(out_file.read_text(encoding="utf-8"))
    Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(document)
    assert [e["dvw:who"]["dvw:userId"] for e in document["epcisBody"]["eventList"]] == ["clin1", "eng1"]
    status, audit, _ = cli("audit", "verify", "--json")
    assert (status, audit["ok"], audit["problems"]) == (0, True, [])
