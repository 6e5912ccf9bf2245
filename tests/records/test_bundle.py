"""Case bundles: export from one store, import into another, idempotence, and every tamper refused unwritten."""

from __future__ import annotations

import base64
import json
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from records.bundle import (
    ARTIFACTS_PREFIX,
    MANIFEST_NAME,
    SIGNATURE_NAME,
    BundleExport,
    export_bundle,
    import_bundle,
    signed_message,
)
from records.errors import (
    BundleError,
    BundleIntegrityError,
    BundleSignatureError,
    CaseNotFoundError,
    UnknownUserError,
    WrongPasswordError,
)
from records.events import canonical_json
from records.signatures import sign, signature_checker
from records.store import ARTIFACTS_DIR, Store
from records.users import add_user
from validation.check import check
from validation.envelope import parse_envelope
from validation.manifest import current_manifest
from validation.parameters import Parameters, ParameterValue
from validation.selftest import SelftestResult, record_selftest

PASSWORD = "correct horse battery"
CODE = "CP-2026-042"
OTHER = "CP-2026-041"
DESIGN = b"solid design\nfacet normal 0 0 1\nendsolid design\n"
DICOM = b"DICM fake instance with PatientName Doe^Jane"
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


def prepare_site(home: Path) -> None:
    """Store A: users, an earlier case, and case CODE with a design, a withheld DICOM, a check and a signature."""
    manifest_id = current_manifest().manifest_id
    record_selftest(SelftestResult(True, manifest_id, (), 0.0, "2026-01-01T00:00:00+00:00"), home)
    with Store.open(home) as store:
        add_user(store, "eng", printed_name="Erin Engineer", role="engineer", password=PASSWORD)
        store.append("case_created", case_code=OTHER, payload={})
        add_user(store, "doc", printed_name="Dr Dana Doc", role="clinician", password=PASSWORD)
        store.append("case_created", case_code=CODE, payload={})
        store.set_patient_identity(CODE, name="Doe^Jane", patient_id="H-991", birth_date="1970-02-03")
        design = store.put_artifact(DESIGN, "mesh")
        dicom = store.put_artifact(DICOM, "dicom")
        store.put_artifact(b"an artifact of no case", "mesh")
        store.append("inputs_added", case_code=CODE, payload={"design": design, "dicom": dicom}, actor="eng")
        parameters = Parameters((ParameterValue("design.min_wall_thickness", 4.0, "mm"),), manifest_id)
        store.put_artifact(parameters.canonical_bytes(), "parameters")
        store.append("check_run", case_code=CODE, payload=check(ENVELOPE, parameters, manifest_id).to_json())
        sign(store, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
        store.append("note", case_code=OTHER, payload={"text": "after the signature"})


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, BundleExport]:
    """(store A's home, its bundle of CODE, the export result), made once for the module."""
    root = tmp_path_factory.mktemp("site-a")
    home = root / "home"
    prepare_site(home)
    with Store.open(home) as store:
        result = export_bundle(store, CODE, root / "case.dvwbundle", "eng", PASSWORD)
    return home, result.output, result


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Store]:
    """Store B: a fresh store at another site."""
    with Store.open(tmp_path / "site-b") as store:
        yield store


@pytest.fixture
def copy_of_a(site: tuple[Path, Path, BundleExport], tmp_path: Path) -> Iterator[Store]:
    """A copy of store A (the same site), for tests that change it."""
    home = tmp_path / "site-a-copy"
    shutil.copytree(site[0], home)
    with Store.open(home) as store:
        yield store


def _files(store: Store) -> list[str]:
    return sorted(str(path.relative_to(store.home)) for path in (store.home / ARTIFACTS_DIR).rglob("*"))


