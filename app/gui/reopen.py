"""Reopening a case: what its work folder and its records hold, loaded back into the steps' results (no Qt here).

:func:`reopen_case` reads the case's state from the store and, from its work folder (:func:`steps.work_folder`),
the imported volume (``ct.nrrd``), the mask (``bone-mask.nrrd``), the anatomy mesh (``bone.stl``) and the design
(``design.<suffix>``), measuring the meshes again, and rebuilds the latest check's outcome from the latest
``check_run`` event (its results and verdict, as recorded) with the parameters and envelope files it names. It
returns the same frozen results the steps make, so the window shows them exactly as after running the steps.

Every file the records name (the latest ``inputs_added``/``design_changed`` hashes, else the latest check's
artifacts) is checked against its SHA-256 first: a file that changed since it was recorded is not loaded and is
reported as a problem (``artifact_changed``), as is a file that cannot be read. A missing file is simply not loaded.

Limits: the DICOM series is not kept in the work folder, so a reopened volume's import record holds what the volume
file's header records (modality, input hash, slices, resampling) and no series findings; the mask's segmentation
statistics and the anatomy's deviation from its isosurface are not recorded either, so they are not shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.gui import steps
from app.workers.errors import ErrorInfo, describe_error
from imaging.errors import DvwError
from imaging.progress import CancelToken, ProgressCallback, checkpoint, report, subrange

if TYPE_CHECKING:
    from imaging.volume import Volume
    from records.cases import CaseState
    from records.events import Event
    from validation.check import CheckResult

VOLUME_FILE = "ct.nrrd"
MASK_FILE = "bone-mask.nrrd"
ANATOMY_FILE = "bone.stl"
DESIGN_STEM = "design"
DESIGN_SUFFIXES = (".stl", ".3mf", ".ply", ".obj")


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
        Files that changed since they were recorded or could not be read (each not loaded).
    """

    code: str
    imported: steps.ImportedVolume | None = None
    mask: Volume | None = None
    anatomy: steps.AnatomyMesh | None = None
    design: steps.LoadedDesign | None = None
    outcome: steps.CheckOutcome | None = None
    problems: tuple[ErrorInfo, ...] = ()

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


class _Files:
    """The case's work files, each checked once against the hash the records hold for it."""

    def __init__(self, folder: Path, expected: Mapping[str, str]) -> None:
        self.folder = folder
        self.expected = expected
        self.problems: list[ErrorInfo] = []
        self.changed: set[str] = set()

    def verified(self, name: str, path: Path) -> str | None:
        """The SHA-256 of ``path`` when it exists and matches the record of ``name``; else None (changed: reported)."""
        from imaging.files import sha256_file  # noqa: PLC0415

        if not path.is_file():
            return None
        sha = sha256_file(path)
        recorded = self.expected.get(name)
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
        return sha

    def failed(self, name: str, exc: DvwError) -> None:
        """Report a file that could not be read."""
        self.changed.add(name)
        self.problems.append(describe_error(exc))


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


def _load_volume(files: _Files, state: CaseState) -> steps.ImportedVolume | None:
    from imaging.assemble import ImportResult  # noqa: PLC0415
    from imaging.series import Finding, SeriesInfo  # noqa: PLC0415

    path = files.folder / VOLUME_FILE
    loaded = _read_verified_volume(files, "volume", path)
    if loaded is None:
        return None
    volume, sha = loaded
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
        files.changed.add("mask")
        files.problems.append(
            ErrorInfo("mask_mismatch", f"{path.name} does not have the volume's geometry; it was not loaded", str(path))
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
    metrics = mesh_metrics(mesh, progress=subrange(progress, 0.0, 0.8), cancel=cancel)
    # What steps.mesh_anatomy meshes with (the files do not record it).
    parameters = MeshingParameters("mask", 0.5, MASK_SMOOTHING, PASS_BAND, BONE_MESH_REDUCTION)
    result = MeshResult(mesh, metrics, parameters, mask_sha, ())
    report(progress, 0.9, "preparing the 3D view")
    display = steps.display_surface(mesh, max_triangles=steps.DISPLAY_MAX_TRIANGLES)
    return steps.AnatomyMesh(mask, files.folder / MASK_FILE, mask_sha, result, MeshFile(path, sha, mesh), display)


def _design_path(folder: Path, check: Event | None) -> Path | None:
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
    return steps.LoadedDesign(MeshFile(path, sha, mesh), info, path, steps.design_display(mesh, wall_map), wall_map)


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
    try:
        parameters = read_parameters(params_path)
        envelope = load_envelope(envelope_path)
    except DvwError as exc:
        files.failed("check", exc)
        return None
    recorded = {"code": state.code, "revision": state.revision, "state": state.state, "recorded": [], "store": ""}
    present = {name: path for name, path in paths.items() if path.is_file()}
    return steps.CheckOutcome(parameters, check_result_from_payload(check.payload), envelope, recorded, present)


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
    files = _Files(steps.work_folder(home, code), expected_hashes(state))
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
    return ReopenedCase(code, imported, mask, anatomy, design, outcome, tuple(files.problems))


__all__ = ["ReopenedCase", "check_result_from_payload", "expected_hashes", "reopen_case"]
