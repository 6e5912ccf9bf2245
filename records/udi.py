"""Unique device identification (UDI): GS1 check digits, device families, element strings and UDI assignment.

A personalised device gets one UDI per case revision (REQUIREMENTS 4.7.10-4.7.11; guideline B "Identification"):

- **UDI-DI** (device identifier): the GTIN-14 of the device's base packaging level, from its *device family*.
- **UDI-PI** (production identifier): a serial number (AI 21) unique to the device, the production date (AI 11),
  the lot (AI 10, by the family's lot policy) and the expiry date (AI 17, when the family sets a shelf life).

Both are written as one GS1 element string, AIs in the order (01)(11)(17)(10)(21):

- the *machine-readable* form is the data a scanner transmits after the symbology identifier ``]d2``: the AIs and
  values run together, and a variable-length value (AI 10 followed by AI 21) is ended by the GS character (ASCII 29,
  which stands for FNC1 inside the symbol); fixed-length values (01, 11, 17) need no separator;
- the *human-readable* interpretation (HRI) puts each AI in parentheses: ``(01)00614141000012(11)261124(21)...``.

GS1 rules checked here: the mod-10 check digit of GTIN-8/12/13/14 (padded to 14 digits) and GLN; dates as
``YYMMDD`` (the year's century by GS1's sliding window, -49 to +50 years around the reference year; ``DD`` = 00 means
the month's last day); lot and serial 1 to 20 characters of GS1 AI encodable character set 82.

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

    [[packaging]]                   # levels 1, 2, 3 ... in order; level 1 is the device's UDI-DI
    level = 1
    gtin = "00614141000012"         # GTIN-14 (8, 12 or 13 digits are padded), check digit checked
    contains = 1                    # units of the level below (level 1: devices)
    description = "..."

Families are read from the bundled samples and then from ``<home>/device-families/*.toml``; a home file with the
same id replaces the sample (the manufacturer's own prefix and GTINs).

Assignment (:func:`assign_udi`) and uniqueness:

- only a *signed* case gets a UDI (and returns it when asked again): its state is ``signed`` and at least one of
  its signatures is valid for the current revision and verifies (Ed25519) against the signer's key;
- the ``udi_assigned`` event links the case revision, the check event's hash, every valid signature (event id, hash,
  meaning, signer id), the family (id and the SHA-256 of its file), the UDI-DI, the UDI-PI fields, the element
  string, HRI and GS1 Digital Link URI;
- assigning again for the same revision returns the existing UDI (nothing is written) unless a new one is asked for
  (a remake of the device); a new revision, once signed, gets a new serial;
- a generated serial is the first 6 hex digits of this site's id (upper case), ``-`` and 12 random decimal digits
  (``secrets``), e.g. ``3FA9C1-048213377012``: random and multi-digit as the guideline asks, and two sites cannot
  draw the same serial unless their site ids share 6 hex digits *and* the 12 random digits coincide. Every serial
  held in the store (this site's and those synced from other sites) is checked before an assignment; a duplicate,
  generated or given, is refused with :class:`~records.errors.DuplicateSerialError`. Serials are unique across the
  whole store, whatever the GTIN. The check runs inside the write transaction that appends the ``udi_assigned``
  event (:meth:`records.store.Store.append`'s precondition), so two processes assigning the same serial at once
  cannot both succeed: the second sees the first's event and is refused;
- a case with unresolved concurrent revisions from two sites (:mod:`records.sync.conflicts`) gets no UDI, label,
  trace step or release until a person resolves them.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from base.safe_load import DataFileError, decode_text, parse_toml, read_text
from records.cases import SIGNED, CaseState
from records.errors import (
    ConflictUnresolvedError,
    DeviceFamilyError,
    DuplicateSerialError,
    InvalidGs1ValueError,
    InvalidGtinError,
    NotSignedError,
)
from records.events import Event, format_time
from records.payloads import CheckRun, Signature, UdiAssigned, read, read_or_none
from records.store import Store

UDI_ASSIGNED = "udi_assigned"
UDI_FORMAT = "dvw-udi/1"
ISSUING_AGENCY = "GS1"
GS = "\x1d"
"""The GS character (ASCII 29) that ends a variable-length value in the machine-readable element string."""
SYMBOLOGY_ID = "]d2"
"""The symbology identifier a scanner prefixes to a GS1 DataMatrix's data."""

