"""Benchmark: appending events to the DVW store and verifying the chain, against plain SQLite without hashing.

Rows: 100,000 ``note`` events spread over 100 cases, each with a ~250-byte payload. Contenders:

- DVW, single-event transactions: ``Store.append`` (one ``BEGIN IMMEDIATE`` ... ``COMMIT`` with ``synchronous=FULL``
  per event, so each event is on disk when the call returns: the rate a workstation sees for interactive writes);
  every DVW event is attested (its actor's Ed25519 signature over its hash) and its actor checked against the log;
- DVW, batched: ``Store.append_many`` with 1,000 events per transaction (the rate for imports and sync);
- DVW verify: ``Store.verify`` (recompute every hash and each site's chain; no artifacts here);
- baseline: plain ``sqlite3`` inserts of the same rows (same columns, precomputed, no hashing, no checks) in the
  same WAL/FULL database settings, single and batched, and reading every row back.

Run: ``uv run python benchmarks/records.py [--events N] [--single N] [--batch N]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

# This file is named like the ``records`` package: run as a script, its folder would shadow the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

from records.events import NewEvent  # noqa: E402
from records.store import Store  # noqa: E402
from records.users import Session, setup_admin, sign_in  # noqa: E402

_PASSWORD = "benchmark-password-1"


def _admin(store: Store) -> Session:
    """The store's administrator, who records (and attests) every benchmark event."""
    setup_admin(store, "bench-admin", printed_name="Benchmark", password=_PASSWORD)
    return sign_in(store, "bench-admin", _PASSWORD)


_SCHEMA = """CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT UNIQUE NOT NULL,
site_id TEXT NOT NULL, case_code TEXT, kind TEXT NOT NULL, payload TEXT NOT NULL, actor TEXT,
created_at TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE)"""


def _payload(i: int) -> dict[str, object]:
    return {"i": i, "text": "design note " + "x" * 200, "value_mm": 2.5 + i % 7, "ok": True}


def _codes(cases: int) -> list[str]:
    return [f"CASE-{c:04d}" for c in range(cases)]


def bench_dvw(folder: Path, events: int, single: int, batch: int, cases: int) -> dict[str, float]:
    codes = _codes(cases)
    results: dict[str, float] = {}
    with Store.open(folder / "single") as store:
        by = _admin(store)
        store.append_many([NewEvent("case_created", code, {}, by) for code in codes])
        start = time.perf_counter()
        for i in range(single):
            store.append("note", case_code=codes[i % cases], payload=_payload(i), by=by)
        results["append_single"] = single / (time.perf_counter() - start)
    with Store.open(folder / "batched") as store:
        by = _admin(store)
        store.append_many([NewEvent("case_created", code, {}, by) for code in codes])
        start = time.perf_counter()
        for first in range(0, events, batch):
            store.append_many(
                [NewEvent("note", codes[i % cases], _payload(i), by) for i in range(first, min(events, first + batch))]
            )
        results["append_batched"] = events / (time.perf_counter() - start)
        start = time.perf_counter()
        report = store.verify()
        elapsed = time.perf_counter() - start
        assert report.ok, report.problems
        results["verify"] = report.events / elapsed
        results["verified_events"] = report.events
    return results


def bench_baseline(folder: Path, events: int, single: int, batch: int, cases: int) -> dict[str, float]:
    import json  # noqa: PLC0415

    codes = _codes(cases)
    site = uuid.uuid4().hex
    now = "2026-05-01T09:30:00.000000+08:00"

    def row(i: int) -> tuple[object, ...]:
        text = json.dumps(_payload(i), sort_keys=True, separators=(",", ":"))
        return (uuid.uuid4().hex, site, codes[i % cases], "note", text, None, now, "", uuid.uuid4().hex * 2)

    results: dict[str, float] = {}
    for name, count, size in (("single", single, 1), ("batched", events, batch)):
        connection = sqlite3.connect(folder / f"baseline-{name}.sqlite", isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(_SCHEMA)
        insert = (
            "INSERT INTO events (event_id, site_id, case_code, kind, payload, actor, created_at, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        start = time.perf_counter()
        for first in range(0, count, size):
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(insert, [row(i) for i in range(first, min(count, first + size))])
            connection.execute("COMMIT")
        results[f"append_{name}"] = count / (time.perf_counter() - start)
        if name == "batched":
            start = time.perf_counter()
            read = sum(1 for _ in connection.execute("SELECT * FROM events ORDER BY seq"))
            results["verify"] = read / (time.perf_counter() - start)
        connection.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=100_000, help="events appended in batches and verified")
    parser.add_argument("--single", type=int, default=100_000, help="events appended one transaction each")
    parser.add_argument("--batch", type=int, default=1_000, help="events per batched transaction")
    parser.add_argument("--cases", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dvw-bench-records-") as temp:
        folder = Path(temp)
        dvw = bench_dvw(folder, args.events, args.single, args.batch, args.cases)
        base = bench_baseline(folder, args.events, args.single, args.batch, args.cases)
    print(
        f"records: {args.events:,} events batched ({args.batch:,}/transaction), {args.single:,} single-event "
        f"transactions, {args.cases} cases; WAL, synchronous=FULL"
    )
    print(f"{'operation':<40} {'DVW events/s':>14} {'baseline events/s':>18} {'DVW/baseline':>13}")
    for key, title in (
        ("append_single", "append, one transaction per event"),
        ("append_batched", f"append, {args.batch:,} events per transaction"),
        ("verify", "verify chain (baseline: read back)"),
    ):
        print(f"{title:<40} {dvw[key]:>14,.0f} {base[key]:>18,.0f} {dvw[key] / base[key]:>13.2f}")
    print(f"verified {int(dvw['verified_events']):,} events: ok")


if __name__ == "__main__":
    main()
