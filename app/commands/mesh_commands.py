"""``dvw mesh`` and ``dvw mesh-info``: surfaces from masks and volumes, and the metrics of any mesh file."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.progress_bar import progress_bar


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``mesh`` and ``mesh-info``."""
    mesh = sub.add_parser("mesh", help="mesh a mask or a volume at a threshold", description=_MESH_HELP)
    mesh.add_argument("input", metavar="MASK|VOLUME", help="mask (0/1 values) or volume file (.nrrd, .nii.gz, .mha)")
    mesh.add_argument("--threshold", type=float, metavar="T", help="iso value for a volume (HU for CT)")
    mesh.add_argument("--out", required=True, metavar="FILE", help="output mesh: .stl, .ply, .obj or .3mf")
    mesh.add_argument("--smooth", type=int, metavar="N", help="windowed-sinc iterations (default: 30 mask, 20 volume)")
    mesh.add_argument("--reduce", type=float, metavar="FRACTION", help="fraction of triangles to keep, in (0, 1]")
    mesh.add_argument("--force", action="store_true", help="replace an existing output file")
    add_json_flag(mesh)
    mesh.set_defaults(handler=run_mesh)

    info = sub.add_parser("mesh-info", help="metrics of a mesh file", description=_INFO_HELP)
    info.add_argument("file", metavar="FILE", help="mesh file: .stl (binary or ASCII), .ply, .obj or .3mf")
    add_json_flag(info)
    info.set_defaults(handler=run_mesh_info)


_MESH_HELP = (
    "Mesh a binary mask (a file holding only 0 and 1; isosurface at 0.5, smoothed) or a volume's gray-level "
    "isosurface at --threshold, in patient LPS mm with outward normals; optionally reduce the triangle count while "
    "keeping the surface closed. A shell whose volume smoothing would change by more than 20 % (a few voxels "
    "across, or a lace of thin strands) keeps its isosurface. Reports the metrics of the file as written, the "
    "distance of its vertices from the unsmoothed, unreduced isosurface, and how many shells were left unsmoothed."
)
_INFO_HELP = (
    "Read a mesh file and report its metrics (vertices, triangles, volume, area, bounds, watertight, manifold, "
    "shells) and its minimum wall thickness with its location."
)


def _round(value: Any, digits: int = 6) -> Any:
    if isinstance(value, float):
        return round(value, digits) + 0.0
    if isinstance(value, tuple | list):
        return [_round(v, digits) for v in value]
    return value


def _metrics_json(metrics: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "vertices": metrics.vertices,
        "triangles": metrics.triangles,
        "volume_mm3": _round(metrics.volume_mm3, 3),
        "area_mm2": _round(metrics.area_mm2, 3),
        "watertight": metrics.watertight,
        "manifold": metrics.manifold,
        "shells": metrics.shells,
        "bounds": _round(list(metrics.bounds), 4),
    }
    return payload


