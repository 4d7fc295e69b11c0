"""Talent's showcases 才艺展演: a ``showcase_requested`` event is answered with one event, either
``showcase_scheduled`` (a published, open activity through the one scheduling path) or
``showcase_refused`` with the reason. A request seen again is answered already."""
from __future__ import annotations

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.errors import CultureError

from ..domain import ActivityDraft
from ..models import Activity
from . import activities
from .shared import OUTBOX

BOOKING_KEYS = ("venue_id", "space_id", "starts_at", "ends_at")


def _draft(session: Session, request: dict) -> ActivityDraft:
    _, space = activities.venue_space(session, request["venue_id"], request["space_id"])
    return ActivityDraft(title=request["title"], kind="showcase", org_id=request["org_id"], capacity=space.capacity,
                         bookings=[{k: request[k] for k in BOOKING_KEYS}], audience_open=True,
                         showcase_id=request["showcase_id"])


def answer_showcase(session: Session, request: dict) -> None:
    """Schedule (and publish) the showcase talent asked for, or say why not: one event either way."""
    if session.scalar(select(Activity.id).where(Activity.showcase_id == request["showcase_id"])) is not None:
        return  # asked again: answered already
    answer = {"showcase_id": request["showcase_id"], "campaign_id": request["campaign_id"]}
    try:
        with session.begin_nested():
            activity = activities.schedule(session, None, _draft(session, request))
            activities.transition(session, activity, "published", "activity_published")
    except (CultureError, ValidationError) as exc:
        reason = str(exc) if isinstance(exc, CultureError) else str(exc.messages)
        OUTBOX.emit(session, "showcase_refused", request["showcase_id"], {**answer, "reason": reason})
        return
    OUTBOX.emit(session, "showcase_scheduled", request["showcase_id"], {
        **answer, "activity_id": activity.id, "starts_at": activity.starts_at, "ends_at": activity.ends_at})
