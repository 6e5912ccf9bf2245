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


#: The mechanical figures the report lists, in order, with their plain titles.
MECHANICAL_FIGURES = (
    ("mech.max_von_mises", "Peak von Mises stress"),
    ("mech.min_safety_factor", "Minimum safety factor (yield)"),
    ("mech.max_displacement", "Peak displacement"),
)
#: What the analysis assumes, as the report states it.
ASSUMPTIONS = (
    "Linear-elastic static finite-element analysis of the design alone (quadratic tetrahedra on a Netgen mesh): "
    "linear elasticity, small strain, an isotropic material, static loads acting together; the bone is not "
    "modelled, the held surface is fixed. It does not predict fatigue life, impact, creep or the strength of "
    "the fixation."
)


@dataclass(frozen=True, eq=False)
class MechanicalRecord:
    """What a case's latest check recorded of its mechanical analysis: the report's data and the stress field.

    Attributes
    ----------
    summary
        Plain data for :func:`records.report.analysis_section`.
    field_path
        The stored stress field (``<design>.stress.npz``), None when the check kept none.
    design_path, design_suffix, anatomy_path, anatomy_suffix
        The stored design and anatomy files and their files' suffixes, for the picture (anatomy None when absent).
    """

    summary: dict[str, Any]
    field_path: Path | None
    design_path: Path
    design_suffix: str
    anatomy_path: Path | None
    anatomy_suffix: str = ".stl"


def _point_text(point: str | tuple[float, float, float]) -> str:
    if isinstance(point, str):
        return f"the design's {point}"
    return f"({point[0]:.1f}, {point[1]:.1f}, {point[2]:.1f}) mm"


def mechanical_record(store: Store, case: CaseState) -> MechanicalRecord | None:
    """The mechanical analysis of the case's latest check, from its recorded files; None when it had none.

    The load case is read from the recorded load-case file, the figures (with their uncertainty and method) from
    the recorded parameters, each figure's limit and status from the check.
    """
    from mechanics.loadcases import load_load_cases  # noqa: PLC0415
    from validation.parameters import read_parameters  # noqa: PLC0415

    if case.check is None:
        return None
    payload = dict(case.check.payload)
    artifacts, names = payload.get("artifacts", {}), payload.get("file_names", {})
    if not isinstance(artifacts, dict) or not isinstance(names, dict):
        return None
    if not {"load_cases", "parameters", "design"} <= set(artifacts):
        return None
    cases = load_load_cases(store.artifact_path(artifacts["load_cases"]))
    parameters = read_parameters(store.artifact_path(artifacts["parameters"]))
    results = {str(r.get("name")): r for r in payload.get("results", []) if isinstance(r, dict)}
    figures = []
    method = ""
    for name, title in MECHANICAL_FIGURES:
        value = parameters.get(name)
        if value is None:
            continue
        result = results.get(name, {})
        limits = [f"{side} {result[side]:g}" for side in ("min", "max") if result.get(side) is not None]
        figures.append(
            {
                "name": name,
                "title": title,
                "value": value.value,
                "uncertainty": value.uncertainty,
                "unit": "" if value.unit == "1" else value.unit,
                "limit": ", ".join(limits),
                "status": result.get("status", "not limited"),
            }
        )
        if name == "mech.max_von_mises":
            method = value.method if value.value is not None else f"not measured: {value.reason}"
    material = cases.material
    summary: dict[str, Any] = {
        "load_cases": {"id": cases.id, "version": cases.version, "title": cases.title, "sha256": cases.sha256},
        "assumptions": ASSUMPTIONS,
        "material": [
            ["material", material.name],
            [
                "elastic constants",
                f"E = {material.youngs_modulus_mpa:g} MPa, Poisson's ratio {material.poisson_ratio:g}",
            ],
            [
                "strength",
                f"yield {material.yield_strength_mpa:g} MPa"
                + ("" if material.fatigue_strength_mpa is None else f", fatigue {material.fatigue_strength_mpa:g} MPa"),
            ],
            ["material source", material.source],
        ],
        "supports": [
            [
                f"support: {support.name}",
                f"fixed: the surface {support.region} {support.distance_mm:g} mm of {_point_text(support.point)}",
            ]
            for support in cases.supports
        ],
        "loads": [
            [
                f"load: {load.name}",
                f"{load.kind} {load.magnitude:g} {load.unit} over a {load.radius_mm:g} mm disc at "
                f"{_point_text(load.point)}, "
                + (f"directed {load.direction}" if isinstance(load.direction, str) else f"along {load.direction}"),
            ]
            for load in cases.loads
        ],
        "figures": figures,
        "method": method,
    }
    field_sha = artifacts.get("stress_field")
    anatomy_sha = artifacts.get("anatomy")
    return MechanicalRecord(
        summary=summary,
        field_path=None if field_sha is None else store.artifact_path(field_sha),
        design_path=store.artifact_path(artifacts["design"]),
        design_suffix=Path(str(names.get("design", ".stl"))).suffix,
        anatomy_path=None if anatomy_sha is None else store.artifact_path(anatomy_sha),
        anatomy_suffix=Path(str(names.get("anatomy", ".stl"))).suffix,
    )


