<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>BuildRecordDialog</name>
    <message>
        <source>Build record - case %1</source>
        <translation>Build record - case %1</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>Browse...</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Record</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Build records (%1)</source>
        <translation>Build records (%1)</translation>
    </message>
    <message>
        <source>Build record</source>
        <translation>Build record</translation>
    </message>
    <message>
        <source>How device %1 was built: what could make it fail its requirements (T/CAMDI 4.7.10). Checked as dvw build record checks a build record file and recorded as %2; a problem is shown at its field.</source>
        <translation>How device %1 was built: what could make it fail its requirements (T/CAMDI 4.7.10). Checked as dvw build record checks a build record file and recorded as %2; a problem is shown at its field.</translation>
    </message>
    <message>
        <source>The build job's id on the printer, e.g. BJ-2026-0147</source>
        <translation>The build job's id on the printer, e.g. BJ-2026-0147</translation>
    </message>
    <message>
        <source>When the build started (local time)</source>
        <translation>When the build started (local time)</translation>
    </message>
    <message>
        <source>When the build finished (local time)</source>
        <translation>When the build finished (local time)</translation>
    </message>
    <message>
        <source>Who ran the build: a user of this workstation</source>
        <translation>Who ran the build: a user of this workstation</translation>
    </message>
    <message>
        <source>The witness sample carries the device's own number (T/CAMDI 4.7.11)</source>
        <translation>The witness sample carries the device's own number (T/CAMDI 4.7.11)</translation>
    </message>
    <message>
        <source>The printer's equipment id, e.g. EOS-P396-02</source>
        <translation>The printer's equipment id, e.g. EOS-P396-02</translation>
    </message>
    <message>
        <source>When the printer's calibration is due: a calibration due before the build started is refused</source>
        <translation>When the printer's calibration is due: a calibration due before the build started is refused</translation>
    </message>
    <message>
        <source>The process parameter set's name, e.g. PEKK-standard-v3</source>
        <translation>The process parameter set's name, e.g. PEKK-standard-v3</translation>
    </message>
    <message>
        <source>The parameter set's file: it is recorded by its SHA-256</source>
        <translation>The parameter set's file: it is recorded by its SHA-256</translation>
    </message>
    <message>
        <source>Choose the parameter set's file</source>
        <translation>Choose the parameter set's file</translation>
    </message>
    <message>
        <source>Position of the part in the build volume (mm)</source>
        <translation>Position of the part in the build volume (mm)</translation>
    </message>
    <message>
        <source>Orientation of the part (degrees about x, y, z)</source>
        <translation>Orientation of the part (degrees about x, y, z)</translation>
    </message>
    <message>
        <source>Build job id:</source>
        <translation>Build job id:</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>Started:</translation>
    </message>
    <message>
        <source>Finished:</source>
        <translation>Finished:</translation>
    </message>
    <message>
        <source>Operator:</source>
        <translation>Operator:</translation>
    </message>
    <message>
        <source>Witness sample:</source>
        <translation>Witness sample:</translation>
    </message>
    <message>
        <source>Printer (equipment id):</source>
        <translation>Printer (equipment id):</translation>
    </message>
    <message>
        <source>Calibration due:</source>
        <translation>Calibration due:</translation>
    </message>
    <message>
        <source>Parameter set:</source>
        <translation>Parameter set:</translation>
    </message>
    <message>
        <source>Parameter file:</source>
        <translation>Parameter file:</translation>
    </message>
    <message>
        <source>Placement:</source>
        <translation>Placement:</translation>
    </message>
    <message>
        <source>Orientation:</source>
        <translation>Orientation:</translation>
    </message>
    <message>
        <source>Material</source>
        <translation>Material</translation>
    </message>
    <message>
        <source>Supplier</source>
        <translation>Supplier</translation>
    </message>
    <message>
        <source>Lot</source>
        <translation>Lot</translation>
    </message>
    <message>
        <source>Virgin share (0-1)</source>
        <translation>Virgin share (0-1)</translation>
    </message>
    <message>
        <source>GTIN (optional)</source>
        <translation>GTIN (optional)</translation>
    </message>
    <message>
        <source>The material lots the part was built from; virgin share 1 = all virgin powder, 0 = all reused</source>
        <translation>The material lots the part was built from; virgin share 1 = all virgin powder, 0 = all reused</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>Quantity</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>Readings of the build's environment, each with its unit (e.g. chamber oxygen 0.8 %)</source>
        <translation>Readings of the build's environment, each with its unit (e.g. chamber oxygen 0.8 %)</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>Step</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
    <message>
        <source>The post-processing steps, in order</source>
        <translation>The post-processing steps, in order</translation>
    </message>
    <message>
        <source>Material lots (at least one):</source>
        <translation>Material lots (at least one):</translation>
    </message>
    <message>
        <source>Environment readings:</source>
        <translation>Environment readings:</translation>
    </message>
    <message>
        <source>Post-processing steps:</source>
        <translation>Post-processing steps:</translation>
    </message>
    <message>
        <source>Load from file...</source>
        <translation>Load from file...</translation>
    </message>
    <message>
        <source>Fill the form from a build record file (TOML, as dvw build record takes); recorded unchanged, the file itself is recorded</source>
        <translation>Fill the form from a build record file (TOML, as dvw build record takes); recorded unchanged, the file itself is recorded</translation>
    </message>
    <message>
        <source>Check the build record and record it with the case's device</source>
        <translation>Check the build record and record it with the case's device</translation>
    </message>
    <message>
        <source>Close; nothing is recorded unless Record was pressed</source>
        <translation>Close; nothing is recorded unless Record was pressed</translation>
    </message>
    <message>
        <source>Add row</source>
        <translation>Add row</translation>
    </message>
    <message>
        <source>Add a row at the end</source>
        <translation>Add a row at the end</translation>
    </message>
    <message>
        <source>Remove row</source>
        <translation>Remove row</translation>
    </message>
    <message>
        <source>Remove the selected row</source>
        <translation>Remove the selected row</translation>
    </message>
    <message>
        <source>Edited: the form is recorded, not the file.</source>
        <translation>Edited: the form is recorded, not the file.</translation>
    </message>
    <message>
        <source>Loaded %1: recorded as this file unless the form is edited.</source>
        <translation>Loaded %1: recorded as this file unless the form is edited.</translation>
    </message>
    <message>
        <source>Process parameter set</source>
        <translation>Process parameter set</translation>
    </message>
    <message>
        <source>(enter the date)</source>
        <translation>(enter the date)</translation>
    </message>
    <message>
        <source>(enter the date and time)</source>
        <translation>(enter the date and time)</translation>
    </message>
</context>
<context>
    <name>CasesPanel</name>
    <message>
        <source>Case</source>
        <translation>Case</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>Revision</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>Verdict</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Device</translation>
    </message>
    <message>
        <source>Cases in the local store; double-click to open one</source>
        <translation>Cases in the local store; double-click to open one</translation>
    </message>
    <message>
        <source>new case code, e.g. CP-2026-001</source>
        <translation>new case code, e.g. CP-2026-001</translation>
    </message>
    <message>
        <source>A pseudonymous case code: letters, digits, dot, dash, underscore</source>
        <translation>A pseudonymous case code: letters, digits, dot, dash, underscore</translation>
    </message>
    <message>
        <source>New case</source>
        <translation>New case</translation>
    </message>
    <message>
        <source>Create a case with this code and open it (Ctrl+N)</source>
        <translation>Create a case with this code and open it (Ctrl+N)</translation>
    </message>
    <message>
        <source>Open case</source>
        <translation>Open case</translation>
    </message>
    <message>
        <source>Open the selected case</source>
        <translation>Open the selected case</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>Read the cases from the store again (F5)</source>
        <translation>Read the cases from the store again (F5)</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>Deadline</translation>
    </message>
    <message>
        <source>Late: past the delivery deadline</source>
        <translation>Late: past the delivery deadline</translation>
    </message>
    <message>
        <source>At risk: due soon</source>
        <translation>At risk: due soon</translation>
    </message>
    <message>
        <source>Delivery deadline %1</source>
        <translation>Delivery deadline %1</translation>
    </message>
    <message>
        <source>%1 d late</source>
        <translation>%1 d late</translation>
    </message>
    <message>
        <source>%1 d left</source>
        <translation>%1 d left</translation>
    </message>
</context>
<context>
    <name>CheckPanel</name>
    <message>
        <source>Load design...</source>
        <translation>Load design...</translation>
    </message>
    <message>
        <source>Load the device design (STL, 3MF, PLY, OBJ) (Ctrl+D)</source>
        <translation>Load the device design (STL, 3MF, PLY, OBJ) (Ctrl+D)</translation>
    </message>
    <message>
        <source>No design loaded.</source>
        <translation>No design loaded.</translation>
    </message>
    <message>
        <source>Wall thickness</source>
        <translation>Wall thickness</translation>
    </message>
    <message>
        <source>Colour the design on the 3D view by its wall thickness: red where thin, blue where thick, grey where no opposite wall was found; the scale is in mm (Ctrl+T)</source>
        <translation>Colour the design on the 3D view by its wall thickness: red where thin, blue where thick, grey where no opposite wall was found; the scale is in mm (Ctrl+T)</translation>
    </message>
    <message>
        <source>Each vertex&apos;s wall thickness: the distance along its inward normal to the opposite surface, as the design.min_wall_thickness parameter measures it</source>
        <translation>Each vertex&apos;s wall thickness: the distance along its inward normal to the opposite surface, as the design.min_wall_thickness parameter measures it</translation>
    </message>
    <message>
        <source>The validated design envelope to check against</source>
        <translation>The validated design envelope to check against</translation>
    </message>
    <message>
        <source>Other envelope...</source>
        <translation>Other envelope...</translation>
    </message>
    <message>
        <source>Choose an envelope file (.toml)</source>
        <translation>Choose an envelope file (.toml)</translation>
    </message>
    <message>
        <source>not given</source>
        <translation>not given</translation>
    </message>
    <message>
        <source> years</source>
        <translation> years</translation>
    </message>
    <message>
        <source>The patient&apos;s age (a patient fact the envelope may limit)</source>
        <translation>The patient&apos;s age (a patient fact the envelope may limit)</translation>
    </message>
    <message>
        <source>The patient&apos;s weight (optional)</source>
        <translation>The patient&apos;s weight (optional)</translation>
    </message>
    <message>
        <source>Run check</source>
        <translation>Run check</translation>
    </message>
    <message>
        <source>Measure the design and anatomy and check every parameter (Ctrl+R)</source>
        <translation>Measure the design and anatomy and check every parameter (Ctrl+R)</translation>
    </message>
    <message>
        <source>Envelope:</source>
        <translation>Envelope:</translation>
    </message>
    <message>
        <source>Patient age:</source>
        <translation>Patient age:</translation>
    </message>
    <message>
        <source>Patient weight:</source>
        <translation>Patient weight:</translation>
    </message>
    <message>
        <source>Design file</source>
        <translation>Design file</translation>
    </message>
    <message>
        <source>Meshes (*.stl *.3mf *.ply *.obj)</source>
        <translation>Meshes (*.stl *.3mf *.ply *.obj)</translation>
    </message>
    <message>
        <source>Envelope file</source>
        <translation>Envelope file</translation>
    </message>
    <message>
        <source>Envelopes (*.toml)</source>
        <translation>Envelopes (*.toml)</translation>
    </message>
    <message>
        <source>%1: %2 triangles; volume %3 cm³, area %4 cm²; box %5 x %6 x %7 mm; watertight: %8, shells: %9; thinnest wall %10 mm</source>
        <translation>%1: %2 triangles; volume %3 cm³, area %4 cm²; box %5 x %6 x %7 mm; watertight: %8, shells: %9; thinnest wall %10 mm</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>no</source>
        <translation>no</translation>
    </message>
    <message>
        <source>Wall thickness: no opposite wall found (an open surface?)</source>
        <translation>Wall thickness: no opposite wall found (an open surface?)</translation>
    </message>
    <message>
        <source>Wall thickness %1 to %2 mm (median %3 mm); %4 vertices without an opposite wall</source>
        <translation>Wall thickness %1 to %2 mm (median %3 mm); %4 vertices without an opposite wall</translation>
    </message>
</context>
<context>
    <name>CheckTableView</name>
    <message>
        <source>Parameter</source>
        <translation>Parameter</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>Min</source>
        <translation>Min</translation>
    </message>
    <message>
        <source>Max</source>
        <translation>Max</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Margin</source>
        <translation>Margin</translation>
    </message>
    <message>
        <source>Every envelope parameter with its measured value, limits, status and margin</source>
        <translation>Every envelope parameter with its measured value, limits, status and margin</translation>
    </message>
    <message>
        <source>Measured: %1</source>
        <translation>Measured: %1</translation>
    </message>
    <message>
        <source>Why this range (design envelope): %1</source>
        <translation>Why this range (design envelope): %1</translation>
    </message>
</context>
<context>
    <name>Events</name>
    <message>
        <source>case created</source>
        <extracomment>The events of the records log, by kind (the audit trail&apos;s Event column).</extracomment>
        <translation>case created</translation>
    </message>
    <message>
        <source>inputs added</source>
        <translation>inputs added</translation>
    </message>
    <message>
        <source>check run</source>
        <translation>check run</translation>
    </message>
    <message>
        <source>re-verification recorded</source>
        <translation>re-verification recorded</translation>
    </message>
    <message>
        <source>signature</source>
        <translation>signature</translation>
    </message>
    <message>
        <source>design changed</source>
        <translation>design changed</translation>
    </message>
    <message>
        <source>note</source>
        <translation>note</translation>
    </message>
    <message>
        <source>received by sync</source>
        <translation>received by sync</translation>
    </message>
    <message>
        <source>conflict resolved</source>
        <translation>conflict resolved</translation>
    </message>
    <message>
        <source>measurement recorded</source>
        <translation>measurement recorded</translation>
    </message>
    <message>
        <source>UDI assigned</source>
        <translation>UDI assigned</translation>
    </message>
    <message>
        <source>trace event</source>
        <translation>trace event</translation>
    </message>
    <message>
        <source>bundle imported</source>
        <translation>bundle imported</translation>
    </message>
    <message>
        <source>self-test recorded</source>
        <translation>self-test recorded</translation>
    </message>
    <message>
        <source>site trusted</source>
        <translation>site trusted</translation>
    </message>
    <message>
        <source>user added</source>
        <translation>user added</translation>
    </message>
    <message>
        <source>user disabled</source>
        <translation>user disabled</translation>
    </message>
    <message>
        <source>user&apos;s role changed</source>
        <translation>user&apos;s role changed</translation>
    </message>
    <message>
        <source>user unlocked</source>
        <translation>user unlocked</translation>
    </message>
    <message>
        <source>sign-in failed</source>
        <translation>sign-in failed</translation>
    </message>
