"""Which load cases a check analyses a design under: the ones its envelope names, found and checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mechanics.errors import LoadCaseError
from validation.envelope import load_envelope
from workflow.steps import family_load_cases, find_load_cases

REPO = Path(__file__).resolve().parents[2]
ENVELOPE = REPO / "resources" / "envelopes" / "cranial-plate-pekk.toml"
LOAD_CASES = REPO / "resources" / "load_cases" / "cranial-plate-pekk.toml"


def _layout(tmp_path: Path, load_cases_text: str | None, envelope_text: str | None = None) -> Path:
    """A manufacturer's folders: ``envelopes/E.toml`` and ``load_cases/cranial-plate-pekk.toml`` beside it."""
    (tmp_path / "envelopes").mkdir(parents=True)
    envelope = tmp_path / "envelopes" / "cranial-plate-pekk.toml"
    envelope.write_text(envelope_text or ENVELOPE.read_text(encoding="utf-8"), encoding="utf-8")
    if load_cases_text is not None:
        (tmp_path / "load_cases").mkdir()
        (tmp_path / "load_cases" / "cranial-plate-pekk.toml").write_text(load_cases_text, encoding="utf-8")
    return envelope


def test_the_sample_envelope_names_the_sample_load_cases() -> None:
    envelope = load_envelope(ENVELOPE)
    assert envelope.load_cases == "cranial-plate-pekk"
    assert find_load_cases(envelope, ENVELOPE) == LOAD_CASES
    cases = family_load_cases(envelope, ENVELOPE)
    assert cases is not None
    assert (cases.id, cases.family, cases.material.yield_strength_mpa) == ("cranial-plate-pekk", "cranial_plate", 60)


def test_the_load_cases_beside_the_envelope_come_before_dvws_own(tmp_path: Path) -> None:
    text = LOAD_CASES.read_text(encoding="utf-8").replace('force = "200 N"', 'force = "350 N"')
    envelope_path = _layout(tmp_path, text)
    cases = family_load_cases(load_envelope(envelope_path), envelope_path)
    assert cases is not None
    assert cases.path == str(tmp_path / "load_cases" / "cranial-plate-pekk.toml")
    assert cases.loads[0].magnitude == pytest.approx(350.0)
    # An envelope copied alone (e.g. to an output folder) falls back on the load cases shipped with DVW.
    alone = tmp_path / "other" / "alone" / "envelope.toml"
    alone.parent.mkdir(parents=True)
    shutil.copyfile(ENVELOPE, alone)
    assert find_load_cases(load_envelope(alone), alone) == LOAD_CASES


def test_an_envelope_without_load_cases_has_no_analysis(tmp_path: Path) -> None:
    text = ENVELOPE.read_text(encoding="utf-8")
    line = next(row for row in text.splitlines() if row.startswith("load_cases ="))
    envelope_path = _layout(tmp_path, None, text.replace(line + "\n", ""))
    envelope = load_envelope(envelope_path)
    assert envelope.load_cases == ""
    assert find_load_cases(envelope, envelope_path) is None
    assert family_load_cases(envelope, envelope_path) is None


def test_missing_foreign_or_wrong_load_cases_are_refused(tmp_path: Path) -> None:
    text = ENVELOPE.read_text(encoding="utf-8")
    missing = _layout(tmp_path / "a", None, text.replace('load_cases = "cranial-plate-pekk"', 'load_cases = "skull-x"'))
    with pytest.raises(LoadCaseError, match=r"names the load cases 'skull-x', but no skull-x.toml"):
        family_load_cases(load_envelope(missing), missing)
    sample = LOAD_CASES.read_text(encoding="utf-8")
    other_family = _layout(tmp_path / "b", sample.replace('family = "cranial_plate"', 'family = "mandible_guide"'))
    with pytest.raises(LoadCaseError, match="for the family 'mandible_guide', not 'cranial_plate'"):
        family_load_cases(load_envelope(other_family), other_family)
    other_id = _layout(tmp_path / "c", sample.replace('id = "cranial-plate-pekk"', 'id = "cranial-plate-ti"'))
    with pytest.raises(LoadCaseError, match="its load cases are 'cranial-plate-ti', not the 'cranial-plate-pekk'"):
        family_load_cases(load_envelope(other_id), other_id)
    broken = _layout(tmp_path / "d", sample.replace('yield_strength = "60 MPa"\n', ""))
    with pytest.raises(LoadCaseError, match="yield"):
        family_load_cases(load_envelope(broken), broken)
