"""A case's work folder: its files, the JSON sidecars written beside them, atomic copies (no Qt here).

A case's working files live in the home's ``work`` folder, one sub-folder per case code (``ct.nrrd``,
``bone-mask.nrrd``, ``bone.stl``, the design, ``patient.json``, ``*.params.json``, ``*.check.json``); the check step
records them in the store by content. Beside the volume, the mask, the anatomy mesh and the design copy, the step
that writes one also writes a small JSON sidecar (:data:`VOLUME_SIDECAR`, :data:`MASK_SIDECAR`,
:data:`ANATOMY_SIDECAR`, :data:`DESIGN_SIDECAR`: see :func:`write_sidecar`) naming the file's SHA-256 and what the
step found or measured, so that a reopened case shows it again (:mod:`workflow.reopen`). The sidecars are a
convenience for work in progress; the records stay the authority.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.files import write_atomically

if TYPE_CHECKING:
    from geometry.metrics import MeshMetrics

WORK_DIR = "work"
#: The sidecars written beside the work files (see :func:`write_sidecar`): the import's summary and findings, the
#: mask's hash, the anatomy mesh's metrics and meshing parameters, the design copy's hash.
VOLUME_SIDECAR = "ct.import.json"
MASK_SIDECAR = "bone-mask.json"
ANATOMY_SIDECAR = "bone.mesh.json"
DESIGN_SIDECAR = "design.json"
#: The ``format`` of every sidecar.
SIDECAR_FORMAT = "dvw-work-file/1"
#: The work files the steps write (the design copy is ``design.<suffix>``, see :data:`DESIGN_SUFFIXES`).
VOLUME_FILE = "ct.nrrd"
MASK_FILE = "bone-mask.nrrd"
ANATOMY_FILE = "bone.stl"
DESIGN_STEM = "design"
DESIGN_SUFFIXES = (".stl", ".3mf", ".ply", ".obj")
PATIENT_FILE = "patient.json"
ENVELOPE_FILE = "envelope.toml"
#: The copy of the load-case file an envelope names (``[envelope] load_cases``), beside the envelope's copy.
LOAD_CASES_FILE = "load-cases.toml"
#: The suffix of a design's stress field (``<design>.stress.npz``, :mod:`mechanics.field`).
STRESS_FIELD_SUFFIX = ".stress.npz"


def work_folder(home: Path, code: str) -> Path:
    """The folder of case ``code``'s working files: the case code's sub-folder of the home's ``work`` folder."""
    return home / WORK_DIR / code


def write_sidecar(path: Path, described: Path, sha256: str, content: Mapping[str, Any]) -> str:
    """Write the sidecar ``path`` of the work file ``described`` (SHA-256 ``sha256``) atomically; return its SHA-256.

    The sidecar is ``{"format", "file", "sha256", ...content}``: the file's name and hash say which bytes it
    describes, so a sidecar left from an earlier file (or a file changed by hand) is recognised and ignored. Write
    it after the file it describes: a step interrupted in between leaves a sidecar naming the earlier file.
    """
    data = {**content, "format": SIDECAR_FORMAT, "file": described.name, "sha256": sha256}
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_sidecar(path: Path, described: Path) -> dict[str, Any] | None:
    """The sidecar ``path`` when it is one of :func:`write_sidecar` naming ``described``; else None (not an error)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT or data.get("file") != described.name:
        return None
    return data if isinstance(data.get("sha256"), str) else None


def mesh_metrics_json(metrics: MeshMetrics) -> dict[str, Any]:
    """``metrics`` as a JSON object, every value exactly as measured (see :func:`mesh_metrics_from_json`)."""
    deviation = metrics.surface_deviation
    return {
        "vertices": metrics.vertices,
        "triangles": metrics.triangles,
        "volume_mm3": metrics.volume_mm3,
        "area_mm2": metrics.area_mm2,
        "bounds": list(metrics.bounds),
        "watertight": metrics.watertight,
        "manifold": metrics.manifold,
        "shells": metrics.shells,
        "surface_deviation_mm": None if deviation is None else {"mean": deviation.mean_mm, "max": deviation.max_mm},
    }


def mesh_metrics_from_json(data: Mapping[str, Any]) -> MeshMetrics:
    """The :class:`~geometry.metrics.MeshMetrics` of :func:`mesh_metrics_json`'s object.

    Raises
    ------
    KeyError, TypeError, ValueError
        When the object is not one :func:`mesh_metrics_json` wrote.
    """
    from geometry.metrics import MeshMetrics, SurfaceDeviation  # noqa: PLC0415

    bounds = tuple(float(v) for v in data["bounds"])
    if len(bounds) != 6:
        raise ValueError(f"bounds have {len(bounds)} values, not 6")
    deviation = data.get("surface_deviation_mm")
    return MeshMetrics(
        vertices=int(data["vertices"]),
        triangles=int(data["triangles"]),
        volume_mm3=float(data["volume_mm3"]),
        area_mm2=float(data["area_mm2"]),
        bounds=(bounds[0], bounds[1], bounds[2], bounds[3], bounds[4], bounds[5]),
        watertight=bool(data["watertight"]),
        manifold=bool(data["manifold"]),
        shells=int(data["shells"]),
        surface_deviation=None
        if deviation is None
        else SurfaceDeviation(float(deviation["mean"]), float(deviation["max"])),
    )


def copy_atomically(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target`` through a temporary name (a killed run never leaves a cut copy); its SHA-256."""
    return write_atomically(target, lambda tmp: shutil.copyfile(source, tmp))


def write_json(path: Path, data: Any, *, sort_keys: bool = False) -> str:
    """Write ``data`` as indented JSON (2 spaces, a final newline) to ``path`` atomically; return its SHA-256."""
    text = json.dumps(data, indent=2, sort_keys=sort_keys) + "\n"
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
