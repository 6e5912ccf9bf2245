"""Benchmark: DVW segment + mesh + smooth + reduce against the plain VTK chain and scikit-image + trimesh, in one run.

The volume: a synthetic 300 x 512 x 512 int16 CT (0.5 x 0.5 x 0.625 mm) with a skull-sized ellipsoidal bone shell
(6 mm wall, 1 mm partial-volume ramps), meshed at 300 HU and reduced to 300k triangles. It is generated once and
saved as ``.npy`` under the system temp folder; each contender runs in a fresh subprocess that loads it.

Contenders (timed from the loaded volume to the final mesh; the libraries each contender uses are imported
before the timed part, including ``scipy.ndimage``, which ``imaging.segment`` imports on first use):

- DVW: ``imaging.segment.segment`` (300 HU, largest component), then ``geometry.mesh.mesh_from_volume``: gray-level
  flying edges (coincident vertices at voxels equal to the level merged) and windowed sinc 20 iterations at pass
  band 0.01, both on VTK's threads (DVW selects the ``STDThread`` SMP backend), then quadric reduction to 300k
  triangles (``fast_simplification``) of the two halves of the surface at once in two processes (the second one
  forked from a fork server started when meshing starts, with the surfaces in shared memory), with the halves'
  exact distances from the unsmoothed isosurface, the joined mesh's watertight/manifold check, the orientation
  check and the other metrics; also the SHA-256 of the voxels that the result names (in the total, in no column).
  In two processes the ``reduce`` column holds the rest until the halves are joined (including measuring the
  halves' vertices). The mesh is the gray-level isosurface of the volume (what ``dvw mesh VOLUME --threshold``
  makes); on this phantom the largest component is the whole shell, so the segmentation only adds its time.
  With ``--variants`` DVW also runs with VTK's ``Sequential`` backend and/or without the second process (see
  ``VARIANTS``): the pieces that run on two cores, timed against VTK's own threads on the same filters;
- plain VTK: ``vtkFlyingEdges3D`` at 300 HU, ``vtkWindowedSincPolyDataFilter`` (20 iterations, pass band 0.01,
  normalized coordinates), ``vtkQuadricDecimation`` (default settings) to 300k triangles; no checks;
- scikit-image + trimesh: ``skimage.measure.marching_cubes`` (Lewiner) at 300 HU, ``trimesh.smoothing.filter_taubin``
  (20 iterations, the non-shrinking smoother trimesh has), ``Trimesh.simplify_quadric_decimation`` (which runs
  ``fast_simplification``) to 300k triangles; no checks.

Measured outside the timed part, the same way for every contender: topology (``geometry.metrics.topology`` on the
mesh as returned), the maximum distance of the vertices from the unsmoothed, unreduced gray-level isosurface
(``geometry.metrics.surface_deviation``; DVW's flying-edges isosurface is the reference for all three) and from the
analytic iso-surfaces of the phantom, and the peak memory: the process's peak resident set size
(``resource.getrusage``) minus its resident size just before the timed part (after imports and loading the volume).

Goal (issue 4): the whole DVW chain in < 5 s on 2 cores and faster than the plain VTK chain, with equal or better
deviation. Columns: ``checks`` is DVW's orientation check and metrics (the repair of the reduced mesh and its
topology check are inside ``reduce``); DVW's ``total`` also holds the result's input hash and any time not in a
column.

Run: ``uv run python benchmarks/mesh.py [--variants] [--runs N] [--only dvw,vtk] [--workdir DIR]``. The table
shows the load average before and after: the numbers mean something only on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SHAPE = (300, 512, 512)
SPACING = (0.5, 0.5, 0.625)  # x, y, z mm
AXES = (90.0, 110.0, 85.0)  # outer semi-axes (mm) of the shell
DEPTH_SCALE = 88.0  # mm of "depth" per unit of normalized ellipsoid radius
THRESHOLD = 300.0
TARGET = 300_000
SOFT, BONE, AIR = 40.0, 1500.0, -1000.0
OFF = 1 << 62  # a size limit no volume or mesh reaches
#: DVW variants, each run in its own fresh process: title, VTK SMP backend (None: as DVW ships, which picks
#: ``STDThread`` itself unless ``VTK_SMP_BACKEND_IN_USE`` names one) and settings of ``geometry.parallel``.
VARIANTS: dict[str, tuple[str, str | None, dict[str, Any]]] = {
    "dvw": ("DVW as shipped", None, {}),
    "dvw-seq-1": ("DVW Seq, 1 process", "Sequential", {"PARALLEL_MIN_TRIANGLES": OFF, "WARM_UP_MIN_VOXELS": OFF}),
    "dvw-seq-2": ("DVW Seq, 2 processes", "Sequential", {}),
    "dvw-thr-1": ("DVW STDThread, 1 process", "STDThread", {"PARALLEL_MIN_TRIANGLES": OFF, "WARM_UP_MIN_VOXELS": OFF}),
    "dvw-thr-2": ("DVW STDThread, 2 processes", "STDThread", {}),
}
OTHERS = ("vtk", "skimage")
TITLES = {
    **{kind: title for kind, (title, _, _) in VARIANTS.items()},
    "vtk": "plain VTK (STDThread)",
    "skimage": "scikit-image + trimesh",
}


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fp:
        return int(fp.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _centre() -> npt.NDArray[np.float64]:
    nz, ny, nx = SHAPE
    return np.asarray([nx * SPACING[0] / 2, ny * SPACING[1] / 2, nz * SPACING[2] / 2])


def skull_voxels() -> npt.NDArray[np.int16]:
    """int16 CT [z, y, x]: air, soft tissue, a 6 mm ellipsoidal bone shell at 1500 HU with 1 mm ramps."""
    nz, ny, nx = SHAPE
    axes = np.asarray(AXES, dtype=np.float32)
    centre = _centre().astype(np.float32)
    voxels = np.empty(SHAPE, dtype=np.int16)
    x = (np.arange(nx, dtype=np.float32) * SPACING[0] - centre[0]) / axes[0]
    y = (np.arange(ny, dtype=np.float32) * SPACING[1] - centre[1]) / axes[1]
    for start in range(0, nz, 16):
        z = (np.arange(start, min(nz, start + 16), dtype=np.float32) * SPACING[2] - centre[2]) / axes[2]
        radial = np.sqrt(z[:, None, None] ** 2 + y[None, :, None] ** 2 + x[None, None, :] ** 2)
        depth = (np.float32(1.0) - radial) * np.float32(DEPTH_SCALE)
        bone = np.clip(depth + 0.5, 0, 1) * np.clip(6.5 - depth, 0, 1)
        soft = np.clip(depth + 4.5, 0, 1)
        hu = AIR + soft * (SOFT - AIR) + bone * (BONE - SOFT)
        voxels[start : start + len(z)] = np.rint(hu).astype(np.int16)
    return voxels


def analytic_distance(vertices: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Distance (mm, first order) of LPS points from the phantom's two analytic iso-surfaces at ``THRESHOLD``.

    Inside the ramps the HU is linear in depth, so the iso-surfaces are the level sets ``F = |q| = c`` of the
    normalized ellipsoid radius, with ``c`` from the ramp; the distance is ``|F - c| / |grad F|``.
    """
    fraction = (THRESHOLD - SOFT) / (BONE - SOFT)
    levels = (1.0 - (fraction - 0.5) / DEPTH_SCALE, 1.0 - (6.5 - fraction) / DEPTH_SCALE)
    a = np.asarray(AXES)
    q = (vertices - _centre()) / a
    f = np.maximum(np.linalg.norm(q, axis=1), 1e-9)
    gradient = np.linalg.norm((q / a) / f[:, None], axis=1)
    return np.asarray(np.minimum(*(np.abs(f - c) / gradient for c in levels)))


