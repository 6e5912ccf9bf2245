"""The device label: a GS1 DataMatrix of the UDI (machine-readable) with its HRI text (human-readable).

The symbol is made by zxing-cpp (:func:`datamatrix_modules`) in GS1 mode from the UDI's element string, as a
square ECC 200 symbol, so it starts with FNC1 and a scanner reports it as ``]d2`` followed by the machine-readable
element string (GS between a variable-length value and the next AI). :func:`decode_symbol` reads an image back
with zxing-cpp; ``dvw label`` and the tests check that the symbol decodes to the same element string, GS1 flagged.

The label (:func:`label_pdf`, 100 mm x 50 mm, vector modules; or :func:`label_png`, 300 dpi) shows the symbol, the
HRI (each AI with its GS1 data title), the device name, "Additively manufactured personalised device", the case
code and revision, and "SAMPLE - NOT FOR CLINICAL USE" for a sample family. It never shows patient identity
(REQUIREMENTS 4.7.11's label naming clinician and patient belongs to the hospital's usage record, which stays on the
site; the case code links to it). Output is deterministic: the same UDI gives the same bytes (reportlab's invariant
mode; PNG written by Pillow without time stamps).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import zxingcpp
from numpy.typing import NDArray
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from traceability.assignment import UdiRecord
from traceability.errors import InvalidGs1ValueError
from traceability.gs1 import AI_TITLES, Udi

LABEL_WIDTH_MM = 100.0
LABEL_HEIGHT_MM = 50.0
SYMBOL_MM = 24.0
QUIET_ZONE_MODULES = 2
PNG_DPI = 300
PERSONALISED = "Additively manufactured personalised device"
SAMPLE_WARNING = "SAMPLE - NOT FOR CLINICAL USE"


@dataclass(frozen=True)
class DecodedSymbol:
    """What a scanner read from an image: the raw element string (GS separators), HRI text and whether GS1."""

    element_string: str
    hri: str
    gs1: bool
    symbology_identifier: str


def datamatrix_modules(udi: Udi) -> NDArray[np.bool_]:
    """The GS1 DataMatrix of the UDI as a module matrix (rows top to bottom; True = dark), without quiet zone.

    Raises
    ------
    InvalidGs1ValueError
        When the encoder refuses the data.
    """
    try:
        # Square ECC 200 only: the rectangular extension (DMRE) that the encoder would otherwise pick for short
        # data is not read by every hospital scanner, and GS1 healthcare guidance asks for square symbols.
        symbol = zxingcpp.create_barcode(udi.bracketed, zxingcpp.BarcodeFormat.DataMatrix, gs1=True, forceSquare=True)
    except (ValueError, RuntimeError) as exc:
        raise InvalidGs1ValueError(f"the DataMatrix encoder refused {udi.hri}: {exc}") from None
    modules = np.asarray(symbol.to_image(scale=1, add_quiet_zones=False)) < 128
    if modules.shape[0] != modules.shape[1]:
        raise InvalidGs1ValueError(f"the DataMatrix encoder made a {modules.shape} symbol, not a square one")
    return modules


def symbol_image(udi: Udi, *, scale: int = 8) -> NDArray[np.uint8]:
    """The symbol as an 8-bit grey image (dark 0, light 255), ``scale`` pixels per module, with quiet zone."""
    modules = np.pad(datamatrix_modules(udi), QUIET_ZONE_MODULES, constant_values=False)
    image = np.where(modules, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((scale, scale), dtype=np.uint8))


def decode_symbol(image: Any) -> DecodedSymbol | None:
    """Read a DataMatrix from an image (numpy grey/BGR array or PIL image) with zxing-cpp; None when none found."""
    found = zxingcpp.read_barcode(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.DataMatrix), text_mode=zxingcpp.TextMode.HRI
    )
    if found is None or not found.valid:
        return None
    return DecodedSymbol(
        element_string=found.bytes.decode("latin-1"),
        hri=found.text,
        gs1=found.content_type == zxingcpp.ContentType.GS1,
        symbology_identifier=found.symbology_identifier,
    )


def symbol_drawing(udi: Udi, size_mm: float = SYMBOL_MM) -> Drawing:
    """The symbol as a reportlab vector drawing ``size_mm`` wide (quiet zone included), one rectangle per run."""
    modules = np.pad(datamatrix_modules(udi), QUIET_ZONE_MODULES, constant_values=False)
    rows, columns = modules.shape
    module = size_mm * mm / columns
    drawing = Drawing(columns * module, rows * module)
    for row in range(rows):
        column = 0
        while column < columns:
            if not modules[row, column]:
                column += 1
                continue
            start = column
            while column < columns and modules[row, column]:
                column += 1
            # One rectangle per horizontal run of dark modules: fewer objects, no hairline gaps between them.
            y = (rows - 1 - row) * module
            run = Rect(start * module, y, (column - start) * module, module)
            run.fillColor = colors.black
            run.strokeColor = None
            drawing.add(run)
    return drawing


def hri_lines(udi: Udi) -> list[str]:
    """The HRI as one line per AI with its GS1 data title, e.g. ``(21) SERIAL 3FA9C1-048213377012``."""
    return [f"({ai}) {AI_TITLES[ai]} {value}" for ai, value in udi.ai_values()]


def _text_lines(record: UdiRecord) -> list[tuple[str, str]]:
    """(style, text) lines printed beside the symbol: ``b`` bold, ``n`` normal, ``m`` monospaced."""
    lines = [("b", record.device_name or record.family_id), ("n", PERSONALISED)]
    if record.sample:
        lines.append(("b", SAMPLE_WARNING))
    lines.append(("n", f"Case {record.case_code}, design revision {record.revision}"))
    lines += [("m", line) for line in hri_lines(record.udi)]
    return lines


def label_pdf(record: UdiRecord) -> bytes:
    """The label as a one-page PDF (100 mm x 50 mm): DataMatrix, HRI and device text (see the module docstring)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(LABEL_WIDTH_MM * mm, LABEL_HEIGHT_MM * mm), invariant=True, pageCompression=1)
    canvas.setTitle(f"DVW label {record.case_code} {record.udi.serial}")
    canvas.setAuthor("DVW")
    drawing = symbol_drawing(record.udi)
    drawing.drawOn(canvas, 3 * mm, (LABEL_HEIGHT_MM * mm - drawing.height) / 2)
    fonts = {"b": ("Helvetica-Bold", 7.0), "n": ("Helvetica", 6.5), "m": ("Courier", 6.5)}
    x, y = 30 * mm, LABEL_HEIGHT_MM * mm - 7 * mm
    room = LABEL_WIDTH_MM * mm - x - 2 * mm
    for style, text in _text_lines(record):
        name, size = fonts[style]
        canvas.setFont(name, size)
        for line in _wrap(text, _pdf_fits(name, size, room)):
            canvas.drawString(x, y, line)
            y -= size + 2.2
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _pdf_fits(font: str, size: float, room: float) -> Callable[[str], bool]:
    def fits(text: str) -> bool:
        return stringWidth(text, font, size) <= room

    return fits


