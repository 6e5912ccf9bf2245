"""Benchmark: ``dvw measure`` on a 1.5 M-triangle real skull with a cut defect and a 30 k-triangle plate, beside a
plain VTK implementation of the same gap and penetration definitions, in one run.

The case (made once and kept as files under the system temp folder): the real skull phantom of ``../shared/data``
(0.45 x 0.45 mm pixels, 5 mm slices) interpolated linearly to 0.6 mm between slices, segmented with the bone preset
and meshed as ``dvw run`` meshes bone, but without reduction: about 1.5 M triangles. A full-thickness defect 22 mm
across is cut into the CT at the right parietal site of ``tests/validation/test_fit_real_anatomy.py``, and a plate is
built on the intact bone over it with its helpers (a 0.5 mm seat, a 4 mm wall, 21 mm radius, 50 rings x 150 sectors:
about 30 k triangles). Files: the cut skull's STL, the plate's STL, the bone mask (``.nrrd``).

Contenders, each in a fresh process with its libraries imported before the timed part:

- DVW: what ``dvw measure --anatomy --design --mask --family cranial_plate`` does after parsing its arguments
  (as ``app.commands.measure_commands.measure_files``): hash and read the three files, then every registered
  measurement they allow (design, fit, defect, bone thickness, with places and uncertainties);
- plain VTK: the same files read the same way, then only ``fit.max_gap``, ``fit.mean_gap`` and
  ``fit.max_penetration`` by the same definitions on the whole skull, the way a direct VTK script does them: support
  by ``vtkStaticCellLocator.IntersectWithLine`` from each bone-facing triangle along its normal (3 mm), signed
  distances of every centroid and corner by ``vtkImplicitPolyDataDistance``, the seat 5 mm from the centroids of
  the unsupported triangles (no outline refinement).

Goal (issue 19): DVW under 5 s on 2 cores, so the window and the CLI are not kept waiting.

Run: ``uv run python benchmarks/measure.py [--workdir DIR]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "tests" / "validation"):  # the plate is built with the tests' construction
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

PHANTOM = REPO.parent / "shared" / "data" / "skull-phantom"
SLICE_MM = 0.6
SITE = ((-76.5, 145.7, 780.0), (-0.94, 0.34, 0.0))  # "phantom right" of test_fit_real_anatomy.py
CUT_RADIUS, PLATE_RADIUS, GAP, WALL = 11.0, 21.0, 0.5, 4.0
CONTENDERS = ("dvw", "vtk")
TITLES = {"dvw": "DVW (dvw measure)", "vtk": "plain VTK"}


def _interpolated_phantom() -> Any:
    from imaging.assemble import assemble, select_series  # noqa: PLC0415
    from imaging.series import scan_folder  # noqa: PLC0415
    from imaging.volume import Volume  # noqa: PLC0415

    volume = assemble(select_series(scan_folder(PHANTOM))).volume
    hu = volume.voxels.astype(np.float32)
    step = volume.spacing[2]
    z = np.arange(0.0, (hu.shape[0] - 1) * step + 1e-6, SLICE_MM) / step
    below = np.minimum(np.floor(z).astype(int), hu.shape[0] - 2)
    weight = (z - below)[:, np.newaxis, np.newaxis].astype(np.float32)
    slices = hu[below] * (1 - weight) + hu[below + 1] * weight
    return Volume(
        np.rint(slices).astype(np.int16),
        (volume.spacing[0], volume.spacing[1], SLICE_MM),
        volume.origin,
        volume.direction,
    )


def make_case(work: Path) -> dict[str, Path]:
    """The case's files (made once)."""
    files = {"anatomy": work / "skull-cut.stl", "design": work / "plate.stl", "mask": work / "skull-cut-mask.nrrd"}
    if all(path.exists() for path in files.values()):
        return files
    from real_anatomy import (  # noqa: PLC0415
        Cylinder,
        bone_mesh,
        build_plate,
        cut_volume,
        height_field,
        site_frame,
    )

    from geometry.io import write_mesh  # noqa: PLC0415
    from imaging.volume import write_volume  # noqa: PLC0415

    volume = _interpolated_phantom()
    _, intact = bone_mesh(volume)
    frame = site_frame(intact, SITE[0], SITE[1])
    field = height_field(intact, frame, PLATE_RADIUS)
    plate = build_plate(field, intact, PLATE_RADIUS, GAP, WALL, seat_from=CUT_RADIUS + 5.0, rings=50, sectors=150)
    mask, anatomy = bone_mesh(cut_volume(volume, Cylinder(frame.point, frame.normal, frame.e1, frame.e2, CUT_RADIUS)))
    write_mesh(anatomy, files["anatomy"], force=True)
    write_mesh(plate.mesh, files["design"], force=True)
    write_volume(mask, files["mask"], force=True)
    return files


