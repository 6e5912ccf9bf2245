"""The base of DVW's errors.

Every error carries a stable machine ``code`` (used in the command line's JSON error object) and, where one file
or folder is at fault, its ``path``. Messages are one line and say what is wrong and where, never how the code
failed internally. Each package's ``errors.py`` derives its own errors from :class:`DvwError`.
"""

from __future__ import annotations


class DvwError(Exception):
    """Base of every error meaning bad input or a refused operation, in any DVW package.

    It lives here, in the lowest layer, so that every package's own base (``ImagingError``, ``GeometryError``,
    ``ValidationError``, ``RecordsError``, ...) derives from it and the command line maps them all to exit 2 at once.
    """

    code = "error"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
