"""The steps' results on the sample case: where a check places its flagged parameters, the surfaces for the 3D view."""

from __future__ import annotations

import numpy as np
import pytest
from sample_pipeline import PipelineResults

from geometry.distance import signed_distances
from workflow.display import closed_outward, display_surface


def test_flagged_places_are_where_they_were_measured(pipeline: PipelineResults) -> None:
    """The check carries the place of each flagged parameter that has one, for the 3D view's markers."""
    outcome, design = pipeline.outcomes["thin"], pipeline.designs["thin"]
    status = {item.name: item for item in outcome.result.results}
    # The thin plate's wall is below the envelope, and its largest gap near the limit: both are placed.
    assert status["design.min_wall_thickness"].status == "below"
    assert design.info.wall is not None
    assert outcome.locations["design.min_wall_thickness"] == design.info.wall.location
    gap = status["fit.max_gap"]
    assert gap.status == "near_limit"
    assert gap.value is not None
    place = np.array([outcome.locations["fit.max_gap"]])
    # On the plate (a bearing triangle's centre of its finely sampled surface), as far from the skull as measured.
    assert float(signed_distances(pipeline.anatomy.stored.mesh, place)[0]) == pytest.approx(float(gap.value), abs=1e-6)
    assert float(np.abs(signed_distances(design.stored.mesh, place)[0])) < 0.05
    # The deepest point is within its uncertainty (half a 1.5 mm slice along the normal) of the limit: it is
    # flagged and placed, on the plate, as deep in the skull as measured.
    depth = status["fit.max_penetration"]
    assert depth.status == "near_limit"
    assert depth.value is not None
    assert depth.uncertainty is not None
    assert depth.value + depth.uncertainty >= depth.max
    place = np.array([outcome.locations["fit.max_penetration"]])
    assert float(signed_distances(pipeline.anatomy.stored.mesh, place)[0]) == pytest.approx(
        -float(depth.value), abs=1e-6
    )
    assert float(np.abs(signed_distances(design.stored.mesh, place)[0])) < 0.05
    # Parameters within the envelope, and those with no place (the pixel spacing), have no place marked.
    assert status["imaging.pixel_spacing"].status == "near_limit"
    assert set(outcome.locations) == {"design.min_wall_thickness", "fit.max_gap", "fit.max_penetration"}


def test_closed_surfaces_skip_their_back_faces(pipeline: PipelineResults) -> None:
    """Only a closed surface with outward normals is drawn without its back faces (it hides them itself)."""
    anatomy, design = pipeline.anatomy.stored.mesh, pipeline.designs["thin"].stored.mesh
    for mesh in (anatomy, design):
        assert closed_outward(mesh.vertices, mesh.faces)
        assert not closed_outward(mesh.vertices, mesh.faces[:, ::-1])  # normals inward
        assert not closed_outward(mesh.vertices, mesh.faces[1:])  # a hole
    flipped = design.faces.copy()
    flipped[0] = flipped[0, ::-1]  # one triangle against its neighbours
    assert not closed_outward(design.vertices, flipped)
    assert not closed_outward(design.vertices, design.faces[:0])
    # The prepared surfaces say so (the reduced 60 k-triangle copy of the skull too), and the view follows it.
    assert pipeline.anatomy.display is not None
    assert pipeline.anatomy.display.closed_outward
    assert not display_surface(design.__class__(design.vertices, design.faces[1:])).closed_outward
