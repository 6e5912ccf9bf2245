"""Property: three sites making random changes and syncing in random order converge to the same records."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sync_helpers import Site, ThreadServer, assert_converged, settle, trust_each_other

from records.store import Store
from records.sync.client import join
from records.sync.conflicts import find_conflicts
from records.sync.protocol import named_sha256

SITES = 3

operation = st.one_of(
    st.tuples(st.just("case"), st.integers(0, SITES - 1)),
    st.tuples(st.just("note"), st.integers(0, SITES - 1), st.integers(0, 5)),
    st.tuples(st.just("artifact"), st.integers(0, SITES - 1), st.integers(0, 5), st.binary(min_size=0, max_size=3000)),
    st.tuples(st.just("dicom"), st.integers(0, SITES - 1), st.integers(0, 5)),
    st.tuples(st.just("design"), st.integers(0, SITES - 1), st.integers(0, 5)),
    st.tuples(st.just("sync"), st.integers(0, SITES - 1)),
)


def _known_cases(store: Store) -> list[str]:
    return sorted(case.code for case in store.cases())


def _apply(step: tuple[object, ...], sites: list[Site], url: str, counter: list[int]) -> None:
    kind, index = step[0], int(step[1])  # type: ignore[call-overload]
    site = sites[index]
    store = site.store
    if kind == "sync":
        site.sync(url, chunk_bytes=1024)
        return
    cases = _known_cases(store)
    if kind == "case" or not cases:
        counter[0] += 1
        site.append("case_created", case_code=f"C{counter[0]}-{site.name}", payload={})
        return
    code = cases[int(step[2]) % len(cases)]  # type: ignore[call-overload]
    counter[0] += 1
    if kind == "note":
        site.append("note", case_code=code, payload={"text": f"note {counter[0]}"})
    elif kind == "artifact":
        sha = store.put_artifact(bytes(step[3]) + counter[0].to_bytes(4, "big"), "mesh")  # type: ignore[call-overload]
        site.append("inputs_added", case_code=code, payload={f"design{counter[0]}": sha})
    elif kind == "dicom":
        sha = store.put_artifact(b"DICM" + counter[0].to_bytes(4, "big"), "dicom")
        site.append("inputs_added", case_code=code, payload={f"image{counter[0]}": sha})
    else:
        site.append("design_changed", case_code=code, payload={"reason": f"change {counter[0]}"})


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(operation, min_size=1, max_size=12))
def test_three_sites_converge(steps: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory(prefix="dvw-sync-property-") as temp:
        root = Path(temp)
        server = ThreadServer(f"sqlite:///{root / 'server.sqlite'}")
        sites: list[Site] = []
        try:
            for number in range(SITES):
                site = Site(f"s{number}", Store.open(root / f"site{number}"))
                sites.append(site)
                join(site.store, server.url, server.store.enroll_site(site.name).token)
            trust_each_other(*sites)
            counter = [0]
            for step in steps:
                _apply(step, sites, server.url, counter)
            settle(server.url, *sites)
            assert_converged(server.store, *sites)

            # Every artifact that may leave its site is held everywhere; DICOM instances stay where they were made.
            held = [{info.sha256: info.kind for info in site.store.artifacts()} for site in sites]
            for number, site in enumerate(sites):
                for event in site.store.events():
                    for sha in named_sha256(event.payload):
                        owner = next((h for h in held if sha in h), None)
                        if owner is None:
                            continue
                        if owner[sha] == "dicom":
                            assert (sha in held[number]) == (event.site_id == site.store.site_id)
                        else:
                            assert sha in held[number]
            # The same conflicts everywhere.
            listed = [[c.to_json() for c in find_conflicts(site.store.events())] for site in sites]
            assert listed[0] == listed[1] == listed[2]
        finally:
            for site in sites:
                site.store.close()
            server.stop()
