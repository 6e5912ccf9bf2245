"""Signing in to the window (Part 11, ALCOA+ "attributable"): refusals with their reason and recorded, the lockout,
the set-up of a new store's administrator, the lock after inactivity, and a job started before the lock recorded by
who started it. Real windows under Xvfb; every assertion on the records reads the store.
"""

from __future__ import annotations

import pickle
import re
import shutil
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest
from gui_support import (
    ENGINEER,
    ENGINEER_NAME,
    SIGN_IN_TIMEOUT_MS,
    open_window,
    sign_in,
)
from people import USERS, password_of
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot
from sample_pipeline import ENVELOPE, PipelineResults

from app.gui.access import SignInRefusal
from app.gui.i18n import install_language
from app.gui.lock_view import LOCKED
from app.gui.main_window import MainView
from app.gui.models import SIGNED_IN
from app.gui.settings import GuiSettings
from app.gui.widgets import refusal_text
from app.workers import TaskWorker
from app.workers.worker import holds_a_key
from records.identity import LOCKOUT_WINDOW, MAX_FAILED_SIGN_INS, SIGN_IN_FAILED
from records.store import Store
from records.users import load_users
from workflow import record, steps

CJK = re.compile(r"[\u4e00-\u9fff]")


def _shown_window(qtbot: QtBot, settings: GuiSettings) -> MainView:
    window = MainView(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _failures(home: Path, user_id: str) -> int:
    with Store.open(home) as store:
        return sum(1 for e in store.events() if e.kind == SIGN_IN_FAILED and e.payload.get("user_id") == user_id)


def _submit(qtbot: QtBot, window: MainView, user_id: str, password: str) -> None:
    """Type into the sign-in dialog, press Enter, wait for the password check's answer."""
    dialog = window.sign_in_dialog
    assert dialog is not None
    dialog.user_edit.setText(user_id)
    dialog.password_edit.setText(password)
    with qtbot.waitSignal(window.access_worker.finished, timeout=SIGN_IN_TIMEOUT_MS):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)


def test_wrong_passwords_are_refused_with_the_reason_recorded_and_five_lock_the_account(
    qtbot: QtBot, gui_settings: GuiSettings
) -> None:
    window = _shown_window(qtbot, gui_settings)
    qtbot.waitUntil(lambda: window.sign_in_dialog is not None and window.sign_in_dialog.isVisible(), timeout=60_000)
    dialog = window.sign_in_dialog
    assert dialog is not None
    assert window.pages.currentWidget() is window.lock_view  # nothing of the content before someone signs in
    assert not window.open_folder_action.isEnabled()

    # An unknown user: said so, nothing recorded against anyone.
    _submit(qtbot, window, "nobody", "whatever-password")
    assert dialog.reason_label.isVisible()
    assert dialog.reason_label.text() == "There is no user nobody on this workstation."

    # A wrong password: refused with the reason, recorded as sign_in_failed (read from the store).
    _submit(qtbot, window, ENGINEER, "not-my-password")
    assert dialog.isVisible()
    assert dialog.reason_label.text().startswith(f"Wrong password for {ENGINEER}.")
    assert "5 wrong passwords within 15 minutes lock the account" in dialog.reason_label.text()
    assert dialog.password_edit.text() == ""  # typed again, never kept
    assert window.session_model.session is None
    assert window.pages.currentWidget() is window.lock_view
    assert _failures(gui_settings.home, ENGINEER) == 1
    assert "Traceback" not in dialog.reason_label.text()

    # Five within the window lock the account: the dialog says until when (local time, as the store records it).
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        _submit(qtbot, window, ENGINEER, "still-not-it")
    assert _failures(gui_settings.home, ENGINEER) == MAX_FAILED_SIGN_INS
    with Store.open(gui_settings.home) as store:
        until = store.directory().locked_until(store.site_id, ENGINEER, datetime.now().astimezone())
    assert until is not None
    assert until - datetime.now().astimezone() <= LOCKOUT_WINDOW
    expected = f"until {until.astimezone().strftime('%H:%M')}"
    assert "is locked after too many wrong passwords" in dialog.reason_label.text()
    assert expected in dialog.reason_label.text()
    # Even the right password is refused now, with the same reason; the lockout is not another failure.
    _submit(qtbot, window, ENGINEER, password_of(ENGINEER))
    assert window.session_model.session is None
    assert expected in dialog.reason_label.text()
    assert _failures(gui_settings.home, ENGINEER) == MAX_FAILED_SIGN_INS
    # Another user is not locked.
    sign_in(qtbot, window, "clin1")
    assert window.pages.currentWidget() is window.central
    with Store.open(gui_settings.home) as store:
        assert store.verify().ok


