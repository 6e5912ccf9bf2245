"""Kill tests ("Trust" issue): ``dvw run --case``, ``dvw sign``, ``dvw bundle import`` and ``dvw sync`` (push and
pull) killed with SIGKILL at points spread over their run, as real processes on real stores.

After each kill, in the store the command wrote to:
- the audit is clean (``Store.verify().ok``; its problems are reported when not);
- nothing acknowledged is lost: when the killed process had printed its success, its events are in the store;
- a command's events are all there or none of them (they are written in one transaction);
- once the store is opened again (what the next command does), no scratch folder or temporary file of the dead
  process is left under the home, and the same command run again completes and audits clean.

Kill points per command (at least 9; 8 per sync): right after the start; seeded random delays drawn across the first
85 % of an unkilled run's duration (``DVW_KILL_SEED`` picks another seed); and points found by watching the process,
which reach the end whatever the machine's load: a new file appears in ``artifacts/`` (the store is between renaming
a file into place and recording it), an output is being written (a temporary file in the output folder), the
write-ahead log grows (a commit), the success is printed. Every point is checked, and the test then fails with
every point that broke a rule (what the kill left, the audit's problems), not only the first; ``pytest -s`` prints
what each point found.

The commands run a copy of the code made when the module starts (the checkout may change meanwhile, and a
signature is refused when the check was made by another software manifest), with their byte code cached in a
temporary folder.

``dvw sync`` (push and pull) runs against a real server in its own process (the app ``dvw serve`` runs, on SQLite)
with two sites: before each push point the killed site records a new signed case whose design (5.4 MB) spans two
4 MiB chunks; before each pull point the other site does and pushes it, and the killed site pulls. After each kill,
besides the audit and the scratch: the server's audit is clean, its copy of the site's chain is a prefix of the
site's, what was pulled is a prefix of the other site's chain, a printed result means the server's head is the
site's head and the pulled events and files are held, ``sync/partial/`` holds at most resumable parts, and the same
sync run again converges (every event on both sides, every file held) and leaves ``sync/partial/`` empty. Its
watched points: the site's events stored on the server, the upload under way (the server holds part of the design),
``last_sync.json`` being written, the result printed (push); the log grows, the download under way (a part in
``sync/partial/``), a downloaded file appears in ``artifacts/``, the session file of the ``pull_artifacts`` stage
being written, the result printed (pull).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import shutil
import sqlite3
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from kill_support import (
    Command,
    KillPoint,
    Outcome,
    WarmUp,
    files_under,
    hidden_file_in,
    hidden_files,
    leftovers,
    new_file_under,
    snapshot_code,
    subprocess_env,
    text_in,
)
from people import People, password_of, set_up_people

from geometry.io import read_mesh, write_mesh
from geometry.plate import plate_mesh
from geometry.sample_design import sample_plate_design
from imaging.sample_case import SAMPLE_CASE, SAMPLE_PATIENT_FACTS, SampleCase, write_sample_dicom
from imaging.volume import read_volume
from records.bundle import BUNDLE_IMPORTED, MANIFEST_NAME, export_bundle
from records.events import Event
from records.reverification import record_reverification
from records.selftests import record_selftest
from records.store import ARTIFACTS_DIR, DB_NAME, SCRATCH_PREFIX, Store
from records.sync.client import PARTIAL_DIR, SYNC_DIR, join
from records.sync.protocol import CHUNK_BYTES, WITHHELD_KINDS, named_sha256
from records.users import sign_in, trust_site
from server.store import ServerStore
from validation.manifest import compute_manifest, current_manifest

sys.path.append(str(Path(__file__).resolve().parents[1] / "records" / "sync"))  # the sync tests' helpers
from sync_helpers import PASSWORD, ProcessServer, Site, add_signed_case, assert_converged, settle

pytestmark = pytest.mark.slow

SEED = 20260107
"""The default seed of the random kill delays (``DVW_KILL_SEED`` overrides it to explore other points)."""
RANDOM_POINTS = {"run": 5, "sign": 6, "bundle": 5, "sync-push": 3, "sync-pull": 3}
"""Random kill delays per command (besides the start and the watched points; ``dvw run`` is the slow one)."""
#: The sample head at a quarter of its resolution along each axis (same field of view): a run takes seconds.
SMALL_CASE = SampleCase(size=(64, 64, 30), spacing=(3.6, 3.6, 6.0), origin=SAMPLE_CASE.origin)
SOURCE_CASE = "KILL-SRC"
MEANING = "clinical design confirmation"
RUN_EVENTS = ["case_created", "inputs_added", "check_run"]
#: What the commands import, loaded once (byte code cached) before any command is timed.
MODULES = (
    "app.cli",
    "app.commands.pipeline_commands",
    "geometry.io",
    "geometry.mesh",
    "imaging.assemble",
    "imaging.segment",
    "imaging.series",
    "validation.registry",
    "validation.check",
    "validation.manifest",
    "records.store",
    "records.users",
    "records.checks",
    "records.bundle",
    "records.signatures",
    "app.commands.sync_commands",
    "records.sync.client",
    "records.sync.conflicts",
)


def _seed() -> int:
    return int(os.environ.get("DVW_KILL_SEED", SEED))


# ------------------------------------------------------------------------------------------------ fixtures


@dataclass(frozen=True)
class Env:
    """The code the commands run (a frozen copy of the checkout), its manifest id, the commands' environment (byte
    code cached in a temporary folder) and the warm-up that compiles it."""

    code: Path
    manifest_id: str
    variables: dict[str, str]
    warm_up: WarmUp

    def ready(self) -> dict[str, str]:
        """The variables, once every module the commands import is compiled (so commands are timed fairly)."""
        self.warm_up.wait()
        return self.variables


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    code = snapshot_code(tmp_path_factory.mktemp("code"))
    variables = subprocess_env(tmp_path_factory.mktemp("pycache"), code)
    warming = WarmUp.start(variables, MODULES, tmp_path_factory.mktemp("warm-up"))  # runs while stores are set up
    yield Env(code, compute_manifest(code).manifest_id, variables, warming)
    warming.process.kill()
    warming.process.wait()


def validate(store: Store, people: People, env: Env) -> None:
    """Record a passed self-test of the commands' code on this workstation, as ``set_up_people`` does for the
    checkout's (the two differ when the checkout changed since the copy was made)."""
    if env.manifest_id != current_manifest().manifest_id:
        result = {"manifest_id": env.manifest_id, "passed": True, "cases": [], "seconds": 0.0}
        record_selftest(store, result, by=people.quality)


