"""The ``dvw`` command line: parsing, output conventions and error handling shared by every command.

Conventions (see CLI.md): ``--json`` prints exactly one JSON object on stdout; human text and progress go to
stderr. Exit codes: 0 ok, 1 internal error (a bug), 2 bad input or refused operation (one line, no traceback),
3 out of envelope, 4 indeterminate. With ``--json`` failures print ``{"error": {"code", "message", "path"}}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

from app.crashlog import write_crash_log
from base.errors import DvwError
from base.progress import Cancelled

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_OUT_OF_ENVELOPE = 3
EXIT_INDETERMINATE = 4
#: Commands that allocate and free volume- and mesh-sized arrays many times: their process keeps freed memory for
#: reuse instead of having the kernel fault in and zero it again, and takes 4 KiB pages so that no first touch waits
#: for the kernel to compact memory into huge pages (:mod:`base.memory`). ``import`` keeps glibc's default, so that
#: its peak memory stays near the volume's size.
KEEP_FREED_MEMORY = frozenset({"segment", "mesh", "measure", "run", "demo"})

log = logging.getLogger("dvw")


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""

    code = "usage"

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


Handler = Callable[[argparse.Namespace], int]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``dvw`` parser, with every sub-command's own parser or only ``command``'s.

    The other commands are then listed by name and help (see :mod:`app.commands`): only the command being run
    loads its modules.
    """
    from app import commands  # noqa: PLC0415 - the command modules import the cores lazily for start-up time

    parser = _Parser(
        prog="dvw",
        description="DVW design-validation workstation: import, measure and check patient-specific device designs.",
    )
    parser.add_argument("--version", action="store_true", help="print DVW's version and exit")
    parser.add_argument(
        "--home",
        metavar="DIR",
        default=os.environ.get("DVW_HOME"),
        help="local store folder (default: $DVW_HOME or the platform user-data folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # _SubParsersAction is invariant in its parser type; every command module registers plain ArgumentParsers.
    commands.register(cast("argparse._SubParsersAction[argparse.ArgumentParser]", sub), command)
    _global_options_after_the_command(parser)
    return parser


def _global_options_after_the_command(parser: argparse.ArgumentParser) -> None:
    """Accept ``--home DIR`` after the command too (``dvw demo --home DIR``, as CLI.md writes it).

    Every command's own parser gets ``--home`` with a suppressed default: given after the command it sets the same
    ``home`` the global option does; not given there, the global value (or ``$DVW_HOME``) stays.
    """
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:  # argparse keeps sub-parsers only here
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
        if current is parser or any("--home" in action.option_strings for action in current._actions):
            continue
        if not any(isinstance(action, argparse._SubParsersAction) for action in current._actions):
            current.add_argument(
                "--home",
                metavar="DIR",
                default=argparse.SUPPRESS,
                help="local store folder (may also be given before the command)",
            )


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    """Add the common ``--json`` flag to a sub-command."""
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def emit_json(payload: dict[str, Any]) -> None:
    """Print ``payload`` as the command's single JSON object on stdout."""
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False, default=_json_default) + "\n")
    sys.stdout.flush()


def _json_default(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def say(message: str) -> None:
    """Print a human message on stderr."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _wants_json(argv: Sequence[str]) -> bool:
    return "--json" in argv


def _fail(code: str, message: str, path: str | None, as_json: bool, status: int) -> int:
    if as_json:
        emit_json({"error": {"code": code, "message": message, "path": path}})
    say(f"dvw: error: {message}")
    return status


def _gui_request(args: Sequence[str]) -> str | None:
    """For ``dvw`` and ``dvw --home DIR`` (no command): the home to open the window with ("" for the default).

    None for anything else, which the full parser handles (help, version, commands, errors).
    """
    if not args:
        return os.environ.get("DVW_HOME", "")
    if len(args) == 2 and args[0] == "--home":
        return args[1]
    if len(args) == 1 and args[0].startswith("--home="):
        return args[0].split("=", 1)[1]
    return None


def _version() -> str:
    """DVW's version, as installed (the same the software manifest records), without hashing the installation."""
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 - only for --version

    try:
        return version("dvw")
    except PackageNotFoundError:  # as validation.manifest records it then
        return "0+unknown"


def _command_of(args: Sequence[str]) -> str | None:
    """The command named in ``args`` (the first word that is neither a global option nor its value), or None."""
    skip = False
    for word in args:
        if skip:
            skip = False
        elif word == "--home":
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def _start_gui(home: str | None) -> int:
    """``dvw`` with no command: open the workstation window (PySide6 is imported only here, for start-up time)."""
    try:
        from app.gui.app import run_gui  # noqa: PLC0415
    except ImportError as exc:
        raise UsageError(f"the GUI cannot start ({exc}); give a command (dvw --help lists them)") from None
    return run_gui(home)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``dvw`` command line and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(args_list)
    try:
        gui_home = _gui_request(args_list)
        if gui_home is not None:  # before the full parser: it imports every command module (seconds)
            return _start_gui(gui_home or None)
        command = _command_of(args_list)
        if command is None and "--version" in args_list:  # before any command module is loaded
            sys.stdout.write(f"dvw {_version()}\n")
            return EXIT_OK
        parser = build_parser(command)
        args = parser.parse_args(args_list)
        if args.version:
            sys.stdout.write(f"dvw {_version()}\n")
            return EXIT_OK
        handler: Handler | None = getattr(args, "handler", None)
        if handler is None:
            return _start_gui(args.home)
        if command in KEEP_FREED_MEMORY:
            from base.memory import keep_freed_memory, use_small_pages  # noqa: PLC0415 - ctypes, these commands only

            keep_freed_memory()
            use_small_pages()
        return handler(args)
    except UsageError as exc:
        return _fail(exc.code, exc.message, exc.path, as_json, EXIT_BAD_INPUT)
    except DvwError as exc:  # bad input or a refused operation in any core package: exit 2, one line
        return _fail(exc.code, exc.message, exc.path, as_json, EXIT_BAD_INPUT)
    except Cancelled:
        return _fail("cancelled", "cancelled; nothing was written", None, as_json, EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return _fail("interrupted", "interrupted; nothing was written", None, as_json, EXIT_BAD_INPUT)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a bug, reported as exit 1 with a log file
        logged = write_crash_log(exc, "crash")
        where = f" (details in {logged})" if logged else ""
        return _fail(
            "internal", f"internal error (a bug): {type(exc).__name__}: {exc}{where}", None, as_json, EXIT_INTERNAL
        )


if __name__ == "__main__":
    raise SystemExit(main())
