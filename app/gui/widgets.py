"""Small shared widgets: progress with Cancel, the verdict banner, the check table, and the translated words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.gui.words import error_words, progress_text
from app.workers import ErrorInfo, TaskWorker

if TYPE_CHECKING:
    from app.gui.access import SignInRefusal
    from validation.envelope import Envelope
    from workflow.check_table import CheckRow

#: Traffic-light colours (background, text) for parameter statuses and verdicts; the text always says it too.
GREEN = ("#d8f0dd", "#1b5e20")
AMBER = ("#fff1c9", "#7a4f00")
RED = ("#fadbd8", "#8e1b10")
GREY = ("#e8e8e8", "#333333")

_STATUS_COLOURS = {"within": GREEN, "near_limit": AMBER, "below": RED, "above": RED, "missing": RED}
_VERDICT_COLOURS = {"within": GREEN, "out_of_envelope": RED, "indeterminate": AMBER}


def status_text(status: str) -> str:
    """The translated word for a parameter status."""
    words = {
        "within": QCoreApplication.translate("Words", "Within"),
        "near_limit": QCoreApplication.translate("Words", "Near limit"),
        "below": QCoreApplication.translate("Words", "Below minimum"),
        "above": QCoreApplication.translate("Words", "Above maximum"),
        "missing": QCoreApplication.translate("Words", "Missing"),
        "satisfied": QCoreApplication.translate("Words", "Satisfied"),
        "violated": QCoreApplication.translate("Words", "Violated"),
    }
    return words.get(status, status)


def verdict_text(verdict: str | None, state: str | None = None) -> str:
    """The translated banner text of a verdict (None: no check yet) in the case's state (from the records log).

    The words follow the state: an out-of-envelope or indeterminate check asks for re-verification until one has
    passed, then says so, and a signed case says it is signed; the verdict itself never changes.
    """
    if verdict == "within":
        if state == "signed":
            return QCoreApplication.translate("Words", "WITHIN THE VALIDATED ENVELOPE: signed")
        return QCoreApplication.translate("Words", "WITHIN THE VALIDATED ENVELOPE")
    if verdict == "out_of_envelope":
        words = {
            "reverified": QCoreApplication.translate("Words", "OUT OF ENVELOPE: re-verified; ready for sign-off"),
            "signed": QCoreApplication.translate("Words", "OUT OF ENVELOPE: re-verified and signed"),
            "reverification_failed": QCoreApplication.translate(
                "Words", "OUT OF ENVELOPE: re-verification failed; not to be signed"
            ),
        }
        return words.get(
            state or "",
            QCoreApplication.translate("Words", "OUT OF ENVELOPE: re-verification required before sign-off"),
        )
    if verdict == "indeterminate":
        words = {
            "reverified": QCoreApplication.translate(
                "Words", "INDETERMINATE: a required value is missing; re-verified, ready for sign-off"
            ),
            "signed": QCoreApplication.translate(
                "Words", "INDETERMINATE: a required value is missing; re-verified and signed"
            ),
            "reverification_failed": QCoreApplication.translate(
                "Words", "INDETERMINATE: a required value is missing; re-verification failed, not to be signed"
            ),
        }
        return words.get(
            state or "",
            QCoreApplication.translate("Words", "INDETERMINATE: a required value is missing; re-verification required"),
        )
    return QCoreApplication.translate("Words", "No check yet")


def verdict_word(verdict: str | None) -> str:
    """A short translated verdict for tables and the case bar ("-" before the first check)."""
    words = {
        "within": QCoreApplication.translate("Words", "within envelope"),
        "out_of_envelope": QCoreApplication.translate("Words", "out of envelope"),
        "indeterminate": QCoreApplication.translate("Words", "indeterminate"),
    }
    return words.get(verdict or "", "-")


def state_text(state: str | None) -> str:
    """The translated name of a case state (from the records log)."""
    words = {
        "open": QCoreApplication.translate("Words", "Open"),
        "checked": QCoreApplication.translate("Words", "Checked"),
        "needs_reverification": QCoreApplication.translate("Words", "Needs re-verification"),
        "reverified": QCoreApplication.translate("Words", "Re-verified"),
        "reverification_failed": QCoreApplication.translate("Words", "Re-verification failed"),
        "signed": QCoreApplication.translate("Words", "Signed"),
    }
    return words.get(state or "", QCoreApplication.translate("Words", "No case open"))


#: Refusals whose :func:`error_title` says what to do in the window: their core message (worded for the command
#: line, e.g. "run dvw selftest") is only shown as details.
WINDOW_WORDED = frozenset(
    {
        "reverification_required",
        "manifest_not_validated",
        "no_check",
        "role_not_permitted",
        "input_changed",
        "conflict_unresolved",
    }
)


def error_title(info: ErrorInfo) -> str:
    """What went wrong, in the window's language (:func:`app.gui.words.error_words` of the error's code)."""
    return error_words(info.code)


def speaks_english() -> bool:
    """Whether the window speaks English (the cores' messages are English: shown as they are only then).

    DVW's own language setting, not the system's locale (a machine in the C locale still gets English words).
    """
    from app.gui.i18n import DEFAULT_LANGUAGE, current_language  # noqa: PLC0415 - i18n imports no widgets

    return current_language() == DEFAULT_LANGUAGE


def error_line(info: ErrorInfo) -> str:
    """One line for a status bar or a dialog: the explanation, and the core's own message when in English."""
    title = error_title(info)
    return f"{title} {info.message}" if speaks_english() and info.code not in WINDOW_WORDED else title


def role_text(role: str) -> str:
    """The translated name of a user's role."""
    words = {
        "engineer": QCoreApplication.translate("Words", "Engineer"),
        "clinician": QCoreApplication.translate("Words", "Clinician"),
        "quality": QCoreApplication.translate("Words", "Quality"),
        "admin": QCoreApplication.translate("Words", "Administrator"),
    }
    return words.get(role, role)


def meaning_text(meaning: str) -> str:
    """The translated meaning of a signature (:data:`records.signatures.MEANING_ROLES`' keys)."""
    words = {
        "design verification": QCoreApplication.translate("Words", "design verification"),
        "clinical design confirmation": QCoreApplication.translate("Words", "clinical design confirmation"),
        "re-verification approved": QCoreApplication.translate("Words", "re-verification approved"),
        "release": QCoreApplication.translate("Words", "release"),
    }
    return words.get(meaning, meaning)


def input_text(name: str) -> str:
    """The translated name of a case's input (the files a check covers, by their record names)."""
    words = {
        "dicom": QCoreApplication.translate("Words", "DICOM images"),
        "volume": QCoreApplication.translate("Words", "volume"),
        "mask": QCoreApplication.translate("Words", "segmentation mask"),
        "anatomy": QCoreApplication.translate("Words", "anatomy mesh"),
        "design": QCoreApplication.translate("Words", "design"),
        "envelope": QCoreApplication.translate("Words", "design envelope"),
        "parameters": QCoreApplication.translate("Words", "measured parameters"),
        "patient": QCoreApplication.translate("Words", "patient facts"),
    }
    return words.get(name, name)


def result_text(result: str) -> str:
    """The translated result of a re-verification (``pass``, ``fail``)."""
    words = {
        "pass": QCoreApplication.translate("Words", "passed"),
        "fail": QCoreApplication.translate("Words", "failed"),
    }
    return words.get(result, result)


def refusal_text(refusal: SignInRefusal) -> str:
    """Why a sign-in was refused, in words: wrong password, locked until when (local HH:MM), disabled, unknown."""
    from records.identity import LOCKOUT_WINDOW, MAX_FAILED_SIGN_INS  # noqa: PLC0415 - loaded before any sign-in

    minutes = str(round(LOCKOUT_WINDOW.total_seconds() / 60))
    user = refusal.user_id
    if refusal.code == "account_locked":
        until = refusal.locked_until
        if until is None:
            return (
                QCoreApplication.translate(
                    "Words", "The account %1 is locked after too many wrong passwords; try again in %2 minutes."
                )
                .replace("%1", user)
                .replace("%2", minutes)
            )
        return (
            QCoreApplication.translate(
                "Words",
                "The account %1 is locked after too many wrong passwords, until %2. Wait until then, or ask an "
                "administrator to unlock it.",
            )
            .replace("%1", user)
            .replace("%2", until.astimezone().strftime("%H:%M"))
        )
    words = {
        "wrong_password": QCoreApplication.translate(
            "Words", "Wrong password for %1. %2 wrong passwords within %3 minutes lock the account for %3 minutes."
        )
        .replace("%2", str(MAX_FAILED_SIGN_INS))
        .replace("%3", minutes),
        "user_disabled": QCoreApplication.translate("Words", "The user %1 is disabled and may not sign in."),
        "unknown_user": QCoreApplication.translate("Words", "There is no user %1 on this workstation."),
        "credentials": QCoreApplication.translate(
            "Words", "The credentials of %1 are not on this workstation: users sign in where they were added."
        ),
    }
    found = words.get(refusal.code)
    if found is None:
        return QCoreApplication.translate("Words", "Could not sign in: %1").replace("%1", refusal.message)
    return found.replace("%1", user)


def severity_icon(severity: str) -> QIcon:
    """The standard icon of a finding's severity (info, warning, error)."""
    style = QApplication.style()
    pixmap = {
        "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
        "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    }.get(severity, QStyle.StandardPixmap.SP_MessageBoxInformation)
    return style.standardIcon(pixmap)


def severity_text(severity: str) -> str:
    """The translated severity word."""
    words = {
        "error": QCoreApplication.translate("Words", "error"),
        "warning": QCoreApplication.translate("Words", "warning"),
        "info": QCoreApplication.translate("Words", "info"),
    }
    return words.get(severity, severity)


#: Shortest interval between two repaints of a progress panel (ms). While the window holds the 3D view (an OpenGL
#: widget), every repaint of any widget recomposes the whole window through OpenGL: 18 ms a time with software
#: OpenGL, idle, for a 1500 x 950 window (1 ms without the 3D view). The workers may signal 20 times a second.
PROGRESS_REPAINT_MS = 250


class ElidedLabel(QLabel):
    """A one-line label that gives way to its layout: a text longer than its room is elided in the middle.

    A plain label is never narrower than its text, so a long store path in the case bar (or any text in the
    review's large fonts) would widen the window past the screen.
    """

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """As narrow as eight letters (the text's own width when shorter), as high as the text."""
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("M") * 8), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        """Draw the text, elided in the middle to the label's width."""
        del event  # the whole label is painted
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, rect.width())
        painter = QPainter(self)
        self.style().drawItemText(
            painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), text, self.foregroundRole()
        )
        painter.end()


