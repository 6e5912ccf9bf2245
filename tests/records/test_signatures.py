"""E-signatures and re-verification: every refusal rule, the Ed25519 check, tamper detection and supersession."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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
from records.signatures import SUPERSEDED, VALID, sign, signature_checker, signature_status, verify_signature
from records.store import ARTIFACTS_DIR, Store
from records.users import add_user, disable_user, load_users
from validation.check import check
from validation.envelope import parse_envelope
from validation.manifest import current_manifest
from validation.parameters import Parameters, ParameterValue
from validation.selftest import SelftestResult, record_selftest

PASSWORD = "correct horse battery"
CODE = "CP-2026-001"
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
near_limit = 0.2
""",
    "",
    {"design.min_wall_thickness": "mm"},
)


def manifest_id() -> str:
    return current_manifest().manifest_id


def run_check(store: Store, wall_mm: float | None, *, manifest: str | None = None) -> Event:
    """Check a wall thickness against the envelope for real and record it as the case's ``check_run`` event; the
    measured parameters are stored as an artifact (the check names them by SHA-256)."""
    made_by = manifest_id() if manifest is None else manifest
    parameters = Parameters((ParameterValue("design.min_wall_thickness", wall_mm, "mm"),), made_by)
    assert store.put_artifact(parameters.canonical_bytes(), "parameters") == parameters.sha256
    result = check(ENVELOPE, parameters, made_by)
    return store.append("check_run", case_code=CODE, payload=result.to_json())


def validate_installation(home: Path) -> None:
    record_selftest(SelftestResult(True, manifest_id(), (), 0.0, "2026-01-01T00:00:00+00:00"), home)


@pytest.fixture
def team(store: Store, home: Path) -> Store:
    """A store with one user per role, a case with a design input, and this installation's self-test passed."""
    for user_id, role in (("eng", "engineer"), ("doc", "clinician"), ("qa", "quality"), ("admin", "admin")):
        add_user(store, user_id, printed_name=f"Printed {user_id}", role=role, password=PASSWORD)
    store.append("case_created", case_code=CODE, payload={})
    design = store.put_artifact(b"solid design\nendsolid design\n", "mesh")
    store.append("inputs_added", case_code=CODE, payload={"design": design})
    validate_installation(home)
    return store


