"""Measured parameters: named values with units, how they were computed and from which inputs.

A parameters file (``PARAMS.json``, written by ``dvw measure``) is the input of the envelope check::

    {"parameters": [{"name": "design.min_wall_thickness", "value": 1.8, "unit": "mm", "method": "...",
                     "inputs_sha256": ["..."]}, ...],
     "manifest_id": "..."}

A registered measurement that its inputs allow but that cannot be computed on this case (for example a fit without
any contact) is written with ``"value": null`` and a ``"reason"``; the check treats it like a missing value.

A value measured at a place carries it, ``"location": [x, y, z]`` (LPS mm), and ``"uncertainty"``: how far the true
value may be from it, in its unit (see :mod:`validation.fit`). Both are optional: files without them read and check
as before (no place, no uncertainty).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from base.files import write_atomically
from base.safe_load import DataFileError, load_json
from validation.errors import ParameterFileError

#: The largest parameters file read (bytes): one written by ``dvw measure`` for every registered measurement is
#: about 10 kB.
MAX_PARAMETERS_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ParameterValue:
    """One measured parameter.

    Attributes
    ----------
    name
        Registered dotted name, e.g. ``design.min_wall_thickness``.
    value
        The value in ``unit``; None when the measurement was attempted but could not be made (see ``reason``).
    unit
        Unit as pint spells it (``mm``, ``mm**2``, ``year``, ``kg``, ``degree``, ``1`` for counts and flags).
    method
        How the value was computed (one sentence, with the settings used).
    inputs_sha256
        SHA-256 of every input the value was computed from.
    reason
        Why the value is None (empty when it has a value).
    location
        Where the value was measured (LPS mm), or None when it has no place.
    uncertainty
        How far the true value may be from ``value``, in ``unit`` (non-negative); None when not given.
    """

    name: str
    value: float | None
    unit: str
    method: str = ""
    inputs_sha256: tuple[str, ...] = ()
    reason: str = ""
    location: tuple[float, float, float] | None = None
    uncertainty: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object of this value.

        ``reason`` only when there is no value; ``location`` and ``uncertainty`` only when given.
        """
        data: dict[str, Any] = {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "method": self.method,
            "inputs_sha256": list(self.inputs_sha256),
        }
        if self.value is None:
            data["reason"] = self.reason
        if self.location is not None:
            data["location"] = list(self.location)
        if self.uncertainty is not None:
            data["uncertainty"] = self.uncertainty
        return data


