"""The measurement registry on analytic phantoms: every ``design.*``, ``fit.*`` and ``anatomy.*`` value of a known
design against its closed-form value, patient facts, imaging records, and which measurements apply.

The phantom (all in one frame, mm): a skull that is a sphere of radius R = 70 about the origin, modelled as an
analytic ring (a :class:`PlateDesign` with a hole) 6 mm thick between radii 64 and 70, with a round defect whose edge
is 25 mm from the axis (polar angle theta_h = asin(25 / 70) = 20.92 deg) and an outline 60 mm from it; and a plate of
radius 35 mm (outline at theta_o = 30 deg) and 4 mm wall, its inner surface at r_in = R + gap, covering the defect.

The plate's inner surface bears on the skull where the ray from it along its normal (towards the centre) meets the
bone within 3 mm, or where it is inside the bone: exactly between theta_h and theta_o, for any gap up to 3 mm and for
a sunk plate alike (see validation.fit). Its seat is the part 5 mm or more from the defect's outline.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from geometry.mesh import Mesh
from geometry.plate import PlateDesign, plate_mesh, spherical_plate_values
from imaging.assemble import assemble, select_series
from imaging.series import scan_folder
from imaging.synthetic import AXIAL, regular_stack, tilted_stack, write_ct_series
from imaging.volume import Volume, read_volume, write_volume
from validation.fit import EDGE_MARGIN_MM, bone_rays
from validation.parameters import Parameters, ParameterValue
from validation.registry import REGISTRY, MeasureInputs, applicable, lookup, measure, registered_units
from validation.units import parse_unit

R = 70.0
AXIS = (-0.6, 0.2, 0.75)
UNIT_AXIS = np.asarray(AXIS) / np.linalg.norm(AXIS)
DEFECT_MM = 25.0
PLATE_MM = 35.0
THICKNESS = 4.0
RINGS = 48  # the plate's default resolution: rings from the axis to the outline
THETA_H = math.asin(DEFECT_MM / R)
THETA_O = math.asin(PLATE_MM / R)
PITCH = THETA_O / RINGS  # polar angle between two rings of the plate (0.625 deg)
IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


HASHES = {name: _sha(name) for name in ("volume", "mask", "anatomy", "design", "patient")}


def _plate(gap: float) -> PlateDesign:
    return PlateDesign((0.0, 0.0, 0.0), (R, R, R), AXIS, PLATE_MM, gap, THICKNESS)


def _values(parameters: Parameters) -> dict[str, ParameterValue]:
    return {v.name: v for v in parameters.values}


def _value(parameters: Parameters, name: str) -> float:
    found = parameters.get(name)
    assert found is not None, name
    assert found.value is not None, f"{name}: {found.reason}"
    return found.value


def quantisation_mm2(gap: float) -> float:
    """How far the bearing area may be off because whole triangles are classified by their centroid.

    The plate's triangles come in pairs per quad between two rings, with centroids 1/3 and 2/3 of the ring pitch
    from the inner ring, so the counted area ends within 1/3 pitch of the exact edge theta_h: at most a band 1/3 pitch
    wide along the edge's circle. Plus 0.1 % of the area for the facets' sag inside the sphere (design.area is 0.03 %
    low).
    """
    r_in = R + gap
    band = 2 * math.pi * r_in * math.sin(THETA_H) * (r_in * PITCH / 3)
    return band + 0.001 * 2 * math.pi * r_in**2 * (1 - math.cos(THETA_O))


def bone_mask() -> Volume:
    """The skull's bone (64 <= r <= 70, outside the defect's cone) as a 0/1 mask of 1 mm voxels around the plate."""
    rng = np.random.default_rng(7)
    directions = rng.normal(size=(20000, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    directions = directions[directions @ UNIT_AXIS >= math.cos(THETA_O + math.radians(2.0))]
    corners = np.vstack([directions * 63.0, directions * 71.5])
    low = np.floor(corners.min(axis=0)) - 1.0
    size = (np.ceil(corners.max(axis=0)) + 1.0 - low).astype(int) + 1
    k, j, i = np.meshgrid(*(np.arange(n, dtype=np.float64) for n in size[::-1]), indexing="ij")
    x, y, z = low[0] + i, low[1] + j, low[2] + k
    radius = np.sqrt(x * x + y * y + z * z)
    cos_polar = (x * UNIT_AXIS[0] + y * UNIT_AXIS[1] + z * UNIT_AXIS[2]) / radius
    bone = (radius >= R - 6.0) & (radius <= R) & (cos_polar <= math.cos(THETA_H))
    return Volume(bone.astype(np.uint8), (1.0, 1.0, 1.0), (float(low[0]), float(low[1]), float(low[2])), IDENTITY)


@pytest.fixture(scope="module")
def skull() -> Mesh:
    """The analytic skull with its round defect (fine: 80 rings, 360 sectors, facets sag < 0.001 mm)."""
    ring = PlateDesign(
        (0.0, 0.0, 0.0), (R, R, R), AXIS, 60.0, -6.0, 6.0, rings=80, sectors=360, hole_radius_mm=DEFECT_MM
    )
    return plate_mesh(ring)


@pytest.fixture(scope="module")
def resting(skull: Mesh) -> Parameters:
    """The plate 0.5 mm above the skull, with the bone mask: every design, fit and anatomy measurement."""
    inputs = MeasureInputs(anatomy=skull, design=plate_mesh(_plate(0.5)), mask=bone_mask(), sha256=HASHES)
    return measure(inputs, family="cranial_plate", manifest_id="m" * 64)


@pytest.fixture(scope="module")
def sunk(skull: Mesh) -> Parameters:
    """The plate sunk 0.3 mm into the skull."""
    return measure(MeasureInputs(anatomy=skull, design=plate_mesh(_plate(-0.3))), family="cranial_plate")


# -- design.* ---------------------------------------------------------------------------------------------------------


def test_design_values_are_the_plates_exact_values(resting: Parameters) -> None:
    exact = spherical_plate_values(_plate(0.5))
    r_in, r_out = R + 0.5, R + 0.5 + THICKNESS
    # Facets sag (edge)^2 / (8 R) inside the spheres, edges < 1.8 mm: volume and area within 0.2 %.
    assert _value(resting, "design.volume") == pytest.approx(exact.volume_mm3, rel=0.002)
    assert _value(resting, "design.area") == pytest.approx(exact.area_mm2, rel=0.002)
    # The outer outline is a regular 144-gon of circumradius r_out sin(theta_o) = 37.25 mm; its box is 2 x that
    # across the flats, x cos(pi / 144). The box's slight tilt (below) changes it by < 0.002 mm.
    across = 2 * r_out * math.sin(THETA_O) * math.cos(math.pi / 144)
    assert _value(resting, "design.extent_max") == pytest.approx(across, abs=0.01)
    assert _value(resting, "design.extent_mid") == pytest.approx(across, abs=0.01)
    # Along the axis the plate is r_out - r_in cos(theta_o) = 13.45 mm high. trimesh's box search tries the convex
    # hull's facet normals only; the nearest to the axis is the apex fan's, tilted by half the first ring's angle,
    # which makes the box r_out - r_in cos(theta_o + PITCH / 2) = 13.64 mm high. Either is accepted (+-0.01 mm).
    lowest = r_out - r_in * math.cos(THETA_O)
    tilted = r_out - r_in * math.cos(THETA_O + PITCH / 2)
    assert lowest - 0.01 <= _value(resting, "design.extent_min") <= tilted + 0.01
    # The wall is 4 mm along every normal; vertex normals of a fine mesh are within 0.1 deg of the true ones.
    assert _value(resting, "design.min_wall_thickness") == pytest.approx(THICKNESS, abs=0.01)
    assert _value(resting, "design.shells") == 1.0
    assert _value(resting, "design.watertight") == 1.0


def test_two_pieces_and_an_open_sheet_are_counted() -> None:
    coarse = PlateDesign((0.0, 0.0, 0.0), (R, R, R), AXIS, PLATE_MM, 0.5, THICKNESS, rings=12, sectors=48)
    plate = plate_mesh(coarse)
    far = Mesh(plate.vertices + np.array([200.0, 0.0, 0.0]), plate.faces)
    two = Mesh(np.vstack([plate.vertices, far.vertices]), np.vstack([plate.faces, far.faces + plate.n_vertices]))
    sheet = Mesh(plate.vertices, plate.faces[: len(plate.faces) // 4])
    both = _values(measure(MeasureInputs(design=two)))
    assert both["design.shells"].value == 2.0
    assert both["design.watertight"].value == 1.0
    # 48 sectors: facets up to 4.9 mm wide sag 0.04 mm inside the 74.5 mm sphere, well under 1 % of the volume.
    assert both["design.volume"].value == pytest.approx(2 * spherical_plate_values(coarse).volume_mm3, rel=0.01)
    open_sheet = _values(measure(MeasureInputs(design=sheet)))
    assert open_sheet["design.watertight"].value == 0.0


# -- fit.* and anatomy.defect_* ------------------------------------------------------------------------------------


def test_gaps_of_a_plate_resting_half_a_millimetre_above_the_bone(resting: Parameters) -> None:
    gap = 0.5
    # Every seat centroid is 0.5 mm off (its centroid sags <= (1.8 mm)^2 / (18 x 70.5) = 0.003 mm towards the bone):
    # the seat leaves out the defect's edge, where the earlier rule also counted a strip bearing on the rim.
    assert _value(resting, "fit.max_gap") == pytest.approx(gap, abs=0.005)
    assert _value(resting, "fit.mean_gap") == pytest.approx(gap, abs=0.005)
    # The plate is outside the bone everywhere: exactly 0.
    assert _value(resting, "fit.max_penetration") == 0.0


def test_contact_area_is_the_seat_on_bone(resting: Parameters) -> None:
    gap = 0.5
    r_in = R + gap
    seat = spherical_plate_values(_plate(gap), DEFECT_MM).contact_area_mm2  # inner surface over bone
    tolerance = quantisation_mm2(gap)
    assert _value(resting, "fit.contact_area") == pytest.approx(seat, abs=tolerance)
    # The rest of the inner surface (inside the defect's edge) is the defect.
    defect = 2 * math.pi * r_in**2 * (1 - math.cos(THETA_H))
    assert _value(resting, "anatomy.defect_area") == pytest.approx(defect, abs=tolerance)
    # Bearing + defect = the whole inner surface (every inner triangle faces the skull, nothing else does).
    inner = 2 * math.pi * r_in**2 * (1 - math.cos(THETA_O))
    total = _value(resting, "fit.contact_area") + _value(resting, "anatomy.defect_area")
    assert total == pytest.approx(inner, rel=0.001)


def test_defect_span_is_the_defect_s_diameter(resting: Parameters, sunk: Parameters) -> None:
    # The defect is cut at right angles to the skull: its faces run along the radii, as the plate's normals do, so
    # the rays that find the outline run along the faces (see validation.fit._along_cut_faces) and find the rim at
    # polar angle theta_h on the plate: a chord of 2 r_in sin(theta_h), 50.36 mm above the bone, 49.79 mm sunk, to
    # the outline's step (32 samples over 2.6 mm) and the facets' sag.
    for parameters, gap in ((resting, 0.5), (sunk, -0.3)):
        chord = 2 * (R + gap) * math.sin(THETA_H)
        assert _value(parameters, "anatomy.defect_span") == pytest.approx(chord, abs=0.1), gap


def test_a_sunk_plate_penetrates_by_its_depth_and_has_no_gap(sunk: Parameters) -> None:
    # Vertices are exactly 0.3 mm inside the sphere; facet centroids sag up to 0.005 mm deeper.
    assert _value(sunk, "fit.max_penetration") == pytest.approx(0.3, abs=0.01)
    # The whole seat is inside the bone: no clearance anywhere, a gap of 0 (no longer missing).
    assert _value(sunk, "fit.max_gap") == 0.0
    assert _value(sunk, "fit.mean_gap") == 0.0
    # The bearing surface is exactly the inner surface over the bone, as for the plate above it.
    seat = spherical_plate_values(_plate(-0.3), DEFECT_MM).contact_area_mm2
    assert _value(sunk, "fit.contact_area") == pytest.approx(seat, abs=quantisation_mm2(-0.3))


def test_bone_thickness_under_the_plate_from_a_mask(resting: Parameters) -> None:
    # The mask is binary at voxel centres (1 mm): each of the ray's two crossings of the 0.5 level lies within a
    # voxel of the true surface, which is 6 mm apart along the normal. The minimum over ~1,500 rays is within one
    # voxel; the errors average out over rays crossing the lattice at every phase, so the mean is within 1/4 voxel.
    # Rays near the defect would leave through its cut face: the seat keeps 5 mm from the outline, and a ray that
    # leaves the bone sideways is not counted.
    assert _value(resting, "anatomy.bone_thickness_min") == pytest.approx(6.0, abs=1.0)
    assert _value(resting, "anatomy.bone_thickness_mean") == pytest.approx(6.0, abs=0.25)
    method = _values(resting)["anatomy.bone_thickness_min"].method
    assert "seat" in method
    assert "left the bone sideways" in method


def test_a_ray_leaving_the_bone_through_a_cut_face_measures_no_thickness() -> None:
    """Beside the defect, a ray 15 deg off the cut face leaves the bone through it: it does not count.

    The ray starts 0.5 mm outside the rim and runs into the bone 15 deg from the radial direction, towards the
    defect: it crosses the cone-shaped cut face about 2 mm down, at 76 deg to its normal (more than 60).
    """
    mask = bone_mask()
    polar = THETA_H + 0.5 / R  # 0.5 mm outside the defect's edge, on the skull
    e1 = np.cross(UNIT_AXIS, [0.0, 0.0, 1.0])
    e1 /= np.linalg.norm(e1)
    point = R * (math.cos(polar) * UNIT_AXIS + math.sin(polar) * e1)
    inward = -point / R
    tilted = math.cos(math.radians(15.0)) * inward - math.sin(math.radians(15.0)) * e1  # towards the defect
    rays = bone_rays(mask, np.array([point + 1.0 * point / R] * 2), np.array([inward, tilted]), np.arange(2))
    assert rays.thickness[0] == pytest.approx(6.0, abs=1.0)  # straight through the bone
    assert not rays.sideways[0]
    assert rays.sideways[1]  # through the cut face: no thickness (it would read about 2 mm)
    assert np.isnan(rays.thickness[1])


def test_bone_volume_is_the_masked_voxels_times_the_voxel_volume() -> None:
    spacing = (0.5, 0.6, 1.25)
    shape = (36, 80, 90)  # z, y, x
    k, j, i = np.meshgrid(*(np.arange(n, dtype=np.float64) for n in shape), indexing="ij")
    x, y, z = i * spacing[0] - 22.0, j * spacing[1] - 24.0, k * spacing[2] - 22.0
    ball = (x * x + y * y + z * z <= 15.0**2).astype(np.uint8)
    mask = Volume(ball, spacing, (0.0, 0.0, 0.0), IDENTITY)
    value = _value(measure(MeasureInputs(mask=mask)), "anatomy.bone_volume")
    assert value == pytest.approx(int(ball.sum()) * 0.5 * 0.6 * 1.25, rel=1e-12)
    # A voxelised 15 mm ball: within 2 % of 4/3 pi r^3 at these spacings.
    assert value == pytest.approx(4 / 3 * math.pi * 15.0**3, rel=0.02)


# -- units, methods, input hashes -----------------------------------------------------------------------------------


def test_every_value_carries_its_unit_method_and_input_hashes(resting: Parameters) -> None:
    expected = {m.name for m in REGISTRY if set(m.inputs) <= {"mask", "anatomy", "design"}}
    assert {v.name for v in resting.values} == expected
    assert resting.manifest_id == "m" * 64
    for value in resting.values:
        measurement = lookup(value.name)
        assert measurement is not None
        assert value.unit == measurement.unit
        assert value.value is not None, f"{value.name}: {value.reason}"
        assert value.reason == ""
        assert value.method
        # The inputs it needs, then those it used because they were given (the mask, for the fit's uncertainty).
        used = (*measurement.inputs, *(name for name in measurement.uses if name in HASHES))
        assert value.inputs_sha256 == tuple(HASHES[name] for name in used), value.name
    fit_max_gap = _values(resting)["fit.max_gap"]
    assert fit_max_gap.inputs_sha256 == (HASHES["anatomy"], HASHES["design"], HASHES["mask"])
    # And in the file's JSON shape, with its place and uncertainty.
    data = fit_max_gap.to_json()
    assert set(data) == {"name", "value", "unit", "method", "inputs_sha256", "location", "uncertainty"}
    # A value without a place has no location key: old files and new ones read the same.
    assert set(_values(resting)["design.volume"].to_json()) == {"name", "value", "unit", "method", "inputs_sha256"}
    # An input without a known hash is left out rather than recorded as an empty string.
    unhashed = measure(MeasureInputs(patient={"weight_kg": 70.0}))
    assert {v.inputs_sha256 for v in unhashed.values} == {()}


LOCATED = (
    "design.min_wall_thickness",
    "fit.max_gap",
    "fit.mean_gap",
    "fit.max_penetration",
    "fit.contact_area",
    "anatomy.defect_span",
    "anatomy.defect_area",
    "anatomy.bone_thickness_min",
    "anatomy.bone_thickness_mean",
)


def test_located_values_say_where_and_how_sure(resting: Parameters) -> None:
    values = _values(resting)
    for name in LOCATED:
        value = values[name]
        assert value.location is not None, name
        assert value.uncertainty is not None, name
        assert value.uncertainty >= 0.0, name
    # The places: the thinnest wall on the plate, the largest gap on its inner surface over the seat (5 mm or more
    # from the defect's rim at theta_h), the thinnest bone on the skull's outer surface under the seat.
    wall = np.asarray(values["design.min_wall_thickness"].location)
    assert np.linalg.norm(wall) == pytest.approx(R + 0.5, abs=0.01) or np.linalg.norm(wall) == pytest.approx(
        R + 4.5, abs=0.01
    )
    gap = np.asarray(values["fit.max_gap"].location)
    assert np.linalg.norm(gap) == pytest.approx(R + 0.5, abs=0.01)
    polar = math.acos(float(gap @ UNIT_AXIS) / np.linalg.norm(gap))
    assert (polar - THETA_H) * R >= EDGE_MARGIN_MM - 0.1
    bone = np.asarray(values["anatomy.bone_thickness_min"].location)
    assert np.linalg.norm(bone) == pytest.approx(R, abs=0.6)  # within a voxel of the mask's outer surface
    # The uncertainties: the fit's are half the mask's 1 mm voxel along the normal (0.5 mm) with the sampling and
    # the margin's sensitivity, which add nothing on this even plate; the wall's is ~0 (two parallel spheres); the
    # bone's is sqrt(2) half voxels.
    assert values["fit.max_gap"].uncertainty == pytest.approx(0.5, abs=0.01)
    assert values["fit.mean_gap"].uncertainty == pytest.approx(0.5, abs=0.01)
    assert values["design.min_wall_thickness"].uncertainty == pytest.approx(0.0, abs=0.01)
    assert values["anatomy.bone_thickness_min"].uncertainty == pytest.approx(math.sqrt(2) * 0.5, abs=0.1)


def test_without_a_mask_the_fit_s_uncertainty_leaves_out_the_voxels(skull: Mesh) -> None:
    values = _values(measure(MeasureInputs(anatomy=skull, design=plate_mesh(_plate(0.5)))))
    gap = values["fit.max_gap"]
    assert gap.uncertainty is not None
    assert gap.uncertainty < 0.01  # the sampling and the margin's sensitivity only, both ~0 here
    assert "no mask given" in gap.method


# -- patient.* ------------------------------------------------------------------------------------------------------


def _patient(patient: Mapping[str, Any]) -> dict[str, ParameterValue]:
    return _values(measure(MeasureInputs(patient=patient, sha256={"patient": HASHES["patient"]})))


@pytest.mark.parametrize(
    ("patient", "age"),
    [
        ({"age_years": 45}, 45.0),
        ({"age_years": 7.5}, 7.5),
        ({"birth_date": "1980-05-02", "reference_date": "2026-05-01"}, 45.0),  # the day before the birthday
        ({"birth_date": "1980-05-02", "reference_date": "2026-05-02"}, 46.0),  # the birthday
        ({"birth_date": "2000-02-29", "reference_date": "2001-02-28"}, 0.0),  # a leap-day birthday
        ({"birth_date": "2000-02-29", "reference_date": "2001-03-01"}, 1.0),
        ({"birth_date": "2026-01-01", "reference_date": "2026-01-01"}, 0.0),
        ({"age_years": 30, "birth_date": "1980-05-02", "reference_date": "2026-05-02"}, 30.0),  # age_years first
    ],
)
def test_patient_age(patient: dict[str, Any], age: float) -> None:
    value = _patient(patient)["patient.age"]
    assert value.value == age
    assert value.unit == "year"
    assert value.inputs_sha256 == (HASHES["patient"],)
    assert ("age_years" if "age_years" in patient else "birth_date") in value.method


@pytest.mark.parametrize(
    ("patient", "reason"),
    [
        ({}, "neither age_years nor birth_date"),
        ({"birth_date": "1980-05-02"}, "neither age_years nor birth_date"),
        ({"age_years": -1}, "not a non-negative number"),
        ({"age_years": "45"}, "not a non-negative number"),
        ({"age_years": True}, "not a non-negative number"),
        ({"age_years": math.nan}, "not a non-negative number"),
        ({"birth_date": "1980-13-01", "reference_date": "2026-05-02"}, "birth_date is not an ISO date"),
        ({"birth_date": "1980-05-02", "reference_date": "02/05/2026"}, "reference_date is not an ISO date"),
        ({"birth_date": "2026-05-03", "reference_date": "2026-05-02"}, "before birth_date"),
    ],
)
def test_a_missing_or_invalid_age_is_none_with_a_reason(patient: dict[str, Any], reason: str) -> None:
    value = _patient(patient)["patient.age"]
    assert value.value is None
    assert reason in value.reason
    assert value.unit == "year"
    assert value.inputs_sha256 == (HASHES["patient"],)


def test_patient_weight() -> None:
    weight = _patient({"weight_kg": 70.5})["patient.weight"]
    assert (weight.value, weight.unit, weight.inputs_sha256) == (70.5, "kg", (HASHES["patient"],))
    assert "weight_kg" in weight.method
    for patient, reason in (
        ({}, "no positive weight_kg"),
        ({"weight_kg": 0}, "no positive weight_kg"),
        ({"weight_kg": "70"}, "not a number"),
        ({"weight_kg": False}, "not a number"),
        ({"weight_kg": math.inf}, "not a number"),
    ):
        value = _patient(patient)["patient.weight"]
        assert value.value is None, patient
        assert reason in value.reason, patient


# -- imaging.* ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Volume]:
    """An axial series (0.7 x 0.8 mm pixels, slices 1.25 mm apart, 1.5 mm thick) and a 15 deg gantry-tilted one
    (table step 2 mm, 2 mm thick), written as DICOM and imported."""
    folder = tmp_path_factory.mktemp("series")
    write_ct_series(
        folder / "axial",
        np.zeros((12, 24, 32), dtype=np.int16),
        placement=regular_stack(12, 1.25, origin=(-10.0, -20.0, 30.0), orientation=AXIAL),
        pixel_spacing_xy=(0.7, 0.8),
        uid_seed="dvw-test-measure-axial",
        slice_thickness_mm=1.5,
    )
    write_ct_series(
        folder / "tilted",
        np.full((20, 16, 16), 100, dtype=np.int16),
        placement=tilted_stack(20, 2.0, 15.0),
        pixel_spacing_xy=(1.0, 1.0),
        uid_seed="dvw-test-measure-tilted",
        slice_thickness_mm=2.0,
    )
    return {name: assemble(select_series(scan_folder(folder / name))).volume for name in ("axial", "tilted")}


def _imaging(volume: Volume) -> dict[str, ParameterValue]:
    return _values(measure(MeasureInputs(volume=volume, sha256={"volume": HASHES["volume"]})))


def test_imaging_values_of_an_imported_axial_series(imported: dict[str, Volume]) -> None:
    values = _imaging(imported["axial"])
    assert set(values) == {m.name for m in REGISTRY if m.inputs == ("volume",)}
    assert values["imaging.slice_spacing"].value == pytest.approx(1.25, abs=1e-6)
    assert "DICOM" in values["imaging.slice_spacing"].method
    assert values["imaging.slice_thickness"].value == pytest.approx(1.5, abs=1e-9)
    assert values["imaging.pixel_spacing"].value == pytest.approx(0.8, abs=1e-9)
    assert values["imaging.field_of_view"].value == pytest.approx(32 * 0.7, abs=1e-9)
    assert values["imaging.scan_length"].value == pytest.approx(12 * 1.25, abs=1e-6)
    assert values["imaging.gantry_tilt"].value == 0.0
    assert values["imaging.tilt_corrected"].value == 0.0
    for value in values.values():
        assert value.inputs_sha256 == (HASHES["volume"],)
        assert value.unit == registered_units()[value.name]


def test_imaging_values_of_a_tilted_series(imported: dict[str, Volume]) -> None:
    values = _imaging(imported["tilted"])
    assert values["imaging.gantry_tilt"].value == pytest.approx(15.0, abs=1e-6)
    assert values["imaging.gantry_tilt"].unit == "degree"
    assert values["imaging.tilt_corrected"].value == 1.0
    # Slices 2 mm apart along the table, tilted 15 deg: 2 cos(15 deg) apart along their normal (recorded to 1e-6).
    assert values["imaging.slice_spacing"].value == pytest.approx(2.0 * math.cos(math.radians(15.0)), abs=2e-6)
    assert values["imaging.slice_thickness"].value == pytest.approx(2.0, abs=1e-9)


def test_imaging_values_without_records_fall_back_or_are_none_with_a_reason() -> None:
    volume = Volume(np.zeros((10, 20, 30), dtype=np.int16), (0.5, 0.6, 2.5), (0.0, 0.0, 0.0), IDENTITY)
    values = _imaging(volume)
    spacing = values["imaging.slice_spacing"]
    assert spacing.value == 2.5
    assert "grid" in spacing.method
    for name in ("imaging.slice_thickness", "imaging.gantry_tilt", "imaging.tilt_corrected"):
        assert values[name].value is None, name
        assert "does not record" in values[name].reason, name
        assert values[name].inputs_sha256 == (HASHES["volume"],)
    assert values["imaging.pixel_spacing"].value == 0.6
    assert values["imaging.field_of_view"].value == pytest.approx(max(30 * 0.5, 20 * 0.6))
    assert values["imaging.scan_length"].value == pytest.approx(25.0)


def test_recorded_slice_spacing_wins_over_the_grid_and_survives_nrrd_but_not_nifti(tmp_path: Path) -> None:
    records = (("dvw.slice_spacing_mm", "3.0"), ("dvw.slice_thickness_mm", "3.0"))
    volume = Volume(np.zeros((4, 5, 6), dtype=np.int16), (0.5, 0.5, 1.0), (0.0, 0.0, 0.0), IDENTITY, records)
    assert _imaging(volume)["imaging.slice_spacing"].value == 3.0  # the acquisition, not the 1 mm resampled grid
    write_volume(volume, tmp_path / "kept.nrrd")
    write_volume(volume, tmp_path / "dropped.nii.gz")
    kept = _imaging(read_volume(tmp_path / "kept.nrrd"))
    assert (kept["imaging.slice_spacing"].value, kept["imaging.slice_thickness"].value) == (3.0, 3.0)
    dropped = _imaging(read_volume(tmp_path / "dropped.nii.gz"))
    assert dropped["imaging.slice_spacing"].value == pytest.approx(1.0)
    assert dropped["imaging.slice_thickness"].value is None


# -- the registry ---------------------------------------------------------------------------------------------------


def _names(inputs: MeasureInputs, family: str | None = None) -> set[str]:
    return {m.name for m in applicable(inputs, family)}


def test_applicable_follows_the_inputs_and_the_family() -> None:
    plate = plate_mesh(PlateDesign((0.0, 0.0, 0.0), (R, R, R), AXIS, 20.0, 0.5, 3.0, rings=4, sectors=12))
    mask = Volume(np.zeros((2, 2, 2), dtype=np.uint8), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), IDENTITY)
    design_names = {n for n in registered_units() if n.startswith("design.")}
    fit_names = {n for n in registered_units() if n.startswith("fit.")}
    defect = {"anatomy.defect_span", "anatomy.defect_area"}
    thickness = {"anatomy.bone_thickness_min", "anatomy.bone_thickness_mean"}
    assert _names(MeasureInputs()) == set()
    assert _names(MeasureInputs(design=plate)) == design_names
    assert _names(MeasureInputs(anatomy=plate)) == set()  # every anatomy measurement needs the design too
    assert _names(MeasureInputs(mask=mask)) == {"anatomy.bone_volume"}
    assert _names(MeasureInputs(mask=mask, design=plate)) == design_names | {"anatomy.bone_volume"}
    assert _names(MeasureInputs(patient={})) == {"patient.age", "patient.weight"}
    both = MeasureInputs(anatomy=plate, design=plate)
    assert _names(both) == design_names | fit_names | defect  # no family given: everything
    assert _names(both, "cranial_plate") == design_names | fit_names | defect
    assert _names(both, "spinal_cage") == design_names | fit_names  # the defect measurements are cranial only
    everything = MeasureInputs(anatomy=plate, design=plate, mask=mask)
    assert _names(everything, "cranial_plate") >= thickness
    # measure() computes exactly the applicable ones.
    assert {v.name for v in measure(MeasureInputs(patient={}), family="spinal_cage").values} == {
        "patient.age",
        "patient.weight",
    }


def test_registered_units_name_every_measurement_once() -> None:
    units = registered_units()
    assert units == {m.name: m.unit for m in REGISTRY}
    assert len(units) == len(REGISTRY)  # names are unique
    prefixes = ("imaging.", "anatomy.", "design.", "fit.", "patient.", "mech.")
    for measurement in REGISTRY:
        assert measurement.name.startswith(prefixes), measurement.name
        assert lookup(measurement.name) is measurement
        parse_unit(measurement.unit)  # pint knows it
        assert measurement.title
        assert measurement.description
        assert measurement.inputs
    assert lookup("design.nonexistent") is None
