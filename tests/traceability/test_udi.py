"""UDI: GS1 check digits against GS1's published examples, element strings, device families and UDI assignment on
real signed cases in a real store."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from case_support import open_case, run_check, sign_in_session
from people import People

import traceability.assignment
import traceability.families
from records.signatures import signature_checker
from records.store import Store
from records.users import trust_site
from traceability.assignment import UDI_ASSIGNED, assign_udi, current_udi, udi_records
from traceability.errors import (
    DeviceFamilyError,
    DuplicateSerialError,
    InvalidGs1ValueError,
    InvalidGtinError,
    NotSignedError,
)
from traceability.families import device_family, load_device_families
from traceability.gs1 import (
    GS,
    Udi,
    check_cset82,
    check_gln,
    check_gtin,
    gs1_check_digit,
    parse_ai_values,
    parse_udi,
    parse_yymmdd,
)
from validation.envelope import load_envelope

REPO = Path(__file__).resolve().parents[2]
CODE = "CP-2026-101"
HKT = timezone(timedelta(hours=8))


def record_signed_case(store: Store, people: People, code: str = CODE, *, sign_it: bool = True) -> None:
    """A case checked by the engineer within the cranial-plate test envelope (family ``cranial_plate``) and signed by
    the clinician, on a set-up workstation (whose self-test of this software is recorded)."""
    open_case(store, people, code)
    run_check(store, 4.0, people.engineer, code=code)
    if sign_it:
        sign_in_session(store, people.clinician, "clinical design confirmation", code)


@pytest.fixture
def home(people_home: tuple[Path, People]) -> Path:
    """A copy of a set-up workstation's home (the ``store`` and ``tamper`` fixtures use it)."""
    return people_home[0]


@pytest.fixture
def people(people_home: tuple[Path, People]) -> People:
    """The signed-in users of ``home``."""
    return people_home[1]


# ---------------------------------------------------------------------------------------------- check digits

# GTINs with their check digit as GS1 publishes them:
# - 6291041500213: the worked example of GS1's "How to calculate a check digit manually" (GTIN-13);
# - 80614141123458: GTIN-14 of the SGTIN example urn:epc:id:sgtin:0614141.812345.6789 in GS1's EPC Tag Data Standard;
# - 09506000134352: GTIN-14 used throughout the GS1 Digital Link standard's examples;
# - 4006381333931: a GTIN-13 printed on a retail product, the long-standing EAN-13 example.
PUBLISHED = ["6291041500213", "80614141123458", "09506000134352", "4006381333931"]


@pytest.mark.parametrize("gtin", PUBLISHED)
def test_published_gtins_have_the_right_check_digit(gtin: str) -> None:
    assert gs1_check_digit(gtin[:-1]) == int(gtin[-1])
    assert check_gtin(gtin) == gtin.zfill(14)


@pytest.mark.parametrize("gtin", PUBLISHED)
def test_every_wrong_check_digit_is_refused_naming_the_right_one(gtin: str) -> None:
    for digit in "0123456789":
        if digit == gtin[-1]:
            continue
        with pytest.raises(InvalidGtinError, match=f"wrong check digit: {digit}, expected {gtin[-1]}"):
            check_gtin(gtin[:-1] + digit)


@pytest.mark.parametrize("bad", ["", "123", "0950600013435", "095060001343521", "O9506000134352", "9506000134352 ", 12])
def test_malformed_gtins_are_refused(bad: object) -> None:
    with pytest.raises(InvalidGtinError):
        check_gtin(bad)


def test_gtin_8_12_13_pad_to_14_and_glns_are_checked() -> None:
    assert check_gtin("96385074") == "00000096385074"
    assert check_gtin("614141000036") == "00614141000036"
    assert check_gln("0614141000005") == "0614141000005"
    with pytest.raises(InvalidGtinError, match="GLN 0614141000006 has a wrong check digit: 6, expected 5"):
        check_gln("0614141000006")
    with pytest.raises(InvalidGtinError, match="is not 13 digits"):
        check_gln("06141410000")