</context>
<context>
    <name>Findings</name>
    <message>
        <source>Gantry tilt: resampled onto an orthogonal grid</source>
        <extracomment>What the import&apos;s findings mean, by code (the core&apos;s message, with its numbers, goes in the item&apos;s tooltip).</extracomment>
        <translation>Gantry tilt: resampled onto an orthogonal grid</translation>
    </message>
    <message>
        <source>Uneven slice spacing: resampled at the smallest regular step</source>
        <translation>Uneven slice spacing: resampled at the smallest regular step</translation>
    </message>
    <message>
        <source>Missing slices in the series</source>
        <translation>Missing slices in the series</translation>
    </message>
    <message>
        <source>Several slices at the same position</source>
        <translation>Several slices at the same position</translation>
    </message>
    <message>
        <source>The same image in several files</source>
        <translation>The same image in several files</translation>
    </message>
    <message>
        <source>Slices with different orientations</source>
        <translation>Slices with different orientations</translation>
    </message>
    <message>
        <source>Too few slices for a volume</source>
        <translation>Too few slices for a volume</translation>
    </message>
    <message>
        <source>CT without rescale values: stored values taken as HU</source>
        <translation>CT without rescale values: stored values taken as HU</translation>
    </message>
    <message>
        <source>Compressed pixel data (decoded)</source>
        <translation>Compressed pixel data (decoded)</translation>
    </message>
    <message>
        <source>The gantry tilt tag disagrees with the slice positions</source>
        <translation>The gantry tilt tag disagrees with the slice positions</translation>
    </message>
    <message>
        <source>No slice position or orientation</source>
        <translation>No slice position or orientation</translation>
    </message>
    <message>
        <source>Resampled onto a regular grid</source>
        <translation>Resampled onto a regular grid</translation>
    </message>
    <message>
        <source>The slice positions cannot form a volume</source>
        <translation>The slice positions cannot form a volume</translation>
    </message>
    <message>
        <source>The volume would be too large</source>
        <translation>The volume would be too large</translation>
    </message>
    <message>
        <source>Files with invalid header values</source>
        <translation>Files with invalid header values</translation>
    </message>
    <message>
        <source>Localizer (scout) images: not a volume</source>
        <translation>Localizer (scout) images: not a volume</translation>
    </message>
    <message>
        <source>Images in different frames of reference</source>
        <translation>Images in different frames of reference</translation>
    </message>
    <message>
        <source>No image pixel data (a report, structure set or state)</source>
        <translation>No image pixel data (a report, structure set or state)</translation>
    </message>
    <message>
        <source>Files without preamble (ACR-NEMA style), read as implicit VR</source>
        <translation>Files without preamble (ACR-NEMA style), read as implicit VR</translation>
    </message>
    <message>
        <source>Pixel padding outside the scanned field replaced</source>
        <translation>Pixel padding outside the scanned field replaced</translation>
    </message>
    <message>
        <source>Secondary capture or colour images: not a volume</source>
        <translation>Secondary capture or colour images: not a volume</translation>
    </message>
    <message>
        <source>Reopened from the case&apos;s saved volume; the findings are those recorded at its import</source>
        <extracomment>A reopened case&apos;s volume (workflow.reopen): with the findings recorded at its import, or without them.</extracomment>
        <translation>Reopened from the case&apos;s saved volume; the findings are those recorded at its import</translation>
    </message>
    <message>
        <source>Reopened from the case&apos;s saved volume; the DICOM series&apos; findings are not kept in it</source>
        <translation>Reopened from the case&apos;s saved volume; the DICOM series&apos; findings are not kept in it</translation>
    </message>
    <message>
        <source>volume</source>
        <extracomment>What kind of series the scan found (``imaging.series``&apos; kinds).</extracomment>
        <translation>volume</translation>
    </message>
    <message>
        <source>localizer</source>
        <translation>localizer</translation>
    </message>
    <message>
        <source>secondary capture</source>
        <translation>secondary capture</translation>
    </message>
    <message>
        <source>single image</source>
        <translation>single image</translation>
    </message>
    <message>
        <source>multi-frame</source>
        <translation>multi-frame</translation>
    </message>
    <message>
        <source>other</source>
        <translation>other</translation>
    </message>
</context>
<context>
    <name>ImportPanel</name>
    <message>
        <source>Choose folder...</source>
        <translation>Choose folder...</translation>
    </message>
    <message>
        <source>Choose a folder with DICOM files, or drop one on the window (Ctrl+O)</source>
        <translation>Choose a folder with DICOM files, or drop one on the window (Ctrl+O)</translation>
    </message>
    <message>
        <source>No folder chosen; you can also drop a folder on the window.</source>
        <translation>No folder chosen; you can also drop a folder on the window.</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>Series</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>Slices</source>
        <translation>Slices</translation>
    </message>
    <message>
        <source>Spacing (mm)</source>
        <translation>Spacing (mm)</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>Findings</translation>
    </message>
    <message>
        <source>The series found; pick the one to import</source>
        <translation>The series found; pick the one to import</translation>
    </message>
    <message>
        <source>Import series</source>
        <translation>Import series</translation>
    </message>
    <message>
        <source>Assemble the selected series into a volume (Ctrl+I)</source>
        <translation>Assemble the selected series into a volume (Ctrl+I)</translation>
    </message>
    <message>
        <source>What the import found and corrected; nothing is hidden</source>
        <translation>What the import found and corrected; nothing is hidden</translation>
    </message>
    <message>
        <source>Import findings:</source>
        <translation>Import findings:</translation>
    </message>
    <message>
        <source>DICOM folder</source>
        <translation>DICOM folder</translation>
    </message>
    <message>
        <source>%1 files, %2 series, %3 skipped</source>
        <translation>%1 files, %2 series, %3 skipped</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>No findings.</source>
        <translation>No findings.</translation>
    </message>
    <message>
        <source>Imported: %1 voxels, spacing %2 mm, values %3 to %4 HU</source>
        <translation>Imported: %1 voxels, spacing %2 mm, values %3 to %4 HU</translation>
    </message>
</context>
<context>
    <name>InspectDialog</name>
    <message>
        <source>Inspect printed part - case %1</source>
        <translation>Inspect printed part - case %1</translation>
    </message>
    <message>
        <source>The 3D scan of the printed part is registered onto the case&apos;s design (any pose, no picking) and each scan point&apos;s deviation from it is measured. The inspection is recorded with your name, the scan and the report; a failed inspection makes the device nonconforming for good.</source>
        <translation>The 3D scan of the printed part is registered onto the case&apos;s design (any pose, no picking) and each scan point&apos;s deviation from it is measured. The inspection is recorded with your name, the scan and the report; a failed inspection makes the device nonconforming for good.</translation>
    </message>
    <message>
        <source>scan file: STL, PLY, OBJ or XYZ, in mm</source>
        <translation>scan file: STL, PLY, OBJ or XYZ, in mm</translation>
    </message>
    <message>
        <source>A mesh or point cloud of the printed part, in mm, in any pose</source>
        <translation>A mesh or point cloud of the printed part, in mm, in any pose</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>Browse...</translation>
    </message>
    <message>
        <source>Choose the scan file</source>
        <translation>Choose the scan file</translation>
    </message>
    <message>
        <source>Own tolerance</source>
        <translation>Own tolerance</translation>
    </message>
    <message>
        <source>Unchecked: the device family&apos;s inspection tolerances</source>
        <translation>Unchecked: the device family&apos;s inspection tolerances</translation>
    </message>
    <message>
        <source>The inspector: a user with the quality role</source>
        <translation>The inspector: a user with the quality role</translation>
    </message>
    <message>
        <source>The inspector&apos;s password: the record is theirs</source>
        <translation>The inspector&apos;s password: the record is theirs</translation>
    </message>
    <message>
        <source>Scan:</source>
        <translation>Scan:</translation>
    </message>
    <message>
        <source>Tolerance:</source>
        <translation>Tolerance:</translation>
    </message>
    <message>
        <source>Inspector:</source>
        <translation>Inspector:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>Inspect</source>
        <translation>Inspect</translation>
    </message>
    <message>
        <source>Register the scan, measure it and record the inspection</source>
        <translation>Register the scan, measure it and record the inspection</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Close; a running inspection is cancelled and nothing is recorded</source>
        <translation>Close; a running inspection is cancelled and nothing is recorded</translation>
    </message>
    <message>
        <source>No user of this workstation has the quality role: nobody here may inspect.</source>
        <translation>No user of this workstation has the quality role: nobody here may inspect.</translation>
    </message>
    <message>
        <source>Scan of the printed part</source>
        <translation>Scan of the printed part</translation>
    </message>
    <message>
        <source>Scans (%1)</source>
        <translation>Scans (%1)</translation>
    </message>
    <message>
        <source>Only a user with the quality role records a final inspection.</source>
        <translation>Only a user with the quality role records a final inspection.</translation>
    </message>
    <message>
        <source>The file is not a scan DVW can read (a mesh or point cloud in mm):</source>
        <translation>The file is not a scan DVW can read (a mesh or point cloud in mm):</translation>
    </message>
    <message>
        <source>The device is nonconforming: it is never inspected again or released.</source>
        <translation>The device is nonconforming: it is never inspected again or released.</translation>
    </message>
    <message>
        <source>The case&apos;s current revision has no UDI: nothing was made to inspect.</source>
        <translation>The case&apos;s current revision has no UDI: nothing was made to inspect.</translation>
    </message>
    <message>
        <source>Choose the scan file first.</source>
        <translation>Choose the scan file first.</translation>
    </message>
</context>
<context>
    <name>InspectionResultDialog</name>
    <message>
        <source>Inspection of case %1</source>
        <translation>Inspection of case %1</translation>
    </message>
    <message>
        <source>PASS: device %1 is within its tolerances (conforming).</source>
        <translation>PASS: device %1 is within its tolerances (conforming).</translation>
    </message>
    <message>
        <source>FAIL: device %1 is out of tolerance. It is nonconforming and is never released.</source>
        <translation>FAIL: device %1 is out of tolerance. It is nonconforming and is never released.</translation>
    </message>
    <message>
        <source>Inspector: %1, %2. Registration RMS %3 mm over %4 scan points. Worst point %5 mm (marked). Figures of each point&apos;s median deviation over its 16 nearest points.</source>
        <translation>Inspector: %1, %2. Registration RMS %3 mm over %4 scan points. Worst point %5 mm (marked). Figures of each point&apos;s median deviation over its 16 nearest points.</translation>
    </message>
    <message>
        <source>Region</source>
        <translation>Region</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>Points</translation>
    </message>
    <message>
        <source>Max (mm)</source>
        <translation>Max (mm)</translation>
    </message>
    <message>
        <source>Min (mm)</source>
        <translation>Min (mm)</translation>
    </message>
    <message>
        <source>Mean (mm)</source>
        <translation>Mean (mm)</translation>
    </message>
    <message>
        <source>RMS (mm)</source>
        <translation>RMS (mm)</translation>
    </message>
    <message>
        <source>Within tolerance</source>
        <translation>Within tolerance</translation>
    </message>
    <message>
        <source>Tolerance (mm)</source>
        <translation>Tolerance (mm)</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>The deviation figures of each region, outward positive</source>
        <translation>The deviation figures of each region, outward positive</translation>
    </message>
    <message>
        <source>pass</source>
        <translation>pass</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>FAIL</translation>
    </message>
    <message>
        <source>Recorded inspection, read back (read-only): the figures are the recorded report's; the colour map is drawn again from the recorded scan, registration and design, each checked by its SHA-256. Report %1.</source>
        <translation>Recorded inspection, read back (read-only): the figures are the recorded report's; the colour map is drawn again from the recorded scan, registration and design, each checked by its SHA-256. Report %1.</translation>
    </message>
</context>
<context>
    <name>JoinDialog</name>
    <message>
        <source>Join the sync server</source>
        <translation>Join the sync server</translation>
    </message>
    <message>
        <source>The address of the company&apos;s sync server</source>
        <translation>The address of the company&apos;s sync server</translation>
    </message>
    <message>
        <source>The one-time enrolment token (dvw server enroll-site prints it on the server)</source>
        <translation>The one-time enrolment token (dvw server enroll-site prints it on the server)</translation>
    </message>
    <message>
        <source>Sync server:</source>
        <translation>Sync server:</translation>
    </message>
    <message>
        <source>Enrolment token:</source>
        <translation>Enrolment token:</translation>
    </message>
    <message>
        <source>This workstation makes its own key and enrols it with the token; the token works once. Patient identity never leaves this site.</source>
        <translation>This workstation makes its own key and enrols it with the token; the token works once. Patient identity never leaves this site.</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>Join</translation>
    </message>
</context>
<context>
    <name>LockView</name>
    <message>
        <source>password</source>
        <translation>password</translation>
    </message>
    <message>
        <source>The password of the user who locked the window; Enter unlocks</source>
        <translation>The password of the user who locked the window; Enter unlocks</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>Check the password and continue where the work was left</source>
        <translation>Check the password and continue where the work was left</translation>
    </message>
    <message>
        <source>Set up...</source>
        <translation>Set up...</translation>
    </message>
    <message>
        <source>Set up the store&apos;s first administrator</source>
        <translation>Set up the store&apos;s first administrator</translation>
    </message>
    <message>
        <source>Sign in as another user...</source>
        <translation>Sign in as another user...</translation>
    </message>
    <message>
        <source>Another user signs in; the open case is closed and its work not yet checked is not kept</source>
        <translation>Another user signs in; the open case is closed and its work not yet checked is not kept</translation>
    </message>
    <message>
        <source>Sign in...</source>
        <translation>Sign in...</translation>
    </message>
    <message>
        <source>Sign in with your user id and password</source>
        <translation>Sign in with your user id and password</translation>
    </message>
    <message>
        <source>Opening the store...</source>
        <translation>Opening the store...</translation>
    </message>
    <message>
        <source>The store cannot be opened</source>
        <translation>The store cannot be opened</translation>
    </message>
    <message>
        <source>%1: %2. Choose another store folder in Settings.</source>
        <translation>%1: %2. Choose another store folder in Settings.</translation>
    </message>
    <message>
        <source>Set up this workstation</source>
        <translation>Set up this workstation</translation>
    </message>
    <message>
        <source>The store %1 has no users yet. Set up its first administrator to start.</source>
        <translation>The store %1 has no users yet. Set up its first administrator to start.</translation>
    </message>
    <message>
        <source>Nobody is signed in</source>
        <translation>Nobody is signed in</translation>
    </message>
    <message>
        <source>Sign in to work with the cases of the store %1. Every record names who made it.</source>
        <translation>Sign in to work with the cases of the store %1. Every record names who made it.</translation>
    </message>
    <message>
        <source>The window was locked.</source>
        <translation>The window was locked.</translation>
    </message>
    <message>
        <source>The window locked after less than a minute without use.</source>
        <translation>The window locked after less than a minute without use.</translation>
    </message>
    <message>
        <source>The window locked after %1 minutes without use.</source>
        <translation>The window locked after %1 minutes without use.</translation>
    </message>
    <message>
        <source>%1 Enter the password to continue.</source>
        <translation>%1 Enter the password to continue.</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Locked</translation>
    </message>
    <message>
        <source>%1 (%2, %3)</source>
        <comment>printed name (user id, role)</comment>
        <translation>%1 (%2, %3)</translation>
    </message>
    <message>
        <source>Checking...</source>
        <translation>Checking...</translation>
    </message>
    <message>
        <source>Could not sign in: %1</source>
        <translation>Could not sign in: %1</translation>
    </message>
    <message>
        <source>Enter the password.</source>
        <translation>Enter the password.</translation>
    </message>