AI_GTIN = "01"
AI_PRODUCTION_DATE = "11"
AI_EXPIRY_DATE = "17"
AI_LOT = "10"
AI_SERIAL = "21"
AI_ORDER = (AI_GTIN, AI_PRODUCTION_DATE, AI_EXPIRY_DATE, AI_LOT, AI_SERIAL)
"""The AIs DVW writes, in the order it writes them."""
_FIXED_LENGTH = {AI_GTIN: 14, AI_PRODUCTION_DATE: 6, AI_EXPIRY_DATE: 6}
_MAX_LENGTH = {AI_LOT: 20, AI_SERIAL: 20}
AI_TITLES = {
    AI_GTIN: "GTIN",
    AI_PRODUCTION_DATE: "PROD DATE",
    AI_EXPIRY_DATE: "USE BY",
    AI_LOT: "LOT",
    AI_SERIAL: "SERIAL",
}
"""GS1 data titles of the AIs (printed next to the HRI on a label)."""

_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")
_DIGITS = re.compile(r"[0-9]+")
_HRI_AI = re.compile(r"\((01|11|17|10|21)\)")
_FAMILY_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
LOT_POLICIES = ("none", "case_code", "required")
DIGITAL_LINK_BASE = "https://id.gs1.org"
SERIAL_RANDOM_DIGITS = 12
FAMILIES_DIR = "device-families"


