"""Reopening a case: what its work folder and its records hold, loaded back into the steps' results (no Qt here).

:func:`reopen_case` reads the case's state from the store and, from its work folder
(:func:`workflow.folder.work_folder`), the imported volume (``ct.nrrd``), the mask (``bone-mask.nrrd``), the anatomy
mesh (``bone.stl``) and the design (``design.<suffix>``), and rebuilds the latest check's outcome from the latest
``check_run`` event (its results and verdict, as recorded) with the parameters and envelope files it names. It
returns the same frozen results the steps make, so the window shows them exactly as after running the steps.

Every file the records name (the latest ``inputs_added``/``design_changed`` hashes, else the latest check's
artifacts) is checked against its SHA-256 first. A file that differs from its record but is the one its sidecar
(written by the step that made it, :func:`workflow.folder.write_sidecar`) describes was made after the case's last
check: it is loaded and reported with a note (``not_checked``), and the last check's outcome is not loaded, since it
was measured on other files. A file that matches neither changed since it was recorded: it is not loaded and is
reported as a problem (``artifact_changed``), as is a file that cannot be read. A missing file is simply not loaded.
The records stay the authority: the sidecars only say which of the steps' files are DVW's own work in progress.

What the sidecars keep is shown when the sidecar describes the loaded file (same SHA-256): the import's series and
findings (``ct.import.json``, with an ``info`` finding that the case was reopened), and the anatomy mesh's metrics
as measured when it was meshed, with its deviation from the isosurface, and its meshing parameters
(``bone.mesh.json``; the mesh is not measured again).

Limits: a volume, mask or mesh without a sidecar describing it (written before DVW kept sidecars, or changed since)
is loaded as before: the volume's import record holds what the volume file's header records (modality, input hash,
resampling) and no series findings, and the anatomy mesh is measured again, without its deviation from the
isosurface (unknown) and with the GUI's default meshing parameters assumed. The mask's segmentation statistics are
not kept, so they are not shown. A re-imported volume whose mask was not made again is loaded with the old mask when
the geometry agrees.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from base.errors import DvwError
from base.progress import CancelToken, ProgressCallback, checkpoint, report, subrange
from workflow import steps
from workflow.display import DISPLAY_MAX_TRIANGLES, design_display, display_surface
from workflow.folder import (
    ANATOMY_FILE,
    ANATOMY_SIDECAR,
    DESIGN_SIDECAR,
    DESIGN_STEM,
    DESIGN_SUFFIXES,
    MASK_FILE,
    MASK_SIDECAR,
    VOLUME_FILE,
    VOLUME_SIDECAR,
    mesh_metrics_from_json,
    read_sidecar,
    work_folder,
)
from workflow.problems import ErrorInfo

if TYPE_CHECKING:
    from geometry.mesh import Mesh, MeshResult
    from imaging.series import Finding, SeriesInfo
    from imaging.volume import Volume
    from records.cases import CaseState
    from records.events import Event
    from records.store import Store
    from validation.check import CheckResult

#: The code of the notes about files made after the case's last check (reported after the problems).
NOT_CHECKED = "not_checked"
#: Each work file's sidecar (see :func:`workflow.folder.write_sidecar`).
SIDECARS = {
    "volume": VOLUME_SIDECAR,
    "mask": MASK_SIDECAR,
    "anatomy": ANATOMY_SIDECAR,
    "design": DESIGN_SIDECAR,
}


@dataclass(frozen=True, eq=False)
class ReopenedCase:
    """What was loaded back for one case; None where nothing was loaded.

    Attributes
    ----------
    code
        The case code.
    imported
        The imported volume (``ct.nrrd``) with the import record its header keeps.
    mask
        The mask (``bone-mask.nrrd``), when it has the volume's geometry.
    anatomy
        The anatomy mesh with its mask and metrics (needs the mask).
    design
        The design with its metrics and thinnest wall.
    outcome
        The latest check as recorded (needs the parameters and envelope files it names, unchanged).
    problems
        Files that changed since they were recorded or could not be read (each not loaded), then the notes
        (:attr:`notes`, code :data:`NOT_CHECKED`) on files made after the case's last check (each loaded) and on
        the last check not loaded because of them.
    patient
        The patient facts the case's latest check used (``age_years``, ``weight_kg``; see
        :func:`recorded_patient`), or None when the case has no check or its patient file is not in this store.
    """

    code: str
    imported: steps.ImportedVolume | None = None
    mask: Volume | None = None
    anatomy: steps.AnatomyMesh | None = None
    design: steps.LoadedDesign | None = None
    outcome: steps.CheckOutcome | None = None
    problems: tuple[ErrorInfo, ...] = ()
    patient: Mapping[str, Any] | None = None

    @property
    def loaded(self) -> tuple[str, ...]:
        """Names of what was loaded: ``volume``, ``mask``, ``anatomy``, ``design``, ``check``."""
        found = {
            "volume": self.imported,
            "mask": self.mask,
            "anatomy": self.anatomy,
            "design": self.design,
            "check": self.outcome,
        }
        return tuple(name for name, value in found.items() if value is not None)

    @property
    def notes(self) -> tuple[ErrorInfo, ...]:
        """The :attr:`problems` that are notes (:data:`NOT_CHECKED`): information, nothing failed."""
        return tuple(problem for problem in self.problems if problem.code == NOT_CHECKED)

    @property
    def errors(self) -> tuple[ErrorInfo, ...]:
        """The :attr:`problems` that are not notes: files changed or unreadable."""
        return tuple(problem for problem in self.problems if problem.code != NOT_CHECKED)


class _Files:
    """The case's work files, each checked once against the hash the records hold for it (or its sidecar)."""

    def __init__(self, folder: Path, expected: Mapping[str, str], *, checked: bool = True) -> None:
        self.folder = folder
        self.expected = expected
        self.checked = checked
        self.problems: list[ErrorInfo] = []
        self.notes: list[ErrorInfo] = []
        self.changed: set[str] = set()
        self.unchecked: dict[str, ErrorInfo] = {}  # name -> its note
        self.loaded: dict[str, str] = {}

    def sidecar(self, name: str, path: Path) -> dict[str, Any] | None:
        """The sidecar of work file ``name`` when it describes ``path`` (by name; its hash is the caller's test)."""
        sidecar = SIDECARS.get(name)
        return None if sidecar is None else read_sidecar(self.folder / sidecar, path)

    def described(self, name: str, path: Path, sha: str) -> dict[str, Any] | None:
        """The sidecar of work file ``name`` when it describes ``path`` with SHA-256 ``sha``; else None."""
        sidecar = self.sidecar(name, path)
        return sidecar if sidecar is not None and sidecar["sha256"] == sha else None

    def verified(self, name: str, path: Path) -> str | None:
        """The SHA-256 of ``path`` when it exists and matches the record of ``name`` (or its sidecar: noted).

        A file that matches its sidecar but not its record was made after the last check; one that matches neither
        changed (reported, not loaded: None).
        """
        from base.files import sha256_file  # noqa: PLC0415

        if not path.is_file():
            return None
        sha = sha256_file(path)
        recorded = self.expected.get(name)
        if recorded is not None and sha != recorded and self.described(name, path, sha) is not None:
            # DVW's own work in progress: a step wrote it (and its sidecar) after the records were made.
            self.loaded[name] = sha
            when = "after the case's last check" if self.checked else "after it was recorded"
            note = ErrorInfo(
                NOT_CHECKED, f"{path.name} was made {when} and has not been checked; it was loaded", str(path)
            )
            self.unchecked[name] = note
            self.notes.append(note)
            return sha
        if recorded is not None and sha != recorded:
            self.changed.add(name)
            self.problems.append(
                ErrorInfo(
                    "artifact_changed",
                    f"{path.name} changed since it was recorded (recorded SHA-256 {recorded[:16]}..., now "
                    f"{sha[:16]}...); it was not loaded",
                    str(path),
                )
            )
            return None
        self.loaded[name] = sha
        return sha

    def failed(self, name: str, exc: DvwError) -> None:
        """Report a file that could not be read."""
        self.refused(name, ErrorInfo.of(exc))

    def refused(self, name: str, problem: ErrorInfo) -> None:
        """Report a verified file that is not loaded after all (unreadable, or not fitting what was loaded)."""
        self.changed.add(name)
        self.loaded.pop(name, None)
        note = self.unchecked.pop(name, None)
        self.notes = [n for n in self.notes if n is not note]  # it was not loaded after all
        self.problems.append(problem)


