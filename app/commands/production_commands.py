"""``dvw build record``, ``dvw inspect``: production and inspection records of a case's device.

Who is recorded: the person who records the build, and the inspector (``--user`` or ``$DVW_USER``; an inspector
has the ``quality`` role), who re-enters the password; the event is theirs and attested with their key.
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


_BUILD_HELP = (
    "Record how the device of a case's current revision was built (T/CAMDI 4.7.7, 4.7.10): a TOML file with [build] "
    "(job_id, started, finished with their zone, operator = a user of this workstation, witness_sample = the "
    "device's serial), [printer] (equipment_id, calibration_due), [parameters] (name, and file beside BUILD.toml "
    "or sha256), [[material]] (material, supplier, lot, virgin_share 0..1, optional gtin), [[environment]] "
    "(quantity, value, unit), [placement] (position_mm, orientation_deg) and [[post_processing]] (step, detail). "
    "Refused (exit 2, FILE:LINE: reason) when malformed, when the printer's calibration was due before the build "
    "started, or when the device already has its build record. Exported by dvw trace export as an EPCIS "
    "TransformationEvent (material lots in, the device's serial out)."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``build`` (``record``) and ``inspect``."""
    build = sub.add_parser("build", help="record how a device was built", description=_BUILD_HELP)
    actions = build.add_subparsers(dest="build_action", metavar="ACTION", parser_class=type(build), required=True)
    record = actions.add_parser("record", help="record a build from BUILD.toml", description=_BUILD_HELP)
    record.add_argument("code", metavar="CODE", help="case code")
    record.add_argument("--file", required=True, metavar="BUILD.toml", help="the build record")
    add_acting_user(record, "who records the build")
    add_json_flag(record)
    record.set_defaults(handler=run_build_record)

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


def run_build_record(args: argparse.Namespace) -> int:
    """``dvw build record CODE --file BUILD.toml``."""
    from records.events import check_case_code  # noqa: PLC0415
    from traceability.build import MAX_BUILD_BYTES, record_build  # noqa: PLC0415

    check_case_code(args.code)
    source = Path(args.file)
    if not source.is_file():
        raise UsageError(f"no such file: {source}", path=str(source))
    if source.stat().st_size > MAX_BUILD_BYTES:
        raise UsageError(f"{source}: a build record is at most {MAX_BUILD_BYTES} bytes", path=str(source))
    data = source.read_bytes()
    acting_user_id(args, "a build record")
    with _open(args) as store:
        session = acting_session(args, store, "a build record")
        event, build, device = record_build(store, args.code, data, str(source), by=session, folder=source.parent)
    if args.json:
        emit_json(
            {
                "event_id": event.event_id,
                "seq": event.seq,
                "hash": event.hash,
                "case_code": event.case_code,
                "actor": event.actor,
                "serial": device.udi.serial,
                "udi": device.udi.hri,
                **event.payload,
            }
        )
        return EXIT_OK
    lots = ", ".join(f"{m.material} lot {m.lot}" for m in build.materials)
    say(
        f"case {event.case_code} device {device.udi.serial}: build {build.job_id} on {build.equipment_id} recorded "
        f"(event seq {event.seq}; {lots})"
    )
    return EXIT_OK


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
        f"(registration RMS {registration['rms_mm']:.4f} mm, {result['scan_points']:,} points; figures of each "
        "point's median deviation over its 16 nearest points, mm)"
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
