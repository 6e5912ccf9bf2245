"""Analytic designs for the revision comparison (tests and benchmarks/change.py): spheres and a plate with a bump.

Importable as ``revision_meshes`` from the geometry tests (pytest puts their folder on the path) and from the
benchmark (which adds it).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import trimesh

from geometry.mesh import Mesh

FloatArray = npt.NDArray[np.float64]


def sphere(radius_mm: float, subdivisions: int = 5) -> Mesh:
    """An icosphere with its vertices on the sphere of ``radius_mm`` about the origin (20 x 4^n triangles)."""
    return Mesh.from_trimesh(trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius_mm))


def bump_height(radius_mm: float = 5.0, height_mm: float = 0.8, ramp_mm: float = 0.5) -> Callable[..., FloatArray]:
    """A bump over a disc of ``radius_mm``: ``height_mm`` inside, falling linearly to 0 over a ramp centred on the
    disc's edge (``ramp_mm`` wide)."""

    def height(x: FloatArray, y: FloatArray) -> FloatArray:
        r = np.hypot(x, y)
        return height_mm * np.clip((radius_mm + ramp_mm / 2 - r) / ramp_mm, 0.0, 1.0)

    return height


def plate(
    size_mm: float = 20.0,
    thickness_mm: float = 3.0,
    step_mm: float = 0.1,
    top: Callable[..., FloatArray] | None = None,
) -> Mesh:
    """A closed plate ``size_mm`` square and ``thickness_mm`` thick (z from 0 up), its top raised by ``top(x, y)``.

    Top and bottom are grids of ``step_mm``; the four sides join their edges. Faces are outward (counter-clockwise
    seen from outside).
    """
    n = round(size_mm / step_mm) + 1
    axis = np.linspace(-size_mm / 2, size_mm / 2, n)
    x, y = np.meshgrid(axis, axis, indexing="xy")  # [row j, column i]
    raise_by = np.zeros_like(x) if top is None else top(x, y)
    top_v = np.column_stack([x.ravel(), y.ravel(), (thickness_mm + raise_by).ravel()])
    bottom_v = np.column_stack([x.ravel(), y.ravel(), np.zeros(n * n)])
    vertices = np.vstack([top_v, bottom_v])

    def index(j: npt.NDArray[np.int64], i: npt.NDArray[np.int64], layer: int) -> npt.NDArray[np.int64]:
        return layer * n * n + j * n + i

    j, i = np.meshgrid(np.arange(n - 1), np.arange(n - 1), indexing="ij")
    j, i = j.ravel(), i.ravel()
    faces = []
    for layer, flip in ((0, False), (1, True)):
        a, b, c, d = index(j, i, layer), index(j, i + 1, layer), index(j + 1, i + 1, layer), index(j + 1, i, layer)
        quads = [np.column_stack([a, b, c]), np.column_stack([a, c, d])]
        faces += [q[:, ::-1] if flip else q for q in quads]
    k = np.arange(n - 1)
    sides = [  # (top edge from, top edge to) walked counter-clockwise seen from above: outward on the right
        (index(np.zeros_like(k), k, 0), index(np.zeros_like(k), k + 1, 0)),  # y = min, x rising
        (index(k, np.full_like(k, n - 1), 0), index(k + 1, np.full_like(k, n - 1), 0)),  # x = max, y rising
        (index(np.full_like(k, n - 1), k + 1, 0), index(np.full_like(k, n - 1), k, 0)),  # y = max, x falling
        (index(k + 1, np.zeros_like(k), 0), index(k, np.zeros_like(k), 0)),  # x = min, y falling
    ]
    below = n * n
    for start, end in sides:
        faces += [np.column_stack([start, start + below, end + below]), np.column_stack([start, end + below, end])]
    return Mesh(vertices, np.vstack(faces))