def _latest_check(state: CaseState) -> Event | None:
    from records.events import CHECK_RUN  # noqa: PLC0415

    checks = [event for event in state.events if event.kind == CHECK_RUN]
    return checks[-1] if checks else None


def _text_map(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}


def expected_hashes(state: CaseState) -> dict[str, str]:
    """Name -> SHA-256 of every work file the records name: the latest check's artifacts, then the case's inputs."""
    check = _latest_check(state)
    recorded = _text_map(check.payload.get("artifacts")) if check is not None else {}
    return {**recorded, **{str(k): str(v) for k, v in state.inputs.items()}}


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def check_result_from_payload(payload: Mapping[str, Any]) -> CheckResult:
    """The :class:`~validation.check.CheckResult` a ``check_run`` event records (its ``to_json`` is the payload's)."""
    from validation.check import CheckResult, ConstraintResult, ParameterResult  # noqa: PLC0415

    results = []
    for item in payload.get("results", []):
        measured = item.get("measured")
        measured = measured if isinstance(measured, Mapping) else {}
        results.append(
            ParameterResult(
                name=str(item.get("name", "")),
                unit=str(item.get("unit", "")),
                min=_decimal(item.get("min")),
                max=_decimal(item.get("max")),
                near_limit=_decimal(item.get("near_limit")),
                required=bool(item.get("required", True)),
                status=item.get("status", "missing"),
                value=_decimal(item.get("value")),
                margin=_decimal(item.get("margin")),
                measured_value=measured.get("value"),
                measured_unit=measured.get("unit"),
                reason=str(item.get("reason", "")),
                uncertainty=_decimal(item.get("uncertainty")),
            )
        )
    constraints = [
        ConstraintResult(
            id=str(item.get("id", "")),
            type=item.get("type", "linear"),
            status=item.get("status", "missing"),
            detail=str(item.get("detail", "")),
            missing=tuple(str(name) for name in item.get("missing", [])),
            distance=item.get("distance"),
        )
        for item in payload.get("constraints", [])
    ]
    envelope = payload.get("envelope", {})
    envelope = envelope if isinstance(envelope, Mapping) else {}
    return CheckResult(
        verdict=payload.get("verdict", "indeterminate"),
        envelope_id=str(envelope.get("id", "")),
        envelope_version=str(envelope.get("version", "")),
        envelope_sha256=str(envelope.get("sha256", "")),
        family=str(envelope.get("family", "")),
        parameters_sha256=str(payload.get("parameters_sha256", "")),
        results=tuple(results),
        constraints=tuple(constraints),
        manifest_id=str(payload.get("manifest_id", "")),
    )


