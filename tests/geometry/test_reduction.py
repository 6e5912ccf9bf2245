"""Mesh reduction (``geometry.mesh.reduce``): the fast quadric reduction keeps bone meshes closed, and the VTK
fallback takes over when it does not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import geometry.mesh as mesh_module
from base.progress import Cancelled, CancelToken
from geometry.mesh import Mesh, merge_vertices, mesh_from_mask, reduce, repair
from geometry.metrics import surface_deviation, topology
from imaging.sample_case import make_head_ct
from imaging.segment import SegmentParams, segment


@pytest.fixture(scope="module")
def head_bone() -> Mesh:
    """The sample head CT's bone (bone preset, largest component) as a smoothed mask mesh."""
    mask = segment(make_head_ct(), SegmentParams.from_preset("bone", keep_largest=1)).mask
    return mesh_from_mask(mask).mesh


@pytest.mark.parametrize("keep", [0.5, 0.1, 0.02])
def test_reduction_keeps_the_head_ct_bone_closed(head_bone: Mesh, keep: float) -> None:
    before = topology(head_bone.faces, head_bone.n_vertices)
    assert before[:2] == (True, True)
    reduced = reduce(head_bone, keep)
    watertight, manifold, shells = topology(reduced.faces, reduced.n_vertices)
    assert watertight
    assert manifold
    assert shells == before[2]
    assert reduced.n_triangles == pytest.approx(keep * head_bone.n_triangles, rel=0.02)
    assert surface_deviation(reduced, head_bone).max_mm < 1.0


def _broken(points: npt.NDArray[np.float64], faces: npt.NDArray[np.int32], **options: Any) -> tuple[Any, Any]:
    """``fast_simplification.simplify`` with one triangle of its result dropped: a hole."""
    reduced_points, reduced_faces = _SIMPLIFY(points, faces, **options)
    return reduced_points, reduced_faces[1:]


_SIMPLIFY = mesh_module.fast_simplification.simplify


def test_broken_fast_result_falls_back_to_vtk(head_bone: Mesh, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mesh_module.fast_simplification, "simplify", _broken)
    seen: list[float] = []
    reduced = reduce(head_bone, 0.2, progress=lambda fraction, _message: seen.append(fraction))
    assert topology(reduced.faces, reduced.n_vertices)[:2] == (True, True)
    assert reduced.n_triangles == pytest.approx(0.2 * head_bone.n_triangles, rel=0.02)
    assert 0.3 in seen  # the fallback's progress range started
    assert seen[-1] == 1.0


def test_open_input_does_not_fall_back(head_bone: Mesh, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fallback(*_args: Any, **_options: Any) -> Mesh:
        raise AssertionError("the VTK fallback ran for an open input")

    monkeypatch.setattr(mesh_module.fast_simplification, "simplify", _broken)
    monkeypatch.setattr(mesh_module, "_vtk_quadric", no_fallback)
    opened = repair(Mesh(head_bone.vertices, head_bone.faces[1:]))
    reduced = reduce(opened, 0.5)
    assert not topology(reduced.faces, reduced.n_vertices)[0]


def test_reduction_checks_cancel(head_bone: Mesh) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        reduce(head_bone, 0.5, cancel=token)


def test_merge_matches_exact_lexicographic_merge() -> None:
    rng = np.random.default_rng(4)
    points = rng.integers(0, 6, size=(3000, 3)).astype(np.float64) * 0.5
    points[::7, 0] = -0.0  # -0.0 and 0.0 are the same position
    faces = rng.integers(0, len(points), size=(2000, 3))
    merged = merge_vertices(Mesh(points, faces))
    unique = np.unique(points + 0.0, axis=0)
    assert merged.n_vertices == len(unique)
    assert np.array_equal(merged.vertices[merged.faces], (points + 0.0)[faces])
