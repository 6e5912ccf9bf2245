"""De-identifying DICOM for export: the Basic Application Level Confidentiality Profile (PS3.15 Annex E).

Patient identity never leaves the hospital site. When a case's images go to the company, DVW writes de-identified
copies whose attributes follow the *Basic Profile* column of PS3.15 Table E.1-1, encoded here as data
(:data:`BASIC_PROFILE`, a mapping from tag to action code). The rows follow the 2023-2024 editions of the table
(cross-checked against a public transcription of the 2024b edition, since the standard itself is not bundled);
where a row's action differs between editions or could not be confirmed, a comment says so rather than guessing.

Action codes of Table E.1-1
    ``D`` replace with a non-zero length dummy value consistent with the VR; ``Z`` replace with a zero length
    value; ``X`` remove; ``K`` keep (sequences are still cleaned inside); ``C`` clean (never used by the Basic
    Profile column; handled as ``D`` because DVW has no value cleaner); ``U`` replace a UID with a non-zero
    length UID that is consistent within a set of instances.

Combined codes (``Z/D``, ``X/Z``, ``X/D``, ``X/Z/D``, ``X/Z/U*``)
    The standard means "the strictest alternative that keeps the IOD conformant": ``X`` if the attribute is
    Type 3 in the IOD, ``Z`` if it is Type 2, ``D`` (or ``U`` for the UIDs inside an ``X/Z/U*`` sequence) if it
    is Type 1. DVW resolves them with :func:`resolve_action` as follows.

    - Top-level attributes of the IODs DVW imports and exports (CT Image, MR Image, Enhanced CT Image, Enhanced MR
      Image) use the attribute's Type in that IOD, encoded in ``_REQUIRED_TYPES`` for every combined-code
      attribute that is Type 1/1C or 2/2C there (a conditional Type counts as required, because the condition
      usually cannot be decided from the data set). Every other combined-code attribute is Type 3 or absent in
      those IODs and is removed. For CT/MR Image this means: dates and times other than Content Date/Time,
      Institution Name, Station Name, Device Serial Number, Operators' Name, Protocol Name and the referenced
      image/study sequences are removed; Content Date/Time and Contrast/Bolus Agent are emptied (Type 2C/2).
    - Attributes inside sequence items, and top-level attributes of any other IOD, have a Type DVW does not
      know. They take the *least* strict alternative (``Z/D`` -> D, ``X/Z`` -> Z, ``X/D`` -> D, ``X/Z/D`` -> D,
      ``X/Z/U*`` -> U), which is conformant whatever the Type. No alternative keeps the original value, so this
      costs conformance nothing and privacy nothing.

Sequences
    ``X`` removes the sequence, ``Z`` leaves it with no items, ``D`` replaces its items by one empty item (a
    dummy: non-zero length, carrying nothing; the identity in e.g. a Person Identification Code Sequence lives in
    code values the table does not list), ``U`` (from ``X/Z/U*``) and ``K`` keep the items and clean them with
    the same table (so contained instance UIDs are replaced consistently).

Beyond the table (documented additions)
    Private attributes (odd groups, private creators included) are removed, as the Basic Profile requires; a
    "Retain Safe Private" option does not exist yet. Curve groups (50xx) are removed. For overlays the table
    says X for Overlay Data (60xx,3000) and Overlay Comments (60xx,4000); DVW removes the whole 60xx group,
    because an Overlay Plane module without its Type 1 Overlay Data is not conformant and its free-text
    description and label are not covered by the table. Group length elements (gggg,0000) are removed (they
    would be stale), and so are elements of even groups that are in no data dictionary (their content cannot
    be judged). The File Meta Information is rebuilt: only its version, the SOP class, the new SOP instance
    UID and the transfer syntax are carried over (Source AE Title and private information may name the site),
    and the 128-byte preamble is cleared (it may hold a TIFF header or other application data). A few
    attributes that reveal what the table removes are also removed (:data:`DVW_ADDITIONS`).

UIDs
    :class:`UidMap` replaces a UID by a keyed hash (HMAC-SHA256 with a per-site secret) shaped as a version 8
    UUID under the ``2.25`` root: the same original UID always maps to the same new UID for the same secret, so
    series, instances, frames of reference and references between them stay consistent across every file of an
    export (and across exports that share the secret), while nobody without the secret can link a new UID to an
    original one. ``pydicom.uid.generate_uid(prefix=None, entropy_srcs=...)`` is not used: with ``prefix=None``
    pydicom 3 ignores the entropy sources and returns a random UUID.

What this does not do
    Pixel data is never changed: burned-in annotation is refused unless the caller accepts it
    (:attr:`DeidentifyOptions.allow_burned_in_annotation`), and recognizable visual features (a face in a head
    CT) are not addressed. Dates and times are removed, emptied or replaced by a dummy (1900-01-01), never
    shifted.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import secrets
import struct
import uuid
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

from pydicom.datadict import dictionary_has_tag, repeater_has_tag, tag_for_keyword
from pydicom.dataelem import DataElement, empty_value_for_VR
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.multival import MultiValue
from pydicom.tag import BaseTag
from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from imaging.dicom_headers import SECONDARY_CAPTURE_PREFIX, SkippedFile, read_dataset, read_header
from imaging.errors import ImagingError, OutputExistsError
from imaging.files import write_atomically
from imaging.progress import CancelToken, ProgressCallback, checkpoint, report
from imaging.series import list_files

# --------------------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------------------


class DeidentificationError(ImagingError):
    """An instance cannot be de-identified (not DICOM, refused by policy, or invalid options)."""

    code = "deidentification"


class BurnedInAnnotationError(DeidentificationError):
    """The instance declares burned-in annotation, which the Basic Profile does not remove from the pixels."""

    code = "burned_in_annotation"


class DeidentifiedOutputError(DeidentificationError):
    """A de-identified file cannot be written (disk full, permissions, or an unwritable destination)."""

    code = "deidentified_output"


# --------------------------------------------------------------------------------------------------------------
# The Basic Profile column of PS3.15 Table E.1-1
# --------------------------------------------------------------------------------------------------------------

ProfileCode = Literal["D", "Z", "X", "K", "C", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"]
"""An action code as printed in Table E.1-1."""

Action = Literal["D", "Z", "X", "K", "C", "U"]
"""A single action, after a combined code has been resolved."""

_PROFILE_CODES: Final = frozenset(get_args(ProfileCode))

# Keyed by pydicom keyword (checked against pydicom's data dictionary at import) so that a typo cannot silently
# become a wrong tag. Grouped by action; within a group in the standard's (alphabetical by name) order.
_BASIC_PROFILE_BY_KEYWORD: Final[Mapping[str, ProfileCode]] = MappingProxyType(
    {
        # ---- D: replace with a non-zero length dummy value ----
        "AcquisitionFieldOfViewLabel": "D",
        "AnnotationGroupLabel": "D",
        "AnnotationGroupUID": "D",  # a UI: the dummy is a consistent replacement UID
        "AssertionDateTime": "D",
        "AttributeModificationDateTime": "D",
        "BeamHoldTransitionDateTime": "D",
        "CertificateOfSigner": "D",
        "ClinicalTrialProtocolEthicsCommitteeName": "D",
        "ClinicalTrialProtocolID": "D",
        "ClinicalTrialSponsorName": "D",
        "ClinicalTrialSubjectID": "D",
        "ClinicalTrialSubjectReadingID": "D",
        "ContainerIdentifier": "D",
        "ContentSequence": "D",
        "ContextGroupLocalVersion": "D",  # D as listed in the 2024 edition (a DT), odd as it looks
        "ContextGroupVersion": "D",  # idem
        "Date": "D",
        "DateTime": "D",
        "DecayCorrectionDateTime": "D",
        "DestinationAE": "D",
        "DeviceLabel": "D",
        "DigitalSignatureDateTime": "D",
        "EffectiveDateTime": "D",
        "EncapsulatedDocument": "D",
        "EntityLabel": "D",
        "EntityLongLabel": "D",
        "ExclusionStartDateTime": "D",
        "FlowIdentifier": "D",
        "FlowIdentifierSequence": "D",
        "FrameAcquisitionDateTime": "D",
        "FrameOriginTimestamp": "D",
        "FrameReferenceDateTime": "D",
        "FunctionalSyncPulse": "D",
        "GraphicAnnotationSequence": "D",
        "HangingProtocolCreationDateTime": "D",
        "ImpedanceMeasurementDateTime": "D",
        "InformationIssueDateTime": "D",
        "InterlockDateTime": "D",
        "InterlockDescription": "D",
        "InterlockOriginDescription": "D",
        "ModifyingSystem": "D",
        "OverrideDateTime": "D",
        "PersonIdentificationCodeSequence": "D",
        "PersonName": "D",
        "RTPlanLabel": "D",
        "RTPrescriptionLabel": "D",
        "RTToleranceSetLabel": "D",
        "RadiationDoseIdentificationLabel": "D",
        "RadiationDoseInVivoMeasurementLabel": "D",
        "RadiationGenerationModeLabel": "D",
        "ReasonForTheAttributeModification": "D",
        "RecordedRTControlPointDateTime": "D",
        "ReferencedDateTime": "D",
        "SafePositionExitDate": "D",
        "SafePositionExitTime": "D",
        "SafePositionReturnDate": "D",
        "SafePositionReturnTime": "D",
        "SelectorAEValue": "D",
        "SelectorASValue": "D",
        "SelectorDAValue": "D",
        "SelectorDTValue": "D",
        "SelectorLOValue": "D",
        "SelectorLTValue": "D",
        "SelectorOBValue": "D",
        "SelectorPNValue": "D",
        "SelectorSHValue": "D",
        "SelectorSTValue": "D",
        "SelectorTMValue": "D",
        "SelectorUNValue": "D",
        "SelectorURValue": "D",
        "SelectorUTValue": "D",
        "SourceEndDateTime": "D",
        "SourceIdentifier": "D",
        "SourceStartDateTime": "D",
        "SourceStrengthReferenceDate": "D",
        "SourceStrengthReferenceTime": "D",
        "SpecimenIdentifier": "D",
        "StructureSetLabel": "D",
        "Time": "D",
        "TreatmentControlPointDate": "D",
        "TreatmentControlPointTime": "D",
        "TreatmentPositionGroupLabel": "D",
        "TreatmentToleranceViolationDateTime": "D",
        "TreatmentToleranceViolationDescription": "D",
        "UserContentLabel": "D",
        "UserContentLongLabel": "D",
        "VerificationDateTime": "D",
        "VerifyingObserverName": "D",
        "VerifyingObserverSequence": "D",
        "VerifyingOrganization": "D",
        "XRayDetectorID": "D",
        "XRaySourceID": "D",
        # ---- Z: replace with a zero length value ----
        "AccessionNumber": "Z",
        "CalibrationDateTime": "Z",
        "ClinicalTrialCoordinatingCenterName": "Z",
        "ClinicalTrialProtocolName": "Z",
        "ClinicalTrialSiteID": "Z",
        "ClinicalTrialSiteName": "Z",
        "ClinicalTrialTimePointID": "Z",
        "ConceptualVolumeCombinationDescription": "Z",
        "ConceptualVolumeDescription": "Z",
        "ConsultingPhysicianName": "Z",
        "DeviceAlternateIdentifier": "Z",
        "FillerOrderNumberImagingServiceRequest": "Z",
        "FractionationNotes": "Z",
        "IssuerOfTheContainerIdentifierSequence": "Z",
        "IssuerOfTheSpecimenIdentifierSequence": "Z",
        "ManufacturerDeviceIdentifier": "Z",
        "ParticipationDateTime": "Z",
        "PatientBirthDate": "Z",
        # Patient ID is Z in the editions up to 2023; the 2024 table seems to list Z/D. Both resolve to Z: Patient
        # ID is Type 2 in the Patient Module of every composite IOD. (DVW may write the case code instead.)
        "PatientID": "Z",
        "PatientName": "Z",
        "PatientSex": "Z",
        "PlacerOrderNumberImagingServiceRequest": "Z",
        "PrescriptionNotes": "Z",
        "PrescriptionNotesSequence": "Z",
        "ROIInterpreter": "Z",
        "ROIName": "Z",
        "RTAccessoryDeviceSlotID": "Z",
        "RTAccessoryHolderSlotID": "Z",
        "RTPhysicianIntentNarrative": "Z",
        "RadiationGenerationModeDescription": "Z",
        "ReasonForSuperseding": "Z",
        "ReferringPhysicianName": "Z",
        "ReviewDate": "Z",
        "ReviewTime": "Z",
        "SourceOfPreviousValues": "Z",
        "SpecimenPreparationSequence": "Z",
        "StructureSetDate": "Z",
        "StructureSetTime": "Z",
        "StudyDate": "Z",
        "StudyID": "Z",
        "StudyTime": "Z",
        "TreatmentTechniqueNotes": "Z",
        "VerifyingObserverIdentificationCodeSequence": "Z",
        # ---- X: remove ----
        "AcquisitionComments": "X",
        "AcquisitionProtocolDescription": "X",
        "ActualHumanPerformersSequence": "X",
        "AdditionalPatientHistory": "X",
        "AddressTrial": "X",
        "AdmissionID": "X",
        "AdmittingDate": "X",
        "AdmittingDiagnosesCodeSequence": "X",
        "AdmittingDiagnosesDescription": "X",
        "AdmittingTime": "X",
        "AffectedSOPInstanceUID": "X",
        "Allergies": "X",
        "AnnotationGroupDescription": "X",
        "ApprovalStatusDateTime": "X",
        "Arbitrary": "X",
        "AssertionExpirationDateTime": "X",
        "AuthorObserverSequence": "X",
        "BeamDescription": "X",
        "BolusDescription": "X",
        "BranchOfService": "X",
        "CalibrationDate": "X",
        "CalibrationTime": "X",
        "CameraOwnerName": "X",
        "CassetteID": "X",
        "CertifiedTimestamp": "X",
        "ClinicalTrialProtocolEthicsCommitteeApprovalNumber": "X",
        "ClinicalTrialSeriesDescription": "X",
        "ClinicalTrialSeriesID": "X",
        "ClinicalTrialTimePointDescription": "X",
        "CommentsOnRadiationDose": "X",
        "CommentsOnThePerformedProcedureStep": "X",
        "CompensatorDescription": "X",
        "ConfidentialityConstraintOnPatientDataDescription": "X",
        "ConsultingPhysicianIdentificationSequence": "X",
        "ContainerComponentID": "X",
        "ContainerDescription": "X",
        "ContentCreatorIdentificationCodeSequence": "X",
        "ContrastBolusStartTime": "X",
        "ContrastBolusStopTime": "X",
        "ContributionDateTime": "X",
        "ContributionDescription": "X",
        "CountryOfResidence": "X",
        "CreationDate": "X",
        "CreationTime": "X",
        "CurrentObserverTrial": "X",
        "CurrentPatientLocation": "X",
        "CurveDate": "X",
        "CurveTime": "X",
        "CustodialOrganizationSequence": "X",
        "DataSetTrailingPadding": "X",
        "DateOfDocumentOrVerbalTransactionTrial": "X",
        "DateOfInstallation": "X",
        "DateOfLastCalibration": "X",
        "DateOfManufacture": "X",
        "DateOfSecondaryCapture": "X",
        "DateTimeOfLastCalibration": "X",
        "DecompositionDescription": "X",
        "DerivationDescription": "X",
        "DeviceDescription": "X",
        "DeviceSettingDescription": "X",
        "DigitalSignaturesSequence": "X",
        "DischargeDate": "X",
        "DischargeDiagnosisDescription": "X",
        "DischargeTime": "X",
        "DisplacementReferenceLabel": "X",
        "DistributionAddress": "X",
        "DistributionName": "X",
        "DoseReferenceDescription": "X",
        "EntityDescription": "X",
        "EntityName": "X",
        "EquipmentFrameOfReferenceDescription": "X",
        "EthicsCommitteeApprovalEffectivenessEndDate": "X",
        "EthicsCommitteeApprovalEffectivenessStartDate": "X",
        "EthnicGroup": "X",
        "ExpectedCompletionDateTime": "X",
        "FilterLookupTableDescription": "X",
        "FindingsGroupRecordingDateTrial": "X",
        "FindingsGroupRecordingTimeTrial": "X",
        "FixationDeviceDescription": "X",
        "FractionGroupDescription": "X",
        "FrameComments": "X",
        "GPSAltitude": "X",
        "GPSAltitudeRef": "X",
        "GPSAreaInformation": "X",
        "GPSDOP": "X",
        "GPSDateStamp": "X",
        "GPSDestBearing": "X",
        "GPSDestBearingRef": "X",
        "GPSDestDistance": "X",
        "GPSDestDistanceRef": "X",
        "GPSDestLatitude": "X",
        "GPSDestLatitudeRef": "X",
        "GPSDestLongitude": "X",
        "GPSDestLongitudeRef": "X",
        "GPSDifferential": "X",
        "GPSImgDirection": "X",
        "GPSImgDirectionRef": "X",
        "GPSLatitude": "X",
        "GPSLatitudeRef": "X",
        "GPSLongitude": "X",
        "GPSLongitudeRef": "X",
        "GPSMapDatum": "X",
        "GPSMeasureMode": "X",
        "GPSProcessingMethod": "X",
        "GPSSatellites": "X",
        "GPSSpeed": "X",
        "GPSSpeedRef": "X",
        "GPSStatus": "X",
        "GPSTimeStamp": "X",
        "GPSTrack": "X",
        "GPSTrackRef": "X",
        "GPSVersionID": "X",
        "GantryID": "X",
        "GeneratorID": "X",
        "HL7DocumentEffectiveTime": "X",
        "HumanPerformerName": "X",
        "HumanPerformerOrganization": "X",
        "IconImageSequence": "X",
        "IdentifyingComments": "X",
        "ImageComments": "X",
        "ImagePresentationComments": "X",
        "ImagingServiceRequestComments": "X",
        "Impressions": "X",
        "InstanceCoercionDateTime": "X",
        "InstanceOriginStatus": "X",
        "InstitutionAddress": "X",
        "InstitutionalDepartmentName": "X",
        "InstitutionalDepartmentTypeCodeSequence": "X",
        "InsurancePlanIdentification": "X",
        "IntendedFractionStartTime": "X",
        "IntendedRecipientsOfResultsIdentificationSequence": "X",
        "InterpretationApprovalDate": "X",
        "InterpretationApprovalTime": "X",
        "InterpretationApproverSequence": "X",
        "InterpretationAuthor": "X",
        "InterpretationDiagnosisDescription": "X",
        "InterpretationID": "X",
        "InterpretationIDIssuer": "X",
        "InterpretationRecordedDate": "X",
        "InterpretationRecordedTime": "X",
        "InterpretationRecorder": "X",
        "InterpretationText": "X",
        "InterpretationTranscriber": "X",
        "InterpretationTranscriptionDate": "X",
        "InterpretationTranscriptionTime": "X",
        "InterventionDrugStartTime": "X",
        "InterventionDrugStopTime": "X",
        "IssueDateOfImagingServiceRequest": "X",
        "IssueTimeOfImagingServiceRequest": "X",
        "IssuerOfAdmissionID": "X",
        "IssuerOfAdmissionIDSequence": "X",
        "IssuerOfClinicalTrialProtocolID": "X",
        "IssuerOfClinicalTrialSeriesID": "X",
        "IssuerOfClinicalTrialSiteID": "X",
        "IssuerOfClinicalTrialSubjectID": "X",
        "IssuerOfClinicalTrialSubjectReadingID": "X",
        "IssuerOfClinicalTrialTimePointID": "X",
        "IssuerOfPatientID": "X",
        "IssuerOfServiceEpisodeID": "X",
        "IssuerOfServiceEpisodeIDSequence": "X",
        "LastMenstrualDate": "X",
        "LensMake": "X",
        "LensModel": "X",
        "LensSerialNumber": "X",
        "LensSpecification": "X",
        "LongDeviceDescription": "X",
        "MAC": "X",
        "MakerNote": "X",
        "MedicalAlerts": "X",
        "MedicalRecordLocator": "X",
        "MilitaryRank": "X",
        "ModifiedAttributesSequence": "X",
        "ModifiedImageDate": "X",
        "ModifiedImageDescription": "X",
        "ModifiedImageTime": "X",
        "ModifyingDeviceID": "X",
        "MultienergyAcquisitionDescription": "X",
        "NameOfPhysiciansReadingStudy": "X",
        "NamesOfIntendedRecipientsOfResults": "X",
        "NetworkID": "X",
        "NonconformingDataElementValue": "X",
        "NonconformingModifiedAttributesSequence": "X",
        "ObservationDateTrial": "X",
        "ObservationStartDateTime": "X",
        "ObservationTimeTrial": "X",
        "Occupation": "X",
        "OrderCallbackPhoneNumber": "X",
        "OrderCallbackTelecomInformation": "X",
        "OrderEnteredBy": "X",
        "OrderEntererLocation": "X",
        "OriginalAttributesSequence": "X",
        "Originator": "X",
        "OtherClinicalTrialProtocolIDsSequence": "X",
        "OtherPatientIDs": "X",
        "OtherPatientIDsSequence": "X",
        "OtherPatientNames": "X",
        "OverlayDate": "X",
        "OverlayTime": "X",
        "ParticipantSequence": "X",
        "PatientAddress": "X",
        "PatientAge": "X",
        "PatientBirthName": "X",
        "PatientBirthTime": "X",
        "PatientComments": "X",
        "PatientInstitutionResidence": "X",
        "PatientInsurancePlanCodeSequence": "X",
        "PatientMotherBirthName": "X",
        "PatientPrimaryLanguageCodeSequence": "X",
        "PatientPrimaryLanguageModifierCodeSequence": "X",
        "PatientReligiousPreference": "X",
        "PatientSetupPhotoDescription": "X",
        "PatientSize": "X",
        "PatientState": "X",
        "PatientTelecomInformation": "X",
        "PatientTelephoneNumbers": "X",
        "PatientTransportArrangements": "X",
        "PatientTreatmentPreparationMethodDescription": "X",
        "PatientTreatmentPreparationProcedureParameterDescription": "X",
        "PatientWeight": "X",
        "PerformedLocation": "X",
        "PerformedProcedureStepDescription": "X",
        "PerformedProcedureStepEndDate": "X",
        "PerformedProcedureStepEndDateTime": "X",
        "PerformedProcedureStepEndTime": "X",
        "PerformedProcedureStepID": "X",
        "PerformedProcedureStepStartDate": "X",
        "PerformedProcedureStepStartDateTime": "X",
        "PerformedProcedureStepStartTime": "X",
        "PerformedStationAETitle": "X",
        "PerformedStationGeographicLocationCodeSequence": "X",
        "PerformedStationName": "X",
        "PerformedStationNameCodeSequence": "X",
        "PerformingPhysicianIdentificationSequence": "X",
        "PerformingPhysicianName": "X",
        "PersonAddress": "X",
        "PersonTelecomInformation": "X",
        "PersonTelephoneNumbers": "X",
        "PhysicianApprovingInterpretation": "X",
        "PhysiciansOfRecord": "X",
        "PhysiciansOfRecordIdentificationSequence": "X",
        "PhysiciansReadingStudyIdentificationSequence": "X",
        "PlateID": "X",
        "PositionAcquisitionTemplateDescription": "X",
        "PositionAcquisitionTemplateName": "X",
        "PreMedication": "X",
        "PregnancyStatus": "X",
        "PrescriptionDescription": "X",
        "PresentationCreationDate": "X",
        "PresentationCreationTime": "X",
        "PriorTreatmentDoseDescription": "X",
        "ProcedureStepCancellationDateTime": "X",
        "ProductExpirationDateTime": "X",
        "PyramidDescription": "X",
        "PyramidLabel": "X",
        "ROICreatorSequence": "X",
        "ROIDateTime": "X",
        "ROIDescription": "X",
        "ROIGenerationDescription": "X",
        "ROIInterpreterSequence": "X",
        "ROIObservationDateTime": "X",
        "ROIObservationDescription": "X",
        "ROIObservationLabel": "X",
        "RTPlanDescription": "X",
        "RTPlanName": "X",
        "RadiopharmaceuticalStartDateTime": "X",
        "RadiopharmaceuticalStartTime": "X",
        "RadiopharmaceuticalStopDateTime": "X",
        "RadiopharmaceuticalStopTime": "X",
        "ReasonForOmissionDescription": "X",
        "ReasonForRequestedProcedureCodeSequence": "X",
        "ReasonForStudy": "X",
        "ReasonForTheImagingServiceRequest": "X",
        "ReasonForTheRequestedProcedure": "X",
        "ReasonForVisit": "X",
        "ReasonForVisitCodeSequence": "X",
        "ReceivingAE": "X",
        "ReferencedDigitalSignatureSequence": "X",
        "ReferencedPatientAliasSequence": "X",
        "ReferencedPatientPhotoSequence": "X",
        "ReferencedPatientSequence": "X",
        "ReferencedSOPInstanceMACSequence": "X",
        "ReferringPhysicianAddress": "X",
        "ReferringPhysicianIdentificationSequence": "X",
        "ReferringPhysicianTelephoneNumbers": "X",
        "RegionOfResidence": "X",
        "RequestAttributesSequence": "X",
        "RequestedContrastAgent": "X",
        "RequestedProcedureComments": "X",
        "RequestedProcedureID": "X",
        "RequestedProcedureLocation": "X",
        "RequestedSeriesDescription": "X",
        "RequestingAE": "X",
        "RequestingPhysician": "X",
        "RequestingService": "X",
        "RespiratoryMotionCompensationTechniqueDescription": "X",
        "ResponsibleOrganization": "X",
        "ResponsiblePerson": "X",
        "ResultsComments": "X",
        "ResultsDistributionListSequence": "X",
        "ResultsID": "X",
        "ResultsIDIssuer": "X",
        "RetrieveAETitle": "X",
        "SOPAuthorizationDateTime": "X",
        "ScheduledAdmissionDate": "X",
        "ScheduledAdmissionTime": "X",
        "ScheduledDischargeDate": "X",
        "ScheduledDischargeTime": "X",
        "ScheduledHumanPerformersSequence": "X",
        "ScheduledPatientInstitutionResidence": "X",
        "ScheduledPerformingPhysicianIdentificationSequence": "X",
        "ScheduledPerformingPhysicianName": "X",
        "ScheduledProcedureStepDescription": "X",
        "ScheduledProcedureStepEndDate": "X",
        "ScheduledProcedureStepEndTime": "X",
        "ScheduledProcedureStepExpirationDateTime": "X",
        "ScheduledProcedureStepID": "X",
        "ScheduledProcedureStepLocation": "X",
        "ScheduledProcedureStepModificationDateTime": "X",
        "ScheduledProcedureStepStartDate": "X",
        "ScheduledProcedureStepStartDateTime": "X",
        "ScheduledProcedureStepStartTime": "X",
        "ScheduledStationAETitle": "X",
        "ScheduledStationGeographicLocationCodeSequence": "X",
        "ScheduledStationName": "X",
        "ScheduledStationNameCodeSequence": "X",
        "ScheduledStudyLocation": "X",
        "ScheduledStudyLocationAETitle": "X",
        "ScheduledStudyStartDate": "X",
        "ScheduledStudyStartTime": "X",
        "ScheduledStudyStopDate": "X",
        "ScheduledStudyStopTime": "X",
        "SeriesDescription": "X",
        "ServiceEpisodeDescription": "X",
        "ServiceEpisodeID": "X",
        "SetupTechniqueDescription": "X",
        "ShieldingDeviceDescription": "X",
        "SlideIdentifier": "X",
        "SmokingStatus": "X",
        "SourceManufacturer": "X",
        "SpecialNeeds": "X",
        "SpecimenAccessionNumber": "X",
        "SpecimenDetailedDescription": "X",
        "SpecimenShortDescription": "X",
        "StationAETitle": "X",
        "StructureSetDescription": "X",
        "StructureSetName": "X",
        "StudyArrivalDate": "X",
        "StudyArrivalTime": "X",
        "StudyComments": "X",
        "StudyCompletionDate": "X",
        "StudyCompletionTime": "X",
        "StudyDescription": "X",
        "StudyIDIssuer": "X",
        "StudyReadDate": "X",
        "StudyReadTime": "X",
        "StudyVerifiedDate": "X",
        "StudyVerifiedTime": "X",
        "SubstanceAdministrationDateTime": "X",
        "TelephoneNumberTrial": "X",
        "TemplateLocalVersion": "X",
        "TemplateVersion": "X",
        "TextComments": "X",
        "TextString": "X",
        "TimeOfDocumentCreationOrVerbalTransactionTrial": "X",
        "TimeOfLastCalibration": "X",
        "TimeOfSecondaryCapture": "X",
        "TimezoneOffsetFromUTC": "X",
        "TopicAuthor": "X",
        "TopicKeywords": "X",
        "TopicSubject": "X",
        "TopicTitle": "X",
        "TransducerIdentificationSequence": "X",
        "TreatmentSites": "X",
        "UDISequence": "X",
        "UniqueDeviceIdentifier": "X",
        "VerbalSourceIdentifierCodeSequenceTrial": "X",
        "VerbalSourceTrial": "X",
        "VisitComments": "X",
        "WaveformFilterDescription": "X",
        "XRayDetectorLabel": "X",
        # ---- U: replace UID consistently ----
        # (Creator Version UID and Context Group Extension Creator UID were U in the 2011 Supplement 142 table; I
        # could not confirm them in the current edition, so they are kept. They name software, not the patient.)
        "AcquisitionUID": "U",
        "ConcatenationUID": "U",
        "ConceptualVolumeUID": "U",
        "ConstituentConceptualVolumeUID": "U",
        "DeviceUID": "U",
        "DigitalSignatureUID": "U",
        "DimensionOrganizationUID": "U",
        "DoseReferenceUID": "U",
        "DosimetricObjectiveUID": "U",
        "FailedSOPInstanceUIDList": "U",
        "FiducialUID": "U",
        "FrameOfReferenceUID": "U",
        "InstanceCreatorUID": "U",
        "IrradiationEventUID": "U",
        "LargePaletteColorLookupTableUID": "U",
        "ManufacturerDeviceClassUID": "U",
        "MediaStorageSOPInstanceUID": "U",  # File Meta: rebuilt from the new SOP Instance UID
        "MultiplexGroupUID": "U",
        "ObservationSubjectUIDTrial": "U",
        "ObservationUID": "U",
        "PaletteColorLookupTableUID": "U",
        "PatientSetupUID": "U",
        "PresentationDisplayCollectionUID": "U",
        "PresentationSequenceCollectionUID": "U",
        "PyramidUID": "U",
        "RTTreatmentPhaseUID": "U",
        "ReferencedConceptualVolumeUID": "U",
        "ReferencedDoseReferenceUID": "U",
        "ReferencedDosimetricObjectiveUID": "U",
        "ReferencedFiducialsUID": "U",
        "ReferencedFrameOfReferenceUID": "U",
        "ReferencedGeneralPurposeScheduledProcedureStepTransactionUID": "U",
        "ReferencedObservationUIDTrial": "U",
        "ReferencedSOPInstanceUID": "U",
        "ReferencedSOPInstanceUIDInFile": "U",
        "ReferencedTreatmentPositionGroupUID": "U",
        "RelatedFrameOfReferenceUID": "U",
        "RequestedSOPInstanceUID": "U",
        "SOPInstanceUID": "U",
        "SeriesInstanceUID": "U",
        "SourceConceptualVolumeUID": "U",
        "SourceFrameOfReferenceUID": "U",
        "SpecimenUID": "U",
        "StorageMediaFileSetUID": "U",
        "StudyInstanceUID": "U",
        "SynchronizationFrameOfReferenceUID": "U",
        "TargetUID": "U",
        "TemplateExtensionCreatorUID": "U",
        "TemplateExtensionOrganizationUID": "U",
        "TrackingUID": "U",
        "TransactionUID": "U",
        "TreatmentPositionGroupUID": "U",
        "TreatmentSessionUID": "U",
        "UID": "U",
        # ---- Z/D ----
        "ContentCreatorName": "Z/D",  # Z in the 2011 table, Z/D in current editions
        "ContentDate": "Z/D",
        "ContentTime": "Z/D",
        "ContrastBolusAgent": "Z/D",
        "InstructionPerformedDateTime": "Z/D",
        # ---- X/Z ----
        "AcquisitionContextSequence": "X/Z",  # X in the 2011 table, X/Z in current editions
        "AcquisitionDate": "X/Z",
        "AcquisitionTime": "X/Z",
        "BarcodeValue": "X/Z",
        "LabelText": "X/Z",
        "PatientSexNeutered": "X/Z",
        "ReferencedStudySequence": "X/Z",
        "RequestedProcedureDescription": "X/Z",
        "ReviewerName": "X/Z",
        "SourceSerialNumber": "X/Z",
        "TreatmentMachineName": "X/Z",
        # ---- X/D ----
        "AcquisitionDeviceProcessingDescription": "X/D",
        "DateOfLastDetectorCalibration": "X/D",
        "DetectorID": "X/D",
        "EndAcquisitionDateTime": "X/D",
        "FirstTreatmentDate": "X/D",
        "InstanceCreationDate": "X/D",
        "IntendedPhaseEndDate": "X/D",
        "IntendedPhaseStartDate": "X/D",
        "MostRecentTreatmentDate": "X/D",
        "ObservationDateTime": "X/D",
        "OperatorIdentificationSequence": "X/D",
        "ProtocolName": "X/D",
        "RTPlanDate": "X/D",
        "RTPlanTime": "X/D",
        "RTTreatmentApproachLabel": "X/D",
        "SeriesDate": "X/D",
        "SeriesTime": "X/D",
        "StartAcquisitionDateTime": "X/D",
        "TimeOfLastDetectorCalibration": "X/D",
        "TreatmentDate": "X/D",
        "TreatmentSite": "X/D",
        "TreatmentTime": "X/D",
        # ---- X/Z/D ----
        "AcquisitionDateTime": "X/Z/D",
        "DeviceSerialNumber": "X/Z/D",
        "InstanceCreationTime": "X/Z/D",
        "InstitutionCodeSequence": "X/Z/D",
        "InstitutionName": "X/Z/D",
        "OperatorsName": "X/Z/D",
        "ReferencedPerformedProcedureStepSequence": "X/Z/D",
        "StationName": "X/Z/D",
        # ---- X/Z/U* ----
        "ReferencedImageSequence": "X/Z/U*",
        "SourceImageSequence": "X/Z/U*",
    }
)

# Removed by DVW although Table E.1-1 (as far as I could check) does not list them: each reveals what the table
# removes, or carries data that is invalid once the instance is changed.
_DVW_ADDITIONS_BY_KEYWORD: Final[Mapping[str, ProfileCode]] = MappingProxyType(
    {
        "PatientBirthDateInAlternativeCalendar": "X",  # the birth date, in another calendar
        "PatientDeathDateInAlternativeCalendar": "X",
        "PatientAlternativeCalendar": "X",
        "IssuerOfPatientIDQualifiersSequence": "X",  # names the issuing institution of the (removed) Patient ID
        "EncryptedAttributesSequence": "X",  # encrypted original identity must not leave the site either
        "MACParametersSequence": "X",  # MACs and signatures no longer match the changed instance
    }
)


def _tag(keyword: str) -> int:
    tag = tag_for_keyword(keyword)
    if tag is None:  # pragma: no cover - a typo in a table below; guarded by the tests
        raise RuntimeError(f"unknown DICOM keyword in a de-identification table: {keyword!r}")
    return tag


def _by_tag(table: Mapping[str, ProfileCode]) -> dict[int, ProfileCode]:
    if not set(table.values()) <= _PROFILE_CODES:  # pragma: no cover - guarded by the tests
        raise RuntimeError("unknown action code in a de-identification table")
    return {_tag(keyword): code for keyword, code in table.items()}


BASIC_PROFILE: Final[Mapping[int, ProfileCode]] = MappingProxyType(_by_tag(_BASIC_PROFILE_BY_KEYWORD))
"""Table E.1-1, Basic Profile column: tag (as ``0xGGGGEEEE``) to action code, for every non-repeating row encoded."""

DVW_ADDITIONS: Final[Mapping[int, ProfileCode]] = MappingProxyType(_by_tag(_DVW_ADDITIONS_BY_KEYWORD))
"""Attributes DVW removes beyond the table (see the module docstring)."""

_ACTIONS: Final[Mapping[int, ProfileCode]] = MappingProxyType({**BASIC_PROFILE, **DVW_ADDITIONS})

# --------------------------------------------------------------------------------------------------------------
# Resolving combined codes
# --------------------------------------------------------------------------------------------------------------

AttributeType = Literal[1, 2, 3]
"""An attribute's Type in an IOD (1C and 2C count as 1 and 2; 3 also stands for "not part of the IOD")."""

