"""DVW's bundled sample case: a synthetic head CT with a cranial defect, generated in code.

The head is analytic, so every number about it is known exactly: an ellipsoidal skull shell 6 to 8 mm thick
(bright cortical tables, darker diploë) under a 5 mm scalp, brain inside, a soft-tissue neck below, air around,
and a roughly circular opening of about 50 mm in the right parietal bone where a cranial plate is to be designed.
Boundaries carry partial-volume values over about one voxel, as a scanner's would, and the soft tissue has mild
noise from a seeded generator. Generation is deterministic: the same constants give the same voxels and the same
DICOM bytes on every run (with the same numpy and pydicom versions).

Frames: LPS millimetres; the volume is axial with identity direction (x to patient left, y posterior, z superior),
voxels indexed ``[z, y, x]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydicom.uid import ExplicitVRLittleEndian

from imaging.synthetic import AXIAL, SyntheticPatient, Vec3, regular_stack, write_ct_series
from imaging.volume import Volume

#: The fictitious patient of the sample case.
SAMPLE_PATIENT = SyntheticPatient(name="DVW^SAMPLE", patient_id="DVW-SAMPLE-001", birth_date="19800101", sex="O")
#: The facts of the sample patient that measurements use (``dvw measure --patient``); no identity.
SAMPLE_PATIENT_FACTS: dict[str, object] = {"case": "DVW-SAMPLE", "age_years": 46, "weight_kg": 72.5, "sex": "O"}
_IDENTITY: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
_Z_CHUNK = 16  # slices computed at once: bounds the temporaries to a few tens of MB


@dataclass(frozen=True)
class SampleCase:
    """The constants of the sample head CT (all positions LPS mm, all values HU).

    Attributes
    ----------
    size
        Voxels (x, y, z).
    spacing
        Voxel spacing (x, y, z) in mm.
    origin
        Centre of voxel (0, 0, 0).
    head_centre
        Centre of the skull ellipsoid.
    skull_semi_axes_mm
        Semi-axes (x, y, z) of the skull's outer surface.
    shell_thickness_mm
        Thinnest and thickest bone, measured along rays from ``head_centre``: thinnest at the temples, thickest
        at the back of the vertex.
    scalp_mm
        Soft tissue over the skull.
    air_hu, soft_tissue_hu, brain_hu
        Tissue values (soft tissue also fills the defect).
    bone_hu
        Diploë (middle of the shell) and cortical (outer and inner tables, about 2 mm each) values.
    defect_axis
        Direction (normalised where used) from ``head_centre`` to the defect centre: right parietal, i.e. to
        the patient's right (-x), slightly posterior (+y) and up (+z).
    defect_radius_mm
        Nominal radius of the opening, measured across the defect axis.
    defect_irregularity_mm
        Amplitude of the opening's edge waviness: its radius varies within ``defect_radius_mm`` plus/minus this.
    noise_sd_hu
        Standard deviation of the Gaussian noise in the head (air stays exactly ``air_hu``).
    seed
        Seed of the noise generator.
    """

    size: tuple[int, int, int] = (256, 256, 120)
    spacing: tuple[float, float, float] = (0.9, 0.9, 1.5)
    origin: Vec3 = (-114.75, -114.75, -48.0)
    head_centre: Vec3 = (0.0, 0.0, 40.0)
    skull_semi_axes_mm: Vec3 = (70.0, 90.0, 75.0)
    shell_thickness_mm: tuple[float, float] = (6.0, 8.0)
    scalp_mm: float = 5.0
    air_hu: float = -1000.0
    soft_tissue_hu: float = 40.0
    brain_hu: float = 30.0
    bone_hu: tuple[float, float] = (1200.0, 1800.0)
    defect_axis: Vec3 = (-0.6, 0.2, 0.75)
    defect_radius_mm: float = 25.0
    defect_irregularity_mm: float = 1.0
    noise_sd_hu: float = 5.0
    seed: int = 20260105

    @property
    def defect_centre(self) -> Vec3:
        """Where the defect axis leaves the skull's outer surface (LPS mm)."""
        u = np.asarray(self.defect_axis, dtype=np.float64)
        u /= np.linalg.norm(u)
        rho = float(np.linalg.norm(u / np.asarray(self.skull_semi_axes_mm)))
        point = np.asarray(self.head_centre) + u / rho
        return (float(point[0]), float(point[1]), float(point[2]))

    @property
    def defect_clear_radius_mm(self) -> float:
        """Radius around the defect axis within which no voxel holds any bone, mm.

        The opening's smallest radius less half a voxel of partial volume.
        """
        return self.defect_radius_mm - self.defect_irregularity_mm - 0.5 * min(self.spacing)

    @property
    def extent_mm(self) -> Vec3:
        """Distance from the first to the last voxel centre along x, y and z, mm."""
        return (
            (self.size[0] - 1) * self.spacing[0],
            (self.size[1] - 1) * self.spacing[1],
            (self.size[2] - 1) * self.spacing[2],
        )


