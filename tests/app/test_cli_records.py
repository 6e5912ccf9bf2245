"""``dvw case new|list|show`` and ``dvw audit verify`` (CLI.md "Records"), run on a real store: a copy of a set-up
workstation (``people_home``), whose users create cases with ``--user USER --password-stdin``."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from people import People, password_of

from app.cli import main
from records.errors import InvalidEventError
from records.models import append_only_triggers
from records.store import DB_NAME, Store

#: What ``case list --json`` says of a case without a design input (no deadline).
NO_DEADLINE = {"deadline": None, "days_left": None, "late": False, "at_risk": False}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if captured.out.strip() else {}
    return code, payload, captured.err


@pytest.fixture
def home(people_home: tuple[Path, People]) -> Path:
    """A copy of a set-up workstation's home."""
    return people_home[0]


@pytest.fixture
def people(people_home: tuple[Path, People]) -> People:
    """The signed-in users of ``home``."""
    return people_home[1]


@pytest.fixture
def as_eng1(monkeypatch: pytest.MonkeyPatch) -> tuple[str, ...]:
    """The options naming the engineer, whose password is on stdin (one line, read by --password-stdin)."""
    monkeypatch.setattr("sys.stdin", io.StringIO(password_of("eng1") + "\n"))
    monkeypatch.delenv("DVW_USER", raising=False)
    return ("--user", "eng1", "--password-stdin")


def _count(home: Path) -> int:
    with Store.open(home) as store:
        return store.event_count()


