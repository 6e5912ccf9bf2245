"""The design proposal the clinician confirms (REQUIREMENTS 4.5.3.1-4.5.3.2), built from the case (no Qt here).

:func:`issue_proposal` builds, for the case's current check, a structured record (canonical JSON, ``dvw-proposal/1``)
of everything 4.5.3.1 b asks the clinician to confirm: the design (by SHA-256, with renderings on the anatomy from
the anterior, left, right and superior views and the view facing the device), the surgical solution (indication,
surgical plan, matching instruments), material, structure and dimensions, packaging, sterilization and supply (from
the design input), the envelope check with its verdict and each parameter's margin, the re-verification if any,
the design change that made the revision if any, and the software manifest. It writes the PDF of the same content,
stores record, PDF and pictures by content and records a ``proposal_issued`` event naming them. The clinician's
"clinical design confirmation" signature covers that event and the record's SHA-256, and is refused while an item
is missing (:func:`records.team.missing_proposal_items`).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.errors import DvwError
from base.progress import CancelToken, ProgressCallback, checkpoint, report

if TYPE_CHECKING:
    from records.cases import CaseState
    from records.events import Event
    from records.store import Store
    from records.users import Session

FORMAT = "dvw-proposal/1"
#: The renderings of a proposal: view name (:data:`geometry.render.STANDARD_VIEWS`, ``overview``) and caption.
VIEWS = (
    ("anterior", "Anterior view"),
    ("left", "Left lateral view"),
    ("right", "Right lateral view"),
    ("superior", "Superior view"),
    ("overview", "Facing the device"),
)
PICTURE = (640, 480)


class ProposalError(DvwError):
    """A proposal that cannot be built: no current check, no design input, the design's files missing."""

    code = "proposal_refused"


