"""The workflow's panels: Cases, Import, Segment, Design & Check, Review.

Each panel collects input, runs one step of :mod:`app.gui.steps` in its :class:`~app.workers.TaskWorker` and shows
the result; the data live in :class:`~app.gui.models.CaseModel` (records) and :class:`~app.gui.models.WorkspaceModel`
(this session's results). Errors go to the window's one error relay (the ``report`` callable).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui import steps
from app.gui.dialogs import ReverificationDialog, SignDialog
from app.gui.models import CaseModel, WorkspaceModel
from app.gui.settings import GuiSettings
from app.gui.slice_view import SliceViewsPanel
from app.gui.widgets import (
    CheckTableView,
    ProgressPanel,
    VerdictBannerView,
    severity_icon,
    severity_text,
    state_text,
    verdict_word,
)
from app.workers import ErrorInfo, TaskWorker
from imaging.segment import PRESETS, SegmentParams

if TYPE_CHECKING:  # loaded in the background after the window opens
    from imaging.edit import EditResult, MaskEdit
    from imaging.volume import Volume
    from records.users import User

Report = Callable[[ErrorInfo], None]


def _need_case(case_model: CaseModel, report: Report, what: str) -> str | None:
    if case_model.code is None:
        report(ErrorInfo("no_case", f"open or create a case before {what}"))
        return None
    return case_model.code


def _table(parent: QWidget, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


# ------------------------------------------------------------------------------------------------ cases


class CasesPanel(QWidget):
    """The store's cases with their state from the log; create and open cases."""

    def __init__(self, case_model: CaseModel, report: Report, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._case_model = case_model
        self._report = report
        self.table = _table(self, [self.tr("Case"), self.tr("Revision"), self.tr("State"), self.tr("Verdict")])
        self.table.setToolTip(self.tr("Cases in the local store; double-click to open one"))
        self.table.cellDoubleClicked.connect(self._on_row_activated)
        self.code_edit = QLineEdit(self)
        self.code_edit.setPlaceholderText(self.tr("new case code, e.g. CP-2026-001"))
        self.code_edit.setToolTip(self.tr("A pseudonymous case code: letters, digits, dot, dash, underscore"))
        self.new_button = QPushButton(self.tr("New case"), self)
        self.new_button.setToolTip(self.tr("Create a case with this code and open it (Ctrl+N)"))
        self.new_button.setShortcut(QKeySequence("Ctrl+N"))
        self.new_button.clicked.connect(self._on_new_clicked)
        self.code_edit.returnPressed.connect(self._on_new_clicked)
        self.open_button = QPushButton(self.tr("Open case"), self)
        self.open_button.setToolTip(self.tr("Open the selected case"))
        self.open_button.clicked.connect(self._on_open_clicked)
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.setToolTip(self.tr("Read the cases from the store again (F5)"))
        self.refresh_button.setShortcut(QKeySequence("F5"))
        self.refresh_button.clicked.connect(case_model.reload)
        new_row = QHBoxLayout()
        new_row.addWidget(self.code_edit, 1)
        new_row.addWidget(self.new_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(new_row)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        case_model.cases_changed.connect(self._on_cases_changed)

    def _on_cases_changed(self) -> None:
        cases = self._case_model.cases
        self.table.setRowCount(len(cases))
        for row, case in enumerate(cases):
            values = [case.code, str(case.revision), state_text(case.state), verdict_word(case.verdict)]
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()

    def _on_new_clicked(self) -> None:
        code = self.code_edit.text().strip()
        if not code:
            return
        try:
            self._case_model.create_case(code)
        except Exception as exc:  # noqa: BLE001 - every failure goes to the one error relay
            from app.workers import describe_error  # noqa: PLC0415

            self._report(describe_error(exc))
            return
        self.code_edit.clear()

    def _on_open_clicked(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self._on_row_activated(row, 0)

    def _on_row_activated(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.open_case(item.text())

    def open_case(self, code: str) -> None:
        """Open case ``code``."""
        try:
            self._case_model.open_case(code)
        except Exception as exc:  # noqa: BLE001 - every failure goes to the one error relay
            from app.workers import describe_error  # noqa: PLC0415

            self._report(describe_error(exc))


# ------------------------------------------------------------------------------------------------ import


class ImportPanel(QWidget):
    """Choose or drop a DICOM folder, see the scan as a table, import the chosen series in the background."""

    imported = Signal()

    def __init__(
        self,
        case_model: CaseModel,
        workspace: WorkspaceModel,
        settings: GuiSettings,
        report: Report,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._case_model = case_model
        self._workspace = workspace
        self._settings = settings
        self._report = report
        self.scan_worker = TaskWorker("scan", self)
        self.import_worker = TaskWorker("import", self)
        self.folder_button = QPushButton(self.tr("Choose folder..."), self)
        self.folder_button.setToolTip(self.tr("Choose a folder with DICOM files, or drop one on the window (Ctrl+O)"))
        self.folder_button.setShortcut(QKeySequence("Ctrl+O"))
        self.folder_button.clicked.connect(self._on_choose_clicked)
        self.folder_label = QLabel(self.tr("No folder chosen; you can also drop a folder on the window."), self)
        self.folder_label.setWordWrap(True)
        self.series_table = _table(
            self,
            [self.tr("Series"), self.tr("Kind"), self.tr("Slices"), self.tr("Spacing (mm)"), self.tr("Findings")],
        )
        self.series_table.setToolTip(self.tr("The series found; pick the one to import"))
        self.import_button = QPushButton(self.tr("Import series"), self)
        self.import_button.setToolTip(self.tr("Assemble the selected series into a volume (Ctrl+I)"))
        self.import_button.setShortcut(QKeySequence("Ctrl+I"))
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.findings_list = QListWidget(self)
        self.findings_list.setToolTip(self.tr("What the import found and corrected; nothing is hidden"))
        self.summary_label = QLabel(self)
        self.summary_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.folder_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.folder_label)
        layout.addWidget(ProgressPanel(self.scan_worker, self))
        layout.addWidget(self.series_table, 2)
        layout.addWidget(self.import_button)
        layout.addWidget(ProgressPanel(self.import_worker, self))
        layout.addWidget(QLabel(self.tr("Import findings:"), self))
        layout.addWidget(self.findings_list, 1)
        layout.addWidget(self.summary_label)
        self.import_worker.running_changed.connect(self._on_busy_changed)
        self.scan_worker.running_changed.connect(self._on_busy_changed)
        self._series_keys: list[str] = []

    def _on_busy_changed(self, _running: bool) -> None:
        busy = self.import_worker.running or self.scan_worker.running
        self.folder_button.setEnabled(not busy)
        self.import_button.setEnabled(not busy and bool(self._series_keys))

    def _on_choose_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("DICOM folder"), self._settings.last_folder)
        if folder:
            self.scan(Path(folder))

    def scan(self, folder: Path) -> None:
        """Scan ``folder`` in the background and list its series."""
        self._settings.last_folder = str(folder)
        self.folder_label.setText(str(folder))
        self._series_keys = []
        self.series_table.setRowCount(0)
        self.findings_list.clear()
        self.scan_worker.start(partial(steps.scan, folder), on_done=self._on_scan_done)

    def _on_scan_done(self, result: object) -> None:
        from imaging.series import ScanResult  # noqa: PLC0415

        assert isinstance(result, ScanResult)
        self._workspace.set_scan(result)
        self.series_table.setRowCount(len(result.series))
        self._series_keys = []
        first_usable = -1
        for row, series in enumerate(result.series):
            self._series_keys.append(series.key)
            spacing = "-" if series.spacing is None else " x ".join(f"{v:.3g}" if v else "?" for v in series.spacing)
            worst = next(
                (s for s in ("error", "warning", "info") if any(f.severity == s for f in series.findings)), None
            )
            findings = ", ".join(f.code for f in series.findings) or "-"
            cells = [series.description or series.series_uid, series.kind, str(series.slices), spacing, findings]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column == 4 and worst is not None:
                    item.setIcon(severity_icon(worst))
                    item.setToolTip("\n".join(f"{severity_text(f.severity)}: {f.message}" for f in series.findings))
                if not series.usable:
                    item.setForeground(Qt.GlobalColor.gray)
                self.series_table.setItem(row, column, item)
            if series.usable and first_usable < 0:
                first_usable = row
        self.series_table.resizeColumnsToContents()
        self.series_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if first_usable >= 0:
            self.series_table.selectRow(first_usable)
        self.summary_label.setText(
            self.tr("%1 files, %2 series, %3 skipped")
            .replace("%1", str(result.files_scanned))
            .replace("%2", str(len(result.series)))
            .replace("%3", str(len(result.skipped)))
        )
        self._on_busy_changed(False)

    def _on_import_clicked(self) -> None:
        scan = self._workspace.scan
        row = self.series_table.currentRow()
        if scan is None or row < 0:
            return
        code = _need_case(self._case_model, self._report, "importing")
        if code is None:
            return
        series = scan.series[row]
        out = steps.work_folder(self._case_model.home, code)
        self.findings_list.clear()
        self.import_worker.start(partial(steps.import_series, series, out), on_done=self._on_import_done)

    def _on_import_done(self, result: object) -> None:
        assert isinstance(result, steps.ImportedVolume)
        self._workspace.set_imported(result)
        self.findings_list.clear()
        for finding in result.result.findings:
            item = QListWidgetItem(
                severity_icon(finding.severity), f"{severity_text(finding.severity)}: {finding.code}: {finding.message}"
            )
            self.findings_list.addItem(item)
        if not result.result.findings:
            self.findings_list.addItem(self.tr("No findings."))
        volume = result.result.volume
        low, high = result.result.hu_range
        self.summary_label.setText(
            self.tr("Imported: %1 voxels, spacing %2 mm, values %3 to %4 HU")
            .replace("%1", " x ".join(str(v) for v in volume.size))
            .replace("%2", " x ".join(f"{v:.3g}" for v in volume.spacing))
            .replace("%3", f"{low:.0f}")
            .replace("%4", f"{high:.0f}")
        )
        self.imported.emit()


# ------------------------------------------------------------------------------------------------ segment


class MaskEditCommand(QUndoCommand):
    """One paint/erase edit on the workspace's mask, undone and redone from its record (not a copy of the mask)."""

    def __init__(self, workspace: WorkspaceModel, result: EditResult, text: str) -> None:
        super().__init__(text)
        self._workspace = workspace
        self._edit: MaskEdit = result.edit
        self._applied: Volume | None = result.mask  # the first redo (on push) installs the mask already computed

    def redo(self) -> None:
        """Apply the edit."""
        from imaging.edit import apply_edit  # noqa: PLC0415

        if self._applied is not None:
            mask, self._applied = self._applied, None
        else:
            current = self._workspace.mask
            assert current is not None
            mask = apply_edit(current, self._edit)
        self._workspace.set_mask(mask)

    def undo(self) -> None:
        """Revert the edit."""
        from imaging.edit import undo_edit  # noqa: PLC0415

        current = self._workspace.mask
        assert current is not None
        self._workspace.set_mask(undo_edit(current, self._edit))


class SegmentPanel(QWidget):
    """Threshold with a live preview, presets, keep-largest; paint/erase with undo; generate the mesh."""

    def __init__(  # noqa: PLR0915 - a panel's widgets are built and wired in one place
        self,
        case_model: CaseModel,
        workspace: WorkspaceModel,
        slices: SliceViewsPanel,
        report: Report,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._case_model = case_model
        self._workspace = workspace
        self._slices = slices
        self._report = report
        self.segment_worker = TaskWorker("segment", self, isolated=True)
        self.mesh_worker = TaskWorker("mesh", self, isolated=True)
        self.undo_stack = QUndoStack(self)
        titles = {"bone": self.tr("Bone"), "skin": self.tr("Skin"), "teeth": self.tr("Teeth")}
        self.preset_combo = QComboBox(self)
        for name, preset in PRESETS.items():
            upper = self.tr("open") if preset.upper_hu is None else f"{preset.upper_hu:g}"
            self.preset_combo.addItem(f"{titles.get(name, name)} ({preset.lower_hu:g} .. {upper} HU)", name)
        self.preset_combo.setToolTip(self.tr("Threshold presets (HU); see the documentation for their sources"))
        self.preset_combo.currentIndexChanged.connect(self._on_preset_changed)
        self.lower_spin = QDoubleSpinBox(self)
        self.upper_spin = QDoubleSpinBox(self)
        for spin in (self.lower_spin, self.upper_spin):
            spin.setRange(-2000.0, 5000.0)
            spin.setDecimals(0)
            spin.setSingleStep(10.0)
            spin.setSuffix(" HU")
            spin.valueChanged.connect(self._on_threshold_changed)
        self.lower_spin.setToolTip(self.tr("Lower threshold (inclusive), HU"))
        self.upper_spin.setToolTip(self.tr("Upper threshold (inclusive), HU"))
        self.open_upper_check = QCheckBox(self.tr("No upper limit"), self)
        self.open_upper_check.setToolTip(self.tr("Keep every value above the lower threshold"))
        self.open_upper_check.toggled.connect(self._on_threshold_changed)
        self.keep_check = QCheckBox(self.tr("Keep largest parts:"), self)
        self.keep_check.setChecked(True)
        self.keep_check.setToolTip(
            self.tr("Keep only the largest connected parts (drops the table, noise, loose bits)")
        )
        self.keep_spin = QSpinBox(self)
        self.keep_spin.setRange(1, 20)
        self.keep_spin.setToolTip(self.tr("How many of the largest parts to keep"))
        self.fill_check = QCheckBox(self.tr("Fill holes"), self)
        self.fill_check.setToolTip(self.tr("Fill cavities not connected to the outside"))
        self.preview_check = QCheckBox(self.tr("Live preview on the slices"), self)
        self.preview_check.setChecked(True)
        self.preview_check.setToolTip(self.tr("Show the voxels inside the threshold on the slices as you change it"))
        self.preview_check.toggled.connect(self._on_threshold_changed)
        self.segment_button = QPushButton(self.tr("Segment"), self)
        self.segment_button.setToolTip(self.tr("Make the mask from the threshold (Ctrl+S)"))
        self.segment_button.setShortcut(QKeySequence("Ctrl+S"))
        self.segment_button.clicked.connect(self._on_segment_clicked)
        form = QFormLayout()
        form.addRow(self.tr("Preset:"), self.preset_combo)
        form.addRow(self.tr("Lower:"), self.lower_spin)
        form.addRow(self.tr("Upper:"), self.upper_spin)
        form.addRow("", self.open_upper_check)
        keep_row = QHBoxLayout()
        keep_row.addWidget(self.keep_check)
        keep_row.addWidget(self.keep_spin)
        form.addRow(keep_row)
        form.addRow("", self.fill_check)
        form.addRow("", self.preview_check)
        threshold_box = QGroupBox(self.tr("Threshold"), self)
        threshold_box.setLayout(form)

        self.paint_button = QPushButton(self.tr("Paint"), self)
        self.paint_button.setToolTip(self.tr("Click on a slice to add a ball to the mask (P)"))
        self.paint_button.setShortcut(QKeySequence("P"))
        self.erase_button = QPushButton(self.tr("Erase"), self)
        self.erase_button.setToolTip(self.tr("Click on a slice to remove a ball from the mask (E)"))
        self.erase_button.setShortcut(QKeySequence("E"))
        self.tool_group = QButtonGroup(self)
        self.tool_group.setExclusive(False)
        for button in (self.paint_button, self.erase_button):
            button.setCheckable(True)
            self.tool_group.addButton(button)
        self.tool_group.buttonToggled.connect(self._on_tool_toggled)
        self.radius_spin = QDoubleSpinBox(self)
        self.radius_spin.setRange(0.5, 50.0)
        self.radius_spin.setValue(4.0)
        self.radius_spin.setSuffix(" mm")
        self.radius_spin.setToolTip(self.tr("Radius of the paint or erase ball, mm"))
        self.undo_button = QPushButton(self.tr("Undo"), self)
        self.undo_button.setToolTip(self.tr("Undo the last mask edit (Ctrl+Z)"))
        self.undo_button.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button = QPushButton(self.tr("Redo"), self)
        self.redo_button.setToolTip(self.tr("Redo the edit undone last (Ctrl+Shift+Z)"))
        self.redo_button.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        tools = QHBoxLayout()
        for widget in (self.paint_button, self.erase_button, self.radius_spin, self.undo_button, self.redo_button):
            tools.addWidget(widget)
        tools_box = QGroupBox(self.tr("Edit the mask"), self)
        tools_box.setLayout(tools)

        self.mesh_button = QPushButton(self.tr("Generate mesh"), self)
        self.mesh_button.setToolTip(self.tr("Mesh the mask: smoothed, reduced, in patient coordinates (Ctrl+M)"))
        self.mesh_button.setShortcut(QKeySequence("Ctrl+M"))
        self.mesh_button.clicked.connect(self._on_mesh_clicked)
        self.mask_label = QLabel(self)
        self.mask_label.setWordWrap(True)
        self.metrics_label = QLabel(self)
        self.metrics_label.setWordWrap(True)
        self.metrics_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(threshold_box)
        layout.addWidget(self.segment_button)
        layout.addWidget(ProgressPanel(self.segment_worker, self))
        layout.addWidget(self.mask_label)
        layout.addWidget(tools_box)
        layout.addWidget(self.mesh_button)
        layout.addWidget(ProgressPanel(self.mesh_worker, self))
        layout.addWidget(self.metrics_label)
        layout.addStretch(1)
        self._on_preset_changed()
        slices.picked.connect(self._on_slice_picked)
        workspace.volume_changed.connect(self._on_volume_changed)
        workspace.mask_changed.connect(self._on_mask_changed)
        workspace.anatomy_changed.connect(self._on_anatomy_changed)
        self.segment_worker.running_changed.connect(self._on_busy_changed)
        self.mesh_worker.running_changed.connect(self._on_busy_changed)
        self._on_busy_changed(False)

    def params(self) -> SegmentParams:
        """The segmentation parameters as set in the panel."""
        upper = None if self.open_upper_check.isChecked() else self.upper_spin.value()
        return SegmentParams(
            lower_hu=self.lower_spin.value(),
            upper_hu=upper,
            preset=str(self.preset_combo.currentData()),
            keep_largest=self.keep_spin.value() if self.keep_check.isChecked() else None,
            fill_holes=self.fill_check.isChecked(),
        )

    def _on_busy_changed(self, _running: bool = False) -> None:
        busy = self.segment_worker.running or self.mesh_worker.running
        has_volume = self._workspace.imported is not None
        self.segment_button.setEnabled(not busy and has_volume)
        self.mesh_button.setEnabled(not busy and self._workspace.mask is not None)

    def _on_preset_changed(self) -> None:
        preset = PRESETS[str(self.preset_combo.currentData())]
        for widget in (self.lower_spin, self.upper_spin, self.open_upper_check):
            widget.blockSignals(True)  # one preview update for the whole preset, not three
        self.lower_spin.setValue(preset.lower_hu)
        self.open_upper_check.setChecked(preset.upper_hu is None)
        self.upper_spin.setValue(preset.upper_hu if preset.upper_hu is not None else 3071.0)
        for widget in (self.lower_spin, self.upper_spin, self.open_upper_check):
            widget.blockSignals(False)
        self._on_threshold_changed()

    def _on_threshold_changed(self) -> None:
        self.upper_spin.setEnabled(not self.open_upper_check.isChecked())
        if self.preview_check.isChecked() and self._workspace.imported is not None and self.isVisible():
            upper = None if self.open_upper_check.isChecked() else self.upper_spin.value()
            self._slices.set_preview((self.lower_spin.value(), upper))
        else:
            self._slices.set_preview(None)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        """Show the live preview while the panel is visible."""
        super().showEvent(event)
        self._on_threshold_changed()

    def hideEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        """Stop the preview and the tools when another step is shown."""
        super().hideEvent(event)
        self._slices.set_preview(None)
        self.paint_button.setChecked(False)
        self.erase_button.setChecked(False)

    def _on_volume_changed(self) -> None:
        self.undo_stack.clear()
        self._on_threshold_changed()
        self._on_busy_changed()

    def _on_segment_clicked(self) -> None:
        imported = self._workspace.imported
        if imported is None:
            return
        try:
            params = self.params()
        except Exception as exc:  # noqa: BLE001 - bad parameters go to the one error relay
            from app.workers import describe_error  # noqa: PLC0415

            self._report(describe_error(exc))
            return
        self.segment_worker.start(partial(steps.segment_volume, imported, params), on_done=self._on_segment_done)

    def _on_segment_done(self, result: object) -> None:
        from imaging.segment import SegmentationResult  # noqa: PLC0415

        assert isinstance(result, SegmentationResult)
        self.undo_stack.clear()
        self.preview_check.setChecked(False)
        self._workspace.set_segmentation(result)
        self.mask_label.setText(
            self.tr("Mask: %1 voxels, %2 cm³, %3 of %4 parts kept")
            .replace("%1", str(result.voxels))
            .replace("%2", f"{result.volume_mm3 / 1000:.1f}")
            .replace("%3", str(result.components_kept))
            .replace("%4", str(result.components_found))
        )

    def _on_mask_changed(self) -> None:
        self._slices.set_mask(self._workspace.mask)
        self._on_busy_changed()

    def _on_tool_toggled(self, button: QPushButton, checked: bool) -> None:
        if checked:
            other = self.erase_button if button is self.paint_button else self.paint_button
            other.setChecked(False)
        tool = "paint" if self.paint_button.isChecked() else "erase" if self.erase_button.isChecked() else None
        self._slices.tool = tool

    def _on_slice_picked(self, voxel: tuple[int, int, int], _plane: str, _button: object) -> None:
        from imaging.edit import erase_sphere, paint_sphere  # noqa: PLC0415

        mask = self._workspace.mask
        tool = self._slices.tool
        if mask is None or tool is None:
            return
        centre = mask.index_to_world(voxel)
        point = (float(centre[0]), float(centre[1]), float(centre[2]))
        radius = self.radius_spin.value()
        result = paint_sphere(mask, point, radius) if tool == "paint" else erase_sphere(mask, point, radius)
        if result.edit.changed == 0:
            return
        text = self.tr("Paint") if tool == "paint" else self.tr("Erase")
        self.undo_stack.push(MaskEditCommand(self._workspace, result, text))
        self._slices.set_crosshair(voxel)

    def _on_mesh_clicked(self) -> None:
        mask = self._workspace.mask
        if mask is None:
            return
        code = _need_case(self._case_model, self._report, "meshing")
        if code is None:
            return
        out = steps.work_folder(self._case_model.home, code)
        self.mesh_worker.start(partial(steps.mesh_anatomy, mask, out), on_done=self._on_mesh_done)

    def _on_mesh_done(self, result: object) -> None:
        assert isinstance(result, steps.AnatomyMesh)
        self._workspace.set_anatomy(result)

    def _on_anatomy_changed(self) -> None:
        anatomy = self._workspace.anatomy
        if anatomy is None:
            self.metrics_label.setText("")
            return
        m = anatomy.result.metrics
        deviation = m.surface_deviation
        self.metrics_label.setText(
            self.tr(
                "Mesh: %1 triangles, %2 vertices; volume %3 cm³, area %4 cm²; watertight: %5, manifold: %6; "
                "deviation from the isosurface: mean %7 mm, max %8 mm"
            )
            .replace("%1", str(m.triangles))
            .replace("%2", str(m.vertices))
            .replace("%3", f"{m.volume_mm3 / 1000:.1f}")
            .replace("%4", f"{m.area_mm2 / 100:.1f}")
            .replace("%5", self.tr("yes") if m.watertight else self.tr("no"))
            .replace("%6", self.tr("yes") if m.manifold else self.tr("no"))
            .replace("%7", "-" if deviation is None else f"{deviation.mean_mm:.3f}")
            .replace("%8", "-" if deviation is None else f"{deviation.max_mm:.3f}")
        )


# ------------------------------------------------------------------------------------------------ design and check


class CheckPanel(QWidget):
    """Load the design and check it against an envelope: parameter table, verdict banner, flagged places."""

    checked = Signal()

    def __init__(  # noqa: PLR0915 - a panel's widgets are built and wired in one place
        self,
        case_model: CaseModel,
        workspace: WorkspaceModel,
        settings: GuiSettings,
        report: Report,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._case_model = case_model
        self._workspace = workspace
        self._settings = settings
        self._report = report
        self.design_worker = TaskWorker("design", self, isolated=True)
        self.check_worker = TaskWorker("check", self, isolated=True)
        self.design_button = QPushButton(self.tr("Load design..."), self)
        self.design_button.setToolTip(self.tr("Load the device design (STL, 3MF, PLY, OBJ) (Ctrl+D)"))
        self.design_button.setShortcut(QKeySequence("Ctrl+D"))
        self.design_button.clicked.connect(self._on_design_clicked)
        self.design_label = QLabel(self.tr("No design loaded."), self)
        self.design_label.setWordWrap(True)
        self.design_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.envelope_combo = QComboBox(self)
        self.envelope_combo.setToolTip(self.tr("The validated design envelope to check against"))
        for path in steps.bundled_envelopes():
            self.envelope_combo.addItem(path.stem, str(path))
        self.envelope_button = QPushButton(self.tr("Other envelope..."), self)
        self.envelope_button.setToolTip(self.tr("Choose an envelope file (.toml)"))
        self.envelope_button.clicked.connect(self._on_envelope_clicked)
        self.age_spin = QDoubleSpinBox(self)
        self.age_spin.setRange(0.0, 120.0)
        self.age_spin.setDecimals(0)
        self.age_spin.setValue(0.0)
        self.age_spin.setSpecialValueText(self.tr("not given"))
        self.age_spin.setSuffix(self.tr(" years"))
        self.age_spin.setToolTip(self.tr("The patient's age (a patient fact the envelope may limit)"))
        self.weight_spin = QDoubleSpinBox(self)
        self.weight_spin.setRange(0.0, 400.0)
        self.weight_spin.setDecimals(1)
        self.weight_spin.setSpecialValueText(self.tr("not given"))
        self.weight_spin.setSuffix(" kg")
        self.weight_spin.setToolTip(self.tr("The patient's weight (optional)"))
        self.check_button = QPushButton(self.tr("Run check"), self)
        self.check_button.setToolTip(self.tr("Measure the design and anatomy and check every parameter (Ctrl+R)"))
        self.check_button.setShortcut(QKeySequence("Ctrl+R"))
        self.check_button.clicked.connect(self._on_check_clicked)
        self.banner = VerdictBannerView(self)
        self.table = CheckTableView(self)
        envelope_row = QHBoxLayout()
        envelope_row.addWidget(self.envelope_combo, 1)
        envelope_row.addWidget(self.envelope_button)
        form = QFormLayout()
        form.addRow(self.tr("Envelope:"), envelope_row)
        form.addRow(self.tr("Patient age:"), self.age_spin)
        form.addRow(self.tr("Patient weight:"), self.weight_spin)
        layout = QVBoxLayout(self)
        layout.addWidget(self.design_button)
        layout.addWidget(ProgressPanel(self.design_worker, self))
        layout.addWidget(self.design_label)
        layout.addLayout(form)
        layout.addWidget(self.check_button)
        layout.addWidget(ProgressPanel(self.check_worker, self))
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        workspace.design_changed.connect(self._on_design_changed)
        workspace.check_changed.connect(self._on_check_changed)
        workspace.anatomy_changed.connect(self._on_busy_changed)
        self.design_worker.running_changed.connect(self._on_busy_changed)
        self.check_worker.running_changed.connect(self._on_busy_changed)
        self._on_busy_changed()

    def _on_busy_changed(self, _running: bool = False) -> None:
        busy = self.design_worker.running or self.check_worker.running
        ready = self._workspace.anatomy is not None and self._workspace.design is not None
        self.design_button.setEnabled(not busy)
        self.check_button.setEnabled(not busy and ready)

    def _on_design_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Design file"),
            self._settings.last_folder,
            self.tr("Meshes (*.stl *.3mf *.ply *.obj)"),
        )
        if path:
            self.load_design(Path(path))

    def load_design(self, path: Path) -> None:
        """Read and measure the design at ``path`` in the background."""
        code = _need_case(self._case_model, self._report, "loading a design")
        if code is None:
            return
        self._settings.last_folder = str(path.parent)
        out = steps.work_folder(self._case_model.home, code)
        self.design_worker.start(partial(steps.load_design, path, out), on_done=self._on_design_loaded)

    def _on_design_loaded(self, result: object) -> None:
        assert isinstance(result, steps.LoadedDesign)
        self._workspace.set_design(result)

    def _on_envelope_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Envelope file"), self._settings.last_folder, self.tr("Envelopes (*.toml)")
        )
        if path:
            self.envelope_combo.addItem(Path(path).name, path)
            self.envelope_combo.setCurrentIndex(self.envelope_combo.count() - 1)

    def select_envelope(self, path: Path) -> None:
        """Choose the envelope file ``path`` (added to the list when it is not there)."""
        index = self.envelope_combo.findData(str(path))
        if index < 0:
            self.envelope_combo.addItem(path.name, str(path))
            index = self.envelope_combo.count() - 1
        self.envelope_combo.setCurrentIndex(index)

    def patient_facts(self) -> dict[str, Any]:
        """The patient facts as entered (only the ones given)."""
        facts: dict[str, Any] = {}
        if self.age_spin.value() > 0:
            facts["age_years"] = self.age_spin.value()
        if self.weight_spin.value() > 0:
            facts["weight_kg"] = self.weight_spin.value()
        return facts

    def _on_design_changed(self) -> None:
        design = self._workspace.design
        self._on_busy_changed()
        if design is None:
            self.design_label.setText(self.tr("No design loaded."))
            return
        m = design.info.metrics
        xmin, xmax, ymin, ymax, zmin, zmax = m.bounds
        wall = design.info.wall
        self.design_label.setText(
            self.tr(
                "%1: %2 triangles; volume %3 cm³, area %4 cm²; box %5 x %6 x %7 mm; watertight: %8, shells: %9; "
                "thinnest wall %10 mm"
            )
            .replace("%10", "-" if wall is None else f"{wall.min_mm:.2f}")
            .replace("%1", design.source.name)
            .replace("%2", str(m.triangles))
            .replace("%3", f"{m.volume_mm3 / 1000:.2f}")
            .replace("%4", f"{m.area_mm2 / 100:.2f}")
            .replace("%5", f"{xmax - xmin:.1f}")
            .replace("%6", f"{ymax - ymin:.1f}")
            .replace("%7", f"{zmax - zmin:.1f}")
            .replace("%8", self.tr("yes") if m.watertight else self.tr("no"))
            .replace("%9", str(m.shells))
        )

    def _on_check_clicked(self) -> None:
        workspace = self._workspace
        if workspace.imported is None or workspace.anatomy is None or workspace.design is None:
            return
        code = _need_case(self._case_model, self._report, "checking")
        if code is None:
            return
        inputs = steps.CheckInputs(
            home=self._case_model.home,
            code=code,
            imported=workspace.imported,
            anatomy=workspace.anatomy,
            design=workspace.design,
            envelope_path=Path(str(self.envelope_combo.currentData())),
            patient=self.patient_facts(),
        )
        self.check_worker.start(partial(steps.check_design, inputs), on_done=self._on_check_done)

    def _on_check_done(self, result: object) -> None:
        assert isinstance(result, steps.CheckOutcome)
        self._workspace.set_outcome(result)
        self._case_model.reload()
        self.checked.emit()

    def _on_check_changed(self) -> None:
        outcome = self._workspace.outcome
        self.banner.set_verdict(None if outcome is None else outcome.result.verdict)
        self.table.set_check(None if outcome is None else outcome.result.to_json())
        self._on_busy_changed()

    def flagged_markers(self) -> list[tuple[str, tuple[float, float, float]]]:
        """Out-of-envelope parameters that have a place on the design (the thinnest wall), as 3D markers."""
        outcome, design = self._workspace.outcome, self._workspace.design
        if outcome is None or design is None or design.info.wall is None:
            return []
        markers = []
        for item in outcome.result.results:
            if item.name == "design.min_wall_thickness" and item.status in ("below", "above", "near_limit"):
                label = f"{item.name}\n{design.info.wall.min_mm:.2f} mm"
                markers.append((label, design.info.wall.location))
        return markers


# ------------------------------------------------------------------------------------------------ review


class ReviewPanel(QWidget):
    """The joint review: verdict, check, re-verification, signatures, audit; record, sign, export the report."""

    review_mode_toggled = Signal(bool)
    report_requested = Signal()

    def __init__(self, case_model: CaseModel, report: Report, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - a panel's widgets are built and wired in one place
        super().__init__(parent)
        self._case_model = case_model
        self._report = report
        self.records_worker = TaskWorker("records", self)
        self.review_button = QPushButton(self.tr("Review mode"), self)
        self.review_button.setCheckable(True)
        self.review_button.setToolTip(self.tr("Large fonts for the joint review session (F11)"))
        self.review_button.setShortcut(QKeySequence("F11"))
        self.review_button.toggled.connect(self.review_mode_toggled)
        self.state_label = QLabel(self)
        self.banner = VerdictBannerView(self)
        self.table = CheckTableView(self)
        self.reverification_label = QLabel(self)
        self.reverification_label.setWordWrap(True)
        self.signatures_label = QLabel(self)
        self.signatures_label.setWordWrap(True)
        self.reverify_button = QPushButton(self.tr("Record re-verification..."), self)
        self.reverify_button.setToolTip(self.tr("Record how an out-of-envelope design was re-verified"))
        self.reverify_button.clicked.connect(self.open_reverification_dialog)
        self.sign_button = QPushButton(self.tr("Sign..."), self)
        self.sign_button.setToolTip(self.tr("Sign the case's current check with your password (Ctrl+Shift+S)"))
        self.sign_button.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.sign_button.clicked.connect(self.open_sign_dialog)
        self.selftest_button = QPushButton(self.tr("Run self-test"), self)
        self.selftest_button.setToolTip(self.tr("Run the built-in validation suite; signing needs it passed"))
        self.selftest_button.clicked.connect(self._on_selftest_clicked)
        self.report_button = QPushButton(self.tr("Export report..."), self)
        self.report_button.setToolTip(self.tr("Write the case's PDF report (Ctrl+E)"))
        self.report_button.setShortcut(QKeySequence("Ctrl+E"))
        self.report_button.clicked.connect(self.report_requested)
        self.audit_table = _table(self, [self.tr("#"), self.tr("Time"), self.tr("Event"), self.tr("By")])
        self.audit_table.setToolTip(self.tr("The case's events from the append-only log"))
        self.outcome_label = QLabel(self)
        self.outcome_label.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.reverify_button, self.sign_button, self.selftest_button, self.report_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.state_label, 1)
        top.addWidget(self.review_button)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.reverification_label)
        layout.addWidget(self.signatures_label)
        layout.addLayout(buttons)
        layout.addWidget(ProgressPanel(self.records_worker, self))
        layout.addWidget(self.outcome_label)
        layout.addWidget(QLabel(self.tr("Audit trail:"), self))
        layout.addWidget(self.audit_table, 1)
        self.reverification_dialog: ReverificationDialog | None = None
        self.sign_dialog: SignDialog | None = None
        case_model.changed.connect(self._on_case_changed)
        self.records_worker.running_changed.connect(self._on_case_changed)
        self._on_case_changed()

    def _on_case_changed(self, _running: bool = False) -> None:
        state = self._case_model.state
        busy = self.records_worker.running
        if state is None:
            self.state_label.setText(state_text(None))
            self.banner.set_verdict(None)
            self.table.set_check(None)
            self.audit_table.setRowCount(0)
            self.reverification_label.setText("")
            self.signatures_label.setText("")
            for button in (self.reverify_button, self.sign_button, self.report_button):
                button.setEnabled(False)
            return
        self.state_label.setText(
            self.tr("Case %1, revision %2: %3")
            .replace("%1", state.code)
            .replace("%2", str(state.revision))
            .replace("%3", state_text(state.state))
        )
        check = state.check
        self.banner.set_verdict(state.verdict if check is not None else None)
        self.table.set_check(dict(check.payload) if check is not None else None)
        reverification = state.reverification
        if reverification is None:
            self.reverification_label.setText(self.tr("Re-verification: none recorded."))
        else:
            payload = reverification.payload
            self.reverification_label.setText(
                self.tr("Re-verification: %1 (%2) by %3: %4")
                .replace("%1", str(payload.get("result")))
                .replace("%2", str(payload.get("method")))
                .replace("%3", str(reverification.actor))
                .replace("%4", str(payload.get("justification")))
            )
        signatures = []
        for event in state.signatures:
            content = event.payload.get("content", {})
            signer = content.get("signer", {}) if isinstance(content, dict) else {}
            superseded = event.event_id in state.superseded
            signatures.append(
                f"{signer.get('printed_name', event.actor)} ({signer.get('role', '')}): {content.get('meaning', '')}, "
                f"{content.get('signed_at', event.created_at)}"
                + (f" [{self.tr('superseded')}]" if superseded else f" [{self.tr('valid')}]")
            )
        self.signatures_label.setText(
            self.tr("Signatures: %1").replace("%1", "; ".join(signatures) if signatures else self.tr("none"))
        )
        needs = state.state in ("needs_reverification", "reverification_failed")
        self.reverify_button.setEnabled(not busy and needs)
        self.sign_button.setEnabled(not busy and check is not None)
        self.report_button.setEnabled(not busy)
        self.selftest_button.setEnabled(not busy)
        events = state.events
        self.audit_table.setRowCount(len(events))
        for row, event in enumerate(events):
            for column, value in enumerate([str(event.seq), event.created_at, event.kind, event.actor or "-"]):
                self.audit_table.setItem(row, column, QTableWidgetItem(value))
        self.audit_table.resizeColumnsToContents()

    def _users(self) -> list[User]:
        from records.users import load_users  # noqa: PLC0415

        return list(load_users(self._case_model.store()).values())

    def open_reverification_dialog(self) -> ReverificationDialog | None:
        """Open the re-verification dialog (window-modal, not blocking); returns it."""
        state = self._case_model.state
        if state is None:
            return None
        dialog = ReverificationDialog(state, self._users(), self)
        dialog.accepted.connect(lambda: self._on_reverification_accepted(dialog))
        self.reverification_dialog = dialog
        dialog.open()
        return dialog

    def _on_reverification_accepted(self, dialog: ReverificationDialog) -> None:
        state = self._case_model.state
        if state is None:
            return
        request = steps.ReverificationRequest(
            home=self._case_model.home,
            code=state.code,
            user_id=str(dialog.user_combo.currentData()),
            password=dialog.password_edit.text(),
            method=dialog.method_edit.text(),
            result=str(dialog.result_combo.currentData()),
            justification=dialog.justification_edit.toPlainText(),
            evidence=tuple(dialog.evidence),
        )
        dialog.password_edit.clear()
        self.records_worker.start(partial(steps.record_reverification, request), on_done=self._on_recorded)

    def open_sign_dialog(self) -> SignDialog | None:
        """Open the sign dialog (window-modal, not blocking); returns it."""
        from validation.manifest import current_manifest  # noqa: PLC0415

        state = self._case_model.state
        if state is None:
            return None
        dialog = SignDialog(state, self._users(), current_manifest().manifest_id, self)
        dialog.accepted.connect(lambda: self._on_sign_accepted(dialog))
        self.sign_dialog = dialog
        dialog.open()
        return dialog

    def _on_sign_accepted(self, dialog: SignDialog) -> None:
        state = self._case_model.state
        if state is None:
            return
        request = steps.SignRequest(
            home=self._case_model.home,
            code=state.code,
            user_id=str(dialog.user_combo.currentData()),
            password=dialog.password_edit.text(),
            meaning=str(dialog.meaning_combo.currentData()),
        )
        dialog.password_edit.clear()
        self.records_worker.start(partial(steps.sign_case, request), on_done=self._on_recorded)

    def _on_selftest_clicked(self) -> None:
        self.records_worker.start(partial(steps.run_selftest, self._case_model.home), on_done=self._on_selftest_done)

    def _on_selftest_done(self, passed: object) -> None:
        self.outcome_label.setText(self.tr("Self-test passed.") if passed else self.tr("Self-test FAILED."))

    def _on_recorded(self, _result: object) -> None:
        self.outcome_label.setText(self.tr("Recorded."))
        self._case_model.reload()

    def start_report(self, output: Path, images: list[tuple[str, bytes]]) -> None:
        """Write the PDF report of the current case in the background."""
        state = self._case_model.state
        if state is None:
            return
        request = steps.ReportRequest(self._case_model.home, state.code, output, tuple(images))
        self.records_worker.start(partial(steps.write_case_report, request), on_done=self._on_report_done)

    def _on_report_done(self, path: object) -> None:
        self.outcome_label.setText(self.tr("Report written: %1").replace("%1", str(path)))
