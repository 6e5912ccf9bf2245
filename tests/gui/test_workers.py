"""The one worker abstraction: results on the GUI thread, superseded results dropped, cancel, errors described."""

from __future__ import annotations

import sys
import threading
import time
from functools import partial
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.gui import warmup
from app.workers import ErrorInfo, TaskWorker
from app.workers.process import ThrottledProgress, run_in_worker_process
from base.progress import CancelToken, ProgressCallback, checkpoint
from imaging.errors import NotADicomFolderError
from workflow import steps


def test_a_new_job_supersedes_the_running_one(qtbot: QtBot) -> None:
    worker = TaskWorker("test")
    release = threading.Event()
    seen: list[object] = []
    first_token: list[CancelToken] = []

    def slow(progress: ProgressCallback, cancel: CancelToken) -> str:
        first_token.append(cancel)
        progress(0.5, "waiting")
        release.wait(10)
        return "old"

    worker.finished.connect(seen.append)
    worker.start(slow)
    qtbot.waitUntil(lambda: bool(first_token), timeout=5_000)
    with qtbot.waitSignal(worker.finished, timeout=5_000):
        worker.start(lambda _progress, _cancel: "new")
    assert first_token[0].cancelled  # the superseded job was asked to stop
    release.set()
    qtbot.wait(200)  # the old job ends now; its result must not arrive
    assert seen == ["new"]
    assert not worker.running


def test_cancel_and_errors_become_error_info(qtbot: QtBot, tmp_path: Path) -> None:
    worker = TaskWorker("test")

    def loop(progress: ProgressCallback, cancel: CancelToken) -> None:
        for i in range(10_000):
            progress(i / 10_000, "looping")
            checkpoint(cancel)
            threading.Event().wait(0.001)

    with qtbot.waitSignal(worker.failed, timeout=10_000) as failed:
        worker.start(loop)
        worker.cancel()
    info = failed.args[0]
    assert isinstance(info, ErrorInfo)
    assert (info.code, info.cancelled) == ("cancelled", True)

    def refuse(_progress: ProgressCallback, _cancel: CancelToken) -> None:
        raise NotADicomFolderError("no DICOM here", path=str(tmp_path))

    with qtbot.waitSignal(worker.failed, timeout=5_000) as failed:
        worker.start(refuse)
    info = failed.args[0]
    assert (info.code, info.message, info.path) == (NotADicomFolderError.code, "no DICOM here", str(tmp_path))

    def bug(_progress: ProgressCallback, _cancel: CancelToken) -> None:
        raise ZeroDivisionError("division by zero")

    with qtbot.waitSignal(worker.failed, timeout=5_000) as failed:
        worker.start(bug)
    info = failed.args[0]
    assert info.code == "internal"
    assert "ZeroDivisionError" in info.message
    assert "Traceback" not in info.message
    assert info.log_file is not None
    assert "Traceback" in Path(info.log_file).read_text(encoding="utf-8")


def test_isolated_jobs_run_in_the_worker_process(qtbot: QtBot, tmp_path: Path) -> None:
    worker = TaskWorker("test", isolated=True)
    with qtbot.waitSignal(worker.finished, timeout=60_000) as done:
        worker.start(partial(warmup.warm_up, modules=("json", "imaging.volume")))
    assert done.args == [None]
    # A core error in the worker process arrives as the same ErrorInfo as from a thread.
    with qtbot.waitSignal(worker.failed, timeout=60_000) as failed:
        worker.start(partial(steps.scan, tmp_path / "missing"))
    info = failed.args[0]
    assert isinstance(info, ErrorInfo)
    assert info.code not in ("internal", "cancelled")
    assert "missing" in info.message


def _huge_pages_state(progress: ProgressCallback, cancel: CancelToken) -> str:
    """The kernel's THP_enabled line for the process this runs in ("0": 4 KiB pages only)."""
    checkpoint(cancel)
    with open("/proc/self/status", encoding="ascii") as status:
        return next(line.split()[1] for line in status if line.startswith("THP_enabled:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's prctl and /proc")
def test_the_worker_process_takes_small_pages(qtbot: QtBot) -> None:
    worker = TaskWorker("test", isolated=True)
    with qtbot.waitSignal(worker.finished, timeout=60_000) as done:
        worker.start(_huge_pages_state)
    assert done.args == ["0"]


class _SessionLike:
    """Looks like a signed-in session to the key check (it can attest and sign)."""

    def attest(self, event_hash: str) -> str:
        return event_hash

    def sign_bytes(self, data: bytes) -> bytes:
        return data


def test_a_thread_job_hands_parts_to_the_worker_process(qtbot: QtBot, tmp_path: Path) -> None:
    # A job in a thread (waiting in the pool of the threads that wait) runs parts in the worker process: their
    # results come back to it, and a part's failure is the job's, with the core's code.
    worker = TaskWorker("test", waits_for_process=True)
    parts: list[object] = []

    def job(progress: ProgressCallback, cancel: CancelToken) -> object:
        parts.append(run_in_worker_process(partial(warmup.warm_up, modules=("json",)), progress, cancel))
        return run_in_worker_process(partial(steps.scan, tmp_path / "missing"), progress, cancel)

    with qtbot.waitSignal(worker.failed, timeout=60_000) as failed:
        worker.start(job)
    info = failed.args[0]
    assert isinstance(info, ErrorInfo)
    assert parts == [None]
    assert info.code not in ("internal", "cancelled")
    assert "missing" in info.message
    # A part carrying a session is refused before anything is sent.
    with pytest.raises(TypeError, match="never leaves the GUI process"):
        run_in_worker_process(partial(warmup.warm_up, _SessionLike()), lambda _f, _m: None, CancelToken())


def test_a_report_held_back_by_the_throttle_is_sent_when_its_interval_ends() -> None:
    sent: list[tuple[float, str]] = []
    throttled = ThrottledProgress(lambda fraction, message: sent.append((fraction, message)), 0.2)
    throttled(0.1, "coarse mesh: solved")
    throttled(0.2, "default mesh: meshing the design")
    throttled(0.3, "default mesh: still meshing")
    assert sent == [(0.1, "coarse mesh: solved")]  # the others came within the interval
    deadline = time.monotonic() + 5.0
    while len(sent) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    # The newest held report is sent when the interval ends (not lost while the long stage runs); 1.0 passes at once.
    assert sent == [(0.1, "coarse mesh: solved"), (0.3, "default mesh: still meshing")]
    throttled(1.0, "done")
    assert sent[-1] == (1.0, "done")
    throttled(0.5, "after the end")
    throttled.close()  # the job ended: a held report is dropped
    time.sleep(0.4)
    assert sent[-1] == (1.0, "done")
    assert len(sent) == 3
