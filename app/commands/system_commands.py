"""``dvw manifest`` and ``dvw demo``: the software manifest, and the pipeline on the bundled sample case."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.commands.imaging_commands import import_json
from app.progress_bar import progress_bar
from geometry.io import write_mesh
from geometry.mesh import mesh_from_mask
from imaging.assemble import assemble, select_series
from imaging.sample_case import SAMPLE_CASE, write_sample_dicom
from imaging.segment import SegmentParams, segment
from imaging.series import scan_folder
from imaging.volume import write_volume
from validation.manifest import current_manifest


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``manifest``."""
    manifest = sub.add_parser(
        "manifest",
        help="the software manifest (version, file hashes, library versions) and its ID",
        description="Print DVW's software manifest: its version, the SHA-256 of each of its files and the versions "
        "of key libraries, hashed to one manifest_id that every result carries.",
    )
    add_json_flag(manifest)
    manifest.set_defaults(handler=run_manifest)

    demo = sub.add_parser(
        "demo",
        help="run DVW on the bundled sample case (a synthetic head CT with a cranial defect)",
        description="Write the bundled sample case (a synthetic head CT, generated in code) as a real DICOM series, "
        "then scan and import it, printing what each step found. Later steps of the pipeline join as they exist.",
    )
    demo.add_argument("--out", default="demo-out", metavar="DIR", help="folder for the demo's files (default demo-out)")
    demo.add_argument("--force", action="store_true", help="replace the outputs of an earlier demo in DIR")
    add_json_flag(demo)
    demo.set_defaults(handler=run_demo)


def run_manifest(args: argparse.Namespace) -> int:
    """``dvw manifest``."""
    manifest = current_manifest()
    # No built-in validation suite has run on this manifest yet (dvw selftest records that).
    validated = False
    if args.json:
        emit_json(
            {
                "manifest_id": manifest.manifest_id,
                "version": manifest.version,
                "files": dict(manifest.files),
                "libraries": dict(manifest.libraries),
                "validated": validated,
            }
        )
        return EXIT_OK
    say(f"DVW {manifest.version}  manifest {manifest.manifest_id}")
    say(f"  {len(manifest.files)} files; " + ", ".join(f"{k} {v}" for k, v in manifest.libraries))
    say(f"  validated on this installation: {'yes' if validated else 'no'}")
    return EXIT_OK


def run_demo(args: argparse.Namespace) -> int:
    """``dvw demo``: sample case -> DICOM series -> scan -> import -> segment bone -> mesh the skull."""
    out = Path(args.out)
    dicom_dir = out / "sample-dicom"
    volume_path = out / "sample-ct.nrrd"
    if (dicom_dir.exists() or volume_path.exists()) and not args.force:
        raise UsageError(f"{out} already holds a demo (use --force to redo it)", path=str(out))
    dicom_dir.mkdir(parents=True, exist_ok=True)
    for stale in dicom_dir.iterdir():
        if stale.is_file():
            stale.unlink()
    started = time.perf_counter()
    say(f"1/5 writing the sample head CT as DICOM to {dicom_dir} ...")
    files = write_sample_dicom(dicom_dir)
    say(f"    {len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB")
    say("2/5 scanning ...")
    with progress_bar("scanning") as progress:
        scan = scan_folder(dicom_dir, progress=progress)
    series = select_series(scan)
    say(f"    {scan.files_scanned} files, {len(scan.series)} series, {series.slices} slices, {series.kind}")
    say("3/5 importing ...")
    with progress_bar("importing") as progress:
        result = assemble(series, progress=progress)
    sha256 = write_volume(result.volume, volume_path, force=True)
    volume = result.volume
    say(f"    {volume_path}: size {volume.size}, spacing {volume.spacing} mm, HU {result.hu_range}")
    say(f"    findings: {', '.join(f.code for f in result.findings) or 'none'}")
    say("4/5 segmenting bone ...")
    mask_path = out / "sample-bone-mask.nrrd"
    with progress_bar("segmenting") as progress:
        bone = segment(
            volume,
            SegmentParams.from_preset("bone", keep_largest=1),
            input_sha256=sha256,
            progress=progress,
        )
    mask_sha256 = write_volume(bone.mask, mask_path, force=True)
    parts = f"{bone.components_kept} part(s)"
    say(f"    {mask_path}: {bone.voxels} voxels, {bone.volume_mm3 / 1000:.1f} cm3 of bone in {parts}")
    say("5/5 meshing the skull ...")
    mesh_path = out / "sample-skull.stl"
    with progress_bar("meshing") as progress:
        skull = mesh_from_mask(bone.mask, reduction=0.25, input_sha256=mask_sha256, progress=progress)
    stored = write_mesh(skull.mesh, mesh_path, force=True)
    m = skull.metrics
    closed = "watertight" if m.watertight and m.manifold else "NOT watertight"
    say(f"    {mesh_path}: {m.triangles} triangles, {m.volume_mm3 / 1000:.1f} cm3, {closed}")
    say(
        f"done in {time.perf_counter() - started:.1f} s; the defect is centred at "
        f"{tuple(round(v, 1) for v in SAMPLE_CASE.defect_centre)} mm (LPS)"
    )
    if args.json:
        emit_json(
            {
                "dicom": str(dicom_dir),
                "import": import_json(result, volume_path, sha256),
                "bone_mask": {"output": str(mask_path), "sha256": mask_sha256, "volume_mm3": bone.volume_mm3},
                "skull_mesh": {
                    "output": str(mesh_path),
                    "sha256": stored.sha256,
                    "triangles": m.triangles,
                    "volume_mm3": m.volume_mm3,
                    "watertight": m.watertight,
                },
            }
        )
    return EXIT_OK
