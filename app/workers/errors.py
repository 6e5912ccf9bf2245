"""What went wrong in a background job, as the GUI shows it: one :class:`ErrorInfo` per failure (no Qt here).

Shared by the worker threads and the worker process (:mod:`app.workers.process`), which must not load Qt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.crashlog import write_crash_log
from base.errors import DvwError
from base.progress import Cancelled

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


def describe_error(exc: BaseException) -> ErrorInfo:
    """The :class:`ErrorInfo` for an exception raised by a job (internal errors are logged with their traceback)."""
    if isinstance(exc, Cancelled):
        return ErrorInfo("cancelled", "cancelled; nothing was changed")
    if isinstance(exc, DvwError):
        return ErrorInfo(exc.code, exc.message, exc.path)
    logged = write_crash_log(exc, "gui-crash")
    log.error("internal error in a background job: %s: %s", type(exc).__name__, exc)
    return ErrorInfo(
        "internal",
        f"internal error (a bug): {type(exc).__name__}: {exc}",
        None,
        str(logged) if logged is not None else None,
    )
