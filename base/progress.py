"""Progress reporting and cancellation for long-running steps.

This module is deliberately dependency-free (standard library only) and sits at the bottom of DVW's layers, so
that every core package, the command line and the GUI workers can share the same two types:

- a *progress callback* ``(fraction, message) -> None`` where ``fraction`` runs from 0.0 to 1.0, and
- a :class:`CancelToken` that a step checks between units of work; a cancelled step raises :class:`Cancelled`.

Steps accept both as optional keyword arguments (``progress=None, cancel=None``) and never assume a terminal or a
GUI is listening.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

ProgressCallback = Callable[[float, str], None]
"""Called with the fraction done (0.0 to 1.0) and a short human description of the current stage."""


class Cancelled(Exception):  # noqa: N818 - the name reads as the state it reports
    """Raised inside a step when its :class:`CancelToken` was cancelled; nothing has been written."""


class CancelToken:
    """A thread-safe flag that a caller sets to ask a running step to stop at its next check."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the step to stop; safe to call from any thread, any number of times."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` has been called."""
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` (a pause between retries, say), returning early when :meth:`cancel` is called.

        Returns
        -------
        bool
            Whether cancellation was requested (at once or during the wait).
        """
        return self._event.wait(max(0.0, seconds))

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested.

        Raises
        ------
        Cancelled
            When :meth:`cancel` has been called.
        """
        if self._event.is_set():
            raise Cancelled("cancelled by the user")


def checkpoint(cancel: CancelToken | None) -> None:
    """Raise :class:`Cancelled` if ``cancel`` is set; a no-op when no token was given.

    Raises
    ------
    Cancelled
        When the token was cancelled.
    """
    if cancel is not None:
        cancel.raise_if_cancelled()


def report(progress: ProgressCallback | None, fraction: float, message: str) -> None:
    """Call ``progress`` with ``fraction`` clamped to [0, 1]; a no-op when no callback was given."""
    if progress is not None:
        progress(min(1.0, max(0.0, fraction)), message)


def subrange(progress: ProgressCallback | None, start: float, stop: float) -> ProgressCallback | None:
    """Map a sub-step's own 0..1 progress onto ``[start, stop]`` of the parent step's progress.

    Parameters
    ----------
    progress
        The parent's callback, or None.
    start, stop
        The part of the parent's range (fractions from 0 to 1) that the sub-step covers.

    Returns
    -------
    ProgressCallback or None
        A callback for the sub-step, or None when the parent has none.
    """
    if progress is None:
        return None
    parent = progress

    def sub(fraction: float, message: str) -> None:
        parent(start + (stop - start) * min(1.0, max(0.0, fraction)), message)

    return sub
