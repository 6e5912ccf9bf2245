"""Tests of :mod:`imaging.deidentify`: the Basic Profile table, combined codes, UIDs, data sets, files and folders."""

from __future__ import annotations

import copy
import hashlib
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.datadict import dictionary_has_tag, tag_for_keyword
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, CTImageStorage, EnhancedCTImageStorage, ExplicitVRLittleEndian, RTPlanStorage

from base.progress import Cancelled, CancelToken
from imaging import ps315_table
from imaging.assemble import assemble, select_series
from imaging.deidentify import (
    BASIC_PROFILE,
    DEFAULT_METHOD,
    DVW_ADDITIONS,
    PROFILE_EDITION,
    ActionCounts,
    AttributeType,
    BurnedInAnnotationError,
    DeidentificationError,
    DeidentifyOptions,
    ProfileCode,
    UidMap,
    deidentify,
    deidentify_file,
    deidentify_folder,
    resolve_action,
)
from imaging.errors import ImagingError, NotADicomFolderError, OutputExistsError
from imaging.series import scan_folder

REPO = Path(__file__).resolve().parents[2]
CT_3SLICE = REPO.parent / "shared" / "data" / "ct-3slice"
SITE = UidMap(b"dvw-test-site-secret-0123456789")

# Identifying values planted in the built data sets; none may survive anywhere in a written file.
IDENTITY = {
    "PatientName": "DOE^JOHNNY",
    "PatientID": "PID7734512",
    "PatientBirthDate": "19610423",
    "PatientAge": "062Y",
    "PatientAddress": "12 BAKER STREET LONDON",
    "OtherPatientIDs": "OTHERID99817",
    "InstitutionName": "ST ELSEWHERE HOSPITAL",
    "InstitutionAddress": "1 HOSPITAL ROAD SPRINGFIELD",
    "ReferringPhysicianName": "HOUSE^GREGORY",
    "PerformingPhysicianName": "WILSON^JAMES",
    "OperatorsName": "CUDDY^LISA",
    "AccessionNumber": "ACC88812345",
    "StudyID": "STUDY4471",
    "StudyDate": "20240312",
    "SeriesDate": "20240313",
    "AcquisitionDate": "20240314",
    "ContentDate": "20240315",
    "StudyTime": "101530.123",
    "InstanceCreationDate": "20240316",
    "DeviceSerialNumber": "SN998877XR",
    "StationName": "CTSTATION07",
    "StudyDescription": "CT ABDOMEN DOE FOLLOWUP",
    "SeriesDescription": "AXIAL SERIES OF JOHNNY",
    "ImageComments": "JOHNNY DOE COMMENT",
    "ProtocolName": "PROTO SECRETNAME",
    "AdditionalPatientHistory": "HISTORY OF KNEE SURGERY",
}
NESTED_SECRETS = (
    "REQPROC5512",
    "SPS7781",
    "REQDESC ZEBRA",
    "EMP31337",
    "NESTED INSTITUTE",
    "CONTRIB HOSPITAL",
    "CONTRIB STATION",
    "CONTRIB^OPERATOR",
    "CONTRIBSN4242",
    "PRIVATE PATIENT SECRET",
    "NESTED PRIVATE SECRET",
    "OVERLAY COMMENT SECRET",
    "OVERLAY DESCRIPTION SECRET",
    "CURVE SECRET",
    "HOSPITAL-AE-01",
)
GEOMETRY = ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "Rows", "Columns", "SliceThickness")
GEOMETRY_AND_VALUES = (*GEOMETRY, "RescaleSlope", "RescaleIntercept", "BitsAllocated", "PixelRepresentation")


def _uid(name: str) -> str:
    """A fixed, valid UID per test name (distinct from anything the de-identifier makes)."""
    return f"1.2.826.0.1.3680043.8.498.{int(hashlib.sha256(name.encode()).hexdigest()[:24], 16)}"


