"""The Case menu's dialogs on a real store (a copy of the sample pipeline's, checked by eng1) in a real window.

Design change: the new design compared on a worker, the recorded figures shown, the colour map drawn over the new
design, and each member's acknowledgement. Design input: the CLI's validation with errors beside their fields,
recorded as the signed-in user, shown again on reopening, loaded from the TOML the CLI takes. Proposal: the preview
shows the record whose SHA-256 a clinical design confirmation records. Team: members added and refused.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest
from gui_support import open_window
from people import password_of
from PySide6.QtCore import QDate
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)
from pytestqt.qtbot import QtBot
from test_screens import ALLOWED_WORDS, SCREENSHOTS, _english_words

from app.gui.design_dialogs import (
    CHANGE_SCALARS,
    DesignChangeDialog,
    DesignInputDialog,
    ProposalDialog,
    TeamDialog,
)
from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from app.gui.widgets import AMBER, RED, ProgressPanel
from geometry.distance import vertex_normals
from geometry.io import read_mesh, write_mesh
from geometry.mesh import Mesh
from records.payloads import DesignChanged, read
from records.store import Store
from records.users import sign_in

T = TypeVar("T", bound=QDialog)
THIN = "SHOT-THIN"
FITTED = "SHOT-FITTED"
WORKER_TIMEOUT_MS = 180_000
REASON = "Raised over the burr hole: the surgeon asked for 0.8 mm more cover"
BUMP_MM = 0.8


@pytest.fixture
def window(qtbot: QtBot, store_copy: Path, tmp_path: Path) -> Iterator[MainView]:
    """A window on a copy of the sample store, signed in as the engineer (English)."""
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store_copy))
    shown = open_window(qtbot, settings)
    yield shown
    install_language("en")


def _bumped(design: Path, out: Path, *, height_mm: float = BUMP_MM, radius_mm: float = 10.0) -> Path:
    """``design`` with a smooth bump on the face of its middle vertex: ``height_mm`` high at the middle, none beyond
    ``radius_mm`` (each vertex of that face moved along its normal by ``height * (1 - (r / radius)^2)^2``)."""
    mesh = read_mesh(design)
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    normals = vertex_normals(mesh)
    middle = int(np.argmin(np.linalg.norm(vertices - vertices.mean(axis=0), axis=1)))
    distance = np.linalg.norm(vertices - vertices[middle], axis=1)
    on_face = normals @ normals[middle] > 0.8  # the other face's normals point the other way
    falloff = np.clip(1.0 - (distance / radius_mm) ** 2, 0.0, None) ** 2
    moved = vertices + normals * (height_mm * falloff * on_face)[:, None]
    return write_mesh(Mesh(moved, np.asarray(mesh.faces)), out).path


def _open_case(qtbot: QtBot, window: MainView, code: str) -> None:
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(code)
    assert window.case_model.code == code


def _dialog(window: MainView, name: str, kind: type[T]) -> T:
    dialog = window.case_dialogs.open(name)
    assert isinstance(dialog, kind)
    return dialog


def _as_user(window: MainView, user_id: str) -> None:
    """Sign ``user_id`` in for the window (a real Argon2 sign-in on the window's store)."""
    with Store.open(window.case_model.home) as store:
        session = sign_in(store, user_id, password_of(user_id))
    window.session_model.sign_in(session)


def _add_member(qtbot: QtBot, window: MainView, user_id: str, role: str) -> TeamDialog:
    team = _dialog(window, "team", TeamDialog)
    team.user_combo.setCurrentIndex(team.user_combo.findData(user_id))
    team.role_combo.setCurrentIndex(team.role_combo.findData(role))
    with qtbot.waitSignal(team.worker.finished, timeout=WORKER_TIMEOUT_MS):
        team.add_button.click()
    return team


def test_a_design_change_is_compared_mapped_and_acknowledged(
    qtbot: QtBot, window: MainView, sample_designs: dict[str, Path], tmp_path: Path
) -> None:
    bumped = _bumped(sample_designs["thin"], tmp_path / "plate-thin-bumped.stl")
    _open_case(qtbot, window, THIN)
    team = _add_member(qtbot, window, "clin1", "prescribing_clinician")
    # The first member added brings the case's creator (eng1) in with them.
    assert [team.table.item(row, 0).text() for row in range(team.table.rowCount())] == ["eng1", "clin1"]
    team.reject()

    dialog = _dialog(window, "change", DesignChangeDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: not dialog.map_worker.running, timeout=WORKER_TIMEOUT_MS)
    assert dialog.change_map is None
    assert not dialog.ack_button.isEnabled()
    # A change needs its reason: refused in the dialog, nothing recorded.
    dialog.design_edit.setText(str(bumped))
    dialog.record_button.click()
    assert dialog.outcome_label.text() == "A design change needs its reason."
    assert not dialog.worker.running
    dialog.reason_edit.setPlainText(REASON)
    with qtbot.waitSignal(dialog.worker.finished, timeout=WORKER_TIMEOUT_MS):
        dialog.record_button.click()
    qtbot.waitUntil(lambda: dialog.change_map is not None, timeout=WORKER_TIMEOUT_MS)

    case = window.case_model.state
    assert case is not None
    assert case.change is not None
    assert case.revision == 2
    changed = read(case.change, DesignChanged)
    assert changed.reason == REASON
    figures = changed.comparison or {}
    text = dialog.change_label.text()
    assert f"{figures['change.max_deviation_mm']:.3f} mm" in text
    assert f"{figures['change.rms_deviation_mm']:.3f} mm" in text
    assert f"{figures['change.area_changed_mm2']:.1f} mm²" in text
    # No tolerance given in the dialog: the device family's, as dvw change without --tolerance (0.2 mm here).
    assert dialog.tolerance_spin.text() == "the device family's"
    assert figures["change.tolerance_mm"] == 0.2
    assert "within 0.20 mm." in text
    # The bump's height, outward (material added); the changed area within the bump's disc.
    assert abs(figures["change.max_deviation_mm"] - BUMP_MM) < 0.02
    assert 0 < figures["change.area_changed_mm2"] < np.pi * 10.0**2

    # The map is the recorded per-vertex distance, on the new design (the fitted plate's vertices), coloured.
    shown = dialog.change_map
    assert shown is not None
    with Store.open(window.case_model.home) as store:
        stored = np.load(io.BytesIO(store.read_artifact(str(figures["map_sha256"]))))
    new = read_mesh(bumped)
    assert shown.values.shape == (new.n_vertices,)
    np.testing.assert_allclose(shown.values, stored.astype(np.float64))
    np.testing.assert_allclose(np.asarray(shown.mesh.vertices), np.asarray(new.vertices))
    assert abs(shown.worst_mm - figures["change.max_deviation_mm"]) < 1e-4
    assert dialog.scene.design_colouring is not None
    assert dialog.scene.design_colouring.scalars == CHANGE_SCALARS
    assert dialog.scene.scalar_bar_titles == ("mm",)
    assert dialog.scene.markers == [(f"{shown.worst_mm:+.2f} mm", shown.worst)]

    # Who has acknowledged: the engineer who made the change; the clinician not yet, then by the button.
    rows = {dialog.ack_table.item(r, 0).text(): dialog.ack_table.item(r, 2).text() for r in range(2)}
    assert rows["eng1"].startswith("yes")
    assert rows["clin1"] == "not yet"
    assert not dialog.ack_button.isEnabled()  # eng1 has, by making it
    _as_user(window, "clin1")
    dialog.show_change()
    assert dialog.ack_button.isEnabled()
    with qtbot.waitSignal(dialog.ack_worker.finished, timeout=WORKER_TIMEOUT_MS):
        dialog.ack_button.click()
    rows = {dialog.ack_table.item(r, 0).text(): dialog.ack_table.item(r, 2).text() for r in range(2)}
    assert rows["clin1"].startswith("yes")
    assert not dialog.ack_button.isEnabled()
    case = window.case_model.state
    assert case is not None
    assert case.acknowledged == frozenset({"eng1", "clin1"})
    assert [event.actor for event in case.events if event.kind == "change_acknowledged"] == ["clin1"]
    dialog.reject()


def _fill(dialog: DesignInputDialog, folder: Path) -> None:
    texts = {
        "indication": "Left fronto-parietal skull defect",
        "surgical_plan": "Cranioplasty with a patient-specific plate",
        "material": "PEKK, implant grade",
        "structure": "Solid plate, minimum wall 4 mm",
        "dimensions": "5 mm overlap on bone",
        "packaging": "Double sterile barrier pouch",
        "sterilization": "Steam, 134 degC, 18 min",
        "supply": "Delivered sterile to the theatre store",
    }
    for key, text in texts.items():
        dialog.set_text(key, text)
    dialog.instruments_edit.setPlainText("Screwdriver T6\nDrill guide 1.5 mm")
    dialog.deadline_edit.setDate(QDate(2026, 12, 20))
    dialog.consent_check.setChecked(True)
    dialog.consent_date_edit.setDate(QDate(2026, 12, 1))
    consent = folder / "consent.pdf"
    consent.write_bytes(b"%PDF-1.4 signed consent form")
    dialog.set_consent_document(consent)


def _record_input(qtbot: QtBot, window: MainView, folder: Path) -> DesignInputDialog:
    dialog = _dialog(window, "input", DesignInputDialog)
    _fill(dialog, folder)
    with qtbot.waitSignal(dialog.worker.finished, timeout=WORKER_TIMEOUT_MS):
        dialog.save_button.click()
    return dialog


def test_the_design_input_form_validates_records_and_reopens(qtbot: QtBot, window: MainView, tmp_path: Path) -> None:
    _open_case(qtbot, window, THIN)
    dialog = _dialog(window, "input", DesignInputDialog)
    qtbot.waitExposed(dialog)
    assert dialog.state_label.text() == "No design input is recorded for this case yet."
    _fill(dialog, tmp_path)
    # Two wrong fields at once: both said beside their fields, in the CLI's words; nothing recorded.
    dialog.set_text("material", "   ")
    dialog.consent_file = None
    with qtbot.waitSignal(dialog.worker.finished, timeout=WORKER_TIMEOUT_MS):
        dialog.save_button.click()
    # In the window's words beside the field; the reader's own words (as dvw case input prints them) in its tip.
    assert dialog.errors["material"].text() == "Required: enter it."
    assert dialog.errors["material"].toolTip() == "material (the material requirement) must be non-empty text"
    assert dialog.errors["consent_document"].text() == "Consent is given: choose the signed consent form."
    assert dialog.errors["consent_document"].toolTip() == (
        "consent.document is missing (the signed consent form, kept on this site)"
    )
    assert not dialog.errors["indication"].isVisibleTo(dialog)
    assert window.case_model.state is not None
    assert window.case_model.state.design_input is None

    _fill(dialog, tmp_path)
    dialog.add_attachment(tmp_path / "consent.pdf")
    with qtbot.waitSignal(dialog.worker.finished, timeout=WORKER_TIMEOUT_MS):
        dialog.save_button.click()
    assert all(not label.isVisibleTo(dialog) for label in dialog.errors.values())
    case = window.case_model.state
    assert case is not None
    assert case.design_input is not None
    assert case.design_input.actor == "eng1"
    payload = case.design_input.payload
    assert payload["deadline"] == "2026-12-20"
    assert payload["fields"]["material"] == "PEKK, implant grade"
    assert payload["fields"]["instruments"] == ["Screwdriver T6", "Drill guide 1.5 mm"]
    consent_sha = payload["consent"]["document_sha256"]
    with Store.open(window.case_model.home) as store:
        assert store.read_artifact(consent_sha) == b"%PDF-1.4 signed consent form"
        assert store.artifact_info(consent_sha).kind == "patient"  # kept on this site, never synced
    dialog.reject()

    # Reopened, the form shows what was recorded; saved again unchanged, it records the same document.
    again = _dialog(window, "input", DesignInputDialog)
    assert again.text("surgical_plan") == "Cranioplasty with a patient-specific plate"
    assert again.deadline_edit.date() == QDate(2026, 12, 20)
    assert again.consent_check.isChecked()
    assert again.consent_date_edit.date() == QDate(2026, 12, 1)
    assert consent_sha[:16] in again.consent_label.text()
    assert again.attachment_list.count() == 1
    assert again.attachment_list.item(0).text().startswith("consent.pdf (SHA-256 ")
    assert again.state_label.text().startswith("Recorded by eng1 at ")
    with qtbot.waitSignal(again.worker.finished, timeout=WORKER_TIMEOUT_MS):
        again.save_button.click()
    case = window.case_model.state
    assert case is not None
    assert case.design_input is not None
    assert case.design_input.payload["input_sha256"] == payload["input_sha256"]
    assert case.design_input.payload["attachments"] == payload["attachments"]

    # Load from file: a bad field is named with its file and line (the form is left as it was); a good file fills.
    good = tmp_path / "input.toml"
    good.write_text(
        """indication = "Right orbital floor fracture"
surgical_plan = "Orbital floor reconstruction"
instruments = []
material = "Titanium Grade 23"
structure = "Mesh, 0.4 mm"
dimensions = "Cover the floor defect"
packaging = "Pouch"
sterilization = "Steam"
supply = "Theatre store"
deadline = 2027-01-15

[consent]
given = true
date = 2026-12-02
document = "consent.pdf"
""",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text().replace('material = "Titanium Grade 23"', "material = 4"), encoding="utf-8")
    assert not again.load_file(bad)
    assert again.form_error.text() == f"{bad}:4: material (the material requirement) must be non-empty text"
    assert again.text("material") == "PEKK, implant grade"
    assert again.load_file(good)
    assert again.text("material") == "Titanium Grade 23"
    assert again.deadline_edit.date() == QDate(2027, 1, 15)
    assert again.consent_label.text() == str(tmp_path / "consent.pdf")
    again.reject()


def _deadline_cell(window: MainView, code: str) -> QTableWidgetItem:
    table = window.cases_panel.table
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == code)
    item = table.item(row, 5)
    assert item is not None
    return item


