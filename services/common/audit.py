"""The audit log: one row per accepted write, which also answers a write request seen again.

- ``record(session, table, ...)`` holds the row in the caller's session for its commit, so it commits
  or rolls back with the write itself (written by ``outbox.write_pending`` ahead of the write's
  events, before the outbox's lock is taken; on PostgreSQL one row and one event are one
  statement, ``statement(table)`` as its first part): who (the token's ``sub``, name and
  organisation; ``anonymous`` without one), what (the method), on which target (the reply's
  ``id``, else the first argument, at most 64 characters), the arguments, the reply, when, and the
  request's correlation id (``call_id``, unique: a second row for one request fails the commit).
- ``recorded_reply(session, table, call_id)`` is the reply recorded for a request, so a request
  RabbitMQ delivers again (its ack was lost when a replica died after replying) is answered from
  here and not applied twice.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, insert, select

from .auth import Caller
from .db import PENDING_AUDIT, hold_for_commit
from .envelope import utcnow

TARGET_LIMIT = 64


def target_of(result: Any, args) -> str | None:
    """What a write acted on: the reply's ``id``, else its first argument (as text)."""
    target = result.get("id") if isinstance(result, dict) else None
    if target is None and args:
        target = str(args[0])[:TARGET_LIMIT]
    return target


_COLUMNS = ("at", "actor", "actor_name", "actor_org_id", "action", "target", "details", "call_id", "result")
_INSERTS: dict = {}  # audit_log table -> its INSERT, built once with bound parameters


def statement(table: Table):
    """The audit row's ``INSERT`` (its values named parameters, ``row``'s keys), built once a table."""
    stmt = _INSERTS.get(table)
    if stmt is None:
        stmt = _INSERTS[table] = insert(table).values(
            {name: bindparam(name, type_=table.c[name].type) for name in _COLUMNS})
    return stmt


def record(session, table: Table, *, action: str, caller: Caller | None, args, kwargs: dict,
           result: Any, call_id: str | None) -> None:
    """Hold the audit row of one accepted write in ``session`` (the write's own transaction) for its
    commit. A second row with the same ``call_id`` fails that commit."""
    hold_for_commit(session, PENDING_AUDIT, table, [{
        "at": utcnow(), "actor": caller.sub if caller else "anonymous",
        "actor_name": caller.name if caller else None,
        "actor_org_id": caller.org_id if caller else None,
        "action": action, "target": target_of(result, args),
        "details": {"args": list(args), "kwargs": dict(kwargs)},
        "call_id": call_id, "result": result}])


def write(session, table: Table, rows: list[dict]) -> None:
    """Write held audit rows now."""
    session.execute(statement(table), rows)


def recorded_reply(session, table: Table, call_id: str | None) -> tuple[str, Any] | None:
    """``(call_id, reply)`` when this request was applied already, else None."""
    if not call_id:
        return None
    row = session.execute(select(table.c.result).where(table.c.call_id == call_id)).first()
    return (call_id, row.result) if row is not None else None
