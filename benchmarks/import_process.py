"""Benchmark: a whole ``dvw import`` process against the peer tools, as users feel it.

Each contender runs as a fresh process on the same synthetic CT series (written once, cached under the system temp
folder, by ``benchmarks/import.py``'s writer: 512x512 slices, 0.5 mm pixels, 0.625 mm apart, a noisy phantom):

- ``dvw import DIR --out X.nrrd`` against a three-line SimpleITK script (GDCM series reader, int16, compressed NRRD
  at SimpleITK's default level);
- ``dvw import DIR --out X.nii.gz`` against ``dcm2niix -z y`` (with pigz when installed, as ``make bench`` does).

Both on a 300-slice series and on a 134-slice one (the stand-in for the 134-slice real CT of the issue, which is not
in ../shared/data). Every contender runs once to warm up (page cache, Python bytecode cache), then ``--repeat``
times, the contenders taking turns; the table shows the median wall time, the ratio, the peak resident memory of the
process (``ru_maxrss`` from ``wait4``) and that peak less the same command's peak on a 3-slice series, as a multiple
of the volume's size (the memory that grows with the volume). The load average before and after is printed: time
only on a quiet machine.

Python contenders get a bytecode cache (``PYTHONPYCACHEPREFIX`` under the work folder, ``PYTHONDONTWRITEBYTECODE``
cleared), as an installed DVW or a second run has; ``--no-bytecode-cache`` runs them as the environment says.

After timing, DVW's outputs are read back with every reader at hand (SimpleITK, Python's gzip module, ``gzip -t``,
nibabel when installed) and compared with the SimpleITK script's voxels and geometry.

``--dvw-root DIR`` runs DVW from another source tree (e.g. an export of an older commit), to compare versions
with the same harness.

Run: ``uv run python benchmarks/import_process.py [--repeat N] [--workdir DIR] [--slices 300 134]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SITK_SCRIPT = (
    "import sys, SimpleITK as sitk\n"
    "r = sitk.ImageSeriesReader(); r.SetFileNames(r.GetGDCMSeriesFileNames(sys.argv[1]))\n"
    "r.SetOutputPixelType(sitk.sitkInt16); sitk.WriteImage(r.Execute(), sys.argv[2], True)\n"
)
SIZE = 512


def _series_writer() -> Callable[[Path, int, str], Path]:
    """``_ensure_series`` of benchmarks/import.py (a module name that cannot be imported by a statement)."""
    spec = importlib.util.spec_from_file_location("dvw_bench_import", Path(__file__).with_name("import.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ensure: Callable[[Path, int, str], Path] = module._ensure_series
    return ensure


@dataclass(frozen=True)
class Contender:
    name: str
    suffix: str  # output file suffix, or "" for a folder (dcm2niix)
    command: Callable[[Path, Path], list[str]]  # (series folder, output path) -> argv


@dataclass
class Runs:
    seconds: list[float]
    peak_bytes: list[int]
    output_bytes: int = 0


def _dvw(suffix: str) -> Contender:
    dvw = Path(sys.executable).with_name("dvw")
    return Contender(
        f"dvw import {suffix}",
        suffix,
        lambda folder, out: [str(dvw), "import", str(folder), "--out", str(out), "--force"],
    )


CONTENDERS = {
    "dvw-nrrd": _dvw(".nrrd"),
    "sitk-nrrd": Contender(
        "SimpleITK script .nrrd",
        ".nrrd",
        lambda folder, out: [sys.executable, "-c", SITK_SCRIPT, str(folder), str(out)],
    ),
    "dvw-nii": _dvw(".nii.gz"),
    "dcm2niix": Contender(
        "dcm2niix -z y", "", lambda folder, out: ["dcm2niix", "-z", "y", "-o", str(out), "-f", "volume", str(folder)]
    ),
}
PAIRS = (("dvw-nrrd", "sitk-nrrd", ".nrrd"), ("dvw-nii", "dcm2niix", ".nii.gz"))


# Starts one contender and reports its wall time and peak resident memory. Linux carries the high-water mark of the
# address space a process was forked (or vforked) from into the child's ru_maxrss, so contenders are spawned from
# this small launcher, never from the benchmark process itself (which holds numpy, pydicom and more).
_LAUNCHER = """
import json, os, sys, time
stderr, argv = sys.argv[1], sys.argv[2:]
actions = [(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
           (os.POSIX_SPAWN_OPEN, 2, stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
start = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak": usage.ru_maxrss * 1024, "code": os.waitstatus_to_exitcode(status)}))
"""


def _run(argv: Sequence[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak resident bytes of one process (which must succeed)."""
    with tempfile.NamedTemporaryFile(prefix="dvw-bench-", suffix=".stderr") as stderr:
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, stderr.name, *argv], env=env, capture_output=True, text=True, check=True
        )
        result = json.loads(done.stdout)
        if result["code"] != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({result['code']}):\n{Path(stderr.name).read_text()}")
    return float(result["seconds"]), int(result["peak"])


def _output(contender: Contender, work: Path, tag: str) -> Path:
    if contender.suffix:
        return work / f"{tag}{contender.suffix}"
    folder = work / tag
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _output_size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.glob("*.nii.gz"))
    return path.stat().st_size


