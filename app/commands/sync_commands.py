"""``dvw serve``, ``dvw server enroll-site|verify``, ``dvw site join|conflicts|resolve`` and ``dvw sync``."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from app.cli import EXIT_BAD_INPUT, EXIT_OK, UsageError, add_json_flag, emit_json, say
from app.commands.acting import acting_session, add_acting_user, add_password_stdin, read_password
from app.home import home_folder
from app.progress_bar import progress_bar

SERVER_DB = Path("server") / "dvw-server.sqlite"
#: The sync server (DVW's ``server`` package) and what it runs on: the ``server`` extra (``dvw[server]``), installed
#: on the server machine and left out of the desktop bundle (installer/spec_common.py SERVER_STACK); where any is
#: missing ``dvw serve`` and ``dvw server`` refuse with :data:`NOT_IN_BUNDLE`.
SERVER_LIBRARIES = ("server", "fastapi", "uvicorn", "prometheus_client")
NOT_IN_BUNDLE = "the sync server is not part of the desktop bundle; install dvw[server] on the server machine"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``serve``, ``server`` (``enroll-site``, ``verify``), ``site`` (``join``, ...) and ``sync``."""
    _register_server(sub)
    _register_site(sub)
    sync = sub.add_parser("sync", help="exchange events and artifacts with the sync server", description=_SYNC_HELP)
    sync.add_argument("--server", metavar="URL", help="the sync server's URL (default: the one joined)")
    sync.add_argument("--retries", type=int, default=5, metavar="N", help="retries per request (default 5)")
    add_acting_user(
        sync, "who syncs: the sites the server lists that this store does not trust yet are trusted by them"
    )
    add_json_flag(sync)
    sync.set_defaults(handler=run_sync)


