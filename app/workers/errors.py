"""What went wrong in a background job, as the GUI shows it: one :class:`ErrorInfo` per failure (no Qt here).

Shared by the worker threads and the worker process (:mod:`app.workers.process`), which must not load Qt.
"""

from __future__ import annotations

import logging

from app.crashlog import write_crash_log
from base.errors import DvwError
from base.progress import Cancelled
from workflow.problems import ErrorInfo

log = logging.getLogger("dvw.gui")

__all__ = ["ErrorInfo", "describe_error"]


def describe_error(exc: BaseException) -> ErrorInfo:
    """The :class:`ErrorInfo` for an exception raised by a job (internal errors are logged with their traceback)."""
    if isinstance(exc, Cancelled):
        return ErrorInfo("cancelled", "cancelled; nothing was changed")
    if isinstance(exc, DvwError):
        return ErrorInfo.of(exc)
    logged = write_crash_log(exc, "gui-crash")
    log.error("internal error in a background job: %s: %s", type(exc).__name__, exc)
    return ErrorInfo(
        "internal",
        f"internal error (a bug): {type(exc).__name__}: {exc}",
        None,
        str(logged) if logged is not None else None,
    )
