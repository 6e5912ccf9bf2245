"""``dvw measure`` and ``dvw parameters``: the measurement registry and measuring a case."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli import EXIT_OK, add_json_flag, emit_json, say
from app.progress_bar import cancel_on_interrupt, progress_bar
from workflow import steps


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``measure`` and ``parameters``."""
    measure = sub.add_parser("measure", help="measure every registered parameter the inputs allow", description=_HELP)
    measure.add_argument("--volume", metavar="V", help="imported volume (.nrrd/.mha keep the import's records)")
    measure.add_argument("--mask", metavar="M", help="bone mask on the volume's grid")
    measure.add_argument("--anatomy", metavar="MESH", help="anatomy (bone) mesh in patient LPS mm")
    measure.add_argument("--design", metavar="MESH", help="the device design mesh, in the same frame")
    measure.add_argument("--patient", metavar="PATIENT.json", help='patient facts: {"age_years", "weight_kg"}')
    measure.add_argument(
        "--load-cases", metavar="FILE", help="the family's load cases (TOML): with --design, the mech.* values (FEA)"
    )
    measure.add_argument("--family", metavar="NAME", help="device family (skips other families' measurements)")
    measure.add_argument("--out", required=True, metavar="PARAMS.json", help="parameters file to write")
    measure.add_argument("--force", action="store_true", help="replace an existing parameters file")
    add_json_flag(measure)
    measure.set_defaults(handler=run_measure)

    parameters = sub.add_parser(
        "parameters",
        help="list the measurement registry",
        description="List every registered measurement: name, unit, title, description and required inputs.",
    )
    add_json_flag(parameters)
    parameters.set_defaults(handler=run_parameters)


_HELP = (
    "Compute every registered measurement that the given inputs allow (see `dvw parameters`) and write them, with "
    "their units, methods and input hashes, to a parameters file for `dvw check`. A measurement whose inputs are "
    "given but which cannot be made on this case is written with a null value and the reason."
)


def measure_files(
    *,
    volume: str | None = None,
    mask: str | None = None,
    anatomy: str | None = None,
    design: str | None = None,
    patient: str | None = None,
    family: str | None = None,
    load_cases: str | None = None,
) -> Any:
    """Read the given files and measure them; returns ``validation.parameters.Parameters``."""
    from base.files import sha256_file  # noqa: PLC0415
    from geometry.io import read_mesh  # noqa: PLC0415
    from imaging.volume import read_volume  # noqa: PLC0415
    from mechanics.loadcases import load_load_cases  # noqa: PLC0415
    from validation.errors import MeasurementInputError  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415
    from validation.registry import MeasureInputs, measure  # noqa: PLC0415

    if not any((volume, mask, anatomy, design, patient)):
        raise MeasurementInputError(
            "nothing to measure: give at least one of --volume --mask --anatomy --design --patient"
        )
    # The patient file is read first, within its size limit: a huge file is refused before it is hashed.
    patient_facts = steps.read_patient(patient) if patient else None
    hashes: dict[str, str] = {}
    for name, path in (
        ("volume", volume),
        ("mask", mask),
        ("anatomy", anatomy),
        ("design", design),
        ("patient", patient),
        ("load_cases", load_cases),
    ):
        if path is not None:
            if not Path(path).is_file():
                raise MeasurementInputError(f"no such {name} file: {path}", path=path)
            hashes[name] = sha256_file(path)
    inputs = MeasureInputs(
        volume=read_volume(volume) if volume else None,
        mask=read_volume(mask) if mask else None,
        anatomy=read_mesh(anatomy) if anatomy else None,
        design=read_mesh(design) if design else None,
        patient=patient_facts,
        load_cases=load_load_cases(load_cases) if load_cases else None,
        sha256=hashes,
    )
    with progress_bar("measuring") as progress, cancel_on_interrupt() as cancel:
        return measure(
            inputs, family=family, manifest_id=current_manifest().manifest_id, progress=progress, cancel=cancel
        )


def _format(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def run_measure(args: argparse.Namespace) -> int:
    """``dvw measure``."""
    from validation.errors import ParameterFileError  # noqa: PLC0415
    from validation.parameters import write_parameters  # noqa: PLC0415

    output = Path(args.out)
    if output.exists() and not args.force:
        raise ParameterFileError(f"output exists: {output} (use --force to replace it)", path=str(output))
    parameters = measure_files(
        volume=args.volume,
        mask=args.mask,
        anatomy=args.anatomy,
        design=args.design,
        patient=args.patient,
        family=args.family,
        load_cases=args.load_cases,
    )
    sha256 = write_parameters(parameters, output, force=args.force)
    if args.json:
        emit_json({**parameters.to_json(), "output": str(output), "sha256": sha256})
        return EXIT_OK
    say(f"{len(parameters.values)} parameters -> {output}")
    for value in parameters.values:
        detail = value.reason if value.value is None else ""
        say(f"  {value.name:30} {_format(value.value):>10} {value.unit:8} {detail}".rstrip())
    return EXIT_OK


def run_parameters(args: argparse.Namespace) -> int:
    """``dvw parameters``."""
    from validation.registry import REGISTRY  # noqa: PLC0415

    if args.json:
        emit_json(
            {
                "parameters": [
                    {
                        "name": m.name,
                        "unit": m.unit,
                        "title": m.title,
                        "description": m.description,
                        "inputs": list(m.inputs),
                        "families": list(m.families),
                    }
                    for m in REGISTRY
                ]
            }
        )
        return EXIT_OK
    for m in REGISTRY:
        families = f" [{', '.join(m.families)}]" if m.families else ""
        say(f"{m.name:30} {m.unit:6} {m.title}{families}  (needs {', '.join(m.inputs)})")
    return EXIT_OK
