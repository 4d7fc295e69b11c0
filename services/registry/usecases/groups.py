"""Groups 团队: self-organised teams attached to a union, and the excellent-team designation."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.errors import Conflict
from services.common.orgpath import in_subtree
from services.common.pagination import Pager
from services.common.query import contains, get_or_not_found

from ..models import Group, GroupDesignation, Org, Venue
from ..schemas import GroupOut
from .shared import OUTBOX, new_id

GROUP_OUT = GroupOut()


def register_group(session: Session, caller: Caller, data: dict) -> Group:
    org = get_or_not_found(session, Org, data["org_id"], "organisation")
    caller.require_org(org.ancestors)
    if data["home_venue_id"] is not None:
        get_or_not_found(session, Venue, data["home_venue_id"], "venue")
    if session.scalar(select(Group.id).where(Group.org_id == org.id, Group.name == data["name"])):
        raise Conflict(f"{data['name']} is already registered by this organisation")
    group = Group(id=new_id(), name=data["name"], kind=data["kind"], org_id=org.id, org_path=org.path,
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
        org = get_or_not_found(session, Org, filters["org_id"], "organisation")
        stmt = stmt.where(in_subtree(Group.org_path, org.path))
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
