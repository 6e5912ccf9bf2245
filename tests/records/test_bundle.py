"""Case bundles: export from one store, import into another that trusts the exporting site, idempotence, and every
tamper (and every bundle of a site not trusted here) refused unwritten.

Site A is set up once for the module with its own people; the importing store B is a copy of the ``people_home``
workstation (another site, whose administrator trusts site A)."""

from __future__ import annotations

import base64
import json
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from people import People, password_of, set_up_people

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
    UnattributedEventError,
    UnknownUserError,
    UntrustedSiteError,
    WrongPasswordError,
)
from records.events import canonical_json
from records.signatures import sign, signature_checker
from records.store import ARTIFACTS_DIR, SCRATCH_PREFIX, Store
from records.users import add_user, all_users, load_users, sign_in, trust_site
from validation.check import check
from validation.envelope import parse_envelope
from validation.manifest import current_manifest
from validation.parameters import Parameters, ParameterValue

DOC_PASSWORD = "doc-correct-horse"
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


def prepare_site(home: Path) -> People:
    """Store A: set up (admin1, eng1, clin1, qa1, a passed self-test), an earlier case, a clinician added after it,
    and case CODE with a design, a withheld DICOM, a check and that clinician's signature; a later note."""
    manifest_id = current_manifest().manifest_id
    with Store.open(home) as store:
        people = set_up_people(store)
        eng = people.engineer
        store.append("case_created", case_code=OTHER, payload={}, by=eng)
        add_user(store, "doc", printed_name="Dr Dana Doc", role="clinician", password=DOC_PASSWORD, by=people.admin)
        store.append("case_created", case_code=CODE, payload={}, by=eng)
        store.set_patient_identity(CODE, name="Doe^Jane", patient_id="H-991", birth_date="1970-02-03")
        design = store.put_artifact(DESIGN, "mesh")
        dicom = store.put_artifact(DICOM, "dicom")
        store.put_artifact(b"an artifact of no case", "mesh")
        store.append("inputs_added", case_code=CODE, payload={"design": design, "dicom": dicom}, by=eng)
        parameters = Parameters((ParameterValue("design.min_wall_thickness", 4.0, "mm"),), manifest_id)
        store.put_artifact(parameters.canonical_bytes(), "parameters")
        result = check(ENVELOPE, parameters, manifest_id).to_json()
        store.append("check_run", case_code=CODE, payload=result, by=eng)
        sign(
            store, CODE, "doc", DOC_PASSWORD, "clinical design confirmation", manifest_id=current_manifest().manifest_id
        )
        store.append("note", case_code=OTHER, payload={"text": "after the signature"}, by=eng)
    return people


@dataclass(frozen=True)
class SiteA:
    """Store A's home, its bundle of CODE, the export result, its site id and its signed-in people."""

    home: Path
    bundle: Path
    result: BundleExport
    site_id: str
    people: People


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SiteA:
    """Site A with its bundle of CODE, made once for the module."""
    root = tmp_path_factory.mktemp("site-a")
    home = root / "home"
    people = prepare_site(home)
    with Store.open(home) as store:
        result = export_bundle(store, CODE, root / "case.dvwbundle", "eng1", password_of("eng1"))
        site_id = store.site_id
    return SiteA(home, result.output, result, site_id, people)


@pytest.fixture
def people(people_home: tuple[Path, People]) -> People:
    """Store B's signed-in people."""
    return people_home[1]


@pytest.fixture
def untrusting(people_home: tuple[Path, People]) -> Iterator[Store]:
    """Store B: a set-up workstation at another site, which has never trusted site A."""
    with Store.open(people_home[0]) as store:
        yield store


@pytest.fixture
def target(untrusting: Store, people: People, site: SiteA) -> Store:
    """Store B, whose administrator has trusted site A (a site met outside the company's sync server)."""
    trust_site(untrusting, site.site_id, by=people.admin, name="Site A")
    return untrusting


@pytest.fixture
def copy_of_a(site: SiteA, tmp_path: Path) -> Iterator[Store]:
    """A copy of store A (the same site), for tests that change it."""
    home = tmp_path / "site-a-copy"
    shutil.copytree(site.home, home)
    with Store.open(home) as store:
        yield store


def _state(store: Store) -> tuple[int, list[str]]:
    return store.event_count(), _files(store)


