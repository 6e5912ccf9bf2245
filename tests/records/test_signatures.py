"""E-signatures and re-verification: every refusal rule, the Ed25519 check, tamper detection and supersession.

The tests run on a copy of a set-up workstation (``people_home``): admin1, eng1, clin1 (clinician) and qa1 (quality),
with a passed self-test of this software recorded by qa1."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from case_support import CODE, ENVELOPE, manifest_id, open_case, run_check, sign_in_session
from people import People, password_of, set_up_people

from records.errors import (
    ArtifactMissingError,
    InputChangedError,
    ManifestNotValidatedError,
    NoCheckError,
    ReverificationRefusedError,
    ReverificationRequiredError,
    RoleNotPermittedError,
    SignatureRefusedError,
    UnknownUserError,
    UserDisabledError,
    WrongPasswordError,
)
from records.events import Event, canonical_json, compute_hash
from records.reverification import record_reverification
from records.selftests import is_validated, record_selftest
from records.signatures import (
    SUPERSEDED,
    VALID,
    sign,
    signature_checker,
    signature_status,
    verify_signature,
)
from records.store import ARTIFACTS_DIR, Store
from records.users import Session, disable_user, load_users
from validation.manifest import current_manifest


def passed_selftest(store: Store, by: Session, *, passed: bool = True) -> Event:
    """Record a self-test run of this software (what ``dvw selftest --user`` records), by ``by``."""
    return record_selftest(store, {"manifest_id": manifest_id(), "passed": passed, "cases": [], "seconds": 0.0}, by=by)


def sign_by(store: Store, user_id: str, meaning: str, code: str = CODE) -> Event:
    """Sign ``code`` as a test user, who re-enters their password."""
    return sign(store, code, user_id, password_of(user_id), meaning, manifest_id=current_manifest().manifest_id)


@pytest.fixture
def people(people_home: tuple[Path, People]) -> People:
    """The signed-in users of the set-up workstation."""
    return people_home[1]


@pytest.fixture
def home(people_home: tuple[Path, People]) -> Path:
    """A copy of a set-up workstation's home (one user per role; this installation's self-test passed)."""
    return people_home[0]


@pytest.fixture
def team(store: Store, people: People) -> Store:
    """The set-up workstation's store with a case that has a design input."""
    open_case(store, people)
    return store


def test_a_signature_binds_the_check_inputs_manifest_and_signer(team: Store, people: People) -> None:
    check_event = run_check(team, 4.0, people.engineer)
    event = sign_by(team, "clin1", "clinical design confirmation")
    content: dict[str, Any] = event.payload["content"]
    case = team.case(CODE)
    assert (event.kind, event.actor, case.state) == ("signature", "clin1", "signed")
    assert content["signer"] == {
        "user_id": "clin1",
        "printed_name": "Dr Cleo Clinician",
        "role": "clinician",
        "qualification": None,
    }
    assert (content["case_code"], content["revision"], content["verdict"]) == (CODE, 1, "within")
    assert content["manifest_id"] == manifest_id()
    assert content["envelope_sha256"] == ENVELOPE.sha256
    assert content["inputs"] == dict(case.inputs)
    assert content["check"]["event_hash"] == check_event.hash
    assert content["check"]["hashes"]["parameters_sha256"] == check_event.payload["parameters_sha256"]
    assert content["case_head_hash"] == check_event.hash
    assert content["signed_at"] == event.created_at
    users = load_users(team)
    assert verify_signature(event, users) is None
    report = team.verify(signature_checker(team))
    assert (report.ok, report.signatures) == (True, 1)