@dataclass(frozen=True)
class Parameters:
    """A set of measured parameters (at most one value per name) and the software that measured them.

    Attributes
    ----------
    values
        The values, sorted by name.
    manifest_id
        ID of the software manifest that measured them ("" when unknown).
    """

    values: tuple[ParameterValue, ...]
    manifest_id: str = ""
    _by_name: dict[str, ParameterValue] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, ParameterValue] = {}
        for value in self.values:
            if value.name in by_name:
                raise ParameterFileError(f"parameter {value.name!r} is given more than once")
            by_name[value.name] = value
        object.__setattr__(self, "values", tuple(sorted(self.values, key=lambda v: v.name)))
        object.__setattr__(self, "_by_name", by_name)

    def get(self, name: str) -> ParameterValue | None:
        """The value named ``name``, or None."""
        return self._by_name.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def to_json(self) -> dict[str, Any]:
        """The parameters file's JSON object."""
        return {"parameters": [v.to_json() for v in self.values], "manifest_id": self.manifest_id}

    def canonical_bytes(self) -> bytes:
        """Canonical JSON (sorted keys, no spaces, UTF-8): what ``sha256`` hashes."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON: identifies these values whatever the file's formatting."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    def merged(self, others: Iterable[ParameterValue]) -> Parameters:
        """A copy with ``others`` added; a value of the same name replaces the existing one."""
        by_name = dict(self._by_name)
        for value in others:
            by_name[value.name] = value
        return Parameters(tuple(by_name.values()), self.manifest_id)


def _value_from_json(item: Any, index: int, path: str) -> ParameterValue:
    where = f"parameters[{index}]"
    if not isinstance(item, Mapping):
        raise ParameterFileError(f"{where} is not an object", path=path)
    name, unit, value = item.get("name"), item.get("unit", "1"), item.get("value")
    if not isinstance(name, str) or not name:
        raise ParameterFileError(f"{where} has no name", path=path)
    if not isinstance(unit, str):
        raise ParameterFileError(f"{where} ({name}): unit must be a string", path=path)
    if isinstance(value, bool):
        value = 1.0 if value else 0.0
    if value is not None and not isinstance(value, int | float):
        raise ParameterFileError(f"{where} ({name}): value must be a number or null", path=path)
    if value is not None and not math.isfinite(value):
        raise ParameterFileError(f"{where} ({name}): value is not finite", path=path)
    hashes = item.get("inputs_sha256", [])
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise ParameterFileError(f"{where} ({name}): inputs_sha256 must be a list of strings", path=path)
    location = item.get("location")
    if location is not None and (
        not isinstance(location, list)
        or len(location) != 3
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in location)
    ):
        raise ParameterFileError(f"{where} ({name}): location must be a list of 3 finite numbers (LPS mm)", path=path)
    uncertainty = item.get("uncertainty")
    if uncertainty is not None and (
        not isinstance(uncertainty, int | float)
        or isinstance(uncertainty, bool)
        or not math.isfinite(uncertainty)
        or uncertainty < 0
    ):
        raise ParameterFileError(f"{where} ({name}): uncertainty must be a finite number >= 0", path=path)
    return ParameterValue(
        name=name,
        value=None if value is None else float(value),
        unit=unit,
        method=str(item.get("method", "")),
        inputs_sha256=tuple(hashes),
        reason=str(item.get("reason", "")),
        location=None if location is None else (float(location[0]), float(location[1]), float(location[2])),
        uncertainty=None if uncertainty is None else float(uncertainty),
    )


def parameters_from_json(data: Any, path: str = "") -> Parameters:
    """Parse a parameters file's JSON object.

    Parameters
    ----------
    data
        The decoded JSON.
    path
        The file it came from (for error messages).

    Returns
    -------
    validation.parameters.Parameters
        The values.

    Raises
    ------
    ParameterFileError
        When the object does not have the documented shape; the message starts with ``path:`` when given.
    """
    try:
        if not isinstance(data, Mapping) or not isinstance(data.get("parameters"), list):
            raise ParameterFileError('not a parameters file: expected {"parameters": [...]}')
        values = tuple(_value_from_json(item, i, path) for i, item in enumerate(data["parameters"]))
        manifest_id = data.get("manifest_id", "")
        return Parameters(values, manifest_id if isinstance(manifest_id, str) else "")
    except ParameterFileError as exc:  # name the file at fault, once
        raise ParameterFileError(f"{path}: {exc.message}" if path else exc.message, path=path or None) from None


def read_parameters(path: str | Path) -> Parameters:
    """Read a parameters file (see the module docstring for its shape).

    Parameters
    ----------
    path
        The parameters file (at most :data:`MAX_PARAMETERS_BYTES`).

    Returns
    -------
    validation.parameters.Parameters
        The values.

    Raises
    ------
    ParameterFileError
        When the file cannot be read, is too large, is not UTF-8 JSON, holds what JSON files must not (deep
        nesting, repeated keys, numbers that are not finite doubles, whole numbers beyond 64 bits: see
        :mod:`base.safe_load`), or does not have the documented shape.
    """
    source = Path(path)
    try:
        data = load_json(source, what="parameters file", max_bytes=MAX_PARAMETERS_BYTES)
    except DataFileError as exc:
        raise ParameterFileError(exc.message, path=exc.path, line=exc.line) from None
    return parameters_from_json(data, str(source))


def write_parameters(parameters: Parameters, path: str | Path, *, force: bool = False) -> str:
    """Write a parameters file atomically; returns its SHA-256.

    Raises
    ------
    ParameterFileError
        When ``path`` exists and ``force`` is false.
    """
    target = Path(path)
    if target.exists() and not force:
        raise ParameterFileError(f"output exists: {target} (use --force to replace it)", path=str(target))
    text = json.dumps(parameters.to_json(), indent=2, allow_nan=False) + "\n"
    return write_atomically(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
