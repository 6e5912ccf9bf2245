"""Bundles against a forger: an unknown site, a case code taken over, a re-chained history, a forged user, bombs,
and a crash half-way through an import (Trust issue items 1, 2, 13, 14, 15)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from people import People, password_of, set_up_people
from trust_support import record_check_of, signed_case

from records import bundle as bundle_module
from records.bundle import ARTIFACTS_PREFIX, MANIFEST_NAME, SIGNATURE_NAME, export_bundle, import_bundle, signed_message
from records.errors import (
    BundleError,
    BundleSignatureError,
    ConflictUnresolvedError,
    ImportRefusedError,
    UntrustedSiteError,
)
from records.events import canonical_json, compute_hash
from records.signatures import sign
from records.store import Store
from records.users import trust_site
from traceability.assignment import assign_udi
from traceability.trace import add_trace_event
from validation.manifest import current_manifest

CODE = "CP-2026-001"


@pytest.fixture(scope="module")
def _two_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, People, People]:
    base = tmp_path_factory.mktemp("two-sites")
    with Store.open(base / "a") as a, Store.open(base / "b") as b:
        people_a = set_up_people(a)
        people_b = set_up_people(b)
    return base / "a", base / "b", people_a, people_b


@pytest.fixture
def sites(
    tmp_path: Path, _two_sites: tuple[Path, Path, People, People]
) -> Iterator[tuple[Store, Store, People, People]]:
    """Two distinct workstations (site A, the local one, and site B), each set up with its own people."""
    home_a, home_b, people_a, people_b = _two_sites
    shutil.copytree(home_a, tmp_path / "a")
    shutil.copytree(home_b, tmp_path / "b")
    with Store.open(tmp_path / "a") as a, Store.open(tmp_path / "b") as b:
        yield a, b, people_a, people_b


def _export(store: Store, code: str, out: Path) -> Path:
    export_bundle(store, code, out, "eng1", password_of("eng1"))
    return out


def test_a_bundle_from_a_site_never_enrolled_takes_nothing_over(
    sites: tuple[Store, Store, People, People], tmp_path: Path
) -> None:
    a, b, people_a, people_b = sites
    record_check_of(a, CODE, 1.5, people_a)  # the local case: out of envelope, not signed
    signed_case(b, CODE, 4.0, people_b)  # the forger's own site: the same code, within and signed
    before = a.case(CODE)
    bundle = _export(b, CODE, tmp_path / "forged.zip")
    with pytest.raises(UntrustedSiteError, match="not trusted here"):
        import_bundle(a, bundle, by=people_a.engineer)
    after = a.case(CODE)
    assert (after.state, after.verdict, len(after.events)) == (before.state, before.verdict, len(before.events))
    assert a.verify().ok
    assert not list(a.home.glob(".scratch-*/*"))


def test_a_trusted_site_creating_an_existing_code_is_a_conflict_that_blocks_udi_label_trace_and_sign(
    sites: tuple[Store, Store, People, People], tmp_path: Path
) -> None:
    a, b, people_a, people_b = sites
    record_check_of(a, CODE, 1.5, people_a)
    signed_case(b, CODE, 4.0, people_b)
    trust_site(a, b.site_id, by=people_a.admin)
    result = import_bundle(a, _export(b, CODE, tmp_path / "b.zip"), by=people_a.engineer)
    assert result.audit.ok
    case = a.case(CODE)
    assert case.owner_site == a.site_id
    with pytest.raises(ConflictUnresolvedError, match="concurrent revisions"):
        assign_udi(a, CODE, by=people_a.quality)
    with pytest.raises(ConflictUnresolvedError):
        add_trace_event(a, CODE, "design_approved", where="lab", why="test", by=people_a.quality)
    with pytest.raises(ConflictUnresolvedError):
        sign(
            a,
            CODE,
            "clin1",
            password_of("clin1"),
            "clinical design confirmation",
            manifest_id=current_manifest().manifest_id,
        )
    imported = [e for e in a.events() if e.kind == "bundle_imported"]
    assert [(e.actor, e.payload["from_site"]) for e in imported] == [("eng1", b.site_id)]


def _rewrite_bundle(source: Path, target: Path, edit: Any, signer: People) -> None:
    """Re-chain a bundle's events after ``edit`` (event dict -> new payload or None) and sign it again with the
    exporter's key (the forger holds that one password, not the engineer's who attested the events)."""
    with zipfile.ZipFile(source) as archive:
        manifest = json.loads(archive.read(MANIFEST_NAME))
        artifacts = {name: archive.read(name) for name in archive.namelist() if name.startswith(ARTIFACTS_PREFIX)}
    heads: dict[str, str] = {}
    for event in manifest["events"]:
        new_payload = edit(event)
        if new_payload is not None:
            event["payload"] = new_payload
        event["prev_hash"] = heads.get(event["site_id"], "")
        event["hash"] = compute_hash(
            event_id=event["event_id"],
            site_id=event["site_id"],
            case_code=event["case_code"],
            kind=event["kind"],
            payload_json=canonical_json(event["payload"]),
            actor=event["actor"],
            created_at=event["created_at"],
            prev_hash=event["prev_hash"],
        )
        heads[event["site_id"]] = event["hash"]
    manifest_bytes = canonical_json(manifest).encode("utf-8")
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    exporter = signer.engineer
    signature = {
        "format": "dvw-bundle-signature/1",
        "algorithm": "Ed25519",
        "user_id": exporter.user_id,
        "public_key_sha256": exporter.public_key_sha256,
        "manifest_sha256": manifest_sha,
        "signature": base64.b64encode(exporter.sign_bytes(signed_message(manifest_sha))).decode("ascii"),
    }
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr(MANIFEST_NAME, manifest_bytes)
        archive.writestr(SIGNATURE_NAME, canonical_json(signature))
        for name, data in artifacts.items():
            archive.writestr(name, data)


def test_a_rechained_bundle_that_turns_a_verdict_into_within_is_refused(
    sites: tuple[Store, Store, People, People], tmp_path: Path
) -> None:
    a, b, people_a, people_b = sites
    signed_case(b, CODE, 1.5, people_b)  # out of envelope, re-verified, signed
    trust_site(a, b.site_id, by=people_a.admin)

    def within(event: dict[str, Any]) -> dict[str, Any] | None:
        if event["kind"] == "check_run":
            return {**event["payload"], "verdict": "within", "requires_reverification": False}
        return None

    _rewrite_bundle(_export(b, CODE, tmp_path / "b.zip"), tmp_path / "rechained.zip", within, people_b)
    # The sign-off no longer matches the log it came with, and the rewritten events lost their attestations.
    with pytest.raises((BundleSignatureError, ImportRefusedError), match=r"signed case head|attestation"):
        import_bundle(a, tmp_path / "rechained.zip", by=people_a.engineer)
    assert a.cases() == []
    assert a.verify().ok


def test_a_bundle_with_a_user_added_by_a_non_administrator_is_refused(
    sites: tuple[Store, Store, People, People], tmp_path: Path
) -> None:
    a, b, people_a, people_b = sites
    record_check_of(b, CODE, 4.0, people_b)
    trust_site(a, b.site_id, by=people_a.admin)
    source = _export(b, CODE, tmp_path / "b.zip")
    with zipfile.ZipFile(source) as archive:
        events = json.loads(archive.read(MANIFEST_NAME))["events"]
    template = next(e for e in events if e["kind"] == "user_added" and e["payload"]["user_id"] == "clin1")

    def forge(event: dict[str, Any]) -> dict[str, Any] | None:
        # The engineer turns the clinician's user_added into their own "clinician" with the engineer as actor.
        if event["event_id"] == template["event_id"]:
            event["actor"] = "eng1"
            event["attestation"] = None
        return None

    _rewrite_bundle(source, tmp_path / "forged-user.zip", forge, people_b)
    with pytest.raises(ImportRefusedError, match=r"administrator|attestation"):
        import_bundle(a, tmp_path / "forged-user.zip", by=people_a.engineer)


def test_a_crash_between_files_and_events_loses_nothing_and_leaves_no_scratch(
    sites: tuple[Store, Store, People, People], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, people_a, people_b = sites
    signed_case(b, CODE, 4.0, people_b)
    trust_site(a, b.site_id, by=people_a.admin)
    source = _export(b, CODE, tmp_path / "b.zip")

    def crash(*_args: object, **_kwargs: object) -> None:
        raise SystemExit("power cut")  # what a kill between the two steps leaves behind

    with monkeypatch.context() as patch:
        patch.setattr(Store, "import_events", crash)
        with pytest.raises(SystemExit):
            import_bundle(a, source, by=people_a.engineer)
    assert a.cases() == []  # no events without their files ...
    assert a.artifacts()  # ... the files came first
    assert a.verify().ok
    assert not list(a.home.glob(".scratch-*/*"))
    result = import_bundle(a, source, by=people_a.engineer)
    assert (result.events_added > 0, result.audit.ok) == (True, True)
    assert a.case(CODE).state == "signed"


def test_stale_scratch_of_a_dead_process_is_removed_when_the_store_opens(tmp_path: Path) -> None:
    home = tmp_path / "h"
    Store.open(home).close()
    stale = home / ".scratch-999999-abc"
    (stale / "bundle-x").mkdir(parents=True)
    (stale / "bundle-x" / "part").write_bytes(b"x" * 100)
    Store.open(home).close()
    assert not stale.exists()


def _bomb_manifest(path: Path) -> None:
    body = b'{"format": "dvw-bundle/1", "events": [' + b" " * (64 * 1024**2) + b"]}"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_NAME, body)
        archive.writestr(SIGNATURE_NAME, b"{}")


def test_a_manifest_bomb_is_refused_before_it_is_read(people_home: tuple[Path, People], tmp_path: Path) -> None:
    home, people = people_home
    bomb = tmp_path / "bomb.zip"
    _bomb_manifest(bomb)
    assert bomb.stat().st_size < 1024**2
    with Store.open(home) as store, pytest.raises(BundleError, match="zip bomb"):
        import_bundle(store, bomb, by=people.engineer)


def test_a_bundle_that_would_not_fit_on_the_disk_is_refused_before_extracting(
    sites: tuple[Store, Store, People, People], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, people_a, people_b = sites
    signed_case(b, CODE, 4.0, people_b)
    trust_site(a, b.site_id, by=people_a.admin)
    source = _export(b, CODE, tmp_path / "b.zip")
    real = shutil.disk_usage

    def nearly_full(path: object) -> Any:
        usage = real(path)  # type: ignore[arg-type]
        return usage._replace(free=1024)

    monkeypatch.setattr(bundle_module.shutil, "disk_usage", nearly_full)
    with pytest.raises(BundleError, match="disk has 1024 free"):
        import_bundle(a, source, by=people_a.engineer)
    assert a.artifacts() == [] or all(info.kind != "mesh" for info in a.artifacts())


def test_a_deeply_nested_manifest_is_refused_with_a_message(people_home: tuple[Path, People], tmp_path: Path) -> None:
    home, people = people_home
    path = tmp_path / "nested.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(MANIFEST_NAME, b"[" * 200_000 + b"]" * 200_000)
        archive.writestr(SIGNATURE_NAME, b"{}")
    with Store.open(home) as store, pytest.raises(BundleError, match=r"not a valid DVW bundle document.*nest"):
        import_bundle(store, path, by=people.engineer)
