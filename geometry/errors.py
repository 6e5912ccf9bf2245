"""Errors raised by :mod:`geometry`: each carries a stable machine ``code`` and, where known, the file at fault."""

from __future__ import annotations


class GeometryError(Exception):
    """Base class of every error raised for bad or unusable mesh input."""

    code = "geometry_error"

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
