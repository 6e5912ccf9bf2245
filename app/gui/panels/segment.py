"""The Segment panel: threshold with a live preview, mask editing with undo, the anatomy mesh."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.gui import steps
from app.gui.models import CaseModel, WorkspaceModel
from app.gui.slice_view import SliceViewsPanel
from app.gui.widgets import (
    ProgressPanel,
)
from app.workers import TaskWorker
from imaging.segment import PRESETS, SegmentParams

if TYPE_CHECKING:  # loaded in the background after the window opens
    from imaging.edit import EditResult, MaskEdit
    from imaging.volume import Volume


from app.gui.panels.common import Report, need_case


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
        code = need_case(self._case_model, self._report, "meshing")
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
