"""``dvw bundle export|import``: one signed file with a case's events and artifacts, for offline transfer."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import EXIT_BAD_INPUT, EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.commands.acting import acting_session, acting_user_id, add_acting_user, read_password
from app.home import home_folder


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``bundle`` (``export``, ``import``)."""
    bundle = sub.add_parser("bundle", help="export or import a case bundle (offline transfer)", description=_HELP)
    actions = bundle.add_subparsers(dest="bundle_action", metavar="ACTION", parser_class=type(bundle), required=True)

    export = actions.add_parser("export", help="write a case's signed bundle", description=_EXPORT_HELP)
    export.add_argument("code", metavar="CODE", help="case code")
    export.add_argument("--out", required=True, metavar="FILE", help="the bundle file to write (a ZIP)")
    export.add_argument("--user", required=True, metavar="USER", help="the exporting user, who signs the bundle")
    export.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin instead of a prompt"
    )
    export.add_argument("--force", action="store_true", help="replace an existing file")
    add_json_flag(export)
    export.set_defaults(handler=run_bundle_export)

    load = actions.add_parser("import", help="verify a bundle and add it to the store", description=_IMPORT_HELP)
    load.add_argument("file", metavar="FILE", help="the bundle file")
    add_acting_user(load, "who imports the bundle")
    add_json_flag(load)
    load.set_defaults(handler=run_bundle_import)


_HELP = (
    "A bundle is one ZIP file with a case's events (and the earlier events of each site's chain they need), the "
    "case's artifacts by SHA-256 and the exporting user's Ed25519 signature over its manifest. Patient identity and "
    "DICOM or patient files never go into a bundle."
)
_EXPORT_HELP = _HELP + " The exporting user re-enters the password to sign."
_IMPORT_HELP = (
    "Verify everything in a bundle (safe entries, every artifact's SHA-256 and size, every event hash and chain, the "
    "bundle's and the case's signatures, that every event comes from a site this store trusts and is attested by an "
    "enabled user of its site, and that signatures approve what the log holds), then add what this store lacks, "
    "recorded with who imported it; importing twice adds nothing. A bundle that fails any check is refused (exit 2) "
    "and nothing is written. A site that never synced with this company's server is trusted only by an "
    "administrator (dvw site trust SITE --by ADMIN)."
)


def run_bundle_export(args: argparse.Namespace) -> int:
    """``dvw bundle export CODE --out FILE --user USER``."""
    from records.bundle import export_bundle  # noqa: PLC0415 - cryptography is loaded only here
    from records.events import check_case_code  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415

    output = Path(args.out)
    check_case_code(args.code)
    if output.exists() and not args.force:
        raise UsageError(f"output exists: {output} (use --force to replace it)", path=str(output))
    password = read_password(args, f"Password for {args.user}: ")
    with Store.open(home_folder(args.home)) as store:
        result = export_bundle(store, args.code, output, args.user, password, force=args.force)
    if args.json:
        emit_json(result.to_json())
    else:
        withheld = f", {len(result.withheld)} withheld for privacy" if result.withheld else ""
        say(
            f"case {result.case_code}: {result.events} events, {result.artifacts} artifacts{withheld} -> {output} "
            f"({result.size} bytes, sha256 {result.sha256[:16]}...)"
        )
    return EXIT_OK


def run_bundle_import(args: argparse.Namespace) -> int:
    """``dvw bundle import FILE``: exit 0 when the store audits clean afterwards, 2 when refused or not clean."""
    from records.bundle import import_bundle  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415

    acting_user_id(args, "importing a bundle")
    with Store.open(home_folder(args.home)) as store:
        session = acting_session(args, store, "importing a bundle")
        result = import_bundle(store, Path(args.file), by=session)
        where = str(store.path)
    summary = result.to_json()
    if result.audit.ok:
        if args.json:
            emit_json(summary)
        else:
            say(
                f"case {result.case_code} from site {result.site_id} (signed by {result.exported_by}): "
                f"{result.events_added} events added, {result.events_held} already held, "
                f"{result.artifacts_added} artifacts added; audit ok"
            )
        return EXIT_OK
    count = len(result.audit.problems)
    message = f"bundle imported, but the audit found {count} problem{'s' if count != 1 else ''} in {where}"
    if args.json:
        emit_json(
            {
                **summary,
                "problems": [problem.to_json() for problem in result.audit.problems],
                "error": {"code": "audit_failed", "message": message, "path": where},
            }
        )
    else:
        for problem in result.audit.problems:
            say(f"  {problem}")
    say(f"dvw: error: {message}")
    return EXIT_BAD_INPUT
