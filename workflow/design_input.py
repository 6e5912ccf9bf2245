"""The clinician's design input (prescription, REQUIREMENTS 4.5.1.1, 4.4.3, 4.7.13): read, validated, recorded.

A design input is a TOML or JSON file (``dvw case input CODE --file INPUT.toml``; the window's form writes the same
fields)::

    indication = "Left fronto-parietal defect after decompressive craniectomy"
    surgical_plan = "Cranioplasty with a patient-specific plate fixed by six titanium screws"
    instruments = ["Screwdriver T6", "Drill guide 1.5 mm"]   # matching instruments (may be empty)
    material = "PEKK, implant grade"
    structure = "Solid plate, minimum wall 4 mm, fixation tabs with 1.6 mm holes"
    dimensions = "Cover the defect with 5 mm overlap on bone"
    packaging = "Double sterile barrier pouch"
    sterilization = "Steam, 134 degC, 18 min"
    supply = "Delivered sterile to the hospital's theatre store"
    deadline = 2026-12-20                   # the delivery deadline the clinician sets (4.7.13)
    attachments = ["plan.pdf"]              # optional: files beside this one, stored by SHA-256

    [consent]                               # informed consent (4.4.3)
    given = true
    date = 2026-12-01
    document = "consent.pdf"                # kept on this site only, named by SHA-256

Every error names the file and the line (``FILE:LINE: message``). Patient identity does not belong here: it stays
in the site-local table (``dvw case new --patient-name ...``), and keys that would carry it are refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from base.errors import DvwError
from base.safe_load import parse_json, parse_toml, read_text
from validation.envelope import SourceMap

if TYPE_CHECKING:
    from records.events import Event
    from records.store import Store
    from records.users import Session

FORMAT = "dvw-design-input/1"
MAX_BYTES = 1 << 20
MAX_TEXT = 4000

#: The text fields of a design input, each required and non-empty, with what it holds (for messages and forms).
TEXT_FIELDS: Mapping[str, str] = {
    "indication": "the indication",
    "surgical_plan": "the surgical plan",
    "material": "the material requirement",
    "structure": "the structural requirements",
    "dimensions": "the dimensional requirements",
    "packaging": "the packaging",
    "sterilization": "the sterilization",
    "supply": "the supply method",
}
_LIST_FIELDS = ("instruments", "attachments")
_TOP_KEYS = frozenset({*TEXT_FIELDS, *_LIST_FIELDS, "deadline", "consent"})
_CONSENT_KEYS = frozenset({"given", "date", "document"})
_IDENTITY = re.compile(r"patient|name|birth|dob|id_?number|hospital_?id|mrn", re.IGNORECASE)


class DesignInputError(DvwError):
    """A design-input file that cannot be accepted: the file, the line when known, and what is wrong."""

    code = "bad_design_input"


@dataclass(frozen=True)
class DesignInput:
    """A validated design input.

    Attributes
    ----------
    texts
        Each of :data:`TEXT_FIELDS` -> its text.
    instruments
        The matching instruments.
    deadline
        The delivery deadline.
    consent_given, consent_date
        Whether informed consent is given, and when (None when not given).
    consent_document
        The consent document (a file on this site), or None when consent is not given.
    attachments
        Files attached to the plan (resolved beside the input file).
    source
        The file it was read from.
    """

    texts: Mapping[str, str]
    instruments: tuple[str, ...]
    deadline: date
    consent_given: bool
    consent_date: date | None
    consent_document: Path | None
    attachments: tuple[Path, ...]
    source: Path

    def document(self, consent_sha256: str | None, attachments: Mapping[str, str]) -> dict[str, Any]:
        """The canonical document stored as the design input's artifact (files named by SHA-256)."""
        return {
            "format": FORMAT,
            **dict(self.texts),
            "instruments": list(self.instruments),
            "deadline": self.deadline.isoformat(),
            "consent": {
                "given": self.consent_given,
                "date": None if self.consent_date is None else self.consent_date.isoformat(),
                "document_sha256": consent_sha256,
            },
            "attachments": dict(attachments),
        }


class _Where:
    """Lines of keys in the input text, for ``FILE:LINE`` messages (TOML through the envelope's source map)."""

    def __init__(self, text: str, is_json: bool) -> None:
        self._lines = text.splitlines()
        self._json = is_json
        self._toml = None if is_json else SourceMap.scan(text)

    def line(self, *key: str) -> int | None:
        if self._toml is not None:
            if len(key) == 2:
                return self._toml.line((key[0], 0), key[1]) or self._toml.line(("", 0), *key)
            return self._toml.line(("", 0), *key)
        start = 0
        for part in key:
            pattern = re.compile(rf'"{re.escape(part)}"\s*:')
            for index in range(start, len(self._lines)):
                if pattern.search(self._lines[index]):
                    start = index
                    break
            else:
                return None
        return start + 1


