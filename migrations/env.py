"""Alembic environment for the rehab store (SQLite and PostgreSQL).

- `render_as_batch=True` in both the online and the offline configure: SQLite cannot ALTER
  most things, so Alembic copies the table (move-and-copy) and keeps every row.
- SQLite foreign keys are OFF while migrating (the app turns them ON), then
  `PRAGMA foreign_key_check` must come back empty before the migration commits.
- The whole upgrade is one transaction (SQLite and PostgreSQL both have transactional DDL);
  on SQLite it starts with BEGIN IMMEDIATE and on PostgreSQL it takes an advisory lock, so
  two processes starting at once migrate one after the other.
"""

from __future__ import annotations

import logging.config
from typing import Any

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.types import TypeDecorator

from rehab.errors import StoreError
from rehab.store.database import create_db_engine, database_url, writer
from rehab.store.models import Base

config = context.config
if config.config_file_name is not None and config.get_section("loggers") is not None:
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata
MIGRATION_LOCK_ID = 0x52454841  # "REHA": PostgreSQL advisory lock key


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or database_url()


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our TypeDecorators (UTCDateTime, Metric) as their plain SQL types."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


COMMON: dict[str, Any] = {
    "target_metadata": target_metadata,
    "render_as_batch": True,
    "compare_type": True,
    "render_item": _render_item,
}


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"}, **COMMON
    )
    with context.begin_transaction():
        context.run_migrations()


def _migrate(connection: Connection) -> None:
    # SQLite DDL is transactional once pysqlite stops managing transactions (engine.py does):
    # the whole upgrade commits or rolls back as one.
    context.configure(connection=connection, transactional_ddl=True, **COMMON)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StoreError(f"migration left broken foreign keys: {broken[:5]}")


def run_migrations_online() -> None:
    engine = create_db_engine(_url(), for_migration=True)
    try:
        with writer(engine).connect() as connection:
            _migrate(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
