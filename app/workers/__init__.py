"""Background work for the GUI: one worker abstraction with progress, cancel and one error description.

:class:`~app.workers.worker.TaskWorker` runs a core callable in a thread pool with a progress callback and a
:class:`~base.progress.CancelToken`; its signals arrive on the GUI thread. :func:`~app.workers.worker.describe_error`
turns any exception a core raises into the one-line :class:`~app.workers.worker.ErrorInfo` the GUI shows.
"""

from __future__ import annotations

from app.workers.errors import ErrorInfo, describe_error
from app.workers.worker import TaskWorker, active_jobs, wait_for_workers

__all__ = ["ErrorInfo", "TaskWorker", "active_jobs", "describe_error", "wait_for_workers"]
