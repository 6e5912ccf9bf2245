"""Running ``dvw`` commands as real processes and killing them (SIGKILL) at chosen points: the kill tests' tools.

:func:`snapshot_code` freezes the code the commands run (the checkout may change meanwhile). A :class:`Command` is
one command line with its stdin (the password), started with :meth:`Command.run` (to the end) or
:meth:`Command.kill` (killed at a :class:`KillPoint`: a delay after the start, or the first moment a polled condition
holds, e.g. "a new artifact file exists" or "stderr says the case was recorded"). stdout and stderr go to files,
read after the process is gone, so what a killed process had printed (its acknowledgement) is known.

:func:`leftovers` lists what a crashed writer may leave in a home: scratch folders, temporary files, hidden files,
anything in ``artifacts/`` that is not ``<2 hex>/<sha256>``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
_ARTIFACT = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}")
_POLL_S = 0.001


@dataclass(frozen=True)
class KillPoint:
    """When to kill: ``delay`` seconds after the start, or the first time ``trigger()`` holds (polled every ms)."""

    name: str
    delay: float | None = None
    trigger: Callable[[], bool] | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to one started command.

    ``killed_after`` is the time from the start to the SIGKILL, None when the command had ended first;
    ``seconds`` the time from the start to the process's end.
    """

    label: str
    killed_after: float | None
    returncode: int
    seconds: float
    stdout: str
    stderr: str

    @property
    def killed(self) -> bool:
        """Whether the SIGKILL ended the process (rather than the process ending by itself first)."""
        return self.killed_after is not None

    def json(self) -> dict[str, Any] | None:
        """The command's success, its complete JSON object on stdout; None when it printed none (or the kill cut it
        off) or printed an error (``{"error": ...}``)."""
        try:
            value = json.loads(self.stdout)
        except ValueError:
            return None
        return value if isinstance(value, dict) and "error" not in value else None

    def summary(self) -> str:
        """One line for the test's log and failure messages."""
        when = f"killed after {self.killed_after:.3f} s" if self.killed_after is not None else "not killed"
        tail = self.stderr.strip().splitlines()[-1:] or [""]
        return f"{self.label}: {when}, exit {self.returncode}, {self.seconds:.2f} s, last stderr line {tail[0]!r}"