def _measure(keys: Sequence[str], folder: Path, work: Path, repeat: int, env: dict[str, str]) -> dict[str, Runs]:
    runs = {key: Runs([], []) for key in keys}
    for key in keys:  # warm-up: page cache, bytecode cache, first touch of memory
        contender = CONTENDERS[key]
        _run(contender.command(folder, _output(contender, work, f"{folder.name}-{key}")), env)
    for _ in range(repeat):
        for key in keys:  # contenders take turns, so that a change of load touches all alike
            contender = CONTENDERS[key]
            out = _output(contender, work, f"{folder.name}-{key}")
            seconds, peak = _run(contender.command(folder, out), env)
            runs[key].seconds.append(seconds)
            runs[key].peak_bytes.append(peak)
            runs[key].output_bytes = _output_size(out)
    return runs


def _baseline(keys: Sequence[str], folder: Path, work: Path, env: dict[str, str]) -> dict[str, int]:
    """Each contender's peak resident bytes on a 3-slice series: its fixed cost (interpreter, libraries)."""
    peaks = {}
    for key in keys:
        contender = CONTENDERS[key]
        _run(contender.command(folder, _output(contender, work, f"base-{key}")), env)
        peaks[key] = min(
            _run(contender.command(folder, _output(contender, work, f"base-{key}")), env)[1] for _ in range(2)
        )
    return peaks


def _check_readers(folder: Path, work: Path) -> list[str]:
    """Read DVW's outputs back with every reader at hand; one line per reader and file."""
    import gzip  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415
    import SimpleITK as sitk  # noqa: PLC0415

    lines = []
    reference = sitk.ReadImage(str(work / f"{folder.name}-sitk-nrrd.nrrd"))
    expected = sitk.GetArrayFromImage(reference)
    for key in ("dvw-nrrd", "dvw-nii"):
        path = work / f"{folder.name}-{key}{CONTENDERS[key].suffix}"
        image = sitk.ReadImage(str(path))
        same = (
            np.array_equal(sitk.GetArrayFromImage(image), expected)
            and image.GetSize() == reference.GetSize()
            and np.allclose(image.GetOrigin(), reference.GetOrigin(), atol=1e-4)
            and np.allclose(image.GetSpacing(), reference.GetSpacing(), atol=1e-5)
            and np.allclose(image.GetDirection(), reference.GetDirection(), atol=1e-5)
        )
        lines.append(
            f"  SimpleITK reads {path.name}: voxels and geometry {'equal' if same else 'DIFFER'} to the script's"
        )
        data = path.read_bytes()
        body = data[data.index(b"\n\n") + 2 :] if key == "dvw-nrrd" else data
        raw = gzip.decompress(body)
        voxels = raw if key == "dvw-nrrd" else raw[352:]
        same = voxels == expected.astype("<i2").tobytes()
        lines.append(f"  Python gzip reads {path.name}: {len(raw)} bytes, voxels {'equal' if same else 'DIFFER'}")
        if shutil.which("gzip"):
            with tempfile.NamedTemporaryFile(suffix=".gz") as temp:
                temp.write(body)
                temp.flush()
                ok = subprocess.run(["gzip", "-t", temp.name], check=False).returncode == 0
            lines.append(f"  gzip -t {path.name} (data stream): {'ok' if ok else 'FAILED'}")
        if key == "dvw-nii" and importlib.util.find_spec("nibabel") is not None:
            import nibabel  # noqa: PLC0415

            array = np.asarray(nibabel.load(str(path)).dataobj)
            same = np.array_equal(array.transpose(2, 1, 0), expected)
            lines.append(f"  nibabel reads {path.name}: voxels {'equal' if same else 'DIFFER'}")
    return lines