def test_authentication_refusals(team: Store, people: People) -> None:
    run_check(team, 4.0, people.engineer)
    with pytest.raises(WrongPasswordError):
        sign(
            team,
            CODE,
            "clin1",
            "wrong password",
            "clinical design confirmation",
            manifest_id=current_manifest().manifest_id,
        )
    with pytest.raises(UnknownUserError):
        sign(
            team,
            CODE,
            "ghost",
            password_of("clin1"),
            "clinical design confirmation",
            manifest_id=current_manifest().manifest_id,
        )
    disable_user(team, "clin1", by=people.admin)
    with pytest.raises(UserDisabledError):
        sign_by(team, "clin1", "clinical design confirmation")
    assert team.case(CODE).signatures == ()


@pytest.mark.parametrize(
    ("user_id", "meaning"),
    [
        ("eng1", "clinical design confirmation"),
        ("clin1", "design verification"),
        ("eng1", "release"),
        ("admin1", "release"),
        ("eng1", "re-verification approved"),
    ],
)
def test_a_role_signs_only_its_meanings(team: Store, people: People, user_id: str, meaning: str) -> None:
    run_check(team, 4.0, people.engineer)
    with pytest.raises(RoleNotPermittedError, match="may be signed by"):
        sign_by(team, user_id, meaning)


def test_an_unknown_meaning_is_refused(team: Store, people: People) -> None:
    run_check(team, 4.0, people.engineer)
    with pytest.raises(SignatureRefusedError, match="unknown meaning 'approved'"):
        sign_by(team, "clin1", "approved")


def test_no_check_and_a_stale_check_are_refused(team: Store, people: People) -> None:
    with pytest.raises(NoCheckError, match="no envelope check has been run"):
        sign_by(team, "eng1", "design verification")
    run_check(team, 4.0, people.engineer)
    team.append("inputs_added", case_code=CODE, payload={"design": "b" * 64}, by=people.engineer)
    with pytest.raises(NoCheckError, match="no longer applies"):
        sign_by(team, "eng1", "design verification")


def test_out_of_envelope_needs_a_passed_reverification(team: Store, people: People, tmp_path: Path) -> None:
    run_check(team, 1.5, people.engineer)
    with pytest.raises(ReverificationRequiredError, match="out_of_envelope: record its re-verification"):
        sign_by(team, "clin1", "clinical design confirmation")
    report = tmp_path / "fea.txt"
    report.write_text("FEA: 1.5 mm wall holds 3x the load\n", encoding="utf-8")
    recorded = record_reverification(
        team,
        CODE,
        "qa1",
        password_of("qa1"),
        method="FEA of the thin wall",
        result="pass",
        justification="stress below limit",
        evidence=[report],
    )
    assert recorded.actor == "qa1"
    (evidence,) = recorded.payload["evidence"]
    assert team.read_artifact(evidence["sha256"]) == report.read_bytes()
    event = sign_by(team, "clin1", "clinical design confirmation")
    assert event.payload["content"]["reverification"]["event_hash"] == recorded.hash
    assert event.payload["content"]["reverification"]["evidence_sha256"] == [evidence["sha256"]]


def test_indeterminate_needs_reverification_and_failed_reverification_blocks_release(
    team: Store, people: People
) -> None:
    run_check(team, None, people.engineer)
    assert team.case(CODE).verdict == "indeterminate"
    with pytest.raises(ReverificationRequiredError, match="indeterminate"):
        sign_by(team, "qa1", "release")
    record_reverification(
        team, CODE, "eng1", password_of("eng1"), method="caliper on print", result="fail", justification="wall too thin"
    )
    with pytest.raises(ReverificationRequiredError, match="never released by concession"):
        sign_by(team, "qa1", "release")
    with pytest.raises(ReverificationRequiredError, match="re-verification failed"):
        sign_by(team, "clin1", "clinical design confirmation")


