"""The store against an attacker with file access and no password: every edit, forgery and consistent rewrite of a
signed fact is reported by the audit, and nothing forged opens sign-off or a UDI (Trust issue items 2, 3, 5, 6, 8,
13, 16)."""

from __future__ import annotations

import json
import multiprocessing
import shutil
from pathlib import Path
from typing import Any

import pytest
from people import People, password_of, set_up_people
from trust_support import (
    append_as_attacker,
    execute_as_attacker,
    record_check_of,
    rewrite_chain,
    rows,
    signed_case,
)

from app.cli import main
from records.bundle import export_bundle
from records.checks import record_check
from records.errors import (
    AccountLockedError,
    BundleIntegrityError,
    InputChangedError,
    ManifestNotValidatedError,
    RoleNotPermittedError,
    UnattributedEventError,
    WrongPasswordError,
)
from records.events import compute_hash
from records.identity import MAX_FAILED_SIGN_INS, SIGN_IN_FAILED
from records.selftests import is_validated
from records.signatures import sign
from records.store import ARTIFACTS_DIR, Store
from records.users import add_user, disable_user, sign_in, unlock_user
from traceability.assignment import assign_udi
from traceability.errors import DuplicateSerialError
from validation.manifest import current_manifest

CODE = "CP-ADV-001"


def _codes(store: Store) -> set[str]:
    return {problem.code for problem in store.verify().problems}