</context>
<context>
    <name>MainView</name>
    <message>
        <source>Nothing to show: case %1 has a recorded check, but its meshes are not in its work folder %2. A case recorded by dvw demo or dvw run keeps its files in that command&apos;s output folder.</source>
        <translation>Nothing to show: case %1 has a recorded check, but its meshes are not in its work folder %2. A case recorded by dvw demo or dvw run keeps its files in that command&apos;s output folder.</translation>
    </message>
    <message>
        <source>DVW design-validation workstation</source>
        <extracomment>What the window loads in the background after it opens: first the records (the case list), then the rest.</extracomment>
        <translation>DVW design-validation workstation</translation>
    </message>
    <message>
        <source>1 Cases</source>
        <extracomment>Opens a URL on the desktop (a written report): QDesktopServices, or a test&apos;s recorder (no viewer started). Measurements placed while no case was open (shown, not recorded); the case&apos;s own come from its log.</extracomment>
        <translation>1 Cases</translation>
    </message>
    <message>
        <source>2 Import</source>
        <translation>2 Import</translation>
    </message>
    <message>
        <source>3 Segment</source>
        <translation>3 Segment</translation>
    </message>
    <message>
        <source>4 Design &amp; Check</source>
        <translation>4 Design &amp; Check</translation>
    </message>
    <message>
        <source>5 Review</source>
        <translation>5 Review</translation>
    </message>
    <message>
        <source>The workflow steps (Alt+1 to Alt+5)</source>
        <translation>The workflow steps (Alt+1 to Alt+5)</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Ready</translation>
    </message>
    <message>
        <source>The open case</source>
        <translation>The open case</translation>
    </message>
    <message>
        <source>The case&apos;s state, derived from its records log</source>
        <translation>The case&apos;s state, derived from its records log</translation>
    </message>
    <message>
        <source>The verdict of the case&apos;s latest check</source>
        <translation>The verdict of the case&apos;s latest check</translation>
    </message>
    <message>
        <source>Replication to the company server</source>
        <translation>Replication to the company server</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>Sync with the company server now (Ctrl+Shift+Y)</source>
        <translation>Sync with the company server now (Ctrl+Shift+Y)</translation>
    </message>
    <message>
        <source>The local store folder</source>
        <translation>The local store folder</translation>
    </message>
    <message>
        <source>Who is signed in: every record made here names them (File menu: Lock, Switch user, Sign out)</source>
        <translation>Who is signed in: every record made here names them (File menu: Lock, Switch user, Sign out)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>Open DICOM folder...</source>
        <translation>Open DICOM folder...</translation>
    </message>
    <message>
        <source>Scan a folder of DICOM files</source>
        <translation>Scan a folder of DICOM files</translation>
    </message>
    <message>
        <source>Export report...</source>
        <translation>Export report...</translation>
    </message>
    <message>
        <source>Write the case&apos;s PDF report</source>
        <translation>Write the case&apos;s PDF report</translation>
    </message>
    <message>
        <source>Settings...</source>
        <translation>Settings...</translation>
    </message>
    <message>
        <source>Store folder, language, sync server</source>
        <translation>Store folder, language, sync server</translation>
    </message>
    <message>
        <source>Send this site&apos;s new records to the company server and receive the other sites&apos;</source>
        <translation>Send this site&apos;s new records to the company server and receive the other sites&apos;</translation>
    </message>
    <message>
        <source>Join sync server...</source>
        <translation>Join sync server...</translation>
    </message>
    <message>
        <source>Enrol this workstation with the company&apos;s sync server once</source>
        <translation>Enrol this workstation with the company&apos;s sync server once</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Lock</translation>
    </message>
    <message>
        <source>Lock the window now; your password unlocks it</source>
        <translation>Lock the window now; your password unlocks it</translation>
    </message>
    <message>
        <source>Switch user...</source>
        <translation>Switch user...</translation>
    </message>
    <message>
        <source>Lock the window and let another user sign in; the open case is closed</source>
        <translation>Lock the window and let another user sign in; the open case is closed</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>Sign out; the open case is closed and its unchecked work is not kept</source>
        <translation>Sign out; the open case is closed and its unchecked work is not kept</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>Close DVW</source>
        <translation>Close DVW</translation>
    </message>
    <message>
        <source>Recent cases</source>
        <translation>Recent cases</translation>
    </message>
    <message>
        <source>&amp;Case</source>
        <translation>&amp;Case</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <source>Go to this step of the workflow</source>
        <translation>Go to this step of the workflow</translation>
    </message>
    <message>
        <source>Review mode</source>
        <translation>Review mode</translation>
    </message>
    <message>
        <source>3D distance</source>
        <translation>3D distance</translation>
    </message>
    <message>
        <source>Measure a distance in the 3D view: click two points on the surfaces (Shift+D)</source>
        <translation>Measure a distance in the 3D view: click two points on the surfaces (Shift+D)</translation>
    </message>
    <message>
        <source>Large fonts for the review</source>
        <translation>Large fonts for the review</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>Manual</source>
        <translation>Manual</translation>
    </message>
    <message>
        <source>The workflow, each step, what the verdicts mean, the keyboard shortcuts</source>
        <translation>The workflow, each step, what the verdicts mean, the keyboard shortcuts</translation>
    </message>
    <message>
        <source>About DVW</source>
        <translation>About DVW</translation>
    </message>
    <message>
        <source>Version and software manifest</source>
        <translation>Version and software manifest</translation>
    </message>
    <message>
        <source>Open case %1</source>
        <translation>Open case %1</translation>
    </message>
    <message>
        <source>No recent cases</source>
        <translation>No recent cases</translation>
    </message>
    <message>
        <source>No case open</source>
        <translation>No case open</translation>
    </message>
    <message>
        <source>Case %1 (revision %2)</source>
        <translation>Case %1 (revision %2)</translation>
    </message>
    <message>
        <source>State: %1</source>
        <translation>State: %1</translation>
    </message>
    <message>
        <source>Verdict: %1</source>
        <translation>Verdict: %1</translation>
    </message>
    <message>
        <source>%1°</source>
        <translation>%1°</translation>
    </message>
    <message>
        <source>%1 (not recorded: open a case to keep measurements with it)</source>
        <translation>%1 (not recorded: open a case to keep measurements with it)</translation>
    </message>
    <message>
        <source>%1 recorded with the case</source>
        <translation>%1 recorded with the case</translation>
    </message>
    <message>
        <source>Case %1: its saved work was not loaded, newer results are shown</source>
        <translation>Case %1: its saved work was not loaded, newer results are shown</translation>
    </message>
    <message>
        <source>volume</source>
        <translation>volume</translation>
    </message>
    <message>
        <source>mask</source>
        <translation>mask</translation>
    </message>
    <message>
        <source>anatomy mesh</source>
        <translation>anatomy mesh</translation>
    </message>
    <message>
        <source>design</source>
        <translation>design</translation>
    </message>
    <message>
        <source>last check</source>
        <translation>last check</translation>
    </message>
    <message>
        <source>Case %1 reopened: %2 loaded.</source>
        <translation>Case %1 reopened: %2 loaded.</translation>
    </message>
    <message>
        <source>, </source>
        <comment>list separator</comment>
        <translation>, </translation>
    </message>
    <message>
        <source>Case %1 opened: no saved work to load.</source>
        <translation>Case %1 opened: no saved work to load.</translation>
    </message>
    <message>
        <source>Case %1: work made after its last check was loaded; it has not been checked.</source>
        <translation>Case %1: work made after its last check was loaded; it has not been checked.</translation>
    </message>
    <message>
        <source>%1 locked this window. If you sign in as another user, the open case is closed and its work not yet checked is not kept.</source>
        <translation>%1 locked this window. If you sign in as another user, the open case is closed and its work not yet checked is not kept.</translation>
    </message>
    <message>
        <source>Signed in: %1 (%2)</source>
        <translation>Signed in: %1 (%2)</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>Not signed in</translation>
    </message>
    <message>
        <source>Syncing with the company server...</source>
        <translation>Syncing with the company server...</translation>
    </message>
    <message>
        <source>Joined %1 as %2.</source>
        <translation>Joined %1 as %2.</translation>
    </message>
    <message>
        <source>Site %1 (%2), enrolled with the server, is now trusted.</source>
        <translation>Site %1 (%2), enrolled with the server, is now trusted.</translation>
    </message>
    <message>
        <source>Site %1, enrolled with the server, is now trusted.</source>
        <translation>Site %1, enrolled with the server, is now trusted.</translation>
    </message>
    <message>
        <source>Synced: %1 events sent, %2 received; %3 files sent, %4 received; conflicts: %5</source>
        <translation>Synced: %1 events sent, %2 received; %3 files sent, %4 received; conflicts: %5</translation>
    </message>
    <message>
        <source>Synced with %1: %2 events sent, %3 received; %4 files sent, %5 received; conflicts: %6</source>
        <translation>Synced with %1: %2 events sent, %3 received; %4 files sent, %5 received; conflicts: %6</translation>
    </message>
    <message>
        <source>Sites not trusted yet, sync again: %1</source>
        <translation>Sites not trusted yet, sync again: %1</translation>
    </message>
    <message>
        <source>Sync: status unknown</source>
        <translation>Sync: status unknown</translation>
    </message>
    <message>
        <source>The sync status could not be read: %1</source>
        <translation>The sync status could not be read: %1</translation>
    </message>
    <message>
        <source>Sync: not configured</source>
        <translation>Sync: not configured</translation>
    </message>
    <message>
        <source>Store: %1</source>
        <translation>Store: %1</translation>
    </message>
    <message>
        <source>Sync: %1</source>
        <translation>Sync: %1</translation>
    </message>
    <message>
        <source>Replication to the company server (reading its status...)</source>
        <translation>Replication to the company server (reading its status...)</translation>
    </message>
    <message>
        <source>Sync: not configured; events only here: %1</source>
        <translation>Sync: not configured; events only here: %1</translation>
    </message>
    <message>
        <source>Sync: %1, not joined yet; events to push: %2</source>
        <translation>Sync: %1, not joined yet; events to push: %2</translation>
    </message>
    <message>
        <source>Sync: never synced; events to push: %1</source>
        <translation>Sync: never synced; events to push: %1</translation>
    </message>
    <message>
        <source>Sync: last %1; events to push: %2</source>
        <translation>Sync: last %1; events to push: %2</translation>
    </message>
    <message>
        <source>never</source>
        <translation>never</translation>
    </message>
    <message>
        <source>Replication of the records to the company server.</source>
        <translation>Replication of the records to the company server.</translation>
    </message>
    <message>
        <source>Server in the settings: %1</source>
        <translation>Server in the settings: %1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>none</translation>
    </message>
    <message>
        <source>Site enrolment: %1</source>
        <translation>Site enrolment: %1</translation>
    </message>
    <message>
        <source>joined %1 as %2</source>
        <translation>joined %1 as %2</translation>
    </message>
    <message>
        <source>not joined (an administrator enrols this workstation once)</source>
        <translation>not joined (an administrator enrols this workstation once)</translation>
    </message>
    <message>
        <source>Site id: %1</source>
        <translation>Site id: %1</translation>
    </message>
    <message>
        <source>Last successful sync: %1</source>
        <translation>Last successful sync: %1</translation>
    </message>
    <message>
        <source>Events written here and not yet pushed: %1 of %2</source>
        <translation>Events written here and not yet pushed: %1 of %2</translation>
    </message>
    <message>
        <source>DVW</source>
        <translation>DVW</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>Details: %1</translation>
    </message>
    <message>
        <source>DICOM folder</source>
        <translation>DICOM folder</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>Report</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
        <source>The design on the anatomy (3D view)</source>
        <translation>The design on the anatomy (3D view)</translation>
    </message>
    <message>
        <source>Report opened: %1</source>
        <translation>Report opened: %1</translation>
    </message>
    <message>
        <source>No PDF viewer answered; the report&apos;s folder is open: %1</source>
        <translation>No PDF viewer answered; the report&apos;s folder is open: %1</translation>
    </message>
    <message>
        <source>No PDF viewer or file manager answered; the report is at %1</source>
        <translation>No PDF viewer or file manager answered; the report is at %1</translation>
    </message>
    <message>
        <source>A step is running: change the language again when it has finished. The other settings were saved.</source>
        <translation>A step is running: change the language again when it has finished. The other settings were saved.</translation>
    </message>
    <message>
        <source>DVW %1
Software manifest %2</source>
        <translation>DVW %1
Software manifest %2</translation>
    </message>
    <message>
        <source>Design input...</source>
        <translation>Design input...</translation>
    </message>
    <message>
        <source>The clinician's prescription, consent and deadline</source>
        <translation>The clinician's prescription, consent and deadline</translation>
    </message>
    <message>
        <source>Case team...</source>
        <translation>Case team...</translation>
    </message>
    <message>
        <source>The case's members and their roles</source>
        <translation>The case's members and their roles</translation>
    </message>
    <message>
        <source>Design proposal...</source>
        <translation>Design proposal...</translation>
    </message>
    <message>
        <source>The proposal the clinician confirms</source>
        <translation>The proposal the clinician confirms</translation>
    </message>
    <message>
        <source>Design change...</source>
        <translation>Design change...</translation>
    </message>
    <message>
        <source>A new design with its reason and comparison</source>
        <translation>A new design with its reason and comparison</translation>
    </message>
</context>
<context>
    <name>ManualDialog</name>
    <message>
        <source>DVW manual</source>
        <extracomment>A tooltip&apos;s trailing keys in parentheses, ASCII or full-width (U+FF08, U+FF09) as Chinese text writes them.</extracomment>
        <translation>DVW manual</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Keyboard shortcuts</translation>
    </message>
</context>
<context>
    <name>ParameterTitles</name>
    <message>
        <source>Slice spacing</source>
        <extracomment>Parameter titles of the measurement registry (validation.registry), marked for translation; a title not listed here is shown as the registry gives it.</extracomment>
        <translation>Slice spacing</translation>
    </message>
    <message>
        <source>Pixel spacing</source>
        <translation>Pixel spacing</translation>
    </message>
    <message>
        <source>Slice thickness</source>
        <translation>Slice thickness</translation>
    </message>
    <message>
        <source>Gantry tilt</source>
        <translation>Gantry tilt</translation>
    </message>
    <message>
        <source>Tilt corrected</source>
        <translation>Tilt corrected</translation>
    </message>
    <message>
        <source>Field of view</source>
        <translation>Field of view</translation>
    </message>
    <message>
        <source>Scan length</source>
        <translation>Scan length</translation>
    </message>
    <message>
        <source>Segmented bone volume</source>
        <translation>Segmented bone volume</translation>
    </message>
    <message>
        <source>Thinnest bone under the design</source>
        <translation>Thinnest bone under the design</translation>
    </message>
    <message>
        <source>Mean bone thickness under the design</source>
        <translation>Mean bone thickness under the design</translation>
    </message>
    <message>
        <source>Defect span</source>
        <translation>Defect span</translation>
    </message>
    <message>
        <source>Defect area</source>
        <translation>Defect area</translation>
    </message>
    <message>
        <source>Design volume</source>
        <translation>Design volume</translation>
    </message>
    <message>
        <source>Design surface area</source>
        <translation>Design surface area</translation>
    </message>
    <message>
        <source>Design length</source>
        <translation>Design length</translation>
    </message>
    <message>
        <source>Design width</source>
        <translation>Design width</translation>
    </message>
    <message>
        <source>Design height</source>
        <translation>Design height</translation>
    </message>
    <message>
        <source>Minimum wall thickness</source>
        <translation>Minimum wall thickness</translation>
    </message>
    <message>
        <source>Shells</source>
        <translation>Shells</translation>
    </message>
    <message>
        <source>Watertight</source>
        <translation>Watertight</translation>
    </message>
    <message>
        <source>Largest gap</source>
        <translation>Largest gap</translation>
    </message>
    <message>
        <source>Mean gap</source>
        <translation>Mean gap</translation>
    </message>
    <message>
        <source>Largest penetration</source>
        <translation>Largest penetration</translation>
    </message>
    <message>
        <source>Contact area</source>
        <translation>Contact area</translation>
    </message>
    <message>
        <source>Patient age</source>
        <translation>Patient age</translation>
    </message>
    <message>
        <source>Patient weight</source>
        <translation>Patient weight</translation>
    </message>
    <message>
        <source>Peak von Mises stress</source>
        <translation>Peak von Mises stress</translation>
    </message>
    <message>
        <source>Peak displacement</source>
        <translation>Peak displacement</translation>
    </message>
    <message>
        <source>Minimum safety factor</source>
        <translation>Minimum safety factor</translation>
    </message>
</context>
<context>
    <name>ProductionActions</name>
    <message>
        <source>Inspect printed part...</source>
        <translation>Inspect printed part...</translation>
    </message>
    <message>
        <source>Compare the 3D scan of the printed part with its design and record the final inspection</source>
        <translation>Compare the 3D scan of the printed part with its design and record the final inspection</translation>
    </message>
    <message>
        <source>Build record...</source>
        <translation>Build record...</translation>
    </message>
    <message>
        <source>Record how the case&apos;s device was built, from its build record file</source>
        <translation>Record how the case&apos;s device was built, from its build record file</translation>
    </message>
    <message>
        <source>Build %1 on %2 recorded for device %3 (event %4; material lots %5).</source>
        <translation>Build %1 on %2 recorded for device %3 (event %4; material lots %5).</translation>
    </message>
    <message>
        <source>Refused:</source>
        <translation>Refused:</translation>
    </message>
    <message>
        <source>Recorded: a device has one build record</source>
        <translation>Recorded: a device has one build record</translation>
    </message>
    <message>
        <source>Device: %1</source>
        <translation>Device: %1</translation>
    </message>
    <message>
        <source>Recorded inspections...</source>
        <translation>Recorded inspections...</translation>
    </message>
    <message>
        <source>The case's recorded final inspections; open one to see its figures and colour map again</source>
        <translation>The case's recorded final inspections; open one to see its figures and colour map again</translation>
    </message>
