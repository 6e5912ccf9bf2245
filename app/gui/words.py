"""The cores' words in the window's language: progress stages, audit event names, import findings.

The cores speak English (their messages go to logs and the command line too); the window shows these words through
the tables here, marked for translation. A word the tables do not know is shown as the core gave it, and the
Chinese workflow test (tests/gui/test_words_in_workflow.py) fails on any it meets.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

#: Progress stages the cores report (``base.progress.report``), word for word.
PROGRESS = (
    QT_TRANSLATE_NOOP("Progress", "auditing the records"),
    QT_TRANSLATE_NOOP("Progress", "checked"),
    QT_TRANSLATE_NOOP("Progress", "checking the password"),
    QT_TRANSLATE_NOOP("Progress", "connected components"),
    QT_TRANSLATE_NOOP("Progress", "done"),
    QT_TRANSLATE_NOOP("Progress", "filling holes"),
    QT_TRANSLATE_NOOP("Progress", "hashing the software"),
    QT_TRANSLATE_NOOP("Progress", "imported"),
    QT_TRANSLATE_NOOP("Progress", "loading the units"),
    QT_TRANSLATE_NOOP("Progress", "locating the flagged parameters"),
    QT_TRANSLATE_NOOP("Progress", "making the administrator's key"),
    QT_TRANSLATE_NOOP("Progress", "measured"),
    QT_TRANSLATE_NOOP("Progress", "meshed"),
    QT_TRANSLATE_NOOP("Progress", "metrics"),
    QT_TRANSLATE_NOOP("Progress", "preparing the 3D view"),
    # The final inspection (workflow.inspecting, workflow.inspection, geometry.inspection and registration).
    QT_TRANSLATE_NOOP("Progress", "reading the scan"),
    QT_TRANSLATE_NOOP("Progress", "finding the bearing surface"),
    QT_TRANSLATE_NOOP("Progress", "sampling the design"),
    QT_TRANSLATE_NOOP("Progress", "global alignment"),
    QT_TRANSLATE_NOOP("Progress", "coarse alignment"),
    QT_TRANSLATE_NOOP("Progress", "coarse ICP"),
    QT_TRANSLATE_NOOP("Progress", "fine ICP"),
    QT_TRANSLATE_NOOP("Progress", "registered"),
    QT_TRANSLATE_NOOP("Progress", "distances to the design"),
    QT_TRANSLATE_NOOP("Progress", "filtering the deviation map"),
    QT_TRANSLATE_NOOP("Progress", "inspected"),
    QT_TRANSLATE_NOOP("Progress", "colouring the design"),
    QT_TRANSLATE_NOOP("Progress", "recording the inspection"),
    QT_TRANSLATE_NOOP("Progress", "inspection recorded"),
    QT_TRANSLATE_NOOP("Progress", "reading the build record"),
    QT_TRANSLATE_NOOP("Progress", "build recorded"),
    QT_TRANSLATE_NOOP("Progress", "preparing the pictures"),
    QT_TRANSLATE_NOOP("Progress", "read"),
    QT_TRANSLATE_NOOP("Progress", "reading pixel data"),
    QT_TRANSLATE_NOOP("Progress", "reading the design"),
    QT_TRANSLATE_NOOP("Progress", "reading the mask"),
    QT_TRANSLATE_NOOP("Progress", "reading the records"),
    QT_TRANSLATE_NOOP("Progress", "reading the volume"),
    QT_TRANSLATE_NOOP("Progress", "ready"),
    QT_TRANSLATE_NOOP("Progress", "recorded"),
    QT_TRANSLATE_NOOP("Progress", "recording the check"),
    QT_TRANSLATE_NOOP("Progress", "recording the measurement"),
    QT_TRANSLATE_NOOP("Progress", "reduction in two processes"),
    QT_TRANSLATE_NOOP("Progress", "reduction"),
    QT_TRANSLATE_NOOP("Progress", "reduction: fast result not closed, trying VTK quadric decimation"),
    QT_TRANSLATE_NOOP("Progress", "reduction: not reduced, every reduction opened the surface"),
    QT_TRANSLATE_NOOP("Progress", "reopened"),
    QT_TRANSLATE_NOOP("Progress", "report written"),
    QT_TRANSLATE_NOOP("Progress", "self-test done"),
    QT_TRANSLATE_NOOP("Progress", "set up"),
    QT_TRANSLATE_NOOP("Progress", "signed in"),
    QT_TRANSLATE_NOOP("Progress", "signed"),
    QT_TRANSLATE_NOOP("Progress", "signing in"),
    QT_TRANSLATE_NOOP("Progress", "surface deviation"),
    QT_TRANSLATE_NOOP("Progress", "threshold"),
    QT_TRANSLATE_NOOP("Progress", "wall thickness"),
    QT_TRANSLATE_NOOP("Progress", "writing the mask"),
    QT_TRANSLATE_NOOP("Progress", "writing the mesh"),
    QT_TRANSLATE_NOOP("Progress", "writing the report"),
    QT_TRANSLATE_NOOP("Progress", "writing the volume"),
    # The finite-element analysis' stages (mechanics.analysis.stage_message, the %1 of its patterns below).
    QT_TRANSLATE_NOOP("Progress", "meshing the design"),
    QT_TRANSLATE_NOOP("Progress", "assembling the stiffness matrix"),
    QT_TRANSLATE_NOOP("Progress", "solving"),
    QT_TRANSLATE_NOOP("Progress", "recovering stresses"),
    QT_TRANSLATE_NOOP("Progress", "solved"),
    QT_TRANSLATE_NOOP("Progress", "analysis done"),
    # The VTK filters' stages (geometry.vtk_utils.run_filter).
    QT_TRANSLATE_NOOP("Progress", "isosurface"),
    QT_TRANSLATE_NOOP("Progress", "smoothing"),
    QT_TRANSLATE_NOOP("Progress", "triangulating"),
    QT_TRANSLATE_NOOP("Progress", "normals for the 3D view"),
)
#: Progress stages with numbers or names in them: the pattern, and the text with %1, %2 for its groups.
PROGRESS_PATTERNS = (
    (re.compile(r"assembling slice (\d+)/(\d+)"), QT_TRANSLATE_NOOP("Progress", "assembling slice %1/%2")),
    (re.compile(r"read (\d+) headers"), QT_TRANSLATE_NOOP("Progress", "read %1 headers")),
    (
        re.compile(r"reading headers \((\d+)/(\d+) files\)"),
        QT_TRANSLATE_NOOP("Progress", "reading headers (%1/%2 files)"),
    ),
    (re.compile(r"loading (\S+)"), QT_TRANSLATE_NOOP("Progress", "loading %1")),
    (
        re.compile(r"reduction: keeping (\d+%) of the triangles to keep the surface closed"),
        QT_TRANSLATE_NOOP("Progress", "reduction: keeping %1 of the triangles to keep the surface closed"),
    ),
    (
        re.compile(r"trusting site (\S+), which the server lists"),
        QT_TRANSLATE_NOOP("Progress", "trusting site %1, which the server lists"),
    ),
    (re.compile(r"(\d+) sites trusted"), QT_TRANSLATE_NOOP("Progress", "%1 sites trusted")),
    (
        re.compile(r"(.+) \(finite-element analysis, coarse mesh, ([\d.]+) mm\)"),
        QT_TRANSLATE_NOOP("Progress", "%1 (finite-element analysis, coarse mesh, %2 mm)"),
    ),
    (
        re.compile(r"(.+) \(finite-element analysis, default mesh, ([\d.]+) mm\)"),
        QT_TRANSLATE_NOOP("Progress", "%1 (finite-element analysis, default mesh, %2 mm)"),
    ),
)


def progress_text(message: str) -> str:
    """A core's progress stage in the window's language (as given when the tables do not know it)."""
    if message in PROGRESS:
        return QCoreApplication.translate("Progress", message)
    for pattern, text in PROGRESS_PATTERNS:
        found = pattern.fullmatch(message)
        if found is not None:
            shown = QCoreApplication.translate("Progress", str(text))
            for index, group in enumerate(found.groups(), start=1):
                # A group that is itself a stage (the analysis' "solving") is shown translated too.
                words = QCoreApplication.translate("Progress", group) if group in PROGRESS else group
                shown = shown.replace(f"%{index}", words)
            return shown
    return message


#: The events of the records log, by kind (the audit trail's Event column).
EVENTS = {
    "case_created": QT_TRANSLATE_NOOP("Events", "case created"),
    "inputs_added": QT_TRANSLATE_NOOP("Events", "inputs added"),
    "check_run": QT_TRANSLATE_NOOP("Events", "check run"),
    "reverification_recorded": QT_TRANSLATE_NOOP("Events", "re-verification recorded"),
    "signature": QT_TRANSLATE_NOOP("Events", "signature"),
    "design_changed": QT_TRANSLATE_NOOP("Events", "design changed"),
    "note": QT_TRANSLATE_NOOP("Events", "note"),
    "sync_received": QT_TRANSLATE_NOOP("Events", "received by sync"),
    "conflict_resolved": QT_TRANSLATE_NOOP("Events", "conflict resolved"),
    "measurement_recorded": QT_TRANSLATE_NOOP("Events", "measurement recorded"),
    "udi_assigned": QT_TRANSLATE_NOOP("Events", "UDI assigned"),
    "trace_event": QT_TRANSLATE_NOOP("Events", "trace event"),
    "bundle_imported": QT_TRANSLATE_NOOP("Events", "bundle imported"),
    "selftest_recorded": QT_TRANSLATE_NOOP("Events", "self-test recorded"),
    "site_trusted": QT_TRANSLATE_NOOP("Events", "site trusted"),
    "user_added": QT_TRANSLATE_NOOP("Events", "user added"),
    "user_disabled": QT_TRANSLATE_NOOP("Events", "user disabled"),
    "user_role_changed": QT_TRANSLATE_NOOP("Events", "user's role changed"),
    "user_unlocked": QT_TRANSLATE_NOOP("Events", "user unlocked"),
    "sign_in_failed": QT_TRANSLATE_NOOP("Events", "sign-in failed"),
}


def event_text(kind: str) -> str:
    """An event kind in words (``check_run`` -> "check run"); an unknown kind with its underscores as spaces."""
    known = EVENTS.get(kind)
    return QCoreApplication.translate("Events", str(known)) if known is not None else kind.replace("_", " ")


#: What the import's findings mean, by code (the core's message, with its numbers, goes in the item's tooltip).
FINDINGS = {
    "gantry_tilt": QT_TRANSLATE_NOOP("Findings", "Gantry tilt: resampled onto an orthogonal grid"),
    "uneven_spacing": QT_TRANSLATE_NOOP("Findings", "Uneven slice spacing: resampled at the smallest regular step"),
    "missing_slices": QT_TRANSLATE_NOOP("Findings", "Missing slices in the series"),
    "duplicate_positions": QT_TRANSLATE_NOOP("Findings", "Several slices at the same position"),
    "duplicate_files": QT_TRANSLATE_NOOP("Findings", "The same image in several files"),
    "mixed_orientation": QT_TRANSLATE_NOOP("Findings", "Slices with different orientations"),
    "too_few_slices": QT_TRANSLATE_NOOP("Findings", "Too few slices for a volume"),
    "no_rescale": QT_TRANSLATE_NOOP("Findings", "CT without rescale values: stored values taken as HU"),
    "compressed": QT_TRANSLATE_NOOP("Findings", "Compressed pixel data (decoded)"),
    "tilt_tag_disagrees": QT_TRANSLATE_NOOP("Findings", "The gantry tilt tag disagrees with the slice positions"),
    "no_geometry": QT_TRANSLATE_NOOP("Findings", "No slice position or orientation"),
    "resampled": QT_TRANSLATE_NOOP("Findings", "Resampled onto a regular grid"),
    "bad_geometry": QT_TRANSLATE_NOOP("Findings", "The slice positions cannot form a volume"),
    "grid_too_large": QT_TRANSLATE_NOOP("Findings", "The volume would be too large"),
    "invalid_header": QT_TRANSLATE_NOOP("Findings", "Files with invalid header values"),
    "localizer": QT_TRANSLATE_NOOP("Findings", "Localizer (scout) images: not a volume"),
    "mixed_frame_of_reference": QT_TRANSLATE_NOOP("Findings", "Images in different frames of reference"),
    "no_pixel_data": QT_TRANSLATE_NOOP("Findings", "No image pixel data (a report, structure set or state)"),
    "no_preamble": QT_TRANSLATE_NOOP("Findings", "Files without preamble (ACR-NEMA style), read as implicit VR"),
    "pixel_padding": QT_TRANSLATE_NOOP("Findings", "Pixel padding outside the scanned field replaced"),
    "secondary_capture": QT_TRANSLATE_NOOP("Findings", "Secondary capture or colour images: not a volume"),
}


#: A reopened case's volume (workflow.reopen): with the findings recorded at its import, or without them.
REOPENED = (
    QT_TRANSLATE_NOOP(
        "Findings", "Reopened from the case's saved volume; the findings are those recorded at its import"
    ),
    QT_TRANSLATE_NOOP(
        "Findings", "Reopened from the case's saved volume; the DICOM series' findings are not kept in it"
    ),
)


def finding_text(code: str, message: str) -> str:
    """An import finding in words: its meaning by code, else the core's own message."""
    if code == "reopened":
        recorded = "findings are those recorded" in message
        return QCoreApplication.translate("Findings", str(REOPENED[0] if recorded else REOPENED[1]))
    known = FINDINGS.get(code)
    return QCoreApplication.translate("Findings", str(known)) if known is not None else message


