"""Errors raised by :mod:`geometry`: each carries a stable machine ``code`` and, where known, the file at fault."""

from __future__ import annotations

from base.errors import DvwError


class GeometryError(DvwError):
    """Base class of every error raised for bad or unusable mesh input."""

    code = "geometry_error"


class MeshFileError(GeometryError):
    """A mesh file is missing, not a mesh, of an unsupported format, or cannot be written."""

    code = "mesh_file"


class MeshOutputExistsError(GeometryError):
    """The output mesh file exists and replacing it was not asked for."""

    code = "output_exists"


class EmptyMeshError(GeometryError):
    """The isosurface is empty: nothing in the volume crosses the threshold."""

    code = "empty_mesh"


class VtkError(GeometryError):
    """A VTK filter reported an error (its error output is turned into this exception)."""

    code = "vtk_error"