def test_the_case_list_shows_the_deadline_and_warns(qtbot: QtBot, window: MainView, tmp_path: Path) -> None:
    _open_case(qtbot, window, THIN)
    assert _deadline_cell(window, THIN).text() == "-"
    today = datetime.now().astimezone().date()
    for days, text, colours in ((30, "30 d left", None), (2, "2 d left", AMBER), (-1, "1 d late", RED)):
        dialog = _dialog(window, "input", DesignInputDialog)
        _fill(dialog, tmp_path)
        due = today + timedelta(days=days)
        dialog.deadline_edit.setDate(QDate(due.year, due.month, due.day))
        with qtbot.waitSignal(dialog.worker.finished, timeout=WORKER_TIMEOUT_MS):
            dialog.save_button.click()
        dialog.reject()
        cell = _deadline_cell(window, THIN)
        assert cell.text() == text
        tip = f"Delivery deadline {due.isoformat()}"
        if colours is None:
            assert cell.toolTip() == tip
        else:
            assert cell.background().color() == QColor(colours[0])
            warning = "Late: past the delivery deadline" if days < 0 else "At risk: due soon"
            assert cell.toolTip() == f"{tip}\n{warning}"
    assert _save(window.cases_panel, "en-25-case-list-late").stat().st_size > 5_000


