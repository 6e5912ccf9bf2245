"""What went wrong in a background job, as the GUI shows it: one :class:`ErrorInfo` per failure (no Qt here).

Shared by the worker threads and the worker process (:mod:`app.workers.process`), which must not load Qt.
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from imaging.errors import DvwError
from imaging.progress import Cancelled

log = logging.getLogger("dvw.gui")


@dataclass(frozen=True)
class ErrorInfo:
    """What went wrong, for the user: a stable ``code``, one line of ``message`` and the file at fault (if any).

    Attributes
    ----------
    code
        The core error's code (e.g. ``wrong_password``), ``cancelled``, or ``internal`` for a bug.
    message
        One line; the core's own message (English) for core errors.
    path
        The file or folder at fault, or None.
    log_file
        Where the traceback of an internal error was written, or None.
    """

    code: str
    message: str
    path: str | None = None
    log_file: str | None = None

    @property
    def cancelled(self) -> bool:
        """Whether the job was cancelled by the user (not an error to show in a message box)."""
        return self.code == "cancelled"


def _log_traceback(exc: BaseException) -> Path | None:
    try:
        folder = Path(platformdirs.user_log_dir("dvw", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = folder / f"gui-crash-{stamp}-{os.getpid()}-{threading.get_ident()}.txt"
        path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    except OSError:
        return None
    return path


def describe_error(exc: BaseException) -> ErrorInfo:
    """The :class:`ErrorInfo` for an exception raised by a job (internal errors are logged with their traceback)."""
    if isinstance(exc, Cancelled):
        return ErrorInfo("cancelled", "cancelled; nothing was changed")
    if isinstance(exc, DvwError):
        return ErrorInfo(exc.code, exc.message, exc.path)
    logged = _log_traceback(exc)
    log.error("internal error in a background job: %s: %s", type(exc).__name__, exc)
    return ErrorInfo(
        "internal",
        f"internal error (a bug): {type(exc).__name__}: {exc}",
        None,
        str(logged) if logged is not None else None,
    )
