"""The steps of a case: scan -> import -> segment -> mesh -> design -> measure -> check (no Qt here).

Every step is a plain function with frozen inputs and a frozen result, taking the progress callback and cancel
token of :mod:`base.progress`; the GUI runs them in a worker, the ``dvw`` commands with a progress bar. The step
that writes a work file (:mod:`workflow.folder`) writes its sidecar after it, so that a reopened case shows what the
step found (:mod:`workflow.reopen`). Recording a check, signing and the report are in :mod:`workflow.record` and
:mod:`workflow.report`.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.progress import CancelToken, ProgressCallback, checkpoint, report, subrange
from workflow.display import DISPLAY_MAX_TRIANGLES, DisplaySurface, design_display, display_surface
from workflow.folder import (
    ANATOMY_FILE,
    ANATOMY_SIDECAR,
    DESIGN_SIDECAR,
    DESIGN_STEM,
    ENVELOPE_FILE,
    LOAD_CASES_FILE,
    MASK_FILE,
    MASK_SIDECAR,
    PATIENT_FILE,
    STRESS_FIELD_SUFFIX,
    VOLUME_FILE,
    VOLUME_SIDECAR,
    copy_atomically,
    mesh_metrics_json,
    work_folder,
    write_json,
    write_sidecar,
)

if TYPE_CHECKING:  # the cores are imported where they are used: the window opens before they are loaded
    from geometry.info import MeshInfo
    from geometry.io import MeshFile
    from geometry.mesh import Mesh, MeshResult
    from imaging.assemble import ImportResult
    from imaging.segment import SegmentationResult, SegmentParams
    from imaging.series import ScanResult, SeriesInfo
    from imaging.volume import Volume
    from mechanics.loadcases import LoadCases
    from records.users import Session
    from validation.check import CheckResult
    from validation.envelope import Envelope
    from validation.parameters import Parameters
    from validation.registry import MeasureInputs

#: The largest patient file read (bytes): one holds a handful of facts (age or dates, weight), well under 1 kB.
MAX_PATIENT_BYTES = 64 * 1024


# ------------------------------------------------------------------------------------------------ import


def scan(folder: Path, progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> ScanResult:
    """Scan ``folder`` for DICOM series (:func:`imaging.series.scan_folder`)."""
    from imaging.series import scan_folder  # noqa: PLC0415

    return scan_folder(folder, progress=progress, cancel=cancel)


@dataclass(frozen=True, eq=False)
class ImportedVolume:
    """An imported series: the core's result and the volume file written (``ct.nrrd``) with its SHA-256."""

    result: ImportResult
    path: Path
    sha256: str

    def summary_json(self) -> dict[str, Any]:
        """The ``dvw import --json`` object for this import."""
        return import_json(self.result, self.path, self.sha256)


def import_json(result: ImportResult, output: Path, sha256: str) -> dict[str, Any]:
    """The ``dvw import --json`` object for an import by this software, written to ``output`` (SHA-256 ``sha256``)."""
    from imaging.summary import import_summary  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415 - only the summary names the software

    return import_summary(result, output, sha256, current_manifest().manifest_id)


def import_series(
    series: SeriesInfo, out: Path, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
) -> ImportedVolume:
    """Assemble ``series`` into a volume and write it as ``out/ct.nrrd`` (tilt and uneven spacing resampled).

    Then its sidecar :data:`VOLUME_SIDECAR` (:func:`import_sidecar`): the import's summary and findings and the
    volume file's SHA-256.

    Raises
    ------
    UnusableSeriesError, GeometryRefusedError, PixelDataError
        As :func:`imaging.assemble.assemble`.
    Cancelled
        When ``cancel`` is set; nothing is written.
    """
    from imaging.assemble import assemble  # noqa: PLC0415
    from imaging.volume import write_volume  # noqa: PLC0415

    result = assemble(series, progress=subrange(progress, 0.0, 0.8), cancel=cancel)
    checkpoint(cancel)
    report(progress, 0.85, "writing the volume")
    out.mkdir(parents=True, exist_ok=True)
    path = out / VOLUME_FILE
    sha256 = write_volume(result.volume, path, force=True)
    imported = ImportedVolume(result, path, sha256)
    write_sidecar(out / VOLUME_SIDECAR, path, sha256, import_sidecar(imported))
    report(progress, 1.0, "imported")
    return imported


