"""The events service's copy of the registry is the same whether its events are applied one by one
(``registry_copy.apply``) or a batch at a time (``apply_many``: the live handler's batches and the
catch-up's pages), on both databases: random mixes of venues registered and updated (spaces
renamed, resized, moved, removed, added), snapshots repeated and out of order, organisations and
status changes in between."""
from __future__ import annotations

import random
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.db import make_engine
from services.events import registry_copy
from services.events.models import Org, Space, Venue, metadata


@pytest.fixture
def service_name():
    return "events"


def org_event(i: int) -> dict:
    return {"id": str(uuid.uuid4()), "type": "org_registered",
            "data": {"id": f"org-{i}", "name": f"工会{i}", "kind": "grassroots", "parent_id": None,
                     "ancestors": []}}


def venue_event(rng: random.Random, venue: str, version: int, status: str = "open") -> dict:
    spaces = rng.sample([(f"{venue}-s{k}", f"室{k}") for k in range(6)], rng.randint(0, 4))
    data = {"id": venue, "name": f"{venue}书屋v{version}", "type": "worker_library", "org_id": "org-0",
            "district": "中山区", "address": f"人民路{version}号", "location": {"lat": 38.9 + version / 100, "lon": 121.6},
            "opening_hours": {"mon": [["09:00", "17:00"]]}, "status": status, "version": version,
            "spaces": [{"id": i, "name": n + ("" if rng.random() < 0.5 else "新"), "capacity": rng.choice((10, 20))}
                       for i, n in spaces]}
    if status != "open":
        return {"id": str(uuid.uuid4()), "type": "venue_status_changed", "data": {"venue": data, "reason": "整修"}}
    return {"id": str(uuid.uuid4()), "type": rng.choice(("venue_registered", "venue_updated")), "data": data}


def mix(seed: int, n: int = 120) -> list[dict]:
    rng = random.Random(seed)
    versions = {f"v{i}": 0 for i in range(8)}
    events = [org_event(0)]
    for _ in range(n):
        roll = rng.random()
        if roll < 0.05:
            events.append(org_event(rng.randint(1, 5)))
            continue
        venue = rng.choice(list(versions))
        if roll < 0.25 and versions[venue]:  # a snapshot seen before, again (redelivered, or a catch-up)
            events.append(venue_event(rng, venue, rng.randint(1, versions[venue])))
            continue
        versions[venue] += rng.randint(1, 2)  # the registry's versions, with gaps
        events.append(venue_event(rng, venue, versions[venue], "closed" if rng.random() < 0.05 else "open"))
    return events


def copy_of(session) -> tuple:
    venues = session.execute(select(Venue.id, Venue.name, Venue.address, Venue.status, Venue.lat, Venue.version)
                             .order_by(Venue.id)).all()
    spaces = session.execute(select(Space.venue_id, Space.position, Space.id, Space.name, Space.capacity)
                             .order_by(Space.venue_id, Space.position)).all()
    orgs = session.execute(select(Org.id, Org.name).order_by(Org.id)).all()
    return [tuple(v) for v in venues], [tuple(s) for s in spaces], [tuple(o) for o in orgs]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batches_leave_the_copy_one_by_one_would(empty_database, seed):
    events = mix(seed)
    copies = []
    for how in ("one by one", "batches"):
        engine = make_engine(empty_database(f"copy{seed}{how[0]}"))
        metadata.create_all(engine)
        try:
            with Session(engine) as session:
                if how == "one by one":
                    for envelope in events:
                        registry_copy.apply(session, envelope)
                        session.commit()
                else:
                    rng = random.Random(seed)
                    at = 0
                    while at < len(events):
                        size = rng.choice((1, 2, 7, 30, 100))
                        registry_copy.apply_many(session, events[at:at + size])
                        session.commit()
                        at += size
                copies.append(copy_of(session))
        finally:
            engine.dispose()
    assert copies[0] == copies[1]
    assert len(copies[0][0]) == 8 and copies[0][1]  # every venue made it, with spaces
