"""``dvw inspect``: production and inspection records of a case's device.

Who is recorded: the inspector (``--user`` or ``$DVW_USER``, a user with the ``quality`` role, who re-enters the
password); the event is theirs and attested with their key.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli import EXIT_OK, EXIT_OUT_OF_ENVELOPE, UsageError, add_json_flag, emit_json, say
from app.commands.acting import acting_session, acting_user_id, add_acting_user
from app.home import home_folder
from app.progress_bar import progress_bar

if TYPE_CHECKING:
    from records.store import Store

_INSPECT_HELP = (
    "Final inspection of the device of a case's current revision (T/CAMDI 4.8.1 c, 4.8.4): a 3D scan of the printed "
    "part (STL/PLY/OBJ mesh, or PLY/XYZ point cloud, mm, any pose) is registered onto the case's design without "
    "picking (a global search over rotations, flips included, then point-to-plane ICP), and each scan point's signed "
    "distance to the design (outward positive) is measured. Figures (max, min, mean, RMS, share within tolerance) "
    "are given for the whole part and, when the case holds its anatomy, for the bone-facing bearing surface and the "
    "rest, judged against the device family's [inspection] tolerances (or --tolerance). The inspection is recorded "
    "with the inspector (a quality user, who re-enters the password), the scan and the report by SHA-256, and "
    "pass/fail. Exit 0 when it passes, 3 when it fails (recorded: the device is nonconforming and is never "
    "released), 2 when refused (no quality role, no UDI, a device that already failed, a file that is not a mesh "
    "or point cloud)."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``inspect``."""
    inspect = sub.add_parser(
        "inspect", help="inspect a device: its 3D scan against its design", description=_INSPECT_HELP
    )
    inspect.add_argument("code", metavar="CODE", help="case code")
    inspect.add_argument("--scan", required=True, metavar="FILE", help="the scan (.stl, .ply, .obj, .xyz; mm)")
    inspect.add_argument(
        "--tolerance", type=float, metavar="MM", help="tolerance in mm (plus or minus) instead of the device family's"
    )
    add_acting_user(inspect, "the inspector (role quality)")
    add_json_flag(inspect)
    inspect.set_defaults(handler=run_inspect)


def _open(args: argparse.Namespace) -> Store:
    from records.store import Store  # noqa: PLC0415

    return Store.open(home_folder(args.home))


def run_inspect(args: argparse.Namespace) -> int:
    """``dvw inspect CODE --scan FILE``."""
    from records.events import check_case_code  # noqa: PLC0415
    from validation.manifest import current_manifest  # noqa: PLC0415
    from workflow.inspection import inspect_case  # noqa: PLC0415

    check_case_code(args.code)
    scan = Path(args.scan)
    if not scan.is_file():
        raise UsageError(f"no such file: {scan}", path=str(scan))
    if args.tolerance is not None and not 0.0 < args.tolerance <= 10.0:
        raise UsageError(f"--tolerance {args.tolerance}: give a number of mm above 0 and at most 10")
    acting_user_id(args, "an inspection")
    with _open(args) as store:
        session = acting_session(args, store, "an inspection")
        with progress_bar("inspecting") as progress:
            outcome = inspect_case(
                store,
                args.code,
                scan,
                by=session,
                manifest_id=current_manifest().manifest_id,
                home=store.home,
                tolerance_mm=args.tolerance,
                progress=progress,
            )
    result = outcome.to_json()
    status = EXIT_OK if result["passed"] else EXIT_OUT_OF_ENVELOPE
    if args.json:
        emit_json(result)
        return status
    registration = result["registration"]
    say(
        f"case {result['case_code']} device {result['serial']}: inspection {result['result'].upper()} "
        f"(registration RMS {registration['rms_mm']:.4f} mm, {result['scan_points']:,} points)"
    )
    for region in result["regions"]:
        if not region["points"]:
            say(f"  {region['name']:8} no points")
            continue
        say(
            f"  {region['name']:8} max {region['max_mm']:+.3f}  min {region['min_mm']:+.3f}  mean "
            f"{region['mean_mm']:+.3f}  RMS {region['rms_mm']:.3f} mm  within +-{region['tolerance_mm']} mm: "
            f"{100 * region['within_share']:.2f} %  {'pass' if region['passed'] else 'FAIL'}"
        )
    if not result["passed"]:
        say(
            f"  the device is nonconforming and is never released (to remake it: dvw udi assign {result['case_code']} "
            "--new)"
        )
    return status