def test_a_signature_binds_the_check_inputs_manifest_and_signer(team: Store, home: Path) -> None:
    check_event = run_check(team, 4.0)
    event = sign(team, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
    content: dict[str, Any] = event.payload["content"]
    case = team.case(CODE)
    assert (event.kind, event.actor, case.state) == ("signature", "doc", "signed")
    assert content["signer"] == {
        "user_id": "doc",
        "printed_name": "Printed doc",
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


def test_authentication_refusals(team: Store, home: Path) -> None:
    run_check(team, 4.0)
    with pytest.raises(WrongPasswordError):
        sign(team, CODE, "doc", "wrong password", "clinical design confirmation", home=home)
    with pytest.raises(UnknownUserError):
        sign(team, CODE, "ghost", PASSWORD, "clinical design confirmation", home=home)
    disable_user(team, "doc", by="admin", password=PASSWORD)
    with pytest.raises(UserDisabledError):
        sign(team, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
    assert team.case(CODE).signatures == ()


@pytest.mark.parametrize(
    ("user_id", "meaning"),
    [
        ("eng", "clinical design confirmation"),
        ("doc", "design verification"),
        ("eng", "release"),
        ("admin", "release"),
        ("eng", "re-verification approved"),
    ],
)
def test_a_role_signs_only_its_meanings(team: Store, home: Path, user_id: str, meaning: str) -> None:
    run_check(team, 4.0)
    with pytest.raises(RoleNotPermittedError, match="may be signed by"):
        sign(team, CODE, user_id, PASSWORD, meaning, home=home)


def test_an_unknown_meaning_is_refused(team: Store, home: Path) -> None:
    run_check(team, 4.0)
    with pytest.raises(SignatureRefusedError, match="unknown meaning 'approved'"):
        sign(team, CODE, "doc", PASSWORD, "approved", home=home)


def test_no_check_and_a_stale_check_are_refused(team: Store, home: Path) -> None:
    with pytest.raises(NoCheckError, match="no envelope check has been run"):
        sign(team, CODE, "eng", PASSWORD, "design verification", home=home)
    run_check(team, 4.0)
    team.append("inputs_added", case_code=CODE, payload={"design": "b" * 64})
    with pytest.raises(NoCheckError, match="no longer applies"):
        sign(team, CODE, "eng", PASSWORD, "design verification", home=home)


def test_out_of_envelope_needs_a_passed_reverification(team: Store, home: Path, tmp_path: Path) -> None:
    run_check(team, 1.5)
    with pytest.raises(ReverificationRequiredError, match="out_of_envelope: record its re-verification"):
        sign(team, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
    report = tmp_path / "fea.txt"
    report.write_text("FEA: 1.5 mm wall holds 3x the load\n", encoding="utf-8")
    recorded = record_reverification(
        team,
        CODE,
        "qa",
        PASSWORD,
        method="FEA of the thin wall",
        result="pass",
        justification="stress below limit",
        evidence=[report],
    )
    (evidence,) = recorded.payload["evidence"]
    assert team.read_artifact(evidence["sha256"]) == report.read_bytes()
    event = sign(team, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
    assert event.payload["content"]["reverification"]["event_hash"] == recorded.hash
    assert event.payload["content"]["reverification"]["evidence_sha256"] == [evidence["sha256"]]


def test_indeterminate_needs_reverification_and_failed_reverification_blocks_release(team: Store, home: Path) -> None:
    run_check(team, None)
    assert team.case(CODE).verdict == "indeterminate"
    with pytest.raises(ReverificationRequiredError, match="indeterminate"):
        sign(team, CODE, "qa", PASSWORD, "release", home=home)
    record_reverification(
        team, CODE, "eng", PASSWORD, method="caliper on print", result="fail", justification="wall too thin"
    )
    with pytest.raises(ReverificationRequiredError, match="never released by concession"):
        sign(team, CODE, "qa", PASSWORD, "release", home=home)
    with pytest.raises(ReverificationRequiredError, match="re-verification failed"):
        sign(team, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)


def test_an_unvalidated_manifest_blocks_signing(team: Store, home: Path) -> None:
    (home / "selftest" / f"{manifest_id()}.json").unlink()
    run_check(team, 4.0)
    with pytest.raises(ManifestNotValidatedError, match="has not passed the self-test"):
        sign(team, CODE, "eng", PASSWORD, "design verification", home=home)
    validate_installation(home)
    assert sign(team, CODE, "eng", PASSWORD, "design verification", home=home).kind == "signature"


def test_a_check_made_by_other_software_is_refused(team: Store, home: Path) -> None:
    run_check(team, 4.0, manifest="0" * 64)
    with pytest.raises(ManifestNotValidatedError, match="check was made by software manifest 000000000000"):
        sign(team, CODE, "eng", PASSWORD, "design verification", home=home)


def _make_writable_and_change(home: Path, sha: str) -> None:
    path = home / ARTIFACTS_DIR / sha[:2] / sha
    os.chmod(path, 0o644)
    path.write_bytes(b"changed after the check")


def test_a_changed_input_or_result_artifact_is_refused(team: Store, home: Path) -> None:
    check_event = run_check(team, 4.0)
    _make_writable_and_change(home, check_event.payload["parameters_sha256"])
    with pytest.raises(InputChangedError, match=r"check parameters_sha256 .* changed since the check"):
        sign(team, CODE, "eng", PASSWORD, "design verification", home=home)


def test_a_changed_design_input_is_refused(team: Store, home: Path) -> None:
    run_check(team, 4.0)
    _make_writable_and_change(home, team.case(CODE).inputs["design"])
    with pytest.raises(InputChangedError, match="input design"):
        sign(team, CODE, "eng", PASSWORD, "design verification", home=home)


def _with_payload(event: Event, payload: dict[str, Any]) -> Event:
    return dataclasses.replace(event, payload=payload, payload_json=canonical_json(payload))


def test_tampered_content_or_signature_bytes_are_detected(team: Store, home: Path) -> None:
    run_check(team, 4.0)
    event = sign(team, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
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

    assert "actor is 'eng'" in str(verify_signature(dataclasses.replace(event, actor="eng"), users))
    assert "no user_added event" in str(verify_signature(event, {}))


def test_a_rehashed_forgery_in_the_database_fails_the_signature_check(
    team: Store, home: Path, tamper: Callable[..., None]
) -> None:
    run_check(team, 4.0)
    event = sign(team, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
    payload = json.loads(event.payload_json)
    payload["content"]["meaning"] = "clinical design confirmation"
    payload["content"]["revision"] = 7
    text = canonical_json(payload)
    fields = {k: getattr(event, k) for k in ("event_id", "site_id", "case_code", "kind", "actor", "created_at")}
    digest = compute_hash(payload_json=text, prev_hash=event.prev_hash, **fields)
    # The forger recomputes the hash of the last event, so the chain alone still holds; the signature does not.
    tamper(("UPDATE events SET payload = ?, hash = ? WHERE event_id = ?", (text, digest, event.event_id)))
    report = team.verify(signature_checker(team))
    assert not report.ok
    (problem,) = report.problems
    assert problem.code == "signature"
    assert problem.event_id == event.event_id
    assert "does not verify" in problem.message


def test_a_design_change_supersedes_earlier_signatures(team: Store, home: Path) -> None:
    run_check(team, 4.0)
    first = sign(team, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
    assert signature_status(team.case(CODE)) == [(first, VALID)]
    team.append("design_changed", case_code=CODE, payload={"reason": "thicker rim", "inputs": {"design": "c" * 64}})
    case = team.case(CODE)
    assert case.revision == 2
    assert signature_status(case) == [(first, SUPERSEDED)]
    with pytest.raises(NoCheckError):
        sign(team, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
    run_check(team, 4.5)
    second = sign(team, CODE, "doc", PASSWORD, "clinical design confirmation", home=home)
    assert second.payload["content"]["revision"] == 2
    assert signature_status(team.case(CODE)) == [(first, SUPERSEDED), (second, VALID)]
    assert verify_signature(first, load_users(team)) is None  # superseded, still authentic


def test_reverification_refusals(team: Store, tmp_path: Path) -> None:
    with pytest.raises(ReverificationRefusedError, match="no check"):
        record_reverification(team, CODE, "eng", PASSWORD, method="m", result="pass", justification="j")
    run_check(team, 4.0)
    with pytest.raises(ReverificationRefusedError, match="nothing to re-verify"):
        record_reverification(team, CODE, "eng", PASSWORD, method="m", result="pass", justification="j")
    run_check(team, 9.0)
    with pytest.raises(RoleNotPermittedError, match="only engineer or quality"):
        record_reverification(team, CODE, "doc", PASSWORD, method="m", result="pass", justification="j")
    with pytest.raises(WrongPasswordError):
        record_reverification(team, CODE, "eng", "bad password", method="m", result="pass", justification="j")
    with pytest.raises(ReverificationRefusedError, match="pass or fail"):
        record_reverification(team, CODE, "eng", PASSWORD, method="m", result="maybe", justification="j")
    with pytest.raises(ReverificationRefusedError, match="justification"):
        record_reverification(team, CODE, "eng", PASSWORD, method="m", result="pass", justification="  ")
    with pytest.raises(ArtifactMissingError, match="no such evidence file"):
        record_reverification(
            team, CODE, "eng", PASSWORD, method="m", result="pass", justification="j", evidence=[tmp_path / "none"]
        )
    assert team.case(CODE).state == "needs_reverification"
