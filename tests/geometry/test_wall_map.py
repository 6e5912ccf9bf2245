"""The per-vertex wall-thickness map: analytic walls, and agreement with :func:`min_wall_thickness`.

The map casts the same rays as ``min_wall_thickness`` (inverted area-weighted vertex normal, first hit beyond 1 um,
the vertex's own triangles ignored), all at once on a grid instead of one by one with VTK. VTK returns its hit
points in single precision (about 1e-5 mm at 100 mm from the origin), so the two minima agree to 1e-4 mm.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest
import trimesh

from geometry.mesh import Mesh
from geometry.metrics import min_wall_thickness, wall_thickness_map
from geometry.plate import plate_mesh
from geometry.sample_design import THICKNESS_MM, sample_plate_design
from imaging.progress import Cancelled, CancelToken

FloatArray = npt.NDArray[np.float64]
#: VTK's hit points are float32: the largest difference between its minimum and the map's (mm).
VTK_AGREEMENT_MM = 1e-4


def _mesh(shape: trimesh.Trimesh) -> Mesh:
    return Mesh(np.asarray(shape.vertices, dtype=np.float64), np.asarray(shape.faces, dtype=np.int64))


def _slab(size: tuple[float, float, float], subdivisions: int) -> Mesh:
    box = trimesh.creation.box(extents=size)
    for _ in range(subdivisions):
        box = box.subdivide()
    return _mesh(box)


def test_a_slab_is_its_thickness_at_every_interior_vertex() -> None:
    size = (40.0, 30.0, 3.0)
    slab = _slab(size, 4)
    thickness = wall_thickness_map(slab)
    assert thickness.shape == (slab.n_vertices,)
    x, y, z = slab.vertices.T
    inside_x, inside_y = np.abs(x) < size[0] / 2 - 1e-6, np.abs(y) < size[1] / 2 - 1e-6
    faces_z = inside_x & inside_y & (np.abs(np.abs(z) - size[2] / 2) < 1e-9)  # top and bottom, off their edges
    assert faces_z.sum() > 100
    np.testing.assert_allclose(thickness[faces_z], size[2], atol=1e-9)
    inside_z = np.abs(z) < size[2] / 2 - 1e-6
    faces_x = inside_y & inside_z & (np.abs(np.abs(x) - size[0] / 2) < 1e-9)
    faces_y = inside_x & inside_z & (np.abs(np.abs(y) - size[1] / 2) < 1e-9)
    np.testing.assert_allclose(thickness[faces_x], size[0], atol=1e-9)
    np.testing.assert_allclose(thickness[faces_y], size[1], atol=1e-9)
    assert not np.isnan(thickness).any()  # every ray of a closed box meets the opposite side
    # Corner and edge vertices look along the diagonal of their faces' normals: never thinner than the slab.
    assert float(thickness.min()) == pytest.approx(size[2], abs=1e-9)


def _eccentric_shell(offset: float, subdivisions: int) -> tuple[Mesh, int]:
    """A sphere of radius 20 mm holding a hollow of radius 15 mm centred ``offset`` mm along +x."""
    outer = trimesh.creation.icosphere(subdivisions=subdivisions, radius=20.0)
    inner = trimesh.creation.icosphere(subdivisions=subdivisions, radius=15.0)
    inner.apply_translation((offset, 0.0, 0.0))
    inner.invert()  # the hollow's surface faces its centre
    both = trimesh.util.concatenate([outer, inner])
    return _mesh(both), len(outer.vertices)


def test_an_eccentric_shell_matches_the_analytic_ray_lengths() -> None:
    offset = 2.0
    shell, n_outer = _eccentric_shell(offset, 4)
    thickness = wall_thickness_map(shell)
    centre = np.array([offset, 0.0, 0.0])
    # Outer vertex 20 u looks along -u: it meets the hollow |X - c| = 15 after 20 - u.c - sqrt((u.c)^2 + 221).
    u = shell.vertices[:n_outer] / 20.0
    uc = u @ centre
    outer_expected = 20.0 - uc - np.sqrt(uc**2 + 15.0**2 - offset**2)
    # Hollow vertex c + 15 v looks along v: it meets |X| = 20 after -15 - v.c + sqrt((v.c)^2 + 400 - |c|^2).
    v = (shell.vertices[n_outer:] - centre) / 15.0
    vc = v @ centre
    inner_expected = -15.0 - vc + np.sqrt(vc**2 + 20.0**2 - offset**2)
    expected = np.concatenate([outer_expected, inner_expected])
    # The facets are chords of the spheres and the vertex normals are within a fraction of a degree of radial.
    np.testing.assert_allclose(thickness, expected, atol=0.05)
    thinnest = int(np.nanargmin(thickness))
    assert float(thickness[thinnest]) == pytest.approx(20.0 - 15.0 - offset, abs=0.02)
    assert shell.vertices[thinnest][0] > 14.0  # on the +x side, where the hollow comes closest


def test_the_map_minimum_is_min_wall_thickness() -> None:
    shell, _ = _eccentric_shell(2.0, 3)
    wall = min_wall_thickness(shell)
    assert wall is not None
    assert float(np.nanmin(wall_thickness_map(shell))) == pytest.approx(wall.min_mm, abs=VTK_AGREEMENT_MM)


def test_a_sample_plate_map_is_its_thickness_and_agrees_with_min_wall_thickness() -> None:
    design = replace(sample_plate_design("thin"), rings=24, sectors=72)
    plate = plate_mesh(design)
    thickness = wall_thickness_map(plate)
    wall = min_wall_thickness(plate)
    assert wall is not None
    assert float(np.nanmin(thickness)) == pytest.approx(wall.min_mm, abs=VTK_AGREEMENT_MM)
    assert float(np.nanmin(thickness)) == pytest.approx(THICKNESS_MM["thin"], abs=0.01)
    # Away from the rim (the outermost ring of each surface), the two surfaces are parallel and the wall even.
    per_surface = 1 + design.rings * design.sectors
    ring = (np.arange(2 * per_surface) % per_surface - 1) // design.sectors  # -1 for the two apexes
    interior = ring < design.rings - 1
    assert interior.sum() == 2 * (1 + (design.rings - 1) * design.sectors)
    np.testing.assert_allclose(thickness[interior], THICKNESS_MM["thin"], atol=0.01)
    assert not np.isnan(thickness).any()


def test_an_open_sheet_has_no_wall() -> None:
    sheet = Mesh(
        np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [10.0, 10.0, 0.0], [0.0, 10.0, 0.0]]),
        np.array([[0, 1, 2], [0, 2, 3]], dtype=np.int64),
    )
    assert np.isnan(wall_thickness_map(sheet)).all()
    assert min_wall_thickness(sheet) is None


def test_the_map_reports_progress_and_checks_cancel() -> None:
    slab = _slab((10.0, 10.0, 2.0), 2)
    seen: list[float] = []
    wall_thickness_map(slab, progress=lambda fraction, _message: seen.append(fraction))
    assert seen[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen == sorted(seen)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        wall_thickness_map(slab, cancel=token)
    assert math.isfinite(float(np.nanmin(wall_thickness_map(slab))))