class ProgressPanel(QWidget):
    """A progress bar, the current stage and a Cancel button, following one :class:`TaskWorker`.

    The bar shows the latest progress at most every :data:`PROGRESS_REPAINT_MS`.
    """

    def __init__(self, worker: TaskWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.stage = QLabel(self)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setToolTip(self.tr("Stop the running step; nothing is written"))
        self.cancel_button.setShortcut(Qt.Key.Key_Escape)
        self.cancel_button.clicked.connect(worker.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 3)
        layout.addWidget(self.stage, 2)
        layout.addWidget(self.cancel_button)
        # Showing, hiding or re-labelling never changes the layout: a relayout would resize the 3D view, and
        # every resize of the 3D view is a full render on the GUI thread.
        self.stage.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        for widget in (self.bar, self.stage, self.cancel_button):
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)
        self._pending: tuple[int, str] | None = None
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.setInterval(PROGRESS_REPAINT_MS)
        self._hold.timeout.connect(self._show_pending)
        worker.progress.connect(self._on_progress_changed)
        worker.running_changed.connect(self._on_running_changed)
        self._on_running_changed(False)

    def _on_progress_changed(self, fraction: float, message: str) -> None:
        self._pending = (round(fraction * 1000), message)
        if not self._hold.isActive():
            self._show_pending()

    def _show_pending(self) -> None:
        if self._pending is None:
            return
        value, message = self._pending
        self._pending = None
        if value != self.bar.value():
            # QProgressBar repaints at once when its text changes: a flush of the window of its own. With updates
            # off, the change is painted with the window's next update instead, together with anything else.
            self.bar.setUpdatesEnabled(False)
            self.bar.setValue(value)
            self.bar.setUpdatesEnabled(True)
        if message != self.stage.text():
            self.stage.setText(progress_text(message))  # the core's stage, in the window's language
        self._hold.start()  # later progress waits for the interval, then shows only its latest value

    def _on_running_changed(self, running: bool) -> None:
        self._hold.stop()
        self._pending = None
        self.bar.setVisible(running)
        self.stage.setVisible(running)
        self.cancel_button.setVisible(running)
        if running:
            self.bar.setValue(0)
            self.stage.setText("")


