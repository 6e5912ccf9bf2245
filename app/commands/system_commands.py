"""``dvw manifest`` and ``dvw demo``: the software manifest, and the pipeline on the bundled sample case."""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.commands.imaging_commands import import_json
from app.home import home_folder
from app.progress_bar import progress_bar
from geometry.io import write_mesh
from geometry.mesh import mesh_from_mask
from geometry.sample_design import THICKNESS_MM, Variant, sample_plate
from imaging.assemble import assemble, select_series
from imaging.files import sha256_file, write_atomically
from imaging.sample_case import SAMPLE_CASE, SAMPLE_PATIENT_FACTS, write_sample_dicom
from imaging.segment import SegmentParams, segment
from imaging.series import scan_folder
from imaging.volume import write_volume
from validation.check import check
from validation.envelope import load_envelope
from validation.manifest import current_manifest
from validation.parameters import write_parameters
from validation.registry import MeasureInputs, measure
from validation.selftest import is_validated, record_selftest, run_selftest

EXIT_SELFTEST_FAILED = 1
#: The sample envelope the demo checks its designs against.
SAMPLE_ENVELOPE = "cranial-plate-pekk.toml"


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

    selftest = sub.add_parser(
        "selftest",
        help="run the built-in validation suite and record the result for this software manifest",
        description="Run DVW's built-in validation suite (known-answer cases for import geometry, segmentation, "
        "meshing, every measurement family and the envelope check) and record pass or fail for this installation's "
        "software manifest in the local store. Sign-off is blocked on a manifest that has not passed. Exit 0 when "
        "every case passed, 1 when any failed.",
    )
    add_json_flag(selftest)
    selftest.set_defaults(handler=run_selftest_command)

    demo = sub.add_parser(
        "demo",
        help="run DVW on the bundled sample case (a synthetic head CT with a cranial defect)",
        description="Write the bundled sample case (a synthetic head CT with a cranial defect, generated in code) as a "
        "real DICOM series, scan and import it, segment and mesh the skull, then measure two cranial plate designs "
        "(one fitted, one too thin) and check both against the sample cranial plate envelope, printing each step's "
        "findings and the two verdicts.",
    )
    demo.add_argument("--out", default="demo-out", metavar="DIR", help="folder for the demo's files (default demo-out)")
    demo.add_argument("--force", action="store_true", help="replace the outputs of an earlier demo in DIR")
    add_json_flag(demo)
    demo.set_defaults(handler=run_demo)


def run_manifest(args: argparse.Namespace) -> int:
    """``dvw manifest``."""
    manifest = current_manifest()
    validated = is_validated(manifest.manifest_id, home_folder(args.home))
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
    say(f"  validated on this installation: {'yes' if validated else 'no (run dvw selftest)'}")
    return EXIT_OK


def run_selftest_command(args: argparse.Namespace) -> int:
    """``dvw selftest``."""
    manifest = current_manifest()
    say(f"DVW {manifest.version}: running the built-in validation suite for manifest {manifest.manifest_id[:16]} ...")
    with progress_bar("self-test") as progress:
        result = run_selftest(manifest.manifest_id, progress=progress)
    record = record_selftest(result, home_folder(args.home))
    if args.json:
        emit_json({**result.to_json(), "record": str(record)})
    else:
        for case in result.cases:
            say(f"  {'pass' if case.passed else 'FAIL'}  {case.id}")
            if not case.passed:
                say(f"        {case.detail}")
        say(f"{'PASSED' if result.passed else 'FAILED'} in {result.seconds:.1f} s; recorded in {record}")
    return EXIT_OK if result.passed else EXIT_SELFTEST_FAILED


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
    say(f"1/7 writing the sample head CT as DICOM to {dicom_dir} ...")
    files = write_sample_dicom(dicom_dir)
    say(f"    {len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB")
    say("2/7 scanning ...")
    with progress_bar("scanning") as progress:
        scan = scan_folder(dicom_dir, progress=progress)
    series = select_series(scan)
    say(f"    {scan.files_scanned} files, {len(scan.series)} series, {series.slices} slices, {series.kind}")
    say("3/7 importing ...")
    with progress_bar("importing") as progress:
        result = assemble(series, progress=progress)
    sha256 = write_volume(result.volume, volume_path, force=True)
    volume = result.volume
    say(f"    {volume_path}: size {volume.size}, spacing {volume.spacing} mm, HU {result.hu_range}")
    say(f"    findings: {', '.join(f.code for f in result.findings) or 'none'}")
    say("4/7 segmenting bone ...")
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
    say("5/7 meshing the skull ...")
    mesh_path = out / "sample-skull.stl"
    with progress_bar("meshing") as progress:
        skull = mesh_from_mask(bone.mask, reduction=0.25, input_sha256=mask_sha256, progress=progress)
    stored = write_mesh(skull.mesh, mesh_path, force=True)
    m = skull.metrics
    closed = "watertight" if m.watertight and m.manifold else "NOT watertight"
    say(f"    {mesh_path}: {m.triangles} triangles, {m.volume_mm3 / 1000:.1f} cm3, {closed}")
    say(f"    the defect is centred at {tuple(round(v, 1) for v in SAMPLE_CASE.defect_centre)} mm (LPS)")
    inputs = MeasureInputs(
        volume=volume,
        mask=bone.mask,
        anatomy=stored.mesh,
        sha256={"volume": sha256, "mask": mask_sha256, "anatomy": stored.sha256},
    )
    verdicts = _demo_designs(out, inputs)
    say(f"done in {time.perf_counter() - started:.1f} s")
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
                "designs": verdicts,
            }
        )
    return EXIT_OK


