"""Benchmark: how long ``dvw`` (no arguments: the workstation window) takes to show its window.

Goal (issue: the workstation GUI): the app starts in under 3 s on this machine.

Each run is a fresh Python process that runs ``dvw`` exactly as the command does (``app.cli.main`` with only
``--home``), with an event filter that notes the main window's first paint and then closes it, so the time runs
from the process's start (the interpreter, the imports, the settings, the window) to the first picture on the
screen. Beside it: when the case list has been read from the store (the records load first in the background),
when every library DVW loads in the background (VTK, SimpleITK, the cores) has loaded, and the same for a bare
PySide6 main window (the floor any Qt application pays here).

It needs a display: without one it runs itself under ``xvfb-run -a -s '-screen 0 1920x1080x24'``. The
settings (``QSettings``) and the store are temporary folders, so a user's own settings are neither read nor
changed.

Run: ``uv run python benchmarks/startup.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOAL_S = 3.0

# The child process: the same QApplication dvw makes, an event filter for the first paint of a top-level
# main window, then dvw itself. It prints the seconds since the parent started it (wall clock, same machine).
_DVW = """
import json, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QMainWindow
from app.gui.app import create_application

started = float(sys.argv[1])
app = create_application()
seen = {}

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow) and "shown" not in seen:
            seen["shown"] = time.time() - started
            window = watched
            def ready():
                if "cases" not in seen and getattr(window, "_store_ready", False):
                    seen["cases"] = time.time() - started
                if window.warmup_worker.running or "cases" not in seen:
                    QTimer.singleShot(10, ready)
                    return
                seen["ready"] = time.time() - started
                window.close()
            QTimer.singleShot(0, ready)
        return False

spy = FirstPaint()
app.installEventFilter(spy)
from app.cli import main
code = main(["--home", sys.argv[2]])
print(json.dumps({"code": code, **seen}))
"""

_BARE = """
import json, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

started = float(sys.argv[1])
app = QApplication(["bare"])
seen = {}

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow) and "shown" not in seen:
            seen["shown"] = seen["cases"] = seen["ready"] = time.time() - started
            QTimer.singleShot(0, watched.close)
        return False

spy = FirstPaint()
app.installEventFilter(spy)
window = QMainWindow()
window.setCentralWidget(QLabel("a bare PySide6 window"))
window.resize(1200, 800)
window.show()
code = app.exec()
print(json.dumps({"code": code, **seen}))
"""


def _run(script: str, settings: Path) -> dict[str, float]:
    env = {**os.environ, "XDG_CONFIG_HOME": str(settings / "config"), "PYTHONPATH": str(REPO)}
    # Bytecode cached as an installed DVW has it (the untimed first run writes it), even where the environment
    # says not to write it (PYTHONDONTWRITEBYTECODE would have every run compile every DVW module again).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(settings / "pycache")
    with tempfile.TemporaryDirectory(prefix="dvw-bench-home-") as home:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-c", script, repr(started), home],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"the run failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    result = json.loads(lines[-1])
    return {**{key: float(result[key]) for key in ("shown", "cases", "ready")}, "cpu": cpu}


def main() -> int:
    """Run each contender ``--repeat`` times in fresh processes and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            print("no display, and no xvfb-run to make one (apt-get install xvfb xauth)", file=sys.stderr)
            return 2
        screen = ["-a", "-s", "-screen 0 1920x1080x24"]
        return subprocess.run([xvfb, *screen, sys.executable, __file__, *sys.argv[1:]], check=False).returncode
    with tempfile.TemporaryDirectory(prefix="dvw-bench-settings-") as folder:
        settings = Path(folder)
        _run(_DVW, settings)  # the first run after a change compiles bytecode and fills the disk cache: not timed
        rows = []
        for name, script in (("dvw (the workstation window)", _DVW), ("bare PySide6 window", _BARE)):
            runs = [_run(script, settings) for _ in range(args.repeat)]
            columns = [[run[key] for run in runs] for key in ("shown", "cases", "ready", "cpu")]
            rows.append((name, *(value for column in columns for value in (statistics.median(column), max(column)))))
    load = os.getloadavg()
    print(f"start-up, {args.repeat} runs each (s, from the process's start; goal: window shown < {GOAL_S:.0f} s)")
    print("shown: the window's first paint; cases: the case list read from the store; loaded: every library loaded;")
    print("cpu: user + sys seconds of the whole process (and its worker processes) from its start to its end")
    print(f"load average (1, 5, 15 min) after the runs: {' '.join(f'{v:.2f}' for v in load)}")
    header = ("shown median", "shown max", "cases median", "cases max", "loaded median", "loaded max", "cpu median")
    print(f"{'contender':30} " + " ".join(f"{title:>13}" for title in header))
    for name, *values in rows:
        print(f"{name:30} " + " ".join(f"{value:13.2f}" for value in values[:-1]))
    slowest = rows[0][2]
    print(f"window shown < {GOAL_S:.0f} s: {'yes' if slowest < GOAL_S else 'NO'} (slowest run {slowest:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
