"""``dvw check`` and ``dvw envelope validate``: the design-envelope check (REQUIREMENTS 4.5.2.1 b) and its files."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli import (
    EXIT_BAD_INPUT,
    EXIT_INDETERMINATE,
    EXIT_OK,
    EXIT_OUT_OF_ENVELOPE,
    UsageError,
    add_json_flag,
    emit_json,
    say,
)

if TYPE_CHECKING:
    from validation.errors import ValidationError

_CHECK_HELP = (
    "Compare a case's measured parameters (PARAMS.json, from 'dvw measure') with a validated design envelope "
    "(TOML). Exit 0 when the case is within the envelope, 3 when it is out of it, 4 when it is indeterminate (a "
    "required value is missing or unmeasurable), 2 when either file is malformed. Anything but 'within' means the "
    "case needs re-evaluation and re-verification."
)
_VALIDATE_HELP = (
    "Parse a design-envelope file and check it against the parameter registry; report its id, version and "
    "canonical SHA-256, or the first error with its line number (exit 2)."
)
_VERDICT_EXIT = {"within": EXIT_OK, "out_of_envelope": EXIT_OUT_OF_ENVELOPE, "indeterminate": EXIT_INDETERMINATE}
_VERDICT_TEXT = {
    "within": "WITHIN the validated envelope: design evaluation may rest on the validation",
    "out_of_envelope": "OUT OF ENVELOPE: re-evaluate and re-verify this case (REQUIREMENTS 4.5.2.1 b)",
    "indeterminate": (
        "INDETERMINATE (a required value is missing, or a value lies within its uncertainty of a limit): "
        "re-evaluate and re-verify this case"
    ),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``check`` and ``envelope validate``."""
    check = sub.add_parser("check", help="check measured parameters against a design envelope", description=_CHECK_HELP)
    check.add_argument("--envelope", required=True, metavar="ENVELOPE.toml", help="the design-envelope file")
    check.add_argument("--parameters", required=True, metavar="PARAMS.json", help="measured parameters (dvw measure)")
    add_json_flag(check)
    check.set_defaults(handler=run_check)

    envelope = sub.add_parser("envelope", help="design-envelope files", description="Work with design-envelope files.")
    actions = envelope.add_subparsers(dest="envelope_command", metavar="ACTION", parser_class=type(envelope))
    validate = actions.add_parser("validate", help="parse and check an envelope file", description=_VALIDATE_HELP)
    validate.add_argument("file", metavar="FILE", help="design-envelope file (TOML)")
    add_json_flag(validate)
    validate.set_defaults(handler=run_envelope_validate)
    envelope.set_defaults(handler=_envelope_without_action)


def _envelope_without_action(_args: argparse.Namespace) -> int:
    """``dvw envelope`` alone: say which actions exist."""
    raise UsageError("dvw envelope: give an action: validate FILE")


def _error_json(exc: ValidationError) -> dict[str, Any]:
    """The CLI's error object plus the line at fault (null when not about a line)."""
    return {"code": exc.code, "message": exc.message, "path": exc.path, "line": exc.line}


def run_check(args: argparse.Namespace) -> int:
    """``dvw check --envelope ENVELOPE.toml --parameters PARAMS.json``."""
    from validation.check import check  # noqa: PLC0415 - the cores are imported lazily for start-up time
    from validation.envelope import load_envelope  # noqa: PLC0415
    from validation.errors import ParameterFileError, ValidationError  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415
    from validation.parameters import read_parameters  # noqa: PLC0415

    try:
        envelope = load_envelope(args.envelope)
        parameters = read_parameters(args.parameters)
        try:
            result = check(envelope, parameters, manifest_id=current_manifest().manifest_id)
        except ParameterFileError as exc:  # a unit the envelope cannot compare with: name the file at fault
            raise ParameterFileError(f"{args.parameters}: {exc.message}", path=str(args.parameters)) from None
    except ValidationError as exc:
        if args.json:
            emit_json({"error": _error_json(exc)})
        say(f"dvw: error: {exc.message}")
        return EXIT_BAD_INPUT
    payload = result.to_json()
    if args.json:
        emit_json(payload)
    else:
        _print_check(payload)
    return _VERDICT_EXIT[result.verdict]


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _print_check(payload: dict[str, Any]) -> None:
    envelope = payload["envelope"]
    say(f"envelope {envelope['id']} {envelope['version']} ({envelope['family']}), sha256 {envelope['sha256'][:16]}")
    say(f"parameters sha256 {payload['parameters_sha256'][:16]}")
    header = ("parameter", "value", "unit", "min", "max", "margin", "status")
    rows = [header]
    for item in payload["results"]:
        status = item["status"] if item["required"] or item["status"] != "missing" else "missing (optional)"
        rows.append(
            (
                item["name"],
                _text(item["value"]),
                item["unit"],
                _text(item["min"]),
                _text(item["max"]),
                _text(item["margin"]),
                status.upper() if status in ("below", "above") else status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        say("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    for item in payload["constraints"]:
        status = item["status"].upper() if item["status"] == "violated" else item["status"]
        say(f"  constraint {item['id']}: {status}: {item['detail']}")
    say(f"verdict: {_VERDICT_TEXT[payload['verdict']]}")


def run_envelope_validate(args: argparse.Namespace) -> int:
    """``dvw envelope validate FILE``."""
    from validation.envelope import load_envelope  # noqa: PLC0415 - the cores are imported lazily for start-up time
    from validation.errors import ValidationError  # noqa: PLC0415

    try:
        envelope = load_envelope(args.file)
    except ValidationError as exc:
        if args.json:
            emit_json({"valid": False, "error": _error_json(exc)})
        say(f"dvw: error: {exc.message}")
        return EXIT_BAD_INPUT
    payload = {
        "valid": True,
        "path": str(args.file),
        "id": envelope.id,
        "version": envelope.version,
        "family": envelope.family,
        "title": envelope.title,
        "validation_report": envelope.validation_report,
        "approved_by": envelope.approved_by,
        "approved_on": envelope.approved_on.isoformat(),
        "sha256": envelope.sha256,
        "parameters": len(envelope.parameters),
        "constraints": len(envelope.constraints),
    }
    if args.json:
        emit_json(payload)
        return EXIT_OK
    say(f"{args.file}: valid envelope {envelope.id} {envelope.version} ({envelope.family}): {envelope.title}")
    say(f"  parameters: {len(envelope.parameters)}, constraints: {len(envelope.constraints)}, sha256 {envelope.sha256}")
    say(f"  validated by {envelope.validation_report}; approved by {envelope.approved_by} on {envelope.approved_on}")
    return EXIT_OK
