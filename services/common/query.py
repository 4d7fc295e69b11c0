"""Small query helpers every service's use cases share."""
from __future__ import annotations

import uuid
import weakref
from typing import Callable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

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


class Prepared:
    """A statement compiled once per database dialect: one SQLAlchemy cannot cache, or one that
    differs by dialect (the outbox's insert takes its lock in it on PostgreSQL).

    A dialect's own ``INSERT`` (``sqlalchemy.dialects.postgresql.insert`` / ``...sqlite.insert``,
    for ``ON CONFLICT``) has no cache key in SQLAlchemy 2.0: every execution compiles it again
    (``[no key]`` in the engine's log), which cost ``register`` more than its SQL. ``build(name)``
    returns the statement for the dialect ``name`` (``"postgresql"`` or ``"sqlite"``), with its
    parameters as named ``bindparam``s; ``execute`` compiles it on first use for that dialect and
    runs the compiled form in the session's (or connection's) transaction, with type processing
    and ``RETURNING`` as SQLAlchemy does for any statement; a list of parameter sets is an
    executemany."""

    def __init__(self, build: Callable[[str], Executable]):
        self.build = build
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def execute(self, session_or_connection, params):
        conn = (session_or_connection.connection() if isinstance(session_or_connection, Session)
                else session_or_connection)
        dialect = conn.dialect
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = self.build(dialect.name).compile(dialect=dialect)
        return conn.execute(compiled, params)


def dialect_insert(dialect_name: str):
    """The ``insert`` of ``dialect_name`` that knows ``ON CONFLICT`` (PostgreSQL's or SQLite's)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert
