"""The Segment panel: threshold with a live preview, mask editing with undo, the anatomy mesh."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.gui.models import CaseModel, WorkspaceModel
from app.gui.slice_view import SliceViewsPanel
from app.gui.slicing import (
    PackedMask,
    Plane,
    in_plane_lps_axes,
    mask_bounds_world,
    plane_normal,
    remove_islands_task,
    run_mask_edit,
    run_mask_replay,
)
from app.gui.widgets import (
    ProgressPanel,
)
from app.workers import TaskWorker
from imaging.segment import PRESETS, SegmentParams
from workflow import folder, steps
from workflow.entries import SegmentEntries

if TYPE_CHECKING:  # loaded in the background after the window opens
    from imaging.edit import EditResult, MaskEdit
    from imaging.volume import Volume


from app.gui.panels.common import Report, need_case

#: Masks up to this many voxels get a paint or erase ball at once on the GUI thread (about 5 ms on the 256 x 256 x 120
#: sample, 60 ms on 512 x 512 x 300: it grows with the mask, a copy and a compare); larger ones in the background.
SYNC_EDIT_VOXELS = 1 << 24


class MaskEditCommand(QUndoCommand):
    """One mask edit (paint, erase, scissors, crop, islands), undone and redone from its record, not a mask copy.

    On a large mask the panel works out the undone or redone mask in the background first (:meth:`prepare`), so
    that :meth:`undo` and :meth:`redo`, which Qt's undo stack calls on the GUI thread, only install it.
    """

    def __init__(
        self, workspace: WorkspaceModel, result: EditResult, text: str, counted: Callable[[Volume, Volume, int], None]
    ) -> None:
        super().__init__(text)
        self._workspace = workspace
        self.edit: MaskEdit = result.edit
        self._ready: Volume | None = result.mask  # the first redo (on push) installs the mask already computed
        self._counted = counted
        # How many voxels the edit adds (negative: removes), to keep the mask's voxel count without counting again.
        self.added = int(self.edit.after.sum(dtype=np.int64)) - int(self.edit.before.sum(dtype=np.int64))

    def prepare(self, mask: Volume) -> None:
        """The mask the next undo or redo installs, worked out in the background from the current one."""
        self._ready = mask

    def redo(self) -> None:
        """Apply the edit."""
        from imaging.edit import apply_edit  # noqa: PLC0415

        self._install(apply_edit, self.added)

    def undo(self) -> None:
        """Revert the edit."""
        from imaging.edit import undo_edit  # noqa: PLC0415

        self._install(undo_edit, -self.added)

    def _install(self, replay: Callable[[Volume, MaskEdit], Volume], added: int) -> None:
        current = self._workspace.mask
        assert current is not None
        if self._ready is not None:
            mask, self._ready = self._ready, None
        else:
            mask = replay(current, self.edit)
        self._counted(current, mask, added)
        self._workspace.set_mask(mask)


class SegmentPanel(QWidget):
    """Threshold with a live preview, presets, keep-largest; mask editing with undo; generate the mesh.

    The editing tools: paint and erase (a ball per click), scissors (a closed outline drawn on a slice, cut through
    the whole volume along the view), crop to box and remove islands. Each edit is one command on
    :attr:`undo_stack`; all but a ball on a mask of the usual size run in the background (:attr:`edit_worker`,
    :attr:`islands_worker`), and the result of an edit is dropped if the mask changed meanwhile.
    """

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
        # Mask edits run in a thread: numpy and scipy release the GIL in them, so the GUI thread stays responsive,
        # and the mask is not copied to another process and back. Not remove islands: np.bincount over the labels
        # holds the GIL (170 ms on a 512 x 512 x 300 mask), so it runs in the worker process, on a packed mask.
        self.edit_worker = TaskWorker("mask-edit", self)
        self.islands_worker = TaskWorker("mask-islands", self, isolated=True)
        self.undo_stack = QUndoStack(self)
        # The current mask and its voxel count: carried through edits, undo and redo instead of counted again (a
        # count of a 512 x 512 x 300 mask holds the GUI thread for about 20 ms).
        self._count: tuple[Volume, int] | None = None
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

        tools_box = self._build_edit_tools()

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
        slices.measuring_started.connect(self._on_measuring_started)
        slices.stroke_drawn.connect(self._on_stroke_drawn)
        slices.polygon_drawn.connect(self._on_polygon_drawn)
        slices.rectangle_drawn.connect(self._on_rectangle_drawn)
        workspace.volume_changed.connect(self._on_volume_changed)
        workspace.mask_changed.connect(self._on_mask_changed)
        workspace.anatomy_changed.connect(self._on_anatomy_changed)
        self.segment_worker.running_changed.connect(self._on_busy_changed)
        self.mesh_worker.running_changed.connect(self._on_busy_changed)
        self.edit_worker.running_changed.connect(self._on_busy_changed)
        self.islands_worker.running_changed.connect(self._on_busy_changed)
        self._on_busy_changed(False)
        self._showing_entries = False
        self._connect_entries()

    def _build_edit_tools(self) -> QGroupBox:  # noqa: PLR0915 - the tools' widgets are built and wired in one place
        """The "Edit the mask" box: paint, erase, scissors, crop to box, remove islands, undo and redo."""
        self.paint_button = QPushButton(self.tr("Paint"), self)
        self.paint_button.setToolTip(self.tr("Click on a slice to add a ball to the mask (P)"))
        self.paint_button.setShortcut(QKeySequence("P"))
        self.erase_button = QPushButton(self.tr("Erase"), self)
        self.erase_button.setToolTip(self.tr("Click on a slice to remove a ball from the mask (E)"))
        self.erase_button.setShortcut(QKeySequence("E"))
        self.scissors_button = QPushButton(self.tr("Scissors"), self)
        self.scissors_button.setToolTip(
            self.tr(
                "Draw a closed outline on a slice (click the corners, or press and drag a lasso; double-click or "
                "Enter closes it, Esc cancels): the cut goes through the whole volume along the view (S)"
            )
        )
        self.scissors_button.setShortcut(QKeySequence("S"))
        self.keep_inside_check = QCheckBox(self.tr("Keep inside"), self)
        self.keep_inside_check.setToolTip(
            self.tr(
                "Scissors keep what is inside the outline and remove the rest; unchecked, they remove the inside (K)"
            )
        )
        self.keep_inside_check.setShortcut(QKeySequence("K"))
        self.crop_button = QPushButton(self.tr("Crop to box"), self)
        self.crop_button.setToolTip(
            self.tr(
                "Set a box (drag a rectangle on a slice for its two in-plane sides, type the rest) and clear "
                "everything outside it (C)"
            )
        )
        self.crop_button.setShortcut(QKeySequence("C"))
        self.tool_buttons: dict[str, QPushButton] = {
            "paint": self.paint_button,
            "erase": self.erase_button,
            "scissors": self.scissors_button,
            "crop": self.crop_button,
        }
        self.tool_group = QButtonGroup(self)
        self.tool_group.setExclusive(False)  # exclusive by hand, so that no tool at all can be selected too
        for button in self.tool_buttons.values():
            button.setCheckable(True)
            self.tool_group.addButton(button)
        self.tool_group.buttonToggled.connect(self._on_tool_toggled)
        self.radius_spin = QDoubleSpinBox(self)
        self.radius_spin.setRange(0.5, 50.0)
        self.radius_spin.setValue(4.0)
        self.radius_spin.setSuffix(" mm")
        self.radius_spin.setToolTip(self.tr("Radius of the paint or erase ball, mm"))
        self.radius_spin.valueChanged.connect(self._on_brush_radius_changed)

        # The crop box: LPS bounds in mm, filled from the mask when the tool is selected.
        self.box_spins: list[tuple[QDoubleSpinBox, QDoubleSpinBox]] = []
        box_grid = QGridLayout()
        box_grid.setContentsMargins(0, 0, 0, 0)
        axis_titles = (self.tr("x (R to L):"), self.tr("y (A to P):"), self.tr("z (I to S):"))
        for axis, title in enumerate(axis_titles):
            pair = (QDoubleSpinBox(self), QDoubleSpinBox(self))
            for spin in pair:
                spin.setRange(-10_000.0, 10_000.0)
                spin.setDecimals(1)
                spin.setSuffix(" mm")
                spin.valueChanged.connect(self._on_box_changed)
            pair[0].setToolTip(self.tr("Lower side of the crop box along this patient axis (LPS), mm"))
            pair[1].setToolTip(self.tr("Upper side of the crop box along this patient axis (LPS), mm"))
            box_grid.addWidget(QLabel(title, self), axis, 0)
            box_grid.addWidget(pair[0], axis, 1)
            box_grid.addWidget(pair[1], axis, 2)
            self.box_spins.append(pair)
        self.apply_crop_button = QPushButton(self.tr("Apply crop"), self)
        self.apply_crop_button.setToolTip(self.tr("Clear every mask voxel outside the box (Shift+C)"))
        self.apply_crop_button.setShortcut(QKeySequence("Shift+C"))
        self.apply_crop_button.clicked.connect(self.apply_crop)
        box_grid.addWidget(self.apply_crop_button, 3, 1, 1, 2)

        self.islands_button = QPushButton(self.tr("Remove islands"), self)
        self.islands_button.setToolTip(
            self.tr("Clear every separate part of the mask smaller than the minimum volume (I)")
        )
        self.islands_button.setShortcut(QKeySequence("I"))
        self.islands_button.clicked.connect(self.remove_islands)
        self.fill_button = QPushButton(self.tr("Fill between slices"), self)
        self.fill_button.setToolTip(
            self.tr("Fill the empty axial slices between slices where the mask was drawn, interpolating the shapes (F)")
        )
        self.fill_button.setShortcut(QKeySequence("F"))
        self.fill_button.clicked.connect(self.fill_between_slices)
        self.islands_spin = QDoubleSpinBox(self)
        self.islands_spin.setRange(0.0, 10_000_000.0)
        self.islands_spin.setDecimals(0)
        self.islands_spin.setSingleStep(100.0)
        self.islands_spin.setValue(1000.0)
        self.islands_spin.setSuffix(" mm³")
        self.islands_spin.setToolTip(self.tr("Smallest part kept by Remove islands, mm³"))

        self.undo_button = QPushButton(self.tr("Undo"), self)
        self.undo_button.setToolTip(self.tr("Undo the last mask edit (Ctrl+Z)"))
        self.undo_button.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_button.clicked.connect(self.undo_edit)
        self.redo_button = QPushButton(self.tr("Redo"), self)
        self.redo_button.setToolTip(self.tr("Redo the edit undone last (Ctrl+Shift+Z)"))
        self.redo_button.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_button.clicked.connect(self.redo_edit)
        self.undo_stack.canUndoChanged.connect(self._on_busy_changed)
        self.undo_stack.canRedoChanged.connect(self._on_busy_changed)
        self.edit_label = QLabel(self)
        self.edit_label.setWordWrap(True)

        grid = QGridLayout()
        grid.addWidget(self.paint_button, 0, 0)
        grid.addWidget(self.erase_button, 0, 1)
        grid.addWidget(self.radius_spin, 0, 2)
        grid.addWidget(self.scissors_button, 1, 0)
        grid.addWidget(self.keep_inside_check, 1, 1, 1, 2)
        grid.addWidget(self.crop_button, 2, 0)
        grid.addLayout(box_grid, 2, 1, 1, 2)
        grid.addWidget(self.islands_button, 3, 0)
        grid.addWidget(self.islands_spin, 3, 1)
        grid.addWidget(self.fill_button, 4, 2)
        grid.addWidget(self.undo_button, 4, 0)
        grid.addWidget(self.redo_button, 4, 1)
        grid.addWidget(self.edit_label, 5, 0, 1, 3)
        box = QGroupBox(self.tr("Edit the mask"), self)
        box.setLayout(grid)
        return box

    def params(self) -> SegmentParams:
        """The segmentation parameters as entered (the workspace's :class:`~workflow.entries.SegmentEntries`)."""
        return (self._workspace.entries.segment or self._entered()).params()

    def _connect_entries(self) -> None:
        # The entries go to the workspace after the panel's own handlers ran (a preset sets the thresholds first).
        for edited in (
            self.preset_combo.currentIndexChanged,
            self.lower_spin.valueChanged,
            self.upper_spin.valueChanged,
            self.open_upper_check.toggled,
            self.keep_check.toggled,
            self.keep_spin.valueChanged,
            self.fill_check.toggled,
            self.preview_check.toggled,
        ):
            edited.connect(self._on_entries_edited)
        self._workspace.entries_changed.connect(self._on_entries_changed)
        self._on_entries_edited()

    def _entered(self) -> SegmentEntries:
        return SegmentEntries(
            preset=str(self.preset_combo.currentData()),
            lower_hu=self.lower_spin.value(),
            upper_hu=self.upper_spin.value(),
            open_upper=self.open_upper_check.isChecked(),
            keep_largest=self.keep_check.isChecked(),
            keep_count=self.keep_spin.value(),
            fill_holes=self.fill_check.isChecked(),
            preview=self.preview_check.isChecked(),
        )

    def _on_entries_edited(self) -> None:
        if not self._showing_entries:
            self._workspace.set_entries(replace(self._workspace.entries, segment=self._entered()))

    def _on_entries_changed(self) -> None:
        entries = self._workspace.entries.segment
        if entries is None or entries == self._entered():
            return
        self._showing_entries = True  # no echo to the workspace while the widgets are set one by one
        try:
            self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(entries.preset)))
            self.lower_spin.setValue(entries.lower_hu)
            self.upper_spin.setValue(entries.upper_hu)
            self.open_upper_check.setChecked(entries.open_upper)
            self.keep_check.setChecked(entries.keep_largest)
            self.keep_spin.setValue(entries.keep_count)
            self.fill_check.setChecked(entries.fill_holes)
            self.preview_check.setChecked(entries.preview)
        finally:
            self._showing_entries = False
        self._on_entries_edited()  # as shown (a spin box keeps a value within its range)

    @property
    def editing(self) -> bool:
        """Whether a mask edit is running in the background."""
        return self.edit_worker.running or self.islands_worker.running

    def _on_busy_changed(self, _running: bool = False) -> None:
        editing = self.editing
        busy = self.segment_worker.running or self.mesh_worker.running or editing
        has_volume = self._workspace.imported is not None
        has_mask = self._workspace.mask is not None
        self.segment_button.setEnabled(not busy and has_volume)
        self.mesh_button.setEnabled(not busy and has_mask)
        # While an edit runs, the mask it started from must stay the current one: no undo, redo or other edit.
        self.undo_button.setEnabled(not editing and self.undo_stack.canUndo())
        self.redo_button.setEnabled(not editing and self.undo_stack.canRedo())
        # The box is set and shown only with the crop tool: elsewhere its numbers would be stale or unexplained.
        cropping = self.tool() == "crop"
        for pair in self.box_spins:
            for spin in pair:
                spin.setEnabled(cropping)
        self.apply_crop_button.setEnabled(not editing and has_mask and cropping)
        self.islands_button.setEnabled(not editing and has_mask)
        self.fill_button.setEnabled(not editing and has_mask)
        if editing:
            self.edit_label.setText(self.tr("Editing the mask..."))
        else:
            self._show_tool_hint()

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
        for button in self.tool_buttons.values():
            button.setChecked(False)

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
        self.segment_worker.start(partial(steps.segment_volume, imported, params), on_done=self.show_segmentation)

    def show_segmentation(self, result: object) -> None:
        """Show a finished segmentation (a ``SegmentationResult``): it becomes the mask, undo history cleared."""
        from imaging.segment import SegmentationResult  # noqa: PLC0415

        assert isinstance(result, SegmentationResult)
        self.undo_stack.clear()
        self._count = (result.mask, int(result.voxels))
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
        mask = self._workspace.mask
        self._slices.set_mask(mask)
        self._on_busy_changed()
        if mask is None:
            self.mask_label.clear()
            return
        from imaging.segment import voxel_volume_mm3  # noqa: PLC0415

        if self._count is None or self._count[0] is not mask:
            self._count = (mask, int(np.count_nonzero(mask.voxels)))
        voxels = self._count[1]
        self.mask_label.setText(
            self.tr("Mask: %1 voxels, %2 cm³")
            .replace("%1", str(voxels))
            .replace("%2", f"{voxels * voxel_volume_mm3(mask) / 1000:.1f}")
        )

    # ------------------------------------------------------------------ mask editing

    def tool(self) -> str | None:
        """The selected editing tool (``paint``, ``erase``, ``scissors``, ``crop``) or None."""
        return next((name for name, button in self.tool_buttons.items() if button.isChecked()), None)

    def _on_measuring_started(self) -> None:
        """The ruler or the angle was chosen on the slices: no editing tool stays selected."""
        for button in self.tool_buttons.values():
            button.setChecked(False)

    def _on_tool_toggled(self, button: QAbstractButton, checked: bool) -> None:
        if checked:
            for other in self.tool_buttons.values():
                if other is not button:
                    other.setChecked(False)  # re-enters with checked=False, which only updates the views
        tool = self.tool()
        if tool == "crop" and self._slices.tool != "crop":
            self.reset_crop_box()
        self._slices.set_tool(tool)
        self._slices.set_brush(self.radius_spin.value() if tool in ("paint", "erase") else None)
        self._slices.set_crop_box(self.crop_box() if tool == "crop" else None)
        self._on_busy_changed()

    def _show_tool_hint(self) -> None:
        hints = {
            "paint": self.tr("Click or drag on a slice to paint with the brush (one undo step per stroke)."),
            "erase": self.tr("Click or drag on a slice to erase with the brush (one undo step per stroke)."),
            "scissors": self.tr(
                "Click the corners of an outline on a slice, or press and drag a lasso; double-click or press Enter "
                "to cut, Esc to cancel."
            ),
            "crop": self.tr("Drag a rectangle on a slice to set two sides of the box, then Apply crop."),
        }
        tool = self.tool()
        self.edit_label.setText("" if tool is None else hints[tool])

    def _start_edit(self, text: str, edit: Callable[[Volume], EditResult]) -> bool:
        """Run ``edit`` on the current mask in a thread and push the result on the undo stack.

        Returns False when there is no mask or another edit is still running (the request is dropped).
        """
        mask = self._workspace.mask
        if mask is None or self.editing:
            return False
        self.edit_worker.start(partial(run_mask_edit, edit, mask), on_done=partial(self._on_edit_done, mask, text))
        return True

    def _on_edit_done(self, source: Volume, text: str, result: object) -> None:
        from imaging.edit import EditResult  # noqa: PLC0415

        assert isinstance(result, EditResult)
        if self._workspace.mask is not source:
            return  # a new segmentation replaced the mask meanwhile: the edit does not apply to it
        if result.edit.changed == 0:
            self.edit_label.setText(self.tr("%1 changed nothing.").replace("%1", text))
            return
        self.undo_stack.push(MaskEditCommand(self._workspace, result, text, self._carry_count))

    def _carry_count(self, previous: Volume, mask: Volume, added: int) -> None:
        if self._count is not None and self._count[0] is previous:
            self._count = (mask, self._count[1] + added)

    def undo_edit(self) -> None:
        """Undo the last mask edit (on a large mask the undone mask is worked out in the background first)."""
        self._replay(undo=True)

    def redo_edit(self) -> None:
        """Redo the edit undone last (on a large mask in the background first, as :meth:`undo_edit`)."""
        self._replay(undo=False)

    def _replay(self, *, undo: bool) -> None:
        stack = self.undo_stack
        mask = self._workspace.mask
        if mask is None or self.editing or not (stack.canUndo() if undo else stack.canRedo()):
            return
        if mask.voxels.size <= SYNC_EDIT_VOXELS:  # a few ms: at once
            stack.undo() if undo else stack.redo()
            return
        index = stack.index() - 1 if undo else stack.index()
        command = stack.command(index)
        assert isinstance(command, MaskEditCommand)
        task = partial(run_mask_replay, mask, command.edit, undo)
        self.edit_worker.start(task, on_done=partial(self._on_replayed, mask, command, undo, stack.index()))

    def _on_replayed(self, source: Volume, command: MaskEditCommand, undo: bool, position: int, result: object) -> None:
        from imaging.volume import Volume  # noqa: PLC0415

        assert isinstance(result, Volume)
        stack = self.undo_stack
        if self._workspace.mask is not source or stack.index() != position:
            return  # the mask or the history changed meanwhile: this replay no longer applies
        command.prepare(result)
        stack.undo() if undo else stack.redo()

    def _on_slice_picked(self, voxel: tuple[int, int, int], _plane: str, _button: object) -> None:
        from imaging.edit import erase_sphere, paint_sphere  # noqa: PLC0415

        mask = self._workspace.mask
        tool = self._slices.tool
        if mask is None or tool not in ("paint", "erase") or self.editing:
            return
        centre = mask.index_to_world(voxel)
        point = (float(centre[0]), float(centre[1]), float(centre[2]))
        radius = self.radius_spin.value()
        sphere = paint_sphere if tool == "paint" else erase_sphere
        text = self.tr("Paint") if tool == "paint" else self.tr("Erase")
        self._slices.set_crosshair(voxel)
        if mask.voxels.size > SYNC_EDIT_VOXELS:
            self._start_edit(text, partial(sphere, centre_lps_mm=point, radius_mm=radius))
            return
        # A ball on a mask of the usual size takes a few ms: done at once, so quick clicks are never dropped.
        result = sphere(mask, point, radius)
        if result.edit.changed:
            self.undo_stack.push(MaskEditCommand(self._workspace, result, text, self._carry_count))

    def _on_brush_radius_changed(self, radius: float) -> None:
        if self.tool() in ("paint", "erase"):
            self._slices.set_brush(radius)

    def _on_stroke_drawn(self, _plane: str, points: npt.NDArray[np.float64]) -> None:
        """A brush stroke: paint or erase balls along it, one undo step (a click is a one-point stroke)."""
        from imaging.edit import brush_stroke  # noqa: PLC0415

        mask = self._workspace.mask
        tool = self._slices.tool
        if mask is None or tool not in ("paint", "erase") or self.editing:
            return
        stroke = partial(brush_stroke, points_lps_mm=points, radius_mm=self.radius_spin.value(), erase=tool == "erase")
        text = self.tr("Paint") if tool == "paint" else self.tr("Erase")
        if len(points) > 1 or mask.voxels.size > SYNC_EDIT_VOXELS:
            self._start_edit(text, stroke)
            return
        # A ball on a mask of the usual size takes a few ms: done at once, so quick clicks are never dropped.
        voxel = np.rint(mask.world_to_index(points[0])).astype(int)
        self._slices.set_crosshair((int(voxel[0]), int(voxel[1]), int(voxel[2])))
        result = stroke(mask)
        if result.edit.changed:
            self.undo_stack.push(MaskEditCommand(self._workspace, result, text, self._carry_count))

    def _on_polygon_drawn(self, plane: str, polygon: npt.NDArray[np.float64]) -> None:
        from imaging.edit import scissors  # noqa: PLC0415

        volume = self._slices.volume
        if self.tool() != "scissors" or volume is None:
            return
        direction = plane_normal(volume, cast("Plane", plane))
        mode: Literal["erase", "keep"] = "keep" if self.keep_inside_check.isChecked() else "erase"
        view_direction = (float(direction[0]), float(direction[1]), float(direction[2]))
        cut = partial(scissors, polygon_lps_mm=polygon, view_direction_lps=view_direction, mode=mode)
        self._start_edit(self.tr("Scissors"), cut)

    def crop_box(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The crop box as set in the spin boxes: lower and upper LPS corners, mm."""
        lower = np.array([pair[0].value() for pair in self.box_spins], dtype=np.float64)
        upper = np.array([pair[1].value() for pair in self.box_spins], dtype=np.float64)
        return lower, upper

    def set_crop_box(self, lower: npt.ArrayLike, upper: npt.ArrayLike) -> None:
        """Fill the crop box's spin boxes (LPS mm); the views show the box while the crop tool is selected."""
        for pair, low, high in zip(self.box_spins, np.asarray(lower), np.asarray(upper), strict=True):
            for spin, value in ((pair[0], low), (pair[1], high)):
                spin.blockSignals(True)  # one overlay update for the whole box
                spin.setValue(float(value))
                spin.blockSignals(False)
        self._on_box_changed()

    def reset_crop_box(self) -> None:
        """Set the crop box to the mask's extent (voxel centres), half a voxel wider on every side."""
        mask = self._workspace.mask
        bounds = None if mask is None else mask_bounds_world(mask)
        if mask is None or bounds is None:
            return
        margin = 0.5 * np.asarray(mask.spacing, dtype=np.float64).max()
        self.set_crop_box(bounds[0] - margin, bounds[1] + margin)

    def _on_box_changed(self) -> None:
        if self._slices.tool == "crop":
            self._slices.set_crop_box(self.crop_box())

    def _on_rectangle_drawn(self, plane: str, corners: npt.NDArray[np.float64]) -> None:
        volume = self._slices.volume
        if self.tool() != "crop" or volume is None:
            return
        lower, upper = self.crop_box()
        for axis in in_plane_lps_axes(volume, cast("Plane", plane)):
            lower[axis], upper[axis] = corners[:, axis].min(), corners[:, axis].max()
        self.set_crop_box(lower, upper)

    def apply_crop(self) -> bool:
        """Clear every mask voxel outside the crop box (an undoable edit, in the background)."""
        from imaging.edit import crop_to_box  # noqa: PLC0415

        low, high = self.crop_box()
        lower = (float(low[0]), float(low[1]), float(low[2]))
        upper = (float(high[0]), float(high[1]), float(high[2]))
        crop = partial(crop_to_box, lower_lps_mm=lower, upper_lps_mm=upper)
        return self._start_edit(self.tr("Crop to box"), crop)

    def fill_between_slices(self) -> bool:
        """Interpolate the mask into the empty axial slices between drawn ones (an undoable edit, in the background)."""
        from imaging.edit import fill_between_slices  # noqa: PLC0415

        return self._start_edit(self.tr("Fill between slices"), partial(fill_between_slices, plane="axial"))

    def remove_islands(self) -> bool:
        """Clear every part of the mask smaller than the minimum volume (an undoable edit, in the background)."""
        mask = self._workspace.mask
        if mask is None or self.editing:
            return False
        task = partial(remove_islands_task, PackedMask.pack(mask), self.islands_spin.value())
        self.islands_worker.start(task, on_done=partial(self._on_islands_done, mask))
        return True

    def _on_islands_done(self, source: Volume, result: object) -> None:
        from imaging.edit import EditResult, MaskEdit, apply_edit  # noqa: PLC0415

        assert isinstance(result, MaskEdit)
        if self._workspace.mask is not source:
            return
        # Only the record came back from the worker process; applying it is a copy and a scatter (30 ms at most).
        edited = EditResult(mask=apply_edit(source, result), edit=result)
        self._on_edit_done(source, self.tr("Remove islands"), edited)

    def _on_mesh_clicked(self) -> None:
        mask = self._workspace.mask
        if mask is None:
            return
        code = need_case(self._case_model, self._report, "meshing")
        if code is None:
            return
        out = folder.work_folder(self._case_model.home, code)
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
        unsmoothed = anatomy.result.unsmoothed_shells
        kept = self.tr(" %1 shell(s) too small or thin to smooth kept as the isosurface has them.")
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
            + (kept.replace("%1", str(unsmoothed)) if unsmoothed else "")
        )


# ------------------------------------------------------------------------------------------------ design and check
