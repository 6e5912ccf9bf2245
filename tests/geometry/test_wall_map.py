"""Wall thickness from the triangles' rays, and the per-vertex map: analytic walls, borders, slivers.

Each triangle casts a ray from its centroid along its inward surface normal; the wall is the distance to where the
ray leaves the solid through a surface facing it back (:func:`face_wall_thickness`). ``min_wall_thickness`` is the
smallest such wall, and a vertex of the map shows the smallest wall of its triangles, so the map's minimum is it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest
import trimesh

from base.progress import Cancelled, CancelToken
from geometry.mesh import Mesh
from geometry.metrics import WALL_OPPOSITE_DEG, face_wall_thickness, min_wall_thickness, wall_thickness_map
from geometry.plate import PlateDesign, plate_mesh
from geometry.sample_design import THICKNESS_MM, sample_plate_design

FloatArray = npt.NDArray[np.float64]


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
    walls = face_wall_thickness(shell)
    centre = np.array([offset, 0.0, 0.0])
    outer = np.all(shell.faces < n_outer, axis=1)
    c, d = walls.centroids, walls.directions
    # An outer triangle's ray enters the hollow |X - centre| = 15: the smaller root of |c + t d - centre| = 15.
    p = c - centre
    pd = np.einsum("ij,ij->i", p, d)
    into_hollow = -pd - np.sqrt(pd**2 - np.einsum("ij,ij->i", p, p) + 15.0**2)
    # A hollow triangle's ray leaves the ball |X| = 20: the larger root of |c + t d| = 20.
    cd = np.einsum("ij,ij->i", c, d)
    out_of_ball = -cd + np.sqrt(cd**2 - np.einsum("ij,ij->i", c, c) + 20.0**2)
    expected = np.where(outer, into_hollow, out_of_ball)
    # The centroids lie on chords of the spheres (at most 0.02 mm inside them at this resolution).
    np.testing.assert_allclose(walls.thickness, expected, atol=0.05)
    # The surface normals are within a fraction of a degree of the radii.
    radial = np.where(outer[:, np.newaxis], -c, c - centre)
    radial /= np.linalg.norm(radial, axis=1, keepdims=True)
    assert float(np.einsum("ij,ij->i", radial, d).min()) > math.cos(math.radians(1.0))
    thinnest = int(np.nanargmin(walls.thickness))
    assert float(walls.thickness[thinnest]) == pytest.approx(20.0 - 15.0 - offset, abs=0.05)
    assert walls.centroids[thinnest][0] > 14.0  # on the +x side, where the hollow comes closest
    # The map shows each vertex the thinnest wall of its triangles.
    thickness = wall_thickness_map(shell)
    per_vertex = np.full(shell.n_vertices, np.inf)
    for k in range(3):
        np.minimum.at(per_vertex, shell.faces[:, k], walls.thickness)
    np.testing.assert_array_equal(thickness, per_vertex)


def test_the_map_minimum_is_min_wall_thickness() -> None:
    shell, _ = _eccentric_shell(2.0, 3)
    wall = min_wall_thickness(shell)
    assert wall is not None
    assert float(np.nanmin(wall_thickness_map(shell))) == wall.min_mm
    assert wall.triangles_measured == shell.n_triangles  # every ray meets the other side facing it
    assert wall.uncertainty_mm < 0.05  # the wall changes little from one triangle to the next


def test_a_sample_plate_is_its_thickness_up_to_its_border() -> None:
    """At the border the old vertex-normal rays ran along the plate; a triangle's own ray crosses the wall."""
    design = replace(sample_plate_design("thin"), rings=24, sectors=72)
    plate = plate_mesh(design)
    thickness = wall_thickness_map(plate)
    wall = min_wall_thickness(plate)
    assert wall is not None
    assert float(np.nanmin(thickness)) == wall.min_mm
    assert wall.min_mm == pytest.approx(THICKNESS_MM["thin"], abs=0.01)
    # Every vertex, border included, shows the plate's even wall.
    np.testing.assert_allclose(thickness, THICKNESS_MM["thin"], atol=0.01)


