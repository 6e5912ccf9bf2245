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

**Recorded inspections...** (:class:`InspectionsDialog`) lists the case's inspections (date, inspector, result,
revision, device); one opened is read back in the worker process (:func:`workflow.inspecting.reopen_inspection`:
the recorded figures, the colour map drawn again from the recorded scan and registration, every artifact checked by
its SHA-256) and shown in the same result dialog, read-only.

**Build record...** (:class:`BuildRecordDialog`) is the entry form of everything ``dvw build record`` takes, checked
by the same reader (each refusal shown at its field) and recorded in the background as the signed-in user; **Load
from file...** fills it from a build record file.

The case bar shows the open case's device state (as the case list's Device column, from its worker's results).
:func:`install_production_actions` puts the actions into the window's Case menu; the window keeps the returned
:class:`ProductionActions`.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QDateTime,
    QItemSelectionModel,
    QObject,
    Qt,
    QTime,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
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
from workflow.build_recording import BuildForm, file_sha256, form_from_file
from workflow.inspecting import DEVIATION_SCALARS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from app.gui.main_window import MainView
    from records.users import User
    from workflow.inspecting import InspectionShown

# Scan files offered by the file chooser (what geometry.inspection.read_scan reads).
SCAN_FILTER = "*.stl *.ply *.obj *.xyz"
QUALITY_ROLE = "quality"

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

    def __init__(  # noqa: PLR0915 - a dialog's widgets are built and wired in one place
        self, code: str, shown: InspectionShown, parent: QWidget | None = None, *, reopened: bool = False
    ) -> None:
        super().__init__(parent)
        self.shown = shown
        measured = shown.view.measured
        self.setWindowTitle(self.tr("Inspection of case %1").replace("%1", code))
        self.reopened_label = QLabel(self)
        self.reopened_label.setWordWrap(True)
        self.reopened_label.setVisible(reopened)
        self.reopened_label.setText(
            self.tr(
                "Recorded inspection, read back (read-only): the figures are the recorded report's; the colour map is "
                "drawn again from the recorded scan, registration and design, each checked by its SHA-256. Report "
                "%1."
            ).replace("%1", shown.report_sha256[:16])
        )
        self.reopened_label.setToolTip(shown.report_sha256)
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
        layout.addWidget(self.reopened_label)
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


