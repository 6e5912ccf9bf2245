"""``dvw bundle export|import`` (CLI.md "Records") between two real set-up workstations (two sites) in temporary homes:
site A exports; site B, whose administrator trusts site A, imports."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from people import People, password_of, set_up_people

from app.cli import main
from records.store import ARTIFACTS_DIR, Store
from records.users import trust_site

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
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Store A, set up with its people, and case CODE with a design and a check by its engineer, made once for the
    module; and its site id."""
    home = tmp_path_factory.mktemp("prepared") / "home"
    with Store.open(home) as store:
        people = set_up_people(store)
        eng = people.engineer
        store.append("case_created", case_code=CODE, payload={}, by=eng)
        design = store.put_artifact(DESIGN, "mesh")
        store.append("inputs_added", case_code=CODE, payload={"design": design}, by=eng)
        payload = {"verdict": "within", "inputs": {"design": design}}
        store.append("check_run", case_code=CODE, payload=payload, by=eng)
        site_id = store.site_id
    return home, site_id


@pytest.fixture
def site_a(prepared: tuple[Path, str], tmp_path: Path) -> Path:
    home = tmp_path / "site-a"
    shutil.copytree(prepared[0], home)
    return home


@pytest.fixture
def site_b(people_home: tuple[Path, People], prepared: tuple[Path, str]) -> Path:
    """Store B: another set-up workstation, whose administrator trusts site A (met outside the sync server)."""
    home, people = people_home
    with Store.open(home) as store:
        trust_site(store, prepared[1], by=people.admin, name="Site A")
    return home


def _a_events(site_a: Path) -> int:
    with Store.open(site_a) as store:
        return store.event_count()


PW = password_of("eng1") + "\n"
AS_ENG1 = ("--user", "eng1", "--password-stdin")


def _state(home: Path) -> tuple[int, list[str]]:
    with Store.open(home) as store:
        files = sorted(str(p.relative_to(home)) for p in (home / ARTIFACTS_DIR).rglob("*"))
        return store.event_count(), files


def test_export_then_import_twice(
    site_a: Path, site_b: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "case.zip"
    a = ("--home", str(site_a))
    count = _a_events(site_a)  # site A's whole chain: its set-up, then the case
    code, result, _ = _run(
        capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), *AS_ENG1, "--json", stdin=PW
    )
    assert code == 0
    assert set(result) >= {"output", "sha256", "case", "events", "artifacts", "bytes"}
    assert (result["case"], result["events"], result["artifacts"], result["bytes"]) == (
        CODE,
        count,
        1,
        out.stat().st_size,
    )
    assert zipfile.is_zipfile(out)

    code, _, err = _run(capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), *AS_ENG1, stdin=PW)
    assert code == 2
    assert "output exists" in err
    assert "--force" in err
    code, forced, _ = _run(
        capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), *AS_ENG1, "--force", "--json", stdin=PW
    )
    assert code == 0
    assert forced["events"] == count

    b = ("--home", str(site_b))
    code, imported, _ = _run(capsys, monkeypatch, *b, "bundle", "import", str(out), *AS_ENG1, "--json", stdin=PW)
    assert code == 0
    assert imported["case"] == CODE
    assert (imported["events_added"], imported["events_held"], imported["artifacts_added"]) == (count, 0, 1)
    assert imported["audit_ok"] is True
    with Store.open(site_b) as store:
        record = store.events()[-1]
    assert (record.kind, record.actor, record.payload["case_code"]) == ("bundle_imported", "eng1", CODE)
    code, again, _ = _run(capsys, monkeypatch, *b, "bundle", "import", str(out), *AS_ENG1, "--json", stdin=PW)
    assert code == 0
    assert (again["events_added"], again["events_held"], again["artifacts_added"], again["audit_ok"]) == (
        0,
        count,
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

    code, _, err = _run(capsys, monkeypatch, *b, "bundle", "import", str(out), *AS_ENG1, stdin=PW)
    assert code == 0
    assert "0 events added" in err


def test_a_bundle_of_an_untrusted_site_exits_2_and_writes_nothing(
    site_a: Path,
    people_home: tuple[Path, People],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "case.zip"
    a = ("--home", str(site_a))
    assert _run(capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), *AS_ENG1, stdin=PW)[0] == 0
    home_b = people_home[0]  # set up, but it never trusted site A
    before = _state(home_b)
    b = ("--home", str(home_b))
    code, payload, err = _run(capsys, monkeypatch, *b, "bundle", "import", str(out), *AS_ENG1, "--json", stdin=PW)
    assert code == 2
    assert payload["error"]["code"] == "untrusted_site"
    assert "an administrator may trust it" in payload["error"]["message"]
    assert err.count("\n") == 1
    assert _state(home_b) == before
    code, payload, _ = _run(capsys, monkeypatch, *b, "bundle", "import", str(out), "--json")
    assert (code, payload["error"]["code"]) == (2, "usage")  # who imports it is recorded: --user is needed
    assert _state(home_b) == before


def test_a_tampered_bundle_exits_2_and_writes_nothing(
    site_a: Path,
    site_b: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "case.zip"
    a = ("--home", str(site_a))
    assert _run(capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), *AS_ENG1, stdin=PW)[0] == 0
    with zipfile.ZipFile(out) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    name = next(n for n in entries if n.startswith("artifacts/"))
    entries[name] = entries[name].replace(b"design", b"DESIGN")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for entry, data in entries.items():
            archive.writestr(entry, data)
    home_b = site_b
    before = _state(home_b)
    code, payload, err = _run(
        capsys, monkeypatch, "--home", str(home_b), "bundle", "import", str(tampered), *AS_ENG1, "--json", stdin=PW
    )
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
        "--json", stdin=PW,
    )  # fmt: skip
    assert code == 2
    assert payload["error"]["code"] == "unknown_user"
    code, payload, _ = _run(
        capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), *AS_ENG1, "--json",
        stdin="not the password\n",
    )  # fmt: skip
    assert code == 2
    assert payload["error"]["code"] == "wrong_password"
    code, payload, _ = _run(
        capsys, monkeypatch, *a, "bundle", "export", CODE, "--out", str(out), "--user", "eng1", "--json"
    )
    assert code == 2
    assert "--password-stdin" in payload["error"]["message"]
    assert not out.exists()
    code, payload, _ = _run(
        capsys, monkeypatch, *a, "bundle", "import", str(tmp_path / "nothing.zip"), *AS_ENG1, "--json", stdin=PW
    )
    assert code == 2
    assert payload["error"]["code"] == "bundle_error"
