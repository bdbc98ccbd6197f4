"""The schema's revisions (Alembic, `migrations/`): upgrade, downgrade, where a database is."""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL

from rehab.bundled import bundled_dir
from rehab.errors import StoreError
from rehab.store.database import database_url
from rehab.store.files import parse_database_url

MIGRATIONS_DIR = bundled_dir("migrations")


def alembic_config(url: str | URL | None = None) -> Any:
    """An Alembic Config for `migrations/` and `url` (no alembic.ini needed)."""
    from alembic.config import Config

    if not MIGRATIONS_DIR.is_dir():
        raise StoreError(f"migrations folder {MIGRATIONS_DIR} is missing")
    config = Config(stdout=sys.stdout)  # today's stdout (Config's default is import time's)
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    target = parse_database_url(url if url is not None else database_url())
    # ConfigParser reads % as interpolation: a password holding % must be doubled
    rendered = target.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", rendered)
    return config


def upgrade_database(url: str | URL | None = None, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade_database(url: str | URL | None, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        revision: str | None = MigrationContext.configure(connection).get_current_revision()
        return revision


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise StoreError(f"no migrations found in {MIGRATIONS_DIR}")
    return str(head)


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("users")
