"""The DVW home folder (``--home``, ``$DVW_HOME`` or the platform user-data folder) and the site secrets in it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import platformdirs

_UID_SECRET_FILE = "site-uid-secret"  # noqa: S105 - a file name, not a secret


def home_folder(explicit: str | None) -> Path:
    """The DVW home folder: ``explicit`` if given, else ``$DVW_HOME``, else the platform user-data folder."""
    chosen = explicit or os.environ.get("DVW_HOME") or platformdirs.user_data_dir("dvw", appauthor=False)
    return Path(chosen)


def site_uid_secret(home: Path) -> bytes:
    """The site's secret for consistent de-identified UIDs, created (32 random bytes, owner-only) on first use.

    The same original UID then maps to the same new UID in every export from this site, so later exports of the
    same study stay linkable by the company without revealing the original UIDs.
    """
    path = home / _UID_SECRET_FILE
    if path.is_file():
        return path.read_bytes()
    home.mkdir(parents=True, exist_ok=True)
    temp = home / f".{_UID_SECRET_FILE}.{os.getpid()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    try:
        os.link(temp, path)  # never replaces a secret another process created meanwhile
    except FileExistsError:
        pass
    finally:
        temp.unlink()
    return path.read_bytes()