</context>
<context>
    <name>Progress</name>
    <message>
        <source>auditing the records</source>
        <extracomment>Progress stages the cores report (``base.progress.report``), word for word.</extracomment>
        <translation>auditing the records</translation>
    </message>
    <message>
        <source>checked</source>
        <translation>checked</translation>
    </message>
    <message>
        <source>checking the password</source>
        <translation>checking the password</translation>
    </message>
    <message>
        <source>connected components</source>
        <translation>connected components</translation>
    </message>
    <message>
        <source>done</source>
        <translation>done</translation>
    </message>
    <message>
        <source>filling holes</source>
        <translation>filling holes</translation>
    </message>
    <message>
        <source>hashing the software</source>
        <translation>hashing the software</translation>
    </message>
    <message>
        <source>imported</source>
        <translation>imported</translation>
    </message>
    <message>
        <source>loading the units</source>
        <translation>loading the units</translation>
    </message>
    <message>
        <source>locating the flagged parameters</source>
        <translation>locating the flagged parameters</translation>
    </message>
    <message>
        <source>making the administrator&apos;s key</source>
        <translation>making the administrator&apos;s key</translation>
    </message>
    <message>
        <source>measured</source>
        <translation>measured</translation>
    </message>
    <message>
        <source>meshed</source>
        <translation>meshed</translation>
    </message>
    <message>
        <source>metrics</source>
        <translation>metrics</translation>
    </message>
    <message>
        <source>preparing the 3D view</source>
        <translation>preparing the 3D view</translation>
    </message>
    <message>
        <source>reading the scan</source>
        <translation>reading the scan</translation>
    </message>
    <message>
        <source>finding the bearing surface</source>
        <translation>finding the bearing surface</translation>
    </message>
    <message>
        <source>sampling the design</source>
        <translation>sampling the design</translation>
    </message>
    <message>
        <source>global alignment</source>
        <translation>global alignment</translation>
    </message>
    <message>
        <source>coarse alignment</source>
        <translation>coarse alignment</translation>
    </message>
    <message>
        <source>coarse ICP</source>
        <translation>coarse ICP</translation>
    </message>
    <message>
        <source>fine ICP</source>
        <translation>fine ICP</translation>
    </message>
    <message>
        <source>registered</source>
        <translation>registered</translation>
    </message>
    <message>
        <source>distances to the design</source>
        <translation>distances to the design</translation>
    </message>
    <message>
        <source>filtering the deviation map</source>
        <translation>filtering the deviation map</translation>
    </message>
    <message>
        <source>inspected</source>
        <translation>inspected</translation>
    </message>
    <message>
        <source>colouring the design</source>
        <translation>colouring the design</translation>
    </message>
    <message>
        <source>recording the inspection</source>
        <translation>recording the inspection</translation>
    </message>
    <message>
        <source>inspection recorded</source>
        <translation>inspection recorded</translation>
    </message>
    <message>
        <source>preparing the pictures</source>
        <translation>preparing the pictures</translation>
    </message>
    <message>
        <source>read</source>
        <translation>read</translation>
    </message>
    <message>
        <source>reading pixel data</source>
        <translation>reading pixel data</translation>
    </message>
    <message>
        <source>reading the design</source>
        <translation>reading the design</translation>
    </message>
    <message>
        <source>reading the mask</source>
        <translation>reading the mask</translation>
    </message>
    <message>
        <source>reading the records</source>
        <translation>reading the records</translation>
    </message>
    <message>
        <source>reading the volume</source>
        <translation>reading the volume</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>ready</translation>
    </message>
    <message>
        <source>recorded</source>
        <translation>recorded</translation>
    </message>
    <message>
        <source>recording the check</source>
        <translation>recording the check</translation>
    </message>
    <message>
        <source>recording the measurement</source>
        <translation>recording the measurement</translation>
    </message>
    <message>
        <source>reduction in two processes</source>
        <translation>reduction in two processes</translation>
    </message>
    <message>
        <source>reduction</source>
        <translation>reduction</translation>
    </message>
    <message>
        <source>reduction: fast result not closed, trying VTK quadric decimation</source>
        <translation>reduction: fast result not closed, trying VTK quadric decimation</translation>
    </message>
    <message>
        <source>reduction: not reduced, every reduction opened the surface</source>
        <translation>reduction: not reduced, every reduction opened the surface</translation>
    </message>
    <message>
        <source>reopened</source>
        <translation>reopened</translation>
    </message>
    <message>
        <source>report written</source>
        <translation>report written</translation>
    </message>
    <message>
        <source>self-test done</source>
        <translation>self-test done</translation>
    </message>
    <message>
        <source>set up</source>
        <translation>set up</translation>
    </message>
    <message>
        <source>signed in</source>
        <translation>signed in</translation>
    </message>
    <message>
        <source>signed</source>
        <translation>signed</translation>
    </message>
    <message>
        <source>signing in</source>
        <translation>signing in</translation>
    </message>
    <message>
        <source>surface deviation</source>
        <translation>surface deviation</translation>
    </message>
    <message>
        <source>threshold</source>
        <translation>threshold</translation>
    </message>
    <message>
        <source>wall thickness</source>
        <translation>wall thickness</translation>
    </message>
    <message>
        <source>writing the mask</source>
        <translation>writing the mask</translation>
    </message>
    <message>
        <source>writing the mesh</source>
        <translation>writing the mesh</translation>
    </message>
    <message>
        <source>writing the report</source>
        <translation>writing the report</translation>
    </message>
    <message>
        <source>writing the volume</source>
        <translation>writing the volume</translation>
    </message>
    <message>
        <source>isosurface</source>
        <translation>isosurface</translation>
    </message>
    <message>
        <source>smoothing</source>
        <translation>smoothing</translation>
    </message>
    <message>
        <source>triangulating</source>
        <translation>triangulating</translation>
    </message>
    <message>
        <source>normals for the 3D view</source>
        <translation>normals for the 3D view</translation>
    </message>
    <message>
        <source>assembling slice %1/%2</source>
        <extracomment>Progress stages with numbers or names in them: the pattern, and the text with %1, %2 for its groups.</extracomment>
        <translation>assembling slice %1/%2</translation>
    </message>
    <message>
        <source>read %1 headers</source>
        <translation>read %1 headers</translation>
    </message>
    <message>
        <source>reading headers (%1/%2 files)</source>
        <translation>reading headers (%1/%2 files)</translation>
    </message>
    <message>
        <source>loading %1</source>
        <translation>loading %1</translation>
    </message>
    <message>
        <source>reduction: keeping %1 of the triangles to keep the surface closed</source>
        <translation>reduction: keeping %1 of the triangles to keep the surface closed</translation>
    </message>
    <message>
        <source>trusting site %1, which the server lists</source>
        <translation>trusting site %1, which the server lists</translation>
    </message>
    <message>
        <source>%1 sites trusted</source>
        <translation>%1 sites trusted</translation>
    </message>
    <message>
        <source>meshing the design</source>
        <translation>meshing the design</translation>
    </message>
    <message>
        <source>assembling the stiffness matrix</source>
        <translation>assembling the stiffness matrix</translation>
    </message>
    <message>
        <source>solving</source>
        <translation>solving</translation>
    </message>
    <message>
        <source>recovering stresses</source>
        <translation>recovering stresses</translation>
    </message>
    <message>
        <source>solved</source>
        <translation>solved</translation>
    </message>
    <message>
        <source>analysis done</source>
        <translation>analysis done</translation>
    </message>
    <message>
        <source>%1 (finite-element analysis, coarse mesh, %2 mm)</source>
        <translation>%1 (finite-element analysis, coarse mesh, %2 mm)</translation>
    </message>
    <message>
        <source>%1 (finite-element analysis, default mesh, %2 mm)</source>
        <translation>%1 (finite-element analysis, default mesh, %2 mm)</translation>
    </message>
    <message>
        <source>reading the build record</source>
        <translation>reading the build record</translation>
    </message>
    <message>
        <source>build recorded</source>
        <translation>build recorded</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>Cancel</source>
        <extracomment>Shortest interval between two repaints of a progress panel (ms). While the window holds the 3D view (an OpenGL widget), every repaint of any widget recomposes the whole window through OpenGL: 18 ms a time with software OpenGL, idle, for a 1500 x 950 window (1 ms without the 3D view). The workers may signal 20 times a second.</extracomment>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Stop the running step; nothing is written</source>
        <translation>Stop the running step; nothing is written</translation>
    </message>
</context>
<context>
    <name>ReverificationDialog</name>
    <message>
        <source>Record re-verification</source>
        <translation>Record re-verification</translation>
    </message>
    <message>
        <source>Case %1, revision %2: %3. Only an engineer or a quality user may record a re-verification.</source>
        <translation>Case %1, revision %2: %3. Only an engineer or a quality user may record a re-verification.</translation>
    </message>
    <message>
        <source>The engineer or quality user recording the re-verification</source>
        <translation>The engineer or quality user recording the re-verification</translation>
    </message>
    <message>
        <source>The user&apos;s password, re-entered for this record</source>
        <translation>The user&apos;s password, re-entered for this record</translation>
    </message>
    <message>
        <source>How the design was re-verified, e.g. &quot;FEA of the 2.5 mm wall&quot;</source>
        <translation>How the design was re-verified, e.g. &quot;FEA of the 2.5 mm wall&quot;</translation>
    </message>
    <message>
        <source>pass</source>
        <translation>pass</translation>
    </message>
    <message>
        <source>fail</source>
        <translation>fail</translation>
    </message>
    <message>
        <source>The re-verification&apos;s result</source>
        <translation>The re-verification&apos;s result</translation>
    </message>
    <message>
        <source>Why the result holds for this patient</source>
        <translation>Why the result holds for this patient</translation>
    </message>
    <message>
        <source>Evidence files; each is stored and named by its SHA-256</source>
        <translation>Evidence files; each is stored and named by its SHA-256</translation>
    </message>
    <message>
        <source>Add evidence...</source>
        <translation>Add evidence...</translation>
    </message>
    <message>
        <source>Attach a report or image as evidence</source>
        <translation>Attach a report or image as evidence</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>User:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>Method:</source>
        <translation>Method:</translation>
    </message>
    <message>
        <source>Result:</source>
        <translation>Result:</translation>
    </message>
    <message>
        <source>Justification:</source>
        <translation>Justification:</translation>
    </message>
    <message>
        <source>Evidence:</source>
        <translation>Evidence:</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Record</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Record the re-verification in the case&apos;s log</source>
        <translation>Record the re-verification in the case&apos;s log</translation>
    </message>
    <message>
        <source>Close without recording anything</source>
        <translation>Close without recording anything</translation>
    </message>
    <message>
        <source>Evidence files</source>
        <translation>Evidence files</translation>
    </message>
</context>
<context>
    <name>ReviewPanel</name>
    <message>
        <source>Review mode</source>
        <translation>Review mode</translation>
    </message>
    <message>
        <source>Large fonts for the joint review session (F11)</source>
        <translation>Large fonts for the joint review session (F11)</translation>
    </message>
    <message>
        <source>Record re-verification...</source>
        <translation>Record re-verification...</translation>
    </message>
    <message>
        <source>Record how an out-of-envelope design was re-verified</source>
        <translation>Record how an out-of-envelope design was re-verified</translation>
    </message>
    <message>
        <source>Sign...</source>
        <translation>Sign...</translation>
    </message>
    <message>
        <source>Sign the case&apos;s current check with your password (Ctrl+Shift+S)</source>
        <translation>Sign the case&apos;s current check with your password (Ctrl+Shift+S)</translation>
    </message>
    <message>
        <source>Run self-test</source>
        <translation>Run self-test</translation>
    </message>
    <message>
        <source>Run the built-in validation suite and record its result as you; signing needs it passed</source>
        <translation>Run the built-in validation suite and record its result as you; signing needs it passed</translation>
    </message>
    <message>
        <source>Export report...</source>
        <translation>Export report...</translation>
    </message>
    <message>
        <source>Write the case&apos;s PDF report (Ctrl+E)</source>
        <translation>Write the case&apos;s PDF report (Ctrl+E)</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Event</translation>
    </message>
    <message>
        <source>By</source>
        <translation>By</translation>
    </message>
    <message>
        <source>The case&apos;s events from the append-only log</source>
        <translation>The case&apos;s events from the append-only log</translation>
    </message>
    <message>
        <source>Audit trail:</source>
        <translation>Audit trail:</translation>
    </message>
    <message>
        <source>Case %1, revision %2: %3</source>
        <translation>Case %1, revision %2: %3</translation>
    </message>
    <message>
        <source>Re-verification: none recorded.</source>
        <translation>Re-verification: none recorded.</translation>
    </message>
    <message>
        <source>Re-verification: %1 (%2) by %3: %4</source>
        <translation>Re-verification: %1 (%2) by %3: %4</translation>
    </message>
    <message>
        <source>superseded</source>
        <translation>superseded</translation>
    </message>
    <message>
        <source>valid</source>
        <translation>valid</translation>
    </message>
    <message>
        <source>%1 (%2): %3, %4 [%5]</source>
        <translation>%1 (%2): %3, %4 [%5]</translation>
    </message>
    <message>
        <source>Signatures: %1</source>
        <translation>Signatures: %1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>none</translation>
    </message>
    <message>
        <source>Self-test passed.</source>
        <translation>Self-test passed.</translation>
    </message>
    <message>
        <source>Self-test FAILED.</source>
        <translation>Self-test FAILED.</translation>
    </message>
    <message>
        <source>Recorded.</source>
        <translation>Recorded.</translation>
    </message>
    <message>
        <source>Report written: %1</source>
        <translation>Report written: %1</translation>
    </message>
</context>
<context>
    <name>SceneView</name>
    <message>
        <source>Loading the 3D view...</source>
        <extracomment>Colours (RGB 0..1) as in the report pictures (geometry.render): bone and the device; flagged places in red. How long the view&apos;s size must stay the same before it renders at the new size (ms). Room around the anatomy framed alone: the camera stands this much farther than where it would just fit. The smallest view (pixels high) whose frame the report&apos;s picture takes as it is; a smaller one is rendered at the picture&apos;s size (800 x 600).</extracomment>
        <translation>Loading the 3D view...</translation>
    </message>
    <message>
        <source>3D view in patient coordinates (LPS, mm): drag to rotate, scroll to zoom. Surfaces of more than 60,000 triangles are drawn reduced; every measurement uses the full mesh.</source>
        <translation>3D view in patient coordinates (LPS, mm): drag to rotate, scroll to zoom. Surfaces of more than 60,000 triangles are drawn reduced; every measurement uses the full mesh.</translation>
    </message>