def _read(files: dict[str, Path], seconds: dict[str, float]) -> tuple[Any, Any, Any, dict[str, str]]:
    """What ``dvw measure`` reads before it measures: the files' hashes, the two meshes and the mask (timed)."""
    from base.files import sha256_file  # noqa: PLC0415
    from geometry.io import read_mesh  # noqa: PLC0415
    from imaging.volume import read_volume  # noqa: PLC0415

    start = time.perf_counter()
    hashes = {name: sha256_file(path) for name, path in files.items()}
    seconds["hash"] = time.perf_counter() - start
    start = time.perf_counter()
    anatomy, design = read_mesh(files["anatomy"]), read_mesh(files["design"])
    seconds["meshes"] = time.perf_counter() - start
    start = time.perf_counter()
    mask = read_volume(files["mask"])
    seconds["mask"] = time.perf_counter() - start
    return anatomy, design, mask, hashes


def _run_dvw(files: dict[str, Path]) -> dict[str, Any]:
    from validation.manifest import current_manifest  # noqa: PLC0415
    from validation.registry import MeasureInputs, measure  # noqa: PLC0415

    manifest = current_manifest().manifest_id  # computed once per process, before the timed part
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    anatomy, design, mask, hashes = _read(files, seconds)
    read = time.perf_counter() - start
    inputs = MeasureInputs(anatomy=anatomy, design=design, mask=mask, sha256=hashes)
    parameters = measure(inputs, family="cranial_plate", manifest_id=manifest)
    total = time.perf_counter() - start
    values = {v.name: v.value for v in parameters.values}
    seconds.update(read=read, measure=total - read, total=total)
    return {**seconds, "values": values, "count": len(parameters.values)}


def _run_vtk(files: dict[str, Path]) -> dict[str, Any]:
    from scipy.spatial import cKDTree  # noqa: PLC0415
    from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy  # noqa: PLC0415
    from vtkmodules.vtkCommonCore import vtkDoubleArray, vtkIdList, vtkPoints  # noqa: PLC0415
    from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator  # noqa: PLC0415
    from vtkmodules.vtkFiltersCore import vtkImplicitPolyDataDistance  # noqa: PLC0415

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    anatomy, design, _, _ = _read(files, seconds)
    read = time.perf_counter() - start
    a, b, c = (design.vertices[design.faces[:, k]] for k in range(3))
    cross = np.cross(b - a, c - a)
    areas = 0.5 * np.linalg.norm(cross, axis=1)
    normals = cross / np.maximum(2 * areas, 1e-12)[:, np.newaxis]
    centroids = (a + b + c) / 3
    centre = anatomy.vertices.mean(axis=0)
    towards = centre - centroids
    towards /= np.linalg.norm(towards, axis=1, keepdims=True)
    facing = np.einsum("ij,ij->i", normals, towards) > 0.5
    poly = anatomy.to_polydata()
    implicit = vtkImplicitPolyDataDistance()
    implicit.SetInput(poly)
    points = np.vstack([centroids, design.vertices])
    out = vtkDoubleArray()
    implicit.FunctionValue(numpy_to_vtk(np.ascontiguousarray(points), deep=True), out)
    signed = vtk_to_numpy(out).copy()
    locator = vtkStaticCellLocator()
    locator.SetDataSet(poly)
    locator.BuildLocator()
    hits, cells = vtkPoints(), vtkIdList()
    bearing = np.zeros(len(centroids), dtype=bool)
    for index in np.flatnonzero(facing):
        if signed[index] < 0:
            bearing[index] = True
            continue
        origin = centroids[index]
        locator.IntersectWithLine(origin, origin + 3.0 * normals[index], 0.0, hits, cells)
        bearing[index] = hits.GetNumberOfPoints() > 0
    unsupported = facing & ~bearing
    if unsupported.any():
        edge, _ = cKDTree(centroids[unsupported]).query(centroids)
        vertex_edge, _ = cKDTree(centroids[unsupported]).query(design.vertices)
    else:
        edge = np.full(len(centroids), np.inf)
        vertex_edge = np.full(design.n_vertices, np.inf)
    seat = bearing & (edge >= 5.0)
    gaps = np.maximum(signed[: len(centroids)][seat], 0.0)
    away = np.concatenate([edge, vertex_edge]) >= 5.0
    total = time.perf_counter() - start
    values = {
        "fit.max_gap": float(gaps.max()) if gaps.size else None,
        "fit.mean_gap": float(np.average(gaps, weights=areas[seat])) if gaps.size else None,
        "fit.max_penetration": max(0.0, -float(signed[away].min())),
    }
    seconds.update(read=read, measure=total - read, total=total)
    return {**seconds, "values": values, "count": len(values)}


