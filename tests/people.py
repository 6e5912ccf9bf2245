"""Test workstations with their people: an administrator, an engineer, a clinician and a quality user, signed in.

Importable from every test module (pytest puts ``tests/`` on the path): ``from people import People, password_of,
set_up_people``. The ``people_home`` fixture (tests/conftest.py) copies one set-up home per test.
"""

from __future__ import annotations

from dataclasses import dataclass

from records.selftests import record_selftest
from records.store import Store
from records.users import Session, add_user, setup_admin, sign_in
from validation.manifest import current_manifest


@dataclass(frozen=True)
class People:
    """The users of a test workstation, signed in: an administrator, an engineer, a clinician and a quality user."""

    admin: Session
    engineer: Session
    clinician: Session
    quality: Session

    def session(self, user_id: str) -> Session:
        """The session of the user with this id."""
        for session in (self.admin, self.engineer, self.clinician, self.quality):
            if session.user_id == user_id:
                return session
        raise KeyError(user_id)


#: The test users' ids, roles, printed names and passwords (every test workstation made by :func:`set_up_people`).
USERS = {
    "admin1": ("admin", "Ada Admin", "admin-password-1"),
    "eng1": ("engineer", "Eve Engineer", "engineer-password-1"),
    "clin1": ("clinician", "Dr Cleo Clinician", "clinician-password-1"),
    "qa1": ("quality", "Quinn Quality", "quality-password-1"),
}


def password_of(user_id: str) -> str:
    """The password of a test user made by :func:`set_up_people`."""
    return USERS[user_id][2]


def set_up_people(store: Store, *, validated: bool = True) -> People:
    """Set a new store up as a workstation would be: its administrator (``dvw setup``), then an engineer, a
    clinician and a quality user added by the administrator; with ``validated``, the quality user records a passed
    self-test for this software's manifest (what ``dvw selftest --user`` records), so sign-off is open."""
    role, name, password = USERS["admin1"]
    setup_admin(store, "admin1", printed_name=name, password=password)
    admin = sign_in(store, "admin1", password)
    for user_id, (role, name, password) in USERS.items():
        if user_id != "admin1":
            add_user(store, user_id, printed_name=name, role=role, password=password, by=admin)
    people = People(*(sign_in(store, user_id, USERS[user_id][2]) for user_id in ("admin1", "eng1", "clin1", "qa1")))
    if validated:
        manifest = current_manifest().manifest_id
        record_selftest(
            store, {"manifest_id": manifest, "passed": True, "cases": [], "seconds": 0.0}, by=people.quality
        )
    return people
