"""Dialogs: sign in, set up a store, settings, join the sync server, re-verification, signing.

The sign dialog shows exactly what is signed. The sign-in and set-up dialogs collect what the user types and emit
``submitted``; the window runs the password check in a thread job and answers with
:meth:`SignInDialog.show_refusal` (the dialog stays open, saying why) or by closing the dialog. No dialog ever holds
a session.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.gui.i18n import LANGUAGES
from app.gui.settings import GuiSettings
from app.gui.signoff_view import SignoffChecklistView
from app.gui.widgets import (
    error_line,
    input_text,
    refusal_text,
    result_text,
    role_text,
    state_text,
    status_text,
    unit_word,
    verdict_text,
)

if TYPE_CHECKING:
    from app.gui.access import SignInRefusal
    from app.workers import ErrorInfo
    from records.cases import CaseState
    from records.users import User
    from workflow.signoff import SignoffFacts

#: The colour of a refusal's text (the text always says it too).
REFUSAL_STYLE = "color: #8e1b10;"
#: Shortest password a new user may have (records.users.MIN_PASSWORD_LENGTH, which loads after the window opens).
MIN_PASSWORD_LENGTH = 8
#: The sign dialog's "Design proposal..." button, emitted as ``action_requested``: the window shows the proposal.
SHOW_PROPOSAL = "show_proposal"


def _fit_height(dialog: QDialog) -> None:
    """Make a dialog of wrapped texts as high as its texts need at its width (its size hint wraps them narrower)."""
    layout = dialog.layout()
    if layout is None:
        return
    layout.activate()
    height = layout.heightForWidth(dialog.width()) if layout.hasHeightForWidth() else -1
    if height > 0:
        dialog.resize(dialog.width(), height)


def _password_edit(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class SignInDialog(QDialog):
    """Sign in to the window: user id and password; Enter signs in; a refusal is shown with its reason.

    Emits ``submitted(user_id, password)``; the window checks the password in the background and answers with
    :meth:`show_refusal`, :meth:`show_error` or by accepting the dialog.

    Parameters
    ----------
    store
        The store folder, shown so that the user knows where they sign in.
    user_id
        The user id to offer (the last one signed in here, or the locked user's), or "".
    note
        A line to show above the fields (e.g. that signing in as another user closes the open case).
    """

    submitted = Signal(str, str)

    def __init__(self, store: str, user_id: str = "", *, note: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sign in to DVW"))
        self.setMinimumWidth(460)
        heading = QLabel(self.tr("Sign in to work with the cases and records of this workstation."), self)
        heading.setWordWrap(True)
        self.store_label = QLabel(self.tr("Store: %1").replace("%1", store), self)
        self.store_label.setWordWrap(True)
        self.store_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_label = QLabel(note, self)
        self.note_label.setWordWrap(True)
        self.note_label.setVisible(bool(note))
        self.user_edit = QLineEdit(user_id, self)
        self.user_edit.setPlaceholderText(self.tr("your user id"))
        self.user_edit.setToolTip(self.tr("Your user id on this workstation (an administrator gave it to you)"))
        self.password_edit = _password_edit(self)
        self.password_edit.setToolTip(self.tr("Your password; repeated wrong passwords lock the account for a while"))
        form = QFormLayout()
        form.addRow(self.tr("User:"), self.user_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        self.reason_label = QLabel(self)
        self.reason_label.setWordWrap(True)
        self.reason_label.setStyleSheet(REFUSAL_STYLE)
        self.reason_label.setVisible(False)
        self.buttons = QDialogButtonBox(self)
        self.sign_in_button = self.buttons.addButton(self.tr("Sign in"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        self.sign_in_button.setToolTip(self.tr("Check the password and sign in (Enter)"))
        cancel = self.buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setToolTip(self.tr("Close; nothing can be recorded until someone signs in"))
        self.buttons.accepted.connect(self._on_submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.store_label)
        layout.addWidget(self.note_label)
        layout.addLayout(form)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.buttons)
        (self.password_edit if user_id else self.user_edit).setFocus()
        self.busy = False
        self.resize(self.minimumWidth(), self.height())
        _fit_height(self)

    def _on_submit(self) -> None:
        if self.busy:
            return
        user_id, password = self.user_edit.text().strip(), self.password_edit.text()
        if not user_id or not password:
            self.show_reason(self.tr("Enter your user id and your password."))
            (self.user_edit if not user_id else self.password_edit).setFocus()
            return
        self.set_busy(True)
        self.submitted.emit(user_id, password)

    def set_busy(self, busy: bool) -> None:
        """While the password is checked: the fields and the button wait."""
        self.busy = busy
        for widget in (self.user_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not busy)
        self.sign_in_button.setText(self.tr("Signing in...") if busy else self.tr("Sign in"))
        if busy:
            self.reason_label.setVisible(False)

    def show_reason(self, text: str) -> None:
        """Show why the sign-in did not happen (the dialog stays open)."""
        self.reason_label.setText(text)
        self.reason_label.setVisible(True)
        _fit_height(self)

    def show_refusal(self, refusal: SignInRefusal) -> None:
        """The password check refused: say why, clear the password and let the user try again."""
        self.set_busy(False)
        self.password_edit.clear()
        self.show_reason(refusal_text(refusal))
        (self.user_edit if refusal.code == "unknown_user" else self.password_edit).setFocus()

    def show_error(self, info: ErrorInfo) -> None:
        """The check itself failed (e.g. the store cannot be opened): say so."""
        self.set_busy(False)
        self.password_edit.clear()
        self.show_reason(self.tr("Could not sign in: %1").replace("%1", error_line(info)))


class SetupDialog(QDialog):
    """Set up a store that has no users yet: its first administrator (what ``dvw setup`` does).

    Emits ``submitted`` when the entries are complete (the two passwords equal and long enough); the window reads
    them (:meth:`user_id`, :meth:`printed_name`, :meth:`qualification`, :meth:`password`) and sets the store up in
    the background, then signs the administrator in.
    """

    submitted = Signal()

    def __init__(self, store: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Set up this workstation"))
        self.setMinimumWidth(520)
        intro = QLabel(
            self.tr(
                "This store has no users yet. Set up its first user, the administrator: the administrator adds the "
                "other users and signs in here like anyone else. Every record names who made it."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.store_label = QLabel(self.tr("Store: %1").replace("%1", store), self)
        self.store_label.setWordWrap(True)
        self.store_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.user_edit = QLineEdit(self)
        self.user_edit.setPlaceholderText("admin1")
        self.user_edit.setToolTip(self.tr("2 to 32 lower-case letters, digits, dots, dashes or underscores"))
        self.name_edit = QLineEdit(self)
        self.name_edit.setToolTip(self.tr("The name printed with the administrator's records and signatures"))
        self.qualification_edit = QLineEdit(self)
        self.qualification_edit.setPlaceholderText(self.tr("optional"))
        self.qualification_edit.setToolTip(self.tr("A title or qualification printed with the signatures"))
        self.password_edit = _password_edit(self)
        self.password_edit.setToolTip(
            self.tr("At least %1 characters; it protects the administrator's signing key").replace(
                "%1", str(MIN_PASSWORD_LENGTH)
            )
        )
        self.repeat_edit = _password_edit(self)
        self.repeat_edit.setToolTip(self.tr("The same password again"))
        form = QFormLayout()
        form.addRow(self.tr("User id:"), self.user_edit)
        form.addRow(self.tr("Printed name:"), self.name_edit)
        form.addRow(self.tr("Qualification:"), self.qualification_edit)
        form.addRow(self.tr("Password:"), self.password_edit)
        form.addRow(self.tr("Repeat password:"), self.repeat_edit)
        self.reason_label = QLabel(self)
        self.reason_label.setWordWrap(True)
        self.reason_label.setStyleSheet(REFUSAL_STYLE)
        self.reason_label.setVisible(False)
        self.buttons = QDialogButtonBox(self)
        self.setup_button = self.buttons.addButton(self.tr("Set up"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.setup_button.setDefault(True)
        self.setup_button.setToolTip(self.tr("Make the administrator, with a signing key sealed by the password"))
        cancel = self.buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setToolTip(self.tr("Close; nothing can be recorded until the workstation is set up"))
        self.buttons.accepted.connect(self._on_submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.store_label)
        layout.addLayout(form)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.buttons)
        self.user_edit.setFocus()
        self.busy = False
        self.resize(self.minimumWidth(), self.height())
        _fit_height(self)

    def user_id(self) -> str:
        """The administrator's user id as typed (trimmed)."""
        return self.user_edit.text().strip()

    def printed_name(self) -> str:
        """The printed name as typed (trimmed)."""
        return self.name_edit.text().strip()

    def qualification(self) -> str | None:
        """The qualification, or None when empty."""
        return self.qualification_edit.text().strip() or None

    def password(self) -> str:
        """The password as typed."""
        return self.password_edit.text()

    def problem(self) -> str | None:
        """What is missing or wrong in the entries (translated), or None when they may be submitted."""
        from records.users import USER_ID_PATTERN  # noqa: PLC0415 - loaded before the dialog opens

        if USER_ID_PATTERN.fullmatch(self.user_id()) is None:
            return self.tr("The user id must be 2 to 32 lower-case letters, digits, dots, dashes or underscores.")
        if not self.printed_name():
            return self.tr("Enter the administrator's printed name.")
        if len(self.password()) < MIN_PASSWORD_LENGTH:
            return self.tr("The password must have at least %1 characters.").replace("%1", str(MIN_PASSWORD_LENGTH))
        if self.repeat_edit.text() != self.password():
            return self.tr("The two passwords differ.")
        return None

    def _on_submit(self) -> None:
        if self.busy:
            return
        problem = self.problem()
        if problem is not None:
            self.show_reason(problem)
            return
        self.set_busy(True)
        self.submitted.emit()

    def set_busy(self, busy: bool) -> None:
        """While the administrator is made: the fields and the button wait."""
        self.busy = busy
        edits = (self.user_edit, self.name_edit, self.qualification_edit, self.password_edit, self.repeat_edit)
        for widget in (*edits, self.setup_button):
            widget.setEnabled(not busy)
        self.setup_button.setText(self.tr("Setting up...") if busy else self.tr("Set up"))
        if busy:
            self.reason_label.setVisible(False)

    def show_reason(self, text: str) -> None:
        """Say why the set-up did not happen (the dialog stays open)."""
        self.reason_label.setText(text)
        self.reason_label.setVisible(True)
        _fit_height(self)

    def show_error(self, info: ErrorInfo) -> None:
        """The set-up was refused (e.g. someone set the store up meanwhile): say why."""
        self.set_busy(False)
        self.show_reason(self.tr("Could not set up: %1").replace("%1", error_line(info)))


class SettingsDialog(QDialog):
    """Store location, language and sync server; saved when accepted, and applied at once by the window."""

    def __init__(self, settings: GuiSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._settings = settings
        self.home_edit = QLineEdit(str(settings.home), self)
        self.home_edit.setToolTip(self.tr("Folder of the local store: records, artifacts, users and self-test results"))
        browse = QPushButton(self.tr("Browse..."), self)
        browse.setToolTip(self.tr("Choose the store folder"))
        browse.clicked.connect(self._on_browse_clicked)
        home_row = QHBoxLayout()
        home_row.addWidget(self.home_edit, 1)
        home_row.addWidget(browse)
        self.language_combo = QComboBox(self)
        for code, name in LANGUAGES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(settings.language)))
        self.language_combo.setToolTip(self.tr("The language of the window; it applies at once"))
        self.sync_edit = QLineEdit(settings.sync_server, self)
        self.sync_edit.setPlaceholderText("https://dvw.example.com")
        self.sync_edit.setToolTip(self.tr("The company's sync server (empty: this workstation works alone)"))
        self.lock_spin = QSpinBox(self)
        self.lock_spin.setRange(1, 60)
        self.lock_spin.setValue(max(1, min(60, round(settings.lock_after_s / 60.0))))
        self._lock_shown = self.lock_spin.value()
        self.lock_spin.setSuffix(self.tr(" min"))
        self.lock_spin.setToolTip(
            self.tr("Without use for this long the window locks and asks the signed-in user's password again")
        )
        form = QFormLayout()
        form.addRow(self.tr("Store folder:"), home_row)
        form.addRow(self.tr("Language:"), self.language_combo)
        form.addRow(self.tr("Sync server:"), self.sync_edit)
        form.addRow(self.tr("Lock after:"), self.lock_spin)
        note = QLabel(self.tr("A new language applies at once; not while a step is running."), self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _on_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Store folder"), self.home_edit.text())
        if folder:
            self.home_edit.setText(folder)

    def chosen_language(self) -> str:
        """The language code chosen in the dialog."""
        return str(self.language_combo.currentData())

    def set_language(self, code: str) -> None:
        """Choose the language ``code`` (a key of :data:`app.gui.i18n.LANGUAGES`)."""
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(code)))

    def save(self) -> None:
        """Write the chosen values to the settings."""
        self._settings.home = Path(self.home_edit.text().strip())
        self._settings.language = str(self.language_combo.currentData())
        self._settings.sync_server = self.sync_edit.text()
        if self.lock_spin.value() != self._lock_shown:  # unchanged: a time set elsewhere (e.g. seconds) is kept
            self._settings.lock_after_s = self.lock_spin.value() * 60.0
        self._settings.sync()