def _read_verified_volume(files: _Files, name: str, path: Path) -> tuple[Volume, str] | None:
    """The volume file the records name ``name``, with its SHA-256, if unchanged and readable (else noted)."""
    from imaging.volume import read_volume  # noqa: PLC0415

    sha = files.verified(name, path)
    if sha is None:
        return None
    try:
        return read_volume(path), sha
    except DvwError as exc:
        files.failed(name, exc)
        return None


def _findings(items: object) -> tuple[Finding, ...]:
    """The findings of a summary's ``findings`` list (:func:`imaging.summary.finding_summary`'s objects)."""
    from imaging.series import Finding, Severity  # noqa: PLC0415

    if not isinstance(items, list):
        raise TypeError("findings are not a list")
    found = []
    for item in items:
        severity = item["severity"]
        if severity not in get_args(Severity):
            raise ValueError(f"unknown severity {severity!r}")
        found.append(Finding(str(item["code"]), severity, str(item["message"])))
    return tuple(found)


def _recorded_import(sidecar: Mapping[str, Any], volume: Volume) -> tuple[SeriesInfo, tuple[Finding, ...], bool, str]:
    """The series, the import's findings, whether it resampled, and its input hash, as the volume's sidecar keeps them.

    Raises
    ------
    KeyError, TypeError, ValueError
        When the sidecar does not hold them (it is then ignored).
    """
    from imaging.series import Kind, SeriesInfo  # noqa: PLC0415

    series, imported = sidecar["series"], sidecar["import"]
    kind = series["kind"]
    if kind not in get_args(Kind):
        raise ValueError(f"unknown series kind {kind!r}")
    spacing = series.get("spacing")
    number = series.get("series_number")
    info = SeriesInfo(
        key=str(series["series_uid"]),
        series_uid=str(series["dicom_series_uid"]),
        study_uid=str(series["study_uid"]),
        modality=str(series["modality"]),
        description=str(series["description"]),
        series_number=None if number is None else int(number),
        kind=kind,
        usable=bool(series["usable"]),
        rows=int(series["rows"]),
        columns=int(series["columns"]),
        frames=(),  # the DICOM files are not kept: the counts are in the sidecar
        geometry=None,
        spacing=None
        if spacing is None
        else (float(spacing[0]), float(spacing[1]), None if spacing[2] is None else float(spacing[2])),
        findings=_findings(series["findings"]),
    )
    if list(volume.size) != [int(v) for v in imported["size"]]:
        raise ValueError("the sidecar's import has another size than the volume")
    return info, _findings(imported["findings"]), bool(imported["resampled"]), str(imported["input_sha256"])