def snapshot_code(target: Path) -> Path:
    """Copy DVW's packages and lock file into ``target``: the code the commands run, frozen for the whole test.

    The checkout may change while the test runs (people editing it); the software manifest hashes every file, and
    a signature is refused when the check was made by another manifest, so the commands of one test must all run
    the same code. Returns ``target``.
    """
    from validation.manifest import DVW_PACKAGES, LOCK_FILE  # noqa: PLC0415

    for package in DVW_PACKAGES:
        shutil.copytree(REPO / package, target / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(REPO / LOCK_FILE, target / LOCK_FILE)
    return target


def subprocess_env(pycache: Path, code: Path) -> dict[str, str]:
    """The environment of the commands: this one, running the code in ``code`` with byte code cached in ``pycache``.

    Without a byte-code cache (``PYTHONDONTWRITEBYTECODE``) every process compiles its imports again, seconds per
    command on a loaded machine; the cache lives in the test's temporary folder, never in the checkout.
    """
    env = {key: value for key, value in os.environ.items() if key not in {"PYTHONDONTWRITEBYTECODE", "DVW_HOME"}}
    env["PYTHONPATH"] = os.pathsep.join([str(code), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class WarmUp:
    """A child process importing modules once, so their byte code is cached before any command is timed."""

    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, env: dict[str, str], modules: Sequence[str], workdir: Path) -> WarmUp:
        """Start importing ``modules`` (the caller goes on meanwhile; :meth:`wait` before timing a command)."""
        code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
        return cls(subprocess.Popen([sys.executable, "-c", code, *modules], env=env, cwd=workdir))

    def wait(self) -> None:
        """Wait until the imports are done; they must succeed."""
        assert self.process.wait(timeout=600) == 0, "the warm-up imports failed"


@dataclass
class Command:
    """One ``dvw`` command line (after ``python -m app.cli``), run from ``workdir`` with ``stdin_text`` on stdin."""

    argv: Sequence[str]
    workdir: Path
    env: dict[str, str]
    stdin_text: str = ""
    started: list[Outcome] = field(default_factory=list)
    running_stdout: Path | None = None
    running_stderr: Path | None = None

    def _start(self, label: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
        self.workdir.mkdir(parents=True, exist_ok=True)
        stem = self.workdir / f"{len(self.started):02d}-{re.sub(r'[^A-Za-z0-9_.-]', '_', label)}"
        stdin_path, out_path, err_path = (stem.with_suffix(s) for s in (".stdin", ".stdout", ".stderr"))
        stdin_path.write_text(self.stdin_text, encoding="utf-8")
        self.running_stdout, self.running_stderr = out_path, err_path
        with open(stdin_path, "rb") as stdin, open(out_path, "wb") as stdout, open(err_path, "wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", *self.argv],
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                cwd=self.workdir,
                env=self.env,
                start_new_session=True,  # its own process group: the kill reaches any child it forked
            )
        return process, out_path, err_path

    def _finish(
        self, label: str, process: subprocess.Popen[bytes], started: float, killed: float | None, out: Path, err: Path
    ) -> Outcome:
        returncode = process.wait(timeout=600)
        ended = time.perf_counter()
        _kill_group(process.pid)  # a forked child outliving its parent would keep writing
        outcome = Outcome(
            label,
            killed,
            returncode,
            ended - started,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
        )
        self.started.append(outcome)
        return outcome

    def run(self, label: str = "complete", timeout: float = 300.0) -> Outcome:
        """Run the command to its end."""
        process, out, err = self._start(label)
        started = time.perf_counter()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
        return self._finish(label, process, started, None, out, err)

    def kill(self, point: KillPoint, *, timeout: float = 300.0) -> Outcome:
        """Start the command and SIGKILL it (its whole process group) at ``point``; it may end by itself first."""
        process, out, err = self._start(point.name)
        started = time.perf_counter()
        deadline = started + (point.delay if point.delay is not None else timeout)
        killed: float | None = None
        while process.poll() is None:
            now = time.perf_counter()
            if now >= deadline or (point.trigger is not None and point.trigger()):
                _kill_group(process.pid)
                killed = time.perf_counter() - started
                break
            time.sleep(min(_POLL_S, max(0.0, deadline - now)))
        return self._finish(point.name, process, started, killed, out, err)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def leftovers(home: Path) -> list[str]:
    """What a crashed writer may leave under ``home``: hidden entries (``.scratch-*``, ``.bundle-*``, ``.NAME.tmp``),
    ``*.tmp`` files, and anything in ``artifacts/`` other than ``<2 hex>/<sha256>`` files (relative paths)."""
    found: list[str] = []
    for path in sorted(home.rglob("*")):
        rel = path.relative_to(home)
        if any(part.startswith(".") for part in rel.parts[:-1]):
            continue  # inside a hidden folder already listed
        name = rel.parts[-1]
        if name.startswith(".") or name.endswith(".tmp"):
            found.append(str(rel) + ("/" if path.is_dir() else ""))
        elif rel.parts[0] == "artifacts" and path.is_file() and not _ARTIFACT.fullmatch("/".join(rel.parts[1:])):
            found.append(str(rel))
    return found


def hidden_files(folder: Path) -> list[str]:
    """Hidden entries (temporary names such as ``.ct.nrrd.k2j3h4.tmp``) directly in ``folder``."""
    if not folder.is_dir():
        return []
    return sorted(path.name for path in folder.iterdir() if path.name.startswith(".") or path.name.endswith(".tmp"))


def new_file_under(folder: Path, before: set[str]) -> Callable[[], bool]:
    """A trigger: a file not in ``before`` exists anywhere under ``folder``."""

    def trigger() -> bool:
        return any(str(path) not in before for path in _files(folder))

    return trigger


def files_under(folder: Path) -> set[str]:
    """The files under ``folder`` (absolute paths), for :func:`new_file_under`."""
    return set(map(str, _files(folder)))


def _files(folder: Path) -> list[Path]:
    found: list[Path] = []
    try:
        with os.scandir(folder) as top:
            subs = [entry.path for entry in top if entry.is_dir() and not entry.name.startswith(".")]
        for sub in subs:
            with os.scandir(sub) as inner:
                found += [Path(entry.path) for entry in inner]
    except FileNotFoundError:
        pass
    return found


def hidden_file_in(folder: Path) -> Callable[[], bool]:
    """A trigger: ``folder`` holds a hidden (temporary) file, e.g. an output being written."""

    def trigger() -> bool:
        try:
            with os.scandir(folder) as entries:
                return any(entry.name.startswith(".") for entry in entries)
        except FileNotFoundError:
            return False

    return trigger


def text_in(path_of: Callable[[], Path | None], text: str) -> Callable[[], bool]:
    """A trigger: the file ``path_of()`` (e.g. ``lambda: command.running_stderr``) contains ``text``."""

    def trigger() -> bool:
        path = path_of()
        if path is None:
            return False
        try:
            return text in path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return False

    return trigger