_CT_MR_IMAGE: Final = "ct_mr_image"
_ENHANCED_CT_MR_IMAGE: Final = "enhanced_ct_mr_image"

_IOD_FAMILIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "1.2.840.10008.5.1.4.1.1.2": _CT_MR_IMAGE,  # CT Image Storage
        "1.2.840.10008.5.1.4.1.1.4": _CT_MR_IMAGE,  # MR Image Storage
        "1.2.840.10008.5.1.4.1.1.2.1": _ENHANCED_CT_MR_IMAGE,  # Enhanced CT Image Storage
        "1.2.840.10008.5.1.4.1.1.4.1": _ENHANCED_CT_MR_IMAGE,  # Enhanced MR Image Storage
    }
)


def _types(entries: Mapping[str, AttributeType]) -> Mapping[int, AttributeType]:
    return MappingProxyType({_tag(keyword): value for keyword, value in entries.items()})


# Types of the combined-code attributes that are Type 1/1C or 2/2C at the top level of these IODs (PS3.3); all
# other combined-code attributes are Type 3 there or not part of the IOD.
_REQUIRED_TYPES: Final[Mapping[str, Mapping[int, AttributeType]]] = MappingProxyType(
    {
        _CT_MR_IMAGE: _types(
            {
                "ContentDate": 2,  # General Image Module, 2C (temporally related images)
                "ContentTime": 2,
                "ContrastBolusAgent": 2,  # Contrast/Bolus Module (present when contrast was used)
            }
        ),
        _ENHANCED_CT_MR_IMAGE: _types(
            {
                "ContentDate": 1,  # Multi-frame Functional Groups Module
                "ContentTime": 1,
                "AcquisitionDateTime": 1,  # Enhanced CT/MR Image Module, 1C (ORIGINAL or MIXED images)
                "DeviceSerialNumber": 1,  # Enhanced General Equipment Module
                "ReferencedPerformedProcedureStepSequence": 1,  # Enhanced Series Module, 1C (MPPS was used)
                "AcquisitionContextSequence": 2,  # Acquisition Context Module (mandatory in these IODs)
            }
        ),
    }
)