def _entries(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rewrite(bundle: Path, out: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    entries = _entries(bundle)
    change(entries)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out


def _edit_manifest(entries: dict[str, bytes], edit: Callable[[dict[str, object]], None]) -> None:
    manifest = json.loads(entries[MANIFEST_NAME])
    edit(manifest)
    entries[MANIFEST_NAME] = canonical_json(manifest).encode()


def test_a_bundle_carries_the_case_chain_prefixes_and_artifacts_but_no_identity(
    site: tuple[Path, Path, BundleExport],
) -> None:
    home, bundle, result = site
    entries = _entries(bundle)
    manifest = json.loads(entries[MANIFEST_NAME])
    with Store.open(home) as store:
        events = store.events()
        design = store.case(CODE).inputs["design"]
    # Every event up to the signature (the last one the case needs); the later note of the other case stays home.
    assert [e["event_id"] for e in manifest["events"]] == [e.event_id for e in events[:-1]]
    assert result.events == len(events) - 1
    assert manifest["exported_by"]["user_id"] == "eng"
    listed = {item["sha256"]: item["kind"] for item in manifest["artifacts"]}
    assert design in listed
    assert set(listed.values()) == {"mesh", "parameters"}
    assert [item["kind"] for item in manifest["withheld"]] == ["dicom"]
    assert list(entries) == [MANIFEST_NAME, SIGNATURE_NAME, *sorted(ARTIFACTS_PREFIX + sha for sha in listed)]
    with zipfile.ZipFile(bundle) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    everything = b"".join(entries.values())
    for secret in (b"Doe^Jane", b"Doe", b"H-991", b"1970-02-03", b"DICM"):
        assert secret not in everything


def test_import_reproduces_the_case_and_verifies_and_twice_adds_nothing(
    site: tuple[Path, Path, BundleExport], target: Store
) -> None:
    home, bundle, result = site
    imported = import_bundle(target, bundle)
    assert (imported.case_code, imported.exported_by) == (CODE, "eng")
    assert (imported.events_added, imported.events_held, imported.artifacts_added) == (result.events, 0, 2)
    assert imported.audit.ok
    assert imported.audit.signatures == 1
    with Store.open(home) as source:
        expected = source.case(CODE)
        site_id = source.site_id
    case = target.case(CODE)
    assert [(e.event_id, e.hash) for e in case.events] == [(e.event_id, e.hash) for e in expected.events]
    assert (case.state, case.verdict, case.revision) == ("signed", "within", 1)
    assert target.read_artifact(case.inputs["design"]) == DESIGN
    assert target.artifact_info(case.inputs["dicom"]) is None
    assert target.patient_identity(CODE) is None
    assert imported.site_id == site_id != target.site_id
    report = target.verify(signature_checker(target))
    assert (report.ok, report.signatures) == (True, 1)

    count, files = target.event_count(), _files(target)
    again = import_bundle(target, bundle)
    assert (again.events_added, again.events_held, again.artifacts_added) == (0, result.events, 0)
    assert (target.event_count(), _files(target)) == (count, files)


def test_a_bundle_from_this_same_site_adds_nothing(site: tuple[Path, Path, BundleExport], copy_of_a: Store) -> None:
    count, files = copy_of_a.event_count(), _files(copy_of_a)
    imported = import_bundle(copy_of_a, site[1])
    assert (imported.events_added, imported.events_held, imported.artifacts_added) == (0, site[2].events, 0)
    assert imported.audit.ok
    assert (copy_of_a.event_count(), _files(copy_of_a)) == (count, files)


def _artifact_name(entries: dict[str, bytes]) -> str:
    return next(name for name in entries if name.startswith(ARTIFACTS_PREFIX))


def _change_artifact(entries: dict[str, bytes]) -> None:
    name = _artifact_name(entries)
    entries[name] = entries[name].replace(b"0", b"9", 1) if b"0" in entries[name] else entries[name] + b" "


def _drop_artifact(entries: dict[str, bytes]) -> None:
    del entries[_artifact_name(entries)]


def _edit_payload(entries: dict[str, bytes]) -> None:
    def edit(manifest: dict[str, object]) -> None:
        events = manifest["events"]
        assert isinstance(events, list)
        check_run = next(e for e in events if e["kind"] == "check_run")
        check_run["payload"]["verdict"] = "out_of_envelope"

    _edit_manifest(entries, edit)


def _edit_created_at(entries: dict[str, bytes]) -> None:
    _edit_manifest(entries, lambda manifest: manifest.update(created_at="2030-01-01T00:00:00.000000+00:00"))


def _edit_exporter(entries: dict[str, bytes]) -> None:
    _edit_manifest(entries, lambda manifest: manifest.update(exported_by={"user_id": "doc"}))


def _foreign_signature(entries: dict[str, bytes]) -> None:
    signature = json.loads(entries[SIGNATURE_NAME])
    forged = Ed25519PrivateKey.generate().sign(signed_message(signature["manifest_sha256"]))
    signature["signature"] = base64.b64encode(forged).decode()
    entries[SIGNATURE_NAME] = canonical_json(signature).encode()


def _drop_event(entries: dict[str, bytes]) -> None:
    def edit(manifest: dict[str, object]) -> None:
        events = manifest["events"]
        assert isinstance(events, list)
        del events[2]

    _edit_manifest(entries, edit)


def _extra_artifact(entries: dict[str, bytes]) -> None:
    entries[ARTIFACTS_PREFIX + "a" * 64] = b"smuggled"


@pytest.mark.parametrize(
    ("change", "error", "reason"),
    [
        (_change_artifact, BundleIntegrityError, "does not match its SHA-256"),
        (_drop_artifact, BundleIntegrityError, "listed in the manifest but missing"),
        (_edit_payload, BundleIntegrityError, "does not match its hash"),
        (_drop_event, BundleIntegrityError, "breaks at event"),
        (_edit_created_at, BundleSignatureError, "manifest.json was changed after it was signed"),
        (_edit_exporter, BundleSignatureError, "signature.json names signer 'eng'"),
        (_foreign_signature, BundleSignatureError, "does not verify with the key of user eng"),
        (_extra_artifact, BundleError, "not listed in the manifest"),
    ],
    ids=[
        "artifact-bytes",
        "missing-artifact",
        "event-payload",
        "event-removed",
        "manifest",
        "signer",
        "wrong-signature",
        "extra-artifact",
    ],
)
def test_a_tampered_bundle_is_refused_and_nothing_is_written(
    site: tuple[Path, Path, BundleExport],
    target: Store,
    tmp_path: Path,
    change: Callable[[dict[str, bytes]], None],
    error: type[BundleError],
    reason: str,
) -> None:
    tampered = _rewrite(site[1], tmp_path / "tampered.zip", change)
    before = (target.event_count(), _files(target), sorted(p.name for p in target.home.iterdir()))
    with pytest.raises(error, match=re.escape(reason)) as raised:
        import_bundle(target, tampered)
    assert "\n" not in raised.value.message
    assert (target.event_count(), _files(target), sorted(p.name for p in target.home.iterdir())) == before


def _unsafe(name: str) -> Callable[[dict[str, bytes]], None]:
    def change(entries: dict[str, bytes]) -> None:
        entries[name] = b"x"

    return change


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.txt", "unsafe entry name"),
        ("/etc/evil", "unsafe entry name"),
        ("artifacts/../../evil", "unsafe entry name"),
        ("notes.txt", "unexpected entry"),
        ("artifacts/not-a-hash", "unexpected entry"),
    ],
)
def test_unsafe_entries_are_refused(
    site: tuple[Path, Path, BundleExport], target: Store, tmp_path: Path, name: str, reason: str
) -> None:
    bundle = _rewrite(site[1], tmp_path / "unsafe.zip", _unsafe(name))
    with pytest.raises(BundleError, match=reason):
        import_bundle(target, bundle)
    assert (target.event_count(), _files(target)) == (0, [])


