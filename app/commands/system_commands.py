"""``dvw manifest``: the software manifest of this installation."""

from __future__ import annotations

import argparse

from app.cli import EXIT_OK, add_json_flag, emit_json, say
from validation.manifest import current_manifest


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``manifest``."""
    manifest = sub.add_parser(
        "manifest",
        help="the software manifest (version, file hashes, library versions) and its ID",
        description="Print DVW's software manifest: its version, the SHA-256 of each of its files and the versions "
        "of key libraries, hashed to one manifest_id that every result carries.",
    )
    add_json_flag(manifest)
    manifest.set_defaults(handler=run_manifest)


def run_manifest(args: argparse.Namespace) -> int:
    """``dvw manifest``."""
    manifest = current_manifest()
    # No built-in validation suite has run on this manifest yet (dvw selftest records that).
    validated = False
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
    say(f"  validated on this installation: {'yes' if validated else 'no'}")
    return EXIT_OK