_ALTERNATIVES: Final[Mapping[ProfileCode, tuple[Action, ...]]] = MappingProxyType(
    {
        "D": ("D",),
        "Z": ("Z",),
        "X": ("X",),
        "K": ("K",),
        "C": ("C",),
        "U": ("U",),
        "Z/D": ("Z", "D"),
        "X/Z": ("X", "Z"),
        "X/D": ("X", "D"),
        "X/Z/D": ("X", "Z", "D"),
        "X/Z/U*": ("X", "Z", "U"),  # U*: keep the sequence, replacing the instance UIDs it contains
    }
)


def resolve_action(code: ProfileCode, required_type: AttributeType | None) -> Action:
    """Resolve a Table E.1-1 action code to the single action DVW applies.

    Parameters
    ----------
    code
        The code as printed in the table, e.g. ``"X/Z/D"``.
    required_type
        The attribute's Type in the instance's IOD (1, 2 or 3; 3 also for "not in the IOD"), or None when DVW
        does not know it (attributes inside sequence items, and IODs other than CT/MR/Enhanced CT/MR Image).

    Returns
    -------
    Action
        A single code unchanged; for a combined code the strictest alternative the Type allows (X for Type 3,
        Z for Type 2, D or U for Type 1), or the least strict alternative when the Type is unknown (conformant
        whatever the Type, and it never keeps the original value either).
    """
    alternatives = _ALTERNATIVES[code]
    if required_type is None or required_type == 1:
        return alternatives[-1]
    if required_type == 2:
        return "Z" if "Z" in alternatives else alternatives[-1]
    return alternatives[0]


