"""A recall across sites: two workstations record builds from the same material lot, sync through the real server on
PostgreSQL, and ``dvw trace where-used --lot LOT`` at either site finds exactly the devices of that lot from both
sites (with their case, state and site), and none of another lot."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sync_helpers import Site, ThreadServer, add_signed_case, fresh_postgres_database, settle, trust_each_other

from app.cli import main
from traceability.assignment import assign_udi
from traceability.build import record_build

SHARED_LOT, OTHER_LOT = "PK-2611-07", "PK-2612-01"
BUILD = """\
[build]
job_id = "{job}"
started = 2026-11-02T08:00:00+08:00
finished = 2026-11-02T17:30:00+08:00
operator = "{operator}"
witness_sample = "{serial}"

[printer]
equipment_id = "EOS-P396-02"
calibration_due = 2027-01-31

[parameters]
name = "PEKK-standard-v3"
sha256 = "{sha}"

[[material]]
material = "PEKK powder"
supplier = "Acme Polymers"
lot = "{lot}"
virgin_share = 0.5

[placement]
position_mm = [120.0, 85.0, 40.0]
orientation_deg = [0.0, 90.0, 0.0]
"""


@pytest.fixture
def postgres_server() -> Iterator[ThreadServer]:
    """The real sync server on localhost over a fresh PostgreSQL database."""
    with fresh_postgres_database() as url:
        running = ThreadServer(url)
        try:
            yield running
        finally:
            running.stop()


def _built_device(site: Site, code: str, lot: str, design: bytes) -> str:
    """A signed case at ``site`` with its UDI and a build record from ``lot``; returns the device's serial."""
    add_signed_case(site, code, design=design)
    record, _ = assign_udi(site.store, code, by=site.person("quality"))
    serial = record.udi.serial
    text = BUILD.format(
        job=f"BJ-{code}", operator=site.person("engineer").user_id, serial=serial, sha="ab" * 32, lot=lot
    )
    record_build(site.store, code, text.encode(), "BUILD.toml", by=site.person("engineer"))
    return serial


def _where_used(
    home: Path, lot: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, object]]:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["--home", str(home), "trace", "where-used", "--lot", lot, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["lot"] == lot
    devices: list[dict[str, object]] = shown["devices"]
    return devices


def test_where_used_finds_the_devices_of_a_lot_from_both_synced_sites(
    postgres_server: ThreadServer,
    make_site: Callable[..., Site],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = postgres_server.url
    a = make_site("hospital-a", postgres_server.store, url)
    b = make_site("hospital-b", postgres_server.store, url)
    trust_each_other(a, b)
    serials = {
        "CP-A-1": _built_device(a, "CP-A-1", SHARED_LOT, b"solid a1\n"),
        "CP-A-2": _built_device(a, "CP-A-2", OTHER_LOT, b"solid a2\n"),
        "CP-B-1": _built_device(b, "CP-B-1", SHARED_LOT, b"solid b1\n"),
        "CP-B-2": _built_device(b, "CP-B-2", OTHER_LOT, b"solid b2\n"),
    }
    assert len(set(serials.values())) == 4

    # Before syncing, each site knows only its own device of the shared lot.
    assert [d["case_code"] for d in _where_used(a.home, SHARED_LOT, capsys, monkeypatch)] == ["CP-A-1"]
    assert [d["case_code"] for d in _where_used(b.home, SHARED_LOT, capsys, monkeypatch)] == ["CP-B-1"]

    settle(url, a, b)
    site_of = {"CP-A-1": a.store.site_id, "CP-A-2": a.store.site_id, "CP-B-1": b.store.site_id}
    site_of["CP-B-2"] = b.store.site_id
    for home in (a.home, b.home):
        for lot, codes in ((SHARED_LOT, ["CP-A-1", "CP-B-1"]), (OTHER_LOT, ["CP-A-2", "CP-B-2"])):
            devices = _where_used(home, lot, capsys, monkeypatch)
            assert [d["case_code"] for d in devices] == codes
            for device in devices:
                code = str(device["case_code"])
                assert device["serial"] == serials[code]
                assert device["site_id"] == site_of[code]  # recorded at its own site, found at both
                assert device["job_id"] == f"BJ-{code}"
                assert device["case_state"] == "signed"
                assert device["conformity"] == "not_inspected"
                assert str(device["udi"]).endswith(serials[code])
        assert _where_used(home, "PK-NO-SUCH-LOT", capsys, monkeypatch) == []