@dataclass(frozen=True)
class Sample:
    """The run's inputs: a small DICOM series of the sample head, a coarse fitted plate and the patient facts."""

    dicom: Path
    design: Path
    patient: Path
    envelope: Path

    def run_argv(self, home: Path, code: str, out: Path) -> list[str]:
        """``dvw run`` recording case ``code`` as eng1 (password on stdin), replacing earlier outputs in ``out``."""
        return [
            "--home", str(home), "run", str(self.dicom), "--envelope", str(self.envelope), "--design", str(self.design),
            "--patient", str(self.patient), "--case", code, "--out", str(out), "--force",
            "--user", "eng1", "--password-stdin", "--json",
        ]  # fmt: skip


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, env: Env) -> Sample:
    root = tmp_path_factory.mktemp("kill-sample")
    write_sample_dicom(root / "dicom", SMALL_CASE)
    design = replace(sample_plate_design("fitted", SMALL_CASE), rings=12, sectors=36)
    write_mesh(plate_mesh(design), root / "plate.stl")
    (root / "patient.json").write_text(json.dumps(SAMPLE_PATIENT_FACTS) + "\n", encoding="utf-8")
    envelope = env.code / "resources" / "envelopes" / "cranial-plate-pekk.toml"
    return Sample(root / "dicom", root / "plate.stl", root / "patient.json", envelope)


@dataclass(frozen=True)
class Source:
    """A second workstation (another site than ``people_home``'s) with case SOURCE_CASE recorded by ``dvw run``,
    re-verified, signed by ``dvw sign`` and exported as a bundle; ``run_seconds`` and ``sign_seconds`` are how long
    those unkilled commands took."""

    home: Path
    site_id: str
    run_seconds: float
    sign_seconds: float
    bundle: Path
    bundle_events: frozenset[str]
    bundle_artifacts: frozenset[str]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, env: Env, sample: Sample) -> Source:
    root = tmp_path_factory.mktemp("kill-source")
    home = root / "home"
    with Store.open(home) as store:
        validate(store, set_up_people(store), env)
        site_id = store.site_id
    variables = env.ready()
    run = Command(
        sample.run_argv(home, SOURCE_CASE, root / "out"), root / "logs", variables, password_of("eng1") + "\n"
    )
    done = run.run()
    # The coarse series' slice and pixel spacing are above the envelope's limits: out of envelope.
    assert done.returncode == 3, done.stderr
    payload = done.json()
    assert payload is not None
    assert payload["verdict"] == "out_of_envelope"
    assert payload["case"]["recorded"] == RUN_EVENTS
    with Store.open(home) as store:
        record_reverification(
            store,
            SOURCE_CASE,
            "qa1",
            password_of("qa1"),
            method="review of the coarse test series",
            result="pass",
            justification="a kill-test case, never built",
        )
    signing = Command(sign_argv(home), root / "logs", variables, password_of("clin1") + "\n")
    signed = signing.run("sign")
    assert signed.returncode == 0, signed.stderr
    with Store.open(home) as store:
        exported = export_bundle(store, SOURCE_CASE, root / "case.dvwbundle", "eng1", password_of("eng1"))
    manifest = json.loads(zipfile.ZipFile(exported.output).read(MANIFEST_NAME))
    events = frozenset(str(event["event_id"]) for event in manifest["events"])
    artifacts = frozenset(str(item["sha256"]) for item in manifest["artifacts"])
    # ct.nrrd, bone-mask.nrrd, bone.stl, design.stl, the parameters, the check, the envelope, the load cases its
    # envelope names and the analysis' stress field (patient.json withheld)
    assert len(artifacts) == 9
    return Source(home, site_id, done.seconds, signed.seconds, exported.output, events, artifacts)


