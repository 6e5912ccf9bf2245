"""The ``dvw`` sub-commands, one module per area; each module registers its parsers here.

Only the module of the command being run is imported (with the cores it needs): the others are listed by name and
help text, which is all ``dvw --help`` shows. A command's own ``--help`` and its arguments come from its module.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Mapping

#: Command name -> (the module that registers it, its one-line help), in the order ``dvw --help`` lists them.
COMMANDS: Mapping[str, tuple[str, str]] = {
    "scan": ("imaging_commands", "find every DICOM series under a folder"),
    "import": ("imaging_commands", "assemble one series into a volume file"),
    "deidentify": ("imaging_commands", "de-identify DICOM for export (DICOM basic confidentiality profile)"),
    "segment": ("segment_commands", "threshold a volume into a mask"),
    "segment-presets": ("segment_commands", "list the HU presets of 'dvw segment'"),
    "mesh": ("mesh_commands", "mesh a mask or a volume at a threshold"),
    "mesh-info": ("mesh_commands", "metrics of a mesh file"),
    "measure": ("measure_commands", "measure every registered parameter the inputs allow"),
    "parameters": ("measure_commands", "list the measurement registry"),
    "fea": ("fea_commands", "finite-element analysis of a design under its load cases"),
    "check": ("check_commands", "check measured parameters against a design envelope"),
    "envelope": ("check_commands", "design-envelope files"),
    "run": ("pipeline_commands", "the whole pipeline: DICOM folder to verdict"),
    "demo": ("pipeline_commands", "run DVW on the bundled sample case"),
    "manifest": ("system_commands", "the software manifest (version, file hashes, library versions) and its ID"),
    "selftest": ("system_commands", "run the built-in validation suite and record the result for this software"),
    "setup": ("sign_commands", "set up this workstation: its first administrator"),
    "user": ("sign_commands", "add, list, disable and manage users"),
    "reverify": ("sign_commands", "record the re-verification of a case"),
    "sign": ("sign_commands", "sign a case's check"),
    "case": ("records_commands", "create, list and show cases in the local store"),
    "audit": ("records_commands", "audit the local store"),
    "change": ("change_commands", "change a case's design, or acknowledge a change"),
    "proposal": ("change_commands", "write and record a case's design proposal"),
    "report": ("report_commands", "write a case's report (PDF)"),
    "bundle": ("bundle_commands", "export or import a case bundle (offline transfer)"),
    "udi": ("trace_commands", "assign a signed case's unique device identifier"),
    "label": ("trace_commands", "write the device label (GS1 DataMatrix + HRI)"),
    "trace": ("trace_commands", "record and export a device's trace events"),
    "build": ("production_commands", "record how a device was built (printer, material lots, operator, ...)"),
    "inspect": ("production_commands", "inspect a device: its 3D scan against its design"),
    "sync": ("sync_commands", "exchange events and artifacts with the sync server"),
    "serve": ("sync_commands", "run the company sync server"),
    "server": ("sync_commands", "administer the sync server's database"),
    "site": ("sync_commands", "this workstation as a site of the sync server"),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], command: str | None = None) -> None:
    """Register the sub-commands on ``sub``.

    Parameters
    ----------
    sub
        The ``dvw`` parser's sub-parsers.
    command
        The command being run: only its module is imported; every other command gets a placeholder parser with
        its help text. None registers every module (slower: every core package is imported).
    """
    if command is not None and command in COMMANDS:
        modules = [COMMANDS[command][0]]
    else:
        modules = list(dict.fromkeys(module for module, _ in COMMANDS.values()))
    for name in modules:
        importlib.import_module(f"app.commands.{name}").register(sub)
    registered = set(sub.choices)
    for name, (_module, text) in COMMANDS.items():
        if name not in registered:
            sub.add_parser(name, help=text)
