"""``dvw case new|list|show`` and ``dvw audit verify`` (CLI.md "Records"), run on a real store in a temp home."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from records.models import append_only_triggers
from records.store import DB_NAME, Store


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if captured.out.strip() else {}
    return code, payload, captured.err


def test_case_new_list_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    code, out, _ = _run(capsys, "--home", home, "case", "new", "CP-2026-001", "--json")
    assert code == 0
    assert {"code", "revision", "state", "verdict", "event_id", "seq"} <= out.keys()
    assert (out["code"], out["revision"], out["state"], out["verdict"], out["seq"]) == (
        "CP-2026-001",
        1,
        "open",
        None,
        1,
    )
    assert _run(capsys, "--home", home, "case", "new", "CP-2026-002", "--json")[0] == 0
    with Store.open(Path(home)) as store:
        store.append("check_run", case_code="CP-2026-002", payload={"verdict": "out_of_envelope"})
    code, out, _ = _run(capsys, "--home", home, "case", "list", "--json")
    assert code == 0
    assert out == {
        "cases": [
            {"code": "CP-2026-001", "revision": 1, "state": "open", "verdict": None},
            {"code": "CP-2026-002", "revision": 1, "state": "needs_reverification", "verdict": "out_of_envelope"},
        ]
    }
    code, out, _ = _run(capsys, "--home", home, "case", "show", "CP-2026-002", "--json")
    assert code == 0
    assert (out["code"], out["state"], out["verdict"]) == ("CP-2026-002", "needs_reverification", "out_of_envelope")
    assert [e["kind"] for e in out["events"]] == ["case_created", "check_run"]
    assert out["signatures"] == []
    assert {"seq", "event_id", "site_id", "hash", "prev_hash", "created_at", "payload"} <= out["events"][0].keys()


def test_human_output_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    code, out, err = _run(capsys, "--home", home, "case", "new", "C1")
    assert (code, out) == (0, {})
    assert "case C1 created" in err
    code, out, err = _run(capsys, "--home", home, "case", "list")
    assert (code, out) == (0, {})
    assert "C1" in err
    code, _, err = _run(capsys, "--home", home, "case", "show", "C1")
    assert code == 0
    assert "case_created" in err
    code, _, err = _run(capsys, "--home", home, "audit", "verify")
    assert code == 0
    assert "audit ok: 1 events" in err


def test_case_new_keeps_identity_local(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    argv = ["--home", str(home), "case", "new", "C1", "--patient-name", "Li^Na", "--patient-id", "H77", "--json"]
    code, _, _ = _run(capsys, *argv, "--birth-date", "1980-12-01")
    assert code == 0
    with Store.open(home) as store:
        identity = store.patient_identity("C1")
        assert identity is not None
        assert (identity.name, identity.patient_id, identity.birth_date) == ("Li^Na", "H77", "1980-12-01")
        assert "Li^Na" not in json.dumps([e.to_json() for e in store.events()])
    code, out, _ = _run(capsys, "--home", str(home), "case", "new", "C2", "--birth-date", "1.12.1980", "--json")
    assert code == 2
    assert out["error"]["code"] == "invalid_event"
    with Store.open(home) as store:
        assert [c.code for c in store.cases()] == ["C1"]  # the refused case was not created


@pytest.mark.parametrize(
    ("argv", "error_code", "message"),
    [
        (["case", "new", "bad code"], "invalid_event", "invalid case code"),
        (["case", "show", "NOPE"], "case_not_found", "no case NOPE"),
        (["case"], "usage", "required"),
        (["audit"], "usage", "required"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], error_code: str, message: str
) -> None:
    code, out, err = _run(capsys, "--home", str(tmp_path / "home"), *argv, "--json")
    assert code == 2
    assert out["error"]["code"] == error_code
    assert message in out["error"]["message"]
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_existing_case_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    assert _run(capsys, "--home", home, "case", "new", "C1")[0] == 0
    code, out, err = _run(capsys, "--home", home, "case", "new", "C1", "--json")
    assert code == 2
    assert out["error"]["code"] == "case_exists"
    assert err.strip() == "dvw: error: case C1 already exists"


def test_home_from_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DVW_HOME", str(tmp_path / "env-home"))
    assert _run(capsys, "case", "new", "E1", "--json")[0] == 0
    assert (tmp_path / "env-home" / DB_NAME).is_file()


def test_audit_verify_ok_and_tampered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    assert _run(capsys, "--home", str(home), "case", "new", "C1")[0] == 0
    with Store.open(home) as store:
        store.append("note", case_code="C1", payload={"text": "a"})
        store.append("note", case_code="C1", payload={"text": "c"})
        sha = store.put_artifact(b"mesh bytes", "mesh")
    code, out, _ = _run(capsys, "--home", str(home), "audit", "verify", "--json")
    assert code == 0
    assert out == {"ok": True, "events": 3, "signatures": 0, "problems": []}

    connection = sqlite3.connect(home / DB_NAME)
    connection.execute("DROP TRIGGER events_no_update")
    connection.execute("""UPDATE events SET payload = '{"text":"b"}' WHERE seq = 2""")
    connection.execute(append_only_triggers()["events_no_update"])
    connection.commit()
    connection.close()
    artifact = home / "artifacts" / sha[:2] / sha
    artifact.chmod(0o644)
    artifact.write_bytes(b"other bytes")

    code, out, err = _run(capsys, "--home", str(home), "audit", "verify", "--json")
    assert code == 2
    assert out["ok"] is False
    assert (out["events"], out["signatures"]) == (3, 0)
    assert [(p["code"], p["seq"]) for p in out["problems"]] == [("hash_mismatch", 2), ("artifact_changed", None)]
    assert out["problems"][0]["message"].startswith("hash mismatch: stored ")
    assert out["problems"][1]["sha256"] == sha
    assert out["error"]["code"] == "audit_failed"
    assert "audit found 2 problems" in err
    assert "Traceback" not in err

    code, out, err = _run(capsys, "--home", str(home), "audit", "verify")
    assert (code, out) == (2, {})
    assert "event seq 2" in err
    assert "hash mismatch" in err
    assert f"artifact {sha} changed on disk" in err
    code, out, _ = _run(capsys, "--home", str(home), "audit", "verify", "--no-artifacts", "--json")
    assert code == 2
    assert [p["code"] for p in out["problems"]] == ["hash_mismatch"]


def test_a_broken_store_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / DB_NAME).write_bytes(b"garbage" * 1000)
    code, out, err = _run(capsys, "--home", str(home), "case", "list", "--json")
    assert code == 2
    assert out["error"]["code"] == "store_error"
    assert "Traceback" not in err


def test_audit_verify_reports_a_signature_event_that_is_not_signed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    assert _run(capsys, "--home", str(home), "case", "new", "C1")[0] == 0
    with Store.open(home) as store:
        store.append("signature", case_code="C1", payload={"meaning": "clinical design confirmation"})
    code, out, _ = _run(capsys, "--home", str(home), "audit", "verify", "--json")
    assert code == 2
    assert out["signatures"] == 1
    assert [(p["code"], p["seq"]) for p in out["problems"]] == [("signature", 2)]
