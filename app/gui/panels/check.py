"""The Design & Check panel: load the design, pick the envelope, check, show the verdict.

The check runs in two jobs: the worker process measures and checks (the measurements hold the GIL) and writes the
check's files; then a thread of the GUI process records the check with the session of the user who started it
(read when the check button was pressed and kept in the jobs' inputs: a session never leaves the GUI process, and
a check still running when the window locks is recorded by who started it).
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.models import CaseModel, SessionModel, WorkspaceModel
from app.gui.settings import GuiSettings
from app.gui.widgets import (
    CheckTableView,
    ProgressPanel,
    VerdictBannerView,
    unit_word,
)
from app.workers import TaskWorker
from workflow import folder, steps
from workflow.entries import CheckEntries

if TYPE_CHECKING:  # loaded in the background after the window opens
    from records.users import Session


from app.gui.panels.common import Report, need_case, need_session


class CheckPanel(QWidget):
    """Load the design and check it against an envelope: parameter table, verdict banner, flagged places.

    The "Wall thickness" toggle switches the 3D view's design between its wall-thickness colours and the plain
    design colour (:attr:`wall_map_toggled`); choosing an envelope gives its minimum wall thickness in mm (NaN when
    it has none), the middle of the colour scale (:attr:`wall_limit_changed`). The window connects both to its 3D
    view.
    """

    checked = Signal()  # a check was recorded and is shown
    wall_map_toggled = Signal(bool)  # the wall-thickness toggle changed: colour the design by it (True) or not
    wall_limit_changed = Signal(float)  # the chosen envelope's minimum wall thickness (mm), NaN for none

    def __init__(  # noqa: PLR0915 - a panel's widgets are built and wired in one place
        self,
        case_model: CaseModel,
        workspace: WorkspaceModel,
        settings: GuiSettings,
        report: Report,
        parent: QWidget | None = None,
        *,
        sessions: SessionModel,
    ) -> None:
        super().__init__(parent)
        self._case_model = case_model
        self._workspace = workspace
        self._sessions = sessions
        self._settings = settings
        self._report = report
        self.design_worker = TaskWorker("design", self, isolated=True)
        self.check_worker = TaskWorker("check", self, isolated=True)
        # Recording the check: a thread of this process, with the session of who started the check.
        self.record_worker = TaskWorker("check-record", self)
        self.design_button = QPushButton(self.tr("Load design..."), self)
        self.design_button.setToolTip(self.tr("Load the device design (STL, 3MF, PLY, OBJ) (Ctrl+D)"))
        self.design_button.setShortcut(QKeySequence("Ctrl+D"))
        self.design_button.clicked.connect(self._on_design_clicked)
        self.design_label = QLabel(self.tr("No design loaded."), self)
        self.design_label.setWordWrap(True)
        self.design_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.wall_map_check = QCheckBox(self.tr("Wall thickness"), self)
        self.wall_map_check.setChecked(True)
        self.wall_map_check.setToolTip(
            self.tr(
                "Colour the design on the 3D view by its wall thickness: red where thin, blue where thick, grey where "
                "no opposite wall was found; the scale is in mm (Ctrl+T)"
            )
        )
        self.wall_map_check.setShortcut(QKeySequence("Ctrl+T"))
        self.wall_map_check.toggled.connect(self._on_wall_map_toggled)
        self.wall_map_label = QLabel(self)
        self.wall_map_label.setWordWrap(True)
        self.wall_map_label.setToolTip(
            self.tr(
                "Each vertex's wall thickness: the distance along its inward normal to the opposite surface, as the "
                "design.min_wall_thickness parameter measures it"
            )
        )
        self.envelope_combo = QComboBox(self)
        self.envelope_combo.setToolTip(self.tr("The validated design envelope to check against"))
        for path in steps.bundled_envelopes():
            self.envelope_combo.addItem(path.stem, str(path))
        self.envelope_combo.currentIndexChanged.connect(self._on_envelope_changed)
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
        layout.addWidget(self.wall_map_check)
        layout.addWidget(self.wall_map_label)
        layout.addLayout(form)
        layout.addWidget(self.check_button)
        layout.addWidget(ProgressPanel(self.check_worker, self))
        layout.addWidget(ProgressPanel(self.record_worker, self))
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        workspace.design_changed.connect(self._on_design_changed)
        workspace.check_changed.connect(self._on_check_changed)
        case_model.changed.connect(self._on_check_changed)  # re-verified, signed: the banner's words follow
        workspace.anatomy_changed.connect(self._on_busy_changed)
        self.design_worker.running_changed.connect(self._on_busy_changed)
        self.check_worker.running_changed.connect(self._on_busy_changed)
        self.record_worker.running_changed.connect(self._on_busy_changed)
        self._on_busy_changed()
        self._showing_entries = False
        self._connect_entries()

    def _on_busy_changed(self, _running: bool = False) -> None:
        busy = self.design_worker.running or self.check_worker.running or self.record_worker.running
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
        code = need_case(self._case_model, self._report, "loading a design")
        if code is None:
            return
        self._settings.last_folder = str(path.parent)
        out = folder.work_folder(self._case_model.home, code)
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
        """The patient facts given (the workspace's :class:`~workflow.entries.CheckEntries`)."""
        return self._workspace.entries.check.patient_facts()

    def _connect_entries(self) -> None:
        for edited in (
            self.envelope_combo.currentIndexChanged,
            self.age_spin.valueChanged,
            self.weight_spin.valueChanged,
        ):
            edited.connect(self._on_entries_edited)
        self._workspace.entries_changed.connect(self._on_entries_changed)
        self._on_entries_edited()

    def _entered(self) -> CheckEntries:
        envelope = self.envelope_combo.currentData()
        return CheckEntries(Path(str(envelope)) if envelope else None, self.age_spin.value(), self.weight_spin.value())

    def _on_entries_edited(self) -> None:
        if not self._showing_entries:
            self._workspace.set_entries(replace(self._workspace.entries, check=self._entered()))

    def _on_entries_changed(self) -> None:
        entries = self._workspace.entries.check
        if entries == self._entered():
            return
        self._showing_entries = True  # no echo to the workspace while the widgets are set one by one
        try:
            if entries.envelope is not None:
                self.select_envelope(entries.envelope)
            self.age_spin.setValue(entries.age_years)
            self.weight_spin.setValue(entries.weight_kg)
        finally:
            self._showing_entries = False
        self._on_entries_edited()  # as shown (a spin box keeps a value within its range)

    def _on_design_changed(self) -> None:
        design = self._workspace.design
        self._on_busy_changed()
        self._show_wall_map_range()
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
        code = need_case(self._case_model, self._report, "checking")
        if code is None:
            return
        session = need_session(self._sessions, self._report, "checking")
        if session is None:
            return
        from validation.manifest import current_manifest  # noqa: PLC0415 - computed by the start-up's loading

        inputs = steps.CheckInputs(
            home=self._case_model.home,
            code=code,
            imported=workspace.imported,
            anatomy=workspace.anatomy,
            design=workspace.design,
            envelope_path=Path(str(self.envelope_combo.currentData())),
            patient=self.patient_facts(),
            manifest_id=current_manifest().manifest_id,  # this process's, which the sign-off compares with
        )
        self.check_worker.start(partial(steps.measure_design, inputs), on_done=partial(self._on_measured, session))

    def _on_measured(self, session: Session, measured: object) -> None:
        assert isinstance(measured, steps.MeasuredCheck)
        task = partial(steps.record_measured_check, measured, session)
        self.record_worker.start(task, on_done=self._on_check_done)

    def _on_check_done(self, result: object) -> None:
        assert isinstance(result, steps.CheckOutcome)
        if result.recorded.get("code") != self._case_model.code:
            # The case was closed meanwhile (another user signed in): recorded, but not this window's work now.
            self._case_model.reload()
            return
        self._workspace.set_outcome(result)
        self._case_model.reload()
        self.checked.emit()

    def _on_check_changed(self) -> None:
        outcome = self._workspace.outcome
        self.banner.set_verdict(None if outcome is None else outcome.result.verdict, self._recorded_state())
        self.table.set_check(
            None if outcome is None else outcome.result.to_json(), None if outcome is None else outcome.envelope
        )
        self._on_busy_changed()

    def _recorded_state(self) -> str | None:
        """The case's state when the check shown is the case's latest recorded one (else None: not recorded)."""
        outcome, state = self._workspace.outcome, self._case_model.state
        if outcome is None or state is None or state.check is None:
            return None
        recorded = state.check.payload.get("parameters_sha256")
        return state.state if recorded == outcome.result.parameters_sha256 else None

    def _on_wall_map_toggled(self, on: bool) -> None:
        self.wall_map_toggled.emit(on)

    def _on_envelope_changed(self) -> None:
        # Before the start-up's background loading ends, the envelope module (which loads pint, 0.7 s) is not
        # loaded on the GUI thread: the window asks for the limit when the loading ends.
        if "validation.envelope" in sys.modules:
            self.wall_limit_changed.emit(self.wall_limit_mm())

    def wall_limit_mm(self) -> float:
        """The chosen envelope's lower limit of ``design.min_wall_thickness`` in mm; NaN without one (or unreadable)."""
        from validation.envelope import load_envelope  # noqa: PLC0415 - loaded in the background at start-up
        from validation.errors import ValidationError  # noqa: PLC0415

        path = self.envelope_combo.currentData()
        if not path:
            return math.nan
        try:
            parameter = load_envelope(Path(path)).parameter("design.min_wall_thickness")
        except (OSError, ValidationError):
            return math.nan  # the check itself reports a bad envelope when it is run
        if parameter is None or parameter.min is None or parameter.unit != "mm":
            return math.nan
        return float(parameter.min)

    def _show_wall_map_range(self) -> None:
        design = self._workspace.design
        wall_map = None if design is None else design.wall_map
        self.wall_map_check.setEnabled(wall_map is not None)
        if wall_map is None:
            self.wall_map_label.setText("")
            return
        import numpy as np  # noqa: PLC0415

        values = np.asarray(wall_map, dtype=np.float64)
        finite = values[np.isfinite(values)]
        if not finite.size:
            self.wall_map_label.setText(self.tr("Wall thickness: no opposite wall found (an open surface?)"))
            return
        self.wall_map_label.setText(
            self.tr("Wall thickness %1 to %2 mm (median %3 mm); %4 vertices without an opposite wall")
            .replace("%1", f"{finite.min():.2f}")
            .replace("%2", f"{finite.max():.2f}")
            .replace("%3", f"{np.median(finite):.2f}")
            .replace("%4", str(int(values.size - finite.size)))
        )

    def flagged_markers(self) -> list[tuple[str, tuple[float, float, float]]]:
        """Flagged parameters (out of the envelope or near a limit) that have a place, as 3D markers.

        The places come with the check (:attr:`steps.CheckOutcome.locations`: the thinnest wall, the largest gap,
        the deepest penetration); for a check loaded without them, the thinnest wall comes from the design.
        """
        outcome, design = self._workspace.outcome, self._workspace.design
        if outcome is None:
            return []
        places = dict(outcome.locations)
        if design is not None and design.info.wall is not None:
            places.setdefault("design.min_wall_thickness", design.info.wall.location)
        from workflow.check_table import check_rows  # noqa: PLC0415 - loaded with the check

        rows = {row.name: row for row in check_rows(outcome.result.to_json())}
        markers = []
        for item in outcome.result.results:
            if item.status in steps.FLAGGED_STATUSES and item.name in places and item.value is not None:
                row = rows.get(item.name)
                if row is None:
                    label = f"{item.name}\n{item.value:.2f} {item.unit}"
                else:  # the table's plain title and rounded value, in the window's language
                    title = QCoreApplication.translate("ParameterTitles", row.title)
                    label = f"{title}\n{row.value} {unit_word(row.unit)}".rstrip()
                markers.append((label, places[item.name]))
        return markers


# ------------------------------------------------------------------------------------------------ review
