"""Errors raised by :mod:`traceability`: device identification (UDI), labels and trace steps refused."""

from __future__ import annotations

from base.errors import DvwError


class TraceabilityError(DvwError):
    """A device identification or trace operation is refused (base class of the UDI and trace errors)."""

    code = "traceability"


class InvalidGtinError(TraceabilityError):
    """A GTIN (or GLN) is malformed: wrong length, not digits, or a wrong GS1 check digit."""

    code = "invalid_gtin"


class InvalidGs1ValueError(TraceabilityError):
    """A GS1 element string or AI value is malformed (unknown AI, bad date, length or character set)."""

    code = "invalid_gs1_value"


class DeviceFamilyError(TraceabilityError):
    """A device family configuration is missing, malformed, or does not match its GS1 company prefix."""

    code = "device_family"


class NotSignedError(TraceabilityError):
    """A device identifier is requested for a case whose current revision carries no valid signature."""

    code = "not_signed"


class DuplicateSerialError(TraceabilityError):
    """A serial number is already assigned to another device in this store (serials are never reused)."""

    code = "duplicate_serial"


class NoUdiError(TraceabilityError):
    """The case's current revision has no device identifier yet (``dvw udi assign`` first)."""

    code = "no_udi"


class TraceOrderError(TraceabilityError):
    """A trace step is out of order: repeated, skipped, earlier than the previous step, or after the last step."""

    code = "trace_order"
