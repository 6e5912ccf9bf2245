"""Helpers shared by the GUI tests: signing in through the window, the sample envelope, the event-loop watchdog.

The test workstations are ``tests/people.py``'s: an administrator, an engineer, a clinician and a quality user with
a passed self-test recorded for this software (the ``people_home`` fixture copies one such home per test).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback

from people import USERS, password_of
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from app.gui.main_window import MainView
from app.gui.settings import GuiSettings

#: The engineer who works in the window in most tests, and their printed name.
ENGINEER = "eng1"
ENGINEER_NAME = USERS[ENGINEER][1]
#: Sign-in checks a password with Argon2 twice (about a second each on a busy machine).
SIGN_IN_TIMEOUT_MS = 60_000


def sign_in(qtbot: QtBot, window: MainView, user_id: str = ENGINEER, password: str | None = None) -> None:
    """Sign in through the window's sign-in dialog as a user does: type the id and password, press Enter."""
    qtbot.waitUntil(
        lambda: window.sign_in_dialog is not None and window.sign_in_dialog.isVisible(), timeout=SIGN_IN_TIMEOUT_MS
    )
    dialog = window.sign_in_dialog
    assert dialog is not None
    dialog.user_edit.setText(user_id)
    dialog.password_edit.setText(password_of(user_id) if password is None else password)
    with qtbot.waitSignal(window.session_model.changed, timeout=SIGN_IN_TIMEOUT_MS):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    user = window.session_model.user
    assert user is not None
    assert user.user_id == user_id


def open_window(qtbot: QtBot, settings: GuiSettings, user_id: str | None = ENGINEER) -> MainView:
    """A window on ``settings``' store, shown, signed in as ``user_id`` (None: not signed in), libraries loaded."""
    window = MainView(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    if user_id is not None:
        sign_in(qtbot, window, user_id)
    qtbot.waitUntil(lambda: not window.warmup_worker.running, timeout=SIGN_IN_TIMEOUT_MS)
    return window


def _dump_stalls(watchdog: Watchdog) -> None:
    """With DVW_STALL_DEBUG set: print the GUI thread's stack whenever its timer has not run for a while.

    ``DVW_STALL_DEBUG=1`` reports stalls over 150 ms; a larger number is the threshold in ms (e.g. 80).
    ``DVW_STALL_DEPTH`` is how many frames of the GUI thread's stack to print (12).
    """
    main = threading.main_thread().ident
    setting = os.environ.get("DVW_STALL_DEBUG", "1")
    threshold = float(setting) / 1000.0 if setting.isdigit() and int(setting) > 1 else 0.15
    depth = int(os.environ.get("DVW_STALL_DEPTH", "12"))  # frames of the stack to print
    while watchdog.timer_running:
        time.sleep(0.01)
        stale = time.perf_counter() - watchdog.last
        if stale > threshold and main is not None:
            frame = sys._current_frames().get(main)
            stack = "".join(traceback.format_stack(frame, limit=depth)) if frame is not None else "?"
            sys.stderr.write(f"--- GUI thread stalled {stale * 1000:.0f} ms in {watchdog.phase}:\n{stack}\n")


class Watchdog:
    """Measures how long the GUI thread's event loop goes without running a 20 ms timer, per named phase."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._on_tick)
        self.last = 0.0
        self.phase = "idle"
        self.gaps_ms: dict[str, float] = {}
        self.timer_running = False

    def start(self, phase: str) -> None:
        self.phase = phase
        self.last = time.perf_counter()
        self.timer.start()
        self.timer_running = True
        if os.environ.get("DVW_STALL_DEBUG"):
            threading.Thread(target=_dump_stalls, args=(self,), daemon=True).start()

    def mark(self, phase: str) -> None:
        self._on_tick()
        self.phase = phase

    def _on_tick(self) -> None:
        now = time.perf_counter()
        gap = (now - self.last) * 1000.0
        self.gaps_ms[self.phase] = max(self.gaps_ms.get(self.phase, 0.0), gap)
        self.last = now

    def stop(self) -> dict[str, float]:
        self._on_tick()
        self.timer.stop()
        self.timer_running = False
        return dict(self.gaps_ms)