def _load_volume(files: _Files, state: CaseState) -> steps.ImportedVolume | None:
    from imaging.assemble import ImportResult  # noqa: PLC0415
    from imaging.series import Finding, SeriesInfo  # noqa: PLC0415

    path = files.folder / VOLUME_FILE
    loaded = _read_verified_volume(files, "volume", path)
    if loaded is None:
        return None
    volume, sha = loaded
    sidecar = files.described("volume", path, sha)
    if sidecar is not None:
        try:
            series, findings, resampled, input_sha256 = _recorded_import(sidecar, volume)
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # not a sidecar this DVW wrote: the volume's header alone, as without one
        else:
            note = Finding(
                "reopened",
                "info",
                f"reopened from {path.name}; the findings are those recorded when it was imported ({VOLUME_SIDECAR})",
            )
            recorded = ImportResult(volume, series, (*findings, note), resampled, (), input_sha256)
            return steps.ImportedVolume(recorded, path, sha)
    x, y, _z = volume.size
    series = SeriesInfo(
        key="",
        series_uid="",
        study_uid="",
        modality=volume.meta("dvw.modality") or "",
        description=path.name,
        series_number=None,
        kind="volume",
        usable=True,
        rows=y,
        columns=x,
        frames=(),
        geometry=None,
        spacing=volume.spacing,
        findings=(),
    )
    note = Finding("reopened", "info", f"reopened from {path.name}; the DICOM series' findings are not kept in it")
    result = ImportResult(
        volume=volume,
        series=series,
        findings=(note,),
        resampled=volume.meta("dvw.resampled") == "1",
        instance_sha256=(),
        input_sha256=state.inputs.get("dicom") or volume.meta("dvw.input_sha256") or "",
    )
    return steps.ImportedVolume(result, path, sha)


def _load_mask(files: _Files, volume: Volume) -> tuple[Volume, str] | None:
    import numpy as np  # noqa: PLC0415

    from imaging.volume import Volume as VolumeType  # noqa: PLC0415

    path = files.folder / MASK_FILE
    loaded = _read_verified_volume(files, "mask", path)
    if loaded is None:
        return None
    read, sha = loaded
    if read.voxels.shape != volume.voxels.shape or not np.allclose(read.origin, volume.origin, atol=1e-3):
        files.refused(
            "mask",
            ErrorInfo(
                "mask_mismatch", f"{path.name} does not have the volume's geometry; it was not loaded", str(path)
            ),
        )
        return None
    # The segmentation's own mask: uint8 0/1 with exactly the volume's geometry.
    voxels = (read.voxels != 0).astype(np.uint8)
    mask = VolumeType(voxels, volume.spacing, volume.origin, volume.direction, read.metadata)
    return mask, sha


