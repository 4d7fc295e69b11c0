"""The outbox writes a transaction's events at its commit: the log still never lets a reader skip an
event, a rolled-back savepoint or transaction takes its events with it, and a worker whose only
write is an event still commits. The audit row, held for the commit too, is written with them,
before the outbox's lock is taken. Real databases, both kinds."""
from __future__ import annotations

import random

import eventlet
import pytest
from marshmallow import Schema, fields
from sqlalchemy import MetaData, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common import audit
from services.common.db import wrote
from services.common.outbox import Outbox, write_pending
from services.common.tables import add_kit_tables

metadata = MetaData()
add_kit_tables(metadata)


class Note(Schema):
    n = fields.Integer()


OUTBOX = Outbox("kitorder", metadata, {"noted": Note()})


@pytest.fixture
def engine(kit_engine):
    return kit_engine("kitorder", metadata)


def log(engine, after=0):
    with Session(engine) as session:
        return [(e["seq"], e["data"]["n"]) for e in OUTBOX.since(session, after, 100_000)["items"]]


def test_events_are_numbered_in_commit_order_so_a_reader_following_the_log_skips_none(engine, backend):
    """Writers commit concurrently (green threads, each statement a switch) while a reader follows
    the log by ``seq``: every event that ends up in the log was seen by the reader, none out of turn."""
    writers, per_writer = (6, 40) if backend == "postgres" else (3, 40)
    done = []

    def write(w):
        rng = random.Random(w)
        for i in range(per_writer):
            with Session(engine) as session:
                OUTBOX.emit(session, "noted", f"w{w}", {"n": w * 1000 + i})
                eventlet.sleep(rng.random() * 0.002)
                session.commit()
        done.append(w)

    seen, last = [], 0
    threads = [eventlet.spawn(write, w) for w in range(writers)]
    while len(done) < writers:
        batch = log(engine, last)
        seen += batch
        last = batch[-1][0] if batch else last
        eventlet.sleep(0)
    for t in threads:
        t.wait()
    seen += log(engine, last)
    final = log(engine)
    assert len(final) == writers * per_writer
    assert seen == final  # read in order as it grew, and nothing appeared behind the reader


def test_a_rolled_back_savepoint_takes_its_events_and_the_rest_commit_in_order(engine):
    with Session(engine) as session:
        before = OUTBOX.emit(session, "noted", "s", {"n": 1})
        assert before["seq"] is None and wrote(session)  # held for the commit, which will write
        with pytest.raises(RuntimeError):
            with session.begin_nested():
                OUTBOX.emit(session, "noted", "s", {"n": 2})
                with session.begin_nested():
                    OUTBOX.emit(session, "noted", "s", {"n": 3})
                raise RuntimeError("the savepoint rolls back")
        with session.begin_nested():
            OUTBOX.emit(session, "noted", "s", {"n": 4})
        after = OUTBOX.emit(session, "noted", "s", {"n": 5})
        session.commit()
    assert [n for _, n in log(engine)] == [1, 4, 5]
    assert before["seq"] < after["seq"]  # numbered once written


def test_a_rolled_back_transaction_writes_none_of_its_events(engine):
    with Session(engine) as session:
        OUTBOX.emit_many(session, [("noted", "r", {"n": 1}), ("noted", "r", {"n": 2})])
        session.rollback()
        assert not wrote(session)
        OUTBOX.emit(session, "noted", "r", {"n": 3})  # the same session, a new transaction
        session.commit()
    with Session(engine) as session:
        OUTBOX.emit(session, "noted", "r", {"n": 4})  # closed without a commit
    assert [n for _, n in log(engine)] == [3]


def test_write_pending_numbers_the_events_now_and_write_many_comes_after_them(engine):
    with Session(engine) as session:
        first = OUTBOX.emit(session, "noted", "p", {"n": 1})
        bulk = OUTBOX.write_many(session, OUTBOX.prepare_many([("noted", "p", {"n": 2}), ("noted", "p", {"n": 3})]))
        assert first["seq"] < bulk[0]["seq"] < bulk[1]["seq"]  # written before the bulk, in emission order
        last = OUTBOX.emit(session, "noted", "p", {"n": 4})
        write_pending(session)
        assert last["seq"] > bulk[1]["seq"]
        session.commit()
    assert [n for _, n in log(engine)] == [1, 2, 3, 4]


