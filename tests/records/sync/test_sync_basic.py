"""Sync between real sites through a real server (uvicorn on localhost) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sync_helpers import (
    METRICS_TOKEN,
    PASSWORD,
    Site,
    ThreadServer,
    add_signed_case,
    assert_converged,
    server_hashes,
    settle,
    trust_each_other,
)

from app.cli import main
from records.errors import (
    ConflictUnresolvedError,
    EnrolmentError,
    EventConflictError,
    NotJoinedError,
    ServerStoreError,
    SyncAuthError,
    SyncRefusedError,
)
from records.events import compute_hash
from records.signatures import sign
from records.store import Store
from records.sync.client import SyncConnection, join, sync
from records.sync.conflicts import find_conflicts, resolve_conflict
from records.sync.protocol import HEADER_SITE, HEADER_TIME, WITHHELD_KINDS, sign_request
from server.schema import enrolments
from server.store import ServerStore
from validation.manifest import current_manifest

DESIGN_A = b"solid a\nfacet normal 0 0 1\nendsolid a\n" * 50
DESIGN_B = b"solid b\nfacet normal 0 1 0\nendsolid b\n" * 70
DICOM = b"DICM fake instance with PatientName Doe^Jane"


def test_two_sites_exchange_everything_but_patient_identity(
    server: ThreadServer, make_site: Callable[..., Site]
) -> None:
    a = make_site("hospital-a", server.store, server.url)
    b = make_site("hospital-b", server.store, server.url)
    trust_each_other(a, b)
    shas_a = add_signed_case(a, "CP-A-1", design=DESIGN_A, dicom=DICOM)
    shas_b = add_signed_case(b, "CP-B-1", design=DESIGN_B)

    first = a.sync(server.url, chunk_bytes=1000)
    assert first.pushed == len(a.store.events())
    assert first.pulled == 0
    # The design, the parameters and the self-test record; the DICOM instance stays.
    assert first.artifacts_pushed == len([i for i in a.store.artifacts() if i.kind not in WITHHELD_KINDS]) == 3
    assert first.withheld == 1
    assert [stage.name for stage in first.stages] == [
        "state",
        "push_events",
        "push_artifacts",
        "pull_events",
        "pull_artifacts",
        "confirm",
    ]
    second = b.sync(server.url)
    assert second.pulled == first.pushed
    assert second.artifacts_pulled == 1  # A's design; B made the same parameters file itself
    third = a.sync(server.url)
    assert third.pulled == len(b.store.events()) - first.pushed
    # A received case events, so it recorded what it now knows (a sync_received marker) and pushed it too.
    assert third.pushed == 1
    assert b.sync(server.url).pulled == 1
    assert_converged(server.store, a, b)

    # The artifacts crossed, verified; the DICOM instance and the patient identity never left site A.
    assert b.store.read_artifact(shas_a["design"]) == DESIGN_A
    assert a.store.read_artifact(shas_b["design"]) == DESIGN_B
    assert b.store.artifact_info(shas_a["dicom"]) is None
    assert server.store.artifact_status([shas_a["dicom"]]) == []
    assert b.store.patient_identity("CP-A-1") is None
    assert a.store.case("CP-B-1").state == "signed"
    assert b.store.case("CP-A-1").state == "signed"
    with server.store._engine.connect() as conn:  # the whole server database holds no identity value
        for table in ("events", "artifact_chunks"):
            for row in conn.execute(sa.text(f"SELECT * FROM {table}")).all():
                text = " ".join(str(value) for value in row)
                for value in ("Doe^Jane", "H-991", "1970-02-03"):
                    assert value not in text

    # Nothing new: a sync moves nothing and stores nothing twice.
    again = b.sync(server.url)
    assert (again.pushed, again.pulled, again.artifacts_pushed, again.artifacts_pulled) == (0, 0, 0, 0)
    assert len(server_hashes(server.store)) == len(a.store.events())


def test_enrolment_token_is_one_time_and_stored_only_as_a_hash(server: ThreadServer, tmp_path) -> None:
    enrolment = server.store.enroll_site("hospital-c")
    with pytest.raises(EnrolmentError, match="already enrolled"):
        server.store.enroll_site("hospital-c")
    with server.store._engine.connect() as conn:
        stored = conn.execute(sa.select(enrolments)).all()
    assert enrolment.token not in json.dumps([list(map(str, row)) for row in stored])

    with Store.open(tmp_path / "c") as store, Store.open(tmp_path / "d") as other:
        with pytest.raises(NotJoinedError):
            sync(store, server.url)
        joined = join(store, server.url, enrolment.token)
        assert joined.name == "hospital-c"
        key_file = store.home / "sync" / "site_key.pem"
        assert key_file.stat().st_mode & 0o777 == 0o600
        with pytest.raises(EnrolmentError, match="already joined"):
            join(store, server.url, enrolment.token)
        with pytest.raises(EnrolmentError, match="unknown or already used"):
            join(other, server.url, enrolment.token)
        assert sync(store, server.url).pushed == 0


def test_requests_must_be_signed_by_a_joined_site(server: ThreadServer, make_site: Callable[..., Site]) -> None:
    site = make_site("hospital-a", server.store, server.url)
    assert httpx.get(f"{server.url}/v1/state").status_code == 401
    connection = site.connection(server.url)
    assert connection.call("GET", "/v1/state")["site_id"] == site.store.site_id

    # A signature over another body, a stale time, another key: all refused.
    def send(key: Ed25519PrivateKey, *, now: float, body: bytes, signed_body: bytes) -> int:
        headers = sign_request(
            key, site.store.site_id, method="POST", path="/v1/confirm", query="", body=signed_body, now=now
        )
        return httpx.post(f"{server.url}/v1/confirm", content=body, headers=headers).status_code

    key = connection._credentials.key
    body = json.dumps({"head": ""}).encode()
    assert send(key, now=time.time(), body=body, signed_body=body) == 200
    assert send(key, now=time.time(), body=body, signed_body=b"{}") == 401
    assert send(key, now=time.time() - 600, body=body, signed_body=body) == 401
    assert send(Ed25519PrivateKey.generate(), now=time.time(), body=body, signed_body=body) == 401
    headers = sign_request(key, "0" * 32, method="GET", path="/v1/state", query="", body=b"", now=time.time())
    assert httpx.get(f"{server.url}/v1/state", headers=headers).status_code == 401
    assert set(headers) >= {HEADER_SITE, HEADER_TIME}
    with pytest.raises(SyncAuthError), httpx.Client(base_url=server.url) as http:
        SyncConnection(connection._credentials, "0" * 32, http=http, retries=0, backoff_s=0, cancel=None).call(
            "GET", "/v1/state"
        )


def _wire(site: Site) -> list[dict[str, object]]:
    events = [event.to_json() for event in site.store.events() if event.site_id == site.store.site_id]
    for data in events:
        data.pop("seq")
    return events


def test_batches_twice_reordered_tampered_and_foreign_are_handled(
    server: ThreadServer, make_site: Callable[..., Site]
) -> None:
    a = make_site("hospital-a", server.store, server.url)
    b = make_site("hospital-b", server.store, server.url)
    a.append("case_created", case_code="CP-1", payload={})
    for index in range(9):
        a.append("note", case_code="CP-1", payload={"text": f"note {index}"})
    events = _wire(a)
    first, second = events[:5], events[5:]
    conn_a, conn_b = a.connection(server.url), b.connection(server.url)

    # Reordered: the second batch first is refused with the server's head; nothing stored.
    response = conn_a.request("POST", "/v1/events", json_body={"events": second})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "chain_gap"
    assert response.json()["error"]["head"] == ""
    assert server_hashes(server.store) == set()

    # The same batch twice is stored once.
    assert conn_a.call("POST", "/v1/events", json_body={"events": first})["added"] == 5
    again = conn_a.call("POST", "/v1/events", json_body={"events": first})
    assert (again["added"], again["held"], again["count"]) == (0, 5, 5)

    # A tampered event (payload edited, hash kept) is refused and nothing of its batch is stored.
    tampered = json.loads(json.dumps(second))
    tampered[2]["payload"] = {"text": "edited"}
    response = conn_a.request("POST", "/v1/events", json_body={"events": tampered})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "event_hash"
    assert len(server_hashes(server.store)) == 5

    # Site B may not push site A's events, even intact ones.
    response = conn_b.request("POST", "/v1/events", json_body={"events": second})
    assert response.status_code == 403
    assert len(server_hashes(server.store)) == 5

    # An event carrying patient identity keys is refused, even with a correct hash and chain link.
    head = second[-1]
    forged = {
        "event_id": "f" * 32,
        "site_id": a.store.site_id,
        "case_code": "CP-1",
        "kind": "note",
        "payload": {"patient_name": "Doe^Jane"},
        "actor": None,
        "created_at": "2026-05-01T09:30:00.000000+08:00",
        "prev_hash": head["hash"],
    }
    forged["hash"] = compute_hash(
        payload_json=json.dumps(forged["payload"], separators=(",", ":")),
        **{k: forged[k] for k in ("event_id", "site_id", "case_code", "kind", "actor", "created_at", "prev_hash")},
    )
    response = conn_a.request("POST", "/v1/events", json_body={"events": [*second, forged]})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "identity_in_payload"

    # The sync resends from the server's head and completes; all verify.
    result = a.sync(server.url)
    assert result.pushed == len(events) - 5
    assert_converged(server.store, a)


def test_a_tampered_event_from_a_site_stops_its_sync(server: ThreadServer, make_site: Callable[..., Site]) -> None:
    a = make_site("hospital-a", server.store, server.url)
    a.append("case_created", case_code="CP-1", payload={"text": "one"})
    # Someone with file access edits the local store by hand.
    raw = sqlite3.connect(a.store.path, isolation_level=None)
    try:
        raw.execute("DROP TRIGGER events_no_update")
        raw.execute('UPDATE events SET payload = \'{"text":"two"}\'')
    finally:
        raw.close()
    with pytest.raises(SyncRefusedError, match="event_hash"):
        a.sync(server.url)
    assert server_hashes(server.store) == set()


def test_concurrent_changes_are_two_revisions_until_a_person_resolves(
    server: ThreadServer, make_site: Callable[..., Site]
) -> None:
    a = make_site("hospital-a", server.store, server.url)
    b = make_site("hospital-b", server.store, server.url)
    trust_each_other(a, b)
    a.append("case_created", case_code="CP-7", payload={})
    a.append("inputs_added", case_code="CP-7", payload={"design": "a" * 64})
    a.sync(server.url)
    b.sync(server.url)
    assert b.store.case("CP-7").revision == 1

    # Offline, both change the design of the same case without seeing the other's change.
    a.append("design_changed", case_code="CP-7", payload={"reason": "thicker rim", "inputs": {"design": "b" * 64}})
    b.append("design_changed", case_code="CP-7", payload={"reason": "shorter screw", "inputs": {"design": "c" * 64}})
    a_result = a.sync(server.url)
    assert a_result.conflicts == ()  # A has not seen B's change yet
    b_result = b.sync(server.url)
    assert [conflict.case_code for conflict in b_result.conflicts] == ["CP-7"]
    sides = {branch.site_id: [e.kind for e in branch.events] for branch in b_result.conflicts[0].branches}
    assert sides == {a.store.site_id: ["design_changed"], b.store.site_id: ["design_changed"]}
    a_again = a.sync(server.url)
    assert [c.to_json() for c in a_again.conflicts] == [c.to_json() for c in b_result.conflicts]
    # Both revisions are kept everywhere: nothing silently merged or lost.
    assert a.store.case("CP-7").revision == b.store.case("CP-7").revision == 3
    settle(server.url, a, b)
    assert_converged(server.store, a, b)

    # A person at site A keeps B's revision; after the next syncs nobody lists the conflict any more.
    resolve_conflict(
        a.store, "CP-7", kept_site=b.store.site_id, reason="agreed with the surgeon", by=a.person("engineer")
    )
    assert find_conflicts(a.store.events()) == []
    a.sync(server.url)
    assert b.sync(server.url).conflicts == ()
    settle(server.url, a, b)
    assert_converged(server.store, a, b)

    # A change made after seeing the other site's change is not a conflict.
    b.append("check_run", case_code="CP-7", payload={"verdict": "within"})
    b.sync(server.url)
    a.append("note", case_code="CP-7", payload={"text": "seen"})
    assert a.sync(server.url).conflicts == ()


def test_a_case_in_conflict_cannot_be_signed_until_resolved(
    server: ThreadServer, make_site: Callable[..., Site], capsys: pytest.CaptureFixture[str]
) -> None:
    a = make_site("hospital-a", server.store, server.url)
    b = make_site("hospital-b", server.store, server.url)
    trust_each_other(a, b)
    add_signed_case(a, "CP-9", design=b"solid\n")
    settle(server.url, a, b)
    doctor = b.person("clinician").user_id
    b.person("quality")  # its self-test record opens sign-off at site B
    # Offline, both sites run the check again on the same revision: two concurrent changes.
    check_payload = next(e for e in reversed(a.store.events("CP-9")) if e.kind == "check_run").payload
    a.append("check_run", case_code="CP-9", payload=dict(check_payload))
    b.append("check_run", case_code="CP-9", payload=dict(check_payload))
    settle(server.url, a, b)
    assert [c.case_code for c in find_conflicts(b.store.events())] == ["CP-9"]
    capsys.readouterr()
    assert main(["--home", str(b.home), "case", "show", "CP-9", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [c["case"] for c in shown["conflicts"]] == ["CP-9"]
    assert {r["site_id"] for r in shown["conflicts"][0]["revisions"]} == {a.store.site_id, b.store.site_id}
    before = len(b.store.events())
    with pytest.raises(ConflictUnresolvedError, match="CP-9 has concurrent revisions from sites"):
        sign(
            b.store,
            "CP-9",
            doctor,
            PASSWORD,
            "clinical design confirmation",
            manifest_id=current_manifest().manifest_id,
        )
    assert len(b.store.events()) == before

    resolve_conflict(
        b.store, "CP-9", kept_site=b.store.site_id, reason="B's check is the one reviewed", by=b.person("engineer")
    )
    b.append("check_run", case_code="CP-9", payload=dict(check_payload))
    event = sign(
        b.store, "CP-9", doctor, PASSWORD, "clinical design confirmation", manifest_id=current_manifest().manifest_id
    )
    assert event.kind == "signature"


def test_the_same_user_id_at_two_sites_is_two_users(server: ThreadServer, make_site: Callable[..., Site]) -> None:
    """Users are (site, user id): two hospitals that each added a "doc-lee" have two people, and neither site's
    signatures are taken for the other's."""
    a = make_site("hospital-a", server.store, server.url)
    b = make_site("hospital-b", server.store, server.url)
    add_signed_case(a, "CP-A", design=b"solid a\n", user_suffix="lee")
    add_signed_case(b, "CP-B", design=b"solid b\n", user_suffix="lee")
    a.sync(server.url)
    b.sync(server.url)
    a.sync(server.url)
    assert server.store.verify().ok
    for site in (a, b):
        report = site.store.verify()
        assert report.ok, report.problems
        assert report.signatures == 2
        directory = site.store.directory()
        keys = {directory.user(other.store.site_id, "doc-lee").public_key_sha256 for other in (a, b)}  # type: ignore[union-attr]
        assert len(keys) == 2
    signed = {e.site_id: e.actor for e in a.store.events() if e.kind == "signature"}
    assert signed == {a.store.site_id: "doc-lee", b.store.site_id: "doc-lee"}