def _load_anatomy(
    files: _Files, mask: Volume, mask_sha: str, progress: ProgressCallback | None, cancel: CancelToken
) -> steps.AnatomyMesh | None:
    from geometry.io import MeshFile, read_mesh  # noqa: PLC0415
    from geometry.mesh import (  # noqa: PLC0415
        BONE_MESH_REDUCTION,
        MASK_SMOOTHING,
        PASS_BAND,
        MeshingParameters,
        MeshResult,
    )
    from geometry.metrics import mesh_metrics  # noqa: PLC0415

    path = files.folder / ANATOMY_FILE
    sha = files.verified("anatomy", path)
    if sha is None:
        return None
    try:
        mesh = read_mesh(path)
    except DvwError as exc:
        files.failed("anatomy", exc)
        return None
    sidecar = files.described("anatomy", path, sha)
    result = None
    if sidecar is not None:
        try:
            result = _recorded_meshing(sidecar, mesh)
        except (KeyError, TypeError, ValueError, IndexError):
            result = None  # not a sidecar this DVW wrote: measured again, as without one
    if result is None:
        metrics = mesh_metrics(mesh, progress=subrange(progress, 0.0, 0.8), cancel=cancel)
        # What steps.mesh_anatomy meshes with (without a sidecar, the files do not record it).
        parameters = MeshingParameters("mask", 0.5, MASK_SMOOTHING, PASS_BAND, BONE_MESH_REDUCTION)
        result = MeshResult(mesh, metrics, parameters, mask_sha, ())
    report(progress, 0.9, "preparing the 3D view")
    display = display_surface(mesh, max_triangles=DISPLAY_MAX_TRIANGLES)
    return steps.AnatomyMesh(mask, files.folder / MASK_FILE, mask_sha, result, MeshFile(path, sha, mesh), display)


def _recorded_meshing(sidecar: Mapping[str, Any], mesh: Mesh) -> MeshResult:
    """The meshing result the anatomy's sidecar records for ``mesh`` (its metrics, parameters and mask).

    Raises
    ------
    KeyError, TypeError, ValueError
        When the sidecar does not hold them, or its counts are not the mesh's (it is then ignored).
    """
    from geometry.mesh import MeshingParameters, MeshResult  # noqa: PLC0415

    metrics = mesh_metrics_from_json(sidecar["metrics"])
    if (metrics.vertices, metrics.triangles) != (mesh.n_vertices, mesh.n_triangles):
        raise ValueError("the sidecar's metrics count other vertices or triangles than the mesh")
    given = sidecar["parameters"]
    source = given["source"]
    if source not in ("volume", "mask"):
        raise ValueError(f"unknown meshing source {source!r}")
    parameters = MeshingParameters(
        source,
        float(given["threshold"]),
        int(given["smoothing_iterations"]),
        float(given["pass_band"]),
        float(given["keep_fraction"]),
    )
    stages = tuple((str(name), float(seconds)) for name, seconds in sidecar.get("stage_seconds", []))
    unsmoothed = int(sidecar.get("unsmoothed_shells", 0))  # sidecars written before it was recorded: none
    return MeshResult(mesh, metrics, parameters, str(sidecar["mask_sha256"]), stages, unsmoothed)


def _design_path(folder: Path, check: Event | None) -> Path | None:
    # The design the GUI loaded last, when its sidecar still describes it (it may have another suffix than the
    # checked one); then the one the last check names; then the newest.
    from base.files import sha256_file  # noqa: PLC0415

    for suffix in DESIGN_SUFFIXES:
        candidate = folder / f"{DESIGN_STEM}{suffix}"
        sidecar = read_sidecar(folder / DESIGN_SIDECAR, candidate)
        if sidecar is not None and candidate.is_file() and sha256_file(candidate) == sidecar["sha256"]:
            return candidate
    names = _text_map(check.payload.get("file_names")) if check is not None else {}
    named = names.get("design")
    if named and (folder / named).is_file():
        return folder / named
    found = [
        folder / f"{DESIGN_STEM}{suffix}" for suffix in DESIGN_SUFFIXES if (folder / f"{DESIGN_STEM}{suffix}").is_file()
    ]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


def _load_design(
    files: _Files, check: Event | None, progress: ProgressCallback | None, cancel: CancelToken
) -> steps.LoadedDesign | None:
    from geometry.info import mesh_info  # noqa: PLC0415
    from geometry.io import MeshFile, read_mesh  # noqa: PLC0415
    from geometry.metrics import wall_thickness_map  # noqa: PLC0415

    path = _design_path(files.folder, check)
    if path is None:
        return None
    sha = files.verified("design", path)
    if sha is None:
        return None
    try:
        mesh = read_mesh(path)
        info = mesh_info(path, progress=subrange(progress, 0.0, 0.8), cancel=cancel)
    except DvwError as exc:
        files.failed("design", exc)
        return None
    # As steps.load_design measures a design: the wall thickness at every vertex, for the 3D view's colours.
    wall_map = wall_thickness_map(mesh, progress=subrange(progress, 0.8, 0.97), cancel=cancel)
    report(progress, 0.98, "preparing the 3D view")
    return steps.LoadedDesign(MeshFile(path, sha, mesh), info, path, design_display(mesh, wall_map), wall_map)


