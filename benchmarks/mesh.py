"""Benchmark: DVW meshing (isosurface, smoothing, reduction, metrics) against the plain VTK chain, in one run.

Cases:
- the sample head CT (``imaging.sample_case.make_head_ct()``), bone isosurface at 300 HU;
- a synthetic 300 x 512 x 512 CT (0.5 x 0.5 x 0.625 mm) with a skull-sized ellipsoidal bone shell (6 mm wall,
  partial-volume edges), reduced to 300k triangles.

Contenders:
- DVW: gray-level flying edges at the threshold, windowed sinc (20 iterations, pass band 0.01), quadric
  decimation with volume preservation, repair, metrics (including the deviation from the unsmoothed isosurface);
- the plain VTK chain as 3D Slicer's segmentation "closed surface" conversion and InVesalius build it: threshold to
  a binary labelmap, ``vtkDiscreteFlyingEdges3D``, ``vtkWindowedSincPolyDataFilter`` (20 iterations, pass band
  0.01, i.e. Slicer's smoothing factor 0.5), ``vtkDecimatePro`` (preserve topology).

Accuracy is compared on an analytic sphere phantom (r = 20 mm, 0.5 x 0.5 x 1.25 mm voxels, 4x supersampled
partial volume): volume and area error against the analytic values and maximum vertex distance from the sphere.
scikit-image is not a DVW dependency, so its marching cubes is not run here.

``VTK_SMP_BACKEND_IN_USE=STDThread`` is set before VTK is imported. Peak memory is the process's peak resident set
size (it includes the synthetic volume itself).

Run: ``uv run python benchmarks/mesh.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("VTK_SMP_BACKEND_IN_USE", "STDThread")

import math
import resource
import time
from typing import Any

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkFiltersCore import vtkDecimatePro, vtkWindowedSincPolyDataFilter
from vtkmodules.vtkFiltersGeneral import vtkDiscreteFlyingEdges3D

from geometry.mesh import Mesh, MeshResult, mesh_from_volume, repair
from geometry.metrics import mesh_metrics
from imaging.sample_case import make_head_ct
from imaging.volume import Volume

IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def sphere_phantom(radius: float = 20.0, spacing: tuple[float, float, float] = (0.5, 0.5, 1.25)) -> Volume:
    sp = np.asarray(spacing)
    size = np.ceil(2 * (radius + 3) / sp).astype(int) + 1
    nx, ny, nz = (int(v) for v in size)
    centre = (size - 1) / 2 * sp
    kk, jj, ii = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    points = np.stack([ii, jj, kk], axis=-1).reshape(-1, 3) * sp
    dist = np.linalg.norm(points - centre, axis=1)
    fraction = (dist <= radius).astype(np.float64)
    near = np.flatnonzero(np.abs(dist - radius) < 1.5)
    sub = (np.arange(4) + 0.5) / 4 - 0.5
    offsets = np.stack(np.meshgrid(sub, sub, sub, indexing="ij"), axis=-1).reshape(-1, 3) * sp
    samples = points[near][:, None, :] + offsets[None]
    fraction[near] = (np.linalg.norm(samples - centre, axis=2) <= radius).mean(axis=1)
    voxels = np.rint(-1000 + 2000 * fraction).astype(np.int16).reshape(nz, ny, nx)
    return Volume(voxels, spacing, (float(-centre[0]), float(-centre[1]), float(-centre[2])), IDENTITY)


def skull_volume(shape: tuple[int, int, int] = (300, 512, 512)) -> Volume:
    """int16 CT: air -1000, soft tissue 40, a 6 mm ellipsoidal bone shell at 1500 HU with a 1 mm ramp."""
    nz, ny, nx = shape
    spacing = (0.5, 0.5, 0.625)
    axes = np.asarray([90.0, 110.0, 85.0], dtype=np.float32)
    centre = np.asarray([nx * spacing[0] / 2, ny * spacing[1] / 2, nz * spacing[2] / 2], dtype=np.float32)
    voxels = np.empty(shape, dtype=np.int16)
    x = (np.arange(nx, dtype=np.float32) * spacing[0] - centre[0]) / axes[0]
    y = (np.arange(ny, dtype=np.float32) * spacing[1] - centre[1]) / axes[1]
    for start in range(0, nz, 16):
        z = (np.arange(start, min(nz, start + 16), dtype=np.float32) * spacing[2] - centre[2]) / axes[2]
        radial = np.sqrt(z[:, None, None] ** 2 + y[None, :, None] ** 2 + x[None, None, :] ** 2)
        depth = (np.float32(1.0) - radial) * np.float32(88.0)  # approximate mm below the outer surface
        bone = np.clip(depth + 0.5, 0, 1) * np.clip(6.5 - depth, 0, 1)
        soft = np.clip(depth + 4.5, 0, 1)
        hu = -1000 + soft * 1040 + bone * (1500 - 40)
        voxels[start : start + len(z)] = np.rint(hu).astype(np.int16)
    return Volume(voxels, spacing, (0.0, 0.0, 0.0), IDENTITY)


def plain_vtk(
    volume: Volume, threshold: float, keep: float, target: int | None = None
) -> tuple[Mesh, dict[str, float]]:
    """Slicer/InVesalius-style chain on the thresholded labelmap; index space mapped with spacing and origin."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    labels = (volume.voxels >= threshold).astype(np.uint8)
    image = vtkImageData()
    nz, ny, nx = labels.shape
    image.SetDimensions(nx, ny, nz)
    image.SetSpacing(*volume.spacing)
    image.SetOrigin(*volume.origin)
    flat = labels.reshape(-1)
    image.GetPointData().SetScalars(numpy_to_vtk(flat, deep=False))
    flying = vtkDiscreteFlyingEdges3D()
    flying.SetInputData(image)
    flying.SetValue(0, 1)
    flying.ComputeNormalsOff()
    flying.ComputeGradientsOff()
    flying.ComputeScalarsOff()
    flying.Update()
    seconds["isosurface"] = time.perf_counter() - start
    start = time.perf_counter()
    sinc = vtkWindowedSincPolyDataFilter()
    sinc.SetInputConnection(flying.GetOutputPort())
    sinc.SetNumberOfIterations(20)
    sinc.SetPassBand(0.01)
    sinc.NormalizeCoordinatesOn()
    sinc.FeatureEdgeSmoothingOff()
    sinc.BoundarySmoothingOff()
    sinc.NonManifoldSmoothingOn()
    sinc.Update()
    seconds["smoothing"] = time.perf_counter() - start
    start = time.perf_counter()
    out: Any = sinc.GetOutput()
    if target is not None:
        keep = min(1.0, target / max(1, out.GetNumberOfPolys()))
    if keep < 1.0:
        decimate = vtkDecimatePro()
        decimate.SetInputData(out)
        decimate.SetTargetReduction(1.0 - keep)
        decimate.PreserveTopologyOn()
        decimate.Update()
        out = decimate.GetOutput()
    seconds["reduction"] = time.perf_counter() - start
    return Mesh.from_polydata(out), seconds


