"""``dvw manifest`` and ``dvw selftest``: the software manifest and the built-in validation suite."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.commands.acting import acting_session, acting_user_id, add_acting_user
from app.home import home_folder
from app.progress_bar import progress_bar
from validation.manifest import current_manifest

#: Exit code of a failed self-test: this installation computes wrong answers, which is a defect, not bad input.
EXIT_SELFTEST_FAILED = 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``manifest`` and ``selftest``."""
    manifest = sub.add_parser(
        "manifest",
        help="the software manifest (version, file hashes, library versions) and its ID",
        description="Print DVW's software manifest: its version, the SHA-256 of each of its files and the versions "
        "of key libraries, hashed to one manifest_id that every result carries.",
    )
    add_json_flag(manifest)
    manifest.set_defaults(handler=run_manifest)

    selftest = sub.add_parser(
        "selftest",
        help="run the built-in validation suite and record the result for this software manifest",
        description="Run DVW's built-in validation suite (known-answer cases for import geometry, segmentation, "
        "meshing, every measurement family and the envelope check) and record pass or fail for this installation's "
        "software manifest in the local store's log, as an event of the user who ran it (--user), with every "
        "comparison and the IQ/OQ record stored by SHA-256. Sign-off is blocked on a manifest that has no passed "
        "record, and dvw audit verify checks every signature against these records. Exit 0 when "
        "every case passed, 1 when any failed. With --report, also write the installation and operational "
        "qualification (IQ/OQ) record as a PDF: the manifest, the machine, every case's expected and observed values "
        "and pass/fail, and lines for the people who perform and review the qualification to sign.",
    )
    selftest.add_argument(
        "--report", metavar="FILE.pdf", help="also write the IQ/OQ qualification record (PDF) of this run"
    )
    selftest.add_argument("--force", action="store_true", help="replace an existing report file")
    add_acting_user(selftest, "who runs the self-test (named in the record)")
    add_json_flag(selftest)
    selftest.set_defaults(handler=run_selftest_command)


def run_manifest(args: argparse.Namespace) -> int:
    """``dvw manifest``."""
    from records.selftests import is_validated  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415

    manifest = current_manifest()
    with Store.open(home_folder(args.home)) as store:
        validated = is_validated(store, manifest.manifest_id)
    if args.json:
        emit_json(
            {
                "manifest_id": manifest.manifest_id,
                "version": manifest.version,
                "files": dict(manifest.files),
                "libraries": dict(manifest.libraries),
                "validated": validated,
            }
        )
        return EXIT_OK
    say(f"DVW {manifest.version}  manifest {manifest.manifest_id}")
    say(f"  {len(manifest.files)} files; " + ", ".join(f"{k} {v}" for k, v in manifest.libraries))
    say(f"  validated on this workstation: {'yes' if validated else 'no (run dvw selftest --user USER)'}")
    return EXIT_OK


def run_selftest_command(args: argparse.Namespace) -> int:
    """``dvw selftest``."""
    report_path = None if args.report is None else Path(args.report)
    if report_path is not None:
        if report_path.suffix.lower() != ".pdf":
            raise UsageError(f"the report must be a .pdf file: {report_path}", path=str(report_path))
        if report_path.exists() and not args.force:
            raise UsageError(f"output exists: {report_path} (use --force to replace it)", path=str(report_path))
        if not report_path.parent.is_dir():
            raise UsageError(f"no such folder: {report_path.parent}", path=str(report_path.parent))
    from records.selftests import is_validated, record_selftest  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from validation.selftest import run_selftest  # noqa: PLC0415

    acting_user_id(args, "the self-test")
    manifest = current_manifest()
    with Store.open(home_folder(args.home)) as store:
        session = acting_session(args, store, "the self-test")  # signed in first: a wrong password fails at once
        validated_before = is_validated(store, manifest.manifest_id)
        say(
            f"DVW {manifest.version}: running the built-in validation suite for manifest "
            f"{manifest.manifest_id[:16]} ..."
        )
        with progress_bar("self-test") as progress:
            result = run_selftest(manifest.manifest_id, progress=progress)
        extra: dict[str, str] = {}
        written: Path | None = None
        if report_path is not None:
            from validation.qualification import (  # noqa: PLC0415 - reportlab is loaded only for the report
                machine_facts,
                qualification_pdf,
                write_qualification_report,
            )

            pdf = qualification_pdf(result, manifest, machine_facts(), validated_before=validated_before)
            written = write_qualification_report(pdf, report_path)
            extra["report"] = str(written)
        event = record_selftest(store, result.to_json(), by=session, report=written)
        extra["record"] = f"event {event.event_id} (seq {event.seq}) in {store.path}"
        extra["recorded_by"] = session.user_id
    if args.json:
        emit_json({**result.to_json(), **extra})
    else:
        for case in result.cases:
            say(f"  {'pass' if case.passed else 'FAIL'}  {case.id}")
            if not case.passed:
                say(f"        {case.detail}")
        say(f"{'PASSED' if result.passed else 'FAILED'} in {result.seconds:.1f} s; recorded as {extra['record']}")
        if "report" in extra:
            say(f"IQ/OQ record: {extra['report']}")
    return EXIT_OK if result.passed else EXIT_SELFTEST_FAILED
