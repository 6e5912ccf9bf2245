"""Case state derived from the event log: every transition of the state machine, on events from a real store (a copy
of a set-up workstation: the engineer records, the clinician signs). The signature payloads are stand-ins: these tests
are about the state the log gives; test_signatures.py checks real signatures."""

from __future__ import annotations

from pathlib import Path

import pytest
from people import People

from records.cases import case_state, case_states
from records.errors import CaseNotFoundError
from records.store import Store

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture
def home(people_home: tuple[Path, People]) -> Path:
    """A copy of a set-up workstation's home (the ``store`` fixture opens it)."""
    return people_home[0]


@pytest.fixture
def people(people_home: tuple[Path, People]) -> People:
    """The signed-in users of ``home``."""
    return people_home[1]


def _state(store: Store, code: str = "C1") -> tuple[int, str, str | None]:
    state = store.case(code)
    return state.revision, state.state, state.verdict


def test_within_then_signed(store: Store, people: People) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    assert _state(store) == (1, "open", None)
    store.append("inputs_added", case_code="C1", payload={"ct": SHA_A, "design": SHA_B}, by=people.engineer)
    assert _state(store) == (1, "open", None)
    check = store.append(
        "check_run", case_code="C1", payload={"verdict": "within", "requires_reverification": False}, by=people.engineer
    )
    assert _state(store) == (1, "checked", "within")
    store.append("note", case_code="C1", payload={"text": "looks fine"}, by=people.engineer)
    assert _state(store) == (1, "checked", "within")
    signature = store.append(
        "signature", case_code="C1", payload=_signed("clinical design confirmation"), by=people.clinician
    )
    state = store.case("C1")
    assert (state.revision, state.state, state.verdict) == (1, "signed", "within")
    assert state.check == check
    assert state.signatures == (signature,)
    assert state.current_signatures == (signature,)
    assert dict(state.inputs) == {"ct": SHA_A, "design": SHA_B}
    assert [e.kind for e in state.events] == ["case_created", "inputs_added", "check_run", "note", "signature"]


def _signed(meaning: str = "clinical design confirmation", revision: int = 1) -> dict[str, object]:
    """A signature payload of the shape DVW writes (records.payloads.Signature); the case's state only counts it,
    so nothing in it is checked here (the audit checks signatures: tests/records/test_signatures.py)."""
    return {
        "content": {
            "format": "dvw-signature/1",
            "case_code": "C1",
            "revision": revision,
            "meaning": meaning,
            "signed_at": "2026-05-01T09:30:00+08:00",
            "signer": {"user_id": "clin1", "printed_name": "Dr C", "role": "clinician", "qualification": None},
            "public_key_sha256": "0" * 64,
            "verdict": "within",
            "envelope_sha256": None,
            "manifest_id": "0" * 64,
            "inputs": {},
            "check": {"event_id": "0" * 32, "event_hash": "0" * 64, "payload_sha256": "0" * 64},
            "reverification": None,
            "case_head_hash": "0" * 64,
        },
        "signature": "",
        "algorithm": "Ed25519",
        "public_key_sha256": "0" * 64,
    }


def _answer(result: str) -> dict[str, object]:
    """A re-verification payload as DVW writes it (records.payloads.ReverificationRecorded); only its result
    matters to the case's state."""
    return {
        "result": result,
        "method": "FEA",
        "justification": "stress below the limit",
        "evidence": [],
        "check_event_id": "0" * 32,
        "check_hash": "0" * 64,
        "verdict": "out_of_envelope",
        "revision": 1,
        "recorded_by": {"user_id": "eng1", "printed_name": "Eve Engineer", "role": "engineer", "qualification": None},
    }


@pytest.mark.parametrize(("verdict", "flag"), [("out_of_envelope", True), ("indeterminate", None)])
def test_out_of_envelope_needs_reverification(store: Store, people: People, verdict: str, flag: bool | None) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    payload: dict[str, object] = {"verdict": verdict}
    if flag is not None:
        payload["requires_reverification"] = flag
    store.append("check_run", case_code="C1", payload=payload, by=people.engineer)
    assert _state(store) == (1, "needs_reverification", verdict)
    record = store.append("reverification_recorded", case_code="C1", payload=_answer("pass"), by=people.engineer)
    assert _state(store) == (1, "reverified", verdict)
    assert store.case("C1").reverification == record
    store.append("signature", case_code="C1", payload=_signed("re-verification approved"), by=people.clinician)
    assert _state(store) == (1, "signed", verdict)


