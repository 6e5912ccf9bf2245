"""A real final inspection for tests whose subject is something after it (the trace's later steps, the report).

:func:`record_passing_inspection` records, for the device of a case's current revision, the figures of a real
inspection: a 20 k-point synthetic scan of the sample cranial plate (noise 0.02 mm, a random flipped pose)
registered and measured by :func:`geometry.inspection.inspect_scan` (computed once per test process). No Qt.
"""

from __future__ import annotations

import functools
from datetime import datetime

import numpy as np

from geometry.inspection import DeviationMap, inspect_scan
from geometry.registration import RigidTransform
from geometry.sample_design import sample_plate
from geometry.synthetic_scan import random_rotation, synthetic_scan
from records.events import Event
from records.store import Store
from records.users import Session
from traceability.inspection import inspected_device, record_inspection
from validation.manifest import current_manifest


@functools.cache
def _inspection() -> tuple[DeviationMap, bytes]:
    plate = sample_plate("fitted")
    rng = np.random.default_rng(4)
    motion = RigidTransform(random_rotation(rng, flip=True), rng.uniform(-100, 100, size=3))
    scan = synthetic_scan(plate, points=20_000, motion=motion, seed=4)
    text = "\n".join(f"{x:.5f} {y:.5f} {z:.5f}" for x, y, z in scan.points).encode()
    return inspect_scan(plate, scan.points, tolerance_mm=0.3), text


def record_passing_inspection(store: Store, code: str, by: Session, *, at: datetime | None = None) -> Event:
    """Record a passing inspection by ``by`` (a quality user) of case ``code``'s current device."""
    deviation, scan_bytes = _inspection()
    assert deviation.passed
    case = store.case(code)
    device = inspected_device(store, case, by)
    registration = deviation.registration
    return record_inspection(
        store,
        case,
        device,
        result="pass",
        design_sha256=case.inputs["design"],
        scan_sha256=store.put_artifact(scan_bytes, "scan"),
        scan_kind="cloud",
        scan_points=len(deviation.points),
        report_sha256=store.put_artifact(b'{"format": "test"}\n', "inspection_report"),
        tolerance_mm=0.3,
        registration={"rms_mm": registration.rms_mm, "transform": registration.transform.matrix()},
        regions=[region.to_json() for region in deviation.regions],
        manifest_id=current_manifest().manifest_id,
        by=by,
        at=at,
    )
