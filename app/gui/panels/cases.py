"""The Cases panel: the store's cases, a new case, opening one (its work loaded back in the background).

The Device column says where each case's device stands (:mod:`workflow.device_status`), in colour: a nonconforming
device in red, a released one in green; it is read in a thread (the traceability cores load there).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.models import CaseModel, SessionModel, WorkspaceModel
from app.gui.panels.common import Report, need_session, new_table
from app.gui.production_dialogs import device_item
from app.gui.widgets import AMBER, RED, ProgressPanel, state_text, verdict_word
from app.workers import TaskWorker
from workflow import reopen

if TYPE_CHECKING:
    from records.cases import CaseState


class CasesPanel(QWidget):
    """The store's cases with their state from the log; create (as the signed-in user) and open cases.

    Opening a case loads what its work folder and records hold (:func:`workflow.reopen.reopen_case`) in the worker
    process; ``loaded`` then carries the :class:`~workflow.reopen.ReopenedCase` and :attr:`started_revision` the
    workspace's revision when the load started (a result older than the workspace is not applied).
    """

    loaded = Signal(object)

    def __init__(
        self,
        case_model: CaseModel,
        workspace: WorkspaceModel,
        sessions: SessionModel,
        report: Report,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._case_model = case_model
        self._workspace = workspace
        self._sessions = sessions
        self._report = report
        # Reading the meshes and measuring them again holds the GIL for seconds: the worker process does it.
        self.load_worker = TaskWorker("reopen", self, isolated=True)
        self.started_revision = -1
        self.device_worker = TaskWorker("device states", self)
        self.device_worker.failed.connect(report)
        headers = [self.tr("Case"), self.tr("Revision"), self.tr("State"), self.tr("Verdict"), self.tr("Device")]
        self.table = new_table(self, [*headers, self.tr("Deadline")])
        self.table.setToolTip(self.tr("Cases in the local store; double-click to open one"))
        self.table.cellDoubleClicked.connect(self._on_row_activated)
        self.code_edit = QLineEdit(self)
        self.code_edit.setPlaceholderText(self.tr("new case code, e.g. CP-2026-001"))
        self.code_edit.setToolTip(self.tr("A pseudonymous case code: letters, digits, dot, dash, underscore"))
        self.new_button = QPushButton(self.tr("New case"), self)
        self.new_button.setToolTip(self.tr("Create a case with this code and open it (Ctrl+N)"))
        self.new_button.setShortcut(QKeySequence("Ctrl+N"))
        self.new_button.clicked.connect(self._on_new_clicked)
        self.code_edit.returnPressed.connect(self._on_new_clicked)
        self.open_button = QPushButton(self.tr("Open case"), self)
        self.open_button.setToolTip(self.tr("Open the selected case"))
        self.open_button.clicked.connect(self._on_open_clicked)
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.setToolTip(self.tr("Read the cases from the store again (F5)"))
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.refresh_button.clicked.connect(case_model.reload)
        new_row = QHBoxLayout()
        new_row.addWidget(self.code_edit, 1)
        new_row.addWidget(self.new_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(new_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(ProgressPanel(self.load_worker, self))
        case_model.cases_changed.connect(self._on_cases_changed)

    def _on_cases_changed(self) -> None:
        cases = self._case_model.cases
        today = datetime.now().astimezone().date()
        self.table.setRowCount(len(cases))
        for row, case in enumerate(cases):
            values = [case.code, str(case.revision), state_text(case.state), verdict_word(case.verdict)]
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
            self.table.setItem(row, 5, self._deadline_item(case, today))  # the Device column (4) is filled later
        self.table.resizeColumnsToContents()
        if cases:
            from workflow.device_status import device_states  # noqa: PLC0415 - loads only the module's own names

            codes = [case.code for case in cases]
            self.device_worker.start(partial(device_states, cases), on_done=partial(self._on_device_states, codes))

    def _on_device_states(self, codes: list[str], states: object) -> None:
        """Fill the Device column (when the list still holds the same cases)."""
        if not isinstance(states, dict) or [case.code for case in self._case_model.cases] != codes:
            return
        for row, code in enumerate(codes):
            self.table.setItem(row, 4, device_item(str(states.get(code, "none"))))
        self.table.resizeColumnsToContents()

    def _deadline_item(self, case: CaseState, today: date) -> QTableWidgetItem:
        """The days left to the design input's delivery deadline (REQUIREMENTS 4.7.13): late red, at risk amber."""
        from records.team import deadline_of  # noqa: PLC0415

        due = deadline_of(case, today)
        if due.deadline is None or due.days_left is None:
            return QTableWidgetItem("-")
        # The days only, so that the column fits beside the others in the panel: the date is in the tip.
        if due.days_left < 0:
            text = self.tr("%1 d late").replace("%1", str(-due.days_left))
        else:
            text = self.tr("%1 d left").replace("%1", str(due.days_left))
        item = QTableWidgetItem(text)
        tips = [self.tr("Delivery deadline %1").replace("%1", due.deadline)]
        colours = RED if due.late else AMBER if due.at_risk else None
        if colours is not None:
            item.setBackground(QColor(colours[0]))
            item.setForeground(QColor(colours[1]))
            tips.append(self.tr("Late: past the delivery deadline") if due.late else self.tr("At risk: due soon"))
        item.setToolTip("\n".join(tips))
        return item

    def _on_new_clicked(self) -> None:
        code = self.code_edit.text().strip()
        if not code:
            return
        session = need_session(self._sessions, self._report, "creating a case")
        if session is None:
            return
        try:
            self._case_model.create_case(code, by=session)
        except Exception as exc:  # noqa: BLE001 - every failure goes to the one error relay
            from app.workers import describe_error  # noqa: PLC0415

            self._report(describe_error(exc))
            return
        self.code_edit.clear()

    def _on_open_clicked(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self._on_row_activated(row, 0)

    def _on_row_activated(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.open_case(item.text())

    def open_case(self, code: str) -> None:
        """Open case ``code`` and load its work (volume, mask, meshes, design, last check) in the background."""
        try:
            self._case_model.open_case(code)
        except Exception as exc:  # noqa: BLE001 - every failure goes to the one error relay
            from app.workers import describe_error  # noqa: PLC0415

            self._report(describe_error(exc))
            return
        self.started_revision = self._workspace.revision
        task = partial(reopen.reopen_case, self._case_model.home, code)
        self.load_worker.start(task, on_done=self.loaded.emit)