# ---------------------------------------------------------------------------------------------- GS1 values


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of ``digits`` (the number without its check digit).

    From the right, the digits are weighted 3, 1, 3, 1, ...; the check digit brings the sum up to a multiple of 10.

    Raises
    ------
    InvalidGtinError
        When ``digits`` is empty or not all decimal digits.
    """
    if not digits or _DIGITS.fullmatch(digits) is None:
        raise InvalidGtinError(f"{digits!r} is not a string of digits")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def _check_number(text: object, what: str, lengths: Sequence[int]) -> str:
    if not isinstance(text, str) or _DIGITS.fullmatch(text) is None or len(text) not in lengths:
        allowed = ", ".join(map(str, lengths))
        raise InvalidGtinError(f"{what} {text!r} is not {allowed} digits")
    expected = gs1_check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise InvalidGtinError(f"{what} {text} has a wrong check digit: {text[-1]}, expected {expected}")
    return text


def check_gtin(text: object) -> str:
    """The GTIN-14 of a GTIN-8, -12, -13 or -14 (padded with leading zeros), after checking its check digit.

    Raises
    ------
    InvalidGtinError
        Not 8, 12, 13 or 14 digits, or a wrong check digit (the message names the expected one).
    """
    return _check_number(text, "GTIN", (8, 12, 13, 14)).zfill(14)


def is_valid_gtin(text: object) -> bool:
    """Whether ``text`` is a GTIN-8, -12, -13 or -14 with a correct check digit."""
    try:
        check_gtin(text)
    except InvalidGtinError:
        return False
    return True


def check_gln(text: object) -> str:
    """A GS1 Global Location Number (13 digits) after checking its check digit (errors as :func:`check_gtin`)."""
    return _check_number(text, "GLN", (13,))


def check_cset82(value: object, what: str, max_length: int = 20) -> str:
    """``value`` if it is 1 to ``max_length`` characters of GS1 AI encodable character set 82.

    Raises
    ------
    InvalidGs1ValueError
        Empty, too long, or a character outside the set (the message names it).
    """
    if not isinstance(value, str) or not value:
        raise InvalidGs1ValueError(f"{what} must be 1 to {max_length} characters, not {value!r}")
    if len(value) > max_length:
        raise InvalidGs1ValueError(f"{what} {value!r} is {len(value)} characters; GS1 allows at most {max_length}")
    if _CSET82.fullmatch(value) is None:
        bad = sorted({c for c in value if _CSET82.fullmatch(c) is None})
        raise InvalidGs1ValueError(
            f"{what} {value!r} holds {''.join(bad)!r}, outside GS1 character set 82 "
            "(A-Z a-z 0-9 and ! \" % & ' ( ) * + , - . / : ; < = > ? _)"
        )
    return value


def format_yymmdd(day: date) -> str:
    """A date as GS1 ``YYMMDD``."""
    return day.strftime("%y%m%d")


def parse_yymmdd(text: str, *, reference: date | None = None, what: str = "date") -> date:
    """A GS1 ``YYMMDD`` date; the century by GS1's sliding window around ``reference``'s year (default today).

    ``DD`` = ``00`` means the last day of the month.

    Raises
    ------
    InvalidGs1ValueError
        Not six digits, or not a calendar date.
    """
    if _DIGITS.fullmatch(text) is None or len(text) != 6:
        raise InvalidGs1ValueError(f"{what} {text!r} is not a GS1 date YYMMDD")
    year_now = (reference or date.today()).year  # noqa: DTZ011 - a calendar year; the zone does not matter here
    yy, month, day = int(text[:2]), int(text[2:4]), int(text[4:])
    difference = yy - year_now % 100
    century = year_now // 100 + (1 if difference <= -50 else -1 if difference >= 51 else 0)
    year = century * 100 + yy
    if not 1 <= month <= 12:
        raise InvalidGs1ValueError(f"{what} {text!r} has month {month:02d}")
    if day == 0:
        day = calendar.monthrange(year, month)[1]
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidGs1ValueError(f"{what} {text!r} is not a calendar date") from None


# ---------------------------------------------------------------------------------------------- the UDI


@dataclass(frozen=True)
class Udi:
    """A device's UDI: the UDI-DI (GTIN-14) and the UDI-PI fields.

    Attributes
    ----------
    gtin
        The UDI-DI, a GTIN-14 with a valid check digit.
    serial
        AI 21: 1 to 20 characters of GS1 character set 82.
    production_date
        AI 11.
    expiry_date
        AI 17, or None.
    lot
        AI 10, or None.

    Raises
    ------
    InvalidGtinError, InvalidGs1ValueError
        On construction, when a field breaks the GS1 rules, or the expiry precedes the production date.
    """

    gtin: str
    serial: str
    production_date: date
    expiry_date: date | None = None
    lot: str | None = None

    def __post_init__(self) -> None:
        if len(self.gtin) != 14:
            raise InvalidGtinError(f"the UDI-DI must be a GTIN-14, not {self.gtin!r}")
        check_gtin(self.gtin)
        check_cset82(self.serial, "serial number (AI 21)")
        if self.lot is not None:
            check_cset82(self.lot, "lot (AI 10)")
        if self.expiry_date is not None and self.expiry_date < self.production_date:
            raise InvalidGs1ValueError(
                f"expiry date {self.expiry_date} is before the production date {self.production_date}"
            )

    def ai_values(self) -> list[tuple[str, str]]:
        """``(AI, value)`` pairs in DVW's order (01)(11)(17)(10)(21), absent fields left out."""
        pairs = [(AI_GTIN, self.gtin), (AI_PRODUCTION_DATE, format_yymmdd(self.production_date))]
        if self.expiry_date is not None:
            pairs.append((AI_EXPIRY_DATE, format_yymmdd(self.expiry_date)))
        if self.lot is not None:
            pairs.append((AI_LOT, self.lot))
        pairs.append((AI_SERIAL, self.serial))
        return pairs

    @property
    def element_string(self) -> str:
        """The machine-readable element string (GS after a variable-length value that is not last)."""
        return build_element_string(self.ai_values())

    @property
    def hri(self) -> str:
        """The human-readable interpretation: ``(01)...(11)...(17)...(10)...(21)...``."""
        return "".join(f"({ai}){value}" for ai, value in self.ai_values())

    @property
    def bracketed(self) -> str:
        """The element string with AIs in square brackets: the input form of the barcode encoder.

        Square brackets are not in character set 82, so a lot or serial holding parentheses stays unambiguous.
        """
        return "".join(f"[{ai}]{value}" for ai, value in self.ai_values())

    @property
    def epc_uri(self) -> str:
        """The device instance as a GS1 Digital Link URI (GTIN + serial), the form EPCIS ``epcList`` holds."""
        return f"{DIGITAL_LINK_BASE}/01/{self.gtin}/21/{quote(self.serial, safe='')}"

    @property
    def digital_link(self) -> str:
        """The full GS1 Digital Link URI: GTIN, lot and serial in the path, the dates as query attributes."""
        path = f"{DIGITAL_LINK_BASE}/01/{self.gtin}"
        if self.lot is not None:
            path += f"/10/{quote(self.lot, safe='')}"
        path += f"/21/{quote(self.serial, safe='')}"
        query = [f"11={format_yymmdd(self.production_date)}"]
        if self.expiry_date is not None:
            query.append(f"17={format_yymmdd(self.expiry_date)}")
        return f"{path}?{'&'.join(query)}"

    def pi_json(self) -> dict[str, Any]:
        """The UDI-PI as JSON: ``{"serial", "lot", "production_date", "expiry_date"}`` (ISO dates or null)."""
        return {
            "serial": self.serial,
            "lot": self.lot,
            "production_date": self.production_date.isoformat(),
            "expiry_date": None if self.expiry_date is None else self.expiry_date.isoformat(),
        }

    def to_json(self) -> dict[str, Any]:
        """``{"udi_di", "udi_pi", "element_string", "hri", "digital_link", "epc"}``."""
        return {
            "udi_di": self.gtin,
            "udi_pi": self.pi_json(),
            "element_string": self.element_string,
            "hri": self.hri,
            "digital_link": self.digital_link,
            "epc": self.epc_uri,
        }


