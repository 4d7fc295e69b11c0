"""This service's copy of the registry's organisation tree, kept by the kit's follower: what it
calls, ``apply(session, envelope)``, idempotent on its own (an upsert keyed by id), never committing.
A person is nominated only as a member of an organisation known here."""
from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.orgcopy import ORG_REGISTERED, upsert_org

from .models import Org

TYPES = ("org_registered",)


def apply(session: Session, envelope: dict) -> None:
    if envelope["type"] == "org_registered":
        upsert_org(session, Org, ORG_REGISTERED.load(envelope["data"]))
        session.flush()
