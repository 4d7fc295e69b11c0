"""Small query helpers every service's use cases share."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .errors import NotFound


def get_or_not_found(session: Session, model, id_: str, what: str):
    """The row of ``model`` with primary key ``id_``, or ``NotFound`` naming ``what``."""
    obj = session.get(model, id_)
    if obj is None:
        raise NotFound(f"no {what} with id {id_}")
    return obj


def contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its ``%``, ``_`` and ``\\`` taken literally
    (use with ``escape="\\"``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