def test_an_unvalidated_manifest_blocks_signing(tmp_path: Path) -> None:
    home = tmp_path / "unvalidated"
    with Store.open(home) as store:
        people = set_up_people(store, validated=False)
        open_case(store, people)
        run_check(store, 4.0, people.engineer)
        with pytest.raises(ManifestNotValidatedError, match="has no passed self-test recorded on this workstation"):
            sign_in_session(store, people.engineer, "design verification")
        # A self-test file written by hand (what the old gate read) opens nothing: only the attested log counts.
        (home / "selftest").mkdir()
        (home / "selftest" / f"{manifest_id()}.json").write_text(
            json.dumps({"manifest_id": manifest_id(), "passed": True, "cases": []}), encoding="utf-8"
        )
        assert not is_validated(store, manifest_id())
        with pytest.raises(ManifestNotValidatedError, match="no passed self-test"):
            sign_in_session(store, people.engineer, "design verification")
        # A failed run is recorded, and opens nothing either.
        passed_selftest(store, people.quality, passed=False)
        with pytest.raises(ManifestNotValidatedError, match="no passed self-test"):
            sign_in_session(store, people.engineer, "design verification")
        assert store.case(CODE).signatures == ()
        passed_selftest(store, people.quality)
        assert is_validated(store, manifest_id())
        assert sign_by(store, "eng1", "design verification").kind == "signature"
        report = store.verify()
        assert report.ok, report.problems


def test_a_check_made_by_other_software_is_refused(team: Store, people: People) -> None:
    run_check(team, 4.0, people.engineer, manifest="0" * 64)
    with pytest.raises(ManifestNotValidatedError, match="check was made by software manifest 000000000000"):
        sign_by(team, "eng1", "design verification")


def _make_writable_and_change(home: Path, sha: str) -> None:
    path = home / ARTIFACTS_DIR / sha[:2] / sha
    os.chmod(path, 0o644)
    path.write_bytes(b"changed after the check")


def test_a_changed_input_or_result_artifact_is_refused(team: Store, people: People, home: Path) -> None:
    check_event = run_check(team, 4.0, people.engineer)
    _make_writable_and_change(home, check_event.payload["parameters_sha256"])
    with pytest.raises(InputChangedError, match=r"check parameters_sha256 .* changed since the check"):
        sign_by(team, "eng1", "design verification")


def test_a_changed_design_input_is_refused(team: Store, people: People, home: Path) -> None:
    run_check(team, 4.0, people.engineer)
    _make_writable_and_change(home, team.case(CODE).inputs["design"])
    with pytest.raises(InputChangedError, match="input design"):
        sign_by(team, "eng1", "design verification")


def _with_payload(event: Event, payload: dict[str, Any]) -> Event:
    return dataclasses.replace(event, payload=payload, payload_json=canonical_json(payload))


def test_tampered_content_or_signature_bytes_are_detected(team: Store, people: People) -> None:
    run_check(team, 4.0, people.engineer)
    event = sign_by(team, "clin1", "clinical design confirmation")
    users = load_users(team)
    payload = json.loads(event.payload_json)

    changed = json.loads(event.payload_json)
    changed["content"]["verdict"] = "out_of_envelope"
    assert "does not verify over the signed content" in str(verify_signature(_with_payload(event, changed), users))

    flipped = bytearray(base64.b64decode(payload["signature"]))
    flipped[0] ^= 1
    forged = {**payload, "signature": base64.b64encode(bytes(flipped)).decode()}
    assert "does not verify" in str(verify_signature(_with_payload(event, forged), users))

    renamed = json.loads(event.payload_json)
    renamed["content"]["signer"]["printed_name"] = "Someone Else"
    assert "printed_name" in str(verify_signature(_with_payload(event, renamed), users))

    other_case = json.loads(event.payload_json)
    other_case["content"]["case_code"] = "CP-OTHER"
    assert "names case 'CP-OTHER'" in str(verify_signature(_with_payload(event, other_case), users))

    assert "actor is 'eng1'" in str(verify_signature(dataclasses.replace(event, actor="eng1"), users))
    assert "'clin1' is not a user of the signing site" in str(verify_signature(event, {}))