def import_sidecar(imported: ImportedVolume) -> dict[str, Any]:
    """What :data:`VOLUME_SIDECAR` keeps of an import: the ``dvw import`` and ``dvw scan`` summaries.

    ``import`` and ``series`` are :mod:`imaging.summary`'s objects (size, spacing, modality, description, kind, every
    finding); they hold no patient identity (no name, ID or birth date).
    """
    from imaging.summary import series_summary  # noqa: PLC0415

    return {"import": imported.summary_json(), "series": series_summary(imported.result.series)}


# ------------------------------------------------------------------------------------------------ segment, mesh


def segment_volume(
    imported: ImportedVolume,
    params: SegmentParams,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> SegmentationResult:
    """Segment the imported volume with ``params`` (:func:`imaging.segment.segment`); the mask stays in memory.

    The mask is written when it is meshed (:func:`mesh_anatomy`), after any paint or erase edits.
    """
    from imaging.segment import segment  # noqa: PLC0415

    return segment(imported.result.volume, params, input_sha256=imported.sha256, progress=progress, cancel=cancel)


@dataclass(frozen=True, eq=False)
class AnatomyMesh:
    """The anatomy surface: the mask meshed (as edited), both files written, and the meshing result.

    Attributes
    ----------
    mask
        The mask that was meshed (uint8 0/1, the volume's geometry).
    mask_path, mask_sha256
        ``bone-mask.nrrd`` and its SHA-256.
    result
        The core's meshing result (mesh and metrics).
    stored
        ``bone.stl`` as written (its mesh, path and SHA-256).
    display
        The surface prepared for the 3D view (:class:`DisplaySurface`: point normals, reduced to at most
        :data:`DISPLAY_MAX_TRIANGLES` triangles), made in the worker so that the GUI thread only draws it.
    """

    mask: Volume
    mask_path: Path
    mask_sha256: str
    result: MeshResult
    stored: MeshFile
    display: DisplaySurface | None = field(default=None, compare=False, repr=False)


def mesh_anatomy(
    mask: Volume,
    out: Path,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    *,
    reduction: float | None = None,
    display: bool = True,
) -> AnatomyMesh:
    """Write the mask as ``out/bone-mask.nrrd``, mesh it (smoothed and reduced), write ``bone.stl``.

    Each file is followed by its sidecar: :data:`MASK_SIDECAR` (the mask's SHA-256) and :data:`ANATOMY_SIDECAR`
    (:func:`anatomy_sidecar`: the mesh's metrics and parameters, its SHA-256 and the mask's). ``reduction`` is the
    fraction of triangles kept (default :data:`geometry.mesh.BONE_MESH_REDUCTION`); with ``display``, the surface
    for the 3D view is prepared too (the command line has no view: ``display=False``).
    """
    from geometry.io import write_mesh  # noqa: PLC0415
    from geometry.mesh import BONE_MESH_REDUCTION, mesh_from_mask  # noqa: PLC0415
    from imaging.volume import write_volume  # noqa: PLC0415

    keep = BONE_MESH_REDUCTION if reduction is None else reduction
    out.mkdir(parents=True, exist_ok=True)
    report(progress, 0.0, "writing the mask")
    mask_path = out / MASK_FILE
    mask_sha256 = write_volume(mask, mask_path, force=True)
    write_sidecar(out / MASK_SIDECAR, mask_path, mask_sha256, {})
    checkpoint(cancel)
    result = mesh_from_mask(
        mask, reduction=keep, input_sha256=mask_sha256, progress=subrange(progress, 0.05, 0.95), cancel=cancel
    )
    checkpoint(cancel)
    report(progress, 0.97, "writing the mesh")
    stored = write_mesh(result.mesh, out / ANATOMY_FILE, force=True, exact=True)  # the metrics shown are the file's
    write_sidecar(out / ANATOMY_SIDECAR, stored.path, stored.sha256, anatomy_sidecar(result, mask_path, mask_sha256))
    surface = None
    if display:
        report(progress, 0.99, "preparing the 3D view")
        surface = display_surface(stored.mesh, max_triangles=DISPLAY_MAX_TRIANGLES)
    report(progress, 1.0, "meshed")
    return AnatomyMesh(mask, mask_path, mask_sha256, result, stored, surface)


def anatomy_sidecar(result: MeshResult, mask_path: Path, mask_sha256: str) -> dict[str, Any]:
    """What :data:`ANATOMY_SIDECAR` keeps of a meshing: metrics, parameters and the mask it was meshed from.

    The metrics are the core's as measured (with the deviation from the isosurface), exactly (JSON floats).
    """
    from dataclasses import asdict  # noqa: PLC0415

    return {
        "metrics": mesh_metrics_json(result.metrics),
        "parameters": asdict(result.parameters),
        "input_sha256": result.input_sha256,
        "stage_seconds": [[name, seconds] for name, seconds in result.stage_seconds],
        "unsmoothed_shells": result.unsmoothed_shells,
        "mask_file": mask_path.name,
        "mask_sha256": mask_sha256,
    }


# ------------------------------------------------------------------------------------------------ design, check


@dataclass(frozen=True, eq=False)
class LoadedDesign:
    """A design read from CAD output: the copy in the case folder (with its mesh) and its metrics.

    Attributes
    ----------
    stored, info, source
        The copy in the case folder (with its mesh), its metrics (and thinnest wall), the file it was read from.
    display
        The surface prepared for the 3D view (:class:`DisplaySurface` with, when ``wall_map`` is given, the wall
        thickness: see :func:`design_display`); made in the worker.
    wall_map
        Wall thickness (mm) at every vertex of ``stored.mesh`` (:func:`geometry.metrics.wall_thickness_map`),
        NaN where no inward ray meets the surface; None when not measured.
    """

    stored: MeshFile
    info: MeshInfo
    source: Path
    display: DisplaySurface | None = field(default=None, compare=False, repr=False)
    wall_map: Any = field(default=None, compare=False, repr=False)


def copy_design(mesh: Mesh, suffix: str, out: Path) -> MeshFile:
    """Write a design's ``mesh`` into ``out`` as ``design<suffix>`` (e.g. ``.stl``), then its sidecar.

    The sidecar :data:`DESIGN_SIDECAR` holds only the copy's name and SHA-256: a CAD file's own name may name the
    patient.
    """
    from geometry.io import write_mesh  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    stored = write_mesh(mesh, out / f"{DESIGN_STEM}{suffix}", force=True)
    write_sidecar(out / DESIGN_SIDECAR, stored.path, stored.sha256, {})
    return stored


def load_design(source: Path, out: Path, progress: ProgressCallback, cancel: CancelToken) -> LoadedDesign:
    """Read a design (STL, 3MF, PLY, OBJ), copy it into ``out`` as ``design.<suffix>`` and measure it.

    The copy's sidecar :data:`DESIGN_SIDECAR` names it and its SHA-256.

    Raises
    ------
    MeshFileError
        When the file is missing or not a mesh.
    Cancelled
        When ``cancel`` is set.
    """
    from geometry.info import mesh_info  # noqa: PLC0415
    from geometry.io import read_mesh  # noqa: PLC0415
    from geometry.metrics import wall_thickness_map  # noqa: PLC0415

    report(progress, 0.0, "reading the design")
    mesh = read_mesh(source)
    checkpoint(cancel)
    stored = copy_design(mesh, source.suffix.lower(), out)
    info = mesh_info(stored.path, progress=subrange(progress, 0.1, 0.85), cancel=cancel)
    wall_map = wall_thickness_map(stored.mesh, progress=subrange(progress, 0.85, 0.97), cancel=cancel)
    report(progress, 0.98, "preparing the 3D view")
    return LoadedDesign(stored, info, source, design_display(stored.mesh, wall_map), wall_map)


def bundled_envelopes() -> list[Path]:
    """The sample envelope files shipped in ``resources/envelopes`` (read when a check uses one)."""
    return sorted(Path(str(resources.files("resources") / "envelopes")).glob("*.toml"))


def find_load_cases(envelope: Envelope, envelope_path: Path | None = None) -> Path | None:
    """Where the load-case file an envelope names (``[envelope] load_cases = ID``) is; None when it names none.

    Looked for as ``ID.toml`` in a ``load_cases`` folder beside the envelope's folder (``resources/envelopes`` ->
    ``resources/load_cases``) or inside it, then as the copy a check leaves beside the envelope's copy
    (:data:`workflow.folder.LOAD_CASES_FILE`), then among the load cases shipped with DVW. The first file found is
    the one (:func:`family_load_cases` checks that it is the one named).
    """
    if not envelope.load_cases:
        return None
    name = f"{envelope.load_cases}.toml"
    candidates = []
    if envelope_path is not None:
        folder = Path(envelope_path).resolve().parent
        candidates += [folder.parent / "load_cases" / name, folder / "load_cases" / name, folder / LOAD_CASES_FILE]
    candidates.append(Path(str(resources.files("resources") / "load_cases")) / name)
    return next((path for path in candidates if path.is_file()), None)


def family_load_cases(envelope: Envelope, envelope_path: Path | None = None) -> LoadCases | None:
    """The load cases the envelope's designs are analysed under (:func:`find_load_cases`), read and validated.

    Raises
    ------
    LoadCaseError
        When the envelope names load cases that cannot be found, or the file found is another one (its id) or is
        for another device family, or is not a valid load-case file.
    """
    from mechanics.errors import LoadCaseError  # noqa: PLC0415
    from mechanics.loadcases import load_load_cases  # noqa: PLC0415

    path = find_load_cases(envelope, envelope_path)
    if not envelope.load_cases:
        return None
    if path is None:
        raise LoadCaseError(
            f"envelope {envelope.id} names the load cases {envelope.load_cases!r}, but no {envelope.load_cases}.toml "
            "is in a load_cases folder beside the envelope or among DVW's own",
            path=str(envelope_path or ""),
        )
    cases = load_load_cases(path)
    if cases.id != envelope.load_cases:
        raise LoadCaseError(
            f"{path}: its load cases are {cases.id!r}, not the {envelope.load_cases!r} envelope {envelope.id} names",
            path=str(path),
        )
    if cases.family != envelope.family:
        raise LoadCaseError(
            f"{path}: its load cases are for the family {cases.family!r}, not {envelope.family!r} (envelope "
            f"{envelope.id})",
            path=str(path),
        )
    return cases


@dataclass(frozen=True)
class CheckInputs:
    """Everything a check needs, captured on the GUI thread (frozen; crosses to the worker process).

    No session: the person who runs the check records it from the GUI process (:func:`record_measured_check`).
    ``manifest_id`` is the GUI process's software manifest (computed once there, at start-up), which the sign-off
    compares the check's with; empty: the manifest of the process that measures.
    """

    home: Path
    code: str
    imported: ImportedVolume
    anatomy: AnatomyMesh
    design: LoadedDesign
    envelope_path: Path
    patient: Mapping[str, Any] = field(default_factory=dict)
    manifest_id: str = ""


@dataclass(frozen=True, eq=False)
class MeasuredCheck:
    """A design measured and checked, its files written, not yet recorded: what the worker process hands back.

    Attributes
    ----------
    home, code
        The store and the case the check is for.
    parameters, result, envelope, locations
        As :class:`CheckOutcome`.
    files
        Name -> file of every artifact (volume, mask, anatomy, design, parameters, check, envelope, patient).
    dicom_sha256
        The hash of the DICOM instances the volume was imported from (an input of the record).
    """

    home: Path
    code: str
    parameters: Parameters
    result: CheckResult
    envelope: Envelope
    files: Mapping[str, Path]
    dicom_sha256: str
    locations: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class CheckOutcome:
    """A measured and checked design, recorded in the store.

    Attributes
    ----------
    parameters
        The measured parameters.
    result
        The envelope check.
    envelope
        The envelope used.
    recorded
        The ``record_case`` summary: ``code``, ``revision``, ``state``, ``recorded`` (event kinds), ``store``.
    files
        Name -> file of every artifact (volume, mask, anatomy, design, parameters, check, envelope, patient).
    locations
        Parameter name -> the place (LPS mm) its value was measured at, for the flagged parameters (outside the
        envelope or near a limit) that have one (see :func:`flagged_locations`).
    """

    parameters: Parameters
    result: CheckResult
    envelope: Envelope
    recorded: Mapping[str, Any]
    files: Mapping[str, Path]
    locations: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)


