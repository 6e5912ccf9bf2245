"""The clinician's design input (workflow.design_input): TOML and JSON read and validated with FILE:LINE errors,
recorded on a real store with the consent document kept on the site (a withheld artifact kind)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from case_support import CODE, open_case
from people import People

from base.safe_load import DataFileError
from records.bundle import WITHHELD_KINDS
from records.errors import NotATeamMemberError
from records.store import Store
from records.team import change_team, missing_for_work
from workflow.design_input import DesignInputError, read_design_input, record_design_input

GOOD = """\
indication = "Left fronto-parietal defect after decompressive craniectomy"
surgical_plan = "Cranioplasty with a patient-specific plate fixed by six titanium screws"
instruments = ["Screwdriver T6", "Drill guide 1.5 mm"]
material = "PEKK, implant grade"
structure = "Solid plate, minimum wall 4 mm"
dimensions = "Cover the defect with 5 mm overlap on bone"
packaging = "Double sterile barrier pouch"
sterilization = "Steam, 134 degC, 18 min"
supply = "Delivered sterile to the theatre store"
deadline = 2026-12-20
attachments = ["plan.pdf"]

[consent]
given = true
date = 2026-12-01
document = "consent.pdf"
"""


def _folder(tmp_path: Path, text: str, name: str = "input.toml") -> Path:
    (tmp_path / "consent.pdf").write_bytes(b"%PDF-1.4 signed consent form")
    (tmp_path / "plan.pdf").write_bytes(b"%PDF-1.4 surgical plan")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_input_is_read_whole(tmp_path: Path) -> None:
    given = read_design_input(_folder(tmp_path, GOOD))
    assert given.texts["material"] == "PEKK, implant grade"
    assert given.instruments == ("Screwdriver T6", "Drill guide 1.5 mm")
    assert given.deadline == date(2026, 12, 20)
    assert (given.consent_given, given.consent_date) == (True, date(2026, 12, 1))
    assert given.consent_document == tmp_path / "consent.pdf"
    assert given.attachments == (tmp_path / "plan.pdf",)


def test_the_same_input_as_json(tmp_path: Path) -> None:
    toml_input = read_design_input(_folder(tmp_path, GOOD))
    as_json = toml_input.document(None, {})
    data = {k: v for k, v in as_json.items() if k not in ("format", "consent", "attachments")}
    data["consent"] = {"given": True, "date": "2026-12-01", "document": "consent.pdf"}
    data["attachments"] = ["plan.pdf"]
    given = read_design_input(_folder(tmp_path, json.dumps(data, indent=2), "input.json"))
    assert given.texts == toml_input.texts
    assert given.deadline == toml_input.deadline
    data["deadline"] = "20-12-2026"
    path = _folder(tmp_path, json.dumps(data, indent=2), "bad.json")
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if '"deadline"' in text)
    with pytest.raises(DesignInputError, match=rf"bad.json:{line}: deadline must be a date \(YYYY-MM-DD\)"):
        read_design_input(path)


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("given = true", 'given = "yes"', 14, "consent.given must be true or false"),
        ('material = "PEKK, implant grade"', 'material = ""', 4, "material .* must be non-empty text"),
        ('material = "PEKK, implant grade"\n', "", 1, r"material \(the material requirement\) is missing"),
        ("deadline = 2026-12-20", 'deadline = "soon"', 10, "deadline must be a date"),
        ('supply = "Delivered sterile to the theatre store"', 'suply = "x"', 9, "unknown field 'suply'"),
        (
            'supply = "Delivered sterile to the theatre store"',
            'patient_name = "Zhang San"',
            9,
            "'patient_name' would carry patient identity",
        ),
        ('document = "consent.pdf"', 'document = "missing.pdf"', 16, "no such file: .*missing.pdf"),
        ("date = 2026-12-01\n", "", 14, "consent.date is missing"),
        ('attachments = ["plan.pdf"]', "attachments = [1]", 11, "attachments must be a list"),
    ],
)
def test_a_bad_field_is_named_with_its_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in GOOD
    path = _folder(tmp_path, GOOD.replace(old, new))
    with pytest.raises(DesignInputError, match=rf"input.toml:{line}: {message}"):
        read_design_input(path)


def test_bad_toml_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"input\.toml:4: invalid TOML"):
        read_design_input(_folder(tmp_path, GOOD.replace('material = "PEKK', "material = PEKK")))


def test_consent_not_given_is_accepted_and_then_holds_the_case(
    tmp_path: Path, people_home: tuple[Path, People]
) -> None:
    home, people = people_home
    given = read_design_input(_folder(tmp_path, GOOD.replace("given = true", "given = false")))
    assert (given.consent_given, given.consent_date, given.consent_document) == (False, None, None)
    with Store.open(home) as store:
        open_case(store, people)
        record_design_input(store, CODE, given, people.clinician)
        assert missing_for_work(store.case(CODE)) == [
            "the patient's informed consent (consent.given is false in the design input)"
        ]


def test_recording_keeps_the_consent_document_on_the_site(tmp_path: Path, people_home: tuple[Path, People]) -> None:
    home, people = people_home
    given = read_design_input(_folder(tmp_path, GOOD))
    with Store.open(home) as store:
        open_case(store, people)
        change_team(store, CODE, people.engineer, add="clin1", role="prescribing_clinician")
        with pytest.raises(NotATeamMemberError):
            record_design_input(store, CODE, given, people.quality)
        recorded = record_design_input(store, CODE, given, people.clinician)
        consent_sha = recorded.event.payload["consent"]["document_sha256"]
        info = store.artifact_info(consent_sha)
        assert info is not None
        assert info.kind in WITHHELD_KINDS
        document = json.loads(store.read_artifact(recorded.input_sha256))
        assert document["consent"] == {"given": True, "date": "2026-12-01", "document_sha256": consent_sha}
        assert store.read_artifact(consent_sha) == b"%PDF-1.4 signed consent form"
        assert store.case(CODE).design_input == recorded.event
        assert missing_for_work(store.case(CODE)) == []
        assert store.verify().ok