def _home_entries(store: Store) -> list[str]:
    """The home's entries, but for the open store's own scratch folder (removed when it closes), which must be empty:
    an import leaves no extracted file behind."""
    names = []
    for path in store.home.iterdir():
        if path.name.startswith(SCRATCH_PREFIX):
            assert list(path.iterdir()) == [], path
        else:
            names.append(path.name)
    return sorted(names)


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


def test_a_bundle_carries_the_case_chain_prefixes_and_artifacts_but_no_identity(site: SiteA) -> None:
    entries = _entries(site.bundle)
    manifest = json.loads(entries[MANIFEST_NAME])
    with Store.open(site.home) as store:
        events = store.events()
        design = store.case(CODE).inputs["design"]
    # Every event up to the signature (the last one the case needs); the later note of the other case stays home.
    assert [e["event_id"] for e in manifest["events"]] == [e.event_id for e in events[:-1]]
    # Each with its attestation: the importer checks who wrote every event.
    assert [e["attestation"] for e in manifest["events"]] == [e.attestation for e in events[:-1]]
    assert site.result.events == len(events) - 1
    assert manifest["exported_by"]["user_id"] == "eng1"
    listed = {item["sha256"]: item["kind"] for item in manifest["artifacts"]}
    assert design in listed
    assert set(listed.values()) == {"mesh", "parameters"}
    assert [item["kind"] for item in manifest["withheld"]] == ["dicom"]
    assert list(entries) == [MANIFEST_NAME, SIGNATURE_NAME, *sorted(ARTIFACTS_PREFIX + sha for sha in listed)]
    with zipfile.ZipFile(site.bundle) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    everything = b"".join(entries.values())
    for secret in (b"Doe^Jane", b"H-991", b"1970-02-03"):
        assert secret not in everything
    # Short secrets are searched outside runs of base64 characters (keys, attestations and signatures hold random
    # base64 text, in which three letters may occur by chance).
    for secret in (b"Doe", b"DICM"):
        assert re.search(rb"(?<![A-Za-z0-9+/=])" + secret + rb"(?![A-Za-z0-9+/=])", everything) is None, secret


def test_import_reproduces_the_case_and_verifies_and_twice_adds_nothing(
    site: SiteA, target: Store, people: People
) -> None:
    result = site.result
    imported = import_bundle(target, site.bundle, by=people.engineer)
    assert (imported.case_code, imported.exported_by) == (CODE, "eng1")
    assert (imported.events_added, imported.events_held, imported.artifacts_added) == (result.events, 0, 2)
    assert imported.audit.ok, imported.audit.problems
    assert imported.audit.signatures == 1
    record = target.events()[-1]  # who imported which bundle, recorded with the events
    assert (record.kind, record.case_code, record.actor, record.site_id) == (
        "bundle_imported",
        None,
        "eng1",
        target.site_id,
    )
    assert record.payload["from_site"] == site.site_id
    assert record.payload["case_code"] == CODE
    assert record.payload["events"] == result.events
    assert record.payload["bundle_sha256"] == result.sha256
    with Store.open(site.home) as source:
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

    before = _state(target)
    again = import_bundle(target, site.bundle, by=people.engineer)
    assert (again.events_added, again.events_held, again.artifacts_added) == (0, result.events, 0)
    assert _state(target) == before  # nothing imported, so no bundle_imported record either


def test_a_bundle_of_a_site_this_store_does_not_trust_is_refused_unwritten(
    site: SiteA, untrusting: Store, people: People
) -> None:
    """A site is easy to make (its own users and keys): trusting a bundle's site on first use would let anyone's
    events in. An administrator trusts the site first (or the company's sync server lists it)."""
    before = (_state(untrusting), _home_entries(untrusting))
    with pytest.raises(UntrustedSiteError, match=f"site {site.site_id} is not trusted here") as raised:
        import_bundle(untrusting, site.bundle, by=people.engineer)
    assert "\n" not in raised.value.message
    assert (_state(untrusting), _home_entries(untrusting)) == before
    trust_site(untrusting, site.site_id, by=people.admin)
    assert import_bundle(untrusting, site.bundle, by=people.engineer).events_added == site.result.events


