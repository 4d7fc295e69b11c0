"""Seeds the demo data once: ``python -m services.registry.seed [--url URL]``.

Writes ``seed_data`` through the registry's own use cases, so every row gets its event in the
outbox exactly as an RPC would (subscribers learn the demo tree like any other). Does nothing when
the database already has organisations.
"""
from __future__ import annotations

import argparse
import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common import config as cfg
from services.common.auth import Caller
from services.common.db import make_engine

from . import schemas as s
from . import seed_data
from .usecases import groups
from .usecases.orgs import register_org
from .usecases.venues import designate_venue, register_venue
from .models import Org

log = logging.getLogger("registry.seed")


def seed(session: Session) -> dict:
    """Write the demo data into an empty registry; returns the counts written."""
    if session.scalar(select(func.count()).select_from(Org)):
        return {}
    founder = Caller(sub="seed", name="demo seed", roles=("federation_admin",), org_id=None)
    orgs, venues = {}, {}
    for item in seed_data.ORGS:
        caller = founder if item["parent"] is None else Caller("seed", "demo seed", ("federation_admin",), orgs["city"])
        data = s.OrgInput().load({"name": item["name"], "kind": item["kind"],
                                  "parent_id": orgs.get(item["parent"]), "district": item["district"],
                                  "enterprise": item["enterprise"]})
        orgs[item["key"]] = register_org(session, caller, data).id
    admin = Caller("seed", "demo seed", ("federation_admin",), orgs["city"])
    for item in seed_data.VENUES:
        raw = {k: v for k, v in item.items() if k not in ("key", "org", "featured_base")}
        venue = register_venue(session, admin, s.VenueInput().load({**raw, "org_id": orgs[item["org"]]}))
        venues[item["key"]] = venue.id
        if item.get("featured_base"):
            designate_venue(session, venue.id, "featured_base", item["featured_base"], source="seed", caller=admin)
    for item in seed_data.GROUPS:
        groups.register_group(session, admin, s.GroupInput().load({
            "name": item["name"], "kind": item["kind"], "org_id": orgs[item["org"]],
            "home_venue_id": venues.get(item["home_venue"]), "art_field": item["art_field"],
            "members": item["members"]}))
    return {"orgs": len(orgs), "venues": len(venues), "groups": len(seed_data.GROUPS)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: REGISTRY_DATABASE_URL or var/registry.db)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    engine = make_engine(args.url or cfg.database_url("registry"))
    with Session(engine) as session, session.begin():
        counts = seed(session)
    engine.dispose()
    log.info("seeded %s" % counts if counts else "registry already has data: demo seed skipped")


if __name__ == "__main__":
    main()