def test_the_proposal_previewed_is_the_one_the_signature_covers(qtbot: QtBot, window: MainView, tmp_path: Path) -> None:
    _open_case(qtbot, window, FITTED)
    _add_member(qtbot, window, "clin1", "prescribing_clinician").reject()
    _record_input(qtbot, window, tmp_path).reject()
    preview = _dialog(window, "proposal", ProposalDialog)
    qtbot.waitUntil(lambda: not preview.read_worker.running, timeout=WORKER_TIMEOUT_MS)
    assert preview.shown is None
    assert preview.hash_label.text() == "No design proposal is issued for revision 1 yet."
    with qtbot.waitSignal(preview.worker.finished, timeout=WORKER_TIMEOUT_MS):
        preview.issue_button.click()
    qtbot.waitUntil(lambda: preview.shown is not None, timeout=WORKER_TIMEOUT_MS)
    shown = preview.shown
    assert shown is not None
    assert shown.proposal_sha256 in preview.hash_label.text()
    assert shown.proposal_sha256 in preview.browser.toPlainText()
    assert "PEKK, implant grade" in preview.browser.toPlainText()
    assert len(shown.pictures) == 5
    assert all(png.startswith(b"\x89PNG") for png in shown.pictures.values())
    preview.reject()

    # In review, the sign dialog names the proposal and its button shows the same one over the dialog.
    window.set_review_mode(True)
    _as_user(window, "clin1")
    sign = window.review_panel.open_sign_dialog()
    assert sign is not None
    sign.set_meaning("clinical design confirmation")
    assert f"Design proposal: SHA-256 {shown.proposal_sha256}" in sign.content_view.toPlainText()
    sign.proposal_button.click()
    over = window.case_dialogs.dialogs["proposal"]
    assert isinstance(over, ProposalDialog)
    assert over.parent() is sign
    qtbot.waitUntil(lambda: over.shown is not None, timeout=WORKER_TIMEOUT_MS)
    assert over.shown is not None
    assert over.shown.proposal_sha256 == shown.proposal_sha256
    over.reject()
    qtbot.waitUntil(sign.ready, timeout=WORKER_TIMEOUT_MS)
    sign.password_edit.setText(password_of("clin1"))
    with qtbot.waitSignal(window.review_panel.records_worker.finished, timeout=WORKER_TIMEOUT_MS):
        sign.sign_button.click()
    window.set_review_mode(False)
    case = window.case_model.state
    assert case is not None
    signature = [event for event in case.events if event.kind == "signature"][-1]
    content = json.loads(json.dumps(signature.payload))
    assert content["content"]["proposal"]["proposal_sha256"] == shown.proposal_sha256
    assert content["content"]["meaning"] == "clinical design confirmation"


