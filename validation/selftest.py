"""The built-in validation suite (``dvw selftest``): known-answer cases a site runs after installing or updating.

REQUIREMENTS 4.7.1 asks that software used in design and verification is validated for its use before it is used,
and again after changes. Each case generates its input in code, runs the real DVW step on it and compares the result
with a value known independently (geometry, analytic volume and area formulas, hand-set verdicts):

- ``import.geometry``: a gantry-tilted and an axial phantom series written as DICOM are scanned and imported; the
  tilt is found and corrected, and the grid, spacing and voxel values are the written ones;
- ``segment.sphere``: the bone preset on a sphere phantom gives the analytic volume (1 %);
- ``mesh.sphere``: its gray-level mesh is closed, with the analytic volume (1 %) and area (2 %);
- ``measure.design``: every ``design.*`` value of a plate over a spherical skull (volume, area, extents, wall,
  shells, watertight) against its exact value;
- ``measure.fit``: ``fit.*`` and ``anatomy.defect_span`` of that plate over an analytic skull with a round defect,
  resting at a known gap and sunk to a known depth;
- ``measure.patient`` and ``measure.imaging``: patient facts and the imported phantom's acquisition records;
- ``check.verdicts``: an envelope and parameter sets with hand-set verdicts (inclusive limits, unit conversion, a
  missing value, a worst-case hull).

Nothing is stored here: the person who ran it records the outcome in the local store's log
(:func:`records.selftests.record_selftest`, ``dvw selftest --user``); a manifest without a passed record there is
not validated on that workstation, and sign-off is refused.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from base.progress import CancelToken, ProgressCallback, checkpoint, report
from geometry.mesh import mesh_from_volume
from geometry.plate import PlateDesign, plate_mesh, spherical_plate_values
from imaging.assemble import assemble, select_series
from imaging.segment import SegmentParams, segment
from imaging.series import scan_folder
from imaging.synthetic import AXIAL, regular_stack, tilted_stack, write_ct_series
from imaging.volume import Volume
from validation.check import check
from validation.envelope import parse_envelope
from validation.parameters import Parameters, ParameterValue
from validation.registry import MeasureInputs, measure

_IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


@dataclass(frozen=True)
class Comparison:
    """One comparison of a case: what was compared, the expected and observed values, the tolerance, the outcome.

    Values are text as shown in the record and the qualification report (numbers to 6 significant digits, with the
    unit in ``what``); ``tolerance`` is ``"exact"``, ``"+/- t"`` or ``"t x"`` (relative).
    """

    what: str
    expected: str
    observed: str
    tolerance: str
    passed: bool

    def to_json(self) -> dict[str, Any]:
        """The comparison as a JSON object."""
        return {
            "what": self.what,
            "expected": self.expected,
            "observed": self.observed,
            "tolerance": self.tolerance,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class CaseResult:
    """One case of the suite.

    Attributes
    ----------
    id
        Stable case name.
    passed
        Whether every comparison held.
    detail
        The comparisons made (measured vs expected, tolerance), or the failure.
    comparisons
        The same comparisons one by one (empty when the case failed with an error).
    """

    id: str
    passed: bool
    detail: str
    comparisons: tuple[Comparison, ...] = ()


@dataclass(frozen=True)
class SelftestResult:
    """The suite's outcome for one manifest.

    Attributes
    ----------
    passed
        Every case passed.
    manifest_id
        The software manifest that was tested.
    cases
        Per-case results.
    seconds
        Wall time of the whole suite.
    finished_at
        ISO 8601 time (UTC) the suite finished.
    """

    passed: bool
    manifest_id: str
    cases: tuple[CaseResult, ...]
    seconds: float
    finished_at: str

    def to_json(self) -> dict[str, Any]:
        """The JSON object of ``dvw selftest --json``."""
        return {
            "passed": self.passed,
            "manifest_id": self.manifest_id,
            "cases": [
                {
                    "id": c.id,
                    "passed": c.passed,
                    "detail": c.detail,
                    "comparisons": [comparison.to_json() for comparison in c.comparisons],
                }
                for c in self.cases
            ],
            "seconds": round(self.seconds, 3),
            "finished_at": self.finished_at,
        }


class _Checks:
    """Collects comparisons for one case; a failed one is recorded, not raised, so every comparison is reported."""

    def __init__(self) -> None:
        self.comparisons: list[Comparison] = []
        self.ok = True

    def _add(self, comparison: Comparison) -> None:
        self.comparisons.append(comparison)
        self.ok &= comparison.passed

    def near(
        self, what: str, measured: float | None, expected: float, tolerance: float, *, relative: bool = False
    ) -> None:
        bound = f"{tolerance:.3g} x" if relative else f"+/- {tolerance:.3g}"
        if measured is None:
            self._add(Comparison(what, f"{expected:.6g}", "not measured", bound, False))
            return
        allowed = tolerance * abs(expected) if relative else tolerance
        good = abs(measured - expected) <= allowed
        self._add(Comparison(what, f"{expected:.6g}", f"{measured:.6g}", bound, good))

    def equal(self, what: str, measured: object, expected: object) -> None:
        self._add(Comparison(what, repr(expected), repr(measured), "exact", measured == expected))

    @property
    def detail(self) -> str:
        return "; ".join(
            f"{c.what}: {c.observed} vs {c.expected}"
            + ("" if c.tolerance == "exact" else f" ({c.tolerance})")
            + (" ok" if c.passed else " FAILED")
            for c in self.comparisons
        )


def _sphere_volume(radius: float = 20.0) -> Volume:
    """A solid bone sphere (1000 HU, 1 voxel partial-volume ramp) in -1000 HU air, 0.6 x 0.6 x 1.2 mm voxels."""
    spacing = (0.6, 0.6, 1.2)
    shape = (40, 80, 80)
    origin = (-23.7, -23.7, -23.4)
    k, j, i = np.meshgrid(*(np.arange(n, dtype=np.float64) for n in shape), indexing="ij")
    x, y, z = origin[0] + i * spacing[0], origin[1] + j * spacing[1], origin[2] + k * spacing[2]
    signed = radius - np.sqrt(x * x + y * y + z * z)
    fraction = np.clip(signed / min(spacing) + 0.5, 0.0, 1.0)
    hu = np.rint(-1000.0 + 2000.0 * fraction).astype(np.int16)
    return Volume(hu, spacing, origin, _IDENTITY)


def _case_import(work: Path) -> tuple[_Checks, Volume]:
    checks = _Checks()
    rng = np.random.default_rng(4_7_1)
    voxels = rng.integers(-1000, 2000, size=(12, 24, 32), dtype=np.int16)
    axial = work / "axial"
    write_ct_series(
        axial,
        voxels,
        placement=regular_stack(12, 1.25, origin=(-10.0, -20.0, 30.0), orientation=AXIAL),
        pixel_spacing_xy=(0.7, 0.8),
        uid_seed="dvw-selftest-axial",
        slice_thickness_mm=1.25,
    )
    result = assemble(select_series(scan_folder(axial)))
    volume = result.volume
    checks.equal("axial size", volume.size, (32, 24, 12))
    checks.near("axial x spacing", volume.spacing[0], 0.7, 1e-6)
    checks.near("axial y spacing", volume.spacing[1], 0.8, 1e-6)
    checks.near("axial z spacing", volume.spacing[2], 1.25, 1e-6)
    checks.equal("axial origin", tuple(round(v, 6) for v in volume.origin), (-10.0, -20.0, 30.0))
    checks.equal("axial voxels identical", bool(np.array_equal(volume.voxels, voxels)), True)
    tilted = work / "tilted"
    write_ct_series(
        tilted,
        np.full((20, 16, 16), 100, dtype=np.int16),
        placement=tilted_stack(20, 2.0, 15.0),
        pixel_spacing_xy=(1.0, 1.0),
        uid_seed="dvw-selftest-tilted",
    )
    series = select_series(scan_folder(tilted))
    checks.near("tilt found (deg)", series.tilt_deg, 15.0, 0.01)
    corrected = assemble(series)
    checks.equal("tilt corrected", corrected.volume.meta("dvw.tilt_corrected"), "1")
    matrix = corrected.volume.direction_matrix
    checks.near(
        "corrected grid orthonormal (max |D^T D - I|)", float(np.abs(matrix.T @ matrix - np.eye(3)).max()), 0.0, 1e-9
    )
    return checks, volume


def _case_segment_and_mesh() -> tuple[_Checks, _Checks]:
    sphere = _sphere_volume()
    exact_volume = 4.0 / 3.0 * math.pi * 20.0**3
    exact_area = 4.0 * math.pi * 20.0**2
    seg_checks = _Checks()
    bone = segment(sphere, SegmentParams.from_preset("bone", keep_largest=1))
    seg_checks.near("bone volume (mm3)", bone.volume_mm3, exact_volume, 0.01, relative=True)
    seg_checks.equal("components", bone.components_kept, 1)
    mesh_checks = _Checks()
    result = mesh_from_volume(sphere, 0.0)
    metrics = result.metrics
    mesh_checks.equal("watertight and manifold", metrics.watertight and metrics.manifold, True)
    mesh_checks.near("mesh volume (mm3)", metrics.volume_mm3, exact_volume, 0.01, relative=True)
    mesh_checks.near("mesh area (mm2)", metrics.area_mm2, exact_area, 0.02, relative=True)
    return seg_checks, mesh_checks


_SKULL_RADIUS = 70.0
_DEFECT_RADIUS = 25.0
_AXIS = (-0.6, 0.2, 0.75)


def _plate(gap: float) -> PlateDesign:
    semi = (_SKULL_RADIUS, _SKULL_RADIUS, _SKULL_RADIUS)
    return PlateDesign((0.0, 0.0, 0.0), semi, _AXIS, 35.0, gap, 4.0)


def _values(parameters: Parameters) -> dict[str, float | None]:
    return {v.name: v.value for v in parameters.values}


def _case_design() -> _Checks:
    checks = _Checks()
    design = _plate(0.5)
    exact = spherical_plate_values(design, _DEFECT_RADIUS)
    values = _values(measure(MeasureInputs(design=plate_mesh(design))))
    checks.near("design.volume (mm3)", values.get("design.volume"), exact.volume_mm3, 0.002, relative=True)
    checks.near("design.area (mm2)", values.get("design.area"), exact.area_mm2, 0.002, relative=True)
    checks.near("design.min_wall_thickness (mm)", values.get("design.min_wall_thickness"), 4.0, 0.01)
    # The plate's outline is a circle of radius 35 mm on the sphere: its box is 2 x 35.25 mm (the outer surface's
    # outline, at radius 74.5 x sin(theta)) across, and the cap's height plus the rim's tilt deep.
    r_in, r_out = _SKULL_RADIUS + design.gap_mm, _SKULL_RADIUS + design.gap_mm + design.thickness_mm
    sin_t = design.radius_mm / _SKULL_RADIUS
    cos_t = math.sqrt(1.0 - sin_t * sin_t)
    checks.near("design.extent_max (mm)", values.get("design.extent_max"), 2.0 * r_out * sin_t, 0.05)
    # trimesh's minimum-volume box search (over the convex hull's facets) settles slightly off the axis: 0.25 mm.
    checks.near("design.extent_min (mm)", values.get("design.extent_min"), r_out - r_in * cos_t, 0.25)
    checks.equal("design.shells", values.get("design.shells"), 1.0)
    checks.equal("design.watertight", values.get("design.watertight"), 1.0)
    return checks


def _case_fit() -> _Checks:
    checks = _Checks()
    semi = (_SKULL_RADIUS, _SKULL_RADIUS, _SKULL_RADIUS)
    skull = plate_mesh(
        PlateDesign((0.0, 0.0, 0.0), semi, _AXIS, 60.0, -6.0, 6.0, rings=80, sectors=360, hole_radius_mm=_DEFECT_RADIUS)
    )
    for gap in (0.5, -0.3):
        design = _plate(gap)
        exact = spherical_plate_values(design, _DEFECT_RADIUS)
        values = _values(measure(MeasureInputs(anatomy=skull, design=plate_mesh(design)), family="cranial_plate"))
        if gap > 0:
            checks.near("fit.max_gap at 0.5 mm (mm)", values.get("fit.max_gap"), gap, 0.05)
            checks.near("fit.mean_gap at 0.5 mm (mm)", values.get("fit.mean_gap"), gap, 0.02)
            checks.near("fit.max_penetration at 0.5 mm (mm)", values.get("fit.max_penetration"), 0.0, 1e-9)
        else:
            checks.near("fit.max_penetration at -0.3 mm (mm)", values.get("fit.max_penetration"), -gap, 0.02)
        # Bearing = bone within 3 mm straight below: exactly the inner surface over the bone (2 % is the triangles'
        # classification by their centres along the defect's edge).
        checks.near(
            f"fit.contact_area at {gap} mm (mm2)",
            values.get("fit.contact_area"),
            exact.contact_area_mm2,
            0.04,
            relative=True,
        )
        checks.near(f"anatomy.defect_span at {gap} mm (mm)", values.get("anatomy.defect_span"), 2 * _DEFECT_RADIUS, 1.5)
    return checks


def _case_patient_and_imaging(imported: Volume) -> _Checks:
    checks = _Checks()
    patient = {"birth_date": "1980-05-02", "reference_date": "2026-05-01", "weight_kg": 70.5}
    values = _values(measure(MeasureInputs(patient=patient, volume=imported)))
    checks.near("patient.age (year)", values.get("patient.age"), 45.0, 0.0)
    checks.near("patient.weight (kg)", values.get("patient.weight"), 70.5, 0.0)
    checks.near("imaging.slice_spacing (mm)", values.get("imaging.slice_spacing"), 1.25, 1e-6)
    checks.near("imaging.slice_thickness (mm)", values.get("imaging.slice_thickness"), 1.25, 1e-6)
    checks.near("imaging.pixel_spacing (mm)", values.get("imaging.pixel_spacing"), 0.8, 1e-9)
    checks.near("imaging.field_of_view (mm)", values.get("imaging.field_of_view"), 32 * 0.7, 1e-9)
    checks.near("imaging.gantry_tilt (deg)", values.get("imaging.gantry_tilt"), 0.0, 1e-6)
    return checks


_ENVELOPE = """
[envelope]
id = "selftest"
version = "1"
family = "cranial_plate"
title = "DVW self-test envelope"
validation_report = "built in"
approved_by = "DVW"
approved_on = 2026-01-01

