"""Case state derived from the event log: every transition of the state machine, on events from a real store."""

from __future__ import annotations

import pytest

from records.cases import case_state, case_states
from records.errors import CaseNotFoundError
from records.store import Store

SHA_A = "a" * 64
SHA_B = "b" * 64


def _state(store: Store, code: str = "C1") -> tuple[int, str, str | None]:
    state = store.case(code)
    return state.revision, state.state, state.verdict


def test_within_then_signed(store: Store) -> None:
    store.append("case_created", case_code="C1", payload={})
    assert _state(store) == (1, "open", None)
    store.append("inputs_added", case_code="C1", payload={"ct": SHA_A, "design": SHA_B})
    assert _state(store) == (1, "open", None)
    check = store.append("check_run", case_code="C1", payload={"verdict": "within", "requires_reverification": False})
    assert _state(store) == (1, "checked", "within")
    store.append("note", case_code="C1", payload={"text": "looks fine"})
    assert _state(store) == (1, "checked", "within")
    signature = store.append("signature", case_code="C1", payload={"meaning": "clinical design confirmation"})
    state = store.case("C1")
    assert (state.revision, state.state, state.verdict) == (1, "signed", "within")
    assert state.check == check
    assert state.signatures == (signature,)
    assert state.current_signatures == (signature,)
    assert dict(state.inputs) == {"ct": SHA_A, "design": SHA_B}
    assert [e.kind for e in state.events] == ["case_created", "inputs_added", "check_run", "note", "signature"]


@pytest.mark.parametrize(("verdict", "flag"), [("out_of_envelope", True), ("indeterminate", None)])
def test_out_of_envelope_needs_reverification(store: Store, verdict: str, flag: bool | None) -> None:
    store.append("case_created", case_code="C1", payload={})
    payload: dict[str, object] = {"verdict": verdict}
    if flag is not None:
        payload["requires_reverification"] = flag
    store.append("check_run", case_code="C1", payload=payload)
    assert _state(store) == (1, "needs_reverification", verdict)
    record = store.append("reverification_recorded", case_code="C1", payload={"result": "pass", "method": "FEA"})
    assert _state(store) == (1, "reverified", verdict)
    assert store.case("C1").reverification == record
    store.append("signature", case_code="C1", payload={"meaning": "re-verification approved"})
    assert _state(store) == (1, "signed", verdict)


def test_failed_reverification(store: Store) -> None:
    store.append("case_created", case_code="C1", payload={})
    store.append("check_run", case_code="C1", payload={"verdict": "out_of_envelope"})
    store.append("reverification_recorded", case_code="C1", payload={"result": "fail"})
    assert _state(store) == (1, "reverification_failed", "out_of_envelope")


def test_reverification_without_a_check_needing_it_changes_nothing(store: Store) -> None:
    store.append("case_created", case_code="C1", payload={})
    store.append("reverification_recorded", case_code="C1", payload={"result": "pass"})
    assert _state(store) == (1, "open", None)
    store.append("check_run", case_code="C1", payload={"verdict": "within"})
    store.append("reverification_recorded", case_code="C1", payload={"result": "pass"})
    assert _state(store) == (1, "checked", "within")
    assert store.case("C1").reverification is None


def test_a_design_change_makes_a_new_revision_and_supersedes_signatures(store: Store) -> None:
    store.append("case_created", case_code="C1", payload={})
    store.append("inputs_added", case_code="C1", payload={"design": SHA_A})
    store.append("check_run", case_code="C1", payload={"verdict": "within"})
    old = store.append("signature", case_code="C1", payload={})
    store.append("design_changed", case_code="C1", payload={"reason": "thicker rim", "inputs": {"design": SHA_B}})
    state = store.case("C1")
    assert (state.revision, state.state, state.verdict) == (2, "open", "within")
    assert state.check is None
    assert state.inputs["design"] == SHA_B
    assert state.superseded == frozenset({old.event_id})
    assert state.current_signatures == ()
    store.append("check_run", case_code="C1", payload={"verdict": "out_of_envelope"})
    assert _state(store) == (2, "needs_reverification", "out_of_envelope")
    store.append("design_changed", case_code="C1", payload={"reason": "again"})
    assert _state(store)[:2] == (3, "open")
    assert store.case("C1").to_json()["signatures"][0]["superseded"] is True


def test_changed_inputs_after_a_check_reopen_the_case(store: Store) -> None:
    store.append("case_created", case_code="C1", payload={})
    store.append("check_run", case_code="C1", payload={"verdict": "within"})
    signature = store.append("signature", case_code="C1", payload={})
    store.append("inputs_added", case_code="C1", payload={"ct": SHA_B})
    state = store.case("C1")
    assert (state.revision, state.state) == (1, "open")
    assert state.superseded == frozenset({signature.event_id})


def test_a_new_check_supersedes_earlier_signatures(store: Store) -> None:
    store.append("case_created", case_code="C1", payload={})
    store.append("check_run", case_code="C1", payload={"verdict": "within"})
    first = store.append("signature", case_code="C1", payload={})
    store.append("check_run", case_code="C1", payload={"verdict": "within"})
    state = store.case("C1")
    assert state.state == "checked"
    assert state.superseded == frozenset({first.event_id})


def test_json_views(store: Store) -> None:
    store.append("case_created", case_code="C1", payload={})
    store.append("check_run", case_code="C1", payload={"verdict": "indeterminate"})
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


def test_cases_are_listed_in_creation_order_and_site_events_skipped(store: Store) -> None:
    store.append("case_created", case_code="B", payload={})
    store.append("note", case_code=None, payload={"user": "added"})
    store.append("case_created", case_code="A", payload={})
    store.append("check_run", case_code="B", payload={"verdict": "within"})
    assert [(c.code, c.state) for c in store.cases()] == [("B", "checked"), ("A", "open")]
    assert [c.code for c in case_states(store.events())] == ["B", "A"]


def test_unknown_cases(store: Store) -> None:
    with pytest.raises(CaseNotFoundError, match="no case X1"):
        store.case("X1")
    with pytest.raises(CaseNotFoundError):
        case_state([])
    store.append("case_created", case_code="C1", payload={})
    store.append("note", case_code="C1", payload={})
    with pytest.raises(CaseNotFoundError):
        case_state(store.events("C1")[1:])
