"""The bundled sample case's designs: cranial plates fitted to the sample skull's defect, made in code.

Two variants share the sample skull (see :mod:`imaging.sample_case`): ``fitted`` is a 5 mm plate that covers the
roughly 50 mm opening with 10 mm of overlap on the bone all round and rests 0.6 mm (along the normal) above the skull's
analytic outer surface; ``thin`` is the same plate only 2.5 mm thick, below the sample cranial envelope's minimum
wall thickness, so its check comes out of the envelope. The segmented bone surface lies a few tenths of a millimetre
outside the analytic surface (the partial-volume voxels above the bone threshold), so the gap measured against the
skull mesh is smaller than 0.6 mm.
"""

from __future__ import annotations

from typing import Literal

from geometry.mesh import Mesh
from geometry.plate import PlateDesign, plate_mesh
from imaging.sample_case import SAMPLE_CASE, SampleCase

Variant = Literal["fitted", "thin"]
#: Wall thickness (mm, radial) of each variant.
THICKNESS_MM: dict[str, float] = {"fitted": 5.0, "thin": 2.5}
#: Overlap of the plate on the bone beyond the defect's nominal radius (mm).
OVERLAP_MM = 10.0
#: Radial distance of the plate's inner surface above the skull's analytic outer surface (mm).
GAP_MM = 0.6


def sample_plate_design(variant: Variant = "fitted", case: SampleCase = SAMPLE_CASE) -> PlateDesign:
    """The shape parameters of a sample plate."""
    return PlateDesign(
        centre=case.head_centre,
        semi_axes_mm=case.skull_semi_axes_mm,
        axis=case.defect_axis,
        radius_mm=case.defect_radius_mm + OVERLAP_MM,
        gap_mm=GAP_MM,
        thickness_mm=THICKNESS_MM[variant],
    )


def sample_plate(variant: Variant = "fitted", case: SampleCase = SAMPLE_CASE) -> Mesh:
    """The sample plate's closed mesh in the sample CT's patient frame (LPS mm)."""
    return plate_mesh(sample_plate_design(variant, case))