</context>
<context>
    <name>SegmentPanel</name>
    <message>
        <source>Bone</source>
        <extracomment>Masks up to this many voxels get a paint or erase ball at once on the GUI thread (about 5 ms on the 256 x 256 x 120 sample, 60 ms on 512 x 512 x 300: it grows with the mask, a copy and a compare); larger ones in the background.</extracomment>
        <translation>Bone</translation>
    </message>
    <message>
        <source>Skin</source>
        <translation>Skin</translation>
    </message>
    <message>
        <source>Teeth</source>
        <translation>Teeth</translation>
    </message>
    <message>
        <source>open</source>
        <translation>open</translation>
    </message>
    <message>
        <source>Threshold presets (HU); see the documentation for their sources</source>
        <translation>Threshold presets (HU); see the documentation for their sources</translation>
    </message>
    <message>
        <source>Lower threshold (inclusive), HU</source>
        <translation>Lower threshold (inclusive), HU</translation>
    </message>
    <message>
        <source>Upper threshold (inclusive), HU</source>
        <translation>Upper threshold (inclusive), HU</translation>
    </message>
    <message>
        <source>No upper limit</source>
        <translation>No upper limit</translation>
    </message>
    <message>
        <source>Keep every value above the lower threshold</source>
        <translation>Keep every value above the lower threshold</translation>
    </message>
    <message>
        <source>Keep largest parts:</source>
        <translation>Keep largest parts:</translation>
    </message>
    <message>
        <source>Keep only the largest connected parts (drops the table, noise, loose bits)</source>
        <translation>Keep only the largest connected parts (drops the table, noise, loose bits)</translation>
    </message>
    <message>
        <source>How many of the largest parts to keep</source>
        <translation>How many of the largest parts to keep</translation>
    </message>
    <message>
        <source>Fill holes</source>
        <translation>Fill holes</translation>
    </message>
    <message>
        <source>Fill cavities not connected to the outside</source>
        <translation>Fill cavities not connected to the outside</translation>
    </message>
    <message>
        <source>Live preview on the slices</source>
        <translation>Live preview on the slices</translation>
    </message>
    <message>
        <source>Show the voxels inside the threshold on the slices as you change it</source>
        <translation>Show the voxels inside the threshold on the slices as you change it</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>Segment</translation>
    </message>
    <message>
        <source>Make the mask from the threshold (Ctrl+S)</source>
        <translation>Make the mask from the threshold (Ctrl+S)</translation>
    </message>
    <message>
        <source>Preset:</source>
        <translation>Preset:</translation>
    </message>
    <message>
        <source>Lower:</source>
        <translation>Lower:</translation>
    </message>
    <message>
        <source>Upper:</source>
        <translation>Upper:</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>Threshold</translation>
    </message>
    <message>
        <source>Paint</source>
        <translation>Paint</translation>
    </message>
    <message>
        <source>Click on a slice to add a ball to the mask (P)</source>
        <translation>Click on a slice to add a ball to the mask (P)</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Erase</translation>
    </message>
    <message>
        <source>Click on a slice to remove a ball from the mask (E)</source>
        <translation>Click on a slice to remove a ball from the mask (E)</translation>
    </message>
    <message>
        <source>Scissors</source>
        <translation>Scissors</translation>
    </message>
    <message>
        <source>Draw a closed outline on a slice (click the corners, or press and drag a lasso; double-click or Enter closes it, Esc cancels): the cut goes through the whole volume along the view (S)</source>
        <translation>Draw a closed outline on a slice (click the corners, or press and drag a lasso; double-click or Enter closes it, Esc cancels): the cut goes through the whole volume along the view (S)</translation>
    </message>
    <message>
        <source>Keep inside</source>
        <translation>Keep inside</translation>
    </message>
    <message>
        <source>Scissors keep what is inside the outline and remove the rest; unchecked, they remove the inside (K)</source>
        <translation>Scissors keep what is inside the outline and remove the rest; unchecked, they remove the inside (K)</translation>
    </message>
    <message>
        <source>Crop to box</source>
        <translation>Crop to box</translation>
    </message>
    <message>
        <source>Set a box (drag a rectangle on a slice for its two in-plane sides, type the rest) and clear everything outside it (C)</source>
        <translation>Set a box (drag a rectangle on a slice for its two in-plane sides, type the rest) and clear everything outside it (C)</translation>
    </message>
    <message>
        <source>Radius of the paint or erase ball, mm</source>
        <translation>Radius of the paint or erase ball, mm</translation>
    </message>
    <message>
        <source>x (R to L):</source>
        <translation>x (R to L):</translation>
    </message>
    <message>
        <source>y (A to P):</source>
        <translation>y (A to P):</translation>
    </message>
    <message>
        <source>z (I to S):</source>
        <translation>z (I to S):</translation>
    </message>
    <message>
        <source>Lower side of the crop box along this patient axis (LPS), mm</source>
        <translation>Lower side of the crop box along this patient axis (LPS), mm</translation>
    </message>
    <message>
        <source>Upper side of the crop box along this patient axis (LPS), mm</source>
        <translation>Upper side of the crop box along this patient axis (LPS), mm</translation>
    </message>
    <message>
        <source>Apply crop</source>
        <translation>Apply crop</translation>
    </message>
    <message>
        <source>Clear every mask voxel outside the box (Shift+C)</source>
        <translation>Clear every mask voxel outside the box (Shift+C)</translation>
    </message>
    <message>
        <source>Remove islands</source>
        <translation>Remove islands</translation>
    </message>
    <message>
        <source>Clear every separate part of the mask smaller than the minimum volume (I)</source>
        <translation>Clear every separate part of the mask smaller than the minimum volume (I)</translation>
    </message>
    <message>
        <source>Fill between slices</source>
        <translation>Fill between slices</translation>
    </message>
    <message>
        <source>Fill the empty axial slices between slices where the mask was drawn, interpolating the shapes (F)</source>
        <translation>Fill the empty axial slices between slices where the mask was drawn, interpolating the shapes (F)</translation>
    </message>
    <message>
        <source>Smallest part kept by Remove islands, mm³</source>
        <translation>Smallest part kept by Remove islands, mm³</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>Undo the last mask edit (Ctrl+Z)</source>
        <translation>Undo the last mask edit (Ctrl+Z)</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Redo</translation>
    </message>
    <message>
        <source>Redo the edit undone last (Ctrl+Shift+Z)</source>
        <translation>Redo the edit undone last (Ctrl+Shift+Z)</translation>
    </message>
    <message>
        <source>Edit the mask</source>
        <translation>Edit the mask</translation>
    </message>
    <message>
        <source>Generate mesh</source>
        <translation>Generate mesh</translation>
    </message>
    <message>
        <source>Mesh the mask: smoothed, reduced, in patient coordinates (Ctrl+M)</source>
        <translation>Mesh the mask: smoothed, reduced, in patient coordinates (Ctrl+M)</translation>
    </message>
    <message>
        <source>Editing the mask...</source>
        <translation>Editing the mask...</translation>
    </message>
    <message>
        <source>Mask: %1 voxels, %2 cm³, %3 of %4 parts kept</source>
        <translation>Mask: %1 voxels, %2 cm³, %3 of %4 parts kept</translation>
    </message>
    <message>
        <source>Mask: %1 voxels, %2 cm³</source>
        <translation>Mask: %1 voxels, %2 cm³</translation>
    </message>
    <message>
        <source>Click the corners of an outline on a slice, or press and drag a lasso; double-click or press Enter to cut, Esc to cancel.</source>
        <translation>Click the corners of an outline on a slice, or press and drag a lasso; double-click or press Enter to cut, Esc to cancel.</translation>
    </message>
    <message>
        <source>Drag a rectangle on a slice to set two sides of the box, then Apply crop.</source>
        <translation>Drag a rectangle on a slice to set two sides of the box, then Apply crop.</translation>
    </message>
    <message>
        <source>%1 changed nothing.</source>
        <translation>%1 changed nothing.</translation>
    </message>
    <message>
        <source>Mesh: %1 triangles, %2 vertices; volume %3 cm³, area %4 cm²; watertight: %5, manifold: %6; deviation from the isosurface: mean %7 mm, max %8 mm</source>
        <translation>Mesh: %1 triangles, %2 vertices; volume %3 cm³, area %4 cm²; watertight: %5, manifold: %6; deviation from the isosurface: mean %7 mm, max %8 mm</translation>
    </message>
    <message>
        <source> %1 shell(s) too small or thin to smooth kept as the isosurface has them.</source>
        <translation> %1 shell(s) too small or thin to smooth kept as the isosurface has them.</translation>
    </message>
    <message>
        <source>Click or drag on a slice to paint with the brush (one undo step per stroke).</source>
        <translation>Click or drag on a slice to paint with the brush (one undo step per stroke).</translation>
    </message>
    <message>
        <source>Click or drag on a slice to erase with the brush (one undo step per stroke).</source>
        <translation>Click or drag on a slice to erase with the brush (one undo step per stroke).</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>yes</translation>
    </message>
    <message>
        <source>no</source>
        <translation>no</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Folder of the local store: records, artifacts, users and self-test results</source>
        <translation>Folder of the local store: records, artifacts, users and self-test results</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>Browse...</translation>
    </message>
    <message>
        <source>Choose the store folder</source>
        <translation>Choose the store folder</translation>
    </message>
    <message>
        <source>The language of the window; it applies at once</source>
        <translation>The language of the window; it applies at once</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>Without use for this long the window locks and asks the signed-in user&apos;s password again</source>
        <translation>Without use for this long the window locks and asks the signed-in user&apos;s password again</translation>
    </message>
    <message>
        <source>Lock after:</source>
        <translation>Lock after:</translation>
    </message>
    <message>
        <source>A new language applies at once; not while a step is running.</source>
        <translation>A new language applies at once; not while a step is running.</translation>
    </message>
    <message>
        <source>The company&apos;s sync server (empty: this workstation works alone)</source>
        <translation>The company&apos;s sync server (empty: this workstation works alone)</translation>
    </message>
    <message>
        <source>Store folder:</source>
        <translation>Store folder:</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Language:</translation>
    </message>
    <message>
        <source>Sync server:</source>
        <translation>Sync server:</translation>
    </message>
    <message>
        <source>Store folder</source>
        <translation>Store folder</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <source>Set up this workstation</source>
        <translation>Set up this workstation</translation>
    </message>
    <message>
        <source>This store has no users yet. Set up its first user, the administrator: the administrator adds the other users and signs in here like anyone else. Every record names who made it.</source>
        <translation>This store has no users yet. Set up its first user, the administrator: the administrator adds the other users and signs in here like anyone else. Every record names who made it.</translation>
    </message>
    <message>
        <source>Store: %1</source>
        <translation>Store: %1</translation>
    </message>
    <message>
        <source>2 to 32 lower-case letters, digits, dots, dashes or underscores</source>
        <translation>2 to 32 lower-case letters, digits, dots, dashes or underscores</translation>
    </message>
    <message>
        <source>The name printed with the administrator&apos;s records and signatures</source>
        <translation>The name printed with the administrator&apos;s records and signatures</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>optional</translation>
    </message>
    <message>
        <source>A title or qualification printed with the signatures</source>
        <translation>A title or qualification printed with the signatures</translation>
    </message>
    <message>
        <source>At least %1 characters; it protects the administrator&apos;s signing key</source>
        <translation>At least %1 characters; it protects the administrator&apos;s signing key</translation>
    </message>
    <message>
        <source>The same password again</source>
        <translation>The same password again</translation>
    </message>
    <message>
        <source>User id:</source>
        <translation>User id:</translation>
    </message>
    <message>
        <source>Printed name:</source>
        <translation>Printed name:</translation>
    </message>
    <message>
        <source>Qualification:</source>
        <translation>Qualification:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>Repeat password:</source>
        <translation>Repeat password:</translation>
    </message>
    <message>
        <source>Set up</source>
        <translation>Set up</translation>
    </message>
    <message>
        <source>Make the administrator, with a signing key sealed by the password</source>
        <translation>Make the administrator, with a signing key sealed by the password</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Close; nothing can be recorded until the workstation is set up</source>
        <translation>Close; nothing can be recorded until the workstation is set up</translation>
    </message>
    <message>
        <source>The user id must be 2 to 32 lower-case letters, digits, dots, dashes or underscores.</source>
        <translation>The user id must be 2 to 32 lower-case letters, digits, dots, dashes or underscores.</translation>
    </message>
    <message>
        <source>Enter the administrator&apos;s printed name.</source>
        <translation>Enter the administrator&apos;s printed name.</translation>
    </message>
    <message>
        <source>The password must have at least %1 characters.</source>
        <translation>The password must have at least %1 characters.</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>The two passwords differ.</translation>
    </message>
    <message>
        <source>Setting up...</source>
        <translation>Setting up...</translation>
    </message>
    <message>
        <source>Could not set up: %1</source>
        <translation>Could not set up: %1</translation>
    </message>
</context>
<context>
    <name>SignDialog</name>
    <message>
        <source>Sign case %1</source>
        <translation>Sign case %1</translation>
    </message>
    <message>
        <source>Before signing, every item must be met:</source>
        <translation>Before signing, every item must be met:</translation>
    </message>
    <message>
        <source>You are signing the following, exactly as shown:</source>
        <translation>You are signing the following, exactly as shown:</translation>
    </message>
    <message>
        <source>The signature covers these values and the hashes of every input</source>
        <translation>The signature covers these values and the hashes of every input</translation>
    </message>
    <message>
        <source>design verification</source>
        <translation>design verification</translation>
    </message>
    <message>
        <source>clinical design confirmation</source>
        <translation>clinical design confirmation</translation>
    </message>
    <message>
        <source>re-verification approved</source>
        <translation>re-verification approved</translation>
    </message>
    <message>
        <source>release</source>
        <translation>release</translation>
    </message>
    <message>
        <source>What your signature means; each meaning may be signed by some roles</source>
        <translation>What your signature means; each meaning may be signed by some roles</translation>
    </message>
    <message>
        <source>The signer</source>
        <translation>The signer</translation>
    </message>
    <message>
        <source>Your password: it unlocks your signing key</source>
        <translation>Your password: it unlocks your signing key</translation>
    </message>
    <message>
        <source>Meaning:</source>
        <translation>Meaning:</translation>
    </message>
    <message>
        <source>Signer:</source>
        <translation>Signer:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>Sign</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Sign with your key; the signature is recorded in the case&apos;s log</source>
        <translation>Sign with your key; the signature is recorded in the case&apos;s log</translation>
    </message>
    <message>
        <source>Close without signing</source>
        <translation>Close without signing</translation>
    </message>
    <message>
        <source>Case: %1, revision %2</source>
        <translation>Case: %1, revision %2</translation>
    </message>
    <message>
        <source>State: %1</source>
        <translation>State: %1</translation>
    </message>
    <message>
        <source>Verdict: %1</source>
        <translation>Verdict: %1</translation>
    </message>
    <message>
        <source>Envelope: %1 %2, SHA-256 %3</source>
        <translation>Envelope: %1 %2, SHA-256 %3</translation>
    </message>
    <message>
        <source>Parameters SHA-256: %1</source>
        <translation>Parameters SHA-256: %1</translation>
    </message>
    <message>
        <source>Software manifest: %1</source>
        <translation>Software manifest: %1</translation>
    </message>
    <message>
        <source>Check event: %1 (hash %2)</source>
        <translation>Check event: %1 (hash %2)</translation>
    </message>
    <message>
        <source>Re-verification: %1 by %2 (%3)</source>
        <translation>Re-verification: %1 by %2 (%3)</translation>
    </message>
    <message>
        <source>Inputs (SHA-256):</source>
        <translation>Inputs (SHA-256):</translation>
    </message>
    <message>
        <source>Parameters:</source>
        <translation>Parameters:</translation>
    </message>
    <message>
        <source>Design proposal...</source>
        <translation>Design proposal...</translation>
    </message>
    <message>
        <source>Show the design proposal a clinical design confirmation signs</source>
        <translation>Show the design proposal a clinical design confirmation signs</translation>
    </message>
    <message>
        <source>Design proposal: SHA-256 %1</source>
        <translation>Design proposal: SHA-256 %1</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in to DVW</source>
        <extracomment>The colour of a refusal&apos;s text (the text always says it too). Shortest password a new user may have (records.users.MIN_PASSWORD_LENGTH, which loads after the window opens).</extracomment>
        <translation>Sign in to DVW</translation>
    </message>
    <message>
        <source>Sign in to work with the cases and records of this workstation.</source>
        <translation>Sign in to work with the cases and records of this workstation.</translation>
    </message>
    <message>
        <source>Store: %1</source>
        <translation>Store: %1</translation>
    </message>
    <message>
        <source>your user id</source>
        <translation>your user id</translation>
    </message>
    <message>
        <source>Your user id on this workstation (an administrator gave it to you)</source>
        <translation>Your user id on this workstation (an administrator gave it to you)</translation>
    </message>
    <message>
        <source>Your password; repeated wrong passwords lock the account for a while</source>
        <translation>Your password; repeated wrong passwords lock the account for a while</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>User:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Password:</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>Check the password and sign in (Enter)</source>
        <translation>Check the password and sign in (Enter)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Close; nothing can be recorded until someone signs in</source>
        <translation>Close; nothing can be recorded until someone signs in</translation>
    </message>
    <message>
        <source>Enter your user id and your password.</source>
        <translation>Enter your user id and your password.</translation>
    </message>
    <message>
        <source>Signing in...</source>
        <translation>Signing in...</translation>
    </message>
    <message>
        <source>Could not sign in: %1</source>
        <translation>Could not sign in: %1</translation>
    </message>
