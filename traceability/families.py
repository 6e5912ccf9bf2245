"""Device families: the GS1 identity (company prefix, packaging levels and GTINs) of a kind of device.

Device families are TOML files (see ``resources/device_families/`` for the two samples, matching the two sample
envelopes' families)::

    [family]
    id = "cranial_plate"            # = the envelope's family
    title = "..."
    device_name = "..."             # printed on the label
    issuing_agency = "GS1"
    company_prefix = "0614141"      # every GTIN below starts with it (after the indicator digit)
    lot_policy = "case_code"        # "none" | "case_code" (AI 10 = case code) | "required" (given at assignment)
    shelf_life_days = 1825          # optional: AI 17 = production date + this many days
    sample = true                   # optional: a sample family; its labels say "SAMPLE - NOT FOR CLINICAL USE"

    [inspection]                    # optional: the final inspection's tolerances (dvw inspect)
    tolerance_mm = 0.3              # the printed part against its design, plus or minus, mm
    bearing_tolerance_mm = 0.2      # optional: the bone-facing bearing surface's own tolerance

    [change]                        # optional: design changes (dvw change)
    tolerance_mm = 0.2              # a new revision's surface within this of the previous one counts as unchanged

    [[packaging]]                   # levels 1, 2, 3 ... in order; level 1 is the device's UDI-DI
    level = 1
    gtin = "00614141000012"         # GTIN-14 (8, 12 or 13 digits are padded), check digit checked
    contains = 1                    # units of the level below (level 1: devices)
    description = "..."

Families are read from the bundled samples and then from ``<home>/device-families/*.toml``; a home file with the
same id replaces the sample (the manufacturer's own prefix and GTINs).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from base.safe_load import DataFileError, decode_text, parse_toml, read_text
from traceability.errors import DeviceFamilyError, InvalidGtinError
from traceability.gs1 import ISSUING_AGENCY, check_gtin

_DIGITS = re.compile(r"[0-9]+")
_FAMILY_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
LOT_POLICIES = ("none", "case_code", "required")
FAMILIES_DIR = "device-families"


# ---------------------------------------------------------------------------------------------- device families


@dataclass(frozen=True)
class PackagingLevel:
    """One packaging level of a device family.

    Its level number, GTIN-14, how many units of the level below (devices for level 1) it holds, and a description.
    """

    level: int
    gtin: str
    contains: int
    description: str

    def to_json(self) -> dict[str, Any]:
        """``{"level", "gtin", "contains", "description"}``."""
        return {"level": self.level, "gtin": self.gtin, "contains": self.contains, "description": self.description}


@dataclass(frozen=True)
class InspectionTolerances:
    """How far a printed device may deviate from its design (mm, plus or minus), from the family's ``[inspection]``.

    Attributes
    ----------
    tolerance_mm
        The whole part's (and every region's without its own) tolerance.
    bearing_tolerance_mm
        The bone-facing bearing surface's tolerance (it decides the fit on the bone); None = ``tolerance_mm``.
    """

    tolerance_mm: float
    bearing_tolerance_mm: float | None = None

    def to_json(self) -> dict[str, float | None]:
        """The tolerances as JSON."""
        return {"tolerance_mm": self.tolerance_mm, "bearing_tolerance_mm": self.bearing_tolerance_mm}


@dataclass(frozen=True)
class DeviceFamily:
    """A device family's identification configuration (see the module docstring for the TOML form).

    Attributes
    ----------
    family_id
        Equal to the ``family`` of the envelopes that cover it.
    title, device_name
        What the family is; the name printed on labels.
    issuing_agency
        ``GS1``.
    company_prefix
        The GS1 company prefix every GTIN carries after its indicator digit.
    packaging
        Levels 1, 2, ... in order; level 1's GTIN is the device's UDI-DI.
    lot_policy
        ``none``, ``case_code`` or ``required``.
    shelf_life_days
        Days from production to expiry (AI 17), or None for no expiry date.
    sample
        Whether this is a sample family (labels say so).
    source
        Where it was read from (``bundled:<file>`` or the file's path).
    sha256
        SHA-256 of the file's bytes (recorded with each UDI).
    """

    family_id: str
    title: str
    device_name: str
    issuing_agency: str
    company_prefix: str
    packaging: tuple[PackagingLevel, ...]
    lot_policy: str
    shelf_life_days: int | None
    sample: bool
    source: str
    sha256: str
    inspection: InspectionTolerances | None = None
    change_tolerance_mm: float | None = None

    @property
    def udi_di(self) -> str:
        """The device's UDI-DI: the GTIN-14 of packaging level 1."""
        return self.packaging[0].gtin

    def to_json(self) -> dict[str, Any]:
        """The family as JSON (every attribute; ``packaging`` as a list)."""
        return {
            "id": self.family_id,
            "title": self.title,
            "device_name": self.device_name,
            "issuing_agency": self.issuing_agency,
            "company_prefix": self.company_prefix,
            "udi_di": self.udi_di,
            "packaging": [level.to_json() for level in self.packaging],
            "lot_policy": self.lot_policy,
            "shelf_life_days": self.shelf_life_days,
            "sample": self.sample,
            "source": self.source,
            "sha256": self.sha256,
            "inspection": None if self.inspection is None else self.inspection.to_json(),
            "change_tolerance_mm": self.change_tolerance_mm,
        }


_FAMILY_KEYS = {
    "id",
    "title",
    "device_name",
    "issuing_agency",
    "company_prefix",
    "lot_policy",
    "shelf_life_days",
    "sample",
}
_PACKAGING_KEYS = {"level", "gtin", "contains", "description"}


def _text(table: Mapping[str, Any], key: str, where: str, source: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DeviceFamilyError(f"{source}: {where}.{key} must be non-empty text", path=source)
    return value.strip()


def _packaging_level(item: object, index: int, prefix: str, source: str) -> PackagingLevel:
    where = f"packaging[{index}]"
    if not isinstance(item, Mapping):
        raise DeviceFamilyError(f"{source}: {where} must be a table", path=source)
    unknown = sorted(set(item) - _PACKAGING_KEYS)
    if unknown:
        raise DeviceFamilyError(f"{source}: {where} has unknown keys {', '.join(unknown)}", path=source)
    level, contains = item.get("level"), item.get("contains", 1)
    if not isinstance(level, int) or isinstance(level, bool) or level != index + 1:
        raise DeviceFamilyError(f"{source}: {where}.level must be {index + 1} (levels 1, 2, 3 in order)", path=source)
    if not isinstance(contains, int) or isinstance(contains, bool) or contains < 1:
        raise DeviceFamilyError(f"{source}: {where}.contains must be a whole number >= 1", path=source)
    try:
        gtin = check_gtin(item.get("gtin"))
    except InvalidGtinError as exc:
        raise InvalidGtinError(f"{source}: {where}.gtin: {exc.message}", path=source) from None
    if gtin[0] == "9":
        raise DeviceFamilyError(
            f"{source}: {where}.gtin {gtin} has indicator digit 9 (variable measure), not for a device", path=source
        )
    if gtin[1 : 1 + len(prefix)] != prefix:
        raise DeviceFamilyError(
            f"{source}: {where}.gtin {gtin} does not carry the company prefix {prefix} after its indicator digit",
            path=source,
        )
    description = item.get("description", "")
    if not isinstance(description, str):
        raise DeviceFamilyError(f"{source}: {where}.description must be text", path=source)
    return PackagingLevel(level, gtin, contains, description)


MAX_FAMILY_BYTES = 64 * 1024
"""The largest device family file read (bytes): one describes a few packaging levels in well under 4 kB."""


def parse_device_family(data: bytes, source: str) -> DeviceFamily:
    """Parse and check one device family file.

    Parameters
    ----------
    data
        The TOML file's bytes.
    source
        Where it came from (for messages, and recorded with each UDI).

    Raises
    ------
    DeviceFamilyError
        Not TOML, a missing or unknown key, a bad lot policy, shelf life or packaging table, a GTIN without the
        company prefix, or two levels with one GTIN.
    InvalidGtinError
        A GTIN with a wrong check digit.
    """
    if len(data) > MAX_FAMILY_BYTES:
        raise DeviceFamilyError(f"{source}: {len(data)} bytes; a device family file is at most {MAX_FAMILY_BYTES}")
    try:
        document = parse_toml(decode_text(data, source=source, what="device family file"), source=source)
    except DataFileError as exc:
        raise DeviceFamilyError(exc.message, path=source) from None
    table = document.get("family")
    if not isinstance(table, Mapping):
        raise DeviceFamilyError(f"{source}: missing the [family] table", path=source)
    unknown = sorted(set(table) - _FAMILY_KEYS) + sorted(
        f"[{k}]" for k in set(document) - {"family", "packaging", "inspection", "change"}
    )
    if unknown:
        raise DeviceFamilyError(f"{source}: unknown keys {', '.join(unknown)}", path=source)
    inspection = _inspection(document.get("inspection"), source)
    change_tolerance = _change_tolerance(document.get("change"), source)
    family_id = _text(table, "id", "family", source)
    if _FAMILY_ID.fullmatch(family_id) is None:
        raise DeviceFamilyError(
            f"{source}: family.id {family_id!r}: use a-z 0-9 _ (as the envelope's family)", path=source
        )
    agency = str(table.get("issuing_agency", ISSUING_AGENCY))
    if agency != ISSUING_AGENCY:
        raise DeviceFamilyError(f"{source}: issuing_agency {agency!r}: DVW issues GS1 UDIs only", path=source)
    prefix = _text(table, "company_prefix", "family", source)
    if _DIGITS.fullmatch(prefix) is None or not 4 <= len(prefix) <= 12:
        raise DeviceFamilyError(f"{source}: company_prefix {prefix!r} must be 4 to 12 digits", path=source)
    lot_policy = str(table.get("lot_policy", "none"))
    if lot_policy not in LOT_POLICIES:
        raise DeviceFamilyError(
            f"{source}: lot_policy {lot_policy!r}: use one of {', '.join(LOT_POLICIES)}", path=source
        )
    shelf = table.get("shelf_life_days")
    if shelf is not None and (not isinstance(shelf, int) or isinstance(shelf, bool) or not 1 <= shelf <= 36500):
        raise DeviceFamilyError(f"{source}: shelf_life_days must be a whole number of days, 1 to 36500", path=source)
    sample = table.get("sample", False)
    if not isinstance(sample, bool):
        raise DeviceFamilyError(f"{source}: sample must be true or false", path=source)
    items = document.get("packaging")
    if not isinstance(items, list) or not items:
        raise DeviceFamilyError(
            f"{source}: at least one [[packaging]] level is needed (level 1 = the device)", path=source
        )
    levels = tuple(_packaging_level(item, index, prefix, source) for index, item in enumerate(items))
    gtins = [level.gtin for level in levels]
    if len(set(gtins)) != len(gtins) or len({g[0] for g in gtins}) != len(gtins):
        raise DeviceFamilyError(
            f"{source}: each packaging level needs its own GTIN and indicator digit ({', '.join(gtins)})", path=source
        )
    return DeviceFamily(
        family_id=family_id,
        title=_text(table, "title", "family", source),
        device_name=_text(table, "device_name", "family", source),
        issuing_agency=agency,
        company_prefix=prefix,
        packaging=levels,
        lot_policy=lot_policy,
        shelf_life_days=shelf,
        sample=sample,
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        inspection=inspection,
        change_tolerance_mm=change_tolerance,
    )


def _tolerance(table: Mapping[str, Any], key: str, source: str, where: str = "inspection") -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < float(value) <= 10.0:
        raise DeviceFamilyError(f"{source}: {where}.{key} must be a number of mm above 0 and at most 10", path=source)
    return float(value)


def _change_tolerance(table: object, source: str) -> float | None:
    """The ``[change]`` table's ``tolerance_mm`` (required there): a design change's comparison tolerance."""
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise DeviceFamilyError(f"{source}: [change] must be a table", path=source)
    unknown = sorted(set(table) - {"tolerance_mm"})
    if unknown:
        raise DeviceFamilyError(f"{source}: unknown keys change.{', change.'.join(unknown)}", path=source)
    tolerance = _tolerance(table, "tolerance_mm", source, "change")
    if tolerance is None:
        raise DeviceFamilyError(f"{source}: [change] needs tolerance_mm (mm)", path=source)
    return tolerance


def _inspection(table: object, source: str) -> InspectionTolerances | None:
    """The ``[inspection]`` table: ``tolerance_mm`` (required there), ``bearing_tolerance_mm`` (optional)."""
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise DeviceFamilyError(f"{source}: [inspection] must be a table", path=source)
    unknown = sorted(set(table) - {"tolerance_mm", "bearing_tolerance_mm"})
    if unknown:
        raise DeviceFamilyError(f"{source}: unknown keys inspection.{', inspection.'.join(unknown)}", path=source)
    tolerance = _tolerance(table, "tolerance_mm", source)
    if tolerance is None:
        raise DeviceFamilyError(f"{source}: [inspection] needs tolerance_mm (mm, plus or minus)", path=source)
    return InspectionTolerances(tolerance, _tolerance(table, "bearing_tolerance_mm", source))


def load_device_families(home: Path | None) -> dict[str, DeviceFamily]:
    """Every device family: the bundled samples, then ``<home>/device-families/*.toml``.

    A home file replaces a sample with the same id; two home files with one id are refused.

    Raises
    ------
    DeviceFamilyError, InvalidGtinError
        A malformed file (see :func:`parse_device_family`).
    """
    families: dict[str, DeviceFamily] = {}
    bundled = resources.files("resources") / "device_families"
    for entry in sorted(bundled.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".toml"):
            family = parse_device_family(entry.read_bytes(), f"bundled:{entry.name}")  # shipped: small, known
            families[family.family_id] = family
    if home is not None and (home / FAMILIES_DIR).is_dir():
        seen: dict[str, str] = {}
        for path in sorted((home / FAMILIES_DIR).glob("*.toml")):
            try:
                data = read_text(path, what="device family file", max_bytes=MAX_FAMILY_BYTES).encode("utf-8")
            except DataFileError as exc:
                raise DeviceFamilyError(exc.message, path=str(path)) from None
            family = parse_device_family(data, str(path))
            if family.family_id in seen:
                raise DeviceFamilyError(
                    f"device family {family.family_id!r} is defined twice: {seen[family.family_id]} and {path}",
                    path=str(path),
                )
            seen[family.family_id] = str(path)
            families[family.family_id] = family
    return families


def device_family(home: Path | None, family_id: str) -> DeviceFamily:
    """The device family with this id (see :func:`load_device_families`).

    Raises
    ------
    DeviceFamilyError
        When no family has this id (the message lists the known ones and where to add a file).
    """
    families = load_device_families(home)
    if family_id not in families:
        known = ", ".join(sorted(families)) or "none"
        where = f"{home / FAMILIES_DIR}" if home is not None else "<home>/device-families"
        raise DeviceFamilyError(
            f"no device family {family_id!r} (known: {known}); add its TOML file to {where}", path=where
        )
    return families[family_id]