def build_element_string(pairs: Sequence[tuple[str, str]]) -> str:
    """Join ``(AI, value)`` pairs into a machine-readable element string.

    A fixed-length AI's value runs straight into the next AI; a variable-length value is followed by GS unless it is
    the last. The leading FNC1 that marks a GS1 symbol is the symbology's (``]d2``), not part of this string.
    """
    parts: list[str] = []
    for index, (ai, value) in enumerate(pairs):
        parts.append(ai + value)
        if ai not in _FIXED_LENGTH and index < len(pairs) - 1:
            parts.append(GS)
    return "".join(parts)


def parse_ai_values(text: str) -> list[tuple[str, str]]:
    """Split an element string into ``(AI, value)`` pairs; each value's form is checked, not its meaning.

    Accepted forms: the machine-readable string (optionally after ``]d2``, with GS separators) and the HRI with
    parentheses. Only the AIs DVW writes (01, 11, 17, 10, 21) are known; others are refused. (In HRI text a lot or
    serial holding the text ``(01)``, ``(11)``, ``(17)``, ``(10)`` or ``(21)`` would be ambiguous: use the
    machine-readable form for such values.)

    Raises
    ------
    InvalidGs1ValueError
        An unknown AI, a value of the wrong length, or text that is not an element string.
    """
    pairs = _parse_hri(text) if text.startswith("(") else _parse_raw(text.removeprefix(SYMBOLOGY_ID))
    seen: set[str] = set()
    for ai, value in pairs:
        if ai in seen:
            raise InvalidGs1ValueError(f"AI ({ai}) appears twice in {text!r}")
        seen.add(ai)
        if ai in _FIXED_LENGTH and (len(value) != _FIXED_LENGTH[ai] or _DIGITS.fullmatch(value) is None):
            raise InvalidGs1ValueError(f"AI ({ai}) needs {_FIXED_LENGTH[ai]} digits, not {value!r}")
        if ai in _MAX_LENGTH:
            check_cset82(value, f"AI ({ai}) value", _MAX_LENGTH[ai])
    return pairs


def _parse_hri(text: str) -> list[tuple[str, str]]:
    matches = list(_HRI_AI.finditer(text))
    if not matches or matches[0].start() != 0:
        raise InvalidGs1ValueError(f"{text!r} is not a GS1 HRI string of AIs 01, 11, 17, 10, 21")
    pairs = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        pairs.append((match.group(1), text[match.end() : end]))
    return pairs


