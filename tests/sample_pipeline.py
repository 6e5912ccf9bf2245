"""The sample case run through the workflow's steps once, shared by the workflow and GUI tests (no Qt here).

The fixtures (``sample_dicom``, ``sample_designs``, ``pipeline``) are in ``tests/conftest.py``; importable from any
test: ``from sample_pipeline import ENVELOPE, PipelineResults, copy_pipeline_store``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from people import People

from base.progress import CancelToken
from imaging.sample_case import SAMPLE_PATIENT_FACTS
from imaging.segment import SegmentParams
from workflow import folder, steps

ENVELOPE = Path(__file__).resolve().parents[1] / "resources" / "envelopes" / "cranial-plate-pekk.toml"


@dataclass
class PipelineResults:
    """The sample case run through the steps once (for tests that need data, not for the workflow test)."""

    home: Path
    scan: steps.ScanResult
    imported: steps.ImportedVolume
    segmentation: steps.SegmentationResult
    anatomy: steps.AnatomyMesh
    designs: dict[str, steps.LoadedDesign] = field(default_factory=dict)
    outcomes: dict[str, steps.CheckOutcome] = field(default_factory=dict)


def _quiet(_fraction: float, _message: str) -> None:
    return None


def run_pipeline(home: Path, people: People, dicom: Path, designs: dict[str, Path]) -> PipelineResults:
    """Both sample designs checked by the engineer as cases ``SHOT-FITTED`` and ``SHOT-THIN`` in the store ``home``.

    The volume, mask and anatomy are made once, in the work folder of case ``SHOT``.
    """
    cancel = CancelToken()
    scan = steps.scan(dicom, _quiet, cancel)
    out = folder.work_folder(home, "SHOT")
    imported = steps.import_series(scan.usable_volumes[0], out, _quiet, cancel)
    segmentation = steps.segment_volume(imported, SegmentParams.from_preset("bone", keep_largest=1), _quiet, cancel)
    anatomy = steps.mesh_anatomy(segmentation.mask, out, _quiet, cancel)
    results = PipelineResults(home, scan, imported, segmentation, anatomy)
    for variant, path in designs.items():
        code = f"SHOT-{variant.upper()}"
        design = steps.load_design(path, folder.work_folder(home, code), _quiet, cancel)
        inputs = steps.CheckInputs(home, code, imported, anatomy, design, ENVELOPE, dict(SAMPLE_PATIENT_FACTS))
        results.designs[variant] = design
        results.outcomes[variant] = steps.check_design(inputs, people.engineer, _quiet, cancel)
    return results


#: The sidecars of the volume, mask and anatomy that :func:`copy_pipeline_store` copies with them.
SIDECARS = (folder.VOLUME_SIDECAR, folder.MASK_SIDECAR, folder.ANATOMY_SIDECAR)


def copy_pipeline_store(pipeline: PipelineResults, tmp_path: Path) -> Path:
    """A copy of the pipeline's store in which each case's work folder holds the volume, mask and anatomy too."""
    home = tmp_path / "home"
    shutil.copytree(pipeline.home, home)
    shared = folder.work_folder(home, "SHOT")
    for code in ("SHOT-FITTED", "SHOT-THIN"):
        for name in (folder.VOLUME_FILE, folder.MASK_FILE, folder.ANATOMY_FILE, *SIDECARS):
            shutil.copyfile(shared / name, folder.work_folder(home, code) / name)
    return home