SAMPLE_CASE = SampleCase()


def _ramp(signed_mm: npt.NDArray[np.float32], width_mm: float) -> npt.NDArray[np.float32]:
    """Partial-volume occupancy: 0 outside, 1 inside, linear over ``width_mm`` centred on the boundary."""
    return np.asarray(np.clip(signed_mm / np.float32(width_mm) + np.float32(0.5), 0.0, 1.0), dtype=np.float32)


def _defect_basis(axis: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Two unit vectors perpendicular to ``axis`` and to each other (for the angle around the defect)."""
    helper = np.array([0.0, 0.0, 1.0]) if abs(axis[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    first = np.cross(axis, helper)
    first /= np.linalg.norm(first)
    return first, np.cross(axis, first)


def _head_slab(
    case: SampleCase, z_mm: npt.NDArray[np.float64], noise: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """HU of the slices at heights ``z_mm`` (float32, ``[z, y, x]``)."""
    f32 = np.float32
    width = f32(min(case.spacing))  # partial-volume width: about one voxel
    cx, cy, cz = case.head_centre
    a, b, c = case.skull_semi_axes_mm
    x = (case.origin[0] + np.arange(case.size[0]) * case.spacing[0] - cx).astype(f32)[np.newaxis, np.newaxis, :]
    y = (case.origin[1] + np.arange(case.size[1]) * case.spacing[1] - cy).astype(f32)[np.newaxis, :, np.newaxis]
    z = (z_mm - cz).astype(f32)[:, np.newaxis, np.newaxis]
    r = np.sqrt(x * x + y * y + z * z)
    rho = np.maximum(np.sqrt((x / f32(a)) ** 2 + (y / f32(b)) ** 2 + (z / f32(c)) ** 2), f32(1e-6))
    depth = r * (f32(1.0) / rho - f32(1.0))  # along the ray from the centre: > 0 inside the skull's outer surface
    safe_r = np.maximum(r, f32(1e-6))
    dx, dy, dz = x / safe_r, y / safe_r, z / safe_r
    # Thickness between 6 and 8 mm: thicker posteriorly and at the vertex, thinner at the temples.
    low, high = case.shell_thickness_mm
    mid, half = f32((low + high) / 2), f32((high - low) / 4)
    thickness = mid + half * dy + half * (dz * dz - dx * dx)
    # The defect: a cylinder around its axis with a slightly wavy edge, on the axis' side of the head only.
    axis = np.asarray(case.defect_axis, dtype=np.float64)
    axis /= np.linalg.norm(axis)
    e1, e2 = _defect_basis(axis)
    along = x * f32(axis[0]) + y * f32(axis[1]) + z * f32(axis[2])
    p1 = x * f32(e1[0]) + y * f32(e1[1]) + z * f32(e1[2])
    p2 = x * f32(e2[0]) + y * f32(e2[1]) + z * f32(e2[2])
    across = np.sqrt(p1 * p1 + p2 * p2)
    edge = f32(case.defect_radius_mm) + f32(case.defect_irregularity_mm) * np.sin(f32(3.0) * np.arctan2(p2, p1))
    in_defect = _ramp(edge - across, float(width)) * (along > 0)
    # The neck: an elliptic cylinder of soft tissue (55 x 60 mm semi-axes) from 30 mm below the head centre down.
    neck_depth = f32(55.0) * (f32(1.0) - np.sqrt((x / f32(55.0)) ** 2 + ((y - f32(10.0)) / f32(60.0)) ** 2))
    neck = _ramp(neck_depth, float(width)) * _ramp(f32(-30.0) - z, float(width))
    soft = np.maximum(_ramp(depth + f32(case.scalp_mm), float(width)), neck)
    bone = _ramp(depth, float(width)) * _ramp(thickness - depth, float(width)) * (f32(1.0) - in_defect)
    brain = _ramp(depth - thickness, float(width))
    diploe, cortical = case.bone_hu
    # Cortical tables about 2 mm thick on both faces, diploë between them.
    to_table = np.minimum(depth, thickness - depth)
    bone_value = f32(cortical) - f32(cortical - diploe) * _ramp(to_table - f32(2.0), 1.5)
    hu = f32(case.air_hu) + soft * f32(case.soft_tissue_hu - case.air_hu)
    hu = hu + bone * (bone_value - hu)
    hu = hu + brain * (f32(case.brain_hu) - hu)
    return np.asarray(hu + soft * noise, dtype=f32)


def make_head_ct(case: SampleCase = SAMPLE_CASE) -> Volume:
    """Generate the sample head CT.

    Parameters
    ----------
    case
        The constants (default :data:`SAMPLE_CASE`).

    Returns
    -------
    Volume
        int16 HU indexed ``[z, y, x]``, with ``case.spacing``, ``case.origin`` and identity direction (axial LPS).
    """
    nx, ny, nz = case.size
    rng = np.random.default_rng(case.seed)
    voxels = np.empty((nz, ny, nx), dtype=np.int16)
    z_all = case.origin[2] + np.arange(nz, dtype=np.float64) * case.spacing[2]
    for start in range(0, nz, _Z_CHUNK):
        stop = min(nz, start + _Z_CHUNK)
        noise = rng.standard_normal((stop - start, ny, nx), dtype=np.float32) * np.float32(case.noise_sd_hu)
        slab = _head_slab(case, z_all[start:stop], noise)
        voxels[start:stop] = np.clip(np.rint(slab), -32768, 32767).astype(np.int16)
    return Volume(voxels=voxels, spacing=case.spacing, origin=case.origin, direction=_IDENTITY)


def write_sample_dicom(
    folder: str | Path,
    case: SampleCase = SAMPLE_CASE,
    *,
    transfer_syntax: str = ExplicitVRLittleEndian,
) -> list[Path]:
    """Write the sample head CT as a DICOM CT series (one file per slice, ``IM0000`` ... from the bottom up).

    Parameters
    ----------
    folder
        Destination folder (created if needed).
    case
        The constants (default :data:`SAMPLE_CASE`).
    transfer_syntax
        Any syntax :func:`imaging.synthetic.write_ct_series` accepts; the default (explicit VR little endian,
        uncompressed) is the fastest to import.

    Returns
    -------
    list of Path
        The files, from the lowest slice (inferior) to the highest.
    """
    volume = make_head_ct(case)
    placement = regular_stack(case.size[2], case.spacing[2], origin=case.origin, orientation=AXIAL)
    return write_ct_series(
        folder,
        volume.voxels,
        placement=placement,
        pixel_spacing_xy=(case.spacing[0], case.spacing[1]),
        uid_seed=f"dvw-sample-case-{case.seed}",
        series_number=2,
        description="DVW sample head CT (synthetic, cranial defect)",
        transfer_syntax=transfer_syntax,
        patient=SAMPLE_PATIENT,
    )
