"""The Import panel: scan a folder, pick a series, import it in the background."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.models import CaseModel, WorkspaceModel
from app.gui.settings import GuiSettings
from app.gui.widgets import (
    ProgressPanel,
    severity_icon,
    severity_text,
)
from app.gui.words import finding_text, series_kind_text
from app.workers import TaskWorker
from workflow import folder, steps
from workflow.entries import ImportEntries

if TYPE_CHECKING:  # loaded in the background after the window opens
    pass


from app.gui.panels.common import Report, need_case, new_table


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
        self.series_table = new_table(
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
        workspace.entries_changed.connect(self._on_entries_changed)
        workspace.scan_changed.connect(self._on_scan_changed)
        workspace.volume_changed.connect(self._on_volume_changed)
        self._series_keys: list[str] = []

    def _on_entries_changed(self) -> None:
        folder = self._workspace.entries.importing.folder
        self.folder_label.setText(
            self.tr("No folder chosen; you can also drop a folder on the window.") if folder is None else str(folder)
        )

    def _on_scan_changed(self) -> None:
        if self._workspace.scan is None:  # another case, or a new scan starting: no series listed
            self._series_keys = []
            self.series_table.setRowCount(0)
            self.summary_label.clear()
            self._on_busy_changed(False)

    def _on_volume_changed(self) -> None:
        if self._workspace.imported is None:  # the import shown belonged to another case or scan
            self.findings_list.clear()
            if self._workspace.scan is None:
                self.summary_label.clear()

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
        self._workspace.set_entries(replace(self._workspace.entries, importing=ImportEntries(folder)))
        self._series_keys = []
        self.series_table.setRowCount(0)
        self.findings_list.clear()
        self.scan_worker.start(partial(steps.scan, folder), on_done=self.show_scan)

    def show_scan(self, result: object) -> None:
        """Show a finished scan (a ``ScanResult``): the series table, the usable series picked."""
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
            findings = "; ".join(finding_text(f.code, f.message) for f in series.findings) or "-"
            kind = series_kind_text(series.kind)
            cells = [series.description or series.series_uid, kind, str(series.slices), spacing, findings]
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
        code = need_case(self._case_model, self._report, "importing")
        if code is None:
            return
        series = scan.series[row]
        out = folder.work_folder(self._case_model.home, code)
        self.findings_list.clear()
        self.import_worker.start(partial(steps.import_series, series, out), on_done=self.show_import)

    def show_import(self, result: object) -> None:
        """Show a finished import (a ``steps.ImportedVolume``): it becomes the case's volume, findings listed."""
        assert isinstance(result, steps.ImportedVolume)
        self._workspace.set_imported(result)
        self.findings_list.clear()
        for finding in result.result.findings:
            item = QListWidgetItem(
                severity_icon(finding.severity),
                self.tr("%1: %2")
                .replace("%1", severity_text(finding.severity))
                .replace("%2", finding_text(finding.code, finding.message)),
            )
            item.setToolTip(f"{finding.code}: {finding.message}")  # the core's own line, with its numbers
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
