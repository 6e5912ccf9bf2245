"""Benchmark: DVW scan + import against SimpleITK's ImageSeriesReader on the same DICOM files, in one run.

Writes (once, cached under the system temp folder) a synthetic 300-slice 512x512 CT series and a 1,000-file
series, then runs each contender in a fresh subprocess, several times, and prints a table with the ratio.

Goals (issue: foundation and real-world DICOM import):
- scan of 1,000 files < 1 s;
- scan + import no slower than SimpleITK reading the same series as int16;
- DVW's peak memory during import < 1.5x the volume's size.

Peak memory is the process's peak resident set size minus its resident size just before the work (after imports),
read from the kernel, so it counts numpy, SimpleITK and file buffers alike.

Run: ``uv run python benchmarks/import.py [--repeat N] [--workdir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SLICES, SIZE, SPACING = 300, 512, 0.5


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fp:
        return int(fp.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _phantom_slab(z0: int, z1: int) -> np.ndarray:
    """A head-sized cylinder of soft tissue with a bone ring and seeded noise: realistic value spread."""
    yy, xx = np.mgrid[:SIZE, :SIZE].astype(np.float32)
    radius = np.hypot(xx - SIZE / 2, yy - SIZE / 2) * SPACING
    base = np.where(radius < 90, 40.0, -1000.0) + np.where((radius > 82) & (radius < 89), 1400.0, 0.0)
    rng = np.random.default_rng(z0)
    slab = base[np.newaxis] + rng.normal(0, 12, (z1 - z0, SIZE, SIZE)).astype(np.float32)
    return np.clip(np.rint(slab), -1024, 3071).astype(np.int16)


def _ensure_series(folder: Path, slices: int, seed: str) -> Path:
    from imaging.synthetic import regular_stack, write_ct_series  # noqa: PLC0415

    marker = folder / ".complete"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    print(f"writing {slices} synthetic CT slices to {folder} ...", file=sys.stderr)
    chunk = 50
    for start in range(0, slices, chunk):
        stop = min(slices, start + chunk)
        placement = regular_stack(stop - start, 0.625, origin=(-128.0, -128.0, -100.0 + 0.625 * start))
        write_ct_series(
            folder,
            _phantom_slab(start, stop),
            placement=placement,
            pixel_spacing_xy=(SPACING, SPACING),
            uid_seed=seed,
            instance_numbers=list(range(start + 1, stop + 1)),
            file_name=lambda i, base=start: f"IM{base + i:05d}",
        )
    marker.write_text("ok")
    return folder


def _worker(kind: str, folder: str) -> dict[str, float]:
    """Run one contender in this process and return its measurements."""
    if kind.startswith("dvw"):
        from imaging.assemble import assemble, select_series  # noqa: PLC0415
        from imaging.series import scan_folder  # noqa: PLC0415
    import SimpleITK as sitk  # noqa: PLC0415

    baseline = _rss_bytes()
    start = time.perf_counter()
    nbytes = 0
    if kind == "dvw-scan":
        scan_folder(folder)
    elif kind == "dvw-import":
        result = assemble(select_series(scan_folder(folder)))
        nbytes = result.volume.voxels.nbytes
    elif kind == "sitk-scan":
        sitk.ImageSeriesReader.GetGDCMSeriesFileNames(folder)
    elif kind == "sitk-import":
        reader = sitk.ImageSeriesReader()
        reader.SetFileNames(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(folder))
        reader.SetOutputPixelType(sitk.sitkInt16)
        image = reader.Execute()
        nbytes = image.GetNumberOfPixels() * 2
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_bytes": _peak_rss_bytes() - baseline, "volume_bytes": nbytes}


def _measure(kind: str, folder: Path, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, __file__, "--worker", kind, str(folder)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        runs.append(json.loads(done.stdout))
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "best": min(r["seconds"] for r in runs),
        "peak_bytes": max(r["peak_bytes"] for r in runs),
        "volume_bytes": runs[0]["volume_bytes"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "dvw-bench-import"))
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(*args.worker)))
        return 0
    work = Path(args.workdir)
    ct300 = _ensure_series(work / "ct300", SLICES, "bench-300")
    ct1000 = _ensure_series(work / "ct1000", 1000, "bench-1000")
    # Warm the page cache for both contenders alike.
    for folder in (ct300, ct1000):
        for path in folder.iterdir():
            path.read_bytes()
    rows = []
    scan_dvw = _measure("dvw-scan", ct1000, args.repeat)
    scan_sitk = _measure("sitk-scan", ct1000, args.repeat)
    rows.append(("scan 1,000 files (s)", scan_dvw["seconds"], scan_sitk["seconds"], "< 1 s", scan_dvw["seconds"] < 1.0))
    imp_dvw = _measure("dvw-import", ct300, args.repeat)
    imp_sitk = _measure("sitk-import", ct300, args.repeat)
    rows.append(
        (
            "scan + import 300x512x512 int16 (s)",
            imp_dvw["seconds"],
            imp_sitk["seconds"],
            "<= SimpleITK",
            imp_dvw["seconds"] <= imp_sitk["seconds"],
        )
    )
    volume_mb = imp_dvw["volume_bytes"] / 1e6
    rows.append(
        (
            f"peak memory / volume size ({volume_mb:.0f} MB)",
            imp_dvw["peak_bytes"] / imp_dvw["volume_bytes"],
            imp_sitk["peak_bytes"] / imp_sitk["volume_bytes"],
            "< 1.5x",
            imp_dvw["peak_bytes"] / imp_dvw["volume_bytes"] < 1.5,
        )
    )
    print(
        f"\nDVW import benchmark: median of {args.repeat} fresh-process runs, warm page cache, {os.cpu_count()} cores"
    )
    print(f"{'measure':42} {'DVW':>9} {'SimpleITK':>10} {'DVW/SITK':>9}  {'goal':>12}  met")
    for name, ours, peer, goal, met in rows:
        print(f"{name:42} {ours:9.3f} {peer:10.3f} {ours / peer:9.2f}  {goal:>12}  {'yes' if met else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
