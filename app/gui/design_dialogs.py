"""The Case menu's documents of the medical-engineering interaction (REQUIREMENTS 4.5.1.1, 4.5.3, 4.5.4, 4.1.6).

- :class:`DesignInputDialog` ("Design input..."): the clinician's prescription as a form, validated by the same
  reader as ``dvw case input`` (:func:`workflow.design_input.read_design_input`) with each error beside its field,
  recorded as the signed-in user; a case that has one shows it; "Load from file..." reads the TOML/JSON the CLI takes.
- :class:`TeamDialog` ("Case team..."): the members and their roles, added or removed by whoever may
  (:func:`records.team.change_team`).
- :class:`ProposalDialog` ("Design proposal..."; the sign dialog's "Design proposal..." button): the structured
  record of the case's proposal read from the store and checked against the SHA-256 the clinician's signature
  covers, with its renderings; its hash in view.
- :class:`DesignChangeDialog` ("Design change..."): the new design and its reason, the revision comparison on a
  worker (progress, cancel), the figures, who has acknowledged and who has not, and "Acknowledge".

The window gets them from :func:`install_case_dialogs` (one call). Jobs that record run in a thread of this process
(the session never leaves it) and open the store themselves.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtGui import QImage, QShowEvent, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.gui.panels.common import Report, need_session, new_table
from app.gui.widgets import ProgressPanel, role_text, verdict_word
from app.workers import ErrorInfo, TaskWorker

if TYPE_CHECKING:
    from collections.abc import Callable

    from app.gui.main_window import MainView
    from app.gui.models import CaseModel, SessionModel
    from base.progress import CancelToken, ProgressCallback
    from records.cases import CaseState
    from records.users import Session
    from workflow.design_input import DesignInput

ERROR_STYLE = "color: #b00020;"
#: The text fields of the form in the order shown (the keys of workflow.design_input.TEXT_FIELDS).
TEXT_KEYS = (
    "indication",
    "surgical_plan",
    "material",
    "structure",
    "dimensions",
    "packaging",
    "sterilization",
    "supply",
)
#: Form fields that are not texts: where an error about them is shown.
OTHER_KEYS = ("instruments", "deadline", "consent_given", "consent_date", "consent_document", "attachments")
_LONG_TEXTS = ("indication", "surgical_plan", "structure")


# ------------------------------------------------------------------------------------------------ validation


def _field_of(message: str, line_key: str | None) -> str:
    """The form field an error of :func:`read_design_input` is about (by its message, else by its line's key)."""
    text = message.split(": ", 2)[-1] if message.count(": ") >= 2 else message
    for key in (*TEXT_KEYS, "instruments", "attachments", "deadline"):
        if text.startswith(key):
            return key
    if text.startswith("consent.date"):
        return "consent_date"
    if text.startswith("consent.document"):
        return "consent_document"
    if text.startswith("consent"):
        return "consent_given"
    if line_key in ("document",):
        return "consent_document"
    if line_key in (*TEXT_KEYS, "instruments", "attachments", "deadline"):
        return line_key
    return "consent_given" if line_key in ("consent", "given", "date") else "form"


_PLACEHOLDER: Mapping[str, Any] = {
    **dict.fromkeys(TEXT_KEYS, "-"),
    "instruments": [],
    "attachments": [],
    "deadline": "2000-01-01",
}


def validate_form(data: Mapping[str, Any], folder: Path) -> tuple[DesignInput | None, dict[str, str]]:
    """Validate form values with the CLI's reader; every field's error, not only the first.

    ``data`` holds the fields of a design-input file (files as absolute paths). It is written as JSON (one key a
    line) into ``folder`` and read by :func:`workflow.design_input.read_design_input`; each error's field is found
    by its message or line, that field is replaced by a valid stand-in, and the file read again, until it reads.

    Returns
    -------
    tuple
        The validated input (None when any field is wrong) and field -> message (without the file and line).
    """
    from base.errors import DvwError  # noqa: PLC0415
    from workflow.design_input import read_design_input  # noqa: PLC0415

    values = dict(data)
    errors: dict[str, str] = {}
    path = folder / "design-input.json"
    for _attempt in range(len(values) + 4):
        text = json.dumps(values, indent=2, ensure_ascii=False)
        path.write_text(text, encoding="utf-8")
        try:
            given = read_design_input(path)
        except DvwError as error:
            message = str(error)
            parts = message.split(": ", 1)
            line_number = parts[0].rsplit(":", 1)[-1] if len(parts) == 2 else ""
            shown = parts[1] if len(parts) == 2 and line_number.isdigit() else message
            lines = text.splitlines()
            line_key = None
            if line_number.isdigit() and 0 < int(line_number) <= len(lines):
                quoted = lines[int(line_number) - 1].strip().split('"')
                line_key = quoted[1] if len(quoted) > 1 else None
            field = _field_of(shown, line_key)
            if field in errors or field == "form":
                errors.setdefault("form", shown)
                break
            errors[field] = shown
            if field.startswith("consent"):
                values["consent"] = {"given": False}
            else:
                values[field] = _PLACEHOLDER[field]
            continue
        finally:
            path.unlink(missing_ok=True)
        return (None, errors) if errors else (given, {})
    return None, errors


@dataclass(frozen=True)
class InputSave:
    """A design input to check and record, and who records it.

    ``copies`` are the stored files to copy back (SHA-256 -> path in ``folder``, where ``fields`` name them).
    """

    home: Path
    code: str
    fields: dict[str, Any]
    copies: dict[str, Path]
    folder: Path
    session: Session


@dataclass(frozen=True)
class InputSaved:
    """What saving a design input gave: field -> error (nothing recorded), or the stored document's SHA-256."""

    errors: dict[str, str]
    input_sha256: str | None


def _check_and_record(request: InputSave) -> InputSaved:
    """Check the form's fields and record them (a thread job: files are copied and hashed here, not in the window)."""
    from records.store import Store  # noqa: PLC0415
    from workflow.design_input import record_design_input  # noqa: PLC0415

    with Store.open(request.home) as store:
        for sha, path in request.copies.items():
            shutil.copyfile(store.artifact_path(sha), path)  # checked against its SHA-256 on the way
        given, errors = validate_form(request.fields, request.folder)
        if given is None:
            return InputSaved(errors, None)
        return InputSaved({}, record_design_input(store, request.code, given, request.session).input_sha256)


def _job(task: Callable[[], object]) -> Callable[[ProgressCallback, CancelToken], object]:
    """A worker job of a quick recording call that takes neither progress nor cancel."""

    def run(_progress: ProgressCallback, _cancel: CancelToken) -> object:
        return task()

    return run


# ------------------------------------------------------------------------------------------------ base


class _CaseDialog(QDialog):
    """A dialog about the open case: its models, the error relay, a worker and an outcome line."""

    def __init__(
        self, case_model: CaseModel, sessions: SessionModel, report: Report, name: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.case_model = case_model
        self.sessions = sessions
        self.report = report
        self.worker = TaskWorker(name, self)
        self.worker.failed.connect(self._on_failed)
        self.outcome_label = QLabel(self)
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setObjectName("outcome")

    @property
    def case(self) -> CaseState | None:
        """The open case as last read."""
        return self.case_model.state

    def _on_failed(self, info: object) -> None:
        """A refusal or error of the job: said in the dialog (one line), as the command line says it."""
        from app.gui.widgets import error_line  # noqa: PLC0415

        assert isinstance(info, ErrorInfo)
        self.outcome_label.setStyleSheet(ERROR_STYLE)
        self.outcome_label.setText(error_line(info))  # the meaning in the window's language (and the line, in English)
        self.outcome_label.setToolTip(info.message)  # the core's own line, as the logs and the CLI say it

    def _said(self, text: str) -> None:
        self.outcome_label.setStyleSheet("")
        self.outcome_label.setToolTip("")
        self.outcome_label.setText(text)

    def _session(self, what: str) -> Session | None:
        return need_session(self.sessions, self.report, what)


def local_time(text: str) -> str:
    """A recorded time (ISO 8601) in this computer's time zone, to the minute."""
    from datetime import datetime  # noqa: PLC0415

    try:
        return datetime.fromisoformat(text).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


def _date_edit(parent: QWidget) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(QDate.currentDate())
    return edit


def _qdate(text: str | None) -> QDate | None:
    if not text:
        return None
    day = date.fromisoformat(text)
    return QDate(day.year, day.month, day.day)


# ------------------------------------------------------------------------------------------------ design input


@dataclass
class _File:
    """A file of the form: a file chosen (``path``) or one the store holds (``sha256``), and its name."""

    path: Path | None
    name: str
    sha256: str | None = None


class DesignInputDialog(_CaseDialog):
    """The clinician's design input as a form (see the module docstring)."""

    def __init__(  # noqa: PLR0915 - the form's widgets are built in one place
        self, case_model: CaseModel, sessions: SessionModel, report: Report, parent: QWidget | None = None
    ) -> None:
        super().__init__(case_model, sessions, report, "design input", parent)
        code = case_model.code or "-"
        self.setWindowTitle(self.tr("Design input of case %1").replace("%1", code))
        self.setMinimumSize(780, 820)
        self._temp = tempfile.TemporaryDirectory(prefix="dvw-input-")
        self.destroyed.connect(self._temp.cleanup)
        labels = {
            "indication": self.tr("Indication:"),
            "surgical_plan": self.tr("Surgical plan:"),
            "material": self.tr("Material requirement:"),
            "structure": self.tr("Structural requirements:"),
            "dimensions": self.tr("Dimensional requirements:"),
            "packaging": self.tr("Packaging:"),
            "sterilization": self.tr("Sterilization:"),
            "supply": self.tr("Supply method:"),
        }
        self.texts: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        self.state_label = QLabel(self)
        self.state_label.setWordWrap(True)
        form.addRow(self.state_label)
        for key in TEXT_KEYS:
            edit: QLineEdit | QPlainTextEdit
            if key in _LONG_TEXTS:
                edit = QPlainTextEdit(self)
                edit.setFixedHeight(56)
                edit.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            else:
                edit = QLineEdit(self)
            edit.setObjectName(key)
            self.texts[key] = edit
            form.addRow(labels[key], self._with_error(key, edit))
        self.instruments_edit = QPlainTextEdit(self)
        self.instruments_edit.setFixedHeight(48)
        self.instruments_edit.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.instruments_edit.setToolTip(self.tr("One instrument a line; may be empty"))
        form.addRow(self.tr("Matching instruments:"), self._with_error("instruments", self.instruments_edit))
        self.deadline_edit = _date_edit(self)
        self.deadline_edit.setToolTip(self.tr("The delivery date the clinician sets"))
        form.addRow(self.tr("Delivery deadline:"), self._with_error("deadline", self.deadline_edit))
        consent = QGroupBox(self.tr("Informed consent"), self)
        consent_form = QFormLayout(consent)
        self.consent_check = QCheckBox(self.tr("Consent given"), consent)
        self.consent_check.toggled.connect(self._on_consent_toggled)
        consent_form.addRow(self._with_error("consent_given", self.consent_check))
        self.consent_date_edit = _date_edit(consent)
        consent_form.addRow(self.tr("Date:"), self._with_error("consent_date", self.consent_date_edit))
        self.consent_file: _File | None = None
        self.consent_label = QLabel(self.tr("No document chosen"), consent)
        self.consent_label.setWordWrap(True)
        self.consent_button = QPushButton(self.tr("Choose..."), consent)
        self.consent_button.setToolTip(
            self.tr("The signed consent form: kept on this site only, named by its SHA-256, never synced")
        )
        self.consent_button.clicked.connect(self._choose_consent)
        row = QHBoxLayout()
        row.addWidget(self.consent_label, 1)
        row.addWidget(self.consent_button)
        holder = QWidget(consent)
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        consent_form.addRow(self.tr("Document:"), self._with_error("consent_document", holder))
        form.addRow(consent)
        self.attachment_list = QListWidget(self)
        self.attachment_list.setFixedHeight(60)
        add = QPushButton(self.tr("Add..."), self)
        add.setToolTip(self.tr("Attach a file to the surgical plan (stored by its SHA-256)"))
        add.clicked.connect(self._add_attachment)
        remove = QPushButton(self.tr("Remove"), self)
        remove.setToolTip(self.tr("Remove the selected attachment"))
        remove.clicked.connect(self._remove_attachment)
        files = QHBoxLayout()
        files.addWidget(self.attachment_list, 1)
        column = QVBoxLayout()
        column.addWidget(add)
        column.addWidget(remove)
        column.addStretch(1)
        files.addLayout(column)
        holder = QWidget(self)
        files.setContentsMargins(0, 0, 0, 0)
        holder.setLayout(files)
        form.addRow(self.tr("Attachments:"), self._with_error("attachments", holder))
        self.form_error = QLabel(self)
        self.form_error.setStyleSheet(ERROR_STYLE)
        self.form_error.setWordWrap(True)
        self.form_error.hide()
        form.addRow(self.form_error)
        buttons = QDialogButtonBox(self)
        self.load_button = buttons.addButton(self.tr("Load from file..."), QDialogButtonBox.ButtonRole.ActionRole)
        self.load_button.setToolTip(self.tr("Fill the form from a design-input file (TOML or JSON, as dvw case input)"))
        self.load_button.clicked.connect(self._choose_file)
        self.save_button = buttons.addButton(self.tr("Save"), QDialogButtonBox.ButtonRole.ApplyRole)
        self.save_button.setToolTip(self.tr("Check the form and record it as the case's design input, as you"))
        self.save_button.clicked.connect(self.save)
        close = buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setToolTip(self.tr("Close; what is not saved is not kept"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(ProgressPanel(self.worker, self))
        layout.addWidget(self.outcome_label)
        layout.addWidget(buttons)
        self.worker.running_changed.connect(lambda running: self.save_button.setEnabled(not running))
        self.show_saved()

    def _with_error(self, key: str, widget: QWidget) -> QWidget:
        holder = QWidget(self)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        label = QLabel(holder)
        label.setObjectName(f"error_{key}")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        column.addWidget(label)
        self.errors[key] = label
        return holder

    def _on_consent_toggled(self, given: bool) -> None:
        self.consent_date_edit.setEnabled(given)
        self.consent_button.setEnabled(given)

    def _set_consent_file(self, chosen: _File | None, shown: str | None = None) -> None:
        self.consent_file = chosen
        if chosen is None:
            self.consent_label.setText(self.tr("No document chosen"))
        else:
            self.consent_label.setText(shown or str(chosen.path))

    def _choose_consent(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Choose the signed consent form"))
        if name:
            self._set_consent_file(_File(Path(name), Path(name).name))

    def _add_file(self, chosen: _File, shown: str) -> None:
        item = QListWidgetItem(shown, self.attachment_list)
        item.setData(256, chosen)

    def _add_attachment(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("Attach a file"))
        if name:
            self.add_attachment(Path(name))

    def add_attachment(self, path: Path) -> None:
        """Attach ``path`` (stored by its SHA-256 when saved)."""
        self._add_file(_File(path, path.name), str(path))

    def _remove_attachment(self) -> None:
        for item in self.attachment_list.selectedItems():
            self.attachment_list.takeItem(self.attachment_list.row(item))

    def set_consent_document(self, path: Path) -> None:
        """Choose the consent document (what "Choose..." does)."""
        self._set_consent_file(_File(path, path.name))

    # -------------------------------------------------------------------------------- filling and reading

    def show_saved(self) -> None:
        """Fill the form with the case's recorded design input, if it has one; say who recorded it."""
        from records.team import design_input  # noqa: PLC0415

        case = self.case
        recorded = None if case is None else design_input(case)
        if case is None or recorded is None or case.design_input is None:
            self.state_label.setText(self.tr("No design input is recorded for this case yet."))
            self.consent_check.setChecked(False)
            self._on_consent_toggled(False)
            return
        event = case.design_input
        self.state_label.setText(
            self.tr("Recorded by %1 at %2 (SHA-256 %3).")
            .replace("%1", event.actor or "-")
            .replace("%2", local_time(event.created_at))
            .replace("%3", recorded.input_sha256[:16] + "...")
        )
        for key in TEXT_KEYS:
            self._set_text(key, str(recorded.fields.get(key, "")))
        self.instruments_edit.setPlainText("\n".join(str(item) for item in recorded.fields.get("instruments", [])))
        self.deadline_edit.setDate(_qdate(recorded.deadline) or QDate.currentDate())
        self.consent_check.setChecked(recorded.consent.given)
        self._on_consent_toggled(recorded.consent.given)
        self.consent_date_edit.setDate(_qdate(recorded.consent.date) or QDate.currentDate())
        self._set_consent_file(None)
        if recorded.consent.document_sha256:
            sha = recorded.consent.document_sha256
            self._set_consent_file(
                _File(None, f"consent-{sha[:12]}", sha),
                self.tr("Kept on this site (SHA-256 %1...)").replace("%1", sha[:16]),
            )
        self.attachment_list.clear()
        for name, sha in recorded.attachments.items():
            self._add_file(_File(None, name, sha), f"{name} (SHA-256 {sha[:12]}...)")

    def _set_text(self, key: str, text: str) -> None:
        edit = self.texts[key]
        if isinstance(edit, QPlainTextEdit):
            edit.setPlainText(text)
        else:
            edit.setText(text)

    def text(self, key: str) -> str:
        """The text of field ``key`` as entered."""
        edit = self.texts[key]
        return edit.toPlainText() if isinstance(edit, QPlainTextEdit) else edit.text()

    def set_text(self, key: str, text: str) -> None:
        """Enter ``text`` into field ``key``."""
        self._set_text(key, text)

    def fill(self, given: DesignInput) -> None:
        """Fill the form from a read design-input file."""
        for key in TEXT_KEYS:
            self._set_text(key, given.texts.get(key, ""))
        self.instruments_edit.setPlainText("\n".join(given.instruments))
        self.deadline_edit.setDate(QDate(given.deadline.year, given.deadline.month, given.deadline.day))
        self.consent_check.setChecked(given.consent_given)
        self._on_consent_toggled(given.consent_given)
        if given.consent_date is not None:
            day = given.consent_date
            self.consent_date_edit.setDate(QDate(day.year, day.month, day.day))
        self._set_consent_file(
            None if given.consent_document is None else _File(given.consent_document, given.consent_document.name)
        )
        self.attachment_list.clear()
        for path in given.attachments:
            self.add_attachment(path)

    def _choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Load a design input"), "", self.tr("Design input (*.toml *.json)")
        )
        if name:
            self.load_file(Path(name))

    def load_file(self, path: Path) -> bool:
        """Fill the form from a design-input file; a bad one is named with its line (nothing is changed)."""
        from base.errors import DvwError  # noqa: PLC0415
        from workflow.design_input import read_design_input  # noqa: PLC0415

        self._clear_errors()
        try:
            given = read_design_input(path)
        except DvwError as error:
            self.form_error.setText(str(error))
            self.form_error.show()
            return False
        self.fill(given)
        self._said(self.tr("Loaded from %1: check it, then Save.").replace("%1", str(path)))
        return True

    def values(self, folder: Path) -> tuple[dict[str, Any], dict[str, Path]]:
        """The form as the fields of a design-input file, and the stored files it names.

        Stored files (SHA-256 -> path) are named in ``folder``, where the job copies them before reading.
        """
        copies: dict[str, Path] = {}

        def where(chosen: _File) -> str:
            if chosen.sha256 is None:
                return str(chosen.path)
            copies[chosen.sha256] = folder / chosen.name
            return str(folder / chosen.name)

        data: dict[str, Any] = {key: self.text(key) for key in TEXT_KEYS}
        data["instruments"] = [
            line.strip() for line in self.instruments_edit.toPlainText().splitlines() if line.strip()
        ]
        data["deadline"] = self.deadline_edit.date().toString("yyyy-MM-dd")
        consent: dict[str, Any] = {"given": self.consent_check.isChecked()}
        if self.consent_check.isChecked():
            consent["date"] = self.consent_date_edit.date().toString("yyyy-MM-dd")
            if self.consent_file is not None:
                consent["document"] = where(self.consent_file)
        data["consent"] = consent
        attachments = []
        for row in range(self.attachment_list.count()):
            chosen = self.attachment_list.item(row).data(256)
            assert isinstance(chosen, _File)
            attachments.append(where(chosen))
        data["attachments"] = attachments
        return data, copies

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()
        self.form_error.hide()

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Show each field's error beside it (in the window's words; the reader's own in the tip)."""
        self._clear_errors()
        for key, message in errors.items():
            label = self.errors.get(key, self.form_error)
            label.setText(self.error_text(key, message))
            label.setToolTip(message)  # the reader's own words, as dvw case input prints them
            label.show()
        if errors:
            self.outcome_label.setStyleSheet(ERROR_STYLE)
            self.outcome_label.setText(self.tr("Not saved: correct the fields marked in red."))

    def error_text(self, key: str, message: str) -> str:
        """A field's error in the window's language (the reader's English message when it is not a known one)."""
        if key in TEXT_KEYS and message.endswith(("must be non-empty text", "is missing")):
            return self.tr("Required: enter it.")
        if key == "consent_document" and message.startswith("consent.document is missing"):
            return self.tr("Consent is given: choose the signed consent form.")
        if message.startswith("no such file: "):
            return self.tr("No such file: %1").replace("%1", message.removeprefix("no such file: "))
        return message

    def save(self) -> None:
        """Check the form as ``dvw case input`` checks a file and record it, by the signed-in user.

        In the background: stored files are copied and hashed there, never in the window's thread.
        """
        code = self.case_model.code
        session = self._session("recording a design input")
        if code is None or session is None:
            return
        self._clear_errors()
        folder = Path(tempfile.mkdtemp(dir=self._temp.name))
        fields, copies = self.values(folder)
        request = InputSave(self.case_model.home, code, fields, copies, folder, session)
        self.worker.start(_job(partial(_check_and_record, request)), on_done=self._on_saved)

    def _on_saved(self, outcome: object) -> None:
        assert isinstance(outcome, InputSaved)
        if outcome.input_sha256 is None:
            self.show_errors(outcome.errors)
            return
        self.case_model.reload()
        self.show_saved()
        self._said(self.tr("Design input recorded (SHA-256 %1...).").replace("%1", outcome.input_sha256[:16]))


# ------------------------------------------------------------------------------------------------ team


def _change_team(
    home: Path, code: str, session: Session, *, add: str | None, role: str | None, remove: str | None
) -> int:
    from records.store import Store  # noqa: PLC0415
    from records.team import change_team  # noqa: PLC0415

    with Store.open(home) as store:
        return len(change_team(store, code, session, add=add, role=role, remove=remove))


def case_role_text(role: str) -> str:
    """A role on a case (:data:`records.team.CASE_ROLES`), in the window's language."""
    from PySide6.QtCore import QCoreApplication  # noqa: PLC0415

    words = {
        "prescribing_clinician": QCoreApplication.translate("TeamDialog", "prescribing clinician"),
        "design_engineer": QCoreApplication.translate("TeamDialog", "design engineer"),
        "reviewer": QCoreApplication.translate("TeamDialog", "reviewer"),
        "quality": QCoreApplication.translate("TeamDialog", "quality"),
    }
    return words.get(role, role)


class TeamDialog(_CaseDialog):
    """The case's team: members and their roles; add or remove (refusals said in the dialog)."""

    def __init__(
        self, case_model: CaseModel, sessions: SessionModel, report: Report, parent: QWidget | None = None
    ) -> None:
        from records.team import CASE_ROLES  # noqa: PLC0415
        from records.users import load_users  # noqa: PLC0415

        super().__init__(case_model, sessions, report, "case team", parent)
        self.setWindowTitle(self.tr("Team of case %1").replace("%1", case_model.code or "-"))
        self.setMinimumSize(560, 400)
        self.users = load_users(case_model.store())
        self.table = new_table(self, [self.tr("User"), self.tr("Name"), self.tr("Role on the case")])
        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        self.user_combo = QComboBox(self)
        self.user_combo.setToolTip(self.tr("A user of this workstation"))
        for user in self.users.values():
            if user.enabled:
                self.user_combo.addItem(f"{user.printed_name} ({user.user_id}, {role_text(user.role)})", user.user_id)
        self.role_combo = QComboBox(self)
        self.role_combo.setToolTip(self.tr("Their role on this case"))
        for role in CASE_ROLES:
            self.role_combo.addItem(case_role_text(role), role)
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setToolTip(self.tr("Add the user to the team with this role (recorded as you)"))
        self.add_button.clicked.connect(self.add_member)
        self.remove_button = QPushButton(self.tr("Remove selected"), self)
        self.remove_button.setToolTip(self.tr("Remove the selected member from the team (recorded as you)"))
        self.remove_button.clicked.connect(self.remove_selected)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("New member:"), self))
        row.addWidget(self.user_combo, 2)
        row.addWidget(self.role_combo, 1)
        row.addWidget(self.add_button)
        buttons = QDialogButtonBox(self)
        close = buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setToolTip(self.tr("Close the team"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.remove_button)
        layout.addLayout(row)
        layout.addWidget(self.outcome_label)
        layout.addWidget(buttons)
        self.show_team()

    def show_team(self) -> None:
        """List the members from the case as last read."""
        case = self.case
        team = {} if case is None else dict(case.team)
        self.note_label.setText(
            self.tr("Only the team's members act on the case.")
            if team
            else self.tr("No team yet: every user may act on the case until the first member is added.")
        )
        self.table.setRowCount(len(team))
        for row, (user_id, role) in enumerate(team.items()):
            user = self.users.get(user_id)
            for column, text in enumerate((user_id, user.printed_name if user else "-", case_role_text(role))):
                self.table.setItem(row, column, QTableWidgetItem(text))

    def _start(self, add: str | None, role: str | None, remove: str | None) -> None:
        code = self.case_model.code
        session = self._session("changing the case's team")
        if code is None or session is None:
            return
        task = _job(partial(_change_team, self.case_model.home, code, session, add=add, role=role, remove=remove))
        self.worker.start(task, on_done=self._on_changed)

    def add_member(self) -> None:
        """Add the chosen user with the chosen role."""
        self._start(str(self.user_combo.currentData()), str(self.role_combo.currentData()), None)

    def remove_selected(self) -> None:
        """Remove the selected member."""
        rows = self.table.selectionModel().selectedRows()
        if rows:
            item = self.table.item(rows[0].row(), 0)
            if item is not None:
                self._start(None, None, item.text())

    def _on_changed(self, _count: object) -> None:
        self.case_model.reload()
        self.show_team()
        self._said(self.tr("Team changed."))


# ------------------------------------------------------------------------------------------------ proposal


@dataclass(frozen=True)
class ProposalShown:
    """A proposal read for the preview: its record, the SHA-256 its bytes have, the renderings' PNG bytes."""

    event_id: str
    revision: int
    proposal_sha256: str
    record: dict[str, Any]
    pictures: dict[str, bytes]


def read_proposal(home: Path, code: str) -> ProposalShown | None:
    """The case's current proposal as stored (None when it has none), each artifact checked against its SHA-256."""
    from records.store import Store  # noqa: PLC0415

    with Store.open(home) as store:
        case = store.case(code)
        if case.proposal is None:
            return None
        sha = str(case.proposal.payload["proposal_sha256"])
        raw = store.read_artifact(sha)  # refuses bytes whose SHA-256 is not ``sha``
        record = json.loads(raw)
        pictures = {view: store.read_artifact(png) for view, png in dict(record.get("renderings", {})).items()}
        return ProposalShown(case.proposal.event_id, int(record["revision"]), sha, record, pictures)


def _issue(home: Path, code: str, session: Session, progress: ProgressCallback, cancel: CancelToken) -> str:
    from records.store import Store  # noqa: PLC0415
    from workflow.proposal import issue_proposal  # noqa: PLC0415

    with Store.open(home) as store:
        return issue_proposal(store, code, session, progress=progress, cancel=cancel).proposal_sha256


def _esc(value: object) -> str:
    from html import escape  # noqa: PLC0415

    return escape("-" if value is None or value == "" else str(value))


class ProposalDialog(_CaseDialog):
    """The design proposal the clinician confirms, exactly as stored, with its SHA-256 in view."""

    def __init__(
        self, case_model: CaseModel, sessions: SessionModel, report: Report, parent: QWidget | None = None
    ) -> None:
        super().__init__(case_model, sessions, report, "design proposal", parent)
        self.setWindowTitle(self.tr("Design proposal of case %1").replace("%1", case_model.code or "-"))
        self.setMinimumSize(820, 760)
        self.shown: ProposalShown | None = None
        self.hash_label = QLabel(self)
        self.hash_label.setObjectName("proposalHash")
        self.hash_label.setWordWrap(True)
        self.hash_label.setStyleSheet("font-weight: bold;")
        self.browser = QTextBrowser(self)
        self.issue_button = QPushButton(self.tr("Issue proposal"), self)
        self.issue_button.setToolTip(
            self.tr("Build the proposal of the current check (renderings, input, check, software) and record it")
        )
        self.issue_button.clicked.connect(self.issue)
        buttons = QDialogButtonBox(self)
        close = buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setToolTip(self.tr("Close the proposal"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hash_label)
        layout.addWidget(self.browser, 1)
        layout.addWidget(ProgressPanel(self.worker, self))
        layout.addWidget(self.outcome_label)
        row = QHBoxLayout()
        row.addWidget(self.issue_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout.addLayout(row)
        self.read_worker = TaskWorker("proposal-read", self)
        self.read_worker.failed.connect(self._on_failed)
        self.refresh()

    def refresh(self) -> None:
        """Read the case's proposal from the store in the background."""
        code = self.case_model.code
        if code is None:
            return
        self.hash_label.setText(self.tr("Reading the proposal..."))
        self.read_worker.start(_job(partial(read_proposal, self.case_model.home, code)), on_done=self._on_read)

    def _on_read(self, shown: object) -> None:
        self.shown = shown if isinstance(shown, ProposalShown) else None
        if self.shown is None:
            case = self.case
            self.hash_label.setText(
                self.tr("No design proposal is issued for revision %1 yet.").replace(
                    "%1", str(case.revision if case else "-")
                )
            )
            self.browser.clear()
            return
        self.hash_label.setText(
            self.tr("Revision %1, SHA-256 %2: a clinical design confirmation signs exactly this record.")
            .replace("%1", str(self.shown.revision))
            .replace("%2", self.shown.proposal_sha256)
        )
        self._render(self.shown)

    def _render(self, shown: ProposalShown) -> None:
        from workflow.proposal import VIEWS  # noqa: PLC0415

        document = QTextDocument(self.browser)
        captions = {
            "anterior": self.tr("Anterior view"),
            "left": self.tr("Left lateral view"),
            "right": self.tr("Right lateral view"),
            "superior": self.tr("Superior view"),
            "overview": self.tr("Facing the device"),
        }
        record = shown.record
        parts = [f"<h2>{_esc(self.tr('Design proposal'))} {_esc(record.get('case_code'))}</h2>"]
        parts.append(f"<p>{_esc(self.tr('Revision'))} {_esc(record.get('revision'))}</p>")
        parts.append(f"<h3>{_esc(self.tr('Renderings of the design on the anatomy'))}</h3><table><tr>")
        for index, (view, _caption) in enumerate(VIEWS):
            png = shown.pictures.get(view)
            if png is None:
                continue
            image = QImage.fromData(png)
            url = QUrl(f"dvw-rendering:{view}")
            document.addResource(QTextDocument.ResourceType.ImageResource, url, image)
            parts.append(
                f'<td align="center"><img src="{url.toString()}" width="240"><br>{_esc(captions.get(view, view))}</td>'
            )
            if index % 3 == 2:
                parts.append("</tr><tr>")
        parts.append("</tr></table>")
        solution = record.get("surgical_solution", {}) or {}
        rows = [
            (self.tr("Indication"), solution.get("indication")),
            (self.tr("Surgical plan"), solution.get("surgical_plan")),
            (self.tr("Matching instruments"), ", ".join(solution.get("instruments") or []) or None),
            (self.tr("Material"), record.get("material")),
            (self.tr("Structure"), record.get("structure")),
            (self.tr("Dimensions"), record.get("dimensions")),
            (self.tr("Packaging"), record.get("packaging")),
            (self.tr("Sterilization"), record.get("sterilization")),
            (self.tr("Supply method"), record.get("supply")),
        ]
        given = record.get("design_input", {}) or {}
        rows += [
            (self.tr("Delivery deadline"), given.get("deadline")),
            (self.tr("Informed consent"), given.get("consent_date") if given.get("consent_given") else self.tr("no")),
        ]
        parts.append(f"<h3>{_esc(self.tr('Surgical solution and requirements'))}</h3>")
        parts.append(_table(rows))
        check = record.get("check", {}) or {}
        parts.append(f"<h3>{_esc(self.tr('Envelope check'))}</h3>")
        parts.append(
            _table(
                [
                    (self.tr("Verdict"), verdict_word(check.get("verdict"))),
                    (
                        self.tr("Envelope"),
                        (
                            f"{check.get('envelope')} {check.get('envelope_version')} "
                            f"(SHA-256 {str(check.get('envelope_sha256'))[:16]}...)"
                        ),
                    ),
                ]
            )
        )
        header = [self.tr("Parameter"), self.tr("Value"), self.tr("Unit"), self.tr("Status"), self.tr("Margin")]
        results = _parameter_rows(check)
        parts.append(_grid(header, results))
        again = record.get("reverification")
        if again:
            parts.append(f"<h3>{_esc(self.tr('Re-verification'))}</h3>")
            parts.append(_table([(self.tr("Result"), again.get("result")), (self.tr("Method"), again.get("method"))]))
        change = record.get("change")
        if change:
            figures = change.get("comparison") or {}
            parts.append(f"<h3>{_esc(self.tr('Design change'))}</h3>")
            parts.append(
                _table(
                    [
                        (self.tr("Reason"), change.get("reason")),
                        (self.tr("Maximum deviation (mm)"), _number(figures.get("change.max_deviation_mm"))),
                        (self.tr("RMS deviation (mm)"), _number(figures.get("change.rms_deviation_mm"))),
                        (self.tr("Area changed (mm²)"), _number(figures.get("change.area_changed_mm2"))),
                    ]
                )
            )
        team = record.get("team", [])
        if team:
            parts.append(f"<h3>{_esc(self.tr('Case team'))}</h3>")
            parts.append(
                _grid(
                    [self.tr("User"), self.tr("Name"), self.tr("Role on the case")],
                    [[m.get("user"), m.get("printed_name"), case_role_text(str(m.get("role")))] for m in team],
                )
            )
        software = record.get("software", {}) or {}
        parts.append(f"<h3>{_esc(self.tr('Software'))}</h3>")
        parts.append(
            _table([(self.tr("Version"), software.get("version")), (self.tr("Manifest"), software.get("manifest_id"))])
        )
        parts.append(f"<p><b>SHA-256 {_esc(shown.proposal_sha256)}</b></p>")
        document.setHtml("".join(parts))
        self.browser.setDocument(document)

    def issue(self) -> None:
        """Build and record the proposal of the case's current check, as the signed-in member (in the background)."""
        code = self.case_model.code
        session = self._session("issuing a design proposal")
        if code is None or session is None:
            return
        self.worker.start(partial(_issue, self.case_model.home, code, session), on_done=self._on_issued)

    def _on_issued(self, sha: object) -> None:
        self.case_model.reload()
        self._said(self.tr("Proposal issued (SHA-256 %1...).").replace("%1", str(sha)[:16]))
        self.refresh()


def _parameter_rows(check: Mapping[str, Any]) -> list[list[Any]]:
    """The check's parameters as the check table shows them (titles, units and statuses in the window's words)."""
    from PySide6.QtCore import QCoreApplication  # noqa: PLC0415

    from app.gui.widgets import status_text, unit_word  # noqa: PLC0415
    from workflow.check_table import check_rows  # noqa: PLC0415

    return [
        [
            QCoreApplication.translate("ParameterTitles", row.title),
            row.value or "-",
            unit_word(row.unit),
            status_text(row.status),
            row.margin or "-",
        ]
        for row in check_rows(check)
        if row.kind == "parameter"
    ]


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def _table(rows: list[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><td><b>{_esc(name)}</b></td><td>{_esc(value)}</td></tr>" for name, value in rows)
    return f'<table cellpadding="3">{cells}</table>'


def _grid(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_esc(name)}</th>" for name in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table border="1" cellspacing="0" cellpadding="3"><tr>{head}</tr>{body}</table>'


# ------------------------------------------------------------------------------------------------ design change


@dataclass(frozen=True)
class ChangeRequest:
    """A design change to record: the store, the case, the new design, its reason and tolerance, who changes it."""

    home: Path
    code: str
    design: Path
    reason: str
    tolerance_mm: float | None
    session: Session


def _record_change(request: ChangeRequest, progress: ProgressCallback, cancel: CancelToken) -> int:
    from records.store import Store  # noqa: PLC0415
    from workflow.change import record_change  # noqa: PLC0415

    with Store.open(request.home) as store:
        recorded = record_change(
            store,
            request.code,
            request.design,
            request.reason,
            request.session,
            tolerance_mm=request.tolerance_mm,
            progress=progress,
            cancel=cancel,
        )
    return recorded.revision


def _acknowledge(home: Path, code: str, session: Session) -> int:
    from records.store import Store  # noqa: PLC0415
    from records.team import acknowledge_change  # noqa: PLC0415

    with Store.open(home) as store:
        return acknowledge_change(store, code, session).seq


#: The per-vertex array of the change's colour map on the new design's display surface.
CHANGE_SCALARS = "change_deviation_mm"


@dataclass(frozen=True)
class ChangeMap:
    """The current revision's design with its signed distance from the previous one, ready for the 3D view.

    ``values`` are the recorded per-vertex distances (mm, outward positive), ``worst`` the vertex farthest from
    the previous design and ``worst_mm`` its distance; ``limit_mm`` the half-width of the colour scale.
    """

    revision: int
    mesh: Any
    surface: Any
    values: Any
    worst: tuple[float, float, float]
    worst_mm: float
    limit_mm: float


def read_change_map(home: Path, code: str) -> ChangeMap | None:
    """The change map of the case's current revision from the store (None when no design change made it).

    The design and the ``.npy`` map are read by their SHA-256 (checked); the map has one value per vertex.
    """
    import io  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    from base.errors import DvwError  # noqa: PLC0415
    from geometry.io import read_mesh  # noqa: PLC0415
    from records.payloads import DesignChanged, read  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from workflow.display import DISPLAY_MAX_TRIANGLES, display_surface  # noqa: PLC0415

    with Store.open(home) as store:
        case = store.case(code)
        if case.change is None:
            return None
        changed = read(case.change, DesignChanged)
        comparison = changed.comparison or {}
        if "map_sha256" not in comparison or "design" not in changed.inputs:
            return None
        suffix = Path(changed.design_file or "design.stl").suffix or ".stl"
        mesh = read_mesh(store.artifact_path(changed.inputs["design"]), suffix=suffix)
        values = np.load(io.BytesIO(store.read_artifact(str(comparison["map_sha256"]))), allow_pickle=False)
        tolerance = float(comparison.get("change.tolerance_mm", 0.2))
        revision = case.revision
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (mesh.n_vertices,):
        raise DvwError(f"the change map has {values.size} values for a design of {mesh.n_vertices} vertices")
    surface = display_surface(mesh, {CHANGE_SCALARS: values}, max_triangles=DISPLAY_MAX_TRIANGLES)
    index = int(np.argmax(np.abs(values)))
    worst = tuple(float(x) for x in np.asarray(mesh.vertices)[index])
    limit = max(float(np.abs(values).max()), tolerance)
    return ChangeMap(revision, mesh, surface, values, (worst[0], worst[1], worst[2]), float(values[index]), limit)


class DesignChangeDialog(_CaseDialog):
    """A design change: new design, reason, the comparison on a worker, the figures and the acknowledgements."""

    def __init__(  # noqa: PLR0915 - the dialog's widgets are built in one place
        self, case_model: CaseModel, sessions: SessionModel, report: Report, parent: QWidget | None = None
    ) -> None:
        super().__init__(case_model, sessions, report, "design change", parent)
        self.setWindowTitle(self.tr("Design change of case %1").replace("%1", case_model.code or "-"))
        self.setMinimumSize(900, 720)
        new = QGroupBox(self.tr("New revision"), self)
        form = QFormLayout(new)
        self.design_edit = QLineEdit(new)
        self.design_edit.setPlaceholderText(self.tr("The new design (STL, PLY, OBJ, 3MF), patient LPS mm"))
        browse = QPushButton(self.tr("Choose..."), new)
        browse.setToolTip(self.tr("Choose the new design file"))
        browse.clicked.connect(self._choose_design)
        row = QHBoxLayout()
        row.addWidget(self.design_edit, 1)
        row.addWidget(browse)
        form.addRow(self.tr("New design:"), row)
        self.reason_edit = QPlainTextEdit(new)
        self.reason_edit.setFixedHeight(56)
        self.reason_edit.setToolTip(self.tr("Why the design changes (required)"))
        form.addRow(self.tr("Reason:"), self.reason_edit)
        self.tolerance_spin = QDoubleSpinBox(new)
        self.tolerance_spin.setRange(0.0, 5.0)  # 0: the device family's tolerance, as dvw change without --tolerance
        self.tolerance_spin.setSingleStep(0.05)
        self.tolerance_spin.setDecimals(2)
        self.tolerance_spin.setValue(0.0)
        self.tolerance_spin.setSuffix(" mm")
        self.tolerance_spin.setSpecialValueText(self.tr("the device family's"))
        self.tolerance_spin.setToolTip(
            self.tr("Distances up to this count as unchanged (by default the device family's tolerance)")
        )
        form.addRow(self.tr("Tolerance:"), self.tolerance_spin)
        self.record_button = QPushButton(self.tr("Compare and record"), new)
        self.record_button.setToolTip(
            self.tr("Compare the new design with the current revision's and record the change with its reason")
        )
        self.record_button.clicked.connect(self.record)
        form.addRow(self.record_button)
        form.addRow(ProgressPanel(self.worker, new))
        current = QGroupBox(self.tr("Current revision"), self)
        column = QVBoxLayout(current)
        self.change_label = QLabel(current)
        self.change_label.setWordWrap(True)
        self.change_label.setObjectName("changeFigures")
        self.ack_table = new_table(current, [self.tr("Member"), self.tr("Role on the case"), self.tr("Acknowledged")])
        self.ack_button = QPushButton(self.tr("Acknowledge"), current)
        self.ack_button.setToolTip(self.tr("Record that you have taken note of this design change"))
        self.ack_button.clicked.connect(self.acknowledge)
        column.addWidget(self.change_label)
        column.addWidget(self.ack_table, 1)
        column.addWidget(self.ack_button)
        left = QVBoxLayout()
        left.addWidget(new)
        left.addWidget(current, 1)
        self.map_holder = QVBoxLayout()
        self.map_label = QLabel(self)
        self.map_label.setWordWrap(True)
        self.map_label.setObjectName("mapCaption")
        from app.gui.scene_view import SceneView  # noqa: PLC0415

        self.scene = SceneView(self)
        self.scene.setMinimumSize(420, 420)
        self.map_holder.addWidget(self.scene, 1)
        self.map_holder.addWidget(self.map_label)
        self.change_map: ChangeMap | None = None
        self.map_worker = TaskWorker("change map", self)
        self.map_worker.failed.connect(self._on_failed)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(self.map_holder, 1)
        buttons = QDialogButtonBox(self)
        close = buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setToolTip(self.tr("Close; a running comparison is cancelled"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.outcome_label)
        layout.addWidget(buttons)
        self.ack_worker = TaskWorker("acknowledgement", self)
        self.ack_worker.failed.connect(self._on_failed)
        self.worker.running_changed.connect(lambda running: self.record_button.setEnabled(not running))
        self.rejected.connect(self.worker.cancel)
        self.show_change()
        self.read_map()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Once shown, the 3D view's render window is made (and draws what was set meanwhile)."""
        super().showEvent(event)
        self.scene.activate()

    def done(self, result: int) -> None:
        """Close: a running comparison is cancelled and the 3D view's render window released."""
        self.worker.cancel()
        self.map_worker.cancel()
        self.scene.close_scene()
        super().done(result)

    def read_map(self) -> None:
        """Read the current revision's change map in the background and draw it over the new design."""
        code = self.case_model.code
        if code is None:
            return
        self.map_label.setText(self.tr("Reading the comparison..."))
        self.map_worker.start(_job(partial(read_change_map, self.case_model.home, code)), on_done=self._on_map)

    def _on_map(self, result: object) -> None:
        from app.gui.scene_view import DEVIATION_STOPS, SurfaceColouring  # noqa: PLC0415

        self.change_map = result if isinstance(result, ChangeMap) else None
        shown = self.change_map
        if shown is None:
            self.scene.set_design_colouring(None)
            self.scene.set_design(None)
            self.scene.set_markers([])
            self.map_label.setText(self.tr("No design change to show: the map appears once a change is recorded."))
            return
        self.scene.set_design(shown.mesh, shown.surface)
        limit = round(shown.limit_mm, 3)
        self.scene.set_design_colouring(SurfaceColouring(CHANGE_SCALARS, (-limit, limit), DEVIATION_STOPS, "mm"))
        self.scene.set_markers([(f"{shown.worst_mm:+.2f} mm", shown.worst)])
        self.map_label.setText(
            self.tr(
                "Revision %1 against the previous design: red where material was added, blue where it was removed "
                "(scale -%2 to +%2 mm); the marker shows the largest deviation."
            )
            .replace("%1", str(shown.revision))
            .replace("%2", f"{limit:.2f}")
        )

    def _choose_design(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose the new design"), "", self.tr("Meshes (*.stl *.ply *.obj *.3mf)")
        )
        if name:
            self.design_edit.setText(name)

    def show_change(self) -> None:
        """The change that made the current revision (reason, figures) and each member's acknowledgement."""
        from records.team import revisions  # noqa: PLC0415

        case = self.case
        if case is None:
            return
        history = revisions(case)
        last = history[-1]
        if case.change is None or "comparison" not in last:
            self.change_label.setText(
                self.tr("Revision %1: no design change has been recorded.").replace("%1", str(case.revision))
            )
        else:
            figures = last.get("comparison") or {}
            self.change_label.setText(
                self.tr(
                    "Revision %1, changed by %2: %3<br>Maximum deviation %4 mm, RMS %5 mm, %6 mm² changed, %7 % of "
                    "the area within %8 mm."
                )
                .replace("%1", str(case.revision))
                .replace("%2", _esc(last.get("by")))
                .replace("%3", _esc(last.get("reason")))
                .replace("%4", _fixed(figures.get("change.max_deviation_mm"), 3))
                .replace("%5", _fixed(figures.get("change.rms_deviation_mm"), 3))
                .replace("%6", _fixed(figures.get("change.area_changed_mm2"), 1))
                .replace("%7", _fixed(100 * float(figures.get("change.share_within_tolerance", 0.0)), 1))
                .replace("%8", _fixed(figures.get("change.tolerance_mm"), 2))
            )
        acked = {item["user"]: item["at"] for item in last.get("acknowledged", [])}
        if case.change is not None:
            acked.setdefault(case.change.actor, case.change.created_at)  # who made the change counts as having
        team = dict(case.team)
        self.ack_table.setRowCount(len(team))
        for row, (user, role) in enumerate(team.items()):
            at = acked.get(user)
            status = (
                self.tr("yes, %1").replace("%1", local_time(str(at)))
                if user in case.acknowledged or at is not None
                else self.tr("not yet")
            )
            for column, text in enumerate((user, case_role_text(role), status)):
                self.ack_table.setItem(row, column, QTableWidgetItem(text))
        me = self.sessions.session
        self.ack_button.setEnabled(
            case.change is not None and me is not None and me.user_id in team and me.user_id not in case.acknowledged
        )

    def record(self) -> None:
        """Compare the chosen design with the current revision's and record the change (in the background)."""
        code = self.case_model.code
        design = Path(self.design_edit.text().strip())
        reason = " ".join(self.reason_edit.toPlainText().split())
        if not self.design_edit.text().strip() or not design.is_file():
            self.outcome_label.setStyleSheet(ERROR_STYLE)
            self.outcome_label.setText(self.tr("Choose the new design file."))
            return
        if not reason:
            self.outcome_label.setStyleSheet(ERROR_STYLE)
            self.outcome_label.setText(self.tr("A design change needs its reason."))
            return
        session = self._session("changing a design")
        if code is None or session is None:
            return
        self._said("")
        tolerance = self.tolerance_spin.value() or None  # None: the device family's
        request = ChangeRequest(self.case_model.home, code, design, reason, tolerance, session)
        task = partial(_record_change, request)
        self.worker.start(task, on_done=self._on_recorded)

    def _on_recorded(self, revision: object) -> None:
        self.case_model.reload()
        self.show_change()
        self.read_map()
        self._said(self.tr("Recorded as revision %1.").replace("%1", str(revision)))

    def acknowledge(self) -> None:
        """Record the signed-in member's acknowledgement of the change."""
        code = self.case_model.code
        session = self._session("acknowledging a design change")
        if code is None or session is None:
            return
        self.ack_worker.start(_job(partial(_acknowledge, self.case_model.home, code, session)), on_done=self._on_ack)

    def _on_ack(self, _seq: object) -> None:
        self.case_model.reload()
        self.show_change()
        self._said(self.tr("Acknowledged."))


def _fixed(value: object, digits: int) -> str:
    return "-" if not isinstance(value, (int, float)) else f"{value:.{digits}f}"


# ------------------------------------------------------------------------------------------------ the window


class CaseDialogs:
    """The Case menu's actions of the window and the dialogs they open (kept so tests and the window reach them)."""

    def __init__(self, window: MainView) -> None:
        self.window = window
        self.dialogs: dict[str, QDialog] = {}
        menu = window.case_menu
        entries = (
            ("input", window.tr("Design input..."), window.tr("The clinician's prescription, consent and deadline")),
            ("team", window.tr("Case team..."), window.tr("The case's members and their roles")),
            ("proposal", window.tr("Design proposal..."), window.tr("The proposal the clinician confirms")),
            ("change", window.tr("Design change..."), window.tr("A new design with its reason and comparison")),
        )
        self.actions = {}
        for name, text, tip in entries:
            action = menu.addAction(text)
            action.setToolTip(tip)
            action.setStatusTip(tip)
            action.triggered.connect(partial(self.open, name))
            self.actions[name] = action
        menu.aboutToShow.connect(self._enable)

    def _enable(self) -> None:
        for action in self.actions.values():
            action.setEnabled(self.window.case_model.code is not None and self.window.session_model.session is not None)

    def open(self, name: str, _checked: bool = False, parent: QWidget | None = None) -> QDialog | None:
        """Open the dialog ``name`` (input, team, proposal, change) for the open case (window-modal, not blocking)."""
        window = self.window
        if window.case_model.code is None:
            window.report_error(ErrorInfo("no_case", "open or create a case first"))
            return None
        kinds: dict[str, Any] = {
            "input": DesignInputDialog,
            "team": TeamDialog,
            "proposal": ProposalDialog,
            "change": DesignChangeDialog,
        }
        dialog: QDialog = kinds[name](window.case_model, window.session_model, window.report_error, parent or window)
        self.dialogs[name] = dialog
        dialog.open()
        return dialog


def install_case_dialogs(window: MainView) -> CaseDialogs:
    """Put the design input, team, proposal and change actions in the window's Case menu; returns them."""
    dialogs = CaseDialogs(window)
    window.review_panel.proposal_requested.connect(
        lambda: dialogs.open("proposal", parent=window.review_panel.sign_dialog or window)
    )
    return dialogs
