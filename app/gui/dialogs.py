"""Dialogs: settings, recording a re-verification, and signing (showing exactly what is signed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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
    QVBoxLayout,
    QWidget,
)

from app.gui.i18n import LANGUAGES
from app.gui.settings import GuiSettings
from app.gui.widgets import state_text, verdict_text

if TYPE_CHECKING:
    from records.cases import CaseState
    from records.users import User


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
        form = QFormLayout()
        form.addRow(self.tr("Store folder:"), home_row)
        form.addRow(self.tr("Language:"), self.language_combo)
        form.addRow(self.tr("Sync server:"), self.sync_edit)
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
            combo.addItem(f"{user.printed_name} ({user.user_id}, {user.role})", user.user_id)
    return combo


class ReverificationDialog(QDialog):
    """Record how an out-of-envelope case was re-verified: method, result, justification, evidence, password."""

    def __init__(self, case: CaseState, users: Sequence[User], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Record re-verification"))
        self.setMinimumWidth(520)
        intro = QLabel(
            self.tr("Case %1, revision %2: %3. Only an engineer or a quality user may record a re-verification.")
            .replace("%1", case.code)
            .replace("%2", str(case.revision))
            .replace("%3", verdict_text(case.verdict)),
            self,
        )
        intro.setWordWrap(True)
        self.user_combo = _users_combo(self, users, frozenset({"engineer", "quality"}))
        self.user_combo.setToolTip(self.tr("The engineer or quality user recording the re-verification"))
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
    """Sign the case's current check: shows exactly what the signature covers, asks for the password."""

    def __init__(self, case: CaseState, users: Sequence[User], manifest_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sign case %1").replace("%1", case.code))
        self.setMinimumSize(640, 520)
        self._users = list(users)
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
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setToolTip(self.tr("Your password: it unlocks your signing key"))
        form = QFormLayout()
        form.addRow(self.tr("Meaning:"), self.meaning_combo)
        form.addRow(self.tr("Signer:"), self.user_combo)
        form.addRow(self.tr("Password:"), self.password_edit)
        buttons = QDialogButtonBox(self)
        self.sign_button = buttons.addButton(self.tr("Sign"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_button.setToolTip(self.tr("Sign with your key; the signature is recorded in the case's log"))
        cancel.setToolTip(self.tr("Close without signing"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.content_view, 1)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._on_meaning_changed()

    def _on_meaning_changed(self) -> None:
        roles = self._meaning_roles.get(str(self.meaning_combo.currentData()), frozenset())
        self.user_combo.clear()
        for user in self._users:
            if user.enabled and user.role in roles:
                self.user_combo.addItem(f"{user.printed_name} ({user.user_id}, {user.role})", user.user_id)

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
            self.tr("Verdict: %1").replace("%1", verdict_text(case.verdict)),
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
        if case.reverification is not None:
            payload = case.reverification.payload
            lines.append(
                self.tr("Re-verification: %1 by %2 (%3)")
                .replace("%1", str(payload.get("result", "-")))
                .replace("%2", str(payload.get("method", "-")))
                .replace("%3", case.reverification.event_id)
            )
        lines.append(self.tr("Inputs (SHA-256):"))
        lines += [f"  {name}: {sha}" for name, sha in sorted(case.inputs.items())]
        results = check.get("results", [])
        if isinstance(results, list) and results:
            lines.append(self.tr("Parameters:"))
            for item in results:
                value, unit = item.get("value"), item.get("unit", "")
                shown = "-" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
                lines.append(f"  {item.get('name')}: {shown} {unit} [{item.get('status')}]")
        return "\n".join(lines)
