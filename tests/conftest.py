"""Fixtures shared by the test packages: pydicom's bundled DICOM files, stacks made of copies of one of them, and
set-up workstations with their signed-in people."""

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