@pytest.fixture
def importer(people_home: tuple[Path, People], source: Source) -> Path:
    """A set-up workstation (another site than the source) whose administrator trusts the source site."""
    home, _people = people_home
    with Store.open(home) as store:
        assert store.site_id != source.site_id
        trust_site(store, source.site_id, by=sign_in(store, "admin1", password_of("admin1")))
    return home


# ------------------------------------------------------------------------------------------------ checks


@dataclass
class Findings:
    """Per kill point, what it found; the rules a point broke (all of them, reported at the end)."""

    command: str
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, outcome: Outcome, checks: Callable[[], str]) -> bool:
        """Run ``checks`` for ``outcome``: its finding is logged, or the rule it broke; True when it held."""
        try:
            found = checks()
        except AssertionError as exc:
            self.lines.append(f"{outcome.summary()}: FAILED: {exc}")
            self.failures.append(f"{self.command}, {outcome.summary()}: {exc}")
            return False
        self.lines.append(f"{outcome.summary()}: {found}")
        return True

    def show(self) -> None:
        print(f"\n== kill points of {self.command} (seed {_seed()})")  # noqa: T201
        for line in self.lines:
            print(f"   {line}")  # noqa: T201

    def assert_held(self, started: list[Outcome], *, tried: int = 9, killed: int = 7) -> None:
        """Every point held, at least ``tried`` were tried and at least ``killed`` kills ended the command (a random
        delay near the end may fall after a faster run's end: that point then checks an unkilled command)."""
        assert not self.failures, "\n".join(self.failures)
        assert len(started) >= tried, [outcome.summary() for outcome in started]
        assert sum(1 for outcome in started if outcome.killed) >= killed, [outcome.summary() for outcome in started]


def random_points(name: str, duration: float) -> list[KillPoint]:
    """Right after the start, then RANDOM_POINTS[name] seeded delays drawn across ``duration`` (an unkilled run's)."""
    rng = random.Random(f"{_seed()}-{name}")
    delays = sorted(rng.uniform(0.02, 0.85) * duration for _ in range(RANDOM_POINTS[name]))
    return [KillPoint("start", 0.0), *(KillPoint(f"random-{i + 1}", delay) for i, delay in enumerate(delays))]


def reopen(home: Path, outcome: Outcome) -> tuple[list[str], Store]:
    """What the dead process left in the home, and the store opened again (as the next command opens it): its audit
    must be clean, and after the opening nothing of the dead process may be left."""
    left_by_kill = leftovers(home)
    store = Store.open(home)
    try:
        report = store.verify()
        problems = [str(problem) for problem in report.problems]
        assert report.ok, f"the audit fails: {problems}; the kill left {left_by_kill}"
        left = leftovers(home)
        assert not left, f"left after the store was opened again: {left} (the kill left {left_by_kill})"
    except BaseException:
        store.close()
        raise
    return left_by_kill, store


def _count(home: Path) -> int:
    with Store.open(home) as store:
        return store.event_count()


def _given(point: KillPoint, *_where: object) -> KillPoint:
    """A kill point that does not depend on the command or its folders."""
    return point


def new_artifact(home: Path) -> Callable[[], bool]:
    """A trigger: a file appears in the store's artifacts/ that was not there when the trigger was made."""
    return new_file_under(home / ARTIFACTS_DIR, files_under(home / ARTIFACTS_DIR))


def wal_grows(home: Path) -> Callable[[], bool]:
    """A trigger: the store's write-ahead log holds something (a transaction is being committed)."""
    wal = home / f"{DB_NAME}-wal"

    def trigger() -> bool:
        try:
            return wal.stat().st_size > 0
        except FileNotFoundError:
            return False

    return trigger


# ------------------------------------------------------------------------------------------------ dvw run --case


def complete_outputs(out: Path, sample: Sample) -> None:
    """Every output under its final name in ``out`` is whole (a killed run may leave some missing, never cut)."""
    for name in ("ct.nrrd", "bone-mask.nrrd"):
        if (out / name).exists():
            assert read_volume(out / name).size == SMALL_CASE.size, f"{name} is not the whole volume"
    for name in ("bone.stl", "design.stl"):
        if (out / name).exists():
            assert read_mesh(out / name).n_triangles > 0, f"{name} has no triangles"
    for name in ("design.params.json", "design.check.json"):
        if (out / name).exists():
            json.loads((out / name).read_text(encoding="utf-8"))
    for name, original in (("envelope.toml", sample.envelope), ("patient.json", sample.patient)):
        if (out / name).exists():
            assert (out / name).read_bytes() == original.read_bytes(), f"{name} is not a whole copy"


