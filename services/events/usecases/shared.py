"""What the events use cases share: the outbox, ids, loading an organisation or an activity for a
write, and the per-space (and per-lecturer) lock that serialises concurrent schedulings."""
from __future__ import annotations


from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, lazyload

from services.common.auth import Caller
from services.common.errors import NotFound
from services.common.orgcopy import known_org
from services.common.outbox import Outbox
from services.common.query import new_id  # noqa: F401 (the use cases import it from here)
from services.common.locks import advisory_lock_key, advisory_xact_lock

from ..domain import ancestors, utcnow
from ..models import Activity, Org, metadata
from ..schemas import EVENT_SCHEMAS

OUTBOX = Outbox("events", metadata, EVENT_SCHEMAS)



def get_org(session: Session, org_id: str) -> Org:
    return known_org(session, Org, org_id, "events")


_ORG_PATH = select(Org.__table__.c.id, Org.__table__.c.path).where(Org.__table__.c.id == bindparam("org_id"))


def org_path(session: Session, org_id: str):
    """The organisation's ``(id, path)`` as a row (one Core statement, built once: the hot writes
    need no ``Org`` object); ``NotFound`` as ``get_org`` says it."""
    row = session.execute(_ORG_PATH, {"org_id": org_id}).first()
    if row is None:
        get_org(session, org_id)  # raises the kit's NotFound
    return row


def activity_for_write(session: Session, caller: Caller | None, activity_id: str,
                       with_bookings: bool = True) -> Activity:
    """The activity, its row locked for this transaction, after checking the caller's subtree
    (``caller`` None: the rule is the use case's own, e.g. a worker acting for themself).
    ``with_bookings=False``: its bookings are not loaded with it (a registration does not read
    them: one query less while the row is locked); they load on first access."""
    stmt = select(Activity).where(Activity.id == activity_id).with_for_update()
    if not with_bookings:
        stmt = stmt.options(lazyload(Activity.bookings))
    activity = session.scalars(stmt).first()
    if activity is None:
        raise NotFound(f"no activity with id {activity_id}")
    if caller is not None:
        caller.require_org(ancestors(activity.org_path))
    return activity


def touch(activity: Activity) -> None:
    activity.version += 1
    activity.updated_at = utcnow()


def lock_slots(session: Session, keys) -> None:
    """Serialise the bookings of one space (or one lecturer's slots) across concurrent requests.

    PostgreSQL only (SQLite serialises writers anyway). Without it two transactions inserting
    overlapping rows wait on each other inside the exclusion constraint, and PostgreSQL breaks
    that deadlock with an error the caller would get as ``InternalError`` instead of ``Conflict``.
    With it the second request waits here, then its clash check sees the first one's committed
    booking. Taken in sorted order and before any event is emitted (the outbox's own lock, held to
    the commit, comes after), so these locks never wait in a cycle.
    """
    for key in sorted(set(keys)):
        advisory_xact_lock(session, advisory_lock_key("events", f"slot:{key}"))
