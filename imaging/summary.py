"""What a scan and an import found, as the plain JSON the CLI prints and the GUI and records keep.

The shapes are the CLI contract's (``../shared/CLI.md``: ``dvw scan --json`` and ``dvw import --json``); the CLI,
the pipeline and the GUI all build them here, so that the three say the same thing about the same import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pydicom and its decoders load with these: only when a summary is made
    from imaging.assemble import ImportResult
    from imaging.series import Finding, SeriesInfo


def rounded(values: Any, digits: int = 6) -> Any:
    """``values`` (a float, or a list or tuple of them) rounded to ``digits``, with -0.0 written as 0.0."""
    if isinstance(values, float):
        return round(values, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(values, tuple | list):
        return [rounded(v, digits) for v in values]
    return values


def finding_summary(finding: Finding) -> dict[str, str]:
    """One finding: its code, severity and message."""
    return {"code": finding.code, "severity": finding.severity, "message": finding.message}


def series_summary(series: SeriesInfo) -> dict[str, Any]:
    """One scanned series (``dvw scan --json``'s ``series`` entries)."""
    return {
        "series_uid": series.key,
        "dicom_series_uid": series.series_uid,
        "study_uid": series.study_uid,
        "modality": series.modality,
        "description": series.description,
        "series_number": series.series_number,
        "files": len(series.files),
        "rows": series.rows,
        "columns": series.columns,
        "slices": series.slices,
        "usable": series.usable,
        "kind": series.kind,
        "spacing": rounded(list(series.spacing)) if series.spacing else None,
        "tilt_deg": round(series.tilt_deg, 3),
        "findings": [finding_summary(f) for f in series.findings],
    }


def import_summary(result: ImportResult, output: Path, sha256: str, manifest_id: str) -> dict[str, Any]:
    """An import written to ``output`` (SHA-256 ``sha256``) by the software ``manifest_id`` (``dvw import --json``)."""
    volume = result.volume
    return {
        "output": str(output),
        "sha256": sha256,
        "series_uid": result.series.key,
        "size": list(volume.size),
        "spacing": rounded(list(volume.spacing)),
        "origin": rounded(list(volume.origin)),
        "direction": rounded(list(volume.direction)),
        "hu_range": rounded(list(result.hu_range)),
        "resampled": result.resampled,
        "tilt_deg": round(result.series.tilt_deg, 3),
        "findings": [finding_summary(f) for f in result.findings],
        "instances": len(result.instance_sha256),
        "input_sha256": result.input_sha256,
        "manifest_id": manifest_id,
    }