</context>
<context>
    <name>SignoffChecklistView</name>
    <message>
        <source>A current check made by this software</source>
        <translation>A current check made by this software</translation>
    </message>
    <message>
        <source>Self-test passed on this software</source>
        <translation>Self-test passed on this software</translation>
    </message>
    <message>
        <source>Re-verification recorded when needed</source>
        <translation>Re-verification recorded when needed</translation>
    </message>
    <message>
        <source>The signer&apos;s role may sign this meaning</source>
        <translation>The signer&apos;s role may sign this meaning</translation>
    </message>
    <message>
        <source>No unresolved conflict between sites</source>
        <translation>No unresolved conflict between sites</translation>
    </message>
    <message>
        <source>No check has been run: run it in step 4, Design &amp; Check.</source>
        <translation>No check has been run: run it in step 4, Design &amp; Check.</translation>
    </message>
    <message>
        <source>The inputs or the design changed since the last check (revision %1): run the check again.</source>
        <translation>The inputs or the design changed since the last check (revision %1): run the check again.</translation>
    </message>
    <message>
        <source>The check was made by other software (%1...): run the check again with this installation.</source>
        <translation>The check was made by other software (%1...): run the check again with this installation.</translation>
    </message>
    <message>
        <source>Checked: %1.</source>
        <translation>Checked: %1.</translation>
    </message>
    <message>
        <source>A passed self-test of this software is recorded on this workstation.</source>
        <translation>A passed self-test of this software is recorded on this workstation.</translation>
    </message>
    <message>
        <source>No passed self-test of this software (%1...) is recorded on this workstation: run the self-test.</source>
        <translation>No passed self-test of this software (%1...) is recorded on this workstation: run the self-test.</translation>
    </message>
    <message>
        <source>Not needed: the check is within the envelope.</source>
        <translation>Not needed: the check is within the envelope.</translation>
    </message>
    <message>
        <source>The check is %1: record its re-verification.</source>
        <translation>The check is %1: record its re-verification.</translation>
    </message>
    <message>
        <source>The re-verification failed: change the design and run the check again.</source>
        <translation>The re-verification failed: change the design and run the check again.</translation>
    </message>
    <message>
        <source>A passed re-verification is recorded.</source>
        <translation>A passed re-verification is recorded.</translation>
    </message>
    <message>
        <source>Nobody who may sign this meaning is chosen (roles: %1): choose the meaning or signer.</source>
        <translation>Nobody who may sign this meaning is chosen (roles: %1): choose the meaning or signer.</translation>
    </message>
    <message>
        <source>This signer&apos;s role may not sign this meaning (roles: %1): choose another signer.</source>
        <translation>This signer&apos;s role may not sign this meaning (roles: %1): choose another signer.</translation>
    </message>
    <message>
        <source>The signer&apos;s role may sign this meaning.</source>
        <translation>The signer&apos;s role may sign this meaning.</translation>
    </message>
    <message>
        <source>No concurrent changes from other sites.</source>
        <translation>No concurrent changes from other sites.</translation>
    </message>
    <message>
        <source>Every team member acknowledged the design change</source>
        <translation>Every team member acknowledged the design change</translation>
    </message>
    <message>
        <source>The design proposal is complete</source>
        <translation>The design proposal is complete</translation>
    </message>
    <message>
        <source>No acknowledgement of a design change is outstanding.</source>
        <translation>No acknowledgement of a design change is outstanding.</translation>
    </message>
    <message>
        <source>The design change is not yet acknowledged by %1: each of them acknowledges it first.</source>
        <translation>The design change is not yet acknowledged by %1: each of them acknowledges it first.</translation>
    </message>
    <message>
        <source>Not needed for this signature.</source>
        <translation>Not needed for this signature.</translation>
    </message>
    <message>
        <source>The design proposal is complete.</source>
        <translation>The design proposal is complete.</translation>
    </message>
    <message>
        <source>The design proposal lacks: %1. Complete the design input and issue the proposal.</source>
        <translation>The design proposal lacks: %1. Complete the design input and issue the proposal.</translation>
    </message>
    <message>
        <source>Sites %1 changed the case concurrently while offline: a person must choose which revision to keep before anyone signs.</source>
        <translation>Sites %1 changed the case concurrently while offline: a person must choose which revision to keep before anyone signs.</translation>
    </message>
    <message>
        <source>Go to Design &amp; Check</source>
        <translation>Go to Design &amp; Check</translation>
    </message>
    <message>
        <source>Run self-test</source>
        <translation>Run self-test</translation>
    </message>
    <message>
        <source>Record re-verification...</source>
        <translation>Record re-verification...</translation>
    </message>
    <message>
        <source>Choose signer</source>
        <translation>Choose signer</translation>
    </message>
    <message>
        <source>Reading the records...</source>
        <translation>Reading the records...</translation>
    </message>
    <message>
        <source>✔ met</source>
        <translation>✔ met</translation>
    </message>
    <message>
        <source>✘ not met</source>
        <translation>✘ not met</translation>
    </message>
</context>
<context>
    <name>SliceView</name>
    <message>
        <source>Click to move the crosshair; scroll to step through the slices; Ctrl+scroll to zoom (Home fits); drag with the middle button or Shift+left to pan; drag with the right button for window (left, right) and level (up, down)</source>
        <extracomment>Points a measuring drawing takes (the angle&apos;s vertex is the second). The measuring tools&apos; drawings, by the measurement they make (workflow.measurements.KINDS). The outlines of the meshes on the slices: the anatomy white, the design magenta (apart from mask, cross, shapes). Screen distance (px) under which a click repeats the last vertex, and a lasso drag adds no new one. A press-drag longer than this (px) is a lasso, closed on release; shorter ones are clicks. The labels&apos; distance from the view&apos;s edges (px).</extracomment>
        <translation>Click to move the crosshair; scroll to step through the slices; Ctrl+scroll to zoom (Home fits); drag with the middle button or Shift+left to pan; drag with the right button for window (left, right) and level (up, down)</translation>
    </message>
    <message>
        <source>Axial</source>
        <translation>Axial</translation>
    </message>
    <message>
        <source>Coronal</source>
        <translation>Coronal</translation>
    </message>
    <message>
        <source>Sagittal</source>
        <translation>Sagittal</translation>
    </message>
    <message>
        <source>W %1  L %2</source>
        <translation>W %1  L %2</translation>
    </message>
</context>
<context>
    <name>SliceViewsPanel</name>
    <message>
        <source>Bone</source>
        <extracomment>A measurement placed: its kind (``distance``, ``angle``), the plane, the slice index and the points, an ``(n, 3)`` array of LPS mm. A measuring tool was chosen: the editing tools give way (the Segment step unchecks its buttons). A brush stroke on a view: the plane and the points the brush went through, ``(n, 3)`` LPS mm at the slice. How each tool uses the views: clicks (reported by ``picked``) or a shape drawn on them.</extracomment>
        <translation>Bone</translation>
    </message>
    <message>
        <source>Bone window: W 1800, L 400 HU</source>
        <translation>Bone window: W 1800, L 400 HU</translation>
    </message>
    <message>
        <source>Soft tissue</source>
        <translation>Soft tissue</translation>
    </message>
    <message>
        <source>Soft-tissue window: W 400, L 40 HU</source>
        <translation>Soft-tissue window: W 400, L 40 HU</translation>
    </message>
    <message>
        <source>Brain</source>
        <translation>Brain</translation>
    </message>
    <message>
        <source>Brain window: W 80, L 40 HU</source>
        <translation>Brain window: W 80, L 40 HU</translation>
    </message>
    <message>
        <source>Window:</source>
        <translation>Window:</translation>
    </message>
    <message>
        <source>Ruler</source>
        <translation>Ruler</translation>
    </message>
    <message>
        <source>Measure a distance: click two points on a slice</source>
        <translation>Measure a distance: click two points on a slice</translation>
    </message>
    <message>
        <source>Angle</source>
        <translation>Angle</translation>
    </message>
    <message>
        <source>Measure an angle: click three points, the vertex second</source>
        <translation>Measure an angle: click three points, the vertex second</translation>
    </message>
    <message>
        <source>Outlines</source>
        <translation>Outlines</translation>
    </message>
    <message>
        <source>Show where the anatomy (white) and the design (magenta) cross each slice (O)</source>
        <translation>Show where the anatomy (white) and the design (magenta) cross each slice (O)</translation>
    </message>
    <message>
        <source>The value under the cursor (HU for CT) and its voxel</source>
        <translation>The value under the cursor (HU for CT) and its voxel</translation>
    </message>
    <message>
        <source>%1 HU at %2</source>
        <translation>%1 HU at %2</translation>
    </message>
    <message>
        <source>Value %1 at %2</source>
        <translation>Value %1 at %2</translation>
    </message>
    <message>
        <source>voxel %1  LPS (%2, %3, %4) mm</source>
        <translation>voxel %1  LPS (%2, %3, %4) mm</translation>
    </message>