def test_the_team_refuses_with_the_reason(qtbot: QtBot, window: MainView) -> None:
    _open_case(qtbot, window, THIN)
    team = _add_member(qtbot, window, "qa1", "quality")
    team.reject()
    _as_user(window, "admin1")
    team = _dialog(window, "team", TeamDialog)
    # A clinician may not be the design engineer: refused in the dialog, in the records' words.
    team.user_combo.setCurrentIndex(team.user_combo.findData("clin1"))
    team.role_combo.setCurrentIndex(team.role_combo.findData("design_engineer"))
    with qtbot.waitSignal(team.worker.failed, timeout=WORKER_TIMEOUT_MS):
        team.add_button.click()
    refusal = "clin1 is a clinician; the role design_engineer is for: engineer"
    assert team.outcome_label.toolTip() == refusal
    assert team.outcome_label.text().endswith(refusal)  # after what the error code means, in the window's words
    team.table.selectRow(1)
    with qtbot.waitSignal(team.worker.finished, timeout=WORKER_TIMEOUT_MS):
        team.remove_button.click()
    assert [team.table.item(row, 0).text() for row in range(team.table.rowCount())] == ["eng1"]
    team.reject()


def _collect(dialog: QDialog, texts: list[str]) -> None:
    """The interface strings of a dialog: title, labels, buttons, group titles, tooltips, placeholders, headers and
    table cells (the errors of the design-input reader are the records' own English words, as the CLI prints them)."""
    texts.append(dialog.windowTitle())
    # A progress panel's stage is the core's stage name, English by design (see ProgressPanel), as in test_screens.
    stages = {panel.stage for panel in dialog.findChildren(ProgressPanel)}
    for widget in dialog.findChildren(QWidget):
        if widget.objectName().startswith("error_") or widget in stages:
            continue
        texts.append(widget.toolTip())
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(widget.text())
        if isinstance(widget, QGroupBox):
            texts.append(widget.title())
        if isinstance(widget, QLineEdit):
            texts.append(widget.placeholderText())
        if isinstance(widget, QTableWidget):
            for column in range(widget.columnCount()):
                header = widget.horizontalHeaderItem(column)
                texts.append("" if header is None else header.text())
                for row in range(widget.rowCount()):
                    item = widget.item(row, column)
                    texts.append("" if item is None else item.text())


