"""The GS1 codec of a UDI: check digits, AI values, element strings, the HRI and GS1 Digital Link.

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
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from traceability.errors import InvalidGs1ValueError, InvalidGtinError

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
DIGITAL_LINK_BASE = "https://id.gs1.org"


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
