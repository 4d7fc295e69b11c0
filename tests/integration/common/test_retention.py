"""The outbox's retention (services/common/retention.py), on a real broker and both databases: what
the pruning removes and what it keeps, ``events_since`` below what was pruned, and the kit's
follower that finds its source's log pruned past its position. The source and the copy are
test_follower's ``kitsrc`` and ``kitcopy``."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from nameko.exceptions import RemoteError
from nameko.testing.services import get_extension
from nameko.timer import Timer
from prometheus_client import REGISTRY
from sqlalchemy import event, select, update
from sqlalchemy.orm import sessionmaker

from services.common.base import ServiceBase
from services.common.clock import utcnow
from services.common.db import Database, make_engine
from services.common.errors import InvalidState
from services.common.follower import Follower
from services.common.retention import LEFT_BEHIND, PRUNE_INTERVAL, OutboxRetention, prune, read_log

from . import test_follower as kit
from .test_follower import SOURCE_OUTBOX, Copy, Source, copied, last_seq, rows, source_things, wait_for

urls, start, service_name = kit.urls, kit.start, kit.service_name  # test_follower's fixtures

LOG = SOURCE_OUTBOX.table
SUBSCRIBERS = LOG.metadata.tables["outbox_subscribers"]
DAY = timedelta(days=1)


@pytest.fixture
def source_db(urls):
    """Sessions on the source's database, with no service running."""
    engine = make_engine(urls["source"])
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def emit(open_session, n):
    with open_session() as session, session.begin():
        envelopes = [SOURCE_OUTBOX.emit(session, "thing_made", str(i), {"id": str(i), "name": f"物{i}", "version": 1})
                     for i in range(n)]
    return [e["seq"] for e in envelopes]  # numbered when the commit wrote them


def set_rows(open_session, seqs, **values):
    with open_session() as session, session.begin():
        session.execute(update(LOG).where(LOG.c.seq.in_(seqs)).values(**values))


def held(open_session):
    with open_session() as session:
        return list(session.execute(select(LOG.c.seq).order_by(LOG.c.seq)).scalars())


def read(open_session, seq, subscriber=None, limit=100):
    with open_session() as session, session.begin():
        return read_log(session, SOURCE_OUTBOX, seq, limit, subscriber)


def subscribers(open_session):
    with open_session() as session:
        return {r.subscriber: r.seq for r in session.execute(select(SUBSCRIBERS))}


def test_pruning_removes_published_events_older_than_the_retention_and_nothing_else(source_db):
    seqs = emit(source_db, 6)
    now = utcnow()
    set_rows(source_db, seqs, sent_at=now)
    set_rows(source_db, seqs[:4], time=now - 3 * DAY)
    set_rows(source_db, seqs[2:3], sent_at=None)  # old, but the relay has not sent it

    assert prune(source_db, SOURCE_OUTBOX, 2 * DAY) == 2
    assert held(source_db) == seqs[2:]  # the unsent event, what follows it, the recent ones
    set_rows(source_db, seqs[2:3], sent_at=now)
    assert prune(source_db, SOURCE_OUTBOX, 2 * DAY) == 2
    assert held(source_db) == seqs[4:]  # within the retention
    assert [e["seq"] for e in read(source_db, seqs[3])["items"]] == seqs[4:]
    with pytest.raises(InvalidState, match=f"pruned its event log through seq {seqs[3]}"):
        read(source_db, seqs[2])


def test_pruning_keeps_what_a_known_subscriber_has_not_read(source_db):
    seqs = emit(source_db, 5)
    set_rows(source_db, seqs, sent_at=utcnow(), time=utcnow() - 3 * DAY)
    read(source_db, seqs[1], subscriber="kitcopy")  # it has applied the log up to seqs[1]
    read(source_db, seqs[3], subscriber="other")

    assert prune(source_db, SOURCE_OUTBOX, DAY) == 2
    assert held(source_db) == seqs[2:]
    read(source_db, seqs[4], subscriber="kitcopy")  # both read on: the log goes as far as the slower
    assert prune(source_db, SOURCE_OUTBOX, DAY) == 2
    assert held(source_db) == seqs[4:]
    assert subscribers(source_db) == {"kitcopy": seqs[4], "other": seqs[3]}


