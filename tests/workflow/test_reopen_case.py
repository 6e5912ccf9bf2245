"""Reopening a case (:func:`workflow.reopen.reopen_case`): its volume, mask, meshes, design and last check come back
from the work folder and the records.

The store is a copy of the ``pipeline`` fixture's (``store_copy``: the sample case run through the steps and
recorded, each case's work folder holding every file the steps write for it, with their sidecars). The sidecars bring
back the import's findings and the anatomy's metrics; a file a step made after the last check is loaded with a note
and without that check's outcome; a file that matches neither its record nor its sidecar is not loaded. The window's
side is in ``tests/gui/test_reopen.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from people import People
from sample_pipeline import PipelineResults

from base.progress import CancelToken
from geometry.io import read_mesh, write_mesh
from imaging.sample_case import SAMPLE_PATIENT_FACTS
from imaging.series import scan_folder
from imaging.synthetic import SyntheticPatient, tilted_stack, write_ct_series
from records.events import CASE_CREATED
from records.store import Store
from workflow import folder as work_files
from workflow import reopen, steps

#: A patient whose identity must never reach a sidecar.
PATIENT = SyntheticPatient(name="DOE^JANE", patient_id="PID-4711", birth_date="19700101", sex="F")


def _quiet(_fraction: float, _message: str) -> None:
    return None


def test_the_reopened_check_is_the_recorded_one(store_copy: Path, pipeline: PipelineResults) -> None:
    reopened = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert reopened.loaded == ("volume", "mask", "anatomy", "design", "check")
    assert reopened.problems == ()
    assert reopened.outcome is not None
    with Store.open(store_copy) as store:
        state = store.case("SHOT-THIN")
    assert state.check is not None
    recorded = {key: state.check.payload[key] for key in pipeline.outcomes["thin"].result.to_json()}
    assert reopened.outcome.result.to_json() == recorded == pipeline.outcomes["thin"].result.to_json()
    assert reopened.anatomy is not None
    assert reopened.anatomy.stored.sha256 == pipeline.anatomy.stored.sha256
    assert reopened.anatomy.result.metrics.triangles == pipeline.anatomy.result.metrics.triangles
    assert reopened.design is not None
    assert reopened.design.info.wall == pipeline.designs["thin"].info.wall
    # The patient facts the check used, from the patient file it recorded (also when the work copy changed).
    assert reopened.patient == SAMPLE_PATIENT_FACTS
    (work_files.work_folder(store_copy, "SHOT-THIN") / "patient.json").write_text("{}")
    assert reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken()).patient == SAMPLE_PATIENT_FACTS


def test_the_sidecars_bring_back_the_import_and_the_anatomy_as_made(
    store_copy: Path, pipeline: PipelineResults
) -> None:
    reopened = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert reopened.loaded == ("volume", "mask", "anatomy", "design", "check")
    assert reopened.problems == ()
    assert reopened.imported is not None
    imported, made = reopened.imported.result, pipeline.imported.result
    assert imported.series.description == made.series.description == "DVW sample head CT (synthetic, cranial defect)"
    assert (imported.series.kind, imported.series.modality, imported.series.spacing) == (
        "volume",
        "CT",
        (0.9, 0.9, 1.5),
    )
    assert (imported.input_sha256, imported.resampled) == (made.input_sha256, made.resampled)
    assert imported.findings[:-1] == made.findings
    assert imported.findings[-1].code == "reopened"
    assert imported.findings[-1].severity == "info"
    # The anatomy as the mesh step reported it, deviation from the isosurface included; not measured again.
    assert reopened.anatomy is not None
    result = reopened.anatomy.result
    assert result.metrics == pipeline.anatomy.result.metrics
    deviation = result.metrics.surface_deviation
    assert deviation is not None
    assert 0.0 < deviation.mean_mm < deviation.max_mm < 1.0
    assert result.parameters == pipeline.anatomy.result.parameters
    assert result.input_sha256 == pipeline.anatomy.mask_sha256
    assert [name for name, _ in result.stage_seconds] == ["isosurface", "smoothing", "reduction", "repair", "metrics"]


def _tilted_case(home: Path, dicom: Path, people: People) -> steps.ImportedVolume:
    """A small gantry-tilted series of :data:`PATIENT` imported as case ``TILT`` (no check recorded)."""
    voxels = np.full((10, 24, 24), -1000.0)
    voxels[3:7, 8:16, 8:16] = 700.0
    write_ct_series(
        dicom,
        voxels,
        placement=tilted_stack(10, 2.0, 15.0),
        pixel_spacing_xy=(1.0, 1.0),
        description="tilted test head",
        patient=PATIENT,
    )
    with Store.open(home) as store:
        store.append(CASE_CREATED, case_code="TILT", payload={}, by=people.engineer)
    series = scan_folder(dicom).usable_volumes[0]
    return steps.import_series(series, work_files.work_folder(home, "TILT"), _quiet, CancelToken())


def test_a_reopened_volume_shows_its_import_findings_and_no_patient_identity(
    tmp_path: Path, people_home: tuple[Path, People]
) -> None:
    home, people = people_home
    imported = _tilted_case(home, tmp_path / "dicom", people)
    codes = [finding.code for finding in imported.result.findings]
    assert {"gantry_tilt", "resampled"} <= set(codes)
    sidecar = work_files.work_folder(home, "TILT") / work_files.VOLUME_SIDECAR
    text = sidecar.read_text(encoding="utf-8")
    for identity in ("DOE", "JANE", "PID-4711", "19700101"):
        assert identity not in text
    assert json.loads(text)["sha256"] == imported.sha256

    reopened = reopen.reopen_case(home, "TILT", _quiet, CancelToken())
    assert reopened.problems == ()
    assert reopened.imported is not None
    result = reopened.imported.result
    assert [finding.code for finding in result.findings] == [*codes, "reopened"]
    assert result.findings[:-1] == imported.result.findings
    assert result.series.findings == imported.result.series.findings
    assert result.series.description == "tilted test head"
    assert result.resampled

    # A sidecar describing another volume (here: the same import's, with the hash of other bytes) is ignored.
    data = json.loads(text)
    data["sha256"] = "0" * 64
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    reopened = reopen.reopen_case(home, "TILT", _quiet, CancelToken())
    assert reopened.problems == ()
    assert reopened.imported is not None
    assert [finding.code for finding in reopened.imported.result.findings] == ["reopened"]
    assert "not kept" in reopened.imported.result.findings[0].message
    assert reopened.imported.result.series.findings == ()


def test_a_design_loaded_after_the_last_check_is_the_one_reopened(
    store_copy: Path, sample_designs: dict[str, Path], tmp_path: Path
) -> None:
    # Another design, in another format than the checked design.stl, loaded into the case after its check.
    other = write_mesh(read_mesh(sample_designs["fitted"]), tmp_path / "plate-fitted.ply").path
    folder = work_files.work_folder(store_copy, "SHOT-THIN")
    loaded = steps.load_design(other, folder, _quiet, CancelToken())
    assert loaded.stored.path == folder / "design.ply"
    assert (folder / "design.stl").is_file()  # the checked design stays beside it

    reopened = reopen.reopen_case(store_copy, "SHOT-THIN", _quiet, CancelToken())
    assert reopened.loaded == ("volume", "mask", "anatomy", "design")
    assert reopened.design is not None
    assert (reopened.design.stored.path, reopened.design.stored.sha256) == (loaded.stored.path, loaded.stored.sha256)
    assert reopened.design.info.wall == loaded.info.wall
    assert [note.message for note in reopened.notes] == [
        "design.ply was made after the case's last check and has not been checked; it was loaded",
        (
            "the case's last check measured other files than those loaded (design.stl); its outcome is not "
            "shown: run the check again"
        ),
    ]
    assert reopened.errors == ()
