"""``dvw fea``: finite-element analysis of a design under its family's load cases (linear-elastic, static)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from app.cli import EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.progress_bar import cancel_on_interrupt, progress_bar
from base.progress import ProgressCallback

_HELP = (
    "Analyse a closed design surface under a load-case file (TOML: material with units and source, supports, "
    "loads). The design is meshed into tetrahedra (Netgen) at the default element size and at twice it, solved "
    "with quadratic tetrahedra (linear elasticity, small strain, isotropic material, static loads), and the peak "
    "von Mises stress (MPa), peak displacement (mm) and minimum safety factor against yield are reported with "
    "their discretization uncertainty (two-grid convergence index, Fs = 3). Ctrl+C cancels; nothing is written "
    "until the analysis is done. Exit 2 for a design that is not watertight or a load-case file that is not valid."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``fea``."""
    fea = sub.add_parser("fea", help="finite-element analysis of a design under its load cases", description=_HELP)
    fea.add_argument("design", metavar="DESIGN", help="the design's closed surface: .stl, .ply, .obj or .3mf (mm)")
    fea.add_argument("--load-cases", required=True, metavar="FILE", help="the family's load-case file (TOML)")
    fea.add_argument("--out", required=True, metavar="RESULT.json", help="where to write the result (JSON)")
    fea.add_argument("--vtu", metavar="FIELD.vtu", help="also write the mesh with displacement and von Mises fields")
    fea.add_argument("--size", type=float, metavar="MM", help="element size at the default level (default: the file's)")
    fea.add_argument("--force", action="store_true", help="replace existing output files")
    add_json_flag(fea)
    fea.set_defaults(handler=run_fea)


def _round(value: float, digits: int = 6) -> float:
    return float(f"{value:.{digits}g}")


def _without_prefix(bar: ProgressCallback) -> ProgressCallback:
    def update(fraction: float, message: str) -> None:
        bar(fraction, message.replace(" (finite-element analysis, ", " (", 1))

    return update


def run_fea(args: argparse.Namespace) -> int:
    """``dvw fea DESIGN --load-cases FILE --out RESULT.json [--vtu FIELD.vtu] [--json]``."""
    import json  # noqa: PLC0415

    from base.files import sha256_file, write_atomically  # noqa: PLC0415
    from geometry.io import read_mesh  # noqa: PLC0415
    from mechanics.analysis import analyse, write_field_vtu  # noqa: PLC0415
    from mechanics.loadcases import load_load_cases  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415

    started = time.perf_counter()
    outputs = [Path(args.out)] + ([Path(args.vtu)] if args.vtu else [])
    if Path(args.out).suffix.lower() != ".json":
        raise UsageError(f"--out must name a .json file, got {args.out}")
    if args.vtu and Path(args.vtu).suffix.lower() != ".vtu":
        raise UsageError(f"--vtu must name a .vtu file, got {args.vtu}")
    for output in outputs:
        if output.exists() and not args.force:
            raise UsageError(f"output exists: {output} (use --force to replace it)", path=str(output))
        if not output.parent.is_dir():
            raise UsageError(f"no such folder for the output: {output.parent}", path=str(output))
    if args.size is not None and not args.size > 0:
        raise UsageError(f"--size must be a length in mm greater than 0, got {args.size}")
    cases = load_load_cases(args.load_cases)
    design = read_mesh(args.design)
    with progress_bar("FEA") as bar, cancel_on_interrupt() as cancel:
        # The bar is titled: each stage without the analysis' own words ("FEA: solving (coarse mesh, 5 mm)").
        progress = None if bar is None else _without_prefix(bar)
        result = analyse(design, cases, size_mm=args.size, progress=progress, cancel=cancel)
    fine, coarse = result.fine, result.coarse
    payload: dict[str, Any] = {
        "parameters": [
            {
                "name": figure.name,
                "value": _round(figure.value),
                "unit": figure.unit,
                "uncertainty": _round(figure.uncertainty, 3),
                "coarse_value": _round(figure.coarse_value),
                "method": figure.method,
            }
            for figure in result.figures
        ],
        "mesh": {
            "element": "quadratic tetrahedron (10 nodes)",
            "size_mm": _round(fine.size_mm, 4),
            "tetrahedra": fine.mesh.n_tets,
            "vertices": fine.mesh.n_points,
            "unknowns": fine.solution.unknowns,
            "solver": fine.solution.solver,
            "coarse": {"size_mm": _round(coarse.size_mm, 4), "tetrahedra": coarse.mesh.n_tets},
        },
        "worst_point_mm": [round(v, 3) for v in result.worst_point_mm],
        "loaded_area_mm2": round(result.loaded_area_mm2, 2),
        "held_area_mm2": round(result.held_area_mm2, 2),
        "material": {
            "name": cases.material.name,
            "youngs_modulus_mpa": cases.material.youngs_modulus_mpa,
            "poisson_ratio": cases.material.poisson_ratio,
            "yield_strength_mpa": cases.material.yield_strength_mpa,
            "source": cases.material.source,
        },
        "load_cases": {"id": cases.id, "version": cases.version, "sha256": cases.sha256},
        "input_sha256": sha256_file(args.design),
        "manifest_id": current_manifest().manifest_id,
    }
    if args.vtu:
        payload["vtu"] = {"output": args.vtu, "sha256": write_field_vtu(fine, args.vtu)}
    payload["seconds"] = round(time.perf_counter() - started, 3)
    text = json.dumps(payload, indent=2) + "\n"
    payload["output"] = args.out
    payload["sha256"] = write_atomically(args.out, lambda path: path.write_text(text, encoding="utf-8"))
    if args.json:
        emit_json(payload)
        return EXIT_OK
    say(f"analysed {args.design} under {cases.id} {cases.version} ({cases.material.name}) -> {args.out}")
    for figure in result.figures:
        say(f"  {figure.name} = {figure.value:.4g} {figure.unit} +- {figure.uncertainty:.2g}")
    say(
        f"  {fine.mesh.n_tets} quadratic tetrahedra at {fine.size_mm:.3g} mm ({coarse.mesh.n_tets} at "
        f"{coarse.size_mm:.3g} mm), {payload['seconds']:.1f} s"
    )
    return EXIT_OK
