"""Native code is a boundary: what DVW hands to VTK must not make it read memory it does not own.

A design whose triangles name one vertex twice (found by tests/geometry/test_fuzz_mesh_files.py: an OBJ face
``f 1 0 8``, which trimesh reads as vertices 0, 0, 7) made ``vtkImplicitPolyDataDistance`` read out of bounds while
signing the distances of points on the surface: ``dvw measure --design F --anatomy F`` crashed with a segmentation
fault in four runs out of five. The check runs in a child process, so that a crash fails this test instead of the
test run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from geometry.distance import closest_points, signed_distances
from geometry.errors import GeometryError
from geometry.mesh import Mesh

#: A 10 x 8 x 4 mm box with its third and fifth triangles spoilt: one now spans the box diagonally, the other names
#: vertex 0 twice.
VERTICES = [[-20, 10, 5], [-20, 10, 9], [-20, 18, 9], [-20, 18, 5], [-10, 10, 5], [-10, 18, 5], [-10, 18, 9]]
VERTICES += [[-10, 10, 9]]
FACES = [[0, 1, 2], [0, 2, 3], [4, 0, 6], [4, 6, 7], [0, 0, 7], [0, 7, 1], [3, 2, 6], [3, 6, 5], [0, 3, 5]]
FACES += [[0, 5, 4], [1, 7, 6], [1, 6, 2]]

_CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from geometry.distance import closest_points, signed_distances
    from geometry.mesh import Mesh

    vertices, faces = json.loads(sys.argv[1])
    surface = Mesh(np.array(vertices, dtype=float), np.array(faces))
    # Points on the surface: the corners and the midpoints of every edge (the closest point lies on an edge).
    corners = surface.vertices[surface.faces]
    points = np.concatenate([surface.vertices, (corners + np.roll(corners, 1, axis=1)).reshape(-1, 3) / 2])
    worst = 0.0
    for _ in range(5):
        worst = max(worst, float(np.abs(signed_distances(surface, points)).max()))
        worst = max(worst, float(np.abs(closest_points(surface, points).signed_distance).max()))
    print(worst)
    """
)


#: The fuzz test's second find (a PLY): vertex 6 repeats vertex 4's position, so triangle (4, 6, 7) names three
#: distinct vertices but has a zero-length edge; the same look-up read out of bounds (exit 139 in 2 of 3 runs).
POSITION_TWICE = (
    [[-20, 10, 10], [-20, 18, 5], [-20, 18, 9], [-10, 10, 5], [-10, 10, 9], [-10, 18, 5], [-10, 10, 9], [3, 0, 1]],
    [[0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 3], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]],
)


@pytest.mark.parametrize(
    ("attempt", "surface"),
    [(n, (VERTICES, FACES)) for n in range(3)] + [(n, POSITION_TWICE) for n in range(3)],
)
def test_distances_to_a_surface_with_a_repeated_vertex_do_not_crash(
    attempt: int, surface: tuple[list[list[int]], list[list[int]]]
) -> None:
    import json  # noqa: PLC0415

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(list(surface))],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"attempt {attempt}: exit {done.returncode}\n{done.stderr[-2000:]}"
    assert float(done.stdout.strip()) < 1e-9  # every point lies on the surface


def test_the_repeated_vertex_triangle_changes_no_distance() -> None:
    spoilt = Mesh(np.array(VERTICES, dtype=float), np.array(FACES))
    proper = Mesh(spoilt.vertices, np.delete(spoilt.faces, 4, axis=0))
    points = np.array([[-15.0, 14.0, 7.0], [-25.0, 14.0, 7.0], [-15.0, 30.0, 12.0], [-20.0, 10.0, 5.0]])
    np.testing.assert_array_equal(signed_distances(spoilt, points), signed_distances(proper, points))
    np.testing.assert_array_equal(closest_points(spoilt, points).closest, closest_points(proper, points).closest)
    assert signed_distances(proper, points)[1] == pytest.approx(5.0)
    with pytest.raises(GeometryError, match="no triangles"):
        signed_distances(Mesh(spoilt.vertices, np.array([[0, 0, 7]])), points)