#: Check statuses that are marked on the 3D view where the parameter has a place.
FLAGGED_STATUSES = frozenset({"below", "above", "near_limit"})


def flagged_locations(result: CheckResult, parameters: Parameters) -> dict[str, tuple[float, float, float]]:
    """Where the flagged parameters of ``result`` were measured (LPS mm), for the 3D view's markers.

    Each flagged parameter whose value names a place (``ParameterValue.location``: the thinnest wall, the largest
    gap, the deepest penetration, the thinnest bone, the defect...) is placed there; the others have no marker.
    """
    flagged = sorted(item.name for item in result.results if item.status in FLAGGED_STATUSES)
    places: dict[str, tuple[float, float, float]] = {}
    for name in flagged:
        value = parameters.get(name)
        if value is not None and value.location is not None:
            places[name] = value.location
    return places


def read_patient(path: str | Path) -> Mapping[str, Any]:
    """The patient facts file ``path``: a JSON object (e.g. ``{"age_years": 54, "weight_kg": 71}``).

    Raises
    ------
    MeasurementInputError
        When the file is unreadable, too large (:data:`MAX_PATIENT_BYTES`), unsafe or not a JSON object.
    """
    from base.safe_load import DataFileError, load_json  # noqa: PLC0415
    from validation.errors import MeasurementInputError  # noqa: PLC0415

    try:
        data = load_json(path, what="patient file", max_bytes=MAX_PATIENT_BYTES)
    except DataFileError as exc:
        raise MeasurementInputError(exc.message, path=exc.path, line=exc.line) from None
    if not isinstance(data, dict):
        raise MeasurementInputError(f"{path}: patient file must hold a JSON object", path=str(path))
    return data