def _volume(path: Path) -> Any:
    from imaging.volume import Volume  # noqa: PLC0415

    voxels = np.load(path)
    return Volume(voxels, SPACING, (0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0))


def _run_dvw(volume: Any) -> tuple[Any, dict[str, float]]:
    from geometry.mesh import mesh_from_volume  # noqa: PLC0415
    from imaging.segment import SegmentParams, segment  # noqa: PLC0415

    start = time.perf_counter()
    segment(volume, SegmentParams(lower_hu=THRESHOLD, keep_largest=1))
    seconds = {"segment": time.perf_counter() - start}
    result = mesh_from_volume(volume, THRESHOLD, target_triangles=TARGET)
    stages = dict(result.stage_seconds)
    seconds.update(
        isosurface=stages["isosurface"],
        smoothing=stages["smoothing"],
        reduction=stages["reduction"],
        checks=stages["repair"] + stages["metrics"],
    )
    return result.mesh, seconds


def _run_vtk(volume: Any) -> tuple[Any, dict[str, float]]:
    from vtkmodules.util.numpy_support import numpy_to_vtk  # noqa: PLC0415
    from vtkmodules.vtkCommonDataModel import vtkImageData  # noqa: PLC0415
    from vtkmodules.vtkFiltersCore import (  # noqa: PLC0415
        vtkFlyingEdges3D,
        vtkQuadricDecimation,
        vtkWindowedSincPolyDataFilter,
    )

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    nz, ny, nx = volume.voxels.shape
    image = vtkImageData()
    image.SetDimensions(nx, ny, nz)
    image.SetSpacing(*volume.spacing)
    image.SetOrigin(*volume.origin)
    image.GetPointData().SetScalars(numpy_to_vtk(volume.voxels.reshape(-1), deep=False))
    flying = vtkFlyingEdges3D()
    flying.SetInputData(image)
    flying.SetValue(0, THRESHOLD)
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
    sinc.Update()
    seconds["smoothing"] = time.perf_counter() - start
    start = time.perf_counter()
    smoothed = sinc.GetOutput()
    quadric = vtkQuadricDecimation()
    quadric.SetInputData(smoothed)
    quadric.SetTargetReduction(1.0 - TARGET / smoothed.GetNumberOfPolys())
    quadric.Update()
    seconds["reduction"] = time.perf_counter() - start
    return quadric.GetOutput(), seconds


