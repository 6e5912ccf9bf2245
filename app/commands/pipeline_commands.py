"""``dvw run`` and ``dvw demo``: the whole pipeline, DICOM folder to verdict, with every artifact written.

Steps: scan -> import (``ct.nrrd``) -> segment bone, largest part (``bone-mask.nrrd``) -> mesh the bone
(``bone.stl``) -> measure the design against it (``<design>.params.json``) -> check against the envelope
(``<design>.check.json``). Each artifact is written atomically and named by its SHA-256 in the results.

With a case code (``dvw run --case``; ``dvw demo`` always), the case is recorded in the local store: the artifacts
are stored by content, and the log gains ``case_created`` (new case), ``design_changed`` (a different design than
the case's current one: a new revision) or ``inputs_added`` (other inputs changed), then ``check_run`` holding the
check's JSON, its inputs and artifacts. Re-running an identical check (same inputs, parameters, envelope and
software) records nothing new, so signatures already given stay valid.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import time
from contextlib import ExitStack
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import (
    EXIT_INDETERMINATE,
    EXIT_OK,
    EXIT_OUT_OF_ENVELOPE,
    UsageError,
    add_json_flag,
    emit_json,
    say,
)
from app.commands.acting import acting_session, acting_user_id, add_acting_user, add_password_stdin
from app.home import home_folder
from app.progress_bar import cancel_on_interrupt, progress_bar
from base.files import sha256_file
from base.progress import Cancelled
from validation.manifest import current_manifest
from workflow import steps
from workflow.folder import (
    ENVELOPE_FILE,
    LOAD_CASES_FILE,
    MASK_FILE,
    PATIENT_FILE,
    VOLUME_FILE,
    copy_atomically,
    write_json,
)

if TYPE_CHECKING:  # the cores load VTK, pydicom and friends: only when a step runs (start-up time)
    from geometry.io import MeshFile
    from geometry.mesh import Mesh
    from geometry.sample_design import Variant
    from mechanics.loadcases import LoadCases
    from records.store import Store
    from records.users import Session
    from validation.check import CheckResult
    from validation.envelope import Envelope
    from validation.parameters import Parameters
    from workflow.steps import AnatomyMesh, ImportedVolume

#: The sample envelope the demo checks its designs against.
SAMPLE_ENVELOPE = "cranial-plate-pekk.toml"
_VERDICT_EXIT = {"within": EXIT_OK, "out_of_envelope": EXIT_OUT_OF_ENVELOPE, "indeterminate": EXIT_INDETERMINATE}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``run`` and ``demo``."""
    run = sub.add_parser("run", help="the whole pipeline: DICOM folder to verdict", description=_RUN_HELP)
    run.add_argument("folder", metavar="DIR", help="folder with the patient's DICOM files")
    run.add_argument("--envelope", required=True, metavar="E", help="design envelope (.toml)")
    run.add_argument("--design", required=True, metavar="D", help="the device design (.stl, .ply, .obj, .3mf)")
    run.add_argument("--patient", metavar="P", help='patient facts (JSON: {"age_years", "weight_kg"})')
    run.add_argument("--series", metavar="UID", help="the series to import when the folder holds several")
    run.add_argument("--case", metavar="CODE", help="case code (names the output folder)")
    run.add_argument("--out", metavar="DIR", help="output folder (default: run-CODE or run-out)")
    run.add_argument("--force", action="store_true", help="replace the outputs of an earlier run in DIR")
    add_acting_user(run, "with --case: who runs the check (recorded as the case's engineer)")
    add_json_flag(run)
    run.set_defaults(handler=run_run)

    demo = sub.add_parser("demo", help="run DVW on the bundled sample case", description=_DEMO_HELP)
    demo.add_argument("--out", default="demo-out", metavar="DIR", help="folder for the demo's files (default demo-out)")
    demo.add_argument("--force", action="store_true", help="replace the outputs of an earlier demo in DIR")
    demo.add_argument(
        "--user",
        metavar="USER",
        help="with --home: the user of that store who records the demo cases (re-enters the password)",
    )
    add_password_stdin(demo)
    add_json_flag(demo)
    demo.set_defaults(handler=run_demo)


