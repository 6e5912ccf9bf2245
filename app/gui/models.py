"""The GUI's two sources of truth: the case (from the records log) and the working data of the current case.

:class:`CaseModel` holds the current case's :class:`~records.cases.CaseState`, always derived from the store's event
log (STYLE rule 3): widgets render from it, change it only through its methods or through steps that append events
(followed by :meth:`CaseModel.reload`), and never keep copies. :class:`WorkspaceModel` holds the frozen results of
the steps run in this session (imported volume, mask, anatomy mesh, design, check); setting an upstream result
clears what was derived from the old one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:  # the records and imaging cores load in the background after the window opens
    from app.gui.steps import AnatomyMesh, CheckOutcome, ImportedVolume, LoadedDesign
    from imaging.segment import SegmentationResult
    from imaging.series import ScanResult
    from imaging.volume import Volume
    from records.cases import CaseState
    from records.store import Store


class CaseModel(QObject):
    """The store and the current case; emits ``changed`` whenever the current case's state may have changed.

    Parameters
    ----------
    home
        The store folder.
    """

    changed = Signal()
    cases_changed = Signal()

    def __init__(self, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._home = home
        self._store: Store | None = None
        self._code: str | None = None
        self._state: CaseState | None = None
        self._cases: list[CaseState] = []

    @property
    def home(self) -> Path:
        """The store folder."""
        return self._home

    @property
    def code(self) -> str | None:
        """The current case's code, or None when no case is open."""
        return self._code

    @property
    def state(self) -> CaseState | None:
        """The current case's state as last read from the log."""
        return self._state

    @property
    def cases(self) -> list[CaseState]:
        """Every case in the store, as last read."""
        return list(self._cases)

    def store(self) -> Store:
        """The open store (opened on first use)."""
        if self._store is None:
            from records.store import Store  # noqa: PLC0415

            self._store = Store.open(self._home)
        return self._store

    def set_home(self, home: Path) -> None:
        """Switch to another store folder; the current case is closed."""
        self.close()
        self._home = home
        self._code, self._state = None, None
        self.reload()

    def open_case(self, code: str) -> None:
        """Make ``code`` the current case.

        Raises
        ------
        CaseNotFoundError
            When the store has no such case.
        """
        state = self.store().case(code)
        self._code, self._state = state.code, state
        self.changed.emit()

    def create_case(self, code: str) -> None:
        """Create case ``code`` (a ``case_created`` event) and make it current.

        Raises
        ------
        InvalidEventError
            For a malformed code.
        CaseExistsError
            When the case exists.
        """
        from records.events import CASE_CREATED, check_case_code  # noqa: PLC0415

        checked = check_case_code(code)
        self.store().append(CASE_CREATED, case_code=checked, payload={"source": "dvw gui"})
        self.reload()
        self.open_case(checked)

    def reload(self) -> None:
        """Re-read the cases and the current case from the log and emit the change signals."""
        store = self.store()
        self._cases = store.cases()
        if self._code is not None:
            self._state = store.case(self._code)
        self.cases_changed.emit()
        self.changed.emit()

    def close(self) -> None:
        """Close the store's connections."""
        if self._store is not None:
            self._store.close()
            self._store = None


class WorkspaceModel(QObject):
    """The results of the steps run on the current case in this session; each change emits its signal."""

    scan_changed = Signal()
    volume_changed = Signal()
    mask_changed = Signal()
    anatomy_changed = Signal()
    design_changed = Signal()
    check_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scan: ScanResult | None = None
        self.imported: ImportedVolume | None = None
        self.segmentation: SegmentationResult | None = None
        self.mask: Volume | None = None
        self.anatomy: AnatomyMesh | None = None
        self.design: LoadedDesign | None = None
        self.outcome: CheckOutcome | None = None

    def clear(self) -> None:
        """Forget every result (another case was opened)."""
        self.set_scan(None)
        self.set_design(None)

    def set_scan(self, scan: ScanResult | None) -> None:
        """A new folder scan; the imported volume and everything after it are cleared."""
        self.scan = scan
        self.scan_changed.emit()
        self.set_imported(None)

    def set_imported(self, imported: ImportedVolume | None) -> None:
        """A new imported volume; the mask and everything after it are cleared."""
        self.imported = imported
        self.volume_changed.emit()
        self.set_segmentation(None)

    def set_segmentation(self, result: SegmentationResult | None) -> None:
        """A new segmentation (its mask becomes the current mask)."""
        self.segmentation = result
        self.set_mask(None if result is None else result.mask)

    def set_mask(self, mask: Volume | None) -> None:
        """A new or edited mask; the anatomy mesh and the check are cleared."""
        self.mask = mask
        if mask is not None and self.segmentation is not None:
            self.segmentation = replace(self.segmentation, mask=mask)
        self.mask_changed.emit()
        self.set_anatomy(None)

    def set_anatomy(self, anatomy: AnatomyMesh | None) -> None:
        """A new anatomy mesh; the check is cleared."""
        self.anatomy = anatomy
        self.anatomy_changed.emit()
        self.set_outcome(None)

    def set_design(self, design: LoadedDesign | None) -> None:
        """A new design; the check is cleared."""
        self.design = design
        self.design_changed.emit()
        self.set_outcome(None)

    def set_outcome(self, outcome: CheckOutcome | None) -> None:
        """A new check result."""
        self.outcome = outcome
        self.check_changed.emit()
