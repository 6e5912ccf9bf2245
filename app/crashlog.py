"""Internal errors (bugs) written with their traceback to a file in the user's log folder, for the CLI and the GUI."""

from __future__ import annotations

import os
import threading
import traceback
from datetime import UTC, datetime
from pathlib import Path

import platformdirs


def write_crash_log(exc: BaseException, prefix: str) -> Path | None:
    """Write ``exc``'s traceback to ``<log folder>/<prefix>-<UTC time>-<pid>-<thread>.txt``; None if that fails."""
    try:
        folder = Path(platformdirs.user_log_dir("dvw", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = folder / f"{prefix}-{stamp}-{os.getpid()}-{threading.get_ident()}.txt"
        path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    except OSError:
        return None
    return path
