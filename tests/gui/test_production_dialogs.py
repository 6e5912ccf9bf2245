"""The Case menu's final inspection in a real window under Xvfb, on a real store, in both languages.

The case: the sample cranial plate (fitted) as its design and an analytic skull (a 6 mm bone ring around the defect)
as its anatomy, checked, signed by the clinician and given its UDI. The scans are synthetic scans of the plate made
here (50 k points, noise 0.02 mm, a flipped random pose), with and without a 0.8 mm bump over a 10 mm disc, written
as XYZ files. The quality user inspects through the dialog: refusals are one line; the passing scan is recorded
(the same event as ``dvw inspect``), its figures and colour map shown, and the case list says "inspected"; the bumped
scan then fails, and the case list says the device is nonconforming, in red. Screenshots of each screen are saved
to ``tests/gui/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import hashlib
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from case_support import run_check, sign_in_session
from gui_support import Watchdog, open_window
from people import USERS, People, password_of
from PySide6.QtCore import QDate, QDateTime, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from app.gui.i18n import install_language
from app.gui.main_window import MainView
from app.gui.production_dialogs import BuildRecordDialog, InspectDialog, InspectionResultDialog
from app.gui.settings import GuiSettings
from geometry.io import write_mesh
from geometry.plate import PlateDesign, plate_mesh
from geometry.registration import RigidTransform
from geometry.sample_design import sample_plate, sample_plate_design
from geometry.synthetic_scan import Bump, random_rotation, synthetic_scan
from imaging.sample_case import SAMPLE_CASE
from records.payloads import InspectionRecorded, read
from records.store import Store
from traceability.assignment import assign_udi, current_udi
from traceability.build import build_records
from traceability.inspection import inspections
from workflow.inspecting import DEVIATION_SCALARS

CODE = "CP-2026-401"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
INSPECTION_TIMEOUT_MS = 180_000
#: A freeze anyone would notice (the workflow test's limit; its 100 ms target is a benchmark's figure).
MAX_STALL_MS = 500.0


def _scan(path: Path, *, bump: bool, seed: int) -> Path:
    plate = sample_plate("fitted")
    design = sample_plate_design("fitted")
    axis = np.asarray(design.axis) / np.linalg.norm(design.axis)
    top = plate.vertices[np.argmax((plate.vertices - np.asarray(design.centre)) @ axis)]
    rng = np.random.default_rng(seed)
    motion = RigidTransform(random_rotation(rng, flip=True), rng.uniform(-150, 150, size=3))
    raised = Bump(tuple(top), tuple(axis), height_mm=0.8, radius_mm=5.0) if bump else None
    scan = synthetic_scan(plate, points=50_000, noise_mm=0.02, bump=raised, motion=motion, seed=seed)
    np.savetxt(path, scan.points, fmt="%.5f")
    return path


@pytest.fixture
def ready_home(people_home: tuple[Path, People], tmp_path: Path) -> Path:
    """A store whose case CODE is signed and has its UDI: its device waits for the final inspection."""
    home, people = people_home
    case = SAMPLE_CASE
    ring = PlateDesign(
        case.head_centre, case.skull_semi_axes_mm, case.defect_axis, 60.0, -6.0, 6.0, hole_radius_mm=25.0
    )
    design = write_mesh(sample_plate("fitted"), tmp_path / "plate.stl")
    anatomy = write_mesh(plate_mesh(ring), tmp_path / "skull.stl")
    with Store.open(home) as store:
        store.append("case_created", case_code=CODE, payload={"source": "test"}, by=people.engineer)
        meshes = (("design", design), ("anatomy", anatomy))
        inputs = {name: store.put_artifact(file.path, "mesh") for name, file in meshes}
        store.append("inputs_added", case_code=CODE, payload=inputs, by=people.engineer)
        run_check(store, 4.0, people.engineer, code=CODE)
        sign_in_session(store, people.clinician, "clinical design confirmation", code=CODE)
        assign_udi(store, CODE, by=people.quality)
    return home


def _save(widget: QWidget, name: str) -> Path:
    QTest.qWait(100)  # the layout settles after a message (as a person sees it)
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def _window(qtbot: QtBot, home: Path, tmp_path: Path, language: str) -> MainView:
    install_language(language)
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(home))
    settings.language = language
    window = open_window(qtbot, settings, "qa1")
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(CODE)
    return window


def _inspect(qtbot: QtBot, window: MainView, scan: Path, password: str | None = None) -> InspectDialog:
    """Fill the open inspection dialog and press Inspect; returns when the job has finished or failed."""
    dialog = window.production.inspect_dialog
    assert dialog is not None
    dialog.scan_edit.setText(str(scan))
    dialog.password_edit.setText(password_of("qa1") if password is None else password)
    worker = window.production.inspect_worker
    with qtbot.waitSignals([worker.running_changed, worker.running_changed], timeout=INSPECTION_TIMEOUT_MS):
        dialog.inspect_button.click()
    assert not worker.running
    assert dialog.password_edit.text() == ""  # read once, never kept in the dialog
    return dialog


def _device_cell(window: MainView, qtbot: QtBot, text: str) -> str:
    table = window.cases_panel.table
    qtbot.waitUntil(lambda: table.item(0, 4) is not None and text in table.item(0, 4).text(), timeout=30_000)
    item = table.item(0, 4)
    return item.background().color().name()


def _result(qtbot: QtBot, window: MainView) -> InspectionResultDialog:
    result = window.production.result_dialog
    assert result is not None
    qtbot.waitExposed(result)
    qtbot.waitUntil(lambda: result.scene.active and result.scene.renders > 0, timeout=30_000)
    qtbot.wait(300)
    return result


def test_the_inspector_inspects_in_the_window_and_the_case_list_follows(
    qtbot: QtBot, ready_home: Path, tmp_path: Path
) -> None:
    good = _scan(tmp_path / "scan-good.xyz", bump=False, seed=21)
    bumped = _scan(tmp_path / "scan-bumped.xyz", bump=True, seed=22)
    notes = tmp_path / "notes.xyz"
    notes.write_text("delivery note 4411: one plate\n")
    window = _window(qtbot, ready_home, tmp_path, "en")
    assert _device_cell(window, qtbot, "UDI assigned") == "#000000"
    assert window.production.inspect_action in window.case_menu.actions()
    assert window.production.inspect_action.isEnabled()
    window.production.inspect_action.trigger()
    dialog = window.production.inspect_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.user_combo.count() == 1
    assert dialog.user_combo.currentData() == "qa1"

    # Refusals, one line each, nothing recorded: no scan chosen, a wrong password, a file that is not a scan.
    dialog.inspect_button.click()
    assert dialog.message_label.text() == "Choose the scan file first."
    _inspect(qtbot, window, good, password="not-the-password")
    assert dialog.message_label.text() == "The password is wrong."
    _inspect(qtbot, window, notes)
    refusal = dialog.message_label.text()
    assert refusal.startswith("The file is not a scan DVW can read")
    assert "notes.xyz" in refusal
    assert "\n" not in refusal
    assert window.error_box is None  # said in the dialog only, not in a message box as well
    _save(dialog, "en-inspect-1-refused")
    with Store.open(ready_home) as store:
        assert inspections(store.case(CODE)) == []

    # The passing scan: recorded by the inspector, shown with its figures and colour map. The window keeps answering
    # while the scan is registered and measured (in the worker process) and recorded (in a thread).
    watchdog = Watchdog()
    watchdog.start("inspection")
    _inspect(qtbot, window, good)
    stall_ms = watchdog.stop()["inspection"]
    sys.stderr.write(f"\nlongest event-loop stall during the inspection: {stall_ms:.0f} ms\n")
    assert stall_ms < MAX_STALL_MS
    result = _result(qtbot, window)
    assert result.shown.passed
    assert result.banner.text().startswith("PASS: device ")
    regions = [result.table.item(row, 0).text() for row in range(result.table.rowCount())]
    assert regions == ["Whole part", "Bone-facing (bearing)", "Rest"]
    assert [result.table.item(row, 8).text() for row in range(3)] == ["pass", "pass", "pass"]
    measured = result.shown.view.measured
    assert measured.registration["rms_mm"] < 0.03
    assert measured.scan_points == 50_000
    assert "Registration RMS 0.0" in result.facts_label.text()
    assert result.scene.design is not None
    assert result.scene.markers
    assert result.scene.markers[0][0].endswith(" mm")
    with Store.open(ready_home) as store:
        done = inspections(store.case(CODE))
        assert len(done) == 1
        payload = read(done[0].event, InspectionRecorded)
        assert payload.result == "pass"
        assert payload.inspector["user_id"] == "qa1"
        assert done[0].event.actor == "qa1"
        assert payload.regions == measured.regions
    _save(result, "en-inspect-2-passed")
    assert _device_cell(window, qtbot, "inspected") == "#c8e6c9"
    result.reject()

    # The bumped scan fails: the device is nonconforming, in red in the case list; a third inspection is refused.
    window.production.inspect_action.trigger()
    _inspect(qtbot, window, bumped)
    failed = _result(qtbot, window)
    assert not failed.shown.passed
    assert failed.banner.text().startswith("FAIL: device ")
    whole = failed.shown.view.measured.regions[0]
    assert whole["name"] == "whole"
    assert abs(whole["max_mm"] - 0.8) < 0.05
    assert abs(failed.shown.view.worst_mm - whole["max_mm"]) < 1e-3  # the marker is at the bump's top
    _save(failed, "en-inspect-3-failed")
    assert _device_cell(window, qtbot, "NONCONFORMING") == "#c62828"
    bar = window.production.device_label  # the case bar says so too, in the same red
    qtbot.waitUntil(lambda: "NONCONFORMING" in bar.text(), timeout=30_000)
    assert "#c62828" in bar.styleSheet()
    _save(window.case_bar, "en-inspect-case-bar-nonconforming")
    _save(window, "en-inspect-4-case-list")
    failed.reject()
    window.production.inspect_action.trigger()
    again = _inspect(qtbot, window, good)
    assert again.message_label.text().startswith("The device is nonconforming:")
    again.reject()

    # The recorded inspections, newest first; the passing one opened again: its recorded figures and the same colour
    # map, read back from the records (read-only: nothing more is recorded).
    window.production.inspections_action.trigger()
    listed = window.production.inspections_dialog
    assert listed is not None
    qtbot.waitExposed(listed)
    cells = [[listed.table.item(row, column).text() for column in range(5)] for row in range(listed.table.rowCount())]
    assert [row[1:4] for row in cells] == [[USERS["qa1"][1], "FAIL", "1"], [USERS["qa1"][1], "pass", "1"]]
    assert cells[0][4] == cells[1][4] == payload.serial
    _save(listed, "en-inspect-5-recorded-list")
    reopen = window.production.reopen_worker
    with qtbot.waitSignal(reopen.finished, timeout=INSPECTION_TIMEOUT_MS):
        listed.table.cellDoubleClicked.emit(1, 0)
    shown = _result(qtbot, window)
    assert shown is not result
    assert shown.reopened_label.isVisible()
    assert shown.shown.event_id == done[0].event.event_id
    assert shown.shown.passed
    assert shown.banner.text().startswith("PASS: device ")
    assert shown.shown.view.measured.regions == measured.regions
    assert [shown.table.item(row, 8).text() for row in range(3)] == ["pass", "pass", "pass"]
    first = result.shown.view.surface.point_data[DEVIATION_SCALARS]
    read_back = shown.shown.view.surface.point_data[DEVIATION_SCALARS]
    assert np.array_equal(np.isnan(first), np.isnan(read_back))
    assert float(np.nanmax(np.abs(first - read_back))) < 1e-9
    assert shown.shown.view.worst_mm == pytest.approx(result.shown.view.worst_mm, abs=1e-9)  # the marker's value
    _save(shown, "en-inspect-6-reopened")
    shown.reject()
    listed.reject()
    with Store.open(ready_home) as store:
        assert len(inspections(store.case(CODE))) == 2


def test_the_inspection_screens_in_chinese(qtbot: QtBot, ready_home: Path, tmp_path: Path) -> None:
    bumped = _scan(tmp_path / "scan-bumped.xyz", bump=True, seed=23)
    window = _window(qtbot, ready_home, tmp_path, "zh_CN")
    try:
        assert _device_cell(window, qtbot, "已分配 UDI") == "#000000"
        window.production.inspect_action.trigger()
        dialog = window.production.inspect_dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        _inspect(qtbot, window, tmp_path / "missing.stl")
        refusal = dialog.message_label.text()
        assert refusal.startswith("该文件不是 DVW 可读取的扫描")
        assert refusal.endswith("missing.stl")  # the file named; the core's English line on hover
        assert "no such file" in dialog.message_label.toolTip()
        assert "\n" not in refusal
        _save(dialog, "zh_CN-inspect-1-refused")
        _inspect(qtbot, window, bumped)
        result = _result(qtbot, window)
        assert result.banner.text().startswith("不合格")
        assert result.table.item(0, 0).text() == "整体"
        _save(result, "zh_CN-inspect-3-failed")
        assert _device_cell(window, qtbot, "不合格品") == "#c62828"
        _save(window, "zh_CN-inspect-4-case-list")
        result.reject()
        assert USERS["qa1"][1] in result.facts_label.text()
        window.production.inspections_action.trigger()
        listed = window.production.inspections_dialog
        assert listed is not None
        qtbot.waitExposed(listed)
        assert listed.table.rowCount() == 1
        assert listed.table.item(0, 2).text() == "不合格"  # type: ignore[union-attr]
        assert listed.open_button.text() == "打开"
        _save(listed, "zh_CN-inspect-5-recorded-list")
        listed.reject()
    finally:
        install_language("en")


def _build_file(folder: Path, serial: str, *, calibration_due: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "pekk-v3.json").write_text('{"layer_um": 120, "laser_w": 42}\n')
    path = folder / "BUILD.toml"
    path.write_text(
        f"""[build]
