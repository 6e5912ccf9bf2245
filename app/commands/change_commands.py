"""``dvw change``, ``dvw change ack`` and ``dvw proposal``: design changes and the proposal the clinician confirms.

A change has its reason and its comparison with the last revision, and each member's acknowledgement.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.commands.acting import acting_session, acting_user_id, add_acting_user
from app.home import home_folder
from app.progress_bar import progress_bar

if TYPE_CHECKING:
    from records.store import Store

_CHANGE_HELP = (
    'Change a case\'s design (REQUIREMENTS 4.5.4): dvw change CODE --design NEW.stl --reason "..." records a new '
    "revision with its reason and its comparison with the previous revision's design in the same patient frame: "
    "the signed distance of every vertex of the new design from the previous one (outward positive: material "
    "added), change.max_deviation_mm, change.mean_deviation_mm, change.rms_deviation_mm, the share of the new "
    "design's area within --tolerance (default: the device family's [change] tolerance_mm, else 0.2 mm) and "
    "change.area_changed_mm2 (the previous design's area moved beyond it). Earlier signatures are superseded. "
    "Then every team member acknowledges the change (dvw change ack CODE --user USER), the new revision is checked "
    "again (dvw run --case CODE), and only then may "
    'the clinician confirm it (dvw sign ... --meaning "clinical design confirmation").'
)


_PROPOSAL_HELP = (
    "Build the design proposal of the case's current check (REQUIREMENTS 4.5.3.1-4.5.3.2): renderings of the design "
    "on the anatomy from the anterior, left, right and superior views and facing the device; the surgical solution, "
    "material, structure, dimensions, packaging, sterilization and supply from the design input; the envelope check "
    "with its verdict and margins; the re-verification and the design change if any; the software manifest. Writes "
    "the PDF (--out) and records a proposal_issued event naming the structured record, the PDF and the pictures by "
    "SHA-256 (stored as artifacts). The clinician's \"clinical design confirmation\" (dvw sign) covers the record's "
    "SHA-256 and is refused while any item is missing; a new check or design change needs a new proposal."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``change`` (``CODE --design --reason`` or ``ack CODE``)."""
    change = sub.add_parser("change", help="change a case's design, or acknowledge a change", description=_CHANGE_HELP)
    change.add_argument(
        "words",
        nargs="+",
        metavar="CODE | ack CODE",
        help="the case to change, or 'ack CODE' to acknowledge its change",
    )
    change.add_argument("--design", metavar="NEW.stl", help="the new design (STL, PLY, OBJ, 3MF), patient LPS mm")
    change.add_argument("--reason", metavar="TEXT", help="why the design changes (required)")
    change.add_argument(
        "--tolerance",
        type=float,
        default=None,
        metavar="MM",
        help="distances up to this are unchanged (default: the device family's [change] tolerance_mm, else 0.2)",
    )
    add_acting_user(change, "who changes the design, or acknowledges the change (a member of the case's team)")
    add_json_flag(change)
    change.set_defaults(handler=run_change)

    proposal = sub.add_parser("proposal", help="write and record a case's design proposal", description=_PROPOSAL_HELP)
    proposal.add_argument("code", metavar="CODE", help="case code")
    proposal.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the proposal's PDF")
    proposal.add_argument("--force", action="store_true", help="overwrite an existing FILE.pdf")
    add_acting_user(proposal, "who issues the proposal (a member of the case's team)")
    add_json_flag(proposal)
    proposal.set_defaults(handler=run_proposal)


def _open(args: argparse.Namespace) -> Store:
    from records.store import Store  # noqa: PLC0415

    return Store.open(home_folder(args.home))


