"""The ``dvw`` sub-commands, one module per area; each module registers its parsers here."""

from __future__ import annotations

import argparse

from app.commands import (
    bundle_commands,
    check_commands,
    imaging_commands,
    measure_commands,
    mesh_commands,
    pipeline_commands,
    records_commands,
    report_commands,
    segment_commands,
    sign_commands,
    sync_commands,
    system_commands,
    trace_commands,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register every sub-command on ``sub``."""
    imaging_commands.register(sub)
    segment_commands.register(sub)
    mesh_commands.register(sub)
    measure_commands.register(sub)
    check_commands.register(sub)
    pipeline_commands.register(sub)
    system_commands.register(sub)
    records_commands.register(sub)
    report_commands.register(sub)
    sign_commands.register(sub)
    bundle_commands.register(sub)
    trace_commands.register(sub)
    sync_commands.register(sub)
