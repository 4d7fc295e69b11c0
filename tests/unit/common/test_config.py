"""Configuration comes from the contract's environment variables, with working defaults."""
from __future__ import annotations

import pytest

from services.common import config as cfg


def test_defaults_give_a_local_broker_and_sqlite_files_under_var():
    config = cfg.service_config("registry", env={})
    assert config["AMQP_URI"] == "amqp://guest:guest@localhost:5672/"
    assert config["DATABASE_URL"] == f"sqlite:///{cfg.PROJECT_ROOT / 'var' / 'registry.db'}"
    assert config["METRICS_PORT"] == 9101
    assert cfg.service_config("events", env={})["METRICS_PORT"] == 9102
    assert config["OUTBOX_RELAY"] == "on" and config["CONSUMER_MAX_TRIES"] == 5


def test_the_contract_variables_override_the_defaults():
    env = {"AMQP_URI": "amqp://u:p@rabbit:5672/culture", "CULTURE_JWT_SECRET": "s" * 40,
           "EVENTS_DATABASE_URL": "postgresql+psycopg2://events@db/events", "EVENTS_METRICS_PORT": "19102",
           "OUTBOX_RELAY": "off", "CONSUMER_MAX_TRIES": "7", "CULTURE_VAR_DIR": "/srv/culture"}
    config = cfg.service_config("events", env=env)
    assert config["AMQP_URI"] == env["AMQP_URI"] and config["JWT_SECRET"] == env["CULTURE_JWT_SECRET"]
    assert config["DATABASE_URL"] == env["EVENTS_DATABASE_URL"]
    assert config["METRICS_PORT"] == 19102 and config["OUTBOX_RELAY"] == "off" and config["CONSUMER_MAX_TRIES"] == 7
    # another service's URL is not this one's; the var dir moves SQLite files
    assert cfg.database_url("registry", env) == "sqlite:////srv/culture/registry.db"


def test_the_outbox_keeps_every_event_unless_a_service_sets_a_retention():
    assert cfg.service_config("registry", env={})["OUTBOX_RETENTION_DAYS"] == 0
    env = {"TALENT_OUTBOX_RETENTION_DAYS": "30", "OUTBOX_RETENTION_DAYS": "7"}
    assert cfg.service_config("talent", env=env)["OUTBOX_RETENTION_DAYS"] == 30
    assert cfg.service_config("awards", env=env)["OUTBOX_RETENTION_DAYS"] == 0  # per service only
    for bad in ("-1", "nan", "inf", "thirty"):
        with pytest.raises(ValueError):
            cfg.service_config("talent", env={"TALENT_OUTBOX_RETENTION_DAYS": bad})
