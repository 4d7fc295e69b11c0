"""The registry's use cases: one function each, taking a session, the caller and loaded input.

Each loads what it needs, asks the domain, writes, and emits its event into the outbox in the same
session (so in the same transaction). Entry points commit; nothing here commits.
"""
from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, object_session

from services.common.auth import Caller
from services.common.envelope import utcnow
from services.common.errors import Conflict, NotFound
from services.common.outbox import Outbox
from services.common.pagination import Pager
from services.common.query import contains, get_or_not_found

from . import domain
from .models import Group, GroupDesignation, Org, Space, Venue, VenueArtField, VenueDesignation, metadata
from .schemas import EVENT_SCHEMAS, AwardGranted, GroupOut, OrgOut, VenueOut

OUTBOX = Outbox("registry", metadata, EVENT_SCHEMAS)
VENUE_OUT, ORG_OUT, GROUP_OUT = VenueOut(), OrgOut(), GroupOut()


def _new_id() -> str:
    return str(uuid.uuid4())


def _subtree(column, org: Org):
    return column.like(org.path + "%")


# --- organisations -------------------------------------------------------------------------

def register_org(session: Session, caller: Caller, data: dict) -> Org:
    parent = None
    if data["parent_id"] is not None:
        parent = get_or_not_found(session, Org, data["parent_id"], "organisation")
        caller.require_org(parent.ancestors)
    else:
        caller.require_role(["federation_admin"])
        if data["kind"] == "city" and session.scalar(select(func.count()).where(Org.parent_id.is_(None))):
            raise Conflict("the organisation tree already has its city federation")
    error = domain.org_parent_error(data["kind"], parent.kind if parent else None)
    if error:
        raise domain.validation("parent_id", error)
    if session.scalar(select(Org.id).where(Org.parent_id == data["parent_id"], Org.name == data["name"])):
        raise Conflict(f"{data['name']} is already registered under this parent")
    org_id = _new_id()
    org = Org(id=org_id, name=data["name"], kind=data["kind"], parent_id=data["parent_id"],
              path=(parent.path if parent else "/") + org_id + "/",
              district=data["district"] or (parent.district if parent else None),
              enterprise=data["enterprise"], created_at=utcnow())
    session.add(org)
    session.flush()
    OUTBOX.emit(session, "org_registered", org.id, org)
    return org


def get_org(session: Session, org_id: str) -> Org:
    return get_or_not_found(session, Org, org_id, "organisation")


def list_orgs(session: Session, query: dict) -> dict:
    pager = Pager("list_orgs", query, str)
    stmt = select(Org)
    if query["parent_id"] is not None:
        get_or_not_found(session, Org, query["parent_id"], "organisation")
        stmt = stmt.where(Org.parent_id == query["parent_id"])
    return pager.page(pager.rows(session, stmt, Org.path), lambda o: [o.path], ORG_OUT.dump)


# --- venues --------------------------------------------------------------------------------

def _apply_spaces(venue: Venue, spaces: list[dict]) -> None:
    """Replace the venue's spaces: an entry with a known ``id`` keeps it, others are new."""
    current = {s.id: s for s in venue.spaces}
    unknown = [s["id"] for s in spaces if s.get("id") and s["id"] not in current]
    if unknown:
        raise NotFound(f"no space {', '.join(unknown)} in this venue")
    wanted = {item["id"]: item for item in spaces if item.get("id")}
    session = object_session(venue)
    if session is not None:
        # Free the names first: omitted spaces go, kept spaces that change name take a placeholder,
        # so no final name meets an old one mid-flush (two spaces swapping names, a removed
        # space's name given to a new one).
        venue.spaces = [s for s in venue.spaces if s.id in wanted]
        for space in venue.spaces:
            if space.name != wanted[space.id]["name"]:
                space.name = f"~{space.id}"
        session.flush()
    kept = []
    for position, item in enumerate(spaces):
        space = current.get(item.get("id")) or Space(id=_new_id())
        space.name, space.capacity, space.position = item["name"], item["capacity"], position
        kept.append(space)
    venue.spaces = kept


