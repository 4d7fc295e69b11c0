"""An activity's registration counters (``confirmed_count``, ``waitlisted_count``,
``last_queue_seq``) never drift from its registration rows, whatever mix of registrations,
cancellations, promotions, returns after a cancellation, refusals and check-ins happens."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from services.common.errors import Conflict, InvalidState, NotFound
from services.events.models import Activity, Registration
from services.events.usecases import activities, registrations

from .test_usecases import ZS, published, session, worker  # noqa: F401 - the fixture


def rows_say(session, activity_id):  # noqa: F811
    confirmed, waitlisted, last = session.execute(select(
        func.count().filter(Registration.status == "confirmed"),
        func.count().filter(Registration.status == "waitlisted"),
        func.coalesce(func.max(Registration.queue_seq), 0)).where(Registration.activity_id == activity_id)).one()
    return confirmed, waitlisted, last


def counters_say(session, activity_id):  # noqa: F811
    row = session.execute(select(Activity.__table__.c.confirmed_count, Activity.__table__.c.waitlisted_count,
                                 Activity.__table__.c.last_queue_seq).where(Activity.id == activity_id)).one()
    return tuple(row)


def refused(session, fn, *args):  # noqa: F811
    """A refused write, rolled back to before it as the kit does (nothing of it stays)."""
    savepoint = session.begin_nested()
    try:
        fn(session, ZS, *args)
    except (Conflict, InvalidState, NotFound):
        savepoint.rollback()
        return True
    savepoint.commit()
    return False


def test_the_counters_follow_every_kind_of_change(session):  # noqa: F811
    activity = published(session, capacity=2)
    steps = [("register", f"w{i}") for i in range(5)] + [
        ("cancel", "w3"),      # a waitlisted one leaves
        ("cancel", "w0"),      # a confirmed one leaves: w2 promoted
        ("register", "w0"),    # back, at the end of the waitlist
        ("register", "w1"),    # refused: already confirmed
        ("check_in", "w1"),
        ("cancel", "w1"),      # w4 promoted
        ("cancel", "w9"),      # refused: no registration
        ("register", "w3"),
    ]
    for op, who in steps:
        if op == "register":
            refused(session, registrations.register, activity.id, worker(who))
        elif op == "cancel":
            refused(session, registrations.cancel_registration, activity.id, who)
        else:
            refused(session, registrations.check_in, activity.id, who)
        assert counters_say(session, activity.id) == rows_say(session, activity.id), (op, who)
    assert counters_say(session, activity.id) == (2, 2, 7)
    # What readers see agrees too.
    assert activities.activity_view(session, activity)["registrations"] == {"confirmed": 2, "waitlisted": 2}


@pytest.mark.parametrize("seed", range(5))
def test_the_counters_never_drift_under_a_random_mix(session, seed):  # noqa: F811
    rng = random.Random(seed)
    activity = published(session, capacity=rng.randint(1, 3))
    for _ in range(60):
        who = f"w{rng.randint(0, 9)}"
        fn = rng.choice([registrations.register, registrations.register, registrations.cancel_registration,
                         registrations.check_in])
        refused(session, fn, activity.id, worker(who) if fn is registrations.register else who)
        confirmed, waitlisted, last = rows_say(session, activity.id)
        assert counters_say(session, activity.id) == (confirmed, waitlisted, last)
        assert waitlisted == 0 or confirmed == activity.capacity  # the waitlist only ever waits for a place
