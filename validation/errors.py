"""Errors raised by :mod:`validation`: each carries a stable machine ``code`` and, where known, the file at fault."""

from __future__ import annotations


class ValidationError(Exception):
    """Base class of every error raised for a bad envelope, parameter file or measurement input."""

    code = "validation_error"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