def measure_inputs(
    imported: ImportedVolume,
    anatomy: AnatomyMesh,
    design: MeshFile,
    *,
    patient: Mapping[str, Any] | None,
    patient_sha256: str | None,
    load_cases: LoadCases | None = None,
) -> MeasureInputs:
    """What the measurements of a design use: the imported volume, the mask and anatomy mesh, the design, the patient.

    Each input is named with the SHA-256 of its work file (the patient facts only when given with their file's hash,
    the load cases by their file's hash). With ``load_cases`` the design is analysed (``mech.*``).
    """
    from validation.registry import MeasureInputs  # noqa: PLC0415

    hashes = {
        "volume": imported.sha256,
        "mask": anatomy.mask_sha256,
        "anatomy": anatomy.stored.sha256,
        "design": design.sha256,
    }
    if patient_sha256 is not None:
        hashes["patient"] = patient_sha256
    if load_cases is not None:
        hashes["load_cases"] = load_cases.sha256
    return MeasureInputs(
        volume=imported.result.volume,
        mask=anatomy.mask,
        anatomy=anatomy.stored.mesh,
        design=design.mesh,
        patient=patient,
        load_cases=load_cases,
        sha256=hashes,
    )


@dataclass(frozen=True, eq=False)
class Checked:
    """A design measured and checked, with the two files written: ``<stem>.params.json`` and ``<stem>.check.json``."""

    parameters: Parameters
    result: CheckResult
    parameters_path: Path
    parameters_sha256: str
    check_path: Path
    check_sha256: str
    stress_field_path: Path | None = None


