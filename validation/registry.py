"""The measurement registry: every named patient and design parameter DVW can measure, and :func:`measure`.

Each :class:`Measurement` has a dotted name (``imaging.*``, ``anatomy.*``, ``design.*``, ``fit.*``,
``patient.*``), a unit (as pint spells it; ``1`` for counts and flags), a title, a description of exactly how it is
computed, the inputs it needs (and those it uses when given), and a function. :func:`measure` computes every
measurement that the given inputs allow. A measurement whose inputs are present but which cannot be made on this
case (no bearing surface, a field the volume file does not carry, an unreadable patient value) is recorded with no
value and the reason; the envelope check treats it as missing, so a required one makes the case indeterminate.

The values measured at a place (the thinnest wall, the largest gap, the deepest penetration, the defect, the
thinnest bone...) carry that place (LPS mm) and an uncertainty in their unit (see :mod:`validation.fit`): the GUI
marks the place of a flagged value, and the envelope check reports a value within its uncertainty of a limit as
``near_limit``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from base.errors import DvwError
from base.progress import CancelToken, ProgressCallback, checkpoint, report, subrange
from geometry.mesh import Mesh
from geometry.metrics import WALL_OPPOSITE_DEG, MeshMetrics, WallThickness, mesh_metrics, min_wall_thickness
from imaging.volume import Volume
from validation.fit import (
    CAPTURE_MM,
    EDGE_MARGIN_MM,
    EXIT_ANGLE_DEG,
    SAMPLE_EDGE_MM,
    SENSITIVITY_MM,
    BoneThicknessValues,
    FitAnalysis,
    FitValue,
    analyse_fit,
    bone_thickness_values,
)
from validation.parameters import Parameters, ParameterValue

if TYPE_CHECKING:  # the solver (scipy.sparse, Netgen) loads only when an analysis runs
    from mechanics.analysis import FeaResult
    from mechanics.loadcases import LoadCases

Input = Literal["volume", "mask", "anatomy", "design", "patient", "load_cases"]


class UnmeasurableError(Exception):
    """Raised by a measurement function when its inputs are present but the value cannot be measured."""


@dataclass(frozen=True, eq=False)
class MeasureInputs:
    """What a measurement may use; each input comes with the SHA-256 of the file it was read from.

    Attributes
    ----------
    volume, mask
        The imported image and a segmentation mask (0/1) on its grid.
    anatomy, design
        The anatomy mesh (bone surface) and the device design, in the same patient frame.
    patient
        The patient facts (a JSON object; see :func:`patient_age`).
    load_cases
        The device family's load cases (:mod:`mechanics.loadcases`): with a design, the ``mech.*`` values.
    sha256
        Input name to SHA-256 of its file.
    """

    volume: Volume | None = None
    mask: Volume | None = None
    anatomy: Mesh | None = None
    design: Mesh | None = None
    patient: Mapping[str, Any] | None = None
    load_cases: LoadCases | None = None
    sha256: Mapping[str, str] | None = None

    def has(self, name: Input) -> bool:
        """Whether input ``name`` was given."""
        return getattr(self, name) is not None

    def digest(self, name: Input) -> str:
        """SHA-256 of input ``name`` ("" when unknown)."""
        return (self.sha256 or {}).get(name, "")


class MeasureContext:
    """The inputs plus the costly intermediate results several measurements share (computed once, on demand)."""

    def __init__(self, inputs: MeasureInputs, cancel: CancelToken | None = None) -> None:
        self.inputs = inputs
        self.cancel = cancel
        self._fea_outcome: FeaResult | DvwError | None = None

    @property
    def volume(self) -> Volume:
        """The volume (only called by measurements that require it)."""
        assert self.inputs.volume is not None
        return self.inputs.volume

    @property
    def mask(self) -> Volume:
        """The mask."""
        assert self.inputs.mask is not None
        return self.inputs.mask

    @property
    def design(self) -> Mesh:
        """The design mesh."""
        assert self.inputs.design is not None
        return self.inputs.design

    @property
    def anatomy(self) -> Mesh:
        """The anatomy mesh."""
        assert self.inputs.anatomy is not None
        return self.inputs.anatomy

    @property
    def patient(self) -> Mapping[str, Any]:
        """The patient facts."""
        assert self.inputs.patient is not None
        return self.inputs.patient

    @cached_property
    def design_metrics(self) -> MeshMetrics:
        """Volume, area, topology of the design."""
        return mesh_metrics(self.design, cancel=self.cancel)

    @cached_property
    def design_extents(self) -> tuple[float, float, float]:
        """Edge lengths of the design's oriented bounding box, largest first (mm).

        The box is ``trimesh.bounds.oriented_bounds``: the smallest box among those aligned with a facet of the
        convex hull, which can exceed the true minimum box by a fraction of a millimetre on curved parts (0.19 mm on
        the self-test's spherical plate).
        """
        import trimesh  # noqa: PLC0415 - imported on first use

        points = self.design.vertices
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                box = np.asarray(trimesh.bounds.oriented_bounds(points)[1], dtype=np.float64)
        except (IndexError, ValueError, TypeError):  # collinear or coincident points: no hull (or trimesh finds none)
            box = np.full(3, np.nan)
        if not np.all(np.isfinite(box)):
            # A flat or degenerate design: its axis-aligned extents are the honest answer (the hull is not 3D).
            box = np.ptp(points, axis=0) if len(points) else np.zeros(3)
        extents = sorted((float(v) for v in box), reverse=True)
        return extents[0], extents[1], extents[2]

    @cached_property
    def fit(self) -> FitAnalysis:
        """The design's surface classified against the anatomy (the mask, when given, for the uncertainties)."""
        return analyse_fit(self.design, self.anatomy, grid=self.inputs.mask, cancel=self.cancel)

    @cached_property
    def bone_thickness(self) -> BoneThicknessValues:
        """Bone thickness under the seat, away from the defect's edge (mm)."""
        return bone_thickness_values(self.fit, self.mask)

    def run_analysis(self, progress: ProgressCallback | None = None) -> FeaResult | DvwError:
        """Run the finite-element analysis once (reporting its stages to ``progress``): its result or its refusal.

        Later calls (and :attr:`fea`) return the same outcome without analysing again.

        Raises
        ------
        Cancelled
            When the context's cancel token is set (nothing is kept: a later call analyses again).
        """
        from mechanics.analysis import analyse  # noqa: PLC0415 - imported on first use, for start-up time

        if self._fea_outcome is None:
            assert self.inputs.load_cases is not None
            try:
                self._fea_outcome = analyse(self.design, self.inputs.load_cases, progress=progress, cancel=self.cancel)
            except DvwError as exc:  # kept: the three mech.* values give the same reason without meshing again
                self._fea_outcome = exc
        return self._fea_outcome

    @property
    def fea(self) -> FeaResult:
        """The finite-element analysis of the design under the load cases (two mesh levels), run once.

        Raises
        ------
        DvwError
            The analysis' refusal (a design that cannot be meshed, a load case that selects nothing), every time.
        """
        outcome = self.run_analysis()
        if isinstance(outcome, DvwError):
            raise outcome
        return outcome

    @property
    def analysis(self) -> FeaResult | None:
        """The finite-element analysis if a measurement ran it and it succeeded (None otherwise: nothing is run)."""
        outcome = self._fea_outcome
        return None if outcome is None or isinstance(outcome, DvwError) else outcome

    @cached_property
    def wall(self) -> WallThickness | None:
        """The design's thinnest wall."""
        return min_wall_thickness(self.design, cancel=self.cancel)


@dataclass(frozen=True)
class Measured:
    """A value measured at a place, with its uncertainty.

    Attributes
    ----------
    value
        The value in the measurement's unit.
    method
        How it was computed (one sentence, with the settings used).
    location
        Where it was measured (LPS mm), or None.
    uncertainty
        How far the true value may be from ``value``, in the measurement's unit; None when the value is exact by
        its definition on the given inputs.
    """

    value: float
    method: str
    location: tuple[float, float, float] | None = None
    uncertainty: float | None = None


#: What a measurement function returns: the value and the method sentence, or a :class:`Measured`.
Result = tuple[float, str] | Measured


@dataclass(frozen=True)
class Measurement:
    """A registered measurement.

    Attributes
    ----------
    name
        Dotted name.
    unit
        pint unit string (``1`` for counts and flags).
    title
        Short human title.
    description
        How it is computed, precisely enough to re-do by hand.
    inputs
        The inputs it needs (all of them).
    compute
        Returns (value in ``unit``, method sentence) or a :class:`Measured`; raises :class:`UnmeasurableError`
        when it cannot be measured.
    families
        Device families it applies to (empty: all).
    uses
        Inputs it uses when they are given but does not need (the mask's voxel grid, for the fit's uncertainties):
        their hashes are recorded with the value when they are given.
    """

    name: str
    unit: str
    title: str
    description: str
    inputs: tuple[Input, ...]
    compute: Callable[[MeasureContext], Result]
    families: tuple[str, ...] = ()
    uses: tuple[Input, ...] = ()


def _meta_float(volume: Volume, key: str, what: str) -> float:
    text = volume.meta(key)
    if text is None:
        raise UnmeasurableError(f"the volume file does not record {what} (import DICOM with DVW to .nrrd or .mha)")
    return float(text)


def _slice_spacing(ctx: MeasureContext) -> Result:
    acquired = ctx.volume.meta("dvw.slice_spacing_mm")
    if acquired is not None:
        return float(acquired), "distance between acquired slice positions along their normal (DICOM headers)"
    return float(ctx.volume.spacing[2]), "z spacing of the volume grid (the file records no acquisition spacing)"


def _pixel_spacing(ctx: MeasureContext) -> Result:
    return max(ctx.volume.spacing[0], ctx.volume.spacing[1]), "larger of the volume's x and y spacings"


def _slice_thickness(ctx: MeasureContext) -> Result:
    value = _meta_float(ctx.volume, "dvw.slice_thickness_mm", "the slice thickness")
    return value, "median nominal SliceThickness (0018,0050) of the imported instances"


def _gantry_tilt(ctx: MeasureContext) -> Result:
    value = _meta_float(ctx.volume, "dvw.gantry_tilt_deg", "the gantry tilt")
    return abs(value), "angle between the slice normal and the stacking direction of the acquired slices"


def _tilt_corrected(ctx: MeasureContext) -> Result:
    value = _meta_float(ctx.volume, "dvw.tilt_corrected", "whether a tilt was corrected")
    return value, "1 when a gantry tilt was resampled onto an orthogonal grid at import, else 0"


def _field_of_view(ctx: MeasureContext) -> Result:
    size, spacing = ctx.volume.size, ctx.volume.spacing
    return max(size[0] * spacing[0], size[1] * spacing[1]), "larger in-plane extent of the volume (voxels x spacing)"


def _scan_length(ctx: MeasureContext) -> Result:
    return ctx.volume.size[2] * ctx.volume.spacing[2], "extent of the volume along z (slices x spacing)"


def _bone_volume(ctx: MeasureContext) -> Result:
    voxels = int(np.count_nonzero(np.asarray(ctx.mask.voxels)))
    spacing = ctx.mask.spacing
    return voxels * spacing[0] * spacing[1] * spacing[2], "voxels set in the mask times the voxel volume"


def _uncertainty_words(ctx: MeasureContext) -> str:
    if ctx.inputs.mask is not None:
        resolution = "half the mask's voxel along the surface normal"
    else:
        resolution = "no mask given: the voxel grid's resolution is not included"
    return (
        f"uncertainty: root sum of squares of {resolution}, the sampling, and the change when the {EDGE_MARGIN_MM:g} "
        f"mm edge margin moves by {SENSITIVITY_MM:g} mm"
    )


def _fit_method(what: str, detail: str, ctx: MeasureContext) -> str:
    return (
        f"{what} ({detail}); design sampled to edges <= {SAMPLE_EDGE_MM} mm; bearing = facing the anatomy with bone "
        f"within {CAPTURE_MM:g} mm straight below (along the normal) or inside the bone; seat = bearing at least "
        f"{EDGE_MARGIN_MM:g} mm from the defect's outline; {_uncertainty_words(ctx)}"
    )


def _located(found: FitValue | None, what: str, reason: str, ctx: MeasureContext) -> Measured:
    if found is None:
        raise UnmeasurableError(reason)
    return Measured(found.value, _fit_method(what, found.detail, ctx), found.location, found.uncertainty)


def _bone_thickness(kind: Literal["min", "mean"]) -> Callable[[MeasureContext], Result]:
    def compute(ctx: MeasureContext) -> Result:
        values = ctx.bone_thickness
        found = values.min if kind == "min" else values.mean
        if found is None:
            raise UnmeasurableError(
                f"no ray from the design's seat (bearing, {EDGE_MARGIN_MM:g} mm or more from the defect's edge) "
                "crosses the bone and leaves it through its far side"
            )
        what = "thinnest" if kind == "min" else "mean"
        method = (
            f"{what} bone along the normals of the seat's triangles through the mask (trilinear, >= 0.5, crossings "
            f"interpolated), counting rays that leave the bone through a surface within {EXIT_ANGLE_DEG:g} deg of "
            f"the ray ({found.detail}); uncertainty: root sum of squares of half the mask's voxel along the ray at "
            f"both surfaces, the crossings, and the change when the {EDGE_MARGIN_MM:g} mm edge margin moves by "
            f"{SENSITIVITY_MM:g} mm"
        )
        return Measured(found.value, method, found.location, found.uncertainty)

    return compute


def _defect_span(ctx: MeasureContext) -> Result:
    return _located(
        ctx.fit.defect_span(),
        "largest distance between two points of the defect's outline",
        "every facing part of the design bears on bone: no defect under it",
        ctx,
    )


def _defect_area(ctx: MeasureContext) -> Result:
    found = ctx.fit.defect_area()
    if found is None:  # no defect: its area is 0, exactly
        return Measured(0.0, _fit_method("area of the defect regions", "there is none", ctx), None, 0.0)
    return _located(found, "area of the defect regions", "", ctx)


_NO_SEAT = f"no part of the design bears on the anatomy {EDGE_MARGIN_MM:g} mm or more from the defect's edge (no seat)"


def _max_gap(ctx: MeasureContext) -> Result:
    return _located(ctx.fit.max_gap(), "largest clearance of the seat from the anatomy (0 inside it)", _NO_SEAT, ctx)


def _mean_gap(ctx: MeasureContext) -> Result:
    return _located(
        ctx.fit.mean_gap(), "area-weighted mean clearance of the seat from the anatomy (0 inside it)", _NO_SEAT, ctx
    )


def _max_penetration(ctx: MeasureContext) -> Result:
    found = ctx.fit.max_penetration()
    return _located(found, "depth of the design's deepest sampled point inside the anatomy", "", ctx)


def _contact_area(ctx: MeasureContext) -> Result:
    return _located(
        ctx.fit.contact_area(), "area of the bearing triangles", "no part of the design bears on the anatomy", ctx
    )


def _design_volume(ctx: MeasureContext) -> Result:
    return ctx.design_metrics.volume_mm3, "enclosed volume by the divergence theorem over the triangles"


def _design_area(ctx: MeasureContext) -> Result:
    return ctx.design_metrics.area_mm2, "sum of the triangles' areas"


def _extent(index: int) -> Callable[[MeasureContext], Result]:
    def compute(ctx: MeasureContext) -> Result:
        return ctx.design_extents[
            index
        ], "edge of the oriented bounding box aligned with a convex-hull facet (sorted, largest first)"

    return compute


def _min_wall(ctx: MeasureContext) -> Result:
    wall = ctx.wall
    if wall is None:
        raise UnmeasurableError("no ray from the design's surface meets an opposite side facing it (an open sheet?)")
    where = ", ".join(f"{v:.1f}" for v in wall.location)
    method = (
        f"shortest ray from a triangle's centroid along its inward surface normal to where it leaves the design "
        f"through a surface facing it back (within {WALL_OPPOSITE_DEG:g} deg), over {wall.triangles_measured} "
        f"triangles; thinnest at ({where}) mm; uncertainty: half the largest difference to the walls of the "
        "triangles around it and the ray's obliquity there"
    )
    return Measured(wall.min_mm, method, wall.location, wall.uncertainty_mm)


def _shells(ctx: MeasureContext) -> Result:
    return float(ctx.design_metrics.shells), "edge-connected components of triangles"


def _watertight(ctx: MeasureContext) -> Result:
    metrics = ctx.design_metrics
    closed = metrics.watertight and metrics.manifold
    return (1.0 if closed else 0.0), "1 when every edge joins exactly two consistently oriented triangles, else 0"


def _patient_number(ctx: MeasureContext, keys: tuple[str, ...]) -> float | None:
    for key in keys:
        if key in ctx.patient:
            value = ctx.patient[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise UnmeasurableError(f"patient {key} is not a number")
            return float(value)
    return None


def _date(value: Any, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UnmeasurableError(f"patient {key} is not an ISO date (YYYY-MM-DD)") from None


def patient_age(patient: Mapping[str, Any]) -> tuple[float, str]:
    """Age in years from ``age_years``, or from ``birth_date`` and ``reference_date`` (ISO dates).

    Returns the age and the method sentence; raises :class:`UnmeasurableError` when neither form is given.
    """
    if "age_years" in patient:
        value = patient["age_years"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise UnmeasurableError("patient age_years is not a non-negative number")
        return float(value), "age_years from the patient file"
    if "birth_date" in patient and "reference_date" in patient:
        born = _date(patient["birth_date"], "birth_date")
        then = _date(patient["reference_date"], "reference_date")
        years = then.year - born.year - ((then.month, then.day) < (born.month, born.day))
        if years < 0:
            raise UnmeasurableError("patient reference_date is before birth_date")
        return float(years), "completed years from birth_date to reference_date in the patient file"
    raise UnmeasurableError("the patient file gives neither age_years nor birth_date with reference_date")


def _age(ctx: MeasureContext) -> Result:
    return patient_age(ctx.patient)


def _weight(ctx: MeasureContext) -> Result:
    value = _patient_number(ctx, ("weight_kg",))
    if value is None or value <= 0:
        raise UnmeasurableError("the patient file gives no positive weight_kg")
    return value, "weight_kg from the patient file"


def _mechanical(name: str, located: bool) -> Callable[[MeasureContext], Result]:
    def compute(ctx: MeasureContext) -> Result:
        result = ctx.fea
        figure = result.figure(name)
        cases = ctx.inputs.load_cases
        assert cases is not None
        method = (
            f"{figure.method}; load cases {cases.id} {cases.version} ({cases.material.name}); "
            f"{result.fine.mesh.n_tets} tetrahedra at {result.fine.size_mm:.3g} mm"
        )
        return Measured(figure.value, method, result.worst_point_mm if located else None, figure.uncertainty)

    return compute


_CRANIAL = ("cranial_plate",)

REGISTRY: tuple[Measurement, ...] = (
    Measurement(
        "mech.max_von_mises",
        "MPa",
        "Peak von Mises stress",
        "Largest von Mises stress at a vertex of the design under its family's load cases: linear-elastic static "
        "finite elements (quadratic tetrahedra on a Netgen mesh at the load cases' element size); uncertainty: "
        "two-grid convergence index against twice the element size (Fs = 3, p = 1). Placed at the worst vertex.",
        ("design", "load_cases"),
        _mechanical("mech.max_von_mises", located=True),
    ),
    Measurement(
        "mech.max_displacement",
        "mm",
        "Peak displacement",
        "Largest displacement magnitude at a vertex of the design under its family's load cases, from the same "
        "analysis; uncertainty: two-grid convergence index (Fs = 3, p = 2).",
        ("design", "load_cases"),
        _mechanical("mech.max_displacement", located=False),
    ),
    Measurement(
        "mech.min_safety_factor",
        "1",
        "Minimum safety factor",
        "The material's yield strength over the peak von Mises stress under the family's load cases; uncertainty: "
        "two-grid convergence index (Fs = 3, p = 1). Placed at the worst vertex.",
        ("design", "load_cases"),
        _mechanical("mech.min_safety_factor", located=True),
    ),
    Measurement(
        "imaging.slice_spacing",
        "mm",
        "Slice spacing",
        "Distance between consecutive acquired slices along their normal, from the DICOM positions recorded at "
        "import; for a volume file without that record, the z spacing of its grid.",
        ("volume",),
        _slice_spacing,
    ),
    Measurement(
        "imaging.pixel_spacing",
        "mm",
        "Pixel spacing",
        "The larger of the volume's in-plane (x, y) voxel spacings.",
        ("volume",),
        _pixel_spacing,
    ),
    Measurement(
        "imaging.slice_thickness",
        "mm",
        "Slice thickness",
        "Median nominal reconstructed slice thickness (DICOM SliceThickness) of the imported instances; "
        "unmeasurable for a volume file that does not record it.",
        ("volume",),
        _slice_thickness,
    ),
    Measurement(
        "imaging.gantry_tilt",
        "degree",
        "Gantry tilt",
        "Magnitude of the acquisition's gantry tilt: the angle between the slice normal and the direction in which "
        "the slices are stacked, measured from the DICOM positions at import.",
        ("volume",),
        _gantry_tilt,
    ),
    Measurement(
        "imaging.tilt_corrected",
        "1",
        "Tilt corrected",
        "1 when the import resampled a tilted acquisition onto an orthogonal grid, 0 when there was no tilt to "
        "correct.",
        ("volume",),
        _tilt_corrected,
    ),
    Measurement(
        "imaging.field_of_view",
        "mm",
        "Field of view",
        "Larger in-plane extent of the volume (voxels times spacing along x and y).",
        ("volume",),
        _field_of_view,
    ),
    Measurement(
        "imaging.scan_length",
        "mm",
        "Scan length",
        "Extent of the volume along z (slices times spacing).",
        ("volume",),
        _scan_length,
    ),
    Measurement(
        "anatomy.bone_volume",
        "mm**3",
        "Segmented bone volume",
        "Number of voxels set in the mask times the voxel volume.",
        ("mask",),
        _bone_volume,
    ),
    Measurement(
        "anatomy.bone_thickness_min",
        "mm",
        "Thinnest bone under the design",
        "Smallest bone thickness under the design's seat (the bearing surface 5 mm or more from the defect's "
        "outline): from each seat triangle along its normal through the mask (trilinear, inside at >= 0.5, steps of "
        "0.1 mm, crossings interpolated), counting only rays that leave the bone through a surface facing them back "
        "(within 60 deg): a ray that leaves sideways through a cut face measures no thickness.",
        ("mask", "anatomy", "design"),
        _bone_thickness("min"),
    ),
    Measurement(
        "anatomy.bone_thickness_mean",
        "mm",
        "Mean bone thickness under the design",
        "Mean of the bone thicknesses described for anatomy.bone_thickness_min.",
        ("mask", "anatomy", "design"),
        _bone_thickness("mean"),
    ),
    Measurement(
        "anatomy.defect_span",
        "mm",
        "Defect span",
        "Largest distance between two points of the outline of the defect the design bridges: the unsupported "
        "regions of its bone-facing surface (no bone within 3 mm straight below) of 25 mm^2 or more, their outline "
        "found between unsupported and bearing triangles by rays cast from just above the bone along the cut face.",
        ("anatomy", "design"),
        _defect_span,
        _CRANIAL,
        uses=("mask",),
    ),
    Measurement(
        "anatomy.defect_area",
        "mm**2",
        "Defect area",
        "Area of the design's bone-facing surface over the defect: its unsupported regions (no bone within 3 mm "
        "straight below) of 25 mm^2 or more; 0 when there is none.",
        ("anatomy", "design"),
        _defect_area,
        _CRANIAL,
        uses=("mask",),
    ),
    Measurement(
        "design.volume",
        "mm**3",
        "Design volume",
        "Volume enclosed by the design mesh.",
        ("design",),
        _design_volume,
    ),
    Measurement(
        "design.area",
        "mm**2",
        "Design surface area",
        "Total area of the design mesh's triangles.",
        ("design",),
        _design_area,
    ),
    Measurement(
        "design.extent_max",
        "mm",
        "Design length",
        "Longest edge of the design's oriented bounding box (the smallest box aligned with a facet of its "
        "convex hull).",
        ("design",),
        _extent(0),
    ),
    Measurement(
        "design.extent_mid",
        "mm",
        "Design width",
        "Middle edge of the design's oriented bounding box (the smallest box aligned with a facet of its convex hull).",
        ("design",),
        _extent(1),
    ),
    Measurement(
        "design.extent_min",
        "mm",
        "Design height",
        "Shortest edge of the design's oriented bounding box (the smallest box aligned with a facet of its "
        "convex hull).",
        ("design",),
        _extent(2),
    ),
    Measurement(
        "design.min_wall_thickness",
        "mm",
        "Minimum wall thickness",
        "Thinnest wall of the design: the shortest ray from a triangle's centroid along its inward surface normal "
        "(averaged with its neighbours' but never across a crease of 60 deg or more) to where it leaves the design "
        "through a surface facing it back (within 45 deg); rays that graze a surface (along a plate's closing band) "
        "measure no wall.",
        ("design",),
        _min_wall,
    ),
    Measurement(
        "design.shells",
        "1",
        "Shells",
        "Number of separate pieces (edge-connected components) of the design mesh.",
        ("design",),
        _shells,
    ),
    Measurement(
        "design.watertight",
        "1",
        "Watertight",
        "1 when the design mesh is closed and manifold (every edge joins exactly two consistently oriented "
        "triangles), else 0.",
        ("design",),
        _watertight,
    ),
    Measurement(
        "fit.max_gap",
        "mm",
        "Largest gap",
        "Largest clearance between the design's seat and the anatomy: over the bone-facing triangles with bone "
        "within 3 mm straight below (or inside the bone) and 5 mm or more from the defect's outline, the distance "
        "of their centres from the bone (0 inside it).",
        ("anatomy", "design"),
        _max_gap,
        uses=("mask",),
    ),
    Measurement(
        "fit.mean_gap",
        "mm",
        "Mean gap",
        "Area-weighted mean clearance between the design's seat and the anatomy (0 where the seat is inside the "
        "bone); the seat as for fit.max_gap.",
        ("anatomy", "design"),
        _mean_gap,
        uses=("mask",),
    ),
    Measurement(
        "fit.max_penetration",
        "mm",
        "Largest penetration",
        "Depth of the design's deepest sampled point inside the anatomy, 5 mm or more from the defect's outline "
        "(nearer, the bone mesh shows the cut's rounded edge); 0 when the design does not enter the bone.",
        ("anatomy", "design"),
        _max_penetration,
        uses=("mask",),
    ),
    Measurement(
        "fit.contact_area",
        "mm**2",
        "Contact area",
        "Area of the design's bearing surface: its bone-facing triangles with bone within 3 mm straight below "
        "(along their normal) or inside the bone.",
        ("anatomy", "design"),
        _contact_area,
        uses=("mask",),
    ),
    Measurement(
        "patient.age",
        "year",
        "Patient age",
        "Age in completed years: age_years from the patient file, or from its birth_date and reference_date.",
        ("patient",),
        _age,
    ),
    Measurement(
        "patient.weight",
        "kg",
        "Patient weight",
        "weight_kg from the patient file.",
        ("patient",),
        _weight,
    ),
)

_BY_NAME = {m.name: m for m in REGISTRY}


def registered_units() -> dict[str, str]:
    """Every registered measurement's name and unit."""
    return {m.name: m.unit for m in REGISTRY}


def lookup(name: str) -> Measurement | None:
    """The registered measurement called ``name``, or None."""
    return _BY_NAME.get(name)


def applicable(inputs: MeasureInputs, family: str | None = None) -> tuple[Measurement, ...]:
    """The measurements whose inputs are all given (and that apply to ``family`` when one is given)."""
    return tuple(
        m
        for m in REGISTRY
        if all(inputs.has(name) for name in m.inputs) and (family is None or not m.families or family in m.families)
    )


#: The share of :func:`measure`'s progress given to the finite-element analysis when the design is analysed.
FEA_PROGRESS_SHARE = 0.7


def measure(
    inputs: MeasureInputs,
    *,
    family: str | None = None,
    manifest_id: str = "",
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    context: MeasureContext | None = None,
) -> Parameters:
    """Compute every registered measurement the inputs allow.

    Parameters
    ----------
    inputs
        The volume, mask, meshes and patient facts available, with their files' SHA-256.
    family
        Device family: measurements specific to other families are skipped.
    manifest_id
        The software manifest to record with the values.
    progress, cancel
        Progress callback and cancel token. When the design is analysed (``mech.*``), the analysis runs first over
        the first :data:`FEA_PROGRESS_SHARE` of the progress and reports its stages
        (:func:`mechanics.analysis.stage_message`); the cancel token is checked between them.
    context
        The context to measure in (made for ``inputs`` when None): a caller that passes its own can read the
        shared results afterwards (e.g. :attr:`MeasureContext.analysis`, the stress field behind ``mech.*``).

    Returns
    -------
    validation.parameters.Parameters
        One value per applicable measurement; unmeasurable ones with value None and the reason.
    """
    context = context if context is not None else MeasureContext(inputs, cancel)
    chosen = applicable(inputs, family)
    # The finite-element analysis, which the mech.* values share, is the longest step: it runs first, as its own
    # stages (meshing, assembly, solution, stresses per mesh level) over the first part of the progress.
    analysed = any("load_cases" in m.inputs for m in chosen) and inputs.has("design") and inputs.has("load_cases")
    share = FEA_PROGRESS_SHARE if analysed else 0.0
    if analysed:
        checkpoint(cancel)
        context.run_analysis(subrange(progress, 0.0, share))
    values = []
    for index, measurement in enumerate(chosen):
        checkpoint(cancel)
        report(progress, share + (1.0 - share) * index / max(1, len(chosen)), measurement.name)
        used = (*measurement.inputs, *(name for name in measurement.uses if inputs.has(name)))
        hashes = tuple(h for h in (inputs.digest(name) for name in used) if h)
        try:
            outcome = measurement.compute(context)
        except (UnmeasurableError, DvwError) as exc:
            reason = exc.message if isinstance(exc, DvwError) else str(exc)
            values.append(ParameterValue(measurement.name, None, measurement.unit, "", hashes, reason))
            continue
        found = outcome if isinstance(outcome, Measured) else Measured(outcome[0], outcome[1])
        numbers = (found.value, *(found.location or ()), *(() if found.uncertainty is None else (found.uncertainty,)))
        if not all(math.isfinite(v) for v in numbers):
            values.append(ParameterValue(measurement.name, None, measurement.unit, found.method, hashes, "not finite"))
            continue
        values.append(
            ParameterValue(
                measurement.name,
                float(found.value),
                measurement.unit,
                found.method,
                hashes,
                location=found.location,
                uncertainty=found.uncertainty,
            )
        )
    report(progress, 1.0, "measured")
    return Parameters(tuple(values), manifest_id)
