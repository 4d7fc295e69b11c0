"""Many callers at once: one slot is won once, a capacity is never exceeded, the waitlist has no gaps.

On PostgreSQL the calls are served by **two events replicas on one database** (two containers in
one vhost, both consuming the ``rpc-events`` queue), so the service's own checks can race and the
database's guards (the exclusion constraint, the activity row lock) have to hold. On SQLite the
calls are served by one replica: two replicas on one SQLite file are not a supported deployment
(the kit gives each process one connection and relies on green threads waiting for it; two
engines on one file make SQLite's busy wait block the whole OS thread, so replicas there would
stall each other rather than race). SQLite still serialises the writers of that one replica, and
its triggers refuse an overlapping row written behind the service's back.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

import eventlet
import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from services.events.models import Activity, Booking, Registration
from services.events.service import Service as Events
from tests.conftest import config_for

from .conftest import on

PARALLEL_BOOKINGS = 20
CAPACITY, WORKERS = 5, 30


@pytest.fixture
def replicas(platform, container_factory, rabbit_config, backend):
    """The events containers serving the test: two on PostgreSQL, one on SQLite (see the module doc)."""
    containers = [platform.events]
    if backend == "postgres":
        second = container_factory(Events, config_for("events", rabbit_config["AMQP_URI"], platform.events_url))
        second.start()
        containers.append(second)
    return containers


def count_calls(containers, method):
    """Per container, how many ``method`` calls it took (to show both replicas served)."""
    counts = []
    for container in containers:
        calls = []
        original = container.spawn_worker

        def spawn_worker(entrypoint, args, kwargs, _original=original, _calls=calls, **kw):
            if getattr(entrypoint, "method_name", None) == method:
                _calls.append(1)
            return _original(entrypoint, args, kwargs, **kw)

        container.spawn_worker = spawn_worker
        counts.append(calls)
    return counts


def all_at_once(proxy_method, argument_lists):
    """Send every call before waiting for any reply; returns (reply, error type), in call order."""
    pending = [proxy_method.call_async(*args) for args in argument_lists]
    outcomes = []
    for reply in pending:
        try:
            outcomes.append((reply.result(), None))
        except RemoteError as err:
            outcomes.append((err.value, err.exc_type))
    return outcomes


def engine_for(url):
    # A plain engine (no BEGIN IMMEDIATE, a short busy wait): a test must never hold the OS thread
    # in SQLite's busy wait while the service's relay, on a green thread here, holds the lock.
    return create_engine(url, connect_args={"timeout": 0.2}) if url.startswith("sqlite") else create_engine(url)


def retrying(fn, tries=100):
    for _ in range(tries - 1):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            eventlet.sleep(0.05)  # let the service finish its write
    return fn()


def activity(w, space, starts, ends, capacity=5, title="五月歌会·中山区专场", day=1):
    """An activity in the hall tomorrow (``day``) from ``starts`` to ``ends`` (local HH:MM)."""
    return {"title": title, "kind": "performance", "org_id": w.zhongshan, "capacity": capacity,
            "bookings": [{"venue_id": w.hall["id"], "space_id": space, "starts_at": on(day, starts),
                          "ends_at": on(day, ends)}]}


def test_parallel_bookings_of_one_slot_have_one_winner_and_the_database_refuses_an_overlap(
        world, platform, replicas, client, backend):
    w = world
    served = count_calls(replicas, "schedule_activity")
    # Twenty organisers ask for the same rehearsal room at once (some shifted by half an hour:
    # overlapping, not identical, requests conflict too).
    requests = [(activity(w, w.rehearsal, *(("10:30", "12:30") if i % 3 == 1 else ("10:00", "12:00")),
                          title=f"排练·{i}"),) for i in range(PARALLEL_BOOKINGS)]
    outcomes = all_at_once(client.proxy(w.zs_admin).events.schedule_activity, requests)
    winners = [reply for reply, error in outcomes if error is None]
    assert len(winners) == 1, outcomes
    assert sorted(error for _, error in outcomes if error) == ["Conflict"] * (PARALLEL_BOOKINGS - 1)
    by_guard = sum("the database enforces" in str(reply) for reply, error in outcomes if error)
    print(f"\n{backend}: {len(replicas)} replica(s) served {[len(c) for c in served]} calls; of "
          f"{PARALLEL_BOOKINGS - 1} conflicts {by_guard} came from the database's guard, the rest from the "
          f"service's own check")
    if backend == "postgres":
        assert all(served), f"both replicas should have served calls: {[len(c) for c in served]}"

    engine = engine_for(platform.events_url)
    try:
        with engine.connect() as conn:
            active = conn.execute(select(Booking.activity_id, Booking.starts_at, Booking.ends_at).where(
                Booking.space_id == w.rehearsal, Booking.active.is_(True))).all()
            activities = conn.scalar(select(func.count()).select_from(Activity))
        assert [b.activity_id for b in active] == [winners[0]["id"]]
        assert activities == 1  # the losers left nothing behind

        # Behind the service's back: a second active row overlapping the winner's is refused by the
        # database itself (PostgreSQL: the exclusion constraint; SQLite: the trigger).
        won = active[0]
        row = {"activity_id": won.activity_id, "venue_id": w.hall["id"], "space_id": w.rehearsal}

        def write(**values):
            with engine.begin() as conn:
                conn.execute(insert(Booking.__table__).values(id=str(uuid.uuid4()), **{**row, **values}))

        hour = timedelta(hours=1)
        with pytest.raises(IntegrityError):
            retrying(lambda: write(starts_at=won.starts_at + hour, ends_at=won.ends_at + hour, active=True))
        # What the guard lets through: an inactive (cancelled) booking, and a booking that only
        # touches the winner's (half-open ranges), or of another space.
        retrying(lambda: write(starts_at=won.starts_at + hour, ends_at=won.ends_at + hour, active=False))
        retrying(lambda: write(starts_at=won.ends_at, ends_at=won.ends_at + hour, active=True))
        retrying(lambda: write(starts_at=won.starts_at, ends_at=won.ends_at, active=True, space_id=w.theatre))
        with engine.connect() as conn:
            kept = conn.scalar(select(func.count()).select_from(Booking).where(Booking.space_id == w.rehearsal))
        assert kept == 3
    finally:
        engine.dispose()
    # And the service refuses a slot that overlaps only the row written directly.
    late = activity(w, w.rehearsal, "10:00", "12:00")
    late["bookings"][0].update(starts_at=(won.ends_at + hour / 2).isoformat(),
                               ends_at=(won.ends_at + 2 * hour).isoformat())
    with pytest.raises(RemoteError) as err:
        client.call("events", "schedule_activity", late, token=w.zs_admin)
    assert err.value.exc_type == "Conflict"


def test_parallel_registrations_fill_the_capacity_exactly_and_queue_the_rest_without_gaps(
        world, platform, replicas, client, backend):
    w = world
    admin = client.proxy(w.port_admin)  # the unit's admin registers its workers (its subtree)
    act = client.call("events", "schedule_activity", activity(w, w.theatre, "19:00", "21:00", capacity=CAPACITY),
                      token=w.zs_admin)
    client.call("events", "publish_activity", act["id"], token=w.zs_admin)
    workers = [{"id": f"worker-{i:02d}", "name": f"职工{i}", "org_id": w.port} for i in range(WORKERS)]
    served = count_calls(replicas, "register")
    # Thirty workers at once, and three of them a second time in the same burst.
    calls = [(act["id"], wk) for wk in workers] + [(act["id"], workers[i]) for i in (3, 11, 29)]
    outcomes = all_at_once(admin.events.register, calls)
    replies = [reply for reply, error in outcomes if error is None]
    print(f"\n{backend}: {len(replicas)} replica(s) served {[len(c) for c in served]} registrations")
    errors = [error for _, error in outcomes if error is not None]
    assert errors == ["Conflict"] * 3, outcomes
    assert len(replies) == WORKERS  # no one lost, no one twice
    assert sum(r["status"] == "confirmed" for r in replies) == CAPACITY
    waitlisted = sorted(r["position"] for r in replies if r["status"] == "waitlisted")
    assert waitlisted == list(range(1, WORKERS - CAPACITY + 1))  # no gaps, no duplicates
    if backend == "postgres":
        assert all(served), f"both replicas should have served calls: {[len(c) for c in served]}"

    def table():
        engine = engine_for(platform.events_url)
        try:
            with engine.connect() as conn:
                return conn.execute(select(Registration.worker_id, Registration.status, Registration.queue_seq)
                                    .where(Registration.activity_id == act["id"])
                                    .order_by(Registration.queue_seq)).all()
        finally:
            engine.dispose()

    rows = table()
    assert len(rows) == WORKERS and len({r.worker_id for r in rows}) == WORKERS
    assert [r.queue_seq for r in rows] == list(range(1, WORKERS + 1))  # arrival order, no gaps
    assert [r.status for r in rows] == ["confirmed"] * CAPACITY + ["waitlisted"] * (WORKERS - CAPACITY)
    queue = [r.worker_id for r in rows if r.status == "waitlisted"]
    view = client.call("events", "get_activity", act["id"], token=w.zs_admin)
    assert view["registrations"] == {"confirmed": CAPACITY, "waitlisted": WORKERS - CAPACITY}

    # Two confirmed workers cancel at the same moment: the first two of the queue move up, in order.
    leaving = [r.worker_id for r in rows if r.status == "confirmed"][1:3]
    cancelled = all_at_once(admin.events.cancel_registration, [(act["id"], wid) for wid in leaving])
    assert [error for _, error in cancelled] == [None, None], cancelled
    assert sorted(reply["promoted_worker_id"] for reply, _ in cancelled) == sorted(queue[:2])
    rows = table()
    status = {r.worker_id: r.status for r in rows}
    assert [wid for wid in leaving if status[wid] == "cancelled"] == leaving
    assert sum(s == "confirmed" for s in status.values()) == CAPACITY
    assert [r.worker_id for r in rows if r.status == "waitlisted"] == queue[2:]
    again = client.call("events", "register", act["id"], {"id": "worker-late", "name": "迟到者", "org_id": w.port},
                        token=w.port_admin)
    assert again == {"status": "waitlisted", "position": WORKERS - CAPACITY - 2 + 1}
