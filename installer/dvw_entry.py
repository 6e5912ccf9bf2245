"""Entry point of the frozen DVW bundle: the same ``dvw`` command line (and, with no arguments, the GUI)."""

from __future__ import annotations

import multiprocessing

from app.cli import main

if __name__ == "__main__":
    # Frozen builds on platforms that spawn processes (Windows, macOS) must let a child run its task, not the CLI.
    multiprocessing.freeze_support()
    raise SystemExit(main())
