"""What covers the window while nobody may work in it, and the watch that locks it after inactivity.

:class:`LockView` takes the place of the window's content (the case bar, the steps, the slice and 3D views) while
the store opens, while it waits for its first administrator, while nobody is signed in, and when the window is
locked. It is a page of the window's central stack rather than a widget laid over the content: the 3D view is a
native window, which would show through any widget drawn over it.

:class:`InactivityWatch` follows the user's input in every window of the application (keys, clicks, mouse moves,
wheel, touch) and says when there has been none for the lock time (Part 11: a workstation left alone asks for the
password again). Background jobs are not use: a long step may finish while the window is locked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QWindow
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.gui.dialogs import REFUSAL_STYLE
from app.gui.widgets import error_line, refusal_text, role_text

if TYPE_CHECKING:
    from app.gui.access import SignInRefusal
    from app.workers import ErrorInfo
    from records.users import User

OPENING = "opening"
SETUP = "setup"
SIGNED_OUT = "signed_out"
LOCKED = "locked"

_CARD_WIDTH = 480


class LockView(QWidget):
    """The window's cover: opening the store, set-up, signed out, or locked (unlock with the password).

    Signals: ``unlock_requested(str)`` with the password typed (Enter or Unlock), ``sign_in_requested()`` (the
    sign-in dialog: nobody is signed in, or another user signs in), ``setup_requested()`` (the set-up dialog).
    """

    unlock_requested = Signal(str)
    sign_in_requested = Signal()
    setup_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - the card's widgets in one place
        super().__init__(parent)
        self.setObjectName("lockView")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # a plain QWidget paints no style sheet
        self.setStyleSheet(
            "QWidget#lockView { background: #dfe5ee; }"
            " QFrame#lockCard { background: white; border: 1px solid #b8c2d0; border-radius: 6px; }"
        )
        self.mode = OPENING
        card = QFrame(self)
        card.setObjectName("lockCard")
        card.setFixedWidth(_CARD_WIDTH)
        self.title_label = QLabel(card)
        font = QFont()
        font.setPointSize(15)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.user_label = QLabel(card)  # who locked the window (locked mode only)
        bold = QFont()
        bold.setBold(True)
        self.user_label.setFont(bold)
        self.user_label.setWordWrap(True)
        self.message_label = QLabel(card)
        self.message_label.setWordWrap(True)
        self.password_edit = QLineEdit(card)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("password"))
        self.password_edit.setToolTip(self.tr("The password of the user who locked the window; Enter unlocks"))
        self.password_edit.returnPressed.connect(self._on_unlock_clicked)
        self.unlock_button = QPushButton(self.tr("Unlock"), card)
        self.unlock_button.setToolTip(self.tr("Check the password and continue where the work was left"))
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._on_unlock_clicked)
        password_row = QHBoxLayout()
        password_row.addWidget(self.password_edit, 1)
        password_row.addWidget(self.unlock_button)
        self.reason_label = QLabel(card)
        self.reason_label.setWordWrap(True)
        self.reason_label.setStyleSheet(REFUSAL_STYLE)
        self.sign_in_button = QPushButton(card)
        self.sign_in_button.clicked.connect(self._on_sign_in_clicked)
        self.setup_button = QPushButton(self.tr("Set up..."), card)
        self.setup_button.setToolTip(self.tr("Set up the store's first administrator"))
        self.setup_button.clicked.connect(self.setup_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.setup_button)
        buttons.addWidget(self.sign_in_button)
        column = QVBoxLayout(card)
        column.setContentsMargins(28, 24, 28, 24)
        column.setSpacing(12)
        column.addWidget(self.title_label)
        column.addWidget(self.user_label)
        column.addWidget(self.message_label)
        column.addLayout(password_row)
        column.addWidget(self.reason_label)
        column.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.card = card
        self.show_opening("")

    # ------------------------------------------------------------------ modes

    def _set_mode(self, mode: str, title: str, message: str) -> None:
        self.mode = mode
        self.title_label.setText(title)
        self.message_label.setText(message)
        locked = mode == LOCKED
        self.user_label.setVisible(locked)
        self.password_edit.setVisible(locked)
        self.unlock_button.setVisible(locked)
        self.password_edit.clear()
        self.reason_label.clear()
        self.reason_label.setVisible(False)
        self.setup_button.setVisible(mode == SETUP)
        self.sign_in_button.setVisible(mode in (SIGNED_OUT, LOCKED))
        self.set_busy(False)
        if locked:
            self.sign_in_button.setText(self.tr("Sign in as another user..."))
            self.sign_in_button.setToolTip(
                self.tr("Another user signs in; the open case is closed and its work not yet checked is not kept")
            )
        else:
            self.sign_in_button.setText(self.tr("Sign in..."))
            self.sign_in_button.setToolTip(self.tr("Sign in with your user id and password"))

    def show_opening(self, store: str) -> None:
        """The store is being opened (the window's first second)."""
        self._set_mode(OPENING, self.tr("Opening the store..."), store)

    def show_store_problem(self, store: str, problem: str) -> None:
        """The store cannot be opened (choose another folder in Settings)."""
        self._set_mode(
            OPENING,
            self.tr("The store cannot be opened"),
            self.tr("%1: %2. Choose another store folder in Settings.").replace("%1", store).replace("%2", problem),
        )

    def show_setup(self, store: str) -> None:
        """The store has no users yet: its administrator must be set up first."""
        self._set_mode(
            SETUP,
            self.tr("Set up this workstation"),
            self.tr("The store %1 has no users yet. Set up its first administrator to start.").replace("%1", store),
        )

    def show_signed_out(self, store: str) -> None:
        """Nobody is signed in."""
        self._set_mode(
            SIGNED_OUT,
            self.tr("Nobody is signed in"),
            self.tr("Sign in to work with the cases of the store %1. Every record names who made it.").replace(
                "%1", store
            ),
        )

    def show_locked(self, user: User, idle_minutes: float | None) -> None:
        """The window is locked: ``user`` may unlock it with their password (another user may sign in)."""
        if idle_minutes is None:
            why = self.tr("The window was locked.")
        elif idle_minutes < 1.0:
            why = self.tr("The window locked after less than a minute without use.")
        else:
            why = self.tr("The window locked after %1 minutes without use.").replace("%1", str(round(idle_minutes)))
        # One sentence after the other: with a space in English, none after a Chinese full stop.
        message = self.tr("%1 Enter the password to continue.").replace("%1", why)
        self._set_mode(LOCKED, self.tr("Locked"), message)
        self.user_label.setText(
            self.tr("%1 (%2, %3)", "printed name (user id, role)")
            .replace("%1", user.printed_name)
            .replace("%2", user.user_id)
            .replace("%3", role_text(user.role))
        )
        self.password_edit.setFocus()

    # ------------------------------------------------------------------ answers

    def set_busy(self, busy: bool) -> None:
        """While the password is checked."""
        for widget in (self.password_edit, self.unlock_button, self.sign_in_button, self.setup_button):
            widget.setEnabled(not busy)
        self.unlock_button.setText(self.tr("Checking...") if busy else self.tr("Unlock"))

    def show_reason(self, text: str) -> None:
        """Say why the window stays locked."""
        self.reason_label.setText(text)
        self.reason_label.setVisible(True)

    def show_refusal(self, refusal: SignInRefusal) -> None:
        """The password was refused: say why; the password field is cleared for another try."""
        self.set_busy(False)
        self.password_edit.clear()
        self.show_reason(refusal_text(refusal))
        self.password_edit.setFocus()

    def show_error(self, info: ErrorInfo) -> None:
        """The check itself failed (e.g. the store cannot be opened)."""
        self.set_busy(False)
        self.password_edit.clear()
        self.show_reason(self.tr("Could not sign in: %1").replace("%1", error_line(info)))

    def _on_unlock_clicked(self) -> None:
        if self.mode != LOCKED or not self.unlock_button.isEnabled():
            return
        password = self.password_edit.text()
        if not password:
            self.show_reason(self.tr("Enter the password."))
            return
        self.set_busy(True)
        self.reason_label.setVisible(False)
        self.unlock_requested.emit(password)

    def _on_sign_in_clicked(self) -> None:
        self.sign_in_requested.emit()


#: The events that are the user's input (presence at the workstation).
_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class InactivityWatch(QObject):
    """Emits ``idle`` after :meth:`start`'s time passes without the user's input in any window of the application.

    The user's input reaches a top-level window (``QWindow``) before the widget it is for, so an event filter on
    each window sees all of it; each input event restarts a single-shot timer. The windows are few and see few other
    events, unlike a filter on the application, which every event of every widget (paints, layouts, timers) would
    pass through. Dialogs opened later are watched from when they first get the focus.
    """

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self._installed = False

    @property
    def active(self) -> bool:
        """Whether the watch is counting (someone is signed in)."""
        return self._timer.isActive()

    def start(self, seconds: float) -> None:
        """Count ``seconds`` of inactivity from now (again from each input)."""
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication) and not self._installed:
            for window in app.topLevelWindows():
                window.installEventFilter(self)
            app.focusWindowChanged.connect(self._on_focus_window_changed)
            self._installed = True
        self._timer.start(max(1, round(seconds * 1000.0)))

    def stop(self) -> None:
        """Stop counting (the window is locked, signed out or closing)."""
        self._timer.stop()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication) and self._installed:
            app.focusWindowChanged.disconnect(self._on_focus_window_changed)
            for window in app.topLevelWindows():
                window.removeEventFilter(self)
            self._installed = False

    def _on_focus_window_changed(self, window: QWindow | None) -> None:
        if window is not None:
            window.installEventFilter(self)  # installing it again on a watched window changes nothing

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Restart the count on the user's input; never consumes an event."""
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False
