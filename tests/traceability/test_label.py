"""The GS1 DataMatrix and the device label: the symbol, the printed PDF (rasterised by poppler) and the PNG decode back
to the UDI's element string with the GS1 flag; the label text; deterministic output."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from people import People
from PIL import Image
from test_udi import CODE, record_signed_case

from records.store import Store
from traceability.assignment import UdiRecord, assign_udi
from traceability.gs1 import Udi
from traceability.label import (
    PERSONALISED,
    SAMPLE_WARNING,
    datamatrix_modules,
    decode_symbol,
    hri_lines,
    label_pdf,
    label_png,
    symbol_image,
)

UDIS = [
    Udi("09506000134352", "12345/A(7)", date(2026, 5, 1), date(2031, 4, 30), "ABC-123"),
    Udi("80614141123458", "6789", date(2026, 1, 2)),
    Udi("00614141000012", "3FA9C1-048213377012", date(2026, 11, 24), None, "!\"%&'*+,-./:;<=>?_z"),
]


@pytest.mark.parametrize("udi", UDIS, ids=["lot+expiry", "minimal", "cset82"])
def test_the_datamatrix_decodes_to_the_same_element_string_as_gs1(udi: Udi) -> None:
    modules = datamatrix_modules(udi)
    assert modules.shape[0] == modules.shape[1]  # square ECC 200, never the rectangular extension
    for scale in (3, 8):
        decoded = decode_symbol(symbol_image(udi, scale=scale))
        assert decoded is not None
        assert decoded.gs1
        assert decoded.symbology_identifier == "]d2"  # ECC 200, FNC1 in first position: a GS1 DataMatrix
        assert decoded.element_string == udi.element_string
        assert decoded.hri == udi.hri


@pytest.fixture
def record(people_home: tuple[Path, People]) -> Iterator[UdiRecord]:
    """The UDI of a signed case on a copy of a set-up workstation."""
    home, people = people_home
    with Store.open(home) as store:
        record_signed_case(store, people)
        yield assign_udi(store, CODE, by=people.engineer)[0]


def _rasterise(pdf: bytes, folder: Path, dpi: int = 300) -> list[Path]:
    source = folder / "in.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), str(folder / "page")], check=True)
    return sorted(folder.glob("page*.png"))


def test_the_label_pdf_decodes_and_reads_right(record: UdiRecord, tmp_path: Path) -> None:
    pdf = label_pdf(record)
    assert pdf == label_pdf(record)  # deterministic: no time stamps or random ids
    (page,) = _rasterise(pdf, tmp_path)
    with Image.open(page) as image:
        width_px, height_px = image.size
        decoded = decode_symbol(np.asarray(image.convert("L")))
    assert (round(width_px / 300 * 25.4), round(height_px / 300 * 25.4)) == (100, 50)
    assert decoded is not None
    assert decoded.gs1
    assert decoded.element_string == record.udi.element_string
    source = tmp_path / "label.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, text=True, check=True).stdout
    for line in hri_lines(record.udi):
        assert line in text
    assert PERSONALISED in text
    assert SAMPLE_WARNING in text
    assert f"Case {CODE}, design revision 1" in text


def test_the_label_png_decodes(record: UdiRecord) -> None:
    png = label_png(record)
    assert png == label_png(record)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.mode == "L"
        assert round(image.info["dpi"][0]) == 300
        decoded = decode_symbol(image)
    assert decoded is not None
    assert decoded.gs1
    assert decoded.element_string == record.udi.element_string
