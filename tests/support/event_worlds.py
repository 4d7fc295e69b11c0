"""Every event type of every service, written by the services' own use cases into their outboxes.

``build(directory)`` migrates an SQLite database per service and runs the demo seeds in order
(registry; events and talent from the registry's log; awards from the three logs — each seed
follows the others' logs through ``Outbox.since``, as ``events_since`` would serve them), then the
use cases the seeds do not reach: a venue updated, suspended and its designation revoked (events
flags the activity booked there), an award applied by registry (a group designated) and talent (a
tier raised), talent's showcase request answered by events (and one refused), a registration
cancelled (the waitlisted one promoted), an activity cancelled, a lecture ordered and delivered,
an objection filed and resolved. Each consumed event goes through the consumer's own use case,
as the service's handler calls it. Returns ``{service: database URL}``; every change committed.
"""
from __future__ import annotations

import importlib
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.db import make_engine
from services.common.follower import apply_log
from services.common.migrate import upgrade

SERVICES = ("registry", "events", "talent", "awards")


def outbox_of(service: str):
    return importlib.import_module(f"services.{service}.usecases.shared").OUTBOX


class Worlds:
    def __init__(self, directory):
        self.urls, self.sessions, self.engines = {}, {}, []
        for service in SERVICES:
            url = f"sqlite:///{directory / f'{service}.db'}"
            upgrade(service, url)
            engine = make_engine(url)
            self.engines.append(engine)
            self.urls[service] = url
            self.sessions[service] = Session(engine, expire_on_commit=False)

    def fetch(self, source: str):
        return lambda seq=0, limit=100: outbox_of(source).since(self.sessions[source], seq, limit)

    def log(self, source: str, event_type: str) -> list[dict]:
        items = outbox_of(source).since(self.sessions[source], 0, 1_000_000)["items"]
        return [e for e in items if e["type"] == event_type]

    def commit(self):
        for session in self.sessions.values():
            session.commit()

    def close(self):
        for session in self.sessions.values():
            session.close()
        for engine in self.engines:
            engine.dispose()


def _seeds(w: Worlds) -> None:
    from services.awards import seed as awards_seed
    from services.events import seed as events_seed
    from services.registry import seed as registry_seed
    from services.registry.models import Venue
    from services.talent import seed as talent_seed

    registry_seed.seed(w.sessions["registry"])
    w.commit()
    events_seed.seed(w.sessions["events"], w.fetch("registry"))
    palace = w.sessions["registry"].scalars(select(Venue).where(Venue.type == "palace", Venue.status == "open")).first()
    hall = max(palace.spaces, key=lambda space: space.capacity)
    talent_seed.seed(w.sessions["talent"], w.fetch("registry"), lambda: {"id": palace.id, "space_id": hall.id})
    w.commit()
    awards_seed.seed(w.sessions["awards"], {source: w.fetch(source) for source in ("registry", "events", "talent")})
    w.commit()


def _registry(w: Worlds) -> None:
    from services.events.models import Activity, Booking
    from services.registry import schemas as s
    from services.registry.models import Org, Venue, VenueDesignation
    from services.registry.usecases import awards, venues

    session = w.sessions["registry"]
    root = session.scalars(select(Org).where(Org.parent_id.is_(None))).one()
    admin = Caller("test", "test", ("federation_admin",), root.id)
    featured = session.scalars(select(Venue).join(VenueDesignation).where(VenueDesignation.revoked_at.is_(None))
                               .order_by(Venue.name)).first()
    venues.update_venue(session, admin, featured.id, s.VenueChanges().load({"facilities": ["投影仪"]}))
    venues.revoke_designation(session, admin, featured.id, "featured_base", "复核未通过")
    booked = w.sessions["events"].scalar(select(Booking.venue_id).join(Activity).where(
        Activity.status == "published", Activity.starts_at > utcnow(), Booking.active.is_(True)))
    venues.set_venue_status(session, admin, booked, "suspended", "消防检查整改")
    for award in w.log("awards", "award_granted"):  # the registry's handler of award_granted
        if award["data"]["nominee"]["kind"] in ("venue", "group"):
            awards.apply_award(session, award)
    w.commit()