_RUN_HELP = (
    "Run the whole pipeline on a patient's DICOM folder: scan, import, segment the bone, mesh it, measure the "
    "design against it and check the measurements against the envelope. Every artifact is written to the output "
    "folder; the check's JSON is printed. Exit 0 within, 3 out of envelope, 4 indeterminate."
)
_DEMO_HELP = (
    "Write the bundled sample case (a synthetic head CT with a cranial defect, generated in code) as a real DICOM "
    "series, scan and import it, segment and mesh the skull, then measure two cranial plate designs (one fitted, "
    "one too thin) and check both against the sample cranial plate envelope, printing each step and both verdicts. "
    "The two cases are recorded in the demo's own store, DIR/store, set up with two demo users (an administrator "
    "and an engineer) whose passwords are written to DIR/demo-users.json (owner-only), so the demo never adds cases "
    "to your real store, where records can never be removed. With --home (or DVW_HOME) and --user, the cases are "
    "recorded in that store instead, by that user."
)


@dataclass(frozen=True)
class Evaluation:
    """One design measured and checked: the check, the JSON summary and the files behind it."""

    result: CheckResult
    summary: dict[str, Any]
    files: dict[str, Path]


@dataclass(frozen=True)
class Anatomy:
    """What the first steps produced: the imported volume, the bone's mask and mesh, and their JSON summaries."""

    imported: ImportedVolume
    anatomy: AnatomyMesh
    mask_json: dict[str, Any]
    mesh_json: dict[str, Any]

    @property
    def import_json(self) -> dict[str, Any]:
        """The ``dvw import --json`` object of the import."""
        return self.imported.summary_json()

    @property
    def files(self) -> dict[str, Path]:
        """The work files: volume, mask, anatomy."""
        return {"volume": self.imported.path, "mask": self.anatomy.mask_path, "anatomy": self.anatomy.stored.path}


class StepCancelledError(UsageError):
    """Ctrl+C during a design's measurement in ``dvw run`` / ``dvw demo`` (exit 2): the steps before it stay written."""

    code = "cancelled"


def _refuse_reuse(out: Path, force: bool) -> None:
    if (out / VOLUME_FILE).exists() and not force:
        raise UsageError(f"{out} already holds the outputs of an earlier run (use --force to redo it)", path=str(out))


def prepare_anatomy(folder: Path, out: Path, series_key: str | None, step: str = "") -> Anatomy:
    """Scan, import, segment the bone (largest part), mesh it; write ``ct.nrrd``, ``bone-mask.nrrd``, ``bone.stl``."""
    from imaging.assemble import select_series  # noqa: PLC0415
    from imaging.segment import SegmentParams  # noqa: PLC0415

    say(f"{step}scanning {folder} ...")
    with progress_bar("scanning") as progress:
        scan = steps.scan(folder, progress)
    series = select_series(scan, series_key)
    say(f"    {scan.files_scanned} files, {len(scan.series)} series; using {series.slices} slices ({series.kind})")
    say(f"{step}importing ...")
    with progress_bar("importing") as progress:
        imported = steps.import_series(series, out, progress)  # the folder is made once there is something to import
    volume = imported.result.volume
    say(f"    {imported.path}: size {volume.size}, spacing {tuple(round(v, 4) for v in volume.spacing)} mm")
    say(f"    findings: {', '.join(f.code for f in imported.result.findings) or 'none'}")
    say(f"{step}segmenting bone ...")
    with progress_bar("segmenting") as progress:
        bone = steps.segment_volume(imported, SegmentParams.from_preset("bone", keep_largest=1), progress)
    say(f"    {out / MASK_FILE}: {bone.volume_mm3 / 1000:.1f} cm3 of bone in {bone.components_kept} part(s)")
    say(f"{step}meshing the bone ...")
    with progress_bar("meshing") as progress:
        anatomy = steps.mesh_anatomy(bone.mask, out, progress, display=False)
    stored, m = anatomy.stored, anatomy.result.metrics
    closed = "watertight" if m.watertight and m.manifold else "NOT watertight"
    say(f"    {stored.path}: {m.triangles} triangles, {m.volume_mm3 / 1000:.1f} cm3, {closed}")
    return Anatomy(
        imported,
        anatomy,
        mask_json={"output": str(anatomy.mask_path), "sha256": anatomy.mask_sha256, "volume_mm3": bone.volume_mm3},
        mesh_json={
            "output": str(stored.path),
            "sha256": stored.sha256,
            "triangles": m.triangles,
            "volume_mm3": m.volume_mm3,
            "watertight": m.watertight,
        },
    )


