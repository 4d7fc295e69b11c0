"""Small query helpers every service's use cases share."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import NotFound


def get_or_not_found(session: Session, model, id_: str, what: str, *, for_update: bool = False):
    """The row of ``model`` with primary key ``id_`` (locked for this transaction with
    ``for_update``: ``FOR UPDATE`` on PostgreSQL), or ``NotFound`` naming ``what``."""
    if for_update:
        obj = session.scalars(select(model).where(model.id == id_).with_for_update()).first()
    else:
        obj = session.get(model, id_)
    if obj is None:
        raise NotFound(f"no {what} with id {id_}")
    return obj


def contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its ``%``, ``_`` and ``\\`` taken literally
    (use with ``escape="\\"``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def new_id() -> str:
    """A new entity id: a random UUID, as text (ids are strings on the wire)."""
    return str(uuid.uuid4())