#: What kind of series the scan found (``imaging.series``' kinds).
SERIES_KINDS = {
    "volume": QT_TRANSLATE_NOOP("Findings", "volume"),
    "localizer": QT_TRANSLATE_NOOP("Findings", "localizer"),
    "secondary_capture": QT_TRANSLATE_NOOP("Findings", "secondary capture"),
    "single_frame": QT_TRANSLATE_NOOP("Findings", "single image"),
    "multi_frame": QT_TRANSLATE_NOOP("Findings", "multi-frame"),
    "other": QT_TRANSLATE_NOOP("Findings", "other"),
}


def series_kind_text(kind: str) -> str:
    """A series kind in words."""
    known = SERIES_KINDS.get(kind)
    return QCoreApplication.translate("Findings", str(known)) if known is not None else kind.replace("_", " ")


#: What each core error code means, for a person using the window (the core's own message is worded for the command
#: line and the logs, in English). Every code a DVW core package raises has its line here
#: (tests/gui/test_error_words.py); those that send the user to a place in the window say so.
ERROR_TITLES: dict[str, object] = {  # QT_TRANSLATE_NOOP's text (typed object by PySide6)
    # Sign-off and the case's state
    "wrong_password": QT_TRANSLATE_NOOP("Words", "The password is wrong."),
    "reverification_required": QT_TRANSLATE_NOOP(
        "Words",
        "The case needs a passed re-verification before signing: press Record re-verification... in the Review step.",
    ),
    "manifest_not_validated": QT_TRANSLATE_NOOP(
        "Words",
        "This software has not passed its self-test here, or the check was made by other software: press Run "
        "self-test in the Review step, or run the check again.",
    ),
    "no_check": QT_TRANSLATE_NOOP("Words", "No valid check: run the check in step 4, Design & Check, before signing."),
    "role_not_permitted": QT_TRANSLATE_NOOP(
        "Words", "This user's role may not do this: choose a signer whose role may."
    ),
    "input_changed": QT_TRANSLATE_NOOP(
        "Words", "An input changed since the check: run the check again in step 4, Design & Check."
    ),
    "conflict_unresolved": QT_TRANSLATE_NOOP(
        "Words",
        "Two sites changed this case while offline: a person must choose which revision to keep before signing.",
    ),
    "signature_refused": QT_TRANSLATE_NOOP("Words", "The case cannot be signed in its present state."),
    "approved_meanwhile": QT_TRANSLATE_NOOP(
        "Words", "Someone else recorded this approval a moment ago; nothing was written. Look at the case again."
    ),
    "reverification_refused": QT_TRANSLATE_NOOP(
        "Words", "The re-verification cannot be recorded: the case does not need one, or an entry is missing."
    ),
    "design_input_missing": QT_TRANSLATE_NOOP(
        "Words", "The case lacks its design input or the patient's informed consent: record them first (Case menu)."
    ),
    "proposal_incomplete": QT_TRANSLATE_NOOP(
        "Words", "The design proposal is not complete: the sign-off checklist lists what is missing."
    ),
    "proposal_refused": QT_TRANSLATE_NOOP(
        "Words", "The design proposal cannot be made: the case needs a current check, its design input and its files."
    ),
    "not_a_team_member": QT_TRANSLATE_NOOP(
        "Words", "Only the members of this case's team may do this: a member can add you to the team."
    ),
    "team_refused": QT_TRANSLATE_NOOP("Words", "This change of the case's team is not allowed."),
    "change_not_acknowledged": QT_TRANSLATE_NOOP(
        "Words", "Every team member must acknowledge the design change before it can be confirmed."
    ),
    "change_refused": QT_TRANSLATE_NOOP(
        "Words", "The design change cannot be recorded: a reason is needed, and the design must differ."
    ),
    "bad_design_input": QT_TRANSLATE_NOOP(
        "Words", "The design input cannot be accepted: an entry is wrong or missing."
    ),
    "not_signed": QT_TRANSLATE_NOOP("Words", "The case's current revision has no valid signature yet."),
    "unattributed": QT_TRANSLATE_NOOP("Words", "This step must name the person doing it: sign in first."),
    # Users and signing in
    "user_disabled": QT_TRANSLATE_NOOP("Words", "This user is disabled."),
    "unknown_user": QT_TRANSLATE_NOOP("Words", "No such user."),
    "account_locked": QT_TRANSLATE_NOOP(
        "Words", "The account is locked after too many wrong passwords; wait, or ask an administrator."
    ),
    "not_signed_in": QT_TRANSLATE_NOOP("Words", "Nobody is signed in: sign in first."),
    "invalid_user": QT_TRANSLATE_NOOP(
        "Words", "The user cannot be added: check the user id, role, name and password length."
    ),
    "user_exists": QT_TRANSLATE_NOOP("Words", "A user with this id exists already (ids are never reused)."),
    "credentials": QT_TRANSLATE_NOOP(
        "Words", "This user's signing key on this workstation is missing or does not match: ask an administrator."
    ),
    # Cases and the store
    "case_exists": QT_TRANSLATE_NOOP("Words", "A case with this code exists already: open it, or choose another code."),
    "case_not_found": QT_TRANSLATE_NOOP("Words", "No case with this code in this store."),
    "store_error": QT_TRANSLATE_NOOP(
        "Words", "The store cannot be opened, or it was written by a newer DVW: check the store folder in Settings."
    ),
    "records_error": QT_TRANSLATE_NOOP("Words", "The records refused this step."),
    "artifact_missing": QT_TRANSLATE_NOOP("Words", "A file the records name is missing from the store."),
    "artifact_changed": QT_TRANSLATE_NOOP(
        "Words", "A file in the store no longer matches its recorded fingerprint: it was changed outside DVW."
    ),
    "output_exists": QT_TRANSLATE_NOOP("Words", "The output file exists already and was not overwritten."),
    "invalid_event": QT_TRANSLATE_NOOP("Words", "A record is malformed and was refused."),
    "event_conflict": QT_TRANSLATE_NOOP(
        "Words", "A record conflicts with one the store already holds; nothing was written."
    ),
    "event_hash": QT_TRANSLATE_NOOP("Words", "A record received from another site does not match its own fingerprint."),
    "chain_gap": QT_TRANSLATE_NOOP("Words", "Records from another site arrived out of order; sync again."),
    "identity_in_payload": QT_TRANSLATE_NOOP(
        "Words", "A record would carry the patient's identity out of this site; nothing was written."
    ),
    "import_refused": QT_TRANSLATE_NOOP("Words", "The records to import do not hold; nothing was imported."),
    "bundle_error": QT_TRANSLATE_NOOP("Words", "The bundle file cannot be used."),
    "bundle_integrity": QT_TRANSLATE_NOOP("Words", "The bundle's content does not match itself; nothing was imported."),
    "bundle_signature": QT_TRANSLATE_NOOP("Words", "The bundle's signature does not verify; nothing was imported."),
    # Images
    "imaging_error": QT_TRANSLATE_NOOP("Words", "The images cannot be used."),
    "not_a_folder": QT_TRANSLATE_NOOP("Words", "The path is not a folder that can be read."),
    "no_series": QT_TRANSLATE_NOOP("Words", "The folder holds no image series DVW can use."),
    "series_not_found": QT_TRANSLATE_NOOP("Words", "The chosen series is not in the folder any more: scan it again."),
    "ambiguous_series": QT_TRANSLATE_NOOP("Words", "The folder holds several series: choose one in the table."),
    "missing_slices": QT_TRANSLATE_NOOP("Words", "Slices are missing from the series."),
    "unusable_series": QT_TRANSLATE_NOOP(
        "Words", "The series cannot be assembled into a volume (a localizer, a single slice or mixed stacks)."
    ),
    "pixel_data": QT_TRANSLATE_NOOP("Words", "An image's pixel data cannot be decoded (truncated or corrupt)."),
    "burned_in_annotation": QT_TRANSLATE_NOOP(
        "Words", "An image has text burned into its pixels, which de-identification cannot remove."
    ),
    "geometry_refused": QT_TRANSLATE_NOOP(
        "Words", "The series' geometry needs a correction that the import settings do not allow."
    ),
    "too_large": QT_TRANSLATE_NOOP("Words", "The volume does not fit in this computer's memory."),
    "volume_file": QT_TRANSLATE_NOOP("Words", "A volume or mask file cannot be read or written."),
    "deidentification": QT_TRANSLATE_NOOP("Words", "An image cannot be de-identified."),
    "deidentified_output": QT_TRANSLATE_NOOP("Words", "A de-identified file cannot be written."),
    "bad_data_file": QT_TRANSLATE_NOOP("Words", "A data file DVW ships with is damaged: reinstall DVW."),
    # Segmentation and meshes
    "invalid_mask": QT_TRANSLATE_NOOP("Words", "The mask does not fit the volume."),
    "bad_seed": QT_TRANSLATE_NOOP("Words", "The seed point is outside the volume or outside the thresholded region."),
    "bad_parameters": QT_TRANSLATE_NOOP(
        "Words", "The segmentation settings do not fit together (e.g. lower above upper)."
    ),
    "unknown_preset": QT_TRANSLATE_NOOP("Words", "There is no threshold preset of that name."),
    "bad_edit": QT_TRANSLATE_NOOP("Words", "The edit does not fit the mask."),
    "geometry_error": QT_TRANSLATE_NOOP("Words", "The surface cannot be made or used."),
    "empty_mesh": QT_TRANSLATE_NOOP("Words", "The surface is empty: nothing in the volume reaches the threshold."),
    "mesh_file": QT_TRANSLATE_NOOP(
        "Words", "The mesh file cannot be used: missing, not a mesh, or of a format DVW does not read."
    ),
    "vtk_error": QT_TRANSLATE_NOOP("Words", "The surface computation failed on this input."),
    # Checks, units, envelopes, mechanics
    "validation_error": QT_TRANSLATE_NOOP("Words", "The check cannot be made."),
    "bad_envelope": QT_TRANSLATE_NOOP(
        "Words", "The design envelope file is not valid (a wrong entry, an unknown parameter or a wrong unit)."
    ),
    "bad_unit": QT_TRANSLATE_NOOP("Words", "A unit is unknown, or two units cannot be compared."),
    "bad_measurement": QT_TRANSLATE_NOOP("Words", "The measurement cannot be made from these points."),
    "bad_measurement_input": QT_TRANSLATE_NOOP("Words", "An input of the measurement cannot be used."),
    "device_family": QT_TRANSLATE_NOOP("Words", "The device family's settings are missing or not valid."),
    "design_not_analysable": QT_TRANSLATE_NOOP(
        "Words", "The design cannot be analysed mechanically: it is not a closed, manifold surface."
    ),
    "load_case_error": QT_TRANSLATE_NOOP("Words", "The load-case file is not valid."),
    "mechanics_error": QT_TRANSLATE_NOOP("Words", "The mechanical analysis cannot be made."),
    # Production and traceability
    "traceability": QT_TRANSLATE_NOOP("Words", "The traceability step cannot be recorded."),
    "trace_order": QT_TRANSLATE_NOOP("Words", "This production step is out of order."),
    "no_udi": QT_TRANSLATE_NOOP("Words", "The device has no identifier (UDI) yet."),
    "duplicate_serial": QT_TRANSLATE_NOOP("Words", "This serial number belongs to another device."),
    "invalid_gs1_value": QT_TRANSLATE_NOOP("Words", "A GS1 value (a serial, lot or date of the UDI) is not valid."),
    "invalid_gtin": QT_TRANSLATE_NOOP("Words", "The GTIN or GLN is not valid (length, digits or check digit)."),
    "nonconforming": QT_TRANSLATE_NOOP(
        "Words", "The device failed its inspection: it is nonconforming and can never be released."
    ),
    "not_inspected": QT_TRANSLATE_NOOP("Words", "The device needs a passing inspection first."),
    "inspection_input": QT_TRANSLATE_NOOP(
        "Words", "The inspection cannot be made: the case needs its design, and the tolerance must be known."
    ),
    "build_record": QT_TRANSLATE_NOOP(
        "Words", "The build record cannot be accepted (a wrong entry, an unknown operator or an expired calibration)."
    ),
    # Sync
    "sync_error": QT_TRANSLATE_NOOP("Words", "Sync failed."),
    "sync_connection": QT_TRANSLATE_NOOP("Words", "The sync server cannot be reached: try again later."),
    "sync_auth": QT_TRANSLATE_NOOP(
        "Words", "The sync server refused this workstation's credentials (check this computer's clock)."
    ),
    "sync_refused": QT_TRANSLATE_NOOP("Words", "The sync server refused the data; nothing was changed here."),
    "not_joined": QT_TRANSLATE_NOOP(
        "Words", "This workstation has not joined a sync server: File > Join sync server..."
    ),
    "enrolment": QT_TRANSLATE_NOOP("Words", "Joining the sync server was refused (a used or unknown code)."),
    "untrusted_site": QT_TRANSLATE_NOOP("Words", "Records came from a site this store does not trust."),
    "server_store": QT_TRANSLATE_NOOP("Words", "The sync server's database cannot be opened."),
    "event_refused": QT_TRANSLATE_NOOP("Words", "The sync server refused a record: its author may not write it there."),
    "signature_not_yours": QT_TRANSLATE_NOOP("Words", "The sync server refused a signature by a user of another site."),
    "replayed": QT_TRANSLATE_NOOP("Words", "The sync server refused a repeated request: sync again."),
    "offset": QT_TRANSLATE_NOOP("Words", "An upload to the sync server was interrupted: sync again to resume it."),
    "invalid_request": QT_TRANSLATE_NOOP("Words", "The sync server refused a malformed request."),
    "length_required": QT_TRANSLATE_NOOP("Words", "The sync server refused a request without its length."),
    "metrics_auth": QT_TRANSLATE_NOOP("Words", "The server's metrics need its token."),
    "metrics_disabled": QT_TRANSLATE_NOOP("Words", "The server's metrics are switched off."),
    # The window's own
    "cancelled": QT_TRANSLATE_NOOP("Words", "Cancelled; nothing was changed."),
    "internal": QT_TRANSLATE_NOOP("Words", "Internal error (a bug); details were written to a log file."),
    "error": QT_TRANSLATE_NOOP("Words", "Refused or failed."),
}


def error_words(code: str) -> str:
    """What an error code means, in the window's language ("Refused or failed." for a code not in the table)."""
    return QCoreApplication.translate("Words", str(ERROR_TITLES.get(code, ERROR_TITLES["error"])))