def _memory(runs: Runs, baseline: int, volume: int) -> str:
    peak = max(runs.peak_bytes)
    return f"{peak / 1e6:6.0f} ({(peak - baseline) / volume:4.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "dvw-bench-import"))
    parser.add_argument("--slices", type=int, nargs="+", default=[300, 134])
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="run Python contenders as the environment says"
    )
    parser.add_argument("--dvw-root", default=str(REPO), help="source tree DVW runs from (default: this one)")
    args = parser.parse_args()
    work = Path(args.workdir)
    out = work / "process-outputs"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(Path(args.dvw_root).resolve())}
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    keys = [key for key in CONTENDERS if key != "dcm2niix" or shutil.which("dcm2niix")]
    if "dcm2niix" not in keys:
        print("dcm2niix is not installed (make bench installs it): its rows are skipped", file=sys.stderr)
    ensure = _series_writer()
    series = {
        n: ensure(work / ("ct300" if n == 300 else f"ct{n}"), n, "bench-300" if n == 300 else f"bench-{n}")
        for n in args.slices
    }
    tiny = ensure(work / "ct3", 3, "bench-3")
    for folder in [*series.values(), tiny]:  # warm the page cache for every contender alike
        for path in folder.iterdir():
            path.read_bytes()
    load_before = os.getloadavg()
    baseline = _baseline(keys, tiny, out, env)
    results = {n: _measure(keys, folder, out, args.repeat, env) for n, folder in series.items()}
    load_after = os.getloadavg()
    print(
        f"\nDVW import against its peers: whole processes, median of {args.repeat} after a warm-up, "
        f"{os.cpu_count()} cores, load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
        f"{'' if args.no_bytecode_cache else ' (Python bytecode cached)'}"
    )
    print(f"DVW from {Path(args.dvw_root).resolve()}")
    print(
        f"{'series':>22} {'output':7} {'DVW s':>7} {'peer s':>7} {'DVW/peer':>9}  {'peer':22} "
        f"{'DVW peak MB (x vol)':>20} {'peer peak MB (x vol)':>21} {'DVW MB':>7} {'peer MB':>8}"
    )
    for n, runs in results.items():
        volume = n * SIZE * SIZE * 2
        for ours_key, peer_key, suffix in PAIRS:
            if ours_key not in runs or peer_key not in runs:
                continue
            ours, peer = runs[ours_key], runs[peer_key]
            ours_s, peer_s = statistics.median(ours.seconds), statistics.median(peer.seconds)

            label = f"{n}x512x512 ({volume / 1e6:.0f} MB)"
            print(
                f"{label:>22} {suffix:7} {ours_s:7.2f} {peer_s:7.2f} {ours_s / peer_s:9.2f}  "
                f"{CONTENDERS[peer_key].name:22} {_memory(ours, baseline[ours_key], volume):>20} "
                f"{_memory(peer, baseline[peer_key], volume):>21} "
                f"{ours.output_bytes / 1e6:7.1f} {peer.output_bytes / 1e6:8.1f}"
            )
    print("(x vol: peak resident memory less the same command's peak on a 3-slice series, over the volume's size)")
    print("readers of DVW's output:")
    for folder in series.values():
        if "sitk-nrrd" in keys:
            for line in _check_readers(folder, out):
                print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