def test_a_subscriber_silent_for_longer_than_the_retention_is_left_behind_and_told(source_db, caplog):
    seqs = emit(source_db, 4)
    set_rows(source_db, seqs, sent_at=utcnow(), time=utcnow() - 3 * DAY)
    read(source_db, seqs[0], subscriber="sleeper")
    with source_db() as session, session.begin():
        session.execute(update(SUBSCRIBERS).values(seen_at=utcnow() - 2 * DAY))
    before = LEFT_BEHIND.labels("kitsrc", "sleeper")._value.get()
    caplog.set_level(logging.WARNING, logger="services.common.retention")

    assert prune(source_db, SOURCE_OUTBOX, DAY) == 4
    assert held(source_db) == []
    assert LEFT_BEHIND.labels("kitsrc", "sleeper")._value.get() - before == 1
    assert "subscriber sleeper" in caplog.text and "no longer waited for" in caplog.text
    assert subscribers(source_db) == {}  # told once, then forgotten
    with pytest.raises(InvalidState, match=f"pruned its event log through seq {seqs[-1]}"):
        read(source_db, seqs[0], subscriber="sleeper")
    assert subscribers(source_db) == {}  # a refused read records nothing: it holds nothing back


def test_events_since_below_what_was_pruned_is_refused(start, client, urls):
    source = start(Source, OUTBOX_RETENTION_DAYS=1)
    made = [client.call("kitsrc", "make_thing", name) for name in ("一", "二", "三")]
    wait_for(lambda: all(r["sent_at"] for r in rows(urls["source"], LOG)), what="the relay")
    db = get_extension(source, Database)
    seqs = [r["seq"] for r in rows(urls["source"], LOG)]
    with db.session() as session, session.begin():
        session.execute(update(LOG).where(LOG.c.seq.in_(seqs[:2])).values(time=utcnow() - 2 * DAY))
    assert get_extension(source, OutboxRetention).prune() == 2

    for seq in (0, seqs[0]):
        with pytest.raises(RemoteError) as err:
            client.call("kitsrc", "events_since", seq, 10, subscriber="kitcopy")
        assert err.value.exc_type == "InvalidState"
        assert f"pruned its event log through seq {seqs[1]}" in err.value.value
    page = client.call("kitsrc", "events_since", seqs[1], 10, subscriber="kitcopy")
    assert [e["data"]["id"] for e in page["items"]] == [made[2]["id"]]
    assert client.call("kitsrc", "events_since", seqs[1], 10)["next_seq"] == seqs[2]  # no subscriber: as before
    with pytest.raises(RemoteError) as err:
        client.call("kitsrc", "events_since", seqs[1], 10, subscriber="Not a name")
    assert err.value.exc_type == "ValidationFailed"
    assert REGISTRY.get_sample_value("culture_outbox_pruned_through_seq", {"service": "kitsrc"}) == seqs[1]
    assert REGISTRY.get_sample_value("culture_outbox_oldest_seq", {"service": "kitsrc"}) == seqs[2]


def test_the_job_runs_in_every_service_and_removes_in_batches_of_their_own(start, client, urls):
    timer = next(e for e in ServiceBase.prune_outbox.nameko_entrypoints if isinstance(e, Timer))
    assert timer.interval == PRUNE_INTERVAL == 3600

    idle = start(Source)  # no retention set: the job keeps everything
    for name in "甲乙丙丁戊":
        client.call("kitsrc", "make_thing", name)
    wait_for(lambda: all(r["sent_at"] for r in rows(urls["source"], LOG)), what="the relay")
    db = get_extension(idle, Database)
    with db.session() as session, session.begin():
        session.execute(update(LOG).values(time=utcnow() - 2 * DAY))
    assert get_extension(idle, OutboxRetention).prune() == 0
    idle.stop()

    job = get_extension(start(Source, OUTBOX_RETENTION_DAYS=1, OUTBOX_RELAY="off"), OutboxRetention)
    pruned = REGISTRY.get_sample_value("culture_outbox_pruned_total", {"service": "kitsrc"}) or 0
    commits = []

    def committed(conn):
        commits.append(1)

    event.listen(job.db.engine, "commit", committed)  # the relay is off: only the job commits
    assert job.prune(batch_size=2) == 5
    event.remove(job.db.engine, "commit", committed)
    assert len(commits) == 3  # 2 + 2 + 1 rows: no transaction holds the whole backlog
    assert rows(urls["source"], LOG) == []
    assert REGISTRY.get_sample_value("culture_outbox_pruned_total", {"service": "kitsrc"}) - pruned == 5