def _apply_art_fields(venue: Venue, art_fields: list[str]) -> None:
    venue.art_fields = art_fields
    venue.art_field_rows = [VenueArtField(art_field=f) for f in art_fields]


def register_venue(session: Session, caller: Caller, data: dict) -> Venue:
    org = get_or_not_found(session, Org, data["org_id"], "organisation")
    caller.require_org(org.ancestors)
    now = utcnow()
    venue = Venue(id=_new_id(), name=data["name"], type=data["type"], org_id=org.id, org_path=org.path,
                  district=data["district"], address=data["address"], lat=data["location"]["lat"],
                  lon=data["location"]["lon"], opening_hours=data["opening_hours"],
                  facilities=data["facilities"], book_count=data["book_count"], status=data["status"],
                  version=1, created_at=now, updated_at=now)
    _apply_spaces(venue, data["spaces"])
    _apply_art_fields(venue, data["art_fields"])
    session.add(venue)
    session.flush()
    OUTBOX.emit(session, "venue_registered", venue.id, venue)
    return venue


def _venue_for_write(session: Session, caller: Caller, venue_id: str) -> Venue:
    venue = get_or_not_found(session, Venue, venue_id, "venue")
    caller.require_org([p for p in venue.org_path.split("/") if p])
    return venue


class _Updated:
    """A venue with the names of the fields an update changed: the ``venue_updated`` event's data."""

    def __init__(self, venue: Venue, changed: list[str]):
        self._venue, self.changed = venue, changed

    def __getattr__(self, name):
        return getattr(self._venue, name)


def update_venue(session: Session, caller: Caller, venue_id: str, changes: dict) -> Venue:
    venue = _venue_for_write(session, caller, venue_id)
    if "book_count" in changes and changes["book_count"] is not None and venue.type != "book_room":
        raise domain.validation("book_count", "only a book room has a book count")
    for key in ("name", "district", "address", "opening_hours", "facilities", "book_count"):
        if key in changes:
            setattr(venue, key, changes[key])
    if "location" in changes:
        venue.lat, venue.lon = changes["location"]["lat"], changes["location"]["lon"]
    if "spaces" in changes:
        _apply_spaces(venue, changes["spaces"])
    if "art_fields" in changes:
        _apply_art_fields(venue, changes["art_fields"])
    venue.version += 1
    venue.updated_at = utcnow()
    session.flush()
    OUTBOX.emit(session, "venue_updated", venue.id, _Updated(venue, sorted(changes)))
    return venue


def set_venue_status(session: Session, caller: Caller, venue_id: str, status: str, reason: str) -> Venue:
    venue = _venue_for_write(session, caller, venue_id)
    previous = venue.status
    domain.check_transition(previous, status)
    venue.status = status
    venue.version += 1
    venue.updated_at = utcnow()
    session.flush()
    OUTBOX.emit(session, "venue_status_changed", venue.id, {
        "venue_id": venue.id, "previous_status": previous, "status": status, "reason": reason, "venue": venue})
    return venue


def _active(designations) -> dict:
    return {d.designation: d for d in designations if d.revoked_at is None}


def designate_venue(session: Session, venue_id: str, designation: str, year: int, *, source: str,
                    caller: Caller | None = None) -> Venue:
    """Grant a designation; ``caller`` None means it comes from an award (not from an RPC)."""
    venue = get_or_not_found(session, Venue, venue_id, "venue") if caller is None else _venue_for_write(session, caller, venue_id)
    active = _active(venue.designations)
    if caller is None and designation in active:
        return venue  # the award was applied already (a replayed award_granted)
    domain.check_can_designate(designation, venue.status, set(active), by_award=caller is None)
    venue.designations.append(VenueDesignation(designation=designation, year=year, source=source,
                                               granted_at=utcnow()))
    venue.version += 1
    venue.updated_at = utcnow()
    session.flush()
    OUTBOX.emit(session, "venue_designated", venue.id,
                {"venue_id": venue.id, "designation": designation, "year": year, "source": source})
    return venue