def test_a_rehashed_forgery_in_the_database_fails_the_signature_check(
    team: Store, people: People, tamper: Callable[..., None]
) -> None:
    run_check(team, 4.0, people.engineer)
    event = sign_by(team, "clin1", "clinical design confirmation")
    payload = json.loads(event.payload_json)
    payload["content"]["meaning"] = "clinical design confirmation"
    payload["content"]["revision"] = 7
    text = canonical_json(payload)
    fields = {k: getattr(event, k) for k in ("event_id", "site_id", "case_code", "kind", "actor", "created_at")}
    digest = compute_hash(payload_json=text, prev_hash=event.prev_hash, **fields)
    # The forger recomputes the hash of the last event, so the chain alone still holds; neither the attestation
    # (the signer's signature over the event's hash) nor the e-signature (over the signed content) does.
    tamper(("UPDATE events SET payload = ?, hash = ? WHERE event_id = ?", (text, digest, event.event_id)))
    report = team.verify()  # every signature is checked against the log; no extra checker needed
    assert not report.ok
    assert [(problem.code, problem.event_id) for problem in report.problems] == [
        ("attestation", event.event_id),
        ("signature", event.event_id),
    ]
    assert all("does not verify" in problem.message for problem in report.problems)
    (forged,) = team.case(CODE).signatures
    assert "does not verify" in str(signature_checker(team)(forged))


def test_a_design_change_supersedes_earlier_signatures(team: Store, people: People) -> None:
    run_check(team, 4.0, people.engineer)
    first = sign_by(team, "clin1", "clinical design confirmation")
    assert signature_status(team.case(CODE)) == [(first, VALID)]
    team.append(
        "design_changed",
        case_code=CODE,
        payload={"reason": "thicker rim", "inputs": {"design": "c" * 64}},
        by=people.engineer,
    )
    case = team.case(CODE)
    assert case.revision == 2
    assert signature_status(case) == [(first, SUPERSEDED)]
    with pytest.raises(NoCheckError):
        sign_by(team, "clin1", "clinical design confirmation")
    run_check(team, 4.5, people.engineer)
    second = sign_by(team, "clin1", "clinical design confirmation")
    assert second.payload["content"]["revision"] == 2
    assert signature_status(team.case(CODE)) == [(first, SUPERSEDED), (second, VALID)]
    assert verify_signature(first, load_users(team)) is None  # superseded, still authentic
    report = team.verify(signature_checker(team))
    assert (report.ok, report.signatures) == (True, 2)


def test_reverification_refusals(team: Store, people: People, tmp_path: Path) -> None:
    pw = password_of("eng1")
    with pytest.raises(ReverificationRefusedError, match="no check"):
        record_reverification(team, CODE, "eng1", pw, method="m", result="pass", justification="j")
    run_check(team, 4.0, people.engineer)
    with pytest.raises(ReverificationRefusedError, match="nothing to re-verify"):
        record_reverification(team, CODE, "eng1", pw, method="m", result="pass", justification="j")
    run_check(team, 9.0, people.engineer)
    with pytest.raises(RoleNotPermittedError, match="only engineer or quality"):
        record_reverification(team, CODE, "clin1", password_of("clin1"), method="m", result="pass", justification="j")
    with pytest.raises(WrongPasswordError):
        record_reverification(team, CODE, "eng1", "bad password", method="m", result="pass", justification="j")
    with pytest.raises(ReverificationRefusedError, match="pass or fail"):
        record_reverification(team, CODE, "eng1", pw, method="m", result="maybe", justification="j")
    with pytest.raises(ReverificationRefusedError, match="justification"):
        record_reverification(team, CODE, "eng1", pw, method="m", result="pass", justification="  ")
    with pytest.raises(ArtifactMissingError, match="no such evidence file"):
        record_reverification(
            team, CODE, "eng1", pw, method="m", result="pass", justification="j", evidence=[tmp_path / "none"]
        )
    assert team.case(CODE).state == "needs_reverification"
