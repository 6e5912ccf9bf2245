"""Errors raised by :mod:`records`: each carries a stable machine ``code`` and, where known, the file at fault."""

from __future__ import annotations


class RecordsError(Exception):
    """Base class of every error raised for a refused record operation or bad store input."""

    code = "records_error"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
