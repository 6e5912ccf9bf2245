"""``dvw bundle export|import`` (CLI.md "Records") between two real stores in temporary homes."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from records.store import ARTIFACTS_DIR, Store
from records.users import add_user

PASSWORD = "correct horse battery"
CODE = "CP-2026-077"
DESIGN = b"solid design\nendsolid design\n"


def _run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = ""
) -> tuple[int, dict[str, Any], str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    payload = json.loads(captured.out) if captured.out.strip() else {}
    assert "Traceback" not in captured.err
    return code, payload, captured.err


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Store A with a user and case CODE with a design and a check, made once for the module."""
    home = tmp_path_factory.mktemp("prepared") / "home"
    with Store.open(home) as store:
        add_user(store, "eng", printed_name="Erin Engineer", role="engineer", password=PASSWORD)
        store.append("case_created", case_code=CODE, payload={})
        design = store.put_artifact(DESIGN, "mesh")
        store.append("inputs_added", case_code=CODE, payload={"design": design}, actor="eng")
        store.append("check_run", case_code=CODE, payload={"verdict": "within", "inputs": {"design": design}})
    return home


@pytest.fixture
def site_a(prepared: Path, tmp_path: Path) -> Path:
    home = tmp_path / "site-a"
    shutil.copytree(prepared, home)
    return home


def _state(home: Path) -> tuple[int, list[str]]:
    with Store.open(home) as store:
        files = sorted(str(p.relative_to(home)) for p in (home / ARTIFACTS_DIR).rglob("*"))
        return store.event_count(), files


def test_export_then_import_twice(
    site_a: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "case.zip"
    pw = PASSWORD + "\n"
    a = ("--home", str(site_a))
    code, result, _ = _run(
        capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), "--user", "eng", "--password-stdin",
        "--json", stdin=pw,
    )  # fmt: skip
    assert code == 0
    assert set(result) >= {"output", "sha256", "case", "events", "artifacts", "bytes"}
    assert (result["case"], result["events"], result["artifacts"], result["bytes"]) == (
        CODE,
        4,
        1,
        out.stat().st_size,
    )
    assert zipfile.is_zipfile(out)

    code, _, err = _run(
        capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), "--user", "eng", "--password-stdin",
        stdin=pw,
    )  # fmt: skip
    assert code == 2
    assert "output exists" in err
    assert "--force" in err
    code, forced, _ = _run(
        capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), "--user", "eng", "--password-stdin",
        "--force", "--json", stdin=pw,
    )  # fmt: skip
    assert code == 0
    assert forced["events"] == 4

    b = ("--home", str(tmp_path / "site-b"))
    code, imported, _ = _run(capsys, monkeypatch, *b, "bundle", "import", str(out), "--json")
    assert code == 0
    assert imported["case"] == CODE
    assert (imported["events_added"], imported["events_held"], imported["artifacts_added"]) == (4, 0, 1)
    assert imported["audit_ok"] is True
    code, again, _ = _run(capsys, monkeypatch, *b, "bundle", "import", str(out), "--json")
    assert code == 0
    assert (again["events_added"], again["events_held"], again["artifacts_added"], again["audit_ok"]) == (
        0,
        4,
        0,
        True,
    )
    code, shown, _ = _run(capsys, monkeypatch, *b, "case", "show", CODE, "--json")
    with Store.open(site_a) as store:
        expected = [event.hash for event in store.events(CODE)]
    assert code == 0
    assert [event["hash"] for event in shown["events"]] == expected
    code, audit, _ = _run(capsys, monkeypatch, *b, "audit", "verify", "--json")
    assert code == 0
    assert audit["ok"] is True

    code, _, err = _run(capsys, monkeypatch, *b, "bundle", "import", str(out))
    assert code == 0
    assert "0 events added" in err


def test_a_tampered_bundle_exits_2_and_writes_nothing(
    site_a: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "case.zip"
    code, _, _ = _run(
        capsys, monkeypatch, "--home", str(site_a), "bundle", "export", CODE, "--out", str(out), "--user", "eng",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0
    with zipfile.ZipFile(out) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    name = next(n for n in entries if n.startswith("artifacts/"))
    entries[name] = entries[name].replace(b"design", b"DESIGN")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for entry, data in entries.items():
            archive.writestr(entry, data)
    home_b = tmp_path / "site-b"
    Store.open(home_b).close()
    before = _state(home_b)
    code, payload, err = _run(capsys, monkeypatch, "--home", str(home_b), "bundle", "import", str(tampered), "--json")
    assert code == 2
    assert payload["error"]["code"] == "bundle_integrity"
    assert "does not match its SHA-256" in payload["error"]["message"]
    assert err.count("\n") == 1
    assert _state(home_b) == before


def test_export_refusals(
    site_a: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "case.zip"
    a = ("--home", str(site_a))
    code, payload, _ = _run(
        capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), "--user", "nobody", "--password-stdin",
        "--json", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 2
    assert payload["error"]["code"] == "unknown_user"
    code, payload, _ = _run(
        capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), "--user", "eng", "--password-stdin",
        "--json", stdin="not the password\n",
    )  # fmt: skip
    assert code == 2
    assert payload["error"]["code"] == "wrong_password"
    code, payload, _ = _run(
        capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), "--user", "eng", "--json"
    )
    assert code == 2
    assert "--password-stdin" in payload["error"]["message"]
    assert not out.exists()
    code, payload, _ = _run(capsys, monkeypatch, *a, "bundle", "import", str(tmp_path / "nothing.zip"), "--json")
    assert code == 2
    assert payload["error"]["code"] == "bundle_error"