def evaluate_design(
    anatomy: Anatomy,
    design: MeshFile,
    *,
    patient: dict[str, Any] | None,
    patient_sha256: str | None,
    envelope: Envelope,
    out: Path,
    load_cases: LoadCases | None = None,
) -> Evaluation:
    """Measure ``design`` against the anatomy and check it; write ``<design>.params.json`` and ``.check.json``.

    With ``load_cases`` (the envelope's, copied to ``out/load-cases.toml``) the design is analysed too: its
    ``mech.*`` figures are printed and its stress field written (``<design>.stress.npz``).
    """
    inputs = steps.measure_inputs(
        anatomy.imported,
        anatomy.anatomy,
        design,
        patient=patient,
        patient_sha256=patient_sha256,
        load_cases=load_cases,
    )
    stem = design.path.name.rsplit(".", 1)[0]
    with progress_bar(f"measuring {stem}") as progress, cancel_on_interrupt() as cancel:
        try:
            manifest_id = current_manifest().manifest_id
            checked = steps.measure_and_check(
                inputs, envelope, out, stem, manifest_id=manifest_id, progress=progress, cancel=cancel
            )
        except Cancelled:
            raise StepCancelledError(
                f"cancelled while measuring {design.path.name}: nothing was written for it; the files of the steps "
                f"before it are complete in {out}",
                path=str(out),
            ) from None
    result = checked.result
    flagged = [
        r.name for r in result.results if r.status in ("below", "above") or (r.status == "missing" and r.required)
    ]
    flagged += [c.id for c in result.constraints if c.status != "satisfied"]
    near = [r.name for r in result.results if r.status == "near_limit"]
    say(f"    {design.path.name}: {result.verdict.upper()}" + (f" ({', '.join(flagged)})" if flagged else ""))
    if near:
        say(f"        near a limit: {', '.join(near)}")
    if result.requires_reverification:
        say("        re-verification is required before this design may be signed")
    mechanics = _mechanical_figures(checked.parameters) if load_cases is not None else {}
    if load_cases is not None:
        say(f"        {_mechanical_line(mechanics, load_cases)}")
    summary = {
        "design": str(design.path),
        "design_sha256": design.sha256,
        "parameters": str(checked.parameters_path),
        "parameters_sha256": checked.parameters_sha256,
        "check": str(checked.check_path),
        "check_sha256": checked.check_sha256,
        "verdict": result.verdict,
        "requires_reverification": result.requires_reverification,
    }
    files = {**anatomy.files, "design": design.path, "parameters": checked.parameters_path, "check": checked.check_path}
    if load_cases is not None:
        summary["mechanics"] = mechanics
        files["load_cases"] = out / LOAD_CASES_FILE
    if checked.stress_field_path is not None:
        summary["stress_field"] = str(checked.stress_field_path)
        files["stress_field"] = checked.stress_field_path
    return Evaluation(result, summary, files)


#: The mechanical figures printed after a verdict, with their short titles.
_MECHANICAL = (
    ("mech.max_von_mises", "peak von Mises"),
    ("mech.min_safety_factor", "min safety factor"),
    ("mech.max_displacement", "peak displacement"),
)


