"""Meshing in two processes (``geometry.mesh._smooth_reduce_in_halves``): the halves smooth like the whole surface,
join into one closed surface, measure their deviation exactly, stop on cancel and fall back when the child fails.

The size limit for two processes is lowered so that the ellipsoidal-shell phantom (about 70 k triangles) uses them.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import numpy as np
import pytest
from conftest import MIDPOINT, Phantom

import geometry.mesh as mesh_module
from geometry.mesh import (
    VOLUME_SMOOTHING,
    MeshResult,
    at_file_precision,
    isosurface,
    mesh_from_volume,
    reduce,
    smooth,
)
from geometry.metrics import surface_deviation, topology
from imaging.progress import Cancelled, CancelToken

KEEP = 0.2


@pytest.fixture
def two_processes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Lower the size limit and record whether each meshing joined two halves (True) or fell back (False)."""
    monkeypatch.setattr(mesh_module, "_PARALLEL_MIN_TRIANGLES", 1000)
    joined: list[bool] = []
    original = mesh_module._smooth_reduce_in_halves

    def recording(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        joined.append(result is not None)
        return result

    monkeypatch.setattr(mesh_module, "_smooth_reduce_in_halves", recording)
    return joined


@pytest.fixture(scope="module")
def one_process(shell: Phantom) -> MeshResult:
    """The shell meshed in this process only (below the default size limit for two processes)."""
    assert not mesh_module._can_fork(70_000)
    return mesh_from_volume(shell.volume, MIDPOINT, reduction=KEEP)


def test_each_half_smooths_its_cut_like_the_whole_surface(shell: Phantom) -> None:
    reference = isosurface(shell.volume, MIDPOINT)
    split = mesh_module._plan_split(reference)
    assert split is not None
    whole = smooth(reference, 20).vertices[split.cut]
    moved = float(np.abs(whole - reference.vertices[split.cut]).max())
    assert moved > 1e-3  # smoothing does move the cut's vertices, so equal positions mean something
    halves = [
        mesh_module._smooth_reduce_half(
            reference, shell.volume, split, second=second, iterations=20, target=round(KEEP * reference.n_triangles)
        )
        for second in (False, True)
    ]
    for half in halves:
        # The halves round their vertices to float32 (file precision): the whole surface's, rounded alike.
        assert np.abs(half.cut - whole).max() < 1e-9 + float(np.abs(whole).max()) * 2.0**-24
        np.testing.assert_array_equal(half.cut, half.cut.astype(np.float32).astype(np.float64))
        assert not np.any(np.isnan(half.distances))
    assert sum(half.faces.shape[0] for half in halves) == pytest.approx(KEEP * reference.n_triangles, rel=0.01)


def test_two_processes_give_one_closed_surface_measured_exactly(
    shell: Phantom, two_processes: list[bool], one_process: MeshResult
) -> None:
    result = mesh_from_volume(shell.volume, MIDPOINT, reduction=KEEP)
    assert two_processes == [True]
    mesh, metrics = result.mesh, result.metrics
    assert topology(mesh.faces, mesh.n_vertices) == (True, True, 2)
    assert (metrics.watertight, metrics.manifold, metrics.shells) == (True, True, 2)
    assert mesh.n_triangles == pytest.approx(one_process.mesh.n_triangles, rel=0.01)
    # The deviation the halves measured is the exact distance from the whole reference.
    exact = surface_deviation(mesh, isosurface(shell.volume, MIDPOINT), lattice=shell.volume)
    assert metrics.surface_deviation is not None
    assert metrics.surface_deviation.max_mm == exact.max_mm
    assert metrics.surface_deviation.mean_mm == pytest.approx(exact.mean_mm, rel=1e-12)
    # The same surface as in one process, to within the reductions' differences.
    assert metrics.volume_mm3 == pytest.approx(one_process.metrics.volume_mm3, rel=5e-4)
    assert metrics.area_mm2 == pytest.approx(one_process.metrics.area_mm2, rel=2e-3)
    assert one_process.metrics.surface_deviation is not None
    assert exact.max_mm < max(0.5, 1.5 * one_process.metrics.surface_deviation.max_mm)


def test_a_failing_child_falls_back_to_one_process(
    shell: Phantom, two_processes: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = mesh_module._smooth_reduce_half

    def failing_second(*args: Any, second: bool, **kwargs: Any) -> Any:
        if second:  # runs in the forked child
            raise MemoryError("the child ran out of memory")
        return original(*args, second=second, **kwargs)

    monkeypatch.setattr(mesh_module, "_smooth_reduce_half", failing_second)
    result = mesh_from_volume(shell.volume, MIDPOINT, reduction=KEEP)
    assert two_processes == [False]
    assert multiprocessing.active_children() == []
    # What one process makes: the whole surface smoothed, then reduced (the reduction alone may still use halves).
    expected = at_file_precision(reduce(smooth(isosurface(shell.volume, MIDPOINT), VOLUME_SMOOTHING), KEEP))
    np.testing.assert_array_equal(result.mesh.vertices, expected.vertices)
    np.testing.assert_array_equal(result.mesh.faces, expected.faces)
    assert (result.metrics.watertight, result.metrics.manifold) == (True, True)


def test_cancel_stops_both_processes(shell: Phantom, two_processes: list[bool]) -> None:
    token = CancelToken()

    def cancel_when_split(_fraction: float, message: str) -> None:
        if "two processes" in message:
            token.cancel()

    with pytest.raises(Cancelled):
        mesh_from_volume(shell.volume, MIDPOINT, reduction=KEEP, progress=cancel_when_split, cancel=token)
    assert multiprocessing.active_children() == []