def test_the_right_password_opens_the_window_and_the_case_bar_names_the_user(
    qtbot: QtBot, gui_settings: GuiSettings, tmp_path: Path
) -> None:
    window = open_window(qtbot, gui_settings, ENGINEER)
    assert window.pages.currentWidget() is window.central
    assert window.user_label.text() == f"Signed in: {ENGINEER_NAME} (Engineer)"
    assert window.user_label.isVisible()
    assert window.open_folder_action.isEnabled()
    assert gui_settings.last_user == ENGINEER
    # What the user records names them, attested by their key.
    window.cases_panel.code_edit.setText("SIGNED-1")
    qtbot.mouseClick(window.cases_panel.new_button, Qt.MouseButton.LeftButton)
    assert window.case_model.code == "SIGNED-1"
    with Store.open(gui_settings.home) as store:
        created = store.case("SIGNED-1").events[0]
        assert (created.kind, created.actor) == ("case_created", ENGINEER)
        assert created.attestation
        assert store.verify().ok
    # Neither the password nor anything of the session reaches the settings file.
    gui_settings.sync()
    written = (tmp_path / "settings.ini").read_text(encoding="utf-8")
    assert password_of(ENGINEER) not in written
    assert "PRIVATE" not in written.upper()
    # The session never leaves this process: it does not pickle, and a job for the worker process carrying it is
    # refused before anything is sent.
    session = window.session_model.session
    assert session is not None
    with pytest.raises(TypeError):
        pickle.dumps(session)
    assert holds_a_key(partial(steps.record_measured_check, None, session))
    assert not holds_a_key(partial(steps.measure_design, gui_settings.home))
    worker = TaskWorker("leak", window, isolated=True)
    with pytest.raises(TypeError, match="never leaves the GUI process"):
        worker.start(partial(record.run_selftest, gui_settings.home, session))
    # Sign out: the session is dropped, the case closed, the sign-in asked again.
    window.sign_out()
    assert window.session_model.session is None
    assert window.case_model.code is None
    assert window.pages.currentWidget() is window.lock_view
    assert window.sign_in_dialog is not None
    assert window.sign_in_dialog.isVisible()
    assert window.sign_in_dialog.user_edit.text() == ENGINEER  # the last user id is offered, never a password


def test_a_new_store_sets_up_its_administrator(qtbot: QtBot, new_store_settings: GuiSettings) -> None:
    window = _shown_window(qtbot, new_store_settings)
    qtbot.waitUntil(lambda: window.setup_dialog is not None and window.setup_dialog.isVisible(), timeout=60_000)
    dialog = window.setup_dialog
    assert dialog is not None
    assert window.sign_in_dialog is None  # nobody to sign in yet
    assert window.lock_view.setup_button.isVisible()
    dialog.user_edit.setText("Admin 1")
    dialog.name_edit.setText("Ada Admin")
    dialog.password_edit.setText("admin-password-1")
    dialog.repeat_edit.setText("admin-password-1")
    qtbot.mouseClick(dialog.setup_button, Qt.MouseButton.LeftButton)
    assert "user id must be 2 to 32" in dialog.reason_label.text()
    dialog.user_edit.setText("admin1")
    dialog.repeat_edit.setText("admin-password-2")
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    assert dialog.reason_label.text() == "The two passwords differ."
    dialog.password_edit.setText("short")
    dialog.repeat_edit.setText("short")
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    assert dialog.reason_label.text() == "The password must have at least 8 characters."
    assert window.session_model.session is None
    dialog.password_edit.setText("admin-password-1")
    dialog.repeat_edit.setText("admin-password-1")
    dialog.qualification_edit.setText("Quality manager")
    with qtbot.waitSignal(window.session_model.changed, timeout=SIGN_IN_TIMEOUT_MS):
        qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert window.pages.currentWidget() is window.central
    assert window.user_label.text() == "Signed in: Ada Admin (Administrator)"
    # What dvw setup records: the administrator's own user_added event, attested by the new key.
    with Store.open(new_store_settings.home) as store:
        users = load_users(store)
        assert list(users) == ["admin1"]
        assert (users["admin1"].role, users["admin1"].qualification) == ("admin", "Quality manager")
        events = store.events()
        assert [(e.kind, e.actor) for e in events] == [("user_added", "admin1")]
        assert store.verify().ok


