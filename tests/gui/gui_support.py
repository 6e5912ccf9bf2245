"""Helpers shared by the GUI tests: users and a recorded self-test, the sample envelope, the event-loop watchdog."""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QTimer

from app.gui import steps
from records.store import Store
from records.users import add_user
from validation.manifest import current_manifest
from validation.selftest import SelftestResult, record_selftest

PASSWORD = "correct horse battery"
ENVELOPE = Path(__file__).resolve().parents[2] / "resources" / "envelopes" / "cranial-plate-pekk.toml"


def add_users(home: Path) -> None:
    """An engineer and a clinician with :data:`PASSWORD`, and a passed self-test recorded for this software."""
    with Store.open(home) as store:
        add_user(store, "eng1", printed_name="Erin Engineer", role="engineer", password=PASSWORD)
        add_user(
            store,
            "dr.lee",
            printed_name="Dr Ann Lee",
            role="clinician",
            password=PASSWORD,
            qualification="Consultant neurosurgeon",
        )
    result = SelftestResult(True, current_manifest().manifest_id, (), 0.0, "2026-01-01T00:00:00+00:00")
    record_selftest(result, home)


@dataclass
class PipelineResults:
    """The sample case run through the GUI's steps once (for screens that need data, not for the workflow test)."""

    home: Path
    scan: steps.ScanResult
    imported: steps.ImportedVolume
    segmentation: steps.SegmentationResult
    anatomy: steps.AnatomyMesh
    designs: dict[str, steps.LoadedDesign] = field(default_factory=dict)
    outcomes: dict[str, steps.CheckOutcome] = field(default_factory=dict)


def _dump_stalls(watchdog: Watchdog) -> None:
    """With DVW_STALL_DEBUG set: print the GUI thread's stack whenever its timer has not run for a while.

    ``DVW_STALL_DEBUG=1`` reports stalls over 150 ms; a larger number is the threshold in ms (e.g. 80).
    ``DVW_STALL_DEPTH`` is how many frames of the GUI thread's stack to print (12).
    """
    main = threading.main_thread().ident
    setting = os.environ.get("DVW_STALL_DEBUG", "1")
    threshold = float(setting) / 1000.0 if setting.isdigit() and int(setting) > 1 else 0.15
    depth = int(os.environ.get("DVW_STALL_DEPTH", "12"))  # frames of the stack to print
    while watchdog.timer_running:
        time.sleep(0.01)
        stale = time.perf_counter() - watchdog.last
        if stale > threshold and main is not None:
            frame = sys._current_frames().get(main)
            stack = "".join(traceback.format_stack(frame, limit=depth)) if frame is not None else "?"
            sys.stderr.write(f"--- GUI thread stalled {stale * 1000:.0f} ms in {watchdog.phase}:\n{stack}\n")


class Watchdog:
    """Measures how long the GUI thread's event loop goes without running a 20 ms timer, per named phase."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._on_tick)
        self.last = 0.0
        self.phase = "idle"
        self.gaps_ms: dict[str, float] = {}
        self.timer_running = False

    def start(self, phase: str) -> None:
        self.phase = phase
        self.last = time.perf_counter()
        self.timer.start()
        self.timer_running = True
        if os.environ.get("DVW_STALL_DEBUG"):
            threading.Thread(target=_dump_stalls, args=(self,), daemon=True).start()

    def mark(self, phase: str) -> None:
        self._on_tick()
        self.phase = phase

    def _on_tick(self) -> None:
        now = time.perf_counter()
        gap = (now - self.last) * 1000.0
        self.gaps_ms[self.phase] = max(self.gaps_ms.get(self.phase, 0.0), gap)
        self.last = now

    def stop(self) -> dict[str, float]:
        self._on_tick()
        self.timer.stop()
        self.timer_running = False
        return dict(self.gaps_ms)