def test_a_zip_bomb_and_non_bundles_are_refused(
    site: tuple[Path, Path, BundleExport], target: Store, tmp_path: Path
) -> None:
    with pytest.raises(BundleError, match="possible zip bomb"):
        import_bundle(target, site[1], max_total_bytes=1000)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_NAME, b"{}")
        archive.writestr(SIGNATURE_NAME, b"{}")
        archive.writestr(ARTIFACTS_PREFIX + "b" * 64, bytes(50_000_000))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(BundleError, match="possible zip bomb"):
        import_bundle(target, bomb, max_total_bytes=10_000_000)
    text = tmp_path / "text.zip"
    text.write_text("not a zip")
    with pytest.raises(BundleError, match="not a ZIP file"):
        import_bundle(target, text)
    empty = _rewrite(site[1], tmp_path / "empty.zip", lambda entries: entries.pop(SIGNATURE_NAME))
    with pytest.raises(BundleError, match=r"no signature\.json"):
        import_bundle(target, empty)
    assert (target.event_count(), _files(target)) == (0, [])


def test_export_refusals(copy_of_a: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.zip"
    with pytest.raises(UnknownUserError):
        export_bundle(copy_of_a, CODE, out, "nobody", PASSWORD)
    with pytest.raises(WrongPasswordError):
        export_bundle(copy_of_a, CODE, out, "eng", "wrong password")
    with pytest.raises(CaseNotFoundError):
        export_bundle(copy_of_a, "NO-SUCH-CASE", out, "eng", PASSWORD)
    assert not out.exists()
    out.write_bytes(b"keep me")
    with pytest.raises(BundleError, match="output exists"):
        export_bundle(copy_of_a, CODE, out, "eng", PASSWORD)
    assert out.read_bytes() == b"keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_user_id_known_here_with_another_key_is_refused(site: tuple[Path, Path, BundleExport], target: Store) -> None:
    add_user(target, "eng", printed_name="Another Erin", role="engineer", password=PASSWORD)
    before = (target.event_count(), _files(target))
    with pytest.raises(BundleSignatureError, match="user eng has key"):
        import_bundle(target, site[1])
    assert (target.event_count(), _files(target)) == before