def revoke_designation(session: Session, caller: Caller, venue_id: str, designation: str, reason: str) -> Venue:
    venue = _venue_for_write(session, caller, venue_id)
    active = _active(venue.designations)
    domain.check_can_revoke(designation, set(active), by_award=False)
    held = active[designation]
    held.revoked_at, held.revoke_reason = utcnow(), reason
    venue.version += 1
    venue.updated_at = utcnow()
    session.flush()
    OUTBOX.emit(session, "venue_designation_revoked", venue.id, {
        "venue_id": venue.id, "designation": designation, "reason": reason, "source": f"rpc:{caller.sub}"})
    return venue


def get_venue(session: Session, venue_id: str) -> Venue:
    return get_or_not_found(session, Venue, venue_id, "venue")


def _active_designation(designation: str):
    return exists().where(VenueDesignation.venue_id == Venue.id, VenueDesignation.designation == designation,
                          VenueDesignation.revoked_at.is_(None))


def search_venues(session: Session, filters: dict) -> dict:
    conditions = []
    for key in ("type", "district", "status"):
        if key in filters:
            conditions.append(getattr(Venue, key) == filters[key])
    if "org_id" in filters:
        conditions.append(_subtree(Venue.org_path, get_or_not_found(session, Org, filters["org_id"], "organisation")))
    if "designation" in filters:
        conditions.append(_active_designation(filters["designation"]))
    if "art_field" in filters:
        conditions.append(exists().where(VenueArtField.venue_id == Venue.id,
                                         VenueArtField.art_field == filters["art_field"]))
    if "text" in filters:
        pattern = contains(filters["text"])
        conditions.append(or_(Venue.name.ilike(pattern, escape="\\"), Venue.address.ilike(pattern, escape="\\")))
    if "near" in filters:
        return _search_near(session, conditions, filters["near"], Pager("search_venues", filters, (int, float), str))
    pager = Pager("search_venues", filters, str, str)
    rows = pager.rows(session, select(Venue).where(*conditions), Venue.name, Venue.id)
    return pager.page(rows, lambda v: [v.name, v.id], VENUE_OUT.dump)


def _search_near(session: Session, conditions: list, near: dict, pager: Pager) -> dict:
    """Nearest first. The bounding box narrows in SQL; exact distances are computed here."""
    min_lat, max_lat, min_lon, max_lon = domain.bounding_box(near["lat"], near["lon"], near["km"])
    lon_range = Venue.lon.between(min_lon, max_lon)
    if min_lon < -180:  # the box crosses the antimeridian: its far side is near +180
        lon_range = or_(lon_range, Venue.lon >= min_lon + 360)
    if max_lon > 180:
        lon_range = or_(lon_range, Venue.lon <= max_lon - 360)
    candidates = session.execute(select(Venue.id, Venue.lat, Venue.lon).where(
        *conditions, Venue.lat.between(min_lat, max_lat), lon_range)).all()
    hits = sorted((round(domain.distance_km(near["lat"], near["lon"], lat, lon), 6), id_)
                  for id_, lat, lon in candidates)
    hits = [h for h in hits if h[0] <= near["km"]]
    if pager.after:
        hits = [h for h in hits if (h[0], h[1]) > tuple(pager.after)]
    hits = hits[: pager.limit + 1]
    venues = {v.id: v for v in session.scalars(select(Venue).where(Venue.id.in_([h[1] for h in hits])))}
    rows = [(d, venues[i]) for d, i in hits if i in venues]

    def dump(row):
        return {**VENUE_OUT.dump(row[1]), "distance_km": round(row[0], 3)}

    return pager.page(rows, lambda r: [r[0], r[1].id], dump)


# --- groups --------------------------------------------------------------------------------

def register_group(session: Session, caller: Caller, data: dict) -> Group:
    org = get_or_not_found(session, Org, data["org_id"], "organisation")
    caller.require_org(org.ancestors)
    if data["home_venue_id"] is not None:
        get_or_not_found(session, Venue, data["home_venue_id"], "venue")
    if session.scalar(select(Group.id).where(Group.org_id == org.id, Group.name == data["name"])):
        raise Conflict(f"{data['name']} is already registered by this organisation")
    group = Group(id=_new_id(), name=data["name"], kind=data["kind"], org_id=org.id, org_path=org.path,
                  home_venue_id=data["home_venue_id"], art_field=data["art_field"], members=data["members"],
                  created_at=utcnow())
    session.add(group)
    session.flush()
    OUTBOX.emit(session, "group_registered", group.id, group)
    return group


