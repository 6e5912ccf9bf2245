"""The case report: the PDF of a case's records, the software, the audit, pictures of the design (no Qt here).

:func:`case_report` assembles it for both faces: ``dvw report`` renders its pictures of the checked anatomy and
design off-screen (:func:`recorded_pictures`), the window takes them from its 3D view (:class:`ReportRequest`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.progress import CancelToken, ProgressCallback, checkpoint, report

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from records.cases import CaseState
    from records.store import Store

    #: A picture for the report: PNG bytes, or RGB pixels (rows top to bottom) to be fitted and encoded.
    Picture = bytes | npt.NDArray[np.uint8]

log = logging.getLogger("dvw.report")

#: The report's pictures (width, height in pixels): the report prints them 82 x 61.5 mm.
REPORT_PICTURE = (800, 600)


@dataclass(frozen=True, eq=False)
class CaseReport:
    """A case report as built: the PDF's bytes, the case it reports, the software manifest that made it."""

    pdf: bytes
    case: CaseState
    manifest_id: str

    @property
    def pages(self) -> int:
        """The number of pages of the PDF."""
        return self.pdf.count(b"/Type /Page") - self.pdf.count(b"/Type /Pages")


def _warn(message: str) -> None:
    log.warning("%s", message)


def recorded_pictures(store: Store, case: CaseState, *, warn: Callable[[str], None] = _warn) -> list[tuple[str, bytes]]:
    """Off-screen renderings of the anatomy and design of the case's latest check (PNG).

    Empty without a checked design, and empty (after telling ``warn`` why) when rendering is not possible here
    (no OpenGL): the report is complete without pictures.
    """
    from geometry.io import read_mesh  # noqa: PLC0415
    from geometry.render import render_png  # noqa: PLC0415

    if case.check is None:
        return []
    payload = dict(case.check.payload)
    artifacts, names = payload.get("artifacts", {}), payload.get("file_names", {})
    if not isinstance(artifacts, dict) or not isinstance(names, dict) or "design" not in artifacts:
        return []

    def mesh(name: str) -> Any:
        return read_mesh(store.artifact_path(artifacts[name]), suffix=Path(str(names.get(name, ".stl"))).suffix)

    design = mesh("design")
    anatomy = mesh("anatomy") if "anatomy" in artifacts else None
    try:
        return [
            ("The design on the anatomy (oblique view)", render_png(anatomy, design, view="design")),
            ("Overview, seen from outside the design", render_png(anatomy, design, view="overview")),
        ]
    except Exception as exc:  # noqa: BLE001 - no OpenGL here: the report is still complete without pictures
        warn(f"no pictures in the report (rendering failed: {exc})")
        return []


def case_report(
    home: Path,
    code: str,
    *,
    images: Sequence[tuple[str, bytes]] | Callable[[Store, CaseState], Sequence[tuple[str, bytes]]],
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> CaseReport:
    """Build case ``code``'s report from the store at ``home`` (:func:`traceability.report.build_report`).

    The records are audited, the signers named with their role and qualification, and the software manifest of
    this process is stated with whether it was validated on this workstation. ``images`` are (caption, PNG) pairs,
    or a function of the open store and the case that makes them (:func:`recorded_pictures`).

    Raises
    ------
    CaseNotFoundError
        When the store has no such case.
    Cancelled
        When ``cancel`` is set before the report is built.
    """
    from records.selftests import is_validated  # noqa: PLC0415
    from records.store import Store  # noqa: PLC0415
    from records.users import load_users  # noqa: PLC0415
    from traceability.report import build_report  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415

    manifest = current_manifest()
    report(progress, 0.1, "auditing the records")
    with Store.open(home) as store:
        case = store.case(code)
        audit = store.verify()
        checkpoint(cancel)
        users = {
            user.user_id: {
                "printed_name": user.printed_name,
                "role": user.role,
                "qualification": user.qualification or "",
            }
            for user in load_users(store).values()
        }
        pictures = list(images(store, case) if callable(images) else images)
        report(progress, 0.6, "writing the report")
        pdf = build_report(
            case,
            audit=audit,
            manifest_id=manifest.manifest_id,
            software_version=manifest.version,
            validated=is_validated(store, manifest.manifest_id),
            users=users,
            images=pictures,
            generated_at=datetime.now().astimezone(),
        )
    return CaseReport(pdf, case, manifest.manifest_id)


@dataclass(frozen=True)
class ReportRequest:
    """A report to write: the case, the PDF path and pictures taken from the 3D view.

    Each picture is (caption, PNG bytes) or (caption, RGB pixels rows top to bottom): pixels are fitted to the
    report's 800 x 600 (cut or filled out at the sides with ``background``) and encoded here, in the background
    (encoding takes tens of milliseconds).
    """

    home: Path
    code: str
    output: Path
    images: Sequence[tuple[str, Picture]] = ()
    background: tuple[int, int, int] = (255, 255, 255)


def write_case_report(request: ReportRequest, progress: ProgressCallback, cancel: CancelToken) -> Path:
    """Write the case's PDF report (what ``dvw report`` writes; the pictures come from the caller)."""
    from geometry.render import picture_png  # noqa: PLC0415
    from records.report import write_report  # noqa: PLC0415

    report(progress, 0.05, "preparing the pictures")
    images = [
        (caption, picture if isinstance(picture, bytes) else picture_png(picture, REPORT_PICTURE, request.background))
        for caption, picture in request.images
    ]
    built = case_report(request.home, request.code, images=images, progress=progress, cancel=cancel)
    write_report(built.pdf, request.output)
    report(progress, 1.0, "report written")
    return request.output
