"""The envelope check as people read it: plain titles, units as written (cm², mm³, °), sensible rounding (no Qt).

The window's check tables and anything else that shows a check to a person take their rows from
:func:`check_rows`: one row per envelope parameter (title from the measurement registry, value, unit, limits, status,
margin, the envelope's rationale for the range and the measurement's description), then one per constraint. The
values are only rounded for showing: the check itself compares the exact values (:mod:`validation.check`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from validation.envelope import Envelope

#: Units as people write them (pint's spelling -> the usual symbol); the window may translate the words among them.
UNIT_SYMBOLS = {
    "1": "",
    "dimensionless": "",
    "degree": "°",
    "deg": "°",
    "year": "years",
    "mm**2": "mm²",
    "cm**2": "cm²",
    "m**2": "m²",
    "mm**3": "mm³",
    "cm**3": "cm³",
    "ml": "mL",
    "milliliter": "mL",
}


def unit_text(unit: str) -> str:
    """``unit`` (as pint spells it) as people write it: ``cm**2`` -> ``cm²``, ``degree`` -> ``°``, ``1`` -> ``""``."""
    found = UNIT_SYMBOLS.get(unit.strip())
    if found is not None:
        return found
    return unit.replace("**2", "²").replace("**3", "³").replace("*", "·")


def number_text(value: Any) -> str:
    """A value rounded for reading: 3 significant digits below 10, one decimal below 100, whole numbers above.

    Integers and booleans are shown as they are; None as ``-``; trailing zeros are dropped (``2.0`` -> ``2``).
    """
    if value is None:
        return "-"
    if isinstance(value, int):  # bool too
        return str(int(value))
    if not isinstance(value, float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return str(value)
    if not math.isfinite(value):
        return str(value)
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 100:
        decimals = 0
    elif size >= 10:
        decimals = 1
    else:
        decimals = min(4, max(2, 2 - math.floor(math.log10(size))))
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class CheckRow:
    """One row of a check as shown to a person.

    Attributes
    ----------
    name
        The parameter's registered name (``design.min_wall_thickness``) or the constraint's id.
    title
        The plain title (the registry's; the name itself when unregistered); English.
    kind
        ``parameter`` or ``constraint``.
    value, minimum, maximum, margin
        Rounded texts (:func:`number_text`); ``""`` where a constraint has none.
    unit
        As people write it (:func:`unit_text`), English words.
    status
        The check's status (``within``, ``near_limit``, ``below``, ``above``, ``missing``; ``satisfied``,
        ``violated`` for constraints).
    flagged
        Whether the row fails the envelope (out of range, a required value missing, a constraint not satisfied).
    rationale
        The envelope's rationale for the range ("" when it gives none).
    description
        How the value is measured (the registry's description; "" when unregistered).
    detail
        Why a value is missing, or the constraint's evaluation ("" otherwise).
    """

    name: str
    title: str
    kind: str
    value: str
    unit: str
    minimum: str
    maximum: str
    status: str
    margin: str
    flagged: bool
    rationale: str = ""
    description: str = ""
    detail: str = ""


def _registry() -> Mapping[str, tuple[str, str]]:
    from validation.registry import REGISTRY  # noqa: PLC0415 - the measurement code loads when a check is shown

    return {m.name: (m.title, m.description) for m in REGISTRY}


def _rationales(envelope: Envelope | None) -> dict[str, str]:
    if envelope is None:
        return {}
    found = {p.name: p.rationale for p in envelope.parameters}
    found.update({c.id: c.rationale for c in envelope.constraints})
    return found


def check_rows(check: Mapping[str, Any], envelope: Envelope | None = None) -> tuple[CheckRow, ...]:
    """The rows of a check result's JSON (``CheckResult.to_json()`` or a ``check_run`` payload).

    Parameters
    ----------
    check
        The check's JSON: ``results`` and ``constraints`` as :mod:`validation.check` writes them.
    envelope
        The envelope checked against, for its rationales (None: rows without them).
    """
    registry = _registry()
    rationales = _rationales(envelope)
    rows: list[CheckRow] = []
    results = check.get("results", [])
    for item in results if isinstance(results, Sequence) else []:
        name = str(item.get("name", ""))
        status = str(item.get("status", ""))
        title, description = registry.get(name, (name, ""))
        flagged = status in ("below", "above") or (status == "missing" and bool(item.get("required", True)))
        rows.append(
            CheckRow(
                name=name,
                title=title,
                kind="parameter",
                value=number_text(item.get("value")),
                unit=unit_text(str(item.get("unit", ""))),
                minimum=number_text(item.get("min")),
                maximum=number_text(item.get("max")),
                status=status,
                margin=number_text(item.get("margin")),
                flagged=flagged,
                rationale=rationales.get(name, ""),
                description=description,
                detail=str(item.get("reason", "") or ""),
            )
        )
    constraints = check.get("constraints", [])
    for item in constraints if isinstance(constraints, Sequence) else []:
        ident = str(item.get("id", ""))
        status = str(item.get("status", ""))
        rows.append(
            CheckRow(
                name=ident,
                title=ident,
                kind="constraint",
                value="",
                unit="",
                minimum="",
                maximum="",
                status=status,
                margin="",
                flagged=status != "satisfied",
                rationale=rationales.get(ident, ""),
                detail=str(item.get("detail", "") or ""),
            )
        )
    return tuple(rows)
