"""The GUI's sources of truth: who is signed in, the case (from the records log) and the current case's working data.

:class:`SessionModel` holds the signed-in user's :class:`~records.users.Session`: the one place in the window where
an unlocked key lives. It is never kept by a widget, never written to disk and never sent to the worker process; a
step that records reads it when the user starts the step and captures it in that job's input (a thread job of the
GUI process), so a job still running when the window locks records with the session it started with. Locking drops
the session and keeps only the user's public facts, to ask that user's password again.

:class:`CaseModel` holds the current case's :class:`~records.cases.CaseState`, always derived from the store's event
log (STYLE rule 3): widgets render from it, change it only through its methods or through steps that append events
(followed by :meth:`CaseModel.reload`), and never keep copies. :class:`WorkspaceModel` holds the frozen results of
the steps run in this session or loaded back when the case was reopened (imported volume, mask, anatomy mesh,
design, check); setting an upstream result clears what was derived from the old one.
What was entered for the steps is one frozen :class:`~workflow.entries.Entries` in the workspace, which the panels
show and change. The replication state for the case bar is :func:`workflow.sync_status.read_sync_status`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from workflow.entries import Entries, ImportEntries

if TYPE_CHECKING:  # the records and imaging cores load in the background after the window opens
    from imaging.segment import SegmentationResult
    from imaging.series import ScanResult
    from imaging.volume import Volume
    from records.cases import CaseState
    from records.store import Store
    from records.users import Session, User
    from workflow.steps import AnatomyMesh, CheckOutcome, ImportedVolume, LoadedDesign

SIGNED_OUT = "signed_out"
LOCKED = "locked"
SIGNED_IN = "signed_in"


class SessionModel(QObject):
    """Who is signed in to the window; emits ``changed`` on sign-in, lock and sign-out.

    States: :data:`SIGNED_OUT` (nobody), :data:`LOCKED` (the window locked after inactivity or on request: the
    session is dropped, the user's public facts are kept to unlock with their password), :data:`SIGNED_IN`.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session: Session | None = None
        self._locked_user: User | None = None

    @property
    def session(self) -> Session | None:
        """The signed-in user's session (None when signed out or locked): read it when a step starts."""
        return self._session

    @property
    def user(self) -> User | None:
        """The signed-in user's public facts, or None."""
        return None if self._session is None else self._session.user

    @property
    def locked_user(self) -> User | None:
        """The user whose session the lock dropped (who may unlock with their password), or None."""
        return self._locked_user

    @property
    def state(self) -> str:
        """:data:`SIGNED_IN`, :data:`LOCKED` or :data:`SIGNED_OUT`."""
        if self._session is not None:
            return SIGNED_IN
        return LOCKED if self._locked_user is not None else SIGNED_OUT

    def sign_in(self, session: Session) -> None:
        """``session`` is the window's user now (a sign-in, an unlock or a switch of user)."""
        self._session, self._locked_user = session, None
        self.changed.emit()

    def lock(self) -> None:
        """Drop the session and keep the user's public facts (nothing happens when nobody is signed in)."""
        if self._session is None:
            return
        self._locked_user, self._session = self._session.user, None
        self.changed.emit()

    def sign_out(self) -> None:
        """Drop the session and forget the user."""
        if self._session is None and self._locked_user is None:
            return
        self._session, self._locked_user = None, None
        self.changed.emit()

    def take_over(self, other: SessionModel) -> None:
        """Continue ``other``'s state (a window rebuilt in another language); ``other`` forgets it: one place."""
        self._session, self._locked_user = other._session, other._locked_user
        other._session, other._locked_user = None, None
        self.changed.emit()


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

    def create_case(self, code: str, *, by: Session) -> None:
        """Create case ``code`` (a ``case_created`` event by the signed-in ``by``) and make it current.

        Raises
        ------
        InvalidEventError
            For a malformed code.
        CaseExistsError
            When the case exists.
        """
        from records.events import CASE_CREATED, check_case_code  # noqa: PLC0415

        checked = check_case_code(code)
        self.store().append(CASE_CREATED, case_code=checked, payload={"source": "dvw gui"}, by=by)
        self.reload()
        self.open_case(checked)

    def close_case(self) -> None:
        """Close the current case (nothing is recorded); the window forgets its work in progress."""
        if self._code is None:
            return
        self._code, self._state = None, None
        self.changed.emit()

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
    """The results of the steps run on the current case in this session, and what was entered for the steps.

    Each change emits its signal. When another case is opened or started, the entries that describe the case (the
    folder scanned, the patient facts) are forgotten (:meth:`forget_case_entries`); the others stay.
    """

    entries_changed = Signal()
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
        self.revision = 0
        self.entries = Entries()

    def set_entries(self, entries: Entries) -> None:
        """What was entered for the steps (each panel shows its part); nothing is emitted for the same entries."""
        if entries == self.entries:
            return
        self.entries = entries
        self.entries_changed.emit()

    def forget_case_entries(self) -> None:
        """Forget what was entered about the case (the DICOM folder, the patient facts): another case is shown."""
        entries = self.entries
        check = replace(entries.check, age_years=0.0, weight_kg=0.0)
        self.set_entries(replace(entries, importing=ImportEntries(), check=check))

    def show_patient(self, facts: Mapping[str, Any]) -> None:
        """Show the patient facts ``facts`` (``age_years``, ``weight_kg``, as a check's ``patient.json``); 0: none."""

        def number(name: str) -> float:
            value = facts.get(name)
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0

        check = replace(self.entries.check, age_years=number("age_years"), weight_kg=number("weight_kg"))
        self.set_entries(replace(self.entries, check=check))

    def clear(self) -> None:
        """Forget every result (another case was opened)."""
        self.set_scan(None)
        self.set_design(None)

    def _changed(self) -> None:
        # Counts every change, so that a result loaded in the background never overwrites a newer one.
        self.revision += 1

    def set_scan(self, scan: ScanResult | None) -> None:
        """A new folder scan; the imported volume and everything after it are cleared."""
        self.scan = scan
        self._changed()
        self.scan_changed.emit()
        self.set_imported(None)

    def set_imported(self, imported: ImportedVolume | None) -> None:
        """A new imported volume; the mask and everything after it are cleared."""
        self.imported = imported
        self._changed()
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
        self._changed()
        self.mask_changed.emit()
        self.set_anatomy(None)

    def set_anatomy(self, anatomy: AnatomyMesh | None) -> None:
        """A new anatomy mesh; the check is cleared."""
        self.anatomy = anatomy
        self._changed()
        self.anatomy_changed.emit()
        self.set_outcome(None)

    def set_design(self, design: LoadedDesign | None) -> None:
        """A new design; the check is cleared."""
        self.design = design
        self._changed()
        self.design_changed.emit()
        self.set_outcome(None)

    def set_outcome(self, outcome: CheckOutcome | None) -> None:
        """A new check result."""
        self.outcome = outcome
        self._changed()
        self.check_changed.emit()
