"""The installation and operational qualification (IQ/OQ) record of a self-test run (``dvw selftest --report``).

REQUIREMENTS 4.7.1 asks that software used in design and verification is validated before first use and after every
change, and that the software's name and version are recorded. A site keeps this PDF with its records:

- **Installation qualification**: what is installed (DVW's version, the software manifest ID, the number of hashed
  files, the lock file's hash, each key library's version), where (the installation folder, frozen bundle or Python
  environment) and on which machine (host name, operating system, processor, cores, memory, Python), and when;
- **Operational qualification**: each known-answer case of the built-in suite with every comparison it made
  (expected value, observed value, tolerance, pass or fail) and the outcome of the whole run;
- lines for the people who performed and reviewed the qualification to sign and date on paper.

Nothing about patients is in it: the suite's inputs are generated in code.
"""

from __future__ import annotations

import getpass
import io
import os
import platform
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from base.files import write_atomically
from validation.manifest import LOCK_FILE, Manifest
from validation.selftest import CASE_TITLES, SelftestResult

_PASS = colors.HexColor("#1b7f3b")
_FAIL = colors.HexColor("#b3261e")
_RULE = colors.HexColor("#9e9e9e")
_HEAD = colors.HexColor("#eceff1")


@dataclass(frozen=True)
class MachineFacts:
    """The machine and installation a self-test ran on.

    Attributes
    ----------
    host
        Network host name.
    operating_system
        ``platform.platform()`` (kernel and distribution).
    processor
        Architecture and processor name where the OS reports it.
    cores
        Logical CPU count.
    memory_gib
        Physical memory (GiB), None where it cannot be read.
    python
        Python implementation and version.
    installation
        The folder DVW runs from, and whether it is a frozen bundle or a Python environment.
    user
        The operating-system account that ran the suite.
    """

    host: str
    operating_system: str
    processor: str
    cores: int
    memory_gib: float | None
    python: str
    installation: str
    user: str

    def to_json(self) -> dict[str, Any]:
        """The facts as a JSON object."""
        return {
            "host": self.host,
            "operating_system": self.operating_system,
            "processor": self.processor,
            "cores": self.cores,
            "memory_gib": self.memory_gib,
            "python": self.python,
            "installation": self.installation,
            "user": self.user,
        }


def _memory_gib() -> float | None:
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not on every platform (Windows)
        return None
    return round(pages * page_size / 2**30, 1) if pages > 0 and page_size > 0 else None


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment or the password database
        return "unknown"


def machine_facts() -> MachineFacts:
    """The facts of this machine and installation."""
    frozen = bool(getattr(sys, "frozen", False))
    folder = Path(sys.executable).parent if frozen else Path(__file__).resolve().parent.parent
    processor = " ".join(part for part in (platform.machine(), platform.processor()) if part)
    return MachineFacts(
        host=socket.gethostname(),
        operating_system=platform.platform(),
        processor=processor or "unknown",
        cores=os.cpu_count() or 1,
        memory_gib=_memory_gib(),
        python=f"{platform.python_implementation()} {platform.python_version()}",
        installation=f"{folder} ({'frozen bundle' if frozen else 'Python environment: ' + sys.prefix})",
        user=_user(),
    )


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"], fontSize=9, leading=11.5)
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"], fontSize=16, leading=20, spaceAfter=2 * mm),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], fontSize=12, leading=15, spaceBefore=4 * mm),
        "h3": ParagraphStyle("h3", parent=sheet["Heading3"], fontSize=10, leading=13, spaceBefore=3 * mm),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=8, leading=10),
        "mono": ParagraphStyle("mono", parent=body, fontName="Courier", fontSize=7, leading=9),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _grid(rows: list[list[Any]], widths: list[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, _RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), _HEAD))
    table.setStyle(TableStyle(commands))
    return table


def _outcome(passed: bool, style: ParagraphStyle) -> Paragraph:
    colour = _PASS.hexval()[2:] if passed else _FAIL.hexval()[2:]
    return Paragraph(f'<font color="#{colour}"><b>{"PASS" if passed else "FAIL"}</b></font>', style)


def _lock_hash(manifest: Manifest) -> str:
    return dict(manifest.files).get(LOCK_FILE, "not installed beside the packages")


