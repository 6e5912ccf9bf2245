"""The sign-off checklist as the sign dialog shows it before the password: each item met or not, why, and a button.

The items come from :func:`workflow.signoff.signoff_checklist` (GUI-free); this view only words them in the window's
language (by each item's ``reason``; an item the window has no words for shows its English text) and offers the
window action that fixes an unmet item (:data:`workflow.signoff.ACTIONS`), emitted as ``action_requested(action)``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QWidget

from app.gui.widgets import GREEN, RED, role_text, verdict_word
from workflow.signoff import (
    CHOOSE_SIGNER,
    RECORD_REVERIFICATION,
    RUN_CHECK,
    RUN_SELFTEST,
    SignoffItem,
)


def item_title(item: SignoffItem) -> str:
    """What the item asks for, in the window's language."""
    titles = {
        "check": QCoreApplication.translate("SignoffChecklistView", "A current check made by this software"),
        "selftest": QCoreApplication.translate("SignoffChecklistView", "Self-test passed on this software"),
        "reverification": QCoreApplication.translate("SignoffChecklistView", "Re-verification recorded when needed"),
        "role": QCoreApplication.translate("SignoffChecklistView", "The signer's role may sign this meaning"),
        "conflict": QCoreApplication.translate("SignoffChecklistView", "No unresolved conflict between sites"),
        "acknowledged": QCoreApplication.translate(
            "SignoffChecklistView", "Every team member acknowledged the design change"
        ),
        "proposal": QCoreApplication.translate("SignoffChecklistView", "The design proposal is complete"),
    }
    return titles.get(item.key, item.what)


def _roles(detail: str) -> str:
    return ", ".join(role_text(role.strip()) for role in detail.split(",") if role.strip())


def item_reason(item: SignoffItem) -> str:
    """Why the item is met or not, in the window's language, naming the window's actions (never a command)."""
    words = {
        "no_check": QCoreApplication.translate(
            "SignoffChecklistView", "No check has been run: run it in step 4, Design & Check."
        ),
        "stale_check": QCoreApplication.translate(
            "SignoffChecklistView",
            "The inputs or the design changed since the last check (revision %1): run the check again.",
        ).replace("%1", item.detail),
        "other_software": QCoreApplication.translate(
            "SignoffChecklistView",
            "The check was made by other software (%1...): run the check again with this installation.",
        ).replace("%1", item.detail),
        "checked": QCoreApplication.translate("SignoffChecklistView", "Checked: %1.").replace(
            "%1", verdict_word(item.detail)
        ),
        "selftest_passed": QCoreApplication.translate(
            "SignoffChecklistView", "A passed self-test of this software is recorded on this workstation."
        ),
        "no_selftest": QCoreApplication.translate(
            "SignoffChecklistView",
            "No passed self-test of this software (%1...) is recorded on this workstation: run the self-test.",
        ).replace("%1", item.detail),
        "not_needed": QCoreApplication.translate(
            "SignoffChecklistView", "Not needed: the check is within the envelope."
        ),
        "reverification_missing": QCoreApplication.translate(
            "SignoffChecklistView", "The check is %1: record its re-verification."
        ).replace("%1", verdict_word(item.detail)),
        "reverification_failed": QCoreApplication.translate(
            "SignoffChecklistView", "The re-verification failed: change the design and run the check again."
        ),
        "reverified": QCoreApplication.translate("SignoffChecklistView", "A passed re-verification is recorded."),
        "no_signer": QCoreApplication.translate(
            "SignoffChecklistView",
            "Nobody who may sign this meaning is chosen (roles: %1): choose the meaning or signer.",
        ).replace("%1", _roles(item.detail)),
        "role_not_allowed": QCoreApplication.translate(
            "SignoffChecklistView", "This signer's role may not sign this meaning (roles: %1): choose another signer."
        ).replace("%1", _roles(item.detail)),
        "role_allowed": QCoreApplication.translate("SignoffChecklistView", "The signer's role may sign this meaning."),
        "no_conflict": QCoreApplication.translate("SignoffChecklistView", "No concurrent changes from other sites."),
        "acknowledged": QCoreApplication.translate(
            "SignoffChecklistView", "No acknowledgement of a design change is outstanding."
        ),
        "acknowledgement_pending": QCoreApplication.translate(
            "SignoffChecklistView",
            "The design change is not yet acknowledged by %1: each of them acknowledges it first.",
        ).replace("%1", item.detail),
        "proposal_not_needed": QCoreApplication.translate("SignoffChecklistView", "Not needed for this signature."),
        "proposal_complete": QCoreApplication.translate("SignoffChecklistView", "The design proposal is complete."),
        "proposal_missing": QCoreApplication.translate(
            "SignoffChecklistView", "The design proposal lacks: %1. Complete the design input and issue the proposal."
        ).replace("%1", item.detail),
        "conflict": QCoreApplication.translate(
            "SignoffChecklistView",
            "Sites %1 changed the case concurrently while offline: a person must choose which revision to keep "
            "before anyone signs.",
        ).replace("%1", item.detail),
    }
    return words.get(item.reason, item.why)


def action_text(action: str) -> str:
    """The label of the button that fixes an item."""
    words = {
        RUN_CHECK: QCoreApplication.translate("SignoffChecklistView", "Go to Design & Check"),
        RUN_SELFTEST: QCoreApplication.translate("SignoffChecklistView", "Run self-test"),
        RECORD_REVERIFICATION: QCoreApplication.translate("SignoffChecklistView", "Record re-verification..."),
        CHOOSE_SIGNER: QCoreApplication.translate("SignoffChecklistView", "Choose signer"),
    }
    return words.get(action, action).replace("&", "&&")  # a button's "&" marks its shortcut key


class SignoffChecklistView(QWidget):
    """The checklist: one row per item (met or not, in words and colour; what; why; the fixing button)."""

    action_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(1, 1)
        self.items: tuple[SignoffItem, ...] = ()
        self.buttons: dict[str, QPushButton] = {}
        self.reading_label = QLabel(self.tr("Reading the records..."), self)
        self.grid.addWidget(self.reading_label, 0, 0, 1, 3)

    def _clear(self) -> None:
        while self.grid.count():
            taken = self.grid.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None and widget is not self.reading_label:
                widget.deleteLater()
        self.buttons = {}

    def show_reading(self) -> None:
        """While the records are read: a line saying so."""
        self._clear()
        self.items = ()
        self.grid.addWidget(self.reading_label, 0, 0, 1, 3)
        self.reading_label.show()

    def set_items(self, items: tuple[SignoffItem, ...]) -> None:
        """Show ``items`` (met ones with a tick, unmet ones with their reason and fixing button)."""
        if items == self.items:
            return
        self._clear()
        self.reading_label.hide()
        self.items = items
        for row, item in enumerate(items):
            background, colour = GREEN if item.met else RED
            mark = QLabel(self.tr("✔ met") if item.met else self.tr("✘ not met"), self)
            mark.setStyleSheet(f"background: {background}; color: {colour}; font-weight: bold; padding: 2px 6px;")
            mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
            text = QLabel(f"<b>{item_title(item)}</b><br>{item_reason(item)}", self)
            text.setWordWrap(True)
            text.setObjectName(f"signoff_{item.key}")
            self.grid.addWidget(mark, row, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(text, row, 1)
            if not item.met and item.action is not None:
                button = QPushButton(action_text(item.action), self)
                button.clicked.connect(lambda _checked=False, action=item.action: self.action_requested.emit(action))
                self.grid.addWidget(button, row, 2, Qt.AlignmentFlag.AlignTop)
                self.buttons[item.action] = button