def _load_outcome(files: _Files, state: CaseState, check: Event) -> steps.CheckOutcome | None:
    from validation.envelope import load_envelope  # noqa: PLC0415
    from validation.parameters import read_parameters  # noqa: PLC0415

    names = _text_map(check.payload.get("file_names"))
    paths = {name: files.folder / file_name for name, file_name in names.items()}
    artifacts = _text_map(check.payload.get("artifacts"))
    # The check's own files must be those it recorded (the case-level inputs may be newer than this check).
    check_files = _Files(files.folder, artifacts)
    params_path, envelope_path = paths.get("parameters"), paths.get("envelope")
    if params_path is None or envelope_path is None:
        return None
    if (
        check_files.verified("parameters", params_path) is None
        or check_files.verified("envelope", envelope_path) is None
    ):
        files.problems.extend(check_files.problems)
        return None
    if files.changed & set(names):
        return None  # a file the check measured changed: its outcome no longer describes what is shown
    other = sorted(names[n] for n, sha in files.loaded.items() if n in names and artifacts.get(n, sha) != sha)
    if other:
        # Files made after the check (see _Files.verified) are shown: the check measured others.
        files.notes.append(
            ErrorInfo(
                NOT_CHECKED,
                f"the case's last check measured other files than those loaded ({', '.join(other)}); its outcome is "
                "not shown: run the check again",
            )
        )
        return None
    try:
        parameters = read_parameters(params_path)
        envelope = load_envelope(envelope_path)
    except DvwError as exc:
        files.failed("check", exc)
        return None
    recorded = {"code": state.code, "revision": state.revision, "state": state.state, "recorded": [], "store": ""}
    present = {name: path for name, path in paths.items() if path.is_file()}
    return steps.CheckOutcome(parameters, check_result_from_payload(check.payload), envelope, recorded, present)


def recorded_patient(store: Store, check: Event | None) -> Mapping[str, Any] | None:
    """The patient facts the ``check_run`` event ``check`` used: its ``patient`` artifact, read from the store.

    The check records the SHA-256 of the ``patient.json`` it measured with (``artifacts.patient``) and the store
    keeps that file by content, so the facts are those the check used even when the work folder's copy changed
    since. None without a check, for a check that recorded no patient file, or when this store does not hold it
    (patient files never leave their site) or it is not a JSON object.
    """
    if check is None:
        return None
    from records.errors import RecordsError  # noqa: PLC0415

    sha = _text_map(check.payload.get("artifacts")).get("patient")
    if sha is None:
        return None
    try:
        data = json.loads(store.read_artifact(sha))
    except (RecordsError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def reopen_case(home: Path, code: str, progress: ProgressCallback, cancel: CancelToken) -> ReopenedCase:
    """Load what case ``code``'s work folder and records hold (see the module docstring).

    Raises
    ------
    CaseNotFoundError
        When the store has no such case.
    Cancelled
        When ``cancel`` is set.
    """
    from records.store import Store  # noqa: PLC0415

    report(progress, 0.0, "reading the records")
    with Store.open(home) as store:
        state = store.case(code)
        check = _latest_check(state)
        patient = recorded_patient(store, check)
    files = _Files(work_folder(home, code), expected_hashes(state), checked=check is not None)
    checkpoint(cancel)
    report(progress, 0.05, "reading the volume")
    imported = _load_volume(files, state)
    checkpoint(cancel)
    mask: Volume | None = None
    anatomy: steps.AnatomyMesh | None = None
    if imported is not None:
        report(progress, 0.3, "reading the mask")
        found = _load_mask(files, imported.result.volume)
        checkpoint(cancel)
        if found is not None:
            mask, mask_sha = found
            anatomy = _load_anatomy(files, mask, mask_sha, subrange(progress, 0.4, 0.6), cancel)
    checkpoint(cancel)
    report(progress, 0.6, "reading the design")
    design = _load_design(files, check, subrange(progress, 0.6, 0.95), cancel)
    checkpoint(cancel)
    outcome = _load_outcome(files, state, check) if check is not None else None
    report(progress, 1.0, "reopened")
    problems = (*files.problems, *files.notes)
    return ReopenedCase(code, imported, mask, anatomy, design, outcome, problems, patient)


__all__ = ["ReopenedCase", "check_result_from_payload", "expected_hashes", "recorded_patient", "reopen_case"]
