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
                shown = shown.replace(f"%{index}", group)
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
