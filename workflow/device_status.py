"""Where the device of a case's current revision stands in production, from the records log (no Qt).

The case list shows it beside the case's design state: a device that failed its final inspection is
**nonconforming** and is never released (T/CAMDI 4.10.1), whatever else was recorded; otherwise the furthest of:
``released`` (its ``released`` trace step or a later one), ``inspected`` (a passing inspection), ``built`` (a build
record or its ``manufactured`` step), ``assigned`` (a UDI and nothing more). A case whose current revision has no
UDI has no device (``none``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from base.progress import CancelToken, ProgressCallback, checkpoint, report

if TYPE_CHECKING:
    from records.cases import CaseState

NONE, ASSIGNED, BUILT, INSPECTED, RELEASED, NONCONFORMING = (
    "none",
    "assigned",
    "built",
    "inspected",
    "released",
    "nonconforming",
)
DEVICE_STATES = (NONE, ASSIGNED, BUILT, INSPECTED, RELEASED, NONCONFORMING)
#: The trace steps at or after the release.
_RELEASED_STEPS = ("released", "shipped", "received", "implanted")


def device_status(case: CaseState) -> str:
    """One of :data:`DEVICE_STATES` for the device of ``case``'s current revision (see the module docstring)."""
    from records.payloads import TraceEvent, read  # noqa: PLC0415
    from traceability.assignment import current_udi  # noqa: PLC0415
    from traceability.build import build_records  # noqa: PLC0415
    from traceability.inspection import conformity  # noqa: PLC0415
    from traceability.trace import trace_events  # noqa: PLC0415

    record = current_udi(case)
    if record is None:
        return NONE
    conforms = conformity(case, record)
    if conforms == "nonconforming":
        return NONCONFORMING
    serial = record.udi.serial
    steps = {read(event, TraceEvent).step for event in trace_events(case, serial)}
    if steps & set(_RELEASED_STEPS):
        return RELEASED
    if conforms == "conforming":
        return INSPECTED
    if "manufactured" in steps or build_records(case, serial):
        return BUILT
    return ASSIGNED


def device_states(
    cases: Sequence[CaseState], progress: ProgressCallback | None = None, cancel: CancelToken | None = None
) -> dict[str, str]:
    """Case code -> :func:`device_status` of each case (a job of the window: the traceability cores load here)."""
    result = {}
    for case in cases:
        checkpoint(cancel)
        result[case.code] = device_status(case)
    report(progress, 1.0, "done")
    return result