def test_a_bundle_from_this_same_site_adds_nothing(site: SiteA, copy_of_a: Store) -> None:
    before = _state(copy_of_a)
    imported = import_bundle(copy_of_a, site.bundle, by=site.people.engineer)
    assert (imported.events_added, imported.events_held, imported.artifacts_added) == (0, site.result.events, 0)
    assert imported.audit.ok
    assert _state(copy_of_a) == before


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
    _edit_manifest(entries, lambda manifest: manifest.update(exported_by={"user_id": "clin1"}))


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
        (_edit_exporter, BundleSignatureError, "signature.json names signer 'eng1'"),
        (_foreign_signature, BundleSignatureError, "does not verify with the key of user eng1"),
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
    site: SiteA,
    target: Store,
    people: People,
    tmp_path: Path,
    change: Callable[[dict[str, bytes]], None],
    error: type[BundleError],
    reason: str,
) -> None:
    tampered = _rewrite(site.bundle, tmp_path / "tampered.zip", change)
    before = (target.event_count(), _files(target), _home_entries(target))
    with pytest.raises(error, match=re.escape(reason)) as raised:
        import_bundle(target, tampered, by=people.engineer)
    assert "\n" not in raised.value.message
    assert (target.event_count(), _files(target), _home_entries(target)) == before


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
    site: SiteA, target: Store, people: People, tmp_path: Path, name: str, reason: str
) -> None:
    bundle = _rewrite(site.bundle, tmp_path / "unsafe.zip", _unsafe(name))
    before = _state(target)
    with pytest.raises(BundleError, match=reason):
        import_bundle(target, bundle, by=people.engineer)
    assert _state(target) == before


def test_a_zip_bomb_and_non_bundles_are_refused(site: SiteA, target: Store, people: People, tmp_path: Path) -> None:
    before = _state(target)
    by = people.engineer
    with pytest.raises(BundleError, match="possible zip bomb"):
        import_bundle(target, site.bundle, max_total_bytes=1000, by=by)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST_NAME, b"{}")
        archive.writestr(SIGNATURE_NAME, b"{}")
        archive.writestr(ARTIFACTS_PREFIX + "b" * 64, bytes(50_000_000))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(BundleError, match="possible zip bomb"):
        import_bundle(target, bomb, max_total_bytes=10_000_000, by=by)
    text = tmp_path / "text.zip"
    text.write_text("not a zip")
    with pytest.raises(BundleError, match="not a ZIP file"):
        import_bundle(target, text, by=by)
    empty = _rewrite(site.bundle, tmp_path / "empty.zip", lambda entries: entries.pop(SIGNATURE_NAME))
    with pytest.raises(BundleError, match=r"no signature\.json"):
        import_bundle(target, empty, by=by)
    assert _state(target) == before


def test_export_refusals(copy_of_a: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.zip"
    password = password_of("eng1")
    with pytest.raises(UnknownUserError):
        export_bundle(copy_of_a, CODE, out, "nobody", password)
    with pytest.raises(WrongPasswordError):
        export_bundle(copy_of_a, CODE, out, "eng1", "wrong password")
    with pytest.raises(CaseNotFoundError):
        export_bundle(copy_of_a, "NO-SUCH-CASE", out, "eng1", password)
    assert not out.exists()
    out.write_bytes(b"keep me")
    with pytest.raises(BundleError, match="output exists"):
        export_bundle(copy_of_a, CODE, out, "eng1", password)
    assert out.read_bytes() == b"keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_user_id_of_this_site_is_another_user_than_the_same_id_of_the_exporting_site(
    site: SiteA, target: Store, people: People
) -> None:
    """Users are (site, user id): site A's eng1 signed the bundle, this site's eng1 is someone else with another key;
    importing keeps both, each named with its own site, and neither can act for the other."""
    ours = load_users(target)["eng1"]
    imported = import_bundle(target, site.bundle, by=people.engineer)
    assert imported.audit.ok, imported.audit.problems
    assert load_users(target)["eng1"] == ours  # this site's users are unchanged
    same_id = sorted((user.site_id, user.public_key_sha256) for user in all_users(target) if user.user_id == "eng1")
    assert same_id == sorted(
        [(target.site_id, ours.public_key_sha256), (site.site_id, site.people.engineer.public_key_sha256)]
    )
    assert ours.public_key_sha256 != site.people.engineer.public_key_sha256
    # Site A's engineer cannot write here, although this site has a user with the same id.
    with pytest.raises(UnattributedEventError):
        target.append("note", case_code=CODE, payload={"text": "from A's key"}, by=site.people.engineer)
    assert sign_in(target, "eng1", password_of("eng1")).user == ours
