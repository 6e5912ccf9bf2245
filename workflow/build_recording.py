"""A device's build record as the window records it: its entry form, or the TOML file ``dvw build record`` takes.

:func:`record_build_file` reads the file (at most :data:`traceability.build.MAX_BUILD_BYTES`) and records it for the
device of the case's current revision with the signed-in user's session (:func:`traceability.build.record_build`:
the same checks and refusals, each naming the file and line at fault).

:class:`BuildForm` is what the window's entry form holds, as text (a number or date that does not read as one is
passed on as text, so that the reader refuses it at its field). :func:`form_toml` writes it as the build record file
and :func:`record_build_form` records that with the same reader and checks as the command line; a refusal's
:attr:`traceability.build.BuildRecordError.field` names the field at fault. :func:`form_from_file` fills a form from
a build record file (the window's "Load from file...").
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
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


@dataclass(frozen=True)
class BuildForm:
    """A build record as the entry form holds it: every value as text (see the module docstring).

    ``started``/``finished`` are ISO 8601 times with their zone, ``calibration_due`` an ISO date,
    ``parameters_file`` the parameter set's file (absolute, or relative to the working folder; hashed when recorded)
    and ``parameters_sha256`` its hash when no file is given. ``materials`` rows are (material, supplier, lot,
    virgin share 0..1, GTIN or ""), ``environment`` rows (quantity, value, unit), ``post_processing`` rows
    (step, detail or ""); ``position_mm`` and ``orientation_deg`` are three numbers each.
    """

    job_id: str = ""
    started: str = ""
    finished: str = ""
    operator: str = ""
    witness_sample: str = ""
    equipment_id: str = ""
    calibration_due: str = ""
    parameter_set: str = ""
    parameters_file: str = ""
    parameters_sha256: str = ""
    materials: tuple[tuple[str, str, str, str, str], ...] = ()
    environment: tuple[tuple[str, str, str], ...] = ()
    position_mm: tuple[str, str, str] = ("", "", "")
    orientation_deg: tuple[str, str, str] = ("", "", "")
    post_processing: tuple[tuple[str, str], ...] = ()


def _string(text: str) -> str:
    # A TOML basic string: JSON's escapes are TOML's, but for DEL, which TOML wants escaped too.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _number(text: str) -> str:
    """A finite number as TOML, else the text as a string (the reader then says it must be a number)."""
    try:
        value = float(text.strip())
    except ValueError:
        return _string(text)
    return repr(value) if math.isfinite(value) else _string(text)


def _time(text: str) -> str:
    try:
        return datetime.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return _string(text)


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return _string(text)


def form_toml(form: BuildForm) -> str:
    """The form as a build record file (the format of :mod:`traceability.build`); empty values are left out."""
    lines: list[str] = []

    def table(header: str, values: list[tuple[str, str, str]]) -> None:
        lines.append(header)
        lines.extend(f"{key} = {kind}" for key, kind, text in values if text.strip())
        lines.append("")

    def put(key: str, text: str, write: Any = _string) -> tuple[str, str, str]:
        return key, write(text) if text.strip() else "", text

    table(
        "[build]",
        [
            put("job_id", form.job_id),
            put("started", form.started, _time),
            put("finished", form.finished, _time),
            put("operator", form.operator),
            put("witness_sample", form.witness_sample),
        ],
    )
    table("[printer]", [put("equipment_id", form.equipment_id), put("calibration_due", form.calibration_due, _day)])
    parameters = [put("name", form.parameter_set)]
    if form.parameters_file.strip():
        parameters.append(put("file", form.parameters_file))
    else:
        parameters.append(put("sha256", form.parameters_sha256))
    table("[parameters]", parameters)
    for material, supplier, lot, share, gtin in form.materials:
        table(
            "[[material]]",
            [
                put("material", material),
                put("supplier", supplier),
                put("lot", lot),
                put("virgin_share", share, _number),
                put("gtin", gtin),
            ],
        )
    for quantity, value, unit in form.environment:
        table("[[environment]]", [put("quantity", quantity), put("value", value, _number), put("unit", unit)])
    position = ", ".join(_number(text) for text in form.position_mm)
    orientation = ", ".join(_number(text) for text in form.orientation_deg)
    lines += ["[placement]", f"position_mm = [{position}]", f"orientation_deg = [{orientation}]", ""]
    for step, detail in form.post_processing:
        table("[[post_processing]]", [put("step", step), put("detail", detail)])
    return "\n".join(lines)


@dataclass(frozen=True)
class BuildFormRequest:
    """An entry form to record for case ``code`` in the store at ``home``."""

    home: Path
    code: str
    form: BuildForm


def record_build_form(
    request: BuildFormRequest, session: Session, progress: ProgressCallback, cancel: CancelToken
) -> dict[str, Any]:
    """Record the request's form for its case's device, by ``session``; returns the summary (as from a file).

    The form is written as a build record file (:func:`form_toml`) and checked by the same reader as
    ``dvw build record``; the summary also has ``parameters_sha256``.

    Raises
    ------
    BuildRecordError
        A refused form: its ``reason`` and ``field`` say what and where (``form:LINE: reason`` in the message).
    NoUdiError, ConflictUnresolvedError
        As :func:`traceability.build.record_build`.
    """
    from records.store import Store  # noqa: PLC0415
    from traceability.build import record_build  # noqa: PLC0415

    report(progress, 0.0, "checking the build record")
    data = form_toml(request.form).encode("utf-8")
    checkpoint(cancel)
    with Store.open(request.home) as store:
        event, build, device = record_build(store, request.code, data, "form", by=session, folder=None)
    report(progress, 1.0, "build recorded")
    return {
        "seq": event.seq,
        "serial": device.udi.serial,
        "job_id": build.job_id,
        "equipment_id": build.equipment_id,
        "lots": [material.lot for material in build.materials],
        "actor": event.actor,
        "parameters_sha256": build.parameters_sha256,
    }


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


def _rows(document: dict[str, Any], name: str, keys: tuple[str, ...]) -> list[list[str]]:
    items = document.get(name)
    if not isinstance(items, list):
        return []
    return [[_text(item.get(key)) for key in keys] for item in items if isinstance(item, dict)]


def _triple(value: object) -> tuple[str, str, str]:
    if isinstance(value, list) and len(value) == 3:
        return _text(value[0]), _text(value[1]), _text(value[2])
    return "", "", ""


def form_from_file(path: Path) -> BuildForm:
    """A form filled from a build record file (a value that is missing or of the wrong kind is left as it reads).

    ``parameters.file`` is resolved against the file's folder, as the command line resolves it.

    Raises
    ------
    BuildRecordError
        A missing or too large file, or one that is not TOML (with its line).
    """
    from base.safe_load import DataFileError, decode_text, parse_toml  # noqa: PLC0415
    from traceability.build import MAX_BUILD_BYTES, BuildRecordError  # noqa: PLC0415

    if not path.is_file():
        raise BuildRecordError(f"no such file: {path}", path=str(path))
    if path.stat().st_size > MAX_BUILD_BYTES:
        raise BuildRecordError(f"{path}: a build record is at most {MAX_BUILD_BYTES} bytes", path=str(path))
    try:
        document = parse_toml(decode_text(path.read_bytes(), source=path.name, what="build record"), source=path.name)
    except DataFileError as exc:
        raise BuildRecordError(exc.message, path=str(path)) from None

    def table(name: str) -> dict[str, Any]:
        value = document.get(name)
        return value if isinstance(value, dict) else {}

    build, printer, parameters, placement = table("build"), table("printer"), table("parameters"), table("placement")
    named = _text(parameters.get("file"))
    return BuildForm(
        job_id=_text(build.get("job_id")),
        started=_text(build.get("started")),
        finished=_text(build.get("finished")),
        operator=_text(build.get("operator")),
        witness_sample=_text(build.get("witness_sample")),
        equipment_id=_text(printer.get("equipment_id")),
        calibration_due=_text(printer.get("calibration_due")),
        parameter_set=_text(parameters.get("name")),
        parameters_file=str(path.parent / named) if named else "",
        parameters_sha256=_text(parameters.get("sha256")),
        materials=tuple(
            (m, s, lot, share, gtin)
            for m, s, lot, share, gtin in _rows(
                document, "material", ("material", "supplier", "lot", "virgin_share", "gtin")
            )
        ),
        environment=tuple((q, v, u) for q, v, u in _rows(document, "environment", ("quantity", "value", "unit"))),
        position_mm=_triple(placement.get("position_mm")),
        orientation_deg=_triple(placement.get("orientation_deg")),
        post_processing=tuple((step, d) for step, d in _rows(document, "post_processing", ("step", "detail"))),
    )


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file (a parameter set's file, as the build record records it)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
