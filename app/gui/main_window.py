"""The workstation window: the case bar, the workflow steps, the slice views and the 3D view in one window.

Nobody works in the window without signing in (Part 11, ALCOA+ "attributable"): when the store has opened, the
window asks for a user id and password (:class:`~app.gui.dialogs.SignInDialog`), or, for a store without users,
for its first administrator (:class:`~app.gui.dialogs.SetupDialog`, what ``dvw setup`` does). Until then, and
whenever the window is locked, :class:`~app.gui.lock_view.LockView` takes the place of the content. The session
lives in :class:`~app.gui.models.SessionModel` only; every step that records reads it when it starts and records
with it. After :attr:`GuiSettings.lock_after_s <app.gui.settings.GuiSettings.lock_after_s>` without use (15
minutes) the window locks: the session is dropped and the same user's password unlocks it; another user may sign in
instead, which closes the open case (its work in progress is not kept). Jobs already running finish and record with
the session they started with. The password checks (Argon2) run in a thread, so the window keeps answering.

Opening a case loads its work back in the background (:mod:`workflow.reopen`) and shows it in every panel. The case
bar shows the case's state from the records log and the store's real sync status (:func:`workflow.sync_status.
read_sync_status`, read in the worker process on case changes and every :data:`SYNC_REFRESH_MS`). Sync now syncs in
the worker process and, when the server lists sites this store does not trust yet, records the signed-in user's
trust of them from its job's thread and syncs again to receive them (:mod:`app.gui.syncing`); the status bar says
which sites are now trusted.

A new language applies at once by rebuilding the window (:meth:`MainView.switch_language`): the translators are
installed, a new window is built with the same settings, it takes over the open case, this session's results, the
step shown, the review mode and the geometry, and the old window closes. Rebuilding was chosen over retranslating
each widget on ``LanguageChange`` because most texts are composed from data when a result arrives (labels, tables,
banners): a rebuilt window composes them again in the new language from the same results, with no per-widget
retranslation code to keep in step with every panel. The switch is refused while a step runs, so no job is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui import warmup
from app.gui.access import SetupRequest, SignInOutcome, set_up_store, sign_in_user, store_people
from app.gui.design_dialogs import install_case_dialogs
from app.gui.dialogs import JoinDialog, SettingsDialog, SetupDialog, SignInDialog
from app.gui.i18n import install_language
from app.gui.lock_view import InactivityWatch, LockView
from app.gui.manual import ManualDialog
from app.gui.models import (
    LOCKED,
    SIGNED_IN,
    SIGNED_OUT,
    CaseModel,
    SessionModel,
    WorkspaceModel,
)
from app.gui.panels import CasesPanel, CheckPanel, ImportPanel, ReviewPanel, SegmentPanel
from app.gui.panels.common import need_session
from app.gui.production_dialogs import install_production_actions
from app.gui.scene_view import BACKGROUND_RGB255, SceneView
from app.gui.settings import GuiSettings
from app.gui.slice_view import SliceViewsPanel
from app.gui.syncing import Joined, SyncOutcome, join_server, sync_now
from app.gui.widgets import (
    WINDOW_WORDED,
    ElidedLabel,
    ProgressPanel,
    error_line,
    error_title,
    role_text,
    speaks_english,
    state_text,
    verdict_word,
)
from app.workers import ErrorInfo, TaskWorker, describe_error
from app.workers.process import run_in_worker_process
from workflow.folder import work_folder
from workflow.measurements import (
    DISTANCE_3D_PLANE,
    MeasurementError,
    MeasurementRequest,
    SliceMeasurement,
    case_measurements,
    measure,
    record_measurement,
)
from workflow.reopen import ReopenedCase
from workflow.sync_status import SyncStatus, read_sync_status

STEPS = ("cases", "import", "segment", "check", "review")
#: What the window loads in the background after it opens: first the records (the case list), then the rest.
_STORE_MODULES = tuple(name for name in warmup.GUI_MODULES if name.startswith("records."))
_LATER_MODULES = tuple(name for name in warmup.GUI_MODULES if name not in _STORE_MODULES)
_REVIEW_FONT_PT = 16
# How often the case bar's sync status is read again (ms); a read takes about 70 ms for a store of 5,000 events.
SYNC_REFRESH_MS = 30_000
SYNC_AFTER_CHANGE_MS = 1_000
# How many hex digits of a site's id the status bar shows.
SITE_ID_SHOWN = 8
# The width of Sync now's progress bar, stage and Cancel in the status bar (px).
SYNC_PROGRESS_WIDTH = 420


class MainView(QMainWindow):
    """DVW's main window.

    Parameters
    ----------
    settings
        The GUI settings (store folder, language, sync server, geometry, last folder).

    Signals: ``replaced(MainView)`` when a language switch built the window that takes this one's place.
    """

    replaced = Signal(object)

    def __init__(self, settings: GuiSettings, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - a panel's widgets are built and wired in one place
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(self.tr("DVW design-validation workstation"))
        self.setAcceptDrops(True)
        self.case_model = CaseModel(settings.home, self)
        self.workspace = WorkspaceModel(self)
        self.session_model = SessionModel(self)
        self.last_error: ErrorInfo | None = None
        self._warmed_up = False
        self._store_tried = False
        self._closed = False
        self._store_ready = False
        self._shown_code: str | None = None
        self.error_box: QMessageBox | None = None
        self.manual_dialog: ManualDialog | None = None
        #: Opens a URL on the desktop (a written report): QDesktopServices, or a test's recorder (no viewer started).
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self.notice_box: QMessageBox | None = None
        self.replacement: MainView | None = None
        self.sync_status: SyncStatus | None = None
        self.sync_error: ErrorInfo | None = None
        self.last_sync_outcome: SyncOutcome | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self.setup_dialog: SetupDialog | None = None
        # What answers the password check under way (the dialog or the lock view), and how long the window was idle
        # when it locked (minutes; None when locked by hand).
        self._access_target: SignInDialog | SetupDialog | LockView | None = None
        self._idle_minutes: float | None = None
        # The review mode, and the split of the panels and the views before it.
        self._review_on = False
        self._sizes_before_review = [460, 1000]
        self._window_before_review = self.size()

        self.slices = SliceViewsPanel(self)
        #: Measurements placed while no case was open (shown, not recorded); the case's own come from its log.
        self.unrecorded_measurements: list[SliceMeasurement] = []
        self.measure_worker = TaskWorker("measurement", self)  # its failures reach report_error with the others'
        self.slices.measure_drawn.connect(self._on_measure_drawn)
        self.scene = SceneView(self)
        self.slices.grid.addWidget(self.scene, 1, 1)
        self.scene.distance_picked.connect(partial(self._on_measure_drawn, "distance", DISTANCE_3D_PLANE, -1))

        sessions = self.session_model
        self.cases_panel = CasesPanel(self.case_model, self.workspace, sessions, self.report_error, self)
        self.import_panel = ImportPanel(self.case_model, self.workspace, settings, self.report_error, self)
        self.segment_panel = SegmentPanel(self.case_model, self.workspace, self.slices, self.report_error, self)
        self.check_panel = CheckPanel(
            self.case_model, self.workspace, settings, self.report_error, self, sessions=sessions
        )
        self.review_panel = ReviewPanel(self.case_model, sessions, self.report_error, self, workspace=self.workspace)
        self.check_panel.wall_map_toggled.connect(self.scene.set_wall_map)
        self.check_panel.wall_limit_changed.connect(self.scene.set_wall_limit)
        self.panels: dict[str, QWidget] = {
            "cases": self.cases_panel,
            "import": self.import_panel,
            "segment": self.segment_panel,
            "check": self.check_panel,
            "review": self.review_panel,
        }
        titles = {
            "cases": self.tr("1 Cases"),
            "import": self.tr("2 Import"),
            "segment": self.tr("3 Segment"),
            "check": self.tr("4 Design & Check"),
            "review": self.tr("5 Review"),
        }
        self.step_list = QListWidget(self)
        self.step_list.setToolTip(self.tr("The workflow steps (Alt+1 to Alt+5)"))
        self.stack = QStackedWidget(self)
        for name in STEPS:
            self.step_list.addItem(titles[name])
            self.stack.addWidget(self.panels[name])
        self.step_list.setFixedWidth(150)
        self.step_list.currentRowChanged.connect(self.stack.setCurrentIndex)

        self.case_bar = self._build_case_bar()
        left = QSplitter(Qt.Orientation.Horizontal, self)
        left.addWidget(self.stack)
        left.addWidget(self.slices)
        left.setStretchFactor(0, 0)
        left.setStretchFactor(1, 1)
        left.setSizes([460, 1000])
        self.splitter = left
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.step_list)
        body.addWidget(left, 1)
        central = QWidget(self)
        self.central = central
        column = QVBoxLayout(central)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.case_bar)
        column.addLayout(body, 1)
        # The content and the lock view are pages: nothing of the content shows while the lock view is up.
        self.lock_view = LockView(self)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(central)
        self.pages.addWidget(self.lock_view)
        self.pages.setCurrentWidget(self.lock_view)
        self.lock_view.show_opening(str(settings.home))
        self.setCentralWidget(self.pages)
        self._build_actions()
        self.case_dialogs = install_case_dialogs(self)  # the Case menu's design input, team, proposal, change
        self.statusBar().showMessage(self.tr("Ready"))

        self.case_model.changed.connect(self._on_case_changed)
        self.workspace.volume_changed.connect(self._on_volume_changed)
        self.workspace.anatomy_changed.connect(self._on_anatomy_changed)
        self.workspace.design_changed.connect(self._on_design_changed)
        self.workspace.check_changed.connect(self._on_check_changed)
        self.review_panel.review_mode_toggled.connect(self.set_review_mode)
        self.review_panel.report_requested.connect(self.export_report)
        self.review_panel.step_requested.connect(self._on_step_requested)
        for worker in self.workers():
            worker.failed.connect(self.report_error)
        self.import_panel.imported.connect(lambda: self.show_step("segment"))
        self.cases_panel.loaded.connect(self._on_case_loaded)
        self.warmup_worker = TaskWorker("warm-up", self)
        self.warmup_worker.failed.connect(self.report_error)
        self.warmup_worker.failed.connect(self._on_warmed_up)
        self.process_warmup_worker = TaskWorker("process-warm-up", self, isolated=True)
        self.process_warmup_worker.failed.connect(self.report_error)
        # Read in the worker process: importing the sync client (about 0.4 s, holding the GIL) and reading the log
        # never stall the window. A failure is shown in the case bar, not in a message box every refresh.
        self.sync_worker = TaskWorker("sync-status", self, isolated=True)
        self.sync_worker.failed.connect(self._on_sync_status_failed)
        # Sync now (File menu, the case bar's button) and joining the server: the syncs and the join run in the
        # worker process; Sync now's job waits for them in a thread of this process, where it records the signed-in
        # user's trust of the sites the server lists between two syncs (app.gui.syncing). One progress and Cancel.
        self.sync_run_worker = TaskWorker("sync", self, waits_for_process=True)
        self.sync_run_worker.failed.connect(self.report_error)
        self.sync_run_worker.running_changed.connect(self._on_sync_running)
        self.sync_progress = ProgressPanel(self.sync_run_worker, self)
        # A fixed width: the panel would otherwise take half the status bar (its bar expands), clipping the message.
        self.sync_progress.setFixedWidth(SYNC_PROGRESS_WIDTH)
        self.statusBar().addPermanentWidget(self.sync_progress)
        self.sync_timer = QTimer(self)
        self.sync_timer.setInterval(SYNC_REFRESH_MS)
        self.sync_timer.timeout.connect(self.refresh_sync_status)
        # A case change reads the status a moment later, not while the step that changed the case shows its result.
        self.sync_soon = QTimer(self)
        self.sync_soon.setSingleShot(True)
        self.sync_soon.setInterval(SYNC_AFTER_CHANGE_MS)
        self.sync_soon.timeout.connect(self.refresh_sync_status)
        # Signing in, unlocking and setting up: the password checks run in a thread of this process (a session
        # never leaves it); a refusal is answered in the dialog or the lock view, not in a message box.
        self.access_worker = TaskWorker("sign-in", self)
        self.access_worker.failed.connect(self._on_access_failed)
        self.inactivity = InactivityWatch(self)
        self.inactivity.idle.connect(self._on_idle)
        self.session_model.changed.connect(self._on_session_changed)
        self.lock_view.unlock_requested.connect(self._on_unlock_requested)
        self.lock_view.sign_in_requested.connect(self._on_sign_in_requested)
        self.lock_view.setup_requested.connect(self.ask_sign_in)  # the set-up, or the sign-in if set up meanwhile
        self.step_list.setCurrentRow(0)
        geometry, state = settings.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 950)
        if state is not None:
            self.restoreState(state)
        self._on_case_changed()  # the case bar; the store is read once the cores have loaded (_on_warmed_up)
        self._render_session()

    # ------------------------------------------------------------------ building

    def _build_case_bar(self) -> QFrame:
        bar = QFrame(self)
        bar.setObjectName("caseBar")
        bar.setFrameShape(QFrame.Shape.StyledPanel)
        bar.setStyleSheet("QFrame#caseBar { background: #eef2f7; }")
        self.case_label = QLabel(bar)
        self.case_label.setToolTip(self.tr("The open case"))
        self.state_label = QLabel(bar)
        self.state_label.setToolTip(self.tr("The case's state, derived from its records log"))
        self.verdict_label = QLabel(bar)
        self.verdict_label.setToolTip(self.tr("The verdict of the case's latest check"))
        self.sync_label = ElidedLabel(bar)
        self.sync_label.setToolTip(self.tr("Replication to the company server"))
        self.sync_button = QToolButton(bar)
        self.sync_button.setText(self.tr("Sync now"))
        self.sync_button.setToolTip(self.tr("Sync with the company server now (Ctrl+Shift+Y)"))
        self.sync_button.clicked.connect(self.sync_now)
        self.store_label = ElidedLabel(bar)
        self.store_label.setToolTip(self.tr("The local store folder"))
        self.user_label = QLabel(bar)
        self.user_label.setObjectName("userLabel")
        self.user_label.setToolTip(
            self.tr("Who is signed in: every record made here names them (File menu: Lock, Switch user, Sign out)")
        )
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(8, 4, 8, 4)
        for label in (self.case_label, self.state_label, self.verdict_label):
            font = QFont()  # only bold: the size is inherited (the review's large fonts)
            font.setBold(True)
            label.setFont(font)
            layout.addWidget(label)
            layout.addSpacing(16)
        layout.addStretch(1)
        layout.addWidget(self.user_label)
        layout.addSpacing(16)
        layout.addWidget(self.sync_label)
        layout.addWidget(self.sync_button)
        layout.addSpacing(16)
        # The store folder takes the room left (and is elided first): the user and the sync status come first.
        self.store_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.store_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.store_label, 1)
        return bar

    def _action(self, text: str, shortcut: str | QKeySequence.StandardKey, tip: str) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.open_folder_action = self._action(
            self.tr("Open DICOM folder..."), "Ctrl+Shift+O", self.tr("Scan a folder of DICOM files")
        )
        self.open_folder_action.triggered.connect(self._on_open_folder_triggered)
        self.report_action = self._action(
            self.tr("Export report..."), "Ctrl+Shift+E", self.tr("Write the case's PDF report")
        )
        self.report_action.triggered.connect(self.export_report)
        self.settings_action = self._action(
            self.tr("Settings..."), "Ctrl+,", self.tr("Store folder, language, sync server")
        )
        self.settings_action.triggered.connect(self.open_settings)
        self.sync_action = self._action(
            self.tr("Sync now"),
            "Ctrl+Shift+Y",
            self.tr("Send this site's new records to the company server and receive the other sites'"),
        )
        self.sync_action.triggered.connect(self.sync_now)
        self.join_action = self._action(
            self.tr("Join sync server..."),
            "Ctrl+Shift+J",
            self.tr("Enrol this workstation with the company's sync server once"),
        )
        self.join_action.triggered.connect(self.open_join_dialog)
        self.lock_action = self._action(
            self.tr("Lock"), "Ctrl+L", self.tr("Lock the window now; your password unlocks it")
        )
        self.lock_action.triggered.connect(self.lock)
        self.switch_user_action = self._action(
            self.tr("Switch user..."),
            "Ctrl+Shift+L",
            self.tr("Lock the window and let another user sign in; the open case is closed"),
        )
        self.switch_user_action.triggered.connect(self.switch_user)
        self.sign_out_action = self._action(
            self.tr("Sign out"), "", self.tr("Sign out; the open case is closed and its unchecked work is not kept")
        )
        self.sign_out_action.triggered.connect(self.sign_out)
        self.quit_action = self._action(self.tr("Quit"), "Ctrl+Q", self.tr("Close DVW"))
        self.quit_action.triggered.connect(self.close)
        self.recent_menu = QMenu(self.tr("Recent cases"), self)
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        for action in (
            self.open_folder_action,
            self.report_action,
            self.sync_action,
            self.join_action,
            self.settings_action,
        ):
            file_menu.addAction(action)
        file_menu.addSeparator()
        for action in (self.lock_action, self.switch_user_action, self.sign_out_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        # The case's documents and production steps (design input, change, build record, inspection).
        self.case_menu = self.menuBar().addMenu(self.tr("&Case"))
        self.production = install_production_actions(self)  # Inspect printed part...
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.step_actions = []
        for index, name in enumerate(STEPS):
            action = self._action(
                self.step_list.item(index).text(), f"Alt+{index + 1}", self.tr("Go to this step of the workflow")
            )
            action.triggered.connect(lambda _checked=False, n=name: self.show_step(n))
            view_menu.addAction(action)
            self.step_actions.append(action)
        self.review_action = self._action(self.tr("Review mode"), "Ctrl+Shift+R", self.tr("Large fonts for the review"))
        self.review_action.setCheckable(True)
        self.review_action.toggled.connect(self.review_panel.review_button.setChecked)
        view_menu.addAction(self.review_action)
        # The 3D view's distance tool: a menu action (the slices' toolbar has no room left), in the review too.
        self.distance3d_action = self._action(
            self.tr("3D distance"),
            "Shift+D",
            self.tr("Measure a distance in the 3D view: click two points on the surfaces (Shift+D)"),
        )
        self.distance3d_action.setCheckable(True)
        self.distance3d_action.toggled.connect(self.scene.set_measuring)
        view_menu.addAction(self.distance3d_action)
        # The design coloured by the von Mises stress of the check's analysis (mech.*), its peak marked.
        from app.gui.stress_map import StressMapAction  # noqa: PLC0415 - the one place the window wires it

        self.stress_map = StressMapAction(
            self.workspace,
            self.scene,
            self.check_panel.flagged_markers,
            lambda exc: self.report_error(describe_error(exc)),
            self,
        )
        view_menu.addAction(self.stress_map.action)
        self._build_help_menu()

    def _build_help_menu(self) -> None:
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.manual_action = self._action(
            self.tr("Manual"), "F1", self.tr("The workflow, each step, what the verdicts mean, the keyboard shortcuts")
        )
        self.manual_action.triggered.connect(self.open_manual)
        help_menu.addAction(self.manual_action)
        self.about_action = self._action(self.tr("About DVW"), "", self.tr("Version and software manifest"))
        self.about_action.triggered.connect(self._on_about_triggered)
        help_menu.addAction(self.about_action)

    def open_manual(self) -> ManualDialog:
        """Open the manual in the window's language (not modal); returns it."""
        if self.manual_dialog is None:
            self.manual_dialog = ManualDialog(self.settings.language, self, self)
        self.manual_dialog.show()
        self.manual_dialog.raise_()
        return self.manual_dialog

    def _fill_recent_menu(self) -> None:
        """File > Recent cases: the cases last opened in this store that it still holds, the latest first."""
        self.recent_menu.clear()
        held = {state.code for state in self.case_model.cases}
        codes = [code for code in self.settings.recent_cases(self.case_model.home) if code in held]
        for code in codes:
            action = self.recent_menu.addAction(code)
            action.setToolTip(self.tr("Open case %1").replace("%1", code))
            action.triggered.connect(lambda _checked=False, c=code: self.open_recent_case(c))
            action.setEnabled(self.session_model.state == SIGNED_IN)
        if not codes:
            none = self.recent_menu.addAction(self.tr("No recent cases"))
            none.setEnabled(False)

    def open_recent_case(self, code: str) -> None:
        """Open case ``code`` as the Cases step does (its work loaded in the background)."""
        if not self._need_session("opening a case"):
            return
        self.cases_panel.open_case(code)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Load the libraries the first steps need, in the background, once the window is shown."""
        super().showEvent(event)
        if not self._warmed_up:
            self._warmed_up = True
            # The records first: the case list and the sync status need only them; then VTK, the volume readers and the
            # other cores, which take seconds more to load.
            first = partial(warmup.warm_up, modules=_STORE_MODULES)
            self.warmup_worker.start(first, on_done=self._on_store_loaded)
            # The worker process starts now too, so that the first segmentation does not wait for it.
            self.process_warmup_worker.start(partial(warmup.warm_up, modules=warmup.WORKER_MODULES))

    def _on_store_loaded(self, _result: object = None) -> None:
        if self._closed:
            return  # replaced by a window in another language meanwhile
        self._open_store()
        rest = partial(warmup.warm_up, modules=_LATER_MODULES)
        self.warmup_worker.start(rest, on_done=self._on_warmed_up)

    def _on_warmed_up(self, _result: object = None) -> None:
        if self._closed:
            return
        self._open_store()  # when the first stage failed: the store's own error is shown
        self.scene.activate()
        self.scene.set_wall_limit(self.check_panel.wall_limit_mm())  # the envelope module is loaded now

    def _open_store(self) -> None:
        """List the cases from the store (once); then the sync status may read it from the worker process."""
        if self._store_tried:
            return
        self._store_tried = True
        try:
            self.case_model.reload()
        except Exception as exc:  # noqa: BLE001 - a store that cannot be opened is shown, the window stays open
            info = describe_error(exc)
            self.report_error(info)
            self.lock_view.show_store_problem(str(self.case_model.home), error_line(info))
            return
        # The store exists and is migrated now.
        self._store_ready = True
        self.refresh_sync_status()
        self.sync_timer.start()
        self.ask_sign_in()

    def workers(self) -> list[TaskWorker]:
        """Every worker of the window's panels."""
        return list(self.findChildren(TaskWorker))

    def step_workers(self) -> list[TaskWorker]:
        """The workers of the workflow's steps and of loading a case.

        Not the warm-ups, the sync status, the slices' outlines and the case list's device states (a view's drawing,
        made again by a rebuilt window).
        """
        background = {
            self.warmup_worker,
            self.process_warmup_worker,
            self.sync_worker,
            self.slices.outline_worker,
            self.cases_panel.device_worker,
        }
        return [worker for worker in self.workers() if worker not in background]

    def recording_workers(self) -> list[TaskWorker]:
        """The workers whose jobs record (with the session they started with): they finish whoever signs in."""
        return [
            self.check_panel.check_worker,
            self.check_panel.record_worker,
            self.review_panel.records_worker,
            self.measure_worker,
            self.sync_run_worker,
            self.access_worker,
        ]

    def current_step(self) -> str:
        """The name of the workflow step shown (one of :data:`STEPS`)."""
        return STEPS[max(0, self.step_list.currentRow())]

    # ------------------------------------------------------------------ state rendering

    def show_step(self, name: str) -> None:
        """Show the panel of workflow step ``name`` (one of :data:`STEPS`)."""
        self.step_list.setCurrentRow(STEPS.index(name))

    def _on_step_requested(self, name: str) -> None:
        """A panel asks for another step (e.g. the sign-off checklist's "Go to Design & Check"): the review ends."""
        if self._review_on:
            self.set_review_mode(False)
        self.show_step(name)

    def _on_case_changed(self) -> None:
        state = self.case_model.state
        if self.case_model.code != self._shown_code:
            # Another case: this session's results belong to the case they were made for, and so do the folder
            # scanned and the patient facts (the envelope and the segmentation's settings stay: they are methods).
            self._shown_code = self.case_model.code
            if self._shown_code is not None:
                self.settings.add_recent_case(self.case_model.home, self._shown_code)
            self.workspace.clear()
            self.workspace.forget_case_entries()
            self.unrecorded_measurements.clear()
            self.statusBar().clearMessage()  # the last message may be about the case shown before
            self.scene.set_notice(None)
        if state is None:
            self.case_label.setText(self.tr("No case open"))
            self.state_label.setText("")
            self.verdict_label.setText("")
        else:
            self.case_label.setText(
                self.tr("Case %1 (revision %2)").replace("%1", state.code).replace("%2", str(state.revision))
            )
            self.state_label.setText(self.tr("State: %1").replace("%1", state_text(state.state)))
            self.verdict_label.setText(self.tr("Verdict: %1").replace("%1", verdict_word(state.verdict)))
        self._render_sync_status()
        self.sync_soon.start()
        self.store_label.setText(self.tr("Store: %1").replace("%1", str(self.case_model.home)))
        self.store_label.setToolTip(self.tr("The local store folder") + f"\n{self.case_model.home}")
        self._render_title()
        self._show_measurements()

    # ------------------------------------------------------------------ measurements

    def measurement_text(self, measurement: SliceMeasurement) -> str:
        """A measurement's value with its unit, as written on the slice (``140.2 mm``, ``37.5°``)."""
        if measurement.unit == "degree":
            return self.tr("%1°").replace("%1", f"{measurement.value:.1f}")
        return f"{measurement.value:.1f} mm"

    def _show_measurements(self) -> None:
        """Draw the case's recorded measurements (and this session's unrecorded ones) on the slices."""
        state = self.case_model.state
        recorded = [] if state is None else [found.measurement for found in case_measurements(state.events)]
        shown = (*recorded, *self.unrecorded_measurements)
        self.scene.set_distances(
            [
                (self.measurement_text(m), np.asarray(m.points_lps_mm, dtype=np.float64))
                for m in shown
                if m.plane == DISTANCE_3D_PLANE
            ]
        )
        self.slices.set_measurements(
            [
                (m.plane, m.slice_index, self.measurement_text(m), np.asarray(m.points_lps_mm, dtype=np.float64))
                for m in (*recorded, *self.unrecorded_measurements)
            ]
        )

    def _on_measure_drawn(self, kind: str, plane: str, index: int, points: object) -> None:
        """A ruler or angle placed on a slice: measure it, and record it with the open case as the signed-in user."""
        try:
            measured = measure(kind, np.asarray(points, dtype=np.float64).tolist(), plane, index)
        except MeasurementError as exc:
            self.report_error(describe_error(exc))
            return
        text = self.measurement_text(measured)
        code = self.case_model.code
        session = self.session_model.session
        if code is None or session is None:
            self.unrecorded_measurements.append(measured)
            self._show_measurements()
            self.statusBar().showMessage(
                self.tr("%1 (not recorded: open a case to keep measurements with it)").replace("%1", text), 15_000
            )
            return
        imported = self.workspace.imported
        request = MeasurementRequest(self.case_model.home, code, measured, "" if imported is None else imported.sha256)
        task = partial(record_measurement, request, session)  # a thread: the session stays in this process
        self.measure_worker.start(task, on_done=partial(self._on_measurement_recorded, text))

    def _on_measurement_recorded(self, text: str, _event_id: object) -> None:
        self.statusBar().showMessage(self.tr("%1 recorded with the case").replace("%1", text), 15_000)
        self.case_model.reload()

    def _render_title(self) -> None:
        """The window's title: the open case's code while someone is signed in (a locked window names nothing)."""
        title = self.tr("DVW design-validation workstation")
        state = self.case_model.state
        shown = state is not None and self.session_model.state == SIGNED_IN
        self.setWindowTitle(f"{state.code} - {title}" if shown and state is not None else title)

    def _on_volume_changed(self) -> None:
        imported = self.workspace.imported
        self.slices.set_volume(None if imported is None else imported.result.volume)

    def _on_anatomy_changed(self) -> None:
        anatomy = self.workspace.anatomy
        if anatomy is not None:
            self.scene.set_notice(None)
        if anatomy is None:
            self.scene.set_anatomy(None)
        else:
            self.scene.set_anatomy(anatomy.stored.mesh, anatomy.display)
        self._outline_meshes()

    def _on_design_changed(self) -> None:
        design = self.workspace.design
        if design is not None:
            self.scene.set_notice(None)
        if design is None:
            self.scene.set_design(None)
        else:
            self.scene.set_design(design.stored.mesh, design.display)
        self._outline_meshes()

    def _outline_meshes(self) -> None:
        """The anatomy and the design, outlined on the slices (their stored meshes, patient LPS mm)."""
        meshes = []
        for name, found in (("anatomy", self.workspace.anatomy), ("design", self.workspace.design)):
            if found is not None:
                mesh = found.stored.mesh
                meshes.append((name, mesh.vertices, mesh.faces))
        self.slices.set_outline_meshes(tuple(meshes))

    def _on_check_changed(self) -> None:
        self.scene.set_markers(self.check_panel.flagged_markers())
        self.stress_map.refresh()  # after the markers: the stress map adds its peak to them

    # ------------------------------------------------------------------ reopening a case

    def _on_case_loaded(self, result: object) -> None:
        if not isinstance(result, ReopenedCase) or result.code != self.case_model.code:
            return  # another case was opened meanwhile
        if self.workspace.revision != self.cases_panel.started_revision:
            # A step's result arrived while the case was loading: it is newer than the files read.
            self.statusBar().showMessage(
                self.tr("Case %1: its saved work was not loaded, newer results are shown").replace("%1", result.code),
                15_000,
            )
            return
        self.apply_results(
            imported=result.imported,
            mask=result.mask,
            anatomy=result.anatomy,
            design=result.design,
            outcome=result.outcome,
        )
        if result.patient is not None:  # the patient facts the case's last check used, as it recorded them
            self.workspace.show_patient(result.patient)
        self._explain_empty_scene(result)
        names = {
            "volume": self.tr("volume"),
            "mask": self.tr("mask"),
            "anatomy": self.tr("anatomy mesh"),
            "design": self.tr("design"),
            "check": self.tr("last check"),
        }
        loaded = [names[name] for name in result.loaded]
        message = (
            self.tr("Case %1 reopened: %2 loaded.")
            .replace("%1", result.code)
            .replace("%2", self.tr(", ", "list separator").join(loaded))
            if loaded
            else self.tr("Case %1 opened: no saved work to load.").replace("%1", result.code)
        )
        if result.errors:
            first = result.errors[0]
            messages = "; ".join(problem.message for problem in result.errors)
            self.report_error(ErrorInfo(first.code, messages, first.path))
        if result.notes:  # work made after the last check: loaded, nothing failed, but it was not checked
            self.show_notice(
                self.tr("Case %1: work made after its last check was loaded; it has not been checked.").replace(
                    "%1", result.code
                )
                + "\n\n"
                + "\n".join(note.message for note in result.notes)
            )
        self.statusBar().showMessage(message, 15_000)

    def _explain_empty_scene(self, result: ReopenedCase) -> None:
        """Say in the 3D view why it is empty when the case was checked but none of its meshes could be loaded."""
        state = self.case_model.state
        if result.anatomy is not None or result.design is not None or state is None or state.check is None:
            return
        self.scene.set_notice(
            self.tr(
                "Nothing to show: case %1 has a recorded check, but its meshes are not in its work folder %2. A case "
                "recorded by dvw demo or dvw run keeps its files in that command's output folder."
            )
            .replace("%1", result.code)
            .replace("%2", str(work_folder(self.case_model.home, result.code)))
        )

    def apply_results(
        self,
        *,
        scan: Any = None,
        imported: Any = None,
        segmentation: Any = None,
        mask: Any = None,
        anatomy: Any = None,
        design: Any = None,
        outcome: Any = None,
    ) -> None:
        """Show results in the workspace and every panel, as if the steps had just made them (earlier ones cleared).

        The panels' own result handlers fill their summaries (the import's findings, the mask's statistics);
        moving to the next step after an import is suppressed, the step shown stays.
        """
        workspace = self.workspace
        workspace.clear()
        if scan is not None:
            self.import_panel.show_scan(scan)
        if imported is not None:
            self.import_panel.blockSignals(True)  # its "imported" would show the Segment step
            try:
                self.import_panel.show_import(imported)
            finally:
                self.import_panel.blockSignals(False)
            if segmentation is not None:
                self.segment_panel.show_segmentation(segmentation)
            if mask is not None and mask is not workspace.mask:
                workspace.set_mask(mask)
            if anatomy is not None:
                workspace.set_anatomy(anatomy)
        if design is not None:
            workspace.set_design(design)
        if outcome is not None:
            workspace.set_outcome(outcome)

    # ------------------------------------------------------------------ signing in, locking

    def ask_sign_in(self) -> None:
        """Ask who works here: the set-up of the first administrator for a store without users, else the sign-in.

        Nothing happens while someone is signed in or the window is locked (the lock view asks for the password).
        """
        if self._closed or not self._store_ready or self.session_model.state != SIGNED_OUT:
            return
        home = str(self.case_model.home)
        try:
            people = store_people(self.case_model.store())
        except Exception as exc:  # noqa: BLE001 - every failure goes to the one error relay
            self.report_error(describe_error(exc))
            return
        if not people.set_up:
            self.lock_view.show_setup(home)
            self.open_setup_dialog()
        else:
            self.lock_view.show_signed_out(home)
            self.open_sign_in_dialog()

    def open_sign_in_dialog(self, *, another_user: bool = False) -> SignInDialog:
        """Open the sign-in dialog (window-modal, not blocking); returns it.

        ``another_user``: opened from the lock screen, for someone else than the user who locked the window (the
        dialog says the open case will be closed).
        """
        if self.sign_in_dialog is not None and self.sign_in_dialog.isVisible():
            return self.sign_in_dialog
        locked = self.session_model.locked_user
        note = ""
        if another_user and locked is not None:
            note = self.tr(
                "%1 locked this window. If you sign in as another user, the open case is closed and its work not "
                "yet checked is not kept."
            ).replace("%1", locked.printed_name)
        offered = "" if another_user else self.settings.last_user
        dialog = SignInDialog(str(self.case_model.home), offered, note=note, parent=self)
        dialog.submitted.connect(partial(self._on_sign_in_submitted, dialog))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.sign_in_dialog = dialog
        dialog.open()
        return dialog

    def open_setup_dialog(self) -> SetupDialog:
        """Open the set-up of the store's first administrator (window-modal, not blocking); returns it."""
        if self.setup_dialog is not None and self.setup_dialog.isVisible():
            return self.setup_dialog
        dialog = SetupDialog(str(self.case_model.home), self)
        dialog.submitted.connect(partial(self._on_setup_submitted, dialog))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.setup_dialog = dialog
        dialog.open()
        return dialog

    def _start_access(self, task: Any, target: SignInDialog | SetupDialog | LockView) -> None:
        self._access_target = target
        self.access_worker.start(task, on_done=partial(self._on_access_done, target))

    def _on_sign_in_submitted(self, dialog: SignInDialog, user_id: str, password: str) -> None:
        self._start_access(partial(sign_in_user, self.case_model.home, user_id, password), dialog)

    def _on_setup_submitted(self, dialog: SetupDialog) -> None:
        request = SetupRequest(
            self.case_model.home, dialog.user_id(), dialog.printed_name(), dialog.password(), dialog.qualification()
        )
        self._start_access(partial(set_up_store, request), dialog)

    def _on_unlock_requested(self, password: str) -> None:
        locked = self.session_model.locked_user
        if locked is None:
            return
        self._start_access(partial(sign_in_user, self.case_model.home, locked.user_id, password), self.lock_view)

    def _on_sign_in_requested(self) -> None:
        if self.session_model.state == LOCKED:
            self.open_sign_in_dialog(another_user=True)
        else:
            self.ask_sign_in()

    def _on_access_done(self, target: SignInDialog | SetupDialog | LockView, outcome: object) -> None:
        self._access_target = None
        if not isinstance(outcome, SignInOutcome) or self._closed:
            return
        if isinstance(target, QDialog) and not target.isVisible():
            # Cancelled (or closed by a lock) while the password was checked: nobody signs in. A set-up made
            # meanwhile stays made: the lock view offers the sign-in now.
            if isinstance(target, SetupDialog) and self.session_model.state != LOCKED:
                self.lock_view.show_signed_out(str(self.case_model.home))
            return
        if isinstance(target, LockView) and self.session_model.state != LOCKED:
            return
        if outcome.refusal is not None:
            if isinstance(target, SignInDialog | LockView):
                target.show_refusal(outcome.refusal)
            return
        session = outcome.session
        if session is None:
            return
        before = self.session_model.user or self.session_model.locked_user
        if before is not None and before.user_id != session.user_id:
            self._close_case_work()  # another user: the open case's work in progress was the previous user's
        self.settings.last_user = session.user_id  # written with the other settings (no disk write here)
        if isinstance(target, QDialog):
            target.accept()
        self.session_model.sign_in(session)

    def _on_access_failed(self, info: object) -> None:
        target, self._access_target = self._access_target, None
        if not isinstance(info, ErrorInfo) or info.cancelled:
            if target is not None:
                target.set_busy(False)
            return
        if target is not None and target.isVisible():
            target.show_error(info)
        else:
            self.report_error(info)

    def lock(self) -> None:
        """Lock the window now: the session is dropped, the content covered, open dialogs closed.

        The same user unlocks with their password; another user may sign in instead. Running jobs finish and
        record with the session they started with.
        """
        if self.session_model.session is None:
            return
        self._idle_minutes = None
        self.session_model.lock()

    def _on_idle(self) -> None:
        if self.session_model.session is None:
            return
        self._idle_minutes = self.settings.lock_after_s / 60.0
        self.session_model.lock()

    def switch_user(self) -> None:
        """Lock the window and ask another user to sign in (who closes the open case); cancelling keeps the lock."""
        if self.session_model.session is not None:
            self.lock()
        if self.session_model.state == LOCKED:
            self.open_sign_in_dialog(another_user=True)

    def sign_out(self) -> None:
        """Sign out: the session is dropped, the open case closed (its unchecked work not kept); sign-in is asked."""
        if self.session_model.session is None:
            return
        self._close_case_work()
        self.session_model.sign_out()
        self.ask_sign_in()

    def _close_case_work(self) -> None:
        """Close the open case cleanly; its files and records stay.

        Its running steps are cancelled (those that record finish) and its work in progress (this session's
        results, the mask edits) is dropped.
        """
        recording = set(self.recording_workers())
        for worker in self.step_workers():
            if worker not in recording:
                worker.cancel()
        if self.review_action.isChecked():
            self.set_review_mode(False)
        self.case_model.close_case()
        self.workspace.clear()
        self.show_step("cases")

    def _close_dialogs(self) -> None:
        """Close every dialog of the window (a password typed into one, a case's data shown in one)."""
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()

    def _on_session_changed(self) -> None:
        if self._closed:
            self.inactivity.stop()
            return
        if self.session_model.state != SIGNED_IN:
            self.inactivity.stop()
            self._close_dialogs()
        else:
            self.inactivity.start(self.settings.lock_after_s)
        self._render_session()

    def _render_session(self) -> None:
        """The lock view or the content, the case bar's user, and the actions a signed-in user may use."""
        state = self.session_model.state
        user = self.session_model.user
        if state == SIGNED_IN and user is not None:
            self.user_label.setText(
                self.tr("Signed in: %1 (%2)").replace("%1", user.printed_name).replace("%2", role_text(user.role))
            )
            if self.pages.currentWidget() is not self.central:
                self.pages.setCurrentWidget(self.central)  # the 3D view shows its last frame again if current
        else:
            self.user_label.setText(self.tr("Not signed in"))
            self.statusBar().clearMessage()  # the last message may name the case
            locked = self.session_model.locked_user
            if state == LOCKED and locked is not None:
                self.lock_view.show_locked(locked, self._idle_minutes)
            self.pages.setCurrentWidget(self.lock_view)
        self._render_title()
        self._render_actions()

    def _render_actions(self) -> None:
        signed_in = self.session_model.state == SIGNED_IN
        syncing = self.sync_run_worker.running
        joined = self.sync_status is not None and bool(self.sync_status.joined_server)
        for action in (
            self.open_folder_action,
            self.report_action,
            self.review_action,
            self.lock_action,
            self.sign_out_action,
            *self.step_actions,
        ):
            action.setEnabled(signed_in)
        self.switch_user_action.setEnabled(self.session_model.state != SIGNED_OUT)
        # The settings may change the store folder: not for someone at a locked window.
        self.settings_action.setEnabled(self.session_model.state != LOCKED)
        self.sync_action.setEnabled(signed_in and not syncing)
        self.sync_button.setEnabled(signed_in and not syncing)
        self.join_action.setEnabled(signed_in and not syncing and not joined)

    def _need_session(self, what: str) -> bool:
        if self.session_model.session is not None:
            return True
        self.report_error(ErrorInfo("not_signed_in", f"sign in before {what}"))
        return False

    # ------------------------------------------------------------------ sync status

    def sync_now(self) -> None:
        """Sync the store with the server this site joined, in the background (a refusal is shown, with why).

        Only a signed-in user syncs, and the sites the server lists that this store does not trust yet are trusted
        by them (``site_trusted`` via the server, attested with their session) and pulled: the syncs run in the
        worker process without the session, the trust is recorded in between from this job's thread
        (:func:`app.gui.syncing.sync_now`).
        """
        if not self._store_ready or self._closed or self.sync_run_worker.running:
            return
        session = need_session(self.session_model, self.report_error, "syncing")  # who pressed Sync now trusts
        if session is None:
            return
        self.statusBar().showMessage(self.tr("Syncing with the company server..."))
        self.sync_run_worker.start(partial(sync_now, self.case_model.home, session), on_done=self._on_synced)

    def open_join_dialog(self) -> JoinDialog:
        """Ask for the server and the enrolment token (not blocking); joining runs in the background."""
        dialog = JoinDialog(self.settings.sync_server, self)
        dialog.accepted.connect(lambda: self._on_join_accepted(dialog))
        dialog.open()
        return dialog

    def _on_join_accepted(self, dialog: JoinDialog) -> None:
        if self.sync_run_worker.running or not self._store_ready:
            return
        if not self._need_session("joining the sync server"):
            return
        # Joining records nothing (the site key and the server file): in the worker process, without the session.
        join = partial(join_server, self.case_model.home, dialog.server(), dialog.token())
        self.sync_run_worker.start(partial(run_in_worker_process, join), on_done=self._on_joined)

    def _on_joined(self, joined: object) -> None:
        if not isinstance(joined, Joined):
            return
        self.settings.sync_server = joined.server
        self.settings.sync()
        self.statusBar().showMessage(
            self.tr("Joined %1 as %2.").replace("%1", joined.server).replace("%2", joined.name), 30_000
        )

    def _on_sync_running(self, running: bool) -> None:
        self._render_actions()
        if not running:
            self.refresh_sync_status()

    def _on_synced(self, outcome: object) -> None:
        if not isinstance(outcome, SyncOutcome):
            return
        self.last_sync_outcome = outcome
        # What was trusted comes first: it is the news, and the counts include what it let in.
        # A site by its name and the start of its id (the records and the audit name it in full).
        sentences = [
            self.tr("Site %1 (%2), enrolled with the server, is now trusted.")
            .replace("%1", site.site_id[:SITE_ID_SHOWN])
            .replace("%2", site.name)
            if site.name
            else self.tr("Site %1, enrolled with the server, is now trusted.").replace(
                "%1", site.site_id[:SITE_ID_SHOWN]
            )
            for site in outcome.trusted
        ]
        counts = (outcome.pushed, outcome.pulled, outcome.artifacts_pushed, outcome.artifacts_pulled, outcome.conflicts)
        if outcome.trusted:  # the server left out, so that the message fits the status bar (the case bar names it)
            synced = self.tr("Synced: %1 events sent, %2 received; %3 files sent, %4 received; conflicts: %5")
            values: tuple[object, ...] = counts
        else:
            synced = self.tr("Synced with %1: %2 events sent, %3 received; %4 files sent, %5 received; conflicts: %6")
            values = (outcome.server, *counts)
        for number in range(len(values), 0, -1):  # the last first: a "%2" in the server's URL stays as it is
            synced = synced.replace(f"%{number}", str(values[number - 1]))
        sentences.append(synced)
        if outcome.untrusted:  # only when the server enrolled a site while this one synced: the next sync takes it
            sentences.append(
                self.tr("Sites not trusted yet, sync again: %1").replace(
                    "%1", ", ".join(site.site_id[:SITE_ID_SHOWN] for site in outcome.untrusted)
                )
            )
        self.statusBar().showMessage(" ".join(sentences), 30_000)
        self.case_model.reload()  # cases and events other sites made arrive with a sync

    def refresh_sync_status(self) -> None:
        """Read the store's sync status again in the background (once the store is open)."""
        if not self._store_ready or self._closed or not self.isVisible():
            return
        task = partial(read_sync_status, self.case_model.home, self.settings.sync_server)
        self.sync_worker.start(task, on_done=self._on_sync_status_read)

    def _on_sync_status_read(self, status: object) -> None:
        if isinstance(status, SyncStatus):
            self.sync_status, self.sync_error = status, None
            self._render_sync_status()
            self._render_actions()

    def _on_sync_status_failed(self, info: object) -> None:
        if isinstance(info, ErrorInfo) and not info.cancelled:
            self.sync_status, self.sync_error = None, info
            self._render_sync_status()

    @staticmethod
    def _local_time(text: str) -> str:
        try:
            return datetime.fromisoformat(text).astimezone().strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return text

    def _render_sync_status(self) -> None:
        server = self.settings.sync_server
        status = self.sync_status
        if self.sync_error is not None:
            self.sync_label.setText(self.tr("Sync: status unknown"))
            self.sync_label.setToolTip(
                self.tr("The sync status could not be read: %1").replace("%1", self.sync_error.message)
            )
            return
        if status is None:
            self.sync_label.setText(
                self.tr("Sync: not configured") if not server else self.tr("Sync: %1").replace("%1", server)
            )
            self.sync_label.setToolTip(self.tr("Replication to the company server (reading its status...)"))
            return
        joined = status.joined_server
        pending = str(status.pending)
        if not joined and not server:
            text = self.tr("Sync: not configured; events only here: %1").replace("%1", pending)
        elif not joined:
            text = self.tr("Sync: %1, not joined yet; events to push: %2").replace("%1", server).replace("%2", pending)
        elif not status.last_sync:
            text = self.tr("Sync: never synced; events to push: %1").replace("%1", pending)
        else:
            text = (
                self.tr("Sync: last %1; events to push: %2")
                .replace("%1", self._local_time(status.last_sync))
                .replace("%2", pending)
            )
        self.sync_label.setText(text)
        never = self.tr("never")
        lines = [
            self.tr("Replication of the records to the company server."),
            self.tr("Server in the settings: %1").replace("%1", server or self.tr("none")),
            self.tr("Site enrolment: %1").replace(
                "%1",
                self.tr("joined %1 as %2").replace("%1", joined).replace("%2", status.site_name)
                if joined
                else self.tr("not joined (an administrator enrols this workstation once)"),
            ),
            self.tr("Site id: %1").replace("%1", status.site_id),
            self.tr("Last successful sync: %1").replace(
                "%1", self._local_time(status.last_sync) if status.last_sync else never
            ),
            self.tr("Events written here and not yet pushed: %1 of %2")
            .replace("%1", pending)
            .replace("%2", str(status.own_events)),
        ]
        self.sync_label.setToolTip("\n".join(lines))

    def set_review_mode(self, on: bool) -> None:
        """The joint review: large fonts, the Review step beside a large 3D view (no step list, no slices)."""
        self.review_action.setChecked(on)
        if on == self._review_on:
            return
        self._review_on = on
        if on:
            # Given back when the review ends: its large fonts widen the panels and may enlarge the window.
            self._sizes_before_review = self.splitter.sizes()
            self._window_before_review = self.size()
            self.show_step("review")
        # The font, not a style sheet: a style sheet on the central widget polishes every widget in it again
        # (about 60 ms more on the GUI thread); a font propagates to the children that do not set their own size.
        font = QFont()  # nothing set: inherited from the window
        if on:
            font.setPointSize(_REVIEW_FONT_PT)
        self.central.setFont(font)
        for banner in (self.check_panel.banner, self.review_panel.banner):
            banner.set_point_size(_REVIEW_FONT_PT if on else None)
        self.step_list.setVisible(not on)
        self.store_label.setVisible(not on)  # the review's case bar: the case, its state and verdict, sync
        self.slices.set_review_layout(on)
        for table in (self.review_panel.table, self.review_panel.audit_table):
            table.resizeColumnsToContents()
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        total = sum(self._sizes_before_review)
        if on:
            self.splitter.setSizes([total // 2, total - total // 2])
        else:
            # Once the panels have laid out again in the window's font: until then the review's large fonts keep
            # them as large as they were, and neither the window nor the splitter could give the views their room.
            QTimer.singleShot(0, self, self._restore_layout_after_review)

    def _restore_layout_after_review(self) -> None:
        """The window's size, the split of panels and views, and the tables' columns as before the review."""
        if self._review_on:
            return  # the review started again meanwhile
        if not (self.isMaximized() or self.isFullScreen()):
            self.resize(self._window_before_review)
        self.splitter.setSizes(self._sizes_before_review)
        for table in (self.check_panel.table, self.review_panel.table, self.review_panel.audit_table):
            table.resizeColumnsToContents()
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    # ------------------------------------------------------------------ errors

    def report_error(self, info: object) -> None:
        """The one error relay: the status bar, and a message box for anything but a cancel."""
        if not isinstance(info, ErrorInfo):
            return
        self.last_error = info
        self.statusBar().showMessage(error_line(info), 15_000)
        if info.cancelled:
            return
        if self.error_box is not None:
            self.error_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("DVW"), error_title(info), parent=self)
        details = info.message + (f"\n{info.path}" if info.path else "")
        if info.log_file:
            details += "\n" + self.tr("Details: %1").replace("%1", info.log_file)
        if info.code in WINDOW_WORDED or not speaks_english():
            # The title says what it means (and what to do in the window); the core's own line, worded for the
            # command line and the logs in English, is there for whoever asks for the details.
            box.setDetailedText(details)
        else:
            box.setInformativeText(details)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.error_box = box
        box.open()  # never exec(): the event loop keeps running

    # ------------------------------------------------------------------ actions

    def _on_open_folder_triggered(self) -> None:
        self.show_step("import")
        folder = QFileDialog.getExistingDirectory(self, self.tr("DICOM folder"), self.settings.last_folder)
        if folder:
            self.import_panel.scan(Path(folder))

    def export_report(self) -> None:
        """Ask where to write the PDF report and write it in the background (pictures from the 3D view)."""
        state = self.case_model.state
        if state is None:
            self.report_error(ErrorInfo("no_case", "open a case before exporting its report"))
            return
        start = str(Path(self.settings.last_folder or str(Path.home())) / f"{state.code}-report.pdf")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Report"), start, self.tr("PDF files (*.pdf)"))
        if path:
            self.settings.last_folder = str(Path(path).parent)
            self.write_report(Path(path), open_when_written=True)

    def write_report(self, path: Path, *, open_when_written: bool = False) -> None:
        """Write the PDF report of the current case to ``path`` in the background; then open it if asked."""
        images = []
        if self.scene.anatomy is not None or self.scene.design is not None:
            images.append((self.tr("The design on the anatomy (3D view)"), self.scene.picture()))
        on_written = self.open_report if open_when_written else None
        stress = self.scene.picture() if self.stress_map.shown is not None else None  # the stress map, as shown
        self.review_panel.start_report(
            path, images, background=BACKGROUND_RGB255, on_written=on_written, stress_picture=stress
        )

    def open_report(self, path: Path) -> None:
        """Open a written report in the desktop's PDF viewer (:attr:`open_url`), else its folder, else say where."""
        if self.open_url(QUrl.fromLocalFile(str(path))):
            self.statusBar().showMessage(self.tr("Report opened: %1").replace("%1", str(path)), 15_000)
            return
        if self.open_url(QUrl.fromLocalFile(str(path.parent))):
            self.statusBar().showMessage(
                self.tr("No PDF viewer answered; the report's folder is open: %1").replace("%1", str(path)), 15_000
            )
            return
        self.statusBar().showMessage(
            self.tr("No PDF viewer or file manager answered; the report is at %1").replace("%1", str(path)), 15_000
        )

    def open_settings(self) -> SettingsDialog:
        """Open the settings dialog (not blocking); everything applies at once when it is accepted."""
        dialog = SettingsDialog(self.settings, self)
        dialog.accepted.connect(lambda: self._on_settings_accepted(dialog))
        dialog.open()
        return dialog

    def _on_settings_accepted(self, dialog: SettingsDialog) -> None:
        language = dialog.chosen_language()
        switch = language != self.settings.language
        if switch and any(worker.running for worker in self.step_workers()):
            # Rebuilding the window now would drop the running step's result: keep the language for now.
            dialog.set_language(self.settings.language)
            switch = False
            self.show_notice(
                self.tr(
                    "A step is running: change the language again when it has finished. The other settings were saved."
                )
            )
        dialog.save()
        new_home = self.settings.home != self.case_model.home
        if new_home:
            # The session belongs to the old store's users: nobody is signed in to the new one yet.
            self._close_case_work()
            self.session_model.sign_out()
            try:
                self.case_model.set_home(self.settings.home)
            except Exception as exc:  # noqa: BLE001 - a store that cannot be opened is shown, the window stays open
                info = describe_error(exc)
                self.report_error(info)
                self.lock_view.show_store_problem(str(self.settings.home), error_line(info))
                return
            self._store_ready = self._store_tried  # opened now, if the start-up's loading has come that far
        self._on_case_changed()
        if self.session_model.state == SIGNED_IN:
            self.inactivity.start(self.settings.lock_after_s)  # the lock time may have changed
        if switch:
            self.switch_language(language)
        elif new_home:
            self.lock_view.show_opening(str(self.case_model.home))
            self.ask_sign_in()

    def show_notice(self, text: str) -> None:
        """An information box (window-modal, not blocking)."""
        if self.notice_box is not None:
            self.notice_box.close()
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("DVW"), text, parent=self)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.notice_box = box
        box.open()

    def switch_language(self, language: str) -> MainView:
        """Show the window in ``language`` now: a new window takes this one's place (see the module docstring).

        Returns
        -------
        MainView
            The new window (also :attr:`replacement`, and emitted by ``replaced``).
        """
        install_language(language)
        self.settings.save_window_geometry(self.saveGeometry(), self.saveState())
        replacement = MainView(self.settings)
        replacement.take_over(self)
        self.replacement = replacement
        replacement.show()  # before this one closes, or the application would quit with its last window
        self.replaced.emit(replacement)
        self.close()  # closed, not deleted: whoever holds this window lets it go (run_gui deletes it)
        return replacement

    def take_over(self, old: MainView) -> None:
        """Continue where window ``old`` is: who is signed in, the case, results, inputs, step and review mode."""
        self._idle_minutes = old._idle_minutes
        self.session_model.take_over(old.session_model)
        code = old.case_model.code
        if code is not None:
            try:
                self.case_model.open_case(code)
            except Exception as exc:  # noqa: BLE001 - every failure goes to the one error relay
                self.report_error(describe_error(exc))
        work = old.workspace
        self.apply_results(
            scan=work.scan,
            imported=work.imported,
            segmentation=work.segmentation,
            mask=work.mask,
            anatomy=work.anatomy,
            design=work.design,
            outcome=work.outcome,
        )
        self.workspace.set_entries(old.workspace.entries)  # the panels show what was entered
        self.sync_status, self.sync_error = old.sync_status, old.sync_error
        self._render_sync_status()
        self.show_step(old.current_step())
        if old.review_action.isChecked():
            self.set_review_mode(True)

    def _on_about_triggered(self) -> None:
        from validation.manifest import current_manifest  # noqa: PLC0415

        manifest = current_manifest()
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("About DVW"),
            self.tr("DVW %1\nSoftware manifest %2").replace("%1", manifest.version).replace("%2", manifest.manifest_id),
            parent=self,
        )
        box.open()

    # ------------------------------------------------------------------ window events

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        """Accept a dragged folder (when someone is signed in: nothing reaches a locked window)."""
        if self.session_model.state != SIGNED_IN:
            return
        urls = event.mimeData().urls()
        if urls and all(url.isLocalFile() and Path(url.toLocalFile()).is_dir() for url in urls[:1]):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        """Scan a dropped folder."""
        if self.session_model.state != SIGNED_IN:
            return
        urls: list[QUrl] = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            folder = Path(urls[0].toLocalFile())
            if folder.is_dir():
                self.show_step("import")
                self.import_panel.scan(folder)
                event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        """Stop the workers, remember the geometry, release the 3D view and the store."""
        from app.workers import wait_for_workers  # noqa: PLC0415

        self._closed = True
        self.inactivity.stop()
        self.session_model.sign_out()  # the session never outlives the window
        self.sync_timer.stop()
        self.sync_soon.stop()
        for worker in self.workers():
            worker.cancel()
        wait_for_workers(10_000)  # cancelled jobs stop at their next check point
        self.settings.save_window_geometry(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.scene.close_scene()
        self.case_model.close()
        super().closeEvent(event)