def test_case_new_list_show(
    home: Path, people: People, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = ("--home", str(home))
    base = _count(home)
    monkeypatch.setattr("sys.stdin", io.StringIO(password_of("eng1") + "\n"))
    code, out, _ = _run(capsys, *h, "case", "new", "CP-2026-001", "--user", "eng1", "--password-stdin", "--json")
    assert code == 0
    assert {"code", "revision", "state", "verdict", "event_id", "seq"} <= out.keys()
    assert (out["code"], out["revision"], out["state"], out["verdict"], out["seq"]) == (
        "CP-2026-001",
        1,
        "open",
        None,
        base + 1,
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(password_of("clin1") + "\n"))
    assert _run(capsys, *h, "case", "new", "CP-2026-002", "--user", "clin1", "--password-stdin")[0] == 0
    with Store.open(home) as store:
        assert [e.actor for e in store.events("CP-2026-001") + store.events("CP-2026-002")] == ["eng1", "clin1"]
        payload = {"verdict": "out_of_envelope"}
        store.append("check_run", case_code="CP-2026-002", payload=payload, by=people.engineer)
    code, out, _ = _run(capsys, *h, "case", "list", "--json")
    assert code == 0
    assert out == {
        "cases": [
            {"code": "CP-2026-001", "revision": 1, "state": "open", "verdict": None, **NO_DEADLINE},
            {
                "code": "CP-2026-002",
                "revision": 1,
                "state": "needs_reverification",
                "verdict": "out_of_envelope",
                **NO_DEADLINE,
            },
        ]
    }
    code, out, _ = _run(capsys, *h, "case", "show", "CP-2026-002", "--json")
    assert code == 0
    assert (out["code"], out["state"], out["verdict"]) == ("CP-2026-002", "needs_reverification", "out_of_envelope")
    assert [e["kind"] for e in out["events"]] == ["case_created", "check_run"]
    assert out["signatures"] == []
    assert {"seq", "event_id", "site_id", "hash", "prev_hash", "created_at", "payload"} <= out["events"][0].keys()


def test_human_output_goes_to_stderr(home: Path, as_eng1: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    count = _count(home)
    h = str(home)
    code, out, err = _run(capsys, "--home", h, "case", "new", "C1", *as_eng1)
    assert (code, out) == (0, {})
    assert "case C1 created" in err
    code, out, err = _run(capsys, "--home", h, "case", "list")
    assert (code, out) == (0, {})
    assert "C1" in err
    code, _, err = _run(capsys, "--home", h, "case", "show", "C1")
    assert code == 0
    assert "case_created by eng1" in err
    code, _, err = _run(capsys, "--home", h, "audit", "verify")
    assert code == 0
    assert f"audit ok: {count + 1} events" in err


def test_case_new_keeps_identity_local(
    home: Path, as_eng1: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--home", str(home), "case", "new", "C1", "--patient-name", "Li^Na", "--patient-id", "H77", "--json"]
    code, _, _ = _run(capsys, *argv, "--birth-date", "1980-12-01", *as_eng1)
    assert code == 0
    with Store.open(home) as store:
        identity = store.patient_identity("C1")
        assert identity is not None
        assert (identity.name, identity.patient_id, identity.birth_date) == ("Li^Na", "H77", "1980-12-01")
        assert "Li^Na" not in json.dumps([e.to_json() for e in store.events()])
    code, out, _ = _run(
        capsys, "--home", str(home), "case", "new", "C2", "--birth-date", "1.12.1980", "--json", *as_eng1
    )
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


def test_case_new_names_the_person_and_refuses_without_one(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DVW_USER", raising=False)
    count = _count(home)
    h = ("--home", str(home))
    code, out, err = _run(capsys, *h, "case", "new", "C1", "--json")
    assert code == 2
    assert out["error"]["code"] == "usage"
    assert "recorded with who did it: give --user USER (or set DVW_USER)" in out["error"]["message"]
    assert len(err.strip().splitlines()) == 1
    monkeypatch.setattr("sys.stdin", io.StringIO("not the password\n"))
    code, out, err = _run(capsys, *h, "case", "new", "C1", "--user", "eng1", "--password-stdin", "--json")
    assert code == 2
    assert out["error"]["code"] == "wrong_password"
    assert "Traceback" not in err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, _ = _run(capsys, *h, "case", "new", "C1", "--user", "eng1", "--password-stdin", "--json")
    assert (code, out["error"]["code"]) == (2, "usage")
    assert "no password on stdin" in out["error"]["message"]
    monkeypatch.setattr("sys.stdin", io.StringIO(password_of("eng1") + "\n"))
    code, out, _ = _run(capsys, *h, "case", "new", "C1", "--user", "nobody", "--password-stdin", "--json")
    assert (code, out["error"]["code"]) == (2, "unknown_user")
    with Store.open(home) as store:
        assert store.cases() == []
        assert [e.kind for e in store.events()[count:]] == ["sign_in_failed"]  # the wrong password is recorded


def test_existing_case_is_refused(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    h = str(home)
    monkeypatch.setattr("sys.stdin", io.StringIO(password_of("eng1") + "\n" + password_of("eng1") + "\n"))
    assert _run(capsys, "--home", h, "case", "new", "C1", "--user", "eng1", "--password-stdin")[0] == 0
    code, out, err = _run(capsys, "--home", h, "case", "new", "C1", "--user", "eng1", "--password-stdin", "--json")
    assert code == 2
    assert out["error"]["code"] == "case_exists"
    assert err.strip() == "dvw: error: case C1 already exists"


def test_home_and_user_from_environment(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DVW_HOME", str(home))
    monkeypatch.setenv("DVW_USER", "clin1")
    monkeypatch.setattr("sys.stdin", io.StringIO(password_of("clin1") + "\n"))
    assert _run(capsys, "case", "new", "E1", "--password-stdin", "--json")[0] == 0
    with Store.open(home) as store:
        (created,) = store.events("E1")
    assert (created.kind, created.actor) == ("case_created", "clin1")


def test_audit_verify_ok_and_tampered(
    home: Path, people: People, as_eng1: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "--home", str(home), "case", "new", "C1", *as_eng1)[0] == 0
    with Store.open(home) as store:
        store.append("note", case_code="C1", payload={"text": "a"}, by=people.engineer)
        store.append("note", case_code="C1", payload={"text": "c"}, by=people.engineer)
        sha = store.put_artifact(b"mesh bytes", "mesh")
        count = store.event_count()
        edited = store.events("C1")[1].seq
    code, out, _ = _run(capsys, "--home", str(home), "audit", "verify", "--json")
    assert code == 0
    assert out == {"ok": True, "events": count, "signatures": 0, "pending_signatures": 0, "problems": []}

    connection = sqlite3.connect(home / DB_NAME)
    connection.execute("DROP TRIGGER events_no_update")
    connection.execute(f"""UPDATE events SET payload = '{{"text":"b"}}' WHERE seq = {edited}""")
    connection.execute(append_only_triggers()["events_no_update"])
    connection.commit()
    connection.close()
    artifact = home / "artifacts" / sha[:2] / sha
    artifact.chmod(0o644)
    artifact.write_bytes(b"other bytes")

    code, out, err = _run(capsys, "--home", str(home), "audit", "verify", "--json")
    assert code == 2
    assert out["ok"] is False
    assert (out["events"], out["signatures"]) == (count, 0)
    assert [(p["code"], p["seq"]) for p in out["problems"]] == [("hash_mismatch", edited), ("artifact_changed", None)]
    assert out["problems"][0]["message"].startswith("hash mismatch: stored ")
    assert out["problems"][1]["sha256"] == sha
    assert out["error"]["code"] == "audit_failed"
    assert "audit found 2 problems" in err
    assert "Traceback" not in err

    code, out, err = _run(capsys, "--home", str(home), "audit", "verify")
    assert (code, out) == (2, {})
    assert f"event seq {edited}" in err
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
    home: Path, people: People, as_eng1: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "--home", str(home), "case", "new", "C1", *as_eng1)[0] == 0
    with Store.open(home) as store:
        with pytest.raises(InvalidEventError, match="not a valid signature payload"):
            store.append("signature", case_code="C1", payload={"meaning": "approved"}, by=people.clinician)
        clinician = people.clinician.user
        content = {
            "format": "dvw-signature/1",
            "case_code": "C1",
            "revision": 1,
            "meaning": "clinical design confirmation",
            "signed_at": "2026-05-01T09:30:00+08:00",
            "signer": clinician.signer_json(),
            "public_key_sha256": clinician.public_key_sha256,
            "manifest_id": "0" * 64,
            "inputs": {},
            "check": {"event_id": "0" * 32, "event_hash": "0" * 64, "payload_sha256": "0" * 64},
            "case_head_hash": "0" * 64,
        }
        payload = {
            "content": content,
            "signature": "AAAA",
            "algorithm": "Ed25519",
            "public_key_sha256": clinician.public_key_sha256,
        }
        event = store.append("signature", case_code="C1", payload=payload, by=people.clinician)
    code, out, _ = _run(capsys, "--home", str(home), "audit", "verify", "--json")
    assert code == 2
    assert out["signatures"] == 1
    assert [(p["code"], p["seq"]) for p in out["problems"]] == [("signature", event.seq)]
    assert "does not verify" in out["problems"][0]["message"]


def test_the_global_home_may_follow_the_command(
    home: Path, as_eng1: tuple[str, ...], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """CLI.md writes ``dvw demo [--home DIR]``: ``--home`` is accepted on either side of the command, and given after
    it, it wins over ``$DVW_HOME``."""
    assert _run(capsys, "--home", str(home), "case", "new", "CP-HOME-1", *as_eng1, "--json")[0] == 0
    before = _run(capsys, "--home", str(home), "case", "list", "--json")
    after = _run(capsys, "case", "list", "--json", "--home", str(home))
    assert before[:2] == after[:2]
    assert [case["code"] for case in after[1]["cases"]] == ["CP-HOME-1"]
    other = tmp_path / "other-home"
    assert _run(capsys, "--home", str(other), "case", "list", "--home", str(home), "--json")[1] == after[1]
