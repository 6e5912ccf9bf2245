"""The GUI's persistent settings (QSettings): store, language, sync server, lock time, last user and folder, geometry.

Never a password or a session: those stay in memory (``SessionModel``).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from app.gui.i18n import DEFAULT_LANGUAGE, LANGUAGES
from app.home import home_folder

_HOME = "store/home"
_LANGUAGE = "ui/language"
_SYNC = "sync/server_url"
_LAST_FOLDER = "ui/last_folder"
_GEOMETRY = "ui/geometry"
_STATE = "ui/window_state"
_LOCK_AFTER = "security/lock_after_s"
_LAST_USER = "security/last_user"
_RECENT = "cases/recent"
#: How many recent cases File > Recent cases lists.
RECENT_CASES = 8

#: The window locks after this long without use (Part 11: a workstation left alone asks for the password again).
DEFAULT_LOCK_AFTER_S = 15 * 60.0
#: The shortest lock time the settings keep (s); the Settings dialog offers whole minutes, tests shorter times.
MIN_LOCK_AFTER_S = 0.1


class GuiSettings:
    """Typed access to the settings; an explicit ``--home`` or ``$DVW_HOME`` wins over the stored store location.

    Parameters
    ----------
    settings
        The QSettings to use (default: the user's DVW settings; tests pass an INI file).
    home_override
        A store folder given on the command line, used instead of the stored one (not saved).
    """

    def __init__(self, settings: QSettings | None = None, home_override: str | None = None) -> None:
        self._settings = settings if settings is not None else QSettings("DVW", "dvw")
        self._home_override = home_override

    @classmethod
    def from_file(cls, path: Path, home_override: str | None = None) -> GuiSettings:
        """Settings kept in the INI file ``path`` (for tests and portable installs)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat), home_override)

    def _text(self, key: str, default: str = "") -> str:
        value = self._settings.value(key, default)
        return value if isinstance(value, str) else default

    @property
    def home(self) -> Path:
        """The store folder: the override, else the stored one, else ``$DVW_HOME`` or the platform default."""
        if self._home_override:
            return Path(self._home_override)
        stored = self._text(_HOME)
        return Path(stored) if stored else home_folder(None)

    @home.setter
    def home(self, folder: Path) -> None:
        self._home_override = None
        self._settings.setValue(_HOME, str(folder))

    @property
    def language(self) -> str:
        """The GUI language code (a key of :data:`app.gui.i18n.LANGUAGES`)."""
        found = self._text(_LANGUAGE, DEFAULT_LANGUAGE)
        return found if found in LANGUAGES else DEFAULT_LANGUAGE

    @language.setter
    def language(self, code: str) -> None:
        self._settings.setValue(_LANGUAGE, code if code in LANGUAGES else DEFAULT_LANGUAGE)

    @property
    def sync_server(self) -> str:
        """The company sync server's URL ("" when not configured)."""
        return self._text(_SYNC)

    @sync_server.setter
    def sync_server(self, url: str) -> None:
        self._settings.setValue(_SYNC, url.strip())

    @property
    def last_folder(self) -> str:
        """The folder last opened in a file dialog ("" at first)."""
        return self._text(_LAST_FOLDER)

    @last_folder.setter
    def last_folder(self, folder: str) -> None:
        self._settings.setValue(_LAST_FOLDER, folder)

    @property
    def lock_after_s(self) -> float:
        """Seconds without use (no key, click, mouse move or wheel) after which the window locks (15 minutes)."""
        value = self._settings.value(_LOCK_AFTER, DEFAULT_LOCK_AFTER_S)
        try:
            seconds = float(value)  # type: ignore[arg-type]  # an INI file gives text, the registry a number
        except (TypeError, ValueError):
            return DEFAULT_LOCK_AFTER_S
        return max(MIN_LOCK_AFTER_S, seconds) if math.isfinite(seconds) else DEFAULT_LOCK_AFTER_S

    @lock_after_s.setter
    def lock_after_s(self, seconds: float) -> None:
        self._settings.setValue(_LOCK_AFTER, max(MIN_LOCK_AFTER_S, float(seconds)))

    @property
    def last_user(self) -> str:
        """The user id last signed in here ("" at first): the sign-in dialog offers it (an id, never a password)."""
        return self._text(_LAST_USER)

    @last_user.setter
    def last_user(self, user_id: str) -> None:
        self._settings.setValue(_LAST_USER, user_id)

    @staticmethod
    def _recent_key(home: Path) -> str:
        # One list per store: a case code names a case only within its store.
        return f"{_RECENT}/{hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:16]}"

    def recent_cases(self, home: Path) -> list[str]:
        """The case codes last opened in the store ``home``, the latest first (at most :data:`RECENT_CASES`)."""
        text = self._text(self._recent_key(home))
        return [code for code in text.split("\n") if code][:RECENT_CASES]

    def add_recent_case(self, home: Path, code: str) -> None:
        """Put ``code`` first in the store's recent cases."""
        codes = [code, *(c for c in self.recent_cases(home) if c != code)][:RECENT_CASES]
        self._settings.setValue(self._recent_key(home), "\n".join(codes))

    def window_geometry(self) -> tuple[QByteArray | None, QByteArray | None]:
        """The saved window geometry and state (toolbars, docks), or None each."""
        geometry = self._settings.value(_GEOMETRY)
        state = self._settings.value(_STATE)
        return (
            geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None,
        )

    def save_window_geometry(self, geometry: QByteArray, state: QByteArray) -> None:
        """Remember the window geometry and state."""
        self._settings.setValue(_GEOMETRY, geometry)
        self._settings.setValue(_STATE, state)

    def sync(self) -> None:
        """Write the settings to disk now."""
        self._settings.sync()
