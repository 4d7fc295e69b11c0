"""What awards knows of the other services, kept by the kit's followers: the ``apply`` of each.

- registry: organisations, venues (status, active designations), groups (designations);
- events: completed activities (where, under which brand, when, how many checked in);
- talent: the pool (tier).

Each apply is idempotent on its own and never commits. A venue, group or talent remembers the
``seq`` of the source's event it last applied: an older event (a catch-up replaying what the live
stream already brought) changes nothing, so a revoked designation never comes back.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.fields import When
from services.common.orgcopy import ORG_REGISTERED, upsert_org

from .models import ActivityCopy, ActivityVenue, GroupCopy, Org, TalentCopy, VenueCopy

REGISTRY_TYPES = ("org_registered", "venue_registered", "venue_updated", "venue_status_changed", "venue_designated",
                  "venue_designation_revoked", "group_registered", "group_designated")
EVENTS_TYPES = ("activity_completed",)
TALENT_TYPES = ("talent_admitted", "talent_tier_changed")
WHEN = When()


def _newer(session: Session, model, id_: str, seq: int):
    """The copy's row (locked; a new one when absent), or None when it holds a later event already."""
    row = session.scalars(select(model).where(model.id == id_).with_for_update()
                          .execution_options(populate_existing=True)).first()
    if row is None:
        row = model(id=id_, seq=0, designations=[]) if hasattr(model, "designations") else model(id=id_, seq=0)
        session.add(row)
    return row if seq > row.seq else None


def _active(designations: list[dict]) -> list[str]:
    return sorted({d["designation"] for d in designations if d.get("active", d.get("revoked_at") is None)})


def apply_registry(session: Session, envelope: dict) -> None:
    kind, data, seq = envelope["type"], envelope["data"], envelope["seq"] or 0
    if kind == "org_registered":
        upsert_org(session, Org, ORG_REGISTERED.load(data))
    elif kind in ("venue_registered", "venue_updated", "venue_status_changed"):
        snapshot = data["venue"] if kind == "venue_status_changed" else data
        venue = _newer(session, VenueCopy, snapshot["id"], seq)
        if venue is not None:
            venue.name, venue.org_id, venue.status = snapshot["name"], snapshot["org_id"], snapshot["status"]
            venue.designations, venue.seq = _active(snapshot.get("designations", [])), seq
    elif kind in ("venue_designated", "venue_designation_revoked"):
        venue = _newer(session, VenueCopy, data["venue_id"], seq)
        if venue is not None and venue.name is not None:  # a designation of a venue not seen yet waits
            held = set(venue.designations)      # for the venue's own event, which carries them all
            held.add(data["designation"]) if kind == "venue_designated" else held.discard(data["designation"])
            venue.designations, venue.seq = sorted(held), seq
        elif venue is not None:
            session.expunge(venue)
    elif kind == "group_registered":
        group = _newer(session, GroupCopy, data["id"], seq)
        if group is not None:
            group.name, group.org_id = data["name"], data["org_id"]
            group.designations, group.seq = _active(data.get("designations", [])), seq
    elif kind == "group_designated":
        group = _newer(session, GroupCopy, data["group_id"], seq)
        if group is not None and group.name is not None:
            group.designations, group.seq = sorted({*group.designations, data["designation"]}), seq
        elif group is not None:
            session.expunge(group)
    session.flush()


def apply_events(session: Session, envelope: dict) -> None:
    if envelope["type"] != "activity_completed":
        return
    data = envelope["data"]
    if session.get(ActivityCopy, data["id"]) is not None:
        return  # completed once; a replay changes nothing
    starts_at = WHEN.deserialize(data["starts_at"])
    venues = sorted({b["venue_id"] for b in data.get("bookings", [])})
    session.add(ActivityCopy(id=data["id"], org_id=data["org_id"], brand_id=data.get("brand_id"), venue_ids=venues,
                             starts_at=starts_at, checked_in=(data.get("attendance") or {}).get("checked_in") or 0))
    for venue_id in venues:
        session.add(ActivityVenue(activity_id=data["id"], venue_id=venue_id, starts_at=starts_at))
    session.flush()


def apply_talent(session: Session, envelope: dict) -> None:
    kind, data, seq = envelope["type"], envelope["data"], envelope["seq"] or 0
    if kind not in TALENT_TYPES:
        return
    talent_id = data["id"] if kind == "talent_admitted" else data["talent_id"]
    talent = _newer(session, TalentCopy, talent_id, seq)
    if talent is None:
        return
    if kind == "talent_admitted":
        talent.name, talent.org_id, talent.field = data["name"], data["org_id"], data["field"]
    elif talent.name is None:  # a tier change before the admission: wait for the admission
        session.expunge(talent)
        return
    talent.tier, talent.seq = data["tier"], seq
    session.flush()