# ---------------------------------------------------------------------------------------------- element strings


def test_element_string_and_hri_in_ai_order_with_gs_after_variable_values() -> None:
    udi = Udi(
        gtin="09506000134352",
        serial="12345/A(7)",
        production_date=date(2026, 5, 1),
        expiry_date=date(2031, 4, 30),
        lot="ABC-123",
    )
    assert udi.element_string == "0109506000134352112605011731043010ABC-123" + GS + "2112345/A(7)"
    assert udi.hri == "(01)09506000134352(11)260501(17)310430(10)ABC-123(21)12345/A(7)"
    assert udi.bracketed == "[01]09506000134352[11]260501[17]310430[10]ABC-123[21]12345/A(7)"
    assert udi.epc_uri == "https://id.gs1.org/01/09506000134352/21/12345%2FA%287%29"
    assert udi.digital_link == (
        "https://id.gs1.org/01/09506000134352/10/ABC-123/21/12345%2FA%287%29?11=260501&17=310430"
    )
    reference = date(2026, 11, 24)
    assert parse_udi(udi.element_string, reference=reference) == udi
    assert parse_udi("]d2" + udi.element_string, reference=reference) == udi
    assert parse_udi(udi.hri, reference=reference) == udi
    # Fixed-length AIs need no separator; a variable-length value that is last needs none either.
    bare = Udi(gtin="80614141123458", serial="6789", production_date=date(2026, 1, 2))
    assert bare.element_string == "01806141411234581126010221" + "6789"
    assert parse_ai_values(bare.element_string) == [("01", "80614141123458"), ("11", "260102"), ("21", "6789")]
    assert parse_udi(bare.hri, reference=reference) == bare


def test_ai_values_are_validated() -> None:
    made = date(2026, 5, 1)
    with pytest.raises(InvalidGs1ValueError, match="at most 20"):
        Udi("09506000134352", "S" * 21, made)
    with pytest.raises(InvalidGs1ValueError, match="outside GS1 character set 82"):
        Udi("09506000134352", "SN 1", made)
    with pytest.raises(InvalidGs1ValueError, match="outside GS1 character set 82"):
        Udi("09506000134352", "1", made, lot="Lé")
    with pytest.raises(InvalidGs1ValueError, match="before the production date"):
        Udi("09506000134352", "1", made, expiry_date=date(2026, 4, 30))
    with pytest.raises(InvalidGtinError, match="expected 2"):
        Udi("09506000134353", "1", made)
    with pytest.raises(InvalidGs1ValueError, match="unknown or unsupported AI '99'"):
        parse_udi("0109506000134352990")
    with pytest.raises(InvalidGs1ValueError, match=r"lacks AI \(21\)"):
        parse_udi("(01)09506000134352(11)260501")
    with pytest.raises(InvalidGs1ValueError, match="is not a calendar date"):
        parse_udi("(01)09506000134352(11)260231(21)1")
    with pytest.raises(InvalidGs1ValueError, match="needs 6 digits"):
        parse_udi("(01)09506000134352(11)2605(21)1")
    with pytest.raises(InvalidGs1ValueError, match="appears twice"):
        parse_udi("(01)09506000134352(11)260501(21)1(21)2")
    assert check_cset82("!\"%&'()*+,-./:;<=>?_Az9", "x", 30) == "!\"%&'()*+,-./:;<=>?_Az9"


def test_yymmdd_uses_the_gs1_sliding_century_and_day_00_is_the_month_end() -> None:
    reference = date(2026, 11, 24)
    assert parse_yymmdd("991231", reference=reference) == date(1999, 12, 31)
    assert parse_yymmdd("760101", reference=reference) == date(2076, 1, 1)
    assert parse_yymmdd("770101", reference=reference) == date(1977, 1, 1)
    assert parse_yymmdd("280200", reference=reference) == date(2028, 2, 29)
    with pytest.raises(InvalidGs1ValueError, match="month 13"):
        parse_yymmdd("261301", reference=reference)


