"""A design change (REQUIREMENTS 4.5.4): a new revision with its reason and its comparison with the last one.

:func:`record_change` reads the new design and the current revision's design (from the store, checked against its
SHA-256), compares them in the patient frame (:func:`geometry.distance.compare_revisions`), stores the new design
and the per-vertex distance map, and records a ``design_changed`` event with the reason and the ``change.*``
figures. The case then needs every team member's acknowledgement (``dvw change ack``), a new check (the company's
verification) and the clinician's confirmation (``dvw sign``) of the new revision.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from base.errors import DvwError
from base.files import sha256_file
from base.progress import CancelToken, ProgressCallback, checkpoint, report

if TYPE_CHECKING:
    from records.cases import CaseState
    from records.events import Event
    from records.store import Store
    from records.users import Session

DEFAULT_TOLERANCE_MM = 0.2
"""Distances up to this count as unchanged, unless the device family's ``[change]`` or the command gives another."""


class ChangeInputError(DvwError):
    """A design change that cannot be made from what was given (no reason, no previous design, the same design)."""

    code = "change_refused"


@dataclass(frozen=True)
class RecordedChange:
    """The ``design_changed`` event, the new revision, and the comparison's figures and map (``.npy`` by hash)."""

    event: Event
    revision: int
    parameters: dict[str, float]
    map_sha256: str

    def to_json(self) -> dict[str, Any]:
        """The summary ``dvw change --json`` prints.

        ``event_id``, ``seq``, ``revision``, ``reason``, ``design_sha256``, ``previous_design_sha256``, ``parameters``
        (``change.*`` figures) and ``map_sha256`` (the per-vertex distances, float32 ``.npy``).
        """
        payload = self.event.payload
        return {
            "event_id": self.event.event_id,
            "seq": self.event.seq,
            "revision": self.revision,
            "reason": payload["reason"],
            "design_sha256": payload["inputs"]["design"],
            "previous_design_sha256": payload["previous_design"],
            "parameters": self.parameters,
            "map_sha256": self.map_sha256,
        }


def design_file_name(case: CaseState, sha256: str) -> str | None:
    """The file name a case's events give the design ``sha256`` (its check's ``file_names`` or its change's)."""
    from records.payloads import CheckRun, DesignChanged, read_or_none  # noqa: PLC0415

    for event in reversed(case.events):
        checked = read_or_none(event, CheckRun)
        if checked is not None and checked.inputs.get("design") == sha256 and "design" in checked.file_names:
            return checked.file_names["design"]
        changed = read_or_none(event, DesignChanged)
        if changed is not None and changed.inputs.get("design") == sha256 and changed.design_file:
            return changed.design_file
    return None


def change_tolerance(home: Path | None, case: CaseState) -> float:
    """The tolerance (mm) of a design change of ``case``: its device family's ``[change] tolerance_mm``.

    The family is the one the envelope of the case's check names; :data:`DEFAULT_TOLERANCE_MM` when the case has no
    check, the family is not known here, or it sets no change tolerance.

    Raises
    ------
    DeviceFamilyError
        A device family file is malformed.
    """
    from records.payloads import CheckRun, read  # noqa: PLC0415
    from traceability.families import load_device_families  # noqa: PLC0415

    family_id = None if case.check is None else read(case.check, CheckRun).envelope_ref.family
    family = load_device_families(home).get(family_id) if family_id else None  # a malformed file is refused
    if family is None or family.change_tolerance_mm is None:
        return DEFAULT_TOLERANCE_MM
    return family.change_tolerance_mm


def record_change(
    store: Store,
    code: str,
    design: Path,
    reason: str,
    by: Session,
    *,
    tolerance_mm: float | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> RecordedChange:
    """Record a design change of case ``code`` to the design file ``design``, for ``reason``, by ``by``.

    The comparison's tolerance is ``tolerance_mm`` when given, else the case's device family's (``[change]
    tolerance_mm``, the family named by the envelope of the case's check; :func:`change_tolerance`).

    Raises
    ------
    ChangeInputError
        No reason, no design recorded for the case yet, or the same design as the current revision's.
    NotATeamMemberError
        The case has a team and ``by`` is not on it.
    MeshFileError
        A design file cannot be read.
    GeometryError
        A design has no triangles, or the tolerance is not positive.
    """
    from geometry.distance import compare_revisions  # noqa: PLC0415
    from geometry.io import read_mesh  # noqa: PLC0415
    from records.events import DESIGN_CHANGED  # noqa: PLC0415
    from records.payloads import DesignChanged, to_payload  # noqa: PLC0415
    from records.team import refuse_non_member  # noqa: PLC0415

    why = " ".join(reason.split())
    if not why:
        raise ChangeInputError("a design change needs its reason (--reason)")
    case = store.case(code)
    refuse_non_member(case, by.user_id, "change its design")
    previous_sha = case.inputs.get("design")
    if previous_sha is None:
        raise ChangeInputError(
            f"case {case.code} has no design recorded yet: its first design is recorded with its check (dvw run)"
        )
    if design.is_file() and sha256_file(design) == previous_sha:
        raise ChangeInputError(f"{design} is revision {case.revision}'s design already; nothing changed")
    report(progress, 0.05, "reading the designs")
    new_mesh = read_mesh(design)
    previous_name = design_file_name(case, previous_sha) or "design.stl"
    previous_mesh = read_mesh(store.artifact_path(previous_sha), suffix=Path(previous_name).suffix or ".stl")
    checkpoint(cancel)
    report(progress, 0.2, "comparing with the previous revision")
    tolerance = change_tolerance(store.home, case) if tolerance_mm is None else tolerance_mm
    comparison = compare_revisions(previous_mesh, new_mesh, tolerance_mm=tolerance, cancel=cancel)
    report(progress, 0.9, "recording")
    new_sha = store.put_artifact(design, "mesh")
    buffer = io.BytesIO()
    np.save(buffer, comparison.signed_distance.astype(np.float32), allow_pickle=False)
    map_sha = store.put_artifact(buffer.getvalue(), "change_map")
    figures = {name: round(value, 6) for name, value in comparison.parameters().items()}
    payload = DesignChanged(
        reason=why,
        inputs={"design": new_sha},
        previous_design=previous_sha,
        comparison={**figures, "map_sha256": map_sha, "vertices": new_mesh.n_vertices},
        design_file=design.name,
    )
    event = store.append(DESIGN_CHANGED, case_code=case.code, payload=to_payload(payload), by=by)
    report(progress, 1.0, "recorded")
    return RecordedChange(event, store.case(case.code).revision, figures, map_sha)
