"""Errors raised by :mod:`validation`: each carries a stable machine ``code`` and, where known, the file at fault."""

from __future__ import annotations

from imaging.errors import DvwError


class ValidationError(DvwError):
    """Base class of every error raised for a bad envelope, parameter file or measurement input."""

    code = "validation_error"