def _run_skimage(volume: Any) -> tuple[Any, dict[str, float]]:
    import trimesh  # noqa: PLC0415
    from skimage.measure import marching_cubes  # noqa: PLC0415

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    sx, sy, sz = volume.spacing
    vertices, faces, _normals, _values = marching_cubes(volume.voxels, THRESHOLD, spacing=(sz, sy, sx))
    mesh = trimesh.Trimesh(vertices=vertices[:, ::-1] + np.asarray(volume.origin), faces=faces, process=False)
    seconds["isosurface"] = time.perf_counter() - start
    start = time.perf_counter()
    trimesh.smoothing.filter_taubin(mesh, iterations=20)
    seconds["smoothing"] = time.perf_counter() - start
    start = time.perf_counter()
    reduced = mesh.simplify_quadric_decimation(face_count=TARGET)
    seconds["reduction"] = time.perf_counter() - start
    return reduced, seconds


def _worker(kind: str, path: Path) -> dict[str, Any]:
    """Run one contender in this (fresh) process; return its times, memory, topology and accuracy."""
    from vtkmodules.vtkCommonCore import vtkSMPTools  # noqa: PLC0415

    import geometry.parallel  # noqa: PLC0415
    import geometry.second_process  # noqa: PLC0415
    from geometry.mesh import Mesh, isosurface  # noqa: PLC0415
    from geometry.metrics import surface_deviation, topology, volume_and_area  # noqa: PLC0415

    if kind in VARIANTS:
        for name, value in VARIANTS[kind][2].items():
            owner = geometry.second_process if name == "WARM_UP_MIN_VOXELS" else geometry.parallel
            setattr(owner, name, value)

    if kind == "skimage":
        import skimage.measure  # noqa: F401, PLC0415 - imported before the baseline, like VTK for the others
        import trimesh  # noqa: F401, PLC0415
    if kind in VARIANTS:
        import cc3d  # noqa: F401, PLC0415 - labels the components
        import scipy.ndimage  # noqa: F401, PLC0415 - imaging.segment imports it on first use (0.2-0.7 s)

        import imaging.segment  # noqa: F401, PLC0415
    volume = _volume(path)
    baseline = _rss_bytes()
    cpu_start = time.process_time()
    start = time.perf_counter()
    runner = _run_dvw if kind in VARIANTS else {"vtk": _run_vtk, "skimage": _run_skimage}[kind]
    output, seconds = runner(volume)
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak = _peak_rss_bytes() - baseline
    backend = str(vtkSMPTools.GetBackend())

    if kind == "vtk":
        mesh = Mesh.from_polydata(output)
    elif kind == "skimage":
        mesh = Mesh.from_trimesh(output)
    else:
        mesh = output
    watertight, manifold, shells = topology(mesh.faces, mesh.n_vertices)
    reference = isosurface(volume, THRESHOLD)
    deviation = surface_deviation(mesh, reference, lattice=volume)  # reference: an isosurface of volume
    ref_volume, _ = volume_and_area(reference.vertices, reference.faces)
    mesh_volume, _ = volume_and_area(mesh.vertices, mesh.faces)
    return {
        "seconds": seconds,
        "total": total,
        "cpu": cpu,
        "peak_bytes": peak,
        "backend": backend,
        "triangles": mesh.n_triangles,
        "watertight": watertight,
        "manifold": manifold,
        "shells": shells,
        "deviation_max_mm": deviation.max_mm,
        "deviation_mean_mm": deviation.mean_mm,
        "analytic_max_mm": float(analytic_distance(mesh.vertices).max()),
        "volume_change_percent": 100 * (abs(mesh_volume) / abs(ref_volume) - 1),
        "reference_triangles": reference.n_triangles,
    }