def _parse_raw(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        ai = text[position : position + 2]
        position += 2
        if ai in _FIXED_LENGTH:
            length = _FIXED_LENGTH[ai]
            value = text[position : position + length]
            position += length
        elif ai in _MAX_LENGTH:
            end = text.find(GS, position)
            end = len(text) if end < 0 else end
            value = text[position:end]
            position = end + 1 if end < len(text) else end
        else:
            raise InvalidGs1ValueError(f"unknown or unsupported AI {ai!r} at position {position - 2} of {text!r}")
        pairs.append((ai, value))
    if not pairs:
        raise InvalidGs1ValueError("an empty element string")
    return pairs


def parse_udi(text: str, *, reference: date | None = None) -> Udi:
    """The :class:`Udi` of an element string (machine-readable or HRI); it must hold AIs 01, 11 and 21.

    Raises
    ------
    InvalidGs1ValueError, InvalidGtinError
        A malformed string or value, a wrong check digit, or a missing AI.
    """
    values = dict(parse_ai_values(text))
    missing = [ai for ai in (AI_GTIN, AI_PRODUCTION_DATE, AI_SERIAL) if ai not in values]
    if missing:
        raise InvalidGs1ValueError(f"element string {text!r} lacks AI {', '.join(f'({ai})' for ai in missing)}")
    expiry = values.get(AI_EXPIRY_DATE)
    return Udi(
        gtin=check_gtin(values[AI_GTIN]),
        serial=values[AI_SERIAL],
        production_date=parse_yymmdd(values[AI_PRODUCTION_DATE], reference=reference, what="production date"),
        expiry_date=None if expiry is None else parse_yymmdd(expiry, reference=reference, what="expiry date"),
        lot=values.get(AI_LOT),
    )


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
    unknown = sorted(set(table) - _FAMILY_KEYS) + sorted(f"[{k}]" for k in set(document) - {"family", "packaging"})
    if unknown:
        raise DeviceFamilyError(f"{source}: unknown keys {', '.join(unknown)}", path=source)
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
    )


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


# ---------------------------------------------------------------------------------------------- UDI records


@dataclass(frozen=True)
class UdiRecord:
    """A UDI as recorded by a ``udi_assigned`` event.

    Attributes
    ----------
    event
        The ``udi_assigned`` event.
    udi
        The UDI it assigned.
    case_code, revision
        The case revision it identifies.
    family_id, device_name, sample
        The device family (id, label name, whether a sample).
    """

    event: Event
    udi: Udi
    case_code: str
    revision: int
    family_id: str
    device_name: str
    sample: bool

    @classmethod
    def from_event(cls, event: Event) -> UdiRecord:
        """The record of a ``udi_assigned`` event.

        Raises
        ------
        InvalidGs1ValueError, InvalidGtinError
            When the event's element string is malformed.
        """
        payload = read(event, UdiAssigned)
        family = payload.family
        reference = datetime.fromisoformat(event.created_at).date()
        return cls(
            event=event,
            udi=parse_udi(payload.element_string, reference=reference),
            case_code=str(event.case_code),
            revision=payload.revision,
            family_id=str(family.get("id", "")),
            device_name=str(family.get("device_name", "")),
            sample=bool(family.get("sample", False)),
        )

    def to_json(self) -> dict[str, Any]:
        """``dvw udi assign --json``'s object: the case, UDI fields and the recording event."""
        return {
            "case_code": self.case_code,
            "revision": self.revision,
            "family": self.family_id,
            "device_name": self.device_name,
            "issuing_agency": ISSUING_AGENCY,
            **self.udi.to_json(),
            "sample": self.sample,
            "event_id": self.event.event_id,
            "event_hash": self.event.hash,
            "assigned_at": self.event.created_at,
        }


def udi_records(case: CaseState) -> list[UdiRecord]:
    """Every UDI assigned to a case (any revision), oldest first."""
    return [UdiRecord.from_event(event) for event in case.events if event.kind == UDI_ASSIGNED]


def current_udi(case: CaseState) -> UdiRecord | None:
    """The newest UDI of the case's current revision, or None (a new revision has none until it is assigned)."""
    found = [record for record in udi_records(case) if record.revision == case.revision]
    return found[-1] if found else None