def test_a_sync_without_a_user_pulls_only_trusted_sites(server: ThreadServer, make_site: Callable[..., Site]) -> None:
    a = make_site("hospital-a", server.store, server.url)
    b = make_site("hospital-b", server.store, server.url)
    add_signed_case(b, "CP-B", design=b"solid b\n", user_suffix="b")
    b.sync(server.url)
    result = a.sync(server.url, by=None)
    assert (result.pulled, result.untrusted, result.trusted) == (0, (b.store.site_id,), ())
    assert "CP-B" not in {case.code for case in a.store.cases()}
    result = a.sync(server.url)  # the engineer runs it: the server's site is trusted by them, then pulled
    assert result.trusted == (b.store.site_id,)
    assert result.pulled > 0
    trusted = [e for e in a.store.events() if e.kind == "site_trusted"]
    assert [(e.actor, e.payload["via"], e.payload["site_id"]) for e in trusted] == [
        ("eng-hospital-a", "server", b.store.site_id)
    ]
    assert a.store.case("CP-B").state == "signed"
    assert a.store.verify().ok


def test_health_and_metrics(server: ThreadServer, make_site: Callable[..., Site]) -> None:
    site = make_site("hospital-a", server.store, server.url)
    site.append("case_created", case_code="CP-1", payload={})
    site.sync(server.url)
    health = httpx.get(f"{server.url}/healthz")
    assert health.status_code == 200
    assert health.json() == {"ok": True, "database": server.store.dialect}
    assert httpx.get(f"{server.url}/metrics").status_code == 401
    assert (
        httpx.get(f"{server.url}/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"}).status_code
        == 401
    )
    metrics = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert 'dvw_sync_requests_total{method="POST",route="/v1/events",status="200"} 1.0' in metrics
    assert f"dvw_sync_events {float(len(site.store.events()))}" in metrics
    assert "dvw_sync_sites 1.0" in metrics
    assert "dvw_sync_syncs 1.0" in metrics


