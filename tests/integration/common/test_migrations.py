"""Every service's migrations build exactly the schema its models describe, on both databases, and
downgrade to nothing and back."""
from __future__ import annotations

import pytest
from alembic import command

from services.common.migrate import alembic_config, upgrade

SERVICES = ["registry", "events", "talent", "awards"]


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_the_models(service, migrated_database):
    # the database is already at head; upgrading again is a no-op, and `check` fails when
    # autogenerate would find a difference between the models and the migrated schema.
    url = migrated_database(service)
    upgrade(service, url)
    command.check(alembic_config(service, url))


@pytest.mark.parametrize("service", SERVICES)
def test_every_migration_downgrades_cleanly(service, migrated_database):
    url = migrated_database(service)
    command.downgrade(alembic_config(service, url), "base")
    upgrade(service, url)
    command.check(alembic_config(service, url))