</context>
<context>
    <name>Words</name>
    <message>
        <source>The case cannot be signed in its present state.</source>
        <translation>The case cannot be signed in its present state.</translation>
    </message>
    <message>
        <source>Someone else recorded this approval a moment ago; nothing was written. Look at the case again.</source>
        <translation>Someone else recorded this approval a moment ago; nothing was written. Look at the case again.</translation>
    </message>
    <message>
        <source>The re-verification cannot be recorded: the case does not need one, or an entry is missing.</source>
        <translation>The re-verification cannot be recorded: the case does not need one, or an entry is missing.</translation>
    </message>
    <message>
        <source>The case lacks its design input or the patient&apos;s informed consent: record them first (Case menu).</source>
        <translation>The case lacks its design input or the patient&apos;s informed consent: record them first (Case menu).</translation>
    </message>
    <message>
        <source>The design proposal is not complete: the sign-off checklist lists what is missing.</source>
        <translation>The design proposal is not complete: the sign-off checklist lists what is missing.</translation>
    </message>
    <message>
        <source>The design proposal cannot be made: the case needs a current check, its design input and its files.</source>
        <translation>The design proposal cannot be made: the case needs a current check, its design input and its files.</translation>
    </message>
    <message>
        <source>Only the members of this case&apos;s team may do this: a member can add you to the team.</source>
        <translation>Only the members of this case&apos;s team may do this: a member can add you to the team.</translation>
    </message>
    <message>
        <source>This change of the case&apos;s team is not allowed.</source>
        <translation>This change of the case&apos;s team is not allowed.</translation>
    </message>
    <message>
        <source>Every team member must acknowledge the design change before it can be confirmed.</source>
        <translation>Every team member must acknowledge the design change before it can be confirmed.</translation>
    </message>
    <message>
        <source>The design change cannot be recorded: a reason is needed, and the design must differ.</source>
        <translation>The design change cannot be recorded: a reason is needed, and the design must differ.</translation>
    </message>
    <message>
        <source>The design input cannot be accepted: an entry is wrong or missing.</source>
        <translation>The design input cannot be accepted: an entry is wrong or missing.</translation>
    </message>
    <message>
        <source>The case&apos;s current revision has no valid signature yet.</source>
        <translation>The case&apos;s current revision has no valid signature yet.</translation>
    </message>
    <message>
        <source>This step must name the person doing it: sign in first.</source>
        <translation>This step must name the person doing it: sign in first.</translation>
    </message>
    <message>
        <source>The user cannot be added: check the user id, role, name and password length.</source>
        <translation>The user cannot be added: check the user id, role, name and password length.</translation>
    </message>
    <message>
        <source>A user with this id exists already (ids are never reused).</source>
        <translation>A user with this id exists already (ids are never reused).</translation>
    </message>
    <message>
        <source>This user&apos;s signing key on this workstation is missing or does not match: ask an administrator.</source>
        <translation>This user&apos;s signing key on this workstation is missing or does not match: ask an administrator.</translation>
    </message>
    <message>
        <source>A case with this code exists already: open it, or choose another code.</source>
        <translation>A case with this code exists already: open it, or choose another code.</translation>
    </message>
    <message>
        <source>No case with this code in this store.</source>
        <translation>No case with this code in this store.</translation>
    </message>
    <message>
        <source>The store cannot be opened, or it was written by a newer DVW: check the store folder in Settings.</source>
        <translation>The store cannot be opened, or it was written by a newer DVW: check the store folder in Settings.</translation>
    </message>
    <message>
        <source>The records refused this step.</source>
        <translation>The records refused this step.</translation>
    </message>
    <message>
        <source>A file the records name is missing from the store.</source>
        <translation>A file the records name is missing from the store.</translation>
    </message>
    <message>
        <source>A file in the store no longer matches its recorded fingerprint: it was changed outside DVW.</source>
        <translation>A file in the store no longer matches its recorded fingerprint: it was changed outside DVW.</translation>
    </message>
    <message>
        <source>The output file exists already and was not overwritten.</source>
        <translation>The output file exists already and was not overwritten.</translation>
    </message>
    <message>
        <source>A record is malformed and was refused.</source>
        <translation>A record is malformed and was refused.</translation>
    </message>
    <message>
        <source>A record conflicts with one the store already holds; nothing was written.</source>
        <translation>A record conflicts with one the store already holds; nothing was written.</translation>
    </message>
    <message>
        <source>A record received from another site does not match its own fingerprint.</source>
        <translation>A record received from another site does not match its own fingerprint.</translation>
    </message>
    <message>
        <source>Records from another site arrived out of order; sync again.</source>
        <translation>Records from another site arrived out of order; sync again.</translation>
    </message>
    <message>
        <source>A record would carry the patient&apos;s identity out of this site; nothing was written.</source>
        <translation>A record would carry the patient&apos;s identity out of this site; nothing was written.</translation>
    </message>
    <message>
        <source>The records to import do not hold; nothing was imported.</source>
        <translation>The records to import do not hold; nothing was imported.</translation>
    </message>
    <message>
        <source>The bundle file cannot be used.</source>
        <translation>The bundle file cannot be used.</translation>
    </message>
    <message>
        <source>The bundle&apos;s content does not match itself; nothing was imported.</source>
        <translation>The bundle&apos;s content does not match itself; nothing was imported.</translation>
    </message>
    <message>
        <source>The bundle&apos;s signature does not verify; nothing was imported.</source>
        <translation>The bundle&apos;s signature does not verify; nothing was imported.</translation>
    </message>
    <message>
        <source>The images cannot be used.</source>
        <translation>The images cannot be used.</translation>
    </message>
    <message>
        <source>The path is not a folder that can be read.</source>
        <translation>The path is not a folder that can be read.</translation>
    </message>
    <message>
        <source>The folder holds no image series DVW can use.</source>
        <translation>The folder holds no image series DVW can use.</translation>
    </message>
    <message>
        <source>The chosen series is not in the folder any more: scan it again.</source>
        <translation>The chosen series is not in the folder any more: scan it again.</translation>
    </message>
    <message>
        <source>The folder holds several series: choose one in the table.</source>
        <translation>The folder holds several series: choose one in the table.</translation>
    </message>
    <message>
        <source>Slices are missing from the series.</source>
        <translation>Slices are missing from the series.</translation>
    </message>
    <message>
        <source>The series cannot be assembled into a volume (a localizer, a single slice or mixed stacks).</source>
        <translation>The series cannot be assembled into a volume (a localizer, a single slice or mixed stacks).</translation>
    </message>
    <message>
        <source>An image&apos;s pixel data cannot be decoded (truncated or corrupt).</source>
        <translation>An image&apos;s pixel data cannot be decoded (truncated or corrupt).</translation>
    </message>
    <message>
        <source>An image has text burned into its pixels, which de-identification cannot remove.</source>
        <translation>An image has text burned into its pixels, which de-identification cannot remove.</translation>
    </message>
    <message>
        <source>The series&apos; geometry needs a correction that the import settings do not allow.</source>
        <translation>The series&apos; geometry needs a correction that the import settings do not allow.</translation>
    </message>
    <message>
        <source>The volume does not fit in this computer&apos;s memory.</source>
        <translation>The volume does not fit in this computer&apos;s memory.</translation>
    </message>
    <message>
        <source>A volume or mask file cannot be read or written.</source>
        <translation>A volume or mask file cannot be read or written.</translation>
    </message>
    <message>
        <source>An image cannot be de-identified.</source>
        <translation>An image cannot be de-identified.</translation>
    </message>
    <message>
        <source>A de-identified file cannot be written.</source>
        <translation>A de-identified file cannot be written.</translation>
    </message>
    <message>
        <source>A data file DVW ships with is damaged: reinstall DVW.</source>
        <translation>A data file DVW ships with is damaged: reinstall DVW.</translation>
    </message>
    <message>
        <source>The mask does not fit the volume.</source>
        <translation>The mask does not fit the volume.</translation>
    </message>
    <message>
        <source>The seed point is outside the volume or outside the thresholded region.</source>
        <translation>The seed point is outside the volume or outside the thresholded region.</translation>
    </message>
    <message>
        <source>The segmentation settings do not fit together (e.g. lower above upper).</source>
        <translation>The segmentation settings do not fit together (e.g. lower above upper).</translation>
    </message>
    <message>
        <source>There is no threshold preset of that name.</source>
        <translation>There is no threshold preset of that name.</translation>
    </message>
    <message>
        <source>The edit does not fit the mask.</source>
        <translation>The edit does not fit the mask.</translation>
    </message>
    <message>
        <source>The surface cannot be made or used.</source>
        <translation>The surface cannot be made or used.</translation>
    </message>
    <message>
        <source>The surface is empty: nothing in the volume reaches the threshold.</source>
        <translation>The surface is empty: nothing in the volume reaches the threshold.</translation>
    </message>
    <message>
        <source>The mesh file cannot be used: missing, not a mesh, or of a format DVW does not read.</source>
        <translation>The mesh file cannot be used: missing, not a mesh, or of a format DVW does not read.</translation>
    </message>
    <message>
        <source>The surface computation failed on this input.</source>
        <translation>The surface computation failed on this input.</translation>
    </message>
    <message>
        <source>The check cannot be made.</source>
        <translation>The check cannot be made.</translation>
    </message>
    <message>
        <source>The design envelope file is not valid (a wrong entry, an unknown parameter or a wrong unit).</source>
        <translation>The design envelope file is not valid (a wrong entry, an unknown parameter or a wrong unit).</translation>
    </message>
    <message>
        <source>A unit is unknown, or two units cannot be compared.</source>
        <translation>A unit is unknown, or two units cannot be compared.</translation>
    </message>
    <message>
        <source>The measurement cannot be made from these points.</source>
        <translation>The measurement cannot be made from these points.</translation>
    </message>
    <message>
        <source>An input of the measurement cannot be used.</source>
        <translation>An input of the measurement cannot be used.</translation>
    </message>
    <message>
        <source>The device family&apos;s settings are missing or not valid.</source>
        <translation>The device family&apos;s settings are missing or not valid.</translation>
    </message>
    <message>
        <source>The design cannot be analysed mechanically: it is not a closed, manifold surface.</source>
        <translation>The design cannot be analysed mechanically: it is not a closed, manifold surface.</translation>
    </message>
    <message>
        <source>The load-case file is not valid.</source>
        <translation>The load-case file is not valid.</translation>
    </message>
    <message>
        <source>The mechanical analysis cannot be made.</source>
        <translation>The mechanical analysis cannot be made.</translation>
    </message>
    <message>
        <source>The traceability step cannot be recorded.</source>
        <translation>The traceability step cannot be recorded.</translation>
    </message>
    <message>
        <source>This production step is out of order.</source>
        <translation>This production step is out of order.</translation>
    </message>
    <message>
        <source>The device has no identifier (UDI) yet.</source>
        <translation>The device has no identifier (UDI) yet.</translation>
    </message>
    <message>
        <source>This serial number belongs to another device.</source>
        <translation>This serial number belongs to another device.</translation>
    </message>
    <message>
        <source>A GS1 value (a serial, lot or date of the UDI) is not valid.</source>
        <translation>A GS1 value (a serial, lot or date of the UDI) is not valid.</translation>
    </message>
    <message>
        <source>The GTIN or GLN is not valid (length, digits or check digit).</source>
        <translation>The GTIN or GLN is not valid (length, digits or check digit).</translation>
    </message>
    <message>
        <source>The device failed its inspection: it is nonconforming and can never be released.</source>
        <translation>The device failed its inspection: it is nonconforming and can never be released.</translation>
    </message>
    <message>
        <source>The device needs a passing inspection first.</source>
        <translation>The device needs a passing inspection first.</translation>
    </message>
    <message>
        <source>The inspection cannot be made: the case needs its design, and the tolerance must be known.</source>
        <translation>The inspection cannot be made: the case needs its design, and the tolerance must be known.</translation>
    </message>
    <message>
        <source>The build record cannot be accepted (a wrong entry, an unknown operator or an expired calibration).</source>
        <translation>The build record cannot be accepted (a wrong entry, an unknown operator or an expired calibration).</translation>
    </message>
    <message>
        <source>Sync failed.</source>
        <translation>Sync failed.</translation>
    </message>
    <message>
        <source>The sync server cannot be reached: try again later.</source>
        <translation>The sync server cannot be reached: try again later.</translation>
    </message>
    <message>
        <source>The sync server refused this workstation&apos;s credentials (check this computer&apos;s clock).</source>
        <translation>The sync server refused this workstation&apos;s credentials (check this computer&apos;s clock).</translation>
    </message>
    <message>
        <source>The sync server refused the data; nothing was changed here.</source>
        <translation>The sync server refused the data; nothing was changed here.</translation>
    </message>
    <message>
        <source>This workstation has not joined a sync server: File &gt; Join sync server...</source>
        <translation>This workstation has not joined a sync server: File &gt; Join sync server...</translation>
    </message>
    <message>
        <source>Joining the sync server was refused (a used or unknown code).</source>
        <translation>Joining the sync server was refused (a used or unknown code).</translation>
    </message>
    <message>
        <source>Records came from a site this store does not trust.</source>
        <translation>Records came from a site this store does not trust.</translation>
    </message>
    <message>
        <source>The sync server&apos;s database cannot be opened.</source>
        <translation>The sync server&apos;s database cannot be opened.</translation>
    </message>
    <message>
        <source>The sync server refused a record: its author may not write it there.</source>
        <translation>The sync server refused a record: its author may not write it there.</translation>
    </message>
    <message>
        <source>The sync server refused a signature by a user of another site.</source>
        <translation>The sync server refused a signature by a user of another site.</translation>
    </message>
    <message>
        <source>The sync server refused a repeated request: sync again.</source>
        <translation>The sync server refused a repeated request: sync again.</translation>
    </message>
    <message>
        <source>An upload to the sync server was interrupted: sync again to resume it.</source>
        <translation>An upload to the sync server was interrupted: sync again to resume it.</translation>
    </message>
    <message>
        <source>The sync server refused a malformed request.</source>
        <translation>The sync server refused a malformed request.</translation>
    </message>
    <message>
        <source>The sync server refused a request without its length.</source>
        <translation>The sync server refused a request without its length.</translation>
    </message>
    <message>
        <source>The server&apos;s metrics need its token.</source>
        <translation>The server&apos;s metrics need its token.</translation>
    </message>
    <message>
        <source>The server&apos;s metrics are switched off.</source>
        <translation>The server&apos;s metrics are switched off.</translation>
    </message>
    <message>
        <source>Refused or failed.</source>
        <translation>Refused or failed.</translation>
    </message>
    <message>
        <source>DICOM images</source>
        <translation>DICOM images</translation>
    </message>
    <message>
        <source>volume</source>
        <translation>volume</translation>
    </message>
    <message>
        <source>segmentation mask</source>
        <translation>segmentation mask</translation>
    </message>
    <message>
        <source>anatomy mesh</source>
        <translation>anatomy mesh</translation>
    </message>
    <message>
        <source>design</source>
        <translation>design</translation>
    </message>
    <message>
        <source>design envelope</source>
        <translation>design envelope</translation>
    </message>
    <message>
        <source>measured parameters</source>
        <translation>measured parameters</translation>
    </message>
    <message>
        <source>patient facts</source>
        <translation>patient facts</translation>
    </message>
    <message>
        <source>load cases</source>
        <translation>load cases</translation>
    </message>
    <message>
        <source>Within</source>
        <extracomment>Traffic-light colours (background, text) for parameter statuses and verdicts; the text always says it too.</extracomment>
        <translation>Within</translation>
    </message>
    <message>
        <source>Near limit</source>
        <translation>Near limit</translation>
    </message>
    <message>
        <source>Below minimum</source>
        <translation>Below minimum</translation>
    </message>
    <message>
        <source>Above maximum</source>
        <translation>Above maximum</translation>
    </message>
    <message>
        <source>Missing</source>
        <translation>Missing</translation>
    </message>
    <message>
        <source>Satisfied</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <source>Violated</source>
        <translation>Violated</translation>
    </message>
    <message>
        <source>WITHIN THE VALIDATED ENVELOPE</source>
        <translation>WITHIN THE VALIDATED ENVELOPE</translation>
    </message>
    <message>
        <source>OUT OF ENVELOPE: re-verification required before sign-off</source>
        <translation>OUT OF ENVELOPE: re-verification required before sign-off</translation>
    </message>
    <message>
        <source>INDETERMINATE: a required value is missing; re-verification required</source>
        <translation>INDETERMINATE: a required value is missing; re-verification required</translation>
    </message>
    <message>
        <source>WITHIN THE VALIDATED ENVELOPE: signed</source>
        <translation>WITHIN THE VALIDATED ENVELOPE: signed</translation>
    </message>
    <message>
        <source>OUT OF ENVELOPE: re-verified; ready for sign-off</source>
        <translation>OUT OF ENVELOPE: re-verified; ready for sign-off</translation>
    </message>
    <message>
        <source>OUT OF ENVELOPE: re-verified and signed</source>
        <translation>OUT OF ENVELOPE: re-verified and signed</translation>
    </message>
    <message>
        <source>OUT OF ENVELOPE: re-verification failed; not to be signed</source>
        <translation>OUT OF ENVELOPE: re-verification failed; not to be signed</translation>
    </message>
    <message>
        <source>INDETERMINATE: a required value is missing; re-verified, ready for sign-off</source>
        <translation>INDETERMINATE: a required value is missing; re-verified, ready for sign-off</translation>
    </message>
    <message>
        <source>INDETERMINATE: a required value is missing; re-verified and signed</source>
        <translation>INDETERMINATE: a required value is missing; re-verified and signed</translation>
    </message>
    <message>
        <source>INDETERMINATE: a required value is missing; re-verification failed, not to be signed</source>
        <translation>INDETERMINATE: a required value is missing; re-verification failed, not to be signed</translation>
    </message>
    <message>
        <source>No check yet</source>
        <translation>No check yet</translation>
    </message>
    <message>
        <source>within envelope</source>
        <translation>within envelope</translation>
    </message>
    <message>
        <source>out of envelope</source>
        <translation>out of envelope</translation>
    </message>
    <message>
        <source>indeterminate</source>
        <translation>indeterminate</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Checked</source>
        <translation>Checked</translation>
    </message>
    <message>
        <source>Needs re-verification</source>
        <translation>Needs re-verification</translation>
    </message>
    <message>
        <source>Re-verified</source>
        <translation>Re-verified</translation>
    </message>
    <message>
        <source>Re-verification failed</source>
        <translation>Re-verification failed</translation>
    </message>
    <message>
        <source>Signed</source>
        <translation>Signed</translation>
    </message>
    <message>
        <source>No case open</source>
        <translation>No case open</translation>
    </message>
    <message>
        <source>The password is wrong.</source>
        <extracomment>Refusals whose :func:`error_title` says what to do in the window: their core message (worded for the command line, e.g. &quot;run dvw selftest&quot;) is only shown as details.</extracomment>
        <translation>The password is wrong.</translation>
    </message>
    <message>
        <source>The case needs a passed re-verification before signing: press Record re-verification... in the Review step.</source>
        <translation>The case needs a passed re-verification before signing: press Record re-verification... in the Review step.</translation>
    </message>
    <message>
        <source>This software has not passed its self-test here, or the check was made by other software: press Run self-test in the Review step, or run the check again.</source>
        <translation>This software has not passed its self-test here, or the check was made by other software: press Run self-test in the Review step, or run the check again.</translation>
    </message>
    <message>
        <source>No valid check: run the check in step 4, Design &amp; Check, before signing.</source>
        <translation>No valid check: run the check in step 4, Design &amp; Check, before signing.</translation>
    </message>
    <message>
        <source>This user&apos;s role may not do this: choose a signer whose role may.</source>
        <translation>This user&apos;s role may not do this: choose a signer whose role may.</translation>
    </message>
    <message>
        <source>An input changed since the check: run the check again in step 4, Design &amp; Check.</source>
        <translation>An input changed since the check: run the check again in step 4, Design &amp; Check.</translation>
    </message>
    <message>
        <source>Two sites changed this case while offline: a person must choose which revision to keep before signing.</source>
        <translation>Two sites changed this case while offline: a person must choose which revision to keep before signing.</translation>
    </message>
    <message>
        <source>This user is disabled.</source>
        <translation>This user is disabled.</translation>
    </message>
    <message>
        <source>No such user.</source>
        <translation>No such user.</translation>
    </message>
    <message>
        <source>The account is locked after too many wrong passwords; wait, or ask an administrator.</source>
        <translation>The account is locked after too many wrong passwords; wait, or ask an administrator.</translation>
    </message>
    <message>
        <source>Nobody is signed in: sign in first.</source>
        <translation>Nobody is signed in: sign in first.</translation>
    </message>
    <message>
        <source>Cancelled; nothing was changed.</source>
        <translation>Cancelled; nothing was changed.</translation>
    </message>
    <message>
        <source>Internal error (a bug); details were written to a log file.</source>
        <translation>Internal error (a bug); details were written to a log file.</translation>
    </message>
    <message>
        <source>Refused or failed:</source>
        <translation>Refused or failed:</translation>
    </message>
    <message>
        <source>Engineer</source>
        <translation>Engineer</translation>
    </message>
    <message>
        <source>Clinician</source>
        <translation>Clinician</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>Quality</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>Administrator</translation>
    </message>
    <message>
        <source>design verification</source>
        <translation>design verification</translation>
    </message>
    <message>
        <source>clinical design confirmation</source>
        <translation>clinical design confirmation</translation>
    </message>
    <message>
        <source>re-verification approved</source>
        <translation>re-verification approved</translation>
    </message>
    <message>
        <source>release</source>
        <translation>release</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>passed</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>failed</translation>
    </message>
    <message>
        <source>The account %1 is locked after too many wrong passwords; try again in %2 minutes.</source>
        <translation>The account %1 is locked after too many wrong passwords; try again in %2 minutes.</translation>
    </message>
    <message>
        <source>The account %1 is locked after too many wrong passwords, until %2. Wait until then, or ask an administrator to unlock it.</source>
        <translation>The account %1 is locked after too many wrong passwords, until %2. Wait until then, or ask an administrator to unlock it.</translation>
    </message>
    <message>
        <source>Wrong password for %1. %2 wrong passwords within %3 minutes lock the account for %3 minutes.</source>
        <translation>Wrong password for %1. %2 wrong passwords within %3 minutes lock the account for %3 minutes.</translation>
    </message>
    <message>
        <source>The user %1 is disabled and may not sign in.</source>
        <translation>The user %1 is disabled and may not sign in.</translation>
    </message>
    <message>
        <source>There is no user %1 on this workstation.</source>
        <translation>There is no user %1 on this workstation.</translation>
    </message>
    <message>
        <source>The credentials of %1 are not on this workstation: users sign in where they were added.</source>
        <translation>The credentials of %1 are not on this workstation: users sign in where they were added.</translation>
    </message>
    <message>
        <source>Could not sign in: %1</source>
        <translation>Could not sign in: %1</translation>
    </message>
    <message>
        <source>error</source>
        <translation>error</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>warning</translation>
    </message>
    <message>
        <source>info</source>
        <translation>info</translation>
    </message>
    <message>
        <source>years</source>
        <translation>years</translation>
    </message>
    <message>
        <source>°</source>
        <translation>°</translation>
    </message>
    <message>
        <source>no device</source>
        <translation>no device</translation>
    </message>
    <message>
        <source>UDI assigned</source>
        <translation>UDI assigned</translation>
    </message>
    <message>
        <source>built</source>
        <translation>built</translation>
    </message>
    <message>
        <source>inspected</source>
        <translation>inspected</translation>
    </message>
    <message>
        <source>released</source>
        <translation>released</translation>
    </message>
    <message>
        <source>NONCONFORMING</source>
        <translation>NONCONFORMING</translation>
    </message>
    <message>
        <source>Whole part</source>
        <translation>Whole part</translation>
    </message>
    <message>
        <source>Bone-facing (bearing)</source>
        <translation>Bone-facing (bearing)</translation>
    </message>
    <message>
        <source>Rest</source>
        <translation>Rest</translation>
    </message>
    <message>
        <source>The current revision has no UDI yet: no device was made</source>
        <translation>The current revision has no UDI yet: no device was made</translation>
    </message>
    <message>
        <source>The device has its UDI; no build record or manufactured step yet</source>
        <translation>The device has its UDI; no build record or manufactured step yet</translation>
    </message>
    <message>
        <source>Built (a build record or the manufactured step); no passing inspection yet</source>
        <translation>Built (a build record or the manufactured step); no passing inspection yet</translation>
    </message>
    <message>
        <source>Passed its final inspection (conforming); not released yet</source>
        <translation>Passed its final inspection (conforming); not released yet</translation>
    </message>
    <message>
        <source>Released by quality, or further along its trace</source>
        <translation>Released by quality, or further along its trace</translation>
    </message>
    <message>
        <source>Failed its final inspection: nonconforming, never inspected again or released; make a new device</source>
        <translation>Failed its final inspection: nonconforming, never inspected again or released; make a new device</translation>
    </message>