# --------------------------------------------------------------------------------------------------------------
# UIDs
# --------------------------------------------------------------------------------------------------------------

_MIN_SECRET_BYTES: Final = 16


@dataclass(frozen=True)
class UidMap:
    """Replaces UIDs consistently: a keyed hash of the original UID, shaped as a ``2.25.<UUID>`` UID.

    The same original UID gives the same new UID for the same ``secret``, in any file, process or export; a
    different secret gives unrelated UIDs. Keep the secret on the site (for instance one per site, stored with
    the site's configuration): whoever holds it can test whether a given original UID became a given new UID.

    Attributes
    ----------
    secret
        At least 16 bytes of secret key material (never shown in ``repr``).
    """

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < _MIN_SECRET_BYTES:
            raise DeidentificationError(f"the UID secret must be at least {_MIN_SECRET_BYTES} bytes long")

    @classmethod
    def random(cls) -> UidMap:
        """A map with a fresh random secret: consistent within one export, unlinkable to any other export."""
        return cls(secrets.token_bytes(32))

    def replace(self, uid: str) -> str:
        """The new UID for ``uid`` (surrounding spaces and NULs ignored); an empty UID stays empty.

        Returns
        -------
        str
            ``2.25.`` followed by the decimal value of a version 8 (RFC 9562 custom) UUID built from
            HMAC-SHA256(secret, uid): at most 44 characters, a valid UID.
        """
        original = uid.strip(" \0")
        if not original:
            return ""
        digest = hmac.new(self.secret, original.encode("ascii", "replace"), hashlib.sha256).digest()
        value = int.from_bytes(digest[:16], "big")
        value = (value & ~(0xF000 << 64)) | (0x8000 << 64)  # version 8
        value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 9562 variant
        return f"2.25.{uuid.UUID(int=value).int}"


