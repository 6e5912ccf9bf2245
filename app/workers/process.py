"""A worker process for the steps whose cores hold the GIL for long stretches (no Qt here).

Some core functions run long stretches of C code without releasing Python's GIL (scipy.ndimage labelling in
segmentation, VTK filters and fast_simplification in meshing, the measurement registry): in a thread of the GUI
process they stall the event loop for up to seconds. Such jobs run in one persistent child process instead (started
with ``spawn``, so it never inherits the GUI's threads or Qt state), and the GUI process only waits for the result.

- The job (a picklable callable, e.g. ``functools.partial`` of a function of :mod:`workflow.steps` with frozen
  arguments) and its result cross the process boundary by pickling: snapshots, never live objects.
- Progress comes back through a queue (throttled in the child), read by one thread of the GUI process and handed
  to the job's progress callback.
- Cancel: a job not yet started is dropped; a running one sees its :class:`~base.progress.CancelToken` set in
  the child (a watcher thread there follows a shared value) and stops at its next check.
- Failures come back as :class:`~app.workers.errors.ErrorInfo` (described in the child, where the exception is),
  so exceptions never need to be pickled.
- A signed-in session (an unlocked key) never goes there (:func:`holds_a_key`): a job that records runs in a thread
  of the GUI process and may hand the parts that hold the GIL to the worker process itself
  (:func:`run_in_worker_process`), e.g. Sync now, which records the trust of the sites the server lists between
  two syncs.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from app.workers.errors import ErrorInfo, describe_error
from base.memory import use_small_pages
from base.progress import Cancelled, CancelToken, ProgressCallback

Task = Callable[[ProgressCallback, CancelToken], object]

#: How often the child reports progress at most, and how often cancel requests are looked at (s).
_INTERVAL_S = 0.05

# In the child: the progress queue and the shared "cancel this job" value, set by the pool's initializer.
_child_queue: Any = None
_child_cancel: Any = None


_IDS = itertools.count(1)
_IDS_LOCK = threading.Lock()


def next_job_id() -> int:
    """A job id unique in the process (the worker process tells the jobs of every worker apart by it)."""
    with _IDS_LOCK:
        return next(_IDS)


def holds_a_key(value: object, depth: int = 3) -> bool:
    """Whether ``value`` is, or holds within ``depth`` levels, a signed-in session or a private key.

    A session is recognised by what it can do (``attest`` and ``sign_bytes``: :class:`records.users.Session`), a key
    by its type's name (cryptography's ``...PrivateKey`` classes). Looked into: ``functools.partial`` (function,
    arguments), dataclasses (fields), tuples, lists, sets and dict values; nothing else is walked (arrays, meshes).
    """
    if callable(getattr(value, "attest", None)) and callable(getattr(value, "sign_bytes", None)):
        return True
    if type(value).__name__.endswith("PrivateKey"):
        return True
    if depth <= 0:
        return False
    inner: list[object] = []
    if isinstance(value, functools.partial):
        inner = [value.func, *value.args, *value.keywords.values()]
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = [getattr(value, item.name, None) for item in dataclasses.fields(value)]
    elif isinstance(value, tuple | list | set | frozenset):
        inner = list(value)
    elif isinstance(value, dict):
        inner = list(value.values())
    return any(holds_a_key(item, depth - 1) for item in inner)


class ThrottledProgress:
    """A progress callback that passes at most one report per ``interval`` and never loses the last one.

    A report within the interval of the previous one is held back (a newer one replaces it) and sent when the
    interval ends: a stage reported just after another (the analysis' next mesh level, right after the previous
    level's last stage) is shown, not dropped while the long stage it names runs. Reports of ``1.0`` pass at once.
    :meth:`close` drops a held report (the job ended). Thread-safe; ``send`` is called under a lock, in order.
    """

    def __init__(self, send: ProgressCallback, interval: float) -> None:
        self._send = send
        self._interval = interval
        self._lock = threading.Lock()
        self._last = 0.0
        self._held: tuple[float, str] | None = None
        self._timer: threading.Timer | None = None
        self._closed = False

    def __call__(self, fraction: float, message: str) -> None:
        """Report ``fraction`` and ``message``: sent now, or held until the interval ends."""
        with self._lock:
            if self._closed:
                return
            now = time.monotonic()
            wait = self._interval - (now - self._last)
            if fraction >= 1.0 or wait <= 0:
                self._held = None
                self._last = now
                self._send(fraction, message)
                return
            self._held = (fraction, message)
            if self._timer is None:
                self._timer = threading.Timer(wait, self._flush)
                self._timer.daemon = True
                self._timer.start()

    def _flush(self) -> None:
        with self._lock:
            self._timer = None
            held, self._held = self._held, None
            if held is None or self._closed:
                return
            self._last = time.monotonic()
            self._send(*held)

    def close(self) -> None:
        """Send nothing more (a held report is dropped)."""
        with self._lock:
            self._closed = True
            self._held = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


class JobFailed(Exception):  # noqa: N818 - it carries the failure as the GUI shows it
    """Raised in the GUI process when a job failed in the worker process; ``info`` says how."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info


def _child_init(queue: Any, cancel: Any) -> None:
    global _child_queue, _child_cancel  # the child's two channels, set once at its start
    _child_queue, _child_cancel = queue, cancel
    # Its jobs allocate volume- and mesh-sized arrays: 4 KiB pages, so that no first touch waits for the kernel to
    # compact memory into huge pages (base.memory).
    use_small_pages()


def _run_in_child(job_id: int, task: Task) -> tuple[bool, object]:
    """Run ``task`` in the child: ``(True, result)`` or ``(False, ErrorInfo)``."""
    token = CancelToken()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(_INTERVAL_S):
            if _child_cancel is not None and _child_cancel.value == job_id:
                token.cancel()
                return

    threading.Thread(target=watch, daemon=True).start()

    def send(fraction: float, message: str) -> None:
        if _child_queue is not None:
            _child_queue.put((job_id, float(fraction), str(message)))

    progress = ThrottledProgress(send, _INTERVAL_S)
    try:
        return True, task(progress, token)
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the GUI, described here
        return False, describe_error(exc)
    finally:
        progress.close()
        done.set()


class ProcessRunner:
    """One persistent worker process; :meth:`run` blocks the calling (worker) thread until the job ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._queue: Any = None
        self._cancel: Any = None
        self._listeners: dict[int, ProgressCallback] = {}
        self._reader: threading.Thread | None = None

    def _ensure(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context = multiprocessing.get_context("spawn")
                self._queue = context.Queue()
                self._cancel = context.Value("q", -1)
                self._executor = ProcessPoolExecutor(
                    max_workers=1, mp_context=context, initializer=_child_init, initargs=(self._queue, self._cancel)
                )
                self._reader = threading.Thread(target=self._read_progress, name="dvw-progress-reader", daemon=True)
                self._reader.start()
            return self._executor

    def _read_progress(self) -> None:
        queue = self._queue
        while True:
            item = queue.get()
            if item is None:
                return
            job_id, fraction, message = item
            listener = self._listeners.get(job_id)
            if listener is not None:
                listener(fraction, message)

    def run(self, job_id: int, task: Task, progress: ProgressCallback, cancel: CancelToken) -> object:
        """Run ``task`` in the worker process and return its result.

        Raises
        ------
        Cancelled
            When ``cancel`` was set before the job started or the job stopped for it.
        JobFailed
            When the job raised (its :class:`ErrorInfo` is attached).
        """
        executor = self._ensure()
        self._listeners[job_id] = progress
        try:
            future: Future[tuple[bool, object]] = executor.submit(_run_in_child, job_id, task)
            while True:
                try:
                    ok, value = future.result(timeout=_INTERVAL_S)
                    break
                except FutureTimeout:
                    # This waits in a worker thread, never in the GUI thread; it only forwards a cancel request.
                    if cancel.cancelled and not future.cancel():
                        self._cancel.value = job_id
                except CancelledError:
                    raise Cancelled("cancelled by the user") from None
        finally:
            self._listeners.pop(job_id, None)
        if ok:
            return value
        assert isinstance(value, ErrorInfo)
        if value.cancelled:
            raise Cancelled(value.message)
        raise JobFailed(value)

    def shutdown(self) -> None:
        """Stop the worker process (jobs still queued are dropped)."""
        with self._lock:
            executor, self._executor = self._executor, None
            queue, reader = self._queue, self._reader
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
            queue.put(None)  # ends the progress reader, which must be gone before the queue is finalised
            if reader is not None:
                reader.join(timeout=5.0)


_RUNNER = ProcessRunner()


def process_runner() -> ProcessRunner:
    """The process-wide worker process (started on first use)."""
    return _RUNNER


def run_in_worker_process(task: Task, progress: ProgressCallback, cancel: CancelToken) -> object:
    """Run ``task`` in the worker process from a job running in a thread, and return its result.

    For a thread job that records with a session between parts that hold the GIL: the session stays in the thread,
    the parts go to the worker process with their own job id, ``progress`` and ``cancel``. Blocks the calling
    thread (never call it from the GUI thread); run the job with ``TaskWorker(..., waits_for_process=True)`` so that
    it waits in a thread that computes nothing.

    Raises
    ------
    TypeError
        ``task`` carries a signed-in session or a private key (they never leave the GUI process).
    Cancelled
        When ``cancel`` was set before the job started or the job stopped for it.
    JobFailed
        When the job raised (the worker turns it into the job's :class:`ErrorInfo`).
    """
    if holds_a_key(task):
        raise TypeError("a signed-in session (an unlocked key) never leaves the GUI process; record from the thread")
    return process_runner().run(next_job_id(), task, progress, cancel)
