"""Alembic run from code (no ``alembic.ini``): the configuration of a migration folder and its head revision.

Used by the local store (``records/migrations``) and the sync server's database (``server/migrations``);
each keeps its own rules for when and how to upgrade.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection


def alembic_config(scripts: Path, connection: Connection | None = None) -> Config:
    """An Alembic configuration for the migration scripts in ``scripts``, run on ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", str(scripts))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision(scripts: Path) -> str:
    """The latest revision of the migration scripts in ``scripts``."""
    head = ScriptDirectory.from_config(alembic_config(scripts)).get_current_head()
    assert head is not None
    return head