def _mechanical_figures(parameters: Parameters) -> dict[str, Any]:
    """``mech.*`` name -> value, unit, uncertainty (None and the reason when the analysis failed)."""
    figures: dict[str, Any] = {}
    for name, _title in _MECHANICAL:
        value = parameters.get(name)
        if value is None:
            continue
        figures[name] = {"value": value.value, "unit": value.unit, "uncertainty": value.uncertainty}
        if value.value is None:
            figures[name]["reason"] = value.reason
    return figures


def _mechanical_line(figures: dict[str, Any], cases: LoadCases) -> str:
    """One line: the load cases and each ``mech.*`` figure with its uncertainty (or why it is missing)."""
    parts = []
    for name, title in _MECHANICAL:
        figure = figures.get(name)
        if figure is None:
            continue
        if figure["value"] is None:
            parts.append(f"{title} not measured ({figure['reason']})")
            continue
        unit = "" if figure["unit"] == "1" else f" {figure['unit']}"
        spread = "" if figure["uncertainty"] is None else f" +- {figure['uncertainty']:.2g}"
        parts.append(f"{title} {figure['value']:.3g}{spread}{unit}")
    return f"mechanics under {cases.id} {cases.version}: " + ", ".join(parts)


def record_case(
    store: Store,
    session: Session,
    code: str,
    evaluation: Evaluation,
    *,
    dicom_sha256: str,
    envelope_path: Path,
    patient_path: Path | None,
) -> dict[str, Any]:
    """Record a checked design as case ``code`` in the store, by ``session`` (:func:`workflow.record.record_case`).

    Returns the summary the commands print: ``code``, ``revision``, ``state``, ``recorded``, ``store``,
    ``recorded_by``.
    """
    from workflow.record import record_case as record  # noqa: PLC0415 - the store is only opened to record a case

    files = {**evaluation.files, "envelope": envelope_path}
    if patient_path is not None:
        files["patient"] = patient_path
    recorded = record(store, session, code, evaluation.result, files, dicom_sha256=dicom_sha256, source="dvw run")
    return {**recorded, "recorded_by": session.user_id}


def run_run(args: argparse.Namespace) -> int:
    """``dvw run``."""
    from geometry.io import read_mesh  # noqa: PLC0415
    from validation.envelope import load_envelope  # noqa: PLC0415

    envelope = load_envelope(args.envelope)
    load_cases = steps.family_load_cases(envelope, Path(args.envelope))  # refused before the long steps too
    design = read_mesh(args.design)  # refuse a bad design before the long steps
    patient = dict(steps.read_patient(args.patient)) if args.patient else None
    out = Path(args.out or (f"run-{args.case}" if args.case else "run-out"))
    _refuse_reuse(out, args.force)
    with ExitStack() as stack:
        store: Store | None = None
        session: Session | None = None
        if args.case:
            from records.events import check_case_code  # noqa: PLC0415
            from records.store import Store  # noqa: PLC0415

            check_case_code(args.case)
            acting_user_id(args, "recording a case (--case)")
            # Signed in before the long steps: a wrong password or an unknown user fails at once.
            store = stack.enter_context(Store.open(home_folder(args.home)))
            session = acting_session(args, store, "recording a case (--case)")
            _refuse_unrecordable(store, args.case, session.user_id, Path(args.design))
        return _run_pipeline(
            args,
            envelope=envelope,
            load_cases=load_cases,
            design=design,
            patient=patient,
            out=out,
            store=store,
            session=session,
        )


def _refuse_unrecordable(store: Store, code: str, user_id: str, design: Path) -> None:
    """Refuse before the long steps a check the case would refuse to record (team, design input, unrecorded change)."""
    from base.files import sha256_file  # noqa: PLC0415
    from records.errors import CaseNotFoundError  # noqa: PLC0415
    from records.team import refuse_check  # noqa: PLC0415

    try:
        case = store.case(code)
    except CaseNotFoundError:
        return
    refuse_check(case, user_id, sha256_file(design))