def _register_server(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the company sync server", description=_SERVE_HELP)
    serve.add_argument("--db", metavar="URL", help="database URL (default: SQLite in HOME/server/dvw-server.sqlite)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8750, metavar="N", help="port (default 8750)")
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (default 1)")
    serve.add_argument("--ssl-keyfile", metavar="KEY", help="TLS private key (PEM) when uvicorn terminates TLS")
    serve.add_argument("--ssl-certfile", metavar="CERT", help="TLS certificate chain (PEM)")
    serve.add_argument(
        "--metrics-token-file",
        metavar="FILE",
        help="file with the bearer token /metrics requires (default: env DVW_METRICS_TOKEN_FILE; none: /metrics off)",
    )
    serve.set_defaults(handler=run_serve)

    server = sub.add_parser("server", help="administer the sync server's database", description=_SERVER_HELP)
    server_actions = server.add_subparsers(
        dest="server_action", metavar="ACTION", parser_class=type(server), required=True
    )
    enroll = server_actions.add_parser("enroll-site", help="register a site; prints its one-time token")
    enroll.add_argument("name", metavar="NAME", help="the site's name (e.g. the hospital)")
    enroll.add_argument("--db", metavar="URL", help="database URL (default: SQLite in HOME/server/)")
    add_json_flag(enroll)
    enroll.set_defaults(handler=run_enroll_site)
    verify = server_actions.add_parser("verify", help="verify every chain, signature and artifact on the server")
    verify.add_argument("--db", metavar="URL", help="database URL (default: SQLite in HOME/server/)")
    add_json_flag(verify)
    verify.set_defaults(handler=run_server_verify)


def _register_site(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    site = sub.add_parser("site", help="this workstation as a site of the sync server", description=_SITE_HELP)
    site_actions = site.add_subparsers(dest="site_action", metavar="ACTION", parser_class=type(site), required=True)
    join = site_actions.add_parser("join", help="join the sync server once, with the enrolment token")
    join.add_argument("--server", required=True, metavar="URL", help="the sync server's URL")
    join.add_argument("--token", required=True, metavar="TOKEN", help="the token from dvw server enroll-site")
    add_json_flag(join)
    join.set_defaults(handler=run_site_join)
    listing = site_actions.add_parser("conflicts", help="list concurrent revisions that a person must resolve")
    add_json_flag(listing)
    listing.set_defaults(handler=run_site_conflicts)
    resolve = site_actions.add_parser("resolve", help="record which site's revision of a case is kept")
    resolve.add_argument("code", metavar="CODE", help="case code")
    resolve.add_argument("--keep", required=True, metavar="SITE", help="the site id whose revision is kept")
    resolve.add_argument("--reason", required=True, help="why")
    add_acting_user(resolve, "who decided (re-enters the password)")
    add_json_flag(resolve)
    resolve.set_defaults(handler=run_site_resolve)
    trust = site_actions.add_parser(
        "trust", help="accept another site's events (administrator)", description=_TRUST_HELP
    )
    trust.add_argument("site_id", metavar="SITE", help="the other site's id (32 hex digits)")
    trust.add_argument("--name", metavar="TEXT", help="what the site is (e.g. the hospital and department)")
    trust.add_argument("--by", required=True, metavar="ADMIN", help="the administrator (re-enters the password)")
    add_password_stdin(trust)
    add_json_flag(trust)
    trust.set_defaults(handler=run_site_trust)


_SERVE_HELP = (
    "Run the company's sync server (FastAPI on uvicorn). PostgreSQL through "
    "--db postgresql+psycopg://USER:PASS@HOST/DB for production (several --workers share it); SQLite by default "
    "for trying it out. The schema is migrated before the workers start. Put TLS in front of it (nginx or Caddy "
    "proxying to --host/--port) or give --ssl-keyfile and --ssl-certfile. Logs are JSON lines on stderr; "
    "/healthz needs no credentials; /metrics needs 'Authorization: Bearer TOKEN' with the token in "
    "--metrics-token-file (e.g. made by: openssl rand -hex 32 > FILE) and is off without one."
)
_SERVER_HELP = "Enrol sites and verify the server's records (run on the server machine, against its database)."
_SITE_HELP = (
    "Join the sync server once (a new Ed25519 site key is kept in HOME/sync, owner-only), list concurrent "
    "revisions of a case found after syncs, and record which one a person kept."
)
_TRUST_HELP = (
    "Record that this store accepts another site's events, e.g. a hospital workstation that sends bundles and has "
    "never synced with this company's server. Sites the company's sync server lists are trusted by the user who "
    "runs dvw sync --user; a bundle from a site trusted neither way is refused. Only an administrator trusts a site "
    "by hand (recorded as site_trusted, attested by them)."
)
_SYNC_HELP = (
    "Push this site's events and artifacts and pull the other sites', in resumable stages: state, push events, push "
    "artifacts, pull events, pull artifacts, confirm. Interrupted syncs resume on the next run; nothing is stored "
    "twice. DICOM instances and patient identity never leave the site."
)


def _default_db(args: argparse.Namespace) -> str:
    if args.db:
        return str(args.db)
    return f"sqlite:///{home_folder(args.home).resolve() / SERVER_DB}"


def _require_server_libraries() -> None:
    """Refuse in one line where the sync server is not installed (the desktop bundle, DVW without ``[server]``).

    They are looked up, not imported (fastapi takes about a second to load, and ``dvw server`` does not need it):
    a library that is installed but broken still fails loudly where it is imported.

    Raises
    ------
    UsageError
        :data:`NOT_IN_BUNDLE`, when one of :data:`SERVER_LIBRARIES` is not installed.
    """
    from importlib.util import find_spec  # noqa: PLC0415

    if any(find_spec(name) is None for name in SERVER_LIBRARIES):
        raise UsageError(NOT_IN_BUNDLE)


def _shown(url: str) -> str:
    from sqlalchemy import make_url  # noqa: PLC0415
    from sqlalchemy.exc import ArgumentError  # noqa: PLC0415

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def run_serve(args: argparse.Namespace) -> int:
    """``dvw serve``: migrate the database once, then run uvicorn with ``--workers`` processes."""
    _require_server_libraries()
    import uvicorn  # noqa: PLC0415

    from server.app import ENV_DB, ENV_METRICS_TOKEN_FILE, LOG_CONFIG, read_metrics_token  # noqa: PLC0415
    from server.store import ServerStore  # noqa: PLC0415

    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if bool(args.ssl_keyfile) != bool(args.ssl_certfile):
        raise UsageError("give both --ssl-keyfile and --ssl-certfile, or neither")
    token_file = args.metrics_token_file or os.environ.get(ENV_METRICS_TOKEN_FILE)
    if token_file:
        read_metrics_token(token_file)  # refused here, in one line, rather than in every worker
        os.environ[ENV_METRICS_TOKEN_FILE] = str(Path(token_file).resolve())
    url = _default_db(args)
    with ServerStore.open(url) as store:  # migrates here, once, before any worker starts
        dialect = store.dialect
    os.environ[ENV_DB] = url
    metrics_dir: str | None = None
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Workers count requests in files here, so /metrics answers for all of them whichever one is asked.
        metrics_dir = tempfile.mkdtemp(prefix="dvw-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    scheme = "https" if args.ssl_certfile else "http"
    say(f"DVW sync server on {scheme}://{args.host}:{args.port} ({dialect} {_shown(url)}, {args.workers} workers)")
    if not token_file:
        say("/metrics is off: give --metrics-token-file FILE to serve it to Prometheus with that bearer token")
    try:
        uvicorn.run(
            "server.app:create_app_from_environment",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=LOG_CONFIG,
            access_log=False,
            ssl_keyfile=args.ssl_keyfile,
            ssl_certfile=args.ssl_certfile,
            timeout_graceful_shutdown=5,
            # A worker answers the supervisor's health check only once it has imported the app: on a busy machine
            # that takes longer than uvicorn's 5 s, and workers were killed and restarted over and over.
            timeout_worker_healthcheck=60,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return EXIT_OK


def run_enroll_site(args: argparse.Namespace) -> int:
    """``dvw server enroll-site NAME``: print the one-time token (the server keeps only its hash)."""
    _require_server_libraries()
    from server.store import ServerStore  # noqa: PLC0415

    with ServerStore.open(_default_db(args)) as store:
        enrolment = store.enroll_site(args.name)
    if args.json:
        emit_json(enrolment.to_json())
    else:
        say(f"site {enrolment.name!r} enrolled; give this one-time token to the site (dvw site join):")
        print(enrolment.token)  # noqa: T201 - the token is the command's output
    return EXIT_OK


def run_server_verify(args: argparse.Namespace) -> int:
    """``dvw server verify``: exit 0 when every chain, signature and artifact verifies, else 2."""
    _require_server_libraries()
    from server.store import ServerStore  # noqa: PLC0415

    with ServerStore.open(_default_db(args)) as store:
        audit = store.verify()
    if args.json:
        emit_json(audit.to_json())
    else:
        for problem in audit.problems:
            say(f"  {problem}")
        say(
            f"{audit.sites} sites, {audit.events} events, {audit.artifacts} artifacts: {'ok' if audit.ok else 'FAILED'}"
        )
    return EXIT_OK if audit.ok else EXIT_BAD_INPUT


def run_site_join(args: argparse.Namespace) -> int:
    """``dvw site join --server URL --token TOKEN``."""
    from records.store import Store  # noqa: PLC0415
    from records.sync.client import join  # noqa: PLC0415

    with Store.open(home_folder(args.home)) as store:
        result = join(store, args.server, args.token)
    if args.json:
        emit_json(result.to_json())
    else:
        say(f"site {result.site_id} joined {result.server} as {result.name!r}")
    return EXIT_OK


def run_site_conflicts(args: argparse.Namespace) -> int:
    """``dvw site conflicts``: the unresolved concurrent revisions in the local store."""
    from records.store import Store  # noqa: PLC0415
    from records.sync.conflicts import find_conflicts  # noqa: PLC0415

    with Store.open(home_folder(args.home)) as store:
        found = find_conflicts(store.events())
    if args.json:
        emit_json({"conflicts": [conflict.to_json() for conflict in found]})
    else:
        for conflict in found:
            sides = ", ".join(f"site {b.site_id} ({len(b.events)} changes)" for b in conflict.branches)
            say(f"case {conflict.case_code}: concurrent revisions by {sides}")
        say(f"{len(found)} case{'s' if len(found) != 1 else ''} with concurrent revisions")
    return EXIT_OK


def run_site_resolve(args: argparse.Namespace) -> int:
    """``dvw site resolve CODE --keep SITE --reason TEXT``."""
    from records.store import Store  # noqa: PLC0415
    from records.sync.conflicts import resolve_conflict  # noqa: PLC0415

    with Store.open(home_folder(args.home)) as store:
        session = acting_session(args, store, "resolving a conflict")
        event = resolve_conflict(store, args.code, kept_site=args.keep, reason=args.reason, by=session)
    if args.json:
        emit_json({"case": args.code, "event_id": event.event_id, "hash": event.hash, "kept_site": args.keep})
    else:
        say(f"case {args.code}: kept the revision of site {args.keep} (event {event.event_id})")
    return EXIT_OK


def run_site_trust(args: argparse.Namespace) -> int:
    """``dvw site trust SITE --by ADMIN``."""
    from records.store import Store  # noqa: PLC0415
    from records.users import sign_in, trust_site  # noqa: PLC0415

    password = read_password(args, f"Password for the administrator {args.by}: ")
    with Store.open(home_folder(args.home)) as store:
        admin = sign_in(store, args.by, password)
        event = trust_site(store, args.site_id, by=admin, via="administrator", name=args.name)
    summary = {"site_id": args.site_id, "trusted": True, "recorded": event is not None, "by": admin.user_id}
    if event is not None:
        summary.update(event_id=event.event_id, seq=event.seq)
    if args.json:
        emit_json(summary)
    elif event is None:
        say(f"site {args.site_id} was already trusted here")
    else:
        say(f"site {args.site_id} trusted by {admin.user_id} (event seq {event.seq})")
    return EXIT_OK


def run_sync(args: argparse.Namespace) -> int:
    """``dvw sync [--server URL]``: ``{"pushed", "pulled", "conflicts": [...], ...}``."""
    from records.store import Store  # noqa: PLC0415
    from records.sync.client import sync  # noqa: PLC0415

    if args.retries < 0:
        raise UsageError("--retries must be 0 or more")
    with Store.open(home_folder(args.home)) as store:
        session = acting_session(args, store, "trusting the server's new sites") if args.user else None
        with progress_bar("sync") as progress:
            result = sync(store, args.server, retries=args.retries, progress=progress, by=session)
    if args.json:
        emit_json(result.to_json())
    else:
        megabytes = (result.bytes_pushed + result.bytes_pulled) / 1e6
        say(
            f"synced with {result.server}: pushed {result.pushed} events and {result.artifacts_pushed} artifacts, "
            f"pulled {result.pulled} events and {result.artifacts_pulled} artifacts ({megabytes:.1f} MB) in "
            f"{result.seconds:.1f} s; {result.withheld} artifacts withheld for privacy"
        )
        for site in result.trusted:
            say(f"  site {site} (enrolled with the server) is now trusted here, by {args.user}")
        for conflict in result.conflicts:
            sides = " and ".join(branch.site_id for branch in conflict.branches)
            say(f"  conflict: case {conflict.case_code} was changed concurrently by sites {sides}")
    if result.untrusted:
        listed = ", ".join(result.untrusted)
        say(f"  not pulled: site(s) {listed} are new here; run dvw sync --user USER to trust the server's sites")
    return EXIT_OK