job_id = "BJ-2026-0147"
started = 2026-11-02T08:00:00+08:00
finished = 2026-11-02T17:30:00+08:00
operator = "eng1"
witness_sample = "{serial}"

[printer]
equipment_id = "EOS-P396-02"
calibration_due = {calibration_due}

[parameters]
name = "PEKK-standard-v3"
file = "pekk-v3.json"

[[material]]
material = "PEKK powder"
supplier = "Acme Polymers"
lot = "PK-2611-07"
virgin_share = 0.5

[[environment]]
quantity = "chamber oxygen"
value = 0.8
unit = "%"

[placement]
position_mm = [120.0, 85.0, 40.0]
orientation_deg = [0.0, 90.0, 0.0]

[[post_processing]]
step = "depowdering"
detail = "glass bead blasting 4 bar"
"""
    )
    return path


def _open_build_form(qtbot: QtBot, home: Path, tmp_path: Path, language: str) -> tuple[MainView, BuildRecordDialog]:
    settings = GuiSettings.from_file(tmp_path / "settings.ini", home_override=str(home))
    settings.language = language
    window = open_window(qtbot, settings, "eng1")
    with qtbot.waitSignal(window.cases_panel.load_worker.finished, timeout=60_000):
        window.cases_panel.open_case(CODE)
    assert window.production.build_action in window.case_menu.actions()
    window.production.build_action.trigger()
    dialog = window.production.build_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return window, dialog


def _record(qtbot: QtBot, window: MainView, dialog: BuildRecordDialog, *, refused: bool) -> None:
    worker = window.production.build_worker
    with qtbot.waitSignal(worker.failed if refused else worker.finished, timeout=30_000):
        dialog.record_button.click()


def _cell(table: QTableWidget, row: int, column: int, text: str) -> None:
    item = table.item(row, column)
    assert item is not None
    item.setText(text)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_build_record_form_is_checked_at_its_fields_and_recorded_as_the_signed_in_user(
    qtbot: QtBot, ready_home: Path, tmp_path: Path, language: str
) -> None:
    with Store.open(ready_home) as store:
        serial = current_udi(store.case(CODE)).udi.serial  # type: ignore[union-attr]
    parameters = tmp_path / "pekk-v3.json"
    parameters.write_text('{"layer_um": 120, "laser_w": 42}\n')
    install_language(language)
    try:
        window, dialog = _open_build_form(qtbot, ready_home, tmp_path, language)
        # The case bar says where the device stands, as the case list does: its UDI, nothing built yet.
        label = window.production.device_label
        assigned = "UDI assigned" if language == "en" else "已分配 UDI"
        qtbot.waitUntil(lambda: assigned in label.text(), timeout=30_000)
        assert label.isVisible()
        # What the form knows already: the device's number on the witness sample, the signed-in user operating.
        assert dialog.witness_edit.text() == serial
        assert dialog.operator_combo.currentData() == "eng1"
        assert dialog.loaded_file() is None
        # The dates start blank: nothing entered is nothing recorded (refused at the first field the reader checks).
        assert dialog.form().calibration_due == dialog.form().started == ""
        _record(qtbot, window, dialog, refused=True)
        assert "build.started must be a date and time" in dialog._field_labels["build.0.started"].text()
        assert dialog.started_edit.styleSheet() != ""
        _save(dialog, f"{language}-build-0-blank")
        started = QDateTime.fromString("2026-11-02T08:00:00+08:00", Qt.DateFormat.ISODate)
        dialog.started_edit.setDateTime(started.toLocalTime())
        dialog.finished_edit.setDateTime(started.addSecs(9 * 3600 + 1800).toLocalTime())
        dialog.job_edit.setText("BJ-2026-0147")
        dialog.equipment_edit.setText("EOS-P396-02")
        dialog.calibration_edit.setDate(QDate(2026, 10, 31))  # before the build started: expired
        dialog.parameter_name_edit.setText("PEKK-standard-v3")
        dialog.parameter_file_edit.setText(str(parameters))
        dialog.parameter_file_edit.editingFinished.emit()
        sha = hashlib.sha256(parameters.read_bytes()).hexdigest()
        assert sha in dialog.parameter_hash_label.text()
        for column, text in enumerate(("PEKK powder", "Acme Polymers", "PK-2611-07", "half", "")):
            _cell(dialog.materials_table, 0, column, text)
        dialog.add_row(dialog.materials_table, ("PEKK powder", "Acme Polymers", "PK-2611-09", "1", ""))
        for column, text in enumerate(("chamber oxygen", "0.8", "%")):
            _cell(dialog.environment_table, 0, column, text)
        dialog.add_row(dialog.environment_table, ("chamber temperature", "215", "°C"))
        for column, text in enumerate(("depowdering", "glass bead blasting 4 bar")):
            _cell(dialog.post_table, 0, column, text)
        for spin, value in zip(dialog.position_spins, (120.0, 85.0, 40.0), strict=True):
            spin.setValue(value)
        dialog.orientation_spins[1].setValue(90.0)

        # The expired calibration: refused with the reason, at its field; nothing recorded.
        _record(qtbot, window, dialog, refused=True)
        field_label = dialog._field_labels["printer.0.calibration_due"]
        assert field_label.isVisible()
        assert "EOS-P396-02: its calibration was due on 2026-10-31" in field_label.text()
        assert "an expired calibration is refused" in field_label.text()
        assert dialog.calibration_edit.styleSheet() != ""
        assert "an expired calibration is refused" in dialog.message_label.text()
        assert window.error_box is None
        _save(dialog, f"{language}-build-1-refused-calibration")
        with Store.open(ready_home) as store:
            assert build_records(store.case(CODE)) == []

        # Next: the virgin share that is not a number, at its cell.
        dialog.calibration_edit.setDate(QDate(2027, 1, 31))
        _record(qtbot, window, dialog, refused=True)
        assert not dialog._field_labels["printer.0.calibration_due"].isVisible()
        assert dialog.calibration_edit.styleSheet() == ""
        assert "material.virgin_share must be a number" in dialog._field_labels["material"].text()
        share = dialog.materials_table.item(0, 3)
        assert share is not None
        assert share.background().color().name() == "#f8d7da"
        assert (dialog.materials_table.currentRow(), dialog.materials_table.currentColumn()) == (0, 3)
        _save(dialog, f"{language}-build-2-refused-share")

        _cell(dialog.materials_table, 0, 3, "0.5")
        _record(qtbot, window, dialog, refused=False)
        assert "BJ-2026-0147" in dialog.message_label.text()
        assert "PK-2611-07, PK-2611-09" in dialog.message_label.text()
        assert not dialog.record_button.isEnabled()  # one build record a device
        _save(dialog, f"{language}-build-3-recorded")
        with Store.open(ready_home) as store:
            ((event, payload),) = build_records(store.case(CODE))
        assert event.actor == "eng1"  # attributable: the signed-in user's event, attested with their key
        assert payload.serial == serial
        assert payload.lots == ["PK-2611-07", "PK-2611-09"]
        build = payload.build
        assert build["job_id"] == "BJ-2026-0147"
        assert build["operator"]["user_id"] == "eng1"
        assert build["witness_sample"] == serial
        assert build["printer"] == {"equipment_id": "EOS-P396-02", "calibration_due": "2027-01-31"}
        assert build["parameters"] == {"name": "PEKK-standard-v3", "sha256": sha}
        assert [(m["lot"], m["virgin_share"]) for m in build["materials"]] == [("PK-2611-07", 0.5), ("PK-2611-09", 1.0)]
        assert build["environment"] == [
            {"quantity": "chamber oxygen", "value": 0.8, "unit": "%"},
            {"quantity": "chamber temperature", "value": 215.0, "unit": "°C"},
        ]
        assert build["placement"] == {"position_mm": [120.0, 85.0, 40.0], "orientation_deg": [0.0, 90.0, 0.0]}
        assert build["post_processing"] == [{"step": "depowdering", "detail": "glass bead blasting 4 bar"}]
        assert datetime.fromisoformat(build["started"]) == datetime.fromisoformat("2026-11-02T08:00:00+08:00")
        built = "built" if language == "en" else "已制造"
        assert _device_cell(window, qtbot, built) == "#fff3cd"
        qtbot.waitUntil(lambda: built in label.text(), timeout=30_000)
        assert "#fff3cd" in label.styleSheet()
        dialog.reject()
        _save(window.case_bar, f"{language}-build-5-case-bar")
    finally:
        install_language("en")


def test_a_build_record_file_fills_the_form_and_is_recorded_as_it_is(
    qtbot: QtBot, ready_home: Path, tmp_path: Path
) -> None:
    with Store.open(ready_home) as store:
        serial = current_udi(store.case(CODE)).udi.serial  # type: ignore[union-attr]
    expired = _build_file(tmp_path / "expired", serial, calibration_due="2026-10-31")
    good = _build_file(tmp_path / "good", serial, calibration_due="2027-01-31")
    install_language("en")
    window, dialog = _open_build_form(qtbot, ready_home, tmp_path, "en")

    # Loaded: the file's values are in the form, and Record records the file itself (its lines in a refusal).
    assert dialog.load_file(expired)
    assert dialog.loaded_file() == expired
    assert dialog.job_edit.text() == "BJ-2026-0147"
    assert dialog.calibration_edit.date() == QDate(2026, 10, 31)
    assert dialog.parameter_file_edit.text() == str(expired.parent / "pekk-v3.json")
    assert dialog.materials_table.item(0, 2).text() == "PK-2611-07"  # type: ignore[union-attr]
    assert dialog.post_table.item(0, 1).text() == "glass bead blasting 4 bar"  # type: ignore[union-attr]
    _record(qtbot, window, dialog, refused=True)
    assert "BUILD.toml:10: printer EOS-P396-02" in dialog.message_label.text()
    assert "BUILD.toml:10:" in dialog._field_labels["printer.0.calibration_due"].text()
    _save(dialog, "en-build-4-file-refused")
    with Store.open(ready_home) as store:
        assert build_records(store.case(CODE)) == []

    # Edited after loading: the form is recorded (not the file), as the signed-in user.
    assert dialog.load_file(good)
    dialog.equipment_edit.setText("EOS-P396-03")
    dialog.equipment_edit.textEdited.emit("EOS-P396-03")
    assert dialog.loaded_file() is None
    _record(qtbot, window, dialog, refused=False)
    with Store.open(ready_home) as store:
        ((event, payload),) = build_records(store.case(CODE))
    assert event.actor == "eng1"
    assert payload.build["printer"]["equipment_id"] == "EOS-P396-03"
    assert payload.file_sha256 != hashlib.sha256(good.read_bytes()).hexdigest()
    dialog.reject()


def test_a_loaded_file_recorded_unchanged_keeps_its_own_hash(qtbot: QtBot, ready_home: Path, tmp_path: Path) -> None:
    with Store.open(ready_home) as store:
        serial = current_udi(store.case(CODE)).udi.serial  # type: ignore[union-attr]
    good = _build_file(tmp_path / "good", serial, calibration_due="2027-01-31")
    install_language("en")
    window, dialog = _open_build_form(qtbot, ready_home, tmp_path, "en")
    assert dialog.load_file(good)
    _record(qtbot, window, dialog, refused=False)
    with Store.open(ready_home) as store:
        ((event, payload),) = build_records(store.case(CODE))
    assert event.actor == "eng1"
    assert payload.file_sha256 == hashlib.sha256(good.read_bytes()).hexdigest()
    dialog.reject()
