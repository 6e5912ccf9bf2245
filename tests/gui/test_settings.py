"""Settings persisted with QSettings (store, language, sync server, geometry, last folder), the language switched
at once, the real sync status of the store in the case bar; a folder dropped on the window is scanned."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from gui_support import ENGINEER, Watchdog, open_window
from gui_support import sign_in as sign_in_window
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from app.cli import main as cli_main
from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.settings import GuiSettings
from app.gui.syncing import ServerSite
from app.workers import ErrorInfo
from records.events import CASE_CREATED, Event
from records.identity import SITE_TRUSTED
from records.store import Store
from records.sync.client import join, sync
from records.users import Session, setup_admin, sign_in
from server.app import create_app
from server.store import ServerStore
from workflow.sync_status import SyncStatus

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_settings_are_saved_and_the_window_geometry_remembered(qtbot: QtBot, tmp_path: Path) -> None:
    ini = tmp_path / "settings.ini"
    settings = GuiSettings.from_file(ini)
    settings.home = tmp_path / "home"
    window = MainView(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    dialog = window.open_settings()
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("zh_CN"))
    dialog.sync_edit.setText("https://dvw.example.com ")
    dialog.home_edit.setText(str(tmp_path / "other-home"))
    try:
        dialog.accept()
        # The language applied at once: this window was replaced by one in Chinese.
        chinese = window.replacement
        assert chinese is not None
        qtbot.addWidget(chinese)
        assert not window.isVisible()
        assert chinese.isVisible()
        assert "https://dvw.example.com" in chinese.sync_label.text()
        assert chinese.case_model.home == tmp_path / "other-home"
        chinese.resize(1234, 876)
        chinese.close()
    finally:
        install_language("en")

    again = GuiSettings.from_file(ini)
    assert (again.language, again.sync_server, again.home) == (
        "zh_CN",
        "https://dvw.example.com",
        tmp_path / "other-home",
    )
    reopened = MainView(again)
    qtbot.addWidget(reopened)
    assert (reopened.width(), reopened.height()) == (1234, 876)


def test_a_dropped_folder_is_scanned(qtbot: QtBot, gui_settings: GuiSettings, sample_dicom: Path) -> None:
    window = open_window(qtbot, gui_settings)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(sample_dicom))])
    drop = QDropEvent(
        QPointF(20, 20), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.import_panel.scan_worker.finished, timeout=60_000):
        window.dropEvent(drop)
    assert window.stack.currentWidget() is window.import_panel
    assert window.import_panel.series_table.rowCount() == 1
    assert gui_settings.last_folder == str(sample_dicom)


def _visible_words(window: MainView) -> list[str]:
    texts = [window.case_label.text(), window.statusBar().currentMessage(), window.menuBar().actions()[0].text()]
    texts += [window.step_list.item(row).text() for row in range(window.step_list.count())]
    texts += [window.cases_panel.new_button.text(), window.cases_panel.open_button.text()]
    texts += [window.check_panel.check_button.text(), window.review_panel.sign_button.text()]
    return texts


def test_the_language_switches_at_once_and_back(qtbot: QtBot, gui_settings: GuiSettings) -> None:
    window = open_window(qtbot, gui_settings)
    window.cases_panel.code_edit.setText("LANG-1")
    qtbot.mouseClick(window.cases_panel.new_button, Qt.MouseButton.LeftButton)
    window.show_step("review")
    english = _visible_words(window)
    assert all(not CJK.search(text) for text in english)
    try:
        dialog = window.open_settings()
        dialog.set_language("zh_CN")
        dialog.accept()
        chinese = window.replacement
        assert chinese is not None
        qtbot.addWidget(chinese)
        qtbot.waitExposed(chinese)
        assert gui_settings.language == "zh_CN"
        assert chinese.case_model.code == "LANG-1"
        assert chinese.stack.currentWidget() is chinese.review_panel
        # The same user stays signed in (the session moved to the new window's model, not copied).
        assert chinese.session_model.user is not None
        assert chinese.session_model.user.user_id == ENGINEER
        assert window.session_model.session is None
        assert chinese.pages.currentWidget() is chinese.central
        assert CJK.search(chinese.user_label.text())
        words = _visible_words(chinese)
        untranslated = [text for text in words if text and not CJK.search(text)]
        assert not untranslated, untranslated
        assert "LANG-1" in chinese.case_label.text()

        dialog = chinese.open_settings()
        dialog.set_language("en")
        dialog.accept()
        again = chinese.replacement
        assert again is not None
        qtbot.addWidget(again)
        assert gui_settings.language == "en"
        assert [text for text in _visible_words(again) if CJK.search(text)] == []
        assert again.case_label.text() == window.case_label.text()
        assert again.user_label.text() == "Signed in: Eve Engineer (Engineer)"
        assert again.stack.currentWidget() is again.review_panel
    finally:
        install_language("en")


REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sync_server(tmp_path: Path) -> Iterator[tuple[str, ServerStore]]:
    """A real sync server (uvicorn on localhost, SQLite database), as ``dvw serve`` runs it; yields URL and store."""
    store = ServerStore.open(f"sqlite:///{tmp_path / 'server' / 'dvw-server.sqlite'}")
    port = _free_port()
    config = uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    yield url, store
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


def _read_status(qtbot: QtBot, window: MainView) -> SyncStatus:
    with qtbot.waitSignal(window.sync_worker.finished, timeout=30_000):
        window.refresh_sync_status()
    assert window.sync_status is not None
    return window.sync_status


def test_the_case_bar_shows_the_real_sync_status(
    qtbot: QtBot, gui_settings: GuiSettings, sync_server: tuple[str, ServerStore]
) -> None:
    window = open_window(qtbot, gui_settings)
    with Store.open(gui_settings.home) as store:
        set_up = len(store.events())  # the users and the self-test of the set-up workstation
    for code in ("SYNC-1", "SYNC-2"):
        window.cases_panel.code_edit.setText(code)
        qtbot.mouseClick(window.cases_panel.new_button, Qt.MouseButton.LeftButton)
    home = gui_settings.home
    with Store.open(home) as store:
        events = store.events()
    status = _read_status(qtbot, window)
    assert (status.pending, status.own_events) == (len(events), len(events)) == (set_up + 2, set_up + 2)
    assert (status.joined_server, status.last_sync) == ("", "")
    assert window.sync_label.text() == f"Sync: not configured; events only here: {set_up + 2}"

    url, server_store = sync_server
    token = server_store.enroll_site("ward-3").token
    with Store.open(home) as store:
        join(store, url, token)
    dialog = window.open_settings()
    dialog.sync_edit.setText(url)
    dialog.accept()
    status = _read_status(qtbot, window)
    assert (status.joined_server, status.site_name, status.last_sync, status.pending) == (url, "ward-3", "", set_up + 2)
    assert window.sync_label.text() == f"Sync: never synced; events to push: {set_up + 2}"
    assert "ward-3" in window.sync_label.toolTip()

    with Store.open(home) as store:
        result = sync(store, url)
        held = len(store.events())
    assert result.pushed == held  # the two cases and the sync's own marker, if any
    status = _read_status(qtbot, window)
    assert status.pending == 0
    assert status.last_sync
    assert re.fullmatch(r"Sync: last \d{4}-\d{2}-\d{2} \d{2}:\d{2}; events to push: 0", window.sync_label.text())
    assert "Events written here and not yet pushed: 0 of" in window.sync_label.toolTip()

    # A new case after the sync: one event to push.
    window.cases_panel.code_edit.setText("SYNC-3")
    qtbot.mouseClick(window.cases_panel.new_button, Qt.MouseButton.LeftButton)
    assert _read_status(qtbot, window).pending == 1
    assert window.sync_label.text().endswith("; events to push: 1")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``dvw serve`` in a process of its own (its SQLite database in its home); yields its URL and home."""
    home = tmp_path / "server-home"
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        command = [sys.executable, "-m", "app.cli", "--home", str(home), "serve", "--port", str(port)]
        process = subprocess.Popen(command, cwd=REPO, stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60.0
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url, home
    finally:
        process.terminate()
        process.wait(timeout=15)


def _new_site(home: Path, server_home: Path, url: str, name: str, capsys: pytest.CaptureFixture[str]) -> Session:
    """Another workstation: its administrator set up, a case of theirs, enrolled on the server as ``name`` and joined.

    Returns the administrator's session.
    """
    assert cli_main(["--home", str(server_home), "server", "enroll-site", name, "--json"]) == 0
    token = json.loads(capsys.readouterr().out)["token"]
    admin = name.lower().replace(" ", "")
    with Store.open(home) as store:
        setup_admin(store, admin, printed_name=f"{name} Admin", password=f"{admin}-password")
        session = sign_in(store, admin, f"{admin}-password")
        store.append(CASE_CREATED, case_code=f"{admin.upper()}-1", payload={"source": "test"}, by=session)
        join(store, url, token)
    return session


def _trusts(home: Path) -> list[Event]:
    with Store.open(home) as store:
        return [event for event in store.events() if event.kind == SITE_TRUSTED and event.site_id == store.site_id]


def _site_id(home: Path) -> str:
    with Store.open(home) as store:
        return store.site_id


SHOTS = Path(__file__).resolve().parent / "screenshots"


def _shot(window: MainView, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert window.grab().save(str(path))
    return path


def test_sync_now_from_the_window(
    qtbot: QtBot,
    gui_settings: GuiSettings,
    served: tuple[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, server_home = served
    # Syncing and joining are for a signed-in user: before the sign-in, neither can be started.
    window = open_window(qtbot, gui_settings, None)
    qtbot.waitUntil(lambda: window.sign_in_dialog is not None and window.sign_in_dialog.isVisible(), timeout=60_000)
    assert not window.sync_action.isEnabled()
    assert not window.sync_button.isEnabled()
    assert not window.join_action.isEnabled()
    sign_in_window(qtbot, window)
    assert window.join_action.isEnabled()
    # Not joined: refused with the reason and what to do, nothing half done.
    with qtbot.waitSignal(window.sync_run_worker.failed, timeout=30_000) as refused:
        qtbot.mouseClick(window.sync_button, Qt.MouseButton.LeftButton)
    info = refused.args[0]
    assert isinstance(info, ErrorInfo)
    assert info.code == "not_joined"
    assert window.error_box is not None
    assert "dvw site join" in window.error_box.informativeText()
    window.error_box.close()

    # Enrolled on the server, joined from the window: a wrong token is refused with the server's reason, the
    # right one joins (and the settings keep the server); joining records nothing. Two cases written here are sent
    # by Sync now.
    assert cli_main(["--home", str(server_home), "server", "enroll-site", "Ward 3", "--json"]) == 0
    token = json.loads(capsys.readouterr().out)["token"]
    home = gui_settings.home
    with Store.open(home) as store:
        before_join = len(store.events())
    dialog = window.open_join_dialog()
    assert not dialog.join_button.isEnabled()
    dialog.server_edit.setText(url)
    dialog.token_edit.setText("not-the-token")
    assert dialog.join_button.isEnabled()
    with qtbot.waitSignal(window.sync_run_worker.failed, timeout=30_000) as refused:
        qtbot.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
    assert refused.args[0].code == "enrolment"
    assert "unknown or already used enrolment token" in window.error_box.informativeText()
    window.error_box.close()
    dialog = window.open_join_dialog()
    assert dialog.server() == ""  # nothing was saved by the refused join
    dialog.server_edit.setText(url)
    dialog.token_edit.setText(token)
    with qtbot.waitSignal(window.sync_run_worker.finished, timeout=30_000):
        qtbot.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
    assert gui_settings.sync_server == url
    assert "Joined" in window.statusBar().currentMessage()
    assert "Ward 3" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.sync_status is not None and window.sync_status.joined_server == url)
    assert not window.join_action.isEnabled()  # once
    with Store.open(home) as store:
        assert len(store.events()) == before_join  # the enrolment is the site key and server file, no event
    for code in ("SYNC-A", "SYNC-B"):
        window.cases_panel.code_edit.setText(code)
        qtbot.mouseClick(window.cases_panel.new_button, Qt.MouseButton.LeftButton)
    with Store.open(home) as store:
        held = len(store.events())
    qtbot.wait(200)
    watchdog = Watchdog()
    watchdog.start("sync")
    with qtbot.waitSignal(window.sync_run_worker.finished, timeout=60_000):
        window.sync_action.trigger()
        assert not window.sync_button.isEnabled()  # one sync at a time
    watchdog.mark("test")
    outcome = window.last_sync_outcome
    assert outcome is not None
    assert (outcome.server, outcome.pushed, outcome.pulled, outcome.conflicts) == (url, held, 0, 0)
    assert outcome.trusted == outcome.untrusted == ()  # the server lists no other site yet
    assert f"{held} events sent" in window.statusBar().currentMessage()
    assert "trusted" not in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.sync_status is not None and window.sync_status.last_sync != "", timeout=30_000)
    assert window.sync_status is not None
    assert window.sync_status.pending == 0
    assert window.sync_button.isEnabled()

    # A second site joins and syncs, run by its administrator: it trusts this site, which the server lists (the
    # trust is the administrator's, via the server; nobody trusts anything by hand), and receives both cases, each
    # made by the signed-in engineer.
    first_site = _site_id(home)
    other = Path(str(home) + "-other")
    admin4 = _new_site(other, server_home, url, "Ward 4", capsys)
    with Store.open(other) as store:
        result = sync(store, by=admin4)
        assert result.trusted == (first_site,)
        assert sorted(case.code for case in store.cases()) == ["SYNC-A", "SYNC-B", "WARD4-1"]
        assert {case.events[0].actor for case in store.cases() if case.code.startswith("SYNC")} == {ENGINEER}
        assert store.verify().ok
    assert [(e.actor, e.payload["via"], e.payload["site_id"]) for e in _trusts(other)] == [
        ("ward4", "server", first_site)
    ]

    # Sync now in the window: the server lists Ward 4, which this store does not trust yet. The sync in the worker
    # process pulls nothing of it; the signed-in engineer's trust is recorded from the job's thread; the second sync
    # pulls Ward 4's events. One action: one job running from start to end, with one progress and Cancel.
    ward4 = _site_id(other)
    running: list[bool] = []
    window.sync_run_worker.running_changed.connect(running.append)
    qtbot.wait(200)
    watchdog.mark("sync, trusting a site")
    with qtbot.waitSignal(window.sync_run_worker.finished, timeout=60_000):
        window.sync_action.trigger()
    gaps = watchdog.stop()
    assert running == [True, False]
    outcome = window.last_sync_outcome
    assert outcome is not None
    assert outcome.trusted == (ServerSite(ward4, "Ward 4"),)
    assert outcome.untrusted == ()
    assert outcome.pulled >= 3  # Ward 4's administrator, its trust of this site, its case, its sync marker
    assert outcome.pushed >= 1  # the trust event (and this site's marker of what it now holds)
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Site {ward4[:8]} (Ward 4), enrolled with the server, is now trusted. Synced: ")
    assert f"{outcome.pulled} received" in message
    qtbot.waitUntil(lambda: "WARD4-1" in [case.code for case in window.case_model.cases], timeout=10_000)
    # The trust is the signed-in engineer's act: their event, via the server, attested by their key.
    trusts = _trusts(home)
    assert [(e.actor, e.payload["via"], e.payload["site_id"], e.payload["name"]) for e in trusts] == [
        (ENGINEER, "server", ward4, "Ward 4")
    ]
    assert trusts[0].payload["server"] == url
    with Store.open(home) as store:
        audit = store.verify()
        assert audit.ok, audit
        assert store.directory().is_trusted(ward4)
        assert store.case("WARD4-1").events[0].actor == "ward4"
    _shot(window, "en-sync-trusted")
    # A sync after it trusts nothing more.
    with qtbot.waitSignal(window.sync_run_worker.finished, timeout=60_000):
        window.sync_action.trigger()
    assert window.last_sync_outcome is not None
    assert window.last_sync_outcome.trusted == ()
    assert len(_trusts(home)) == 1

    # The same in Chinese: a third site joins; Sync now in the window rebuilt in Chinese trusts it, and says so
    # in Chinese (only the site's id and name and the server's URL stay as they are).
    ward5 = Path(str(home) + "-third")
    _new_site(ward5, server_home, url, "Ward 5", capsys)
    with Store.open(ward5) as store:
        sync(store)  # without a user: it pushes its own events and trusts no one
    ward5_site = _site_id(ward5)
    try:
        dialog = window.open_settings()
        dialog.set_language("zh_CN")
        dialog.accept()
        chinese = window.replacement
        assert chinese is not None
        qtbot.addWidget(chinese)
        qtbot.waitExposed(chinese)
        qtbot.waitUntil(lambda: not chinese.warmup_worker.running, timeout=60_000)
        qtbot.waitUntil(chinese.sync_action.isEnabled, timeout=10_000)
        with qtbot.waitSignal(chinese.sync_run_worker.finished, timeout=60_000):
            chinese.sync_action.trigger()
        chinese_outcome = chinese.last_sync_outcome
        assert chinese_outcome is not None
        assert chinese_outcome.trusted == (ServerSite(ward5_site, "Ward 5"),)
        message = chinese.statusBar().currentMessage()
        assert CJK.search(message)
        assert message.startswith(f"已在服务器注册的站点 {ward5_site[:8]}")
        assert "Ward 5" in message.split("。")[0]
        assert "现已受信任" in message.split("。")[0]
        rest = message.replace(ward5_site[:8], "").replace("Ward 5", "")
        assert not re.findall(r"[A-Za-z]{2,}", rest), message
        _shot(chinese, "zh_CN-sync-trusted")
    finally:
        install_language("en")
    assert [(e.actor, e.payload["site_id"]) for e in _trusts(home)] == [(ENGINEER, ward4), (ENGINEER, ward5_site)]
    with Store.open(home) as store:
        assert store.verify().ok

    report = ", ".join(f"{phase} {gap:.0f} ms" for phase, gap in gaps.items() if phase != "test")
    sys.stderr.write(f"\nevent-loop stalls during Sync now: {report}\n")
    assert gaps["sync"] < 100.0, report
    assert gaps["sync, trusting a site"] < 100.0, report