@dataclass
class RunPoint:
    """One kill point of ``dvw run --case`` on a copy of the set-up home: its case code, output folder and command
    (a point may share them with the one before it: the same command killed again)."""

    home: Path
    code: str
    out: Path
    command: Command
    make: Callable[[RunPoint], KillPoint]
    events: list[str] | None = None
    temp_outputs: list[str] = field(default_factory=list)


def _kinds(home: Path, code: str) -> list[str]:
    with Store.open(home) as store:
        return [event.kind for event in store.events(code)]


def _check_run(item: RunPoint, outcome: Outcome, sample: Sample, before: int) -> str:
    left_by_kill, store = reopen(item.home, outcome)
    with store:
        events = store.events(item.code)
        added = store.event_count() - before
    kinds = [event.kind for event in events]
    assert kinds in ([], RUN_EVENTS), f"half a run's events: {kinds}"
    assert added == len(kinds), f"{added} events added, {kinds} of the case"
    printed = outcome.json()
    acknowledged = printed is not None or f"case {item.code} revision" in outcome.stderr
    if acknowledged:
        assert kinds == RUN_EVENTS, f"acknowledged, but the store holds {kinds}"
    if printed is not None:
        check_run = events[-1].payload
        assert printed["case"]["recorded"] == RUN_EVENTS
        assert (check_run["parameters_sha256"], check_run["verdict"]) == (
            printed["parameters_sha256"],
            printed["verdict"],
        )
    complete_outputs(item.out, sample)
    state = "acknowledged" if acknowledged else "not acknowledged"
    return (
        f"{state}; case events {kinds or 'none'}; the kill left {left_by_kill or 'nothing'} in the home, "
        f"{item.temp_outputs or 'no'} temporary files in its output folder; audit ok, nothing left once reopened"
    )


def _check_run_again(item: RunPoint, done: Outcome, sample: Sample, temp_before: list[str]) -> str:
    assert done.returncode == 3, done.stderr
    printed = done.json()
    assert printed is not None
    assert printed["case"]["recorded"] == (RUN_EVENTS if item.events == [] else [])
    left, store = reopen(item.home, done)
    with store:
        assert [event.kind for event in store.events(item.code)] == RUN_EVENTS
    assert not left, f"the run left {left}"
    complete_outputs(item.out, sample)
    return (
        f"the same command again: recorded {printed['case']['recorded'] or 'nothing new'}; temporary files in its "
        f"output folder before {temp_before or 'none'}, after {hidden_files(item.out) or 'none'}; audit ok"
    )


def test_run_case_killed_anywhere_keeps_the_store_whole(
    env: Env, people_home: tuple[Path, People], sample: Sample, source: Source, tmp_path: Path
) -> None:
    template, _people = people_home
    findings = Findings("dvw run --case")
    variables = env.ready()
    points: list[RunPoint] = []

    def add(make: Callable[[RunPoint], KillPoint], *, again: bool = False) -> None:
        if again:  # the command of the point before, killed again on the same store
            last = points[-1]
            points.append(RunPoint(last.home, last.code, last.out, last.command, make))
            return
        index = len(points) + 1
        home, code, out = tmp_path / f"home-{index:02d}", f"KILL-RUN-{index:02d}", tmp_path / f"out-{index:02d}"
        shutil.copytree(template, home)
        command = Command(sample.run_argv(home, code, out), tmp_path / "logs", variables, password_of("eng1") + "\n")
        points.append(RunPoint(home, code, out, command, make))

    for given in random_points("run", source.run_seconds):
        add(functools.partial(_given, given))
    add(lambda p: KillPoint("case recorded printed", trigger=text_in(lambda: p.command.running_stderr, " revision ")))
    # Killed while an output is written, then (the same command again) when the first file appears in artifacts/,
    # renamed into place with its record not yet committed; then run to the end once more.
    add(lambda p: KillPoint("output being written", trigger=hidden_file_in(p.out)))
    add(lambda p: KillPoint("artifact file appears", trigger=new_artifact(p.home)), again=True)

    kills: list[Outcome] = []
    try:
        for item in points:
            before = _count(item.home)
            outcome = item.command.kill(item.make(item))
            kills.append(outcome)
            item.temp_outputs = hidden_files(item.out)
            findings.check(outcome, functools.partial(_check_run, item, outcome, sample, before))
            item.events = _kinds(item.home, item.code)
        last = points[-1]
        done = last.command.run(f"again-{last.code}")
        findings.check(done, functools.partial(_check_run_again, last, done, sample, last.temp_outputs))
    finally:
        findings.show()
    findings.assert_held(kills)


# ------------------------------------------------------------------------------------------------ dvw sign


def sign_argv(home: Path) -> list[str]:
    """``dvw sign SOURCE_CASE`` by the clinician (password on stdin)."""
    return [
        "--home",
        str(home),
        "sign",
        SOURCE_CASE,
        "--user",
        "clin1",
        "--meaning",
        MEANING,
        "--password-stdin",
        "--json",
    ]


def _signatures(store: Store) -> list[str]:
    return [event.event_id for event in store.events(SOURCE_CASE) if event.kind == "signature"]


