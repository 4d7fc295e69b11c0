"""The body of every service's ``migrations/env.py``: ``run(metadata)``."""
from __future__ import annotations

from alembic import context
from sqlalchemy import Numeric, text

from .db import make_engine
from .tables import UTCDateTime

MIGRATION_LOCK = 7_402_001  # a PostgreSQL advisory lock key held while migrating


def _include_object(obj, name, type_, reflected, compare_to):
    # Dialect-only indexes a migration makes by hand (PostgreSQL trigram indexes) and SQLite FTS5
    # tables (with their shadow tables, ``<name>_fts_data`` ...) are not in the models: leave them out
    # of the comparison.
    if type_ == "table" and name and (name.endswith("_fts") or "_fts_" in name):
        return False
    return not (type_ == "index" and name and name.endswith("_trgm"))


def _compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    # SQLite has no decimal type: a Numeric column reads back with the FLOAT/NUMERIC affinity it
    # was made with, and stores fractions as REAL either way. SQLAlchemy's Numeric converts on read,
    # so on SQLite a Float column and a Numeric one are the same schema.
    if context.dialect.name == "sqlite" and isinstance(metadata_type, Numeric) and isinstance(inspected_type, Numeric):
        return False
    return None  # alembic's own comparison


def _render_item(type_, obj, autogen_context):
    # Migrations stay plain SQLAlchemy: UTCDateTime is a timestamptz column to the database.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run(metadata) -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True,
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Two replicas' init containers migrating at once: the second waits, then finds head.
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            connection.commit()
        context.configure(connection=connection, target_metadata=metadata, render_item=_render_item,
                          compare_type=_compare_type, include_object=_include_object, render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            connection.commit()
    engine.dispose()