def qualification_pdf(
    result: SelftestResult, manifest: Manifest, machine: MachineFacts, *, validated_before: bool
) -> bytes:
    """The IQ/OQ record of ``result`` as PDF bytes (A4).

    Parameters
    ----------
    result
        The self-test run (its manifest ID must be ``manifest``'s).
    manifest
        The software manifest the suite ran on.
    machine
        Where it ran (:func:`machine_facts`).
    validated_before
        Whether this installation had a passing record for the manifest before this run.

    Returns
    -------
    bytes
        The PDF.
    """
    styles = _styles()
    cell, body = styles["cell"], styles["body"]
    width = A4[0] - 36 * mm
    story: list[Any] = [
        _p("DVW installation and operational qualification", styles["title"]),
        _p(f"Record of the built-in validation suite run of {result.finished_at} (UTC).", body),
        Spacer(1, 2 * mm),
    ]
    verdict = "PASSED: every case matched its known answer" if result.passed else "FAILED: see the cases marked FAIL"
    banner = Table([[Paragraph(f"<b>{escape(verdict)}</b>", body)]], colWidths=[width])
    banner.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#e8f5e9" if result.passed else "#fdecea")),
                ("BOX", (0, 0), (-1, -1), 1.0, _PASS if result.passed else _FAIL),
            ]
        )
    )
    story += [banner, _p("1. Installation qualification", styles["h2"])]
    cases_passed = sum(case.passed for case in result.cases)
    software: list[tuple[str, str | Paragraph]] = [
        ("Software", f"DVW {manifest.version}"),
        ("Software manifest ID", Paragraph(escape(manifest.manifest_id), styles["mono"])),
        ("Hashed files", f"{len(manifest.files)} (every DVW source and resource file, SHA-256)"),
        ("Lock file (uv.lock) SHA-256", Paragraph(escape(_lock_hash(manifest)), styles["mono"])),
        ("Installation", machine.installation),
        ("Validated before this run", "yes" if validated_before else "no"),
    ]
    story.append(
        _grid(
            [[_p(k, cell), v if not isinstance(v, str) else _p(v, cell)] for k, v in software],
            [55 * mm, width - 55 * mm],
            header=False,
        )
    )
    story.append(_p("Machine", styles["h3"]))
    facts = [
        ["Host", machine.host],
        ["Operating system", machine.operating_system],
        ["Processor", machine.processor],
        ["Logical cores", str(machine.cores)],
        ["Memory", "unknown" if machine.memory_gib is None else f"{machine.memory_gib:g} GiB"],
        ["Python", machine.python],
        ["Run by (account)", machine.user],
    ]
    story.append(_grid([[_p(k, cell), _p(v, cell)] for k, v in facts], [55 * mm, width - 55 * mm], header=False))
    story.append(_p("Key libraries", styles["h3"]))
    libraries = [[_p("Library", cell), _p("Version", cell)]] + [
        [_p(n, cell), _p(v, cell)] for n, v in manifest.libraries
    ]
    story.append(_grid(libraries, [70 * mm, 50 * mm]))

    story.append(_p("2. Operational qualification", styles["h2"]))
    story.append(
        _p(
            f"{cases_passed} of {len(result.cases)} cases passed in {result.seconds:.1f} s. Each case generates its "
            "input in code, runs the real DVW step and compares the result with a value known independently "
            "(geometry, analytic formulas, hand-set verdicts).",
            body,
        )
    )
    summary = [[_p("Case", cell), _p("What it checks", cell), _p("Comparisons", cell), _p("Result", cell)]]
    for case in result.cases:
        summary.append(
            [
                _p(case.id, cell),
                _p(CASE_TITLES.get(case.id, ""), cell),
                _p(str(len(case.comparisons)), cell),
                _outcome(case.passed, cell),
            ]
        )
    story.append(_grid(summary, [38 * mm, width - 38 * mm - 44 * mm, 22 * mm, 22 * mm]))
    for case in result.cases:
        rows: list[list[Any]] = [[_p(h, cell) for h in ("Check", "Expected", "Observed", "Tolerance", "Result")]]
        if case.comparisons:
            rows += [
                [
                    _p(c.what, cell),
                    _p(c.expected, cell),
                    _p(c.observed, cell),
                    _p(c.tolerance, cell),
                    _outcome(c.passed, cell),
                ]
                for c in case.comparisons
            ]
        else:
            rows.append([_p(case.detail, cell), "", "", "", _outcome(case.passed, cell)])
        title = _p(f"{case.id}: {CASE_TITLES.get(case.id, '')}", styles["h3"])
        story.append(KeepTogether([title, _grid(rows, [width - 112 * mm, 32 * mm, 32 * mm, 28 * mm, 20 * mm])]))

    story.append(_p("3. Approval", styles["h2"]))
    sign: list[list[Any]] = [
        [_p("Role", cell), _p("Name", cell), _p("Signature", cell), _p("Date", cell)],
        [_p("Performed by", cell), "", "", ""],
        [_p("Reviewed by (quality)", cell), "", "", ""],
    ]
    table = _grid(sign, [40 * mm, 50 * mm, 50 * mm, width - 140 * mm])
    table.setStyle(TableStyle([("ROWHEIGHTS", (0, 1), (-1, -1), 12 * mm)]))
    story.append(table)

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(18 * mm, 10 * mm, f"DVW {manifest.version}  manifest {manifest.manifest_id[:16]}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"IQ/OQ record {result.finished_at}  page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title="DVW installation and operational qualification",
        author="DVW",
        subject=f"manifest {manifest.manifest_id}",
        invariant=True,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def write_qualification_report(pdf: bytes, path: str | Path) -> Path:
    """Write ``pdf`` to ``path`` atomically (a temporary file renamed into place); returns the path."""
    target = Path(path)
    write_atomically(target, lambda tmp: tmp.write_bytes(pdf))
    return target