@dataclass(frozen=True)
class IssuedProposal:
    """What :func:`issue_proposal` recorded: the event, the record (as stored) and the PDF's bytes."""

    event: Event
    record: dict[str, Any]
    proposal_sha256: str
    pdf: bytes
    pdf_sha256: str
    missing: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The summary ``dvw proposal --json`` prints."""
        return {
            "event_id": self.event.event_id,
            "seq": self.event.seq,
            "revision": self.record["revision"],
            "proposal_sha256": self.proposal_sha256,
            "pdf_sha256": self.pdf_sha256,
            "verdict": self.record["check"]["verdict"],
            "renderings": self.event.payload["renderings"],
            "missing": list(self.missing),
        }


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _meshes(store: Store, case: CaseState) -> tuple[Any, Any]:
    from geometry.io import read_mesh  # noqa: PLC0415
    from workflow.change import design_file_name  # noqa: PLC0415

    assert case.check is not None
    payload = case.check.payload
    artifacts, names = payload.get("artifacts", {}), payload.get("file_names", {})
    design_sha = case.inputs.get("design")
    if design_sha is None:
        raise ProposalError(f"case {case.code} has no design recorded")
    name = design_file_name(case, design_sha) or "design.stl"
    design = read_mesh(store.artifact_path(design_sha), suffix=Path(name).suffix or ".stl")
    anatomy = None
    if isinstance(artifacts, dict) and "anatomy" in artifacts:
        suffix = Path(str(names.get("anatomy", "anatomy.stl"))).suffix or ".stl"
        anatomy = read_mesh(store.artifact_path(artifacts["anatomy"]), suffix=suffix)
    return anatomy, design


def build_record(
    case: CaseState, renderings: dict[str, str], *, manifest_id: str, version: str, users: dict[str, Any]
) -> dict[str, Any]:
    """The proposal's structured record for the case's current check (see the module docstring)."""
    from records.payloads import CheckRun, DesignChanged, ReverificationRecorded, read  # noqa: PLC0415
    from records.team import design_input  # noqa: PLC0415

    assert case.check is not None
    given = design_input(case)
    if given is None:
        raise ProposalError(f"case {case.code} has no design input (dvw case input {case.code} --file INPUT.toml)")
    checked = read(case.check, CheckRun)
    fields = given.fields
    answer = None if case.reverification is None else read(case.reverification, ReverificationRecorded)
    change = None if case.change is None else read(case.change, DesignChanged)
    return {
        "format": FORMAT,
        "case_code": case.code,
        "revision": case.revision,
        "design": {"sha256": case.inputs.get("design"), "anatomy_sha256": case.inputs.get("anatomy")},
        "renderings": renderings,
        "surgical_solution": {
            "indication": fields.get("indication"),
            "surgical_plan": fields.get("surgical_plan"),
            "instruments": fields.get("instruments", []),
        },
        "material": fields.get("material"),
        "structure": fields.get("structure"),
        "dimensions": fields.get("dimensions"),
        "packaging": fields.get("packaging"),
        "sterilization": fields.get("sterilization"),
        "supply": fields.get("supply"),
        "design_input": {
            "event_id": case.design_input.event_id if case.design_input else None,
            "input_sha256": given.input_sha256,
            "deadline": given.deadline,
            "consent_given": given.consent.given,
            "consent_date": given.consent.date,
        },
        "check": {
            "event_id": case.check.event_id,
            "event_hash": case.check.hash,
            "verdict": checked.verdict,
            "requires_reverification": checked.needs_reverification,
            "envelope": checked.envelope_ref.id,
            "envelope_version": checked.envelope_ref.version,
            "envelope_sha256": checked.envelope_ref.sha256,
            "results": [
                {key: item.get(key) for key in ("name", "value", "unit", "min", "max", "status", "margin")}
                for item in checked.results
            ],
            "manifest_id": checked.manifest_id,
        },
        "reverification": None
        if answer is None or case.reverification is None
        else {
            "event_id": case.reverification.event_id,
            "result": answer.result,
            "method": answer.method,
            "justification": answer.justification,
            "evidence_sha256": answer.evidence_sha256,
        },
        "change": None
        if change is None
        else {"reason": change.reason, "previous_design": change.previous_design, "comparison": change.comparison},
        "team": [{"user": user, "role": role, **users.get(user, {})} for user, role in case.team.items()],
        "software": {"manifest_id": manifest_id, "version": version},
    }


def issue_proposal(
    store: Store,
    code: str,
    by: Session,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> IssuedProposal:
    """Build and record the design proposal of case ``code``'s current check, by ``by`` (a member).

    Raises
    ------
    ProposalError
        No current check, or no design input.
    NotATeamMemberError
        The case has a team and ``by`` is not on it.
    GeometryError
        The design cannot be rendered here (no OpenGL).
    """
    from geometry.render import render_png  # noqa: PLC0415
    from records.events import PROPOSAL_ISSUED  # noqa: PLC0415
    from records.payloads import ProposalIssued, to_payload  # noqa: PLC0415
    from records.team import missing_proposal_items, refuse_non_member  # noqa: PLC0415
    from records.users import load_users  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415

    case = store.case(code)
    refuse_non_member(case, by.user_id, "issue its design proposal")
    if case.check is None:
        raise ProposalError(
            f"case {case.code} revision {case.revision} has no current check; run the check first (dvw run --case)"
        )
    report(progress, 0.05, "reading the design and the anatomy")
    anatomy, design = _meshes(store, case)
    pictures: dict[str, bytes] = {}
    for index, (view, _caption) in enumerate(VIEWS):
        checkpoint(cancel)
        report(progress, 0.1 + 0.6 * index / len(VIEWS), f"rendering the {view} view")
        pictures[view] = render_png(anatomy, design, size=PICTURE, view=view)
    renderings = {view: store.put_artifact(png, "rendering") for view, png in pictures.items()}
    manifest = current_manifest()
    users = {
        user.user_id: {"printed_name": user.printed_name, "qualification": user.qualification}
        for user in load_users(store).values()
    }
    record = build_record(case, renderings, manifest_id=manifest.manifest_id, version=manifest.version, users=users)
    raw = _canonical(record)
    proposal_sha = store.put_artifact(raw, "proposal")
    report(progress, 0.8, "writing the PDF")
    pdf = proposal_pdf(record, proposal_sha, pictures, generated_at=datetime.now().astimezone())
    pdf_sha = store.put_artifact(pdf, "proposal_pdf")
    items = [
        name
        for name, present in (
            ("design", True),
            ("renderings", len(renderings) >= 4),
            ("surgical_solution", bool(record["surgical_solution"]["surgical_plan"])),
            ("material", bool(record["material"])),
            ("packaging", bool(record["packaging"])),
            ("sterilization", bool(record["sterilization"])),
            ("supply", bool(record["supply"])),
            ("check", record["check"]["verdict"] is not None),
            ("software_manifest", True),
        )
        if present
    ]
    payload = ProposalIssued(
        format=FORMAT,
        proposal_sha256=proposal_sha,
        pdf_sha256=pdf_sha,
        revision=case.revision,
        check_event_id=case.check.event_id,
        check_hash=case.check.hash,
        renderings=renderings,
        items=items,
    )
    event = store.append(PROPOSAL_ISSUED, case_code=case.code, payload=to_payload(payload), by=by)
    missing = tuple(missing_proposal_items(store.case(case.code)))
    report(progress, 1.0, "proposal recorded")
    return IssuedProposal(event, record, proposal_sha, pdf, pdf_sha, missing)


def proposal_pdf(
    record: dict[str, Any], proposal_sha256: str, pictures: dict[str, bytes], *, generated_at: datetime
) -> bytes:
    """The proposal's PDF: the same content as ``record``, the pictures, and the line the clinician signs."""
    from xml.sax.saxutils import escape  # noqa: PLC0415

    from reportlab.lib import colors  # noqa: PLC0415
    from reportlab.lib.pagesizes import A4  # noqa: PLC0415
    from reportlab.lib.styles import getSampleStyleSheet  # noqa: PLC0415
    from reportlab.lib.units import mm  # noqa: PLC0415
    from reportlab.platypus import (  # noqa: PLC0415
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    sheet = getSampleStyleSheet()
    body, head = sheet["BodyText"], sheet["Heading2"]

    def para(text: object) -> Paragraph:
        if isinstance(text, float):
            text = f"{text:.4g}"
        return Paragraph(escape("-" if text in (None, "") else str(text)), body)

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        made = Table(rows, colWidths=widths)
        made.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                ]
            )
        )
        return made

    check = record["check"]
    story: list[Any] = [
        Paragraph("Design proposal for clinical confirmation", sheet["Title"]),
        para(
            f"Case {record['case_code']}, revision {record['revision']}; generated "
            f"{generated_at.isoformat(timespec='seconds')}; record SHA-256 {proposal_sha256}"
        ),
        Spacer(1, 4 * mm),
        Paragraph("Design (renderings on the anatomy)", head),
    ]
    cells = [
        [Image(io.BytesIO(pictures[view]), width=82 * mm, height=61.5 * mm), para(caption)]
        for view, caption in VIEWS
        if view in pictures
    ]
    grid = [[cells[i][0], cells[i + 1][0] if i + 1 < len(cells) else ""] for i in range(0, len(cells), 2)]
    captions = [[cells[i][1], cells[i + 1][1] if i + 1 < len(cells) else ""] for i in range(0, len(cells), 2)]
    for pictures_row, caption_row in zip(grid, captions, strict=True):
        story.append(KeepTogether([Table([pictures_row, caption_row], colWidths=[85 * mm, 85 * mm])]))
    story.append(para(f"Design SHA-256 {record['design']['sha256']}"))
    solution = record["surgical_solution"]
    story += [
        Paragraph("Surgical solution, material, packaging, sterilization, supply", head),
        table(
            [
                [para("Indication"), para(solution["indication"])],
                [para("Surgical plan"), para(solution["surgical_plan"])],
                [para("Matching instruments"), para(", ".join(solution["instruments"]) or "-")],
                [para("Material"), para(record["material"])],
                [para("Structure"), para(record["structure"])],
                [para("Dimensions"), para(record["dimensions"])],
                [para("Packaging"), para(record["packaging"])],
                [para("Sterilization"), para(record["sterilization"])],
                [para("Supply"), para(record["supply"])],
                [para("Delivery deadline"), para(record["design_input"]["deadline"])],
            ],
            [45 * mm, 125 * mm],
        ),
        Paragraph(f"Envelope check: {str(check['verdict']).upper().replace('_', ' ')}", head),
        para(f"Envelope {check['envelope']} version {check['envelope_version']} (SHA-256 {check['envelope_sha256']})"),
        table(
            [[para(h) for h in ("parameter", "value", "unit", "min", "max", "status", "margin")]]
            + [
                [para(item.get(key)) for key in ("name", "value", "unit", "min", "max", "status", "margin")]
                for item in check["results"]
            ],
            [55 * mm, 20 * mm, 17 * mm, 17 * mm, 17 * mm, 22 * mm, 22 * mm],
        ),
    ]
    again = record["reverification"]
    story.append(Paragraph("Re-verification", head))
    story.append(
        para(
            "none needed"
            if again is None and not check["requires_reverification"]
            else "MISSING"
            if again is None
            else f"{again['result']}: {again['method']}; {again['justification']}"
        )
    )
    change = record["change"]
    if change is not None:
        figures = change["comparison"] or {}

        def figure(name: str) -> str:
            value = figures.get(name)
            return f"{value:.3f}" if isinstance(value, int | float) else "-"

        story += [
            Paragraph(f"Design change to revision {record['revision']}", head),
            para(f"Reason: {change['reason']}"),
            para(
                f"Max deviation {figure('change.max_deviation_mm')} mm, RMS {figure('change.rms_deviation_mm')} mm, "
                f"{100 * float(figures.get('change.share_within_tolerance', 0.0)):.1f} % of the area within "
                f"{figure('change.tolerance_mm')} mm, changed area {figure('change.area_changed_mm2')} mm²"
            ),
        ]
    software = record["software"]
    story += [
        Paragraph("Software", head),
        para(f"DVW {software['version']}, manifest {software['manifest_id']} (check: {check['manifest_id']})"),
        Paragraph("Team and confirmation", head),
        para("; ".join(f"{m['user']} ({m['role']})" for m in record["team"]) or "-"),
        Spacer(1, 6 * mm),
        para(
            "Confirmed by the prescribing clinician with the electronic signature 'clinical design confirmation' "
            f"(dvw sign {record['case_code']}), which covers this proposal's record SHA-256 {proposal_sha256}."
        ),
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"Design proposal {record['case_code']}").build(story)
    return buffer.getvalue()
