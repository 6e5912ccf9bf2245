"""The GUI's one worker: a core callable in a thread pool, with progress, cancel and superseded results dropped.

A :class:`TaskWorker` belongs to one panel (or one kind of job) and runs at most one *current* job: starting a new
job cancels the previous one through its :class:`~base.progress.CancelToken`, and anything the previous job still
reports (progress, result, error) is dropped, so a slow old result can never overwrite a newer one (STYLE rule 5).

The callable receives a progress callback ``(fraction, message)`` and the token, exactly the API of the cores
(:mod:`base.progress`), and runs in a ``QRunnable`` on a private ``QThreadPool``. Its result or error reaches
the GUI thread through queued signals; nothing in the GUI thread ever waits for it (no ``processEvents``, no
polling). Every exception becomes an :class:`ErrorInfo` (a stable code and one line of text): core errors
(:class:`~base.errors.DvwError`) keep their code and message, a cancelled job is ``cancelled``, anything else is
an internal error whose traceback goes to a log file, never to the screen.

A job for the worker process (``isolated``) must not carry a signed-in session or a private key: those never leave
the GUI process (the recording half of a step runs in a thread instead). :meth:`TaskWorker.start` refuses such a
job before anything is pickled (:func:`~app.workers.process.holds_a_key`); pickling would refuse the key too, but
later and less clearly. A thread job that records between parts which hold the GIL hands those parts to the worker
process itself (:func:`~app.workers.process.run_in_worker_process`) and runs with ``waits_for_process``.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, SignalInstance

from app.workers.errors import ErrorInfo, describe_error
from app.workers.process import JobFailed, ThrottledProgress, holds_a_key, next_job_id, process_runner
from base.progress import CancelToken, ProgressCallback

Task = Callable[[ProgressCallback, CancelToken], object]
"""A job: called in a worker thread with a progress callback and a cancel token; returns the result."""

#: Smallest interval between two progress signals of one job (s): the cores may report thousands of times.
PROGRESS_INTERVAL_S = 0.05

_POOL_LOCK = threading.Lock()
_POOLS: dict[bool, QThreadPool] = {}
#: Threads that only wait for the worker process (isolated jobs, and thread jobs ``waits_for_process``): they use
#: (next to) no CPU, and the process runs one job at a time, so this many is plenty.
_WAITING_THREADS = 4
_ACTIVE_LOCK = threading.Lock()
_ACTIVE = 0


def _pool(waits: bool) -> QThreadPool:
    """DVW's own thread pools (not the global one, so tests can tell DVW's jobs from anything else).

    Jobs that compute in a thread have a pool of their own, so that jobs which only wait for the worker process
    (``waits``: the other pool) never hold them up: with one pool, two such waits (the worker process's warm-up and a
    sync status read queued behind it) kept the window's own loading waiting for seconds.
    """
    with _POOL_LOCK:
        pool = _POOLS.get(waits)
        if pool is None:
            pool = QThreadPool()
            pool.setObjectName("dvw-process-waits" if waits else "dvw-workers")
            # Two cores on the reference machine: more parallel threads would only steal time from the GUI thread.
            pool.setMaxThreadCount(_WAITING_THREADS if waits else max(2, min(4, os.cpu_count() or 2)))
            _POOLS[waits] = pool
        return pool


def active_jobs() -> int:
    """Number of jobs started and not yet finished, in every :class:`TaskWorker` of the process."""
    with _ACTIVE_LOCK:
        return _ACTIVE


def wait_for_workers(timeout_ms: int = 30_000) -> bool:
    """Block until every job has finished (for shutdown and tests only, never from a GUI handler).

    Returns
    -------
    bool
        True when no job is left running.
    """
    deadline = time.monotonic() + timeout_ms / 1000.0
    for waits in (True, False):
        left = max(0, round((deadline - time.monotonic()) * 1000.0))
        if not _pool(waits).waitForDone(left):
            return False
    return active_jobs() == 0


def _count(delta: int) -> None:
    global _ACTIVE  # noqa: PLW0603 - the process-wide job counter, guarded by its lock
    with _ACTIVE_LOCK:
        _ACTIVE += delta


class _JobSignals(QObject):
    """The signals a job emits from its worker thread; created in the GUI thread, so they arrive there queued."""

    progress = Signal(int, float, str)
    succeeded = Signal(int, object)
    failed = Signal(int, object)


class _JobRunnable(QRunnable):
    """One run of a task in the pool."""

    def __init__(self, job_id: int, task: Task, token: CancelToken, signals: _JobSignals, isolated: bool) -> None:
        super().__init__()
        self._isolated = isolated
        self.setAutoDelete(True)
        self._job_id = job_id
        self._task = task
        self._token = token
        self._signals = signals
        # Throttled, whatever the message: the cores report per file or per slice, and a flood of queued signals
        # (each one a slot call and a repaint on the GUI thread) would itself keep the GUI thread busy. The last
        # report held back is still sent when the interval ends (a new stage is never lost).
        self._throttled = ThrottledProgress(self._progress, PROGRESS_INTERVAL_S)

    def _progress(self, fraction: float, message: str) -> None:
        self._emit(self._signals.progress, self._job_id, float(fraction), str(message))

    @staticmethod
    def _emit(signal: SignalInstance, *args: object) -> None:
        # RuntimeError: the worker's owner was destroyed meanwhile, so nobody is listening any more.
        with contextlib.suppress(RuntimeError):
            signal.emit(*args)

    def run(self) -> None:
        try:
            self._token.raise_if_cancelled()
            try:
                if self._isolated:
                    result = process_runner().run(self._job_id, self._task, self._throttled, self._token)
                else:
                    result = self._task(self._throttled, self._token)
            finally:
                self._throttled.close()  # no progress after the result or the error
        except JobFailed as failed:
            self._emit(self._signals.failed, self._job_id, failed.info)
        except BaseException as exc:  # noqa: BLE001 - every failure is reported to the GUI, never lost in a thread
            self._emit(self._signals.failed, self._job_id, describe_error(exc))
        else:
            self._emit(self._signals.succeeded, self._job_id, result)
        finally:
            _count(-1)


class TaskWorker(QObject):
    """Runs one job at a time in the background; a new job supersedes (cancels and ignores) the previous one.

    Signals (all on the GUI thread, only for the current job):

    - ``progress(float, str)``: fraction done (0..1) and the stage;
    - ``finished(object)``: the task's result;
    - ``failed(object)``: an :class:`ErrorInfo` (``cancelled`` when the user cancelled);
    - ``running_changed(bool)``: whether a current job is running.

    Parameters
    ----------
    name
        A short machine name of the kind of job (``import``, ``mesh``, ...), for logs and error reports.
    parent
        The owning QObject.
    isolated
        Run the jobs in the worker process (:mod:`app.workers.process`) instead of a thread: for cores that hold
        the GIL for long stretches. The task and its result must then be picklable.
    waits_for_process
        The jobs run in a thread but spend their time waiting for the worker process
        (:func:`~app.workers.process.run_in_worker_process`), e.g. a sync that records between two syncs there:
        they wait in the pool of the threads that wait, never holding up the jobs that compute in threads.
    """

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(object)
    running_changed = Signal(bool)

    def __init__(
        self, name: str, parent: QObject | None = None, *, isolated: bool = False, waits_for_process: bool = False
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}-worker")
        self.name = name
        self.isolated = isolated
        self.waits_for_process = waits_for_process
        self._signals = _JobSignals(self)
        self._signals.progress.connect(self._on_job_progress)
        self._signals.succeeded.connect(self._on_job_succeeded)
        self._signals.failed.connect(self._on_job_failed)
        self._job_id = 0
        self._token: CancelToken | None = None
        self._on_done: Callable[[object], None] | None = None
        self._running = False

    @property
    def running(self) -> bool:
        """Whether the current job is still running."""
        return self._running

    def start(self, task: Task, on_done: Callable[[object], None] | None = None) -> int:
        """Start ``task`` in the background, superseding the current job (which is cancelled and ignored).

        Parameters
        ----------
        task
            Called in a worker thread as ``task(progress, cancel)``; its return value is the result.
        on_done
            Called on the GUI thread with the result, before ``finished`` is emitted.

        Returns
        -------
        int
            The new job's id.

        Raises
        ------
        TypeError
            For the worker process (``isolated``): the task carries a signed-in session or a private key, which
            never leave the GUI process.
        """
        if self.isolated and holds_a_key(task):
            raise TypeError(
                f"job {self.name!r}: a signed-in session (an unlocked key) never leaves the GUI process; "
                "record from a thread job instead"
            )
        if self._token is not None:
            self._token.cancel()
        self._job_id = next_job_id()
        self._token = CancelToken()
        self._on_done = on_done
        _count(1)
        runnable = _JobRunnable(self._job_id, task, self._token, self._signals, self.isolated)
        _pool(self.isolated or self.waits_for_process).start(runnable)
        self._set_running(True)
        return self._job_id

    def cancel(self) -> None:
        """Ask the current job to stop at its next check; its ``failed`` signal then says ``cancelled``."""
        if self._token is not None:
            self._token.cancel()

    def _set_running(self, running: bool) -> None:
        if running != self._running:
            self._running = running
            self.running_changed.emit(running)

    def _on_job_progress(self, job_id: int, fraction: float, message: str) -> None:
        if job_id == self._job_id and self._running:
            self.progress.emit(fraction, message)

    def _on_job_succeeded(self, job_id: int, result: object) -> None:
        if job_id != self._job_id:
            return  # superseded: a newer job owns the widgets now
        self._token = None
        on_done, self._on_done = self._on_done, None
        self._set_running(False)
        if on_done is not None:
            try:
                on_done(result)
            except Exception as exc:  # noqa: BLE001 - a failure applying the result goes to the same error relay
                self.failed.emit(describe_error(exc))
                return
        self.finished.emit(result)

    def _on_job_failed(self, job_id: int, info: ErrorInfo) -> None:
        if job_id != self._job_id:
            return
        self._token = None
        self._on_done = None
        self._set_running(False)
        self.failed.emit(info)
