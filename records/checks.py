"""Recording a design check for a case: its files stored by content and the events that say what changed.

Used by ``dvw run --case``, ``dvw demo`` and the GUI's Check step alike. The artifacts are stored by content; the
log gains ``case_created`` (a new case), ``design_changed`` (a different design than the case's current one: a new
revision) or ``inputs_added`` (other inputs changed), then ``check_run`` holding the check's JSON, its inputs and
artifacts. Recording an identical check again (same inputs, parameters, envelope and software) adds nothing, so
the signatures already given stay valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from base.files import sha256_file
from records.cases import CaseState
from records.errors import CaseNotFoundError
from records.events import NewEvent
from records.store import Store

#: Artifact kinds of the files a check names (others are stored under their own name as kind).
_KINDS = {"volume": "volume", "mask": "mask", "anatomy": "mesh", "design": "mesh", "parameters": "parameters"}
#: The files a check produces rather than uses: stored with it, not among its inputs (the stress field is the
#: analysis behind the ``mech.*`` parameters, kept for the stress map and the report's picture).
_OUTPUTS = frozenset({"check", "stress_field"})


@dataclass(frozen=True)
class RecordedCheck:
    """What :func:`record_check` left in the log: the case's revision and state after it, and the events added."""

    code: str
    revision: int
    state: str
    recorded: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The summary the CLI prints (``code``, ``revision``, ``state``, ``recorded``)."""
        return {"code": self.code, "revision": self.revision, "state": self.state, "recorded": list(self.recorded)}


def record_check(
    store: Store,
    code: str,
    check_json: Mapping[str, Any],
    files: Mapping[str, Path],
    *,
    dicom_sha256: str,
    source: str,
    by: Any,
) -> RecordedCheck:
    """Record the check ``check_json`` (``validation.check.CheckResult.to_json()``) for case ``code``.

    Parameters
    ----------
    store
        The open local store.
    code
        The case; created (``case_created`` with ``source``) when it does not exist yet.
    check_json
        The check's JSON, which names its parameters' SHA-256, envelope and software manifest.
    files
        The check's files by role: ``volume``, ``mask``, ``anatomy``, ``design``, ``parameters``, ``check``,
        ``envelope`` and optionally ``patient``, ``load_cases`` and ``stress_field``. Each is stored by content; all
        but ``check`` and ``stress_field`` are the check's inputs.
    dicom_sha256
        The hash of the DICOM instances the volume was imported from (an input too).
    source
        What created the case when it is new (e.g. ``"dvw run"``, ``"gui"``).
    by
        The signed-in user who ran the check (:class:`records.users.Session`): the actor of every event recorded.

    Raises
    ------
    NotATeamMemberError
        The case has a team and ``by`` is not on it (:mod:`records.team`).
    DesignInputMissingError
        The case has a team or a design input but lacks the design input or the patient's consent.
    ChangeRefusedError
        A case with a team is checked with another design than its current revision's: a design change is recorded
        with its reason first (``dvw change``).

    The files are stored first, then every event in one transaction: a crash leaves either the whole record or
    none of it (stored files without events are harmless and stored again by the next attempt).
    """
    from records.team import refuse_check  # noqa: PLC0415 - team imports users

    try:
        state: CaseState | None = store.case(code)
    except CaseNotFoundError:
        state = None
    if state is not None:
        design = files.get("design")
        refuse_check(state, getattr(by, "user_id", None), None if design is None else sha256_file(design))
    artifacts = {name: store.put_artifact(path, _KINDS.get(name, name)) for name, path in files.items()}
    inputs = {"dicom": dicom_sha256, **{k: v for k, v in artifacts.items() if k not in _OUTPUTS}}
    recorded: list[str] = []
    batch: list[NewEvent] = []
    if state is None:
        batch.append(NewEvent("case_created", code, {"source": source}, by))
        recorded.append("case_created")
    previous = state.check.payload if state is not None and state.check is not None else None
    same = (
        previous is not None
        and previous.get("inputs") == inputs
        and previous.get("parameters_sha256") == check_json["parameters_sha256"]
        and previous.get("envelope") == check_json["envelope"]
        and previous.get("manifest_id") == check_json["manifest_id"]
    )
    if not same:
        held = {} if state is None else dict(state.inputs)
        old_design = held.get("design")
        if old_design is not None and old_design != inputs["design"]:
            payload = {"reason": "a different design file was checked", "inputs": inputs}
            batch.append(NewEvent("design_changed", code, payload, by))
            recorded.append("design_changed")
        elif {k: held.get(k) for k in inputs} != inputs:
            batch.append(NewEvent("inputs_added", code, inputs, by))
            recorded.append("inputs_added")
        names = {name: path.name for name, path in files.items()}
        payload = {**check_json, "inputs": inputs, "artifacts": artifacts, "file_names": names}
        batch.append(NewEvent("check_run", code, payload, by))
        recorded.append("check_run")
    store.append_many(batch)
    state = store.case(code)
    return RecordedCheck(code, state.revision, state.state, tuple(recorded))