def _run_pipeline(
    args: argparse.Namespace,
    *,
    envelope: Envelope,
    load_cases: LoadCases | None,
    design: Mesh,
    patient: dict[str, Any] | None,
    out: Path,
    store: Store | None,
    session: Session | None,
) -> int:
    started = time.perf_counter()
    anatomy = prepare_anatomy(Path(args.folder), out, args.series, "")
    stored = steps.copy_design(design, Path(args.design).suffix.lower(), out)
    patient_sha256 = None
    if args.patient:
        patient_sha256 = copy_atomically(Path(args.patient), out / PATIENT_FILE)
    if load_cases is not None:
        copy_atomically(Path(load_cases.path), out / LOAD_CASES_FILE)
    say(f"measuring and checking against {envelope.id} {envelope.version} ...")
    evaluation = evaluate_design(
        anatomy,
        stored,
        patient=patient,
        patient_sha256=patient_sha256,
        envelope=envelope,
        out=out,
        load_cases=load_cases,
    )
    envelope_copy = out / ENVELOPE_FILE
    copy_atomically(Path(args.envelope), envelope_copy)
    case = None
    if args.case and store is not None and session is not None:
        case = record_case(
            store,
            session,
            args.case,
            evaluation,
            dicom_sha256=anatomy.imported.result.input_sha256,
            envelope_path=envelope_copy,
            patient_path=out / PATIENT_FILE if args.patient else None,
        )
        recorded = ", ".join(case["recorded"]) or "already recorded"
        say(f"case {case['code']} revision {case['revision']}: {case['state']} ({recorded})")
    say(f"done in {time.perf_counter() - started:.1f} s; outputs in {out}")
    result = evaluation.result
    if args.json:
        emit_json({**result.to_json(), "case": case, "outputs": {**evaluation.summary, "folder": str(out)}})
    return _VERDICT_EXIT[result.verdict]


def run_demo(args: argparse.Namespace) -> int:
    """``dvw demo``: the sample case through the whole pipeline, with a fitted and a too-thin plate."""
    out = Path(args.out)
    _refuse_reuse(out, args.force)
    with ExitStack() as stack:
        store, session = _demo_store(args, out, stack)
        return _run_demo(args, out, store, session)


DEMO_USERS_FILE = "demo-users.json"
DEMO_ADMIN = "demo-admin"
DEMO_ENGINEER = "demo-engineer"


def _demo_store(args: argparse.Namespace, out: Path, stack: ExitStack) -> tuple[Store, Session]:
    """The store the demo records in, and the user who records: the demo's own (set up here) or ``--home``'s."""
    from records.store import Store  # noqa: PLC0415
    from records.users import add_user, load_users, setup_admin, sign_in  # noqa: PLC0415

    if args.home or os.environ.get("DVW_HOME"):  # a store was chosen (CLI.md: --home or $DVW_HOME): record there
        acting_user_id(args, "recording the demo cases in the store given by --home or DVW_HOME")
        store = stack.enter_context(Store.open(home_folder(args.home)))
        return store, acting_session(args, store, "recording the demo cases")
    out.mkdir(parents=True, exist_ok=True)
    folder = out / "store"
    users_file = out / DEMO_USERS_FILE
    if folder.exists() and not users_file.is_file():
        shutil.rmtree(folder)  # a demo store whose passwords are gone cannot be used: make it again
    store = stack.enter_context(Store.open(folder))
    if not load_users(store):
        passwords = {DEMO_ADMIN: secrets.token_urlsafe(12), DEMO_ENGINEER: secrets.token_urlsafe(12)}
        setup_admin(store, DEMO_ADMIN, printed_name="Demo Administrator", password=passwords[DEMO_ADMIN])
        admin = sign_in(store, DEMO_ADMIN, passwords[DEMO_ADMIN])
        add_user(
            store,
            DEMO_ENGINEER,
            printed_name="Demo Design Engineer",
            role="engineer",
            password=passwords[DEMO_ENGINEER],
            by=admin,
        )
        write_json(users_file, {"store": str(folder), "passwords": passwords})
        os.chmod(users_file, 0o600)
    passwords = json.loads(users_file.read_text(encoding="utf-8"))["passwords"]
    say(f"    the demo records its cases in its own store {folder} (users and passwords: {users_file})")
    return store, sign_in(store, DEMO_ENGINEER, passwords[DEMO_ENGINEER])


