"""Case bundles: one signed file with a case's events and artifacts, for offline transfer between sites.

A bundle is a ZIP file (entries in a fixed order, every timestamp 1980-01-01 00:00:00) holding:

``manifest.json``
    The canonical JSON (keys sorted, compact, UTF-8) of::

        {"format": "dvw-bundle/1", "case_code", "site_id" (the exporting site), "created_at",
         "exported_by": {"user_id", "printed_name", "role", "public_key_sha256"},
         "events": [Event.to_json(), ...],            # in the exporting store's log order
         "artifacts": [{"sha256", "size", "kind"}, ...],  # sorted by SHA-256
         "withheld": [{"sha256", "kind", "reason"}, ...]}  # the case's artifacts that never leave the site

``signature.json``
    ``{"format": "dvw-bundle-signature/1", "algorithm": "Ed25519", "user_id", "public_key_sha256",
    "manifest_sha256", "signature"}``: the exporting user's Ed25519 signature (base64) over the canonical JSON of
    ``{"format": "dvw-bundle/1", "manifest_sha256": <SHA-256 of the manifest.json bytes>}``.

``artifacts/<sha256>``
    Each artifact's bytes.

What goes in. A store accepts another site's events only in that site's chain order, so for every site the bundle
carries the site's chain from its first event up to the last event the case needs: the case's events, and the
``user_added``/``user_disabled`` events of the case's actors and of the exporting user (the importer checks
signatures with those keys). Earlier events of other cases come along as they are: pseudonymous by construction.
The artifacts are those named by SHA-256 in the case's events that the store holds, except DICOM instances and
patient files (kinds :data:`WITHHELD_KINDS`), which carry patient identity; the ``patient_identity`` table is never
read into a bundle, and every exported payload is screened against the recorded identity of its case.

Import checks everything before writing anything: safe ZIP entries and sizes, every event's hash and every site's
chain, the signature against the exporting user's key from the bundle's ``user_added`` event (and against the key
this store already knows for that user), every case signature, and every artifact's SHA-256 and size. Then the
events are imported in one transaction (events already held are skipped) and the artifacts stored; importing the
same bundle twice adds nothing.

Trust: the signature proves who exported the bundle only as far as that user's ``user_added`` event is trusted, and
a whole new site, with its own users and keys, is easy to make. So a store imports events only of sites it trusts:
those the company's sync server listed when this store synced, and those an administrator trusted by hand (``dvw
site trust``); a bundle holding events of any other site is refused (:class:`~records.errors.UntrustedSiteError`).
Every imported event must also hold as the audit judges it (:mod:`records.trust`): attested by an enabled user of
its own site, user events by that site's administrators, signatures that approve exactly what the log holds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from base.files import sha256_file, write_atomically
from base.safe_load import DataFileError, decode_text, parse_json
from records.audit import AuditReport
from records.errors import (
    ArtifactChangedError,
    BundleError,
    BundleIntegrityError,
    BundleSignatureError,
    EventHashError,
    IdentityInPayloadError,
    InvalidEventError,
)
from records.events import (
    CASE_CREATED,
    EVENT_KEYS,
    SIGNATURE,
    Event,
    NewEvent,
    canonical_json,
    check_case_code,
    check_payload_privacy,
    event_from_json,
    format_time,
    is_event_id,
    is_sha256,
)
from records.payloads import (
    BundleImported,
    CheckRun,
    ReverificationRecorded,
    UserAdded,
    UserDisabled,
    read_or_none,
    to_payload,
)
from records.signatures import events_signature_checker
from records.store import Store
from records.users import User, unlock_signing_key, users_from_events

BUNDLE_FORMAT = "dvw-bundle/1"
SIGNATURE_FORMAT = "dvw-bundle-signature/1"
ALGORITHM = "Ed25519"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "signature.json"
ARTIFACTS_PREFIX = "artifacts/"
WITHHELD_KINDS = frozenset({"dicom", "patient"})
"""Artifact kinds that never leave the site in a bundle (they carry patient identity)."""
MAX_TOTAL_BYTES = 16 * 1024**3
"""Default cap on a bundle's total uncompressed size (16 GiB): a larger bundle is refused as a possible zip bomb."""
MAX_JSON_BYTES = 128 * 1024**2
"""Cap on ``manifest.json`` (128 MiB) and ``signature.json``: they are read into memory."""
MAX_JSON_RATIO = 50
"""Largest compression ratio of the JSON entries: event JSON (hashes, base64) deflates 3-8x; far more is a bomb."""
BUNDLE_IMPORTED = "bundle_imported"
"""Site-level event: who imported which bundle (its SHA-256), from which site, with how many events."""

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BundleExport:
    """What :func:`export_bundle` wrote.

    Attributes
    ----------
    output
        The bundle file.
    sha256
        SHA-256 (hex) of the bundle file.
    case_code
        The case exported.
    events
        Number of events in the bundle (the case's and the chain prefixes they need).
    artifacts
        Number of artifacts in the bundle.
    withheld
        SHA-256 of the case's artifacts left out for privacy (kinds :data:`WITHHELD_KINDS`).
    size
        The bundle's size in bytes.
    """

    output: Path
    sha256: str
    case_code: str
    events: int
    artifacts: int
    withheld: tuple[str, ...]
    size: int

    def to_json(self) -> dict[str, Any]:
        """``{"output", "sha256", "case", "events", "artifacts", "withheld", "bytes"}``."""
        return {
            "output": str(self.output),
            "sha256": self.sha256,
            "case": self.case_code,
            "events": self.events,
            "artifacts": self.artifacts,
            "withheld": list(self.withheld),
            "bytes": self.size,
        }


