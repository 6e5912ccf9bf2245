"""Benchmark: ``dvw segment`` + ``dvw mesh`` as two whole processes, against the plain VTK chain as one process.

What a user or a script waits for: the skull-sized 300 x 512 x 512 int16 CT of ``benchmarks/mesh.py`` (0.5 x 0.5 x
0.625 mm, a 6 mm ellipsoidal bone shell), written once as a compressed ``.nrrd`` under the system temp folder, then:

- DVW: ``dvw segment CT.nrrd --threshold 300 --keep-largest 1 --out MASK.nrrd`` then ``dvw mesh MASK.nrrd --smooth
  20 --reduce 0.1 --out BONE.stl``: reading the volume, thresholding and labelling the components, writing the mask
  with its provenance, reading it, isosurface, smoothing, reduction, the checks and the metrics of the file as
  written, and the STL;
- the peer: one Python process running the plain VTK chain on the same file (``vtkNrrdReader``, ``vtkFlyingEdges3D``
  at 300 HU on the volume, ``vtkWindowedSincPolyDataFilter`` 20 iterations at pass band 0.01 with normalized
  coordinates, ``vtkQuadricDecimation`` to 10 %, ``vtkSTLWriter``): no component selection, no checks, no
  provenance.

Every contender runs once to warm up (page cache, bytecode cache), then ``--repeat`` times, taking turns; the table
shows the median wall time and the ratio. With ``--busy`` a second job keeps the other core busy (a Python loop)
while the contenders run, as on a shared workstation. The load average before and after is printed: the numbers
mean something only on an otherwise idle machine.

Run: ``uv run python benchmarks/segment_mesh_process.py [--repeat N] [--busy] [--workdir DIR]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

VTK_SCRIPT = """
import sys
from vtkmodules.vtkIOImage import vtkNrrdReader
from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D, vtkWindowedSincPolyDataFilter, vtkQuadricDecimation
from vtkmodules.vtkIOGeometry import vtkSTLWriter
reader = vtkNrrdReader(); reader.SetFileName(sys.argv[1])
iso = vtkFlyingEdges3D(); iso.SetInputConnection(reader.GetOutputPort()); iso.SetValue(0, 300.0)
smooth = vtkWindowedSincPolyDataFilter(); smooth.SetInputConnection(iso.GetOutputPort())
smooth.SetNumberOfIterations(20); smooth.SetPassBand(0.01); smooth.NormalizeCoordinatesOn()
reduce = vtkQuadricDecimation(); reduce.SetInputConnection(smooth.GetOutputPort()); reduce.SetTargetReduction(0.9)
writer = vtkSTLWriter(); writer.SetInputConnection(reduce.GetOutputPort()); writer.SetFileName(sys.argv[2])
writer.SetFileTypeToBinary(); writer.Write()
"""
BUSY_SCRIPT = "while True: pass\n"


def _ensure_volume(workdir: Path) -> Path:
    path = workdir / "skull-ct.nrrd"
    if not path.exists():
        import importlib.util  # noqa: PLC0415

        from imaging.volume import Volume, write_volume  # noqa: PLC0415

        spec = importlib.util.spec_from_file_location("dvw_bench_mesh", Path(__file__).with_name("mesh.py"))
        assert spec is not None
        assert spec.loader is not None
        mesh_bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mesh_bench)
        volume = Volume(mesh_bench.skull_voxels(), mesh_bench.SPACING, (0.0, 0.0, 0.0), (1, 0, 0, 0, 1, 0, 0, 0, 1))
        write_volume(volume, path)
    return path


def _env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    env["DVW_HOME"] = str(workdir / "home")
    return env


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``argv`` to its end: its wall seconds and its CPU seconds (user + sys, with its own child processes)."""
    cpu, start = _cpu_of_children(), time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds, cpu = time.perf_counter() - start, _cpu_of_children() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return seconds, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "dvw-bench-segment-mesh"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--busy", action="store_true", help="keep the other core busy while timing")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    volume = _ensure_volume(workdir)
    env = _env(workdir)
    dvw = [sys.executable, "-m", "app.cli"]
    mask, bone, peer_out = workdir / "mask.nrrd", workdir / "bone.stl", workdir / "vtk.stl"
    segment = [*dvw, "segment", str(volume), "--threshold", "300", "--keep-largest", "1", "--out", str(mask), "--force"]
    mesh = [*dvw, "mesh", str(mask), "--smooth", "20", "--reduce", "0.1", "--out", str(bone), "--force"]
    peer = [sys.executable, "-c", VTK_SCRIPT, str(volume), str(peer_out)]

    busy = subprocess.Popen([sys.executable, "-c", BUSY_SCRIPT]) if args.busy else None
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {"segment": [], "mesh": [], "dvw": [], "vtk": []}
    cpu: dict[str, list[float]] = {"segment": [], "mesh": [], "dvw": [], "vtk": []}
    try:
        for run in range(args.repeat + 1):
            (seg, seg_cpu), (msh, msh_cpu) = _run(segment, env), _run(mesh, env)
            vtk, vtk_cpu = _run(peer, env)
            if run == 0:
                continue  # the warm-up
            for name, wall, used in (
                ("segment", seg, seg_cpu),
                ("mesh", msh, msh_cpu),
                ("dvw", seg + msh, seg_cpu + msh_cpu),
                ("vtk", vtk, vtk_cpu),
            ):
                times[name].append(wall)
                cpu[name].append(used)
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
    load_after = os.getloadavg()
    median = {name: statistics.median(values) for name, values in times.items()}
    median_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    print(
        f"load average (1, 5, 15 min) before: {' '.join(f'{v:.2f}' for v in load_before)}, "
        f"after: {' '.join(f'{v:.2f}' for v in load_after)}{'; the other core kept busy' if busy else ''}"
    )
    print(f"volume: {volume} (300 x 512 x 512 int16), median of {args.repeat} after a warm-up\n")
    print("wall: elapsed seconds; cpu: user + sys seconds of the process and its children (less noisy when shared)")
    print(
        f"{'contender':44} {'segment s':>10} {'mesh s':>8} {'total s':>8} {'min-max':>13} {'ratio':>6}"
        f" {'cpu seg':>8} {'cpu mesh':>8} {'cpu total':>9} {'cpu ratio':>9}"
    )
    print("-" * 133)
    spread = f"{min(times['dvw']):.2f}-{max(times['dvw']):.2f}"
    print(
        f"{'dvw segment + dvw mesh (two processes)':44} {median['segment']:10.2f} {median['mesh']:8.2f} "
        f"{median['dvw']:8.2f} {spread:>13} {median['dvw'] / median['vtk']:6.2f}"
        f" {median_cpu['segment']:8.2f} {median_cpu['mesh']:8.2f} {median_cpu['dvw']:9.2f}"
        f" {median_cpu['dvw'] / median_cpu['vtk']:9.2f}"
    )
    spread = f"{min(times['vtk']):.2f}-{max(times['vtk']):.2f}"
    print(
        f"{'plain VTK chain (one process, no checks)':44} {'':>10} {'':>8} {median['vtk']:8.2f} {spread:>13} {1.0:6.2f}"
        f" {'':>8} {'':>8} {median_cpu['vtk']:9.2f} {1.0:9.2f}"
    )
    print("\nGoal (issue 25): DVW under 6 s as whole processes on a quiet 2-core machine.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