def _png_fits(draw: Any, font: Any, room: float) -> Callable[[str], bool]:
    def fits(text: str) -> bool:
        return bool(draw.textlength(text, font=font) <= room)

    return fits


def _wrap(text: str, fits: Callable[[str], bool], max_lines: int = 2) -> list[str]:
    """``text`` in at most ``max_lines`` lines that each ``fits``, broken at spaces.

    The last line is shortened with "..." if the text is still longer.
    """
    lines: list[str] = []
    words = text.split(" ")
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and fits(f"{line} {words[0]}"):
            line += " " + words.pop(0)
        lines.append(line)
    if words or not fits(lines[-1]):
        last = " ".join([lines[-1], *words])
        while len(last) > 4 and not fits(last + "..."):
            last = last[:-1]
        lines[-1] = last.rstrip() + "..."
    return lines


def label_png(record: UdiRecord) -> bytes:
    """The label as a PNG at 300 dpi (same content as :func:`label_pdf`), grey scale."""
    from PIL import Image, ImageDraw, ImageFont  # noqa: PLC0415 - Pillow comes with reportlab; loaded on demand

    px_per_mm = PNG_DPI / 25.4
    width, height = round(LABEL_WIDTH_MM * px_per_mm), round(LABEL_HEIGHT_MM * px_per_mm)
    canvas = Image.new("L", (width, height), 255)
    modules = datamatrix_modules(record.udi).shape[1] + 2 * QUIET_ZONE_MODULES
    scale = max(1, round(SYMBOL_MM * px_per_mm / modules))
    symbol = Image.fromarray(symbol_image(record.udi, scale=scale), mode="L")
    canvas.paste(symbol, (round(3 * px_per_mm), (height - symbol.height) // 2))
    draw = ImageDraw.Draw(canvas)
    x, y = round(30 * px_per_mm), round(5 * px_per_mm)
    room = width - x - round(2 * px_per_mm)
    for style, text in _text_lines(record):
        size = 30 if style == "b" else 27
        font = ImageFont.load_default(size=size)
        for line in _wrap(text, _png_fits(draw, font, room)):
            draw.text((x, y), line, fill=0, font=font)
            y += size + 9
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", dpi=(PNG_DPI, PNG_DPI))
    return buffer.getvalue()