@dataclass(frozen=True)
class BundleImport:
    """What :func:`import_bundle` did.

    Attributes
    ----------
    case_code
        The bundle's case.
    site_id
        The exporting site.
    exported_by
        The user id who signed the bundle.
    events_added, events_held
        Events newly stored, and events this store already held (skipped).
    artifacts_added
        Artifacts newly stored.
    audit
        The store's audit (hashes, chains, artifacts, signatures) after the import.
    """

    case_code: str
    site_id: str
    exported_by: str
    events_added: int
    events_held: int
    artifacts_added: int
    audit: AuditReport

    def to_json(self) -> dict[str, Any]:
        """``{"case", "events_added", "events_held", "artifacts_added", "audit_ok"}`` plus site and signer."""
        return {
            "case": self.case_code,
            "site_id": self.site_id,
            "exported_by": self.exported_by,
            "events_added": self.events_added,
            "events_held": self.events_held,
            "artifacts_added": self.artifacts_added,
            "audit_ok": self.audit.ok,
        }


# ---------------------------------------------------------------------------------------------------- export


def _named_sha256(value: Any) -> Iterator[str]:
    """Every SHA-256-shaped text in a JSON value (keys and values)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _named_sha256(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _named_sha256(item)
    elif is_sha256(value):
        yield str(value)


def _bundle_events(events: Sequence[Event], code: str, exporter: str) -> list[Event]:
    """The case's events and, per site, the chain prefix they and the relevant user events need (log order)."""
    case_events = [event for event in events if event.case_code == code]
    users = {event.actor for event in case_events if event.actor is not None} | {exporter}
    needed = {event.event_id for event in case_events}
    for event in events:
        if event.case_code is not None:
            continue
        named = read_or_none(event, UserAdded) or read_or_none(event, UserDisabled)
        if named is not None and named.user_id in users:
            needed.add(event.event_id)
    last: dict[str, int] = {}
    for index, event in enumerate(events):
        if event.event_id in needed:
            last[event.site_id] = index
    return [event for index, event in enumerate(events) if index <= last.get(event.site_id, -1)]


