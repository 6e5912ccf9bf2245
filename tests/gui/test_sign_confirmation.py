"""The window's sign dialog: a clinician's "clinical design confirmation" of a case checked within its envelope,
whose device already has its UDI, records the design_approved trace step with the signature (the same records path
as ``dvw sign``), attributed to and attested by the clinician; the audit stays clean.

The store is a copy of the ``pipeline`` fixture's (the sample cases checked through the GUI's steps); the fitted
design is within the sample envelope. The engineer's design verification and the UDI are recorded first (the UDI
needs a signed case), so the clinician's confirmation has a device to name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from gui_support import open_window
from people import USERS, password_of
from pytestqt.qtbot import QtBot
from sample_pipeline import PipelineResults

from app.gui.settings import GuiSettings
from records.identity import verify_attestation
from records.payloads import TraceEvent, read
from records.signatures import sign_as, signature_checker
from records.store import Store
from records.users import load_users, sign_in
from traceability.assignment import assign_udi
from traceability.trace import trace_events
from validation.manifest import current_manifest

CODE = "SHOT-FITTED"


def test_the_window_s_clinical_confirmation_records_design_approved(
    qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(pipeline.home, home)
    with Store.open(home) as store:
        engineer = sign_in(store, "eng1", password_of("eng1"))
        sign_as(store, CODE, engineer, "design verification", manifest_id=current_manifest().manifest_id)
        record, _ = assign_udi(store, CODE, by=engineer)
        assert trace_events(store.case(CODE)) == []

    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(home))
    window = open_window(qtbot, settings)
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(CODE)
    review = window.review_panel
    state = window.case_model.state
    assert state is not None
    assert (state.code, state.verdict) == (CODE, "within")
    dialog = review.open_sign_dialog()
    assert dialog is not None
    dialog.set_meaning("clinical design confirmation")
    assert dialog.user_combo.currentData() == "clin1"
    qtbot.waitUntil(dialog.ready, timeout=30_000)  # the sign-off checklist is read and met
    dialog.password_edit.setText(password_of("clin1"))
    with qtbot.waitSignal(review.records_worker.finished, timeout=30_000):
        dialog.sign_button.click()

    state = window.case_model.state
    assert state is not None
    assert state.state == "signed"
    assert USERS["clin1"][1] in review.signatures_label.text()
    kinds = [review.audit_table.item(r, 2).text() for r in range(review.audit_table.rowCount())]
    assert kinds[-3:] == ["UDI assigned", "signature", "trace event"]

    with Store.open(home) as store:
        audit = store.verify(signature_checker(store))
        case = store.case(CODE)
        clinician = load_users(store)["clin1"]
    assert (audit.ok, audit.signatures) == (True, 2), audit
    signature, approved = case.events[-2:]
    assert (signature.kind, signature.actor, approved.actor) == ("signature", "clin1", "clin1")
    assert signature.payload["content"]["meaning"] == "clinical design confirmation"
    assert approved.prev_hash == signature.hash
    assert verify_attestation(clinician.public_key_pem, "clin1", approved)
    step = read(approved, TraceEvent)
    assert (step.step, step.sequence, step.what.serial, step.who.role) == (
        "design_approved",
        1,
        record.udi.serial,
        "clinician",
    )
    assert step.when == signature.payload["content"]["signed_at"]
    assert [e.event_id for e in trace_events(case)] == [approved.event_id]
