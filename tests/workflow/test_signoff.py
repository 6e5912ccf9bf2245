"""The sign-off checklist agrees with the records' own gates: each unmet item is a refusal of the signature, with
the window action that fixes it, and a fully met checklist signs."""

from __future__ import annotations

from pathlib import Path

import pytest
from case_support import CODE, manifest_id, open_case, run_check, sign_in_session
from people import People, password_of

from records.errors import ReverificationRequiredError, RoleNotPermittedError
from records.reverification import record_reverification
from records.store import Store
from workflow.signoff import (
    CHOOSE_SIGNER,
    RECORD_REVERIFICATION,
    RUN_CHECK,
    RUN_SELFTEST,
    SignoffRequest,
    all_met,
    read_signoff_facts,
    signoff_checklist,
)

CONFIRM = SignoffRequest("clinical design confirmation", "clinician")


def _unmet(home: Path, request: SignoffRequest = CONFIRM, manifest: str | None = None) -> dict[str, tuple[str, str]]:
    facts = read_signoff_facts(home, CODE, manifest or manifest_id())
    return {item.key: (item.reason, item.action or "") for item in signoff_checklist(facts, request) if not item.met}


def test_the_checklist_follows_the_case_to_its_signature(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
    assert _unmet(home) == {"check": ("no_check", RUN_CHECK)}

    with Store.open(home) as store:
        run_check(store, 1.5, people.engineer)  # below the 2.0 mm minimum: out of the envelope
    facts = read_signoff_facts(home, CODE, manifest_id())
    assert (facts.verdict, facts.needs_reverification, facts.reverification_result) == ("out_of_envelope", True, None)
    assert _unmet(home) == {"reverification": ("reverification_missing", RECORD_REVERIFICATION)}
    with Store.open(home) as store, pytest.raises(ReverificationRequiredError):
        sign_in_session(store, people.clinician, "clinical design confirmation")

    # Another installation's software: its check does not count and its self-test is not recorded here.
    other = "0" * 64
    assert _unmet(home, manifest=other) == {
        "check": ("other_software", RUN_CHECK),
        "selftest": ("no_selftest", RUN_SELFTEST),
        "reverification": ("reverification_missing", RECORD_REVERIFICATION),
    }
    # The signer's role: an engineer may not confirm for the clinic; nobody chosen is unmet too.
    assert _unmet(home, SignoffRequest("clinical design confirmation", "engineer"))["role"] == (
        "role_not_allowed",
        CHOOSE_SIGNER,
    )
    assert _unmet(home, SignoffRequest("release", None))["role"] == ("no_signer", CHOOSE_SIGNER)
    with Store.open(home) as store, pytest.raises(RoleNotPermittedError):
        sign_in_session(store, people.engineer, "clinical design confirmation")

    with Store.open(home) as store:
        record_reverification(
            store, CODE, "eng1", password_of("eng1"), method="FEA", result="fail", justification="stress too high"
        )
    assert _unmet(home) == {"reverification": ("reverification_failed", RUN_CHECK)}
    with Store.open(home) as store:
        run_check(store, 1.5, people.engineer)
        record_reverification(
            store, CODE, "eng1", password_of("eng1"), method="FEA", result="pass", justification="below the limit"
        )
    facts = read_signoff_facts(home, CODE, manifest_id())
    items = signoff_checklist(facts, CONFIRM)
    assert all_met(items), items
    assert [item.key for item in items] == [
        "check",
        "selftest",
        "reverification",
        "acknowledged",
        "proposal",
        "role",
        "conflict",
    ]
    with Store.open(home) as store:
        signed = sign_in_session(store, people.clinician, "clinical design confirmation")
    assert signed.kind == "signature"


def test_a_new_design_makes_the_check_stale(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        run_check(store, 3.0, people.engineer)  # within
        assert _unmet(home) == {}
        design = store.put_artifact(b"solid another\nendsolid another\n", "mesh")
        store.append("inputs_added", case_code=CODE, payload={"design": design}, by=people.engineer)
    unmet = _unmet(home)
    assert unmet == {"check": ("stale_check", RUN_CHECK)}


def test_a_case_with_a_team_waits_for_its_proposal_and_acknowledgements(people_home: tuple[Path, People]) -> None:
    """The checklist carries the gates of records.team (REQUIREMENTS 4.5.3.1 b, 4.5.4): its proposal item lists
    exactly what the signature's own refusal names; a case without a team or design input is not held to them."""
    from records.errors import ProposalIncompleteError  # noqa: PLC0415
    from records.payloads import Consent, DesignInputRecorded, to_payload  # noqa: PLC0415
    from records.team import change_team, missing_proposal_items  # noqa: PLC0415

    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        run_check(store, 3.0, people.engineer)
    facts = read_signoff_facts(home, CODE, manifest_id())
    assert (facts.held_to_interaction, facts.proposal_missing, facts.acknowledgements_pending) == (False, (), ())
    assert {item.reason for item in signoff_checklist(facts, CONFIRM) if item.key in {"proposal", "acknowledged"}} == {
        "proposal_not_needed",
        "acknowledged",
    }

    with Store.open(home) as store:
        change_team(store, CODE, people.engineer, add="clin1", role="prescribing_clinician")
        payload = DesignInputRecorded(
            format="dvw-design-input/1",
            input_sha256=store.put_artifact(b'{"material":"PEKK"}', "design_input"),
            deadline="2026-12-20",
            consent=Consent(given=True, date="2026-12-01", document_sha256=store.put_artifact(b"form", "patient")),
            fields={"material": "PEKK"},
        )
        store.append("design_input_recorded", case_code=CODE, payload=to_payload(payload), by=people.clinician)
        run_check(store, 3.0, people.engineer)
        expected = tuple(missing_proposal_items(store.case(CODE)))
    facts = read_signoff_facts(home, CODE, manifest_id())
    assert facts.held_to_interaction
    assert facts.proposal_missing == expected
    assert "the surgical solution (design input)" in expected
    items = {item.key: item for item in signoff_checklist(facts, CONFIRM)}
    assert (items["proposal"].met, items["proposal"].reason) == (False, "proposal_missing")
    assert items["proposal"].detail == "; ".join(expected)
    assert not all_met(tuple(items.values()))
    with Store.open(home) as store, pytest.raises(ProposalIncompleteError):
        sign_in_session(store, people.clinician, "clinical design confirmation")
    # The engineer's design verification does not wait for the clinician's proposal.
    verification = {
        item.key: item for item in signoff_checklist(facts, SignoffRequest("design verification", "engineer"))
    }
    assert (verification["proposal"].met, verification["proposal"].reason) == (True, "proposal_not_needed")