def _stored_by_this_site(events: Sequence[Event], code: str, site_id: str) -> dict[str, str]:
    """SHA-256 -> role of every file this site's checks and re-verifications of the case stored (they must be held)."""
    stored: dict[str, str] = {}
    for event in events:
        if event.case_code != code or event.site_id != site_id:
            continue
        checked = read_or_none(event, CheckRun)
        if checked is not None:
            stored.update({sha: role for role, sha in checked.artifacts.items() if role != "patient"})
        answer = read_or_none(event, ReverificationRecorded)
        if answer is not None:
            stored.update(dict.fromkeys(answer.evidence_sha256, "evidence"))
    return stored


def _check_export_chains(events: Sequence[Event], store: Store) -> None:
    """Refuse to export a log that does not verify (the importer would refuse it anyway, less clearly)."""
    heads: dict[str, str] = {}
    for event in events:
        if event.computed_hash() != event.hash:
            raise BundleIntegrityError(
                f"event seq {event.seq} ({event.event_id}) of this store does not match its hash; run dvw audit verify",
                path=str(store.path),
            )
        if event.prev_hash != heads.get(event.site_id, ""):
            raise BundleIntegrityError(
                f"the chain of site {event.site_id} is broken at event seq {event.seq} ({event.event_id}) in this "
                "store; run dvw audit verify",
                path=str(store.path),
            )
        heads[event.site_id] = event.hash


def _screen_privacy(store: Store, events: Sequence[Event]) -> None:
    """Refuse an export whose payloads hold a case's recorded patient identity (keys or values)."""
    identities: dict[str, list[str]] = {}
    for event in events:
        values: list[str] = []
        if event.case_code is not None:
            if event.case_code not in identities:
                found = store.patient_identity(event.case_code)
                identities[event.case_code] = (
                    [] if found is None else [v for v in (found.name, found.patient_id, found.birth_date) if v]
                )
            values = identities[event.case_code]
        try:
            check_payload_privacy(event.payload, values)
        except IdentityInPayloadError as exc:
            raise IdentityInPayloadError(
                f"event seq {event.seq} ({event.event_id}) may not leave the site: {exc.message}"
            ) from None


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever the platform: the same bytes everywhere
    info.external_attr = 0o644 << 16
    return info


def _copy_artifact(store: Store, sha: str, sink: IO[bytes]) -> None:
    """Copy an artifact into the bundle, re-hashing it on the way (a file changed on disk is refused)."""
    digest = hashlib.sha256()
    with store.artifact_path(sha).open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            sink.write(chunk)
    if digest.hexdigest() != sha:
        raise ArtifactChangedError(f"artifact {sha} changed on disk while it was exported", path=str(store.path))


def signed_message(manifest_sha256: str) -> bytes:
    """The bytes a bundle signature covers: canonical JSON of the format and the manifest's SHA-256 (hex)."""
    return canonical_json({"format": BUNDLE_FORMAT, "manifest_sha256": manifest_sha256}).encode("utf-8")


