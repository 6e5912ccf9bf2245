"""Self-test records: the built-in validation suite's result for a software manifest, as an attested event.

REQUIREMENTS 4.7.1 b: software is validated before use and again after every change. ``dvw selftest`` runs the
suite (:mod:`validation.selftest`) and the person who ran it records the outcome here: a ``selftest_recorded``
site-level event ``{"manifest_id", "passed", "cases": [{"id", "passed"}], "seconds", "result_sha256",
"report_sha256"}`` attested with their key, with the full result (every comparison's expected and observed value) and
the IQ/OQ qualification record (PDF, when written) stored as artifacts by SHA-256.

Sign-off is gated on it: a signature needs a passed record for the signing software's manifest on the signing
site's chain, before the signature (:func:`records.trust.check_signature`; the audit checks every signature the
same way). A file written by hand opens nothing: only the log counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from records.errors import InvalidEventError
from records.events import Event, canonical_json, is_sha256
from records.identity import SELFTEST_RECORDED
from records.payloads import SelftestCase, SelftestRecorded, to_payload
from records.store import Store


def record_selftest(store: Store, result: Mapping[str, Any], *, by: Any, report: Path | None = None) -> Event:
    """Record a self-test run (``validation.selftest.SelftestResult.to_json()``) for its manifest on this site.

    Parameters
    ----------
    store
        The local store.
    result
        The suite's result as JSON: ``manifest_id``, ``passed``, ``cases`` (each with ``id``, ``passed`` and its
        comparisons), ``seconds``.
    by
        The signed-in user who ran it (:class:`records.users.Session`).
    report
        The IQ/OQ qualification record (PDF) written for this run, if any; stored as an artifact.

    Returns
    -------
    Event
        The ``selftest_recorded`` event.

    Raises
    ------
    InvalidEventError
        The result names no manifest, or ``passed`` is not a boolean.
    """
    manifest_id = result.get("manifest_id")
    passed = result.get("passed")
    if not isinstance(manifest_id, str) or not is_sha256(manifest_id) or not isinstance(passed, bool):
        raise InvalidEventError("a self-test result needs its manifest id and whether it passed")
    data = canonical_json(dict(result)).encode("utf-8")
    result_sha = store.put_artifact(data, "selftest")
    report_sha = None if report is None else store.put_artifact(Path(report), "qualification")
    cases = result.get("cases")
    summary = [
        SelftestCase(id=str(case.get("id")), passed=case.get("passed") is True)
        for case in (cases if isinstance(cases, list) else [])
        if isinstance(case, Mapping)
    ]
    seconds = result.get("seconds")
    payload = SelftestRecorded(
        manifest_id=manifest_id,
        passed=passed,
        cases=summary,
        seconds=round(float(seconds), 3) if isinstance(seconds, int | float) else None,
        result_sha256=result_sha,
        report_sha256=report_sha,
    )
    return store.append(SELFTEST_RECORDED, case_code=None, payload=to_payload(payload), by=by)


def is_validated(store: Store, manifest_id: str) -> bool:
    """Whether a passed self-test for ``manifest_id`` is recorded (and attested) on this workstation's chain."""
    return store.directory().validated(store.site_id, manifest_id) is not None
