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

:func:`read_sync_status` reads the replication state of the local store (enrolment, last sync, events not yet
pushed) for the case bar; the window runs it in the worker process.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:  # the records and imaging cores load in the background after the window opens
    from app.gui.steps import AnatomyMesh, CheckOutcome, ImportedVolume, LoadedDesign
    from base.progress import CancelToken, ProgressCallback
    from imaging.segment import SegmentationResult
    from imaging.series import ScanResult
    from imaging.volume import Volume
    from records.cases import CaseState
    from records.store import Store
    from records.users import Session, User

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
        self.revision = 0

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


@dataclass(frozen=True)
class SyncStatus:
    """The local store's replication state, as the case bar shows it.

    Attributes
    ----------
    server
        The sync server in the settings ("" when not configured).
    joined_server
        The server this site joined (``dvw site join``), or "" when it has not joined.
    site_name, site_id
        The site's enrolled name and its store's site id ("" when unknown).
    last_sync
        When the last successful sync finished (ISO 8601), or "" when this site never synced.
    pending
        This site's events written after the last successful sync (all of them before the first sync): what the
        next sync will push.
    own_events
        Every event this site wrote.
    seconds
        How long reading the status took.
    """

    server: str
    joined_server: str
    site_name: str
    site_id: str
    last_sync: str
    pending: int
    own_events: int
    seconds: float

    @property
    def configured(self) -> bool:
        """Whether a sync server is set in the settings or joined."""
        return bool(self.server or self.joined_server)


def read_sync_status(home: Path, server: str, progress: ProgressCallback, cancel: CancelToken) -> SyncStatus:
    """Read the replication state of the store in ``home`` (``server``: the sync server of the settings).

    The enrolment is the site key and server file ``dvw site join`` writes (:func:`records.sync.client.
    load_credentials`); the last sync is the ``last_sync.json`` record ``dvw sync`` writes when a sync finishes.
    The events not yet pushed are exactly this site's events after the last one the server acknowledged holding,
    which that record names (``pushed_through``: :func:`records.sync.client.events_not_pushed`). A record written
    by an older DVW does not name it: then the events this site wrote after that sync finished are counted (an
    event written while a sync was running counts as pushed, though the sync may have missed it).

    Raises
    ------
    StoreError
        When the store cannot be opened.
    """
    from base.progress import checkpoint  # noqa: PLC0415
    from records.errors import NotJoinedError  # noqa: PLC0415
    from records.events import aware_time  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from records.sync.client import LAST_SYNC_FILE, SYNC_DIR, events_not_pushed, load_credentials  # noqa: PLC0415

    del progress  # one quick read: nothing to report
    started = time.perf_counter()
    try:
        credentials = load_credentials(home)
        joined, name = credentials.server, credentials.name
    except NotJoinedError:
        joined, name = "", ""
    last_sync = ""
    record: dict[str, object] = {}
    try:
        read = json.loads((home / SYNC_DIR / LAST_SYNC_FILE).read_text(encoding="utf-8"))
        if isinstance(read, dict) and aware_time(read.get("finished_at")) is not None:
            last_sync = str(read["finished_at"])
            record = read
    except (OSError, ValueError):
        last_sync = ""
    checkpoint(cancel)
    with Store.open(home) as store:
        site_id = store.site_id
        events = store.events()
    own = [event.created_at for event in events if event.site_id == site_id]
    exact = events_not_pushed(events, site_id, record) if record else None
    since = aware_time(last_sync)
    if exact is not None:
        pending = exact
    elif since is None:
        pending = len(own)
    else:
        pending = sum(1 for created in own if (at := aware_time(created)) is not None and at > since)
    return SyncStatus(server, joined, name, site_id, last_sync, pending, len(own), time.perf_counter() - started)
