"""What the workflow panels share: the error relay's type, the case and session guards and the table helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QWidget

from app.gui.models import CaseModel, SessionModel
from app.workers import ErrorInfo

if TYPE_CHECKING:
    from records.users import Session

Report = Callable[[ErrorInfo], None]


def need_case(case_model: CaseModel, report: Report, what: str) -> str | None:
    """Return the open case's code, or report ``no_case`` (naming ``what`` needs it) and return ``None``."""
    if case_model.code is None:
        report(ErrorInfo("no_case", f"open or create a case before {what}"))
        return None
    return case_model.code


def need_session(sessions: SessionModel, report: Report, what: str) -> Session | None:
    """The signed-in user's session, read now for the step about to start; else report ``not_signed_in``: None.

    The step keeps the session in its job's input (a thread job), never in a widget.
    """
    session = sessions.session
    if session is None:
        report(ErrorInfo("not_signed_in", f"sign in before {what}"))
    return session


def new_table(parent: QWidget, headers: list[str]) -> QTableWidget:
    """Return a read-only, row-selecting table with ``headers`` and no row numbers."""
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table
