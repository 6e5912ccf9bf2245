"""The IQ/OQ qualification record (``validation.qualification``): a failed run shows what failed and why."""

from __future__ import annotations

import subprocess
from pathlib import Path

from validation.manifest import current_manifest
from validation.qualification import machine_facts, qualification_pdf, write_qualification_report
from validation.selftest import CaseResult, Comparison, SelftestResult


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = write_qualification_report(pdf, tmp_path / "iq.pdf")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_failed_run_is_marked_with_its_failed_comparison_and_error(tmp_path: Path) -> None:
    manifest = current_manifest()
    wrong = Comparison("mesh volume (mm3)", "33510.3", "31002.8", "0.01 x", False)
    right = Comparison("watertight and manifold", "True", "True", "exact", True)
    result = SelftestResult(
        passed=False,
        manifest_id=manifest.manifest_id,
        cases=(
            CaseResult("mesh.sphere", False, "mesh volume (mm3): 31002.8 vs 33510.3 (0.01 x) FAILED", (right, wrong)),
            CaseResult("measure.fit", False, "error: GeometryError: the design is empty"),
        ),
        seconds=1.5,
        finished_at="2026-11-24T08:00:00+00:00",
    )
    machine = machine_facts()
    text = _text(qualification_pdf(result, manifest, machine, validated_before=True), tmp_path)
    assert "FAILED: see the cases marked FAIL" in text
    assert "0 of 2 cases passed in 1.5 s" in text
    lines = text.splitlines()
    failed = next(line for line in lines if "mesh volume (mm3)" in line)
    assert failed.split() == ["mesh", "volume", "(mm3)", "33510.3", "31002.8", "0.01", "x", "FAIL"]
    passed = next(line for line in lines if line.strip().startswith("watertight and manifold"))
    assert passed.split()[-1] == "PASS"
    assert "error: GeometryError: the design is empty" in text
    assert "2026-11-24T08:00:00+00:00" in text
    assert machine.operating_system in text
    assert f"{machine.cores}" in text
    assert "Validated before this run yes" in " ".join(text.split())


def test_machine_facts_describe_this_installation() -> None:
    facts = machine_facts()
    assert facts.cores >= 1
    assert facts.memory_gib is not None
    assert facts.memory_gib > 0.5
    assert "Python environment" in facts.installation
    assert facts.python.startswith("CPython 3.")
    assert set(facts.to_json()) == {
        "host",
        "operating_system",
        "processor",
        "cores",
        "memory_gib",
        "python",
        "installation",
        "user",
    }
