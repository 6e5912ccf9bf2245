"""A whole case run from the command line on a real store (issue 21's acceptance): team, design input with consent,
import, segment, mesh, check, proposal, sign; then a design change with its reason, acknowledgements, the check
again, a new proposal, sign. ``dvw audit verify`` is ok throughout and flags a hand edit of any of the
interaction's events. Each refusal is exit 2 with one line. Runs the sample CT (``sample_dicom``) and the two sample
plates (``sample_designs``): the fitted one is revision 1, the thin one revision 2."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from case_support import tamper_store
from people import People, password_of, set_up_people
from test_cli_interaction import write_input

from app.cli import main
from imaging.sample_case import SAMPLE_PATIENT_FACTS
from records.store import Store
from records.users import trust_site

CODE = "CP-2026-100"
ENVELOPE = Path(__file__).resolve().parents[2] / "resources" / "envelopes" / "cranial-plate-pekk.toml"
CONFIRM = "clinical design confirmation"
#: A hand edit of the first event of a kind (the text replaced inside its stored payload).
EDIT = "UPDATE events SET payload = replace(payload, ?, ?) WHERE seq = (SELECT min(seq) FROM events WHERE kind = ?)"


class Cli:
    """Runs ``dvw`` in this process against one home, as a user typing their password on stdin."""

    def __init__(self, home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.home, self.capsys, self.monkeypatch = home, capsys, monkeypatch

    def __call__(self, *argv: str, user: str | None = None) -> tuple[int, dict[str, Any], str]:
        stdin = "" if user is None else password_of(user) + "\n"
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        who = () if user is None else ("--user", user, "--password-stdin")
        code = main(["--home", str(self.home), *argv, *who])
        captured = self.capsys.readouterr()
        assert "Traceback" not in captured.err
        payload = json.loads(captured.out) if captured.out.strip() else {}
        return code, payload, captured.err

    def refused(self, *argv: str, user: str | None = None) -> str:
        """Run a command that must be refused: exit 2 and one line on stderr, which is returned."""
        code, _, err = self(*argv, user=user)
        lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("  ", "\r"))]
        assert code == 2, err
        assert lines[-1].startswith("dvw: error: ")
        assert len([line for line in lines if line.startswith("dvw: error")]) == 1
        return lines[-1]

    def audit_ok(self) -> dict[str, Any]:
        code, report, err = self("audit", "verify", "--json")
        assert (code, report["ok"], report["problems"]) == (0, True, []), err
        return report


def test_a_whole_case_from_the_command_line(
    people_home: tuple[Path, People],
    sample_dicom: Path,
    sample_designs: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, _people = people_home
    dvw = Cli(home, capsys, monkeypatch)
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(SAMPLE_PATIENT_FACTS))

    def run(design: str, out: str) -> tuple[int, dict[str, Any], str]:
        return dvw(
            "run", str(sample_dicom), "--envelope", str(ENVELOPE), "--design", str(sample_designs[design]),
            "--patient", str(patient), "--case", CODE, "--out", str(tmp_path / out), "--json", user="eng1",
        )  # fmt: skip

    # The team: the engineer creates the case, the prescribing clinician joins (the engineer with them).
    assert dvw("case", "new", CODE, user="eng1")[0] == 0
    assert dvw("case", "team", CODE, "--add", "clin1", "--as", "prescribing_clinician", user="eng1")[0] == 0
    dvw.audit_ok()

    # No check without the design input; a prescription with a bad field is refused with its line.
    message = dvw.refused(
        "run", str(sample_dicom), "--envelope", str(ENVELOPE), "--design", str(sample_designs["fitted"]),
        "--case", CODE, "--out", str(tmp_path / "refused"), user="eng1",
    )  # fmt: skip
    assert message == (
        f"dvw: error: case {CODE} cannot be checked: it lacks the design input (dvw case input {CODE} --file "
        "INPUT.toml)"
    )
    assert not (tmp_path / "refused").exists()  # refused before the long steps
    good = write_input(tmp_path / "input", deadline=date(2026, 12, 20))
    bad = good.with_name("bad.toml")
    bad.write_text(good.read_text().replace("given = true", "given = 1"))
    assert dvw.refused("case", "input", CODE, "--file", str(bad), user="clin1") == (
        f"dvw: error: {bad}:13: consent.given must be true or false"
    )
    code, given, _ = dvw("case", "input", CODE, "--file", str(good), "--json", user="clin1")
    assert (code, given["consent"]["given"], given["deadline"]) == (0, True, "2026-12-20")

    # Import, segment, mesh, check: the fitted plate is within the sample envelope.
    code, checked, err = run("fitted", "rev1")
    assert code == 0, err
    assert (checked["verdict"], checked["case"]["revision"], checked["case"]["state"]) == ("within", 1, "checked")
    dvw.audit_ok()

    # Signing: a non-member is refused; the clinician is refused until the proposal exists.
    assert dvw.refused("sign", CODE, "--meaning", "design verification", user="qa1").startswith(
        f"dvw: error: qa1 is not on the team of case {CODE}"
    )
    assert "the design proposal lacks the design proposal of the current check" in dvw.refused(
        "sign", CODE, "--meaning", CONFIRM, user="clin1"
    )
    code, proposal, err = dvw("proposal", CODE, "--out", str(tmp_path / "proposal-1.pdf"), "--json", user="eng1")
    assert code == 0, err
    pdf = (tmp_path / "proposal-1.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == proposal["pdf_sha256"]
    assert sorted(proposal["renderings"]) == ["anterior", "left", "overview", "right", "superior"]
    assert (proposal["verdict"], proposal["missing"]) == ("within", [])
    code, signed, err = dvw("sign", CODE, "--meaning", CONFIRM, "--json", user="clin1")
    assert code == 0, err
    assert signed["payload"]["revision"] == 1
    code, shown, _ = dvw("case", "show", CODE, "--json")
    content = shown["signatures"][0]["payload"]["content"]
    assert content["proposal"]["proposal_sha256"] == proposal["proposal_sha256"]
    assert shown["state"] == "signed"
    dvw.audit_ok()

    # A design change: a reason, the comparison, every member's acknowledgement, the check again, a new proposal.
    assert dvw("case", "team", CODE, "--add", "qa1", "--as", "quality", user="eng1")[0] == 0
    # The company's own family file sets the change tolerance the comparison uses (the sample's is 0.2 mm).
    sample_family = Path(__file__).resolve().parents[2] / "resources" / "device_families" / "cranial-plate.toml"
    family = sample_family.read_text(encoding="utf-8")
    (home / "device-families").mkdir()
    (home / "device-families" / "plates.toml").write_text(
        family.replace("tolerance_mm = 0.2 ", "tolerance_mm = 0.35"), encoding="utf-8"
    )
    reason = "Thinner plate: the surgeon asks for less bulk under the temporal muscle"
    code, changed, err = dvw(
        "change", CODE, "--design", str(sample_designs["thin"]), "--reason", reason, "--json", user="eng1"
    )
    assert code == 0, err
    figures = changed["parameters"]
    assert changed["revision"] == 2
    assert figures["change.max_deviation_mm"] == pytest.approx(2.5, abs=0.05)  # the wall went from 5 to 2.5 mm
    assert figures["change.tolerance_mm"] == 0.35
    assert 0 < figures["change.share_within_tolerance"] < 1
    assert figures["change.area_changed_mm2"] > 0
    assert changed["acknowledged"] == ["eng1"]
    assert dvw.refused("sign", CODE, "--meaning", CONFIRM, user="clin1") == (
        f"dvw: error: case {CODE} revision 2: the design change is not yet acknowledged by clin1, qa1; every team "
        f"member acknowledges it first (dvw change ack {CODE} --user USER)"
    )
    assert dvw("change", "ack", CODE, user="clin1")[0] == 0
    code, acked, _ = dvw("change", "ack", CODE, "--json", user="qa1")
    assert (code, acked["waiting"], acked["acknowledged"]) == (0, [], ["clin1", "eng1", "qa1"])
    code, checked, err = run("thin", "rev2")
    assert code == 3, err  # the 2.5 mm wall is out of the sample envelope
    assert (checked["case"]["revision"], checked["case"]["state"]) == (2, "needs_reverification")
    message = dvw("reverify", CODE, "--method", "FEA of the 2.5 mm wall under 50 N", "--result", "pass",
                  "--justification", "von Mises stress below the PEKK limit", user="eng1")  # fmt: skip
    assert message[0] == 0, message[2]
    code, proposal_2, err = dvw("proposal", CODE, "--out", str(tmp_path / "proposal-2.pdf"), "--json", user="eng1")
    assert (code, proposal_2["revision"], proposal_2["missing"]) == (0, 2, []), err
    code, _signed_2, err = dvw("sign", CODE, "--meaning", CONFIRM, "--json", user="clin1")
    assert code == 0, err
    code, shown, _ = dvw("case", "show", CODE, "--json")
    assert (shown["revision"], shown["state"]) == (2, "signed")
    revision_2 = shown["revisions"][1]
    assert revision_2["reason"] == reason
    assert revision_2["comparison"]["change.max_deviation_mm"] == figures["change.max_deviation_mm"]
    assert [ack["user"] for ack in revision_2["acknowledged"]] == ["clin1", "qa1"]
    assert [s["superseded"] for s in shown["signatures"]] == [True, False]
    report = dvw.audit_ok()
    assert report["signatures"] == 2

    # A hand edit of any of these events is found by the audit.
    edits = {
        "team_member_added": ('"design_engineer"', '"reviewer"'),
        "design_input_recorded": ('"2026-12-20"', '"2027-12-20"'),
        "design_changed": ("temporal muscle", "temporal bone"),
        "change_acknowledged": ('"revision":2', '"revision":3'),
        "proposal_issued": ('"revision":1', '"revision":2'),
    }
    for kind, (old, new) in edits.items():
        copy = tmp_path / f"edited-{kind}"
        shutil.copytree(home, copy)
        tamper_store(copy, (EDIT, (old, new, kind)))
        edited = Cli(copy, capsys, monkeypatch)
        code, found, _ = edited("audit", "verify", "--json")
        assert (code, found["ok"]) == (2, False), kind
        first = min(event["seq"] for event in shown["events"] if event["kind"] == kind)
        assert first in {problem["seq"] for problem in found["problems"]}, (kind, found["problems"])

    # The signed proposals travel with the case: a bundle carries their records, PDFs and renderings to another site,
    # where the signature still names the proposal it covers and every file is there with its hash.
    bundle = tmp_path / "case.zip"
    code, _exported, err = dvw("bundle", "export", CODE, "--out", str(bundle), "--json", user="eng1")
    assert code == 0, err
    other = tmp_path / "site-b"
    with Store.open(home) as store:
        site_a = store.site_id
    with Store.open(other) as store:
        people_b = set_up_people(store)
        trust_site(store, site_a, by=people_b.admin, name="Site A")
    site_b = Cli(other, capsys, monkeypatch)
    code, imported, err = site_b("bundle", "import", str(bundle), "--json", user="eng1")
    assert (code, imported["case"], imported["audit_ok"]) == (0, CODE, True), err
    code, shown_b, _ = site_b("case", "show", CODE, "--json")
    assert (shown_b["revision"], shown_b["state"]) == (2, "signed")
    confirmed = shown_b["signatures"][-1]["payload"]["content"]["proposal"]
    assert confirmed["proposal_sha256"] == proposal_2["proposal_sha256"]
    carried = [proposal["proposal_sha256"], proposal["pdf_sha256"], proposal_2["proposal_sha256"]]
    carried += [proposal_2["pdf_sha256"], *proposal_2["renderings"].values()]
    with Store.open(other) as store:
        for sha in carried:
            assert hashlib.sha256(store.read_artifact(sha)).hexdigest() == sha
    site_b.audit_ok()