def _run_demo(args: argparse.Namespace, out: Path, store: Store, session: Session) -> int:
    from geometry.io import write_mesh  # noqa: PLC0415
    from geometry.sample_design import THICKNESS_MM, sample_plate  # noqa: PLC0415
    from imaging.sample_case import SAMPLE_CASE, SAMPLE_PATIENT_FACTS, write_sample_dicom  # noqa: PLC0415
    from validation.envelope import load_envelope  # noqa: PLC0415

    dicom_dir = out / "sample-dicom"
    dicom_dir.mkdir(parents=True, exist_ok=True)
    for stale in dicom_dir.iterdir():
        if stale.is_file():
            stale.unlink()
    started = time.perf_counter()
    say(f"1/7 writing the sample head CT as DICOM to {dicom_dir} ...")
    files = write_sample_dicom(dicom_dir)
    say(f"    {len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB")
    anatomy = prepare_anatomy(dicom_dir, out, None, "2-5/7 ")
    say(f"    the defect is centred at {tuple(round(v, 1) for v in SAMPLE_CASE.defect_centre)} mm (LPS)")
    say("6/7 writing the sample designs, patient facts and envelope ...")
    envelope_path = out / SAMPLE_ENVELOPE
    with resources.as_file(resources.files("resources") / "envelopes" / SAMPLE_ENVELOPE) as source:
        copy_atomically(source, envelope_path)
    envelope = load_envelope(envelope_path)
    load_cases = steps.family_load_cases(envelope, envelope_path)
    if load_cases is not None:
        copy_atomically(Path(load_cases.path), out / LOAD_CASES_FILE)
    patient_path = out / PATIENT_FILE
    write_json(patient_path, SAMPLE_PATIENT_FACTS)
    variants: tuple[Variant, ...] = ("fitted", "thin")
    designs = [write_mesh(sample_plate(v), out / f"sample-plate-{v}.stl", force=True) for v in variants]
    for variant, stored in zip(variants, designs, strict=True):
        say(f"    {stored.path}: cranial plate, {THICKNESS_MM[variant]:g} mm wall")
    say(f"    {envelope_path}: {envelope.title} (version {envelope.version})")
    if load_cases is not None:
        say(f"    {out / LOAD_CASES_FILE}: {load_cases.title} (version {load_cases.version})")
    say(
        "7/7 measuring, analysing and checking both designs ..."
        if load_cases
        else "7/7 measuring and checking both designs ..."
    )
    patient_sha256 = sha256_file(patient_path)
    summaries = []
    for variant, stored in zip(variants, designs, strict=True):
        evaluation = evaluate_design(
            anatomy,
            stored,
            patient=dict(SAMPLE_PATIENT_FACTS),
            patient_sha256=patient_sha256,
            envelope=envelope,
            out=out,
            load_cases=load_cases,
        )
        case = record_case(
            store,
            session,
            f"DEMO-{variant.upper()}",
            evaluation,
            dicom_sha256=anatomy.imported.result.input_sha256,
            envelope_path=envelope_path,
            patient_path=patient_path,
        )
        say(f"        recorded as case {case['code']} ({case['state']}) in {case['store']}")
        summaries.append({**evaluation.summary, "case": case})
    say(f"done in {time.perf_counter() - started:.1f} s; outputs in {out}")
    if args.json:
        emit_json(
            {
                "store": str(store.home),
                "dicom": str(dicom_dir),
                "import": anatomy.import_json,
                "bone_mask": anatomy.mask_json,
                "skull_mesh": anatomy.mesh_json,
                "envelope": {"path": str(envelope_path), "id": envelope.id, "sha256": envelope.sha256},
                "designs": summaries,
            }
        )
    return EXIT_OK