def assigned_serials(store: Store) -> dict[str, tuple[str, str]]:
    """Every serial held in the store (all sites' ``udi_assigned`` events) -> (case code, event id)."""
    serials: dict[str, tuple[str, str]] = {}
    for event in store.events():
        assigned = read_or_none(event, UdiAssigned)
        if assigned is not None:
            serials.setdefault(assigned.udi_pi.serial, (str(event.case_code), event.event_id))
    return serials


def new_serial(site_id: str, taken: Mapping[str, object]) -> str:
    """A random serial for this site, not in ``taken``: 6 hex digits of the site id, ``-``, 12 random digits."""
    tag = site_id[:6].upper()
    while True:
        serial = f"{tag}-{secrets.randbelow(10**SERIAL_RANDOM_DIGITS):0{SERIAL_RANDOM_DIGITS}d}"
        if serial not in taken:
            return serial


def refuse_conflict(store: Store, case: CaseState, what: str) -> None:
    """Refuse to ``what`` for a case that two sites changed concurrently and no one has resolved.

    Raises
    ------
    ConflictUnresolvedError
        The case has an unresolved conflict (or its code was created by two sites).
    """
    from records.sync.conflicts import find_conflicts  # noqa: PLC0415 - the sync package imports this module's peers

    for conflict in find_conflicts(store.events()):
        if conflict.case_code == case.code:
            sites = ", ".join(branch.site_id[:8] for branch in conflict.branches)
            raise ConflictUnresolvedError(
                f"case {case.code} has concurrent revisions from sites {sites}: cannot {what} until a person resolves "
                f'them (dvw site resolve {case.code} --keep SITE --reason "...")'
            )


def valid_signatures(store: Store, case: CaseState) -> list[Event]:
    """The case's signatures valid for its current revision, each verified against its signer's key.

    Raises
    ------
    NotSignedError
        The case is not signed (never, or its signatures were superseded), or a signature does not verify.
    """
    from records.signatures import VALID, signature_checker, signature_status  # noqa: PLC0415 - loads cryptography

    if case.state != SIGNED:
        raise NotSignedError(
            f"case {case.code} revision {case.revision} is {case.state}, not signed: a device identifier is "
            "assigned only to a signed design (dvw sign)"
        )
    valid = [event for event, status in signature_status(case) if status == VALID]
    if not valid:
        raise NotSignedError(f"case {case.code} revision {case.revision} has no valid signature (all superseded)")
    checker = signature_checker(store)
    for event in valid:
        problem = checker(event)
        if problem is not None:
            raise NotSignedError(f"case {case.code}: signature event {event.event_id} does not verify: {problem}")
    return valid


def _family_id(case: CaseState) -> str:
    check = case.check
    family = None if check is None else read(check, CheckRun).envelope_ref.family
    if not family:
        raise DeviceFamilyError(f"case {case.code}: its check names no device family (envelope.family)")
    return family