def _worker(kind: str, work: Path) -> dict[str, Any]:
    files = make_case(work)
    # Imports before the timed part, as the CLI has them loaded when it measures.
    import scipy.ndimage  # noqa: F401, PLC0415
    import trimesh  # noqa: F401, PLC0415

    import validation.registry  # noqa: F401, PLC0415
    from geometry.io import read_mesh  # noqa: PLC0415

    triangles = {name: read_mesh(files[name]).n_triangles for name in ("anatomy", "design")}
    result = {"dvw": _run_dvw, "vtk": _run_vtk}[kind](files)
    result["triangles"] = triangles
    return result


def _measure(kind: str, work: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--workdir", str(work)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "dvw-bench-measure"))
    parser.add_argument("--worker", metavar="KIND", help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    if args.worker:
        sys.stdout.write(json.dumps(_worker(args.worker, work)) + "\n")
        return 0
    if not PHANTOM.is_dir():
        sys.stderr.write(f"the real skull phantom {PHANTOM} is absent (../shared/data beside the repo)\n")
        return 1
    started = time.perf_counter()
    make_case(work)
    made = time.perf_counter() - started
    rows = {kind: _measure(kind, work) for kind in CONTENDERS}
    dvw, vtk = rows["dvw"], rows["vtk"]
    triangles = dvw["triangles"]
    sys.stdout.write(
        f"\nDVW measure benchmark: real skull phantom ({triangles['anatomy']:,} triangles, a 22 mm defect cut) and a "
        f"plate of {triangles['design']:,} triangles, with the bone mask; fresh process per contender, "
        f"{os.cpu_count()} cores (case made or found in {made:.1f} s)\n\n"
    )
    names = ("fit.max_gap", "fit.mean_gap", "fit.max_penetration")
    header = (
        f"{'contender':<20} {'values':>6} {'hash':>5} {'meshes':>6} {'mask':>5} {'measure':>7} {'total s':>7} "
        f"{'ratio':>5}  " + "  ".join(f"{n:>19}" for n in names)
    )
    lines = [header, "-" * len(header)]
    for kind in CONTENDERS:
        row = rows[kind]

        def shown(value: float | None) -> str:
            return "-" if value is None or not math.isfinite(value) else f"{value:.3f}"

        lines.append(
            f"{TITLES[kind]:<20} {row['count']:>6} {row['hash']:5.2f} {row['meshes']:6.2f} {row['mask']:5.2f} "
            f"{row['measure']:7.2f} {row['total']:7.2f} {row['measure'] / dvw['measure']:5.2f}  "
            + "  ".join(f"{shown(row['values'].get(n)):>19}" for n in names)
        )
    lines.append(
        "\nvalues: parameters measured (DVW: every one the three inputs allow, with places and uncertainties; plain "
        "VTK: the three shown);\nhash, meshes, mask: hashing the three files, reading the two STL files and the "
        "mask (.nrrd), the same code for both (plain VTK does not use the mask); measure: the rest;\nratio: measure "
        "/ DVW's measure.\n"
        f"goal (issue 19): DVW's dvw measure < 5 s: {'yes' if dvw['total'] < 5.0 else 'NO'} "
        f"(measuring < 5 s: {'yes' if dvw['measure'] < 5.0 else 'NO'}); DVW measures "
        f"{vtk['measure'] / dvw['measure']:.1f}x faster than plain VTK (and 17 values to its 3)."
    )
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