[[parameter]]
name = "design.min_wall_thickness"
unit = "cm"
min = 0.3
max = 0.8
near_limit = 0.05

[[parameter]]
name = "anatomy.defect_span"
unit = "mm"
max = 120

[[parameter]]
name = "patient.age"
unit = "year"
min = 18
required = false

[[constraint]]
id = "hull"
type = "hull"
parameters = ["anatomy.defect_span", "design.min_wall_thickness"]
points = [[20, 0.3], [120, 0.4], [120, 0.8], [20, 0.8]]
"""


def _case_verdicts() -> _Checks:
    checks = _Checks()
    envelope = parse_envelope(_ENVELOPE, "selftest.toml")

    def verdict(wall_mm: float | None, span_mm: float) -> str:
        values = (
            ParameterValue("design.min_wall_thickness", wall_mm, "mm"),
            ParameterValue("anatomy.defect_span", span_mm, "mm"),
        )
        return check(envelope, Parameters(values)).verdict

    checks.equal("wall 3 mm at the 0.3 cm limit, span 20 mm", verdict(3.0, 20.0), "within")
    checks.equal("wall 8 mm at the 0.8 cm limit", verdict(8.0, 60.0), "within")
    checks.equal("wall 2.99 mm below 0.3 cm", verdict(2.99, 20.0), "out_of_envelope")
    checks.equal("wall 3.2 mm at span 120 mm, outside the hull", verdict(3.2, 120.0), "out_of_envelope")
    checks.equal("span 120.5 mm above 120", verdict(5.0, 120.5), "out_of_envelope")
    checks.equal("wall missing", verdict(None, 60.0), "indeterminate")
    return checks


def _case_mechanics() -> _Checks:
    from mechanics.verification import cantilever  # noqa: PLC0415 - loads the solver on use

    checks = _Checks()
    for answer in cantilever():
        checks.near(
            f"cantilever {answer.quantity.replace('_', ' ')} ({answer.unit}), {answer.elements} quadratic tetrahedra",
            answer.computed,
            answer.expected,
            answer.tolerance,
            relative=True,
        )
    return checks


def _case_nafems_le1() -> _Checks:
    from mechanics.verification import nafems_le1  # noqa: PLC0415 - loads the solver on use

    checks = _Checks()
    for answer in nafems_le1():
        checks.near(
            f"NAFEMS LE1 sigma_yy at D ({answer.unit}), {answer.elements} quadratic tetrahedra",
            answer.computed,
            answer.expected,
            answer.tolerance,
            relative=True,
        )
    return checks


def _case_nafems_le10() -> _Checks:
    from mechanics.verification import nafems_le10  # noqa: PLC0415 - loads the solver on use

    checks = _Checks()
    for answer in nafems_le10():
        checks.near(
            f"NAFEMS LE10 sigma_yy at D ({answer.unit}), {answer.elements} quadratic tetrahedra",
            answer.computed,
            answer.expected,
            answer.tolerance,
            relative=True,
        )
    return checks


#: The suite's cases in order: id and what it compares (for documentation and the report).
CASES = (
    "import.geometry",
    "segment.sphere",
    "mesh.sphere",
    "measure.design",
    "measure.fit",
    "measure.patient_imaging",
    "check.verdicts",
    "mechanics.cantilever",
    "mechanics.nafems_le1",
    "mechanics.nafems_le10",
)
#: What each case checks, for the qualification report.
CASE_TITLES = {
    "import.geometry": "DICOM import: grid, spacing, origin and voxels of an axial series; a 15 degree gantry tilt "
    "found and corrected",
    "segment.sphere": "bone segmentation of a sphere phantom against its analytic volume",
    "mesh.sphere": "gray-level mesh of the sphere: closed, analytic volume and area",
    "measure.design": "design.* values of a plate over a spherical skull against their exact values",
    "measure.fit": "fit.* and anatomy.defect_span of the plate resting at a known gap and sunk to a known depth",
    "measure.patient_imaging": "patient facts and the imported phantom's acquisition records",
    "check.verdicts": "envelope check verdicts: inclusive limits, unit conversion, a missing value, a worst-case hull",
    "mechanics.cantilever": "finite-element solver (quadratic tetrahedra, default mesh level) on a 200 x 10 x 10 mm "
    "steel cantilever under a 1 kN end load: tip deflection within 1 % and mid-span bending stress within 2 % of "
    "Timoshenko beam theory (bending plus shear, Cowper's shear coefficient; Timoshenko & Gere, Mechanics of "
    "Materials)",
    "mechanics.nafems_le1": "finite-element solver on NAFEMS benchmark LE1, the elliptic membrane (E 210 GPa, nu 0.3, "
    "100 mm thick, 10 MPa outward on its outer edge; one quarter, default mesh level): the tangential stress "
    "sigma_yy at point D within 2 % of 92.7 MPa (NAFEMS, The Standard NAFEMS Benchmarks, TNSB rev. 3, 1990)",
    "mechanics.nafems_le10": "finite-element solver on NAFEMS benchmark LE10, the thick elliptic plate (E 210 GPa, "
    "nu 0.3, 600 mm thick, 1 MPa on its upper face, the outer face held in x and y, and in z within half a mesh "
    "layer of its mid-plane where the benchmark holds its mid-line; one quarter, default mesh level): the stress "
    "sigma_yy at point D on the upper face within 2 % of -5.38 MPa (NAFEMS, The Standard NAFEMS Benchmarks, "
    "TNSB rev. 3, 1990)",
}


def _run_cases(work: Path, cancel: CancelToken | None) -> Iterator[tuple[str, Callable[[], _Checks]]]:
    imported: list[Volume] = []

    def do_import() -> _Checks:
        checks, volume = _case_import(work)
        imported.append(volume)
        return checks

    segment_mesh: list[_Checks] = []

    def do_segment() -> _Checks:
        segment_mesh.extend(_case_segment_and_mesh())
        return segment_mesh[0]

    yield "import.geometry", do_import
    yield "segment.sphere", do_segment
    yield "mesh.sphere", lambda: segment_mesh[1]
    yield "measure.design", _case_design
    yield "measure.fit", _case_fit
    yield "measure.patient_imaging", lambda: _case_patient_and_imaging(imported[0])
    yield "check.verdicts", _case_verdicts
    yield "mechanics.cantilever", _case_mechanics
    yield "mechanics.nafems_le1", _case_nafems_le1
    yield "mechanics.nafems_le10", _case_nafems_le10
    checkpoint(cancel)


def run_selftest(
    manifest_id: str, *, progress: ProgressCallback | None = None, cancel: CancelToken | None = None
) -> SelftestResult:
    """Run every case and return the outcome (nothing is stored; see :func:`record_selftest`).

    A case that raises is a failed case with the error as its detail: the suite always runs to the end.
    """
    from datetime import UTC, datetime  # noqa: PLC0415

    started = time.perf_counter()
    results: list[CaseResult] = []
    with tempfile.TemporaryDirectory(prefix="dvw-selftest-") as folder:
        for index, (case_id, run) in enumerate(_run_cases(Path(folder), cancel)):
            checkpoint(cancel)
            report(progress, index / len(CASES), case_id)
            try:
                checks = run()
            except Exception as exc:  # noqa: BLE001 - a failing step is a failed case, reported with its error
                results.append(CaseResult(case_id, False, f"error: {type(exc).__name__}: {exc}"))
                continue
            results.append(CaseResult(case_id, checks.ok, checks.detail, tuple(checks.comparisons)))
    report(progress, 1.0, "self-test done")
    return SelftestResult(
        passed=all(r.passed for r in results) and len(results) == len(CASES),
        manifest_id=manifest_id,
        cases=tuple(results),
        seconds=time.perf_counter() - started,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