def _save(widget: QWidget, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_screenshots_of_the_case_dialogs(
    qtbot: QtBot, store_copy: Path, tmp_path: Path, sample_designs: dict[str, Path], language: str
) -> None:
    install_language(language)
    try:
        settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(store_copy))
        window = open_window(qtbot, settings)
        _open_case(qtbot, window, FITTED)
        _add_member(qtbot, window, "clin1", "prescribing_clinician").reject()
        _record_input(qtbot, window, tmp_path).reject()
        saved: list[Path] = []
        data = [
            html.escape(REASON),
            REASON,
            "<br>",
            "dvw case input",
            "TOML",
            "JSON",
            "FITTED",
            "SHOT",
            "eng1",
            "clin1",
            "Eve",
            "Engineer",
            "Dr",
            "Cleo",
            "Clinician",
            str(tmp_path),
        ]
        texts: list[str] = []

        dialog = _dialog(window, "input", DesignInputDialog)
        dialog.set_text("material", "")
        with qtbot.waitSignal(dialog.worker.finished, timeout=WORKER_TIMEOUT_MS):
            dialog.save_button.click()  # the error beside its field (the CLI's English words: data, not interface)
        qtbot.waitExposed(dialog)
        saved.append(_save(dialog, f"{language}-21-design-input"))
        _collect(dialog, texts)
        dialog.reject()
        team = _dialog(window, "team", TeamDialog)
        qtbot.waitExposed(team)
        saved.append(_save(team, f"{language}-22-case-team"))
        _collect(team, texts)
        team.reject()
        preview = _dialog(window, "proposal", ProposalDialog)
        with qtbot.waitSignal(preview.worker.finished, timeout=WORKER_TIMEOUT_MS):
            preview.issue_button.click()
        qtbot.waitUntil(lambda: preview.shown is not None, timeout=WORKER_TIMEOUT_MS)
        qtbot.waitExposed(preview)
        qtbot.wait(100)
        saved.append(_save(preview, f"{language}-23-design-proposal"))
        bar = preview.browser.verticalScrollBar()
        bar.setValue(bar.maximum())  # the check, the team, the software and the hash at the end
        qtbot.wait(50)
        saved.append(_save(preview, f"{language}-23b-design-proposal-end"))
        _collect(preview, texts)
        preview.reject()
        change = _dialog(window, "change", DesignChangeDialog)
        qtbot.waitExposed(change)
        change.design_edit.setText(str(_bumped(sample_designs["fitted"], tmp_path / "plate-bumped.stl")))
        change.reason_edit.setPlainText(REASON)
        with qtbot.waitSignal(change.worker.finished, timeout=WORKER_TIMEOUT_MS):
            change.record_button.click()
        qtbot.waitUntil(lambda: change.change_map is not None, timeout=WORKER_TIMEOUT_MS)
        qtbot.waitUntil(change.scene.frame_is_current, timeout=WORKER_TIMEOUT_MS)
        qtbot.wait(200)
        saved.append(_save(change, f"{language}-24-design-change"))
        _collect(change, texts)
        change.reject()
        assert all(path.stat().st_size > 10_000 for path in saved)
        if language == "zh_CN":
            untranslated = sorted({text for text in texts if _english_words(text, data)})
            assert not untranslated, "untranslated text in zh_CN:\n" + "\n".join(untranslated)
        assert "mm" in ALLOWED_WORDS
    finally:
        install_language("en")
