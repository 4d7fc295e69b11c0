"""An activity's registration counters: ``confirmed_count``, ``waitlisted_count`` and
``last_queue_seq`` on ``activities`` (migration 0009).

The only code that changes them. Each change runs in the transaction that changes the registration
rows they count, so they commit or roll back together: ``arrive`` (the row lock a registration
takes, numbering the newcomer) and ``count`` (a registration entering or leaving a status; on PostgreSQL ``register`` raises its
counter in its insert's statement, ``registrations._build_insert_counted``). They
let ``register`` decide a place from the locked row instead of counting the activity's
registrations while it holds the lock. ``tests/unit/events/test_registration_counters.py`` checks
that they always equal what the rows say.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from ..models import Activity, Org

ACTIVITIES = Activity.__table__
COUNTED = ("confirmed", "waitlisted")  # the statuses with a counter
COUNTERS = ("confirmed_count", "waitlisted_count", "last_queue_seq")
_c = ACTIVITIES.c
# What register checks, read in the statement that locks the row.
ARRIVAL = (_c.status, _c.capacity, _c.registration_opens_at, _c.registration_closes_at, _c.audience_open,
           _c.audience_org_path, _c.confirmed_count, _c.waitlisted_count, _c.last_queue_seq)


def forget(session: Session, activity_id: str) -> None:
    """An ``Activity`` this session holds reads its counters again (they changed under the ORM)."""
    activity = session.identity_map.get(identity_key(Activity, activity_id))
    if activity is not None:
        session.expire(activity, COUNTERS)


# The newcomer's organisation's path, read in the same round trip (None: not an organisation we know).
_WORKER_ORG_PATH = (select(Org.__table__.c.path).where(Org.__table__.c.id == bindparam("worker_org_id"))
                    .scalar_subquery().label("worker_org_path"))
# Built once (bound parameters): no statement construction per call, one compiled form cached.
_ARRIVE = (update(ACTIVITIES).where(_c.id == bindparam("activity_id"))
           .values(last_queue_seq=_c.last_queue_seq + 1).returning(*ARRIVAL, _WORKER_ORG_PATH))


def arrive(session: Session, activity_id: str, worker_org_id: str):
    """Lock the activity's row and number a newcomer (``last_queue_seq`` + 1) in one statement.
    Returns the row (``ARRIVAL``: the counts as they were before the newcomer; and
    ``worker_org_path``, the path of organisation ``worker_org_id``), or None: no such activity."""
    row = session.execute(_ARRIVE, {"activity_id": activity_id, "worker_org_id": worker_org_id}).first()
    forget(session, activity_id)
    return row


def count(session: Session, activity_id: str, entered: str | None = None, left: str | None = None) -> None:
    """A registration of the activity entered status ``entered`` and/or left status ``left``
    (``None`` or an uncounted status: no change on that side)."""
    key = (entered if entered in COUNTED else None, left if left in COUNTED else None)
    if key == (None, None):
        return
    stmt = _COUNT.get(key)
    if stmt is None:
        values = {}
        for status, step in ((key[0], 1), (key[1], -1)):
            if status is not None:
                column = f"{status}_count"
                values[column] = values.get(column, _c[column]) + step
        stmt = _COUNT[key] = update(ACTIVITIES).where(_c.id == bindparam("activity_id")).values(**values)
    session.execute(stmt, {"activity_id": activity_id})
    forget(session, activity_id)


_COUNT: dict = {}  # (entered, left) -> its UPDATE, built once