def measure_and_check(
    inputs: MeasureInputs,
    envelope: Envelope,
    out: Path,
    stem: str,
    *,
    manifest_id: str,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Checked:
    """Measure ``inputs`` for the envelope's family, check them against ``envelope``, write both as JSON in ``out``.

    ``<stem>.params.json`` (:func:`validation.parameters.write_parameters`) and ``<stem>.check.json`` (the check's
    ``to_json``, indented by 2), each atomically; ``manifest_id`` is the software both are made by. When the design
    was analysed under load cases (``mech.*``), also ``<stem>.stress.npz``: the stress field of that very analysis
    on the design's vertices (:mod:`mechanics.field`), for the stress map and the report's picture.

    Raises
    ------
    Cancelled
        When ``cancel`` is set (the measurements check it between parameters).
    """
    from validation.check import check  # noqa: PLC0415
    from validation.parameters import write_parameters  # noqa: PLC0415
    from validation.registry import MeasureContext, measure  # noqa: PLC0415

    context = MeasureContext(inputs, cancel)
    parameters = measure(
        inputs, family=envelope.family, manifest_id=manifest_id, progress=progress, cancel=cancel, context=context
    )
    checkpoint(cancel)
    params_path = out / f"{stem}.params.json"
    params_sha256 = write_parameters(parameters, params_path, force=True)
    result = check(envelope, parameters, manifest_id)
    check_path = out / f"{stem}.check.json"
    check_sha256 = write_json(check_path, result.to_json())
    stress_path = None
    analysis = context.analysis
    if analysis is not None and inputs.design is not None and inputs.load_cases is not None:
        from mechanics.field import stress_field, write_stress_field  # noqa: PLC0415

        stress = stress_field(
            analysis,
            inputs.design,
            design_sha256=inputs.digest("design"),
            yield_strength_mpa=inputs.load_cases.material.yield_strength_mpa,
        )
        stress_path = out / f"{stem}{STRESS_FIELD_SUFFIX}"
        write_stress_field(stress, stress_path)
    return Checked(parameters, result, params_path, params_sha256, check_path, check_sha256, stress_path)


def check_design(
    inputs: CheckInputs, session: Session, progress: ProgressCallback, cancel: CancelToken
) -> CheckOutcome:
    """Measure, check and record by ``session`` in the calling process (for scripts and tests).

    :func:`measure_design`, then :func:`record_measured_check`; the window runs the two apart.
    """
    measured = measure_design(inputs, progress, cancel)
    return record_measured_check(measured, session, progress, cancel)


def measure_design(inputs: CheckInputs, progress: ProgressCallback, cancel: CancelToken) -> MeasuredCheck:
    """Measure the design against the anatomy and check it against the envelope; write the check's files.

    The same steps and files as ``dvw run --case``: ``patient.json``, ``<design>.params.json``,
    ``<design>.check.json``, ``envelope.toml`` (:func:`measure_and_check`). Nothing is recorded: the window runs
    this in the worker process (the measurements hold the GIL) and records the result from its own process with the
    signed-in user's session (:func:`record_measured_check`), which never leaves that process.

    Raises
    ------
    EnvelopeError
        For a malformed envelope.
    Cancelled
        When ``cancel`` is set.
    """
    from validation.envelope import load_envelope  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415

    out = work_folder(inputs.home, inputs.code)
    out.mkdir(parents=True, exist_ok=True)
    envelope = load_envelope(inputs.envelope_path)
    cases = family_load_cases(envelope, inputs.envelope_path)
    envelope_copy = out / ENVELOPE_FILE
    shutil.copyfile(inputs.envelope_path, envelope_copy)
    cases_copy = out / LOAD_CASES_FILE
    if cases is not None:
        copy_atomically(Path(cases.path), cases_copy)
    patient_path = out / PATIENT_FILE
    patient = dict(inputs.patient)
    patient_sha256 = write_json(patient_path, patient, sort_keys=True)
    measured = measure_inputs(
        inputs.imported,
        inputs.anatomy,
        inputs.design.stored,
        patient=patient,
        patient_sha256=patient_sha256,
        load_cases=cases,
    )
    manifest_id = inputs.manifest_id or current_manifest().manifest_id
    stem = inputs.design.stored.path.name.rsplit(".", 1)[0]
    checked = measure_and_check(
        measured,
        envelope,
        out,
        stem,
        manifest_id=manifest_id,
        progress=subrange(progress, 0.0, 0.9),
        cancel=cancel,
    )
    checkpoint(cancel)
    report(progress, 0.92, "locating the flagged parameters")
    locations = flagged_locations(checked.result, checked.parameters)
    checkpoint(cancel)
    files = {
        "volume": inputs.imported.path,
        "mask": inputs.anatomy.mask_path,
        "anatomy": inputs.anatomy.stored.path,
        "design": inputs.design.stored.path,
        "parameters": checked.parameters_path,
        "check": checked.check_path,
        "envelope": envelope_copy,
        "patient": patient_path,
    }
    if cases is not None:
        files["load_cases"] = cases_copy
    if checked.stress_field_path is not None:
        files["stress_field"] = checked.stress_field_path
    report(progress, 1.0, "checked")
    dicom_sha256 = inputs.imported.result.input_sha256
    return MeasuredCheck(
        inputs.home, inputs.code, checked.parameters, checked.result, envelope, files, dicom_sha256, locations
    )


def record_measured_check(
    measured: MeasuredCheck, session: Session, progress: ProgressCallback, cancel: CancelToken
) -> CheckOutcome:
    """Record a measured check for its case (:func:`workflow.record.record_case`), by ``session``.

    Runs in a thread of the GUI process: ``session`` is the signed-in user's when the check was started (a check
    still running when the window locks is recorded with it). The files are stored by content, then the events
    (``case_created``, ``inputs_added`` or ``design_changed``, ``check_run``), each attested by the session's key;
    an identical check already recorded adds nothing.

    Raises
    ------
    Cancelled
        When ``cancel`` is set before anything is recorded.
    """
    from records.store import Store  # noqa: PLC0415
    from workflow.record import record_case  # noqa: PLC0415 - the store is only loaded when a check is recorded

    report(progress, 0.0, "recording the check")
    checkpoint(cancel)
    with Store.open(measured.home) as store:
        recorded = record_case(
            store,
            session,
            measured.code,
            measured.result,
            measured.files,
            dicom_sha256=measured.dicom_sha256,
            source="gui",
        )
    report(progress, 1.0, "recorded")
    return CheckOutcome(
        measured.parameters, measured.result, measured.envelope, recorded, measured.files, measured.locations
    )