def _item(**values: object) -> Dataset:
    item = Dataset()
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def build_ct(
    index: int = 0, *, sop_class: str = CTImageStorage, other_instance: str | None = None, burned_in: bool = False
) -> Dataset:
    """A small CT slice full of identifying values, nested sequences, private tags, an overlay and a curve."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = _uid(f"instance-{index}")
    ds.StudyInstanceUID = _uid("study")
    ds.SeriesInstanceUID = _uid("series")
    ds.FrameOfReferenceUID = _uid("frame-of-reference")
    ds.Modality = "CT"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.InstanceNumber = index + 1
    for keyword, value in IDENTITY.items():
        setattr(ds, keyword, value)
    ds.PatientSex = "M"
    ds.AcquisitionDateTime = "20240314101530"
    ds.Manufacturer = "ACME"
    ds.RequestAttributesSequence = [
        _item(
            RequestedProcedureID="REQPROC5512",
            ScheduledProcedureStepID="SPS7781",
            RequestedProcedureDescription="REQDESC ZEBRA",
        )
    ]
    ds.OperatorIdentificationSequence = [
        _item(
            PersonIdentificationCodeSequence=[
                _item(CodeValue="EMP31337", CodingSchemeDesignator="L", CodeMeaning="employee")
            ],
            InstitutionName="NESTED INSTITUTE",
        )
    ]
    contributing = _item(
        InstitutionName="CONTRIB HOSPITAL",
        StationName="CONTRIB STATION",
        OperatorsName="CONTRIB^OPERATOR",
        DeviceSerialNumber="CONTRIBSN4242",
        Manufacturer="ACME",
    )
    contributing.private_block(0x0031, "ACME NESTED", create=True).add_new(0x01, "LO", "NESTED PRIVATE SECRET")
    ds.ContributingEquipmentSequence = [contributing]
    if other_instance is not None:
        ds.ReferencedSeriesSequence = [
            _item(
                SeriesInstanceUID=_uid("series"),
                ReferencedInstanceSequence=[
                    _item(ReferencedSOPClassUID=CTImageStorage, ReferencedSOPInstanceUID=other_instance)
                ],
            )
        ]
    ds.ReferencedImageSequence = [
        _item(ReferencedSOPClassUID=CTImageStorage, ReferencedSOPInstanceUID=_uid("localizer"))
    ]
    ds.private_block(0x0029, "ACME 1.0", create=True).add_new(0x10, "LO", "PRIVATE PATIENT SECRET")
    ds.add_new(0x60000010, "US", 4)  # Overlay Rows
    ds.add_new(0x60000011, "US", 4)  # Overlay Columns
    ds.add_new(0x60000022, "LO", "OVERLAY DESCRIPTION SECRET")
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    ds.add_new(0x60003000, "OW", b"\xff\x00")
    ds.add_new(0x60004000, "LT", "OVERLAY COMMENT SECRET")
    ds.add_new(0x50000022, "LO", "CURVE SECRET")
    if burned_in:
        ds.BurnedInAnnotation = "YES"
    ds.ImagePositionPatient = [-120.5, -98.25, 40.0 - 1.25 * index]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.75, 0.75]
    ds.SliceThickness = 1.25
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = 4
    ds.Columns = 4
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    ds.PixelData = (np.arange(16, dtype=np.int16) * (index + 7)).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = UID(sop_class)
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.SourceApplicationEntityTitle = "HOSPITAL-AE-01"
    return ds


def pydicom_file(name: str) -> Path:
    """A file shipped with pydicom (never downloaded)."""
    found = get_testdata_file(name, download=False)
    assert isinstance(found, str), name
    return Path(found)


def write(ds: Dataset, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def secrets_of(ds: Dataset) -> list[bytes]:
    """Every planted identifying value and original instance UID, as the bytes a leak would show."""
    values = [*IDENTITY.values(), *NESTED_SECRETS]
    values += [ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID, _uid("localizer")]
    return [v.encode("ascii") for v in values]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def has_odd_group(ds: Dataset) -> bool:
    found = False

    def visit(_: Dataset, elem: pydicom.DataElement) -> None:
        nonlocal found
        found = found or elem.tag.group % 2 == 1

    ds.walk(visit)
    return found


# ---------------------------------------------------------------------------------------------------------------
# The table and the resolution of combined codes
# ---------------------------------------------------------------------------------------------------------------


# Rows of PS3.15 Table E.1-1 (edition 2026c; Basic Profile column) as the standard prints them: tag, attribute
# name, action code. Patient ID is Z/D since the 2024 editions (Z in 2023 and before).
PUBLISHED_ROWS_2026C = [
    ((0x0010, 0x0010), "Patient's Name", "Z"),
    ((0x0010, 0x0020), "Patient ID", "Z/D"),
    ((0x0010, 0x0030), "Patient's Birth Date", "Z"),
    ((0x0010, 0x1010), "Patient's Age", "X"),
    ((0x0010, 0x2160), "Ethnic Group", "X"),
    ((0x0008, 0x0020), "Study Date", "Z"),
    ((0x0008, 0x0023), "Content Date", "Z/D"),
    ((0x0008, 0x0050), "Accession Number", "Z"),
    ((0x0008, 0x0080), "Institution Name", "X/Z/D"),
    ((0x0008, 0x0090), "Referring Physician's Name", "Z"),
    ((0x0008, 0x1010), "Station Name", "X/Z/D"),
    ((0x0008, 0x1140), "Referenced Image Sequence", "X/Z/U*"),
    ((0x0008, 0x0018), "SOP Instance UID", "U"),
    ((0x0020, 0x000D), "Study Instance UID", "U"),
    ((0x0020, 0x0052), "Frame of Reference UID", "U"),
    ((0x0018, 0x1000), "Device Serial Number", "X/Z/D"),
    ((0x0018, 0x1030), "Protocol Name", "X/D"),
    ((0x0040, 0x0555), "Acquisition Context Sequence", "X/Z"),
    ((0x0040, 0xA730), "Content Sequence", "D"),
]


def test_the_table_is_generated_for_the_stated_edition() -> None:
    assert PROFILE_EDITION == ps315_table.EDITION == "2026c"
    assert ps315_table.SOURCE == (
        "dicom-anonymizer 2.1.0 dicomanonymizer/dicom_anonymization_databases/dicomfields_2026c.py"
    )
    assert len(ps315_table.SOURCE_SHA256) == 64
    tags = [tag for tag, _, _ in ps315_table.ROWS]
    assert tags == sorted(set(tags))  # sorted, each tag once
    assert len(ps315_table.ROWS) == len(BASIC_PROFILE) == 652


def test_the_generated_module_is_what_the_generator_makes() -> None:
    # The generator reads the pinned source package (dev group), checks it against the hash in the package's
    # RECORD and compares its output with the checked-in module: a hand edit or a changed source fails here.
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "generate_ps315.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("tag", "name", "code"), PUBLISHED_ROWS_2026C, ids=[row[1] for row in PUBLISHED_ROWS_2026C])
def test_generated_rows_match_published_rows(tag: tuple[int, int], name: str, code: str) -> None:
    value = (tag[0] << 16) | tag[1]
    rows = {row_tag: (row_name, row_code) for row_tag, row_name, row_code in ps315_table.ROWS}
    assert rows[value] == (name, code)
    assert BASIC_PROFILE[value] == code


def test_table_entries_have_valid_codes_and_known_tags() -> None:
    codes = {"D", "Z", "X", "K", "C", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"}
    for tag, code in {**BASIC_PROFILE, **DVW_ADDITIONS}.items():
        assert code in codes, (hex(tag), code)
    for tag in DVW_ADDITIONS:
        assert dictionary_has_tag(tag), hex(tag)
    assert not set(BASIC_PROFILE) & set(DVW_ADDITIONS)
    # Rows newer than pydicom's data dictionary (pydicom 3.0 predates them): all removed (X), which is what DVW
    # does with attributes it cannot judge anyway; the walker applies the table's row first.
    newer = {tag: code for tag, code in BASIC_PROFILE.items() if not dictionary_has_tag(tag)}
    assert set(newer.values()) <= {"X"}, {hex(tag): code for tag, code in newer.items()}
    # Repeating-group rows: curve and overlay rows are X, and DVW removes their whole groups.
    for pattern, mask, _name, code in ps315_table.REPEATING_ROWS:
        assert code == "X"
        assert mask >> 16 == 0xFF00
        assert pattern >> 16 in (0x5000, 0x6000)


def test_attributes_the_2026c_table_added_are_acted_on() -> None:
    ds = build_ct()
    ds.SecondaryCaptureDeviceID = "SCDEV-LEAK-01"
    ds.HardcopyCreationDeviceID = "HCDEV-LEAK-02"
    ds.EthnicGroupCodeSequence = [_item(CodeValue="ETH123", CodingSchemeDesignator="L", CodeMeaning="leak")]
    ds.UnformattedTextValue = "UNFORMATTED LEAK"
    ds.TableTopPositionAlignmentUID = _uid("table-top")
    ds.add_new(0x00100012, "LO", "NAME TO USE LEAK")  # Name to Use: newer than pydicom's dictionary
    result = deidentify(ds, uid_map=SITE)
    out = result.dataset
    for keyword in ("SecondaryCaptureDeviceID", "HardcopyCreationDeviceID", "EthnicGroupCodeSequence"):
        assert keyword not in out, keyword
    assert 0x00100012 not in out
    assert out.UnformattedTextValue == "ANONYMIZED"
    assert out.TableTopPositionAlignmentUID == SITE.replace(_uid("table-top"))
    assert result.counts.unknown_removed == 0  # the table's X, not the unknown-attribute rule


def test_patient_id_is_emptied_at_the_top_level_of_any_iod() -> None:
    # Z/D, and Type 2 in the Patient Module of every composite IOD: emptied (as the Z of earlier editions) also
    # in an IOD whose other Types DVW does not model; inside a sequence item its Type is unknown: a dummy.
    ds = pydicom.dcmread(pydicom_file("rtplan.dcm"))
    ds.PatientID = "PID-RT-7781"
    ds.ContributingEquipmentSequence = [_item(Manufacturer="ACME", PatientID="NESTED-PID-1")]
    result = deidentify(ds, uid_map=SITE)
    assert result.dataset.PatientID == ""
    assert result.dataset.ContributingEquipmentSequence[0].PatientID == "ANONYMIZED"
    assert deidentify(build_ct(), uid_map=SITE).dataset.PatientID == ""


@pytest.mark.parametrize(
    ("keyword", "code"),
    [
        ("PatientName", "Z"),
        ("PatientID", "Z/D"),
        ("PatientBirthDate", "Z"),
        ("PatientSex", "Z"),
        ("PatientAge", "X"),
        ("PatientAddress", "X"),
        ("PatientWeight", "X"),
        ("PatientSize", "X"),
        ("OtherPatientIDs", "X"),
        ("OtherPatientIDsSequence", "X"),
        ("OtherPatientNames", "X"),
        ("IssuerOfPatientID", "X"),
        ("InstitutionName", "X/Z/D"),
        ("InstitutionAddress", "X"),
        ("InstitutionalDepartmentName", "X"),
        ("ReferringPhysicianName", "Z"),
        ("PerformingPhysicianName", "X"),
        ("OperatorsName", "X/Z/D"),
        ("NameOfPhysiciansReadingStudy", "X"),
        ("AccessionNumber", "Z"),
        ("StudyID", "Z"),
        ("StudyDate", "Z"),
        ("StudyTime", "Z"),
        ("SeriesDate", "X/D"),
        ("AcquisitionDate", "X/Z"),
        ("ContentDate", "Z/D"),
        ("AcquisitionDateTime", "X/Z/D"),
        ("InstanceCreationDate", "X/D"),
        ("DeviceSerialNumber", "X/Z/D"),
        ("StationName", "X/Z/D"),
        ("StudyInstanceUID", "U"),
        ("SeriesInstanceUID", "U"),
        ("SOPInstanceUID", "U"),
        ("FrameOfReferenceUID", "U"),
        ("ReferencedSOPInstanceUID", "U"),
        ("MediaStorageSOPInstanceUID", "U"),
        ("StudyDescription", "X"),
        ("SeriesDescription", "X"),
        ("ProtocolName", "X/D"),
        ("ImageComments", "X"),
        ("PatientComments", "X"),
        ("AdditionalPatientHistory", "X"),
        ("RequestAttributesSequence", "X"),
        ("RequestedProcedureDescription", "X/Z"),
        ("PerformedProcedureStepDescription", "X"),
        ("ReferencedImageSequence", "X/Z/U*"),
        ("SourceImageSequence", "X/Z/U*"),
        ("ContrastBolusAgent", "Z/D"),
    ],
)
def test_table_covers_ct_mr_identifying_attributes(keyword: str, code: str) -> None:
    tag = tag_for_keyword(keyword)
    assert tag is not None
    assert BASIC_PROFILE[tag] == code


@pytest.mark.parametrize("keyword", ["ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "PixelData"])
def test_geometry_and_pixels_are_not_in_the_table(keyword: str) -> None:
    assert tag_for_keyword(keyword) not in BASIC_PROFILE


@pytest.mark.parametrize(
    ("code", "required", "expected"),
    [
        ("X", 1, "X"),
        ("U", None, "U"),
        ("Z/D", 3, "Z"),
        ("Z/D", 2, "Z"),
        ("Z/D", 1, "D"),
        ("Z/D", None, "D"),
        ("X/Z", 3, "X"),
        ("X/Z", 2, "Z"),
        ("X/Z", None, "Z"),
        ("X/D", 3, "X"),
        ("X/D", 2, "D"),
        ("X/D", 1, "D"),
        ("X/D", None, "D"),
        ("X/Z/D", 3, "X"),
        ("X/Z/D", 2, "Z"),
        ("X/Z/D", 1, "D"),
        ("X/Z/D", None, "D"),
        ("X/Z/U*", 3, "X"),
        ("X/Z/U*", 2, "Z"),
        ("X/Z/U*", 1, "U"),
        ("X/Z/U*", None, "U"),
    ],
)
def test_resolve_action(code: ProfileCode, required: AttributeType | None, expected: str) -> None:
    assert resolve_action(code, required) == expected


# ---------------------------------------------------------------------------------------------------------------
# UIDs
# ---------------------------------------------------------------------------------------------------------------


def test_uid_map_is_a_deterministic_keyed_hash() -> None:
    original = _uid("anything")
    new = SITE.replace(original)
    assert new == SITE.replace(original) == SITE.replace(f" {original}\0")
    assert new != original
    assert UID(new).is_valid
    assert new.startswith("2.25.")
    assert len(new) <= 64
    assert uuid.UUID(int=int(new[5:])).version == 8
    assert UidMap(b"another-site-secret-0123456789").replace(original) != new
    assert SITE.replace(_uid("something else")) != new
    assert SITE.replace("") == ""


def test_uid_map_secret_is_checked_and_never_shown() -> None:
    with pytest.raises(DeidentificationError):
        UidMap(b"short")
    assert "dvw-test-site-secret" not in repr(SITE)
    assert UidMap.random().replace(_uid("x")) != UidMap.random().replace(_uid("x"))


# ---------------------------------------------------------------------------------------------------------------
# Data sets
# ---------------------------------------------------------------------------------------------------------------


def test_input_dataset_is_untouched() -> None:
    ds = build_ct()
    before = copy.deepcopy(ds)
    result = deidentify(ds, uid_map=SITE)
    assert ds == before
    assert ds.file_meta == before.file_meta
    assert result.dataset is not ds
    assert result.dataset.PatientName == ""


def test_ct_small_identity_removed_pixels_and_geometry_kept() -> None:
    ds = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    result = deidentify(ds, uid_map=SITE)
    out = result.dataset
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber", "StudyID"):
        assert out[keyword].value in ("", None), keyword
    for keyword in ("InstitutionName", "StationName", "PatientAge", "PatientWeight", "OtherPatientIDsSequence"):
        assert keyword not in out, keyword
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "FrameOfReferenceUID"):
        assert out[keyword].value != ds[keyword].value
        assert UID(out[keyword].value).is_valid
    for keyword in GEOMETRY_AND_VALUES:
        assert out[keyword].value == ds[keyword].value, keyword
    assert out.PixelData == ds.PixelData
    np.testing.assert_array_equal(out.pixel_array, ds.pixel_array)
    assert not has_odd_group(out)
    assert result.counts.private_removed > 100
    assert out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID


def test_built_ct_nested_sequences_private_overlay_and_curve() -> None:
    ds = build_ct(other_instance=_uid("instance-1"))
    out = deidentify(ds, uid_map=SITE).dataset
    # Legacy CT Image: combined codes take the strictest alternative the Type allows.
    assert out.ContentDate == ""  # Z/D, Type 2C
    for keyword in ("AcquisitionDate", "SeriesDate", "InstitutionName", "DeviceSerialNumber", "OperatorsName"):
        assert keyword not in out, keyword
    for keyword in ("RequestAttributesSequence", "OperatorIdentificationSequence", "ReferencedImageSequence"):
        assert keyword not in out, keyword
    # Nested attributes have an unknown Type: the least strict alternative, never the original value.
    contributing = out.ContributingEquipmentSequence[0]
    assert contributing.InstitutionName == "ANONYMIZED"
    assert contributing.StationName == "ANONYMIZED"
    assert contributing.OperatorsName == "ANONYMIZED"
    assert contributing.DeviceSerialNumber == "ANONYMIZED"
    assert contributing.Manufacturer == "ACME"
    # References inside kept sequences point at the new UIDs.
    reference = out.ReferencedSeriesSequence[0]
    assert reference.SeriesInstanceUID == out.SeriesInstanceUID
    assert reference.ReferencedInstanceSequence[0].ReferencedSOPInstanceUID == SITE.replace(_uid("instance-1"))
    assert reference.ReferencedInstanceSequence[0].ReferencedSOPClassUID == CTImageStorage
    assert not has_odd_group(out)
    assert not [elem for elem in out if elem.tag.group & 0xFF00 in (0x5000, 0x6000)]
    for keyword in ("PatientSex", "Modality", "Manufacturer", "ImageType"):
        assert keyword in out


def test_enhanced_ct_keeps_type_1_attributes_with_dummies() -> None:
    ds = build_ct(sop_class=EnhancedCTImageStorage)
    out = deidentify(ds, uid_map=SITE).dataset
    assert out.ContentDate == "19000101"  # Type 1 in the Multi-frame Functional Groups Module
    assert out.AcquisitionDateTime == "19000101000000"
    assert out.DeviceSerialNumber == "ANONYMIZED"  # Type 1 in the Enhanced General Equipment Module
    assert "InstitutionName" not in out
    assert "SeriesDate" not in out


def test_unknown_iod_takes_conformant_alternatives() -> None:
    ds = pydicom.dcmread(pydicom_file("rtplan.dcm"))
    assert ds.SOPClassUID == RTPlanStorage
    result = deidentify(ds, uid_map=SITE)
    out = result.dataset
    assert out.RTPlanDate == "19000101"  # X/D: D may be required in an IOD DVW does not model
    assert out.InstitutionName == "ANONYMIZED"
    assert out.RTPlanLabel == "ANONYMIZED"  # D
    assert "RTPlanName" not in out
    assert ("X/D->D", 3) in result.counts.resolutions


def test_identity_attributes_are_set() -> None:
    ds = build_ct()
    ds.DeidentificationMethod = "EARLIER STEP"
    out = deidentify(ds, uid_map=SITE).dataset
    assert out.PatientIdentityRemoved == "YES"
    assert list(out.DeidentificationMethod) == ["EARLIER STEP", DEFAULT_METHOD]
    code = out.DeidentificationMethodCodeSequence[-1]
    assert (code.CodeValue, code.CodingSchemeDesignator) == ("113100", "DCM")
    assert code.CodeMeaning == "Basic Application Confidentiality Profile"
    assert out.LongitudinalTemporalInformationModified == "REMOVED"
    assert "SourceApplicationEntityTitle" not in out.file_meta


def test_pseudonym_replaces_name_and_id() -> None:
    out = deidentify(build_ct(), options=DeidentifyOptions(pseudonym="CASE-0042"), uid_map=SITE).dataset
    assert out.PatientName == "CASE-0042"
    assert out.PatientID == "CASE-0042"


@pytest.mark.parametrize("pseudonym", ["", "DOE^JOHN", "with space", "x" * 65, "back\\slash", "-leading"])
def test_invalid_pseudonym_is_refused(pseudonym: str) -> None:
    with pytest.raises(DeidentificationError):
        DeidentifyOptions(pseudonym=pseudonym)


def test_burned_in_annotation_refused_unless_allowed() -> None:
    ds = build_ct(burned_in=True)
    with pytest.raises(BurnedInAnnotationError) as caught:
        deidentify(ds, uid_map=SITE)
    assert isinstance(caught.value, ImagingError)
    result = deidentify(ds, options=DeidentifyOptions(allow_burned_in_annotation=True), uid_map=SITE)
    assert any("burned-in" in note for note in result.notes)


def test_counts_never_hold_values() -> None:
    result = deidentify(build_ct(), uid_map=SITE)
    record = repr(result.counts) + repr(result.notes)
    for value in [*IDENTITY.values(), *NESTED_SECRETS]:
        assert value not in record
    counts = result.counts
    assert counts.removed > 10
    assert counts.emptied > 5
    assert counts.uids_replaced == 4  # study, series, instance, frame of reference
    assert counts.private_removed >= 4  # two creators, two values
    assert counts.repeating_groups_removed == 10
    assert counts.file_meta_removed == 1
    total = counts + counts
    assert total.removed == 2 * counts.removed
    assert dict(total.resolutions) == {key: 2 * n for key, n in counts.resolutions}
    assert ActionCounts() + counts == counts


# ---------------------------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------------------------


def test_no_identifying_value_in_written_bytes(tmp_path: Path) -> None:
    ds = build_ct(other_instance=_uid("instance-1"))
    src = write(ds, tmp_path / "in" / "DOE_JOHNNY.dcm")
    raw_in = src.read_bytes()
    leaks = secrets_of(ds)
    assert all(value in raw_in for value in leaks)  # the check below can see them
    result = deidentify_file(src, tmp_path / "out" / "x.dcm", uid_map=SITE)
    raw_out = (tmp_path / "out" / "x.dcm").read_bytes()
    assert [value for value in leaks if value in raw_out] == []
    assert src.read_bytes() == raw_in
    back = pydicom.dcmread(tmp_path / "out" / "x.dcm")
    assert back.PixelData == ds.PixelData
    for keyword in GEOMETRY_AND_VALUES:
        assert back[keyword].value == ds[keyword].value, keyword
    assert back.file_meta.MediaStorageSOPInstanceUID == back.SOPInstanceUID
    assert result.output_sha256 == sha256(tmp_path / "out" / "x.dcm")
    assert raw_out[:128] == bytes(128)


def test_uids_consistent_across_the_files_of_a_series(tmp_path: Path) -> None:
    sources = [write(build_ct(i, other_instance=_uid(f"instance-{1 - i}")), tmp_path / f"in/{i}.dcm") for i in (0, 1)]
    outs = [
        pydicom.dcmread(deidentify_file(src, tmp_path / f"out/{i}.dcm", uid_map=SITE).output_path or "")
        for i, src in enumerate(sources)
    ]
    assert outs[0].SeriesInstanceUID == outs[1].SeriesInstanceUID != _uid("series")
    assert outs[0].StudyInstanceUID == outs[1].StudyInstanceUID != _uid("study")
    assert outs[0].FrameOfReferenceUID == outs[1].FrameOfReferenceUID != _uid("frame-of-reference")
    assert outs[0].SOPInstanceUID != outs[1].SOPInstanceUID
    for i in (0, 1):
        reference = outs[i].ReferencedSeriesSequence[0].ReferencedInstanceSequence[0]
        assert reference.ReferencedSOPInstanceUID == outs[1 - i].SOPInstanceUID
        assert outs[i].file_meta.MediaStorageSOPInstanceUID == outs[i].SOPInstanceUID


@pytest.mark.parametrize(
    "name",
    [
        "CT_small.dcm",
        "MR_small.dcm",
        "MR_small_implicit.dcm",
        "MR_small_bigendian.dcm",
        "JPEG2000.dcm",
        "SC_rgb_rle.dcm",
        "rtplan.dcm",
        "rtdose.dcm",
    ],
)
def test_pydicom_test_files_round_trip(tmp_path: Path, name: str) -> None:
    src = pydicom_file(name)
    before = sha256(src)
    original = pydicom.dcmread(src)
    deidentify_file(src, tmp_path / "out.dcm", uid_map=SITE)
    assert sha256(src) == before
    back = pydicom.dcmread(tmp_path / "out.dcm")
    assert back.PatientIdentityRemoved == "YES"
    assert back.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
    assert not has_odd_group(back)
    raw = (tmp_path / "out.dcm").read_bytes()
    for keyword in ("PatientName", "PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        value = str(original.get(keyword, "")).encode()
        assert len(value) < 4 or value not in raw, keyword
    for keyword in ("PatientBirthDate", "AccessionNumber", "StudyID", "ReferringPhysicianName"):
        assert back.get(keyword, "") in ("", None), keyword
    if "PixelData" in original:
        assert back.PixelData == original.PixelData
        for keyword in GEOMETRY:
            if keyword in original:
                assert back[keyword].value == original[keyword].value


def test_file_is_written_atomically_and_never_over_its_source(tmp_path: Path) -> None:
    src = write(build_ct(), tmp_path / "in.dcm")
    dst = tmp_path / "out" / "out.dcm"
    deidentify_file(src, dst, uid_map=SITE)
    assert sorted(p.name for p in dst.parent.iterdir()) == ["out.dcm"]  # no temporary file left behind
    with pytest.raises(OutputExistsError):
        deidentify_file(src, dst, uid_map=SITE)
    deidentify_file(src, dst, uid_map=SITE, overwrite=True)
    with pytest.raises(DeidentificationError):
        deidentify_file(src, src, uid_map=SITE, overwrite=True)
    text = tmp_path / "notes.txt"
    text.write_text("not DICOM at all, just some words to fill more than a preamble " * 4)
    with pytest.raises(DeidentificationError, match="not DICOM"):
        deidentify_file(text, tmp_path / "text.dcm", uid_map=SITE)
    with pytest.raises(BurnedInAnnotationError):
        deidentify_file(write(build_ct(burned_in=True), tmp_path / "bia.dcm"), tmp_path / "bia-out.dcm")
    assert not (tmp_path / "bia-out.dcm").exists()


# ---------------------------------------------------------------------------------------------------------------
# Folders
# ---------------------------------------------------------------------------------------------------------------


def _case_folder(root: Path) -> Path:
    src = root / "DOE_JOHNNY"
    for i in range(3):
        write(build_ct(i), src / "series" / f"IM{i}")
    shutil.copy(pydicom_file("MR_small.dcm"), src / "mr.dcm")
    (src / "README.txt").write_text("Patient DOE^JOHNNY, scanned at ST ELSEWHERE HOSPITAL " * 3)
    return src


def test_folder_writes_every_instance_and_skips_with_reasons(tmp_path: Path) -> None:
    src = _case_folder(tmp_path)
    before = {p: sha256(p) for p in src.rglob("*") if p.is_file()}
    calls: list[tuple[float, str]] = []
    result = deidentify_folder(
        src,
        tmp_path / "export",
        options=DeidentifyOptions(pseudonym="CASE-0007"),
        uid_map=SITE,
        progress=lambda f, m: calls.append((f, m)),
    )
    assert len(result.files) == 4
    assert [Path(s.path).name for s in result.skipped] == ["README.txt"]
    assert "not DICOM" in result.skipped[0].reason
    assert {p: sha256(p) for p in src.rglob("*") if p.is_file()} == before
    outputs = sorted((tmp_path / "export").iterdir())
    assert sorted(Path(f.output) for f in result.files) == outputs
    assert all(p.name.startswith("2.25.") and p.suffix == ".dcm" for p in outputs)
    for record in result.files:
        assert sha256(Path(record.output)) == record.sha256
        raw = Path(record.output).read_bytes()
        for word in (b"DOE", b"JOHNNY", b"ELSEWHERE"):
            assert word not in raw
        assert pydicom.dcmread(record.output).PatientID == "CASE-0007"
    ct_series = {f.series_instance_uid for f in result.files if Path(f.source).parent.name == "series"}
    assert len(ct_series) == 1
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert result.counts.private_removed > 0
    assert result.counts.removed == sum(
        deidentify(pydicom.dcmread(f.source), uid_map=SITE).counts.removed for f in result.files
    )


def test_folder_skips_duplicate_instances(tmp_path: Path) -> None:
    write(build_ct(), tmp_path / "src" / "a.dcm")
    write(build_ct(), tmp_path / "src" / "b.dcm")
    result = deidentify_folder(tmp_path / "src", tmp_path / "out", uid_map=SITE)
    assert len(result.files) == 1
    assert "duplicate" in result.skipped[0].reason


def test_folder_skips_refused_instances(tmp_path: Path) -> None:
    write(build_ct(0), tmp_path / "src" / "a.dcm")
    write(build_ct(1, burned_in=True), tmp_path / "src" / "b.dcm")
    result = deidentify_folder(tmp_path / "src", tmp_path / "out", uid_map=SITE)
    assert len(result.files) == 1
    assert "burned-in" in result.skipped[0].reason


def test_folder_cancel_leaves_nothing_behind(tmp_path: Path) -> None:
    src = _case_folder(tmp_path)
    token = CancelToken()

    def on_progress(fraction: float, _: str) -> None:
        if fraction > 0.3:
            token.cancel()

    with pytest.raises(Cancelled):
        deidentify_folder(src, tmp_path / "export", uid_map=SITE, progress=on_progress, cancel=token)
    assert list((tmp_path / "export").iterdir()) == []


def test_folder_refuses_bad_folders(tmp_path: Path) -> None:
    src = _case_folder(tmp_path)
    with pytest.raises(DeidentificationError):
        deidentify_folder(src, src / "export", uid_map=SITE)
    with pytest.raises(NotADicomFolderError):
        deidentify_folder(tmp_path / "missing", tmp_path / "export", uid_map=SITE)
    deidentify_folder(src, tmp_path / "export", uid_map=SITE)
    with pytest.raises(OutputExistsError):
        deidentify_folder(src, tmp_path / "export", uid_map=SITE)


@pytest.mark.shared_data
def test_real_ct_series_still_assembles_with_the_same_geometry(tmp_path: Path) -> None:
    if not CT_3SLICE.is_dir():
        pytest.skip(f"shared test data not found: {CT_3SLICE}")
    originals = sorted(CT_3SLICE.glob("*.dcm"))
    before = {p: sha256(p) for p in originals}
    result = deidentify_folder(CT_3SLICE, tmp_path / "export", uid_map=SITE)
    assert len(result.files) == len(originals) == 3
    assert {p: sha256(p) for p in originals} == before

    scan = scan_folder(tmp_path / "export")
    assert len(scan.series) == 1
    assert len(scan.usable_volumes) == 1
    reference = assemble(select_series(scan_folder(CT_3SLICE))).volume
    exported = assemble(select_series(scan)).volume
    assert exported.spacing == reference.spacing
    assert exported.origin == reference.origin
    assert exported.direction == reference.direction
    np.testing.assert_array_equal(exported.voxels, reference.voxels)

    leaks: set[bytes] = set()
    for path in originals:
        ds = pydicom.dcmread(path)
        for keyword in (
            "PatientName",
            "PatientID",
            "PatientBirthDate",
            "InstitutionName",
            "AccessionNumber",
            "StudyID",
            "ReferringPhysicianName",
            "StudyDate",
            "StudyInstanceUID",
            "SeriesInstanceUID",
            "SOPInstanceUID",
            "FrameOfReferenceUID",
            "StationName",
            "DeviceSerialNumber",
        ):
            value = str(ds.get(keyword, "")).strip()
            if len(value) >= 4:
                leaks.add(value.encode())
    assert leaks  # the series carries values worth checking
    for record in result.files:
        raw = Path(record.output).read_bytes()
        assert [value for value in leaks if value in raw] == []
