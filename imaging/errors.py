"""Errors raised by :mod:`imaging`.

Every error derives from :class:`base.errors.DvwError`: it carries a stable machine ``code`` (used in the command
line's JSON error object) and, where one file or folder is at fault, its ``path``. Messages are one line and say
what is wrong and where, never how the code failed internally.
"""

from __future__ import annotations

from base.errors import DvwError


class ImagingError(DvwError):
    """Base class of every error raised for bad or unusable imaging input."""

    code = "imaging_error"


class NotADicomFolderError(ImagingError):
    """The given path is not a readable folder."""

    code = "not_a_folder"


class NoSeriesFoundError(ImagingError):
    """The folder holds no usable image series."""

    code = "no_series"


class AmbiguousSeriesError(ImagingError):
    """Several usable volume series were found and none was chosen."""

    code = "ambiguous_series"

    def __init__(self, message: str, *, candidates: tuple[str, ...], path: str | None = None) -> None:
        super().__init__(message, path=path)
        self.candidates = candidates


class SeriesNotFoundError(ImagingError):
    """The requested series UID is not in the folder."""

    code = "series_not_found"


class UnusableSeriesError(ImagingError):
    """The chosen series cannot be assembled into a volume (e.g. a localizer, one slice, mixed stacks)."""

    code = "unusable_series"


class GeometryRefusedError(ImagingError):
    """The series' geometry needs a correction that the import policy does not allow (``--strict``)."""

    code = "geometry_refused"


class MissingSlicesError(GeometryRefusedError):
    """Slices are missing from an otherwise regular series and ``--allow-gaps`` was not given."""

    code = "missing_slices"


class PixelDataError(ImagingError):
    """An instance's pixel data cannot be decoded (truncated, corrupt, or an unsupported encoding)."""

    code = "pixel_data"


class VolumeTooLargeError(ImagingError):
    """The volume to assemble does not fit in this machine's memory."""

    code = "too_large"


class VolumeFileError(ImagingError):
    """A volume or mask file cannot be written or read."""

    code = "volume_file"


class OutputExistsError(ImagingError):
    """The output file exists and overwriting was not requested."""

    code = "output_exists"