# ---------------------------------------------------------------------------------------------- device families


def test_bundled_families_match_the_sample_envelopes() -> None:
    families = load_device_families(None)
    envelope_families = {load_envelope(path).family for path in (REPO / "resources" / "envelopes").glob("*.toml")}
    assert set(families) == envelope_families == {"cranial_plate", "cutting_guide"}
    for family in families.values():
        assert family.sample
        assert family.issuing_agency == "GS1"
        for level in family.packaging:
            assert check_gtin(level.gtin) == level.gtin
            assert level.gtin[1:8] == family.company_prefix
    assert families["cranial_plate"].udi_di == "00614141000012"
    assert families["cranial_plate"].lot_policy == "case_code"
    assert families["cutting_guide"].shelf_life_days is None


FAMILY = """[family]
id = "cranial_plate"
title = "Cranial plates (company file)"
device_name = "ACME cranial plate"
company_prefix = "{prefix}"
lot_policy = "required"

[[packaging]]
level = 1
gtin = "{gtin}"
contains = 1
"""


def test_a_home_family_replaces_the_sample_and_bad_files_are_refused(home: Path) -> None:
    folder = home / "device-families"
    folder.mkdir(parents=True)
    path = folder / "plates.toml"
    path.write_text(FAMILY.format(prefix="950600", gtin="09506000134352"), encoding="utf-8")
    family = device_family(home, "cranial_plate")
    assert (family.device_name, family.udi_di, family.source, family.sample) == (
        "ACME cranial plate",
        "09506000134352",
        str(path),
        False,
    )
    path.write_text(FAMILY.format(prefix="950600", gtin="09506000134353"), encoding="utf-8")
    with pytest.raises(InvalidGtinError, match=r"plates.toml: packaging\[0\].gtin: .*expected 2") as caught:
        device_family(home, "cranial_plate")
    assert caught.value.path == str(path)
    path.write_text(FAMILY.format(prefix="0614141", gtin="09506000134352"), encoding="utf-8")
    with pytest.raises(DeviceFamilyError, match="does not carry the company prefix 0614141"):
        device_family(home, "cranial_plate")
    path.write_text(FAMILY.format(prefix="950600", gtin="09506000134352") + "colour = 1\n", encoding="utf-8")
    with pytest.raises(DeviceFamilyError, match="unknown keys"):
        device_family(home, "cranial_plate")
    path.unlink()
    with pytest.raises(DeviceFamilyError, match="no device family 'spinal_cage'"):
        device_family(home, "spinal_cage")


def test_a_family_s_change_tolerance_is_read_and_checked(home: Path) -> None:
    assert load_device_families(None)["cranial_plate"].change_tolerance_mm == 0.2
    folder = home / "device-families"
    folder.mkdir(parents=True)
    path = folder / "plates.toml"
    base = FAMILY.format(prefix="950600", gtin="09506000134352")
    path.write_text(base, encoding="utf-8")
    assert device_family(home, "cranial_plate").change_tolerance_mm is None  # the table is optional
    path.write_text(base + "\n[change]\ntolerance_mm = 0.35\n", encoding="utf-8")
    family = device_family(home, "cranial_plate")
    assert family.change_tolerance_mm == 0.35
    assert family.to_json()["change_tolerance_mm"] == 0.35
    for table, reason in (
        ("[change]\ntolerance_mm = 0\n", r"change.tolerance_mm must be a number of mm above 0"),
        ('[change]\ntolerance_mm = "0.2"\n', r"change.tolerance_mm must be a number of mm"),
        ("[change]\n", r"\[change\] needs tolerance_mm"),
        ('[change]\ntolerance_mm = 0.2\nunit = "mm"\n', r"unknown keys change.unit"),
    ):
        path.write_text(base + "\n" + table, encoding="utf-8")
        with pytest.raises(DeviceFamilyError, match=reason):
            device_family(home, "cranial_plate")


# ---------------------------------------------------------------------------------------------- assignment