def _backend(kind: str) -> str | None:
    """The VTK SMP backend a contender is started with: a variant's own, none for DVW as shipped (it picks its own
    unless ``VTK_SMP_BACKEND_IN_USE`` is set), the plain VTK chain at its fastest (``STDThread``)."""
    if kind in VARIANTS:
        return VARIANTS[kind][1] or os.environ.get("VTK_SMP_BACKEND_IN_USE")
    return "STDThread"


def _measure(kind: str, path: Path) -> dict[str, Any]:
    env = {key: value for key, value in os.environ.items() if key != "VTK_SMP_BACKEND_IN_USE"}
    backend = _backend(kind)
    if backend:
        env["VTK_SMP_BACKEND_IN_USE"] = backend
    done = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**env, "PYTHONPATH": str(REPO)},
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _row(title: str, row: dict[str, Any], goal: str) -> str:
    s = row["seconds"]

    def cell(name: str) -> str:
        return f"{s[name]:.2f}" if name in s else "-"

    spread = f"{row['total_min']:.2f}-{row['total_max']:.2f}" if row["runs"] > 1 else "-"
    return (
        f"{title:<26} {row['backend']:<10} {cell('segment'):>7} {cell('isosurface'):>6} {cell('smoothing'):>6} "
        f"{cell('reduction'):>6} {cell('checks'):>6} {row['total']:7.2f} {spread:>11} {row['triangles']:9d} "
        f"{'yes' if row['watertight'] else 'NO':>6} {'yes' if row['manifold'] else 'NO':>5} {row['shells']:6d} "
        f"{row['deviation_max_mm']:7.4f} {row['analytic_max_mm']:7.4f} {row['volume_change_percent']:+7.3f} "
        f"{row['peak_bytes'] / 2**20:7.0f} {row['cpu']:6.2f}  {goal}"
    )


