"""The migrations build exactly the schema the models describe, on both databases."""
from __future__ import annotations

from alembic import command

from services.common.migrate import alembic_config, upgrade


def test_migrations_match_the_models(service_name, database_url):
    # database_url is already migrated to head; upgrading again is a no-op, and `check` fails
    # when autogenerate would find a difference between the models and the migrated schema.
    upgrade(service_name, database_url)
    command.check(alembic_config(service_name, database_url))


def test_every_migration_downgrades_cleanly(service_name, database_url):
    command.downgrade(alembic_config(service_name, database_url), "base")
    upgrade(service_name, database_url)
    command.check(alembic_config(service_name, database_url))
