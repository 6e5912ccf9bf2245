"""A device's build record as the window records it: the TOML file ``dvw build record`` takes (no Qt).

:func:`record_build_file` reads the file (at most :data:`traceability.build.MAX_BUILD_BYTES`) and records it for the
device of the case's current revision with the signed-in user's session (:func:`traceability.build.record_build`:
the same checks and refusals, each naming the file and line at fault).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.progress import CancelToken, ProgressCallback, checkpoint, report

if TYPE_CHECKING:
    from records.users import Session


@dataclass(frozen=True)
class BuildRequest:
    """A build record file to record for case ``code`` in the store at ``home``."""

    home: Path
    code: str
    path: Path


def record_build_file(
    request: BuildRequest, session: Session, progress: ProgressCallback, cancel: CancelToken
) -> dict[str, Any]:
    """Record the request's build record file for its case's device, by ``session``; returns its summary.

    The summary: ``seq``, ``serial``, ``job_id``, ``equipment_id``, ``lots`` (the material lots, in the file's
    order) and ``actor``.

    Raises
    ------
    BuildRecordError
        A missing, too large, malformed or refused file (``FILE:LINE: reason``), or the device already has one.
    NoUdiError, ConflictUnresolvedError
        As :func:`traceability.build.record_build`.
    """
    from records.store import Store  # noqa: PLC0415
    from traceability.build import MAX_BUILD_BYTES, BuildRecordError, record_build  # noqa: PLC0415

    home, code, path = request.home, request.code, request.path
    report(progress, 0.0, "reading the build record")
    if not path.is_file():
        raise BuildRecordError(f"no such file: {path}", path=str(path))
    if path.stat().st_size > MAX_BUILD_BYTES:
        raise BuildRecordError(f"{path}: a build record is at most {MAX_BUILD_BYTES} bytes", path=str(path))
    data = path.read_bytes()
    checkpoint(cancel)
    with Store.open(home) as store:
        event, build, device = record_build(store, code, data, path.name, by=session, folder=path.parent)
    report(progress, 1.0, "build recorded")
    return {
        "seq": event.seq,
        "serial": device.udi.serial,
        "job_id": build.job_id,
        "equipment_id": build.equipment_id,
        "lots": [material.lot for material in build.materials],
        "actor": event.actor,
    }