def test_inactivity_locks_the_window_and_the_password_unlocks_it(qtbot: QtBot, gui_settings: GuiSettings) -> None:
    window = open_window(qtbot, gui_settings, ENGINEER)
    window.cases_panel.code_edit.setText("IDLE-1")
    qtbot.mouseClick(window.cases_panel.new_button, Qt.MouseButton.LeftButton)
    assert window.case_model.code == "IDLE-1"
    # The lock time is a setting (15 minutes by default); here two seconds, applied when the settings are accepted.
    assert gui_settings.lock_after_s == 15 * 60.0
    gui_settings.lock_after_s = 2.0
    window.open_settings().accept()
    assert window.inactivity.active
    # Use keeps it unlocked: mouse moves over the window for longer than the lock time (sent as the window system
    # sends them, to the window first).
    for step in range(30):
        QTest.mouseMove(window.windowHandle(), QPoint(200 + step, 40))
        qtbot.wait(100)
    assert window.session_model.state == SIGNED_IN
    # Without use it locks: the session is dropped, the content covered, the open dialogs closed.
    settings_dialog = window.open_settings()
    qtbot.waitUntil(lambda: window.session_model.session is None, timeout=10_000)
    assert not settings_dialog.isVisible()
    assert window.pages.currentWidget() is window.lock_view
    assert window.lock_view.mode == LOCKED
    assert window.session_model.locked_user is not None
    assert window.session_model.locked_user.user_id == ENGINEER
    assert ENGINEER_NAME in window.lock_view.user_label.text()
    assert "without use" in window.lock_view.message_label.text()
    assert not window.open_folder_action.isEnabled()
    assert not window.settings_action.isEnabled()  # nobody changes the store folder at a locked window
    assert window.case_model.code == "IDLE-1"  # the work waits for its user
    # A wrong password keeps it locked, with the reason, and is recorded.
    window.lock_view.password_edit.setText("not-my-password")
    with qtbot.waitSignal(window.access_worker.finished, timeout=SIGN_IN_TIMEOUT_MS):
        qtbot.keyClick(window.lock_view.password_edit, Qt.Key.Key_Return)
    assert window.session_model.session is None
    assert window.lock_view.reason_label.text().startswith(f"Wrong password for {ENGINEER}.")
    assert _failures(gui_settings.home, ENGINEER) == 1
    # The password unlocks: the same user, the same case, the content again.
    gui_settings.lock_after_s = 15 * 60.0  # no second lock while the test looks
    window.lock_view.password_edit.setText(password_of(ENGINEER))
    with qtbot.waitSignal(window.session_model.changed, timeout=SIGN_IN_TIMEOUT_MS):
        qtbot.keyClick(window.lock_view.password_edit, Qt.Key.Key_Return)
    assert window.session_model.state == SIGNED_IN
    assert window.session_model.user is not None
    assert window.session_model.user.user_id == ENGINEER
    assert window.pages.currentWidget() is window.central
    assert window.case_model.code == "IDLE-1"
    # Locked by hand (File > Lock), then another user signs in: the open case is closed cleanly.
    window.lock_action.trigger()
    assert window.session_model.state == LOCKED
    qtbot.mouseClick(window.lock_view.sign_in_button, Qt.MouseButton.LeftButton)
    dialog = window.sign_in_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert "the open case is closed" in dialog.note_label.text()
    assert dialog.user_edit.text() == ""
    sign_in(qtbot, window, "qa1")
    assert window.case_model.code is None
    assert window.workspace.imported is None
    assert window.user_label.text() == f"Signed in: {USERS['qa1'][1]} (Quality)"


def test_a_check_started_before_the_lock_is_recorded_by_who_started_it(
    qtbot: QtBot, pipeline: PipelineResults, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(pipeline.home, home)
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(home))
    window = open_window(qtbot, settings, ENGINEER)
    window.cases_panel.code_edit.setText("LOCK-1")
    qtbot.mouseClick(window.cases_panel.new_button, Qt.MouseButton.LeftButton)
    window.apply_results(imported=pipeline.imported, anatomy=pipeline.anatomy, design=pipeline.designs["thin"])
    check = window.check_panel
    check.select_envelope(ENVELOPE)
    window.show_step("check")
    qtbot.mouseClick(check.check_button, Qt.MouseButton.LeftButton)
    assert check.check_worker.running
    # The engineer walks away; the quality user signs in at the locked window while the check still runs.
    window.switch_user()
    assert window.session_model.session is None
    sign_in(qtbot, window, "qa1")
    assert window.case_model.code is None
    qtbot.waitUntil(lambda: not check.check_worker.running and not check.record_worker.running, timeout=180_000)
    assert window.last_error is None
    # Recorded with the session it started with: the engineer's, attested by the engineer's key.
    with Store.open(home) as store:
        case = store.case("LOCK-1")
        assert [(e.kind, e.actor) for e in case.events] == [
            ("case_created", ENGINEER),
            ("inputs_added", ENGINEER),
            ("check_run", ENGINEER),
        ]
        assert store.verify().ok
    # Not shown as the quality user's work: the case was closed when she signed in.
    assert window.workspace.outcome is None
    assert window.case_model.code is None
    assert [case.code for case in window.case_model.cases].count("LOCK-1") == 1


@pytest.mark.parametrize(
    "refusal",
    [
        SignInRefusal("wrong_password", "", ENGINEER),
        SignInRefusal("account_locked", "", ENGINEER, datetime.now().astimezone() + LOCKOUT_WINDOW),
        SignInRefusal("account_locked", "", ENGINEER),
        SignInRefusal("user_disabled", "", ENGINEER),
        SignInRefusal("unknown_user", "", "nobody"),
        SignInRefusal("credentials", "", ENGINEER),
    ],
)
def test_every_refusal_is_said_in_chinese(qapp: object, refusal: SignInRefusal) -> None:
    del qapp
    install_language("zh_CN")
    try:
        text = refusal_text(refusal)
    finally:
        install_language("en")
    english = [w for w in re.findall(r"[A-Za-z]{2,}", text.replace(refusal.user_id, "")) if w != "DVW"]
    assert CJK.search(text)
    assert not english, text
