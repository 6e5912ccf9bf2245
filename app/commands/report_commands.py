"""``dvw report``: the case report as a PDF (case, software, envelope, inputs, pictures, parameters, signatures)."""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.home import home_folder


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``report``."""
    report = sub.add_parser(
        "report",
        help="write a case's report (PDF)",
        description="Write the case's report: its verdict, the software manifest and envelope, the inputs by SHA-256, "
        "pictures of the anatomy and the design, every parameter with its limits and status, the re-verification "
        "record, each signature (printed name, role, meaning, time, valid or superseded) and the audit of the record.",
    )
    report.add_argument("code", metavar="CODE", help="case code")
    report.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write")
    report.add_argument("--force", action="store_true", help="replace an existing file")
    add_json_flag(report)
    report.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    """``dvw report CODE --out FILE.pdf``."""
    from records.report import write_report  # noqa: PLC0415
    from workflow.report import case_report, recorded_pictures  # noqa: PLC0415

    output = Path(args.out)
    if output.suffix.lower() != ".pdf":
        raise UsageError(f"the report is a PDF: {output.name} does not end in .pdf", path=str(output))
    if output.exists() and not args.force:
        raise UsageError(f"output exists: {output} (use --force to replace it)", path=str(output))

    def warn(message: str) -> None:
        say(f"dvw: warning: {message}")

    built = case_report(
        home_folder(args.home), args.code, images=partial(recorded_pictures, warn=warn), render_stress=True, warn=warn
    )
    sha256 = write_report(built.pdf, output)
    case = built.case
    if args.json:
        emit_json(
            {
                "output": str(output),
                "sha256": sha256,
                "case": case.code,
                "revision": case.revision,
                "pages": built.pages,
                "manifest_id": built.manifest_id,
            }
        )
        return EXIT_OK
    say(f"report for case {case.code} (revision {case.revision}, {case.state}) -> {output}")
    return EXIT_OK
