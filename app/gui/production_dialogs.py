"""The Case menu's production steps: the final inspection of the printed part, and the device's state in words.

**Inspect printed part...** (:class:`InspectDialog`): the inspector picks the scan file (a mesh or point cloud in
mm, any pose), chooses themself among the users with the quality role (the signed-in user first) and re-enters
the password, as for a signature. The job (:func:`workflow.inspecting.inspect_with_password`) checks the password
and every gate first, registers and measures the scan in the worker process (progress and Cancel in the dialog)
and records the inspection as ``dvw inspect`` does. A refusal (no quality role, a file that is not a scan, a
device that already failed) is one line in the dialog. The result (:class:`InspectionResultDialog`) shows pass or
fail, the registration RMS, the figures of each region (whole part, bone-facing, rest) and the design coloured by
the deviation, with the colours running from minus to plus the tolerance (anything beyond saturates) and a marker
at the worst point.

:func:`install_production_actions` puts the actions into the window's Case menu; the window keeps the returned
:class:`ProductionActions`.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.models import SIGNED_IN, CaseModel, SessionModel
from app.gui.scene_view import DEVIATION_STOPS, SceneView, SurfaceColouring
from app.gui.widgets import ProgressPanel, error_line, error_title, role_text, speaks_english
from app.workers import ErrorInfo, TaskWorker
from app.workers.process import run_in_worker_process
from workflow.inspecting import DEVIATION_SCALARS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from app.gui.main_window import MainView
    from records.users import User
    from workflow.inspecting import InspectionShown

# Scan files offered by the file chooser (what geometry.inspection.read_scan reads).
SCAN_FILTER = "*.stl *.ply *.obj *.xyz"
QUALITY_ROLE = "quality"
# The largest build record file the dialog shows (traceability.build.MAX_BUILD_BYTES: the most it records).
MAX_PREVIEW_BYTES = 256 * 1024

# The device states of the case list (workflow.device_status): background and text colours.
DEVICE_COLOURS: dict[str, tuple[str, str]] = {
    "nonconforming": ("#c62828", "#ffffff"),
    "released": ("#2e7d32", "#ffffff"),
    "inspected": ("#c8e6c9", "#1b5e20"),
    "built": ("#fff3cd", "#5d4037"),
}


def device_text(state: str) -> str:
    """The translated device state of the case list (:data:`workflow.device_status.DEVICE_STATES`), short."""
    words = {
        "none": QCoreApplication.translate("Words", "no device"),
        "assigned": QCoreApplication.translate("Words", "UDI assigned"),
        "built": QCoreApplication.translate("Words", "built"),
        "inspected": QCoreApplication.translate("Words", "inspected"),
        "released": QCoreApplication.translate("Words", "released"),
        "nonconforming": QCoreApplication.translate("Words", "NONCONFORMING"),
    }
    return words.get(state, state)


def device_tip(state: str) -> str:
    """What a device state means (the case list's tooltip)."""
    words = {
        "none": QCoreApplication.translate("Words", "The current revision has no UDI yet: no device was made"),
        "assigned": QCoreApplication.translate(
            "Words", "The device has its UDI; no build record or manufactured step yet"
        ),
        "built": QCoreApplication.translate(
            "Words", "Built (a build record or the manufactured step); no passing inspection yet"
        ),
        "inspected": QCoreApplication.translate("Words", "Passed its final inspection (conforming); not released yet"),
        "released": QCoreApplication.translate("Words", "Released by quality, or further along its trace"),
        "nonconforming": QCoreApplication.translate(
            "Words",
            "Failed its final inspection: nonconforming, never inspected again or released; make a new device",
        ),
    }
    return words.get(state, state)


def device_item(state: str) -> QTableWidgetItem:
    """A case-list cell for a device state: its words, colours and (for the failed and released) bold."""
    item = QTableWidgetItem(device_text(state))
    item.setToolTip(device_tip(state))
    colours = DEVICE_COLOURS.get(state)
    if colours is not None:
        item.setBackground(QColor(colours[0]))
        item.setForeground(QColor(colours[1]))
    if state in ("nonconforming", "released"):
        font = QFont()
        font.setBold(True)
        item.setFont(font)
    return item


def region_text(name: str) -> str:
    """The translated name of an inspection region (workflow.inspection: whole, bearing, rest)."""
    words = {
        "whole": QCoreApplication.translate("Words", "Whole part"),
        "bearing": QCoreApplication.translate("Words", "Bone-facing (bearing)"),
        "rest": QCoreApplication.translate("Words", "Rest"),
    }
    return words.get(name, name)


def _local_time(text: str) -> str:
    """An ISO 8601 time as the window shows it: local date and time to the minute."""
    try:
        return datetime.fromisoformat(text).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return text


def _millimetres(value: object, signed: bool = True) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return "-"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


class InspectDialog(QDialog):
    """The final inspection's input: the scan file, the tolerance, the inspector and their password.

    Signals: ``submitted()`` when Inspect is pressed with a scan chosen (the window starts the job; the password is
    read and cleared then).
    """

    submitted = Signal()

    def __init__(  # noqa: PLR0915 - a dialog's widgets are built and wired in one place
        self, code: str, users: Sequence[User], signed_in: str | None, worker: TaskWorker, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.code = code
        self.setWindowTitle(self.tr("Inspect printed part - case %1").replace("%1", code))
        self.setMinimumWidth(640)
        intro = QLabel(
            self.tr(
                "The 3D scan of the printed part is registered onto the case's design (any pose, no picking) and "
                "each scan point's deviation from it is measured. The inspection is recorded with your name, the "
                "scan and the report; a failed inspection makes the device nonconforming for good."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.scan_edit = QLineEdit(self)
        self.scan_edit.setPlaceholderText(self.tr("scan file: STL, PLY, OBJ or XYZ, in mm"))
        self.scan_edit.setToolTip(self.tr("A mesh or point cloud of the printed part, in mm, in any pose"))
        self.browse_button = QPushButton(self.tr("Browse..."), self)
        self.browse_button.setToolTip(self.tr("Choose the scan file"))
        self.browse_button.clicked.connect(self._on_browse_clicked)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.scan_edit, 1)
        scan_row.addWidget(self.browse_button)
        self.own_tolerance = QCheckBox(self.tr("Own tolerance"), self)
        self.own_tolerance.setToolTip(self.tr("Unchecked: the device family's inspection tolerances"))
        self.tolerance_spin = QDoubleSpinBox(self)
        self.tolerance_spin.setRange(0.01, 10.0)
        self.tolerance_spin.setDecimals(2)
        self.tolerance_spin.setSingleStep(0.05)
        self.tolerance_spin.setValue(0.3)
        self.tolerance_spin.setSuffix(" mm")
        self.tolerance_spin.setPrefix("± ")
        self.tolerance_spin.setEnabled(False)
        self.own_tolerance.toggled.connect(self.tolerance_spin.setEnabled)
        tolerance_row = QHBoxLayout()
        tolerance_row.addWidget(self.own_tolerance)
        tolerance_row.addWidget(self.tolerance_spin)
        tolerance_row.addStretch(1)
        self.user_combo = QComboBox(self)
        self.user_combo.setToolTip(self.tr("The inspector: a user with the quality role"))
        inspectors = [user for user in users if user.role == QUALITY_ROLE and user.enabled]
        inspectors.sort(key=lambda user: user.user_id != signed_in)
        for user in inspectors:
            self.user_combo.addItem(f"{user.printed_name} ({user.user_id}, {role_text(user.role)})", user.user_id)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setToolTip(self.tr("The inspector's password: the record is theirs"))
        form = QFormLayout()
        form.addRow(self.tr("Scan:"), scan_row)
        form.addRow(self.tr("Tolerance:"), tolerance_row)
        form.addRow(self.tr("Inspector:"), self.user_combo)
        form.addRow(self.tr("Password:"), self.password_edit)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("inspectMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #b00020;")
        self.progress = ProgressPanel(worker, self)
        buttons = QDialogButtonBox(self)
        self.inspect_button = buttons.addButton(self.tr("Inspect"), QDialogButtonBox.ButtonRole.ActionRole)
        self.inspect_button.setToolTip(self.tr("Register the scan, measure it and record the inspection"))
        self.inspect_button.setDefault(True)
        self.inspect_button.clicked.connect(self._on_inspect_clicked)
        close = buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setToolTip(self.tr("Close; a running inspection is cancelled and nothing is recorded"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        if not inspectors:
            self.show_message(self.tr("No user of this workstation has the quality role: nobody here may inspect."))
            self.inspect_button.setEnabled(False)
        worker.running_changed.connect(self._on_running_changed)

    def _on_browse_clicked(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Scan of the printed part"),
            self.scan_edit.text(),
            self.tr("Scans (%1)").replace("%1", SCAN_FILTER),
        )
        if chosen:
            self.scan_edit.setText(chosen)

    def tolerance_mm(self) -> float | None:
        """The tolerance entered (mm), or None for the device family's."""
        return float(self.tolerance_spin.value()) if self.own_tolerance.isChecked() else None

    def show_message(self, text: str) -> None:
        """Say one line in the dialog (a refusal, or what is missing)."""
        self.message_label.setText(text)

    def show_refusal(self, info: ErrorInfo) -> None:
        """A refused or failed inspection, in one line: what to do first, then the core's reason."""
        special = {
            "role_not_permitted": self.tr("Only a user with the quality role records a final inspection."),
            "mesh_file": self.tr("The file is not a scan DVW can read (a mesh or point cloud in mm):"),
            "nonconforming": self.tr("The device is nonconforming: it is never inspected again or released."),
            "no_udi": self.tr("The case's current revision has no UDI: nothing was made to inspect."),
        }
        title = special.get(info.code, error_title(info))
        if info.code in ("wrong_password", "cancelled"):
            text = title
        elif speaks_english():
            text = f"{title} {info.message}"
        else:  # the core's line is English (for the command line and the logs): on hover; the file is named
            text = f"{title} {info.path}" if info.path else title
        self.show_message(text)
        self.message_label.setToolTip(info.message)

    def _on_inspect_clicked(self) -> None:
        if not self.scan_edit.text().strip():
            self.show_message(self.tr("Choose the scan file first."))
            return
        if self.user_combo.currentData() is None:
            return
        self.show_message("")
        self.submitted.emit()

    def _on_running_changed(self, running: bool) -> None:
        for widget in (self.inspect_button, self.scan_edit, self.browse_button, self.password_edit):
            widget.setEnabled(not running)


class InspectionResultDialog(QDialog):
    """A recorded inspection: pass or fail, the registration, the figures per region and the deviation map."""

    def __init__(self, code: str, shown: InspectionShown, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown = shown
        measured = shown.view.measured
        self.setWindowTitle(self.tr("Inspection of case %1").replace("%1", code))
        self.resize(1100, 900)
        self.banner = QLabel(self)
        self.banner.setObjectName("inspectionBanner")
        self.banner.setWordWrap(True)
        font = QFont()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.banner.setFont(font)
        if shown.passed:
            self.banner.setText(
                self.tr("PASS: device %1 is within its tolerances (conforming).").replace("%1", shown.serial)
            )
            self.banner.setStyleSheet("background: #2e7d32; color: white; padding: 10px;")
        else:
            self.banner.setText(
                self.tr("FAIL: device %1 is out of tolerance. It is nonconforming and is never released.").replace(
                    "%1", shown.serial
                )
            )
            self.banner.setStyleSheet("background: #c62828; color: white; padding: 10px;")
        registration = measured.registration
        self.facts_label = QLabel(self)
        self.facts_label.setWordWrap(True)
        self.facts_label.setText(
            self.tr(
                "Inspector: %1, %2. Registration RMS %3 mm over %4 scan points. Worst point %5 mm (marked). Figures "
                "of each point's median deviation over its 16 nearest points."
            )
            .replace("%1", shown.inspector)
            .replace("%2", _local_time(shown.inspected_at))
            .replace("%3", f"{float(registration.get('rms_mm', math.nan)):.4f}")
            .replace("%4", f"{measured.scan_points:,}")
            .replace("%5", f"{shown.view.worst_mm:+.3f}")
        )
        headers = [
            self.tr("Region"),
            self.tr("Points"),
            self.tr("Max (mm)"),
            self.tr("Min (mm)"),
            self.tr("Mean (mm)"),
            self.tr("RMS (mm)"),
            self.tr("Within tolerance"),
            self.tr("Tolerance (mm)"),
            self.tr("Result"),
        ]
        self.table = QTableWidget(0, len(headers), self)
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setToolTip(self.tr("The deviation figures of each region, outward positive"))
        self._fill_table(measured.regions)
        rows = self.table.verticalHeader().length() + self.table.horizontalHeader().height()
        self.table.setFixedHeight(rows + 2 * self.table.frameWidth() + 2)
        self.scene = SceneView(self)
        self.scene.setMinimumSize(640, 420)
        view = shown.view
        self.scene.set_anatomy(view.anatomy, view.anatomy_surface)
        self.scene.set_design(view.design, view.surface)
        # Plus or minus the tolerance spans the colours: white within it, anything beyond saturates red or blue.
        tolerance = measured.tolerance_mm
        self.scene.set_design_colouring(
            SurfaceColouring(DEVIATION_SCALARS, (-tolerance, tolerance), DEVIATION_STOPS, "mm", "%+.2f")
        )
        self.scene.set_markers([(f"{shown.view.worst_mm:+.2f} mm", shown.view.worst_point_mm)])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.facts_label)
        layout.addWidget(self.table)
        layout.addWidget(self.scene, 1)
        layout.addWidget(buttons)
        self.finished.connect(self._on_finished)

    def _fill_table(self, regions: Sequence[dict[str, Any]]) -> None:
        self.table.setRowCount(len(regions))
        for row, region in enumerate(regions):
            share = region.get("within_share")
            passed = region.get("passed")
            cells = [
                region_text(str(region.get("name"))),
                f"{int(region.get('points') or 0):,}",
                _millimetres(region.get("max_mm")),
                _millimetres(region.get("min_mm")),
                _millimetres(region.get("mean_mm")),
                _millimetres(region.get("rms_mm"), signed=False),
                "-" if not isinstance(share, int | float) else f"{100.0 * share:.2f} %",
                f"± {region.get('tolerance_mm')}",
                "-" if passed is None else (self.tr("pass") if passed else self.tr("FAIL")),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == len(cells) - 1 and passed is not None:
                    item.setBackground(QColor("#c8e6c9" if passed else "#c62828"))
                    item.setForeground(QColor("#1b5e20" if passed else "#ffffff"))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        """Make the 3D view's render window once the dialog is on screen."""
        super().showEvent(event)
        QTimer.singleShot(0, self.scene.activate)

    def _on_finished(self, _result: int) -> None:
        self.scene.close_scene()


class BuildRecordDialog(QDialog):
    """The device's build record: the TOML file ``dvw build record`` takes, shown, then recorded as the signed-in user.

    Signals: ``submitted()`` when Record is pressed with a file chosen.
    """

    submitted = Signal()

    def __init__(self, code: str, signed_in: str, worker: TaskWorker, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.code = code
        self.setWindowTitle(self.tr("Build record - case %1").replace("%1", code))
        self.resize(760, 640)
        intro = QLabel(
            self.tr(
                "How the device was built: the build record file (TOML: build job, printer and its calibration, "
                "parameter set, material lots, environment, placement, post-processing, witness sample), as dvw "
                "build record takes it. It is checked and recorded as %1; a problem is named with its line."
            ).replace("%1", signed_in),
            self,
        )
        intro.setWordWrap(True)
        self.file_edit = QLineEdit(self)
        self.file_edit.setPlaceholderText(self.tr("build record file, e.g. BUILD.toml"))
        self.file_edit.setToolTip(self.tr("The build record file; a parameter file it names is looked for beside it"))
        self.file_edit.editingFinished.connect(self._show_file)
        self.browse_button = QPushButton(self.tr("Browse..."), self)
        self.browse_button.setToolTip(self.tr("Choose the build record file"))
        self.browse_button.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.file_edit, 1)
        row.addWidget(self.browse_button)
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setToolTip(self.tr("The file as it will be checked and recorded"))
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("buildMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumHeight(3 * self.message_label.fontMetrics().lineSpacing())
        self.progress = ProgressPanel(worker, self)
        buttons = QDialogButtonBox(self)
        self.record_button = buttons.addButton(self.tr("Record"), QDialogButtonBox.ButtonRole.ActionRole)
        self.record_button.setToolTip(self.tr("Check the file and record the build with the case"))
        self.record_button.clicked.connect(self._on_record_clicked)
        close = buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setToolTip(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        worker.running_changed.connect(self._on_running_changed)

    def _on_browse_clicked(self) -> None:
        kinds = self.tr("Build records (%1)").replace("%1", "*.toml")
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Build record"), self.file_edit.text(), kinds)
        if chosen:
            self.file_edit.setText(chosen)
            self._show_file()

    def path(self) -> Path | None:
        """The file chosen, or None."""
        text = self.file_edit.text().strip()
        return Path(text) if text else None

    def _show_file(self) -> None:
        """Show the chosen file's text (a small file: the core refuses anything over its limit when recording)."""
        path = self.path()
        self.preview.clear()
        if path is None or not path.is_file() or path.stat().st_size > MAX_PREVIEW_BYTES:
            return
        self.preview.setPlainText(path.read_bytes().decode("utf-8", errors="replace"))

    def show_message(self, text: str, *, refused: bool) -> None:
        """Say what happened: a refusal (in red, with the file and line) or what was recorded."""
        self.message_label.setStyleSheet("color: #b00020;" if refused else "color: #1b5e20;")
        self.message_label.setText(text)

    def _on_record_clicked(self) -> None:
        if self.path() is None:
            self.show_message(self.tr("Choose the build record file first."), refused=True)
            return
        self._show_file()
        self.show_message("", refused=False)
        self.submitted.emit()

    def _on_running_changed(self, running: bool) -> None:
        for widget in (self.record_button, self.file_edit, self.browse_button):
            widget.setEnabled(not running)


class ProductionActions(QObject):
    """The Case menu's production actions of one window, their worker and dialogs."""

    def __init__(self, window: MainView) -> None:
        super().__init__(window)
        self._window = window
        self._case_model: CaseModel = window.case_model
        self._sessions: SessionModel = window.session_model
        # The job records with the inspector's session (a thread of this process) and measures in the worker process.
        # Made on first use, after the window has wired its workers to its error relay: a refusal is said in the
        # dialog, in one line, not in a message box as well.
        self._inspect_worker: TaskWorker | None = None
        self.inspect_dialog: InspectDialog | None = None
        self.result_dialog: InspectionResultDialog | None = None
        self.inspect_action = QAction(self.tr("Inspect printed part..."), window)
        self.inspect_action.setToolTip(
            self.tr("Compare the 3D scan of the printed part with its design and record the final inspection")
        )
        self.inspect_action.setStatusTip(self.inspect_action.toolTip())
        self.inspect_action.triggered.connect(self.open_inspect_dialog)
        self.build_action = QAction(self.tr("Build record..."), window)
        self.build_action.setToolTip(self.tr("Record how the case's device was built, from its build record file"))
        self.build_action.setStatusTip(self.build_action.toolTip())
        self.build_action.triggered.connect(self.open_build_dialog)
        self.build_dialog: BuildRecordDialog | None = None
        self._build_worker: TaskWorker | None = None
        window.case_menu.addAction(self.build_action)
        window.case_menu.addAction(self.inspect_action)
        self._case_model.changed.connect(self._render_actions)
        self._sessions.changed.connect(self._render_actions)
        self._render_actions()

    @property
    def inspect_worker(self) -> TaskWorker:
        """The inspection's worker (made on first use)."""
        if self._inspect_worker is None:
            self._inspect_worker = TaskWorker("inspection", self, waits_for_process=True)
            self._inspect_worker.failed.connect(self._on_inspect_failed)
        return self._inspect_worker

    def _render_actions(self) -> None:
        ready = self._case_model.code is not None and self._sessions.state == SIGNED_IN
        self.inspect_action.setEnabled(ready)
        self.build_action.setEnabled(ready)

    @property
    def build_worker(self) -> TaskWorker:
        """The build record's worker (made on first use, as the inspection's)."""
        if self._build_worker is None:
            self._build_worker = TaskWorker("build record", self)
            self._build_worker.failed.connect(self._on_build_failed)
        return self._build_worker

    def open_build_dialog(self) -> BuildRecordDialog | None:
        """Open the build record dialog for the open case (window-modal, not blocking); returns it."""
        code = self._case_model.code
        user = self._sessions.user
        if code is None or user is None:
            return None
        dialog = BuildRecordDialog(code, user.printed_name, self.build_worker, self._window)
        dialog.submitted.connect(partial(self._on_build_submitted, dialog))
        self.build_dialog = dialog
        dialog.open()
        return dialog

    def _on_build_submitted(self, dialog: BuildRecordDialog) -> None:
        from workflow.build_recording import BuildRequest, record_build_file  # noqa: PLC0415

        session = self._sessions.session
        path = dialog.path()
        if session is None or path is None:
            return
        task = partial(record_build_file, BuildRequest(self._case_model.home, dialog.code, path), session)
        self.build_worker.start(task, on_done=partial(self._on_built, dialog))

    def _on_built(self, dialog: BuildRecordDialog, summary: object) -> None:
        self._case_model.reload()
        if not isinstance(summary, dict):
            return
        dialog.show_message(
            self.tr("Build %1 on %2 recorded for device %3 (event %4; material lots %5).")
            .replace("%1", str(summary["job_id"]))
            .replace("%2", str(summary["equipment_id"]))
            .replace("%3", str(summary["serial"]))
            .replace("%4", str(summary["seq"]))
            .replace("%5", ", ".join(str(lot) for lot in summary["lots"])),
            refused=False,
        )

    def _on_build_failed(self, info: object) -> None:
        dialog = self.build_dialog
        if not isinstance(info, ErrorInfo):
            return
        if dialog is not None and dialog.isVisible():
            # A build record's refusal names the file and line at fault: shown as it is, in every language.
            refused = self.tr("Refused:")
            text = f"{refused} {info.message}" if info.code == "build_record" else error_line(info)
            dialog.show_message(text, refused=True)
            dialog.message_label.setToolTip(info.message)
        elif not info.cancelled:
            self._window.report_error(info)

    def open_inspect_dialog(self) -> InspectDialog | None:
        """Open the inspection dialog for the open case (window-modal, not blocking); returns it."""
        from records.users import load_users  # noqa: PLC0415

        code = self._case_model.code
        user = self._sessions.user
        if code is None or user is None:
            return None
        users = list(load_users(self._case_model.store()).values())
        dialog = InspectDialog(code, users, user.user_id, self.inspect_worker, self._window)
        dialog.submitted.connect(partial(self._on_inspect_submitted, dialog))
        dialog.rejected.connect(self.inspect_worker.cancel)
        self.inspect_dialog = dialog
        dialog.open()
        return dialog

    def _on_inspect_submitted(self, dialog: InspectDialog) -> None:
        from workflow.inspecting import InspectionRequest, inspect_with_password  # noqa: PLC0415

        request = InspectionRequest(
            home=self._case_model.home,
            code=dialog.code,
            scan=Path(dialog.scan_edit.text().strip()),
            user_id=str(dialog.user_combo.currentData()),
            password=dialog.password_edit.text(),
            tolerance_mm=dialog.tolerance_mm(),
        )
        dialog.password_edit.clear()
        task = partial(inspect_with_password, request, run=run_in_worker_process)
        self.inspect_worker.start(task, on_done=partial(self._on_inspected, dialog))

    def _on_inspected(self, dialog: InspectDialog, shown: object) -> None:
        self._case_model.reload()
        if dialog.isVisible():
            dialog.accept()
        self.show_result(dialog.code, shown)  # type: ignore[arg-type]  # the job returns InspectionShown

    def show_result(self, code: str, shown: InspectionShown) -> InspectionResultDialog:
        """Show a recorded inspection (not modal); returns the dialog."""
        result = InspectionResultDialog(code, shown, self._window)
        self.result_dialog = result
        result.show()
        return result

    def _on_inspect_failed(self, info: object) -> None:
        dialog = self.inspect_dialog
        if not isinstance(info, ErrorInfo):
            return
        if dialog is not None and dialog.isVisible():
            dialog.show_refusal(info)
        elif not info.cancelled:
            self._window.report_error(info)


def install_production_actions(window: MainView) -> ProductionActions:
    """Add the production steps to ``window``'s Case menu; the window keeps the returned object."""
    return ProductionActions(window)