class VerdictBannerView(QLabel):
    """The verdict in words and traffic-light colour (never colour alone)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setObjectName("verdictBanner")
        self.verdict: str | None = None
        self.state: str | None = None
        self.point_size: int | None = None  # the text size for the review (a style sheet's font is not inherited)
        self.set_verdict(None)

    def set_point_size(self, points: int | None) -> None:
        """Show the banner's text at ``points`` (the review's large fonts), or at the window's size (None)."""
        self.point_size = points
        self.set_verdict(self.verdict, self.state)

    def set_verdict(self, verdict: str | None, state: str | None = None) -> None:
        """Show ``verdict`` (``within``, ``out_of_envelope``, ``indeterminate`` or None) in the case's ``state``."""
        self.verdict, self.state = verdict, state
        background, text = _VERDICT_COLOURS.get(verdict or "", GREY)
        size = f"font-size: {self.point_size}pt; " if self.point_size else ""
        self.setText(verdict_text(verdict, state))
        self.setStyleSheet(
            f"QLabel#verdictBanner {{ background: {background}; color: {text}; font-weight: bold; {size}"
            f"padding: 8px; border: 1px solid {text}; border-radius: 4px; }}"
        )


#: Parameter titles of the measurement registry (validation.registry), marked for translation; a title not listed
#: here is shown as the registry gives it.
PARAMETER_TITLES = (
    QT_TRANSLATE_NOOP("ParameterTitles", "Slice spacing"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Pixel spacing"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Slice thickness"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Gantry tilt"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Tilt corrected"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Field of view"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Scan length"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Segmented bone volume"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Thinnest bone under the design"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Mean bone thickness under the design"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Defect span"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Defect area"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Design volume"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Design surface area"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Design length"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Design width"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Design height"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Minimum wall thickness"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Shells"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Watertight"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Largest gap"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Mean gap"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Largest penetration"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Contact area"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Patient age"),
    QT_TRANSLATE_NOOP("ParameterTitles", "Patient weight"),
)