# --------------------------------------------------------------------------------------------------------------
# Options and results
# --------------------------------------------------------------------------------------------------------------

_PSEUDONYM_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DEFAULT_METHOD: Final = "DVW basic profile PS3.15 E.1-1"
BASIC_PROFILE_CODE: Final = ("113100", "DCM", "Basic Application Confidentiality Profile")
"""CID 7050 code for the Basic Profile: (code value, coding scheme designator, code meaning)."""


@dataclass(frozen=True)
class DeidentifyOptions:
    """How to de-identify.

    Attributes
    ----------
    pseudonym
        The case code written as Patient's Name and Patient ID (1 to 64 characters: letters, digits, ``.``,
        ``_``, ``-``; starting with a letter or digit). None leaves both empty (the profile's Z).
    method_description
        Written to De-identification Method (0012,0063); at most 64 characters.
    allow_burned_in_annotation
        De-identify instances that declare Burned In Annotation (0028,0301) YES instead of refusing them. The
        Basic Profile does not clean pixels: only allow this when the pixels were checked some other way.
    """

    pseudonym: str | None = None
    method_description: str = DEFAULT_METHOD
    allow_burned_in_annotation: bool = False

    def __post_init__(self) -> None:
        if self.pseudonym is not None and not _PSEUDONYM_PATTERN.fullmatch(self.pseudonym):
            raise DeidentificationError(
                "the pseudonym must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        if not 0 < len(self.method_description) <= 64 or "\\" in self.method_description:
            raise DeidentificationError("the method description must be 1-64 characters without a backslash")


@dataclass(frozen=True)
class ActionCounts:
    """How many data elements each action touched (never the values themselves).

    Attributes
    ----------
    removed, emptied, dummied
        Elements removed (X), emptied (Z), given a dummy value (D or C) by the table, nested ones included.
    uids_replaced
        UID values replaced (U, and D on a UID); each value of a multi-valued element counts.
    private_removed
        Private elements (odd groups, private creators included).
    repeating_groups_removed
        Elements of curve (50xx) and overlay (60xx) groups.
    group_lengths_removed
        Group length elements (gggg,0000) of the data set.
    unknown_removed
        Elements of even groups that are in no data dictionary DVW knows (their content cannot be judged).
    file_meta_removed
        File Meta elements not carried over (e.g. Source Application Entity Title).
    resolutions
        How often each combined code resolved to each action, e.g. ``("X/Z/D->X", 3)``, sorted.
    """

    removed: int = 0
    emptied: int = 0
    dummied: int = 0
    uids_replaced: int = 0
    private_removed: int = 0
    repeating_groups_removed: int = 0
    group_lengths_removed: int = 0
    unknown_removed: int = 0
    file_meta_removed: int = 0
    resolutions: tuple[tuple[str, int], ...] = ()

    def __add__(self, other: ActionCounts) -> ActionCounts:
        merged = Counter(dict(self.resolutions))
        merged.update(dict(other.resolutions))
        return ActionCounts(
            removed=self.removed + other.removed,
            emptied=self.emptied + other.emptied,
            dummied=self.dummied + other.dummied,
            uids_replaced=self.uids_replaced + other.uids_replaced,
            private_removed=self.private_removed + other.private_removed,
            repeating_groups_removed=self.repeating_groups_removed + other.repeating_groups_removed,
            group_lengths_removed=self.group_lengths_removed + other.group_lengths_removed,
            unknown_removed=self.unknown_removed + other.unknown_removed,
            file_meta_removed=self.file_meta_removed + other.file_meta_removed,
            resolutions=tuple(sorted(merged.items())),
        )


@dataclass(frozen=True, eq=False)
class DeidentifyResult:
    """A de-identified instance and the record of what was done.

    Attributes
    ----------
    dataset
        The new, de-identified data set with rebuilt File Meta Information (the input is never modified).
    counts
        What each action touched.
    notes
        One-line remarks for the export record, e.g. that burned-in annotation was accepted.
    output_path, output_sha256
        The written file and the SHA-256 of its bytes (set by :func:`deidentify_file` only).
    """

    dataset: Dataset
    counts: ActionCounts
    notes: tuple[str, ...] = ()
    output_path: str | None = None
    output_sha256: str | None = None


@dataclass(frozen=True)
class DeidentifiedFile:
    """One file written by :func:`deidentify_folder`.

    Attributes
    ----------
    source
        The input file.
    output
        The de-identified file, named ``<new SOP Instance UID>.dcm``.
    sha256
        SHA-256 of the written bytes.
    sop_instance_uid, series_instance_uid
        The instance's new UIDs.
    """

    source: str
    output: str
    sha256: str
    sop_instance_uid: str
    series_instance_uid: str


@dataclass(frozen=True)
class FolderDeidentifyResult:
    """The outcome of de-identifying a folder.

    Attributes
    ----------
    source_dir, output_dir
        The folders read and written.
    files
        Every file written, in source order.
    skipped
        Input files not written, each with a one-line reason (not DICOM, DICOMDIR, refused, duplicate, ...).
    counts
        The actions summed over all written files.
    notes
        Remarks from the written files, each once.
    """

    source_dir: str
    output_dir: str
    files: tuple[DeidentifiedFile, ...]
    skipped: tuple[SkippedFile, ...]
    counts: ActionCounts
    notes: tuple[str, ...]


# --------------------------------------------------------------------------------------------------------------
# De-identifying a data set
# --------------------------------------------------------------------------------------------------------------

_DUMMY_TEXT: Final = "ANONYMIZED"  # fits every text VR, CS (upper case, <= 16) and AE included
_DUMMY_BY_VR: Final[Mapping[str, Any]] = MappingProxyType(
    {
        "AE": _DUMMY_TEXT,
        "AS": "000Y",
        "CS": _DUMMY_TEXT,
        "DA": "19000101",
        "DS": "0",
        "DT": "19000101000000",
        "IS": "0",
        "LO": _DUMMY_TEXT,
        "LT": _DUMMY_TEXT,
        "PN": _DUMMY_TEXT,
        "SH": _DUMMY_TEXT,
        "ST": _DUMMY_TEXT,
        "TM": "000000",
        "UC": _DUMMY_TEXT,
        "UR": _DUMMY_TEXT,
        "UT": _DUMMY_TEXT,
    }
)
_BINARY_VRS: Final = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN", "OB or OW", "OW or OB"})
_DUMMY_BYTES: Final = bytes(8)  # a multiple of every binary VR's unit size
_KEPT_FILE_META: Final = ("FileMetaInformationVersion", "MediaStorageSOPClassUID", "TransferSyntaxUID")


def _dummy_value(vr: str) -> Any:
    if vr in _DUMMY_BY_VR:
        return _DUMMY_BY_VR[vr]
    if vr in _BINARY_VRS:
        return _DUMMY_BYTES
    if vr == "SQ":
        return [Dataset()]
    return 0  # numeric and AT values, ambiguous 'US or SS' included


class _Walker:
    """Applies the table to a data set and its sequence items in place, counting what it does."""

    def __init__(self, uid_map: UidMap, family: str | None) -> None:
        self.uid_map = uid_map
        self.required_types = _REQUIRED_TYPES.get(family or "", {}) if family else None
        self.tally: Counter[str] = Counter()

    def clean(self, ds: Dataset, *, nested: bool) -> None:
        for tag in list(ds.keys()):
            self._clean_element(ds, BaseTag(tag), nested=nested)

    def _clean_element(self, ds: Dataset, tag: BaseTag, *, nested: bool) -> None:
        if tag.is_private:
            del ds[tag]
            self.tally["private"] += 1
            return
        if tag.element == 0x0000 and tag.group != 0x0002:
            del ds[tag]
            self.tally["group_length"] += 1
            return
        if tag.group & 0xFF00 in (0x5000, 0x6000):
            del ds[tag]  # curves, and whole overlay groups (see the module docstring)
            self.tally["repeating_group"] += 1
            return
        if not (dictionary_has_tag(tag) or repeater_has_tag(int(tag))):
            del ds[tag]  # not a standard attribute DVW knows: its content cannot be judged
            self.tally["unknown"] += 1
            return
        elem = ds[tag]
        code = _ACTIONS.get(int(tag))
        if code is None:
            if elem.VR == "SQ":
                self._clean_items(elem)
            return
        required: AttributeType | None = None
        if not nested and self.required_types is not None:
            required = self.required_types.get(int(tag), 3)
        action = resolve_action(code, required)
        if "/" in code:
            self.tally[f"{code}->{action}"] += 1
        self._apply(ds, elem, action)

    def _clean_items(self, elem: DataElement) -> None:
        for item in elem.value or ():
            self.clean(item, nested=True)

    def _apply(self, ds: Dataset, elem: DataElement, action: Action) -> None:
        if action == "X":
            del ds[elem.tag]
            self.tally["X"] += 1
        elif action == "Z":
            elem.value = [] if elem.VR == "SQ" else empty_value_for_VR(elem.VR)
            self.tally["Z"] += 1
        elif action in ("D", "C"):
            if elem.VR == "UI":
                self._replace_uids(elem)
            else:
                elem.value = _dummy_value(elem.VR)
                self.tally["D"] += 1
        elif action == "U":
            if elem.VR == "SQ":
                self._clean_items(elem)  # contained instance UIDs are replaced by their own (U) rows
            elif elem.VR == "UI":
                self._replace_uids(elem)
            else:
                elem.value = _dummy_value(elem.VR)
                self.tally["D"] += 1
        elif elem.VR == "SQ":  # K: keep, but clean inside sequences
            self._clean_items(elem)

    def _replace_uids(self, elem: DataElement) -> None:
        value = elem.value
        if isinstance(value, MultiValue | list | tuple):
            replaced = [self.uid_map.replace(str(v)) for v in value]
            elem.value = replaced
            self.tally["U"] += sum(1 for v in replaced if v)
        elif value:
            elem.value = self.uid_map.replace(str(value))
            self.tally["U"] += 1


def _text(ds: Dataset | None, keyword: str) -> str:
    if ds is None:
        return ""
    value = ds.get(keyword)
    return str(value).strip(" \0") if value is not None else ""


def _sop_class(ds: Dataset) -> str:
    return _text(ds, "SOPClassUID") or _text(getattr(ds, "file_meta", None), "MediaStorageSOPClassUID")


def _check_pixels(ds: Dataset, options: DeidentifyOptions) -> tuple[str, ...]:
    notes: list[str] = []
    if _text(ds, "BurnedInAnnotation").upper() == "YES":
        if not options.allow_burned_in_annotation:
            raise BurnedInAnnotationError(
                "the instance declares burned-in annotation, which the Basic Profile does not remove from pixels"
            )
        notes.append("burned-in annotation accepted: the pixel data was not cleaned")
    if _sop_class(ds).startswith(SECONDARY_CAPTURE_PREFIX):
        notes.append("secondary capture: its pixels may show text that the Basic Profile does not remove")
    return tuple(notes)


def _transfer_syntax(ds: Dataset, old_meta: Dataset | None) -> UID:
    syntax = _text(old_meta, "TransferSyntaxUID")
    if syntax:
        return UID(syntax)
    implicit, little = ds.original_encoding
    if little is False:
        return ExplicitVRBigEndian
    return ExplicitVRLittleEndian if implicit is False else ImplicitVRLittleEndian


def _rebuild_file_meta(ds: Dataset, uid_map: UidMap) -> int:
    """Replace the File Meta Information by a minimal one naming the new instance; return the elements dropped."""
    old_meta: Dataset | None = getattr(ds, "file_meta", None)
    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    sop_class = _sop_class(ds)
    if sop_class:
        meta.MediaStorageSOPClassUID = UID(sop_class)
    sop_instance = _text(ds, "SOPInstanceUID") or uid_map.replace(_text(old_meta, "MediaStorageSOPInstanceUID"))
    if sop_instance:
        meta.MediaStorageSOPInstanceUID = UID(sop_instance)
    meta.TransferSyntaxUID = _transfer_syntax(ds, old_meta)
    dropped = 0
    if old_meta is not None:
        carried = {*_KEPT_FILE_META, "MediaStorageSOPInstanceUID", "FileMetaInformationGroupLength"}
        dropped = sum(1 for elem in old_meta if elem.keyword not in carried)
    ds.file_meta = meta
    if hasattr(ds, "preamble"):
        ds.preamble = None  # written as 128 zero bytes
    return dropped


def _code_item() -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = BASIC_PROFILE_CODE
    return item


def _mark_deidentified(ds: Dataset, options: DeidentifyOptions) -> None:
    if options.pseudonym is not None:
        ds.PatientName = options.pseudonym
        ds.PatientID = options.pseudonym
    ds.PatientIdentityRemoved = "YES"
    previous = ds.get("DeidentificationMethod")
    methods = [str(v) for v in previous] if isinstance(previous, MultiValue) else [str(previous or "")]
    methods = [m for m in methods if m]
    ds.DeidentificationMethod = [*methods, options.method_description] if methods else options.method_description
    codes = list(ds.get("DeidentificationMethodCodeSequence") or [])
    ds.DeidentificationMethodCodeSequence = [*codes, _code_item()]
    ds.LongitudinalTemporalInformationModified = "REMOVED"  # no Retain Longitudinal option is applied (E.2)


def _counts(tally: Counter[str], file_meta_removed: int) -> ActionCounts:
    return ActionCounts(
        removed=tally["X"],
        emptied=tally["Z"],
        dummied=tally["D"],
        uids_replaced=tally["U"],
        private_removed=tally["private"],
        repeating_groups_removed=tally["repeating_group"],
        group_lengths_removed=tally["group_length"],
        unknown_removed=tally["unknown"],
        file_meta_removed=file_meta_removed,
        resolutions=tuple(sorted((k, v) for k, v in tally.items() if "->" in k)),
    )


def _deidentify_in_place(
    ds: Dataset, options: DeidentifyOptions, uid_map: UidMap
) -> tuple[ActionCounts, tuple[str, ...]]:
    notes = _check_pixels(ds, options)
    walker = _Walker(uid_map, _IOD_FAMILIES.get(_sop_class(ds)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lenient in: invalid values of real-world files are converted quietly
        walker.clean(ds, nested=False)
    file_meta_removed = _rebuild_file_meta(ds, uid_map)
    _mark_deidentified(ds, options)
    return _counts(walker.tally, file_meta_removed), notes


def deidentify(
    ds: Dataset, *, options: DeidentifyOptions | None = None, uid_map: UidMap | None = None
) -> DeidentifyResult:
    """De-identify a data set per the Basic Profile of PS3.15 Table E.1-1 (see the module docstring).

    Parameters
    ----------
    ds
        Any DICOM data set; it is not modified.
    options
        Pseudonym, method description and the burned-in annotation policy (defaults: none, DVW's, refuse).
    uid_map
        The UID replacement to use; share one across every instance of an export so that study, series,
        frame of reference and references stay consistent. Default: a fresh random one (consistent only within
        this data set).

    Returns
    -------
    DeidentifyResult
        A new data set (pixel data and geometry untouched) with Patient Identity Removed YES, De-identification
        Method and its code sequence (113100, DCM), File Meta Information naming the new SOP Instance UID, and
        the counts of what was done.

    Raises
    ------
    BurnedInAnnotationError
        If the instance declares burned-in annotation and ``options`` does not allow it.
    """
    options = options or DeidentifyOptions()
    uid_map = uid_map or UidMap.random()
    _check_pixels(ds, options)  # refuse before copying a possibly large data set
    out = copy.deepcopy(ds)
    counts, notes = _deidentify_in_place(out, options, uid_map)
    return DeidentifyResult(dataset=out, counts=counts, notes=notes)


# --------------------------------------------------------------------------------------------------------------
# Files and folders
# --------------------------------------------------------------------------------------------------------------


def _write_atomic(ds: Dataset, dst: Path, *, overwrite: bool) -> str:
    """Write ``ds`` to ``dst`` atomically (:func:`imaging.files.write_atomically`); return its SHA-256."""
    if dst.exists() and not overwrite:
        raise OutputExistsError(f"output exists (overwriting was not requested): {dst}", path=str(dst))
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        return write_atomically(dst, lambda temp: dcmwrite(temp, ds, enforce_file_format=True))
    except (ValueError, TypeError, AttributeError, KeyError, OverflowError, struct.error) as exc:
        raise DeidentificationError(
            f"the de-identified instance cannot be encoded ({type(exc).__name__})", path=str(dst)
        ) from exc
    except OSError as exc:
        raise DeidentifiedOutputError(f"cannot write {dst}: {exc.strerror or exc}", path=str(dst)) from exc


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.samefile(b))
    except OSError:
        return False


def deidentify_file(
    src: str | Path,
    dst: str | Path,
    *,
    options: DeidentifyOptions | None = None,
    uid_map: UidMap | None = None,
    overwrite: bool = False,
) -> DeidentifyResult:
    """Read one DICOM file, de-identify it and write the result atomically (temporary name, then rename).

    Parameters
    ----------
    src
        The input file (read leniently; never modified).
    dst
        The output file; its folder is created if needed. It must not be ``src``.
    options, uid_map
        As for :func:`deidentify`; pass the export's :class:`UidMap` for consistent UIDs across files.
    overwrite
        Replace an existing ``dst`` instead of refusing.

    Returns
    -------
    DeidentifyResult
        With ``output_path`` and ``output_sha256`` set.

    Raises
    ------
    DeidentificationError
        If ``src`` is not a usable DICOM instance, is ``dst``, or cannot be encoded once de-identified.
    BurnedInAnnotationError
        If the instance declares burned-in annotation and ``options`` does not allow it.
    OutputExistsError
        If ``dst`` exists and ``overwrite`` is False.
    DeidentifiedOutputError
        If ``dst`` cannot be written; no partial file is left behind.
    """
    src_path, dst_path = Path(src), Path(dst)
    if _same_file(src_path, dst_path):
        raise DeidentificationError(f"refusing to write the de-identified copy over its source: {src}", path=str(src))
    header = read_header(src_path)
    if isinstance(header, SkippedFile):
        raise DeidentificationError(f"{src}: {header.reason}", path=str(src))
    try:
        ds = read_dataset(str(src_path))
    except Exception as exc:  # pydicom raises many exception types on malformed input; re-raised as ours
        raise DeidentificationError(f"{src}: unreadable DICOM ({type(exc).__name__})", path=str(src)) from exc
    options = options or DeidentifyOptions()
    uid_map = uid_map or UidMap.random()
    counts, notes = _deidentify_in_place(ds, options, uid_map)
    digest = _write_atomic(ds, dst_path, overwrite=overwrite)
    return DeidentifyResult(dataset=ds, counts=counts, notes=notes, output_path=str(dst_path), output_sha256=digest)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def deidentify_folder(
    src_dir: str | Path,
    dst_dir: str | Path,
    *,
    options: DeidentifyOptions | None = None,
    uid_map: UidMap | None = None,
    overwrite: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> FolderDeidentifyResult:
    """De-identify every readable DICOM file under ``src_dir`` into ``dst_dir``.

    Output files are named ``<new SOP Instance UID>.dcm`` directly in ``dst_dir``: source file and folder names
    are not reused because they often carry the patient's name or ID.

    Parameters
    ----------
    src_dir
        The folder to read (recursively; file names do not matter). Never modified.
    dst_dir
        The folder to write; created if needed. It must not be ``src_dir`` or lie inside it.
    options
        As for :func:`deidentify`.
    uid_map
        The UID replacement shared by every file; default: a fresh random one for this export.
    overwrite
        Replace existing output files instead of refusing.
    progress, cancel
        Optional progress callback (fraction of files done) and cancel token, checked between files.

    Returns
    -------
    FolderDeidentifyResult
        Files written (with hashes and new UIDs), files skipped with reasons, and summed counts.

    Raises
    ------
    NotADicomFolderError
        If ``src_dir`` is not a folder.
    DeidentificationError
        If ``dst_dir`` is ``src_dir`` or inside it.
    OutputExistsError
        If an output file exists and ``overwrite`` is False; files written by this call are removed.
    DeidentifiedOutputError
        If an output file cannot be written; files written by this call are removed.
    Cancelled
        When ``cancel`` is set; files written by this call are removed.
    """
    source, target = Path(src_dir), Path(dst_dir)
    paths = list_files(source)
    if _inside(target.resolve(), source.resolve()):
        raise DeidentificationError(
            f"the output folder must not be inside the source folder: {target}", path=str(target)
        )
    options = options or DeidentifyOptions()
    uid_map = uid_map or UidMap.random()
    written: list[DeidentifiedFile] = []
    skipped: list[SkippedFile] = []
    total_counts = ActionCounts()
    notes: dict[str, None] = {}
    done: set[str] = set()
    total = max(1, len(paths))
    try:
        for index, path in enumerate(paths):
            checkpoint(cancel)
            report(progress, index / total, f"de-identifying {index + 1}/{len(paths)} files")
            outcome = _deidentify_one(path, target, options=options, uid_map=uid_map, overwrite=overwrite, done=done)
            if isinstance(outcome, SkippedFile):
                skipped.append(outcome)
                continue
            record, result = outcome
            written.append(record)
            done.add(record.sop_instance_uid)
            total_counts = total_counts + result.counts
            notes.update(dict.fromkeys(result.notes))
        checkpoint(cancel)
    except BaseException:
        for record in written:  # an export is all or nothing: never leave a partial set behind
            Path(record.output).unlink(missing_ok=True)
        raise
    report(progress, 1.0, f"de-identified {len(written)} files, skipped {len(skipped)}")
    return FolderDeidentifyResult(
        source_dir=str(source),
        output_dir=str(target),
        files=tuple(written),
        skipped=tuple(skipped),
        counts=total_counts,
        notes=tuple(notes),
    )


def _deidentify_one(
    path: str,
    target: Path,
    *,
    options: DeidentifyOptions,
    uid_map: UidMap,
    overwrite: bool,
    done: set[str],
) -> tuple[DeidentifiedFile, DeidentifyResult] | SkippedFile:
    header = read_header(path)
    if isinstance(header, SkippedFile):
        return header
    if not header.sop_instance_uid:
        return SkippedFile(path, "no SOP Instance UID: cannot name a de-identified instance")
    new_uid = uid_map.replace(header.sop_instance_uid)
    if new_uid in done:
        return SkippedFile(path, "duplicate of an instance already written (same SOP Instance UID)")
    dst = target / f"{new_uid}.dcm"
    try:
        result = deidentify_file(path, dst, options=options, uid_map=uid_map, overwrite=overwrite)
    except DeidentifiedOutputError:
        raise
    except DeidentificationError as exc:
        return SkippedFile(path, exc.message)
    record = DeidentifiedFile(
        source=path,
        output=str(dst),
        sha256=result.output_sha256 or "",
        sop_instance_uid=_text(result.dataset, "SOPInstanceUID"),
        series_instance_uid=_text(result.dataset, "SeriesInstanceUID"),
    )
    return record, result