def run_mesh(args: argparse.Namespace) -> int:
    """``dvw mesh (MASK | VOLUME --threshold T) --out FILE``."""
    from geometry import second_process  # noqa: PLC0415 - the standard library only
    from imaging.volume import voxel_count  # noqa: PLC0415

    if args.reduce is not None and args.reduce < 1.0:
        # A large volume's surface is reduced in two processes: the second one's server starts now, beside this
        # process's imports and reading of the input (single-threaded), not later beside VTK's threads.
        second_process.warm_up_for(voxel_count(args.input))
    from base.files import sha256_file  # noqa: PLC0415
    from geometry.errors import MeshOutputExistsError  # noqa: PLC0415
    from geometry.io import mesh_suffix, write_mesh  # noqa: PLC0415
    from geometry.mesh import (  # noqa: PLC0415
        MASK_SMOOTHING,
        SHELL_VOLUME_TOLERANCE,
        VOLUME_SMOOTHING,
        mesh_from_mask,
        mesh_from_volume,
    )
    from imaging.segment import holds_only_zero_and_one  # noqa: PLC0415
    from imaging.volume import read_volume  # noqa: PLC0415 - numpy's import, now that the server starts
    from validation.manifest import current_manifest  # noqa: PLC0415

    started = time.perf_counter()
    output = Path(args.out)
    mesh_suffix(output)
    if output.exists() and not args.force:
        raise MeshOutputExistsError(f"output exists: {output} (use --force to replace it)", path=str(output))
    if args.reduce is not None and not 0.0 < args.reduce <= 1.0:
        raise UsageError(f"--reduce must be a fraction in (0, 1], got {args.reduce}")
    if args.smooth is not None and args.smooth < 0:
        raise UsageError(f"--smooth must be >= 0, got {args.smooth}")
    volume = read_volume(args.input)
    input_sha256 = sha256_file(args.input)
    is_mask = holds_only_zero_and_one(volume.voxels)
    with progress_bar("meshing") as progress:
        if is_mask:
            smoothing = MASK_SMOOTHING if args.smooth is None else args.smooth
            result = mesh_from_mask(
                volume, smoothing=smoothing, reduction=args.reduce, input_sha256=input_sha256, progress=progress
            )
        else:
            if args.threshold is None:
                raise UsageError(
                    f"{args.input} is a volume (values other than 0 and 1): give --threshold T (HU for CT)"
                )
            smoothing = VOLUME_SMOOTHING if args.smooth is None else args.smooth
            result = mesh_from_volume(
                volume,
                args.threshold,
                smoothing=smoothing,
                reduction=args.reduce,
                input_sha256=input_sha256,
                progress=progress,
            )
    # The mesh is at file precision (geometry.mesh measures what a file holds): exact=True checks that the file
    # holds it, so the metrics reported are the written file's.
    written = write_mesh(result.mesh, output, force=args.force, exact=True)
    deviation = result.metrics.surface_deviation
    payload: dict[str, Any] = {"output": str(output), "sha256": written.sha256}
    payload.update(_metrics_json(result.metrics))
    payload["surface_deviation_mm"] = {
        "mean": _round(deviation.mean_mm if deviation else 0.0),
        "max": _round(deviation.max_mm if deviation else 0.0),
    }
    payload["unsmoothed_shells"] = result.unsmoothed_shells
    payload["input_sha256"] = result.input_sha256
    payload["manifest_id"] = current_manifest().manifest_id
    payload["seconds"] = round(time.perf_counter() - started, 3)
    if args.json:
        emit_json(payload)
        return EXIT_OK
    kind = "mask" if is_mask else f"volume at {args.threshold:g}"
    say(f"meshed {args.input} ({kind}) -> {output}")
    say(
        f"  {payload['triangles']} triangles, volume {payload['volume_mm3']:.1f} mm3, area {payload['area_mm2']:.1f} "
        f"mm2, watertight {payload['watertight']}, manifold {payload['manifold']}, shells {payload['shells']}"
    )
    say(
        f"  deviation from the isosurface: mean {payload['surface_deviation_mm']['mean']:.3f} mm, "
        f"max {payload['surface_deviation_mm']['max']:.3f} mm"
    )
    if result.unsmoothed_shells:
        say(
            f"  {result.unsmoothed_shells} shell(s) left unsmoothed: smoothing changed their volume by more than "
            f"{SHELL_VOLUME_TOLERANCE:.0%} (too small or thin for it)"
        )
    return EXIT_OK


def run_mesh_info(args: argparse.Namespace) -> int:
    """``dvw mesh-info FILE``."""
    from geometry.info import mesh_info  # noqa: PLC0415 - the cores are imported lazily for start-up time
    from validation.manifest import current_manifest  # noqa: PLC0415

    with progress_bar("measuring") as progress:
        info = mesh_info(args.file, progress=progress)
    payload: dict[str, Any] = {"path": str(info.path), "sha256": info.sha256}
    payload.update(_metrics_json(info.metrics))
    payload["surface_deviation_mm"] = None  # an imported mesh has no isosurface to compare with
    payload["min_wall_thickness_mm"] = _round(info.wall.min_mm, 4) if info.wall else None
    payload["min_wall_location"] = _round(list(info.wall.location), 4) if info.wall else None
    payload["manifest_id"] = current_manifest().manifest_id
    if args.json:
        emit_json(payload)
        return EXIT_OK
    say(f"{info.path}: {payload['triangles']} triangles, {payload['vertices']} vertices")
    say(f"  volume {payload['volume_mm3']:.1f} mm3, area {payload['area_mm2']:.1f} mm2, bounds {payload['bounds']}")
    say(f"  watertight {payload['watertight']}, manifold {payload['manifold']}, shells {payload['shells']}")
    if info.wall:
        say(f"  minimum wall thickness {info.wall.min_mm:.3f} mm at {payload['min_wall_location']} (LPS mm)")
    else:
        say("  minimum wall thickness: not measurable (no inward ray hits the surface)")
    return EXIT_OK