def assign_udi(
    store: Store,
    case_code: str,
    *,
    home: Path | None = None,
    serial: str | None = None,
    lot: str | None = None,
    production_date: date | None = None,
    new: bool = False,
    now: datetime | None = None,
    by: Any,
) -> tuple[UdiRecord, bool]:
    """Assign (or return) the UDI of a signed case's current revision.

    Parameters
    ----------
    store
        The local store.
    case_code
        The case.
    home
        Where ``device-families/`` is looked up (default: the store's home).
    serial
        A serial to use (e.g. from the manufacturing system) instead of a generated one.
    lot
        The lot (AI 10); default by the family's lot policy.
    production_date
        AI 11; default the date of ``now``.
    new
        Assign another UDI even if the revision has one (a remake of the device).
    now
        The assignment time (timezone-aware); default now in the local zone.
    by
        The signed-in user who assigns it (:class:`records.users.Session`; the event's actor).

    Returns
    -------
    tuple of (UdiRecord, bool)
        The UDI, and whether it was assigned now (False: the revision's existing UDI, nothing written).

    Raises
    ------
    CaseNotFoundError
        No such case.
    NotSignedError
        The case is not signed, or no signature of its current revision is valid and verifies.
    DeviceFamilyError
        The check names no family, no family file has its id, or a lot is required and not given.
    DuplicateSerialError
        The serial is already held in the store, or the revision already has another serial (without ``new``).
    ConflictUnresolvedError
        Two sites changed the case concurrently and no one has resolved it.
    InvalidGs1ValueError, InvalidGtinError
        A bad serial or lot (length, character set).
    """
    at = datetime.now().astimezone() if now is None else now
    format_time(at)
    case = store.case(case_code)
    if serial is not None:
        check_cset82(serial, "serial number (AI 21)")
    if lot is not None:
        check_cset82(lot, "lot (AI 10)")
    refuse_conflict(store, case, "assign a device identifier")
    signatures = valid_signatures(store, case)
    existing = current_udi(case)
    if existing is not None and not new:
        if serial is None or serial == existing.udi.serial:
            return existing, False
        raise DuplicateSerialError(
            f"case {case.code} revision {case.revision} already has serial {existing.udi.serial}; "
            "ask for a new UDI (--new) to assign another"
        )
    family = device_family(store.home if home is None else home, _family_id(case))
    taken = assigned_serials(store)
    if serial is not None and serial in taken:
        owner, event_id = taken[serial]
        raise DuplicateSerialError(
            f"serial {serial} is already assigned (case {owner}, event {event_id}); serials are never reused"
        )
    chosen_serial = serial if serial is not None else new_serial(store.site_id, taken)
    if lot is None and family.lot_policy == "case_code":
        lot = check_cset82(case.code, f"lot (AI 10) from case code {case.code}")
    if lot is None and family.lot_policy == "required":
        raise DeviceFamilyError(f"device family {family.family_id} requires a lot (AI 10): give one (--lot)")
    made = at.date() if production_date is None else production_date
    expiry = None if family.shelf_life_days is None else made + timedelta(days=family.shelf_life_days)
    udi = Udi(gtin=family.udi_di, serial=chosen_serial, production_date=made, expiry_date=expiry, lot=lot)
    check = case.check
    assert check is not None  # a signed case has a current check
    payload = {
        "format": UDI_FORMAT,
        "revision": case.revision,
        "issuing_agency": ISSUING_AGENCY,
        "family": {
            "id": family.family_id,
            "device_name": family.device_name,
            "source": family.source,
            "sha256": family.sha256,
            "sample": family.sample,
        },
        "udi_di": udi.gtin,
        "packaging": [level.to_json() for level in family.packaging],
        "udi_pi": udi.pi_json(),
        "element_string": udi.element_string,
        "hri": udi.hri,
        "digital_link": udi.digital_link,
        "epc": udi.epc_uri,
        "check_event_hash": check.hash,
        "signatures": [
            {
                "event_id": event.event_id,
                "event_hash": event.hash,
                "meaning": read(event, Signature).content.meaning,
                "signer": event.actor,
            }
            for event in signatures
        ],
        "case_head_hash": case.events[-1].hash,
        "replaces": None if existing is None else existing.event.event_id,
    }
    chosen = udi.serial

    def still_free(held: Sequence[Event]) -> None:
        # Inside the write transaction: no other process can assign meanwhile.
        for other in held:
            assigned = read_or_none(other, UdiAssigned)
            if assigned is None:
                continue
            if assigned.udi_pi.serial == chosen:
                raise DuplicateSerialError(
                    f"serial {chosen} is already assigned (case {other.case_code}, event {other.event_id}); serials "
                    "are never reused"
                )
            if not new and other.case_code == case.code and assigned.revision == case.revision:
                raise DuplicateSerialError(
                    f"case {case.code} revision {case.revision} was given serial {assigned.udi_pi.serial} "
                    "meanwhile; ask again to see it"
                )

    event = store.append(
        UDI_ASSIGNED,
        case_code=case.code,
        payload=payload,
        by=by,
        at=at,
        precondition=still_free,
        precondition_kinds=(UDI_ASSIGNED,),
    )
    return UdiRecord.from_event(event), True