def test_a_consistent_chain_rewrite_turning_a_verdict_into_within_is_reported(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        signed_case(store, CODE, 1.5, people)  # out of envelope, re-verified, signed
        assert store.verify().ok

    def within(row: dict[str, object]) -> dict[str, object] | None:
        payload = row["payload"]
        if row["kind"] == "check_run" and isinstance(payload, dict):
            return {**payload, "verdict": "within", "requires_reverification": False}
        return None

    assert rewrite_chain(home, within) == 1
    with Store.open(home) as store:
        report = store.verify()
        # Hashes and chains verify again; what gives the rewrite away is the keys the attacker does not hold.
        assert not {"hash_mismatch", "chain_broken"} & {p.code for p in report.problems}
        codes = {p.code for p in report.problems}
        assert "attestation" in codes  # the check event and every later event lost their attestation
        assert "signature_log" in codes or "signature" in codes
        assert not report.ok


def test_a_rewrite_that_swaps_the_design_is_reported(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        signed_case(store, CODE, 4.0, people)
        other = store.put_artifact(b"solid another design\nendsolid\n", "mesh")

    def swap(row: dict[str, object]) -> dict[str, object] | None:
        payload = row["payload"]
        if row["kind"] == "inputs_added" and isinstance(payload, dict):
            return {**payload, "design": other}
        return None

    rewrite_chain(home, swap)
    with Store.open(home) as store:
        assert {"attestation", "signature_log"} <= _codes(store)


def test_a_forged_appended_event_without_attestation_is_reported(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        record_check_of(store, CODE, 1.5, people)
    forged = rows(home)[-1]
    payload = json.loads(forged["payload"])
    append_as_attacker(
        home, "check_run", CODE, {**payload, "verdict": "within", "requires_reverification": False}, "eng1"
    )
    with Store.open(home) as store:
        report = store.verify()
        problem = next(p for p in report.problems if p.code == "attestation")
        assert "carries no attestation" in problem.message
        # The store follows the log, so the case now looks checked within; signing it is another matter:
        assert store.case(CODE).verdict == "within"


def test_an_event_without_a_person_is_refused_and_a_forged_one_is_reported(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        store.append("case_created", case_code=CODE, payload={}, by=people.engineer)
        with pytest.raises(UnattributedEventError, match="must name the person"):
            store.append("note", case_code=CODE, payload={"text": "who?"})
    append_as_attacker(home, "note", CODE, {"text": "who?"}, None)
    with Store.open(home) as store:
        assert "unattributed" in _codes(store)


def test_only_an_administrator_adds_users_and_a_forged_user_is_reported(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        with pytest.raises(RoleNotPermittedError, match="only an admin may add users"):
            add_user(
                store, "mallory", printed_name="M", role="clinician", password="mallory-pass-1", by=people.engineer
            )
        template = next(r for r in rows(home) if r["kind"] == "user_added" and r["actor"] == "admin1")
    forged = {**json.loads(template["payload"]), "user_id": "mallory", "role": "clinician"}
    append_as_attacker(home, "user_added", None, forged, "eng1")
    with Store.open(home) as store:
        codes = _codes(store)
        assert {"unauthorized", "attestation"} <= codes
        assert "mallory" not in {u.user_id for u in store.directory().users(store.site_id).values()}


def test_a_disabled_signer_cannot_sign(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        record_check_of(store, CODE, 4.0, people)
        disable_user(store, "clin1", by=people.admin)
        with pytest.raises(Exception, match="disabled"):
            sign(
                store,
                CODE,
                "clin1",
                password_of("clin1"),
                "clinical design confirmation",
                manifest_id=current_manifest().manifest_id,
            )
        assert store.verify().ok


def test_signing_after_the_signer_was_disabled_in_log_order_is_reported(tmp_path: Path) -> None:
    """A signature whose own timestamp is before the disablement but which comes after it in the chain."""
    with Store.open(tmp_path / "h") as store:
        people = set_up_people(store)
        record_check_of(store, CODE, 4.0, people)
        event = sign(
            store,
            CODE,
            "clin1",
            password_of("clin1"),
            "clinical design confirmation",
            manifest_id=current_manifest().manifest_id,
        )
        disable_user(store, "clin1", by=people.admin)
        home = store.home
    # Move the signature after the disablement in the chain (a consistent rewrite of order and hashes).
    listed = rows(home)
    signature = next(r for r in listed if r["event_id"] == event.event_id)
    reordered = [r for r in listed if r["event_id"] != event.event_id] + [signature]
    statements: list[tuple[str, tuple[object, ...]]] = [("UPDATE events SET seq = -seq, hash = 'x' || seq", ())]
    prev = ""
    for index, row in enumerate(reordered, start=1):
        digest = compute_hash(
            event_id=row["event_id"],
            site_id=row["site_id"],
            case_code=row["case_code"],
            kind=row["kind"],
            payload_json=row["payload"],
            actor=row["actor"],
            created_at=row["created_at"],
            prev_hash=prev,
        )
        statements.append(
            (
                "UPDATE events SET seq = ?, prev_hash = ?, hash = ? WHERE event_id = ?",
                (index, prev, digest, row["event_id"]),
            )
        )
        prev = digest
    execute_as_attacker(home, statements)
    with Store.open(home) as store:
        report = store.verify()
        messages = [p.message for p in report.problems if p.code in ("signature", "attestation")]
        assert any("disabled" in message for message in messages), messages


def test_the_artifacts_table_is_inside_the_audit_and_sign_refuses_a_changed_design(
    people_home: tuple[Path, People],
) -> None:
    home, people = people_home
    with Store.open(home) as store:
        checked = record_check_of(store, CODE, 4.0, people)
        design = store.case(CODE).inputs["design"]
        assert store.verify().ok
        # A check's artifacts are this site's own files; the check names them.
        assert checked.payload.get("artifacts") is None  # recorded by hand here: the design is an input
    path = home / ARTIFACTS_DIR / design[:2] / design
    path.chmod(0o644)
    path.write_bytes(b"solid changed\nendsolid\n")
    execute_as_attacker(home, [("DELETE FROM artifacts WHERE sha256 = ?", (design,))])
    with Store.open(home) as store:
        problems = [p for p in store.verify().problems if p.code == "artifact_unrecorded"]
        assert problems
        assert "now hashes to" in problems[0].message
    shutil.rmtree(home / ARTIFACTS_DIR / design[:2])


def test_a_check_whose_stored_file_lost_its_record_cannot_be_signed(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    work = home.parent / "work"
    work.mkdir()
    files = {}
    for role, text in (("volume", "v"), ("mask", "m"), ("anatomy", "a"), ("design", "d"), ("parameters", "p")):
        files[role] = work / f"{role}.bin"
        files[role].write_text(text)
    files["check"] = work / "check.json"
    files["check"].write_text("{}")
    files["envelope"] = work / "envelope.toml"
    files["envelope"].write_text("x")
    manifest = current_manifest().manifest_id
    check_json = {
        "verdict": "within",
        "requires_reverification": False,
        "envelope": {"id": "e", "version": "1", "sha256": "e" * 64, "family": "cranial_plate"},
        "parameters_sha256": "c" * 64,
        "manifest_id": manifest,
    }
    with Store.open(home) as store:
        record_check(store, CODE, check_json, files, dicom_sha256="d" * 64, source="test", by=people.engineer)
        design = store.case(CODE).inputs["design"]
    target = home / ARTIFACTS_DIR / design[:2] / design
    target.chmod(0o644)
    target.write_text("changed design")
    execute_as_attacker(home, [("DELETE FROM artifacts WHERE sha256 = ?", (design,))])
    with Store.open(home) as store:
        codes = _codes(store)
        assert "artifact_unrecorded" in codes
        with pytest.raises(InputChangedError, match="record is gone"):
            sign(
                store,
                CODE,
                "clin1",
                password_of("clin1"),
                "clinical design confirmation",
                manifest_id=current_manifest().manifest_id,
            )
        with pytest.raises(BundleIntegrityError, match="has no artifact record"):
            export_bundle(store, CODE, home.parent / "b.zip", "eng1", password_of("eng1"))


def test_a_hand_written_selftest_file_opens_nothing(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h") as store:
        people = set_up_people(store, validated=False)
        record_check_of(store, CODE, 4.0, people)
        manifest = current_manifest().manifest_id
        folder = store.home / "selftest"
        folder.mkdir()
        (folder / f"{manifest}.json").write_text(json.dumps({"passed": True, "manifest_id": manifest}))
        assert not is_validated(store, manifest)
        with pytest.raises(ManifestNotValidatedError, match="no passed self-test recorded"):
            sign(
                store,
                CODE,
                "clin1",
                password_of("clin1"),
                "clinical design confirmation",
                manifest_id=current_manifest().manifest_id,
            )
    # A forged, unattested self-test event is reported and still opens nothing.
    forged = {"manifest_id": manifest, "passed": True, "cases": [], "seconds": 1.0}
    append_as_attacker(tmp_path / "h", "selftest_recorded", None, forged, "qa1")
    with Store.open(tmp_path / "h") as store:
        assert "attestation" in _codes(store)
        assert not is_validated(store, manifest)
        with pytest.raises(ManifestNotValidatedError):
            sign(
                store,
                CODE,
                "clin1",
                password_of("clin1"),
                "clinical design confirmation",
                manifest_id=current_manifest().manifest_id,
            )


def test_failed_sign_ins_are_recorded_and_lock_the_account(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        outcomes = []
        for _ in range(20):
            try:
                sign_in(store, "eng1", "not the password")
            except AccountLockedError:
                outcomes.append("locked")
            except WrongPasswordError:
                outcomes.append("wrong")
        assert outcomes[: MAX_FAILED_SIGN_INS - 1] == ["wrong"] * (MAX_FAILED_SIGN_INS - 1)
        assert set(outcomes[MAX_FAILED_SIGN_INS - 1 :]) == {"locked"}
        failures = [e for e in store.events() if e.kind == SIGN_IN_FAILED]
        assert len(failures) == MAX_FAILED_SIGN_INS  # attempts while locked are not even checked
        with pytest.raises(AccountLockedError, match="until"):
            sign_in(store, "eng1", password_of("eng1"))
        unlock_user(store, "eng1", by=people.admin)
        assert sign_in(store, "eng1", password_of("eng1")).user_id == "eng1"
        assert store.verify().ok


ROUNDS = 10


def _assign_rounds(home: str, code: str, barrier: Any, queue: Any) -> None:
    """One of two processes: sign in once, then in each round wait for the other and assign the round's serial."""
    with Store.open(Path(home)) as store:
        session = sign_in(store, "qa1", password_of("qa1"))
        for round_number in range(ROUNDS):
            barrier.wait(timeout=120)
            try:
                assign_udi(store, code, serial=f"SER-{round_number:04d}", new=True, by=session)
                queue.put((round_number, "ok"))
            except DuplicateSerialError:
                queue.put((round_number, "duplicate"))


@pytest.mark.slow
def test_concurrent_assignments_of_one_serial_never_both_succeed(people_home: tuple[Path, People]) -> None:
    """Two processes assign the same serial at the same instant, ten rounds: exactly one wins each round."""
    home, people = people_home
    with Store.open(home) as store:
        for code in ("CP-A", "CP-B"):
            signed_case(store, code, 4.0, people)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    queue = context.Queue()
    workers = [
        context.Process(target=_assign_rounds, args=(str(home), code, barrier, queue)) for code in ("CP-A", "CP-B")
    ]
    for worker in workers:
        worker.start()
    outcomes: dict[int, list[str]] = {}
    for _ in range(2 * ROUNDS):
        round_number, outcome = queue.get(timeout=300)
        outcomes.setdefault(round_number, []).append(outcome)
    for worker in workers:
        worker.join(timeout=60)
    assert {n: sorted(found) for n, found in outcomes.items()} == {n: ["duplicate", "ok"] for n in range(ROUNDS)}
    with Store.open(home) as store:
        held = [e for e in store.events() if e.kind == "udi_assigned"]
        assert len({e.payload["udi_pi"]["serial"] for e in held}) == len(held) == ROUNDS
        assert store.verify().ok


def test_a_non_json_payload_is_reported_not_crashed_on(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        store.append("case_created", case_code=CODE, payload={}, by=people.engineer)
    seq = rows(home)[-1]["seq"]
    execute_as_attacker(home, [("UPDATE events SET payload = ? WHERE seq = ?", ("[" * 100000, seq))])
    with Store.open(home) as store:
        codes = _codes(store)
        assert {"bad_payload", "hash_mismatch"} <= codes


def test_a_damaged_store_is_one_line_without_sqlalchemy_background(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "h"
    home.mkdir()
    (home / "dvw.sqlite").write_bytes(b"this is not a database " * 100)
    code = main(["--home", str(home), "case", "list"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "Background on this error" not in err
    assert "Traceback" not in err
