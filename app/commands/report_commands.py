"""``dvw report``: the case report as a PDF (case, software, envelope, inputs, pictures, parameters, signatures)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

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


def _pictures(store: Any, payload: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Renderings of the checked anatomy and design (empty, with a message, when rendering is not possible)."""
    from geometry.io import read_mesh  # noqa: PLC0415
    from geometry.render import render_png  # noqa: PLC0415

    artifacts, names = payload.get("artifacts", {}), payload.get("file_names", {})
    if not isinstance(artifacts, dict) or not isinstance(names, dict) or "design" not in artifacts:
        return []

    def mesh(name: str) -> Any:
        return read_mesh(store.artifact_path(artifacts[name]), suffix=Path(str(names.get(name, ".stl"))).suffix)

    design = mesh("design")
    anatomy = mesh("anatomy") if "anatomy" in artifacts else None
    try:
        return [
            ("The design on the anatomy (oblique view)", render_png(anatomy, design, view="design")),
            ("Overview, seen from outside the design", render_png(anatomy, design, view="overview")),
        ]
    except Exception as exc:  # noqa: BLE001 - no OpenGL here: the report is still complete without pictures
        say(f"dvw: warning: no pictures in the report (rendering failed: {exc})")
        return []


def run_report(args: argparse.Namespace) -> int:
    """``dvw report CODE --out FILE.pdf``."""
    from records.report import write_report  # noqa: PLC0415
    from records.selftests import is_validated  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from records.users import load_users  # noqa: PLC0415
    from traceability.report import build_report  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415

    output = Path(args.out)
    if output.suffix.lower() != ".pdf":
        raise UsageError(f"the report is a PDF: {output.name} does not end in .pdf", path=str(output))
    if output.exists() and not args.force:
        raise UsageError(f"output exists: {output} (use --force to replace it)", path=str(output))
    home = home_folder(args.home)
    manifest = current_manifest()
    with Store.open(home) as store:
        case = store.case(args.code)
        audit = store.verify()
        users = {
            user.user_id: {
                "printed_name": user.printed_name,
                "role": user.role,
                "qualification": user.qualification or "",
            }
            for user in load_users(store).values()
        }
        pictures = _pictures(store, dict(case.check.payload)) if case.check is not None else []
        pdf = build_report(
            case,
            audit=audit,
            manifest_id=manifest.manifest_id,
            software_version=manifest.version,
            validated=is_validated(store, manifest.manifest_id),
            users=users,
            images=pictures,
            generated_at=datetime.now().astimezone(),
        )
    sha256 = write_report(pdf, output)
    if args.json:
        emit_json(
            {
                "output": str(output),
                "sha256": sha256,
                "case": case.code,
                "revision": case.revision,
                "pages": pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages"),
                "manifest_id": manifest.manifest_id,
            }
        )
        return EXIT_OK
    say(f"report for case {case.code} (revision {case.revision}, {case.state}) -> {output}")
    return EXIT_OK