def _repeated(kind: str, path: Path, runs: int) -> dict[str, Any]:
    """The run with the median total of ``runs`` fresh runs, with the fastest and slowest totals."""
    results = sorted((_measure(kind, path) for _ in range(runs)), key=lambda result: float(result["total"]))
    chosen = results[len(results) // 2]
    return {**chosen, "runs": runs, "total_min": results[0]["total"], "total_max": results[-1]["total"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "dvw-bench-mesh"))
    parser.add_argument("--variants", action="store_true", help="also run DVW's variants (VTK backend, processes)")
    parser.add_argument("--runs", type=int, default=1, help="fresh runs per contender (the median is shown)")
    parser.add_argument("--only", default="", help="comma-separated contenders to run (e.g. dvw,vtk)")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "VOLUME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.stdout.write(json.dumps(_worker(args.worker[0], Path(args.worker[1]))) + "\n")
        return 0
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"skull-{SHAPE[0]}x{SHAPE[1]}x{SHAPE[2]}.npy"
    if not path.exists():
        np.save(path, skull_voxels())
    volume_mb = np.prod(SHAPE) * 2 / 2**20
    kinds = [*(VARIANTS if args.variants else ["dvw"]), *OTHERS]
    if args.only:
        kinds = [kind for kind in args.only.split(",") if kind in TITLES]
    load_before = os.getloadavg()
    rows = {kind: _repeated(kind, path, max(1, args.runs)) for kind in kinds}
    load_after = os.getloadavg()

    dvw, vtk = rows.get("dvw"), rows.get("vtk")
    goals: tuple[tuple[str, bool], ...] = ()
    if dvw is not None:
        goals = (("< 5 s", dvw["total"] < 5.0),)
        if vtk is not None:
            goals += (
                ("< VTK", dvw["total"] < vtk["total"]),
                ("dev <= VTK", dvw["deviation_max_mm"] <= vtk["deviation_max_mm"]),
                ("ana <= VTK", dvw["analytic_max_mm"] <= vtk["analytic_max_mm"]),
            )
    any_row = next(iter(rows.values()))
    sys.stdout.write(
        f"\nDVW mesh benchmark: {SHAPE[0]}x{SHAPE[1]}x{SHAPE[2]} int16 CT ({volume_mb:.0f} MB), {THRESHOLD:g} HU, "
        f"reduced to {TARGET:,} triangles; fresh process per run, {os.cpu_count()} cores, "
        f"{args.runs} run(s) per contender (median shown)\n"
        f"load average (1, 5, 15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}\n"
        f"unreduced isosurface: {any_row['reference_triangles']:,} triangles\n\n"
    )
    header = (
        f"{'contender':<26} {'VTK SMP':<10} {'segment':>7} {'iso':>6} {'smooth':>6} {'reduce':>6} {'checks':>6} "
        f"{'total s':>7} {'min-max':>11} {'triangles':>9} {'closed':>6} {'manif':>5} {'shells':>6} {'dev iso':>7} "
        f"{'dev ana':>7} {'vol %':>7} {'peak MB':>7} {'cpu s':>6}  goal"
    )
    lines = [header, "-" * len(header)]
    for kind, row in rows.items():
        goal = ", ".join(f"{name}: {'yes' if met else 'NO'}" for name, met in goals) if kind == "dvw" else ""
        lines.append(_row(TITLES[kind], row, goal))
    lines.append(
        "\ndev iso: max distance (mm) of the vertices from the unsmoothed, unreduced gray-level isosurface; dev ana: "
        "from the analytic iso-surfaces;\nvol %: enclosed volume against that isosurface; peak MB: peak RSS of the "
        "contender's own process above its RSS after loading the volume\n(DVW's second process, started from the "
        "fork server, is not counted: it maps the surfaces from shared memory and holds one half's work);\n"
        "checks: DVW's repair and metrics; Seq: VTK's Sequential backend (one core per filter); cpu s: CPU time of "
        "the contender's own process\n(all its threads) in the timed part; min-max: the fastest and slowest total "
        "of the runs."
    )
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