def test_sign_killed_anywhere_keeps_the_store_whole(env: Env, source: Source, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(source.home, home)
    command = Command(sign_argv(home), tmp_path / "logs", env.ready(), password_of("clin1") + "\n")
    findings = Findings("dvw sign")

    def state() -> tuple[list[str], int]:
        with Store.open(home) as store:
            return _signatures(store), store.event_count()

    def check(outcome: Outcome, before: list[str], count: int) -> str:
        left_by_kill, store = reopen(home, outcome)
        with store:
            after = _signatures(store)
            added = store.event_count() - count
            held = {event.event_id: event for event in store.events(SOURCE_CASE)}
        new = after[len(before) :]
        assert after[: len(before)] == before
        assert len(new) in (0, 1), f"{len(new)} signatures added"
        assert added == len(new), f"added {added} events, signatures {new}"
        printed = outcome.json()
        if printed is not None:
            assert printed["event_id"] in held, "the printed signature is not in the store"
            assert held[printed["event_id"]].hash == printed["hash"]
            assert new == [printed["event_id"]]
        acknowledged = "acknowledged" if printed is not None else "not acknowledged"
        return f"{acknowledged}; {len(new)} signature added; the kill left {left_by_kill or 'nothing'}; audit ok"

    try:
        points = [
            *random_points("sign", source.sign_seconds),
            KillPoint("log grows (commit)", trigger=wal_grows(home)),
            KillPoint("signature printed", trigger=text_in(lambda: command.running_stdout, '"event_id"')),
        ]
        for point in points:
            before, count = state()
            outcome = command.kill(point)
            findings.check(outcome, functools.partial(check, outcome, before, count))
        before, count = state()
        done = command.run("again")
        assert done.returncode == 0, done.stderr
        findings.check(done, functools.partial(check, done, before, count))
    finally:
        findings.show()
    findings.assert_held(command.started)


# ------------------------------------------------------------------------------------------------ dvw bundle import


def test_bundle_import_killed_anywhere_keeps_the_store_whole(
    env: Env, source: Source, importer: Path, tmp_path: Path
) -> None:
    findings = Findings("dvw bundle import")
    variables = env.ready()
    started: list[Outcome] = []

    def fresh(name: str) -> tuple[Path, Command]:
        home = tmp_path / name
        shutil.copytree(importer, home)
        argv = ["--home", str(home), "bundle", "import", str(source.bundle), "--user", "eng1", "--password-stdin"]
        return home, Command([*argv, "--json"], tmp_path / "logs", variables, password_of("eng1") + "\n")

    def check(home: Path, outcome: Outcome, count: int, result: dict[str, bool]) -> str:
        left_by_kill, store = reopen(home, outcome)
        with store:
            events = store.events()
            held = {event.event_id for event in events} & source.bundle_events
            records = [event for event in events if event.kind == BUNDLE_IMPORTED]
            added = store.event_count() - count
            stored = {sha for sha in source.bundle_artifacts if store.artifact_info(sha) is not None}
        assert held in (set(), source.bundle_events), f"{len(held)} of the bundle's {len(source.bundle_events)} events"
        imported = held == source.bundle_events
        result["imported"], result["files"] = imported, bool(stored)
        assert len(records) == (1 if imported else 0), f"{len(records)} bundle_imported records"
        assert added == (len(source.bundle_events) + 1 if imported else 0), f"{added} events added"
        if imported:
            assert stored == source.bundle_artifacts, "the bundle's events are held without all their files"
        printed = outcome.json()
        if printed is not None:
            assert imported, "acknowledged, but the bundle's events are not in the store"
        acknowledged = "acknowledged" if printed is not None else "not acknowledged"
        what = "all events" if imported else "no events"
        files = f"{len(stored)} of {len(source.bundle_artifacts)} files recorded"
        return f"{acknowledged}; {what}, {files}; the kill left {left_by_kill or 'nothing'}; audit ok"

    try:
        home, command = fresh("unkilled")
        count = _count(home)
        measured = command.run("unkilled")
        assert measured.returncode == 0, measured.stderr
        findings.check(measured, functools.partial(check, home, measured, count, {}))
        plans: list[Callable[[Path, Command], KillPoint]] = [
            *(functools.partial(_given, given) for given in random_points("bundle", measured.seconds)),
            lambda h, _c: KillPoint("artifact file appears", trigger=new_artifact(h)),
            lambda h, _c: KillPoint("log grows (commit)", trigger=wal_grows(h)),
            lambda _h, c: KillPoint("import printed", trigger=text_in(lambda: c.running_stdout, '"events_added"')),
        ]
        for index, make in enumerate(plans):
            home, command = fresh(f"point-{index + 1:02d}")
            count = _count(home)
            outcome = command.kill(make(home, command))
            started.append(outcome)
            result: dict[str, bool] = {}
            held = findings.check(outcome, functools.partial(check, home, outcome, count, result))
            partial = result.get("files", False) and not result.get("imported", False)
            if held and not partial:
                continue  # nothing or everything imported: running again is an unkilled import, or imports nothing
            # The same command again on the same store: it completes, and the store holds the bundle once.
            done = command.run("again")

            def rerun(home: Path = home, done: Outcome = done, count: int = count, imported: bool = False) -> str:
                assert done.returncode == 0, done.stderr
                printed = done.json()
                assert printed is not None
                assert printed["events_added"] == (0 if imported else len(source.bundle_events))
                final: dict[str, bool] = {}
                found = check(home, done, count, final)
                assert final["imported"]
                return f"run again: {found}"

            findings.check(done, functools.partial(rerun, imported=result.get("imported", False)))
    finally:
        findings.show()
    findings.assert_held(started)


# ------------------------------------------------------------------------------------------------ dvw sync

SYNC_DESIGN_BYTES = CHUNK_BYTES + 1_234_567
"""A design of 5.4 MB: its upload and its download span two 4 MiB chunks."""


@dataclass
class SyncWorld:
    """A real server in its own process (SQLite) and two sites joined to it: ``site`` runs the killed ``dvw sync``
    (its store is closed meanwhile), ``other`` records and pushes, in this process, what ``site`` pulls."""

    server: ProcessServer
    server_store: ServerStore
    db: Path
    site: Site
    other: Site
    cases: int = 0

    def new_case(self, site: Site) -> str:
        """A new signed case at ``site`` (its store open) with a design of several chunks; the design's SHA-256."""
        self.cases += 1
        design = random.Random(f"{_seed()}-design-{self.cases}").randbytes(SYNC_DESIGN_BYTES)
        return add_signed_case(site, f"KILL-SYNC-{self.cases:02d}", design=design)["design"]

    def argv(self) -> list[str]:
        """``dvw sync`` of ``site`` by its engineer (password on stdin), who trusts the sites the server lists."""
        user = self.site.person("engineer").user_id
        return ["--home", str(self.site.home), "sync", "--user", user, "--password-stdin", "--json"]


@contextlib.contextmanager
def opened(site: Site) -> Iterator[Store]:
    """The site's store opened in this process for a while (closed again: the killed command opens it itself)."""
    site.store = Store.open(site.home)
    try:
        yield site.store
    finally:
        site.store.close()


@pytest.fixture(scope="module")
def sync_world(tmp_path_factory: pytest.TempPathFactory, env: Env) -> Iterator[SyncWorld]:
    root = tmp_path_factory.mktemp("kill-sync")
    db = root / "server" / "dvw-server.sqlite"
    db.parent.mkdir()
    server_store = ServerStore.open(f"sqlite:///{db}")  # migrated before the server starts, as dvw serve does
    server = ProcessServer(f"sqlite:///{db}", root / "server-home")
    sites: list[Site] = []
    try:
        server.start()
        for name in ("kill-a", "kill-b"):
            sites.append(Site(name, Store.open(root / name)))
            join(sites[-1].store, server.url, server_store.enroll_site(name).token)
        world = SyncWorld(server, server_store, db, *sites)
        world.new_case(world.site)
        world.new_case(world.other)
        settle(server.url, *sites)  # each engineer trusts the other site; every event and file on both
        world.site.store.close()
        # Once through the command line (nothing to move), so that the first measured run is not a cold start.
        warm = Command(world.argv(), root / "logs", env.ready(), PASSWORD + "\n").run("warm-up")
        assert warm.returncode == 0, warm.stderr
        yield world
    finally:
        server.stop()
        for site in sites:
            site.store.close()
        server_store.close()


@dataclass(frozen=True)
class SyncBefore:
    """Before a command: how many of the site's events the server held, and of the other site's the site held."""

    on_server: int
    pulled: int


@dataclass(frozen=True)
class SyncState:
    """What the site and the server hold of the two chains (hashes in chain order) and of the files they name."""

    own: list[str]
    on_server: list[str]
    pulled: list[str]
    theirs: list[str]
    travelling: set[str]
    uploaded: set[str]
    available: set[str]
    held: set[str]

    def summary(self) -> str:
        return (
            f"the server holds {len(self.on_server)} of the site's {len(self.own)} events and {len(self.uploaded)} "
            f"of its {len(self.travelling)} files; the site holds {len(self.pulled)} of the other's "
            f"{len(self.theirs)} events and {len(self.held)} of {len(self.available)} files"
        )


def _chain(events: list[Event], site_id: str) -> list[str]:
    return [event.hash for event in events if event.site_id == site_id]


def _server_chain(world: SyncWorld, site_id: str) -> list[str]:
    return [str(event["hash"]) for event in world.server_store.events_after(site_id, "", 1_000_000)]


def _sync_state(world: SyncWorld, store: Store) -> SyncState:
    """The state of the site (``store``, open) and the server; the files that travel are those not withheld."""
    other = world.other.store
    events = store.events()
    kinds = {info.sha256: info.kind for info in store.artifacts()}
    travelling = {
        sha
        for event in events
        if event.site_id == store.site_id
        for sha in named_sha256(event.payload)
        if sha in kinds and kinds[sha] not in WITHHELD_KINDS
    }
    wanted = {sha for event in events if event.site_id != store.site_id for sha in named_sha256(event.payload)}
    available = {status.sha256 for status in world.server_store.artifact_status(wanted)}
    return SyncState(
        own=_chain(events, store.site_id),
        on_server=_server_chain(world, store.site_id),
        pulled=_chain(events, other.site_id),
        theirs=_chain(other.events(), other.site_id),
        travelling=travelling,
        uploaded={status.sha256 for status in world.server_store.artifact_status(travelling)},
        available=available,
        held=available & set(kinds),
    )


def _partial_files(home: Path) -> list[str]:
    folder = home / SYNC_DIR / PARTIAL_DIR
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def _sync_before(world: SyncWorld) -> SyncBefore:
    with opened(world.site) as store:
        pulled = len(_chain(store.events(), world.other.store.site_id))
    return SyncBefore(len(_server_chain(world, world.site.store.site_id)), pulled)


def _server_row(db: Path, query: str, *values: object) -> tuple[object, ...] | None:
    """One row of the server's SQLite database, read-only (None when there is none or the database is busy)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05)) as conn:
            row: tuple[object, ...] | None = conn.execute(query, values).fetchone()
    except sqlite3.OperationalError:
        return None
    return row


def upload_under_way(db: Path, sha: str) -> Callable[[], bool]:
    """A trigger: the server's database holds part of artifact ``sha`` (at least one chunk, not all of them)."""

    def trigger() -> bool:
        row = _server_row(db, "SELECT received, complete FROM artifacts WHERE sha256 = ?", sha)
        return row is not None and int(str(row[0])) > 0 and not row[1]

    return trigger


def server_chain_grows(db: Path, site_id: str, held: int) -> Callable[[], bool]:
    """A trigger: the server's database holds more than ``held`` events of the site (a pushed batch is stored)."""

    def trigger() -> bool:
        row = _server_row(db, "SELECT count(*) FROM events WHERE site_id = ?", site_id)
        return row is not None and int(str(row[0])) > held

    return trigger


def sync_file_being_written(home: Path, name: str, after_stage: str = "") -> Callable[[], bool]:
    """A trigger: the sync's file ``name`` (``session.json``, ``last_sync.json``) is being written: a temporary file
    of it exists, beside it in ``sync/`` or in a scratch folder of the store; with ``after_stage``, only once
    ``sync/session.json`` names that stage (the session of the stage after it is being written)."""
    session = home / SYNC_DIR / "session.json"

    def trigger() -> bool:
        if after_stage and f'"{after_stage}"' not in (session.read_text(encoding="utf-8") if session.is_file() else ""):
            return False
        try:
            with os.scandir(home) as entries:
                folders = [entry.path for entry in entries if entry.name.startswith(SCRATCH_PREFIX)]
        except FileNotFoundError:
            return False
        for folder in [*folders, str(home / SYNC_DIR)]:
            try:
                with os.scandir(folder) as entries:
                    if any(entry.name.lstrip(".").startswith(f"{name}.") for entry in entries):
                        return True
            except (FileNotFoundError, NotADirectoryError):
                continue
        return False

    return trigger


def _check_printed(state: SyncState, printed: dict[str, Any] | None, before: SyncBefore) -> None:
    """A printed result (the sync acknowledged): the server's head of the site is the site's head, the server holds
    the site's files, the site holds the other site's events and files, and the counts printed are what moved."""
    if printed is None:
        return
    assert state.on_server[-1:] == state.own[-1:], "acknowledged, but the server's head of the site is not its head"
    # At most: a request of an earlier killed run may have been stored after ``before`` was counted.
    assert printed["pushed"] <= len(state.on_server) - before.on_server, (printed["pushed"], before)
    assert state.uploaded == state.travelling, f"acknowledged, but the server lacks {state.travelling - state.uploaded}"
    assert state.pulled == state.theirs, "acknowledged, but the other site's events are not all held"
    assert printed["pulled"] == len(state.pulled) - before.pulled, (printed["pulled"], before)
    assert state.held == state.available, f"acknowledged, but the pulled files {state.available - state.held} lack"


def _check_sync(world: SyncWorld, outcome: Outcome, before: SyncBefore) -> str:
    """After a ``dvw sync`` (killed or not): both audits, the chains' prefixes, what a printed result promises."""
    left_by_kill, store = reopen(world.site.home, outcome)  # the site's audit, no scratch left once reopened
    world.site.store = store
    with store:
        state = _sync_state(world, store)
    server_audit = world.server_store.verify()
    assert server_audit.ok, f"the server's audit fails: {server_audit.problems}; the kill left {left_by_kill}"
    assert state.own[: len(state.on_server)] == state.on_server, "the server's copy of the site's chain is no prefix"
    assert state.theirs[: len(state.pulled)] == state.pulled, "the pulled events are no prefix of the other chain"
    parts = _partial_files(world.site.home)
    assert all(name.endswith(".part") for name in parts), f"sync/partial/ holds {parts}"
    printed = outcome.json()
    _check_printed(state, printed, before)
    acknowledged = "acknowledged" if printed is not None else "not acknowledged"
    return (
        f"{acknowledged}; {state.summary()}; parts {parts or 'none'}; the kill left {left_by_kill or 'nothing'}; "
        "both audits ok, nothing left once reopened"
    )


def _check_sync_again(world: SyncWorld, done: Outcome, before: SyncBefore) -> str:
    """The same ``dvw sync`` run again to its end: it succeeds, converges and leaves no part or scratch behind."""
    assert done.returncode == 0, done.stderr
    printed = done.json()
    assert printed is not None, done.stdout
    left = leftovers(world.site.home)
    assert not left, f"the completed sync left {left}"
    assert not _partial_files(world.site.home), f"sync/partial/ holds {_partial_files(world.site.home)}"
    with opened(world.site) as store:
        assert_converged(world.server_store, world.site)  # both audits; the same events on the site and the server
        state = _sync_state(world, store)
    _check_printed(state, printed, before)
    return f"run again: pushed {printed['pushed']}, pulled {printed['pulled']}; {state.summary()}; converged"


def _sync_kill_points(
    world: SyncWorld,
    name: str,
    tmp_path: Path,
    variables: dict[str, str],
    prepare: Callable[[], str],
    watched: list[Callable[[str, Command], KillPoint]],
) -> None:
    """Measure an unkilled ``dvw sync`` of ``prepare``'s new work, then per kill point: new work, the kill, the
    checks, and the same sync again to its end (checked too). ``prepare`` returns the new design's SHA-256."""
    findings = Findings(f"dvw sync ({name})")
    command = Command(world.argv(), tmp_path / "logs", variables, PASSWORD + "\n")
    started: list[Outcome] = []
    try:
        prepare()
        before = _sync_before(world)
        measured = command.run("unkilled")
        assert measured.returncode == 0, measured.stderr
        findings.check(measured, functools.partial(_check_sync, world, measured, before))
        plans = [*(functools.partial(_given, given) for given in random_points(f"sync-{name}", measured.seconds))]
        for make in [*plans, *watched]:
            sha = prepare()
            before = _sync_before(world)
            outcome = command.kill(make(sha, command))
            started.append(outcome)
            findings.check(outcome, functools.partial(_check_sync, world, outcome, before))
            before = _sync_before(world)
            done = command.run("again")
            findings.check(done, functools.partial(_check_sync_again, world, done, before))
    finally:
        findings.show()
    findings.assert_held(started, tried=8, killed=6)
    with opened(world.site):
        settle(world.server.url, world.site, world.other)
        assert_converged(world.server_store, world.site, world.other)


def test_sync_push_killed_anywhere_keeps_both_sides_whole(env: Env, sync_world: SyncWorld, tmp_path: Path) -> None:
    world = sync_world
    home = world.site.home

    def prepare() -> str:
        with opened(world.site):
            return world.new_case(world.site)

    site_id = world.site.store.site_id

    def events_stored(_sha: str, _command: Command) -> KillPoint:
        held = len(_server_chain(world, site_id))
        return KillPoint("events stored on the server", trigger=server_chain_grows(world.db, site_id, held))

    # No local commit to watch: a push writes nothing to the store (the log-grows point is the pull's).
    watched: list[Callable[[str, Command], KillPoint]] = [
        events_stored,
        lambda sha, _c: KillPoint("upload under way", trigger=upload_under_way(world.db, sha)),
        lambda _s, _c: KillPoint("last_sync.json written", trigger=sync_file_being_written(home, "last_sync.json")),
        lambda _s, c: KillPoint("result printed", trigger=text_in(lambda: c.running_stdout, '"pushed"')),
    ]
    _sync_kill_points(world, "push", tmp_path, env.ready(), prepare, watched)


def test_sync_pull_killed_anywhere_keeps_both_sides_whole(env: Env, sync_world: SyncWorld, tmp_path: Path) -> None:
    world = sync_world
    home = world.site.home

    def prepare() -> str:
        sha = world.new_case(world.other)
        world.other.sync(world.server.url)  # the other site pushes first (and pulls what the site pushed)
        return sha

    watched: list[Callable[[str, Command], KillPoint]] = [
        lambda _s, _c: KillPoint("log grows (commit)", trigger=wal_grows(home)),
        lambda _s, _c: KillPoint(
            "download under way", trigger=new_file_under(home / SYNC_DIR, files_under(home / SYNC_DIR))
        ),
        lambda _s, _c: KillPoint("artifact file appears", trigger=new_artifact(home)),
        lambda _s, _c: KillPoint(
            "session.json of pull_artifacts written",
            trigger=sync_file_being_written(home, "session.json", after_stage="pull_events"),
        ),
        lambda _s, c: KillPoint("result printed", trigger=text_in(lambda: c.running_stdout, '"pushed"')),
    ]
    _sync_kill_points(world, "pull", tmp_path, env.ready(), prepare, watched)
