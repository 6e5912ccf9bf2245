"""The case team and the interaction gates (records.team, REQUIREMENTS 4.1.6, 4.4.3, 4.5.1.1) on a real store: who
may act on a case with a team, and what a case needs before it is checked or signed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from case_support import CODE, ENVELOPE, manifest_id, open_case, run_check, sign_in_session
from people import People

from records.checks import record_check
from records.errors import (
    ChangeRefusedError,
    DesignInputMissingError,
    NotATeamMemberError,
    ProposalIncompleteError,
    TeamRefusedError,
)
from records.payloads import Consent, DesignInputRecorded, ProposalIssued, to_payload
from records.store import Store
from records.team import change_team, deadline_of, missing_for_work, missing_proposal_items
from validation.check import check
from validation.parameters import Parameters, ParameterValue


def _design_input(store: Store, by: object, *, given: bool = True, deadline: str = "2026-12-20") -> None:
    consent_sha = store.put_artifact(b"signed consent form", "patient") if given else None
    payload = DesignInputRecorded(
        format="dvw-design-input/1",
        input_sha256=store.put_artifact(b'{"material":"PEKK"}', "design_input"),
        deadline=deadline,
        consent=Consent(given=given, date="2026-12-01" if given else None, document_sha256=consent_sha),
        fields={"material": "PEKK"},
    )
    store.append("design_input_recorded", case_code=CODE, payload=to_payload(payload), by=by)


def _check_files(folder: Path, design_text: str) -> tuple[dict[str, object], dict[str, Path]]:
    """A real envelope check of a 3 mm wall and the files record_check stores (design, parameters, check)."""
    parameters = Parameters((ParameterValue("design.min_wall_thickness", 3.0, "mm"),), manifest_id())
    result = check(ENVELOPE, parameters, manifest_id()).to_json()
    folder.mkdir(parents=True, exist_ok=True)
    files = {"design": folder / "design.stl", "parameters": folder / "params.json", "check": folder / "check.json"}
    files["design"].write_text(design_text)
    files["parameters"].write_bytes(parameters.canonical_bytes())
    files["check"].write_text(json.dumps(result))
    return result, files


def test_the_first_member_brings_the_creator_and_the_team_follows_the_log(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        assert store.case(CODE).team == {}
        added = change_team(store, CODE, people.engineer, add="clin1", role="prescribing_clinician")
        assert [(e.kind, e.payload["user_id"], e.payload["role"]) for e in added] == [
            ("team_member_added", "eng1", "design_engineer"),
            ("team_member_added", "clin1", "prescribing_clinician"),
        ]
        change_team(store, CODE, people.clinician, add="qa1", role="quality")
        change_team(store, CODE, people.engineer, remove="qa1")
        case = store.case(CODE)
        assert dict(case.team) == {"eng1": "design_engineer", "clin1": "prescribing_clinician"}
        assert store.verify().ok


@pytest.mark.parametrize(
    ("by", "kwargs", "message"),
    [
        ("eng1", {"add": "qa1", "role": "prescribing_clinician"}, "qa1 is a quality; the role prescribing_clinician"),
        ("eng1", {"add": "nobody", "role": "reviewer"}, "no user 'nobody'"),
        ("eng1", {"add": "clin1", "role": "surgeon"}, "a member needs a role on the case"),
        ("qa1", {"add": "qa1", "role": "quality"}, "qa1 may not change the team of case"),
        ("eng1", {"add": "clin1", "role": "reviewer"}, "clin1 is already on the team"),
        ("eng1", {"remove": "qa1"}, "qa1 is not on the team"),
    ],
)
def test_team_changes_that_are_refused(
    people_home: tuple[Path, People], by: str, kwargs: dict[str, str], message: str
) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        change_team(store, CODE, people.engineer, add="clin1", role="prescribing_clinician")
        before = store.event_count()
        with pytest.raises(TeamRefusedError, match=message):
            change_team(store, CODE, people.session(by), **kwargs)  # type: ignore[arg-type]
        assert store.event_count() == before


def test_the_last_member_cannot_leave(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        change_team(store, CODE, people.engineer, add="eng1", role="design_engineer")
        with pytest.raises(TeamRefusedError, match="eng1 is the last member"):
            change_team(store, CODE, people.engineer, remove="eng1")


def test_only_members_check_and_sign_a_case_with_a_team(people_home: tuple[Path, People], tmp_path: Path) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        change_team(store, CODE, people.engineer, add="clin1", role="prescribing_clinician")
        _design_input(store, people.clinician)
        result, files = _check_files(tmp_path / "check", f"solid design {CODE}\nendsolid design\n")
        with pytest.raises(NotATeamMemberError, match=r"qa1 is not on the team of case CP-2026-001 .*run its check"):
            record_check(store, CODE, result, files, dicom_sha256="a" * 64, source="test", by=people.quality)
        recorded = record_check(store, CODE, result, files, dicom_sha256="a" * 64, source="test", by=people.engineer)
        assert recorded.state == "checked"
        with pytest.raises(NotATeamMemberError, match=r"qa1 is not on the team .*sign it"):
            sign_in_session(store, people.quality, "design verification")
        lacking = r"the design proposal lacks the surgical solution \(design input\); the packaging .*dvw proposal"
        with pytest.raises(ProposalIncompleteError, match=lacking):
            sign_in_session(store, people.clinician, "clinical design confirmation")
        signed = sign_in_session(store, people.engineer, "design verification")
        assert store.case(CODE).state == "signed"
        assert signed.actor == "eng1"
        # A member removed is refused from then on.
        change_team(store, CODE, people.engineer, add="qa1", role="quality")
        change_team(store, CODE, people.engineer, remove="qa1")
        with pytest.raises(NotATeamMemberError):
            sign_in_session(store, people.quality, "design verification")
        assert store.verify().ok


def test_a_case_with_a_team_needs_its_design_input_and_consent(
    people_home: tuple[Path, People], tmp_path: Path
) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        change_team(store, CODE, people.engineer, add="clin1", role="prescribing_clinician")
        result, files = _check_files(tmp_path / "check", f"solid design {CODE}\nendsolid design\n")
        with pytest.raises(DesignInputMissingError, match="cannot be checked: it lacks the design input"):
            record_check(store, CODE, result, files, dicom_sha256="a" * 64, source="test", by=people.engineer)
        run_check(store, 3.0, people.engineer)  # a check recorded by other means is still not signable
        with pytest.raises(DesignInputMissingError, match="cannot be signed: it lacks the design input"):
            sign_in_session(store, people.clinician, "clinical design confirmation")
        _design_input(store, people.clinician, given=False)
        assert missing_for_work(store.case(CODE)) == [
            "the patient's informed consent (consent.given is false in the design input)"
        ]
        with pytest.raises(DesignInputMissingError, match="informed consent"):
            sign_in_session(store, people.clinician, "clinical design confirmation")
        _design_input(store, people.clinician, given=True)
        assert missing_for_work(store.case(CODE)) == []
        sign_in_session(store, people.engineer, "design verification")


def test_a_case_with_a_team_changes_its_design_only_with_a_reason(
    people_home: tuple[Path, People], tmp_path: Path
) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        change_team(store, CODE, people.engineer, add="clin1", role="prescribing_clinician")
        _design_input(store, people.clinician)
        result, files = _check_files(tmp_path / "one", "solid other design\nendsolid other design\n")
        with pytest.raises(ChangeRefusedError, match="record the change with its reason first: dvw change"):
            record_check(store, CODE, result, files, dicom_sha256="a" * 64, source="test", by=people.engineer)


def test_cases_without_a_team_stay_open_to_every_user(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        run_check(store, 3.0, people.engineer)
        assert missing_for_work(store.case(CODE)) == []
        sign_in_session(store, people.quality, "design verification")
        sign_in_session(store, people.clinician, "clinical design confirmation")


def test_the_deadline_gives_days_left_late_and_at_risk(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        assert deadline_of(store.case(CODE), date(2026, 12, 1)).to_json() == {
            "deadline": None,
            "days_left": None,
            "late": False,
            "at_risk": False,
        }
        _design_input(store, people.clinician, deadline="2026-12-20")
        case = store.case(CODE)
        assert deadline_of(case, date(2026, 12, 1)).to_json() == {
            "deadline": "2026-12-20",
            "days_left": 19,
            "late": False,
            "at_risk": False,
        }
        assert deadline_of(case, date(2026, 12, 17)).at_risk
        assert deadline_of(case, date(2026, 12, 20)).at_risk
        late = deadline_of(case, date(2026, 12, 22))
        assert (late.days_left, late.late, late.at_risk) == (-2, True, False)
        run_check(store, 3.0, people.engineer)
        sign_in_session(store, people.engineer, "design verification")
        signed = deadline_of(store.case(CODE), date(2026, 12, 22))
        assert (signed.days_left, signed.late, signed.at_risk) == (-2, False, False)


def _full_input(store: Store, by: object) -> None:
    texts = {
        "indication": "skull defect",
        "surgical_plan": "cranioplasty",
        "material": "PEKK",
        "packaging": "double pouch",
        "sterilization": "steam",
        "supply": "sterile to theatre",
    }
    payload = DesignInputRecorded(
        format="dvw-design-input/1",
        input_sha256=store.put_artifact(json.dumps(texts).encode(), "design_input"),
        deadline="2026-12-20",
        consent=Consent(given=True, date="2026-12-01", document_sha256=store.put_artifact(b"form", "patient")),
        fields=texts,
    )
    store.append("design_input_recorded", case_code=CODE, payload=to_payload(payload), by=by)


def _proposal(store: Store, by: object, views: int) -> None:
    case = store.case(CODE)
    assert case.check is not None
    payload = ProposalIssued(
        format="dvw-proposal/1",
        proposal_sha256=store.put_artifact(b'{"proposal": 1}', "proposal"),
        pdf_sha256=store.put_artifact(b"%PDF-1.4", "proposal_pdf"),
        revision=case.revision,
        check_event_id=case.check.event_id,
        check_hash=case.check.hash,
        renderings={f"view{n}": store.put_artifact(f"png {n}".encode(), "rendering") for n in range(views)},
    )
    store.append("proposal_issued", case_code=CODE, payload=to_payload(payload), by=by)


def test_the_proposal_items_a_confirmation_waits_for(people_home: tuple[Path, People]) -> None:
    home, people = people_home
    with Store.open(home) as store:
        open_case(store, people)
        change_team(store, CODE, people.engineer, add="clin1", role="prescribing_clinician")
        _design_input(store, people.clinician)  # only the material
        assert missing_proposal_items(store.case(CODE)) == [
            "the design (a checked design of the current revision)",
            "the surgical solution (design input)",
            "the packaging (design input)",
            "the sterilization (design input)",
            "the supply method (design input)",
            "the envelope check with its verdict",
            f"the design proposal of the current check (dvw proposal {CODE} --out FILE.pdf)",
        ]
        _full_input(store, people.clinician)
        run_check(store, 1.0, people.engineer)  # below the envelope's 2 mm minimum: out of it
        _proposal(store, people.engineer, views=3)
        assert missing_proposal_items(store.case(CODE)) == [
            "a passed re-verification of the check",
            "renderings of the design from at least 4 standard views",
        ]
        run_check(store, 3.0, people.engineer)  # a new check: the proposal made for the old one no longer counts
        assert store.case(CODE).proposal is None
        assert missing_proposal_items(store.case(CODE)) == [
            f"the design proposal of the current check (dvw proposal {CODE} --out FILE.pdf)"
        ]
        _proposal(store, people.engineer, views=5)
        assert missing_proposal_items(store.case(CODE)) == []
        signed = sign_in_session(store, people.clinician, "clinical design confirmation")
        proposal = store.case(CODE).proposal
        assert proposal is not None
        assert signed.payload["content"]["proposal"] == {
            "event_id": proposal.event_id,
            "event_hash": proposal.hash,
            "proposal_sha256": proposal.payload["proposal_sha256"],
        }
        assert store.verify().ok
