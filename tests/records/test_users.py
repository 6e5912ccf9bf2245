"""Users, roles and credentials: public facts in the log, secrets on the workstation, and authentication refusals."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from records.errors import (
    CredentialsError,
    InvalidUserError,
    RoleNotPermittedError,
    UnknownUserError,
    UserDisabledError,
    UserExistsError,
    WrongPasswordError,
)
from records.store import Store
from records.users import (
    USER_ADDED,
    USER_DISABLED,
    add_user,
    authenticate,
    disable_user,
    load_users,
    public_key_sha256,
    secrets_path,
    unlock_signing_key,
)

PASSWORD = "correct horse battery"


def _add(store: Store, user_id: str, role: str, **extra: str) -> None:
    add_user(store, user_id, printed_name=f"Name of {user_id}", role=role, password=PASSWORD, **extra)


def test_public_facts_go_to_the_log_and_secrets_stay_in_an_owner_only_file(store: Store, home: Path) -> None:
    user = add_user(
        store,
        "dr.smith",
        printed_name="Dr  Jane Smith",
        role="clinician",
        password=PASSWORD,
        qualification="Consultant neurosurgeon, licence 1234",
    )
    assert (user.user_id, user.printed_name, user.role, user.enabled) == (
        "dr.smith",
        "Dr Jane Smith",
        "clinician",
        True,
    )
    (event,) = store.events()
    assert (event.kind, event.case_code, event.actor) == (USER_ADDED, None, None)
    assert event.payload["qualification"] == "Consultant neurosurgeon, licence 1234"
    assert event.payload["public_key_sha256"] == public_key_sha256(user.public_key())
    path = secrets_path(home, "dr.smith")
    secrets = json.loads(path.read_text(encoding="utf-8"))
    assert secrets["password_hash"].startswith("$argon2id$")
    assert secrets["password_hash"] not in event.payload_json
    assert secrets["private_key"]["ciphertext"] not in event.payload_json
    assert PASSWORD not in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_users(store) == {"dr.smith": user}


def test_authenticate_accepts_the_password_and_unlocks_the_matching_key(store: Store) -> None:
    _add(store, "eng1", "engineer")
    assert authenticate(store, "eng1", PASSWORD).user_id == "eng1"
    user, key = unlock_signing_key(store, "eng1", PASSWORD)
    assert public_key_sha256(key.public_key()) == user.public_key_sha256
    user.public_key().verify(key.sign(b"x"), b"x")


def test_wrong_password_unknown_and_disabled_users_are_refused_distinctly(store: Store) -> None:
    _add(store, "admin", "admin")
    _add(store, "eng1", "engineer")
    with pytest.raises(WrongPasswordError, match="wrong password for user 'eng1'"):
        authenticate(store, "eng1", PASSWORD + "!")
    with pytest.raises(UnknownUserError, match="unknown user 'nobody'"):
        authenticate(store, "nobody", PASSWORD)
    event = disable_user(store, "eng1", by="admin", password=PASSWORD)
    assert (event.kind, event.actor, event.payload) == (USER_DISABLED, "admin", {"user_id": "eng1", "by": "admin"})
    with pytest.raises(UserDisabledError, match="was disabled"):
        authenticate(store, "eng1", PASSWORD)
    assert load_users(store)["eng1"].enabled is False
    with pytest.raises(UserDisabledError, match="already disabled"):
        disable_user(store, "eng1", by="admin", password=PASSWORD)


def test_only_an_admin_disables_and_never_the_last_admin(store: Store) -> None:
    _add(store, "admin", "admin")
    _add(store, "qa1", "quality")
    with pytest.raises(RoleNotPermittedError, match="only an admin"):
        disable_user(store, "admin", by="qa1", password=PASSWORD)
    with pytest.raises(RoleNotPermittedError, match="last enabled admin"):
        disable_user(store, "admin", by="admin", password=PASSWORD)
    with pytest.raises(WrongPasswordError):
        disable_user(store, "qa1", by="admin", password="not the password")
    with pytest.raises(UnknownUserError):
        disable_user(store, "ghost", by="admin", password=PASSWORD)


@pytest.mark.parametrize(
    ("user_id", "role", "name", "password", "message"),
    [
        ("X", "engineer", "N", PASSWORD, "invalid user id"),
        ("a" * 33, "engineer", "N", PASSWORD, "invalid user id"),
        ("eng 1", "engineer", "N", PASSWORD, "invalid user id"),
        ("eng1", "surgeon", "N", PASSWORD, "unknown role 'surgeon'"),
        ("eng1", "engineer", "  ", PASSWORD, "printed name must not be empty"),
        ("eng1", "engineer", "N", "short", "at least 8 characters"),
        ("eng1", "engineer", "N", "", "at least 8 characters"),
    ],
)
def test_malformed_users_are_refused_before_anything_is_written(
    store: Store, home: Path, user_id: str, role: str, name: str, password: str, message: str
) -> None:
    with pytest.raises(InvalidUserError, match=message):
        add_user(store, user_id, printed_name=name, role=role, password=password)
    assert store.events() == []
    assert not (home / "users").exists() or not any((home / "users").iterdir())


def test_a_user_id_is_never_reused(store: Store) -> None:
    _add(store, "eng1", "engineer")
    with pytest.raises(UserExistsError, match="already exists"):
        _add(store, "eng1", "quality")
    assert len(store.events()) == 1


def test_credentials_missing_or_swapped_between_users_are_refused(store: Store, home: Path) -> None:
    _add(store, "eng1", "engineer")
    _add(store, "eng2", "engineer")
    swapped = secrets_path(home, "eng2").read_text(encoding="utf-8").replace('"eng2"', '"eng1"')
    secrets_path(home, "eng1").write_text(swapped, encoding="utf-8")
    with pytest.raises(CredentialsError, match="do not belong to the key recorded for user eng1"):
        authenticate(store, "eng1", PASSWORD)
    secrets_path(home, "eng2").unlink()
    with pytest.raises(CredentialsError, match="no credentials on this workstation"):
        authenticate(store, "eng2", PASSWORD)


def test_a_tampered_private_key_is_not_decrypted(store: Store, home: Path) -> None:
    _add(store, "eng1", "engineer")
    path = secrets_path(home, "eng1")
    data = json.loads(path.read_text(encoding="utf-8"))
    sealed = data["private_key"]["ciphertext"]
    data["private_key"]["ciphertext"] = ("B" if sealed[0] != "B" else "C") + sealed[1:]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert authenticate(store, "eng1", PASSWORD).user_id == "eng1"  # the password hash is intact
    with pytest.raises(CredentialsError, match="cannot decrypt the signing key of user eng1"):
        unlock_signing_key(store, "eng1", PASSWORD)