def _rippled_plate(band_rows: int) -> Mesh:
    """A 2.5 mm plate whose surfaces ripple (0.1 mm, 2 mm waves), closed by a band of ``band_rows`` rows."""
    design = PlateDesign((0.0, 0.0, 0.0), (70.0, 70.0, 70.0), (0.0, 0.0, 1.0), 25.0, 0.5, 2.5, rings=60, sectors=360)
    plate = plate_mesh(design)
    vertices = plate.vertices.copy()
    r = np.linalg.norm(vertices, axis=1, keepdims=True)
    ripple = 0.1 * np.sin(2 * math.pi * vertices[:, :1] / 2.0) * np.sin(2 * math.pi * vertices[:, 1:2] / 2.0)
    vertices += ripple * vertices / r  # the same ripple on both surfaces, along the radius: the wall stays 2.5 mm
    if band_rows == 1:
        return Mesh(vertices, plate.faces)
    # Remesh the band: split each of its quads into band_rows rows along the radius.
    per_layer = plate.n_vertices // 2
    band = np.any(plate.faces >= per_layer, axis=1) & np.any(plate.faces < per_layer, axis=1)
    kept = plate.faces[~band]
    bottom = per_layer - design.sectors + np.arange(design.sectors)  # the last ring of the inner surface
    levels = [bottom]
    extra = [vertices]
    count = len(vertices)
    for row in range(1, band_rows):
        fraction = row / band_rows
        extra.append(vertices[bottom] + fraction * (vertices[bottom + per_layer] - vertices[bottom]))
        levels.append(count + np.arange(design.sectors))
        count += design.sectors
    levels.append(bottom + per_layer)
    j = np.arange(design.sectors)
    faces = [kept]
    for low, high in itertools.pairwise(levels):
        nxt = (j + 1) % design.sectors
        faces += [np.column_stack([low, low[nxt], high[nxt]]), np.column_stack([low, high[nxt], high])]
    mesh = Mesh(np.vstack(extra), np.vstack(faces))
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    if float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) < 0:
        mesh = mesh.flipped()
    return mesh


def test_the_border_band_and_its_remeshing_do_not_move_the_wall() -> None:
    """Rippled surfaces and a band of tall triangles: the case where vertex normals read 0.5 mm at the border.

    On this plate the earlier rays (from each vertex along its area-weighted normal, dominated at the border by the
    band's tall triangles) ran along the plate and met the rippled inner surface after 0.44 mm.
    """
    walls = []
    for rows in (1, 4):
        plate = _rippled_plate(rows)
        wall = min_wall_thickness(plate)
        assert wall is not None
        walls.append(wall)
        # The ripple tilts the surfaces by up to atan(0.1 x 2 pi / 2 x sqrt 2) = 24 deg: the walls stay >= 2.5 cos 24.
        assert 2.5 * math.cos(math.radians(24.0)) <= wall.min_mm <= 2.5 + 1e-6
        # The thinnest wall is measured from the plate's inner or outer surface (radius 70.5 or 73 mm, +-0.1 mm of
        # ripple), never from its closing band between them.
        radius = float(np.linalg.norm(wall.location))
        assert abs(radius - 70.5) < 0.12 or abs(radius - 73.0) < 0.12, radius
    assert walls[1].min_mm == pytest.approx(walls[0].min_mm, abs=1e-9)
    assert walls[1].location == walls[0].location


def test_grazing_rays_measure_no_wall() -> None:
    """A ray that leaves through a surface more than WALL_OPPOSITE_DEG off it is no wall measurement.

    A prism over a triangle with a 60 deg corner: the rays from one flank of the corner leave through the other
    flank or the far face, each at 60 deg to its normal.
    """
    half = math.radians(30.0)
    corners = [
        (0.0, 0.0),
        (10.0 * math.cos(half), 10.0 * math.sin(half)),
        (10.0 * math.cos(half), -10 * math.sin(half)),
    ]
    points = np.array([(x, y, z) for z in (0.0, 5.0) for x, y in corners])
    wedge = _mesh(trimesh.convex.convex_hull(points))
    walls = face_wall_thickness(wedge)
    flanks = np.abs(walls.directions[:, 2]) < 1e-9  # the side faces (the two ends have vertical normals)
    assert flanks.sum() >= 6
    assert np.all(walls.cos_angle[flanks] < math.cos(math.radians(WALL_OPPOSITE_DEG)))
    assert np.all(np.isnan(walls.thickness[flanks]))
    # The two ends face each other: they measure the prism's 5 mm height.
    np.testing.assert_allclose(walls.thickness[~flanks], 5.0, atol=1e-9)


def test_slivers_of_a_reduced_mesh_take_their_neighbours_normal() -> None:
    """A sliver's own normal can lie 25 deg off a curved surface; its surface normal is its neighbours'."""
    sphere = trimesh.creation.icosphere(subdivisions=4, radius=20.0)
    sphere = sphere.simplify_quadric_decimation(face_count=600)
    mesh = _mesh(sphere)
    wall = min_wall_thickness(mesh)
    assert wall is not None
    assert wall.min_mm == pytest.approx(40.0, abs=0.7)


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
