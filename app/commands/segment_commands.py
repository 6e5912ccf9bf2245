"""``dvw segment`` and ``dvw segment-presets``: threshold segmentation of a volume file into a mask file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.progress_bar import progress_bar
from base.files import sha256_file
from base.progress import report
from imaging.errors import OutputExistsError
from imaging.segment import PRESETS, SegmentationResult, SegmentParams, segment
from imaging.volume import read_volume, volume_suffix, write_volume
from validation.manifest import current_manifest


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``segment`` and ``segment-presets``."""
    seg = sub.add_parser("segment", help="threshold a volume into a mask", description=_SEGMENT_HELP)
    seg.add_argument("volume", metavar="VOLUME", help="input volume: .nrrd, .nii.gz, .nii or .mha")
    how = seg.add_mutually_exclusive_group(required=True)
    how.add_argument("--preset", metavar="NAME", help=f"named HU range: {', '.join(PRESETS)}")
    how.add_argument(
        "--threshold",
        nargs="+",
        type=float,
        metavar="HU",
        help="LO [HI]: inclusive HU range (no upper bound when HI is omitted)",
    )
    pick = seg.add_mutually_exclusive_group()
    pick.add_argument("--keep-largest", type=int, metavar="N", help="keep the N largest connected components")
    pick.add_argument(
        "--seed", nargs=3, type=float, metavar=("X", "Y", "Z"), help="keep the component at this LPS point (mm)"
    )
    seg.add_argument(
        "--connectivity", type=int, choices=(6, 26), default=26, help="component connectivity (default 26)"
    )
    seg.add_argument("--fill-holes", action="store_true", help="fill enclosed cavities (3D)")
    seg.add_argument(
        "--fill-holes-per-slice", action="store_true", help="fill holes slice by slice (z planes) instead of in 3D"
    )
    seg.add_argument("--open", type=float, default=0.0, metavar="MM", help="morphological opening, ball radius mm")
    seg.add_argument("--close", type=float, default=0.0, metavar="MM", help="morphological closing, ball radius mm")
    seg.add_argument("--out", required=True, metavar="MASK", help="output mask: .nrrd, .nii.gz, .nii or .mha")
    seg.add_argument("--force", action="store_true", help="replace an existing output file")
    add_json_flag(seg)
    seg.set_defaults(handler=run_segment)

    presets = sub.add_parser("segment-presets", help="list the HU presets of 'dvw segment'")
    add_json_flag(presets)
    presets.set_defaults(handler=run_presets)


_SEGMENT_HELP = (
    "Threshold VOLUME (inclusive HU range, from a preset or given), then optionally open and close with a ball "
    "of the given radius in mm (anisotropic voxels respected), keep the N largest connected components or the "
    "one at a seed point, and fill enclosed holes. The mask (uint8 0/1) has exactly the volume's geometry."
)


def _params(args: argparse.Namespace) -> SegmentParams:
    options: dict[str, Any] = {
        "keep_largest": args.keep_largest,
        "seed_lps_mm": tuple(args.seed) if args.seed is not None else None,
        "connectivity": args.connectivity,
        "fill_holes": args.fill_holes or args.fill_holes_per_slice,
        "fill_holes_per_slice": args.fill_holes_per_slice,
        "open_mm": args.open,
        "close_mm": args.close,
    }
    if args.preset is not None:
        return SegmentParams.from_preset(args.preset, **options)
    if len(args.threshold) > 2:
        raise UsageError("dvw segment: --threshold takes LO or LO HI (HU)")
    upper = args.threshold[1] if len(args.threshold) == 2 else None
    return SegmentParams(lower_hu=args.threshold[0], upper_hu=upper, **options)


def segment_json(result: SegmentationResult, output: Path, sha256: str) -> dict[str, Any]:
    """The CLI contract's JSON for a segmentation."""
    params = result.params
    lower, upper = result.threshold_hu
    return {
        "output": str(output),
        "sha256": sha256,
        "voxels": result.voxels,
        "volume_mm3": round(result.volume_mm3, 3),
        "components": result.components_found,
        "components_kept": result.components_kept,
        "threshold": [lower, upper],
        "preset": params.preset,
        "connectivity": params.connectivity,
        "fill_holes": "per_slice" if params.fill_holes_per_slice else ("3d" if params.fill_holes else None),
        "open_mm": params.open_mm,
        "close_mm": params.close_mm,
        "seed": list(params.seed_lps_mm) if params.seed_lps_mm is not None else None,
        "keep_largest": params.keep_largest,
        "size": list(result.mask.size),
        "spacing": list(result.mask.spacing),
        "seconds": round(result.seconds, 3),
        "input_sha256": result.input_sha256,
        "manifest_id": current_manifest().manifest_id,
    }


def run_segment(args: argparse.Namespace) -> int:
    """``dvw segment VOLUME --out MASK``."""
    params = _params(args)
    output = Path(args.out)
    volume_suffix(output)
    if output.exists() and not args.force:
        raise OutputExistsError(f"output exists: {output} (use --force to replace it)", path=str(output))
    volume = read_volume(args.volume)
    input_sha256 = sha256_file(args.volume)
    with progress_bar("segmenting") as progress:
        result = segment(volume, params, input_sha256=input_sha256, progress=progress)
    with progress_bar("writing") as progress:
        report(progress, 0.0, output.name)
        sha256 = write_volume(result.mask, output, force=args.force)
    if args.json:
        emit_json(segment_json(result, output, sha256))
        return EXIT_OK
    lower, upper = result.threshold_hu
    hu = f"{lower:g} .. {upper:g} HU" if upper is not None else f">= {lower:g} HU"
    say(f"segmented {args.volume} ({hu}) -> {output}")
    say(
        f"  {result.voxels} voxels, {result.volume_mm3:.1f} mm³, "
        f"{result.components_kept} of {result.components_found} components kept, {result.seconds:.2f} s"
    )
    return EXIT_OK


def run_presets(args: argparse.Namespace) -> int:
    """``dvw segment-presets``."""
    if args.json:
        emit_json(
            {
                "presets": [
                    {"name": p.name, "title": p.title, "threshold": [p.lower_hu, p.upper_hu], "source": p.source}
                    for p in PRESETS.values()
                ]
            }
        )
        return EXIT_OK
    for p in PRESETS.values():
        upper = f"{p.upper_hu:g}" if p.upper_hu is not None else "open"
        say(f"{p.name:6} {p.lower_hu:g} .. {upper} HU  {p.title}: {p.source}")
    return EXIT_OK
