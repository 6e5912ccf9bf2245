"""The exact point-to-surface distance (``geometry.metrics.surface_deviation``) and the isosurface it measures
against: distances equal a brute-force minimum over every triangle, on and off the voxel lattice; an isosurface
through voxels that equal the level has no coincident vertices, no degenerate triangles and stays closed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from conftest import MIDPOINT, Phantom
from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkDoubleArray
from vtkmodules.vtkFiltersCore import vtkImplicitPolyDataDistance

import geometry.mesh as mesh_module
from base.progress import Cancelled, CancelToken
from geometry.mesh import Mesh, isosurface, merge_vertices, mesh_from_volume, repair
from geometry.metrics import (
    SurfaceIndex,
    _point_triangle_sq,
    rotate,
    surface_deviation,
    surface_index,
    topology,
)
from imaging.volume import Volume

FloatArray = npt.NDArray[np.float64]


def _brute_force(points: FloatArray, mesh: Mesh) -> FloatArray:
    """Distance from each point to every triangle, minimum: the definition, at O(points x triangles)."""
    out = np.empty(len(points))
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    for i, p in enumerate(points):
        out[i] = np.sqrt(_point_triangle_sq(np.broadcast_to(p, a.shape).copy(), a, b, c).min())
    return out


def _vtk_distance(points: FloatArray, mesh: Mesh) -> FloatArray:
    distance = vtkImplicitPolyDataDistance()
    distance.SetInput(mesh.to_polydata())
    out = vtkDoubleArray()
    distance.FunctionValue(numpy_to_vtk(np.ascontiguousarray(points), deep=False), out)
    return np.abs(vtk_to_numpy(out))


def test_point_triangle_distance_in_every_region() -> None:
    a, b, c = np.array([0.0, 0.0, 0.0]), np.array([2.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0])
    cases = {
        (0.5, 0.5, 3.0): 3.0,  # above the face
        (-1.0, -1.0, 0.0): np.sqrt(2.0),  # beyond vertex a
        (4.0, 0.0, 1.0): np.sqrt(5.0),  # beyond vertex b
        (0.0, 5.0, 0.0): 3.0,  # beyond vertex c
        (1.0, -2.0, 0.0): 2.0,  # beyond edge ab
        (-3.0, 1.0, 4.0): 5.0,  # beyond edge ac
        (2.0, 2.0, 0.0): np.sqrt(2.0),  # beyond edge bc
    }
    points = np.array(list(cases), dtype=np.float64)
    n = len(points)
    got = np.sqrt(_point_triangle_sq(points, np.tile(a, (n, 1)), np.tile(b, (n, 1)), np.tile(c, (n, 1))))
    assert np.allclose(got, list(cases.values()), rtol=0, atol=1e-12)
    # A zero-area triangle is a segment.
    line = np.sqrt(_point_triangle_sq(points[:1], a[None], b[None], b[None]))
    assert line[0] == pytest.approx(np.sqrt(0.5**2 + 3.0**2))


@pytest.mark.parametrize("seed", range(6))
def test_distances_equal_the_brute_force_minimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    vertices = rng.random((40, 3)) * rng.uniform(0.5, 20.0, size=3)
    faces = rng.integers(0, 40, size=(60, 3))
    faces[:3, 1] = faces[:3, 0]  # some zero-area triangles
    mesh = Mesh(vertices, faces)
    points = rng.uniform(-5.0, 25.0, size=(300, 3))
    got = surface_index(mesh).distances(points)
    assert np.allclose(got, _brute_force(points, mesh), rtol=1e-12, atol=1e-12)


def test_lattice_distances_equal_vtk_on_a_tilted_isosurface(tilted_sphere: Phantom) -> None:
    """On its own (rotated) voxel lattice each isosurface triangle is binned once; the distances stay exact."""
    volume = tilted_sphere.volume
    reference = isosurface(volume, MIDPOINT)
    rng = np.random.default_rng(7)
    near = reference.vertices[rng.choice(reference.n_vertices, 4000)] + rng.normal(scale=0.3, size=(4000, 3))
    far = rng.uniform(-1.0, 1.0, size=(50, 3)) * 60.0 + np.asarray(tilted_sphere.centre)  # off the grid too
    points = np.concatenate([near, far])
    index = surface_index(reference, lattice=volume)
    assert isinstance(index, SurfaceIndex)
    assert len(index.keys) == reference.n_triangles  # one cell per triangle
    got = index.distances(points)
    assert np.allclose(got, _vtk_distance(points, reference), rtol=1e-9, atol=1e-9)
    sample = rng.choice(len(points), 200, replace=False)
    assert np.allclose(got[sample], _brute_force(points[sample], reference), rtol=1e-12, atol=1e-12)


def test_mesh_deviation_matches_vtk(shell: Phantom) -> None:
    result = mesh_from_volume(shell.volume, MIDPOINT, reduction=0.1)
    reference = isosurface(shell.volume, MIDPOINT)
    expected = _vtk_distance(result.mesh.vertices, reference)
    deviation = result.metrics.surface_deviation
    assert deviation is not None
    assert deviation.max_mm == pytest.approx(float(expected.max()), rel=1e-9)
    assert deviation.mean_mm == pytest.approx(float(expected.mean()), rel=1e-9)
    assert surface_deviation(result.mesh, reference).max_mm == pytest.approx(deviation.max_mm, rel=1e-12)


def test_deviation_checks_cancel(sphere: Phantom) -> None:
    reference = isosurface(sphere.volume, MIDPOINT)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        surface_deviation(reference, reference, lattice=sphere.volume, cancel=token)


def _triangle_set(mesh: Mesh) -> FloatArray:
    """The triangles as sorted rows of their corner coordinates (independent of vertex and triangle order)."""
    corners = mesh.vertices[mesh.faces]  # (m, 3, 3)
    rolled = [np.roll(corners, -k, axis=1).reshape(len(corners), 9) for k in range(3)]
    start = np.argmin(np.stack([r[:, :3].sum(axis=1) for r in rolled]), axis=0)  # same rotation for equal rows
    rows = np.stack(rolled)[start, np.arange(len(corners))]
    return rows[np.lexsort(rows.T[::-1])]


@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_isosurface_through_voxels_at_the_level_is_clean(dtype: type) -> None:
    """Voxels equal to the level would put several edges' vertices on one voxel centre (and merging them pinches the
    surface): flying edges runs half-way to the next value below the level, the same voxels inside, and the surface
    is closed and manifold with no coincident vertices.
    """
    rng = np.random.default_rng(3)
    voxels = np.full((24, 26, 28), -1000, dtype=dtype)
    voxels[4:20, 5:21, 6:22] = 1000
    voxels[4:20:2, 5:21:3, 6:22] = 300  # many voxels exactly at the level, in the wall and inside
    voxels[10:14, 10:14, 10:14] = rng.choice(np.array([300, 299, 301, -1000], dtype=dtype), size=(4, 4, 4))
    volume = Volume(voxels, (0.5, 0.5, 1.25), (-3.0, 2.0, 7.0), (0, 1, 0, 1, 0, 0, 0, 0, 1))  # left-handed
    assert mesh_module._iso_value(voxels, 300.0) == 299.5
    mesh = isosurface(volume, 300.0)
    assert merge_vertices(mesh).n_vertices == mesh.n_vertices  # no coincident vertices
    assert repair(mesh) is mesh  # nothing degenerate, repeated or unused
    assert topology(mesh.faces, mesh.n_vertices)[:2] == (True, True)  # watertight and manifold
    assert _signed_volume(mesh) > 0  # outward
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    assert np.all(np.linalg.norm(np.cross(b - a, c - a), axis=1) > 0)

    # Exactly flying edges' raw output at 299.5 (nothing to merge), the same voxels inside as at 300.
    raw = Mesh.from_polydata(_raw_flying_edges(volume, 299.5))
    assert merge_vertices(raw).n_vertices == raw.n_vertices == mesh.n_vertices
    oriented = raw if _signed_volume(raw) > 0 else raw.flipped()
    assert np.array_equal(_triangle_set(oriented), _triangle_set(mesh))
    # At 300 itself the raw output has coincident vertices on the voxels at the level.
    at_level = Mesh.from_polydata(_raw_flying_edges(volume, 300.0))
    assert merge_vertices(at_level).n_vertices < at_level.n_vertices


def _signed_volume(mesh: Mesh) -> float:
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def _raw_flying_edges(volume: Volume, level: float) -> object:
    """``vtkFlyingEdges3D`` on the volume's voxels, mapped to LPS as ``isosurface`` does, nothing merged."""
    from vtkmodules.vtkCommonDataModel import vtkImageData  # noqa: PLC0415
    from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D  # noqa: PLC0415

    nz, ny, nx = volume.voxels.shape
    image = vtkImageData()
    image.SetDimensions(nx, ny, nz)
    image.SetSpacing(*volume.spacing)
    image.GetPointData().SetScalars(numpy_to_vtk(volume.voxels.reshape(-1), deep=True))
    image.SetOrigin(0.0, 0.0, 0.0)
    flying = vtkFlyingEdges3D()
    flying.SetInputData(image)
    flying.SetValue(0, level)
    flying.Update()
    poly = flying.GetOutput()
    local = vtk_to_numpy(poly.GetPoints().GetData()).astype(np.float64)
    world = rotate(local, volume.direction_matrix.T) + np.asarray(volume.origin)
    poly.GetPoints().SetData(numpy_to_vtk(world, deep=True))
    return poly


@pytest.mark.parametrize(
    ("voxels", "level", "expected"),
    [
        (np.array([0, 1, 1], dtype=np.uint8), 0.5, 0.5),  # a mask: no voxel can equal 0.5
        (np.array([0, 1, 1], dtype=np.uint8), 1.0, 0.5),
        (np.array([-1000, 300, 1000], dtype=np.int16), 300.0, 299.5),
        (np.array([-1000, 299, 1000], dtype=np.int16), 300.0, 300.0),
        (np.array([-1000, 1000], dtype=np.int16), 40000.0, 40000.0),  # beyond int16: nothing equals it
        (np.array([-1000, 1000], dtype=np.int16), 300.25, 300.25),
        (np.array([-1000.0, 250.0, 300.0, 1000.0], dtype=np.float32), 300.0, 275.0),  # half-way to the next below
        (np.array([-1000.0, 1000.0], dtype=np.float32), 300.0, 300.0),
    ],
)
def test_iso_value_moves_off_voxels_at_the_level_only(voxels: np.ndarray, level: float, expected: float) -> None:
    assert mesh_module._iso_value(voxels, level) == expected
