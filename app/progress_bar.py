"""A terminal progress bar for long commands (shown on stderr only when stderr is a terminal), and Ctrl+C as cancel."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from base.progress import CancelToken, ProgressCallback


@contextmanager
def progress_bar(title: str) -> Iterator[ProgressCallback | None]:
    """Yield a progress callback drawing a bar on stderr, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm  # noqa: PLC0415 - a script's or a worker's run (no terminal) does not import it

    bar = tqdm(total=1000, desc=title, file=sys.stderr, leave=False, bar_format="{percentage:3.0f}%|{bar:30}| {desc}")

    def update(fraction: float, message: str) -> None:
        bar.n = round(fraction * 1000)
        bar.set_description_str(f"{title}: {message}", refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


@contextmanager
def cancel_on_interrupt() -> Iterator[CancelToken]:
    """Ctrl+C cancels the work at its next checkpoint (a second Ctrl+C interrupts at once).

    A ``KeyboardInterrupt`` raised while Netgen meshes is lost: Netgen calls back into Python and swallows the
    exception there, and the meshing runs on (seen with ``dvw fea`` on the sample plate). A token set by the signal
    is not: the work stops at the next checkpoint with ``Cancelled``, and nothing is written.
    """
    token = CancelToken()

    def interrupted(_signum: int, _frame: object) -> None:
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()
        sys.stderr.write("cancelling at the end of this stage (Ctrl+C again to stop at once)\n")

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield token
    finally:
        signal.signal(signal.SIGINT, previous)
