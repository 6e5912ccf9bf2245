"""The envelope check: whether a case lies inside the validated design envelope (REQUIREMENTS 4.5.2.1 b).

Every parameter the envelope declares is looked up among the measured parameters, converted exactly (in decimal
arithmetic) to the envelope's unit and compared with its inclusive limits; then every constraint is evaluated.

A value inside its range is ``near_limit`` when its margin to the nearest limit is at most the parameter's
``near_limit`` band or at most its own measured uncertainty (converted to the envelope's unit): within its
uncertainty of a limit, the measurement cannot tell on which side the true value lies.

Verdict:

- ``out_of_envelope`` when a value is below or above its range, or a constraint is violated;
- otherwise ``indeterminate`` when a required value is missing (not measured, or not measurable) or a constraint
  cannot be evaluated because a value it needs is missing, or when the envelope says
  ``near_limit_blocks_within = true`` and a parameter is ``near_limit``, or when a mechanical result (``mech.*``,
  a finite-element figure whose uncertainty is its discretization error) lies within its uncertainty of a limit:
  the analysis cannot tell on which side of the limit the design is;
- otherwise ``within``.

Anything but ``within`` requires re-evaluation and re-verification of the case. Optional parameters that are missing
are reported but do not change the verdict; measured parameters the envelope does not mention are ignored.

Hull constraints are tested by linear programming: the case's point is inside when it is a convex combination of
the validated worst cases. Each axis is first scaled to the validated points' range (``(v - min) / (max - min)``;
an axis on which all points agree is scaled by ``max(|value|, 1)``), and the point counts as inside when its
Chebyshev (largest per-axis) distance to the hull, so scaled, is at most :data:`HULL_TOLERANCE`. The reported
distance is measured to a concrete hull point built from the solver's weights, so it never understates how far out
the point is beyond the solver's own accuracy. A one-parameter hull is just the interval between its extreme
points, tested exactly.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import numpy as np
from scipy.optimize import linprog

from validation.envelope import Envelope, EnvelopeParameter, HullConstraint, LinearConstraint
from validation.errors import ParameterFileError, UnitError
from validation.parameters import Parameters
from validation.units import convert, decimal_text

ParameterStatus = Literal["within", "near_limit", "below", "above", "missing"]
ConstraintStatus = Literal["satisfied", "violated", "missing"]
Verdict = Literal["within", "out_of_envelope", "indeterminate"]
#: Names of the finite-element results, whose uncertainty straddling a limit makes the verdict indeterminate.
MECHANICAL_PREFIX = "mech."

#: Largest Chebyshev distance from the hull, as a fraction of each axis's validated range, still counted inside.
HULL_TOLERANCE = 1e-9
#: Beyond this many validated ranges from the hull's bounding box on some axis, the hull test does not solve the
#: linear program (its numbers would dwarf its tolerances) and reports the distance to the bounding box, which is
#: within one range, so within a relative 1e-6, of the distance to the hull.
HULL_FAR = Decimal(10) ** 6
#: The largest magnitude a number in a check's JSON may have: the largest double.
DOUBLE_MAX = Decimal(sys.float_info.max)


@dataclass(frozen=True)
class ParameterResult:
    """How one envelope parameter compares with its range.

    Attributes
    ----------
    name
        Registered parameter name.
    unit
        The envelope's unit, in which ``value``, ``min``, ``max``, ``near_limit`` and ``margin`` are given.
    min, max
        The envelope's inclusive limits (None for an open side).
    near_limit
        The envelope's near-limit band (None for none).
    required
        Whether the envelope requires the value.
    status
        ``within``, ``near_limit`` (inside, at most ``near_limit`` or ``uncertainty`` from a limit), ``below``,
        ``above`` or ``missing``.
    value
        The measured value converted exactly to ``unit``; None when missing.
    margin
        Signed distance to the nearest limit in ``unit``: positive inside, zero on a limit, negative outside;
        None when missing.
    measured_value, measured_unit
        The value and unit as measured (None when the parameter is absent from the parameters file).
    reason
        Why the value is missing ("" otherwise).
    uncertainty
        The measured value's uncertainty converted to ``unit`` (None when the parameters file gives none).
    """

    name: str
    unit: str
    min: Decimal | None
    max: Decimal | None
    near_limit: Decimal | None
    required: bool
    status: ParameterStatus
    value: Decimal | None
    margin: Decimal | None
    measured_value: float | None = None
    measured_unit: str | None = None
    reason: str = ""
    uncertainty: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        """The result's JSON object: CLI.md's ``results`` item and more.

        The extra keys: ``near_limit``, ``required``, ``measured`` (value and unit as measured) and, when the value
        was measured with one, ``uncertainty`` (in ``unit``).
        """
        data: dict[str, Any] = {
            "name": self.name,
            "value": _number(self.value),
            "unit": self.unit,
            "min": _number(self.min),
            "max": _number(self.max),
            "status": self.status,
            "margin": _number(self.margin),
            "near_limit": _number(self.near_limit),
            "required": self.required,
            "measured": None
            if self.measured_unit is None
            else {"value": self.measured_value, "unit": self.measured_unit},
        }
        if self.uncertainty is not None:
            data["uncertainty"] = _number(self.uncertainty)
        if self.status == "missing":
            data["reason"] = self.reason
        return data


@dataclass(frozen=True)
class ConstraintResult:
    """How one envelope constraint is met.

    Attributes
    ----------
    id
        The constraint's id.
    type
        ``linear`` or ``hull``.
    status
        ``satisfied``, ``violated``, or ``missing`` (a value it needs is missing).
    detail
        One line: the evaluated left-hand side against the bound, or inside/outside the hull and by how much.
    missing
        Names of the missing values it needs.
    distance
        How far the case is outside: for a linear constraint in the constraint's own units (left-hand side
        beyond the bound), for a hull the scaled Chebyshev distance (or, for a one-parameter hull, the distance
        in the parameter's unit); 0 when satisfied, None when missing.
    """

    id: str
    type: Literal["linear", "hull"]
    status: ConstraintStatus
    detail: str
    missing: tuple[str, ...] = ()
    distance: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The result's JSON object (CLI.md ``constraints`` item, plus ``type``, ``missing``, ``distance``)."""
        return {
            "id": self.id,
            "status": self.status,
            "detail": self.detail,
            "type": self.type,
            "missing": list(self.missing),
            "distance": self.distance,
        }


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking one case's parameters against one envelope.

    Attributes
    ----------
    verdict
        ``within``, ``out_of_envelope`` or ``indeterminate`` (see the module docstring).
    envelope_id, envelope_version, envelope_sha256, family
        The envelope used, by id, version and canonical hash, and its device family.
    parameters_sha256
        Canonical hash of the measured parameters checked.
    results
        One result per envelope parameter, in the envelope's order.
    constraints
        One result per envelope constraint, in the envelope's order.
    manifest_id
        The software manifest that made the check ("" when not given).
    """

    verdict: Verdict
    envelope_id: str
    envelope_version: str
    envelope_sha256: str
    family: str
    parameters_sha256: str
    results: tuple[ParameterResult, ...]
    constraints: tuple[ConstraintResult, ...]
    manifest_id: str = ""

    @property
    def requires_reverification(self) -> bool:
        """Whether the case needs re-evaluation and re-verification (any verdict but ``within``)."""
        return self.verdict != "within"

    def to_json(self) -> dict[str, Any]:
        """The check's JSON object, as ``dvw check --json`` prints it (CLI.md, plus ``family``)."""
        return {
            "verdict": self.verdict,
            "requires_reverification": self.requires_reverification,
            "envelope": {
                "id": self.envelope_id,
                "version": self.envelope_version,
                "sha256": self.envelope_sha256,
                "family": self.family,
            },
            "parameters_sha256": self.parameters_sha256,
            "results": [r.to_json() for r in self.results],
            "constraints": [c.to_json() for c in self.constraints],
            "manifest_id": self.manifest_id,
        }


def _number(value: Decimal | None) -> float | int | None:
    """A decimal as a JSON number (an int when integral, so 18 prints as 18 rather than 18.0).

    A derived number beyond the range of a double (a margin or distance between limits near 1e308) is given as the
    largest double of its sign, never as infinity, which JSON cannot hold; statuses and verdicts are decided on the
    exact decimals, and the ``detail`` texts spell them out in full.
    """
    if value is None:
        return None
    if value == value.to_integral_value() and abs(value) < 2**53:
        return int(value)
    return _float(value)


def _float(value: Decimal) -> float:
    """``value`` as the nearest double, saturated at the largest finite double."""
    return float(max(-DOUBLE_MAX, min(DOUBLE_MAX, value)))


def check(envelope: Envelope, parameters: Parameters, manifest_id: str = "") -> CheckResult:
    """Check measured parameters against a design envelope.

    Parameters
    ----------
    envelope
        The validated design envelope.
    parameters
        The case's measured parameters (values in any unit compatible with the envelope's).
    manifest_id
        The software manifest making the check, recorded in the result.

    Returns
    -------
    CheckResult
        Per-parameter and per-constraint results and the verdict.

    Raises
    ------
    ParameterFileError
        When a measured value's unit is unknown or measures a different quantity than the envelope's unit.
    """
    results = tuple(_check_parameter(p, parameters) for p in envelope.parameters)
    values = {r.name: r.value for r in results}
    units = {r.name: r.unit for r in results}
    constraints = tuple(
        _check_linear(c, values, units) if isinstance(c, LinearConstraint) else _check_hull(c, values, units)
        for c in envelope.constraints
    )
    verdict: Verdict = "within"
    if any(r.status in ("below", "above") for r in results) or any(c.status == "violated" for c in constraints):
        verdict = "out_of_envelope"
    else:
        missing = any(r.status == "missing" and r.required for r in results) or any(
            c.status == "missing" for c in constraints
        )
        blocked = envelope.near_limit_blocks_within and any(r.status == "near_limit" for r in results)
        if missing or blocked or any(_straddles(r) for r in results):
            verdict = "indeterminate"
    return CheckResult(
        verdict=verdict,
        envelope_id=envelope.id,
        envelope_version=envelope.version,
        envelope_sha256=envelope.sha256,
        family=envelope.family,
        parameters_sha256=parameters.sha256,
        results=results,
        constraints=constraints,
        manifest_id=manifest_id,
    )


def _straddles(result: ParameterResult) -> bool:
    """Whether a mechanical result's uncertainty reaches across one of its limits (see the module docstring)."""
    return (
        result.name.startswith(MECHANICAL_PREFIX)
        and result.status == "near_limit"
        and result.uncertainty is not None
        and result.margin is not None
        and result.margin <= result.uncertainty
    )


def _check_parameter(limits: EnvelopeParameter, parameters: Parameters) -> ParameterResult:
    measured = parameters.get(limits.name)
    common: dict[str, Any] = {
        "name": limits.name,
        "unit": limits.unit,
        "min": limits.min,
        "max": limits.max,
        "near_limit": limits.near_limit,
        "required": limits.required,
    }
    if measured is None:
        return ParameterResult(**common, status="missing", value=None, margin=None, reason="not in the parameters file")
    if measured.value is None:
        return ParameterResult(
            **common,
            status="missing",
            value=None,
            margin=None,
            measured_unit=measured.unit,
            reason=measured.reason or "not measurable on this case",
        )
    try:
        value = convert(measured.value, measured.unit, limits.unit)
    except UnitError as exc:
        raise ParameterFileError(
            f"{limits.name}: the measured unit {measured.unit!r} cannot be compared with the envelope's unit "
            f"{limits.unit!r}: {exc.message}"
        ) from None
    if abs(value) > DOUBLE_MAX:
        raise ParameterFileError(
            f"{limits.name}: the measured {measured.value!r} {measured.unit} is {value:.4g} {limits.unit}, beyond "
            "the range of numbers a check works with (about 1.8e308)"
        )
    uncertainty = None
    if measured.uncertainty is not None:
        # A difference of two values: converted by the units' scale alone (the offset of an affine unit cancels).
        uncertainty = abs(
            convert(measured.uncertainty, measured.unit, limits.unit) - convert(0, measured.unit, limits.unit)
        )
    distances = []
    if limits.min is not None:
        distances.append(value - limits.min)
    if limits.max is not None:
        distances.append(limits.max - value)
    margin = min(distances)
    status: ParameterStatus
    if limits.min is not None and value < limits.min:
        status = "below"
    elif limits.max is not None and value > limits.max:
        status = "above"
    elif (limits.near_limit is not None and margin <= limits.near_limit) or (
        uncertainty is not None and margin <= uncertainty
    ):
        status = "near_limit"
    else:
        status = "within"
    return ParameterResult(
        **common,
        status=status,
        value=value,
        margin=margin,
        measured_value=measured.value,
        measured_unit=measured.unit,
        uncertainty=uncertainty,
    )


def _missing(names: Sequence[str], values: Mapping[str, Decimal | None]) -> tuple[str, ...]:
    return tuple(name for name in names if values.get(name) is None)


def _check_linear(
    constraint: LinearConstraint, values: Mapping[str, Decimal | None], units: Mapping[str, str]
) -> ConstraintResult:
    missing = _missing(constraint.parameter_names, values)
    if missing:
        return ConstraintResult(
            constraint.id, "linear", "missing", f"cannot evaluate: missing value of {', '.join(missing)}", missing
        )
    lhs = Decimal(0)
    text = []
    for name, coefficient in constraint.terms:
        value = values[name]
        assert value is not None  # checked by _missing above
        lhs += coefficient * value
        sign = "-" if coefficient < 0 else "+"
        text.append(f"{sign} {decimal_text(abs(coefficient))}*{name}[{decimal_text(value)} {units[name]}]")
    expression = " ".join(text).removeprefix("+ ")
    excess = lhs - constraint.bound if constraint.op == "<=" else constraint.bound - lhs
    satisfied = excess <= 0
    verdict = "satisfied" if satisfied else f"violated by {decimal_text(excess)}"
    detail = f"{expression} = {decimal_text(lhs)} {constraint.op} {decimal_text(constraint.bound)}: {verdict}"
    return ConstraintResult(
        constraint.id,
        "linear",
        "satisfied" if satisfied else "violated",
        detail,
        distance=0.0 if satisfied else _float(excess),
    )


def _check_hull(
    constraint: HullConstraint, values: Mapping[str, Decimal | None], units: Mapping[str, str]
) -> ConstraintResult:
    names = constraint.parameters
    missing = _missing(names, values)
    if missing:
        return ConstraintResult(
            constraint.id, "hull", "missing", f"cannot evaluate: missing value of {', '.join(missing)}", missing
        )
    point = tuple(v for v in (values[name] for name in names) if v is not None)
    count = len(constraint.points)
    if len(names) == 1:
        return _check_interval(constraint, point[0], units[names[0]])
    distance = hull_distance(constraint.points, point)
    where = ", ".join(f"{name}={decimal_text(v)} {units[name]}" for name, v in zip(names, point, strict=True))
    if distance <= HULL_TOLERANCE:
        detail = f"({where}) is inside the convex hull of the {count} validated worst cases"
        return ConstraintResult(constraint.id, "hull", "satisfied", detail, distance=0.0)
    detail = (
        f"({where}) is outside the convex hull of the {count} validated worst cases by {distance:.4g} of the "
        "validated range (largest per-axis distance, each axis scaled to the worst cases' range)"
    )
    return ConstraintResult(constraint.id, "hull", "violated", detail, distance=distance)


def _check_interval(constraint: HullConstraint, value: Decimal, unit: str) -> ConstraintResult:
    name = constraint.parameters[0]
    low = min(p[0] for p in constraint.points)
    high = max(p[0] for p in constraint.points)
    outside = max(low - value, value - high, Decimal(0))
    span = f"{decimal_text(low)}..{decimal_text(high)} {unit}"
    if outside == 0:
        detail = f"{name}={decimal_text(value)} {unit} is inside the validated worst cases' range {span}"
        return ConstraintResult(constraint.id, "hull", "satisfied", detail, distance=0.0)
    detail = (
        f"{name}={decimal_text(value)} {unit} is outside the validated worst cases' range {span} "
        f"by {decimal_text(outside)} {unit}"
    )
    return ConstraintResult(constraint.id, "hull", "violated", detail, distance=_float(outside))


def hull_distance(points: Sequence[Sequence[Decimal]], point: Sequence[Decimal]) -> float:
    """Scaled Chebyshev distance from ``point`` to the convex hull of ``points`` (0 inside, up to solver accuracy).

    Works in any dimension and for degenerate hulls (coincident, collinear or coplanar points).

    Parameters
    ----------
    points
        The hull's vertices (at least one), each with as many coordinates as ``point``.
    point
        The point to test.

    Returns
    -------
    float
        ``max_d |y_d - x_d|`` minimised over hull points ``y``, each axis ``d`` scaled by the points' range on it
        (by ``max(|value|, 1)`` when all points agree on that axis). Inside when at most :data:`HULL_TOLERANCE`.
        More than :data:`HULL_FAR` ranges outside the points' bounding box, the distance to that box (at most one
        range less than the distance to the hull), saturated at the largest double.

    Raises
    ------
    ValueError
        When the points are empty or of mixed dimension.
    """
    if not points or any(len(p) != len(point) for p in points):
        raise ValueError("hull points must be non-empty and have the point's dimension")
    dims = len(point)
    lows = [min(p[d] for p in points) for d in range(dims)]
    spans = []
    for d in range(dims):
        span = max(p[d] for p in points) - lows[d]
        spans.append(span if span > 0 else max(abs(lows[d]), Decimal(1)))
    # Scale in decimal arithmetic, then go to floats: every hull coordinate lands in [0, 1].
    scaled = [(point[d] - lows[d]) / spans[d] for d in range(dims)]
    outside_box = max(max(-t, t - 1, Decimal(0)) for t in scaled)
    if outside_box > HULL_FAR:  # far out: the linear program's numbers would dwarf its tolerances
        return _float(outside_box)
    hull = np.array([[float((p[d] - lows[d]) / spans[d]) for d in range(dims)] for p in points], dtype=np.float64)
    target = np.array([float(t) for t in scaled], dtype=np.float64)
    count = len(points)
    # Variables: weights w (count) and the distance t. Minimise t subject to |hull.T @ w - target| <= t per axis,
    # sum(w) = 1, w >= 0, t >= 0. Always feasible (any weights with a large t).
    cost = np.zeros(count + 1)
    cost[-1] = 1.0
    column = -np.ones((dims, 1))
    a_ub = np.vstack([np.hstack([hull.T, column]), np.hstack([-hull.T, column])])
    b_ub = np.concatenate([target, -target])
    a_eq = np.hstack([np.ones((1, count)), np.zeros((1, 1))])
    solution = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=np.array([1.0]),
        bounds=[(0.0, None)] * (count + 1),
        method="highs",
        # Feasibility tolerances an order of magnitude below HULL_TOLERANCE (HiGHS's default is 1e-7).
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if solution.status != 0 or solution.x is None:
        raise RuntimeError(f"hull test: the linear program failed: {solution.message}")
    # Measure to the hull point the weights give, so the result is a true distance to a point of the hull.
    weights = np.clip(np.asarray(solution.x[:count], dtype=np.float64), 0.0, None)
    weights /= weights.sum()
    nearest = hull.T @ weights
    return float(np.max(np.abs(nearest - target)))
