"""``dvw case team``, ``dvw case input`` and ``dvw case list``'s deadline (CLI.md "Interaction") on a real store in a
copy of a set-up workstation (``people_home``: admin1, eng1, clin1, qa1): refusals are exit 2 with one line."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from people import People, password_of

from app.cli import main

CODE = "CP-2026-021"


def _run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
) -> tuple[int, dict[str, Any], str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if captured.out.strip() else {}
    assert "Traceback" not in captured.err
    return code, payload, captured.err


def _as(user: str, home: Path, *argv: str) -> tuple[str, ...]:
    return ("--home", str(home), *argv, "--user", user, "--password-stdin")


def write_input(folder: Path, *, deadline: date, given: bool = True) -> Path:
    """A design input (TOML) with its consent form and plan beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "consent.pdf").write_bytes(b"%PDF-1.4 consent form")
    path = folder / "input.toml"
    path.write_text(
        f"""indication = "Left fronto-parietal skull defect"
surgical_plan = "Cranioplasty with a patient-specific plate"
instruments = ["Screwdriver T6"]
material = "PEKK, implant grade"
structure = "Solid plate, minimum wall 4 mm"
dimensions = "5 mm overlap on bone"
packaging = "Double sterile barrier pouch"
sterilization = "Steam, 134 degC, 18 min"
supply = "Delivered sterile to the theatre store"
deadline = {deadline.isoformat()}

[consent]
given = {"true" if given else "false"}
date = 2026-12-01
document = "consent.pdf"
""",
        encoding="utf-8",
    )
    return path


def test_team_input_and_list(
    people_home: tuple[Path, People],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, _people = people_home
    eng, clin, qa = (password_of(u) + "\n" for u in ("eng1", "clin1", "qa1"))
    assert _run(capsys, monkeypatch, *_as("eng1", home, "case", "new", CODE), stdin=eng)[0] == 0

    code, shown, _ = _run(capsys, monkeypatch, "--home", str(home), "case", "team", CODE, "--json")
    assert (code, shown["team"]) == (0, [])
    argv = _as("eng1", home, "case", "team", CODE, "--add", "clin1", "--as", "prescribing_clinician", "--json")
    code, added, _ = _run(capsys, monkeypatch, *argv, stdin=eng)
    assert code == 0
    assert added["team"] == [
        {"user": "eng1", "role": "design_engineer"},
        {"user": "clin1", "role": "prescribing_clinician"},
    ]
    assert [item["user_id"] for item in added["recorded"]] == ["eng1", "clin1"]

    # Refusals: one line, exit 2, nothing recorded.
    argv = _as("qa1", home, "case", "team", CODE, "--add", "qa1", "--as", "quality")
    code, _, err = _run(capsys, monkeypatch, *argv, stdin=qa)
    assert code == 2
    assert (
        err.strip()
        == f"dvw: error: qa1 may not change the team of case {CODE}: only its members or an administrator may"
    )
    code, _, err = _run(capsys, monkeypatch, *_as("eng1", home, "case", "team", CODE, "--add", "qa1"), stdin=eng)
    assert (code, err.strip()) == (2, "dvw: error: --add USER needs its role on the case: --as ROLE")

    due = datetime.now().astimezone().date() + timedelta(days=2)
    good = write_input(tmp_path / "input", deadline=due)
    argv = _as("qa1", home, "case", "input", CODE, "--file", str(good))
    code, _, err = _run(capsys, monkeypatch, *argv, stdin=qa)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert f"qa1 is not on the team of case {CODE}" in err
    assert "record its design input" in err

    bad = tmp_path / "bad" / "input.toml"
    bad.parent.mkdir()
    bad.write_text(good.read_text().replace('material = "PEKK, implant grade"', "material = 4"))
    code, payload, err = _run(
        capsys, monkeypatch, *_as("clin1", home, "case", "input", CODE, "--file", str(bad), "--json")
    )
    assert code == 2
    assert payload["error"]["code"] == "bad_design_input"
    assert err.strip() == f"dvw: error: {bad}:4: material (the material requirement) must be non-empty text"

    argv = _as("clin1", home, "case", "input", CODE, "--file", str(good), "--json")
    code, recorded, _ = _run(capsys, monkeypatch, *argv, stdin=clin)
    assert code == 0
    assert recorded["deadline"] == due.isoformat()
    assert recorded["consent"]["given"] is True
    assert len(recorded["consent"]["document_sha256"]) == 64

    code, listing, _ = _run(capsys, monkeypatch, "--home", str(home), "case", "list", "--json")
    assert code == 0
    (item,) = listing["cases"]
    assert item == {
        "code": CODE,
        "revision": 1,
        "state": "open",
        "verdict": None,
        "deadline": due.isoformat(),
        "days_left": 2,
        "late": False,
        "at_risk": True,
    }
    code, _, err = _run(capsys, monkeypatch, "--home", str(home), "case", "list")
    assert f"due {due.isoformat()} (2 days left)  AT RISK" in err

    code, audit, _ = _run(capsys, monkeypatch, "--home", str(home), "audit", "verify", "--json")
    assert (code, audit["ok"]) == (0, True)
