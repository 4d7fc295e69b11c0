"""A service's copy of the registry's organisation tree, kept by the follower from ``org_registered``.

Every service that follows the registry keeps the same ``orgs`` table (events, talent, awards):
``OrgCopy`` is its columns (a declarative mixin: ``class Org(OrgCopy, Base)``, a service may add
columns), ``ORG_REGISTERED`` the lenient schema of the event's data it reads, and ``upsert_org``
the idempotent apply (keyed by id: the same event applied twice leaves the same row).
"""
from __future__ import annotations

from marshmallow import fields
from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from . import orgpath
from .errors import NotFound
from .fields import Lenient
from .tables import prefix_index


class OrgCopy:
    __tablename__ = "orgs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[str | None] = mapped_column(String(36))
    path: Mapped[str] = mapped_column(String(2000))  # "/root/.../own/" as in the registry

    @declared_attr.directive
    def __table_args__(cls):
        return (prefix_index("ix_orgs_path", "path"),)

    @property
    def ancestors(self) -> list[str]:
        return orgpath.ancestors(self.path)


class OrgRegistered(Lenient):
    """The part of registry's ``org_registered`` data a copy reads (other keys are ignored)."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    parent_id = fields.String(load_default=None, allow_none=True)
    ancestors = fields.List(fields.String(), required=True)
    district = fields.String(load_default=None, allow_none=True)


ORG_REGISTERED = OrgRegistered()


def upsert_org(session: Session, model, data: dict):
    """The copy's row for ``org_registered``'s loaded ``data`` (created or brought up to date)."""
    org = session.get(model, data["id"]) or model(id=data["id"])
    org.name, org.kind, org.parent_id = data["name"], data["kind"], data["parent_id"]
    org.path = orgpath.path_of(data["ancestors"])
    if hasattr(model, "district"):
        org.district = data["district"]
    session.add(org)
    return org


def known_org(session: Session, model, org_id: str, service: str):
    """The copy's organisation ``org_id``, or ``NotFound`` saying where the service learns them."""
    org = session.get(model, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id} (the {service} service knows organisations from registry events)")
    return org