def test_server_store_reopens_at_head_and_refuses_bad_urls(db_url: str) -> None:
    with ServerStore.open(db_url) as store:
        assert store.ping()
    with ServerStore.open(db_url, migrate_schema=False) as store:  # a second process: already at head
        assert store.sites() == []
    with pytest.raises(ServerStoreError):
        ServerStore.open("mysql://nobody@localhost/none")
    with pytest.raises(ServerStoreError):
        ServerStore.open("not a url")


def test_two_workers_pushing_the_same_site_at_once_store_one_chain(
    db_url: str, make_site: Callable[..., Site], tmp_path
) -> None:
    # Two server stores on one database stand for two uvicorn workers; the pushes race on the same chain.
    first_worker, second_worker = ServerStore.open(db_url), ServerStore.open(db_url, migrate_schema=False)
    try:
        site = Site("hospital-a", Store.open(tmp_path / "racing-site"))
        token = first_worker.enroll_site("hospital-a").token
        first_worker.join_site(token, site.store.site_id, "A" * 43 + "=")
        site.append("case_created", case_code="CP-1", payload={})
        for index in range(399):
            site.append("note", case_code="CP-1", payload={"text": f"note {index}"})
        batch = _wire(site)
        outcomes: list[object] = []

        def push(worker: ServerStore) -> None:
            try:
                outcomes.append(worker.push_events(site.store.site_id, batch))
            except EventConflictError as exc:  # the loser of the race: nothing of it stored
                outcomes.append(exc)

        threads = [threading.Thread(target=push, args=(worker,)) for worker in (first_worker, second_worker)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        added = sum(outcome.added for outcome in outcomes if not isinstance(outcome, Exception))
        assert added == len(batch) == 400 + 2  # with the site's administrator and engineer
        audit = first_worker.verify()
        assert audit.ok, audit.problems
        assert audit.events == len(batch)
        site.store.close()
    finally:
        first_worker.close()
        second_worker.close()