</context>
<context>
    <name>StressMapAction</name>
    <message>
        <source>Stress map</source>
        <translation>Stress map</translation>
    </message>
    <message>
        <source>Colour the design by the von Mises stress of the check's analysis; the peak is marked (Shift+S)</source>
        <translation>Colour the design by the von Mises stress of the check's analysis; the peak is marked (Shift+S)</translation>
    </message>
    <message>
        <source>Peak stress %1 MPa</source>
        <translation>Peak stress %1 MPa</translation>
    </message>
</context>
<context>
    <name>DesignInputDialog</name>
    <message>
        <source>Design input of case %1</source>
        <translation>Design input of case %1</translation>
    </message>
    <message>
        <source>Indication:</source>
        <translation>Indication:</translation>
    </message>
    <message>
        <source>Surgical plan:</source>
        <translation>Surgical plan:</translation>
    </message>
    <message>
        <source>Material requirement:</source>
        <translation>Material requirement:</translation>
    </message>
    <message>
        <source>Structural requirements:</source>
        <translation>Structural requirements:</translation>
    </message>
    <message>
        <source>Dimensional requirements:</source>
        <translation>Dimensional requirements:</translation>
    </message>
    <message>
        <source>Packaging:</source>
        <translation>Packaging:</translation>
    </message>
    <message>
        <source>Sterilization:</source>
        <translation>Sterilization:</translation>
    </message>
    <message>
        <source>Supply method:</source>
        <translation>Supply method:</translation>
    </message>
    <message>
        <source>One instrument a line; may be empty</source>
        <translation>One instrument a line; may be empty</translation>
    </message>
    <message>
        <source>Matching instruments:</source>
        <translation>Matching instruments:</translation>
    </message>
    <message>
        <source>The delivery date the clinician sets</source>
        <translation>The delivery date the clinician sets</translation>
    </message>
    <message>
        <source>Delivery deadline:</source>
        <translation>Delivery deadline:</translation>
    </message>
    <message>
        <source>Informed consent</source>
        <translation>Informed consent</translation>
    </message>
    <message>
        <source>Consent given</source>
        <translation>Consent given</translation>
    </message>
    <message>
        <source>Date:</source>
        <translation>Date:</translation>
    </message>
    <message>
        <source>No document chosen</source>
        <translation>No document chosen</translation>
    </message>
    <message>
        <source>Choose...</source>
        <translation>Choose...</translation>
    </message>
    <message>
        <source>The signed consent form: kept on this site only, named by its SHA-256, never synced</source>
        <translation>The signed consent form: kept on this site only, named by its SHA-256, never synced</translation>
    </message>
    <message>
        <source>Document:</source>
        <translation>Document:</translation>
    </message>
    <message>
        <source>Add...</source>
        <translation>Add...</translation>
    </message>
    <message>
        <source>Attach a file to the surgical plan (stored by its SHA-256)</source>
        <translation>Attach a file to the surgical plan (stored by its SHA-256)</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Remove the selected attachment</source>
        <translation>Remove the selected attachment</translation>
    </message>
    <message>
        <source>Attachments:</source>
        <translation>Attachments:</translation>
    </message>
    <message>
        <source>Load from file...</source>
        <translation>Load from file...</translation>
    </message>
    <message>
        <source>Fill the form from a design-input file (TOML or JSON, as dvw case input)</source>
        <translation>Fill the form from a design-input file (TOML or JSON, as dvw case input)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Check the form and record it as the case's design input, as you</source>
        <translation>Check the form and record it as the case's design input, as you</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Close; what is not saved is not kept</source>
        <translation>Close; what is not saved is not kept</translation>
    </message>
    <message>
        <source>Choose the signed consent form</source>
        <translation>Choose the signed consent form</translation>
    </message>
    <message>
        <source>Attach a file</source>
        <translation>Attach a file</translation>
    </message>
    <message>
        <source>No design input is recorded for this case yet.</source>
        <translation>No design input is recorded for this case yet.</translation>
    </message>
    <message>
        <source>Recorded by %1 at %2 (SHA-256 %3).</source>
        <translation>Recorded by %1 at %2 (SHA-256 %3).</translation>
    </message>
    <message>
        <source>Kept on this site (SHA-256 %1...)</source>
        <translation>Kept on this site (SHA-256 %1...)</translation>
    </message>
    <message>
        <source>Load a design input</source>
        <translation>Load a design input</translation>
    </message>
    <message>
        <source>Design input (*.toml *.json)</source>
        <translation>Design input (*.toml *.json)</translation>
    </message>
    <message>
        <source>Loaded from %1: check it, then Save.</source>
        <translation>Loaded from %1: check it, then Save.</translation>
    </message>
    <message>
        <source>Not saved: correct the fields marked in red.</source>
        <translation>Not saved: correct the fields marked in red.</translation>
    </message>
    <message>
        <source>Design input recorded (SHA-256 %1...).</source>
        <translation>Design input recorded (SHA-256 %1...).</translation>
    </message>
    <message>
        <source>Required: enter it.</source>
        <translation>Required: enter it.</translation>
    </message>
    <message>
        <source>Consent is given: choose the signed consent form.</source>
        <translation>Consent is given: choose the signed consent form.</translation>
    </message>
    <message>
        <source>No such file: %1</source>
        <translation>No such file: %1</translation>
    </message>
</context>
<context>
    <name>TeamDialog</name>
    <message>
        <source>prescribing clinician</source>
        <translation>prescribing clinician</translation>
    </message>
    <message>
        <source>design engineer</source>
        <translation>design engineer</translation>
    </message>
    <message>
        <source>reviewer</source>
        <translation>reviewer</translation>
    </message>
    <message>
        <source>quality</source>
        <translation>quality</translation>
    </message>
    <message>
        <source>Team of case %1</source>
        <translation>Team of case %1</translation>
    </message>
    <message>
        <source>User</source>
        <translation>User</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Role on the case</source>
        <translation>Role on the case</translation>
    </message>
    <message>
        <source>A user of this workstation</source>
        <translation>A user of this workstation</translation>
    </message>
    <message>
        <source>Their role on this case</source>
        <translation>Their role on this case</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>Add the user to the team with this role (recorded as you)</source>
        <translation>Add the user to the team with this role (recorded as you)</translation>
    </message>
    <message>
        <source>Remove selected</source>
        <translation>Remove selected</translation>
    </message>
    <message>
        <source>Remove the selected member from the team (recorded as you)</source>
        <translation>Remove the selected member from the team (recorded as you)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Close the team</source>
        <translation>Close the team</translation>
    </message>
    <message>
        <source>Only the team's members act on the case.</source>
        <translation>Only the team's members act on the case.</translation>
    </message>
    <message>
        <source>No team yet: every user may act on the case until the first member is added.</source>
        <translation>No team yet: every user may act on the case until the first member is added.</translation>
    </message>
    <message>
        <source>Team changed.</source>
        <translation>Team changed.</translation>
    </message>
    <message>
        <source>New member:</source>
        <translation>New member:</translation>
    </message>
</context>
<context>
    <name>ProposalDialog</name>
    <message>
        <source>Design proposal of case %1</source>
        <translation>Design proposal of case %1</translation>
    </message>
    <message>
        <source>Issue proposal</source>
        <translation>Issue proposal</translation>
    </message>
    <message>
        <source>Build the proposal of the current check (renderings, input, check, software) and record it</source>
        <translation>Build the proposal of the current check (renderings, input, check, software) and record it</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Close the proposal</source>
        <translation>Close the proposal</translation>
    </message>
    <message>
        <source>Reading the proposal...</source>
        <translation>Reading the proposal...</translation>
    </message>
    <message>
        <source>No design proposal is issued for revision %1 yet.</source>
        <translation>No design proposal is issued for revision %1 yet.</translation>
    </message>
    <message>
        <source>Revision %1, SHA-256 %2: a clinical design confirmation signs exactly this record.</source>
        <translation>Revision %1, SHA-256 %2: a clinical design confirmation signs exactly this record.</translation>
    </message>
    <message>
        <source>Anterior view</source>
        <translation>Anterior view</translation>
    </message>
    <message>
        <source>Left lateral view</source>
        <translation>Left lateral view</translation>
    </message>
    <message>
        <source>Right lateral view</source>
        <translation>Right lateral view</translation>
    </message>
    <message>
        <source>Superior view</source>
        <translation>Superior view</translation>
    </message>
    <message>
        <source>Facing the device</source>
        <translation>Facing the device</translation>
    </message>
    <message>
        <source>Design proposal</source>
        <translation>Design proposal</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>Revision</translation>
    </message>
    <message>
        <source>Renderings of the design on the anatomy</source>
        <translation>Renderings of the design on the anatomy</translation>
    </message>
    <message>
        <source>Indication</source>
        <translation>Indication</translation>
    </message>
    <message>
        <source>Surgical plan</source>
        <translation>Surgical plan</translation>
    </message>
    <message>
        <source>Matching instruments</source>
        <translation>Matching instruments</translation>
    </message>
    <message>
        <source>Material</source>
        <translation>Material</translation>
    </message>
    <message>
        <source>Structure</source>
        <translation>Structure</translation>
    </message>
    <message>
        <source>Dimensions</source>
        <translation>Dimensions</translation>
    </message>
    <message>
        <source>Packaging</source>
        <translation>Packaging</translation>
    </message>
    <message>
        <source>Sterilization</source>
        <translation>Sterilization</translation>
    </message>
    <message>
        <source>Supply method</source>
        <translation>Supply method</translation>
    </message>
    <message>
        <source>Delivery deadline</source>
        <translation>Delivery deadline</translation>
    </message>
    <message>
        <source>Informed consent</source>
        <translation>Informed consent</translation>
    </message>
    <message>
        <source>no</source>
        <translation>no</translation>
    </message>
    <message>
        <source>Surgical solution and requirements</source>
        <translation>Surgical solution and requirements</translation>
    </message>
    <message>
        <source>Envelope check</source>
        <translation>Envelope check</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>Verdict</translation>
    </message>
    <message>
        <source>Envelope</source>
        <translation>Envelope</translation>
    </message>
    <message>
        <source>Parameter</source>
        <translation>Parameter</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Value</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>Unit</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Margin</source>
        <translation>Margin</translation>
    </message>
    <message>
        <source>Re-verification</source>
        <translation>Re-verification</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Method</translation>
    </message>
    <message>
        <source>Design change</source>
        <translation>Design change</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Maximum deviation (mm)</source>
        <translation>Maximum deviation (mm)</translation>
    </message>
    <message>
        <source>RMS deviation (mm)</source>
        <translation>RMS deviation (mm)</translation>
    </message>
    <message>
        <source>Area changed (mm²)</source>
        <translation>Area changed (mm²)</translation>
    </message>
    <message>
        <source>Case team</source>
        <translation>Case team</translation>
    </message>
    <message>
        <source>User</source>
        <translation>User</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Role on the case</source>
        <translation>Role on the case</translation>
    </message>
    <message>
        <source>Software</source>
        <translation>Software</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Manifest</source>
        <translation>Manifest</translation>
    </message>
    <message>
        <source>Proposal issued (SHA-256 %1...).</source>
        <translation>Proposal issued (SHA-256 %1...).</translation>
    </message>
</context>
<context>
    <name>DesignChangeDialog</name>
    <message>
        <source>Design change of case %1</source>
        <translation>Design change of case %1</translation>
    </message>
    <message>
        <source>New revision</source>
        <translation>New revision</translation>
    </message>
    <message>
        <source>The new design (STL, PLY, OBJ, 3MF), patient LPS mm</source>
        <translation>The new design (STL, PLY, OBJ, 3MF), patient LPS mm</translation>
    </message>
    <message>
        <source>Choose...</source>
        <translation>Choose...</translation>
    </message>
    <message>
        <source>Choose the new design file</source>
        <translation>Choose the new design file</translation>
    </message>
    <message>
        <source>New design:</source>
        <translation>New design:</translation>
    </message>
    <message>
        <source>Why the design changes (required)</source>
        <translation>Why the design changes (required)</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>Reason:</translation>
    </message>
    <message>
        <source>Tolerance:</source>
        <translation>Tolerance:</translation>
    </message>
    <message>
        <source>Compare and record</source>
        <translation>Compare and record</translation>
    </message>
    <message>
        <source>Compare the new design with the current revision's and record the change with its reason</source>
        <translation>Compare the new design with the current revision's and record the change with its reason</translation>
    </message>
    <message>
        <source>Current revision</source>
        <translation>Current revision</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>Member</translation>
    </message>
    <message>
        <source>Role on the case</source>
        <translation>Role on the case</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>Acknowledged</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Acknowledge</translation>
    </message>
    <message>
        <source>Record that you have taken note of this design change</source>
        <translation>Record that you have taken note of this design change</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Close; a running comparison is cancelled</source>
        <translation>Close; a running comparison is cancelled</translation>
    </message>
    <message>
        <source>Reading the comparison...</source>
        <translation>Reading the comparison...</translation>
    </message>
    <message>
        <source>No design change to show: the map appears once a change is recorded.</source>
        <translation>No design change to show: the map appears once a change is recorded.</translation>
    </message>
    <message>
        <source>Revision %1 against the previous design: red where material was added, blue where it was removed (scale -%2 to +%2 mm); the marker shows the largest deviation.</source>
        <translation>Revision %1 against the previous design: red where material was added, blue where it was removed (scale -%2 to +%2 mm); the marker shows the largest deviation.</translation>
    </message>
    <message>
        <source>Choose the new design</source>
        <translation>Choose the new design</translation>
    </message>
    <message>
        <source>Meshes (*.stl *.ply *.obj *.3mf)</source>
        <translation>Meshes (*.stl *.ply *.obj *.3mf)</translation>
    </message>
    <message>
        <source>Revision %1: no design change has been recorded.</source>
        <translation>Revision %1: no design change has been recorded.</translation>
    </message>
    <message>
        <source>yes, %1</source>
        <translation>yes, %1</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>not yet</translation>
    </message>
    <message>
        <source>Choose the new design file.</source>
        <translation>Choose the new design file.</translation>
    </message>
    <message>
        <source>A design change needs its reason.</source>
        <translation>A design change needs its reason.</translation>
    </message>
    <message>
        <source>Recorded as revision %1.</source>
        <translation>Recorded as revision %1.</translation>
    </message>
    <message>
        <source>Acknowledged.</source>
        <translation>Acknowledged.</translation>
    </message>
    <message>
        <source>the device family's</source>
        <translation>the device family's</translation>
    </message>
    <message>
        <source>Distances up to this count as unchanged (by default the device family's tolerance)</source>
        <translation>Distances up to this count as unchanged (by default the device family's tolerance)</translation>
    </message>
    <message>
        <source>Revision %1, changed by %2: %3&lt;br&gt;Maximum deviation %4 mm, RMS %5 mm, %6 mm² changed, %7 % of the area within %8 mm.</source>
        <translation>Revision %1, changed by %2: %3&lt;br&gt;Maximum deviation %4 mm, RMS %5 mm, %6 mm² changed, %7 % of the area within %8 mm.</translation>
    </message>
</context>
<context>
    <name>InspectionsDialog</name>
    <message>
        <source>Inspections of case %1</source>
        <translation>Inspections of case %1</translation>
    </message>
    <message>
        <source>The final inspections recorded for this case, newest first. Open one to see its recorded figures and colour map again (read-only).</source>
        <translation>The final inspections recorded for this case, newest first. Open one to see its recorded figures and colour map again (read-only).</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Inspector</source>
        <translation>Inspector</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Result</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>Revision</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Device</translation>
    </message>
    <message>
        <source>Double-click an inspection to open it</source>
        <translation>Double-click an inspection to open it</translation>
    </message>
    <message>
        <source>pass</source>
        <translation>pass</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>FAIL</translation>
    </message>
    <message>
        <source>No inspection is recorded for this case yet.</source>
        <translation>No inspection is recorded for this case yet.</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Show the selected inspection's figures and colour map (read-only)</source>
        <translation>Show the selected inspection's figures and colour map (read-only)</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
</context>
</TS>
