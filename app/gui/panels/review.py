"""The Review panel: the joint review, re-verification, signing, self-test and the report.

Re-verification and signing re-authenticate (Part 11: the person re-enters the password for the record they make),
as the command line does: their dialogs offer the signed-in user first; in a joint review the clinician chooses
themself and signs with their own password. The self-test is recorded with the signed-in user's session.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.dialogs import SHOW_PROPOSAL, ReverificationDialog, SignDialog
from app.gui.models import CaseModel, SessionModel, WorkspaceModel
from app.gui.widgets import (
    CheckTableView,
    ProgressPanel,
    VerdictBannerView,
    meaning_text,
    result_text,
    role_text,
    state_text,
)
from app.gui.words import event_text
from app.workers import TaskWorker
from workflow import record, signoff
from workflow import report as reports

if TYPE_CHECKING:  # loaded in the background after the window opens
    from collections.abc import Callable, Sequence

    from records.events import Event
    from records.users import User
    from validation.envelope import Envelope


from app.gui.panels.common import Report, need_session, new_table


class ReviewPanel(QWidget):
    """The joint review: verdict, check, re-verification, signatures, audit; record, sign, export the report."""

    review_mode_toggled = Signal(bool)
    report_requested = Signal()
    step_requested = Signal(str)  # a step of the window to show (the sign-off checklist's "Go to Design & Check")
    proposal_requested = Signal()  # the sign dialog's "Design proposal...": the window shows it over the dialog

    def __init__(  # noqa: PLR0915 - a panel's widgets are built and wired in one place
        self,
        case_model: CaseModel,
        sessions: SessionModel,
        report: Report,
        parent: QWidget | None = None,
        *,
        workspace: WorkspaceModel | None = None,
    ) -> None:
        super().__init__(parent)
        self._case_model = case_model
        self._workspace = workspace
        self._sessions = sessions
        self._report = report
        self.records_worker = TaskWorker("records", self)
        self.signoff_worker = TaskWorker("sign-off checklist", self)
        self.signoff_worker.failed.connect(report)
        self.review_button = QPushButton(self.tr("Review mode"), self)
        self.review_button.setCheckable(True)
        self.review_button.setToolTip(self.tr("Large fonts for the joint review session (F11)"))
        self.review_button.setShortcut(QKeySequence("F11"))
        self.review_button.toggled.connect(self.review_mode_toggled)
        self.state_label = QLabel(self)
        self.banner = VerdictBannerView(self)
        self.table = CheckTableView(self)
        self.reverification_label = QLabel(self)
        self.reverification_label.setWordWrap(True)
        self.signatures_label = QLabel(self)
        self.signatures_label.setWordWrap(True)
        self.reverify_button = QPushButton(self.tr("Record re-verification..."), self)
        self.reverify_button.setToolTip(self.tr("Record how an out-of-envelope design was re-verified"))
        self.reverify_button.clicked.connect(self.open_reverification_dialog)
        self.sign_button = QPushButton(self.tr("Sign..."), self)
        self.sign_button.setToolTip(self.tr("Sign the case's current check with your password (Ctrl+Shift+S)"))
        self.sign_button.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.sign_button.clicked.connect(self.open_sign_dialog)
        self.selftest_button = QPushButton(self.tr("Run self-test"), self)
        self.selftest_button.setToolTip(
            self.tr("Run the built-in validation suite and record its result as you; signing needs it passed")
        )
        self.selftest_button.clicked.connect(self._on_selftest_clicked)
        self.report_button = QPushButton(self.tr("Export report..."), self)
        self.report_button.setToolTip(self.tr("Write the case's PDF report (Ctrl+E)"))
        self.report_button.setShortcut(QKeySequence("Ctrl+E"))
        self.report_button.clicked.connect(self.report_requested)
        self.audit_table = new_table(self, [self.tr("#"), self.tr("Time"), self.tr("Event"), self.tr("By")])
        self.audit_table.setToolTip(self.tr("The case's events from the append-only log"))
        self.outcome_label = QLabel(self)
        self.outcome_label.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.reverify_button, self.sign_button, self.selftest_button, self.report_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.state_label, 1)
        top.addWidget(self.review_button)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.reverification_label)
        layout.addWidget(self.signatures_label)
        layout.addLayout(buttons)
        layout.addWidget(ProgressPanel(self.records_worker, self))
        layout.addWidget(self.outcome_label)
        layout.addWidget(QLabel(self.tr("Audit trail:"), self))
        layout.addWidget(self.audit_table, 1)
        self.reverification_dialog: ReverificationDialog | None = None
        self.sign_dialog: SignDialog | None = None
        self._audit_rows: list[list[str]] = []
        case_model.changed.connect(self._on_case_changed)
        if workspace is not None:
            workspace.check_changed.connect(self._on_case_changed)  # the envelope's rationales come with the check
        self.records_worker.running_changed.connect(self._on_case_changed)
        self._on_case_changed()

    def _on_case_changed(self, _running: bool = False) -> None:
        state = self._case_model.state
        busy = self.records_worker.running
        if state is None:
            self.state_label.setText(state_text(None))
            self.banner.set_verdict(None)
            self.table.set_check(None)
            self.audit_table.setRowCount(0)
            self._audit_rows = []
            self.reverification_label.setText("")
            self.signatures_label.setText("")
            for button in (self.reverify_button, self.sign_button, self.report_button):
                button.setEnabled(False)
            return
        self.state_label.setText(
            self.tr("Case %1, revision %2: %3")
            .replace("%1", state.code)
            .replace("%2", str(state.revision))
            .replace("%3", state_text(state.state))
        )
        check = state.check
        self.banner.set_verdict(state.verdict if check is not None else None, state.state)
        self.table.set_check(dict(check.payload) if check is not None else None, self._envelope_of(check))
        reverification = state.reverification
        if reverification is None:
            self.reverification_label.setText(self.tr("Re-verification: none recorded."))
        else:
            payload = reverification.payload
            self.reverification_label.setText(
                self.tr("Re-verification: %1 (%2) by %3: %4")
                .replace("%1", result_text(str(payload.get("result"))))
                .replace("%2", str(payload.get("method")))
                .replace("%3", str(reverification.actor))
                .replace("%4", str(payload.get("justification")))
            )
        signatures = []
        for event in state.signatures:
            content = event.payload.get("content", {})
            signer = content.get("signer", {}) if isinstance(content, dict) else {}
            superseded = event.event_id in state.superseded
            status = self.tr("superseded") if superseded else self.tr("valid")
            signatures.append(
                self.tr("%1 (%2): %3, %4 [%5]")
                .replace("%1", str(signer.get("printed_name", event.actor)))
                .replace("%2", role_text(str(signer.get("role", ""))))
                .replace("%3", meaning_text(str(content.get("meaning", ""))))
                .replace("%4", str(content.get("signed_at", event.created_at)))
                .replace("%5", status)
            )
        self.signatures_label.setText(
            self.tr("Signatures: %1").replace("%1", "; ".join(signatures) if signatures else self.tr("none"))
        )
        needs = state.state in ("needs_reverification", "reverification_failed")
        self.reverify_button.setEnabled(not busy and needs)
        self.sign_button.setEnabled(not busy and check is not None)
        self.report_button.setEnabled(not busy)
        self.selftest_button.setEnabled(not busy)
        rows = [
            [str(event.seq), event.created_at, event_text(event.kind), event.actor or "-"] for event in state.events
        ]
        if rows != self._audit_rows:  # the log only grows: refill the table when it did
            self._audit_rows = rows
            self.audit_table.setRowCount(len(rows))
            for row, cells in enumerate(rows):
                for column, value in enumerate(cells):
                    self.audit_table.setItem(row, column, QTableWidgetItem(value))
            self.audit_table.resizeColumnsToContents()

    def _envelope_of(self, check: Event | None) -> Envelope | None:
        """The envelope of the recorded ``check`` when the window holds it (the check shown is this check)."""
        outcome = None if self._workspace is None else self._workspace.outcome
        if check is None or outcome is None:
            return None
        same = check.payload.get("parameters_sha256") == outcome.result.parameters_sha256
        return outcome.envelope if same else None

    def _signed_in_id(self) -> str | None:
        user = self._sessions.user
        return None if user is None else user.user_id

    def _users(self) -> list[User]:
        from records.users import load_users  # noqa: PLC0415

        return list(load_users(self._case_model.store()).values())

    def open_reverification_dialog(self) -> ReverificationDialog | None:
        """Open the re-verification dialog (window-modal, not blocking); returns it."""
        state = self._case_model.state
        if state is None:
            return None
        dialog = ReverificationDialog(state, self._users(), self._signed_in_id(), self)
        dialog.accepted.connect(lambda: self._on_reverification_accepted(dialog))
        self.reverification_dialog = dialog
        dialog.open()
        return dialog

    def _on_reverification_accepted(self, dialog: ReverificationDialog) -> None:
        state = self._case_model.state
        if state is None:
            return
        request = record.ReverificationRequest(
            home=self._case_model.home,
            code=state.code,
            user_id=str(dialog.user_combo.currentData()),
            password=dialog.password_edit.text(),
            method=dialog.method_edit.text(),
            result=str(dialog.result_combo.currentData()),
            justification=dialog.justification_edit.toPlainText(),
            evidence=tuple(dialog.evidence),
        )
        dialog.password_edit.clear()
        self.records_worker.start(partial(record.record_reverification, request), on_done=self._on_recorded)

    def open_sign_dialog(self) -> SignDialog | None:
        """Open the sign dialog (window-modal, not blocking) and read its sign-off checklist's facts; returns it."""
        from validation.manifest import current_manifest  # noqa: PLC0415

        state = self._case_model.state
        if state is None:
            return None
        dialog = SignDialog(state, self._users(), current_manifest().manifest_id, self._signed_in_id(), self)
        dialog.accepted.connect(lambda: self._on_sign_accepted(dialog))
        dialog.action_requested.connect(partial(self._on_signoff_action, dialog))
        self.sign_dialog = dialog
        dialog.open()
        self._read_signoff_facts()
        return dialog

    def _read_signoff_facts(self) -> None:
        """Read the open sign dialog's checklist facts from the store in the background."""
        from validation.manifest import current_manifest  # noqa: PLC0415

        dialog, code = self.sign_dialog, self._case_model.code
        if dialog is None or not dialog.isVisible() or code is None:
            return
        dialog.show_reading()
        task = partial(signoff.read_signoff_facts, self._case_model.home, code, current_manifest().manifest_id)
        self.signoff_worker.start(task, on_done=partial(self._on_signoff_facts, dialog))

    def _on_signoff_facts(self, dialog: SignDialog, facts: object) -> None:
        assert isinstance(facts, signoff.SignoffFacts)
        if dialog is self.sign_dialog and facts.code == self._case_model.code:
            dialog.set_facts(facts)

    def _on_signoff_action(self, dialog: SignDialog, action: str) -> None:
        """A checklist button: run the self-test (the checklist follows), or leave the dialog for the fixing step."""
        if action == signoff.RUN_SELFTEST:
            self._on_selftest_clicked()
            return
        if action == SHOW_PROPOSAL:
            self.proposal_requested.emit()
            return
        dialog.reject()
        if action == signoff.RECORD_REVERIFICATION:
            self.open_reverification_dialog()
        elif action == signoff.RUN_CHECK:
            self.step_requested.emit("check")

    def _on_sign_accepted(self, dialog: SignDialog) -> None:
        state = self._case_model.state
        if state is None:
            return
        request = record.SignRequest(
            home=self._case_model.home,
            code=state.code,
            user_id=str(dialog.user_combo.currentData()),
            password=dialog.password_edit.text(),
            meaning=str(dialog.meaning_combo.currentData()),
        )
        dialog.password_edit.clear()
        self.records_worker.start(partial(record.sign_case, request), on_done=self._on_recorded)

    def _on_selftest_clicked(self) -> None:
        session = need_session(self._sessions, self._report, "running the self-test")
        if session is None:
            return
        task = partial(record.run_selftest, self._case_model.home, session)  # a thread: the session stays here
        self.records_worker.start(task, on_done=self._on_selftest_done)

    def _on_selftest_done(self, passed: object) -> None:
        self.outcome_label.setText(self.tr("Self-test passed.") if passed else self.tr("Self-test FAILED."))
        self._read_signoff_facts()  # an open sign dialog's checklist follows

    def _on_recorded(self, _result: object) -> None:
        self.outcome_label.setText(self.tr("Recorded."))
        self._case_model.reload()
        self._read_signoff_facts()

    def start_report(
        self,
        output: Path,
        images: Sequence[tuple[str, reports.Picture]],
        *,
        background: tuple[int, int, int] = (255, 255, 255),
        on_written: Callable[[Path], None] | None = None,
        stress_picture: reports.Picture | None = None,
    ) -> None:
        """Write the PDF report of the current case in the background (pictures as :class:`reports.ReportRequest`).

        ``on_written`` is called with the file once it is written (the window opens it).
        """
        state = self._case_model.state
        if state is None:
            return
        request = reports.ReportRequest(
            self._case_model.home, state.code, output, tuple(images), background, stress_picture
        )
        done = partial(self._on_report_done, on_written)
        self.records_worker.start(partial(reports.write_case_report, request), on_done=done)

    def _on_report_done(self, on_written: Callable[[Path], None] | None, path: object) -> None:
        self.outcome_label.setText(self.tr("Report written: %1").replace("%1", str(path)))
        if on_written is not None and isinstance(path, Path):
            on_written(path)
