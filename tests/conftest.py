"""Fixtures shared by the test packages: pydicom's bundled DICOM files, stacks made of copies of one of them,
set-up workstations with their signed-in people, and the sample case run through the workflow's steps."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from people import People, set_up_people
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from sample_pipeline import PipelineResults, copy_pipeline_store, run_pipeline

from geometry.io import write_mesh
from geometry.sample_design import sample_plate
from imaging.sample_case import write_sample_dicom
from records.store import Store


def _bundled(name: str) -> Path:
    found = get_testdata_file(name, download=False)
    if not isinstance(found, str):
        pytest.skip(f"{name} is not bundled with this pydicom (it would have to be downloaded)")
    return Path(found)


def _stack_copies(source: Dataset, count: int, *, step_mm: float = 2.5) -> list[Dataset]:
    """``count`` copies of ``source`` placed ``step_mm`` apart along its slice normal, each a distinct instance.

    Only the header changes (position, SOP Instance UID, instance number): the pixel data bytes are kept as they
    are, so compressed copies still exercise the source's own codestream. A source without geometry (NM, SC)
    gets an axial orientation, 1 mm pixels and positions (0, 0, k * step_mm). UIDs are derived from the source
    UID, so the copies are the same on every run.
    """
    orientation = [float(v) for v in source.get("ImageOrientationPatient") or (1, 0, 0, 0, 1, 0)]
    origin = np.asarray(source.get("ImagePositionPatient") or (0.0, 0.0, 0.0), dtype=np.float64)
    normal = np.cross(orientation[:3], orientation[3:])
    copies = []
    for index in range(count):
        ds = copy.deepcopy(source)
        ds.ImageOrientationPatient = orientation
        ds.ImagePositionPatient = [round(float(v), 4) for v in origin + index * step_mm * normal]
        if "PixelSpacing" not in ds:
            ds.PixelSpacing = [1.0, 1.0]
        ds.SOPInstanceUID = generate_uid(entropy_srcs=[str(source.get("SOPInstanceUID", "")), str(index)])
        ds.InstanceNumber = index + 1
        if getattr(ds, "file_meta", None) is not None and "MediaStorageSOPInstanceUID" in ds.file_meta:
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        copies.append(ds)
    return copies


@pytest.fixture(scope="session")
def pydicom_file() -> Callable[[str], Path]:
    """Path of a file bundled with pydicom (never downloaded); the test is skipped when it is not bundled."""
    return _bundled


@pytest.fixture(scope="session")
def stack_copies() -> Callable[..., list[Dataset]]:
    """Make a small volume series out of one slice: see :func:`_stack_copies`."""
    return _stack_copies


# ---------------------------------------------------------------------------------------------------- people
# People, USERS, password_of and set_up_people live in tests/people.py (importable from any test: ``from people
# import People, password_of, set_up_people``); the fixtures are here.


@pytest.fixture(scope="session")
def _people_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, People]:
    """One store set up with :func:`set_up_people` (Argon2 makes each set-up cost a second): copied by tests."""
    home = tmp_path_factory.mktemp("people-template") / "home"
    with Store.open(home) as store:
        people = set_up_people(store)
    return home, people


@pytest.fixture
def people_home(tmp_path: Path, _people_template: tuple[Path, People]) -> tuple[Path, People]:
    """A fresh copy of a set-up workstation's home (its own folder; the same site id and users as the template)
    and its signed-in people. Tests that need two distinct sites set stores up with :func:`set_up_people`."""
    template, people = _people_template
    home = tmp_path / "people-home"
    shutil.copytree(template, home)
    return home, people


# ---------------------------------------------------------------------------------------------------- the sample case
# The sample case run through the workflow's steps (tests/sample_pipeline.py), for the workflow and GUI tests.


@pytest.fixture(scope="session")
def sample_dicom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated sample head CT written as a DICOM series (what ``dvw demo`` uses)."""
    folder = tmp_path_factory.mktemp("sample-dicom")
    write_sample_dicom(folder)
    return folder


@pytest.fixture(scope="session")
def sample_designs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample cranial plates as STL files: ``fitted`` (within the sample envelope) and ``thin`` (out of it)."""
    folder = tmp_path_factory.mktemp("designs")
    return {v: write_mesh(sample_plate(v), folder / f"plate-{v}.stl").path for v in ("fitted", "thin")}


@pytest.fixture(scope="session")
def pipeline(
    tmp_path_factory: pytest.TempPathFactory,
    sample_dicom: Path,
    sample_designs: dict[str, Path],
    _people_template: tuple[Path, People],
) -> PipelineResults:
    """Both sample designs checked by the engineer as cases ``SHOT-FITTED`` and ``SHOT-THIN`` in a store of their own
    (a copy of the set-up workstation of ``tests/people.py``): :func:`sample_pipeline.run_pipeline`."""
    template, people = _people_template
    home = tmp_path_factory.mktemp("pipeline") / "home"
    shutil.copytree(template, home)
    return run_pipeline(home, people, sample_dicom, sample_designs)


@pytest.fixture
def store_copy(pipeline: PipelineResults, tmp_path: Path) -> Path:
    """A copy of the pipeline's store in which each case's work folder holds the volume, mask and anatomy too."""
    return copy_pipeline_store(pipeline, tmp_path)


@pytest.fixture(scope="session")
def _other_site_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, People]:
    """A second workstation set up like ``people_home``'s template, with its own site id: copied by tests."""
    home = tmp_path_factory.mktemp("other-site-template") / "home"
    with Store.open(home) as store:
        people = set_up_people(store)
    return home, people


@pytest.fixture
def other_site_home(tmp_path: Path, _other_site_template: tuple[Path, People]) -> tuple[Path, People]:
    """A fresh copy of another set-up site (the same users' ids as ``people_home``'s, but other users: another
    site, other keys) and its signed-in people."""
    template, people = _other_site_template
    home = tmp_path / "other-site"
    shutil.copytree(template, home)
    return home, people
