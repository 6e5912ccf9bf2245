"""The View menu's "Stress map": the design coloured by the von Mises stress of the check's own analysis.

A check that measured ``mech.*`` keeps the analysis' stress field with the case (``<design>.stress.npz``,
:mod:`mechanics.field`); while the action is on, the 3D view draws the design coloured by it (0 to the recorded peak,
blue to red, a scale in MPa) and marks the peak beside the flagged parameters' markers. The action is enabled only
while the shown check has a field (:meth:`StressMapAction.refresh` follows the check); a field of another design
than the one shown is not drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from app.gui.scene_view import STRESS_STOPS, SceneView, SurfaceColouring
from base.errors import DvwError

if TYPE_CHECKING:
    from app.gui.models import WorkspaceModel
    from workflow.display import StressDisplay

Markers = Sequence[tuple[str, tuple[float, float, float]]]


class StressMapAction(QObject):
    """A checkable action that colours the design by the check's recorded stress field (see the module's text).

    ``markers`` gives the markers shown without the map (the flagged parameters'); ``report`` receives a field
    that cannot be read (a :class:`base.errors.DvwError`).
    """

    def __init__(
        self,
        workspace: WorkspaceModel,
        scene: SceneView,
        markers: Callable[[], Markers],
        report: Callable[[DvwError], None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._scene = scene
        self._markers = markers
        self._report = report
        self.shown: StressDisplay | None = None
        self.action = QAction(self.tr("Stress map"), parent)
        self.action.setShortcut(QKeySequence("Shift+S"))
        tip = self.tr("Colour the design by the von Mises stress of the check's analysis; the peak is marked (Shift+S)")
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.action.setCheckable(True)
        self.action.setEnabled(False)
        self.action.toggled.connect(self._on_toggled)

    def field_path(self) -> Path | None:
        """The stress field of the shown check, when it has one and a design is shown."""
        outcome, design = self._workspace.outcome, self._workspace.design
        if outcome is None or design is None:
            return None
        path = outcome.files.get("stress_field")
        return Path(path) if path is not None and Path(path).is_file() else None

    def refresh(self) -> None:
        """Follow a new check (or none): enable the action for a check with a field, show the new field or none.

        Called by the window after the check's markers are set (the map adds its peak to them).
        """
        available = self.field_path() is not None
        if not available and self.action.isChecked():
            self.action.setChecked(False)  # the map shown was of another check: back to the design's own colours
        self.action.setEnabled(available)
        if available and self.action.isChecked():
            self._show(True)  # the check was run again: its new field

    def _on_toggled(self, on: bool) -> None:
        self._show(on)

    def _show(self, on: bool) -> None:
        from workflow.display import stress_display  # noqa: PLC0415 - loads the field reader on first use

        design, path = self._workspace.design, self.field_path()
        shown = None
        if on and design is not None and path is not None:
            try:
                shown = stress_display(design, path)
            except DvwError as exc:
                self._report(exc)
        self.shown = shown
        if shown is None:
            self._scene.set_design_colouring(None)
            if design is not None:
                self._scene.set_design(design.stored.mesh, design.display)
            self._scene.set_markers(self._markers())
            if on:
                self.action.setChecked(False)
            return
        assert design is not None
        self._scene.set_design(design.stored.mesh, shown.surface)
        self._scene.set_design_colouring(
            SurfaceColouring(shown.array, shown.value_range, STRESS_STOPS, "MPa", label_format="%.3g")
        )
        label = self.tr("Peak stress %1 MPa").replace("%1", f"{shown.max_von_mises_mpa:.3g}")
        self._scene.set_markers([*self._markers(), (label, shown.worst_point_mm)])