def test_failed_reverification(store: Store, people: People) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    store.append("check_run", case_code="C1", payload={"verdict": "out_of_envelope"}, by=people.engineer)
    store.append("reverification_recorded", case_code="C1", payload=_answer("fail"), by=people.engineer)
    assert _state(store) == (1, "reverification_failed", "out_of_envelope")


def test_reverification_without_a_check_needing_it_changes_nothing(store: Store, people: People) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    store.append("reverification_recorded", case_code="C1", payload=_answer("pass"), by=people.engineer)
    assert _state(store) == (1, "open", None)
    store.append("check_run", case_code="C1", payload={"verdict": "within"}, by=people.engineer)
    store.append("reverification_recorded", case_code="C1", payload=_answer("pass"), by=people.engineer)
    assert _state(store) == (1, "checked", "within")
    assert store.case("C1").reverification is None


def test_a_design_change_makes_a_new_revision_and_supersedes_signatures(store: Store, people: People) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    store.append("inputs_added", case_code="C1", payload={"design": SHA_A}, by=people.engineer)
    store.append("check_run", case_code="C1", payload={"verdict": "within"}, by=people.engineer)
    old = store.append("signature", case_code="C1", payload=_signed(), by=people.clinician)
    store.append(
        "design_changed",
        case_code="C1",
        payload={"reason": "thicker rim", "inputs": {"design": SHA_B}},
        by=people.engineer,
    )
    state = store.case("C1")
    assert (state.revision, state.state, state.verdict) == (2, "open", "within")
    assert state.check is None
    assert state.inputs["design"] == SHA_B
    assert state.superseded == frozenset({old.event_id})
    assert state.current_signatures == ()
    store.append("check_run", case_code="C1", payload={"verdict": "out_of_envelope"}, by=people.engineer)
    assert _state(store) == (2, "needs_reverification", "out_of_envelope")
    store.append("design_changed", case_code="C1", payload={"reason": "again"}, by=people.engineer)
    assert _state(store)[:2] == (3, "open")
    assert store.case("C1").to_json()["signatures"][0]["superseded"] is True


def test_changed_inputs_after_a_check_reopen_the_case(store: Store, people: People) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    store.append("check_run", case_code="C1", payload={"verdict": "within"}, by=people.engineer)
    signature = store.append("signature", case_code="C1", payload=_signed(), by=people.clinician)
    store.append("inputs_added", case_code="C1", payload={"ct": SHA_B}, by=people.engineer)
    state = store.case("C1")
    assert (state.revision, state.state) == (1, "open")
    assert state.superseded == frozenset({signature.event_id})


def test_a_new_check_supersedes_earlier_signatures(store: Store, people: People) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    store.append("check_run", case_code="C1", payload={"verdict": "within"}, by=people.engineer)
    first = store.append("signature", case_code="C1", payload=_signed(), by=people.clinician)
    store.append("check_run", case_code="C1", payload={"verdict": "within"}, by=people.engineer)
    state = store.case("C1")
    assert state.state == "checked"
    assert state.superseded == frozenset({first.event_id})


def test_json_views(store: Store, people: People) -> None:
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    store.append("check_run", case_code="C1", payload={"verdict": "indeterminate"}, by=people.engineer)
    state = store.case("C1")
    assert state.summary_json() == {
        "code": "C1",
        "revision": 1,
        "state": "needs_reverification",
        "verdict": "indeterminate",
    }
    full = state.to_json()
    assert [e["kind"] for e in full["events"]] == ["case_created", "check_run"]
    assert full["signatures"] == []


def test_cases_are_listed_in_creation_order_and_site_events_skipped(store: Store, people: People) -> None:
    store.append("case_created", case_code="B", payload={}, by=people.engineer)
    store.append("note", case_code=None, payload={"user": "added"}, by=people.engineer)
    store.append("case_created", case_code="A", payload={}, by=people.engineer)
    store.append("check_run", case_code="B", payload={"verdict": "within"}, by=people.engineer)
    assert [(c.code, c.state) for c in store.cases()] == [("B", "checked"), ("A", "open")]
    assert [c.code for c in case_states(store.events())] == ["B", "A"]


def test_unknown_cases(store: Store, people: People) -> None:
    with pytest.raises(CaseNotFoundError, match="no case X1"):
        store.case("X1")
    with pytest.raises(CaseNotFoundError):
        case_state([])
    store.append("case_created", case_code="C1", payload={}, by=people.engineer)
    store.append("note", case_code="C1", payload={}, by=people.engineer)
    with pytest.raises(CaseNotFoundError):
        case_state(store.events("C1")[1:])