class InspectionsDialog(QDialog):
    """The case's recorded inspections (newest first); one opened is read back from the records, read-only.

    Signals: ``chosen(str)`` with the inspection's event id when Open is pressed or a row double-clicked.
    """

    chosen = Signal(str)

    def __init__(
        self, code: str, rows: Sequence[dict[str, Any]], worker: TaskWorker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.code = code
        self.rows = list(rows)
        self.setWindowTitle(self.tr("Inspections of case %1").replace("%1", code))
        self.resize(820, 420)
        intro = QLabel(
            self.tr(
                "The final inspections recorded for this case, newest first. Open one to see its recorded figures "
                "and colour map again (read-only)."
            ),
            self,
        )
        intro.setWordWrap(True)
        headers = [self.tr("Date"), self.tr("Inspector"), self.tr("Result"), self.tr("Revision"), self.tr("Device")]
        self.table = QTableWidget(len(self.rows), len(headers), self)
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip(self.tr("Double-click an inspection to open it"))
        for row, entry in enumerate(self.rows):
            passed = entry.get("result") == "pass"
            cells = [
                _local_time(str(entry.get("inspected_at", ""))),
                str(entry.get("inspector", "")),
                self.tr("pass") if passed else self.tr("FAIL"),
                str(entry.get("revision", "")),
                str(entry.get("serial", "")),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setBackground(QColor("#c8e6c9" if passed else "#c62828"))
                    item.setForeground(QColor("#1b5e20" if passed else "#ffffff"))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.cellDoubleClicked.connect(self._on_row_activated)
        if self.rows:
            self.table.selectRow(0)
        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setStyleSheet("color: #b00020;")
        if not self.rows:
            self.message_label.setStyleSheet("")
            self.message_label.setText(self.tr("No inspection is recorded for this case yet."))
        self.progress = ProgressPanel(worker, self)
        buttons = QDialogButtonBox(self)
        self.open_button = buttons.addButton(self.tr("Open"), QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setToolTip(self.tr("Show the selected inspection's figures and colour map (read-only)"))
        self.open_button.setDefault(True)
        self.open_button.setEnabled(bool(self.rows))
        self.open_button.clicked.connect(self._on_open_clicked)
        close = buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setToolTip(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        worker.running_changed.connect(self._on_running_changed)

    def _on_row_activated(self, row: int, _column: int) -> None:
        self.table.selectRow(row)
        self._on_open_clicked()

    def _on_open_clicked(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            self.message_label.clear()
            self.chosen.emit(str(self.rows[row]["event_id"]))

    def _on_running_changed(self, running: bool) -> None:
        self.open_button.setEnabled(not running and bool(self.rows))


# The build record form's tables: the record's array name and its keys, one a column.
MATERIAL_KEYS = ("material", "supplier", "lot", "virgin_share", "gtin")
ENVIRONMENT_KEYS = ("quantity", "value", "unit")
POST_PROCESSING_KEYS = ("step", "detail")
FIELD_ERROR_STYLE = "border: 2px solid #b00020;"
#: A form's date before anyone entered one (shown blank).
BLANK_DATE = QDate(2000, 1, 1)
ERROR_CELL = "#f8d7da"


class BuildRecordDialog(QDialog):
    """The device's build record: an entry form of every field ``dvw build record`` takes, or its TOML file.

    The form is checked by the same reader as the command line when Record is pressed (in the background, as the
    signed-in user); a refusal is said at the field at fault (the field framed in red, a line under it) and below.
    **Load from file...** fills the form from a build record file; recorded unchanged, the file itself is
    recorded (its own hash, a refusal naming its line), as ``dvw build record --file`` does.

    Signals: ``submitted()`` when Record is pressed (:meth:`loaded_file` says whether the file or the form).
    """

    submitted = Signal()

    def __init__(  # noqa: PLR0915 - a form's widgets are built and wired in one place
        self,
        code: str,
        serial: str,
        users: Sequence[User],
        signed_in: User,
        *,
        worker: TaskWorker,
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.code = code
        self._loaded: Path | None = None
        self._filling = False
        self._field_widgets: dict[str, QWidget] = {}
        self._field_labels: dict[str, QLabel] = {}
        self.setWindowTitle(self.tr("Build record - case %1").replace("%1", code))
        self.resize(1280, 860)
        intro = QLabel(
            self.tr(
                "How device %1 was built: what could make it fail its requirements (T/CAMDI 4.7.10). Checked as dvw "
                "build record checks a build record file and recorded as %2; a problem is shown at its field."
            )
            .replace("%1", serial or "-")
            .replace("%2", signed_in.printed_name),
            self,
        )
        intro.setWordWrap(True)

        self.job_edit = self._line(self.tr("The build job's id on the printer, e.g. BJ-2026-0147"))
        # The dates start blank: a date nobody entered is never recorded (the reader refuses the blank at its field).
        self.started_edit = self._when(self.tr("When the build started (local time)"))
        self.finished_edit = self._when(self.tr("When the build finished (local time)"))
        self.operator_combo = QComboBox(self)
        self.operator_combo.setToolTip(self.tr("Who ran the build: a user of this workstation"))
        operators = sorted(
            (user for user in users if user.enabled), key=lambda user: (user.user_id != signed_in.user_id, user.user_id)
        )
        for user in operators:
            self.operator_combo.addItem(f"{user.printed_name} ({user.user_id}, {role_text(user.role)})", user.user_id)
        self.witness_edit = self._line(self.tr("The witness sample carries the device's own number (T/CAMDI 4.7.11)"))
        self.witness_edit.setText(serial)
        self.equipment_edit = self._line(self.tr("The printer's equipment id, e.g. EOS-P396-02"))
        self.calibration_edit = QDateEdit(self)
        self.calibration_edit.setCalendarPopup(True)
        self.calibration_edit.setDisplayFormat("yyyy-MM-dd")
        self.calibration_edit.setMinimumDate(BLANK_DATE)
        self.calibration_edit.setSpecialValueText(self.tr("(enter the date)"))
        self.calibration_edit.setDate(BLANK_DATE)
        self.calibration_edit.setToolTip(
            self.tr("When the printer's calibration is due: a calibration due before the build started is refused")
        )
        self.parameter_name_edit = self._line(self.tr("The process parameter set's name, e.g. PEKK-standard-v3"))
        self.parameter_file_edit = self._line(self.tr("The parameter set's file: it is recorded by its SHA-256"))
        self.parameter_file_edit.editingFinished.connect(self._show_parameter_hash)
        self._parameters_sha256 = ""
        parameter_browse = QPushButton(self.tr("Browse..."), self)
        parameter_browse.setToolTip(self.tr("Choose the parameter set's file"))
        parameter_browse.clicked.connect(self._on_parameter_browse_clicked)
        parameter_row = QHBoxLayout()
        parameter_row.addWidget(self.parameter_file_edit, 1)
        parameter_row.addWidget(parameter_browse)
        self.parameter_hash_label = QLabel(self)
        self.parameter_hash_label.setObjectName("parameterHash")
        self.parameter_hash_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.position_spins = self._triple(self.tr("Position of the part in the build volume (mm)"), " mm")
        self.orientation_spins = self._triple(self.tr("Orientation of the part (degrees about x, y, z)"), " °")

        left = QFormLayout()
        self._row(left, self.tr("Build job id:"), self.job_edit, "build.0.job_id")
        self._row(left, self.tr("Started:"), self.started_edit, "build.0.started")
        self._row(left, self.tr("Finished:"), self.finished_edit, "build.0.finished")
        self._row(left, self.tr("Operator:"), self.operator_combo, "build.0.operator")
        self._row(left, self.tr("Witness sample:"), self.witness_edit, "build.0.witness_sample")
        self._row(left, self.tr("Printer (equipment id):"), self.equipment_edit, "printer.0.equipment_id")
        self._row(left, self.tr("Calibration due:"), self.calibration_edit, "printer.0.calibration_due")
        self._row(left, self.tr("Parameter set:"), self.parameter_name_edit, "parameters.0.name")
        self._row(left, self.tr("Parameter file:"), parameter_row, "parameters.0.file", self.parameter_file_edit)
        left.addRow("", self.parameter_hash_label)
        self._row(left, self.tr("Placement:"), self._spin_row(self.position_spins), "placement.0.position_mm")
        self._row(left, self.tr("Orientation:"), self._spin_row(self.orientation_spins), "placement.0.orientation_deg")
        for alias in ("parameters.0.sha256", "parameters.0."):
            self._field_widgets[alias] = self.parameter_file_edit
            self._field_labels[alias] = self._field_labels["parameters.0.file"]

        self.materials_table = self._table(
            [
                self.tr("Material"),
                self.tr("Supplier"),
                self.tr("Lot"),
                self.tr("Virgin share (0-1)"),
                self.tr("GTIN (optional)"),
            ],
            self.tr("The material lots the part was built from; virgin share 1 = all virgin powder, 0 = all reused"),
        )
        self.environment_table = self._table(
            [self.tr("Quantity"), self.tr("Value"), self.tr("Unit")],
            self.tr("Readings of the build's environment, each with its unit (e.g. chamber oxygen 0.8 %)"),
        )
        self.post_table = self._table(
            [self.tr("Step"), self.tr("Detail")], self.tr("The post-processing steps, in order")
        )
        right = QVBoxLayout()
        for title, table, name in (
            (self.tr("Material lots (at least one):"), self.materials_table, "material"),
            (self.tr("Environment readings:"), self.environment_table, "environment"),
            (self.tr("Post-processing steps:"), self.post_table, "post_processing"),
        ):
            right.addLayout(self._table_box(title, table, name), 1)
        self.add_row(self.materials_table)
        self.add_row(self.environment_table)
        self.add_row(self.post_table)

        columns = QHBoxLayout()
        left_box = QWidget(self)
        left_box.setLayout(left)
        columns.addWidget(left_box, 5)
        columns.addLayout(right, 6)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("buildMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setMinimumHeight(2 * self.message_label.fontMetrics().lineSpacing())
        self.progress = ProgressPanel(worker, self)
        buttons = QDialogButtonBox(self)
        self.load_button = buttons.addButton(self.tr("Load from file..."), QDialogButtonBox.ButtonRole.ResetRole)
        self.load_button.setToolTip(
            self.tr(
                "Fill the form from a build record file (TOML, as dvw build record takes); recorded unchanged, the "
                "file itself is recorded"
            )
        )
        self.load_button.clicked.connect(self._on_load_clicked)
        self.record_button = buttons.addButton(self.tr("Record"), QDialogButtonBox.ButtonRole.ActionRole)
        self.record_button.setToolTip(self.tr("Check the build record and record it with the case's device"))
        self.record_button.clicked.connect(self._on_record_clicked)
        close = buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setToolTip(self.tr("Close; nothing is recorded unless Record was pressed"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(columns, 1)
        layout.addWidget(self.message_label)
        layout.addWidget(self.progress)
        layout.addWidget(buttons)
        self._connect_edits()
        worker.running_changed.connect(self._on_running_changed)

    # ---------------------------------------------------------------- building

    def _line(self, tip: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setToolTip(tip)
        return edit

    def _when(self, tip: str) -> QDateTimeEdit:
        edit = QDateTimeEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.setMinimumDateTime(QDateTime(BLANK_DATE, QTime(0, 0)))
        edit.setSpecialValueText(self.tr("(enter the date and time)"))
        edit.setDateTime(edit.minimumDateTime())
        edit.setToolTip(tip)
        return edit

    def _triple(self, tip: str, suffix: str) -> list[QDoubleSpinBox]:
        spins = []
        for _axis in "xyz":
            spin = QDoubleSpinBox(self)
            spin.setRange(-10_000.0, 10_000.0)
            spin.setDecimals(2)
            spin.setSuffix(suffix)
            spin.setToolTip(tip)
            spins.append(spin)
        return spins

    def _spin_row(self, spins: list[QDoubleSpinBox]) -> QWidget:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        for axis, spin in zip("xyz", spins, strict=True):
            row.addWidget(QLabel(axis, box))
            row.addWidget(spin, 1)
        return box

    def _error_label(self) -> QLabel:
        label = QLabel(self)
        label.setWordWrap(True)
        label.setStyleSheet("color: #b00020;")
        label.hide()
        return label

    def _row(
        self, form: QFormLayout, text: str, item: QWidget | QHBoxLayout, field: str, widget: QWidget | None = None
    ) -> None:
        """A form row with its error line under it (hidden until the reader refuses that field)."""
        form.addRow(text, item)
        label = self._error_label()
        form.addRow("", label)
        target = widget if widget is not None else item
        if isinstance(target, QWidget):
            self._field_widgets[field] = target
        self._field_labels[field] = label

    def _table(self, headers: list[str], tip: str) -> QTableWidget:
        table = QTableWidget(0, len(headers), self)
        table.setHorizontalHeaderLabels(headers)
        table.setToolTip(tip)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # the columns share the width: no scrolling
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        return table

    def _table_box(self, title: str, table: QTableWidget, name: str) -> QVBoxLayout:
        add = QPushButton(self.tr("Add row"), self)
        add.setToolTip(self.tr("Add a row at the end"))
        add.clicked.connect(partial(self.add_row, table))
        remove = QPushButton(self.tr("Remove row"), self)
        remove.setToolTip(self.tr("Remove the selected row"))
        remove.clicked.connect(partial(self._remove_row, table))
        head = QHBoxLayout()
        head.addWidget(QLabel(title, self), 1)
        head.addWidget(add)
        head.addWidget(remove)
        box = QVBoxLayout()
        box.addLayout(head)
        box.addWidget(table, 1)
        label = self._error_label()
        box.addWidget(label)
        self._field_widgets[name] = table
        self._field_labels[name] = label
        return box

    def _connect_edits(self) -> None:
        for edit in (
            self.job_edit,
            self.witness_edit,
            self.equipment_edit,
            self.parameter_name_edit,
            self.parameter_file_edit,
        ):
            edit.textEdited.connect(self._on_edited)
        self.started_edit.dateTimeChanged.connect(self._on_edited)
        self.finished_edit.dateTimeChanged.connect(self._on_edited)
        self.calibration_edit.dateChanged.connect(self._on_edited)
        self.operator_combo.currentIndexChanged.connect(self._on_edited)
        for spin in (*self.position_spins, *self.orientation_spins):
            spin.valueChanged.connect(self._on_edited)
        for table in (self.materials_table, self.environment_table, self.post_table):
            table.itemChanged.connect(self._on_edited)
            table.model().rowsRemoved.connect(self._on_edited)

    # ---------------------------------------------------------------- the form's value

    def add_row(self, table: QTableWidget, values: Sequence[str] = ()) -> int:
        """Append a row to one of the form's tables (empty, or with ``values``); returns its index."""
        row = table.rowCount()
        table.insertRow(row)
        for column in range(table.columnCount()):
            text = values[column] if column < len(values) else ""
            table.setItem(row, column, QTableWidgetItem(text))
        return row

    def _remove_row(self, table: QTableWidget) -> None:
        row = table.currentRow()
        if row >= 0:
            table.removeRow(row)

    @staticmethod
    def _rows(table: QTableWidget) -> list[list[str]]:
        """The table's rows as text, leaving out rows with every cell empty."""
        rows = []
        for row in range(table.rowCount()):
            cells = []
            for column in range(table.columnCount()):
                item = table.item(row, column)
                cells.append("" if item is None else item.text().strip())
            if any(cells):
                rows.append(cells)
        return rows

    def form(self) -> BuildForm:
        """The form's value, as text (the reader checks it)."""
        return BuildForm(
            job_id=self.job_edit.text(),
            started=_iso_time(self.started_edit),
            finished=_iso_time(self.finished_edit),
            operator=str(self.operator_combo.currentData() or ""),
            witness_sample=self.witness_edit.text(),
            equipment_id=self.equipment_edit.text(),
            calibration_due=(
                ""
                if self.calibration_edit.date() == BLANK_DATE
                else self.calibration_edit.date().toString("yyyy-MM-dd")
            ),
            parameter_set=self.parameter_name_edit.text(),
            parameters_file=self.parameter_file_edit.text().strip(),
            parameters_sha256=self._parameters_sha256,
            materials=tuple((r[0], r[1], r[2], r[3], r[4]) for r in self._rows(self.materials_table)),
            environment=tuple((r[0], r[1], r[2]) for r in self._rows(self.environment_table)),
            position_mm=_spin_texts(self.position_spins),
            orientation_deg=_spin_texts(self.orientation_spins),
            post_processing=tuple((r[0], r[1]) for r in self._rows(self.post_table)),
        )

    def fill(self, form: BuildForm) -> None:
        """Put a form's values into the fields (a value that cannot be shown is left as it was)."""
        self._filling = True
        try:
            self.job_edit.setText(form.job_id)
            for edit, text in ((self.started_edit, form.started), (self.finished_edit, form.finished)):
                value = QDateTime.fromString(text, Qt.DateFormat.ISODate)
                if value.isValid():
                    edit.setDateTime(value.toLocalTime())
            index = self.operator_combo.findData(form.operator)
            if index >= 0:
                self.operator_combo.setCurrentIndex(index)
            self.witness_edit.setText(form.witness_sample)
            self.equipment_edit.setText(form.equipment_id)
            due = QDate.fromString(form.calibration_due, Qt.DateFormat.ISODate)
            if due.isValid():
                self.calibration_edit.setDate(due)
            self.parameter_name_edit.setText(form.parameter_set)
            self.parameter_file_edit.setText(form.parameters_file)
            self._parameters_sha256 = form.parameters_sha256
            self._show_parameter_hash()
            for spins, texts in (
                (self.position_spins, form.position_mm),
                (self.orientation_spins, form.orientation_deg),
            ):
                for spin, text in zip(spins, texts, strict=True):
                    try:
                        spin.setValue(float(text))
                    except ValueError:
                        continue
            tables: list[tuple[QTableWidget, Sequence[Sequence[str]]]] = [
                (self.materials_table, form.materials),
                (self.environment_table, form.environment),
                (self.post_table, form.post_processing),
            ]
            for table, rows in tables:
                table.setRowCount(0)
                for values in rows:
                    self.add_row(table, values)
        finally:
            self._filling = False

    def loaded_file(self) -> Path | None:
        """The build record file loaded and not edited since (recorded as it is), or None (the form is recorded)."""
        return self._loaded

    def _on_edited(self, *_args: object) -> None:
        if not self._filling and self._loaded is not None:
            self._loaded = None
            self.show_message(self.tr("Edited: the form is recorded, not the file."), refused=False)

    def _on_load_clicked(self) -> None:
        kinds = self.tr("Build records (%1)").replace("%1", "*.toml")
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Build record"), "", kinds)
        if chosen:
            self.load_file(Path(chosen))

    def load_file(self, path: Path) -> bool:
        """Fill the form from a build record file; returns whether it was read (else the reason is shown)."""
        from traceability.build import BuildRecordError  # noqa: PLC0415

        self.clear_field_errors()
        try:
            form = form_from_file(path)
        except BuildRecordError as exc:
            self.show_message(f"{self.tr('Refused:')} {exc.message}", refused=True)
            return False
        self.fill(form)
        self._loaded = path
        self.show_message(
            self.tr("Loaded %1: recorded as this file unless the form is edited.").replace("%1", str(path)),
            refused=False,
        )
        return True

    def _on_parameter_browse_clicked(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Process parameter set"), self.parameter_file_edit.text())
        if chosen:
            self.parameter_file_edit.setText(chosen)
            self._on_edited()
            self._show_parameter_hash()

    def _show_parameter_hash(self) -> None:
        """The parameter file's SHA-256 as it will be recorded (or the hash given by a loaded file)."""
        text = self.parameter_file_edit.text().strip()
        if text and Path(text).is_file():
            self._parameters_sha256 = ""
            self.parameter_hash_label.setText(f"SHA-256 {file_sha256(Path(text))}")
        elif self._parameters_sha256 and not text:
            self.parameter_hash_label.setText(f"SHA-256 {self._parameters_sha256}")
        else:
            self.parameter_hash_label.setText("")

    # ---------------------------------------------------------------- messages

    def show_message(self, text: str, *, refused: bool) -> None:
        """Say what happened below the form: a refusal (in red) or what was recorded or loaded."""
        self.message_label.setStyleSheet("color: #b00020;" if refused else "color: #1b5e20;")
        self.message_label.setText(text)

    def clear_field_errors(self) -> None:
        """Take every field's error away."""
        for label in self._field_labels.values():
            label.clear()
            label.hide()
        self._filling = True  # a cell's colour is no edit
        try:
            for widget in set(self._field_widgets.values()):
                if isinstance(widget, QTableWidget):
                    for row in range(widget.rowCount()):
                        for column in range(widget.columnCount()):
                            item = widget.item(row, column)
                            if item is not None:
                                item.setData(Qt.ItemDataRole.BackgroundRole, None)
                else:
                    widget.setStyleSheet("")
        finally:
            self._filling = False

    def show_field_error(self, field: str | None, reason: str) -> QWidget | None:
        """Show the reader's refusal at its field (``TABLE.INDEX.KEY``); returns the widget marked, or None."""
        if field is None:
            return None
        table_name, _, rest = field.partition(".")
        index_text, _, key = rest.partition(".")
        widget = self._field_widgets.get(field) or self._field_widgets.get(table_name)
        label = self._field_labels.get(field) or self._field_labels.get(table_name)
        if widget is None or label is None:
            return None
        label.setText(reason)
        label.show()
        if isinstance(widget, QTableWidget):
            keys = {"material": MATERIAL_KEYS, "environment": ENVIRONMENT_KEYS, "post_processing": POST_PROCESSING_KEYS}
            row = self._table_row(widget, int(index_text) if index_text.isdigit() else 0)
            column = keys.get(table_name, ()).index(key) if key in keys.get(table_name, ()) else -1
            if row is not None and column >= 0:
                self._filling = True
                try:
                    item = widget.item(row, column)
                    if item is not None:
                        item.setBackground(QColor(ERROR_CELL))
                finally:
                    self._filling = False
                # Current (the keyboard is there) but not selected: the cell's red shows.
                widget.setCurrentCell(row, column, QItemSelectionModel.SelectionFlag.NoUpdate)
        else:
            widget.setStyleSheet(FIELD_ERROR_STYLE)
        widget.setFocus()
        return widget

    def _table_row(self, table: QTableWidget, index: int) -> int | None:
        """The table row of the reader's ``index``-th element (the form leaves out empty rows)."""
        seen = -1
        for row in range(table.rowCount()):
            cells = [table.item(row, column) for column in range(table.columnCount())]
            if any(item is not None and item.text().strip() for item in cells):
                seen += 1
                if seen == index:
                    return row
        return None

    def _on_record_clicked(self) -> None:
        self.clear_field_errors()
        self.show_message("", refused=False)
        self.submitted.emit()

    def _on_running_changed(self, running: bool) -> None:
        for widget in (self.record_button, self.load_button):
            widget.setEnabled(not running)


def _iso_time(edit: QDateTimeEdit) -> str:
    """A QDateTimeEdit's value as ISO 8601 with the local zone (to the second); "" while it is blank."""
    if edit.dateTime() == edit.minimumDateTime():
        return ""
    moment: datetime = edit.dateTime().toPython()  # type: ignore[assignment]  # a naive local datetime
    return moment.replace(microsecond=0).astimezone().isoformat()


def _spin_texts(spins: Sequence[QDoubleSpinBox]) -> tuple[str, str, str]:
    return repr(spins[0].value()), repr(spins[1].value()), repr(spins[2].value())


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
        self.inspections_action = QAction(self.tr("Recorded inspections..."), window)
        self.inspections_action.setToolTip(
            self.tr("The case's recorded final inspections; open one to see its figures and colour map again")
        )
        self.inspections_action.setStatusTip(self.inspections_action.toolTip())
        self.inspections_action.triggered.connect(self.open_inspections_dialog)
        self.inspections_dialog: InspectionsDialog | None = None
        self._reopen_worker: TaskWorker | None = None
        window.case_menu.addAction(self.build_action)
        window.case_menu.addAction(self.inspect_action)
        window.case_menu.addAction(self.inspections_action)
        # The case bar's device state: the case list's, read in its worker (kept for the case opened next).
        self._device_states: dict[str, str] = {}
        self.device_label = QLabel(window.case_bar)
        self.device_label.setObjectName("caseDevice")
        bar = window.case_bar.layout()
        if isinstance(bar, QHBoxLayout):
            bar.insertWidget(bar.indexOf(window.verdict_label) + 1, self.device_label)
            bar.insertSpacing(bar.indexOf(self.device_label) + 1, 16)
        window.cases_panel.device_worker.finished.connect(self._on_device_states)
        self._case_model.changed.connect(self._render_actions)
        self._case_model.changed.connect(self._render_device)
        self._sessions.changed.connect(self._render_actions)
        self._render_actions()
        self._render_device()

    def _on_device_states(self, states: object) -> None:
        if isinstance(states, dict):
            self._device_states = {str(code): str(state) for code, state in states.items()}
            self._render_device()

    def _render_device(self) -> None:
        """The open case's device state in the case bar, in the case list's words and colours (empty until read)."""
        code = self._case_model.code
        state = None if code is None else self._device_states.get(code)
        if state is None:
            self.device_label.clear()
            self.device_label.setStyleSheet("")
            self.device_label.hide()
            return
        self.device_label.setText(self.tr("Device: %1").replace("%1", device_text(state)))
        self.device_label.setToolTip(device_tip(state))
        background, text = DEVICE_COLOURS.get(state, ("transparent", "palette(window-text)"))
        self.device_label.setStyleSheet(  # bold, as the case bar's other facts
            f"QLabel#caseDevice {{ background: {background}; color: {text}; font-weight: bold; "
            "padding: 1px 6px; border-radius: 3px; }"
        )
        self.device_label.show()

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
        self.inspections_action.setEnabled(ready)

    @property
    def build_worker(self) -> TaskWorker:
        """The build record's worker (made on first use, as the inspection's)."""
        if self._build_worker is None:
            self._build_worker = TaskWorker("build record", self)
            self._build_worker.failed.connect(self._on_build_failed)
        return self._build_worker

    def open_build_dialog(self) -> BuildRecordDialog | None:
        """Open the build record form for the open case (window-modal, not blocking); returns it."""
        from records.users import load_users  # noqa: PLC0415
        from traceability.assignment import current_udi  # noqa: PLC0415

        code = self._case_model.code
        user = self._sessions.user
        case = self._case_model.state
        if code is None or user is None or case is None:
            return None
        device = current_udi(case)
        users = list(load_users(self._case_model.store()).values())
        serial = "" if device is None else device.udi.serial
        dialog = BuildRecordDialog(code, serial, users, user, worker=self.build_worker, parent=self._window)
        dialog.submitted.connect(partial(self._on_build_submitted, dialog))
        self.build_dialog = dialog
        dialog.open()
        return dialog

    def _on_build_submitted(self, dialog: BuildRecordDialog) -> None:
        from workflow.build_recording import (  # noqa: PLC0415
            BuildFormRequest,
            BuildRequest,
            record_build_file,
            record_build_form,
        )

        session = self._sessions.session
        if session is None:
            return
        home = self._case_model.home
        loaded = dialog.loaded_file()
        if loaded is not None:  # the file as it is: its own hash, a refusal names its line
            task = partial(record_build_file, BuildRequest(home, dialog.code, loaded), session)
        else:
            task = partial(record_build_form, BuildFormRequest(home, dialog.code, dialog.form()), session)
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
        dialog.record_button.setEnabled(False)  # a device has one build record
        dialog.record_button.setToolTip(self.tr("Recorded: a device has one build record"))

    def _on_build_failed(self, info: object) -> None:
        dialog = self.build_dialog
        if not isinstance(info, ErrorInfo):
            return
        if dialog is not None and dialog.isVisible():
            # A build record's refusal names the field (and the file's line): shown as it is, in every language.
            # The form's own "line" means nothing to a person: a form's refusal is its reason (a file's keeps its line).
            refused = self.tr("Refused:")
            reason = info.message.split(": ", 1)[1] if info.message.startswith("form:") else info.message
            text = f"{refused} {reason}" if info.code == "build_record" else error_line(info)
            dialog.show_message(text, refused=True)
            dialog.message_label.setToolTip(info.message)
            if info.field is not None:
                dialog.show_field_error(info.field, reason)
        elif not info.cancelled:
            self._window.report_error(info)

    @property
    def reopen_worker(self) -> TaskWorker:
        """Reads a recorded inspection back in the worker process (distances over the whole scan); made on first use."""
        if self._reopen_worker is None:
            self._reopen_worker = TaskWorker("reopen inspection", self, isolated=True)
            self._reopen_worker.failed.connect(self._on_reopen_failed)
        return self._reopen_worker

    def open_inspections_dialog(self) -> InspectionsDialog | None:
        """List the open case's recorded inspections (window-modal, not blocking); returns the dialog."""
        from workflow.inspecting import inspection_list  # noqa: PLC0415

        case = self._case_model.state
        if case is None or self._sessions.user is None:
            return None
        dialog = InspectionsDialog(case.code, inspection_list(case), self.reopen_worker, self._window)
        dialog.chosen.connect(partial(self._on_inspection_chosen, case.code))
        dialog.rejected.connect(self.reopen_worker.cancel)
        self.inspections_dialog = dialog
        dialog.open()
        return dialog

    def _on_inspection_chosen(self, code: str, event_id: str) -> None:
        from workflow.inspecting import reopen_inspection  # noqa: PLC0415

        task = partial(reopen_inspection, self._case_model.home, code, event_id)
        self.reopen_worker.start(task, on_done=partial(self._on_reopened, code))

    def _on_reopened(self, code: str, shown: object) -> None:
        self.show_result(code, shown, reopened=True)  # type: ignore[arg-type]  # the job returns InspectionShown

    def _on_reopen_failed(self, info: object) -> None:
        dialog = self.inspections_dialog
        if not isinstance(info, ErrorInfo):
            return
        if dialog is not None and dialog.isVisible():
            if not info.cancelled:
                dialog.message_label.setText(error_line(info))
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

    def show_result(self, code: str, shown: InspectionShown, *, reopened: bool = False) -> InspectionResultDialog:
        """Show a recorded inspection (not modal; ``reopened``: read back from the records); returns the dialog."""
        result = InspectionResultDialog(code, shown, self._window, reopened=reopened)
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
