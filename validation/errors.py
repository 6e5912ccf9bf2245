"""Errors raised by :mod:`validation`: each carries a stable machine ``code`` and, where known, the file at fault.

Errors about a text file (an envelope, a parameters file) also carry the 1-based ``line`` at fault when it is
known, and their message starts with ``FILE:LINE:`` so an editor can jump to it.
"""

from __future__ import annotations

from base.errors import DvwError


class ValidationError(DvwError):
    """Base class of every error raised for a bad envelope, parameter file or measurement input."""

    code = "validation_error"

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message, path=path)
        self.line = line


class EnvelopeError(ValidationError):
    """A design-envelope file is malformed, names an unknown parameter, or uses a wrong unit."""

    code = "bad_envelope"


class ParameterFileError(ValidationError):
    """A parameters file is malformed or cannot be written."""

    code = "bad_parameters"


class UnitError(ValidationError):
    """A unit is unknown, or two units cannot be compared."""

    code = "bad_unit"


class MeasurementInputError(ValidationError):
    """An input given to ``dvw measure`` cannot be used (wrong kind of file, unreadable patient file...)."""

    code = "bad_measurement_input"
