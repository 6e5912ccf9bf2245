"""The case report (PDF): what was checked, against what, by which software, the verdict and who signed it.

Built with reportlab from the case's events only (the log is the source of truth), plus pictures the caller renders
(the records package draws nothing itself). Sections: the case and its verdict; the software manifest and the
envelope; the inputs by SHA-256; pictures of the anatomy and the design; every parameter with its limits, margin
and status; the combination constraints; the re-verification record; each signature with printed name, role,
qualification, meaning, time and whether it is still valid; the caller's own sections (the workstation adds the
device identification and trace events: :mod:`traceability.report`); and the audit of the log.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from base.files import write_atomically
from records.audit import AuditReport
from records.cases import CaseState
from records.events import Event
from records.payloads import Signature, read_or_none

ReportSection = Callable[[CaseState, Mapping[str, ParagraphStyle]], list[Any]]
"""Adds a section to the report (e.g. :func:`traceability.report.device_story`): the case and the report's
paragraph styles (``h2``, ``body``, ``small``, ``mono``) in, reportlab flowables out (none to leave it out)."""

_STATUS_COLOURS = {
    "within": colors.HexColor("#1b7f3b"),
    "near_limit": colors.HexColor("#b36b00"),
    "below": colors.HexColor("#b00020"),
    "above": colors.HexColor("#b00020"),
    "missing": colors.HexColor("#b00020"),
    "satisfied": colors.HexColor("#1b7f3b"),
    "violated": colors.HexColor("#b00020"),
}
_VERDICT_TEXT = {
    "within": "WITHIN THE VALIDATED DESIGN ENVELOPE",
    "out_of_envelope": "OUT OF THE VALIDATED DESIGN ENVELOPE: re-evaluation and re-verification required",
    "indeterminate": "INDETERMINATE: a required value is missing; re-verification required",
}
#: What a re-verification or a signature changed in the words (the verdict itself stays): by verdict, then state.
_VERDICT_STATE_TEXT = {
    "within": {"signed": "WITHIN THE VALIDATED DESIGN ENVELOPE: signed"},
    "out_of_envelope": {
        "reverified": "OUT OF THE VALIDATED DESIGN ENVELOPE: re-verified; ready for sign-off",
        "signed": "OUT OF THE VALIDATED DESIGN ENVELOPE: re-verified and signed",
        "reverification_failed": "OUT OF THE VALIDATED DESIGN ENVELOPE: re-verification failed; not to be signed",
    },
    "indeterminate": {
        "reverified": "INDETERMINATE: a required value is missing; re-verified, ready for sign-off",
        "signed": "INDETERMINATE: a required value is missing; re-verified and signed",
        "reverification_failed": "INDETERMINATE: a required value is missing; re-verification failed, not to be signed",
    },
}


def verdict_text(verdict: str | None, state: str) -> str:
    """The report's verdict line for ``verdict`` (None: no valid check) in the case's ``state``."""
    if verdict is None:
        return "NO VALID CHECK for the current revision and inputs"
    return _VERDICT_STATE_TEXT.get(verdict, {}).get(state) or _VERDICT_TEXT.get(verdict, verdict)


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"])
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    mono = ParagraphStyle("mono", parent=small, fontName="Courier", fontSize=7, leading=9)
    title = ParagraphStyle("title", parent=base["Title"])
    heading = ParagraphStyle("h2", parent=base["Heading2"])
    return {"title": title, "h2": heading, "body": body, "small": small, "mono": mono}


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def report_table(rows: list[list[Any]], widths: Sequence[float], extra: Sequence[tuple[Any, ...]] = ()) -> Table:
    """A table in the report's style: ``rows`` (the first is the header, repeated on each page) at ``widths``.

    ``extra`` adds reportlab table style commands (e.g. a cell's colour).
    """
    table = Table(rows, colWidths=list(widths), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *extra,
            ]
        )
    )
    return table


def _evidence_text(item: Any) -> str:
    """One evidence file as ``name: sha256`` (or whatever the record holds, as text)."""
    if isinstance(item, Mapping) and "sha256" in item:
        return f"{item.get('file', '')}: {item['sha256']}"
    return str(item)


def _results_table(check: Mapping[str, Any]) -> Table:
    rows: list[list[Any]] = [["parameter", "value", "unit", "min", "max", "margin", "status"]]
    extra: list[tuple[Any, ...]] = []
    for index, result in enumerate(check.get("results", []), start=1):
        status = str(result.get("status", ""))
        rows.append(
            [
                result.get("name", ""),
                _number(result.get("value")),
                result.get("unit", ""),
                _number(result.get("min")),
                _number(result.get("max")),
                _number(result.get("margin")),
                status.upper() if status in ("below", "above", "missing") else status,
            ]
        )
        colour = _STATUS_COLOURS.get(status)
        if colour is not None:
            extra.append(("TEXTCOLOR", (6, index), (6, index), colour))
    return report_table(rows, [62 * mm, 20 * mm, 16 * mm, 16 * mm, 16 * mm, 18 * mm, 22 * mm], extra)


def _constraints_table(check: Mapping[str, Any], style: ParagraphStyle) -> Table:
    rows: list[list[Any]] = [["constraint", "status", "detail"]]
    extra: list[tuple[Any, ...]] = []
    for index, constraint in enumerate(check.get("constraints", []), start=1):
        status = str(constraint.get("status", ""))
        rows.append([constraint.get("id", ""), status, Paragraph(str(constraint.get("detail", "")), style)])
        colour = _STATUS_COLOURS.get(status)
        if colour is not None:
            extra.append(("TEXTCOLOR", (1, index), (1, index), colour))
    return report_table(rows, [35 * mm, 20 * mm, 115 * mm], extra)


def _signature_rows(case: CaseState, users: Mapping[str, Mapping[str, str]], style: ParagraphStyle) -> list[list[Any]]:
    rows: list[list[Any]] = [["signed by", "meaning", "signed at", "status"]]
    for event in case.signatures:
        signed = read_or_none(event, Signature)
        user_id = event.actor or ""
        known = users.get(user_id, {})
        if signed is not None:
            facts = signed.content.signer
            name, role, qualification = facts.printed_name, facts.role, facts.qualification
            meaning, signed_at = signed.content.meaning, signed.content.signed_at
        else:  # not a signature's payload (the audit in this report says so): what the log's users say
            name, role, qualification = known.get("printed_name", user_id), known.get("role", ""), None
            meaning, signed_at = "", event.created_at
        who = f"<b>{name}</b> ({user_id}), {role}"
        qualification = qualification or known.get("qualification")
        if qualification:
            who += f"<br/>{qualification}"
        status = "superseded" if event.event_id in case.superseded else "valid"
        rows.append(
            [
                Paragraph(who, style),
                Paragraph(meaning, style),
                Paragraph(signed_at, style),
                status,
            ]
        )
    return rows


def analysis_section(summary: Mapping[str, Any], picture: bytes | None = None) -> ReportSection:
    """The "Mechanical analysis" section: the load case, the figures with their uncertainty, the stress picture.

    ``summary`` is plain data (made by ``workflow.report.mechanical_summary`` from the recorded load-case file and
    parameters): ``load_cases`` (``id``, ``version``, ``title``, ``sha256``), ``assumptions`` (text),
    ``material``, ``supports`` and ``loads`` (rows of ``[item, text]``), ``figures`` (``title``, ``name``,
    ``value``, ``uncertainty``, ``unit``, ``limit``, ``status``), ``method`` (text) and ``caption`` (the picture's).
    """

    def section(_case: CaseState, styles: Mapping[str, ParagraphStyle]) -> list[Any]:
        cases = summary.get("load_cases", {})
        story: list[Any] = [
            Paragraph("Mechanical analysis", styles["h2"]),
            Paragraph(
                f"Load cases <b>{cases.get('title', '-')}</b> ({cases.get('id', '-')} version "
                f"{cases.get('version', '-')}). {summary.get('assumptions', '')}",
                styles["body"],
            ),
            Paragraph(f"load-case file SHA-256 {cases.get('sha256', '-')}", styles["mono"]),
            Spacer(1, 2 * mm),
        ]
        rows: list[list[Any]] = [["load case", "value"]]
        for group in ("material", "supports", "loads"):
            rows += [[str(item), Paragraph(str(text), styles["small"])] for item, text in summary.get(group, [])]
        story.append(report_table(rows, [45 * mm, 125 * mm]))
        figures: list[list[Any]] = [["figure", "value", "uncertainty (+-)", "unit", "limit", "status"]]
        extra: list[tuple[Any, ...]] = []
        for index, figure in enumerate(summary.get("figures", []), start=1):
            status = str(figure.get("status", "")) or "-"
            figures.append(
                [
                    Paragraph(f"{figure.get('title', '')}<br/>{figure.get('name', '')}", styles["small"]),
                    _number(figure.get("value")),
                    _number(figure.get("uncertainty")),
                    str(figure.get("unit", "")),
                    str(figure.get("limit", "")) or "-",
                    status.upper() if status in ("below", "above", "missing") else status,
                ]
            )
            colour = _STATUS_COLOURS.get(status)
            if colour is not None:
                extra.append(("TEXTCOLOR", (5, index), (5, index), colour))
        story += [
            Spacer(1, 2 * mm),
            report_table(figures, [52 * mm, 22 * mm, 28 * mm, 14 * mm, 30 * mm, 24 * mm], extra),
            Paragraph(str(summary.get("method", "")), styles["small"]),
        ]
        if picture is not None:
            story.append(
                KeepTogether(
                    [
                        Spacer(1, 2 * mm),
                        Image(io.BytesIO(picture), width=120 * mm, height=90 * mm),
                        Paragraph(str(summary.get("caption", "")), styles["small"]),
                    ]
                )
            )
        return story

    return section


def build_report(  # noqa: PLR0915 - one story, told in order
    case: CaseState,
    *,
    audit: AuditReport,
    manifest_id: str,
    software_version: str,
    validated: bool,
    users: Mapping[str, Mapping[str, str]] | None = None,
    images: Sequence[tuple[str, bytes]] = (),
    generated_at: datetime,
    sections: Sequence[ReportSection] = (),
    analysis: Sequence[ReportSection] = (),
) -> bytes:
    """The report's PDF bytes.

    Parameters
    ----------
    case
        The case, derived from the log.
    audit
        The audit of the whole store at the time of the report.
    manifest_id, software_version, validated
        The software producing the report and whether its self-test passed here.
    users
        User id -> ``{"printed_name", "role", "qualification"}`` (for signers whose signed content lacks them).
    images
        (caption, PNG bytes) pictures of the anatomy and design.
    generated_at
        Timezone-aware time of the report.
    sections
        Sections added after the signatures, in order (the workstation's: the device identification and trace,
        :func:`traceability.report.build_report`).
    analysis
        Sections placed right after the parameters: the mechanical analysis (:func:`analysis_section`).

    Returns
    -------
    bytes
        The PDF.
    """
    styles = _styles()
    check_event: Event | None = case.check
    check: Mapping[str, Any] = check_event.payload if check_event is not None else {}
    story: list[Any] = [
        Paragraph("DVW design-validation report", styles["title"]),
        Paragraph(
            f"Case <b>{case.code}</b>, revision {case.revision}; state <b>{case.state}</b>; "
            f"report generated {generated_at.isoformat(timespec='seconds')}",
            styles["body"],
        ),
    ]
    verdict = case.verdict if check_event is not None else None
    text = verdict_text(verdict, case.state)
    colour = colors.HexColor("#1b7f3b") if verdict == "within" else colors.HexColor("#b00020")
    story += [
        Spacer(1, 3 * mm),
        Paragraph(f'<font color="{colour.hexval()}"><b>Verdict: {text}</b></font>', styles["h2"]),
    ]
    envelope = check.get("envelope", {}) if isinstance(check.get("envelope"), Mapping) else {}
    check_manifest = str(check.get("manifest_id", "-"))
    story += [
        Paragraph("Software and envelope", styles["h2"]),
        report_table(
            [
                ["item", "value"],
                ["DVW version (this report)", software_version],
                ["software manifest (this report)", Paragraph(manifest_id, styles["mono"])],
                [
                    "validated on this installation",
                    "yes (self-test passed)" if validated else "NO (self-test not passed)",
                ],
                ["software manifest (the check)", Paragraph(check_manifest, styles["mono"])],
                ["design envelope", f"{envelope.get('id', '-')} version {envelope.get('version', '-')}"],
                ["envelope SHA-256", Paragraph(str(envelope.get("sha256", "-")), styles["mono"])],
                ["parameters SHA-256", Paragraph(str(check.get("parameters_sha256", "-")), styles["mono"])],
            ],
            [55 * mm, 115 * mm],
        ),
    ]
    inputs = check.get("inputs", case.inputs)
    if isinstance(inputs, Mapping) and inputs:
        rows: list[list[Any]] = [["input", "SHA-256"]]
        rows += [[str(k), Paragraph(str(v), styles["mono"])] for k, v in sorted(inputs.items())]
        story += [Paragraph("Inputs", styles["h2"]), report_table(rows, [30 * mm, 140 * mm])]
    if images:
        cells = [Image(io.BytesIO(png), width=82 * mm, height=61.5 * mm) for _, png in images[:2]]
        captions = [Paragraph(caption, styles["small"]) for caption, _ in images[:2]]
        story += [Spacer(1, 3 * mm), KeepTogether(Table([cells, captions], colWidths=[85 * mm] * len(cells)))]
    if check_event is not None:
        story += [Paragraph("Parameters", styles["h2"]), _results_table(check)]
        if check.get("constraints"):
            story += [Paragraph("Combination constraints", styles["h2"]), _constraints_table(check, styles["small"])]
    story += [flowable for section in analysis for flowable in section(case, styles)]
    story.append(Paragraph("Re-verification", styles["h2"]))
    reverification = case.reverification
    if reverification is None:
        needed = check_event is not None and verdict != "within"
        story.append(Paragraph("required but NOT recorded" if needed else "not required", styles["body"]))
    else:
        p = reverification.payload
        evidence = "<br/>".join(_evidence_text(e) for e in p.get("evidence", [])) or "none"
        story.append(
            report_table(
                [
                    ["item", "record"],
                    ["recorded by", f"{reverification.actor} at {reverification.created_at}"],
                    ["method", Paragraph(str(p.get("method", "")), styles["small"])],
                    ["result", str(p.get("result", ""))],
                    ["justification", Paragraph(str(p.get("justification", "")), styles["small"])],
                    ["evidence (SHA-256)", Paragraph(evidence, styles["mono"])],
                ],
                [35 * mm, 135 * mm],
            )
        )
    story.append(Paragraph("Signatures", styles["h2"]))
    if case.signatures:
        story.append(
            report_table(_signature_rows(case, users or {}, styles["small"]), [70 * mm, 45 * mm, 35 * mm, 20 * mm])
        )
    else:
        story.append(Paragraph("none", styles["body"]))
    story += [
        *(flowable for section in sections for flowable in section(case, styles)),
        Paragraph("Audit of the record", styles["h2"]),
        Paragraph(
            f"{'intact' if audit.ok else 'PROBLEMS FOUND'}: {audit.events} events, {audit.signatures} signatures "
            f"verified; {len(audit.problems)} problem(s).",
            styles["body"],
        ),
    ]
    story += [Paragraph(str(problem.message), styles["small"]) for problem in audit.problems[:20]]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"DVW report {case.code}",
        author="DVW",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
    )

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(18 * mm, 9 * mm, f"DVW case {case.code} rev {case.revision}; manifest {manifest_id[:16]}")
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def write_report(pdf: bytes, path: str | Path) -> str:
    """Write the PDF atomically; returns its SHA-256."""
    return write_atomically(Path(path), lambda tmp: tmp.write_bytes(pdf))