def stress_picture(record: MechanicalRecord) -> tuple[bytes, str] | None:
    """The design coloured by the recorded von Mises field, its peak marked, off screen (PNG), and its caption.

    None when the check kept no stress field. Rendering needs OpenGL (see :mod:`geometry.render`).
    """
    from geometry.io import read_mesh  # noqa: PLC0415
    from geometry.render import render_field_png  # noqa: PLC0415
    from mechanics.field import read_stress_field  # noqa: PLC0415

    if record.field_path is None:
        return None
    field = read_stress_field(record.field_path)
    design = read_mesh(record.design_path, suffix=record.design_suffix)
    anatomy = None if record.anatomy_path is None else read_mesh(record.anatomy_path, suffix=record.anatomy_suffix)
    png = render_field_png(
        design,
        field.vertex_von_mises_mpa,
        (0.0, field.max_von_mises_mpa),
        anatomy=anatomy,
        marker=field.worst_point_mm,
        bar_title="MPa",
        size=REPORT_PICTURE,
    )
    x, y, z = field.worst_point_mm
    caption = (
        f"Von Mises stress on the design (MPa), seen from outside; the ball marks the peak, "
        f"{field.max_von_mises_mpa:.3g} MPa at ({x:.1f}, {y:.1f}, {z:.1f}) mm (LPS). The nodal stresses (element "
        "values averaged at each node) are interpolated on the analysis mesh's nearest surface triangle."
    )
    return png, caption


def _analysis_sections(
    store: Store, case: CaseState, picture: bytes | None, render: bool, warn: Callable[[str], None]
) -> tuple[Any, ...]:
    from records.report import analysis_section  # noqa: PLC0415

    record = mechanical_record(store, case)
    if record is None:
        return ()
    summary = dict(record.summary)
    if picture is None and render:
        try:
            made = stress_picture(record)
        except Exception as exc:  # noqa: BLE001 - no OpenGL here: the section is complete without its picture
            warn(f"no stress picture in the report (rendering failed: {exc})")
            made = None
        if made is not None:
            picture, summary["caption"] = made
    elif picture is not None:
        summary["caption"] = (
            "Von Mises stress on the design (MPa), as the window's stress map (View > Stress map) showed it; the "
            "red marker labelled with the peak stress marks the worst point."
        )
    return (analysis_section(summary, picture),)


def case_report(
    home: Path,
    code: str,
    *,
    images: Sequence[tuple[str, bytes]] | Callable[[Store, CaseState], Sequence[tuple[str, bytes]]],
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    stress_picture_png: bytes | None = None,
    render_stress: bool = False,
    warn: Callable[[str], None] = _warn,
) -> CaseReport:
    """Build case ``code``'s report from the store at ``home`` (:func:`traceability.report.build_report`).

    The records are audited, the signers named with their role and qualification, and the software manifest of
    this process is stated with whether it was validated on this workstation. ``images`` are (caption, PNG) pairs,
    or a function of the open store and the case that makes them (:func:`recorded_pictures`). When the check
    measured ``mech.*``, a "Mechanical analysis" section follows the parameters (:func:`mechanical_record`), with
    ``stress_picture_png`` or, with ``render_stress``, the stress map rendered off screen (:func:`stress_picture`;
    ``warn`` is told when that fails).

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
        analysis = _analysis_sections(store, case, stress_picture_png, render_stress, warn)
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
            analysis=analysis,
        )
    return CaseReport(pdf, case, manifest.manifest_id)


@dataclass(frozen=True)
class ReportRequest:
    """A report to write: the case, the PDF path and pictures taken from the 3D view.

    Each picture is (caption, PNG bytes) or (caption, RGB pixels rows top to bottom): pixels are fitted to the
    report's 800 x 600 (cut or filled out at the sides with ``background``) and encoded here, in the background
    (encoding takes tens of milliseconds). ``stress_picture`` is the 3D view's stress map (View > Stress map), for
    the report's mechanical analysis.
    """

    home: Path
    code: str
    output: Path
    images: Sequence[tuple[str, Picture]] = ()
    background: tuple[int, int, int] = (255, 255, 255)
    stress_picture: Picture | None = None


def write_case_report(request: ReportRequest, progress: ProgressCallback, cancel: CancelToken) -> Path:
    """Write the case's PDF report (what ``dvw report`` writes; the pictures come from the caller)."""
    from geometry.render import picture_png  # noqa: PLC0415
    from records.report import write_report  # noqa: PLC0415

    report(progress, 0.05, "preparing the pictures")
    images = [
        (caption, picture if isinstance(picture, bytes) else picture_png(picture, REPORT_PICTURE, request.background))
        for caption, picture in request.images
    ]
    stress = request.stress_picture
    if stress is not None and not isinstance(stress, bytes):
        stress = picture_png(stress, REPORT_PICTURE, request.background)
    built = case_report(
        request.home, request.code, images=images, progress=progress, cancel=cancel, stress_picture_png=stress
    )
    write_report(built.pdf, request.output)
    report(progress, 1.0, "report written")
    return request.output
