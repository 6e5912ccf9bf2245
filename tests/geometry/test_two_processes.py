"""Meshing in two processes (:mod:`geometry.parallel`): the halves smooth like the whole surface, join into one
closed surface, measure their deviation exactly, stop on cancel and fall back when the child fails; the second
process is never forked from this one.

The size limit for two processes is lowered so that the ellipsoidal-shell phantom (about 70 k triangles) uses them.
"""

from __future__ import annotations

import functools
import multiprocessing
import operator
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from conftest import MIDPOINT, Phantom
from scipy.spatial import cKDTree
from vtkmodules.vtkCommonCore import vtkSMPTools

import geometry.parallel as parallel
from base.progress import Cancelled, CancelToken
from geometry.mesh import (
    VOLUME_SMOOTHING,
    MeshResult,
    at_file_precision,
    isosurface,
    mesh_from_volume,
    reduce,
    smooth,
    volume_digest,
)
from geometry.metrics import surface_deviation, topology

KEEP = 0.2


@pytest.fixture(params=["STDThread", "Sequential"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """VTK's SMP backend for the test (restored after it): threads smooth the whole surface, else the halves do."""
    before = str(vtkSMPTools.GetBackend())
    monkeypatch.setattr(parallel, "VTK_THREADS", request.param == "STDThread")
    vtkSMPTools.SetBackend(request.param)
    yield request.param
    vtkSMPTools.SetBackend(before)


@pytest.fixture
def two_processes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Lower the size limit and record whether each meshing joined two halves (True) or fell back (False)."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_TRIANGLES", 1000)
    joined: list[bool] = []
    original = parallel.smooth_reduce_in_halves

    def recording(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        joined.append(result is not None)
        return result

    monkeypatch.setattr(parallel, "smooth_reduce_in_halves", recording)
    return joined


@pytest.fixture(scope="module")
def one_process(shell: Phantom) -> MeshResult:
    """The shell meshed in this process only (below the default size limit for two processes)."""
    assert not parallel.can_split(70_000)
    return mesh_from_volume(shell.volume, MIDPOINT, reduction=KEEP)


def _lattice(phantom: Phantom) -> tuple[Any, Any, Any]:
    volume = phantom.volume
    return (np.asarray(volume.spacing), np.asarray(volume.origin), np.asarray(volume.direction_matrix))


def test_the_second_process_is_never_forked_from_this_one() -> None:
    context = parallel._context()
    assert context is not None
    assert context.get_start_method() == "forkserver"


def test_each_half_smooths_its_cut_like_the_whole_surface(shell: Phantom) -> None:
    reference = isosurface(shell.volume, MIDPOINT)
    split = parallel.plan_split(reference)
    assert split is not None
    whole = smooth(reference, 20).vertices[split.cut]
    moved = float(np.abs(whole - reference.vertices[split.cut]).max())
    assert moved > 1e-3  # smoothing does move the cut's vertices, so equal positions mean something
    arrays = {
        "vertices": reference.vertices,
        "reference": reference.vertices,
        "faces": reference.faces,
        "first": split.first,
        "low": split.low,
        "high": split.high,
        "cut": split.cut,
    }
    target = round(KEEP * reference.n_triangles)
    halves = [
        parallel.smooth_reduce_half(
            arrays,
            parallel.HalfJob(second, 20, target, split.axis, split.plane, split.reach, split.frame, _lattice(shell)),
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
    shell: Phantom, backend: str, two_processes: list[bool], one_process: MeshResult
) -> None:
    result = mesh_from_volume(shell.volume, MIDPOINT, reduction=KEEP)
    assert two_processes == [True]
    assert str(vtkSMPTools.GetBackend()) == backend
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


def test_vtk_threads_give_the_same_surfaces() -> None:
    # Flying edges and windowed sinc make the same surface on VTK's threads as on one core, up to the float32
    # rounding of flying edges' positions (measured: 1.5e-5 mm at most on the sample head CT) and the order of the
    # vertices, so the backend changes the time, not the mesh.
    from imaging.sample_case import make_head_ct  # noqa: PLC0415

    volume = make_head_ct()
    before = str(vtkSMPTools.GetBackend())
    try:
        meshes = []
        for name in ("Sequential", "STDThread"):
            vtkSMPTools.SetBackend(name)
            reference = isosurface(volume, 300.0)
            meshes.append((reference, smooth(reference, VOLUME_SMOOTHING)))
    finally:
        vtkSMPTools.SetBackend(before)
    (one_core, one_core_smoothed), (threads, threads_smoothed) = meshes
    assert (threads.n_vertices, threads.n_triangles) == (one_core.n_vertices, one_core.n_triangles)
    distance, nearest = cKDTree(one_core.vertices).query(threads.vertices)
    assert float(distance.max()) < 1e-4
    assert len(np.unique(nearest)) == one_core.n_vertices
    mapped = np.sort(nearest[threads.faces], axis=1)
    assert np.array_equal(np.unique(mapped, axis=0), np.unique(np.sort(one_core.faces, axis=1), axis=0))
    assert topology(threads.faces, threads.n_vertices) == topology(one_core.faces, one_core.n_vertices)
    moved = np.linalg.norm(threads_smoothed.vertices - one_core_smoothed.vertices[nearest], axis=1)
    assert float(moved.max()) < 1e-4


def test_a_failing_child_falls_back_to_one_process(
    shell: Phantom, two_processes: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The child's work fails there (operator.truediv of a shared-memory handle and a job: a TypeError in the child).
    monkeypatch.setattr(parallel, "_half_in_child", operator.truediv)
    result = mesh_from_volume(shell.volume, MIDPOINT, reduction=KEEP)
    assert two_processes == [False]
    assert multiprocessing.active_children() == []
    # What one process makes: the whole surface smoothed, then reduced (the reduction alone may still use halves).
    expected = at_file_precision(reduce(smooth(isosurface(shell.volume, MIDPOINT), VOLUME_SMOOTHING), KEEP))
    np.testing.assert_array_equal(result.mesh.vertices, expected.vertices)
    np.testing.assert_array_equal(result.mesh.faces, expected.faces)
    assert (result.metrics.watertight, result.metrics.manifold) == (True, True)


def test_at_once_returns_none_when_the_child_fails_dies_or_cannot_start() -> None:
    assert parallel.at_once(lambda: 1, functools.partial(operator.add, 2, 3)) == (1, 5)
    assert parallel.at_once(lambda: 1, functools.partial(operator.truediv, 1, 0)) is None  # raises in the child
    assert parallel.at_once(lambda: 1, functools.partial(os._exit, 3)) is None  # dies without an answer
    assert parallel.at_once(lambda: 1, lambda: 2) is None  # cannot be sent to another process
    assert multiprocessing.active_children() == []


def test_two_processes_while_this_process_runs_threads_and_cannot_fork(
    shell: Phantom, two_processes: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork() -> int:
        raise AssertionError("os.fork was called")

    monkeypatch.setattr(os, "fork", no_fork)
    result = mesh_from_volume(shell.volume, MIDPOINT, reduction=KEEP)
    assert two_processes == [True]
    assert (result.metrics.watertight, result.metrics.manifold) == (True, True)


@pytest.mark.parametrize("split", [True, False])
def test_the_mesh_names_its_voxels_digest(shell: Phantom, monkeypatch: pytest.MonkeyPatch, split: bool) -> None:
    # Without a file hash the result names the voxels' digest, hashed on a thread beside the reduction in one process
    # or after the two processes: the same digest either way.
    monkeypatch.setattr(parallel, "PARALLEL_MIN_TRIANGLES", 1000 if split else 1 << 62)
    result = mesh_from_volume(shell.volume, MIDPOINT, reduction=0.5)
    assert result.input_sha256 == volume_digest(shell.volume)
    assert len(result.input_sha256) == 64


def test_cancel_stops_both_processes(shell: Phantom, two_processes: list[bool]) -> None:
    token = CancelToken()

    def cancel_when_split(_fraction: float, message: str) -> None:
        if "two processes" in message:
            token.cancel()

    with pytest.raises(Cancelled):
        mesh_from_volume(shell.volume, MIDPOINT, reduction=KEEP, progress=cancel_when_split, cancel=token)
    assert multiprocessing.active_children() == []


def test_the_server_starts_early_only_for_a_large_volume() -> None:
    from geometry import second_process  # noqa: PLC0415

    assert second_process.warm_up_for(None) is False
    assert second_process.warm_up_for(second_process.WARM_UP_MIN_VOXELS - 1) is False
    assert second_process.warm_up_for(second_process.WARM_UP_MIN_VOXELS) is second_process.two_cores()
