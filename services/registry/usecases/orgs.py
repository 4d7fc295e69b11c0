"""Organisations 工会组织: the tree, registered top down; admins act on their subtree."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.auth import Caller
from services.common.clock import utcnow
from services.common.errors import Conflict
from services.common.orgpath import path_of
from services.common.pagination import Pager
from services.common.query import get_or_not_found

from .. import domain
from ..models import Org
from ..schemas import OrgOut
from .shared import OUTBOX, new_id

ORG_OUT = OrgOut()


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
    org_id = new_id()
    org = Org(id=org_id, name=data["name"], kind=data["kind"], parent_id=data["parent_id"],
              path=path_of((parent.ancestors if parent else []) + [org_id]),
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
