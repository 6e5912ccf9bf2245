"""Errors raised by :mod:`records`: each carries a stable machine ``code`` and, where known, the file at fault."""

from __future__ import annotations

from imaging.errors import DvwError


class RecordsError(DvwError):
    """Base class of every error raised for a refused record operation or bad store input."""

    code = "records_error"