def get_group(session: Session, group_id: str) -> Group:
    return get_or_not_found(session, Group, group_id, "group")


def search_groups(session: Session, filters: dict) -> dict:
    pager = Pager("search_groups", filters, str, str)
    stmt = select(Group)
    for key in ("kind", "home_venue_id", "art_field"):
        if key in filters:
            stmt = stmt.where(getattr(Group, key) == filters[key])
    if "org_id" in filters:
        stmt = stmt.where(_subtree(Group.org_path, get_or_not_found(session, Org, filters["org_id"], "organisation")))
    if "designation" in filters:
        stmt = stmt.where(exists().where(GroupDesignation.group_id == Group.id,
                                         GroupDesignation.designation == filters["designation"],
                                         GroupDesignation.revoked_at.is_(None)))
    if "text" in filters:
        stmt = stmt.where(Group.name.ilike(contains(filters["text"]), escape="\\"))
    return pager.page(pager.rows(session, stmt, Group.name, Group.id), lambda g: [g.name, g.id], GROUP_OUT.dump)


def designate_group(session: Session, group_id: str, designation: str, year: int, *, source: str) -> Group:
    """From an award only: an excellent team 优秀团队. Replays are no-ops."""
    group = get_or_not_found(session, Group, group_id, "group")
    if any(d.designation == designation and d.revoked_at is None for d in group.designations):
        return group
    group.designations.append(GroupDesignation(designation=designation, year=year, source=source,
                                               granted_at=utcnow()))
    session.flush()
    OUTBOX.emit(session, "group_designated", group.id,
                {"group_id": group.id, "designation": designation, "year": year, "source": source})
    return group


# --- the network ---------------------------------------------------------------------------

def count_featured_bases(session: Session, org: Org | None = None) -> int:
    stmt = select(func.count()).select_from(Venue).where(_active_designation("featured_base"),
                                                          Venue.status == "open")
    if org is not None:
        stmt = stmt.where(_subtree(Venue.org_path, org))
    return session.scalar(stmt)


def network_summary(session: Session, org_id: str | None) -> dict:
    org = get_or_not_found(session, Org, org_id, "organisation") if org_id else None
    scope = [_subtree(Venue.org_path, org)] if org is not None else []
    by = {}
    for key in ("type", "district", "status"):
        column = getattr(Venue, key)
        by[key] = dict(session.execute(select(column, func.count()).where(*scope).group_by(column)).all())
    featured = count_featured_bases(session, org)
    demonstration = session.scalar(select(func.count()).select_from(Venue).where(
        *scope, _active_designation("demonstration_base")))
    types = Counter(by["type"])
    return {
        "org_id": org.id if org else None,
        "venues": sum(types.values()),
        "by_type": {t: types.get(t, 0) for t in domain.VENUE_TYPES},
        "by_district": dict(sorted(by["district"].items())),
        "by_status": {s: by["status"].get(s, 0) for s in domain.VENUE_STATUSES},
        "network_types_covered": [t for t in domain.NETWORK_TYPES if types.get(t)],
        "featured_bases": {"count": featured, "target": domain.FEATURED_BASE_TARGET,
                           "progress": round(featured / domain.FEATURED_BASE_TARGET, 4)},
        "demonstration_bases": demonstration,
    }


# --- awards, from events -------------------------------------------------------------------

def apply_award(session: Session, envelope: dict) -> None:
    """``award_granted`` from awards: a demonstration base, or an excellent team."""
    data = AwardGranted().load(envelope["data"])
    nominee = data["nominee"]
    source = f"award:{envelope['id']}"
    if data["programme"] == "demonstration_base" and nominee["kind"] == "venue":
        designate_venue(session, nominee["ref_id"], "demonstration_base", data["year"], source=source)
    elif nominee["kind"] == "group" and data["category"] == "outstanding_team":
        designate_group(session, nominee["ref_id"], "excellent_team", data["year"], source=source)
    # other awards (individuals, works, organisations) designate nothing in the registry
