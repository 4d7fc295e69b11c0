"""Database migrations: alembic, one script folder per service (``services/<service>/migrations``).

    python -m services.common.migrate registry            # upgrade to head
    python -m services.common.migrate registry --url URL  # another database

Idempotent: running it on an up-to-date database does nothing. ``make run``/``make up`` and the
Kubernetes init container call it before a service starts.
"""
from __future__ import annotations

import argparse
import importlib
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from . import config as cfg


def alembic_config(service: str, url: str | None = None) -> Config:
    package = importlib.import_module(f"services.{service}")
    script_location = Path(package.__file__).parent / "migrations"
    alembic_cfg = Config()
    alembic_cfg.set_main_option("script_location", str(script_location))
    alembic_cfg.set_main_option("sqlalchemy.url", (url or cfg.database_url(service)).replace("%", "%%"))
    alembic_cfg.attributes["service"] = service
    return alembic_cfg


def upgrade(service: str, url: str | None = None) -> None:
    from .db import make_engine

    url = url or cfg.database_url(service)
    make_engine(url).dispose()  # creates the SQLite folder when needed
    command.upgrade(alembic_config(service, url), "head")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service", choices=cfg.SERVICES)
    parser.add_argument("--url", help="database URL (default: from <SERVICE>_DATABASE_URL)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    upgrade(args.service, args.url)
    logging.getLogger("migrate").info("%s: database at head", args.service)


if __name__ == "__main__":
    main()