def test_an_unknown_event_type_is_refused_at_emit_and_queues_nothing(engine):
    with Session(engine) as session:
        with pytest.raises(KeyError):
            OUTBOX.emit_many(session, [("noted", "u", {"n": 1}), ("no_such", "u", {})])
        OUTBOX.emit(session, "noted", "u", {"n": 2})
        session.commit()
    assert [n for _, n in log(engine)] == [2]


AUDIT_LOG = metadata.tables["audit_log"]


def hold_audit_row(session, call_id, n):
    audit.record(session, AUDIT_LOG, action="note", caller=None, args=[n], kwargs={}, result={"n": n},
                 call_id=call_id)


def audit_rows(engine):
    with Session(engine) as session:
        return sorted(session.execute(select(AUDIT_LOG.c.call_id, AUDIT_LOG.c.result)).all())


def test_the_audit_row_is_written_at_the_commit_with_the_events_or_alone_and_rolls_back_with_them(engine):
    with Session(engine) as session:
        OUTBOX.emit(session, "noted", "a", {"n": 1})
        hold_audit_row(session, "call-1", 1)  # one row and one event: on PostgreSQL one statement
        session.commit()
    with Session(engine) as session:
        OUTBOX.emit_many(session, [("noted", "a", {"n": 2}), ("noted", "a", {"n": 3})])
        hold_audit_row(session, "call-2", 2)
        session.commit()
    with Session(engine) as session:
        hold_audit_row(session, "call-3", 3)  # a write with no event
        assert wrote(session)
        session.commit()
    with Session(engine) as session:
        OUTBOX.emit(session, "noted", "a", {"n": 4})
        hold_audit_row(session, "call-4", 4)
        session.rollback()
    assert [n for _, n in log(engine)] == [1, 2, 3]
    assert audit_rows(engine) == [("call-1", {"n": 1}), ("call-2", {"n": 2}), ("call-3", {"n": 3})]


def test_a_second_audit_row_for_one_request_fails_its_commit_and_writes_none_of_its_events(engine):
    with Session(engine) as session:
        OUTBOX.emit(session, "noted", "d", {"n": 1})
        hold_audit_row(session, "call-1", 1)
        session.commit()
    with Session(engine) as session:
        OUTBOX.emit(session, "noted", "d", {"n": 2})
        hold_audit_row(session, "call-1", 2)
        with pytest.raises(IntegrityError):
            session.commit()
    assert [n for _, n in log(engine)] == [1]
    assert audit_rows(engine) == [("call-1", {"n": 1})]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_request_waiting_on_its_duplicate_holds_no_outbox_lock_so_other_writers_commit(engine):
    """Two deliveries of one request: the second's audit row waits for the first's transaction to end
    (the call id is unique). It waits before taking the outbox's lock (on PostgreSQL its audit row
    and its event are one statement): meanwhile other writers' events commit."""
    first = Session(engine)
    hold_audit_row(first, "call-1", 1)
    write_pending(first)  # the first delivery's row is in, not committed: it takes no outbox lock

    def second_delivery():
        with Session(engine) as session:
            OUTBOX.emit(session, "noted", "dup", {"n": 2})
            hold_audit_row(session, "call-1", 2)
            try:
                session.commit()
                return "committed"
            except IntegrityError:
                return "refused"

    waiting = eventlet.spawn(second_delivery)
    eventlet.sleep(0.3)  # the second delivery is waiting on the first's row now
    assert not waiting.dead
    with eventlet.Timeout(10):
        with Session(engine) as other:
            OUTBOX.emit(other, "noted", "other", {"n": 3})
            other.commit()  # would wait for the first transaction too if the waiter held the lock
    assert not waiting.dead
    first.commit()
    assert waiting.wait() == "refused"
    first.close()
    assert [n for _, n in log(engine)] == [3]
    assert audit_rows(engine) == [("call-1", {"n": 1})]
