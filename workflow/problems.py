"""What went wrong, as a person is shown it: a stable code, one line, the file at fault (no Qt here)."""

from __future__ import annotations

from dataclasses import dataclass

from base.errors import DvwError


@dataclass(frozen=True)
class ErrorInfo:
    """What went wrong, for the user: a stable ``code``, one line of ``message`` and the file at fault (if any).

    Attributes
    ----------
    code
        The core error's code (e.g. ``wrong_password``), ``cancelled``, or ``internal`` for a bug.
    message
        One line; the core's own message (English) for core errors.
    path
        The file or folder at fault, or None.
    log_file
        Where the traceback of an internal error was written, or None.
    field
        The field of a form at fault (a build record's ``TABLE.INDEX.KEY``), or None.
    """

    code: str
    message: str
    path: str | None = None
    log_file: str | None = None
    field: str | None = None

    @property
    def cancelled(self) -> bool:
        """Whether the job was cancelled by the user (not an error to show in a message box)."""
        return self.code == "cancelled"

    @classmethod
    def of(cls, exc: DvwError) -> ErrorInfo:
        """The description of a core error: its code, message, path and (a form's) field."""
        field = getattr(exc, "field", None)
        return cls(exc.code, exc.message, exc.path, field=field if isinstance(field, str) else None)