def unit_word(unit: str) -> str:
    """A unit as people write it (:func:`workflow.check_table.unit_text`), its words translated (years, °)."""
    words = {
        "years": QCoreApplication.translate("Words", "years"),
        "°": QCoreApplication.translate("Words", "°"),
    }
    return words.get(unit, unit)


class CheckTableView(QTableWidget):
    """The envelope check: parameter, value, unit, limits, status (text and colour) and margin; then constraints."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 7, parent)
        self.setHorizontalHeaderLabels(
            [
                self.tr("Parameter"),
                self.tr("Value"),
                self.tr("Unit"),
                self.tr("Min"),
                self.tr("Max"),
                self.tr("Status"),
                self.tr("Margin"),
            ]
        )
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.setToolTip(self.tr("Every envelope parameter with its measured value, limits, status and margin"))
        self.flagged: list[str] = []
        self._shown: Mapping[str, Any] | None = None
        self._envelope: Envelope | None = None
        # Wide enough to read: the columns may be dragged wider (the panel beside the views too), long titles scroll.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.horizontalHeader().setSectionsMovable(False)
        self.horizontalHeader().setStretchLastSection(False)

    def set_check(self, check: Mapping[str, Any] | None, envelope: Envelope | None = None) -> None:
        """Show a check result's JSON (``CheckResult.to_json()`` or a ``check_run`` payload); None clears it.

        The rows are :func:`workflow.check_table.check_rows`: the plain title (the parameter's name and how it is
        measured on hover, with the ``envelope``'s rationale for its range when the envelope is given), the value
        rounded for reading, the unit as people write it. The same result again changes nothing: filling and sizing
        the table takes tens of milliseconds in the review's large fonts, and the case's state is shown again at
        every step of the records.
        """
        if check == self._shown and envelope is self._envelope and (check is None or self.rowCount()):
            return
        self._shown = None if check is None else dict(check)
        self._envelope = envelope
        self.setRowCount(0)
        self.flagged = []
        if not check:
            return
        from workflow.check_table import check_rows  # noqa: PLC0415 - the registry loads after the window opens

        rows = check_rows(check, envelope)
        self.setRowCount(len(rows))
        for row, shown in enumerate(rows):
            if shown.flagged:
                self.flagged.append(shown.name)
            title = QCoreApplication.translate("ParameterTitles", shown.title)
            cells = [
                title,
                shown.value,
                unit_word(shown.unit),
                shown.minimum,
                shown.maximum,
                status_text(shown.status),
                shown.margin,
            ]
            colour_status = shown.status
            if shown.kind == "constraint":
                cells[1:5] = ["", "", "", ""]
                colour_status = "within" if shown.status == "satisfied" else "below"
            background, text = _STATUS_COLOURS.get(colour_status, GREY)
            tip = self._tip(shown)
            for column, value in enumerate(cells):
                cell = QTableWidgetItem(value)
                cell.setData(Qt.ItemDataRole.UserRole, shown.name)
                if column in (1, 3, 4, 6):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if column == 5:
                    cell.setBackground(QColor(background))
                    cell.setForeground(QColor(text))
                cell.setToolTip(tip)
                self.setItem(row, column, cell)
        self.resizeColumnsToContents()
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def _tip(self, row: CheckRow) -> str:
        """The hover text of a row: its machine name, how it is measured, why the range, what is missing."""
        lines = [row.name]
        if row.description:
            lines.append(self.tr("Measured: %1").replace("%1", row.description))
        if row.rationale:
            lines.append(self.tr("Why this range (design envelope): %1").replace("%1", row.rationale))
        if row.detail:
            lines.append(row.detail)
        return "\n".join(lines)

    def row_of(self, name: str) -> int:
        """The row showing parameter or constraint ``name`` (-1 when none does)."""
        for row in range(self.rowCount()):
            item = self.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == name:
                return row
        return -1
