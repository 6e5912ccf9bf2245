"""A terminal progress bar for long commands: shown on stderr only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from base.progress import ProgressCallback


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
