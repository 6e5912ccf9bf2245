"""A mesh's outline on a slice: the segments lie in the plane, on the mesh, and trace its cross-section."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geometry.mesh import mesh_from_volume
from imaging.volume import Volume
from workflow.outlines import OutlineRequest, outlines, plane_outline


def _sphere_mesh(radius: float) -> tuple[np.ndarray, np.ndarray]:
    spacing = 0.5
    n = int(2 * (radius + 3) / spacing)
    grid = (np.indices((n, n, n)).astype(np.float64) * spacing) - (radius + 3)  # z, y, x
    field = np.sqrt(grid[0] ** 2 + grid[1] ** 2 + grid[2] ** 2)
    origin = (-(radius + 3),) * 3
    identity = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    volume = Volume((radius - field).astype(np.float32), (spacing,) * 3, origin, identity)
    mesh = mesh_from_volume(volume, 0.0, smoothing=0).mesh  # vertices on the isosurface itself
    return mesh.vertices, mesh.faces


def test_the_outline_of_a_sphere_is_its_circle_in_the_plane() -> None:
    vertices, faces = _sphere_mesh(10.0)
    height = 6.0
    segments = plane_outline(vertices, faces, (0.0, 0.0, height), (0.0, 0.0, 2.0))
    assert segments.shape[1:] == (2, 3)
    assert len(segments) > 50
    points = segments.reshape(-1, 3)
    assert np.allclose(points[:, 2], height)
    radii = np.hypot(points[:, 0], points[:, 1])
    expected = math.sqrt(10.0**2 - height**2)
    assert np.abs(radii - expected).max() < 0.1  # on the surface, to within the mesh's own accuracy
    length = float(np.linalg.norm(segments[:, 1] - segments[:, 0], axis=1).sum())
    assert length == pytest.approx(2 * math.pi * expected, rel=0.01)
    # Above the sphere: nothing; an oblique plane through the centre: a great circle.
    assert plane_outline(vertices, faces, (0.0, 0.0, 12.0), (0.0, 0.0, 1.0)).shape == (0, 2, 3)
    tilted = plane_outline(vertices, faces, (0.0, 0.0, 0.0), (1.0, 0.0, 1.0)).reshape(-1, 3)
    assert np.abs(tilted @ np.array([1.0, 0.0, 1.0]) / math.sqrt(2)).max() < 1e-9
    assert np.abs(np.linalg.norm(tilted, axis=1) - 10.0).max() < 0.1


def test_outlines_of_several_meshes_and_planes() -> None:
    vertices, faces = _sphere_mesh(8.0)
    request = OutlineRequest(
        (("anatomy", vertices, faces), ("design", vertices + 100.0, faces)),
        (("axial", (0.0, 0.0, 0.0), (0.0, 0.0, 1.0)), ("coronal", (0.0, 100.0, 0.0), (0.0, 1.0, 0.0))),
    )
    found = outlines(request)
    assert set(found) == {"axial", "coronal"}
    assert len(found["axial"]["anatomy"]) > 0
    assert len(found["axial"]["design"]) == 0  # the shifted copy lies far above z = 0
    assert len(found["coronal"]["design"]) > 0
    assert len(found["coronal"]["anatomy"]) == 0