class JoinDialog(QDialog):
    """Join the company's sync server once: its address and the one-time token its administrator gave."""

    def __init__(self, server: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Join the sync server"))
        self.server_edit = QLineEdit(server, self)
        self.server_edit.setPlaceholderText("https://dvw.example.com")
        self.server_edit.setToolTip(self.tr("The address of the company's sync server"))
        self.token_edit = QLineEdit(self)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setToolTip(
            self.tr("The one-time enrolment token (dvw server enroll-site prints it on the server)")
        )
        form = QFormLayout()
        form.addRow(self.tr("Sync server:"), self.server_edit)
        form.addRow(self.tr("Enrolment token:"), self.token_edit)
        note = QLabel(
            self.tr(
                "This workstation makes its own key and enrols it with the token; the token works once. "
                "Patient identity never leaves this site."
            ),
            self,
        )
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.join_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.join_button.setText(self.tr("Join"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for edit in (self.server_edit, self.token_edit):
            edit.textChanged.connect(self._on_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._on_changed()

    def _on_changed(self) -> None:
        self.join_button.setEnabled(bool(self.server().strip()) and bool(self.token()))

    def server(self) -> str:
        """The server address as typed (trimmed)."""
        return self.server_edit.text().strip()

    def token(self) -> str:
        """The enrolment token as typed (trimmed)."""
        return self.token_edit.text().strip()


def _users_combo(parent: QWidget, users: Sequence[User], roles: frozenset[str] | None) -> QComboBox:
    combo = QComboBox(parent)
    for user in users:
        if user.enabled and (roles is None or user.role in roles):
            combo.addItem(f"{user.printed_name} ({user.user_id}, {role_text(user.role)})", user.user_id)
    return combo


def _select(combo: QComboBox, user_id: str | None) -> None:
    """Choose the signed-in user in a users combo when they are listed (else the first user stays chosen)."""
    if user_id is not None:
        combo.setCurrentIndex(max(0, combo.findData(user_id)))


class ReverificationDialog(QDialog):
    """Record how an out-of-envelope case was re-verified: method, result, justification, evidence, password."""

    def __init__(
        self, case: CaseState, users: Sequence[User], signed_in: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Record re-verification"))
        self.setMinimumWidth(520)
        intro = QLabel(
            self.tr("Case %1, revision %2: %3. Only an engineer or a quality user may record a re-verification.")
            .replace("%1", case.code)
            .replace("%2", str(case.revision))
            .replace("%3", verdict_text(case.verdict, case.state)),
            self,
        )
        intro.setWordWrap(True)
        self.user_combo = _users_combo(self, users, frozenset({"engineer", "quality"}))
        self.user_combo.setToolTip(self.tr("The engineer or quality user recording the re-verification"))
        _select(self.user_combo, signed_in)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setToolTip(self.tr("The user's password, re-entered for this record"))
        self.method_edit = QLineEdit(self)
        self.method_edit.setToolTip(self.tr('How the design was re-verified, e.g. "FEA of the 2.5 mm wall"'))
        self.result_combo = QComboBox(self)
        self.result_combo.addItem(self.tr("pass"), "pass")
        self.result_combo.addItem(self.tr("fail"), "fail")
        self.result_combo.setToolTip(self.tr("The re-verification's result"))
        self.justification_edit = QPlainTextEdit(self)
        self.justification_edit.setToolTip(self.tr("Why the result holds for this patient"))
        self.evidence_list = QListWidget(self)
        self.evidence_list.setToolTip(self.tr("Evidence files; each is stored and named by its SHA-256"))
        add = QPushButton(self.tr("Add evidence..."), self)
        add.setToolTip(self.tr("Attach a report or image as evidence"))
        add.clicked.connect(self._on_add_evidence_clicked)
        form = QFormLayout()
        form.addRow(self.tr("User:"), self.user_combo)
        form.addRow(self.tr("Password:"), self.password_edit)
        form.addRow(self.tr("Method:"), self.method_edit)
        form.addRow(self.tr("Result:"), self.result_combo)
        form.addRow(self.tr("Justification:"), self.justification_edit)
        form.addRow(self.tr("Evidence:"), self.evidence_list)
        form.addRow("", add)
        buttons = QDialogButtonBox(self)
        self.record_button = buttons.addButton(self.tr("Record"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.record_button.setToolTip(self.tr("Record the re-verification in the case's log"))
        cancel.setToolTip(self.tr("Close without recording anything"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.evidence: list[Path] = []

    def _on_add_evidence_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Evidence files"))
        for path in paths:
            self.add_evidence(Path(path))

    def add_evidence(self, path: Path) -> None:
        """Attach an evidence file."""
        self.evidence.append(path)
        self.evidence_list.addItem(path.name)


class SignDialog(QDialog):
    """Sign the case's current check: the sign-off checklist first, then exactly what the signature covers.

    The checklist (:func:`workflow.signoff.signoff_checklist`) is judged again whenever the meaning or the signer
    changes; the password and the Sign button wait until every item is met. Until the window has read the facts
    (:meth:`set_facts`) the checklist says it is reading them.
    """

    action_requested = Signal(str)  # a checklist button: a window action (workflow.signoff.ACTIONS) to take

    def __init__(
        self,
        case: CaseState,
        users: Sequence[User],
        manifest_id: str,
        signed_in: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sign case %1").replace("%1", case.code))
        self.setMinimumSize(640, 520)
        self._users = list(users)
        self._signed_in = signed_in
        self._facts: SignoffFacts | None = None
        self._roles = {user.user_id: user.role for user in users}
        checklist_heading = QLabel(self.tr("Before signing, every item must be met:"), self)
        self.checklist = SignoffChecklistView(self)
        self.checklist.action_requested.connect(self._on_checklist_action)
        heading = QLabel(self.tr("You are signing the following, exactly as shown:"), self)
        self.content_view = QPlainTextEdit(self)
        self.content_view.setReadOnly(True)
        self.content_view.setPlainText(self.signed_text(case, manifest_id))
        self.content_view.setToolTip(self.tr("The signature covers these values and the hashes of every input"))
        from records.signatures import MEANING_ROLES  # noqa: PLC0415

        self._meaning_roles = MEANING_ROLES
        self.meaning_combo = QComboBox(self)
        titles = {
            "design verification": self.tr("design verification"),
            "clinical design confirmation": self.tr("clinical design confirmation"),
            "re-verification approved": self.tr("re-verification approved"),
            "release": self.tr("release"),
        }
        for meaning in MEANING_ROLES:
            self.meaning_combo.addItem(titles.get(meaning, meaning), meaning)
        self.meaning_combo.setToolTip(self.tr("What your signature means; each meaning may be signed by some roles"))
        self.user_combo = QComboBox(self)
        self.user_combo.setToolTip(self.tr("The signer"))
        self.meaning_combo.currentIndexChanged.connect(self._on_meaning_changed)
        self.user_combo.currentIndexChanged.connect(self._judge)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setToolTip(self.tr("Your password: it unlocks your signing key"))
        form = QFormLayout()
        form.addRow(self.tr("Meaning:"), self.meaning_combo)
        form.addRow(self.tr("Signer:"), self.user_combo)
        form.addRow(self.tr("Password:"), self.password_edit)
        buttons = QDialogButtonBox(self)
        self.proposal_button = buttons.addButton(self.tr("Design proposal..."), QDialogButtonBox.ButtonRole.HelpRole)
        self.proposal_button.setToolTip(self.tr("Show the design proposal a clinical design confirmation signs"))
        self.proposal_button.clicked.connect(lambda: self.action_requested.emit(SHOW_PROPOSAL))
        self.sign_button = buttons.addButton(self.tr("Sign"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_button.setToolTip(self.tr("Sign with your key; the signature is recorded in the case's log"))
        cancel.setToolTip(self.tr("Close without signing"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(checklist_heading)
        layout.addWidget(self.checklist)
        layout.addWidget(heading)
        layout.addWidget(self.content_view, 1)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._on_meaning_changed()

    def set_facts(self, facts: SignoffFacts) -> None:
        """The store's facts about signing this case (read by the window in the background): judge the checklist."""
        self._facts = facts
        self._judge()

    def show_reading(self) -> None:
        """The facts are being read again (e.g. after the self-test): the checklist says so and signing waits."""
        self._facts = None
        self.checklist.show_reading()
        self._judge()

    def ready(self) -> bool:
        """Whether every item of the checklist is met (the password and Sign are enabled then)."""
        from workflow.signoff import all_met  # noqa: PLC0415

        return self._facts is not None and all_met(self.checklist.items)

    def _judge(self) -> None:
        from workflow.signoff import SignoffRequest, signoff_checklist  # noqa: PLC0415

        if self._facts is not None:
            signer = self.user_combo.currentData()
            request = SignoffRequest(str(self.meaning_combo.currentData()), self._roles.get(str(signer)))
            self.checklist.set_items(signoff_checklist(self._facts, request))
        ready = self.ready()
        self.password_edit.setEnabled(ready)
        self.sign_button.setEnabled(ready)

    def _on_checklist_action(self, action: str) -> None:
        from workflow.signoff import CHOOSE_SIGNER  # noqa: PLC0415

        if action == CHOOSE_SIGNER:
            (self.user_combo if self.user_combo.count() > 1 else self.meaning_combo).setFocus()
            return
        self.action_requested.emit(action)

    def _on_meaning_changed(self) -> None:
        roles = self._meaning_roles.get(str(self.meaning_combo.currentData()), frozenset())
        self.user_combo.clear()
        for user in self._users:
            if user.enabled and user.role in roles:
                self.user_combo.addItem(f"{user.printed_name} ({user.user_id}, {role_text(user.role)})", user.user_id)
        _select(self.user_combo, self._signed_in)
        self._judge()

    def set_meaning(self, meaning: str) -> None:
        """Choose the meaning (a key of :data:`records.signatures.MEANING_ROLES`)."""
        self.meaning_combo.setCurrentIndex(max(0, self.meaning_combo.findData(meaning)))

    def signed_text(self, case: CaseState, manifest_id: str) -> str:
        """The values the signature will cover, one per line (the signer, meaning and time are added on signing)."""
        check = case.check.payload if case.check is not None else {}
        envelope = check.get("envelope", {}) if isinstance(check.get("envelope"), dict) else {}
        lines = [
            self.tr("Case: %1, revision %2").replace("%1", case.code).replace("%2", str(case.revision)),
            self.tr("State: %1").replace("%1", state_text(case.state)),
            self.tr("Verdict: %1").replace("%1", verdict_text(case.verdict, case.state)),
            self.tr("Envelope: %1 %2, SHA-256 %3")
            .replace("%1", str(envelope.get("id", "-")))
            .replace("%2", str(envelope.get("version", "-")))
            .replace("%3", str(envelope.get("sha256", "-"))),
            self.tr("Parameters SHA-256: %1").replace("%1", str(check.get("parameters_sha256", "-"))),
            self.tr("Software manifest: %1").replace("%1", manifest_id),
        ]
        if case.check is not None:
            lines.append(
                self.tr("Check event: %1 (hash %2)").replace("%1", case.check.event_id).replace("%2", case.check.hash)
            )
        if case.proposal is not None:
            lines.append(
                self.tr("Design proposal: SHA-256 %1").replace("%1", str(case.proposal.payload.get("proposal_sha256")))
            )
        if case.reverification is not None:
            payload = case.reverification.payload
            lines.append(
                self.tr("Re-verification: %1 by %2 (%3)")
                .replace("%1", result_text(str(payload.get("result", "-"))))
                .replace("%2", str(payload.get("method", "-")))
                .replace("%3", case.reverification.event_id)
            )
        lines.append(self.tr("Inputs (SHA-256):"))
        lines += [f"  {input_text(name)}: {sha}" for name, sha in sorted(case.inputs.items())]
        from workflow.check_table import check_rows  # noqa: PLC0415 - the registry loads after the window opens

        rows = [row for row in check_rows(check) if row.kind == "parameter"]
        if rows:
            lines.append(self.tr("Parameters:"))
            for row in rows:
                # As the check table shows them: the plain title, the rounded value, the unit as people write it,
                # the status in words (the values themselves are covered by the parameters' SHA-256 above).
                title = QCoreApplication.translate("ParameterTitles", row.title)
                value = " ".join(part for part in (row.value or "-", unit_word(row.unit)) if part)
                lines.append(f"  {title}: {value} [{status_text(row.status)}]")
        return "\n".join(lines)
