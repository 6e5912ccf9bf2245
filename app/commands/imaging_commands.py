"""``dvw scan``, ``dvw import`` and ``dvw deidentify``: finding DICOM series and assembling volumes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_OK, add_json_flag, emit_json, say
from app.home import home_folder, site_uid_secret
from app.progress_bar import progress_bar
from base.progress import report
from imaging.errors import AmbiguousSeriesError, OutputExistsError
from imaging.summary import series_summary
from imaging.volume import volume_suffix, write_volume
from workflow import steps

if TYPE_CHECKING:  # the DICOM modules load pydicom and its decoders: only when a command runs (start-up time)
    from imaging.series import ScanResult


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``scan`` and ``import``."""
    scan = sub.add_parser("scan", help="find every DICOM series under a folder", description=_SCAN_HELP)
    scan.add_argument("folder", metavar="DIR", help="folder to search (recursively, any file names)")
    add_json_flag(scan)
    scan.set_defaults(handler=run_scan)

    imp = sub.add_parser("import", help="assemble one series into a volume file", description=_IMPORT_HELP)
    imp.add_argument("folder", metavar="DIR", help="folder holding the series")
    imp.add_argument("--series", metavar="UID", help="series key from 'dvw scan' (needed when several are usable)")
    imp.add_argument(
        "--strict", action="store_true", help="refuse gantry tilt and uneven spacing instead of resampling"
    )
    imp.add_argument("--allow-gaps", action="store_true", help="interpolate missing slices instead of refusing")
    imp.add_argument("--out", required=True, metavar="FILE", help="output volume: .nrrd, .nii.gz or .mha")
    imp.add_argument("--force", action="store_true", help="replace an existing output file")
    add_json_flag(imp)
    imp.set_defaults(handler=run_import)

    deid = sub.add_parser(
        "deidentify",
        help="de-identify DICOM for export (DICOM basic confidentiality profile)",
        description="Write a de-identified copy of every DICOM file under DIR into --out, per the DICOM basic "
        "application level confidentiality profile (PS3.15 Annex E): identifying attributes removed or replaced, "
        "private tags removed, UIDs replaced consistently with this site's secret, pixel data and geometry "
        "untouched. Files are named by their new SOP Instance UID. The source is never modified.",
    )
    deid.add_argument("folder", metavar="DIR", help="folder with the DICOM to export")
    deid.add_argument("--out", required=True, metavar="DIR", help="output folder (not inside DIR)")
    deid.add_argument("--pseudonym", metavar="CODE", help="case code written as Patient's Name and Patient ID")
    deid.add_argument("--force", action="store_true", help="replace existing output files")
    add_json_flag(deid)
    deid.set_defaults(handler=run_deidentify)


_SCAN_HELP = (
    "Read the header of every file under DIR (no pixel data), group instances into series, classify each "
    "(volume, localizer, secondary_capture, single_frame, multi_frame, other) and report findings such as "
    "gantry_tilt, uneven_spacing, missing_slices and duplicate_positions. Unreadable files are listed as skipped."
)
_IMPORT_HELP = (
    "Assemble one series into a volume in HU with its patient geometry (LPS mm). Gantry tilt and uneven spacing "
    "are resampled onto a regular orthogonal grid and reported; missing slices are refused unless --allow-gaps."
)


def scan_json(result: ScanResult) -> dict[str, Any]:
    """The CLI contract's JSON for a scan."""
    return {
        "series": [series_summary(s) for s in result.series],
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
        "files_scanned": result.files_scanned,
        "seconds": round(result.seconds, 3),
    }


def _scan(folder: str) -> ScanResult:
    from imaging.series import scan_folder  # noqa: PLC0415

    with progress_bar("scanning") as progress:
        return scan_folder(folder, progress=progress)


def run_scan(args: argparse.Namespace) -> int:
    """``dvw scan DIR``."""
    from imaging.assemble import describe_series  # noqa: PLC0415

    result = _scan(args.folder)
    if args.json:
        emit_json(scan_json(result))
        return EXIT_OK
    counts = f"{len(result.series)} series, {len(result.skipped)} skipped"
    say(f"{result.files_scanned} files in {result.seconds:.2f} s: {counts}")
    for series in result.series:
        state = "usable" if series.usable else "not usable"
        say(f"  {describe_series(series)} [{series.kind}, {state}]")
        for finding in series.findings:
            say(f"      {finding.severity:7} {finding.code}: {finding.message}")
    for skipped in result.skipped:
        say(f"  skipped {skipped.path}: {skipped.reason}")
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    """``dvw import DIR --out FILE``."""
    from imaging.assemble import ImportPolicy, assemble, describe_series, select_series  # noqa: PLC0415

    output = Path(args.out)
    volume_suffix(output)
    if output.exists() and not args.force:
        raise OutputExistsError(f"output exists: {output} (use --force to replace it)", path=str(output))
    scan = _scan(args.folder)
    try:
        series = select_series(scan, args.series)
    except AmbiguousSeriesError as exc:
        if args.json:
            emit_json(
                {
                    "error": {"code": exc.code, "message": exc.message, "path": exc.path},
                    "series": [series_summary(s) for s in scan.series if s.key in exc.candidates],
                }
            )
            say(f"dvw: error: {exc.message}")
            return 2
        raise
    policy = ImportPolicy(strict=args.strict, allow_gaps=args.allow_gaps)
    with progress_bar("importing") as progress:
        result = assemble(series, policy, progress=progress)
    with progress_bar("writing") as progress:
        report(progress, 0.0, output.name)
        sha256 = write_volume(result.volume, output, force=args.force)
    if args.json:
        emit_json(steps.import_json(result, output, sha256))
        return EXIT_OK
    volume = result.volume
    say(f"imported {describe_series(series)} -> {output}")
    say(f"  size {volume.size}, spacing {tuple(round(v, 4) for v in volume.spacing)} mm, HU {result.hu_range}")
    for finding in result.findings:
        say(f"  {finding.severity:7} {finding.code}: {finding.message}")
    return EXIT_OK


def run_deidentify(args: argparse.Namespace) -> int:
    """``dvw deidentify DIR --out DIR``."""
    from imaging.deidentify import DeidentifyOptions, UidMap, deidentify_folder  # noqa: PLC0415

    uid_map = UidMap(site_uid_secret(home_folder(args.home)))
    options = DeidentifyOptions(pseudonym=args.pseudonym)
    with progress_bar("de-identifying") as progress:
        result = deidentify_folder(
            args.folder, args.out, options=options, uid_map=uid_map, overwrite=args.force, progress=progress
        )
    if args.json:
        emit_json(
            {
                "output": result.output_dir,
                "files": [
                    {"output": f.output, "sha256": f.sha256, "series_uid": f.series_instance_uid} for f in result.files
                ],
                "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
                "notes": list(result.notes),
            }
        )
        return EXIT_OK
    say(f"de-identified {len(result.files)} files into {result.output_dir}; {len(result.skipped)} skipped")
    for skipped in result.skipped:
        say(f"  skipped {skipped.path}: {skipped.reason}")
    for note in result.notes:
        say(f"  note: {note}")
    return EXIT_OK