def export_bundle(
    store: Store,
    case_code: str,
    output: Path,
    user_id: str,
    password: str,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> BundleExport:
    """Write a case's signed bundle (see the module docstring) atomically to ``output``.

    Parameters
    ----------
    store
        The local store.
    case_code
        The case to export.
    output
        The bundle file to write; its folder must exist.
    user_id, password
        The exporting user, who signs the bundle with their Ed25519 key.
    force
        Replace an existing ``output``.
    now
        The export time (timezone-aware); default now in the local zone.

    Returns
    -------
    BundleExport
        The file, its SHA-256 and size, and what it holds.

    Raises
    ------
    BundleError
        ``output`` exists without ``force``, or its folder does not exist.
    CaseNotFoundError
        No such case.
    UnknownUserError, UserDisabledError, WrongPasswordError, CredentialsError
        The exporting user cannot unlock their key.
    BundleIntegrityError
        This store's own log does not verify.
    IdentityInPayloadError
        An event payload holds the recorded patient identity of its case.
    ArtifactChangedError, ArtifactMissingError
        An artifact file changed or vanished.
    """
    target = Path(output)
    if target.exists() and not force:
        raise BundleError(f"output exists: {target} (use --force to replace it)", path=str(target))
    if not target.parent.is_dir():
        raise BundleError(f"no such folder: {target.parent}", path=str(target.parent))
    at = datetime.now().astimezone() if now is None else now
    created_at = format_time(at)
    code = check_case_code(case_code)
    store.case(code)  # refuses an unknown case before the password is checked
    user, private_key = unlock_signing_key(store, user_id, password)
    all_events = store.events()
    events = _bundle_events(all_events, code, user.user_id)
    _check_export_chains(events, store)
    _screen_privacy(store, events)

    artifacts: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    named = sorted({sha for event in events if event.case_code == code for sha in _named_sha256(event.payload)})
    stored_here = _stored_by_this_site(events, code, store.site_id)
    for sha in named:
        info = store.artifact_info(sha)
        if info is None:
            if sha in stored_here:
                raise BundleIntegrityError(
                    f"the {stored_here[sha]} file {sha} this site's check stored has no artifact record in this "
                    "store; run dvw audit verify",
                    path=str(store.path),
                )
            continue  # named by hash only (a manifest id, an event hash, a file kept elsewhere)
        if info.kind in WITHHELD_KINDS:
            withheld.append({"sha256": sha, "kind": info.kind, "reason": "patient identity stays on the site"})
        else:
            artifacts.append({"sha256": sha, "size": info.size, "kind": info.kind})

    manifest = {
        "format": BUNDLE_FORMAT,
        "case_code": code,
        "site_id": store.site_id,
        "created_at": created_at,
        "exported_by": {
            "user_id": user.user_id,
            "printed_name": user.printed_name,
            "role": user.role,
            "public_key_sha256": user.public_key_sha256,
        },
        "events": [event.to_json() for event in events],
        "artifacts": artifacts,
        "withheld": withheld,
    }
    manifest_bytes = canonical_json(manifest).encode("utf-8")
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    signature = _sign(private_key, manifest_sha, user)
    signature_bytes = canonical_json(signature).encode("utf-8")

    def write(temp: Path) -> None:
        with zipfile.ZipFile(temp, "w", allowZip64=True) as bundle:
            bundle.writestr(_zip_info(MANIFEST_NAME), manifest_bytes)
            bundle.writestr(_zip_info(SIGNATURE_NAME), signature_bytes)
            for item in artifacts:
                with bundle.open(_zip_info(ARTIFACTS_PREFIX + item["sha256"]), "w", force_zip64=True) as sink:
                    _copy_artifact(store, item["sha256"], sink)

    sha = write_atomically(target, write)
    return BundleExport(
        output=target,
        sha256=sha,
        case_code=code,
        events=len(events),
        artifacts=len(artifacts),
        withheld=tuple(item["sha256"] for item in withheld),
        size=target.stat().st_size,
    )


def _sign(private_key: Ed25519PrivateKey, manifest_sha: str, user: User) -> dict[str, Any]:
    return {
        "format": SIGNATURE_FORMAT,
        "algorithm": ALGORITHM,
        "user_id": user.user_id,
        "public_key_sha256": user.public_key_sha256,
        "manifest_sha256": manifest_sha,
        "signature": base64.b64encode(private_key.sign(signed_message(manifest_sha))).decode("ascii"),
    }


# ---------------------------------------------------------------------------------------------------- import


@dataclass(frozen=True)
class _Bundle:
    """A bundle read and checked in memory (nothing written yet)."""

    case_code: str
    site_id: str
    exported_by: str
    events: tuple[Event, ...]
    event_json: tuple[dict[str, Any], ...]
    artifacts: Mapping[str, tuple[int, str]]


def _parse_json(data: bytes, name: str, where: str) -> dict[str, Any]:
    try:
        value = parse_json(decode_text(data, source=f"{where}:{name}", what=name), source=f"{where}:{name}", what=name)
    except DataFileError as exc:
        raise BundleError(f"{where}: {name} is not a valid DVW bundle document: {exc.message}", path=where) from None
    if not isinstance(value, dict):
        raise BundleError(f"{where}: {name} is not a JSON object", path=where)
    return value


def _check_entries(archive: zipfile.ZipFile, where: str, max_total_bytes: int) -> dict[str, zipfile.ZipInfo]:
    """Every entry, after refusing unsafe names, duplicates, unexpected entries, encryption and oversized sizes."""
    entries: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in archive.infolist():
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
            raise BundleError(f"{where}: unsafe entry name {name!r} (absolute path or '..')", path=where)
        expected = name in (MANIFEST_NAME, SIGNATURE_NAME) or (
            name.startswith(ARTIFACTS_PREFIX) and is_sha256(name[len(ARTIFACTS_PREFIX) :])
        )
        if not expected:
            raise BundleError(f"{where}: unexpected entry {name!r} in the bundle", path=where)
        if name in entries:
            raise BundleError(f"{where}: entry {name!r} appears twice", path=where)
        if info.flag_bits & 0x1:
            raise BundleError(f"{where}: entry {name!r} is encrypted", path=where)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BundleError(f"{where}: entry {name!r} uses an unsupported compression method", path=where)
        total += info.file_size
        if total > max_total_bytes:
            raise BundleError(
                f"{where}: the bundle unpacks to more than {max_total_bytes} bytes (refused as a possible zip bomb)",
                path=where,
            )
        entries[name] = info
    for name in (MANIFEST_NAME, SIGNATURE_NAME):
        if name not in entries:
            raise BundleError(f"{where}: not a DVW bundle: no {name}", path=where)
        info = entries[name]
        if info.file_size > MAX_JSON_BYTES:
            raise BundleError(f"{where}: {name} is larger than {MAX_JSON_BYTES} bytes", path=where)
        if info.file_size > 1024**2 and info.file_size > MAX_JSON_RATIO * max(info.compress_size, 1):
            raise BundleError(
                f"{where}: {name} unpacks {info.file_size // max(info.compress_size, 1)}-fold (refused as a possible "
                "zip bomb)",
                path=where,
            )
    return entries


def _read_limited(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> bytes:
    """An entry's bytes, never more than its declared size (a lying header cannot inflate memory)."""
    with archive.open(info) as source:
        data = source.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise BundleIntegrityError(f"{where}: entry {info.filename} does not have its declared size", path=where)
    return data


def _event_from_json(data: object, index: int, where: str) -> tuple[Event, dict[str, Any]]:
    """Check one event of the manifest (fields, hash) and return it and its JSON for the store."""
    label = f"{where}: manifest event {index}"
    if isinstance(data, dict) and isinstance(data.get("event_id"), str):
        label = f"{where}: event {data['event_id']}"
    try:
        event = event_from_json(data)
    except EventHashError as exc:
        raise BundleIntegrityError(f"{label}: {exc.message}: the event was edited", path=where) from None
    except InvalidEventError as exc:
        raise BundleError(f"{label}: {exc.message}", path=where) from None
    assert isinstance(data, dict)  # event_from_json refuses anything else
    return replace(event, seq=index + 1), {**{key: data[key] for key in EVENT_KEYS}, "attestation": event.attestation}


def _check_chains(events: Sequence[Event], where: str) -> None:
    """Each site's events must form its chain from its first event, without holes or forks."""
    heads: dict[str, str] = {}
    seen: set[str] = set()
    for event in events:
        if event.event_id in seen:
            raise BundleError(f"{where}: event {event.event_id} appears twice in the manifest", path=where)
        seen.add(event.event_id)
        expected = heads.get(event.site_id, "")
        if event.prev_hash != expected:
            raise BundleIntegrityError(
                f"{where}: the chain of site {event.site_id} breaks at event {event.event_id} (its prev_hash is "
                f"{event.prev_hash or '(none)'}, the previous event of that site in the bundle is "
                f"{expected or '(none)'})",
                path=where,
            )
        heads[event.site_id] = event.hash


def _check_signature(
    signature: Mapping[str, Any], manifest_bytes: bytes, exporter: User | None, user_id: object, where: str
) -> None:
    if signature.get("format") != SIGNATURE_FORMAT or signature.get("algorithm") != ALGORITHM:
        raise BundleSignatureError(
            f"{where}: signature.json is not a {SIGNATURE_FORMAT} {ALGORITHM} signature", path=where
        )
    if signature.get("user_id") != user_id:
        raise BundleSignatureError(
            f"{where}: signature.json names signer {signature.get('user_id')!r}, the manifest names {user_id!r}",
            path=where,
        )
    if exporter is None:
        raise BundleSignatureError(
            f"{where}: the exporting user {user_id!r} has no user_added event in the bundle", path=where
        )
    if signature.get("public_key_sha256") != exporter.public_key_sha256:
        raise BundleSignatureError(
            f"{where}: the signature names key {signature.get('public_key_sha256')!r}, user {exporter.user_id} has "
            f"key {exporter.public_key_sha256}",
            path=where,
        )
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    if signature.get("manifest_sha256") != manifest_sha:
        raise BundleSignatureError(
            f"{where}: manifest.json was changed after it was signed (its SHA-256 is {manifest_sha}, the signature "
            f"covers {signature.get('manifest_sha256')})",
            path=where,
        )
    try:
        raw = base64.b64decode(str(signature.get("signature", "")).encode("ascii"), validate=True)
        exporter.public_key().verify(raw, signed_message(manifest_sha))
    except (binascii.Error, UnicodeEncodeError, InvalidSignature):
        raise BundleSignatureError(
            f"{where}: the Ed25519 signature does not verify with the key of user {exporter.user_id}", path=where
        ) from None


def _artifact_list(manifest: Mapping[str, Any], where: str) -> dict[str, tuple[int, str]]:
    listed = manifest.get("artifacts")
    if not isinstance(listed, list):
        raise BundleError(f"{where}: manifest artifacts is not a list", path=where)
    artifacts: dict[str, tuple[int, str]] = {}
    for item in listed:
        if not isinstance(item, dict) or not is_sha256(item.get("sha256")):
            raise BundleError(f"{where}: a manifest artifact has no SHA-256", path=where)
        size, kind = item.get("size"), item.get("kind")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0 or not isinstance(kind, str) or not kind:
            raise BundleError(f"{where}: manifest artifact {item['sha256']} has a malformed size or kind", path=where)
        if item["sha256"] in artifacts:
            raise BundleError(f"{where}: manifest artifact {item['sha256']} is listed twice", path=where)
        artifacts[item["sha256"]] = (size, kind)
    return artifacts


def _check_case(events: Sequence[Event], code: str, where: str) -> list[Event]:
    """The case's events, after checking that the case is created and every case signature verifies."""
    case_events = [event for event in events if event.case_code == code]
    if not case_events or case_events[0].kind != CASE_CREATED:
        raise BundleError(f"{where}: the bundle holds no case_created event for case {code}", path=where)
    checker = events_signature_checker(events)
    for event in events:
        if event.kind == SIGNATURE and event.case_code is not None:
            problem = checker(event)
            if problem is not None:
                raise BundleSignatureError(f"{where}: case signature event {event.event_id}: {problem}", path=where)
    return case_events


def _check_artifact_entries(
    artifacts: Mapping[str, tuple[int, str]],
    case_events: Sequence[Event],
    entries: Mapping[str, zipfile.ZipInfo],
    code: str,
    where: str,
) -> None:
    """The listed artifacts are the case's, each has its entry, and every artifact entry is listed."""
    named = {sha for event in case_events for sha in _named_sha256(event.payload)}
    for sha in artifacts:
        if sha not in named:
            raise BundleError(f"{where}: artifact {sha} is not named by any event of case {code}", path=where)
        if ARTIFACTS_PREFIX + sha not in entries:
            raise BundleIntegrityError(f"{where}: artifact {sha} is listed in the manifest but missing", path=where)
    for name in entries:
        if name.startswith(ARTIFACTS_PREFIX) and name[len(ARTIFACTS_PREFIX) :] not in artifacts:
            raise BundleError(f"{where}: entry {name} is not listed in the manifest", path=where)


def _read_bundle(archive: zipfile.ZipFile, entries: Mapping[str, zipfile.ZipInfo], where: str) -> _Bundle:
    """Parse and check the manifest, the events, the signatures and the artifact list (not the artifact bytes)."""
    manifest_bytes = _read_limited(archive, entries[MANIFEST_NAME], where)
    manifest = _parse_json(manifest_bytes, MANIFEST_NAME, where)
    signature = _parse_json(_read_limited(archive, entries[SIGNATURE_NAME], where), SIGNATURE_NAME, where)
    if manifest.get("format") != BUNDLE_FORMAT:
        raise BundleError(
            f"{where}: manifest format is {manifest.get('format')!r}, expected {BUNDLE_FORMAT!r}", path=where
        )
    code, site_id, exported_by = manifest.get("case_code"), manifest.get("site_id"), manifest.get("exported_by")
    raw_events = manifest.get("events")
    if not isinstance(code, str) or not is_event_id(site_id) or not isinstance(raw_events, list):
        raise BundleError(f"{where}: manifest lacks a case code, site id or event list", path=where)
    if not isinstance(exported_by, dict) or not isinstance(exported_by.get("user_id"), str):
        raise BundleError(f"{where}: manifest names no exporting user", path=where)
    try:
        check_case_code(code)
    except InvalidEventError as exc:
        raise BundleError(f"{where}: {exc.message}", path=where) from None

    parsed = [_event_from_json(data, index, where) for index, data in enumerate(raw_events)]
    events = [event for event, _ in parsed]
    _check_chains(events, where)
    # The exporting site's own users first: a user id another site also added names the exporter's own user.
    exporter = users_from_events(events, str(site_id)).get(exported_by["user_id"])
    _check_signature(signature, manifest_bytes, exporter, exported_by["user_id"], where)
    assert exporter is not None  # _check_signature refuses a bundle without its exporter
    if not exporter.enabled:
        raise BundleSignatureError(
            f"{where}: the exporting user {exporter.user_id} was disabled ({exporter.disabled_at})", path=where
        )

    case_events = _check_case(events, code, where)
    artifacts = _artifact_list(manifest, where)
    _check_artifact_entries(artifacts, case_events, entries, code, where)
    return _Bundle(
        case_code=code,
        site_id=str(site_id),
        exported_by=exporter.user_id,
        events=tuple(events),
        event_json=tuple(data for _, data in parsed),
        artifacts=artifacts,
    )


def _extract_artifact(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, sha: str, size: int, *, folder: Path | None, where: str
) -> Path | None:
    """Check an artifact entry's SHA-256 and size while copying it to ``folder`` (or only checking it when None)."""
    digest = hashlib.sha256()
    count = 0
    target = None if folder is None else folder / sha
    with archive.open(info) as source, ExitStack() as stack:
        sink = None if target is None else stack.enter_context(target.open("wb"))
        while chunk := source.read(_CHUNK):
            count += len(chunk)
            if count > size:
                break
            digest.update(chunk)
            if sink is not None:
                sink.write(chunk)
    if count != size:
        raise BundleIntegrityError(
            f"{where}: artifact {sha} has {'more' if count > size else 'fewer'} bytes than the {size} the manifest "
            "lists",
            path=where,
        )
    if digest.hexdigest() != sha:
        raise BundleIntegrityError(
            f"{where}: artifact {sha} does not match its SHA-256 (its bytes hash to {digest.hexdigest()})", path=where
        )
    return target


def import_bundle(store: Store, path: Path, *, by: Any, max_total_bytes: int = MAX_TOTAL_BYTES) -> BundleImport:
    """Verify a bundle completely, then add its artifacts and events to the store; importing again adds nothing.

    Order (each step refuses before the next begins): the ZIP's entries and sizes; the manifest (bounded in size and
    compression ratio) and its events' hashes and chains; the bundle's and every case signature; the store's own
    import checks in a transaction that is rolled back (trusted sites, attestations, users, signatures against the
    log); free disk space for the artifacts; every artifact's bytes against its SHA-256 (copied to this process's
    scratch folder). Only then are the artifacts stored, and the events, with a ``bundle_imported`` record naming
    who imported it, committed in one transaction: a crash leaves the store as it was, or stored files without
    events (harmless: the next import stores the events), never events without their files.

    Parameters
    ----------
    store
        The local store.
    path
        The bundle file.
    by
        The signed-in user who imports it (:class:`records.users.Session`).
    max_total_bytes
        Refuse a bundle whose entries unpack to more than this many bytes in total.

    Returns
    -------
    BundleImport
        What was added and held, and the store's audit afterwards (signatures included).

    Raises
    ------
    BundleError
        Not a readable bundle, an unsafe or unexpected entry, too large, a malformed manifest, no room.
    BundleIntegrityError
        An artifact's bytes or size, an event's hash or a site's chain differ from what the bundle says.
    BundleSignatureError
        The bundle's signature or a case signature does not verify.
    UntrustedSiteError
        The bundle holds events of a site this store does not trust (never enrolled, nor trusted by hand).
    ImportRefusedError, EventConflictError, ChainGapError, IdentityInPayloadError
        The store refuses the events (nothing is written then either).
    """
    source = Path(path)
    where = str(source)
    if not source.is_file():
        raise BundleError(f"no such file: {source}", path=where)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{where}: not a ZIP file: {exc}", path=where) from None
    staged: list[tuple[Path, str]] = []
    try:
        with archive:
            entries = _check_entries(archive, where, max_total_bytes)
            bundle = _read_bundle(archive, entries, where)
            store.check_import(bundle.event_json)
            missing = {sha: item for sha, item in bundle.artifacts.items() if store.artifact_info(sha) is None}
            _check_room(store, sum(size for size, _kind in missing.values()), where)
            scratch = Path(tempfile.mkdtemp(prefix="bundle-", dir=store.scratch_folder()))
            try:
                for sha, (size, kind) in sorted(bundle.artifacts.items()):
                    copy = _extract_artifact(
                        archive,
                        entries[ARTIFACTS_PREFIX + sha],
                        sha,
                        size,
                        folder=scratch if sha in missing else None,
                        where=where,
                    )
                    if copy is not None:
                        staged.append((copy, kind))
                for copy, kind in staged:
                    store.put_artifact(copy, kind)
                imported_record = BundleImported(
                    case_code=bundle.case_code,
                    bundle_sha256=sha256_file(source),
                    from_site=bundle.site_id,
                    exported_by=bundle.exported_by,
                    events=len(bundle.event_json),
                )
                record = NewEvent(BUNDLE_IMPORTED, None, to_payload(imported_record), by)
                imported = store.import_events(bundle.event_json, record=record)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise BundleIntegrityError(f"{where}: the ZIP data is damaged: {exc}", path=where) from None
    audit = store.verify()
    return BundleImport(
        case_code=bundle.case_code,
        site_id=bundle.site_id,
        exported_by=bundle.exported_by,
        events_added=imported.added,
        events_held=imported.held,
        artifacts_added=len(staged),
        audit=audit,
    )


def _check_room(store: Store, needed: int, where: str) -> None:
    """Refuse early when the artifacts would not fit on the store's disk (with a margin left for the system)."""
    free = shutil.disk_usage(store.home).free
    margin = 256 * 1024**2
    if needed > free - margin:
        raise BundleError(
            f"{where}: the bundle's files need {needed} bytes, the store's disk has {free} free; nothing was imported",
            path=where,
        )