def read_design_input(path: str | Path) -> DesignInput:
    """Read and validate a design-input file (TOML, or JSON by its ``.json`` suffix).

    Parameters
    ----------
    path
        The file; attachment and consent-document paths in it are relative to its folder.

    Returns
    -------
    DesignInput
        The validated input.

    Raises
    ------
    DesignInputError
        The first problem found, as ``FILE:LINE: message``.
    DataFileError
        The file cannot be read or is not valid TOML/JSON (with its line).
    """
    source = Path(path)
    text = read_text(source, what="design input", max_bytes=MAX_BYTES)
    is_json = source.suffix.lower() == ".json"
    data = (
        parse_json(text, source=str(source), what="design input")
        if is_json
        else parse_toml(text, source=str(source), what="design input")
    )
    where = _Where(text, is_json)

    def fail(message: str, *key: str) -> DesignInputError:
        line = where.line(*key) if key else None
        return DesignInputError(f"{source}:{line or 1}: {message}", path=str(source))

    if not isinstance(data, Mapping):
        raise fail("a design input is a table (TOML) or an object (JSON)")
    for key in data:
        if key not in _TOP_KEYS:
            if _IDENTITY.search(str(key)):
                raise fail(
                    f"{key!r} would carry patient identity: it stays in the site-local table (dvw case new "
                    "--patient-name/--patient-id/--birth-date), never in the design input",
                    str(key),
                )
            raise fail(f"unknown field {key!r}; the fields are {', '.join(sorted(_TOP_KEYS))}", str(key))
    texts: dict[str, str] = {}
    for key, what in TEXT_FIELDS.items():
        value = data.get(key)
        if value is None:
            raise fail(f"{key} ({what}) is missing", key) if key not in data else fail(f"{key} is empty", key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{key} ({what}) must be non-empty text", key)
        if len(value) > MAX_TEXT:
            raise fail(f"{key} is longer than {MAX_TEXT} characters", key)
        texts[key] = value.strip()
    instruments = _text_list(data, "instruments", fail)
    deadline = _date(data.get("deadline"), "deadline", fail, "deadline")
    if deadline is None:
        raise fail("deadline (the delivery date the clinician sets, YYYY-MM-DD) is missing", "deadline")
    folder = source.parent
    attachments = tuple(_file(folder, name, fail, "attachments") for name in _text_list(data, "attachments", fail))
    given, consent_date, consent_document = _consent(data.get("consent"), folder, fail)
    return DesignInput(
        texts=texts,
        instruments=instruments,
        deadline=deadline,
        consent_given=given,
        consent_date=consent_date,
        consent_document=consent_document,
        attachments=attachments,
        source=source,
    )


def _consent(consent: Any, folder: Path, fail: Any) -> tuple[bool, date | None, Path | None]:
    """The ``[consent]`` table: given, its date and document (both required when given; None when not)."""
    if not isinstance(consent, Mapping):
        raise fail("[consent] (given, date, document) is missing", "consent")
    for key in consent:
        if key not in _CONSENT_KEYS:
            raise fail(f"unknown field consent.{key}; the fields are given, date, document", "consent", str(key))
    given = consent.get("given")
    if not isinstance(given, bool):
        raise fail("consent.given must be true or false", "consent", "given")
    consent_date = _date(consent.get("date"), "consent.date", fail, "consent", "date")
    document = consent.get("document")
    consent_document = None
    if given:
        if consent_date is None:
            raise fail("consent.date is missing (the date consent was given)", "consent", "given")
        if not isinstance(document, str) or not document.strip():
            raise fail("consent.document is missing (the signed consent form, kept on this site)", "consent", "given")
        consent_document = _file(folder, document, fail, "consent", "document")
    return given, consent_date if given else None, consent_document


def _text_list(data: Mapping[str, Any], key: str, fail: Any) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise fail(f"{key} must be a list of non-empty texts", key)
    return tuple(item.strip() for item in value)


def _date(value: Any, name: str, fail: Any, *key: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise fail(f"{name} must be a date (YYYY-MM-DD), not {value!r}", *key)


def _file(folder: Path, name: str, fail: Any, *key: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise fail(f"no such file: {path}", *key)
    return path


@dataclass(frozen=True)
class RecordedInput:
    """What :func:`record_design_input` recorded: the event and the stored document's SHA-256."""

    event: Event
    input_sha256: str


def record_design_input(store: Store, code: str, given: DesignInput, by: Session) -> RecordedInput:
    """Record ``given`` as case ``code``'s design input, by ``by``.

    The consent document is stored with the artifact kind ``patient`` (never in bundles or sync: it stays on the
    site), attachments as ``attachment``; the canonical document as ``design_input``. The event carries the
    texts, the deadline and the consent facts, never patient identity (the store refuses the case's recorded
    identity in any payload).

    Raises
    ------
    NotATeamMemberError
        The case has a team and ``by`` is not on it.
    CaseNotFoundError
        No such case.
    IdentityInPayloadError
        A text holds the case's recorded patient identity.
    """
    from records.events import DESIGN_INPUT_RECORDED  # noqa: PLC0415
    from records.payloads import Consent, DesignInputRecorded, to_payload  # noqa: PLC0415
    from records.team import refuse_non_member  # noqa: PLC0415

    case = store.case(code)
    refuse_non_member(case, by.user_id, "record its design input")
    consent_sha = None if given.consent_document is None else store.put_artifact(given.consent_document, "patient")
    attached = {path.name: store.put_artifact(path, "attachment") for path in given.attachments}
    document = given.document(consent_sha, attached)
    raw = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    input_sha = store.put_artifact(raw, "design_input")
    assert input_sha == hashlib.sha256(raw).hexdigest()
    payload = DesignInputRecorded(
        format=FORMAT,
        input_sha256=input_sha,
        deadline=given.deadline.isoformat(),
        consent=Consent(
            given=given.consent_given,
            date=None if given.consent_date is None else given.consent_date.isoformat(),
            document_sha256=consent_sha,
        ),
        fields={**dict(given.texts), "instruments": list(given.instruments)},
        attachments=attached,
    )
    event = store.append(DESIGN_INPUT_RECORDED, case_code=case.code, payload=to_payload(payload), by=by)
    return RecordedInput(event, input_sha)