def _write_text(path: Path, text: str) -> None:
    write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _demo_designs(out: Path, anatomy: MeasureInputs) -> list[dict[str, Any]]:
    """Steps 6 and 7 of the demo: write the two sample plates, measure them and check them."""
    say("6/7 writing the sample designs, patient facts and envelope ...")
    envelope_path = out / SAMPLE_ENVELOPE
    with resources.as_file(resources.files("resources") / "envelopes" / SAMPLE_ENVELOPE) as source:
        shutil.copyfile(source, envelope_path)
    envelope = load_envelope(envelope_path)
    patient_path = out / "sample-patient.json"
    _write_text(patient_path, json.dumps(SAMPLE_PATIENT_FACTS, indent=2) + "\n")
    variants: tuple[Variant, ...] = ("fitted", "thin")
    designs = {
        variant: write_mesh(sample_plate(variant), out / f"sample-plate-{variant}.stl", force=True)
        for variant in variants
    }
    for variant, stored in designs.items():
        say(f"    {stored.path}: cranial plate, {THICKNESS_MM[variant]:g} mm wall")
    say(f"    {envelope_path}: {envelope.title} (version {envelope.version})")
    say("7/7 measuring and checking both designs ...")
    manifest_id = current_manifest().manifest_id
    verdicts = []
    patient_sha256 = sha256_file(patient_path)
    for variant, stored in designs.items():
        design_path = stored.path
        inputs = replace(
            anatomy,
            design=stored.mesh,
            patient=SAMPLE_PATIENT_FACTS,
            sha256={**(anatomy.sha256 or {}), "design": stored.sha256, "patient": patient_sha256},
        )
        with progress_bar(f"measuring {variant}") as progress:
            parameters = measure(inputs, family=envelope.family, manifest_id=manifest_id, progress=progress)
        params_path = out / f"sample-plate-{variant}.params.json"
        write_parameters(parameters, params_path, force=True)
        result = check(envelope, parameters, manifest_id)
        check_path = out / f"sample-plate-{variant}.check.json"
        _write_text(check_path, json.dumps(result.to_json(), indent=2) + "\n")
        flagged = [
            r.name for r in result.results if r.status in ("below", "above") or (r.status == "missing" and r.required)
        ]
        flagged += [c.id for c in result.constraints if c.status != "satisfied"]
        near = [r.name for r in result.results if r.status == "near_limit"]
        say(f"    {design_path.name}: {result.verdict.upper()}" + (f" ({', '.join(flagged)})" if flagged else ""))
        if near:
            say(f"        near a limit: {', '.join(near)}")
        if result.requires_reverification:
            say("        re-verification is required before this design may be signed")
        verdicts.append(
            {
                "design": str(design_path),
                "parameters": str(params_path),
                "check": str(check_path),
                "verdict": result.verdict,
                "requires_reverification": result.requires_reverification,
            }
        )
    return verdicts