def run_change(args: argparse.Namespace) -> int:
    """``dvw change CODE --design NEW --reason ...`` or ``dvw change ack CODE``."""
    from records.events import check_case_code  # noqa: PLC0415

    words = list(args.words)
    if words[0] == "ack":
        if len(words) != 2:
            raise UsageError("dvw change ack: give the case code: dvw change ack CODE --user USER")
        return _run_ack(args, check_case_code(words[1]))
    if len(words) != 1:
        raise UsageError(f"dvw change: one case code, not {' '.join(words)!r}")
    code = check_case_code(words[0])
    if not args.design:
        raise UsageError("dvw change: give the new design: --design NEW.stl")
    if not args.reason or not args.reason.strip():
        raise UsageError('dvw change: a design change needs its reason: --reason "..."')
    design = Path(args.design)
    if not design.is_file():
        raise UsageError(f"dvw change: no such design file: {design}", path=str(design))
    tolerance = args.tolerance
    if tolerance is not None and (not math.isfinite(tolerance) or tolerance <= 0):
        raise UsageError(f"dvw change: --tolerance must be a positive length in mm, not {args.tolerance}")
    from workflow.change import record_change  # noqa: PLC0415

    acting_user_id(args, "changing a design")
    with _open(args) as store:
        session = acting_session(args, store, "changing a design")
        with progress_bar("comparing the designs") as progress:
            recorded = record_change(
                store, code, design, args.reason, session, tolerance_mm=tolerance, progress=progress
            )
        case = store.case(code)
    if args.json:
        emit_json(
            {"code": code, **recorded.to_json(), "team": list(case.team), "acknowledged": sorted(case.acknowledged)}
        )
        return EXIT_OK
    figures = recorded.parameters
    say(
        f"case {code} is now revision {recorded.revision} (event seq {recorded.event.seq}): max deviation "
        f"{figures['change.max_deviation_mm']:.3f} mm, RMS {figures['change.rms_deviation_mm']:.3f} mm, "
        f"{100 * figures['change.share_within_tolerance']:.1f} % of the area within "
        f"{figures['change.tolerance_mm']:g} mm, "
        f"{figures['change.area_changed_mm2']:.1f} mm² changed"
    )
    waiting = [user for user in case.team if user not in case.acknowledged]
    if waiting:
        say(f"  to acknowledge: {', '.join(waiting)} (dvw change ack {code} --user USER)")
    return EXIT_OK


def _run_ack(args: argparse.Namespace, code: str) -> int:
    from records.team import acknowledge_change, pending_acknowledgements  # noqa: PLC0415

    acting_user_id(args, "acknowledging a design change")
    with _open(args) as store:
        session = acting_session(args, store, "acknowledging a design change")
        event = acknowledge_change(store, code, session)
        case = store.case(code)
    waiting = pending_acknowledgements(case)
    if args.json:
        emit_json(
            {
                "code": code,
                "revision": case.revision,
                "event_id": event.event_id,
                "seq": event.seq,
                "acknowledged": sorted(case.acknowledged),
                "waiting": waiting,
            }
        )
        return EXIT_OK
    say(f"{session.user_id} acknowledged the change to revision {case.revision} of case {code} (event seq {event.seq})")
    say(f"  still to acknowledge: {', '.join(waiting)}" if waiting else "  every team member has acknowledged it")
    return EXIT_OK


def run_proposal(args: argparse.Namespace) -> int:
    """``dvw proposal CODE --out FILE.pdf``."""
    from base.files import write_atomically  # noqa: PLC0415
    from records.events import check_case_code  # noqa: PLC0415
    from workflow.proposal import issue_proposal  # noqa: PLC0415

    code = check_case_code(args.code)
    out = Path(args.out)
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists; give --force to overwrite it", path=str(out))
    if not out.parent.is_dir():
        raise UsageError(f"no such folder: {out.parent}", path=str(out.parent))
    acting_user_id(args, "issuing a design proposal")
    with _open(args) as store:
        session = acting_session(args, store, "issuing a design proposal")
        with progress_bar("building the proposal") as progress:
            issued = issue_proposal(store, code, session, progress=progress)
        write_atomically(out, lambda temp: temp.write_bytes(issued.pdf))
    if args.json:
        emit_json({"code": code, "output": str(out), **issued.to_json()})
        return EXIT_OK
    say(
        f"design proposal of case {code} revision {issued.record['revision']} written to {out} and recorded (event "
        f"seq {issued.event.seq}, record sha256 {issued.proposal_sha256[:16]}...)"
    )
    if issued.missing:
        say(f"  not yet complete for confirmation: {'; '.join(issued.missing)}")
    return EXIT_OK
