"""Holding the reference PySide6's ``SignalInstance.emit`` and ``.disconnect`` fail to give with the bool they return.

PySide6 6.12.0 (shiboken6 6.12.0, the ``cp310-abi3`` wheels) on CPython 3.11: ``SignalInstance.emit(...)`` returns
``True`` without a new reference of its own, for any signal (declared in Python or in C++, connected or not), and
``SignalInstance.disconnect(...)`` returns ``True`` (``False`` when nothing was connected) the same way. The caller
drops the result, so every emit releases ``True`` once more than it was taken. From Python 3.12 ``True`` is immortal
and this costs nothing; on 3.11 its count falls by one per emit, and the whole GUI test run (about 100 tests, every
model change and worker progress being an emit) ended in ``Py_FinalizeEx`` with "bool_dealloc: deallocating True or
False" once the objects still holding ``True`` were cleared. ``tests/gui/test_signal_refs.py`` is the reproducer.

:func:`install` measures both calls once, on a signal of its own, and only where one of them is found to release a
bool it did not take, replaces the method on ``SignalInstance`` by a wrapper that calls the library's and takes the
missing reference (``Py_IncRef``) on the bool it returns. With a PySide6 that counts correctly nothing is replaced.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

#: Calls of each measure: a library that borrows loses exactly this many references; one that counts loses none.
PROBE_CALLS = 64

log = logging.getLogger("dvw.gui")

_LOCK = threading.Lock()


def _c_incref() -> Callable[[object], None] | None:
    """CPython's ``Py_IncRef`` through ctypes, or None where the interpreter's symbols cannot be reached."""
    try:
        function = ctypes.pythonapi.Py_IncRef
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.py_object]
    function.restype = None
    return function


_PY_INCREF = _c_incref()
_installed: list[BorrowedResults] = []


@dataclass(frozen=True)
class BorrowedResults:
    """Which of the library's bool results come without a reference (measured by :func:`measure_borrowed_results`).

    Attributes
    ----------
    emit_true
        ``SignalInstance.emit`` returns ``True`` without a reference.
    disconnect_true
        ``SignalInstance.disconnect`` of a connected slot returns ``True`` without a reference.
    disconnect_false
        ``SignalInstance.disconnect`` of a slot not connected returns ``False`` without a reference.
    """

    emit_true: bool
    disconnect_true: bool
    disconnect_false: bool

    @property
    def any(self) -> bool:
        """Whether any of the calls needs its result held."""
        return self.emit_true or self.disconnect_true or self.disconnect_false


class _Probe(QObject):
    """A throwaway emitter for the measures."""

    fired = Signal()


def _nothing() -> None:
    """A slot for the disconnect measures."""


def _lost(singleton: bool, action: Callable[[], object]) -> bool:
    """Whether ``action`` (called :data:`PROBE_CALLS` times) releases ``singleton`` once per call more than it takes.

    A missing reference is given back straight away, so measuring leaves the count as it was. Other threads may take
    or drop a few references meanwhile; a loss of half the calls or more is the library's, not theirs.
    """
    gc.collect()
    before = sys.getrefcount(singleton)
    for _ in range(PROBE_CALLS):
        action()
    lost = before - sys.getrefcount(singleton)
    for _ in range(max(0, min(lost, PROBE_CALLS))):
        _incref(singleton)
    return lost >= PROBE_CALLS // 2


def _incref(value: object) -> None:
    if _PY_INCREF is not None:
        _PY_INCREF(value)


def measure_borrowed_results(
    emit: Callable[..., Any] | None = None, disconnect: Callable[..., Any] | None = None
) -> BorrowedResults:
    """Measure whether ``emit`` and ``disconnect`` return a bool without a reference of its own.

    Parameters
    ----------
    emit, disconnect
        The unbound methods to measure, called as ``emit(signal_instance)`` and ``disconnect(signal_instance, slot)``;
        the library's ``SignalInstance.emit`` and ``SignalInstance.disconnect`` if not given (after :func:`install`,
        the wrappers it put in their place).

    Returns
    -------
    BorrowedResults
        Which results come without a reference. Any reference lost while measuring is given back.
    """
    emit = emit or SignalInstance.emit
    disconnect = disconnect or SignalInstance.disconnect
    probe = _Probe()
    signal = probe.fired

    def connected_then_disconnected() -> object:
        signal.connect(_nothing)
        return disconnect(signal, _nothing)

    def disconnected_unconnected() -> object:
        return disconnect(signal, _nothing)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "Failed to disconnect": the point of the last measure
        found = BorrowedResults(
            emit_true=_lost(True, lambda: emit(signal)),
            disconnect_true=_lost(True, connected_then_disconnected),
            disconnect_false=_lost(False, disconnected_unconnected),
        )
    return found


def install() -> BorrowedResults:
    """Make ``SignalInstance.emit`` and ``.disconnect`` hold the reference to the bool they return, where they do not.

    Called once before the first signal is emitted (the GUI's QApplication, the GUI tests' session); later calls
    return the first measure and change nothing.

    Returns
    -------
    BorrowedResults
        What the library's own methods were measured to borrow (what the wrappers now hold).
    """
    with _LOCK:
        if _installed:
            return _installed[0]
        found = measure_borrowed_results()
        _installed.append(found)
        if found.any and _PY_INCREF is None:
            log.warning("PySide6's signals free True and Py_IncRef is out of reach: the references cannot be held")
            return found
        if found.any:
            log.info("PySide6's signals return their bool without a reference (%s): holding it", found)
        if found.emit_true:
            native_emit: Callable[..., object] = SignalInstance.emit

            def emit(self: SignalInstance, *args: Any) -> object:
                result = native_emit(self, *args)
                if result is True:
                    _incref(result)
                return result

            emit.__doc__ = native_emit.__doc__
            setattr(SignalInstance, "emit", emit)  # noqa: B010 - a method of a C type; mypy rejects assigning it
        if found.disconnect_true or found.disconnect_false:
            native_disconnect: Callable[..., object] = SignalInstance.disconnect

            def disconnect(self: SignalInstance, *args: Any) -> object:
                result = native_disconnect(self, *args)
                if (result is True and found.disconnect_true) or (result is False and found.disconnect_false):
                    _incref(result)
                return result

            disconnect.__doc__ = native_disconnect.__doc__
            setattr(SignalInstance, "disconnect", disconnect)  # noqa: B010 - as above
        return found


def native_methods() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The library's own ``SignalInstance.emit`` and ``.disconnect``, as before :func:`install` (for tests)."""
    return _NATIVE_EMIT, _NATIVE_DISCONNECT


_NATIVE_EMIT: Callable[..., Any] = SignalInstance.emit
_NATIVE_DISCONNECT: Callable[..., Any] = SignalInstance.disconnect