def accuracy(mesh: Mesh, radius: float) -> tuple[float, float, float, bool, bool]:
    metrics = mesh_metrics(repair(mesh))
    volume = 4 / 3 * math.pi * radius**3
    area = 4 * math.pi * radius**2
    dist = np.abs(np.linalg.norm(mesh.vertices, axis=1) - radius).max()
    return (
        100 * (metrics.volume_mm3 / volume - 1),
        100 * (metrics.area_mm2 / area - 1),
        float(dist),
        metrics.watertight,
        metrics.manifold,
    )


def dvw_row(name: str, result: MeshResult, total: float) -> str:
    s = dict(result.stage_seconds)
    dev = result.metrics.surface_deviation
    assert dev is not None
    return (
        f"{name:<34} {s['isosurface']:7.2f} {s['smoothing']:7.2f} {s['reduction']:7.2f} "
        f"{s['repair'] + s['metrics']:7.2f} {total:7.2f} {result.metrics.triangles:9d} "
        f"{result.metrics.watertight!s:>5} {result.metrics.manifold!s:>5} {dev.max_mm:7.3f}"
    )


def main() -> None:
    print(f"VTK_SMP_BACKEND_IN_USE={os.environ['VTK_SMP_BACKEND_IN_USE']}, cpus={os.cpu_count()}")
    header = (
        f"{'case / chain':<34} {'iso s':>7} {'smooth':>7} {'reduce':>7} {'metric':>7} {'total':>7} "
        f"{'triangles':>9} {'watertight':>5} {'manif':>5} {'dev max':>7}"
    )
    print(header)
    print("-" * len(header))

    head = make_head_ct()
    start = time.perf_counter()
    result = mesh_from_volume(head, 300.0, target_triangles=300_000)
    print(dvw_row(f"head CT {head.size} DVW", result, time.perf_counter() - start))
    start = time.perf_counter()
    mesh, s = plain_vtk(head, 300.0, 1.0, target=300_000)
    total = time.perf_counter() - start
    print(
        f"{'head CT plain VTK':<34} {s['isosurface']:7.2f} {s['smoothing']:7.2f} {s['reduction']:7.2f} "
        f"{'':7} {total:7.2f} {mesh.n_triangles:9d}"
    )
    del head

    skull = skull_volume()
    before = peak_mb()
    start = time.perf_counter()
    result = mesh_from_volume(skull, 300.0, target_triangles=300_000)
    dvw_total = time.perf_counter() - start
    full = result.metrics.triangles
    print(dvw_row(f"synthetic {skull.size} DVW", result, dvw_total))
    start = time.perf_counter()
    mesh, s = plain_vtk(skull, 300.0, 1.0, target=300_000)
    total = time.perf_counter() - start
    print(
        f"{'synthetic plain VTK':<34} {s['isosurface']:7.2f} {s['smoothing']:7.2f} {s['reduction']:7.2f} "
        f"{'':7} {total:7.2f} {mesh.n_triangles:9d}"
    )
    print(f"peak RSS {peak_mb():.0f} MB (volume {skull.voxels.nbytes / 2**20:.0f} MB; {before:.0f} MB before meshing)")
    del skull, full

    print()
    print("accuracy on the sphere phantom (r = 20 mm, 0.5 x 0.5 x 1.25 mm), reduced to 10 %:")
    print(f"{'chain':<34} {'volume %':>9} {'area %':>8} {'max dist mm':>11} {'watertight':>10} {'manifold':>8}")
    sphere = sphere_phantom()
    for name, mesh in (
        ("DVW gray level, 20 it, quadric", mesh_from_volume(sphere, 0.0, reduction=0.1).mesh),
        ("DVW gray level, unreduced", mesh_from_volume(sphere, 0.0).mesh),
        ("plain VTK (Slicer-style)", plain_vtk(sphere, 0.0, 0.1)[0]),
        ("plain VTK, unreduced", plain_vtk(sphere, 0.0, 1.0)[0]),
    ):
        dv, da, dist, watertight, manifold = accuracy(mesh, 20.0)
        print(f"{name:<34} {dv:+9.3f} {da:+8.3f} {dist:11.3f} {watertight!s:>10} {manifold!s:>8}")


if __name__ == "__main__":
    main()
