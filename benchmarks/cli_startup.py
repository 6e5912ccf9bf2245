"""Benchmark: the command line as users feel it, whole processes (median of 5 after a warm-up).

Rows: ``dvw --version``, ``dvw case list`` on a store of 2 cases, ``dvw case list --json`` on a store of 200 cases
(10 events each), beside the floor every Python command pays: a bare ``python -c pass`` of the same interpreter.
Goals (issue "Speed as users feel it"): ``--version`` and ``case list`` under 0.3 s on this machine.

Run: ``uv run python benchmarks/cli_startup.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/records.py would shadow the records package when this file runs as a script: drop this folder.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from records.events import NewEvent  # noqa: E402
from records.store import Store  # noqa: E402
from records.users import setup_admin, sign_in  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark-password-1"


def _store(home: Path, cases: int, notes: int) -> None:
    with Store.open(home) as store:
        setup_admin(store, "bench-admin", printed_name="Benchmark", password=PASSWORD)
        by = sign_in(store, "bench-admin", PASSWORD)
        codes = [f"CASE-{index:04d}" for index in range(cases)]
        store.append_many([NewEvent("case_created", code, {}, by) for code in codes])
        store.append_many([NewEvent("note", code, {"text": f"note {i}"}, by) for code in codes for i in range(notes)])


def _median(command: list[str], runs: int = 5) -> float:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
    subprocess.run(command, cwd=REPO, env=env, capture_output=True, check=True)  # warm-up (page cache, .pyc)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    dvw = str(Path(sys.executable).with_name("dvw"))
    with tempfile.TemporaryDirectory(prefix="dvw-bench-cli-") as folder:
        small, large = Path(folder) / "small", Path(folder) / "large"
        _store(small, 2, 0)
        _store(large, 200, 9)
        floor = _median([sys.executable, "-c", "pass"])
        rows = [
            ("dvw --version", _median([dvw, "--version"]), 0.3),
            ("dvw case list (2 cases)", _median([dvw, "--home", str(small), "case", "list"]), 0.3),
            ("dvw case list --json (200 cases)", _median([dvw, "--home", str(large), "case", "list", "--json"]), None),
        ]
    load = os.getloadavg()[0]
    print(
        f"CLI start-up, whole processes, median of 5 after a warm-up; load average {load:.2f} on {os.cpu_count()} cores"
    )
    print(f"{'command':36} {'DVW s':>7} {'python -c pass s':>17} {'ratio':>7} {'goal s':>7}")
    for name, seconds, goal in rows:
        goal_text = f"{goal:.1f}" if goal is not None else "-"
        print(f"{name:36} {seconds:7.3f} {floor:17.3f} {seconds / floor:7.1f} {goal_text:>7}")


if __name__ == "__main__":
    main()