def _events(w: Worlds) -> None:
    from services.events import domain, registry_copy
    from services.events import schemas as s
    from services.events import seed as events_seed
    from services.events.models import Activity, Lecture, Org, Venue
    from services.events.usecases import activities, lectures, registrations, showcases

    session = w.sessions["events"]
    apply_log(session, w.fetch("registry"), registry_copy.apply, registry_copy.TYPES)  # flags the suspended venue
    root = session.scalars(select(Org).where(Org.parent_id.is_(None))).one()
    admin = Caller("test", "test", ("federation_admin",), root.id)
    for request in w.log("talent", "showcase_requested"):  # events' handler of showcase_requested
        showcases.answer_showcase(session, s.ShowcaseRequested().load(request["data"]))
        refused = dict(request["data"], showcase_id=request["data"]["showcase_id"] + "-again", space_id="no-such-space")
        showcases.answer_showcase(session, s.ShowcaseRequested().load(refused))
    venue = session.scalars(select(Venue).where(Venue.status == "open", Venue.spaces.any()).order_by(Venue.name)).first()
    day = (utcnow() + timedelta(days=40)).astimezone(domain.LOCAL)
    slot = next(filter(None, (events_seed._slot(venue, day + timedelta(days=n), 2) for n in range(7))))
    one_place = activities.schedule_activity(session, admin, {
        "title": "书法沙龙", "kind": "lecture", "org_id": venue.org_id, "capacity": 1,
        "audience": {"open": True, "org_id": None},
        "bookings": [{"venue_id": venue.id, "space_id": venue.spaces[0].id, "starts_at": slot[0], "ends_at": slot[1]}]})
    activities.publish_activity(session, admin, one_place.id)
    for n in (1, 2):  # the second waits; the first cancels and the second is promoted
        registrations.register(session, admin, one_place.id, {"id": f"w{n}", "name": f"职工{n}", "org_id": venue.org_id})
    registrations.cancel_registration(session, admin, one_place.id, "w1")
    upcoming = session.scalars(select(Activity).where(Activity.status == "published", Activity.showcase_id.is_(None))
                               .order_by(Activity.starts_at.desc())).first()
    activities.cancel_activity(session, admin, upcoming.id, "场地维修")
    lecture = session.scalars(select(Lecture).order_by(Lecture.topic)).first()
    order = lectures.order_lecture(session, admin, s.LectureOrderInput().load({
        "lecture_id": lecture.id, "org_id": root.id, "site": {"address": "大连市中山区人民路1号"}}))
    lectures.confirm_lecture_order(session, admin, order.id, utcnow() + timedelta(minutes=10))
    activities.start_activity(session, admin, order.activity_id)
    activities.complete_activity(session, admin, order.activity_id)
    w.commit()


def _talent(w: Worlds) -> None:
    from services.talent.usecases import pool, showcases

    session = w.sessions["talent"]
    for answer in w.log("events", "showcase_scheduled"):  # talent's handlers of events' answers
        showcases.apply_answer(session, answer["data"]["showcase_id"], answer["data"]["activity_id"], None)
    for award in w.log("awards", "award_granted"):
        if award["data"]["nominee"]["kind"] == "talent":
            pool.raise_tier(session, award["data"]["nominee"]["ref_id"], f"award:{award['id']}")
    w.commit()


def _awards(w: Worlds) -> None:
    from services.awards import seed as awards_seed
    from services.awards.models import Org
    from services.awards.usecases import notice, review

    session = w.sessions["awards"]
    root = session.scalars(select(Org).where(Org.parent_id.is_(None))).one()
    districts = session.scalars(select(Org).where(Org.kind == "district").order_by(Org.name)).all()
    admin = Caller("test", "test", ("federation_admin",), root.id)
    cycle = awards_seed._cycle(session, admin, "typical_model", ["typical_model"], utcnow().year, timedelta(days=1))
    nomination = awards_seed._nominate(session, admin, cycle, "typical_model", "org", districts[0].id,
                                       districts[0].name, root.id)
    review.set_reviewers(session, admin, cycle.id, [{"reviewer_id": "rev", "name": "评委", "org_id": None,
                                                     "conflicts": []}])
    review.submit_review(session, Caller("rev", "评委", ("judge",), None), nomination.id, 90, None)
    cycle.nominations_close_at = utcnow() - timedelta(seconds=1)
    review.shortlist(session, admin, cycle.id, 1)
    notice.open_public_notice(session, admin, cycle.id, 7, utcnow() - timedelta(days=1))
    objection = notice.file_objection(session, Caller("w", "职工", ("worker",), None), nomination.id, "材料不实")
    notice.resolve_objection(session, admin, objection.id, False, "经核实，材料属实")
    w.commit()


def build(directory) -> dict[str, str]:
    w = Worlds(directory)
    try:
        _seeds(w)
        _registry(w)
        _events(w)
        _talent(w)
        _awards(w)
        return dict(w.urls)
    finally:
        w.close()
