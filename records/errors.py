"""Errors raised by :mod:`records`: each carries a stable machine ``code`` and, where known, the file at fault."""

from __future__ import annotations

from base.errors import DvwError


class RecordsError(DvwError):
    """Base class of every error raised for a refused record operation or bad store input."""

    code = "records_error"


class StoreError(RecordsError):
    """The store file cannot be opened, or its schema is newer than this software."""

    code = "store_error"


class InvalidEventError(RecordsError):
    """An event to append or import is malformed (bad kind, case code, time or payload)."""

    code = "invalid_event"


class IdentityInPayloadError(RecordsError):
    """An event payload would carry patient identity (name, patient ID, birth date) out of the site."""

    code = "identity_in_payload"


class CaseExistsError(RecordsError):
    """A case with this code was already created."""

    code = "case_exists"


class CaseNotFoundError(RecordsError):
    """No case with this code exists in the store."""

    code = "case_not_found"


class EventHashError(RecordsError):
    """An event from another site does not match its own hash."""

    code = "event_hash"


class EventConflictError(RecordsError):
    """An event id is already held with different content, or an event would fork its site's chain."""

    code = "event_conflict"


class ChainGapError(RecordsError):
    """An event from another site arrived before its predecessor in that site's chain."""

    code = "chain_gap"


class ArtifactMissingError(RecordsError):
    """An artifact is not recorded in the store or its file is gone."""

    code = "artifact_missing"


class ArtifactChangedError(RecordsError):
    """An artifact file's content no longer matches its SHA-256."""

    code = "artifact_changed"


class UnattributedEventError(RecordsError):
    """An event that needs the person who did it was written without a signed-in user."""

    code = "unattributed"


class UntrustedSiteError(RecordsError):
    """Events of a site this store does not trust (never enrolled with the company server, nor trusted by hand)."""

    code = "untrusted_site"


class ImportRefusedError(RecordsError):
    """Imported events that do not hold (attestation, users, signatures against the log): nothing is imported."""

    code = "import_refused"


class InvalidUserError(RecordsError):
    """A user to add is malformed: bad user id, role, printed name or a too-short password."""

    code = "invalid_user"


class UserExistsError(RecordsError):
    """A user with this id was already added (ids are never reused, even after the user is disabled)."""

    code = "user_exists"


class UnknownUserError(RecordsError):
    """No user with this id was ever added to the store."""

    code = "unknown_user"


class UserDisabledError(RecordsError):
    """The user was disabled and may no longer sign or record anything."""

    code = "user_disabled"


class WrongPasswordError(RecordsError):
    """The password given does not match the user's."""

    code = "wrong_password"


class AccountLockedError(WrongPasswordError):
    """Too many wrong passwords: the account is locked for a while (or until an administrator unlocks it)."""

    code = "account_locked"


class CredentialsError(RecordsError):
    """The user's credentials on this workstation are missing, unreadable or do not match the user's public key."""

    code = "credentials"


class RoleNotPermittedError(RecordsError):
    """The user's role may not do this (sign this meaning, record a re-verification, disable a user)."""

    code = "role_not_permitted"


class SignatureRefusedError(RecordsError):
    """A sign-off is refused: the case, its check, its inputs or the software are not in a state that may be signed."""

    code = "signature_refused"


class NoCheckError(SignatureRefusedError):
    """The case has no envelope check valid for its current revision and inputs."""

    code = "no_check"


class ConflictUnresolvedError(SignatureRefusedError):
    """The case has concurrent revisions from two sites (changed while offline) that no one has resolved yet."""

    code = "conflict_unresolved"


class ReverificationRequiredError(SignatureRefusedError):
    """The check's verdict needs a passed re-verification that is not recorded (or the re-verification failed)."""

    code = "reverification_required"


class ManifestNotValidatedError(SignatureRefusedError):
    """The software manifest has not passed the self-test on this installation, or differs from the check's."""

    code = "manifest_not_validated"


class InputChangedError(SignatureRefusedError):
    """An input or result named by the check changed (or vanished) in the store since the check."""

    code = "input_changed"


class ReverificationRefusedError(RecordsError):
    """A re-verification is refused: the case does not need one, or the record is incomplete."""

    code = "reverification_refused"


class BundleError(RecordsError):
    """A bundle file cannot be used: not a DVW bundle, unsafe (paths, sizes), malformed, or refused on export."""

    code = "bundle_error"


class BundleIntegrityError(BundleError):
    """A bundle's content does not match itself: an artifact's bytes, an event's hash or a site's chain differ."""

    code = "bundle_integrity"


class BundleSignatureError(BundleError):
    """A bundle's signature does not verify against the exporting user's public key, or names an unknown signer."""

    code = "bundle_signature"


class SyncError(RecordsError):
    """A sync with the company server failed or was refused (see the subclasses)."""

    code = "sync_error"


class SyncConnectionError(SyncError):
    """The sync server could not be reached, or the connection dropped more often than the retries allow."""

    code = "sync_connection"


class SyncAuthError(SyncError):
    """The server refused this site's credentials (unknown site, bad signature, clock skew, consumed token)."""

    code = "sync_auth"


class SyncRefusedError(SyncError):
    """The server or the client refused data: a tampered event, another site's event, a broken or forked chain."""

    code = "sync_refused"


class NotJoinedError(SyncError):
    """The workstation has not joined a sync server yet (``dvw site join``), or its site key is missing."""

    code = "not_joined"


class EnrolmentError(SyncError):
    """A site enrolment or join is refused: a name already enrolled, an unknown or used token, a site joined twice."""

    code = "enrolment"


class ServerStoreError(SyncError):
    """The sync server's database cannot be opened or migrated (bad URL, unreachable, newer schema)."""

    code = "server_store"


def database_error_line(exc: BaseException) -> str:
    """A database error as one line: the driver's own first line, never SQLAlchemy's SQL or "Background" text."""
    orig = getattr(exc, "orig", None)
    cause = orig if isinstance(orig, BaseException) else exc
    for line in str(cause).splitlines():
        text = line.strip()
        if text and not text.startswith(("(Background on this error", "[SQL:", "[parameters:")):
            return text
    return type(cause).__name__


class NotATeamMemberError(RecordsError):
    """A user who is not on a case's team tried to act on it (REQUIREMENTS 4.1.6)."""

    code = "not_a_team_member"


class TeamRefusedError(RecordsError):
    """A change of a case's team that is not allowed (unknown user, wrong role, last member, not a member)."""

    code = "team_refused"


class DesignInputMissingError(SignatureRefusedError):
    """A case is checked or signed without its design input or without the patient's informed consent."""

    code = "design_input_missing"


class ChangeNotAcknowledgedError(SignatureRefusedError):
    """A design change is confirmed before every team member acknowledged it (REQUIREMENTS 4.5.4)."""

    code = "change_not_acknowledged"


class ChangeRefusedError(RecordsError):
    """A design change or its acknowledgement that cannot be recorded (no reason, nothing changed, no change)."""

    code = "change_refused"


class ProposalIncompleteError(SignatureRefusedError):
    """A clinical design confirmation while an item of the design proposal (REQUIREMENTS 4.5.3.1 b) is missing."""

    code = "proposal_incomplete"