def test_a_follower_catches_up_after_a_prune_that_kept_what_it_had_not_read(start, client, urls):
    source = start(Source, OUTBOX_RETENTION_DAYS=1)
    for name in ("春", "夏", "秋"):
        client.call("kitsrc", "make_thing", name)
    copy = start(Copy)  # its start's catch-up reads to the end: kitcopy has read seq 3
    read_up_to = last_seq(urls["source"])
    copy.stop()
    for name in ("冬", "年"):
        client.call("kitsrc", "make_thing", name)
    wait_for(lambda: all(r["sent_at"] for r in rows(urls["source"], LOG)), what="the relay")
    with get_extension(source, Database).session() as session, session.begin():
        session.execute(update(LOG).values(time=utcnow() - 2 * DAY))  # all old enough to go

    assert get_extension(source, OutboxRetention).prune() == 3
    assert [r["seq"] for r in rows(urls["source"], LOG)] == [read_up_to + 1, read_up_to + 2]
    start(Copy)
    assert client.call("kitcopy", "catch_up") == 0  # the start's catch-up had it all
    assert copied(urls["copy"]) == source_things(urls["source"])
    assert client.call("kitcopy", "position") == last_seq(urls["source"])


def test_a_follower_behind_what_its_source_pruned_stays_put_and_says_so(start, client, urls, caplog):
    source = start(Source, OUTBOX_RETENTION_DAYS=1)
    client.call("kitsrc", "make_thing", "旧")
    copy = start(Copy)
    position = client.call("kitcopy", "position")
    copy.stop()
    for name in ("新", "更新"):
        client.call("kitsrc", "make_thing", name)
    wait_for(lambda: all(r["sent_at"] for r in rows(urls["source"], LOG)), what="the relay")
    with get_extension(source, Database).session() as session, session.begin():
        session.execute(update(LOG).values(time=utcnow() - 2 * DAY))
        session.execute(update(SUBSCRIBERS).values(seen_at=utcnow() - 2 * DAY))  # kitcopy: silent too long
    assert get_extension(source, OutboxRetention).prune() == 3

    caplog.set_level(logging.ERROR, logger="services.common.follower")
    follower = get_extension(start(Copy, settle=False), Follower)
    wait_for(lambda: "has pruned its event log through seq" in caplog.text, what="the error")
    failures = REGISTRY.get_sample_value("culture_follower_failures_total",
                                         {"service": "kitcopy", "source": "kitsrc", "stage": "pruned"})
    assert follower.tick() is None
    assert REGISTRY.get_sample_value("culture_follower_failures_total",
                                     {"service": "kitcopy", "source": "kitsrc", "stage": "pruned"}) == failures + 1
    assert client.call("kitcopy", "position") == position  # it skips nothing
    for method in ("catch_up", "rebuild"):
        with pytest.raises(RemoteError) as err:
            client.call("kitcopy", method)
        assert err.value.exc_type == "InvalidState" and "cannot be caught up or rebuilt" in err.value.value
    assert client.call("kitcopy", "position") == position  # the rebuild was refused before it reset it
    # The live stream goes on: its queue kept the events made while the copy was down.
    wait_for(lambda: copied(urls["copy"]) == source_things(urls["source"]), what="the live events")
    assert client.call("kitcopy", "position") == position
