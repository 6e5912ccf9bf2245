"""Users, roles and credentials: the set-up administrator, administrators' acts, public facts in the log, secrets on the
workstation, sessions, lockouts and authentication refusals.

Most tests run on a copy of a set-up workstation (``people_home``: admin1, eng1, clin1, qa1)."""

from __future__ import annotations

import json
import pickle
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from people import People, password_of

from records.errors import (
    AccountLockedError,
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
    change_role,
    disable_user,
    load_users,
    public_key_sha256,
    secrets_path,
    setup_admin,
    sign_in,
    trust_site,
    unlock_signing_key,
    unlock_user,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def home(people_home: tuple[Path, People]) -> Path:
    """A copy of a set-up workstation's home (the ``store`` fixture opens it)."""
    return people_home[0]


@pytest.fixture
def people(people_home: tuple[Path, People]) -> People:
    """The signed-in users of ``home``."""
    return people_home[1]


def _users_files(home: Path) -> list[str]:
    return sorted(path.name for path in (home / "users").iterdir())


def test_the_first_user_is_the_administrator_who_sets_the_site_up(tmp_path: Path) -> None:
    with Store.open(tmp_path / "fresh") as store:
        admin = setup_admin(store, "root", printed_name="Rita Root", password=PASSWORD)
        assert (admin.role, admin.site_id, admin.added_by, admin.enabled) == ("admin", store.site_id, "root", True)
        (event,) = store.events()
        assert (event.kind, event.case_code, event.actor) == (USER_ADDED, None, "root")
        assert event.attestation is not None  # the new administrator attests their own user_added event
        with pytest.raises(RoleNotPermittedError, match="already set up"):
            setup_admin(store, "root2", printed_name="Another Root", password=PASSWORD)
        assert list(load_users(store)) == ["root"]
        assert not secrets_path(store.home, "root2").exists()
        session = sign_in(store, "root", PASSWORD)
        user = add_user(store, "eng9", printed_name="E Nine", role="engineer", password=PASSWORD, by=session)
        assert (user.added_by, user.site_id) == ("root", store.site_id)
        report = store.verify()
        assert report.ok, report.problems


def test_public_facts_go_to_the_log_and_secrets_stay_in_an_owner_only_file(
    store: Store, home: Path, people: People
) -> None:
    user = add_user(
        store,
        "dr.smith",
        printed_name="Dr  Jane Smith",
        role="clinician",
        password=PASSWORD,
        qualification="Consultant neurosurgeon, licence 1234",
        by=people.admin,
    )
    assert (user.user_id, user.printed_name, user.role, user.enabled) == (
        "dr.smith",
        "Dr Jane Smith",
        "clinician",
        True,
    )
    assert (user.site_id, user.added_by) == (store.site_id, "admin1")
    event = store.events()[-1]
    assert (event.kind, event.case_code, event.actor) == (USER_ADDED, None, "admin1")
    assert event.payload["qualification"] == "Consultant neurosurgeon, licence 1234"
    assert event.payload["public_key_sha256"] == public_key_sha256(user.public_key())
    path = secrets_path(home, "dr.smith")
    secrets = json.loads(path.read_text(encoding="utf-8"))
    assert secrets["password_hash"].startswith("$argon2id$")
    assert secrets["password_hash"] not in event.payload_json
    assert secrets["private_key"]["ciphertext"] not in event.payload_json
    assert PASSWORD not in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_users(store)["dr.smith"] == user
    assert set(load_users(store)) == {"admin1", "eng1", "clin1", "qa1", "dr.smith"}


def test_only_an_administrator_adds_users(store: Store, home: Path, people: People) -> None:
    count, files = store.event_count(), _users_files(home)
    for session in (people.engineer, people.quality):
        with pytest.raises(RoleNotPermittedError, match="only an admin may add users"):
            add_user(store, "x1", printed_name="X", role="admin", password=PASSWORD, by=session)
    assert (store.event_count(), _users_files(home)) == (count, files)


def test_sign_in_accepts_the_password_and_unlocks_the_matching_key(store: Store) -> None:
    session = sign_in(store, "eng1", password_of("eng1"))
    assert session.user == load_users(store)["eng1"]
    assert authenticate(store, "eng1", password_of("eng1")).user_id == "eng1"
    user, key = unlock_signing_key(store, "eng1", password_of("eng1"))
    assert public_key_sha256(key.public_key()) == user.public_key_sha256
    user.public_key().verify(key.sign(b"x"), b"x")
    user.public_key().verify(session.sign_bytes(b"y"), b"y")


def test_wrong_password_unknown_and_disabled_users_are_refused_distinctly(store: Store, people: People) -> None:
    with pytest.raises(WrongPasswordError, match="wrong password for user 'eng1'"):
        authenticate(store, "eng1", password_of("eng1") + "!")
    failed = store.events()[-1]
    assert (failed.kind, failed.actor, failed.payload["user_id"]) == ("sign_in_failed", None, "eng1")
    with pytest.raises(UnknownUserError, match="unknown user 'nobody'"):
        authenticate(store, "nobody", PASSWORD)
    event = disable_user(store, "eng1", by=people.admin)
    assert (event.kind, event.actor, event.payload) == (USER_DISABLED, "admin1", {"user_id": "eng1", "by": "admin1"})
    with pytest.raises(UserDisabledError, match="was disabled"):
        authenticate(store, "eng1", password_of("eng1"))
    assert load_users(store)["eng1"].enabled is False
    with pytest.raises(UserDisabledError, match="already disabled"):
        disable_user(store, "eng1", by=people.admin)
    assert store.verify().ok


def test_only_an_admin_disables_and_never_the_last_admin(store: Store, people: People) -> None:
    with pytest.raises(RoleNotPermittedError, match="only an admin"):
        disable_user(store, "admin1", by=people.quality)
    with pytest.raises(RoleNotPermittedError, match="last enabled administrator"):
        disable_user(store, "admin1", by=people.admin)
    with pytest.raises(RoleNotPermittedError, match="last enabled administrator"):
        change_role(store, "admin1", "engineer", by=people.admin)
    with pytest.raises(WrongPasswordError):
        sign_in(store, "admin1", "not the password")  # no session, so nothing an administrator does
    with pytest.raises(UnknownUserError):
        disable_user(store, "ghost", by=people.admin)
    # A second administrator may be demoted again, and a disabled administrator may act no more.
    change_role(store, "qa1", "admin", by=people.admin)
    assert load_users(store)["qa1"].role == "admin"
    promoted = sign_in(store, "qa1", password_of("qa1"))
    disable_user(store, "admin1", by=promoted)
    with pytest.raises(UserDisabledError):
        add_user(store, "x1", printed_name="X", role="engineer", password=PASSWORD, by=people.admin)
    with pytest.raises(RoleNotPermittedError, match="last enabled administrator"):
        change_role(store, "qa1", "quality", by=promoted)
    assert store.verify().ok


def test_five_wrong_passwords_lock_the_account_until_the_window_ends_or_an_admin_unlocks_it(
    store: Store, people: People
) -> None:
    start = datetime.now().astimezone()
    for minute in range(5):
        with pytest.raises(WrongPasswordError) as caught:
            sign_in(store, "clin1", "not the password", now=start + timedelta(minutes=minute))
    assert isinstance(caught.value, AccountLockedError)  # the fifth locks it
    assert [e.kind for e in store.events()[-5:]] == ["sign_in_failed"] * 5
    count = store.event_count()
    with pytest.raises(AccountLockedError, match="locked"):
        sign_in(store, "clin1", password_of("clin1"), now=start + timedelta(minutes=5))  # even the right one
    assert store.event_count() == count  # refused before the password is checked: nothing recorded
    # The lockout ends by itself 15 minutes after the last failure ...
    assert sign_in(store, "clin1", password_of("clin1"), now=start + timedelta(minutes=20)).user_id == "clin1"
    # ... or when an administrator unlocks the account.
    with pytest.raises(RoleNotPermittedError, match="only an admin"):
        unlock_user(store, "clin1", by=people.engineer)
    unlocked = unlock_user(store, "clin1", by=people.admin)
    assert (unlocked.kind, unlocked.actor) == ("user_unlocked", "admin1")
    assert sign_in(store, "clin1", password_of("clin1"), now=start + timedelta(minutes=6)).user_id == "clin1"
    assert store.verify().ok


@pytest.mark.parametrize(
    ("user_id", "role", "name", "password", "message"),
    [
        ("X", "engineer", "N", PASSWORD, "invalid user id"),
        ("a" * 33, "engineer", "N", PASSWORD, "invalid user id"),
        ("eng 1", "engineer", "N", PASSWORD, "invalid user id"),
        ("eng2", "surgeon", "N", PASSWORD, "unknown role 'surgeon'"),
        ("eng2", "engineer", "  ", PASSWORD, "printed name must not be empty"),
        ("eng2", "engineer", "N", "short", "at least 8 characters"),
        ("eng2", "engineer", "N", "", "at least 8 characters"),
    ],
)
def test_malformed_users_are_refused_before_anything_is_written(
    store: Store, home: Path, people: People, user_id: str, role: str, name: str, password: str, message: str
) -> None:
    count, files = store.event_count(), _users_files(home)
    with pytest.raises(InvalidUserError, match=message):
        add_user(store, user_id, printed_name=name, role=role, password=password, by=people.admin)
    assert (store.event_count(), _users_files(home)) == (count, files)


def test_a_user_id_is_never_reused(store: Store, people: People) -> None:
    count = store.event_count()
    with pytest.raises(UserExistsError, match="already exists"):
        add_user(store, "eng1", printed_name="Another", role="quality", password=PASSWORD, by=people.admin)
    disable_user(store, "clin1", by=people.admin)
    with pytest.raises(UserExistsError, match="already exists"):
        add_user(store, "clin1", printed_name="Another", role="clinician", password=PASSWORD, by=people.admin)
    assert store.event_count() == count + 1


def test_trusting_another_site_is_an_administrators_act(store: Store, people: People) -> None:
    other = "0123456789abcdef0123456789abcdef"
    with pytest.raises(RoleNotPermittedError, match="only an admin may trust a site by hand"):
        trust_site(store, other, by=people.engineer)
    with pytest.raises(InvalidUserError, match="not another site's id"):
        trust_site(store, store.site_id, by=people.admin)
    with pytest.raises(InvalidUserError, match="not another site's id"):
        trust_site(store, "not-a-site", by=people.admin)
    event = trust_site(store, other, by=people.admin, name="Hospital B")
    assert event is not None
    assert (event.kind, event.actor, event.payload["site_id"], event.payload["via"]) == (
        "site_trusted",
        "admin1",
        other,
        "administrator",
    )
    assert trust_site(store, other, by=people.admin) is None  # already trusted: nothing written
    assert store.directory().trusted_sites() == {store.site_id: "own", other: "administrator"}


def test_credentials_missing_or_swapped_between_users_are_refused(store: Store, home: Path) -> None:
    swapped = secrets_path(home, "clin1").read_text(encoding="utf-8").replace('"clin1"', '"eng1"')
    secrets_path(home, "eng1").write_text(swapped, encoding="utf-8")
    with pytest.raises(CredentialsError, match="do not belong to the key recorded for user eng1"):
        authenticate(store, "eng1", password_of("clin1"))
    secrets_path(home, "clin1").unlink()
    with pytest.raises(CredentialsError, match="no credentials on this workstation"):
        authenticate(store, "clin1", password_of("clin1"))


def test_a_tampered_private_key_is_not_decrypted(store: Store, home: Path) -> None:
    path = secrets_path(home, "eng1")
    data = json.loads(path.read_text(encoding="utf-8"))
    sealed = data["private_key"]["ciphertext"]
    data["private_key"]["ciphertext"] = ("B" if sealed[0] != "B" else "C") + sealed[1:]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CredentialsError, match="cannot decrypt the signing key of user eng1"):
        unlock_signing_key(store, "eng1", password_of("eng1"))


def test_a_session_never_leaves_its_process(people_home: tuple[Path, People]) -> None:
    """An unlocked key is not picklable: it cannot be sent to a worker process or written anywhere by accident."""
    _home, people = people_home
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(people.engineer)