def test_a_signed_case_gets_one_udi_per_revision_linked_to_its_signatures(store: Store, people: People) -> None:
    record_signed_case(store, people)
    now = datetime(2026, 11, 24, 10, 30, tzinfo=HKT)
    eng = people.engineer
    record, created = assign_udi(store, CODE, now=now, by=eng)
    assert created
    assert record.event.actor == "eng1"
    udi = record.udi
    assert (udi.gtin, udi.lot, udi.production_date, udi.expiry_date) == (
        "00614141000012",
        CODE,
        date(2026, 11, 24),
        date(2026, 11, 24) + timedelta(days=1825),
    )
    assert re.fullmatch(rf"{store.site_id[:6].upper()}-\d{{12}}", udi.serial)
    assert udi.hri == f"(01)00614141000012(11)261124(17)311123(10){CODE}(21){udi.serial}"
    case = store.case(CODE)
    payload = record.event.payload
    (signature,) = case.signatures
    assert payload["signatures"] == [
        {
            "event_id": signature.event_id,
            "event_hash": signature.hash,
            "meaning": "clinical design confirmation",
            "signer": "clin1",
        }
    ]
    assert case.check is not None
    assert (payload["revision"], payload["check_event_hash"], payload["element_string"]) == (
        1,
        case.check.hash,
        udi.element_string,
    )
    assert payload["family"]["sha256"] == load_device_families(None)["cranial_plate"].sha256
    assert record.event.created_at == "2026-11-24T10:30:00.000000+08:00"

    events = store.event_count()
    again, created = assign_udi(store, CODE, by=eng)
    assert (created, again.udi, store.event_count()) == (False, udi, events)
    with pytest.raises(DuplicateSerialError, match="already has serial"):
        assign_udi(store, CODE, serial="OTHER-1", by=eng)
    remake, created = assign_udi(store, CODE, new=True, now=now, by=eng)
    assert created
    assert remake.udi.serial != udi.serial
    assert current_udi(store.case(CODE)) == remake
    assert remake.event.payload["replaces"] == record.event.event_id
    report = store.verify(signature_checker(store))
    assert report.ok, report.problems


def test_unsigned_and_changed_designs_get_no_udi_and_a_new_revision_a_new_serial(store: Store, people: People) -> None:
    eng = people.engineer
    record_signed_case(store, people, sign_it=False)
    with pytest.raises(NotSignedError, match=f"case {CODE} revision 1 is checked, not signed"):
        assign_udi(store, CODE, by=eng)
    assert not any(event.kind == UDI_ASSIGNED for event in store.events())
    sign_in_session(store, people.clinician, "clinical design confirmation", CODE)
    first, _ = assign_udi(store, CODE, by=eng)
    design = store.put_artifact(b"solid v2\nendsolid\n", "mesh")
    store.append("design_changed", case_code=CODE, payload={"inputs": {"design": design}}, by=eng)
    assert current_udi(store.case(CODE)) is None
    with pytest.raises(NotSignedError, match="revision 2 is open"):
        assign_udi(store, CODE, by=eng)
    run_check(store, 3.0, eng, code=CODE)
    sign_in_session(store, people.clinician, "clinical design confirmation", CODE)
    second, created = assign_udi(store, CODE, by=eng)
    assert created
    assert second.revision == 2
    assert second.udi.serial != first.udi.serial
    assert [r.revision for r in udi_records(store.case(CODE))] == [1, 2]


def test_a_tampered_signature_blocks_the_udi(store: Store, people: People, tamper: Callable[..., None]) -> None:
    record_signed_case(store, people)
    (signature,) = store.case(CODE).signatures
    edited = signature.payload_json.replace('"meaning":"clinical design confirmation"', '"meaning":"release"')
    assert edited != signature.payload_json
    tamper(("UPDATE events SET payload = ? WHERE event_id = ?", (edited, signature.event_id)))
    with pytest.raises(NotSignedError, match="does not verify"):
        assign_udi(store, CODE, by=people.engineer)


