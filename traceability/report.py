"""The case report as the workstation writes it: :mod:`records.report` with the device's identification and trace.

The section (:func:`device_story`) shows the current revision's UDI (element string, HRI, GS1 Digital Link and
the GS1 DataMatrix), the identifiers of earlier revisions, and the device's trace events; nothing when the case has
no UDI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table

from records import report
from records.audit import AuditReport
from records.cases import CaseState
from records.report import report_table
from traceability.assignment import UdiRecord, current_udi, udi_records
from traceability.errors import TraceabilityError
from traceability.label import symbol_drawing
from traceability.trace import trace_events


def _udi_rows(record: UdiRecord, styles: Mapping[str, ParagraphStyle]) -> list[list[Any]]:
    udi = record.udi
    mono = styles["mono"]
    return [
        ["item", "value"],
        ["device", Paragraph(f"{record.device_name} (family {record.family_id})", styles["small"])],
        ["UDI-DI (GTIN, AI 01)", udi.gtin],
        ["serial (AI 21)", udi.serial],
        ["lot (AI 10)", udi.lot or "-"],
        ["production date (AI 11)", udi.production_date.isoformat()],
        ["expiry date (AI 17)", "-" if udi.expiry_date is None else udi.expiry_date.isoformat()],
        ["HRI", Paragraph(udi.hri, mono)],
        ["element string (<GS> = FNC1)", Paragraph(udi.element_string.replace("\x1d", "&lt;GS&gt;"), mono)],
        ["GS1 Digital Link", Paragraph(udi.digital_link, mono)],
        ["assigned", f"revision {record.revision}, {record.event.created_at}"],
    ]


def _trace_rows(case: CaseState, styles: Mapping[str, ParagraphStyle]) -> list[list[Any]]:
    rows: list[list[Any]] = [["step", "when", "where", "who", "why"]]
    small = styles["small"]
    for event in trace_events(case):
        p = event.payload
        where = p.get("where", {}) if isinstance(p.get("where"), Mapping) else {}
        who = p.get("who", {}) if isinstance(p.get("who"), Mapping) else {}
        place = str(where.get("location", "")) + (f"<br/>GLN {where['gln']}" if where.get("gln") else "")
        person = who.get("printed_name") or who.get("user_id") or f"site {str(who.get('site_id', ''))[:8]}"
        if who.get("party"):
            person = f"{person}<br/>{who['party']}"
        rows.append(
            [
                Paragraph(f"{p.get('sequence', '')}. {p.get('step', '')}", small),
                Paragraph(str(p.get("when", "")), small),
                Paragraph(place, small),
                Paragraph(str(person), small),
                Paragraph(str(p.get("why", "")), small),
            ]
        )
    return rows


def device_story(case: CaseState, styles: Mapping[str, ParagraphStyle]) -> list[Any]:
    """The UDI and trace sections of the case report (nothing when the case has no UDI)."""
    if not any(event.kind == "udi_assigned" for event in case.events):
        return []
    story: list[Any] = [Paragraph("Device identification (UDI)", styles["h2"])]
    try:
        records = udi_records(case)
        record = current_udi(case)
    except TraceabilityError as exc:
        return [*story, Paragraph(f"UNREADABLE UDI record: {exc.message}", styles["body"])]
    if record is None:
        story.append(Paragraph(f"none for the current revision {case.revision}", styles["body"]))
    else:
        symbol = symbol_drawing(record.udi, 30)
        table = report_table(_udi_rows(record, styles), [45 * mm, 90 * mm])
        story.append(
            Table([[table, symbol]], colWidths=[137 * mm, 33 * mm], style=[("VALIGN", (0, 0), (-1, -1), "TOP")])
        )
    earlier = [r for r in records if record is None or r.event.event_id != record.event.event_id]
    if earlier:
        text = "; ".join(f"revision {r.revision}: {r.udi.hri}" for r in earlier)
        story.append(Paragraph(f"Other identifiers of this case: {text}", styles["small"]))
    story.append(Paragraph("Trace events", styles["h2"]))
    if trace_events(case):
        story.append(report_table(_trace_rows(case, styles), [30 * mm, 38 * mm, 37 * mm, 27 * mm, 38 * mm]))
    else:
        story.append(Paragraph("none recorded", styles["body"]))
    return story


def build_report(
    case: CaseState,
    *,
    audit: AuditReport,
    manifest_id: str,
    software_version: str,
    validated: bool,
    users: Mapping[str, Mapping[str, str]] | None = None,
    images: Sequence[tuple[str, bytes]] = (),
    generated_at: datetime,
    analysis: Sequence[report.ReportSection] = (),
) -> bytes:
    """The report's PDF bytes, with the device identification and trace (see :func:`records.report.build_report`).

    Returns
    -------
    bytes
        The PDF.
    """
    return report.build_report(
        case,
        audit=audit,
        manifest_id=manifest_id,
        software_version=software_version,
        validated=validated,
        users=users,
        images=images,
        generated_at=generated_at,
        sections=(device_story,),
        analysis=analysis,
    )
