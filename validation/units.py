"""Units for DVW: one pint registry working in exact decimals, and the few helpers the envelope check needs.

Every measured parameter and every design-envelope limit carries a unit spelt the way pint spells it (``mm``,
``mm**2``, ``degree``, ``year``, ``kg``; ``1`` for dimensionless counts and flags). Comparisons against an
envelope are made after converting the measured value to the envelope's unit **in decimal arithmetic**, so that
scale changes between metric units are exact: 18 mm is exactly 1.8 cm and lies exactly on a 1.8 cm limit.

A float value is brought into decimal arithmetic through its shortest round-tripping text (``repr``), so
``1.8`` becomes ``Decimal("1.8")`` and not the binary neighbour ``1.8000000000000000444...``.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from tokenize import TokenError
from typing import Any

import pint

from validation.errors import UnitError

#: The unit string that means "dimensionless" (counts such as shells, flags such as watertight).
DIMENSIONLESS = "1"
#: The longest unit string accepted: real ones are a few characters ("mm**2"); pint's parser recurses per operator.
MAX_UNIT_LENGTH = 64
#: The range of a unit's size in SI base units (a yottametre is 1e24 m): beyond it, conversions leave the range of
#: a double and unit arithmetic the range of the decimal context.
UNIT_SIZE_RANGE = (Decimal("1e-300"), Decimal("1e300"))


@cache
def registry() -> pint.UnitRegistry[Any]:
    """DVW's single unit registry, whose quantities hold ``Decimal`` magnitudes.

    Returns
    -------
    pint.UnitRegistry
        The registry (created on first use; pint registries are expensive to build).
    """
    return pint.UnitRegistry(non_int_type=Decimal)


def parse_unit(unit: str) -> pint.Unit:
    """Parse and check a unit string.

    Parameters
    ----------
    unit
        A pint unit expression such as ``mm``, ``mm**2``, ``degree`` or ``1`` (dimensionless).

    Returns
    -------
    pint.Unit
        The parsed unit.

    Raises
    ------
    UnitError
        When the string is empty or longer than :data:`MAX_UNIT_LENGTH`, names an unknown unit, is not a valid unit
        expression, carries a number (``2 mm`` is a quantity, not a unit), or is a unit whose size in SI base
        units is outside :data:`UNIT_SIZE_RANGE` (``Ym**30/mm**29``).
    """
    if not isinstance(unit, str) or not unit.strip():
        raise UnitError(f"empty unit {unit!r} (write '1' for a dimensionless value)")
    text = unit.strip()
    if len(text) > MAX_UNIT_LENGTH:
        raise UnitError(f"not a unit: {text[:20]!r}... is {len(text)} characters long (at most {MAX_UNIT_LENGTH})")
    ureg = registry()
    try:
        quantity = ureg.parse_expression(text)
    except pint.UndefinedUnitError as exc:
        raise UnitError(f"unknown unit {unit!r} ({exc})") from None
    except (
        pint.PintError,
        AssertionError,
        SyntaxError,
        TypeError,
        ValueError,
        ArithmeticError,
        TokenError,
        RecursionError,
    ):
        # pint's expression parser raises assorted built-in errors on malformed text ("mm +", "(mm", "mm/0").
        raise UnitError(f"not a unit expression: {unit!r}") from None
    if not isinstance(quantity, ureg.Quantity) or quantity.magnitude != 1:
        raise UnitError(f"not a unit: {unit!r} carries a number (write the unit alone, e.g. 'mm')")
    parsed = ureg.Unit(quantity.units)
    low, high = UNIT_SIZE_RANGE
    try:
        size = abs(Decimal(ureg.Quantity(Decimal(1), parsed).to_base_units().magnitude))
    except (pint.PintError, ArithmeticError, TypeError, ValueError):
        size = Decimal(0)
    if not low <= size <= high:
        raise UnitError(f"not a usable unit: one {unit!r} is not between 1e-300 and 1e300 of its SI base unit")
    return parsed


def dimensionally_compatible(a: str, b: str) -> bool:
    """Whether values in units ``a`` and ``b`` measure the same kind of quantity (and so can be converted).

    Parameters
    ----------
    a, b
        Unit strings (see :func:`parse_unit`).

    Returns
    -------
    bool
        True when both units have the same dimensionality (``mm`` and ``cm``; ``1`` and ``percent``).

    Raises
    ------
    UnitError
        When either unit is not a valid unit.
    """
    return bool(parse_unit(a).dimensionality == parse_unit(b).dimensionality)


def to_decimal(value: float | int | Decimal) -> Decimal:
    """``value`` as an exact decimal: floats through their shortest round-tripping text.

    Parameters
    ----------
    value
        A finite number.

    Returns
    -------
    Decimal
        ``Decimal(repr(value))`` for a float (so 1.8 gives ``Decimal("1.8")``), the value itself otherwise.

    Raises
    ------
    UnitError
        When ``value`` is not a finite number (NaN, infinity, a bool or not a number at all).
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise UnitError(f"not a number: {value!r}")
    result = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not result.is_finite():
        raise UnitError(f"not a finite number: {value!r}")
    return result


def convert(value: float | int | Decimal, unit: str, target: str) -> Decimal:
    """Convert ``value`` from ``unit`` to ``target`` in decimal arithmetic.

    Scale changes between units defined by decimal factors (mm, cm, m; mm**2, cm**2; g, kg) are exact. Factors
    that are not decimal fractions (degree to radian) are rounded to the decimal context's precision (28
    significant digits by default).

    Parameters
    ----------
    value
        The value in ``unit`` (a float goes through :func:`to_decimal`).
    unit
        The unit ``value`` is in.
    target
        The unit wanted.

    Returns
    -------
    Decimal
        The value in ``target``.

    Raises
    ------
    UnitError
        When either unit is invalid, the units are not dimensionally compatible, ``value`` is not finite, or the
        converted value leaves the decimal context's range.
    """
    magnitude = to_decimal(value)
    source_unit, target_unit = parse_unit(unit), parse_unit(target)
    if source_unit.dimensionality != target_unit.dimensionality:
        raise UnitError(
            f"cannot convert {unit!r} to {target!r}: they measure different quantities "
            f"({source_unit.dimensionality} vs {target_unit.dimensionality})"
        )
    if source_unit == target_unit:
        return magnitude
    try:
        converted = registry().Quantity(magnitude, source_unit).to(target_unit).magnitude
        result = converted if isinstance(converted, Decimal) else Decimal(str(converted))
    except ArithmeticError:  # beyond the decimal context's exponent range
        raise UnitError(f"cannot convert {value!r} {unit} to {target!r}: the result is out of range") from None
    if not result.is_finite():
        raise UnitError(f"cannot convert {value!r} {unit} to {target!r}: the result is not a finite number")
    return result


def decimal_text(value: Decimal) -> str:
    """A decimal as its shortest plain text: ``2.0`` -> ``"2"``, ``1E+2`` -> ``"100"``, ``-0`` -> ``"0"``.

    Parameters
    ----------
    value
        A finite decimal.

    Returns
    -------
    str
        Plain notation (no exponent) without trailing zeros; equal decimals give equal text.
    """
    if value == 0:
        return "0"
    return format(value.normalize(), "f")
