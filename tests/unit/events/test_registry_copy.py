"""The events service's copy of a registry venue follows the venue's events exactly: its fields,
its spaces in the registry's order (renamed, resized, moved, removed, added), an older snapshot
ignored, a replayed one changing nothing; a venue closed flags the future activities booked
there."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from services.common.clock import utcnow
from services.events import registry_copy
from services.events.models import Activity, Space, Venue

from .test_usecases import session  # noqa: F401 - the fixture


def venue_event(kind: str, version: int, spaces: list[tuple[str, str, int]], **changes) -> dict:
    data = {"id": "v1", "name": "职工书屋", "type": "worker_library", "org_id": "zs", "district": "中山区",
            "address": "人民路2号", "location": {"lat": 38.91, "lon": 121.63},
            "opening_hours": {"mon": [["09:00", "17:00"]]}, "status": "open", "version": version,
            "spaces": [{"id": i, "name": n, "capacity": c} for i, n, c in spaces], "extra": "ignored"}
    data.update(changes)
    if kind == "venue_status_changed":
        data = {"venue": data, "reason": "整修"}
    return {"id": str(uuid.uuid4()), "type": kind, "data": data}


def copy_of(session, venue_id="v1"):  # noqa: F811
    venue = session.execute(select(Venue.name, Venue.address, Venue.status, Venue.lat, Venue.lon,
                                   Venue.opening_hours, Venue.version).where(Venue.id == venue_id)).one()
    spaces = session.execute(select(Space.id, Space.name, Space.capacity, Space.position)
                             .where(Space.venue_id == venue_id).order_by(Space.position)).all()
    return tuple(venue), [tuple(s) for s in spaces]


def test_spaces_follow_every_kind_of_change_and_old_snapshots_are_ignored(session):  # noqa: F811
    registry_copy.apply(session, venue_event("venue_registered", 1, [("s1", "大厅", 200), ("s2", "书屋", 30),
                                                                    ("s3", "排练室", 20)]))
    assert copy_of(session) == (("职工书屋", "人民路2号", "open", 38.91, 121.63, {"mon": [["09:00", "17:00"]]}, 1),
                                [("s1", "大厅", 200, 0), ("s2", "书屋", 30, 1), ("s3", "排练室", 20, 2)])

    registry_copy.apply(session, venue_event("venue_updated", 2, [("s4", "新厅", 80), ("s2", "阅览室", 40),
                                                                 ("s1", "大厅", 200)],
                                             name="职工之家", address="人民路3号", location={"lat": 39.0, "lon": 121.7}))
    after = (("职工之家", "人民路3号", "open", 39.0, 121.7, {"mon": [["09:00", "17:00"]]}, 2),
             [("s4", "新厅", 80, 0), ("s2", "阅览室", 40, 1), ("s1", "大厅", 200, 2)])
    assert copy_of(session) == after  # s3 removed, s4 added first, s2 renamed and resized, s1 moved

    registry_copy.apply(session, venue_event("venue_updated", 1, [("s9", "旧", 1)], name="旧名"))
    registry_copy.apply(session, venue_event("venue_updated", 2, [("s9", "旧", 1)], name="重放"))
    assert copy_of(session) == after  # an older snapshot, or the same version again: nothing changes
    assert session.get(Space, "s3") is None and session.get(Space, "s9") is None


def test_a_closed_venue_flags_its_future_activities(session):  # noqa: F811
    from .test_usecases import published  # an activity booked in the fixture's venue "hall"

    activity = published(session, capacity=3)
    assert activity.bookings[0].ends_at > utcnow() - timedelta(days=1)
    event = venue_event("venue_status_changed", 2, [("hall-a", "A", 3), ("hall-b", "B", 200)], status="closed")
    event["data"]["venue"]["id"] = "hall"
    registry_copy.apply(session, event)
    session.expire_all()
    flags = session.get(Activity, activity.id).flags
    assert [(f["venue_id"], f["status"]) for f in flags] == [("hall", "closed")]
    assert "整修" in flags[0]["reason"]
    assert copy_of(session, "hall")[0][2] == "closed"
