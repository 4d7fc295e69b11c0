"""Culture Express 文化快车企业行: one touring show, an ordered list of enterprise stops, each stop
an activity for the members of that enterprise's union, scheduled through the one path."""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.errors import ValidationFailed
from services.common.query import get_or_not_found

from ..domain import ActivityDraft, first_booking_errors, utcnow
from ..models import Brand, Tour
from ..schemas import TourOut
from . import activities
from .shared import get_org, lock_slots, new_id

TOUR_OUT = TourOut()
BOOKING_KEYS = ("venue_id", "space_id", "starts_at", "ends_at")


def _stop_draft(session: Session, tour: Tour, data: dict, stop: dict, position: int) -> ActivityDraft:
    org = get_org(session, stop["org_id"])
    _, space = activities.venue_space(session, stop["venue_id"], stop["space_id"])
    return ActivityDraft(title=f"{data['title']}·{org.name}", kind="performance", org_id=org.id,
                         capacity=space.capacity, bookings=[{k: stop[k] for k in BOOKING_KEYS}],
                         audience_open=False, audience_org_id=org.id, brand_id=data.get("brand_id"),
                         tour_id=tour.id, tour_position=position)


def create_tour(session: Session, caller: Caller, data: dict) -> dict:
    stops = data["stops"]
    for i, (a, b) in enumerate(zip(stops, stops[1:])):
        if b["starts_at"] < a["ends_at"]:
            raise ValidationFailed({"stops": {str(i + 1): {"starts_at": ["a stop starts after the previous one ends"]}}})
    if data.get("brand_id"):
        get_or_not_found(session, Brand, data["brand_id"], "brand")
    lock_slots(session, [f"space:{stop['space_id']}" for stop in stops])  # all of them, before stop 1 emits
    tour = Tour(id=new_id(), title=data["title"], brand_id=data.get("brand_id"), created_at=utcnow())
    session.add(tour)
    session.flush()
    scheduled = []
    for position, stop in enumerate(stops, start=1):
        try:
            scheduled.append(activities.schedule(session, caller, _stop_draft(session, tour, data, stop, position)))
        except ValidationFailed as exc:  # the stop's booking: name the stop, as the caller wrote it
            raise ValidationFailed({"stops": {str(position - 1): first_booking_errors(exc.errors) or exc.errors}}) \
                from None
    return TOUR_OUT.dump({"id": tour.id, "title": tour.title, "brand_id": tour.brand_id, "stops": scheduled,
                          "created_at": tour.created_at})