def test_serials_are_unique_across_the_store_and_across_sites(
    store: Store, people: People, other_site_home: tuple[Path, People]
) -> None:
    eng = people.engineer
    record_signed_case(store, people)
    record_signed_case(store, people, "CP-2026-102")
    assign_udi(store, CODE, serial="SN-0001", by=eng)
    with pytest.raises(DuplicateSerialError, match=f"serial SN-0001 is already assigned \\(case {CODE}"):
        assign_udi(store, "CP-2026-102", serial="SN-0001", by=eng)

    # Another site assigns a serial offline; once its events arrive here, that serial is taken here too.
    other_home, theirs = other_site_home
    with Store.open(other_home) as other:
        record_signed_case(other, theirs, "HK-2026-001")
        theirs_udi, _ = assign_udi(other, "HK-2026-001", serial="SN-0002", by=theirs.engineer)
        generated, _ = assign_udi(other, "HK-2026-001", new=True, by=theirs.engineer)
        assert generated.udi.serial.startswith(other.site_id[:6].upper() + "-")
        trust_site(store, other.site_id, by=people.admin)
        for event in other.events():
            store.append_foreign(event.to_json())
    with pytest.raises(DuplicateSerialError, match="serial SN-0002 is already assigned \\(case HK-2026-001"):
        assign_udi(store, "CP-2026-102", serial="SN-0002", by=eng)
    with pytest.raises(DuplicateSerialError):
        assign_udi(store, "CP-2026-102", serial=generated.udi.serial, by=eng)
    ours, _ = assign_udi(store, "CP-2026-102", by=eng)
    assert ours.udi.serial.startswith(store.site_id[:6].upper() + "-")
    assert theirs_udi.udi.serial == "SN-0002"
    report = store.verify(signature_checker(store))
    assert report.ok, report.problems


def test_two_writers_assigning_one_serial_at_once_give_it_to_one_case(
    home: Path, store: Store, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both writers check the serial before either has written (the check outside the write transaction passes for
    both); the store's check inside its write transaction gives the serial to one case and refuses the other."""
    codes = ("CP-2026-111", "CP-2026-112")
    for code in codes:
        record_signed_case(store, people, code)
    both_checked = threading.Barrier(2, timeout=60)
    read_serials = traceability.assignment.assigned_serials

    def assigned_serials_then_wait(opened: Store) -> dict[str, tuple[str, str]]:
        found = read_serials(opened)
        both_checked.wait()  # the other writer has read the serials too: neither sees the other's assignment
        return found

    monkeypatch.setattr(traceability.assignment, "assigned_serials", assigned_serials_then_wait)
    outcomes: dict[str, BaseException | None] = {}

    def assign(code: str) -> None:
        with Store.open(home) as own:  # each writer with its own connections, as two windows or processes would
            try:
                assign_udi(own, code, serial="SN-RACE", by=people.engineer)
                outcomes[code] = None
            except DuplicateSerialError as exc:
                outcomes[code] = exc

    threads = [threading.Thread(target=assign, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == sorted(codes)
    refused = [exc for exc in outcomes.values() if exc is not None]
    assert len(refused) == 1
    assert "serial SN-RACE is already assigned" in str(refused[0])
    holders = [event.case_code for event in store.events() if event.kind == UDI_ASSIGNED]
    assert len(holders) == 1
    assert holders[0] in codes


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[family]\nid = " + "[" * 5000 + "]" * 5000 + "\n", "nest"),
        ("[family]\nshelf_life_days = " + "9" * 5000 + "\n", "64 bits"),
        ("[family]\nid = 'x'\n" + "# padding\n" * 20000, "bytes"),
    ],
)
def test_a_device_family_file_that_cannot_be_right_is_refused_with_a_reason(
    tmp_path: Path, text: str, reason: str
) -> None:
    """A site's own family file is a user's file: deep nesting, huge integers and huge files are refused (exit 2),
    never a RecursionError or ValueError."""
    folder = tmp_path / traceability.families.FAMILIES_DIR
    folder.mkdir()
    (folder / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DeviceFamilyError, match=reason):
        traceability.families.load_device_families(tmp_path)
